r"""Statistical disclosure control for published count tables (primary and secondary suppression).

Small counts in small areas can identify people (three SGB XII recipients in one
block). Statistics offices therefore *suppress* (secretly keep, sign ``.`` of DIN
55301) every count below a threshold before publishing (*primary suppression*), and
then further cells (*secondary* or *complementary suppression*) so that the hidden
cells cannot be recovered by subtracting the visible cells from a published total.

Algorithm of :func:`suppress_small_counts`
------------------------------------------
1. Primary: every count with :math:`0 < x < m` (``min_count`` :math:`m`) is hidden.
   Zeros are not sensitive and stay visible.
2. The *lines* of the table are the linear relations an attacker knows: every column
   sums to its published column total (the city), every column sums within each
   group of ``by`` to the group total (e.g. districts), and every ``additive``
   relation ``total = part_1 + ... + part_k`` holds within each row (age bands add up
   to the residents).
3. Secondary: a line is *unsafe* if it hides exactly one cell (recovered by
   subtraction) or if its hidden cells add up to less than :math:`m` (then each of
   them is known to be a small number). For an unsafe line the smallest visible
   positive cell of the line is hidden as well (least information lost); lines are
   visited from the shortest (a row relation, a district) to the longest (the city), so
   that a complementary cell chosen inside a group also protects the longer lines;
   this repeats over all lines until none is unsafe (each round hides at least one more cell, so
   it ends).
4. :func:`audit_suppression` checks the result as an attacker would: for each hidden
   cell it solves two linear programs (minimise and maximise the cell subject to all
   line equations and non-negativity, with HiGHS via :func:`scipy.optimize.linprog`)
   and reports the interval the attacker can infer. A cell with a zero-width interval
   is disclosed.

The heuristic is the classical "hypercube"-style line method (Giessing & Repsilber
2002); it protects against exact recovery along single lines; the audit covers
recovery through combinations of lines.

References
----------
Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley, ch. 4-5.
doi:10.1002/9781118348239

Giessing, S., & Repsilber, D. (2002). Tools and strategies to protect multiple tables
with the GHQUAR cell suppression engine. In *Inference Control in Statistical
Databases*, LNCS 2316, 181-192. doi:10.1007/3-540-47804-3_14

Examples
--------
>>> import pandas as pd
>>> from sozplan.disclosure import suppress_small_counts
>>> df = pd.DataFrame({"a": [1, 10, 12], "b": [8, 9, 30]}, index=["x", "y", "z"])
>>> res = suppress_small_counts(df, min_count=3)
>>> res.status
           a          b
x    primary  published
y  secondary  published
z  published  published
>>> res.table["a"].tolist()
[<NA>, <NA>, 12]
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.checks import (
    check_columns,
    check_counts,
    check_frame,
    check_unique_index,
    fail,
    format_values,
    public_functions,
)
from sozplan.errors import InputError
from sozplan.plotting import format_number

__all__ = [
    "DisclosureError",
    "LinearAudit",
    "PublishedIndex",
    "PublishedRate",
    "SafePrecision",
    "Suppression",
    "audit_linear",
    "audit_suppression",
    "check_disclosure",
    "safe_precision",
    "suppress_small_counts",
]

PUBLISHED, PRIMARY, SECONDARY = "published", "primary", "secondary"


class DisclosureError(InputError):
    """A table would publish counts below the disclosure threshold."""


@immutable
@dataclass(frozen=True, repr=False)
class Suppression:
    """Result of :func:`suppress_small_counts`.

    Attributes
    ----------
    table : DataFrame
        The published table: protected count columns as nullable integers with
        ``<NA>`` for hidden cells; other columns unchanged.
    status : DataFrame
        ``"published"``, ``"primary"`` or ``"secondary"`` for every protected cell.
    original : DataFrame
        The input (a copy), for audits; never publish it.
    columns : tuple of str
        Protected count columns.
    min_count : int
    lines : tuple
        The linear relations considered (see the module notes).
    unprotectable : tuple of str
        Lines that could not be made safe by hiding cells (e.g. a group total below
        the threshold); their totals must not be published either.
    """

    table: pd.DataFrame
    status: pd.DataFrame
    original: pd.DataFrame = field(repr=False)
    columns: tuple
    min_count: int
    lines: tuple = field(default=(), repr=False)
    unprotectable: tuple = ()

    @property
    def n_primary(self) -> int:
        """Number of primarily suppressed cells."""
        return int((self.status == PRIMARY).to_numpy().sum())

    @property
    def n_secondary(self) -> int:
        """Number of secondarily suppressed cells."""
        return int((self.status == SECONDARY).to_numpy().sum())

    @property
    def mask(self) -> pd.DataFrame:
        """True for hidden cells."""
        return self.status != PUBLISHED

    def formatted(self, *, sign: str = ".", language: str = "de") -> pd.DataFrame:
        """Format the table as text: thousands separators, ``sign`` (DIN 55301 ``.``) if hidden."""
        out = self.table.copy()
        for c in self.columns:
            out[c] = [
                sign if pd.isna(v) else format_number(float(v), 0, language) for v in self.table[c]
            ]
        return out

    def to_frame(self) -> pd.DataFrame:
        """Return a tidy table: one row per protected cell with ``value`` and ``status``."""
        val = self.table[list(self.columns)].stack(future_stack=True).rename("value")
        st = self.status.stack(future_stack=True).rename("status")
        return pd.concat([val, st], axis=1)

    def __repr__(self) -> str:
        n = self.status.size
        return (
            f"Suppression(min_count={self.min_count}): {n} cells in {len(self.columns)} columns, "
            f"{self.n_primary} primary, {self.n_secondary} secondary suppressions"
            + (f", {len(self.unprotectable)} unprotectable line(s)" if self.unprotectable else "")
        )

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>" + self.formatted().head(20).to_html()


def _lines(
    df: pd.DataFrame,
    columns: list,
    by: Any,
    additive: Mapping[Hashable, Sequence[Hashable]] | None,
):
    """Build the relations as (name, list of (row, col, coefficient), external_total or None)."""
    n = len(df)
    col_pos = {c: j for j, c in enumerate(columns)}
    lines = []
    for c in columns:
        j = col_pos[c]
        lines.append((f"Summe {c}", [(i, j, 1) for i in range(n)], True))
    if by is not None:
        keys = (
            df[by].astype(str)
            if not isinstance(by, list)
            else df[by].astype(str).agg("|".join, axis=1)
        )
        for key, pos in pd.Series(np.arange(n), index=keys.to_numpy()).groupby(level=0):
            for c in columns:
                lines.append(
                    (
                        f"{by}={key}: Summe {c}",
                        [(int(i), col_pos[c], 1) for i in pos.to_numpy()],
                        True,
                    )
                )
    for total, parts in (additive or {}).items():
        for i in range(n):
            cells = [(i, col_pos[p], 1) for p in parts] + [(i, col_pos[total], -1)]
            lines.append(
                (f"Zeile {df.index[i]}: {total} = {' + '.join(map(str, parts))}", cells, False)
            )
    # short lines first: a complementary cell chosen inside a group also protects the
    # longer lines (city totals) that contain the group
    return sorted(lines, key=lambda line: len(line[1]))


def suppress_small_counts(
    df: pd.DataFrame,
    min_count: int = 3,
    secondary: bool = True,
    *,
    columns: Sequence[Hashable] | None = None,
    by: Hashable | None = None,
    additive: Mapping[Hashable, Sequence[Hashable]] | None = None,
) -> Suppression:
    """Hide counts below ``min_count`` and the cells that would reveal them through totals.

    See the module notes for the algorithm.

    Parameters
    ----------
    df : DataFrame
        One row per area, count columns (other columns are passed through).
    min_count : int, default 3
        Counts from 1 to ``min_count - 1`` are hidden (zeros stay visible).
    secondary : bool, default True
        Also hide complementary cells so that no hidden cell can be recovered from the
        column totals, group totals (``by``) and row relations (``additive``).
    columns : list of str, optional
        Count columns to protect; default every integer column.
    by : str, optional
        Column with a grouping whose totals are published too (e.g. ``"bezirk"``).
    additive : dict {total column: [part columns]}, optional
        Row relations that hold in the table, e.g. ``{"einwohner": [age bands]}``.

    Returns
    -------
    Suppression
        ``table`` (hidden cells ``<NA>``), ``status``, counts of suppressions.

    Raises
    ------
    InputError
        If ``df`` has duplicate ids, a protected column is not a non-negative count,
        ``min_count`` is not a positive integer, or an ``additive`` relation does not
        hold in the data.

    See Also
    --------
    audit_suppression : the interval an attacker can infer for every hidden cell.
    check_disclosure : raise if a table still shows a small count.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sgb12": [2, 40, 35, 0], "bezirk": ["A", "A", "B", "B"]},
    ...                   index=["01", "02", "03", "04"])
    >>> res = suppress_small_counts(df, columns=["sgb12"], by="bezirk")
    >>> res.table["sgb12"].tolist()
    [<NA>, <NA>, 35, 0]
    >>> res.n_primary, res.n_secondary
    (1, 1)
    """
    where = "suppress_small_counts"
    check_frame(df, where=where)
    check_unique_index(df, where=where)
    if not (
        isinstance(min_count, int | np.integer)
        and not isinstance(min_count, bool)
        and min_count >= 1
    ):
        raise fail(where, f"`min_count` is {min_count!r}", "pass a positive integer, e.g. 3")
    if columns is None:
        columns = [c for c in df.columns if pd.api.types.is_integer_dtype(df[c]) and c != by]
        if not columns:
            raise fail(
                where,
                "`df` has no integer column to protect",
                "name the count columns with columns=[...]",
            )
    columns = check_columns(df, list(columns), where=where)
    check_counts(df, columns, where=where)
    if by is not None:
        check_columns(df, [by], where=where, numeric=False)
    for total, parts in (additive or {}).items():
        check_columns(df, [total, *parts], arg="additive", where=where)
        missing = [c for c in [total, *parts] if c not in columns]
        if missing:
            raise fail(
                where,
                f"`additive` uses {format_values(missing)}, which are not protected columns",
                "add them to `columns`",
            )
        diff = df[list(parts)].sum(axis=1) - df[total]
        if (diff != 0).any():
            raise fail(
                where,
                f"`additive`: {format_values(parts)} do not add up to {total!r} at "
                f"{format_values(df.index[(diff != 0).to_numpy()])}",
                "pass only relations that hold exactly in the table",
            )
    x = df[columns].to_numpy(dtype=float)
    hidden = (x > 0) & (x < min_count)
    status = np.where(hidden, PRIMARY, PUBLISHED).astype(object)
    lines = _lines(df, columns, by, additive)
    unprotectable: list[str] = []
    if secondary and hidden.any():
        changed = True
        while changed:
            changed = False
            for name, cells, _external in lines:
                rows = np.fromiter((c[0] for c in cells), dtype=int, count=len(cells))
                cols = np.fromiter((c[1] for c in cells), dtype=int, count=len(cells))
                h = hidden[rows, cols]
                n_hidden = int(h.sum())
                if n_hidden == 0:
                    continue
                hidden_sum = float(x[rows[h], cols[h]].sum())
                if n_hidden >= 2 and hidden_sum >= min_count:
                    continue
                vals = x[rows, cols]
                cand = np.flatnonzero(~h & (vals > 0))
                if cand.size == 0:
                    cand = np.flatnonzero(~h)
                if cand.size == 0:
                    if name not in unprotectable:
                        unprotectable.append(name)
                    continue
                pick = cand[np.argmin(vals[cand])]
                hidden[rows[pick], cols[pick]] = True
                status[rows[pick], cols[pick]] = SECONDARY
                changed = True
    table = df.copy()
    for j, c in enumerate(columns):
        col = pd.array(df[c].to_numpy(dtype="int64"), dtype="Int64")
        col[hidden[:, j]] = pd.NA
        table[c] = col
    status_df = pd.DataFrame(status, index=df.index, columns=columns).astype("string")
    return Suppression(
        table=table,
        status=status_df,
        original=df.copy(),
        columns=tuple(columns),
        min_count=int(min_count),
        lines=tuple((n, c, e) for n, c, e in lines),
        unprotectable=tuple(unprotectable),
    )


def audit_suppression(result: Suppression) -> pd.DataFrame:
    r"""Intervals an attacker can infer for every hidden cell (linear programming).

    For each hidden cell :math:`x_c` solve :math:`\min x_c` and :math:`\max x_c`
    subject to every line relation of the table (with the published values and
    totals) and :math:`x \ge 0`.

    Parameters
    ----------
    result : Suppression

    Returns
    -------
    DataFrame
        One row per hidden cell (index: area id, column), columns ``true_value``
        (for the auditor only), ``status``, ``lower``, ``upper``, ``width`` and
        ``disclosed`` (``width`` below 0.5: the attacker knows the exact count).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 10, 12], "b": [8, 9, 30]}, index=["x", "y", "z"])
    >>> audit = audit_suppression(suppress_small_counts(df))
    >>> bool(audit["disclosed"].any())
    False
    """
    from scipy.optimize import linprog
    from scipy.sparse import lil_matrix

    status = result.status.to_numpy(dtype=object)
    x = result.original[list(result.columns)].to_numpy(dtype=float)
    hid = np.argwhere(status != PUBLISHED)
    cols_out = ["true_value", "status", "lower", "upper", "width", "disclosed"]
    if len(hid) == 0:
        return pd.DataFrame(columns=cols_out)
    var = {(int(i), int(j)): k for k, (i, j) in enumerate(hid)}
    eqs, rhs = [], []
    for _name, cells, _external in result.lines:
        coef: dict[int, float] = {}
        known = 0.0
        for i, j, a in cells:
            if (i, j) in var:
                coef[var[(i, j)]] = coef.get(var[(i, j)], 0) + a
            else:
                known += a * x[i, j]
        if not coef:
            continue
        total = sum(a * x[i, j] for i, j, a in cells) if _external else 0.0
        eqs.append(coef)
        rhs.append(total - known)
    a_eq = lil_matrix((len(eqs), len(var)))
    for r, coef in enumerate(eqs):
        for k, a in coef.items():
            a_eq[r, k] = a
    a_eq = a_eq.tocsr()
    lo, hi = np.empty(len(var)), np.empty(len(var))
    for k in range(len(var)):
        c = np.zeros(len(var))
        c[k] = 1
        r1 = linprog(c, A_eq=a_eq, b_eq=rhs, bounds=(0, None), method="highs")
        r2 = linprog(-c, A_eq=a_eq, b_eq=rhs, bounds=(0, None), method="highs")
        lo[k] = r1.fun if r1.status == 0 else np.nan
        hi[k] = -r2.fun if r2.status == 0 else np.inf
    idx = pd.MultiIndex.from_tuples(
        [(result.status.index[i], result.columns[j]) for i, j in hid],
        names=[result.status.index.name or "id", "column"],
    )
    width = hi - lo
    return pd.DataFrame(
        {
            "true_value": x[hid[:, 0], hid[:, 1]],
            "status": status[hid[:, 0], hid[:, 1]],
            "lower": lo,
            "upper": hi,
            "width": width,
            "disclosed": width < 0.5,
        },
        index=idx,
    )


def check_disclosure(
    df: pd.DataFrame, columns: Sequence[Hashable], min_count: int = 3, *, name: str = "table"
) -> None:
    """Raise :class:`DisclosureError` if a column shows a count from 1 to ``min_count - 1``.

    Hidden cells (NA) pass. Used by the report as the last guard before writing a table.

    Examples
    --------
    >>> import pandas as pd
    >>> check_disclosure(pd.DataFrame({"n": [0, 5, None]}), ["n"])
    >>> check_disclosure(pd.DataFrame({"n": [2, 5]}, index=["a", "b"]), ["n"])
    Traceback (most recent call last):
    ...
    sozplan.disclosure.DisclosureError: check_disclosure: table shows counts below 3 ...
    """
    where = "check_disclosure"
    check_frame(df, where=where, allow_empty=True)
    columns = check_columns(df, columns, where=where, numeric=False)
    for c in columns:
        v = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        text = np.isnan(v) & df[c].notna().to_numpy()
        if text.any():
            raise fail(
                where,
                f"column {c!r} holds text that is not a number at ids "
                f"{format_values(df.index[text])} (values {format_values(df[c][text])})",
                "check counts before formatting them; hide cells as missing values (NA), "
                "not as text",
            )
        bad = np.isfinite(v) & (v > 0) & (v < min_count)
        if bad.any():
            raise DisclosureError(
                f"check_disclosure: {name} shows counts below {min_count} in column {c!r} at "
                f"{format_values(df.index[bad])}; suppress them with suppress_small_counts "
                "first, or allow "
                "small counts explicitly (report configuration: disclosure: "
                "publish_small_counts: true)."
            )


# ---------------------------------------------------------------------------------------
# the linear attacker: counts, rates and indices together
# ---------------------------------------------------------------------------------------

_WHERE_AUDIT = "audit_linear"
_KINDS = ("sum", "rate", "index")


def _names(value: Any, arg: str, where: str) -> tuple:
    """Column names as a tuple (a single name becomes a 1-tuple)."""
    out = (value,) if isinstance(value, str) or not isinstance(value, Sequence) else tuple(value)
    if not out:
        raise fail(where, f"`{arg}` is empty", "name at least one count column")
    return out


def _check_decimals(decimals: Any, where: str) -> int | None:
    if decimals is None:
        return None
    if not isinstance(decimals, int | np.integer) or isinstance(decimals, bool) or decimals < 0:
        raise fail(where, f"`decimals` is {decimals!r}", "pass an integer >= 0, or None")
    return int(decimals)


def _check_published(obj: Any, where: str) -> None:
    """Check the name and normalize ``decimals`` and ``hidden`` of a published value."""
    if not isinstance(obj.name, str) or not obj.name:
        raise fail(where, f"`name` is {obj.name!r}", "pass a non-empty string")
    object.__setattr__(obj, "decimals", _check_decimals(obj.decimals, where))
    object.__setattr__(obj, "hidden", _hidden_ids(obj.hidden, where))


def _hidden_ids(hidden: Any, where: str) -> frozenset:
    """Ids where a value is not published: an iterable of ids or a boolean Series."""
    if isinstance(hidden, pd.Series):
        if not pd.api.types.is_bool_dtype(hidden):
            raise fail(
                where,
                "`hidden` is a Series that is not boolean",
                "pass a boolean Series (True: not published) or a list of area ids",
            )
        return frozenset(hidden.index[hidden.to_numpy(dtype=bool)])
    if isinstance(hidden, str) or not hasattr(hidden, "__iter__"):
        raise fail(where, f"`hidden` is {hidden!r}", "pass a list of area ids or a boolean Series")
    return frozenset(hidden)


@immutable
@dataclass(frozen=True, repr=False)
class PublishedRate:
    r"""A rate published per area: :math:`m \cdot x_i / n_i`, rounded to ``decimals``.

    Parameters
    ----------
    name : str
        Name of the rate (used by :class:`PublishedIndex`).
    numerator, denominator : str or sequence of str
        Count columns (summed) of the table passed to :func:`audit_linear`; a name
        with a leading ``-`` is subtracted, as in
        :class:`~sozplan.indicators.IndicatorSpec` (``["einwohner",
        "-einwohner_65_plus"]``).
    multiplier : float, default 100
        Scale :math:`m` (100: per cent).
    decimals : int or None, default 1
        Published decimals; ``None``: the rate is not published itself (it only
        defines a rate used by an index).
    hidden : sequence of ids or boolean Series, default ()
        Areas whose value of this rate is not published (e.g. because a count
        behind it is suppressed).

    Examples
    --------
    >>> PublishedRate("sgb2_quote", "sgb2", "einwohner", decimals=1, hidden=["03"])
    PublishedRate('sgb2_quote' = 100 * sgb2 / einwohner, 1 decimal(s), hidden in 1 area(s))
    """

    name: str
    numerator: Any
    denominator: Any
    multiplier: float = 100.0
    decimals: int | None = 1
    hidden: Any = frozenset()

    def __post_init__(self) -> None:
        where = "PublishedRate"
        _check_published(self, where)
        object.__setattr__(self, "numerator", _names(self.numerator, "numerator", where))
        object.__setattr__(self, "denominator", _names(self.denominator, "denominator", where))
        m = self.multiplier
        if not isinstance(m, int | float | np.number) or isinstance(m, bool) or not m > 0:
            raise fail(where, f"`multiplier` is {m!r}", "pass a positive number, e.g. 100")
        object.__setattr__(self, "multiplier", float(m))

    @classmethod
    def from_spec(cls, spec: Any, *, decimals: int | None = 1, hidden: Any = ()) -> PublishedRate:
        """Build the rate of an :class:`~sozplan.indicators.IndicatorSpec` (named by its key).

        Examples
        --------
        >>> from sozplan.indicators import load_catalog
        >>> rate = PublishedRate.from_spec(load_catalog()["sgb2_quote"])
        >>> rate.name, rate.denominator
        ('sgb2_quote', ('einwohner', '-einwohner_65_plus'))
        """
        return cls(
            spec.key,
            tuple(spec.numerator),
            tuple(spec.denominator),
            multiplier=spec.multiplier,
            decimals=decimals,
            hidden=hidden,
        )

    def __repr__(self) -> str:
        shown = "not published" if self.decimals is None else f"{self.decimals} decimal(s)"
        hid = f", hidden in {len(self.hidden)} area(s)" if self.hidden else ""
        return (
            f"PublishedRate({self.name!r} = {self.multiplier:g} * {_terms_text(self.numerator)}"
            f" / {_terms_text(self.denominator)}, {shown}{hid})"
        )


@immutable
@dataclass(frozen=True, repr=False)
class PublishedIndex:
    r"""An index published per area that is affine in rates: :math:`c_0 + \sum_k a_k r_{ik}`.

    Composite indices built from z-scores of rates (the status index of the Berlin
    MSS, most social indices) are of this form once the means and standard deviations
    are fixed; an attacker who knows the method and the published moments can use
    every published index value as one linear equation in the rates, and so in the
    counts behind them (see :func:`audit_linear`).

    Parameters
    ----------
    name : str
    coefficients : mapping of rate name to float
        :math:`a_k` for the rates (names of :class:`PublishedRate`).
    intercept : float, default 0
        :math:`c_0`.
    decimals : int or None, default 3
        Published decimals; ``None``: not published.
    hidden : sequence of ids or boolean Series, default ()
        Areas whose index value is not published.

    Examples
    --------
    >>> PublishedIndex("status", {"a": 0.5, "b": -0.25}, intercept=1.0, decimals=2)
    PublishedIndex('status' = 1 + 0.5 * a - 0.25 * b, 2 decimal(s))
    """

    name: str
    coefficients: Any
    intercept: float = 0.0
    decimals: int | None = 3
    hidden: Any = frozenset()

    def __post_init__(self) -> None:
        where = "PublishedIndex"
        _check_published(self, where)
        coef = self.coefficients
        pairs = tuple(coef.items()) if isinstance(coef, Mapping) else tuple(coef)
        ok = bool(pairs) and all(
            isinstance(p, tuple)
            and len(p) == 2
            and isinstance(p[1], int | float | np.number)
            and math.isfinite(float(p[1]))
            for p in pairs
        )
        if not ok:
            raise fail(
                where,
                f"`coefficients` is {coef!r}",
                "pass a mapping of rate names to finite numbers, e.g. {'sgb2_quote': 0.2}",
            )
        object.__setattr__(self, "coefficients", tuple((str(k), float(a)) for k, a in pairs))
        if not isinstance(self.intercept, int | float | np.number) or not math.isfinite(
            float(self.intercept)
        ):
            raise fail(where, f"`intercept` is {self.intercept!r}", "pass a finite number")
        object.__setattr__(self, "intercept", float(self.intercept))

    @classmethod
    def from_standardized(
        cls,
        name: str,
        means: Mapping[str, float],
        sds: Mapping[str, float],
        *,
        weights: Mapping[str, float] | None = None,
        center: float = 0.0,
        scale: float = 1.0,
        decimals: int | None = 3,
        hidden: Any = (),
    ) -> PublishedIndex:
        r"""Index of z-scores: :math:`I = (\sum_k w_k (r_k - \mu_k)/\sigma_k - c)/s`.

        With :math:`a_k = w_k / (\sigma_k s)` and :math:`c_0 = -(\sum_k w_k \mu_k /
        \sigma_k + c)/s`. ``weights`` carry the direction (``-1`` for an indicator where
        a high value is good) and ``1/K`` for a mean of ``K`` z-scores (default 1 each);
        ``center`` and ``scale`` re-standardise the sum (the MSS status index).

        Examples
        --------
        >>> ix = PublishedIndex.from_standardized(
        ...     "status", means={"a": 10.0, "b": 4.0}, sds={"a": 2.0, "b": 1.0})
        >>> ix.coefficients, ix.intercept
        ((('a', 0.5), ('b', 1.0)), -9.0)
        """
        where = "PublishedIndex.from_standardized"
        keys = list(means)
        missing = [k for k in keys if k not in sds]
        if missing or not keys:
            raise fail(
                where,
                f"`sds` lacks {format_values(missing)}" if missing else "`means` is empty",
                "give a mean and a standard deviation for every rate",
            )
        w = dict.fromkeys(keys, 1.0) if weights is None else dict(weights)
        if set(w) != set(keys):
            raise fail(where, "`weights` and `means` name different rates", "name the same rates")
        bad = [k for k in keys if not float(sds[k]) > 0] + ([] if scale > 0 else ["scale"])
        if bad:
            raise fail(
                where,
                f"standard deviation of {format_values(bad)} is not positive",
                "pass positive standard deviations",
            )
        coef = {k: w[k] / (float(sds[k]) * scale) for k in keys}
        c0 = -(sum(w[k] * float(means[k]) / float(sds[k]) for k in keys) + center) / scale
        return cls(name, coef, intercept=c0, decimals=decimals, hidden=hidden)

    @classmethod
    def from_moments(
        cls,
        name: str,
        moments: pd.DataFrame,
        indicators: Sequence[str],
        sum_row: str,
        *,
        combine: str = "sum",
        decimals: int | None = 3,
        hidden: Any = (),
    ) -> PublishedIndex:
        r"""Build the index of a z-score monitoring result from its ``moments`` table.

        ``moments`` has the rows ``indicators`` and ``sum_row`` with the columns
        ``mean``, ``sd`` and ``direction``, as
        :attr:`sozplan.index.StatusDynamics.moments`: the index is
        :math:`(\sum_k d_k (r_k - \mu_k)/\sigma_k - \mu_S)/\sigma_S` (the sum, or
        the mean with ``combine="mean"``).

        Examples
        --------
        >>> import pandas as pd
        >>> moments = pd.DataFrame(
        ...     {"mean": [10.0, 4.0, 0.0], "sd": [2.0, 1.0, 1.5], "direction": [1, -1, None]},
        ...     index=["a", "b", "status_sum"])
        >>> ix = PublishedIndex.from_moments("status", moments, ["a", "b"], "status_sum")
        >>> [round(a, 4) for _, a in ix.coefficients], round(ix.intercept, 4)
        ([0.3333, -0.6667], -0.6667)
        """
        where = "PublishedIndex.from_moments"
        need = [*indicators, sum_row]
        missing = [k for k in need if k not in moments.index]
        if missing or not {"mean", "sd", "direction"} <= set(moments.columns):
            raise fail(
                where,
                f"`moments` lacks the row(s) {format_values(missing)}"
                if missing
                else "`moments` lacks the columns mean, sd, direction",
                "pass the `moments` of the StatusDynamics result of these indicators",
            )
        if combine not in ("sum", "mean"):
            raise fail(where, f"`combine` is {combine!r}", "pass 'sum' or 'mean'")
        k = len(indicators) if combine == "mean" else 1
        weights = {c: float(moments.loc[c, "direction"]) / k for c in indicators}
        return cls.from_standardized(
            name,
            {c: float(moments.loc[c, "mean"]) for c in indicators},
            {c: float(moments.loc[c, "sd"]) for c in indicators},
            weights=weights,
            center=float(moments.loc[sum_row, "mean"]),
            scale=float(moments.loc[sum_row, "sd"]),
            decimals=decimals,
            hidden=hidden,
        )

    def __repr__(self) -> str:
        terms = " ".join(f"{'-' if a < 0 else '+'} {abs(a):g} * {k}" for k, a in self.coefficients)
        shown = "not published" if self.decimals is None else f"{self.decimals} decimal(s)"
        hid = f", hidden in {len(self.hidden)} area(s)" if self.hidden else ""
        return f"PublishedIndex({self.name!r} = {self.intercept:g} {terms}, {shown}{hid})"


@immutable
@dataclass(frozen=True, repr=False)
class LinearAudit:
    """Result of :func:`audit_linear`: what an attacker can infer about every hidden cell.

    Attributes
    ----------
    cells : DataFrame
        One row per hidden cell (index: area id, column): ``true_value`` (for the
        auditor only; never publish it), ``lower`` and ``upper`` (the integer bounds
        the attacker can prove), ``width`` (``upper - lower``) and ``determined``
        (``width < threshold``).
    threshold : float
        Protection threshold: a hidden cell is *determined* if the attacker's interval
        is narrower (1: only exact recovery counts).
    relations : tuple of (str, int)
        Number of linear relations used, per kind (``sum``, ``rate``, ``index``).
    notes : tuple of str
        What the audit could not check exactly (relaxed relations, LPs that failed).
    """

    cells: pd.DataFrame
    threshold: float
    relations: tuple = ()
    notes: tuple = ()

    @property
    def n_determined(self) -> int:
        """Number of hidden cells the attacker determines."""
        return int(self.cells["determined"].sum())

    @property
    def determined(self) -> pd.DataFrame:
        """The rows of :attr:`cells` that are determined."""
        return self.cells[self.cells["determined"].to_numpy(dtype=bool)]

    def to_frame(self) -> pd.DataFrame:
        """Return :attr:`cells` (a copy): one row per hidden cell."""
        return self.cells.copy()

    def _summary(self) -> str:
        rel = ", ".join(f"{n} {k}" for k, n in self.relations) or "no relation"
        return (
            f"LinearAudit: {len(self.cells)} hidden cell(s), {self.n_determined} determined "
            f"(interval narrower than {self.threshold:g}); relations: {rel}"
        )

    def __repr__(self) -> str:
        lines = [self._summary()]
        if self.n_determined:
            lines.append(self.determined.head(10).to_string())
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        table = self.determined.head(20).to_html() if self.n_determined else ""
        return (
            f"<div><p>{html.escape(self._summary())}</p>{table}"
            + (f"<ul>{notes}</ul>" if notes else "")
            + "</div>"
        )


@immutable
@dataclass(frozen=True, repr=False)
class SafePrecision:
    """Result of :func:`safe_precision`: publication decimals that determine no hidden cell.

    Attributes
    ----------
    decimals : mapping of str to int or None
        Chosen decimals per rate and index name.
    requested : mapping of str to int or None
        The decimals asked for.
    steps : tuple of str
        Why: every reduction, with the number of determined cells before and after.
    audit : LinearAudit
        The audit at the chosen decimals.
    rates, indices : tuple
        The :class:`PublishedRate` and :class:`PublishedIndex` with the chosen decimals.
    """

    decimals: Mapping[str, int | None]
    requested: Mapping[str, int | None]
    steps: tuple
    audit: LinearAudit
    rates: tuple = ()
    indices: tuple = ()

    @property
    def safe(self) -> bool:
        """True if no hidden cell is determined at the chosen decimals."""
        return self.audit.n_determined == 0

    def to_frame(self) -> pd.DataFrame:
        """One row per rate and index: requested and chosen decimals."""
        return pd.DataFrame(
            {
                "kind": ["rate"] * len(self.rates) + ["index"] * len(self.indices),
                "requested": pd.array([self.requested[k] for k in self.decimals], dtype="Int64"),
                "chosen": pd.array(list(self.decimals.values()), dtype="Int64"),
            },
            index=pd.Index(list(self.decimals), name="name"),
        )

    def __repr__(self) -> str:
        state = "safe" if self.safe else f"NOT safe: {self.audit.n_determined} determined"
        chosen = ", ".join(f"{k}: {v}" for k, v in self.decimals.items())
        return "\n".join([f"SafePrecision ({state}): {chosen}", *self.steps])

    def _repr_html_(self) -> str:
        steps = "".join(f"<li>{html.escape(s)}</li>" for s in self.steps)
        return (
            f"<div><p>{html.escape(repr(self).splitlines()[0])}</p>"
            f"{self.to_frame().to_html()}<ul>{steps}</ul></div>"
        )


@dataclass
class _Problem:
    """The attacker's knowledge as range rows ``lb <= a . x <= ub`` over hidden counts."""

    cells: list  # (row position, column) per count variable
    n_vars: int
    rows: list  # (dict var -> coef, lb, ub, kind)
    bounds: list  # (lb, ub) per variable
    notes: list


