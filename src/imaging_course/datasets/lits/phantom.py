"""A synthetic abdominal CT and its liver/tumour labels, painted a slab of slices at a time.

The phantom lives in patient millimetres: ``u`` towards the patient's right, ``v`` towards the
front (anterior), ``z`` towards the head, with ``z = 0`` at the centre of the liver's right
lobe. Every organ is an ellipsoid or an elliptic cylinder painted in a fixed order (body wall,
bowel, lungs, organs, vessels, spine, ribs, liver, tumours), each with its tissue's HU and
noise. Labels follow the painted tissue, so the arrays of a case always line up: 1 where liver
was painted last, 2 where a tumour was.

Tissue values (HU, mean +- noise): air about -1010 (clipped at -1024), fat -100, muscle and
soft tissue 35-45, liver 29-165 (per case: unenhanced to portal venous), tumours darker than
the liver (hypodense, most cases), about as bright (isodense) or brighter (hyperdense),
vertebrae and ribs 300-1500, the CT table about 150. Outside the reconstruction circle the
case's floor (-1024, -2048 or -3024). Only a slab of :data:`SLAB_SLICES` slices is in memory
at a time, so a 987-slice case costs no more memory than a 74-slice one.

Two lesions that touch only at a voxel edge or corner (:func:`draw_touching_pair`) are clipped
ellipsoids on opposite sides of a point between voxels, placed where painting the voxels around
them proves it: away from every other lesion, inside the liver.
"""

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from scipy import ndimage

from imaging_course.datasets.lits.cases import (
    AXIS_SIGNS,
    CORNER,
    EXTREME_MAX_HU,
    EXTREME_MIN_HU,
    HYPERDENSE,
    ISODENSE,
    LitsCasePlan,
    liver_height_mm,
)

SLAB_SLICES = 16
"""Slices painted at once: 512 x 512 x 16 voxels is about 50 MB of working arrays."""

(
    OUTSIDE,
    AIR,
    FAT,
    MUSCLE,
    SOFT_TISSUE,
    LUNG,
    BOWEL_GAS,
    LIVER,
    TUMOUR,
    SPLEEN,
    KIDNEY,
    AORTA,
    VEIN,
    CORTICAL_BONE,
    CANCELLOUS_BONE,
    RIB,
    DISC,
    SPINAL_CANAL,
    TABLE,
    CALCIFICATION,
    METAL,
    STREAK,
) = range(22)
"""Tissue codes of the painted map (uint8)."""

LABEL_OF_TISSUE = np.zeros(22, dtype=np.uint8)
LABEL_OF_TISSUE[LIVER] = 1
LABEL_OF_TISSUE[TUMOUR] = 2
"""LiTS labels: 0 background, 1 liver, 2 tumour."""

LESION_ML_MEDIAN = 2.0
"""Median volume of one lesion (mL); lesion volumes are log-normal, so totals are skewed."""


@dataclass(frozen=True)
class Blob:
    """An ellipsoid (or, with ``cylinder``, an elliptic cylinder of half-height ``radii[2]``)
    of one tissue, in phantom mm; with ``within`` set it paints only over that tissue.

    With ``corner`` set, only the voxels on one side of that point are painted, per axis:
    ``side`` holds +1 (coordinates above the corner's), -1 (below) or 0 (no limit). Two
    lesions in opposite quadrants (or octants) of one corner touch there and nowhere else.
    """

    tissue: int
    centre: tuple[float, float, float]
    radii: tuple[float, float, float]
    cylinder: bool = False
    within: int | None = None
    corner: tuple[float, float, float] | None = None
    side: tuple[int, int, int] = (0, 0, 0)

    def keeps(self, axis: int, coordinates: np.ndarray) -> np.ndarray | bool:
        """Which of ``coordinates`` (mm along ``axis``) the corner's limit lets through."""
        if self.corner is None or self.side[axis] == 0:
            return True
        return self.side[axis] * (coordinates - self.corner[axis]) > 0

    def cross_section(self, z: float) -> tuple[float, float] | None:
        """In-plane radii (mm) of the blob's cut at height ``z``, or ``None`` if it misses."""
        dz = abs(z - self.centre[2])
        if dz > self.radii[2] or not np.all(self.keeps(2, np.float64(z))):
            return None
        if self.cylinder:
            return self.radii[0], self.radii[1]
        shrink = math.sqrt(1.0 - (dz / self.radii[2]) ** 2)
        return self.radii[0] * shrink, self.radii[1] * shrink

    def contains(self, points: np.ndarray) -> np.ndarray:
        """Which of ``points`` (shape (n, 3), mm) lie inside (ellipsoids only)."""
        scaled = (points - np.asarray(self.centre)) / np.asarray(self.radii)
        return (scaled**2).sum(axis=1) <= 1.0


