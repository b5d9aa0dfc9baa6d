"""Geometry of a synthetic city.

Outline, river with bridges and an island, Voronoi blocks, and a nested hierarchy of
districts, district regions and planning areas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree

from sozplan._core.frozen import immutable

#: Centre of the synthetic city in EPSG:25832 (ETRS89 / UTM 32N); an arbitrary inland spot.
CENTRE = (560_000.0, 5_930_000.0)
#: Radius of the 4,000-block Musterstadt in metres; larger cities scale with sqrt(n).
BASE_RADIUS = 8_000.0
BASE_BLOCKS = 4_000


@immutable
@dataclass(frozen=True)
class CityGeometry:
    """Block polygons and their static attributes, in block order."""

    blocks: np.ndarray  # shapely polygons, one per block (last one: the island)
    x: np.ndarray  # representative point of each block
    y: np.ndarray
    side: np.ndarray  # 0 north of the river, 1 south, 2 the island
    radius: float
    spacing: float  # typical distance between block centres
    outline: shapely.Polygon
    river: shapely.Geometry
    island_position: int


def _outline(rng: np.random.Generator, radius: float) -> shapely.Polygon:
    theta = np.linspace(0, 2 * np.pi, 256, endpoint=False)
    phases = rng.uniform(0, 2 * np.pi, 3)
    r = radius * (
        1
        + 0.12 * np.sin(2 * theta + phases[0])
        + 0.07 * np.sin(3 * theta + phases[1])
        + 0.04 * np.sin(5 * theta + phases[2])
    )
    return shapely.Polygon(
        np.c_[CENTRE[0] + 1.15 * r * np.cos(theta), CENTRE[1] + r * np.sin(theta)]
    )


def _river_y(x: np.ndarray, radius: float, phase: float) -> np.ndarray:
    """Return the river's centre line: a meander crossing the city from west to east."""
    u = (x - CENTRE[0]) / radius
    return CENTRE[1] - 0.12 * radius + 0.18 * radius * np.sin(2.2 * u + phase) + 0.05 * radius * u


def _river(rng: np.random.Generator, radius: float, spacing: float):
    phase = rng.uniform(0, 2 * np.pi)
    xs = np.linspace(CENTRE[0] - 1.6 * radius, CENTRE[0] + 1.6 * radius, 400)
    line = shapely.LineString(np.c_[xs, _river_y(xs, radius, phase)])
    width = 0.55 * spacing
    water = line.buffer(width / 2, cap_style="flat")
    # a widening east of the centre that holds the island
    ix = CENTRE[0] + 0.30 * radius
    iy = float(_river_y(np.array([ix]), radius, phase)[0])
    lake = shapely.Point(ix, iy).buffer(1.0, quad_segs=32)
    lake = shapely.affinity.scale(lake, 2.6 * spacing, 1.4 * spacing)
    island = shapely.affinity.scale(
        shapely.Point(ix, iy).buffer(1.0, quad_segs=32), 1.5 * spacing, 0.6 * spacing
    )
    water = shapely.union(water, lake)
    # bridges: narrow gaps in the water where blocks of both banks touch
    bridge_x = CENTRE[0] + radius * np.array([-0.9, -0.5, -0.15, 0.05, 0.6, 0.95])
    gaps = [
        shapely.box(
            bx - 0.12 * spacing,
            CENTRE[1] - 2 * radius,
            bx + 0.12 * spacing,
            CENTRE[1] + 2 * radius,
        )
        for bx in bridge_x
    ]
    water_with_bridges = shapely.difference(water, shapely.union_all(gaps))
    water_with_bridges = shapely.difference(water_with_bridges, island.buffer(0.2 * spacing))
    return water, water_with_bridges, island, phase


