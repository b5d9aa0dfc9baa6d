"""Benchmark of sozplan.regions.regionalize in max-p mode (issues 8 and 25).

1. ``versus``: cities from ``make_city(n, seed=0)`` (2,500 and 5,000 blocks), floor =
   1/40 of the residents, queen graph with the island linked, six standardised
   attributes. sozplan (floor only; floor + a ceiling of 2x the floor, which does not
   bind; floor + a ceiling of 1.2x the floor, which binds) beside spopt's
   ``MaxPHeuristic`` with its default settings (the anchor), which runs in a
   subprocess per seed with a timeout. Reported: time (sozplan: median of runs),
   regions, between/total SS (GeoDa's homogeneity), bounds met, and the speed ratio
   spopt / sozplan as a range over the spopt seeds (spopt's time depends on its seed).
2. ``large``: 100,000 blocks, floor 1/1,000 of the residents, a ceiling of 1.5x (does
   not bind) and 1.2x the floor (binds): time, peak memory.

Peak memory: ``tracemalloc`` (Python and numpy allocations) and the process's maximum
resident set size (includes numba's compiled code and arrays).

Run: /work/venv/bin/python benchmarks/bench_regions.py [--quick] [--only versus|large]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # shared machine: no spinning OpenMP threads

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

COLUMNS = [
    "sgb2_quote",
    "kinderarmut",
    "auslaenderanteil",
    "anteil_65_plus",
    "altersarmut",
    "wohndauer",
]


def ratio(z: np.ndarray, labels: np.ndarray) -> float:
    """Between / total sum of squares (GeoDa)."""
    _, lab = np.unique(labels, return_inverse=True)
    k = lab.max() + 1
    cnt = np.bincount(lab, minlength=k).astype(float)
    s1 = np.zeros((k, z.shape[1]))
    np.add.at(s1, lab, z)
    within = (z**2).sum() - ((s1**2).sum(axis=1) / cnt).sum()
    total = ((z - z.mean(axis=0)) ** 2).sum()
    return float(1 - within / total)


def city_inputs(n_blocks: int):
    """City, graph and the standardised attributes (missing rates filled from neighbours)."""
    from sozplan._core.values import indicator_values
    from sozplan.datasets import make_city
    from sozplan.graph import build_graph
    from sozplan.regions._regionalize import _fill_from_neighbours, contiguity_matrix

    city = make_city(n_blocks, seed=0)
    graph = build_graph(city, islands="nearest")
    values = indicator_values(city, COLUMNS, where="bench", allow_nan=True)
    _, adj = contiguity_matrix(city, graph, where="bench")
    values, _ = _fill_from_neighbours(values, adj)
    z = ((values - values.mean()) / values.std(ddof=0)).to_numpy()
    return city, graph, adj, z


def spopt_worker(path: str, seed: int) -> None:
    """Run spopt's MaxPHeuristic with default settings on the saved inputs (subprocess)."""
    from libpysal.weights import W
    from spopt.region import MaxPHeuristic

    d = np.load(path)
    z, pop, indptr, indices = d["z"], d["pop"], d["indptr"], d["indices"]
    cols = [f"z{j}" for j in range(z.shape[1])]
    frame = pd.DataFrame(z, columns=cols)
    frame["pop"] = pop
    w = W(
        {i: indices[indptr[i] : indptr[i + 1]].tolist() for i in range(len(pop))},
        silence_warnings=True,
    )
    np.random.seed(seed)  # noqa: NPY002 - spopt draws from numpy's global generator
    t0 = time.perf_counter()
    model = MaxPHeuristic(frame, w, cols, "pop", float(d["floor"]), top_n=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.solve()
    seconds = time.perf_counter() - t0
    labels = np.asarray(model.labels_)
    print(json.dumps({"seconds": seconds, "labels": labels.tolist()}))


def run_spopt(z, pop, adj, floor, seed: int, timeout: float) -> dict | None:
    """spopt in a subprocess; None when it does not finish within ``timeout`` seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "inputs.npz")
        np.savez(path, z=z, pop=pop, indptr=adj.indptr, indices=adj.indices, floor=floor)
        try:
            out = subprocess.run(
                [sys.executable, __file__, "--spopt-worker", path, str(seed)],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=True,
            )
        except subprocess.TimeoutExpired:
            return None
        return json.loads(out.stdout.strip().splitlines()[-1])


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(func, runs: int):
    """Median wall and CPU time over ``runs`` calls; tracemalloc peak of the first call.

    The CPU time (this process) is what the call costs on a machine shared with
    other jobs; the wall time is what a user waits on this one.
    """
    times, cpu = [], []
    for i in range(runs):
        if i == 0:
            tracemalloc.start()
        t0, c0 = time.perf_counter(), time.process_time()
        res = func()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        if i == 0:
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
    return res, statistics.median(times), statistics.median(cpu), peak


def versus(n_blocks: int, runs: int, seeds: list[int], timeout: float) -> None:
    from sozplan.graph import build_graph
    from sozplan.regions import regionalize

    city, graph, adj, z = city_inputs(n_blocks)
    pop = city["einwohner"].to_numpy(dtype=float)
    floor = float(pop.sum() / 40)
    # compile the numba functions outside the timings (cached on disk afterwards)
    regionalize(
        city.iloc[:400],
        COLUMNS,
        population="einwohner",
        min_population=float(pop[:400].sum() / 5),
        fill_nan="neighbours",
        graph=build_graph(city.iloc[:400], islands="nearest"),
    )
    rows = []
    sozplan_time = None
    for label, ceiling in (
        ("sozplan, floor only", None),
        ("sozplan, floor + ceiling 2.0x floor", 2.0 * floor),
        ("sozplan, floor + ceiling 1.2x floor", 1.2 * floor),
    ):
        r, secs, cpu, peak = timed(
            lambda c=ceiling: regionalize(
                city,
                COLUMNS,
                graph=graph,
                population="einwohner",
                min_population=floor,
                max_population=c,
                fill_nan="neighbours",
            ),
            runs,
        )
        sozplan_time = sozplan_time or secs
        s = r.summary
        rows.append(
            {
                "method": label,
                "seconds": round(secs, 2),
                "cpu s": round(cpu, 2),
                "runs": runs,
                "regions": r.n_clusters,
                "between/total": round(ratio(z, r.labels.to_numpy()), 3),
                "bounds met": bool(s["all_meet_floor"] and s.get("all_meet_ceiling", True)),
                "contiguous": bool(s["all_contiguous"]),
                "peak MiB (tracemalloc)": round(peak),
            }
        )
    spopt_times = []
    for seed in seeds:
        res = run_spopt(z, pop, adj, floor, seed, timeout)
        if res is None:
            rows.append({"method": f"spopt MaxPHeuristic defaults, seed {seed}", "seconds": None})
            print(f"(spopt seed {seed}: no result within {timeout:.0f} s)", flush=True)
            continue
        lab = np.asarray(res["labels"])
        rp = np.bincount(np.unique(lab, return_inverse=True)[1], weights=pop)
        spopt_times.append(res["seconds"])
        rows.append(
            {
                "method": f"spopt MaxPHeuristic defaults, seed {seed}",
                "seconds": round(res["seconds"], 1),
                "cpu s": None,
                "runs": 1,
                "regions": len(rp),
                "between/total": round(ratio(z, lab), 3),
                "bounds met": bool((rp >= floor).all()),
                "contiguous": None,
                "peak MiB (tracemalloc)": None,
            }
        )
    print(
        f"\n## max-p mode, make_city({n_blocks:,}, seed=0), floor {floor:,.0f} "
        f"(1/40 of {pop.sum():,.0f} residents), queen graph, island linked"
    )
    print(pd.DataFrame(rows).to_string(index=False))
    if spopt_times:
        lo, hi = min(spopt_times) / sozplan_time, max(spopt_times) / sozplan_time
        print(
            f"speed-up of sozplan (floor only) over spopt: {lo:,.0f}x to {hi:,.0f}x "
            f"over {len(spopt_times)} spopt seed(s)"
        )
    print(f"process peak RSS so far: {peak_rss_mib():,.0f} MiB", flush=True)


def large(n_blocks: int, runs: int, share: int) -> None:
    from sozplan.datasets import make_city
    from sozplan.graph import build_graph
    from sozplan.regions import regionalize

    t0 = time.perf_counter()
    city = make_city(n_blocks, seed=0)
    graph = build_graph(city, islands="nearest")
    t_setup = time.perf_counter() - t0
    total = float(city["einwohner"].sum())
    floor = round(total / share, -3)
    print(
        f"\n## regionalize, make_city({n_blocks:,}), {total:,.0f} residents, "
        f"floor {floor:,.0f} (at most {int(total // floor):,} regions)"
    )
    print(f"city and graph: {t_setup:.1f} s (not included below)")
    rows = []
    for factor in (1.5, 1.2):
        r, secs, cpu, peak = timed(
            lambda f=factor: regionalize(
                city,
                COLUMNS,
                graph=graph,
                population="einwohner",
                min_population=floor,
                max_population=f * floor,
                fill_nan="neighbours",
            ),
            runs,
        )
        s = r.summary
        rows.append(
            {
                "ceiling": f"{factor}x floor",
                "median_s": round(secs, 1),
                "cpu_s": round(cpu, 1),
                "runs": runs,
                "peak MiB (tracemalloc, 1st run)": round(peak),
                "peak RSS MiB (process)": round(peak_rss_mib()),
                "regions": r.n_clusters,
                "between/total": round(s["between_total_ratio"], 3),
                "pop_min": s["population_min"],
                "pop_max": s["population_max"],
                "bounds met": bool(s["all_meet_floor"] and s["all_meet_ceiling"]),
                "contiguous": bool(s["all_contiguous"]),
                "note": r.log[-1] if r.log else "",
            }
        )
    print(pd.DataFrame(rows).to_string(index=False), flush=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--spopt-worker":
        spopt_worker(sys.argv[2], int(sys.argv[3]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    ap.add_argument("--only", choices=["versus", "large"], help="run one part")
    ap.add_argument("--seeds", type=int, default=3, help="spopt seeds on 2,500 blocks")
    ap.add_argument("--seeds-5000", type=int, default=1, help="spopt seeds on 5,000 blocks")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per spopt run")
    ap.add_argument("--runs", type=int, default=3, help="sozplan runs per row (median)")
    args = ap.parse_args()
    if args.quick:
        versus(600, 2, [0], 120)
        large(5000, 1, 200)
        return
    if args.only in (None, "versus"):
        versus(2500, args.runs, list(range(args.seeds)), args.timeout)
        versus(5000, args.runs, list(range(args.seeds_5000)), args.timeout)
    if args.only in (None, "large"):
        large(100_000, args.runs, 1000)


if __name__ == "__main__":
    main()
