"""Musterstadt's funding landscape: programmes, cost plan, funding, own funds, execution.

Derived deterministically from the shipped measures (``massnahmen.csv``) and their costs
(``kosten.csv``), with three planted problems recorded in ``truth.json`` under
``"financing"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable

__all__ = ["FinancingData", "make_funding", "read_funding", "write_funding"]

FILES = {
    "programmes": "foerderprogramme.csv",
    "cost_plan": "kostenplan.csv",
    "funding": "finanzierung.csv",
    "own_funds": "eigenmittel.csv",
    "execution": "mittelabfluss.csv",
}

#: Product groups (NKF product framework) per field of action.
PRODUCT_GROUPS = {
    "Arbeit und Beschäftigung": "31",
    "Bildung": "36",
    "Familie": "36",
    "Gesundheit": "41",
    "Integration": "35",
    "Senioren": "31",
    "Wohnen und Quartier": "51",
}

#: The programmes; the names in ``massnahmen.csv`` map to the ids.
_PROGRAMMES = pd.DataFrame(
    [
        ("SZ", "Sozialer Zusammenhalt (Städtebauförderung)", "bund", 0.66, 0.33, 2020, 2030,
         "personal sach investition", ""),
        ("LF", "Landesprogramm Familie", "land", 0.8, 0.2, 2020, 2025, "personal sach",
         "Familie;Bildung;Gesundheit;Integration;Senioren;Wohnen und Quartier"),
        ("BIWAQ", "BIWAQ", "bund", 0.7, 0.1, 2022, 2028, "personal sach",
         "Arbeit und Beschäftigung;Bildung;Integration"),
        ("ESF", "ESF Plus", "eu", 0.6, 0.4, 2021, 2027, "personal sach", ""),
        ("STIFT", "Stiftung Bürgersinn", "dritte", 0.5, 0.0, 2020, 2030, "sach", ""),
    ],
    columns=["programm", "name", "ebene", "foerdersatz", "eigenanteil", "beginn", "ende",
             "kostenarten", "handlungsfelder"],
)  # fmt: skip

_LAST_OBSERVED = 2024
_REPORT_MONTH = 9
_PERSONNEL_SHARE = 0.7

#: The planted problems (also written to truth.json).
PLANTED: dict[str, dict[str, Any]] = {
    "programme_ended": {"massnahme": "M02", "programm": "LF", "jahre": [2026, 2027]},
    "own_share_unbudgeted": {"massnahme": "M10", "jahr": 2025},
    "double_funding": {"massnahme": "M12", "programme": ["ESF", "LF"], "jahr": 2023},
}


@immutable
@dataclass(frozen=True)
class FinancingData:
    """Musterstadt's funding landscape (see :func:`sozplan.datasets.load_financing`)."""

    programmes: pd.DataFrame
    cost_plan: pd.DataFrame
    funding: pd.DataFrame
    own_funds: pd.DataFrame
    execution: pd.DataFrame
    measures: pd.DataFrame


def _cents(x: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(x, dtype=float) * 100).astype(np.int64)


