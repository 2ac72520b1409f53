"""The Medical Imaging chapter's sources carry what its outline asks for (no build needed).

Fast checks of the MyST sources under ``docs/``: every link of the chapter's outline
(``docs/medical-imaging/outline.toml``) with its title on its page, the cross-reference labels,
the reading figures, the quizzes and the glossary. The full strict build of the site is
``tests/test_site.py``.
"""

import re
from pathlib import Path

import pytest
import yaml

from imaging_course.chapter_outline import ChapterOutline, load_outline

PAGE_NAMES = ("index", "dicom", "nifti", "datasets", "exercises/index", "optional-reading")
QUIZ_PREFIX = {"index": "pacs-", "dicom": "dicom-", "nifti": "nifti-", "datasets": "datasets-"}
MIN_QUIZZES = {"index": 5, "dicom": 20, "nifti": 8, "datasets": 8}

FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
QUIZ_BLOCK = re.compile(
    r"^:::\{quiz\}(?P<question>.*?)\n(?P<body>.*?)^:::$", re.DOTALL | re.MULTILINE
)
CHOICE = re.compile(r"^- \[(?P<mark>[ x])\] .+\n(?P<feedback>  : .+\n)?", re.MULTILINE)
TERM_ROLE = re.compile(r"\{term\}`(?:[^`<]*<(?P<target>[^`>]+)>|(?P<plain>[^`]+))`")


@pytest.fixture(scope="module")
def chapter(repo_root) -> Path:
    """The chapter's folder in the site source."""
    return repo_root / "docs" / "medical-imaging"


@pytest.fixture(scope="module")
def pages(chapter) -> dict[str, str]:
    """The text of each chapter page, by name relative to the chapter folder, without suffix."""
    return {name: (chapter / f"{name}.md").read_text(encoding="utf-8") for name in PAGE_NAMES}


@pytest.fixture(scope="module")
def sources(pages, repo_root) -> str:
    """All chapter pages and the glossary as one text, for presence checks."""
    glossary = (repo_root / "docs" / "glossary.md").read_text(encoding="utf-8")
    return "\n".join([*pages.values(), glossary])


@pytest.fixture(scope="module")
def outline(repo_root) -> ChapterOutline:
    """The chapter's outline, the project's own data (a missing or broken file fails here)."""
    return load_outline(repo_root / "docs" / "medical-imaging" / "outline.toml")


def front_matter(text: str, name: str) -> dict:
    """The YAML front matter of a page (an empty dict when it has none)."""
    match = FRONT_MATTER.match(text)
    if match is None:
        return {}
    data = yaml.safe_load(match.group(1))
    assert isinstance(data, dict), f"{name}.md: front matter is not a mapping"
    return data


def test_the_outline_holds_the_chapters_pages_links_and_times(outline):
    assert [page.doc for page in outline.pages] == [f"medical-imaging/{n}" for n in PAGE_NAMES]
    titles = {link.title for link in outline.links()}
    assert {"Picture Archiving and Communication System", "Pydicom", "NiBabel"} <= titles
    assert {"Liver Tumor Segmentation", "Images and memory", "`pixel_array`"} <= titles
    assert len(outline.links()) >= 24
    assert all(link.url.startswith("https://") for link in outline.links())
    assert set(outline.labels) == {"chap-medical-imaging", "mi_nifti", "mi_exercises"}


def test_every_outline_link_is_on_its_page_with_its_title(outline, pages):
    missing = [
        f"{page.doc}.md: [{link.title}]({link.url})"
        for page in outline.pages
        for link in page.links
        if f"[{link.title}]({link.url})" not in pages[page.doc.removeprefix("medical-imaging/")]
    ]
    assert missing == []


def test_the_book_is_cited_with_its_author_and_isbn(outline, pages):
    [book] = outline.page("medical-imaging/optional-reading").books
    optional = pages["optional-reading"]
    assert book.title in optional
    assert f"ISBN {book.isbn}" in optional
    assert book.author.split()[-1] in optional


@pytest.mark.parametrize(
    ("label", "page"),
    [("chap-medical-imaging", "index"), ("mi_nifti", "nifti"), ("mi_exercises", "exercises/index")],
)
def test_each_chapter_label_is_defined_once_above_its_page_title(label, page, pages, repo_root):
    assert re.search(rf"^\({re.escape(label)}\)=\n# ", pages[page], re.MULTILINE), page
    everywhere = "\n".join(p.read_text(encoding="utf-8") for p in repo_root.glob("docs/**/*.md"))
    assert everywhere.count(f"({label})=") == 1


def test_the_chapter_toctree_lists_the_sections_in_order(pages):
    toctree = re.search(r"```\{toctree\}\n(?::[^\n]*\n)*\n?(.*?)```", pages["index"], re.DOTALL)
    assert toctree is not None, "index.md: no toctree"
    entries = toctree.group(1).split()
    assert entries == ["dicom", "nifti", "datasets", "exercises/index", "optional-reading"]


def test_the_chapters_reading_minutes_are_its_own_and_add_up(outline):
    minutes = {
        name: outline.page(f"medical-imaging/{name}").linked_reading_minutes
        for name in ("index", "dicom", "nifti", "datasets")
    }
    assert minutes == {"index": 6, "dicom": 13, "nifti": 9, "datasets": 35}
    assert outline.linked_reading_total == sum(minutes.values()) == 63


