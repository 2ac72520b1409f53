"""The grader as a pytest plugin: each check is a test item worth points.

``pytest -p imaging_course.grader.plugin --solutions DIR DIR`` grades the exercise modules in
DIR: the plugin collects DIR itself, one collector per exercise module and one item per check
(``python -m imaging_course.grader grade`` and `make grade` run exactly that, with pytest's
Python collection and conftest loading switched off so that nothing of DIR is imported into
the grader's process). Every learner call runs once, before the first check. Items are named
``<exercise>::<check>[<variant>]``; the terminal ends with a per-exercise table and the total
in %, the exit status is non-zero below 100%, ``--junitxml`` works as usual (each test case
carries ``points`` and ``earned`` properties) and ``--grade-report PATH`` writes the JSON
report.
"""

import compileall
import dataclasses
import json
import os
from collections.abc import Generator
from pathlib import Path

import pytest

import imaging_course
from imaging_course.course_modules import SOLUTIONS_DIR
from imaging_course.datasets.paths import lits_root, siim_root
from imaging_course.grader import heldout
from imaging_course.grader.checks import Check, load_table
from imaging_course.grader.grading import CheckOutcome, GradingRun, Variant
from imaging_course.grader.integrity import Guard, damage_note
from imaging_course.grader.reference import (
    REFERENCE_DIR,
    ReferenceError,
    references_for,
    write_references,
)
from imaging_course.grader.report import build_report, render_outcome, score_table
from imaging_course.grader.sandbox import DEFAULT_MEMORY_MB, Sandbox

HELP_SOLUTIONS = "grade the exercise modules (siim_eda.py, lits_eda.py) in DIR"
HELP_REPORT = "write the grading report as JSON to PATH"
HELP_HELD_OUT = "also run every check on held-out data (another seed, other counts)"
HELP_TABLE = "the check table, as module:attribute (default: the course's)"
HELP_EXERCISES = "grade only these exercise modules (comma-separated, e.g. siim_eda)"
HELP_ROOT = "dataset folder for NAME (default: SIIM_DATA_DIR / LITS_DATA_DIR)"
HELP_TIMEOUT = "seconds per learner call, instead of the check table's"
HELP_PREPARE = "only build and store the references and held-out data (grade-all does this first)"
HELP_UNCONFINED = "let learner code write outside its call folder (the guard still restores)"
GRADER_KEY = pytest.StashKey["GraderState"]()
UNCONFINED_NOTE = (
    "note: learner code could write outside its call folder (Landlock off or missing); "
    "files it changes are put back and the calls that changed them fail"
)
COURSE_PACKAGE = Path(imaging_course.__file__).resolve().parent
"""The whole course package: a learner call that changes any of its files fails."""


def pytest_addoption(parser: pytest.Parser) -> None:
    """The grader's options (they do nothing unless ``--solutions`` is given)."""
    group = parser.getgroup("grader", "grade EDA exercise modules")
    group.addoption("--solutions", metavar="DIR", help=HELP_SOLUTIONS)
    group.addoption("--grade-report", metavar="PATH", help=HELP_REPORT)
    group.addoption("--held-out", action="store_true", help=HELP_HELD_OUT)
    group.addoption("--grade-table", metavar="MODULE:ATTR", help=HELP_TABLE)
    group.addoption("--grade-exercises", metavar="NAMES", help=HELP_EXERCISES)
    group.addoption(
        "--dataset-root", metavar="NAME=DIR", action="append", default=[], help=HELP_ROOT
    )
    group.addoption("--reference-dir", metavar="DIR", help="stored references (reference/)")
    group.addoption("--reference-solutions", metavar="DIR", help="reference solutions (solutions/)")
    group.addoption("--grade-cache", metavar="DIR", help="held-out data and references cache")
    group.addoption("--grade-workers", type=int, default=0, help="calls at once (every core)")
    group.addoption("--grade-memory-mb", type=int, default=DEFAULT_MEMORY_MB, help="per call")
    group.addoption("--grade-timeout", type=float, default=0.0, help=HELP_TIMEOUT)
    group.addoption("--grade-prepare-only", action="store_true", help=HELP_PREPARE)
    group.addoption("--grade-unconfined", action="store_true", help=HELP_UNCONFINED)


def pytest_configure(config: pytest.Config) -> None:
    """Set the grader up when ``--solutions`` is given."""
    if config.getoption("solutions"):
        config.stash[GRADER_KEY] = GraderState(config)


class GradingUnavailableError(Exception):
    """The run cannot grade at all (no data): says why."""


class CheckFailedError(Exception):
    """A check did not pass; carries its outcome for the report."""

    def __init__(self, outcome: CheckOutcome) -> None:
        super().__init__(outcome.name)
        self.outcome = outcome


