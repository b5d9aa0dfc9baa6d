r"""Change of M between two tables: Elbers' decompositions (Shapley, Karmel-Maclachlan, MRC).

Private module behind :func:`sozplan.segregation.decompose_change` and
:func:`sozplan.segregation.ipf`. Tables are (units x groups) count matrices; rows are
matched by the area ids of the two frames, columns by the group names.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Hashable, Sequence
from math import factorial
from typing import Any

import numpy as np
import pandas as pd

from sozplan.checks import (
    check_alpha,
    check_draws,
    check_frame,
    check_rng,
    check_unique_index,
    count_block,
    fail,
    format_values,
)
from sozplan.errors import DataQualityWarning
from sozplan.segregation._draws import MultinomialSampler
from sozplan.segregation._validate import xlogy_ratio

__all__ = ["ipf"]

METHODS = ("shapley", "shapley_detailed", "km", "mrc", "shapley_flat")
#: R's ``create_common_data(fill_na = 1e-10)``: the count put into empty cells of the
#: common table before fitting (smaller if the smallest positive count is below it)
FILL = 1e-10


# ------------------------------------------------------------------- kernels
# Tables have a leading batch axis: (B, n, K) counts, one pair of tables per draw.


def m_value(counts: np.ndarray) -> float:
    """Mutual information (natural log) of an (n, K) table; rows without people weigh 0."""
    return float(m_batch(np.asarray(counts, dtype=float)[None])[0])


def row_sums(c: np.ndarray) -> np.ndarray:
    """Sum over the groups, (B, n): a matrix product, several times faster than ``sum``."""
    return c @ np.ones(c.shape[-1])


def col_sums(c: np.ndarray) -> np.ndarray:
    """Sum over the units, (B, K)."""
    return np.ones(c.shape[-2]) @ c


def m_batch(c: np.ndarray) -> np.ndarray:
    """Mutual information (natural log) of each (n, K) table of a (B, n, K) batch."""
    grp = col_sums(c)
    total = grp.sum(axis=1)
    t = row_sums(c)[:, :, None]
    share = grp[:, None, :] / np.where(total > 0, total, 1)[:, None, None]
    info = xlogy_ratio(c, np.where(c > 0, t * share, 1.0)).sum(axis=(1, 2))
    return np.divide(info, total, out=np.zeros_like(info), where=total > 0)


def local_scores(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return unit shares ``p_u`` and local scores ``ls_u`` of a (B, n, K) batch."""
    total = c.sum(axis=(1, 2))[:, None]
    t = c.sum(axis=2)
    share = c.sum(axis=1) / total
    cond = np.divide(c, t[..., None], out=np.zeros_like(c), where=t[..., None] > 0)
    ratio = np.where(cond > 0, cond / np.where(share > 0, share, 1)[:, None, :], 1.0)
    return t / total, (cond * np.log(ratio)).sum(axis=2)


def ipf_fit(
    seed: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    where: str,
) -> np.ndarray:
    """Fit ``seed`` to row and column shares; shapes (B, n, K), (B, n), (B, K) or unbatched.

    Returns shares that sum to 1 per table. Rows or columns with a zero target stay zero.
    """
    batched = seed.ndim == 3
    if not batched:
        seed, rows, cols = seed[None], rows[None], cols[None]
    rows = rows / rows.sum(axis=1, keepdims=True)
    cols = cols / cols.sum(axis=1, keepdims=True)
    fit = seed / seed.sum(axis=(1, 2), keepdims=True)
    r = row_sums(fit)
    for _ in range(max_iter):
        fit *= np.divide(rows, r, out=np.zeros_like(r), where=r > 0)[:, :, None]
        c = col_sums(fit)
        fit *= np.divide(cols, c, out=np.zeros_like(c), where=c > 0)[:, None, :]
        # the column margins are exact now; the row sums are also the next step's
        r = row_sums(fit)
        if np.abs(r - rows).max() <= tol:
            return fit if batched else fit[0]
    raise fail(
        where,
        f"iterative proportional fitting did not converge in {max_iter} iterations "
        "(the zero pattern of one table cannot carry the margins of the other)",
        "raise `max_iter` or loosen `tol`, or merge sparse units/groups",
    )


# ------------------------------------------------------------ the components


