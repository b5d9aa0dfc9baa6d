"""The financing level: funding programmes, cost plans and the multi-year financing plan.

Integrated social and financial planning links measures with the money that pays for them:
the municipal budget (own funds, *Eigenmittel*, by product group) and funding programmes of
the Land, the Bund and the EU (*Förderprogramme*) with a funding rate, a required own share,
eligible cost types, a running period and a ceiling. This module holds the checked tables
and the financing plan (who pays what, own shares, gaps, and the problems a treasury looks
for). All amounts are handled in whole cents (``int64``) so that every sum balances exactly;
they are returned in euros with two decimals.
"""

from __future__ import annotations

import html
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.checks import check_frame, fail, format_values
from sozplan.planning._common import html_block, raise_problems

__all__ = [
    "LEVELS_OF_FUNDING",
    "PROBLEM_LABELS",
    "FinancingPlan",
    "financing_plan",
    "to_cents",
    "validate_cost_plan",
    "validate_funding",
    "validate_own_funds",
    "validate_programmes",
]

#: Levels of external funding (the municipality's own funds are not a programme).
LEVELS_OF_FUNDING: tuple[str, ...] = ("land", "bund", "eu", "dritte")

#: Problems a financing plan is checked for, with German and English labels.
PROBLEM_LABELS: dict[str, dict[str, str]] = {
    "programme_ended": {
        "de": "Förderprogramm endet vor der Maßnahme",
        "en": "funding programme ends before the measure",
    },
    "outside_period": {
        "de": "Förderung außerhalb der Programmlaufzeit",
        "en": "funding outside the programme's running period",
    },
    "own_share_unbudgeted": {
        "de": "Eigenanteil nicht im Haushalt veranschlagt",
        "en": "own share not budgeted",
    },
    "double_funding": {
        "de": "Doppelförderung derselben Kosten",
        "en": "the same costs funded twice",
    },
    "rate_exceeded": {"de": "Fördersatz überschritten", "en": "funding rate exceeded"},
    "own_share_too_low": {
        "de": "geforderter Eigenanteil unterschritten",
        "en": "required own share not met",
    },
    "ineligible_cost_type": {
        "de": "Kostenart nicht förderfähig",
        "en": "cost type not eligible",
    },
    "ceiling_exceeded": {"de": "Höchstbetrag überschritten", "en": "ceiling exceeded"},
}

_ALL = "alle"


def to_cents(values: Any, *, arg: str, where: str) -> np.ndarray:
    """Convert euro amounts to whole cents (``int64``), refusing non-finite or negative ones.

    Amounts are rounded half to even to the cent.

    Examples
    --------
    >>> to_cents([1.005, 2, 0.1], arg="betrag", where="example").tolist()
    [100, 200, 10]
    """
    num = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(num)
    if bad.any():
        raise fail(
            where,
            f"`{arg}` has {int(bad.sum())} missing, non-numeric or infinite amount(s)",
            "write every amount as a number in euros (0 where nothing is planned)",
        )
    if (num < 0).any():
        raise fail(
            where,
            f"`{arg}` has {int((num < 0).sum())} negative amount(s) "
            f"(the smallest {num.min():,.2f} €)",
            "write amounts as positive euros; repayments go into a separate table",
        )
    return np.rint(num * 100.0).astype(np.int64)


def _euros(cents: Any) -> Any:
    """Cents to euros (floats with two decimals)."""
    return np.asarray(cents, dtype=np.int64) / 100.0


def _tokens(value: Any, sep: str | None = None) -> tuple[str, ...]:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ()
    if isinstance(value, str):
        parts = value.split(sep) if sep else value.replace(",", " ").split()
        return tuple(p.strip() for p in parts if p.strip())
    return tuple(str(v) for v in value)


