"""Cohort-component projection in single years of age, vectorised over areas."""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.checks import (
    check_frame,
    check_rng,
    check_unique_index,
    count_block,
    fail,
    format_values,
    is_whole,
)
from sozplan.errors import DataQualityWarning
from sozplan.projection._bands import (
    AgeBands,
    _aggregate_matrix,
    _as_bands,
    _split_matrix,
    _stock_values,
)
from sozplan.projection._common import check_year, control_target, reconcile, require_bands
from sozplan.projection._hamilton_perry import ProjectionResult, _stack

__all__ = ["COMPONENTS", "SCENARIO_KEYS", "cohort_component", "estimate_rates"]

#: Components recorded per area and year; they add up to the change of the total.
COMPONENTS = ("geburten", "sterbefaelle", "zuzuege", "neubau_zuzuege", "fortzuege", "abgleich")

#: Multipliers a scenario may set.
SCENARIO_KEYS = ("fertility", "mortality", "in_migration", "out_migration", "new_build")


def _fmt_unique(values: np.ndarray) -> str:
    uniq = pd.unique(values)
    return ", ".join(f"{v:g}" for v in uniq[:5]) + (
        f" and {len(uniq) - 5} more" if len(uniq) > 5 else ""
    )


def _rate_check(values: np.ndarray, name: str, where: str, ids: Sequence | None = None) -> None:
    bad = ~np.isfinite(values) | (values < 0) | (values > 1)
    if bad.any():
        shown = _fmt_unique(np.asarray(values)[bad].ravel())
        raise fail(
            where,
            f"`{name}` has {int(bad.sum())} value(s) outside [0, 1]: {shown}",
            "pass probabilities or rates per person and year between 0 and 1 (not per 1,000)",
        )


def _by_age(
    values: pd.Series | float,
    n_ages: int,
    name: str,
    where: str,
    *,
    rate: bool,
    carry: bool = False,
) -> np.ndarray:
    """Return a schedule by single age (missing ages 0, or the last one carried forward)."""
    if isinstance(values, int | float | np.number) and not isinstance(values, bool | np.bool_):
        out = np.full(n_ages, values, dtype=float)
    else:
        if not isinstance(values, pd.Series):
            raise fail(
                where,
                f"`{name}` is a {type(values).__name__}",
                "pass a number or a Series indexed by single age",
            )
        s = pd.to_numeric(values, errors="coerce").astype(float)
        if s.isna().any():  # ages absent from the index are 0 (or carried); given gaps are not
            raise fail(
                where,
                f"`{name}` has {int(s.isna().sum())} missing or non-numeric value(s), at ages "
                f"{format_values(s.index[s.isna()])}",
                "give a number for every age listed (leave out ages without a value)",
            )
        try:
            ages = s.index.astype(int)
        except (TypeError, ValueError):
            raise fail(
                where,
                f"`{name}` is not indexed by single years of age",
                "index it by 0, 1, 2, ...",
            ) from None
        s.index = ages
        s = s.reindex(range(n_ages))
        out = (s.ffill().bfill() if carry else s.fillna(0.0)).to_numpy()
    if rate:
        _rate_check(out, name, where)
    elif (out < 0).any() or not np.isfinite(out).all():
        raise fail(where, f"`{name}` has negative or missing values", "pass non-negative numbers")
    return out


def _survival(survival, female_share, n_ages, where) -> tuple[np.ndarray, np.ndarray]:
    """Survival by age (both sexes weighted by the female share) and the female share by age."""
    fs = _by_age(female_share, n_ages, "female_share", where, rate=True, carry=True)
    if isinstance(survival, pd.DataFrame):
        cols = {str(c).lower(): c for c in survival.columns}
        male = next((cols[c] for c in ("m", "male", "maennlich", "männlich") if c in cols), None)
        female = next((cols[c] for c in ("w", "f", "female", "weiblich") if c in cols), None)
        if male is None or female is None:
            raise fail(
                where,
                f"`survival` has the columns {format_values(survival.columns)}",
                "name the sexes 'maennlich' and 'weiblich' (or 'male'/'female'), or pass one Series",
            )
        sm = _by_age(survival[male], n_ages, "survival", where, rate=True, carry=True)
        sf = _by_age(survival[female], n_ages, "survival", where, rate=True, carry=True)
        return (1 - fs) * sm + fs * sf, fs
    return _by_age(survival, n_ages, "survival", where, rate=True, carry=True), fs


