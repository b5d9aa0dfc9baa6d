"""Time and peak memory of the city generator, ``make_city``.

Each size runs in a fresh subprocess (so that peak RSS is its own) several times; the table
shows the median wall time, the median CPU time of the process (robust on a shared
machine), the median peak Python allocation (tracemalloc), the peak resident set size of
the process and the load average before the runs.

Run: ``python benchmarks/bench_datasets.py [--sizes 10000 100000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time, tracemalloc
from sozplan.datasets import make_city
n = int(sys.argv[1])
tracemalloc.start()
t0, c0 = time.perf_counter(), time.process_time()
city = make_city(n, seed=1)
elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
_, peak = tracemalloc.get_traced_memory()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "cpu": cpu, "traced_mb": peak / 2**20, "rss_mb": rss, "rows": len(city)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs, load average {load:.1f}")
    print(
        f"{'n_blocks':>10} {'median s':>9} {'min s':>7} {'CPU s':>7} {'traced MB':>10} "
        f"{'peak RSS MB':>12}"
    )
    for n in args.sizes:
        runs = []
        for _ in range(args.repeat):
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(n)], capture_output=True, text=True, check=True
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        secs = [r["seconds"] for r in runs]
        print(
            f"{n:>10,} {statistics.median(secs):>9.1f} {min(secs):>7.1f} "
            f"{statistics.median(r['cpu'] for r in runs):>7.1f} "
            f"{statistics.median(r['traced_mb'] for r in runs):>10.0f} "
            f"{statistics.median(r['rss_mb'] for r in runs):>12.0f}"
        )


if __name__ == "__main__":
    main()
