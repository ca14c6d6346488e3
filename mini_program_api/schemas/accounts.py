"""Schemas of sign-in, the admin's organisations and accounts, and a provider's staff."""
from marshmallow import Schema, ValidationError, fields, validate

from server.models.orgs import ROLES

from .common import USCC, Phone, Text, clean_text


def _not_blank_password(password):
    """A password of spaces (or invisible characters) only is no password; its minimum length is
    the domain's rule (``server.domain.orgs``)."""
    if not clean_text(password):
        raise ValidationError("密码不能只有空格")


# ---- auth and admin -------------------------------------------------------------------------

class TokenArgsSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=100, error="请填写用户名"))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200, error="请填写密码"))


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
    name = Text(required=True, max_length=200, error="名称须为 1-200 字")
    contact_phone = Phone(load_default=None)


class OrgSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    uscc = fields.String()
    name = fields.String()
    contact_phone = fields.String(allow_none=True)


class UserArgsSchema(Schema):
    username = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9_.\-@]{3,64}$", error="用户名为 3-64 位字母、数字或 _.-@"))
    password = fields.String(required=True, validate=[
        validate.Length(min=1, max=200, error="密码须为 1-200 位"), _not_blank_password])
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
    name = Text(required=True, max_length=64, error="姓名须为 1-64 字")
    phone = Phone(required=True)
    title = Text(load_default=None, max_length=64, error="职务不超过 64 字")


class StaffSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.String()
    title = fields.String(allow_none=True)