def _area_band_frame(value, areas, b: AgeBands, name, where, *, rate: bool) -> np.ndarray:
    """(n, k) array from a scalar, a Series by band, or a DataFrame area x band."""
    k = len(b.columns)
    if value is None:
        return np.zeros((len(areas), k))
    if np.isscalar(value):
        arr = np.full((len(areas), k), value, dtype=float)
    elif isinstance(value, pd.Series):
        require_bands(value.index, b, arg=name, where=where, what="band(s)")
        arr = np.tile(value[list(b.columns)].to_numpy(dtype=float), (len(areas), 1))
    elif isinstance(value, pd.DataFrame):
        require_bands(value.columns, b, arg=name, where=where)
        gone = areas.difference(value.index)
        if len(gone):
            raise fail(
                where,
                f"`{name}` has no row for the area(s) {format_values(gone)}",
                "give a row for every area",
            )
        arr = value.reindex(areas)[list(b.columns)].to_numpy(dtype=float)
    else:
        raise fail(
            where,
            f"`{name}` is a {type(value).__name__}",
            "pass a number, a Series by band or a DataFrame",
        )
    if rate:
        _rate_check(arr, name, where)
    elif (~np.isfinite(arr) | (arr < 0)).any():
        raise fail(where, f"`{name}` has negative or missing counts", "pass counts of at least 0")
    return arr


def _expand(
    arr: np.ndarray, b: AgeBands, n_ages: int, *, spread: bool, surv: np.ndarray | None = None
) -> np.ndarray:
    """Expand band values (n, k) to single ages: rates repeated, counts spread evenly.

    Counts of the open band are spread in proportion to the life-table survivors.
    """
    out = np.zeros((arr.shape[0], n_ages))
    for j, (lo, u) in enumerate(zip(b.lower, b.upper, strict=True)):
        hi = n_ages if u is None else min(u, n_ages)
        if not spread:
            out[:, lo:hi] = arr[:, [j]]
        elif u is None and surv is not None:
            out[:, lo:hi] = arr[:, [j]] * _survivor_profile(surv, lo, n_ages)[None, :]
        else:
            out[:, lo:hi] = arr[:, [j]] / (hi - lo)
    return out


def _split_launch(
    values: np.ndarray, b: AgeBands, split: str, surv: np.ndarray, n_ages: int
) -> np.ndarray:
    """Single ages at launch; an open band is spread in proportion to life-table survivors."""
    single = _split_matrix(values, b, split)
    out = np.zeros((values.shape[0], n_ages))
    top = b.top
    out[:, :top] = single[:, :top]
    if b.open:
        out[:, top:] = single[:, [top]] * _survivor_profile(surv, top, n_ages)[None, :]
    return out


def _survivor_profile(surv: np.ndarray, first: int, n_ages: int) -> np.ndarray:
    """Shares of the ages ``first .. n_ages - 1`` in a stationary population (life-table l_x)."""
    lx = np.concatenate([[1.0], np.cumprod(surv[first : n_ages - 1])])
    return lx / lx.sum()


