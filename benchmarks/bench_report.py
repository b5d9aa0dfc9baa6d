"""Benchmark: the social report end to end, Musterstadt cold and warm, Berlin and Köln.

Every build runs in a fresh interpreter, as ``sozplan report`` does (imports, loading or
compiling the permutation kernels, the analyses, all figures, tables and pages). The
child process builds with :class:`sozplan.report.Sozialbericht` (what the command runs)
and hands back the time of every step; the parent measures the wall time from the
interpreter's start to its end and the CPU time of the child and its worker processes.

Musterstadt: the first run is *cold* (numba's cache of sozplan's kernels removed: the
first report on a machine), the others *warm* (every later report). Berlin and Köln are
built from the example configurations in ``docs/examples`` (the shipped settings, 999
permutations) when their open data are present next to the project (``../shared/data``);
otherwise their rows say so. Targets of issue 19 on 2 cores: Musterstadt cold < 30 s,
warm < 15 s, Berlin < 45 s.

Printed: per city wall and CPU time (median of the warm runs, min and max), and a table
of the seconds per step (data, each chapter's analysis and page, waiting for the figure
and permutation workers, tables, pages) as medians over the warm runs. On a shared
machine the load average inflates the wall time; the CPU time of all processes divided
by the two cores is what an idle machine needs at least.

Usage::

    python benchmarks/bench_report.py [--runs 3] [--cities musterstadt berlin koeln]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = {"musterstadt cold": 30.0, "musterstadt warm": 15.0, "berlin": 45.0}
CONFIGS = {
    "musterstadt": None,
    "berlin": ROOT / "docs" / "examples" / "berlin" / "bericht.yaml",
    "koeln": ROOT / "docs" / "examples" / "koeln" / "bericht.yaml",
}
DATA = {"berlin": ROOT.parent / "shared" / "data" / "berlin" / "lor_planungsraeume_2021.gpkg",
        "koeln": ROOT.parent / "shared" / "data" / "koeln" / "bevoelkerung.csv"}  # fmt: skip

CHILD = """
import json, sys, time
from sozplan.report import Sozialbericht, load_config
config = None if sys.argv[1] == "-" else sys.argv[1]
report = Sozialbericht(load_config(config))
report.build(sys.argv[2])
report.timings["main process CPU"] = time.process_time()
print("TIMINGS " + json.dumps(report.timings))
"""


def one_run(config: Path | None, out: Path) -> tuple[float, float, dict[str, float]]:
    # the child's own CPU time (imports included) is the critical path on an idle machine:
    # it is returned among the timings as "main process CPU"
    """Wall time, CPU time (user + system of the child and its workers), step timings."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "-" if config is None else str(config), str(out)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    line = next(x for x in done.stdout.splitlines() if x.startswith("TIMINGS "))
    return wall, cpu, json.loads(line.removeprefix("TIMINGS "))


def steps(timings: dict[str, float]) -> dict[str, float]:
    """Seconds per step: data, each chapter (analysis + page + waiting for its worker)."""
    out: dict[str, float] = {}
    for key, sec in timings.items():
        if key == "main process CPU":
            continue
        if key.startswith(("analyse ", "render ")):
            name = key.split(" ", 1)[1].removesuffix(" (worker)")
            out[f"chapter {name}"] = out.get(f"chapter {name}", 0.0) + sec
        else:
            out[key] = out.get(key, 0.0) + sec
    return out


def measure(city: str, runs: int, tmp: Path) -> dict | None:
    """All runs of one city (Musterstadt: the first cold); None without its data."""
    from bench_autocorrelation import clear_kernel_cache

    if city in DATA and not DATA[city].exists():
        return None
    rows = []
    for i in range(runs):
        if city == "musterstadt" and i == 0:
            clear_kernel_cache()
        rows.append(one_run(CONFIGS[city], tmp / f"{city}{i}"))
    return {"runs": rows}


def _median_steps(rows: list) -> dict[str, float]:
    per = [steps(r[2]) for r in rows]
    keys = list(dict.fromkeys(k for p in per for k in p))
    return {k: statistics.median(p.get(k, 0.0) for p in per) for k in keys}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per city (Musterstadt: 1 cold)")
    parser.add_argument("--cities", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    load0 = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    results: dict[str, dict | None] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for city in args.cities:
            results[city] = measure(city, max(args.runs, 2 if city == "musterstadt" else 1),
                                    Path(tmp))  # fmt: skip
    load1 = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"sozplan report, fresh interpreters, {os.cpu_count()} CPUs, load average "
          f"{load0:.1f} before and {load1:.1f} after")  # fmt: skip
    print()
    print(f"{'report':<20}{'runs':>5}{'wall median':>12}{'min-max':>14}{'CPU median':>12}"
          f"{'CPU / 2':>9}{'main CPU':>10}{'target':>8}")  # fmt: skip
    print("-" * 80)
    table: dict[str, dict[str, float]] = {}
    for city, res in results.items():
        if res is None:
            print(f"{city:<20}  open data not found ({DATA[city].parent}): not measured")
            continue
        groups = [("cold", res["runs"][:1]), ("warm", res["runs"][1:])]
        if city != "musterstadt":
            groups = [("", res["runs"])]
        for kind, rows in groups:
            label = f"{city} {kind}".strip()
            walls, cpus = [r[0] for r in rows], [r[1] for r in rows]
            main_cpu = statistics.median(r[2]["main process CPU"] for r in rows)
            target = BUDGET_S.get(label)
            print(f"{label:<20}{len(rows):>5}{statistics.median(walls):>12.1f}"
                  f"{min(walls):>7.1f}-{max(walls):<6.1f}{statistics.median(cpus):>12.1f}"
                  f"{statistics.median(cpus) / 2:>9.1f}{main_cpu:>10.1f}"
                  f"{f'< {target:.0f}' if target else '':>8}")  # fmt: skip
            table[label] = _median_steps(rows)
    print()
    labels = list(table)
    keys = list(dict.fromkeys(k for t in table.values() for k in t))
    print("Seconds per step (wall time inside the build, medians):")
    print(f"{'step':<40}" + "".join(f"{lab:>18}" for lab in labels))
    print("-" * (40 + 18 * len(labels)))
    for key in keys:
        print(f"{key:<40}" + "".join(f"{table[lab].get(key, 0.0):>18.2f}" for lab in labels))
    print()
    print("Chapters run their analysis and page in the main process; the LISA permutations")
    print("and the figures run in three worker processes meanwhile (their time shows as")
    print("waiting only where the main process had to wait for them). On an idle machine the")
    print("wall time is at least the larger of CPU / 2 and the main process's CPU time.")


if __name__ == "__main__":
    main()
