"""Where to build: location-allocation from candidate sites with ``spopt.locate``."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.html import preformatted
from sozplan._optional import import_optional
from sozplan.checks import check_columns, check_frame, fail, format_values, is_whole
from sozplan.plotting import FigureDisplay, facility_map
from sozplan.services._access import Accessibility, _check_costs, two_step_fca
from sozplan.services._costs import TravelCosts, _finish
from sozplan.services._decay import Decay, _positive

__all__ = ["SiteProposal", "propose_sites"]

_METHODS = ("p_median", "mclp")


@immutable
@dataclass(frozen=True, repr=False, eq=False)
class SiteProposal:
    """New sites proposed by location-allocation, with supply before and after.

    Attributes
    ----------
    sites : DataFrame
        The chosen candidates, best first: ``rank``, ``places`` (proposed places),
        ``unmet_covered`` (unmet demand, in places, of the origins assigned to the site:
        nearest chosen site, within ``max_cost`` for the MCLP) and ``cost_mean`` (mean
        cost of that demand to the site).
    before, after : Accessibility
        2SFCA without and with the new sites.
    unmet : Series
        Unmet demand per origin before (places missing to the target ratio), the
        weights of the model.
    method : str
    n_sites : int
    notes : tuple of str
    """

    sites: pd.DataFrame
    before: Accessibility
    after: Accessibility
    unmet: pd.Series
    method: str
    n_sites: int
    notes: tuple[str, ...] = ()

    def compare(self, by: pd.Series) -> pd.DataFrame:
        """Per area: ``before``, ``after`` and ``change`` of the 2SFCA supply ratio."""
        b = self.before.aggregate(by)
        a = self.after.aggregate(by)
        return pd.DataFrame({"before": b, "after": a, "change": a - b})

    def to_frame(self) -> pd.DataFrame:
        """Return the proposed sites."""
        return self.sites.copy()

    def __repr__(self) -> str:
        lines = [
            f"SiteProposal({self.method}, n_sites={self.n_sites}): unmet demand {self.unmet.sum():,.0f} places"
        ]
        for site, row in self.sites.iterrows():
            lines.append(
                f"  {int(row['rank'])}. {site}: {row['places']:.0f} places, covers "
                f"{row['unmet_covered']:,.0f} places of unmet demand"
            )
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return preformatted(repr(self))

    def plot(
        self,
        areas: Any,
        by: Hashable,
        *,
        facilities: Any = None,
        candidates: Any = None,
        ax: Any = None,
        language: str = "de",
        **kwargs: Any,
    ) -> FigureDisplay:
        """Map of the change in supply per area with the proposed sites marked.

        Returns
        -------
        FigureDisplay
        """
        gdf = areas[[by, areas.geometry.name]].dissolve(by=by)
        gdf["change"] = self.compare(areas[by])["change"]
        new = None if candidates is None else candidates.loc[self.sites.index]
        kwargs.setdefault(
            "label", "Änderung der Versorgung" if language == "de" else "change in supply"
        )
        return facility_map(
            gdf,
            "change",
            facilities=facilities,
            new_sites=new,
            ax=ax,
            language=language,
            **kwargs,
        )


def propose_sites(
    origins: Any,
    population: Hashable,
    facilities: Any,
    candidates: Any,
    *,
    costs: TravelCosts,
    n_sites: int = 1,
    method: str = "p_median",
    max_cost: float,
    target: float,
    places: float | None = None,
    capacity: Hashable = "plaetze",
    decay: Decay | Callable | None = None,
    capacitated: bool = False,
    by: pd.Series | None = None,
    per: float = 100.0,
) -> SiteProposal:
    r"""Propose ``n_sites`` new sites from candidates where unmet demand is largest and nearest.

    1. The 2SFCA (:func:`two_step_fca`) gives each origin its supply ratio
       :math:`A_i`; its **unmet demand** is
       :math:`U_i = P_i \max(0, Q^* - A_i) / \text{per}` places (with :math:`Q^*` the
       target ratio): residents who would lack a place at the target.
    2. ``spopt.locate`` chooses ``n_sites`` candidates: the **p-median** (Hakimi 1964; ReVelle
       & Swain 1970) minimises :math:`\sum_i U_i d_{i,j(i)}` with every origin of unmet
       demand assigned to its nearest chosen site (optionally with capacities
       ``places``, the capacitated p-median); the **maximal covering location problem**
       (MCLP, Church & ReVelle 1974) maximises the unmet demand within ``max_cost``.
    3. The chosen sites get ``places`` each and the 2SFCA is recomputed (*after*).

    Sites are ranked by the unmet demand they cover. Origins without unmet demand do
    not enter the model. The model is solved with CBC through PuLP.

    Parameters
    ----------
    origins : GeoDataFrame
        Blocks with the residents of the age band.
    population : str
    facilities : DataFrame
        Existing facilities with ``capacity``.
    candidates : DataFrame
        Candidate sites, indexed by site id (e.g. vacant plots, or one point per block).
    costs : TravelCosts
        From the origins to the existing facilities **and** the candidates (one matrix
        whose facility ids include both).
    n_sites : int, default 1
        Number of new sites.
    method : {"p_median", "mclp"}
    max_cost : float
        Catchment of the 2SFCA and service radius of the MCLP.
    target : float
        Target supply ratio (places per ``per``).
    places : float, optional
        Places of each new site; default the median capacity of the existing facilities.
    capacity : str, default "plaetze"
    decay : Decay, optional
        Distance decay of the 2SFCA.
    capacitated : bool, default False
        p-median only: give each new site ``places`` as capacity (spopt's capacitated
        p-median); needs ``n_sites * places`` at least the unmet demand.
    by : Series, optional
        Area id per origin (e.g. ``blocks["planungsraum"]``): the model then works on
        areas, with the unmet demand summed per area and the cost from an area to a
        candidate the unmet-demand-weighted mean cost of its origins (pairs out of reach
        count as out of reach when more than half of the area's unmet demand is). This
        keeps the model small: ``spopt`` builds one variable per demand point and
        candidate, which takes minutes for thousands of blocks.
    per : float, default 100

    Returns
    -------
    SiteProposal

    Raises
    ------
    InputError
        Unknown method, ids missing from ``costs``, candidate ids that are also
        facility ids, no unmet demand, an infeasible capacitated model.

    References
    ----------
    Church, R., ReVelle, C. (1974): The maximal covering location problem. Papers of
    the Regional Science Association 32, 101-118. https://doi.org/10.1007/BF01942293

    ReVelle, C. S., Swain, R. W. (1970): Central facilities location. Geographical
    Analysis 2(1), 30-42. https://doi.org/10.1111/j.1538-4632.1970.tb00142.x

    Examples
    --------
    Two blocks, one Kita near the first; candidates near each block:

    >>> import pandas as pd
    >>> from sozplan.services import od_costs
    >>> blocks = pd.DataFrame({"kinder": [100, 100]}, index=["b1", "b2"])
    >>> kitas = pd.DataFrame({"plaetze": [70]}, index=["k1"])
    >>> cand = pd.DataFrame(index=["c1", "c2"])
    >>> od = pd.DataFrame({"origin": ["b1"] * 3 + ["b2"] * 3,
    ...                    "destination": ["k1", "c1", "c2"] * 2,
    ...                    "cost": [2, 1, 19, 15, 9, 1]})
    >>> costs = od_costs(od, blocks, ["k1", "c1", "c2"])
    >>> res = propose_sites(blocks, "kinder", kitas, cand, costs=costs, max_cost=10,
    ...                     target=70, places=70)
    >>> list(res.sites.index), res.after.values.round(1).tolist()
    (['c2'], [70.0, 70.0])
    """
    where = "propose_sites"
    costs = _check_costs(costs, where)
    if method not in _METHODS:
        raise fail(where, f"`method` is {method!r}", f"use one of {format_values(_METHODS)}")
    check_frame(origins, arg="origins", where=where, row="demand point")
    check_frame(facilities, arg="facilities", where=where, allow_empty=True, row="facility")
    check_frame(candidates, arg="candidates", where=where, row="candidate site")
    max_cost, target, per = (
        _positive(value, where, arg)
        for value, arg in ((max_cost, "max_cost"), (target, "target"), (per, "per"))
    )
    if not is_whole(n_sites) or n_sites < 1 or n_sites > len(candidates):
        raise fail(
            where, f"`n_sites` is {n_sites!r}", f"pass an integer from 1 to {len(candidates)}"
        )
    both = facilities.index.intersection(candidates.index)
    if len(both):
        raise fail(
            where,
            f"candidate id(s) {format_values(both)} are also facility ids",
            "give candidates their own ids",
        )
    check_columns(facilities, [capacity], where=where, arg="facilities")
    _check_cost_columns(costs, facilities.index.append(candidates.index), where)
    if places is None:
        places = float(pd.to_numeric(facilities[capacity]).median())
        if not np.isfinite(places) or places <= 0:
            raise fail(
                where,
                f"`places` is not given and the median capacity of `facilities` is {places!r}",
                "pass the places of a new site, e.g. places=60",
            )
    places = _positive(places, where, "places")
    cols_f = costs.facilities.get_indexer(facilities.index)
    cols_c = costs.facilities.get_indexer(candidates.index)
    sub_f = _subset(costs, cols_f)
    before = two_step_fca(
        origins,
        population,
        facilities,
        costs=sub_f,
        capacity=capacity,
        max_cost=max_cost,
        decay=decay,
        per=per,
        _where=where,
    )
    demand = before.demand
    unmet = (demand * np.maximum(0.0, target - before.values) / per).rename("unmet")
    rows = np.flatnonzero(unmet.to_numpy() > 1e-9)
    if len(rows) == 0:
        raise fail(
            where,
            f"no origin has unmet demand at the target {target:g}",
            "raise the target or check the supply",
        )
    sub = costs.matrix[:, cols_c].tocsr()[rows]
    weights = unmet.to_numpy()[rows]
    cost_arr, stored, labels = _model_costs(sub, weights, max_cost, by, unmet.index[rows], where)
    if by is not None:
        weights = pd.Series(weights).groupby(labels).sum().to_numpy()
    notes = []
    with warnings.catch_warnings():  # PuLP 3 deprecates names that spopt still uses
        warnings.simplefilter("ignore", DeprecationWarning)
        model = _solve(method, cost_arr, weights, n_sites, max_cost, places, capacitated, where)
    chosen = [j for j, v in enumerate(model.fac_vars) if v.value() is not None and v.value() > 0.5]
    if not (stored.any(axis=1)).all():
        notes.append(
            f"{int((~stored.any(axis=1)).sum())} Nachfragepunkt(e) mit ungedecktem Bedarf "
            "erreichen keinen Kandidaten."
        )
    ids = candidates.index[chosen]
    sites = _rank_sites(cost_arr, stored, weights, chosen, method, max_cost, places, ids)
    sites.index.name = candidates.index.name or "site"
    new = pd.DataFrame({capacity: float(places)}, index=ids)
    grown = pd.concat([facilities[[capacity]], new])
    cols_all = costs.facilities.get_indexer(grown.index)
    after = two_step_fca(
        origins,
        population,
        grown,
        costs=_subset(costs, cols_all),
        capacity=capacity,
        max_cost=max_cost,
        decay=decay,
        per=per,
        _where=where,
    )
    return SiteProposal(
        sites=sites,
        before=before,
        after=after,
        unmet=unmet,
        method=method,
        n_sites=int(n_sites),
        notes=tuple(notes),
    )


def _check_cost_columns(costs: TravelCosts, need_ids: pd.Index, where: str) -> None:
    """Raise unless the costs lead to exactly the facilities and candidates."""
    unknown = need_ids.difference(costs.facilities)
    if len(unknown):
        raise fail(
            where,
            f"`costs` has no column for {len(unknown)} facility or candidate id(s) "
            f"({format_values(unknown)})",
            "build the costs to the existing facilities and the candidates together",
        )
    extra = costs.facilities.difference(need_ids)
    if len(extra):
        raise fail(
            where,
            f"`costs` has {len(extra)} unknown facility id(s) ({format_values(extra)})",
            "pass costs to exactly the facilities and candidates",
        )


def _rank_sites(
    cost_arr: np.ndarray,
    stored: np.ndarray,
    weights: np.ndarray,
    chosen: list[int],
    method: str,
    max_cost: float,
    places: float,
    ids: pd.Index,
) -> pd.DataFrame:
    """Rank the chosen sites by the unmet demand they cover (nearest chosen site in reach)."""
    sel = cost_arr[:, chosen]
    best = np.argmin(sel, axis=1)
    reach = stored[:, chosen][np.arange(len(best)), best]
    if method == "mclp":
        reach &= sel[np.arange(len(best)), best] <= max_cost
    served = np.array([weights[(best == i) & reach].sum() for i in range(len(chosen))])
    mean_cost = np.array(
        [
            np.average(sel[(best == i) & reach, i], weights=weights[(best == i) & reach])
            if weights[(best == i) & reach].sum() > 0
            else np.nan
            for i in range(len(chosen))
        ]
    )
    sites = pd.DataFrame(
        {"places": float(places), "unmet_covered": served, "cost_mean": mean_cost}, index=ids
    ).sort_values("unmet_covered", ascending=False)
    sites.insert(0, "rank", np.arange(1, len(sites) + 1))
    return sites


def _solve(
    method: str,
    cost_arr: np.ndarray,
    weights: np.ndarray,
    k: int,
    max_cost: float,
    places: float,
    capacitated: bool,
    where: str,
) -> Any:
    """Build and solve the spopt model (CBC through PuLP)."""
    purpose = "location-allocation"
    pulp = import_optional("pulp", where=where, purpose=purpose)
    locate = import_optional("spopt.locate", where=where, purpose=purpose)
    MCLP, PMedian = locate.MCLP, locate.PMedian

    solver = pulp.PULP_CBC_CMD(msg=False)
    if method == "mclp":
        model = MCLP.from_cost_matrix(cost_arr, weights, service_radius=max_cost, p_facilities=k)
        return model.solve(solver)
    kwargs = {}
    if capacitated:
        if k * places < weights.sum():
            raise fail(
                where,
                f"the capacitated p-median is infeasible: {k} sites x {places:g} places < "
                f"{weights.sum():,.0f} unmet demand",
                "raise `n_sites` or `places`, or pass capacitated=False",
            )
        kwargs["facility_capacities"] = np.full(cost_arr.shape[1], float(places))
    model = PMedian.from_cost_matrix(cost_arr, weights, p_facilities=k, **kwargs)
    return model.solve(solver)


def _model_costs(
    sub: Any, weights: np.ndarray, max_cost: float, by: pd.Series | None, ids: pd.Index, where: str
) -> tuple[np.ndarray, np.ndarray, Any]:
    """Dense cost matrix demand point x candidate for spopt (out of reach: a large cost)."""
    dense = sub.toarray()
    stored = np.zeros(dense.shape, dtype=bool)
    coo = sub.tocoo()
    stored[coo.row, coo.col] = True
    labels = None
    if by is not None:
        missing = ids.difference(by.index).append(ids[by.reindex(ids).isna().to_numpy()])
        if len(missing):
            raise fail(
                where,
                f"`by` has no area for {len(missing)} origin(s) ({format_values(missing)})",
                "pass an area id for every origin",
            )
        labels = by.reindex(ids).to_numpy()
        codes, uniq = pd.factorize(labels, sort=True)
        w = weights[:, None]
        num = np.zeros((len(uniq), dense.shape[1]))
        reach_w = np.zeros_like(num)
        np.add.at(num, codes, np.where(stored, dense, 0.0) * w)
        np.add.at(reach_w, codes, stored * w)
        total = np.bincount(codes, weights=weights, minlength=len(uniq))[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            dense = num / reach_w
        stored = reach_w > 0.5 * total
        labels = codes
    big = (dense[stored].max() if stored.any() else max_cost) * 10 + max_cost
    return np.where(stored, dense, big), stored, labels


def _subset(costs: TravelCosts, cols: np.ndarray) -> TravelCosts:

    m = costs.matrix[:, cols].tocoo()
    return _finish(
        m.row,
        m.col,
        m.data,
        costs.origins,
        costs.facilities[cols],
        kind=costs.kind,
        unit=costs.unit,
        max_cost=costs.max_cost,
        notes=costs.notes,
    )