def _published(value: float, decimals: int) -> tuple[float, float]:
    """Return the published value (as write_table formats it) and its rounding half-width."""
    p = float(f"{value:.{decimals}f}")
    return p, 0.5 * 10.0**-decimals + 1e-9 * max(1.0, abs(p))


def _build(
    frame: pd.DataFrame,
    mask: pd.DataFrame,
    lines: Sequence,
    rates: Sequence[PublishedRate],
    indices: Sequence[PublishedIndex],
) -> _Problem:
    """Build the attacker's problem: table lines, published rates and indices as rows."""
    cols = list(mask.columns)
    hid = mask.to_numpy(dtype=bool)
    cells = [(int(i), cols[j]) for i, j in np.argwhere(hid)]
    var = {c: k for k, c in enumerate(cells)}
    values = {c: frame[c].to_numpy(dtype=float) for c in frame.columns if c in _used(cols, rates)}
    rows: list = []
    notes: list = []
    bounds: list = [(0.0, None)] * len(cells)
    rows.extend(_line_rows(lines, cols, var, values))
    published = _rate_rows(frame.index, rates, var, values, rows)
    n_relaxed = _index_rows(frame.index, rates, indices, var, values, published, rows, bounds)
    if n_relaxed:
        notes.append(
            f"{n_relaxed} rate value(s) inside an index have a hidden denominator; they enter "
            "as variables bounded by their published interval (a linear relaxation of "
            "rate = numerator / denominator), so the attacker may know more than shown there"
        )
    return _Problem(cells, len(bounds), rows, bounds, notes)


