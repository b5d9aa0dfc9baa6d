"""Shared helpers of the zoning functions: zone labels, block values with population weights."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.population import column_or_series, population_values
from sozplan._core.stats import weighted_mean_std
from sozplan._core.values import indicator_bases, indicator_values
from sozplan.checks import fail, format_values

__all__ = ["block_values", "zone_labels", "zone_means"]


def zone_labels(blocks: pd.DataFrame, zone: Any, *, where: str, arg: str = "zone") -> pd.Series:
    """Zone id per block from a column name or a Series aligned by index."""
    lab = column_or_series(
        blocks, zone, where=where, arg=arg, what="the zone id of each block", numeric=False
    )
    if lab.isna().any():
        raise fail(
            where,
            f"`{arg}` has no zone for the blocks "
            f"{format_values(blocks.index[lab.isna().to_numpy()])}",
            "assign every block to a zone",
        )
    return lab.rename(arg if not isinstance(zone, str) else zone)


def block_values(
    blocks: pd.DataFrame, columns: Hashable | Sequence[Hashable], population: Any, *, where: str
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, pd.Index]:
    """Values, cell weights, z-values, block weights and the ids of blocks without residents.

    Cell weights: the indicator's denominator for catalogue keys (so that weighted
    means equal the indicator recomputed from summed counts), else the population
    (or 1 without ``population``). Cells with zero weight (e.g. the child poverty
    rate of a block without children) carry no information and may be NaN; missing
    values in cells with weight raise.
    """
    values = indicator_values(blocks, columns, where=where, arg="blocks", allow_nan=True)
    cols = list(values.columns)
    pw = population_values(blocks, population, where=where)
    bw = np.ones(len(values)) if pw is None else pw
    bases = indicator_bases(blocks, cols).to_numpy(dtype=float)
    x = values.to_numpy(dtype=float)
    cw = np.where(np.isnan(bases), bw[:, None], bases)
    if pw is None:
        cw = np.where(np.isnan(bases), 1.0, (bases > 0).astype(float))
    cw = np.where(bw[:, None] > 0, cw, 0.0)
    bad = ~np.isfinite(x) & (cw > 0)
    if bad.any():
        rows = bad.any(axis=1)
        raise fail(
            where,
            "the attributes "
            f"{format_values([c for c, b in zip(cols, bad.any(axis=0), strict=True) if b])} "
            f"are missing or infinite in {int(rows.sum())} block(s) with residents: "
            f"{format_values(blocks.index[rows])}",
            "impute or drop these blocks explicitly before calling",
        )
    x = np.where(cw > 0, x, np.nan)
    z = np.zeros_like(x)
    for j in range(x.shape[1]):
        m = cw[:, j] > 0
        if not m.any():
            raise fail(
                where, f"the indicator {cols[j]!r} is undefined in every block", "leave it out"
            )
        mean, sd = weighted_mean_std(x[m, j : j + 1], cw[m, j])
        z[m, j] = (x[m, j] - mean[0]) / (sd[0] if sd[0] > 0 else 1.0)
    out = pd.DataFrame(x, index=values.index, columns=cols)
    return out, cw, z, bw, blocks.index[bw <= 0]


def zone_means(values: np.ndarray, w: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    """Weighted mean of each column per zone (cell weights ``w``; NaN for zones without weight)."""
    w = np.broadcast_to(w if w.ndim == 2 else w[:, None], values.shape)
    out = np.empty((k, values.shape[1]))
    for j in range(values.shape[1]):
        den = np.bincount(codes, weights=w[:, j], minlength=k)
        num = np.bincount(codes, weights=w[:, j] * np.nan_to_num(values[:, j]), minlength=k)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, j] = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    return out