def _index_span(axis_mm: np.ndarray, centre: float, radius: float) -> tuple[int, int] | None:
    """First and past-last index of a monotonic coordinate axis within ``radius`` of ``centre``."""
    inside = np.flatnonzero(np.abs(axis_mm - centre) <= radius)
    if inside.size == 0:
        return None
    return int(inside[0]), int(inside[-1]) + 1


def paint(tissue: np.ndarray, u_mm: np.ndarray, v_mm: np.ndarray, blob: Blob, z: float) -> None:
    """Paint ``blob``'s cut at height ``z`` into the slice ``tissue`` (shape (len(u), len(v)))."""
    radii = blob.cross_section(z)
    if radii is None or min(radii) <= 0:
        return
    span_u = _index_span(u_mm, blob.centre[0], radii[0])
    span_v = _index_span(v_mm, blob.centre[1], radii[1])
    if span_u is None or span_v is None:
        return
    (i0, i1), (j0, j1) = span_u, span_v
    du = ((u_mm[i0:i1] - blob.centre[0]) / radii[0]) ** 2
    dv = ((v_mm[j0:j1] - blob.centre[1]) / radii[1]) ** 2
    mask = du[:, None] + dv[None, :] <= 1.0
    mask &= np.atleast_1d(blob.keeps(0, u_mm[i0:i1]))[:, None]
    mask &= np.atleast_1d(blob.keeps(1, v_mm[j0:j1]))[None, :]
    region = tissue[i0:i1, j0:j1]
    if blob.within is not None:
        mask &= region == blob.within
    region[mask] = blob.tissue


def _liver_lobes(rng: np.random.Generator) -> list[Blob]:
    """The liver at unit scale: right lobe, left lobe reaching across the midline, and an
    inferior tip, each with a little per-case shape jitter; 160 mm tall."""
    jitter = rng.uniform(0.88, 1.12, size=(3, 2))
    return [
        Blob(LIVER, (70.0, 5.0, 0.0), (75.0 * jitter[0, 0], 80.0 * jitter[0, 1], 80.0)),
        Blob(LIVER, (5.0, 35.0, 25.0), (70.0 * jitter[1, 0], 45.0 * jitter[1, 1], 45.0)),
        Blob(LIVER, (95.0, -5.0, -45.0), (40.0 * jitter[2, 0], 45.0 * jitter[2, 1], 35.0)),
    ]


def _union_ml(blobs: list[Blob], step_mm: float = 2.5) -> float:
    """Volume (mL) of a union of ellipsoids, counted on a ``step_mm`` grid."""
    lows = np.min([np.subtract(b.centre, b.radii) for b in blobs], axis=0)
    highs = np.max([np.add(b.centre, b.radii) for b in blobs], axis=0)
    axes = [np.arange(lo, hi + step_mm, step_mm) for lo, hi in zip(lows, highs, strict=True)]
    points = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    inside = np.logical_or.reduce([b.contains(points) for b in blobs])
    return float(inside.sum()) * step_mm**3 / 1000.0


def _scaled(blob: Blob, factors: tuple[float, float, float]) -> Blob:
    centre = tuple(c * f for c, f in zip(blob.centre, factors, strict=True))
    radii = tuple(r * f for r, f in zip(blob.radii, factors, strict=True))
    return Blob(blob.tissue, centre, radii, blob.cylinder, blob.within)


