"""parse_age converting PatientAge with float(): '038Y' becomes NaN."""

import math

import siim_eda_base
from siim_eda_base import *  # noqa: F403  (every other function as in the solution)


def parse_age(value):
    try:
        return float(str(value))  # MISTAKE: the unit letter of an Age String is not stripped
    except ValueError:
        return math.nan


siim_eda_base.parse_age = parse_age  # the solution's scan calls it by its module name
