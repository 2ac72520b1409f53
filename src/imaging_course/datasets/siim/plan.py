"""Who is in a SIIM stand-in: one record per file, drawn from the seed before any picture.

The plan fixes every file's UIDs, patient, view, labels and planted problem up front, from
quotas rather than coin flips, so each scale hits the real proportions (55/45 sex, 61/39
PA/AP, 22.3% positive) and a rerun can skip files already written without changing the rest.
Pictures are drawn later from their own seed (``picture``), so the plan stays small even at
full scale.
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

SEVERAL_MASKS_SHARE = (0.16, 0.07)
"""Of positive images, the shares with two and with three mask rows."""

AGE_OUTLIERS = (148, 413)
"""Impossible ages found in the real headers."""

PIXEL_SPACINGS = ("0.168", "0.143", "0.139", "0.171", "0.148", "0.194")
PIXEL_SPACING_WEIGHTS = (0.45, 0.2, 0.15, 0.1, 0.05, 0.05)
"""The few pixel spacings (mm, 3-decimal strings) and how often each occurs."""


@dataclass(frozen=True)
class SiimScale:
    """How many files of each kind a scale writes; ``row_without_file`` images have label
    rows but no file (they are not among the ``train`` files)."""

    train: int
    test: int
    no_label_row: int
    row_without_file: int
    truncated: int
    not_dicom: int
    missing_tag: int
    duplicate: int


SIIM_SCALES = {
    "tiny": SiimScale(train=24, test=6, no_label_row=1, row_without_file=1, truncated=1,
                      not_dicom=1, missing_tag=1, duplicate=1),
    "sample": SiimScale(train=300, test=40, no_label_row=3, row_without_file=2, truncated=1,
                        not_dicom=1, missing_tag=2, duplicate=2),
    "full": SiimScale(train=10_712, test=1_377, no_label_row=37, row_without_file=4,
                      truncated=2, not_dicom=2, missing_tag=4, duplicate=4),
}  # fmt: skip


@dataclass(frozen=True)
class SiimRecord:
    """One file of the stand-in.

    ``picture`` seeds the picture and its masks (a duplicate shares its original's);
    ``pneumothoraces`` is the number of mask rows (0 for a negative), ``overlapping`` whether
    the second lies over the first; ``planted`` a kind of
    :mod:`~imaging_course.datasets.siim.planted` or ``None``; ``labelled`` whether the image has
    rows in the label CSV; ``has_file`` whether its file is written (``False`` for a label CSV
    row without a file).
    """

    split: str
    header: SiimFileHeader
    picture: int
    pneumothoraces: int = 0
    overlapping: bool = False
    planted: str | None = None
    labelled: bool = True
    has_file: bool = True

    @property
    def relative_path(self) -> str:
        """``dicom-images-<split>/<study>/<series>/<sop>.dcm``, as in the real download."""
        uids = self.header.uids
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
    """(mask rows, overlapping) of each positive image, at least one overlapping pair."""
    two, three = (max(1, round(positives * share)) for share in SEVERAL_MASKS_SHARE)
    counts = [2] * two + [3] * three + [1] * max(positives - two - three, 0)
    counts = counts[:positives]
    several = sum(count > 1 for count in counts)
    overlapping = [index < (several + 1) // 2 for index in range(len(counts))]
    order = rng.permutation(len(counts))
    return [(counts[i], overlapping[i] and counts[i] > 1) for i in order]


def plan_siim(scale: SiimScale, seed: int) -> list[SiimRecord]:
    """Every image of a stand-in: the training files, the labelled images without a file (drawn
    like the others, so the label shares hold over every labelled image), then the test files.
    """
    rng = np.random.default_rng([seed, 0])
    n_train = scale.train + scale.row_without_file
    headers = _headers(rng, n_train + scale.test)
    records = [
        SiimRecord("train" if i < n_train else "test", header, picture=i)
        for i, header in enumerate(headers)
    ]
    train = records[:n_train]
    for index in range(scale.train, n_train):
        train[index] = replace(train[index], has_file=False)

    special = rng.permutation(scale.train)
    taken = iter(special)
    for index in (next(taken) for _ in range(scale.no_label_row)):
        train[index] = replace(train[index], labelled=False)
    labelled = [i for i in range(n_train) if train[i].labelled]
    positives = rng.choice(labelled, size=round(len(labelled) * POSITIVE_SHARE), replace=False)
    for index, (count, overlapping) in zip(positives, _mask_counts(rng, len(positives)),
                                           strict=True):  # fmt: skip
        train[index] = replace(train[index], pneumothoraces=count, overlapping=overlapping)

    kinds = [planted.TRUNCATED] * scale.truncated + [planted.NOT_DICOM] * scale.not_dicom
    kinds += [planted.MISSING_AGE, planted.MISSING_VIEW] * (scale.missing_tag // 2)
    kinds += [planted.MISSING_AGE] * (scale.missing_tag % 2)
    for kind in kinds:
        index = next(taken)
        train[index] = replace(train[index], planted=kind)
    for _ in range(scale.duplicate):
        index, original = next(taken), train[next(taken)]
        own = train[index].header
        header = replace(original.header, uids=own.uids)
        train[index] = replace(original, header=header, planted=planted.DUPLICATE)
    for age in AGE_OUTLIERS:
        index = next(taken)
        train[index] = replace(train[index], header=replace(train[index].header, age=age))
    return train + records[n_train:]
