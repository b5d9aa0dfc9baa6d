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
import functools
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from sozplan.checks import check_columns, fail, format_values, is_whole, public_functions
from sozplan.city import CitySpec, load_city
from sozplan.datasets._demography import (
    COMPONENTS_FILE,
    NEW_BUILD_FILE,
    demography_schedules,
    write_demography,
)
from sozplan.datasets._dictionary import (
    AGE_BANDS,
    CITIZENSHIP_GROUPS,
    COUNT_COLUMNS,
    DATA_DICTIONARY,
    LEVELS,
)
from sozplan.datasets._facilities_gen import FACILITIES_FILE
from sozplan.datasets._facilities_gen import make_facilities as _make_facilities
from sozplan.datasets._files import (
    RAW_YEAR,
    _load_raw,
    add_truth,
    data_dir,
    read_truth,
    write_city,
)
from sozplan.datasets._funding import FILES as FUNDING_FILES
from sozplan.datasets._funding import PLANTED as PLANTED_FINANCING
from sozplan.datasets._funding import FinancingData, read_funding, write_funding
from sozplan.datasets._generator import BERLIN_TARGETS, TYPES, City, generate_city
from sozplan.datasets._grid import GRID_AGE_CLASSES, GRID_COLUMNS, generate_grid
from sozplan.datasets._rules import musterstadt_rules
from sozplan.datasets._teaching import load_teaching, teaching_tables

