"""The executed exercise pages: their numbers are the grader's, their execution is cached.

Each page glues the numbers it shows under a key that names where they come from:
``label_statistics.positive_images`` is the field of the grader's ``label_statistics``
reference, ``scan_dicom_headers.table.count`` the length of a table, ``volume_table.hu_min.min``
the minimum of a column. The few numbers that no grader call returns (files in the folder,
rows of the CSV, medians by view) have keys of their own, recomputed here by :func:`derived`;
a key that is neither fails the test. The glued values are read back from the executed
notebooks of a real build and compared with references that the grader computes from
``solutions/`` on the same data, so a page cannot drift from what ``make grade`` checks.
"""

import ast
import json
import math
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest
from pydicom import config
from pydicom.valuerep import validate_value

from imaging_course.course_modules import SOLUTIONS_DIR, load_course_module
from imaging_course.datasets.lits.layout import VOLUME_PARTS
from imaging_course.datasets.siim.layout import find_siim_images, read_siim_labels
from imaging_course.grader.course import course_table
from imaging_course.grader.reference import compute_references
from imaging_course.grader.sandbox import Sandbox
from imaging_course.site_build import SPHINX_STRICT

PAGES = {
    "siim": "medical-imaging/exercises/siim",
    "lits": "medical-imaging/exercises/lits",
}
AGGREGATES = {  # pandas' own, which skip missing values (a tumour-free case's tumour HU)
    "count": len,
    "min": lambda values: pd.Series(values).min(),
    "max": lambda values: pd.Series(values).max(),
    "median": lambda values: pd.Series(values).median(),
    "sum": lambda values: pd.Series(values).sum(),
}
GLUED_ANSWER = re.compile(r"^:id: (?P<id>\S+)\n(?::.*\n)*?:answer: glue:(?P<key>\S+)$", re.M)
"""A quiz's id and the glue key of its answer, among the option lines of one quiz."""

pytestmark = pytest.mark.site


@pytest.fixture(scope="module")
def references(sample_data) -> dict[str, dict]:
    """The grader's reference outputs on the sample data, computed live from solutions/."""
    with Sandbox() as sandbox:
        return {
            dataset: compute_references(
                course_table(), dataset, sample_data[dataset], SOLUTIONS_DIR, sandbox
            ).outputs
            for dataset in PAGES
        }


def glued_values(glue_file: Path) -> dict[str, object]:
    """Every value that an executed page glued, by key (MyST-NB's ``<page>.glue.json``)."""
    glued = json.loads(glue_file.read_text(encoding="utf-8"))
    return {key: ast.literal_eval(entry["data"]["text/plain"]) for key, entry in glued.items()}


def resolve(outputs: dict[str, object], key: str) -> object:
    """The reference value that a glue key names (see the module docstring)."""
    call, *path = key.split(".")
    value = outputs[call]
    for part in path:
        if part in AGGREGATES:
            value = AGGREGATES[part](value)
        elif isinstance(value, pd.DataFrame) and part not in value.columns:
            value = value.set_index(value.columns[0]).loc[part]  # the row keyed by ``part``
        else:
            value = value[part]
    return value


def derived(key: str, outputs: dict[str, object], root: Path) -> object:
    """The value of a glue key that names no grader call, recomputed from the data or outputs."""
    name, _, part = key.partition(".")
    if name.startswith("lits_"):
        return derived_lits(name, outputs)
    if name == "siim_files":
        return len(find_siim_images(root, part))
    if name == "siim_label_rows":
        return len(read_siim_labels(root))
    if name == "siim_median_area_cm2":
        masks = outputs["mask_statistics"]
        return masks.loc[masks["view"] == part, "area_cm2"].median()
    if name in SIIM_SUMMARY_KEYS:
        return derived_siim_summary(name, part, outputs)
    if name == "siim_impossible_age_values":
        table = outputs["scan_dicom_headers"]["table"]
        impossible = table[table["image_id"].isin(outputs["demographics"]["impossible_ages"])]
        return ", ".join(f"{age:g}" for age in impossible["age"])
    raise AssertionError(f"glue key {key!r} names no grader call and no derived value")


