# fcviz: two commands on a fresh machine.
#   make demo   set up .venv and run the main job offline (python -m fcviz demo)
#   make test   set up .venv with the test extras and run the whole test suite
# Also: make install (venv only), make lab (JupyterLab on notebooks/), make bench (benchmarks).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# Keep the tests inside the 2-core budget and away from oversubscription.
TEST_ENV := OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 MPLBACKEND=Agg PYTHONHASHSEED=0

.PHONY: install demo test lab bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# One stamp per set of extras; re-installs when pyproject.toml changes. The demo's study table
# compares Top clustering with the persistence-diagram baselines, so the base install has them.
$(VENV)/.installed-base: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[baselines]"
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[test,baselines]"
	touch $@

$(VENV)/.installed-lab: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[lab,baselines]"
	touch $@

install: $(VENV)/.installed-base

demo: $(VENV)/.installed-base
	$(BIN)/python -m fcviz demo

test: $(VENV)/.installed-test
	$(TEST_ENV) $(BIN)/python -m pytest

lab: $(VENV)/.installed-lab
	$(BIN)/jupyter lab notebooks/

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_homology.py

clean:
	rm -rf $(VENV) fcviz-output .pytest_cache .hypothesis
