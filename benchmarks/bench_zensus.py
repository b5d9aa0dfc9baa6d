"""Benchmark the Zensus grid reader and the aggregation of cells to areas.

Run:  python benchmarks/bench_zensus.py [--cells 3100000] [--repeat 3]

Writes a synthetic 100 m population table in the exact format of the Zensus 2022
(``GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner``, about 5 % of the values ``–``) with the
given number of populated cells on a square of the German extent, then times, side by side:

- ``pandas.read_csv`` of the same file with ``sep=";"`` (the anchor: no id parsing, no signs);
- ``read_zensus_grid`` (ids parsed and checked against the centres, signs kept);
- ``grid_cells`` (polygons, vectorised);
- ``grid_to_areas`` by cell centre into 400 square "Kreise".

Prints medians and the peak memory of the reader (tracemalloc).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sozplan.zensus import grid_cells, grid_to_areas, read_zensus_grid


def write_grid(path: Path, n: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n / 0.35)))  # populated cells: about a third of a square
    pick = np.sort(rng.choice(side * side, size=n, replace=False))
    east = 4_000_000 + (pick % side) * 100
    north = 2_700_000 + (pick // side) * 100
    pop = rng.negative_binomial(2, 0.08, n).astype(str).astype(object)
    pop[rng.random(n) < 0.05] = "–"
    ids = "CRS3035RES100mN" + north.astype(str) + "E" + east.astype(str)
    frame = pd.DataFrame({"GITTER_ID_100m": ids, "x_mp_100m": east + 50,
                          "y_mp_100m": north + 50, "Einwohner": pop})  # fmt: skip
    frame.to_csv(path, sep=";", index=False)


def kreise(grid, k: int = 20) -> gpd.GeoDataFrame:
    x0, y0 = grid.cells["east"].min(), grid.cells["north"].min()
    x1, y1 = grid.cells["east"].max() + 100, grid.cells["north"].max() + 100
    xs, ys = np.linspace(x0, x1, k + 1), np.linspace(y0, y1, k + 1)
    boxes = [shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(k) for j in range(k)]
    return gpd.GeoDataFrame(geometry=boxes, index=[f"K{i:03d}" for i in range(k * k)],
                            crs="EPSG:3035")  # fmt: skip


def median(repeat, fn, *args, **kwargs):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=300_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "Zensus2022_Bevoelkerungszahl_100m-Gitter.csv"
        write_grid(path, args.cells)
        size = path.stat().st_size / 2**20
        print(f"{args.cells:,} cells, file {size:.0f} MB")
        t_pd, _ = median(args.repeat, pd.read_csv, path, sep=";")
        t_rd, grid = median(args.repeat, read_zensus_grid, path)
        print(f"pandas.read_csv (anchor):  {t_pd:7.2f} s")
        print(f"read_zensus_grid:          {t_rd:7.2f} s  ({t_rd / t_pd:.1f} x the anchor)")
        t_c, _ = median(args.repeat, grid_cells, grid)
        print(f"grid_cells:                {t_c:7.2f} s")
        areas = kreise(grid)
        t_a, agg = median(args.repeat, grid_to_areas, grid, areas, "Einwohner")
        total = agg.table["Einwohner"].sum() + agg.unassigned["Einwohner"].sum()
        print(f"grid_to_areas (centre, 400 areas): {t_a:7.2f} s  (sum kept: "
              f"{total == grid.values['Einwohner'].sum()})")  # fmt: skip
        tracemalloc.start()
        read_zensus_grid(path)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(f"peak memory of read_zensus_grid: {peak:.0f} MB")


if __name__ == "__main__":
    main()
