"""Reference solution: exploratory data analysis of LiTS (liver tumour CT volumes, NIfTI).

Every function takes the dataset folder (``root``, e.g.
:func:`imaging_course.datasets.lits.lits_root`) and returns plain data: numbers, dicts, lists
and pandas DataFrames. :func:`~imaging_course.datasets.lits.layout.find_lits_cases` pairs each
``volume-N.nii`` with its ``segmentation-N.nii``.

Memory stays bounded whatever the volume size: statistics read a slab of
:data:`SLAB_SLICES` slices at a time through nibabel's array proxy (``img.dataobj[..., k0:k1]``
reads just those bytes of an uncompressed file), never ``get_fdata()`` on a whole volume (a
512 x 512 x 987 volume is 2 GB as float64). Lesions are counted with 3-D connected components
labelled slab by slab and joined across slab borders with a union-find, so not even the label
volume is held whole.

Labels: 0 background, 1 liver, 2 tumour. Tumours lie inside the liver, so the liver's volume
counts labels 1 and 2; its HU statistics use label 1 (liver tissue without tumour).

Real files are stored variously (int16, float32, integers with ``scl_slope``/``scl_inter``,
float labels): ``img.dataobj`` applies the scaling, so every value read is HU (or a label).
Voxels that hold no number (NaN) are left out of the HU statistics, and a case whose labels
are not 0, 1 and 2 is left out of the statistics that read labels, each with a
:class:`LeftOutWarning` naming the file; :func:`find_lits_cases` leaves out, with a warning,
files that are no CT volume (NIfTI-2, CIFTI, 4-D files of several frames).
"""

import math
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import nibabel as nib
import numpy as np
import pandas as pd
from scipy import ndimage

from imaging_course.datasets.lits.layout import LitsCase, find_lits_cases

SLAB_SLICES = 16
"""Slices read at once: 512 x 512 x 16 is 8 MB of int16 HU and 4 MB of labels. Wider values
come in fewer slices, so that a slab keeps those bytes: float32 HU or labels in 8, and the
float64 that nibabel returns for a scaled file (``scl_slope``/``scl_inter``) in 4. While one
slab is worked on, the previous one is still held: the arrays peak at three to four slabs."""

SLAB_VALUE_BYTES = 2
"""Bytes per voxel of the values a slab of :data:`SLAB_SLICES` slices holds (int16 HU)."""

BACKGROUND, LIVER, TUMOUR = 0, 1, 2
"""Segmentation labels of LiTS."""

AFFINE_ATOL_MM = 1e-4
"""Two affines match when no entry differs by more than this (mm)."""

MM3_PER_ML = 1000.0

DEFAULT_BIN_EDGES = np.arange(-1024, 1024 + 16, 16, dtype=np.float64)
"""HU bin edges of :func:`hu_histograms`: -1024 to 1024 in steps of 16 (128 bins)."""

T = TypeVar("T")

LESION_STRUCTURE = np.ones((3, 3, 3), dtype=bool)
"""Full 26-connectivity: voxels touching by a face, an edge or a corner are one lesion."""


class LeftOutWarning(UserWarning):
    """Voxels or a case left out of a statistic; the message names the file and says why."""


class _BadLabelsError(ValueError):
    """A segmentation holding a value other than the labels 0, 1 and 2."""


def _value_bytes(image: nib.Nifti1Image) -> int:
    """Bytes per voxel of ``image``'s values once read: the float64 nibabel scales into when
    the header's ``scl_slope``/``scl_inter`` change the stored numbers, else the stored size."""
    scaled = (image.dataobj.slope, image.dataobj.inter) != (1.0, 0.0)
    return np.dtype(np.float64).itemsize if scaled else image.get_data_dtype().itemsize


