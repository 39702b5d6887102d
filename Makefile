# make demo: set up and serve the demo bot; make test: set up and run the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
# make serve: N daphne processes on PORT, PORT+1, ... (DATABASE_URL and REDIS_URL from the environment)
N ?= 2
# Pin another Django line, e.g. make test DJANGO='>=6.1,<6.2' PYTHON=python3.12 VENV=.venv-312
DJANGO ?=

.PHONY: install demo serve test test-unit lint format bench screenshots clean

comma := ,
# $(call venv_with,EXTRAS): the virtualenv, with this checkout installed (editable) with EXTRAS.
define venv_with
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[$(1)]' $(if $(DJANGO),'Django$(DJANGO)')
	touch $@
endef

# Everything: the extras and the test and lint tools ([dev]).
$(BIN)/.installed: pyproject.toml
	$(call venv_with,dev)

# Only what the demo site needs ([demo]); make serve adds Redis and PostgreSQL.
$(BIN)/.installed-demo: pyproject.toml
	$(call venv_with,demo)

$(BIN)/.installed-serve: pyproject.toml
	$(call venv_with,demo$(comma)redis$(comma)postgres)

install: $(BIN)/.installed

demo: $(BIN)/.installed-demo
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/daphne -b 127.0.0.1 -p $(PORT) project.asgi:application

serve: $(BIN)/.installed-serve
	$(BIN)/python deploy/serve.py --processes $(N) --port $(PORT)

test: install
	$(BIN)/python -m pytest --cov --cov-report=term-missing:skip-covered --cov-fail-under=95 $(PYTEST_ARGS)

# The suite without the tests marked live (real daphne processes, Redis, PostgreSQL,
# Chromium): what CI runs across the Python x Django matrix.
test-unit: install
	$(BIN)/python -m pytest -q -m "not live" $(PYTEST_ARGS)

# Real daphne processes, real WebSocket clients; PostgreSQL and Redis for the production rows.
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Retake docs/img/*.png (docs/ui.md) with the browser tests.
screenshots: install
	UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/test_browser.py tests/test_browser_i18n.py -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .venv-* .pytest_cache .coverage htmlcov staticfiles
