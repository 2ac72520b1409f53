"""Figures of the executed pages, fitted to the page: readable text at the site's column width.

The site shows a figure in its text column, about 650 px wide at a 1280 px window, scaled down
when it was drawn wider: a 12-inch figure drawn at 100 dpi shows its 10-point labels at 7.6 px.
In the kernels that execute the pages (see ``imaging_course.sphinxext.page_kernels``),
:func:`fit_figures_to_the_page` makes every figure the page displays (a cell's figure, or one
glued with ``myst_nb.glue``) at most :data:`COLUMN_INCHES` wide, with no text under
:data:`MIN_POINTS`, laid out again: at 100 dpi that is 11 px or more on the page. The pages'
code stays as a learner would write it; in a learner's own notebook nothing changes.
"""

import math
import textwrap
import warnings

COLUMN_INCHES = 6.4
"""Widest figure, in inches: 640 px at the inline backend's 100 dpi, the site's column (with
room for a label drawn outside the axes)."""
MIN_POINTS = 8.5
"""Smallest text, in points: 11.8 px at 100 dpi, 11 px when shown 5% smaller."""


def fit_to_the_page(figure) -> None:
    """Make ``figure`` at most COLUMN_INCHES wide (its height shrinks by the square root of the
    same factor, so panels keep room for their labels), raise text under MIN_POINTS to it, break
    titles wider than their axes into lines, and lay it out again."""
    from matplotlib.layout_engine import PlaceHolderLayoutEngine  # noqa: PLC0415 (loaded by then)
    from matplotlib.text import Text  # noqa: PLC0415

    width, height = figure.get_size_inches()
    if width > COLUMN_INCHES:
        factor = COLUMN_INCHES / width
        figure.set_size_inches(COLUMN_INCHES, height * math.sqrt(factor))
    for text in figure.findobj(Text):
        if text.get_fontsize() < MIN_POINTS:
            text.set_fontsize(MIN_POINTS)
    _wrap_wide_titles(figure)
    # A layout engine (constrained, tight) lays the figure out again when drawn; a figure laid out
    # once by tight_layout() (which leaves a placeholder engine) or by hand is laid out here.
    if isinstance(figure.get_layout_engine(), PlaceHolderLayoutEngine | type(None)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a figure tight_layout cannot improve stays as is
            figure.tight_layout()


def _wrap_wide_titles(figure) -> None:
    """Break each axes title wider than its axes into lines at spaces, so that neighbouring
    titles do not run into each other once the figure is narrower."""
    get_renderer = getattr(figure.canvas, "get_renderer", None)
    if get_renderer is None:  # a canvas that cannot measure text
        return
    renderer = get_renderer()
    for axis in figure.axes:
        text = axis.title.get_text()
        width = axis.title.get_window_extent(renderer).width
        room = axis.get_window_extent(renderer).width
        if text and width > room > 0:
            columns = max(10, int(max(map(len, text.splitlines())) * room / width))
            lines = [part for line in text.splitlines() for part in textwrap.wrap(line, columns)]
            axis.title.set_text("\n".join(lines))


def fit_figures_to_the_page() -> None:
    """In an IPython kernel, before the first cell: fit every figure to the page before IPython
    prints it for display.

    IPython's display formatters print a figure through ``IPython.core.pylabtools.
    print_figure``, looked up each time the inline backend or ``set_matplotlib_formats``
    registers them; wrapping that function here reaches every later registration, whichever
    formats a page selects.
    """
    from IPython.core import pylabtools  # noqa: PLC0415 (only in a kernel)

    print_figure = pylabtools.print_figure
    if getattr(print_figure, "fits_the_page", False):
        return

    def print_fitted_figure(figure, *args, **kwargs):
        fit_to_the_page(figure)
        return print_figure(figure, *args, **kwargs)

    print_fitted_figure.fits_the_page = True
    pylabtools.print_figure = print_fitted_figure
