"""A synthetic national 100 m grid in the layout of the Zensus 2022 grid tables.

Settlements (Gemeinden) of Zipf-distributed size are scattered over a country-shaped
region of EPSG:3035, a few of them hubs with dense agglomerations around them; each
settlement is a handful of Gaussian clusters of populated 100 m cells (the main place and
its Ortsteile). Cells belong to the settlement that is nearest relative to its spread, the
settlements to Kreise (the largest are kreisfreie Städte, the others fall to the nearest
Landkreis seat) and the Kreise to Länder, with AGS-like keys. Residents, age classes and
foreign citizens are drawn per cell from an urbanity score (size of the settlement,
distance from its centre) and smooth random fields, so that urban cores are dense and
rural cells sparse, and that the foreign share is segregated and spatially autocorrelated
within every Kreis. Everything is vectorised; the national grid of 3.1 million cells takes
a few seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from sozplan.checks import fail

#: Populated 100 m cells of the Zensus 2022 (about 3.09 million) and residents per cell
#: (82.7 million residents / 3.09 million cells).
NATIONAL_CELLS = 3_100_000
RESIDENTS_PER_CELL = 26.8
#: The age classes of the table "Alter in 5 Altersklassen" (Zensus 2022, 100 m grid).
GRID_AGE_CLASSES = ("Unter18", "a18bis29", "a30bis49", "a50bis64", "a65undaelter")
GRID_COLUMNS = (
    "x_mp_100m",
    "y_mp_100m",
    "Einwohner",
    *GRID_AGE_CLASSES,
    "Deutsche",
    "Auslaender",
    "AnteilAuslaender",
    "land",
    "kreis",
    "gemeinde",
)
_AGE_BASE = np.log([0.165, 0.125, 0.255, 0.235, 0.22])  # national shares, Zensus 2022 order
_AGE_URBAN = np.array([-0.15, 0.55, 0.30, -0.10, -0.35])  # shift of the logits in cores
_AGE_FIELD = np.array([0.15, -0.10, 0.0, 0.05, -0.25])  # shift along a smooth field
_FOREIGN_SHARE = 0.13  # foreign citizens among residents, national level


def generate_grid(
    n_cells: int, seed: int, n_gemeinden: int | None, n_kreise: int | None, n_laender: int | None
) -> pd.DataFrame:
    """Build the grid (see :func:`sozplan.datasets.make_grid`, which checks the arguments)."""
    g, k, land = _counts(n_cells, n_gemeinden, n_kreise, n_laender)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    scale = np.sqrt(n_cells / NATIONAL_CELLS)
    centres, size = _settlements(g, n_cells, scale, streams[0])
    east, north, gem = _cells(centres, size, n_cells, streams[1])
    sigma = _spread(size)
    z = np.log(size / size.min()) / max(np.log(size.max() / size.min()), 1e-9)
    urban = _urbanity(east, north, centres[gem], z[gem], sigma[gem])
    gem_pos, kreis_of, land_of, codes = _keys(centres, size, k, land, scale, streams[2])
    counts = _counts_per_cell(east, north, urban, streams[3])
    ids = _inspire_ids(east, north)
    kreis_codes, gem_codes = codes
    frame = pd.DataFrame(
        {
            "x_mp_100m": east + 50,
            "y_mp_100m": north + 50,
            **counts,
            "land": pd.Categorical.from_codes(land_of[kreis_of[gem]], _land_keys(land_of)),
            "kreis": pd.Categorical.from_codes(kreis_of[gem], kreis_codes),
            "gemeinde": pd.Categorical.from_codes(gem_pos[gem], gem_codes),
        },
    )
    frame.index = pd.Index(ids, name="GITTER_ID_100m")
    return frame


def _inspire_ids(east: np.ndarray, north: np.ndarray) -> np.ndarray:
    """``CRS3035RES100mN{north}E{east}`` for 7-digit coordinates, built on a byte matrix."""
    if min(east.min(), north.min()) < 1_000_000 or max(east.max(), north.max()) >= 10_000_000:
        text = pd.Series(north).astype(str) + "E" + pd.Series(east).astype(str)
        return ("CRS3035RES100mN" + text).to_numpy(dtype=object)
    head = np.frombuffer(b"CRS3035RES100mN", dtype=np.uint8)
    mat = np.empty((len(east), 31), dtype=np.uint8)
    mat[:, :15] = head
    mat[:, 22] = ord("E")
    for k in range(7):
        power = 10 ** (6 - k)
        mat[:, 15 + k] = 48 + (north // power) % 10
        mat[:, 23 + k] = 48 + (east // power) % 10
    mat[:, 30] = 0
    return mat[:, :30].copy().view("S30").ravel().astype(str).astype(object)


def _counts(n_cells: int, n_gem: int | None, n_kreise: int | None, n_laender: int | None):
    g = n_gem if n_gem is not None else max(2, round(n_cells / 290))
    k = n_kreise if n_kreise is not None else max(1, round(g / 27))
    land = n_laender if n_laender is not None else min(16, max(1, round(k / 25)))
    where = "make_grid"
    if not g >= k >= land:
        raise fail(
            where,
            f"{g} Gemeinden, {k} Kreise and {land} Länder do not nest",
            "pass n_gemeinden >= n_kreise >= n_laender",
        )
    if g * 10 > n_cells:
        raise fail(
            where,
            f"{g} Gemeinden for {n_cells} cells leave fewer than 10 cells per Gemeinde",
            "pass fewer Gemeinden or more cells",
        )
    return g, k, land


def _in_country(x: np.ndarray, y: np.ndarray, scale: float) -> np.ndarray:
    """Return whether points lie in the country (a superellipse of 640 km by 860 km)."""
    a, b = 320_000 * scale, 430_000 * scale
    return np.abs((x - 4_360_000) / a) ** 2.5 + np.abs((y - 3_110_000) / b) ** 2.5 <= 1


def _uniform_points(n: int, scale: float, rng: np.random.Generator) -> np.ndarray:
    out = np.empty((0, 2))
    while len(out) < n:
        x = 4_360_000 + rng.uniform(-320_000, 320_000, 2 * n + 8) * scale
        y = 3_110_000 + rng.uniform(-430_000, 430_000, 2 * n + 8) * scale
        keep = _in_country(x, y, scale)
        out = np.vstack([out, np.column_stack([x[keep], y[keep]])])
    return out[:n]


def _settlements(g: int, n_cells: int, scale: float, rng: np.random.Generator):
    """Centres and target cell counts of the Gemeinden; the largest are the hubs."""
    n_hubs = max(1, round(g / 500))
    hubs = _uniform_points(n_hubs, scale, rng)
    n_near = round(0.35 * (g - n_hubs))
    near = hubs[rng.integers(0, n_hubs, n_near)] + rng.normal(
        0, 22_000 * scale + 3_000, (n_near, 2)
    )
    centres = np.vstack([hubs, near, _uniform_points(g - n_hubs - n_near, scale, rng)])
    weight = np.arange(1, g + 1, dtype=float) ** -0.7  # Zipf-like, exponent 0.7 on cells
    rest = n_hubs + rng.permutation(g - n_hubs)  # hubs first, the others shuffled
    order = np.concatenate([np.arange(n_hubs), rest])
    size = np.empty(g)
    size[order] = weight
    return centres, size / size.sum() * n_cells


def _spread(size: np.ndarray) -> np.ndarray:
    """Return the standard deviation (m) of the cells of a settlement around its centre."""
    return 100 * np.sqrt(size / (2 * np.pi)) * 1.2 + 150


def _cells(centres: np.ndarray, size: np.ndarray, n_cells: int, rng: np.random.Generator):
    """Draw populated cells around the settlements' centres and Ortsteile, exactly n_cells."""
    g = len(size)
    n_sub = 1 + np.minimum(rng.poisson(1.2, g), 4)
    owner = np.repeat(np.arange(g), n_sub)
    first = np.r_[True, owner[1:] != owner[:-1]]
    share = np.where(first, 0.55, 0.45 / np.maximum(n_sub[owner] - 1, 1))
    share = np.where(first & (n_sub[owner] == 1), 1.0, share)
    sigma = _spread(size)
    offset = rng.normal(0, 1, (len(owner), 2)) * (2.0 * sigma[owner] + 1_500)[:, None]
    sub_xy = centres[owner] + np.where(first[:, None], 0.0, offset)
    sub_sigma = sigma[owner] * np.sqrt(share)
    factor = 1.5
    for _ in range(8):
        draws = np.maximum(1, np.round(size[owner] * share * factor)).astype(np.int64)
        who = np.repeat(np.arange(len(owner)), draws)
        xy = sub_xy[who] + rng.normal(0, 1, (len(who), 2)) * sub_sigma[who][:, None]
        cx = np.floor(xy[:, 0] / 100).astype(np.int64)
        cy = np.floor(xy[:, 1] / 100).astype(np.int64)
        key = cx * 1_000_000 + cy
        uniq, first_at = np.unique(key, return_index=True)
        if len(uniq) >= n_cells:
            pick = np.sort(rng.choice(len(uniq), n_cells, replace=False))
            uniq, first_at = uniq[pick], first_at[pick]
            break
        factor *= 1.2 * n_cells / len(uniq)
    else:  # pragma: no cover - the loop reaches n_cells for every valid size
        raise AssertionError("make_grid: too few distinct cells")
    east, north = (uniq // 1_000_000) * 100, (uniq % 1_000_000) * 100
    # a cell belongs to the settlement that drew it first (where blobs overlap)
    return east, north, owner[who[first_at]]


def _urbanity(east, north, centre, z, sigma) -> np.ndarray:
    """0 (rural fringe) to 1 (core of the largest settlement); ``z``: its relative size."""
    d2 = (east + 50 - centre[:, 0]) ** 2 + (north + 50 - centre[:, 1]) ** 2
    return (0.25 + 0.75 * np.sqrt(z)) * np.exp(-d2 / (2 * (1.5 * sigma) ** 2))


def _fields(east, north, lengths, rng: np.random.Generator) -> list[np.ndarray]:
    """Draw smooth Gaussian random fields, one per length scale (unit variance).

    Random Fourier features, evaluated once per 400 m block (far below the length scales).
    """
    block, inverse = np.unique((east // 400) * 100_000 + north // 400, return_inverse=True)
    x0 = ((block // 100_000) * 400 + 200 - 4_360_000.0).astype(np.float32)
    y0 = ((block % 100_000) * 400 + 200 - 3_110_000.0).astype(np.float32)
    out = []
    for length in lengths:
        j = 24
        w = rng.normal(0, 1 / length, (j, 2)).astype(np.float32)
        b = rng.uniform(0, 2 * np.pi, j).astype(np.float32)
        f = np.zeros(len(block), dtype=np.float32)
        for i in range(j):
            f += np.cos(w[i, 0] * x0 + w[i, 1] * y0 + b[i])
        out.append((f * np.float32(np.sqrt(2 / j))).astype(float)[inverse])
    return out


def _counts_per_cell(east, north, urban, rng: np.random.Generator) -> dict[str, np.ndarray]:
    f_pop, f_for, f_age = _fields(east, north, (4_000, 2_500, 9_000), rng)
    n = len(east)
    mu = np.exp(1.5 + 3.6 * urban + 0.3 * f_pop + 0.7 * rng.normal(0, 1, n))
    mu *= RESIDENTS_PER_CELL / mu.mean()
    residents = 1 + rng.poisson(np.maximum(mu - 1, 0))
    lin = 2.2 * urban + 0.75 * f_for + 0.45 * rng.normal(0, 1, n)
    p = 1 / (1 + np.exp(-(lin + _intercept(lin, residents))))
    foreign = rng.binomial(residents, p)
    logits = _AGE_BASE + urban[:, None] * _AGE_URBAN + f_age[:, None] * _AGE_FIELD
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    ages, left, mass = {}, residents.copy(), np.ones(n)
    for i, name in enumerate(GRID_AGE_CLASSES[:-1]):
        draw = rng.binomial(left, np.clip(probs[:, i] / np.maximum(mass, 1e-12), 0, 1))
        ages[name] = draw
        left = left - draw
        mass = mass - probs[:, i]
    ages[GRID_AGE_CLASSES[-1]] = left
    return {
        "Einwohner": residents,
        **ages,
        "Deutsche": residents - foreign,
        "Auslaender": foreign,
        "AnteilAuslaender": np.round(100 * foreign / residents, 2),
    }


def _intercept(lin: np.ndarray, weight: np.ndarray) -> float:
    """Intercept of the logit so that the resident-weighted foreign share is national."""
    lo, hi = -10.0, 5.0
    for _ in range(40):
        mid = (lo + hi) / 2
        share = np.average(1 / (1 + np.exp(-(lin[::7] + mid))), weights=weight[::7])
        lo, hi = (mid, hi) if share < _FOREIGN_SHARE else (lo, mid)
    return (lo + hi) / 2


def _keys(centres, size, k: int, n_land: int, scale: float, rng: np.random.Generator):
    """Kreis of every Gemeinde, Land of every Kreis, and the AGS-like keys of both."""
    g = len(size)
    n_free = min(k - 1, round(0.265 * k)) if k > 1 else 0  # 106 of 400 are kreisfreie Städte
    by_size = np.argsort(-size, kind="stable")
    free = by_size[:n_free]
    seats = _uniform_points(k - n_free, scale, rng)
    kreis = np.full(g, -1)
    kreis[free] = np.arange(n_free)
    rest = np.setdiff1d(np.arange(g), free)
    kreis[rest] = n_free + cKDTree(seats).query(centres[rest])[1]
    used, kreis = np.unique(kreis, return_inverse=True)  # drop seats without a Gemeinde
    is_free = used < n_free
    where_k = np.array([centres[kreis == i].mean(axis=0) for i in range(len(used))])
    land_seats = _uniform_points(n_land, scale, rng)
    land = cKDTree(land_seats).query(where_k)[1]
    # Länder numbered from north to south, as the real keys roughly are
    north_first = np.argsort(-land_seats[:, 1], kind="stable")
    rank = np.empty(n_land, dtype=np.int64)
    rank[north_first] = np.arange(n_land)
    land_used, land = np.unique(rank[land], return_inverse=True)
    kreis_codes = np.empty(len(used), dtype=object)
    for li in range(len(land_used)):
        members = np.flatnonzero(land == li)
        frees = members[is_free[members]]
        others = members[~is_free[members]]
        others = others[np.argsort(-where_k[others, 1], kind="stable")]
        for j, m in enumerate(frees):  # kreisfreie Städte: 111, 112, ... (like 05111)
            kreis_codes[m] = f"{li + 1:02d}{1 + j // 39}{11 + j % 39:02d}"
        for j, m in enumerate(others):  # Landkreise: 151, 152, ... (like 05158)
            kreis_codes[m] = f"{li + 1:02d}{1 + j // 48}{51 + j % 48:02d}"
    gem_codes = np.empty(g, dtype=object)
    for ki in range(len(used)):
        members = np.flatnonzero(kreis == ki)
        members = members[np.argsort(centres[members, 0], kind="stable")]
        for j, m in enumerate(members):
            gem_codes[m] = kreis_codes[ki] + ("000" if is_free[ki] else f"{j + 1:03d}")
    # categories in sorted key order: codes are positions in the sorted keys
    k_order = np.argsort(kreis_codes.astype(str), kind="stable")
    k_pos = np.empty(len(used), dtype=np.int64)
    k_pos[k_order] = np.arange(len(used))
    g_order = np.argsort(gem_codes.astype(str), kind="stable")
    g_pos = np.empty(g, dtype=np.int64)
    g_pos[g_order] = np.arange(g)
    land_of_kreis = np.empty(len(used), dtype=np.int64)
    land_of_kreis[k_pos] = land
    codes = (list(kreis_codes[k_order]), list(gem_codes[g_order]))
    return g_pos, k_pos[kreis], land_of_kreis, codes


def _land_keys(land_of_kreis: np.ndarray) -> list[str]:
    return [f"{i + 1:02d}" for i in range(int(land_of_kreis.max()) + 1)]
