"""Where the SIIM-ACR files are: the one module that knows both download layouts.

Stage 1 (what nearly every public notebook uses, and what the stand-in writes by default)::

    dicom-images-train/<StudyInstanceUID>/<SeriesInstanceUID>/<SOPInstanceUID>.dcm
    dicom-images-test/<StudyInstanceUID>/<SeriesInstanceUID>/<SOPInstanceUID>.dcm
    train-rle.csv                      header "ImageId, EncodedPixels", values after ", "

Stage 2 (what the competition page serves today)::

    stage_2_images/<SOPInstanceUID>.dcm   new test images, without labels
    stage_2_train.csv                     header "ImageId,EncodedPixels": labels of stage 1's
                                          training AND test images (about 12,000)

The stage-2 page serves only those two; the labelled images are stage 1's, so a stage-2 folder
holds stage 1's two image folders beside them. A folder with ``stage_2_train.csv`` is read as
stage 2: every image of both stage-1 folders is a training image. In either stage a file of
``stage_2_images/`` is a training image when the label CSV has a row for it (a download that
put every image there), a test image otherwise.
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
    """The label CSV under ``root``: ``stage_2_train.csv`` when there is one (it labels more
    images), else ``train-rle.csv``.

    Raises ``FileNotFoundError`` naming ``root`` when neither is there.
    """
    for name in (STAGE2_LABELS, STAGE1_LABELS):
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

    Stage 1: the folder of the split, ``dicom-images-train/`` or ``dicom-images-test/``.
    Stage 2 (``stage_2_train.csv`` present): training images are those of both stage-1
    folders; test images are those of ``stage_2_images/``. In both, the files of
    ``stage_2_images/`` that the label CSV names are training images. Raises
    ``FileNotFoundError`` naming ``root`` when it holds none of the three image folders.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    root = Path(root)
    folders = [root / folder for folder in (*STAGE1_FOLDERS.values(), STAGE2_FOLDER)]
    if not any(folder.is_dir() for folder in folders):
        raise FileNotFoundError(
            f"{root} holds no SIIM images: none of {', '.join(f.name + '/' for f in folders)}"
        )
    stage2 = (root / STAGE2_LABELS).is_file()
    nested = {name: sorted((root / folder).glob("*/*/*.dcm")) for name, folder in
              STAGE1_FOLDERS.items()}  # fmt: skip
    flat = sorted((root / STAGE2_FOLDER).glob("*.dcm"))
    labelled = set(read_siim_labels(root)["ImageId"]) if flat else set()
    if split == "train":
        files = nested["train"] + (nested["test"] if stage2 else [])
        files += [path for path in flat if siim_image_id(path) in labelled]
    else:
        files = [] if stage2 else nested["test"]
        files += [path for path in flat if siim_image_id(path) not in labelled]
    return sorted(files)
