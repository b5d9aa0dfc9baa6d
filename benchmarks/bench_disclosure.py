"""Benchmark and worked cases of sozplan.disclosure.audit_linear and safe_precision.

Two publication settings, audited as an attacker would:

- Musterstadt (planning areas, 2024): the counts of the report's eight indicators, the
  residents and the age bands, suppressed with ``min_count`` 3 within districts (age
  bands add up to the residents); the eight rates published with one decimal (hidden
  where a count behind them is hidden or the area has fewer than 300 residents) and the
  status index (z-scores of three rates, re-standardised) with three decimals.
- Köln (86 Stadtteile, 2012, only when ``../shared/data/koeln`` exists): foreigners by
  seven regions of origin, suppressed with ``min_count`` 3 within the 9 Stadtbezirke,
  and the shares of every group per Stadtteil published with one or two decimals.

Prints what the attacker learns (determined hidden cells), the decimals that
:func:`safe_precision` chooses, and the CPU time of ``audit_linear`` next to the anchor
``audit_suppression`` (the same attack with the count relations only) on the same
suppression, medians of several runs.

Run: ``python benchmarks/bench_disclosure.py [repeats]``.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sozplan.datasets import load_musterstadt
from sozplan.disclosure import (
    PublishedIndex,
    PublishedRate,
    audit_linear,
    audit_suppression,
    safe_precision,
    suppress_small_counts,
)
from sozplan.errors import SozplanWarning
from sozplan.index import status_dynamics
from sozplan.indicators import load_catalogue, rates

KOELN = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "koeln"
HIDE = ["small_population", "suppressed", "zero_denominator", "implausible"]


def timed(func, repeats: int) -> tuple[float, object]:
    """Median CPU time of the process (robust on a shared machine) and the last result."""
    times, result = [], None
    for _ in range(repeats):
        t = time.process_time()
        result = func()
        times.append(time.process_time() - t)
    return float(np.median(times)), result


def _columns(spec) -> list[str]:
    return [c.lstrip("-") for c in (*spec.numerator, *spec.denominator)]


def musterstadt(repeats: int) -> None:
    gdf = load_musterstadt("planning_area", 2024)
    cat = load_catalogue()
    keys = [
        "sgb2_quote",
        "kinderarmut",
        "arbeitslosigkeit_sgb2",
        "altersarmut",
        "auslaenderanteil",
        "anteil_unter_18",
        "anteil_65_plus",
        "wanderungsvolumen",
    ]
    status = ["arbeitslosigkeit_sgb2", "sgb2_quote", "kinderarmut"]
    age = ["einwohner_0_5", "einwohner_6_14", "einwohner_15_17", "einwohner_18_64"]
    age.append("einwohner_65_plus")
    cols = list(dict.fromkeys(["einwohner", *age, *(c for k in keys for c in _columns(cat[k]))]))
    counts = gdf[cols].astype("int64").join(gdf[["bezirk"]])
    sup = suppress_small_counts(counts, 3, columns=cols, by="bezirk", additive={"einwohner": age})
    r = rates(gdf, [cat[k] for k in keys], min_population=300, population="einwohner")
    hide = r.status.isin(HIDE)
    sd = status_dynamics(r.value.join(gdf[["einwohner"]]), status, None, population="einwohner")
    published = [
        PublishedRate.from_spec(
            cat[k], decimals=1, hidden=sup.mask[_columns(cat[k])].any(axis=1) | hide[k]
        )
        for k in keys
    ]
    index = PublishedIndex.from_moments(
        "status_index",
        sd.moments,
        status,
        "status_sum",
        decimals=3,
        hidden=sd.status_index.isna(),
    )
    print(f"Musterstadt: {len(counts)} planning areas, {len(cols)} count columns; {sup}")
    sec_old, _ = timed(lambda: audit_suppression(sup), repeats)
    sec_new, audit = timed(lambda: audit_linear(sup, rates=published, indices=[index]), repeats)
    print(f"  rates 1 decimal, status index 3 decimals: {audit}")
    for thr in (1, 3):
        safe = safe_precision(sup, rates=published, indices=[index], threshold=thr)
        print(f"  safe_precision(threshold={thr}): {safe}")
    print(
        f"  CPU s (median of {repeats}): audit_linear {sec_new:.2f}, "
        f"anchor audit_suppression {sec_old:.2f}, ratio {sec_new / sec_old:.1f}"
    )


def koeln(repeats: int) -> None:
    if not (KOELN / "bevoelkerung.csv").exists():
        print(f"Köln: skipped, no data at {KOELN}")
        return
    raw = pd.read_csv(KOELN / "bevoelkerung.csv", dtype={"raum_id": str, "tab_id": str})
    raw = raw[(raw["jahr"] == 2012) & (raw["raum_id"].str[0] != "0")]
    residents = raw[raw["tab_id"] == "005"].groupby("raum_id")["zahl"].sum().rename("einwohner")
    origin = raw[raw["tab_id"] == "030"].pivot_table(
        index="raum_id", columns="zeile", values="zahl", aggfunc="sum"
    )
    groups = ["Afrika", "Amerika", "Asien", "Europäische Union", "Türkei", "Übriges Europa"]
    groups.append("Sonstige")
    counts = origin[groups].join(residents).fillna(0).astype("int64")
    counts["stadtbezirk"] = counts.index.str[0]
    sup = suppress_small_counts(counts, 3, columns=groups, by="stadtbezirk")
    print(f"Köln: {len(counts)} Stadtteile, {len(groups)} origin groups; {sup}")
    sec_old, _ = timed(lambda: audit_suppression(sup), repeats)
    for decimals in (1, 2):
        shares = [PublishedRate(g, g, "einwohner", decimals=decimals) for g in groups]
        sec_new, audit = timed(lambda shares=shares: audit_linear(sup, rates=shares), repeats)
        print(f"  shares with {decimals} decimal(s) beside the counts: {audit}")
        print(f"  safe_precision: {safe_precision(sup, rates=shares)}")
        hidden = [
            PublishedRate(g, g, "einwohner", decimals=decimals, hidden=sup.mask[g]) for g in groups
        ]
        n = audit_linear(sup, rates=hidden).n_determined
        print(f"  shares hidden where the count is hidden: {n} determined")
        print(
            f"  CPU s (median of {repeats}): audit_linear {sec_new:.2f}, "
            f"anchor audit_suppression {sec_old:.2f}, ratio {sec_new / sec_old:.1f}"
        )


def main(repeats: int = 3) -> None:
    warnings.simplefilter("ignore", SozplanWarning)
    musterstadt(repeats)
    koeln(repeats)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
