"""Import time of every public sozplan submodule, in fresh interpreters (``-X importtime``).

Run:  python benchmarks/bench_imports.py [--runs 5] [--markdown]

For each module ``python -X importtime -c "import sozplan.<module>"`` runs ``--runs`` times
in a new process; the time of a run is the sum of the cumulative times of the top-level
imports that ``import sozplan.<module>`` triggers (the package and the module with all they
import, not the interpreter's own start-up). Printed: the median, the minimum, and the
heavy third-party packages pulled in (median over runs of the largest cumulative time of one
entry of the package: a lower bound of what it costs). ``import numpy`` and ``import pandas`` are measured the same way
as anchors. The CPU column is the median CPU time (user + system) of the whole process
minus that of a bare interpreter (``python -c pass``): it is hardly inflated by the load
of a shared machine, unlike the wall times of ``-X importtime``. With ``--markdown`` the
table is printed in the form of the docs page.
"""

from __future__ import annotations

import argparse
import os
import pkgutil
import re
import resource
import statistics
import subprocess
import sys
from collections import defaultdict

LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")
HEAVY = ("esda", "libpysal", "numba", "scipy", "sklearn", "geopandas", "matplotlib", "shapely")


def modules() -> list[str]:
    import sozplan

    names = [m.name for m in pkgutil.iter_modules(sozplan.__path__) if not m.name.startswith("_")]
    return ["sozplan", *(f"sozplan.{n}" for n in sorted(names))]


def one(module: str) -> tuple[float, dict[str, float], float]:
    """Seconds for ``import module``, cumulative seconds of heavy packages, process CPU time."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}" if module else "pass"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    total = 0.0
    heavy: dict[str, float] = {}
    root = module.split(".")[0]
    for line in out.stderr.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        cumulative, indent, name = int(m.group(2)), len(m.group(3)), m.group(4)
        if indent == 1 and (name == root or name.startswith(root + ".")):
            total += cumulative / 1e6
        top = name.split(".")[0]
        if top in HEAVY:  # the largest subtree of the package (a lower bound of its cost)
            heavy[top] = max(heavy.get(top, 0.0), cumulative / 1e6)
    return total, heavy, cpu


def _load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rows = []
    bare = statistics.median(one("")[2] for _ in range(args.runs))
    for module in ["numpy", "pandas", *modules()]:
        times, cpus, heavy = [], [], defaultdict(list)
        for _ in range(args.runs):
            t, h, c = one(module)
            times.append(t)
            cpus.append(c - bare)
            for k, v in h.items():
                heavy[k].append(v)
        pulled = sorted(
            ((k, statistics.median(v)) for k, v in heavy.items() if len(v) == args.runs),
            key=lambda kv: -kv[1],
        )
        rows.append(
            (module, statistics.median(times), min(times), statistics.median(cpus), pulled)
        )
        print(f"  {module:<28} {statistics.median(times):6.2f} s", file=sys.stderr, flush=True)
    print(
        f"\n{args.runs} fresh processes per module, {os.cpu_count()} CPUs, "
        f"load average {load:.1f} at the start and {_load():.1f} at the end\n"
    )
    if args.markdown:
        print("| module | median (s) | min (s) | CPU (s) | heavy packages it imports |")
        print("|---|---:|---:|---:|---|")
    for module, med, low, cpu, pulled in rows:
        heavy_txt = ", ".join(f"{k} {v:.1f}" for k, v in pulled) or "-"
        if args.markdown:
            print(f"| `{module}` | {med:.2f} | {low:.2f} | {cpu:.2f} | {heavy_txt} |")
        else:
            print(f"{module:<28} {med:7.2f} {low:7.2f} {cpu:7.2f}  {heavy_txt}")


if __name__ == "__main__":
    main()