def _line_rows(lines: Sequence, cols: list, var: dict, values: dict) -> list:
    """Equality rows of the table's sum lines over the hidden cells."""
    rows = []
    for _name, spec, external in lines:
        coef: dict = {}
        known = 0.0
        for i, j, a in spec:
            k = var.get((i, cols[j]))
            if k is None:
                known += a * values[cols[j]][i]
            else:
                coef[k] = coef.get(k, 0.0) + a
        if coef:
            total = sum(a * values[cols[j]][i] for i, j, a in spec) if external else 0.0
            rows.append((coef, total - known, total - known, "sum"))
    return rows


def _expr(var: dict, values: dict, i: int, names: tuple) -> tuple[float, dict, float]:
    """Split a sum of terms in row ``i`` into known constant, hidden coefficients, truth."""
    const, truth = 0.0, 0.0
    coef: dict[int, float] = {}
    for term in names:
        c, sign = _term(term)
        v = sign * values[c][i]
        truth += v
        k = var.get((i, c))
        if k is None:
            const += v
        else:
            coef[k] = coef.get(k, 0.0) + sign
    return const, coef, truth


def _link(
    coef_n: dict, const_n: float, coef_d: dict, const_d: float, m: float, r: float
) -> tuple[dict, float]:
    """Row for m * N - r * D (as coefficients and constant)."""
    out = {k: m * a for k, a in coef_n.items()}
    for k, a in coef_d.items():
        out[k] = out.get(k, 0.0) - r * a
    return out, m * const_n - r * const_d


