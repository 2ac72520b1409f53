"""A learner notebook made from an exercise's stub module, as MyST Markdown text.

The stub is parsed (never imported) and its top-level statements taken in order: the module
docstring becomes the notebook's opening text, imports and constants its first code cell,
and every function its own cell (verbatim, decorators and docstring included), followed, for
a public function, by an exploration cell and a check cell. Nothing here names a function of
an exercise: whatever the stub holds, in its order, is what the notebook holds.

jupytext writes the text form (``md:myst``) and reads it back when a learner opens the file
in JupyterLab; nbformat builds the cells.
"""

import ast
from pathlib import Path

import jupytext
import nbformat

from imaging_course.course_modules import EXERCISES_DIR
from imaging_course.datasets.paths import REPO_ROOT
from imaging_course.datasets.registry import DATASETS
from imaging_course.grader.notebook_source import statement_source

NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
"""Where the learner notebooks live, one ``<exercise>.md`` per exercise."""
TEXT_FORMAT = "md:myst"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (course venv)", "language": "python"}
TOOLS_MODULE = "imaging_course.notebooks.kernel"


def _title(docstring: str) -> str:
    return docstring.strip().splitlines()[0] if docstring.strip() else ""


def _opening(exercise: str, source_path: Path, docstring: str) -> str:
    """The notebook's first text: how it was made, how to use it, then the stub's docstring."""
    relative = f"{source_path.parent.name}/{source_path.name}"
    return "\n".join(
        [
            f"# {_title(docstring) or exercise}",
            "",
            f"Made from `{relative}` by `make notebooks`: write each function in its cell, "
            "explore its output in the cell below it, and run the check cell for the grader's "
            "verdict on the sample data (`hint(function)` gives the next hint). "
            f"`make grade SOLUTIONS=notebooks` grades the whole notebook as `make grade` "
            "grades a module: only imports, constants, functions and classes count.",
            "",
            "```text",
            docstring.strip(),
            "```",
        ]
    )


def _exploration(name: str) -> str:
    return "\n".join(
        [
            f"# Explore {name} on the sample data, with the arguments the grader passes: a few",
            "# rows and a plot of what it returns. Add your own looks below (the course's",
            "# readers are imported above).",
            f"result = explore({name})",
        ]
    )


def notebook_from_module(source_path: Path, exercise: str | None = None) -> nbformat.NotebookNode:
    """The learner notebook of the module at ``source_path`` (a stub, or any exercise module)."""
    exercise = exercise or source_path.stem
    text = source_path.read_text(encoding="utf-8")
    tree = ast.parse(text, filename=str(source_path))
    lines = text.splitlines(keepends=True)
    docstring = ast.get_docstring(tree) or ""
    body = tree.body[1:] if docstring else tree.body
    cells = [nbformat.v4.new_markdown_cell(_opening(exercise, source_path, docstring))]
    setup: list[ast.stmt] = []
    pending: list[ast.stmt] = []

    def flush_setup() -> None:
        """The statements between two functions, as written (blank lines, comments)."""
        if pending:
            text = "".join(lines[pending[0].lineno - 1 : pending[-1].end_lineno]).strip("\n")
            cells.append(nbformat.v4.new_code_cell(text))
            pending.clear()

    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if not setup:  # the imports and constants above the first function, then the tools
                setup = list(pending)
                flush_setup()
                cells.append(
                    nbformat.v4.new_code_cell(
                        f"from {TOOLS_MODULE} import exercise_tools\n\n"
                        f'check, hint, explore = exercise_tools("{exercise}")'
                    )
                )
            flush_setup()
            public = not node.name.startswith("_") and not isinstance(node, ast.ClassDef)
            if public:
                title = _title(ast.get_docstring(node) or "")
                cells.append(nbformat.v4.new_markdown_cell(f"## `{node.name}`\n\n{title}"))
            cells.append(nbformat.v4.new_code_cell(statement_source(lines, node)))
            if public:
                cells.append(nbformat.v4.new_code_cell(_exploration(node.name)))
                cells.append(nbformat.v4.new_code_cell(f"check({node.name})"))
        else:
            pending.append(node)
    flush_setup()
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    # Without jupytext's version, so that another jupytext writes the same text.
    notebook.metadata["jupytext"] = {
        "notebook_metadata_filter": "-jupytext.text_representation.jupytext_version"
    }
    return notebook


def notebook_text(notebook: nbformat.NotebookNode) -> str:
    """The notebook in its text form (jupytext's MyST Markdown)."""
    return jupytext.writes(notebook, fmt=TEXT_FORMAT)


def exercise_notebooks(
    exercises_dir: Path = EXERCISES_DIR, out_dir: Path = NOTEBOOKS_DIR
) -> dict[Path, str]:
    """Each exercise's notebook path and the text its stub makes, in the registry's order."""
    return {
        out_dir / f"{dataset.exercise}.md": notebook_text(
            notebook_from_module(exercises_dir / f"{dataset.exercise}.py")
        )
        for dataset in DATASETS.values()
    }


def out_of_sync(exercises_dir: Path = EXERCISES_DIR, out_dir: Path = NOTEBOOKS_DIR) -> list[str]:
    """One line per notebook that differs from what its stub makes (missing counts)."""
    lines = []
    for path, text in exercise_notebooks(exercises_dir, out_dir).items():
        if not path.is_file():
            lines.append(f"{path}: missing (`make notebooks` writes it)")
        elif path.read_text(encoding="utf-8") != text:
            lines.append(f"{path}: differs from its stub (`make notebooks` rewrites it)")
    return lines
