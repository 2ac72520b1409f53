"""The UIDs of the SIIM-ACR files: DCMTK's root and the study/series/SOP numbering.

Every real file's UIDs read ``1.2.276.0.7230010.3.1.<kind>.8323329.<n>.<timestamp>.<x>``,
where ``<kind>`` is 2 for the study, 3 for the series and 4 for the SOP instance, and the
study's last number is the SOP's minus 1, the series' minus 2. The file name, and the
``ImageId`` of the label CSV, is the SOP Instance UID.
"""

import re
from dataclasses import dataclass

import numpy as np

DCMTK_ROOT = "1.2.276.0.7230010.3.1"
"""OFFIS DCMTK's UID root, under which the competition's converter named everything."""

SITE = 8323329
"""The constant after the kind digit in every real UID."""

STUDY, SERIES, SOP = 2, 3, 4

UID_PATTERN = re.compile(rf"^{re.escape(DCMTK_ROOT)}\.([234])\.{SITE}\.(\d+)\.(\d{{10}})\.(\d+)$")
"""Matches one UID; groups: kind, ``n``, timestamp (Unix seconds), last number."""

FIRST_TIMESTAMP = 1517875000
"""Unix seconds (2018-02-05) near which the real files' UIDs were minted."""


@dataclass(frozen=True)
class SiimUids:
    """The three UIDs of one file."""

    study: str
    series: str
    sop: str


def siim_uids(number: int, timestamp: int, last: int) -> SiimUids:
    """The study, series and SOP UIDs for one file; ``last`` (the SOP's) must be at least 2."""
    if last < 2:
        raise ValueError(f"the SOP UID's last number must be at least 2, not {last}")

    def uid(kind: int, tail: int) -> str:
        return f"{DCMTK_ROOT}.{kind}.{SITE}.{number}.{timestamp}.{tail}"

    return SiimUids(study=uid(STUDY, last - 1), series=uid(SERIES, last - 2), sop=uid(SOP, last))


def draw_siim_uids(rng: np.random.Generator, count: int) -> list[SiimUids]:
    """``count`` distinct UID triples drawn from ``rng``, in the real files' ranges.

    ``n`` is distinct per file (1 to 32,999 as in the real data), the timestamp grows with
    ``n`` over about four minutes, and the last number has six digits.
    """
    numbers = rng.choice(np.arange(1, 33_000), size=count, replace=False)
    lasts = rng.integers(100_002, 999_999, size=count)
    return [
        siim_uids(int(n), FIRST_TIMESTAMP + int(n) * 240 // 33_000, int(last))
        for n, last in zip(numbers, lasts, strict=True)
    ]
