"""The grader end to end on a toy exercise whose reference answers the tests control.

Every test runs the real command (``python -m imaging_course.grader grade``) in a child
process, on toy data written to a temporary folder, and reads its exit status, terminal
output, JSON report and JUnit XML.
"""

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from defusedxml import ElementTree
from grader_toy.toy_run import TOY_SOLUTIONS, outcomes, run_grader
from grader_toy.toy_table import TOY_TABLE, generate_toy

from imaging_course.datasets.stamp import stamp_path
from imaging_course.grader.grading_run import GradingRun, Variant
from imaging_course.grader.reference import (
    FORMAT_VERSION,
    compute_references,
    write_references,
)
from imaging_course.grader.sandbox import Sandbox


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory) -> Path:
    """Toy sample data (seed 3), generated like the course's sample data."""
    root = tmp_path_factory.mktemp("toy") / "toy-sample"
    generate_toy(root, scale="sample", seed=3)
    return root


@pytest.fixture
def learner(tmp_path) -> Path:
    """A learner folder holding copies of the toy reference solutions, to be edited."""
    folder = tmp_path / "learner"
    shutil.copytree(TOY_SOLUTIONS, folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    """Introduce one mistake into a copied solution."""
    text = path.read_text()
    assert old in text, f"{path.name} no longer contains {old!r}"
    path.write_text(text.replace(old, new))


def test_reference_solutions_score_100_with_json_and_junit(toy_data, tmp_path):
    junit = tmp_path / "junit.xml"
    shutil.rmtree(TOY_SOLUTIONS / "__pycache__", ignore_errors=True)
    completed, report = run_grader(
        TOY_SOLUTIONS, toy_data, tmp_path / "ref", tmp_path / "cache", "--junitxml", str(junit)
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert report["percent"] == 100.0
    assert report["points"] == 2 * sum(check.points for check in TOY_TABLE.checks)
    assert set(report["exercises"]) == {"toy_eda", "toy_more"}
    assert "total" in completed.stdout
    assert "100.0%" in completed.stdout
    cases = list(ElementTree.parse(junit).getroot().iter("testcase"))
    names = {(case.get("classname"), case.get("name")) for case in cases}
    properties = {p.get("name"): p.get("value") for p in cases[1].iter("property")}
    assert properties == {"points": "2", "earned": "2"}  # toy-count is worth 2 points
    assert ("toy_eda", "toy-total[sample]") in names
    assert ("toy_more", "toy-more-count[held-out]") in names
    assert len(names) == 2 * len(TOY_TABLE.checks)
    # The learner calls ran before the first check: no test case is charged for them all.
    assert max(float(case.get("time")) for case in cases) < 0.5
    # The terminal names checks by exercise, counts them, and hides the empty config file.
    assert f"collected {2 * len(TOY_TABLE.checks)} items" in completed.stdout
    assert "\ntoy_eda ...." in completed.stdout
    assert "configfile" not in completed.stdout
    assert f"grading: {TOY_SOLUTIONS}" in completed.stdout
    # The sandbox compiles the solutions into a folder of its own: none is written beside them.
    assert not (TOY_SOLUTIONS / "__pycache__").exists()


def test_failed_checks_say_how_far_off_without_a_traceback(toy_data, learner, tmp_path):
    edit(learner / "toy_eda.py", 'return float(_values(root)["value"].sum())', "return 1000.0")
    edit(learner / "toy_eda.py", '"count": len(values)', '"count": len(values) + 1')
    edit(learner / "toy_eda.py", ".reshape(2, 3)", ".reshape(3, 2)")
    edit(
        learner / "toy_eda.py",
        'return values.assign(doubled=2 * values["value"])',
        'return values.assign(doubled=2 * values["value"]).iloc[1:]',
    )
    edit(learner / "toy_eda.py", "return float(values.loc", "return 1 / 0 + float(values.loc")
    junit = tmp_path / "junit.xml"
    completed, report = run_grader(
        learner,
        toy_data,
        tmp_path / "ref",
        tmp_path / "cache",
        "--no-held-out",
        "--junitxml",
        str(junit),
    )
    assert completed.returncode == 1
    passed = outcomes(report)
    assert passed["toy-more-count[sample]"]
    assert passed["toy-over-half[sample]"]
    assert not any(passed[f"{name}[sample]"] for name in ("toy-total", "toy-count", "toy-grid"))
    output = completed.stdout
    assert "total: expected about" in output
    assert "got 1000" in output
    count = len(_rows(toy_data))
    assert f"count: expected {count}, got {count + 1} (+" in output
    assert "(+" in output
    assert "grid: expected shape (2, 3), got (3, 2)" in output
    assert "1 missing, e.g. t3-000" in output
    assert "toy_eda.lookup raised ZeroDivisionError: division by zero" in output
    assert "at toy_eda.py, line" in output
    assert "Traceback" not in output
    assert 0 < report["percent"] < 100
    failures = list(ElementTree.parse(junit).getroot().iter("failure"))
    assert len(failures) == sum(not ok for ok in passed.values())


def test_missing_module_fails_only_its_exercise(toy_data, learner, tmp_path):
    (learner / "toy_more.py").unlink()
    completed, report = run_grader(
        learner, toy_data, tmp_path / "ref", tmp_path / "cache", "--no-held-out"
    )
    assert completed.returncode == 1
    assert report["exercises"]["toy_more"]["earned"] == 0
    assert report["exercises"]["toy_eda"]["percent"] == 100.0
    assert "toy_more.py is not in the folder being graded" in completed.stdout


def test_blocked_module_fails_the_module_that_imports_it(toy_data, learner, tmp_path):
    edit(
        learner / "toy_more.py",
        "from pathlib import Path",
        "from pathlib import Path\n\nfrom imaging_course.datasets.siim.rle import decode_siim_rle",
    )
    completed, report = run_grader(
        learner, toy_data, tmp_path / "ref", tmp_path / "cache", "--no-held-out"
    )
    assert not outcomes(report)["toy-more-count[sample]"]
    assert report["exercises"]["toy_eda"]["percent"] == 100.0
    assert "off limits in this exercise" in completed.stdout
    assert "importing toy_more.py failed: PermissionError" in completed.stdout


def test_held_out_data_catches_hard_coded_answers(toy_data, learner, tmp_path):
    expected_total = float(sum(float(line.split(",")[1]) for line in _rows(toy_data)))
    edit(
        learner / "toy_eda.py",
        'return float(_values(root)["value"].sum())',
        f"return {expected_total!r}",
    )
    completed, report = run_grader(learner, toy_data, tmp_path / "ref", tmp_path / "cache")
    passed = outcomes(report)
    assert passed["toy-total[sample]"]
    assert not passed["toy-total[held-out]"]
    assert passed["toy-count[held-out]"]
    assert completed.returncode == 1
    heldout = tmp_path / "cache" / "heldout" / "toy"
    assert stamp_path(heldout).is_file()
    assert not (heldout / "MANIFEST.json").exists()
    assert _rows(heldout)[0].split(",")[0] != _rows(toy_data)[0].split(",")[0]


def _rows(root: Path) -> list[str]:
    return (root / "values.csv").read_text().splitlines()[1:]


def test_stored_references_are_used_while_the_data_is_unchanged_stamped_or_downloaded(
    toy_data, learner, tmp_path
):
    references = tmp_path / "ref"
    with Sandbox(workers=1) as sandbox:
        computed = compute_references(TOY_TABLE, "toy", toy_data, TOY_SOLUTIONS, sandbox)
    write_references(computed, references)
    stored = references / "toy" / "total.json"
    document = json.loads(stored.read_text())
    document["tree"]["v"][1][1]["v"] += 1.0  # the stored total, one more than right
    stored.write_text(json.dumps(document))
    _, report = run_grader(learner, toy_data, references, tmp_path / "cache", "--no-held-out")
    assert report["data"]["toy[sample]"]["references"] == "stored"
    assert not outcomes(report)["toy-total[sample]"]

    unstamped = tmp_path / "download"
    shutil.copytree(toy_data, unstamped)
    stamp_path(unstamped).unlink()
    _, report = run_grader(learner, unstamped, references, tmp_path / "cache", "--no-held-out")
    assert report["data"]["toy[sample]"]["references"] == "live"
    assert report["percent"] == 100.0

    # `make reference` on a download stores references that grading on it then uses, until a
    # file of the download changes
    download_references = tmp_path / "download-ref"
    with Sandbox(workers=1) as sandbox:
        computed = compute_references(TOY_TABLE, "toy", unstamped, TOY_SOLUTIONS, sandbox)
    write_references(computed, download_references)
    _, report = run_grader(
        learner, unstamped, download_references, tmp_path / "cache", "--no-held-out"
    )
    assert report["data"]["toy[sample]"]["references"] == "stored"
    (unstamped / "added-later.txt").write_text("a file the download did not have\n")
    completed, report = run_grader(
        learner, unstamped, download_references, tmp_path / "cache", "--no-held-out"
    )
    assert report["data"]["toy[sample]"]["references"] == "live"
    assert "was made with another listing" in completed.stdout


def test_references_are_written_with_the_data_fingerprint(toy_data, tmp_path):
    with Sandbox(workers=1) as sandbox:
        computed = compute_references(TOY_TABLE, "toy", toy_data, TOY_SOLUTIONS, sandbox)
    written = write_references(computed, tmp_path)
    names = sorted(path.name for path in written)
    assert names == sorted(f"{name}.json" for name in TOY_TABLE.calls)
    assert (tmp_path / "toy" / "grid-array-0.npz").is_file()
    text = (tmp_path / "toy" / "total.json").read_text()
    assert '"seed": 3' in text
    assert '"scale": "sample"' in text
    again = write_references(computed, tmp_path)
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in again)).hexdigest()
    first = hashlib.sha256(b"".join(path.read_bytes() for path in written)).hexdigest()
    assert digest == first


