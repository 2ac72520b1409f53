"""The LiTS reference EDA per case on a Dask cluster against one process, on big volumes.

The reference EDA (``volume_table``, ``case_statistics``, ``hu_histograms``,
``dataset_summary`` of ``solutions/lits_eda.py``) of the two largest cases of the generator's
``full`` scale (987 slices of 512 x 512 each, about 1.6 GB of ``.nii``), computed:

* by one process, the four calls one after the other, as `make reference` does without a
  scheduler (the anchor);
* by :func:`~imaging_course.grader.course.lits_cluster.lits_eda_on_cluster` on a local
  cluster of two worker processes of one thread each, one case per task, as `make reference
  DASK_SCHEDULER=...` does (the workers started and their imports made before the clock
  starts, as on a running cluster).

Figures: the speed-up of the two workers, and the peak memory of each worker and of the single
process, as the arrays' peak ``tracemalloc`` counts and as resident growth, against the slab
size (goal: a few slabs, whatever the volume size). Only the two cases are written (the
generator's own code for them, :func:`~imaging_course.bench.lits_generation.write_full_cases`),
into a temporary folder, and the time that takes is printed; each side runs in a fresh
interpreter on the page-cached files, timed first, then run again with the arrays' peak
counted. The machine is shared: the load average is printed beside the figures.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from imaging_course.bench.lits_generation import write_full_cases
from imaging_course.bench.measure import MB
from imaging_course.datasets.lits.cases import plan_lits

CASES = 2
"""How many of the ``full`` scale's largest cases are written and read."""
WORKERS = 2
GLIBC_MALLOC = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
"""The workers' memory allocator as the single process's: Dask's nanny sets
``MALLOC_TRIM_THRESHOLD_=65536`` in its workers, which turns off glibc's adaptive mmap
threshold, so that every slab-sized temporary is a fresh ``mmap`` whose pages are faulted in
again: the EDA of one case took 6.1 s instead of 3.2 s (README, "Grading on a cluster", says
how to start workers without it)."""


def _resident_bytes() -> int:
    """This process's resident set now, in bytes."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize()


def _start_tracing() -> None:
    """Count the arrays' peak from here (NumPy reports its buffers to ``tracemalloc``)."""
    tracemalloc.start()


def _memory_peak(start_bytes: int) -> dict:
    """The arrays' peak since :func:`_start_tracing` and the resident growth since the
    resident set was ``start_bytes``, in bytes."""
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    return {"traced": traced, "resident": max(0, peak - start_bytes)}


def _one_process(root: Path) -> dict:
    """The four reference calls in this process, timed, then again with the arrays' peak
    counted (``tracemalloc`` slows them): seconds and peak memory."""
    from imaging_course.course_modules import load_course_module  # noqa: PLC0415
    from imaging_course.grader.course.lits_cluster import CALLS  # noqa: PLC0415

    solution = load_course_module("lits_eda")
    start = _resident_bytes()
    seconds = []
    for trace in (False, True):
        if trace:
            _start_tracing()
        clock = time.perf_counter()
        for call in CALLS:
            getattr(solution, call)(root)
        seconds.append(time.perf_counter() - clock)
    return {"seconds": seconds[0], "memory": [_memory_peak(start)]}


