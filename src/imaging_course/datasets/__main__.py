"""``python -m imaging_course.datasets``: see :mod:`imaging_course.datasets.cli`."""

import sys

from imaging_course.datasets.cli import main

sys.exit(main())
