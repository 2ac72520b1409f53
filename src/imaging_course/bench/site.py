"""Site build speed: cold build, no-change rebuild, one-page edit, save-to-served (`make live`).

All figures come from a copy of the site in a temporary folder, so the benchmark never touches
``_build/``. The anchor is a toy site (one page, MyST-NB and the book theme, nothing of ours)
rebuilt with no change in the same run: our no-change rebuild divided by it says what our own
extensions and pages cost.
"""

import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from imaging_course.site_build import (
    build_site,
    copy_site,
    free_port,
    live_server,
    sphinx_options,
    wait_for_text,
)

EDITED_PAGE = "medical-imaging/optional-reading"
LIVE_EDITS = 3
TOY_CONF = 'extensions = ["myst_nb"]\nhtml_theme = "sphinx_book_theme"\n'
TOY_PAGE = "# Toy\n\nOne page of text.\n"


def _timed_build(site: Path) -> float:
    start = time.perf_counter()
    result = build_site(site / "_build" / "html", confdir=site)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"the site copy in {site} failed to build:\n{result.stderr[-3000:]}")
    return elapsed


def _toy_rebuild_seconds(folder: Path) -> float:
    (folder / "docs").mkdir(parents=True)
    (folder / "conf.py").write_text(TOY_CONF, encoding="utf-8")
    (folder / "docs" / "index.md").write_text(TOY_PAGE, encoding="utf-8")
    outdir = folder / "_build" / "html"
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-q",
        *sphinx_options(folder, outdir),
        str(folder / "docs"),
        str(outdir),
    ]
    subprocess.run(command, check=True, cwd=folder)
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=folder)
    return time.perf_counter() - start


def _append_marker(source: Path) -> str:
    marker = f"Edited-{uuid.uuid4().hex}"
    source.write_text(source.read_text(encoding="utf-8") + f"\n\n{marker}\n", encoding="utf-8")
    return marker


def run() -> None:
    """Print the four site figures and the toy anchor."""
    with tempfile.TemporaryDirectory(prefix="bench-site-") as scratch_name:
        scratch = Path(scratch_name)
        site = copy_site(scratch / "site")
        cold = _timed_build(site)
        no_change = _timed_build(site)
        _append_marker(site / "docs" / f"{EDITED_PAGE}.md")
        one_edit = _timed_build(site)
        toy = _toy_rebuild_seconds(scratch / "toy")

        live_site = copy_site(scratch / "live", executed_cache=site / "_build" / ".jupyter_cache")
        source = live_site / "docs" / f"{EDITED_PAGE}.md"
        with live_server(live_site, free_port(), scratch / "live.log") as base_url:
            page_url = f"{base_url}/{EDITED_PAGE}.html"
            wait_for_text(page_url, "Optional", timeout=900)
            time.sleep(2)  # let the server settle after its first build
            seen = []
            for _ in range(LIVE_EDITS):
                seen.append(wait_for_text(page_url, _append_marker(source), timeout=120))
                time.sleep(1)

    print(f"cold build (with notebook execution)  {cold:7.1f} s")
    print(f"no-change rebuild                     {no_change:7.1f} s   (goal <= 3 s)")
    print(f"one-page edit rebuild                 {one_edit:7.1f} s")
    print(
        f"save -> live server serves the edit   {statistics.median(seen):7.1f} s   "
        f"(median of {LIVE_EDITS}; goal <= 3 s)"
    )
    print(
        f"anchor: toy site no-change rebuild    {toy:7.1f} s   (ours / toy = {no_change / toy:.2f})"
    )
