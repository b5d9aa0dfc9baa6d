"""Travel costs between origins (blocks) and facilities: OD table, street network, straight line.

All three builders return a :class:`TravelCosts`: a sparse origin x facility matrix of
costs in which a stored entry is a pair within reach (explicit zeros are kept, so a
facility inside a block costs 0 and still counts), plus the ids, the kind of cost, its
unit and the origins that reach no facility at all (listed, never dropped).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from sozplan._core.frozen import immutable
from sozplan._core.html import preformatted
from sozplan.checks import (
    check_columns,
    check_frame,
    check_projected_crs,
    fail,
    format_values,
    is_whole,
)
from sozplan.services._decay import _positive

__all__ = ["TravelCosts", "network_costs", "od_costs", "straight_line_costs"]

#: :func:`od_costs` marks the pairs present with one bit per origin-facility pair while
#: that takes at most this many bytes (or 8 bytes per row of the table); sparser tables
#: are checked by sorting.
PAIR_BITS_BYTES = 2**26


@immutable
@dataclass(frozen=True, repr=False, eq=False)
class TravelCosts:
    """Travel costs from origins to facilities, as a sparse matrix.

    Attributes
    ----------
    matrix : scipy.sparse.csr_array
        ``n_origins x n_facilities``; a stored entry is the cost of a pair within reach
        (``max_cost``); pairs beyond reach or without a path are not stored. Explicit
        zero costs are stored.
    origins, facilities : pandas.Index
        Row and column ids.
    kind : {"od", "network", "straight_line"}
        Where the costs come from. ``"straight_line"`` is a fallback: say so in reports.
    unit : str
        Unit of the costs (``"m"``, ``"min"`` ...).
    max_cost : float
        Pairs above this cost are not stored (``inf``: all pairs).
    unreachable : pandas.Index
        Origins that reach no facility within ``max_cost`` (or at all).
    notes : tuple of str
        How the costs were built (snapping distances, assumptions).
    """

    matrix: Any
    origins: pd.Index
    facilities: pd.Index
    kind: str
    unit: str
    max_cost: float = np.inf
    unreachable: pd.Index = field(default_factory=lambda: pd.Index([]))
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """German label of the kind of cost, e.g. ``"Luftlinie (Ersatz), m"``."""
        return f"{COST_KINDS.get(self.kind, (self.kind,))[0]}, {self.unit}"

    def to_frame(self) -> pd.DataFrame:
        """Tidy table of the stored pairs: ``origin``, ``facility``, ``cost``."""
        coo = self.matrix.tocoo()
        return pd.DataFrame(
            {
                "origin": self.origins[coo.row],
                "facility": self.facilities[coo.col],
                "cost": coo.data,
            }
        )

    def nearest(self) -> pd.DataFrame:
        """Nearest facility per origin: ``facility`` and ``cost`` (NaN where unreachable).

        Examples
        --------
        >>> import pandas as pd
        >>> od = pd.DataFrame({"origin": ["a", "a", "b"], "destination": ["x", "y", "y"],
        ...                    "cost": [5.0, 3.0, 4.0]})
        >>> od_costs(od, ["a", "b"], ["x", "y"], missing="beyond").nearest()
               facility  cost
        origin
        a             y   3.0
        b             y   4.0
        """
        m = self.matrix.tocsr()
        m.sort_indices()
        counts = np.diff(m.indptr)
        cost = np.full(m.shape[0], np.nan)
        fac = np.full(m.shape[0], -1)
        rows = np.flatnonzero(counts > 0)
        if len(rows):
            starts = m.indptr[rows]
            mins = np.minimum.reduceat(m.data, starts) if len(m.data) else np.array([])
            cost[rows] = mins
            # position of the first minimum in each row
            row_of = np.repeat(np.arange(m.shape[0]), counts)
            is_min = m.data == cost[row_of]
            first = np.full(m.shape[0], len(m.data))
            np.minimum.at(first, row_of[is_min], np.flatnonzero(is_min))
            fac[rows] = m.indices[first[rows]]
        out = pd.DataFrame(
            {
                "facility": pd.Series(
                    np.where(
                        fac >= 0,
                        np.asarray(self.facilities, dtype=object)[fac],
                        np.array(None, dtype=object),
                    ),
                    index=self.origins,
                ),
                "cost": pd.Series(cost, index=self.origins),
            }
        )
        out.index.name = "origin"
        return out

    def __repr__(self) -> str:
        m = self.matrix
        reach = "all pairs" if np.isinf(self.max_cost) else f"max_cost={self.max_cost:g}"
        return (
            f"TravelCosts({self.kind}, {self.unit}: {m.shape[0]} origins x {m.shape[1]} "
            f"facilities, {m.nnz} pairs stored ({reach}), {len(self.unreachable)} origins "
            "unreachable)"
        )

    def _repr_html_(self) -> str:
        return preformatted(repr(self))  # English, as every repr (the German label: .label)


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
#: Kind of travel cost -> (German label, English label).
COST_KINDS = {
    "od": ("Reisezeit/-weg aus OD-Tabelle", "travel time/distance from an OD table"),
    "network": ("Wegenetz", "street network"),
    "straight_line": ("Luftlinie (Ersatz)", "straight line (substitute)"),
}

#: The note of straight-line costs, German (for reports) and English (for reprs).
STRAIGHT_LINE_NOTE = (
    "Luftlinie als Ersatz für Wegezeiten: Flüsse, Bahnlinien und Straßen fehlen.",
    "straight lines as a substitute for travel times: rivers, railways and streets are missing.",
)


def as_points(gdf: Any, *, arg: str, where: str) -> tuple[pd.Index, np.ndarray]:
    """Ids and x/y coordinates of a GeoDataFrame (polygons: their representative points)."""
    check_frame(gdf, arg=arg, where=where)
    if not hasattr(gdf, "geometry") or gdf.geometry.name not in gdf.columns:
        raise fail(where, f"`{arg}` has no geometry", "pass a GeoDataFrame")
    check_projected_crs(gdf, arg=arg, where=where, purpose="travel costs")
    if not gdf.index.is_unique:
        dup = gdf.index[gdf.index.duplicated()].unique()
        raise fail(where, f"`{arg}` has duplicated ids {format_values(dup)}", "make ids unique")
    geom = gdf.geometry
    if geom.isna().any() or geom.is_empty.any():
        bad = gdf.index[geom.isna() | geom.is_empty]
        raise fail(
            where, f"`{arg}` has empty geometries ({format_values(bad)})", "drop or fix them"
        )
    if not (geom.geom_type == "Point").all():
        geom = geom.representative_point()
    xy = np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()])
    return gdf.index, xy


def _ids(values: Any, arg: str, where: str) -> pd.Index:
    if isinstance(values, pd.DataFrame | pd.Series):
        idx = values.index
    else:
        idx = pd.Index(values)
    if not idx.is_unique:
        dup = idx[idx.duplicated()].unique()
        raise fail(where, f"`{arg}` has duplicated ids {format_values(dup)}", "make ids unique")
    return idx


def _positions(index: pd.Index, values: pd.Series) -> np.ndarray:
    """Positions of ``values`` in ``index`` (-1 if absent).

    Categorical columns map their categories once; integer ids in a compact range go
    through a direct look-up table (one compiled pass); other ids through pandas' hash
    table.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        of_category = index.get_indexer(values.cat.categories).astype(np.int64)
        return np.append(of_category, -1)[codes]  # code -1 (missing) -> the appended -1
    v = values.to_numpy()
    if (
        len(index)
        and pd.api.types.is_integer_dtype(index.dtype)
        and pd.api.types.is_integer_dtype(v.dtype)
        and v.dtype.kind == "i"
    ):
        keys = index.to_numpy().astype(np.int64, copy=False)
        low, high = int(keys.min()), int(keys.max())
        if high - low < 4 * len(keys) + 1024:
            from sozplan.services import _od_kernels as kern  # heavy: numba

            table = np.full(high - low + 1, -1, dtype=np.int64)
            table[keys - low] = np.arange(len(keys))
            out = np.empty(len(v), dtype=np.int64)  # numpy allocates (huge pages)
            kern.lookup_dense(v.astype(np.int64, copy=False), table, low, out)
            return out
    return index.get_indexer(v).astype(np.int64, copy=False)


