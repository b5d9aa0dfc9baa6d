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
- **financing level**: funding programmes, cost plans and own funds
  (:func:`validate_programmes`, :func:`validate_cost_plan`, :func:`validate_funding`,
  :func:`validate_own_funds`), the multi-year :func:`financing_plan` with its problems
  (programme ends, unbudgeted own shares, double funding, ...), the cheapest
  :func:`bundle_funding` of programmes (mixed-integer programme, exact to the cent),
  :func:`budget_execution` (Soll/Ist, Mittelabfluss, forecast, traffic lights),
  :func:`cost_per_target` and the :func:`prioritize` of measures under a budget;
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
from sozplan.planning._bundling import Bundling, Portfolio, bundle_funding, prioritize
from sozplan.planning._common import COST_COLUMNS
from sozplan.planning._costs import (
    Targeting,
    concentration_index,
    cost_indicators,
    cost_summary,
    targeting,
)
from sozplan.planning._execution import (
    TRAFFIC_LIGHT_LABELS,
    BudgetExecution,
    budget_execution,
    cost_per_target,
)
from sozplan.planning._financing import (
    LEVELS_OF_FUNDING,
    PROBLEM_LABELS,
    FinancingPlan,
    financing_plan,
    to_cents,
    validate_cost_plan,
    validate_funding,
    validate_own_funds,
    validate_programmes,
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
from sozplan.planning._workbook import financing_workbook

__all__ = [
    "ALL_AREAS",
    "COST_COLUMNS",
    "LEVELS_OF_FUNDING",
    "PROBLEM_LABELS",
    "STATUS_LABELS_DE",
    "TARGET_KINDS",
    "TRAFFIC_LIGHT_LABELS",
    "Allocation",
    "AllocationComparison",
    "Attainment",
    "BudgetExecution",
    "Bundling",
    "DiDResult",
    "FinancingPlan",
    "PlanningData",
    "Portfolio",
    "Targeting",
    "Timeline",
    "allocate",
    "budget_execution",
    "bundle_funding",
    "compare_allocations",
    "concentration_index",
    "cost_indicators",
    "cost_per_target",
    "cost_summary",
    "difference_in_differences",
    "financing_plan",
    "financing_workbook",
    "measure_areas",
    "planning_data",
    "prioritize",
    "target_attainment",
    "targeting",
    "timeline",
    "to_cents",
    "validate_cost_plan",
    "validate_costs",
    "validate_funding",
    "validate_measures",
    "validate_own_funds",
    "validate_programmes",
    "validate_targets",
]
