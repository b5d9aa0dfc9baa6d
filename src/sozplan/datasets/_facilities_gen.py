"""Facilities of the synthetic city: Kitas, primary schools, youth centres, care homes.

Generated from a block table (``make_city`` or ``load_musterstadt("block")``) so that
the counts of residents stay as they are: the facilities are a new layer on top. One
planning area with high need and many children is planted **under-supplied** (no Kita
in it or within ``gap_radius`` of it), one with low need **over-supplied** (Kitas with
about twice the target places).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from sozplan.checks import check_rng
from sozplan.datasets._demography import BANDS
from sozplan.services import FACILITY_TYPES

#: Mean and range of places per facility, and the range of opening years, per type.
FACILITY_SIZES: dict[str, dict[str, Any]] = {
    "kita": {"mean": 75, "low": 20, "high": 180, "years": (1965, 2024), "prefix": "KT"},
    "grundschule": {"mean": 360, "low": 180, "high": 650, "years": (1890, 2024), "prefix": "GS"},
    "jugendzentrum": {"mean": 60, "low": 25, "high": 140, "years": (1970, 2024), "prefix": "JZ"},
    "pflegeheim": {"mean": 110, "low": 50, "high": 200, "years": (1960, 2024), "prefix": "PH"},
}
FACILITIES_FILE = "einrichtungen.csv"
#: Seed of the shipped Musterstadt facilities.
FACILITIES_SEED = 20
#: The need measure of the planted truth: children under 15 receiving SGB II per 100
#: residents under 15 (child poverty, *Kinderarmut*).
NEED = ("sgb2_unter15", ("einwohner_0_5", "einwohner_6_14"))
_NAMES = {
    "kita": "Kita",
    "grundschule": "Grundschule",
    "jugendzentrum": "Jugendfreizeiteinrichtung",
    "pflegeheim": "Pflegeheim",
}


def _band_columns(ages: tuple[int, int | None]) -> list[str]:
    """Musterstadt's age-band columns that make up the ages ``[from, to)`` of a type."""
    lo, hi = ages
    return [
        c for c, (a, b) in BANDS.items() if a >= lo and (hi is None or (b is not None and b <= hi))
    ]


def child_poverty(areas: pd.DataFrame) -> pd.Series:
    """Children under 15 receiving SGB II per 100 residents under 15 (NaN without children)."""
    num, dens = NEED
    den = areas[list(dens)].sum(axis=1)
    return (100 * areas[num] / den.where(den > 0)).rename("kinderarmut")


