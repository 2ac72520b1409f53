"""Per-case parameters of the LiTS stand-in, drawn from the seed after the real per-case tables.

Each case is planned before any voxel is painted: its number (which fixes the part folder and
the orientation, as in the real data), shape, voxel spacing with the real data's float noise,
affine, HU floor and maximum, liver size and enhancement, lesion count and density, how its
files store their values, and whether two of its lesions touch at an edge or a corner. The
plan is cheap, so the generator, the benchmark and the tests can all look at it without
writing anything.

Real figures (see ``DATASETS.md``): 512 x 512 x 74..987 voxels; in-plane spacing 0.557-1.0 mm,
slice spacing 0.7-5.0 mm; LAS (cases 0-27, 48-52), RAS (28-47, 68-82), LPS (53-67, 83-130);
minimum HU -1024, -2048 or -3024, one range to -10,522 or 27,572; 13 of 131 cases tumour-free,
0-75 lesions (median 3), mostly hypodense; liver 542-3,195 mL (median 1,592) at a mean of
29-165 HU; volumes stored as int16, float32 or scaled integers, some segmentations as float.

Properties that a few cases have (the dtypes, the lesion densities, touching lesions) are
given by quota, at least one case each at every scale, so that every seed has them.
"""

import math
from dataclasses import dataclass

import numpy as np

from imaging_course.datasets.lits.storage import FLOAT32, INT16, SCALED_INT16, UINT8, Storage

ORIENTATION_RANGES = (
    ("LAS", 0, 27),
    ("RAS", 28, 47),
    ("LAS", 48, 52),
    ("LPS", 53, 67),
    ("RAS", 68, 82),
    ("LPS", 83, 130),
)
"""(axis codes, first case, last case) of the real volumes' orientations."""

AFFINE_MISMATCH_CASES = range(48, 53)
"""Cases whose real segmentation carries another affine than the volume, arrays aligned."""

AXIS_SIGNS = {"LAS": (-1, 1, 1), "RAS": (1, 1, 1), "LPS": (-1, -1, 1)}
"""Sign of each array axis along nibabel's RAS+ world axes, per orientation code."""

HU_FLOORS = (-1024, -2048, -3024)
"""Values the real scanners store outside the reconstruction circle."""

EXTREME_MIN_HU, EXTREME_MAX_HU = -10522, 27572
"""The real data's most extreme values (a metal artefact), planted in one case."""

SATURATION_MAXIMA = (1023, 3071)
"""Maxima of scanners that clip at 11 or 12 bits; other cases' maxima are a calcification's."""

SLICE_SPACINGS_MM = (1.0, 0.8, 0.7, 2.5, 1.5, 5.0, 2.0)
"""The real data's common slice spacings, most frequent first."""

SLICE_SPACING_WEIGHTS = (0.35, 0.15, 0.12, 0.12, 0.08, 0.1, 0.08)

LIVER_ML_RANGE = (620.0, 3050.0)
"""Planned liver volumes stay inside the real 542-3,195 mL with room for voxelisation."""

LIVER_ML_MEDIAN = 1600.0
LIVER_HU_RANGE = (29.0, 165.0)
"""Mean liver HU of the real cases: unenhanced (about 30) to portal venous (up to 165). The
cases of a scale spread over the whole range (one draw per equal slice of it)."""

FULL_CASE_COUNT = 131
TUMOUR_FREE_FRACTION = 13 / 131

HYPODENSE, ISODENSE, HYPERDENSE = "hypodense", "isodense", "hyperdense"
"""How a case's tumours compare with its liver: darker, about the same, brighter."""

ISODENSE_SHARE, HYPERDENSE_SHARE = 0.10, 0.15
"""Of tumour-bearing cases; the rest are hypodense, as most liver tumours are."""

EDGE, CORNER = "edge", "corner"
"""Two lesions that touch only along a voxel edge (one in-plane diagonal step: 6-connectivity
counts two lesions, 18- and 26-connectivity one) or only at a voxel corner (a diagonal step
in all three axes: 6 and 18 count two, 26 one)."""

TOUCHING_SHARE = 0.10
"""Of tumour-bearing cases, those with a touching pair (half edge, half corner)."""