def _rate_rows(
    ids: pd.Index, rates: Sequence[PublishedRate], var: dict, values: dict, rows: list
) -> dict:
    """Append the rows of the published rates; return each rate's published interval."""
    published: dict = {}
    for rate in rates:
        if rate.decimals is None:
            continue
        m = rate.multiplier
        for i in range(len(ids)):
            if ids[i] in rate.hidden:
                continue
            cn, vn, tn = _expr(var, values, i, rate.numerator)
            cd, vd, td = _expr(var, values, i, rate.denominator)
            if not (td > 0 and np.isfinite(tn)):  # no value, nothing published
                continue
            p, h = _published(m * tn / td, rate.decimals)
            published[(rate.name, i)] = (p - h, p + h)
            if not vn and not vd:
                continue
            if not vd:  # denominator known: the rate is linear in the numerator's cells
                s = m / cd
                rows.append(
                    ({k: s * a for k, a in vn.items()}, p - h - s * cn, p + h - s * cn, "rate")
                )
            else:  # m N <= (p + h) D and m N >= (p - h) D, both linear in (N, D)
                up, c_up = _link(vn, cn, vd, cd, m, p + h)
                lo, c_lo = _link(vn, cn, vd, cd, m, p - h)
                rows.append((up, -np.inf, -c_up, "rate"))
                rows.append((lo, -c_lo, np.inf, "rate"))
    return published


