"""Composite social indices, thresholds and status/dynamics monitoring.

Build an index step by step (outlier treatment, imputation, normalisation, weights,
aggregation), or in one call from a serialisable spec with :func:`composite_index`;
cut it into classes (:func:`classify`) and test the cuts
(:func:`threshold_sensitivity`); quantify uncertainty and sensitivity
(:func:`uncertainty`, :func:`sensitivity`, :func:`sobol_indices`); and run the staged
status/dynamics procedure of Berlin's MSS and Hamburg's Sozialmonitoring
(:func:`status_dynamics`, :func:`monitor`).
"""

from __future__ import annotations

from sozplan.index._classify import (
    DYNAMICS_LABELS,
    STATUS_LABELS,
    Classification,
    ThresholdSensitivity,
    assign_classes,
    classify,
    interval_labels,
    threshold_sensitivity,
)
from sozplan.index._monitoring import (
    UNASSIGNED,
    Monitoring,
    StatusDynamics,
    changes,
    monitor,
    status_dynamics,
    transition_matrix,
)

__all__ = [
    "DYNAMICS_LABELS",
    "STATUS_LABELS",
    "UNASSIGNED",
    "Classification",
    "Monitoring",
    "StatusDynamics",
    "ThresholdSensitivity",
    "assign_classes",
    "changes",
    "classify",
    "interval_labels",
    "monitor",
    "status_dynamics",
    "threshold_sensitivity",
    "transition_matrix",
]
