"""Who is in a SIIM stand-in: one record per file, drawn from the seed before any picture.

The plan fixes every file's UIDs, patient, view, labels and planted problem up front, from
quotas rather than coin flips, so each scale hits the real proportions (55/45 sex, 61/39
PA/AP, 22.3% positive, about 1.4 masks per positive image with a long tail) and a rerun can
skip files already written without changing the rest. Pictures are drawn later from their
own seed (``picture``), so the plan stays small even at full scale.

Two layouts: ``stage1`` (the label CSV covers the training files; what nearly every public
notebook uses) and ``stage2`` (the label CSV covers stage 1's training and test images, and
new unlabelled test images sit in ``stage_2_images/``).
"""

import uuid
from dataclasses import dataclass, replace

import numpy as np

from imaging_course.datasets.siim import planted
from imaging_course.datasets.siim.header import SiimFileHeader
from imaging_course.datasets.siim.uids import draw_siim_uids

MALE_SHARE = 0.55
PA_SHARE = 0.61
POSITIVE_SHARE = 0.223
"""Shares in the real data: of patients, of films, and of labelled training images."""

MASK_COUNT_SHARES = {2: 0.10, 3: 0.035, 4: 0.02, 5: 0.01, 6: 0.007, 7: 0.005, 8: 0.003,
                     9: 0.002, 10: 0.003}  # fmt: skip
"""Of positive images, the share with each number of mask rows above one: a long tail, so
that 10,675 labelled images hold about 11,600 rows, as public analyses of the real CSV report
(up to 10 masks on an image at full scale, 5 at sample scale)."""

STAGE1, STAGE2 = "stage1", "stage2"
"""The two layouts of the real download (see :mod:`~imaging_course.datasets.siim.layout`)."""

AGE_OUTLIERS = (148, 413)
"""Impossible ages found in the real headers."""

PIXEL_SPACINGS = ("0.168", "0.143", "0.139", "0.171", "0.148", "0.194")
PIXEL_SPACING_WEIGHTS = (0.45, 0.2, 0.15, 0.1, 0.05, 0.05)
"""The few pixel spacings (mm, 3-decimal strings) and how often each occurs."""


@dataclass(frozen=True)
class SiimScale:
    """How many files of each kind a scale writes; ``row_without_file`` images have label
    rows but no file (they are not among the ``train`` files); ``stage2_test`` new test images
    are written in the stage-2 layout only (3,205 at full scale: the size public notebooks give
    the stage-2 test set, not confirmed here); ``reencoded`` and ``shifted`` are
    near-duplicates."""

    train: int
    test: int
    stage2_test: int
    no_label_row: int
    row_without_file: int
    truncated: int
    not_dicom: int
    missing_tag: int
    duplicate: int
    reencoded: int
    shifted: int


SIIM_SCALES = {
    "tiny": SiimScale(train=24, test=6, stage2_test=6, no_label_row=1, row_without_file=1,
                      truncated=1, not_dicom=1, missing_tag=1, duplicate=1, reencoded=1,
                      shifted=1),
    "sample": SiimScale(train=300, test=40, stage2_test=40, no_label_row=3, row_without_file=2,
                        truncated=1, not_dicom=1, missing_tag=2, duplicate=2, reencoded=2,
                        shifted=2),
    "full": SiimScale(train=10_712, test=1_377, stage2_test=3_205, no_label_row=37,
                      row_without_file=4, truncated=2, not_dicom=2, missing_tag=4, duplicate=4,
                      reencoded=4, shifted=4),
}  # fmt: skip


@dataclass(frozen=True)
class SiimRecord:
    """One file of the stand-in.

    ``split`` is ``train`` or ``test`` (stage 1's folders) or ``stage2`` (the stage-2 test
    folder). ``picture`` seeds the picture and its masks (a copy shares its original's);
    ``pneumothoraces`` is the number of mask rows (0 for a negative), ``overlapping`` whether
    the second lies over the first; ``planted`` a kind of
    :mod:`~imaging_course.datasets.siim.planted` or ``None``; ``shift`` the (rows, columns)
    pixels a shifted copy moves its original's picture by; ``labelled`` whether the image has
    rows in the label CSV; ``has_file`` whether its file is written (``False`` for a label CSV
    row without a file).
    """

    split: str
    header: SiimFileHeader
    picture: int
    labelled: bool
    pneumothoraces: int = 0
    overlapping: bool = False
    planted: str | None = None
    shift: tuple[int, int] = (0, 0)
    has_file: bool = True

    @property
    def relative_path(self) -> str:
        """``dicom-images-<split>/<study>/<series>/<sop>.dcm`` as in the real download, or
        ``stage_2_images/<sop>.dcm`` for a stage-2 test image."""
        uids = self.header.uids
        if self.split == "stage2":
            return f"stage_2_images/{uids.sop}.dcm"
        return f"dicom-images-{self.split}/{uids.study}/{uids.series}/{uids.sop}.dcm"


def _quota(rng: np.random.Generator, count: int, share: float) -> np.ndarray:
    """A shuffled boolean array with ``round(count * share)`` true values."""
    flags = np.zeros(count, dtype=bool)
    flags[: round(count * share)] = True
    return rng.permutation(flags)