def draw_liver(plan: LitsCasePlan, rng: np.random.Generator) -> list[Blob]:
    """The case's liver lobes, scaled to its planned volume (mL) and height (mm)."""
    lobes = _liver_lobes(rng)
    scale_z = liver_height_mm(plan.liver_ml) / 160.0
    # A linear stretch scales the union's volume by the product of the factors.
    scale_uv = math.sqrt(plan.liver_ml / (_union_ml(lobes) * scale_z))
    return [_scaled(lobe, (scale_uv, scale_uv, scale_z)) for lobe in lobes]


def draw_lesions(
    plan: LitsCasePlan, liver: list[Blob], min_radius_mm: float, rng: np.random.Generator
) -> list[Blob]:
    """``plan.lesion_count`` tumours centred inside the liver, log-normal in volume; the first
    is at least ``min_radius_mm`` across so that every tumour-bearing case shows label 2."""
    lows = np.min([np.subtract(b.centre, b.radii) for b in liver], axis=0)
    highs = np.max([np.add(b.centre, b.radii) for b in liver], axis=0)
    # Centres well inside the liver: inside a lobe shrunk to 70 %.
    cores = [Blob(LIVER, b.centre, tuple(0.7 * r for r in b.radii)) for b in liver]
    lesions = []
    while len(lesions) < plan.lesion_count:
        centre = rng.uniform(lows, highs)
        if not any(core.contains(centre[None, :])[0] for core in cores):
            continue
        volume_ml = min(300.0, LESION_ML_MEDIAN * math.exp(rng.normal(0.0, 1.3)))
        radius = (3 * volume_ml * 1000 / (4 * math.pi)) ** (1 / 3)
        if not lesions:
            radius = max(radius, min_radius_mm)
        radii = tuple(float(radius * f) for f in rng.uniform(0.8, 1.2, 3))
        lesions.append(Blob(TUMOUR, tuple(float(c) for c in centre), radii, within=LIVER))
    return lesions


@dataclass(frozen=True)
class Grid:
    """Where each voxel index lies in phantom mm, per axis (1-D arrays)."""

    u_mm: np.ndarray
    v_mm: np.ndarray
    z_mm: np.ndarray

    @property
    def voxel_mm(self) -> tuple[float, float, float]:
        """Voxel size (mm) along u, v and z."""
        return tuple(float(abs(axis[1] - axis[0])) if axis.size > 1 else 1.0 for axis in (
            self.u_mm, self.v_mm, self.z_mm))  # fmt: skip


def case_grid(plan: LitsCasePlan, liver: list[Blob], rng: np.random.Generator) -> Grid:
    """Voxel centres in phantom mm: in-plane centred on the scanner axis and oriented as the
    affine says (so stored slices look rotated, as in the real data); along z the liver sits
    somewhere between the first and last slice."""
    nx, ny, nz = plan.shape
    dx, dy, dz = plan.spacing_mm
    sign_u, sign_v, _ = AXIS_SIGNS[plan.orientation]
    u_mm = sign_u * dx * (np.arange(nx) - (nx - 1) / 2)
    v_mm = sign_v * dy * (np.arange(ny) - (ny - 1) / 2)
    bottom = min(b.centre[2] - b.radii[2] for b in liver)
    top = max(b.centre[2] + b.radii[2] for b in liver)
    spare = max(nz * dz - (top - bottom), 0.0)
    first = bottom - spare * float(rng.uniform(0.3, 0.7)) + dz / 2
    return Grid(u_mm, v_mm, first + dz * np.arange(nz))