def make_facilities(
    blocks: gpd.GeoDataFrame,
    *,
    rng: Any = None,
    plant: bool = True,
    gap_radius: float = 1500.0,
    supply_level: float = 0.95,
    avoid: tuple[str, ...] = (),
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Generate facilities for a block table (see :func:`sozplan.datasets.make_facilities`)."""
    rng = check_rng(rng, where="make_facilities")
    pts = blocks.geometry.representative_point()
    xy = np.c_[pts.x.to_numpy(), pts.y.to_numpy()]
    pa = blocks["planungsraum"].astype(str)
    pa_table = blocks.drop(columns="geometry").groupby(pa).sum(numeric_only=True)
    truth: dict[str, Any] = {"file": FACILITIES_FILE, "types": {}}
    under = over = None
    if plant:
        need = child_poverty(pa_table)
        kids = pa_table["einwohner_0_5"]
        ok = kids >= kids.quantile(0.6)
        z = (need - need[ok].mean()) / need[ok].std(ddof=0)
        under = str(z[ok].idxmax())
        low = (kids >= kids.quantile(0.4)) & ~need.index.isin([*avoid, under]) & need.notna()
        over = str(need[low].idxmin())
    frames = []
    for kind, spec in FACILITY_SIZES.items():
        cols = _band_columns(FACILITY_TYPES[kind]["ages"])
        target = float(FACILITY_TYPES[kind]["target"])
        eligible = blocks[cols].sum(axis=1).to_numpy(dtype=float)
        total = supply_level * target / 100 * eligible.sum()
        weight = eligible**0.8
        if plant and kind == "kita":
            # no Kita in the under-supplied area or near it
            near = np.hypot(*(xy - xy[(pa == under).to_numpy()].mean(axis=0)).T)
            gap = (pa == under).to_numpy() | (near < gap_radius)
            weight = np.where(gap, 0.0, weight)
        n = max(1, round(total / spec["mean"]))
        p = weight / weight.sum()
        where = rng.choice(len(blocks), size=n, replace=n > (p > 0).sum(), p=p)
        cap = rng.gamma(6.0, spec["mean"] / 6.0, size=n)
        cap = np.clip(5 * np.round(cap / 5), spec["low"], spec["high"])
        lo, hi = spec["years"]
        years = np.minimum(hi, lo + np.floor(rng.beta(2.5, 1.4, size=n) * (hi - lo + 1))).astype(
            int
        )
        rows = pd.DataFrame(
            {
                "art": kind,
                "plaetze": cap.astype(int),
                "eroeffnung": years,
                "block": blocks.index[where].astype(str),
                "x": xy[where, 0],
                "y": xy[where, 1],
            }
        )
        if plant and kind == "kita":
            blocks_over = np.flatnonzero((pa == over).to_numpy() & (eligible > 0))
            extra_places = 2.0 * target / 100 * eligible[blocks_over].sum()
            have = rows.loc[pa.iloc[where].to_numpy() == over, "plaetze"].sum()
            n_extra = max(1, round((extra_places - have) / spec["mean"]))
            pick = rng.choice(blocks_over, size=n_extra, replace=n_extra > len(blocks_over))
            extra = pd.DataFrame(
                {
                    "art": kind,
                    "plaetze": np.full(n_extra, spec["mean"]),
                    "eroeffnung": rng.integers(2005, 2024, size=n_extra),
                    "block": blocks.index[pick].astype(str),
                    "x": xy[pick, 0],
                    "y": xy[pick, 1],
                }
            )
            rows = pd.concat([rows, extra], ignore_index=True)
        # several facilities in one block: spread them a little around the block's point
        dup = rows.duplicated("block", keep="first").to_numpy()
        if dup.any():
            jitter = rng.normal(scale=15.0, size=(int(dup.sum()), 2))
            cand = rows.loc[dup, ["x", "y"]].to_numpy() + jitter
            import shapely

            polys = blocks.geometry.loc[rows.loc[dup, "block"]].to_numpy()
            inside = shapely.contains_xy(polys, cand[:, 0], cand[:, 1])
            cand[~inside] = rows.loc[dup, ["x", "y"]].to_numpy()[~inside]
            rows.loc[dup, ["x", "y"]] = cand
        rows = rows.sort_values(["block", "eroeffnung"], kind="stable").reset_index(drop=True)
        rows.index = [f"{spec['prefix']}{i + 1:04d}" for i in range(len(rows))]
        rows["name"] = [f"{_NAMES[kind]} {i}" for i in range(1, len(rows) + 1)]
        frames.append(rows)
        truth["types"][kind] = {
            "n": len(rows),
            "places": int(rows["plaetze"].sum()),
            "population": cols,
            "target": target,
        }
    table = pd.concat(frames)
    table.index.name = "einrichtung"
    table["x"] = table["x"].round(1)
    table["y"] = table["y"].round(1)
    table = table[["art", "name", "plaetze", "eroeffnung", "block", "x", "y"]]
    gdf = gpd.GeoDataFrame(
        table, geometry=gpd.points_from_xy(table["x"], table["y"]), crs=blocks.crs
    )
    if plant:
        truth["under_supplied"] = {
            "planning_area": under,
            "type": "kita",
            "gap_radius_m": gap_radius,
            "need": "kinderarmut (sgb2_unter15 je 100 Einwohner/-innen unter 15)",
            "note": "high child poverty, many children, no Kita in the area or within "
            "gap_radius_m of its centre",
        }
        truth["over_supplied"] = {
            "planning_area": over,
            "type": "kita",
            "note": "low child poverty; Kita places about twice the target ratio",
        }
    return gdf, truth


def write_facilities(
    folder: str | Path, blocks: gpd.GeoDataFrame, *, seed: int = FACILITIES_SEED
) -> list[Path]:
    """Write ``einrichtungen.csv`` and add the key ``facilities`` to ``truth.json`` (additive).

    Planted areas of the other truths (trends, mixed area, measures) are not chosen as
    the over-supplied area, so that their stories stay apart.
    """
    import json

    folder = Path(folder)
    truth_path = folder / "truth.json"
    data = json.loads(truth_path.read_text(encoding="utf-8")) if truth_path.exists() else {}
    avoid = [
        data.get(key, {}).get("planning_area")
        for key in ("gentrifying", "declining", "platte_und_penthouse")
    ]
    for key in ("hot_spots",):
        for spot in data.get(key, []):
            avoid += spot.get("planning_areas", [])
    avoid += data.get("measures", {}).get("effect", {}).get("planning_areas", [])
    gdf, truth = make_facilities(blocks, rng=seed, avoid=tuple(a for a in avoid if a is not None))
    path = folder / FACILITIES_FILE
    gdf.drop(columns="geometry").to_csv(path, lineterminator="\n")
    truth["seed"] = seed
    data["facilities"] = truth
    truth_path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return [path, truth_path]
