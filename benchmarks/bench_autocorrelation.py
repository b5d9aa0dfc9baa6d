"""Benchmark sozplan.graph / sozplan.autocorrelation against plain libpysal / esda in one run.

Run:  python benchmarks/bench_autocorrelation.py [--sizes 10000 100000] [--repeats 4]
      [--first-call-runs 5] [--million]

Data: ``sozplan.datasets.make_city`` blocks (10,000 and 100,000 blocks, seed 0), the
blocks with residents under 65; variable: SGB II quota of the under-65s. The city is
generated once per size and pickled to a temporary folder.

**First call in a fresh process** (before the tasks): ``local_moran`` on Musterstadt's
planning areas (``load_musterstadt("planning_area")``, SGB II quota, 999 permutations)
in new interpreters, timed from the interpreter's start (imports included):

* *cold*: numba's on-disk cache of sozplan's kernels is removed first (the package's
  first use on a machine: compile and write the cache), once;
* *warm*: the cache is there (every later process), ``--first-call-runs`` times, median;
* *esda*: the same in a fresh process with ``esda.Moran_Local`` (which compiles its
  engine in every process), once.

Each task runs in a fresh worker process that

* measures the **first-call cost** (loading the cached kernels, or compiling them) on a
  10 x 10 lattice before any timed call;
* then times ours and the anchor **alternately** (``--repeats`` times each, swapping
  which goes first), so that load and warm caches hit both sides alike; medians are
  reported;
* records the **peak memory** of each call as the peak resident set size (polled
  every 5 ms) above the level before the call; it includes arrays allocated inside
  numba, which tracemalloc does not see.

Tasks (ours vs anchor, same data and graph, same options):

1. graph: ``build_graph(gdf, "queen", islands="keep")`` vs
   ``Graph.build_contiguity(gdf, rook=False).transform("r")``; graph_nearest:
   ``islands="nearest"`` (finds components and links them) vs the same plain call;
2. moran: ``moran(df, col, graph=g, permutations=999, rng=0)`` vs
   ``esda.Moran(y, g, permutations=999)`` (esda loops over permutations drawn from
   numpy's global state; ours draws them from ``rng`` and evaluates cache-sized blocks);
3. local_moran: ``local_moran(df, col, graph=g, permutations=999, rng=0)`` vs
   ``esda.Moran_Local(y, g, permutations=999, seed=s, alternative="two-sided",
   keep_simulations=True, n_jobs=1)`` (same statistics, draws and p-values; ours
   with sozplan's own compiled kernel, streaming the permutations, plus our checks,
   q-values and labels); local_moran_lean: ours with ``keep_simulations=False``.

``--lattice 316``: ``local_moran`` against ``esda.Moran_Local`` (warm, alternating) on a
316 x 316 rook lattice (99,856 units) in one fresh process, without generating a city.

``--million``: peak memory and time of ``local_moran`` (999 permutations) on a
1000 x 1000 rook lattice (1,000,000 units) in a fresh process (esda would keep the
8 GB of simulated values; it is not run).
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
    ("graph", "build_graph (queen, islands='keep')", "Graph.build_contiguity(rook=False)"),
    (
        "graph_nearest",
        "build_graph (queen, islands='nearest')",
        "Graph.build_contiguity(rook=False)",
    ),
    ("moran", "moran (999 permutations)", "esda.Moran (999 permutations)"),
    ("local_moran", "local_moran (999 permutations)", "esda.Moran_Local (999 permutations)"),
    (
        "local_moran_lean",
        "local_moran (keep_simulations=False)",
        "esda.Moran_Local (keep_simulations=True)",
    ),
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


def worker(task: str, path: str, repeats: int) -> dict:
    """Run one task, ours and the anchor alternately, in this (fresh) process."""
    import esda
    import pandas as pd
    from libpysal.graph import Graph

    from sozplan.autocorrelation import local_moran, moran
    from sozplan.autocorrelation._common import seed_from_rng
    from sozplan.graph import build_graph

    gdf = pickle.loads(Path(path).read_bytes())
    y = gdf["sgb2_quote"].to_numpy()
    graph = build_graph(gdf, islands="nearest") if task.startswith(("moran", "local")) else None
    seed = seed_from_rng(0)[1]
    col = "sgb2_quote"

    def plain_graph():
        return Graph.build_contiguity(gdf, rook=False).transform("r")

    def plain_local(g, values, perms, s, keep=True):
        return esda.Moran_Local(
            values,
            g,
            permutations=perms,
            seed=s,
            alternative="two-sided",
            keep_simulations=keep,
            n_jobs=1,
        )

    calls = {
        "graph": (lambda: build_graph(gdf, islands="keep"), plain_graph),
        "graph_nearest": (lambda: build_graph(gdf, islands="nearest"), plain_graph),
        "moran": (
            lambda: moran(gdf, col, graph=graph, permutations=999, rng=0),
            lambda: esda.Moran(y, graph, permutations=999),
        ),
        "local_moran": (
            lambda: local_moran(gdf, col, graph=graph, permutations=999, rng=0),
            lambda: plain_local(graph, y, 999, seed),
        ),
        "local_moran_lean": (
            lambda: local_moran(
                gdf, col, graph=graph, permutations=999, rng=0, keep_simulations=False
            ),
            lambda: plain_local(graph, y, 999, seed),
        ),
    }
    ours, anchor = calls[task]

    # first-call cost (numba compiling esda's engine, caches) on a tiny lattice
    small = Graph.from_lattice(10, 10, rook=False)
    ys = np.random.default_rng(1).normal(size=100)
    dfs = pd.DataFrame({col: ys}, index=small.unique_ids)
    t0 = time.perf_counter()
    if task == "moran":
        moran(dfs, col, graph=small, permutations=99, rng=0)
    elif task.startswith("local"):
        local_moran(dfs, col, graph=small, permutations=99, rng=0)
    first = time.perf_counter() - t0
    if task.startswith(("moran", "local")):  # warm graph caches shared by both sides
        ours()

    out = {"ours": {"times": [], "peaks": []}, "anchor": {"times": [], "peaks": []}}
    pairs = (("ours", ours), ("anchor", anchor))
    for rep in range(repeats):
        # alternate the sides and swap who goes first (the first of a pair runs on colder
        # caches), so that load drift and warm-up hit both sides alike
        for side, call in pairs if rep % 2 == 0 else pairs[::-1]:
            with PeakRSS() as mem:
                t0 = time.perf_counter()
                result = call()
                out[side]["times"].append(time.perf_counter() - t0)
            out[side]["peaks"].append(mem.peak_mb)
            del result
    for side in out:
        out[side]["median_s"] = statistics.median(out[side]["times"])
        out[side]["peak_mb"] = max(out[side]["peaks"])
    out["first_call_s"] = first
    out["n"] = len(gdf)
    return out


FIRST_CALL = """
import time
t0 = time.perf_counter()
import numpy as np
from sozplan.datasets import load_musterstadt
gdf = load_musterstadt("planning_area")
col = "sgb2_leistungsberechtigte"
sub = gdf[gdf["einwohner"] > 0].copy()
sub["quote"] = sub[col] / sub["einwohner"]
from sozplan.graph import build_graph
g = build_graph(sub, islands="nearest")
if {esda!r}:
    import esda
    t1 = time.perf_counter()
    esda.Moran_Local(sub["quote"].to_numpy(), g, permutations=999, seed=1,
                     alternative="two-sided", n_jobs=1)
