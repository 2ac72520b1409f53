import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

project = "Reading time test"
extensions = ["myst_parser", "imaging_course.sphinxext.reading_time", "fake_quiz"]
exclude_patterns = ["_build"]