def _slab_slices(*images: nib.Nifti1Image) -> int:
    """Slices per slab for reading ``images`` side by side: :data:`SLAB_SLICES`, fewer for
    values wider than int16."""
    widest = max(_value_bytes(image) for image in images)
    return max(1, SLAB_SLICES * SLAB_VALUE_BYTES // max(widest, SLAB_VALUE_BYTES))


def _slabs(image: nib.Nifti1Image, slab_slices: int) -> Iterator[np.ndarray]:
    """The image's values, ``slab_slices`` slices (third axis) at a time, scaled by the header
    (so HU, whatever the stored dtype). A fourth axis of size one (``x, y, z, 1``, as some
    converters write) is dropped; :func:`find_lits_cases` lets no file of several frames by."""
    depth = image.shape[2]
    frame = (0,) * (len(image.shape) - 3)
    for start in range(0, depth, slab_slices):
        slab = (slice(None), slice(None), slice(start, start + slab_slices), *frame)
        yield np.asarray(image.dataobj[slab])


def _labels(stored: np.ndarray, path: Path) -> np.ndarray:
    """The labels of a slab as uint8, whatever the stored dtype (some real segmentations are
    float); raises :class:`_BadLabelsError` naming ``path`` for a value other than 0, 1, 2."""
    if stored.dtype.kind == "f":
        valid = np.isin(stored, (BACKGROUND, LIVER, TUMOUR))  # NaN or 1.5 is no label
    elif stored.min() >= BACKGROUND and stored.max() <= TUMOUR:
        return stored.astype(np.uint8, copy=False)
    else:
        valid = (stored >= BACKGROUND) & (stored <= TUMOUR)
    if not valid.all():
        raise _BadLabelsError(f"{path}: label {stored[~valid][0]} is not 0, 1 or 2")
    return stored.astype(np.uint8)


def _paired_slabs(case: LitsCase) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(first slice index, HU slab, label slab) through a case; the two files have the same
    spatial shape (:func:`find_lits_cases` checks their headers)."""
    volume, segmentation = nib.load(case.volume), nib.load(case.segmentation)
    slab_slices = _slab_slices(volume, segmentation)
    slabs = zip(_slabs(volume, slab_slices), _slabs(segmentation, slab_slices), strict=True)
    for index, (hu, stored_labels) in enumerate(slabs):
        yield index * slab_slices, hu, _labels(stored_labels, case.segmentation)


def _finite(hu: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The HU and labels of a slab raveled in stored order (x fastest: views, not copies),
    without the voxels that hold no number, and how many those were."""
    flat_hu, flat_labels = hu.ravel(order="F"), labels.ravel(order="F")
    # min and max return NaN (or an infinity) when there is one: cheaper than a mask of all.
    if flat_hu.dtype.kind != "f" or flat_hu.size == 0 or np.isfinite(flat_hu.min() + flat_hu.max()):
        return flat_hu, flat_labels, 0
    finite = np.isfinite(flat_hu)
    return flat_hu[finite], flat_labels[finite], int(finite.size - finite.sum())


def _warn_not_a_number(path: Path, voxels: int, statistic: str) -> None:
    if voxels:
        message = f"{path}: {voxels} voxels are NaN (no number), left out of the {statistic}"
        warnings.warn(message, LeftOutWarning, stacklevel=3)


def _of_usable_cases(root: Path | str, compute: Callable[[LitsCase], T]) -> list[T]:
    """``compute(case)`` of every case, leaving out (with a warning) those with bad labels."""
    results = []
    for case in find_lits_cases(Path(root)):
        try:
            results.append(compute(case))
        except _BadLabelsError as error:
            warnings.warn(f"{error}: case left out", LeftOutWarning, stacklevel=3)
    return results


def volume_table(root: Path | str) -> pd.DataFrame:
    """Geometry, orientation and intensity range of every case.

    Parameters
    ----------
    root : pathlib.Path or str
        The LiTS folder (``segmentations/`` and ``volume_ptK/``).

    Returns
    -------
    pandas.DataFrame
        One row per case, sorted by case id. Columns: ``case_id`` (int), ``nx``, ``ny``,
        ``nz`` (int, voxels along each array axis), ``spacing_x_mm``, ``spacing_y_mm``,
        ``spacing_z_mm`` (float, the header's zooms), ``orientation`` (str, e.g. ``"LAS"``:
        where each array axis points, from ``nibabel.aff2axcodes`` of the volume's affine),
        ``hu_min``, ``hu_max`` (float, over the whole volume, leaving out voxels that hold no
        number, NaN, with a warning), ``affine_matches`` (bool: the segmentation's affine
        equals the volume's within 1e-4).

    Hints
    -----
    - ``nibabel.load(path)`` reads only the header; ``img.shape``, ``img.header.get_zooms()``,
      ``img.affine``: https://nipy.org/nibabel/nibabel_images.html
    - ``nibabel.aff2axcodes``: https://nipy.org/nibabel/coordinate_systems.html
    - Read the HU range slab by slab with ``img.dataobj[..., k0:k1]``, not ``get_fdata()``.
    """
    return pd.DataFrame([_volume_row(case) for case in find_lits_cases(Path(root))])


def _header_columns(case: LitsCase) -> dict:
    """The columns of :func:`volume_table` that the headers alone give (all but the HU range)."""
    volume, segmentation = nib.load(case.volume), nib.load(case.segmentation)
    nx, ny, nz = (int(n) for n in volume.shape[:3])
    spacing = [float(zoom) for zoom in volume.header.get_zooms()[:3]]
    return {
        "case_id": case.case_id,
        "nx": nx,
        "ny": ny,
        "nz": nz,
        "spacing_x_mm": spacing[0],
        "spacing_y_mm": spacing[1],
        "spacing_z_mm": spacing[2],
        "orientation": "".join(nib.aff2axcodes(volume.affine)),
        "affine_matches": bool(
            np.allclose(volume.affine, segmentation.affine, rtol=0.0, atol=AFFINE_ATOL_MM)
        ),
    }


def _volume_row(case: LitsCase) -> dict:
    """The row of :func:`volume_table` of one case."""
    volume = nib.load(case.volume)
    hu_min, hu_max, not_a_number = math.inf, -math.inf, 0
    for slab in _slabs(volume, _slab_slices(volume)):
        # fmin and fmax pass over NaN; min returns NaN when there is one, which is a
        # cheaper test than counting them in every slab.
        hu_min = min(hu_min, float(np.fmin.reduce(slab, axis=None)))
        hu_max = max(hu_max, float(np.fmax.reduce(slab, axis=None)))
        if slab.dtype.kind == "f" and np.isnan(slab.min()):
            not_a_number += int(np.isnan(slab).sum())
    _warn_not_a_number(case.volume, not_a_number, "HU range")
    header = _header_columns(case)
    affine_matches = header.pop("affine_matches")
    return {**header, "hu_min": hu_min, "hu_max": hu_max, "affine_matches": affine_matches}


class _LesionCounter:
    """3-D connected components of the tumour label, fed slab by slab in slice order.

    Each slab is labelled on its own; components that touch across a slab border (any of the
    9 neighbours of 26-connectivity in the next slice) are merged with a union-find, which
    also sums each lesion's voxels and joins the slices it spans.
    """

    def __init__(self) -> None:
        self._parent: list[int] = [0]  # component 0 is "no tumour"
        self._last_slice: np.ndarray | None = None  # global labels of the previous slice
        self._voxels: list[int] = [0]  # per label of a slab: its voxels in that slab
        self._first: list[int] = [0]  # per label: first and last slice (global index)
        self._last: list[int] = [0]

    def _find(self, label: int) -> int:
        while self._parent[label] != label:
            self._parent[label] = self._parent[self._parent[label]]
            label = self._parent[label]
        return label

    def add(
        self,
        tumour: np.ndarray | None,
        corner: tuple[int, int],
        slice_shape: tuple[int, int],
        start: int = 0,
    ) -> None:
        """Add the next slab's tumour mask (None when the slab has no tumour).

        ``tumour`` is cropped in x and y, not in depth; its first voxel sits at ``corner``
        of a slice of shape ``slice_shape``, its first slice is slice ``start`` of the volume.
        """
        if tumour is None:
            self._last_slice = None
            return
        labels, count = ndimage.label(tumour, structure=LESION_STRUCTURE)
        offset = len(self._parent)
        self._parent.extend(range(offset, offset + count))
        self._voxels.extend(np.bincount(labels.ravel(), minlength=count + 1)[1:].tolist())
        for box in ndimage.find_objects(labels):
            self._first.append(start + box[2].start)
            self._last.append(start + box[2].stop - 1)
        labels[labels > 0] += offset - 1
        x0, y0 = corner
        window = (slice(x0, x0 + labels.shape[0]), slice(y0, y0 + labels.shape[1]))
        if self._last_slice is not None:
            first_slice = np.zeros(slice_shape, dtype=labels.dtype)
            first_slice[window] = labels[..., 0]
            self._join(self._last_slice, first_slice)
        self._last_slice = np.zeros(slice_shape, dtype=labels.dtype)
        self._last_slice[window] = labels[..., -1]

    def _join(self, below: np.ndarray, above: np.ndarray) -> None:
        nx, ny = below.shape
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                # Voxel (x, y) of the slice below touches (x - dx, y - dy) of the slice above.
                lower = below[max(dx, 0) : nx + min(dx, 0), max(dy, 0) : ny + min(dy, 0)]
                upper = above[max(-dx, 0) : nx + min(-dx, 0), max(-dy, 0) : ny + min(-dy, 0)]
                touching = (lower > 0) & (upper > 0)
                pairs = zip(lower[touching].tolist(), upper[touching].tolist(), strict=True)
                for first, second in set(pairs):
                    root_a, root_b = self._find(first), self._find(second)
                    if root_a != root_b:
                        self._parent[max(root_a, root_b)] = min(root_a, root_b)

    def count(self) -> int:
        """Number of lesions seen so far."""
        return sum(1 for label in range(1, len(self._parent)) if self._find(label) == label)

    def lesions(self) -> list[tuple[int, int]]:
        """(voxels, slices it spans) of every lesion seen so far."""
        voxels: dict[int, int] = {}
        first: dict[int, int] = {}
        last: dict[int, int] = {}
        for label in range(1, len(self._parent)):
            root = self._find(label)
            voxels[root] = voxels.get(root, 0) + self._voxels[label]
            first[root] = min(first.get(root, self._first[label]), self._first[label])
            last[root] = max(last.get(root, self._last[label]), self._last[label])
        return [(voxels[root], last[root] - first[root] + 1) for root in voxels]


def _tumour_crop(labels: np.ndarray) -> tuple[np.ndarray | None, tuple[int, int]]:
    """The slab's tumour mask cropped to the tumour's x-y box, and the box's corner.

    Labelling the small box instead of the whole slab makes lesion counting cheap.
    """
    tumour = labels == TUMOUR
    in_x, in_y = tumour.any(axis=(1, 2)), tumour.any(axis=(0, 2))
    if not in_x.any():
        return None, (0, 0)
    xs, ys = np.flatnonzero(in_x), np.flatnonzero(in_y)
    return tumour[xs[0] : xs[-1] + 1, ys[0] : ys[-1] + 1], (int(xs[0]), int(ys[0]))


def _case_row(case: LitsCase) -> dict:
    volume = nib.load(case.volume)
    spacing_mm = [float(zoom) for zoom in volume.header.get_zooms()[:3]]
    voxel_ml = math.prod(spacing_mm) / MM3_PER_ML
    voxels = np.zeros(3, dtype=np.int64)  # per label (background is not counted)
    hu_count = np.zeros(3, dtype=np.int64)  # voxels with a number (not NaN), per label
    hu_sum = np.zeros(3, dtype=np.float64)
    hu_sum_squares = np.zeros(3, dtype=np.float64)
    not_a_number = 0
    liver_slices: list[int] = []
    lesions = _LesionCounter()
    for start, hu, labels in _paired_slabs(case):
        nx, ny, depth = labels.shape
        # NIfTI arrays are stored x fastest (Fortran order): ravel in that order to get views,
        # not copies, and the same voxel order for both arrays.
        flat_labels, flat_hu = labels.ravel(order="F"), hu.ravel(order="F")
        # Liver and tumour are a few percent of the voxels: select them once with a boolean
        # mask (much faster than integer indices), then count and sum per label on that.
        inside = flat_labels != BACKGROUND
        if not inside.any():
            lesions.add(None, (0, 0), (nx, ny))
            continue
        inside_labels, inside_hu = flat_labels[inside], flat_hu[inside].astype(np.float64)
        voxels += np.bincount(inside_labels, minlength=3)  # the volumes count every voxel
        inside_hu, inside_labels, missing = _finite(inside_hu, inside_labels)
        not_a_number += missing
        for label in (LIVER, TUMOUR):
            values = inside_hu[inside_labels == label]
            hu_count[label] += values.size
            hu_sum[label] += values.sum()
            hu_sum_squares[label] += np.dot(values, values)  # sum of squares, no temporary
        slices = np.flatnonzero(inside.reshape(nx * ny, depth, order="F").any(axis=0))
        liver_slices += [start + int(slices[0]), start + int(slices[-1])]
        lesions.add(*_tumour_crop(labels), (nx, ny), start)
    _warn_not_a_number(case.volume, not_a_number, "HU statistics")
    liver_voxels = int(voxels[LIVER] + voxels[TUMOUR])
    tumour_voxels = int(voxels[TUMOUR])
    liver_mean, liver_std = _mean_std(hu_count[LIVER], hu_sum[LIVER], hu_sum_squares[LIVER])
    tumour_mean, tumour_std = _mean_std(hu_count[TUMOUR], hu_sum[TUMOUR], hu_sum_squares[TUMOUR])
    extent_slices = max(liver_slices) - min(liver_slices) + 1 if liver_slices else 0
    return {
        "case_id": case.case_id,
        "liver_ml": liver_voxels * voxel_ml,
        "tumour_ml": tumour_voxels * voxel_ml,
        "lesion_count": lesions.count(),
        "tumour_burden": tumour_voxels / liver_voxels if liver_voxels else 0.0,
        "liver_hu_mean": liver_mean,
        "liver_hu_std": liver_std,
        "tumour_hu_mean": tumour_mean,
        "tumour_hu_std": tumour_std,
        "liver_extent_mm": extent_slices * spacing_mm[2],
    }


def _mean_std(count: int, total: float, total_squares: float) -> tuple[float, float]:
    """Mean and population standard deviation from running sums; NaN for no values."""
    if count == 0:
        return math.nan, math.nan
    mean = total / count
    return mean, math.sqrt(max(total_squares / count - mean**2, 0.0))


def case_statistics(root: Path | str) -> pd.DataFrame:
    """Liver and tumour volumes, lesion count, HU by label and liver extent of every case.

    Parameters
    ----------
    root : pathlib.Path or str
        The LiTS folder.

    Returns
    -------
    pandas.DataFrame
        One row per case, sorted by case id. Columns: ``case_id`` (int); ``liver_ml`` (float,
        mL: voxels labelled 1 or 2, since tumours lie inside the liver, times the voxel volume
        ``prod(zooms) / 1000``); ``tumour_ml`` (label 2, mL); ``lesion_count`` (int, 3-D
        connected components of label 2 with full 26-connectivity); ``tumour_burden``
        (tumour_ml / liver_ml, 0.0 without liver); ``liver_hu_mean``, ``liver_hu_std``
        (label 1, HU, population std); ``tumour_hu_mean``, ``tumour_hu_std`` (label 2; NaN
        without tumour); ``liver_extent_mm`` (slices from the first to the last containing
        label 1 or 2, inclusive, times the slice spacing; 0.0 without liver). NaN voxels
        count in the volumes, not in the HU statistics; a case with a label other than 0, 1,
        2 is left out. Each with a warning naming the file.

    Hints
    -----
    - Read slab by slab: ``img.dataobj[..., k0:k1]`` with 16-32 slices; memory stays small
      whatever the volume size. See https://nipy.org/nibabel/images_and_memory.html
    - Accumulate in int64 (counts) and float64 (sums): an int16 sum overflows.
    - ``scipy.ndimage.label(mask, structure=numpy.ones((3, 3, 3)))``; lesions can cross a slab
      border, so either label the whole label volume as uint8 or join labels across borders.
    """
    return pd.DataFrame(_of_usable_cases(root, _case_row))


def _bin_of(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin index of each value; values outside the edges go to the first or last bin."""
    bins = np.searchsorted(edges, values, side="right")
    bins -= 1
    return np.clip(bins, 0, edges.size - 2, out=bins)


HU_SPAN = 1 << 16
HU_OFFSET = 1 << 15
"""Whole HU from -32,768 to 32,767 (int16's range, which holds every LiTS value): the fast
path of :func:`_case_histograms` counts them one by one, ``HU_OFFSET`` maps them to 0.."""


def _whole_int16_values(values: np.ndarray) -> bool:
    """Whether every value is a whole number in int16's range (whatever the dtype)."""
    if values.dtype.kind in "iu" and values.dtype.itemsize <= 2:
        return values.dtype != np.uint16
    return bool(
        values.size == 0
        or (values.min() >= -HU_OFFSET and values.max() < HU_SPAN - HU_OFFSET
            and np.array_equal(values, np.rint(values)))
    )  # fmt: skip


def _case_histograms(case: LitsCase, edges: np.ndarray) -> np.ndarray:
    """Counts of shape (3 labels, bins) of one case; NaN voxels are left out, with a warning.

    Whole-number HU (what LiTS holds, whatever the stored dtype) take a fast exact path: a
    count per possible value with ``numpy.bincount``, binned once at the end; a binary search
    per voxel (``searchsorted``) is ten times slower. All voxels are counted in one pass, the
    few percent inside the liver again per label, and the background is what is left. Other
    HU take the search.
    """
    n_bins = edges.size - 1
    per_value = np.zeros((3, HU_SPAN), dtype=np.int64)  # all voxels, liver, tumour
    counts = np.zeros((3, n_bins), dtype=np.int64)
    not_a_number = 0
    for _, hu, stored_labels in _paired_slabs(case):
        values, labels, missing = _finite(hu, stored_labels)
        not_a_number += missing
        if _whole_int16_values(values):
            index = values.astype(np.intp)
            index += HU_OFFSET
            per_value[BACKGROUND] += np.bincount(index, minlength=HU_SPAN)
            inside = labels != BACKGROUND
            inside_index, inside_labels = index[inside], labels[inside]
            for label in (LIVER, TUMOUR):
                chosen = inside_index[inside_labels == label]
                per_value[label] += np.bincount(chosen, minlength=HU_SPAN)
        else:
            bins = _bin_of(values.astype(np.float64), edges)
            for label in (BACKGROUND, LIVER, TUMOUR):
                counts[label] += np.bincount(bins[labels == label], minlength=n_bins)
    _warn_not_a_number(case.volume, not_a_number, "histograms")
    per_value[BACKGROUND] -= per_value[LIVER] + per_value[TUMOUR]
    value_bins = _bin_of(np.arange(HU_SPAN, dtype=np.float64) - HU_OFFSET, edges)
    for label in (BACKGROUND, LIVER, TUMOUR):
        np.add.at(counts[label], value_bins, per_value[label])
    return counts


def hu_histograms(root: Path | str, bin_edges=None) -> dict:
    """Histograms of HU by label over all cases.

    Parameters
    ----------
    root : pathlib.Path or str
        The LiTS folder.
    bin_edges : sequence of float, optional
        Increasing bin edges in HU; default -1024 to 1024 in steps of 16. Values below the
        first edge count in the first bin, values above the last in the last bin.

    Returns
    -------
    dict
        ``"bin_edges"``: list of float; ``"background"``, ``"liver"``, ``"tumour"``: lists of
        int, one count per bin, of voxels labelled 0, 1 and 2 (NaN voxels, and cases with a
        label other than 0, 1, 2, left out with a warning).

    Hints
    -----
    - ``numpy.histogram`` per label per slab, after ``numpy.clip`` into the edge range; or
      ``numpy.searchsorted`` once and ``numpy.bincount`` of ``bin * 3 + label``.
    """
    edges = _histogram_edges(bin_edges)
    counts = np.zeros((3, edges.size - 1), dtype=np.int64)
    for case_counts in _of_usable_cases(root, lambda case: _case_histograms(case, edges)):
        counts += case_counts
    return _histograms_dict(edges, counts)


def _histogram_edges(bin_edges) -> np.ndarray:
    """The bin edges of :func:`hu_histograms` as an array; ValueError when not increasing."""
    edges = DEFAULT_BIN_EDGES if bin_edges is None else np.asarray(bin_edges, dtype=np.float64)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"bin_edges must be at least two increasing numbers, got {bin_edges!r}")
    return edges


def _histograms_dict(edges: np.ndarray, counts: np.ndarray) -> dict:
    """What :func:`hu_histograms` returns, from the edges and the (3, bins) counts."""
    return {
        "bin_edges": edges.tolist(),
        "background": counts[BACKGROUND].tolist(),
        "liver": counts[LIVER].tolist(),
        "tumour": counts[TUMOUR].tolist(),
    }


def _has_tumour(case: LitsCase) -> bool:
    segmentation = nib.load(case.segmentation)
    slabs = _slabs(segmentation, _slab_slices(segmentation))
    return any(bool((labels == TUMOUR).any()) for labels in slabs)


def dataset_summary(root: Path | str) -> dict:
    """What a reader of the dataset card wants: orientations, spacings, special cases.

    Parameters
    ----------
    root : pathlib.Path or str
        The LiTS folder.

    Returns
    -------
    dict
        ``"n_cases"`` (int); ``"orientation_counts"``: ``{"LAS": n, ...}`` over the volumes'
        orientation codes; ``"slice_spacings_mm"``: sorted unique slice spacings (mm) rounded
        to 2 decimals; ``"tumour_free_cases"``: sorted case ids without any label 2;
        ``"affine_mismatch_cases"``: sorted case ids whose segmentation's affine differs from
        the volume's.

    Hints
    -----
    - Build it from your :func:`volume_table`; the tumour-free cases need only the
      segmentations.
    """
    cases = list(find_lits_cases(Path(root)))
    table = pd.DataFrame([_header_columns(case) for case in cases])  # no voxel read
    return _summary(table, [case.case_id for case in cases if not _has_tumour(case)])


def _summary(table: pd.DataFrame, tumour_free: list[int]) -> dict:
    """What :func:`dataset_summary` returns, from the volume table and the tumour-free cases."""
    return {
        "n_cases": len(table),
        "orientation_counts": dict(sorted(Counter(table["orientation"]).items())),
        "slice_spacings_mm": sorted({round(float(z), 2) for z in table["spacing_z_mm"]}),
        "tumour_free_cases": sorted(tumour_free),
        "affine_mismatch_cases": sorted(
            int(case_id) for case_id in table.loc[~table["affine_matches"], "case_id"]
        ),
    }


MAX_LABEL_SPAN = 8
"""Whole-number values a slab may span for :func:`_distinct_values`' comparisons."""


def _distinct_values(slab: np.ndarray) -> set[float]:
    """The distinct finite values of a slab. Labels are a few whole numbers: one comparison
    per whole number between the minimum and the maximum finds them when that accounts for
    every voxel, much faster than sorting the slab (``numpy.unique``), which is the fallback."""
    finite = slab
    if slab.dtype.kind == "f" and slab.size and not np.isfinite(slab.min() + slab.max()):
        finite = slab[np.isfinite(slab)]  # a copy, only when some voxel holds no number
    if finite.size == 0:
        return set()
    low, high = float(finite.min()), float(finite.max())
    if high - low <= MAX_LABEL_SPAN:
        whole = range(math.floor(low), math.floor(high) + 1)
        counts = {value: np.count_nonzero(finite == value) for value in whole}
        if sum(counts.values()) == finite.size:
            return {float(value) for value, count in counts.items() if count}
    return {float(value) for value in np.unique(finite)}


def _case_label_values(case: LitsCase) -> list[float]:
    """The distinct values of one case's segmentation, read slab by slab: finite ones in
    increasing order, then NaN once if some voxel holds no number."""
    segmentation = nib.load(case.segmentation)
    values: set[float] = set()
    not_a_number = False
    for slab in _slabs(segmentation, _slab_slices(segmentation)):
        values |= _distinct_values(slab)
        not_a_number = not_a_number or (slab.dtype.kind == "f" and bool(np.isnan(slab.min())))
    return sorted(values) + ([math.nan] if not_a_number else [])


def _storage_row(case: LitsCase) -> dict:
    """How one case's two files store their values: the headers alone."""
    volume, segmentation = nib.load(case.volume), nib.load(case.segmentation)
    return {
        "case_id": case.case_id,
        "volume_dtype": volume.get_data_dtype().name,
        "scl_slope": float(volume.dataobj.slope),
        "scl_inter": float(volume.dataobj.inter),
        "segmentation_dtype": segmentation.get_data_dtype().name,
    }


def storage_table(root: Path | str) -> pd.DataFrame:
    """How every case stores its values on disk, from the headers alone.

    Parameters
    ----------
    root : pathlib.Path or str
        The LiTS folder.

    Returns
    -------
    pandas.DataFrame
        One row per case, sorted by case id. Columns: ``case_id`` (int); ``volume_dtype``
        (str, the volume's data type on disk as NumPy names it: ``"int16"``, ``"float32"``,
        ...; not the dtype of the values once read); ``scl_slope``, ``scl_inter`` (float, the
        volume's linear scaling, HU = scl_slope x stored + scl_inter; 1.0 and 0.0 when the
        file is not scaled); ``segmentation_dtype`` (str, the segmentation's data type on
        disk). Cases that :func:`find_lits_cases` leaves out (a segmentation whose shape
        differs from its volume's, a file that is no CT volume) have no row: it warns about
        each.

    Hints
    -----
    - The header tells the dtype and scaling without reading a voxel:
      ``img.get_data_dtype()``, ``img.dataobj.slope`` and ``img.dataobj.inter``. Not
      ``img.header["scl_slope"]``: ``nib.load`` moves the scaling into ``img.dataobj`` and
      leaves NaN in the image's header, whatever the file holds:
      https://nipy.org/nibabel/nifti_images.html#data-scaling
    """
    return pd.DataFrame([_storage_row(case) for case in find_lits_cases(Path(root))])


def label_values(root: Path | str) -> dict:
    """The label values each segmentation really holds.

    Parameters
    ----------
    root : pathlib.Path or str
        The LiTS folder.

    Returns
    -------
    dict
        ``{case_id (int): [value, ...]}``: the distinct values of the segmentation once read
        (float, increasing; NaN last, once, if some voxel holds no number), for every case
        :func:`find_lits_cases` finds.

    Hints
    -----
    - The values need the voxels: ``numpy.unique`` of each slab (``img.dataobj[..., k0:k1]``),
      joined over the slabs; for a few whole numbers, ``numpy.count_nonzero(slab == v)``
      per candidate ``v`` between the slab's minimum and maximum is much faster.
    - Do not assume ``{0, 1, 2}``: a tumour-free case has no 2, and a float segmentation
      holds 0.0, 1.0, 2.0 (equal to 0, 1, 2 as values, so compare by value, not by dtype).
    """
    return {case.case_id: _case_label_values(case) for case in find_lits_cases(Path(root))}


RESAMPLED_SLICE_MM = 1.0
"""The slice spacing :func:`slice_geometry` resamples thick-sliced volumes to (mm)."""

RESAMPLED_VALUE_BYTES = np.dtype(np.float32).itemsize
"""Bytes per voxel of a resampled volume: interpolation gives floats, held as float32."""

BYTES_PER_MB = 1e6


def _geometry_row(case: LitsCase) -> dict:
    """One case's slices, field of view and the memory of its 1 mm resampling: header only."""
    volume = nib.load(case.volume)
    nx, ny, nz = (int(n) for n in volume.shape[:3])
    dx, dy, dz = (float(zoom) for zoom in volume.header.get_zooms()[:3])
    # Half up, not Python's half to even: 75 slices of 2.5 mm make 187.5, and must give 188.
    resampled = nz if dz <= RESAMPLED_SLICE_MM else math.floor(nz * dz / RESAMPLED_SLICE_MM + 0.5)
    return {
        "case_id": case.case_id,
        "slices": nz,
        "slice_spacing_mm": dz,
        "fov_x_mm": nx * dx,
        "fov_y_mm": ny * dy,
        "extent_z_mm": nz * dz,
        "slices_at_1mm": resampled,
        "stored_mb": nx * ny * nz * volume.get_data_dtype().itemsize / BYTES_PER_MB,
        "resampled_mb": nx * ny * resampled * RESAMPLED_VALUE_BYTES / BYTES_PER_MB,
    }


def slice_geometry(root: Path | str) -> pd.DataFrame:
    """Slice counts, slice spacing, field of view, and what resampling to 1 mm slices costs.

    Parameters
    ----------
    root : pathlib.Path or str
        The LiTS folder.

    Returns
    -------
    pandas.DataFrame
        One row per case, sorted by case id, from the volume's header alone (no voxel is
        read). Columns: ``case_id`` (int); ``slices`` (int, along the third array axis);
        ``slice_spacing_mm`` (float, the header's third zoom); ``fov_x_mm``, ``fov_y_mm``
        (float, the field of view: voxels times spacing along the first two axes, mm);
        ``extent_z_mm`` (float, slices times slice spacing, mm); ``slices_at_1mm`` (int:
        slices after resampling a volume with slices thicker than 1 mm to 1 mm,
        ``slices x spacing / 1 mm`` rounded half up; a volume at 1 mm or thinner keeps its
        slices); ``stored_mb`` (float, the voxels' bytes on disk, shape times the on-disk
        dtype's size, in MB of 10**6 bytes); ``resampled_mb`` (float, the resampled volume
        held as float32, 4 bytes per voxel, in MB).

    Hints
    -----
    - ``img.shape``, ``img.header.get_zooms()`` and ``img.get_data_dtype().itemsize`` are
      all in the header: https://nipy.org/nibabel/nibabel_images.html
    - Compute the resampled size from the shape; never resample a volume to measure it.
    - Python's ``round`` rounds 187.5 to 188 but 186.5 to 186 (half to even): use
      ``math.floor(x + 0.5)``.
    """
    return pd.DataFrame([_geometry_row(case) for case in find_lits_cases(Path(root))])


def _label_slabs(case: LitsCase) -> Iterator[tuple[int, np.ndarray]]:
    """(first slice index, label slab as uint8) through a case's segmentation; raises
    :class:`_BadLabelsError` for a value other than 0, 1, 2."""
    segmentation = nib.load(case.segmentation)
    slab_slices = _slab_slices(segmentation)
    for index, stored in enumerate(_slabs(segmentation, slab_slices)):
        yield index * slab_slices, _labels(stored, case.segmentation)


def _slices_holding(mask: np.ndarray) -> int:
    """How many slices (third axis) of a slab's mask hold a True voxel; the slab is stored x
    fastest, so the reshape in that order is a view, not a copy."""
    nx, ny, depth = mask.shape
    return int(mask.reshape(nx * ny, depth, order="F").any(axis=0).sum())


def _balance_row(case: LitsCase) -> dict:
    """One case's liver and tumour shares of its voxels and of its slices."""
    voxels = liver_voxels = tumour_voxels = 0
    liver_slices = tumour_slices = slices = 0
    for _, labels in _label_slabs(case):
        liver, tumour = labels != BACKGROUND, labels == TUMOUR  # tumour lies in the liver
        voxels += labels.size
        liver_voxels += int(np.count_nonzero(liver))
        tumour_voxels += int(np.count_nonzero(tumour))
        liver_slices += _slices_holding(liver)
        tumour_slices += _slices_holding(tumour)
        slices += labels.shape[2]
    return {
        "case_id": case.case_id,
        "liver_voxel_fraction": liver_voxels / voxels,
        "tumour_voxel_fraction": tumour_voxels / voxels,
        "liver_slice_fraction": liver_slices / slices,
        "tumour_slice_fraction": tumour_slices / slices,
    }


def class_balance(root: Path | str) -> pd.DataFrame:
    """How rare liver and tumour are: per voxel and per slice, in every case.

    Parameters
    ----------
    root : pathlib.Path or str
        The LiTS folder.

    Returns
    -------
    pandas.DataFrame
        One row per case, sorted by case id. Columns: ``case_id`` (int);
        ``liver_voxel_fraction`` (float, voxels labelled 1 or 2, since tumours lie inside
        the liver, over all voxels of the volume); ``tumour_voxel_fraction`` (label 2 over
        all voxels); ``liver_slice_fraction`` (float, axial slices, along the third array
        axis, that hold at least one voxel labelled 1 or 2, over all slices);
        ``tumour_slice_fraction`` (slices holding label 2, over all slices). A case with a
        label other than 0, 1, 2 is left out, with a warning naming the file.

    Hints
    -----
    - Only the segmentations are needed. Per slab: ``numpy.bincount`` of the labels for the
      voxels, ``(labels == 2).any(axis=(0, 1))`` for the slices that hold a label.
    - A 2-D model trained on slices sees the per-slice balance, a 3-D one the per-voxel
      balance: they differ by an order of magnitude.
    """
    return pd.DataFrame(_of_usable_cases(root, _balance_row))


SMALL_LESION_MM = 10.0
"""Lesions of a smaller equivalent diameter are "small": hard to see, and to segment."""


def _case_lesions(case: LitsCase) -> tuple[list[float], int]:
    """One case's lesions: equivalent diameters in mm, largest first, and how many lie on a
    single slice."""
    zooms = nib.load(case.volume).header.get_zooms()[:3]
    voxel_mm3 = math.prod(float(zoom) for zoom in zooms)
    lesions = _LesionCounter()
    for start, labels in _label_slabs(case):
        lesions.add(*_tumour_crop(labels), labels.shape[:2], start)
    found = lesions.lesions()
    diameters = sorted(
        ((6.0 * voxels * voxel_mm3 / math.pi) ** (1.0 / 3.0) for voxels, _ in found),
        reverse=True,
    )
    return diameters, sum(spanned == 1 for _, spanned in found)


def lesion_sizes(root: Path | str) -> dict:
    """The size of every lesion, in mm, and how many are small.

    Parameters
    ----------
    root : pathlib.Path or str
        The LiTS folder.

    Returns
    -------
    dict
        Three dicts keyed by case id (int). ``"diameters_mm"``: a list of float per case,
        one per lesion, largest first: the equivalent diameter, that of a sphere of the
        lesion's volume, ``(6 V / pi) ** (1/3)`` with ``V`` its voxels times the voxel volume
        ``prod(zooms)`` in mm3; a lesion is a 3-D connected component of label 2 with full
        26-connectivity, as in :func:`case_statistics`; an empty list for a tumour-free case.
        ``"lesions_below_10mm"``: int per case, lesions whose equivalent diameter is under
        10 mm. ``"one_slice_lesions"``: int per case, lesions that lie on a single slice,
        whose extent along the slices is unknown below the slice spacing. A case with a label
        other than 0, 1, 2 is left out, with a warning naming the file.

    Hints
    -----
    - ``scipy.ndimage.label(mask, structure=numpy.ones((3, 3, 3)))`` labels the lesions;
      ``numpy.bincount(labels.ravel())`` counts each one's voxels, and
      ``scipy.ndimage.find_objects(labels)`` gives each one's slices.
    - Sizes in voxels mean nothing across cases: a voxel is 0.3 mm3 in one case and
      5 mm3 in another. Multiply by ``prod(img.header.get_zooms())``.
    - A lesion can cross a slab border: label the whole tumour mask (fine on the sample; a
      GB of int32 labels for the largest real case), or label slab by slab and join the
      labels across borders, as for :func:`case_statistics`.
    """
    results = _of_usable_cases(root, lambda case: (case.case_id, _case_lesions(case)))
    return {
        "diameters_mm": {case_id: diameters for case_id, (diameters, _) in results},
        "lesions_below_10mm": {
            case_id: sum(diameter < SMALL_LESION_MM for diameter in diameters)
            for case_id, (diameters, _) in results
        },
        "one_slice_lesions": {case_id: one_slice for case_id, (_, one_slice) in results},
    }


def _slice_of(image: nib.Nifti1Image, index: int) -> np.ndarray:
    """Axial slice ``index`` (third array axis) of ``image``, scaled by the header."""
    frame = (0,) * (len(image.shape) - 3)
    return np.asarray(image.dataobj[(slice(None), slice(None), index, *frame)])


def _window_row(case: LitsCase, level: float, width: float) -> dict:
    """The slice with the most liver of one case, and how its liver looks in the window."""
    liver_per_slice: list[int] = []
    for _, labels in _label_slabs(case):
        nx, ny, depth = labels.shape
        liver = (labels != BACKGROUND).reshape(nx * ny, depth, order="F")  # a view
        liver_per_slice += np.count_nonzero(liver, axis=0).tolist()
    index = int(np.argmax(liver_per_slice))  # the first of equals
    hu = _slice_of(nib.load(case.volume), index)
    labels = _labels(_slice_of(nib.load(case.segmentation), index), case.segmentation)
    liver = hu[(labels == LIVER) & np.isfinite(hu)].astype(np.float64)
    bottom, top = level - width / 2, level + width / 2
    grey = np.clip((liver - bottom) / width, 0.0, 1.0)
    return {
        "case_id": case.case_id,
        "slice_index": index,
        "liver_hu_mean": float(liver.mean()) if liver.size else math.nan,
        "liver_grey_mean": float(grey.mean()) if liver.size else math.nan,
        "liver_white_fraction": float((liver >= top).mean()) if liver.size else math.nan,
    }


def window_qa(root: Path | str, level: float = 30.0, width: float = 150.0) -> pd.DataFrame:
    """One slice per case in a liver window: what a quality-control figure shows of each.

    Parameters
    ----------
    root : pathlib.Path or str
        The LiTS folder.
    level, width : float, optional
        The window's centre and width in HU; default the liver window W 150 / L 30: HU at
        or below ``level - width / 2`` (-45) show black, at or above ``level + width / 2``
        (105) white, linearly grey between. Narrow, so that the tens of HU between liver
        and lesion are clear grey steps; centred low, so that an unenhanced liver (about
        30-60 HU) is mid grey and an enhanced one (100 HU and more) near white. One window
        for every case is what makes a case at another contrast phase stand out.

    Returns
    -------
    pandas.DataFrame
        One row per case, sorted by case id. Columns: ``case_id`` (int); ``slice_index``
        (int, the axial slice, along the third array axis, with the most voxels labelled 1
        or 2; the first of equals); on that slice, over the voxels labelled 1 (liver
        tissue, without tumour) that hold a number: ``liver_hu_mean`` (float, HU);
        ``liver_grey_mean`` (float, their mean grey in the window, 0 black to 1 white:
        ``clip((HU - (level - width / 2)) / width, 0, 1)``); ``liver_white_fraction``
        (float, the share at or above the window's top, shown saturated white). NaN
        without liver. A case with a label other than 0, 1, 2 is left out, with a warning
        naming the file.

    Hints
    -----
    - Find the slice from the segmentation (slab by slab), then read only that slice of
      the volume: ``img.dataobj[:, :, k]``, which applies ``scl_slope``/``scl_inter``.
    - The window's edges are ``level`` plus or minus *half* the width.
    - A liver that is near white in this window is enhanced (a later contrast phase) or
      the stored numbers were taken for HU.
    """
    return pd.DataFrame(_of_usable_cases(root, lambda case: _window_row(case, level, width)))
