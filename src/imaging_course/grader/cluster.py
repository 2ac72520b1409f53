"""The Dask side of `grade-all`: a class graded as one task per learner on a Dask cluster.

Why Dask (``distributed``) and not a pool of our own: course teams outgrow one machine, and
Dask's scheduler is what they can start on a lab's machines, on an HPC queue (dask-jobqueue)
or on Kubernetes, with retries when a worker dies. Without a scheduler address the class is
graded on this machine by a local cluster of in-process workers (one thread each), so that
there is one way of grading a class.

A task carries the learner's files as bytes (workers do not share the instructor's disk),
grades them on the worker with the same command, sandbox, confinement and limits as a local
run, and returns the JSON report and the log; the instructor writes the gradebook. Before any
learner runs, every worker is checked: course version (package version and a digest of the
course's code), data fingerprint (the generators' stamps, the data made on the worker from
the seed when missing) and confinement (Landlock); a worker that fails is refused by name and
gets no learner. A run whose accepted workers are all lost does not wait for them forever:
after ``no_worker_seconds`` without one, the learners not graded are left to the next run.
"""

import contextlib
import ctypes
import fcntl
import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

import imaging_course
from imaging_course.datasets.registry import DATASETS
from imaging_course.datasets.stamp import read_stamp
from imaging_course.grader.limits import Limits
from imaging_course.grader.sandbox import Policy, SandboxUnavailableError

STOP_GRACE_SECONDS = 30.0
"""How long a stopped learner's run may take to grade what ended and clean up before SIGKILL."""
POLL_SECONDS = 0.5
"""How often a task looks whether its learner's run ended or grade-all was stopped, and how
often grade-all, when no result came, looks whether an accepted worker is left."""
NO_WORKER_SECONDS = 120.0
"""How long a run waits, by default, for an accepted worker to come back (its address listed by
the scheduler again) when every one was lost, before it ends with the learners graded so far."""


