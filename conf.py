"""Sphinx configuration of the Medical Imaging course site.

The source is ``docs/``; this file sits at the top so that a build never scans
``exercises/``, ``solutions/`` or ``tests/``::

    sphinx-build -c . docs _build/html
"""

project = "Medical Imaging"
author = "The Medical Imaging course team"
copyright = "2026, the Medical Imaging course team"

extensions = [
    "myst_nb",
    "sphinx_exercise",
    "sphinx_togglebutton",
    "sphinx-mathjax-offline",  # serves MathJax from _static, not a CDN
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
# (_build/.jupyter_cache), outside docs/, so sphinx-autobuild never sees it change (MyST-NB#331).
nb_execution_mode = "cache"
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 300
nb_merge_streams = True

# -- HTML -----------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "Medical Imaging"
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
}
# No page loads anything from another host (the site works offline).
html_last_updated_fmt = None
