# Set-up and main jobs. `make run` and `make test` are the README's two commands.
VENV ?= .venv
PY := $(VENV)/bin/python
OUT ?= results/frontier-2025
PYTEST_ARGS ?=

.PHONY: setup run test lint bench dashboard clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@python=$$(.ci/find-python) || exit 1; \
	  echo "using $$python ($$($$python --version))"; \
	  $$python -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,dask]'
	@touch $@

run: setup  ## the calibrated scenario: tables into $(OUT), summary printed
	$(VENV)/bin/talent-market run --scenario frontier-2025 --out $(OUT)

test: setup  ## lint and type-check, then the default suite (browser tests skip without chromium)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy

bench: setup
	$(PY) benchmarks/run.py --quick

dashboard: setup
	$(VENV)/bin/talent-market dashboard

clean:
	rm -rf $(VENV) results .pytest_cache
