"""Replaces toy_more.py: leaves the interpreter while being imported."""

import sys

sys.exit("no grading for you")