LITS_NEWER_COUNTS = {
    "lits_scaled_volumes": lambda outputs: int(
        ((outputs["storage_table"]["scl_slope"] != 1.0)
         | (outputs["storage_table"]["scl_inter"] != 0.0)).sum()
    ),
    "lits_float_segmentations": lambda outputs: int(
        (outputs["storage_table"]["segmentation_dtype"] != "uint8").sum()
    ),
    "lits_tumour_free_labels": lambda outputs: sum(
        2.0 not in values for values in outputs["label_values"].values()
    ),
    "lits_lesions": lambda outputs: sum(map(len, outputs["lesion_sizes"]["diameters_mm"].values())),
    "lits_bright_livers": lambda outputs: int(
        (outputs["window_qa"]["liver_white_fraction"] > 0.5).sum()
    ),
}  # fmt: skip
"""Counts the LiTS page derives from the outputs of the newer calls, by glue key."""


SIIM_SUMMARY_KEYS = (
    "siim_masks_per_image",
    "siim_overlapping_images",
    "siim_side_counts",
    "siim_median_area_fraction",
    "siim_differing_files",
)


def derived_siim_summary(name: str, part: str, outputs: dict[str, object]) -> object:
    """The SIIM page's summaries of the ``mask_geometry`` and ``header_consistency`` outputs."""
    geometry = outputs["mask_geometry"]
    if name == "siim_differing_files":
        return len({entry["image_id"] for entry in outputs["header_consistency"]["differing"]})
    if name == "siim_masks_per_image":
        counts = geometry["masks"].value_counts().sort_index()
        return ", ".join(f"{n} on {count}" for n, count in counts.items())
    if name == "siim_overlapping_images":
        return int(geometry["overlapping"].sum())
    if name == "siim_side_counts":
        return int((geometry["side"] == part).sum())
    return geometry.loc[geometry["view"] == part, "area_fraction"].median()


def derived_lits(name: str, outputs: dict[str, object]) -> object:
    """The LiTS page's derived values: from the grader's outputs, or the layout code's folders."""
    if name == "lits_orientations":
        counts = outputs["dataset_summary"]["orientation_counts"]
        return ", ".join(f"{count} {code}" for code, count in counts.items())
    if name == "lits_volume_folders":  # the layout code's folders, first and last
        return f"volume_pt{min(VOLUME_PARTS)[0]}/ to volume_pt{max(VOLUME_PARTS)[0]}/"
    if name in LITS_NEWER_COUNTS:
        return LITS_NEWER_COUNTS[name](outputs)
    cases = outputs["case_statistics"]
    with_tumour = cases[cases["tumour_ml"] > 0]
    if name == "lits_tumour_cases":
        return len(with_tumour)
    if name == "lits_hypodense_cases":
        return int((with_tumour["tumour_hu_mean"] < with_tumour["liver_hu_mean"]).sum())
    raise AssertionError(f"glue key {name!r} names no grader call and no derived value")


def same(glued: object, expected: object) -> bool:
    if isinstance(glued, str) or isinstance(expected, str):
        return glued == expected
    return math.isclose(float(glued), float(expected), rel_tol=1e-9)


def glue_file(built_site, dataset: str) -> Path:
    return built_site.html.parent / "jupyter_execute" / f"{PAGES[dataset]}.glue.json"


@pytest.mark.parametrize("dataset", sorted(PAGES))
def test_every_glued_value_equals_its_reference(built_site, references, sample_data, dataset):
    assert built_site.returncode == 0, built_site.output[-3000:]
    glued = glued_values(glue_file(built_site, dataset))
    outputs = references[dataset]
    expected = {key: expected_value(outputs, key, sample_data[dataset]) for key in glued}

    assert sum(key.split(".")[0] in outputs for key in glued) >= 10, sorted(glued)
    differing = {
        key: (value, expected[key])
        for key, value in glued.items()
        if not same(value, expected[key])
    }
    assert differing == {}


