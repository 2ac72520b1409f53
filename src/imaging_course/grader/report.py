"""What a grading run tells people: per-check feedback, the score table, the JSON report.

The JSON report (``--grade-report``) is the one record of a run; the terminal summary, the
gradebook's rows and the per-learner feedback files are all rendered from it.
"""

from collections.abc import Iterable

from imaging_course.grader.grading import CheckOutcome


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


def render_feedback(report: dict) -> str:
    """A learner's feedback file (Markdown): the score, then every failed check with hints."""
    lines = [f"# Feedback: {report['percent']:.1f}%", "", "```", *score_table(report), "```", ""]
    failed = [check for check in report["checks"] if not check["passed"]]
    if not failed:
        lines.append("Every check passed.")
    for check in failed:
        lines.append(f"## {check['id']} [{check['variant']}]: 0/{check['points']} points")
        lines.append("")
        lines.extend(f"    {line}" for line in check["feedback"])
        lines.extend(f"- hint: {hint}" for hint in check["hints"])
        lines.append("")
    return "\n".join(lines) + "\n"
