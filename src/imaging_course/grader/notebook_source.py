"""Exercise notebooks graded as modules: the definitions are taken out of the code cells by
parsing, never by running them.

A learner may hand in ``<exercise>.ipynb``, its text form (``<exercise>.md``, jupytext's
Markdown or MyST Markdown) or a jupytext percent script (``<exercise>.py`` with ``# %%``
cells) instead of a module. Each code cell is parsed on its own (IPython's own transformer
turns magics into calls first); from it the grader takes the imports, the function and class
definitions and the constants (assignments to UPPER_CASE names), and leaves out everything
else: exploration, plots, checks, and cells that do not parse. The module made of what was
taken is then graded in the sandbox like any module, so nothing of a notebook runs outside it.

A notebook that defines a function (or class) twice is refused, naming both cells: which one
is meant cannot be guessed. So is a folder that holds two sources of one exercise (a module
and a notebook, or two notebooks).
"""

import ast
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

NOTEBOOK_SUFFIXES = (".ipynb", ".md")
"""Notebook files the grader reads (a ``.py`` file is a notebook when it has ``# %%`` cells)."""
KERNEL_TOOLS = "imaging_course.notebooks"
"""The notebook helpers (``check``, ``hint``): for the kernel, never part of the graded module."""
TAKEN_WORDS = "imports, constants, functions, classes"
LEFT_WORDS = "exploration, plots, checks"


@dataclass
class Extraction:
    """What was taken from one notebook: the module's source (None when refused), the cells
    taken and left out (1-based, every cell counted), and why it was refused."""

    path: Path
    source: str | None = None
    taken: list[int] = field(default_factory=list)
    left_out: dict[int, str] = field(default_factory=dict)
    refusal: str | None = None

    def summary(self) -> str:
        """One line: which cells were taken and which left out, or why the notebook was
        refused."""
        if self.refusal is not None:
            return f"{self.path.name}: refused: {self.refusal}"
        reasons: dict[str, list[int]] = {}
        for cell, reason in self.left_out.items():
            reasons.setdefault(reason, []).append(cell)
        left = "; ".join(f"{_cells(cells)} ({reason})" for reason, cells in reasons.items())
        taken = f"took {_cells(self.taken)} ({TAKEN_WORDS})" if self.taken else "took no cell"
        return f"{self.path.name}: {taken}; left out {left or 'no code cell'}"


def _cells(numbers: list[int]) -> str:
    return ("cell " if len(numbers) == 1 else "cells ") + ", ".join(map(str, numbers))


def is_percent_script(path: Path) -> bool:
    """Whether a ``.py`` file is a jupytext percent script (its cells start with ``# %%``)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(line.startswith("# %%") for line in text.splitlines())


def read_cells(path: Path) -> list[tuple[str, str]]:
    """The cells of a notebook file as ``(cell type, source)``, in order."""
    import jupytext  # noqa: PLC0415  (only notebook submissions need it)

    notebook = jupytext.read(path)
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def statement_source(lines: list[str], node: ast.stmt) -> str:
    """A top-level statement's source as written (``lines`` keep their ends), decorators
    and the comments inside it included."""
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
    return "".join(lines[first - 1 : node.end_lineno]).rstrip("\n")


def _python(source: str) -> str:
    """A code cell as Python: IPython's magics (``%matplotlib``, ``!ls``) become calls."""
    from IPython.core.inputtransformer2 import TransformerManager  # noqa: PLC0415

    return TransformerManager().transform_cell(source)


