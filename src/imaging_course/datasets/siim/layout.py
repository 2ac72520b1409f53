"""Where the SIIM-ACR files are: the one module that knows both download layouts.

Stage 1 (what nearly every public notebook uses, and what the stand-in writes)::

    dicom-images-train/<StudyInstanceUID>/<SeriesInstanceUID>/<SOPInstanceUID>.dcm
    dicom-images-test/<StudyInstanceUID>/<SeriesInstanceUID>/<SOPInstanceUID>.dcm
    train-rle.csv                      header "ImageId, EncodedPixels", values after ", "

Stage 2 (what the competition page serves today)::

    stage_2_images/<SOPInstanceUID>.dcm
    stage_2_train.csv                  header "ImageId,EncodedPixels"

In stage 2 the images are not split into folders: a file is a training image when the label
CSV has a row for it, a test image otherwise.
"""

from pathlib import Path

import pandas as pd

STAGE1_FOLDERS = {"train": "dicom-images-train", "test": "dicom-images-test"}
STAGE1_LABELS = "train-rle.csv"
STAGE2_FOLDER = "stage_2_images"
STAGE2_LABELS = "stage_2_train.csv"
SPLITS = ("train", "test")


def siim_image_id(path: Path) -> str:
    """The ``ImageId`` of a file: its name without ``.dcm`` (the SOP Instance UID)."""
    return Path(path).stem


def siim_labels_csv(root: Path) -> Path:
    """The label CSV under ``root``: ``train-rle.csv`` (stage 1) or ``stage_2_train.csv``.

    Raises ``FileNotFoundError`` naming ``root`` when neither is there.
    """
    for name in (STAGE1_LABELS, STAGE2_LABELS):
        if (Path(root) / name).is_file():
            return Path(root) / name
    raise FileNotFoundError(f"{root} holds neither {STAGE1_LABELS} nor {STAGE2_LABELS}")


def read_siim_labels(root: Path) -> pd.DataFrame:
    """The label rows under ``root``: columns ``ImageId`` and ``EncodedPixels`` (strings).

    Column names and values are stripped of the stage-1 file's leading spaces, so ``"-1"``
    marks an image without pneumothorax and an image with several masks has several rows.
    """
    path = siim_labels_csv(root)
    labels = pd.read_csv(path, dtype=str, keep_default_na=False)
    labels.columns = labels.columns.str.strip()
    if list(labels.columns) != ["ImageId", "EncodedPixels"]:
        raise ValueError(f"{path}: expected columns ImageId, EncodedPixels, not {list(labels)}")
    return labels.apply(lambda column: column.str.strip())


def find_siim_images(root: Path, split: str = "train") -> list[Path]:
    """The ``.dcm`` files of ``split`` (``train`` or ``test``) under ``root``, sorted by path.

    Reads the stage-1 nested folders when present, else the stage-2 flat folder (split by
    the label CSV). Raises ``FileNotFoundError`` naming ``root`` when neither layout is there.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    root = Path(root)
    nested = root / STAGE1_FOLDERS[split]
    if nested.is_dir():
        return sorted(nested.glob("*/*/*.dcm"))
    flat = root / STAGE2_FOLDER
    if flat.is_dir():
        labelled = set(read_siim_labels(root)["ImageId"])
        in_train = split == "train"
        return sorted(p for p in flat.glob("*.dcm") if (siim_image_id(p) in labelled) == in_train)
    raise FileNotFoundError(
        f"{root} holds no SIIM images: neither {STAGE1_FOLDERS[split]}/ nor {STAGE2_FOLDER}/"
    )