class GraderState:
    """Everything one grading session holds: options, the run, the outcomes so far."""

    def __init__(self, config: pytest.Config) -> None:
        option = config.getoption
        table = load_table(option("grade_table") or "imaging_course.grader.checks:COURSE_TABLE")
        if option("grade_exercises"):
            table = table.for_exercises(option("grade_exercises").split(","))
        if option("grade_timeout"):
            calls = {
                name: dataclasses.replace(spec, timeout=option("grade_timeout"))
                for name, spec in table.calls.items()
            }
            table = dataclasses.replace(table, calls=calls)
        self.table = table
        self.learner_dir = Path(option("solutions")).resolve()
        self.report_path = option("grade_report")
        self.held_out = option("held_out")
        roots = {"siim": siim_root(), "lits": lits_root()}
        for item in option("dataset_root"):
            name, _, folder = item.partition("=")
            roots[name] = Path(folder)
        self.roots = roots
        self.reference_dir = Path(option("reference_dir") or REFERENCE_DIR)
        self.reference_solutions = Path(option("reference_solutions") or SOLUTIONS_DIR).resolve()
        self.cache_dir = Path(option("grade_cache") or heldout.default_cache_dir())
        self.workers = option("grade_workers") or os.cpu_count() or 1
        self.memory_mb = option("grade_memory_mb")
        self.confine = not option("grade_unconfined")
        self.run: GradingRun | None = None
        self.problem: str | None = None
        self.outcomes: dict[tuple[str, str], CheckOutcome] = {}
        self.sandbox: Sandbox | None = None

    def variant_labels(self) -> list[str]:
        return ["sample", "held-out"] if self.held_out else ["sample"]

    def prepare_references(self) -> list[Variant]:
        """Load or compute the references of every variant (``problem`` says why not).

        Sandbox calls write no bytecode (and may not, when confined), so the course package
        and the reference solutions are compiled here first: stale ``.pyc`` files would be
        recompiled by every call, which doubles the time of `make grade`.
        """
        for folder in (COURSE_PACKAGE, self.reference_solutions):
            compileall.compile_dir(folder, quiet=2)
        self.sandbox = Sandbox(workers=self.workers, memory_mb=self.memory_mb, confine=self.confine)
        variants: list[Variant] = []
        try:
            for dataset in self.table.datasets():
                root = self.roots.get(dataset)
                if root is None or not Path(root).is_dir():
                    raise GradingUnavailableError(
                        f"no {dataset} data at {root}: run `make data`, or point "
                        f"{dataset.upper()}_DATA_DIR at a download"
                    )
                if note := damage_note(Path(root)):
                    raise GradingUnavailableError(note)
                sample = references_for(
                    self.table,
                    dataset,
                    Path(root),
                    self.reference_solutions,
                    self.sandbox,
                    folder=self.reference_dir,
                )
                variants.append(Variant("sample", sample))
                if self.held_out:
                    references = heldout.heldout_references(
                        self.table, dataset, self.cache_dir, self.reference_solutions, self.sandbox
                    )
                    variants.append(Variant("held-out", references))
        except (GradingUnavailableError, ReferenceError) as exc:
            self.problem = str(exc)
        return variants

    def prepare(self, selected: frozenset[tuple[str, str]] | None = None) -> None:
        """Load or compute the references, then run the learner calls (each once) that the
        ``selected`` (check id, variant) pairs need, or all of them."""
        if self.run is not None or self.problem is not None:
            return
        variants = self.prepare_references()
        if self.problem is not None:
            return
        guard = Guard(
            protected=[
                COURSE_PACKAGE,
                self.reference_solutions,
                self.reference_dir,
                self.cache_dir / "heldout-reference",
            ],
            watched=[v.references.root for v in variants],
        )
        self.run = GradingRun(
            self.learner_dir, variants, self.table, self.sandbox, guard, selected=selected
        )
        self.run.run_calls()

    def outcome(self, check: Check, label: str) -> CheckOutcome:
        """The outcome of ``check`` on the variant ``label`` (grading on first use)."""
        self.prepare()
        exercise = self.table.exercise(check)
        if self.problem is not None:
            outcome = CheckOutcome(check, exercise, label, False, [f"cannot grade: {self.problem}"])
        else:
            dataset = self.table.spec(check).dataset
            variant = next(
                v for v in self.run.variants if v.label == label and v.references.dataset == dataset
            )
            outcome = self.run.evaluate(check, variant)
        self.outcomes[(check.id, label)] = outcome
        return outcome

    def report(self) -> dict:
        data = {}
        if self.run is not None:
            for variant in self.run.variants:
                references = variant.references
                data[f"{references.dataset}[{variant.label}]"] = {
                    "root": str(references.root) if variant.label == "sample" else "(held out)",
                    "references": references.origin,
                    "note": references.note,
                }
        return build_report(self.outcomes.values(), str(self.learner_dir), data)

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()