def _index_rows(
    ids: pd.Index,
    rates: Sequence[PublishedRate],
    indices: Sequence[PublishedIndex],
    var: dict,
    values: dict,
    published: dict,
    rows: list,
    bounds: list,
) -> int:
    """Append the rows of the published indices; return how many rates were relaxed."""
    by_name = {r.name: r for r in rates}
    rate_var: dict = {}
    n_relaxed = 0
    for ix in indices:
        if ix.decimals is None:
            continue
        for i in range(len(ids)):
            if ids[i] in ix.hidden:
                continue
            coef: dict[int, float] = {}
            const, truth, ok = ix.intercept, ix.intercept, True
            for name, a in ix.coefficients:
                rate = by_name[name]
                m = rate.multiplier
                cn, vn, tn = _expr(var, values, i, rate.numerator)
                cd, vd, td = _expr(var, values, i, rate.denominator)
                if not (td > 0 and np.isfinite(tn)):
                    ok = False
                    break
                truth += a * m * tn / td
                if not vd:
                    s = a * m / cd
                    const += s * cn
                    for k, b in vn.items():
                        coef[k] = coef.get(k, 0.0) + s * b
                    continue
                # hidden denominator: the rate is a variable bounded by what is published
                # and linked to the counts by m N <= hi D, m N >= lo D (a relaxation)
                k = rate_var.get((name, i))
                if k is None:
                    k = len(bounds)
                    rate_var[(name, i)] = k
                    lo_r, hi_r = published.get((name, i), (0.0, None))
                    bounds.append((max(lo_r, 0.0), hi_r))
                    n_relaxed += 1
                    if hi_r is not None:
                        up, c_up = _link(vn, cn, vd, cd, m, hi_r)
                        rows.append((up, -np.inf, -c_up, "rate"))
                    if lo_r > 0:
                        lo, c_lo = _link(vn, cn, vd, cd, m, lo_r)
                        rows.append((lo, -c_lo, np.inf, "rate"))
                coef[k] = coef.get(k, 0.0) + a
            if not ok or not coef:
                continue
            p, h = _published(truth, ix.decimals)
            rows.append((coef, p - h - const, p + h - const, "index"))
    return n_relaxed


