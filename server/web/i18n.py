"""Language of the pages: Chinese unless the visitor chose English (?lang=en, kept in the session)."""
from flask import request, session

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


def select_locale():
    """Flask-Babel's locale selector. A phone's Accept-Language is not enough to leave Chinese:
    the people at a county's enterprises read Chinese, and an English page must be a choice."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return session.get("lang", DEFAULT_LANGUAGE)
