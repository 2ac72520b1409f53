"""The dataset registry is the one place that names the datasets, and a new entry flows through.

Everything outside a dataset's own code (its package under ``datasets/``, its checks and
detectors under ``grader/course/``, its benchmarks) reads
:data:`~imaging_course.datasets.registry.DATASETS`: no other module, nor ``conf.py``, the
Makefile or the tests' fixtures, spells a dataset's name. A toy third entry, added in a test,
reaches the datasets command line, the data folders, the Makefile's variables, the grader's
course table and a real grading run.
"""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from grader_toy import toy_registry
from grader_toy.toy_run import TOY_DIR, TOY_SOLUTIONS

from imaging_course.datasets import cli
from imaging_course.datasets.paths import REPO_ROOT
from imaging_course.datasets.registry import DATASETS, make_variables
from imaging_course.datasets.stamp import STAMP_NAME, read_stamp
from imaging_course.grader.course import course_table

DATASET_NAMES = re.compile(r"(?<![a-z])(siim|lits)(?![a-z])", re.IGNORECASE)
"""A dataset's name inside a word (``siim_root``, ``LITS_DATA_DIR``, ``data/siim-sample``),
not as part of another word (``splits``)."""

PACKAGE = REPO_ROOT / "src" / "imaging_course"
HEAVY_MODULES = {"numpy", "pandas", "pydicom", "nibabel", "scipy", "tqdm", "sphinx", "PIL"}


def dataset_own_code(path: Path) -> bool:
    """Whether ``path`` is code that belongs to one dataset, as the registry names it: its
    package, its exercise's checks and detectors, its benchmarks (or the registry itself)."""
    relative = path.relative_to(PACKAGE)
    if relative == Path("datasets", "registry.py"):
        return True
    shared_folders = (Path("grader", "course"), Path("bench"))
    return any(
        relative.parts[:2] == ("datasets", name)
        or (relative.parent in shared_folders and relative.name.startswith(f"{name}_"))
        for name in DATASETS
    )


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of the string nodes that document: module, class and function docstrings and
    the strings under an assignment (attribute docstrings)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            for statement in node.body:
                if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                    found.add(id(statement.value))
    return found


def names_spelled(source: str) -> list[tuple[int, str]]:
    """``(line, text)`` of each identifier, import or string (docstrings and comments are
    documentation, and may name datasets) that spells a dataset's name."""
    tree = ast.parse(source)
    documentation = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        match node:
            case ast.Constant(value=str() as text) if id(node) not in documentation:
                pass
            case ast.Name(id=text) | ast.Attribute(attr=text) | ast.arg(arg=text):
                pass
            case ast.FunctionDef(name=text) | ast.ClassDef(name=text) | ast.alias(name=text):
                pass
            case ast.ImportFrom(module=str() as text):
                pass
            case _:
                continue
        if DATASET_NAMES.search(text):
            found.append((node.lineno, text))
    return found


def test_the_scan_finds_names_in_code_and_leaves_documentation_alone():
    source = '''"""Reads siim_root() and LITS_DATA_DIR."""
from imaging_course.datasets.siim import siim_root  # a comment on siim
ROOTS = {"lits": 1}
SPLITS = "splits"
def scan(siim_folder):
    """Docstring naming lits."""
    return siim_folder.lits_cases
'''
    spelled = sorted(text for _, text in names_spelled(source))
    assert spelled == sorted(
        ["imaging_course.datasets.siim", "siim_root", "lits", "siim_folder", "siim_folder",
         "lits_cases"]
    )  # fmt: skip


def test_only_the_registry_and_each_datasets_own_code_name_the_datasets():
    files = [path for path in sorted(PACKAGE.rglob("*.py")) if not dataset_own_code(path)]
    files += [REPO_ROOT / "conf.py", REPO_ROOT / "tests" / "conftest.py"]
    assert PACKAGE / "grader" / "plugin.py" in files
    assert PACKAGE / "grader" / "course" / "siim_checks.py" not in files
    spelled = {
        str(path.relative_to(REPO_ROOT)): names
        for path in files
        if (names := names_spelled(path.read_text(encoding="utf-8")))
    }
    assert spelled == {}
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert DATASET_NAMES.findall(makefile) == []


def test_importing_the_registry_imports_no_library():
    code = "import sys, imaging_course.datasets.registry; print(' '.join(sys.modules))"
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    imported = {name.split(".")[0] for name in completed.stdout.split()}
    assert "imaging_course" in imported
    assert imported & HEAVY_MODULES == set()


