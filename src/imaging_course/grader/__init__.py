"""The grader behind `make grade`: learner code in a sandbox, outputs compared with references.

Modules, in the order data flows: :mod:`~.checks` (what is graded), :mod:`~.reference`
and :mod:`~.heldout` (expected outputs), :mod:`~.sandbox` with :mod:`~.sandbox_server` and
:mod:`~.results` (running learner code, getting plain data back), :mod:`~.integrity`
(protected files), :mod:`~.compare` (tolerances), :mod:`~.detectors` (hints),
:mod:`~.grading` (one run), :mod:`~.report`, :mod:`~.plugin` (pytest), :mod:`~.gradebook`
(many learners) and :mod:`~.cli`.
"""