def course_version() -> dict:
    """The course this process runs: package version and a digest of every ``.py`` of the
    package (names and bytes), so that a worker with other code is told apart even when the
    version number was not bumped."""
    package = Path(imaging_course.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return {
        "version": importlib.metadata.version("imaging-course"),
        "code": digest.hexdigest()[:16],
    }


def data_fingerprints() -> dict[str, dict | None]:
    """The generator's stamp of every dataset's folder here, without the folder itself (which
    differs between machines); None for a folder without a stamp (missing, or a real
    download)."""
    fingerprints = {}
    for name, dataset in DATASETS.items():
        stamp = read_stamp(dataset.root())
        fingerprints[name] = None if stamp is None else stamp.fields()
    return fingerprints


def make_missing_data(expected: dict[str, dict | None]) -> None:
    """Generate here each dataset the instructor has from our generator (``expected``: her
    stamps) and this machine lacks, with her scale and seed (the generators are
    deterministic), under a lock so that two workers of one machine do not both write it."""
    for name, stamp in expected.items():
        dataset = DATASETS.get(name)
        if stamp is None or dataset is None or read_stamp(dataset.root()) is not None:
            continue
        root = dataset.root()
        root.parent.mkdir(parents=True, exist_ok=True)
        with _locked(root.parent):
            if read_stamp(root) is None:
                generate = dataset.generator_function()
                generate(root, scale=stamp["scale"], seed=stamp["seed"], progress=False)


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive lock on the folder ``path`` (no lock file left behind)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


@dataclass(frozen=True)
class Expectation:
    """What a worker must match: the instructor's course version and data fingerprints, and
    whether learner code must be confined (Landlock)."""

    version: dict
    data: dict[str, dict | None]
    confine: bool


def check_worker(expected: Expectation, extra: list[str], dask_worker=None) -> str | None:
    """Run on each worker before any learner: None when it may grade, else why not (one line).

    The worker's grading is prepared here too (references and held-out data, once per machine
    under a lock), so that no learner's run computes them."""
    version = course_version()
    if version != expected.version:
        return f"course version {version} differs from the instructor's {expected.version}"
    make_missing_data(expected.data)
    data = data_fingerprints()
    for name, stamp in expected.data.items():
        if stamp is not None and data.get(name) != stamp:
            return f"{name} data {data.get(name)} differs from the instructor's {stamp}"
    try:
        policy = Policy.detect(Limits(), confine=expected.confine)
    except SandboxUnavailableError as exc:
        return f"cannot grade learner code: {exc}"
    if expected.confine and not policy.landlock:
        return "cannot confine learner code (no Landlock): refuses learner tasks"
    with _locked(Path(imaging_course.__file__).resolve().parent):
        if tuple(extra) not in _PREPARED:  # the in-process workers of a local cluster: once
            with tempfile.TemporaryDirectory(prefix="grade-prepare-") as scratch:
                command = grade_command(Path(scratch), Path(scratch) / "prepare.json", extra)
                subprocess.run(
                    [*command, "--grade-prepare-only"],
                    check=False,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env={**os.environ, "TMPDIR": scratch},
                )
            _PREPARED.add(tuple(extra))
    return None


_PREPARED: set[tuple[str, ...]] = set()
"""The grader options this process prepared the grading for (references, held-out data)."""


def grade_command(learner: Path, report: Path, extra: list[str]) -> list[str]:
    """The grading command of one learner; ``extra`` may turn the held-out checks on."""
    return [
        sys.executable,
        "-m",
        "imaging_course.grader",
        "grade",
        "--no-held-out",
        "--solutions",
        str(learner),
        "--grade-report",
        str(report),
        "--grade-workers",
        "1",
        "-q",
        *extra,
    ]


def submission_files(folder: Path) -> dict[str, bytes]:
    """A learner's folder as bytes, by path relative to it (what travels with the task)."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


PR_SET_PDEATHSIG = 1


def _die_with_worker() -> None:
    """In the grading child: SIGTERM when the worker dies (killed, its machine lost), so that
    it grades what ended, cleans up its sandbox and ends rather than running on unowned."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM: the run grades what ended, writes its report and cleans up; then SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def grade_learner(
    learner: str,
    files: dict[str, bytes],
    *,
    extra: list[str],
    timeout: float,
    stop_event: str,
    topic: str,
) -> dict:
    """The task: grade one learner's ``files`` on this worker; the report and log come back.

    Returns ``{"learner", "worker", "status", "report" (dict or None), "log" (bytes),
    "seconds"}``. The learner's run is stopped (SIGTERM, then SIGKILL) at ``timeout`` seconds
    or when the Dask event ``stop_event`` is set by a stopped grade-all."""
    from distributed import Event, get_worker  # noqa: PLC0415 (workers only)

    worker = get_worker()
    name = worker.address  # the instructor's side names it
    stopping = Event(stop_event)
    start = time.perf_counter()
    result = {"learner": learner, "worker": name, "report": None, "log": b"", "seconds": 0.0}
    if stopping.is_set():
        return {**result, "status": "not graded: grade-all was stopped first"}
    worker.log_event(topic, {"learner": learner, "worker": name})
    # In the worker's Dask folder: Dask removes it with the worker, and when the worker was
    # killed, the next worker started in the same place removes what it left.
    scratch = Path(tempfile.mkdtemp(prefix=f"grade-{learner}-", dir=worker.local_directory))
    try:
        folder = scratch / learner
        for relative, content in files.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        folder.mkdir(exist_ok=True)
        report_path, log_path = scratch / "report.json", scratch / "log"
        (scratch / "tmp").mkdir()
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                grade_command(folder, report_path, extra),
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "TMPDIR": str(scratch / "tmp")},
                preexec_fn=_die_with_worker,  # noqa: PLW1509 (prctl only, no locks taken)
            )
            status = None
            while process.poll() is None:
                if time.perf_counter() - start > timeout:
                    _stop(process)
                    status = f"stopped at the learner time limit of {timeout:g} s"
                elif stopping.is_set():
                    _stop(process)
                    status = "stopped with grade-all"
                else:
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        process.wait(timeout=POLL_SECONDS)
            if status is None and stopping.is_set():
                status = "stopped with grade-all"  # a signal to the whole process group
            status = status or f"exit {process.returncode}"
        report = (
            json.loads(report_path.read_text(encoding="utf-8")) if report_path.is_file() else None
        )
        return {
            **result,
            "status": status,
            "report": report,
            "log": log_path.read_bytes(),
            "seconds": time.perf_counter() - start,
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
}
"""Dask settings of the local cluster (:func:`connect`); its temporary folder, which holds
Dask's lock files, is the scratch folder removed with it."""


