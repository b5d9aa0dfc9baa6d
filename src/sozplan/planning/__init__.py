"""Integrated social and financial planning: areas, measures, costs, targets, outcomes.

Integrated social and financial planning (*integrierte Sozial- und Finanzplanung*) links
the living conditions of people in areas with the measures (*Maßnahmen*) that address
them and with their costs, through social and financial targets. This module gives it a
small, checked data model and the computations a planning office and its treasury
(*Kämmerei*) need:

- **data model** (tidy tables with validation): :func:`validate_measures`,
  :func:`validate_costs`, :func:`validate_targets`, :func:`measure_areas` and the bundle
  :func:`planning_data`;
- **need-based allocation** of a budget, exact to the cent, with base share, floors and
  caps: :func:`allocate`, and scenarios side by side: :func:`compare_allocations`;
- **cost indicators** per resident, person in need, case, measure, area and year:
  :func:`cost_summary`, :func:`cost_indicators`; **targeting** of spending on need:
  :func:`targeting`, :func:`concentration_index`;
- **targets and milestones**: :func:`target_attainment` (on track / at risk / achieved /
  missed against a linear path, rule stated), :func:`timeline`;
- **outcome monitoring**: :func:`difference_in_differences` with matched comparison
  areas, event study, confidence intervals and an honest pre-trend warning.

Examples
--------
>>> from sozplan.datasets import load_musterstadt
>>> from sozplan.planning import allocate
>>> pa = load_musterstadt("planning_area")
>>> res = allocate(pa, "sgb2_leistungsberechtigte", 1_000_000, base_share=0.2, floor=1_000)
>>> float(res.amount.sum())
1000000.0
"""

from __future__ import annotations

from sozplan.planning._allocate import (
    Allocation,
    AllocationComparison,
    allocate,
    compare_allocations,
)
from sozplan.planning._common import COST_COLUMNS
from sozplan.planning._costs import (
    Targeting,
    concentration_index,
    cost_indicators,
    cost_summary,
    targeting,
)
from sozplan.planning._model import (
    ALL_AREAS,
    TARGET_KINDS,
    PlanningData,
    measure_areas,
    planning_data,
    validate_costs,
    validate_measures,
    validate_targets,
)
from sozplan.planning._outcome import DiDResult, difference_in_differences
from sozplan.planning._targets import (
    STATUS_LABELS_DE,
    Attainment,
    Timeline,
    target_attainment,
    timeline,
)

__all__ = [
    "ALL_AREAS",
    "COST_COLUMNS",
    "STATUS_LABELS_DE",
    "TARGET_KINDS",
    "Allocation",
    "AllocationComparison",
    "Attainment",
    "DiDResult",
    "PlanningData",
    "Targeting",
    "Timeline",
    "allocate",
    "compare_allocations",
    "concentration_index",
    "cost_indicators",
    "cost_summary",
    "difference_in_differences",
    "measure_areas",
    "planning_data",
    "target_attainment",
    "targeting",
    "timeline",
    "validate_costs",
    "validate_measures",
    "validate_targets",
]
