# Floorwatch: `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# uv installs exactly uv.lock; it comes pinned with hashes from requirements/uv.txt into .tools/.
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
EXTRAS ?= --extra dev
# pytest-xdist: test files spread over this many processes (a file's tests stay together, so
# its module fixtures start once). Three on two cores: much of the suite waits on servers,
# browsers and subprocesses, and two processes left a fifth of the CPU idle.
TEST_WORKERS ?= 3

.PHONY: setup run test lint lock-check lock upgrade frontend-types types-check typecheck pytest bench bytecode \
	frontend migrate clean

setup: $(STAMP) frontend migrate

$(UV): requirements/uv.txt
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --require-hashes --no-deps -r requirements/uv.txt
	touch $(UV)

# Installs the lock as it is (--frozen: never re-resolves); `lock-check` says when it is stale.
# --compile-bytecode: the packages' .pyc are written at install. Where PYTHONDONTWRITEBYTECODE
# is set (as on the CI machine) nothing else writes them, and every process (a CLI command, a
# test's server or worker) compiled SQLAlchemy, FastAPI and the rest from source at each start.
$(STAMP): uv.lock pyproject.toml $(UV)
	$(UV) sync --frozen --quiet --compile-bytecode $(EXTRAS)
	touch $(STAMP)

# The app's own .pyc, for the same reason (a stale one is recompiled in memory, never trusted).
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q app tests bench >/dev/null

# Regenerate uv.lock after changing a range in pyproject.toml (keeps every other pin).
lock: $(UV)
	$(UV) lock

# Refresh uv.lock to the newest releases the ranges allow: review and commit it on its own.
upgrade: $(UV)
	$(UV) lock --upgrade

lock-check: $(UV)
	@$(UV) lock --check --quiet || { \
	  echo "uv.lock does not match pyproject.toml: run 'make lock' and commit uv.lock" >&2; exit 1; }

# The frontend's API types are generated from the OpenAPI document (openapi-typescript).
API_TYPES := frontend/src/core/api-types.ts
GENERATE_TYPES = $(BIN)/floorwatch openapi > $(1).json \
	&& frontend/node_modules/.bin/openapi-typescript $(1).json --output $(1) --alphabetize \
	&& rm -f $(1).json

frontend-types: $(STAMP)
	$(MAKE) -C frontend deps
	$(call GENERATE_TYPES,$(API_TYPES))

types-check: $(STAMP)
	@$(MAKE) --no-print-directory -C frontend deps
	@mkdir -p var && $(call GENERATE_TYPES,var/api-types.ts) >/dev/null
	@diff -q var/api-types.ts $(API_TYPES) >/dev/null || { \
	  echo "$(API_TYPES) does not match the API: run 'make frontend-types' and commit it" >&2; \
	  exit 1; }

frontend:
	@if [ -f frontend/package.json ]; then $(MAKE) -C frontend build; fi

migrate: $(STAMP)
	$(BIN)/floorwatch migrate

run: setup bytecode
	FLOORWATCH_DEMO=$${FLOORWATCH_DEMO:-true} $(BIN)/floorwatch serve

lint: $(STAMP) lock-check types-check
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: bytecode
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=15

test: setup lint typecheck pytest

# The figures in docs/performance.md: needs Redis and PostgreSQL running (as for the tests),
# wrk (installed from apt when missing) and the `bench` extra (Bytewax, for the comparison).
bench: setup
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(UV) sync --frozen --quiet --compile-bytecode --extra dev --extra bench
	rm -f $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(TOOLS) var .mypy_cache .ruff_cache .pytest_cache
