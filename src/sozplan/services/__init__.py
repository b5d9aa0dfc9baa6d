"""Social infrastructure: supply, need and accessibility of services, and where to build next.

Social planning decides about services (Kitas, schools, youth centres, care homes) as much
as about areas. This module joins supply, accessibility and the social index:

- **facilities as data**: :func:`validate_facilities` (points with type, places and
  opening year), :func:`locate_facilities`, :func:`select_facilities`,
  :data:`FACILITY_TYPES`;
- **travel costs**: from an origin-destination table (:func:`od_costs`), a street
  network (:func:`network_costs`, shortest paths with ``scipy.sparse.csgraph``) or the
  straight line as a labelled fallback (:func:`straight_line_costs`), as
  :class:`TravelCosts`;
- **supply ratios** (*Versorgungsquote*) per area, by location and by residence,
  against a target with the gap in places: :func:`supply_ratio`;
- **accessibility**: :func:`two_step_fca` (Luo & Wang 2003),
  :func:`enhanced_two_step_fca` (Luo & Qi 2009), :func:`gravity_access` (Hansen 1959),
  :func:`nearest_cost`, with decay functions :func:`uniform`, :func:`step`,
  :func:`gaussian`, :func:`exponential`, :func:`power`;
- **equity**: :func:`service_equity` (by social-index class, concentration index and
  curve), :func:`need_supply` (areas with high need and low supply);
- **where to build**: :func:`propose_sites` (p-median or maximal coverage with
  ``spopt.locate``, supply before and after).

Examples
--------
>>> from sozplan.datasets import load_facilities, load_musterstadt
>>> from sozplan import services as S
>>> blocks = load_musterstadt("block")
>>> kitas = S.select_facilities(load_facilities(), "kita", year=2024)
>>> costs = S.straight_line_costs(blocks, kitas, max_cost=1000)
>>> acc = S.two_step_fca(blocks, "einwohner_0_5", kitas, costs=costs)
>>> quote = S.supply_ratio(blocks, "einwohner_0_5", kitas, by="planungsraum", target=70,
...                        access=acc)
>>> round(quote.total["ratio_location"]) == round(quote.total["ratio_residence"])
True
"""

from __future__ import annotations

from sozplan.checks import public_functions
from sozplan.services._access import (
    LUO_QI_STEPS,
    Accessibility,
    enhanced_two_step_fca,
    gravity_access,
    nearest_cost,
    two_step_fca,
)
from sozplan.services._costs import TravelCosts, network_costs, od_costs, straight_line_costs
from sozplan.services._decay import Decay, exponential, gaussian, power, step, uniform
from sozplan.services._equity import Equity, need_supply, service_equity
from sozplan.services._facilities import (
    FACILITY_TYPES,
    locate_facilities,
    select_facilities,
    validate_facilities,
)
from sozplan.services._locate import SiteProposal, propose_sites
from sozplan.services._supply import SupplyRatio, supply_ratio

__all__ = [
    "FACILITY_TYPES",
    "LUO_QI_STEPS",
    "Accessibility",
    "Decay",
    "Equity",
    "SiteProposal",
    "SupplyRatio",
    "TravelCosts",
    "enhanced_two_step_fca",
    "exponential",
    "gaussian",
    "gravity_access",
    "locate_facilities",
    "nearest_cost",
    "need_supply",
    "network_costs",
    "od_costs",
    "power",
    "propose_sites",
    "select_facilities",
    "service_equity",
    "step",
    "straight_line_costs",
    "supply_ratio",
    "two_step_fca",
    "uniform",
    "validate_facilities",
]

public_functions(globals())