else:
    from sozplan.autocorrelation import local_moran
    t1 = time.perf_counter()
    local_moran(sub, "quote", graph=g, permutations=999, rng=0)
t2 = time.perf_counter()
print(len(sub), t2 - t0, t2 - t1)
"""


def clear_kernel_cache() -> int:
    """Remove numba's cache files of sozplan's kernels (package folder and user cache)."""
    import sozplan.autocorrelation as ac

    folders = [Path(ac.__file__).parent / "__pycache__"]
    try:
        from numba.misc.appdirs import AppDirs

        folders.append(Path(AppDirs(appname="numba", appauthor=False).user_cache_dir))
    except ImportError:  # pragma: no cover
        pass
    if os.environ.get("NUMBA_CACHE_DIR"):
        folders.append(Path(os.environ["NUMBA_CACHE_DIR"]))
    removed = 0
    for folder in folders:
        if folder.exists():
            for f in folder.rglob("_kernels.*.nb[ic]"):
                f.unlink()
                removed += 1
    return removed


def first_call(esda_side: bool = False) -> tuple[int, float, float]:
    """(areas, seconds from interpreter start, seconds of the call) in a fresh process."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", FIRST_CALL.format(esda=esda_side)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    wall = time.perf_counter() - t0
    n, _, call = out.stdout.split()
    return int(n), wall, float(call)


LATTICE = """
import time, numpy as np, pandas as pd, scipy.sparse as sp
from libpysal.graph import Graph
side = {side}
n = side * side
eye = sp.eye_array(side)
path = sp.diags_array([np.ones(side - 1), np.ones(side - 1)], offsets=[-1, 1])
adj = (sp.kron(eye, path) + sp.kron(path, eye)).tocsr()
g = Graph.from_sparse(adj)
i, j = np.divmod(np.arange(n), side)
y = np.sin(i / 50) + np.cos(j / 70) + np.random.default_rng(0).normal(size=n)
df = pd.DataFrame({{"y": y}}, index=g.unique_ids)
"""

COMPARE = (
    LATTICE
    + """
import statistics, esda
from sozplan.autocorrelation import local_moran
from sozplan.autocorrelation._common import seed_from_rng
seed = seed_from_rng(0)[1]
ours = lambda: local_moran(df, "y", graph=g, permutations=999, rng=0)
theirs = lambda: esda.Moran_Local(y, g, permutations=999, seed=seed, alternative="two-sided",
                                  keep_simulations=True, n_jobs=1)
ours(); theirs()  # compile / load both engines, warm the graph's caches
times = {{"ours": [], "esda": []}}
for rep in range({repeats}):
    pairs = [("ours", ours), ("esda", theirs)]
    for side_, call in pairs if rep % 2 == 0 else pairs[::-1]:
        t0 = time.perf_counter(); call(); times[side_].append(time.perf_counter() - t0)
print(statistics.median(times["ours"]), statistics.median(times["esda"]))
"""
)


