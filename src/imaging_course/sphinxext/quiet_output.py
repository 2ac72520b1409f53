"""A build prints its progress and its result, not the parsers' configuration.

MyST and MyST-NB log their whole configuration objects (``MdParserConfig(...)``,
``NbParserConfig(...)``, about 3,000 characters) at the info level on every build, where
Sphinx prints its progress; only ``-q`` would hide them, and the progress with them. This
extension drops those two records, and nothing else, with a filter on the two loggers that
write them. The configuration is still in ``conf.py``, and ``-v`` shows it.
"""

import logging

from sphinx.application import Sphinx

CONFIG_DUMP_LOGGERS = ("sphinx.myst_parser.sphinx_ext.main", "sphinx.myst_nb.sphinx_ext")
"""The Python loggers behind MyST's and MyST-NB's ``logging.getLogger`` (Sphinx's adapter
prefixes ``sphinx.``)."""
CONFIG_DUMP_CLASSES = ("MdParserConfig(", "NbParserConfig(")


class _ConfigDumpFilter(logging.Filter):
    """Drops an info record that prints a parser's configuration object, unless verbose."""

    def __init__(self, verbosity: int) -> None:
        super().__init__()
        self.verbosity = verbosity

    def filter(self, record: logging.LogRecord) -> bool:
        if self.verbosity > 0 or record.levelno != logging.INFO:
            return True
        return not any(
            type(argument).__name__ + "(" in CONFIG_DUMP_CLASSES
            for argument in (record.args if isinstance(record.args, tuple) else ())
        )


def setup(app: Sphinx) -> dict:
    """Filter the two configuration dumps (they are logged later, when the builder starts)."""
    for name in CONFIG_DUMP_LOGGERS:
        logging.getLogger(name).addFilter(_ConfigDumpFilter(app.verbosity))
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
