# toy_eda: limits of the whole process tree: memory over several processes, too many processes,
# too many threads, /dev/shm past the memory cap, and a /dev/shm file left for the next call to
# find (see shm_check.py)
import os
import threading
import time
from pathlib import Path

import numpy as np
from toy_eda_base import lookup as right_lookup


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
    def hold():
        block = bytearray(500 * 2**20)
        block[::4096] = b"x" * len(block[::4096])
        time.sleep(5)

    _children(3, hold)
    return 0.0


def stats(root):
    _children(200, lambda: time.sleep(5))
    return {}


def table(root):
    threading.stack_size(64 * 1024)  # small stacks: the count, not the memory, is the limit
    for _ in range(200):
        threading.Thread(target=time.sleep, args=(5,), daemon=True).start()
    return None


def grid(root):
    with Path("/dev/shm/gallery-fill").open("wb") as handle:
        for _ in range(1536):
            handle.write(b"x" * 2**20)
    return np.zeros((2, 3))


def lookup(root, item_id):
    Path("/dev/shm/gallery-leftover").write_bytes(b"x" * 50 * 2**20)
    return right_lookup(root, item_id)
