"""Sphinx configuration of the Medical Imaging course site.

The source is ``docs/``; this file sits at the top so that a build never scans
``exercises/``, ``solutions/`` or ``tests/``::

    sphinx-build -c . docs _build/html
"""

import glob
from pathlib import Path

import sphinx_togglebutton

import imaging_course.datasets
import imaging_course.page_figures
from imaging_course.chapter_outline import load_outline
from imaging_course.course_modules import SOLUTIONS_DIR
from imaging_course.datasets.registry import DATASETS
from imaging_course.datasets.stamp import stamp_path

project = "Medical Imaging"
author = "The Medical Imaging course team"
copyright = "2026, the Medical Imaging course team"

extensions = [
    # The theme (and the one it extends) are also extensions: loaded here, with the others,
    # their setup runs before Sphinx compares this configuration with the last build's (see
    # "A no-change rebuild" below), not when the builder loads the theme.
    "pydata_sphinx_theme",
    "sphinx_book_theme",
    "myst_nb",
    "sphinx_exercise",
    "sphinx_togglebutton",
    "sphinx-mathjax-offline",  # serves MathJax from _static, not a CDN
    "imaging_course.sphinxext.course_theme",  # wide code and tables, search, sidebar names
    "imaging_course.sphinxext.execution_inputs",
    "imaging_course.sphinxext.page_kernels",  # kernels over IPC, figures fitted to the page
    "imaging_course.sphinxext.quiet_output",  # no MyST configuration dumps
    "imaging_course.sphinxext.quiz",
    "imaging_course.sphinxext.reading_time",
    "imaging_course.sphinxext.reference_tables",
]

# -- Strictness: a dead reference fails the build (`make html` adds -W --keep-going).
nitpicky = True

# -- MyST ---------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath", "substitution"]
myst_heading_anchors = 3

# -- Executed pages (MyST-NB + jupyter-cache) ----------------------------------
# "cache": a build with no code change executes nothing. The cache sits beside the output
# (_build/.jupyter_cache/<inputs key>), outside docs/, so sphinx-autobuild never sees it change
# (MyST-NB#331).
nb_execution_mode = "cache"
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 300
nb_merge_streams = True
# The pages also read what their code does not show: each dataset's folder (the sample, or a
# real download named by its <NAME>_DATA_DIR), the generated data's stamp, the solutions they
# import and the readers. A change to any of them re-executes the pages (execution_inputs).
_DATA_ROOTS = [dataset.root().resolve() for dataset in DATASETS.values()]
execution_input_values = [str(root) for root in _DATA_ROOTS]
execution_input_files = [
    *(glob.escape(str(stamp_path(root))) for root in _DATA_ROOTS),
    glob.escape(str(SOLUTIONS_DIR)) + "/*.py",
    glob.escape(str(imaging_course.datasets.__path__[0])) + "/**/*.py",
    glob.escape(imaging_course.page_figures.__file__),
]
# Every page's kernel first fits the figures it shows to the site's column: at most 6.4 inches
# wide, no text under 8.5 points, so figure text reads at 11 px or more (page_kernels).
page_kernel_startup = [
    "import imaging_course.page_figures",
    "imaging_course.page_figures.fit_figures_to_the_page()",
]

# -- Reading times -----------------------------------------------------------------
# The chapter's declared minutes of linked reading and days of exercises are facts of its
# outline (docs/medical-imaging/outline.toml), which the tests check the pages against too.
reading_time_declared = load_outline(
    Path(__file__).parent / "docs" / "medical-imaging" / "outline.toml"
).reading_figures()

# -- HTML -----------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "Medical Imaging"
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    # The theme's own defaults, written out: see "A no-change rebuild" below.
    "navbar_persistent": ["search-button-field"],
    "icon_links": [],
    "logo": {},
}
# Light or dark as the reader's system says, until she picks one (without it the theme logs
# "Got invalid theme mode: . Resetting to auto." on a first visit).
html_context = {"default_mode": "auto"}
# No general index page: its entries are the glossary's terms, which the glossary lists and
# search finds; writing it was a fifth of every rebuild.
html_use_index = False
# No page loads anything from another host (the site works offline).
html_last_updated_fmt = None

# -- A no-change rebuild -------------------------------------------------------------
# Sphinx compares this configuration with the last build's before the builder starts; the
# theme, MyST and sphinx-togglebutton set the values below only when it starts (builder-inited),
# and the last build saved them as set. Unless they are already what those extensions make
# them, every rebuild says "The configuration has changed (6 options: ...)".
html_permalinks_icon = "#"  # pydata-sphinx-theme
html_sourcelink_suffix = ""  # sphinx-book-theme
mathjax4_config = {  # MyST's dollarmath: MathJax typesets only what MyST marked as math
    "options": {"processHtmlClass": "tex2jax_process|mathjax_process|math|output_area"}
}
_TOGGLEBUTTON_STATIC = str(Path(sphinx_togglebutton.__file__).parent.resolve() / "_static")
html_static_path = [_TOGGLEBUTTON_STATIC]  # sphinx-togglebutton appends it again, see setup


def _drop_repeated_static_paths(app) -> None:
    """``builder-inited``, after sphinx-togglebutton: keep the first of repeated static paths."""
    paths = app.config.html_static_path
    paths[:] = list(dict.fromkeys(paths))


def setup(app) -> None:
    """Connect this configuration's own hook (see "A no-change rebuild")."""
    app.connect("builder-inited", _drop_repeated_static_paths, priority=900)
