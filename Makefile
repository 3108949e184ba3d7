# Herald — every target creates .venv itself, so a fresh clone needs only `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 5000

.PHONY: install run test test-postgres lint bench vendor migrate clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Herald needs Python >= 3.11; $(PYTHON) is $$($(PYTHON) --version 2>&1). Use: make PYTHON=python3.12 ..."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/flask --app webapp db upgrade

run: migrate
	PORT=$(PORT) $(BIN)/flask --app webapp serve

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

# The same suite on a fresh PostgreSQL database (PG_ADMIN_URL: a server you may create databases on).
PG_ADMIN_URL ?= postgresql://postgres@127.0.0.1:5432
test-postgres: $(STAMP)
	psql "$(PG_ADMIN_URL)/postgres" -qc "DROP DATABASE IF EXISTS herald_test WITH (FORCE)" -c "CREATE DATABASE herald_test"
	HERALD_TEST_DATABASE_URL=$(PG_ADMIN_URL)/herald_test $(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/writing.py
	$(BIN)/python bench/generation.py
	$(BIN)/python bench/sockets.py

vendor:
	./scripts/fetch_vendor.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
