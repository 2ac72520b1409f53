"""The course's adjustments to sphinx-book-theme: wide code and tables, search, sidebar toggles.

The theme serves most of the site well; these are the places where it did not, each fixed here
rather than in a copy of its templates:

* Code blocks wrap their long lines instead of scrolling sideways (an exercise's solution is
  read, not scanned), and wide tables such as a DataFrame's ``head()`` scroll inside a box with
  a visible edge, one line a cell (``static/course_theme.css``).
* Search result snippets leave out the theme's header and menus, whose text ("System Settings
  Light Dark ...") otherwise opened every snippet; opened from a file (``file://``), where the
  browser blocks the fetch behind each snippet, search lists its results without snippets
  instead of failing (``static/course_theme.js``; `make serve` gives both).
* The sidebar's expand/collapse toggles get an accessible name ("Pages under DICOM"): the
  pydata theme writes them as an icon alone, which axe reports as a serious violation.
"""

import functools
from importlib.metadata import version
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

STATIC_DIR = Path(__file__).parent / "static"


def name_sidebar_toggles(navigation) -> None:
    """Give each expand/collapse toggle of the theme's navigation (a BeautifulSoup tree) an
    ``aria-label`` naming the page whose sub-pages it shows."""
    for item in navigation.select("li.has-children"):
        link = item.find("a", recursive=False)
        summary = item.select_one(":scope > details > summary")
        if link is not None and summary is not None and not summary.get_text(strip=True):
            summary["aria-label"] = f"Pages under {link.get_text(' ', strip=True)}"


def _wrap_toctree_html(app: Sphinx, pagename: str, templatename: str, context, doctree) -> None:
    """``html-page-context``, after the pydata theme: name the toggles its toctree HTML has."""
    generate = context.get("generate_toctree_html")
    if generate is None:
        return

    @functools.wraps(generate)
    def generate_with_named_toggles(*args, **kwargs):
        navigation = generate(*args, **kwargs)
        if hasattr(navigation, "select"):  # the BeautifulSoup tree the templates print
            name_sidebar_toggles(navigation)
        return navigation

    context["generate_toctree_html"] = generate_with_named_toggles


def _add_static_path(app: Sphinx, config: Config) -> None:
    # At config-inited, before Sphinx compares the configuration with the last build's.
    config.html_static_path.append(str(STATIC_DIR))


def _add_assets(app: Sphinx) -> None:
    if app.builder.format == "html":
        app.add_css_file("course_theme.css")
        # Deferred: it runs after searchtools.js, which the search page loads after our files.
        app.add_js_file("course_theme.js", loading_method="defer")


def setup(app: Sphinx) -> dict:
    """Register the static files and the toctree hook."""
    app.connect("config-inited", _add_static_path)
    app.connect("builder-inited", _add_assets)
    app.connect("html-page-context", _wrap_toctree_html, priority=600)
    return {
        "version": version("imaging-course"),
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
