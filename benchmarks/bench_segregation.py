"""Benchmark sozplan.segregation against PySAL segregation 2.6, side by side in one run.

Run:  /work/venv/bin/python benchmarks/bench_segregation.py [--quick]

Data: ``sozplan.datasets.make_city`` blocks (10,000 and 100,000 units; synthetic
counts if the generator is unavailable). Measures

1. the table of all aspatial indices (two-group: group ``auslaender`` of
   ``einwohner``; multigroup: the five citizenship groups) - ours
   ``segregation_table`` vs PySAL's classes for the same indices, called in the
   loop its ``batch_compute_singlegroup``/``batch_compute_multigroup`` run (the
   batch functions themselves refuse plain DataFrames and add spatial n x n indices);
2. a randomisation test of D with 999 iterations at 10,000 units - ours
   ``randomization_test`` vs PySAL ``SingleValueTest`` (``n_jobs=1``, same null);
3. peak memory (tracemalloc) of our aspatial table per unit.

Prints medians of several runs and the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

import sozplan.segregation as S

warnings.filterwarnings("ignore")

GROUPS = [
    "deutsche",
    "auslaender_eu",
    "auslaender_tuerkei",
    "auslaender_asyl",
    "auslaender_sonstige",
]
PYSAL_TWO = [
    "Dissim",
    "Gini",
    "Entropy",
    "Atkinson",
    "HutchensSqrt",
    "MinMax",
    "DensityCorrectedDissim",
    "Isolation",
    "Interaction",
    "CorrelationR",
]
PYSAL_MULTI = [
    "MultiDissim",
    "MultiGini",
    "MultiInfoTheory",
    "MultiDivergence",
    "MultiRelativeDiversity",
    "MultiSquaredCoefVar",
    "MultiNormExposure",
    "SimpsonsConcentration",
    "SimpsonsInteraction",
    "MultiDiversity",
]


def city(n: int, geo: bool = False) -> pd.DataFrame:
    try:
        from sozplan.datasets import make_city

        gdf = make_city(n_blocks=n, seed=0)
        if geo:  # PySAL's evenness simulator needs a GeoDataFrame
            return gdf[[*GROUPS, "auslaender", "einwohner", "geometry"]]
        return pd.DataFrame(gdf[[*GROUPS, "auslaender", "einwohner", "bezirk", "planungsraum"]])
    except Exception as exc:  # pragma: no cover - before the generator lands
        print(f"(make_city unavailable: {exc}; synthetic counts)")
        rng = np.random.default_rng(0)
        t = rng.integers(0, 600, n)
        shares = rng.dirichlet([8, 1, 1, 0.2, 1], n)
        counts = np.vstack([rng.multinomial(ti, s) for ti, s in zip(t, shares, strict=True)])
        df = pd.DataFrame(counts, columns=GROUPS)
        df["auslaender"] = df[GROUPS[1:]].sum(axis=1)
        df["einwohner"] = df[GROUPS].sum(axis=1)
        df["planungsraum"] = (np.arange(n) // 20).astype(str)
        df["bezirk"] = (np.arange(n) // 2000).astype(str)
        return df


def timeit(func, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def pysal_table(df: pd.DataFrame, names: list[str], multi: bool, skip=()) -> dict[str, float]:
    import segregation.multigroup as mg
    import segregation.singlegroup as sg

    out = {}
    for name in names:
        if name in skip:
            continue
        cls = getattr(mg if multi else sg, name)
        t0 = time.perf_counter()
        args = (GROUPS,) if multi else ("auslaender", "einwohner")
        _ = cls(df, *args).statistic
        out[name] = time.perf_counter() - t0
    return out


def row(label: str, ours: float, theirs: float, note: str = "") -> None:
    ratio = theirs / ours if ours > 0 else float("nan")
    print(f"{label:<52} {ours * 1e3:>10.1f} ms {theirs * 1e3:>12.1f} ms {ratio:>9.0f}x  {note}")


def main(quick: bool = False) -> None:
    sizes = [10_000] if quick else [10_000, 100_000]
    repeats = 3 if quick else 5
    print(
        f"sozplan.segregation vs PySAL segregation; python {sys.version.split()[0]}, "
        f"numpy {np.__version__}, pandas {pd.__version__}"
    )
    print(f"{'task':<52} {'sozplan':>13} {'PySAL':>15} {'ratio':>10}")
    # warm PySAL's numba Gini once so compile time is not counted
    import segregation.singlegroup as sg

    small = pd.DataFrame({"auslaender": [1, 2, 3], "einwohner": [5, 5, 5]})
    sg.Gini(small, "auslaender", "einwohner")
    for n in sizes:
        df = city(n)
        ours_two = timeit(
            lambda df=df: S.segregation_table(df, "auslaender", "einwohner"), repeats
        )
        ours_multi = timeit(lambda df=df: S.segregation_table(df, groups=GROUPS), repeats)
        big = n > 20_000
        # PySAL's DensityCorrectedDissim runs Nelder-Mead per unit (~13 ms/unit here):
        # only at 10,000 units; its MultiGini builds n x n matrices (80 GB at 100,000)
        p_two = pysal_table(
            df, PYSAL_TWO, multi=False, skip=("DensityCorrectedDissim",) if big else ()
        )
        p_multi = pysal_table(df, PYSAL_MULTI, multi=True, skip=("MultiGini",) if big else ())
        no_dc = sum(v for k, v in p_two.items() if k != "DensityCorrectedDissim")
        if not big:
            row(f"two-group table, all 10 indices, n={n:,}", ours_two, sum(p_two.values()))
        row(
            f"two-group table, n={n:,}",
            ours_two,
            no_dc,
            "(ours: all 10; PySAL: 9, without density-corrected D)",
        )
        row(
            f"multigroup table, n={n:,}",
            ours_multi,
            sum(p_multi.values()),
            "(ours: all 10; PySAL: 9, MultiGini infeasible)" if big else "(10 indices each)",
        )
        slowest = sorted(p_two.items(), key=lambda kv: -kv[1])[:3]
        print("    PySAL slowest two-group: " + ", ".join(f"{k} {v:.2f}s" for k, v in slowest))
        dec = timeit(
            lambda df=df: S.decompose_mutual_information(
                df, GROUPS, by=["bezirk", "planungsraum"]
            ),
            repeats,
        )
        loc = timeit(lambda df=df: S.local_mutual_information(df, GROUPS), repeats)
        print(
            f"    M decomposition district/planning area/block: {dec * 1e3:.1f} ms; "
            f"local M contributions: {loc * 1e3:.1f} ms (no PySAL counterpart)"
        )
        tracemalloc.start()
        S.segregation_table(df, "auslaender", "einwohner")
        S.segregation_table(df, groups=GROUPS)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"    peak memory of our tables: {peak / 1e6:.1f} MB = {peak / n:.0f} bytes per unit"
        )

    # randomisation test: 999 iterations at 10,000 units
    from segregation.inference import SingleValueTest

    df = city(10_000, geo=True)
    for null in ("systematic", "evenness"):
        ours = timeit(
            lambda df=df, null=null: S.randomization_test(
                S.dissimilarity,
                df,
                group="auslaender",
                total="einwohner",
                iterations=999,
                null=null,
                rng=0,
                progress=False,
            ),
            repeats,
        )
        t0 = time.perf_counter()
        SingleValueTest(
            sg.Dissim(df, "auslaender", "einwohner"),
            iterations_under_null=999,
            null_approach=null,
            n_jobs=1,
        )
        theirs = time.perf_counter() - t0
        row(
            f"randomisation test D, 999 it., {null}, n=10,000",
            ours,
            theirs,
            "(PySAL once, n_jobs=1)",
        )
    ours_perm = timeit(
        lambda df=df: S.randomization_test(
            S.dissimilarity,
            df,
            group="auslaender",
            total="einwohner",
            iterations=999,
            null="permutation",
            rng=0,
            progress=False,
        ),
        repeats,
    )
    print(
        f"{'randomisation test D, 999 it., permutation':<52} {ours_perm * 1e3:>10.1f} ms "
        f"{'(PySAL person_permutation explodes persons)':>30}"
    )
    ours_m = timeit(
        lambda df=df: S.randomization_test(
            S.mutual_information,
            df,
            groups=GROUPS,
            iterations=999,
            null="systematic",
            rng=0,
            progress=False,
        ),
        repeats,
    )
    print(f"{'randomisation test M (5 groups), 999 it., systematic':<52} {ours_m * 1e3:>10.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 units only, 3 repeats")
    main(parser.parse_args().quick)