def _require(df: pd.DataFrame, columns: Sequence[Hashable], arg: str, where: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise fail(
            where,
            f"`{arg}` lacks the column(s) {format_values(missing)} "
            f"(it has {format_values(list(df.columns))})",
            f"add them; `{arg}` needs {format_values(list(columns))}",
        )


def _years_of(df: pd.DataFrame, col: str, arg: str, where: str) -> pd.Series:
    num = pd.to_numeric(df[col], errors="coerce")
    bad = ~np.isfinite(num.astype(float)) | (num != np.round(num.fillna(0)))
    if bad.any():
        raise fail(
            where,
            f"`{arg}`: `{col}` is not a whole year in row(s) {format_values(df.index[bad])}",
            "write years as integers, e.g. 2024",
        )
    return num.astype(np.int64)


def _rate(df: pd.DataFrame, col: str, arg: str, where: str, default: float | None) -> pd.Series:
    if col not in df.columns:
        if default is None:
            raise fail(where, f"`{arg}` lacks the column `{col}`", f"add `{col}` (0 to 1)")
        return pd.Series(default, index=df.index, dtype=float)
    num = pd.to_numeric(df[col], errors="coerce")
    bad = num.isna() | (num < 0) | (num > 1)
    if bad.any():
        raw = [df.loc[i, col] for i in df.index[bad][:5]]
        vals = ", ".join(
            f"{i!s}: {v.item() if hasattr(v, 'item') else v!r}"
            for i, v in zip(df.index[bad][:5], raw, strict=True)
        )
        raise fail(
            where,
            f"`{arg}`: `{col}` must be a share between 0 and 1; it is not for {vals}",
            "write shares as decimals, e.g. 0.8 for 80 %",
        )
    return num.astype(float)


def _indexed(df: pd.DataFrame, key: str, arg: str, where: str) -> pd.DataFrame:
    check_frame(df, arg=arg, where=where)
    out = df.copy()
    if key in out.columns:
        out = out.set_index(key)
    out.index = out.index.astype(str)
    out.index.name = key
    dup = out.index[out.index.duplicated()]
    if len(dup):
        raise fail(
            where,
            f"`{arg}` names the {key} id(s) {format_values(dup.unique())} more than once",
            f"give every {key} one row",
        )
    return out


def validate_programmes(programmes: pd.DataFrame) -> pd.DataFrame:
    """Check a table of funding programmes (*Förderprogramme*) and return a clean copy.

    Parameters
    ----------
    programmes : DataFrame
        One row per programme, indexed by its id (or a column ``programm``). Required:
        ``ebene`` (level: ``"land"``, ``"bund"``, ``"eu"`` or ``"dritte"`` for foundations
        and other third parties), ``foerdersatz`` (the largest share of eligible costs the
        programme pays, 0-1), ``beginn`` and ``ende`` (first and last year it funds).
        Optional: ``name``; ``eigenanteil`` (the own share the municipality must carry of a
        measure-year the programme funds, 0-1, default 0); ``kostenarten`` (eligible cost
        types, space-separated, default ``"alle"``); ``hoechstbetrag`` (ceiling per year
        over all measures, euros; empty = none); ``handlungsfelder`` (fields of action it
        funds, separated by ``;``; empty = all).

    Returns
    -------
    DataFrame
        Indexed by ``programm``; years as integers, rates as floats, ``kostenarten`` and
        ``handlungsfelder`` as tuples (empty = all), ``hoechstbetrag`` in euros or NaN.

    Raises
    ------
    InputError
        For duplicate ids, missing columns, unknown levels, shares outside [0, 1], periods
        that end before they start, a funding rate above 1 minus the required own share,
        negative ceilings.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"programm": ["ESF"], "ebene": ["eu"], "foerdersatz": [0.6],
    ...                   "beginn": [2021], "ende": [2027], "eigenanteil": [0.4]})
    >>> validate_programmes(p).loc["ESF", ["foerdersatz", "eigenanteil", "kostenarten"]]
    foerdersatz    0.6
    eigenanteil    0.4
    kostenarten     ()
    Name: ESF, dtype: object
    >>> validate_programmes(p.assign(ende=2019))
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: validate_programmes: `programmes`: the running period of 'ESF' \
(2021-2019) ends before it starts. Fix: correct `beginn`/`ende` (first and last funded year).
    """
    where = "validate_programmes"
    out = _indexed(programmes, "programm", "programmes", where)
    _require(out, ["ebene", "foerdersatz", "beginn", "ende"], "programmes", where)
    problems: list[tuple[str, str]] = []
    level = out["ebene"].astype(str).str.strip().str.lower()
    bad_level = level[~level.isin(LEVELS_OF_FUNDING)]
    if len(bad_level):
        problems.append(
            (
                f"`programmes`: unknown `ebene` {format_values(bad_level.unique())} "
                f"for {format_values(bad_level.index)}",
                f"use one of {format_values(LEVELS_OF_FUNDING)} (own funds are not a programme)",
            )
        )
    out["ebene"] = level
    out["foerdersatz"] = _rate(out, "foerdersatz", "programmes", where, None)
    out["eigenanteil"] = _rate(out, "eigenanteil", "programmes", where, 0.0)
    out["beginn"] = _years_of(out, "beginn", "programmes", where)
    out["ende"] = _years_of(out, "ende", "programmes", where)
    back = out.index[out["ende"] < out["beginn"]]
    if len(back):
        spans = ", ".join(f"{i!r} ({out.at[i, 'beginn']}-{out.at[i, 'ende']})" for i in back)
        problems.append(
            (
                f"`programmes`: the running period of {spans} ends before it starts",
                "correct `beginn`/`ende` (first and last funded year)",
            )
        )
    too_high = out.index[out["foerdersatz"] > 1 - out["eigenanteil"] + 1e-12]
    if len(too_high):
        problems.append(
            (
                f"`programmes`: `foerdersatz` plus `eigenanteil` exceed 100 % for "
                f"{format_values(too_high)}",
                "a programme cannot pay more than what remains after the required own share",
            )
        )
    if "hoechstbetrag" in out.columns:
        cap = pd.to_numeric(out["hoechstbetrag"], errors="coerce")
        neg = out.index[(cap < 0) | (out["hoechstbetrag"].notna() & cap.isna())]
        if len(neg):
            problems.append(
                (
                    f"`programmes`: `hoechstbetrag` is negative or not a number for "
                    f"{format_values(neg)}",
                    "write the yearly ceiling in euros, or leave it empty for none",
                )
            )
        out["hoechstbetrag"] = cap.astype(float)
    else:
        out["hoechstbetrag"] = np.nan
    raise_problems(where, problems)
    kinds = out["kostenarten"] if "kostenarten" in out.columns else pd.Series(None, out.index)
    out["kostenarten"] = [
        () if _ALL in (t := _tokens(v)) else tuple(sorted(set(t))) for v in kinds
    ]
    fields = (
        out["handlungsfelder"] if "handlungsfelder" in out.columns else pd.Series(None, out.index)
    )
    out["handlungsfelder"] = [_tokens(v, ";") for v in fields]
    if "name" not in out.columns:
        out["name"] = out.index
    return out


def validate_cost_plan(cost_plan: pd.DataFrame, *, measures: Any = None) -> pd.DataFrame:
    """Check a cost plan (*Kostenplan*: costs per measure, year and cost type).

    Parameters
    ----------
    cost_plan : DataFrame
        Columns ``massnahme``, ``jahr``, ``kostenart`` (e.g. ``personal``, ``sach``,
        ``investition``) and ``betrag`` (euros, >= 0).
    measures : DataFrame or list, optional
        Known measures (ids as index or column ``massnahme``); other ids are an error.

    Returns
    -------
    DataFrame
        One row per (massnahme, jahr, kostenart), amounts summed, with an integer column
        ``cent`` beside ``betrag``.

    Raises
    ------
    InputError
        For missing columns, non-numeric or negative amounts, non-integer years and unknown
        measures.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"massnahme": ["M1", "M1"], "jahr": [2024, 2024],
    ...                   "kostenart": ["personal", "personal"], "betrag": [100.0, 50.5]})
    >>> validate_cost_plan(c)[["betrag", "cent"]].to_dict("records")
    [{'betrag': 150.5, 'cent': 15050}]
    """
    where = "validate_cost_plan"
    return _amount_table(
        cost_plan, ["massnahme", "jahr", "kostenart"], "cost_plan", where, measures=measures
    )


def _measure_ids(measures: Any, where: str = "") -> pd.Index | None:
    if measures is None:
        return None
    if isinstance(measures, pd.DataFrame):
        ids = measures["massnahme"] if "massnahme" in measures.columns else measures.index
        return pd.Index(ids.astype(str))
    if isinstance(measures, str) or not isinstance(measures, Iterable):
        raise fail(
            where,
            f"`measures` is a {type(measures).__name__}",
            "pass the measures table (ids as index or column `massnahme`) or a list of ids",
        )
    return pd.Index([str(m) for m in measures])


def _amount_table(
    df: pd.DataFrame,
    keys: list[str],
    arg: str,
    where: str,
    *,
    measures: Any = None,
    programmes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    check_frame(df, arg=arg, where=where)
    _require(df, [*keys, "betrag"], arg, where)
    out = df[[*keys, "betrag"]].copy()
    out["jahr"] = _years_of(out, "jahr", arg, where)
    for k in keys:
        if k != "jahr":
            out[k] = out[k].astype(str).str.strip()
    cents = to_cents(out["betrag"], arg=f"{arg}.betrag", where=where)
    out["cent"] = cents
    known = _measure_ids(measures, where)
    if known is not None:
        unknown = pd.Index(out["massnahme"].unique()).difference(known)
        if len(unknown):
            raise fail(
                where,
                f"`{arg}` names measure(s) {format_values(unknown)} that are not in `measures`",
                "correct the ids or add the measures",
            )
    if programmes is not None and "programm" in keys:
        unknown = pd.Index(out["programm"].unique()).difference(programmes.index)
        if len(unknown):
            raise fail(
                where,
                f"`{arg}` names programme(s) {format_values(unknown)} that are not in "
                "`programmes`",
                "correct the ids or add the programmes",
            )
    out = out.groupby(keys, sort=True, as_index=False)["cent"].sum()
    out["betrag"] = _euros(out["cent"])
    return out[[*keys, "betrag", "cent"]]


def validate_funding(
    funding: pd.DataFrame, *, programmes: pd.DataFrame, measures: Any = None
) -> pd.DataFrame:
    """Check planned funding (*Finanzierung*: programme money per measure, year, cost type).

    Parameters
    ----------
    funding : DataFrame
        Columns ``massnahme``, ``programm``, ``jahr``, ``kostenart`` and ``betrag``.
    programmes : DataFrame
        The programmes (see :func:`validate_programmes`); every ``programm`` must be one.
    measures : optional
        Known measures.

    Returns
    -------
    DataFrame
        One row per (massnahme, programm, jahr, kostenart) with ``betrag`` and ``cent``.

    Raises
    ------
    InputError
        For unknown measures or programmes, negative or missing amounts.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"programm": ["L"], "ebene": ["land"], "foerdersatz": [0.5],
    ...                   "beginn": [2020], "ende": [2025]})
    >>> f = pd.DataFrame({"massnahme": ["M1"], "programm": ["X"], "jahr": [2024],
    ...                   "kostenart": ["sach"], "betrag": [10.0]})
    >>> validate_funding(f, programmes=p)
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: validate_funding: `funding` names programme(s) 'X' that are \
not in `programmes`. Fix: correct the ids or add the programmes.
    """
    where = "validate_funding"
    check_frame(programmes, arg="programmes", where=where, row="funding programme")
    progs = validate_programmes(programmes) if "ebene" in programmes.columns else programmes
    return _amount_table(
        funding,
        ["massnahme", "programm", "jahr", "kostenart"],
        "funding",
        where,
        measures=measures,
        programmes=progs,
    )


def validate_own_funds(own_funds: pd.DataFrame, *, measures: Any = None) -> pd.DataFrame:
    """Check the own funds budgeted for measures (*veranschlagte Eigenmittel*).

    Parameters
    ----------
    own_funds : DataFrame
        Columns ``massnahme``, ``jahr`` and ``betrag`` (the amount of the municipal budget
        set aside for the measure in that year; its product group, if given in
        ``produktgruppe``, is kept by the financing plan through ``measures``).
    measures : optional
        Known measures.

    Returns
    -------
    DataFrame
        One row per (massnahme, jahr) with ``betrag`` and ``cent``.

    Examples
    --------
    >>> import pandas as pd
    >>> validate_own_funds(pd.DataFrame({"massnahme": ["M1"], "jahr": [2024],
    ...                                  "betrag": [-5.0]}))
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: validate_own_funds: `own_funds.betrag` has 1 negative amount(s) \
(the smallest -5.00 €). Fix: write amounts as positive euros; repayments go into a separate \
table.
    """
    return _amount_table(
        own_funds, ["massnahme", "jahr"], "own_funds", "validate_own_funds", measures=measures
    )


def eligible(
    programmes: pd.DataFrame, programme: str, year: int, cost_type: str, field: str | None
) -> bool:
    """Whether ``programme`` may fund ``cost_type`` costs of a measure in ``year``."""
    row = programmes.loc[programme]
    if not row["beginn"] <= year <= row["ende"]:
        return False
    if row["kostenarten"] and cost_type not in row["kostenarten"]:
        return False
    return not (
        row["handlungsfelder"] and field is not None and field not in row["handlungsfelder"]
    )


@immutable
@dataclass(frozen=True)
class FinancingPlan:
    """A multi-year financing plan with its problems; see :func:`financing_plan`.

    Attributes
    ----------
    table : DataFrame
        One row per measure and year: ``kosten``, one column per funding level
        (``land``, ``bund``, ``eu``, ``dritte``), ``foerderung`` (their sum),
        ``eigenanteil`` (costs minus funding; what the municipality pays),
        ``eigenanteil_quote``, ``veranschlagt`` (own funds budgeted) and ``luecke``
        (own share not covered by the budget), all in euros.
    by_programme : DataFrame
        Funding per programme and year (rows) and, as columns, ``betrag`` and the
        programme's ``hoechstbetrag``.
    problems : DataFrame
        One row per problem found: ``problem`` (key of :data:`PROBLEM_LABELS`),
        ``problem_de``, ``massnahme``, ``programm``, ``jahr``, ``kostenart``, ``betrag``
        (the amount concerned, euros) and ``text`` (a German sentence).
    checked : tuple of str
        The checks that ran (keys of :data:`PROBLEM_LABELS`); a check whose inputs were not
        given is listed in ``not_checked`` with the reason.
    not_checked : tuple of str
    """

    table: pd.DataFrame
    by_programme: pd.DataFrame
    problems: pd.DataFrame
    checked: tuple[str, ...]
    not_checked: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """Return the plan per measure and year (a copy of :attr:`table`)."""
        return self.table.copy()

    def totals(self) -> pd.Series:
        """City totals over all measures and years (euros)."""
        cols = ["kosten", "foerderung", "eigenanteil", "veranschlagt", "luecke"]
        return self.table[cols].sum().round(2)

    def __repr__(self) -> str:
        t = self.totals()
        n_m = self.table.index.get_level_values("massnahme").nunique()
        years = self.table.index.get_level_values("jahr")
        kinds = self.problems["problem"].value_counts()
        lines = [
            f"FinancingPlan: {n_m} measures, {years.min()}-{years.max()}",
            f"  costs {t['kosten']:,.2f} €, funding {t['foerderung']:,.2f} €, "
            f"own share {t['eigenanteil']:,.2f} €, gap {t['luecke']:,.2f} €",
            f"  problems: {len(self.problems)}"
            + (" (" + ", ".join(f"{k} {v}" for k, v in kinds.items()) + ")" if len(kinds) else ""),
        ]
        if self.not_checked:
            lines.append("  not checked: " + "; ".join(self.not_checked))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        t = self.totals()
        notes = [
            f"costs {t['kosten']:,.2f} €, funding {t['foerderung']:,.2f} €, "
            f"own share {t['eigenanteil']:,.2f} €, gap {t['luecke']:,.2f} €",
            *(f"not checked: {n}" for n in self.not_checked),
        ]
        probs = self.problems[["problem", "massnahme", "programm", "jahr", "betrag"]]
        return (
            html_block(
                "Financing plan: problems" if len(probs) else "Financing plan: no problems",
                probs if len(probs) else None,
                notes,
            )
            + f"<p>{html.escape(str(len(self.table)))} rows (measure × year)</p>"
        )


def _problem(kind: str, m: Any, p: Any, y: Any, c: Any, cents: int, text: str) -> dict:
    return {
        "problem": kind,
        "problem_de": PROBLEM_LABELS[kind]["de"],
        "massnahme": m,
        "programm": p,
        "jahr": y,
        "kostenart": c,
        "betrag": cents / 100.0,
        "text": text,
    }


def _fields(measures: Any) -> dict[str, str]:
    if isinstance(measures, pd.DataFrame) and "handlungsfeld" in measures.columns:
        ids = measures["massnahme"] if "massnahme" in measures.columns else measures.index
        return dict(zip(ids.astype(str), measures["handlungsfeld"].astype(str), strict=True))
    return {}


def financing_plan(
    cost_plan: pd.DataFrame,
    programmes: pd.DataFrame,
    funding: pd.DataFrame,
    *,
    own_funds: pd.DataFrame | None = None,
    measures: pd.DataFrame | None = None,
) -> FinancingPlan:
    r"""Build the multi-year financing plan and check it against the programmes' rules.

    Per measure :math:`m` and year :math:`y` with costs :math:`C_{my}` and funding
    :math:`F_{pmy}` from programme :math:`p`, the own share is
    :math:`E_{my} = C_{my} - \sum_p F_{pmy}` and the gap
    :math:`L_{my} = \max(E_{my} - B_{my}, 0)` with :math:`B_{my}` the own funds budgeted.
    The rules checked (each a row in ``problems`` when broken):

    - ``double_funding``: :math:`\sum_p F_{pmyc} > C_{myc}` for a cost type :math:`c`;
    - ``rate_exceeded``: :math:`F_{pmyc} > r_p\,C_{myc}` (funding rate :math:`r_p`);
    - ``own_share_too_low``: :math:`E_{my} < s_p\,C_{my}` for a programme that funds
      :math:`(m, y)` and requires the own share :math:`s_p`;
    - ``ineligible_cost_type`` and ``outside_period``: funding of a cost type or in a year
      the programme does not fund;
    - ``programme_ended``: a programme funds a measure in earlier years and ends while the
      measure still has costs (the later years are listed with their costs);
    - ``own_share_unbudgeted``: :math:`L_{my} > 0` (needs ``own_funds``);
    - ``ceiling_exceeded``: :math:`\sum_m F_{pmy} > H_p` (yearly ceiling).

    Parameters
    ----------
    cost_plan : DataFrame
        Costs per measure, year and cost type (see :func:`validate_cost_plan`).
    programmes : DataFrame
        Funding programmes (see :func:`validate_programmes`).
    funding : DataFrame
        Planned funding per measure, programme, year and cost type (see
        :func:`validate_funding`); an empty table means "no funding yet".
    own_funds : DataFrame, optional
        Own funds budgeted per measure and year (see :func:`validate_own_funds`). Without
        it the gap is not checked (listed in ``not_checked``).
    measures : DataFrame, optional
        The measures (see :func:`sozplan.planning.validate_measures`): ids are checked,
        ``handlungsfeld`` restricts programmes that fund only some fields.

    Returns
    -------
    FinancingPlan

    Raises
    ------
    InputError
        From the validators; also for funding of a measure-year-cost type that has no
        costs in the cost plan (nothing to fund).

    References
    ----------
    KGSt (2014). *Integrierte Sozial- und Finanzplanung*. KGSt-Bericht 5/2014.
    Regulation (EU) 2021/1060, Art. 63(9): no double funding of the same costs.

    Examples
    --------
    >>> import pandas as pd
    >>> prog = pd.DataFrame({"programm": ["L"], "ebene": ["land"], "foerdersatz": [0.8],
    ...                      "eigenanteil": [0.2], "beginn": [2024], "ende": [2024]})
    >>> costs = pd.DataFrame({"massnahme": "M1", "jahr": [2024, 2025],
    ...                       "kostenart": "personal", "betrag": [1000.0, 1000.0]})
    >>> fund = pd.DataFrame({"massnahme": ["M1"], "programm": ["L"], "jahr": [2024],
    ...                      "kostenart": ["personal"], "betrag": [800.0]})
    >>> plan = financing_plan(costs, prog, fund)
    >>> plan.table[["kosten", "foerderung", "eigenanteil"]]
                   kosten  foerderung  eigenanteil
    massnahme jahr
    M1        2024  1000.0       800.0        200.0
              2025  1000.0         0.0       1000.0
    >>> plan.problems["problem"].tolist()
    ['programme_ended']
    """
    where = "financing_plan"
    progs = validate_programmes(programmes)
    costs = validate_cost_plan(cost_plan, measures=measures)
    check_frame(funding, arg="funding", where=where, allow_empty=True, row="funding line")
    fund = (
        validate_funding(funding, programmes=progs, measures=measures)
        if len(funding)
        else pd.DataFrame(columns=["massnahme", "programm", "jahr", "kostenart", "betrag", "cent"])
    )
    cell_keys = ["massnahme", "jahr", "kostenart"]
    cell_cost = costs.set_index(cell_keys)["cent"]
    if len(fund):
        orphan = fund.set_index(cell_keys).index.difference(cell_cost.index)
        if len(orphan):
            raise fail(
                where,
                f"`funding` funds {len(orphan)} measure-year-cost type(s) without costs in "
                f"`cost_plan`: {format_values([' '.join(map(str, k)) for k in orphan])}",
                "add the costs to the cost plan or remove the funding",
            )
    problems: list[dict] = []
    checked = ["double_funding", "rate_exceeded", "own_share_too_low", "ineligible_cost_type"]
    checked += ["outside_period", "programme_ended", "ceiling_exceeded"]
    not_checked: list[str] = []
    if len(fund):
        f = fund.merge(costs[[*cell_keys, "cent"]], on=cell_keys, suffixes=("", "_kosten"))
        f = f.join(progs[["foerdersatz", "eigenanteil", "beginn", "ende"]], on="programm")
        problems += _double_funding(f, cell_cost, cell_keys)
        problems += _rate_exceeded(f)
        problems += _ineligible(f, progs, _fields(measures))
        problems += _programme_ended(f, costs)
        problems += _ceiling_exceeded(f, progs)
    # the plan per measure and year
    table = costs.groupby(["massnahme", "jahr"])["cent"].sum().rename("kosten").to_frame()
    level_cents = pd.DataFrame(
        0, index=table.index, columns=list(LEVELS_OF_FUNDING), dtype="int64"
    )
    if len(fund):
        lv = fund.join(progs["ebene"], on="programm").groupby(["massnahme", "jahr", "ebene"])
        lv = lv["cent"].sum().unstack("ebene", fill_value=0)
        level_cents.loc[lv.index, lv.columns] = lv.to_numpy()
    funded = level_cents.sum(axis=1)
    own = table["kosten"] - funded
    if len(fund):
        problems += _own_share_too_low(fund, progs, table["kosten"], own)
    if own_funds is not None:
        budget = validate_own_funds(own_funds, measures=measures)
        bud = budget.set_index(["massnahme", "jahr"])["cent"].reindex(table.index, fill_value=0)
        gap = np.maximum(own - bud, 0)
        problems += _own_share_unbudgeted(own, bud, gap)
        checked.append("own_share_unbudgeted")
    else:
        bud = pd.Series(np.nan, index=table.index)
        gap = pd.Series(np.nan, index=table.index)
        not_checked.append("own_share_unbudgeted: no `own_funds` given")
    out = pd.DataFrame(index=table.index)
    out["kosten"] = _euros(table["kosten"])
    for lvl in LEVELS_OF_FUNDING:
        out[lvl] = _euros(level_cents[lvl])
    out["foerderung"] = _euros(funded)
    out["eigenanteil"] = _euros(own)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["eigenanteil_quote"] = np.where(
            table["kosten"] > 0, own / table["kosten"].replace(0, np.nan), np.nan
        )
    out["veranschlagt"] = bud / 100.0
    out["luecke"] = gap / 100.0
    by_prog = (
        fund.groupby(["programm", "jahr"])["cent"].sum().rename("betrag") / 100.0
        if len(fund)
        else pd.Series(dtype=float, name="betrag")
    ).to_frame()
    if len(by_prog):
        by_prog = by_prog.join(progs["hoechstbetrag"], on="programm")
    cols = [
        "problem",
        "problem_de",
        "massnahme",
        "programm",
        "jahr",
        "kostenart",
        "betrag",
        "text",
    ]
    probs = pd.DataFrame(problems, columns=cols)
    if len(probs):
        probs = probs.sort_values(["problem", "massnahme", "jahr"], na_position="first")
        probs = probs.reset_index(drop=True)
    return FinancingPlan(out, by_prog, probs, tuple(checked), tuple(not_checked))


def _double_funding(f: pd.DataFrame, cell_cost: pd.Series, cell_keys: list[str]) -> list[dict]:
    """Cells (measure, year, cost type) funded with more than their costs."""
    problems = []
    per_cell = f.groupby(cell_keys)["cent"].agg(["sum", "count"])
    over = per_cell[per_cell["sum"] > cell_cost.reindex(per_cell.index)]
    for (m, y, c), row in over.iterrows():
        excess = int(row["sum"] - cell_cost[(m, y, c)])
        who = ", ".join(f.loc[(f.massnahme == m) & (f.jahr == y) & (f.kostenart == c)].programm)
        problems.append(
            _problem(
                "double_funding",
                m,
                who,
                y,
                c,
                excess,
                f"{m} {y}, {c}: Förderung aus {who} übersteigt die Kosten um "
                f"{excess / 100:,.2f} €",
            )
        )
    return problems


def _rate_exceeded(f: pd.DataFrame) -> list[dict]:
    """Funding above the programme's rate of a cell's costs."""
    problems = []
    limit = np.floor(f["foerdersatz"].to_numpy() * f["cent_kosten"].to_numpy() + 1e-6)
    for i in np.flatnonzero(f["cent"].to_numpy() > limit):
        r = f.iloc[i]
        problems.append(
            _problem(
                "rate_exceeded",
                r.massnahme,
                r.programm,
                r.jahr,
                r.kostenart,
                int(r.cent - limit[i]),
                f"{r.massnahme} {r.jahr}: {r.programm} zahlt mehr als "
                f"{r.foerdersatz:.0%} der {r.kostenart}kosten",
            )
        )
    return problems


def _ineligible(f: pd.DataFrame, progs: pd.DataFrame, fields: dict) -> list[dict]:
    """Funding outside the programme's period, or of cost types or fields it does not fund."""
    problems = []
    in_period = (f["jahr"] >= f["beginn"]) & (f["jahr"] <= f["ende"])
    for r in f[~in_period].itertuples():
        problems.append(
            _problem(
                "outside_period",
                r.massnahme,
                r.programm,
                r.jahr,
                r.kostenart,
                r.cent,
                f"{r.programm} fördert nur {r.beginn}-{r.ende}, "
                f"geplant ist {r.jahr} für {r.massnahme}",
            )
        )
    kinds = progs["kostenarten"].reindex(f["programm"]).to_numpy()
    flds = progs["handlungsfelder"].reindex(f["programm"]).to_numpy()
    bad_kind = np.array(
        [
            (bool(k) and c not in k) or (bool(h) and fields.get(m) not in (None, *h))
            for k, h, c, m in zip(kinds, flds, f["kostenart"], f["massnahme"], strict=True)
        ],
        dtype=bool,
    )
    for r in f[in_period.to_numpy() & bad_kind].itertuples():
        problems.append(
            _problem(
                "ineligible_cost_type",
                r.massnahme,
                r.programm,
                r.jahr,
                r.kostenart,
                r.cent,
                f"{r.programm} fördert keine {r.kostenart}kosten "
                f"(oder nicht das Handlungsfeld von {r.massnahme})",
            )
        )
    return problems


def _programme_ended(f: pd.DataFrame, costs: pd.DataFrame) -> list[dict]:
    """Find programmes that end while the measure continues and nothing replaces their money."""
    problems = []
    funded_my = f.groupby(["massnahme", "jahr"])["cent"].sum()
    last = f.groupby(["massnahme", "programm"]).agg(
        ende=("ende", "first"), letztes=("jahr", "max")
    )
    p_my = f.groupby(["massnahme", "programm", "jahr"])["cent"].sum()
    cost_years = costs.groupby(["massnahme", "jahr"])["cent"].sum()
    for (m, p), row in last.iterrows():
        before = int(p_my[(m, p, row["letztes"])])
        later = cost_years.loc[m]
        for y, cents in later[later.index > row["ende"]].items():
            now = int(funded_my.get((m, y), 0))
            if now < before:
                problems.append(
                    _problem(
                        "programme_ended",
                        m,
                        p,
                        int(y),
                        None,
                        before - now,
                        f"{p} endet {row['ende']}, {m} läuft weiter: {y} fehlen "
                        f"{(before - now) / 100:,.2f} € Förderung "
                        f"(Kosten {cents / 100:,.2f} €)",
                    )
                )
    return problems


def _ceiling_exceeded(f: pd.DataFrame, progs: pd.DataFrame) -> list[dict]:
    """Programme-years planned above the programme's ceiling."""
    problems = []
    per_py = f.groupby(["programm", "jahr"])["cent"].sum()
    cap = progs["hoechstbetrag"]
    for (p, y), cents in per_py.items():
        if np.isfinite(cap[p]) and cents > round(cap[p] * 100):
            problems.append(
                _problem(
                    "ceiling_exceeded",
                    None,
                    p,
                    y,
                    None,
                    int(cents - round(cap[p] * 100)),
                    f"{p} {y}: geplant {cents / 100:,.2f} €, Höchstbetrag {cap[p]:,.2f} €",
                )
            )
    return problems


def _own_share_too_low(
    fund: pd.DataFrame, progs: pd.DataFrame, cost: pd.Series, own: pd.Series
) -> list[dict]:
    """Measure-years whose own share is below what their programmes require."""
    problems = []
    req = fund.join(progs["eigenanteil"], on="programm").groupby(["massnahme", "jahr"])
    req = req["eigenanteil"].max().reindex(cost.index).fillna(0.0)
    need = np.ceil(req.to_numpy() * cost.to_numpy() - 1e-6).astype(np.int64)
    for (m, y), e, n in zip(cost.index, own.to_numpy(), need, strict=True):
        if e < n:
            problems.append(
                _problem(
                    "own_share_too_low",
                    m,
                    None,
                    y,
                    None,
                    int(n - e),
                    f"{m} {y}: Eigenanteil {e / 100:,.2f} € liegt unter dem geforderten "
                    f"{n / 100:,.2f} €",
                )
            )
    return problems


def _own_share_unbudgeted(own: pd.Series, bud: pd.Series, gap: pd.Series) -> list[dict]:
    """Measure-years whose own share exceeds the own funds budgeted for them."""
    return [
        _problem(
            "own_share_unbudgeted",
            m,
            None,
            y,
            None,
            int(g),
            f"{m} {y}: Eigenanteil {own[(m, y)] / 100:,.2f} €, veranschlagt "
            f"{bud[(m, y)] / 100:,.2f} €: {g / 100:,.2f} € fehlen im Haushalt",
        )
        for (m, y), g in gap[gap > 0].items()
    ]
