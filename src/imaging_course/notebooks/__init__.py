"""The learners' exercise notebooks: made from the stub modules, checked from inside a kernel.

:mod:`.generate` writes ``notebooks/<exercise>.md`` (a notebook in jupytext's MyST Markdown
text form, so that diffs stay readable) from ``exercises/<exercise>.py``: the task text, the
function names, signatures and docstrings come from the stub, so the two cannot drift apart
(``python -m imaging_course.notebooks sync`` rewrites them, ``check`` says which differ).
:mod:`.kernel` holds what the notebooks call: ``check(fn)``, ``hint(fn)`` and ``explore(fn)``,
which run the grader's own checks of a function on the sample data in the learner's kernel.
How the grader takes the functions out of a notebook is the grader's business
(:mod:`imaging_course.grader.notebook_source`).
"""