def lattice_compare(side: int, repeats: int) -> tuple[float, float]:
    """Median seconds of local_moran and esda.Moran_Local (warm) on a side x side lattice."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    code = COMPARE.format(side=side, repeats=repeats)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    ours, theirs = map(float, out.stdout.split()[-2:])
    return ours, theirs


MILLION = (
    LATTICE.format(side=1000)
    + """
from sozplan.autocorrelation import local_moran
import resource
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
res = local_moran(df, "y", graph=g, permutations=999, rng=0)
dt = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(dt, before / 1024, peak / 1024)
"""
)


def million() -> tuple[float, float, float]:
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    out = subprocess.run(
        [sys.executable, "-c", MILLION], capture_output=True, text=True, env=env, check=True
    )
    dt, before, peak = map(float, out.stdout.split())
    return dt, before, peak


def run_worker(task, path, repeats) -> dict:
    cmd = [sys.executable, __file__, "--worker", task, str(path), str(repeats)]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--first-call-runs", type=int, default=5)
    parser.add_argument("--million", action="store_true")
    parser.add_argument(
        "--lattice",
        type=int,
        default=0,
        help="also compare local_moran and esda.Moran_Local (warm) on a LATTICE x LATTICE "
        "rook lattice (e.g. 316: 99,856 units)",
    )
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        task, path, repeats = args.worker
        print(json.dumps(worker(task, path, int(repeats))))
        return

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{os.cpu_count()} CPUs, load average {load:.1f} at the start")
    if args.first_call_runs:
        removed = clear_kernel_cache()
        n, cold, cold_call = first_call()
        warm = [first_call() for _ in range(args.first_call_runs)]
        n, esda_wall, esda_call = first_call(esda_side=True)
        print(
            f"first local_moran in a fresh process, Musterstadt planning areas ({n}), "
            f"999 permutations (process start to result / the call alone, after data, "
            f"imports and graph):"
        )
        print(f"  cold (cache removed: {removed} files) {cold:8.2f} s / {cold_call:6.2f} s")
        print(
            f"  warm (median of {len(warm)})            "
            f"{statistics.median(w[1] for w in warm):8.2f} s / "
            f"{statistics.median(w[2] for w in warm):6.2f} s"
        )
        print(f"  esda.Moran_Local (compiles)        {esda_wall:8.2f} s / {esda_call:6.2f} s")
    if args.lattice:
        ours, theirs = lattice_compare(args.lattice, args.repeats)
        print(
            f"local_moran vs esda.Moran_Local (warm, 999 permutations, "
            f"{args.lattice**2:,} units, rook lattice): {ours:.2f} s vs {theirs:.2f} s "
            f"(ratio {ours / theirs:.2f}, medians of {args.repeats} alternating runs)"
        )
    if args.million:
        dt, before, peak = million()
        print(
            f"local_moran, 1,000,000 units (1000 x 1000 rook lattice), 999 permutations: "
            f"{dt:.1f} s, peak resident memory {peak:.0f} MB (before the call {before:.0f} MB)"
        )

    folder = Path(tempfile.mkdtemp(prefix="bench_autocorr_"))
    rows = []
    for n in args.sizes:
        t0 = time.perf_counter()
        path = prepare_city(n, folder)
        print(f"make_city({n:,}) prepared in {time.perf_counter() - t0:.1f} s", flush=True)
        for task, label_ours, label_anchor in TASKS:
            r = run_worker(task, path, args.repeats)
            rows.append((n, task, r))
            for side, label in (("ours", label_ours), ("anchor", label_anchor)):
                print(
                    f"  {label:<42} {r[side]['median_s']:8.3f} s  "
                    f"peak +{r[side]['peak_mb']:7.1f} MB  (areas {r['n']:,})",
                    flush=True,
                )
            print(f"  {'first call (compile) of ours':<42} {r['first_call_s']:8.2f} s", flush=True)

    print()
    print(
        f"{'blocks':>8} {'task':<17} {'ours s':>8} {'anchor s':>9} {'ratio':>6} {'overhead':>9} "
        f"{'ours MB':>8} {'anchor MB':>9} {'1st call s':>10}"
    )
    for n, task, r in rows:
        ours, anchor = r["ours"], r["anchor"]
        ratio = ours["median_s"] / anchor["median_s"]
        print(
            f"{n:>8,} {task:<17} {ours['median_s']:8.3f} {anchor['median_s']:9.3f} {ratio:6.2f} "
            f"{100 * (ratio - 1):8.1f}% {ours['peak_mb']:8.1f} {anchor['peak_mb']:9.1f} "
            f"{r['first_call_s']:10.2f}"
        )
    print(
        "\ngraph_nearest: anchor is plain contiguity without any island handling;"
        " local_moran_lean: ours without kept simulations vs esda's default (memory)"
    )


if __name__ == "__main__":
    main()
