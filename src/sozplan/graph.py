"""Spatial weights for small areas: build, inspect and align ``libpysal.graph.Graph``.

Every spatial statistic in sozplan takes its neighbourhood structure as a
:class:`libpysal.graph.Graph`. This module builds such graphs from a
GeoDataFrame of areas (blocks, planning areas, district regions) with the traps of
the raw libpysal calls removed:

* **queen is queen** -- ``Graph.build_contiguity`` defaults to *rook*; here the
  kind is named explicitly (``"queen"`` or ``"rook"``).
* **distances need metres** -- k-nearest-neighbour, distance-band and kernel
  graphs are refused on a geographic CRS (degrees).
* **islands are never handled silently** -- areas without any neighbour (a river
  island, an exclave) and disconnected components are detected up front and
  handled by an explicit policy ``islands="raise"|"nearest"|"drop"|"keep"``; the
  default raises with the ids and the fix.
* **ids, not positions** -- the graph carries the index of the frame it was built
  from; :func:`align_graph` puts it into the order of a data table and refuses
  tables with other ids.

:func:`graph_report` describes a graph (neighbours per area, isolates,
components, asymmetry, and what the island policy did) as a result object with an
HTML view for notebooks.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> cells = [box(x, y, x + 100, y + 100) for y in range(0, 300, 100) for x in range(0, 300, 100)]
>>> gdf = gpd.GeoDataFrame({"id": [f"{i:02d}" for i in range(9)]}, geometry=cells,
...                        crs="EPSG:25832").set_index("id")
>>> g = build_graph(gdf)  # queen contiguity, row-standardised
>>> g.cardinalities.tolist()
[3, 5, 3, 5, 8, 5, 3, 5, 3]
>>> build_graph(gdf, "rook").cardinalities.tolist()
[2, 3, 2, 3, 4, 3, 2, 3, 2]
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.geometry import points_of
from sozplan._core.registry import ObjectNotes
from sozplan._core.text import german
from sozplan.checks import (
    check_aligned_index,
    check_frame,
    check_projected_crs,
    check_unique_index,
    fail,
    format_values,
    public_functions,
)
from sozplan.plotting import FigureDisplay

if TYPE_CHECKING:  # libpysal takes seconds to import: it is imported where a graph is built
    from libpysal.graph import Graph

__all__ = [
    "GraphReport",
    "IslandReport",
    "align_graph",
    "build_graph",
    "graph_report",
    "island_report",
]

Kind = Literal["queen", "rook", "knn", "distance", "kernel"]
IslandPolicy = Literal["raise", "nearest", "drop", "keep"]

_KINDS = ("queen", "rook", "knn", "distance", "kernel")
_POLICIES = ("raise", "nearest", "drop", "keep")
_TRANSFORMS = ("r", "b", "v", "d", "o")
#: What build_graph found and did about islands, per graph it returned (kept in sozplan,
#: never written onto libpysal's Graph).
_ISLAND_REPORTS: ObjectNotes[IslandReport] = ObjectNotes()


@immutable
@dataclass(frozen=True, eq=False)
class IslandReport:
    """What :func:`build_graph` found and did about islands and components.

    Attributes
    ----------
    kind : str
        The kind of graph that was built.
    policy : str
        The island policy applied (``"raise"``, ``"nearest"``, ``"drop"``, ``"keep"``).
    isolates : tuple
        Ids of areas that had no neighbour in the graph as first built.
    component_sizes : tuple of int
        Sizes of the connected components of the graph as first built, largest first.
    added_edges : pandas.DataFrame
        Links added by ``islands="nearest"``: columns ``focal``, ``neighbor``,
        ``distance`` (metres between the two geometries); each link is added in
        both directions.
    dropped : tuple
        Ids removed by ``islands="drop"`` (every area outside the largest component).
    """

    kind: str
    policy: str
    isolates: tuple
    component_sizes: tuple
    added_edges: pd.DataFrame = field(repr=False)
    dropped: tuple = ()

    @property
    def n_components(self) -> int:
        """Number of connected components before the policy was applied."""
        return len(self.component_sizes)

    def describe(self) -> str:
        """One sentence (English) on what happened."""
        found = f"{len(self.isolates)} isolate(s) and {self.n_components} component(s) found"
        if self.policy == "nearest" and len(self.added_edges):
            return (
                f"{found}; islands='nearest' linked {len(self.added_edges)} "
                "island(s)/component(s) "
                "to their nearest area (links listed in added_edges)"
            )
        if self.policy == "drop" and self.dropped:
            return (
                f"{found}; islands='drop' removed {len(self.dropped)} area(s) outside the "
                "largest component"
            )
        if self.policy == "keep" and (self.isolates or self.n_components > 1):
            return f"{found}; islands='keep' left them as they are"
        return f"{found}; nothing to do"


def _check_inputs(gdf: Any, kind: str, islands: str, transform: str) -> None:
    where = "build_graph"
    check_frame(gdf, arg="gdf", where=where)
    if not hasattr(gdf, "geometry"):
        raise fail(
            where,
            "`gdf` has no geometry column",
            "pass a GeoDataFrame (e.g. sozplan.datasets.load_musterstadt()) or join the "
            "geometries first",
        )
    check_unique_index(gdf, arg="gdf", where=where)
    if kind not in _KINDS:
        raise fail(where, f"`kind` is {kind!r}", f"use one of {format_values(_KINDS)}")
    if islands not in _POLICIES:
        raise fail(where, f"`islands` is {islands!r}", f"use one of {format_values(_POLICIES)}")
    if str(transform).lower() not in _TRANSFORMS:
        raise fail(
            where,
            f"`transform` is {transform!r}",
            "use 'r' (row-standardised), 'b' (binary), 'v', 'd' or 'o' (original)",
        )
    missing = gdf.geometry.isna() | gdf.geometry.is_empty
    if missing.any():
        raise fail(
            where,
            f"{int(missing.sum())} area(s) of `gdf` have no geometry: "
            f"{format_values(gdf.index[missing])}",
            "repair or drop these areas explicitly before building the graph",
        )


def _build_raw(
    gdf: Any,
    kind: str,
    k: int | None,
    threshold: float | None,
    bandwidth: float | None,
    kernel: str,
) -> Graph:
    from libpysal.graph import Graph

    where = "build_graph"
    if kind in ("queen", "rook"):
        return Graph.build_contiguity(gdf.geometry, rook=(kind == "rook"), strict=False)
    check_projected_crs(gdf, arg="gdf", where=where, purpose=f"{kind} weights (distances)")
    points = points_of(gdf)
    if kind == "knn":
        if k is None or int(k) != k or k < 1 or k >= len(gdf):
            raise fail(
                where,
                f"kind='knn' needs `k`, a whole number between 1 and n-1 = {len(gdf) - 1}; "
                f"got {k!r}",
                "pass e.g. k=6",
            )
        return Graph.build_knn(points, k=int(k))
    if kind == "distance":
        if threshold is None or not np.isfinite(threshold) or threshold <= 0:
            raise fail(
                where,
                f"kind='distance' needs a positive `threshold` in metres; got {threshold!r}",
                "pass e.g. threshold=1000 (links areas whose centroids are at most 1 km apart)",
            )
        return Graph.build_distance_band(points, threshold=float(threshold), binary=True)
    # kernel
    if (bandwidth is None) == (k is None):
        raise fail(
            where,
            "kind='kernel' needs exactly one of `bandwidth` (metres, fixed) or `k` "
            f"(adaptive, distance to the k-th neighbour); got bandwidth={bandwidth!r}, k={k!r}",
            "pass e.g. bandwidth=1500 or k=8",
        )
    return Graph.build_kernel(points, kernel=kernel, bandwidth=bandwidth, k=k)


def _components(graph: Graph, ids: pd.Index | None = None) -> tuple[pd.Series, pd.Index]:
    """Component label per area and the isolates, from the sparse matrix (weak connection).

    ``ids`` may be given when they are known to be the graph's canonical order (the frame
    the graph was built from); this saves libpysal's ``unique_ids``/``cardinalities``
    passes over the adjacency table, which dominate on 100,000 areas.
    """
    from scipy.sparse.csgraph import connected_components

    sp = graph.sparse.tocsr()
    sp.eliminate_zeros()
    if ids is None or len(ids) != sp.shape[0]:
        ids = pd.Index(graph.unique_ids)
    _, labels = connected_components(sp, directed=True, connection="weak")
    isolates = ids[np.diff(sp.indptr) == 0]  # as Graph.isolates: no neighbour of its own
    return pd.Series(labels, index=ids, name="component"), isolates


def _graph_from_positions(ids: pd.Index, i: np.ndarray, j: np.ndarray, w: np.ndarray) -> Graph:
    """Build a Graph in the canonical order of ``ids`` from positional links (one pass)."""
    n = len(ids)
    missing = np.setdiff1d(np.arange(n), i)  # isolates: zero-weight self-loops (libpysal)
    i = np.concatenate([i, missing])
    j = np.concatenate([j, missing])
    w = np.concatenate([w, np.zeros(len(missing))])
    from libpysal.graph import Graph

    order = np.lexsort((j, i))
    index = pd.MultiIndex(
        levels=[ids, ids], codes=[i[order], j[order]], names=["focal", "neighbor"]
    )
    return Graph(pd.Series(w[order], index=index, name="weight"), is_sorted=True)


def _nearest_links(graph: Graph, geoms: Any, ids: pd.Index) -> tuple[Graph, pd.DataFrame]:
    """Link every component but the largest to its nearest area, until connected.

    Works on the sparse matrix and builds the Graph once at the end (positions follow
    ``ids``, the canonical order of ``graph``).
    """
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    sp = graph.sparse.tocsr()
    sp.eliminate_zeros()
    weight = 1.0
    if sp.nnz and not np.allclose(sp.data, 1.0):
        weight = float(sp.data.min())  # kernel graphs: the weakest existing link
    geoms = geoms.loc[ids]
    rows: list[tuple[int, int, float]] = []
    n = sp.shape[0]
    while True:
        _, labels = connected_components(sp, directed=True, connection="weak")
        counts = np.bincount(labels)
        if len(counts) <= 1:
            break
        new = []
        for comp in np.argsort(-counts, kind="stable")[1:]:
            inside = np.flatnonzero(labels == comp)
            outside = np.flatnonzero(labels != comp)
            out_geoms = geoms.iloc[outside]
            (src, dst), dist = out_geoms.sindex.nearest(
                geoms.iloc[inside], return_all=False, return_distance=True
            )
            best = int(np.argmin(dist))
            new.append((int(inside[src[best]]), int(outside[dst[best]]), float(dist[best])))
        rows.extend(new)
        a = np.array([r[0] for r in new] + [r[1] for r in new])
        b = np.array([r[1] for r in new] + [r[0] for r in new])
        extra = sparse.csr_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
        extra.sum_duplicates()  # two components may pick the same pair
        extra.data[:] = weight  # new links join components, so none existed before
        sp = (sp + extra).tocsr()
    coo = sp.tocoo()
    out = _graph_from_positions(ids, coo.row, coo.col, coo.data.astype(float))
    added = pd.DataFrame(
        {
            "focal": [ids[r[0]] for r in rows],
            "neighbor": [ids[r[1]] for r in rows],
            "distance": [r[2] for r in rows],
        }
    )
    return out, added


def _raise_islands(isolates: pd.Index, labels: pd.Series, kind: str) -> None:
    sizes = labels.value_counts()
    parts = []
    if len(isolates):
        parts.append(
            f"{len(isolates)} area(s) without any neighbour (isolates: {format_values(isolates)})"
        )
    if len(sizes) > 1:
        small = labels.index[labels.to_numpy() != sizes.index[0]]
        parts.append(
            f"{len(sizes)} disconnected components (sizes {format_values(sizes.tolist())}; "
            f"areas outside the largest: {format_values(small)})"
        )
    raise fail(
        "build_graph",
        f"the {kind} graph has " + " and ".join(parts),
        "choose a policy explicitly: islands='nearest' links each island/component to its "
        "nearest area (listed in graph_report), islands='drop' removes them (subset your data "
        "with df.loc[graph.unique_ids]), islands='keep' keeps them (statistics then flag the "
        "isolates); or use kind='knn'",
    )


def build_graph(
    gdf: Any,
    kind: Kind = "queen",
    *,
    k: int | None = None,
    threshold: float | None = None,
    bandwidth: float | None = None,
    kernel: str = "gaussian",
    islands: IslandPolicy = "raise",
    transform: str = "r",
) -> Graph:
    r"""Build spatial weights for the areas of a GeoDataFrame, with an explicit island policy.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        One row per area, indexed by the area id (unique). Polygons or points.
    kind : {"queen", "rook", "knn", "distance", "kernel"}, default "queen"
        * ``"queen"``: areas sharing a border or a corner are neighbours;
        * ``"rook"``: areas sharing a border (not only a corner);
        * ``"knn"``: the ``k`` nearest areas (centroids), asymmetric;
        * ``"distance"``: areas whose centroids lie within ``threshold`` metres
          (binary weights);
        * ``"kernel"``: kernel weights :math:`w_{ij} = K(d_{ij}/h)` with the
          fixed ``bandwidth`` :math:`h` or an adaptive one (distance to the
          ``k``-th neighbour).

        All but the contiguity kinds need a projected CRS in metres.
    k : int, optional
        Number of neighbours (``"knn"``) or of the adaptive kernel bandwidth.
    threshold : float, optional
        Distance band in metres (``"distance"``).
    bandwidth : float, optional
        Fixed kernel bandwidth in metres (``"kernel"``).
    kernel : str, default "gaussian"
        Kernel function for ``kind="kernel"`` (``"gaussian"``, ``"triangular"``,
        ``"bisquare"``, ``"parabolic"``, ``"cosine"``, ``"exponential"``, ``"boxcar"``).
    islands : {"raise", "nearest", "drop", "keep"}, default "raise"
        What to do when some areas have no neighbour (isolates) or the graph falls
        into several disconnected components:

        * ``"raise"``: raise :class:`~sozplan.errors.InputError` naming them;
        * ``"nearest"``: link each isolate and each smaller component to the
          nearest area outside it (shortest distance between the geometries), in
          both directions, repeated until the graph is connected; the links are
          listed by :func:`graph_report` (weight 1, or the weakest existing weight
          for kernel graphs);
        * ``"drop"``: remove every area outside the largest component; the graph
          then covers fewer areas than ``gdf`` (subset the data with
          ``df.loc[graph.unique_ids]``);
        * ``"keep"``: keep the graph as it is; statistics flag the isolates.
    transform : {"r", "b", "v", "d", "o"}, default "r"
        Weights transformation: row-standardised (:math:`\sum_j w_{ij} = 1`),
        binary, variance-stabilising, doubly standardised or original.

    Returns
    -------
    libpysal.graph.Graph
        Ids equal to ``gdf.index`` and in its order (fewer with ``islands="drop"``).
        What the island policy found and did is available with
        :func:`island_report` and :func:`graph_report`.

    Raises
    ------
    sozplan.errors.InputError
        Unknown kind or policy, missing geometries, duplicate ids, a geographic
        CRS for distance-based kinds, missing ``k``/``threshold``/``bandwidth``,
        and islands or components under the default policy.

    See Also
    --------
    graph_report, align_graph

    Notes
    -----
    Contiguity uses shared vertices (``strict=False``), which is robust to the
    tiny gaps of digitised boundaries; distance-based kinds use polygon centroids.
    Row standardisation gives isolates a zero row, which biases Moran's I towards
    zero -- hence the explicit policy.

    References
    ----------
    Anselin, L. & Rey, S. J. (2014). *Modern Spatial Econometrics in Practice*.
    GeoDa Press. Rey, S. J., Arribas-Bel, D. & Wolf, L. J. (2023). *Geographic Data
    Science with Python*, ch. 4. CRC Press. doi:10.1201/9780429292507

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> cells = [box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)]
    >>> gdf = gpd.GeoDataFrame(geometry=cells, index=["a", "b", "insel"], crs=25832)
    >>> build_graph(gdf)
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: build_graph: the queen graph has 1 area(s) without any neighbour ...
    >>> g = build_graph(gdf, islands="nearest")
    >>> sorted(g.neighbors["insel"])
    ['b']
    >>> island_report(g).added_edges
      focal neighbor  distance
    0  insel        b  5.0...
    """
    _check_inputs(gdf, kind, islands, transform)
    raw = _build_raw(gdf, kind, k, threshold, bandwidth, kernel)
    labels, isolates = _components(raw, pd.Index(gdf.index))
    sizes = tuple(int(s) for s in labels.value_counts().tolist())
    problem = len(isolates) > 0 or len(sizes) > 1
    added = pd.DataFrame(columns=["focal", "neighbor", "distance"])
    dropped: tuple = ()
    graph = raw
    if problem:
        if islands == "raise":
            _raise_islands(isolates, labels, kind)
        elif islands == "nearest":
            graph, added = _nearest_links(raw, gdf.geometry, pd.Index(gdf.index))
        elif islands == "drop":
            main = labels.value_counts().index[0]
            keep = labels.index[labels.to_numpy() == main]
            dropped = tuple(labels.index[labels.to_numpy() != main])
            graph = raw.subgraph(keep)
    graph = graph.transform(transform.lower())
    report = IslandReport(
        kind=kind,
        policy=islands,
        isolates=tuple(isolates),
        component_sizes=sizes,
        added_edges=added,
        dropped=dropped,
    )
    _ISLAND_REPORTS.set(graph, report)
    return graph


def island_report(graph: Graph) -> IslandReport | None:
    """Return what :func:`build_graph` found and did about islands (None for other graphs).

    Examples
    --------
    >>> from libpysal.graph import Graph
    >>> island_report(Graph.from_dicts({"a": ["b"], "b": ["a"]})) is None
    True
    """
    return _ISLAND_REPORTS.get(graph)


def align_graph(graph: Graph, df: pd.DataFrame, *, where: str = "align_graph") -> Graph:
    """Return ``graph`` with its areas in the order of ``df.index`` (ids must be the same set).

    ``Graph.lag`` and esda work by position, so data and graph must list the areas
    in the same order. This reorders the graph by id (never by position) and
    refuses tables whose ids differ from the graph's.

    Parameters
    ----------
    graph : libpysal.graph.Graph
    df : pandas.DataFrame
        Table indexed by area id.
    where : str
        Name of the calling function, for error messages.

    Returns
    -------
    libpysal.graph.Graph
        The same graph (object) if already aligned, else a reordered copy with the
        same weights and transformation.

    Raises
    ------
    sozplan.errors.InputError
        If ``graph`` is not a Graph, or the ids of ``df`` and ``graph`` differ
        (naming the ids only in one of them).

    Examples
    --------
    >>> import pandas as pd
    >>> from libpysal.graph import Graph
    >>> g = Graph.from_dicts({"a": ["b"], "b": ["a", "c"], "c": ["b"]})
    >>> df = pd.DataFrame({"x": [1, 2, 3]}, index=["c", "b", "a"])
    >>> list(align_graph(g, df).unique_ids)
    ['c', 'b', 'a']
    >>> align_graph(g, df.iloc[:2])
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: align_graph: the ids of `df` and `graph` differ: ...
    """
    from libpysal.graph import Graph

    if not isinstance(graph, Graph):
        raise fail(
            where,
            f"`graph` is a {type(graph).__name__}, not a libpysal.graph.Graph",
            "build one with sozplan.graph.build_graph(gdf) or convert a W with "
            "libpysal.graph.Graph.from_W(w)",
        )
    ids = pd.Index(graph.unique_ids)
    if ids.equals(df.index):
        return graph
    check_unique_index(df, where=where)
    check_aligned_index(df.index, ids, where=where)
    out = graph.subgraph(df.index)
    transformation = graph.transformation
    if transformation.upper() not in ("O", "C"):
        out = out.transform(transformation.lower())
    else:
        out.transformation = transformation
    report = island_report(graph)
    if report is not None:
        _ISLAND_REPORTS.set(out, report)
    return out


@immutable
@dataclass(frozen=True, eq=False)
class GraphReport:
    """Description of a spatial weights graph (see :func:`graph_report`).

    libpysal's own ``Graph.summary()`` lists the full statistics of the weights
    (cardinality and weight quantiles, sums of weights, traces); this report is the
    planner's view: islands and what :func:`build_graph` did about them, components,
    asymmetric links, an HTML table and a plot. Quantities that both give carry
    libpysal's names (``n_nodes``, ``nonzero``, ``n_components``, ``pct_nonzero``).

    Attributes
    ----------
    n_nodes : int
        Number of areas.
    nonzero : int
        Number of non-zero directed links (each symmetric pair counts twice).
    transformation : str
        Weights transformation of the graph (``"R"``, ``"B"``, ...).
    cardinalities : pandas.Series
        Number of neighbours per area, on the graph's ids.
    isolates : tuple
        Ids of areas without neighbours.
    component_labels : pandas.Series
        Component number per area.
    n_components : int
    component_sizes : tuple of int
        Largest first.
    n_asymmetric : int
        Number of directed links without a link in the opposite direction.
    pct_nonzero : float
        Share of non-zero cells of the n x n weights matrix, in percent.
    islands : IslandReport or None
        What :func:`build_graph` found and did about islands; None for graphs
        built elsewhere.
    """

    n_nodes: int
    nonzero: int
    transformation: str
    cardinalities: pd.Series = field(repr=False)
    isolates: tuple
    component_labels: pd.Series = field(repr=False)
    n_components: int
    component_sizes: tuple
    n_asymmetric: int
    pct_nonzero: float
    islands: IslandReport | None = field(repr=False, default=None)

    @property
    def mean_neighbors(self) -> float:
        """Mean number of neighbours per area."""
        return float(self.cardinalities.mean())

    def neighbor_distribution(self) -> pd.Series:
        """Return the number of areas per number of neighbours."""
        counts = self.cardinalities.value_counts().sort_index()
        counts.index.name = "n_neighbours"
        counts.name = "n_areas"
        return counts

    def _rows(self) -> list[tuple[str, str]]:
        card = self.cardinalities
        rows = [
            ("areas", f"{self.n_nodes:,}"),
            ("links (directed, non-zero)", f"{self.nonzero:,}"),
            ("transformation", self.transformation),
            (
                "neighbours per area",
                f"min {card.min()}, median {card.median():g}, mean {card.mean():.2f}, "
                f"max {card.max()}",
            ),
            (
                "isolates",
                f"{len(self.isolates)}"
                + (f": {format_values(self.isolates)}" if self.isolates else ""),
            ),
            ("components", f"{self.n_components} (sizes {format_values(self.component_sizes)})"),
            ("asymmetric links", f"{self.n_asymmetric:,}"),
            ("non-zero weights", f"{self.pct_nonzero:.3f} %"),
        ]
        if self.islands is not None:
            rows.append(("island policy", f"{self.islands.policy!r}: {self.islands.describe()}"))
            if len(self.islands.added_edges):
                links = ", ".join(
                    f"{r.focal!r}-{r.neighbor!r} ({r.distance:.0f} m)"
                    for r in self.islands.added_edges.head(5).itertuples()
                )
                rows.append(("links added", links))
            if self.islands.dropped:
                rows.append(("areas dropped", format_values(self.islands.dropped)))
        return rows

    def __repr__(self) -> str:
        rows = self._rows()
        width = max(len(k) for k, _ in rows)
        lines = ["GraphReport"] + [f"  {k:<{width}}  {v}" for k, v in rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>"
            f"{html.escape(v)}</td></tr>"
            for k, v in self._rows()
        )
        return f"<table><caption>Spatial weights graph</caption><tbody>{body}</tbody></table>"

    def to_frame(self) -> pd.DataFrame:
        """Per-area table: ``n_neighbours``, ``component``, ``isolate``, ``added_link``."""
        out = pd.DataFrame(
            {
                "n_neighbours": self.cardinalities.astype(int),
                "component": self.component_labels.reindex(self.cardinalities.index).astype(int),
            }
        )
        out["isolate"] = out.index.isin(list(self.isolates))
        linked: set = set()
        if self.islands is not None and len(self.islands.added_edges):
            linked = set(self.islands.added_edges["focal"]) | set(
                self.islands.added_edges["neighbor"]
            )
        out["added_link"] = out.index.isin(list(linked))
        return out

    def plot(self, ax: Any = None, *, language: str = "de") -> FigureDisplay:
        """Bar chart of the number of areas per number of neighbours."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        dist = self.neighbor_distribution()
        ax.bar(dist.index, dist.to_numpy(), color="#4c72b0")
        de = german(language, "GraphSummary.plot")
        ax.set_xlabel("Anzahl Nachbarn" if de else "number of neighbours")
        ax.set_ylabel("Gebiete" if de else "areas")
        ax.set_title(
            (f"Nachbarschaften: {self.n_nodes} Gebiete, {len(self.isolates)} ohne Nachbarn")
            if de
            else f"Neighbours: {self.n_nodes} areas, {len(self.isolates)} isolates"
        )
        alt = (
            "Balken: Zahl der Gebiete je Zahl der Nachbarn"
            if de
            else "Bars: number of areas per number of neighbours"
        )
        return FigureDisplay.from_axes(ax, "graph_summary", alt)