def _common(c1: np.ndarray, c2: np.ndarray) -> tuple[np.ndarray, ...]:
    """Units (B, n) and groups (B, K) present in both tables, and the tables masked to them."""
    rows = (row_sums(c1) > 0) & (row_sums(c2) > 0)
    cols = (col_sums(c1) > 0) & (col_sums(c2) > 0)
    mask = rows[:, :, None] & cols[:, None, :]
    return rows, cols, mask, np.where(mask, c1, 0.0), np.where(mask, c2, 0.0)


def _fill(c1: np.ndarray, c2: np.ndarray, mask: np.ndarray, o1: np.ndarray, o2: np.ndarray) -> Any:
    """Replace empty cells of the common tables by a tiny count, as R's segregation does."""
    big = np.inf
    low = np.minimum(
        np.where(c1 > 0, c1, big).min(axis=(1, 2)), np.where(c2 > 0, c2, big).min(axis=(1, 2))
    )
    fill = np.where(low >= FILL, FILL, low / 1000)[:, None, None]
    empty1, empty2 = mask & (o1 == 0), mask & (o2 == 0)
    return np.where(empty1, fill, o1), np.where(empty2, fill, o2), int(empty1.sum() + empty2.sum())


def change_parts(
    c1: np.ndarray,
    c2: np.ndarray,
    method: str,
    *,
    tol: float,
    max_iter: int,
    where: str,
) -> tuple[dict[str, np.ndarray], pd.DataFrame, dict[str, Any]]:
    """Components (natural log) of ``M(c2) - M(c1)`` for a batch of aligned table pairs.

    ``c1`` and ``c2`` have shape (B, n, K): the same rows (union of the areas) and
    columns (groups); absent units and groups are rows/columns of zeros. All B pairs are
    decomposed at once (one proportional fitting over the batch per counterfactual).
    Returns the ordered components (arrays of shape (B,)), the counterfactual values of
    M of the first pair and a dict with by-unit detail and bookkeeping.
    """
    m1, m2 = m_batch(c1), m_batch(c2)
    rows, cols, mask, o1, o2 = _common(c1, c2)
    if (rows.sum(axis=1) < 1).any() or (cols.sum(axis=1) < 1).any():
        raise fail(
            where,
            "the two tables share no populated area or no group",
            "index both tables by the same area ids and use the same group columns",
        )
    m1r, m2r = m_batch(o1), m_batch(o2)
    head = {"M1": m1, "M2": m2, "difference": m2 - m1, "additions": m2 - m2r, "removals": m1r - m1}
    info: dict[str, Any] = {"rows": rows[0], "cols": cols[0], "n_zero_cells": 0}
    if method == "mrc":
        return {**head, **_mrc(o1, o2)}, pd.DataFrame(), info
    f1, f2, info["n_zero_cells"] = _fill(c1, c2, mask, o1, o2)
    tables = {1: f1, 2: f2}
    margins = {k: (row_sums(v), col_sums(v)) for k, v in tables.items()}
    fits: dict[tuple[int, int, int], np.ndarray] = {}

    def fitted(u: int, g: int, s: int) -> np.ndarray:
        """Tables with unit margins of ``u``, group margins of ``g``, structure of ``s``."""
        if (u, g, s) not in fits:
            if u == g == s:
                fits[(u, g, s)] = o1 if s == 1 else o2  # R: unadjusted counts
            else:
                fits[(u, g, s)] = ipf_fit(
                    tables[s],
                    margins[u][0],
                    margins[g][1],
                    tol=tol,
                    max_iter=max_iter,
                    where=where,
                )
        return fits[(u, g, s)]

    values: dict[tuple[int, int, int], np.ndarray] = {}

    def m(u: int, g: int, s: int) -> np.ndarray:
        if (u, g, s) not in values:
            values[(u, g, s)] = m_batch(fitted(u, g, s))
        return values[(u, g, s)]

    if method == "km":
        parts = _km(f1, f2, m1r, m2r, m(2, 2, 1))
    elif method == "shapley_flat":
        parts = _flat_shapley(m)
    else:
        # R's shapley_compute, with m_XYZ = M(group margins X, unit margins Y, structure Z)
        aaa, bbb = m(1, 1, 1), m(2, 2, 2)
        bba, aab = m(2, 2, 1), m(1, 1, 2)
        aba, baa = m(2, 1, 1), m(1, 2, 1)  # ABA: units from 2; BAA: groups from 2
        bab, abb = m(1, 2, 2), m(2, 1, 2)
        parts = {
            "group_marginal": 0.25 * (baa - aaa + (bba - aba) + bbb - abb + (bab - aab)),
            "unit_marginal": 0.25 * (aba - aaa + (bba - baa) + bbb - bab + (abb - aab)),
            "structural": 0.5 * (aab - aaa) + 0.5 * (bbb - bba),
        }
        if method == "shapley_detailed":
            keep = rows[0]
            p1, ls_aaa = local_scores(fitted(1, 1, 1)[:1])
            p2, ls_bbb = local_scores(fitted(2, 2, 2)[:1])
            _, ls_aab = local_scores(fitted(1, 1, 2)[:1])
            _, ls_bba = local_scores(fitted(2, 2, 1)[:1])
            d1, d2 = (ls_aab - ls_aaa)[0, keep], (ls_bbb - ls_bba)[0, keep]
            p1, p2 = p1[0, keep], p2[0, keep]
            info["by_unit"] = pd.DataFrame(
                {
                    "p1": p1,
                    "p2": p2,
                    "ls_diff1": d1,
                    "ls_diff2": d2,
                    "ls_diff_mean": 0.5 * d1 + 0.5 * d2,
                    "total": 0.5 * p1 * d1 + 0.5 * p2 * d2,
                }
            )
    details = pd.DataFrame(
        [
            {"unit_marginal": u, "group_marginal": g, "structure": s, "M": float(v[0])}
            for (u, g, s), v in sorted(values.items())
        ]
    )
    return {**head, **parts}, details, info


