"""What the EDA benchmarks share: the sample data they time, and best-of-N timing.

The figures and goals of the EDA benchmarks are for the generated sample data of this
checkout (sample scale, seed 0), generated first when missing. A ``<NAME>_DATA_DIR`` naming
another folder (a real download) is not benchmarked: its figures would not compare with the
goals, and nothing is written into it.
"""

import time
from collections.abc import Callable
from pathlib import Path

from imaging_course.datasets.registry import DATASETS
from imaging_course.datasets.stamp import read_stamp

REPEATS = 3
"""Each figure is timed this many times; the best run counts (the machine is shared)."""
MB = 1e6


def sample_data(name: str) -> Path:
    """The generated sample folder of the dataset ``name`` in this checkout (sample scale,
    seed 0), written when missing or incomplete; the environment's folder is left alone."""
    dataset = DATASETS[name]
    sample = dataset.sample_dir
    if dataset.root().resolve() != sample.resolve():
        print(f"benchmarking the generated {sample}, not {dataset.root()}: the goals are for it")
    if read_stamp(sample) is None:
        print(f"generating {sample} (sample scale, seed 0)", flush=True)
    dataset.generator_function()(sample, scale="sample", seed=0, progress=False)
    return sample


def best_seconds(function: Callable, *args) -> float:
    """The shortest wall time of :data:`REPEATS` calls of ``function(*args)``, in seconds."""
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        function(*args)
        best = min(best, time.perf_counter() - start)
    return best
