"""Fixtures shared by the project's tests.

Tiny Sphinx projects live under ``tests/roots/test-<name>/`` and are built for real with
``sphinx.testing`` (``@pytest.mark.sphinx("html", testroot="<name>")``).
"""

from pathlib import Path

import pytest

pytest_plugins = ["sphinx.testing.fixtures"]

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where ``sphinx.testing`` finds the ``test-<name>`` roots."""
    return Path(__file__).resolve().parent / "roots"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's top folder (holds ``conf.py``, ``docs/``, ``Makefile``)."""
    return REPO_ROOT
