"""Site build speed: `make html` cold and with no change, and `make live` from save to served.

The `make html` figures time the make command itself, as a user runs it (the check of the
sample data, then sphinx-build), building into a temporary folder (``BUILDDIR``), so the
benchmark never touches ``_build/``. The anchor is a toy site (one page, MyST-NB and the book
theme, nothing of ours) rebuilt with no change in the same run, alternating with ours: ours
divided by it says what our pages, extensions and data check cost.

The live figures come from a live server (`make live`'s ``sphinx-autobuild``) on a copy of the
site: an edit of a text-only paragraph is saved, and the clock stops when the server serves the
page with it, for a page with code cells (they must not run again) and a page without.
"""

import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from imaging_course.site_build import (
    REPO_ROOT,
    copy_site,
    free_port,
    live_server,
    sphinx_options,
    wait_for_text,
)

REPEATS = 3
LIVE_PAGES = {
    "with code cells": "medical-imaging/dicom",
    "without cells": "medical-imaging/optional-reading",
}
TOY_CONF = 'extensions = ["myst_nb"]\nhtml_theme = "sphinx_book_theme"\n'
TOY_PAGE = "# Toy\n\nOne page of text.\n"
TITLE = re.compile(r"^# .+\n\n", re.MULTILINE)


def _make_html(build_dir: Path) -> float:
    """Seconds of ``make html BUILDDIR=build_dir`` in the checkout; fails loudly on an error."""
    command = ["make", "--no-print-directory", "html", f"BUILDDIR={build_dir}"]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-3000:]
        raise RuntimeError(f"make html BUILDDIR={build_dir} failed:\n{output}")
    return elapsed


def _toy_command(folder: Path) -> list[str]:
    """Build the toy site in ``folder`` (written on first use), as quietly as ours builds."""
    if not (folder / "conf.py").is_file():
        (folder / "docs").mkdir(parents=True)
        (folder / "conf.py").write_text(TOY_CONF, encoding="utf-8")
        (folder / "docs" / "index.md").write_text(TOY_PAGE, encoding="utf-8")
    outdir = folder / "_build" / "html"
    return [sys.executable, "-m", "sphinx", *sphinx_options(folder, outdir), "docs", str(outdir)]


def _timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=cwd, capture_output=True)
    return time.perf_counter() - start


def _edit_first_paragraph(source: Path) -> str:
    """Put a new word at the start of the paragraph under the page's title; returns it."""
    marker = f"Edited{uuid.uuid4().hex}"
    text = source.read_text(encoding="utf-8")
    title = TITLE.search(text)
    if title is None:
        raise RuntimeError(f"{source}: no '# title' followed by a paragraph to edit")
    source.write_text(f"{text[: title.end()]}{marker} {text[title.end() :]}", encoding="utf-8")
    return marker


def _live_seconds(site: Path, log: Path) -> dict[str, float]:
    """Median seconds from save to served, per kind of page of LIVE_PAGES."""
    seen: dict[str, list[float]] = {kind: [] for kind in LIVE_PAGES}
    with live_server(site, free_port(), log) as base_url:
        wait_for_text(f"{base_url}/index.html", "Medical Imaging", timeout=900)
        time.sleep(2)  # let the server settle after its first build
        for _ in range(REPEATS):
            for kind, page in LIVE_PAGES.items():
                marker = _edit_first_paragraph(site / "docs" / f"{page}.md")
                seen[kind].append(wait_for_text(f"{base_url}/{page}.html", marker, timeout=120))
                time.sleep(1)
    log_text = log.read_text(encoding="utf-8", errors="replace")
    if "Executing notebook" in log_text.split("Serving on", 1)[-1]:
        raise RuntimeError(f"a text edit executed a page's cells again; see {log}")
    return {kind: statistics.median(times) for kind, times in seen.items()}


def run() -> None:
    """Print the `make html` and `make live` figures beside the toy anchor."""
    with tempfile.TemporaryDirectory(prefix="bench-site-") as scratch_name:
        scratch = Path(scratch_name)
        build_dir = scratch / "make" / "_build"
        cold = _make_html(build_dir)
        toy_command = _toy_command(scratch / "toy")
        _timed(toy_command, scratch / "toy")  # the toy's own first build
        no_change, toy = [], []
        for _ in range(REPEATS):
            no_change.append(_make_html(build_dir))
            toy.append(_timed(toy_command, scratch / "toy"))
        no_change_s, toy_s = statistics.median(no_change), statistics.median(toy)

        live_site = copy_site(scratch / "live", executed_cache=build_dir / ".jupyter_cache")
        live = _live_seconds(live_site, scratch / "live.log")

    print(f"cold `make html` (executes every page)        {cold:7.1f} s")
    print(
        f"no-change `make html` (data check + Sphinx)   {no_change_s:7.2f} s   "
        f"(median of {REPEATS}; goal <= 1.5 s on a quiet machine)"
    )
    print(
        f"anchor: toy Sphinx + MyST-NB + book theme     {toy_s:7.2f} s   "
        f"(no-change rebuild; ours / toy = {no_change_s / toy_s:.2f})"
    )
    for kind, page in LIVE_PAGES.items():
        print(
            f"`make live` text edit -> served, {kind:<15} {live[kind]:5.1f} s   "
            f"({page}; median of {REPEATS}; goal <= 3 s)"
        )
