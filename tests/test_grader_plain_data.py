"""The result codec: plain data survives the trip, anything else is refused on either side."""

import json
import math
import pickle

import numpy as np
import pandas as pd
import pytest

from imaging_course.grader.plain_data import PlainDataError, decode, encode, read_result


def round_trip(value, folder):
    tree = json.loads(json.dumps(encode(value, folder)))
    return decode(tree, folder)


def test_plain_data_round_trips(tmp_path):
    frame = pd.DataFrame(
        {"image_id": ["a", "b"], "age": [38.0, math.nan], "rows": [1024, 512], "ok": [True, False]}
    )
    value = {
        "count": np.int64(3),
        "share": np.float32(0.5),
        "nothing": None,
        "ids": ("x", "y"),
        7: [1.5, math.nan],
        "mask": np.eye(3, dtype=np.uint8) * 255,
        "table": frame,
    }
    back = round_trip(value, tmp_path)
    assert type(back["count"]) is int
    assert back["count"] == 3
    assert back["share"] == 0.5
    assert back["nothing"] is None
    assert back["ids"] == ["x", "y"]
    assert back[7][0] == 1.5
    assert math.isnan(back[7][1])
    assert back["mask"].dtype == np.uint8
    assert np.array_equal(back["mask"], np.eye(3) * 255)
    table = back["table"]
    assert list(table.columns) == ["image_id", "age", "rows", "ok"]
    assert table["rows"].dtype == np.int64
    assert table["age"].tolist()[0] == 38.0
    assert math.isnan(table["age"].tolist()[1])
    assert table["ok"].tolist() == [True, False]


def test_a_named_index_comes_back_as_columns(tmp_path):
    frame = pd.DataFrame({"view": ["AP", "PA", "AP"], "age": [30.0, 40.0, 50.0]})
    by_view = frame.groupby("view")["age"].mean().to_frame("mean_age")
    back = round_trip({"set": frame.set_index("view"), "grouped": by_view}, tmp_path)
    assert back["set"].to_dict("list") == {"view": ["AP", "PA", "AP"], "age": [30.0, 40.0, 50.0]}
    assert back["grouped"].to_dict("list") == {"view": ["AP", "PA"], "mean_age": [40.0, 40.0]}
    unnamed = frame[frame["age"] > 35]  # index 1, 2: not part of the answer
    assert list(round_trip(unnamed, tmp_path).columns) == ["view", "age"]
    clash = frame.set_index(frame["view"].rename("view"))  # index named like a column
    assert list(round_trip(clash, tmp_path).columns) == ["view", "age"]


class EqualToEverything(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


@pytest.mark.parametrize(
    "value",
    [
        EqualToEverything(1.0),
        {1, 2},
        np.array([object()], dtype=object),
        pd.Series([1, 2]),
        {(1, 2): "tuple key"},
        [pd.Timestamp("2020-01-01")],
    ],
    ids=["eq-always-true", "set", "object-array", "series", "tuple-key", "timestamp"],
)
def test_encode_refuses_what_is_not_plain_data(tmp_path, value):
    with pytest.raises(PlainDataError, match=r"^result"):
        encode(value, tmp_path)


def test_decode_refuses_a_pickled_array(tmp_path):
    (tmp_path / "array-0.npy").write_bytes(pickle.dumps(np.arange(3)))
    with pytest.raises(PlainDataError, match=r"array-0\.npy: not a plain \.npy array"):
        decode({"t": "ndarray", "file": "array-0.npy"}, tmp_path)
    np.save(tmp_path / "array-1.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(PlainDataError, match=r"array-1\.npy"):
        decode({"t": "ndarray", "file": "array-1.npy"}, tmp_path)


def test_decode_refuses_paths_links_and_unknown_nodes(tmp_path):
    np.save(tmp_path / "array-0.npy", np.arange(3))
    (tmp_path / "array-9.npy").symlink_to(tmp_path / "array-0.npy")
    with pytest.raises(PlainDataError, match="does not match"):
        decode({"t": "ndarray", "file": "../array-0.npy"}, tmp_path)
    with pytest.raises(PlainDataError, match="not a regular file"):
        decode({"t": "ndarray", "file": "array-9.npy"}, tmp_path)
    with pytest.raises(PlainDataError, match="unknown result node type 'pickle'"):
        decode({"t": "pickle", "v": "gASV"}, tmp_path)
    with pytest.raises(PlainDataError, match="int node holds a str"):
        decode({"t": "int", "v": "3"}, tmp_path)
    with pytest.raises(PlainDataError, match="columns of different lengths"):
        decode(
            {"t": "dataframe", "columns": ["a", "b"], "dtypes": ["int64"] * 2, "data": [[1], []]},
            tmp_path,
        )


def test_read_result_refuses_non_json(tmp_path):
    (tmp_path / "result.json").write_bytes(b"\x80\x04not json")
    with pytest.raises(PlainDataError, match=r"result\.json"):
        read_result(tmp_path, 2**20)


def test_what_a_call_returns_is_weighed_before_it_is_loaded(tmp_path):
    with pytest.raises(PlainDataError, match=r"result\['masks'\]\[2\]: an array of 8.0 MB; a call"):
        encode({"masks": [np.zeros(2**20)] * 3}, tmp_path, budget=20 * 2**20)
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    (tmp_path / "result.json").write_text('{"status": "ok", "value": {"t": "none"}}')
    (tmp_path / "array-0.npy").write_bytes(b"\0" * 3 * 2**20)  # left by the call, never named
    with pytest.raises(PlainDataError, match=r"left 3.0 MB to return \(array-0.npy: 3.0 MB\)"):
        read_result(tmp_path, 2**20)
    (tmp_path / "array-0.npy").unlink()
    (tmp_path / "result.json").write_text('{"status": "ok", "value": ' + " " * 2**20 + "1}")
    with pytest.raises(PlainDataError, match=r"takes 1\.0 MB as numbers, text, lists"):
        read_result(tmp_path, 2**20)


def test_dict_and_sequence_subclasses_travel_as_plain_data(tmp_path):
    from collections import Counter, OrderedDict, defaultdict, namedtuple  # noqa: PLC0415

    point = namedtuple("Point", "x y")
    counts = defaultdict(int, {"AP": 2})
    value = {"c": Counter("aab"), "o": OrderedDict(a=1), "d": counts, "p": point(1, 2)}
    back = decode(encode(value, tmp_path), tmp_path)
    assert back == {"c": {"a": 2, "b": 1}, "o": {"a": 1}, "d": {"AP": 2}, "p": [1, 2]}
    assert {type(back[key]) for key in "cod"} == {dict}


def test_compressed_arrays_only_from_the_graders_own_files(tmp_path):
    mask = np.zeros((64, 64), dtype=np.uint8)
    mask[3:9, 5:7] = 255
    tree = encode({"mask": mask}, tmp_path, prefix="decode_rle-", compress=True)
    assert (tmp_path / "decode_rle-array-0.npz").is_file()
    assert np.array_equal(decode(tree, tmp_path, trusted_npz=True)["mask"], mask)
    with pytest.raises(PlainDataError, match="compressed arrays are not accepted"):
        decode(tree, tmp_path)
