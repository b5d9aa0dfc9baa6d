"""Consistency rules as data: which counts are parts of which, which add up, which match totals.

A rule names columns; it never assumes a city's vocabulary. :func:`validate` runs each rule
whose columns are present and lists the others as *not checked* with the missing columns.
The rules are frozen and hashable, so that a city description can build them and a report
can record exactly which rules it ran.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.checks import fail

__all__ = ["MatchesTotals", "PartOfWhole", "Rule", "SumEquals", "check_rules"]


def _name(value: Any, where: str, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise fail(where, f"`{what}` is {value!r}", "give a column name (a non-empty string)")
    return value


@immutable
@dataclass(frozen=True)
class PartOfWhole:
    """A count that can never exceed another in any area: ``part <= whole``.

    Parameters
    ----------
    part, whole : str
        Column names, e.g. the children in benefit households and all benefit recipients.

    Examples
    --------
    >>> PartOfWhole("auslaender", "einwohner").label()
    'auslaender ≤ einwohner'
    """

    part: str
    whole: str

    def __post_init__(self) -> None:
        _name(self.part, "PartOfWhole", "part")
        _name(self.whole, "PartOfWhole", "whole")
        if self.part == self.whole:
            raise fail(
                "PartOfWhole", f"`part` and `whole` are both {self.part!r}", "name two columns"
            )

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the rule reads."""
        return (self.part, self.whole)

    @property
    def kind(self) -> str:
        """The findings rule this rule writes (``numerator_above_denominator``)."""
        return "numerator_above_denominator"

    def label(self, language: str = "de") -> str:
        """Return a short name of the rule (the same in both languages)."""
        return f"{self.part} ≤ {self.whole}"


