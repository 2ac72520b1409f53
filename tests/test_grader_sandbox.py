"""The sandbox: its pipe protocol, quick calls, multiprocessing in a call, the CPU time of a
whole call, the per-process limits a grader that is not root falls back on, and the bytecode
compiled once per module."""

import importlib.util
import os
import sys
from dataclasses import replace

from imaging_course.grader.limits import Limits
from imaging_course.grader.sandbox import Call, Sandbox
from imaging_course.grader.sandbox_server import LineSource, bytecode_path


def test_two_lines_written_at_once_are_both_read():
    # A quick call makes the server write its "started" line and its report together.
    read_end, write_end = os.pipe()
    os.write(write_end, b'{"started": 7}\n{"timed_out": false}\n')
    lines = LineSource(read_end)

    first = lines.read_line(timeout=1.0)
    second = lines.read_line(timeout=1.0)
    nothing_yet = lines.read_line(timeout=0.05)
    os.close(write_end)
    at_end = lines.read_line(timeout=1.0)
    os.close(read_end)

    assert (first, second, nothing_yet, at_end) == (
        b'{"started": 7}',
        b'{"timed_out": false}',
        None,
        None,
    )


def test_quick_calls_return_their_values(tmp_path):
    (tmp_path / "quick.py").write_text("def double(x):\n    return 2 * x\n")
    calls = [Call("quick", "double", (n,), tmp_path, timeout=5.0) for n in range(12)]
    with Sandbox(workers=2) as sandbox:
        results = sandbox.run(calls)

    assert [(r.status, r.value) for r in results] == [("ok", 2 * n) for n in range(12)]


POOL = """
import multiprocessing

def squares(count):
    with multiprocessing.Pool(2) as pool:
        return pool.map(abs, range(-count, 0))
"""


def test_a_call_may_use_multiprocessing(tmp_path):
    (tmp_path / "parallel.py").write_text(POOL)
    with Sandbox(workers=1) as sandbox:
        [result] = sandbox.run([Call("parallel", "squares", (4,), tmp_path, timeout=20.0)])

    assert (result.status, result.value) == ("ok", [4, 3, 2, 1]), result.stderr


BURNERS = """
import os

def burn(count):
    for _ in range(count):
        if os.fork() == 0:
            while True:
                pass
    while True:
        pass
"""


def test_cpu_time_counts_every_process_of_a_call(tmp_path):
    (tmp_path / "burners.py").write_text(BURNERS)
    limits = Limits(cpu_seconds=0.5)
    with Sandbox(workers=1, limits=limits) as sandbox:
        [result] = sandbox.run([Call("burners", "burn", (3,), tmp_path, timeout=60.0)])

    assert result.status == "cpu"  # long before the 60 s of wall time
    assert result.seconds < 30
    assert result.where.startswith("burners.py, line")


FALLBACK = """
import multiprocessing

def hog():
    return len(bytearray(2**31))

def pool():
    with multiprocessing.Pool(2) as workers:
        return workers.map(abs, [-1, -2])
"""


def test_without_root_means_the_limits_are_per_process_and_said_so(tmp_path):
    # What a grader that is not root gets: no cgroup, no namespaces, no user of its own.
    (tmp_path / "fallback.py").write_text(FALLBACK)
    calls = [Call("fallback", name, (), tmp_path, timeout=20.0) for name in ("hog", "pool")]
    with Sandbox(workers=1, limits=Limits(memory_mb=1024)) as sandbox:
        sandbox.policy = replace(sandbox.policy, cgroups={}, namespaces=False, own_user=False)
        hog, pool = sandbox.run(calls)
        description = sandbox.describe()

    assert (hog.status, hog.error.get("type")) == ("error", "MemoryError")  # RLIMIT_AS
    assert pool.status == "error"  # no private /dev/shm to make semaphores in: said plainly
    assert "PermissionError" in pool.error["type"] + pool.error["message"]
    assert "per process (no cgroup here)" in description
    assert "runs as you" in description
    assert "no TCP (Landlock)" in description


PEEK = """
def peek(paths):
    readable = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                readable.append(len(handle.read(16)) == 16)
        except OSError:
            readable.append(False)
    return readable

def value():
    return 1
"""


def test_a_module_is_compiled_once_and_its_calls_find_only_their_own_code(tmp_path, monkeypatch):
    learner, other = tmp_path / "learner", tmp_path / "other"
    for folder in (learner, other):
        folder.mkdir()
        (folder / "mod.py").write_text(PEEK)
    with Sandbox(workers=1) as sandbox:
        sandbox.run([Call("mod", "value", (), other, timeout=10.0)])
        own_folder = sandbox.bytecode_folder(learner)
        own, others = (
            bytecode_path(sandbox.bytecode_folder(folder), folder.resolve() / "mod.py")
            for folder in (learner, other)
        )
        [peeked] = sandbox.run([Call("mod", "peek", ([str(own), str(others)],), learner, 10.0)])
        source = (learner / "mod.py").read_bytes()
        compiled = own.read_bytes()
        # Same size, same modification time, other code: only the source's hash tells.
        times = (learner / "mod.py").stat()
        (learner / "mod.py").write_bytes(source.replace(b"return 1", b"return 2"))
        os.utime(learner / "mod.py", ns=(times.st_atime_ns, times.st_mtime_ns))
        [changed] = sandbox.run([Call("mod", "value", (), learner, timeout=10.0)])
    monkeypatch.setattr(sys, "pycache_prefix", str(own_folder))  # where Python would look

    assert importlib.util.cache_from_source(str(learner.resolve() / "mod.py")) == str(own)
    assert (peeked.status, peeked.value) == ("ok", [True, False]), peeked.error
    assert compiled[:4] == importlib.util.MAGIC_NUMBER
    assert int.from_bytes(compiled[4:8], "little") == 0b11  # hash-based, checked
    assert compiled[8:16] == importlib.util.source_hash(source)
    assert (changed.status, changed.value) == ("ok", 2), changed.error
