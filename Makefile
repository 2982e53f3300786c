# Two commands on a fresh machine: `make demo` and `make test`.
# Both create .venv when missing and install what they need.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: test demo bench lint typecheck clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check csat tests bench examples
	$(BIN)/ruff format --check csat tests bench examples

typecheck: $(STAMP)
	$(BIN)/mypy --strict csat

test: lint typecheck
	$(BIN)/pytest

demo: $(STAMP)
	rm -rf demo.db demo.db-wal demo.db-shm outbox
	$(BIN)/python examples/quickstart.py --db sqlite:///demo.db

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info demo.db demo.db-*
