"""Small-area population projection for Kita, school and care planning.

- :func:`hamilton_perry`: cohort-change ratios when only stocks by age band exist;
- :func:`cohort_component`: survival, fertility, migration and new-build housing, in
  single years of age, reconciled to a city-level control, with prediction intervals;
  :func:`estimate_rates` derives the area rates from recent births, deaths and moves;
- :func:`demand`: places needed for an age group and a participation rate;
- :func:`backtest`: project from an earlier year to a later known one and compare with
  naive methods (constant shares, linear trend).

Bands of any width are split into single years transparently (:func:`split_ages`) and
re-aggregated (:func:`aggregate_ages`).
"""

from __future__ import annotations

from sozplan.checks import public_functions
from sozplan.projection._backtest import BacktestResult, backtest
from sozplan.projection._bands import AgeBands, aggregate_ages, split_ages
from sozplan.projection._cohort import COMPONENTS, SCENARIO_KEYS, cohort_component, estimate_rates
from sozplan.projection._demand import DEMAND_GROUPS, demand
from sozplan.projection._hamilton_perry import ProjectionResult, hamilton_perry

__all__ = [
    "COMPONENTS",
    "DEMAND_GROUPS",
    "SCENARIO_KEYS",
    "AgeBands",
    "BacktestResult",
    "ProjectionResult",
    "aggregate_ages",
    "backtest",
    "cohort_component",
    "demand",
    "estimate_rates",
    "hamilton_perry",
    "split_ages",
]

public_functions(globals())
