"""Hamilton-Perry projection: cohort-change ratios from two censuses of stocks by age."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.html import block
from sozplan.checks import fail, format_values, is_whole
from sozplan.plotting import FigureDisplay, age_pyramid, demand_curve
from sozplan.projection._bands import AgeBands, _aggregate_matrix, _as_bands, _split_matrix
from sozplan.projection._common import check_year, control_target, reconcile, stocks_by_year

__all__ = ["ProjectionResult", "hamilton_perry"]


@immutable
@dataclass(frozen=True, repr=False, eq=False)
class ProjectionResult:
    """A projection of stocks by age band per area and year.

    Attributes
    ----------
    population : DataFrame
        Indexed by (area, year), one column per age band; the launch year holds the
        observed stocks, later years the projection.
    bands : AgeBands
    method : str
        ``"hamilton_perry"`` or ``"cohort_component"``.
    launch_year, target_year : int
    ratios : DataFrame or None
        Hamilton-Perry: the cohort-change ratios (or differences) per area, one column per
        age unit (band or single year) they apply to; the youngest units hold the
        child-adult ratios.
    components : DataFrame or None
        Cohort-component: births, deaths, in- and out-migrants, new-build move-ins and the
        reconciliation adjustment per (area, year); they add up to the change of the total.
    intervals : DataFrame or None
        Prediction intervals (simulation), indexed by (area, year), columns
        ``(band, "lower")`` and ``(band, "upper")``.
    settings : mapping
        The choices that produced the projection (read-only).
    notes : tuple of str
        What the method did that the user should know (fallbacks, clipping, splitting).
    """

    population: pd.DataFrame
    bands: AgeBands
    method: str
    launch_year: int
    target_year: int
    ratios: pd.DataFrame | None = None
    components: pd.DataFrame | None = None
    intervals: pd.DataFrame | None = None
    settings: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    notes: tuple[str, ...] = ()

    @property
    def years(self) -> list[int]:
        """Years in :attr:`population` (launch year first)."""
        return sorted(set(self.population.index.get_level_values(-1)))

    def total(self) -> pd.DataFrame:
        """City totals per year and band (sum over areas)."""
        return self.population.groupby(level=-1).sum()

    def balance(self) -> pd.DataFrame:
        """Components with signs beside the change of each area's total (cohort-component).

        Columns: the signed components (deaths and out-migrants negative), their sum
        ``komponenten`` and the change ``veraenderung`` of the total; the two agree to
        rounding error.
        """
        if self.components is None:
            raise fail(
                "ProjectionResult.balance",
                "this projection has no components",
                "use cohort_component",
            )
        comp = self.components.copy()
        comp[["sterbefaelle", "fortzuege"]] *= -1
        comp["komponenten"] = comp.sum(axis=1)
        totals = self.population.sum(axis=1).unstack(-1)
        change = totals.diff(axis=1).stack().rename("veraenderung")
        return comp.join(change)

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per area, year and band with the column ``einwohner``."""
        long = self.population.stack()
        long.index = long.index.set_names([*self.population.index.names[:2], "altersgruppe"])
        out = long.rename("einwohner").reset_index()
        out["projiziert"] = out[self.population.index.names[1]] > self.launch_year
        return out

    def __repr__(self) -> str:
        areas = self.population.index.get_level_values(0).nunique()
        tot = self.total()
        first, last = tot.iloc[0].sum(), tot.iloc[-1].sum()
        lines = [
            f"ProjectionResult({self.method}, {areas} areas, {self.launch_year} -> {self.target_year})",
            f"  bands: {', '.join(map(str, self.bands.columns))}",
            f"  total: {first:,.0f} -> {last:,.0f}",
        ]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return block(
            f"Projection ({self.method}), {self.launch_year} to {self.target_year}",
            self.total().round(1),
            lines=self.notes,
            max_rows=12,
            float_format="{:,.1f}",
        )

    def plot(
        self,
        area_id: Hashable | None = None,
        *,
        years: Sequence[int] | None = None,
        ax: Any = None,
        language: str = "de",
    ) -> FigureDisplay:
        """Age structure of one area (or the city) in two or more years, as a pyramid.

        Delegates to :func:`sozplan.plotting.age_pyramid`.
        """
        pop = self.total() if area_id is None else self.population.xs(area_id, level=0)
        years = list(years) if years is not None else [self.launch_year, self.target_year]
        name = ("Stadt" if language == "de" else "city") if area_id is None else str(area_id)
        return age_pyramid(
            pop.loc[years], labels=self.bands.labels(), title=name, ax=ax, language=language
        )

    def plot_demand(
        self,
        rates: Mapping[str, float],
        area_id: Hashable | Sequence[Hashable] | None = None,
        *,
        capacity: float | pd.Series | None = None,
        ax: Any = None,
        language: str = "de",
    ):
        """Demand curves of one area, a list of areas (summed) or the city.

        Computes :func:`sozplan.projection.demand` with ``rates`` and draws one line per
        group with :func:`sozplan.plotting.demand_curve`; prediction intervals are not
        drawn here (their sum over groups is not an interval of the sum).
        """
        from sozplan.projection._demand import demand  # cycle: _demand imports this module

        need = demand(self, rates)
        if area_id is None:
            part = need
            name = "Stadt" if language == "de" else "city"
        elif isinstance(area_id, list | tuple):
            part = need.loc[list(area_id)]
            name = f"{len(area_id)} Gebiete" if language == "de" else f"{len(area_id)} areas"
        else:
            part = need.xs(area_id, level=0, drop_level=False)
            name = str(area_id)
        by_year = part.groupby(level=-1).sum()
        return demand_curve(
            by_year,
            capacity=capacity,
            launch_year=self.launch_year,
            title=name,
            ax=ax,
            language=language,
        )


