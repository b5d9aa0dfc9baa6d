"""Writing the generated city to ``data-samples/musterstadt/`` and reading it back."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from sozplan.datasets._dictionary import LEVELS
from sozplan.datasets._generator import City
from sozplan.datasets._readme import readme_text
from sozplan.errors import InputError
from sozplan.io import read_statistik, write_statistik

#: Layer names of the GeoPackage per level.
LAYERS = {
    "block": "bloecke",
    "planning_area": "planungsraeume",
    "district_region": "bezirksregionen",
    "district": "bezirke",
}
GPKG = "musterstadt.gpkg"
COUNTS = "bloecke_zeitreihe.csv"
RAW = "bloecke_2024_roh.csv"
RAW_YEAR = 2024
MEASURES = "massnahmen.csv"
COSTS = "kosten.csv"
TRUTH = "truth.json"
_PARENTS = ["planungsraum", "bezirksregion", "bezirk"]


def data_dir() -> Path:
    """Return the folder of the shipped Musterstadt files (in the wheel or in the source tree)."""
    packaged = Path(__file__).resolve().parents[1] / "_data" / "musterstadt"
    if (packaged / TRUTH).exists():
        return packaged
    source = Path(__file__).resolve().parents[3] / "data-samples" / "musterstadt"
    return source


def add_truth(folder: str | Path, key: str, value: Any) -> None:
    """Add (or replace) one top-level key of ``truth.json`` in ``folder``, keeping the rest."""
    path = Path(folder) / TRUTH
    truth = json.loads(path.read_text(encoding="utf-8"))
    truth[key] = value
    path.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def write_city(city: City, folder: str | Path) -> list[Path]:
    """Write a generated city to ``folder`` (GeoPackage, CSV tables, raw export, truth)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    gpkg = folder / GPKG
    gpkg.unlink(missing_ok=True)
    written = [gpkg]
    blocks = city.blocks
    blocks.reset_index().to_file(gpkg, layer=LAYERS["block"], driver="GPKG", engine="pyogrio")
    for level in ("planning_area", "district_region", "district"):
        col = LEVELS[level]
        parents = _PARENTS[_PARENTS.index(col) + 1 :]
        agg = {"flaeche_m2": "sum", **dict.fromkeys(parents, "first")}
        layer = blocks.dissolve(by=col, aggfunc=agg)
        layer.insert(0, "name", city.names[col].reindex(layer.index).to_numpy())
        layer.index.name = col
        layer.reset_index().to_file(gpkg, layer=LAYERS[level], driver="GPKG", engine="pyogrio")
    extra = gpd.GeoDataFrame(
        {"name": ["Fluss", "Stadtgrenze"]},
        geometry=[city.river.intersection(city.outline.buffer(200)), city.outline],
        crs=blocks.crs,
    )
    extra.to_file(gpkg, layer="umgebung", driver="GPKG", engine="pyogrio")

    counts = city.counts.reset_index()
    counts.to_csv(folder / COUNTS, index=False, lineterminator="\n")
    written.append(folder / COUNTS)

    raw, status, errors = _raw_copy(city)
    write_statistik(
        raw,
        folder / RAW,
        status=status,
        language="de",
        header_lines=[
            "Musterstadt: Einwohner und Sozialdaten nach Baublöcken am 31.12.2024",
            "Statistikstelle Musterstadt (synthetische Daten, erzeugt von sozplan)",
        ],
        footer_lines=[
            "Zeichenerklärung: - = nichts vorhanden; . = Zahlenwert unbekannt oder geheimzuhalten",
            "Quelle: sozplan.datasets.make_city (synthetische Stadt Musterstadt)",
        ],
    )
    written.append(folder / RAW)
    city.truth["data_errors"] = errors

    if city.measures is not None and city.costs is not None:
        city.measures.to_csv(folder / MEASURES, lineterminator="\n")
        city.costs.to_csv(folder / COSTS, index=False, lineterminator="\n")
        written += [folder / MEASURES, folder / COSTS]
    (folder / TRUTH).write_text(
        json.dumps(city.truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    written.append(folder / TRUTH)
    if "hot_spots" in city.truth:
        (folder / "README.md").write_text(readme_text(city.truth), encoding="utf-8")
        written.append(folder / "README.md")
    return written


def _raw_copy(city: City) -> tuple[pd.DataFrame, pd.DataFrame, list[dict[str, Any]]]:
    """Build the 2024 block table as a statistics office delivers it, with four planted errors."""
    table = city.counts.xs(RAW_YEAR, level="jahr").copy()
    table.insert(0, "planungsraum", city.blocks["planungsraum"])
    table = table.reset_index()
    status = pd.DataFrame("ok", index=table.index, columns=table.columns)
    empty = set(city.truth.get("empty_blocks", []))
    planted = set()
    for key in ("hot_spots",):
        for spot in city.truth.get(key, []):
            planted.update(spot["blocks"])
    candidates = [b for b in table["block"] if b not in empty and b not in planted]
    rng = np.random.default_rng(city.truth.get("seed", 0) + 7)
    a, b, c = rng.choice(candidates, size=3, replace=False)
    errors: list[dict[str, Any]] = []
    # 1. a numerator above its denominator (typing error in the single-parent count)
    i = table.index[table["block"] == a][0]
    table.loc[i, "haushalte_alleinerziehend"] = table.loc[i, "haushalte_mit_kindern"] + 7
    errors.append(
        {
            "kind": "numerator_above_denominator",
            "id": str(a),
            "numerator": "haushalte_alleinerziehend",
            "denominator": "haushalte_mit_kindern",
            "level": "block",
        }
    )
    # 2. a suppressed value ('.' in the file)
    i = table.index[table["block"] == b][0]
    table.loc[i, "sgb2_unter15"] = np.nan
    status.loc[i, "sgb2_unter15"] = "suppressed"
    errors.append(
        {"kind": "suppressed_value", "id": str(b), "column": "sgb2_unter15", "level": "block"}
    )
    # 3. a duplicated id (a block delivered twice, the second time with other counts)
    i = table.index[table["block"] == c][0]
    dup = table.loc[[i]].copy()
    dup["einwohner"] += 12
    dup["einwohner_18_64"] += 12
    dup["deutsche"] += 12
    table = pd.concat([table, dup], ignore_index=True)
    status = pd.concat([status, status.loc[[i]]], ignore_index=True)
    errors.append({"kind": "duplicate_id", "id": str(c), "level": "block"})
    # 4. a block that is not in the geometry (a new building, not yet digitised)
    last = table["block"].max()
    new_id = last[:-3] + "999"
    new = table.loc[[table.index[table["block"] == last][0]]].copy()
    new["block"] = new_id
    table = pd.concat([table, new], ignore_index=True)
    status = pd.concat([status, status.iloc[[-1]]], ignore_index=True)
    errors.append({"kind": "missing_geometry", "id": new_id, "level": "block"})
    return table, status.drop(columns=["block", "planungsraum"]), errors


@functools.cache
def _read_geometry(layer: str) -> gpd.GeoDataFrame:
    path = data_dir() / GPKG
    if not path.exists():  # pragma: no cover - broken installation
        raise FileNotFoundError(
            f"Musterstadt data not found at {path}; reinstall sozplan or run `python -m sozplan.datasets`"
        )
    return gpd.read_file(path, layer=layer, engine="pyogrio")


@functools.cache
def read_truth() -> dict[str, Any]:
    """Read the planted truth (cached; callers get a deep copy from ``load_truth``)."""
    return json.loads((data_dir() / TRUTH).read_text(encoding="utf-8"))


def _load_raw(level: str, year: int | str) -> gpd.GeoDataFrame:

    if level != "block" or year != RAW_YEAR:
        raise InputError(
            f"load_musterstadt: the raw copy exists for level='block' and year={RAW_YEAR} only "
            f"(got level={level!r}, year={year!r}). Fix: call load_musterstadt('block', year={RAW_YEAR}, raw=True)."
        )
    table = read_statistik(data_dir() / RAW, key_columns=["block", "planungsraum"])
    values = table.values
    blocks = _read_geometry(LAYERS["block"])[
        ["block", "bezirksregion", "bezirk", "flaeche_m2", "geometry"]
    ]
    data = values.merge(blocks, on="block", how="left")
    gdf = gpd.GeoDataFrame(data, geometry="geometry", crs=blocks.crs).set_index("block")
    first = ["planungsraum", "bezirksregion", "bezirk", "flaeche_m2"]
    return gdf[[*first, *[c for c in gdf.columns if c not in (*first, "geometry")], "geometry"]]
