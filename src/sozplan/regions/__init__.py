"""Regions and zonings: regionalisation with population bounds, zoning assessment, heterogeneity.

- :func:`regionalize`: contiguous, homogeneous regions from blocks with a population
  floor and ceiling (contiguity-constrained Ward, SKATER or max-p, then a repair and
  a refinement step), with GeoDa's quality table;
- :func:`compare_zonings`: homogeneity, balance, compactness and MAUP sensitivity of
  alternative divisions, adjusted Rand index and variation of information;
- :func:`heterogeneity`: within-zone variance, Theil decomposition and bimodality;
  flags zones whose mean hides very different populations ("Platte und Penthouse");
- :func:`areal_interpolate`: counts and rates between non-congruent zonings (area- or
  population-weighted).
"""

from __future__ import annotations

from sozplan.checks import public_functions
from sozplan.regions._heterogeneity import (
    HeterogeneityResult,
    ashman_d,
    bimodality_coefficient,
    heterogeneity,
    theil_decomposition,
)
from sozplan.regions._interpolate import areal_interpolate
from sozplan.regions._quality import balance
from sozplan.regions._regionalize import METHODS, RegionalizationResult, regionalize
from sozplan.regions._zonings import ZoningComparison, compare_zonings, variation_of_information

__all__ = [
    "METHODS",
    "HeterogeneityResult",
    "RegionalizationResult",
    "ZoningComparison",
    "areal_interpolate",
    "ashman_d",
    "balance",
    "bimodality_coefficient",
    "compare_zonings",
    "heterogeneity",
    "regionalize",
    "theil_decomposition",
    "variation_of_information",
]

public_functions(globals())