def _terms_text(terms: tuple) -> str:
    """Write terms as ``a``, or ``(a + b - c)`` for several."""
    parts = [(_term(t)[0], _term(t)[1]) for t in terms]
    text = " ".join(f"{'-' if s < 0 else '+'} {c}" for c, s in parts)
    text = text[2:] if text.startswith("+ ") else text
    return text if len(parts) == 1 else f"({text})"


def _term(term: Hashable) -> tuple[Hashable, float]:
    """Column and sign of a term: ``"-einwohner_65_plus"`` subtracts (as in IndicatorSpec)."""
    if isinstance(term, str) and term.startswith("-"):
        return term[1:], -1.0
    return term, 1.0


def _used(cols: Sequence, rates: Sequence[PublishedRate]) -> set:
    used = set(cols)
    for r in rates:
        used.update(_term(t)[0] for t in (*r.numerator, *r.denominator))
    return used


def _solve(
    prob: _Problem, targets: Sequence[int], fixed: Mapping[int, float] | None = None
) -> tuple[np.ndarray, np.ndarray, list]:
    """Min and max of each target count over the attacker's integer feasible set (HiGHS).

    Each bound is first found by a linear program; when its optimum is not a whole
    number (rounding intervals of rates cut the polytope between integers), a
    mixed-integer program with the counts integral gives the exact integer bound.
    """
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp
    from scipy.sparse import coo_matrix, csr_matrix, vstack
    from scipy.sparse.csgraph import connected_components

    n, notes = prob.n_vars, []
    r_idx, c_idx, vals = [], [], []
    for r, (coef, _lb, _ub, _kind) in enumerate(prob.rows):
        for k, a in coef.items():
            r_idx.append(r)
            c_idx.append(k)
            vals.append(a)
    a_all = csr_matrix(coo_matrix((vals, (r_idx, c_idx)), shape=(len(prob.rows), n)))
    lb = np.array([row[1] for row in prob.rows], dtype=float)
    ub = np.array([row[2] for row in prob.rows], dtype=float)
    # independent blocks of variables (linked by no relation) are solved separately
    incidence = (a_all != 0).astype(np.int8)
    adjacency = (incidence.T @ incidence).tocsr()
    _, comp = connected_components(adjacency, directed=False)
    row_comp = np.full(len(prob.rows), -1)
    rows_of = a_all.tocoo()
    row_comp[rows_of.row] = comp[rows_of.col]
    lower = np.full(len(targets), np.nan)
    upper = np.full(len(targets), np.nan)
    by_comp: dict = {}
    for t, k in enumerate(targets):
        by_comp.setdefault(int(comp[k]), []).append((t, k))
    for c, items in by_comp.items():
        vidx = np.flatnonzero(comp == c)
        ridx = np.flatnonzero(row_comp == c)
        pos = {int(v): j for j, v in enumerate(vidx)}
        sub = a_all[ridx][:, vidx]
        if sub.shape[0] * sub.shape[1] <= 4_000_000:  # dense input: less overhead in linprog
            sub = sub.toarray()
        slb, sub_ub = lb[ridx], ub[ridx]
        eq = np.isclose(slb, sub_ub, rtol=0, atol=1e-12)
        fin_ub = ~eq & np.isfinite(sub_ub)
        fin_lb = ~eq & np.isfinite(slb)
        stack = vstack if hasattr(sub, "tocsr") else np.vstack
        a_ub = stack([sub[fin_ub], -sub[fin_lb]]) if (fin_ub.any() or fin_lb.any()) else None
        b_ub = np.concatenate([sub_ub[fin_ub], -slb[fin_lb]]) if a_ub is not None else None
        a_eq = sub[eq] if eq.any() else None
        b_eq = slb[eq] if eq.any() else None
        # variables known to hold one value are fixed (the presolve then removes them)
        fix = fixed or {}
        bnds = [(fix[v], fix[v]) if v in fix else prob.bounds[v] for v in vidx.tolist()]
        integral = (vidx < len(prob.cells)).astype(int)
        box = Bounds([b[0] for b in bnds], [np.inf if b[1] is None else b[1] for b in bnds])
        rows = LinearConstraint(sub, slb, sub_ub) if len(ridx) else None
        for t, k in items:
            cost = np.zeros(len(vidx))
            for sign in (1.0, -1.0):
                cost[pos[k]] = sign
                res = linprog(
                    cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bnds, method="highs"
                )
                if res.status == 0:
                    val = sign * res.fun
                    if abs(val - round(val)) > 1e-6:
                        mip = milp(cost, integrality=integral, bounds=box, constraints=rows)
                        if mip.status == 0:
                            val = sign * mip.fun
                        else:
                            notes.append(
                                f"the integer program failed for one cell ({mip.message})"
                            )
                elif res.status == 3:  # unbounded
                    val = -np.inf if sign > 0 else np.inf
                else:
                    val = np.nan
                    notes.append(f"the linear program failed for one cell ({res.message})")
                if sign > 0:
                    lower[t] = val
                else:
                    upper[t] = val
    return lower, upper, notes


def _prepare(
    counts: Any,
    hidden: Any,
    rates: Any,
    indices: Any,
    by: Any,
    additive: Any,
    totals: bool,
    threshold: Any,
    where: str,
):
    """Validate the inputs of :func:`audit_linear` and :func:`safe_precision`."""
    if isinstance(counts, Suppression):
        if hidden is not None or by is not None or additive is not None:
            raise fail(
                where,
                "a Suppression brings its hidden cells and relations, but `hidden`, `by` or "
                "`additive` was passed too",
                "pass either a Suppression alone, or the counts with hidden=, by=, additive=",
            )
        frame, mask = counts.original, counts.mask
        lines = [ln for ln in counts.lines if totals or not ln[2]]
    else:
        check_frame(counts, arg="counts", where=where)
        check_unique_index(counts, arg="counts", where=where)
        if not isinstance(hidden, pd.DataFrame):
            raise fail(
                where,
                f"`hidden` is {type(hidden).__name__}",
                "pass a boolean DataFrame (True: cell not published) with count columns of "
                "`counts`, or a Suppression as `counts`",
            )
        check_columns(counts, list(hidden.columns), arg="hidden", where=where)
        if set(hidden.index) != set(counts.index) or len(hidden) != len(counts):
            extra = [i for i in hidden.index if i not in counts.index]
            missing = [i for i in counts.index if i not in hidden.index]
            raise fail(
                where,
                "`hidden` is not on the areas of `counts`"
                + (f" (unknown ids {format_values(extra)})" if extra else "")
                + (f" (missing ids {format_values(missing)})" if missing else ""),
                "build it on the index of `counts`",
            )
        mask = hidden.reindex(counts.index)
        if not all(pd.api.types.is_bool_dtype(mask[c]) for c in mask.columns):
            raise fail(where, "`hidden` is not boolean", "pass True for hidden cells, else False")
        frame = counts
        cols = list(mask.columns)
        if by is not None:
            check_columns(counts, [by], arg="by", where=where, numeric=False)
        for total, parts in (additive or {}).items():
            check_columns(counts, [total, *parts], arg="additive", where=where)
        lines = _lines(counts, cols, by, additive)
        lines = [ln for ln in lines if totals or not ln[2]]
    rates = tuple(rates)
    indices = tuple(indices)
    for r in rates:
        if not isinstance(r, PublishedRate):
            raise fail(where, f"`rates` holds a {type(r).__name__}", "pass PublishedRate objects")
    names = [r.name for r in rates]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise fail(where, f"`rates` names {format_values(dup)} twice", "give every rate one name")
    for ix in indices:
        if not isinstance(ix, PublishedIndex):
            raise fail(
                where, f"`indices` holds a {type(ix).__name__}", "pass PublishedIndex objects"
            )
        unknown = [k for k, _ in ix.coefficients if k not in names]
        if unknown:
            raise fail(
                where,
                f"index {ix.name!r} uses rate(s) {format_values(unknown)} not in `rates`",
                f"define them as PublishedRate(..., decimals=None) if they are not published; "
                f"known rates: {format_values(names, 12)}",
            )
    used = sorted(_used(list(mask.columns), rates), key=str)
    check_columns(frame, used, arg="rates", where=where)
    table_cols = list(mask.columns)
    # the auditor needs every cell of the protected table; a missing count elsewhere
    # (a denominator of a rate) only means that value cannot have been published
    check_counts(frame, table_cols, arg="counts", where=where, integer=True)
    check_counts(
        frame, [c for c in used if c not in table_cols], arg="counts", where=where, allow_nan=True
    )
    for obj in (*rates, *indices):
        unknown = [i for i in obj.hidden if i not in frame.index]
        if unknown:
            raise fail(
                where,
                f"{obj.name!r} hides unknown area id(s) {format_values(unknown)}",
                "use ids of the index of `counts`",
            )
    if (
        not isinstance(threshold, int | float | np.number)
        or isinstance(threshold, bool)
        or not threshold > 0
    ):
        raise fail(where, f"`threshold` is {threshold!r}", "pass a positive number, e.g. 1 or 3")
    return frame, mask, lines, rates, indices, float(threshold)


