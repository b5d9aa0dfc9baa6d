"""Chapter "Räumliche Cluster": global and local Moran's I of one indicator.

The permutations run in a worker process (:class:`~sozplan.report._render.Deferred`)
while the other chapters are analysed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.autocorrelation import local_moran, moran
from sozplan.graph import build_graph
from sozplan.plotting import lisa_map, moran_scatter
from sozplan.report import _html as H
from sozplan.report._render import Deferred
from sozplan.report._text import Texts
from sozplan.report.chapters._base import ChapterSkipped, Key, Page

NAME = "clusters"
FILE = "cluster.html"
SCHEMA = {
    "indicator": Key((str, type(None)), None),
    "permutations": Key(int, 9999),
    "alpha": Key(float, 0.05),
    "correction": Key(str, "fdr", ("fdr", "bonferroni", "none")),
    "seed": Key(int, 2024),
}


@immutable
@dataclass(frozen=True)
class ClusterResult:
    """Global Moran's I, the local clusters (all areas), the settings."""

    indicator: str
    moran: Any
    lisa: pd.DataFrame
    permutations: int
    alpha: float
    correction: str
    seed: int
    messages: tuple[str, ...] = ()

    @property
    def codes(self) -> pd.Series:
        """Cluster code per area (``HH``, ``LL``, ``HL``, ``LH``, ``ns``; NaN: no value)."""
        return self.lisa["cluster"].astype(object)


def _job(sub: Any, permutations: int, seed: int, alpha: float, correction: str) -> tuple:
    """Global and local Moran's I of ``sub["wert"]`` (runs in a worker process)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graph = build_graph(sub, "queen", islands="nearest")
        rng = np.random.default_rng(seed)
        mi = moran(sub, "wert", graph=graph, permutations=permutations, rng=rng)
        lisa = local_moran(
            sub,
            "wert",
            graph=graph,
            permutations=permutations,
            rng=rng,
            alpha=alpha,
            correction=correction,
        )
    return mi, lisa, sorted({str(w.message).split(";")[0] for w in caught})


def analyse(data: Any, config: dict) -> Any:
    """Moran's I and LISA of ``indicator`` (default: the first indicator)."""
    key = config["indicator"] or data.keys[0]
    if key not in data.keys:
        raise ChapterSkipped(_texts(data)("clusters.unknown", key=key, keys=", ".join(data.keys)))
    v = data.shown[key].dropna()
    if len(v) < 10:
        raise ChapterSkipped(_texts(data)("common.too_few_areas", n=len(v), need=10))
    sub = data.areas.loc[v.index, ["geometry"]].assign(wert=v)
    args = (sub, config["permutations"], config["seed"], config["alpha"], config["correction"])
    index = data.areas.index

    def finish(outcome: tuple) -> ClusterResult:
        mi, lisa, msgs = outcome
        return ClusterResult(
            indicator=key,
            moran=mi,
            lisa=lisa.reindex(index),
            permutations=config["permutations"],
            alpha=config["alpha"],
            correction=config["correction"],
            seed=config["seed"],
            messages=tuple(msgs),
        )

    return Deferred(_job, args, finish)


def _texts(data: Any) -> Any:

    return Texts(data.language)


def render(result: ClusterResult, ctx: Any) -> Page:
    """Moran scatter plot, LISA map and the table of significant areas."""
    t, data = ctx.t, ctx.data
    key = result.indicator
    b: list = [H.para(t("clusters.lead", label=ctx.label(key)))]
    mi = result.moran
    b.append(H.heading(2, t("clusters.global")))
    b.append(
        H.para(
            t(
                "clusters.moran",
                i=ctx.fmt(mi.statistic, 3),
                p=ctx.pfmt(mi.p_value),
                permutations=result.permutations,
            )
        )
    )
    b.append(
        ctx.figure(
            "moran_streudiagramm",
            moran_scatter,
            mi,
            label=ctx.label(key),
            caption=t("clusters.scatter_caption"),
        )
    )
    n = int(result.lisa["cluster"].notna().sum())
    if result.correction == "fdr" and (result.permutations + 1) * result.alpha < n:
        ctx.notes.append(
            t(
                "clusters.few_permutations",
                permutations=result.permutations,
                n=n,
                need=int(np.ceil(n / result.alpha)),
            )
        )
    b.append(H.heading(2, t("clusters.local")))
    b.append(
        ctx.figure(
            "lisa",
            lisa_map,
            data.areas,
            pd.DataFrame({"cluster": result.codes}),
            label=ctx.label(key),
            outlines=data.districts,
            outline_labels="name" if data.districts is not None else None,
            source=data.source_short,
            caption=t("clusters.map_caption"),
        )
    )
    lab = result.lisa
    sig = lab[lab["cluster"].isin(["HH", "LL", "HL", "LH"])]
    codes = sig["cluster"].astype(str)
    tab = pd.DataFrame(
        {
            t("common.area"): [data.name(i) for i in sig.index],
            t("clusters.col.cluster"): [t(f"clusters.code.{c}") for c in codes],
            "I": sig["statistic"].to_numpy(),
            t("clusters.col.q"): sig["q_value"].to_numpy(),
        },
        index=pd.Index(sig.index, name="ID"),
    ).sort_values(t("clusters.col.cluster"))
    b.append(
        ctx.table(
            "lisa_cluster",
            tab,
            t("clusters.table_caption"),
            decimals={"I": 2, t("clusters.col.q"): 3},
            links={i: ctx.profile_href(i) for i in tab.index},
        )
    )
    if result.messages:  # sozplan's own messages are English: marked as such
        b.append(H.para(t("common.library_notes")))
        b.append(H.bullets(list(result.messages), lang=None if ctx.language == "en" else "en"))
    return Page(NAME, FILE, t("clusters.title"), b)