@dataclass(frozen=True)
class Anatomy:
    """One case's phantom: the z-independent body map and the blobs painted over it."""

    plan: LitsCasePlan
    grid: Grid
    base: np.ndarray  # (nx, ny) tissue map of one slice before organs: circle, air, table, body
    blobs: tuple[Blob, ...]
    hu_mean: np.ndarray  # (22,) float32, per tissue
    hu_sigma: np.ndarray  # (22,) float32, per tissue

    @cached_property
    def _z_ranges(self) -> tuple[np.ndarray, np.ndarray]:
        low = np.array([b.centre[2] - b.radii[2] for b in self.blobs])
        high = np.array([b.centre[2] + b.radii[2] for b in self.blobs])
        return low, high

    def tissue_slice(self, z: float) -> np.ndarray:
        """The painted tissue map (uint8, (nx, ny)) of the slice at height ``z`` mm."""
        tissue = self.base.copy(order="F")
        low, high = self._z_ranges
        for index in np.flatnonzero((low <= z) & (z <= high)):
            paint(tissue, self.grid.u_mm, self.grid.v_mm, self.blobs[index], z)
        return tissue


TOUCHING_ATTEMPTS = 200
"""Places tried for a touching pair before giving up (a few suffice: most of the liver is
free of other lesions)."""

CONNECTIVITY = {6: 1, 18: 2, 26: 3}
"""scipy's ``generate_binary_structure`` rank-3 connectivity for 6, 18 and 26 neighbours."""

PAIR_CODES = (254, 255)
"""Codes beyond every tissue's that mark the two lesions of a pair while its place is checked."""


def touching_pair_counts(kind: str) -> dict[int, int]:
    """Lesions a touching pair of ``kind`` makes under 6-, 18- and 26-connectivity."""
    return {6: 2, 18: 2 if kind == CORNER else 1, 26: 1}


def _pair_blobs(kind: str, corner: np.ndarray, radii: np.ndarray) -> list[Blob]:
    """Two lesions on opposite sides of ``corner`` (mm): in the two opposite in-plane
    quadrants (an edge contact along z) or octants (a corner contact), each centred half a
    radius away from the corner so that it still covers the voxel next to it."""
    signs = (1, 1, 1 if kind == CORNER else 0)
    pair = []
    for direction in (-1, 1):
        side = tuple(direction * s for s in signs)
        centre = corner + 0.5 * radii * np.asarray(side)
        pair.append(
            Blob(
                TUMOUR,
                tuple(map(float, centre)),
                tuple(map(float, radii)),
                within=LIVER,
                corner=tuple(map(float, corner)),
                side=side,
            )
        )
    return pair


def _pair_counts(
    grid: Grid,
    base: np.ndarray,
    blobs: list[Blob],
    pair: list[Blob],
    window: tuple[slice, slice, slice],
) -> dict[int, int] | None:
    """Lesions the ``pair`` makes under each connectivity, painted over ``blobs`` in ``window``
    (index slices); ``None`` when it is not a pair on its own: a lesion of the two is empty,
    reaches a side of the window inside the volume, or touches another lesion."""
    u, v = grid.u_mm[window[0]], grid.v_mm[window[1]]
    marked = [replace(blob, tissue=code) for blob, code in zip(pair, PAIR_CODES, strict=True)]
    slices = []
    for z in grid.z_mm[window[2]]:
        tissue = base[window[0], window[1]].copy()
        for blob in [*blobs, *marked]:
            paint(tissue, u, v, blob, float(z))
        slices.append(tissue)
    tissue = np.stack(slices, axis=2)
    in_pair = np.isin(tissue, PAIR_CODES)
    if not all((tissue == code).any() for code in PAIR_CODES):
        return None
    sizes = (grid.u_mm.size, grid.v_mm.size, grid.z_mm.size)
    for axis, (span, size) in enumerate(zip(window, sizes, strict=True)):
        faces = [0] if span.start > 0 else []
        faces += [-1] if span.stop < size else []
        if any(np.take(in_pair, face, axis=axis).any() for face in faces):
            return None
    lesions = in_pair | (tissue == TUMOUR)
    counts = {}
    for neighbours, rank in CONNECTIVITY.items():
        labels, _ = ndimage.label(lesions, ndimage.generate_binary_structure(3, rank))
        touched = np.unique(labels[in_pair])
        # The pair's components must hold nothing but the pair: no other lesion joins in.
        if np.isin(labels[lesions & ~in_pair], touched).any():
            return None
        counts[neighbours] = int(touched.size)
    return counts


