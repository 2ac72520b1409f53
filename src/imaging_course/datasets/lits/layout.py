"""The LiTS folder layout on Kaggle, and pairing each volume with its segmentation.

Kaggle splits the 131 training cases over two downloads::

    segmentations/segmentation-N.nii        N = 0..130
    volume_pt1/ ... volume_pt5/volume-N.nii  cases 0..50 (part 1)
    volume_pt6/ ... volume_pt8/volume-N.nii  cases 51..130 (part 2)

``N`` is 0-based and the same in both names; the part folder of a volume depends on its case
number only. :func:`find_lits_cases` reads this layout (the real download or the stand-in) and
warns, naming the file, about every file it cannot pair, without stopping the scan.
"""

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

SEGMENTATIONS_FOLDER = "segmentations"
VOLUME_FOLDER_GLOB = "volume_pt*"

VOLUME_NAME = re.compile(r"volume-(\d+)\.nii(?:\.gz)?")
SEGMENTATION_NAME = re.compile(r"segmentation-(\d+)\.nii(?:\.gz)?")

VOLUME_PARTS = (
    (1, 0, 10),
    (2, 11, 20),
    (3, 21, 30),
    (4, 31, 40),
    (5, 41, 50),
    (6, 51, 77),
    (7, 78, 104),
    (8, 105, 130),
)
"""(part K of ``volume_ptK``, first case, last case); the real boundaries are approximate."""


class UnpairedLitsFileWarning(UserWarning):
    """A volume or segmentation without its partner (or a second copy of a case)."""


@dataclass(frozen=True)
class LitsCase:
    """One LiTS case: its number and the paths of its CT volume and label volume."""

    case_id: int
    volume: Path
    segmentation: Path


@dataclass(frozen=True)
class UnpairedFile:
    """A file :func:`scan_lits_layout` could not pair, and why."""

    path: Path
    reason: str


@dataclass(frozen=True)
class LitsLayout:
    """What a LiTS folder holds: the paired cases (sorted by case id) and the leftovers."""

    cases: list[LitsCase]
    unpaired: list[UnpairedFile]


def volume_part(case_id: int) -> int:
    """The ``K`` of the ``volume_ptK`` folder that holds case ``case_id`` on Kaggle."""
    for part, first, last in VOLUME_PARTS:
        if first <= case_id <= last:
            return part
    raise ValueError(f"LiTS case {case_id} is outside 0..{VOLUME_PARTS[-1][2]}")


def volume_relative_path(case_id: int) -> Path:
    """Where case ``case_id``'s volume lives, relative to the dataset folder."""
    return Path(f"volume_pt{volume_part(case_id)}") / f"volume-{case_id}.nii"


def segmentation_relative_path(case_id: int) -> Path:
    """Where case ``case_id``'s segmentation lives, relative to the dataset folder."""
    return Path(SEGMENTATIONS_FOLDER) / f"segmentation-{case_id}.nii"


def _numbered_files(paths, pattern: re.Pattern, unpaired: list[UnpairedFile]) -> dict[int, Path]:
    found: dict[int, Path] = {}
    for path in sorted(paths):
        match = pattern.fullmatch(path.name)
        if match is None:
            continue
        case_id = int(match.group(1))
        if case_id in found:
            unpaired.append(UnpairedFile(path, f"second file for case {case_id}: {found[case_id]}"))
        else:
            found[case_id] = path
    return found


def scan_lits_layout(root: Path) -> LitsLayout:
    """Pair each ``volume_pt*/volume-N.nii`` under ``root`` with its ``segmentation-N.nii``.

    ``.nii.gz`` files pair too. Raises :class:`FileNotFoundError` when ``root`` or its
    ``segmentations`` folder is missing; files that cannot be paired are listed in
    :attr:`LitsLayout.unpaired` with the reason.
    """
    root = Path(root)
    segmentation_folder = root / SEGMENTATIONS_FOLDER
    if not segmentation_folder.is_dir():
        raise FileNotFoundError(
            f"{segmentation_folder}: no such folder; is {root} a LiTS download "
            "(segmentations/ and volume_pt*/ folders)?"
        )
    unpaired: list[UnpairedFile] = []
    volumes = _numbered_files(
        (f for part in root.glob(VOLUME_FOLDER_GLOB) if part.is_dir() for f in part.iterdir()),
        VOLUME_NAME,
        unpaired,
    )
    segmentations = _numbered_files(segmentation_folder.iterdir(), SEGMENTATION_NAME, unpaired)
    cases = [
        LitsCase(case_id, volumes[case_id], segmentations[case_id])
        for case_id in sorted(volumes.keys() & segmentations.keys())
    ]
    unpaired += [
        UnpairedFile(volumes[case_id], f"no {SEGMENTATIONS_FOLDER}/segmentation-{case_id}.nii")
        for case_id in sorted(volumes.keys() - segmentations.keys())
    ]
    unpaired += [
        UnpairedFile(segmentations[case_id], f"no volume_pt*/volume-{case_id}.nii")
        for case_id in sorted(segmentations.keys() - volumes.keys())
    ]
    return LitsLayout(cases, unpaired)


def find_lits_cases(root: Path) -> list[LitsCase]:
    """The paired cases under ``root``, sorted by case id.

    Each file that cannot be paired is reported with an :class:`UnpairedLitsFileWarning`
    naming it and the reason; the scan goes on. Use :func:`scan_lits_layout` to get the
    leftovers as data instead.
    """
    layout = scan_lits_layout(root)
    for leftover in layout.unpaired:
        warnings.warn(
            f"{leftover.path}: left out, {leftover.reason}", UnpairedLitsFileWarning, stacklevel=2
        )
    return layout.cases
