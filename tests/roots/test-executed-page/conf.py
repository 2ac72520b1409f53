project = "Executed page test"
extensions = ["myst_nb"]
exclude_patterns = ["_build"]
# As the site's conf.py: cached execution, a failing cell fails the build.
nb_execution_mode = "cache"
nb_execution_raise_on_error = True
nb_execution_show_tb = True
source_suffix = {".md": "myst-nb"}