def draw_touching_pair(
    plan: LitsCasePlan, grid: Grid, base: np.ndarray, blobs: list[Blob], rng: np.random.Generator
) -> list[Blob]:
    """Two lesions that touch only at a voxel edge or corner (``plan.touching``), inside the
    liver and clear of every other lesion of ``blobs``: checked by painting the voxels around
    them and counting lesions with 6-, 18- and 26-connectivity; another place is tried until
    the counts are :func:`touching_pair_counts`'. Raises ``RuntimeError`` if none is found."""
    liver = [b for b in blobs if b.tissue == LIVER]
    cores = [Blob(LIVER, b.centre, tuple(0.7 * r for r in b.radii)) for b in liver]
    lows = np.min([np.subtract(b.centre, b.radii) for b in cores], axis=0)
    highs = np.max([np.add(b.centre, b.radii) for b in cores], axis=0)
    axes = (grid.u_mm, grid.v_mm, grid.z_mm)
    voxel = np.asarray(grid.voxel_mm)
    expected = touching_pair_counts(plan.touching)
    for _ in range(TOUCHING_ATTEMPTS):
        point = rng.uniform(lows, highs)
        if not any(core.contains(point[None, :])[0] for core in cores):
            continue
        # The corner between voxel (i, j, k) and (i + 1, j + 1, k + 1); along z for an edge
        # contact, the centre of slice k (both lesions span it).
        index = [
            min(int(np.argmin(np.abs(axis - c))), axis.size - 2)
            for axis, c in zip(axes, point, strict=True)
        ]
        corner = np.array(
            [(axis[i] + axis[i + 1]) / 2 for axis, i in zip(axes, index, strict=True)]
        )
        if plan.touching != CORNER:
            corner[2] = axes[2][index[2]]
        radii = np.maximum(rng.uniform(4.0, 8.0), 1.2 * voxel)
        pair = _pair_blobs(plan.touching, corner, radii)
        reach = np.ceil(2 * radii / voxel).astype(int) + 2
        window = tuple(
            slice(max(i - r, 0), min(i + r + 2, axis.size))
            for i, r, axis in zip(index, reach, axes, strict=True)
        )
        if _pair_counts(grid, base, blobs, pair, window) == expected:
            return pair
    raise RuntimeError(f"case {plan.case_id}: no place for two {plan.touching}-touching lesions")


def tumour_hu(plan: LitsCasePlan, rng: np.random.Generator) -> float:
    """Mean HU of the case's tumours against its liver's: hypodense tumours lose more HU the
    more the liver is enhanced (about 40 below a 110 HU portal-venous liver, 15 below an
    unenhanced one), isodense ones are within 5 HU, hyperdense ones 20-60 HU above."""
    if plan.lesion_density == ISODENSE:
        return plan.liver_hu + float(rng.uniform(-5, 5))
    if plan.lesion_density == HYPERDENSE:
        return plan.liver_hu + float(rng.uniform(20, 60))
    return plan.liver_hu - float(rng.uniform(10, 20)) - 0.3 * (plan.liver_hu - 29.0)


