# The two commands: `make run` (start orderdesk) and `make test` (the whole test suite).
# Both install everything into .venv first, from nothing. `make dist`: the wheel and the sdist
# in dist/ (PEP 517).

VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin

.PHONY: install run test lint bench bench-smoke ha-up ha-down dist

$(BIN)/orderdesk: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/orderdesk

run: install
	$(BIN)/orderdesk serve

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests bench conftest.py
	$(BIN)/ruff format --check src tests bench conftest.py
	$(BIN)/mypy

dist: install
	rm -rf dist
	$(BIN)/python -m build --outdir dist .

bench: install
	$(BIN)/python -m bench

bench-smoke: install
	$(BIN)/python -m bench --smoke

# A PostgreSQL cluster to try failovers on: etcd and three nodes under Patroni, synchronous
# replication, in .orderdesk/ha (Debian: apt-get install etcd-server patroni). ha-up prints
# the DATABASE_URL to give orderdesk; ha-down stops it and removes the folder.
ha-up: install
	$(BIN)/python -m tests.support.patroni up --folder .orderdesk/ha

ha-down: install
	$(BIN)/python -m tests.support.patroni down --folder .orderdesk/ha
