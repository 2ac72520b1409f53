"""Figures of the executed pages fit the site's column with text of 11 px or more.

Real matplotlib figures (Agg) and IPython's own figure printer, as a page's kernel uses them.
"""

import io
import itertools

import matplotlib as mpl
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

from imaging_course import page_figures
from imaging_course.page_figures import COLUMN_INCHES, MIN_POINTS, fit_to_the_page

mpl.use("Agg")

DPI = 100  # the inline backend's
COLUMN_PX = 650  # the text column at a 1280 px window


def wide_figure() -> Figure:
    """Three panels 12 inches wide with 7-point titles, laid out once: as a page draws them."""
    figure = Figure(figsize=(12, 3.4))
    axes = figure.subplots(1, 3)
    for number, axis in enumerate(axes):
        axis.bar([0, 1], [150, 200])
        axis.set_ylabel("images")
        axis.set_title(f"panel {number}", fontsize=7)
    figure.tight_layout()
    return figure


def overlapping_axes(figure: Figure) -> list[tuple[int, int]]:
    """Pairs of axes whose drawn extents (labels included) overlap."""
    renderer = FigureCanvasAgg(figure).get_renderer()
    boxes = [axis.get_tightbbox(renderer) for axis in figure.axes]
    return [
        (i, j)
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if boxes[i].x1 > boxes[j].x0 and boxes[j].x1 > boxes[i].x0
    ]


def test_a_wide_figure_is_narrowed_its_small_text_raised_and_laid_out_again():
    figure = wide_figure()
    fit_to_the_page(figure)
    assert figure.get_size_inches()[0] == pytest.approx(COLUMN_INCHES)
    assert min(text.get_fontsize() for text in figure.findobj(Text)) >= MIN_POINTS
    assert overlapping_axes(figure) == []
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=DPI, bbox_inches="tight")
    width = Image.open(png).size[0]
    shown_px = MIN_POINTS * DPI / 72 * min(1.0, COLUMN_PX / width)
    assert shown_px >= 11, (width, shown_px)


def test_titles_wider_than_their_axes_are_broken_into_lines():
    figure = Figure(figsize=(12, 6.4))
    FigureCanvasAgg(figure)
    axes = figure.subplots(2, 4)
    for axis in axes.flat:
        axis.imshow([[0, 1], [1, 0]])
        axis.set_title("volume-120, LPS, slice 108", fontsize=9)
    figure.tight_layout()
    fit_to_the_page(figure)
    renderer = figure.canvas.get_renderer()
    assert all("\n" in axis.get_title() for axis in axes.flat)
    titles = [axis.title.get_window_extent(renderer) for axis in axes[0]]
    assert all(left.x1 <= right.x0 for left, right in itertools.pairwise(titles))


def test_a_figure_narrower_than_the_column_keeps_its_size():
    figure = Figure(figsize=(5, 4))
    figure.subplots().set_title("title")
    fit_to_the_page(figure)
    assert tuple(figure.get_size_inches()) == (5, 4)


def test_in_a_kernel_every_printed_figure_is_fitted_first(monkeypatch):
    from IPython.core import pylabtools  # noqa: PLC0415 (IPython only here)

    monkeypatch.setattr(pylabtools, "print_figure", pylabtools.print_figure)
    page_figures.fit_figures_to_the_page()
    page_figures.fit_figures_to_the_page()  # twice is once
    figure = wide_figure()
    png = pylabtools.print_figure(figure, "png")
    assert png.startswith(b"\x89PNG")
    assert figure.get_size_inches()[0] == pytest.approx(COLUMN_INCHES)