@contextlib.contextmanager
def connect(scheduler: str | None, jobs: int) -> Iterator:
    """A Dask client of the cluster at ``scheduler``, or of a local cluster of ``jobs``
    in-process workers of one thread each (each task's work is in its grading process, so
    worker processes would only add their start-up).

    The local cluster runs in grade-all's own process without Dask's statistical profiler
    (it samples the worker threads 100 times a second, and they only wait for a grading
    process) and with slower event-loop and system-monitor ticks: that took Dask's own CPU
    from about 9% of a core to 2% while two learners are graded. Its workers have no memory
    limit, so Dask does not sample the process's memory ten times a second for them: what
    they hold is a learner's files and report, and the memory of her grading is bounded by
    the sandbox."""
    import dask  # noqa: PLC0415 (grade-all and bench only)
    from distributed import Client, LocalCluster  # noqa: PLC0415

    if scheduler:
        with _dask_logs_quiet(), Client(scheduler, timeout="60s") as client:
            yield client
        return
    with (
        _dask_logs_quiet(),
        tempfile.TemporaryDirectory(prefix="grade-all-dask-") as scratch,
        dask.config.set({"temporary-directory": scratch, **LOCAL_CLUSTER_CONFIG}),
        LocalCluster(
            n_workers=max(1, jobs),
            threads_per_worker=1,
            processes=False,
            memory_limit=0,  # no memory monitor: the grading processes' memory is the sandbox's
            dashboard_address=":0",  # a free port: another cluster may hold Dask's 8787
            local_directory=scratch,
        ) as local,
        Client(local) as client,
    ):
        yield client


@contextlib.contextmanager
def _dask_logs_quiet():
    """Dask's own log lines off (but critical ones) while grade-all runs: a closed connection,
    a lost scheduler or worker are logged with tracebacks, where grade-all says in one line
    what happened and what it means for the learners (their rows, the exit status)."""
    names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] == "distributed"]
    loggers = {logger: logger.level for logger in map(logging.getLogger, ["distributed", *names])}
    for logger in loggers:  # Dask's configuration gives some of them a level of their own
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in loggers.items():
            logger.setLevel(level)


def _failed(learner: str, exc: BaseException) -> dict:
    """The result of a task that raised or whose workers kept dying (Dask's KilledWorker)."""
    why = f"{type(exc).__name__}: {exc}"
    log = f"the task of {learner} failed: {why}\n".encode()
    return {"learner": learner, "worker": "?", "status": why, "report": None, "log": log,
            "seconds": 0.0}  # fmt: skip