def cohort_component(
    df: pd.DataFrame,
    bands: AgeBands | Sequence[Hashable] | Mapping,
    *,
    launch_year: int,
    horizon: int,
    survival: pd.Series | pd.DataFrame,
    fertility: pd.Series,
    out_migration: float | pd.Series | pd.DataFrame | None = None,
    in_migration: float | pd.Series | pd.DataFrame | None = None,
    fertility_level: pd.Series | float = 1.0,
    mortality_level: pd.Series | float = 1.0,
    new_build: pd.DataFrame | None = None,
    occupancy: pd.Series | None = None,
    control: pd.Series | pd.DataFrame | None = None,
    output_bands: AgeBands | Sequence[Hashable] | Mapping | None = None,
    split: str = "uniform",
    female_share: float | pd.Series = 0.5,
    scenario: Mapping[str, float] | None = None,
    max_age: int = 100,
    n_draws: int = 0,
    interval: float = 0.9,
    rng: Any = None,
) -> ProjectionResult:
    r"""Project stocks per area with the cohort-component method, year by year.

    Bands are split into single years of age (:func:`split_ages`; an open band is spread
    in proportion to the life-table survivors), projected in single years and
    re-aggregated to ``output_bands``. For each area :math:`i`, age :math:`a` and year:

    .. math::

        O_{ia} &= o_{ia} P_{ia}, \qquad D_{ia} = (P_{ia} - O_{ia})\,(1 - s_a)\,m_i \\
        B_i &= \ell_i \sum_a w_a f_a P_{ia}, \\
        P'_{i,a+1} &= (P_{ia} - O_{ia}) - D_{ia} + I_{i,a+1} + N_{i,a+1}, \qquad
        P'_{i0} = B_i\,(1 - (1 - s_0)\,m_i) + I_{i0} + N_{i0},

    with out-migration rates :math:`o`, survival :math:`s` (life table, both sexes weighted
    by the female share :math:`w_a`), the area's mortality level :math:`m_i` applied to the
    death probabilities :math:`1 - s_a`, fertility :math:`f` by age of mother
    times the area's level :math:`\ell_i` (indirectly standardised, see
    :func:`estimate_rates`), in-migrants :math:`I` (counts at their age at year end) and
    new-build move-ins :math:`N` = dwellings x occupancy profile. The oldest age is an
    open group. Then an optional top-down reconciliation scales each year proportionally
    (per output band if ``control`` has bands) so that the city sums equal the control
    exactly; its effect is the component ``abgleich``. Births + in-migrants + new-build
    move-ins - deaths - out-migrants + ``abgleich`` equal the change of every area's total
    exactly (see Wilson et al. 2021, doi:10.1007/s11113-021-09671-6, on small-area
    cohort-component models).

    Parameters
    ----------
    df : DataFrame
        Stocks at the launch year, one row per area, one column per band.
    bands : AgeBands, list of columns or dict
    launch_year : int
    horizon : int
        Number of years to project (at least 1).
    survival : Series or DataFrame
        Probability of surviving one year from age :math:`a` to :math:`a+1`, by single age
        (a life table's :math:`1 - q_x`); a DataFrame with columns ``maennlich`` and
        ``weiblich`` for the two sexes.
    fertility : Series
        Births per woman and year by single age of mother (age-specific fertility rates).
    out_migration : number, Series by band or DataFrame area x band, optional
        Out-migration rates per person and year in [0, 1].
    in_migration : number, Series by band or DataFrame area x band, optional
        In-migrants per year (counts), spread evenly over the ages of each band.
    fertility_level, mortality_level : Series by area or number, default 1
        Area multipliers of fertility and of the death probabilities.
    new_build : DataFrame, optional
        New dwellings: columns ``gebiet`` (area), ``jahr`` (year of completion) and
        ``wohnungen`` (number of dwellings); move-ins happen in the completion year.
    occupancy : Series, optional
        Persons per new dwelling by single age (the age profile of move-ins into new
        buildings); required with ``new_build``.
    control : Series or DataFrame, optional
        City-level projection by year (total), or by year and output band.
    output_bands : AgeBands, list of columns or dict, optional
        Bands of the result (default: ``bands``), e.g. :meth:`AgeBands.planning` for Kita
        and school planning.
    split : {"uniform", "monotone"}, default "uniform"
    female_share : number or Series by age, default 0.5
        Share of women by age (for births and the sex-weighted survival).
    scenario : dict, optional
        Multipliers of ``"fertility"``, ``"mortality"``, ``"in_migration"``,
        ``"out_migration"`` and ``"new_build"``, e.g. ``{"in_migration": 1.2}``.
    max_age : int, default 100
        Oldest single age (an open group).
    n_draws : int, default 0
        Number of simulation runs for prediction intervals (0: none). Each run draws
        births, deaths and moves as Poisson counts around their expectation (demographic
        randomness; parameter uncertainty is not included).
    interval : float, default 0.9
        Coverage of the prediction interval.
    rng : numpy Generator or int, optional

    Returns
    -------
    ProjectionResult
        With :attr:`~ProjectionResult.components` and, if simulated,
        :attr:`~ProjectionResult.intervals`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"0_14": [150.0], "15_44": [300.0], "45_plus": [250.0]}, index=["A"])
    >>> res = cohort_component(df, ["0_14", "15_44", "45_plus"], launch_year=2024, horizon=1,
    ...                        survival=pd.Series(1.0, index=range(101)),
    ...                        fertility=pd.Series(0.1, index=range(15, 45)))
    >>> float(res.components.loc[("A", 2025), "geburten"])  # 0.5 x 300 women x 0.1
    15.0
    """
    where = "cohort_component"
    b = _as_bands(bands, where)
    ob = b if output_bands is None else _as_bands(output_bands, where)
    scen = _check_cohort_options(b, ob, horizon, split, max_age, scenario, interval, where)
    launch_year = check_year(launch_year, arg="launch_year", where=where)
    n_ages = max_age + 1
    if isinstance(df, pd.DataFrame) and isinstance(df.index, pd.MultiIndex):
        raise fail(
            where,
            f"`df` has a {df.index.nlevels}-level index ({', '.join(map(str, df.index.names))})",
            "pass one row per area at the launch year, e.g. df.xs(launch_year, level='jahr')",
        )
    values = _stock_values(df, b, where)
    check_unique_index(df, where=where)
    areas = df.index
    surv, fs = _survival(survival, female_share, n_ages, where)
    fert = _by_age(fertility, n_ages, "fertility", where, rate=True)
    lev_f = _area_vector(fertility_level, areas, "fertility_level", where) * scen.get(
        "fertility", 1.0
    )
    lev_m = _area_vector(mortality_level, areas, "mortality_level", where) * scen.get(
        "mortality", 1.0
    )
    out_rate = _expand(
        _area_band_frame(out_migration, areas, b, "out_migration", where, rate=True),
        b,
        n_ages,
        spread=False,
    )
    out_rate = np.clip(out_rate * scen.get("out_migration", 1.0), 0, 1)
    inflow = _expand(
        _area_band_frame(in_migration, areas, b, "in_migration", where, rate=False),
        b,
        n_ages,
        spread=True,
        surv=surv,
    )
    inflow = inflow * scen.get("in_migration", 1.0)
    years = list(range(launch_year + 1, launch_year + horizon + 1))
    dwellings, occ = _new_build(new_build, occupancy, areas, years, n_ages, where)
    flows = _Flows(
        launch_year=launch_year,
        years=years,
        lev_f=lev_f,
        fert_w=fs * fert,
        out_rate=out_rate,
        qx=np.clip((1 - surv)[None, :] * lev_m[:, None], 0, 1),
        infant_q=(1 - surv[0]) * lev_m,
        inflow=inflow,
        dwellings=dwellings * scen.get("new_build", 1.0),
        occ=occ,
        control=control,
        ob=ob,
    )
    pop0 = _split_launch(values, b, split, surv, n_ages)
    results, comps = flows.run(pop0)
    population = _stack(results, areas, ob.columns, "jahr")
    components = _stack(comps, areas, COMPONENTS, "jahr")
    intervals = None
    notes = [f"bands split into single years ({split}); open band spread by life-table survivors"]
    if n_draws:
        if not is_whole(n_draws) or n_draws < 2:
            raise fail(where, f"`n_draws` is {n_draws!r}", "pass 0 or at least 2")
        gen = check_rng(rng, where=where)
        intervals = _simulated_intervals(flows, pop0, n_draws, gen, interval, areas)
        notes.append(
            f"{interval:.0%} prediction intervals from {n_draws} simulations (Poisson births, deaths "
            "and moves; without parameter uncertainty)"
        )
    if control is not None:
        notes.append("reconciled to the city-level control each year (component 'abgleich')")
    if scen:
        notes.append("scenario: " + ", ".join(f"{k} x {v:g}" for k, v in scen.items()))
    settings = MappingProxyType(
        {
            "split": split,
            "max_age": max_age,
            "scenario": MappingProxyType(scen),
            "control": control is not None,
        }
    )
    return ProjectionResult(
        population=population,
        bands=ob,
        method="cohort_component",
        launch_year=launch_year,
        target_year=years[-1],
        components=components,
        intervals=intervals,
        settings=settings,
        notes=tuple(notes),
    )


