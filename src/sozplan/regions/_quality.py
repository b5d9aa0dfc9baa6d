"""Quality of a zoning as GeoDa reports it: sums of squares, balance, compactness, contiguity."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from sozplan.checks import check_array

__all__ = ["balance", "compactness", "n_parts", "sums_of_squares", "zone_table"]


def sums_of_squares(z: np.ndarray, codes: np.ndarray, k: int) -> tuple[float, np.ndarray]:
    r"""Total SS and within SS per zone: :math:`\sum_{i \in r}\lVert z_i - \bar z_r\rVert^2`."""
    total = float(((z - z.mean(axis=0)) ** 2).sum())
    n = np.bincount(codes, minlength=k).astype(float)
    s1 = np.zeros((k, z.shape[1]))
    np.add.at(s1, codes, z)
    s2 = np.bincount(codes, weights=(z**2).sum(axis=1), minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        within = np.where(n > 0, s2 - (s1**2).sum(axis=1) / np.where(n > 0, n, 1), 0.0)
    return total, np.maximum(within, 0.0)


def balance(population: np.ndarray) -> tuple[float, float]:
    r"""Measure the population balance of zones: normalised entropy and inverse Simpson.

    With shares :math:`p_r` of the population in :math:`k` zones:
    :math:`E = -\sum_r p_r \ln p_r / \ln k` and :math:`S = (1/\sum_r p_r^2)/k`;
    both are 1 for equal zones (and :math:`E \to 0`, :math:`S \to 1/k` for one
    dominant zone).

    Examples
    --------
    >>> import numpy as np
    >>> balance(np.array([100, 100, 100]))
    (1.0, 1.0)
    >>> [round(v, 3) for v in balance(np.array([280, 10, 10]))]
    [0.265, 0.382]
    """
    pop = check_array(population, arg="population", where="balance", non_negative=True)
    k = len(pop)
    if k <= 1 or pop.sum() <= 0:
        return 1.0, 1.0
    p = pop / pop.sum()
    nz = p[p > 0]
    entropy = float(-(nz * np.log(nz)).sum() / np.log(k))
    simpson = float(1.0 / (p**2).sum() / k)
    return entropy, simpson


def compactness(geometry: Any, codes: np.ndarray, k: int) -> np.ndarray:
    r"""Isoperimetric quotient :math:`4\pi A / P^2` of each dissolved zone (1 for a disc)."""
    geoms = np.asarray(geometry.values if hasattr(geometry, "values") else geometry, dtype=object)
    out = np.full(k, np.nan)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(k + 1))
    for r in range(k):
        part = geoms[order[bounds[r] : bounds[r + 1]]]
        part = part[~shapely.is_missing(part)]
        if len(part) == 0:
            continue
        merged = shapely.coverage_union_all(part)  # fast for a tiling of blocks
        if not shapely.is_valid(merged) or abs(
            shapely.area(merged) - shapely.area(part).sum()
        ) > 1e-6 * max(shapely.area(merged), 1.0):
            merged = shapely.union_all(part)  # overlaps or gaps: the robust union
        perim = shapely.length(merged)
        if perim > 0:
            out[r] = 4.0 * np.pi * shapely.area(merged) / perim**2
    return out


def n_parts(adj: sparse.csr_matrix, codes: np.ndarray, k: int) -> np.ndarray:
    """Count the connected parts of each zone in the contiguity graph (1 = contiguous)."""
    coo = adj.tocoo()
    keep = codes[coo.row] == codes[coo.col]
    n = len(codes)
    sub = sparse.csr_matrix(
        (np.ones(int(keep.sum())), (coo.row[keep], coo.col[keep])), shape=(n, n)
    )
    _, comp = connected_components(sub, directed=False)
    pairs = np.unique(np.column_stack([codes, comp]), axis=0)
    parts = np.zeros(k, dtype=int)
    np.add.at(parts, pairs[:, 0], 1)
    return parts


def zone_table(
    z: np.ndarray,
    codes: np.ndarray,
    zone_ids: pd.Index,
    *,
    pop: np.ndarray | None,
    values: pd.DataFrame | None = None,
    geometry: Any = None,
    adj: sparse.csr_matrix | None = None,
    floor: float | None = None,
    ceiling: float | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Per-zone quality table and a summary Series (see ``RegionalizationResult``)."""
    k = len(zone_ids)
    total, within = sums_of_squares(z, codes, k)
    tab = pd.DataFrame(index=zone_ids)
    tab["n_blocks"] = np.bincount(codes, minlength=k)
    if pop is not None:
        p = np.bincount(codes, weights=pop, minlength=k)
        tab["population"] = p
        tab["population_share"] = p / p.sum() if p.sum() > 0 else np.nan
    tab["within_ss"] = within
    tab["within_ss_share"] = within / total if total > 0 else 0.0
    if geometry is not None:
        tab["compactness"] = compactness(geometry, codes, k)
    if adj is not None:
        parts = n_parts(adj, codes, k)
        tab["n_parts"] = parts
        tab["contiguous"] = parts == 1
    if pop is not None and floor is not None:
        tab["meets_floor"] = tab["population"] >= floor
    if pop is not None and ceiling is not None:
        tab["meets_ceiling"] = tab["population"] <= ceiling
    if values is not None:
        w = np.ones(len(codes)) if pop is None else pop
        for col in values.columns:
            v = values[col].to_numpy(dtype=float)
            num = np.bincount(codes, weights=w * v, minlength=k)
            den = np.bincount(codes, weights=w, minlength=k)
            with np.errstate(invalid="ignore", divide="ignore"):
                tab[f"mean_{col}"] = num / den
    wsum = float(within.sum())
    summary: dict[str, Any] = {
        "n_zones": k,
        "total_ss": total,
        "within_ss": wsum,
        "between_ss": total - wsum,
        "between_total_ratio": (total - wsum) / total if total > 0 else np.nan,
    }
    if pop is not None:
        e, s = balance(tab["population"].to_numpy())
        summary.update(
            population_min=float(tab["population"].min()),
            population_max=float(tab["population"].max()),
            balance_entropy=e,
            balance_simpson=s,
        )
    if geometry is not None:
        summary["compactness_mean"] = float(np.nanmean(tab["compactness"]))
    if adj is not None:
        summary["all_contiguous"] = bool(tab["contiguous"].all())
    if "meets_floor" in tab:
        summary["all_meet_floor"] = bool(tab["meets_floor"].all())
    if "meets_ceiling" in tab:
        summary["all_meet_ceiling"] = bool(tab["meets_ceiling"].all())
    return tab, pd.Series(summary, dtype=object)