def _finish(
    rows: np.ndarray,
    cols: np.ndarray,
    cost: np.ndarray,
    origins: pd.Index,
    facilities: pd.Index,
    *,
    kind: str,
    unit: str,
    max_cost: float,
    notes: tuple[str, ...] = (),
) -> TravelCosts:
    matrix = sp.csr_array(
        (
            cost.astype(float, copy=False),
            (rows.astype(np.int64, copy=False), cols.astype(np.int64, copy=False)),
        ),
        shape=(len(origins), len(facilities)),
    )
    matrix.sort_indices()
    return _with_matrix(
        matrix, origins, facilities, kind=kind, unit=unit, max_cost=max_cost, notes=notes
    )


def _with_matrix(
    matrix: Any,
    origins: pd.Index,
    facilities: pd.Index,
    *,
    kind: str,
    unit: str,
    max_cost: float,
    notes: tuple[str, ...] = (),
) -> TravelCosts:
    reach = np.diff(matrix.indptr) > 0
    return TravelCosts(
        matrix=matrix,
        origins=origins,
        facilities=facilities,
        kind=kind,
        unit=unit,
        max_cost=float(max_cost),
        unreachable=origins[~reach],
        notes=notes,
    )


def _check_max_cost(max_cost: float | None, where: str) -> float:
    if max_cost is None:
        return np.inf
    try:
        value = float(max_cost)
    except (TypeError, ValueError):
        value = float("nan")
    if np.isnan(value) or value <= 0:
        raise fail(where, f"`max_cost` is {max_cost!r}", "pass a positive number or None")
    return value


