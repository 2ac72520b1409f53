"""Write a SIIM-ACR Pneumothorax stand-in: DICOM files, the label CSV, manifest, stamp.

Files stream one at a time (memory stays flat at any scale), each written atomically and
skipped when already present, so a rerun after an interruption completes the folder. Every
byte follows from the seed and the scale: the plan (:mod:`.plan`) fixes who is in the
dataset, each picture has its own seed, and nothing reads the clock.

The stage-1 layout (the default) writes ``train-rle.csv`` beside the two nested image folders;
the stage-2 layout writes ``stage_2_train.csv`` (labels of stage 1's training and test images)
and the new test images in ``stage_2_images/``. See :mod:`.layout`.
"""

import io
from pathlib import Path

import numpy as np
from PIL import Image
from pydicom.encaps import encapsulate
from pydicom.uid import ExplicitVRLittleEndian

from imaging_course.datasets.atomic import write_bytes_atomic, write_text_atomic
from imaging_course.datasets.generation import (
    GenerationError,
    begin_generation,
    check_scale,
    check_seed,
    finish_generation,
    planted_entry,
    with_progress,
)
from imaging_course.datasets.siim import planted
from imaging_course.datasets.siim.header import dicom_file_bytes, siim_dataset
from imaging_course.datasets.siim.layout import STAGE1_LABELS, STAGE2_LABELS
from imaging_course.datasets.siim.plan import SIIM_SCALES, STAGE1, STAGE2, SiimRecord, plan_siim
from imaging_course.datasets.siim.radiograph import (
    draw_chest_anatomy,
    draw_pneumothorax_specs,
    pneumothorax_mask,
    render_chest_radiograph,
)
from imaging_course.datasets.siim.rle import NO_MASK, encode_siim_rle
from imaging_course.datasets.stamp import Stamp

SIIM_GENERATOR_VERSION = "5"
"""Bump when the bytes written for a seed change: old folders then read as foreign."""

LABEL_SEPARATORS = {STAGE1: ", ", STAGE2: ","}
"""Between the two columns of the label CSV, header included: stage 1's file puts a space
before every value (pandas names the column ``' EncodedPixels'``), stage 2's does not."""

LABEL_FILES = {STAGE1: STAGE1_LABELS, STAGE2: STAGE2_LABELS}

COPIES = (planted.DUPLICATE, planted.REENCODED, planted.SHIFTED)
"""The planted kinds that copy another file's picture and patient."""

FILE_BYTES = (124_000, 142_000)
"""Target file size range in bytes; the real files hold 120-145 KB of pixel data."""

ESTIMATED_FILE_BYTES = 136_000
"""Average bytes of one file, for the free-disk check."""


def _picture_rng(seed: int, picture: int) -> np.random.Generator:
    return np.random.default_rng([seed, 1, picture])


def _anatomy_and_masks(record: SiimRecord, rng: np.random.Generator):
    anatomy = draw_chest_anatomy(rng, record.header.view, record.header.sex)
    specs = draw_pneumothorax_specs(
        rng, record.header.view, record.pneumothoraces, record.overlapping
    )
    return anatomy, [pneumothorax_mask(anatomy, spec) for spec in specs]


def siim_label_rows(record: SiimRecord, seed: int) -> list[str]:
    """The RLE strings of ``record``'s rows in the label CSV (``["-1"]`` for a negative)."""
    if record.pneumothoraces == 0:
        return [NO_MASK]
    _, masks = _anatomy_and_masks(record, _picture_rng(seed, record.picture))
    masks = [planted.shifted(mask, record.shift, mask=True) for mask in masks]
    if record.planted == planted.DOWNSIZED:
        step = planted.DOWNSIZE_FACTOR
        masks = [np.ascontiguousarray(mask[::step, ::step]) for mask in masks]
    return [encode_siim_rle(mask) for mask in masks]


def siim_picture(record: SiimRecord, seed: int) -> np.ndarray:
    """The 8-bit ``(1024, 1024)`` radiograph of ``record`` (a copy's is its original's,
    shifted for a shifted copy)."""
    rng = _picture_rng(seed, record.picture)
    anatomy, masks = _anatomy_and_masks(record, rng)
    union = np.logical_or.reduce(masks) if masks else None
    picture = planted.shifted(render_chest_radiograph(anatomy, rng, union), record.shift,
                              mask=False)  # fmt: skip
    if record.planted == planted.DOWNSIZED:
        return np.asarray(Image.fromarray(picture).reduce(planted.DOWNSIZE_FACTOR))
    return picture


def _jpeg_bytes(record: SiimRecord, seed: int) -> int:
    """The size the file's JPEG stream aims at: drawn per picture, so a copy aims at its
    original's, except a re-encoded copy, which aims another step away (another quality)."""
    low, high = FILE_BYTES
    target = int(np.random.default_rng([seed, 2, record.picture]).integers(low, high)) - 1_100
    if record.planted == planted.REENCODED:
        step = planted.REENCODED_SIZE_STEP
        target += step if target + step < high - 1_100 else -step
    return target


