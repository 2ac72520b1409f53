# toy_eda: limits of the whole process tree: memory over several processes, too many processes,
# /dev/shm past the memory cap, and a /dev/shm file left for the next call to find (see
# shm_check.py)
import os
import time
from pathlib import Path

import numpy as np
from toy_eda_base import lookup as right_lookup
from toy_eda_base import table  # noqa: F401  (graded as it is)


def _children(count, work):
    pids = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            work()
            os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)


def total(root):
    def hold():  # 200 MB each: under the per-process cap, over the whole call's in all
        block = bytearray(200 * 2**20)
        block[::4096] = b"x" * len(block[::4096])
        time.sleep(5)

    _children(3, hold)
    return 0.0


def stats(root):
    _children(200, lambda: time.sleep(5))
    return {}


def grid(root):
    for number in range(8):  # files of 200 MB, under the cap on one file: 1.6 GB in all
        with Path(f"/dev/shm/gallery-fill-{number}").open("wb") as handle:
            for _ in range(200):
                handle.write(b"x" * 2**20)
    return np.zeros((2, 3))


def lookup(root, item_id):
    Path("/dev/shm/gallery-leftover").write_bytes(b"x" * 50 * 2**20)
    return right_lookup(root, item_id)
