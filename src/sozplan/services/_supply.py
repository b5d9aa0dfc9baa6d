"""Supply ratios (*Versorgungsquote*) per area, by location and by residence, against a target."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.html import preformatted
from sozplan.checks import check_columns, check_frame, check_unique_index, fail
from sozplan.plotting import FigureDisplay, facility_map
from sozplan.services._access import Accessibility
from sozplan.services._facilities import locate_facilities

__all__ = ["SupplyRatio", "supply_ratio"]


@immutable
@dataclass(frozen=True, repr=False, eq=False)
class SupplyRatio:
    """Supply ratios per area.

    Attributes
    ----------
    table : DataFrame
        One row per area: ``eligible`` (residents of the age band), ``places_location``
        (places of the facilities located in the area), ``ratio_location`` (per ``per``
        eligible), and with an accessibility: ``places_residence`` (places reaching the
        area's residents, 2SFCA), ``ratio_residence``; with a target: ``target`` and
        ``gap_places`` (places missing to the target; negative: places above it), by
        residence when available, else by location.
    total : Series
        The same figures for the whole city.
    level : str
        Name of the areas' id.
    per : float
    target : float or None
    """

    table: pd.DataFrame
    total: pd.Series
    level: str
    per: float
    target: float | None

    def to_frame(self) -> pd.DataFrame:
        """Return the table per area."""
        return self.table.copy()

    def __repr__(self) -> str:
        t = self.total
        lines = [
            f"SupplyRatio({len(self.table)} areas ({self.level}), places per {self.per:g})",
            f"  city: {t['eligible']:,.0f} eligible, {t['places_location']:,.0f} places, "
            f"ratio {t['ratio_location']:.1f}",
        ]
        if self.target is not None:
            lines.append(
                f"  target {self.target:g}: gap {t['gap_places']:,.0f} places; "
                f"{int((self.table['gap_places'] > 0).sum())} areas below target"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return preformatted(repr(self), self.table)

    def plot(
        self,
        areas: Any,
        column: str | None = None,
        *,
        facilities: Any = None,
        ax: Any = None,
        language: str = "de",
        **kwargs: Any,
    ) -> FigureDisplay:
        """Map of a ratio (default by residence when available) per area.

        Parameters
        ----------
        areas : GeoDataFrame
            Polygons indexed by the area ids of :attr:`table`.
        column : str, optional
            Column of :attr:`table`; default ``ratio_residence`` or ``ratio_location``.
        facilities : GeoDataFrame, optional
            Facility points drawn on top.
        ax, language, **kwargs
            Passed to :func:`sozplan.plotting.facility_map`.

        Returns
        -------
        FigureDisplay
        """
        if column is None:
            column = (
                "ratio_residence" if "ratio_residence" in self.table.columns else "ratio_location"
            )
        gdf = areas[[areas.geometry.name]].join(self.table[[column]])
        default = (
            f"Plätze je {self.per:g} Personen der Altersgruppe"
            if language == "de"
            else f"places per {self.per:g} residents of the age band"
        )
        kwargs.setdefault("label", default)
        return facility_map(gdf, column, facilities=facilities, ax=ax, language=language, **kwargs)


def supply_ratio(
    blocks: Any,
    population: Hashable | Sequence[Hashable],
    facilities: Any,
    *,
    by: Hashable | None = None,
    capacity: Hashable = "plaetze",
    target: float | None = None,
    access: Accessibility | None = None,
    per: float = 100.0,
) -> SupplyRatio:
    r"""Supply ratio (*Versorgungsquote*): places per ``per`` eligible residents, per area.

    *By location* counts the places of the facilities inside each area:
    :math:`Q^{loc}_a = \text{per} \cdot \sum_{j \in a} S_j / \sum_{i \in a} P_i`. *By
    residence* counts the places that reach the area's residents, from a 2SFCA
    :class:`Accessibility` (places allocated to origins in proportion to their weighted
    demand): :math:`Q^{res}_a = \sum_{i \in a} P_i A_i / \sum_{i \in a} P_i`. The two
    differ where children cross area borders to their Kita; the city-wide totals agree
    when every facility has demand in reach. The gap to a target ratio :math:`Q^*` is
    :math:`Q^* \sum_{i\in a} P_i / \text{per} - \text{places}_a`.

    Parameters
    ----------
    blocks : GeoDataFrame
        Blocks (or any areas) with the eligible residents and, with ``by``, the id of
        the level to report (e.g. ``"planungsraum"``).
    population : str or list of str
        Column(s) with the residents of the age band (summed), e.g. ``"einwohner_0_5"``.
    facilities : GeoDataFrame
        Facility points with ``capacity``; each must lie in a block.
    by : str, optional
        Column of ``blocks`` with the area id of the reporting level; default: the
        blocks themselves.
    capacity : str, default "plaetze"
    target : float, optional
        Target ratio (places per ``per``), e.g. 70 for Kitas (see
        :data:`FACILITY_TYPES`).
    access : Accessibility, optional
        A :func:`two_step_fca` result on the same blocks (``per`` must match) for the
        residence-based ratio.
    per : float, default 100

    Returns
    -------
    SupplyRatio

    Raises
    ------
    InputError
        Missing columns, facilities outside the blocks, an accessibility of another
        method or scale, negative residents.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> blocks = gpd.GeoDataFrame({"kinder": [100, 50], "pr": ["A", "B"]},
    ...     geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], index=["b1", "b2"], crs=25832)
    >>> kitas = gpd.GeoDataFrame({"plaetze": [60]}, geometry=[Point(5, 5)], index=["k1"],
    ...                          crs=25832)
    >>> supply_ratio(blocks, "kinder", kitas, by="pr", target=70).table
        eligible  places_location  ratio_location  target  gap_places
    pr
    A      100.0             60.0            60.0    70.0        10.0
    B       50.0              0.0             0.0    70.0        35.0
    """
    where = "supply_ratio"
    check_frame(blocks, arg="blocks", where=where)
    pop_cols = (
        list(population)
        if isinstance(population, Iterable) and not isinstance(population, str)
        else [population]
    )
    check_columns(blocks, pop_cols, where=where, arg="blocks")
    if by is not None:
        check_columns(blocks, [by], where=where, arg="blocks", numeric=False)
    check_columns(facilities, [capacity], where=where, arg="facilities")
    check_unique_index(blocks, arg="blocks", where=where)
    p = blocks[pop_cols].apply(pd.to_numeric, errors="coerce").sum(axis=1, min_count=1)
    if p.isna().any() or (p < 0).any() or np.isinf(p).any():
        raise fail(
            where, "`population` has missing, infinite or negative counts", "fix the counts"
        )
    cap = pd.to_numeric(facilities[capacity], errors="coerce")
    if cap.isna().any() or (cap <= 0).any() or np.isinf(cap).any():
        raise fail(
            where,
            f"`facilities[{capacity!r}]` has zero, negative, infinite or missing places",
            "check the table with validate_facilities",
        )
    group = blocks[by] if by is not None else pd.Series(blocks.index, index=blocks.index)
    level = str(by) if by is not None else str(blocks.index.name or "id")
    block_of = locate_facilities(facilities, blocks, _where=where)
    places_loc = cap.groupby(group.reindex(block_of.to_numpy()).to_numpy()).sum()
    eligible = p.groupby(group).sum()
    table = pd.DataFrame({"eligible": eligible.astype(float)})
    table["places_location"] = places_loc.reindex(table.index).fillna(0.0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["ratio_location"] = (
            per * table["places_location"] / table["eligible"].where(table["eligible"] > 0)
        )
    if access is not None:
        if not isinstance(access, Accessibility) or access.method not in ("2sfca", "e2sfca"):
            raise fail(
                where,
                "`access` is not a 2SFCA accessibility",
                "pass the result of two_step_fca or enhanced_two_step_fca",
            )
        if access.per != per:
            raise fail(where, f"`access.per` is {access.per:g}, not {per:g}", "use the same per")
        missing = blocks.index.difference(access.values.index)
        if len(missing):
            raise fail(
                where,
                f"`access` has no value for {len(missing)} block(s)",
                "compute it on the same blocks",
            )
        placed = (p * access.values.reindex(blocks.index) / per).groupby(group).sum()
        table["places_residence"] = placed.reindex(table.index).astype(float)
        table["ratio_residence"] = (
            per * table["places_residence"] / table["eligible"].where(table["eligible"] > 0)
        )
    if target is not None:
        table["target"] = float(target)
        basis = "places_residence" if access is not None else "places_location"
        table["gap_places"] = target * table["eligible"] / per - table[basis]
    table.index.name = level
    total = table.drop(columns=[c for c in table.columns if c.startswith("ratio")]).sum()
    total["ratio_location"] = per * total["places_location"] / total["eligible"]
    if access is not None:
        total["ratio_residence"] = per * total["places_residence"] / total["eligible"]
    if target is not None:
        total["target"] = float(target)
        total["gap_places"] = table["gap_places"].sum()
    return SupplyRatio(table=table, total=total, level=level, per=float(per), target=target)