def _flat_shapley(m: Any) -> dict[str, np.ndarray]:
    """Three-player Shapley value over (unit margins, group margins, structure)."""
    names = ("unit_marginal", "group_marginal", "structural")
    out: dict[str, np.ndarray] = {}
    for j, name in enumerate(names):
        others = [i for i in range(3) if i != j]
        phi = np.zeros(())  # broadcasts to the shape of m's values
        for size in range(3):
            for subset in itertools.combinations(others, size):
                w = factorial(size) * factorial(2 - size) / factorial(3)
                state = [1, 1, 1]
                for i in subset:
                    state[i] = 2
                without = m(*state)
                state[j] = 2
                phi = phi + w * (m(*state) - without)
        out[name] = phi
    return {k: out[k] for k in ("group_marginal", "unit_marginal", "structural")}


def _km(
    f1: np.ndarray, f2: np.ndarray, m1r: np.ndarray, m2r: np.ndarray, m_bba: np.ndarray
) -> dict[str, np.ndarray]:
    """Karmel-Maclachlan: table 1 brought to table 2's margins, one factor at a time."""
    g1, g2 = col_sums(f1), col_sums(f2)
    u1, u2 = row_sums(f1), row_sums(f2)
    g_adj = f1 * np.divide(g2, g1, out=np.zeros_like(g1), where=g1 > 0)[:, None, :]
    u_adj = f1 * np.divide(u2, u1, out=np.zeros_like(u1), where=u1 > 0)[:, :, None]
    mix, mix_g, mix_u = m_bba - m1r, m_batch(g_adj) - m1r, m_batch(u_adj) - m1r
    return {
        "group_marginal": mix_g,
        "unit_marginal": mix_u,
        "interaction": mix - mix_g - mix_u,
        "structural": m2r - m_bba,
    }


