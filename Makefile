# Floorwatch: `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint typecheck pytest bench frontend migrate clean

setup: $(STAMP) frontend migrate

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

frontend:
	@if [ -f frontend/package.json ]; then $(MAKE) -C frontend build; fi

migrate: $(STAMP)
	$(BIN)/floorwatch migrate

run: setup
	FLOORWATCH_DEMO=$${FLOORWATCH_DEMO:-true} $(BIN)/floorwatch serve

lint: $(STAMP)
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

test: setup lint typecheck pytest

# The figures in docs/performance.md: needs Redis and PostgreSQL running (as for the tests),
# wrk (installed from apt when missing) and the `bench` extra (Bytewax, for the comparison).
bench: setup
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
