"""``python -m imaging_course.datasets``: help, and one-line errors with exit status 2."""

import subprocess
import sys

import pytest

from imaging_course.datasets.generation import format_bytes
from imaging_course.datasets.lits.cases import plan_lits
from imaging_course.datasets.lits.generate import case_bytes
from imaging_course.datasets.stamp import stamp_path

COMMAND = [sys.executable, "-m", "imaging_course.datasets"]


def _run(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([*COMMAND, *arguments], capture_output=True, text=True, check=False)


def test_help_explains_every_option():
    result = _run("generate", "--help")
    assert result.returncode == 0
    for option in ("--scale", "--seed", "--out", "--quiet", "--no-manifest", "--layout", "siim",
                   "lits", "stage1", "stage2"):  # fmt: skip
        assert option in result.stdout
    assert "byte-identical" in result.stdout


def test_top_level_help_names_generates_options_and_where_they_are_explained():
    result = _run("--help")
    assert result.returncode == 0
    for option in ("--scale", "--seed", "--out", "--quiet", "--no-manifest", "generate --help"):
        assert option in result.stdout


def test_help_gives_the_sizes_the_plans_write():
    help_text = " ".join(_run("generate", "--help").stdout.split())
    sizes = {
        scale: format_bytes(sum(case_bytes(plan) for plan in plan_lits(scale, 0)))
        for scale in ("sample", "full")
    }
    assert sizes == {"sample": "824 MB", "full": "53.7 GB"}
    assert "LiTS 8 cases, about 820 MB" in help_text
    assert "LiTS 131 cases, 53.7 GB for seed 0" in help_text
    full_gb = [
        sum(case_bytes(plan) for plan in plan_lits("full", seed)) / 1e9 for seed in (1, 2, 3)
    ]
    assert all(46 <= size <= 60 for size in full_gb)


def test_a_bad_scale_is_one_line_and_exit_2(tmp_path):
    result = _run("generate", "siim", "--scale", "huge", "--out", str(tmp_path / "x"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: unknown scale 'huge': choose one of tiny, sample, full"
    ]
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("dataset", ["siim", "lits"])
def test_a_negative_seed_is_one_line_and_exit_2(tmp_path, dataset):
    out = tmp_path / "x"
    result = _run("generate", dataset, "--scale", "tiny", "--seed", "-1", "--out", str(out))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: bad seed -1: use a whole number, 0 or more"
    ]
    assert not out.exists()


def test_a_foreign_folder_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "thesis.tex").write_text("keep me", encoding="utf-8")
    result = _run("generate", "siim", "--scale", "tiny", "--out", str(tmp_path), "--quiet")
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert str(tmp_path) in line
    assert "not empty" in line
    assert sorted(path.name for path in tmp_path.iterdir()) == ["thesis.tex"]


def test_generate_writes_a_complete_dataset_quietly(tmp_path):
    out = tmp_path / "siim"
    result = _run("generate", "siim", "--scale", "tiny", "--seed", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no bar off a terminal
    assert stamp_path(out).is_file()
    assert (out / "MANIFEST.json").is_file()
    assert len(list(out.rglob("*.dcm"))) == 30


def test_no_manifest_flag_leaves_it_out(tmp_path):
    out = tmp_path / "held-out"
    result = _run("generate", "siim", "--scale", "tiny", "--out", str(out), "--no-manifest")
    assert result.returncode == 0, result.stderr
    assert not (out / "MANIFEST.json").exists()


def test_a_layout_for_lits_is_one_line_and_exit_2(tmp_path):
    out = tmp_path / "x"
    result = _run("generate", "lits", "--scale", "tiny", "--layout", "stage2", "--out", str(out))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: --layout is for siim: lits has one layout"
    ]
    assert not out.exists()
