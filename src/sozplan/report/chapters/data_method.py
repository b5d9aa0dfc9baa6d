"""Chapter "Daten und Methode": source, indicators, maps, disclosure control, notes."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sozplan.report import _html as H
from sozplan.report.chapters._base import Page

NAME = "data_method"
FILE = "daten-und-methode.html"
SCHEMA: dict = {}


def analyse(data: Any, config: dict) -> Any:
    """Nothing to compute: the page describes the data and the methods."""
    return None


def render(_result: Any, ctx: Any) -> Page:
    """Render data source, definitions, index, maps, clusters, disclosure, notes."""
    t, data = ctx.t, ctx.data
    b: list = [H.heading(2, t("data_method.data"))]
    b.append(
        H.para(
            t(
                "data_method.source",
                source=data.source_short,
                city=data.city,
                n=len(data.areas),
                level=ctx.level_word(),
                year=data.year,
                first=data.years[0],
                last=data.years[-1],
                hash=data.spec.hash,
            )
        )
    )
    if data.excluded:
        b.append(H.para(t("data_method.excluded", n=len(data.excluded))))
    rows = []
    for ind in data.indicators:
        rows.append(
            {
                t("data_method.col.indicator"): ind.label(ctx.language),
                t("data_method.col.unit"): ctx.unit(ind.key),
                t("data_method.col.formula"): ind.formula(),
                t("data_method.col.kind"): t(
                    "data_method.published" if ind.spec is None else "data_method.counted"
                ),
            }
        )
    tab = pd.DataFrame(rows, index=pd.Index(data.keys, name=t("data_method.col.key")))
    b.append(ctx.table("kennzahlen_definitionen", tab, t("data_method.definitions")))
    index_cfg = ctx.report.get("index")
    if index_cfg is not None and "index" in ctx.report["chapters"]:
        b.append(H.heading(2, t("index.title")))
        cuts = ", ".join(ctx.fmt(c, 1) for c in index_cfg["status_cuts"])
        b.append(
            H.para(
                t(
                    "data_method.index",
                    name=index_cfg["name"],
                    version=index_cfg["version"],
                    cuts=cuts,
                    minpop=ctx.fmt(index_cfg["min_population"] or data.min_population, 0),
                )
            )
        )
    b.append(H.heading(2, t("data_method.maps")))
    m = ctx.report["maps"]
    b.append(
        H.para(t("data_method.maps_text", k=m["n_classes"], scheme=t(f"scheme.{m['scheme']}")))
    )
    c = ctx.report.get("clusters")
    if c is not None and "clusters" in ctx.report["chapters"]:
        b.append(H.heading(2, t("clusters.title")))
        b.append(
            H.para(
                t(
                    "data_method.clusters",
                    permutations=c["permutations"],
                    seed=c["seed"],
                    alpha=ctx.fmt(c["alpha"], 2),
                    correction=t(f"correction.{c['correction']}"),
                )
            )
        )
    b.append(H.heading(2, t("data_method.disclosure")))
    d = ctx.report["disclosure"]
    if data.suppression is None:
        b.append(H.note(t("data_method.small_counts_published"), "warning"))
    else:
        res = data.suppression
        audit = ""
        if data.audit is not None and len(data.audit.cells):
            n_disc = int(data.audit.n_determined)
            audit = (
                t(
                    "data_method.audit_ok",
                    n=len(data.audit.cells),
                    width=ctx.fmt(data.audit.cells["width"].min(), 1),
                )
                if n_disc == 0
                else t("data_method.audit_bad", n=n_disc)
            )
        b.append(
            H.para(
                t(
                    "data_method.suppression",
                    below=d["min_count"] - 1,
                    primary=res.n_primary,
                    secondary=res.n_secondary,
                    min_count=d["min_count"],
                )
                + audit
            )
        )
    n_missing = int((data.count_status == "missing").to_numpy().sum())
    if n_missing:
        b.append(H.para(t("data_method.missing", n=n_missing)))
    if data.notes or data.library_notes:
        b.append(H.heading(2, t("data_method.notes")))
        if data.notes:
            b.append(H.bullets(list(data.notes)[:15]))
        if data.library_notes:
            b.append(H.para(t("common.library_notes")))
            lang = None if ctx.language == "en" else "en"
            b.append(H.bullets(list(data.library_notes)[:15], lang=lang))
    return Page(NAME, FILE, t("data_method.title"), b)
