"""Composite social indices, thresholds and status/dynamics monitoring.

Build an index step by step (outlier treatment, imputation, normalisation, weights,
aggregation), or in one call from a serialisable spec with :func:`composite_index`;
cut it into classes (:func:`classify`) and test the cuts
(:func:`threshold_sensitivity`); quantify uncertainty and sensitivity
(:func:`uncertainty`, :func:`sensitivity`, :func:`sobol_indices`); and run the staged
status/dynamics procedure of Berlin's MSS and Hamburg's Sozialmonitoring
(:func:`status_dynamics`, :func:`monitor`).

Examples
--------
>>> import pandas as pd
>>> from sozplan.index import status_dynamics
>>> df = pd.DataFrame({"alq": [2.0, 4.0, 9.0, 6.0], "sgb2": [5.0, 9.0, 20.0, 11.0]},
...                   index=["01", "02", "03", "04"])
>>> status_dynamics(df, ["alq", "sgb2"]).status_class.tolist()
['hoch', 'mittel', 'sehr niedrig', 'mittel']
"""

from __future__ import annotations

from sozplan.index._aggregate import AGGREGATIONS, aggregate, aggregate_matrix, copeland
from sozplan.index._classify import (
    DYNAMICS_CLASSES,
    STATUS_CLASSES,
    Classification,
    ThresholdSensitivity,
    assign_classes,
    classify,
    interval_labels,
    threshold_sensitivity,
)
from sozplan.index._composite import SPEC_FORMAT, IndexResult, IndexSpec, composite_index
from sozplan.index._monitoring import (
    UNASSIGNED,
    Monitoring,
    StatusDynamics,
    changes,
    monitor,
    status_dynamics,
    transition_matrix,
)
from sozplan.index._monitoring_spec import MONITORING_FORMAT, MonitoringSpec
from sozplan.index._transform import (
    STANDARDIZATIONS,
    Imputer,
    OutlierTreatment,
    Standardizer,
    impute,
    standardize,
    treat_outliers,
)
from sozplan.index._uncertainty import (
    SensitivityResult,
    SobolResult,
    UncertaintyResult,
    saltelli_design,
    sensitivity,
    sobol_from_samples,
    sobol_indices,
    uncertainty,
)
from sozplan.index._weights import (
    FactorWeights,
    ImportanceWeights,
    check_weights,
    equal_weights,
    importance,
    pca_weights,
    weights_for_importance,
)

__all__ = [
    "AGGREGATIONS",
    "DYNAMICS_CLASSES",
    "MONITORING_FORMAT",
    "SPEC_FORMAT",
    "STANDARDIZATIONS",
    "STATUS_CLASSES",
    "UNASSIGNED",
    "Classification",
    "FactorWeights",
    "ImportanceWeights",
    "Imputer",
    "IndexResult",
    "IndexSpec",
    "Monitoring",
    "MonitoringSpec",
    "OutlierTreatment",
    "SensitivityResult",
    "SobolResult",
    "Standardizer",
    "StatusDynamics",
    "ThresholdSensitivity",
    "UncertaintyResult",
    "aggregate",
    "aggregate_matrix",
    "assign_classes",
    "changes",
    "check_weights",
    "classify",
    "composite_index",
    "copeland",
    "equal_weights",
    "importance",
    "impute",
    "interval_labels",
    "monitor",
    "pca_weights",
    "saltelli_design",
    "sensitivity",
    "sobol_from_samples",
    "sobol_indices",
    "standardize",
    "status_dynamics",
    "threshold_sensitivity",
    "transition_matrix",
    "treat_outliers",
    "uncertainty",
    "weights_for_importance",
]
