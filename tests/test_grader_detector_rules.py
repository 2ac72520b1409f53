"""The detector machinery and the detector both exercises share, on small hand-made outputs.

Each exercise's own detectors are tested in ``test_grader_<dataset>_detector_rules.py``; the
tests in ``test_grader_<dataset>_mistakes.py`` make the same mistakes in copies of the
reference solutions and grade them for real.
"""

import pandas as pd
from detector_testing import evidence

from imaging_course.grader.course.common import integer_overflow
from imaging_course.grader.detectors import hints


def test_hints_come_once_each_and_a_detector_that_raises_stays_silent():
    def says_look(_evidence):
        return "look here"

    def raises(_evidence):
        raise KeyError("a shape this mistake cannot judge")

    def silent(_evidence):
        return None

    found = hints((says_look, raises, silent, says_look), evidence(1, 2))
    assert found == ["look here"]


def test_integer_overflow_detector():
    cases = pd.DataFrame({"case_id": [0, 1], "liver_hu_mean": [60.0, 55.0]})
    wrapped = cases.assign(liver_hu_mean=[60.0 + 65536 / 7, 55.0 - 65536 / 3])
    assert integer_overflow(evidence(cases, wrapped))
    counts = {"liver": [10, 70_000], "tumour": [3, 4]}
    assert integer_overflow(evidence(counts, {"liver": [10, 4464], "tumour": [3, 4]}))
    assert not integer_overflow(evidence(counts, {"liver": [11, 70_000], "tumour": [3, 4]}))
    views = pd.DataFrame({"view": ["AP", "PA"], "mean": [120.0, 99.0], "std": [50.0, 45.0]})
    squares_wrapped = views.assign(std=[0.0, 12.5])
    assert integer_overflow(evidence(views, squares_wrapped))
    assert not integer_overflow(evidence(views, views.assign(mean=[1.0, 2.0])))
