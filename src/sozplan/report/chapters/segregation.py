"""Chapter "Segregation": how unevenly population groups live across the city.

Groups and total come from the city description (``roles.groups`` or
``roles.citizenship``; the residents) unless the configuration names them; the
indices are :func:`sozplan.segregation.segregation_table` (one row per group) and the
multigroup indices of :mod:`sozplan.segregation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sozplan.report import _html as H
from sozplan.report.chapters._base import ChapterSkipped, Key, Page

NAME = "segregation"
FILE = "segregation.html"
SCHEMA = {
    "level": Key((str, type(None)), None),
    "groups": Key((list, type(None)), None),
    "population": Key((str, type(None)), None),
    "reference": Key((str, type(None)), None),
}

_INDICES = ("dissimilarity", "gini", "isolation", "entropy")


@dataclass(frozen=True)
class SegregationResult:
    """The index table per group, the multigroup indices and what they were computed on."""

    table: pd.DataFrame
    multigroup: dict
    groups: tuple[str, ...]
    population: str
    level: str
    level_label: str
    n_units: int
    frame: Any
    location_quotients: pd.DataFrame | None


def _group_label(data: Any, col: str, language: str) -> str:
    src = data.spec.columns.get(col)
    label = getattr(src, "label", "") if src is not None else ""
    from sozplan.report._text import Texts

    t = Texts(language)
    if t.has(f"group.{col}"):
        return t(f"group.{col}")
    return label or col


def analyse(data: Any, config: dict) -> SegregationResult:
    """Two-group indices per group against the rest of the population, and multigroup ones."""
    import sozplan.segregation as seg
    from sozplan.report._text import Texts

    t = Texts(data.language)
    roles = data.spec.roles
    groups = list(config["groups"] or roles.get("groups") or roles.get("citizenship") or [])
    if not groups:
        raise ChapterSkipped(t("segregation.no_groups"))
    total = config["population"] or data.population
    level = config["level"] or data.level
    if level != data.level and data.load_level is None:
        raise ChapterSkipped(t("segregation.missing", columns="-", level=level))
    frame = data.areas if level == data.level else data.load_level(level).data
    missing = [c for c in [*groups, total] if c not in frame.columns]
    if missing:
        raise ChapterSkipped(t("segregation.missing", columns=", ".join(missing), level=level))
    df = pd.DataFrame(frame[[*groups, total]]).apply(pd.to_numeric, errors="coerce")
    incomplete = df.isna().any(axis=1)
    if incomplete.any():
        df = df[~incomplete]
    if len(df) < 5:
        raise ChapterSkipped(t("common.too_few_areas", n=len(df), need=5))
    rows = []
    for g in groups:
        row = {"group": g}
        for name in _INDICES:
            row[name] = float(getattr(seg, name)(df, g, total).statistic)
        row["share"] = 100 * df[g].sum() / df[total].sum()
        rows.append(row)
    table = pd.DataFrame(rows).set_index("group")
    if level != data.level and all(c in data.areas.columns for c in [*groups, total]):
        # the same index on the report's areas: coarser units give smaller values (MAUP)
        coarse = pd.DataFrame(data.areas[[*groups, total]]).apply(pd.to_numeric, errors="coerce")
        coarse = coarse.dropna()
        table["dissimilarity_report_level"] = [
            float(seg.dissimilarity(coarse, g, total).statistic) for g in groups
        ]
    rest = df[total] - df[groups].sum(axis=1)
    mg = df[groups].assign(_rest=rest.clip(lower=0))
    multigroup = {
        "dissimilarity": float(seg.multigroup_dissimilarity(mg, [*groups, "_rest"]).statistic),
        "information": float(seg.information_theory(mg, [*groups, "_rest"]).statistic),
    }
    lq = None
    if level == data.level:
        lq = seg.location_quotients(mg, [*groups, "_rest"])
    geo = frame.loc[df.index, ["geometry"]] if "geometry" in frame.columns else None
    return SegregationResult(
        table=table,
        multigroup=multigroup,
        groups=tuple(groups),
        population=total,
        level=level,
        level_label=data.spec.level(level).label,
        n_units=len(df),
        frame=df if geo is None else geo.join(df),
        location_quotients=lq,
    )


def render(result: SegregationResult, ctx: Any) -> Page:
    """Index table, multigroup indices, segregation curves, location quotient map."""
    from sozplan.plotting import choropleth, segregation_curve

    t, data = ctx.t, ctx.data
    lang = ctx.language
    key = f"level.{result.level}.sg"
    level_label = t(key) if t.has(key) else result.level_label
    b: list = [
        H.para(t("segregation.lead", n=result.n_units, level=level_label)),
    ]
    names = {g: _group_label(data, g, lang) for g in result.groups}
    tab = result.table.copy()
    tab.index = [names[g] for g in tab.index]
    tab.index.name = t("segregation.col.group")
    cols = {c: t(f"segregation.col.{c}", level=ctx.level_word(plural=False)) for c in tab.columns}
    tab = tab.rename(columns=cols)
    b.append(
        ctx.table(
            "segregation",
            tab,
            t("segregation.table_caption", level=level_label),
            decimals={**dict.fromkeys(tab.columns, 3), cols["share"]: 1},
        )
    )
    b.append(
        H.para(
            t(
                "segregation.multigroup",
                d=ctx.fmt(result.multigroup["dissimilarity"], 3),
                h=ctx.fmt(result.multigroup["information"], 3),
            )
        )
    )
    b.append(H.heading(2, t("segregation.curves")))
    b.append(
        ctx.figure(
            "segregationskurve",
            segregation_curve,
            result.frame,
            list(result.groups[:4]),
            result.population,
            labels=names,
            caption=t("segregation.curves_caption"),
        )
    )
    if result.location_quotients is not None:
        top = result.groups[int(np.argmax(result.table["dissimilarity"].to_numpy()))]
        lq = result.location_quotients[top].reindex(data.areas.index)
        pop = pd.to_numeric(data.areas[result.population], errors="coerce")
        g = data.areas.assign(lq=lq.where(pop >= data.min_population))
        b.append(H.heading(2, t("segregation.where", group=names[top])))
        b.append(
            ctx.figure(
                "lokationsquotient",
                choropleth,
                g,
                "lq",
                scheme="manual",
                cuts=[0.5, 0.8, 1.25, 2.0],
                diverging=True,
                center=1.0,
                label=t("segregation.lq_label", group=names[top]),
                decimals=2,
                outlines=data.districts,
                source=data.source_short,
                caption=t("segregation.lq_caption"),
            )
        )
    return Page(NAME, FILE, t("segregation.title"), b)
