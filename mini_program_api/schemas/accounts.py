"""Schemas of sign-in, the admin's organisations and accounts, and a provider's staff."""
from marshmallow import Schema, fields, validate

from server.models.orgs import ROLES

from .common import NAME, PHONE, SHORT, USCC


# ---- auth and admin -------------------------------------------------------------------------

class TokenArgsSchema(Schema):
    username = fields.String(required=True, validate=SHORT)
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenSchema(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    role = fields.String()
    org_id = fields.Integer()


class OrgArgsSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("agency", "provider", "enterprise"),
                                                                  error="须为 agency、provider 或 enterprise"))
    uscc = fields.String(required=True, validate=USCC)
    name = fields.String(required=True, validate=NAME)
    contact_phone = fields.String(load_default=None, validate=PHONE)


class OrgSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    uscc = fields.String()
    name = fields.String()
    contact_phone = fields.String(allow_none=True)


class UserArgsSchema(Schema):
    username = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9_.\-@]{3,64}$", error="用户名为 3-64 位字母、数字或 _.-@"))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES, error="角色无效"))
    org_uscc = fields.String(required=True, validate=USCC)


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()
    org_id = fields.Integer()
    active = fields.Boolean()


# ---- staff and commissions ------------------------------------------------------------------

class StaffArgsSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64, error="姓名须为 1-64 字"))
    phone = fields.String(required=True, validate=PHONE)
    title = fields.String(load_default=None, validate=validate.Length(max=64, error="职务不超过 64 字"))


class StaffSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.String()
    title = fields.String(allow_none=True)
