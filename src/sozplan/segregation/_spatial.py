r"""Spatial two-group indices and multiscalar profiles.

Concentration, centralisation, clustering and adjusted D.

These indices use the geometry of the areas (a GeoDataFrame in a projected CRS) or a
``libpysal.graph.Graph``. Notation as in :mod:`sozplan.segregation._twogroup`;
:math:`a_i` is the area of unit :math:`i`, :math:`d_{ij}` the distance between centroids.

Distance-decay indices use Massey & Denton's (1988) proximity
:math:`c_{ij} = \exp(-d_{ij})` with distances in units of ``scale`` metres (default
km) and the within-unit distance :math:`d_{ii} = (\alpha a_i)^{\beta}` (defaults
0.6 and 0.5). They are computed in row blocks: time grows with :math:`n^2`, memory only
with :math:`n`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from sozplan.checks import (
    check_counts,
    check_projected_crs,
    check_unique_index,
    fail,
    format_values,
)
from sozplan.graph import Kind, align_graph, build_graph
from sozplan.segregation._result import SegregationResult, twogroup_result
from sozplan.segregation._twogroup import _k_dissimilarity
from sozplan.segregation._validate import IndexInfo, register, safe_div, twogroup_arrays

__all__ = [
    "absolute_centralization",
    "absolute_clustering",
    "absolute_concentration",
    "boundary_dissimilarity",
    "delta",
    "distance_decay_exposure",
    "distance_decay_isolation",
    "multiscalar_profile",
    "perimeter_area_dissimilarity",
    "relative_centralization",
    "relative_clustering",
    "relative_concentration",
    "spatial_dissimilarity",
    "spatial_proximity",
]

#: Elements of one block of the distance matrix.
BLOCK_ELEMENTS = 2_000_000


def _spec(name: str, label: str, dimension: str) -> IndexInfo:
    return IndexInfo(
        name,
        label,
        dimension,
        "twogroup",
        None,
        spatial=True,
        randomizable=False,
    )


def _geo(gdf: Any, where: str) -> None:
    if not hasattr(gdf, "geometry") or not hasattr(gdf, "crs"):
        raise fail(
            where,
            f"`df` is a {type(gdf).__name__} without geometry",
            "pass a GeoDataFrame of the areas (in a projected CRS, e.g. EPSG:25832)",
        )
    check_unique_index(gdf, where=where)
    check_projected_crs(gdf, arg="df", where=where, purpose="areas and distances")
    empty = gdf.geometry.is_empty.to_numpy() | gdf.geometry.isna().to_numpy()
    if empty.any():
        raise fail(
            where,
            f"areas without geometry: {format_values(gdf.index[empty])}",
            "repair or drop these areas explicitly",
        )


def _area(gdf: Any, area_column: Hashable | None, where: str) -> np.ndarray:
    if area_column is not None:
        check_counts(gdf, [area_column], where=where)
        return gdf[area_column].to_numpy(dtype=float)
    _geo(gdf, where)
    return gdf.geometry.area.to_numpy(dtype=float)


def _result(
    name: str,
    label: str,
    dimension: str,
    value: float,
    n: int,
    group: Hashable,
    population: Hashable,
    extras: dict[str, Any],
) -> SegregationResult:
    return twogroup_result(
        name, label, dimension, value, n, group, population, spatial=True, extras=extras
    )


# ----------------------------------------------------------------- concentration


@register(_spec("delta", "Delta index (Hoover)", "concentration"))
def delta(
    df: Any, group: Hashable, population: Hashable, *, area_column: Hashable | None = None
) -> SegregationResult:
    r"""Delta index: share of the group that would have to move to reach a uniform density.

    .. math:: \Delta = \frac12 \sum_i \left\lvert \frac{x_i}{X} - \frac{a_i}{A} \right\rvert

    Parameters
    ----------
    df : GeoDataFrame or DataFrame
        Areas; a plain DataFrame needs ``area_column=``.
    group, population : str
    area_column : str, optional
        Column with the area of each unit (e.g. ``"flaeche_m2"``); default: the
        geometry's area (projected CRS required).

    Returns
    -------
    SegregationResult

    References
    ----------
    Hoover, E. M. (1941). Interstate redistribution of population, 1850-1940. Journal
    of Economic History 1(2), 199-205. doi:10.1017/S0022050700052980; Massey & Denton
    (1988), doi:10.1093/sf/67.2.281

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"g": [10, 0], "t": [10, 10], "a": [1.0, 3.0]})
    >>> delta(df, "g", "t", area_column="a").statistic
    0.75
    """
    x, _ = twogroup_arrays(df, group, population, where="delta")
    a = _area(df, area_column, "delta")
    value = 0.5 * np.abs(x / x.sum() - a / a.sum()).sum()
    return _result(
        "delta", "Delta index (Hoover)", "concentration", value, len(x), group, population, {}
    )


def _concentration_parts(x: np.ndarray, t: np.ndarray, a: np.ndarray) -> tuple[Any, ...]:
    if np.ptp(a) <= 0:
        # no function name: the InputError is named after the public function called
        raise fail(
            "",
            f"all {len(a)} areas have the same surface ({a[0]:g}); the concentration "
            "indices compare the group's share of the smallest and the largest areas and "
            "are undefined (0/0)",
            "use an index of evenness or clustering for areas of equal size",
        )
    big_x, big_t = x.sum(), t.sum()
    asc = np.argsort(a, kind="stable")
    desc = np.argsort(-a, kind="stable")
    n = len(a)
    n1 = int(np.argmax(np.cumsum(t[asc]) / big_t >= big_x / big_t)) + 1
    n2 = n - (int(np.argmax(np.cumsum(t[desc]) / big_t >= big_x / big_t)) + 1)
    xs, ts, as_ = x[asc], t[asc], a[asc]
    t1, t2 = ts[:n1].sum(), ts[n2:].sum()
    return xs, ts, as_, n1, n2, t1, t2


@register(_spec("absolute_concentration", "Absolute concentration ACO", "concentration"))
def absolute_concentration(
    df: Any, group: Hashable, population: Hashable, *, area_column: Hashable | None = None
) -> SegregationResult:
    r"""Absolute concentration ACO (Massey & Denton 1988).

    With units sorted by area ascending, :math:`n_1` the number of smallest units whose
    population reaches :math:`X`, :math:`n_2` the rank where the largest units reach
    :math:`X`, :math:`T_1, T_2` their populations:

    .. math:: ACO = 1 - \frac{\sum_i x_i a_i / X - \sum_{i \le n_1} t_i a_i / T_1}
              {\sum_{i > n_2} t_i a_i / T_2 - \sum_{i \le n_1} t_i a_i / T_1}

    Parameters
    ----------
    df : GeoDataFrame or DataFrame
    group, population : str
    area_column : str, optional

    Returns
    -------
    SegregationResult

    References
    ----------
    Massey & Denton (1988), doi:10.1093/sf/67.2.281

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"g": [10, 0, 0], "t": [10, 10, 10], "a": [1.0, 2.0, 3.0]})
    >>> absolute_concentration(df, "g", "t", area_column="a").statistic
    1.0
    """
    x, t = twogroup_arrays(df, group, population, where="absolute_concentration")
    a = _area(df, area_column, "absolute_concentration")
    xs, ts, as_, n1, n2, t1, t2 = _concentration_parts(x, t, a)
    low = (ts * as_ / t1)[:n1].sum()
    high = (ts * as_ / t2)[n2:].sum()
    value = 1 - ((xs * as_ / x.sum()).sum() - low) / (high - low)
    return _result(
        "absolute_concentration",
        "Absolute concentration ACO",
        "concentration",
        value,
        len(x),
        group,
        population,
        {},
    )


@register(_spec("relative_concentration", "Relative concentration RCO", "concentration"))
def relative_concentration(
    df: Any, group: Hashable, population: Hashable, *, area_column: Hashable | None = None
) -> SegregationResult:
    r"""Relative concentration RCO (Massey & Denton 1988), between -1 and 1.

    .. math:: RCO = \frac{\dfrac{\sum_i x_i a_i / X}{\sum_i y_i a_i / Y} - 1}
              {\dfrac{\sum_{i \le n_1} t_i a_i / T_1}{\sum_{i > n_2} t_i a_i / T_2} - 1}

    Parameters
    ----------
    df : GeoDataFrame or DataFrame
    group, population : str
    area_column : str, optional

    Returns
    -------
    SegregationResult

    References
    ----------
    Massey & Denton (1988), doi:10.1093/sf/67.2.281

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"g": [10, 0, 0], "t": [10, 10, 10], "a": [1.0, 2.0, 3.0]})
    >>> round(relative_concentration(df, "g", "t", area_column="a").statistic, 6)
    0.9
    """
    x, t = twogroup_arrays(df, group, population, where="relative_concentration")
    a = _area(df, area_column, "relative_concentration")
    y = t - x
    xs, ts, as_, n1, n2, t1, t2 = _concentration_parts(x, t, a)
    asc = np.argsort(a, kind="stable")
    ys = y[asc]
    num = (xs * as_ / x.sum()).sum() / (ys * as_ / y.sum()).sum() - 1
    den = (ts * as_)[:n1].sum() / t1 / ((ts * as_)[n2:].sum() / t2) - 1
    return _result(
        "relative_concentration",
        "Relative concentration RCO",
        "concentration",
        num / den,
        len(x),
        group,
        population,
        {},
    )


# ---------------------------------------------------------------- centralisation


def _center(
    gdf: Any, cx: np.ndarray, cy: np.ndarray, t: np.ndarray, center: Any, where: str
) -> tuple[float, float]:
    if isinstance(center, str):
        if center == "mean":
            return float(cx.mean()), float(cy.mean())
        if center == "median":
            return float(np.median(cx)), float(np.median(cy))
        if center == "population_weighted_mean":
            return float(np.average(cx, weights=t)), float(np.average(cy, weights=t))
        if center == "largest_population":
            m = t == t.max()
            return float(cx[m].mean()), float(cy[m].mean())
        raise fail(
            where,
            f"`center` is {center!r}",
            "choose 'mean', 'median', 'population_weighted_mean', "
            "'largest_population', an area id, or a coordinate pair (x, y)",
        )
    if isinstance(center, tuple | list | np.ndarray) and len(center) == 2:
        return float(center[0]), float(center[1])
    if center in gdf.index:
        pos = gdf.index.get_loc(center)
        return float(cx[pos]), float(cy[pos])
    raise fail(
        where,
        f"`center` {center!r} is neither a method, an area id nor a point",
        "pass e.g. center='mean', an id of `df`, or (x, y) in the CRS of `df`",
    )


def _centralization(
    df: Any, group: Hashable, population: Hashable, center: Any, where: str, relative: bool
) -> SegregationResult:
    x, t = twogroup_arrays(df, group, population, where=where)
    _geo(df, where)
    cent = df.geometry.centroid
    cx, cy = cent.x.to_numpy(), cent.y.to_numpy()
    c0 = _center(df, cx, cy, t, center, where)
    order = np.argsort(np.hypot(cx - c0[0], cy - c0[1]), kind="stable")
    cum_x = np.cumsum(x[order]) / x.sum()
    other = (t - x) if relative else df.geometry.area.to_numpy(dtype=float)
    cum_o = np.cumsum(other[order]) / other.sum()
    value = (cum_x[:-1] * cum_o[1:]).sum() - (cum_x[1:] * cum_o[:-1]).sum()
    name = "relative_centralization" if relative else "absolute_centralization"
    label = "Relative centralisation RCE" if relative else "Absolute centralisation ACE"
    return _result(
        name,
        label,
        "centralisation",
        value,
        len(x),
        group,
        population,
        {"center_x": c0[0], "center_y": c0[1]},
    )


@register(_spec("absolute_centralization", "Absolute centralisation ACE", "centralisation"))
def absolute_centralization(
    df: Any, group: Hashable, population: Hashable, *, center: Any = "mean"
) -> SegregationResult:
    r"""Absolute centralisation ACE: how close the group lives to the centre, relative to land.

    Units sorted by distance of their centroid to the centre; :math:`X_i` and
    :math:`A_i` are cumulative shares of the group and of the land area:

    .. math:: ACE = \sum_{i=2}^{n} X_{i-1} A_i - \sum_{i=2}^{n} X_i A_{i-1}

    Parameters
    ----------
    df : GeoDataFrame
        Projected CRS.
    group, population : str
    center : str, area id or (x, y), default "mean"
        ``"mean"`` or ``"median"`` of the centroids, ``"population_weighted_mean"``,
        ``"largest_population"``, the id of the centre area, or a point.

    Returns
    -------
    SegregationResult
        ``extras`` holds the centre used (``center_x``, ``center_y``).

    References
    ----------
    Massey & Denton (1988), doi:10.1093/sf/67.2.281

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"g": [10, 0, 0], "t": [10, 10, 10]},
    ...                      geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs=25832)
    >>> round(absolute_centralization(g, "g", "t", center=(0.5, 0.5)).statistic, 4)
    0.6667
    """
    return _centralization(df, group, population, center, "absolute_centralization", False)


@register(_spec("relative_centralization", "Relative centralisation RCE", "centralisation"))
def relative_centralization(
    df: Any, group: Hashable, population: Hashable, *, center: Any = "mean"
) -> SegregationResult:
    r"""Relative centralisation RCE: the group's closeness to the centre relative to the rest.

    .. math:: RCE = \sum_{i=2}^{n} X_{i-1} Y_i - \sum_{i=2}^{n} X_i Y_{i-1}

    Between -1 and 1; positive when the group lives closer to the centre than the
    rest of the population.

    Parameters
    ----------
    df : GeoDataFrame
    group, population : str
    center : str, area id or (x, y), default "mean"

    Returns
    -------
    SegregationResult

    References
    ----------
    Massey & Denton (1988), doi:10.1093/sf/67.2.281

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"g": [10, 0, 0], "t": [10, 10, 10]},
    ...                      geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs=25832)
    >>> relative_centralization(g, "g", "t", center=(0.5, 0.5)).statistic
    1.0
    """
    return _centralization(df, group, population, center, "relative_centralization", True)


# ------------------------------------------------------------ distance decay


def _proximity_products(
    df: Any, vectors: np.ndarray, alpha: float, beta: float, scale: float, where: str
) -> np.ndarray:
    """Return ``C @ vectors`` for the Massey-Denton proximity matrix, in row blocks."""
    _geo(df, where)
    if alpha < 0 or beta < 0 or scale <= 0:
        raise fail(
            where,
            f"`alpha`={alpha}, `beta`={beta}, `scale`={scale}",
            "pass non-negative alpha and beta and a positive scale",
        )
    cent = df.geometry.centroid
    xy = np.column_stack([cent.x.to_numpy(), cent.y.to_numpy()]) / scale
    a = df.geometry.area.to_numpy(dtype=float) / scale**2
    diag = np.exp(-((alpha * a) ** beta))
    n = len(xy)
    out = np.empty((n, vectors.shape[1]))
    step = max(1, BLOCK_ELEMENTS // n)
    for s in range(0, n, step):
        e = min(n, s + step)
        d = np.sqrt(((xy[s:e, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
        c = np.exp(-d)
        c[np.arange(e - s), np.arange(s, e)] = diag[s:e]
        out[s:e] = c @ vectors
    return out


def _decay_common(
    df: Any,
    group: Hashable,
    population: Hashable,
    alpha: float,
    beta: float,
    scale: float,
    where: str,
) -> tuple[np.ndarray, ...]:
    x, t = twogroup_arrays(df, group, population, where=where)
    y = t - x
    vec = np.column_stack([x, y, t, np.ones_like(x), safe_div(x, t) * t, safe_div(y, t) * t])
    cv = _proximity_products(df, vec, alpha, beta, scale, where)
    return x, y, t, cv


@register(_spec("absolute_clustering", "Absolute clustering ACL", "clustering"))
def absolute_clustering(
    df: Any,
    group: Hashable,
    population: Hashable,
    *,
    alpha: float = 0.6,
    beta: float = 0.5,
    scale: float = 1000.0,
) -> SegregationResult:
    r"""Absolute clustering ACL (Massey & Denton 1988).

    .. math:: ACL = \frac{\sum_i \frac{x_i}{X}\sum_j c_{ij} x_j - \frac{X}{n^2}\sum_i\sum_j c_{ij}}
              {\sum_i \frac{x_i}{X}\sum_j c_{ij} t_j - \frac{X}{n^2}\sum_i\sum_j c_{ij}}

    Parameters
    ----------
    df : GeoDataFrame
    group, population : str
    alpha, beta : float, default 0.6 and 0.5
        Within-unit distance :math:`d_{ii} = (\alpha a_i)^\beta`.
    scale : float, default 1000
        Metres per distance unit of the decay :math:`\exp(-d_{ij})` (1000: km).

    Returns
    -------
    SegregationResult

    Notes
    -----
    PySAL ``segregation`` 2.6 uses :math:`c_{ij} = 1 - \exp(-d_{ij}/\sum_k d_{kj})`,
    which *grows* with distance; we use Massey & Denton's :math:`\exp(-d_{ij})`.

    References
    ----------
    Massey & Denton (1988), doi:10.1093/sf/67.2.281

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"g": [10, 10, 0, 0], "t": [10, 10, 10, 10]},
    ...     geometry=[box(i * 1000, 0, i * 1000 + 1000, 1000) for i in range(4)], crs=25832)
    >>> absolute_clustering(g, "g", "t").statistic > 0
    True
    """
    x, _, _, cv = _decay_common(df, group, population, alpha, beta, scale, "absolute_clustering")
    big_x, n = x.sum(), len(x)
    csum = cv[:, 3].sum()
    num = (x / big_x * cv[:, 0]).sum() - big_x / n**2 * csum
    den = (x / big_x * cv[:, 2]).sum() - big_x / n**2 * csum
    return _result(
        "absolute_clustering",
        "Absolute clustering ACL",
        "clustering",
        num / den,
        n,
        group,
        population,
        {"alpha": alpha, "beta": beta, "scale": scale},
    )


@register(_spec("relative_clustering", "Relative clustering RCL", "clustering"))
def relative_clustering(
    df: Any,
    group: Hashable,
    population: Hashable,
    *,
    alpha: float = 0.6,
    beta: float = 0.5,
    scale: float = 1000.0,
) -> SegregationResult:
    r"""Relative clustering RCL: the group's mean proximity to itself relative to the rest's.

    .. math:: RCL = \frac{P_{xx}}{P_{yy}} - 1, \quad
              P_{xx} = \sum_i\sum_j \frac{x_i x_j c_{ij}}{X^2}

    Parameters
    ----------
    df : GeoDataFrame
    group, population : str
    alpha, beta : float, default 0.6 and 0.5
    scale : float, default 1000

    Returns
    -------
    SegregationResult

    References
    ----------
    Massey & Denton (1988), doi:10.1093/sf/67.2.281

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"g": [10, 10, 0, 0], "t": [10, 10, 10, 10]},
    ...     geometry=[box(i * 1000, 0, i * 1000 + 1000, 1000) for i in range(4)], crs=25832)
    >>> relative_clustering(g, "g", "t").statistic
    0.0
    """
    x, y, _, cv = _decay_common(df, group, population, alpha, beta, scale, "relative_clustering")
    pxx = (x * cv[:, 0]).sum() / x.sum() ** 2
    pyy = (y * cv[:, 1]).sum() / y.sum() ** 2
    return _result(
        "relative_clustering",
        "Relative clustering RCL",
        "clustering",
        pxx / pyy - 1,
        len(x),
        group,
        population,
        {"alpha": alpha, "beta": beta, "scale": scale},
    )


@register(_spec("spatial_proximity", "Spatial proximity SP", "clustering"))
def spatial_proximity(
    df: Any,
    group: Hashable,
    population: Hashable,
    *,
    alpha: float = 0.6,
    beta: float = 0.5,
    scale: float = 1000.0,
) -> SegregationResult:
    r"""Spatial proximity SP (White 1983): 1 when groups are mixed, above 1 when clustered apart.

    .. math:: SP = \frac{X P_{xx} + Y P_{yy}}{T P_{tt}}

    Parameters
    ----------
    df : GeoDataFrame
    group, population : str
    alpha, beta : float, default 0.6 and 0.5
    scale : float, default 1000

    Returns
    -------
    SegregationResult

    References
    ----------
    White, M. J. (1983). The measurement of spatial segregation. American Journal of
    Sociology 88(5), 1008-1018. doi:10.1086/227768

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"g": [5, 5, 5, 5], "t": [10, 10, 10, 10]},
    ...     geometry=[box(i * 1000, 0, i * 1000 + 1000, 1000) for i in range(4)], crs=25832)
    >>> round(spatial_proximity(g, "g", "t").statistic, 10)
    1.0
    """
    x, y, t, cv = _decay_common(df, group, population, alpha, beta, scale, "spatial_proximity")
    pxx = (x * cv[:, 0]).sum() / x.sum() ** 2
    pyy = (y * cv[:, 1]).sum() / y.sum() ** 2
    ptt = (t * cv[:, 2]).sum() / t.sum() ** 2
    value = (x.sum() * pxx + y.sum() * pyy) / (t.sum() * ptt)
    return _result(
        "spatial_proximity",
        "Spatial proximity SP",
        "clustering",
        value,
        len(x),
        group,
        population,
        {"alpha": alpha, "beta": beta, "scale": scale},
    )


def _decay_exposure(
    df: Any,
    group: Hashable,
    population: Hashable,
    alpha: float,
    beta: float,
    scale: float,
    isolation: bool,
) -> SegregationResult:
    where = "distance_decay_isolation" if isolation else "distance_decay_exposure"
    x, _, _, cv = _decay_common(df, group, population, alpha, beta, scale, where)
    # k_ij = c_ij t_j / sum_j c_ij t_j;  sum_j k_ij x_j / t_j = (C @ x)_i / (C @ t)_i
    target = cv[:, 0] if isolation else cv[:, 1]
    local = safe_div(target, cv[:, 2])
    value = (x / x.sum() * local).sum()
    label = "Distance-decay isolation DPxx" if isolation else "Distance-decay exposure DPxy"
    return _result(
        where,
        label,
        "clustering" if isolation else "exposure",
        value,
        len(x),
        group,
        population,
        {"alpha": alpha, "beta": beta, "scale": scale},
    )


@register(_spec("distance_decay_isolation", "Distance-decay isolation DPxx", "clustering"))
def distance_decay_isolation(
    df: Any,
    group: Hashable,
    population: Hashable,
    *,
    alpha: float = 0.6,
    beta: float = 0.5,
    scale: float = 1000.0,
) -> SegregationResult:
    r"""Distance-decay isolation :math:`DP_{xx}` (Morgan 1983; Massey & Denton 1988).

    .. math:: DP_{xx} = \sum_i \frac{x_i}{X} \sum_j k_{ij} \frac{x_j}{t_j}, \quad
              k_{ij} = \frac{c_{ij} t_j}{\sum_j c_{ij} t_j}

    Parameters
    ----------
    df : GeoDataFrame
    group, population : str
    alpha, beta : float, default 0.6 and 0.5
    scale : float, default 1000

    Returns
    -------
    SegregationResult

    Notes
    -----
    PySAL 2.6 normalises :math:`k_{ij}` by the column sum :math:`\sum_k c_{jk} t_k`
    instead of the row sum (a numpy broadcasting slip), and uses another proximity
    function (see :func:`absolute_clustering`).

    References
    ----------
    Morgan, B. S. (1983). A distance-decay based interaction index to measure
    residential segregation. Area 15(3), 211-217; Massey & Denton (1988),
    doi:10.1093/sf/67.2.281

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"g": [5, 5], "t": [10, 10]},
    ...     geometry=[box(i * 1000, 0, i * 1000 + 1000, 1000) for i in range(2)], crs=25832)
    >>> round(distance_decay_isolation(g, "g", "t").statistic, 10)
    0.5
    """
    return _decay_exposure(df, group, population, alpha, beta, scale, True)


@register(_spec("distance_decay_exposure", "Distance-decay exposure DPxy", "exposure"))
def distance_decay_exposure(
    df: Any,
    group: Hashable,
    population: Hashable,
    *,
    alpha: float = 0.6,
    beta: float = 0.5,
    scale: float = 1000.0,
) -> SegregationResult:
    r"""Distance-decay exposure (interaction) :math:`DP_{xy} = 1 - DP_{xx}`.

    .. math:: DP_{xy} = \sum_i \frac{x_i}{X} \sum_j k_{ij} \frac{y_j}{t_j}

    Parameters
    ----------
    df : GeoDataFrame
    group, population : str
    alpha, beta : float, default 0.6 and 0.5
    scale : float, default 1000

    Returns
    -------
    SegregationResult

    References
    ----------
    Massey & Denton (1988), doi:10.1093/sf/67.2.281

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"g": [5, 5], "t": [10, 10]},
    ...     geometry=[box(i * 1000, 0, i * 1000 + 1000, 1000) for i in range(2)], crs=25832)
    >>> round(distance_decay_exposure(g, "g", "t").statistic, 10)
    0.5
    """
    return _decay_exposure(df, group, population, alpha, beta, scale, False)


# ------------------------------------------------------------- adjusted D


def _pairs(graph: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    adj = graph.adjacency
    ids = pd.Index(graph.unique_ids)
    focal = ids.get_indexer(adj.index.get_level_values(0))
    neigh = ids.get_indexer(adj.index.get_level_values(1))
    w = adj.to_numpy(dtype=float)
    keep = focal != neigh
    return focal[keep], neigh[keep], w[keep]


def _adjusted_d(
    df: Any, group: Hashable, population: Hashable, graph: Any, where: str, standardize: bool
) -> tuple[float, np.ndarray, np.ndarray]:

    x, t = twogroup_arrays(df, group, population, where=where)
    if graph is None:
        raise fail(
            where,
            "`graph` is None (no spatial weights), but D(adj) needs neighbours",
            "pass graph='queen' (the default), 'rook' or a libpysal Graph",
        )
    if isinstance(graph, str):
        _geo(df, where)

        # binary contiguity; islands raise as in every statistic that builds its own graph
        # (an area without neighbours would silently add no contrast)
        graph = build_graph(df, cast(Kind, graph), islands="raise", transform="b")
    graph = align_graph(graph, df, where=where)
    i, j, w = _pairs(graph)
    if standardize:
        rowsum = np.bincount(i, weights=w, minlength=len(x))
        w = w / rowsum[i]
    p = safe_div(x, t)
    d = _k_dissimilarity(x[None], t[None])[0]
    return d, np.abs(p[i] - p[j]) * w, w


@register(_spec("spatial_dissimilarity", "Adjusted D(adj) (Morrill)", "evenness"))
def spatial_dissimilarity(
    df: Any,
    group: Hashable,
    population: Hashable,
    *,
    graph: Any = "queen",
    standardize: bool = False,
) -> SegregationResult:
    r"""Morrill's adjusted dissimilarity D(adj): D minus the contrast across neighbours.

    .. math:: D(adj) = D - \frac{\sum_i\sum_j c_{ij} \lvert p_i - p_j \rvert}{\sum_i\sum_j c_{ij}}

    Parameters
    ----------
    df : DataFrame or GeoDataFrame
    group, population : str
    graph : libpysal.graph.Graph or str, default "queen"
        Neighbour weights :math:`c_{ij}`, or the kind of contiguity to build from the
        geometry (binary), which raises on areas without neighbours (islands), as every
        statistic does that builds its own graph; to keep them, pass
        ``graph=sozplan.graph.build_graph(df, islands="keep")``.
    standardize : bool, default False
        Row-standardise the weights first.

    Returns
    -------
    SegregationResult

    References
    ----------
    Morrill, R. L. (1991). On the measure of geographic segregation. Geography Research
    Forum 11, 25-36.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"g": [10, 0], "t": [10, 10]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(2)], crs=25832)
    >>> spatial_dissimilarity(g, "g", "t").statistic
    0.0
    """
    d, contrast, w = _adjusted_d(
        df, group, population, graph, "spatial_dissimilarity", standardize
    )
    return _result(
        "spatial_dissimilarity",
        "Adjusted D(adj) (Morrill)",
        "evenness",
        d - contrast.sum() / w.sum(),
        len(df),
        group,
        population,
        {"dissimilarity": d},
    )


@register(_spec("boundary_dissimilarity", "Boundary-adjusted D(w) (Wong)", "evenness"))
def boundary_dissimilarity(
    df: Any, group: Hashable, population: Hashable, *, standardize: bool = True
) -> SegregationResult:
    r"""Wong's D(w): D adjusted by the contrast across shared boundaries.

    .. math:: D(w) = D - \frac{\sum_i\sum_j w_{ij} \lvert p_i - p_j \rvert}{\sum_i\sum_j w_{ij}}

    with :math:`w_{ij}` the length of the common boundary (row-standardised by default,
    as PySAL's ``BoundarySpatialDissim``).

    Parameters
    ----------
    df : GeoDataFrame
    group, population : str
    standardize : bool, default True

    Returns
    -------
    SegregationResult

    References
    ----------
    Wong, D. W. S. (1993). Spatial indices of segregation. Urban Studies 30(3),
    559-572. doi:10.1080/00420989320080551

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"g": [10, 0], "t": [10, 10]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(2)], crs=25832)
    >>> boundary_dissimilarity(g, "g", "t").statistic
    0.0
    """
    where = "boundary_dissimilarity"
    _geo(df, where)
    from libpysal.graph import Graph

    graph = Graph.build_contiguity(df, rook=True, by_perimeter=True)
    x, t = twogroup_arrays(df, group, population, where=where)
    i, j, w = _pairs(graph)
    if standardize:
        rowsum = np.bincount(i, weights=w, minlength=len(x))
        w = w / rowsum[i]
    p = safe_div(x, t)
    d = _k_dissimilarity(x[None], t[None])[0]
    value = d - (np.abs(p[i] - p[j]) * w).sum() / w.sum()
    return _result(
        where,
        "Boundary-adjusted D(w) (Wong)",
        "evenness",
        value,
        len(x),
        group,
        population,
        {"dissimilarity": d},
    )


@register(_spec("perimeter_area_dissimilarity", "Perimeter/area-adjusted D(s) (Wong)", "evenness"))
def perimeter_area_dissimilarity(
    df: Any, group: Hashable, population: Hashable, *, standardize: bool = True
) -> SegregationResult:
    r"""Wong's D(s): D adjusted by boundary contrast and the units' perimeter/area ratios.

    .. math:: D(s) = D - \sum_i\sum_j \lvert p_i - p_j \rvert\, w_{ij}
              \frac{(P/A)_i + (P/A)_j}{2 \max(P/A)}

    with :math:`w_{ij}` the shared boundary length (divided by its total if
    ``standardize``) and :math:`(P/A)_i` the perimeter-to-area ratio.

    Parameters
    ----------
    df : GeoDataFrame
    group, population : str
    standardize : bool, default True

    Returns
    -------
    SegregationResult

    References
    ----------
    Wong (1993), doi:10.1080/00420989320080551

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"g": [5, 5], "t": [10, 10]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(2)], crs=25832)
    >>> perimeter_area_dissimilarity(g, "g", "t").statistic
    0.0
    """
    where = "perimeter_area_dissimilarity"
    _geo(df, where)
    from libpysal.graph import Graph

    graph = Graph.build_contiguity(df, rook=True, by_perimeter=True)
    x, t = twogroup_arrays(df, group, population, where=where)
    i, j, w = _pairs(graph)
    if standardize:
        w = w / w.sum()
    pa = (df.geometry.length / df.geometry.area).to_numpy(dtype=float)
    p = safe_div(x, t)
    d = _k_dissimilarity(x[None], t[None])[0]
    value = d - (np.abs(p[i] - p[j]) * w * (pa[i] + pa[j])).sum() / (2 * pa.max())
    return _result(
        where,
        "Perimeter/area-adjusted D(s) (Wong)",
        "evenness",
        value,
        len(x),
        group,
        population,
        {"dissimilarity": d},
    )


# ------------------------------------------------------------ multiscalar


def multiscalar_profile(
    index: Callable[..., Any],
    df: Any,
    distances: Sequence[float],
    *,
    kernel: str = "triangular",
    **index_kwargs: Any,
) -> pd.DataFrame:
    r"""Segregation profile over spatial scales (Reardon et al. 2008).

    For each bandwidth :math:`d`, each unit's local environment is the kernel-weighted
    sum of the counts of all units whose centroids lie within :math:`d` (the unit itself
    with weight 1), and the index is computed on these environments. Distance 0 is the
    aspatial index. A steep decline means small-scale (micro-)segregation; a flat
    profile, segregation at a large scale (whole districts).

    Parameters
    ----------
    index : callable
        A two-group or multigroup index function, e.g.
        :func:`~sozplan.segregation.information_theory`.
    df : GeoDataFrame
        Projected CRS.
    distances : sequence of float
        Bandwidths in metres.
    kernel : str, default "triangular"
        A kernel of ``libpysal.graph.Graph.build_kernel``.
    **index_kwargs
        ``group``/``population`` or ``groups`` and index parameters.

    Returns
    -------
    DataFrame
        Columns ``distance`` and ``statistic`` (first row distance 0, aspatial).

    References
    ----------
    Reardon, S. F., Matthews, S. A., O'Sullivan, D., Lee, B. A., Firebaugh, G., Farrell,
    C. R., & Bischoff, K. (2008). The geographic scale of metropolitan racial
    segregation. Demography 45(3), 489-514. doi:10.1353/dem.0.0019

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from sozplan.segregation import dissimilarity
    >>> g = gpd.GeoDataFrame({"g": [10, 10, 0, 0], "t": [10, 10, 10, 10]},
    ...     geometry=[box(i * 100, 0, i * 100 + 100, 100) for i in range(4)], crs=25832)
    >>> prof = multiscalar_profile(dissimilarity, g, [150, 250], group="g", population="t")
    >>> prof["statistic"].round(3).tolist()
    [1.0, 0.778, 0.524]

    A multigroup index takes ``groups=``:

    >>> from sozplan.segregation import information_theory
    >>> g["h"], g["u"] = [0, 10, 10, 0], [0, 0, 0, 10]
    >>> g["g"] = [10, 0, 0, 0]
    >>> prof = multiscalar_profile(information_theory, g, [150], groups=["g", "h", "u"])
    >>> prof["statistic"].round(3).tolist()
    [1.0, 0.469]
    """
    where = "multiscalar_profile"
    _geo(df, where)
    if "graph" in index_kwargs:
        raise fail(where, "`graph` was passed", "the profile builds its own kernel graphs")
    dist = [float(d) for d in distances]
    if any(d <= 0 for d in dist):
        raise fail(
            where,
            f"`distances` contains non-positive values: {format_values(dist)}",
            "pass bandwidths in metres greater than 0",
        )
    from libpysal.graph import Graph

    cent = df.geometry.centroid
    rows = [{"distance": 0.0, "statistic": index(df, **index_kwargs).statistic}]
    for d in dist:
        g = Graph.build_kernel(cent, kernel=kernel, bandwidth=d)
        rows.append({"distance": d, "statistic": index(df, graph=g, **index_kwargs).statistic})
    return pd.DataFrame(rows)
