project = "Quiz test"
extensions = ["myst_parser", "imaging_course.sphinxext.quiz"]
myst_enable_extensions = ["colon_fence"]
exclude_patterns = ["_build"]
