# The one entry point per user task. `make help` lists them.
# Every target sets up what it needs: the virtual environment on first use, sample data
# before a build or a grading run.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
SEED   ?= 0
PORT   ?= 8000

# The datasets are those of the course's registry (src/imaging_course/datasets/registry.py),
# which writes them as make variables into DATASETS_MK: DATASETS (their names), DATA_STAMP (the
# stamp of a complete folder), SAMPLE_STAMPS, and for each dataset <NAME>_DATA_DIR, the folder
# the readers, pages and grader read: data/<name>-sample, or a real Kaggle download
# (`make html <NAME>_DATA_DIR=/path/to/download`), exported as an absolute path. Make remakes
# the file (with the system's Python: no virtual environment needed) only when the registry
# changes, so a build with nothing changed starts no Python for it.
DATASETS_MK := _build/datasets.mk
include $(DATASETS_MK)
$(DATASETS_MK): src/imaging_course/datasets/registry.py src/imaging_course/datasets/stamp.py \
		src/imaging_course/datasets/paths.py
	@mkdir -p $(@D)
	@PYTHONPATH=src $(PYTHON) -m imaging_course.datasets.registry > $@.$$$$ && mv $@.$$$$ $@

# `make grade SOLUTIONS=exercises` grades your work; `make grade-all SUBMISSIONS=DIR` a class.
SOLUTIONS   ?= solutions
SUBMISSIONS ?= submissions
GRADE_OPTS  ?=
BENCH       ?=
# A Dask scheduler (tcp://HOST:PORT) that `make grade-all` and `make reference` run on; empty:
# a local cluster on this machine's cores (README, "Grading on a cluster").
DASK_SCHEDULER ?=

# Where `make html` and `make live` build (`make bench` builds elsewhere with BUILDDIR=...).
BUILDDIR ?= _build
SPHINX_OPTS := -W --keep-going -n -c . -d $(BUILDDIR)/doctrees

.DEFAULT_GOAL := help
.PHONY: help html live serve test lint bench data reference grade grade-all notebooks lab clean FORCE

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "Datasets: $(DATASETS) (a real download instead of a sample: $(addsuffix =DIR,$(DATA_DIR_VARIABLES)))"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

# The generator decides what a sample folder lacks and writes its stamp (DATA_STAMP) last; make
# only decides when to ask it: when a stamp is missing, older than the generator's code or the
# virtual environment, or of another seed than SEED. Complete data costs make a few file
# times, not a Python start-up per dataset. After a run that found nothing to do, `touch`
# records that the folder was checked against the code as it is now.
DATASET_CODE  := $(wildcard src/imaging_course/datasets/*.py src/imaging_course/datasets/*/*.py)
comma := ,
# FORCE when the stamp $(1) exists and names another seed (the generator then says what to do).
other_seed = $(if $(wildcard $(1)),$(if $(findstring "seed": $(SEED)$(comma),$(file <$(1))),,FORCE))

data: $(SAMPLE_STAMPS) ## Generate the sample datasets into data/ (idempotent; SEED=0)

.SECONDEXPANSION:
$(SAMPLE_STAMPS): data/%-sample/$(DATA_STAMP): $(STAMP) $(DATASET_CODE) $$(call other_seed,$$@)
	$(PY) -m imaging_course.datasets generate $* --scale sample --seed $(SEED) --out $(@D)
	@touch $@

html: $(STAMP) data ## Build the site strictly into _build/html (then `make serve`)
	$(VENV)/bin/sphinx-build $(SPHINX_OPTS) docs $(BUILDDIR)/html

serve: html ## Serve the built site on http://127.0.0.1:8000 (PORT=...), search snippets included
	@echo "Serving $(BUILDDIR)/html on http://127.0.0.1:$(PORT) (Ctrl-C stops)"
	$(PY) -m http.server --bind 127.0.0.1 --directory $(BUILDDIR)/html $(PORT)

live: $(STAMP) data ## Serve the site on http://127.0.0.1:8000 (PORT=...) and reload pages on every save
	$(VENV)/bin/sphinx-autobuild $(SPHINX_OPTS) --host 127.0.0.1 --port $(PORT) \
		--watch src/imaging_course --watch solutions --ignore '*.ipynb_checkpoints*' docs $(BUILDDIR)/html

# Tests run on every core (pytest-xdist); the files that share a costly session fixture (the
# built site, a graded course) run on one worker, which makes it once (tests/conftest.py).
# `make test TEST_WORKERS=0` runs them in this one process.
TEST_WORKERS ?= auto
test: $(STAMP) data lint ## Run every test on every core (needs Debian's chromium for the browser tests)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

reference: $(STAMP) data ## Run solutions/ on the sample data and store the outputs in reference/
	$(PY) -m imaging_course.grader reference $(if $(DASK_SCHEDULER),--dask-scheduler $(DASK_SCHEDULER))

# A score below 100% is a finished grading run, not a failure of make (the last line says the
# score); a stopped run or one that cannot grade still fails. One command, no shell around it,
# so that a SIGTERM to make reaches the grader.
grade: $(STAMP) data ## Grade SOLUTIONS (default solutions/; yours: make grade SOLUTIONS=exercises)
	$(PY) -m imaging_course.grader grade --exit-zero-when-graded --solutions $(SOLUTIONS) $(GRADE_OPTS)

grade-all: $(STAMP) data ## Grade every learner folder in SUBMISSIONS into a gradebook (all cores, or DASK_SCHEDULER)
	$(PY) -m imaging_course.grader grade-all $(SUBMISSIONS) $(if $(DASK_SCHEDULER),--dask-scheduler $(DASK_SCHEDULER)) $(GRADE_OPTS)

# The learner notebooks (notebooks/*.md, jupytext's MyST Markdown) are made from the stubs in
# exercises/: run this after editing a stub (a test fails while they differ).
notebooks: $(STAMP) ## Rewrite the learner notebooks (notebooks/) from the stubs in exercises/
	$(PY) -m imaging_course.notebooks sync

# JupyterLab is an optional extra ([lab]), installed on first use, so that `make html` stays
# light. Its settings (text notebooks open as notebooks), configuration and runtime files stay
# in the virtual environment; the kernel is the environment's own Python.
LAB_STAMP    := $(VENV)/.lab-stamp
LAB_DIR      := $(abspath $(VENV))/jupyter
LAB_OVERRIDE := $(VENV)/share/jupyter/lab/settings/overrides.json
$(LAB_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,lab]'
	@mkdir -p $(dir $(LAB_OVERRIDE))
	@echo '{"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}}}' > $(LAB_OVERRIDE)
	@touch $@

LAB_PORT ?= 8888
lab: $(LAB_STAMP) data ## Open the exercise notebooks (notebooks/) in JupyterLab on http://127.0.0.1:8888 (LAB_PORT=...)
	JUPYTER_CONFIG_DIR=$(LAB_DIR)/config JUPYTER_DATA_DIR=$(LAB_DIR)/data \
		JUPYTER_RUNTIME_DIR=$(LAB_DIR)/runtime JUPYTERLAB_SETTINGS_DIR=$(LAB_DIR)/settings \
		$(VENV)/bin/jupyter lab --ip 127.0.0.1 --port $(LAB_PORT) --no-browser \
		--notebook-dir notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

lint: $(STAMP) ## Check style with ruff (lint and format)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP) data ## Print the speed and memory figures (one part: BENCH=site)
	$(PY) -m imaging_course.bench $(BENCH)

clean: ## Remove builds, caches and generated data (keeps the virtual environment)
	rm -rf _build data .pytest_cache

FORCE:
