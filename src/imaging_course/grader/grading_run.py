"""One grading run: every learner module imported once, every call once, then every check.

Each learner module is first imported once under a short time limit (code at a module's top
level runs again in every call); a module that does not import fails all its checks at once,
with the line where the import stopped. Each call of the check table then runs once per
dataset variant (the sample data, and the held-out data when asked for), all in the sandbox
and in parallel; several checks read parts of the same output, so an expensive function such
as ``scan_dicom_headers`` runs once per run. A failed check gets feedback from its comparison
(on held-out data without the expected values, so that they cannot be copied into code), or
from the call's failure (the exception with the learner's own line, a timeout, a limit, a
crash), plus the hints of the detectors whose mistake fits, and the likely reason when the
same check passed on the sample data but not on the held-out data.
"""

import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from imaging_course.grader.check_table import CallSpec, Check, CheckTable, select
from imaging_course.grader.compare import Verdict, fail
from imaging_course.grader.detectors import Evidence, hints
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


IMPORT_TIMEOUT_SECONDS = 10.0
"""How long importing a learner module may take (the check table's call timeouts, if shorter)."""
HARD_CODED = (
    "This check passes on the sample data but not on the held-out data: the likely reason is "
    "an answer hard-coded from the sample, or code that relies on something only the sample "
    "has (its ids, its counts, one file's layout)."
)
HELD_OUT_NOTE = (
    "(held-out data: the expected values are not shown; the same check on the sample data shows "
    "what is expected)"
)
LIMIT_WORDS = {
    "memory": "ran out of memory (the cap is for the whole call, every process it started)",
    "processes": "started more processes or threads than a call may",
}


def call_failure(module: str, function: str, result: CallResult, timeout: float) -> list[str]:
    """Feedback for a call that returned no value: what happened, never a bare traceback."""
    error = result.error
    where = f"\n    at {error['where']}" if error.get("where") else ""
    name = f"{module}.{function}"
    if result.phase == "import":
        return _import_failure(module, result)
    if result.status == "error" and error.get("type") == "NotImplementedError":
        return [f"{name} is not written yet (it raises NotImplementedError)."]
    if result.status == "error" and error.get("type") == "MemoryError":
        return [f"{name} ran out of memory (the cap is for the whole call){where}"]
    running = f"; it was running {result.where}" if result.where else ""
    ended = f"exit status {result.exit_code}" if result.exit_code is not None else "sandbox lost"
    limits = "; ".join(LIMIT_WORDS[limit] for limit in result.limits_hit if limit in LIMIT_WORDS)
    messages = {
        "error": f"{name} raised {error.get('type')}: {error.get('message')}{where}",
        "import-error": f"importing {module}.py failed: {error.get('type')}: "
        f"{error.get('message')}{where}",
        "missing": f"{module}.py has no function {function}.",
        "bad-result": f"{name} returned something the grader cannot read: {error.get('message')}",
        "timeout": f"{name} did not finish within {timeout:g} s{running} (an endless loop, or "
        "far too slow: read headers only, stream volumes slab by slab).",
        "cpu": f"{name} used more CPU time than a call may{running} (its processes "
        "together: an endless loop, in this process or a child?).",
        "crashed": f"{name} {limits or 'ended the process without returning'} ({ended}): "
        + ("" if limits else "os._exit, a signal, or a file larger than the cap."),
        "not-found": f"{module}.py is not in the folder being graded.",
        "stopped": f"{name}: not graded, the grading run was stopped before this call ended.",
        "refused": f"{module} was refused: {error.get('message')}",
    }
    lines = [messages.get(result.status, f"{name}: {result.status}").replace(" ().", ".")]
    if result.status != "crashed" and result.limits_hit:
        lines.append(f"  (while it ran, the call {limits})")
    lines += _notes(result)
    return lines


def _import_failure(module: str, result: CallResult) -> list[str]:
    """Feedback for a module that does not import: one message for all its checks."""
    error = result.error
    where = f"\n    at {error['where']}" if error.get("where") else ""
    top_level = (
        "Code at the top level of a module runs every time it is imported: move exploration "
        'into functions, or under `if __name__ == "__main__":`.'
    )
    running = f" (it was running {result.where})" if result.where else ""
    messages = {
        "import-error": f"importing {module}.py failed: {error.get('type')}: "
        f"{error.get('message')}{where}",
        "timeout": f"importing {module}.py did not finish in time{running}. {top_level}",
        "cpu": f"importing {module}.py used too much CPU time{running}. {top_level}",
        "crashed": f"importing {module}.py ended the process"
        + (f" (exit status {result.exit_code})." if result.exit_code is not None else "."),
        "stopped": f"{module}.py: not graded, the grading run was stopped during its import.",
    }
    return [messages.get(result.status, f"importing {module}.py: {result.status}"), *_notes(result)]


def _notes(result: CallResult) -> list[str]:
    lines = []
    if result.error.get("blocked"):
        lines.append("  That module is off limits in this exercise: write this part yourself.")
    elif result.error.get("type") == "PermissionError":
        lines.append(
            "  Learner code may read only its own folder, the data and Python's libraries, and "
            "write only in its working folder (the current directory of the call)."
        )
    if result.stderr.strip() and result.status in ("crashed", "import-error"):
        lines.append("  last output: " + result.stderr.strip().splitlines()[-1][:200])
    return lines


SHAPE_WORDS = re.compile(
    r"expected an? (?!\d)|columns missing|missing from the returned dict|more than once|"
    r"cannot compare|holds something else|not plain"
)
"""Feedback on the kind or shape of a value (a list where a table is expected), which says
nothing of the held-out answers and is shown as it is."""


def redact(verdict: Verdict, label: str) -> Verdict:
    """Held-out feedback: what is wrong in kind or shape, and which parts differ, but never the
    expected values (nor ids, nor counts)."""
    kept, parts = [], []
    for line in verdict.lines:
        if SHAPE_WORDS.search(line):
            kept.append(line)
        elif ":" in line and not line.startswith(" "):
            parts.append(line.split(":", 1)[0].strip())
    names = list(dict.fromkeys(parts)) or ([] if kept else [label])
    lines = [f"{name}: differs from the expected value on the held-out data" for name in names]
    return fail(*kept, *lines, HELD_OUT_NOTE)


