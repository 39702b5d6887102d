# make demo: set up and serve the demo bot; make test: set up and run the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
# make serve: N daphne processes on PORT, PORT+1, ... (DATABASE_URL and REDIS_URL from the environment)
N ?= 2
# Pin another Django line, e.g. make test DJANGO='>=6.1,<6.2' PYTHON=python3.12 VENV=.venv-312
DJANGO ?=

.PHONY: install demo serve test lint format bench screenshots clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]' $(if $(DJANGO),'Django$(DJANGO)')
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/daphne -b 127.0.0.1 -p $(PORT) project.asgi:application

serve: install
	$(BIN)/python deploy/serve.py --processes $(N) --port $(PORT)

test: install
	$(BIN)/python -m pytest --cov --cov-report=term-missing:skip-covered --cov-fail-under=90 $(PYTEST_ARGS)

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
