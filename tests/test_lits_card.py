"""The LiTS dataset card's code cells, run for real in a Jupyter kernel as `make html` runs
them, on a folder without MANIFEST.json (what a real download or a held-out copy looks like)."""

import re
from pathlib import Path

import pytest
from myst_nb.core.read import read_myst_markdown_notebook
from myst_nb.ext.glue import GLUE_PREFIX
from nbclient import NotebookClient

from imaging_course.datasets.lits.generate import generate_lits
from imaging_course.datasets.paths import LITS_ENV, REPO_ROOT

CARD = REPO_ROOT / "docs" / "datasets" / "lits.md"


def run_card(card: Path) -> dict[str, str]:
    """Execute ``card``'s code cells in a fresh kernel (which inherits this process's
    environment); return the text of each value the cells glue, by name."""
    notebook = read_myst_markdown_notebook(card.read_text(encoding="utf-8"))
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=300, resources={"metadata": {"path": card.parent}}
    )
    client.execute()
    return {
        output["metadata"]["scrapbook"]["name"]: output["data"][f"{GLUE_PREFIX}text/plain"]
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if "scrapbook" in output.get("metadata", {})
    }


@pytest.fixture(scope="module")
def held_out_lits(tmp_path_factory) -> Path:
    """A tiny stand-in generated without its manifest: what the card meets on real data."""
    root = tmp_path_factory.mktemp("card") / "lits"
    generate_lits(root, scale="tiny", seed=0, progress=False, manifest=False)
    assert not (root / "MANIFEST.json").exists()
    return root


def test_the_card_counts_the_manifest_of_a_stand_in(tmp_path, monkeypatch):
    generate_lits(tmp_path, scale="tiny", seed=0, progress=False)
    monkeypatch.setenv(LITS_ENV, str(tmp_path))

    glued = run_card(CARD)

    assert "its MANIFEST.json lists" in glued["lits_quirk_source"]
    assert glued["lits_extreme_range"] == glued["lits_tumour_free"] == "1"


def test_the_card_builds_on_a_folder_without_manifest(held_out_lits, monkeypatch):
    monkeypatch.setenv(LITS_ENV, str(held_out_lits))

    glued = run_card(CARD)

    used = set(re.findall(r"\{glue:text\}`(\w+)`", CARD.read_text(encoding="utf-8")))
    assert used <= set(glued), f"glued nowhere: {used - set(glued)}"
    assert "has no MANIFEST.json" in glued["lits_quirk_source"]
    assert glued["lits_affine_mismatch"] == "1"  # read from the headers
    assert glued["lits_extreme_range"] == glued["lits_tumour_free"] == "'not counted'"
