"""Segregation indices, their inference and decompositions.

Plain functions that take a table with one row per area and the names of count
columns and return a small :class:`SegregationResult`; :func:`segregation_table`
computes every applicable index at once. Two-group indices take
``(df, group=..., total=...)``, multigroup indices ``(df, groups=[...])``; spatial
versions take ``graph=`` (a ``libpysal.graph.Graph``) or use the geometry.
"""

from sozplan.segregation._inference import (
    ComparisonResult,
    RandomizationResult,
    compare_indices,
    randomization_test,
)
from sozplan.segregation._multigroup import (
    diversity,
    information_theory,
    multigroup_dissimilarity,
    multigroup_gini,
    mutual_information,
    normalized_exposure,
    relative_diversity,
    simpson_concentration,
    simpson_interaction,
    squared_coefficient_of_variation,
)
from sozplan.segregation._result import SegregationResult
from sozplan.segregation._twogroup import (
    atkinson,
    bias_corrected_dissimilarity,
    correlation_ratio,
    density_corrected_dissimilarity,
    dissimilarity,
    entropy,
    exposure,
    gini,
    hutchens,
    isolation,
    min_max,
    modified_dissimilarity,
    modified_gini,
)

__all__ = [
    "ComparisonResult",
    "RandomizationResult",
    "SegregationResult",
    "atkinson",
    "bias_corrected_dissimilarity",
    "compare_indices",
    "correlation_ratio",
    "density_corrected_dissimilarity",
    "dissimilarity",
    "diversity",
    "entropy",
    "exposure",
    "gini",
    "hutchens",
    "information_theory",
    "isolation",
    "min_max",
    "modified_dissimilarity",
    "modified_gini",
    "multigroup_dissimilarity",
    "multigroup_gini",
    "mutual_information",
    "normalized_exposure",
    "randomization_test",
    "relative_diversity",
    "simpson_concentration",
    "simpson_interaction",
    "squared_coefficient_of_variation",
]
