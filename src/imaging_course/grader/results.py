"""The safe result codec: plain data to and from JSON and ``.npy`` files, never pickle.

Learner code runs in a sandbox child; what it returns crosses into the grader only as files
this module writes (child side, :func:`write_result`) and reads back (grader side,
:func:`read_result`). Reading trusts nothing: every node of the JSON tree has a known type
tag, arrays load with ``allow_pickle=False`` and must hold numbers or booleans, file names
must match the pattern the writer uses, sizes are capped. An object whose ``__eq__`` always
says True, or a NumPy subclass, therefore never reaches a comparison: it is either turned into
plain data by :func:`encode` (NumPy scalars become Python numbers) or refused.

The tree uses one tag per node, ``{"t": tag, ...}``:

========== ===========================================================================
tag        payload
========== ===========================================================================
none       (nothing)
bool       ``"v"``: true/false
int        ``"v"``: integer
float      ``"v"``: number, or ``NaN``/``Infinity`` (Python's JSON extension)
str        ``"v"``: text
list       ``"v"``: list of nodes (tuples become lists)
dict       ``"v"``: list of ``[key node, value node]`` pairs (keys: str, int)
ndarray    ``"file"``: ``[<prefix>]array-<n>.npy`` beside the JSON file
dataframe  pandas "split" orientation, by column: ``"columns"`` (names), ``"dtypes"``,
           ``"data"`` (one list of plain cells per column); a named index (``set_index``,
           ``groupby``) comes first as columns, an unnamed one is dropped
========== ===========================================================================
"""

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

RESULT_FILE = "result.json"
"""The file the sandbox child writes last; its presence with the right nonce means a result."""

MAX_JSON_BYTES = 64 * 2**20
MAX_ARRAY_BYTES = 512 * 2**20
MAX_DEPTH = 32
MAX_NODES = 5_000_000
ARRAY_NAME = re.compile(r"(?:[a-z0-9_]{1,64}-)?array-[0-9]{1,6}\.np[yz]")
ARRAY_KINDS = "biuf"
"""NumPy dtype kinds a result array may have: bool, signed and unsigned integer, float."""

CELL_TYPES = (type(None), bool, int, float, str)


class ResultError(ValueError):
    """A value that is not plain data, or a result file that is malformed or forged."""


def encode(value: Any, folder: Path, prefix: str = "", *, compress: bool = False) -> dict:
    """Turn ``value`` into a JSON-ready tree, writing arrays as ``.npy`` files into ``folder``.

    Array files are named ``<prefix>array-<n>.npy``; a prefix (lower-case letters, digits and
    underscores, ending in ``-``) lets several trees share one folder. ``compress`` writes
    ``.npz`` files instead (the stored references: a mostly empty mask shrinks 100-fold).

    Runs in the sandbox child. Raises :class:`ResultError` naming the first value that is not
    plain data (numbers, str, bool, None, list, tuple, dict, NumPy array, pandas DataFrame).
    """
    suffix = "npz" if compress else "npy"
    names = (f"{prefix}array-{n}.{suffix}" for n in range(10**6))
    return _encode(value, folder, names, "result", 0)


def _encode(value: Any, folder: Path, names, where: str, depth: int) -> dict:
    if depth > MAX_DEPTH:
        raise ResultError(f"{where}: nested deeper than {MAX_DEPTH} levels")
    node = _encode_scalar(value)
    if node is not None:
        return node
    if type(value) in (list, tuple):
        return {
            "t": "list",
            "v": [
                _encode(item, folder, names, f"{where}[{i}]", depth + 1)
                for i, item in enumerate(value)
            ],
        }
    if type(value) is dict:
        pairs = []
        for key, item in value.items():
            key_node = _encode_scalar(key)
            if key_node is None or key_node["t"] not in ("str", "int"):
                raise ResultError(f"{where}: dict key {key!r} is not a str or an int")
            pairs.append([key_node, _encode(item, folder, names, f"{where}[{key!r}]", depth + 1)])
        return {"t": "dict", "v": pairs}
    if type(value) is np.ndarray:
        if value.dtype.kind not in ARRAY_KINDS:
            raise ResultError(f"{where}: array of dtype {value.dtype} (numbers or bool only)")
        name = next(names)
        if name.endswith(".npz"):
            np.savez_compressed(folder / name, array=value)
        else:
            np.save(folder / name, np.ascontiguousarray(value), allow_pickle=False)
        return {"t": "ndarray", "file": name}
    if _is_dataframe(value):
        return _encode_dataframe(value, where)
    raise ResultError(
        f"{where}: a {type(value).__module__}.{type(value).__qualname__} is not plain data "
        "(return numbers, str, bool, None, lists, dicts, NumPy arrays or pandas DataFrames)"
    )


