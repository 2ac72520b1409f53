"""Executed pages: they re-execute when their data or imported code changes, not when their
text does, and a build prints no kernel warning and no parser configuration.

Real strict builds of a tiny project (``tests/roots/test-execution-inputs``, with the site's
execution_inputs, page_kernels and quiet_output extensions) whose one page prints an
environment variable (the stand-in for ``SIIM_DATA_DIR``) and a file outside the page (the
stand-in for ``solutions/``).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from imaging_course.site_build import SPHINX_STRICT

EXECUTED = "Executing notebook"


@pytest.fixture
def project(rootdir, tmp_path) -> Path:
    source = tmp_path / "source"
    shutil.copytree(rootdir / "test-execution-inputs", source)
    return source


def build(source: Path, folder: str) -> tuple[str, str]:
    """Build strictly with ``INPUTS_TEST_FOLDER=folder``: (the page's HTML, Sphinx's output)."""
    outdir = source.parent / "_build" / "html"
    command = [sys.executable, "-m", "sphinx", *SPHINX_STRICT, str(source), str(outdir)]
    environment = {**os.environ, "INPUTS_TEST_FOLDER": folder}
    result = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    return (outdir / "index.html").read_text(encoding="utf-8"), output


def test_another_data_folder_reexecutes_the_page(project):
    html, first = build(project, "/data/sample")
    assert "folder: /data/sample" in html
    assert EXECUTED in first

    html, second = build(project, "/data/real-download")

    assert EXECUTED in second
    assert "folder: /data/real-download" in html
    assert "/data/sample" not in html


def test_a_changed_input_file_reexecutes_the_page(project):
    build(project, "/data/sample")
    (project / "inputs" / "module.txt").write_text("second version\n", encoding="utf-8")

    html, output = build(project, "/data/sample")

    assert EXECUTED in output
    assert "module: second version" in html


def test_unchanged_inputs_execute_nothing_and_earlier_inputs_find_their_cache(project):
    build(project, "/data/sample")
    _, unchanged = build(project, "/data/sample")
    build(project, "/data/real-download")

    html, back = build(project, "/data/sample")

    assert EXECUTED not in unchanged
    assert EXECUTED not in back  # the sample's executed notebook is still in its own cache
    assert "folder: /data/sample" in html


def test_a_text_edit_executes_nothing(project):
    build(project, "/data/sample")
    page = project / "index.md"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "which an author may edit", "edited by its author"
        ),
        encoding="utf-8",
    )

    html, output = build(project, "/data/sample")

    assert "edited by its author" in html
    assert EXECUTED not in output
    assert "folder: /data/sample" in html


def test_a_build_prints_no_kernel_warning_and_no_parser_configuration(project):
    _, output = build(project, "/data/sample")
    assert EXECUTED in output  # a kernel did run
    assert "Kernel is running over TCP" not in output
    assert "MdParserConfig(" not in output
    assert "NbParserConfig(" not in output
