"""Musterstadt's demographic components: births, deaths and moves per block, year and age band.

The block stocks of ``bloecke_zeitreihe.csv`` are given (this module never changes them).
For every year ``t`` (2021 to 2024) and block, the flows from the stock at the end of
``t - 1`` to the stock at the end of ``t`` are drawn so that they add up exactly:

``P_b(t) = P_b(t-1) + geburten - sterbefaelle + aufrueckende_ein - aufrueckende_aus
+ zuzuege - fortzuege``

Births follow the fertility schedule (by single age of mother, women taken as half the
residents, ages spread evenly within a band) times a block level; deaths the life table
(Gompertz-Makeham, life expectancy 78.6 and 83.4 years, near Germany's 2019/21 values);
people ageing out of a closed band are binomial with probability (1 - out-migration rate)
over the band width (those of the oldest year who stay);
out-migrants binomial with band rates; in-migrants are whatever closes the balance (and
out-migrants are raised where the balance needs it). A new-build quarter (construction
from 2023, completions 2025 to 2027) is a planning input in ``neubau.csv``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "COMPONENTS_FILE",
    "NEW_BUILD_FILE",
    "demography_schedules",
    "generate_components",
    "write_demography",
]

COMPONENTS_FILE = "komponenten.csv"
NEW_BUILD_FILE = "neubau.csv"
MAX_AGE = 100

#: Musterstadt's age bands: (first age, first age after); the last is open.
BANDS = {
    "einwohner_0_5": (0, 6),
    "einwohner_6_14": (6, 15),
    "einwohner_15_17": (15, 18),
    "einwohner_18_64": (18, 65),
    "einwohner_65_plus": (65, None),
}
#: Out-migration rates per person and year by band (moves across the block boundary).
OUT_RATES = {
    "einwohner_0_5": 0.11,
    "einwohner_6_14": 0.07,
    "einwohner_15_17": 0.06,
    "einwohner_18_64": 0.12,
    "einwohner_65_plus": 0.04,
}
#: Gompertz-Makeham mortality mu(x) = a + b exp(c x); b fitted to e0 = 78.6 (m), 83.4 (w).
_GOMPERTZ: dict[str, float] = {
    "a": 1e-4,
    "c": 0.105,
    "b_maennlich": 1.527119e-05,
    "b_weiblich": 9.076318e-06,
    "q0": 0.0032,
}
#: Fertility: total fertility rate and a normal shape around the mean age at birth.
_FERTILITY: dict[str, Any] = {"tfr": 1.55, "mean_age": 31.5, "sd": 5.5, "ages": (15, 50)}
#: Completions of the new-build quarter (dwellings per year); construction starts 2023.
NEW_BUILD_COMPLETIONS = {2025: 150, 2026: 250, 2027: 200}


def demography_schedules() -> dict[str, pd.Series | pd.DataFrame]:
    """Life table, fertility schedule and new-build occupancy profile of Musterstadt.

    Returns
    -------
    dict
        ``survival`` (DataFrame by single age, columns ``maennlich``/``weiblich``: the
        probability of surviving one year), ``fertility`` (births per woman and year by
        age of mother), ``female_share`` (by age) and ``occupancy`` (persons per new
        dwelling by age; 2.3 in total, young families).
    """
    ages = np.arange(MAX_AGE + 1)
    g = _GOMPERTZ
    surv = {}
    for sex in ("maennlich", "weiblich"):
        q = 1 - np.exp(-(g["a"] + g[f"b_{sex}"] * np.exp(g["c"] * ages)))
        q[0] = g["q0"]
        q[-1] = 1.0
        surv[sex] = 1 - q
    survival = pd.DataFrame(surv, index=pd.Index(ages, name="alter"))
    f = _FERTILITY
    a = np.arange(*f["ages"])
    shape = np.exp(-0.5 * ((a - f["mean_age"]) / f["sd"]) ** 2)
    fertility = pd.Series(0.0, index=pd.Index(ages, name="alter"), name="fruchtbarkeit")
    fertility.loc[a] = f["tfr"] * shape / shape.sum()
    female = pd.Series(
        np.interp(ages, [0, 60, 75, 90, 100], [0.49, 0.5, 0.54, 0.66, 0.75]),
        index=pd.Index(ages, name="alter"),
        name="frauenanteil",
    )
    occ = np.zeros(MAX_AGE + 1)
    occ[0:6] = 0.065
    occ[6:10] = 0.045
    occ[10:18] = 0.02
    occ[18:25] = 0.012
    occ[25:45] = 0.06
    occ[45:65] = 0.0125
    occ[65:80] = 0.0067
    occupancy = pd.Series(occ, index=pd.Index(ages, name="alter"), name="personen_je_wohnung")
    return {
        "survival": survival,
        "fertility": fertility,
        "female_share": female,
        "occupancy": occupancy,
    }


def _band_means(schedules: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Death probability and expected births per resident, averaged within each band."""
    s = schedules["survival"]
    fs = schedules["female_share"].to_numpy()
    q = 1 - ((1 - fs) * s["maennlich"].to_numpy() + fs * s["weiblich"].to_numpy())
    fert = fs * schedules["fertility"].to_numpy()
    lx = np.concatenate([[1.0], np.cumprod(1 - q[:-1])])
    qb, fb = [], []
    for lo, u in BANDS.values():
        hi = MAX_AGE + 1 if u is None else u
        w = lx[lo:hi] if u is None else np.ones(hi - lo)
        qb.append(float(np.average(q[lo:hi], weights=w)))
        fb.append(float(np.average(fert[lo:hi], weights=w)))
    return np.array(qb), np.array(fb)


