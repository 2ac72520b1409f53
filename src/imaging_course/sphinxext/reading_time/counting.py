"""What a reader has to read on a page, and how many minutes that takes.

The count walks a document tree (docutils nodes, before any HTML exists):

- prose (paragraphs, titles, lists, admonitions, captions, footnotes): words;
- table cells: words, later weighted down because tables are scanned, not read line by line;
- code, math and doctest blocks: non-blank lines, because a line of code is one unit of reading
  whatever its word count;
- images: counted, then timed with Medium's rule (12 s for the first, one second less for each
  further image, never less than 3 s);
- an element that carries a ``reading_time_text`` attribute counts as that text instead of its
  children: the quiz extension sets it to the question, so choices, feedback and the hidden
  answer are not counted as reading;
- comments, targets, substitution definitions and raw markup count as nothing.

Words are runs of non-space characters (``str.split``), the way word processors count them.
"""

import math
from dataclasses import dataclass

from docutils import nodes

#: Node attribute through which another extension says "count this text, not my children".
READING_TEXT_ATTRIBUTE = "reading_time_text"

#: Seconds Medium gives the first image, the decrement per further image, and the floor.
FIRST_IMAGE_SECONDS = 12
IMAGE_SECONDS_FLOOR = 3

_CODE_BLOCKS = (nodes.literal_block, nodes.doctest_block, nodes.math_block)
_NOT_READ = (nodes.Invisible, nodes.raw, nodes.system_message)


@dataclass(frozen=True)
class ReadingLoad:
    """What one page asks a reader to read.

    Attributes
    ----------
    prose_words : int
        Words outside tables and code (titles, paragraphs, lists, admonitions, quiz questions).
    table_words : int
        Words inside table cells (header and body).
    code_lines : int
        Non-blank lines of code, math and doctest blocks.
    images : int
        Images, inline or in figures (a figure's caption counts as prose).
    """

    prose_words: int = 0
    table_words: int = 0
    code_lines: int = 0
    images: int = 0

    def __add__(self, other: "ReadingLoad") -> "ReadingLoad":
        return ReadingLoad(
            self.prose_words + other.prose_words,
            self.table_words + other.table_words,
            self.code_lines + other.code_lines,
            self.images + other.images,
        )


def count_reading_load(doctree: nodes.Node) -> ReadingLoad:
    """Count the prose words, table words, code lines and images of a document tree."""
    return _load_of(doctree, in_table=False)


def image_seconds(images: int) -> int:
    """Seconds spent on ``images`` images: 12 s, 11 s, 10 s, ... never under 3 s each."""
    return sum(max(FIRST_IMAGE_SECONDS - k, IMAGE_SECONDS_FLOOR) for k in range(images))


def reading_seconds(
    load: ReadingLoad,
    *,
    words_per_minute: float,
    code_lines_per_minute: float,
    table_word_weight: float,
) -> float:
    """Seconds a reader needs for ``load``.

    Parameters
    ----------
    load : ReadingLoad
        What the page holds.
    words_per_minute : float
        Reading speed of prose.
    code_lines_per_minute : float
        Reading speed of code, in non-blank lines per minute.
    table_word_weight : float
        How much a word in a table cell counts relative to a word of prose (0.5: half).
    """
    words = load.prose_words + table_word_weight * load.table_words
    return (
        60.0 * words / words_per_minute
        + 60.0 * load.code_lines / code_lines_per_minute
        + image_seconds(load.images)
    )


def minutes_to_read(seconds: float) -> int:
    """Whole minutes shown to the reader: rounded up, at least 1 (an empty page is still a page)."""
    # Round away float noise first, so that exactly 120 s reads as 2 min, not 3.
    return max(1, math.ceil(round(seconds / 60.0, 6)))


def count_words(text: str) -> int:
    """Words in ``text``: runs of non-space characters."""
    return len(text.split())


def _load_of(node: nodes.Node, *, in_table: bool) -> ReadingLoad:
    if isinstance(node, _NOT_READ):
        return ReadingLoad()
    if isinstance(node, _CODE_BLOCKS):
        lines = [line for line in node.astext().splitlines() if line.strip()]
        return ReadingLoad(code_lines=len(lines))
    if isinstance(node, nodes.image):
        return ReadingLoad(images=1)
    if isinstance(node, nodes.Text | nodes.TextElement) or _declares_its_text(node):
        return _text_load(node, in_table=in_table)
    in_table = in_table or isinstance(node, nodes.table)
    total = ReadingLoad()
    for child in node.children:
        total += _load_of(child, in_table=in_table)
    return total


def _declares_its_text(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Element) and READING_TEXT_ATTRIBUTE in node


def _text_load(node: nodes.Node, *, in_table: bool) -> ReadingLoad:
    """Words of a paragraph-like node (and the images inline in it), as prose or table words."""
    if _declares_its_text(node):
        return _words_load(count_words(str(node[READING_TEXT_ATTRIBUTE])), in_table=in_table)
    # Inline markup splits a sentence into several Text nodes ("the `DICM` prefix"):
    # join them before splitting into words so that no word is counted twice.
    words = count_words(_inline_text(node))
    images = sum(1 for _ in node.findall(nodes.image))
    return _words_load(words, in_table=in_table) + ReadingLoad(images=images)


def _inline_text(node: nodes.Node) -> str:
    """Text of an inline tree, leaving out raw markup; an image's alt text (an attribute,
    which ``astext()`` would return) is not read."""
    if isinstance(node, nodes.Text):
        return node.astext()
    if isinstance(node, _NOT_READ):
        return ""
    return "".join(_inline_text(child) for child in node.children)


def _words_load(words: int, *, in_table: bool) -> ReadingLoad:
    return ReadingLoad(table_words=words) if in_table else ReadingLoad(prose_words=words)
