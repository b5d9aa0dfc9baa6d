"""Benchmark sozplan.planning: allocation, concentration index, matched DiD.

Run:  /work/venv/bin/python benchmarks/bench_planning.py [--quick]

No PySAL/esda/spopt function does any of this, so each of our functions runs side by side
with the textbook implementation it replaces, in one run, on the same inputs:

1. ``allocate`` (need, base share, floors and caps, cents by largest remainder) vs the
   textbook iterative-capping loop (numpy-vectorised; continuous amounts, no cents), at
   234 (Musterstadt planning areas) up to 1,000,000 areas; max difference in euros;
2. ``concentration_index`` (fractional ranks, covariance form) vs the area under the
   concentration curve (sort + trapezoids);
3. ``difference_in_differences`` on Musterstadt planning areas (234 x 5 years, measure M01)
   and on synthetic panels of 4,000 and 20,000 areas x 5 years with 200 treated areas
   (optimal matching without replacement, Hungarian algorithm) vs nearest neighbours
   with replacement;
4. peak memory (tracemalloc) of ``allocate`` per area.

Prints medians of several runs and the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

from sozplan.datasets import load_measures, load_musterstadt
from sozplan.planning import (
    Matching,
    allocate,
    concentration_index,
    difference_in_differences,
)

warnings.filterwarnings("ignore")


def median_time(repeat, fn, *args, **kwargs):
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def iterative_capping(u, lo, hi, total):
    """Textbook loop: fix violators, redistribute the rest proportionally, repeat."""
    x = np.zeros_like(u)
    fixed = np.zeros(len(u), dtype=bool)
    while True:
        free = ~fixed
        rest = total - x[fixed].sum()
        x[free] = rest * u[free] / u[free].sum()
        over = free & (x > hi)
        under = free & (x < lo)
        if not over.any() and not under.any():
            return x
        if (x[over] - hi[over]).sum() >= (lo[under] - x[under]).sum():
            x[over] = hi[over]
            fixed |= over
        else:
            x[under] = lo[under]
            fixed |= under


def curve_area(y, r, w):
    o = np.argsort(r, kind="stable")
    lc = np.r_[0, np.cumsum((w * y)[o]) / np.sum(w * y)]
    p = np.r_[0, np.cumsum(w[o]) / w.sum()]
    return 1 - 2 * np.trapezoid(lc, p)


def synthetic(n, rng):
    pop = rng.integers(300, 20_000, n).astype(float)
    need = rng.gamma(2.0, 5.0, n)
    df = pd.DataFrame(
        {"einwohner": pop, "quote": need}, index=pd.Index([f"{i:07d}" for i in range(n)])
    )
    return df


def synthetic_panel(n, n_treated, rng):
    ids = [f"{i:06d}" for i in range(n)]
    level = rng.uniform(3, 30, n)
    years = np.arange(2020, 2025)
    y = level[:, None] - 0.3 * (years - 2020) + rng.normal(0, 0.8, (n, len(years)))
    y[:n_treated, 2:] -= 2.0
    idx = pd.MultiIndex.from_product([ids, years], names=["gebiet", "jahr"])
    return pd.DataFrame({"y": y.ravel(), "einwohner": 5_000}, index=idx), ids[:n_treated]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    repeat = 3 if args.quick else 5
    rng = np.random.default_rng(0)
    rows = []

    # 1. allocation
    sizes = [234, 10_000, 100_000] + ([] if args.quick else [1_000_000])
    for n in sizes:
        if n == 234:
            df = load_musterstadt("planning_area")
            df = df[df["einwohner"] > 0].assign(
                quote=lambda d: d["sgb2_leistungsberechtigte"] / d["einwohner"] * 100
            )
        else:
            df = synthetic(n, rng)
        budget = float(round(df["einwohner"].sum() * 12.34, 2))
        mean_amount = budget / len(df)
        kw = {
            "population": "einwohner",
            "base_share": 0.2,
            "floor": 0.5 * mean_amount,
            "cap": 3 * mean_amount,
        }
        t_ours, res = median_time(repeat, allocate, df, "quote", budget, **kw)
        tab = res.to_frame()
        u = tab["unconstrained"].to_numpy()
        lo, hi = tab["floor"].to_numpy(), tab["cap"].to_numpy()
        t_ref, ref = median_time(repeat, iterative_capping, u, lo, hi, budget)
        rows.append(
            {
                "task": "allocate (floors, caps, cents)",
                "n": n,
                "ours_s": t_ours,
                "reference": "iterative capping loop (no cents)",
                "reference_s": t_ref,
                "ratio": t_ours / t_ref,
                "max_diff": float(np.abs(tab["amount"].to_numpy() - ref).max()),
                "exact_sum": int(tab["amount_cents"].sum()) == round(budget * 100),
            }
        )

    # 2. concentration index
    for n in [100_000] + ([] if args.quick else [1_000_000]):
        y, r, w = rng.random(n), rng.random(n), rng.random(n) + 0.1
        t_ours, c = median_time(repeat, concentration_index, y, r, w)
        t_ref, c_ref = median_time(repeat, curve_area, y, r, w)
        rows.append(
            {
                "task": "concentration_index",
                "n": n,
                "ours_s": t_ours,
                "reference": "curve area (trapezoid)",
                "reference_s": t_ref,
                "ratio": t_ours / t_ref,
                "max_diff": abs(c - c_ref),
                "exact_sum": None,
            }
        )

    # 3. DiD
    panel = load_musterstadt("planning_area", year="all")
    measures = load_measures()
    did_kw = {"measure": "M01", "measures": measures}
    t_ours, _ = median_time(repeat, difference_in_differences, panel, "sgb2_quote", **did_kw)
    t_rep, _ = median_time(
        repeat,
        difference_in_differences,
        panel,
        "sgb2_quote",
        matching=Matching(replace=True),
        **did_kw,
    )
    rows.append(
        {
            "task": "DiD Musterstadt M01 (optimal 1:1)",
            "n": 234,
            "ours_s": t_ours,
            "reference": "same, NN with replacement",
            "reference_s": t_rep,
            "ratio": t_ours / t_rep,
            "max_diff": None,
            "exact_sum": None,
        }
    )
    for n in [4_000] + ([] if args.quick else [20_000]):
        pan, tr = synthetic_panel(n, 200, rng)
        rep = max(1, repeat - 2)
        t_ours, res = median_time(rep, difference_in_differences, pan, "y", tr, 2022)
        t_rep, _ = median_time(
            rep, difference_in_differences, pan, "y", tr, 2022, matching=Matching(replace=True)
        )
        rows.append(
            {
                "task": "DiD synthetic, 200 treated",
                "n": n,
                "ours_s": t_ours,
                "reference": "same, NN with replacement",
                "reference_s": t_rep,
                "ratio": t_ours / t_rep,
                "max_diff": abs(res.effect + 2.0),
                "exact_sum": None,
            }
        )

    # 4. memory
    n = 100_000 if args.quick else 1_000_000
    df = synthetic(n, rng)
    budget = float(round(df["einwohner"].sum() * 12.34, 2))
    tracemalloc.start()
    allocate(
        df, "quote", budget, population="einwohner", base_share=0.2, floor=1000, cap=1_000_000
    )
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    out = pd.DataFrame(rows)
    with pd.option_context(
        "display.width", 200, "display.max_columns", 20, "display.float_format", "{:.4g}".format
    ):
        print(out.to_string(index=False))
    print(
        f"\nallocate peak memory at {n:,} areas: {peak / 1e6:.1f} MB ({peak / n:.0f} bytes "
        "per area)"
    )
    print(
        "max_diff: euros (allocate, vs the continuous loop: cents rounding only), index units "
        "(concentration), |effect - true effect| (DiD)"
    )


if __name__ == "__main__":
    main()
