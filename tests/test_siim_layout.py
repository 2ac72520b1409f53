"""The readers accept the stage-2 download: ``stage_2_train.csv`` (header without the space)
labelling stage 1's training and test images, new unlabelled test images in the flat
``stage_2_images/``, and a download that put every image in that flat folder."""

import json
import shutil
from pathlib import Path

import pytest

from imaging_course.datasets.siim.generate import generate_siim
from imaging_course.datasets.siim.layout import (
    find_siim_images,
    read_siim_labels,
    siim_image_id,
    siim_labels_csv,
)


@pytest.fixture(scope="module")
def both_layouts(tmp_path_factory) -> tuple[Path, Path]:
    """A tiny stage-1 folder, and the same files rearranged as the stage-2 download."""
    base = tmp_path_factory.mktemp("siim-layouts")
    stage1 = base / "stage1"
    generate_siim(stage1, scale="tiny", seed=2, progress=False)
    stage2 = base / "stage2"
    (stage2 / "stage_2_images").mkdir(parents=True)
    for path in stage1.rglob("*.dcm"):
        shutil.copy(path, stage2 / "stage_2_images" / path.name)
    text = (stage1 / "train-rle.csv").read_text(encoding="utf-8").replace(", ", ",")
    (stage2 / "stage_2_train.csv").write_text(text, encoding="utf-8")
    return stage1, stage2


def test_stage2_labels_read_as_stage1_labels(both_layouts):
    stage1, stage2 = both_layouts
    assert siim_labels_csv(stage2).name == "stage_2_train.csv"
    assert (
        (stage2 / "stage_2_train.csv")
        .read_text(encoding="utf-8")
        .startswith("ImageId,EncodedPixels\n")
    )
    assert read_siim_labels(stage2).equals(read_siim_labels(stage1))


def test_stage2_images_split_by_the_label_csv(both_layouts):
    stage1, stage2 = both_layouts
    labelled = set(read_siim_labels(stage1)["ImageId"])
    stage2_train = {siim_image_id(p) for p in find_siim_images(stage2, "train")}
    stage1_all = {siim_image_id(p) for p in stage1.rglob("*.dcm")}
    assert stage2_train == labelled & stage1_all  # some label rows name no file
    assert {siim_image_id(p) for p in find_siim_images(stage2, "test")} == (stage1_all - labelled)


def test_stage1_splits_are_the_folders(both_layouts):
    stage1, _ = both_layouts
    train = find_siim_images(stage1, "train")
    test = find_siim_images(stage1, "test")
    assert (len(train), len(test)) == (24, 6)
    assert all(p.relative_to(stage1).parts[0] == "dicom-images-train" for p in train)
    assert all(len(p.relative_to(stage1).parts) == 4 for p in train + test)


def test_missing_layout_and_bad_split_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="holds no SIIM images"):
        find_siim_images(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"train-rle\.csv"):
        siim_labels_csv(tmp_path)
    with pytest.raises(ValueError, match="split"):
        find_siim_images(tmp_path, "validation")


@pytest.fixture(scope="module")
def stage2(tmp_path_factory) -> Path:
    """A tiny stand-in written in the stage-2 layout by the generator."""
    root = tmp_path_factory.mktemp("siim-stage2") / "tiny"
    generate_siim(root, scale="tiny", seed=2, progress=False, layout="stage2")
    return root


def test_stage2_training_images_are_both_stage1_folders(stage2):
    nested = {
        folder: sorted((stage2 / folder).glob("*/*/*.dcm"))
        for folder in ("dicom-images-train", "dicom-images-test")
    }
    flat = sorted((stage2 / "stage_2_images").glob("*.dcm"))
    assert (len(nested["dicom-images-train"]), len(nested["dicom-images-test"]), len(flat)) == (
        24,
        6,
        6,
    )
    assert not (stage2 / "train-rle.csv").exists()
    assert siim_labels_csv(stage2).name == "stage_2_train.csv"

    train, test = find_siim_images(stage2, "train"), find_siim_images(stage2, "test")

    assert train == sorted(nested["dicom-images-train"] + nested["dicom-images-test"])
    assert test == flat


def test_stage2_labels_cover_stage1_train_and_test_but_not_the_new_images(stage2):
    text = (stage2 / "stage_2_train.csv").read_text(encoding="utf-8")
    assert text.startswith("ImageId,EncodedPixels\n")
    assert ", " not in text
    labelled = set(read_siim_labels(stage2)["ImageId"])
    stage1_test = {siim_image_id(p) for p in (stage2 / "dicom-images-test").rglob("*.dcm")}
    new = {siim_image_id(p) for p in (stage2 / "stage_2_images").glob("*.dcm")}
    assert stage1_test <= labelled
    assert not new & labelled
    training = {siim_image_id(p) for p in find_siim_images(stage2, "train")}
    manifest = json.loads((stage2 / "MANIFEST.json").read_text(encoding="utf-8"))
    planted = {kind: {Path(e["path"]).stem for e in manifest["planted"] if e["kind"] == kind}
               for kind in ("no_label_row", "row_without_file")}  # fmt: skip
    assert training - labelled == planted["no_label_row"]
    assert labelled - training == planted["row_without_file"]
    assert manifest["layout"] == "stage2"


def test_a_stage1_folder_with_a_missing_split_folder_reads_the_other(tmp_path):
    folder = tmp_path / "dicom-images-train" / "study" / "series"
    folder.mkdir(parents=True)
    (folder / "1.2.3.dcm").write_bytes(b"")
    (tmp_path / "train-rle.csv").write_text("ImageId, EncodedPixels\n1.2.3, -1\n")
    assert find_siim_images(tmp_path, "train") == [folder / "1.2.3.dcm"]
    assert find_siim_images(tmp_path, "test") == []
