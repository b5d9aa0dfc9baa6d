"""Musterstadt, a synthetic German city with planted truth, and its generator.

Real small-area data cannot ship with a library, so sozplan generates a realistic city
itself, deterministically from a seed: about 4,000 blocks (*Baublöcke*) nested in
planning areas (*Planungsräume*), district regions (*Bezirksregionen*) and 8 districts
(*Bezirke*), with counts for 2020 to 2024 whose distributions, correlations and spatial
autocorrelation are calibrated to the Berlin planning areas (see :data:`BERLIN_TARGETS`).
Known structure is planted so that methods can be checked against it (:func:`load_truth`).

Examples
--------
>>> from sozplan.datasets import load_musterstadt
>>> pr = load_musterstadt("planning_area", year=2024)
>>> pr.crs.to_epsg(), pr.index.name
(25832, 'planungsraum')
>>> int(pr["einwohner"].sum()) == int(load_musterstadt("district")["einwohner"].sum())
True
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import pandas as pd

from sozplan.checks import fail
from sozplan.datasets._dictionary import (
    AGE_BANDS,
    CITIZENSHIP_GROUPS,
    COUNT_COLUMNS,
    DATA_DICTIONARY,
    LEVELS,
)
from sozplan.datasets._files import (
    RAW_YEAR,
    add_truth,
    data_dir,
    load_level,
    read_truth,
    write_city,
)
from sozplan.datasets._funding import PLANTED as PLANTED_FINANCING
from sozplan.datasets._funding import FinancingData, read_funding, write_funding
from sozplan.datasets._generator import BERLIN_TARGETS, TYPES, City, generate_city

__all__ = [
    "AGE_BANDS",
    "BERLIN_TARGETS",
    "CITIZENSHIP_GROUPS",
    "COUNT_COLUMNS",
    "DATA_DICTIONARY",
    "LEVELS",
    "MUSTERSTADT",
    "TYPES",
    "build_musterstadt",
    "load_costs",
    "load_financing",
    "load_measures",
    "load_musterstadt",
    "load_truth",
    "make_city",
]

#: Parameters of the shipped sample city.
MUSTERSTADT: dict[str, Any] = {
    "n_blocks": 4_000,
    "seed": 2,
    "years": (2020, 2021, 2022, 2023, 2024),
}

Level = Literal["block", "planning_area", "district_region", "district"]


def _check_level(level: str, where: str) -> None:
    if level not in LEVELS:
        raise fail(where, f"`level` is {level!r}", f"use one of {', '.join(map(repr, LEVELS))}")


def load_musterstadt(
    level: Level = "block", year: int | Literal["all"] = 2024, raw: bool = False
) -> gpd.GeoDataFrame:
    """Load the synthetic sample city Musterstadt at one level of its hierarchy.

    Counts of higher levels are sums of the block counts (rates are never averaged).

    Parameters
    ----------
    level : {"block", "planning_area", "district_region", "district"}, default "block"
        Spatial level: blocks (*Baublöcke*), planning areas (*Planungsräume*), district
        regions (*Bezirksregionen*) or districts (*Bezirke*).
    year : int or "all", default 2024
        Reporting year (2020 to 2024, as of 31 December), or ``"all"`` for a long table
        indexed by (id, ``jahr``).
    raw : bool, default False
        Return the raw block table for 2024 as the statistics office delivered it, read
        with :func:`sozplan.io.read_statistik`: it contains the planted data errors listed
        in ``load_truth()["data_errors"]`` (a numerator above its denominator, a
        suppressed value, a duplicated id and a block missing from the geometry).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by the zero-padded area id (index name ``block``, ``planungsraum``,
        ``bezirksregion`` or ``bezirk``), CRS EPSG:25832. Columns: the parent ids, ``name``
        (not for blocks), ``flaeche_m2`` and the counts of :data:`DATA_DICTIONARY`.

    Examples
    --------
    >>> blocks = load_musterstadt("block")
    >>> len(blocks), blocks.index.is_unique
    (4000, True)
    >>> long = load_musterstadt("district", year="all")
    >>> long.index.names
    FrozenList(['bezirk', 'jahr'])
    """
    _check_level(level, "load_musterstadt")
    years = MUSTERSTADT["years"]
    if year != "all" and year not in years:
        raise fail(
            "load_musterstadt",
            f"`year` is {year!r}",
            f"use one of {', '.join(map(str, years))} or 'all'",
        )
    return load_level(level, year, raw)


def load_truth() -> dict[str, Any]:
    """Return the planted truth of Musterstadt (``data-samples/musterstadt/truth.json``).

    Returns
    -------
    dict
        Keys include ``hot_spots``, ``cold_spot``, ``island_block``, ``small_areas``,
        ``segregated_group``, ``platte_und_penthouse``, ``gentrifying``, ``declining``,
        ``regions``, ``types``, ``measures`` and ``data_errors``; see the README of the
        data folder for their meaning.

    Examples
    --------
    >>> truth = load_truth()
    >>> truth["segregated_group"]["column"]
    'auslaender_asyl'
    >>> sorted({e["kind"] for e in truth["data_errors"]})
    ['duplicate_id', 'missing_geometry', 'numerator_above_denominator', 'suppressed_value']
    """
    return copy.deepcopy(read_truth())


def load_measures() -> pd.DataFrame:
    """Social measures (*Maßnahmen*) of Musterstadt, one row per measure.

    Columns: ``name``, ``handlungsfeld`` (field of action), ``zielgruppe`` (target group),
    ``traeger`` (responsible body), ``beginn`` and ``ende`` (years), ``programm`` (funding
    programme) and ``gebiete`` (space-separated planning-area ids).

    Examples
    --------
    >>> m = load_measures()
    >>> m.loc["M01", "name"]
    'Quartiersmanagement'
    """
    return pd.read_csv(
        data_dir() / "massnahmen.csv", index_col="massnahme", dtype={"gebiete": str}
    )


def load_costs() -> pd.DataFrame:
    """Costs of the measures per planning area and year, in euros.

    Columns: ``massnahme``, ``planungsraum``, ``jahr``, ``eigenmittel`` (own budget),
    ``foerdermittel`` (funding programmes), ``drittmittel`` (third parties), ``programm``.

    Examples
    --------
    >>> costs = load_costs()
    >>> bool((costs[["eigenmittel", "foerdermittel", "drittmittel"]] >= 0).all().all())
    True
    """
    return pd.read_csv(data_dir() / "kosten.csv", dtype={"planungsraum": str})


def load_financing() -> FinancingData:
    """Musterstadt's funding landscape: programmes, cost plan, funding, own funds, execution.

    Five tidy tables for :mod:`sozplan.planning`'s financing level, derived from the
    measures and their costs, with three planted problems (``load_truth()["financing"]``):
    the Land programme ``LF`` ends in 2025 while measure M02 runs until 2027; the own share
    of M10 in 2025 is not budgeted; M12's personnel costs of 2023 are funded twice (ESF Plus
    and the Land programme).

    Returns
    -------
    FinancingData
        A frozen bundle with ``programmes``, ``cost_plan`` (measure, year, cost type),
        ``funding`` (measure, programme, year, cost type), ``own_funds`` (measure, year,
        product group), ``execution`` (planned, committed and paid up to September 2024)
        and ``measures`` (with ``produktgruppe``).

    Examples
    --------
    >>> from sozplan.planning import financing_plan
    >>> fin = load_financing()
    >>> plan = financing_plan(fin.cost_plan, fin.programmes, fin.funding,
    ...                       own_funds=fin.own_funds, measures=fin.measures)
    >>> sorted(set(plan.problems["problem"]) & {"programme_ended", "double_funding"})
    ['double_funding', 'programme_ended']
    """
    return read_funding(data_dir(), load_measures())


def make_city(
    n_blocks: int = 4_000,
    *,
    seed: int = 0,
    year: int | Literal["all"] = 2024,
    plant: bool = True,
) -> gpd.GeoDataFrame:
    """Generate a synthetic city of any size, like Musterstadt, as a block GeoDataFrame.

    Blocks are Voronoi cells of clustered points clipped to a city outline, split by a
    river with bridges and one island block; they nest in planning areas (about
    ``n_blocks / 16``), district regions (about ``n_blocks / 100``) and 8 districts.
    Living conditions follow four area types and a smooth spatial field; counts are drawn
    from them (binomial and multinomial) for 2020 to 2024. Levels and correlations are
    calibrated to the Berlin planning areas (:data:`BERLIN_TARGETS`).

    Parameters
    ----------
    n_blocks : int, default 4000
        Number of blocks (at least 400; up to 1,000,000 for benchmarks).
    seed : int, default 0
        Seed of the generator; the same seed gives the same city.
    year : int or "all", default 2024
        Year of the counts, or ``"all"`` for a long table indexed by (``block``, ``jahr``).
    plant : bool, default True
        Plant the known structures of Musterstadt (hot spots, segregated group, ...).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by block id; columns as :func:`load_musterstadt` at level ``"block"``.

    Examples
    --------
    >>> city = make_city(500, seed=1)
    >>> len(city), city.crs.to_epsg()
    (500, 25832)
    >>> bool((city["einwohner"] == city[list(AGE_BANDS)].sum(axis=1)).all())
    True
    """
    if not isinstance(n_blocks, int) or n_blocks < 400:
        raise fail("make_city", f"`n_blocks` is {n_blocks!r}", "pass an integer of at least 400")
    city = generate_city(n_blocks, seed=seed, plant=plant)
    return _block_frame(city, year)


def _block_frame(city: City, year: int | str) -> gpd.GeoDataFrame:
    counts = city.counts if year == "all" else city.counts.xs(year, level="jahr")
    static = city.blocks
    data = counts.join(static, on="block") if year == "all" else static.join(counts)
    cols = [
        "planungsraum",
        "bezirksregion",
        "bezirk",
        "flaeche_m2",
        *[c for c in COUNT_COLUMNS if c != "flaeche_m2"],
        "geometry",
    ]
    return gpd.GeoDataFrame(data[cols], geometry="geometry", crs=static.crs)


def build_musterstadt(folder: str | Path | None = None) -> list[Path]:
    """Regenerate the shipped Musterstadt files (deterministic; used by the maintainers).

    Parameters
    ----------
    folder : path, optional
        Target folder; defaults to the shipped data folder.

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     written = sorted(path.name for path in build_musterstadt(folder))
    >>> {"musterstadt.gpkg", "bloecke_zeitreihe.csv", "foerderprogramme.csv"} <= set(written)
    True
    """
    city = generate_city(
        MUSTERSTADT["n_blocks"], seed=MUSTERSTADT["seed"], years=MUSTERSTADT["years"]
    )
    folder = Path(folder or data_dir())
    written = write_city(city, folder)
    measures = pd.read_csv(folder / "massnahmen.csv", dtype=str)
    measures[["beginn", "ende"]] = measures[["beginn", "ende"]].astype(int)
    costs = pd.read_csv(folder / "kosten.csv", dtype={"planungsraum": str})
    written += write_funding(folder, measures, costs)
    add_truth(folder, "financing", PLANTED_FINANCING)
    return written


def __getattr__(name: str):  # pragma: no cover - helpful message for a common typo
    raise AttributeError(f"module 'sozplan.datasets' has no attribute {name!r}")


_ = RAW_YEAR
