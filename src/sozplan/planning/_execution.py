"""Budget execution and financial controlling (*Haushaltsvollzug, Soll/Ist, Mittelabfluss*)."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.checks import (
    check_columns,
    check_frame,
    check_no_inf,
    fail,
    format_values,
    is_whole,
)
from sozplan.planning._common import html_block
from sozplan.planning._financing import _euros, _require, _years_of, to_cents

__all__ = ["TRAFFIC_LIGHT_LABELS", "BudgetExecution", "budget_execution", "cost_per_target"]

#: Labels of the traffic lights.
TRAFFIC_LIGHT_LABELS: dict[str, dict[str, str]] = {
    "gruen": {"de": "grün", "en": "green"},
    "gelb": {"de": "gelb", "en": "amber"},
    "rot": {"de": "rot", "en": "red"},
}


@immutable
@dataclass(frozen=True)
class BudgetExecution:
    """Planned against actual spending with a year-end forecast; see :func:`budget_execution`.

    Attributes
    ----------
    table : DataFrame
        One row per measure and year: ``soll`` (planned), ``gebunden`` (committed),
        ``gezahlt`` (paid), ``bindungsquote`` and ``abflussquote`` (committed and paid as a
        share of planned), ``prognose`` (year-end forecast), ``abweichung`` (forecast minus
        planned, euros), ``abweichung_quote`` and ``ampel`` (``gruen``/``gelb``/``rot``).
    by_product : DataFrame or None
        The same sums per product group and year, when the measures' product groups are
        known.
    rule : str
        The forecast and traffic-light rules in words (German).
    rule_en : str
        The same in English.
    """

    table: pd.DataFrame
    by_product: pd.DataFrame | None
    rule: str
    rule_en: str = ""

    def to_frame(self) -> pd.DataFrame:
        """One row per measure and year (a copy of :attr:`table`)."""
        return self.table.copy()

    def __repr__(self) -> str:
        t = self.table
        lights = t["ampel"].value_counts().reindex(list(TRAFFIC_LIGHT_LABELS), fill_value=0)
        return (
            f"BudgetExecution: {len(t)} measure-years, planned {t['soll'].sum():,.2f} €, "
            f"paid {t['gezahlt'].sum():,.2f} €, forecast {t['prognose'].sum():,.2f} €\n"
            f"  traffic lights: "
            + ", ".join(f"{k} {v}" for k, v in lights.items())
            + f"\n  rule: {self.rule}"
        )

    def _repr_html_(self) -> str:
        return html_block("Budget execution (planned/actual)", self.table, [self.rule])


def budget_execution(
    execution: pd.DataFrame,
    *,
    month: int = 12,
    measures: pd.DataFrame | None = None,
    thresholds: tuple[float, float] = (0.05, 0.15),
) -> BudgetExecution:
    r"""Compare planned, committed and paid money per measure and year, with a forecast.

    With planned :math:`S`, committed :math:`G` and paid :math:`Z` money of a measure in
    the current year at the end of month :math:`t` (1-12), the year-end forecast is

    .. math:: P = \max\bigl(G,\; Z \cdot 12 / t\bigr),

    the larger of what is already committed and the linear projection of payments (for
    closed years, :math:`t = 12`, :math:`P = \max(G, Z)`). The deviation
    :math:`(P - S) / S` is **green** within :math:`\pm` ``thresholds[0]``, **amber**
    within :math:`\pm` ``thresholds[1]`` and **red** beyond; a measure-year with nothing
    planned but money committed or paid is red.

    Parameters
    ----------
    execution : DataFrame
        Columns ``massnahme``, ``jahr``, ``soll``, ``gebunden``, ``gezahlt`` (euros).
        Payments above commitments are an error.
    month : int, default 12
        The month of the reporting date in the latest year (the earlier years are closed).
    measures : DataFrame, optional
        Measures with ``produktgruppe`` (product group of the municipal product
        framework, e.g. ``"31"`` Soziale Hilfen, ``"36"`` Kinder-, Jugend- und
        Familienhilfe) for the sums per product group.
    thresholds : (float, float), default (0.05, 0.15)
        Limits of green and amber, as shares of the planned amount.

    Returns
    -------
    BudgetExecution

    Examples
    --------
    >>> import pandas as pd
    >>> ex = pd.DataFrame({"massnahme": ["M1", "M2"], "jahr": 2024, "soll": [1200.0, 1000.0],
    ...                    "gebunden": [1200.0, 700.0], "gezahlt": [900.0, 450.0]})
    >>> budget_execution(ex, month=9).table[["prognose", "abweichung_quote", "ampel"]]
                    prognose  abweichung_quote ampel
    massnahme jahr
    M1        2024    1200.0               0.0  gruen
    M2        2024     700.0              -0.3    rot
    """
    where = "budget_execution"
    check_frame(execution, arg="execution", where=where, row="budget line")
    cols = ["massnahme", "jahr", "soll", "gebunden", "gezahlt"]
    _require(execution, cols, "execution", where)
    if not (is_whole(month) and 1 <= month <= 12):
        raise fail(where, f"`month` is {month!r}", "pass the reporting month, 1 to 12")
    pair = tuple(thresholds) if isinstance(thresholds, tuple | list) else ()
    numbers = len(pair) == 2 and all(
        isinstance(v, int | float | np.number) and not isinstance(v, bool) for v in pair
    )
    lo, hi = (float(pair[0]), float(pair[1])) if numbers else (np.nan, np.nan)
    if not (0 <= lo < hi < np.inf):
        raise fail(
            where, f"`thresholds` is {thresholds!r}", "pass (green, amber) with 0 <= green < amber"
        )
    ex = execution[cols].copy()
    ex["massnahme"] = ex["massnahme"].astype(str)
    ex["jahr"] = _years_of(ex, "jahr", "execution", where)
    dup = ex.duplicated(["massnahme", "jahr"])
    if dup.any():
        raise fail(
            where,
            f"`execution` has {int(dup.sum())} duplicate measure-year row(s): "
            f"{format_values(ex.loc[dup, 'massnahme'] + ' ' + ex.loc[dup, 'jahr'].astype(str))}",
            "give one row per measure and year",
        )
    c = {k: to_cents(ex[k], arg=f"execution.{k}", where=where) for k in cols[2:]}
    over = c["gezahlt"] > c["gebunden"]
    if over.any():
        bad = ex.loc[over, "massnahme"] + " " + ex.loc[over, "jahr"].astype(str)
        raise fail(
            where,
            f"payments exceed commitments for {format_values(bad)}",
            "money can only be paid once it is committed: correct `gebunden` or `gezahlt`",
        )
    latest = ex["jahr"].max()
    t = np.where(ex["jahr"].to_numpy() == latest, month, 12)
    projected = np.rint(c["gezahlt"] * 12.0 / t).astype(np.int64)
    forecast = np.maximum(c["gebunden"], projected)
    out = ex[["massnahme", "jahr"]].copy()
    for k in cols[2:]:
        out[k] = _euros(c[k])
    soll = c["soll"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["bindungsquote"] = np.where(soll > 0, c["gebunden"] / soll, np.nan)
        out["abflussquote"] = np.where(soll > 0, c["gezahlt"] / soll, np.nan)
        dev = np.where(soll > 0, (forecast - soll) / soll, np.nan)
    out["prognose"] = _euros(forecast)
    out["abweichung"] = _euros(forecast - c["soll"])
    out["abweichung_quote"] = np.round(dev, 6)
    light = np.where(
        np.abs(dev) <= lo + 1e-12, "gruen", np.where(np.abs(dev) <= hi + 1e-12, "gelb", "rot")
    )
    light = np.where((soll == 0) & (forecast == 0), "gruen", light)
    light = np.where((soll == 0) & (forecast > 0), "rot", light)
    out["ampel"] = light
    out = out.set_index(["massnahme", "jahr"]).sort_index()
    by_product = None
    if measures is not None:
        check_frame(measures, arg="measures", where=where, allow_empty=True, row="measure")
    if measures is not None and "produktgruppe" in measures.columns:
        ids = measures["massnahme"] if "massnahme" in measures.columns else measures.index
        pg = pd.Series(measures["produktgruppe"].astype(str).to_numpy(), index=ids.astype(str))
        unknown = pd.Index(ex["massnahme"].unique()).difference(pg.index)
        if len(unknown):
            raise fail(
                where,
                f"`execution` names unknown measures {format_values(unknown)}",
                "fix the ids",
            )
        grp = out.assign(produktgruppe=pg.reindex(out.index.get_level_values(0)).to_numpy())
        by_product = (
            grp.groupby(["produktgruppe", "jahr"])[
                ["soll", "gebunden", "gezahlt", "prognose", "abweichung"]
            ]
            .sum()
            .round(2)
        )
    rule = (
        f"Prognose = max(gebunden, gezahlt × 12 / {month}) im Jahr {latest}, sonst max(gebunden, "
        f"gezahlt); Ampel: grün bei |Prognose − Soll| ≤ {lo:.0%} des Solls, gelb bis {hi:.0%}, "
        "sonst rot"
    )
    rule_en = (
        f"forecast = max(committed, paid × 12 / {month}) in {latest}, else max(committed, "
        f"paid); traffic light: green if |forecast − planned| ≤ {lo:.0%} of planned, amber up "
        f"to {hi:.0%}, else red"
    )
    return BudgetExecution(out, by_product, rule, rule_en)


def cost_per_target(
    attainment: pd.DataFrame, spending: pd.Series, *, measure: Hashable = "massnahme"
) -> pd.DataFrame:
    r"""Cost per unit of target achieved, per target that belongs to a measure.

    For a target with baseline :math:`x_0`, latest observed value :math:`x_t` and
    direction :math:`d` (+1 if higher is better), the achieved change is
    :math:`\Delta = d\,(x_t - x_0)`; with :math:`K` the money the measure spent up to that
    year, the cost per unit is :math:`K / \Delta` where :math:`\Delta > 0` (no progress:
    NaN, said in ``hinweis``). A target not observed yet (``beobachtet`` or ``jahr``
    missing, as ``summary()`` gives it) gets NaN and the ``hinweis`` "noch kein
    beobachteter Wert".

    Parameters
    ----------
    attainment : DataFrame
        ``target_attainment(...).summary()`` (one row per target with ``basiswert``,
        ``beobachtet``, ``jahr``) joined with the targets' ``massnahme`` and ``richtung``
        (see :func:`sozplan.planning.validate_targets`).
    spending : Series
        Money paid per (measure, year) (e.g. ``budget_execution(...).table["gezahlt"]``).
    measure : str, default "massnahme"

    Returns
    -------
    DataFrame
        Per target: ``massnahme``, ``veraenderung`` (achieved change), ``ausgaben``
        (spent up to the year), ``kosten_je_einheit`` and ``hinweis``.

    Raises
    ------
    InputError
        For missing columns, a target named twice, text or infinite values in
        ``attainment``, an observed target without ``basiswert`` or with a ``richtung``
        other than +1/-1, missing, infinite or negative ``spending``, a measure without
        spending.

    Examples
    --------
    >>> import pandas as pd
    >>> att = pd.DataFrame({"massnahme": ["M1"], "basiswert": [20.0], "beobachtet": [18.0],
    ...                     "jahr": [2024], "richtung": [-1]}, index=pd.Index(["Z1"], name="ziel"))
    >>> spent = pd.Series([50_000.0, 50_000.0],
    ...                   index=pd.MultiIndex.from_tuples([("M1", 2023), ("M1", 2024)]))
    >>> cost_per_target(att, spent)["kosten_je_einheit"].tolist()
    [50000.0]
    """
    where = "cost_per_target"
    check_frame(attainment, arg="attainment", where=where, row="target")
    _require(
        attainment, [measure, "basiswert", "beobachtet", "jahr", "richtung"], "attainment", where
    )
    if not isinstance(spending, pd.Series) or spending.index.nlevels != 2:
        raise fail(
            where,
            "`spending` is not a Series indexed by (measure, year)",
            'pass e.g. budget_execution(...).table["gezahlt"]',
        )
    if not attainment.index.is_unique:
        raise fail(
            where,
            "`attainment` names the target(s) "
            f"{format_values(attainment.index[attainment.index.duplicated()].unique())} "
            "more than once",
            "pass one row per target, e.g. target_attainment(...).summary()",
        )
    att = attainment[attainment[measure].notna()]
    observed = _check_attainment(att, where)
    cents = to_cents(spending, arg="spending", where=where)  # finite, >= 0
    paid = pd.Series(_euros(cents), index=spending.index)
    rows = []
    for (target, r), seen in zip(att.iterrows(), observed, strict=True):
        m = str(r[measure])
        if m not in paid.index.get_level_values(0):
            raise fail(where, f"`spending` has no row for the measure {m!r}", "add its spending")
        if not seen:
            rows.append((target, m, np.nan, np.nan, np.nan, "noch kein beobachteter Wert"))
            continue
        k = paid.loc[m]
        k = float(k[k.index <= r["jahr"]].sum())
        delta = float(r["richtung"]) * (float(r["beobachtet"]) - float(r["basiswert"]))
        note = "" if delta > 0 else "kein Fortschritt: keine Kosten je Einheit"
        rows.append((target, m, delta, k, k / delta if delta > 0 else np.nan, note))
    return pd.DataFrame(
        rows,
        columns=["ziel", "massnahme", "veraenderung", "ausgaben", "kosten_je_einheit", "hinweis"],
    ).set_index("ziel")


def _check_attainment(att: pd.DataFrame, where: str) -> np.ndarray:
    """Refuse text, infinite values, a missing baseline or a direction other than +-1.

    Returns whether each target has been observed (``beobachtet`` and ``jahr`` given; a
    target without an observation, as in ``target_attainment(...).summary()``, is kept).
    """
    cols = ["basiswert", "beobachtet", "jahr", "richtung"]
    check_columns(att, cols, arg="attainment", where=where)
    check_no_inf(att, cols, arg="attainment", where=where)
    num = {c: att[c].to_numpy(dtype=float, na_value=np.nan) for c in cols}
    observed = ~np.isnan(num["beobachtet"]) & ~np.isnan(num["jahr"])
    no_base = observed & np.isnan(num["basiswert"])
    if no_base.any():
        raise fail(
            where,
            f"`attainment` has no `basiswert` for the observed target(s) "
            f"{format_values(att.index[no_base])}",
            "join the baseline values of the targets (validate_targets)",
        )
    bad_dir = observed & ~np.isin(num["richtung"], (-1.0, 1.0))
    if bad_dir.any():
        raise fail(
            where,
            f"`richtung` is not +1 or -1 for {format_values(att.index[bad_dir])}",
            "join `richtung` from validate_targets (+1: higher is better, -1: lower is better)",
        )
    return observed
