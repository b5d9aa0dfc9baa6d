"""Benchmark of sozplan.projection (issue 21).

1. Cohort-component projection of 100,000 blocks x 20 years in single years of age
   (5 input bands, out- and in-migration, fertility and mortality levels per block,
   new build in 1 % of the blocks, a city-level control): time (median of runs) and peak
   memory (tracemalloc peak of Python allocations, and the process's maximum RSS).
2. Hamilton-Perry for 100,000 blocks, 5-year bands, 20 years (4 steps).
3. Side by side on 1,000 blocks: the vectorised cohort-component kernel against the same
   recurrence written as a loop over areas (the anchor, what an Excel-to-Python port does);
   the ratio is the speed-up of vectorising over areas.

Run: /work/venv/bin/python benchmarks/bench_projection.py [--quick]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # shared machine: no spinning OpenMP threads

import argparse
import resource
import statistics
import time
import tracemalloc

import numpy as np
import pandas as pd

from sozplan.datasets import load_demography
from sozplan.projection import AgeBands, cohort_component, hamilton_perry

BANDS = AgeBands.parse(
    ["einwohner_0_5", "einwohner_6_14", "einwohner_15_17", "einwohner_18_64", "einwohner_65_plus"]
)
SHARES = np.array([0.068, 0.09, 0.03, 0.68, 0.132])


def synthetic(n: int, rng: np.random.Generator) -> dict:
    """Blocks with Musterstadt-like age shares and sizes, and per-block rates."""
    areas = pd.Index([f"{i:07d}" for i in range(n)], name="block")
    size = rng.lognormal(5.5, 0.9, n)
    shares = rng.dirichlet(SHARES * 200, n)
    stocks = pd.DataFrame(np.round(size[:, None] * shares), index=areas, columns=BANDS.columns)
    out = pd.DataFrame(
        np.clip(rng.normal([0.11, 0.07, 0.06, 0.12, 0.04], 0.02, (n, 5)), 0, 1),
        index=areas,
        columns=BANDS.columns,
    )
    inn = stocks * out.to_numpy() * rng.uniform(0.9, 1.1, (n, 1))
    nb_areas = areas[rng.choice(n, n // 100, replace=False)]
    new_build = pd.DataFrame(
        {"gebiet": nb_areas, "jahr": rng.integers(2025, 2035, len(nb_areas)), "wohnungen": 40}
    )
    return {
        "stocks": stocks,
        "out_migration": out,
        "in_migration": inn,
        "fertility_level": pd.Series(rng.gamma(25, 1 / 25, n), index=areas),
        "mortality_level": pd.Series(rng.gamma(25, 1 / 25, n), index=areas),
        "new_build": new_build,
    }


def run_cc(data: dict, demo: dict, years: int, control: bool = True):
    total = float(data["stocks"].to_numpy().sum())
    ctl = (
        pd.Series({2024 + k: total * (1 + 0.002 * k) for k in range(1, years + 1)})
        if control
        else None
    )
    return cohort_component(
        data["stocks"],
        BANDS,
        launch_year=2024,
        horizon=years,
        survival=demo["survival"],
        fertility=demo["fertility"],
        female_share=demo["female_share"],
        out_migration=data["out_migration"],
        in_migration=data["in_migration"],
        fertility_level=data["fertility_level"],
        mortality_level=data["mortality_level"],
        new_build=data["new_build"],
        occupancy=demo["occupancy"],
        control=ctl,
    )


def loop_anchor(data: dict, demo: dict, years: int) -> np.ndarray:
    """The same recurrence, one area at a time (no control, no new build)."""
    from sozplan.projection._cohort import _expand, _split_launch

    n_ages = 101
    s = demo["survival"]
    fs = demo["female_share"].to_numpy()
    surv = (1 - fs) * s["maennlich"].to_numpy() + fs * s["weiblich"].to_numpy()
    fert_w = fs * demo["fertility"].to_numpy()
    pop_all = _split_launch(data["stocks"].to_numpy(float), BANDS, "uniform", surv, n_ages)
    out_all = _expand(data["out_migration"].to_numpy(), BANDS, n_ages, spread=False)
    in_all = _expand(data["in_migration"].to_numpy(), BANDS, n_ages, spread=True, surv=surv)
    result = np.empty((pop_all.shape[0], n_ages))
    for i in range(pop_all.shape[0]):
        pop = pop_all[i].copy()
        lf = data["fertility_level"].iloc[i]
        lm = data["mortality_level"].iloc[i]
        for _ in range(years):
            births = lf * float(pop @ fert_w)
            new = np.zeros(n_ages)
            for a in range(n_ages):
                stay = pop[a] * (1 - out_all[i, a])
                alive = stay * (1 - min(1.0, (1 - surv[a]) * lm))
                new[min(a + 1, n_ages - 1)] += alive
            new[0] += births * (1 - min(1.0, (1 - surv[0]) * lm))
            pop = new + in_all[i]
        result[i] = pop
    return result


def timed(fn, runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10,000 blocks, 1 run")
    args = parser.parse_args()
    n = 10_000 if args.quick else 100_000
    runs = 1 if args.quick else 3
    rng = np.random.default_rng(21)
    demo = load_demography()
    data = synthetic(n, rng)

    tracemalloc.start()
    t_cc, res = timed(lambda: run_cc(data, demo, 20), runs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    bal = res.balance().dropna()
    err = float((bal["komponenten"] - bal["veraenderung"]).abs().max())
    print(f"cohort_component: {n:,} blocks x 20 years, median of {runs}: {t_cc:.2f} s")
    print(f"  peak traced memory {peak / 2**20:,.0f} MiB, max RSS {rss:,.0f} MiB")
    print(f"  components vs change: max |difference| {err:.2e} persons")
    del res

    idx = pd.MultiIndex.from_product(
        [data["stocks"].index, [2014, 2019, 2024]], names=["block", "jahr"]
    )
    five = {f"{lo}_{lo + 4}": (lo, lo + 5) for lo in range(0, 85, 5)} | {"85_plus": (85, None)}
    base = rng.lognormal(3, 0.8, (n, len(five)))
    hp_df = pd.DataFrame(
        np.round(np.concatenate([base * g for g in (0.97, 1.0, 1.03)], axis=1).reshape(n * 3, -1)),
        index=idx,
        columns=list(five),
    )
    t_hp, hp = timed(
        lambda: hamilton_perry(hp_df, five, base_year=2019, launch_year=2024, target_year=2044),
        runs,
    )
    print(f"hamilton_perry: {n:,} blocks x 20 years (5-year bands, 4 steps): {t_hp:.2f} s")
    del hp

    small = synthetic(1_000, np.random.default_rng(5))
    small["new_build"] = small["new_build"].iloc[:0]
    t_vec, vec = timed(lambda: run_cc(small, demo, 20, control=False), 3)
    t_loop, loop = timed(lambda: loop_anchor(small, demo, 20), 1)
    same = np.abs(vec.population.xs(2044, level="jahr").sum(axis=1).to_numpy() - loop.sum(axis=1))
    print(f"  vectorised and loop agree to {same.max():.1e} persons per block")
    print(
        f"1,000 blocks x 20 years: vectorised {t_vec:.3f} s, loop over areas (anchor) "
        f"{t_loop:.2f} s, ratio {t_loop / t_vec:.0f}x"
    )


if __name__ == "__main__":
    main()
