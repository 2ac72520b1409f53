"""The grader behind `make grade`: learner code in a sandbox, outputs compared with references.

Modules, in the order data flows: :mod:`~.check_table` (how what is graded is declared) and
:mod:`~.course` (the course's checks, one module per exercise, with their detectors),
:mod:`~.notebook_source` (notebooks handed in: their definitions taken out by parsing),
:mod:`~.reference` and :mod:`~.heldout` (expected outputs), :mod:`~.sandbox` with
:mod:`~.sandbox_server`, :mod:`~.isolation`, :mod:`~.confinement`, :mod:`~.limits` and
:mod:`~.plain_data` (running learner code, getting plain data back), :mod:`~.compare`
(tolerances), :mod:`~.detectors` (how hints are found), :mod:`~.grading_run` (one run),
:mod:`~.report`, :mod:`~.plugin` (pytest), :mod:`~.gradebook` (many learners) and
:mod:`~.cli`.

Threat model
------------
Learner code is untrusted: some learners know Python well, and `grade-all` runs hundreds of
submissions on the instructor's machine. Every call of a learner function runs in its own
forked process, and these layers stand between it and three kinds of harm.

**Damaging the instructor's machine.**
Landlock (:mod:`~.confinement`) lets a call write only its own call folder and its server's
private ``/dev/shm``; a user of its own (:mod:`~.isolation`, when the grader runs as root)
owns nothing else, so the course, the virtual environment and the home folder stay
unwritable even unconfined; a seccomp filter refuses ``chmod``, ``chown``, ``utime``. A
cgroup per call (:mod:`~.limits`) bounds the memory (``/dev/shm`` included), processes and
CPU time of the whole process tree, ``RLIMIT_AS`` the memory of each process, ``RLIMIT_FSIZE``
each file, a wall-clock timeout the call, a byte budget what it returns (checked before the
grader loads it, :mod:`~.plain_data`). The server's network namespace has no network. Calls are
ended with their whole process tree (PID namespace, subreaper), their folders and cgroups
removed, and the servers die with the grader however it ends (a pipe they watch, a
parent-death signal), so nothing outlives a run.

**Cheating.** The score comes from values compared in the grader's own process, never from
the learner's objects (:mod:`~.plain_data` accepts plain data only, so an object equal to
everything, a patched ``math.isclose`` or a forged result file gain nothing: a forged file
is no more than a returned value). Landlock's read allow-list keeps ``solutions/``,
``reference/``, the held-out references and other learners' folders unreadable, and the
modules an exercise asks the learner to write (the course's RLE decoder) too: the kernel
decides, so ``sys.modules`` tricks do not help. Held-out data (another seed) catches answers
hard-coded from the sample; its feedback never shows expected values, and says when the
sample passed but the held-out data did not.

**Harming classmates in grade-all.** Each learner is graded in a process of its own with a
temporary folder of its own; the shared data, references and course files are read-only to
every call; signals, ``ptrace`` and abstract sockets stay inside a call (Landlock scopes);
``/proc`` shows only the call's server; the environment holds no secret; per-call limits
keep one learner from starving the machine; a learner stopped at the learner time limit
still gets the feedback of every check that ended.

**Not defended.** Unconfined (``--grade-unconfined``, or no Landlock), calls may read every
file other users may read, ``solutions/`` and ``reference/`` included: use it only to
grade code you trust not to cheat. Disk space: each file a call writes is capped, not their
number (a call's folder is removed after it). Without root there are no namespaces, no
cgroups and no user of its own: the limits are per process, a call may reach the network over
UDP (Landlock blocks TCP), and it may not write ``/dev/shm`` (nothing would empty it), so
``multiprocessing`` cannot start. Timing side channels, and a learner who hands in
another's work, are out of scope.

**Removed** (made redundant by the layers above): the guard that re-hashed the course
package, the references and the data after every call and put files back (writes are
refused by the kernel instead, and learners are no longer graded one by one to blame the
right one); the nonce in result files (forging a result gains nothing over returning the
value); blocking imports by putting ``None`` in ``sys.modules`` (bypassed by
``sys.modules.pop``; Landlock hides the module's files instead).
"""
