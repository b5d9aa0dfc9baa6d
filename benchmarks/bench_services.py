"""Benchmark sozplan.services (2SFCA) against PySAL ``access`` on the same inputs, in one run.

Run:  /work/venv/bin/python benchmarks/bench_services.py [--repeats 3] [--seed 0]

Data (synthetic, seeded): 20,000 block origins (points in a 20 x 15 km city, 1 to 400
children each) and 1,000 facilities (20 to 180 places).

Tasks, timed alternately (ours first, then the anchor, then swapped), medians reported:

1. ``od``: 2SFCA from an origin-destination table as routing tools export it: walking
   minutes (straight line x 1.3 at 80 m/min), cut at 30 minutes (about 0.8 million
   pairs). Ours: ``od_costs(od, ..., missing="beyond")`` + ``two_step_fca(max_cost=30,
   per=1)``; anchor: ``access.Access(...)`` + ``Access.two_stage_fca(max_cost=30)``.
   Acceptance: ours < 2 s. With ``--full`` also the complete table (20 million pairs,
   integer ids, checked for unknown ids, bad costs, duplicates and completeness, cut at
   30 minutes when read): ours ``od_costs(od, ..., max_cost=30)`` + ``two_step_fca``
   from the DataFrame in memory, anchor as above; acceptance < 2 s as well.
2. ``network``: 2SFCA on a street network of about 50,000 edges (a 159 x 158 grid, 100 m
   blocks, lengths jittered): ours ``network_costs(..., max_cost=2000)`` (snapping and
   scipy.sparse.csgraph Dijkstra from every facility) + ``two_step_fca``; anchor:
   ``access`` has no network routing, so it gets our network OD table as input and
   times ``Access.two_stage_fca`` alone. Acceptance: ours < 30 s.

Both results are compared (max relative difference on origins with a value). Prints
one table; ``--json`` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")


def make_inputs(seed: int, n_o: int = 20_000, n_f: int = 1_000):
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    ox = rng.uniform(0, 20_000, n_o)
    oy = rng.uniform(0, 15_000, n_o)
    fx = rng.uniform(0, 20_000, n_f)
    fy = rng.uniform(0, 15_000, n_f)
    o_ids = pd.Index(np.arange(n_o), name="geoid")
    f_ids = pd.Index(np.arange(100_000, 100_000 + n_f), name="geoid")
    origins = gpd.GeoDataFrame(
        {"pop": rng.integers(1, 400, n_o).astype(float)},
        geometry=gpd.points_from_xy(ox, oy),
        index=o_ids,
        crs=25832,
    )
    facilities = gpd.GeoDataFrame(
        {"places": rng.integers(20, 180, n_f).astype(float)},
        geometry=gpd.points_from_xy(fx, fy),
        index=f_ids,
        crs=25832,
    )
    return origins, facilities


def od_table(origins, facilities, minutes: float = 30.0) -> pd.DataFrame:
    from scipy.spatial import cKDTree

    oxy = np.c_[origins.geometry.x, origins.geometry.y]
    fxy = np.c_[facilities.geometry.x, facilities.geometry.y]
    radius = minutes * 80 / 1.3
    hits = cKDTree(fxy).query_ball_point(oxy, r=radius)
    counts = np.array([len(h) for h in hits])
    rows = np.repeat(np.arange(len(oxy)), counts)
    cols = np.concatenate([np.asarray(h, dtype=np.int64) for h in hits])
    cost = np.hypot(*(oxy[rows] - fxy[cols]).T) * 1.3 / 80
    keep = cost <= minutes
    return pd.DataFrame(
        {
            "origin": origins.index.to_numpy()[rows[keep]],
            "dest": facilities.index.to_numpy()[cols[keep]],
            "cost": cost[keep],
        }
    )


def grid_network(seed: int, nx_: int = 159, ny_: int = 158, spacing: float = 100.0):
    import geopandas as gpd

    rng = np.random.default_rng(seed + 1)
    ids = np.arange(nx_ * ny_)
    x = (ids % nx_) * spacing
    y = (ids // nx_) * spacing
    nodes = gpd.GeoDataFrame(
        index=pd.Index(ids, name="node"), geometry=gpd.points_from_xy(x, y), crs=25832
    )
    right = ids[(ids % nx_) < nx_ - 1]
    up = ids[ids < nx_ * (ny_ - 1)]
    src = np.r_[right, up]
    dst = np.r_[right + 1, up + nx_]
    length = spacing * rng.uniform(1.0, 1.4, len(src))
    edges = pd.DataFrame({"source": src, "target": dst, "length": length})
    return nodes, edges


def ours_od(origins, facilities, od):
    from sozplan.services import od_costs, two_step_fca

    costs = od_costs(od, origins, facilities, destination="dest", unit="min", missing="beyond")
    return two_step_fca(
        origins, "pop", facilities, costs=costs, capacity="places", max_cost=30, per=1
    ).values


def ours_od_full(origins, facilities, od):
    from sozplan.services import od_costs, two_step_fca

    costs = od_costs(od, origins, facilities, destination="dest", unit="min", max_cost=30)
    return two_step_fca(origins, "pop", facilities, costs=costs, capacity="places", per=1).values


def anchor(origins, facilities, od, max_cost):
    from access import Access

    a = Access(
        demand_df=pd.DataFrame(origins[["pop"]]),
        demand_index=True,
        demand_value="pop",
        supply_df=pd.DataFrame(facilities[["places"]]),
        supply_index=True,
        supply_value="places",
        cost_df=od,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    return a.two_stage_fca(name="r", max_cost=max_cost)["r_places"]


def ours_network(origins, facilities, nodes, edges):
    from sozplan.services import network_costs, two_step_fca

    costs = network_costs(origins, facilities, edges, nodes, max_cost=2000)
    acc = two_step_fca(origins, "pop", facilities, costs=costs, capacity="places", per=1)
    return acc.values, costs


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def alternate(a, b, repeats):
    ta, tb = [], []
    ra = rb = None
    for r in range(repeats):
        order = [(a, ta), (b, tb)] if r % 2 == 0 else [(b, tb), (a, ta)]
        for (fn, args), store in order:
            t, out = timed(fn, *args)
            store.append(t)
            if store is ta:
                ra = out
            else:
                rb = out
    return statistics.median(ta), statistics.median(tb), ra, rb


def max_rel(ours: pd.Series, ref: pd.Series) -> float:
    ref = ref.dropna()
    o = ours.loc[ref.index].to_numpy()
    r = ref.to_numpy()
    ok = r != 0
    return float(np.max(np.abs(o[ok] - r[ok]) / np.abs(r[ok]))) if ok.any() else 0.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None)
    parser.add_argument(
        "--full",
        action="store_true",
        help="also time the complete OD table (20 million pairs; about 3 GB of memory)",
    )
    args = parser.parse_args(argv)

    origins, facilities = make_inputs(args.seed)
    od = od_table(origins, facilities)
    results = {}

    t_ours, t_ref, r_ours, r_ref = alternate(
        (ours_od, (origins, facilities, od)),
        (anchor, (origins, facilities, od, 30)),
        args.repeats,
    )
    results["od"] = {
        "pairs": len(od),
        "ours_s": t_ours,
        "access_s": t_ref,
        "ratio_access_over_ours": t_ref / t_ours,
        "max_rel_diff": max_rel(r_ours, r_ref),
    }

    if args.full:
        n_o, n_f = len(origins), len(facilities)
        oxy = np.c_[origins.geometry.x, origins.geometry.y]
        fxy = np.c_[facilities.geometry.x, facilities.geometry.y]
        full = pd.DataFrame(
            {
                "origin": np.repeat(origins.index.to_numpy(), n_f),
                "dest": np.tile(facilities.index.to_numpy(), n_o),
                "cost": (
                    np.hypot(oxy[:, None, 0] - fxy[None, :, 0], oxy[:, None, 1] - fxy[None, :, 1])
                    * 1.3
                    / 80
                ).ravel(),
            }
        )
        t_full, t_full_ref, r_full, r_full_ref = alternate(
            (ours_od_full, (origins, facilities, full)),
            (anchor, (origins, facilities, full, 30)),
            args.repeats,
        )
        results["od_full"] = {
            "pairs": len(full),
            "ours_s": t_full,
            "access_s": t_full_ref,
            "ratio_access_over_ours": t_full_ref / t_full,
            "max_rel_diff": max_rel(r_full, r_full_ref),
        }
        del full

    nodes, edges = grid_network(args.seed)
    t_net = []
    for _ in range(args.repeats):
        t, (vals, costs) = timed(ours_network, origins, facilities, nodes, edges)
        t_net.append(t)
    net_od = costs.to_frame().rename(columns={"facility": "dest"})
    t_ref_net = []
    for _ in range(args.repeats):
        t, ref_net = timed(anchor, origins, facilities, net_od, None)
        t_ref_net.append(t)
    results["network"] = {
        "edges": len(edges),
        "nodes": len(nodes),
        "pairs": len(net_od),
        "ours_s": statistics.median(t_net),
        "access_2sfca_only_s": statistics.median(t_ref_net),
        "ratio_access_over_ours": statistics.median(t_ref_net) / statistics.median(t_net),
        "max_rel_diff": max_rel(vals, ref_net),
    }

    print(
        f"2SFCA, {len(origins):,} origins x {len(facilities):,} facilities, medians of "
        f"{args.repeats} alternating runs"
    )
    r = results["od"]
    print(
        f"  OD table ({r['pairs']:,} pairs, <= 30 min): ours {r['ours_s']:.2f} s "
        f"(limit 2 s), access {r['access_s']:.2f} s, access/ours {r['ratio_access_over_ours']:.1f}x,"
        f" max rel. diff {r['max_rel_diff']:.1e}"
    )
    if "od_full" in results:
        r = results["od_full"]
        print(
            f"  complete OD table ({r['pairs']:,} pairs, checked, cut at 30 min): ours "
            f"{r['ours_s']:.2f} s (limit 2 s), "
            f"access {r['access_s']:.2f} s, access/ours {r['ratio_access_over_ours']:.1f}x, "
            f"max rel. diff {r['max_rel_diff']:.1e}"
        )
    r = results["network"]
    print(
        f"  street network ({r['edges']:,} edges, {r['nodes']:,} nodes, {r['pairs']:,} pairs "
        f"<= 2 km): ours incl. routing {r['ours_s']:.2f} s (limit 30 s); access 2SFCA alone on "
        f"our OD table {r['access_2sfca_only_s']:.2f} s, access/ours "
        f"{r['ratio_access_over_ours']:.2f}x, max rel. diff {r['max_rel_diff']:.1e}"
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
