"""What the schemas share: field validators with their Chinese messages, local times."""
from marshmallow import fields, validate

from server.clock import isoformat_local


NAME = validate.Length(min=1, max=200, error="长度须在 1 到 200 之间")
SHORT = validate.Length(min=1, max=100, error="长度须在 1 到 100 之间")
PHONE = validate.Regexp(r"^[0-9+\-() ]{5,20}$", error="电话号码格式不对")
USCC = validate.Length(equal=18, error="统一社会信用代码须为 18 位")
REASON = validate.Length(min=1, max=500, error="请填写理由（500 字以内）")


class LocalDateTime(fields.DateTime):
    """ISO 8601 with the +08:00 offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        return isoformat_local(value)