def _encode_scalar(value: Any) -> dict | None:
    kind = type(value)
    if value is None:
        return {"t": "none"}
    if kind is bool or kind is np.bool_:
        return {"t": "bool", "v": bool(value)}
    if kind is int or isinstance(value, np.integer):
        return {"t": "int", "v": int(value)}
    if kind is float or isinstance(value, np.floating):
        return {"t": "float", "v": float(value)}
    if kind is str or kind is np.str_:
        return {"t": "str", "v": str(value)}
    return None


def _is_dataframe(value: Any) -> bool:
    return type(value) is pd.DataFrame


def _encode_dataframe(frame, where: str) -> dict:
    if any(name is not None for name in frame.index.names):
        # A learner's ``set_index("view")`` or ``groupby`` keeps the ids in the index: they
        # are part of the answer, so they travel as columns.
        try:
            frame = frame.reset_index()
        except ValueError:  # an index named like one of the columns: the column has it all
            frame = frame.reset_index(drop=True)
    columns, dtypes, data = [], [], []
    for position, name in enumerate(frame.columns):
        if type(name) not in (str, np.str_):
            raise ResultError(f"{where}: column name {name!r} is not a str")
        column = frame.iloc[:, position]
        cells = []
        for cell in column.tolist():
            if cell is pd.NA or cell is pd.NaT:
                cell = None  # noqa: PLW2901  (missing values become None)
            node = _encode_scalar(cell)
            if node is None:
                raise ResultError(
                    f"{where}: column {name!r} holds a {type(cell).__qualname__}, not a plain value"
                )
            cells.append(node.get("v"))
        columns.append(str(name))
        dtypes.append(str(column.dtype))
        data.append(cells)
    return {"t": "dataframe", "columns": columns, "dtypes": dtypes, "data": data}


def write_result(folder: Path, payload: dict) -> None:
    """Write ``payload`` (already encoded) as the call's result file, last of all files."""
    text = json.dumps(payload, allow_nan=True)
    (folder / RESULT_FILE).write_text(text, encoding="utf-8")


def read_json_file(path: Path, limit: int = MAX_JSON_BYTES) -> Any:
    """Read a JSON file the grader did not write itself, refusing links and oversized files."""
    if path.is_symlink() or not path.is_file():
        raise ResultError(f"{path.name}: missing or not a regular file")
    if path.stat().st_size > limit:
        raise ResultError(f"{path.name}: larger than {limit // 2**20} MiB")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultError(f"{path.name}: not valid JSON ({exc})") from None


def read_result(folder: Path) -> dict:
    """Read the result file of one sandbox call (grader side); the tree is not decoded yet."""
    payload = read_json_file(folder / RESULT_FILE)
    if type(payload) is not dict:
        raise ResultError(f"{RESULT_FILE}: not a JSON object")
    return payload


def decode(node: Any, folder: Path, *, trusted_npz: bool = False) -> Any:
    """Rebuild plain data from a tree written by :func:`encode`, checking every node's type.

    ``folder`` holds the ``.npy`` files the tree names. Raises :class:`ResultError` on the first
    node that does not match the format, so a forged or damaged file never reaches a comparison.
    """
    budget = [MAX_NODES, trusted_npz]
    return _decode(node, folder, budget, 0)


SCALAR_TAGS = {"bool": (bool,), "int": (int,), "float": (float, int), "str": (str,)}


