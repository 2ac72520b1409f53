"""Notebooks graded like modules, and the in-notebook check run in a real kernel.

Three grading runs on the tiny data of the session (``tiny_course``, whose references are
stored once for them): the reference solutions as notebooks (with a plot cell that needs a
display, a syntax error and an endless loop outside the functions) score 100%; the committed
stub notebooks score 0% with the "not written yet" message; a notebook with one wrong and one
unwritten function, beside a notebook that defines a function twice, gets the same verdicts
from ``make grade`` as from ``check()`` in a Jupyter kernel (nbclient) on the same notebook.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

from imaging_course.course_modules import SOLUTIONS_DIR
from imaging_course.datasets.registry import DATASETS
from imaging_course.grader.course import course_table
from imaging_course.grader.notebook_source import extract, prepare_submission
from imaging_course.grader.reference import write_references
from imaging_course.notebooks.generate import NOTEBOOKS_DIR, notebook_from_module

LEFT, SYNTAX = "exploration, plots, checks", "syntax error, line 1"
BAD_CELLS = (
    "import matplotlib\nmatplotlib.use('TkAgg')\nimport matplotlib.pyplot as plt\n"
    "plt.figure()\nplt.show()",
    "table = scan_dicom_headers(  # a cell that does not parse\n",
    "%matplotlib inline\nwhile True:\n    pass",
)
WRONG_DEMOGRAPHICS = '''
def demographics(table):
    """Ages over every row, impossible ones included (the mistake)."""
    ages = table["age"].dropna()
    sexes, views = table["sex"][table["sex"] != ""], table["view"][table["view"] != ""]
    return {
        "sex_counts": {k: int(v) for k, v in sexes.value_counts().items()},
        "view_counts": {k: int(v) for k, v in views.value_counts().items()},
        "age_mean": float(ages.mean()),
        "age_median": float(ages.median()),
        "age_min": float(ages.min()),
        "age_max": float(ages.max()),
        "impossible_ages": [],
    }
'''
UNWRITTEN_DECODE = '''
def decode_rle(rle, width=1024, height=1024):
    """Not written yet."""
    raise NotImplementedError("decode_rle: write it")
'''


def _solutions_notebook(exercise: str) -> nbformat.NotebookNode:
    return notebook_from_module(SOLUTIONS_DIR / f"{exercise}.py")


def _replace(notebook: nbformat.NotebookNode, name: str, source: str) -> None:
    [cell] = [c for c in notebook.cells if c.source.startswith(f"def {name}(")]
    cell.source = source.strip()


@pytest.fixture(scope="module")
def graded(tiny_course, tmp_path_factory):
    """Grade a folder; the completed process and its JSON report."""
    base = tmp_path_factory.mktemp("notebook-grading")
    stored = base / "reference"
    for references in tiny_course.references.values():
        write_references(references, stored)

    def grade(learner: Path) -> tuple[subprocess.CompletedProcess, dict]:
        report = base / f"{learner.name}.json"
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "imaging_course.grader",
                "grade",
                "--no-held-out",
                "--solutions",
                str(learner),
                "--grade-report",
                str(report),
                "--reference-dir",
                str(stored),
                *(f"--dataset-root={name}={tiny_course.base / name}" for name in DATASETS),
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        return completed, json.loads(report.read_text())

    return grade


def test_reference_notebooks_score_100_on_their_functions_alone(graded, tmp_path):
    siim = _solutions_notebook("siim_eda")
    siim.cells += [nbformat.v4.new_code_cell(source) for source in BAD_CELLS]
    nbformat.write(siim, tmp_path / "siim_eda.ipynb")
    lits = _solutions_notebook("lits_eda")
    (tmp_path / "lits_eda.md").write_text(jupytext.writes(lits, fmt="md:myst"), encoding="utf-8")
    completed, report = graded(tmp_path)
    assert completed.returncode == 0, completed.stdout[-5000:]
    assert report["percent"] == 100.0
    assert len(report["checks"]) == len(course_table().checks)
    cells = len(siim.cells)
    [siim_line] = [line for line in report["notebooks"] if line.startswith("siim_eda.ipynb: ")]
    assert siim_line in completed.stdout
    assert siim_line.split("left out")[1].endswith(
        f", {cells} ({LEFT}); cell {cells - 1} ({SYNTAX})"
    )
    # The plot cell is taken for its imports alone; the loop is left out.
    source = extract(tmp_path / "siim_eda.ipynb").source
    assert "import matplotlib.pyplot as plt" in source
    assert "TkAgg" not in source
    assert "plt.show()" not in source
    assert "while True:\n    pass" not in source
    assert any(line.startswith("lits_eda.md: took cells") for line in report["notebooks"])


def test_stub_notebooks_score_0_and_say_what_to_write(graded):
    completed, report = graded(NOTEBOOKS_DIR)
    assert report["percent"] == 0.0
    assert completed.stdout.count("siim_eda.scan_dicom_headers is not written yet") == 1
    assert completed.stdout.count("lits_eda.case_statistics is not written yet") == 1
    assert "Traceback" not in completed.stdout


def test_duplicate_definitions_and_two_sources_are_refused(tmp_path):
    notebook = _solutions_notebook("lits_eda")
    again = next(cell for cell in notebook.cells if cell.source.startswith("def volume_table("))
    notebook.cells.append(nbformat.v4.new_code_cell(again.source))
    nbformat.write(notebook, tmp_path / "lits_eda.ipynb")
    first = notebook.cells.index(again) + 1
    extraction = extract(tmp_path / "lits_eda.ipynb")
    assert extraction.refusal == (
        f"it defines volume_table twice, in cell {first} and cell {len(notebook.cells)}: keep one"
    )
    shutil.copy(SOLUTIONS_DIR / "siim_eda.py", tmp_path / "siim_eda.py")
    shutil.copy(NOTEBOOKS_DIR / "siim_eda.md", tmp_path / "siim_eda.md")
    submission = prepare_submission(tmp_path, ["siim_eda", "lits_eda"])
    try:
        assert submission.refused["siim_eda"].startswith("the folder holds siim_eda.py and ")
        assert "volume_table twice" in submission.refused["lits_eda"]
    finally:
        submission.close()
    assert not submission.folder.exists()


def test_percent_scripts_and_magics_are_read_as_notebooks(tmp_path):
    script = tmp_path / "siim_eda.py"
    script.write_text(
        "# %%\nimport math\n%load_ext autoreload\n\n# %%\nTAU = 2 * math.pi\nradius = 3\n\n"
        "# %%\ndef area(r):\n    return math.pi * r**2\n\n# %%\narea(radius)\n",
        encoding="utf-8",
    )
    extraction = extract(script)
    assert extraction.taken == [1, 2, 3]
    assert list(extraction.left_out) == [4]
    namespace: dict = {}
    exec(compile(extraction.source, "siim_eda", "exec"), namespace)  # noqa: S102 (our own text)
    assert "radius" not in namespace
    assert round(namespace["area"](1), 3) == 3.142


def test_check_in_a_kernel_gives_the_verdicts_of_make_grade(
    graded, tiny_course, tmp_path, monkeypatch
):
    """One kernel run: every check and exploration cell of a notebook with a wrong and an
    unwritten function, two hints, and the verdicts compared with the grader's (which also
    refuses the LiTS notebook beside it, which defines a function twice)."""
    notebook = _solutions_notebook("siim_eda")
    _replace(notebook, "demographics", WRONG_DEMOGRAPHICS)
    _replace(notebook, "decode_rle", UNWRITTEN_DECODE)
    notebook.cells.append(
        nbformat.v4.new_code_cell("hint(scan_dicom_headers)\nhint(scan_dicom_headers)")
    )
    table = course_table().for_exercises(["siim_eda"])
    functions = [table.spec(check).function for check in table.checks]
    notebook.cells.append(
        nbformat.v4.new_code_cell(
            "import json\nverdicts = {}\n"
            f"for function in {sorted(set(functions))!r}:\n"
            "    for o in check(globals()[function]).outcomes:\n"
            "        verdicts[o.check.id] = [o.passed, o.feedback, o.hints]\n"
            "print(json.dumps(verdicts))"
        )
    )
    nbformat.write(notebook, tmp_path / "siim_eda.ipynb")
    lits = _solutions_notebook("lits_eda")
    lits.cells.append(nbformat.v4.new_code_cell("def volume_table(root):\n    return None"))
    nbformat.write(lits, tmp_path / "lits_eda.ipynb")
    for dataset in DATASETS.values():  # the kernel inherits them: checks read the tiny data
        monkeypatch.setenv(dataset.env_var, str(tiny_course.base / dataset.name))
    NotebookClient(notebook, timeout=300, kernel_name="python3").execute(cwd=str(tmp_path))
    outputs = {i: cell.get("outputs", []) for i, cell in enumerate(notebook.cells)}
    verdicts = json.loads(outputs[len(notebook.cells) - 1][0]["text"])
    _, report = graded(tmp_path)
    expected = {
        c["id"]: [c["passed"], c["feedback"], c["hints"]]
        for c in report["checks"]
        if c["exercise"] == "siim_eda"
    }
    assert verdicts == expected
    assert not verdicts["siim-age-statistics"][0]
    assert verdicts["siim-header-table"][0]
    assert "decode_rle is not written yet" in verdicts["siim-decode-rle"][1][0]
    # The check cells render as HTML in Jupyter, with the points of the function.
    check_cells = [i for i, cell in enumerate(notebook.cells) if cell.source.startswith("check(")]
    demographics = next(i for i in check_cells if "demographics" in notebook.cells[i].source)
    html = outputs[demographics][0]["data"]["text/html"]
    assert "demographics: " in html
    assert "points on the sample data" in html
    hints = "".join(output.get("text", "") for output in outputs[len(notebook.cells) - 2])
    assert "Hint 1 of" in hints
    assert "Hint 2 of" in hints
    assert "dcmread" in hints
    first = next(i for i, c in enumerate(lits.cells) if c.source.startswith("def volume_table("))
    refused = {c["feedback"][0] for c in report["checks"] if c["exercise"] == "lits_eda"}
    assert refused == {
        f"lits_eda was refused: lits_eda.ipynb: it defines volume_table twice, in cell "
        f"{first + 1} and cell {len(lits.cells)}: keep one"
    }
