project = "Quiz glue test"
extensions = ["myst_nb", "imaging_course.sphinxext.quiz"]
myst_enable_extensions = ["colon_fence"]
exclude_patterns = ["_build"]
nb_execution_mode = "force"
nb_execution_raise_on_error = True
