"""Chapter "Überblick" (``index.html``): key figures, findings at a glance, contents.

It reads the *results* of the other chapters' analyses (never their pages).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sozplan.report import _html as H
from sozplan.report.chapters._base import Page
from sozplan.report.chapters.segregation import _group_label

NAME = "overview"
FILE = "index.html"
SCHEMA: dict = {}


def analyse(data: Any, config: dict) -> Any:
    """Residents (missing counts left out, with their number)."""
    pop = pd.to_numeric(data.areas[data.population], errors="coerce")
    return {"residents": float(pop.sum()), "missing": int(pop.isna().sum())}


def render(result: dict, ctx: Any) -> Page:
    """Key figures, at a glance, contents with skipped chapters marked."""
    t, data = ctx.t, ctx.data
    b: list = []
    kf = [
        (ctx.fmt(result["residents"], 0), t("overview.residents")),
        (str(len(data.areas)), ctx.level_word()),
    ]
    if data.districts is not None:
        kf.append((str(len(data.districts)), ctx.district_word(plural=True)))
    city = data.city_values.value.iloc[0]
    first = next((i for i in data.indicators if pd.notna(city[i.key])), None)
    if first is not None:
        kf.append(
            (
                f"{ctx.fmt(city[first.key], first.decimals)} {ctx.unit(first.key)}",
                f"{first.label(ctx.language)} ({data.year})",
            )
        )
    b.append(H.keyfigures(kf))
    if result["missing"]:
        b.append(H.note(t("overview.residents_missing", n=result["missing"]), "info"))
    done = [k for k in ctx.report["chapters"] if k not in ctx.errors and k != NAME]
    b.append(
        H.para(
            t(
                "overview.lead",
                n=len(data.areas),
                level=ctx.level_word(),
                year=data.year,
                n_ind=len(data.indicators),
                chapters=", ".join(t(f"{k}.title") for k in done) or "–",
            )
        )
    )
    items = []
    r = ctx.results
    index = r.get("index")
    if index is not None:
        sd = index.sd
        counts = sd.status_class.value_counts(sort=False)
        items.append(
            H.esc(
                t(
                    "overview.status_counts",
                    counts=", ".join(f"{_class(t, k)} {v}" for k, v in counts.items()),
                )
            )
        )
        if sd.dynamics_class is not None:
            worst = sd.status_class.index[
                (sd.status_class.astype(object) == sd.settings["status_labels"][-1])
                & (sd.dynamics_class.astype(object) == sd.settings["dynamics_labels"][-1])
            ]
            if len(worst):
                links = ", ".join(
                    f'<a href="{ctx.profile_href(i)}">{H.esc(data.name(i))}</a>'
                    for i in worst[:12]
                )
                items.append(H.esc(t("overview.priority")) + " " + links)
    clusters = r.get("clusters")
    if clusters is not None:
        hh = int((clusters.codes == "HH").sum())
        items.append(H.esc(t("overview.hot_spots", n=hh, label=ctx.label(clusters.indicator))))
    seg = r.get("segregation")
    if seg is not None:
        top = seg.table["dissimilarity"].idxmax()
        items.append(
            H.esc(
                t(
                    "overview.most_segregated",
                    group=_group_label(data, top, ctx.language),
                    d=ctx.fmt(seg.table.at[top, "dissimilarity"], 2),
                )
            )
        )
    if items:
        b.append(H.heading(2, t("overview.glance")))
        b.append(H.bullets(items, raw=True))
    b.append(H.heading(2, t("overview.contents")))
    lis = []
    for k in ctx.report["chapters"]:
        if k == NAME:
            continue
        state = t("overview.skipped_mark") if k in ctx.errors else ""
        desc = t(f"{k}.summary") if ctx.t.has(f"{k}.summary") else ""
        lis.append(
            f'<a href="{ctx.nav[k]}">{H.esc(t(f"{k}.title"))}</a>: {H.esc(desc)}{H.esc(state)}'
        )
    b.append(H.bullets(lis, raw=True))
    skipped = {k: v for k, v in ctx.errors.items() if k in ctx.report["chapters"]}
    if skipped:
        b.append(
            H.note(
                "; ".join(f"{t(f'{k}.title')}: {v}" for k, v in skipped.items()),
                "skipped",
                title=t("overview.skipped"),
            )
        )
    return Page(NAME, FILE, ctx.report["title"], b, lead=ctx.report["subtitle"])


def _class(t: Any, label: Any) -> str:
    key = f"index.class.{label}"
    return t(key) if t.has(key) else str(label)
