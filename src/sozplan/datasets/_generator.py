"""The social model of the synthetic city.

Latent living conditions, counts per block and year, and the planted structure that tests
must recover.

Calibration targets are the real Berlin planning areas (Monitoring Soziale Stadtentwicklung
2021, 536 rated Planungsräume, data as of 31.12.2020; population 30.06.2022), measured with
``benchmarks/calibration_berlin.py``; they are written here as numbers so that the generator
needs no external data. The generated planning areas are checked against them in
``tests/test_datasets.py``.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.special import expit, logit

from sozplan.datasets._dictionary import AGE_BANDS, CITIZENSHIP_GROUPS
from sozplan.datasets._geometry import (
    CENTRE,
    _lloyd_within,
    _segments,
    make_geometry,
    make_hierarchy,
)

__all__ = ["BERLIN_TARGETS", "City", "generate_city"]

#: Berlin MSS 2021 planning-area targets: (mean, sd, skewness) in percent, Pearson
#: correlations, and global Moran's I (queen contiguity, row-standardised).
#: Source: SenStadt Berlin, Monitoring Soziale Stadtentwicklung 2021 (S1, S3, S4, KI_02, KI_03);
#: Amt für Statistik Berlin-Brandenburg, Einwohner nach Planungsräumen 30.06.2022 (shares).
BERLIN_TARGETS: dict[str, Any] = {
    "distribution": {
        "arbeitslose_sgb2_quote": (4.97, 2.95, 0.91),  # MSS S1
        "sgb2_quote": (10.92, 7.08, 0.99),  # MSS S3 (transfer receipt)
        "kinderarmut_quote": (24.54, 16.67, 0.65),  # MSS S4
        "auslaender_anteil": (22.22, 10.30, 0.58),
        "anteil_65_plus": (19.53, 7.67, -0.05),
        "anteil_unter_18": (16.48, 3.10, 0.84),
        "alleinerziehende_anteil": (29.52, 7.43, 0.18),  # MSS KI_02
        "altersarmut_quote": (7.11, 6.05, 1.31),  # MSS KI_03
    },
    "correlation": {
        ("sgb2_quote", "kinderarmut_quote"): 0.97,
        ("sgb2_quote", "arbeitslose_sgb2_quote"): 0.96,
        ("sgb2_quote", "auslaender_anteil"): 0.62,
        ("sgb2_quote", "anteil_65_plus"): -0.34,
        ("sgb2_quote", "altersarmut_quote"): 0.70,
        ("sgb2_quote", "alleinerziehende_anteil"): 0.47,
    },
    "moran": {"sgb2_quote": 0.49, "auslaender_anteil": 0.64, "anteil_65_plus": 0.64},
}

#: Profiles of the planted area types in latent units: deprivation, migration/urbanity,
#: age (older is higher), stability (longer residence is higher); block population scale.
TYPES: dict[str, dict[str, Any]] = {
    "innenstadt": {
        "label": "Innerstädtisches Mischgebiet",
        "latent": (0.35, 1.3, -1.0, -1.1),
        "pop": 420,
    },
    "grosswohnsiedlung": {
        "label": "Großwohnsiedlung",
        "latent": (1.35, 0.35, 0.1, 0.2),
        "pop": 600,
    },
    "einfamilienhaus": {
        "label": "Einfamilienhaus- und Villengebiet",
        "latent": (-1.3, -1.0, 1.1, 1.2),
        "pop": 90,
    },
    "wohnquartier": {
        "label": "Gemischtes Wohnquartier",
        "latent": (-0.15, -0.25, 0.2, 0.2),
        "pop": 240,
    },
}
TYPE_NAMES = list(TYPES)

DISTRICT_NAMES = [
    "Mitte",
    "Lindenau",
    "Hafenstadt",
    "Eichwald",
    "Neudorf",
    "Bergheim",
    "Rosental",
    "Auenfeld",
]
_STEMS = [
    "Linden",
    "Birken",
    "Eichen",
    "Buchen",
    "Ahorn",
    "Erlen",
    "Tannen",
    "Kiefern",
    "Ulmen",
    "Weiden",
    "Rosen",
    "Tulpen",
    "Nelken",
    "Mühlen",
    "Brunnen",
    "Schloss",
    "Kirch",
    "Markt",
    "Hafen",
    "Burg",
    "Berg",
    "Sonnen",
    "Wiesen",
    "Feld",
    "Wald",
    "Stein",
    "Garten",
    "Bach",
    "See",
    "Heide",
    "Moor",
    "Fuchs",
    "Hasen",
    "Falken",
    "Adler",
    "Raben",
    "Kranich",
    "Storch",
    "Schwanen",
    "Lerchen",
]
_SUFFIXES = [
    "hof",
    "feld",
    "au",
    "berg",
    "grund",
    "park",
    "siedlung",
    "viertel",
    "platz",
    "ring",
    "weg",
    "dorf",
    "winkel",
    "tal",
    "anger",
    "kamp",
]


@dataclass
class City:
    """Everything the generator makes; written to files by :func:`write_city`."""

    blocks: gpd.GeoDataFrame  # static block attributes and geometry, index "block"
    counts: pd.DataFrame  # block x year counts, MultiIndex (block, jahr)
    names: dict[str, pd.Series]  # level id column -> names
    river: shapely.Geometry
    outline: shapely.Geometry
    truth: dict[str, Any] = field(default_factory=dict)
    measures: pd.DataFrame | None = None
    costs: pd.DataFrame | None = None


def _ids(
    labels: np.ndarray,
    parent_ids: np.ndarray | None,
    x: np.ndarray,
    y: np.ndarray,
    width: int | None = None,
) -> np.ndarray:
    """Zero-padded hierarchical ids: parent id + running number within the parent (west to east)."""
    n_groups = labels.max() + 1
    cx = np.bincount(labels, x, n_groups) / np.bincount(labels, minlength=n_groups)
    cy = np.bincount(labels, y, n_groups) / np.bincount(labels, minlength=n_groups)
    parent_of = np.zeros(n_groups, dtype=object)
    parent_of[labels] = parent_ids if parent_ids is not None else ""
    frame = pd.DataFrame({"parent": parent_of, "cy": -np.round(cy, -2), "cx": cx})
    frame["rank"] = frame.sort_values(["parent", "cy", "cx"]).groupby("parent").cumcount() + 1
    if width is None:
        width = max(2, len(str(int(frame["rank"].max()))))
    group_ids = np.array(
        [
            f"{parent}{rank:0{width}d}"
            for parent, rank in zip(frame["parent"].tolist(), frame["rank"].tolist(), strict=True)
        ],
        dtype=object,
    )
    return group_ids[labels]


def _smooth_field(x, y, rng, length: float, n_features: int = 48) -> np.ndarray:
    """Draw a smooth Gaussian random field (random Fourier features), standardised to sd 1."""
    out = np.zeros(len(x))
    omega = rng.normal(size=(n_features, 2)) / length
    phase = rng.uniform(0, 2 * np.pi, n_features)
    arg, term = np.empty(len(x)), np.empty(len(x))
    for k in range(n_features):  # out += cos(omega_k0 x + omega_k1 y + phase_k), in place
        np.multiply(omega[k, 0], x, out=arg)
        arg += np.multiply(omega[k, 1], y, out=term)
        arg += phase[k]
        out += np.cos(arg, out=arg)
    return (out - out.mean()) / out.std()


def _binom(rng, n, p):
    return rng.binomial(np.asarray(n, dtype=np.int64), np.clip(p, 0, 1))


@dataclass
class _Planted:
    """The planted structure of :func:`generate_city` (planning-area positions, block masks)."""

    hot: list[list[int]]
    cold_pas: list[int]
    pp: int
    gent: int
    small: list[int]
    decl: int
    in_reg: np.ndarray
    reg_labels: np.ndarray
    reg_types: np.ndarray
    reg_district: str
    mask: np.ndarray  # planning areas taken by a planted structure
    status_pa: np.ndarray
    treated: list[int]
    pretrend: list[int]


@dataclass
class _Layout:
    """Blocks and planning areas of the city being generated (arrays per block or area)."""

    geom: Any
    x: np.ndarray
    y: np.ndarray
    r: np.ndarray  # relative distance from the centre
    pa_ids: np.ndarray
    pa_of_block: np.ndarray
    type_of_pa: np.ndarray
    pa_neighbours: list[set[int]]


def generate_city(
    n_blocks: int = 4_000, seed: int = 0, years=(2020, 2021, 2022, 2023, 2024), plant: bool = True
) -> City:
    """Generate a synthetic city (see :func:`sozplan.datasets.make_city`)."""
    rng = np.random.default_rng(seed)
    geom = make_geometry(n_blocks, rng)
    d_lab, r_lab, p_lab = make_hierarchy(geom, rng)
    x, y = geom.x, geom.y
    n = len(x)
    district_id = _ids(d_lab, None, x, y, width=2)
    region_id = _ids(r_lab, district_id, x, y)
    pa_id = _ids(p_lab, region_id, x, y)
    block_id = _ids(np.arange(n), pa_id, x, y, width=max(3, len(str(np.bincount(p_lab).max()))))
    r = np.hypot(x - CENTRE[0], (y - CENTRE[1]) * 1.15) / geom.radius
    pa_type, f = _pa_types(x, y, r, p_lab, geom.radius, rng)
    latent, pop_scale, empty = _latent_conditions(geom, pa_type[p_lab], f, rng)
    truth: dict[str, Any] = {
        "seed": seed,
        "n_blocks": int(n),
        "years": list(map(int, years)),
        "crs": "EPSG:25832",
    }
    pa_ids, pa_of_block = np.unique(pa_id, return_inverse=True)
    # p_lab and pa_of_block describe the same partition; use the sorted-id numbering from now on
    type_of_pa = np.empty(len(pa_ids), dtype=int)
    type_of_pa[pa_of_block] = pa_type[p_lab]
    # planning-area contiguity (through blocks' shared edges) for choosing planted areas
    pa_neighbours = _pa_neighbours(geom.blocks, pa_of_block, len(pa_ids))
    layout = _Layout(geom, x, y, r, pa_ids, pa_of_block, type_of_pa, pa_neighbours)
    planted: _Planted | None = None
    if plant:
        planted = _plant(layout, district_id, pa_id, latent, pop_scale, empty, rng)
        shelters = _shelters(layout, planted, empty, rng)
        _choose_measure_areas(layout, planted, latent, empty)
    else:
        shelters = rng.choice(np.flatnonzero(~empty), size=max(3, n // 100), replace=False)
    base_pop = np.where(empty, 0, np.round(pop_scale * rng.lognormal(0, 0.45, n))).astype(np.int64)
    if planted is not None:
        for pa in planted.small:  # stays below the MSS threshold of 300 residents in every year
            base_pop[pa_of_block == pa] = np.minimum(base_pop[pa_of_block == pa], 200)
    years = list(years)
    counts = _yearly_counts(layout, planted, latent, base_pop, shelters, years, rng)
    # as MultiIndex.from_arrays([np.tile(block_id, len(years)), jahr]), without factorising
    block_order = np.argsort(block_id)
    block_code = np.empty(n, dtype=np.int64)
    block_code[block_order] = np.arange(n)
    year_values = np.unique(np.asarray(years, dtype=np.int64))
    year_code = np.repeat(np.searchsorted(year_values, years), n)
    counts.index = pd.MultiIndex(
        levels=[pd.Index(block_id[block_order]), pd.Index(year_values)],
        codes=[np.tile(block_code, len(years)), year_code],
        names=["block", "jahr"],
        verify_integrity=False,
    )
    blocks = gpd.GeoDataFrame(
        {
            "planungsraum": pa_id,
            "bezirksregion": region_id,
            "bezirk": district_id,
            "flaeche_m2": np.round(shapely.area(geom.blocks)).astype(np.int64),
        },
        geometry=geom.blocks,
        index=pd.Index(block_id, name="block"),
        crs="EPSG:25832",
    )
    names = _names(pa_ids, np.unique(region_id), np.unique(district_id), rng)
    city = City(blocks=blocks, counts=counts, names=names, river=geom.river, outline=geom.outline)
    if planted is not None:
        truth.update(
            _planted_truth(layout, planted, block_id, pa_id, counts, base_pop, shelters, years)
        )
        city.truth = truth
        _plant_measures(city, pa_ids, planted.treated, planted.pretrend, planted.status_pa, rng)
    return city


def _pa_types(
    x: np.ndarray, y: np.ndarray, r: np.ndarray, p_lab: np.ndarray, radius: float, rng
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Type of each planning area from its position in the city plus smooth noise fields."""
    theta = np.arctan2(y - CENTRE[1], x - CENTRE[0])
    f = [_smooth_field(x, y, rng, 0.25 * radius) for _ in range(5)]
    n_pa = p_lab.max() + 1

    def pa_mean(v: np.ndarray) -> np.ndarray:
        return np.bincount(p_lab, v, n_pa) / np.bincount(p_lab, minlength=n_pa)

    pr, pt = pa_mean(r), pa_mean(theta)
    estate_dir = rng.uniform(-np.pi, np.pi, 2)
    near_estate = np.max([np.cos(pt - a) for a in estate_dir], axis=0)
    score = np.c_[
        3.5 * (0.36 - pr) + 0.5 * pa_mean(f[0]),
        2.2
        * np.clip(near_estate - 0.75, 0, None)
        / 0.25
        * np.clip(1 - np.abs(pr - 0.72) / 0.3, 0, None)
        + 0.5 * pa_mean(f[1])
        - 0.45,
        2.4 * (pr - 0.62) + 0.5 * pa_mean(f[2]),
        0.5 * pa_mean(f[3]),
    ]
    return np.argmax(score, axis=1), f


