"""Exports for instructors: every question of the site as ``quizzes.json`` and Moodle GIFT.

Both files are written into the root of the HTML output at the end of a build, from the
records the directive kept (plain text, no markup). Questions follow the site's reading order
(the toctree, depth first from the root page), then any page outside it by name.

GIFT (https://docs.moodle.org/en/GIFT_format): one ``$CATEGORY`` a page, then each question
as ``::id::[plain]text{...}`` with ``=right``/``~wrong`` choices and ``#feedback``; multiple
choice as weighted ``~%50%`` answers (wrong ones negative, so ticking everything scores 0);
numeric as ``{#answer:tolerance}`` with a relative tolerance turned into an absolute one; the
explanation as general feedback (``####``). GIFT has no hints: the JSON keeps them.
"""

import json
from pathlib import Path

from .model import QuizRecord, format_number

JSON_NAME = "quizzes.json"
GIFT_NAME = "quizzes.gift"
EXPORT_NAMES = {"json": JSON_NAME, "gift": GIFT_NAME}

#: Characters with a meaning in GIFT; each is written with a backslash before it.
GIFT_SPECIAL = "\\~=#{}:"


def reading_order(
    toctree_includes: dict[str, list[str]], root: str, docnames: list[str]
) -> list[str]:
    """``docnames`` in toctree order from ``root`` (depth first), the rest sorted after."""
    ordered: list[str] = []
    pending = [root]
    while pending:
        current = pending.pop()
        if current in ordered:
            continue
        ordered.append(current)
        pending.extend(reversed(toctree_includes.get(current, [])))
    wanted = set(docnames)
    in_toctree = [docname for docname in ordered if docname in wanted]
    return in_toctree + sorted(wanted - set(in_toctree))


def quiz_as_json(record: QuizRecord, url: str) -> dict:
    """One question as a JSON object; ``url`` is its page's address relative to the site root."""
    entry: dict = {
        "id": record.quiz_id,
        "page": record.docname,
        "url": f"{url}#quiz-{record.quiz_id}",
        "kind": record.kind,
        "question": record.question,
        "hint": record.hint,
        "explanation": record.explanation,
    }
    if record.kind == "numeric":
        entry["answer"] = record.answer
        entry["tolerance"] = {
            "value": record.tolerance.value,
            "relative": record.tolerance.relative,
            "absolute": record.tolerance.absolute(record.answer),
        }
        entry["unit"] = record.unit
    else:
        entry["choices"] = [
            {"text": choice.text, "correct": choice.correct, "feedback": choice.feedback}
            for choice in record.choices
        ]
    return entry


def write_json(records: list[QuizRecord], urls: dict[str, str], path: Path) -> None:
    """Write ``{"questions": [...]}`` to ``path`` (UTF-8, indented for diffs)."""
    questions = [quiz_as_json(record, urls[record.docname]) for record in records]
    text = json.dumps({"questions": questions}, indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def gift_escape(text: str) -> str:
    """``text`` on one line with every GIFT special character backslash-escaped."""
    one_line = " ".join(text.split())
    return "".join(f"\\{char}" if char in GIFT_SPECIAL else char for char in one_line)


def quiz_as_gift(record: QuizRecord) -> str:
    """One question in GIFT, without a trailing blank line."""
    question = record.question
    if record.kind == "numeric" and record.unit:
        question = f"{question} (in {record.unit})"
    general = f"####{gift_escape(record.explanation)}" if record.explanation else ""
    if record.kind == "numeric":
        answers = f"{_gift_numeric(record)}{general}"
    else:
        answers = f"{_gift_choices(record)}\n{general}" if general else _gift_choices(record)
        answers += "\n"
    return f"::{gift_escape(record.quiz_id)}::[plain]{gift_escape(question)}{{{answers}}}"


def _gift_numeric(record: QuizRecord) -> str:
    tolerance = record.tolerance.absolute(record.answer)
    return f"#{format_number(record.answer)}:{format_number(tolerance)}"


def _gift_choices(record: QuizRecord) -> str:
    right = sum(choice.correct for choice in record.choices)
    wrong = len(record.choices) - right
    lines = []
    for choice in record.choices:
        if record.kind == "single":
            mark = "=" if choice.correct else "~"
        else:
            weight = 100 / right if choice.correct else -100 / wrong
            mark = f"~%{_gift_weight(weight)}%"
        feedback = f"#{gift_escape(choice.feedback)}" if choice.feedback else ""
        lines.append(f"\n\t{mark}{gift_escape(choice.text)}{feedback}")
    return "".join(lines)


def _gift_weight(percent: float) -> str:
    """Moodle's own spelling of a grade: at most 5 decimals, no trailing zeros."""
    return f"{percent:.5f}".rstrip("0").rstrip(".")


def write_gift(records: list[QuizRecord], category_root: str, path: Path) -> None:
    """Write the questions to ``path``, one ``$CATEGORY`` per page under ``category_root``."""
    parts = []
    page = None
    for record in records:
        if record.docname != page:
            page = record.docname
            parts.append(f"$CATEGORY: $course$/top/{category_root}/{page}")
        parts.append(f"// {record.docname}, line {record.line}\n{quiz_as_gift(record)}")
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
