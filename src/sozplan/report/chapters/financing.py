"""Chapter "Finanzierung": funding programmes, financing plan, bundling, budget execution.

Uses :func:`sozplan.planning.financing_plan`, :func:`~sozplan.planning.bundle_funding`,
:func:`~sozplan.planning.budget_execution` and writes the treasury's workbook with
:func:`~sozplan.planning.financing_workbook`. The data are Musterstadt's funding landscape
(``source: musterstadt``) or a folder with the same six tables as CSV files
(``massnahmen.csv``, ``foerderprogramme.csv``, ``kostenplan.csv``, ``finanzierung.csv``,
``eigenmittel.csv``, ``mittelabfluss.csv``; columns as in :func:`sozplan.datasets.load_financing`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.datasets import load_financing
from sozplan.planning import (
    PROBLEM_LABELS,
    TRAFFIC_LIGHT_LABELS,
    budget_execution,
    bundle_funding,
    financing_plan,
    financing_workbook,
)
from sozplan.report import _html as H
from sozplan.report._text import Texts
from sozplan.report.chapters._base import ChapterSkipped, Key, Page

NAME = "financing"
FILE = "finanzierung.html"
SCHEMA = {
    "source": Key(str, "musterstadt", path=True),
    "month": Key(int, 12),
    "bundling": Key(bool, True),
    "time_limit": Key((int, float), 60.0),
}

_FILES = {
    "measures": "massnahmen.csv",
    "programmes": "foerderprogramme.csv",
    "cost_plan": "kostenplan.csv",
    "funding": "finanzierung.csv",
    "own_funds": "eigenmittel.csv",
    "execution": "mittelabfluss.csv",
}


@immutable
@dataclass(frozen=True)
class FinancingChapter:
    """The financing plan, the bundling (or None) and the budget execution (or None)."""

    plan: Any
    bundling: Any
    execution: Any
    source: str


def _load(source: str, t: Any) -> Any:

    if source == "musterstadt":
        return load_financing()

    folder = Path(source)
    missing = [f for f in _FILES.values() if not (folder / f).exists()]
    if missing:
        raise ChapterSkipped(
            t("financing.missing_files", folder=str(folder), files=", ".join(missing))
        )
    return load_financing(folder)


def analyse(data: Any, config: dict) -> FinancingChapter:
    """Check the financing plan, bundle the programmes, compare planned and actual spending."""
    t = Texts(data.language)
    fin = _load(config["source"], t)
    plan = financing_plan(fin.cost_plan, fin.programmes, fin.funding,
                          own_funds=fin.own_funds, measures=fin.measures)  # fmt: skip
    bundling = None
    if config["bundling"]:
        bundling = bundle_funding(fin.cost_plan, fin.programmes, measures=fin.measures,
                                  time_limit=float(config["time_limit"]))  # fmt: skip
    execution = None
    if fin.execution is not None and len(fin.execution):
        execution = budget_execution(fin.execution, month=config["month"], measures=fin.measures)
    return FinancingChapter(plan, bundling, execution, config["source"])


def render(chapter: FinancingChapter, ctx: Any) -> Page:
    """Key figures, problems found, the bundling's saving, traffic lights, the workbook."""
    t, lang, plan = ctx.t, ctx.language, chapter.plan
    totals = plan.totals()
    years = plan.table.index.get_level_values("jahr")
    n_measures = plan.table.index.get_level_values("massnahme").nunique()
    b: list = [
        H.para(t("financing.lead", n=n_measures, first=int(years.min()), last=int(years.max()))),
        H.keyfigures([
            (ctx.fmt(totals["kosten"], 0) + " €", t("financing.kf.costs")),
            (ctx.fmt(totals["foerderung"], 0) + " €", t("financing.kf.funding")),
            (ctx.fmt(totals["eigenanteil"], 0) + " €", t("financing.kf.own_share")),
            (ctx.fmt(totals["luecke"], 0) + " €", t("financing.kf.gap")),
        ]),
    ]  # fmt: skip
    # problems of the plan, named
    probs = plan.problems
    b.append(H.heading(2, t("financing.problems_title"), "probleme"))
    if len(probs):
        tab = pd.DataFrame({
            t("financing.col.measure"): probs["massnahme"].to_numpy(),
            t("financing.col.problem"): [PROBLEM_LABELS[k][lang] for k in probs["problem"]],
            t("financing.col.programme"): probs["programm"].fillna("–").to_numpy(),
            t("financing.col.year"): probs["jahr"].astype(str).to_numpy(),
            t("financing.col.amount"): probs["betrag"].to_numpy(),
        }).set_index(t("financing.col.measure"))  # fmt: skip
        b.append(H.para(t("financing.problems_lead", n=len(probs))))
        b.append(
            ctx.table("finanzierung_probleme", tab, t("financing.problems_caption"), decimals=2)
        )
    else:
        b.append(H.para(t("financing.no_problems")))
    if plan.not_checked:
        b.append(H.note(t("financing.not_checked", what="; ".join(plan.not_checked))))
    # bundling
    if chapter.bundling is not None:
        bun = chapter.bundling
        saving = float(totals["eigenanteil"]) - bun.own_share_total
        b.append(H.heading(2, t("financing.bundling_title"), "buendelung"))
        b.append(H.para(t(
            "financing.bundling_lead",
            planned=ctx.fmt(totals["eigenanteil"], 0),
            bundled=ctx.fmt(bun.own_share_total, 0),
            saving=ctx.fmt(saving, 0),
        )))  # fmt: skip
        if not bun.status.startswith("optimal"):
            b.append(H.note(t("financing.not_optimal", status=bun.status)))
        rules = bun.binding["regel"].value_counts()
        b.append(H.bullets([t(f"financing.rule.{k}", n=int(v)) for k, v in rules.items()]))
    # budget execution
    if chapter.execution is not None:
        ex = chapter.execution.table
        latest = int(ex.index.get_level_values("jahr").max())
        cur = ex.xs(latest, level="jahr")
        b.append(H.heading(2, t("financing.execution_title", year=latest), "vollzug"))
        counts = cur["ampel"].value_counts()
        b.append(H.para(t(
            "financing.execution_lead",
            rule=chapter.execution.rule if lang == "de" else chapter.execution.rule_en,
            green=int(counts.get("gruen", 0)),
            amber=int(counts.get("gelb", 0)),
            red=int(counts.get("rot", 0)),
        )))  # fmt: skip
        tab = pd.DataFrame({
            t("financing.col.planned"): cur["soll"],
            t("financing.col.committed"): cur["gebunden"],
            t("financing.col.paid"): cur["gezahlt"],
            t("financing.col.forecast"): cur["prognose"],
            t("financing.col.deviation"): 100 * cur["abweichung_quote"],
            t("financing.col.light"): [TRAFFIC_LIGHT_LABELS[k][lang] for k in cur["ampel"]],
        })  # fmt: skip
        tab.index.name = t("financing.col.measure")
        b.append(ctx.table("haushaltsvollzug", tab, t("financing.execution_caption", year=latest),
                           decimals=0))  # fmt: skip
    # the treasury's workbook
    out = ctx.sinks.out / "tabellen" / "finanzierung.xlsx"
    out.parent.mkdir(parents=True, exist_ok=True)
    financing_workbook(out, plan=plan, bundling=chapter.bundling, execution=chapter.execution,
                       language=lang, source=ctx.data.attribution)  # fmt: skip
    b.append(
        H.para(t("financing.workbook", href=f"{ctx.root}tabellen/finanzierung.xlsx"), raw=True)
    )
    return Page(NAME, FILE, t("financing.title"), b)
