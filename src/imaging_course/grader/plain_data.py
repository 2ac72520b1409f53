"""Plain data to and from JSON and ``.npy`` files, never pickle: the codec of every result.

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

Values that cannot be compared are refused on both sides with a message naming them: an int
beyond the range of a float (``10**400``), a string that is not valid Unicode. Dict, list and
tuple subclasses (``Counter``, ``OrderedDict``, ``defaultdict``, named tuples) travel as plain
dicts and lists. What a call returns may not exceed a byte budget (the JSON file and the
arrays together); the grader checks the sizes on disk before it loads anything.
"""

import json
import math
import os
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

RESULT_FILE = "result.json"
"""The file the sandbox child writes last; its presence means the call returned."""

MAX_JSON_BYTES = 64 * 2**20
MAX_DEPTH = 32
MAX_NODES = 5_000_000
ARRAY_NAME = re.compile(r"(?:[a-z0-9_]{1,64}-)?array-[0-9]{1,6}\.np[yz]")
ARRAY_KINDS = "biuf"
"""NumPy dtype kinds a result array may have: bool, signed and unsigned integer, float."""

CELL_TYPES = (type(None), bool, int, float, str)
LARGEST_INT = int(sys.float_info.max)
"""Ints beyond this cannot become floats, so no tolerance can compare them."""


def megabytes(size: int) -> str:
    """``size`` bytes in MB, for messages."""
    return f"{size / 2**20:,.1f} MB" if size < 10 * 2**20 else f"{size / 2**20:,.0f} MB"


class PlainDataError(ValueError):
    """A value that is not plain data, or a result file that is malformed or forged."""


def encode(
    value: Any, folder: Path, prefix: str = "", *, compress: bool = False, budget: int | None = None
) -> dict:
    """Turn ``value`` into a JSON-ready tree, writing arrays as ``.npy`` files into ``folder``.

    Array files are named ``<prefix>array-<n>.npy``; a prefix (lower-case letters, digits and
    underscores, ending in ``-``) lets several trees share one folder. ``compress`` writes
    ``.npz`` files instead (the stored references: a mostly empty mask shrinks 100-fold).

    Runs in the sandbox child. Raises :class:`PlainDataError` naming the first value that is not
    plain data (numbers, str, bool, None, list, tuple, dict, NumPy array, pandas DataFrame), or
    the array that would take the arrays beyond ``budget`` bytes.
    """
    suffix = "npz" if compress else "npy"
    names = (f"{prefix}array-{n}.{suffix}" for n in range(10**6))
    room = [math.inf if budget is None else budget, budget]
    return _encode(value, folder, (names, room), "result", 0)


def _encode(value: Any, folder: Path, state: tuple, where: str, depth: int) -> dict:
    names, room = state
    if depth > MAX_DEPTH:
        raise PlainDataError(f"{where}: nested deeper than {MAX_DEPTH} levels")
    node = _encode_scalar(value, where)
    if node is not None:
        return node
    if isinstance(value, list | tuple):  # named tuples too, read as plain sequences
        items = list.__iter__(value) if isinstance(value, list) else tuple.__iter__(value)
        return {
            "t": "list",
            "v": [
                _encode(item, folder, state, f"{where}[{i}]", depth + 1)
                for i, item in enumerate(items)
            ],
        }
    if isinstance(value, dict):  # Counter, OrderedDict, defaultdict: read as a plain dict
        pairs = []
        for key, item in dict.items(value):
            key_node = _encode_scalar(key, f"{where} key")
            if key_node is None or key_node["t"] not in ("str", "int"):
                raise PlainDataError(f"{where}: dict key {key!r} is not a str or an int")
            item_node = _encode(item, folder, state, f"{where}[{key!r}]", depth + 1)
            pairs.append([key_node, item_node])
        return {"t": "dict", "v": pairs}
    if type(value) is np.ndarray:
        if value.dtype.kind not in ARRAY_KINDS:
            raise PlainDataError(f"{where}: array of dtype {value.dtype} (numbers or bool only)")
        room[0] -= value.nbytes
        if room[0] < 0:
            raise PlainDataError(
                f"{where}: an array of {megabytes(value.nbytes)}; a call may return at most "
                f"{megabytes(room[1])} in all"
            )
        name = next(names)
        if name.endswith(".npz"):
            np.savez_compressed(folder / name, array=value)
        else:
            np.save(folder / name, np.ascontiguousarray(value), allow_pickle=False)
        return {"t": "ndarray", "file": name}
    if _is_dataframe(value):
        return _encode_dataframe(value, where)
    raise PlainDataError(
        f"{where}: a {type(value).__module__}.{type(value).__qualname__} is not plain data "
        "(return numbers, str, bool, None, lists, dicts, NumPy arrays or pandas DataFrames)"
    )