def _two_workers(root: Path, scratch: Path) -> dict:
    """:func:`lits_eda_on_cluster` on a local cluster of :data:`WORKERS` processes, timed,
    then again with the arrays' peak counted: seconds and each worker's peak memory."""
    import dask  # noqa: PLC0415
    from distributed import Client, LocalCluster  # noqa: PLC0415

    from imaging_course.course_modules import load_course_module  # noqa: PLC0415
    from imaging_course.grader.course.lits_cluster import lits_eda_on_cluster  # noqa: PLC0415

    with (
        dask.config.set({"temporary-directory": str(scratch), **GLIBC_MALLOC}),
        LocalCluster(
            n_workers=WORKERS,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            local_directory=str(scratch),
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(load_course_module, "lits_eda")  # the imports a running worker has made
        starts = client.run(_resident_bytes)
        clock = time.perf_counter()
        lits_eda_on_cluster(client, root)
        seconds = time.perf_counter() - clock
        client.run(_start_tracing)
        lits_eda_on_cluster(client, root)
        memory = [
            client.run(_memory_peak, starts[address], workers=[address]) for address in starts
        ]
    return {"seconds": seconds, "memory": [next(iter(peak.values())) for peak in memory]}


def _in_fresh_interpreter(side: str, root: Path, scratch: Path) -> dict:
    command = [
        sys.executable,
        "-m",
        "imaging_course.bench.lits_cluster",
        side,
        str(root),
        str(scratch),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"LiTS cluster benchmark {side} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _slab_bytes(root: Path) -> int:
    """Bytes of one slab of the largest case (volume and segmentation values side by side)."""
    import nibabel as nib  # noqa: PLC0415

    from imaging_course.course_modules import load_course_module  # noqa: PLC0415
    from imaging_course.datasets.lits.layout import find_lits_cases  # noqa: PLC0415

    slab = load_course_module("lits_eda").SLAB_SLICES
    sizes = []
    for case in find_lits_cases(root):
        volume, segmentation = nib.load(case.volume), nib.load(case.segmentation)
        nx, ny = volume.shape[:2]
        item = volume.get_data_dtype().itemsize + segmentation.get_data_dtype().itemsize
        sizes.append(nx * ny * slab * item)
    return max(sizes)


def run() -> None:
    """Write the two cases, then print the one-process and two-worker figures."""
    plans = sorted(plan_lits("full", 0), key=lambda plan: plan.shape[2])[-CASES:]
    with tempfile.TemporaryDirectory(prefix="bench-lits-cluster-") as scratch_name:
        scratch = Path(scratch_name)
        root = scratch / "full"
        clock = time.perf_counter()
        write_full_cases(root, [plan.case_id for plan in plans])
        written = time.perf_counter() - clock
        files = sorted(root.rglob("*.nii"))
        megabytes = sum(path.stat().st_size for path in files) / MB
        for path in files:  # both sides read page-cached files
            path.read_bytes()
        load = os.getloadavg()[0]
        one = _in_fresh_interpreter("one", root, scratch)
        two = _in_fresh_interpreter("two", root, scratch)
        load = max(load, os.getloadavg()[0])
        slab = _slab_bytes(root)
    shapes = ", ".join("x".join(map(str, plan.shape)) for plan in plans)
    print(
        f"full scale, {CASES} largest cases ({shapes}; {megabytes:,.0f} MB of .nii) "
        f"written in {written:.1f} s"
    )
    print(
        f"LiTS reference EDA, {WORKERS} Dask workers    {two['seconds']:7.1f} s   "
        f"(anchor: one process {one['seconds']:.1f} s: "
        f"speed-up {one['seconds'] / two['seconds']:.2f}x; load average up to {load:.1f} "
        f"on {os.cpu_count()} cores)"
    )
    for label, memory in [("one process", one["memory"][0])] + [
        (f"worker {index + 1}", peak) for index, peak in enumerate(two["memory"])
    ]:
        print(
            f"  peak memory, {label:<12}  arrays {memory['traced'] / MB:6,.0f} MB "
            f"({memory['traced'] / slab:.1f} slabs of {slab / MB:.1f} MB), "
            f"resident growth {memory['resident'] / MB:6,.0f} MB"
        )


if __name__ == "__main__":
    # Through the module's own name, so that the workers unpickle its functions by reference.
    from imaging_course.bench import lits_cluster  # noqa: PLW0406

    side, root_name, scratch_name = sys.argv[1:4]
    if side == "one":
        print(json.dumps(lits_cluster._one_process(Path(root_name))))
    else:
        print(json.dumps(lits_cluster._two_workers(Path(root_name), Path(scratch_name))))
