# fcviz: two commands on a fresh machine.
#   make demo   set up .venv and run the main job offline (python -m fcviz demo)
#   make test   set up .venv with the test extras and run the whole test suite
# Also: make install (venv only), make lab (JupyterLab on notebooks/), make bench (benchmarks),
#   make test-browser (a real JupyterLab in headless Chromium drives the dashboard; README "Browser test"),
#   make test-classroom (three students on a real JupyterHub; README "Teaching a class"),
#   make student (the lessons' student versions, by nbgrader, into student/; README "Lessons for a class"),
#   make gallery (the lessons executed at full size into HTML pages with run times, gallery/index.html).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# Keep the tests inside the 2-core budget and away from oversubscription.
# FCVIZ_REQUIRE_COMPILED: the tests fail if the install did not build the compiled kernels (setup.py).
TEST_ENV := OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 MPLBACKEND=Agg PYTHONHASHSEED=0 FCVIZ_REQUIRE_COMPILED=1

.PHONY: install demo test test-browser chromium lab bench clean test-classroom chp

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

INSTALL_INPUTS := pyproject.toml setup.py $(wildcard fcviz/*.c)

# One stamp per set of extras; re-installs (and re-compiles the kernels) when pyproject.toml, setup.py
# or a C source changes. The demo's study table
# compares Top clustering with the persistence-diagram baselines, so the base install has them.
$(VENV)/.installed-base: $(INSTALL_INPUTS) | $(BIN)/python
	$(PIP) install -e ".[baselines]"
	touch $@

$(VENV)/.installed-test: $(INSTALL_INPUTS) | $(BIN)/python
	$(PIP) install -e ".[test,baselines]"
	touch $@

$(VENV)/.installed-lab: $(INSTALL_INPUTS) | $(BIN)/python
	$(PIP) install -e ".[lab,baselines]"
	touch $@

$(VENV)/.installed-browser: $(INSTALL_INPUTS) | $(BIN)/python
	$(PIP) install -e ".[browser,baselines]"
	touch $@

install: $(VENV)/.installed-base

demo: $(VENV)/.installed-base
	$(BIN)/python -m fcviz demo

test: $(VENV)/.installed-test
	$(TEST_ENV) $(BIN)/python -m pytest

# Debian's chromium, driven by the playwright wheel (its own browser download is never used).
CHROMIUM ?= /usr/bin/chromium

chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "$(CHROMIUM) is missing: installing Debian's chromium (apt-get update && apt-get install -y chromium)"; \
	  SUDO=; if [ "$$(id -u)" != 0 ]; then SUDO=sudo; fi; \
	  { command -v apt-get >/dev/null && $$SUDO apt-get update && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y chromium; } || { \
	    echo "error: could not install chromium with apt-get (no apt-get, no root or sudo, or no package" \
	         "registry). Install Chromium by hand and run: make test-browser CHROMIUM=/path/to/chromium" >&2; \
	    exit 1; }; \
	  [ -x "$(CHROMIUM)" ] || { echo "error: apt-get installed chromium, but $(CHROMIUM) is still missing" >&2; exit 1; }; \
	fi

test-browser: $(VENV)/.installed-browser chromium
	$(TEST_ENV) FCVIZ_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest tests/browser -q

lab: $(VENV)/.installed-lab
	$(BIN)/jupyter lab notebooks/

# The ratios of issue 23 ("Speed to the floor"), each against its floor measured in the same run; every
# line starting with RATIO gives the ratio, its target and the load average. A few minutes on 2 cores.
bench: $(VENV)/.installed-test
	$(TEST_ENV) $(BIN)/python benchmarks/bench_import.py
	$(TEST_ENV) $(BIN)/python benchmarks/bench_homology.py --ratios-only
	$(TEST_ENV) $(BIN)/python benchmarks/bench_clustering.py --quick --persistence-nodes 0
	$(TEST_ENV) $(BIN)/python benchmarks/bench_clustering.py --quick --nodes 384 --seeds 1 --persistence-nodes 0
	$(TEST_ENV) $(BIN)/python benchmarks/bench_training.py --floor

clean:
	rm -rf $(VENV) fcviz-output .pytest_cache .hypothesis test-artifacts student gallery

# make app: the dashboard as a code-free Voila app on http://127.0.0.1:8866 (python -m fcviz app; pass
# options with APP_ARGS="--port 9000 --no-browser"; --ip ADDRESS serves other machines, with a token).
.PHONY: app
$(VENV)/.installed-app: $(INSTALL_INPUTS) | $(BIN)/python
	$(PIP) install -e ".[app,baselines]"
	touch $@

app: $(VENV)/.installed-app
	$(BIN)/python -m fcviz app $(APP_ARGS)

# make test-classroom: a real JupyterHub on 127.0.0.1, three students open notebook 00 at once
# (benchmarks/bench_classroom.py; --students 30 is the full class). The Hub's proxy,
# configurable-http-proxy, is an npm package: installed into .cache/chp (gitignored), pinned here.
CHP_VERSION ?= 5.3.0
CHP := .cache/chp/node_modules/.bin/configurable-http-proxy

$(VENV)/.installed-classroom: $(INSTALL_INPUTS) | $(BIN)/python
	$(PIP) install -e ".[classroom,baselines]"
	touch $@

$(CHP):
	@command -v npm >/dev/null || { echo "error: npm is missing (the Hub's proxy is an npm package):" \
	  "install Node.js 18 or newer, which brings npm, then run make chp" >&2; exit 1; }
	npm install --prefix .cache/chp --no-audit --no-fund configurable-http-proxy@$(CHP_VERSION)

chp: $(CHP)

test-classroom: $(VENV)/.installed-classroom $(CHP)
	$(TEST_ENV) timeout 180 $(BIN)/python benchmarks/bench_classroom.py --students 3 --strict

# make student: the student versions of notebooks/ (solutions and hidden tests removed by nbgrader) into
# student/ (gitignored); STUDENT_ARGS picks lessons, e.g. STUDENT_ARGS="02 03".
# make gallery: every lesson executed at full size (FCVIZ_FAST unset) into gallery/*.html with its figures,
# and gallery/index.html with each one's run time and peak memory; GALLERY_ARGS="02 03 --fast" for a quick one.
.PHONY: student gallery
$(VENV)/.installed-teach: $(INSTALL_INPUTS) | $(BIN)/python
	$(PIP) install -e ".[teach,baselines]"
	touch $@

student: $(VENV)/.installed-teach
	$(BIN)/python -m fcviz student --out student $(STUDENT_ARGS)

gallery: $(VENV)/.installed-teach
	OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 $(BIN)/python -m fcviz gallery --out gallery $(GALLERY_ARGS)
