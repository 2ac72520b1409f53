"""Where the datasets live: the sample data by default, a real download when the user says so.

Set ``SIIM_DATA_DIR`` or ``LITS_DATA_DIR`` (environment, or the Makefile variables of the same
names) to the folder of a real Kaggle download and every reader, page and the grader use it.
"""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
"""The checkout's top folder (``src/imaging_course/datasets`` is three levels down)."""

SIIM_ENV = "SIIM_DATA_DIR"
LITS_ENV = "LITS_DATA_DIR"

SIIM_SAMPLE = REPO_ROOT / "data" / "siim-sample"
LITS_SAMPLE = REPO_ROOT / "data" / "lits-sample"
"""Where `make data` writes the generated sample datasets."""


def siim_root() -> Path:
    """The SIIM-ACR folder: ``$SIIM_DATA_DIR``, else ``data/siim-sample`` in the checkout."""
    return Path(os.environ.get(SIIM_ENV) or SIIM_SAMPLE)


def lits_root() -> Path:
    """The LiTS folder: ``$LITS_DATA_DIR``, else ``data/lits-sample`` in the checkout."""
    return Path(os.environ.get(LITS_ENV) or LITS_SAMPLE)
