"""Benchmark sozplan.segregation against PySAL segregation 2.6, side by side in one run.

Run:  /work/venv/bin/python benchmarks/bench_segregation.py [--quick]

Data: ``sozplan.datasets.make_city`` blocks (10,000 and 100,000 units; synthetic
counts if the generator is unavailable). Measures

1. the table of all aspatial indices (two-group: group ``auslaender`` of
   ``einwohner``; multigroup: the five citizenship groups) - ours
   ``segregation_table`` vs PySAL's classes for the same indices, called in the
   loop its ``batch_compute_singlegroup``/``batch_compute_multigroup`` run (the
   batch functions themselves refuse plain DataFrames and add spatial n x n indices):
   all 10 indices of each kind, and the 9 that PySAL can compute at 100,000 units
   (its density-corrected D solves one equation per unit, its MultiGini builds n x n
   matrices); ours with ``indices=`` for the like-for-like rows;
2. a randomisation test of D with 999 iterations at 10,000 units - ours
   ``randomization_test`` (one thread, and all cores) vs PySAL ``SingleValueTest``
   (``n_jobs=1`` and ``n_jobs=-1``) under the same null, runs alternating; for
   block-sized units (the city's blocks) and for planning-area-sized units (the same
   blocks with totals drawn uniformly from 50-3,000 and the group drawn as
   ``Bin(total, block share)``, seed 1);
3. peak memory (tracemalloc) of our aspatial table per unit.

Prints medians of several runs and the ratios, and the load average at the start and
the end. ``--tests-only --one-thread`` times only the randomisation rows with one
thread on both sides (ours ``n_jobs=1`` vs PySAL ``n_jobs=1``), with our CPU time.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

import sozplan.segregation as S
from sozplan.segregation._inference import _n_threads

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
#: our names of the same indices, in the same order
OURS_TWO = [
    "dissimilarity",
    "gini",
    "entropy",
    "atkinson",
    "hutchens",
    "min_max",
    "density_corrected_dissimilarity",
    "isolation",
    "exposure",
    "correlation_ratio",
]
OURS_MULTI = [
    "multigroup_dissimilarity",
    "multigroup_gini",
    "information_theory",
    "mutual_information",
    "relative_diversity",
    "squared_coefficient_of_variation",
    "normalized_exposure",
    "simpson_concentration",
    "simpson_interaction",
    "diversity",
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


def pysal_table(
    df: pd.DataFrame, names: list[str], multi: bool, skip=(), repeats: int = 1
) -> dict[str, float]:
    """Seconds per PySAL index class (median of ``repeats`` runs, one for slow ones)."""
    import segregation.multigroup as mg
    import segregation.singlegroup as sg

    out = {}
    for name in names:
        if name in skip:
            continue
        cls = getattr(mg if multi else sg, name)
        args = (GROUPS,) if multi else ("auslaender", "einwohner")
        first = timeit(lambda cls=cls, args=args: cls(df, *args).statistic, 1)
        if first < 1.0 and repeats > 1:
            first = timeit(lambda cls=cls, args=args: cls(df, *args).statistic, repeats)
        out[name] = first
    return out


def row(label: str, ours: float, theirs: float, note: str = "") -> None:
    ratio = theirs / ours if ours > 0 else float("nan")
    print(f"{label:<52} {ours * 1e3:>10.1f} ms {theirs * 1e3:>12.1f} ms {ratio:>9.0f}x  {note}")


def main(
    quick: bool = False,
    tests_only: bool = False,
    nulls: tuple[str, ...] = ("systematic", "evenness"),
    one_thread: bool = False,
) -> None:
    sizes = [] if tests_only else [10_000] if quick else [10_000, 100_000]
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
        big = n > 20_000

        def ours(df=df, **kw):
            return timeit(lambda: S.segregation_table(df, **kw), repeats)

        two, multi = {"group": "auslaender", "population": "einwohner"}, {"groups": GROUPS}
        ours_two = ours(**two)
        ours_two9 = ours(
            **two, indices=[i for i in OURS_TWO if i != "density_corrected_dissimilarity"]
        )
        ours_multi = ours(**multi)
        ours_multi9 = ours(**multi, indices=[i for i in OURS_MULTI if i != "multigroup_gini"])
        # PySAL's DensityCorrectedDissim runs Nelder-Mead per unit (~13 ms/unit here):
        # only at 10,000 units; its MultiGini builds n x n matrices (80 GB at 100,000)
        p_two = pysal_table(
            df, PYSAL_TWO, False, ("DensityCorrectedDissim",) if big else (), repeats
        )
        p_multi = pysal_table(df, PYSAL_MULTI, True, ("MultiGini",) if big else (), repeats)
        p_two9 = sum(v for k, v in p_two.items() if k != "DensityCorrectedDissim")
        p_multi9 = sum(v for k, v in p_multi.items() if k != "MultiGini")
        if not big:
            row(f"two-group table, 10 indices, n={n:,}", ours_two, sum(p_two.values()))
        row(f"two-group table, 9 indices, n={n:,}", ours_two9, p_two9, "(without density-corr. D)")
        if not big:
            row(f"multigroup table, 10 indices, n={n:,}", ours_multi, sum(p_multi.values()))
        row(f"multigroup table, 9 indices, n={n:,}", ours_multi9, p_multi9, "(without Gini)")
        if big:
            print(
                f"{'multigroup table, 10 indices, n=' + format(n, ','):<52} "
                f"{ours_multi * 1e3:>10.1f} ms   (PySAL MultiGini: n x n matrices, infeasible)"
            )
        row(
            f"all aspatial indices (two-group + multigroup), n={n:,}",
            ours_two + ours_multi,
            sum(p_two.values()) + sum(p_multi.values()),
            "" if not big else "(ours 20; PySAL 18, without the two above)",
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

    # randomisation test: 999 iterations at 10,000 units. Runs alternate between
    # sozplan and PySAL so that load on the shared machine hits both alike.
    blocks = city(10_000, geo=True)
    pysal_repeats = 1 if quick else 3
    gen = np.random.default_rng(1)
    big = blocks.copy()
    share = (blocks["auslaender"] / blocks["einwohner"].where(blocks["einwohner"] > 0)).fillna(0)
    big["einwohner"] = gen.integers(50, 3001, len(big))
    big["auslaender"] = gen.binomial(big["einwohner"], share.clip(0, 1))
    for label, df in (("blocks", blocks), ("planning-area sized", big)):
        print(
            f"  {label}: totals {int(df['einwohner'].min())}-{int(df['einwohner'].max())}, "
            f"median {int(df['einwohner'].median())}"
        )
        randomisation_rows(df, label, repeats, pysal_repeats, nulls, one_thread)
    ours_perm = timeit(
        lambda df=blocks: S.randomization_test(
            S.dissimilarity,
            df,
            group="auslaender",
            population="einwohner",
            permutations=999,
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
        lambda df=blocks: S.randomization_test(
            S.mutual_information,
            df,
            groups=GROUPS,
            permutations=999,
            null="systematic",
            rng=0,
            progress=False,
        ),
        repeats,
    )
    print(f"{'randomisation test M (5 groups), 999 it., systematic':<52} {ours_m * 1e3:>10.1f} ms")


def randomisation_rows(
    df: pd.DataFrame,
    label: str,
    repeats: int,
    pysal_repeats: int,
    nulls: tuple[str, ...],
    one_thread: bool = False,
) -> None:
    """Rows of ours vs PySAL SingleValueTest (D, 999 iterations) on one table."""
    import segregation.singlegroup as sg
    from segregation.inference import SingleValueTest

    def ours(null: str, workers: int | None) -> None:
        S.randomization_test(
            S.dissimilarity,
            df,
            group="auslaender",
            population="einwohner",
            permutations=999,
            null=null,
            rng=0,
            progress=False,
            n_jobs=workers,
        )

    def theirs(null: str, n_jobs: int) -> None:
        with contextlib.redirect_stderr(io.StringIO()):  # PySAL's progress bar
            SingleValueTest(
                sg.Dissim(df, "auslaender", "einwohner"),
                iterations_under_null=999,
                null_approach=null,
                n_jobs=n_jobs,
            )

    ours("systematic", None)  # numba: load (or compile) the samplers once
    cores = _n_threads(None, 10**6)
    for null in nulls:
        t_one, t_all, p_one, p_all = [], [], [], []
        cpu_one = []
        for _ in range(pysal_repeats):
            c0 = time.process_time()
            t_one.append(timeit(lambda null=null: ours(null, 1), repeats))
            cpu_one.append((time.process_time() - c0) / repeats)
            p_one.append(timeit(lambda null=null: theirs(null, 1), 1))
            if not one_thread:
                t_all.append(timeit(lambda null=null: ours(null, None), repeats))
                p_all.append(timeit(lambda null=null: theirs(null, -1), 1))
        med = statistics.median
        row(
            f"randomisation test D, 999 it., {null}, {label}",
            med(t_one),
            med(p_one),
            f"(1 thread vs PySAL n_jobs=1; {pysal_repeats} PySAL runs; ours "
            f"{med(cpu_one):.2f} s CPU)",
        )
        if one_thread:
            continue
        row(
            f"randomisation test D, 999 it., {null}, {label}",
            med(t_all),
            med(p_all),
            f"({cores} threads vs PySAL n_jobs=-1)",
        )
        row(
            f"randomisation test D, 999 it., {null}, {label}",
            med(t_all),
            med(p_one),
            f"({cores} threads vs PySAL n_jobs=1)",
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 units only, 3 repeats")
    parser.add_argument(
        "--tests-only", action="store_true", help="only the randomisation tests (item 2)"
    )
    parser.add_argument("--nulls", nargs="+", default=["systematic", "evenness"])
    parser.add_argument(
        "--one-thread",
        action="store_true",
        help="randomisation tests: only the rows with one thread on both sides",
    )
    args = parser.parse_args()
    print(f"load average at the start: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    main(args.quick, args.tests_only, tuple(args.nulls), args.one_thread)
    print(f"load average at the end: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
