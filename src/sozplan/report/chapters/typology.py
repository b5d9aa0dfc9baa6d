"""Chapter "Gebietstypen": areas with similar profiles (:func:`sozplan.typology.typology`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.plotting import category_map, profile_heatmap
from sozplan.report import _html as H
from sozplan.report._text import Texts
from sozplan.report.chapters._base import ChapterSkipped, Key, Page
from sozplan.typology import typology

NAME = "typology"
FILE = "typologie.html"
SCHEMA = {
    "indicators": Key((list, type(None)), None),
    "n_clusters": Key((int, type(None)), 5),
    "method": Key(str, "ward"),
    "n_bootstrap": Key(int, 20),
    "seed": Key(int, 2024),
}


@immutable
@dataclass(frozen=True)
class TypologyChapter:
    """The typology result, its indicators, and the type of every area."""

    result: Any
    indicators: tuple[str, ...]

    def type_name(self, ident: Any, t: Any) -> str | None:
        """Label ("Typ 3") of the area's type, None if it has none."""
        lab = self.result.labels.get(ident)
        return None if lab is None or pd.isna(lab) else t("typology.type", n=lab)

    def description(self, ident: Any) -> str:
        """Return the words describing the area's type."""
        lab = self.result.labels.get(ident)
        desc = getattr(self.result, "descriptions", None)
        if lab is None or pd.isna(lab) or desc is None:
            return ""
        return str(desc.get(lab, ""))


def analyse(data: Any, config: dict) -> TypologyChapter:
    """Cluster the areas on the shown values of the chosen indicators."""
    t = Texts(data.language)
    cols = list(config["indicators"] or data.keys)
    unknown = [k for k in cols if k not in data.keys]
    if unknown:
        raise ChapterSkipped(t("typology.unknown", keys=", ".join(unknown)))
    df = data.shown[cols].dropna()
    if len(df) < 10:
        raise ChapterSkipped(t("common.too_few_areas", n=len(df), need=10))
    labels = {k: data.indicator(k).label(data.language) for k in cols}
    res = typology(
        df,
        cols,
        method=config["method"],
        n_clusters=config["n_clusters"],
        rng=config["seed"],
        n_bootstrap=config["n_bootstrap"],
        labels=labels,
        language=data.language,
    )
    return TypologyChapter(result=res, indicators=tuple(cols))


def render(chapter: TypologyChapter, ctx: Any) -> Page:
    """Type map, profile heat map, table of types."""
    t, data, res = ctx.t, ctx.data, chapter.result
    b: list = [
        H.para(
            t(
                "typology.lead",
                n_ind=len(chapter.indicators),
                method=res.method,
                n=res.n_clusters,
            )
        )
    ]
    order = sorted(pd.unique(res.labels.dropna()), key=str)
    names = {c: t("typology.type", n=c) for c in order}
    g = data.areas.assign(typ=res.labels.reindex(data.areas.index))
    b.append(
        ctx.figure(
            "typen_karte",
            category_map,
            g,
            "typ",
            order=order,
            labels=names,
            label=t("typology.map_label"),
            outlines=data.districts,
            source=data.source_short,
            caption=t("typology.map_caption"),
        )
    )
    zp = res.z_profiles.copy()
    zp.index = [names.get(i, str(i)) for i in zp.index]
    sizes = res.labels.value_counts()
    b.append(
        ctx.figure(
            "typen_profile",
            profile_heatmap,
            zp,
            labels={k: ctx.label(k) for k in chapter.indicators},
            counts={names[c]: int(sizes.get(c, 0)) for c in order},
            caption=t("typology.profile_caption"),
        )
    )
    desc = res.descriptions.to_dict() if hasattr(res, "descriptions") else {}
    stab = getattr(res, "stability", None)
    rows = []
    for c in order:
        row = {
            t("typology.col.type"): names[c],
            t("typology.col.areas"): int(sizes.get(c, 0)),
            t("typology.col.description"): str(desc.get(c, "")),
        }
        if stab is not None and c in stab.index:
            val = stab.loc[c]
            row[t("typology.col.stability")] = float(val.iloc[0] if hasattr(val, "iloc") else val)
        rows.append(row)
    tab = pd.DataFrame(rows).set_index(t("typology.col.type"))
    b.append(ctx.table("gebietstypen", tab, t("typology.table_caption"), decimals=2))
    return Page(NAME, FILE, t("typology.title"), b)
