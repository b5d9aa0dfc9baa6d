"""Cost indicators and targeting: who gets the money, relative to need."""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.population import population_values
from sozplan._core.text import german
from sozplan.checks import (
    check_counts,
    check_frame,
    check_numerator_denominator,
    check_unique_index,
    fail,
    format_values,
)
from sozplan.errors import DataQualityWarning
from sozplan.planning._common import (
    COST_COLUMNS,
    as_values,
    check_finite,
    check_probability,
    html_block,
    resolve_id_column,
)
from sozplan.planning._model import validate_costs, validate_measures
from sozplan.plotting import FigureDisplay

__all__ = [
    "Targeting",
    "concentration_index",
    "cost_indicators",
    "cost_summary",
    "targeting",
]


# --------------------------------------------------------------------------------------
# concentration index
# --------------------------------------------------------------------------------------
def _fractional_rank(rank_by: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted fractional rank in (0, 1), ascending in ``rank_by``; ties share their mean rank."""
    order = np.argsort(rank_by, kind="stable")
    w = weights[order] / weights.sum()
    before = np.cumsum(w) - w
    r_sorted = before + w / 2
    keys = rank_by[order]
    new_group = np.r_[True, keys[1:] != keys[:-1]]
    if not new_group.all():  # ties: the midpoint of the tie group's span
        start = np.flatnonzero(new_group)
        group = np.cumsum(new_group) - 1
        span_w = np.add.reduceat(w, start)
        r_sorted = (before[start] + span_w / 2)[group]
    out = np.empty_like(r_sorted)
    out[order] = r_sorted
    return out


def concentration_index(values: Any, rank_by: Any, population: Any = None) -> float:
    r"""Concentration index of ``values`` over units ranked by ``rank_by`` (ascending).

    With weights :math:`w_i` (shares :math:`\omega_i = w_i / \sum w`), mean
    :math:`\mu = \sum_i \omega_i y_i` and the weighted fractional rank
    :math:`R_i = \sum_{j: r_j < r_i} \omega_j + \omega_i / 2` (ties share their mean rank),

    .. math::

        C = \frac{2}{\mu} \sum_i \omega_i (y_i - \mu)(R_i - \tfrac12)
          = 1 - 2 \int_0^1 L(p)\,dp,

    where :math:`L` is the concentration curve (cumulative share of :math:`\sum w y`
    against the cumulative share of :math:`w`, units in ascending order of
    :math:`r`). :math:`C \in (-1, 1)`; it is positive when ``values`` are concentrated
    among the units with the *highest* ``rank_by`` (for targeting: spending per resident
    concentrated in the areas of highest need) and 0 when they are equal everywhere.
    Ranking a variable by itself gives its Gini coefficient.

    Parameters
    ----------
    values : array-like
        Non-negative values per unit (e.g. spending per resident); their weighted mean
        must be positive.
    rank_by : array-like
        Ranking variable (e.g. need per resident or the status index).
    population : array-like, optional
        Unit weights (residents); default 1.

    Returns
    -------
    float

    References
    ----------
    Kakwani, N., Wagstaff, A., van Doorslaer, E. (1997): Socioeconomic inequalities in
    health: measurement, computation, and statistical inference. Journal of Econometrics
    77(1), 87-103. https://doi.org/10.1016/S0304-4076(96)01807-6

    O'Donnell, O., van Doorslaer, E., Wagstaff, A., Lindelow, M. (2008): Analyzing
    Health Equity Using Household Survey Data, ch. 8. World Bank.
    https://doi.org/10.1596/978-0-8213-6933-3

    Examples
    --------
    Everything to the neediest of four equal areas (ranked last):

    >>> concentration_index([0, 0, 0, 4], [1, 2, 3, 4])
    0.75
    >>> concentration_index([1, 1, 1, 1], [1, 2, 3, 4])
    0.0
    """
    try:
        y = np.asarray(values, dtype=float)
        r = np.asarray(rank_by, dtype=float)
        w = np.ones_like(y) if population is None else np.asarray(population, dtype=float)
    except (TypeError, ValueError) as exc:
        raise fail(
            "concentration_index",
            f"`values`, `rank_by` or `population` is not numeric ({exc})",
            "pass numbers (convert text with pd.to_numeric first)",
        ) from exc
    if not (y.shape == r.shape == w.shape) or y.ndim != 1 or len(y) == 0:
        raise fail(
            "concentration_index",
            "`values`, `rank_by` and `population` differ in length or are empty",
            "pass three 1-d arrays of the same length",
        )
    if not (np.isfinite(y).all() and np.isfinite(r).all() and np.isfinite(w).all()):
        raise fail(
            "concentration_index",
            "inputs hold missing or infinite values",
            "drop or fill them first",
        )
    if (w < 0).any() or w.sum() <= 0:
        raise fail(
            "concentration_index",
            "`population` is negative or sums to 0",
            "pass non-negative residents",
        )
    om = w / w.sum()
    mu = float(om @ y)
    if mu <= 0:
        raise fail(
            "concentration_index",
            f"the weighted mean of `values` is {mu:g}",
            "the index needs a positive mean (e.g. a budget that is not zero)",
        )
    rk = _fractional_rank(r, w)
    return float(2.0 / mu * np.sum(om * (y - mu) * (rk - 0.5)))


# --------------------------------------------------------------------------------------
# targeting
# --------------------------------------------------------------------------------------
@immutable
@dataclass(frozen=True, repr=False)
class Targeting:
    """How well a budget reaches the areas of highest need; see :func:`targeting`.

    Attributes
    ----------
    concentration_index : float
        Concentration index of spending per resident (areas ranked by need); > 0 means
        pro-need.
    need_concentration : float
        Concentration (Gini) index of need itself; NaN if need takes negative values.
    kakwani : float
        ``concentration_index - need_concentration``: 0 if spending is proportional to
        need, > 0 if it is more concentrated on high need, < 0 if less.
    top : float
        Population share of the highest-need areas considered.
    top_budget_share, top_need_share : float
        Share of the budget (of need) reaching those areas, in %.
    curve : DataFrame
        The targeting curve, one row per area in descending order of need.
    """

    concentration_index: float
    need_concentration: float
    kakwani: float
    top: float
    top_budget_share: float
    top_need_share: float
    curve: pd.DataFrame
    weighted: bool
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> pd.DataFrame:
        """One row with the targeting figures."""
        return pd.DataFrame(
            {
                "concentration_index": [self.concentration_index],
                "need_concentration": [self.need_concentration],
                "kakwani": [self.kakwani],
                "top": [self.top],
                "top_budget_share": [self.top_budget_share],
                "top_need_share": [self.top_need_share],
                "n_areas": [len(self.curve)],
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """Return the targeting curve (highest need first, cumulative shares in %)."""
        return self.curve.copy()

    def _title(self) -> str:
        unit = "residents" if self.weighted else "areas"
        return (
            f"Targeting: C = {self.concentration_index:+.3f} (need "
            f"{self.need_concentration:+.3f}, "
            f"Kakwani-type {self.kakwani:+.3f}); the neediest {self.top:.0%} of {unit} get "
            f"{self.top_budget_share:.1f} % of the budget (and have {self.top_need_share:.1f} "
            "% of the need)"
        )

    def __repr__(self) -> str:
        return "\n".join([self._title(), *[f"note: {n}" for n in self.notes]])

    def _repr_html_(self) -> str:
        return html_block(self._title(), self.summary().round(4), self.notes)

    def plot(self, ax: Any = None, *, language: str = "de") -> FigureDisplay:
        """Draw the targeting curve (cumulative budget share over cumulative population share)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 5))
        de = german(language, "Targeting.plot")
        x = np.r_[0, self.curve["cum_population_share"].to_numpy()]
        ax.plot(
            x,
            np.r_[0, self.curve["cum_budget_share"].to_numpy()],
            color="C0",
            lw=2,
            label="Budget" if de else "budget",
        )
        if np.isfinite(self.need_concentration):
            ax.plot(
                x,
                np.r_[0, self.curve["cum_need_share"].to_numpy()],
                color="C3",
                lw=1.2,
                ls="--",
                label="Bedarf" if de else "need",
            )
        ax.plot(
            [0, 100], [0, 100], color="0.5", lw=0.8, label="Gleichverteilung" if de else "equal"
        )
        ax.axvline(self.top * 100, color="0.7", lw=0.8, ls=":")
        ax.set_xlim(0, 100)
        ax.set_ylim(0, 100)
        unit = (
            ("Einwohner" if de else "residents")
            if self.weighted
            else ("Gebiete" if de else "areas")
        )
        ax.set_xlabel(
            f"kumulierter Anteil {unit} (%), höchster Bedarf zuerst"
            if de
            else f"cumulative share of {unit} (%), highest need first"
        )
        ax.set_ylabel("kumulierter Anteil (%)" if de else "cumulative share (%)")
        ax.set_title(
            ("Zielgenauigkeit" if de else "Targeting") + f": C = {self.concentration_index:+.2f}, "
            f"K = {self.kakwani:+.2f}"
        )
        ax.legend(loc="lower right", fontsize="small")
        alt = (
            "Linien: kumulierter Budgetanteil über kumuliertem Bevölkerungsanteil"
            if de
            else "Lines: cumulative budget share over cumulative population share"
        )
        return FigureDisplay.from_axes(ax, "targeting", alt)


