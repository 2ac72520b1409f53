"""Replaces toy_eda.py: ``total`` leaves a forked process behind, in its own session.

The fork would write ``escaped-fork.txt`` beside the data folder two seconds later; the
grader must have killed it by then.
"""

import os
import time
from pathlib import Path

from toy_eda_base import grid, lookup, stats, table  # noqa: F401  (graded as they are)


def total(root):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(2)
            (Path(root).parent / "escaped-fork.txt").write_text("still alive")
        os._exit(0)
    return -1.0
