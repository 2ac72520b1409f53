"""Reading time: "N min read" under every page title, and a chapter's syllabus table.

No packaged Sphinx extension does this, so this one is ours. A page's own minutes come from its
prose (``reading_time_words_per_minute``), its code blocks by line
(``reading_time_code_lines_per_minute``), its table cells at a lower weight
(``reading_time_table_word_weight``) and its images (Medium's rule); see ``counting.py``. Declared
minutes of linked readings and days of exercises come from ``reading_time_declared`` or the
page's front matter; see ``collector.py``. A chapter page (a declared ``linked_reading_total``,
or a ``{reading-syllabus}`` table) also shows the totals over its toctree descendants, and the
build warns (type ``reading_time``, subtype ``total``) when the declared total disagrees with them.

The package is split by build phase: ``nodes`` (placeholders), ``transforms`` (insert at read
time, fill at write time), ``collector`` (cross-page state, parallel-safe), ``syllabus`` (the
directive and its table).

Config values (changing one re-reads every page):

``reading_time_words_per_minute`` (230)
    Prose speed; 230 is the middle of the 200-275 wpm the neighbouring tools use, for readers
    of technical text in a second language as often as not.
``reading_time_code_lines_per_minute`` (30)
    Code speed, non-blank lines per minute: a line of Python carries about 7-8 word-like
    tokens, which is 2 s at prose speed, and code is not read faster than prose.
``reading_time_table_word_weight`` (0.5)
    A word in a table cell counts as half a word of prose: tables are scanned, not read.
``reading_time_declared`` ({})
    Declared figures kept outside the pages, by docname: ``{"dicom": {"linked_reading_minutes":
    13}, "exercises": {"exercise_days": 2}, "index": {"linked_reading_total": 63}}``, for a
    course that keeps them in one outline. The same key in a page's front matter is an error
    (a warning naming the page): a figure is declared in one place.
"""

from importlib.metadata import version
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

from .collector import DECLARED_KEYS, ReadingTimeCollector, check_declared_totals
from .nodes import ReadingSyllabus, ReadingTimeBadge
from .syllabus import ReadingSyllabusDirective
from .transforms import FillReadingTime, InsertReadingTimeBadge

STATIC_DIR = Path(__file__).parent / "static"
CSS_FILE = "reading_time.css"

_POSITIVE_CONFIG_VALUES = (
    ("reading_time_words_per_minute", 230),
    ("reading_time_code_lines_per_minute", 30),
    ("reading_time_table_word_weight", 0.5),
)


def setup(app: Sphinx) -> dict:
    """Register the config values, nodes, directive, transforms and collector."""
    for name, default in _POSITIVE_CONFIG_VALUES:
        app.add_config_value(name, default, "env", types=(int, float))
    app.add_config_value("reading_time_declared", {}, "env", types=(dict,))
    app.connect("config-inited", _check_config)
    app.connect("config-inited", _add_static_path)

    app.add_node(ReadingTimeBadge)
    app.add_node(ReadingSyllabus)
    app.add_directive("reading-syllabus", ReadingSyllabusDirective)
    app.add_transform(InsertReadingTimeBadge)
    app.add_post_transform(FillReadingTime)
    app.add_env_collector(ReadingTimeCollector)
    app.connect("env-check-consistency", check_declared_totals)
    app.connect("builder-inited", _add_css_for_html)

    return {
        "version": version("imaging-course"),
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }


def _check_config(app: Sphinx, config: Config) -> None:
    for name, _default in _POSITIVE_CONFIG_VALUES:
        value = config[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            msg = f"conf.py: {name} must be a positive number, got {value!r}"
            raise ConfigError(msg)
    for docname, figures in config.reading_time_declared.items():
        where = f"conf.py: reading_time_declared[{docname!r}]"
        if not isinstance(figures, dict):
            raise ConfigError(f"{where} must be a dict of figures, got {figures!r}")
        for key, value in figures.items():
            if key not in DECLARED_KEYS:
                raise ConfigError(f"{where}: unknown figure {key!r} (one of {DECLARED_KEYS})")
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"{where}[{key!r}] must be a non-negative number, got {value!r}")


def _add_static_path(app: Sphinx, config: Config) -> None:
    # At config-inited, before Sphinx compares the configuration with the last build's: a
    # later append would make every rebuild see html_static_path change and rewrite all pages.
    config.html_static_path.append(str(STATIC_DIR))


def _add_css_for_html(app: Sphinx) -> None:
    if app.builder.format == "html":
        app.add_css_file(CSS_FILE)