def make_geometry(n_blocks: int, rng: np.random.Generator) -> CityGeometry:
    """Build ``n_blocks`` irregular block polygons (Voronoi cells of clustered points)."""
    radius = BASE_RADIUS * np.sqrt(n_blocks / BASE_BLOCKS)
    area = np.pi * 1.15 * radius**2
    spacing = float(np.sqrt(area / n_blocks))
    outline = _outline(rng, radius)
    water, water_bridged, island, phase = _river(rng, radius, spacing)
    land = shapely.difference(outline, water_bridged)
    shapely.prepare(land)
    shapely.prepare(water)

    # clustered points: a dense centre, sub-centres and a uniform background
    n = n_blocks - 1  # the island is one more block
    centres = np.array(
        [CENTRE, *(np.array(CENTRE) + radius * rng.uniform(-0.6, 0.6, size=(4, 2)))]
    )
    pts = np.empty((0, 2))
    while len(pts) < n:
        m = int((n - len(pts)) * 1.6) + 100
        kind = rng.random(m)
        which = rng.integers(0, len(centres), m)
        scale = np.where(which == 0, 0.45, 0.22) * radius
        gauss = centres[which] + rng.normal(size=(m, 2)) * scale[:, None]
        unif = np.c_[
            rng.uniform(CENTRE[0] - 1.4 * radius, CENTRE[0] + 1.4 * radius, m),
            rng.uniform(CENTRE[1] - 1.2 * radius, CENTRE[1] + 1.2 * radius, m),
        ]
        cand = np.where((kind < 0.55)[:, None], gauss, unif)
        inside = shapely.contains_xy(outline, cand[:, 0], cand[:, 1])
        dry = ~shapely.intersects_xy(water.buffer(0.35 * spacing), cand[:, 0], cand[:, 1])
        pts = np.vstack([pts, cand[inside & dry]])
    pts = pts[:n]
    cells = shapely.get_parts(
        shapely.voronoi_polygons(
            shapely.multipoints(pts), extend_to=outline.envelope, ordered=True
        )
    )
    # clip to land; only cells that are not entirely inside need the expensive intersection
    within = _within(cells, pts, land)
    clipped = cells.copy()
    clipped[~within] = shapely.intersection(cells[~within], land)
    # a cell cut by the river keeps the piece that holds its seed point
    multi = shapely.get_num_geometries(clipped) > 1
    for i in np.flatnonzero(multi):
        parts = shapely.get_parts(clipped[i])
        seed = shapely.Point(pts[i])
        clipped[i] = parts[np.argmin(shapely.distance(parts, seed))]
    # Voronoi cells inside the land are convex and valid already (make_valid returns them as they are)
    clipped[~within] = shapely.make_valid(clipped[~within])
    # centimetre precision, as stored in the GeoPackage (areas are computed after rounding);
    # neighbouring cells share vertices, so rounding keeps them edge to edge
    polys = shapely.transform(np.append(clipped, island), lambda xy: np.round(xy, 2))
    invalid = ~shapely.is_valid(polys)
    polys[invalid] = shapely.set_precision(polys[invalid], 0.01)
    rep = shapely.point_on_surface(polys)
    x, y = shapely.get_x(rep), shapely.get_y(rep)
    side = (y < _river_y(x, radius, phase)).astype(np.int8)
    side[-1] = 2
    river = shapely.difference(water, island)
    return CityGeometry(
        blocks=polys,
        x=x,
        y=y,
        side=side,
        radius=float(radius),
        spacing=spacing,
        outline=outline,
        river=river,
        island_position=len(polys) - 1,
    )


def _segments(lines: shapely.Geometry) -> np.ndarray:
    """Split (multi)linestrings into their two-point segments."""
    coords, part = shapely.get_coordinates(shapely.get_parts(lines), return_index=True)
    same = part[1:] == part[:-1]
    return shapely.linestrings(
        np.stack([coords[:-1][same], coords[1:][same]], axis=1).reshape(-1, 2),
        indices=np.repeat(np.arange(same.sum()), 2),
    )


def _within(cells: np.ndarray, seeds: np.ndarray, land: shapely.Geometry) -> np.ndarray:
    """``shapely.within(cells, land)``, testing the polygons only near the land's boundary.

    A cell whose bounding box meets no bounding box of a boundary segment lies wholly
    inside or wholly outside the land, like its seed point.
    """
    near = np.unique(shapely.STRtree(_segments(shapely.boundary(land))).query(cells)[0])
    out = shapely.contains_xy(land, seeds[:, 0], seeds[:, 1])
    out[near] = shapely.within(cells[near], land)
    return out


def _lloyd_within(
    x: np.ndarray,
    y: np.ndarray,
    parent: np.ndarray,
    n_children: np.ndarray,
    rng,
    iterations: int = 6,
) -> np.ndarray:
    """Split points into compact groups nested in ``parent`` (k-means within each parent).

    ``n_children[p]`` groups are made inside parent ``p``. Returns a global child number.
    Vectorised over all parents at once: a third coordinate separates parents by a large
    offset, so the nearest seed of a point is always one of its own parent's seeds.
    """
    offset = 1e3 * (np.ptp(x) + np.ptp(y) + 1)
    order = np.argsort(parent, kind="stable")
    bounds = np.searchsorted(parent[order], np.arange(len(n_children) + 1))
    seed_idx: list[int] = []
    seed_parent: list[int] = []
    for p, k in enumerate(n_children):
        if k:
            members = order[bounds[p] : bounds[p + 1]]
            seed_idx.extend(rng.choice(members, size=min(k, len(members)), replace=False))
            seed_parent.extend([p] * min(k, len(members)))
    parent_of_seed = np.asarray(seed_parent)
    sx, sy = x[seed_idx].astype(float), y[seed_idx].astype(float)
    pts = np.c_[x, y, parent * offset]
    for _ in range(iterations):
        label = _nearest_seed(pts, sx, sy, parent, parent_of_seed, offset)
        counts = np.bincount(label, minlength=len(sx))
        keep = counts > 0
        sx = np.where(keep, np.bincount(label, x, len(sx)) / np.maximum(counts, 1), sx)
        sy = np.where(keep, np.bincount(label, y, len(sx)) / np.maximum(counts, 1), sy)
    label = _nearest_seed(pts, sx, sy, parent, parent_of_seed, offset)
    # renumber so that empty seeds disappear
    _, label = np.unique(label, return_inverse=True)
    return label


