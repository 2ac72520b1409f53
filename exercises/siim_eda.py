"""Exercise: exploratory data analysis of SIIM-ACR Pneumothorax (DICOM chest X-rays).

Fill in every function below; each docstring says what to compute, in which units and how the
edge cases count, and its Hints section points at the documentation you need. Run
``make grade`` to have your work checked (``make grade SOLUTIONS=DIR`` for a copy elsewhere).

``root`` is the dataset folder: ``imaging_course.datasets.siim.siim_root()`` gives the sample
data (or your real download, with ``SIIM_DATA_DIR`` set). You may use the course's readers in
``imaging_course.datasets.siim.layout`` (``find_siim_images``, ``read_siim_labels``,
``siim_image_id``), but not its ``rle`` module: decoding the masks is part of the exercise.

Two quirks of the real data you will meet:

- ``PatientAge`` is a bare integer string (``'38'``), not the DICOM form (``'038Y'``); pydicom
  warns ``Invalid value for VR AS`` whenever it validates one, so possibly once per file. Silence
  that one warning around your reads (``warnings.catch_warnings``) rather than printing it
  thousands of times, and parse both forms.
- A few files are damaged. A scan must list them with a reason and go on, never crash.
"""

from pathlib import Path

import numpy as np
import pandas as pd


def scan_dicom_headers(root: Path | str) -> dict:
    """One row per readable DICOM file of both splits, and the files that could not be read.

    Reads headers only (``stop_before_pixels=True``), so a scan of the whole dataset takes
    seconds, not the minutes a pixel decode would.

    Parameters
    ----------
    root : pathlib.Path or str
        The SIIM folder (``dicom-images-train/`` and ``dicom-images-test/``, or the stage-2
        ``stage_2_images/``).

    Returns
    -------
    dict
        ``"table"``: pandas.DataFrame with columns ``image_id`` (SOPInstanceUID, the file
        stem), ``split`` (``"train"``/``"test"``), ``patient_id``, ``age`` (float, years; NaN
        when missing or unparseable; both ``'38'`` and ``'038Y'`` give 38.0), ``sex``
        (``"M"``/``"F"``, ``""`` if missing), ``view`` (``"PA"``/``"AP"``, ``""`` if missing),
        ``rows``, ``columns`` (int, pixels), ``pixel_spacing_mm`` (float, first value of
        PixelSpacing; NaN if missing).
        ``"unreadable"``: list of ``{"path": path relative to root (POSIX), "reason": str}``
        sorted by path: files that are not DICOM, files cut short (even when their header
        reads, their pixel data ends early), and DICOM objects that hold no image (a report,
        a presentation state: reason ``"not an image: ..."``). Valid images in any encoding
        (big endian, deflated, a VR encoding other than the transfer syntax declares) read.

    Hints
    -----
    - ``pydicom.dcmread(path, stop_before_pixels=True)``:
      https://pydicom.github.io/pydicom/stable/reference/generated/pydicom.filereader.dcmread.html
    - ``pydicom.errors.InvalidDicomError`` is raised for a file without the ``DICM`` prefix.
    - ``warnings.catch_warnings()`` around the reads for pydicom's ``Invalid value for VR AS``.
    """
    raise NotImplementedError("scan_dicom_headers: write it, then run `make grade`")


def demographics(table: pd.DataFrame) -> dict:
    """Counts by sex and view, age statistics over plausible ages, and the impossible ages.

    Parameters
    ----------
    table : pandas.DataFrame
        The ``"table"`` of :func:`scan_dicom_headers`.

    Returns
    -------
    dict
        ``"sex_counts"``: ``{"M": n, "F": n}``; ``"view_counts"``: ``{"PA": n, "AP": n}``
        (rows with an empty value are not counted); ``"age_mean"``, ``"age_median"``,
        ``"age_min"``, ``"age_max"`` (float, years, over ages within 0..120 inclusive; NaN ages
        left out); ``"impossible_ages"``: sorted image ids whose age is > 120 or < 0.

    Hints
    -----
    - ``pandas.Series.value_counts`` and ``Series.between``:
      https://pandas.pydata.org/docs/reference/api/pandas.Series.between.html
    """
    raise NotImplementedError("demographics: write it, then run `make grade`")


