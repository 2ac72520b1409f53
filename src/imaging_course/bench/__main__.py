"""``python -m imaging_course.bench`` (`make bench`): every benchmark, one after another.

Machines here are noisy, so each benchmark prints its figures beside an anchor timed in the
same run; compare ratios, not seconds across runs.
"""

import importlib

BENCHMARKS = (
    "siim_generation",
    "lits_generation",
    "eda",
    "grading",
    "site",
)
"""Modules of this package, in the order they run; each has a ``run()`` that prints figures."""


def main() -> None:
    """Run every benchmark module's ``run()`` in order."""
    for name in BENCHMARKS:
        print(f"\n== {name} ==", flush=True)
        importlib.import_module(f"imaging_course.bench.{name}").run()


if __name__ == "__main__":
    main()
