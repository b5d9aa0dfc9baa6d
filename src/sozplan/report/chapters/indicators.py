"""Chapter "Kennzahlen": a map and a top-five table per indicator, change, all values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from sozplan.report import _html as H
from sozplan.report.chapters._base import Page

NAME = "indicators"
FILE = "kennzahlen.html"
SCHEMA: dict = {}


@dataclass(frozen=True)
class IndicatorsChapter:
    """The change of every indicator between two years (None without a time series)."""

    change: pd.DataFrame | None
    change_years: tuple[int, int] | None


def analyse(data: Any, config: dict) -> IndicatorsChapter:
    """Change between the first and last year (or ``data.change: [from, to]``), in points."""
    years = data.change or (
        [data.years[0], data.years[-1]] if data.panel_values is not None else None
    )
    if not years or data.panel_values is None or years[0] == years[1]:
        return IndicatorsChapter(None, None)
    y0, y1 = int(years[0]), int(years[1])
    pv = data.panel_values
    have = set(pv.index.get_level_values(-1))
    if y0 not in have or y1 not in have:
        return IndicatorsChapter(None, None)
    a, b = pv.xs(y0, level=-1), pv.xs(y1, level=-1)
    return IndicatorsChapter(change=(b - a.reindex(b.index)), change_years=(y0, y1))


def render(chapter: IndicatorsChapter, ctx: Any) -> Page:
    """Render maps, top-five tables, time series, change, the table of all values and counts."""
    from sozplan.plotting import choropleth, small_multiples

    t, data = ctx.t, ctx.data
    m = ctx.report["maps"]
    shown = data.shown
    gdf = data.areas.join(shown.add_suffix("_wert"))
    b: list = [H.para(t("indicators.lead"))]
    b.append(
        H.bullets([f'<a href="#k-{k}">{H.esc(ctx.label(k))}</a>' for k in data.keys], raw=True)
    )
    city = data.city_values.value.iloc[0]
    for ind in data.indicators:
        k = ind.key
        b.append(H.heading(2, ctx.label(k), anchor=f"k-{k}"))
        if ctx.language == "de" and ind.definition:
            b.append(H.para(ind.definition))
        b.append(H.para(t("indicators.formula", formula=ind.formula(), unit=ctx.unit(ind.key))))
        b.append(
            ctx.figure(
                f"karte_{k}",
                choropleth,
                gdf,
                f"{k}_wert",
                scheme=m["scheme"],
                n_classes=m["n_classes"],
                label=ctx.label(k),
                unit=ctx.unit(ind.key),
                cmap={1: "YlOrRd", -1: "YlGnBu"}.get(ind.direction, "PuBu"),
                outlines=data.districts,
                outline_labels="name" if data.districts is not None else None,
                source=data.source_short,
                title=f"{ctx.label(k)} {data.year}",
                caption=t(
                    "indicators.map_caption",
                    label=ctx.label(k),
                    unit=ctx.unit(ind.key),
                    year=data.year,
                    city=ctx.fmt(city[k], ind.decimals),
                ),
            )
        )
        v = shown[k].dropna().sort_values(ascending=False)
        top = pd.DataFrame(
            {
                t("common.area"): [data.name(i) for i in v.index[:5]],
                f"{ctx.label(k)} ({ctx.unit(ind.key)})": v.iloc[:5].to_numpy(),
            },
            index=pd.Index(v.index[:5], name="ID"),
        )
        b.append(
            ctx.table(
                None,
                top,
                t("indicators.top5", label=ctx.label(k)),
                decimals=ind.decimals,
                links={i: ctx.profile_href(i) for i in top.index},
            )
        )
    if data.panel_values is not None and len(data.years) >= 2:
        k = data.keys[0]
        ys = data.years
        show_years = sorted({ys[0], ys[len(ys) // 2], ys[-1]})
        pv = data.panel_values[k]
        geo = data.areas[["geometry"]]
        wide = geo.assign(
            **{str(y): pv.xs(y, level=-1).reindex(geo.index).to_numpy() for y in show_years}
        )
        b.append(H.heading(2, t("indicators.series", label=ctx.label(k))))
        b.append(
            ctx.figure(
                f"zeitreihe_{k}",
                small_multiples,
                wide,
                {str(y): str(y) for y in show_years},
                n_classes=m["n_classes"],
                label=ctx.label(k),
                unit=ctx.unit(k),
                outlines=data.districts,
                source=data.source_short,
                caption=t(
                    "indicators.series_caption",
                    label=ctx.label(k),
                    years=", ".join(map(str, show_years)),
                ),
            )
        )
    if chapter.change is not None and chapter.change_years is not None:
        y0, y1 = chapter.change_years
        ch = chapter.change
        b.append(H.heading(2, t("indicators.change", y0=y0, y1=y1), anchor="veraenderung"))
        tab = pd.DataFrame({t("common.area"): [data.name(i) for i in ch.index]}, index=ch.index)
        for ind in data.indicators:
            tab[f"{ctx.label(ind.key)} ({t('indicators.points')})"] = ch[ind.key]
        tab.index.name = "ID"
        dec = dict.fromkeys(tab.columns[1:], 1)
        b.append(
            ctx.table(
                "veraenderung",
                tab,
                t("indicators.change_caption", y0=y0, y1=y1),
                decimals=dec,
                links={i: ctx.profile_href(i) for i in tab.index},
            )
        )
    b.append(H.heading(2, t("indicators.all")))
    tab = pd.DataFrame(
        {t("common.area"): [data.name(i) for i in data.areas.index]}, index=data.areas.index
    )
    if data.district_level in data.areas.columns:
        tab[ctx.district_word()] = [
            data.district_name(data.district_of(i)) or "–" for i in data.areas.index
        ]
    cols = {}
    for ind in data.indicators:
        col = f"{ctx.label(ind.key)} ({ctx.unit(ind.key)})"
        cols[ind.key] = col
        tab[col] = data.values.value[ind.key].where(
            ~data.values.status[ind.key].isin(
                ("small_population", "suppressed", "missing", "zero_denominator", "implausible")
            )
        )
    hidden = pd.DataFrame({cols[k]: data.hidden_values[k] for k in cols})
    tab.index.name = "ID"
    b.append(
        ctx.table(
            "kennzahlen",
            tab,
            t("indicators.table_caption", year=data.year),
            hidden=hidden,
            decimals={cols[i.key]: i.decimals for i in data.indicators},
            links={i: ctx.profile_href(i) for i in tab.index},
        )
    )
    b.append(intervals_block(data, ctx))
    b.append(H.heading(2, t("indicators.counts")))
    counts = data.counts.copy()
    counts.index.name = "ID"
    labels = [count_label(data, c, ctx) for c in counts.columns]
    hidden_c = pd.DataFrame(
        (data.count_status == "secret").to_numpy(), index=counts.index, columns=labels
    )
    counts.columns = labels
    n_missing = int((data.count_status == "missing").to_numpy().sum())
    if n_missing:
        b.append(H.note(t("indicators.missing_counts", n=n_missing), "info"))
    b.append(
        ctx.table(
            "fallzahlen",
            counts,
            t("indicators.counts_caption", year=data.year),
            count_columns=tuple(labels),
            hidden=hidden_c,
            decimals=0,
            links={i: ctx.profile_href(i) for i in counts.index},
        )
    )
    return Page(NAME, FILE, t("indicators.title"), b)


def intervals_block(data: Any, ctx: Any) -> Any:
    """Export every shown value with its 95 % interval (one row per area and indicator)."""
    t = ctx.t
    rows = []
    shown = data.shown
    for ind in data.indicators:
        for i in data.areas.index:
            v = shown.at[i, ind.key]
            rows.append(
                {
                    "ID": i,
                    t("common.area"): data.name(i),
                    t("data_method.col.indicator"): ind.label(ctx.language),
                    t("data_method.col.unit"): ctx.unit(ind.key),
                    t("indicators.col.value"): v,
                    t("indicators.col.lower"): data.values.lower.at[i, ind.key]
                    if pd.notna(v)
                    else None,
                    t("indicators.col.upper"): data.values.upper.at[i, ind.key]
                    if pd.notna(v)
                    else None,
                }
            )
    long = pd.DataFrame(rows).set_index("ID")
    links = ctx.publish(
        "kennzahlen_intervalle",
        long,
        t("indicators.intervals_caption", year=data.year),
        decimals=max((i.decimals for i in data.indicators), default=1),
    )
    items = " · ".join(f'<a href="{H.esc(href)}">{H.esc(lab)}</a>' for lab, href in links)
    return H.para(H.esc(t("indicators.intervals", year=data.year)) + " " + items, raw=True)


def count_label(data: Any, column: str, ctx: Any) -> str:
    """Readable name of a count column: catalogue entry, description label, or the name."""
    if ctx.t.has(f"count.{column}"):
        return ctx.t(f"count.{column}")
    src = data.spec.columns.get(column)
    label = getattr(src, "label", "") if src is not None else ""
    return label or column
