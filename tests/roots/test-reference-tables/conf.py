import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

project = "Reference tables test"
extensions = ["myst_parser", "imaging_course.sphinxext.reference_tables"]
exclude_patterns = ["_build"]
