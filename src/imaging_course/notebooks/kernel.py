"""What the exercise notebooks call in the learner's kernel: ``check``, ``hint``, ``explore``.

``check(scan_dicom_headers)`` runs the grader's checks of that function on the sample data,
here, in well under a second for the cheap ones, and shows the grader's own feedback (points,
expected against got, the hint of a usual mistake): the learner's function is called in the
kernel with the arguments `make grade` passes, what it returns goes through the grader's
plain-data codec, and :meth:`GradingRun.evaluate
<imaging_course.grader.grading_run.GradingRun.evaluate>` judges it, so both give the same
verdicts. Only the sample data is used, never the held-out data (whose references stay in the
grader's cache), and feedback shows no more than `make grade` shows. The expected values come
from the stored references (`make reference`), else from the reference solutions run here
once (and then stored, on the course's sample data).

``hint(fn)`` gives the next bullet of the Hints section of the function's docstring in the
stub; ``explore(fn)`` calls the function as the grader does (a function that reads another's
output gets the learner's own) and shows a few rows and a plot.
"""

import html
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imaging_course.course_modules import EXERCISES_DIR, SOLUTIONS_DIR, load_course_module
from imaging_course.datasets.registry import DATASETS
from imaging_course.grader import plain_data
from imaging_course.grader.check_table import ArgContext, CallSpec
from imaging_course.grader.course import course_table
from imaging_course.grader.grading_run import CheckOutcome, GradingRun, Variant
from imaging_course.grader.limits import MB, Limits
from imaging_course.grader.reference import (
    REFERENCE_DIR,
    ReferenceSet,
    fingerprint_of,
    load_references,
    write_references,
)
from imaging_course.grader.report import render_outcome
from imaging_course.grader.sandbox import CallResult
from imaging_course.notebooks.docstrings import docstring_hints

SAMPLE = "sample"


@dataclass
class CheckReport:
    """The outcomes of one function's checks: text in a terminal, HTML in Jupyter."""

    function: str
    outcomes: list[CheckOutcome]
    seconds: float
    note: str = ""

    @property
    def earned(self) -> int:
        return sum(outcome.earned for outcome in self.outcomes)

    @property
    def points(self) -> int:
        return sum(outcome.check.points for outcome in self.outcomes)

    @property
    def passed(self) -> bool:
        return all(outcome.passed for outcome in self.outcomes)

    def headline(self) -> str:
        verdict = "every check passed" if self.passed else "not yet"
        return (
            f"{self.function}: {self.earned} of {self.points} points on the sample data "
            f"({verdict}; {self.seconds:.2f} s)"
        )

    def __str__(self) -> str:
        lines = [self.headline(), *([self.note] if self.note else [])]
        lines += [render_outcome(outcome) for outcome in self.outcomes if not outcome.passed]
        lines += [f"{outcome.name}: passed" for outcome in self.outcomes if outcome.passed]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = "#1b7f3b" if self.passed else "#b3261e"
        parts = [f'<p style="color:{colour};font-weight:bold">{html.escape(self.headline())}</p>']
        if self.note:
            parts.append(f"<p>{html.escape(self.note)}</p>")
        for outcome in self.outcomes:
            mark = "&#10003;" if outcome.passed else "&#10007;"
            text = f"{outcome.name}: passed" if outcome.passed else render_outcome(outcome)
            parts.append(f"<pre>{mark} {html.escape(text)}</pre>")
        return "\n".join(parts)


def _where(exc: BaseException) -> str:
    """The learner's last frame: the deepest one outside Python's and the course's files."""
    library = ("site-packages", "/lib/python", "imaging_course")
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if not any(part in frame.filename for part in library):
            return f"line {frame.lineno}, in {frame.name}: {(frame.line or '').strip()}"
    return ""


def call_here(function: Callable, args: tuple) -> CallResult:
    """Call ``function(*args)`` in this kernel and return what the sandbox would: the value
    through the plain-data codec (so a value the grader cannot read fails here too), or the
    exception with the learner's line. Ctrl-C (Interrupt kernel) still interrupts."""
    start = time.perf_counter()
    try:
        value = function(*args)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # the learner's error is the check's feedback
        error = {"type": type(exc).__name__, "message": str(exc)[:600], "where": _where(exc)}
        return CallResult("error", error=error, seconds=time.perf_counter() - start)
    seconds = time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix="notebook-check-") as folder:
        try:
            tree = plain_data.encode(value, Path(folder), budget=Limits().result_mb * MB)
            value = plain_data.decode(tree, Path(folder))
        except plain_data.PlainDataError as exc:
            error = {"type": "PlainDataError", "message": str(exc)}
            return CallResult("bad-result", error=error, seconds=seconds)
    return CallResult("ok", value=value, seconds=seconds)