@dataclass
class ClassRun:
    """One grade-all run on a cluster: the workers checked, then one task per learner.

    ``no_worker`` says why learners were left ungraded: every worker was refused, or every
    accepted worker was lost for ``no_worker_seconds`` (then ``workers_lost`` is True)."""

    run_id: str
    extra: list[str]
    timeout: float
    confine: bool
    no_worker_seconds: float = NO_WORKER_SECONDS
    no_worker: str = ""
    workers_lost: bool = False
    names: dict[str, str] = field(default_factory=dict)
    scheduler: str = ""

    def accepted_workers(self, client) -> list[str]:
        """Addresses of the workers that pass :func:`check_worker`; each refused one is
        named, with the reason, on stderr."""
        expected = Expectation(course_version(), data_fingerprints(), self.confine)
        info = client.scheduler_info()
        self.scheduler, workers = info["address"], info["workers"]
        self.names = {address: str(info.get("name", address)) for address, info in workers.items()}
        checks = {
            address: client.submit(
                check_worker,
                expected,
                self.extra,
                key=f"check-worker-{self.run_id}-{index}",
                workers=[address],
                allow_other_workers=False,
                pure=False,
            )
            for index, address in enumerate(workers)
        }
        accepted, refused = [], []
        for address, future in checks.items():
            try:
                why = future.result()
            except Exception as exc:  # any failure of the check refuses the worker
                why = f"its check failed: {type(exc).__name__}: {exc}"
            if why is None:
                accepted.append(address)
            else:
                refused.append(f"worker {self.names[address]} ({address}) refused: {why}")
                print(f"grade-all: {refused[-1]}", file=sys.stderr, flush=True)
        if not accepted:
            self.no_worker = "no worker can grade (" + ("; ".join(refused) or "none") + ")"
        return accepted

    def _completed(self, client, futures: dict, accepted: list[str]) -> Iterator:
        """``futures`` as they complete; when none completes and no worker of ``accepted``
        has been listed by the scheduler for :attr:`no_worker_seconds` (or the scheduler
        could not be reached for as long), the futures left are cancelled (not yielded) and
        :attr:`no_worker` says so.

        Without this watchdog the run would wait forever: the tasks are bound to the
        accepted workers, and Dask keeps a task whose workers are all gone in its no-worker
        state; a client that lost its scheduler tries to reconnect for a minute, and then
        cancels every future."""
        from distributed import as_completed  # noqa: PLC0415

        completed = as_completed(futures)
        lost_since = None
        while not completed.is_empty():
            connected = client.status == "running"
            batch = completed.next_batch(block=False) if connected else []
            if batch:
                yield from batch
                continue
            if connected and set(accepted) & _listed_workers(client):
                lost_since = None
            elif lost_since is None:
                lost_since = time.monotonic()
            elif time.monotonic() - lost_since >= self.no_worker_seconds:
                self.no_worker = self._lost(client.status == "running", accepted)
                self.workers_lost = True
                if client.status == "running":
                    client.cancel([future for future in futures if not future.done()])
                return
            time.sleep(POLL_SECONDS)

    def _lost(self, connected: bool, accepted: list[str]) -> str:
        """Why the run ends without a worker (:meth:`_completed`)."""
        seconds = f"{self.no_worker_seconds:g} s"
        if not connected:
            return f"the scheduler {self.scheduler} was lost (not reachable for {seconds})"
        lost = ", ".join(self.names.get(address, address) for address in accepted)
        return f"no worker left ({lost} lost; none came back within {seconds})"

    def grade(self, client, learners: list[Path], keep: Callable[[dict, list[str]], None]):
        """Grade ``learners``, one task each on the accepted workers; ``keep(result,
        starts)`` gets each result as it comes, with the workers her grading started on.

        A KeyboardInterrupt (Ctrl-C, or SIGTERM/SIGHUP turned into one) stops the run: the
        learners' runs under way are stopped and kept, those not started are not, and the
        KeyboardInterrupt goes on. Learners whose accepted workers were all lost are not
        kept (:meth:`_completed`)."""
        from distributed import Event  # noqa: PLC0415

        if not learners:
            return
        accepted = self.accepted_workers(client)
        if not accepted:
            return
        topic, stop = f"grade-all-{self.run_id}", f"grade-all-stop-{self.run_id}"
        futures = {
            client.submit(
                grade_learner,
                learner.name,
                submission_files(learner),
                extra=self.extra,
                timeout=self.timeout,
                stop_event=stop,
                topic=topic,
                key=f"grade-{learner.name}-{self.run_id}",
                workers=accepted,
                allow_other_workers=False,
                pure=False,
                priority=len(learners) - index,  # in order of name, as the gradebook
            ): learner.name
            for index, learner in enumerate(learners)
        }
        bar = tqdm(total=len(futures), unit="learner", desc="grade-all", file=sys.stderr)
        done: set = set()

        def collect(completed) -> None:
            for future in completed:
                if future in done:
                    continue
                name = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # a task's failure is her row
                    result = _failed(name, exc)
                result["worker"] = self.names.get(result["worker"], result["worker"])
                starts = [
                    self.names.get(message["worker"], message["worker"])
                    for _, message in _events(client, topic)
                    if message["learner"] == name
                ]
                done.add(future)
                bar.write(
                    f"{name}: {result['status']} on worker {result['worker']} "
                    f"in {result['seconds']:.1f} s",
                    file=sys.stdout,
                )
                bar.update()
                keep(result, starts)
                # Dask forgets her result: held by a worker lost later, it would be computed
                # again (she would be graded twice) while the run still holds her future.
                future.release()

        try:
            collect(self._completed(client, futures, accepted))
        except KeyboardInterrupt:
            if client.status == "running":
                Event(stop, client=client).set()
            left = {future: name for future, name in futures.items() if future not in done}
            collect(self._completed(client, left, accepted))
            raise
        finally:
            bar.close()


def _listed_workers(client) -> set[str]:
    """The addresses of the workers the scheduler lists; none when it cannot be reached."""
    try:
        return set(client.nthreads())
    except OSError:  # lost between the status check and the call (CommClosedError, timeout)
        return set()


def _events(client, topic: str) -> list:
    """The events of ``topic``; none when the scheduler cannot be reached."""
    try:
        return client.get_events(topic)
    except OSError:
        return []