def _check_cohort_options(
    b: AgeBands,
    ob: AgeBands,
    horizon: int,
    split: str,
    max_age: int,
    scenario: Mapping[str, float] | None,
    interval: float,
    where: str,
) -> dict[str, float]:
    """Check the options of :func:`cohort_component`; return the scenario multipliers."""
    if not is_whole(horizon) or horizon < 1:
        raise fail(where, f"`horizon` is {horizon!r}", "pass a whole number of years, at least 1")
    if split not in ("uniform", "monotone"):
        raise fail(where, f"`split` is {split!r}", "use 'uniform' or 'monotone'")
    for arg, bb in (("bands", b), ("output_bands", ob)):
        if not bb.open:
            raise fail(
                where,
                f"the oldest of `{arg}` ends at age {bb.top}; people ageing beyond it would leave "
                "the table unaccounted",
                "make the oldest band open (e.g. '75 und älter', upper edge None)",
            )
    _check_max_age(max_age, max(b.top, ob.top), where)
    scen = _check_scenario(scenario, where)
    if not 0 < interval < 1:
        raise fail(
            where, f"`interval` is {interval!r}", "pass a coverage between 0 and 1, e.g. 0.9"
        )
    return scen


def _check_max_age(max_age: Any, top: int, where: str) -> None:
    """Refuse an oldest age that is not a whole number above the bands' top age."""
    if not is_whole(max_age) or max_age <= top:
        raise fail(
            where,
            f"`max_age` {max_age!r} is not a whole number above the bands' top age {top}",
            "raise `max_age`, e.g. max_age=100",
        )


