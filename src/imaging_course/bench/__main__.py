"""``python -m imaging_course.bench [NAME ...]`` (`make bench [BENCH=NAME]`): every benchmark,
or those named, one after another.

Machines here are noisy, so each benchmark prints its figures beside an anchor timed in the
same run; compare ratios, not seconds across runs.
"""

import importlib
import sys

from imaging_course.datasets.registry import DATASETS

BENCHMARKS = (
    *(name for dataset in DATASETS.values() for name in dataset.benchmarks),
    "grading",
    "site",
)
"""Modules of this package, in the order they run (each dataset's, as the registry names
them, then the course's); each has a ``run()`` that prints figures."""


def main(names: list[str]) -> None:
    """Run the ``run()`` of the benchmark modules named (all when none is), in order."""
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        sys.exit(f"unknown benchmark {', '.join(unknown)}: choose from {', '.join(BENCHMARKS)}")
    for name in [name for name in BENCHMARKS if not names or name in names]:
        print(f"\n== {name} ==", flush=True)
        importlib.import_module(f"imaging_course.bench.{name}").run()


if __name__ == "__main__":
    main(sys.argv[1:])