def expected_value(outputs: dict[str, object], key: str, root: Path) -> object:
    """The reference value of a glue key: a grader output, or a value :func:`derived` from one."""
    if key.partition(".")[0] in outputs:
        return resolve(outputs, key)
    return derived(key, outputs, root)


@pytest.mark.parametrize("dataset", sorted(PAGES))
def test_quiz_answers_on_the_page_are_glued_references(
    built_site, references, sample_data, repo_root, dataset
):
    page = repo_root / "docs" / f"{PAGES[dataset]}.md"
    glued_answers = {m["id"]: m["key"] for m in GLUED_ANSWER.finditer(page.read_text())}
    exported = json.loads((built_site.html / "quizzes.json").read_text(encoding="utf-8"))
    answers = {q["id"]: q["answer"] for q in exported["questions"] if q["id"] in glued_answers}

    assert len(glued_answers) >= 2
    assert answers == {
        quiz_id: pytest.approx(
            float(expected_value(references[dataset], key, sample_data[dataset]))
        )
        for quiz_id, key in glued_answers.items()
    }


def test_pages_print_no_warning(built_site):
    assert "Invalid value for VR AS" not in built_site.output
    for page in PAGES.values():
        html = (built_site.html / f"{page}.html").read_text(encoding="utf-8")
        assert 'class="output stderr"' not in html, page


def test_the_solution_silences_the_bare_age_warning_and_no_other():
    # SIIM's ages ('38') make pydicom warn "Invalid value for VR AS" whenever it validates one
    # (pydicom 3.0 validates on assignment, not on read): the solution, which the pages run,
    # silences exactly that warning around its reads and parses the ages itself.
    silenced = load_course_module("siim_eda")._bare_age_warnings_silenced
    with warnings.catch_warnings(record=True) as outside:
        warnings.simplefilter("always")
        validate_value("AS", "38", config.WARN)
    with warnings.catch_warnings(record=True) as inside:
        warnings.simplefilter("always")
        with silenced():
            validate_value("AS", "38", config.WARN)
            validate_value("DA", "2018-13-45", config.WARN)

    assert [str(w.message) for w in outside] == ["Invalid value for VR AS: '38'."]
    assert [str(w.message) for w in inside] == ["Invalid value for VR DA: '2018-13-45'."]


def build_executed_root(source: Path, outdir: Path) -> subprocess.CompletedProcess:
    """Build a tiny myst-nb project strictly, as `make html` builds the site."""
    command = [sys.executable, "-m", "sphinx", *SPHINX_STRICT, str(source), str(outdir)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


@pytest.fixture
def executed_root(rootdir, tmp_path) -> Path:
    source = tmp_path / "source"
    shutil.copytree(rootdir / "test-executed-page", source)
    return source


def test_a_failing_cell_fails_the_build_naming_page_and_cell(executed_root, tmp_path):
    page = executed_root / "index.md"
    page.write_text(
        page.read_text().replace("print(answer)", 'raise ValueError("a planted failure")')
    )

    result = build_executed_root(executed_root, tmp_path / "html")
    output = result.stdout + result.stderr

    assert result.returncode != 0
    assert f"{page}: WARNING: Executing notebook failed" in output
    assert 'raise ValueError("a planted failure")' in output  # the failing cell, quoted


def test_a_prose_edit_reuses_the_cached_execution(executed_root, tmp_path):
    first = build_executed_root(executed_root, tmp_path / "html")
    page = executed_root / "index.md"
    page.write_text(page.read_text() + "\nA new sentence, and no code changed.\n")
    second = build_executed_root(executed_root, tmp_path / "html")

    assert first.returncode == 0, first.stderr
    assert "Executing notebook" in first.stdout + first.stderr
    assert second.returncode == 0, second.stderr
    assert "Using cached notebook" in second.stdout + second.stderr
    assert "Executing notebook" not in second.stdout + second.stderr
    assert "A new sentence" in (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
