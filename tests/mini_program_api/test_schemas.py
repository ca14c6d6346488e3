"""mini_program_api.schemas: every argument schema of the API (and the pages' own filters) answers
wrong input with Chinese messages at the field — never marshmallow's English, never an exception."""
import math

import pytest
from marshmallow import ValidationError

from mini_program_api.errors import field_errors
from server.web.agency import DashboardArgsSchema

WRONG_VALUES = [12345, -1, 0, 2**70, -(2**70), 1.5, math.nan, math.inf, True, None, "", "   ", "\u200b", "a\x00b",
                "NaN", "x" * 5000, "9999-12-31", "0001-01-01", [], [2**70], ["x" * 300] * 60, [None], [[]], {}, {"a": 1}]


def argument_schemas(app):
    """(where, schema) of every argument schema the API routes read, and of the pages' filters."""
    found = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for argument in getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", []):
            schema = argument["schema"]
            schema = schema if not isinstance(schema, type) else schema()
            found[type(schema).__name__] = (rule.rule, schema)
    found["DashboardArgsSchema"] = ("/agency/dashboard", DashboardArgsSchema())
    return sorted(found.items())


def payloads(schema):
    yield {}
    yield {"no_such_field": 1}
    yield "not an object"
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        for value in WRONG_VALUES:
            yield {key: value}


def _english(texts):
    return [text for text in texts if text.isascii()]


def test_every_argument_schema_speaks_chinese_to_wrong_input(app, subtests):
    schemas = argument_schemas(app)
    assert len(schemas) >= 15

    for name, (where, schema) in schemas:
        for payload in payloads(schema):
            with subtests.test(schema=name, path=where, payload=repr(payload)[:80]):
                try:
                    schema.load(payload)
                except ValidationError as error:
                    errors = field_errors(error.messages)
                    assert errors
                    english = {field: _english(texts) for field, texts in errors.items() if _english(texts)}
                    assert not english, english


@pytest.mark.parametrize("message, chinese", [
    ("Longer than maximum length 4.", "长度不能超过 4"),
    ("Special numeric values (nan or infinity) are not permitted.", "须为有限的数字"),
    ("Unknown field.", "未知字段"),
    ("Something nobody translated.", "取值无效"),
])
def test_marshmallow_defaults_reach_people_in_chinese(message, chinese):
    assert field_errors({"field": [message]}) == {"field": [chinese]}
