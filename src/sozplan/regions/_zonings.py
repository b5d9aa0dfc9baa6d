"""compare_zonings(): homogeneity, balance, compactness and MAUP sensitivity of zonings."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, cast

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.text import german
from sozplan.checks import check_frame, check_unique_index, fail
from sozplan.graph import Kind, build_graph
from sozplan.plotting import FigureDisplay
from sozplan.regions._common import block_values, zone_labels, zone_means
from sozplan.regions._quality import balance, compactness, n_parts
from sozplan.regions._regionalize import contiguity_matrix

__all__ = ["ZoningComparison", "compare_zonings", "variation_of_information"]

#: MSS-style classes of a standardised index (Berlin Monitoring Soziale Stadtentwicklung).
CLASS_BREAKS = (-np.inf, -1.0, 1.0, 1.5, np.inf)


def variation_of_information(a: Any, b: Any, *, normalized: bool = False) -> float:
    r"""Variation of information between two partitions (Meilă 2007).

    .. math::

        VI(A, B) = H(A) + H(B) - 2 I(A, B)

    with entropies and mutual information in nats. It is a metric on partitions:
    0 for identical partitions; at most :math:`\ln n`. With ``normalized=True`` it
    is divided by :math:`\ln n`.

    References
    ----------
    Meilă, M. (2007). Comparing clusterings: an information based distance.
    *Journal of Multivariate Analysis* 98(5), 873-895. doi:10.1016/j.jmva.2006.11.013

    Examples
    --------
    >>> variation_of_information([0, 0, 1, 1], [0, 0, 1, 1])
    0.0
    >>> round(variation_of_information([0, 0, 1, 1], [0, 1, 0, 1]), 4)  # 2 ln 2
    1.3863
    """
    for arg, labels in (("a", a), ("b", b)):
        if labels is None or np.ndim(labels) != 1:
            raise fail(
                "variation_of_information",
                f"`{arg}` is {type(labels).__name__}, not a sequence of labels",
                "pass one label per item (a list, array or Series)",
            )
    a = pd.factorize(pd.Index(a))[0]
    b = pd.factorize(pd.Index(b))[0]
    n = len(a)
    if n != len(b):
        raise fail(
            "variation_of_information",
            "the partitions have different lengths",
            "pass labels of the same items",
        )
    joint = pd.crosstab(a, b).to_numpy(dtype=float) / n
    pa, pb = joint.sum(axis=1), joint.sum(axis=0)

    def h(p: np.ndarray) -> float:
        p = p[p > 0]
        return float(-(p * np.log(p)).sum())

    nz = joint > 0
    mi = float((joint[nz] * np.log(joint[nz] / np.outer(pa, pb)[nz])).sum())
    vi = max(h(pa) + h(pb) - 2.0 * mi, 0.0)
    return vi / np.log(n) if normalized and n > 1 else vi


@immutable
@dataclass(frozen=True, repr=False, eq=False)
class ZoningComparison:
    """How alternative zonings of the same blocks differ (see :func:`compare_zonings`).

    Attributes
    ----------
    summary : DataFrame
        One row per zoning: ``n_zones``, ``homogeneity`` (share of the weighted
        block variance between zones, mean over indicators), ``homogeneity_<col>``,
        ``population_min``, ``population_max``, ``population_cv``,
        ``balance_entropy``, ``balance_simpson``, ``compactness_mean`` and
        ``share_contiguous`` (if geometry is available).
    pairwise : DataFrame
        One row per pair of zonings: ``adjusted_rand``, ``variation_of_information``,
        ``vi_normalized``, per indicator the population-weighted correlation
        ``corr_<col>`` and mean absolute difference ``mad_<col>`` of the value each
        block's residents are reported with, ``rank_spearman`` of the index
        percentile rank per block, and ``class_change_share`` (share of residents
        whose index class changes).
    zone_values : Mapping
        Per zoning, the zone table: indicator values, composite index and class.
    block_values : DataFrame
        Per block and zoning, the composite index and class the block is reported with.
    columns : tuple
    """

    summary: pd.DataFrame
    pairwise: pd.DataFrame
    zone_values: Mapping = field(default_factory=dict)
    block_values: pd.DataFrame | None = None
    columns: tuple = ()

    def to_frame(self) -> pd.DataFrame:
        """Return the per-zoning summary."""
        return self.summary.copy()

    def __repr__(self) -> str:
        cols = [
            c
            for c in ("n_zones", "homogeneity", "balance_entropy", "compactness_mean")
            if c in self.summary
        ]
        lines = ["ZoningComparison", self.summary[cols].round(3).to_string()]
        pw = [
            c
            for c in (
                "adjusted_rand",
                "variation_of_information",
                "rank_spearman",
                "class_change_share",
            )
            if c in self.pairwise
        ]
        lines.append(self.pairwise[pw].round(3).to_string())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return (
            "<div class='sozplan-result'><p><b>Comparison of zonings</b></p>"
            f"{self.summary.round(3).to_html()}{self.pairwise.round(3).to_html()}</div>"
        )

    def plot(self, ax: Any = None, *, language: str = "de") -> FigureDisplay:
        """Bars of homogeneity, population balance and compactness per zoning."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3.8))
        de = german(language, "ZoningComparison.plot")
        names = {
            "homogeneity": "Homogenität" if de else "homogeneity",
            "balance_entropy": "Bevölkerungsbalance" if de else "population balance",
            "compactness_mean": "Kompaktheit" if de else "compactness",
        }
        cols = [c for c in names if c in self.summary]
        self.summary[cols].rename(columns=names).plot.bar(ax=ax, rot=0)
        ax.set_ylim(0, 1)
        ax.set_ylabel("0 .. 1")
        ax.set_title("Gebietsgliederungen im Vergleich" if de else "zonings compared")
        alt = (
            "Balken: Homogenität, Bevölkerungsbalance und Kompaktheit je Gebietsgliederung"
            if de
            else "Bars: homogeneity, population balance and compactness per zoning"
        )
        return FigureDisplay.from_axes(ax, "zoning_comparison", alt)


