"""What a quiz question is, as plain data: the record kept in the environment and exported.

Text fields hold plain text (the inline MyST of the source rendered to text), because the
exports (``quizzes.json``, Moodle GIFT) and the browser's checks need no markup. Numbers are
floats in the question's own unit.
"""

import math
import re
from dataclasses import dataclass, field

KINDS = ("single", "multiple", "numeric")

#: A tolerance is a non-negative number, optionally followed by ``%`` (relative to the answer).
_TOLERANCE = re.compile(r"^\s*(?P<value>[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(?P<percent>%?)\s*$")

#: ``GiB = 1024``: a unit, then how many of the question's unit it makes (a number or a/b).
_MULTIPLE = re.compile(r"^\s*(?P<unit>[^\s=,0-9][^=,]*?)\s*=\s*(?P<factor>[^=,]+?)\s*$")

#: numpy 2 shows scalars as ``np.float64(3.5)``; a glued value's text/plain looks like that.
_NUMPY_SCALAR = re.compile(r"^(?:np|numpy)\.\w+\((?P<inner>.*)\)$")


def parse_number(text: str) -> float:
    """The finite float that ``text`` spells, or ValueError.

    Accepts what ``float`` accepts plus numpy's scalar repr (``np.float64(22.3)``) and quotes
    around the number, which is how a glued value's ``text/plain`` representation may look.
    """
    stripped = text.strip()
    numpy_scalar = _NUMPY_SCALAR.match(stripped)
    if numpy_scalar:
        stripped = numpy_scalar["inner"].strip()
    stripped = stripped.strip("'\"")
    value = float(stripped)
    if not math.isfinite(value):
        msg = f"{text!r} is not a finite number"
        raise ValueError(msg)
    return value


def parse_unit_multiples(text: str, unit: str) -> dict[str, float]:
    """The ``:units:`` of a numeric question: ``"GiB = 1024, KiB = 1/1024"`` gives
    ``{"GiB": 1024.0, "KiB": 0.0009765625}``, each the number of ``unit`` one of it makes.

    ValueError names the part that is not ``UNIT = NUMBER`` (or ``a/b``), a factor that is not
    positive, a unit given twice, or the question's own unit.
    """
    multiples: dict[str, float] = {}
    for part in text.split(","):
        match = _MULTIPLE.match(part)
        if not match:
            msg = f"{part.strip()!r} is not UNIT = FACTOR (e.g. GiB = 1024 or KiB = 1/1024)"
            raise ValueError(msg)
        numerator, _, denominator = match["factor"].partition("/")
        try:
            factor = parse_number(numerator) / (parse_number(denominator) if denominator else 1)
        except (ValueError, ZeroDivisionError):
            msg = f"{match['factor']!r} in {part.strip()!r} is not a number or a fraction a/b"
            raise ValueError(msg) from None
        name = match["unit"]
        if factor <= 0 or name in multiples or name == unit:
            msg = f"{part.strip()!r}: a unit other than {unit!r}, once, with a positive factor"
            raise ValueError(msg)
        multiples[name] = factor
    return multiples


def format_number(value: float) -> str:
    """``value`` as people write it: ``348``, not ``348.0``; at most 12 significant digits."""
    return str(int(value)) if value.is_integer() else f"{value:.12g}"


@dataclass(frozen=True)
class Tolerance:
    """How far a numeric answer may be from the right one and still count as right.

    Attributes
    ----------
    value : float
        The allowed distance: in the question's unit when absolute, a percentage of the answer
        when relative.
    relative : bool
        Whether ``value`` is a percentage (written ``2%``) rather than absolute (``0.5``).
    """

    value: float = 0.0
    relative: bool = False

    @classmethod
    def parse(cls, text: str) -> "Tolerance":
        """Read ``0.5`` (absolute) or ``2%`` (relative); ValueError for anything else."""
        match = _TOLERANCE.match(text)
        if not match:
            msg = f"tolerance {text!r} is neither a non-negative number nor a percentage like 2%"
            raise ValueError(msg)
        return cls(float(match["value"]), relative=bool(match["percent"]))

    def absolute(self, answer: float) -> float:
        """The allowed distance in the question's unit, for the right answer ``answer``."""
        return self.value / 100 * abs(answer) if self.relative else self.value

    def __str__(self) -> str:
        number = format_number(self.value)
        return f"{number}%" if self.relative else number


@dataclass(frozen=True)
class Choice:
    """One choice of a single or multiple choice question (plain text)."""

    text: str
    correct: bool
    feedback: str = ""


@dataclass(frozen=True)
class QuizRecord:
    """One valid question, as the exports and the duplicate-id check need it.

    Attributes
    ----------
    quiz_id : str
        The ``:id:``, unique across the site.
    docname : str
        The page that holds the question.
    source : str
        The path of the source file (for messages).
    line : int
        The 1-based line of the ``:::{quiz}`` opening in ``source``.
    kind : str
        One of :data:`KINDS`.
    question, hint, explanation : str
        Plain text; hint and explanation are empty when not given.
    choices : tuple of Choice
        Empty for numeric questions.
    answer : float or None
        The right number of a numeric question, in ``unit``.
    tolerance : Tolerance or None
        Of a numeric question.
    unit : str
        Of a numeric question; may be empty.
    unit_multiples : dict
        Other units a numeric answer may be typed in, with how many of ``unit`` each makes.
    """

    quiz_id: str
    docname: str
    source: str
    line: int
    kind: str
    question: str
    hint: str = ""
    explanation: str = ""
    choices: tuple[Choice, ...] = field(default_factory=tuple)
    answer: float | None = None
    tolerance: Tolerance | None = None
    unit: str = ""
    unit_multiples: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class QuizProblem:
    """A quiz that failed validation: where, and what is wrong."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"