def jpeg_baseline(pixels: np.ndarray, target_bytes: int) -> bytes:
    """Encode 8-bit grayscale as baseline JPEG, choosing the quality whose size is nearest
    ``target_bytes`` (the real files' sizes come from their detail, ours from the quality)."""

    def encode(quality: int) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
        return buffer.getvalue()

    low, high = 40, 98
    while low < high:
        middle = (low + high) // 2
        if len(encode(middle)) < target_bytes:
            low = middle + 1
        else:
            high = middle
    candidates = [encode(low), encode(max(low - 1, 40))]
    return min(candidates, key=lambda data: abs(len(data) - target_bytes))


def siim_file(record: SiimRecord, seed: int) -> bytes:
    """The bytes of ``record``'s file, planted problem included."""
    pixels = siim_picture(record, seed)
    if record.planted == planted.NOT_DICOM:
        return planted.png_posing_as_dicom(pixels)
    omit = frozenset({planted.MISSING_TAG_KEYWORD[record.planted]}) if record.planted in (
        planted.MISSING_TAG_KEYWORD) else frozenset()  # fmt: skip
    attributes = planted.VARIANT_ATTRIBUTES.get(record.planted, {})
    if record.planted == planted.UNCOMPRESSED_12BIT:
        words = pixels.astype("<u2") * planted.TWELVE_BIT_SCALE
        dataset = siim_dataset(record.header, words.tobytes(), omit, attributes,
                               ExplicitVRLittleEndian)  # fmt: skip
        return dicom_file_bytes(dataset)
    if record.planted == planted.MONOCHROME1:
        pixels = 255 - pixels
    jpeg = jpeg_baseline(pixels, _jpeg_bytes(record, seed))
    dataset = siim_dataset(record.header, encapsulate([jpeg]), omit, attributes)
    data = dicom_file_bytes(dataset)
    return planted.truncated(data) if record.planted == planted.TRUNCATED else data


def siim_labels_text(records: list[SiimRecord], seed: int, layout: str = STAGE1) -> str:
    """The label CSV as the real one of ``layout`` is written: one row per mask (``-1`` for
    none) of every labelled image, ``ImageId`` then ``EncodedPixels``."""
    separator = LABEL_SEPARATORS[layout]
    lines = [f"ImageId{separator}EncodedPixels\n"]
    for record in records:
        if record.labelled:
            sop = record.header.uids.sop
            lines += [f"{sop}{separator}{rle}\n" for rle in siim_label_rows(record, seed)]
    return "".join(lines)


def _copy_detail(record: SiimRecord, original: str) -> str:
    if record.planted == planted.DUPLICATE:
        return f"same pixels as {original}"
    if record.planted == planted.REENCODED:
        return f"the picture of {original} JPEG-encoded again at another quality"
    rows, columns = record.shift
    return f"the picture and masks of {original} moved {rows} rows and {columns} columns"


def _manifest_entries(records: list[SiimRecord], labels_csv: str) -> list[dict[str, str]]:
    by_picture = {r.picture: r for r in records if r.planted not in COPIES}
    entries = []
    for record in records:
        path = record.relative_path
        if record.planted in COPIES:
            detail = _copy_detail(record, by_picture[record.picture].relative_path)
            entries.append(planted_entry(path, record.planted, detail))
        elif record.planted is not None:
            entries.append(planted_entry(path, record.planted, planted.DETAILS[record.planted]))
        if record.header.age > 120 and record.planted not in planted.MISSING_TAG_KEYWORD:
            detail = f"PatientAge '{record.header.age}'"
            entries.append(planted_entry(path, planted.AGE_OUTLIER, detail))
        if record.split == "train" and not record.labelled:
            entries.append(planted_entry(path, planted.NO_LABEL_ROW, f"not in {labels_csv}"))
        if not record.has_file:
            detail = f"no such file: only {labels_csv} has rows for this ImageId"
            entries.append(planted_entry(path, planted.ROW_WITHOUT_FILE, detail))
    return entries


def generate_siim(
    out: Path,
    *,
    scale: str,
    seed: int,
    progress: bool = True,
    manifest: bool = True,
    layout: str = STAGE1,
) -> None:
    """Write the SIIM stand-in of ``scale`` for ``seed`` into ``out`` (see the dataset card), in
    the ``stage1`` or ``stage2`` ``layout``.

    Does nothing when ``out`` already holds it; completes it after an interruption. With
    ``manifest=False`` the folder has no ``MANIFEST.json`` (the grader's held-out copies),
    even one generated earlier with it.
    Raises :class:`~imaging_course.datasets.generation.GenerationError` for a bad scale, seed
    or layout, a folder that is not ours, or too little disk.
    """
    check_scale(scale)
    check_seed(seed)
    if layout not in LABEL_FILES:
        raise GenerationError(f"unknown layout {layout!r}: choose {STAGE1} or {STAGE2}")
    out = Path(out)
    records = plan_siim(SIIM_SCALES[scale], seed, layout)
    files = [record for record in records if record.has_file]
    stamp = Stamp("siim", scale, seed, SIIM_GENERATOR_VERSION, None if layout == STAGE1 else layout)
    planned = {record.relative_path: ESTIMATED_FILE_BYTES for record in files}
    labels_csv = LABEL_FILES[layout]
    if begin_generation(out, stamp, planned):
        for record in with_progress(files, len(files), "SIIM files", progress):
            path = out / record.relative_path
            if not path.exists():
                write_bytes_atomic(path, siim_file(record, seed))
        write_text_atomic(out / labels_csv, siim_labels_text(records, seed, layout))
    finish_generation(out, stamp, _manifest_entries(records, labels_csv) if manifest else None)
