# Two commands for a newcomer: `make demo` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCALE := src/deo/catalogue/locale
# Compiled message catalogues (the portal and CLI read these; see deo/i18n.py).
MO := $(patsubst %.po,%.mo,$(wildcard $(LOCALE)/*/LC_MESSAGES/deo.po))

.PHONY: demo test bench lint format translations lock clean

# Every install takes the pinned, hashed versions of requirements.lock (made by `make lock`
# from pyproject.toml), so every fresh machine runs the same program; deo itself goes in
# without resolving anything.
$(STAMP): pyproject.toml requirements.lock package-lock.json
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "deo needs Python 3.11 or newer; set PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@# The world map's boundaries come from npm; without npm the portal works, map aside.
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --ignore-scripts --no-audit --no-fund --silent \
		|| echo "npm ci failed: the portal's world map is disabled"; \
	else echo "npm not found: the portal's world map is disabled (tables and charts work)"; fi
	@touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel -q compile --domain=deo --input-file=$< --output-file=$@ \
		--locale=$(word 1,$(subst /, ,$(patsubst $(LOCALE)/%,%,$<)))

## demo: build a demonstration store in ./deo-data and serve the portal on http://127.0.0.1:8000/
demo: $(STAMP) $(MO)
	$(BIN)/deo demo

## test: run the test suite (PostgreSQL tests run when DEO_TEST_POSTGRES_URL is set)
test: $(STAMP) $(MO)
	$(BIN)/python -m pytest

## bench: run every benchmark in benchmarks/ (each prints its ratio against a peer last)
bench: $(STAMP)
	@set -e; for script in benchmarks/*.py; do \
		echo "== $$script"; $(BIN)/python $$script; done

## lint: ruff
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks

## translations: extract messages (code and templates) to deo.pot and merge them into fr, es, zh
translations: $(STAMP)
	$(BIN)/pybabel -q extract --no-default-keywords --keyword=_ --keyword=ngettext:1,2 \
		--add-comments=TRANSLATORS: --project=deo --copyright-holder="deo contributors" \
		--mapping-file=babel.cfg --output-file=$(LOCALE)/deo.pot .
	$(BIN)/pybabel update --domain=deo --input-file=$(LOCALE)/deo.pot --output-dir=$(LOCALE) \
		--previous
	$(BIN)/pybabel -q compile --domain=deo --directory=$(LOCALE)

## lock: re-resolve requirements.lock from pyproject.toml (deliberately: it changes the program)
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml requirements/build.in --all-extras --universal \
		--python-version 3.11 --generate-hashes --quiet --upgrade -o requirements.lock

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache bench-out test-artifacts