def graph_report(graph: Graph) -> GraphReport:
    """Summarise a graph: neighbours per area, isolates, components, asymmetry, island policy.

    Parameters
    ----------
    graph : libpysal.graph.Graph

    Returns
    -------
    GraphReport
        With ``__repr__``, ``_repr_html_``, ``to_frame()`` (one row per area) and
        ``plot(ax=None)`` (distribution of the number of neighbours).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> cells = [box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)]
    >>> gdf = gpd.GeoDataFrame(geometry=cells, index=["a", "b", "insel"], crs=25832)
    >>> s = graph_report(build_graph(gdf, islands="keep"))
    >>> s.isolates, s.n_components
    (('insel',), 2)
    """
    from libpysal.graph import Graph

    if not isinstance(graph, Graph):
        raise fail(
            "graph_report",
            f"`graph` is a {type(graph).__name__}, not a libpysal.graph.Graph",
            "pass a Graph, e.g. from sozplan.graph.build_graph(gdf)",
        )
    card = graph.cardinalities.astype(int)
    labels = graph.component_labels
    sizes = tuple(int(s) for s in labels.value_counts().tolist())
    n_asym = len(graph.asymmetry(intrinsic=False))
    return GraphReport(
        n_nodes=int(graph.n),
        nonzero=int(graph.nonzero),
        transformation=str(graph.transformation),
        cardinalities=card,
        isolates=tuple(graph.isolates),
        component_labels=labels,
        n_components=len(sizes),
        component_sizes=sizes,
        n_asymmetric=n_asym,
        pct_nonzero=float(graph.pct_nonzero),
        islands=island_report(graph),
    )


public_functions(globals())
