"""What the schemas share: the field types of what people type (text, phone numbers, business
dates, row ids) with their Chinese messages, and local times.

Every message a field can give reaches a person (the API's ``errors``, the pages' forms), so each
type here states its own Chinese messages instead of marshmallow's English defaults.
"""
import json
import re
import unicodedata

from marshmallow import ValidationError, fields, validate

from server.clock import EARLIEST_DAY, LATEST_DAY, isoformat_local
from server.models import MAX_ROW_ID


USCC = validate.Length(equal=18, error="统一社会信用代码须为 18 位")
_PHONE = re.compile(r"[0-9+\-() ]{5,20}")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

#: Characters a multi-line text (a comment, a note, a summary) may hold besides printable ones.
_LINE_BREAKS = frozenset("\n\r\t")


def clean_text(value):
    """``value`` without the whitespace and invisible format characters (zero-width space, BOM,
    direction marks…) at its ends: what is left is what a reader sees."""
    start, end = 0, len(value)
    while start < end and _invisible(value[start]):
        start += 1
    while end > start and _invisible(value[end - 1]):
        end -= 1
    return value[start:end]


def _invisible(char):
    return char.isspace() or unicodedata.category(char) == "Cf"


#: Bidirectional embedding, override and isolate controls: inside a name or a comment they make a
#: page show the text in another order than it is stored (a 差评 comment reading as praise).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _unprintable(text, multiline):
    """Control characters (NUL, ESC…; line breaks only in a single-line text), lone surrogates,
    which no database column stores as text, and the bidirectional controls."""
    return any((unicodedata.category(char) in ("Cc", "Cs") and not (multiline and char in _LINE_BREAKS))
               or char in _BIDI_CONTROLS for char in text)


class Text(fields.String):
    """Text a person typed. Stripped of whitespace and invisible characters at the ends first,
    then refused with control characters inside, then held to ``max_length`` (and, when the field
    is required, to at least one visible character). ``multiline`` allows line breaks (comments,
    notes, summaries). An optional field left blank loads as ``None``.

    ``error`` is the field's own message for a blank or too long value (by default one naming the
    limit).
    """

    default_error_messages = {
        "invalid": "须为文本",
        "invalid_utf8": "须为 UTF-8 文本",
        "control": "不能含有控制字符",
        "line_break": "不能换行",
    }

    def __init__(self, *, max_length, multiline=False, error=None, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length
        self.multiline = multiline
        self.length_error = error or f"请填写 1 到 {max_length} 个字"

    def _deserialize(self, value, attr, data, **kwargs):
        text = clean_text(super()._deserialize(value, attr, data, **kwargs))
        if _unprintable(text, self.multiline):
            line_break_only = not _unprintable(text, True)
            raise self.make_error("line_break" if line_break_only else "control")
        if not text and not self.required:
            return None
        if not 1 <= len(text) <= self.max_length:
            raise ValidationError(self.length_error)
        return text


class ScannedText(fields.Field):
    """What a scanner or a client read, taken as it comes: a string as it is, any other JSON value
    as its JSON text. It is judged (a token that is none of ours is ``malformed``), never refused.
    ``blank_is_none``: a value with nothing visible in it is no value."""

    default_error_messages = {"null": "不能为空", "required": "必填"}

    def __init__(self, *, blank_is_none=False, **kwargs):
        super().__init__(**kwargs)
        self.blank_is_none = blank_is_none

    def _deserialize(self, value, attr, data, **kwargs):
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if self.blank_is_none:
            return clean_text(text) or None
        return text


class Phone(Text):
    """A phone number: digits with + - ( ) and spaces, 5–20 characters, at least 5 of them digits."""

    MESSAGE = "电话号码格式不对（5-20 位，至少 5 个数字）"

    def __init__(self, **kwargs):
        super().__init__(max_length=20, error=self.MESSAGE, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is not None and (not _PHONE.fullmatch(text) or sum(char.isdigit() for char in text) < 5):
            raise ValidationError(self.MESSAGE)
        return text


class BusinessDate(fields.Date):
    """A day of the business (a commission's period, a code's validity, a statistics period):
    ``YYYY-MM-DD`` within EARLIEST_DAY … LATEST_DAY, as every period is (``server.clock``)."""

    default_error_messages = {
        "invalid": "日期格式须为 YYYY-MM-DD",
        "format": "日期格式须为 YYYY-MM-DD",
        "range": f"日期须在 {EARLIEST_DAY.isoformat()} 至 {LATEST_DAY.isoformat()} 之间",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        # Python reads 20261205 and 2026-W50-1 as dates too; people and clients are told YYYY-MM-DD.
        if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
            raise self.make_error("format")
        day = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise self.make_error("range")
        return day


class JsonBoolean(fields.Boolean):
    """JSON ``true`` or ``false`` only: marshmallow's Boolean also takes "yes", "on", 1 and the like."""

    default_error_messages = {"invalid": "须为 true 或 false"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class RowId(fields.Integer):
    """The id of a row: an integer 1 … MAX_ROW_ID (larger ones cannot exist, and the database
    could not even compare them)."""

    default_error_messages = {"invalid": "须为整数", "range": "编号无效（须为 1 到 2147483647 之间的整数）"}

    def _validated(self, value):
        number = super()._validated(value)
        if not 1 <= number <= MAX_ROW_ID:
            raise self.make_error("range")
        return number


class LocalDateTime(fields.DateTime):
    """ISO 8601 with the +08:00 offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        return isoformat_local(value)
