"""The Hints section of a function's docstring in a stub, as a list of hints.

The stubs' docstrings follow numpydoc (``Hints`` / ``-----``, then ``- `` bullets that may run
over several lines); the stub is parsed, not imported.
"""

import ast
from pathlib import Path


def docstring_hints(module_path: Path, function: str) -> list[str]:
    """The bullets of ``function``'s Hints section in ``module_path``, each on one line."""
    tree = ast.parse(Path(module_path).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return _hints(ast.get_docstring(node) or "")
    return []


def _hints(docstring: str) -> list[str]:
    lines = docstring.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "Hints") + 2
    except StopIteration:
        return []
    hints: list[str] = []
    for line in lines[start:]:
        text = line.strip()
        if text.startswith("- "):
            hints.append(text[2:])
        elif text and hints and line.startswith(" "):
            hints[-1] += " " + text
        elif text and not line.startswith(" "):
            break  # the next section
    return hints