FLOAT_VOLUME_SHARE, SCALED_VOLUME_SHARE, FLOAT_SEGMENTATION_SHARE = 0.10, 0.10, 0.05
"""Of all cases: volumes stored as float32 and as scaled int16, segmentations as float32. With
the rest int16 and uint8 the full scale weighs about the real download's 54 GB."""


@dataclass(frozen=True)
class LitsScale:
    """How big one scale's cases are.

    ``strata`` holds one (first, last) case-number range per case: each case's number is drawn
    from its range, so the scale covers the orientations and the affine mismatch on purpose.
    ``in_plane`` is the slice size in voxels; ``voxel_factor`` and ``slice_factor`` multiply
    the real in-plane and slice spacings so a small grid still covers a whole abdomen (liver
    volumes in mL stay real). Slice counts
    come from the liver's height plus margins, at least ``min_slices``; ``full`` draws them
    from the real distribution instead.
    """

    strata: tuple[tuple[int, int], ...]
    in_plane: int
    voxel_factor: float
    slice_factor: float
    min_slices: int
    max_lesions: int
    margin_mm: tuple[float, float]
    slice_spacings_mm: tuple[float, ...] | None


LITS_SCALES = {
    "tiny": LitsScale(
        strata=((0, 27), (28, 47), (48, 52), (83, 130)),
        in_plane=64,
        voxel_factor=8.0,
        slice_factor=3.0,
        min_slices=12,
        max_lesions=4,
        margin_mm=(10.0, 30.0),
        slice_spacings_mm=(2.5, 1.5, 0.7, 5.0),
    ),
    "sample": LitsScale(
        strata=((0, 0), (1, 27), (28, 47), (48, 52), (53, 67), (68, 82), (83, 106), (107, 130)),
        in_plane=512,
        voxel_factor=1.0,
        slice_factor=1.0,
        min_slices=74,
        max_lesions=12,
        margin_mm=(4.0, 16.0),
        slice_spacings_mm=(5.0, 2.5, 5.0, 2.0, 1.5, 2.5, 1.0, 0.7),
    ),
    "full": LitsScale(
        strata=tuple((n, n) for n in range(FULL_CASE_COUNT)),
        in_plane=512,
        voxel_factor=1.0,
        slice_factor=1.0,
        min_slices=74,
        max_lesions=75,
        margin_mm=(15.0, 250.0),
        slice_spacings_mm=None,
    ),
}
"""``tiny`` for tests (seconds), ``sample`` for the site and grader, ``full`` the real 131 cases."""


@dataclass(frozen=True)
class LitsCasePlan:
    """Everything that makes one case differ from another; the phantom draws the rest.

    Spacings are in mm (float32 in the header, with the real data's float noise), HU are
    integers, stored as ``volume_storage`` says (labels as ``segmentation_storage``).
    ``liver_ml`` is the planned liver volume (tumours included), ``liver_hu`` its mean HU, and
    ``lesion_count`` the number of tumours placed at random (0: tumour-free), of
    ``lesion_density`` (see :data:`HYPODENSE`); ``touching`` (:data:`EDGE`, :data:`CORNER` or
    ``None``) adds two more lesions that touch only there. ``extreme`` plants a metal implant
    with the real extreme values; ``hu_max`` is otherwise the case's maximum.
    """

    case_id: int
    shape: tuple[int, int, int]
    spacing_mm: tuple[float, float, float]
    orientation: str
    origin_mm: tuple[float, float, float]
    hu_floor: int
    hu_max: int
    extreme: bool
    liver_ml: float
    liver_hu: float
    lesion_count: int
    lesion_density: str
    touching: str | None
    volume_storage: Storage
    segmentation_storage: Storage
    segmentation_affine_differs: bool
    seed: int

    @property
    def affine(self) -> np.ndarray:
        """The volume's 4 x 4 voxel-to-world (RAS+ mm) affine."""
        signs = AXIS_SIGNS[self.orientation]
        affine = np.diag([*(s * d for s, d in zip(signs, self.spacing_mm, strict=True)), 1.0])
        affine[:3, 3] = self.origin_mm
        return affine

    @property
    def segmentation_affine(self) -> np.ndarray:
        """The segmentation's affine: the volume's, except in the mismatch cases, where (as if
        written by a tool that dropped the orientation) it is the bare zooms at origin 0."""
        if not self.segmentation_affine_differs:
            return self.affine
        return np.diag([*self.spacing_mm, 1.0])

    @property
    def tumour_free(self) -> bool:
        """Whether the case has no tumour label at all."""
        return self.lesion_count == 0


