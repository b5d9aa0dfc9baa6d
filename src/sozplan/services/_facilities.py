"""Facilities as data: points with type, capacity (places) and opening year, checked."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from sozplan.checks import check_columns, check_frame, check_projected_crs, fail, format_values

__all__ = ["FACILITY_TYPES", "locate_facilities", "select_facilities", "validate_facilities"]

#: Facility types of the sample city with the ages they serve (``ages``: from, to
#: exclusive; None = open end; sum the age-band columns of your city that cover them)
#: and an orientation value for the supply ratio (places per 100 residents of the band). The orientation
#: values are planning conventions, not law: Kita places for children under 6 (about
#: 35-50 % of under-3s and 90-95 % of 3-to-6-year-olds attend; KiföG, SGB VIII § 24),
#: primary-school places for 6-to-14-year-olds (four of nine cohorts), youth-centre
#: places for 6-to-17-year-olds and care-home places for residents aged 65 and over.
FACILITY_TYPES: Mapping[str, Mapping[str, Any]] = {
    "kita": {
        "label": "Kindertageseinrichtung",
        "ages": (0, 6),
        "target": 70.0,
    },
    "grundschule": {
        "label": "Grundschule",
        "ages": (6, 15),
        "target": 45.0,
    },
    "jugendzentrum": {
        "label": "Jugendfreizeiteinrichtung",
        "ages": (6, 18),
        "target": 4.0,
    },
    "pflegeheim": {
        "label": "Pflegeheim (vollstationär)",
        "ages": (65, None),
        "target": 4.5,
    },
}


def validate_facilities(
    facilities: Any,
    *,
    areas: Any = None,
    kind: Hashable = "art",
    capacity: Hashable = "plaetze",
    opened: Hashable | None = "eroeffnung",
    types: Any = None,
) -> Any:
    """Check a facility table: points with type, capacity in places and opening year.

    Parameters
    ----------
    facilities : GeoDataFrame
        One row per facility, indexed by a unique facility id, point geometries in a
        projected CRS.
    areas : GeoDataFrame, optional
        The city (blocks or planning areas); every facility must lie inside (or on the
        border of) one of them.
    kind, capacity, opened : str
        Columns with the type (e.g. ``"kita"``), the places (positive) and the opening
        year (integer, optional: pass ``None`` when there is none).
    types : iterable of str, optional
        Allowed types; default: any.

    Returns
    -------
    GeoDataFrame
        The facilities, unchanged (a copy is never needed: nothing is altered).

    Raises
    ------
    InputError
        Not points, unprojected CRS, duplicated ids, zero, negative or missing
        capacities, non-integer opening years, unknown types, facilities outside the
        city, a CRS other than that of ``areas``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> f = gpd.GeoDataFrame({"art": ["kita", "kita"], "plaetze": [80, 0],
    ...                       "eroeffnung": [1995, 2021]},
    ...                      geometry=[Point(0, 0), Point(10, 10)], index=["K1", "K2"],
    ...                      crs=25832)
    >>> validate_facilities(f)
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: validate_facilities: `facilities['plaetze']` is zero, ... ('K2'). ...
    """
    where = "validate_facilities"
    check_frame(facilities, arg="facilities", where=where, row="facility")
    if not hasattr(facilities, "geometry"):
        raise fail(where, "`facilities` has no geometry", "pass a GeoDataFrame of points")
    check_projected_crs(facilities, arg="facilities", where=where, purpose="travel costs")
    if not facilities.index.is_unique:
        dup = facilities.index[facilities.index.duplicated()].unique()
        raise fail(
            where, f"`facilities` has duplicated ids {format_values(dup)}", "make ids unique"
        )
    geom = facilities.geometry
    not_point = facilities.index[geom.isna() | (geom.geom_type != "Point")]
    if len(not_point):
        raise fail(
            where,
            f"{len(not_point)} facility(ies) are not points ({format_values(not_point)})",
            "pass one point per facility (e.g. the building's centroid)",
        )
    cols = [c for c in (kind, capacity, opened) if c is not None]
    check_columns(facilities, cols, where=where, arg="facilities", numeric=False)
    cap = pd.to_numeric(facilities[capacity], errors="coerce")
    bad = facilities.index[~np.isfinite(cap.to_numpy(dtype=float)) | (cap <= 0).to_numpy()]
    if len(bad):
        raise fail(
            where,
            f"`facilities[{capacity!r}]` is zero, negative or missing for {len(bad)} "
            f"facility(ies) ({format_values(bad)})",
            "give every facility its number of places (> 0); drop closed facilities",
        )
    if opened is not None:
        year = pd.to_numeric(facilities[opened], errors="coerce")
        bad = facilities.index[
            year.isna() | (year != year.round()) | (year < 1700) | (year > 2200)
        ]
        if len(bad):
            raise fail(
                where,
                f"`facilities[{opened!r}]` is not a plausible year for {len(bad)} "
                f"facility(ies) ({format_values(bad)})",
                "give the opening year as an integer, e.g. 1998",
            )
    if types is not None:
        allowed = set(types)
        unknown = sorted(set(facilities[kind]) - allowed, key=str)
        if unknown:
            raise fail(
                where,
                f"`facilities[{kind!r}]` has unknown type(s) {format_values(unknown)}",
                f"use one of {format_values(sorted(allowed), limit=20)}",
            )
    if areas is not None:
        locate_facilities(facilities, areas, _where=where)
    return facilities


def locate_facilities(facilities: Any, areas: Any, *, _where: str = "locate_facilities") -> Any:
    """Area id of each facility (point in polygon; points on a border go to one area).

    Parameters
    ----------
    facilities : GeoDataFrame
        Facility points.
    areas : GeoDataFrame
        Polygons indexed by area id (e.g. blocks), in the CRS of ``facilities``.

    Returns
    -------
    Series
        Area id per facility, on the facilities' index.

    Raises
    ------
    InputError
        A facility outside every area (outside the city), or differing CRS.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> areas = gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10)], index=["A"], crs=25832)
    >>> f = gpd.GeoDataFrame(geometry=[Point(5, 5), Point(50, 5)], index=["K1", "K2"],
    ...                      crs=25832)
    >>> locate_facilities(f, areas)
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: locate_facilities: 1 facility(ies) lie outside the city ...: 'K2'. ...
    """
    import geopandas as gpd

    check_projected_crs(areas, arg="areas", where=_where, purpose="locating facilities")
    if facilities.crs != areas.crs:
        have = "no CRS" if facilities.crs is None else facilities.crs.to_string()
        raise fail(
            _where,
            f"`facilities` ({have}) and `areas` ({areas.crs.to_string()}) have different CRS",
            "reproject the facilities, e.g. facilities.to_crs(areas.crs), or set their CRS "
            "with facilities.set_crs(...) if it is missing",
        )
    left = gpd.GeoDataFrame(
        {"_fid": np.arange(len(facilities))}, geometry=facilities.geometry.values, crs=areas.crs
    )
    right = gpd.GeoDataFrame({"_area": areas.index}, geometry=areas.geometry.values, crs=areas.crs)
    joined = gpd.sjoin(left, right, how="left", predicate="intersects")
    joined = joined.sort_values(["_fid", "_area"]).drop_duplicates("_fid")
    area = pd.Series(joined["_area"].to_numpy(), index=facilities.index, name=areas.index.name)
    outside = area.index[area.isna()]
    if len(outside):
        raise fail(
            _where,
            f"{len(outside)} facility(ies) lie outside the city (outside every area of `areas`): "
            f"{format_values(outside)}",
            "check their coordinates and CRS (x/y swapped? degrees instead of metres?) or "
            "remove facilities outside the city",
        )
    return area


def select_facilities(
    facilities: Any,
    kind: str | None = None,
    *,
    year: int | None = None,
    kind_column: Hashable = "art",
    opened: Hashable = "eroeffnung",
) -> Any:
    """Facilities of one type that are open in a given year (opened in or before it).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"art": ["kita", "kita", "grundschule"],
    ...                   "eroeffnung": [1990, 2023, 1970]}, index=["K1", "K2", "S1"])
    >>> list(select_facilities(f, "kita", year=2022).index)
    ['K1']
    """
    out = facilities
    if kind is not None:
        check_columns(
            facilities, [kind_column], where="select_facilities", arg="facilities", numeric=False
        )
        if kind not in set(facilities[kind_column]):
            raise fail(
                "select_facilities",
                f"no facility has type {kind!r}",
                f"use one of {format_values(sorted(set(facilities[kind_column]), key=str))}",
            )
        out = out[out[kind_column] == kind]
    if year is not None:
        check_columns(facilities, [opened], where="select_facilities", arg="facilities")
        out = out[out[opened] <= year]
    return out