def _weighted_corr(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    m = np.isfinite(a) & np.isfinite(b) & (w > 0)
    if m.sum() < 2:
        return float("nan")
    a, b, w = a[m], b[m], w[m]
    ma, mb = np.average(a, weights=w), np.average(b, weights=w)
    cov = np.average((a - ma) * (b - mb), weights=w)
    va, vb = np.average((a - ma) ** 2, weights=w), np.average((b - mb) ** 2, weights=w)
    return float(cov / np.sqrt(va * vb)) if va > 0 and vb > 0 else float("nan")


def compare_zonings(
    blocks: pd.DataFrame,
    zonings: Mapping[str, Any],
    columns: Hashable | Sequence[Hashable],
    population: Any = None,
    *,
    graph: Any = "queen",
) -> ZoningComparison:
    r"""Compare zonings of the same blocks: homogeneity, balance, compactness, MAUP sensitivity.

    For each zoning (e.g. the administrative planning areas and a regionalisation):

    * homogeneity, the share of the weighted block variance of each standardised
      indicator that lies between zones,
      :math:`1 - \sum_r\sum_{i\in r} w_i (z_i-\bar z_r)^2 / \sum_i w_i (z_i - \bar z)^2`;
      weights are the indicator's denominator for catalogue keys (so zone values
      equal the indicator recomputed from summed counts), else the population;
    * population balance (normalised entropy and Simpson, see
      :func:`sozplan.regions.regionalize`), compactness (isoperimetric quotient
      of the dissolved zones) and contiguity;
    * zone values of the indicators, a composite index (the MSS recipe: z-values
      over zones, summed, standardised again) and its classes
      (:math:`< -1`, :math:`[-1, 1]`, :math:`(1, 1.5]`, :math:`> 1.5`).

    For each pair of zonings, the modifiable areal unit problem (Openshaw 1984):
    how the value each resident is reported with changes (weighted correlation,
    mean absolute difference), the rank correlation of the index percentile, the
    share of residents whose class changes, and the adjusted Rand index (Hubert &
    Arabie 1985) and variation of information (Meilă 2007) of the zonings.

    Parameters
    ----------
    blocks : DataFrame or GeoDataFrame
        Blocks with the indicators (columns or counts for catalogue keys).
    zonings : mapping
        Name -> zone id per block (a column name of ``blocks`` or a Series), at
        least one.
    columns : str or sequence
        Indicators; for the composite index, name them so that high means more
        disadvantage (or accept the mixed direction).
    population : str or Series, optional
        Residents per block.
    graph : libpysal.graph.Graph, str or None, default "queen"
        Contiguity for the contiguity check; a string names the kind built from the
        geometry (``islands="keep"``; skipped without geometry); None: no check.

    Returns
    -------
    ZoningComparison

    References
    ----------
    Openshaw, S. (1984). *The Modifiable Areal Unit Problem*. CATMOG 38. Geo Books.
    Hubert, L. & Arabie, P. (1985). Comparing partitions. *Journal of
    Classification* 2, 193-218. doi:10.1007/BF01908075
    Meilă, M. (2007). doi:10.1016/j.jmva.2006.11.013

    Examples
    --------
    >>> from sozplan.datasets import load_musterstadt
    >>> b = load_musterstadt("block")
    >>> b = b[b["bezirk"] == "08"]
    >>> zonings = {"Planungsräume": "planungsraum", "Bezirksregionen": "bezirksregion"}
    >>> c = compare_zonings(b, zonings, ["sgb2_quote", "wohndauer"], population="einwohner")
    >>> n = c.summary["n_zones"]
    >>> bool(n["Planungsräume"] == b["planungsraum"].nunique())
    True
    >>> hom = c.summary["homogeneity"]
    >>> bool(hom["Planungsräume"] > hom["Bezirksregionen"])
    True
    """
    where = "compare_zonings"
    check_frame(blocks, arg="blocks", where=where)
    check_unique_index(blocks, arg="blocks", where=where)
    if not isinstance(zonings, Mapping) or not zonings:
        raise fail(
            where,
            "`zonings` is not a non-empty mapping",
            "pass e.g. {'Planungsräume': 'planungsraum'}",
        )
    values, cw, z, bw, _ = block_values(blocks, columns, population, where=where)
    cols = list(values.columns)
    x = values.to_numpy(dtype=float)
    has_geom = hasattr(blocks, "geometry") and "geometry" in blocks
    adj = None
    if graph is not None and (has_geom or not isinstance(graph, str)):
        if isinstance(graph, str):
            graph = build_graph(blocks, kind=cast(Kind, graph), islands="keep")
        _, adj = contiguity_matrix(blocks, graph, where=where)
    rows, zone_tables, block_idx, block_cls, block_rank, block_val = {}, {}, {}, {}, {}, {}
    total_var = np.array([(cw[:, j] * z[:, j] ** 2).sum() for j in range(len(cols))])
    for name, zone in zonings.items():
        lab = zone_labels(blocks, zone, where=where, arg=f"zonings[{name!r}]")
        codes, uniq = pd.factorize(lab, sort=True)
        k = len(uniq)
        mz = zone_means(z, cw, codes, k)
        within = np.array(
            [
                (cw[:, j] * (z[:, j] - np.nan_to_num(mz[codes, j])) ** 2 * (cw[:, j] > 0)).sum()
                for j in range(len(cols))
            ]
        )
        hom = 1.0 - within / np.where(total_var > 0, total_var, 1.0)
        row: dict[str, Any] = {"n_zones": k, "homogeneity": float(hom.mean())}
        for c, v in zip(cols, hom, strict=True):
            row[f"homogeneity_{c}"] = float(v)
        pop = np.bincount(codes, weights=bw, minlength=k)
        if population is not None:
            e, s = balance(pop)
            row.update(
                population_min=float(pop.min()),
                population_max=float(pop.max()),
                population_cv=float(pop.std() / pop.mean()) if pop.mean() > 0 else np.nan,
                balance_entropy=e,
                balance_simpson=s,
            )
        if has_geom:
            row["compactness_mean"] = float(np.nanmean(compactness(blocks.geometry, codes, k)))
        if adj is not None:
            row["share_contiguous"] = float((n_parts(adj, codes, k) == 1).mean())
        rows[name] = row
        zv = _zone_index_table(
            pd.DataFrame(
                zone_means(x, cw, codes, k), index=pd.Index(uniq, name="zone"), columns=cols
            ),
            pop,
        )
        zone_tables[name] = zv
        block_val[name] = zv[cols].to_numpy()[codes]
        block_idx[name] = zv["index"].to_numpy()[codes]
        block_cls[name] = zv["class"].to_numpy(dtype=float, na_value=np.nan)[codes]
        block_rank[name] = zv["rank_pct"].to_numpy()[codes]
        rows[name]["_codes"] = codes
    pair_rows = []
    live = bw > 0
    for a, b in combinations(list(zonings), 2):
        pr: dict[str, Any] = {"zoning_a": a, "zoning_b": b}
        ca, cb = rows[a]["_codes"], rows[b]["_codes"]
        from sklearn.metrics import adjusted_rand_score  # heavy: scikit-learn only here

        pr["adjusted_rand"] = float(adjusted_rand_score(ca, cb))
        pr["variation_of_information"] = variation_of_information(ca, cb)
        pr["vi_normalized"] = variation_of_information(ca, cb, normalized=True)
        pr.update(_value_agreement(block_val[a], block_val[b], cols, bw, live))
        pr.update(
            _rank_agreement(block_rank[a], block_rank[b], block_cls[a], block_cls[b], bw, live)
        )
        pair_rows.append(pr)
    for r in rows.values():
        r.pop("_codes")
    summary = pd.DataFrame.from_dict(rows, orient="index")
    summary.index.name = "zoning"
    pairwise = pd.DataFrame(pair_rows)
    if len(pairwise):
        pairwise = pairwise.set_index(["zoning_a", "zoning_b"])
    bv = pd.DataFrame(
        {
            **{f"index_{n}": v for n, v in block_idx.items()},
            **{f"class_{n}": v for n, v in block_cls.items()},
        },
        index=blocks.index,
    )
    return ZoningComparison(
        summary=summary,
        pairwise=pairwise,
        zone_values=zone_tables,
        block_values=bv,
        columns=tuple(cols),
    )


def _zone_index_table(zv: pd.DataFrame, pop: np.ndarray) -> pd.DataFrame:
    """Add an MSS-style index (z-scored sum of z-scores), its class and rank to zone values."""
    zz = (zv - zv.mean()) / zv.std(ddof=0).replace(0, 1)
    ssum = zz.sum(axis=1, min_count=1)
    sd = ssum.std(ddof=0)
    idx = (ssum - ssum.mean()) / (sd if sd > 0 else 1.0)
    zv["index"] = idx
    zv["class"] = pd.cut(idx, CLASS_BREAKS, labels=False, right=True).astype("Int64") + 1
    zv["rank_pct"] = idx.rank(pct=True)
    zv["population"] = pop
    return zv


def _value_agreement(
    val_a: np.ndarray, val_b: np.ndarray, cols: list, bw: np.ndarray, live: np.ndarray
) -> dict[str, float]:
    """Weighted correlation and mean absolute difference of the blocks' zone values."""
    out = {}
    for j, c in enumerate(cols):
        va, vb = val_a[:, j], val_b[:, j]
        out[f"corr_{c}"] = _weighted_corr(va, vb, bw)
        m = np.isfinite(va) & np.isfinite(vb) & live
        out[f"mad_{c}"] = (
            float(np.average(np.abs(va[m] - vb[m]), weights=bw[m])) if m.any() else np.nan
        )
    return out


def _rank_agreement(
    ra: np.ndarray,
    rb: np.ndarray,
    ka: np.ndarray,
    kb: np.ndarray,
    bw: np.ndarray,
    live: np.ndarray,
) -> dict[str, float]:
    """Spearman correlation of the blocks' index ranks and the share changing class."""
    m = np.isfinite(ra) & np.isfinite(rb) & live
    from scipy.stats import spearmanr  # heavy: scipy.stats only here

    out = {"rank_spearman": float(spearmanr(ra[m], rb[m]).statistic) if m.sum() > 2 else np.nan}
    m = np.isfinite(ka) & np.isfinite(kb) & live
    out["class_change_share"] = (
        float(bw[m][ka[m] != kb[m]].sum() / bw[m].sum()) if m.any() else np.nan
    )
    return out