def generate_components(stocks: pd.DataFrame, *, seed: int = 21) -> pd.DataFrame:
    """Draw births, deaths and moves consistent with the block stocks (see the module text).

    Parameters
    ----------
    stocks : DataFrame
        Indexed by (``block``, ``jahr``) with the band columns of :data:`BANDS`.
    seed : int, default 21

    Returns
    -------
    DataFrame
        Indexed by (``block``, ``jahr``, ``altersgruppe``), columns ``geburten``
        (only on the youngest band), ``sterbefaelle``, ``aufrueckende_ein``,
        ``aufrueckende_aus``, ``zuzuege``, ``fortzuege``, all integers.
    """
    rng = np.random.default_rng(seed)
    cols = list(BANDS)
    qb, fb = _band_means(demography_schedules())
    widths = np.array([np.nan if u is None else u - lo for lo, u in BANDS.values()])
    out_rates = np.array([OUT_RATES[c] for c in cols])
    years = sorted(set(stocks.index.get_level_values("jahr")))
    blocks = stocks.xs(years[0], level="jahr").index
    level = rng.gamma(25.0, 1 / 25.0, size=len(blocks))  # block fertility level, mean 1, sd 0.2
    frames = []
    for y in years[1:]:
        prev = stocks.xs(y - 1, level="jahr").reindex(blocks)[cols].to_numpy().astype(np.int64)
        now = stocks.xs(y, level="jahr").reindex(blocks)[cols].to_numpy().astype(np.int64)
        births = rng.poisson(level * (prev @ fb))
        deaths = rng.binomial(prev, qb[None, :])
        alive = prev - deaths
        age_out = np.zeros_like(prev)
        closed = np.isfinite(widths)
        # residents of the band's oldest year who stay in the block move on to the next band
        # (those who move away leave from their old band); newborns stay in the youngest band
        age_out[:, closed] = rng.binomial(
            alive[:, closed], (1 - out_rates[closed]) / widths[closed]
        )
        infant_deaths = rng.binomial(births, qb[0])
        deaths[:, 0] += infant_deaths
        alive[:, 0] += births - infant_deaths
        age_in = np.zeros_like(prev)
        age_in[:, 1:] = age_out[:, :-1]
        net = now - (alive - age_out + age_in)
        avail = alive - age_out + age_in
        out = np.minimum(np.maximum(rng.binomial(prev, out_rates[None, :]), -net), avail)
        inn = out + net
        assert (inn >= 0).all()
        assert (out >= 0).all()
        idx = pd.MultiIndex.from_product(
            [blocks, [y], cols], names=["block", "jahr", "altersgruppe"]
        )
        b_col = np.zeros_like(prev)
        b_col[:, 0] = births
        frames.append(
            pd.DataFrame(
                {
                    "geburten": b_col.ravel(),
                    "sterbefaelle": deaths.ravel(),
                    "aufrueckende_ein": age_in.ravel(),
                    "aufrueckende_aus": age_out.ravel(),
                    "zuzuege": inn.ravel(),
                    "fortzuege": out.ravel(),
                },
                index=idx,
            )
        )
    return pd.concat(frames).sort_index()


def _new_build_quarter(
    stocks: pd.DataFrame, blocks_info: pd.DataFrame | None
) -> tuple[str, list[str]]:
    """Choose the quarter: six blocks of the least populated planning area with 8+ blocks."""
    last = stocks.xs(max(stocks.index.get_level_values("jahr")), level="jahr")
    pr = last.index.str[:6]
    sizes = last.groupby(pr)["einwohner"].agg(["sum", "size"])
    sizes = sizes[sizes["size"] >= 8].sort_values(["sum"], kind="stable")
    area = str(sizes.index[0])
    members = sorted(last.index[pr == area])
    return area, members[:6]