def test_reading_figures_live_in_the_outline_not_in_front_matter(pages):
    keys = ("linked_reading_minutes", "linked_reading_total", "exercise_days")
    declared = [
        (name, k) for name, text in pages.items() for k in keys if k in front_matter(text, name)
    ]
    assert declared == []


def test_the_exercises_page_states_the_task_and_its_days(outline, pages):
    exercises = pages["exercises/index"]
    assert outline.page("medical-imaging/exercises/index").exercise_days == 2.5
    assert "exploratory data analysis (EDA) of the two datasets" in exercises
    assert "2.5 days of work" in exercises


def test_the_chapter_page_shows_the_syllabus(pages):
    assert re.search(r"^```\{reading-syllabus\}\n```$", pages["index"], re.MULTILINE)


def test_executed_pages_declare_a_kernel_and_every_glued_figure_has_alt_text(pages):
    for name, text in pages.items():
        if "{code-cell}" not in text:
            continue
        matter = front_matter(text, name)
        assert matter.get("file_format") == "mystnb", f"{name}.md: code cells need mystnb"
        assert matter.get("kernelspec", {}).get("name") == "python3", f"{name}.md: no kernel"
        figures = re.findall(r"```\{glue:figure\}[^\n]*\n((?::[^\n]*\n)*)", text)
        assert figures, f"{name}.md: executed page without a figure"
        assert all(":alt: " in options for options in figures), f"{name}.md: figure without alt"


def quizzes_of(text: str) -> list[dict[str, str]]:
    """Each quiz block of a page: its question, options and the body below the options."""
    found = []
    for block in QUIZ_BLOCK.finditer(text):
        body = block.group("body")
        options = dict(re.findall(r"^:([a-z]+): (.*)$", body, re.MULTILINE))
        found.append({"question": block.group("question").strip(), "body": body, **options})
    return found


def test_each_page_has_enough_quizzes_with_ids_prefixed_by_the_page(pages):
    ids = []
    for name, prefix in QUIZ_PREFIX.items():
        quizzes = quizzes_of(pages[name])
        assert len(quizzes) >= MIN_QUIZZES[name], f"{name}.md: only {len(quizzes)} quizzes"
        assert [q["id"] for q in quizzes if not q["id"].startswith(prefix)] == [], name
        ids += [q["id"] for q in quizzes]
    assert len(ids) >= 50
    assert len(ids) == len(set(ids)), "duplicate quiz ids"


def test_every_quiz_is_well_formed_with_hint_explanation_and_feedback(pages):
    kinds = set()
    for name in QUIZ_PREFIX:
        for quiz in quizzes_of(pages[name]):
            where = f"{name}.md, quiz {quiz['id']}"
            kind = quiz.get("kind", "single")
            kinds.add(kind)
            assert quiz["question"], where
            assert quiz.get("hint"), where
            assert quiz.get("explanation"), where
            choices = list(CHOICE.finditer(quiz["body"]))
            if kind == "numeric":
                assert re.fullmatch(r"-?\d+(\.\d+)?", quiz["answer"]), where
                assert quiz.get("unit"), where
                assert re.fullmatch(r"\d+(\.\d+)?%?", quiz["tolerance"]), where
                assert choices == [], where
                continue
            right = [c for c in choices if c["mark"] == "x"]
            assert len(choices) >= 3, where
            assert len(right) == 1 if kind == "single" else len(right) >= 2, where
            wrong_without_feedback = [c for c in choices if c["mark"] == " " and not c["feedback"]]
            assert wrong_without_feedback == [], where
    assert kinds == {"single", "multiple", "numeric"}


def test_the_glossary_defines_the_required_terms_and_every_reference_resolves(sources, repo_root):
    glossary = (repo_root / "docs" / "glossary.md").read_text(encoding="utf-8")
    block = re.search(r"```\{glossary\}\n(.*?)```", glossary, re.DOTALL)
    assert block is not None, "glossary.md: no glossary directive"
    terms = {term.lower() for term in re.findall(r"^(\S[^\n]*)$", block.group(1), re.MULTILINE)}
    terms.discard(":sorted:")
    assert len(terms) >= 30
    required = {
        "pacs", "dicom", "nifti", "uid", "sop instance", "study", "series", "modality", "tag",
        "vr", "vm", "transfer syntax", "preamble", "file meta information", "pixel data",
        "hounsfield unit", "affine", "voxel", "qform", "sform", "ras", "lps", "axial plane",
        "sagittal plane", "coronal plane", "pa projection", "ap projection",
        "de-identification", "annotation", "segmentation mask", "rle", "window/level",
        "modality lut", "photometric interpretation", "pixel padding value",
        "imager pixel spacing", "image position and orientation", "data leakage",
        "secondary capture",
    }  # fmt: skip
    assert sorted(required - terms) == []
    referenced = {
        (match["target"] or match["plain"]).strip().lower() for match in TERM_ROLE.finditer(sources)
    }
    assert sorted(referenced - terms) == []
    assert len(referenced) >= 25, "pages should link their terms to the glossary"
