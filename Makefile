# Two commands on a fresh machine: `make demo` and `make test`.
# Both create .venv when missing and install what they need.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: test demo serve bench lint typecheck translations clean

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

# The example helpdesk (examples/helpdesk_app.py) with csat's pages, on demo.db.
serve: $(STAMP)
	$(BIN)/python examples/helpdesk_app.py --db sqlite:///demo.db

# Re-extract the pages' strings, merge them into the catalogs, compile the .mo files.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 --no-location \
		--project csat -o csat/translations/csat.pot .
	$(BIN)/pybabel update -D csat -i csat/translations/csat.pot -d csat/translations --width 100
	$(BIN)/pybabel compile -D csat -d csat/translations --statistics

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info demo.db demo.db-*
