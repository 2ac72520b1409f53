"""The guard on its own: what it sees, what it puts back, and how it marks damaged data.

Real files in a temporary folder stand for the course package (protected) and a dataset
(watched); each test changes them the way learner code could and asks the guard.
"""

import os
from pathlib import Path

import pytest

from imaging_course.datasets.generation import STAMP_NAME
from imaging_course.grader.integrity import DAMAGE_MARK, Guard, damage_note


@pytest.fixture
def course(tmp_path) -> tuple[Path, Path]:
    package = tmp_path / "package"
    (package / "__pycache__").mkdir(parents=True)
    (package / "layout.py").write_text("def read():\n    return 1\n")
    (package / "__pycache__" / "layout.cpython-311.pyc").write_bytes(b"\x00compiled")
    data = tmp_path / "data"
    data.mkdir()
    (data / "values.csv").write_text("id,value\na,1\n")
    return package, data


def test_protected_files_are_put_back_bytes_mode_and_all(course):
    package, data = course
    guard = Guard([package], [data])
    layout = package / "layout.py"
    layout.write_text(layout.read_text() + "import os\n")
    compiled = package / "__pycache__" / "layout.cpython-311.pyc"
    mode = compiled.stat().st_mode
    compiled.chmod(0o777)
    (package / "planted.py").symlink_to(layout)
    (package / "__pycache__" / "planted.cpython-311.pyc").write_bytes(b"evil")

    assert sorted(Path(p).name for p in guard.changes()) == [
        "layout.cpython-311.pyc",
        "layout.py",
        "planted.cpython-311.pyc",
        "planted.py",
    ]
    guard.restore()
    assert guard.changes() == []
    assert layout.read_text() == "def read():\n    return 1\n"
    assert compiled.stat().st_mode == mode
    assert not (package / "planted.py").is_symlink()
    assert not (data / DAMAGE_MARK).exists()


def test_data_rewritten_with_its_old_time_is_seen_and_marked(course):
    package, data = course
    (data / STAMP_NAME).write_text("{}")  # data the course generated
    csv = data / "values.csv"
    guard = Guard([package], [data])
    before = csv.stat()
    csv.write_text("id,value\na,2\n")
    os.utime(csv, ns=(before.st_atime_ns, before.st_mtime_ns))  # hides the write from mtime

    assert guard.changes() == [str(csv)]
    assert damage_note(data) is None
    guard.restore()
    assert guard.changes() == []  # blamed once, on the call that did it
    assert "values.csv" in damage_note(data)
    assert "regenerate it" in damage_note(data)


def test_damage_to_a_real_download_is_not_answered_with_make_data(course):
    package, data = course  # no stamp of the course's generator: a real download
    guard = Guard([package], [data])
    (data / "values.csv").write_text("id,value\na,2\n")

    guard.restore()

    assert "regenerate" not in damage_note(data)
    assert "restore them from it" in damage_note(data)
    assert str(data / DAMAGE_MARK) in damage_note(data)
