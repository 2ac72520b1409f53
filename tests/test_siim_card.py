"""The SIIM dataset card's code cells, run for real in a Jupyter kernel as `make html` runs
them, on a folder without MANIFEST.json (what a real download or a held-out copy looks like)."""

import re
from pathlib import Path

import pytest

from imaging_course.datasets.paths import REPO_ROOT
from imaging_course.datasets.registry import DATASETS
from imaging_course.datasets.siim.generate import generate_siim

CARD = REPO_ROOT / "docs" / "datasets" / "siim.md"
SIIM_ENV = DATASETS["siim"].env_var


@pytest.fixture(scope="module")
def held_out_siim(tmp_path_factory) -> Path:
    """A tiny stand-in generated without its manifest: what the card meets on real data."""
    root = tmp_path_factory.mktemp("card") / "siim"
    generate_siim(root, scale="tiny", seed=5, progress=False, manifest=False)
    assert not (root / "MANIFEST.json").exists()
    return root


def test_the_card_counts_the_manifest_of_a_stand_in(tmp_path, monkeypatch, run_card):
    generate_siim(tmp_path, scale="tiny", seed=5, progress=False)
    monkeypatch.setenv(SIIM_ENV, str(tmp_path))

    glued = run_card(CARD)

    assert "its MANIFEST.json lists" in glued["siim_planted_source"]
    assert glued["siim_no_label_row"] == "1"
    assert glued["siim_reencoded_duplicate"] == glued["siim_shifted_duplicate"] == "1"


def test_the_card_builds_on_a_folder_without_manifest(held_out_siim, monkeypatch, run_card):
    monkeypatch.setenv(SIIM_ENV, str(held_out_siim))

    glued = run_card(CARD)

    used = set(re.findall(r"\{glue:text\}`(\w+)`", CARD.read_text(encoding="utf-8")))
    assert used <= set(glued), f"glued nowhere: {used - set(glued)}"
    assert "has no MANIFEST.json" in glued["siim_planted_source"]
    assert glued["siim_train"] == "24"
    found = {name: int(glued[f"siim_{name}"]) for name in ("truncated", "not_dicom",
             "missing_PatientAge", "duplicate", "age_outlier", "no_label_row",
             "row_without_file")}  # fmt: skip
    assert found == dict.fromkeys(found, 1) | {"age_outlier": 2}
    near = {glued["siim_reencoded_duplicate"], glued["siim_shifted_duplicate"]}
    assert near == {"'not counted'"}  # only decoded pixels show them
    rows, images, most = (int(n) for n in re.findall(r"\d+", glued["siim_rows"]))
    assert rows > images
    assert most >= 3
    shares = glued["siim_mask_range"].strip("'").split(" to ")
    low, high = (float(share.rstrip("%")) for share in shares)
    assert 0.1 <= low < high <= 5  # per cent of the image, as the card says