class GradedFolder(pytest.Directory):
    """The learner's folder: one collector per exercise module (nothing of it is imported)."""

    def collect(self) -> list:
        state = self.config.stash[GRADER_KEY]
        if self.config.getoption("grade_prepare_only"):
            return []
        exercises = dict.fromkeys(state.table.exercise(check) for check in state.table.checks)
        return [
            ExerciseCollector.from_parent(self, name=exercise, nodeid=exercise)
            for exercise in exercises
        ]


class ExerciseCollector(pytest.Collector):
    """The checks of one exercise module, on every variant (sample, then held-out)."""

    def collect(self) -> list:
        state = self.config.stash[GRADER_KEY]
        return [
            CheckItem.from_parent(self, name=f"{check.id}[{label}]", check=check, variant=label)
            for label in state.variant_labels()
            for check in state.table.checks
            if state.table.exercise(check) == self.name
        ]


class CheckItem(pytest.Item):
    """One check on one variant; passes or fails with feedback, never a traceback."""

    def __init__(self, *, check: Check, variant: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.variant = variant

    def runtest(self) -> None:
        state = self.config.stash[GRADER_KEY]
        outcome = state.outcome(self.check, self.variant)
        self.user_properties.append(("points", outcome.check.points))
        self.user_properties.append(("earned", outcome.earned))
        if not outcome.passed:
            raise CheckFailedError(outcome)

    def repr_failure(self, excinfo, style=None) -> str:
        if isinstance(excinfo.value, CheckFailedError):
            return render_outcome(excinfo.value.outcome)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple:
        return self.path, None, f"{self.check.id} [{self.variant}]"


@pytest.hookimpl(wrapper=True)
def pytest_report_header(config: pytest.Config) -> Generator[None, list, list]:
    """Name the folder being graded; leave out the empty configuration file (``-c``)."""
    lines = yield
    if GRADER_KEY not in config.stash:
        return lines
    empty_config = f"configfile: {os.path.relpath(os.devnull, config.rootpath)}"
    kept = [
        [line for line in entry if line != empty_config] if isinstance(entry, list) else entry
        for entry in lines
        if entry != empty_config
    ]
    return [*kept, f"grading: {config.stash[GRADER_KEY].learner_dir}"]


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path: Path, parent: pytest.Collector) -> GradedFolder | None:
    """The folder being graded is collected by the grader, never searched for tests."""
    config = parent.config
    if GRADER_KEY in config.stash and path == config.stash[GRADER_KEY].learner_dir:
        return GradedFolder.from_parent(parent, path=path)
    return None


def pytest_collection_finish(session: pytest.Session) -> None:
    """With ``--grade-prepare-only``: build the references and store the sample ones."""
    config = session.config
    if GRADER_KEY not in config.stash or not config.getoption("grade_prepare_only"):
        return
    state = config.stash[GRADER_KEY]
    for variant in state.prepare_references():
        references = variant.references  # held-out ones are cached by heldout already
        stamped = references.fingerprint is not None
        if variant.label == "sample" and references.origin == "live" and stamped:
            write_references(references, state.reference_dir)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """Run the learner calls of the selected checks before the first check, so no check is
    charged for them all (and ``-k`` saves the calls of the checks it leaves out)."""
    config = session.config
    if GRADER_KEY in config.stash and session.items and not config.option.collectonly:
        selected = frozenset(
            (item.check.id, item.variant) for item in session.items if isinstance(item, CheckItem)
        )
        config.stash[GRADER_KEY].prepare(selected)


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    """The per-exercise table and the total score."""
    if GRADER_KEY not in config.stash:
        return
    state = config.stash[GRADER_KEY]
    report = state.report()
    terminalreporter.section("grade")
    if state.sandbox is not None and not state.sandbox.confined:
        terminalreporter.write_line(UNCONFINED_NOTE)
    for name, entry in report["data"].items():
        if entry["note"] and name.endswith("[sample]"):
            terminalreporter.write_line(f"{name} references computed live: {entry['note']}")
    for line in score_table(report):
        terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write the JSON report; a score below 100% fails the session."""
    if GRADER_KEY not in session.config.stash:
        return
    state = session.config.stash[GRADER_KEY]
    report = state.report()
    if state.report_path:
        path = Path(state.report_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=1, allow_nan=True) + "\n", encoding="utf-8")
    if report["percent"] < 100.0 and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the sandbox servers."""
    if GRADER_KEY in config.stash:
        config.stash[GRADER_KEY].close()
