"""Reference tables generated at build time from the libraries, never copied by hand.

``{dicom-attribute-table}``
    One row per DICOM keyword of a sequence named by ``:keywords: module:attribute`` (for the
    course: ``imaging_course.datasets.siim.header:SIIM_HEADER_KEYWORDS``), with the tag, VR, VM
    and name from pydicom's data dictionary. An unknown keyword, or a path that does not import,
    is a build warning (type ``reference_tables``) naming the file and line. The page is rebuilt
    when the keywords module changes.

``{nifti-header-table}``
    One row per field of nibabel's NIfTI-1 header (``nibabel.nifti1.header_dtype``): name, numpy
    dtype, byte offset and size, and a short description. nibabel has no descriptions, so they
    live in :data:`NIFTI1_FIELD_DESCRIPTIONS` (after the comments of ``nifti1.h``); a field
    missing there shows an empty description.

Both directives take no content, for example in MyST::

    ```{dicom-attribute-table}
    :keywords: imaging_course.datasets.siim.header:SIIM_HEADER_KEYWORDS
    ```
"""

import importlib
from collections.abc import Sequence
from importlib.metadata import version
from typing import TYPE_CHECKING, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

if TYPE_CHECKING:
    import numpy as np

# pydicom and nibabel (with numpy) are imported where a table is made, not with the extension:
# together they took a third of a no-change build's start-up, for two pages that are rarely read.

logger = logging.getLogger(__name__)

WARNING_TYPE = "reference_tables"

NIFTI1_FIELD_DESCRIPTIONS: dict[str, str] = {
    "sizeof_hdr": "Size of the header in bytes; must be 348.",
    "data_type": "Unused (kept from ANALYZE 7.5).",
    "db_name": "Unused (kept from ANALYZE 7.5).",
    "extents": "Unused (kept from ANALYZE 7.5).",
    "session_error": "Unused (kept from ANALYZE 7.5).",
    "regular": "Unused (kept from ANALYZE 7.5); usually 'r'.",
    "dim_info": "Which axes are the frequency, phase and slice encoding directions (MRI).",
    "dim": "dim[0] is the number of dimensions, dim[1..7] the size of each (x, y, z, t, ...).",
    "intent_p1": "First parameter of the intent (e.g. degrees of freedom of a t statistic).",
    "intent_p2": "Second parameter of the intent.",
    "intent_p3": "Third parameter of the intent.",
    "intent_code": "What the voxel values mean (NIFTI_INTENT_* code: none, a statistic, labels).",
    "datatype": "Type of the stored voxels (NIFTI_TYPE_* code: 2 uint8, 4 int16, 16 float32).",
    "bitpix": "Bits per voxel; must match datatype.",
    "slice_start": "Index of the first slice of the slice-timing pattern.",
    "pixdim": (
        "Grid spacings: pixdim[1..3] voxel size (units in xyzt_units, usually mm), pixdim[4] "
        "time step; pixdim[0] is qfac, the sign of the qform's third axis."
    ),
    "vox_offset": "Byte offset of the voxel data in a .nii file (352 or more).",
    "scl_slope": "Slope of the scaling: value = scl_slope * stored + scl_inter (0: no scaling).",
    "scl_inter": "Intercept of that scaling (CT often stores HU + 1024 with scl_inter -1024).",
    "slice_end": "Index of the last slice of the slice-timing pattern.",
    "slice_code": "Slice acquisition order (sequential or interleaved, increasing or decreasing).",
    "xyzt_units": "Units of pixdim: space in bits 0-2 (mm, um, m), time in bits 3-5 (s, ms, us).",
    "cal_max": "Maximum of the display range.",
    "cal_min": "Minimum of the display range.",
    "slice_duration": "Time to acquire one slice.",
    "toffset": "Offset of the time axis.",
    "glmax": "Unused (kept from ANALYZE 7.5).",
    "glmin": "Unused (kept from ANALYZE 7.5).",
    "descrip": "Free-text description.",
    "aux_file": "Name of an auxiliary file (e.g. a colour table).",
    "qform_code": "What the qform maps to: 0 unknown, 1 scanner, 2 aligned, 3 Talairach, 4 MNI.",
    "sform_code": "What the sform maps to (same codes as qform_code).",
    "quatern_b": "Quaternion b of the qform's rotation.",
    "quatern_c": "Quaternion c of the qform's rotation.",
    "quatern_d": "Quaternion d of the qform's rotation (a is computed from b, c, d).",
    "qoffset_x": "x of the qform's translation (mm).",
    "qoffset_y": "y of the qform's translation (mm).",
    "qoffset_z": "z of the qform's translation (mm).",
    "srow_x": "First row of the sform affine (voxel indices to x in mm).",
    "srow_y": "Second row of the sform affine (voxel indices to y in mm).",
    "srow_z": "Third row of the sform affine (voxel indices to z in mm).",
    "intent_name": "Name of the intent (free text).",
    "magic": "'n+1' for a single .nii file, 'ni1' for a .hdr/.img pair.",
}
"""Short descriptions of the NIfTI-1 header fields, by field name."""

