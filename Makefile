# depthlab — make targets. `make reproduce` and `make test` work on a fresh clone (they install first).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch==2.13.0 is pinned for installs here: it is the CPU build this project's machines carry; an open range
# would pull a multi-GB CUDA build. On a GPU machine, install a CUDA torch first and `make install` keeps it.
TORCH ?= torch==2.13.0

.PHONY: install reproduce test lint bench clean

$(BIN)/depthlab: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(BIN)/depthlab

install: $(BIN)/depthlab

reproduce: install
	$(BIN)/depthlab reproduce --quick --out report

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check src tests benchmarks

bench: install
	$(BIN)/python benchmarks/matexp.py

clean:
	rm -rf report results .pytest_cache
