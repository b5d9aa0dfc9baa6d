"""Accessibility: two-step floating catchment (2SFCA, enhanced), gravity (Hansen), nearest cost."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.html import preformatted
from sozplan.checks import check_aligned_index, check_columns, fail, format_values
from sozplan.plotting import FigureDisplay, facility_map
from sozplan.services._costs import COST_KINDS, STRAIGHT_LINE_NOTE, TravelCosts
from sozplan.services._decay import Decay, _positive, as_decay, step

__all__ = [
    "LUO_QI_STEPS",
    "Accessibility",
    "enhanced_two_step_fca",
    "gravity_access",
    "nearest_cost",
    "two_step_fca",
]

#: Weights of the enhanced 2SFCA of Luo & Qi (2009) for travel-time zones in minutes.
LUO_QI_STEPS: Mapping[float, float] = {10.0: 1.0, 20.0: 0.68, 30.0: 0.22}

_METHOD_LABELS = {
    "2sfca": ("Versorgung im Einzugsbereich (2SFCA)", "supply within reach (2SFCA)"),
    "e2sfca": ("Versorgung im Einzugsbereich (E2SFCA)", "supply within reach (E2SFCA)"),
    "gravity": ("Erreichbarkeitspotenzial (Hansen)", "accessibility potential (Hansen)"),
    "nearest": ("Weg zur nächsten Einrichtung", "cost to the nearest facility"),
}


@immutable
@dataclass(frozen=True, repr=False, eq=False)
class Accessibility:
    """Accessibility of facilities per origin (block), aggregable to areas.

    Attributes
    ----------
    values : pandas.Series
        One value per origin (index of the origins): places per ``per`` residents in
        reach (2SFCA, E2SFCA), the weighted sum of places (gravity) or the cost to the
        nearest facility (nearest; NaN where unreachable).
    method : {"2sfca", "e2sfca", "gravity", "nearest"}
    demand : pandas.Series or None
        Residents of the age band per origin (the weights of :meth:`aggregate`).
    facility_ratio : pandas.Series or None
        2SFCA step 1: places per ``per`` weighted residents in each facility's catchment
        (NaN for facilities without residents in reach, listed in ``notes``).
    nearest : pandas.Series or None
        Id of the nearest facility per origin (method ``"nearest"``).
    costs : str
        Label of the travel costs (kind and unit).
    max_cost : float
    decay : str
    per : float
    unreachable : pandas.Index
        Origins with no facility in reach: value 0 (2SFCA, gravity) or NaN (nearest);
        listed here, never dropped.
    notes : tuple of str
    """

    values: pd.Series
    method: str
    demand: pd.Series | None
    facility_ratio: pd.Series | None
    nearest: pd.Series | None
    costs: str
    max_cost: float
    decay: str
    per: float
    unreachable: pd.Index
    notes: tuple[str, ...] = ()

    def label(self, language: str = "de") -> str:
        """Readable name of the measure."""
        de, en = _METHOD_LABELS[self.method]
        return de if language == "de" else en

    def aggregate(self, by: pd.Series, *, weights: pd.Series | None = None) -> pd.Series:
        """Demand-weighted mean of the origins' values per area.

        Parameters
        ----------
        by : Series
            Area id per origin (e.g. ``blocks["planungsraum"]``), on the origins' index.
        weights : Series, optional
            Weights per origin; default :attr:`demand` (residents of the age band).

        Returns
        -------
        Series
            One value per area, named after the method; NaN for areas without weight.
            For 2SFCA it equals the places reaching the area's residents per ``per``
            residents.
        """
        where = "Accessibility.aggregate"
        w = self.demand if weights is None else weights
        if w is None:
            w = pd.Series(1.0, index=self.values.index)
        missing = self.values.index.difference(by.index)
        if len(missing):
            raise fail(
                where,
                f"`by` has no area for {len(missing)} origin(s) ({format_values(missing)})",
                "pass an area id for every origin, e.g. blocks['planungsraum']",
            )
        v = self.values
        w = w.reindex(v.index).astype(float)
        ok = v.notna()
        num = (v[ok] * w[ok]).groupby(by.reindex(v.index)[ok]).sum()
        den = w[ok].groupby(by.reindex(v.index)[ok]).sum()
        groups = pd.Index(by.reindex(v.index).unique()).sort_values()
        out = (num / den.where(den > 0)).reindex(groups)
        out.name = self.method
        out.index.name = by.name
        return out

    def to_frame(self) -> pd.DataFrame:
        """Per origin: ``value``, ``demand``, ``unreachable`` (and ``nearest``)."""
        out = pd.DataFrame({"value": self.values})
        if self.demand is not None:
            out["demand"] = self.demand
        if self.nearest is not None:
            out["nearest"] = self.nearest
        out["unreachable"] = out.index.isin(self.unreachable)
        return out

    def __repr__(self) -> str:
        v = self.values
        reach = "" if np.isinf(self.max_cost) else f", max_cost={self.max_cost:g}"
        lines = [
            f"Accessibility({self.method}: {len(v)} origins, {_english(self.costs)}{reach}, "
            f"decay={self.decay})",
            f"  values: mean {np.nanmean(v):.4g}, min {np.nanmin(v):.4g}, max {np.nanmax(v):.4g}"
            if v.notna().any()
            else "  values: all missing",
            f"  unreachable origins: {len(self.unreachable)}"
            + (f" ({format_values(self.unreachable)})" if len(self.unreachable) else ""),
        ]
        lines += [f"  note: {_english(n)}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return preformatted(repr(self))

    def plot(
        self,
        areas: Any,
        by: Hashable | None = None,
        *,
        facilities: Any = None,
        ax: Any = None,
        language: str = "de",
        **kwargs: Any,
    ) -> FigureDisplay:
        """Map of the accessibility, per area (``by``) or per origin.

        Parameters
        ----------
        areas : GeoDataFrame
            The origins (blocks), with the column ``by`` when given.
        by : str, optional
            Column of ``areas`` to aggregate to (e.g. ``"planungsraum"``); the areas are
            dissolved to it.
        facilities : GeoDataFrame, optional
            Facility points drawn on top, sized by capacity.
        ax, language, **kwargs
            Passed to :func:`sozplan.plotting.facility_map`.

        Returns
        -------
        FigureDisplay
        """
        if by is None:
            gdf = areas[[areas.geometry.name]].assign(value=self.values)
        else:
            gdf = areas[[by, areas.geometry.name]].dissolve(by=by)
            gdf["value"] = self.aggregate(areas[by])
        kwargs.setdefault("label", self.label(language))
        return facility_map(
            gdf, "value", facilities=facilities, ax=ax, language=language, **kwargs
        )


def _english(text: str) -> str:
    """Return the English version of a German cost label or note (reprs are English)."""
    if text == STRAIGHT_LINE_NOTE[0]:
        return STRAIGHT_LINE_NOTE[1]
    for de, en in COST_KINDS.values():
        if text.startswith(de):
            return en + text[len(de) :]
    return text


# --------------------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------------------
def _demand(origins: Any, population: Hashable, costs: TravelCosts, where: str) -> np.ndarray:
    check_columns(origins, [population], where=where, arg="origins")
    _check_ids(origins.index, costs.origins, "origins", where)
    p = pd.to_numeric(origins[population], errors="coerce").reindex(costs.origins)
    bad = p.isna() | (p < 0) | np.isinf(p)
    if bad.any():
        raise fail(
            where,
            f"`origins[{population!r}]` is missing or negative (or infinite) for {int(bad.sum())} origin(s) "
            f"({format_values(p.index[bad])})",
            "pass non-negative resident counts",
        )
    return p.to_numpy(dtype=float)


def _supply(facilities: Any, capacity: Hashable, costs: TravelCosts, where: str) -> np.ndarray:
    check_columns(facilities, [capacity], where=where, arg="facilities")
    _check_ids(facilities.index, costs.facilities, "facilities", where)
    s = pd.to_numeric(facilities[capacity], errors="coerce").reindex(costs.facilities)
    bad = s.isna() | (s <= 0) | np.isinf(s)
    if bad.any():
        raise fail(
            where,
            f"`facilities[{capacity!r}]` is zero, negative or missing (or infinite) for {int(bad.sum())} "
            f"facilit(ies) ({format_values(s.index[bad])})",
            "give every facility a positive number of places, or drop closed facilities",
        )
    return s.to_numpy(dtype=float)


def _check_ids(index: pd.Index, expected: pd.Index, arg: str, where: str) -> None:
    if not index.is_unique:
        dup = index[index.duplicated()].unique()
        raise fail(where, f"`{arg}` has duplicated ids {format_values(dup)}", "make ids unique")
    check_aligned_index(
        index,
        expected,
        arg=arg,
        other_arg="costs",
        where=where,
        fix=f"build the travel costs from the same `{arg}`",
    )


def _check_costs(costs: Any, where: str) -> TravelCosts:
    if not isinstance(costs, TravelCosts):
        raise fail(
            where,
            f"`costs` is {type(costs).__name__}",
            "build it with od_costs, network_costs or straight_line_costs",
        )
    return costs


def _weights(costs: TravelCosts, decay: Decay, max_cost: float | None) -> Any:
    w = costs.matrix.copy().astype(float)
    d = w.data
    weight = decay(d)
    if max_cost is not None:
        weight = np.where(d <= max_cost, weight, 0.0)
    if not np.isfinite(weight).all() or (weight < 0).any():
        raise fail(
            "accessibility",
            f"`decay` {decay.name} gives negative or infinite weights",
            "use a decay that is finite and non-negative (power: set min_cost > 0)",
        )
    w.data = weight
    return w


def _reach(costs: TravelCosts, max_cost: float | None) -> tuple[float, pd.Index]:
    limit = costs.max_cost if max_cost is None else min(float(max_cost), costs.max_cost)
    if max_cost is None:
        return limit, costs.unreachable
    m = costs.matrix
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    reached = np.zeros(m.shape[0], dtype=bool)
    reached[rows[m.data <= max_cost]] = True
    return limit, costs.origins[~reached]


# --------------------------------------------------------------------------------------
# 2SFCA
# --------------------------------------------------------------------------------------
def two_step_fca(
    origins: Any,
    population: Hashable,
    facilities: Any,
    *,
    costs: TravelCosts,
    capacity: Hashable = "plaetze",
    max_cost: float | None = None,
    decay: Decay | Callable | None = None,
    per: float = 100.0,
    _method: str = "2sfca",
    _where: str = "two_step_fca",
) -> Accessibility:
    r"""Two-step floating catchment area (2SFCA) accessibility.

    Step 1 gives each facility :math:`j` with :math:`S_j` places the ratio of places
    to the (decay-weighted) residents within its catchment; step 2 sums, for each
    origin :math:`i`, the ratios of the facilities within reach:

    .. math::

        R_j = \frac{S_j}{\sum_{k:\,d_{kj} \le d_0} P_k\, f(d_{kj})}, \qquad
        A_i = \text{per} \cdot \sum_{j:\,d_{ij} \le d_0} R_j\, f(d_{ij}),

    with :math:`P_k` the residents of the age band at origin :math:`k`, :math:`d` the
    travel cost, :math:`d_0` = ``max_cost`` and :math:`f` the ``decay`` (1 in the classic
    2SFCA of Luo & Wang 2003; steps in the enhanced 2SFCA; Gaussian or power for
    gravity-type 2SFCA). :math:`A_i` is in places per ``per`` residents, as a supply
    ratio (*Versorgungsquote*) seen from where people live; its demand-weighted mean
    over all origins equals total places over total demand when every facility and
    origin is in reach.

    Parameters
    ----------
    origins : DataFrame or GeoDataFrame
        One row per origin (block), indexed like ``costs.origins``.
    population : str
        Column of ``origins`` with the residents of the age band (the demand).
    facilities : DataFrame or GeoDataFrame
        One row per facility, indexed like ``costs.facilities``.
    costs : TravelCosts
        From :func:`od_costs`, :func:`network_costs` or :func:`straight_line_costs`.
    capacity : str, default "plaetze"
        Column of ``facilities`` with the places (positive).
    max_cost : float, optional
        Catchment :math:`d_0` (inclusive); default: every stored pair (``costs.max_cost``).
    decay : Decay or callable, optional
        Distance decay :math:`f`; default :func:`uniform` (classic 2SFCA).
    per : float, default 100
        Scale: places per ``per`` residents (1 gives places per resident, as PySAL
        ``access``).

    Returns
    -------
    Accessibility
        Origins that reach no facility get 0 and are listed in ``unreachable``.

    Raises
    ------
    InputError
        Ids of ``origins``/``facilities`` differ from those of ``costs``; negative or
        missing residents; zero, negative or missing capacities.

    References
    ----------
    Luo, W., Wang, F. (2003): Measures of spatial accessibility to health care in a GIS
    environment: synthesis and a case study in the Chicago region. Environment and
    Planning B 30(6), 865-884. https://doi.org/10.1068/b29120

    Examples
    --------
    Three blocks, two Kitas; costs in minutes, catchment 10 minutes:

    >>> import pandas as pd
    >>> from sozplan.services import od_costs, two_step_fca
    >>> blocks = pd.DataFrame({"kinder": [100, 50, 50]}, index=["b1", "b2", "b3"])
    >>> kitas = pd.DataFrame({"plaetze": [60, 40]}, index=["k1", "k2"])
    >>> od = pd.DataFrame({"origin": ["b1", "b1", "b2", "b2", "b3", "b3"],
    ...                    "destination": ["k1", "k2"] * 3,
    ...                    "cost": [5, 20, 8, 9, 25, 4]})
    >>> costs = od_costs(od, blocks, kitas)
    >>> two_step_fca(blocks, "kinder", kitas, costs=costs, max_cost=10).values.round(2).tolist()
    [40.0, 80.0, 40.0]
    """
    where = _where
    costs = _check_costs(costs, where)
    decay = as_decay(decay, where)
    per = _positive(per, where, "per")
    if max_cost is not None:
        max_cost = _positive(max_cost, where, "max_cost")
    p = _demand(origins, population, costs, where)
    s = _supply(facilities, capacity, costs, where)
    limit, unreachable = _reach(costs, max_cost)
    w = _weights(costs, decay, max_cost)
    demand_j = w.T @ p
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(demand_j > 0, s / demand_j, np.nan)
    a = w @ np.nan_to_num(ratio, nan=0.0) * per
    notes = list(costs.notes)
    if max_cost is not None and float(max_cost) > costs.max_cost:
        notes.append(
            f"Einzugsbereich {float(max_cost):g} größer als die gespeicherten Reisekosten "
            f"({costs.max_cost:g}): wirksam ist {costs.max_cost:g}."
        )
    empty = costs.facilities[~(demand_j > 0)]
    if len(empty):
        notes.append(
            f"{len(empty)} Einrichtung(en) ohne Nachfrage im Einzugsbereich "
            f"({format_values(empty)}); ihre Plätze zählen nicht."
        )
    return Accessibility(
        values=pd.Series(a, index=costs.origins, name=_method),
        method=_method,
        demand=pd.Series(p, index=costs.origins, name=population),
        facility_ratio=pd.Series(ratio * per, index=costs.facilities, name="ratio"),
        nearest=None,
        costs=costs.label,
        max_cost=limit,
        decay=decay.name,
        per=float(per),
        unreachable=unreachable,
        notes=tuple(notes),
    )


def enhanced_two_step_fca(
    origins: Any,
    population: Hashable,
    facilities: Any,
    *,
    costs: TravelCosts,
    capacity: Hashable = "plaetze",
    steps: Mapping[float, float] | None = None,
    per: float = 100.0,
) -> Accessibility:
    r"""Enhanced 2SFCA (Luo & Qi 2009): 2SFCA with step weights by travel-cost zone.

    The catchment is cut into zones with weights (Luo & Qi: 0-10, 10-20, 20-30
    minutes weighted 1, 0.68, 0.22, from a Gaussian with :math:`\\beta = 100`); both
    steps of :func:`two_step_fca` use the same weights; costs above the last threshold
    are out of reach.

    Parameters
    ----------
    origins, population, facilities, costs, capacity, per
        As in :func:`two_step_fca`.
    steps : mapping, optional
        ``{threshold: weight}`` in the unit of the costs; default :data:`LUO_QI_STEPS`
        (minutes, so required when the costs are not in minutes).

    Returns
    -------
    Accessibility

    References
    ----------
    Luo, W., Qi, Y. (2009): An enhanced two-step floating catchment area (E2SFCA)
    method for measuring spatial accessibility to primary care physicians. Health &
    Place 15(4), 1100-1107. https://doi.org/10.1016/j.healthplace.2009.06.002

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.services import od_costs
    >>> blocks = pd.DataFrame({"kinder": [100, 50]}, index=["b1", "b2"])
    >>> kitas = pd.DataFrame({"plaetze": [60]}, index=["k1"])
    >>> od = pd.DataFrame({"origin": ["b1", "b2"], "destination": ["k1", "k1"],
    ...                    "cost": [5.0, 15.0]})
    >>> acc = enhanced_two_step_fca(blocks, "kinder", kitas, costs=od_costs(od, blocks, kitas))
    >>> acc.values.round(3).tolist()  # R = 60 / (100 + 0.68 * 50)
    [44.776, 30.448]
    """
    where = "enhanced_two_step_fca"
    costs = _check_costs(costs, where)
    if steps is None:
        if costs.unit != "min":
            raise fail(
                where,
                f"the default steps are minutes, but `costs` are in {costs.unit!r}",
                "pass `steps` in the unit of the costs, e.g. {500: 1, 1000: 0.68, 1500: 0.22}",
            )
        steps = LUO_QI_STEPS
    decay = step(steps)
    return two_step_fca(
        origins,
        population,
        facilities,
        costs=costs,
        capacity=capacity,
        max_cost=max(float(k) for k in steps),
        decay=decay,
        per=per,
        _method="e2sfca",
        _where=where,
    )


def gravity_access(
    origins: Any,
    facilities: Any,
    *,
    costs: TravelCosts,
    capacity: Hashable = "plaetze",
    decay: Decay | Callable,
    max_cost: float | None = None,
    population: Hashable | None = None,
) -> Accessibility:
    r"""Gravity-type accessibility potential (Hansen 1959): :math:`A_i = \sum_j S_j f(d_{ij})`.

    Places weighted by the decay of the travel cost, summed over the facilities in
    reach; no competition between residents (use :func:`two_step_fca` with the same
    ``decay`` for the gravity 2SFCA that accounts for it).

    Parameters
    ----------
    origins, facilities, costs, capacity, max_cost
        As in :func:`two_step_fca`.
    decay : Decay or callable
        E.g. :func:`power` (Hansen), :func:`exponential` or :func:`gaussian`.
    population : str, optional
        Residents per origin, used as weights when aggregating to areas.

    Returns
    -------
    Accessibility

    References
    ----------
    Hansen, W. G. (1959): How accessibility shapes land use. Journal of the American
    Institute of Planners 25(2), 73-76. https://doi.org/10.1080/01944365908978307

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.services import od_costs, power
    >>> blocks = pd.DataFrame(index=["b1", "b2"])
    >>> kitas = pd.DataFrame({"plaetze": [60, 40]}, index=["k1", "k2"])
    >>> od = pd.DataFrame({"origin": ["b1", "b1", "b2", "b2"], "destination": ["k1", "k2"] * 2,
    ...                    "cost": [1.0, 2.0, 2.0, 4.0]})
    >>> acc = gravity_access(blocks, kitas, costs=od_costs(od, blocks, kitas), decay=power(1))
    >>> acc.values.tolist()  # 60/1 + 40/2, 60/2 + 40/4
    [80.0, 40.0]
    """
    where = "gravity_access"
    costs = _check_costs(costs, where)
    decay = as_decay(decay, where)
    _check_ids(origins.index, costs.origins, "origins", where)
    s = _supply(facilities, capacity, costs, where)
    p = None if population is None else _demand(origins, population, costs, where)
    limit, unreachable = _reach(costs, max_cost)
    w = _weights(costs, decay, max_cost)
    a = w @ s
    return Accessibility(
        values=pd.Series(a, index=costs.origins, name="gravity"),
        method="gravity",
        demand=None if p is None else pd.Series(p, index=costs.origins, name=population),
        facility_ratio=None,
        nearest=None,
        costs=costs.label,
        max_cost=limit,
        decay=decay.name,
        per=1.0,
        unreachable=unreachable,
        notes=costs.notes,
    )


def nearest_cost(
    origins: Any, *, costs: TravelCosts, population: Hashable | None = None
) -> Accessibility:
    """Travel cost to the nearest facility per origin (NaN and listed where unreachable).

    Parameters
    ----------
    origins : DataFrame or GeoDataFrame
        Indexed like ``costs.origins``.
    costs : TravelCosts
    population : str, optional
        Residents per origin, the weights when aggregating to areas.

    Returns
    -------
    Accessibility
        ``values`` the cost, ``nearest`` the facility id.

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.services import od_costs
    >>> blocks = pd.DataFrame(index=["b1", "b2"])
    >>> od = pd.DataFrame({"origin": ["b1", "b1"], "destination": ["k1", "k2"],
    ...                    "cost": [7.0, 3.0]})
    >>> acc = nearest_cost(blocks, costs=od_costs(od, blocks, ["k1", "k2"], missing="beyond"))
    >>> acc.to_frame()
        value nearest  unreachable
    b1    3.0      k2        False
    b2    NaN     NaN         True
    """
    where = "nearest_cost"
    costs = _check_costs(costs, where)
    _check_ids(origins.index, costs.origins, "origins", where)
    p = None if population is None else _demand(origins, population, costs, where)
    near = costs.nearest()
    near.index.name = costs.origins.name
    return Accessibility(
        values=near["cost"].rename("nearest"),
        method="nearest",
        demand=None if p is None else pd.Series(p, index=costs.origins, name=population),
        facility_ratio=None,
        nearest=near["facility"].rename("nearest"),
        costs=costs.label,
        max_cost=costs.max_cost,
        decay="-",
        per=1.0,
        unreachable=costs.unreachable,
        notes=costs.notes,
    )
