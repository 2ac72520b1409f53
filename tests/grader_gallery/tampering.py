# toy_eda: writes the data, the references, the course package, the reference solutions; kills
# the sandbox server. Each then answers correctly, so only a refused write fails its check.
import os
import signal
from pathlib import Path

from toy_eda_base import grid as right_grid
from toy_eda_base import lookup as right_lookup
from toy_eda_base import stats as right_stats
from toy_eda_base import table as right_table
from toy_eda_base import total as right_total


def total(root):
    answer = right_total(root)
    csv = Path(root) / "values.csv"
    csv.write_text(csv.read_text())
    return answer


def stats(root):
    stored = Path("{{REFERENCES}}") / "toy" / "stats.json"
    stored.write_text('{"tree": {"t": "float", "v": 0.0}}')
    return right_stats(root)


def table(root):
    with Path("{{PACKAGE_FILE}}").open("a") as source:
        source.write("\nimport os\nos.system('touch /tmp/escaped')\n")
    return right_table(root)


def grid(root):
    with (Path("{{SOLUTIONS}}") / "toy_eda.py").open("a") as solution:
        solution.write("\n\ndef total(root):\n    return 0.0\n")
    return right_grid(root)


def lookup(root, item_id):
    os.kill(os.getppid(), signal.SIGKILL)
    os.kill(1, signal.SIGKILL)
    return right_lookup(root, item_id)