def _units(bands: AgeBands, split: str | None) -> tuple[list[int], list[int | None]]:
    """Lower and upper ages of the projection units (bands, or single years + open band)."""
    if split is None:
        return list(bands.lower), list(bands.upper)
    top = bands.top
    lower = list(range(top))
    upper: list[int | None] = list(range(1, top + 1))
    if bands.open:
        lower.append(top)
        upper.append(None)
    return lower, upper


def _age_forward(u: np.ndarray, s: int, is_open: bool) -> np.ndarray:
    """Move every unit ``s`` units older; the open last unit collects those who reach it."""
    out = np.zeros_like(u)
    m = u.shape[-1]
    if is_open:
        out[..., s : m - 1] = u[..., : m - 1 - s]
        out[..., m - 1] = u[..., m - 1 - s :].sum(axis=-1)
    else:
        out[..., s:] = u[..., : m - s]
    return out


def hamilton_perry(
    df: pd.DataFrame,
    bands: AgeBands | Sequence[Hashable] | Mapping,
    *,
    base_year: int,
    launch_year: int,
    target_year: int,
    step: int | None = None,
    split: str | None = None,
    year: Hashable = "jahr",
    mothers: tuple[int, int] = (15, 45),
    method: str = "ratio",
    limits: tuple[float, float] | None = None,
    control: pd.Series | pd.DataFrame | None = None,
    women: Sequence[Hashable] | None = None,
) -> ProjectionResult:
    r"""Project stocks by age band with the Hamilton-Perry method.

    Only stocks by age are needed (most open data). The cohort-change ratio of age unit
    :math:`a` over a period of :math:`k` years,

    .. math::

        \mathrm{CCR}_a = \frac{P_{a}(t)}{P_{a-k}(t-k)},\qquad
        P_{a}(t+k) = \mathrm{CCR}_a \, P_{a-k}(t),

    bundles survival and migration; the open last band uses
    :math:`P_{\ge A}(t) / (P_{A-k..A-1}(t-k) + P_{\ge A}(t-k))`. The youngest :math:`k`
    years have no cohort :math:`k` years earlier: they follow the child-adult ratio
    :math:`\mathrm{CAR}_a = P_a(t) / P_{15..44}(t)` (the child-woman ratio when only
    adults of both sexes are known), applied to the projected adults
    (Hamilton & Perry 1962, *Social Forces* 41(2), 163-170; Baker, Swanson, Tayman &
    Tedrow 2017, *Cohort Change Ratios and their Applications*,
    doi:10.1007/978-3-319-53745-0; Swanson, Schlottmann & Schmidt 2010,
    doi:10.1007/s11113-009-9144-7).

    Two layouts:

    - ``split=None``: work on the bands themselves. All closed bands must have the same
      width :math:`w`, the ratio period ``step`` equals :math:`w` and the horizon
      ``target_year - launch_year`` must be a multiple of :math:`w`.
    - ``split="uniform"`` or ``"monotone"``: bands of any width are split into single years
      (:func:`split_ages`), ratios are computed per single year over ``step`` years and
      the result is re-aggregated to the input bands. The horizon must be a multiple of
      ``step``. With ``step`` shorter than ``launch_year - base_year`` the ratios of all
      periods :math:`t \to t+k` in the base period are pooled (sums of numerators over
      sums of denominators), which needs the stocks of every year in between.

    Parameters
    ----------
    df : DataFrame
        Stocks, indexed by (area, year), one column per band.
    bands : AgeBands, list of columns (parsed) or dict {column: (lower, upper)}
    base_year, launch_year, target_year : int
        Start and end of the base period, and the year to project to.
    step : int, optional
        Length of the ratio period in years; defaults to the band width (``split=None``)
        or to ``launch_year - base_year``.
    split : {None, "uniform", "monotone"}, default None
    year : hashable, default "jahr"
        Name of the year level of the index.
    mothers : (int, int), default (15, 45)
        Ages of the adults behind the child-adult ratio: the units (bands or single years)
        whose first age lies in ``[mothers[0], mothers[1])``.
    method : {"ratio", "difference"}, default "ratio"
        Cohort-change ratios, or cohort-change differences :math:`P_a(t) - P_{a-k}(t-k)`
        (Baker et al. 2017: better for small areas whose cohorts shrink to zero;
        negative results are set to 0 and counted in the notes).
    limits : (float, float), optional
        Lower and upper limit of the cohort-change ratios (Baker et al. 2017 cap them to
        damp growth of tiny cohorts), e.g. ``(0.5, 2.0)``. Not applied to child ratios.
    control : Series or DataFrame, optional
        City-level control by year (a total) or by year and band (DataFrame indexed by
        year with the band columns): every projected year is scaled proportionally so
        that its sums equal the control exactly.
    women : sequence of column names, optional
        The women of each band (one column per band, in the order of ``bands``). Then the
        women are projected with their own cohort-change ratios and the youngest follow
        the child-woman ratio :math:`P_a(t) / W_{15..44}(t)` applied to the projected
        women, as in Hamilton & Perry (1962); without it, all adults of ``mothers`` ages.

    Returns
    -------
    ProjectionResult

    Raises
    ------
    InputError
        Negative or missing stocks, bands that do not tile the ages, unequal bands without
        ``split``, a horizon that is not a multiple of the band width (or ``step``), years
        missing from ``df``, areas that differ between years.

    Examples
    --------
    A hand-computed example (5-year bands, base 2010, launch 2015, target 2020); the ratio
    of band 5-9 in area A is 110 / 100 = 1.1, so 2020's 5-9 year olds are 1.1 x 120 = 132:

    >>> import pandas as pd
    >>> idx = pd.MultiIndex.from_product([["A"], [2010, 2015]], names=["gebiet", "jahr"])
    >>> df = pd.DataFrame({"0_4": [100, 120], "5_9": [90, 110], "10_14": [80, 95],
    ...                    "15_plus": [400, 420]}, index=idx)
    >>> res = hamilton_perry(df, ["0_4", "5_9", "10_14", "15_plus"], base_year=2010,
    ...                      launch_year=2015, target_year=2020, mothers=(15, 50))
    >>> res.population.loc[("A", 2020)].round(2).tolist()
    [128.75, 132.0, 116.11, 450.62]

    The open band: 420 / (80 + 400) = 0.875, times (95 + 420) = 450.625; the children:
    120 / 420 adults in 2015, times the 450.625 adults of 2020 = 128.75.
    """
    where = "hamilton_perry"
    b = _as_bands(bands, where)
    if method not in ("ratio", "difference"):
        raise fail(where, f"`method` is {method!r}", "use 'ratio' or 'difference'")
    if split not in (None, "uniform", "monotone"):
        raise fail(where, f"`split` is {split!r}", "use None, 'uniform' or 'monotone'")
    step, shift = _periods(b, split, step, base_year, launch_year, target_year, where)
    if limits is not None and not (
        _is_pair(limits, whole=False) and 0 <= limits[0] <= limits[1] and np.isfinite(limits[0])
    ):
        raise fail(
            where, f"`limits` is {limits!r}", "pass (lower, upper) with 0 <= lower <= upper"
        )
    if not _is_pair(mothers, whole=True):
        raise fail(
            where, f"`mothers` is {mothers!r}", "pass the ages (first, after last), e.g. (15, 45)"
        )
    starts = list(
        range(base_year, launch_year - step + 1, 1 if step < launch_year - base_year else step)
    )
    need = sorted({*starts, *(t + step for t in starts), launch_year})
    areas, stocks = stocks_by_year(df, b, need, year, where)
    lower, upper = _units(b, split)
    m0, m1 = mothers
    adult_mask = np.array([m0 <= lo < m1 for lo in lower])
    if not adult_mask.any():
        raise fail(
            where,
            f"no age unit lies within `mothers` {mothers}",
            "choose `mothers` on band edges (e.g. (15, 45)) or pass split=",
        )
    young = np.zeros(len(lower), dtype=bool)
    young[:shift] = True
    female = _women_stocks(df, women, b, need, year, stocks, where)
    notes: list[str] = []
    model = _Model(b, split, step, shift, young, adult_mask, method, limits, notes)
    # the adults behind the child ratios: women if given (child-woman ratio), else everybody
    mothers_of = female if female is not None else stocks
    if split is not None:
        notes.append(
            f"bands split into single years ({split}), ratios over {step} year(s)"
            + (f", pooled over {len(starts)} periods" if len(starts) > 1 else "")
            + ", re-aggregated to the bands"
        )
    ratio, diff = model.pooled_ratios(stocks, mothers_of, starts)
    female_model = None
    if female is not None:
        female_model = (*model.pooled_ratios(female, mothers_of, starts), female[launch_year])
        notes.append(
            "child-woman ratios: the youngest follow the projected women of `mothers` ages"
        )
    out_years = list(range(launch_year + step, target_year + 1, step))
    results = {launch_year: stocks[launch_year]}
    results.update(model.project(stocks[launch_year], ratio, diff, female_model, out_years))
    if model.n_negative:
        notes.append(
            f"{model.n_negative} negative projected cohort(s) set to 0 (difference method)"
        )
    results = _apply_control(results, control, b, launch_year, where, notes)
    population = _stack(results, areas, b.columns, year)
    labels = [
        f"{lo}+" if u is None else (str(lo) if split else f"{lo}-{u - 1}")
        for lo, u in zip(lower, upper, strict=True)
    ]
    ratios = pd.DataFrame(
        ratio if method == "ratio" else np.where(young, ratio, diff), index=areas, columns=labels
    )
    settings = MappingProxyType(
        {
            "base_year": base_year,
            "step": step,
            "split": split,
            "mothers": mothers,
            "method_variant": method,
            "limits": limits,
            "control": control is not None,
            "women": tuple(women) if women is not None else None,
        }
    )
    return ProjectionResult(
        population=population,
        bands=b,
        method="hamilton_perry",
        launch_year=launch_year,
        target_year=target_year,
        ratios=ratios,
        settings=settings,
        notes=tuple(notes),
    )


