"""Executed pages run their Jupyter kernels over Unix sockets (IPC), not TCP on localhost.

Over TCP every kernel warns "Kernel is running over TCP without encryption", rightly: any local
user can connect to its ports. A Unix socket in the temporary folder is the user's own file.
MyST-NB executes the pages through jupyter-cache, which creates nbclient's ``NotebookClient``
with no way to configure its kernel manager; this extension wraps jupyter-cache's call so that
the client uses :class:`IPCKernelManager`. No option of MyST-NB or jupyter-cache does this,
hence our own few lines.
"""

import tempfile
import uuid
from pathlib import Path

from jupyter_cache.executors import utils as cache_executors
from jupyter_client import AsyncKernelManager
from sphinx.application import Sphinx
from traitlets import default


class IPCKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel listens on Unix sockets in the temporary folder.

    The sockets are named ``<tmp>/kernel-<random>-ipc-<n>``: an absolute path, because the
    kernel runs in its page's folder and the client in the build's, and outside the source
    tree, where a live server would take new files for edits. jupyter_client removes them when
    the kernel shuts down.
    """

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    @default("ip")
    def _default_ip(self) -> str:
        return str(Path(tempfile.gettempdir()) / f"kernel-{uuid.uuid4().hex[:12]}-ipc")


def _execute_over_ipc(notebook, **options):
    """jupyter-cache's ``executenb`` (nbclient's ``execute``) with :class:`IPCKernelManager`."""
    return _nbclient_execute(notebook, kernel_manager_class=IPCKernelManager, **options)


_nbclient_execute = cache_executors.executenb


def setup(app: Sphinx) -> dict:
    """Make jupyter-cache start every kernel of this build over IPC."""
    app.setup_extension("myst_nb")
    cache_executors.executenb = _execute_over_ipc
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