@immutable
@dataclass(frozen=True)
class SumEquals:
    r"""Columns that add up to a total in every area: :math:`\sum_j x_{ij} = t_i`.

    Parameters
    ----------
    parts : tuple of str
        The parts (e.g. the age bands); a list is turned into a tuple.
    whole : str
        The total (e.g. the residents).
    tolerance : float, default 0
        Allowed absolute difference :math:`|\sum_j x_{ij} - t_i|` (e.g. for rounded
        published counts). Differences above ``max(tolerance, 0.5)`` are findings.

    Examples
    --------
    >>> rule = SumEquals(["a_0_17", "a_18_64", "a_65_plus"], "einwohner")
    >>> rule.parts
    ('a_0_17', 'a_18_64', 'a_65_plus')
    >>> rule.label("en")
    'a_0_17 + a_18_64 + a_65_plus = einwohner'
    """

    parts: tuple[str, ...]
    whole: str
    tolerance: float = 0.0

    def __post_init__(self) -> None:
        parts = self.parts
        if isinstance(parts, str) or not isinstance(parts, Iterable):
            raise fail(
                "SumEquals",
                f"`parts` is {parts!r}",
                "give a tuple or list of at least two column names",
            )
        parts = tuple(_name(p, "SumEquals", "parts") for p in parts)
        if len(parts) < 2 or len(set(parts)) < len(parts):
            raise fail(
                "SumEquals",
                f"`parts` is {parts!r}",
                "give at least two different column names",
            )
        _name(self.whole, "SumEquals", "whole")
        if self.whole in parts:
            raise fail("SumEquals", f"the whole {self.whole!r} is among the parts", "remove it")
        tol = self.tolerance
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol >= 0:
            raise fail("SumEquals", f"`tolerance` is {tol!r}", "give a number >= 0")
        object.__setattr__(self, "parts", parts)
        object.__setattr__(self, "tolerance", float(tol))

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the rule reads."""
        return (*self.parts, self.whole)

    @property
    def kind(self) -> str:
        """The findings rule this rule writes (``parts_not_total``)."""
        return "parts_not_total"

    def label(self, language: str = "de") -> str:
        """Return a short name of the rule."""
        shown = self.parts if len(self.parts) <= 4 else (*self.parts[:2], "…", self.parts[-1])
        return f"{' + '.join(shown)} = {self.whole}"


def _records(totals: Any) -> tuple[tuple[str, int | None, str, float], ...]:
    """Turn published aggregate rows into sorted ``(id, year, column, value)`` records."""
    where = "MatchesTotals"
    if isinstance(totals, pd.Series):
        totals = totals.to_frame()
    if isinstance(totals, pd.DataFrame):
        frame = totals
        if isinstance(frame.index, pd.MultiIndex):
            if frame.index.nlevels != 2:
                raise fail(
                    where,
                    f"`totals` has an index of {frame.index.nlevels} levels",
                    "index the totals by the parent id, or by (parent id, year)",
                )
            ids = frame.index.get_level_values(0)
            years = frame.index.get_level_values(1)
        else:
            ids, years = frame.index, None
        rows = []
        for col in frame.columns:
            vals = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
            if np.isnan(vals).all() and not pd.api.types.is_numeric_dtype(frame[col]):
                raise fail(
                    where,
                    f"the totals column {col!r} holds no numbers",
                    "give only count columns (the parent id as index, the year as a second "
                    "index level)",
                )
            for i, v in enumerate(vals):
                y = None if years is None else years[i]
                rows.append((ids[i], y, col, v))
    elif isinstance(totals, Iterable) and not isinstance(totals, (str, bytes, Mapping)):
        rows = []
        for rec in totals:
            if not isinstance(rec, (tuple, list)) or len(rec) != 4:
                raise fail(
                    where,
                    f"the totals record {rec!r} is not (id, year, column, value)",
                    "give a DataFrame indexed by parent id (and year), or 4-tuples",
                )
            rows.append(tuple(rec))
    else:
        raise fail(
            where,
            f"`totals` is a {type(totals).__name__}",
            "give a DataFrame indexed by parent id (and year) with one column per count",
        )
    out = []
    for pid, y, col, v in rows:
        if pid is None or (isinstance(pid, float) and math.isnan(pid)):
            raise fail(where, "a totals row has no id", "give every aggregate row its id")
        try:
            year = None if y is None or pd.isna(y) else int(y)
            value = float(v)
        except (TypeError, ValueError):
            raise fail(
                where,
                f"the totals record ({pid!r}, {y!r}, {col!r}, {v!r}) has a year or value that "
                "is not a number",
                "give whole years and numeric totals",
            ) from None
        out.append((str(pid), year, _name(col, where, "totals column"), value))
    keys = [(r[0], r[1], r[2]) for r in out]
    if len(set(keys)) < len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise fail(where, f"the totals hold {dup} twice", "give each aggregate row once")
    return tuple(sorted(out, key=lambda r: (r[0], -1 if r[1] is None else r[1], r[2])))


@immutable
@dataclass(frozen=True)
class MatchesTotals:
    """Sums of the areas grouped by a parent id equal published aggregate rows.

    Statistics offices publish district and city rows beside the small areas. They are
    check sums, not areas: :func:`validate` compares them with the sums of the areas
    and never treats them as areas.

    Parameters
    ----------
    level : str
        Name of the aggregate level (e.g. ``"Stadtbezirk"`` or ``"Stadt"``), used in the
        messages.
    by : str or None
        The column of the area table holding the parent id; None compares the sum over
        all areas (a city row).
    totals : DataFrame or iterable of (id, year, column, value)
        The published aggregate rows: a DataFrame indexed by the parent id, or by
        (parent id, year), with one column per count. It is stored as a sorted tuple of
        ``(id, year, column, value)`` records (ids as strings), so the rule is immutable
        and hashable; :meth:`frame` gives the table back.

    Examples
    --------
    >>> import pandas as pd
    >>> tot = pd.DataFrame({"einwohner": [900, 400]}, index=["1", "2"])
    >>> rule = MatchesTotals("Bezirk", "bezirk", tot)
    >>> rule.totals
    (('1', None, 'einwohner', 900.0), ('2', None, 'einwohner', 400.0))
    >>> rule.frame()
           einwohner
    total
    1          900.0
    2          400.0
    """

    level: str
    by: str | None
    totals: tuple[tuple[str, int | None, str, float], ...]

    def __post_init__(self) -> None:
        _name(self.level, "MatchesTotals", "level")
        if self.by is not None:
            _name(self.by, "MatchesTotals", "by")
        object.__setattr__(self, "totals", _records(self.totals))

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the rule reads: ``by`` and the count columns of the totals."""
        counts = tuple(dict.fromkeys(r[2] for r in self.totals))
        return counts if self.by is None else (self.by, *counts)

    @property
    def kind(self) -> str:
        """The findings rule this rule writes (``hierarchy_total``)."""
        return "hierarchy_total"

    @property
    def has_years(self) -> bool:
        """Whether the totals are given per year."""
        return any(r[1] is not None for r in self.totals)

    def frame(self) -> pd.DataFrame:
        """Return the totals as a table (index ``total`` and, with years, ``year``)."""
        recs = pd.DataFrame(list(self.totals), columns=["total", "year", "column", "value"])
        keys = ["total", "year"] if self.has_years else ["total"]
        wide = recs.pivot_table(
            index=keys, columns="column", values="value", aggfunc="first", dropna=False
        )
        wide.columns.name = None
        return wide

    def label(self, language: str = "de") -> str:
        """Return a short name of the rule."""
        counts = self.columns[1:] if self.by is not None else self.columns
        if language == "en":
            return f"sums of the areas = {self.level} rows ({', '.join(counts)})"
        return f"Summen der Gebiete = Zeilen {self.level} ({', '.join(counts)})"


#: The rule types :func:`validate` accepts.
Rule = PartOfWhole | SumEquals | MatchesTotals


def check_rules(rules: Any, where: str) -> tuple[Rule, ...]:
    """Return ``rules`` as a tuple of rule objects; refuse anything else.

    Examples
    --------
    >>> check_rules([PartOfWhole("a", "b")], "validate")
    (PartOfWhole(part='a', whole='b'),)
    """
    if rules is None:
        return ()
    if isinstance(rules, (PartOfWhole, SumEquals, MatchesTotals)):
        return (rules,)
    if isinstance(rules, (str, bytes, Mapping)) or not isinstance(rules, Iterable):
        raise fail(
            where,
            f"`rules` is a {type(rules).__name__}",
            "give a sequence of PartOfWhole, SumEquals and MatchesTotals objects",
        )
    out = []
    for r in rules:
        if not isinstance(r, (PartOfWhole, SumEquals, MatchesTotals)):
            raise fail(
                where,
                f"the rule {r!r} is a {type(r).__name__}",
                "build rules with sozplan.validation.PartOfWhole, SumEquals or MatchesTotals",
            )
        out.append(r)
    return tuple(dict.fromkeys(out))
