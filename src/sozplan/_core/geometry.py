"""Small geometry helpers shared by the graph builder and the spatial statistics."""

from __future__ import annotations

from typing import Any

__all__ = ["points_of"]


def points_of(gdf: Any) -> Any:
    """Centroids for polygons (points stay points), for distance-based computations.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> gdf = gpd.GeoDataFrame(geometry=[box(0, 0, 2, 2), Point(5, 5)])
    >>> [(p.x, p.y) for p in points_of(gdf)]
    [(1.0, 1.0), (5.0, 5.0)]
    """
    geom = gdf.geometry
    if (geom.geom_type == "Point").all():
        return geom
    return geom.centroid