def decode_rle(rle: str, width: int = 1024, height: int = 1024) -> np.ndarray:
    """Decode one ``EncodedPixels`` value of ``train-rle.csv`` into a mask.

    The competition's encoding: pairs of (gap, run length) where the first number is the
    absolute 0-based start and every later gap counts from the end of the previous run;
    pixels are numbered column by column (column-major).

    Parameters
    ----------
    rle : str
        Space-separated integers; ``"-1"`` (or ``" -1"``) means no mask.
    width, height : int
        Image size in pixels (Columns, Rows).

    Returns
    -------
    numpy.ndarray
        Shape ``(height, width)``, dtype uint8, 255 inside the mask and 0 outside.

    Hints
    -----
    - Fill a flat array of ``width * height`` pixels, then ``reshape(width, height).T``.
    - ``numpy.cumsum`` turns relative starts into absolute ones.
    """
    raise NotImplementedError("decode_rle: write it, then run `make grade`")


def label_statistics(root: Path | str) -> dict:
    """What ``train-rle.csv`` says, counted per image, and how it matches the train files.

    Parameters
    ----------
    root : pathlib.Path or str
        The SIIM folder.

    Returns
    -------
    dict
        ``"images_labelled"``: unique ImageIds in the CSV (not rows: an image with several
        masks has several rows); ``"positive_images"``: ImageIds with at least one row other
        than ``-1``; ``"positive_fraction"``: positive / labelled (float);
        ``"images_with_several_masks"``: ImageIds with two or more mask rows;
        ``"files_without_row"``: sorted image ids of train files (readable or not) with no
        CSV row; ``"rows_without_file"``: sorted ImageIds of the CSV with no train file.

    Hints
    -----
    - ``imaging_course.datasets.siim.layout.read_siim_labels`` reads the CSV with the column
      names stripped of the leading space.
    - ``DataFrame.groupby("ImageId").size()``, ``Series.nunique()``.
    """
    raise NotImplementedError("label_statistics: write it, then run `make grade`")


def mask_statistics(root: Path | str) -> pd.DataFrame:
    """Size and position of the pneumothorax on every positive, readable train image.

    Parameters
    ----------
    root : pathlib.Path or str
        The SIIM folder.

    Returns
    -------
    pandas.DataFrame
        One row per positive train image with a readable file, sorted by image id. Columns:
        ``image_id``, ``view``, ``area_px`` (int, pixels in the union of the image's masks:
        overlapping masks count once), ``area_cm2`` (float, ``area_px * spacing_mm**2 / 100``
        with the first PixelSpacing value; NaN without spacing), ``upper_half_share`` (float,
        share of the mask's pixels in rows ``< height / 2``).

    Hints
    -----
    - Decode each row with your :func:`decode_rle` using the file's Columns and Rows, and
      combine an image's masks with ``numpy.maximum`` or ``|``.
    - Area of one pixel in cm2: ``(spacing_mm / 10) ** 2``.
    """
    raise NotImplementedError("mask_statistics: write it, then run `make grade`")


def intensity_statistics(root: Path | str) -> pd.DataFrame:
    """Mean and spread of pixel values by view, over every readable image of both splits.

    Parameters
    ----------
    root : pathlib.Path or str
        The SIIM folder.

    Returns
    -------
    pandas.DataFrame
        One row per view, ``"AP"`` then ``"PA"``: ``view``, ``n_images`` (int),
        ``mean`` and ``std`` (float, population standard deviation, of all pixel values of
        that view's images pooled; NaN when the view has no image). Images without a view are
        left out, and so is an image whose pixels cannot be decoded, with a warning that names
        its file: one such file must not stop the statistic.

    Hints
    -----
    - ``dataset.pixel_array`` decodes the JPEG pixel data (a plugin such as pylibjpeg must be
      installed): https://pydicom.github.io/pydicom/stable/guides/user/pixel_data.html
    - ``warnings.warn(message)`` reports a file left out and goes on.
    - Pool with running sums: ``n``, ``sum(x)``, ``sum(x**2)``, accumulated as int64 or
      float64 (a uint8 image squared overflows in its own dtype).
    """
    raise NotImplementedError("intensity_statistics: write it, then run `make grade`")