def _pinned(prob: _Problem) -> dict[int, float]:
    """Count variables that a single one-variable relation fixes to one whole number."""
    lo = np.zeros(len(prob.cells))
    hi = np.full(len(prob.cells), np.inf)
    for coef, lb, ub, _kind in prob.rows:
        if len(coef) != 1:
            continue
        ((k, a),) = coef.items()
        if k >= len(prob.cells) or a == 0:
            continue
        b1, b2 = (lb / a, ub / a) if a > 0 else (ub / a, lb / a)
        lo[k] = max(lo[k], b1)
        hi[k] = min(hi[k], b2)
    with np.errstate(invalid="ignore"):
        lo_i, hi_i = np.ceil(lo - 1e-6), np.floor(hi + 1e-6)
    return {int(k): float(lo_i[k]) for k in np.flatnonzero(lo_i == hi_i)}


def _audit(frame, mask, lines, rates, indices, threshold, only=None) -> LinearAudit:
    prob = _build(frame, mask, lines, rates, indices)
    targets = list(range(len(prob.cells)))
    if only is not None:
        targets = [k for k in targets if (frame.index[prob.cells[k][0]], prob.cells[k][1]) in only]
    # a cell pinned to one integer by a single relation (a rate with a known base) needs no
    # LP: every further relation can only confirm that value
    pinned = _pinned(prob)
    todo = [k for k in targets if k not in pinned]
    lo_s, hi_s, notes = _solve(prob, todo, pinned) if todo else (np.array([]), np.array([]), [])
    solved = dict(zip(todo, zip(lo_s, hi_s, strict=True), strict=True))
    lo = np.array([pinned[k] if k in pinned else solved[k][0] for k in targets], dtype=float)
    hi = np.array([pinned[k] if k in pinned else solved[k][1] for k in targets], dtype=float)
    with np.errstate(invalid="ignore"):
        lo_i = np.ceil(lo - 1e-6)
        hi_i = np.floor(hi + 1e-6)
    cells = [prob.cells[k] for k in targets]
    truth = np.array([frame[c].to_numpy(dtype=float)[i] for i, c in cells])
    width = hi_i - lo_i
    index = pd.MultiIndex.from_tuples(
        [(frame.index[i], c) for i, c in cells], names=[frame.index.name or "id", "column"]
    )
    table = pd.DataFrame(
        {
            "true_value": truth,
            "lower": lo_i,
            "upper": hi_i,
            "width": width,
            "determined": np.nan_to_num(width, nan=np.inf) < threshold,
        },
        index=index,
    )
    kinds = [row[3] for row in prob.rows]
    relations = tuple((k, kinds.count(k)) for k in _KINDS if kinds.count(k))
    all_notes = list(prob.notes) + notes
    if not len(prob.cells):
        all_notes.append("no hidden cell: nothing to protect, nothing was checked")
    return LinearAudit(table, threshold, relations, tuple(all_notes))


def audit_linear(
    counts: pd.DataFrame | Suppression,
    hidden: pd.DataFrame | None = None,
    *,
    rates: Sequence[PublishedRate] = (),
    indices: Sequence[PublishedIndex] = (),
    by: Hashable | None = None,
    additive: Mapping[Hashable, Sequence[Hashable]] | None = None,
    totals: bool = True,
    threshold: float = 1.0,
) -> LinearAudit:
    r"""Play the attacker: what can be inferred about hidden counts from everything published.

    A report publishes counts (some hidden), their totals, rates rounded to a few
    decimals and indices computed from the rates. Each of them is a linear relation in
    the hidden counts :math:`x \ge 0`, which the attacker knows:

    - a published count total (column, group of ``by``) or row relation
      (``additive``): :math:`\sum_c x_c = T` (as in :func:`audit_suppression`);
    - a rate :math:`r = m\,N/D` published as :math:`p` with :math:`d` decimals:
      :math:`p - h \le m N / D \le p + h`, :math:`h = \tfrac12 10^{-d}`; with a known
      denominator this bounds the numerator's hidden cells, with a hidden denominator
      it is the pair of linear inequalities :math:`m N \le (p+h) D`,
      :math:`m N \ge (p-h) D`;
    - an index :math:`I = c_0 + \sum_k a_k r_k` (:class:`PublishedIndex`) published
      with :math:`d` decimals: :math:`|c_0 + \sum_k a_k r_k - p| \le h`, linear in the
      counts of every rate whose denominator is known. (A rate with a hidden
      denominator enters as a variable bounded by its published interval, a
      relaxation noted in the result.)

    For every hidden cell the attacker's interval is the minimum and maximum of the
    cell over the whole numbers in this polyhedron: two linear programs (HiGHS via
    :func:`scipy.optimize.linprog`, solved per block of linked cells), and where an
    optimum is fractional a mixed-integer program (:func:`scipy.optimize.milp`); a cell
    that a single relation pins to one value needs neither. A cell is **determined**
    if the interval is narrower than
    ``threshold`` (1: exact recovery). The audit is the linear-programming attack of
    disclosure control (Hundepool et al. 2012, sec. 4.2; Fischetti & Salazar-González
    2001) extended by the rounding intervals of derived statistics.

    Parameters
    ----------
    counts : DataFrame or Suppression
        The true counts (auditor's view: one row per area, unique ids) including the
        columns the rates use; or the result of :func:`suppress_small_counts`, which
        brings the hidden cells and the relations it protected.
    hidden : DataFrame of bool, optional
        True for every hidden (not published) cell, for count columns of ``counts``;
        needed unless ``counts`` is a Suppression.
    rates : sequence of PublishedRate
        Rates published per area, with their decimals and hidden areas.
    indices : sequence of PublishedIndex
        Indices affine in the rates, with their decimals and hidden areas.
    by : str, optional
        Column of ``counts`` whose groups have published totals.
    additive : dict {total column: [part columns]}, optional
        Row relations that hold in the published table.
    totals : bool, default True
        The column totals (the city) and group totals are published.
    threshold : float, default 1
        Protection threshold on the width of the attacker's integer interval, e.g.
        the ``min_count`` of the suppression to demand that a hidden cell stays
        uncertain by at least that many cases. Since counts are not negative, a cell
        that passes ``threshold=min_count`` also cannot be proven to be a small count
        (its upper bound is at least ``min_count``).

    Returns
    -------
    LinearAudit
        ``cells`` (one row per hidden cell: ``true_value``, ``lower``, ``upper``,
        ``width``, ``determined``), ``n_determined``, the relations used and notes.

    Raises
    ------
    InputError
        Counts that are not non-negative whole numbers or NaN, a ``hidden`` frame not on
        the areas of ``counts``, a rate or index naming unknown columns, rates or ids.

    References
    ----------
    Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley, ch. 4.
    doi:10.1002/9781118348239

    Fischetti, M., & Salazar-González, J. J. (2001). Solving the cell suppression
    problem on tabular data with linear constraints. Management Science 47(7),
    1008-1027. doi:10.1287/mnsc.47.7.1008.9805

    See Also
    --------
    safe_precision : choose decimals of rates and indices so that nothing is determined.
    audit_suppression : the same attack with the count relations only.

    Examples
    --------
    One area hides its count of transfer recipients (``sgb2``); its residents are
    published, and so is the rate with one decimal: 2 of 950 residents is 0.2 %,
    which confines the count to [1.43, 2.38], i.e. exactly 2.

    >>> import pandas as pd
    >>> from sozplan.disclosure import PublishedRate, audit_linear
    >>> counts = pd.DataFrame({"sgb2": [2, 40], "ew": [950, 800]}, index=["a", "b"])
    >>> hidden = pd.DataFrame({"sgb2": [True, False]}, index=counts.index)
    >>> rate = PublishedRate("quote", "sgb2", "ew", decimals=1)
    >>> audit_linear(counts, hidden, rates=[rate], totals=False).cells
               true_value  lower  upper  width  determined
    id column
    a  sgb2           2.0    2.0    2.0    0.0        True

    Rounded to whole per cent (0 %), the count is only known to be below 5:

    >>> rate0 = PublishedRate("quote", "sgb2", "ew", decimals=0)
    >>> audit_linear(counts, hidden, rates=[rate0], totals=False).n_determined
    0
    """
    frame, mask, lines, rates, indices, thr = _prepare(
        counts, hidden, rates, indices, by, additive, totals, threshold, _WHERE_AUDIT
    )
    return _audit(frame, mask, lines, rates, indices, thr)


