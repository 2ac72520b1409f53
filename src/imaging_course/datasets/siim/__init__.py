"""SIIM-ACR Pneumothorax: the stand-in generator and the readers of the real layout.

:func:`siim_root` is the folder the course reads: the stand-in, or a real download.

``layout`` finds images and reads the label CSV (stage 1's two folders and ``train-rle.csv``,
or stage 2's ``stage_2_train.csv`` and ``stage_2_images/``), ``scan`` reads headers and pixels
surviving bad files, ``survey`` counts what a folder holds, ``rle`` decodes and encodes the
competition's masks, ``header`` knows every DICOM attribute a file carries, ``generate``
writes a deterministic stand-in (``plan`` fixes who is in it, ``radiograph`` draws the
pictures, ``uids`` names the files) and ``planted`` the problems planted on purpose.
"""

from pathlib import Path

from imaging_course.datasets.registry import DATASETS


def siim_root() -> Path:
    """The SIIM-ACR folder the course reads: ``$SIIM_DATA_DIR`` (a real download),
    else ``data/siim-sample`` in the checkout (the registry's
    :meth:`~imaging_course.datasets.registry.Dataset.root`)."""
    return DATASETS["siim"].root()
