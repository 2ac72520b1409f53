"""The reference-tables extension, built for real on tests/roots/test-reference-tables.

Expected rows come from pydicom and nibabel through other calls than the extension's
(``pydicom.datadict.get_entry``, a header instance's ``structarr``), plus a few values written
out by hand from the DICOM and NIfTI-1 standards.
"""

import html
import re
import shutil
from io import StringIO
from pathlib import Path

import nibabel as nib
import pytest
from pydicom.datadict import get_entry
from pydicom.tag import Tag
from sphinx.testing.util import SphinxTestApp

KEYWORDS = ("SOPInstanceUID", "PatientSex", "PatientAge", "ViewPosition", "PixelSpacing")


def build(rootdir: Path, dest: Path, extra_pages: dict[str, str] | None = None):
    """Copy the test root to ``dest``, add ``extra_pages`` (name: text), build it.

    Returns the HTML folder, the warnings printed, and the source folder.
    """
    src = dest / "src"
    shutil.copytree(rootdir / "test-reference-tables", src)
    for name, text in (extra_pages or {}).items():
        (src / name).write_text(text, encoding="utf-8")
    warnings = StringIO()
    app = SphinxTestApp(
        "html", srcdir=src, builddir=dest / "_build", status=StringIO(), warning=warnings
    )
    try:
        app.build()
    finally:
        app.cleanup()
    return Path(app.outdir), warnings.getvalue(), src


@pytest.fixture(scope="module")
def built(rootdir, tmp_path_factory):
    return build(rootdir, tmp_path_factory.mktemp("tables"))


def table_rows(page: Path) -> list[list[str]]:
    """Text of every body cell of the page's table, unescaped, curly apostrophes made straight."""
    body = re.search(r"<tbody>(.*?)</tbody>", page.read_text(encoding="utf-8"), re.S).group(1)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).replace(
                "\N{RIGHT SINGLE QUOTATION MARK}", "'"
            )
            for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        for row in rows
    ]


def test_build_has_no_warnings(built):
    _, warnings, _ = built
    assert warnings == ""


def test_dicom_rows_come_from_pydicoms_dictionary(built):
    outdir, _, _ = built
    rows = table_rows(outdir / "dicom.html")
    expected = []
    for keyword in KEYWORDS:
        tag = Tag(keyword)
        vr, vm, name, _retired, dictionary_keyword = get_entry(tag)
        assert dictionary_keyword == keyword
        expected.append([f"({tag.group:04X},{tag.element:04X})", keyword, vr, vm, name])
    assert rows == expected


def test_patient_age_row_matches_the_standard(built):
    outdir, _, _ = built
    rows = table_rows(outdir / "dicom.html")
    assert ["(0010,1010)", "PatientAge", "AS", "1", "Patient's Age"] in rows
    assert ["(0028,0030)", "PixelSpacing", "DS", "2", "Pixel Spacing"] in rows


def test_nifti_rows_are_nibabels_header_fields(built):
    outdir, _, _ = built
    rows = table_rows(outdir / "nifti.html")
    structarr = nib.Nifti1Header().structarr
    fields = structarr.dtype.fields
    assert [row[0] for row in rows] == list(structarr.dtype.names)
    assert [int(row[2]) for row in rows] == [fields[name][1] for name in structarr.dtype.names]
    assert [int(row[3]) for row in rows] == [
        fields[name][0].itemsize for name in structarr.dtype.names
    ]


def test_nifti_field_sizes_add_up_to_the_348_byte_header(built):
    outdir, _, _ = built
    rows = table_rows(outdir / "nifti.html")
    header_bytes = int(nib.Nifti1Header()["sizeof_hdr"])
    assert header_bytes == 348
    assert sum(int(row[3]) for row in rows) == header_bytes
    # contiguous: each field starts where the previous one ends
    ends = [int(row[2]) + int(row[3]) for row in rows]
    assert [int(row[2]) for row in rows[1:]] == ends[:-1]
    assert ends[-1] == header_bytes


def test_nifti_types_offsets_and_descriptions_by_hand(built):
    outdir, _, _ = built
    by_field = {row[0]: row for row in table_rows(outdir / "nifti.html")}
    # From nifti1.h: short dim[8] at byte 40, float pixdim[8] at 76, char magic[4] at 344.
    assert by_field["dim"][1:4] == ["int16[8]", "40", "16"]
    assert by_field["pixdim"][1:4] == ["float32[8]", "76", "32"]
    assert by_field["magic"][1:4] == ["S4", "344", "4"]
    assert all(row[4] for row in by_field.values()), "a field has no description"


def test_unknown_keyword_and_bad_path_warn_with_file_and_line(rootdir, tmp_path):
    bad_page = (
        "---\norphan: true\n---\n\n# Bad tables\n\n"
        "```{dicom-attribute-table}\n:keywords: typo_keywords:KEYWORDS\n```\n\n"
        "```{dicom-attribute-table}\n:keywords: no_such_module_here:KEYWORDS\n```\n"
    )
    typo_module = 'KEYWORDS = ("PatientAge", "PatientAgeInYears")\n'
    _, warnings, src = build(
        rootdir, tmp_path, {"bad.md": bad_page, "typo_keywords.py": typo_module}
    )
    lines = [line for line in warnings.splitlines() if "WARNING" in line]
    assert len(lines) == 2, warnings
    assert f"{src / 'bad.md'}:7: WARNING:" in lines[0]
    assert "'PatientAgeInYears'" in lines[0]
    assert f"{src / 'bad.md'}:11: WARNING:" in lines[1]
    assert "no_such_module_here" in lines[1]
