# Kinward: the two commands a newcomer needs are `make demo` and `make test`.
# Both create their own virtual environment in .venv from the lock file; only Python 3.11+, make and git are needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-postgres lint bench install clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## Install everything and run the demo: a synthetic country served on http://127.0.0.1:8000/
demo: $(STAMP)
	$(BIN)/kinward demo

## Install everything and run the tests on SQLite (the browser tests need Debian's chromium: see README)
test: $(STAMP)
	$(BIN)/python -m pytest

## The same suite against a throwaway PostgreSQL 15 cluster (needs the PostgreSQL server binaries)
test-postgres: $(STAMP)
	bash scripts/with-postgres.sh $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

bench: $(STAMP)
	for b in bench/bench_*.py; do $(BIN)/python $$b --quick || exit 1; done

clean:
	rm -rf $(VENV) data/test
