"""The chapter's facts, checked against the libraries that define them and against the built site.

Quiz answers that pydicom, nibabel or the course's RLE decoder can compute are computed here from
the library, independently of the page, and compared with the answer the page's source gives.
The DICOM page's new section is checked for its structure (quizzes under every heading) and for
reading only files that pydicom installs. Statements that were once wrong are read back from the
built pages, as a visitor sees them (one slow test, on the session's build).
"""

import re
import warnings
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import pytest
from bs4 import BeautifulSoup
from pydicom import config, examples
from pydicom.data import get_testdata_file
from pydicom.datadict import dictionary_VM, tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.pixels import apply_modality_lut, apply_presentation_lut, apply_voi_lut
from pydicom.valuerep import validate_value

from imaging_course.datasets.siim.rle import decode_siim_rle

QUIZ_BLOCK = re.compile(r"^:::\{quiz\}(?P<question>.*?)\n(?P<body>.*?)^:::$", re.DOTALL | re.M)
CHOICE = re.compile(r"^- \[(?P<mark>[ x])\] (?P<text>.+)$", re.M)
DICOM_PAGE = "medical-imaging/dicom"
NEW_DICOM_SECTION = "## From stored values to what a radiologist sees"


@pytest.fixture(scope="module")
def docs(repo_root) -> Path:
    return repo_root / "docs"


@pytest.fixture(scope="module")
def quizzes(docs) -> dict[str, dict]:
    """Every quiz of the site's sources by id: its options, and its choices as (text, right)."""
    found = {}
    for page in sorted(docs.rglob("*.md")):
        for block in QUIZ_BLOCK.finditer(page.read_text(encoding="utf-8")):
            body = block["body"]
            options = dict(re.findall(r"^:([a-z]+): (.*)$", body, re.M))
            choices = [(c["text"].strip(), c["mark"] == "x") for c in CHOICE.finditer(body)]
            found[options["id"]] = {**options, "choices": choices, "page": page}
    return found


def answer(quizzes, quiz_id: str) -> float:
    return float(quizzes[quiz_id]["answer"])


def right_choices(quizzes, quiz_id: str) -> list[str]:
    return [text for text, right in quizzes[quiz_id]["choices"] if right]


def rescale(slope: float, intercept: float) -> Dataset:
    dataset = Dataset()
    dataset.RescaleSlope, dataset.RescaleIntercept = slope, intercept
    return dataset


def nifti_file_size(tmp_path: Path) -> int:
    """Bytes of a real single-file NIfTI of int16 512 x 512 x 75 voxels, as nibabel writes it."""
    path = tmp_path / "volume.nii"
    nib.save(nib.Nifti1Image(np.zeros((512, 512, 75), np.int16), np.eye(4)), path)
    return path.stat().st_size


def base_affine_z(_tmp_path: Path) -> float:
    """z of voxel (0, 0, 0) when neither qform nor sform is set: nibabel's own fallback."""
    header = nib.Nifti1Header()
    header.set_data_shape((100, 100, 41))
    header.set_zooms((0.8, 0.8, 2.5))
    image = nib.Nifti1Image.from_bytes(
        nib.Nifti1Image(np.zeros((100, 100, 41)), None, header).to_bytes()
    )
    assert (image.header["qform_code"], image.header["sform_code"]) == (0, 0)
    return float(image.affine[2, 3])


def scaled_nifti_value(tmp_path: Path) -> float:
    """The value nibabel gives a stored 1064 under scl_slope 1 and scl_inter -1024."""
    image = nib.Nifti1Image(np.full((2, 2, 2), 1064, np.uint16), np.eye(4))
    image.header.set_slope_inter(1, -1024)
    nib.save(image, tmp_path / "scaled.nii")
    return float(nib.load(tmp_path / "scaled.nii").dataobj[0, 0, 0])


def head_ct() -> Dataset:
    """Pydicom's head CT slice, the page's example of signed pixels and padding."""
    return pydicom.dcmread(get_testdata_file("J2K_pixelrep_mismatch.dcm", download=False))


