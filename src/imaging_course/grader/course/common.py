"""What the course's exercise tables share: tolerances, and the detector of a mistake made
in both exercises (sums that wrap around in a small integer type)."""

import math
from typing import Any

import pandas as pd

from imaging_course.grader.compare import Number, is_number
from imaging_course.grader.detectors import Evidence, mostly, pairs

COUNT = Number(rtol=0.0, atol=0.0)
"""Counts and other whole numbers: exact."""
STAT = Number(rtol=1e-6, atol=1e-6)
"""Statistics computed in float64 from the same values: equal to rounding."""
HU = Number(rtol=1e-4, atol=0.05)
"""Means over many pixels or voxels: summation order (float32 slabs, float64 totals) moves
digits."""
DECODED_PIXELS = Number(rtol=1e-4, atol=0.25)
"""Means and spreads of decoded JPEG pixels. The JPEG standard leaves the inverse DCT's
rounding to the decoder, so Pillow (libjpeg-turbo), pylibjpeg (libjpeg) and GDCM may return a
pixel one grey level apart: a view's mean moves by a few hundredths (0.03 on the sample,
Pillow against pylibjpeg), whichever one a learner has installed."""


def _below(expected: Any, got: Any) -> bool:
    return is_number(got) and is_number(expected) and (math.isnan(got) or got < expected)


HU_RANGE = (-1100.0, 3100.0)
WRAPS = (2**8, 2**16, 2**32)


def integer_overflow(evidence: Evidence) -> str | None:
    """Sums or counts that wrapped around in a small integer dtype (uint8, int16, int32)."""
    hint = (
        "Some values look wrapped around by an integer overflow: sums of int16 voxels or "
        "uint8 pixels overflow. Accumulate in float64 (or int64): arr.sum(dtype=np.float64)."
    )

    def wrapped(expected: Any, got: Any) -> bool:
        if not (is_number(expected) and is_number(got)) or got == expected:
            return False
        if math.isnan(expected) or math.isnan(got):
            return False
        if float(got).is_integer() and float(expected).is_integer():
            return any((int(expected) - int(got)) % wrap == 0 for wrap in WRAPS)
        return HU_RANGE[0] <= expected <= HU_RANGE[1] and not HU_RANGE[0] <= got <= HU_RANGE[1]

    expected, got = evidence.expected, evidence.got
    if isinstance(expected, pd.DataFrame) and isinstance(got, pd.DataFrame):
        key = expected.columns[0]
        for mean_column in (c for c in expected.columns if str(c).endswith("mean")):
            means = pairs(expected, got, key, mean_column)
            spreads = pairs(expected, got, key, mean_column[: -len("mean")] + "std")
            # The loosest of the course's tolerances on a mean (a JPEG decoder's rounding),
            # so that the LiTS HU means and the SIIM pixel means both count as right.
            right_means = all(DECODED_PIXELS.close(e, g) for _, e, g in means)
            if means and right_means and mostly(spreads, _below):
                return hint  # right mean, too small a spread: the squares wrapped around
        for column in expected.columns[1:]:
            rows = pairs(expected, got, key, column)
            if mostly(rows, wrapped):
                return hint
    if isinstance(expected, dict) and isinstance(got, dict):
        for name, values in expected.items():
            mine = got.get(name)
            if isinstance(values, list) and isinstance(mine, list) and len(mine) == len(values):
                rows = [(None, e, g) for e, g in zip(values, mine, strict=True)]
                if mostly(rows, wrapped) or any(is_number(g) and g < 0 for g in mine):
                    return hint
    return None