def _headers(rng: np.random.Generator, count: int) -> list[SiimFileHeader]:
    males = _quota(rng, count, MALE_SHARE)
    pas = _quota(rng, count, PA_SHARE)
    ages = np.clip(np.rint(rng.normal(47, 16.5, count)), 2, 94).astype(int)
    spacings = rng.choice(PIXEL_SPACINGS, size=count, p=PIXEL_SPACING_WEIGHTS)
    uids = draw_siim_uids(rng, count)
    return [
        SiimFileHeader(
            uids=uids[i],
            patient_id=str(uuid.UUID(bytes=rng.bytes(16), version=4)),
            sex="M" if males[i] else "F",
            age=int(ages[i]),
            view="PA" if pas[i] else "AP",
            pixel_spacing=str(spacings[i]),
        )
        for i in range(count)
    ]


def _mask_counts(rng: np.random.Generator, positives: int) -> list[tuple[int, bool]]:
    """(mask rows, overlapping) of each positive image: the tail of :data:`MASK_COUNT_SHARES`,
    at least one image with two masks and one with three or more; about half the images with
    two masks have the second over the first."""
    several = {count: round(positives * share) for count, share in MASK_COUNT_SHARES.items()}
    several[2] = max(several[2], 1)
    if not any(several[count] for count in several if count > 2):
        several[3] = 1
    counts = [count for count, images in several.items() for _ in range(images)]
    counts = (counts + [1] * positives)[:positives]
    overlapping = [False] * len(counts)
    for index in range((counts.count(2) + 1) // 2):
        overlapping[index] = True  # the first images of two masks, before the shuffle
    order = rng.permutation(len(counts))
    return [(counts[i], overlapping[i]) for i in order]


def _split(index: int, n_train: int, n_test: int) -> str:
    if index < n_train:
        return "train"
    return "test" if index < n_train + n_test else "stage2"


def _planted_slots(scale: SiimScale) -> int:
    """How many training files a planted problem or a copy overwrites, after the files
    without a label row: they are taken in turn from one shuffled order."""
    problems = scale.truncated + scale.not_dicom + scale.missing_tag
    return problems + 2 * (scale.duplicate + scale.reencoded + scale.shifted)


def plan_siim(scale: SiimScale, seed: int, layout: str = STAGE1) -> list[SiimRecord]:
    """Every image of a stand-in: the training files, the labelled images without a file (drawn
    like the others, so the label shares hold over every labelled image), the test files,
    and in the ``stage2`` layout the new stage-2 test images.

    Stage 1's test images are labelled in the stage-2 layout, as ``stage_2_train.csv`` labels
    them; the planted problems are among stage 1's training files in both layouts.
    """
    if layout not in (STAGE1, STAGE2):
        raise ValueError(f"layout must be {STAGE1} or {STAGE2}, not {layout!r}")
    rng = np.random.default_rng([seed, 0])
    n_train = scale.train + scale.row_without_file
    n_stage2 = scale.stage2_test if layout == STAGE2 else 0
    headers = _headers(rng, n_train + scale.test + n_stage2)
    records = []
    for index, header in enumerate(headers):
        split = _split(index, n_train, scale.test)
        labelled = split == "train" or (split == "test" and layout == STAGE2)
        records.append(SiimRecord(split, header, picture=index, labelled=labelled))
    for index in range(scale.train, n_train):
        records[index] = replace(records[index], has_file=False)

    special = rng.permutation(scale.train)
    taken = iter(special)
    for index in (next(taken) for _ in range(scale.no_label_row)):
        records[index] = replace(records[index], labelled=False)
    labelled = [i for i, record in enumerate(records) if record.labelled]
    # Images with several masks are drawn among the files that stay whole and readable (not
    # a planted problem, not a copy's slot, not a label row without a file), so every scale
    # shows the several, overlapping masks the exercise measures; single masks anywhere.
    spoilt = set(special[: scale.no_label_row + _planted_slots(scale)].tolist())
    spoilt |= set(range(scale.train, n_train))
    counts = _mask_counts(rng, round(len(labelled) * POSITIVE_SHARE))
    several = [count for count in counts if count[0] > 1]
    whole = [i for i in labelled if i not in spoilt]
    chosen = rng.choice(whole, size=len(several), replace=False).tolist()
    rest = [i for i in labelled if i not in set(chosen)]
    chosen += rng.choice(rest, size=len(counts) - len(several), replace=False).tolist()
    singles = [count for count in counts if count[0] == 1]
    for index, (count, overlapping) in zip(chosen, several + singles, strict=True):
        records[index] = replace(records[index], pneumothoraces=count, overlapping=overlapping)

    kinds = [planted.TRUNCATED] * scale.truncated + [planted.NOT_DICOM] * scale.not_dicom
    kinds += [planted.MISSING_AGE, planted.MISSING_VIEW] * (scale.missing_tag // 2)
    kinds += [planted.MISSING_AGE] * (scale.missing_tag % 2)
    for kind in kinds:
        index = next(taken)
        records[index] = replace(records[index], planted=kind)
    copies = [planted.DUPLICATE] * scale.duplicate + [planted.REENCODED] * scale.reencoded
    copies += [planted.SHIFTED] * scale.shifted
    for kind in copies:
        index, original = next(taken), records[next(taken)]
        header = replace(original.header, uids=records[index].header.uids)
        shift = planted.draw_shift(rng) if kind == planted.SHIFTED else (0, 0)
        records[index] = replace(original, header=header, planted=kind, shift=shift)
    for age in AGE_OUTLIERS:
        index = next(taken)
        records[index] = replace(records[index], header=replace(records[index].header, age=age))
    for kind in planted.HEADER_VARIANTS:
        index = next(taken)
        header = records[index].header
        if kind == planted.DOWNSIZED:
            spacing = float(header.pixel_spacing) * planted.DOWNSIZE_FACTOR
            header = replace(header, pixel_spacing=f"{spacing:.3f}")
        records[index] = replace(records[index], header=header, planted=kind)
    return records