def _check_scenario(scenario: Any, where: str) -> dict[str, float]:
    """Return the scenario multipliers, refusing unknown keys and non-finite or negative values."""
    if scenario is not None and not isinstance(scenario, Mapping):
        raise fail(
            where,
            f"`scenario` is a {type(scenario).__name__}",
            'pass a dict of multipliers, e.g. {"in_migration": 1.2}',
        )
    scen = dict(scenario or {})
    unknown = [k for k in scen if k not in SCENARIO_KEYS]
    if unknown:
        raise fail(
            where,
            f"`scenario` has unknown key(s) {format_values(unknown)}",
            f"use {', '.join(SCENARIO_KEYS)}",
        )
    bad = {
        k: v
        for k, v in scen.items()
        if isinstance(v, bool | np.bool_)
        or not isinstance(v, int | float | np.number)
        or not (np.isfinite(v) and v >= 0)
    }
    if bad:
        shown = ", ".join(f"{k}={v!r}" for k, v in bad.items())
        raise fail(
            where,
            f"`scenario` has multiplier(s) that are not finite non-negative numbers: {shown}",
            "pass multipliers of at least 0, e.g. 1.2 for 20 % more",
        )
    return {k: float(v) for k, v in scen.items()}


@immutable
@dataclass(frozen=True)
class _Flows:
    """Rates and flows of a cohort-component projection (areas x single years of age)."""

    launch_year: int
    years: list[int]
    lev_f: np.ndarray  # fertility level per area
    fert_w: np.ndarray  # births per resident by age (female share x fertility)
    out_rate: np.ndarray
    qx: np.ndarray  # death probabilities per area and age
    infant_q: np.ndarray
    inflow: np.ndarray
    dwellings: np.ndarray  # new dwellings per year and area
    occ: np.ndarray  # residents per new dwelling by age
    control: Any
    ob: AgeBands

    def run(self, start: np.ndarray, draw: Any = None) -> tuple[dict, dict]:
        """Stocks by output band and components per year; Poisson draws with ``draw``."""
        # three (areas x ages) work buffers, reused every year (no fresh allocations)
        pop, nxt, work = start.copy(), np.empty_like(start), np.empty_like(start)
        out_pop, comps = {self.launch_year: _aggregate_matrix(pop, self.ob)}, {}
        inflow_sum = self.inflow.sum(axis=1)
        occ_sum = float(self.occ.sum())
        for t, y in enumerate(self.years):
            births = self.lev_f * (pop @ self.fert_w)
            if draw is not None:
                births = draw.poisson(births).astype(float)
            o = np.multiply(self.out_rate, pop, out=work)
            if draw is not None:
                o = np.minimum(draw.poisson(o), pop, out=work)
            o_sum = o.sum(axis=1)
            alive = np.subtract(pop, o, out=work)
            d = np.multiply(alive, self.qx, out=nxt)
            if draw is not None:
                d = np.minimum(draw.poisson(d), alive, out=nxt)
            infant_deaths = np.minimum(births * self.infant_q, births)
            d_sum = d.sum(axis=1) + infant_deaths
            alive -= d
            nxt[:, 1:] = alive[:, :-1]
            nxt[:, -1] += alive[:, -1]
            nxt[:, 0] = births - infant_deaths
            if draw is None:
                nxt += self.inflow
                in_sum = inflow_sum
            else:
                i_n = draw.poisson(self.inflow)
                nxt += i_n
                in_sum = i_n.sum(axis=1)
                del i_n
            rows = np.flatnonzero(self.dwellings[t])
            if rows.size:
                nxt[rows] += self.dwellings[t][rows, None] * self.occ[None, :]
            adjust = _control_year(nxt, self.control, y, self.ob, "cohort_component")
            comps[y] = np.stack(
                [births, d_sum, in_sum, self.dwellings[t] * occ_sum, o_sum, adjust], axis=1
            )
            pop, nxt = nxt, pop
            out_pop[y] = _aggregate_matrix(pop, self.ob)
        return out_pop, comps