def _encode_scalar(value: Any, where: str) -> dict | None:
    kind = type(value)
    if value is None:
        return {"t": "none"}
    if kind is bool or kind is np.bool_:
        return {"t": "bool", "v": bool(value)}
    if kind is int or isinstance(value, np.integer):
        return {"t": "int", "v": comparable_int(int(value), where)}
    if kind is float or isinstance(value, np.floating):
        return {"t": "float", "v": float(value)}
    if kind is str or kind is np.str_:
        return {"t": "str", "v": valid_text(str(value), where)}
    return None


def comparable_int(value: int, where: str) -> int:
    """``value`` if a float can hold it (so that tolerances can compare it), else an error."""
    if -LARGEST_INT <= value <= LARGEST_INT:
        return value
    raise PlainDataError(
        f"{where}: an int of {len(str(abs(value)))} digits, beyond what a float can hold "
        "(about 1.8e308): no tolerance can compare it"
    )


def valid_text(value: str, where: str) -> str:
    """``value`` if it is valid Unicode (no lone surrogate), else an error."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PlainDataError(
            f"{where}: a str that is not valid Unicode (a lone surrogate)"
        ) from None
    return value


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
            raise PlainDataError(f"{where}: column name {name!r} is not a str")
        column = frame.iloc[:, position]
        cells = []
        for cell in column.tolist():
            if cell is pd.NA or cell is pd.NaT:
                cell = None  # noqa: PLW2901  (missing values become None)
            node = _encode_scalar(cell, f"{where}[{name!r}]")
            if node is None:
                raise PlainDataError(
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
        raise PlainDataError(f"{path.name}: missing or not a regular file")
    if path.stat().st_size > limit:
        raise PlainDataError(f"{path.name}: larger than {megabytes(limit)}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:  # ValueError: also an int of 5,000 digits
        raise PlainDataError(f"{path.name}: not valid JSON ({exc})") from None


def read_result(folder: Path, budget: int) -> dict:
    """Read the result file of one sandbox call (grader side); the tree is not decoded yet.

    The sizes of everything the call left in ``folder`` are checked first: more than
    ``budget`` bytes in all is refused before any byte is loaded.
    """
    sizes = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False):
                sizes[entry.name] = entry.stat(follow_symlinks=False).st_size
    if sizes.get(RESULT_FILE, 0) > budget:
        raise PlainDataError(
            f"the returned value takes {megabytes(sizes[RESULT_FILE])} as numbers, text, lists, "
            f"dicts and tables; a call may return at most {megabytes(budget)}"
        )
    if sum(sizes.values()) > budget:
        largest = max(sizes, key=sizes.get)
        raise PlainDataError(
            f"the call left {megabytes(sum(sizes.values()))} to return ({largest}: "
            f"{megabytes(sizes[largest])}); a call may return at most {megabytes(budget)}"
        )
    payload = read_json_file(folder / RESULT_FILE)
    if type(payload) is not dict:
        raise PlainDataError(f"{RESULT_FILE}: not a JSON object")
    return payload


def decode(node: Any, folder: Path, *, trusted_npz: bool = False) -> Any:
    """Rebuild plain data from a tree written by :func:`encode`, checking every node's type.

    ``folder`` holds the ``.npy`` files the tree names. Raises :class:`PlainDataError` on the first
    node that does not match the format, so a forged or damaged file never reaches a comparison.
    """
    budget = [MAX_NODES, trusted_npz]
    return _decode(node, folder, budget, 0, "result")


SCALAR_TAGS = {"bool": (bool,), "int": (int,), "float": (float, int), "str": (str,)}


def _decode(node: Any, folder: Path, budget: list, depth: int, where: str) -> Any:
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise PlainDataError("result tree too large or too deep")
    if type(node) is not dict or type(node.get("t")) is not str:
        raise PlainDataError(f"{where}: result node without a type tag")
    tag, value = node["t"], node.get("v")
    if tag == "none":
        return None
    if tag in SCALAR_TAGS:
        return _scalar(tag, value, where)
    if tag == "list":
        items = enumerate(_typed(value, list, tag))
        return [_decode(item, folder, budget, depth + 1, f"{where}[{i}]") for i, item in items]
    if tag == "dict":
        result = {}
        for pair in _typed(value, list, tag):
            if type(pair) is not list or len(pair) != 2:
                raise PlainDataError(f"{where}: dict entry is not a [key, value] pair")
            key = _decode(pair[0], folder, budget, depth + 1, f"{where} key")
            if type(key) not in (str, int):
                raise PlainDataError(f"{where}: dict key is not a str or an int")
            result[key] = _decode(pair[1], folder, budget, depth + 1, f"{where}[{key!r}]")
        return result
    if tag == "ndarray":
        return _load_array(node.get("file"), folder, trusted_npz=budget[1])
    if tag == "dataframe":
        return _decode_dataframe(node, where)
    raise PlainDataError(f"{where}: unknown result node type {tag!r}")


def _scalar(tag: str, value: Any, where: str) -> Any:
    value = _typed(value, SCALAR_TAGS[tag], tag)
    if type(value) is int:
        comparable_int(value, where)
    if tag == "float":
        return float(value)
    return valid_text(value, where) if tag == "str" else value


def _typed(value: Any, kinds: type | tuple, tag: str) -> Any:
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    if type(value) not in kinds:
        raise PlainDataError(f"{tag} node holds a {type(value).__name__}")
    return value


def _load_array(name: Any, folder: Path, *, trusted_npz: bool) -> np.ndarray:
    if type(name) is not str or not ARRAY_NAME.fullmatch(name):
        raise PlainDataError(f"array file name {name!r} does not match {ARRAY_NAME.pattern}")
    if name.endswith(".npz") and not trusted_npz:
        raise PlainDataError(f"{name}: compressed arrays are not accepted in results")
    path = folder / name
    if path.is_symlink() or not path.is_file():
        raise PlainDataError(f"{name}: missing or not a regular file")
    try:
        array = np.load(path, allow_pickle=False)
        if name.endswith(".npz"):
            with array as archive:
                array = archive["array"]
    except (ValueError, OSError, EOFError, KeyError) as exc:
        raise PlainDataError(f"{name}: not a plain .npy array ({exc})") from None
    if type(array) is not np.ndarray or array.dtype.kind not in ARRAY_KINDS:
        raise PlainDataError(f"{name}: dtype {getattr(array, 'dtype', '?')} (numbers or bool only)")
    return array


def _decode_dataframe(node: dict, where: str):
    columns, dtypes, data = node.get("columns"), node.get("dtypes"), node.get("data")
    if not (type(columns) is type(dtypes) is type(data) is list):
        raise PlainDataError(f"{where}: dataframe node lacks columns, dtypes or data lists")
    if not (len(columns) == len(dtypes) == len(data)):
        raise PlainDataError(f"{where}: dataframe columns, dtypes and data differ in length")
    if len({len(cells) if type(cells) is list else -1 for cells in data}) > 1:
        raise PlainDataError(f"{where}: dataframe columns of different lengths")
    frame = {}
    for name, dtype, cells in zip(columns, dtypes, data, strict=True):
        if type(name) is not str or type(dtype) is not str or type(cells) is not list:
            raise PlainDataError(f"{where}: dataframe column with a malformed name, dtype or cells")
        if name in frame:
            raise PlainDataError(f"{where}: dataframe column {name!r} appears twice")
        column = f"{where}[{name!r}]"
        for cell in cells:
            if type(cell) not in CELL_TYPES:
                raise PlainDataError(f"{column}: a value that is not plain")
            if type(cell) is int:
                comparable_int(cell, column)
            elif type(cell) is str:
                valid_text(cell, column)
        frame[valid_text(name, where)] = _column(cells, dtype)
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
