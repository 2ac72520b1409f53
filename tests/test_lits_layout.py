"""find_lits_cases on folders written here with nibabel: pairing across the Kaggle part
folders, numeric order, and every file it cannot pair reported by name."""

import nibabel as nib
import numpy as np
import pytest

from imaging_course.datasets.lits.layout import (
    LeftOutLitsFileWarning,
    find_lits_cases,
    scan_lits_layout,
    volume_part,
)


def _write_nifti(path, dtype=np.int16):
    path.parent.mkdir(parents=True, exist_ok=True)
    nib.save(nib.Nifti1Image(np.zeros((2, 2, 2), dtype=dtype), np.eye(4)), path)


def _kaggle_folder(root, volumes, segmentations):
    """``volumes``: (part, case) pairs; ``segmentations``: case numbers."""
    for part, case in volumes:
        _write_nifti(root / f"volume_pt{part}" / f"volume-{case}.nii")
    for case in segmentations:
        _write_nifti(root / "segmentations" / f"segmentation-{case}.nii", np.uint8)


def test_volumes_in_different_part_folders_pair_in_numeric_order(tmp_path):
    _kaggle_folder(tmp_path, [(8, 100), (1, 9), (2, 10), (6, 60)], [9, 10, 60, 100])
    (tmp_path / "volume_pt1" / "notes.txt").write_text("not a volume")

    cases = find_lits_cases(tmp_path)

    assert [case.case_id for case in cases] == [9, 10, 60, 100]
    assert cases[0].volume == tmp_path / "volume_pt1" / "volume-9.nii"
    assert cases[3].volume == tmp_path / "volume_pt8" / "volume-100.nii"
    assert cases[2].segmentation == tmp_path / "segmentations" / "segmentation-60.nii"


def test_unpaired_files_are_reported_by_name_and_the_rest_pairs(tmp_path):
    _kaggle_folder(tmp_path, [(1, 3), (6, 4)], [3, 7])

    with pytest.warns(LeftOutLitsFileWarning) as caught:
        cases = find_lits_cases(tmp_path)

    assert [case.case_id for case in cases] == [3]
    messages = sorted(str(warning.message) for warning in caught)
    assert len(messages) == 2
    assert any("volume-4.nii: left out, no segmentations/segmentation-4.nii" in m for m in messages)
    assert any("segmentation-7.nii: left out, no volume_pt*/volume-7.nii" in m for m in messages)
    assert str(tmp_path) in messages[0]


def test_a_case_in_two_part_folders_is_reported_as_a_second_copy(tmp_path):
    _kaggle_folder(tmp_path, [(1, 5), (2, 5)], [5])

    layout = scan_lits_layout(tmp_path)

    assert [case.volume.parent.name for case in layout.cases] == ["volume_pt1"]
    assert [(u.path.parent.name, u.reason.split(":")[0]) for u in layout.left_out] == [
        ("volume_pt2", "second file for case 5")
    ]


def test_a_folder_without_segmentations_names_what_is_missing(tmp_path):
    _kaggle_folder(tmp_path, [(1, 0)], [])

    with pytest.raises(FileNotFoundError, match=r"segmentations: no such folder"):
        find_lits_cases(tmp_path)


@pytest.mark.parametrize(
    ("case_id", "part"), [(0, 1), (10, 1), (11, 2), (50, 5), (51, 6), (104, 7), (130, 8)]
)
def test_part_folders_follow_the_case_number(case_id, part):
    assert volume_part(case_id) == part


def test_a_case_number_outside_the_real_range_is_refused():
    with pytest.raises(ValueError, match=r"131 is outside 0\.\.130"):
        volume_part(131)


def test_files_that_are_no_ct_volume_are_left_out_by_name_and_reason(lits_kinds):
    with pytest.warns(LeftOutLitsFileWarning) as caught:
        cases = find_lits_cases(lits_kinds.root)

    usable = {
        kind.case_id
        for name, kind in lits_kinds.cases.items()
        if name not in lits_kinds.left_out_by_the_headers
    }
    assert [case.case_id for case in cases] == sorted(usable)
    messages = [str(warning.message) for warning in caught]
    assert len(messages) == len(lits_kinds.left_out_by_the_headers)
    for name in lits_kinds.left_out_by_the_headers:
        kind = lits_kinds.cases[name]
        (message,) = [m for m in messages if f"volume-{kind.case_id}.nii: left out" in m]
        assert f"not a CT volume: {kind.reason}" in message or kind.reason in message, message


def test_a_segmentation_of_another_shape_is_left_out(tmp_path):
    _kaggle_folder(tmp_path, [(1, 3)], [])
    (tmp_path / "segmentations").mkdir()
    nib.save(
        nib.Nifti1Image(np.zeros((2, 2, 3), dtype=np.uint8), np.eye(4)),
        tmp_path / "segmentations" / "segmentation-3.nii",
    )

    layout = scan_lits_layout(tmp_path)

    assert layout.cases == []
    ((left_out),) = layout.left_out
    assert left_out.path.name == "segmentation-3.nii"
    assert left_out.reason == "shape (2, 2, 3) differs from volume-3.nii's (2, 2, 2)"


def test_a_file_that_is_not_nifti_is_left_out(tmp_path):
    _kaggle_folder(tmp_path, [(1, 4)], [4])
    (tmp_path / "volume_pt1" / "volume-4.nii").write_bytes(b"an HTML error page" * 40)

    ((left_out),) = scan_lits_layout(tmp_path).left_out

    assert left_out.reason.startswith("not a NIfTI image: ImageFileError")
