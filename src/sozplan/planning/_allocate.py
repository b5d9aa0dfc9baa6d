"""Need-based allocation of a budget over areas, exact to the cent, with floors and caps."""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.population import population_values
from sozplan._core.text import german
from sozplan.checks import check_frame, check_unique_index, fail, format_values
from sozplan.errors import InputError
from sozplan.planning._common import (
    as_values,
    check_finite,
    check_probability,
    html_block,
)
from sozplan.planning._costs import Targeting, targeting
from sozplan.plotting import FigureDisplay

__all__ = [
    "Allocation",
    "AllocationComparison",
    "allocate",
    "compare_allocations",
]


def _to_cents(value: float, *, arg: str, where: str) -> int:
    cents = round(value * 100)
    if abs(value * 100 - cents) > 1e-6 * max(1.0, abs(value)):
        raise fail(
            where,
            f"`{arg}` is {value!r}, which is not a whole number of cents",
            "round it to cents (two decimals)",
        )
    return int(cents)


def _solve_scale(
    u: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: float
) -> tuple[float, np.ndarray]:
    r"""Solve :math:`\sum_i \min(\max(t u_i, l_i), h_i) = T` for :math:`t` exactly.

    The breakpoints :math:`l_i/u_i` and :math:`h_i/u_i` are handled on the log scale,
    so any ratio of needs works (no overflow). Returns ``t`` (may be ``inf`` for
    extreme ratios; only reported) and the continuous allocation. Assumes
    :math:`\sum l \le T \le S(\infty)`.
    """
    pos = u > 0
    if total <= lo.sum() or not pos.any():
        return 0.0, lo.copy()
    logu = np.full(len(u), -np.inf)
    logu[pos] = np.log(u[pos])
    with np.errstate(divide="ignore"):
        cand = np.r_[np.log(lo[pos]) - logu[pos], np.log(hi[pos]) - logu[pos]]
    bps = np.unique(cand[np.isfinite(cand)])

    def x_of(logt: float) -> np.ndarray:
        with np.errstate(over="ignore"):
            scaled = np.where(pos, np.exp(logt + np.where(pos, logu, 0.0)), 0.0)
        return np.clip(scaled, lo, hi)

    # largest breakpoint with S <= total (S is non-decreasing in t)
    k, a, b = -1, 0, len(bps) - 1
    while a <= b:
        mid = (a + b) // 2
        if x_of(bps[mid]).sum() <= total:
            k, a = mid, mid + 1
        else:
            b = mid - 1
    left = bps[k] if k >= 0 else -np.inf
    right = bps[k + 1] if k + 1 < len(bps) else np.inf
    if np.isfinite(left) and np.isfinite(right):
        logt_mid = (left + right) / 2
    elif np.isfinite(left):
        logt_mid = left + 1.0
    elif np.isfinite(right):
        logt_mid = right - 1.0
    else:
        logt_mid = 0.0
    log_mid = logt_mid + np.where(pos, logu, 0.0)
    with np.errstate(divide="ignore"):
        at_lo = ~pos | (log_mid <= np.log(np.where(lo > 0, lo, 0.0)))
        at_hi = pos & ~at_lo & (log_mid >= np.log(np.where(np.isfinite(hi), hi, np.inf)))
    free = pos & ~at_lo & ~at_hi
    x = np.where(at_lo, lo, np.where(at_hi, hi, 0.0))
    if free.any():
        rest = total - x[~free].sum()
        u_free = u[free]
        x[free] = rest * (u_free / u_free.sum())
        with np.errstate(over="ignore", divide="ignore"):
            t = rest / u_free.sum()
    else:  # flat segment: S == total at the left breakpoint
        x = x_of(left)
        t = float(np.exp(left)) if np.isfinite(left) else 0.0
    return float(t), x


def _pick(cand: np.ndarray, key: np.ndarray, tiebreak: np.ndarray, count: int) -> np.ndarray:
    """Return the ``count`` candidates with the largest ``key``, in O(n).

    Ties are broken by the larger ``tiebreak``, then the lower position.
    """
    if count >= len(cand):
        return cand
    f = key[cand]
    kth = len(cand) - count
    v = np.partition(f, kth)[kth]
    sure = cand[f > v]
    ties = cand[f == v]
    ties = ties[np.lexsort((ties, -tiebreak[ties]))][: count - len(sure)]
    return np.concatenate([sure, ties])


