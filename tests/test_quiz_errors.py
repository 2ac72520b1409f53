"""Invalid quizzes stop the build, naming the file and the line of what is wrong.

tests/roots/test-quiz-errors holds one invalid quiz a page. Each test finds the bad line in the
page's own source (the opening ``:::{quiz}``, the second ``- [x]``, the ``:answer:`` line, ...)
and looks for ``<file>:<line>: ERROR:`` in what Sphinx printed.
"""

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_colors

ROOT = "test-quiz-errors"


@dataclass(frozen=True)
class Built:
    src: Path
    warnings: str
    statuscode: int


def build(src: Path, dest: Path, *, parallel: int = 0) -> Built:
    warnings = StringIO()
    app = SphinxTestApp(
        "html",
        srcdir=src,
        builddir=dest,
        status=StringIO(),
        warning=warnings,
        parallel=parallel,
    )
    try:
        app.build()
    finally:
        app.cleanup()
    return Built(src, strip_colors(warnings.getvalue()), app.statuscode)


@pytest.fixture(scope="module")
def source(rootdir, tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("quiz-errors") / "src"
    shutil.copytree(rootdir / ROOT, src)
    return src


@pytest.fixture(scope="module")
def built(source, tmp_path_factory) -> Built:
    return build(source, tmp_path_factory.mktemp("quiz-errors-build"))


def line_of(path: Path, pattern: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th line of ``path`` matching ``pattern``."""
    matches = [
        number
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.match(pattern, line)
    ]
    assert len(matches) >= occurrence, f"{path.name}: fewer than {occurrence} lines match"
    return matches[occurrence - 1]


def error_at(warnings: str, path: Path, line: int) -> str:
    """The error message reported at ``path:line`` (fails the test if there is none)."""
    match = re.search(rf"^{re.escape(str(path))}:{line}: ERROR: (.*)$", warnings, re.MULTILINE)
    assert match, f"no error at {path.name}:{line} in:\n{warnings}"
    return match.group(1)


@pytest.mark.parametrize(
    ("page", "pattern", "occurrence", "says"),
    [
        ("no-correct", r":::\{quiz\}", 1, "no correct answer"),
        ("several-correct", r"- \[x\]", 2, "single choice question with 2 correct choices"),
        ("bad-answer", r":answer:", 1, "is not a number"),
        ("bad-tolerance", r":tolerance:", 1, "'about two'"),
        ("missing-id", r":::\{quiz\}", 1, "quiz has no :id:"),
        ("missing-glue", r":answer:", 1, "glue key 'n_series' not found"),
    ],
)
def test_invalid_quiz_is_reported_at_its_file_and_line(built, page, pattern, occurrence, says):
    path = built.src / f"{page}.md"
    assert says in error_at(built.warnings, path, line_of(path, pattern, occurrence))


def test_duplicate_id_across_pages_names_both_places(built):
    first = built.src / "duplicate-a.md"
    second = built.src / "duplicate-b.md"
    first_line = line_of(first, r":::\{quiz\}")
    second_line = line_of(second, r":::\{quiz\}")
    message = error_at(built.warnings, second, second_line)
    assert "duplicate quiz :id: 'same-id'" in message
    assert f"{first}:{first_line}" in message
    assert f"{second}:{second_line}" in message


def test_invalid_quizzes_fail_the_build_without_w(built):
    assert built.statuscode == 1
    assert "7 invalid quiz(zes) fail this build" in built.warnings


def test_unchanged_rebuild_still_fails(built, source, tmp_path_factory):
    """The problems live in the environment, so a build that re-reads nothing still fails."""
    dest = tmp_path_factory.mktemp("quiz-errors-rebuild")
    build(source, dest)
    again = build(source, dest)
    assert again.statuscode == 1
    assert "7 invalid quiz(zes) fail this build" in again.warnings
    bad_answer = source / "bad-answer.md"
    assert f"{bad_answer}:{line_of(bad_answer, ':answer:')}: " in again.warnings


def test_duplicate_id_found_by_a_parallel_build(rootdir, tmp_path):
    """Pages read in different processes: the collector merges them, so the clash is seen."""
    src = tmp_path / "src"
    shutil.copytree(rootdir / ROOT, src)
    parallel = build(src, tmp_path / "_build", parallel=2)
    second = src / "duplicate-b.md"
    message = error_at(parallel.warnings, second, line_of(second, r":::\{quiz\}"))
    assert "duplicate quiz :id: 'same-id'" in message
    assert parallel.statuscode == 1


@pytest.mark.parametrize("options", [["-W", "--keep-going"], []], ids=["strict", "plain"])
def test_sphinx_build_exits_non_zero(rootdir, tmp_path, options):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-q",
            *options,
            str(rootdir / ROOT),
            str(tmp_path / "html"),
            "-d",
            str(tmp_path / "doctrees"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    no_correct = rootdir / ROOT / "no-correct.md"
    line = line_of(no_correct, r":::\{quiz\}")
    assert f"{no_correct}:{line}: ERROR:" in result.stderr
