"""Reference solution of the toy exercise (the grader's tests)."""

from pathlib import Path

import numpy as np
import pandas as pd


def _values(root) -> pd.DataFrame:
    return pd.read_csv(Path(root) / "values.csv")


def total(root) -> float:
    """Sum of all values."""
    return float(_values(root)["value"].sum())


def stats(root) -> dict:
    """Number of rows and the ids whose value is above 0.5."""
    values = _values(root)
    return {"count": len(values), "ids_over_half": sorted(values[values["value"] > 0.5]["id"])}


def table(root) -> pd.DataFrame:
    """One row per id: value and twice the value."""
    values = _values(root)
    return values.assign(doubled=2 * values["value"])


def grid(root) -> np.ndarray:
    """The first six values as a 2 x 3 array."""
    return _values(root)["value"].to_numpy()[:6].reshape(2, 3)


def lookup(root, item_id: str) -> float:
    """The value of ``item_id``."""
    values = _values(root)
    return float(values.loc[values["id"] == item_id, "value"].iloc[0])