def _round_cents(
    x: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: int, tiebreak: np.ndarray
) -> np.ndarray:
    """Round ``x`` (cents) to integers summing to ``total`` within bounds (largest remainder).

    Every value is rounded down; the remaining cents go one each to the largest
    remainders (ties: larger ``tiebreak``, then input order), never above ``hi``; if
    rounding down overshoots (floating point), cents are taken back from the smallest
    remainders, never below ``lo``. Linear time (partition instead of a full sort).
    """
    base = np.clip(np.floor(x + 1e-7), lo, hi)
    frac = x - base
    rest = round(total - base.sum())
    out = base.astype(np.int64)
    while rest != 0:
        if rest > 0:
            cand = np.flatnonzero(out < hi)
            take = _pick(cand, frac, tiebreak, rest)
            if len(take) == 0:  # pragma: no cover - excluded by the bound checks
                raise InputError(
                    "allocate: internal rounding failure (no area can take another cent)"
                )
            out[take] += 1
            rest -= len(take)
        else:
            cand = np.flatnonzero(out > lo)
            take = _pick(cand, -frac, -tiebreak, -rest)
            if len(take) == 0:  # pragma: no cover
                raise InputError("allocate: internal rounding failure (no area can give a cent)")
            out[take] -= 1
            rest += len(take)
        frac = frac.copy()
        frac[take] = -np.inf if rest > 0 else np.inf  # a second round (rare) spreads further cents
    return out


