"""Chapter "Datenprüfung": :func:`sozplan.validation.validate` with the description's rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.report import _html as H
from sozplan.report._text import Texts
from sozplan.report.chapters._base import ChapterSkipped, Key, Page
from sozplan.validation import CHECKS, CHECKS_EN, RULES, RULES_EN, validate

NAME = "validation"
FILE = "datenpruefung.html"
SCHEMA = {"enabled": Key(bool, True)}


@immutable
@dataclass(frozen=True)
class ValidationChapter:
    """The validation report."""

    report: Any


def analyse(data: Any, config: dict) -> ValidationChapter:
    """Validate the areas' counts and indicators (all years) with the description's rules."""
    if not config["enabled"]:
        raise ChapterSkipped(Texts(data.language)("validation.off"))
    frame = data.panel if data.panel is not None else data.areas
    frame = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    hierarchy = [lv.key for lv in data.spec.levels if lv.key in frame.columns]
    specs = [i.spec for i in data.indicators if i.spec is not None]
    rules = [
        r
        for r in data.spec.validation_rules()
        if all(c in frame.columns for c in _rule_columns(r))
    ]
    report = validate(
        frame,
        specs or None,
        rules=rules,
        geometry=data.areas.geometry,
        hierarchy=hierarchy or None,
        year=data.spec.year_column if data.panel is not None else None,
        population=data.population,
        min_population=data.min_population,
    )
    return ValidationChapter(report=report)


def _rule_columns(rule: Any) -> list[str]:
    cols = []
    for attr in ("part", "whole"):
        v = getattr(rule, attr, None)
        if isinstance(v, str):
            cols.append(v)
    cols += list(getattr(rule, "parts", ()) or ())
    return cols


def render(chapter: ValidationChapter, ctx: Any) -> Page:
    """Summary, findings per check and rule, areas per rule."""
    t = ctx.t
    v = chapter.report
    de = ctx.language == "de"
    b: list = [H.para(t("validation.lead"))]
    kind = "info" if v.ok and not v.nothing_checked else "warning"
    b.append(
        H.note(
            "<br>".join(H.esc(line) for line in v.summary(language=ctx.language).splitlines()),
            kind,
            raw=True,
        )
    )

    def rule_name(r: Any) -> str:
        return RULES[str(r)][1] if de else RULES_EN[str(r)]

    counts = v.counts()
    if len(counts):
        counts = counts.copy()
        counts.index = [
            f"{CHECKS[a] if de else CHECKS_EN[a]} / {rule_name(r)}" for a, r in counts.index
        ]
        counts.columns = [t(f"validation.severity.{c}") for c in counts.columns]
        counts.index.name = t("validation.col.check_rule")
        b.append(ctx.table("datenpruefung", counts, t("validation.table_caption"), decimals=0))
    f = v.findings
    areas = (
        f.dropna(subset=["area"])
        .groupby("rule", observed=True)["area"]
        .apply(
            lambda s: ", ".join(sorted(set(map(str, s)))[:15]) + (" …" if s.nunique() > 15 else "")
        )
    )
    if len(areas):
        tab = areas.to_frame(t("validation.col.areas")).astype(str)
        tab.index = [rule_name(r) for r in tab.index]
        tab.index.name = t("validation.col.rule")
        b.append(ctx.table(None, tab, t("validation.areas_caption")))
    return Page(NAME, FILE, t("validation.title"), b)
