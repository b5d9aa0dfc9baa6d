"""The teaching data pack: small, hand-written tables to compute methods by hand.

Each table is two files in ``sozplan/datasets/teaching/``: ``<name>.csv`` (UTF-8,
comma-separated, a ``geometry`` column in WKT when the table is spatial) and
``<name>.yaml`` with its title and description in German and English, the index column,
the CRS of a spatial table and the meaning of every column. Adding a table means adding
these two files; the loader discovers them.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import pandas as pd
import yaml

from sozplan._core.text import check_language
from sozplan.checks import fail, format_values

__all__ = ["load_teaching", "teaching_tables"]

_FOLDER = "teaching"


def _files() -> dict[str, Any]:
    """Find the pack's tables: ``{name: (csv resource, yaml resource)}``."""
    folder = resources.files("sozplan.datasets").joinpath(_FOLDER)
    found = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".csv"):
            name = entry.name[: -len(".csv")]
            found[name] = (entry, folder.joinpath(f"{name}.yaml"))
    return dict(sorted(found.items()))


@functools.cache
def _meta(name: str) -> dict[str, Any]:
    meta = yaml.safe_load(_files()[name][1].read_text(encoding="utf-8"))
    return meta


def teaching_tables(*, language: str = "de") -> pd.DataFrame:
    """List the tables of the teaching data pack.

    The pack holds small invented tables, written by hand with round numbers, on which
    the course's first exercise of each topic computes a method by hand (the
    dissimilarity index, a z-score index, 2SFCA, ...) before the notebooks apply it to
    Musterstadt, Berlin or Köln.

    Parameters
    ----------
    language : {"de", "en"}
        Language of the titles.

    Returns
    -------
    pandas.DataFrame
        One row per table, indexed by name, with ``title``, ``rows``, ``columns`` and
        ``spatial`` (whether :func:`load_teaching` returns a GeoDataFrame).

    Examples
    --------
    >>> from sozplan.datasets import teaching_tables
    >>> "toystadt" in teaching_tables().index
    True
    """
    language = check_language(language, "teaching_tables")
    rows = []
    for name, (csv, _) in _files().items():
        meta = _meta(name)
        head = csv.read_text(encoding="utf-8").splitlines()
        columns = [c for c in head[0].split(",") if c != "geometry"]
        rows.append(
            {
                "name": name,
                "title": meta["title"][language],
                "rows": len(head) - 1,
                "columns": ", ".join(columns),
                "spatial": "geometry" in head[0].split(","),
            }
        )
    return pd.DataFrame(rows).set_index("name")


def load_teaching(name: str) -> pd.DataFrame:
    """Load a table of the teaching data pack.

    Parameters
    ----------
    name : str
        The table's name, one of ``teaching_tables().index`` (e.g. ``"toystadt"``, twelve
        areas in a 4 x 3 grid of 1 km squares, with ``"toystadt_kitas"`` and
        ``"toystadt_wege"`` for supply and accessibility).

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        The table on its index column; a GeoDataFrame in the table's CRS when it has
        geometry. ``attrs["title"]``, ``attrs["description"]`` and ``attrs["columns"]``
        hold the German and English texts of the table's description file.

    Raises
    ------
    sozplan.errors.InputError
        If there is no table of that name.

    Examples
    --------
    >>> from sozplan.datasets import load_teaching
    >>> toy = load_teaching("toystadt")
    >>> len(toy), int(toy["einwohner"].sum()), toy.crs.to_epsg()
    (12, 16000, 25832)
    >>> print(toy.attrs["columns"]["kinder_u6"]["de"])
    Kinder unter 6 Jahren
    """
    files = _files()
    if name not in files:
        raise fail(
            "load_teaching",
            f"there is no teaching table {name!r}",
            f"use one of {format_values(files)} (listed by teaching_tables())",
        )
    meta = _meta(name)
    with files[name][0].open("r", encoding="utf-8") as handle:
        table = pd.read_csv(handle)
    if "geometry" in table.columns:
        import geopandas as gpd  # heavy: only spatial tables need it

        table = gpd.GeoDataFrame(
            table.drop(columns="geometry"),
            geometry=gpd.GeoSeries.from_wkt(table["geometry"]),
            crs=meta.get("crs"),
        )
    if meta.get("index"):
        table = table.set_index(meta["index"])
    table.attrs = {
        "title": dict(meta["title"]),
        "description": dict(meta["description"]),
        "columns": {k: dict(v) for k, v in meta.get("columns", {}).items()},
    }
    return table