# --------------------------------------------------------------------------------------
# OD table
# --------------------------------------------------------------------------------------
def od_costs(
    od: pd.DataFrame,
    origins: Any,
    facilities: Any,
    *,
    origin: Hashable = "origin",
    destination: Hashable = "destination",
    cost: Hashable = "cost",
    unit: str = "min",
    max_cost: float | None = None,
    missing: str = "error",
) -> TravelCosts:
    """Travel costs from an origin-destination table supplied by the user.

    Routing services and GIS tools (OSRM, r5py, Valhalla, ArcGIS/QGIS network analysis)
    export travel times or distances as a long table, one row per origin-facility pair.

    Parameters
    ----------
    od : DataFrame
        One row per pair with columns ``origin``, ``destination`` and ``cost``.
    origins, facilities : GeoDataFrame or sequence of ids
        The ids the table must cover (e.g. the blocks and the facilities).
    origin, destination, cost : str
        Column names in ``od``.
    unit : str, default "min"
        Unit of the costs, for labels.
    max_cost : float, optional
        Pairs above this cost are out of reach and not stored.
    missing : {"error", "beyond"}, default "error"
        What a pair absent from ``od`` means: an error (the table should be complete),
        or a pair beyond reach (tables cut off at a maximum travel time). With
        ``"beyond"``, origins without any pair are listed as unreachable.

    Returns
    -------
    TravelCosts

    Raises
    ------
    InputError
        Missing columns, unknown ids (not among ``origins``/``facilities``), duplicated
        pairs, negative or missing costs, or (``missing="error"``) pairs absent.

    Notes
    -----
    The table is checked in one compiled pass (one bit per origin-facility pair marks
    the pairs seen) and the pairs within ``max_cost`` are written straight into the
    sparse matrix: a complete table of 20,000 blocks x 1,000 facilities (20 million
    rows) takes about a second from the DataFrame to the 2SFCA result. Ids are looked
    up fastest as integers (a direct look-up table when they lie in a compact range)
    or as categorical columns (each category once); text ids go through pandas' hash
    table, which takes several seconds for 20 million rows.

    Examples
    --------
    >>> import pandas as pd
    >>> od = pd.DataFrame({"origin": ["a", "a", "b", "b"], "destination": ["x", "y"] * 2,
    ...                    "cost": [5.0, 12.0, 8.0, 3.0]})
    >>> od_costs(od, ["a", "b"], ["x", "y"], max_cost=10)
    TravelCosts(od, min: 2 origins x 2 facilities, 3 pairs stored (max_cost=10), 0 origins unreachable)
    >>> od_costs(od.iloc[:3], ["a", "b"], ["x", "y"])
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: od_costs: `od` lacks 1 of 4 origin-facility pairs, e.g. ('b', 'y'). ...
    """
    where = "od_costs"
    check_frame(od, arg="od", where=where, row="origin-destination pair")
    check_columns(od, [origin, destination, cost], where=where, arg="od", numeric=False)
    o_ids = _ids(origins, "origins", where)
    f_ids = _ids(facilities, "facilities", where)
    limit = _check_max_cost(max_cost, where)
    if missing not in ("error", "beyond"):
        raise fail(where, f"`missing` is {missing!r}", "use 'error' or 'beyond'")
    rows = _positions(o_ids, od[origin])
    cols = _positions(f_ids, od[destination])
    values = od[cost].to_numpy()
    if values.dtype != np.float64:  # text, integers, nullable types: NaN where not a number
        values = pd.to_numeric(od[cost], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    n_o, n_f = len(o_ids), len(f_ids)
    n_pairs = n_o * n_f
    if n_pairs > 8 * max(8 * len(od), PAIR_BITS_BYTES):  # too sparse for a bit per pair
        return _od_sorted(
            od, (origin, destination), (rows, cols, values), o_ids, f_ids, limit, missing, unit
        )
    from sozplan.services import _od_kernels as kern  # heavy: numba, on the first OD table

    seen = np.zeros((n_pairs + 7) // 8, dtype=np.uint8)
    per_row = np.zeros(n_o, dtype=np.int64)
    unknown, bad_cost, duplicated = kern.scan_pairs(rows, cols, values, n_f, limit, seen, per_row)
    if unknown:
        _unknown_ids(od, origin, destination, rows, cols, where)
    if bad_cost:
        _bad_costs(od, origin, destination, values, where)
    if duplicated:
        _duplicates(rows, cols, o_ids, f_ids, n_f, where)
    if missing == "error" and len(od) < n_pairs:  # no duplicates: len(od) pairs present
        absent = [
            key
            for byte in np.flatnonzero(seen != 255)[:5]
            for key in 8 * int(byte)
            + np.flatnonzero(np.unpackbits(seen[byte : byte + 1], bitorder="little") == 0)
            if key < n_pairs
        ]
        _absent(o_ids, f_ids, [(int(k // n_f), int(k % n_f)) for k in absent], n_pairs - len(od))
    indptr = np.zeros(n_o + 1, dtype=np.int64)
    np.cumsum(per_row, out=indptr[1:])
    indices = np.empty(indptr[-1], dtype=np.int64)  # numpy allocates (huge pages)
    data = np.empty(indptr[-1])
    kern.fill_rows(rows, cols, values, limit, indptr, indices, data)
    matrix = sp.csr_array((data, indices, indptr), shape=(n_o, n_f))
    return _with_matrix(matrix, o_ids, f_ids, kind="od", unit=unit, max_cost=limit)


def _od_sorted(
    od: pd.DataFrame,
    names: tuple[Hashable, Hashable],
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray],
    o_ids: pd.Index,
    f_ids: pd.Index,
    limit: float,
    missing: str,
    unit: str,
) -> TravelCosts:
    """:func:`od_costs` for tables too sparse for one bit per pair: counts by sorting."""
    where = "od_costs"
    (origin, destination), (rows, cols, values) = names, arrays
    if (rows < 0).any() or (cols < 0).any():
        _unknown_ids(od, origin, destination, rows, cols, where)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        _bad_costs(od, origin, destination, values, where)
    n_o, n_f = len(o_ids), len(f_ids)
    count = sp.csr_array((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(n_o, n_f))
    count.sum_duplicates()
    if count.nnz < len(rows):
        _duplicates(rows, cols, o_ids, f_ids, n_f, where)
    if missing == "error" and count.nnz < n_o * n_f:
        per_row = np.diff(count.indptr)
        row = int(np.flatnonzero(per_row < n_f)[0])
        have = count.indices[count.indptr[row] : count.indptr[row + 1]]
        absent = [(row, int(j)) for j in np.setdiff1d(np.arange(n_f), have)[:5]]
        _absent(o_ids, f_ids, absent, n_o * n_f - count.nnz)
    keep = values <= limit
    return _finish(
        rows[keep], cols[keep], values[keep], o_ids, f_ids, kind="od", unit=unit, max_cost=limit
    )


def _unknown_ids(
    od: pd.DataFrame,
    origin: Hashable,
    destination: Hashable,
    rows: np.ndarray,
    cols: np.ndarray,
    where: str,
) -> None:
    for pos, ids, arg in ((rows, od[origin], "origins"), (cols, od[destination], "facilities")):
        if (pos < 0).any():
            bad = pd.unique(np.asarray(ids)[pos < 0])
            raise fail(
                where,
                f"`od` names {len(bad)} id(s) that are not among `{arg}`: {format_values(bad)}",
                f"check the id format (zero-padded strings?) or pass the matching `{arg}`",
            )


def _bad_costs(
    od: pd.DataFrame, origin: Hashable, destination: Hashable, values: np.ndarray, where: str
) -> None:
    bad = ~np.isfinite(values) | (values < 0)
    shown = od.loc[bad, [origin, destination]].head().itertuples(index=False)
    raise fail(
        where,
        f"`od` has {int(bad.sum())} missing, infinite or negative cost(s), e.g. "
        f"{format_values([tuple(r) for r in shown])}",
        "fill or remove them; unreachable pairs are rows left out (missing='beyond')",
    )


def _duplicates(
    rows: np.ndarray, cols: np.ndarray, o_ids: pd.Index, f_ids: pd.Index, n_f: int, where: str
) -> None:
    keys = pd.Series(rows * n_f + cols)
    dup_keys = pd.unique(keys[keys.duplicated()].to_numpy())
    pairs = _id_pairs(o_ids, f_ids, [(int(k // n_f), int(k % n_f)) for k in dup_keys[:5]])
    raise fail(
        where,
        f"`od` has {len(dup_keys)} duplicated pair(s), e.g. {format_values(pairs)}",
        "keep one row per origin-facility pair",
    )


def _id_pairs(
    o_ids: pd.Index, f_ids: pd.Index, positions: list[tuple[int, int]]
) -> list[tuple[Any, Any]]:
    """Ids of (origin, facility) positions, as Python values (``11``, not ``np.int64(11)``)."""
    rows = o_ids.take([i for i, _ in positions]).tolist()
    cols = f_ids.take([j for _, j in positions]).tolist()
    return list(zip(rows, cols, strict=True))


def _absent(
    o_ids: pd.Index, f_ids: pd.Index, absent: list[tuple[int, int]], n_absent: int
) -> None:
    pairs = _id_pairs(o_ids, f_ids, absent[:5])
    raise fail(
        "od_costs",
        f"`od` lacks {n_absent} of {len(o_ids) * len(f_ids)} origin-facility pairs, e.g. "
        f"{format_values(pairs, limit=3)}",
        "complete the table, or pass missing='beyond' if it was cut off at a maximum cost",
    )


# --------------------------------------------------------------------------------------
# straight line
# --------------------------------------------------------------------------------------
def straight_line_costs(
    origins: Any, facilities: Any, *, max_cost: float | None = None
) -> TravelCosts:
    """Straight-line (Euclidean) distances in metres: a labelled fallback.

    Use it only when neither an OD table nor a street network is at hand: rivers,
    railways and motorways make real ways longer. Results carry ``kind="straight_line"``
    and the label *Luftlinie (Ersatz)*. Polygons (blocks) are represented by their
    representative points.

    Parameters
    ----------
    origins, facilities : GeoDataFrame
        In the same projected CRS (metres).
    max_cost : float, optional
        Pairs farther apart (metres) are not stored.

    Returns
    -------
    TravelCosts

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> o = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(3000, 0)], index=["a", "b"],
    ...                      crs=25832)
    >>> f = gpd.GeoDataFrame(geometry=[Point(0, 400)], index=["k1"], crs=25832)
    >>> tc = straight_line_costs(o, f, max_cost=1000)
    >>> tc.to_frame()
      origin facility   cost
    0      a       k1  400.0
    >>> list(tc.unreachable)
    ['b']
    """
    from scipy.spatial import cKDTree

    where = "straight_line_costs"
    o_ids, oxy = as_points(origins, arg="origins", where=where)
    f_ids, fxy = as_points(facilities, arg="facilities", where=where)
    _same_crs(origins, facilities, where)
    limit = _check_max_cost(max_cost, where)
    if np.isinf(limit):
        d = np.sqrt(((oxy[:, None, :] - fxy[None, :, :]) ** 2).sum(axis=2))
        rows, cols = np.indices(d.shape)
        rows, cols, d = rows.ravel(), cols.ravel(), d.ravel()
    else:
        tree = cKDTree(fxy)
        hits = tree.query_ball_point(oxy, r=limit)
        counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
        rows = np.repeat(np.arange(len(oxy)), counts)
        cols = np.fromiter((j for h in hits for j in h), dtype=np.int64, count=int(counts.sum()))
        d = np.sqrt(((oxy[rows] - fxy[cols]) ** 2).sum(axis=1))
        keep = d <= limit
        rows, cols, d = rows[keep], cols[keep], d[keep]
    return _finish(
        rows,
        cols,
        d,
        o_ids,
        f_ids,
        kind="straight_line",
        unit="m",
        max_cost=limit,
        notes=(STRAIGHT_LINE_NOTE[0],),
    )


def _same_crs(a: Any, b: Any, where: str) -> None:
    if a.crs != b.crs:
        raise fail(
            where,
            f"`origins` ({a.crs.to_string()}) and `facilities` ({b.crs.to_string()}) have "
            "different CRS",
            "reproject one of them, e.g. facilities.to_crs(origins.crs)",
        )


# --------------------------------------------------------------------------------------
# street network
# --------------------------------------------------------------------------------------
def network_costs(
    origins: Any,
    facilities: Any,
    edges: Any,
    nodes: Any = None,
    *,
    source: Hashable = "source",
    target: Hashable = "target",
    cost: Hashable = "length",
    unit: str = "m",
    directed: bool = False,
    max_cost: float | None = None,
    connector_speed: float | None = None,
    batch_size: int = 256,
) -> TravelCosts:
    """Shortest-path costs on a street network given as nodes and edges.

    Origins and facilities are snapped to their nearest network node; the straight
    connector to the node is added to the path cost (in metres when ``unit="m"``, or at
    ``connector_speed`` metres per cost unit otherwise, e.g. 80 m/min on foot). Shortest
    paths are computed with :func:`scipy.sparse.csgraph.dijkstra` from the facilities'
    nodes (on the reversed graph when ``directed``), cut at ``max_cost``.

    Parameters
    ----------
    origins, facilities : GeoDataFrame
        In the projected CRS of the network.
    edges : DataFrame, GeoDataFrame or path
        One row per street segment with columns ``source``, ``target`` (node ids) and
        ``cost``. A path is read with :func:`geopandas.read_file` (GeoPackage,
        Shapefile, GeoJSON) or :func:`pandas.read_csv` (``.csv``).
    nodes : GeoDataFrame or path
        Network nodes indexed by node id (or with a column ``node``) with point
        geometries. Optional when ``edges`` are LineStrings: then nodes are taken from
        the segments' end points.
    source, target, cost : str
        Column names in ``edges``.
    unit : str, default "m"
        Unit of ``cost``.
    directed : bool, default False
        Treat edges as one-way (``source`` to ``target``).
    max_cost : float, optional
        Stop searching beyond this cost; pairs beyond are not stored.
    connector_speed : float, optional
        Metres per cost unit of the connector from a point to its node; default: 1 when
        ``unit="m"``, else the connector is not added (and a note says so).
    batch_size : int, default 256
        Facilities searched at once (memory: ``batch_size x n_nodes`` floats).

    Returns
    -------
    TravelCosts
        ``notes`` give the median and maximum snapping distances; origins in a part of
        the network without facilities are listed in ``unreachable``.

    Raises
    ------
    InputError
        Missing columns, edges naming unknown nodes, negative or missing costs, an
        unprojected or differing CRS.

    Examples
    --------
    Three nodes on a line, 100 m apart; a block at the first node, a Kita at the last:

    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import Point
    >>> nodes = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(100, 0), Point(200, 0)],
    ...                          index=[1, 2, 3], crs=25832)
    >>> edges = pd.DataFrame({"source": [1, 2], "target": [2, 3], "length": [100.0, 150.0]})
    >>> o = gpd.GeoDataFrame(geometry=[Point(0, 10)], index=["b1"], crs=25832)
    >>> f = gpd.GeoDataFrame(geometry=[Point(200, 0)], index=["k1"], crs=25832)
    >>> network_costs(o, f, edges, nodes).to_frame()
      origin facility   cost
    0     b1       k1  260.0
    """
    import geopandas as gpd
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    where = "network_costs"
    o_ids, oxy = as_points(origins, arg="origins", where=where)
    f_ids, fxy = as_points(facilities, arg="facilities", where=where)
    _same_crs(origins, facilities, where)
    limit = _check_max_cost(max_cost, where)
    if not is_whole(batch_size) or batch_size < 1:
        raise fail(where, f"`batch_size` is {batch_size!r}", "pass a whole number >= 1, e.g. 256")
    if connector_speed is not None:
        connector_speed = _positive(connector_speed, where, "connector_speed")
    edges = _read(edges, "edges", where)
    check_columns(edges, [source, target, cost], where=where, arg="edges", numeric=False)
    if nodes is None:
        if not isinstance(edges, gpd.GeoDataFrame):
            raise fail(where, "`nodes` is missing", "pass the node table with point geometries")
        nodes = _nodes_from_lines(edges, source, target)
    else:
        nodes = _read(nodes, "nodes", where)
        if "node" in nodes.columns:
            nodes = nodes.set_index("node")
    check_projected_crs(nodes, arg="nodes", where=where, purpose="snapping")
    if nodes.crs != origins.crs:
        raise fail(
            where,
            f"`nodes` ({nodes.crs.to_string()}) and `origins` ({origins.crs.to_string()}) have "
            "different CRS",
            "reproject the network or the points",
        )
    node_ids = pd.Index(nodes.index)
    if not node_ids.is_unique:
        raise fail(where, "`nodes` has duplicated ids", "make node ids unique")
    src = node_ids.get_indexer(edges[source])
    dst = node_ids.get_indexer(edges[target])
    if (src < 0).any() or (dst < 0).any():
        bad = pd.unique(
            np.r_[np.asarray(edges[source])[src < 0], np.asarray(edges[target])[dst < 0]]
        )
        raise fail(
            where,
            f"`edges` name {len(bad)} node id(s) not in `nodes`: {format_values(bad)}",
            "pass the node table of the same network",
        )
    w = pd.to_numeric(edges[cost], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(w).all() or (w < 0).any():
        raise fail(where, "`edges` has missing or negative costs", "fill or fix them")
    n = len(node_ids)
    # csgraph treats stored zeros as missing edges: lift zero costs to a tiny epsilon
    w = np.where(w == 0, 1e-12, w)
    if directed:
        graph = _min_duplicates(src, dst, w, n)
    else:
        graph = _symmetric_min(src, dst, w, n)
    nxy = np.column_stack([nodes.geometry.x.to_numpy(), nodes.geometry.y.to_numpy()])
    tree = cKDTree(nxy)
    o_snap, o_node = tree.query(oxy)
    f_snap, f_node = tree.query(fxy)
    notes = [
        f"Einrastabstand zum Netz (Median/Maximum): Ursprünge {np.median(o_snap):.0f}/"
        f"{o_snap.max():.0f} m, Einrichtungen {np.median(f_snap):.0f}/{f_snap.max():.0f} m."
    ]
    if connector_speed is None:
        speed = 1.0 if unit == "m" else None
    else:
        speed = float(connector_speed)
    if speed is None:
        o_add = np.zeros(len(oxy))
        f_add = np.zeros(len(fxy))
        notes.append("Zuwege zum Netz sind nicht eingerechnet (connector_speed nicht gesetzt).")
    else:
        o_add, f_add = o_snap / speed, f_snap / speed
    search = graph.T.tocsr() if directed else graph
    uniq_f, f_inv = np.unique(f_node, return_inverse=True)
    rows_all, cols_all, cost_all = [], [], []
    for start in range(0, len(uniq_f), batch_size):
        block = uniq_f[start : start + batch_size]
        dist = dijkstra(search, directed=directed, indices=block, limit=limit)
        # dist: (batch, n_nodes) from each facility node to every node
        sub = dist[:, o_node]  # (batch, n_origins)
        for b_pos in range(len(block)):
            fac_cols = np.flatnonzero(f_inv == start + b_pos)
            d_row = sub[b_pos]
            for j in fac_cols:
                total = d_row + o_add + f_add[j]
                ok = np.isfinite(total) & (total <= limit)
                r = np.flatnonzero(ok)
                rows_all.append(r)
                cols_all.append(np.full(len(r), j))
                cost_all.append(total[r])
    rows = np.concatenate(rows_all) if rows_all else np.array([], dtype=np.int64)
    cols = np.concatenate(cols_all) if cols_all else np.array([], dtype=np.int64)
    vals = np.concatenate(cost_all) if cost_all else np.array([], dtype=float)
    return _finish(
        rows,
        cols,
        vals,
        o_ids,
        f_ids,
        kind="network",
        unit=unit,
        max_cost=limit,
        notes=tuple(notes),
    )


def _min_duplicates(src: np.ndarray, dst: np.ndarray, w: np.ndarray, n: int) -> Any:
    """Adjacency matrix keeping the cheapest of parallel edges."""
    frame = pd.DataFrame({"s": src, "d": dst, "w": w}).groupby(["s", "d"], sort=False).min()
    s = frame.index.get_level_values(0).to_numpy()
    d = frame.index.get_level_values(1).to_numpy()
    return sp.csr_array((frame["w"].to_numpy(), (s, d)), shape=(n, n))


def _symmetric_min(src: np.ndarray, dst: np.ndarray, w: np.ndarray, n: int) -> Any:
    return _min_duplicates(np.r_[src, dst], np.r_[dst, src], np.r_[w, w], n)


def _read(obj: Any, arg: str, where: str) -> Any:
    if isinstance(obj, str | Path):
        path = Path(obj)
        if not path.exists():
            raise fail(where, f"`{arg}` file {str(path)!r} does not exist", "check the path")
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path)
        import geopandas as gpd

        return gpd.read_file(path)
    check_frame(obj, arg=arg, where=where)
    return obj


def _nodes_from_lines(edges: Any, source: Hashable, target: Hashable) -> Any:
    import geopandas as gpd
    import shapely

    coords = shapely.get_coordinates(edges.geometry.boundary)
    # boundary of a LineString: its two end points, first the start then the end
    start = coords[0::2]
    end = coords[1::2]
    xy = pd.DataFrame(
        np.r_[start, end], columns=["x", "y"], index=np.r_[edges[source], edges[target]]
    )
    xy = xy[~xy.index.duplicated()]
    return gpd.GeoDataFrame(
        index=xy.index, geometry=gpd.points_from_xy(xy["x"], xy["y"]), crs=edges.crs
    )