def _decode(node: Any, folder: Path, budget: list, depth: int) -> Any:
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise ResultError("result tree too large or too deep")
    if type(node) is not dict or type(node.get("t")) is not str:
        raise ResultError("result node without a type tag")
    tag, value = node["t"], node.get("v")
    if tag == "none":
        return None
    if tag in SCALAR_TAGS:
        value = _typed(value, SCALAR_TAGS[tag], tag)
        return float(value) if tag == "float" else value
    if tag == "list":
        return [_decode(item, folder, budget, depth + 1) for item in _typed(value, list, tag)]
    if tag == "dict":
        result = {}
        for pair in _typed(value, list, tag):
            if type(pair) is not list or len(pair) != 2:
                raise ResultError("dict entry is not a [key, value] pair")
            key = _decode(pair[0], folder, budget, depth + 1)
            if type(key) not in (str, int):
                raise ResultError("dict key is not a str or an int")
            result[key] = _decode(pair[1], folder, budget, depth + 1)
        return result
    if tag == "ndarray":
        return _load_array(node.get("file"), folder, trusted_npz=budget[1])
    if tag == "dataframe":
        return _decode_dataframe(node)
    raise ResultError(f"unknown result node type {tag!r}")


def _typed(value: Any, kinds: type | tuple, tag: str) -> Any:
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    if type(value) not in kinds:
        raise ResultError(f"{tag} node holds a {type(value).__name__}")
    return value


def _load_array(name: Any, folder: Path, *, trusted_npz: bool) -> np.ndarray:
    if type(name) is not str or not ARRAY_NAME.fullmatch(name):
        raise ResultError(f"array file name {name!r} does not match {ARRAY_NAME.pattern}")
    if name.endswith(".npz") and not trusted_npz:
        raise ResultError(f"{name}: compressed arrays are not accepted in results")
    path = folder / name
    if path.is_symlink() or not path.is_file():
        raise ResultError(f"{name}: missing or not a regular file")
    if path.stat().st_size > MAX_ARRAY_BYTES:
        raise ResultError(f"{name}: larger than {MAX_ARRAY_BYTES // 2**20} MiB")
    try:
        array = np.load(path, allow_pickle=False)
        if name.endswith(".npz"):
            with array as archive:
                array = archive["array"]
    except (ValueError, OSError, EOFError, KeyError) as exc:
        raise ResultError(f"{name}: not a plain .npy array ({exc})") from None
    if type(array) is not np.ndarray or array.dtype.kind not in ARRAY_KINDS:
        raise ResultError(f"{name}: dtype {getattr(array, 'dtype', '?')} (numbers or bool only)")
    return array


def _decode_dataframe(node: dict):
    columns, dtypes, data = node.get("columns"), node.get("dtypes"), node.get("data")
    if not (type(columns) is type(dtypes) is type(data) is list):
        raise ResultError("dataframe node lacks columns, dtypes or data lists")
    if not (len(columns) == len(dtypes) == len(data)):
        raise ResultError("dataframe node: columns, dtypes and data differ in length")
    if len({len(cells) if type(cells) is list else -1 for cells in data}) > 1:
        raise ResultError("dataframe node: columns of different lengths")
    frame = {}
    for name, dtype, cells in zip(columns, dtypes, data, strict=True):
        if type(name) is not str or type(dtype) is not str or type(cells) is not list:
            raise ResultError("dataframe column with a malformed name, dtype or cells")
        if name in frame:
            raise ResultError(f"dataframe column {name!r} appears twice")
        if any(type(cell) not in CELL_TYPES for cell in cells):
            raise ResultError(f"dataframe column {name!r} holds a value that is not plain")
        frame[name] = _column(cells, dtype)
    return pd.DataFrame(frame) if frame else pd.DataFrame()


def _column(cells: list, dtype: str):
    """Cells as a NumPy array of the column's numeric dtype when they fit it, else objects."""
    numeric = all(
        cell is None or (type(cell) in (int, float, bool)) for cell in cells
    ) and dtype.startswith(("int", "uint", "float", "bool"))
    if numeric:
        try:
            if dtype.startswith("float"):
                return np.array([math.nan if c is None else c for c in cells], dtype=float)
            if None not in cells:
                return np.array(cells, dtype=dtype)
        except (TypeError, ValueError, OverflowError):
            pass
    return np.array(cells, dtype=object)
