"""Aggregation of counts up the area hierarchy, and change between years."""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sozplan.checks import (
    as_column_list,
    check_columns,
    check_counts,
    check_frame,
    check_no_inf,
    fail,
    format_values,
)
from sozplan.errors import DataQualityWarning
from sozplan.indicators._rates import _check_share, _intervals, evaluate
from sozplan.indicators._spec import load_catalog, resolve_specs

__all__ = ["aggregate", "change"]

_PLATTE = (
    "averaging rates across areas gives every area the same weight whatever its size: a "
    "planning area of one high-rise estate with 3,000 residents and a 30 % SGB II rate "
    "('Platte') and one villa block with 30 residents and 0 % ('Penthouse') would average "
    "to 15 %, although 29.7 % of its residents receive SGB II. This is the "
    "'Platte und Penthouse' trap (an instance of the ecological fallacy and Simpson's paradox)"
)


def _level_names(description: Any) -> dict[str, str]:
    """Level names that `by` may use instead of an id column.

    With a city description: its level labels (``"Stadtbezirk"``) -> level keys. Without
    one, the English level names of the sample city (``"planning_area"``), as
    :func:`sozplan.datasets.load_musterstadt` takes them.
    """
    if description is not None:
        return {lv.label: lv.key for lv in description.levels}
    from sozplan.datasets import LEVELS  # cycle: datasets imports indicators

    return dict(LEVELS)


def _keys(
    df: pd.DataFrame, by: Any, where: str, description: Any = None
) -> tuple[list, list[Hashable]]:
    """Return grouping keys (arrays) and their names from columns or index levels."""
    if by is None:
        return [np.full(len(df), "gesamt", dtype=object)], ["gebiet"]
    if isinstance(by, (pd.Series, pd.Index)):
        if isinstance(by, pd.Series) and not by.index.equals(df.index):
            by = by.reindex(df.index)
        name = by.name if by.name is not None else "gebiet"
        return [np.asarray(by)], [name]
    keys, names = [], []
    levels = _level_names(description)
    for b in as_column_list(by, arg="by"):
        col = b if b in df.columns or not isinstance(b, str) else levels.get(b, b)
        if col in df.columns:
            keys.append(df[col].to_numpy())
        elif col in (df.index.names or []):
            keys.append(df.index.get_level_values(col).to_numpy())
        else:
            avail = [*map(str, df.columns), *[str(n) for n in df.index.names if n is not None]]
            raise fail(
                where,
                f"`by` names {b!r}, which is neither a column nor an index level of `df`",
                f"use one of {format_values(avail, 12)}, or a level name "
                f"({format_values(levels)}), or None for the whole city",
            )
        names.append(col)
    return keys, names