def test_the_makefile_reads_the_registry_through_a_fragment_it_remakes(tmp_path):
    fragment = tmp_path / "datasets.mk"
    completed = subprocess.run(
        ["make", "--no-print-directory", f"DATASETS_MK={fragment}", "help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert fragment.read_text(encoding="utf-8") == make_variables()
    assert f"Datasets: {' '.join(DATASETS)}" in completed.stdout
    for dataset in DATASETS.values():
        assert f"{dataset.env_var}=DIR" in completed.stdout
    # Nothing changed: make neither remakes the fragment nor starts Python.
    before = fragment.stat().st_mtime_ns
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", f"DATASETS_MK={fragment}", "data"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert fragment.stat().st_mtime_ns == before
    assert "imaging_course.datasets.registry" not in dry_run.stdout


def test_each_dataset_reads_its_variable_or_its_sample(monkeypatch, tmp_path):
    for dataset in DATASETS.values():
        monkeypatch.delenv(dataset.env_var, raising=False)
        assert dataset.root() == REPO_ROOT / "data" / f"{dataset.name}-sample"
        monkeypatch.setenv(dataset.env_var, str(tmp_path / dataset.name))
        assert dataset.root() == tmp_path / dataset.name


def test_the_readme_names_each_datasets_variable_sample_exercise_and_command():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    for dataset in DATASETS.values():
        assert f"{dataset.env_var}=" in readme
        assert f"`data/{dataset.name}-sample/`" in readme
        assert f"`exercises/{dataset.exercise}.py`" in readme
    assert f"generate {'|'.join(DATASETS)} --scale" in readme


@pytest.fixture
def toy_entry(monkeypatch):
    """The toy dataset as a third registry entry, in this process, for this test only."""
    monkeypatch.syspath_prepend(str(TOY_DIR))
    monkeypatch.setitem(DATASETS, "toy", toy_registry.TOY)
    return toy_registry.TOY


def test_a_third_entry_reaches_the_command_line_paths_makefile_and_table(
    toy_entry, monkeypatch, tmp_path, capsys
):
    with pytest.raises(SystemExit):
        cli.main(["generate", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "{siim,lits,toy}" in help_text
    assert "toy: a CSV of ids and values" in help_text
    assert "Toy 12 to 15 rows" in help_text

    assert (
        cli.main(["generate", "toy", "--scale", "tiny", "--seed", "4", "--out", str(tmp_path)]) == 0
    )
    assert read_stamp(tmp_path).dataset == "toy"
    assert cli.main(["generate", "toy", "--scale", "tiny", "--layout", "stage2", "--out",
                     str(tmp_path / "x")]) == 2  # fmt: skip
    assert "toy has one layout" in capsys.readouterr().err

    monkeypatch.delenv("TOY_DATA_DIR", raising=False)
    assert toy_entry.root() == REPO_ROOT / "data" / "toy-sample"
    variables = make_variables()
    assert "DATASETS := siim lits toy\n" in variables
    assert f"data/toy-sample/{STAMP_NAME}\n" in variables
    assert "TOY_DATA_DIR ?= data/toy-sample\n" in variables

    table = course_table()
    assert table.datasets()[-1] == "toy"
    assert table.generators["toy"] == "toy_table:generate_toy"
    assert {"toy-total", "siim-decode-rle", "lits-orientation"} <= {c.id for c in table.checks}


def test_a_third_entry_is_graded_from_its_variable_with_held_out_data(tmp_path):
    data = tmp_path / "toy-download"
    toy_env = {**os.environ, "PYTHONPATH": str(TOY_DIR), "TOY_DATA_DIR": str(data)}
    with_toy = "import sys, toy_registry; toy_registry.register(); from imaging_course.{} import main; sys.exit(main(sys.argv[1:]))"  # noqa: E501
    generate = [sys.executable, "-c", with_toy.format("datasets.cli"), "generate", "toy"]
    subprocess.run([*generate, "--scale", "sample", "--out", str(data)], env=toy_env, check=True)
    report = tmp_path / "report.json"
    completed = subprocess.run(
        [
            *(sys.executable, "-c", with_toy.format("grader.cli"), "grade"),
            *("--solutions", str(TOY_SOLUTIONS), "--grade-exercises", "toy_eda,toy_more"),
            *("--reference-solutions", str(TOY_SOLUTIONS), "--grade-report", str(report)),
            *("--reference-dir", str(tmp_path / "none"), "--grade-cache", str(tmp_path)),
        ],
        env=toy_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    graded = json.loads(report.read_text(encoding="utf-8"))
    assert graded["percent"] == 100.0
    assert graded["data"]["toy[sample]"]["root"] == str(data)
    assert {check["variant"] for check in graded["checks"]} == {"sample", "held-out"}
    assert read_stamp(tmp_path / "heldout" / "toy").dataset == "toy"