def _is_pair(value: Any, *, whole: bool) -> bool:
    """Tell whether ``value`` is two numbers (whole ones with ``whole``), not bools or text."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        return False
    if whole:
        return all(is_whole(v) for v in value)
    return all(
        isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_)
        for v in value
    )


def _periods(
    b: AgeBands,
    split: str | None,
    step: int | None,
    base_year: int,
    launch_year: int,
    target_year: int,
    where: str,
) -> tuple[int, int]:
    """Check the years; return the ratio period and the age shift per period (in units)."""
    for arg, value in (
        ("base_year", base_year),
        ("launch_year", launch_year),
        ("target_year", target_year),
    ):
        check_year(value, arg=arg, where=where)
    if not base_year < launch_year < target_year:
        raise fail(
            where,
            f"the years are base {base_year}, launch {launch_year}, target {target_year}",
            "pass base_year < launch_year < target_year",
        )
    horizon = target_year - launch_year
    if split is None:
        widths = {w for w in b.widths if w is not None}
        if len(widths) != 1:
            raise fail(
                where,
                f"the bands have different widths ({', '.join(str(w) for w in b.widths)}); "
                "cohorts cannot move one band per period",
                "pass split='uniform' (or 'monotone') to project single years of age and "
                "re-aggregate, or use bands of equal width",
            )
        width = widths.pop()
        if step is not None and step != width:
            raise fail(
                where,
                f"`step` is {step} but the bands are {width} years wide",
                f"use step={width} or split=",
            )
        step = width
        shift = 1
        if horizon % width:
            raise fail(
                where,
                f"the horizon {launch_year} -> {target_year} ({horizon} years) is not a multiple "
                f"of the band width ({width} years)",
                "choose the target year "
                + " or ".join(
                    str(launch_year + width * k)
                    for k in sorted({max(1, horizon // width), horizon // width + 1})
                )
                + ", or pass split='uniform' with a `step` that divides the horizon",
            )
    else:
        step = launch_year - base_year if step is None else int(step)
        shift = step
        if step < 1 or horizon % step:
            raise fail(
                where,
                f"the horizon {launch_year} -> {target_year} ({horizon} years) is not a multiple "
                f"of the ratio period `step` ({step} years)",
                "choose a target year a multiple of `step` after the launch year, or a `step` "
                "that divides the horizon (step=1 pools the annual ratios of the base period)",
            )
    if launch_year - base_year < step:
        raise fail(
            where,
            f"the base period {base_year} -> {launch_year} is shorter than the ratio period ({step} years)",
            "choose an earlier base year",
        )
    if (launch_year - base_year) % step:
        raise fail(
            where,
            f"the base period ({launch_year - base_year} years) is not a multiple of `step` ({step})",
            "choose base and launch years a multiple of `step` apart",
        )
    return step, shift


def _women_stocks(
    df: pd.DataFrame,
    women: Sequence[Hashable] | None,
    b: AgeBands,
    need: list[int],
    year: Hashable,
    stocks: dict[int, np.ndarray],
    where: str,
) -> dict[int, np.ndarray] | None:
    """Women per band and year (a part of the band's residents), if `women` is given."""
    if women is None:
        return None
    if len(women) != len(b.columns):
        raise fail(
            where,
            f"`women` names {len(women)} columns for {len(b.columns)} bands",
            "give one column of women per band, in the order of `bands`",
        )
    _, female = stocks_by_year(df, AgeBands(tuple(women), b.lower, b.upper), need, year, where)
    above = [y for y in need if (female[y] > stocks[y] + 1e-9).any()]
    if above:
        raise fail(
            where,
            f"`women` exceed the residents of their band in {format_values(above)}",
            "pass the women of each band as a part of the band's residents",
        )
    return female


@dataclass
class _Model:
    """Age units, cohort shift and options of one Hamilton-Perry projection."""

    b: AgeBands
    split: str | None
    step: int
    shift: int
    young: np.ndarray  # units born during one period (their ratio is a child ratio)
    adult_mask: np.ndarray  # units of the mothers' ages
    method: str
    limits: tuple[float, float] | None
    notes: list[str]
    n_negative: int = 0

    def units(self, values: np.ndarray) -> np.ndarray:
        """Stocks by projection unit: the bands, or single years of age with ``split``."""
        if self.split is None:
            return values
        single = _split_matrix(values, self.b, self.split)
        return single if self.b.open else single[:, : self.b.top]  # closed top band: no open unit

    def pooled_ratios(
        self, stk: dict[int, np.ndarray], mothers_of: dict[int, np.ndarray], starts: list[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Cohort-change ratios and differences pooled over the base periods."""
        young, step = self.young, self.step
        num: np.ndarray = np.zeros(0)
        den: np.ndarray = np.zeros(0)
        for i, t in enumerate(starts):
            aged = _age_forward(self.units(stk[t]), self.shift, self.b.open)
            aged[:, young] = self.units(mothers_of[t + step])[:, self.adult_mask].sum(
                axis=1, keepdims=True
            )
            later = self.units(stk[t + step]).astype(float)  # a copy: sums never alias `stk`
            num = later if i == 0 else num + later
            den = aged.astype(float) if i == 0 else den + aged
        city = np.divide(
            num.sum(axis=0), den.sum(axis=0), out=np.ones(num.shape[1]), where=den.sum(axis=0) > 0
        )
        zero = den <= 0
        ratio = np.divide(num, den, out=np.broadcast_to(city, num.shape).copy(), where=~zero)
        if zero.any():
            self.notes.append(
                f"{int(zero.sum())} ratio(s) without a base cohort took the city-wide ratio"
            )
        diff = (num - np.where(young, 0.0, den)) / len(starts)
        if self.limits is not None:
            clipped = (~young) & ((ratio < self.limits[0]) | (ratio > self.limits[1]))
            ratio = np.where(young, ratio, np.clip(ratio, *self.limits))
            self.notes.append(
                f"{int(clipped.sum())} cohort-change ratio(s) limited to {self.limits}"
            )
        return ratio, diff

    def advance(self, current: np.ndarray, r: np.ndarray, d: np.ndarray) -> np.ndarray:
        """Age the cohorts by one period and apply the ratios (or differences)."""
        aged = _age_forward(current, self.shift, self.b.open)
        if self.method == "ratio":
            return r * aged
        nxt = aged + d
        self.n_negative += int((nxt[:, ~self.young] < 0).sum())
        return np.clip(nxt, 0, None)

    def project(
        self,
        launch: np.ndarray,
        ratio: np.ndarray,
        diff: np.ndarray,
        female: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
        out_years: list[int],
    ) -> dict[int, np.ndarray]:
        """Stocks by band in every output year, from the launch-year stocks."""
        young, adult_mask = self.young, self.adult_mask
        current = self.units(launch)
        current_f = self.units(female[2]) if female is not None else None
        results = {}
        for y in out_years:
            nxt = self.advance(current, ratio, diff)
            if female is not None and current_f is not None:
                ratio_f, diff_f, _ = female
                nxt_f = self.advance(current_f, ratio_f, diff_f)
                adults = nxt_f[:, adult_mask].sum(axis=1, keepdims=True)
                nxt_f[:, young] = ratio_f[:, young] * adults
                current_f = nxt_f
            else:
                adults = nxt[:, adult_mask].sum(axis=1, keepdims=True)
            nxt[:, young] = ratio[:, young] * adults
            current = nxt
            results[y] = current if self.split is None else _aggregate_matrix(current, self.b)
        return results


def _apply_control(results, control, b, launch_year, where, notes):
    if control is None:
        return results
    out = {
        y: v if y == launch_year else reconcile(v, control_target(control, y, b, where))
        for y, v in results.items()
    }
    notes.append("reconciled to the city-level control (proportional scaling)")
    return out


def _stack(
    results: dict[int, np.ndarray], areas: pd.Index, columns: Sequence[Hashable], year: Hashable
) -> pd.DataFrame:
    """Stack (areas x columns) arrays per year into one frame indexed by (area, year).

    The index is built from codes (no re-factorising of the area ids, which dominates the
    run time for 100,000 areas); rows are ordered by area, then year.
    """
    years = sorted(results)
    n, ny = len(areas), len(years)
    data = np.stack([results[y] for y in years], axis=1).reshape(n * ny, -1)
    index = pd.MultiIndex(
        levels=[areas, pd.Index(years)],
        codes=[np.repeat(np.arange(n), ny), np.tile(np.arange(ny), n)],
        names=[areas.name or "gebiet", year],
        verify_integrity=False,
    )
    cols = columns if isinstance(columns, pd.Index) else list(columns)
    out = pd.DataFrame(data, index=index, columns=cols)
    return out if areas.is_monotonic_increasing else out.sort_index(level=0, sort_remaining=True)
