"""The grader as a pytest plugin: each check is a test item worth points.

``pytest -p imaging_course.grader.plugin --solutions DIR DIR`` grades the exercise modules in
DIR: the plugin collects DIR itself, one collector per exercise module and one item per check
(``python -m imaging_course.grader grade`` and `make grade` run exactly that, with pytest's
Python collection and conftest loading switched off so that nothing of DIR is imported into
the grader's process). Every learner call runs once, before the first check. Items are named
``<exercise>::<check>[<variant>]``; the terminal ends with a per-exercise table and the total
in %, the exit status is non-zero below 100%, ``--junitxml`` works as usual (each test case
carries ``points`` and ``earned`` properties) and ``--grade-report PATH`` writes the JSON
report. The terminal says once which sandbox limits are in force, shows each feedback once
(one line for all the checks of a function that is not written yet), and ends with a line
that says what the exit status means. The total counts every selected check: one that could
not be graded (the run was stopped, say) counts as failed. SIGTERM, SIGHUP and SIGINT stop
the run: the calls under way are ended, their folders removed, and every check whose call had
ended is still graded and reported.
"""

import compileall
import dataclasses
import json
import os
import signal
from collections.abc import Generator
from pathlib import Path

import pytest

import imaging_course
from imaging_course.course_modules import SOLUTIONS_DIR
from imaging_course.datasets.registry import DATASETS
from imaging_course.grader import heldout
from imaging_course.grader.check_table import Check, load_table
from imaging_course.grader.course import course_table
from imaging_course.grader.grading_run import CheckOutcome, GradingRun, Variant
from imaging_course.grader.limits import Limits
from imaging_course.grader.notebook_source import prepare_submission
from imaging_course.grader.reference import (
    REFERENCE_DIR,
    ReferenceError,
    references_for,
    write_references,
)
from imaging_course.grader.report import (
    build_report,
    exit_line,
    grouped_feedback,
    render_outcome,
    score_table,
)
from imaging_course.grader.sandbox import Sandbox, SandboxUnavailableError, stop_on_signals

_EXERCISES = [dataset.exercise for dataset in DATASETS.values()]
_VARIABLES = [dataset.env_var for dataset in DATASETS.values()]
HELP_SOLUTIONS = f"grade the exercise modules ({'.py, '.join(_EXERCISES)}.py) in DIR"
HELP_REPORT = "write the grading report as JSON to PATH"
HELP_HELD_OUT = "also run every check on held-out data (another seed, other counts)"
HELP_TABLE = "the check table, as module:attribute (default: the course's)"
HELP_EXERCISES = f"grade only these exercise modules (comma-separated, e.g. {_EXERCISES[0]})"
HELP_ROOT = f"dataset folder for NAME (default: {' / '.join(_VARIABLES)})"
HELP_TIMEOUT = "seconds per learner call, instead of the check table's"
HELP_EXIT_ZERO = "exit 0 below 100% too, once grading ran (what `make grade` does)"
HELP_CPU = "CPU seconds per learner call, all its processes together (default: its timeout)"
HELP_PREPARE = "only build and store the references and held-out data (grade-all does this first)"
HELP_UNCONFINED = (
    "run learner code without Landlock (root only: as a user of its own, who cannot write your "
    "files; refused where that user cannot read Python and the data)"
)
GRADER_KEY = pytest.StashKey["GraderState"]()
COURSE_PACKAGE = Path(imaging_course.__file__).resolve().parent
"""The course package, compiled before any call (calls write no bytecode)."""


class GradingStoppedError(KeyboardInterrupt):
    """SIGTERM or SIGHUP reached the grader: stop as Ctrl-C (SIGINT) does."""


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
    group.addoption("--grade-memory-mb", type=int, default=Limits.memory_mb, help="per call")
    group.addoption("--grade-timeout", type=float, default=0.0, help=HELP_TIMEOUT)
    group.addoption("--grade-cpu-seconds", type=float, default=0.0, help=HELP_CPU)
    group.addoption("--grade-prepare-only", action="store_true", help=HELP_PREPARE)
    group.addoption("--grade-unconfined", action="store_true", help=HELP_UNCONFINED)
    group.addoption("--exit-zero-when-graded", action="store_true", help=HELP_EXIT_ZERO)


def pytest_configure(config: pytest.Config) -> None:
    """Set the grader up when ``--solutions`` is given: feedback comes from the grader's own
    summary, so pytest's per-test failure sections are off."""
    if config.getoption("solutions"):
        config.option.tbstyle = "no"
        config.stash[GRADER_KEY] = GraderState(config)


class GradingUnavailableError(Exception):
    """The run cannot grade at all (no data): says why."""


class CheckFailedError(Exception):
    """A check did not pass; carries its outcome for the report."""

    def __init__(self, outcome: CheckOutcome) -> None:
        super().__init__(outcome.name)
        self.outcome = outcome