def _latent_conditions(
    geom: Any, block_type: np.ndarray, f: list[np.ndarray], rng
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Latent living conditions, population scale and emptiness (parks, industry) per block."""
    x, y = geom.x, geom.y
    n = len(x)
    prof = np.array([TYPES[t]["latent"] for t in TYPE_NAMES])
    latent = (
        prof[block_type]
        + 0.35 * rng.normal(size=(n, 4))
        + np.c_[0.4 * f[4], 0.25 * f[0], 0.25 * f[1], 0.25 * f[2]]
    )
    pop_scale = np.array([TYPES[t]["pop"] for t in TYPE_NAMES], float)[block_type]
    # empty blocks: parks (patches of a smooth field) and industry near the river
    park = _smooth_field(x, y, rng, 0.06 * geom.radius) > 1.65
    industry = _near(x, y, geom.river, 1.2 * geom.spacing) & (rng.random(n) < 0.25)
    empty = park | industry
    empty[geom.island_position] = False
    return latent, pop_scale, empty


def _near(x: np.ndarray, y: np.ndarray, geometry, distance: float) -> np.ndarray:
    """Whether each point lies closer than ``distance`` to ``geometry`` (strictly).

    The exact distance is computed only for the points inside the geometry or within
    ``distance`` of a segment of its boundary (found with a tree of the segments); the
    others are farther for sure.
    """
    points = shapely.points(x, y)
    segments = _segments(shapely.boundary(geometry))
    close = shapely.STRtree(segments).query(points, predicate="dwithin", distance=distance)[0]
    shapely.prepare(geometry)
    cand = np.union1d(close, np.flatnonzero(shapely.contains_xy(geometry, x, y)))
    near = np.zeros(len(x), dtype=bool)
    near[cand] = shapely.distance(points[cand], geometry) < distance
    return near


def _plant(
    lay: _Layout,
    district_id: np.ndarray,
    pa_id: np.ndarray,
    latent: np.ndarray,
    pop_scale: np.ndarray,
    empty: np.ndarray,
    rng,
) -> _Planted:
    """Plant hot and cold spots, special areas and true regions (changes the block arrays)."""
    n_pa = len(lay.pa_ids)
    pa_of_block, type_of_pa, pa_neighbours = lay.pa_of_block, lay.type_of_pa, lay.pa_neighbours
    planted = np.zeros(n_pa, dtype=bool)
    # one district keeps true homogeneous regions for regionalisation tests (latent is set below)
    reg_district = _pick_regions_district(district_id, pa_id, empty)
    in_reg = district_id == reg_district
    planted[np.unique(pa_of_block[in_reg])] = True

    rows = np.repeat(np.arange(n_pa), [len(a) for a in pa_neighbours])
    cols = np.fromiter((j for a in pa_neighbours for j in a), dtype=np.int64, count=len(rows))
    adjacency = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n_pa, n_pa))

    def pick(cond_types, r_lo, r_hi, avoid_types=(), min_blocks=10, distance=1):
        """Pick a random unplanted area of a type, away from planted areas and some types."""
        pr_pa = np.bincount(pa_of_block, lay.r, n_pa) / np.bincount(pa_of_block)
        nblocks = np.bincount(pa_of_block, ~empty, n_pa)
        near_planted = planted.copy()  # within `distance` contiguity steps of a planted area
        for _ in range(distance):
            near_planted |= adjacency @ near_planted.astype(float) > 0
        avoided = adjacency @ np.isin(type_of_pa, avoid_types).astype(float) > 0
        cands = np.flatnonzero(
            np.isin(type_of_pa, cond_types)
            & (r_lo <= pr_pa)
            & (pr_pa <= r_hi)
            & (nblocks >= min_blocks)
            & ~near_planted
            & ~avoided
        ).tolist()
        if not cands:
            cands = np.flatnonzero(~planted & (nblocks >= min_blocks)).tolist()
        choice = cands[rng.integers(len(cands))]
        planted[choice] = True
        return choice

    wq, gw, ef, inn = (
        TYPE_NAMES.index(t)
        for t in ("wohnquartier", "grosswohnsiedlung", "einfamilienhaus", "innenstadt")
    )
    # hot spots: deprived estates among below-average neighbours, far from each other (LISA
    # marks a neighbour as HH only if its own value is above the mean)
    hot = []
    for _ in range(2):  # each a large estate over two neighbouring planning areas
        first = pick([wq, ef], 0.35, 0.85, avoid_types=[gw, inn], min_blocks=16, distance=3)
        nblocks = np.bincount(pa_of_block, minlength=n_pa)
        ring = sorted(
            (j for j in pa_neighbours[first] if not planted[j] and type_of_pa[j] in (wq, ef)),
            key=lambda j: -nblocks[j],
        )
        hot.append([first, *ring[:1]])
        planted[hot[-1]] = True
    # cold spot: an affluent enclave of three planning areas among average ones, large enough
    # that most of its blocks have most of their neighbours inside it
    cold_pa = pick([wq], 0.3, 0.8, avoid_types=[gw, ef], min_blocks=14, distance=2)
    nblocks = np.bincount(pa_of_block, minlength=n_pa)
    ring = sorted((j for j in pa_neighbours[cold_pa] if not planted[j]), key=lambda j: -nblocks[j])
    cold_pas = [cold_pa, *ring[:2]]
    planted[cold_pas] = True
    pp = pick([wq], 0.3, 0.7)
    gent = pick([inn, wq], 0.1, 0.5)
    small = [pick([wq, ef, inn, gw], 0.2, 0.95, min_blocks=4) for _ in range(2)]
    for pa in small:  # industrial estates: one small residential block each
        blk = np.flatnonzero(pa_of_block == pa)
        empty[blk] = True
        empty[blk[0]] = False
        pop_scale[blk[0]] = 120
    decl = pick([wq, gw], 0.3, 0.8)
    _set_spot_conditions(lay, hot, cold_pas, pp, latent, pop_scale, empty, rng)
    # regions district: piecewise-constant profiles on contiguous groups of blocks
    reg_labels, reg_types = _true_regions(lay.geom, in_reg, rng)
    prof = np.array([TYPES[t]["latent"] for t in TYPE_NAMES])
    latent[in_reg] = prof[reg_types[reg_labels[in_reg]]] + 0.12 * rng.normal(
        size=(in_reg.sum(), 4)
    )
    empty[in_reg] = False
    pop_scale[in_reg] = np.array([TYPES[t]["pop"] for t in TYPE_NAMES], float)[
        reg_types[reg_labels[in_reg]]
    ]
    return _Planted(
        hot=hot,
        cold_pas=cold_pas,
        pp=pp,
        gent=gent,
        small=small,
        decl=decl,
        in_reg=in_reg,
        reg_labels=reg_labels,
        reg_types=reg_types,
        reg_district=reg_district,
        mask=planted,
        status_pa=np.zeros(0),
        treated=[],
        pretrend=[],
    )


def _set_spot_conditions(
    lay: _Layout,
    hot: list[list[int]],
    cold_pas: list[int],
    pp: int,
    latent: np.ndarray,
    pop_scale: np.ndarray,
    empty: np.ndarray,
    rng,
) -> None:
    """Latent conditions of the hot spots, the cold spot and 'Platte und Penthouse'."""
    pa_of_block = lay.pa_of_block
    for pas in hot:
        in_pas = np.isin(pa_of_block, pas)
        empty[in_pas] = False
        latent[in_pas, 0] = 2.7 + 0.25 * rng.normal(size=in_pas.sum())
        pop_scale[in_pas] = 650
    in_pas = np.isin(pa_of_block, cold_pas)
    empty[in_pas] = False
    latent[in_pas, 0] = -3.2 + 0.2 * rng.normal(size=in_pas.sum())
    latent[in_pas, 2] = 1.2
    pop_scale[in_pas] = 180
    # Platte und Penthouse: high-rise estate in the west half, villas in the east half
    blk = np.flatnonzero(pa_of_block == pp)
    empty[blk] = False
    west = lay.x[blk] < np.median(lay.x[blk])
    latent[blk[west]] = (2.3, 0.6, -0.2, -0.3)
    latent[blk[~west]] = (-2.4, -1.2, 1.3, 1.4)
    latent[blk] += 0.15 * rng.normal(size=(len(blk), 4))
    pop_scale[blk[west]] = 700
    pop_scale[blk[~west]] = 70


def _spot_areas(planted: _Planted) -> list[int]:
    """Planning areas of the hot spots, the cold spot and 'Platte und Penthouse'."""
    return [*functools.reduce(operator.iadd, planted.hot, []), *planted.cold_pas, planted.pp]


def _shelters(lay: _Layout, planted: _Planted, empty: np.ndarray, rng) -> np.ndarray:
    """Segregated group: shared accommodation for refugees in scattered blocks."""
    cand = np.flatnonzero(
        ~empty & ~planted.in_reg & ~np.isin(lay.pa_of_block, _spot_areas(planted))
    )
    return rng.choice(cand, size=max(3, len(lay.x) // 40), replace=False)


def _choose_measure_areas(
    lay: _Layout, planted: _Planted, latent: np.ndarray, empty: np.ndarray
) -> None:
    """Areas of a need-based programme with a planted effect, and of one with a pre-trend."""
    n_pa = len(lay.pa_ids)
    status_pa = np.bincount(lay.pa_of_block, latent[:, 0] * (~empty), n_pa) / np.maximum(
        np.bincount(lay.pa_of_block, ~empty, n_pa), 1
    )
    eligible = [i for i in np.argsort(-status_pa) if not planted.mask[i]]
    # interleaved over one band of high need, so that comparable untreated areas exist
    band = eligible[6:54]
    planted.status_pa = status_pa
    planted.treated = band[0::6]
    planted.pretrend = band[3::8]


def _yearly_counts(
    lay: _Layout,
    planted: _Planted | None,
    latent: np.ndarray,
    base_pop: np.ndarray,
    shelters: np.ndarray,
    years: list[int],
    rng,
) -> pd.DataFrame:
    """Draw the counts of every block and year (year by year), planted trends and effect."""
    n = len(base_pop)
    pa_of_block = lay.pa_of_block
    drift = 0.03 * rng.normal(size=(len(lay.pa_ids), len(years))).cumsum(axis=1)
    if planted is not None:
        gent = pa_of_block == planted.gent
        decl = pa_of_block == planted.decl
        pretrend = [pa_of_block == i for i in planted.pretrend]
        treated = np.isin(pa_of_block, planted.treated)
    table = columns = None
    for t, year in enumerate(years):
        lat = latent.copy()
        lat[:, 0] += -0.05 * t + drift[pa_of_block, t]
        if planted is not None:
            lat[gent, 0] -= 0.42 * t
            lat[gent, 1] += 0.15 * t
            lat[gent, 3] -= 0.2 * t
            lat[decl, 0] += 0.2 * t
            for mask in pretrend:  # rising deprivation already before the measure (2023)
                lat[mask, 0] += 0.2 * t
        growth = 1 + 0.004 * t + 0.01 * rng.normal(size=n) * (t > 0)
        pop = np.where(base_pop > 0, np.round(base_pop * growth), 0).astype(np.int64)
        effect = np.zeros(n)
        if planted is not None:
            pop[gent] = np.round(pop[gent] * (1 + 0.03 * t)).astype(np.int64)
            ramp = {2020: 0.0, 2021: 0.0, 2022: 0.007, 2023: 0.014, 2024: 0.02}.get(year, 0.02)
            effect[treated] = ramp
        row = _counts(lat, pop, shelters, effect, rng, year)
        del row["jahr"], lat
        if table is None:  # one int64 block, column by column (as pandas stores it)
            columns = list(row)
            table = np.empty((n * len(years), len(columns)), dtype=np.int64, order="F")
        for c, values in enumerate(row.values()):
            table[t * n : (t + 1) * n, c] = values
    return pd.DataFrame(table, columns=columns, copy=False)


def _planted_truth(
    lay: _Layout,
    planted: _Planted,
    block_id: np.ndarray,
    pa_id: np.ndarray,
    counts: pd.DataFrame,
    base_pop: np.ndarray,
    shelters: np.ndarray,
    years: list[int],
) -> dict[str, Any]:
    """Describe the planted structure as written to truth.json."""
    pa_ids, pa_of_block = lay.pa_ids, lay.pa_of_block

    def ids(mask: np.ndarray) -> list:
        return sorted(block_id[mask].tolist())

    truth: dict[str, Any] = {}
    truth["hot_spots"] = [
        {
            "name": f"Brennpunkt {k + 1}",
            "planning_areas": sorted(pa_ids[pas].tolist()),
            "blocks": ids(np.isin(pa_of_block, pas)),
            "expected_status_class": "sehr niedrig",
            "expected_lisa": "HH",
        }
        for k, pas in enumerate(planted.hot)
    ]
    truth["cold_spot"] = {
        "name": "Villenviertel",
        "planning_areas": sorted(pa_ids[planted.cold_pas].tolist()),
        "blocks": ids(np.isin(pa_of_block, planted.cold_pas)),
        "expected_status_class": "hoch",
        "expected_lisa": "LL",
    }
    truth["island_block"] = block_id[lay.geom.island_position]
    pa_pop = (
        counts["einwohner"]
        .groupby([np.tile(pa_id, len(years)), counts.index.get_level_values("jahr")])
        .sum()
    )
    below = sorted(pa_pop[pa_pop < 300].index.get_level_values(0).unique().tolist())
    truth["small_areas"] = {
        "planning_areas": below,
        "planted": sorted(pa_ids[planted.small].tolist()),
        "note": "planning areas with fewer than 300 residents in at least one year (two industrial "
        "estates are planted, others are mostly parks): not rated by an MSS-style index",
    }
    truth["empty_blocks"] = ids(base_pop == 0)
    truth["segregated_group"] = {
        "column": "auslaender_asyl",
        "dominant_level": "block",
        "shelter_blocks": ids(np.isin(np.arange(len(base_pop)), shelters)),
        "note": "refugees live mostly in shared accommodation scattered over all districts, so their "
        "segregation lies within planning areas (between blocks), not between districts",
    }
    blk = np.flatnonzero(pa_of_block == planted.pp)
    west = lay.x[blk] < np.median(lay.x[blk])
    truth["platte_und_penthouse"] = {
        "planning_area": pa_ids[planted.pp],
        "high_rise_blocks": sorted(block_id[blk[west]].tolist()),
        "villa_blocks": sorted(block_id[blk[~west]].tolist()),
    }
    truth["gentrifying"] = {
        "planning_area": pa_ids[planted.gent],
        "expected_dynamics_class": "positiv",
        "note": "deprivation falls, population and EU migration rise, residence duration falls",
    }
    truth["declining"] = {
        "planning_area": pa_ids[planted.decl],
        "expected_dynamics_class": "negativ",
    }
    truth["regions"] = _regions_truth(
        block_id,
        planted.in_reg,
        planted.reg_labels,
        planted.reg_types,
        base_pop,
        planted.reg_district,
    )
    truth["types"] = _types_truth(lay, planted)
    return truth


def _types_truth(lay: _Layout, planted: _Planted) -> dict[str, Any]:
    """Planted types of the planning areas outside the regions district and the spots."""
    special = [*np.unique(lay.pa_of_block[planted.in_reg]), planted.pp]
    special += [*functools.reduce(operator.iadd, planted.hot, []), *planted.cold_pas]
    return {
        "labels": {
            lay.pa_ids[i]: TYPE_NAMES[lay.type_of_pa[i]]
            for i in np.setdiff1d(np.arange(len(lay.pa_ids)), special)
        },
        "profiles": {
            k: {"label": v["label"], "latent": list(v["latent"])} for k, v in TYPES.items()
        },
        "columns": [
            "sgb2_quote",
            "kinderarmut",
            "auslaenderanteil",
            "anteil_65_plus",
            "anteil_unter_18",
            "altersarmut",
            "wohndauer",
            "wanderungsvolumen",
        ],
        "note": "planning areas outside the regions district and the other planted areas",
    }


def _counts(lat, pop, shelters, effect, rng, year) -> dict[str, np.ndarray]:
    """Draw all counts of one year from the latent conditions."""
    dep, mig, age, stab = lat.T
    n = len(pop)
    noise = np.random.default_rng(12345 + len(pop)).normal(size=(n, 2))  # fixed block traits
    # one independent stream per family of counts, so that tuning one family leaves the others as they are
    r_age, r_cit, r_hh, r_tr, r_mv = rng.spawn(5)
    # age structure
    p65 = expit(logit(0.15) + 0.55 * age - 0.1 * mig)
    pu18 = expit(logit(0.178) - 0.22 * age + 0.12 * dep - 0.1 * mig)
    p = np.c_[pu18 * 0.36, pu18 * 0.48, pu18 * 0.16, 1 - pu18 - p65, p65]
    ages = _multinomial_fast(r_age, pop, p)
    # citizenship
    pf = expit(logit(0.18) + 0.62 * mig + 0.18 * dep)
    foreign = _binom(r_cit, pop, pf)
    asyl_share = 0.025 + 0.05 * (dep > 0.8)
    asyl_share[shelters] = 0.85
    shares = np.c_[
        np.full(n, 0.36) + 0.1 * np.tanh(-dep),
        expit(0.2 * mig + 0.4 * dep - 1.2 + 0.0 * age),
        asyl_share,
        np.full(n, 0.34),
    ]
    shares = shares / shares.sum(axis=1, keepdims=True)
    groups = _multinomial_fast(r_cit, foreign, shares)
    # in shelters most residents are refugees, whatever the latent says
    in_shelter = np.zeros(n, bool)
    in_shelter[shelters] = True
    extra = np.where(in_shelter, _binom(r_cit, pop - foreign, 0.5), 0)
    groups[:, 2] += extra
    foreign = foreign + extra
    # households
    hh_size = np.clip(
        1.85 + 0.2 * np.tanh(age) - 0.2 * np.tanh(mig) + 0.05 * r_hh.normal(size=n), 1.3, 2.6
    )
    households = np.round(pop / hh_size).astype(np.int64)
    children = ages[:, 0] + ages[:, 1] + ages[:, 2]
    hh_children = np.minimum(households, np.round(children / 1.65).astype(np.int64))
    single = _binom(r_hh, hh_children, expit(logit(0.30) + 0.2 * dep + 0.5 * noise[:, 0]))
    # transfers
    under65 = pop - ages[:, 4]
    p_sgb2 = np.clip(expit(-2.1 + 0.72 * dep) - effect, 0.001, 1)
    sgb2 = _binom(r_tr, under65, p_sgb2)
    kids = ages[:, 0] + ages[:, 1]
    p_kids = np.clip(expit(-1.08 + 0.86 * dep) - 2.2 * effect, 0.001, 1)
    sgb2_u15 = np.minimum(_binom(r_tr, kids, p_kids), sgb2)
    alo = _binom(r_tr, sgb2 - sgb2_u15, 0.58)
    oldage = _binom(r_tr, ages[:, 4], expit(-3.45 + 0.7 * dep + 0.85 * mig + 0.35 * noise[:, 1]))
    # moves and residence
    volume = np.clip(0.11 + 0.05 * np.tanh(mig) - 0.03 * np.tanh(stab), 0.02, 0.4)
    moves_in = r_mv.poisson(pop * volume * (1 + 0.05 * r_mv.normal(size=n)).clip(0.5))
    moves_out = r_mv.poisson(pop * volume * (1 + 0.05 * r_mv.normal(size=n)).clip(0.5))
    stay = _binom(r_mv, pop, expit(0.25 + 0.55 * stab - 0.25 * mig))
    out = {"jahr": np.full(n, year), "einwohner": pop}
    out.update(dict(zip(AGE_BANDS, ages.T, strict=True)))
    out["deutsche"] = pop - foreign
    out.update(dict(zip(list(CITIZENSHIP_GROUPS)[1:], groups.T, strict=True)))
    out["auslaender"] = foreign
    out.update(
        haushalte=households,
        haushalte_mit_kindern=hh_children,
        haushalte_alleinerziehend=single,
        arbeitslose_sgb2=alo,
        sgb2_leistungsberechtigte=sgb2,
        sgb2_unter15=sgb2_u15,
        sgb12_grundsicherung_65_plus=oldage,
        zuzuege=moves_in,
        fortzuege=moves_out,
        wohndauer_5_jahre_plus=stay,
    )
    return out


def _multinomial_fast(rng, n, p) -> np.ndarray:
    """Row-wise multinomial draws via sequential conditional binomials (vectorised)."""
    n = np.asarray(n, dtype=np.int64)
    p = np.asarray(p, dtype=float)
    out = np.zeros(p.shape, dtype=np.int64)
    remaining = n.copy()
    rest = np.ones(len(n))
    for j in range(p.shape[1] - 1):
        q = np.clip(p[:, j] / np.maximum(rest, 1e-12), 0, 1)
        out[:, j] = rng.binomial(remaining, q)
        remaining -= out[:, j]
        rest -= p[:, j]
    out[:, -1] = remaining
    return out


def _pa_neighbours(polys: np.ndarray, pa_of_block: np.ndarray, n_pa: int) -> list[set[int]]:
    """Planning areas that share a block edge or corner.

    The same sets, built in the same order, as adding every pair of intersecting blocks of
    ``STRtree.query(polys, predicate="intersects")``; but the exact (costly) polygon test
    runs only on the pairs of blocks in different areas.
    """
    left, right = shapely.STRtree(polys).query(polys)  # bounding boxes; same order
    a, b = pa_of_block[left], pa_of_block[right]
    cross = np.flatnonzero(a != b)
    left, right, a, b = left[cross], right[cross], a[cross], b[cross]
    # per pair of areas, the first pair of blocks that intersect: that is where the area
    # entered the set. Test the first candidate of every area pair, then the next of those
    # that missed, and so on.
    order = np.argsort(a.astype(np.int64) * n_pa + b, kind="stable")
    code = (a.astype(np.int64) * n_pa + b)[order]
    start = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    stop = np.r_[start[1:], len(code)]
    first = np.full(len(start), -1)
    active, position = np.arange(len(start)), start.copy()
    while len(active):
        pair = order[position[active]]
        hit = shapely.intersects(polys[left[pair]], polys[right[pair]])
        first[active[hit]] = pair[hit]
        position[active] += 1
        active = active[~hit & (position[active] < stop[active])]
    first = np.sort(first[first >= 0])
    out: list[set[int]] = [set() for _ in range(n_pa)]
    for i, j in zip(a[first].tolist(), b[first].tolist(), strict=True):
        out[i].add(j)
    return out


def _pick_regions_district(district_id, pa_id, empty) -> str:
    """Choose the outermost district (highest number) to hold the true regions."""
    return str(np.unique(district_id)[-1])


def _true_regions(geom, in_reg: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """Contiguous groups of blocks in one district and a type for each (neighbours differ)."""
    idx = np.flatnonzero(in_reg)
    side = np.minimum(geom.side[idx], 1)
    sizes = np.bincount(side, minlength=2)
    k = np.where(sizes > 0, np.maximum(1, np.round(6 * sizes / sizes.sum())), 0).astype(int)
    labels = np.full(len(in_reg), -1)
    labels[idx] = _lloyd_within(geom.x[idx], geom.y[idx], side, k, rng, iterations=10)
    n_reg = labels.max() + 1
    adj = _pa_neighbours(geom.blocks[idx], labels[idx], n_reg)
    types = np.full(n_reg, -1)
    used = np.zeros(len(TYPE_NAMES), int)
    for reg in np.argsort([-len(a) for a in adj]):
        taken = {types[j] for j in adj[reg]}
        options = [t for t in np.argsort(used, kind="stable") if t not in taken]
        types[reg] = options[0]
        used[types[reg]] += 1
    return labels, types


def _regions_truth(block_id, in_reg, labels, types, pop, district) -> dict[str, Any]:
    reg_pop = np.bincount(labels[in_reg], pop[in_reg])
    return {
        "district": district,
        "n_regions": int(labels.max() + 1),
        "labels": {b: f"R{labels[i] + 1}" for i, b in enumerate(block_id) if in_reg[i]},
        "types": {f"R{r + 1}": TYPE_NAMES[t] for r, t in enumerate(types)},
        "columns": [
            "sgb2_quote",
            "kinderarmut",
            "auslaenderanteil",
            "anteil_65_plus",
            "altersarmut",
            "wohndauer",
        ],
        "population_by_region_2020": {f"R{r + 1}": int(p) for r, p in enumerate(reg_pop)},
        "population_floor": int(np.floor(0.7 * reg_pop.min() / 1000) * 1000),
        "population_ceiling": int(np.ceil(1.3 * reg_pop.max() / 1000) * 1000),
        "note": "blocks of this district have piecewise-constant living conditions on these contiguous "
        "regions (which cut across planning areas); neighbouring regions differ in type",
    }


def _names(pa_ids, region_ids, district_ids, rng) -> dict[str, pd.Series]:
    combos = [s + x for s in _STEMS for x in _SUFFIXES]
    order = rng.permutation(len(combos))
    pa_names = [
        combos[order[i % len(combos)]] + ("" if i < len(combos) else f" {i // len(combos) + 1}")
        for i in range(len(pa_ids))
    ]
    d_names = {
        d: DISTRICT_NAMES[i] if i < len(DISTRICT_NAMES) else f"Bezirk {d}"
        for i, d in enumerate(district_ids)
    }
    parts = [
        "Nord",
        "Süd",
        "Ost",
        "West",
        "Mitte",
        "Nordost",
        "Südwest",
        "Nordwest",
        "Südost",
        "Zentrum",
    ]
    r_names = {}
    counter: dict[str, int] = {}
    for r in region_ids:
        d = r[:2]
        k = counter.get(d, 0)
        counter[d] = k + 1
        r_names[r] = f"{d_names[d]}-{parts[k]}" if k < len(parts) else f"{d_names[d]} {k + 1}"
    return {
        "planungsraum": pd.Series(pa_names, index=pa_ids),
        "bezirksregion": pd.Series(r_names),
        "bezirk": pd.Series(d_names),
    }


_FIELDS = [
    "Bildung",
    "Familie",
    "Arbeit und Beschäftigung",
    "Gesundheit",
    "Integration",
    "Senioren",
    "Wohnen und Quartier",
]
_MEASURE_NAMES = {
    "Bildung": ["Lernwerkstatt", "Bildungsverbund", "Hausaufgabenhilfe"],
    "Familie": ["Familienzentrum", "Stadtteilmütter", "Frühe Hilfen"],
    "Arbeit und Beschäftigung": [
        "Jobcoaching im Quartier",
        "Beschäftigungsprojekt",
        "Ausbildungslotsen",
    ],
    "Gesundheit": ["Gesundheitskiosk", "Bewegte Kita", "Präventionskette"],
    "Integration": ["Integrationslotsen", "Sprachcafé", "Willkommensnetzwerk"],
    "Senioren": ["Seniorentreff", "Nachbarschaftshilfe 65+", "Mobile Altenhilfe"],
    "Wohnen und Quartier": ["Quartiersfonds", "Mieterberatung", "Nachbarschaftshaus"],
}
_PROGRAMMES = [
    "Sozialer Zusammenhalt (Städtebauförderung)",
    "ESF Plus",
    "BIWAQ",
    "Landesprogramm Familie",
    "keine",
]


def _plant_measures(city: City, pa_ids, treated, pretrend, status_pa, rng) -> None:
    """Measures (Maßnahmen) and their costs per planning area and year, with planted effects."""
    years = city.truth["years"]
    measures: list[dict[str, Any]] = [
        {
            "massnahme": "M01",
            "name": "Quartiersmanagement",
            "handlungsfeld": "Wohnen und Quartier",
            "zielgruppe": "Bewohnerinnen und Bewohner",
            "traeger": "Bezirksamt, QM-Team",
            "beginn": 2022,
            "ende": 2026,
            "programm": _PROGRAMMES[0],
            "gebiete": [pa_ids[i] for i in treated],
        },
        {
            "massnahme": "M02",
            "name": "Familienzentrum plus",
            "handlungsfeld": "Familie",
            "zielgruppe": "Familien mit Kindern",
            "traeger": "Jugendamt",
            "beginn": 2023,
            "ende": 2027,
            "programm": _PROGRAMMES[3],
            "gebiete": [pa_ids[i] for i in pretrend],
        },
    ]
    eligible = np.argsort(-status_pa)[: len(pa_ids) // 2]
    k = 3
    for field_name in _FIELDS:
        for name in _MEASURE_NAMES[field_name][: 2 + (field_name in ("Bildung", "Familie"))]:
            start = int(rng.choice(years[:-1]))
            areas = sorted(
                pa_ids[rng.choice(eligible, size=int(rng.integers(1, 4)), replace=False)].tolist()
            )
            measures.append(
                {
                    "massnahme": f"M{k:02d}",
                    "name": name,
                    "handlungsfeld": field_name,
                    "zielgruppe": {
                        "Senioren": "Ältere Menschen",
                        "Bildung": "Kinder und Jugendliche",
                        "Familie": "Familien mit Kindern",
                        "Arbeit und Beschäftigung": "Langzeitarbeitslose",
                        "Integration": "Zugewanderte",
                        "Gesundheit": "Alle Altersgruppen",
                        "Wohnen und Quartier": "Bewohnerinnen und Bewohner",
                    }[field_name],
                    "traeger": rng.choice(["Bezirksamt", "Freier Träger", "Jobcenter", "Verein"]),
                    "beginn": start,
                    "ende": start + int(rng.integers(2, 6)),
                    "programm": rng.choice(_PROGRAMMES[1:]),
                    "gebiete": areas,
                }
            )
            k += 1
    cost_rows = []
    for m in measures:
        annual = {"M01": 240_000.0, "M02": 180_000.0}.get(
            m["massnahme"], float(rng.integers(30, 160)) * 1_000
        )
        funded = (
            0.0
            if m["programm"] == "keine"
            else (0.67 if m["massnahme"] == "M01" else float(rng.choice([0.5, 0.6, 0.8])))
        )
        for pa in m["gebiete"]:
            for year in years:
                if m["beginn"] <= year <= m["ende"]:
                    total = round(annual * float(rng.uniform(0.9, 1.1)), 2)
                    third = round(total * (0.05 if m["traeger"] == "Freier Träger" else 0.0), 2)
                    funding = round((total - third) * funded, 2)
                    cost_rows.append(
                        {
                            "massnahme": m["massnahme"],
                            "planungsraum": pa,
                            "jahr": year,
                            "eigenmittel": round(total - third - funding, 2),
                            "foerdermittel": funding,
                            "drittmittel": third,
                            "programm": m["programm"],
                        }
                    )
    table = pd.DataFrame(measures)
    table["gebiete"] = table["gebiete"].map(" ".join)
    city.measures = table.set_index("massnahme")
    city.costs = pd.DataFrame(cost_rows)
    city.truth["measures"] = {
        "effect": {
            "measure": "M01",
            "planning_areas": [pa_ids[i] for i in treated],
            "start": 2022,
            "outcome": "sgb2_quote",
            "effect_pp": -2.0,
            "effect_pp_by_year": {
                "2020": 0.0,
                "2021": 0.0,
                "2022": -0.7,
                "2023": -1.4,
                "2024": -2.0,
            },
            "baseline_year": 2021,
            "evaluation_year": 2024,
            "note": "absolute reduction of the probability of SGB II receipt of under-65s in the treated areas; "
            "treated areas were chosen by need (high deprivation), so compare with matched areas",
        },
        "pretrend": {
            "measure": "M02",
            "planning_areas": [pa_ids[i] for i in pretrend],
            "start": 2023,
            "true_effect_pp": 0.0,
            "note": "deprivation in these areas rises steadily from 2020 on, before the measure starts: "
            "a difference-in-differences estimate is biased and the pre-trend must be warned about",
        },
    }