def safe_precision(
    counts: pd.DataFrame | Suppression,
    hidden: pd.DataFrame | None = None,
    *,
    rates: Sequence[PublishedRate] = (),
    indices: Sequence[PublishedIndex] = (),
    by: Hashable | None = None,
    additive: Mapping[Hashable, Sequence[Hashable]] | None = None,
    totals: bool = True,
    threshold: float = 1.0,
    min_decimals: int = 0,
) -> SafePrecision:
    r"""Choose the decimals of published rates and indices so that no hidden cell is determined.

    Starts from the decimals of ``rates`` and ``indices`` (the wish) and runs
    :func:`audit_linear`. While cells are determined it lowers the precision of one
    relation by one decimal: the one whose reduction leaves the fewest determined
    cells (ties: the one with the most decimals, indices before rates, then the
    given order). Only the determined cells are re-examined for each trial (fewer
    decimals widen every rounding interval around the true value); every accepted
    step is checked by a full audit. It stops when nothing is determined, or when not
    even every rate and index at ``min_decimals`` would protect the cells still
    determined; then the result says which cells remain (hide those rate or index
    values, or suppress more counts) and keeps the decimals that did not help.

    Parameters
    ----------
    counts, hidden, rates, indices, by, additive, totals, threshold
        As for :func:`audit_linear`.
    min_decimals : int, default 0
        Never go below this many decimals.

    Returns
    -------
    SafePrecision
        ``decimals`` chosen per name, ``steps`` (why), ``audit`` at the chosen
        decimals, ``safe``, and ``rates`` and ``indices`` with the chosen decimals.

    Examples
    --------
    Two areas; area ``a`` hides its count of unemployed (``alo``). Its status index
    is 0.5 x unemployment rate + 0.5 x transfer rate, published with 3 decimals:

    >>> import pandas as pd
    >>> from sozplan.disclosure import PublishedIndex, PublishedRate, safe_precision
    >>> counts = pd.DataFrame({"alo": [7, 30], "sgb2": [40, 50], "ew": [700, 900]},
    ...                       index=["a", "b"])
    >>> hidden = pd.DataFrame({"alo": [True, True]}, index=counts.index)
    >>> rates = [PublishedRate("alo_q", "alo", "ew", decimals=None),
    ...          PublishedRate("sgb2_q", "sgb2", "ew", decimals=1)]
    >>> index = PublishedIndex("status", {"alo_q": 0.5, "sgb2_q": 0.5}, decimals=3)
    >>> res = safe_precision(counts, hidden, rates=rates, indices=[index], totals=False)
    >>> dict(res.decimals)
    {'alo_q': None, 'sgb2_q': 1, 'status': 1}
    >>> for step in res.steps:
    ...     print(step)
    status: 3 -> 2 decimal(s): determined hidden cells 2 -> 2
    status: 2 -> 1 decimal(s): determined hidden cells 2 -> 0

    By hand for area ``a``: the transfer rate 40/700 = 5.714 % is published as 5.7,
    so within [5.65, 5.75]; the index 3.357 with two decimals (3.36) confines the
    unemployment rate to 2 x [3.355, 3.365] - [5.65, 5.75] = [0.96, 1.08] %, i.e.
    ``alo`` to [6.7, 7.6] of 700: exactly 7. With one decimal (3.4) it is [0.95, 1.25] %,
    ``alo`` in {7, 8}.
    """
    where = "safe_precision"
    frame, mask, lines, rates, indices, thr = _prepare(
        counts, hidden, rates, indices, by, additive, totals, threshold, where
    )
    md_checked = _check_decimals(min_decimals, where)
    if md_checked is None:
        raise fail(where, "`min_decimals` is None", "pass an integer >= 0, e.g. 0")
    md: int = md_checked
    requested = {r.name: r.decimals for r in rates} | {ix.name: ix.decimals for ix in indices}
    dup = [ix.name for ix in indices if ix.name in {r.name for r in rates}]
    if dup:
        raise fail(where, f"{format_values(dup)} names both a rate and an index", "rename one")
    current = dict(requested)

    def specs(dec: Mapping) -> tuple[tuple, tuple]:
        return (
            tuple(dataclasses.replace(r, decimals=dec[r.name]) for r in rates),
            tuple(dataclasses.replace(ix, decimals=dec[ix.name]) for ix in indices),
        )

    audit = _audit(frame, mask, lines, *specs(current), thr)
    steps: list[str] = []
    if audit.n_determined == 0:
        steps.append("no hidden cell is determined at the requested decimals")
    order = [ix.name for ix in indices] + [r.name for r in rates]
    while audit.n_determined:
        bad = set(audit.determined.index)
        trials: list[tuple[int, int, int, str]] = []
        for pos, name in enumerate(order):
            d = current[name]
            if d is None or d <= md:
                continue
            trial = dict(current, **{name: d - 1})
            n = _audit(frame, mask, lines, *specs(trial), thr, only=bad).n_determined
            trials.append((n, -d, pos, name))
        floor: dict[str, int | None] = {
            k: (v if v is None else min(v, md)) for k, v in current.items()
        }
        stuck = not trials or (
            min(trials)[0] >= len(bad)
            and _audit(frame, mask, lines, *specs(floor), thr, only=bad).n_determined >= len(bad)
        )
        if stuck:  # no rounding of the published values protects these cells
            cells = ", ".join(f"{i}/{c}" for i, c in sorted(bad, key=str)[:8])
            steps.append(
                f"{len(bad)} hidden cell(s) stay determined even with every rate and index at "
                f"{md} decimal(s) ({cells}); hide the rate or index values of these areas "
                "or suppress more counts"
            )
            break
        n, minus_d, _, name = min(trials)
        before = audit.n_determined
        current[name] = -minus_d - 1
        audit = _audit(frame, mask, lines, *specs(current), thr)
        steps.append(
            f"{name}: {-minus_d} -> {-minus_d - 1} decimal(s): determined hidden "
            f"cells {before} -> {audit.n_determined}"
        )
    r_out, i_out = specs(current)
    return SafePrecision(
        decimals=MappingProxyType(current),
        requested=MappingProxyType(requested),
        steps=tuple(steps),
        audit=audit,
        rates=r_out,
        indices=i_out,
    )


public_functions(globals())
