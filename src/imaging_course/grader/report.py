"""What a grading run tells people: per-check feedback, the score table, the JSON report.

The JSON report (``--grade-report``) is the one record of a run; the terminal summary, the
gradebook's rows and the per-learner feedback files are all rendered from it. Feedback that
several checks share (a function that is not written yet fails every check of its call with
the same words) is shown once, with the checks it applies to.
"""

from collections.abc import Iterable

from imaging_course.grader.grading_run import CheckOutcome


def render_outcome(outcome: CheckOutcome) -> str:
    """The feedback of one check: what differs, then the hints of the detectors that fired."""
    lines = [f"{outcome.name}: {outcome.earned}/{outcome.check.points} points"]
    lines.extend(f"  {line}" for line in outcome.feedback)
    lines.extend(f"  hint: {hint}" for hint in outcome.hints)
    return "\n".join(lines)


def build_report(outcomes: Iterable[CheckOutcome], learner_dir: str, data: dict) -> dict:
    """The JSON report: score in %, points per exercise, every check with its feedback."""
    checks = [outcome.as_dict() for outcome in outcomes]
    exercises: dict[str, dict] = {}
    for check in checks:
        entry = exercises.setdefault(check["exercise"], {"earned": 0, "points": 0})
        entry["earned"] += check["earned"]
        entry["points"] += check["points"]
    for entry in exercises.values():
        entry["percent"] = _percent(entry["earned"], entry["points"])
    earned = sum(check["earned"] for check in checks)
    points = sum(check["points"] for check in checks)
    return {
        "learner_dir": learner_dir,
        "percent": _percent(earned, points),
        "earned": earned,
        "points": points,
        "exercises": exercises,
        "checks": checks,
        "data": data,
    }


def _percent(earned: int, points: int) -> float:
    return round(100.0 * earned / points, 1) if points else 0.0


def score_table(report: dict) -> list[str]:
    """The per-exercise table and the total, as lines for the terminal."""
    lines = [f"{'exercise':<14}{'points':>8}{'of':>6}{'score':>9}"]
    for name, entry in report["exercises"].items():
        lines.append(f"{name:<14}{entry['earned']:>8}{entry['points']:>6}{entry['percent']:>8.1f}%")
    lines.append(
        f"{'total':<14}{report['earned']:>8}{report['points']:>6}{report['percent']:>8.1f}%"
    )
    return lines


def feedback_groups(checks: list[dict]) -> list[tuple[list[dict], list[str], list[str]]]:
    """The failed checks grouped by identical feedback and hints, in report order:
    ``(checks, feedback lines, hints)``."""
    groups: dict[tuple, list[dict]] = {}
    for check in checks:
        if not check["passed"]:
            key = (tuple(check["feedback"]), tuple(check["hints"]))
            groups.setdefault(key, []).append(check)
    return [(members, list(feedback), list(hints)) for (feedback, hints), members in groups.items()]


def _names(members: list[dict]) -> str:
    """``a [sample], b [sample, held-out]``: the checks of a group, by id with their variants."""
    variants: dict[str, list[str]] = {}
    for check in members:
        variants.setdefault(check["id"], []).append(check["variant"])
    return ", ".join(f"{name} [{', '.join(labels)}]" for name, labels in variants.items())


def grouped_feedback(checks: list[dict]) -> list[str]:
    """Terminal lines: each feedback once, under the checks it fails and their lost points."""
    lines = []
    for members, feedback, hints in feedback_groups(checks):
        lost = sum(check["points"] for check in members)
        lines.append(f"{_names(members)}: 0 of {lost} point{'s' * (lost != 1)}")
        lines.extend(f"  {line}" for line in feedback)
        lines.extend(f"  hint: {hint}" for hint in hints)
    return lines


def exit_line(
    report: dict, *, stopped: str | None = None, problem: str | None = None, zero: bool = False
) -> str:
    """The last line of a grading run: the score and what the exit status means (``zero``:
    the run exits 0 whatever the score, as `make grade` asks)."""
    if problem is not None:
        return f"cannot grade, exit status 4: {problem}"
    if stopped is not None:
        return (
            f"grading stopped ({stopped}) at {report['percent']:.1f}%: exit status 2 (the checks "
            "whose calls had not ended count as failed)"
        )
    if report["percent"] >= 100.0:
        return "score 100.0%: every check passed (exit status 0)"
    if zero:
        return (
            f"score {report['percent']:.1f}%: below 100% (the feedback above says what to fix); "
            "exit status 0: the grading itself ran to the end"
        )
    return (
        f"score {report['percent']:.1f}%: below 100%, so the grader's exit status is 1; "
        "that is the score, not a crash (the feedback above says what to fix)"
    )


def render_feedback(report: dict) -> str:
    """A learner's feedback file (Markdown): the score, then each feedback once with hints."""
    lines = [f"# Feedback: {report['percent']:.1f}%", "", "```", *score_table(report), "```", ""]
    lines.extend(f"- {line}" for line in report.get("notebooks", []))
    lines.extend([""] if report.get("notebooks") else [])
    groups = feedback_groups(report["checks"])
    if not groups:
        lines.append("Every check passed.")
    for members, feedback, hints in groups:
        lost = sum(check["points"] for check in members)
        lines.append(f"## {_names(members)}: 0 of {lost} point{'s' * (lost != 1)}")
        lines.append("")
        lines.extend(f"    {line}" for line in feedback)
        lines.extend(f"- hint: {hint}" for hint in hints)
        lines.append("")
    return "\n".join(lines) + "\n"
