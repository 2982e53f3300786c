# Two commands on a fresh machine: `make demo` and `make test`.
# Both create .venv when missing and install what they need.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: test demo serve bench lint typecheck docs docs-test translations clean axe

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check csat tests bench examples docs
	$(BIN)/ruff format --check csat tests bench examples docs
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy --strict csat

test: lint typecheck docs-test axe
	$(BIN)/pytest

# axe-core (npm) for the accessibility checks of tests/test_browser.py, inside
# the virtualenv. Without npm those checks are skipped (with CI=true they fail).
AXE := $(VENV)/axe/node_modules/axe-core/axe.min.js

axe: $(STAMP)
	@if command -v npm >/dev/null 2>&1; then \
		test -f $(AXE) || npm install --silent --no-audit --no-fund --prefix $(VENV)/axe axe-core; \
	else \
		echo "!! npm not found: the axe-core checks of tests/test_browser.py are skipped"; \
	fi

# The documentation (docs/): HTML in docs/_build/html. Warnings are errors.
SPHINXBUILD := $(BIN)/sphinx-build

docs: $(STAMP)
	$(SPHINXBUILD) -W --keep-going -b html docs docs/_build/html

# Build the documentation with warnings as errors, then run every code sample in it.
docs-test: $(STAMP)
	$(SPHINXBUILD) -E -W -b html docs docs/_build/html
	$(SPHINXBUILD) -E -W -b doctest docs docs/_build/doctest

# The demo year ends on 2026-10-31 (csat.demo.END): its last complete month.
DEMO_MONTH := 2026-10
DEMO_PDF := reports/csat-$(DEMO_MONTH).pdf
SAMPLE := reports/sample
# The sample's creation date (2 Nov 2026, 07:00 UTC: the morning cron run), so the
# committed PDF and previews only change when the report does.
DEMO_REPORT_EPOCH := 1793602800

# A helpdesk year on SQLite (demo.db), the monthly report for its last month,
# the committed sample and its page previews regenerated. The 27,000 emails go
# to a temporary directory (add --outbox outbox to keep them: about 220 MB).
demo: $(STAMP)
	rm -rf demo.db demo.db-wal demo.db-shm
	$(BIN)/csat demo --db sqlite:///demo.db
	SOURCE_DATE_EPOCH=$(DEMO_REPORT_EPOCH) $(BIN)/csat report --db sqlite:///demo.db --month $(DEMO_MONTH) --lang en --out $(DEMO_PDF)
	mkdir -p $(SAMPLE)
	cp $(DEMO_PDF) $(SAMPLE)/csat-sample.pdf
	@if command -v pdftoppm >/dev/null 2>&1; then \
		rm -f $(SAMPLE)/page-*.png; \
		pdftoppm -png -scale-to 1000 $(SAMPLE)/csat-sample.pdf $(SAMPLE)/page; \
		echo "page previews: $$(ls $(SAMPLE)/page-*.png | tr '\n' ' ')"; \
	else \
		echo; echo "!! pdftoppm not found: page previews in $(SAMPLE)/ NOT regenerated"; \
		echo "!! (install poppler-utils, e.g. apt-get install poppler-utils)"; echo; \
	fi
	@echo
	@echo "The report:    $(DEMO_PDF)  (sample copy and page previews: $(SAMPLE)/)"
	@echo "Survey pages:  make serve, open http://127.0.0.1:5000/, resolve a ticket, follow its link"
	@echo "Console:       make serve prints the team lead's demo login for /csat/follow-ups"
	@echo "Explore:       $(BIN)/csat metrics --db sqlite:///demo.db --month $(DEMO_MONTH) --by agent"

# The example helpdesk (examples/helpdesk_app.py) with csat's pages, on demo.db. Its
# team lead "demo" works the follow-up cases in csat's console with a password made
# afresh for each run and printed at the start (demo only: there is no default).
DEMO_PASSWORD ?= $(shell $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(12))')
serve: export HELPDESK_DEMO_PASSWORD = $(DEMO_PASSWORD)
serve: $(STAMP)
	$(BIN)/python examples/helpdesk_app.py --db sqlite:///demo.db

# Re-extract the pages' strings, merge them into the catalogs, compile the .mo files.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k lazy_gettext -k ngettext:1,2 --no-location \
		--project csat -o csat/web/translations/csat.pot .
	$(BIN)/pybabel update -D csat -i csat/web/translations/csat.pot -d csat/web/translations --width 100
	$(BIN)/pybabel compile -D csat -d csat/web/translations --statistics

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info demo.db demo.db-* outbox docs/_build
