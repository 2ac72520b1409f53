"""``python -m imaging_course.grader``: see :mod:`imaging_course.grader.cli`."""

import sys

from imaging_course.grader.cli import main

sys.exit(main())
