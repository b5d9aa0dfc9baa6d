"""All applicable indices at once, as one tidy table."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sozplan.checks import fail, format_values
from sozplan.segregation import _multigroup as mg
from sozplan.segregation import _spatial as sp
from sozplan.segregation import _twogroup as tg
from sozplan.segregation._validate import (
    REGISTRY,
    environment_matrix,
    lag_counts,
    lag_table,
    multigroup_table,
    twogroup_arrays,
)

__all__ = ["segregation_table"]

TWOGROUP_ASPATIAL = (
    tg.dissimilarity,
    tg.gini,
    tg.entropy,
    tg.atkinson,
    tg.hutchens,
    tg.min_max,
    tg.density_corrected_dissimilarity,
    tg.isolation,
    tg.exposure,
    tg.correlation_ratio,
)
TWOGROUP_SPATIAL = (
    sp.spatial_dissimilarity,
    sp.boundary_dissimilarity,
    sp.perimeter_area_dissimilarity,
    sp.delta,
    sp.absolute_concentration,
    sp.relative_concentration,
    sp.absolute_centralization,
    sp.relative_centralization,
    sp.absolute_clustering,
    sp.relative_clustering,
    sp.spatial_proximity,
    sp.distance_decay_isolation,
    sp.distance_decay_exposure,
)
MULTIGROUP = (
    mg.multigroup_dissimilarity,
    mg.multigroup_gini,
    mg.information_theory,
    mg.mutual_information,
    mg.relative_diversity,
    mg.squared_coefficient_of_variation,
    mg.normalized_exposure,
    mg.simpson_concentration,
    mg.simpson_interaction,
    mg.diversity,
)
COLUMNS = ["index", "label", "statistic", "dimension", "spatial", "groups", "n_units"]
_ORDER = ["evenness", "exposure", "concentration", "centralisation", "clustering", "diversity"]


def segregation_table(
    df: pd.DataFrame,
    group: Hashable | None = None,
    population: Hashable | None = None,
    *,
    groups: Sequence[Hashable] | None = None,
    graph: Any = None,
    spatial: bool = False,
    indices: Sequence[str | Callable[..., Any]] | None = None,
) -> pd.DataFrame:
    """Compute every applicable segregation index at once.

    The input is validated once and each index kernel runs on the same arrays, so the
    table costs little more than its most expensive index.

    Parameters
    ----------
    df : DataFrame or GeoDataFrame
        One row per area.
    group, population : str, optional
        Two-group form: the group column and the total population column.
    groups : list of str, optional
        Multigroup form: mutually exclusive group columns.
    graph : libpysal.graph.Graph, optional
        Adds the spatial (local-environment) version of every aspatial index.
    spatial : bool, default False
        Two-group form only: add the geometry-based indices (concentration,
        centralisation, clustering, adjusted D). Needs a GeoDataFrame in a projected
        CRS; the distance-decay indices take time growing with the square of the
        number of areas.
    indices : list of str or functions, optional
        Only these indices, by function name (``"dissimilarity"``) or the functions
        themselves; by default every one that applies. Leaving out the expensive ones
        saves time on large tables: the multigroup Gini sorts the areas once per group,
        the density-corrected D solves one equation per area.

    Returns
    -------
    DataFrame
        One row per index with columns ``index`` (function name), ``label``,
        ``statistic``, ``dimension`` (evenness, exposure, concentration,
        centralisation, clustering, diversity), ``spatial`` (bool), ``groups``
        and ``n_units``; sorted by dimension.

    Notes
    -----
    Simulation-based variants (:func:`bias_corrected_dissimilarity`,
    :func:`modified_dissimilarity`, :func:`modified_gini`) are not included: call them
    with an ``rng`` so that their randomness is explicit.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [10, 0, 5], "t": [20, 20, 10]})
    >>> tab = segregation_table(df, "a", "t")
    >>> tab.set_index("index").loc["dissimilarity", "statistic"].round(4)
    np.float64(0.5714)
    >>> sorted(tab["dimension"].unique())
    ['evenness', 'exposure']
    """
    where = "segregation_table"
    rows: list[dict[str, Any]] = []
    if groups is not None:
        wanted = _selected(indices, MULTIGROUP, where)
        if group is not None or population is not None or spatial:
            raise fail(
                where,
                "`groups` was passed together with `group`/`population`/`spatial`",
                "use groups=[...] for multigroup indices, or group= and population= "
                "(optionally spatial=True) for two-group indices",
            )
        counts, groups, _ = multigroup_table(df, groups, where=where)
        label = ", ".join(str(g) for g in groups)
        tables = [(counts, False)]
        if graph is not None:
            tables.append((lag_table(environment_matrix(df, graph, where), counts), True))
        for arr, is_spatial in tables:
            values = mg.all_multigroup(arr, gini=mg.multigroup_gini in wanted)
            for func in wanted:
                spec = REGISTRY[func]
                rows.append(_row(spec, values[spec.name], is_spatial, label, len(arr)))
    else:
        if group is None or population is None:
            raise fail(
                where,
                "neither `groups` nor both `group` and `population` were passed",
                "pass group= and population= (two-group) or groups=[...] (multigroup)",
            )
        wanted = _selected(
            indices, TWOGROUP_ASPATIAL + (TWOGROUP_SPATIAL if spatial else ()), where
        )
        x, t = twogroup_arrays(df, group, population, where=where)
        label = f"{group}, {population}"
        variants = [(x, t, False)]
        if graph is not None:
            mat = environment_matrix(df, graph, where)
            variants.append((lag_counts(mat, x), lag_counts(mat, t), True))
        for xx, tt, is_spatial in variants:
            for func in (f for f in TWOGROUP_ASPATIAL if f in wanted):
                spec = REGISTRY[func]
                assert spec.kernel is not None  # aspatial indices all have a kernel
                value = float(spec.kernel(xx[None], tt[None])[0])
                rows.append(_row(spec, value, is_spatial, label, len(xx)))
        if spatial:
            for func in (f for f in TWOGROUP_SPATIAL if f in wanted):
                res = func(df, group, population)
                rows.append(_row(REGISTRY[func], res.statistic, True, label, len(x)))
    rows.sort(key=lambda r: (_ORDER.index(r["dimension"]), r["spatial"]))  # stable
    return pd.DataFrame({c: [r[c] for r in rows] for c in COLUMNS})


def _selected(
    indices: Sequence[str | Callable[..., Any]] | None,
    available: tuple[Callable[..., Any], ...],
    where: str,
) -> tuple[Callable[..., Any], ...]:
    """Return the index functions asked for by ``indices``, in the table's order."""
    if indices is None:
        return available
    if isinstance(indices, str) or callable(indices):
        indices = [indices]
    by_name = {f.__name__: f for f in available}
    names = [i if isinstance(i, str) else getattr(i, "__name__", repr(i)) for i in indices]
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise fail(
            where,
            f"`indices` names {format_values(unknown)}, which this table cannot hold",
            f"choose among {format_values(sorted(by_name), limit=len(by_name))}",
        )
    return tuple(f for f in available if f.__name__ in names)


def _row(spec: Any, value: float, is_spatial: bool, label: str, n: int) -> dict[str, Any]:
    return {
        "index": spec.name,
        "label": spec.label + (" (spatial)" if is_spatial and not spec.spatial else ""),
        "statistic": value if np.isfinite(value) else np.nan,
        "dimension": spec.dimension,
        "spatial": bool(is_spatial or spec.spatial),
        "groups": label,
        "n_units": n,
    }