def _simulated_intervals(
    flows: _Flows,
    pop0: np.ndarray,
    n_draws: int,
    gen: np.random.Generator,
    interval: float,
    areas: pd.Index,
) -> pd.DataFrame:
    """Prediction intervals (lower, upper per band) from Poisson simulations of the flows."""
    years, ob = flows.years, flows.ob
    sims = np.empty((n_draws, len(years), len(areas), len(ob.columns)), dtype=np.float32)
    for r in range(n_draws):
        res_r, _ = flows.run(pop0, gen)
        for t, y in enumerate(years):
            sims[r, t] = res_r[y]
    lo, hi = np.quantile(sims, [(1 - interval) / 2, (1 + interval) / 2], axis=0)
    cols = pd.MultiIndex.from_product([list(ob.columns), ["lower", "upper"]])
    bounds = {
        y: np.stack([lo[t], hi[t]], axis=2).reshape(len(areas), -1) for t, y in enumerate(years)
    }
    return _stack(bounds, areas, cols, "jahr")


def _area_vector(value, areas: pd.Index, name: str, where: str) -> np.ndarray:
    if np.isscalar(value):
        arr = np.full(len(areas), value, dtype=float)
    else:
        gone = areas.difference(value.index)
        if len(gone):
            raise fail(
                where,
                f"`{name}` has no value for the area(s) {format_values(gone)}",
                "give one value per area",
            )
        arr = value.reindex(areas).to_numpy(dtype=float)
    if (~np.isfinite(arr) | (arr < 0)).any():
        raise fail(
            where, f"`{name}` has negative or missing values", "pass non-negative multipliers"
        )
    return arr


def _new_build(new_build, occupancy, areas, years, n_ages, where) -> tuple[np.ndarray, np.ndarray]:
    """Dwellings completed per (year, area) and the occupancy profile by age."""
    out = np.zeros((len(years), len(areas)))
    if new_build is None:
        return out, np.zeros(n_ages)
    if occupancy is None:
        raise fail(
            where,
            "`new_build` is given without `occupancy`",
            "pass the persons per dwelling by age",
        )
    occ = _by_age(occupancy, n_ages, "occupancy", where, rate=False)
    if not isinstance(new_build, pd.DataFrame) or not {"gebiet", "jahr", "wohnungen"} <= set(
        new_build.columns
    ):
        raise fail(
            where,
            "`new_build` lacks the columns 'gebiet', 'jahr', 'wohnungen'",
            "pass one row per area and year",
        )
    nb = new_build.groupby(["gebiet", "jahr"])["wohnungen"].sum()
    unknown = nb.index.get_level_values(0).difference(areas)
    if len(unknown):
        raise fail(
            where,
            f"`new_build` names unknown area(s) {format_values(unknown)}",
            "use ids of `df`'s index",
        )
    if (nb < 0).any():
        raise fail(where, "`new_build` has negative dwellings", "pass completions of at least 0")
    pos = pd.Series(np.arange(len(areas)), index=areas)
    for (area, y), dwellings in nb.items():
        if y in years:
            out[years.index(y), pos[area]] += dwellings
    return out, occ


def _control_year(pop: np.ndarray, control, y: int, ob: AgeBands, where: str) -> np.ndarray:
    """Scale ``pop`` in place so that the city sums equal the control of year ``y``.

    Returns the change of each area's total (the component ``abgleich``).
    """
    if control is None:
        return np.zeros(pop.shape[0])
    target = control_target(control, y, ob, where)
    before = pop.sum(axis=1)
    if np.ndim(target) == 0:
        total = before.sum()
        if total <= 0:
            raise fail(
                where, f"the projection for {y} sums to zero", "a zero total cannot be scaled"
            )
        factor = float(target) / total
        pop *= factor
        return before * (factor - 1)
    bands_now = _aggregate_matrix(pop, ob)
    sums = bands_now.sum(axis=0)
    factor = reconcile(bands_now, target).sum(axis=0) / np.where(sums > 0, sums, 1.0)
    per_age = np.ones(pop.shape[1])
    for j, (lo, u) in enumerate(zip(ob.lower, ob.upper, strict=True)):
        per_age[lo : (pop.shape[1] if u is None else u)] = factor[j]
    pop *= per_age
    return pop.sum(axis=1) - before