def aggregate(
    df: pd.DataFrame,
    by: Any = None,
    *,
    counts: Sequence[str] | None = None,
    specs: Any = None,
    rates: Sequence[str] | None = None,
    weights: str | None = None,
    year: str = "jahr",
    description: Any = None,
) -> pd.DataFrame:
    r"""Sum counts up the area hierarchy and recompute indicators from the sums.

    For a larger area :math:`G` the counts are summed, :math:`x_G = \sum_{i \in G} x_i`,
    and every indicator is recomputed from the sums,
    :math:`y_G = m \sum_{i\in G} x_i / \sum_{i\in G} n_i`. This equals the
    base-weighted mean of the small-area rates,
    :math:`y_G = \sum_i w_i y_i / \sum_i w_i` with :math:`w_i = n_i`, and **not** their
    plain mean. Passing rate columns without ``weights`` therefore raises (the
    "Platte und Penthouse" trap); with ``weights`` they are averaged with those weights.

    Missing counts are not skipped: a group with a missing (suppressed) member count
    gets NaN for that count, with a :class:`~sozplan.errors.DataQualityWarning`.

    Parameters
    ----------
    df : DataFrame
        Small areas (e.g. blocks) with count columns and the id column(s) of the
        larger areas. A long frame with a year (column or index level ``year``) is
        aggregated per year.
    by : str, list of str, Series or None
        Column(s) or index level(s) with the ids of the larger areas, or level labels
        of ``description`` (without one, the sample city's level names
        ``"planning_area"``, ``"district_region"``, ``"district"``). ``None`` aggregates
        to the whole city (id ``"gesamt"``).
    counts : list of str, optional
        Count columns to sum. Default: the counts of ``description`` present in ``df``;
        without a description, every column of integer dtype (counts as read) that is
        no grouping key; plus the columns the indicators need.
    specs : optional
        Indicators to recompute (see :func:`rates`); default: every shipped indicator
        computable from the summed counts. Pass ``[]`` for none.
    rates : list of str, optional
        Rate columns to carry up as weighted means; requires ``weights``.
    weights : str, optional
        Count column used as weights for ``rates`` (normally the rate's denominator).
    year : str, default "jahr"
        Name of the year column or index level; kept as a grouping key when present.
    description : CitySpec, optional
        The city description (:class:`sozplan.CitySpec`) naming the count columns and
        the levels.

    Returns
    -------
    DataFrame
        Indexed by the ids of the larger areas (and the year), with the summed counts,
        ``anzahl_gebiete`` (number of small areas) and one column per indicator.

    Raises
    ------
    InputError
        If ``rates`` are given without ``weights``, if ``counts`` includes an indicator
        (a rate) rather than a count, or on missing or negative count columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.indicators import aggregate
    >>> blocks = pd.DataFrame({
    ...     "planungsraum": ["A", "A"],
    ...     "einwohner": [3000, 30], "einwohner_65_plus": [0, 0],
    ...     "sgb2_leistungsberechtigte": [900, 0]}, index=["platte", "penthouse"])
    >>> pr = aggregate(blocks, "planungsraum", specs=["sgb2_quote"])
    >>> pr[["einwohner", "anzahl_gebiete", "sgb2_quote"]].round(2)
                  einwohner  anzahl_gebiete  sgb2_quote
    planungsraum
    A                  3030               2        29.7
    """
    where = "aggregate"
    check_frame(df, where=where)
    keys, names = _keys(df, by, where, description)
    has_year = year not in names and (year in df.columns or year in (df.index.names or []))
    if has_year:
        ykeys, ynames = _keys(df, [year], where, description)
        keys, names = keys + ykeys, names + ynames
    catalogue = load_catalog()
    spec_list = resolve_specs(specs, df, where=where, strict=True) if specs is not None else None
    if counts is None:
        if description is not None:
            counts = [c for c in description.counts() if c in df.columns]
        else:
            counts = [
                c
                for c in df.columns
                if c not in names and c != year and pd.api.types.is_integer_dtype(df[c].dtype)
            ]
        if spec_list:
            counts += [c for s in spec_list for c in s.columns if c not in counts]
    counts = as_column_list(counts, arg="counts")
    rate_like = [
        c for c in counts if c in catalogue or (spec_list and c in {s.key for s in spec_list})
    ]
    if rate_like:
        raise fail(
            where,
            f"`counts` names {format_values(rate_like)}, which are indicators (rates), not "
            "counts; " + _PLATTE,
            "sum the counts behind the rate (numerator and denominator) and let aggregate "
            "recompute "
            "it, or pass the rate in `rates=` together with `weights=` (its denominator)",
        )
    if rates:
        rates = as_column_list(rates, arg="rates")
        if weights is None:
            raise fail(
                where,
                f"`rates` {format_values(rates)} would be averaged without weights; " + _PLATTE,
                "aggregate the counts instead (counts=[...]), or pass weights='<denominator "
                "column>' to average the rates weighted by their base",
            )
        check_counts(df, [weights], arg="df", where=where, allow_nan=True)
        check_columns(df, rates, where=where)
        check_no_inf(df, rates, where=where)
    check_counts(df, counts, where=where, allow_nan=True)
    for k, n in zip(keys, names, strict=True):
        miss = pd.isna(k)
        if miss.any():
            raise fail(
                where,
                f"the area id column {n!r} is missing for {int(miss.sum())} row(s): "
                f"{format_values(df.index[miss])}",
                "assign every small area to a larger area before aggregating",
            )
    index = (
        pd.MultiIndex.from_arrays(keys, names=names)
        if len(keys) > 1
        else pd.Index(keys[0], name=names[0])
    )
    data = df[counts].copy()
    data.index = index
    grouped = data.groupby(level=list(range(len(keys))), sort=True)
    summed = grouped.sum(skipna=False, min_count=1)
    nan_groups = summed.isna() & grouped.size().gt(0).to_numpy()[:, None]
    if nan_groups.to_numpy().any():
        cols = summed.columns[nan_groups.any()].tolist()
        warnings.warn(
            f"aggregate: {int(nan_groups.to_numpy().sum())} summed count(s) are NaN because a "
            "member "
            f"area's count is missing or suppressed (columns {format_values(cols)}; groups "
            f"{format_values(summed.index[nan_groups.any(axis=1)])}); nothing was skipped",
            DataQualityWarning,
            stacklevel=2,
        )
    summed["anzahl_gebiete"] = grouped.size()
    if rates:
        w = df[weights].to_numpy(dtype=float, na_value=np.nan)
        for r in rates:
            vals = pd.to_numeric(df[r], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            num = (
                pd.Series(vals * w, index=index)
                .groupby(level=list(range(len(keys))), sort=True)
                .sum(skipna=False)
            )
            den = (
                pd.Series(w, index=index)
                .groupby(level=list(range(len(keys))), sort=True)
                .sum(skipna=False)
            )
            summed[r] = (num / den.where(den > 0)).to_numpy()
    if spec_list is None:
        spec_list = resolve_specs(None, summed, where=where, strict=False)
    for s in spec_list:
        _, _, value = evaluate(summed, s)
        summed[s.key] = value
    return summed


def _year_table(df: pd.DataFrame, year: str, where: str) -> tuple[pd.DataFrame, np.ndarray]:
    if year in (df.index.names or []) and isinstance(df.index, pd.MultiIndex):
        years = df.index.get_level_values(year).to_numpy()
        ids = df.index.droplevel(year)
    elif year in df.columns:
        years = df[year].to_numpy()
        ids = df.index
    else:
        raise fail(
            where,
            f"`df` has no year column or index level {year!r}",
            "pass a long table with one row per area and year (e.g. "
            "load_musterstadt(year='all')) and name the year with `year=`",
        )
    out = df.copy()
    out.index = ids
    return out, years


def change(
    df: pd.DataFrame,
    specs: Any = None,
    *,
    years: tuple[int, int],
    columns: Sequence[str] | None = None,
    year: str = "jahr",
    alpha: float = 0.05,
    method: str = "wilson",
) -> pd.DataFrame:
    r"""Change of indicators between two years, in points and in per cent, with intervals.

    For each area and indicator with values :math:`y_{t_0}` and :math:`y_{t_1}`:

    .. math::

        \Delta = y_{t_1} - y_{t_0}, \qquad
        \Delta_\% = 100 \, \frac{y_{t_1} - y_{t_0}}{y_{t_0}}.

    For indicators in per cent, :math:`\Delta` is in percentage points; this is the
    dynamics indicator of the Berlin Monitoring Soziale Stadtentwicklung
    (share(t) - share(t-2), e.g. ``years=(2018, 2020)``). :math:`\Delta_\%` is NaN
    when :math:`y_{t_0} = 0`.

    For indicators computed from counts, the interval of :math:`\Delta` combines the
    intervals :math:`[l_0, u_0]`, :math:`[l_1, u_1]` of both years (see :func:`rates`)
    by the method of variance estimates recovery (MOVER; Newcombe 1998 for shares with
    Wilson intervals, Zou & Donner 2008 in general):

    .. math::

        \Delta - \sqrt{(y_{t_1} - l_1)^2 + (u_0 - y_{t_0})^2}, \qquad
        \Delta + \sqrt{(u_1 - y_{t_1})^2 + (y_{t_0} - l_0)^2}.

    It treats the two years as independent samples; since much of an area's population
    stays, the real interval is usually narrower, so a change whose interval excludes 0
    is a robust signal, and one whose interval includes 0 may be noise.

    Parameters
    ----------
    df : DataFrame
        Long table, one row per area and year; the year is a column or index level
        named ``year``.
    specs : optional
        Indicators to compute from counts in each year (see :func:`rates`); default:
        every shipped indicator computable from ``df`` (unless ``columns`` is given).
    years : (int, int)
        Start and end year.
    columns : list of str, optional
        Columns holding indicator values already (used as they are).
    year : str, default "jahr"
    alpha : float, default 0.05
        1 - confidence level of the interval of the difference.
    method : {"wilson", "clopper-pearson"}, default "wilson"
        Interval of shares in each year.

    Returns
    -------
    DataFrame
        Indexed by area id; MultiIndex columns (indicator, measure) with measures
        ``start``, ``end``, ``difference`` (points), ``difference_lower``,
        ``difference_upper`` (NaN for ``columns`` and ratios) and ``percent``. Areas
        present in only one of the years, a missing (secret) count or value and a zero
        denominator give NaN; text, infinite or negative counts and a share's numerator
        above its denominator raise :class:`~sozplan.errors.InputError`.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Statistics in Medicine 17(8), 873-890.
    doi:10.1002/(SICI)1097-0258(19980430)17:8<873::AID-SIM779>3.0.CO;2-I

    Zou, G. Y., & Donner, A. (2008). Construction of confidence limits about effect
    measures: a general approach. Statistics in Medicine 27(10), 1693-1702.
    doi:10.1002/sim.3095

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.indicators import change
    >>> df = pd.DataFrame({"jahr": [2018, 2020], "einwohner_0_5": [50, 50],
    ...                    "einwohner_6_14": [50, 50], "sgb2_unter15": [20, 25]},
    ...                   index=pd.Index(["01", "01"], name="plr"))
    >>> ch = change(df, ["kinderarmut"], years=(2018, 2020))["kinderarmut"]
    >>> ch[["start", "end", "difference", "percent"]]
    measure  start   end  difference  percent
    plr
    01        20.0  25.0         5.0     25.0
    >>> ch[["difference_lower", "difference_upper"]].round(1)  # Newcombe: 0 is inside
    measure  difference_lower  difference_upper
    plr
    01                   -6.6              16.4
    """
    where = "change"
    check_frame(df, where=where)
    if not (isinstance(years, (tuple, list)) and len(years) == 2):
        raise fail(
            where, f"`years` is {years!r}", "pass the start and end year, e.g. years=(2022, 2024)"
        )
    table, yrs = _year_table(df, year, where)
    found = set(pd.unique(yrs).tolist())
    missing = [y for y in years if y not in found]
    if missing:
        raise fail(
            where,
            f"`years` names {format_values(missing)}, which `df` does not hold",
            f"use years present in the data: {format_values(sorted(found), 12)}",
        )
    if columns is not None:
        cols = as_column_list(columns, arg="columns")
        for c in cols:
            if c not in table.columns:
                raise fail(
                    where, f"`columns` names {c!r}, not a column of `df`", "pass existing columns"
                )
        check_columns(table, cols, arg="df", where=where)  # numbers, not text
        check_no_inf(table, cols, where=where)
        values = pd.DataFrame({c: table[c].astype(float) for c in cols}, index=table.index)
        lower = upper = values * np.nan
    else:
        spec_list = resolve_specs(specs, table, where=where)
        used = list(dict.fromkeys(c for s in spec_list for c in s.columns))
        check_counts(table, used, where=where, allow_nan=True)
        check_no_inf(table, used, where=where)
        vals, los, his = {}, {}, {}
        for s in spec_list:
            num, den, vals[s.key] = evaluate(table, s)
            _check_share(table, s, num, den, where)
            num = np.clip(num, 0, None) if s.kind == "share" else num
            los[s.key], his[s.key] = _intervals(table, s, num, den, method, alpha)
        values = pd.DataFrame(vals, index=table.index)
        lower = pd.DataFrame(los, index=table.index)
        upper = pd.DataFrame(his, index=table.index)
    parts = {}
    for y in years:
        part = pd.concat({"v": values, "l": lower, "u": upper}, axis=1)[yrs == y]
        if not part.index.is_unique:
            dup = part.index[part.index.duplicated()].unique()
            raise fail(
                where,
                f"area ids occur more than once in year {y}: {format_values(dup)}",
                "make (area, year) unique, e.g. with sozplan.validation.validate to find the "
                "duplicates",
            )
        parts[y] = part
    start, end = parts[years[0]], parts[years[1]]
    ids = start.index.union(end.index, sort=False)
    start, end = start.reindex(ids), end.reindex(ids)
    out = {}
    for c in values.columns:
        a, b = start[("v", c)], end[("v", c)]
        d = b - a
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = (b - a) / a.where(a != 0) * 100
        lo = d - np.sqrt((b - end[("l", c)]) ** 2 + (start[("u", c)] - a) ** 2)
        hi = d + np.sqrt((end[("u", c)] - b) ** 2 + (a - start[("l", c)]) ** 2)
        out[c] = pd.DataFrame(
            {
                "start": a,
                "end": b,
                "difference": d,
                "difference_lower": lo,
                "difference_upper": hi,
                "percent": pct,
            }
        )
    result = pd.concat(out, axis=1, names=["indicator", "measure"])
    result.attrs["years"] = tuple(years)
    return result
