project = "Quiz errors test"
extensions = ["myst_nb", "imaging_course.sphinxext.quiz"]
myst_enable_extensions = ["colon_fence"]
exclude_patterns = ["_build"]
nb_execution_mode = "force"
# Explicit, so that Sphinx's merge of extension suffixes into the shared default dict cannot
# leak between the apps that one pytest process builds (.md -> markdown vs myst-nb).
source_suffix = {".md": "myst-nb"}