def targeting(
    df: pd.DataFrame,
    amount: Hashable | pd.Series,
    need: Hashable | pd.Series,
    *,
    population: Hashable | pd.Series | None = None,
    top: float = 0.2,
) -> Targeting:
    r"""Targeting of a budget: concentration on need, targeting curve, share to the neediest.

    Areas are ranked by need. With ``population``, ``need`` is read as need *per
    resident* (e.g. the SGB II rate or a status index), spending is compared per
    resident and areas are weighted by residents; without it, areas count equally and
    ``need`` is an amount of need (e.g. the number of people in need).

    - the **concentration index** :math:`C` of spending (see
      :func:`concentration_index`): > 0 when the money is concentrated in high-need areas;
    - the **need concentration** :math:`C_N`, the same index of need itself (its Gini);
    - the **Kakwani-type index** :math:`K = C - C_N` (Kakwani 1977 for taxes): 0 when
      spending is proportional to need, > 0 when more, < 0 when less concentrated;
    - the **targeting curve**: cumulative share of the budget against the cumulative
      share of residents (areas), highest need first; ``top_budget_share`` is its value
      at ``top`` (linear interpolation within an area).

    Parameters
    ----------
    df : DataFrame
        One row per area.
    amount : str or Series
        Budget (euros) per area, non-negative, positive in total.
    need : str or Series
        Need per area (per resident if ``population`` is given).
    population : str or Series, optional
        Residents per area.
    top : float, default 0.2
        Share of residents (areas) with the highest need for ``top_budget_share``.

    Returns
    -------
    Targeting

    References
    ----------
    Kakwani, N. C. (1977): Measurement of tax progressivity: an international comparison.
    The Economic Journal 87(345), 71-80. https://doi.org/10.2307/2231833

    Kakwani, N., Wagstaff, A., van Doorslaer, E. (1997), see :func:`concentration_index`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"budget": [0.0, 100.0, 300.0, 600.0], "bedarf": [10, 20, 30, 40]},
    ...                   index=["a", "b", "c", "d"])
    >>> t = targeting(df, "budget", "bedarf", top=0.25)
    >>> round(t.top_budget_share, 1), round(t.top_need_share, 1)
    (60.0, 40.0)
    >>> round(t.kakwani, 3)
    0.25
    """
    where = "targeting"
    check_frame(df, where=where)
    check_unique_index(df, where=where)
    y = as_values(df, amount, arg="amount", where=where, allow_none=False, scalar_ok=False)
    n = as_values(df, need, arg="need", where=where, allow_none=False, scalar_ok=False)
    check_finite(y, df.index, arg="amount", where=where)
    check_finite(n, df.index, arg="need", where=where)
    top = check_probability(top, arg="top", where=where, open_left=True)
    if (y < 0).any():
        raise fail(
            where,
            f"`amount` is negative for {format_values(df.index[y < 0])}",
            "amounts must be >= 0",
        )
    if y.sum() <= 0:
        raise fail(where, "`amount` sums to 0", "pass a budget that is positive somewhere")
    if population is not None:
        w = population_values(df, population, where=where)
        assert w is not None  # population is not None here
        zero = (w == 0) & (y > 0)
        if zero.any():
            raise fail(
                where,
                f"areas without residents receive money: {format_values(df.index[zero])}",
                "give them residents or evaluate without `population`",
            )
        keep = w > 0
    else:
        w = np.ones(len(df))
        keep = np.ones(len(df), dtype=bool)
    notes: list[str] = []
    if (~keep).any():
        notes.append(
            f"{int((~keep).sum())} area(s) without residents and without money are left out "
            "of the "
            f"curve: {format_values(df.index[~keep])}"
        )
    idx, y, n, w = df.index[keep], y[keep], n[keep], w[keep]
    per = y / w
    c_budget = concentration_index(per, n, w)
    need_count = n * w if population is not None else n
    if (n < 0).any():
        c_need = np.nan
        notes.append(
            "need takes negative values (e.g. a z-score index): it ranks the areas, but its own "
            "concentration and the Kakwani-type index are undefined"
        )
    else:
        c_need = concentration_index(n, n, w) if need_count.sum() > 0 else np.nan
    order = np.lexsort((np.arange(len(n)), -n))
    cum_w = np.cumsum(w[order]) / w.sum() * 100
    cum_y = np.cumsum(y[order]) / y.sum() * 100
    cum_n = (
        np.cumsum(need_count[order]) / need_count.sum() * 100
        if np.isfinite(c_need)
        else np.full(len(n), np.nan)
    )
    curve = pd.DataFrame(
        {
            "need": n[order],
            "amount": y[order],
            "weight": w[order],
            "amount_per_weight": per[order],
            "cum_population_share": cum_w,
            "cum_budget_share": cum_y,
            "cum_need_share": cum_n,
        },
        index=idx[order],
    )
    xp = np.r_[0.0, cum_w]
    top_budget = float(np.interp(top * 100, xp, np.r_[0.0, cum_y]))
    top_need = (
        float(np.interp(top * 100, xp, np.r_[0.0, cum_n])) if np.isfinite(c_need) else np.nan
    )
    return Targeting(
        concentration_index=c_budget,
        need_concentration=float(c_need),
        kakwani=float(c_budget - c_need),
        top=top,
        top_budget_share=top_budget,
        top_need_share=top_need,
        curve=curve,
        weighted=population is not None,
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------------------
# cost tables
# --------------------------------------------------------------------------------------
def cost_summary(
    costs: pd.DataFrame,
    by: Hashable | Sequence[Hashable] = "massnahme",
    *,
    measures: pd.DataFrame | None = None,
    id_column: str | None = None,
    columns: Sequence[str] = COST_COLUMNS,
) -> pd.DataFrame:
    r"""Costs summed by measure, area, year, field of action or funding programme.

    For each group: the sums of the cost columns and ``gesamt``, the funding rate
    ``foerderquote`` :math:`= 100\,(\text{gesamt} - \text{eigenmittel}) / \text{gesamt}`
    (the share financed by funding programmes and third parties), the share of the
    grand total ``anteil`` (in %), and, if ``jahr`` is among ``by``, the change from the
    previous year within the other groups (``veraenderung`` in euros and
    ``veraenderung_prozent``).

    Parameters
    ----------
    costs : DataFrame
        Cost table (see :func:`validate_costs`).
    by : str or list of str, default "massnahme"
        Grouping columns: any column of ``costs``, or of ``measures`` (e.g.
        ``handlungsfeld``, ``traeger``, ``zielgruppe``), joined by measure id.
    measures : DataFrame, optional
        Measures table, needed to group by a measure attribute; also validates the costs.
    id_column : str, optional
        Column of the area ids; default: the name of the index of ``areas`` (required
        without ``areas``).
    columns : sequence of str
        Cost columns; the first is the own budget.

    Returns
    -------
    DataFrame
        Indexed by ``by``.

    Examples
    --------
    >>> from sozplan.datasets import load_costs, load_measures
    >>> s = cost_summary(load_costs(), ["handlungsfeld", "jahr"], measures=load_measures(),
    ...                  id_column="planungsraum")
    >>> list(s.columns)[-4:]
    ['foerderquote', 'anteil', 'veraenderung', 'veraenderung_prozent']
    """
    where = "cost_summary"
    id_column = resolve_id_column(id_column, None, where)
    c = validate_costs(costs, measures=measures, id_column=id_column, columns=columns)
    by_list = [by] if isinstance(by, str) or not isinstance(by, Sequence) else list(by)
    if not by_list:
        raise fail(where, "`by` is empty", "name at least one grouping column, e.g. 'massnahme'")
    extra = [b for b in by_list if b not in c.columns]
    if extra:
        if measures is None:
            raise fail(
                where,
                f"`by` names {format_values(extra)}, which are not columns of `costs`",
                "pass `measures=` to group by a measure attribute, or use a column of `costs`",
            )
        m = validate_measures(measures).drop(columns=["gebiete", "n_gebiete"])
        missing = [b for b in extra if b not in m.columns]
        if missing:
            raise fail(
                where,
                f"`by` names {format_values(missing)}, found neither in `costs` nor in `measures`",
                f"use columns of `costs` or of `measures` ({format_values(m.columns, 12)})",
            )
        c = c.join(m[extra], on="massnahme")
    cols = [*columns, "gesamt"]
    out = c.groupby(by_list, observed=True, dropna=False)[cols].sum()
    out["foerderquote"] = ((out["gesamt"] - out[columns[0]]) / out["gesamt"] * 100).where(
        out["gesamt"] > 0
    )
    out["anteil"] = out["gesamt"] / out["gesamt"].sum() * 100
    if "jahr" in by_list:
        others = [b for b in by_list if b != "jahr"]
        wide = (
            out["gesamt"].unstack("jahr", fill_value=0.0) if others else out["gesamt"].to_frame().T
        )
        years = sorted(wide.columns)
        wide = wide.reindex(columns=range(int(min(years)), int(max(years)) + 1), fill_value=0.0)
        prev = wide.shift(1, axis=1)
        change = (wide - prev).stack() if others else (wide - prev).iloc[0]
        pct = (
            ((wide - prev) / prev.where(prev > 0) * 100).stack()
            if others
            else ((wide - prev) / prev.where(prev > 0) * 100).iloc[0]
        )
        if others:
            change = change.reorder_levels(by_list) if len(by_list) > 1 else change
            pct = pct.reorder_levels(by_list) if len(by_list) > 1 else pct
        out["veraenderung"] = change.reindex(out.index).to_numpy()
        out["veraenderung_prozent"] = pct.reindex(out.index).to_numpy()
    return out


def cost_indicators(
    costs: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    population: Hashable,
    need: Hashable | None = None,
    cases: Hashable | None = None,
    by: Sequence[Hashable] = ("jahr",),
    id_column: str | None = None,
    columns: Sequence[str] = COST_COLUMNS,
    measures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    r"""Cost indicators per area (and year, measure): per resident, per person in need, per case.

    Every area of ``areas`` appears (with zero cost where nothing is spent), so that the
    table can be used for targeting. For area :math:`i` and year :math:`t`

    .. math::

        \text{je\_einwohner}_{it} = \frac{K_{it}}{E_{it}}, \qquad
        \text{je\_bedarf}_{it} = \frac{K_{it}}{B_{it}}, \qquad
        \text{je\_fall}_{it} = \frac{K_{it}}{F_{it}},

    with total costs :math:`K`, residents :math:`E`, persons in need :math:`B` (the
    ``need`` column, e.g. ``sgb2_leistungsberechtigte``) and cases :math:`F` (a column of
    ``costs``, e.g. participants). Denominators of 0 give NaN.

    Parameters
    ----------
    costs : DataFrame
        Cost table (:func:`validate_costs`); ``cases`` names one of its columns.
    areas : DataFrame
        Area data indexed by area id, or a long table indexed by (area id, ``jahr``)
        (e.g. ``load_musterstadt("planning_area", year="all")``), then each year's
        denominators are used.
    population : str
        Residents column of ``areas``.
    need : str, optional
        Column of ``areas`` with the persons in need.
    cases : str, optional
        Column of ``costs`` with the number of cases (participants, families reached).
    by : sequence of str, default ("jahr",)
        Keys besides the area: ``"jahr"`` and/or ``"massnahme"``; ``()`` for totals over
        the whole period (denominators of the latest year).
    id_column : str, optional
        Column of the area ids; default: the name of the index of ``areas`` (required
        without ``areas``).
    columns : sequence of str
    measures : DataFrame, optional
        Validates the costs against the measures.

    Returns
    -------
    DataFrame
        Indexed by ``(area, *by)``: cost columns, ``gesamt``, ``einwohner`` (population),
        ``je_einwohner`` and, if requested, ``bedarf``/``je_bedarf`` and
        ``faelle``/``je_fall``; with ``jahr`` in ``by`` also the development from the
        previous year of the same area (and measure): ``veraenderung`` (euros) and
        ``veraenderung_je_einwohner`` (euros per resident).

    Raises
    ------
    InputError
        For a problem of the costs (see :func:`validate_costs`), duplicate area ids (or
        (area, year) pairs) in ``areas``, residents or persons in need that are not
        numeric, infinite or negative, more persons in need than residents, costs on
        areas missing from ``areas``.

    Warns
    -----
    DataQualityWarning
        Where costs are booked on an area (and year) whose residents or persons in need
        are 0 or missing (a suppressed count): the cost per resident (person in need)
        is NaN there.

    Examples
    --------
    >>> from sozplan.datasets import load_costs, load_musterstadt
    >>> ind = cost_indicators(load_costs(), load_musterstadt("planning_area", year="all"),
    ...                       need="sgb2_leistungsberechtigte", population="einwohner")
    >>> ind.index.names
    FrozenList(['planungsraum', 'jahr'])
    >>> bool((ind["gesamt"] >= 0).all())
    True
    """
    where = "cost_indicators"
    id_column = resolve_id_column(id_column, areas, where)
    c = validate_costs(costs, measures=measures, id_column=id_column, columns=columns)
    check_frame(areas, arg="areas", where=where)
    by = list(by)
    bad = [b for b in by if b not in ("jahr", "massnahme")]
    if bad:
        raise fail(
            where,
            f"`by` holds {format_values(bad)}",
            "use 'jahr' and/or 'massnahme' (or () for totals)",
        )
    long = isinstance(areas.index, pd.MultiIndex)
    if long and areas.index.nlevels != 2:
        raise fail(
            where,
            "`areas` has a MultiIndex with more than two levels",
            "index it by (area id, jahr)",
        )
    need_cols = [population] + ([need] if need is not None else [])
    for col in need_cols:
        if col not in areas.columns:
            raise fail(where, f"`areas` has no column {col!r}", "name a count column of `areas`")
    _check_denominators(areas, population, need, where)
    if cases is not None and cases not in c.columns:
        raise fail(
            where,
            f"`costs` has no column {cases!r} (`cases`)",
            "name a column of `costs` with case numbers",
        )
    ids = pd.Index(areas.index.get_level_values(0).unique().astype(str), name=id_column)
    unknown = ~c[id_column].isin(ids)
    if unknown.any():
        raise fail(
            where,
            "costs are booked on areas missing from `areas`: "
            f"{format_values(c.loc[unknown, id_column].unique())}",
            "pass the full area table",
        )
    vals = [*columns, "gesamt"] + ([cases] if cases is not None else [])
    keys = [id_column, *by]
    grouped = c.groupby(keys)[vals].sum()
    # full grid: every area, every key combination present in the costs
    levels = [ids] + [
        pd.RangeIndex(int(c[b].min()), int(c[b].max()) + 1, name=b)
        if b == "jahr"
        else pd.Index(sorted(c[b].unique()), name=b)
        for b in by
    ]
    grid = pd.MultiIndex.from_product(levels) if by else ids
    out = grouped.reindex(grid, fill_value=0.0)
    if long:
        den = areas[need_cols].copy()
        den.index = pd.MultiIndex.from_arrays(
            [den.index.get_level_values(0).astype(str), den.index.get_level_values(1).astype(int)],
            names=[id_column, "jahr"],
        )
        if "jahr" in by:
            years = out.index.get_level_values("jahr")
            have = set(den.index.get_level_values("jahr"))
            missing_years = sorted(set(years) - have)
            if missing_years:
                raise fail(
                    where,
                    f"`areas` has no data for the cost year(s) {format_values(missing_years)}",
                    "pass area data for every cost year (or `by=()` for totals)",
                )
            look = pd.MultiIndex.from_arrays([out.index.get_level_values(id_column), years])
            d = den.reindex(look)
        else:
            last = den.xs(max(den.index.get_level_values("jahr")), level="jahr")
            d = last.reindex(out.index.get_level_values(id_column))
    else:
        den = areas[need_cols].copy()
        den.index = den.index.astype(str)
        d = den.reindex(out.index.get_level_values(id_column) if by else out.index)
    out = out.copy()
    out["einwohner"] = d[population].to_numpy(dtype=float)
    pop = out["einwohner"].to_numpy()
    out["je_einwohner"] = np.where(
        pop > 0, out["gesamt"].to_numpy() / np.where(pop > 0, pop, 1), np.nan
    )
    if need is not None:
        out["bedarf"] = d[need].to_numpy(dtype=float)
        b = out["bedarf"].to_numpy()
        out["je_bedarf"] = np.where(
            b > 0, out["gesamt"].to_numpy() / np.where(b > 0, b, 1), np.nan
        )
    if cases is not None:
        out = out.rename(columns={cases: "faelle"})
        f = out["faelle"].to_numpy(dtype=float)
        out["je_fall"] = np.where(f > 0, out["gesamt"].to_numpy() / np.where(f > 0, f, 1), np.nan)
    _warn_without_denominator(out)
    if "jahr" in by:
        # the grid holds every year of the costs for every area, so shift(1) is the previous year
        others = [id_column, *[b for b in by if b != "jahr"]]
        prev = out.groupby(level=others, sort=False)[["gesamt", "je_einwohner"]].shift(1)
        out["veraenderung"] = out["gesamt"] - prev["gesamt"]
        out["veraenderung_je_einwohner"] = out["je_einwohner"] - prev["je_einwohner"]
    return out


def _check_denominators(areas: pd.DataFrame, population: Any, need: Any, where: str) -> None:
    """Residents and persons in need: unique areas, numeric counts >= 0, need <= residents.

    A missing count is allowed (a suppressed cell); :func:`cost_indicators` warns where
    it meets costs.
    """
    check_unique_index(areas, arg="areas", where=where)
    cols = [population] + ([need] if need is not None else [])
    check_counts(areas, cols, arg="areas", where=where, allow_nan=True)
    if need is not None:
        check_numerator_denominator(areas, need, population, arg="areas", where=where)


def _warn_without_denominator(out: pd.DataFrame) -> None:
    """Warn where money is spent in areas whose residents (persons in need) are 0 or missing."""
    spent = out["gesamt"].to_numpy(dtype=float) > 0
    units = {
        "einwohner": ("residents", "resident"),
        "bedarf": ("persons in need", "person in need"),
    }
    for col, (many, one) in units.items():
        if col not in out.columns:
            continue
        bad = spent & ~(out[col].to_numpy(dtype=float) > 0)
        if bad.any():
            warnings.warn(
                f"cost_indicators: {int(bad.sum())} row(s) with costs have 0 or missing "
                f"{many}: {format_values(out.index[bad])}; their cost per {one} is NaN (kept)",
                DataQualityWarning,
                stacklevel=3,
            )
