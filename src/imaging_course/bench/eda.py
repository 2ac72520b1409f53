"""EDA speed: the SIIM header scan and the LiTS per-label statistics of ``solutions/``.

Figures, each beside its anchors timed in the same run on the same files:

* SIIM: ``scan_dicom_headers`` in files/s (goal >= 2,500) against a bare loop of
  ``dcmread(stop_before_pixels=True)`` over the same files and a full pixel decode
  (``pixel_array``) of a subset;
* LiTS: ``case_statistics`` in MB/s of volume and segmentation files read (goal >= 500) and
  its peak memory (goal: about two slabs plus a fixed overhead): the arrays' peak as
  ``tracemalloc`` counts it, and the resident set's growth, against ``np.fromfile`` and
  ``get_fdata()`` of the same files. Each LiTS figure is the best of :data:`REPEATS` runs,
  each in a fresh interpreter so that its peak memory is its own.

The figures and goals are for the generated sample data of this checkout
(``data/siim-sample``, ``data/lits-sample``, seed 0), generated first when missing. A
``SIIM_DATA_DIR`` or ``LITS_DATA_DIR`` naming another folder (a real download) is not
benchmarked: its figures would not compare with the goals, and nothing is written into it.
"""

import json
import resource
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

from imaging_course.course_modules import load_course_module
from imaging_course.datasets.paths import LITS_SAMPLE, SIIM_SAMPLE, lits_root, siim_root

DECODE_SUBSET = 40
"""Files decoded whole for the full-decode anchor (about 8 ms each)."""
REPEATS = 3
"""Each figure is timed this many times; the best run counts (the machine is shared)."""
MB = 1e6


def _ensure_sample_data() -> tuple[Path, Path]:
    """The generated SIIM and LiTS sample folders of this checkout (sample scale, seed 0),
    written when missing or incomplete; the environment's folders are left alone."""
    from imaging_course.datasets.lits.generate import generate_lits  # noqa: PLC0415  (only when missing)
    from imaging_course.datasets.siim.generate import generate_siim  # noqa: PLC0415

    for sample, named, generate in (
        (SIIM_SAMPLE, siim_root(), generate_siim),
        (LITS_SAMPLE, lits_root(), generate_lits),
    ):
        if named.resolve() != sample.resolve():
            print(f"benchmarking the generated {sample}, not {named}: the goals are for it")
        if not (sample / ".complete").is_file():
            print(f"generating {sample} (sample scale, seed 0)", flush=True)
        generate(sample, scale="sample", seed=0, progress=False)
    return SIIM_SAMPLE, LITS_SAMPLE


def _best_seconds(function, *args) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        function(*args)
        best = min(best, time.perf_counter() - start)
    return best


def _read_headers(paths: list[Path]) -> None:
    import pydicom  # noqa: PLC0415  (bench-only import)
    from pydicom.errors import InvalidDicomError  # noqa: PLC0415

    for path in paths:
        try:
            pydicom.dcmread(path, stop_before_pixels=True)
        except InvalidDicomError:
            continue


def _decode(paths: list[Path]) -> None:
    import pydicom  # noqa: PLC0415  (bench-only import)

    for path in paths:
        _ = pydicom.dcmread(path).pixel_array


def _siim(root: Path) -> None:
    siim_eda = load_course_module("siim_eda")
    scan = siim_eda.scan_dicom_headers(root)  # warms the page cache
    readable = set(scan["table"]["image_id"])
    paths = sorted(root.rglob("*.dcm"))
    decodable = [path for path in paths if path.stem in readable][:DECODE_SUBSET]
    n_files = len(scan["table"]) + len(scan["unreadable"])
    with warnings.catch_warnings():
        # pydicom warns on SIIM's bare-integer PatientAge once per file; the anchors time
        # reading, not printing thousands of identical warnings.
        warnings.filterwarnings("ignore", message="Invalid value for VR AS")
        scan_s = _best_seconds(siim_eda.scan_dicom_headers, root)
        bare_s = _best_seconds(_read_headers, paths)
        start = time.perf_counter()
        _decode(decodable)
        decode_s = time.perf_counter() - start
    print(
        f"SIIM scan_dicom_headers              {n_files / scan_s:8,.0f} files/s   "
        f"({n_files} files; goal >= 2,500)"
    )
    print(f"anchor: dcmread(stop_before_pixels)  {len(paths) / bare_s:8,.0f} files/s")
    print(
        f"anchor: full decode (pixel_array)    {len(decodable) / decode_s:8,.0f} files/s   "
        f"({len(decodable)} files)"
    )


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
    command = [sys.executable, "-m", "imaging_course.bench.eda", "lits-worker", task, str(root)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"LiTS benchmark {task} on {root} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _lits(root: Path) -> None:
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


def run() -> None:
    """Print the SIIM header-scan and LiTS statistics figures with their anchors."""
    siim, lits = _ensure_sample_data()
    _siim(siim)
    _lits(lits)


if __name__ == "__main__":
    if sys.argv[1:2] == ["lits-worker"]:
        print(json.dumps(_lits_worker(sys.argv[2], Path(sys.argv[3]))))
    else:
        run()
