"""The one JSON error shape of the phone API: ``{"code", "message", "errors"?}``.

Domain errors, HTTP errors (404 routes, 405, 413, 429) and marshmallow/webargs validation errors
all become this shape here, and nowhere else.
"""
import json
import re

from flask import jsonify, request


DEFAULT_MESSAGES = {
    400: "请求格式错误：请求体须为 JSON（Content-Type: application/json）",
    401: "请先登录（Authorization: Bearer <access_token>）",
    403: "无权进行此操作",
    404: "找不到该资源",
    405: "不支持该请求方法",
    409: "当前状态不允许此操作",
    413: "请求内容过大",
    422: "提交的内容有误，请按提示修改",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误",
}

# marshmallow's English messages, in the words a Chinese user reads.
_TRANSLATIONS = {
    "Missing data for required field.": "必填",
    "Unknown field.": "未知字段",
    "Not a valid integer.": "须为整数",
    "Not a valid string.": "须为文本",
    "Not a valid list.": "须为列表",
    "Not a valid date.": "日期格式须为 YYYY-MM-DD",
    "Not a valid boolean.": "须为 true 或 false",
    "Field may not be null.": "不能为空",
    "Invalid input type.": "请求体须为 JSON 对象",
    "Invalid value.": "取值无效",
    "Invalid JSON body.": "请求体不是有效的 JSON",
    "Not a valid number.": "须为数字",
    "Not a valid utf-8 string.": "须为 UTF-8 文本",
    "Special numeric values (nan or infinity) are not permitted.": "须为有限的数字",
    "Number too large.": "数字过大",
    "Not a valid mapping type.": "须为 JSON 对象",
    "Not a valid datetime.": "时间格式须为 ISO 8601",
}

# marshmallow's messages with numbers in them.
_PATTERNS = (
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "长度不能超过 {0}"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "长度不能少于 {0}"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), "长度须在 {0} 到 {1} 之间"),
    (re.compile(r"^Length must be (\d+)\.$"), "长度须为 {0}"),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"), "须在 {0} 到 {1} 之间"),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), "不能小于 {0}"),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), "不能大于 {0}"),
    (re.compile(r"^Must be one of: .*\.$"), "取值无效"),
)


def translate(message):
    """A validation message in the words a Chinese user reads. The field types of
    ``schemas.common`` and the schemas' own messages are Chinese already; marshmallow's English
    defaults are translated here, and an English message nobody foresaw becomes 取值无效 rather
    than reach a person who reads Chinese."""
    text = str(message)
    if text in _TRANSLATIONS:
        return _TRANSLATIONS[text]
    for pattern, chinese in _PATTERNS:
        match = pattern.match(text)
        if match:
            return chinese.format(*match.groups())
    if text.isascii() and re.search(r"[A-Za-z]", text):
        return "取值无效"
    return text


def field_errors(messages):
    """webargs nests errors by location and list index; clients want ``{field: [text]}``."""
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "form", "path", "headers", "view_args"}:
        merged = {}
        for location_errors in messages.values():
            merged.update(field_errors(location_errors))
        return merged
    if not isinstance(messages, dict):
        return {"_request": _texts(messages)}
    return {str(field): _texts(value) for field, value in messages.items()}


def _texts(value):
    if isinstance(value, dict):
        texts = []
        for key, inner in value.items():
            prefix = f"第 {int(key) + 1} 项：" if isinstance(key, int) or str(key).isdigit() else f"{key}："
            texts.extend(prefix + text for text in _texts(inner))
        return texts
    if isinstance(value, (list, tuple)):
        texts = []
        for item in value:
            texts.extend(_texts(item))
        return texts
    return [translate(value)]


def error_response(status, message=None, errors=None, headers=None):
    """The JSON error response."""
    body = {"code": status, "message": message or DEFAULT_MESSAGES.get(status, "请求失败")}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers.setdefault("WWW-Authenticate", "Bearer")
    return response


def is_api_request():
    return request.path.startswith("/api/")


def handle_domain_error(error):
    """Typed domain errors → JSON. Only validation errors (422) carry ``errors``, as API.md promises;
    a Conflict may name its field for the pages and the CLI, but the API answers it without one."""
    return error_response(error.status, error.message, error.errors if error.status == 422 else None)


def handle_http_exception(error):
    """HTTP errors under /api → JSON; elsewhere the page handlers answer."""
    if not is_api_request():
        return error
    data = getattr(error, "data", None) or {}
    status = error.code or 500
    messages = data.get("messages")
    if status == 422 and messages:
        return error_response(422, None, field_errors(messages), data.get("headers"))
    message = None if status in DEFAULT_MESSAGES else error.description
    return error_response(status, message, None, data.get("headers"))


def reject_non_json_body():
    """A POST/PUT/PATCH body under /api must be a JSON document; say 400 before anything else."""
    if not is_api_request() or request.method not in ("POST", "PUT", "PATCH"):
        return None
    if not request.content_length and not request.get_data(cache=True):
        return None
    try:
        document = request.get_json(silent=True) if request.is_json else None
    except RecursionError:
        # Nested deeper than the parser recurses ([[[[… by the ten thousand): no document of ours.
        document = None
    if document is None:
        return error_response(400)
    if b"\\u" in request.get_data(cache=True) and not _encodable(document):
        # A lone surrogate escape (\ud800 without its pair) decodes to no character at all: no
        # field could store it, no password hash could take it.
        return error_response(400, "请求体含有无效的 Unicode 转义（不成对的代理项 \\uD800-\\uDFFF）")
    return None


def _encodable(document):
    """Whether every string in the JSON document is valid Unicode text (no lone surrogates)."""
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
