"""Benchmark of sozplan.validation.validate and sozplan.indicators.rates.

Data: ``make_city(100_000, year="all")`` restricted to 3 years (300,000 rows), 20
indicators (the 17 of the shipped catalogue and 3 more shares). Prints medians of
several runs (CPU time of the process, robust on a shared machine) and the peak of
Python/numpy allocations (tracemalloc, one extra run), side by side with the
independent implementations the tests compare against:

- the intervals of ``rates`` against ``statsmodels.stats.proportion.proportion_confint``
  (Wilson, Clopper-Pearson) and ``statsmodels.stats.rates.confint_poisson``;
- Cronbach's alpha, KMO and Bartlett of ``validate`` against ``pingouin`` and
  ``factor_analyzer`` on the same matrix.

Run: ``python benchmarks/bench_validation.py [n_blocks] [repeats]``.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

from sozplan.datasets import LEVELS, make_city, musterstadt_rules
from sozplan.errors import SozplanWarning
from sozplan.indicators import IndicatorSpec, evaluate, load_catalog, rates
from sozplan.validation import bartlett_sphericity, cronbach_alpha, kmo, validate

EXTRA = [
    IndicatorSpec("anteil_eu", "Anteil EU-Ausländer", "EU citizens", "auslaender_eu", "einwohner"),
    IndicatorSpec(
        "anteil_tuerkei",
        "Anteil türkische Staatsangehörige",
        "Turkish citizens",
        "auslaender_tuerkei",
        "einwohner",
    ),
    IndicatorSpec(
        "anteil_unter_6", "Anteil unter 6 Jahren", "under 6", "einwohner_0_5", "einwohner"
    ),
]


def timed(func, repeats: int) -> tuple[float, object]:
    """Median CPU time of the process (robust on a shared machine) and the last result."""
    times, result = [], None
    for _ in range(repeats):
        t = time.process_time()
        result = func()
        times.append(time.process_time() - t)
    return float(np.median(times)), result


def peak_mb(func) -> float:
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main(n_blocks: int = 100_000, repeats: int = 3) -> None:
    warnings.simplefilter("ignore", SozplanWarning)
    t = time.perf_counter()
    city = make_city(n_blocks, seed=0, year="all")
    city = pd.DataFrame(city[city.index.get_level_values("jahr") >= 2022].drop(columns="geometry"))
    print(f"make_city({n_blocks:,}) -> {len(city):,} rows in {time.perf_counter() - t:.1f} s")
    specs = [*load_catalog().values(), *EXTRA]
    rows = []

    # every rule as before the rules became data: Musterstadt's rules, population, hierarchy
    kw = {
        "rules": musterstadt_rules(),
        "population": "einwohner",
        "hierarchy": [c for c in LEVELS.values() if c in city.columns],
    }
    sec, report = timed(lambda: validate(city, specs, **kw), repeats)
    mem = peak_mb(lambda: validate(city, specs, **kw))
    rows.append(("validate (all rules)", f"{len(city):,} x {len(specs)}", sec, mem, "-", np.nan))
    print(report)

    one_year = city.xs(2024, level="jahr")
    sec_r, _ = timed(lambda: rates(one_year, specs, population="einwohner"), repeats)
    mem_r = peak_mb(lambda: rates(one_year, specs, population="einwohner"))

    shares = [s for s in specs if s.kind == "share"]
    others = [s for s in specs if s.kind == "rate"]

    def statsmodels_intervals():
        from statsmodels.stats.proportion import proportion_confint
        from statsmodels.stats.rates import confint_poisson

        for s in shares:
            num, den, _ = evaluate(one_year, s)
            ok = den > 0
            proportion_confint(num[ok], den[ok], method="wilson")
        for s in others:
            num, den, _ = evaluate(one_year, s)
            ok = den > 0
            confint_poisson(num[ok], den[ok], method="exact-c")

    sec_sm, _ = timed(statsmodels_intervals, repeats)
    rows.append(
        (
            "rates (values, CIs, flags)",
            f"{len(one_year):,} x {len(specs)}",
            sec_r,
            mem_r,
            "statsmodels CIs only",
            sec_sm,
        )
    )

    x = pd.DataFrame({s.key: evaluate(one_year, s)[2] for s in specs[:5]}).dropna()

    def ours():
        cronbach_alpha(x)
        kmo(x)
        bartlett_sphericity(x)

    def reference():
        import pingouin as pg
        from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo

        pg.cronbach_alpha(x, nan_policy="listwise")
        calculate_kmo(x)
        calculate_bartlett_sphericity(x)

    sec_o, _ = timed(ours, repeats)
    sec_ref, _ = timed(reference, repeats)
    rows.append(
        (
            "alpha + KMO + Bartlett",
            f"{len(x):,} x {x.shape[1]}",
            sec_o,
            np.nan,
            "pingouin + factor_analyzer",
            sec_ref,
        )
    )

    table = pd.DataFrame(
        rows,
        columns=["step", "size", "sozplan CPU s", "peak MiB", "anchor", "anchor CPU s"],
    )
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
