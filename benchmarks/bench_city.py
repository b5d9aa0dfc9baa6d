"""Benchmark: loading and validating a 100,000-block city from files with ``load_city``.

A city of ``--blocks`` blocks (default 100,000) is generated with
:func:`sozplan.datasets.make_city` and written as a user would receive it: a GeoPackage
of the blocks (id, parent ids, polygons) and one long CSV with 5 years (one row per
block and year, ``;``-separated). Each run is a fresh interpreter that

- **load_city**: reads the description, the geometry and the CSV (with
  :func:`sozplan.io.read_statistik`), joins, checks and returns the block level of one
  year, then validates it with the rules of the description;
- **anchor**: does the least a user could do by hand on the same files
  (``geopandas.read_file`` + ``pandas.read_csv`` + a merge on the id), no checks.

The two alternate, run by run; printed are medians (and min/max) of wall time and the
peak resident memory of each child process, and the ratio load_city / anchor.

Usage::

    python benchmarks/bench_city.py [--blocks 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

DESCRIPTION = """\
sozplan: city/1
name: Benchmarkstadt
levels:
  - {key: block, label: Block}
  - {key: planungsraum, label: Planungsraum, parent: {column: planungsraum}}
  - {key: bezirk, label: Bezirk, parent: {column: bezirk}}
geometry: {file: bloecke.gpkg, id: block}
tables:
  - {file: bloecke_zeitreihe.csv, id: block, year: jahr}
columns:
COLUMNS
population: einwohner
roles:
  age_bands:
    einwohner_0_5: [0, 6]
    einwohner_6_14: [6, 15]
    einwohner_15_17: [15, 18]
    einwohner_18_64: [18, 65]
    einwohner_65_plus: [65, null]
  foreigners: auslaender
  groups: [auslaender_eu, auslaender_tuerkei, auslaender_asyl, auslaender_sonstige]
"""

LOAD = """
import sys
from sozplan.city import load_city
from sozplan.validation import validate
city = load_city(sys.argv[1], year=2024)
report = validate(city.data, rules=city.validation_rules(), population="einwohner")
assert len(city.data) == int(sys.argv[2]), len(city.data)
import resource
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

ANCHOR = """
import sys
import geopandas as gpd
import pandas as pd
folder = sys.argv[1].rsplit("/", 1)[0]
geo = gpd.read_file(folder + "/bloecke.gpkg", engine="pyogrio")
counts = pd.read_csv(folder + "/bloecke_zeitreihe.csv", sep=";", dtype={"block": str})
data = geo.merge(counts[counts["jahr"] == 2024], on="block")
assert len(data) == int(sys.argv[2])
import resource
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def write_city(folder: Path, n_blocks: int) -> int:
    """Write the GeoPackage, the long CSV (5 years) and the description; return n blocks."""
    from sozplan.datasets import make_city

    city = make_city(n_blocks, seed=0, year="all")
    counts = city.drop(columns=["geometry", "planungsraum", "bezirksregion", "bezirk"])
    counts = counts.drop(columns="flaeche_m2").reset_index()
    counts.to_csv(folder / "bloecke_zeitreihe.csv", sep=";", index=False)
    blocks = city.xs(2024, level="jahr")[["planungsraum", "bezirk", "geometry"]]
    blocks.reset_index().to_file(folder / "bloecke.gpkg", driver="GPKG", engine="pyogrio")
    columns = [c for c in counts.columns if c not in ("block", "jahr")]
    text = DESCRIPTION.replace(
        "COLUMNS", textwrap.indent("\n".join(f"{c}: {{}}" for c in columns), "  ")
    )
    (folder / "stadt.yaml").write_text(text, encoding="utf-8")
    return len(blocks)


def one_run(code: str, spec: Path, n: int) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of one fresh interpreter."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, str(spec), str(n)],
        check=False,
        capture_output=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    if proc.returncode:
        raise SystemExit(proc.stderr.decode()[-3000:])
    wall = time.perf_counter() - t0
    peak = int(proc.stdout.decode().split()[-1]) / 1024  # ru_maxrss is in kB on Linux
    return wall, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--folder", default=None, help="keep the generated files here")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.folder or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        if (folder / "stadt.yaml").exists():
            n = int((folder / "n_blocks.txt").read_text())
        else:
            n = write_city(folder, args.blocks)
            (folder / "n_blocks.txt").write_text(str(n))
        made = time.perf_counter() - t0
        sizes = {p.name: p.stat().st_size / 1e6 for p in folder.iterdir()}
        print(
            f"load_city on a {n:,}-block city (GeoPackage {sizes['bloecke.gpkg']:.0f} MB, "
            f"long CSV with 5 years {sizes['bloecke_zeitreihe.csv']:.0f} MB; generated in "
            f"{made:.0f} s), {args.runs} runs, {os.cpu_count()} CPUs, load average {load:.1f}"
        )
        spec = folder / "stadt.yaml"
        times: dict[str, list[float]] = {"load_city + validate": [], "anchor": []}
        peaks: dict[str, list[float]] = {"load_city + validate": [], "anchor": []}
        for _ in range(args.runs):
            for label, code in (("load_city + validate", LOAD), ("anchor", ANCHOR)):
                wall, peak = one_run(code, spec, n)
                times[label].append(wall)
                peaks[label].append(peak)
    for label, ts in times.items():
        print(
            f"  {label:22s} median {statistics.median(ts):6.1f} s  (min {min(ts):.1f}, "
            f"max {max(ts):.1f})  peak memory {statistics.median(peaks[label]):.0f} MB"
        )
    ratio = statistics.median(times["load_city + validate"]) / statistics.median(times["anchor"])
    print(f"  ratio load_city + validate / anchor: {ratio:.1f}")


if __name__ == "__main__":
    main()
