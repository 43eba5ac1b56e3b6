# epiwatch: `make demo` and `make test` from a fresh clone; `make check` is exactly what CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE ?= epiwatch.settings

.PHONY: demo test check lint format migrate serve messages bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Demo: a SQLite database under var/, the Bạc Liêu demo of 2021-11-04, and the server on http://127.0.0.1:8000
demo: $(STAMP)
	mkdir -p var
	DEBUG=1 $(BIN)/epiwatch demo

migrate: $(STAMP)
	mkdir -p var
	DEBUG=1 $(BIN)/epiwatch migrate

test: $(STAMP)
	DJANGO_SETTINGS_MODULE=epiwatch.test_settings $(BIN)/pytest -p no:cacheprovider -n auto --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	mkdir -p var
	DEBUG=1 $(BIN)/epiwatch makemigrations --check --dry-run

check: lint test

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(STAMP)
	cd epiwatch && DEBUG=1 ../$(BIN)/epiwatch makemessages -l vi -l en --no-obsolete && DEBUG=1 ../$(BIN)/epiwatch compilemessages

bench: $(STAMP)
	for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) var/static
