"""Building and serving a copy of the course site, for the tests and `make bench`.

The site is built in a subprocess with the options of `make html` (and served with those of
`make live`), as a user builds it, so a test or a benchmark sees exactly what the user sees.
"""

import http.client
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The checkout's top folder: it holds ``conf.py`` and ``docs/``."""

SPHINX_STRICT = ["-W", "--keep-going", "-n"]
"""The strictness of `make html`: a warning fails the build, all of them are reported."""


SPHINX_REPORT = re.compile(r"^.*(?:^|: )(?:WARNING|ERROR|CRITICAL): .*$", re.M)
"""A line in which Sphinx reports a problem ("file:line: WARNING: ..."); the Jupyter kernel's
own log lines ("[IPKernelApp] WARNING | ...") do not count."""


def sphinx_reports(output: str) -> list[str]:
    """The problems that a Sphinx build (or sphinx-autobuild) printed in ``output``."""
    return SPHINX_REPORT.findall(output)


def sphinx_options(confdir: Path, outdir: Path) -> list[str]:
    """Options of ``sphinx-build`` and ``sphinx-autobuild``: strict, doctrees beside ``outdir``."""
    return [*SPHINX_STRICT, "-c", str(confdir), "-d", str(outdir.parent / "doctrees")]


def build_site(outdir: Path, confdir: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    """Build the site of ``confdir`` (its ``docs/``) into ``outdir``, strictly; never raises."""
    command = [
        sys.executable,
        "-m",
        "sphinx",
        *sphinx_options(confdir, outdir),
        str(confdir / "docs"),
        str(outdir),
    ]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=confdir)


def copy_site(destination: Path, executed_cache: Path | None = None) -> Path:
    """Copy ``conf.py``, ``docs/``, the ``solutions/`` that the exercise pages quote and the
    ``notebooks/`` they offer for download to ``destination``; returns it, ready to build.

    ``executed_cache`` (a ``.jupyter_cache`` folder of an earlier build) is copied beside the
    copy's future output, so that its first build re-uses the executed notebooks.
    """
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO_ROOT / "conf.py", destination / "conf.py")
    for folder in ("docs", "solutions", "notebooks"):
        shutil.copytree(REPO_ROOT / folder, destination / folder, dirs_exist_ok=True)
    if executed_cache is not None and executed_cache.is_dir():
        shutil.copytree(
            executed_cache, destination / "_build" / ".jupyter_cache", dirs_exist_ok=True
        )
    return destination


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch_text(url: str) -> str | None:
    """The body of ``url``, or None while the server does not answer it."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (our own loopback)
            return response.read().decode("utf-8", errors="replace")
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError):
        return None


def wait_for_text(url: str, text: str, timeout: float, interval: float = 0.05) -> float:
    """Poll ``url`` until its body contains ``text``; returns the seconds it took.

    Raises TimeoutError naming the address and the text when ``timeout`` seconds pass.
    """
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        body = fetch_text(url)
        if body is not None and text in body:
            return time.perf_counter() - start
        time.sleep(interval)
    raise TimeoutError(f"{url} did not show {text!r} within {timeout:.0f} s")


@contextmanager
def live_server(site: Path, port: int, log: Path) -> Iterator[str]:
    """Run `make live`'s ``sphinx-autobuild`` on the site copy ``site``; yields its base URL.

    The server's output goes to ``log``; the server is stopped on exit.
    """
    outdir = site / "_build" / "html"
    command = [
        sys.executable,
        "-m",
        "sphinx_autobuild",
        *sphinx_options(site, outdir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--ignore",
        "*.ipynb_checkpoints*",
        str(site / "docs"),
        str(outdir),
    ]
    with log.open("w") as log_file:
        server = subprocess.Popen(command, cwd=site, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
