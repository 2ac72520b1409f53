"""The competition's RLE: hand-worked examples, round trips, the 255 fill, bad strings."""

import numpy as np
import pandas as pd
import pytest

from imaging_course.datasets.siim.rle import decode_siim_rle, encode_siim_rle, masks_for_image

# Worked by hand. Column-major flat indices of a 4x4 image: column c, row r -> 4 * c + r.
#   row 0:  . X . .      column 1 holds rows 0-1 -> indices 4, 5   (run: start 4, length 2)
#   row 1:  . X X .      column 2 holds rows 1-2 -> indices 9, 10  (gap 9 - 6 = 3, length 2)
#   row 2:  . . X .
#   row 3:  . . . .
HAND_MASK = np.array(
    [
        [0, 1, 0, 0],
        [0, 1, 1, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 0],
    ],
    dtype=np.uint8,
)
HAND_RLE = "4 2 3 2"

# A run continues from the bottom of one column into the top of the next (3x3):
# indices 2 (column 0, row 2) and 3 (column 1, row 0) form one run "2 2".
WRAP_MASK = np.array([[0, 1, 0], [0, 0, 0], [1, 0, 0]], dtype=np.uint8)
WRAP_RLE = "2 2"


@pytest.mark.parametrize(("mask", "rle"), [(HAND_MASK, HAND_RLE), (WRAP_MASK, WRAP_RLE)])
def test_hand_worked_examples_encode_and_decode(mask, rle):
    size = mask.shape[0]
    assert encode_siim_rle(mask) == rle
    decoded = decode_siim_rle(rle, width=size, height=size)
    assert decoded.dtype == np.uint8
    assert decoded.tolist() == (mask * 255).tolist()


def test_no_mask_is_minus_one_both_ways():
    empty = np.zeros((8, 8), dtype=np.uint8)
    assert encode_siim_rle(empty) == "-1"
    assert not decode_siim_rle(" -1", 8, 8).any()


def test_random_masks_round_trip_at_full_size():
    rng = np.random.default_rng(5)
    for _ in range(5):
        mask = np.zeros((1024, 1024), dtype=bool)
        top, left = rng.integers(0, 900, size=2)
        mask[top : top + rng.integers(5, 120), left : left + rng.integers(5, 120)] = True
        mask[rng.random((1024, 1024)) < 0.001] = True
        decoded = decode_siim_rle(encode_siim_rle(mask))
        assert np.array_equal(decoded == 255, mask)
        assert set(np.unique(decoded)) == {0, 255}


def test_non_square_images_keep_rows_and_columns_apart():
    mask = np.zeros((3, 5), dtype=np.uint8)  # 3 rows (height), 5 columns (width)
    mask[2, 4] = 1  # last pixel of the last column: flat index 4 * 3 + 2 = 14
    assert encode_siim_rle(mask) == "14 1"
    assert decode_siim_rle("14 1", width=5, height=3).tolist() == (mask * 255).tolist()


@pytest.mark.parametrize(("rle", "problem"), [("4 2 3", "odd count"), ("10 10", "outside")])
def test_bad_strings_are_named(rle, problem):
    with pytest.raises(ValueError, match=problem):
        decode_siim_rle(rle, width=4, height=4)


def test_masks_for_image_unites_overlapping_rows():
    labels = pd.DataFrame(
        {
            "ImageId": ["a", "a", "b", "c"],
            "EncodedPixels": ["4 2", "5 5", "-1", "0 1"],
        }
    )
    union = masks_for_image(labels, "a", width=4, height=4)
    assert np.flatnonzero(union.T.ravel()).tolist() == [4, 5, 6, 7, 8, 9]
    assert not masks_for_image(labels, "b", width=4, height=4).any()
    assert not masks_for_image(labels, "missing", width=4, height=4).any()