def _mrc(o1: np.ndarray, o2: np.ndarray) -> dict[str, np.ndarray]:
    """Mora & Ruiz-Castillo (2009): M = E(groups) + sum_u p_u sum_g p(g|u) log p(g|u)."""

    def parts(c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        total = c.sum(axis=(1, 2))
        t = c.sum(axis=2)
        cond = np.divide(c, t[..., None], out=np.zeros_like(c), where=t[..., None] > 0)
        share = c.sum(axis=1) / total[:, None]
        ent = -xlogy_ratio(share, np.ones_like(share)).sum(axis=1)
        return t / total[:, None], xlogy_ratio(cond, np.ones_like(cond)).sum(axis=2), ent

    p1, s1, e1 = parts(o1)
    p2, s2, e2 = parts(o2)
    return {
        "group_marginal": e2 - e1,
        "unit_marginal": 0.5 * ((p2 - p1) * s2).sum(axis=1) + 0.5 * ((p2 - p1) * s1).sum(axis=1),
        "structural": 0.5 * (p1 * (s2 - s1)).sum(axis=1) + 0.5 * (p2 * (s2 - s1)).sum(axis=1),
    }


# --------------------------------------------------------------- the tables


def aligned_tables(
    df1: pd.DataFrame, df2: pd.DataFrame, cols: Sequence[Hashable], where: str
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Both tables on the union of their area ids (rows of zeros where an area is absent)."""
    blocks = []
    for d, arg in ((df1, "df1"), (df2, "df2")):
        check_frame(d, arg=arg, where=where)
        check_unique_index(d, arg=arg, where=where)
        blocks.append(pd.DataFrame(count_block(d, list(cols), where=where), index=d.index))
    ids = blocks[0].index.append(blocks[1].index[~blocks[1].index.isin(blocks[0].index)])
    c1 = blocks[0].reindex(ids, fill_value=0.0).to_numpy(dtype=float)
    c2 = blocks[1].reindex(ids, fill_value=0.0).to_numpy(dtype=float)
    for c, arg in ((c1, "df1"), (c2, "df2")):
        if (c.sum(axis=0) > 0).sum() < 1 or c.sum() <= 0:
            raise fail(where, f"`{arg}` has no members in any group", "pass populated tables")
    return c1, c2, ids


def change_warnings(
    c1: np.ndarray, c2: np.ndarray, info: dict[str, Any], names: Sequence[str], method: str
) -> list[str]:
    """Messages (also issued as DataQualityWarning) about absent groups and filled zeros."""
    msgs = []
    g1, g2 = c1.sum(axis=0) > 0, c2.sum(axis=0) > 0
    only2 = [n for n, a, b in zip(names, g1, g2, strict=True) if b and not a]
    only1 = [n for n, a, b in zip(names, g1, g2, strict=True) if a and not b]
    never = [n for n, a, b in zip(names, g1, g2, strict=True) if not a and not b]
    if never:
        msgs.append(
            f"group(s) {format_values(never)} have no members in either table and were left "
            "out (as R's segregation does)"
        )
    if only2:
        msgs.append(
            f"group(s) {format_values(only2)} have no members in table 1: their effect is "
            "counted under `additions` (as in R's segregation)"
        )
    if only1:
        msgs.append(
            f"group(s) {format_values(only1)} have no members in table 2: their effect is "
            "counted under `removals` (as in R's segregation)"
        )
    if info["n_zero_cells"] and method != "mrc":
        msgs.append(
            f"{info['n_zero_cells']} empty cell(s) of the common areas x groups were set to a "
            f"tiny count ({FILL:g}, as R's segregation does) so that the proportional fitting "
            "can carry the other table's margins; the observed M1 and M2 are unaffected"
        )
    for msg in msgs:
        warnings.warn(msg, DataQualityWarning, stacklevel=3)
    return msgs


# ---------------------------------------------------------------- bootstrap


def bootstrap_summary(estimate: pd.Series, draws: np.ndarray, ci: float) -> pd.DataFrame:
    """R's ``se = TRUE`` summary: bias-corrected estimate, se, bias and an interval.

    ``draws`` has one row per bootstrap table and one column per entry of ``estimate``.
    The bias is ``mean(draws) - estimate``; the reported estimate is ``estimate - bias``;
    the interval is the percentile interval of the draws moved onto the corrected
    estimate (shifted by ``-2 bias``; for a symmetric bootstrap distribution this is the
    basic bootstrap interval).
    """
    with warnings.catch_warnings():  # statistics undefined in every draw stay NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(draws, axis=0)
        sd = np.nanstd(draws, axis=0, ddof=1)
        q = [(1 - ci) / 2, 1 - (1 - ci) / 2]
        lo, hi = np.quantile(draws, q, axis=0)
        gaps = np.flatnonzero(np.isnan(draws).any(axis=0))
        if len(gaps):  # only where a draw left a statistic undefined (e.g. an empty area)
            lo[gaps], hi[gaps] = np.nanquantile(draws[:, gaps], q, axis=0)
    bias = mean - estimate.to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "estimate": estimate.to_numpy(dtype=float) - bias,
            "se": sd,
            "bias": bias,
            "ci_low": lo - 2 * bias,
            "ci_high": hi - 2 * bias,
        },
        index=estimate.index,
    )


def multinomial_tables(counts: np.ndarray, n_bootstrap: int, rng: Any, where: str) -> np.ndarray:
    """Individual-level bootstrap: ``n_bootstrap`` tables drawn cell-wise from ``counts``.

    Each table redraws the population, person by person, from the observed cell shares
    (a multinomial over all cells, as R's ``stats::rmultinom`` in ``se = TRUE``).
    """
    total = counts.sum()
    if not np.isclose(total, round(total)):
        raise fail(
            where,
            f"the table holds {total:g} persons, not a whole number",
            "the bootstrap redraws persons: pass whole-number counts (scale weights up)",
        )

    flat = counts.ravel()
    out = np.empty((n_bootstrap, flat.size))
    MultinomialSampler(round(total), flat / flat.sum()).draw(rng, out)
    return out.reshape((n_bootstrap, *counts.shape))


def check_bootstrap_args(n_bootstrap: Any, ci: Any, rng: Any, where: str) -> Any:
    """Validate ``n_bootstrap`` and ``ci``; return a numpy Generator."""
    check_draws(n_bootstrap, arg="n_bootstrap", where=where, minimum=2, example=100)
    check_alpha(ci, arg="ci", where=where, example=0.95)
    return check_rng(rng, where=where)


# --------------------------------------------------------------------- ipf


def ipf(
    source: pd.DataFrame,
    target: pd.DataFrame,
    groups: Sequence[Hashable],
    *,
    tol: float = 1e-10,
    max_iter: int = 10_000,
) -> pd.DataFrame:
    r"""Adjust a table's margins to another table's by iterative proportional fitting.

    Returns the table of ``source`` rescaled so that its area totals and group totals
    have the shares of ``target`` while its association (all odds ratios) stays that of
    ``source`` (Deming & Stephan 1940). As in R's ``segregation::ipf``, only the areas
    and groups present in both tables are kept and empty cells are first set to a tiny
    count (:math:`10^{-10}`) so that every margin can be reached. The fitted counts add
    up to the population of ``target`` on the common cells, so that its margins are
    reproduced as counts (R's current version rescales to the population of
    ``source``; the shares are the same).

    .. math:: \hat n_{ug} \propto a_u\, b_g\, n^{(s)}_{ug}, \qquad
              \textstyle\sum_g \hat n_{ug} \propto n^{(t)}_{u\cdot}, \quad
              \sum_u \hat n_{ug} \propto n^{(t)}_{\cdot g}

    Parameters
    ----------
    source, target : DataFrame
        One row per area (matched by index) with the group count columns.
    groups : list of str
        Group columns (present in both).
    tol : float, default 1e-10
        Largest allowed absolute difference between fitted and target margin shares.
        (R's default precision is 1e-3 on shares.)
    max_iter : int, default 10000

    Returns
    -------
    DataFrame
        Indexed by the common area ids, one column per common group, fitted counts.

    References
    ----------
    Deming, W. E., & Stephan, F. F. (1940). On a least squares adjustment of a sampled
    frequency table when the expected marginal totals are known. Annals of Mathematical
    Statistics 11(4), 427-444. doi:10.1214/aoms/1177731829; Karmel, T., & Maclachlan, M.
    (1988). Occupational sex segregation - increasing or decreasing? Economic Record
    64(3), 187-195. doi:10.1111/j.1475-4932.1988.tb02057.x

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"a": [30, 10], "b": [10, 30]}, index=["x", "y"])
    >>> t = pd.DataFrame({"a": [50, 30], "b": [10, 10]}, index=["x", "y"])
    >>> fit = ipf(s, t, ["a", "b"])
    >>> (fit.sum(axis=0) / fit.to_numpy().sum()).round(3).tolist()
    [0.8, 0.2]
    >>> odds = fit.loc["x", "a"] * fit.loc["y", "b"] / (fit.loc["x", "b"] * fit.loc["y", "a"])
    >>> round(float(odds), 6)
    9.0
    """
    where = "ipf"
    cols = list(groups)
    c1, c2, ids = aligned_tables(source, target, cols, where)
    rows, keep, mask, o1, o2 = _common(c1[None], c2[None])
    f1, f2, _ = _fill(c1[None], c2[None], mask, o1, o2)
    fit = ipf_fit(f1, f2.sum(axis=2), f2.sum(axis=1), tol=tol, max_iter=max_iter, where=where)
    fit = fit[0][np.ix_(rows[0], keep[0])]
    return pd.DataFrame(
        fit * f2.sum(),
        index=ids[rows[0]],
        columns=[c for c, k in zip(cols, keep[0], strict=True) if k],
    )
