# gridgov: `make demo` and `make test` each work on a fresh clone (they create
# .venv and install what is missing). Both honour DATABASE_URL and PORT.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: demo test test-fast lint bench openapi messages clean

$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

demo: $(BIN)/.installed
	$(BIN)/gridgov demo

test: $(BIN)/.installed
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy gridgov
	$(BIN)/gridgov makemigrations --check --dry-run

bench: $(BIN)/.installed
	$(BIN)/python bench/pointindex_bench.py
	$(BIN)/python bench/intake_bench.py --db sqlite
	$(BIN)/python bench/queue_bench.py --db sqlite
	$(BIN)/python bench/open311_bench.py --db sqlite
	$(BIN)/python bench/classify_bench.py
	$(BIN)/python bench/duplicates_bench.py --skip-db
	$(BIN)/python bench/kpi_bench.py --db sqlite --with-duplicates 300

openapi: $(BIN)/.installed
	$(BIN)/gridgov export_openapi > docs/openapi.json

messages: $(BIN)/.installed
	cd gridgov && ../$(BIN)/gridgov makemessages -l zh_Hans -l en --no-obsolete && ../$(BIN)/gridgov compilemessages

clean:
	rm -rf $(VENV) var build *.egg-info
