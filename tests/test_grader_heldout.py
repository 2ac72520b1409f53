"""Held-out data follows the generator: a cached folder written by an older generator version
is written anew, so held-out checks meet every planted problem the sample has."""

import json

from imaging_course.datasets.siim.generate import SIIM_GENERATOR_VERSION
from imaging_course.datasets.stamp import read_stamp, stamp_path
from imaging_course.grader.course import course_table
from imaging_course.grader.heldout import heldout_root


def test_a_held_out_folder_of_an_older_generator_is_written_anew(tmp_path):
    root = heldout_root(course_table(), "siim", tmp_path)
    first = read_stamp(root)
    stamp = json.loads(stamp_path(root).read_text(encoding="utf-8"))
    stamp_path(root).write_text(json.dumps({**stamp, "version": "0"}), encoding="utf-8")

    again = heldout_root(course_table(), "siim", tmp_path)

    assert again == root
    assert read_stamp(root) == first  # same seed, current generator
    assert first.version == SIIM_GENERATOR_VERSION


def signatures(root):
    """What a rewrite of any file would change: inode, mode, size and times."""
    return {
        path: (stat.st_ino, stat.st_mode, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        for path in root.rglob("*")
        for stat in [path.lstat()]
    }


def test_a_current_held_out_folder_is_kept_as_it_is(tmp_path):
    root = heldout_root(course_table(), "siim", tmp_path)
    written = signatures(root)

    heldout_root(course_table(), "siim", tmp_path)

    assert signatures(root) == written