#: The columns of the components table of :func:`estimate_rates`.
_COMPONENT_COLUMNS = ("geburten", "sterbefaelle", "zuzuege", "fortzuege")


def _check_components(components: Any, b: AgeBands, where: str) -> pd.DataFrame:
    """Refuse a components table that is not counts per unique (area, year, band)."""
    check_frame(components, arg="components", where=where, row="area and year")
    if components.index.nlevels != 3:
        raise fail(
            where,
            f"`components` has a {components.index.nlevels}-level index",
            "index it by (area, year, band column), e.g. "
            "components.set_index(['gebiet', 'jahr', 'altersgruppe'])",
        )
    missing = [c for c in _COMPONENT_COLUMNS if c not in components.columns]
    if missing:
        raise fail(where, f"`components` lacks {format_values(missing)}", _FOUR_COLUMNS)
    count_block(components, list(_COMPONENT_COLUMNS), arg="components", where=where)
    twice = components.index[components.index.duplicated()]
    if len(twice):
        raise fail(
            where,
            f"`components` has {len(twice)} repeated (area, year, band) row(s): "
            f"{format_values(list(twice))}",
            "give each area, year and band one row (sum the duplicates first if they are parts)",
        )
    unknown = components.index.unique(2).difference(pd.Index(b.columns))
    if len(unknown):
        raise fail(
            where,
            f"`components` names band(s) {format_values(unknown)} that are not among `bands`",
            f"label the band level with the band columns {format_values(b.columns)}",
        )
    return components


def _check_same_areas(comp_areas: pd.Index, stock_areas: pd.Index, where: str) -> None:
    """Rates need the components and the stocks of the same areas (no silent zero rates)."""
    for gone, arg, other in (
        (comp_areas.difference(stock_areas), "components", "stocks"),
        (stock_areas.difference(comp_areas), "stocks", "components"),
    ):
        if len(gone):
            raise fail(
                where,
                f"`{arg}` has {len(gone)} area(s) that `{other}` lacks: {format_values(gone)}",
                "pass components and stocks of the same areas (rows of zeros where nothing "
                "happened)",
            )


_FOUR_COLUMNS = "pass the four component columns " + ", ".join(_COMPONENT_COLUMNS)


def _warn_rates(out: pd.DataFrame, exposure: pd.DataFrame, events: pd.Series, where: str) -> None:
    """List the out-migration rates capped at 1 and the areas without residents.

    ``events``: births, deaths and moves per area; an area without residents and
    without events (a park, an industrial estate) is no problem and not listed.
    """
    over = out.stack()
    over = over[over > 1.0]
    if len(over):
        cells = ", ".join(f"{area!r} {band}" for area, band in over.index[:5])
        more = f" and {len(over) - 5} more" if len(over) > 5 else ""
        warnings.warn(
            DataQualityWarning(
                f"{where}: more out-migrants in a year than residents at its start in "
                f"{len(over)} area and age band(s) ({cells}{more}); their out-migration "
                "rate is capped at 1 (turnover within the year, or stocks and components "
                "that do not match)"
            ),
            stacklevel=3,
        )
    empty = exposure.index[
        ((exposure.sum(axis=1) <= 0) & (events.reindex(exposure.index).fillna(0) > 0)).to_numpy()
    ]
    if len(empty):
        warnings.warn(
            DataQualityWarning(
                f"{where}: {len(empty)} area(s) without residents in the stocks but with "
                f"births, deaths or moves ({format_values(list(empty))}): their rates cannot "
                "be estimated; out-migration rate 0, fertility and mortality levels 1 (the "
                "schedules' own rates)"
            ),
            stacklevel=3,
        )


