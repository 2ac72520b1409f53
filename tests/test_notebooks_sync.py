"""The learner notebooks stay in sync with the stubs they are made from.

The committed ``notebooks/*.md`` must be exactly what ``python -m imaging_course.notebooks
sync`` writes from ``exercises/*.py``; the functions of a notebook (names, signatures,
docstrings) are those of its stub, in order, whatever functions the stub holds.
"""

import ast
import re
import shutil
import subprocess
import sys

import jupytext

from imaging_course.course_modules import EXERCISES_DIR
from imaging_course.datasets.registry import DATASETS
from imaging_course.notebooks.generate import (
    NOTEBOOKS_DIR,
    exercise_notebooks,
    notebook_from_module,
    out_of_sync,
)


def _functions(source: str) -> list[tuple[str, str, str]]:
    """(name, signature, docstring) of each top-level function, in order."""
    tree = ast.parse(source)
    return [
        (node.name, ast.unparse(node.args), ast.get_docstring(node) or "")
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    ]


def test_committed_notebooks_are_what_the_stubs_make():
    assert out_of_sync() == [], "run `make notebooks` and commit notebooks/"
    assert sorted(NOTEBOOKS_DIR.glob("*.md")) == sorted(exercise_notebooks())


def test_each_notebook_holds_its_stubs_functions_in_order():
    for dataset in DATASETS.values():
        stub = (EXERCISES_DIR / f"{dataset.exercise}.py").read_text(encoding="utf-8")
        notebook = jupytext.read(NOTEBOOKS_DIR / f"{dataset.exercise}.md")
        code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
        defined = [f for source in code for f in _functions(source)]
        assert defined == _functions(stub)
        assert len(defined) >= 4
        for name, _, _ in defined:  # each function: an exploration cell, then a check cell
            cell = next(i for i, source in enumerate(code) if source.startswith(f"def {name}("))
            assert f"explore({name})" in code[cell + 1]
            assert code[cell + 2] == f"check({name})"


def test_a_changed_stub_makes_the_check_fail_until_sync(tmp_path):
    exercises, notebooks = tmp_path / "exercises", tmp_path / "notebooks"
    shutil.copytree(EXERCISES_DIR, exercises)
    shutil.copytree(NOTEBOOKS_DIR, notebooks)
    assert out_of_sync(exercises, notebooks) == []
    siim = exercises / "siim_eda.py"
    text = siim.read_text(encoding="utf-8")
    for old, new in [
        ("def demographics(table: pd.DataFrame)", "def demographics(table: pd.DataFrame, x=1)"),
        ("Counts by sex and view", "Counts by sex, view"),
    ]:
        siim.write_text(text.replace(old, new), encoding="utf-8")
        [problem] = out_of_sync(exercises, notebooks)
        assert problem.startswith(f"{notebooks / 'siim_eda.md'}: differs from its stub")
    # A new function anywhere in the stub gets its cells, in the stub's order.
    added = text.replace(
        "\n\ndef decode_rle(",
        '\n\ndef view_balance(root):\n    """Share of PA views."""\n    raise NotImplementedError'
        "\n\n\ndef decode_rle(",
    )
    siim.write_text(added, encoding="utf-8")
    notebook = notebook_from_module(siim)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    names = [f[0] for source in code for f in _functions(source)]
    assert names[1:4] == ["demographics", "view_balance", "decode_rle"]
    assert "check(view_balance)" in code


def test_check_command_passes_on_the_committed_notebooks(repo_root):
    check = subprocess.run(
        [sys.executable, "-m", "imaging_course.notebooks", "check"],
        capture_output=True,
        text=True,
        cwd=repo_root,
        check=False,
    )
    assert check.returncode == 0, check.stderr


def test_exercise_pages_offer_the_notebook_for_download(built_site):
    """Each exercise page links its notebook as a file of the built site (offline), the
    committed text, and says how to start it."""
    for dataset in DATASETS.values():
        page = built_site.html / "medical-imaging" / "exercises" / f"{dataset.name}.html"
        text = page.read_text(encoding="utf-8")
        links = re.findall(rf'href="([^"]*_downloads/[^"]*/{dataset.exercise}\.md)"', text)
        assert links, f"{page} offers no {dataset.exercise}.md"
        served = (page.parent / links[0]).resolve()
        expected = (NOTEBOOKS_DIR / f"{dataset.exercise}.md").read_text(encoding="utf-8")
        assert served.read_text(encoding="utf-8") == expected
        words = re.sub(r"<[^>]+>", "", text)  # the console blocks are highlighted
        assert "make lab" in words
        assert "make grade SOLUTIONS=notebooks" in words