def _constant(node: ast.Assign | ast.AnnAssign) -> bool:
    """An assignment to UPPER_CASE names only (``A = 1``, ``A, B = 0, 1``, ``T: int = 3``)."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    names = []
    for target in targets:
        parts = target.elts if isinstance(target, ast.Tuple | ast.List) else [target]
        if not all(isinstance(part, ast.Name) for part in parts):
            return False
        names += [part.id for part in parts]
    return bool(names) and all(name.lstrip("_").isupper() for name in names)


def _taken(node: ast.stmt) -> bool:
    if isinstance(node, ast.Import):
        return not any(alias.name.startswith(KERNEL_TOOLS) for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return not (node.module or "").startswith(KERNEL_TOOLS)
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return True
    if isinstance(node, ast.Assign | ast.AnnAssign):
        return _constant(node)
    return False


def extract(path: Path) -> Extraction:
    """The module a notebook holds: its imports, definitions and constants, cell by cell."""
    extraction = Extraction(Path(path))
    try:
        cells = read_cells(path)
    except Exception as exc:  # any damaged notebook: refused, saying why
        extraction.refusal = f"cannot be read as a notebook ({type(exc).__name__}: {exc})"[:400]
        return extraction
    parts: list[str] = []
    defined: dict[str, int] = {}
    for number, (kind, source) in enumerate(cells, start=1):
        if kind != "code" or not source.strip():
            continue
        text = _python(source)
        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            extraction.left_out[number] = f"syntax error, line {exc.lineno}"
            continue
        lines = text.splitlines(keepends=True)
        kept = []
        for node in tree.body:
            if not _taken(node):
                continue
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                if node.name in defined:
                    extraction.refusal = (
                        f"it defines {node.name} twice, in cell {defined[node.name]} and cell "
                        f"{number}: keep one"
                    )
                    return extraction
                defined[node.name] = number
            kept.append(statement_source(lines, node))
        if kept:
            extraction.taken.append(number)
            parts.append(f"# {Path(path).name}, cell {number}\n" + "\n\n".join(kept))
        else:
            extraction.left_out[number] = LEFT_WORDS
    extraction.source = "\n\n\n".join(parts) + "\n"
    return extraction


@dataclass
class Submission:
    """The folder the grader imports from, and what it says about the notebooks in it.

    ``folder`` is the learner's own folder when it holds no notebook; else a temporary folder
    with the learner's ``.py`` files and one module per notebook (:meth:`close` removes it).
    ``refused`` maps an exercise to why its source was refused; ``lines`` are the one-line
    summaries, one per notebook.
    """

    folder: Path
    lines: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    temporary: bool = False

    def close(self) -> None:
        if self.temporary:
            shutil.rmtree(self.folder, ignore_errors=True)


def _sources(learner_dir: Path, exercise: str) -> list[Path]:
    """The files of ``learner_dir`` that could be ``exercise``'s source."""
    module = learner_dir / f"{exercise}.py"
    found = [module] if module.is_file() else []
    found += [learner_dir / f"{exercise}{suffix}" for suffix in NOTEBOOK_SUFFIXES]
    return [path for path in found if path.is_file()]


def prepare_submission(learner_dir: Path, exercises: list[str]) -> Submission:
    """The folder to grade ``learner_dir``'s ``exercises`` from, notebooks taken apart."""
    learner_dir = Path(learner_dir)
    notebooks: dict[str, Path] = {}
    refused: dict[str, str] = {}
    lines: list[str] = []
    for exercise in exercises:
        sources = _sources(learner_dir, exercise)
        if len(sources) > 1:
            names = " and ".join(path.name for path in sources)
            refused[exercise] = f"the folder holds {names}: grade one (move the other out)"
            lines.append(f"{exercise}: refused: {refused[exercise]}")
        elif sources and (sources[0].suffix != ".py" or is_percent_script(sources[0])):
            notebooks[exercise] = sources[0]
    if not notebooks:
        return Submission(learner_dir, lines, refused)
    folder = Path(tempfile.mkdtemp(prefix="grader-notebooks-"))
    folder.chmod(0o755)  # calls running as a user of their own import from it
    for path in learner_dir.glob("*.py"):
        if path.stem not in notebooks:
            shutil.copy2(path, folder / path.name)
    for exercise, path in notebooks.items():
        extraction = extract(path)
        lines.append(extraction.summary())
        if extraction.refusal is not None:
            refused[exercise] = f"{path.name}: {extraction.refusal}"
        else:
            (folder / f"{exercise}.py").write_text(extraction.source, encoding="utf-8")
    for path in folder.iterdir():
        path.chmod(0o644)
    return Submission(folder, lines, refused, temporary=True)
