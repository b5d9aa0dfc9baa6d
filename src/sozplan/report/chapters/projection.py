"""Chapter "Bevölkerungsprognose": Hamilton-Perry projection of the age bands.

The age bands come from the city description (``roles.age_bands``: column -> [lower,
upper)); the stocks from the report's panel (several years). The projection is
:func:`sozplan.projection.hamilton_perry` (cohort-change ratios, Hamilton & Perry
1962; Baker et al. 2017, doi:10.1007/978-3-319-53745-0), split into single years
(``split="uniform"``) and pooled over the yearly periods of the base period, so that
bands of any width can be projected year by year. The demand for places follows
:func:`sozplan.projection.demand` (participation rate x residents of the age group).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.errors import InputError
from sozplan.plotting import demand_curve
from sozplan.projection import AgeBands, demand, hamilton_perry
from sozplan.report import _html as H
from sozplan.report._text import Texts
from sozplan.report.chapters._base import ChapterSkipped, Key, Page

NAME = "projection"
FILE = "prognose.html"
SCHEMA = {
    "base_year": Key((int, type(None)), None),
    "launch_year": Key((int, type(None)), None),
    "horizon": Key(int, 10),
    "split": Key(str, "uniform", choices=("uniform", "monotone")),
    # ages of the demand groups [lower, upper) and their participation rates (0 to 1)
    "groups": Key(dict, {"kita_u3": [0, 3], "kita_3_6": [3, 6]}),
    "participation": Key(dict, {"kita_u3": 0.45, "kita_3_6": 0.93}),
    "n_areas": Key(int, 10),
}


@immutable
@dataclass(frozen=True)
class ProjectionChapter:
    """The projection, the demand for places by year and what was left out."""

    result: Any  # ProjectionResult
    demand: pd.DataFrame  # year x group (city totals)
    demand_note: str
    base_year: int
    launch_year: int
    target_year: int
    n_areas: int
    n_dropped: int


def _bands(data: Any) -> Any:

    t = Texts(data.language)
    raw = dict(data.spec.roles.get("age_bands") or {})
    if not raw:
        raise ChapterSkipped(t("projection.no_bands"))
    items = sorted(((c, *([*list(e), None])[:2]) for c, e in raw.items()), key=lambda x: x[1])
    return AgeBands(
        columns=tuple(c for c, _, _ in items),
        lower=tuple(int(lo) for _, lo, _ in items),
        upper=tuple(None if hi is None else int(hi) for _, _, hi in items),
    )


def _uniform_demand(result: Any, config: dict) -> pd.DataFrame:
    """Demand where the group ages do not fall on band edges: uniform ages within a band."""
    bands, pop = result.bands, result.population
    out = {}
    for g, rate in config["participation"].items():
        lo, hi = config["groups"][g]
        share = np.zeros(len(pop))
        for col, a, b in zip(bands.columns, bands.lower, bands.upper, strict=True):
            if b is None:
                if hi is None or hi > a:
                    raise ChapterSkipped(g)
                continue
            overlap = max(0, min(b, hi if hi is not None else b) - max(a, lo))
            share = share + pop[col].to_numpy() * overlap / (b - a)
        out[g] = share * float(rate)
    return pd.DataFrame(out, index=pop.index)


def analyse(data: Any, config: dict) -> ProjectionChapter:
    """Project the age bands from the panel; demand for places by year."""
    t = Texts(data.language)
    bands = _bands(data)
    if data.panel is None:
        raise ChapterSkipped(t("projection.few_years", n=1))
    missing = [c for c in bands.columns if c not in data.panel.columns]
    if missing:
        raise ChapterSkipped(t("projection.missing", columns=", ".join(map(str, missing))))
    stocks = data.panel[list(bands.columns)].apply(pd.to_numeric, errors="coerce")
    ylevel = stocks.index.names[-1]
    years = sorted(int(y) for y in stocks.index.get_level_values(ylevel).unique())
    if len(years) < 2:
        raise ChapterSkipped(t("projection.few_years", n=len(years)))
    launch = int(config["launch_year"] or (data.year if data.year in years else years[-1]))
    base = int(config["base_year"] or years[0])
    if base not in years or launch not in years or base >= launch:
        raise ChapterSkipped(t("projection.bad_years", base=base, launch=launch))
    used = [y for y in years if base <= y <= launch]
    step = 1 if used == list(range(base, launch + 1)) else launch - base
    horizon = int(config["horizon"])
    horizon -= horizon % step
    if horizon < step:
        raise ChapterSkipped(t("projection.bad_years", base=base, launch=launch))
    stocks = stocks[stocks.index.get_level_values(ylevel).isin(used)]
    wide = stocks.unstack(ylevel)
    complete = wide.notna().all(axis=1)
    n_dropped = int((~complete).sum())
    keep = wide.index[complete]
    stocks = stocks[stocks.index.get_level_values(0).isin(keep)]
    if len(keep) < 2:
        raise ChapterSkipped(t("common.too_few_areas", n=len(keep), need=2))
    result = hamilton_perry(
        stocks,
        bands,
        base_year=base,
        launch_year=launch,
        target_year=launch + horizon,
        step=step,
        split=config["split"],
        year=ylevel,
    )
    groups = {g: tuple(v) for g, v in config["groups"].items()}
    unknown = [g for g in config["participation"] if g not in groups]
    if unknown:
        raise ChapterSkipped(t("projection.unknown_group", groups=", ".join(unknown)))
    note = ""
    try:
        need = demand(result, dict(config["participation"]), groups=groups)
    except InputError:
        try:
            need = _uniform_demand(result, config)
        except ChapterSkipped:
            need = pd.DataFrame(index=result.population.index)
            note = "projection.demand_open"
        else:
            note = "projection.demand_uniform"
    city = need.groupby(level=-1).sum()
    return ProjectionChapter(
        result=result,
        demand=city,
        demand_note=note,
        base_year=base,
        launch_year=launch,
        target_year=launch + horizon,
        n_areas=len(keep),
        n_dropped=n_dropped,
    )


def render(chapter: ProjectionChapter, ctx: Any) -> Page:
    """Lead, index chart and table of the age bands, areas with the largest change, demand."""
    t, data, res = ctx.t, ctx.data, chapter.result
    launch, target = chapter.launch_year, chapter.target_year
    labels = {
        c: t("projection.band", lo=lo, hi=hi)
        if hi is not None
        else t("projection.band_open", lo=lo)
        for c, lo, hi in zip(res.bands.columns, res.bands.lower, res.bands.upper, strict=True)
    }
    totals = res.total()
    b: list = [
        H.para(
            t(
                "projection.lead",
                n=ctx.fmt(chapter.n_areas, 0),
                areas=ctx.level_word(),
                base=chapter.base_year,
                launch=launch,
                target=target,
                total0=ctx.fmt(float(totals.loc[launch].sum()), 0),
                total1=ctx.fmt(float(totals.loc[target].sum()), 0),
            )
        )
    ]
    if chapter.n_dropped:
        b.append(H.note(t("projection.dropped", n=chapter.n_dropped)))
    idx = 100 * totals / totals.loc[launch]
    b.append(
        ctx.figure(
            "prognose_altersgruppen",
            demand_curve,
            idx.rename(columns=labels),
            launch_year=launch,
            ylabel=t("projection.index_label", launch=launch),
            caption=t("projection.chart_caption", launch=launch, target=target),
        )
    )
    mid = launch + (target - launch) // 2
    shown = [y for y in dict.fromkeys([launch, mid, target]) if y in totals.index]
    tab = totals.loc[shown].T
    tab.columns = [str(y) for y in shown]
    tab[t("projection.col.change")] = 100 * (totals.loc[target] / totals.loc[launch] - 1)
    tab.index = [labels[c] for c in tab.index]
    tab.index.name = t("projection.col.band")
    tab.loc[t("projection.col.all")] = [
        *(float(totals.loc[y].sum()) for y in shown),
        100 * (totals.loc[target].sum() / totals.loc[launch].sum() - 1),
    ]
    b.append(
        ctx.table(
            "prognose_stadt",
            tab,
            t("projection.table_caption", launch=launch, target=target),
            decimals={**{str(y): 0 for y in shown}, t("projection.col.change"): 1},
        )
    )
    pop = res.population.sum(axis=1).unstack(-1)
    change = (pop[target] - pop[launch]).rename("abs")
    pct = 100 * (pop[target] / pop[launch].where(pop[launch] >= data.min_population) - 1)
    top = pct.dropna().abs().sort_values(ascending=False).index[: ctx.config["n_areas"]]
    rows = pd.DataFrame(
        {
            t("common.area"): [data.name(i) for i in top],
            str(launch): pop.loc[top, launch].to_numpy(),
            str(target): pop.loc[top, target].to_numpy(),
            t("projection.col.change_abs"): change.loc[top].to_numpy(),
            t("projection.col.change"): pct.loc[top].to_numpy(),
        },
        index=pd.Index(top, name=t("services.col.id")),
    )
    b.append(H.heading(2, t("projection.areas_heading")))
    b.append(
        ctx.table(
            "prognose_gebiete",
            rows,
            t("projection.areas_caption", n=len(rows), launch=launch, target=target),
            decimals={
                str(launch): 0,
                str(target): 0,
                t("projection.col.change_abs"): 0,
                t("projection.col.change"): 1,
            },
        )
    )
    b.append(H.heading(2, t("projection.demand_heading")))
    if chapter.demand.shape[1]:
        names = {
            g: t(f"projection.group.{g}") if t.has(f"projection.group.{g}") else g
            for g in chapter.demand.columns
        }
        rates = ", ".join(
            f"{names[g]} {ctx.fmt(100 * float(r), 0)} %"
            for g, r in ctx.config["participation"].items()
        )
        b.append(H.para(t("projection.demand_lead", rates=rates)))
        need = chapter.demand.rename(columns=names)
        if len(need.columns) > 1:
            need[t("projection.col.all")] = need.sum(axis=1)
        b.append(
            ctx.figure(
                "prognose_bedarf",
                demand_curve,
                need,
                launch_year=launch,
                ylabel=t("projection.demand_label"),
                caption=t("projection.demand_caption", launch=launch, target=target),
            )
        )
        years = [y for y in shown if y in need.index]
        dt = need.loc[years].T
        dt.columns = [str(y) for y in years]
        dt.index.name = t("projection.col.group")
        b.append(
            ctx.table(
                "prognose_bedarf",
                dt,
                t("projection.demand_table_caption"),
                decimals=0,
            )
        )
    if chapter.demand_note:
        b.append(H.note(t(chapter.demand_note)))
    b.append(H.note(t("projection.method_note")))
    return Page(NAME, FILE, t("projection.title"), b)
