# Two entry points: `make run` (the default study) and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CORES  ?= all
# The CPU build of torch, installed before the package so pip does not pull a multi-GB CUDA build.
# On a GPU machine: `make setup TORCH_SPEC=torch` (or install your CUDA build into .venv first).
TORCH_SPEC ?= torch==2.13.0

.PHONY: setup run test lint clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[workflow,test]"
	touch $@

setup: $(BIN)/.installed

run: setup
	$(BIN)/snakemake --profile workflow/profiles/default --cores $(CORES)
	$(BIN)/snakemake --report results/report.html

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/snakemake --lint

clean:
	rm -rf results logs .snakemake
