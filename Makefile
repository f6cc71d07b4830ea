# Two entry points; both create .venv and install what they need on a fresh machine.
#   make demo   set up and run the main job (bayesreg verify --all on the bundled data)
#   make test   set up with the test extras and run the whole suite (slow tests included)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test blas bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e ".[test,nutpie,dask,jax,formula]"
	touch $@ $(VENV)/.installed

blas:
	@bash scripts/ensure_blas.sh

demo: blas $(VENV)/.installed
	$(BIN)/bayesreg verify --all --details

test: blas $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -ra

bench: blas $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_map.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
