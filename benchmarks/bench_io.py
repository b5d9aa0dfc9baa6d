"""Time and peak memory of ``read_statistik`` against ``pandas.read_csv`` (the anchor).

The file is a Länder-style export written in memory: a title line, column headings over
three lines, ``n`` data rows (an 8-digit key, a name, 9 counts with thousands separators,
DIN 55301 signs in about 6 % of the cells and a negative number written ``-  23`` in one
column) and footnote lines. ``pandas.read_csv`` reads the same rows with the header and
footer lines skipped, ``;``, decimal comma and thousands point, the signs as NaN: it knows
neither signs nor statuses, so it is the floor, not a competitor.

Each (reader, size) runs in a fresh subprocess, the readers alternating, ``--repeat``
times; a read of the first 30,000 rows comes first in every subprocess (it loads the
compiled scanners of ``read_statistik`` from the disk cache, or compiles them once after
an install). The table shows the median wall time (untraced), the ratio to the anchor
measured in the same run, the median peak Python allocation (tracemalloc, from a second
read), the size of the result (values and statuses, ``memory_usage(deep=True)``), the
ratio of the two, and the peak resident set size.

Run: ``python benchmarks/bench_io.py [--sizes 100000 1000000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = r"""
import io, json, resource, sys, time, tracemalloc, warnings
import numpy as np
import pandas as pd
from sozplan.io import read_statistik
reader, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
counts = rng.integers(0, 200_000, size=(n, 9))
signs = np.array(["-", ".", "/", "x"])
lines = [
    "Bevölkerung nach Geschlecht und Staatsangehörigkeit;;;;;;;;;;",
    "Schlüssel;Gebiet;Bevölkerung 1);;;;;;;;Saldo",
    ";;insgesamt;männlich;weiblich;Deutsche;;;Ausländer 2);;",
    ";;;;;zusammen;männlich;weiblich;zusammen;männlich;",
]
for i in range(n):
    cells = [f"{v:,}".replace(",", ".") for v in counts[i, :8]]
    if i % 17 == 0:
        cells[i % 8] = signs[i % 4]
    saldo = int(counts[i, 8]) - 100_000
    cells.append(f"-  {-saldo}" if saldo < 0 else str(saldo))
    lines.append(f"{i:08d};Gebiet {i % 997};" + ";".join(cells))
lines += ["__________;;;;;;;;;;", "1) Quelle: Fortschreibung;;;;;;;;;;", "© Statistisches Amt;;;;;;;;;;"]
raw = "\r\n".join(lines).encode("cp1252")
warm = "\r\n".join(lines[: min(n, 30_000)] + lines[-3:]).encode("cp1252")
del lines


def read(raw=raw, rows=n):
    if reader == "read_statistik":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = read_statistik(io.BytesIO(raw))
        assert table.meta["header_rows"] == 3, table.meta["header_rows"]
        assert (table.values["Saldo"] < 0).any()
        size = table.values.memory_usage(deep=True).sum()
        return len(table), size + table.status.memory_usage(deep=True).sum()
    frame = pd.read_csv(
        io.BytesIO(raw), sep=";", decimal=",", thousands=".", skiprows=4, nrows=rows,
        header=None, encoding="cp1252", dtype={0: str}, na_values=list(signs),
    )
    return len(frame), frame.memory_usage(deep=True).sum()


read(warm, min(n, 30_000))
t0 = time.perf_counter()
rows, size = read()
elapsed = time.perf_counter() - t0
assert rows == n, rows
tracemalloc.start()  # a second read for the memory: tracing slows Python down
read()
_, peak = tracemalloc.get_traced_memory()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "traced_mb": peak / 2**20, "rss_mb": rss,
                  "result_mb": size / 2**20}))
"""

READERS = ("pandas.read_csv", "read_statistik")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{'reader':>16} {'rows':>9} {'median s':>9} {'x anchor':>9} {'traced MB':>10} "
        f"{'result MB':>10} {'x result':>9} {'peak RSS MB':>12}"
    )
    for n in args.sizes:
        runs: dict[str, list[dict]] = {r: [] for r in READERS}
        for _ in range(args.repeat):
            for reader in READERS:  # alternating, so that load changes hit both
                out = subprocess.run(
                    [sys.executable, "-c", CHILD, reader, str(n)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                runs[reader].append(json.loads(out.stdout.strip().splitlines()[-1]))
        anchor = statistics.median(r["seconds"] for r in runs[READERS[0]])
        for reader in READERS:
            secs = statistics.median(r["seconds"] for r in runs[reader])
            traced = statistics.median(r["traced_mb"] for r in runs[reader])
            result = statistics.median(r["result_mb"] for r in runs[reader])
            print(
                f"{reader:>16} {n:>9,} {secs:>9.2f} {secs / anchor:>9.1f} {traced:>10.0f} "
                f"{result:>10.0f} {traced / result:>9.1f} "
                f"{statistics.median(r['rss_mb'] for r in runs[reader]):>12.0f}"
            )


if __name__ == "__main__":
    main()
