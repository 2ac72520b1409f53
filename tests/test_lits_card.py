"""The LiTS dataset card's code cells, run for real in a Jupyter kernel as `make html` runs
them, on a folder without MANIFEST.json (what a real download or a held-out copy looks like)."""

import json
import re
from pathlib import Path

import pytest

from imaging_course.datasets.lits.generate import generate_lits
from imaging_course.datasets.paths import REPO_ROOT
from imaging_course.datasets.registry import DATASETS

CARD = REPO_ROOT / "docs" / "datasets" / "lits.md"
LITS_ENV = DATASETS["lits"].env_var


@pytest.fixture(scope="module")
def held_out_lits(tmp_path_factory) -> Path:
    """A tiny stand-in generated without its manifest: what the card meets on real data."""
    root = tmp_path_factory.mktemp("card") / "lits"
    generate_lits(root, scale="tiny", seed=0, progress=False, manifest=False)
    assert not (root / "MANIFEST.json").exists()
    return root


def test_the_card_counts_the_manifest_of_a_stand_in(tmp_path, monkeypatch, run_card):
    generate_lits(tmp_path, scale="tiny", seed=0, progress=False)
    monkeypatch.setenv(LITS_ENV, str(tmp_path))

    glued = run_card(CARD)

    assert "its MANIFEST.json lists" in glued["lits_planted_source"]
    assert glued["lits_extreme_range"] == glued["lits_tumour_free"] == "1"


def test_the_card_builds_on_a_folder_without_manifest(
    held_out_lits, tmp_path, monkeypatch, run_card
):
    monkeypatch.setenv(LITS_ENV, str(held_out_lits))

    glued = run_card(CARD)

    used = set(re.findall(r"\{glue:text\}`(\w+)`", CARD.read_text(encoding="utf-8")))
    assert used <= set(glued), f"glued nowhere: {used - set(glued)}"
    assert "has no MANIFEST.json" in glued["lits_planted_source"]
    # The headers show what the generator's manifest lists for the same seed and scale.
    manifest = tmp_path / "with-manifest"
    generate_lits(manifest, scale="tiny", seed=0, progress=False)
    listed = json.loads((manifest / "MANIFEST.json").read_text(encoding="utf-8"))["counts"]
    header_kinds = ("affine_mismatch", "float_volume", "scaled_volume", "float_segmentation")
    assert {kind: glued[f"lits_{kind}"] for kind in header_kinds} == {
        kind: str(listed[kind]) for kind in header_kinds
    }
    assert glued["lits_thin_slices"] == "0"  # tiny slices are coarse
    voxel_kinds = ("extreme_range", "tumour_free", "isodense_tumours", "touching_lesions")
    assert {glued[f"lits_{kind}"] for kind in voxel_kinds} == {"'not counted'"}
    assert glued["lits_storages"] == "'1 float32, 2 int16, 1 int16 scaled'"
