"""Fixtures shared by the project's tests.

Tiny Sphinx projects live under ``tests/roots/test-<name>/`` and are built for real with
``sphinx.testing`` (``@pytest.mark.sphinx("html", testroot="<name>")``). The whole site is
built once per session, into a temporary folder, by :func:`built_site`; a tiny dataset of each
of the registry's datasets and the course's references on them, once per session, by
:func:`tiny_course`.
"""

import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from myst_nb.core.read import read_myst_markdown_notebook
from myst_nb.ext.glue import GLUE_PREFIX
from nbclient import NotebookClient

from imaging_course.course_modules import SOLUTIONS_DIR
from imaging_course.datasets.registry import DATASETS
from imaging_course.datasets.stamp import read_stamp
from imaging_course.grader.course import course_table
from imaging_course.grader.reference import ReferenceSet, compute_references
from imaging_course.grader.sandbox import Sandbox
from imaging_course.site_build import REPO_ROOT, build_site

pytest_plugins = ["sphinx.testing.fixtures", "real_file_kinds"]

os.environ["NO_COLOR"] = "1"
"""The tests read what Sphinx, sphinx-autobuild, make and the grader print as plain text. Sphinx
colours its output whenever ``CI`` is true or ``FORCE_COLOR`` is set, even into a pipe, and
pytest does with ``FORCE_COLOR``; ``NO_COLOR`` (https://no-color.org), which both honour before
those, keeps escape codes out of what the tests' subprocesses print."""

SHARED_FIXTURES = ("built_site", "served_site", "pytest.mark.site", "tiny_course")
"""What marks a test file as using a session fixture that costs a minute or more (the built
site, the tiny course's references): under pytest-xdist (`make test` runs ``-n auto --dist
loadgroup``) such files run on one worker, which makes it once, not once per worker (see
:func:`pytest_xdist_make_scheduler`)."""

CHROMIUM = os.environ.get("COURSE_TEST_CHROMIUM", "/usr/bin/chromium")
"""Debian's chromium: the browser tests drive it (Playwright's own download does not work here).
``COURSE_TEST_CHROMIUM`` names another binary (the test of the missing-browser message)."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where ``sphinx.testing`` finds the ``test-<name>`` roots."""
    return Path(__file__).resolve().parent / "roots"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's top folder (holds ``conf.py``, ``docs/``, ``Makefile``)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def sample_data() -> dict[str, Path]:
    """Each dataset's folder by name (its sample, or the download its variable names), the
    samples generated as `make data` does when they are missing."""
    roots = {name: dataset.root() for name, dataset in DATASETS.items()}
    for name, root in roots.items():
        if read_stamp(root) is None:
            subprocess.run(
                [
                    *(sys.executable, "-m", "imaging_course.datasets", "generate", name),
                    *("--scale", "sample", "--seed", "0", "--out", str(root), "--quiet"),
                ],
                check=True,
            )
    return roots


@dataclass(frozen=True)
class BuiltSite:
    """A strict build of the whole site: where it went and what Sphinx printed."""

    html: Path
    returncode: int
    output: str


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, sample_data) -> BuiltSite:
    """The whole site built once per session with the options of `make html`."""
    outdir = tmp_path_factory.mktemp("site") / "html"
    result = build_site(outdir)
    return BuiltSite(outdir, result.returncode, result.stdout + result.stderr)


def _run_card(card: Path) -> dict[str, str]:
    """Execute ``card``'s code cells in a fresh kernel (which inherits this process's
    environment); return the text of each value the cells glue, by name."""
    notebook = read_myst_markdown_notebook(card.read_text(encoding="utf-8"))
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=300, resources={"metadata": {"path": card.parent}}
    )
    client.execute()
    return {
        output["metadata"]["scrapbook"]["name"]: output["data"][f"{GLUE_PREFIX}text/plain"]
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if "scrapbook" in output.get("metadata", {})
    }


@pytest.fixture
def run_card():
    """Run a dataset card's code cells as `make html` does, without a whole Sphinx build."""
    return _run_card


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, launched once for the session through Playwright.

    Without it, every browser test fails with one line that says what to install, not with
    Playwright's stack trace.
    """
    if shutil.which(CHROMIUM) is None:
        pytest.fail(
            f"{CHROMIUM} not found: the browser tests need Debian's chromium "
            "(apt-get install chromium)",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 (browser tests only)

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without logging each request to stderr."""

    def log_message(self, format: str, *args) -> None:
        """Say nothing: pytest shows stderr of failing tests only, and this is noise there."""


@pytest.fixture(scope="session")
def served_site(built_site):
    """The session's built site served over HTTP on 127.0.0.1 (as `make serve` does); its URL."""
    handler = partial(_QuietHandler, directory=str(built_site.html))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass(frozen=True)
class TinyCourse:
    """A tiny dataset (seed 31) of each dataset under ``base/<name>``, and the course's
    references on each."""

    base: Path
    references: dict[str, ReferenceSet]


@pytest.fixture(scope="session")
def tiny_course(tmp_path_factory) -> TinyCourse:
    """Tiny datasets of another seed than the sample's, and the reference solutions' outputs
    on them (computed in the sandbox, as grading does)."""
    base = tmp_path_factory.mktemp("course")
    for name, dataset in DATASETS.items():
        dataset.generator_function()(base / name, scale="tiny", seed=31, progress=False)
    table = course_table()
    with Sandbox() as sandbox:
        references = {
            name: compute_references(table, name, base / name, SOLUTIONS_DIR, sandbox)
            for name in table.datasets()
        }
    return TinyCourse(base, references)


def _group_of_file(path: str, groups: dict[str, str]) -> str:
    """The worker group of a test file: the first of :data:`SHARED_FIXTURES` its text names
    (files that name ``built_site`` share one group), or the file itself."""
    if path not in groups:
        text = (Path(__file__).parent.parent / path).read_text(encoding="utf-8")
        shared = [name for name in SHARED_FIXTURES if name in text]
        groups[path] = (
            "site" if shared and shared[0] != "tiny_course" else ("tiny_course" if shared else path)
        )
    return groups[path]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup``: whole files go to a worker, and the files of one shared fixture
    together, so that module fixtures (a generated dataset, a graded class) and each costly
    session fixture are made once per run.

    xdist's own loadgroup reads ``xdist_group`` marks by renaming node ids, which pytest 9.2
    no longer allows (xdist 3.8 then spreads a file's tests over workers); this scheduler
    groups by the node id's file instead, which it can read on the controller.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling  # noqa: PLC0415 (only under xdist)

    groups: dict[str, str] = {}

    class SharedFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _group_of_file(nodeid.split("::", 1)[0], groups)

    return SharedFixtureScheduling(config, log)