def no_data(dataset: str, root: Path | None) -> str:
    """Why ``dataset`` cannot be graded on ``root``, and what to do about it."""
    if dataset not in DATASETS:
        return f"no {dataset} data at {root}: give its folder with --dataset-root {dataset}=DIR"
    variable = DATASETS[dataset].env_var
    return f"no {dataset} data at {root}: run `make data`, or point {variable} at a download"


class GraderState:
    """Everything one grading session holds: options, the run, the outcomes so far."""

    def __init__(self, config: pytest.Config) -> None:
        option = config.getoption
        table = load_table(option("grade_table")) if option("grade_table") else course_table()
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
        exercises = list(dict.fromkeys(table.exercise(check) for check in table.checks))
        self.submission = prepare_submission(self.learner_dir, exercises)
        self.report_path = option("grade_report")
        self.held_out = option("held_out")
        roots = {name: dataset.root() for name, dataset in DATASETS.items()}
        for item in option("dataset_root"):
            name, _, folder = item.partition("=")
            roots[name] = Path(folder)
        self.roots = roots
        self.reference_dir = Path(option("reference_dir") or REFERENCE_DIR)
        self.reference_solutions = Path(option("reference_solutions") or SOLUTIONS_DIR).resolve()
        self.cache_dir = Path(option("grade_cache") or heldout.default_cache_dir())
        self.run: GradingRun | None = None
        self.problem: str | None = None
        self.stopped: str | None = None
        self.stop_signal: str | None = None
        self.items: list[tuple[Check, str]] = []
        self.outcomes: dict[tuple[str, str], CheckOutcome] = {}
        self.sandbox: Sandbox | None = None
        reads = [*roots.values(), self.cache_dir / "heldout", self.learner_dir]
        reads.append(self.submission.folder)
        try:
            self.sandbox = Sandbox(
                workers=option("grade_workers") or os.cpu_count() or 1,
                limits=Limits(
                    memory_mb=option("grade_memory_mb"),
                    cpu_seconds=option("grade_cpu_seconds") or None,
                ),
                confine=not option("grade_unconfined"),
                reads=[*reads, self.reference_solutions],
            )
            self.sandbox.start()
        except SandboxUnavailableError as exc:
            self.problem = str(exc)
        stop_on_signals(self.stop)

    def stop(self, number: int) -> None:
        """A SIGTERM or SIGHUP: stop the run as Ctrl-C does.

        Only the first one raises: a hang-up reaches `grade-all` and its learners' runs at
        once, and `grade-all` then sends each a SIGTERM, which must not cut the stop that is
        under way (ending the calls, grading what ended, writing the report).
        """
        if self.stop_signal is not None:
            return
        self.stop_signal = signal.Signals(number).name
        raise GradingStoppedError(self.stop_signal)

    def variant_labels(self) -> list[str]:
        return ["sample", "held-out"] if self.held_out else ["sample"]

    def prepare_references(self, datasets: list[str]) -> list[Variant]:
        """Load or compute the references of every variant of ``datasets`` (``problem`` says
        why not).

        Sandbox calls write no bytecode (and may not, when confined), so the course package,
        which calls may import, is compiled here first: stale ``.pyc`` files would be
        recompiled by every call, which doubles the time of `make grade`. (The modules calls
        are made to, learners' and reference solutions', the sandbox compiles itself.)
        """
        compileall.compile_dir(COURSE_PACKAGE, quiet=2)
        variants: list[Variant] = []
        try:
            for dataset in datasets:
                root = self.roots.get(dataset)
                if root is None or not Path(root).is_dir():
                    raise GradingUnavailableError(no_data(dataset, root))
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
        ``selected`` (check id, variant) pairs need, or all of them. A stop (Ctrl-C, SIGTERM,
        SIGHUP) ends the calls under way; the checks of the calls that had ended are graded."""
        if self.run is not None or self.problem is not None or self.stopped is not None:
            return
        ids = {check_id for check_id, _ in selected} if selected is not None else None
        datasets = [
            dataset
            for dataset in self.table.datasets()
            if ids is None
            or any(c.id in ids and self.table.spec(c).dataset == dataset for c in self.table.checks)
        ]
        try:
            variants = self.prepare_references(datasets)
            if self.problem is not None:
                return
            self.run = GradingRun(
                self.submission.folder,
                variants,
                self.table,
                self.sandbox,
                selected=selected,
                refused=self.submission.refused,
            )
            self.run.run_calls()
        except KeyboardInterrupt as exc:
            self.stopped = str(exc) or "SIGINT"
            if self.run is not None:
                self.run.stopped = self.stopped
            self.close()

    def outcome(self, check: Check, label: str) -> CheckOutcome:
        """The outcome of ``check`` on the variant ``label`` (grading on first use)."""
        self.prepare()
        dataset = self.table.spec(check).dataset
        variant = None
        if self.run is not None:
            variant = next(
                (
                    v
                    for v in self.run.variants
                    if (v.label, v.references.dataset) == (label, dataset)
                ),
                None,
            )
        if variant is None:
            outcome = self.ungraded(check, label)
        else:
            outcome = self.run.evaluate(check, variant)
        self.outcomes[(check.id, label)] = outcome
        return outcome

    def ungraded(self, check: Check, label: str) -> CheckOutcome:
        """The failed outcome of a check that could not be graded, saying why."""
        if self.problem is not None:
            why = f"cannot grade: {self.problem}"
        else:
            why = f"not graded: the grading run was stopped ({self.stopped or 'interrupted'})"
        return CheckOutcome(check, self.table.exercise(check), label, False, [why])

    def report(self) -> dict:
        """The JSON report of every selected check: graded, or failed saying why not."""
        data = {}
        if self.run is not None:
            for variant in self.run.variants:
                references = variant.references
                data[f"{references.dataset}[{variant.label}]"] = {
                    "root": str(references.root) if variant.label == "sample" else "(held out)",
                    "references": references.origin,
                    "note": references.note,
                }
        outcomes = [
            self.outcomes.get((check.id, label)) or self.ungraded(check, label)
            for check, label in self.items
        ]
        report = build_report(outcomes, str(self.learner_dir), data)
        return {**report, "notebooks": self.submission.lines}

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()
        self.submission.close()


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


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path: Path, parent: pytest.Collector) -> GradedFolder | None:
    """The folder being graded is collected by the grader, never searched for tests."""
    config = parent.config
    if GRADER_KEY in config.stash and path == config.stash[GRADER_KEY].learner_dir:
        return GradedFolder.from_parent(parent, path=path)
    return None


def pytest_collection_finish(session: pytest.Session) -> None:
    """Note every selected check (the total's denominator); with ``--grade-prepare-only``,
    build the references and store the sample ones."""
    config = session.config
    if GRADER_KEY not in config.stash:
        return
    state = config.stash[GRADER_KEY]
    state.items = [
        (item.check, item.variant) for item in session.items if isinstance(item, CheckItem)
    ]
    if not config.getoption("grade_prepare_only") or state.problem is not None:
        return
    for variant in state.prepare_references(state.table.datasets()):
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


@pytest.hookimpl(wrapper=True)
def pytest_report_header(config: pytest.Config) -> Generator[None, list, list]:
    """Name the folder being graded and the sandbox's limits; leave out the empty
    configuration file (``-c``)."""
    lines = yield
    if GRADER_KEY not in config.stash:
        return lines
    empty_config = f"configfile: {os.path.relpath(os.devnull, config.rootpath)}"
    kept = [
        [line for line in entry if line != empty_config] if isinstance(entry, list) else entry
        for entry in lines
        if entry != empty_config
    ]
    state = config.stash[GRADER_KEY]
    sandbox = [state.sandbox.describe()] if state.sandbox is not None else []
    return [*kept, f"grading: {state.learner_dir}", *sandbox]


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    """Each feedback once, the notes on references, the per-exercise table and the total."""
    if GRADER_KEY not in config.stash:
        return
    state = config.stash[GRADER_KEY]
    report = state.report()
    terminalreporter.section("grade")
    for line in report["notebooks"]:
        terminalreporter.write_line(line)
    for line in grouped_feedback(report["checks"]):
        terminalreporter.write_line(line)
    for name, entry in report["data"].items():
        if entry["note"] and name.endswith("[sample]"):
            terminalreporter.write_line(f"{name} references computed live: {entry['note']}")
    for line in score_table(report):
        terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write the JSON report; a score below 100% fails the session, a stop interrupts it."""
    if GRADER_KEY not in session.config.stash:
        return
    state = session.config.stash[GRADER_KEY]
    report = state.report()
    if state.report_path:
        path = Path(state.report_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=1, allow_nan=True) + "\n", encoding="utf-8")
    if state.problem is not None:
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
    elif state.stopped is not None:
        session.exitstatus = pytest.ExitCode.INTERRUPTED
    elif session.config.getoption("exit_zero_when_graded"):
        session.exitstatus = pytest.ExitCode.OK
    elif report["percent"] < 100.0 and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the sandbox servers; the last line says what the exit status means."""
    if GRADER_KEY not in config.stash:
        return
    state = config.stash[GRADER_KEY]
    state.close()
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and state.items and not config.getoption("grade_prepare_only"):
        zero = config.getoption("exit_zero_when_graded")
        line = exit_line(state.report(), stopped=state.stopped, problem=state.problem, zero=zero)
        reporter.write_line(line)