def test_stored_references_of_an_older_format_are_not_used_and_the_run_says_why(
    toy_data, learner, tmp_path
):
    references = tmp_path / "ref"
    with Sandbox(workers=1) as sandbox:
        computed = compute_references(TOY_TABLE, "toy", toy_data, TOY_SOLUTIONS, sandbox)
    write_references(computed, references)
    stored = references / "toy" / "total.json"
    document = json.loads(stored.read_text())
    document["format"] -= 1
    stored.write_text(json.dumps(document))
    completed, report = run_grader(
        learner, toy_data, references, tmp_path / "cache", "--no-held-out"
    )
    assert report["data"]["toy[sample]"]["references"] == "live"
    assert f"total.json has format {FORMAT_VERSION - 1}, this grader reads" in completed.stdout
    assert report["percent"] == 100.0


def test_stored_references_of_other_solutions_are_not_used(toy_data, learner, tmp_path):
    solutions = tmp_path / "reference-solutions"
    shutil.copytree(TOY_SOLUTIONS, solutions)
    references = tmp_path / "ref"
    with Sandbox(workers=1) as sandbox:
        computed = compute_references(TOY_TABLE, "toy", toy_data, solutions, sandbox)
    write_references(computed, references)
    edited = solutions / "toy_eda.py"
    edited.write_text(edited.read_text() + "\n# an instructor's edit\n")

    completed, report = run_grader(
        learner, toy_data, references, tmp_path / "cache", "--no-held-out",
        "--reference-solutions", str(solutions),
    )  # fmt: skip

    assert report["data"]["toy[sample]"]["references"] == "live"
    assert "was made with another solutions" in completed.stdout


def test_a_table_with_its_key_in_the_index_passes(toy_data, learner, tmp_path):
    edit(
        learner / "toy_eda.py",
        'return values.assign(doubled=2 * values["value"])',
        'return values.assign(doubled=2 * values["value"]).set_index("id")',
    )
    completed, report = run_grader(
        learner, toy_data, tmp_path / "ref", tmp_path / "cache", "--no-held-out"
    )
    assert outcomes(report)["toy-table[sample]"], completed.stdout[-3000:]


def test_only_the_calls_of_the_selected_checks_run(toy_data):
    with Sandbox(workers=1) as sandbox:
        references = compute_references(TOY_TABLE, "toy", toy_data, TOY_SOLUTIONS, sandbox)
        run = GradingRun(
            TOY_SOLUTIONS,
            [Variant("sample", references)],
            TOY_TABLE,
            sandbox,
            selected=frozenset({("toy-total", "sample"), ("toy-count", "sample")}),
        )
        run.run_calls()

    assert set(run.results) == {("sample", "total"), ("sample", "stats")}