DICOM_COLUMNS = ("Tag", "Keyword", "VR", "VM", "Name")
NIFTI_COLUMNS = ("Field", "Type", "Offset (bytes)", "Size (bytes)", "Description")


def dicom_attribute_rows(keywords: Sequence[str]) -> tuple[list[tuple[str, ...]], list[str]]:
    """Rows ``(tag, keyword, VR, VM, name)`` for ``keywords``, and the unknown keywords.

    Tags are written ``(gggg,eeee)`` in upper-case hexadecimal, as in the DICOM standard.
    """
    from pydicom import datadict  # noqa: PLC0415 (see the imports)

    rows, unknown = [], []
    for keyword in keywords:
        tag = datadict.tag_for_keyword(keyword)
        if tag is None:
            unknown.append(keyword)
            continue
        rows.append(
            (
                f"({tag >> 16:04X},{tag & 0xFFFF:04X})",
                keyword,
                datadict.dictionary_VR(tag),
                datadict.dictionary_VM(tag),
                datadict.dictionary_description(tag),
            )
        )
    return rows, unknown


def nifti_header_rows() -> list[tuple[str, ...]]:
    """Rows ``(field, dtype, offset, size, description)`` of nibabel's NIfTI-1 header.

    Offsets and sizes are in bytes; an array field's dtype reads ``float32[8]``.
    """
    from nibabel.nifti1 import header_dtype  # noqa: PLC0415 (see the imports)

    rows = []
    for name in header_dtype.names:
        field_dtype, offset = header_dtype.fields[name][:2]
        rows.append(
            (
                name,
                _dtype_text(field_dtype),
                str(offset),
                str(field_dtype.itemsize),
                NIFTI1_FIELD_DESCRIPTIONS.get(name, ""),
            )
        )
    return rows


class DicomAttributeTableDirective(SphinxDirective):
    """``{dicom-attribute-table}``: DICOM attributes of a keyword list, from pydicom.

    Options
    -------
    keywords : str, required
        ``module:attribute``, an importable sequence of DICOM keywords, in the order of the rows.
    """

    has_content = False
    option_spec: ClassVar = {"keywords": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        keywords = self._import_keywords(self.options.get("keywords", ""))
        if keywords is None:
            return []
        rows, unknown = dicom_attribute_rows(keywords)
        for keyword in unknown:
            self._warn(f"unknown DICOM keyword {keyword!r} (not in pydicom's dictionary)")
        table = _table(DICOM_COLUMNS, rows, literal_columns={0, 1}, classes=["dicom-attributes"])
        self.set_source_info(table)
        return [table]

    def _import_keywords(self, path: str) -> Sequence[str] | None:
        module_name, _, attribute = path.partition(":")
        if not module_name or not attribute:
            self._warn(f":keywords: must be 'module:attribute', got {path!r}")
            return None
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            self._warn(f":keywords: cannot import {module_name!r}: {error}")
            return None
        if getattr(module, "__file__", None):
            self.env.note_dependency(module.__file__)
        keywords = getattr(module, attribute, None)
        if isinstance(keywords, str) or not isinstance(keywords, Sequence):
            self._warn(f":keywords: {path!r} is not a sequence of DICOM keywords")
            return None
        return keywords

    def _warn(self, message: str) -> None:
        logger.warning(
            "%s: %s",
            self.name,
            message,
            location=(self.env.docname, self.lineno),
            type=WARNING_TYPE,
            subtype="dicom",
        )


class NiftiHeaderTableDirective(SphinxDirective):
    """``{nifti-header-table}``: the fields of the NIfTI-1 header, from nibabel. No options."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        table = _table(
            NIFTI_COLUMNS, nifti_header_rows(), literal_columns={0, 1}, classes=["nifti-header"]
        )
        self.set_source_info(table)
        return [table]


def setup(app: Sphinx) -> dict:
    """Register the two table directives."""
    app.add_directive("dicom-attribute-table", DicomAttributeTableDirective)
    app.add_directive("nifti-header-table", NiftiHeaderTableDirective)
    return {
        "version": version("imaging-course"),
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }


def _dtype_text(field_dtype: "np.dtype") -> str:
    base = field_dtype.base
    name = f"S{base.itemsize}" if base.kind == "S" else base.name
    shape = "".join(f"[{size}]" for size in field_dtype.shape)
    return name + shape


def _table(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    literal_columns: set[int],
    classes: list[str],
) -> nodes.table:
    table = nodes.table(classes=classes)
    group = nodes.tgroup(cols=len(columns))
    table += group
    group.extend(nodes.colspec(colwidth=1) for _ in columns)
    head = nodes.thead()
    head += _row(columns, literal_columns=set())
    body = nodes.tbody()
    body.extend(_row(cells, literal_columns=literal_columns) for cells in rows)
    group += head
    group += body
    return table


def _row(cells: Sequence[str], *, literal_columns: set[int]) -> nodes.row:
    row = nodes.row()
    for index, text in enumerate(cells):
        entry = nodes.entry()
        inline = nodes.literal(text=text) if index in literal_columns and text else nodes.Text(text)
        entry += nodes.paragraph("", "", inline)
        row += entry
    return row
