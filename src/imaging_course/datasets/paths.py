"""Where the checkout is, and where `make data` writes the generated sample datasets.

Which folder the course reads for a dataset (its sample, or a real download named by the
dataset's environment variable) is :meth:`imaging_course.datasets.registry.Dataset.root`.
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
"""The checkout's top folder (``src/imaging_course/datasets`` is three levels down)."""

DATA_DIR = REPO_ROOT / "data"
"""Where `make data` writes the generated sample datasets, one folder per dataset."""
