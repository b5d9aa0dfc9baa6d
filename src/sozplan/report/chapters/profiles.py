"""Chapter "Steckbriefe": one page per area, compared with its district and the city.

The district is named from the description (its own name, never an area's name). The
classes of the index, the local cluster and the area type come from the *results* of
those chapters and are explained on the page.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sozplan.report import _html as H
from sozplan.report.chapters._base import Key, Page
from sozplan.report.chapters.indicators import count_label
from sozplan.report.chapters.overview import _class

NAME = "profiles"
FILE = "steckbriefe/index.html"
SCHEMA = {"enabled": Key(bool, True)}


def analyse(data: Any, config: dict) -> Any:
    """Nothing to compute beyond the data; the locator maps are drawn when rendering."""
    return None


class _Lookup:
    """Everything the Steckbriefe read per area, taken from the data and results once.

    The report's data and results hand out copies of their tables on every access
    (they are immutable); read once here, 234 areas x 8 indicators cost no more than
    one lookup each.
    """

    def __init__(self, ctx: Any):
        data, r = ctx.data, ctx.results
        self.population = data.counts[data.population]
        values = data.values
        self.value, self.status = values.value, values.status
        self.lower, self.upper = values.lower, values.upper
        self.hidden = data.hidden_values
        dv = data.district_values
        self.district_value = dv.value if dv is not None else None
        self.city = data.city_values.value.iloc[0]
        self.counts, self.count_status = data.counts, data.count_status
        self.excluded = dict(data.excluded)
        index = r.get("index")
        sd = index.sd if index is not None else None
        self.status_class = sd.status_class if sd is not None else None
        self.dynamics_class = sd.dynamics_class if sd is not None else None
        self.reason = sd.reason if sd is not None else None
        clusters = r.get("clusters")
        self.cluster_codes = clusters.codes if clusters is not None else None


def _key_figures(ident: Any, ctx: Any, look: _Lookup) -> tuple[list, list]:
    t, r = ctx.t, ctx.results
    pop = look.population.at[ident]
    kf = [(ctx.fmt(pop, 0) if pd.notna(pop) else ".", t("profiles.residents"))]
    explain: list[str] = []
    if look.status_class is not None:
        kf.append((_class(t, look.status_class.get(ident, "–")), t("index.col.status_class")))
        if look.dynamics_class is not None:
            kf.append(
                (_class(t, look.dynamics_class.get(ident, "–")), t("index.col.dynamics_class"))
            )
        explain.append(t("profiles.explain_index"))
    if look.cluster_codes is not None:
        code = look.cluster_codes.get(ident)
        lab = t(f"clusters.code.{code}") if isinstance(code, str) else t("profiles.no_value")
        kf.append((lab, t("profiles.cluster")))
        explain.append(t("profiles.explain_cluster", label=ctx.label(r["clusters"].indicator)))
    typ = r.get("typology")
    if typ is not None:
        name = typ.type_name(ident, t)
        kf.append((name or "–", t("profiles.type")))
        if name:
            explain.append(
                t("profiles.explain_type", type=name, description=typ.description(ident))
            )
    return kf, explain


def render(_result: Any, ctx: Any) -> Page:
    """Render the list of areas by district and one sub-page per area."""
    t, data = ctx.t, ctx.data
    locator = H.SvgLocator(data.areas, data.districts) if data.districts is not None else None
    look = _Lookup(ctx)
    pages = []
    by_district: dict[str, list] = {}
    labels_by_key = {ind.key: ind.label(ctx.language) for ind in data.indicators}
    by_area: dict = {}
    if data.panel_values is not None and len(data.years) > 1:
        by_area = {k: g.droplevel(0) for k, g in data.panel_values.groupby(level=0)}
    for ident in data.areas.index:
        name = data.name(ident)
        dist = data.district_of(ident)
        dname = data.district_name(dist)
        by_district.setdefault(dname or "–", []).append(ident)
        blocks: list = []
        kf, explain = _key_figures(ident, ctx, look)
        blocks.append(H.keyfigures(kf))
        reason = look.excluded.get(ident)
        if reason is None and look.reason is not None:
            rr = look.reason.get(ident)
            reason = rr if rr is not None and pd.notna(rr) else None
        if reason:
            blocks.append(H.note(t("profiles.not_rated", reason=reason), "warning"))
        if explain:
            blocks.append(H.bullets(explain))
        rows = []
        for ind in data.indicators:
            k = ind.key
            area_v = look.value.at[ident, k]
            hidden = bool(look.hidden.at[ident, k]) or look.status.at[ident, k] in (
                "small_population",
                "suppressed",
                "missing",
                "zero_denominator",
            )
            dv = (
                look.district_value.at[dist, k]
                if look.district_value is not None and dist in look.district_value.index
                else np.nan
            )
            lo, hi = look.lower.at[ident, k], look.upper.at[ident, k]
            ci = (
                t("profiles.ci", lo=ctx.fmt(lo, ind.decimals), hi=ctx.fmt(hi, ind.decimals))
                if not hidden and np.isfinite(lo) and np.isfinite(hi)
                else ""
            )
            rows.append(
                {
                    "label": ind.label(ctx.language),
                    "values": [area_v, dv, look.city[k]],
                    "unit": ctx.unit(ind.key),
                    "decimals": ind.decimals,
                    "hidden": [hidden, False, False],
                    "note": ci,
                }
            )
        cols = [
            name,
            t("profiles.district", level=ctx.district_word(), name=dname) if dname else "–",
            t("profiles.city"),
        ]
        table_block = H.bar_table(
            rows,
            t("profiles.table_caption", year=data.year, name=name),
            cols,
            language=ctx.language,
        )
        side = ""
        if locator is not None:
            side = (
                f"<div>{locator.svg(ident, t('profiles.where', name=name))}"
                f'<p class="table-more">{H.esc(t("profiles.locator_legend", level=ctx.district_word()))}</p></div>'
            )
        blocks.append(
            H.Block(f'<div class="two-col"><div>{table_block.html}</div>{side}</div>', "table")
        )
        series = by_area.get(ident)
        if series is not None:
            s = series.copy()
            s.index = s.index.astype(str)
            s = s.T
            s.index = [labels_by_key[k] for k in s.index]
            s.index.name = t("data_method.col.indicator")
            blocks.append(H.heading(2, t("profiles.series")))
            blocks.append(
                H.table(
                    s,
                    t("profiles.series_caption", name=name),
                    language=ctx.language,
                    decimals={
                        lab: ind.decimals
                        for lab, ind in zip(labels_by_key.values(), data.indicators, strict=True)
                    },
                )
            )
        counts = look.counts.loc[[ident]].T
        counts.columns = [t("profiles.count")]
        hid = pd.DataFrame(
            (look.count_status.loc[[ident]].T == "secret").to_numpy(),
            index=counts.index,
            columns=counts.columns,
        )

        labels = [count_label(data, c, ctx) for c in counts.index]
        counts.index = labels
        hid.index = labels
        counts.index.name = t("profiles.variable")
        blocks.append(H.heading(2, t("profiles.counts")))
        blocks.append(
            H.table(
                counts,
                t("profiles.counts_caption", year=data.year),
                language=ctx.language,
                hidden=hid,
                count_columns=tuple(counts.columns),
                decimals=0,
            )
        )
        blocks.append(
            H.para(
                f'<a href="index.html">{H.esc(t("profiles.all"))}</a> · '
                f'<a href="../kennzahlen.html">{H.esc(t("indicators.title"))}</a>',
                raw=True,
            )
        )
        lead = t("profiles.lead_area", level=ctx.level_word(plural=False), id=ident)
        if dname:
            lead += t("profiles.lead_district", level=ctx.district_word(), name=dname)
        pages.append(
            Page(
                f"steckbrief-{ident}",
                f"steckbriefe/{ident}.html",
                t("profiles.page_title", name=name),
                blocks,
                lead,
            )
        )
    b: list = [H.para(t("profiles.lead"))]
    for dname, ids in sorted(by_district.items()):
        heading = t("profiles.district", level=ctx.district_word(), name=dname)
        b.append(H.heading(2, heading if data.district_level else t("profiles.areas")))
        items = [f'<a href="{i}.html">{H.esc(data.name(i))}</a> ({H.esc(i)})' for i in ids]
        b.append(
            H.Block('<ul class="area-list">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
        )
    return Page(NAME, FILE, t("profiles.title"), b, subpages=pages)
