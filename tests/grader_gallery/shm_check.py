# toy_more: fails if the call before it left a file in /dev/shm
from pathlib import Path


def count(root):
    leftovers = sorted(path.name for path in Path("/dev/shm").iterdir())
    if leftovers:
        raise RuntimeError(f"left in /dev/shm: {leftovers}")
    return len((Path(root) / "values.csv").read_text(encoding="utf-8").splitlines()) - 1
