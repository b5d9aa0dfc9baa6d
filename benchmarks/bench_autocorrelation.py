"""Benchmark sozplan.graph / sozplan.autocorrelation against plain libpysal / esda, in one run.

Run:  /work/venv/bin/python benchmarks/bench_autocorrelation.py [--sizes 10000 100000] [--repeats 3]

Data: ``sozplan.datasets.make_city`` blocks (10,000 and 100,000 blocks, seed 0), the
blocks with residents under 65; variable: SGB II quota of the under-65s. The city is
generated once per size and pickled to a temporary folder.

Each measurement runs in a fresh worker process, so that

* the **first-call cost** (numba compiling esda's permutation engine, imports) is
  measured separately, on a 10 x 10 lattice, before the timed calls;
* the **peak memory** is the peak resident set size (polled every 5 ms) above the
  level before the call; it includes arrays allocated inside numba, which
  tracemalloc does not see.

Tasks (ours vs anchor, same data and graph, same options):

1. graph: ``build_graph(gdf, "queen", islands="keep")`` vs
   ``Graph.build_contiguity(gdf, rook=False).transform("r")``; and
   ``islands="nearest"`` (which does extra work: components and nearest links);
2. moran: ``moran(df, col, graph=g, permutations=999, rng=0)`` vs
   ``esda.Moran(y, g, permutations=999)`` (esda loops over permutations drawn from
   numpy's global state; ours draws them from ``rng`` in cache-sized chunks);
3. local_moran: ``local_moran(df, col, graph=g, permutations=999, rng=0)`` vs
   ``esda.Moran_Local(y, g, permutations=999, seed=s, alternative="two-sided",
   keep_simulations=True, n_jobs=1)`` (the call ours makes, plus our checks, q-values
   and labels).

Prints medians of ``--repeats`` runs, the ratio ours / anchor and the overhead in %.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")

TASKS = [
    ("graph", "ours", "build_graph (queen, islands='keep')"),
    ("graph", "anchor", "Graph.build_contiguity(rook=False)"),
    ("graph_nearest", "ours", "build_graph (queen, islands='nearest')"),
    ("moran", "ours", "moran (999 permutations)"),
    ("moran", "anchor", "esda.Moran (999 permutations)"),
    ("local_moran", "ours", "local_moran (999 permutations)"),
    ("local_moran", "anchor", "esda.Moran_Local (999 permutations)"),
]


class PeakRSS:
    """Poll the resident set size in a thread; ``peak_mb`` is the peak above the start."""

    def __init__(self) -> None:
        import psutil

        self._proc = psutil.Process()
        self._stop = threading.Event()
        self.start = self.peak = 0

    def __enter__(self):
        self.start = self.peak = self._proc.memory_info().rss
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            time.sleep(0.005)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)

    @property
    def peak_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def prepare_city(n: int, folder: Path) -> Path:
    from sozplan.datasets import make_city

    path = folder / f"city_{n}.pkl"
    if not path.exists():
        blocks = make_city(n_blocks=n, seed=0)
        at_risk = blocks["einwohner"] - blocks["einwohner_65_plus"]
        sub = blocks[(blocks["einwohner"] > 0) & (at_risk > 0)].copy()
        sub["sgb2_quote"] = sub["sgb2_leistungsberechtigte"] / (
            sub["einwohner"] - sub["einwohner_65_plus"]
        )
        sub = sub[["sgb2_quote", "geometry"]]
        path.write_bytes(pickle.dumps(sub))
    return path


def worker(task: str, side: str, path: str, repeats: int) -> dict:
    """Run one task in this (fresh) process and return its figures."""
    import esda
    from libpysal.graph import Graph

    from sozplan.autocorrelation import local_moran, moran
    from sozplan.autocorrelation._common import seed_from_rng
    from sozplan.graph import build_graph

    gdf = pickle.loads(Path(path).read_bytes())
    y = gdf["sgb2_quote"].to_numpy()
    graph = build_graph(gdf, islands="nearest") if task in ("moran", "local_moran") else None
    seed = seed_from_rng(0)[1]

    if task == "graph":
        if side == "ours":
            call = lambda: build_graph(gdf, islands="keep")  # noqa: E731
        else:
            call = lambda: Graph.build_contiguity(gdf, rook=False).transform("r")  # noqa: E731
    elif task == "graph_nearest":
        call = lambda: build_graph(gdf, islands="nearest")  # noqa: E731
    elif task == "moran":
        if side == "ours":
            call = lambda: moran(gdf, "sgb2_quote", graph=graph, permutations=999, rng=0)  # noqa: E731
        else:
            call = lambda: esda.Moran(y, graph, permutations=999)  # noqa: E731
    else:
        if side == "ours":
            call = lambda: local_moran(gdf, "sgb2_quote", graph=graph, permutations=999, rng=0)  # noqa: E731
        else:
            call = lambda: esda.Moran_Local(  # noqa: E731
                y,
                graph,
                permutations=999,
                seed=seed,
                alternative="two-sided",
                keep_simulations=True,
                n_jobs=1,
            )

    # first-call cost (compilation, imports) on a tiny lattice
    import pandas as pd

    small = Graph.from_lattice(10, 10, rook=False)
    ys = np.random.default_rng(1).normal(size=100)
    dfs = pd.DataFrame({"sgb2_quote": ys}, index=small.unique_ids)
    t0 = time.perf_counter()
    if task == "moran":
        if side == "ours":
            moran(dfs, "sgb2_quote", graph=small, permutations=99, rng=0)
        else:
            esda.Moran(ys, small, permutations=99)
    elif task == "local_moran":
        if side == "ours":
            local_moran(dfs, "sgb2_quote", graph=small, permutations=99, rng=0)
        else:
            esda.Moran_Local(ys, small, permutations=99, seed=1, alternative="two-sided")
    first = time.perf_counter() - t0

    times, peaks = [], []
    for _ in range(repeats):
        with PeakRSS() as mem:
            t0 = time.perf_counter()
            out = call()
            times.append(time.perf_counter() - t0)
        peaks.append(mem.peak_mb)
        del out
    return {
        "median_s": statistics.median(times),
        "times": times,
        "peak_mb": max(peaks),
        "first_call_s": first,
        "n": int(len(gdf)),
    }


def run_worker(task, side, path, repeats) -> dict:
    cmd = [sys.executable, __file__, "--worker", task, side, str(path), str(repeats)]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        task, side, path, repeats = args.worker
        print(json.dumps(worker(task, side, path, int(repeats))))
        return

    folder = Path(tempfile.mkdtemp(prefix="bench_autocorr_"))
    rows = []
    for n in args.sizes:
        t0 = time.perf_counter()
        path = prepare_city(n, folder)
        print(f"make_city({n:,}) prepared in {time.perf_counter() - t0:.1f} s", flush=True)
        res = {}
        for task, side, label in TASKS:
            res[(task, side)] = r = run_worker(task, side, path, args.repeats)
            print(
                f"  {label:<42} {r['median_s']:8.3f} s  peak +{r['peak_mb']:7.1f} MB  "
                f"first call {r['first_call_s']:6.2f} s  (areas {r['n']:,})",
                flush=True,
            )
        for task in ("graph", "moran", "local_moran"):
            ours, anchor = res[(task, "ours")], res[(task, "anchor")]
            rows.append((n, task, ours, anchor))
        rows.append((n, "graph_nearest", res[("graph_nearest", "ours")], res[("graph", "anchor")]))

    print()
    print(
        f"{'blocks':>8} {'task':<14} {'ours s':>8} {'anchor s':>9} {'ratio':>6} {'overhead':>9} "
        f"{'ours MB':>8} {'anchor MB':>9} {'1st call ours/anchor s':>23}"
    )
    for n, task, ours, anchor in rows:
        ratio = ours["median_s"] / anchor["median_s"]
        print(
            f"{n:>8,} {task:<14} {ours['median_s']:8.3f} {anchor['median_s']:9.3f} {ratio:6.2f} "
            f"{100 * (ratio - 1):8.1f}% {ours['peak_mb']:8.1f} {anchor['peak_mb']:9.1f} "
            f"{ours['first_call_s']:11.2f} / {anchor['first_call_s']:.2f}"
        )
    print(
        "\nanchor for graph_nearest: plain contiguity (no island handling) - the extra is the policy"
    )


if __name__ == "__main__":
    main()