@immutable
@dataclass(frozen=True, repr=False)
class Allocation:
    """A budget distributed over areas; see :func:`allocate`.

    Attributes
    ----------
    table : DataFrame
        One row per area (input index and order), see :meth:`to_frame`.
    budget : float
        The budget in euros.
    base_share : float
        Share of the budget distributed as a base amount.
    scale : float
        The factor :math:`t` applied to the unconstrained amounts of the free areas.
    rule : str
        The rule in words.
    settings : dict
        All options, for the record.
    """

    table: pd.DataFrame
    budget: float
    base_share: float
    scale: float
    rule: str
    settings: dict = field(default_factory=dict)
    notes: tuple[str, ...] = field(default=())

    @property
    def amount(self) -> pd.Series:
        """Amount per area in euros (on the input index)."""
        return self.table["amount"]

    @property
    def n_floored(self) -> int:
        """Number of areas raised to their floor."""
        return int(self.table["floored"].sum())

    @property
    def n_capped(self) -> int:
        """Number of areas held at their cap."""
        return int(self.table["capped"].sum())

    def to_frame(self) -> pd.DataFrame:
        """One row per area, explaining its amount.

        Columns: ``need`` (as given), ``need_weight`` (need x population, or need),
        ``population`` (if given), ``base_part`` and ``need_part`` (the unconstrained
        amounts of the rule), ``unconstrained`` (their sum), ``floor`` and ``cap``,
        ``amount`` (euros, two decimals), ``amount_cents`` (integer, sums exactly to the
        budget), ``adjustment`` (amount minus unconstrained: what floors and caps
        moved), ``floored`` and ``capped`` flags, ``share`` (% of the budget) and
        ``per_resident`` (if population is given).
        """
        return self.table.copy()

    def _title(self) -> str:
        return (
            f"Allocation of {self.budget:,.2f} EUR over {len(self.table)} areas "
            f"({self.n_floored} at floor, {self.n_capped} at cap): {self.rule}"
        )

    def __repr__(self) -> str:
        cols = [
            c
            for c in ("need", "base_part", "need_part", "amount", "floored", "capped")
            if c in self.table
        ]
        return "\n".join(
            [
                self._title(),
                self.table[cols].round(2).to_string(max_rows=12),
                *[f"note: {n}" for n in self.notes],
            ]
        )

    def _repr_html_(self) -> str:
        cols = [
            c
            for c in (
                "need",
                "population",
                "base_part",
                "need_part",
                "floor",
                "cap",
                "amount",
                "adjustment",
                "floored",
                "capped",
                "share",
            )
            if c in self.table
        ]
        return html_block(self._title(), self.table[cols], self.notes)

    def targeting(
        self, need: Hashable | pd.Series | None = None, *, top: float = 0.2
    ) -> Targeting:
        """Measure the targeting of this allocation (:func:`targeting`), by default on its need."""
        tab = self.table
        pop = "population" if "population" in tab else None
        if need is None:
            need = tab["need"]
        return targeting(tab, "amount", need, population=pop, top=top)

    def plot(self, ax: Any = None, *, language: str = "de", max_areas: int = 60) -> FigureDisplay:
        """Bars of the amount per area (highest need first), split into base and need part.

        Floors and caps are marked; with more than ``max_areas`` areas, only the first
        ``max_areas`` by need are drawn (the title says so).
        """
        import matplotlib.pyplot as plt

        de = german(language, "Allocation.plot")
        tab = self.table.sort_values("need_weight", ascending=False, kind="stable")
        n_all = len(tab)
        tab = tab.head(max_areas)
        if ax is None:
            _, ax = plt.subplots(figsize=(max(6, len(tab) * 0.18), 4))
        x = np.arange(len(tab))
        ax.bar(x, tab["amount"], color="C0", label="Betrag" if de else "amount")
        ax.plot(
            x,
            tab["unconstrained"],
            "k_",
            ms=8,
            label="ohne Unter-/Obergrenze" if de else "unconstrained",
        )
        fl = tab["floored"].to_numpy()
        cp = tab["capped"].to_numpy()
        if fl.any():
            ax.bar(
                x[fl], tab["amount"][fl], color="C2", label="Sockel/Untergrenze" if de else "floor"
            )
        if cp.any():
            ax.bar(x[cp], tab["amount"][cp], color="C3", label="Obergrenze" if de else "cap")
        ax.set_xticks(x, tab.index.astype(str), rotation=90, fontsize=6)
        ax.set_ylabel("Euro")
        shown = (
            f" ({len(tab)} von {n_all})"
            if de and n_all > len(tab)
            else (f" ({len(tab)} of {n_all})" if n_all > len(tab) else "")
        )
        ax.set_title(
            (
                "Verteilung nach Bedarf, höchster Bedarf links"
                if de
                else "Allocation by need, highest need left"
            )
            + shown
        )
        ax.legend(fontsize="small")
        alt = (
            "Balken: Betrag je Gebiet, höchster Bedarf zuerst"
            if de
            else "Bars: amount per area, highest need first"
        )
        return FigureDisplay.from_axes(ax, "allocation", alt)


def _need_values(df: pd.DataFrame, need: Any, where: str) -> np.ndarray:
    """Need per area: finite and non-negative, else InputError."""
    n = as_values(df, need, arg="need", where=where, allow_none=False, scalar_ok=False)
    check_finite(n, df.index, arg="need", where=where)
    if (n < 0).any():
        raise fail(
            where,
            f"`need` is negative for {format_values(df.index[n < 0])} "
            f"(values {', '.join(f'{v:g}' for v in n[n < 0][:5])})",
            "need must be >= 0; shift a z-score index (e.g. index - index.min()) or use a "
            "count of "
            "people in need",
        )
    return n


def _cent_bounds(
    df: pd.DataFrame, floor: Any, cap: Any, where: str
) -> tuple[np.ndarray, np.ndarray]:
    """Floors (rounded up) and caps (rounded down) per area in cents; checked."""
    lo_e = _bound(df, floor, arg="floor", where=where, default=0.0)
    hi_e = _bound(df, cap, arg="cap", where=where, default=np.inf)
    if (lo_e < 0).any():
        raise fail(
            where,
            f"`floor` is negative for {format_values(df.index[lo_e < 0])}",
            "floors must be >= 0",
        )
    if (hi_e < 0).any():
        raise fail(
            where,
            f"`cap` is negative for {format_values(df.index[hi_e < 0])}",
            "caps must be >= 0",
        )
    lo = np.ceil(np.round(lo_e * 100, 6))
    hi = np.where(np.isfinite(hi_e), np.floor(np.round(hi_e * 100, 6)), np.inf)
    crossed = hi < lo
    if crossed.any():
        shown = ", ".join(
            f"{i!r} ({a:g} > {b:g})"
            for i, a, b in zip(
                df.index[crossed][:5], lo_e[crossed][:5], hi_e[crossed][:5], strict=True
            )
        )
        raise fail(
            where,
            f"`cap` is below `floor` in {int(crossed.sum())} area(s): {shown}",
            "make every cap at least as large as the floor",
        )
    return lo, hi


