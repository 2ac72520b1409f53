# toy_eda: values that are not plain data, forged result files, patched comparisons, huge values
import json
import math
import os
import pickle
from pathlib import Path

import numpy as np


class EqualToEverything(float):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = float.__hash__


def total(root):
    return EqualToEverything(-1.0)


def stats(root):
    out = Path.cwd().parent / "out"
    (out / "array-0.npy").write_bytes(pickle.dumps(object))
    forged = {"status": "ok", "value": {"t": "ndarray", "file": "array-0.npy"}}
    (out / "result.json").write_text(json.dumps(forged))
    os._exit(0)


def table(root):
    math.isclose = lambda *args, **kwargs: True
    np.isclose = lambda *args, **kwargs: np.True_
    np.allclose = lambda *args, **kwargs: True
    return None


def grid(root):
    return [np.ones(2**20 * 10 // 8) for _ in range(5)]  # five arrays of 10 MB


def lookup(root, item_id):
    return 10**400