def head_ct_lowest_hu(_tmp_path: Path) -> float:
    """The lowest HU the head CT's BitsStored and PixelRepresentation allow, through its rescale."""
    head = head_ct()
    assert head.PixelRepresentation == 1
    lowest_stored = -(2 ** (head.BitsStored - 1))
    assert head.pixel_array.min() >= lowest_stored
    return float(apply_modality_lut(np.array([lowest_stored]), head)[0])


def head_ct_air_as_unsigned(_tmp_path: Path) -> int:
    """A pixel of air (stored -1000) of the head CT read as unsigned 16-bit."""
    pixels = head_ct().pixel_array
    air = pixels == -1000
    assert air.sum() > 100, "the question says the head CT stores air as -1000"
    return int(pixels.view(np.uint16)[air][0])


def window_edges(center: int, width: int, function: str | None = None) -> tuple[float, float]:
    """The highest value pydicom's window shows black and the lowest it shows white.

    ``function`` is the file's VOILUTFunction; None leaves it out, as most files do (LINEAR).
    """
    window = Dataset()
    window.PhotometricInterpretation = "MONOCHROME2"
    window.BitsStored, window.PixelRepresentation = 16, 1
    window.WindowCenter, window.WindowWidth = center, width
    if function is not None:
        window.VOILUTFunction = function
    values = np.arange(center - width, center + width, dtype=float)
    shown = apply_voi_lut(values, window)
    return float(values[shown == shown.min()].max()), float(values[shown == shown.max()].min())


LIBRARY_ANSWERS = {
    "dicom-padding-hounsfield": lambda _: float(
        apply_modality_lut(np.array([examples.ct.PixelPaddingValue]), examples.ct)[0]
    ),
    "dicom-forgotten-rescale": lambda _: float(apply_modality_lut(np.array([300]), examples.ct)[0]),
    "dicom-rescale-slope": lambda _: float(
        apply_modality_lut(np.array([2248]), rescale(0.5, -1024))[0]
    ),
    "dicom-unsigned-highest-hu": lambda _: float(
        apply_modality_lut(np.array([2**12 - 1]), rescale(1, -1024))[0]
    ),
    "dicom-bits-signed-minimum": head_ct_lowest_hu,
    "dicom-signed-as-unsigned": head_ct_air_as_unsigned,
    "dicom-window-lower-edge": lambda _: window_edges(50, 350)[0],
    "dicom-ipp-vm": lambda _: int(dictionary_VM(tag_for_keyword("ImagePositionPatient"))),
    "nifti-base-affine": base_affine_z,
    "nifti-file-size": nifti_file_size,
    "nifti-scaling": scaled_nifti_value,
    "nifti-fdata-memory": lambda _: 512 * 512 * 987 * np.dtype(np.float64).itemsize / 2**20,
}


@pytest.mark.parametrize("quiz_id", sorted(LIBRARY_ANSWERS))
def test_the_answer_is_what_the_library_computes(quiz_id, quizzes, tmp_path):
    computed = LIBRARY_ANSWERS[quiz_id](tmp_path)
    assert answer(quizzes, quiz_id) == pytest.approx(computed, rel=0.001), quiz_id


def page_text(docs, page: str) -> str:
    """A page's source with its whitespace collapsed, for finding sentences across lines."""
    return re.sub(r"\s+", " ", (docs / f"{page}.md").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("center", "width"), [(50, 350), (-600, 1500), (10, 8)])
def test_the_window_edges_are_those_that_pydicom_computes(center, width, docs):
    text = page_text(docs, DICOM_PAGE)
    assert "values up to center - width / 2 black" in text
    assert "center + width / 2 - 1 up white" in text
    assert "`LINEAR_EXACT` has the simple edges" in text
    assert window_edges(center, width) == (center - width / 2, center + width / 2 - 1)
    assert window_edges(center, width, "LINEAR_EXACT") == (center - width / 2, center + width / 2)


