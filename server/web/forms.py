"""Reading page forms with the same schemas the phone API uses, so each rule lives in one place."""
import re

from marshmallow import ValidationError

from mini_program_api.errors import field_errors


def load_form(schema, data):
    """``(values, {})`` when the form data passes ``schema``; ``(None, {field: [text]})`` otherwise."""
    try:
        return schema.load(data), {}
    except ValidationError as error:
        return None, field_errors(error.messages)


def form_dict(form, lists=(), ints=(), int_lists=(), optional=()):
    """Turn a submitted form into the JSON-like dict the schemas read.

    Check boxes arrive as repeated keys (``lists``); numbers arrive as text (``ints``) and are
    converted only when they look like numbers, so that the schema names the field otherwise.
    Empty ``optional`` fields are left out.
    """
    data = {}
    for key in form.keys():
        if key == "csrf_token":
            continue
        if key in lists or key in int_lists:
            values = [value for value in form.getlist(key) if value != ""]
            data[key] = [_to_int(value) for value in values] if key in int_lists else values
        else:
            value = form.get(key, "")
            if key in optional and value.strip() == "":
                continue
            data[key] = _to_int(value) if key in ints else value
    for key in (*lists, *int_lists):
        data.setdefault(key, [])
    return data


_INTEGER = re.compile(r"-?[0-9]{1,100}")


def _to_int(value):
    # Any number of digits the schema can name as out of range (ids: RowId); text otherwise.
    text = str(value).strip()
    return int(text) if _INTEGER.fullmatch(text) else text
