# toy_eda: containers that are plain data under another name, and a NaN
import math
from collections import Counter, OrderedDict, namedtuple

from toy_eda_base import _values, table, total  # noqa: F401  (graded as they are)

Row = namedtuple("Row", "id value")


def stats(root):
    values = _values(root)
    over_half = Counter(values[values["value"] > 0.5]["id"])
    return OrderedDict(count=len(values), ids_over_half=sorted(over_half))


def grid(root):
    rows = [Row(*row) for row in _values(root).itertuples(index=False)]
    return [[row.value for row in rows[:3]], [row.value for row in rows[3:6]]]


def lookup(root, item_id):
    return math.nan
