import os

project = "Execution inputs test"
extensions = [
    "myst_nb",
    "imaging_course.sphinxext.execution_inputs",
    "imaging_course.sphinxext.page_kernels",
    "imaging_course.sphinxext.quiet_output",
]
exclude_patterns = ["_build", "inputs"]
nb_execution_mode = "cache"
nb_execution_raise_on_error = True
source_suffix = {".md": "myst-nb"}
# As the site keys its cache on the data folders and the solutions it imports.
execution_input_values = [os.environ.get("INPUTS_TEST_FOLDER", "")]
execution_input_files = ["inputs/*.txt"]