__all__ = [
    "AGE_BANDS",
    "BERLIN_TARGETS",
    "CITIZENSHIP_GROUPS",
    "COUNT_COLUMNS",
    "DATA_DICTIONARY",
    "GRID_AGE_CLASSES",
    "GRID_COLUMNS",
    "LEVELS",
    "MUSTERSTADT",
    "TYPES",
    "build_musterstadt",
    "load_components",
    "load_costs",
    "load_demography",
    "load_facilities",
    "load_financing",
    "load_measures",
    "load_musterstadt",
    "load_new_build",
    "load_teaching",
    "load_truth",
    "make_city",
    "make_facilities",
    "make_grid",
    "musterstadt_description",
    "musterstadt_rules",
    "teaching_tables",
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
    if raw:
        return _load_raw(level, year)
    return _load_cached(level, year).copy()


def _load_cached(level: str, year: int | str) -> gpd.GeoDataFrame:
    data = _load_all_years(level)
    if year != "all":
        data = data.xs(year, level="jahr")
    return data


@functools.cache
def _load_all_years(level: str) -> gpd.GeoDataFrame:
    data = load_city(musterstadt_description(), level=LEVELS[level]).data
    if level == "block":  # ids as read from the block table (pandas' string dtype)
        index = data.index
        data.index = index.set_levels(index.levels[0].astype("str"), level=0)
    return data


@functools.cache
def musterstadt_description() -> CitySpec:
    """Return the city description of Musterstadt (``datasets/musterstadt.yaml``).

    :func:`load_musterstadt` is :func:`sozplan.load_city` on it; it is also the model
    for describing one's own city (see :class:`sozplan.CitySpec`).

    Returns
    -------
    CitySpec

    Examples
    --------
    >>> spec = musterstadt_description()
    >>> spec.name, spec.population, [lv.key for lv in spec.levels]
    ('Musterstadt', 'einwohner', ['block', 'planungsraum', 'bezirksregion', 'bezirk'])
    >>> list(spec.roles["age_bands"])[:2]
    ['einwohner_0_5', 'einwohner_6_14']
    """
    from importlib import resources

    path = Path(str(resources.files("sozplan.datasets") / "musterstadt.yaml"))
    return CitySpec.from_yaml(path, where="musterstadt_description", base=data_dir())


def load_truth() -> dict[str, Any]:
    """Return the planted truth of Musterstadt (``data-samples/musterstadt/truth.json``).

    Returns
    -------
    dict
        Keys include ``hot_spots``, ``cold_spot``, ``island_block``, ``small_areas``,
        ``segregated_group``, ``platte_und_penthouse``, ``gentrifying``, ``declining``,
        ``regions``, ``types``, ``measures``, ``data_errors`` and ``projection`` (what a
        population projection launched in 2020 should see, and the new-build quarter); see
        the README of the data folder for their meaning.

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


def load_components() -> pd.DataFrame:
    """Births, deaths and moves of Musterstadt per block, year (2021 to 2024) and age band.

    For every block, year ``t`` and band ``b`` the flows turn the stock at the end of
    ``t - 1`` into the stock at the end of ``t`` (:func:`load_musterstadt`) exactly::

        P_b(t) = P_b(t-1) + geburten - sterbefaelle + aufrueckende_ein - aufrueckende_aus
                 + zuzuege - fortzuege

    ``aufrueckende_*`` are the residents who age into or out of the band; births are on
    the youngest band's rows. The file ``komponenten.csv`` is generated by
    :func:`sozplan.datasets._demography.generate_components` from the shipped stocks.

    Returns
    -------
    DataFrame
        Indexed by (``block``, ``jahr``, ``altersgruppe``), integer columns ``geburten``,
        ``sterbefaelle``, ``aufrueckende_ein``, ``aufrueckende_aus``, ``zuzuege``,
        ``fortzuege``.

    Examples
    --------
    >>> comp = load_components()
    >>> comp.index.names
    FrozenList(['block', 'jahr', 'altersgruppe'])
    >>> sorted(set(comp.index.get_level_values("jahr")))
    [2021, 2022, 2023, 2024]
    """
    return pd.read_csv(
        data_dir() / COMPONENTS_FILE,
        dtype={"block": str},
        index_col=["block", "jahr", "altersgruppe"],
    )


def load_new_build() -> pd.DataFrame:
    """Load the planted new-build quarter of Musterstadt: dwellings per block and year.

    Construction starts in 2023; 600 dwellings are completed from 2025 to 2027 in six
    blocks of one planning area (``load_truth()["projection"]["new_build"]``). Pass it to
    :func:`sozplan.projection.cohort_component` as ``new_build`` (renamed ``block`` to
    ``gebiet``) with the occupancy profile of :func:`load_demography`.

    Returns
    -------
    DataFrame
        Columns ``block``, ``jahr``, ``wohnungen``.

    Examples
    --------
    >>> int(load_new_build()["wohnungen"].sum())
    600
    """
    return pd.read_csv(data_dir() / NEW_BUILD_FILE, dtype={"block": str})


def load_demography() -> dict[str, Any]:
    """Life table, fertility schedule, female share and new-build occupancy of Musterstadt.

    Synthetic schedules of plausible German shape (life expectancy 78.6 and 83.4 years,
    total fertility 1.55), used to generate :func:`load_components`; for a real city use
    the life table and age-specific fertility rates of the statistical office.

    Returns
    -------
    dict
        ``survival`` (DataFrame by single age, ``maennlich``/``weiblich``), ``fertility``,
        ``female_share`` and ``occupancy`` (Series by single age).

    Examples
    --------
    >>> demo = load_demography()
    >>> round(float(demo["fertility"].sum()), 2)
    1.55
    """
    return demography_schedules()


def load_facilities() -> gpd.GeoDataFrame:
    """Social infrastructure of Musterstadt: Kitas, primary schools, youth centres, care homes.

    One row per facility (index ``einrichtung``), points in EPSG:25832. Columns: ``art``
    (``"kita"``, ``"grundschule"``, ``"jugendzentrum"``, ``"pflegeheim"``), ``name``,
    ``plaetze`` (places), ``eroeffnung`` (opening year), ``block`` (the block it lies
    in), ``x``, ``y``. One planning area with high child poverty is planted
    under-supplied with Kitas and one with low need over-supplied:
    ``load_truth()["facilities"]``.

    Examples
    --------
    >>> f = load_facilities()
    >>> f.crs.to_epsg(), sorted(f["art"].unique())
    (25832, ['grundschule', 'jugendzentrum', 'kita', 'pflegeheim'])
    >>> bool((f["plaetze"] > 0).all())
    True
    """
    table = pd.read_csv(
        data_dir() / FACILITIES_FILE, index_col="einrichtung", dtype={"block": str}
    )
    return gpd.GeoDataFrame(
        table, geometry=gpd.points_from_xy(table["x"], table["y"]), crs="EPSG:25832"
    )


def make_facilities(
    blocks: gpd.GeoDataFrame,
    *,
    rng: Any = None,
    plant: bool = True,
    return_truth: bool = False,
) -> gpd.GeoDataFrame | tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Generate Kitas, primary schools, youth centres and care homes for a synthetic city.

    The number of places per type follows the orientation values of
    :data:`sozplan.services.FACILITY_TYPES` (95 % of the target on average); facilities
    are placed in blocks with probability rising with the residents of the age band,
    with capacities drawn around typical sizes (Kita 75, primary school 360, youth
    centre 60, care home 110 places). With ``plant``, the planning area with the
    highest child poverty among those with many children gets no Kita in it or within
    1.5 km of its centre (*under-supplied*), and one with low need gets about twice
    the target places (*over-supplied*).

    Parameters
    ----------
    blocks : GeoDataFrame
        Blocks as from :func:`make_city` or :func:`load_musterstadt` (level
        ``"block"``): the age bands, ``sgb2_unter15`` and ``planungsraum``.
    rng : int or numpy.random.Generator, optional
        Seed or generator.
    plant : bool, default True
    return_truth : bool, default False
        Also return the planted truth (as in ``load_truth()["facilities"]``).

    Returns
    -------
    GeoDataFrame or (GeoDataFrame, dict)
        Columns as :func:`load_facilities`.

    Examples
    --------
    >>> city = make_city(500, seed=1)
    >>> fac, truth = make_facilities(city, rng=1, return_truth=True)
    >>> sorted(fac["art"].unique())
    ['grundschule', 'jugendzentrum', 'kita', 'pflegeheim']
    >>> truth["under_supplied"]["planning_area"] in set(city["planungsraum"])
    True
    """
    needed = ["planungsraum", *AGE_BANDS, "sgb2_unter15"]
    check_columns(blocks, needed, where="make_facilities", arg="blocks", numeric=False)
    facilities, truth = _make_facilities(blocks, rng=rng, plant=plant)
    return (facilities, truth) if return_truth else facilities


def load_financing(folder: str | Path | None = None) -> FinancingData:
    """Musterstadt's funding landscape, or a city's own, from six CSV tables.

    Five tidy tables for :mod:`sozplan.planning`'s financing level, derived from the
    measures and their costs, with three planted problems (``load_truth()["financing"]``):
    the Land programme ``LF`` ends in 2025 while measure M02 runs until 2027; the own share
    of M10 in 2025 is not budgeted; M12's personnel costs of 2023 are funded twice (ESF Plus
    and the Land programme).

    Parameters
    ----------
    folder : str or Path, optional
        A folder with a city's own tables in the same layout: ``massnahmen.csv``,
        ``foerderprogramme.csv``, ``kostenplan.csv``, ``finanzierung.csv``,
        ``eigenmittel.csv`` and ``mittelabfluss.csv``. Default: Musterstadt's.

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
    if folder is None:
        return read_funding(data_dir(), load_measures())
    folder = Path(folder)
    names = ["massnahmen.csv", *FUNDING_FILES.values()]
    missing = [n for n in names if not (folder / n).exists()]
    if missing:
        raise fail(
            "load_financing",
            f"{folder} lacks {format_values(missing)}",
            "write the six tables in the layout of load_financing() into the folder",
        )
    measures = pd.read_csv(
        folder / "massnahmen.csv", index_col="massnahme", dtype={"gebiete": str}
    )
    return read_funding(folder, measures)


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
    if not is_whole(n_blocks) or n_blocks < 400:
        raise fail("make_city", f"`n_blocks` is {n_blocks!r}", "pass an integer of at least 400")
    city = generate_city(n_blocks, seed=seed, plant=plant)
    return _block_frame(city, year)


def make_grid(
    n_cells: int = 3_100_000,
    *,
    seed: int = 0,
    n_gemeinden: int | None = None,
    n_kreise: int | None = None,
    n_laender: int | None = None,
) -> pd.DataFrame:
    """Generate a synthetic national 100 m grid in the layout of the Zensus 2022 tables.

    About 3.1 million populated cells of EPSG:3035 by default, like the Zensus 2022 grid
    of Germany, with the columns of its tables and the keys of Land, Kreis and Gemeinde.
    Settlements of Zipf-distributed size (dense cores, sparse rural fringes) are grouped
    into Kreise (the largest settlements are kreisfreie Städte) and Länder; the foreign
    share rises with urbanity and follows a smooth random field, so that it is segregated
    and spatially autocorrelated within every Kreis, and age structure differs between
    cores and the countryside. Deterministic from ``seed``; the national grid takes
    seconds. The grid is made up: nothing is downloaded, no real place is meant.

    Parameters
    ----------
    n_cells : int, default 3,100,000
        Number of populated cells (at least 1,000); small grids for tests and teaching.
    seed : int, default 0
        Seed of the generator; the same seed gives the same grid.
    n_gemeinden, n_kreise, n_laender : int, optional
        Numbers of settlements, Kreise and Länder; by default about one Gemeinde per 290
        cells, 27 Gemeinden per Kreis and up to 16 Länder (10,700, 396 and 16 for the
        national grid). Kreise or Länder left without a Gemeinde are dropped.

    Returns
    -------
    DataFrame
        Indexed by ``GITTER_ID_100m`` (INSPIRE ids such as
        ``CRS3035RES100mN2689100E4337000``), with ``x_mp_100m``, ``y_mp_100m`` (cell
        centre), ``Einwohner``, the age classes of the table "Alter in 5 Altersklassen"
        (``Unter18``, ``a18bis29``, ``a30bis49``, ``a50bis64``, ``a65undaelter``),
        ``Deutsche`` and ``Auslaender`` (counts that the Zensus publishes only as the share
        ``AnteilAuslaender``, in per cent, also given), and the categorical keys ``land``
        (``"01"``), ``kreis`` (``"01151"``; kreisfreie Städte ``"01111"``) and
        ``gemeinde`` (``"01151001"``; kreisfreie Städte ``"01111000"``).
        ``df.to_csv(path, sep=";")`` writes a table that
        :func:`sozplan.zensus.read_zensus_grid` reads.

    Examples
    --------
    >>> grid = make_grid(20_000, seed=1)
    >>> len(grid), grid.index.name, grid.index[0][:15]
    (20000, 'GITTER_ID_100m', 'CRS3035RES100mN')
    >>> bool((grid["Einwohner"] == grid[list(GRID_AGE_CLASSES)].sum(axis=1)).all())
    True
    >>> grid["kreis"].astype(str).str[:2].equals(grid["land"].astype(str))
    True
    """
    where = "make_grid"
    if isinstance(n_cells, bool) or not isinstance(n_cells, int) or n_cells < 1_000:
        raise fail(where, f"`n_cells` is {n_cells!r}", "pass an integer of at least 1,000")
    for name, value in (
        ("n_gemeinden", n_gemeinden),
        ("n_kreise", n_kreise),
        ("n_laender", n_laender),
    ):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise fail(where, f"`{name}` is {value!r}", "pass a positive integer or None")
    if n_laender is not None and n_laender > 99:
        raise fail(where, f"`n_laender` is {n_laender}", "pass at most 99 (two-digit keys)")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise fail(where, f"`seed` is {seed!r}", "pass an integer")
    return generate_grid(n_cells, int(seed), n_gemeinden, n_kreise, n_laender)


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
    >>> {"musterstadt.gpkg", "komponenten.csv", "foerderprogramme.csv"} <= set(written)
    True
    """
    city = generate_city(
        MUSTERSTADT["n_blocks"], seed=MUSTERSTADT["seed"], years=MUSTERSTADT["years"]
    )
    folder = Path(folder or data_dir())
    written = write_city(city, folder)
    written += list(write_demography(folder)[:2])
    measures = pd.read_csv(folder / "massnahmen.csv", dtype=str)
    measures[["beginn", "ende"]] = measures[["beginn", "ende"]].astype(int)
    costs = pd.read_csv(folder / "kosten.csv", dtype={"planungsraum": str})
    written += write_funding(folder, measures, costs)
    add_truth(folder, "financing", PLANTED_FINANCING)
    return written


def __getattr__(name: str):  # pragma: no cover - helpful message for a common typo
    raise AttributeError(f"module 'sozplan.datasets' has no attribute {name!r}")


_ = RAW_YEAR

public_functions(globals())
