"""Typologies of areas (Sozialraumtypen): clusters with choice of k, profiles and stability.

- :func:`typology`: standardise, cluster (Ward, k-means, Gaussian mixture, k-medoids),
  choose the number of types by silhouette, Calinski-Harabasz and the gap statistic,
  profile and describe each type in words, and measure its bootstrap stability
  (Jaccard, Hennig 2007); population-weighted if asked;
- :class:`TypologyClusterer`: the scikit-learn estimator behind it (``Pipeline``-ready);
- building blocks: :func:`select_n_clusters`, :func:`gap_statistic`, :func:`cluster_stability`,
  :func:`describe_profile`.

Examples
--------
>>> import pandas as pd
>>> from sozplan.typology import typology
>>> df = pd.DataFrame({"a": [1.0, 1.2, 0.9, 5.0, 5.1, 4.8], "b": [0.0, 0.1, 0.2, 3.0, 3.2, 2.9]},
...                   index=list("uvwxyz"))
>>> t = typology(df, ["a", "b"], n_clusters=2, n_bootstrap=0, labels={"a": "Merkmal A", "b": "Merkmal B"})
>>> t.labels.tolist()
[1, 1, 1, 2, 2, 2]
>>> t.descriptions[2]
'überdurchschnittlich: Merkmal A (+1,0 SD), Merkmal B (+1,0 SD)'
"""

from __future__ import annotations

from sozplan.typology._estimator import METHODS, TypologyClusterer
from sozplan.typology._typology import (
    TypologyResult,
    cluster_stability,
    describe_profile,
    gap_statistic,
    select_n_clusters,
    typology,
)

__all__ = [
    "METHODS",
    "TypologyClusterer",
    "TypologyResult",
    "cluster_stability",
    "describe_profile",
    "gap_statistic",
    "select_n_clusters",
    "typology",
]
