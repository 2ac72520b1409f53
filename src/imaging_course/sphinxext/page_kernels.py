"""How the build starts the kernels that execute the pages: over IPC, with the course's setup.

* Over Unix sockets (IPC), not TCP on localhost. Over TCP every kernel warns "Kernel is running
  over TCP without encryption", rightly: any local user can connect to its ports. A Unix socket
  in the temporary folder is the user's own file (:class:`IPCKernelManager`).
* Each kernel first runs the lines of ``page_kernel_startup`` (``conf.py``), as IPython's
  ``exec_lines``: the course fits its figures to the page there (``imaging_course.page_figures``).

MyST-NB executes the pages through jupyter-cache, which creates nbclient's ``NotebookClient``
with no way to configure its kernel manager or the kernel's arguments; this extension wraps
jupyter-cache's call to pass both. No option of MyST-NB or jupyter-cache does this, hence our
own few lines. jupyter-cache keys its cache on the pages' code only: list the modules the
startup lines import in ``execution_input_files`` so that a change to them runs the pages again.
"""

import json
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


_nbclient_execute = cache_executors.executenb


def _executor(startup: list[str]):
    """jupyter-cache's ``executenb`` (nbclient's ``execute``) with :class:`IPCKernelManager`
    and a kernel that first runs ``startup``."""
    arguments = [f"--IPKernelApp.exec_lines={json.dumps(startup)}"] if startup else []

    def execute(notebook, **options):
        return _nbclient_execute(
            notebook,
            kernel_manager_class=IPCKernelManager,
            extra_arguments=arguments,
            **options,
        )

    return execute


def _wrap_executor(app: Sphinx, config) -> None:
    cache_executors.executenb = _executor(list(config.page_kernel_startup))


def setup(app: Sphinx) -> dict:
    """Make jupyter-cache start every kernel of this build over IPC, with the startup lines."""
    app.setup_extension("myst_nb")
    app.add_config_value("page_kernel_startup", [], "env", list)
    app.connect("config-inited", _wrap_executor)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
