# The two commands: `make run` and `make test`. Everything else is a step they use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
export FLASK_APP := wsgi

.PHONY: run test lint typecheck bench loadtest setup assets migrate demo outbox clean

setup: $(VENV)/.installed node_modules/.installed portal/static/.built

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

portal/static/.built: node_modules/.installed scripts/build-assets.mjs $(wildcard assets/*)
	npm run --silent build

assets: node_modules/.installed
	npm run --silent build

## run: set up, migrate, load demo data and serve on http://$(HOST):$(PORT)
run: setup
	@mkdir -p instance
	PORTAL_ENV=$${PORTAL_ENV:-development} $(BIN)/flask db upgrade
	PORTAL_ENV=$${PORTAL_ENV:-development} $(BIN)/flask organisations load
	PORTAL_ENV=$${PORTAL_ENV:-development} $(BIN)/flask framework load-all
	PORTAL_ENV=$${PORTAL_ENV:-development} $(BIN)/flask cpd requirements load-all
	PORTAL_ENV=$${PORTAL_ENV:-development} $(BIN)/flask credentials ensure-key
	PORTAL_ENV=$${PORTAL_ENV:-development} $(BIN)/flask peer-qa rubric load-all
	PORTAL_ENV=$${PORTAL_ENV:-development} $(BIN)/flask reporting conditions load
	PORTAL_ENV=$${PORTAL_ENV:-development} $(BIN)/flask demo load
	PORTAL_ENV=$${PORTAL_ENV:-development} scripts/serve.sh $(HOST) $(PORT)

## test: set up, lint, type-check and run the whole suite on SQLite and on PostgreSQL
test: setup
	scripts/test.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: setup
	@mkdir -p build
	$(BIN)/python -m bench

## loadtest: Locust against gunicorn on a throwaway PostgreSQL database with Redis (see README)
loadtest: setup
	@mkdir -p build
	$(BIN)/python -m loadtest

clean:
	rm -rf $(VENV) node_modules portal/static build
