"""Every dataset the course knows, in one list that all the generic code reads.

Each :class:`Dataset` entry says everything that code outside the dataset's own package needs:
the name used in commands and folders, what help texts call it, its generator, its scales'
sizes and its layouts, the exercise module that analyses it, the grader's checks of that
exercise, and its benchmarks. The datasets command line (``generate NAME``), the data folders
and their environment variables, the Makefile (through :func:`make_variables`), the site's
configuration, the grader's course table, the benchmarks and the tests' fixtures iterate
:data:`DATASETS`; none of them names a dataset. Adding a dataset is one entry here, plus what
the entry names: its package under ``datasets/``, its exercise and solution modules, its checks
module under ``grader/course/`` and its benchmark modules.

Modelled on nibabel's ``imageclasses.all_image_classes`` and Sphinx's component registry: one
list, read by everything that must know every kind. Entries name code by import path
(``"module:attribute"``) and import nothing, and this module imports only the standard library
and two small modules of its own package, so importing it costs nothing and the Makefile can
run it with the system's Python before the virtual environment exists
(``python -m imaging_course.datasets.registry`` prints the Makefile's variables).
"""

import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imaging_course.datasets.paths import DATA_DIR, REPO_ROOT
from imaging_course.datasets.stamp import STAMP_NAME, stamp_path


def import_object(path: str) -> Any:
    """The object at ``"package.module:attribute"``, its module imported now."""
    module_name, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


@dataclass(frozen=True)
class Dataset:
    """One dataset of the course, and where the code that serves it lives.

    ``name`` is the word in commands (``generate siim``), folders (``data/siim-sample``,
    ``reference/siim/``) and check ids; ``label`` what help texts call it (``"SIIM"``);
    ``summary`` one line saying what it holds. ``generator`` is the ``"module:function"`` that
    writes a stand-in, called as ``generate(out, scale=, seed=, progress=, manifest=)`` plus
    ``layout=`` for a dataset with ``layouts``. ``sizes`` gives, per scale, what a stand-in
    holds (files and bytes, for the command's help); ``layouts`` names each layout the
    generator can write with a description, the default first (empty: one layout).
    ``exercise`` is the module name in ``exercises/`` and ``solutions/``, ``checks`` the
    ``"module:attribute"`` of its :class:`~imaging_course.grader.check_table.CheckTable`, and
    ``benchmarks`` the modules of :mod:`imaging_course.bench` that time its code.
    ``cluster_references`` is the ``"module:function"`` that computes some of its reference
    outputs on a Dask cluster, called as ``function(client, root, solutions_dir)`` and
    returning outputs by call name (empty: every call runs in the sandbox, one process).
    """

    name: str
    label: str
    summary: str
    generator: str
    sizes: Mapping[str, str]
    exercise: str
    checks: str
    benchmarks: tuple[str, ...]
    layouts: Mapping[str, str] = field(default_factory=dict)
    cluster_references: str = ""

    @property
    def env_var(self) -> str:
        """The environment variable (and Makefile variable) naming a real download of it."""
        return f"{self.name.upper()}_DATA_DIR"

    @property
    def sample_dir(self) -> Path:
        """Where `make data` writes its sample stand-in: ``data/<name>-sample``."""
        return DATA_DIR / f"{self.name}-sample"

    def root(self) -> Path:
        """The folder the course reads: ``$<NAME>_DATA_DIR`` (a real download), else the
        sample folder of this checkout."""
        return Path(os.environ.get(self.env_var) or self.sample_dir)

    def generator_function(self) -> Callable[..., None]:
        """Its generator, imported now (each pulls in heavy libraries of its own)."""
        return import_object(self.generator)


DATASETS: dict[str, Dataset] = {
    dataset.name: dataset
    for dataset in (
        Dataset(
            name="siim",
            label="SIIM",
            summary="SIIM-ACR Pneumothorax DICOM radiographs",
            generator="imaging_course.datasets.siim.generate:generate_siim",
            sizes={"sample": "340 files, about 48 MB", "full": "12,089 files, about 1.7 GB"},
            layouts={
                "stage1": "nested train and test folders, train-rle.csv",
                "stage2": "also stage_2_images/ with new unlabelled test images; "
                "stage_2_train.csv labels stage 1's training and test images",
            },
            exercise="siim_eda",
            checks="imaging_course.grader.course.siim_checks:SIIM_TABLE",
            benchmarks=("siim_generation", "siim_eda", "siim_notebook_check"),
        ),
        Dataset(
            name="lits",
            label="LiTS",
            summary="LiTS NIfTI CT volumes",
            generator="imaging_course.datasets.lits.generate:generate_lits",
            sizes={
                "sample": "8 cases, about 820 MB",
                "full": "131 cases, 53.7 GB for seed 0 and 46-60 GB for other seeds, where "
                "the real download is about 54 GB",
            },
            exercise="lits_eda",
            checks="imaging_course.grader.course.lits_checks:LITS_TABLE",
            benchmarks=("lits_generation", "lits_eda", "lits_cluster"),
            cluster_references="imaging_course.grader.course.lits_cluster:lits_eda_on_cluster",
        ),
    )
}
"""Every dataset, by name, in the order commands, pages and reports list them."""


def make_variables() -> str:
    """The Makefile's view of :data:`DATASETS`, as make variables.

    ``DATASETS`` (the names), ``DATA_STAMP`` (the stamp a complete folder holds),
    ``SAMPLE_STAMPS`` (the stamp of each sample folder, relative to the checkout, which the
    Makefile's ``data/%-sample`` rule makes) and ``DATA_DIR_VARIABLES``; then each dataset's
    variable, defaulting to its sample folder and exported as an absolute path (executed
    pages run with their own folder as working directory).
    """
    datasets = list(DATASETS.values())
    stamps = [stamp_path(dataset.sample_dir).relative_to(REPO_ROOT) for dataset in datasets]
    lines = [
        "# The datasets of src/imaging_course/datasets/registry.py, written by",
        "# `python -m imaging_course.datasets.registry`; the Makefile remakes this file.",
        f"DATASETS := {' '.join(dataset.name for dataset in datasets)}",
        f"DATA_STAMP := {STAMP_NAME}",
        f"SAMPLE_STAMPS := {' '.join(str(stamp) for stamp in stamps)}",
        f"DATA_DIR_VARIABLES := {' '.join(dataset.env_var for dataset in datasets)}",
    ]
    for dataset in datasets:
        lines += [
            f"{dataset.env_var} ?= {dataset.sample_dir.relative_to(REPO_ROOT)}",
            f"export {dataset.env_var} := $(abspath $({dataset.env_var}))",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(make_variables(), end="")
