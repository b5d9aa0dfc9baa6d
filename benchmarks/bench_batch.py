"""Benchmark batch runs over the units of a synthetic national grid: serial against Dask.

Run:  python benchmarks/bench_batch.py [--cells 3100000] [--permutations 99]
                                       [--workers 1,2] [--monitoring]

1. Generates the synthetic national 100 m grid (``sozplan.datasets.make_grid``; 3.1 million
   populated cells, about 400 Kreise and 10,700 Gemeinden) and reports the time and the
   peak memory of the process.
2. Runs the segregation table with randomisation tests (``SegregationAnalysis``: Auslaender
   against Einwohner, ``--permutations`` draws for D, Gini, entropy and isolation) for
   every Kreis, side by side: serially in this process (the anchor), and on a
   ``LocalCluster`` of 1 and 2 single-threaded worker processes. Reports wall time, the
   speed-up over the serial path, CPU time (this process, and the workers), the load
   average before and after each run, the peak memory of the workers, and checks that
   every table is identical to the serial one. Every process is warmed up first (imports,
   compiled kernels), so that the clocks measure the runs.
3. With ``--monitoring``: status/dynamics monitoring (``MonitoringAnalysis``) of the
   cells of every Gemeinde, serial against the largest cluster.

The machine this was written on has 2 cores shared with other jobs: speed-ups there are
bounded by 2 and disturbed by the load (printed beside every figure). Single runs of
minutes; medians with ``--repeat``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
import warnings

import pandas as pd

from sozplan.batch import MonitoringAnalysis, SegregationAnalysis, run_by
from sozplan.datasets import make_grid
from sozplan.errors import SozplanWarning

INDICES = (
    "dissimilarity",
    "gini",
    "entropy",
    "isolation",
    "exposure",
    "atkinson",
    "hutchens",
    "correlation_ratio",
)


def peak_mb() -> float:
    """Peak resident memory of this process (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker_stats() -> tuple[float, float]:
    """CPU seconds and peak resident memory (MB) of the worker process it runs in.

    The peak is VmHWM of /proc/self/status: ``ru_maxrss`` of a spawned worker starts at
    the peak of the process that spawned it (it survives fork and exec), VmHWM does not.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            line = next(x for x in fh if x.startswith("VmHWM:"))
        peak = int(line.split()[1]) / 1024
    except (OSError, StopIteration):  # not Linux
        peak = usage.ru_maxrss / 1024
    return usage.ru_utime + usage.ru_stime, peak


def _warm_up() -> None:
    """Import sozplan and compile the kernels in a worker before the clock starts."""
    import pandas as pd

    from sozplan.batch import SegregationAnalysis

    df = pd.DataFrame({"a": [4, 1, 3, 0], "t": [9, 9, 8, 7]})
    SegregationAnalysis("a", "t", permutations=9, indices=INDICES)(df, rng=0)


def timed(repeat: int, fn, *args, **kwargs):
    """Median wall and CPU time (this process) of ``repeat`` calls, and the last result."""
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn(*args, **kwargs)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), out


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def quiet_run(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SozplanWarning)  # failed units are counted below
        return run_by(*args, **kwargs)


def on_cluster(n_workers: int, repeat: int, *args, **kwargs):
    """Run on a fresh LocalCluster; return wall, CPU (workers), peak MB, start-up, result."""
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    with (
        LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(_warm_up)
        start = time.perf_counter() - t0
        before = client.run(_worker_stats)
        wall, _, res = timed(repeat, quiet_run, *args, client=client, **kwargs)
        after = client.run(_worker_stats)
    cpu = sum(after[w][0] - before[w][0] for w in after) / repeat
    mem = max(after[w][1] for w in after)
    return wall, cpu, mem, start, res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=3_100_000)
    ap.add_argument("--permutations", type=int, default=99)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--monitoring", action="store_true")
    ap.add_argument("--skip-segregation", action="store_true")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores (shared with other jobs), load {load()}")

    t_gen, c_gen, grid = timed(1, make_grid, args.cells, seed=0)
    print(
        f"make_grid({args.cells:,}): {t_gen:.1f} s (CPU {c_gen:.1f} s), peak {peak_mb():,.0f} MB; "
        f"{grid['kreis'].nunique()} Kreise, {grid['gemeinde'].nunique():,} Gemeinden, "
        f"{int(grid['Einwohner'].sum()):,} residents"
    )
    if not args.skip_segregation:
        segregation(grid, args)
    if args.monitoring:
        monitoring(grid, args)


def segregation(grid: pd.DataFrame, args) -> None:
    analysis = SegregationAnalysis(
        "Auslaender", "Einwohner", permutations=args.permutations, indices=INDICES
    )
    print(f"\nsegregation table + {args.permutations} permutations x 4 tests for every Kreis")
    print(f"{'path':<22}{'wall s':>9}{'speed-up':>10}{'CPU s':>9}{'peak MB':>10}  load")
    _warm_up()
    la = load()
    t_s, c_s, serial = timed(args.repeat, quiet_run, grid, "kreis", analysis, rng=1)
    print(
        f"{'serial (anchor)':<22}{t_s:9.1f}{1.0:10.2f}{c_s:9.1f}{peak_mb():10,.0f}  {la} -> {load()}"
    )
    for n in (int(w) for w in args.workers.split(",")):
        la = load()
        t_d, c_d, mem, start, res = on_cluster(n, args.repeat, grid, "kreis", analysis, rng=1)
        same = res.table.equals(serial.table) and res.errors.equals(serial.errors)
        label = f"LocalCluster {n} worker" + ("s" if n > 1 else "")
        print(
            f"{label:<22}{t_d:9.1f}{t_s / t_d:10.2f}{c_d:9.1f}{mem:10,.0f}  {la} -> {load()}"
            f"  (start-up {start:.1f} s; identical to serial: {same})"
        )
    print("peak MB: this process (it holds the grid) for the serial path, the largest worker")
    print(f"for the clusters. units: {serial.n_units}, failed: {serial.n_failed}")
    d = serial.table.xs("dissimilarity", level="index")
    print(
        f"D per Kreis: median {d['statistic'].median():.3f} "
        f"(range {d['statistic'].min():.3f}-{d['statistic'].max():.3f}); "
        f"p <= 0.05 in {(d['p_value'] <= 0.05).mean():.0%} of the Kreise"
    )


def monitoring(grid: pd.DataFrame, args) -> None:
    data = grid.assign(
        anteil_65=100 * grid["a65undaelter"] / grid["Einwohner"],
        anteil_u18=100 * grid["Unter18"] / grid["Einwohner"],
        anteil_ausl=grid["AnteilAuslaender"],
    )
    analysis = MonitoringAnalysis(
        ("anteil_65", "anteil_u18", "anteil_ausl"), population="Einwohner", min_population=20
    )
    print("\nstatus monitoring of the cells of every Gemeinde")
    la = load()
    t_s, c_s, serial = timed(1, quiet_run, data, "gemeinde", analysis)
    print(f"{'serial (anchor)':<22}{t_s:9.1f}{1.0:10.2f}{c_s:9.1f}  {la} -> {load()}")
    n = max(int(w) for w in args.workers.split(","))
    t_d, c_d, mem, _, res = on_cluster(n, 1, data, "gemeinde", analysis)
    same = res.table.equals(serial.table)
    print(
        f"{f'LocalCluster {n} workers':<22}{t_d:9.1f}{t_s / t_d:10.2f}{c_d:9.1f}{mem:10,.0f}"
        f"  (identical: {same})"
    )
    print(f"units: {serial.n_units:,}, failed (too few rated cells): {serial.n_failed:,}")


if __name__ == "__main__":
    main()
