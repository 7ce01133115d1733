# Two commands on a fresh machine: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export SURVEY_INSTANCE_PATH ?= $(CURDIR)/instance
PORT ?= 5000
# `make run LAN=1` (or yes/true) serves the room's network.
CLASSROOM := $(filter 1 yes true,$(LAN))
# Plain http on a laptop or a LAN without TLS: cookies cannot be Secure there.
RUN_ENV := SURVEY_SECURE_COOKIES=$${SURVEY_SECURE_COOKIES:-0}

.PHONY: audit lock bench-quick run test lighthouse test-sqlite test-postgres lint fmt typecheck i18n-extract i18n-update i18n-compile bench browser clean

## Every dependency, the dev extra's included, pinned with its hashes in requirements.lock
## (`make lock` refreshes it from setup.cfg); pip refuses hashes for an editable install, so
## the locked set goes in first, then the project itself without dependencies.
$(STAMP): requirements.lock setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

## requirements.lock from setup.cfg (install_requires and the dev extra), with hashes.
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --extra dev --generate-hashes --allow-unsafe --strip-extras \
	  --no-emit-index-url --no-emit-find-links --output-file requirements.lock setup.cfg

## Known vulnerabilities in the locked dependencies (pip-audit asks PyPI's advisory data, one
## pinned release at a time); skipped, saying so, where that cannot be reached for the first
## pinned release (a closed classroom network, or a registry mirror without PyPI's JSON API).
AUDIT_PROBE = import re, urllib.request as u; name, version = re.search(r"^([A-Za-z0-9_.-]+)==(\S+)", open("requirements.lock").read(), re.M).groups(); u.urlopen(f"https://pypi.org/pypi/{name}/{version}/json", timeout=10)
audit: $(STAMP)
	@if $(BIN)/python -c '$(AUDIT_PROBE)' 2>/dev/null; then \
	  $(BIN)/pip-audit --strict --require-hashes --disable-pip --requirement requirements.lock; \
	else \
	  echo "make audit: skipped, PyPI's advisory data cannot be reached from here (https://pypi.org/pypi/<name>/<version>/json); run it where it can"; \
	fi

## Install, migrate the SQLite database under instance/, load the demo once, serve on :5000 with
## waitress (survey serve). LAN=1: classroom mode, for the phones on the room's Wi-Fi, without
## the demo (README.md, "Serving the room").
run: $(STAMP)
	$(RUN_ENV) $(BIN)/survey db upgrade
ifeq ($(CLASSROOM),)
	$(RUN_ENV) $(BIN)/survey demo --responses 24
	@echo
	@echo "  Demo login:      organiser@example.org / demo-password  (organiser view: /o/niamey-2026)"
	@echo
	$(RUN_ENV) $(BIN)/survey serve --host 127.0.0.1 --port $(PORT)
else
	$(RUN_ENV) $(BIN)/survey serve --lan --port $(PORT)
endif

## The whole suite (SQLite; PostgreSQL too when SURVEY_TEST_DATABASE_URL is set, as .ci/run does).
test: $(STAMP) browser lighthouse
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Debian's Chromium for the browser tests, installed when missing and possible.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null) || \
	  echo "chromium not installed: browser tests will skip (outside CI)"; }

## Lighthouse for the judges (tests/judges), pinned by tests/judges/lighthouse/package-lock.json,
## installed in .lighthouse/ with Debian's npm; skipped, saying so, where npm is missing.
LIGHTHOUSE_LOCK := tests/judges/lighthouse/package-lock.json
lighthouse: .lighthouse/.installed
.lighthouse/.installed: $(LIGHTHOUSE_LOCK) tests/judges/lighthouse/package.json
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p .lighthouse && cp tests/judges/lighthouse/package.json $(LIGHTHOUSE_LOCK) .lighthouse/ && \
	  (cd .lighthouse && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) && touch $@; \
	else echo "npm not installed: the Lighthouse judge will skip (outside CI)"; fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy

## Two catalogs: the application's (survey/translations) and the reports' words (reports/translations).
i18n-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o survey/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel extract -F babel-reports.cfg -o reports/translations/reports.pot --no-location --sort-output .

i18n-update: i18n-extract
	$(BIN)/pybabel update -i survey/translations/messages.pot -d survey/translations --no-fuzzy-matching
	$(BIN)/pybabel update -D reports -i reports/translations/reports.pot -d reports/translations --no-fuzzy-matching

i18n-compile: $(STAMP)
	$(BIN)/pybabel compile -d survey/translations --statistics
	$(BIN)/pybabel compile -D reports -d reports/translations --statistics

## Load benchmark, the JSON API's included (about 15 minutes); bench-quick is a 2-minute smoke run.
bench: $(STAMP)
	$(BIN)/python -m bench

bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) .lighthouse build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
