"""Segregation indices, their inference and decompositions.

Plain functions that take a table with one row per area and the names of count
columns and return a small :class:`SegregationResult`; :func:`segregation_table`
computes every applicable index at once. Two-group indices take
``(df, group=..., population=...)``, multigroup indices ``(df, groups=[...])``; spatial
versions take ``graph=`` (a ``libpysal.graph.Graph``) or use the geometry.
"""

from sozplan.segregation._change import ipf
from sozplan.segregation._decomposition import (
    DecompositionResult,
    decompose_change,
    decompose_mutual_information,
    decompose_spatial_attribute,
)
from sozplan.segregation._inference import (
    ComparisonResult,
    RandomizationResult,
    compare_indices,
    randomization_test,
)
from sozplan.segregation._local import (
    local_diversity,
    local_entropy,
    local_mutual_information,
    local_simpson_concentration,
    local_simpson_interaction,
    location_quotients,
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
from sozplan.segregation._mutual import (
    MutualBootstrapResult,
    bootstrap_mutual_information,
    expected_local_mutual_information,
    expected_mutual_information,
    exposure_matrix,
    mutual_information_within,
)
from sozplan.segregation._result import SegregationResult
from sozplan.segregation._spatial import (
    absolute_centralization,
    absolute_clustering,
    absolute_concentration,
    boundary_dissimilarity,
    delta,
    distance_decay_exposure,
    distance_decay_isolation,
    multiscalar_profile,
    perimeter_area_dissimilarity,
    relative_centralization,
    relative_clustering,
    relative_concentration,
    spatial_dissimilarity,
    spatial_proximity,
)
from sozplan.segregation._table import segregation_table
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
    "DecompositionResult",
    "MutualBootstrapResult",
    "RandomizationResult",
    "SegregationResult",
    "absolute_centralization",
    "absolute_clustering",
    "absolute_concentration",
    "atkinson",
    "bias_corrected_dissimilarity",
    "bootstrap_mutual_information",
    "boundary_dissimilarity",
    "compare_indices",
    "correlation_ratio",
    "decompose_change",
    "decompose_mutual_information",
    "decompose_spatial_attribute",
    "delta",
    "density_corrected_dissimilarity",
    "dissimilarity",
    "distance_decay_exposure",
    "distance_decay_isolation",
    "diversity",
    "entropy",
    "expected_local_mutual_information",
    "expected_mutual_information",
    "exposure",
    "exposure_matrix",
    "gini",
    "hutchens",
    "information_theory",
    "ipf",
    "isolation",
    "local_diversity",
    "local_entropy",
    "local_mutual_information",
    "local_simpson_concentration",
    "local_simpson_interaction",
    "location_quotients",
    "min_max",
    "modified_dissimilarity",
    "modified_gini",
    "multigroup_dissimilarity",
    "multigroup_gini",
    "multiscalar_profile",
    "mutual_information",
    "mutual_information_within",
    "normalized_exposure",
    "perimeter_area_dissimilarity",
    "randomization_test",
    "relative_centralization",
    "relative_clustering",
    "relative_concentration",
    "relative_diversity",
    "segregation_table",
    "simpson_concentration",
    "simpson_interaction",
    "spatial_dissimilarity",
    "spatial_proximity",
    "squared_coefficient_of_variation",
]
