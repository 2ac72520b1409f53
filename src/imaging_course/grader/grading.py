"""One grading run: every call of a learner's modules once, then every check on the outputs.

Each call of the check table runs once per dataset variant (the sample data, and the held-out
data when asked for), all in the sandbox and in parallel; several checks read parts of the
same output, so an expensive function such as ``scan_dicom_headers`` runs once per run. A
failed check gets feedback from its comparison, or from the call's failure (the exception
with the learner's own line, a timeout, a crash), plus the hints of the detectors whose
mistake fits.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imaging_course.grader.checks import Check, CheckTable, select
from imaging_course.grader.compare import Verdict
from imaging_course.grader.detectors import UNEXPECTED_SHAPE, Evidence, hints
from imaging_course.grader.integrity import Guard
from imaging_course.grader.reference import ReferenceSet
from imaging_course.grader.sandbox import Call, CallResult, Sandbox


@dataclass(frozen=True)
class Variant:
    """A dataset the checks run on: ``label`` is ``sample`` or ``held-out``."""

    label: str
    references: ReferenceSet


@dataclass
class CheckOutcome:
    """The verdict on one check for one variant, with the feedback a learner reads."""

    check: Check
    exercise: str
    variant: str
    passed: bool
    feedback: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return f"{self.check.id}[{self.variant}]"

    @property
    def earned(self) -> int:
        return self.check.points if self.passed else 0

    def as_dict(self) -> dict:
        """Plain data for the JSON report."""
        return {
            "id": self.check.id,
            "exercise": self.exercise,
            "variant": self.variant,
            "points": self.check.points,
            "earned": self.earned,
            "passed": self.passed,
            "feedback": self.feedback,
            "hints": self.hints,
            "seconds": round(self.seconds, 3),
        }


def call_failure(module: str, function: str, result: CallResult, timeout: float) -> list[str]:
    """Feedback for a call that returned no value: what happened, never a bare traceback."""
    error = result.error
    where = f"\n    at {error['where']}" if error.get("where") else ""
    name = f"{module}.{function}"
    if result.status == "error" and error.get("type") == "NotImplementedError":
        return [f"{name} is not written yet (it raises NotImplementedError)."]
    if result.status == "error" and error.get("type") == "MemoryError":
        return [f"{name} ran out of memory (the cap is per call){where}"]
    messages = {
        "error": f"{name} raised {error.get('type')}: {error.get('message')}{where}",
        "import-error": f"importing {module}.py failed: {error.get('type')}: "
        f"{error.get('message')}{where}",
        "missing": f"{module}.py has no function {function}.",
        "bad-result": f"{name} returned something the grader cannot read: {error.get('message')}",
        "forged": f"{name}: the result file was not written by the grader's runner.",
        "timeout": f"{name} did not finish within {timeout:g} s (an endless loop, or far too "
        "slow: read headers only, stream volumes slab by slab).",
        "crashed": f"{name} ended the process without returning ("
        + (f"exit status {result.exit_code}" if result.exit_code is not None else "sandbox killed")
        + "): os._exit, a signal, or a file larger than the cap.",
        "not-found": f"{module}.py is not in the folder being graded.",
    }
    lines = [messages.get(result.status, f"{name}: {result.status}")]
    if "None in sys.modules" in str(error.get("message")):
        lines.append("  That module is off limits in this exercise: write this part yourself.")
    if error.get("type") == "PermissionError":
        lines.append(
            "  Learner code may write only in its working folder (the current directory of "
            "the call); the course's files, references and data are read-only to it."
        )
    if result.stderr.strip() and result.status in ("crashed", "import-error"):
        lines.append("  last output: " + result.stderr.strip().splitlines()[-1][:200])
    return lines


@dataclass
class GradingRun:
    """Grade the modules in ``learner_dir`` on ``variants`` with the checks of ``table``.

    ``guard`` (optional) protects files from the learner's code; a call during which a
    protected file changed fails its checks, and the file is put back. ``selected`` (optional)
    names the (check id, variant label) pairs to grade, as ``-k`` chose them: only their
    calls run.
    """

    learner_dir: Path
    variants: list[Variant]
    table: CheckTable
    sandbox: Sandbox
    guard: Guard | None = None
    results: dict[tuple[str, str], CallResult] = field(default_factory=dict)
    tampering: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    selected: frozenset[tuple[str, str]] | None = None

    def _planned(self) -> list[tuple[str, str]]:
        """(variant label, call name) pairs the checks need, in table order."""
        planned = []
        for variant in self.variants:
            for check in self.table.checks:
                spec = self.table.spec(check)
                if spec.dataset != variant.references.dataset:
                    continue
                if self.selected is not None and (check.id, variant.label) not in self.selected:
                    continue
                if (variant.label, spec.name) not in planned:
                    planned.append((variant.label, spec.name))
        return planned

    def run_calls(self) -> None:
        """Run every planned call once (in parallel; again one by one if files were changed)."""
        by_label = {(v.label, v.references.dataset): v for v in self.variants}
        planned = self._planned()
        runnable, calls = [], []
        for label, name in planned:
            spec = self.table.calls[name]
            variant = by_label[(label, spec.dataset)]
            if not (self.learner_dir / f"{spec.exercise}.py").is_file():
                self.results[(label, name)] = CallResult("not-found")
                continue
            runnable.append((label, name))
            args = variant.references.args[name]
            calls.append(
                Call(
                    spec.exercise,
                    spec.function,
                    args,
                    self.learner_dir,
                    spec.timeout,
                    self.table.blocked_imports,
                )
            )

        changed: dict[int, list[str]] = {}

        def after_each(index: int, _result: CallResult) -> None:
            if self.guard is not None:
                found = self.guard.changes()
                if found:
                    changed[index] = found
                    self.guard.restore()

        outcomes = self.sandbox.run(calls, after_each)
        if changed and self.sandbox.workers > 1:
            # Calls ran side by side: run again one at a time to blame the right one.
            changed.clear()
            outcomes = self.sandbox.run(calls, after_each, workers=1)
        for index, (key, outcome) in enumerate(zip(runnable, outcomes, strict=True)):
            self.results[key] = outcome
            if index in changed:
                self.tampering[key] = changed[index]

    def evaluate(self, check: Check, variant: Variant) -> CheckOutcome:
        """The verdict on ``check`` for ``variant`` (the calls must have run)."""
        start = time.perf_counter()
        spec = self.table.spec(check)
        result = self.results[(variant.label, spec.name)]
        expected_full = variant.references.outputs[spec.name]
        tampered = self.tampering.get((variant.label, spec.name))
        if tampered:
            shown = ", ".join(Path(p).name for p in tampered[:3])
            verdict = Verdict(
                False,
                (
                    f"{spec.exercise}.{spec.function} changed files it must not touch: {shown} "
                    "(the grader's files and references are put back; no points for this check).",
                ),
            )
        elif result.status != "ok":
            verdict = Verdict(
                False, tuple(call_failure(spec.exercise, spec.function, result, spec.timeout))
            )
        else:
            label = check.select or spec.function
            verdict = self._compare(check, expected_full, result.value, label)
        found: list[str] = []
        if not verdict.passed and not tampered:
            evidence = Evidence(
                expected=expected_full,
                got=result.value if result.status == "ok" else None,
                status=result.status,
                error=result.error,
                args=variant.references.args[spec.name],
                root=variant.references.root,
                references=variant.references.outputs,
            )
            found = hints(check.detectors, evidence)
        return CheckOutcome(
            check,
            spec.exercise,
            variant.label,
            verdict.passed,
            list(verdict.lines),
            found,
            time.perf_counter() - start + result.seconds,
        )

    @staticmethod
    def _compare(check: Check, expected_full: Any, got_full: Any, label: str) -> Verdict:
        expected = select(expected_full, check.select)
        try:
            got = select(got_full, check.select)
        except (KeyError, TypeError) as exc:
            return Verdict(False, (str(exc).strip("'\""),))
        try:
            return check.comparison.compare(expected, got, label)
        except UNEXPECTED_SHAPE as exc:
            return Verdict(False, (f"{label}: cannot compare this output ({exc!r})",))

    def grade(self) -> list[CheckOutcome]:
        """Run the calls and evaluate every check on every variant of its dataset."""
        self.run_calls()
        return [
            self.evaluate(check, variant)
            for variant in self.variants
            for check in self.table.checks
            if self.table.spec(check).dataset == variant.references.dataset
        ]
