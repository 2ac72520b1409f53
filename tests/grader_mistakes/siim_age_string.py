"""The age parser assuming every PatientAge is an Age String such as '038Y'.

It cuts the last character off as the unit, so SIIM's bare '46' becomes 4 years.
"""

import math

import siim_eda_base
from siim_eda_base import *  # noqa: F403  (every other function as in the solution)


def _parse_age(value):
    try:
        return float(str(value)[:-1])  # MISTAKE: '46' has no unit letter to cut off
    except ValueError:
        return math.nan


siim_eda_base._parse_age = _parse_age  # the solution's scan calls it by its module name
