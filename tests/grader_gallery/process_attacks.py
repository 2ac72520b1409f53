# toy_eda: a call that exits, loops, eats memory, floods its output or leaves a process behind
import os
import sys
import time
from pathlib import Path

from toy_eda_base import _values


def total(root):
    sys.exit(0)


def stats(root):
    while True:
        pass


def table(root):
    hoard = [bytearray(2**30) for _ in range(16)]
    return hoard


def grid(root):
    for _ in range(500_000):
        print("flood " * 16)
    chunk = b"x" * 2**20
    for _ in range(400):
        os.write(1, chunk)
    return _values(root)["value"].to_numpy()[:6].reshape(2, 3)


def lookup(root, item_id):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(2)
            (Path(root).parent / "escaped-fork.txt").write_text("still alive")
        os._exit(0)
    return -1.0