def _nearest_seed(pts, sx, sy, parent, parent_of_seed, offset, chunk: int = 65_536) -> np.ndarray:
    """Find the nearest seed of each point among the seeds of its own parent.

    ``parent_of_seed`` is sorted. With few seeds per parent, the squared distances to all
    of them are compared directly (the same sums a k-d tree compares); with many, a k-d
    tree over (x, y, parent offset) finds them.
    """
    n_parents = int(max(parent.max(), parent_of_seed.max())) + 1
    first = np.searchsorted(parent_of_seed, np.arange(n_parents))
    count = np.bincount(parent_of_seed, minlength=n_parents)
    k = int(count.max())
    if k > 32:
        tree = cKDTree(np.c_[sx, sy, parent_of_seed * offset])
        return tree.query(pts)[1]
    x, y = pts[:, 0], pts[:, 1]
    label = np.empty(len(x), dtype=np.intp)
    steps = np.arange(k)
    for lo in range(0, len(x), chunk):
        p = parent[lo : lo + chunk]
        cand = first[p][:, None] + steps
        valid = steps < count[p][:, None]
        cand = np.where(valid, cand, first[p][:, None])
        d = (x[lo : lo + chunk, None] - sx[cand]) ** 2 + (y[lo : lo + chunk, None] - sy[cand]) ** 2
        d[~valid] = np.inf
        label[lo : lo + chunk] = cand[np.arange(len(p)), np.argmin(d, axis=1)]
    return label


def _split_counts(sizes: np.ndarray, total_children: int) -> np.ndarray:
    """Distribute ``total_children`` over parents in proportion to their sizes (at least 1 each)."""
    raw = sizes / sizes.sum() * total_children
    out = np.maximum(1, np.floor(raw).astype(int))
    out = np.minimum(out, sizes)
    return out


def make_hierarchy(geom: CityGeometry, rng: np.random.Generator, n_districts: int = 8):
    """Nest blocks into planning areas, district regions and districts.

    Returns integer labels (district, district region, planning area) per block; district
    regions and planning areas do not cross the river, districts may.
    """
    n = len(geom.x)
    x, y = geom.x, geom.y
    main = np.arange(n) != geom.island_position
    district = np.zeros(n, dtype=int)
    district[main] = _lloyd_within(
        x[main], y[main], np.zeros(main.sum(), int), np.array([n_districts]), rng
    )
    # number districts from the centre outwards ("01" is the centre)
    counts = np.bincount(district[main], minlength=n_districts)
    dx = np.bincount(district[main], x[main], n_districts) / counts - CENTRE[0]
    dy = np.bincount(district[main], y[main], n_districts) / counts - CENTRE[1]
    dist_centre = np.hypot(dx, dy)
    rank = np.argsort(np.argsort(dist_centre))
    district[main] = rank[district[main]]

    n_regions_total = max(n_districts * 2, round(n / 100))
    n_pa_total = max(n_regions_total * 2, round(n / 16))
    key = district * 2 + np.minimum(geom.side, 1)  # district x river side
    sizes = np.bincount(key[main], minlength=2 * n_districts)
    region = np.zeros(n, dtype=int)
    n_children = np.where(sizes > 0, _split_counts(np.maximum(sizes, 1), n_regions_total), 0)
    region[main] = _lloyd_within(x[main], y[main], key[main], n_children, rng)
    rsizes = np.bincount(region[main])
    planning = np.zeros(n, dtype=int)
    planning[main] = _lloyd_within(
        x[main], y[main], region[main], _split_counts(rsizes, n_pa_total), rng
    )
    # the island joins the planning area of its nearest block
    tree = cKDTree(np.c_[x[main], y[main]])
    _, j = tree.query([x[geom.island_position], y[geom.island_position]])
    j = np.flatnonzero(main)[j]
    for lab in (district, region, planning):
        lab[geom.island_position] = lab[j]
    return district, region, planning
