"""Spatial autocorrelation for small-area social data, on esda and libpysal.graph.

The functions wrap esda and share one signature pattern::

    moran(df, column, *, graph="queen", permutations=999, rng=None, alternative="two-sided")

* ``graph`` is a :class:`libpysal.graph.Graph` aligned **by id** with ``df``
  (default: :func:`sozplan.graph.build_graph`, queen contiguity, raising on islands);
* ``rng`` makes every permutation test reproducible without touching numpy's global
  state (see :func:`moran` for how the seed is derived);
* p-values are two-sided unless asked otherwise and never exceed 1; local results
  carry Benjamini-Hochberg q-values, Bonferroni p-values and cluster labels in German
  and English.

Global statistics return frozen result objects (:class:`GlobalResult`,
:class:`JoinCountsResult`, :class:`CorrelogramResult`) with ``statistic``,
``p_value``, ``to_frame()``, ``plot()`` and an HTML view; local statistics return a
DataFrame on the index of ``df``.

Examples
--------
>>> import pandas as pd
>>> from libpysal.graph import Graph
>>> from sozplan.autocorrelation import moran
>>> g = Graph.from_lattice(4, 4, rook=True)
>>> df = pd.DataFrame({"x": [1., 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]})
>>> res = moran(df, "x", graph=g, permutations=99, rng=7)
>>> round(res.statistic, 3), res.p_value <= 0.05
(0.708, True)
"""

from __future__ import annotations

from sozplan.autocorrelation._common import CLUSTER_LABELS_DE, CLUSTER_LABELS_EN
from sozplan.autocorrelation._global import (
    CorrelogramResult,
    GlobalResult,
    JoinCountsResult,
    geary,
    getis_ord_general,
    join_counts,
    moran,
    moran_bv,
    moran_correlogram,
    moran_rate,
)
from sozplan.autocorrelation._local import (
    local_geary,
    local_getis_ord,
    local_join_counts,
    local_moran,
    local_moran_bv,
    local_moran_rate,
)

__all__ = [
    "CLUSTER_LABELS_DE",
    "CLUSTER_LABELS_EN",
    "CorrelogramResult",
    "GlobalResult",
    "JoinCountsResult",
    "geary",
    "getis_ord_general",
    "join_counts",
    "local_geary",
    "local_getis_ord",
    "local_join_counts",
    "local_moran",
    "local_moran_bv",
    "local_moran_rate",
    "moran",
    "moran_bv",
    "moran_correlogram",
    "moran_rate",
]
