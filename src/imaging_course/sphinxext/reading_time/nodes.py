"""Placeholder nodes of the reading-time extension.

Both are put in the tree while a page is read and replaced while it is written, once every page
has been read and counted (see ``transforms.py``): a page cannot know its chapter's total while
it is read, least of all in a parallel build where its sections are read by another process.
"""

from docutils import nodes


class ReadingTimeBadge(nodes.General, nodes.Element):
    """Where the "N min read" line goes: right under the page title."""


class ReadingSyllabus(nodes.General, nodes.Element):
    """Where the ``{reading-syllabus}`` table of a chapter goes."""
