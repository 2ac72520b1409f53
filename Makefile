# The one entry point per user task. `make help` lists them.
# Every target sets up what it needs: the virtual environment on first use, sample data
# before a build or a grading run.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
SEED   ?= 0
PORT   ?= 8000
# The readers, pages and grader read these folders: point them at a real Kaggle download with
# `make html SIIM_DATA_DIR=/path/to/siim LITS_DATA_DIR=/path/to/lits`.
# Exported as absolute paths: executed pages run with their own folder as working directory.
SIIM_DATA_DIR ?= data/siim-sample
LITS_DATA_DIR ?= data/lits-sample
export SIIM_DATA_DIR := $(abspath $(SIIM_DATA_DIR))
export LITS_DATA_DIR := $(abspath $(LITS_DATA_DIR))

# `make grade SOLUTIONS=exercises` grades your work; `make grade-all SUBMISSIONS=DIR` a class.
SOLUTIONS   ?= solutions
SUBMISSIONS ?= submissions
GRADE_OPTS  ?=

SPHINX_OPTS := -W --keep-going -n -c . -d _build/doctrees

.DEFAULT_GOAL := help
.PHONY: help html live test lint bench data reference grade grade-all clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

data: $(STAMP) ## Generate the sample datasets into data/ (idempotent; SEED=0)
	$(PY) -m imaging_course.datasets generate siim --scale sample --seed $(SEED) --out data/siim-sample
	$(PY) -m imaging_course.datasets generate lits --scale sample --seed $(SEED) --out data/lits-sample

html: $(STAMP) data ## Build the site strictly into _build/html (open _build/html/index.html)
	$(VENV)/bin/sphinx-build $(SPHINX_OPTS) docs _build/html

live: $(STAMP) data ## Serve the site on http://127.0.0.1:8000 (PORT=...) and reload pages on every save
	$(VENV)/bin/sphinx-autobuild $(SPHINX_OPTS) --host 127.0.0.1 --port $(PORT) \
		--watch src/imaging_course --watch solutions --ignore '*.ipynb_checkpoints*' docs _build/html

test: $(STAMP) data lint ## Run every test (needs Debian's chromium for the browser tests)
	$(PY) -m pytest

reference: $(STAMP) data ## Run solutions/ on the sample data and store the outputs in reference/
	$(PY) -m imaging_course.grader reference

# A score below 100% is a finished grading run, not a failure of make (the last line says the
# score); a stopped run or one that cannot grade still fails. One command, no shell around it,
# so that a SIGTERM to make reaches the grader.
grade: $(STAMP) data ## Grade SOLUTIONS (default solutions/; yours: make grade SOLUTIONS=exercises)
	$(PY) -m imaging_course.grader grade --exit-zero-when-graded --solutions $(SOLUTIONS) $(GRADE_OPTS)

grade-all: $(STAMP) data ## Grade every learner folder in SUBMISSIONS into a gradebook (all cores)
	$(PY) -m imaging_course.grader grade-all $(SUBMISSIONS) $(GRADE_OPTS)

lint: $(STAMP) ## Check style with ruff (lint and format)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP) ## Print the speed and memory figures
	$(PY) -m imaging_course.bench

clean: ## Remove builds, caches and generated data (keeps the virtual environment)
	rm -rf _build data .pytest_cache