def test_pydicom_windows_monochrome1_without_inverting_and_inverts_by_its_presentation_lut(docs):
    """The page's order: window the stored values, then invert; apply_voi_lut does not invert."""
    text = page_text(docs, DICOM_PAGE)
    assert "`apply_voi_lut` windows both kinds the same way and inverts neither" in text
    assert "`apply_presentation_lut`" in text
    monochrome1 = Dataset()
    monochrome1.PhotometricInterpretation = "MONOCHROME1"
    monochrome1.BitsStored, monochrome1.PixelRepresentation = 8, 0
    monochrome1.WindowCenter, monochrome1.WindowWidth = 100, 50
    stored = np.array([0, 75, 100, 124, 255])
    windowed = apply_voi_lut(stored, monochrome1)
    assert list(windowed) == sorted(windowed)  # the lowest stored value stays the lowest output
    assert (windowed[0], windowed[-1]) == (0, 255)
    monochrome1.PresentationLUTShape = "INVERSE"
    assert list(apply_presentation_lut(windowed, monochrome1)) == list(255 - windowed)


def test_only_the_right_age_string_passes_pydicom_validation(quizzes):
    verdicts = {}
    for text, right in quizzes["dicom-as-months"]["choices"]:
        value = text.strip("`")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            validate_value("AS", value, config.WARN)
        verdicts[value] = (not caught, right)
    assert all(valid == right for valid, right in verdicts.values()), verdicts


def test_the_rle_quiz_answer_is_what_the_decoder_gives(quizzes):
    mask = decode_siim_rle("3 2 4 1", width=4, height=4)
    decoded = {(int(row), int(column)) for row, column in np.argwhere(mask)}
    stated = {
        text: {(int(r), int(c)) for r, c in re.findall(r"\((\d+), (\d+)\)", text)}
        for text, _ in quizzes["ex-siim-rle-pixels"]["choices"]
    }
    assert [text for text, pixels in stated.items() if pixels == decoded] == right_choices(
        quizzes, "ex-siim-rle-pixels"
    )


def test_the_dicom_page_reads_only_files_that_the_installed_pydicom_ships(docs):
    source = (docs / f"{DICOM_PAGE}.md").read_text(encoding="utf-8")
    names = re.findall(r'get_testdata_file\("([^"]+)", download=False\)', source)
    example_names = set(re.findall(r"\bexamples\.(\w+)\b", source))
    assert "get_testdata_file(" not in re.sub(
        r'get_testdata_file\("[^"]+", download=False\)', "", source
    )
    assert names
    assert example_names >= {"ct", "mr"}

    installed = Path(pydicom.__file__).parent / "data" / "test_files"
    paths = [Path(get_testdata_file(name, download=False)) for name in names]
    paths += [examples.get_path(name) for name in example_names]
    assert [str(path) for path in paths if path.parent != installed] == []


