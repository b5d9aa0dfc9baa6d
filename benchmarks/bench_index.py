"""Benchmark of sozplan.index: uncertainty analysis and the status/dynamics procedure.

Prints a table of median wall time and peak traced memory (tracemalloc) over several
runs, side by side with the anchors:

- ``uncertainty``: 1,000 Monte Carlo runs on 500 areas x 10 indicators (target < 5 s
  on 2 cores), against a naive loop that calls ``composite_index`` once per run
  (timed on 50 runs and scaled to 1,000);
- ``sobol_from_samples`` against SALib's ``sobol.analyze`` on the same design;
- ``status_dynamics`` on 100,000 areas (3 status + 3 dynamics indicators), against
  the same procedure written as plain pandas lines.

Run: ``python benchmarks/bench_index.py [--repeat 5]``
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
import pandas as pd

from sozplan.index import composite_index, sobol_from_samples, status_dynamics, uncertainty


def measure(fn, repeat: int) -> tuple[float, float]:
    """Median seconds of ``repeat`` calls (untraced) and peak MiB of one traced call."""
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return float(np.median(times)), peak


def _data(n: int, k: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        rng.gamma(3, 2, size=(n, k)),
        columns=[f"i{j}" for j in range(k)],
        index=pd.Index([f"{i:06d}" for i in range(n)], name="id"),
    )
    df["ew"] = rng.integers(50, 8000, n)
    return df


def _pandas_mss(df: pd.DataFrame, status, dynamics) -> pd.DataFrame:
    """The MSS procedure in plain pandas (the anchor)."""
    r = df[df["ew"] >= 300]

    def z(x):
        return (x - x.mean()) / x.std(ddof=0)

    si = z(sum(z(r[c]) for c in status))
    di = z(sum(z(r[c]) for c in dynamics))
    sc = pd.cut(
        si, [-np.inf, -1, 1, 1.5, np.inf], labels=["hoch", "mittel", "niedrig", "sehr niedrig"]
    )
    dc = pd.cut(di, [-np.inf, -1, 1, np.inf], labels=["positiv", "stabil", "negativ"])
    return pd.DataFrame({"si": si, "sc": sc, "di": di, "dc": dc}).reindex(df.index)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rows = []

    df = _data(500, 10)
    cols = [f"i{j}" for j in range(10)]
    spec = {
        "indicators": cols,
        "aggregation": {"method": "sum"},
        "restandardize": True,
        "classes": {"scheme": "sd", "cuts": [-1, 1, 1.5]},
    }
    alt = {"standardization": ["minmax", "rank"], "aggregation": ["geometric"]}
    for label, kw in [
        ("weights noise only", {}),
        ("+ 3 normalisations, 2 aggregations, cut shift", {"alternatives": alt, "cut_shift": 0.1}),
    ]:
        t, m = measure(lambda kw=kw: uncertainty(df, spec, n_draws=1000, rng=0, **kw), args.repeat)
        rows.append(("uncertainty 1,000 runs, 500 x 10", label, t, m))
    n_naive = 50

    def naive():
        rng = np.random.default_rng(0)
        for _ in range(n_naive):
            w = rng.uniform(0.75, 1.25, 10)
            composite_index(
                df,
                {
                    **spec,
                    "indicators": [
                        {"column": c, "weight": float(x)} for c, x in zip(cols, w, strict=True)
                    ],
                },
            )

    t, m = measure(naive, max(1, args.repeat // 2))
    rows.append(
        (
            "uncertainty 1,000 runs, 500 x 10",
            "anchor: loop over composite_index (x 1000/50)",
            t * 1000 / n_naive,
            m,
        )
    )

    # Sobol estimator vs SALib on the same design
    try:
        from SALib.analyze import sobol as sa
        from SALib.sample import sobol as ss

        problem = {"num_vars": 10, "names": cols, "bounds": [[0, 1]] * 10}
        X = ss.sample(problem, 4096, calc_second_order=False, seed=1)
        Y = X @ np.arange(1, 11) + np.sin(6 * X[:, 0])
        Yr = Y.reshape(-1, 12)
        t, m = measure(lambda: sobol_from_samples(Yr[:, 0], Yr[:, -1], Yr[:, 1:-1].T), args.repeat)
        rows.append(("Sobol S1+ST, d=10, N=4096", "sozplan sobol_from_samples", t, m))
        t, m = measure(
            lambda: sa.analyze(
                problem,
                Y,
                calc_second_order=False,
                num_resamples=2,
                print_to_console=False,
                seed=1,
            ),
            args.repeat,
        )
        rows.append(
            ("Sobol S1+ST, d=10, N=4096", "anchor: SALib sobol.analyze (2 resamples)", t, m)
        )
    except ImportError:  # pragma: no cover
        pass

    big = _data(100_000, 6, seed=1)
    big.columns = ["S1", "S3", "S4", "D1", "D3", "D4", "ew"]
    s_cols, d_cols = ["S1", "S3", "S4"], ["D1", "D3", "D4"]
    t, m = measure(lambda: status_dynamics(big, s_cols, d_cols, population="ew"), args.repeat)
    rows.append(("status_dynamics, 100,000 areas", "sozplan (classes, 4x3 codes, reasons)", t, m))
    t, m = measure(
        lambda: status_dynamics(big, s_cols, d_cols, population="ew").to_frame(), args.repeat
    )
    rows.append(("status_dynamics, 100,000 areas", "sozplan + to_frame()", t, m))
    t, m = measure(lambda: _pandas_mss(big, s_cols, d_cols), args.repeat)
    rows.append(
        ("status_dynamics, 100,000 areas", "anchor: plain pandas lines (no codes/reasons)", t, m)
    )

    out = pd.DataFrame(rows, columns=["task", "implementation", "median_s", "peak_MiB"])
    with pd.option_context("display.width", 140, "display.max_colwidth", 60):
        print(out.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
