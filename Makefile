# Two commands set everything up on a fresh machine (Python 3.11 + pip):
#   make demo   installs fanwen and crawls the bundled demo sites into data/archive.db (PORT=8765, DB=...)
#   make test   installs fanwen with its test tools and runs the test suite
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
DB ?= data/archive.db
PORT ?= 8765

.PHONY: install install-test demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

demo: install
	$(BIN)/fanwen demo --db $(DB) --port $(PORT)
	@echo
	@echo "fanwen is installed in $(VENV)/bin: run '. $(VENV)/bin/activate' to type fanwen ... as the README does"
	@echo "(or call $(BIN)/fanwen), e.g.  fanwen search 双减 --db $(DB)"

test: install-test
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

bench: install-test
	$(BIN)/python bench/crawl_bench.py

clean:
	rm -rf $(VENV) data/*.db data/*.db-* .pytest_cache