def duplicate_images(root: Path | str) -> list[list[str]]:
    """Groups of images (both splits) whose pixel data are identical.

    Identical means the same stored Pixel Data bytes (compressed as they are): equal bytes
    decode to equal pixels, and comparing bytes is over ten times faster than decoding. Only
    exact copies are asked for: a near-duplicate (the same picture JPEG-encoded again at
    another quality, or moved by a few pixels) has other bytes, so no hash of the bytes finds
    it; that takes the decoded pixels.

    Parameters
    ----------
    root : pathlib.Path or str
        The SIIM folder.

    Returns
    -------
    list of list of str
        Each group is a sorted list of two or more image ids; the groups are sorted by their
        first id. Unreadable files are left out.

    Hints
    -----
    - Hash the bytes with ``hashlib.sha256(dataset.PixelData)`` (or, slower, the decoded
      ``pixel_array.tobytes()``) and group ids by digest: ``collections.defaultdict(list)``.
    """
    raise NotImplementedError("duplicate_images: write it, then run `make grade`")


def data_quality_report(root: Path | str) -> dict:
    """Every problem of the dataset that an analysis must know about, in one dict.

    Parameters
    ----------
    root : pathlib.Path or str
        The SIIM folder.

    Returns
    -------
    dict
        ``"unreadable"``: sorted relative paths of the unreadable files (as in
        :func:`scan_dicom_headers`); ``"missing_tags"``: list of ``{"image_id", "tag"}`` for
        every readable file lacking (absent or empty) one of PatientAge, PatientSex,
        ViewPosition, PixelSpacing, sorted by image id then tag; ``"duplicates"``: as
        :func:`duplicate_images`; ``"impossible_ages"``: as :func:`demographics`;
        ``"files_without_row"`` and ``"rows_without_file"``: as :func:`label_statistics`.

    Hints
    -----
    - Reuse your other functions; ``tag in dataset`` and ``dataset.get(keyword)`` tell absent
      from empty.
    """
    raise NotImplementedError("data_quality_report: write it, then run `make grade`")


def pneumothorax_prevalence(root: Path | str) -> pd.DataFrame:
    """Share of images with pneumothorax by view, by sex and by age band, each with its
    95% Wilson interval.

    Counts images, not rows of the label CSV: an image with three masks is one positive
    image. The images are the labelled training images with a readable file.

    Parameters
    ----------
    root : pathlib.Path or str
        The SIIM folder.

    Returns
    -------
    pandas.DataFrame
        One row per group, in this order: ``view=AP``, ``view=PA``, ``sex=F``, ``sex=M``,
        then ``age=0-19``, ``age=20-39``, ``age=40-59``, ``age=60-79``, ``age=80-120`` (ages
        in years, ``low <= age < high``, the last band closed at 120; impossible and missing
        ages fall in no band). Columns: ``group`` (str, as above), ``images`` (int, images of
        the group), ``positive`` (int, those with at least one mask), ``prevalence`` (float,
        positive / images), ``ci_low``, ``ci_high`` (float, the 95% Wilson score interval of
        the prevalence). A group without images has prevalence and interval NaN.

    Hints
    -----
    - Group the header table (:func:`scan_dicom_headers`) joined with one row per ImageId of
      the CSV.
    - The Wilson interval: ``scipy.stats.binomtest(k, n).proportion_ci(0.95,
      method="wilson")``, or ``statsmodels.stats.proportion.proportion_confint(k, n,
      method="wilson")``. The Wald interval p +- 1.96 sqrt(p(1 - p) / n) is [0, 0] when no
      image of a group is positive: not a statement of certainty anyone should make.
    """
    raise NotImplementedError("pneumothorax_prevalence: write it, then run `make grade`")


