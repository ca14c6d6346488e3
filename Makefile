# 入企服务码 — everyday commands.
#
#   make demo   virtualenv, database migrations, demo data, then serve on http://127.0.0.1:5000
#   make test   virtualenv, then the test suite (SQLite unless DATABASE_URL is set)
#   make test-browser   the browser tests (Playwright driving /usr/bin/chromium), screenshots in test-output/
#   make translations   extract the UI strings, update translations/en, compile (commit .po and .mo)
#
# Only Python 3.11+ and access to PyPI are needed; everything else goes into .venv.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Touched after a successful install: the venv is rebuilt only when the requirements change.
STAMP := $(VENV)/.requirements-installed
FLASK := $(PY) -m flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# The QR codes of the demo must point at the server the demo runs on (an exported value wins).
PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
# Extra pytest arguments, e.g. make test PYTEST_ARGS="-k verify -x"
PYTEST_ARGS ?=

.PHONY: help venv demo test test-browser demo-reset translations

help:
	@echo "make demo        install, migrate, load demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test        install, run the test suite (PYTEST_ARGS=... to pass options)"
	@echo "make test-browser  the browser tests (needs /usr/bin/chromium); screenshots in test-output/screenshots/"
	@echo "make venv        (re)install .venv when requirements*.txt changed"
	@echo "make demo-reset  delete the demo SQLite database under instance/"
	@echo "make translations  extract UI strings, update translations/en, compile the .mo"

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

demo: venv
	PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(FLASK) db upgrade
	PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(FLASK) seed-demo
	@echo
	@echo "Serving on http://$(HOST):$(PORT)/ — Ctrl-C to stop."
	PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(FLASK) run --host $(HOST) --port $(PORT)

# pytest exits with 5 when it collects no tests: reported as a warning, not as a failure.
# $(call pytest_run,ARGS) runs pytest with ARGS and then $(PYTEST_ARGS).
define pytest_run
@status=0; $(PY) -m pytest $(1) $(PYTEST_ARGS) || status=$$?; \
if [ $$status -eq 5 ]; then \
  echo "WARNING: pytest collected no tests (exit code 5); not counted as a failure."; status=0; \
fi; \
exit $$status
endef

# The browser tests take a real browser and several seconds each: they run on their own (test-browser).
test: venv
	$(call pytest_run,--ignore=tests/browser)

# Playwright drives Debian's chromium at /usr/bin/chromium (apt-get install chromium fonts-wqy-microhei);
# never `playwright install`. Full-page screenshots of every screen go to test-output/screenshots/.
test-browser: venv
	$(call pytest_run,tests/browser)

demo-reset:
	rm -f instance/service_codes.sqlite3 instance/service_codes.sqlite3-wal instance/service_codes.sqlite3-shm

# Chinese msgids from babel.cfg's sources -> messages.pot -> translations/en (new entries come empty,
# never fuzzy) -> .mo. Translate the empty msgstr, run it again, commit the .po and the .mo.
translations: venv
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --project=service-codes -o messages.pot .
	$(VENV)/bin/pybabel update -i messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(VENV)/bin/pybabel compile -d translations --statistics