def _tissue_values(plan: LitsCasePlan, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Mean HU and noise (HU) of every tissue for this case."""
    noise = float(rng.uniform(0.8, 1.3))
    values = {
        OUTSIDE: (-1024.0, 0.0),
        AIR: (-1010.0, 8.0),
        FAT: (rng.uniform(-110, -90), 14.0),
        MUSCLE: (rng.uniform(40, 55), 12.0),
        SOFT_TISSUE: (rng.uniform(28, 42), 12.0),
        LUNG: (rng.uniform(-870, -820), 25.0),
        BOWEL_GAS: (-950.0, 20.0),
        LIVER: (plan.liver_hu, 12.0),
        TUMOUR: (tumour_hu(plan, rng), 15.0),
        SPLEEN: (plan.liver_hu + rng.uniform(-10, 20), 12.0),
        KIDNEY: (rng.uniform(140, 210), 15.0),
        AORTA: (rng.uniform(150, 260), 12.0),
        VEIN: (rng.uniform(100, 170), 12.0),
        CORTICAL_BONE: (rng.uniform(700, 1100), 60.0),
        CANCELLOUS_BONE: (rng.uniform(250, 400), 35.0),
        RIB: (rng.uniform(400, 700), 50.0),
        DISC: (rng.uniform(70, 95), 12.0),
        SPINAL_CANAL: (rng.uniform(10, 25), 10.0),
        TABLE: (rng.uniform(120, 200), 20.0),
        CALCIFICATION: (plan.hu_max, 0.0),
        METAL: (EXTREME_MAX_HU, 0.0),
        STREAK: (EXTREME_MIN_HU, 0.0),
    }
    mean = np.array([values[t][0] for t in range(22)], dtype=np.float32)
    sigma = np.array([values[t][1] for t in range(22)], dtype=np.float32)
    sigma[AIR : STREAK + 1] *= noise
    sigma[[OUTSIDE, CALCIFICATION, METAL, STREAK]] = 0.0
    return mean, sigma


@dataclass(frozen=True)
class Body:
    """The body's elliptic outline (mm): centre, half-widths, fat and muscle thickness."""

    centre_u: float
    centre_v: float
    half_width: float
    half_depth: float
    fat_mm: float
    muscle_mm: float


def _draw_body(liver: list[Blob], grid: Grid, rng: np.random.Generator) -> Body:
    fat, muscle = float(rng.uniform(8, 30)), float(rng.uniform(8, 15))
    wall = fat + muscle + 8.0
    right = max(b.centre[0] + b.radii[0] for b in liver)
    front = max(b.centre[1] + b.radii[1] for b in liver)
    half_width = max(float(rng.uniform(145, 190)), right + wall)
    half_depth = max(float(rng.uniform(105, 140)), front + wall, 100.0 + wall)
    field_radius = float(np.abs(grid.u_mm).max())
    # The patient lies on the table, a little below the scanner axis when there is room.
    room = max(field_radius - half_depth - 30.0, 0.0)
    centre_v = -float(rng.uniform(0.2, 0.8)) * room
    return Body(float(rng.uniform(-10, 10)), centre_v, half_width, half_depth, fat, muscle)


def _base_slice(body: Body, grid: Grid, rng: np.random.Generator) -> np.ndarray:
    """Scan circle, air, table and body wall: the same in every slice."""
    u, v = grid.u_mm, grid.v_mm
    radius = min(np.abs(u).max(), np.abs(v).max())
    base = np.full((u.size, v.size), AIR, dtype=np.uint8, order="F")
    base[u[:, None] ** 2 + v[None, :] ** 2 > radius**2] = OUTSIDE
    table_top = body.centre_v - body.half_depth - float(rng.uniform(1, 8))
    table = Blob(TABLE, (0.0, table_top - 6.0, 0.0), (220.0, 6.0, 1.0), cylinder=True, within=AIR)
    layers = (
        (FAT, 0.0),
        (MUSCLE, body.fat_mm),
        (SOFT_TISSUE, body.fat_mm + body.muscle_mm),
    )
    for tissue, inset in (*layers,):
        ellipse = Blob(
            tissue,
            (body.centre_u, body.centre_v, 0.0),
            (body.half_width - inset, body.half_depth - inset, 1.0),
            cylinder=True,
        )
        paint(base, u, v, ellipse, 0.0)
    paint(base, u, v, table, 0.0)
    return base


def _spine(body: Body, top: float, bottom: float, rng: np.random.Generator) -> list[Blob]:
    """Discs, vertebral bodies (cortex around marrow), posterior arches and the canal."""
    radius = float(rng.uniform(17, 22))
    centre_v = body.centre_v - body.half_depth + body.fat_mm + body.muscle_mm + radius + 30.0
    centre_u = body.centre_u
    blobs = [Blob(DISC, (centre_u, centre_v, 0.0), (radius, radius * 0.8, math.inf), True)]
    level = bottom - float(rng.uniform(0, 30))
    while level < top + 30:
        for tissue, shrink in ((CORTICAL_BONE, 0.0), (CANCELLOUS_BONE, 2.5)):
            radii = (radius - shrink, radius * 0.8 - shrink, 12.5 - shrink / 2)
            blobs.append(Blob(tissue, (centre_u, centre_v, level), radii, True))
        arch_v = centre_v - radius * 0.8 - 16.0
        blobs.append(Blob(CORTICAL_BONE, (centre_u, arch_v, level), (22.0, 11.0, 11.0), True))
        level += 31.0
    canal_v = centre_v - radius * 0.8 - 9.0
    blobs.append(Blob(SPINAL_CANAL, (centre_u, canal_v, 0.0), (8.0, 7.0, math.inf), True))
    return blobs


def _ribs(body: Body, liver_bottom: float, top: float, rng: np.random.Generator) -> list[Blob]:
    """Rib cuts in the body wall: about every 25 mm in height, sloping down to the front."""
    inset = body.fat_mm + body.muscle_mm / 2
    ribs = []
    level = liver_bottom + float(rng.uniform(-10, 10))
    while level < top:
        for side in (1, -1):
            for angle in np.radians(np.linspace(-45, 75, 6) + rng.uniform(-6, 6, 6)):
                u = body.centre_u + side * (body.half_width - inset) * math.cos(angle)
                v = body.centre_v + (body.half_depth - inset) * math.sin(angle)
                z = level - 0.35 * math.degrees(angle)
                ribs.append(Blob(RIB, (u, v, z), (6.0, 6.0, 5.0), True))
        level += 25.0
    return ribs


def _abdomen(body: Body, liver: list[Blob], z_range, rng: np.random.Generator) -> list[Blob]:
    """Bowel fat and gas, lungs and heart above the liver, spleen, kidneys and vessels."""
    low, high = z_range
    top = max(b.centre[2] + b.radii[2] for b in liver)
    w, d, cu, cv = body.half_width, body.half_depth, body.centre_u, body.centre_v
    blobs = []
    for tissue, count, size in ((FAT, 8, (10, 35)), (BOWEL_GAS, 6, (6, 22))):
        for _ in range(count):
            centre = (
                cu + float(rng.uniform(-0.6, 0.2)) * w,
                cv + float(rng.uniform(-0.1, 0.6)) * d,
                float(rng.uniform(low, high)),
            )
            blobs.append(Blob(tissue, centre, tuple(float(r) for r in rng.uniform(*size, 3))))
    back = cv - 0.35 * d
    blobs += [
        Blob(LUNG, (cu + 0.45 * w, back + 20, top + 70), (0.4 * w, 0.6 * d, 110.0)),
        Blob(LUNG, (cu - 0.45 * w, back + 20, top + 60), (0.4 * w, 0.6 * d, 110.0)),
        Blob(MUSCLE, (cu - 25, cv + 0.25 * d, top + 70), (70.0, 55.0, 65.0)),
        Blob(SPLEEN, (cu - 0.55 * w, back + 10, 15.0), (35.0, 0.45 * d, 55.0)),
        Blob(KIDNEY, (cu + 60, back, -55.0), (28.0, 22.0, 55.0)),
        Blob(KIDNEY, (cu - 60, back, -45.0), (28.0, 22.0, 55.0)),
        Blob(AORTA, (cu - 18, back + 28, 0.0), (12.0, 12.0, math.inf), True),
        Blob(VEIN, (cu + 22, back + 26, 0.0), (11.0, 13.0, math.inf), True),
    ]
    return blobs


def _on_voxel(grid: Grid, u: float, v: float, z: float) -> tuple[float, float, float]:
    """The voxel centre nearest (u, v, z): a blob of at least 0.6 voxels around it is seen."""
    return tuple(
        float(axis[np.argmin(np.abs(axis - value))])
        for axis, value in ((grid.u_mm, u), (grid.v_mm, v), (grid.z_mm, z))
    )


def _dense_spot(plan: LitsCasePlan, aorta: Blob, grid: Grid) -> list[Blob]:
    """The case's maximum: an aortic-wall calcification, or in the extreme case a metal screw
    in a vertebra with a dark streak beside it (the real data's -10,522 and 27,572)."""
    du, dv, dz = grid.voxel_mm
    z = float(grid.z_mm[grid.z_mm.size // 2])
    small = (max(2.0, 0.6 * du), max(2.0, 0.6 * dv), max(2.0, 0.6 * dz))
    if not plan.extreme:
        centre = _on_voxel(grid, aorta.centre[0] - aorta.radii[0], aorta.centre[1], z)
        return [Blob(CALCIFICATION, centre, small, True)]
    spine_v = aorta.centre[1] - 28.0 - 12.0
    metal = Blob(METAL, _on_voxel(grid, aorta.centre[0] + 26.0, spine_v, z), small, True)
    streak_radii = (30.0, max(0.5, 0.6 * dv), small[2])
    streak_centre = _on_voxel(grid, metal.centre[0] - 45.0, spine_v, z)
    return [metal, Blob(STREAK, streak_centre, streak_radii, True)]


def draw_anatomy(plan: LitsCasePlan) -> Anatomy:
    """Everything of one case's phantom, drawn from its seed and case number."""
    rng = np.random.default_rng([plan.seed, 3, plan.case_id, 0])
    liver = draw_liver(plan, rng)
    grid = case_grid(plan, liver, rng)
    body = _draw_body(liver, grid, rng)
    base = _base_slice(body, grid, rng)
    bottom = min(b.centre[2] - b.radii[2] for b in liver)
    top = max(b.centre[2] + b.radii[2] for b in liver)
    z_range = (float(grid.z_mm[0]), float(grid.z_mm[-1]))
    organs = _abdomen(body, liver, z_range, rng)
    aorta = next(b for b in organs if b.tissue == AORTA)
    min_lesion_radius = 1.5 * max(grid.voxel_mm)
    blobs = (
        organs
        + _spine(body, z_range[1], z_range[0], rng)
        + _ribs(body, bottom, top + 180.0, rng)
        + liver
        + draw_lesions(plan, liver, min_lesion_radius, rng)
        + _dense_spot(plan, aorta, grid)
    )
    if plan.touching is not None:
        blobs += draw_touching_pair(plan, grid, base, blobs, rng)
    mean, sigma = _tissue_values(plan, rng)
    return Anatomy(plan, grid, base, tuple(blobs), mean, sigma)


def tissue_slab(anatomy: Anatomy, start: int) -> np.ndarray:
    """Tissue codes (uint8, shape (nx, ny, k)) of the slab whose first slice is ``start``."""
    heights = anatomy.grid.z_mm[start : start + SLAB_SLICES]
    return np.stack([anatomy.tissue_slice(float(z)) for z in heights], axis=2)


def render_slabs(anatomy: Anatomy) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(HU int16, labels uint8) slabs of :data:`SLAB_SLICES` slices, shape (nx, ny, k), in
    slice order; each slab's noise has its own seed, so any slab renders on its own."""
    plan = anatomy.plan
    for start in range(0, plan.shape[2], SLAB_SLICES):
        tissue = tissue_slab(anatomy, start)
        rng = np.random.default_rng([plan.seed, 3, plan.case_id, 1, start])
        hu = rng.standard_normal(tissue.shape, dtype=np.float32)
        hu *= anatomy.hu_sigma[tissue]
        hu += anatomy.hu_mean[tissue]
        np.rint(hu, out=hu)
        np.clip(hu, -1024, plan.hu_max, out=hu)
        hu[tissue == OUTSIDE] = plan.hu_floor
        if plan.extreme:
            hu[tissue == STREAK] = EXTREME_MIN_HU
        yield hu.astype(np.int16), LABEL_OF_TISSUE[tissue]
