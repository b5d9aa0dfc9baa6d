"""Import time of every public sozplan submodule, in fresh interpreters (``-X importtime``).

Run:  python benchmarks/bench_imports.py [--runs 5] [--markdown]

For each module ``python -X importtime -c "import sozplan.<module>"`` runs ``--runs`` times
in a new process; the time of a run is the sum of the cumulative times of the top-level
imports that ``import sozplan.<module>`` triggers (the package and the module with all they
import, not the interpreter's own start-up). Printed: the median, the minimum, and the
heavy third-party packages pulled in (median over runs of the largest cumulative time of one
entry of the package: a lower bound of what it costs). ``import numpy`` and ``import pandas`` are measured the same way
as anchors. With ``--markdown`` the table is printed in the form of the docs page.
"""

from __future__ import annotations

import argparse
import os
import pkgutil
import re
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


def one(module: str) -> tuple[float, dict[str, float]]:
    """Seconds for ``import module`` and the cumulative seconds of heavy packages inside."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
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
    return total, heavy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rows = []
    for module in ["numpy", "pandas", *modules()]:
        times, heavy = [], defaultdict(list)
        for _ in range(args.runs):
            t, h = one(module)
            times.append(t)
            for k, v in h.items():
                heavy[k].append(v)
        pulled = sorted(
            ((k, statistics.median(v)) for k, v in heavy.items() if len(v) == args.runs),
            key=lambda kv: -kv[1],
        )
        rows.append((module, statistics.median(times), min(times), pulled))
        print(f"  {module:<28} {statistics.median(times):6.2f} s", file=sys.stderr, flush=True)
    print(
        f"\n{args.runs} fresh processes per module, {os.cpu_count()} CPUs, "
        f"load average {load:.1f} at the start\n"
    )
    if args.markdown:
        print("| module | median (s) | min (s) | heavy packages it imports |")
        print("|---|---:|---:|---|")
    for module, med, low, pulled in rows:
        heavy_txt = ", ".join(f"{k} {v:.1f}" for k, v in pulled) or "-"
        if args.markdown:
            print(f"| `{module}` | {med:.2f} | {low:.2f} | {heavy_txt} |")
        else:
            print(f"{module:<28} {med:7.2f} {low:7.2f}  {heavy_txt}")


if __name__ == "__main__":
    main()
