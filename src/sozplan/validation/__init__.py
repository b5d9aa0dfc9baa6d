"""Validation of small-area data and indicator sets (Datenprüfung).

:func:`validate` runs every rule (completeness, plausibility, small numbers,
distribution, redundancy, reliability and structure, temporal stability, external
validity) and returns a :class:`ValidationReport` with a tidy table of findings. It
reports problems of messy data and never raises on them.

The statistics behind the reliability and structure rules are public too:
:func:`cronbach_alpha`, :func:`kmo`, :func:`bartlett_sphericity`,
:func:`variance_inflation` and :func:`principal_components`.

Examples
--------
>>> import pandas as pd
>>> from sozplan.validation import validate
>>> df = pd.DataFrame({"einwohner": [500, 800], "auslaender": [50, 900]}, index=["01", "02"])
>>> report = validate(df, ["auslaenderanteil"], population="einwohner")
>>> report.ok
False
>>> print(report.select("numerator_above_denominator")["message"].iloc[0])
Ausländeranteil: Zähler 900 (auslaender) größer als Nenner 800 (einwohner).
"""

from __future__ import annotations

from sozplan.checks import public_functions
from sozplan.validation._report import (
    CHECKS,
    CHECKS_EN,
    RULES,
    RULES_EN,
    SEVERITIES,
    ValidationReport,
)
from sozplan.validation._rules import MatchesTotals, PartOfWhole, SumEquals
from sozplan.validation._stats import (
    bartlett_sphericity,
    cronbach_alpha,
    kmo,
    principal_components,
    variance_inflation,
)
from sozplan.validation._validate import Thresholds, validate

__all__ = [
    "CHECKS",
    "CHECKS_EN",
    "RULES",
    "RULES_EN",
    "SEVERITIES",
    "MatchesTotals",
    "PartOfWhole",
    "SumEquals",
    "Thresholds",
    "ValidationReport",
    "bartlett_sphericity",
    "cronbach_alpha",
    "kmo",
    "principal_components",
    "validate",
    "variance_inflation",
]

public_functions(globals())
