# Stadtkern: `make run` serves the embedded default, `make test` runs the whole suite.
# Needs only Python 3.11+ and make; everything else is installed into .venv.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MODULE_DISTS  := $(wildcard modules/*/pyproject.toml)
PARTNER_DIST  := examples/waste_calendar
# The example is installed non-editable (like a partner's package): any change to its sources must
# reinstall it, or the tests would run the stale copy in site-packages.
PARTNER_SRC   := $(shell find $(PARTNER_DIST)/stadtkern_waste -type f ! -path '*/__pycache__/*' 2>/dev/null)

# `make run PORT=8080` (or HOST=0.0.0.0 to serve the local network) changes where `make run` listens.
HOST ?= 127.0.0.1
PORT ?= 8000

export STADTKERN_TEST_DATABASE_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test

.PHONY: install run test lint format openapi bench clean template-check api-snapshot smoke

# core/__init__.py holds the distribution's version (pyproject's dynamic version): a bump must
# refresh the installed metadata, which the loader compares with push/module.toml.
$(STAMP): pyproject.toml core/__init__.py $(MODULE_DISTS) $(PARTNER_DIST)/pyproject.toml $(PARTNER_SRC)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]" $(foreach d,$(MODULE_DISTS),-e "$(dir $(d))[test]")
	# The partner-city module is installed like any third-party package: not editable, not from modules/.
	$(BIN)/python -m pip install --quiet --force-reinstall --no-deps ./$(PARTNER_DIST)
	@touch $(STAMP)

install: $(STAMP)

# Embedded default: SQLite file, migrated and loaded with demo data for Dortmund and Schwerte,
# served on http://127.0.0.1:8000 (OpenAPI UI at /schema/swagger), scheduler in the same process.
# A fixed dev-only key keeps device credentials and survey markers valid across restarts;
# production refuses to start without its own STADTKERN_SECRET_KEY.
run: install
	STADTKERN_ENV=dev STADTKERN_LOG_JSON=false \
	STADTKERN_SECRET_KEY=$${STADTKERN_SECRET_KEY:-dev-only-not-secret-stadtkern-embedded-default} \
	STADTKERN_DATABASE_URL=$${STADTKERN_DATABASE_URL:-sqlite+aiosqlite:///./stadtkern.db} \
	$(BIN)/stadtkern run --host $(HOST) --port $(PORT)

# The whole suite, every test on SQLite and on PostgreSQL (STADTKERN_TEST_DATABASE_URL).
test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core push schemas $(filter-out %.egg-info,$(wildcard modules/*/stadtkern_*)) $(PARTNER_DIST)/stadtkern_waste

# The deployment: with a Docker engine compose.yaml built and run; without one the image's install
# (wheels into a fresh virtualenv) and its processes on this machine (deploy/smoke says which).
smoke:
	deploy/smoke

# The partner's view: `stadtkern new-module` into a temporary folder outside the repository, installed
# (not editable) next to the core, its own tests and lint; then the worked example's own tests.
template-check: install
	.ci/template-check

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

openapi: install
	STADTKERN_ENV=test STADTKERN_MANIFEST_PATH=module_manifest.toml $(BIN)/stadtkern openapi > schemas/openapi.json
	STADTKERN_ENV=test $(BIN)/stadtkern json-schemas --out schemas

# The public signatures of core.api, committed as docs/core_api_snapshot.json (tests/test_module_docs.py
# fails when they differ). A change also bumps core.__version__ and gets a CHANGELOG.md entry.
api-snapshot: install
	$(BIN)/python tests/test_module_docs.py --write

bench: install
	$(BIN)/python bench/startup.py

clean:
	rm -rf $(VENV) stadtkern.db stadtkern.db-* *.egg-info
