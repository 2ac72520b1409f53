"""SIIM generation speed and memory: tiny and sample runs in a subprocess, full estimated.

Each run is a fresh ``python -m imaging_course.datasets`` process writing to a temporary
folder, so its peak resident memory is that of the generator alone
(``getrusage(RUSAGE_CHILDREN)`` after it exits; Linux reports kilobytes).
"""

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from imaging_course.datasets.siim.plan import SIIM_SCALES


def _generate(scale: str, out: Path) -> tuple[float, int, int, int]:
    """Seconds, files, bytes written and peak RSS (kB, the largest child so far)."""
    command = [sys.executable, "-m", "imaging_course.datasets", "generate", "siim"]
    command += ["--scale", scale, "--seed", "0", "--out", str(out), "--quiet"]
    start = time.perf_counter()
    subprocess.run(command, check=True)
    seconds = time.perf_counter() - start
    files = [path for path in out.rglob("*") if path.is_file()]
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, len(files), sum(path.stat().st_size for path in files), peak_kb


def run() -> None:
    """Print wall time, files/s, MB/s and peak RSS for tiny and sample, and a full estimate."""
    with tempfile.TemporaryDirectory(prefix="bench-siim-") as scratch:
        rate = 0.0
        for scale in ("tiny", "sample"):
            seconds, files, size, peak_kb = _generate(scale, Path(scratch) / scale)
            rate = files / seconds
            print(
                f"siim {scale:<6} {seconds:6.1f} s  {files:5d} files  {rate:6.1f} files/s  "
                f"{size / 1e6 / seconds:5.1f} MB/s  peak RSS {peak_kb / 1024:6.0f} MB"
            )
    full = SIIM_SCALES["full"]
    full_files = full.train + full.test
    print(
        f"siim full   about {full_files / rate / 60:.0f} min for {full_files} files "
        f"at the sample rate (memory stays flat: files stream one at a time)"
    )
