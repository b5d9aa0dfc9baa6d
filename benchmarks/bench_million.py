"""Benchmark: the main analyses of sozplan on the blocks of ``make_city(1_000_000)``.

Each step runs in a fresh interpreter of its own, one after another (never two at once),
so that the peak memory is the step's own; the parent watches the child's resident memory
and stops it above ``--max-gb`` (default 8 GB) or after ``--timeout`` seconds, and says so.
Per step, ours and (where there is one) the anchor run in separate children, one after
the other. Reported per call: wall time, CPU time of the process (robust on a shared
machine), the resident memory after loading the inputs and the peak resident memory
during the call (polled every 5 ms), the load average before the call.

Steps (``--steps``; default all, in this order):

``city``
    ``make_city(n, seed=0)`` (all of it: geometry, hierarchy, counts of five years); the
    blocks are pickled into ``--cache`` for the later steps.
``graph``
    queen contiguity of the populated blocks: ``build_graph(units, "queen",
    islands="nearest")`` vs ``Graph.build_contiguity(units, rook=False).transform("r")``;
    ours is pickled for the later steps.
``indicators``
    ``rates(blocks, population="einwohner")`` (every catalogue indicator the blocks can
    give, with intervals and small-number flags) vs the plain values as pandas divisions.
``validation``
    ``validate(blocks, population="einwohner", rules=musterstadt_rules(), hierarchy=...)``
    (no anchor).
``index``
    ``composite_index`` (four z-standardised shares, mean, SD classes) vs the same in
    plain pandas lines.
``moran``
    ``moran(units, "sgb2_quote", permutations=999)`` vs ``esda.Moran(y, g, 999)``.
``local_moran``
    ``local_moran(..., permutations=999, keep_simulations=False)`` vs
    ``esda.Moran_Local(y, g, 999, keep_simulations=False, n_jobs=1)``.
``segregation``
    ``segregation_table`` two-group (foreigners of residents) for the indices PySAL
    segregation can compute at this size vs PySAL's classes for the same indices; then
    our full two-group and multigroup tables (five citizenship groups).
``randomization``
    ``randomization_test(dissimilarity, ..., permutations=999, null="systematic", n_jobs=1)``
    vs PySAL's ``SingleValueTest`` (``n_jobs=1``) with ``--pysal-iterations`` draws,
    its time scaled to 999 (said in the table).
``typology``
    ``typology(units, 4 columns, method="kmeans", n_clusters=6, n_bootstrap=10)`` vs
    scikit-learn's ``KMeans(6, n_init=10)`` on the same z-values.
``regions``
    ``regionalize(units, 4 columns, graph=g, n_clusters=100, method="ward")`` vs
    scikit-learn's ``AgglomerativeClustering(100, connectivity=...)`` on the same z-values;
    then max-p mode with a floor (``min_population``) and ``method="ward"``.

Units: the blocks with residents under 65 (the rates need a denominator), about 97 % of
the blocks. Results are appended as JSON lines to ``<cache>/results.jsonl``; ``--table``
prints the Markdown table of the docs from that file.

Run::

    python benchmarks/bench_million.py [--blocks 1000000] [--steps city graph ...]
        [--cache /tmp/sozplan-million] [--max-gb 8] [--timeout 3600]
    python benchmarks/bench_million.py --table
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # shared machine: no spinning OpenMP threads

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

STEPS = [
    "city",
    "graph",
    "indicators",
    "validation",
    "index",
    "moran",
    "local_moran",
    "segregation",
    "randomization",
    "typology",
    "regions",
]
COLUMNS = ["sgb2_quote", "kinderarmut", "arbeitslose_quote", "altersarmut"]
#: PySAL segregation's two-group classes that run at a million units, and our names. Not
#: its Gini: a loop over all n(n-1)/2 pairs of units (5e11 terms at a million units), nor its
#: density-corrected D (one equation solved per unit).
PYSAL_TWO = {
    "Dissim": "dissimilarity",
    "Entropy": "entropy",
    "Atkinson": "atkinson",
    "HutchensSqrt": "hutchens",
    "Isolation": "isolation",
    "Interaction": "exposure",
    "CorrelationR": "correlation_ratio",
}
GROUPS = [
    "deutsche",
    "auslaender_eu",
    "auslaender_tuerkei",
    "auslaender_asyl",
    "auslaender_sonstige",
]


# --- the child: one call, measured ---------------------------------------------------------


def load(cache: Path, what: str):
    return pickle.loads((cache / f"{what}.pkl").read_bytes())


def units_of(blocks):
    """Blocks with residents under 65, with the four rates (percent)."""
    import pandas as pd

    under65 = blocks["einwohner"] - blocks["einwohner_65_plus"]
    units = blocks[under65 > 0]
    kids = units["einwohner_0_5"] + units["einwohner_6_14"]
    out = pd.DataFrame(
        {
            "sgb2_quote": 100 * units["sgb2_leistungsberechtigte"] / under65[units.index],
            "kinderarmut": 100 * units["sgb2_unter15"] / kids.where(kids > 0),
            "arbeitslose_quote": 100 * units["arbeitslose_sgb2"] / units["einwohner_18_64"],
            "altersarmut": 100
            * units["sgb12_grundsicherung_65_plus"]
            / units["einwohner_65_plus"].where(units["einwohner_65_plus"] > 0),
        },
        index=units.index,
    ).fillna(0.0)
    for c in ["einwohner", "auslaender", *GROUPS]:
        out[c] = units[c]
    return out, units.geometry


def prepare(step: str, side: str, cache: Path, n: int, pysal_iterations: int):
    """Load the inputs of one step and return (the call, a note)."""
    import numpy as np
    import pandas as pd

    if step == "city":
        from sozplan.datasets import make_city

        def call():
            blocks = make_city(n, seed=0)
            (cache / "blocks.pkl").write_bytes(pickle.dumps(blocks, protocol=5))
            return blocks

        return call, f"{n:,} blocks"
    blocks = load(cache, "blocks")
    if step in ("indicators", "validation"):
        frame = pd.DataFrame(blocks.drop(columns="geometry"))
        del blocks
        if step == "validation":
            from sozplan.datasets import musterstadt_rules
            from sozplan.validation import validate

            return lambda: validate(
                frame,
                population="einwohner",
                rules=musterstadt_rules(),
                hierarchy=["planungsraum", "bezirksregion", "bezirk"],
            ), f"{len(frame):,} blocks"
        from sozplan.indicators import evaluate, load_catalog, rates

        specs = [s for s in load_catalog().values() if _has_columns(frame, s)]
        if side == "ours":
            return lambda: rates(frame, specs, population="einwohner"), (
                f"{len(frame):,} blocks x {len(specs)} indicators"
            )
        return lambda: pd.DataFrame(
            {s.key: evaluate(frame, s)[0] for s in specs}, index=frame.index
        ), "values only (sozplan.indicators.evaluate per indicator)"
    units, geometry = units_of(blocks)
    del blocks
    if step == "graph":
        import geopandas as gpd

        gdf = gpd.GeoDataFrame(geometry=geometry)
        if side == "ours":
            from sozplan.graph import build_graph

            def call():
                graph = build_graph(gdf, "queen", islands="nearest")
                (cache / "graph.pkl").write_bytes(pickle.dumps(graph, protocol=5))
                return graph

            return call, f"{len(gdf):,} units, islands linked"
        from libpysal.graph import Graph

        return lambda: Graph.build_contiguity(gdf, rook=False).transform("r"), "islands kept"
    del geometry
    if step == "index":
        if side == "ours":
            from sozplan.index import composite_index

            spec = {
                "name": "Status",
                "indicators": [{"column": c} for c in COLUMNS],
                "aggregation": {"method": "mean"},
                "restandardize": True,
                "classes": {
                    "scheme": "sd",
                    "cuts": [-1, 1, 1.5],
                    "labels": ["hoch", "mittel", "niedrig", "sehr niedrig"],
                },
            }
            return lambda: composite_index(units, spec), f"{len(units):,} units, 4 indicators"

        def plain():
            z = (units[COLUMNS] - units[COLUMNS].mean()) / units[COLUMNS].std(ddof=0)
            index = z.mean(axis=1)
            index = (index - index.mean()) / index.std(ddof=0)
            return pd.cut(index, [-np.inf, -1, 1, 1.5, np.inf])

        return plain, "z-scores, mean, cut (pandas)"
    if step in ("moran", "local_moran", "regions"):
        graph = load(cache, "graph")
    if step == "moran":
        if side == "ours":
            from sozplan.autocorrelation import moran

            return lambda: moran(units, "sgb2_quote", graph=graph, permutations=999, rng=0), (
                f"{len(units):,} units"
            )
        import esda

        y = units["sgb2_quote"].to_numpy()
        return lambda: esda.Moran(y, graph, permutations=999), "esda.Moran"
    if step == "local_moran":
        if side == "ours":
            from sozplan.autocorrelation import local_moran

            return lambda: local_moran(
                units,
                "sgb2_quote",
                graph=graph,
                permutations=999,
                rng=0,
                keep_simulations=False,
            ), f"{len(units):,} units, keep_simulations=False"
        import esda

        y = units["sgb2_quote"].to_numpy()
        return lambda: esda.Moran_Local(
            y,
            graph,
            permutations=999,
            seed=0,
            alternative="two-sided",
            keep_simulations=False,
            n_jobs=1,
        ), "esda.Moran_Local, keep_simulations=False, n_jobs=1"
    if step == "segregation":
        import sozplan.segregation as S

        if side == "ours":

            def tables():
                S.segregation_table(
                    units, "auslaender", "einwohner", indices=list(PYSAL_TWO.values())
                )
                return None

            return tables, f"{len(PYSAL_TWO)} two-group indices"
        if side == "ours_full":

            def full():
                S.segregation_table(units, "auslaender", "einwohner")
                S.segregation_table(units, groups=GROUPS)

            return full, "all two-group and multigroup indices (no PySAL counterpart)"
        import segregation.singlegroup as sg

        def theirs():
            for name in PYSAL_TWO:
                getattr(sg, name)(units, "auslaender", "einwohner")

        return theirs, "PySAL segregation classes"
    if step == "randomization":
        import sozplan.segregation as S

        if side == "ours":
            return lambda: S.randomization_test(
                S.dissimilarity,
                units,
                group="auslaender",
                population="einwohner",
                permutations=999,
                null="systematic",
                rng=0,
                progress=False,
                n_jobs=1,
            ), "D, 999 draws, systematic null, 1 thread"
        import contextlib
        import io

        import segregation.singlegroup as sg
        from segregation.inference import SingleValueTest

        def theirs():
            with contextlib.redirect_stderr(io.StringIO()):
                SingleValueTest(
                    sg.Dissim(units, "auslaender", "einwohner"),
                    iterations_under_null=pysal_iterations,
                    null_approach="systematic",
                    n_jobs=1,
                )

        return theirs, f"SingleValueTest, {pysal_iterations} draws, scaled to 999"
    if step == "typology":
        if side == "ours":
            from sozplan.typology import typology

            return lambda: typology(
                units, COLUMNS, method="kmeans", n_clusters=6, n_bootstrap=10, rng=0
            ), "k-means, k = 6, 10 bootstrap samples"
        from sklearn.cluster import KMeans

        z = ((units[COLUMNS] - units[COLUMNS].mean()) / units[COLUMNS].std(ddof=0)).to_numpy()
        return lambda: KMeans(6, n_init=10, random_state=0).fit(z), "sklearn KMeans(6, n_init=10)"
    if step == "regions":
        from sozplan.regions import regionalize

        if side == "ours":
            return lambda: regionalize(
                units, COLUMNS, graph=graph, n_clusters=100, method="ward", rng=0
            ), "ward, 100 regions, with refinement"
        if side == "ours_maxp":
            floor = float(units["einwohner"].sum()) / 1000
            return lambda: regionalize(
                units,
                COLUMNS,
                graph=graph,
                min_population=floor,
                population="einwohner",
                method="ward",
                rng=0,
            ), "max-p mode (ward growth search), floor 1/1,000 of the residents"
        from sklearn.cluster import AgglomerativeClustering

        z = ((units[COLUMNS] - units[COLUMNS].mean()) / units[COLUMNS].std(ddof=0)).to_numpy()
        connectivity = graph.sparse
        return lambda: AgglomerativeClustering(100, connectivity=connectivity).fit(z), (
            "sklearn AgglomerativeClustering(100, connectivity)"
        )
    raise SystemExit(f"unknown step {step}")


def _has_columns(frame, spec) -> bool:
    return all(c.lstrip("-") in frame.columns for c in (*spec.numerator, *spec.denominator))


def child(step: str, side: str, cache: Path, n: int, pysal_iterations: int) -> None:
    import psutil
    from bench_autocorrelation import PeakRSS  # polls the RSS every 5 ms in a thread

    warnings.simplefilter("ignore")
    call, note = prepare(step, side, cache, n, pysal_iterations)
    before = psutil.Process().memory_info().rss
    load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    with PeakRSS() as peak:
        call()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        json.dumps(
            {
                "step": step,
                "side": side,
                "note": note,
                "wall_s": wall,
                "cpu_s": cpu,
                "rss_before_mb": before / 2**20,
                "peak_mb": peak.peak / 2**20,
                "load": load,
            }
        )
    )


# --- the parent: one child at a time, watched ----------------------------------------------


SIDES = {
    "city": ["ours"],
    "graph": ["ours", "anchor"],
    "indicators": ["ours", "anchor"],
    "validation": ["ours"],
    "index": ["ours", "anchor"],
    "moran": ["ours", "anchor"],
    "local_moran": ["ours", "anchor"],
    "segregation": ["ours", "anchor", "ours_full"],
    "randomization": ["ours", "anchor"],
    "typology": ["ours", "anchor"],
    "regions": ["ours", "anchor", "ours_maxp"],
}


def run_child(args, step: str, side: str) -> dict:
    import psutil

    cmd = [sys.executable, __file__, "--child", step, side, "--cache", str(args.cache)]
    cmd += ["--blocks", str(args.blocks), "--pysal-iterations", str(args.pysal_iterations)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        watched = psutil.Process(proc.pid)
        t0, peak, stopped = time.perf_counter(), 0.0, None
        while proc.poll() is None:
            try:
                rss = watched.memory_info().rss / 2**30
            except psutil.NoSuchProcess:
                break
            peak = max(peak, rss)
            if rss > args.max_gb:
                stopped = f"stopped: memory above {args.max_gb:g} GB"
            elif time.perf_counter() - t0 > args.timeout:
                stopped = f"stopped: no result within {args.timeout:g} s"
            if stopped:
                proc.kill()
                proc.wait()
                break
            time.sleep(0.2)
        out.seek(0)
        err.seek(0)
        text, error = out.read().decode(), err.read().decode()
    if stopped or proc.returncode:
        reason = stopped or f"failed: {error.strip().splitlines()[-1] if error.strip() else '?'}"
        return {
            "step": step,
            "side": side,
            "note": reason,
            "wall_s": time.perf_counter() - t0,
            "peak_mb": peak * 1024,
            "failed": True,
        }
    return json.loads(text.strip().splitlines()[-1])


def table(cache: Path) -> str:
    """The Markdown table of the docs from the results file (last result per step/side)."""
    rows: dict[tuple[str, str], dict] = {}
    for line in (cache / "results.jsonl").read_text().splitlines():
        r = json.loads(line)
        rows[r["step"], r["side"]] = r
    lines = [
        "| step | side | what | wall (s) | CPU (s) | RSS before (MB) | peak RSS (MB) | load "
        "| ratio ours/anchor (CPU) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (step, side), r in rows.items():
        ratio = ""
        anchor = rows.get((step, "anchor"))
        if side == "ours" and anchor and not anchor.get("failed") and not r.get("failed"):
            cpu = anchor["cpu_s"]
            if step == "randomization" and "scaled" in anchor["note"]:
                iterations = int(anchor["note"].split(",")[1].split()[0])
                cpu = cpu * 999 / iterations
            ratio = f"{r['cpu_s'] / cpu:.2f}"

        def fmt(key: str, digits: int = 1, r=r) -> str:
            return f"{r[key]:,.{digits}f}" if key in r else ""

        lines.append(
            f"| {step} | {side} | {r['note']} | {fmt('wall_s')} | {fmt('cpu_s')} | "
            f"{fmt('rss_before_mb', 0)} | {fmt('peak_mb', 0)} | {fmt('load')} | {ratio} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=1_000_000)
    parser.add_argument("--steps", nargs="+", default=STEPS, choices=STEPS)
    parser.add_argument("--sides", nargs="+", default=None, help="e.g. ours anchor")
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "sozplan-million"
    )
    parser.add_argument("--max-gb", type=float, default=8.0)
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--pysal-iterations", type=int, default=19)
    parser.add_argument("--table", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("STEP", "SIDE"))
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.cache, args.blocks, args.pysal_iterations)
        return
    if args.table:
        print(table(args.cache))
        return
    args.cache.mkdir(parents=True, exist_ok=True)
    for step in args.steps:
        if step != "city" and not (args.cache / "blocks.pkl").exists():
            raise SystemExit("run --steps city first (it writes the blocks into --cache)")
        for side in SIDES[step]:
            if args.sides and side not in args.sides:
                continue
            result = run_child(args, step, side)
            result["blocks"] = args.blocks
            result["cpus"] = os.cpu_count()
            with (args.cache / "results.jsonl").open("a") as f:
                f.write(json.dumps(result) + "\n")
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
