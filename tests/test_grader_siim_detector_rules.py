"""Each SIIM detector fires on the output its mistake produces, and stays silent otherwise.

Small hand-made outputs; the tests in ``test_grader_siim_mistakes.py`` make the same mistakes
in copies of the reference solution and grade them for real.
"""

import math

import numpy as np
import pandas as pd
from detector_testing import evidence

from imaging_course.grader.course.siim_detectors import (
    age_string,
    bits_from_dtype,
    decode_variant,
    mask_values,
    pixels_not_cm2,
    rle_absolute,
    rle_row_major,
    side_swapped,
    transfer_syntax_not_in_meta,
    unreadable_crash,
    wald_interval,
)


def test_rle_variants_decode_as_the_competition_says():
    rle = "3 2 4 1"  # relative: pixels 3,4 then 9; column-major on a 4 x 3 canvas
    mask = decode_variant(rle, 4, 3, relative=True, column_major=True)
    assert mask.shape == (3, 4)
    assert {(int(r), int(c)) for r, c in zip(*np.nonzero(mask), strict=True)} == {
        (0, 1),
        (1, 1),
        (0, 3),
    }
    assert decode_variant(" -1", 4, 3, relative=True, column_major=True).sum() == 0


def test_rle_detectors_recognise_absolute_and_row_major_masks():
    args = ("5 3 10 2", 8, 6)
    right = decode_variant(*args, relative=True, column_major=True)
    absolute = decode_variant(*args, relative=False, column_major=True)
    row_major = decode_variant(*args, relative=True, column_major=False)
    assert rle_absolute(evidence(right, absolute, args=args))
    assert not rle_absolute(evidence(right, row_major, args=args))
    assert rle_row_major(evidence(right, row_major, args=args))
    assert not rle_row_major(evidence(right, absolute, args=args))
    assert mask_values(evidence(right, right // 255, args=args))
    assert not mask_values(evidence(right, absolute, args=args))


def mask_table(area_px, area_cm2) -> pd.DataFrame:
    ids = [f"1.2.{i}" for i in range(len(area_px))]
    return pd.DataFrame({"image_id": ids, "area_px": area_px, "area_cm2": area_cm2})


def test_area_detectors():
    expected = mask_table([1000, 2500], [0.49, 1.2])
    assert pixels_not_cm2(evidence(expected, mask_table([1000, 2500], [1000, 2500])))
    assert "mm2" in pixels_not_cm2(evidence(expected, mask_table([1000, 2500], [49.0, 120.0])))
    assert not pixels_not_cm2(evidence(expected, mask_table([1000, 2500], [0.5, 1])))
    assert mask_values(evidence(expected, mask_table([255_000, 637_500], [0.49, 1.2])))


def test_header_detectors():
    table = pd.DataFrame({"image_id": ["a", "b", "c"], "age": [38.0, 0.5, 61.0]})
    unparsed = {"table": table.assign(age=[math.nan] * 3), "unreadable": []}
    assert age_string(evidence({"table": table, "unreadable": []}, unparsed))
    one_unparsed = {"table": table.assign(age=[math.nan, 0.5, 61.0]), "unreadable": []}
    assert age_string(evidence({"table": table, "unreadable": []}, one_unparsed))
    months_as_years = {"table": table.assign(age=[38.0, 6.0, 61.0]), "unreadable": []}
    assert age_string(evidence({"table": table, "unreadable": []}, months_as_years))
    crash = {"type": "InvalidDicomError", "message": "File is missing DICOM File Meta"}
    assert unreadable_crash(evidence(None, None, status="error", error=crash))
    assert not unreadable_crash(
        evidence(None, None, status="error", error={"type": "ZeroDivisionError", "message": ""})
    )


def consistency(stored: dict[str, str], transfer: dict[str, int]) -> dict:
    return {
        "values": {
            "TransferSyntaxUID": transfer,
            "BitsAllocated": {"8": 9, "16": 1},
            "BitsStored": stored,
        },
        "differing": [],
    }


def test_header_consistency_detectors():
    right = consistency({"8": 9, "12": 1}, {"1.2.840.10008.1.2.4.50": 9, "1.2.840.10008.1.2.1": 1})
    from_dtype = consistency({"8": 9, "16": 1}, right["values"]["TransferSyntaxUID"])
    no_meta = consistency(right["values"]["BitsStored"], {"": 10})
    assert bits_from_dtype(evidence(right, from_dtype))
    assert not bits_from_dtype(evidence(right, no_meta))
    assert transfer_syntax_not_in_meta(evidence(right, no_meta))
    assert not transfer_syntax_not_in_meta(evidence(right, from_dtype))


def test_wald_detector_fires_at_zero_and_not_on_wilson():
    groups = ["view=AP", "view=PA", "age=80-120"]
    counts = {"images": [40, 60, 8], "positive": [10, 12, 0]}

    def table(low, high) -> pd.DataFrame:
        return pd.DataFrame({"group": groups, **counts, "ci_low": low, "ci_high": high})

    z = 1.959963984540054
    wald = [(p - z * math.sqrt(p * (1 - p) / n), p + z * math.sqrt(p * (1 - p) / n))
            for p, n in ((10 / 40, 40), (12 / 60, 60), (0.0, 8))]  # fmt: skip
    wilson = table([0.142, 0.118, 0.0], [0.40, 0.318, 0.324])  # rounded, as in a textbook
    learner = table([w[0] for w in wald], [w[1] for w in wald])
    assert learner["ci_high"].iloc[2] == 0  # the Wald interval of 0 of 8 is [0, 0]
    assert wald_interval(evidence(wilson, learner))
    assert not wald_interval(evidence(wilson, wilson.assign(ci_high=[0.5, 0.5, 0.5])))


def test_side_detector_fires_on_swapped_sides_only():
    ids = ["1.2.1", "1.2.2", "1.2.3"]
    right = pd.DataFrame({"image_id": ids, "side": ["right", "left", "both"]})
    swapped = right.assign(side=["left", "right", "both"])
    wrong = right.assign(side=["both", "left", "right"])
    assert side_swapped(evidence(right, swapped))
    assert not side_swapped(evidence(right, wrong))
