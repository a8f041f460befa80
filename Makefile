# The two commands of the README: `make run` and `make test`. Everything a fresh machine
# needs is installed on the way; a second run only checks stamps and is fast.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMPS := .make
VENDOR := static/vendor

export FLASK_APP := app

.PHONY: run test setup system services lint clean

run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask tv seed
	$(BIN)/python app.py

test: setup services
	$(BIN)/ruff check .
	$(BIN)/pytest

setup: system $(STAMPS)/python $(STAMPS)/npm

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
	   node_modules/axe-core/axe.min.js $(VENDOR)/
	@mkdir -p $(STAMPS) && touch $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(STAMPS) $(VENDOR) node_modules
