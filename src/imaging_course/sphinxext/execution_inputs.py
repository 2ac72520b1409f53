"""Re-execute the notebook pages when what they read changes, not only when their code does.

jupyter-cache keys an executed notebook by the text of its code cells, and Sphinx re-reads a
page when its source changes. The course's executed pages also depend on what lies outside
them: the data folder that ``SIIM_DATA_DIR``/``LITS_DATA_DIR`` name (the sample or a real
download), the stamp of the generated data (its seed and scale), and the solution modules they
import. Without this extension, ``make html SIIM_DATA_DIR=/real`` after a sample build would
serve the sample's numbers, figures and glued quiz answers. No MyST-NB option or other
extension keys the cache on such inputs, hence this one.

Configuration (``conf.py``)::

    execution_input_values = ["/data/siim", ...]   # strings, e.g. resolved data folders
    execution_input_files = ["solutions/*.py", ...]  # glob patterns (``**`` recurses),
                                                     # relative to the configuration folder

At ``config-inited`` the values, the matched files' paths and their contents are hashed into a
short key, and ``nb_execution_cache_path`` becomes ``<outdir>/../.jupyter_cache/<key>``. A new
key changes that configuration value, which MyST-NB declares as rebuilding the environment, so
Sphinx re-reads every page and the notebooks execute into the new, empty cache. Going back to
earlier inputs finds their cache again; a build with unchanged inputs executes nothing.
"""

import glob
import hashlib
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

CACHE_FOLDER = ".jupyter_cache"
KEY_LENGTH = 16


def inputs_key(values: list[str], patterns: list[str], confdir: Path) -> str:
    """A short hash of ``values`` and of every file that ``patterns`` match (paths and bytes).

    Patterns are taken relative to ``confdir`` unless absolute; a pattern that matches nothing
    (a data stamp not written yet) adds nothing, so writing that file later changes the key.
    """
    digest = hashlib.sha256()
    for value in values:
        digest.update(b"value\0" + value.encode("utf-8") + b"\0")
    for pattern in patterns:
        # glob.glob, not Path.glob: the patterns may be absolute.
        matched = sorted(glob.glob(pattern, root_dir=confdir, recursive=True))  # noqa: PTH207
        digest.update(b"pattern\0" + pattern.encode("utf-8") + b"\0")
        for name in matched:
            path = confdir / name
            if path.is_file():
                digest.update(name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:KEY_LENGTH]


def _key_the_cache(app: Sphinx, config: Config) -> None:
    """``config-inited``: point MyST-NB's cache at the folder of the current inputs' key."""
    confdir = Path(app.confdir)
    key = inputs_key(config.execution_input_values, config.execution_input_files, confdir)
    config.nb_execution_cache_path = str(Path(app.outdir).parent / CACHE_FOLDER / key)


def setup(app: Sphinx) -> dict:
    """Register the two configuration values and the hook; needs MyST-NB."""
    app.setup_extension("myst_nb")
    app.add_config_value("execution_input_values", [], "env", list)
    app.add_config_value("execution_input_files", [], "env", list)
    app.connect("config-inited", _key_the_cache)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
