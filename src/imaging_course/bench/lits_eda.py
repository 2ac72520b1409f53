"""EDA speed of the LiTS reference solution: ``case_statistics`` of ``solutions/lits_eda.py``.

``case_statistics`` in MB/s of volume and segmentation files read (goal >= 500) and its peak
memory (goal: about two slabs plus a fixed overhead): the arrays' peak as ``tracemalloc``
counts it, and the resident set's growth, against ``np.fromfile`` and ``get_fdata()`` of the
same files, on the sample data (:func:`~imaging_course.bench.measure.sample_data`). Each
figure is the best of :data:`~imaging_course.bench.measure.REPEATS` runs, each in a fresh
interpreter so that its peak memory is its own.
"""

import json
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from imaging_course.bench.measure import MB, REPEATS, sample_data
from imaging_course.course_modules import load_course_module


def _lits_worker(task: str, root: Path) -> dict:
    """Run one LiTS task in this process; return seconds, bytes read and peak memory."""
    import nibabel as nib  # noqa: PLC0415  (imported before the baseline is taken)
    import numpy as np  # noqa: PLC0415

    lits_eda = load_course_module("lits_eda")
    from imaging_course.datasets.lits.layout import find_lits_cases  # noqa: PLC0415

    cases = find_lits_cases(root)
    files = [path for case in cases for path in (case.volume, case.segmentation)]
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()  # NumPy reports its buffers to tracemalloc: the arrays' true peak
    start = time.perf_counter()
    if task == "case_statistics":
        lits_eda.case_statistics(root)
    elif task == "fromfile":
        for path in files:
            np.fromfile(path, dtype=np.uint8)
    elif task == "get_fdata":
        for path in files:
            nib.load(path).get_fdata()
    else:
        raise ValueError(f"unknown LiTS benchmark task {task!r}")
    seconds = time.perf_counter() - start
    _, peak_traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    largest = max(cases, key=lambda case: nib.load(case.volume).shape[2])
    volume, segmentation = nib.load(largest.volume), nib.load(largest.segmentation)
    nx, ny, nz = volume.shape[:3]
    voxel_bytes = volume.get_data_dtype().itemsize + segmentation.get_data_dtype().itemsize
    return {
        "seconds": seconds,
        "bytes": sum(path.stat().st_size for path in files),
        "peak_traced_bytes": peak_traced,
        "peak_rss_extra_bytes": (peak_kb - baseline_kb) * 1024,
        "slab_bytes": nx * ny * lits_eda.SLAB_SLICES * voxel_bytes,
        "largest_volume_bytes": nx * ny * nz * voxel_bytes,
    }


def _lits_in_subprocess(task: str, root: Path) -> dict:
    command = [sys.executable, "-m", "imaging_course.bench.lits_eda", "worker", task, str(root)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"LiTS benchmark {task} on {root} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run() -> None:
    """Print the LiTS statistics figures with their anchors."""
    root = sample_data("lits")
    _lits_in_subprocess("fromfile", root)  # warms the page cache for all three
    figures = {}
    for task in ("case_statistics", "fromfile", "get_fdata"):
        runs = [_lits_in_subprocess(task, root) for _ in range(REPEATS)]
        figures[task] = {
            **min(runs, key=lambda figure: figure["seconds"]),  # the fastest run's time
            "peak_traced_bytes": max(figure["peak_traced_bytes"] for figure in runs),
            "peak_rss_extra_bytes": max(figure["peak_rss_extra_bytes"] for figure in runs),
        }
    stats = figures["case_statistics"]
    slab_mb = stats["slab_bytes"] / MB
    print(
        f"LiTS case_statistics                 {stats['bytes'] / stats['seconds'] / MB:8,.0f} MB/s"
        f"     ({stats['bytes'] / MB:,.0f} MB of .nii; goal >= 500)"
    )
    print(
        f"  peak memory: arrays                {stats['peak_traced_bytes'] / MB:8,.0f} MB"
        f"       ({stats['peak_traced_bytes'] / stats['slab_bytes']:.1f} slabs of "
        f"{slab_mb:.1f} MB; the largest case is {stats['largest_volume_bytes'] / MB:,.0f} MB)"
    )
    print(
        f"  peak memory: resident, above start {stats['peak_rss_extra_bytes'] / MB:8,.0f} MB"
        f"       (freed slabs stay with the allocator)"
    )
    for task in ("fromfile", "get_fdata"):
        figure = figures[task]
        print(
            f"anchor: {task:<28} {figure['bytes'] / figure['seconds'] / MB:8,.0f} MB/s"
            f"     (arrays peak {figure['peak_traced_bytes'] / MB:,.0f} MB)"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        print(json.dumps(_lits_worker(sys.argv[2], Path(sys.argv[3]))))
    else:
        run()
