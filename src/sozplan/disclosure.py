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

import html
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
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
)
from sozplan.errors import InputError
from sozplan.plotting import format_number

__all__ = [
    "DisclosureError",
    "Suppression",
    "audit_suppression",
    "check_disclosure",
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
        coef = {}
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
    for c in columns:
        v = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.isfinite(v) & (v > 0) & (v < min_count)
        if bad.any():
            raise DisclosureError(
                f"check_disclosure: {name} shows counts below {min_count} in column {c!r} at "
                f"{format_values(df.index[bad])}; suppress them with suppress_small_counts "
                "first, or allow "
                "small counts explicitly (report configuration: disclosure: "
                "publish_small_counts: true)."
            )