def make_funding(measures: pd.DataFrame, costs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Derive the funding tables from the measures and their observed costs."""
    rng = np.random.default_rng(20241203)
    m = measures.set_index("massnahme")
    obs = costs.assign(total=costs[["eigenmittel", "foerdermittel", "drittmittel"]].sum(axis=1))
    obs = obs.groupby(["massnahme", "jahr"])["total"].sum()
    names = dict(zip(_PROGRAMMES["name"], _PROGRAMMES["programm"], strict=True))
    progs = _PROGRAMMES.set_index("programm")
    rows = []
    for mid, r in m.iterrows():
        seen = obs.loc[mid]
        last_year, last = int(seen.index.max()), float(seen.iloc[-1])
        for y in range(int(r["beginn"]), int(r["ende"]) + 1):
            total = float(seen.get(y, last * 1.02 ** (y - last_year)))
            cents = round(total * 100)
            pers = round(cents * _PERSONNEL_SHARE)
            rows += [(mid, y, "personal", pers), (mid, y, "sach", cents - pers)]
    plan = pd.DataFrame(rows, columns=["massnahme", "jahr", "kostenart", "cent"])
    fund_rows = []
    for mid, y, kind, cents in plan.itertuples(index=False):
        pid = names.get(m.at[mid, "programm"])
        if pid is None:
            continue
        p = progs.loc[pid]
        if p["beginn"] <= y <= p["ende"] and kind in p["kostenarten"].split():
            fund_rows.append((mid, pid, y, kind, int(np.floor(p["foerdersatz"] * cents))))
    funding = pd.DataFrame(
        fund_rows, columns=["massnahme", "programm", "jahr", "kostenart", "cent"]
    )
    # own funds budgeted: the own share as planned when the measure was set up (the Land
    # programme was then expected to continue); planted: nothing budgeted for M10 in 2025
    my_cost = plan.groupby(["massnahme", "jahr"])["cent"].sum()
    my_fund = funding.groupby(["massnahme", "jahr"])["cent"].sum().reindex(my_cost.index)
    my_fund = my_fund.fillna(0).astype(np.int64)
    ended = PLANTED["programme_ended"]
    for y in ended["jahre"]:
        key = (ended["massnahme"], y)
        my_fund[key] = int(np.floor(0.8 * my_cost[key]))
    own = (my_cost - my_fund).rename("cent").reset_index()
    own["produktgruppe"] = [PRODUCT_GROUPS[m.at[i, "handlungsfeld"]] for i in own["massnahme"]]
    miss = PLANTED["own_share_unbudgeted"]
    own.loc[(own.massnahme == miss["massnahme"]) & (own.jahr == miss["jahr"]), "cent"] = 0
    # planted: the Land programme also pays M12's personnel costs of 2023 (double funding)
    dbl = PLANTED["double_funding"]
    c = plan.loc[
        (plan.massnahme == dbl["massnahme"]) & (plan.jahr == dbl["jahr"])
        & (plan.kostenart == "personal"), "cent"
    ].iloc[0]  # fmt: skip
    extra = pd.DataFrame(
        [(dbl["massnahme"], "LF", dbl["jahr"], "personal", int(np.floor(0.8 * c)))],
        columns=funding.columns,
    )
    funding = pd.concat([funding, extra], ignore_index=True)
    # execution (Soll/Ist) up to the last observed year, as of September of that year
    ex = my_cost[my_cost.index.get_level_values("jahr") <= _LAST_OBSERVED].rename("soll")
    ex = ex.reset_index()
    past = ex["jahr"] < _LAST_OBSERVED
    bound = np.where(past, rng.uniform(0.9, 1.0, len(ex)), rng.uniform(0.55, 1.0, len(ex)))
    paid = np.where(past, rng.uniform(0.93, 1.0, len(ex)), rng.uniform(0.45, 0.8, len(ex)))
    ex["gebunden"] = np.floor(ex["soll"] * bound).astype(np.int64)
    ex["gezahlt"] = np.floor(ex["gebunden"] * paid).astype(np.int64)
    out = {
        "programmes": _PROGRAMMES.copy(),
        "cost_plan": plan,
        "funding": funding,
        "own_funds": own[["massnahme", "jahr", "produktgruppe", "cent"]],
        "execution": ex,
    }
    for table in ("cost_plan", "funding", "own_funds"):
        out[table] = out[table].assign(betrag=out[table]["cent"] / 100).drop(columns="cent")
    for col in ("soll", "gebunden", "gezahlt"):
        out["execution"][col] = out["execution"][col] / 100
    return out


def write_funding(folder: str | Path, measures: pd.DataFrame, costs: pd.DataFrame) -> list[Path]:
    """Write the funding tables as CSV files into ``folder``."""
    folder = Path(folder)
    written = []
    for key, table in make_funding(measures, costs).items():
        path = folder / FILES[key]
        table.to_csv(path, index=False, float_format="%.2f")
        written.append(path)
    return written


def read_funding(folder: str | Path, measures: pd.DataFrame) -> FinancingData:
    """Read the funding tables written by :func:`write_funding`."""
    folder = Path(folder)
    dtypes = {"massnahme": str, "programm": str, "produktgruppe": str, "kostenart": str}
    t = {k: pd.read_csv(folder / f, dtype=dtypes) for k, f in FILES.items()}
    own = t["own_funds"]
    pg = own.drop_duplicates("massnahme").set_index("massnahme")["produktgruppe"]
    ids = measures["massnahme"] if "massnahme" in measures.columns else measures.index
    meas = measures.assign(produktgruppe=ids.map(pg).to_numpy())
    return FinancingData(t["programmes"], t["cost_plan"], t["funding"], own, t["execution"], meas)