class ExerciseTools:
    """``check``, ``hint`` and ``explore`` for one exercise's notebook."""

    def __init__(self, exercise: str) -> None:
        [dataset] = [d for d in DATASETS.values() if d.exercise == exercise]
        self.exercise = exercise
        self.dataset = dataset.name
        self.root = dataset.root()
        self.table = course_table().for_exercises([exercise])
        self._references: ReferenceSet | None = None
        self._hints_given: dict[str, int] = {}

    def references(self) -> ReferenceSet:
        """The sample references: stored ones when they match the data, else computed once
        from the reference solutions in this kernel (the ``note`` says why) and, on the
        course's own sample, stored as `make reference` stores them, so that later kernels
        and `make grade` start at once."""
        if self._references is None:
            stored = load_references(self.table, self.dataset, self.root, SOLUTIONS_DIR)
            if isinstance(stored, ReferenceSet):
                self._references = stored
            else:
                print(f"Computing the expected values once ({stored}); this takes a while.")
                self._references = self._compute(note=stored)
                sample = DATASETS[self.dataset].sample_dir.resolve()
                if self.root.resolve() == sample:
                    write_references(self._references, REFERENCE_DIR)
        return self._references

    def _compute(self, note: str) -> ReferenceSet:
        solutions = load_course_module(self.exercise, SOLUTIONS_DIR)
        outputs: dict[str, Any] = {}
        args: dict[str, tuple] = {}
        for spec in self._in_order(self.table.calls_of(self.dataset)):
            args[spec.name] = spec.args(ArgContext(self.root, outputs))
            result = call_here(getattr(solutions, spec.function), args[spec.name])
            if result.status != "ok":
                raise RuntimeError(f"the reference {spec.function} failed: {result.error}")
            outputs[spec.name] = result.value
        fingerprint = fingerprint_of(self.root, SOLUTIONS_DIR)
        return ReferenceSet(self.dataset, self.root, fingerprint, outputs, args, "live", note=note)

    @staticmethod
    def _in_order(specs: list[CallSpec]) -> list[CallSpec]:
        ordered: list[CallSpec] = []
        while len(ordered) < len(specs):
            done = {spec.name for spec in ordered}
            ordered += [s for s in specs if s not in ordered and set(s.needs) <= done]
        return ordered

    def _specs(self, function: Callable | str) -> tuple[str, list[CallSpec]]:
        name = function if isinstance(function, str) else function.__name__
        mine = [self.table.spec(check) for check in self.table.checks]
        specs = list({spec.name: spec for spec in mine if spec.function == name}.values())
        if not specs:
            graded = ", ".join(dict.fromkeys(spec.function for spec in mine))
            raise ValueError(f"{self.exercise} grades no function {name!r} (it grades {graded})")
        return name, specs

    def check(self, function: Callable) -> CheckReport:
        """Run the grader's checks of ``function`` on the sample data, in this kernel."""
        name, specs = self._specs(function)
        start = time.perf_counter()
        references = self.references()
        variant = Variant(SAMPLE, references)
        results = {
            (SAMPLE, spec.name): call_here(function, references.args[spec.name]) for spec in specs
        }
        run = GradingRun(Path.cwd(), [variant], self.table, sandbox=None, results=results)
        outcomes = [
            run.evaluate(check, variant)
            for check in self.table.checks
            if check.call in {spec.name for spec in specs}
        ]
        note = ""
        if references.origin == "live":
            note = f"(expected values computed from solutions/ here: {references.note})"
        return CheckReport(name, outcomes, time.perf_counter() - start, note)

    def hint(self, function: Callable | str) -> None:
        """The next hint of ``function``'s docstring in the stub (then says there are no more)."""
        name, _ = self._specs(function)
        hints = docstring_hints(EXERCISES_DIR / f"{self.exercise}.py", name)
        given = self._hints_given.get(name, 0)
        self._hints_given[name] = given + 1
        if given < len(hints):
            print(f"Hint {given + 1} of {len(hints)} for {name}: {hints[given]}")
        else:
            print(
                f"No more hints for {name}: its docstring says what to compute, and "
                f"check({name}) what differs."
            )

    def explore(self, function: Callable) -> Any:
        """Call ``function`` as the grader does (the first of its calls); show a few rows and a
        plot of what it returns, and return it. A call that reads another function's output
        gets the learner's own, never the reference's."""
        import __main__  # noqa: PLC0415  (the notebook's own functions)

        name, specs = self._specs(function)
        spec = specs[0]
        outputs = {}
        for need in spec.needs:
            upstream = self.table.calls[need]
            own = getattr(__main__, upstream.function, None)
            if own is None:
                print(f"explore({name}) needs {upstream.function}: define it first")
                return None
            result = call_here(own, self.references().args[need])
            if result.status != "ok":
                print(f"explore({name}) needs {upstream.function}, which failed: {result.error}")
                return None
            outputs[need] = result.value
        args = spec.args(ArgContext(self.root, outputs))
        try:
            value = function(*args)
        except NotImplementedError:
            print(f"{name} is not written yet: write it in the cell above, then explore it.")
            return None
        show(value)
        return value


def show(value: Any) -> None:
    """A few rows of ``value`` and a plot of its numbers (in Jupyter; text elsewhere)."""
    import matplotlib.pyplot as plt  # noqa: PLC0415  (a plot only when asked for)
    import numpy as np  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415
    from IPython.display import display  # noqa: PLC0415

    if isinstance(value, np.ndarray):
        print(f"array of shape {value.shape}, dtype {value.dtype}")
        if value.ndim == 2:
            plt.figure(figsize=(4, 4))
            plt.imshow(value, cmap="gray")
        else:
            plt.figure(figsize=(6, 3))
            plt.plot(value.ravel())
        return
    items = value.items() if isinstance(value, dict) else [("value", value)]
    for key, item in items:
        if isinstance(item, pd.DataFrame):
            print(f"{key}: {len(item)} rows")
            display(item.head())
            numeric = item.select_dtypes("number")
            if not numeric.empty:
                numeric.hist(figsize=(8, 3), layout=(1, numeric.shape[1]), bins=30)
                plt.tight_layout()
        elif isinstance(item, list):
            print(f"{key}: {len(item)} items, the first: {item[:3]!r}"[:300])
        else:
            print(f"{key}: {item!r}"[:300])


def exercise_tools(exercise: str) -> tuple[Callable, Callable, Callable]:
    """``check``, ``hint`` and ``explore`` for ``exercise``'s notebook."""
    tools = ExerciseTools(exercise)
    return tools.check, tools.hint, tools.explore