def estimate_rates(
    components: pd.DataFrame,
    stocks: pd.DataFrame,
    bands: AgeBands | Sequence[Hashable] | Mapping,
    *,
    survival: pd.Series | pd.DataFrame,
    fertility: pd.Series,
    female_share: float | pd.Series = 0.5,
    year: Hashable = "jahr",
    max_age: int = 100,
) -> dict[str, Any]:
    r"""Area rates for :func:`cohort_component` from recent births, deaths and moves.

    From the components of the recent years (births, deaths, in- and out-migrants per area,
    year and band) and the stocks at the end of each previous year:

    - ``out_migration``: :math:`o_{ib} = \sum_t O_{ibt} / \sum_t P_{ib,t-1}`;
    - ``in_migration``: mean in-migrants per year :math:`\bar I_{ib}`;
    - ``fertility_level``: observed over expected births, :math:`\sum_t B_{it} /
      \sum_t \sum_a w_a f_a P_{ia,t-1}` (indirect standardisation);
    - ``mortality_level``: observed over expected deaths (the standardised mortality
      ratio) with the life table's death probabilities.

    Parameters
    ----------
    components : DataFrame
        Indexed by (area, year, band column) with the columns ``geburten`` (births, on any
        band row of the area and year; summed), ``sterbefaelle``, ``zuzuege`` and ``fortzuege``.
    stocks : DataFrame
        Stocks indexed by (area, year), one column per band, including the year before
        the first component year.
    bands, survival, fertility, female_share, year, max_age
        As in :func:`cohort_component`.

    Returns
    -------
    dict
        ``out_migration`` and ``in_migration`` (DataFrames area x band),
        ``fertility_level`` and ``mortality_level`` (Series by area): pass them on with
        ``cohort_component(..., **rates)``.

    Warns
    -----
    DataQualityWarning
        Where an area and band had more out-migrants in a year than residents at its
        start (turnover within the year, or stocks and components that do not match): the
        rate is capped at 1, since the projection cannot move out more persons than there
        are. And for areas without residents in the stocks but with births, deaths or
        moves, whose rates cannot be estimated: out-migration 0, fertility and mortality
        levels 1.
    """
    where = "estimate_rates"
    b = _as_bands(bands, where)
    comp = _check_components(components, b, where)
    lvl = comp.index.names
    area_name, year_name, band_name = lvl[0], lvl[1], lvl[2]
    years = sorted(set(comp.index.get_level_values(year_name)))
    if not all(is_whole(y) for y in years):
        raise fail(
            where,
            f"the years of `components` ({format_values(years)}) are not whole numbers",
            "give the year level as integers, e.g. with .rename(index=int, level=1)",
        )
    _check_max_age(max_age, b.top, where)
    n_ages = max_age + 1
    surv, fs = _survival(survival, female_share, n_ages, where)
    fert = _by_age(fertility, n_ages, "fertility", where, rate=True)
    check_frame(stocks, arg="stocks", where=where)
    if stocks.index.nlevels != 2 or year not in stocks.index.names:
        raise fail(
            where,
            f"`stocks` is not indexed by (area, {year!r})",
            f"index it by area and year, e.g. stocks.set_index(['gebiet', {year!r}]), or name "
            "the year level with `year=`",
        )
    prev = stocks[stocks.index.get_level_values(year).isin([y - 1 for y in years])]
    if len(set(prev.index.get_level_values(year))) != len(years):
        raise fail(
            where,
            "`stocks` lacks the year before some component year",
            "pass the stocks of every previous year",
        )
    _stock_values(prev, b, where, arg="stocks")
    exposure = prev.groupby(level=0)[list(b.columns)].sum()
    areas = exposure.index
    _check_same_areas(comp.index.unique(area_name), areas, where)
    flows = comp.groupby([area_name, band_name])[["sterbefaelle", "zuzuege", "fortzuege"]].sum()

    def wide(col):
        return (
            flows[col].unstack(band_name).reindex(index=areas, columns=list(b.columns)).fillna(0.0)
        )

    out = wide("fortzuege") / exposure.where(exposure > 0)
    events = comp[["geburten", "sterbefaelle", "zuzuege", "fortzuege"]].groupby(level=0).sum()
    _warn_rates(out, exposure, events.sum(axis=1), where)
    out = out.fillna(0.0).clip(upper=1.0)
    inn = wide("zuzuege") / len(years)
    births = comp.groupby(area_name)["geburten"].sum().reindex(areas).fillna(0.0)
    deaths = wide("sterbefaelle").sum(axis=1)
    exp_b = np.zeros(len(areas))
    exp_d = np.zeros(len(areas))
    for y in years:
        p = prev.xs(y - 1, level=year).reindex(areas)[list(b.columns)].to_numpy(dtype=float)
        single = _split_launch(p, b, "uniform", surv, n_ages)
        exp_b += single @ (fs * fert)
        exp_d += single @ (1 - surv)
    fl = pd.Series(
        np.divide(births.to_numpy(), exp_b, out=np.ones(len(areas)), where=exp_b > 0), index=areas
    )
    ml = pd.Series(
        np.divide(deaths.to_numpy(), exp_d, out=np.ones(len(areas)), where=exp_d > 0), index=areas
    )
    return {
        "out_migration": out,
        "in_migration": inn,
        "fertility_level": fl,
        "mortality_level": ml,
    }