def orientation_of_case(case_id: int) -> str:
    """The axis codes (``"LAS"``, ``"RAS"``, ``"LPS"``) of real case ``case_id``."""
    for codes, first, last in ORIENTATION_RANGES:
        if first <= case_id <= last:
            return codes
    raise ValueError(f"LiTS case {case_id} is outside 0..{FULL_CASE_COUNT - 1}")


def with_float_noise(spacing_mm: float, rng: np.random.Generator) -> float:
    """A spacing as scanners store it: exact (``5.0``), a hair under (``0.699984``) or a
    rounding above (``0.801``)."""
    kind = rng.choice(3, p=(0.4, 0.4, 0.2))
    if kind == 1:
        return round(spacing_mm - float(rng.uniform(1e-6, 4e-5)), 6)
    if kind == 2:
        return round(spacing_mm + 0.001, 6)
    return spacing_mm


def liver_height_mm(liver_ml: float) -> float:
    """Craniocaudal extent of the phantom's liver for a volume in mL (see ``phantom``)."""
    return 160.0 * (liver_ml / 2400.0) ** (1 / 3)


def _draw_case_ids(scale: LitsScale, rng: np.random.Generator) -> list[int]:
    ids: list[int] = []
    for first, last in scale.strata:
        free = [n for n in range(first, last + 1) if n not in ids]
        ids.append(int(rng.choice(free)))
    return sorted(ids)


def _draw_special_cases(count: int, rng: np.random.Generator) -> tuple[set[int], int, list[int]]:
    """Indices of tumour-free cases, the extreme case's index, and each case's HU floor."""
    tumour_free = max(1, round(TUMOUR_FREE_FRACTION * count))
    order = rng.permutation(count)
    tumour_free_indices = {int(i) for i in order[:tumour_free]}
    extreme_index = int(order[-1])
    floors = [HU_FLOORS[i % len(HU_FLOORS)] for i in range(count)]
    floors = [int(floors[i]) for i in rng.permutation(count)]
    return tumour_free_indices, extreme_index, floors


def _quota(count: int, share: float) -> int:
    """How many of ``count`` cases get a property of real ``share``: at least one."""
    return max(1, round(share * count))


def _spread(rng: np.random.Generator, count: int, low: float, high: float) -> list[float]:
    """``count`` values, one drawn from each of ``count`` equal slices of [low, high], in a
    random order: every scale covers the range."""
    slices = (np.arange(count) + rng.uniform(0, 1, count)) / count
    return [float(low + (high - low) * v) for v in rng.permutation(slices)]


@dataclass(frozen=True)
class _Assignments:
    """The quota properties of each case, by index: lesion density, touching pair, storage."""

    density: list[str]
    touching: list[str | None]
    volume: list[Storage]
    segmentation: list[Storage]


def _assign(count: int, tumour_free: set[int], extreme: int, rng) -> _Assignments:
    bearing = [i for i in range(count) if i not in tumour_free]
    density = [HYPODENSE] * count
    order = [int(i) for i in rng.permutation(bearing)]
    iso, hyper = _quota(len(bearing), ISODENSE_SHARE), _quota(len(bearing), HYPERDENSE_SHARE)
    for index in order[:iso]:
        density[index] = ISODENSE
    for index in order[iso : iso + hyper]:
        density[index] = HYPERDENSE
    touching: list[str | None] = [None] * count
    pairs = max(2, round(TOUCHING_SHARE * len(bearing)))
    for position, index in enumerate(rng.permutation(bearing)[:pairs]):
        touching[int(index)] = EDGE if position % 2 == 0 else CORNER
    volume = [INT16] * count
    # The extreme case's 27,572 HU would not fit the scaled int16 (stored = 2 x (HU + 1024)).
    order = [int(i) for i in rng.permutation(count) if i != extreme]
    floats, scaled = _quota(count, FLOAT_VOLUME_SHARE), _quota(count, SCALED_VOLUME_SHARE)
    for index in order[:floats]:
        volume[index] = FLOAT32
    for index in order[floats : floats + scaled]:
        volume[index] = SCALED_INT16
    segmentation = [UINT8] * count
    for index in rng.permutation(count)[: _quota(count, FLOAT_SEGMENTATION_SHARE)]:
        segmentation[int(index)] = FLOAT32
    return _Assignments(density, touching, volume, segmentation)


