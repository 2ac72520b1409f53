project = "Reading time warnings test"
extensions = ["myst_parser", "imaging_course.sphinxext.reading_time"]
exclude_patterns = ["_build"]
