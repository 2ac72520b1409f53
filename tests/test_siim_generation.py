"""Generating the SIIM stand-in: determinism, interrupted runs, idempotent reruns, refusals."""

import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from imaging_course.datasets.generation import (
    MANIFEST_NAME,
    GenerationError,
    begin_generation,
    format_bytes,
)
from imaging_course.datasets.siim.generate import generate_siim
from imaging_course.datasets.stamp import Stamp, stamp_path


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("siim-gen") / "reference"
    generate_siim(out, scale="tiny", seed=7, progress=False)
    return out


def test_same_seed_gives_identical_bytes_another_seed_other_ones(reference, tmp_path):
    generate_siim(tmp_path / "again", scale="tiny", seed=7, progress=False)
    generate_siim(tmp_path / "other", scale="tiny", seed=8, progress=False)
    same, other = _hashes(tmp_path / "again"), _hashes(reference)
    assert same == other
    assert len(same) > 30
    different = _hashes(tmp_path / "other")
    assert not set(different.values()) & {
        digest for name, digest in same.items() if name.endswith(".dcm")
    }
    stamp = json.loads(stamp_path(reference).read_text(encoding="utf-8"))
    assert stamp == {"dataset": "siim", "scale": "tiny", "seed": 7, "version": "5"}


def test_killed_generation_is_completed_by_a_rerun(reference, tmp_path):
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "imaging_course.datasets", "generate", "siim"]
    command += ["--scale", "tiny", "--seed", "7", "--out", str(out), "--quiet"]
    process = subprocess.Popen(command)
    deadline = time.monotonic() + 60
    while len(list(out.rglob("*.dcm"))) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.kill()
    process.wait()
    written = list(out.rglob("*.dcm"))
    assert 5 <= len(written) < 30, "the kill should land mid-run"
    assert not stamp_path(out).exists()
    subprocess.run(command, check=True)
    assert _hashes(out) == _hashes(reference)


def test_deleted_files_are_written_again(reference, tmp_path):
    out = tmp_path / "holes"
    generate_siim(out, scale="tiny", seed=7, progress=False)
    victims = sorted(out.rglob("*.dcm"))[::5]
    for victim in victims:
        victim.unlink()
    stamp_path(out).unlink()
    generate_siim(out, scale="tiny", seed=7, progress=False)
    assert _hashes(out) == _hashes(reference)


def test_a_folder_of_an_older_generator_is_written_anew(reference, tmp_path):
    out = tmp_path / "old"
    shutil.copytree(reference, out)
    for path in (stamp_path(out), out / MANIFEST_NAME):
        stamp = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps(stamp | {"version": "0"}), encoding="utf-8")
    stale = sorted(out.rglob("*.dcm"))[3]
    stale.write_bytes(b"written by generator 0")

    generate_siim(out, scale="tiny", seed=7, progress=False)

    assert _hashes(out) == _hashes(reference)


def test_a_second_identical_run_does_nothing(reference):
    before = {path: path.stat().st_mtime_ns for path in reference.rglob("*")}
    start = time.perf_counter()
    generate_siim(reference, scale="tiny", seed=7, progress=False)
    assert time.perf_counter() - start < 0.5
    assert {path: path.stat().st_mtime_ns for path in reference.rglob("*")} == before


def test_a_run_killed_while_writing_its_first_stamp_is_completed(reference, tmp_path):
    out = tmp_path / "killed-early"
    out.mkdir()
    (out / ".generating.x1y2.part").write_text('{"dataset": "si', encoding="utf-8")

    generate_siim(out, scale="tiny", seed=7, progress=False)

    assert _hashes(out) == _hashes(reference)


def test_the_manifest_follows_the_flag_of_each_run_on_a_complete_folder(reference, tmp_path):
    out = tmp_path / "flags"
    generate_siim(out, scale="tiny", seed=7, progress=False)

    generate_siim(out, scale="tiny", seed=7, progress=False, manifest=False)
    assert not (out / "MANIFEST.json").exists()
    assert stamp_path(out).is_file()

    generate_siim(out, scale="tiny", seed=7, progress=False)
    assert _hashes(out) == _hashes(reference)


def test_the_disk_check_counts_only_the_files_still_missing(tmp_path):
    stamp = Stamp("siim", "tiny", 0, "2")
    out = tmp_path / "partial"
    out.mkdir()
    (out / ".generating").write_text(stamp.to_json(), encoding="utf-8")
    (out / "written.dcm").write_bytes(b"already here")
    more_than_free = 10 * shutil.disk_usage(tmp_path).free

    assert begin_generation(out, stamp, {"written.dcm": more_than_free, "missing.dcm": 1000})
    with pytest.raises(GenerationError, match=f"about {format_bytes(more_than_free)} still"):
        begin_generation(out, stamp, {"written.dcm": 1000, "missing.dcm": more_than_free})


@pytest.mark.parametrize(
    ("size", "text"),
    [(48.4e9, "48.4 GB"), (1.7e9, "1.7 GB"), (650e6, "650 MB"), (4.1e6, "4.1 MB"), (12e3, "12 kB")],
)
def test_sizes_read_in_the_unit_that_suits_them(size, text):
    assert format_bytes(size) == text


def test_without_manifest_no_manifest_is_written(tmp_path):
    generate_siim(tmp_path / "held-out", scale="tiny", seed=7, progress=False, manifest=False)
    assert not (tmp_path / "held-out" / "MANIFEST.json").exists()
    assert stamp_path(tmp_path / "held-out").is_file()


def test_a_foreign_folder_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(GenerationError, match=f"{tmp_path} is not empty"):
        generate_siim(tmp_path, scale="tiny", seed=7, progress=False)
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


def test_another_seed_in_our_folder_is_refused(reference):
    with pytest.raises(GenerationError, match="holds siim scale tiny seed 7"):
        generate_siim(reference, scale="tiny", seed=9, progress=False)


def test_another_layout_in_our_folder_is_refused(reference):
    with pytest.raises(GenerationError, match="not siim scale tiny seed 7 in the stage2 layout"):
        generate_siim(reference, scale="tiny", seed=7, progress=False, layout="stage2")
    with pytest.raises(GenerationError, match="unknown layout 'stage3'"):
        generate_siim(reference, scale="tiny", seed=7, progress=False, layout="stage3")


def test_too_little_disk_is_refused_before_writing(tmp_path):
    stamp = Stamp("siim", "tiny", 0, "1")
    with pytest.raises(GenerationError, match="too little disk"):
        begin_generation(tmp_path / "huge", stamp, {"huge.dcm": 10**18})
    assert not (tmp_path / "huge").exists()