@dataclass
class GradingRun:
    """Grade the modules in ``learner_dir`` on ``variants`` with the checks of ``table``.

    ``selected`` (optional) names the (check id, variant label) pairs to grade, as ``-k``
    chose them: only their calls run. Results are kept as calls end, so that a run stopped
    half-way (``stopped`` says why) still grades every check whose call had ended.
    ``refused`` maps an exercise whose source was refused (a notebook that defines a function
    twice, say: :mod:`~.notebook_source`) to why; its checks fail with that reason.
    """

    learner_dir: Path
    variants: list[Variant]
    table: CheckTable
    sandbox: Sandbox
    selected: frozenset[tuple[str, str]] | None = None
    refused: dict[str, str] = field(default_factory=dict)
    results: dict[tuple[str, str], CallResult] = field(default_factory=dict)
    stopped: str | None = None
    _outcomes: dict[tuple[str, str], CheckOutcome] = field(default_factory=dict)

    def _planned(self) -> list[tuple[Variant, CallSpec]]:
        """(variant, call) pairs the selected checks need, in table order."""
        planned = []
        for variant in self.variants:
            for check in self.table.checks:
                spec = self.table.spec(check)
                if spec.dataset != variant.references.dataset:
                    continue
                if self.selected is not None and (check.id, variant.label) not in self.selected:
                    continue
                if (variant, spec) not in planned:
                    planned.append((variant, spec))
        return planned

    def _call(self, variant: Variant, spec: CallSpec) -> Call:
        return Call(
            spec.exercise,
            spec.function,
            variant.references.args[spec.name],
            self.learner_dir,
            spec.timeout,
            reads=(variant.references.root,),
            blocked=self.table.blocked_imports,
        )

    def import_modules(self, planned: list[tuple[Variant, CallSpec]]) -> dict[str, CallResult]:
        """Import each learner module once, within a short time; the modules that failed."""
        modules: dict[str, list] = {}
        for variant, spec in planned:
            if (
                spec.exercise not in self.refused
                and (self.learner_dir / f"{spec.exercise}.py").is_file()
            ):
                entry = modules.setdefault(spec.exercise, [IMPORT_TIMEOUT_SECONDS, []])
                entry[0] = min(entry[0], spec.timeout)
                if variant.label == "sample":
                    entry[1].append(variant.references.root)
        probes = [
            Call(
                module,
                None,
                (),
                self.learner_dir,
                timeout,
                tuple(roots),
                self.table.blocked_imports,
            )
            for module, (timeout, roots) in modules.items()
        ]
        outcomes = self.sandbox.run(probes)
        return {
            probe.module: replace(outcome, phase="import")
            for probe, outcome in zip(probes, outcomes, strict=True)
            if outcome.status != "ok"
        }

    def run_calls(self) -> None:
        """Import the modules, then run every planned call once (in parallel)."""
        planned = self._planned()
        failed = self.import_modules(planned)
        runnable = []
        for variant, spec in planned:
            key = (variant.label, spec.name)
            if spec.exercise in self.refused:
                self.results[key] = CallResult(
                    "refused", error={"message": self.refused[spec.exercise]}
                )
            elif not (self.learner_dir / f"{spec.exercise}.py").is_file():
                self.results[key] = CallResult("not-found")
            elif spec.exercise in failed:
                self.results[key] = failed[spec.exercise]
            else:
                runnable.append((variant, spec))

        def keep(index: int, result: CallResult) -> None:
            variant, spec = runnable[index]
            self.results[(variant.label, spec.name)] = result

        self.sandbox.run([self._call(variant, spec) for variant, spec in runnable], keep)

    def evaluate(self, check: Check, variant: Variant) -> CheckOutcome:
        """The verdict on ``check`` for ``variant`` (after the calls ran, or were stopped).

        Nothing a learner returns can make this raise: an error while comparing fails the
        check with a plain message.
        """
        key = (check.id, variant.label)
        if key in self._outcomes:
            return self._outcomes[key]
        start = time.perf_counter()
        spec = self.table.spec(check)
        result = self.results.get((variant.label, spec.name), CallResult("stopped"))
        expected_full = variant.references.outputs[spec.name]
        label = check.select or spec.function
        if result.status != "ok":
            verdict = Verdict(
                False, tuple(call_failure(spec.exercise, spec.function, result, spec.timeout))
            )
        else:
            verdict = judge(check, expected_full, result.value, label)
            if not verdict.passed and result.limits_hit:
                limits = "; ".join(LIMIT_WORDS.get(limit, limit) for limit in result.limits_hit)
                verdict = fail(*verdict.lines, f"  (while it ran, the call {limits})")
        found: list[str] = []
        if (
            not verdict.passed
            and result.status not in ("stopped", "not-found", "refused")
            and result.phase != "import"
        ):
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
        if not verdict.passed and result.status == "ok" and variant.label != "sample":
            verdict = redact(verdict, label)
            sample = self._sample_of(variant)
            if sample is not None and self.evaluate(check, sample).passed:
                found.append(HARD_CODED)
        outcome = CheckOutcome(
            check,
            spec.exercise,
            variant.label,
            verdict.passed,
            list(verdict.lines),
            found,
            time.perf_counter() - start + result.seconds,
        )
        self._outcomes[key] = outcome
        return outcome

    def _sample_of(self, variant: Variant) -> Variant | None:
        dataset = variant.references.dataset
        return next(
            (v for v in self.variants if v.label == "sample" and v.references.dataset == dataset),
            None,
        )

    def grade(self) -> list[CheckOutcome]:
        """Run the calls and evaluate every check on every variant of its dataset."""
        self.run_calls()
        return [
            self.evaluate(check, variant)
            for variant in self.variants
            for check in self.table.checks
            if self.table.spec(check).dataset == variant.references.dataset
        ]


def judge(check: Check, expected_full: Any, got_full: Any, label: str) -> Verdict:
    """Compare the learner's output with the expected one by the check's comparison.

    Any exception is the check's failure, said plainly (the learner returned something of a
    shape no comparison expected); it never escapes.
    """
    try:
        expected = select(expected_full, check.select)
        try:
            got = select(got_full, check.select)
        except (KeyError, TypeError) as exc:
            return Verdict(False, (str(exc).strip("'\""),))
        return check.comparison.compare(expected, got, label)
    except Exception as exc:  # learner data of any shape: a failure, not a crash
        return fail(f"{label}: the grader cannot compare what was returned ({type(exc).__name__})")
