# One command runs the system, one tests it. Both set up what they need first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KEYCLOAK_DIST := keycloak/target/keycloak-26.7.3

.PHONY: run test test-fast test-postgres test-cluster drill setup keycloak lint clean reset bench

run: setup keycloak
	$(PY) -m idp_bridge.devstack

# Two layers, the unit layer first: no Keycloak, no browser, no network (the in-memory fake
# gateway, contract-tested against the real one); then everything that needs the real stack,
# and the slow measurements.
# Exit status 5 is pytest's "nothing selected", e.g. PYTEST_ARGS naming only unit tests.
UNIT_LAYER := -m "not keycloak and not browser and not slow"
STACK_LAYER := -m "keycloak or browser or slow"
PYTEST_SELECTED = $(PY) -m pytest $(1) $(PYTEST_ARGS) || [ $$? -eq 5 ]

test: test-fast setup keycloak
	$(call PYTEST_SELECTED,$(STACK_LAYER))

# The unit layer needs the venv only: no npm packages, no Keycloak, no browser.
test-fast: $(VENV)/.installed
	$(call PYTEST_SELECTED,$(UNIT_LAYER))

# The integration suite on PostgreSQL, and production-mode Keycloak on PostgreSQL.
# TEST_DATABASE_URL names a server where the user may create databases.
test-postgres: setup keycloak
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest --ignore=tests/browser --ignore=tests/cluster --ignore=tests/drill $(PYTEST_ARGS)

# Two production-mode Keycloak nodes (Infinispan, jdbc-ping discovery) and two gunicorn
# bridges on one PostgreSQL server: node loss mid-journey, state shared across processes.
test-cluster: setup keycloak
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest tests/cluster -p no:cacheprovider $(PYTEST_ARGS)

# Backup and restore drill (docs/operations.md): production-mode Keycloak and the bridge on
# PostgreSQL, backed up with pg_dump as docs/deploy.md says, destroyed, restored, checked.
drill: setup keycloak
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest tests/drill -p no:cacheprovider $(PYTEST_ARGS)

setup: $(VENV)/.installed node_modules/.installed

# axe-core for the browser tests' accessibility audit (test-only, pinned in package-lock.json).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,postgres]'
	touch $@

# Maven unpacks the pinned Keycloak once, then only rebuilds the plugin jar and realm import.
keycloak:
	cd keycloak && mvn -B -q package

lint: setup
	$(VENV)/bin/ruff check idp_bridge tests
	$(VENV)/bin/mypy idp_bridge tests/support/fake_keycloak.py  # the fake satisfies Gateway

# Side by side with Keycloak alone; BENCH_ARGS=--quick is the few-minute smoke run CI uses.
# The bridge's CPU depends on how its interpreter was built: the image's (python:3.11-slim)
# has profile-guided and link-time optimization; a plain source build (pyenv's default) runs
# pure Python a fifth slower, the bridge's registration 5 % slower. BENCH_PYTHON names the
# interpreter to measure with, in a venv of its own (e.g. Debian's /usr/bin/python3.11,
# built with both); every run records which one it used (bench/interpreter.py).
BENCH_PYTHON ?=
BENCH_VENV := $(if $(BENCH_PYTHON),.venv-bench,$(VENV))

bench: setup keycloak $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python -m bench $(BENCH_ARGS)

.venv-bench/.installed: pyproject.toml
	$(BENCH_PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install -q --upgrade pip
	.venv-bench/bin/python -m pip install -q -e '.[dev,postgres]'
	touch $@

# Forget dev accounts and registrations (Keycloak's embedded database, the bridge's rows, the
# outbox) but keep the imported National Provider registry; the next `make run` re-imports
# the realm. Stop `make run` first.
reset: setup
	$(PY) -m idp_bridge.devstack.reset

clean:
	rm -rf $(VENV) .venv-bench keycloak/target var node_modules
