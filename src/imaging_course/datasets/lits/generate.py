"""Write a LiTS stand-in: ``volume_ptK/volume-N.nii``, ``segmentations/segmentation-N.nii``,
``MANIFEST.json`` and the ``.complete`` stamp.

Cases stream one slab of slices at a time (memory stays flat whatever the slice count), each
file written atomically and skipped when already present, so a rerun after an interruption
completes the folder. Every byte follows from the seed and the scale: :mod:`.cases` plans the
cases, :mod:`.phantom` paints them with per-case and per-slab seeds, nothing reads the clock.
"""

from contextlib import ExitStack
from pathlib import Path

import numpy as np

from imaging_course.datasets.generation import (
    begin_generation,
    check_scale,
    check_seed,
    finish_generation,
    planted_entry,
    with_progress,
)
from imaging_course.datasets.lits import planted
from imaging_course.datasets.lits.cases import (
    EXTREME_MAX_HU,
    EXTREME_MIN_HU,
    HYPERDENSE,
    ISODENSE,
    LitsCasePlan,
    plan_lits,
)
from imaging_course.datasets.lits.layout import (
    segmentation_relative_path,
    volume_relative_path,
)
from imaging_course.datasets.lits.nifti_stream import VOX_OFFSET, NiftiSlabWriter
from imaging_course.datasets.lits.phantom import (
    draw_anatomy,
    render_slabs,
    touching_pair_counts,
)
from imaging_course.datasets.lits.storage import FLOAT32
from imaging_course.datasets.stamp import Stamp

LITS_GENERATOR_VERSION = "3"
"""Bump when the bytes written for a seed change: old folders then read as foreign."""


def case_files(plan: LitsCasePlan) -> dict[str, int]:
    """The paths (relative to the dataset folder) and bytes on disk of one case's volume and
    segmentation."""
    voxels = int(np.prod(plan.shape))
    return {
        volume_relative_path(plan.case_id).as_posix(): (
            VOX_OFFSET + voxels * plan.volume_storage.itemsize
        ),
        segmentation_relative_path(plan.case_id).as_posix(): (
            VOX_OFFSET + voxels * plan.segmentation_storage.itemsize
        ),
    }


def write_case(out: Path, plan: LitsCasePlan) -> None:
    """Write whichever of ``plan``'s two files is missing under ``out``."""
    targets = [
        (out / volume_relative_path(plan.case_id), plan.volume_storage, plan.affine, 0),
        (
            out / segmentation_relative_path(plan.case_id),
            plan.segmentation_storage,
            plan.segmentation_affine,
            1,
        ),
    ]
    missing = [target for target in targets if not target[0].exists()]
    if not missing:
        return
    with ExitStack() as stack:
        writers = [
            (stack.enter_context(NiftiSlabWriter(path, plan.shape, storage, affine)), which)
            for path, storage, affine, which in missing
        ]
        for slabs in render_slabs(draw_anatomy(plan)):
            for writer, which in writers:
                writer.write(slabs[which])


def case_bytes(plan: LitsCasePlan) -> int:
    """Bytes on disk of one case's volume and segmentation together."""
    return sum(case_files(plan).values())


def manifest_entries(plans: list[LitsCasePlan]) -> list[dict[str, str]]:
    """What ``plans`` plant, as ``MANIFEST.json`` entries (``path``, ``kind``, ``detail``)."""
    entries = []
    for plan in plans:
        volume = volume_relative_path(plan.case_id).as_posix()
        segmentation = segmentation_relative_path(plan.case_id).as_posix()
        if plan.segmentation_affine_differs:
            detail = (
                f"affine differs from {volume}'s ({plan.orientation}, origin "
                f"{list(plan.origin_mm)}): bare zooms at origin 0; arrays align voxel for voxel"
            )
            entries.append(planted_entry(segmentation, planted.AFFINE_MISMATCH, detail))
        if plan.extreme:
            detail = f"HU from {EXTREME_MIN_HU} to {EXTREME_MAX_HU}: a metal screw with a streak"
            entries.append(planted_entry(volume, planted.EXTREME_RANGE, detail))
        if plan.tumour_free:
            detail = "no tumour: labels 0 and 1 only"
            entries.append(planted_entry(segmentation, planted.TUMOUR_FREE, detail))
        entries += _storage_entries(plan, volume, segmentation)
        if plan.spacing_mm[2] < planted.THIN_SLICE_MM:
            detail = f"slices {plan.spacing_mm[2]:.6g} mm apart (under {planted.THIN_SLICE_MM} mm)"
            entries.append(planted_entry(volume, planted.THIN_SLICES, detail))
        if not plan.tumour_free and plan.lesion_density == ISODENSE:
            detail = "tumours about as bright as the liver (within 5 HU)"
            entries.append(planted_entry(volume, planted.ISODENSE_TUMOURS, detail))
        if not plan.tumour_free and plan.lesion_density == HYPERDENSE:
            detail = "tumours 20-60 HU brighter than the liver"
            entries.append(planted_entry(volume, planted.HYPERDENSE_TUMOURS, detail))
        if plan.touching is not None:
            counts = touching_pair_counts(plan.touching)
            detail = f"two lesions touch only at a voxel {plan.touching}: " + ", ".join(
                f"{n}-connectivity counts {counts[n]}" for n in sorted(counts)
            )
            entries.append(planted_entry(segmentation, planted.TOUCHING_LESIONS, detail))
    return entries


def _storage_entries(plan: LitsCasePlan, volume: str, segmentation: str) -> list[dict[str, str]]:
    """The manifest entries of files stored otherwise than as int16 HU and uint8 labels."""
    entries = []
    if plan.volume_storage == FLOAT32:
        detail = "stored as float32: integer HU in 32-bit floats"
        entries.append(planted_entry(volume, planted.FLOAT_VOLUME, detail))
    elif plan.volume_storage.scaled:
        storage = plan.volume_storage
        detail = (
            f"stored as {storage.describe()}: HU = {storage.slope:g} x stored "
            f"{'-' if storage.inter < 0 else '+'} {abs(storage.inter):g}"
        )
        entries.append(planted_entry(volume, planted.SCALED_VOLUME, detail))
    if plan.segmentation_storage == FLOAT32:
        detail = "labels stored as float32 (0.0, 1.0, 2.0)"
        entries.append(planted_entry(segmentation, planted.FLOAT_SEGMENTATION, detail))
    return entries


def generate_lits(
    out: Path, *, scale: str, seed: int, progress: bool = True, manifest: bool = True
) -> None:
    """Write the LiTS stand-in of ``scale`` for ``seed`` into ``out`` (see the dataset card).

    Does nothing when ``out`` already holds it; completes it after an interruption. With
    ``manifest=False`` the folder has no ``MANIFEST.json`` (the grader's held-out copies),
    even one generated earlier with it.
    Raises :class:`~imaging_course.datasets.generation.GenerationError` for a bad scale or
    seed, a folder that is not ours, or too little disk.
    """
    check_scale(scale)
    check_seed(seed)
    out = Path(out)
    plans = plan_lits(scale, seed)
    stamp = Stamp("lits", scale, seed, LITS_GENERATOR_VERSION)
    planned = {path: size for plan in plans for path, size in case_files(plan).items()}
    if begin_generation(out, stamp, planned):
        for plan in with_progress(plans, len(plans), "LiTS cases", progress):
            write_case(out, plan)
    finish_generation(out, stamp, manifest_entries(plans) if manifest else None)
