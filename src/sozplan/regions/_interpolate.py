"""areal_interpolate(): move counts and rates between non-congruent zonings."""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sozplan.checks import (
    as_column_list,
    check_columns,
    check_no_inf,
    check_no_nan,
    check_projected_crs,
    check_unique_index,
    fail,
    format_values,
)
from sozplan.errors import DataQualityWarning

__all__ = ["areal_interpolate"]


def _check_gdf(gdf: Any, arg: str, where: str) -> None:
    import geopandas as gpd

    if not isinstance(gdf, gpd.GeoDataFrame):
        raise fail(
            where,
            f"`{arg}` is a {type(gdf).__name__}, not a GeoDataFrame",
            "pass polygons with a projected CRS",
        )
    check_unique_index(gdf, arg=arg, where=where)
    check_projected_crs(gdf, arg=arg, where=where, purpose="areas")
    missing = gdf.geometry.isna() | gdf.geometry.is_empty
    if missing.any():
        raise fail(
            where,
            f"`{arg}` has missing geometries at {format_values(gdf.index[missing.to_numpy()])}",
            "repair or drop them",
        )


def _population_weights(
    source: Any, target: Any, tgt: Any, pieces: Any, blocks: Any, population: str, where: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Residents of each piece, source and target zone, from the blocks' points."""
    import geopandas as gpd

    ps = pieces["_s"].to_numpy()
    s_ids = pd.Index(source.index)
    _check_gdf(blocks, "blocks", where)
    check_columns(blocks, [population], arg="blocks", where=where)
    if blocks.crs != source.crs:
        raise fail(
            where,
            "`blocks` has another CRS than `source`",
            "reproject it, e.g. blocks.to_crs(source.crs)",
        )
    pts = gpd.GeoDataFrame(
        {"_p": blocks[population].to_numpy(dtype=float)},
        geometry=blocks.geometry.representative_point().to_numpy(),
        crs=blocks.crs,
    )
    joined = gpd.sjoin(pts, pieces.reset_index(names="_piece"), how="inner", predicate="within")
    wpiece = np.bincount(
        joined["_piece"].to_numpy(), weights=joined["_p"].to_numpy(), minlength=len(pieces)
    )
    wsource = np.bincount(ps, weights=wpiece, minlength=len(source))
    area_piece = pieces.geometry.area.to_numpy()
    empty = np.flatnonzero(wsource <= 0)
    if len(empty):
        warnings.warn(
            f"areal_interpolate: {len(empty)} source zone(s) have no residents in `blocks` "
            f"({format_values(s_ids[empty])}); their values are spread by area",
            DataQualityWarning,
            stacklevel=3,
        )
        src_area = source.geometry.area.to_numpy()
        fill = np.isin(ps, empty)
        wpiece = np.where(fill, area_piece / src_area[ps], wpiece)
        wsource = np.where(wsource <= 0, 1.0, wsource)
    pts_t = gpd.sjoin(pts, tgt, how="inner", predicate="within")
    wtarget = np.bincount(
        pts_t["_t"].to_numpy(), weights=pts_t["_p"].to_numpy(), minlength=len(target)
    )
    return wpiece, wsource, wtarget


def areal_interpolate(
    source: Any,
    target: Any,
    extensive: Hashable | Sequence[Hashable] | None = None,
    intensive: Hashable | Sequence[Hashable] | None = None,
    *,
    population: str | None = None,
    blocks: Any = None,
) -> pd.DataFrame:
    r"""Interpolate counts (extensive) and rates (intensive) from source zones to target zones.

    With weights :math:`a_{st}` for the piece :math:`s \cap t`:

    .. math::

        \hat y_t = \sum_s y_s \frac{a_{st}}{a_s} \quad\text{(extensive)},\qquad
        \hat r_t = \sum_s r_s \frac{a_{st}}{\sum_{s'} a_{s't}} \quad\text{(intensive)},

    where :math:`a_s` is the weight of the whole source zone. Area weighting uses
    the areas of the pieces (Goodchild & Lam 1980); population weighting uses the
    residents of ``blocks`` whose representative point lies in the piece (a
    dasymetric refinement: people live in blocks, not evenly over parks and
    industry). Counts are preserved where the target zones cover the sources.

    Parameters
    ----------
    source, target : GeoDataFrame
        Polygons with unique ids and the same projected CRS.
    extensive : str or sequence, optional
        Count columns of ``source`` (residents, recipients).
    intensive : str or sequence, optional
        Rate or mean columns of ``source``.
    population : str, optional
        Residents column of ``blocks``; switches to population weighting.
    blocks : GeoDataFrame, optional
        Small units with ``population`` (e.g. blocks), same CRS.

    Returns
    -------
    DataFrame
        On the target index, one column per interpolated variable, plus
        ``coverage``: the share of the target's weight (area or residents) covered
        by source zones.

    Raises
    ------
    InputError
        Not GeoDataFrames, geographic or differing CRS, missing geometries, unknown
        columns, ``population`` without ``blocks``.

    Warns
    -----
    DataQualityWarning
        With population weighting, for source zones without residents in ``blocks``
        (their values are spread by area instead).

    References
    ----------
    Goodchild, M. F. & Lam, N. S.-N. (1980). Areal interpolation: a variant of the
    traditional spatial problem. *Geo-Processing* 1, 297-312.
    Mennis, J. (2003). Generating surface models of population using dasymetric
    mapping. *The Professional Geographer* 55(1), 31-42. doi:10.1111/0033-0124.10042

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> src = gpd.GeoDataFrame({"n": [100.0, 50.0], "rate": [10.0, 20.0]},
    ...                        geometry=[box(0, 0, 2, 1), box(2, 0, 4, 1)],
    ...                        index=["a", "b"], crs=25832)
    >>> tgt = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1, 0, 4, 1)],
    ...                        index=["x", "y"], crs=25832)
    >>> areal_interpolate(src, tgt, extensive="n", intensive="rate")
          n       rate  coverage
    x  50.0  10.000000       1.0
    y 100.0  16.666667       1.0
    """
    import geopandas as gpd

    where = "areal_interpolate"
    _check_gdf(source, "source", where)
    _check_gdf(target, "target", where)
    if source.crs != target.crs:
        raise fail(
            where,
            f"`source` ({source.crs.to_string()}) and `target` ({target.crs.to_string()}) "
            "have different CRS",
            "reproject one, e.g. target.to_crs(source.crs)",
        )
    ext = as_column_list(extensive) if extensive is not None else []
    inten = as_column_list(intensive) if intensive is not None else []
    if not ext and not inten:
        raise fail(
            where,
            "neither `extensive` nor `intensive` columns were given",
            "name the columns to interpolate",
        )
    check_columns(source, ext + inten, arg="source", where=where)
    if len(source) == 0 or len(target) == 0:
        raise fail(where, "`source` or `target` has no rows", "pass at least one zone in each")
    check_no_nan(source, ext, arg="source", where=where)  # a missing count is not a zero
    check_no_inf(source, inten, arg="source", where=where)
    sv = source[ext + inten].to_numpy(dtype=float, na_value=np.nan)
    t_ids = pd.Index(target.index)
    src = gpd.GeoDataFrame(
        {"_s": np.arange(len(source))}, geometry=source.geometry.to_numpy(), crs=source.crs
    )
    tgt = gpd.GeoDataFrame(
        {"_t": np.arange(len(target))}, geometry=target.geometry.to_numpy(), crs=target.crs
    )
    pieces = gpd.overlay(src, tgt, how="intersection", keep_geom_type=True)
    ps, pt = pieces["_s"].to_numpy(), pieces["_t"].to_numpy()
    if population is None:
        if blocks is not None:
            raise fail(
                where,
                "`blocks` was given without `population`",
                "name the residents column, e.g. population='einwohner'",
            )
        wpiece = pieces.geometry.area.to_numpy()
        wsource = source.geometry.area.to_numpy()
        wtarget = target.geometry.area.to_numpy()
    else:
        if blocks is None:
            raise fail(
                where,
                "`population` needs `blocks` with residents",
                "pass blocks=<GeoDataFrame of blocks>",
            )
        wpiece, wsource, wtarget = _population_weights(
            source, target, tgt, pieces, blocks, population, where
        )
    out = pd.DataFrame(index=t_ids)
    k = len(target)
    share_s = np.where(wsource[ps] > 0, wpiece / np.where(wsource[ps] > 0, wsource[ps], 1), 0.0)
    for j, c in enumerate(ext):
        out[c] = np.bincount(pt, weights=share_s * np.nan_to_num(sv[ps, j]), minlength=k)
    covered = np.bincount(pt, weights=wpiece, minlength=k)
    for j, c in enumerate(inten, start=len(ext)):
        v = sv[ps, j]
        ok = np.isfinite(v)
        num = np.bincount(pt[ok], weights=wpiece[ok] * v[ok], minlength=k)
        den = np.bincount(pt[ok], weights=wpiece[ok], minlength=k)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[c] = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["coverage"] = np.where(
            wtarget > 0, np.minimum(covered / np.where(wtarget > 0, wtarget, 1), 1.0), np.nan
        )
    uncovered = t_ids[np.bincount(pt, minlength=k) == 0]
    if len(uncovered):
        warnings.warn(
            f"areal_interpolate: {len(uncovered)} target zone(s) overlap no source zone "
            f"({format_values(uncovered)}); their counts are 0, their rates NaN (coverage 0)",
            DataQualityWarning,
            stacklevel=2,
        )
    return out