def _rule_text(s: float, per_resident: bool, floors: bool, caps: bool, t: float) -> str:
    """One line describing the allocation rule."""
    parts = []
    if s > 0:
        parts.append(f"{s:.0%} base " + ("per resident" if per_resident else "equal per area"))
    if s < 1:
        parts.append(f"{1 - s:.0%} by need" + (" x residents" if per_resident else ""))
    if floors:
        parts.append("floors")
    if caps:
        parts.append("caps")
    return (
        ", ".join(parts) + "; free areas scaled by t = " + f"{t:.6g}" + "; largest-remainder cents"
    )


def _bound(df: pd.DataFrame, value: Any, *, arg: str, where: str, default: float) -> np.ndarray:
    if value is None:
        return np.full(len(df), default)
    out = as_values(df, value, arg=arg, where=where, allow_none=False)
    if np.isnan(out).any():
        if isinstance(value, int | float):
            raise fail(where, f"`{arg}` is NaN", "pass a number of euros or None")
        out = np.where(np.isnan(out), default, out)  # NaN in a column: no bound for that area
    return out


def allocate(
    df: pd.DataFrame,
    need: Hashable | pd.Series,
    budget: float,
    *,
    base_share: float = 0.0,
    floor: Any = None,
    cap: Any = None,
    population: Hashable | pd.Series | None = None,
) -> Allocation:
    r"""Distribute a budget over areas by need, with base amount, floors and caps, to the cent.

    **Rule.** With budget :math:`B`, base share :math:`s`, need :math:`n_i` and
    residents :math:`p_i` (if ``population`` is given), the unconstrained amount is

    .. math::

        u_i = s B \frac{p_i}{\sum_j p_j} + (1 - s) B \frac{n_i p_i}{\sum_j n_j p_j}
        \quad\text{(with population)}, \qquad
        u_i = \frac{s B}{N} + (1 - s) B \frac{n_i}{\sum_j n_j} \quad\text{(without)}.

    With ``population``, ``need`` is need *per resident* (a rate such as the SGB II
    rate, or a non-negative index), so :math:`n_i p_i` is the population in need;
    without it, ``need`` is an amount of need (e.g. persons in need, or a weight).

    **Floors and caps** :math:`l_i \le x_i \le h_i` are met by scaling the free areas:
    :math:`x_i = \min(\max(t\,u_i, l_i), h_i)` with the unique :math:`t` for which
    :math:`\sum_i x_i = B`. This is the fixed point of iterative capping ("set capped
    areas to their cap, floored areas to their floor, redistribute the rest in
    proportion to the rule, repeat"): free areas keep the proportions of the rule. It
    is found exactly, as :math:`\sum_i x_i(t)` is piecewise linear in :math:`t` with
    breakpoints :math:`l_i/u_i` and :math:`h_i/u_i`.

    **Cents.** The budget is split in integer cents by the largest-remainder
    (Hamilton) method: every area gets the cents of its exact amount rounded down, the
    remaining cents go one each to the largest remainders (ties: higher need first,
    then input order). Floors are rounded up and caps down to whole cents, so they
    hold exactly; the amounts sum exactly to the budget.

    Parameters
    ----------
    df : DataFrame
        One row per area (unique index of area ids).
    need : str or Series
        Non-negative need per area (per resident if ``population`` is given). A status
        index with negative values must be transformed first (e.g. shifted, or replaced
        by the count of people in need).
    budget : float
        Budget in euros (whole cents), positive.
    base_share : float, default 0
        Share of the budget given as a base amount (*Sockelbetrag*): equal per area, or
        per resident with ``population``.
    floor : float, str or Series, optional
        Minimum amount per area in euros (a number for all areas, or a column/Series;
        NaN there means no floor).
    cap : float, str or Series, optional
        Maximum amount per area in euros (NaN or None: no cap).
    population : str or Series, optional
        Residents per area; see the rule above.

    Returns
    -------
    Allocation
        ``to_frame()`` explains every area's amount; ``amount`` is the Series of euros.

    Raises
    ------
    InputError
        Negative or missing need or population, a budget that is not a positive number
        of whole cents, a base share outside [0, 1], caps below floors, a budget below
        the sum of floors or above what the caps (and areas without need) can take, or
        no need anywhere although part of the budget is to follow need.

    See Also
    --------
    compare_allocations : several rules side by side.
    targeting : how well an allocation reaches the areas of highest need.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"bedarf": [1.0, 2.0, 7.0]}, index=["a", "b", "c"])
    >>> res = allocate(df, "bedarf", 1000, cap=500)
    >>> res.amount.tolist()
    [166.67, 333.33, 500.0]
    >>> int(res.to_frame()["amount_cents"].sum())
    100000
    >>> allocate(df, "bedarf", 1000, floor=400)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: allocate: `budget` (1,000.00 EUR) is below the sum of the floors...
    """
    where = "allocate"
    check_frame(df, where=where)
    check_unique_index(df, where=where)
    n = _need_values(df, need, where)
    if (
        not isinstance(budget, int | float | np.number)
        or isinstance(budget, bool)
        or not np.isfinite(budget)
        or budget <= 0
    ):
        raise fail(where, f"`budget` is {budget!r}", "pass a positive number of euros")
    budget_c = _to_cents(float(budget), arg="budget", where=where)
    s = check_probability(base_share, arg="base_share", where=where)
    if population is not None:
        p = population_values(df, population, where=where)
        assert p is not None  # population is not None here
        weight = n * p
        base_w = p / p.sum()
    else:
        p = None
        weight = n
        base_w = np.full(len(df), 1.0 / len(df))
    if s < 1 and weight.sum() <= 0:
        raise fail(
            where,
            "`need` is 0 in every area (times population), so the need part cannot be distributed",
            "check the need column or set base_share=1",
        )
    lo, hi = _cent_bounds(df, floor, cap, where)
    if lo.sum() > budget_c:
        raise fail(
            where,
            f"`budget` ({budget:,.2f} EUR) is below the sum of the floors "
            f"({lo.sum() / 100:,.2f} EUR)",
            "raise the budget or lower the floors",
        )
    base_part = s * budget_c * base_w
    need_part = (1 - s) * budget_c * (weight / weight.sum()) if s < 1 else np.zeros(len(df))
    u = base_part + need_part
    reach = np.where(u > 0, hi, lo).sum()
    if budget_c > reach:
        raise fail(
            where,
            f"`budget` ({budget:,.2f} EUR) exceeds what the areas can take "
            f"({reach / 100:,.2f} EUR: caps of areas with a share, floors of areas without)",
            "raise the caps, lower the budget, or give areas without need a base share",
        )
    t, x = _solve_scale(u, lo, hi, float(budget_c))
    cents = _round_cents(
        x, lo, np.where(np.isfinite(hi), hi, np.iinfo(np.int64).max // 4), budget_c, weight
    )
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = np.where(u > 0, t * u, 0.0)
    floored = (x <= lo + 1e-6) & (scaled < lo - 1e-6)
    capped = np.isfinite(hi) & (x >= hi - 1e-6) & (scaled > hi + 1e-6)
    amount = cents / 100
    cols: dict[str, Any] = {"need": n, "need_weight": weight}
    if p is not None:
        cols["population"] = p
    cols.update(
        base_part=base_part / 100,
        need_part=need_part / 100,
        unconstrained=u / 100,
        floor=lo / 100,
        cap=hi / 100,
        amount=amount,
        amount_cents=cents,
        adjustment=amount - u / 100,
        floored=floored,
        capped=capped,
        share=cents / budget_c * 100,
    )
    if p is not None:
        cols["per_resident"] = np.where(p > 0, amount / np.where(p > 0, p, 1), np.nan)
    table = pd.DataFrame(cols, index=df.index)
    rule = _rule_text(s, p is not None, floor is not None, cap is not None, t)
    notes = []
    zero = (u == 0) & (lo == 0)
    if zero.any():
        notes.append(
            f"{int(zero.sum())} area(s) get nothing (no need, no base, no floor): "
            f"{format_values(df.index[zero])}"
        )
    settings = {
        "need": need if isinstance(need, str) else "<Series>",
        "budget": float(budget),
        "base_share": s,
        "floor": floor if isinstance(floor, int | float | str | type(None)) else "<Series>",
        "cap": cap if isinstance(cap, int | float | str | type(None)) else "<Series>",
        "population": population if isinstance(population, str | type(None)) else "<Series>",
    }
    return Allocation(
        table=table,
        budget=float(budget),
        base_share=s,
        scale=float(t),
        rule=rule,
        settings=settings,
        notes=tuple(notes),
    )


@immutable
@dataclass(frozen=True, repr=False)
class AllocationComparison:
    """Several allocation rules side by side; see :func:`compare_allocations`.

    Attributes
    ----------
    amounts : DataFrame
        Amount per area (rows, input index) and rule (columns), euros.
    summary : DataFrame
        One row per rule: budget, areas at floor and cap, min/median/max amount,
        targeting figures (concentration index, Kakwani-type index, share of the budget
        reaching the neediest areas).
    allocations : dict
        The :class:`Allocation` of every rule.
    need : Series
        The common need measure against which all rules are compared (in ``summary`` and
        in :meth:`plot`).
    """

    amounts: pd.DataFrame
    summary: pd.DataFrame
    allocations: dict
    top: float
    need: pd.Series | None = None

    def to_frame(self) -> pd.DataFrame:
        """Tidy long table: one row per area and rule with ``amount``, ``floored``, ``capped``."""
        parts = []
        for name, a in self.allocations.items():
            t = a.table[["amount", "floored", "capped", "share"]].copy()
            t.insert(0, "rule", name)
            parts.append(t)
        return pd.concat(parts)

    def __repr__(self) -> str:
        return (
            f"AllocationComparison of {len(self.allocations)} rules\n"
            + self.summary.round(3).to_string()
        )

    def _repr_html_(self) -> str:
        return html_block(
            f"AllocationComparison of {len(self.allocations)} rules",
            self.summary,
            float_format="{:,.3f}",
        )

    def plot(
        self, ax: Any = None, *, need: Hashable | pd.Series | None = None, language: str = "de"
    ) -> FigureDisplay:
        """Targeting curves of all rules in one plot.

        ``need`` defaults to the common need measure of ``summary``, so that the legend
        shows the same concentration indices as the table.
        """
        import matplotlib.pyplot as plt

        if need is None:
            need = self.need

        if ax is None:
            _, ax = plt.subplots(figsize=(5.5, 5))
        de = german(language, "AllocationComparison.plot")
        for i, (name, a) in enumerate(self.allocations.items()):
            t = a.targeting(need, top=self.top)
            x = np.r_[0, t.curve["cum_population_share"]]
            ax.plot(
                x,
                np.r_[0, t.curve["cum_budget_share"]],
                color=f"C{i}",
                lw=1.8,
                label=f"{name} (C = {t.concentration_index:+.2f})",
            )
            if i == 0 and np.isfinite(t.need_concentration):
                ax.plot(
                    x,
                    np.r_[0, t.curve["cum_need_share"]],
                    color="k",
                    lw=1,
                    ls="--",
                    zorder=5,
                    label="Bedarf" if de else "need",
                )
        ax.plot([0, 100], [0, 100], color="0.6", lw=0.8)
        ax.set_xlim(0, 100)
        ax.set_ylim(0, 100)
        ax.set_xlabel(
            "kumulierter Anteil (%), höchster Bedarf zuerst"
            if de
            else "cumulative share (%), highest need first"
        )
        ax.set_ylabel("kumulierter Budgetanteil (%)" if de else "cumulative budget share (%)")
        ax.set_title("Verteilungsregeln im Vergleich" if de else "Allocation rules compared")
        ax.legend(fontsize="small", loc="lower right")
        alt = (
            "Linien: kumulierter Budgetanteil je Verteilungsregel"
            if de
            else "Lines: cumulative budget share per allocation rule"
        )
        return FigureDisplay.from_axes(ax, "allocation_comparison", alt)


def compare_allocations(
    df: pd.DataFrame,
    rules: Mapping[str, Mapping[str, Any] | Allocation],
    *,
    need: Hashable | pd.Series | None = None,
    top: float = 0.2,
    **common: Any,
) -> AllocationComparison:
    """Compare several allocation rules (scenarios) on the same areas.

    Parameters
    ----------
    df : DataFrame
        One row per area.
    rules : dict {name: dict of allocate arguments or Allocation}
        Each rule's keyword arguments for :func:`allocate` (they override ``common``), or
        an already computed :class:`Allocation` on the same areas.
    need : str or Series, optional
        The need against which every rule's targeting is measured (the same for all,
        so that the rules are comparable; also the need of rules that name none);
        default: the need of the first rule.
    top : float, default 0.2
        Population (area) share of highest need for the ``top_budget_share`` column.
    **common
        Arguments shared by all rules (e.g. ``budget=``, ``population=``).

    Returns
    -------
    AllocationComparison

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"ew": [1000, 2000, 1500, 500], "quote": [5.0, 10.0, 20.0, 30.0]},
    ...                   index=["a", "b", "c", "d"])
    >>> cmp = compare_allocations(df, {"Einwohner": {"base_share": 1.0},
    ...                                "Bedarf": {"base_share": 0.0},
    ...                                "Bedarf mit Deckel": {"cap": 30_000}},
    ...                           need="quote", budget=100_000, population="ew")
    >>> cmp.amounts.sum().tolist()
    [100000.0, 100000.0, 100000.0]
    >>> cmp.summary["n_capped"].tolist()
    [0, 0, 2]
    """
    where = "compare_allocations"
    check_frame(df, where=where)
    if not isinstance(rules, Mapping) or not rules:
        raise fail(
            where,
            "`rules` is empty or not a dict",
            "pass {name: {allocate arguments}} for each rule",
        )
    allocations: dict[str, Allocation] = {}
    for name, rule in rules.items():
        if isinstance(rule, Allocation):
            if not rule.table.index.equals(df.index):
                raise fail(
                    where,
                    f"the allocation {name!r} is for other areas than `df`",
                    "compute it on the same table",
                )
            allocations[name] = rule
            continue
        if not isinstance(rule, Mapping):
            raise fail(
                where,
                f"rule {name!r} is a {type(rule).__name__}",
                "give each rule as a dict of allocate() arguments",
            )
        kwargs = {**common, **rule}
        if "need" not in kwargs and need is not None:
            kwargs["need"] = need
        try:
            allocations[name] = allocate(df, **kwargs)
        except TypeError as exc:
            raise fail(where, f"rule {name!r}: {exc}", "use the arguments of allocate()") from exc
        except InputError as exc:
            # the message already names the called function: keep one name in front
            inner = re.sub(r"^[A-Za-z_][\w.]*: ", "", str(exc), count=1)
            raise InputError(f"{where}: rule {name!r}: {inner}") from exc
    first = next(iter(allocations.values()))
    ref_need = need if need is not None else first.table["need"]
    if isinstance(ref_need, Hashable) and not isinstance(ref_need, pd.Series):
        ref_values = as_values(
            df, ref_need, arg="need", where=where, allow_none=False, scalar_ok=False
        )
        ref_need = pd.Series(ref_values, index=df.index)
    rows = []
    amounts = {}
    for name, a in allocations.items():
        amounts[name] = a.amount
        t = a.targeting(ref_need, top=top)
        rows.append(
            {
                "rule": name,
                "budget": a.budget,
                "n_floored": a.n_floored,
                "n_capped": a.n_capped,
                "min": a.amount.min(),
                "median": a.amount.median(),
                "max": a.amount.max(),
                "concentration_index": t.concentration_index,
                "kakwani": t.kakwani,
                "top_budget_share": t.top_budget_share,
                "top_need_share": t.top_need_share,
            }
        )
    return AllocationComparison(
        amounts=pd.DataFrame(amounts, index=df.index),
        summary=pd.DataFrame(rows).set_index("rule"),
        allocations=allocations,
        top=top,
        need=ref_need,
    )
