"""LiTS stand-in generation speed and memory: tiny, sample, and full estimated from 2 cases.

Each generation runs in a fresh interpreter so its peak resident memory (``os.wait4``'s
``ru_maxrss`` of that child alone) is its own. The anchor is writing the same number of bytes
of zeros to the same disk, in 16-slice chunks, in the same run: generation MB/s divided by it
says how much of the time is painting rather than writing. ``full`` (131 cases, about 54 GB)
is never written whole: the two cases with the most slices are, and the time is extrapolated
to every case by voxel count. Goals: tiny < 5 s, sample < 60 s (30 s on one core), full peak
memory < 1 GB.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from imaging_course.datasets.lits.cases import plan_lits
from imaging_course.datasets.lits.generate import case_bytes

SEED = 0
FULL_SAMPLE_CASES = 2
MB = 1e6

GENERATE_SCALE = (
    "import sys; from pathlib import Path; "
    "from imaging_course.datasets.lits.generate import generate_lits; "
    "generate_lits(Path(sys.argv[1]), scale=sys.argv[2], seed=int(sys.argv[3]), progress=False)"
)
GENERATE_FULL_CASES = (
    "import sys; from pathlib import Path; "
    "from imaging_course.bench.lits_generation import write_full_cases; "
    "write_full_cases(Path(sys.argv[1]), [int(n) for n in sys.argv[2].split(',')])"
)
WRITE_ZEROS = (
    "import sys, numpy as np; chunk = np.zeros(512 * 512 * 16 * 3, np.uint8); "
    "left = int(sys.argv[2]); out = open(sys.argv[1], 'wb')\n"
    "while left > 0:\n"
    "    out.write(chunk[: min(left, chunk.size)].tobytes()); left -= chunk.size\n"
    "out.close()"
)


def write_full_cases(out: Path, case_ids: list[int]) -> None:
    """Write the ``full``-scale cases ``case_ids`` (seed :data:`SEED`) into ``out``."""
    from imaging_course.datasets.lits.generate import write_case  # noqa: PLC0415

    for plan in plan_lits("full", SEED):
        if plan.case_id in case_ids:
            write_case(out, plan)


def _timed_child(code: str, *arguments: str) -> tuple[float, float]:
    """Seconds and peak resident memory (MB) of ``python -c code arguments``."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code, *arguments])
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"benchmark child failed: python -c {code!r} {' '.join(arguments)}")
    return elapsed, usage.ru_maxrss * 1024 / MB  # ru_maxrss is in KiB on Linux


def _folder_figures(root: Path) -> tuple[int, float]:
    files = list(root.rglob("*.nii"))
    return len(files), sum(path.stat().st_size for path in files) / MB


def _anchor_mb_per_s(folder: Path, megabytes: float) -> float:
    seconds, _ = _timed_child(WRITE_ZEROS, str(folder / "zeros.bin"), str(int(megabytes * MB)))
    (folder / "zeros.bin").unlink()
    return megabytes / seconds


def run() -> None:
    """Print tiny and sample generation figures and the full-scale estimate."""
    with tempfile.TemporaryDirectory(prefix="bench-lits-") as scratch_name:
        scratch = Path(scratch_name)
        for scale in ("tiny", "sample"):
            out = scratch / scale
            seconds, peak_mb = _timed_child(GENERATE_SCALE, str(out), scale, str(SEED))
            files, megabytes = _folder_figures(out)
            anchor = _anchor_mb_per_s(scratch, megabytes)
            print(
                f"{scale:<6} {files:4d} files {megabytes:8.1f} MB in {seconds:6.2f} s: "
                f"{files / seconds:6.1f} files/s, {megabytes / seconds:6.1f} MB/s "
                f"(anchor: writing zeros {anchor:6.0f} MB/s), peak RSS {peak_mb:5.0f} MB",
                flush=True,
            )
            for path in out.rglob("*.nii"):
                path.unlink()

        plans = plan_lits("full", SEED)
        biggest = sorted(plans, key=lambda plan: plan.shape[2])[-FULL_SAMPLE_CASES:]
        ids = ",".join(str(plan.case_id) for plan in biggest)
        seconds, peak_mb = _timed_child(GENERATE_FULL_CASES, str(scratch / "full"), ids)
        written = sum(case_bytes(plan) for plan in biggest)
        total = sum(case_bytes(plan) for plan in plans)
        slices = [plan.shape[2] for plan in plans]
        print(
            f"full   {FULL_SAMPLE_CASES} largest cases ({ids}; "
            f"{', '.join(str(p.shape[2]) for p in biggest)} slices) {written / MB:7.0f} MB "
            f"in {seconds:6.1f} s, peak RSS {peak_mb:5.0f} MB (goal < 1000 MB)"
        )
        print(
            f"full   estimate for {len(plans)} cases ({total / 1e9:.1f} GB, slices "
            f"{min(slices)}-{max(slices)}, median {int(np.median(slices))}): "
            f"{seconds * total / written / 60:.1f} min"
        )