def mask_geometry(root: Path | str) -> pd.DataFrame:
    """How many masks each positive image has, whether they overlap, how much of the image
    they cover, and on which of the patient's sides they lie.

    Parameters
    ----------
    root : pathlib.Path or str
        The SIIM folder.

    Returns
    -------
    pandas.DataFrame
        One row per positive training image with a readable file, sorted by image id.
        Columns: ``image_id``, ``view``; ``masks`` (int, the image's mask rows in the label
        CSV); ``overlapping`` (bool, some pixel lies in two or more of its masks);
        ``area_fraction`` (float, pixels of the union of its masks / (Rows x Columns): a
        share of the image, which needs no PixelSpacing); ``side`` (``"right"``, ``"left"``
        or ``"both"``: the patient's side of each mask, that of the mean column of its
        pixels, and ``"both"`` when the image has masks on each side).

    Hints
    -----
    - Decode every row with your :func:`decode_rle`; ``np.sum`` of the boolean masks per
      pixel counts how many masks cover it.
    - A chest film is viewed as if facing the patient: the patient's right lung is on the
      image's left (low column numbers), whatever the view (PA or AP).
    """
    raise NotImplementedError("mask_geometry: write it, then run `make grade`")


def header_consistency(root: Path | str) -> dict:
    """Whether every readable image (both splits) is stored alike, and which files are not.

    Parameters
    ----------
    root : pathlib.Path or str
        The SIIM folder.

    Returns
    -------
    dict
        ``"values"``: for each of ``TransferSyntaxUID`` (from the file meta group),
        ``PhotometricInterpretation``, ``BitsAllocated``, ``BitsStored``, ``Rows`` and
        ``Columns``, a dict from each value found (as text: ``"1.2.840.10008.1.2.4.50"``,
        ``"MONOCHROME2"``, ``"8"``, ``"1024"``; ``""`` when absent) to the number of files
        holding it. ``"differing"``: list of ``{"image_id", "attribute", "value", "usual"}``,
        one per file and attribute whose value is not the most common one (``usual``), sorted
        by image id then attribute.

    Hints
    -----
    - ``dataset.file_meta.TransferSyntaxUID``: the transfer syntax is in the file meta
      group, which ``dcmread(path, stop_before_pixels=True)`` reads too.
    - ``collections.Counter(values).most_common(1)`` gives the usual value.
    """
    raise NotImplementedError("header_consistency: write it, then run `make grade`")


def split_comparison(root: Path | str) -> dict:
    """Whether the test split looks like the training split, and whether its images can be
    grouped by patient.

    Parameters
    ----------
    root : pathlib.Path or str
        The SIIM folder.

    Returns
    -------
    dict
        ``"images"``: ``{"train": n, "test": n}``, readable images of each split;
        ``"shares"``: pandas.DataFrame with one row per group of
        :func:`pneumothorax_prevalence` (same names, same order): ``group``, ``train`` and
        ``test`` (float, share of the split's readable images in the group: images of the
        group / images of the split; NaN for a split without images), ``difference`` (float,
        test minus train);
        ``"patients"``: ``{"patients": n (distinct non-empty PatientIDs over both splits),
        "patients_with_several_images": n, "largest_group": n (most images of one
        PatientID), "patients_in_both_splits": n}``.

    Hints
    -----
    - The splits differ in size, so compare shares, not counts.
    - ``table.groupby("patient_id")["split"].agg(["size", "nunique"])`` counts a patient's
      images and splits at once.
    """
    raise NotImplementedError("split_comparison: write it, then run `make grade`")
