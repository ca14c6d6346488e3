"""The English catalog: complete for the current sources, compiled, and chosen with ``?lang=en``.

Chinese is the default language of every page; English must be there for every string. When a test
here fails after a page was added or changed, run ``make translations``, translate the new entries
in translations/en/LC_MESSAGES/messages.po, and run ``make translations`` again to compile them.
"""
import importlib
import importlib.util
import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from jinja2 import nodes

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
# The same keywords as `pybabel extract -k _l -k lazy_gettext` (see babel.cfg and the Makefile).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{[^{}]*\}")
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


def _catalog():
    with PO.open("rb") as po:
        return read_po(po, locale="en")


def _translation(catalog, msgid, context=None):
    """The English text of ``msgid`` (a plural's first form), or None when it is missing or empty."""
    message = catalog.get(msgid, context)
    if message is None or message.fuzzy:
        return None
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return message.string if all(strings) else None


def extracted_msgids():
    """``{(msgid, context): "file:line"}`` of every string the sources mark for translation,
    found the way ``pybabel extract -F babel.cfg`` finds them."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault((msgid, context), f"{filename}:{lineno}")
    return found


#: Where the pages keep labels they translate through a variable: (module, attribute) of a dict
#: (its values), a tuple or a single string.
RUNTIME_LABELS = [
    ("server.models.ratings", "LEVELS"),
    ("server.models.ratings", "FLAGS"),
    ("server.models.standing", "STANDING_LABELS"),
    ("server.web.provider", "RULE_LABELS"),
    ("server.web", "_HTTP_MESSAGES"),
    ("server.domain.catalog", "CATEGORY_KINDS"),
    ("server.domain.stats", "FORMULA"),
    ("server.domain.notify", "KINDS"),
    ("server.web.governance", "SCAN_REASON_LABELS"),
]


def runtime_labels():
    """Chinese labels that pages translate through a variable (``_(level_labels[level])``): the
    extractor cannot see them, translations/runtime_msgids.py lists them for pybabel."""
    found = []
    for module_name, attribute in RUNTIME_LABELS:
        if importlib.util.find_spec(module_name) is None:
            continue  # a page not written yet (or removed): nothing of it can be shown
        labels = getattr(importlib.import_module(module_name), attribute)
        texts = labels.values() if isinstance(labels, dict) else [labels] if isinstance(labels, str) else labels
        found += [(f"{module_name}.{attribute}", text) for text in texts]
    # The fallback of _HTTP_MESSAGES.get(status, "请求失败") in server/web/__init__.py.
    found.append(("server.web._page_http_error", "请求失败"))
    found += [("templates/macros.html status_chip", text) for text in _status_chip_labels()]
    return found


def _status_chip_labels():
    """The values of the ``labels`` dict literal inside the ``status_chip`` macro."""
    from jinja2 import Environment

    source = (ROOT / "templates" / "macros.html").read_text(encoding="utf-8")
    tree = Environment().parse(source)
    macro = next(node for node in tree.find_all(nodes.Macro) if node.name == "status_chip")
    found = []
    for assign in macro.find_all(nodes.Assign):
        if getattr(assign.target, "name", None) == "labels" and isinstance(assign.node, nodes.Dict):
            found += [pair.value.value for pair in assign.node.items if isinstance(pair.value, nodes.Const)]
    assert found, "status_chip in templates/macros.html no longer has a `labels` dict literal"
    return found


# ---- (a) every string has an English translation ----------------------------------------------

def test_every_extracted_msgid_has_an_english_translation():
    catalog = _catalog()
    found = extracted_msgids()
    assert len(found) > 200, "extraction found almost nothing: is babel.cfg still right?"
    missing = [f"{where}: {msgid!r}" + (f" (context {context!r})" if context else "")
               for (msgid, context), where in sorted(found.items(), key=lambda item: item[1])
               if _translation(catalog, msgid, context) is None]
    assert not missing, (f"{len(missing)} string(s) without an English translation in {PO.relative_to(ROOT)} "
                         "(run `make translations`, translate, run it again):\n  " + "\n  ".join(missing))


def test_every_label_translated_at_run_time_has_an_english_translation():
    catalog = _catalog()
    missing = [f"{source}: {text!r}" for source, text in runtime_labels() if _translation(catalog, text) is None]
    assert not missing, ("label(s) shown through _(variable) without an English translation; add them to "
                         "translations/runtime_msgids.py, then `make translations` and translate:\n  "
                         + "\n  ".join(missing))


def test_catalog_has_no_fuzzy_entries_and_keeps_every_placeholder():
    catalog = _catalog()
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]
    assert not fuzzy, f"fuzzy entries are not compiled, so they show in Chinese: {fuzzy}"
    broken = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(PLACEHOLDER.findall(ids[0]))
        broken += [f"{ids[0]!r} → {text!r}" for text in strings if sorted(PLACEHOLDER.findall(text)) != wanted]
    assert not broken, "translations that lost or changed a placeholder:\n  " + "\n  ".join(broken)


def test_english_translations_contain_no_chinese():
    catalog = _catalog()
    chinese = [f"{message.id!r} → {message.string!r}" for message in catalog
               if message.id and isinstance(message.string, str) and CJK.search(message.string)]
    assert not chinese, "English text with Chinese characters or full-width punctuation:\n  " + "\n  ".join(chinese)


# ---- (b) the committed .mo is the compiled .po ------------------------------------------------

def _translations_of(catalog):
    return {(message.id, message.context): message.string for message in catalog if message.id}


def test_committed_mo_is_up_to_date_with_the_po():
    compiled = io.BytesIO()
    write_mo(compiled, _catalog())
    compiled.seek(0)
    expected = _translations_of(read_mo(compiled))
    assert MO.exists(), f"{MO.relative_to(ROOT)} is missing: run `make translations` and commit it"
    with MO.open("rb") as committed:
        actual = _translations_of(read_mo(committed))
    stale = sorted(str(key[0]) for key in expected.keys() | actual.keys() if expected.get(key) != actual.get(key))
    assert not stale, (f"{MO.relative_to(ROOT)} differs from the .po for {len(stale)} message(s) "
                       f"(run `pybabel compile -d translations` and commit the .mo): {stale[:20]}")


# ---- (c) the pages in English --------------------------------------------------------------------

def _page(response):
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_login_page_switches_to_english_and_back(client):
    english = _page(client.get("/login?lang=en"))
    assert '<html lang="en">' in english
    assert "Sign in" in english
    assert "登录" not in english

    # The choice is kept in the session for the next pages.
    again = _page(client.get("/login"))
    assert "Sign in" in again and "登录" not in again

    chinese = _page(client.get("/login?lang=zh"))
    assert '<html lang="zh-CN">' in chinese
    assert "登录" in chinese
    assert "Sign in" not in chinese
    assert "登录" in _page(client.get("/login"))


def test_pages_are_chinese_unless_english_is_chosen(client):
    """A phone's Accept-Language is not a choice: the pages stay Chinese without ?lang=en."""
    page = _page(client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert "登录" in page and "Sign in" not in page


@pytest.mark.parametrize("path", ["/?lang=en", "/login?lang=en"])
def test_anonymous_pages_in_english_show_no_chinese(client, path):
    page = _page(client.get(path))
    # The language switch names Chinese in Chinese, as language switches do.
    text = re.sub(r"<[^>]+>", " ", page).replace("中文", "")
    assert not CJK.search(text), f"Chinese left on {path}: {sorted(set(CJK.findall(text)))}"