def write_demography(folder: str | Path) -> list[Path]:
    """Write ``komponenten.csv`` and ``neubau.csv`` and the ``projection`` key of ``truth.json``.

    Reads the block stocks of ``bloecke_zeitreihe.csv`` in ``folder`` (which it never
    changes). Returns the files written.
    """
    folder = Path(folder)
    stocks = (
        pd.read_csv(folder / "bloecke_zeitreihe.csv", dtype={"block": str})
        .set_index(["block", "jahr"])
        .sort_index()
    )
    comps = generate_components(stocks)
    comps.to_csv(folder / COMPONENTS_FILE)
    area, quarter = _new_build_quarter(stocks, None)
    rows = []
    for y, dwellings in NEW_BUILD_COMPLETIONS.items():
        share = np.full(len(quarter), dwellings // len(quarter))
        share[: dwellings - share.sum()] += 1
        rows += [
            {"block": b, "jahr": y, "wohnungen": int(n)}
            for b, n in zip(quarter, share, strict=False)
        ]
    new_build = pd.DataFrame(rows)
    new_build.to_csv(folder / NEW_BUILD_FILE, index=False)
    sched = demography_schedules()
    occ = sched["occupancy"]
    kita_per_dwelling = float(occ.loc[0:5].sum())
    total_dwellings = sum(NEW_BUILD_COMPLETIONS.values())
    by_year = comps.groupby("jahr").sum()
    city = stocks.groupby("jahr")[list(BANDS)].sum()
    truth_path = folder / "truth.json"
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    truth["projection"] = {
        "launch_year": 2020,
        "components_years": [int(y) for y in by_year.index],
        "bands": {c: [lo, u] for c, (lo, u) in BANDS.items()},
        "schedules": {
            "life_expectancy": {"maennlich": 78.6, "weiblich": 83.4},
            "tfr": _FERTILITY["tfr"],
            "mean_age_at_birth": _FERTILITY["mean_age"],
            "out_migration_rates": OUT_RATES,
            "block_fertility_level": "gamma, mean 1, sd 0.2",
        },
        "city_flows": {
            str(int(y)): {
                k: int(v)
                for k, v in row.items()
                if k not in ("aufrueckende_ein", "aufrueckende_aus")
            }
            for y, row in by_year.iterrows()
        },
        "city_stocks_2024": {c: int(v) for c, v in city.loc[2024].items()},
        "new_build": {
            "planungsraum": area,
            "blocks": quarter,
            "construction_start": 2023,
            "completions": {str(y): n for y, n in NEW_BUILD_COMPLETIONS.items()},
            "persons_per_dwelling": round(float(occ.sum()), 3),
            "children_0_5_per_dwelling": round(kita_per_dwelling, 3),
            "children_0_5_moving_in": round(kita_per_dwelling * total_dwellings, 1),
        },
        "expectations": [
            "a cohort-component projection launched in 2020 with rates estimated from the "
            "components of 2021-2024 lands within 1 % of the observed 2024 city total",
            "with the new-build quarter, the projected Kita demand (ages 0-5) of its planning "
            "area rises from 2025 by about children_0_5_per_dwelling x completed dwellings "
            "(less what ageing and moves take away)",
        ],
    }
    truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    readme = folder / "README.md"
    if readme.exists():
        text = readme.read_text(encoding="utf-8")
        if README_SECTION.splitlines()[0] not in text:
            readme.write_text(text.rstrip("\n") + "\n\n" + README_SECTION, encoding="utf-8")
    return [folder / COMPONENTS_FILE, folder / NEW_BUILD_FILE, truth_path]


README_SECTION = """## Demographic components and new build (`komponenten.csv`, `neubau.csv`)

- `komponenten.csv`: births, deaths and moves per block, year (2021-2024) and age band, with the
  residents ageing into and out of each band (`aufrueckende_ein`, `aufrueckende_aus`). They turn the
  stocks of `bloecke_zeitreihe.csv` into the next year's stocks exactly. Generated from the shipped
  stocks by `sozplan.datasets._demography` (synthetic life table with life expectancy 78.6/83.4
  years, total fertility 1.55, block fertility levels with sd 0.2, band out-migration rates).
- `neubau.csv`: the planted new-build quarter, construction from 2023, 600 dwellings completed
  2025-2027 in six blocks of one planning area (`truth.json`, key `projection`), with an occupancy
  profile of young families (`load_demography()["occupancy"]`): its children must appear in a
  projected Kita demand.
- `truth.json`, key `projection`: what a projection launched in 2020 should see (the 2024 city
  total within 1 %; the city flows; the new-build quarter and the children it brings).
"""
