"""The in-notebook check: how long ``check(fn)`` takes in a kernel, beside the function alone.

Figures, each beside its anchor timed in the same run, on the sample data with the reference
solutions standing in for a learner's functions (the work a kernel does is the same):

* the first check of an exercise, which loads the references (stored by `make reference`,
  else computed once from ``solutions/``);
* ``check`` of a cheap function (``decode_rle``, ``demographics``) against the function
  called alone: the goal is well under a second;
* ``check`` of the header scan, the exercise's most expensive call, against the scan alone.
"""

import time

from imaging_course.bench.measure import best_seconds, sample_data
from imaging_course.course_modules import SOLUTIONS_DIR, load_course_module
from imaging_course.notebooks.kernel import ExerciseTools

CHEAP_GOAL_SECONDS = 1.0


def run() -> None:
    """Print the figures (needs the SIIM sample data)."""
    sample_data("siim")
    solutions = load_course_module("siim_eda", SOLUTIONS_DIR)
    tools = ExerciseTools("siim_eda")
    start = time.perf_counter()
    references = tools.references()
    print(
        f"first check's references ({references.origin}): {time.perf_counter() - start:.2f} s"
        + (f" ({references.note})" if references.note else "")
    )
    for name in ("decode_rle", "demographics", "scan_dicom_headers"):
        function = getattr(solutions, name)
        report = tools.check(function)
        spec = next(s for s in tools.table.calls.values() if s.function == name)
        alone = best_seconds(function, *references.args[spec.name])
        checked = best_seconds(tools.check, function)
        goal = f", goal < {CHEAP_GOAL_SECONDS:g} s" if name != "scan_dicom_headers" else ""
        print(
            f"check({name}): {checked:.3f} s ({report.earned}/{report.points} points{goal}); "
            f"the function alone: {alone:.3f} s"
        )
