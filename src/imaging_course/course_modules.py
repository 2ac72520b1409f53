"""Import the course's exercise and solution modules by file path.

``exercises/`` and ``solutions/`` are folders of learner-facing modules with the same names
(``siim_eda.py`` in both), not packages: importing them by name would make one shadow the other.
The executed exercise pages and the benchmarks load them from their files instead, each under a
name that says where it came from.
"""

import importlib.util
from pathlib import Path
from types import ModuleType

from imaging_course.datasets.paths import REPO_ROOT

SOLUTIONS_DIR = REPO_ROOT / "solutions"
EXERCISES_DIR = REPO_ROOT / "exercises"


def load_course_module(name: str, folder: Path = SOLUTIONS_DIR) -> ModuleType:
    """The module ``<folder>/<name>.py``, imported afresh as ``<folder name>_<name>``."""
    path = Path(folder) / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"{Path(folder).name}_{name}", path)
    if spec is None or spec.loader is None or not path.is_file():
        raise ImportError(f"{path}: no such course module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