def _draw_hu_max(rng: np.random.Generator) -> int:
    kind = rng.choice(3, p=(0.1, 0.2, 0.7))
    if kind < 2:
        return SATURATION_MAXIMA[kind]
    return round(math.exp(rng.uniform(math.log(1500), math.log(4500))))


def _draw_lesion_count(rng: np.random.Generator, cap: int) -> int:
    """1 + a right-skewed count (median about 3, a long tail), at most ``cap``."""
    return int(min(cap, 1 + rng.negative_binomial(0.5, 0.1)))


def _draw_slices(
    scale: LitsScale, index: int, liver_ml: float, rng: np.random.Generator
) -> tuple[float, int]:
    """Slice spacing (mm, before noise and the scale's factor) and slice count."""
    if scale.slice_spacings_mm is not None:
        spacing = scale.slice_spacings_mm[index]
        stored = spacing * scale.slice_factor
        margins = rng.uniform(*scale.margin_mm, size=2).sum()
        covered = liver_height_mm(liver_ml) + margins
        return spacing, max(scale.min_slices, math.ceil(covered / stored))
    spacing = float(rng.choice(SLICE_SPACINGS_MM, p=SLICE_SPACING_WEIGHTS))
    # The real slice counts run 74..987 (median 432); the covered length follows the protocol.
    extent = rng.uniform(liver_height_mm(liver_ml) + 2 * scale.margin_mm[0], 900.0)
    return spacing, int(np.clip(round(extent / spacing), scale.min_slices, 987))


def plan_lits(scale_name: str, seed: int) -> list[LitsCasePlan]:
    """The cases of ``scale_name`` for ``seed``, sorted by case id (deterministic)."""
    scale = LITS_SCALES[scale_name]
    rng = np.random.default_rng([seed, 3])
    case_ids = _draw_case_ids(scale, rng)
    tumour_free, extreme_index, floors = _draw_special_cases(len(case_ids), rng)
    assigned = _assign(len(case_ids), tumour_free, extreme_index, rng)
    liver_hu = _spread(rng, len(case_ids), *LIVER_HU_RANGE)
    plans = []
    for index, case_id in enumerate(case_ids):
        case_rng = np.random.default_rng([seed, 3, case_id])
        liver_ml = float(
            np.clip(LIVER_ML_MEDIAN * math.exp(case_rng.normal(0.0, 0.3)), *LIVER_ML_RANGE)
        )
        spacing_z, nz = _draw_slices(scale, index, liver_ml, case_rng)
        # Field of view 285-512 mm over 512 voxels: in-plane spacing 0.557-1.0 mm.
        in_plane_mm = round(float(case_rng.uniform(285.0, 512.0)) / 512, 6)
        spacing = (
            with_float_noise(in_plane_mm, case_rng) * scale.voxel_factor,
            with_float_noise(spacing_z, case_rng) * scale.slice_factor,
        )
        spacing_mm = tuple(float(np.float32(s)) for s in (spacing[0], spacing[0], spacing[1]))
        extreme = index == extreme_index
        plans.append(
            LitsCasePlan(
                case_id=case_id,
                shape=(scale.in_plane, scale.in_plane, nz),
                spacing_mm=spacing_mm,
                orientation=orientation_of_case(case_id),
                origin_mm=tuple(round(float(v), 4) for v in case_rng.uniform(-250, 250, 3)),
                hu_floor=floors[index],
                hu_max=EXTREME_MAX_HU if extreme else _draw_hu_max(case_rng),
                extreme=extreme,
                liver_ml=liver_ml,
                liver_hu=liver_hu[index],
                lesion_count=0
                if index in tumour_free
                else _draw_lesion_count(case_rng, scale.max_lesions),
                lesion_density=assigned.density[index],
                touching=assigned.touching[index],
                volume_storage=assigned.volume[index],
                segmentation_storage=assigned.segmentation[index],
                segmentation_affine_differs=case_id in AFFINE_MISMATCH_CASES,
                seed=seed,
            )
        )
    return plans