def subsections(text: str, heading: str) -> dict[str, str]:
    """The ``###`` subsections of the ``##`` section that starts with ``heading``, by title."""
    section = text[text.index(heading) :]
    section = section[: section.find("\n## ", 1)] if "\n## " in section[1:] else section
    parts = re.split(r"^### (.+)$", section, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_point_of_the_new_dicom_section_has_at_least_two_quizzes(docs):
    text = (docs / f"{DICOM_PAGE}.md").read_text(encoding="utf-8")
    parts = subsections(text, NEW_DICOM_SECTION)
    assert len(parts) >= 6, sorted(parts)
    counts = {title: len(QUIZ_BLOCK.findall(body)) for title, body in parts.items()}
    assert min(counts.values()) >= 2, counts
    numeric = sum(body.count(":kind: numeric") for body in parts.values())
    assert numeric >= 10


def test_the_splits_section_works_through_both_datasets_with_a_quiz_each(docs, quizzes):
    text = (docs / "medical-imaging" / "datasets.md").read_text(encoding="utf-8")
    parts = subsections(text, "## Splits and leakage")
    siim = next(body for title, body in parts.items() if title.startswith("Worked example: SIIM"))
    lits = next(body for title, body in parts.items() if title.startswith("Worked example: LiTS"))
    assert "ChestX-ray14" in siim
    assert "stage_2_train.csv" in siim
    assert "3D-IRCADb" in lits
    assert "Task03_Liver" in lits
    section = text[text.index("## Splits and leakage") : text.index("## Data sharing")]
    ids = set(re.findall(r"^:id: (\S+)$", section, re.M))
    assert {"datasets-siim-split-leak", "datasets-lits-decathlon-leak"} <= ids
    provenance = text[text.index("## Where the two datasets come from") : text.index("## De-id")]
    assert QUIZ_BLOCK.search(provenance), "the provenance section has no quiz"


def visible_text(html: Path) -> str:
    """The article of a built page as a visitor reads it, whitespace collapsed."""
    article = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").find("article")
    return re.sub(r"\s+", " ", article.get_text(" ")).replace("\u2019", "'")


def glossary_entries(html: Path) -> dict[str, str]:
    glossary = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    return {
        term.get_text().rstrip("#").strip(): re.sub(
            r"\s+", " ", term.find_next_sibling("dd").get_text()
        )
        for term in glossary.select("dl.glossary dt")
    }


@pytest.mark.site
def test_the_built_pages_state_the_corrected_facts(built_site):
    html = built_site.html
    assert built_site.returncode == 0, built_site.output[-3000:]

    nifti = visible_text(html / "medical-imaging" / "nifti.html")
    assert "opposite byte order to its own machine's" in nifti
    assert "knows the file is big-endian" not in nifti
    header = nib.Nifti1Header()
    header.set_data_shape((64, 64, 20))
    header.set_zooms((3.0, 3.0, 5.0))
    base = re.sub(r"\s+", " ", str(header.get_base_affine()))
    assert "qform_code 0 | sform_code 0" in nifti
    assert base in nifti, "the executed cell should print nibabel's base affine"
    assert "axis codes: ('L', 'A', 'S')" in nifti

    terms = glossary_entries(html / "glossary.html")
    assert all(word in terms["RIS"] for word in ("modalities", "worklist", "C-FIND", "HL7"))
    assert "gives PACS the worklist" not in terms["RIS"]
    assert all(word in terms["qform"] for word in ("qfac", "translation", "shear"))
    assert "+55 to +65" in terms["Hounsfield unit"]
    assert "portal-venous" in terms["Hounsfield unit"]
    assert "vendor-neutral and shared" in terms["VNA"]
    assert "separate matter" in terms["VNA"]

    chapter = BeautifulSoup((html / "medical-imaging" / "index.html").read_text(), "html.parser")
    recommending = next(p for p in chapter.select("article p") if "highly recommended" in p.text)
    links = {a["href"] for a in recommending.find_next_sibling("ul").select("a")}
    assert {
        "https://radiologykey.com/general-anatomy-and-radiographic-positioning-terminology/",
        "https://radiopaedia.org/articles/anatomical-position?lang=us",
    } <= links
    assert "anatomy" in recommending.text

    card = visible_text(html / "datasets" / "siim.html")
    reproduced = card[card.index("What the stand-in reproduces") : card.index("What it does not")]
    assert "without a file" not in reproduced
    assert "planted for the exercise, not a known quirk of the real CSV" in card

    datasets = visible_text(html / "medical-imaging" / "datasets.html")
    for fact in ("ChestX-ray14", "Secondary Capture", "3D-IRCADb", "Task03_Liver",
                 "stage_2_train.csv labels the stage-1 training and test images"):  # fmt: skip
        assert fact in datasets, fact

    syllabus = BeautifulSoup((html / "medical-imaging" / "index.html").read_text(), "html.parser")
    rows = [
        [cell.get_text(strip=True) for cell in row.select("td")]
        for row in syllabus.select("table.reading-syllabus tbody tr")
    ]
    minutes = [[int(re.sub(r"\D", "", cell) or 0) for cell in row[1:3]] for row in rows]
    assert [sum(column) for column in zip(*minutes[:-1], strict=True)] == minutes[-1]
    assert minutes[-1][1] == 63, "the seed's linked reading"

    exercise = visible_text(html / "medical-imaging" / "exercises" / "siim.html")
    exercise = exercise[exercise.index("original shape (") :]  # the cell's output, not its code
    found = dict(
        re.findall(
            r"(re-encoded copy|another film) shape .*? hash bits that differ: +(\d+)", exercise
        )
    )
    correlations = dict(
        re.findall(r"(re-encoded copy|another film) shape .*? correlation: ([\d.]+)", exercise)
    )
    assert int(found["re-encoded copy"]) <= 4 < int(found["another film"])
    assert float(correlations["re-encoded copy"]) >= 0.99 > float(correlations["another film"])
