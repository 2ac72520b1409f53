"""EDA speed of the SIIM reference solution: the header scan of ``solutions/siim_eda.py``.

``scan_dicom_headers`` in files/s (goal >= 2,500) on the sample data
(:func:`~imaging_course.bench.measure.sample_data`), against a bare loop of
``dcmread(stop_before_pixels=True)`` over the same files and a full pixel decode
(``pixel_array``) of a subset, timed in the same run.
"""

import time
import warnings
from pathlib import Path

from imaging_course.bench.measure import best_seconds, sample_data
from imaging_course.course_modules import load_course_module

DECODE_SUBSET = 40
"""Files decoded whole for the full-decode anchor (about 8 ms each)."""


def _read_headers(paths: list[Path]) -> None:
    import pydicom  # noqa: PLC0415  (bench-only import)
    from pydicom.errors import InvalidDicomError  # noqa: PLC0415

    for path in paths:
        try:
            pydicom.dcmread(path, stop_before_pixels=True)
        except InvalidDicomError:
            continue


def _decode(paths: list[Path]) -> None:
    import pydicom  # noqa: PLC0415  (bench-only import)

    for path in paths:
        _ = pydicom.dcmread(path).pixel_array


def run() -> None:
    """Print the SIIM header-scan figure with its anchors."""
    root = sample_data("siim")
    siim_eda = load_course_module("siim_eda")
    scan = siim_eda.scan_dicom_headers(root)  # warms the page cache
    readable = set(scan["table"]["image_id"])
    paths = sorted(root.rglob("*.dcm"))
    decodable = [path for path in paths if path.stem in readable][:DECODE_SUBSET]
    n_files = len(scan["table"]) + len(scan["unreadable"])
    with warnings.catch_warnings():
        # pydicom warns on SIIM's bare-integer PatientAge once per file; the anchors time
        # reading, not printing thousands of identical warnings.
        warnings.filterwarnings("ignore", message="Invalid value for VR AS")
        scan_s = best_seconds(siim_eda.scan_dicom_headers, root)
        bare_s = best_seconds(_read_headers, paths)
        start = time.perf_counter()
        _decode(decodable)
        decode_s = time.perf_counter() - start
    print(
        f"SIIM scan_dicom_headers              {n_files / scan_s:8,.0f} files/s   "
        f"({n_files} files; goal >= 2,500)"
    )
    print(f"anchor: dcmread(stop_before_pixels)  {len(paths) / bare_s:8,.0f} files/s")
    print(
        f"anchor: full decode (pixel_array)    {len(decodable) / decode_s:8,.0f} files/s   "
        f"({len(decodable)} files)"
    )
