# toy_eda: answers taken from the reference solutions, the stored and held-out references, the
# course's own RLE decoder (off limits, even through sys.modules), another learner's folder
import importlib
import json
import sys
from pathlib import Path

from toy_eda_base import _values


def total(root):
    sys.path.insert(0, "{{SOLUTIONS}}")
    from imaging_course.course_modules import load_course_module

    return load_course_module("toy_eda", Path("{{SOLUTIONS}}")).total(root)


def stats(root):
    stored = json.loads((Path("{{REFERENCES}}") / "toy" / "stats.json").read_text())
    return stored["tree"]


def table(root):
    cached = Path("{{CACHE}}") / "heldout-reference" / "toy" / "table.json"
    return json.loads(cached.read_text())


def grid(root):
    sys.modules.pop("imaging_course.datasets.siim.rle", None)
    importlib.import_module("imaging_course.datasets.siim.rle")
    return _values(root)["value"].to_numpy()[:6].reshape(2, 3)


def lookup(root, item_id):
    namespace = {}
    exec((Path("{{OTHER_LEARNER}}") / "toy_eda.py").read_text(), namespace)
    return namespace["lookup"](root, item_id)
