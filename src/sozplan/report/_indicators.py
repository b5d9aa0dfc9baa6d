"""The report's indicators: catalogue keys or own definitions from the configuration.

An own indicator is either computed from counts, ``numerator`` and ``denominator``
being sums and differences of the description's columns (parsed by
:func:`sozplan.city.parse_expr`, the parser of the city description), or a rate the
statistics office published (``column``). Both become a :class:`ReportIndicator`;
the counted ones carry an :class:`sozplan.indicators.IndicatorSpec`, so that
:func:`sozplan.indicators.rates` computes them with confidence intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.city import parse_expr
from sozplan.indicators import IndicatorSpec, load_catalog, rates

__all__ = ["IndicatorValues", "ReportIndicator", "compute_values", "resolve_indicators"]

_UNITS = {100: "%", 1000: "‰"}


@immutable
@dataclass(frozen=True)
class ReportIndicator:
    """One indicator of the report: its labels, unit, direction, decimals and source.

    Attributes
    ----------
    key : str
    label_de, label_en : str
    unit : str
    direction : {1, -1, 0}
        1: high values mean disadvantage; -1: low values do; 0: no direction.
    decimals : int
        Decimals in tables, exports and Steckbriefe.
    definition : str
        German definition (catalogue) or the formula of an own indicator.
    spec : IndicatorSpec or None
        For indicators computed from counts.
    column : str or None
        For a published rate: its column.
    """

    key: str
    label_de: str
    label_en: str
    unit: str = "%"
    direction: int = 1
    decimals: int = 1
    definition: str = ""
    spec: IndicatorSpec | None = None
    column: str | None = None

    def label(self, language: str) -> str:
        """Label in ``language``."""
        return self.label_de if language == "de" else self.label_en

    @property
    def counts(self) -> tuple[str, ...]:
        """Count columns the indicator is computed from (none for a published rate)."""
        return self.spec.columns if self.spec is not None else ()

    @property
    def columns(self) -> tuple[str, ...]:
        """Every data column the indicator reads."""
        return self.counts if self.spec is not None else (str(self.column),)

    def formula(self) -> str:
        """``numerator / denominator x per`` (or the published column), language-neutral."""
        if self.spec is None:
            return str(self.column)

        def side(terms: Sequence[str]) -> str:
            out = ""
            for i, t in enumerate(terms):
                sign = "−" if t.startswith("-") else "+"
                name = t.lstrip("-")
                out += (f" {sign} " if i else ("−" if sign == "−" else "")) + name
            return out

        num, den = side(self.spec.numerator), side(self.spec.denominator)
        per = self.spec.multiplier
        per_txt = f" × {per:g}" if per != 1 else ""
        return f"({num}) / ({den}){per_txt}"


def _label(raw: Any, fallback: str) -> tuple[str, str]:
    if isinstance(raw, dict):
        de = str(raw.get("de") or raw.get("en") or fallback)
        return de, str(raw.get("en") or de)
    if raw:
        return str(raw), str(raw)
    return fallback, fallback


def _terms(cfg: Any, where: str, expr: Any, columns: set[str]) -> tuple[str, ...]:

    if isinstance(expr, list):
        expr = " + ".join(str(e) for e in expr)
    terms = parse_expr(expr, lambda what, fix: cfg.error(where, what, fix))
    missing = [name for _, name in terms if name not in columns]
    if missing:
        import difflib

        close = difflib.get_close_matches(missing[0], sorted(columns), n=1)
        hint = f"meinten Sie '{close[0]}'? " if close else ""
        raise cfg.error(
            where,
            f"die Spalte(n) {', '.join(map(repr, missing))} gibt es in den Daten nicht",
            f"{hint}verwenden Sie Spalten der Stadtbeschreibung "
            f"({', '.join(sorted(columns)[:15])} ...)",
        )
    return tuple(("-" if sign < 0 else "") + name for sign, name in terms)


def resolve_indicators(cfg: Any, columns: Sequence[str]) -> tuple[ReportIndicator, ...]:
    """Turn the configuration's ``indicators`` into :class:`ReportIndicator` objects.

    Parameters
    ----------
    cfg : ReportConfig
        Errors name the file, line and key of the offending entry.
    columns : sequence of str
        Columns of the loaded data.

    Returns
    -------
    tuple of ReportIndicator
    """
    catalogue = load_catalog()
    have = {str(c) for c in columns}
    out = []
    for i, entry in enumerate(cfg["indicators"]):
        where = f"indicators[{i}]"
        if isinstance(entry, str):
            if entry not in catalogue:
                raise cfg.error(
                    where,
                    f"unbekannte Kennzahl {entry!r}",
                    "eine Kennzahl des Katalogs verwenden "
                    f"({', '.join(catalogue)}) oder eine eigene mit numerator/denominator "
                    "definieren",
                )
            spec = catalogue[entry]
            missing = [c for c in spec.columns if c not in have]
            if missing:
                raise cfg.error(
                    where,
                    f"für {entry!r} fehlen die Spalten {missing}",
                    "die Zählspalten in der Stadtbeschreibung ergänzen, die Kennzahl streichen "
                    "oder sie mit numerator/denominator selbst definieren",
                )
            out.append(
                ReportIndicator(
                    key=entry,
                    label_de=spec.label_de,
                    label_en=spec.label_en,
                    unit=spec.unit,
                    direction=spec.direction,
                    decimals=1,
                    definition=spec.definition,
                    spec=spec,
                )
            )
            continue
        key = entry["key"]
        de, en = _label(entry.get("label"), key)
        direction = int(entry.get("direction", 1))
        decimals = int(entry.get("decimals", 1))
        if "column" in entry:
            col = str(entry["column"])
            if col not in have:
                _terms(cfg, f"{where}.column", col, have)  # raises with did-you-mean
            out.append(
                ReportIndicator(
                    key=key,
                    label_de=de,
                    label_en=en,
                    unit=str(entry.get("unit", "%")),
                    direction=direction,
                    decimals=decimals,
                    definition=str(entry.get("definition", "")),
                    column=col,
                )
            )
            continue
        num = _terms(cfg, f"{where}.numerator", entry["numerator"], have)
        den = _terms(cfg, f"{where}.denominator", entry["denominator"], have)
        per = float(entry.get("per", 100))
        kind = str(entry.get("kind", "balance" if any(t[0] == "-" for t in num) else "share"))
        try:
            spec = IndicatorSpec(
                key,
                de,
                en,
                numerator=num,
                denominator=den,
                multiplier=per,
                unit=str(entry.get("unit", _UNITS.get(int(per), f"je {per:g}"))),
                direction=direction,
                definition=str(entry.get("definition", "")),
                kind=kind,
            )
        except Exception as exc:  # InputError of IndicatorSpec: say where it was written
            raise cfg.error(where, str(exc).split(": ", 1)[-1], "Definition prüfen") from None
        ind = ReportIndicator(
            key=key,
            label_de=de,
            label_en=en,
            unit=spec.unit,
            direction=direction,
            decimals=decimals,
            definition=str(entry.get("definition", "")),
            spec=spec,
        )
        out.append(ind)
    return tuple(out)


@immutable
@dataclass(frozen=True)
class IndicatorValues:
    """Values of every indicator for a set of areas (rows) by indicator key (columns).

    ``status`` is ``"ok"`` or the reason a value is missing or not to be shown
    (see :data:`sozplan.indicators.STATUS`, plus ``"missing"`` for an empty published
    rate); ``lower``/``upper`` are the confidence interval (NaN for published rates).
    """

    value: pd.DataFrame
    lower: pd.DataFrame
    upper: pd.DataFrame
    numerator: pd.DataFrame
    denominator: pd.DataFrame
    status: pd.DataFrame


def compute_values(
    df: pd.DataFrame,
    indicators: Sequence[ReportIndicator],
    *,
    population: str | None,
    min_population: float | None,
) -> IndicatorValues:
    """Compute every indicator on ``df`` (counted ones with :func:`sozplan.indicators.rates`)."""
    keys = [ind.key for ind in indicators]
    specs = [ind.spec for ind in indicators if ind.spec is not None]
    frames: dict[str, pd.DataFrame] = {}
    names = ("value", "lower", "upper", "numerator", "denominator")
    empty = pd.DataFrame(np.nan, index=df.index, columns=keys)
    for n in names:
        frames[n] = empty.copy()
    frames["status"] = pd.DataFrame("ok", index=df.index, columns=keys, dtype=object)
    if specs:
        pop = population if population in df.columns else None
        r = rates(df, specs, min_population=min_population if pop else None, population=pop)
        for n in names:
            part = getattr(r, n)
            for c in part.columns:
                frames[n][c] = part[c].to_numpy()
        for c in r.status.columns:
            frames["status"][c] = r.status[c].astype(object).to_numpy()
    for ind in indicators:
        if ind.column is None:
            continue
        if ind.column not in df.columns:  # a published rate is not carried to larger areas
            frames["status"][ind.key] = "not_aggregated"
            continue
        v = pd.to_numeric(df[ind.column], errors="coerce").astype(float)
        frames["value"][ind.key] = v.to_numpy()
        st = np.where(v.isna(), "missing", "ok").astype(object)
        if population in df.columns and min_population is not None:
            small = (pd.to_numeric(df[population], errors="coerce") < min_population).to_numpy()
            st = np.where(small & (st == "ok"), "small_population", st)
        frames["status"][ind.key] = st
    for f in frames.values():
        f.columns.name = "indicator"
    return IndicatorValues(**frames)
