"""Exercise: exploratory data analysis of LiTS (liver tumour CT volumes, NIfTI).

Fill in every function below; each docstring says what to compute, in which units and how the
edge cases count, and its Hints section points at the documentation you need. Run
``make grade`` to have your work checked (``make grade SOLUTIONS=DIR`` for a copy elsewhere).

``root`` is the dataset folder: ``imaging_course.datasets.lits.lits_root()`` gives the sample
data (or your real download, with ``LITS_DATA_DIR`` set).
``imaging_course.datasets.lits.layout.find_lits_cases`` pairs each ``volume-N.nii`` with its
``segmentation-N.nii``.

Keep memory bounded: a real volume can be 512 x 512 x 987 voxels, 2 GB as float64. Read slabs
of slices through nibabel's array proxy (``img.dataobj[..., k0:k1]``), never ``get_fdata()`` on
a whole volume. Labels: 0 background, 1 liver, 2 tumour; tumours lie inside the liver.

The files store their values variously, as the real ones do: int16, float32, or integers with
a ``scl_slope``/``scl_inter`` (``img.dataobj`` applies it; the stored numbers are not HU), and
some segmentations as float. Do not assume a dtype.
"""

from pathlib import Path

import pandas as pd


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
    raise NotImplementedError("volume_table: write it, then run `make grade`")


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
    raise NotImplementedError("case_statistics: write it, then run `make grade`")


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
    raise NotImplementedError("hu_histograms: write it, then run `make grade`")


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
    raise NotImplementedError("dataset_summary: write it, then run `make grade`")


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
    raise NotImplementedError("storage_table: write it, then run `make grade`")


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
    raise NotImplementedError("label_values: write it, then run `make grade`")


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
    raise NotImplementedError("slice_geometry: write it, then run `make grade`")


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
    raise NotImplementedError("class_balance: write it, then run `make grade`")


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
    raise NotImplementedError("lesion_sizes: write it, then run `make grade`")


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
    raise NotImplementedError("window_qa: write it, then run `make grade`")
