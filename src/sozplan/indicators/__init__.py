"""Indicators (Kennzahlen) from counts: catalogue, rates with intervals, aggregation, change.

The building blocks of small-area social reporting:

- :class:`IndicatorSpec` and the shipped catalogue (:func:`load_catalog`): what an
  indicator is (numerator and denominator counts, multiplier, unit, direction of
  disadvantage, dimension, definition and source), serialisable to YAML and JSON;
- :func:`rates`: values with confidence intervals (Wilson, Clopper-Pearson, exact
  Poisson) and flags for small numbers and suppressed inputs;
- :func:`aggregate`: counts summed up the area hierarchy, indicators recomputed from the
  sums (rates are never averaged: the "Platte und Penthouse" trap);
- :func:`change`: change between years in points and per cent (MSS dynamics);
- small numbers: :func:`empirical_bayes` (global and spatial), :func:`assuncao_reis`,
  :func:`location_quotient`.

Examples
--------
>>> import pandas as pd
>>> from sozplan.indicators import rates
>>> df = pd.DataFrame({"einwohner": [1200, 800], "auslaender": [240, 40]},
...                   index=pd.Index(["001", "002"], name="planungsraum"))
>>> rates(df, "auslaenderanteil").value
indicator     auslaenderanteil
planungsraum
001                       20.0
002                        5.0
"""

from __future__ import annotations

from sozplan.indicators._aggregate import aggregate, change
from sozplan.indicators._intervals import format_interval, rate_ci
from sozplan.indicators._rates import STATUS, Rates, evaluate, poisson_ci, proportion_ci, rates
from sozplan.indicators._smoothing import assuncao_reis, empirical_bayes, location_quotient
from sozplan.indicators._spec import (
    KINDS,
    IndicatorSpec,
    load_catalog,
    resolve_specs,
    save_catalog,
)

__all__ = [
    "KINDS",
    "STATUS",
    "IndicatorSpec",
    "Rates",
    "aggregate",
    "assuncao_reis",
    "change",
    "empirical_bayes",
    "evaluate",
    "format_interval",
    "load_catalog",
    "location_quotient",
    "poisson_ci",
    "proportion_ci",
    "rate_ci",
    "rates",
    "resolve_specs",
    "save_catalog",
]
