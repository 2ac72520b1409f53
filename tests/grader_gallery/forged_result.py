"""Replaces toy_eda.py: ``total`` writes its own result file and ends the process.

It guesses the runner's layout (the result folder beside the working folder) and writes a
result that claims success, plus a pickled array, then exits before the runner writes.
"""

import json
import os
import pickle
from pathlib import Path

from toy_eda_base import grid, lookup, stats, table  # noqa: F401  (graded as they are)


def total(root):
    out = Path.cwd().parent / "out"
    (out / "array-0.npy").write_bytes(pickle.dumps(object))
    forged = {"status": "ok", "nonce": "0" * 32, "value": {"t": "ndarray", "file": "array-0.npy"}}
    (out / "result.json").write_text(json.dumps(forged))
    os._exit(0)
