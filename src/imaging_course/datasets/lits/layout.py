"""The LiTS folder layout on Kaggle, and pairing each volume with its segmentation.

Kaggle splits the 131 training cases over two downloads::

    segmentations/segmentation-N.nii        N = 0..130
    volume_pt1/ ... volume_pt5/volume-N.nii  cases 0..50 (part 1)
    volume_pt6/ ... volume_pt8/volume-N.nii  cases 51..130 (part 2)

``N`` is 0-based and the same in both names; the part folder of a volume depends on its case
number only. :func:`find_lits_cases` reads this layout (the real download or the stand-in) and
warns, naming the file, about every file it leaves out, without stopping the scan: a file
without its partner, a second copy of a case, and a file that is no CT volume of a case.

Archives hold more than LiTS's own files, so a pair's headers are read (not its voxels): both
must be NIfTI-1 images of the same three spatial dimensions. A 4-D file of one frame
(``x, y, z, 1``, as some converters write) is a volume; one of several frames, a NIfTI-2 file
(LiTS volumes are NIfTI-1; NIfTI-2 mostly holds CIFTI surface data) and a CIFTI-2 file are not.
"""

import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import nibabel as nib

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


class LeftOutLitsFileWarning(UserWarning):
    """A volume or segmentation left out: without its partner, a second copy of a case, or
    not a CT volume."""


@dataclass(frozen=True)
class LitsCase:
    """One LiTS case: its number and the paths of its CT volume and label volume, NIfTI-1
    images of the same three spatial dimensions (a volume may have a fourth of size one)."""

    case_id: int
    volume: Path
    segmentation: Path


@dataclass(frozen=True)
class LeftOutFile:
    """A file :func:`scan_lits_layout` left out, and why."""

    path: Path
    reason: str


@dataclass(frozen=True)
class LitsLayout:
    """What a LiTS folder holds: the usable cases (sorted by case id) and the files left out."""

    cases: list[LitsCase]
    left_out: list[LeftOutFile]


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


def _numbered_files(paths, pattern: re.Pattern, left_out: list[LeftOutFile]) -> dict[int, Path]:
    found: dict[int, Path] = {}
    for path in sorted(paths):
        match = pattern.fullmatch(path.name)
        if match is None:
            continue
        case_id = int(match.group(1))
        if case_id in found:
            left_out.append(LeftOutFile(path, f"second file for case {case_id}: {found[case_id]}"))
        else:
            found[case_id] = path
    return found


class NotACtVolumeError(ValueError):
    """A file whose header is not that of a CT volume (or of its labels); the message says why."""


def _kind_problem(image: nib.filebasedimages.FileBasedImage) -> str | None:
    """Why ``image`` is not a NIfTI-1 image, or ``None``."""
    if isinstance(image, nib.Cifti2Image):
        return f"a CIFTI-2 file (data of shape {image.shape})"
    if isinstance(image, nib.Nifti2Image):
        return "a NIfTI-2 file (LiTS volumes are NIfTI-1)"
    if not isinstance(image, nib.Nifti1Image):
        return f"a {type(image).__name__}, not NIfTI-1"
    return None


def spatial_shape(path: Path) -> tuple[int, int, int]:
    """The three spatial dimensions of the NIfTI-1 image at ``path``, from its header.

    Raises :class:`NotACtVolumeError` when it is not NIfTI at all, NIfTI-2 or CIFTI-2, has
    fewer than three dimensions, or more than one frame along a fourth (or later) one.
    """
    try:
        image = nib.load(path)
    except Exception as error:  # nibabel raises ImageFileError, OSError, EOFError, ...
        raise NotACtVolumeError(f"not a NIfTI image: {type(error).__name__}: {error}") from None
    problem = _kind_problem(image)
    shape = tuple(int(n) for n in image.shape)
    if problem is None and len(shape) < 3:
        problem = f"{len(shape)}-D, shape {shape}"
    if problem is None and math.prod(shape[3:]) > 1:
        problem = f"{len(shape)}-D with {math.prod(shape[3:])} frames of {shape[:3]}"
    if problem is not None:
        raise NotACtVolumeError(f"not a CT volume: {problem}")
    return shape[:3]


def _check_case(case: LitsCase) -> LeftOutFile | None:
    """Why ``case`` cannot be used (the file at fault), or ``None``."""
    shapes = {}
    for path in (case.volume, case.segmentation):
        try:
            shapes[path] = spatial_shape(path)
        except NotACtVolumeError as error:
            return LeftOutFile(path, str(error))
    if shapes[case.volume] != shapes[case.segmentation]:
        return LeftOutFile(
            case.segmentation,
            f"shape {shapes[case.segmentation]} differs from {case.volume.name}'s "
            f"{shapes[case.volume]}",
        )
    return None


def scan_lits_layout(root: Path) -> LitsLayout:
    """Pair each ``volume_pt*/volume-N.nii`` under ``root`` with its ``segmentation-N.nii``.

    ``.nii.gz`` files pair too. Raises :class:`FileNotFoundError` when ``root`` or its
    ``segmentations`` folder is missing; files that cannot be paired, and pairs whose headers
    are not those of one CT volume and its labels, are listed in :attr:`LitsLayout.left_out`
    with the reason.
    """
    root = Path(root)
    segmentation_folder = root / SEGMENTATIONS_FOLDER
    if not segmentation_folder.is_dir():
        raise FileNotFoundError(
            f"{segmentation_folder}: no such folder; is {root} a LiTS download "
            "(segmentations/ and volume_pt*/ folders)?"
        )
    left_out: list[LeftOutFile] = []
    volumes = _numbered_files(
        (f for part in root.glob(VOLUME_FOLDER_GLOB) if part.is_dir() for f in part.iterdir()),
        VOLUME_NAME,
        left_out,
    )
    segmentations = _numbered_files(segmentation_folder.iterdir(), SEGMENTATION_NAME, left_out)
    cases = []
    for case_id in sorted(volumes.keys() & segmentations.keys()):
        case = LitsCase(case_id, volumes[case_id], segmentations[case_id])
        problem = _check_case(case)
        if problem is None:
            cases.append(case)
        else:
            left_out.append(problem)
    left_out += [
        LeftOutFile(volumes[case_id], f"no {SEGMENTATIONS_FOLDER}/segmentation-{case_id}.nii")
        for case_id in sorted(volumes.keys() - segmentations.keys())
    ]
    left_out += [
        LeftOutFile(segmentations[case_id], f"no volume_pt*/volume-{case_id}.nii")
        for case_id in sorted(segmentations.keys() - volumes.keys())
    ]
    return LitsLayout(cases, left_out)


def find_lits_cases(root: Path) -> list[LitsCase]:
    """The usable cases under ``root``, sorted by case id.

    Each file left out is reported with a :class:`LeftOutLitsFileWarning` naming it and the
    reason; the scan goes on. Use :func:`scan_lits_layout` to get the files left out as data
    instead.
    """
    layout = scan_lits_layout(root)
    for leftover in layout.left_out:
        warnings.warn(
            f"{leftover.path}: left out, {leftover.reason}", LeftOutLitsFileWarning, stacklevel=2
        )
    return layout.cases
