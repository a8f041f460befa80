# The two commands of the README: `make run` and `make test`. Everything a fresh machine
# needs is installed on the way; a second run only checks stamps and is fast.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMPS := .make
VENDOR := static/vendor

export FLASK_APP := app

.PHONY: run test unit chaos setup system services lint clean translations-update

run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask tv seed
	$(BIN)/python app.py

test: setup services
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest
	$(BIN)/python -m tests.chaos

# The fast tier for your own loop (CONTRIBUTING.md): the unit tests, under a minute.
unit: setup services
	$(BIN)/pytest -q tests/unit

# Faults injected into the platform's own PostgreSQL, Redis, SeaweedFS, workers and fake X;
# prints the table and fails unless nothing was lost, duplicated or half-published.
chaos: setup
	$(BIN)/python -m tests.chaos

setup: system $(STAMPS)/python $(STAMPS)/npm $(STAMPS)/translations

# Debian's ffmpeg (and Chromium for the browser tests), only when missing.
system:
	@scripts/ensure-system.sh

# PostgreSQL and Redis for the tests: checked, started or installed when missing.
services:
	@scripts/ensure-services.sh

$(STAMPS)/python: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/npm: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/hls.js/dist/hls.min.js node_modules/tus-js-client/dist/tus.min.js \
	   node_modules/axe-core/axe.min.js node_modules/swagger-ui-dist/swagger-ui-bundle.js \
	   node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR)/
	@mkdir -p $(STAMPS) && touch $@

# The interface's French catalogue, compiled (the .mo files are built, not committed).
$(STAMPS)/translations: $(STAMPS)/python $(wildcard translations/*/LC_MESSAGES/messages.po)
	$(BIN)/pybabel compile --statistics -d translations
	@touch $@

# After changing user-visible strings: extract them and merge into the catalogues
# (TRANSLATIONS: another copy of the catalogues, as tests/unit/test_catalogue.py uses).
TRANSLATIONS ?= translations
translations-update: $(STAMPS)/python
	$(BIN)/pybabel extract -F babel.cfg -k _l -k MediaError -k SubtitleError -k SpeechModelError \
	    -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

# ruff's checks and the import-layer contracts (pyproject.toml), without the tests.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(STAMPS) $(VENDOR) node_modules
