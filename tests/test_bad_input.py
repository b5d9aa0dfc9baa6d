"""The bad-input catalogue: public functions on the standard bad inputs (issue 17).

Every function of the table ``CATALOGUE`` is called on a small clean fixture (a 3 x 3
grid of areas with indicator, count and class columns) after one standard damage
(NaN, inf, negative count, group > total, zero totals, missing or non-numeric column,
duplicate ids, empty frame, one row, constant column, geographic or missing CRS, an
island, a misaligned graph, bad counts of random draws). An answer is good when it is

* an :class:`~sozplan.errors.InputError` whose message starts with the called
  function's name, or
* a result with one of sozplan's own warnings or a validation report's findings (a listed
  data problem; NaN allowed, inf not), or
* a clean result: no more non-finite numbers than the call on the clean fixture returns
  (documented NaN, e.g. undefined z-values) and, where the table gives bounds, every
  number inside them.

Anything else fails: another exception, a silent NaN or inf, a share above 1. Cases a
function accepts on purpose with a non-finite result are listed in ``ACCEPTED`` with
the reason. ``NOT_IN_CATALOGUE`` lists the public functions not in the table, so
that a new public function must be added to one of the two.

Keyword names of the vocabulary (counts of draws, of clusters) are module constants below:
renaming one is a one-line change.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
import keyword as keyword_module
import pkgutil
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sozplan.errors import DataQualityWarning, InputError, SozplanWarning

geopandas = pytest.importorskip("geopandas")
shapely_geometry = pytest.importorskip("shapely.geometry")
libpysal_graph = pytest.importorskip("libpysal.graph")

# keyword names of the vocabulary (one line each if it renames them)
PERMUTATIONS = "permutations"  # permutation / randomisation tests
N_BOOTSTRAP = "n_bootstrap"  # bootstrap replicates
N_DRAWS = "n_draws"  # Monte-Carlo draws
N_CLUSTERS = "n_clusters"  # number of types or regions

IDS = [f"a{i}" for i in range(9)]


def grid(island: bool = False) -> Any:
    """3 x 3 grid of rectangles of unequal sizes; with ``island`` the last one moved away."""
    box = shapely_geometry.box
    edges = [0, 800, 1800, 3000]  # metres: the areas differ (concentration needs that)
    geoms = [
        box(edges[i % 3], edges[i // 3], edges[i % 3 + 1], edges[i // 3 + 1]) for i in range(9)
    ]
    if island:
        geoms[-1] = box(20_000, 20_000, 21_200, 21_200)
    return geopandas.GeoDataFrame(
        {
            "x": [1.0, 5.0, 2.0, 7.0, 3.0, 9.0, 4.0, 6.0, 8.0],
            "y": [2.0, 1.0, 4.0, 3.0, 6.0, 5.0, 8.0, 7.0, 9.0],
            "z": [3.0, 3.5, 1.0, 9.0, 2.0, 4.0, 5.0, 6.0, 1.5],
            "grp": [10, 25, 30, 45, 50, 20, 70, 15, 90],
            "other": [90, 75, 170, 155, 250, 380, 230, 385, 410],
            "tot": [100, 100, 200, 200, 300, 400, 300, 400, 500],
            "c": [0, 1, 0, 1, 1, 0, 1, 0, 1],
            "bz": list("aaabbbccc"),
        },
        geometry=geoms,
        crs=25832,
        index=pd.Index(IDS, name="id"),
    )


@dataclasses.dataclass(frozen=True)
class Entry:
    """How to call one public function on the fixture, and which damages apply."""

    call: Callable[[Any, dict], Any]  # (df, extra keywords) -> result
    values: tuple[str, ...] = ()  # numeric input columns (nan, inf, text, constant, missing)
    counts: tuple[str, ...] | None = None  # (group, total) count columns
    spatial: bool = False  # builds or takes a graph from the geometry
    graph: bool = False  # takes graph=
    draws: str | None = None  # keyword of a count of random draws
    draws_zero_ok: bool = False  # 0 is valid (skips the random draws)
    bounds: tuple[float, float] | None = None  # range of every number in the result
    pick: Callable[[Any], Any] | None = None  # the part of the result the bounds apply to
    min_rows: int = 2  # below this, one row must be refused (or answered cleanly)
    drop_geometry: bool = False  # pass a plain DataFrame
    base: Callable[[], Any] | None = None  # another clean fixture (a panel), else the grid


def _mod(name: str) -> Any:
    return importlib.import_module(f"sozplan.{name}")


def calling(module: str, name: str, *args: Any, **defaults: Any) -> Callable[[Any, dict], Any]:
    """``(df, kw) -> sozplan.<module>.<name>(df, *args, **defaults, **kw)``."""

    def call(df: Any, kw: dict) -> Any:
        return getattr(_mod(module), name)(df, *args, **{**defaults, **kw})

    return call


def stat(result: Any) -> Any:
    return result.statistic


def two_group(name: str, *, spatial: bool = False, **opts: Any) -> Entry:
    """A segregation index of one group against a total: (df, "grp", "tot")."""
    return Entry(
        call=lambda df, kw: getattr(_mod("segregation"), name)(df, "grp", "tot", **kw),
        counts=("grp", "tot"),
        spatial=spatial,
        pick=stat,
        drop_geometry=not spatial,
        **opts,
    )


def multigroup(
    name: str, *, pick: Callable[[Any], Any] | None = stat, bounds: Any = None, **defaults: Any
) -> Entry:
    """A segregation index over several groups: (df, ["grp", "other"])."""
    return Entry(
        call=calling("segregation", name, ["grp", "other"], **defaults),
        bounds=bounds,
        values=("grp", "other"),
        pick=pick,
        drop_geometry=True,
    )


UNIT = (0.0, 1.0)


AC = "autocorrelation"
SEG = "segregation"
PERM9 = {PERMUTATIONS: 19, "rng": 0}


def autocorrelation(name: str, *columns: str, counts: bool = False) -> Entry:
    """A statistic of spatial autocorrelation: (df, *columns, graph=, permutations=, rng=)."""
    return Entry(
        call=calling(AC, name, *columns, **PERM9),
        values=() if counts else columns,
        counts=columns if counts else None,
        spatial=True,
        graph=True,
        draws=PERMUTATIONS,
        draws_zero_ok=True,
        min_rows=3,
    )


CATALOGUE: dict[str, Entry] = {
    # autocorrelation: a numeric column (two, a rate, or classes) on a graph
    **{
        f"{AC}.{name}": autocorrelation(name, "x")
        for name in (
            "moran",
            "geary",
            "getis_ord_general",
            "local_moran",
            "local_geary",
            "local_getis_ord",
        )
    },
    **{f"{AC}.{name}": autocorrelation(name, "x", "y") for name in ("moran_bv", "local_moran_bv")},
    **{
        f"{AC}.{name}": autocorrelation(name, "grp", "tot", counts=True)
        for name in ("moran_rate", "local_moran_rate")
    },
    **{
        f"{AC}.{name}": autocorrelation(name, "c") for name in ("join_counts", "local_join_counts")
    },
    # segregation: two-group aspatial indices, all in [0, 1]
    **{
        f"{SEG}.{name}": Entry(
            call=calling(SEG, name, "grp", "tot"),
            counts=("grp", "tot"),
            bounds=(0.0, 1.0),
            pick=stat,
            drop_geometry=True,
        )
        for name in (
            "dissimilarity",
            "gini",
            "atkinson",
            "exposure",
            "isolation",
            "entropy",
            "hutchens",
            "correlation_ratio",
        )
    },
    f"{SEG}.spatial_dissimilarity": Entry(
        call=lambda df, kw: _mod(SEG).spatial_dissimilarity(df, "grp", "tot", **kw),
        counts=("grp", "tot"),
        spatial=True,
        graph=True,
        bounds=(0.0, 1.0),
        pick=stat,
    ),
    f"{SEG}.boundary_dissimilarity": Entry(
        call=lambda df, kw: _mod(SEG).boundary_dissimilarity(df, "grp", "tot", **kw),
        counts=("grp", "tot"),
        spatial=True,
        bounds=(0.0, 1.0),
        pick=stat,
    ),
    f"{SEG}.spatial_proximity": Entry(
        call=lambda df, kw: _mod(SEG).spatial_proximity(df, "grp", "tot", **kw),
        counts=("grp", "tot"),
        spatial=True,
    ),
    f"{SEG}.multigroup_dissimilarity": Entry(
        call=lambda df, kw: _mod(SEG).multigroup_dissimilarity(df, ["grp", "other"], **kw),
        values=("grp", "other"),
        bounds=(0.0, 1.0),
        pick=stat,
        drop_geometry=True,
    ),
    f"{SEG}.mutual_information": Entry(
        call=lambda df, kw: _mod(SEG).mutual_information(df, ["grp", "other"], **kw),
        values=("grp", "other"),
        pick=stat,
        bounds=(0.0, np.inf),
        drop_geometry=True,
    ),
    f"{SEG}.location_quotients": Entry(
        call=lambda df, kw: _mod(SEG).location_quotients(df, ["grp", "other"], **kw),
        values=("grp", "other"),
        bounds=(0.0, np.inf),
        drop_geometry=True,
    ),
    f"{SEG}.local_entropy": Entry(
        call=lambda df, kw: _mod(SEG).local_entropy(df, ["grp", "other"], **kw),
        values=("grp", "other"),
        bounds=(0.0, 1.0),
        drop_geometry=True,
    ),
    f"{SEG}.randomization_test": Entry(
        call=lambda df, kw: _mod(SEG).randomization_test(
            _mod(SEG).dissimilarity,
            df,
            group="grp",
            population="tot",
            **{PERMUTATIONS: 19, "rng": 0, **kw},
        ),
        counts=("grp", "tot"),
        draws=PERMUTATIONS,
        drop_geometry=True,
    ),
    f"{SEG}.bootstrap_mutual_information": Entry(
        call=lambda df, kw: _mod(SEG).bootstrap_mutual_information(
            df, ["grp", "other"], **{N_BOOTSTRAP: 5, "rng": 0, **kw}
        ),
        values=("grp", "other"),
        draws=N_BOOTSTRAP,
        drop_geometry=True,
    ),
    **{
        f"{SEG}.{n}": two_group(n, bounds=UNIT)
        for n in ("min_max", "density_corrected_dissimilarity")
    },
    **{
        f"{SEG}.{n}": two_group(n, draws=N_DRAWS)
        for n in ("bias_corrected_dissimilarity", "modified_dissimilarity", "modified_gini")
    },
    **{
        f"{SEG}.{n}": two_group(n, spatial=True, bounds=UNIT)
        for n in (
            "delta",
            "absolute_concentration",
            "distance_decay_exposure",
            "distance_decay_isolation",
        )
    },
    f"{SEG}.absolute_clustering": two_group("absolute_clustering", spatial=True),
    **{
        f"{SEG}.{n}": two_group(n, spatial=True, bounds=(-1.0, 1.0))
        for n in ("relative_concentration", "absolute_centralization", "relative_centralization")
    },
    **{
        f"{SEG}.{n}": two_group(n, spatial=True)
        for n in ("relative_clustering", "perimeter_area_dissimilarity")
    },
    **{
        f"{SEG}.{n}": multigroup(n, bounds=UNIT)
        for n in (
            "information_theory",
            "multigroup_gini",
            "normalized_exposure",
            "relative_diversity",
            "simpson_concentration",
            "simpson_interaction",
            "squared_coefficient_of_variation",
        )
    },
    f"{SEG}.diversity": multigroup("diversity", bounds=(0.0, np.inf)),
    f"{SEG}.exposure_matrix": multigroup("exposure_matrix", pick=None, bounds=UNIT),
    **{
        f"{SEG}.{n}": multigroup(n, pick=None, bounds=UNIT)
        for n in ("local_simpson_concentration", "local_simpson_interaction")
    },
    f"{SEG}.local_diversity": multigroup("local_diversity", pick=None, bounds=(0.0, np.inf)),
    f"{SEG}.local_mutual_information": multigroup("local_mutual_information", pick=None),
    **{
        f"{SEG}.{n}": Entry(
            call=calling(SEG, n, ["grp", "other"], **{N_BOOTSTRAP: 5, "rng": 0}),
            values=("grp", "other"),
            draws=N_BOOTSTRAP,
            drop_geometry=True,
        )
        for n in ("expected_mutual_information", "expected_local_mutual_information")
    },
    f"{SEG}.segregation_table": Entry(
        call=lambda df, kw: _mod(SEG).segregation_table(df, "grp", "tot", **kw),
        counts=("grp", "tot"),
        drop_geometry=True,
    ),
    # indicators
    "indicators.location_quotient": Entry(
        call=lambda df, kw: _mod("indicators").location_quotient(df, "grp", "tot", **kw),
        counts=("grp", "tot"),
        bounds=(0.0, np.inf),
        drop_geometry=True,
    ),
    "indicators.empirical_bayes": Entry(
        call=lambda df, kw: _mod("indicators").empirical_bayes(df, "grp", "tot", **kw),
        counts=("grp", "tot"),
        bounds=(0.0, 1.0),
        drop_geometry=True,
    ),
    "indicators.assuncao_reis": Entry(
        call=lambda df, kw: _mod("indicators").assuncao_reis(df, "grp", "tot", **kw),
        counts=("grp", "tot"),
        drop_geometry=True,
    ),
    "indicators.aggregate": Entry(
        call=lambda df, kw: _mod("indicators").aggregate(df, "bz", counts=["grp", "tot"], **kw),
        counts=("grp", "tot"),
        drop_geometry=True,
        min_rows=1,
    ),
    # index
    "index.impute": Entry(
        call=lambda df, kw: _mod("index").impute(df, ["x", "y"], **kw),
        values=("x", "y"),
        drop_geometry=True,
        min_rows=1,
    ),
    "index.standardize": Entry(
        call=lambda df, kw: _mod("index").standardize(df, ["x", "y"], **kw),
        values=("x", "y"),
        drop_geometry=True,
    ),
    "index.pca_weights": Entry(
        call=lambda df, kw: _mod("index").pca_weights(df, ["x", "y", "z"], **kw),
        values=("x", "y", "z"),
        drop_geometry=True,
    ),
    "index.composite_index": Entry(
        call=lambda df, kw: _mod("index").composite_index(
            df, {"indicators": ["x", "y", "z"]}, **kw
        ),
        values=("x", "y", "z"),
        drop_geometry=True,
    ),
    "index.uncertainty": Entry(
        call=lambda df, kw: _mod("index").uncertainty(
            df, {"indicators": ["x", "y", "z"]}, **{N_DRAWS: 20, "rng": 0, **kw}
        ),
        values=("x", "y", "z"),
        draws=N_DRAWS,
        drop_geometry=True,
    ),
    "index.sensitivity": Entry(
        call=lambda df, kw: _mod("index").sensitivity(
            df, {"indicators": ["x", "y", "z"]}, **{N_DRAWS: 16, "rng": 0, **kw}
        ),
        values=("x", "y", "z"),
        draws=N_DRAWS,
        drop_geometry=True,
    ),
    "index.treat_outliers": Entry(
        call=lambda df, kw: _mod("index").treat_outliers(df, ["x", "y"], **kw),
        values=("x", "y"),
        drop_geometry=True,
    ),
    "index.aggregate": Entry(
        call=lambda df, kw: _mod("index").aggregate(df, ["x", "y", "z"], **kw),
        values=("x", "y", "z"),
        drop_geometry=True,
        min_rows=1,
    ),
    "index.classify": Entry(
        call=lambda df, kw: _mod("index").classify(df.get("x"), "sd", **kw),
        values=("x",),
        drop_geometry=True,
    ),
    "regions.bimodality_coefficient": Entry(
        call=lambda df, kw: _mod("regions").bimodality_coefficient(df.get("x"), **kw),
        values=("x",),
        drop_geometry=True,
    ),
    "regions.ashman_d": Entry(
        call=lambda df, kw: _mod("regions").ashman_d(df.get("x"), **kw),
        values=("x",),
        drop_geometry=True,
    ),
    "planning.allocate": Entry(
        call=lambda df, kw: _mod("planning").allocate(df, "x", 100_000.0, **kw),
        values=("x",),
        drop_geometry=True,
        min_rows=1,
    ),
    "planning.targeting": Entry(
        call=lambda df, kw: _mod("planning").targeting(df, "y", "x", **kw),
        values=("x", "y"),
        drop_geometry=True,
    ),
    "planning.concentration_index": Entry(
        call=lambda df, kw: _mod("planning").concentration_index(df.get("y"), df.get("x"), **kw),
        values=("x", "y"),
        drop_geometry=True,
        bounds=(-1.0, 1.0),
    ),
    "services.need_supply": Entry(
        call=lambda df, kw: _mod("services").need_supply(df, "x", "y", **kw),
        values=("x", "y"),
        drop_geometry=True,
    ),
    "services.service_equity": Entry(
        call=lambda df, kw: _mod("services").service_equity(df, "y", "x", **kw),
        values=("y", "x"),
        drop_geometry=True,
    ),
    "regions.heterogeneity": Entry(
        call=calling("regions", "heterogeneity", "bz", ["x", "y"], min_blocks=3),
        values=("x", "y"),
        drop_geometry=True,
    ),
    "regions.regionalize": Entry(
        call=calling("regions", "regionalize", ["x", "y"], **{N_CLUSTERS: 2, "rng": 0}),
        values=("x", "y"),
        spatial=True,
        graph=True,
        min_rows=3,
    ),
    "regions.compare_zonings": Entry(
        call=lambda df, kw: _mod("regions").compare_zonings(
            df, {"bz": df["bz"]}, ["x", "y"], **kw
        ),
        values=("x", "y"),
        spatial=True,
        graph=True,
    ),
    f"{AC}.moran_correlogram": Entry(
        call=calling(AC, "moran_correlogram", "x", orders=2, **PERM9),
        values=("x",),
        spatial=True,
        graph=True,
        draws=PERMUTATIONS,
        draws_zero_ok=True,
        min_rows=3,
    ),
    f"{SEG}.mutual_information_within": multigroup(
        "mutual_information_within", pick=None, within="bz"
    ),
    f"{SEG}.decompose_mutual_information": multigroup(
        "decompose_mutual_information", pick=None, by="bz"
    ),
    f"{SEG}.compare_indices": Entry(
        call=lambda df, kw: _mod(SEG).compare_indices(
            _mod(SEG).dissimilarity,
            df,
            clean_base(CATALOGUE[f"{SEG}.dissimilarity"]).assign(
                grp=[5, 30, 20, 60, 40, 10, 90, 5, 80]
            ),
            group="grp",
            population="tot",
            **{PERMUTATIONS: 9, "rng": 0, **kw},
        ),
        counts=("grp", "tot"),
        draws=PERMUTATIONS,
        drop_geometry=True,
    ),
    "disclosure.suppress_small_counts": Entry(
        call=calling("disclosure", "suppress_small_counts", 3, columns=["grp", "tot"]),
        values=("grp", "tot"),
        drop_geometry=True,
        min_rows=1,
    ),
    "index.status_dynamics": Entry(
        call=calling("index", "status_dynamics", ["x", "y"]),
        values=("x", "y"),
        drop_geometry=True,
    ),
    "validation.validate": Entry(
        call=calling("validation", "validate", columns=["x", "y", "z"]),
        values=("x", "y", "z"),
        drop_geometry=True,
        min_rows=1,
    ),
    "indicators.rates": Entry(
        call=calling(
            "indicators",
            "rates",
            [
                {
                    "key": "quote",
                    "label_de": "Quote",
                    "label_en": "share",
                    "numerator": "grp",
                    "denominator": "tot",
                    "kind": "share",
                }
            ],
            population="tot",
        ),
        counts=("grp", "tot"),
        pick=lambda r: r.value,
        bounds=(0.0, 100.0),
        drop_geometry=True,
        min_rows=1,
    ),
    "index.threshold_sensitivity": Entry(
        call=lambda df, kw: _mod("index").threshold_sensitivity(df.get("x"), [3.0, 6.0], **kw),
        values=("x",),
        drop_geometry=True,
        min_rows=1,
    ),
    "index.transition_matrix": Entry(
        call=lambda df, kw: _mod("index").transition_matrix(
            df.get("c"), clean_base(CATALOGUE["index.transition_matrix"])["c"].iloc[::-1], **kw
        ),
        values=("c",),
        drop_geometry=True,
        min_rows=1,
    ),
    "graph.align_graph": Entry(
        call=lambda df, kw: _mod("graph").align_graph(
            kw.get("graph", _mod("graph").build_graph(grid())), df
        ),
        graph=True,
        spatial=True,
    ),
    "services.straight_line_costs": Entry(
        call=lambda df, kw: _mod("services").straight_line_costs(df, grid().iloc[:3], **kw),
        spatial=True,
        min_rows=1,
    ),
    "indicators.rate_ci": Entry(
        call=calling("indicators", "rate_ci", "grp", "tot"),
        counts=("grp", "tot"),
        drop_geometry=True,
        min_rows=1,
    ),
    # regions
    "regions.theil_decomposition": Entry(
        call=lambda df, kw: _mod("regions").theil_decomposition(
            df.get("x"), df.get("tot"), df.get("bz")
        ),
        values=("x",),
        counts=("grp", "tot"),
        min_rows=1,
    ),
    # validation: indicator sets (listwise deletion is a listed warning)
    **{
        f"validation.{name}": Entry(
            call=calling("validation", name, ["x", "y", "z"]),
            values=("x", "y", "z"),
            drop_geometry=True,
            min_rows=5,
        )
        for name in (
            "kmo",
            "cronbach_alpha",
            "variance_inflation",
            "bartlett_sphericity",
            "principal_components",
        )
    },
    # typology
    "typology.typology": Entry(
        call=lambda df, kw: _mod("typology").typology(
            df, ["x", "y", "z"], **{N_CLUSTERS: 2, N_BOOTSTRAP: 3, "rng": 0, **kw}
        ),
        values=("x", "y", "z"),
        draws=N_BOOTSTRAP,
        draws_zero_ok=True,
        drop_geometry=True,
        min_rows=3,
    ),
    # batch runs: the segregation table with a test for every unit of "bz"
    "batch.run_by": Entry(
        call=lambda df, kw: _mod("batch").run_by(
            df,
            "bz",
            _mod("batch").SegregationAnalysis("grp", "tot", permutations=9, tests=("gini",)),
            rng=0,
            **kw,
        ),
        counts=("grp", "tot"),
        drop_geometry=True,
        min_rows=1,
    ),
    # graph and disclosure
    "graph.build_graph": Entry(
        call=lambda df, kw: _mod("graph").build_graph(df, **kw), spatial=True
    ),
    "disclosure.check_disclosure": Entry(
        call=lambda df, kw: _mod("disclosure").check_disclosure(df, ["grp", "tot"], **kw),
        counts=("grp", "tot"),
        drop_geometry=True,
        min_rows=1,
    ),
}


# ------------------------------------------------------------------ more fixtures: panels,
# facilities, travel costs, arrays and drawings (the damage goes into the table of areas; the
# other inputs are clean)

YEARS = (2020, 2022)


def panel() -> pd.DataFrame:
    """The grid's numbers in two years, indexed (id, jahr), the year-major order."""
    flat = pd.DataFrame(grid().drop(columns="geometry"))
    later = flat.assign(x=flat["x"] * 1.1 + 0.5, y=flat["y"] * 0.9 + 1.0, grp=flat["grp"] + 3)
    return pd.concat({YEARS[0]: flat, YEARS[1]: later}, names=["jahr", "id"]).swaplevel()


def panel_long() -> pd.DataFrame:
    """The panel with the year as a column (``jahr``) and the area id as the index."""
    return panel().reset_index("jahr")


def kitas() -> Any:
    """Three facilities with places, opening years and kinds inside the grid."""
    point = shapely_geometry.Point
    return geopandas.GeoDataFrame(
        {"plaetze": [40.0, 60.0, 30.0], "art": ["kita"] * 3, "eroeffnung": [2000, 2010, 2020]},
        geometry=[point(400, 400), point(1500, 1500), point(2500, 400)],
        index=pd.Index(["a0", "a1", "a2"], name="kita"),
        crs=25832,
    )


@functools.cache
def grid_costs() -> Any:
    """Straight-line travel costs (metres) from the clean grid to the facilities."""
    return _mod("services").straight_line_costs(grid(), kitas())


def coarse() -> Any:
    """Three columns of the grid as target zones."""
    box = shapely_geometry.box
    return geopandas.GeoDataFrame(
        geometry=[box(0, 0, 800, 3000), box(800, 0, 1800, 3000), box(1800, 0, 3000, 3000)],
        index=pd.Index(["w", "m", "e"], name="zone"),
        crs=25832,
    )


def ages() -> pd.DataFrame:
    """Residents in three age bands (0-2, 3-5, 6 and older) per area."""
    flat = pd.DataFrame(grid().drop(columns="geometry"))
    return pd.DataFrame(
        {"0_2": flat["grp"], "3_5": flat["other"] // 5, "6_plus": flat["tot"]}, index=flat.index
    )


def cut_points() -> pd.DataFrame:
    """Increasing class limits, one per row (for the functions that label classes)."""
    return pd.DataFrame({"cut": np.arange(1.0, 10.0)}, index=pd.Index(IDS, name="id"))


def matrix(df: Any, columns: list[str]) -> Any:
    """The columns as a 2-d array (None when one is missing, as ``df.get`` answers)."""
    part = df.get(columns)
    return None if part is None else part.to_numpy()


def drawing(module: str, name: str, *args: Any, **defaults: Any) -> Callable[[Any, dict], Any]:
    """Call a plotting function and close its figure (the display keeps its data)."""
    import matplotlib.pyplot as plt

    inner = calling(module, name, *args, **defaults)

    def call(df: Any, kw: dict) -> Any:
        try:
            return inner(df, kw)
        finally:
            plt.close("all")

    return call


RATE_SPEC = {
    "key": "quote",
    "label_de": "Quote",
    "label_en": "share",
    "numerator": "grp",
    "denominator": "tot",
    "kind": "share",
}

SERVICES = "services"

CATALOGUE.update(
    {
        # panels of two years
        "index.changes": Entry(
            call=calling("index", "changes", ["x", "y"]), values=("x", "y"), base=panel
        ),
        "index.monitor": Entry(
            call=calling("index", "monitor", ["x", "y"], dynamics=["x", "y"]),
            values=("x", "y"),
            base=panel,
        ),
        "indicators.change": Entry(
            call=calling("indicators", "change", [RATE_SPEC], years=YEARS),
            counts=("grp", "tot"),
            base=panel_long,
            min_rows=1,
        ),
        # two periods or two tables
        f"{SEG}.decompose_change": Entry(
            call=lambda df, kw: _mod(SEG).decompose_change(
                df, _grid_plain().assign(grp=_grid_plain()["grp"] + 5), ["grp", "other"], **kw
            ),
            values=("grp", "other"),
            drop_geometry=True,
        ),
        f"{SEG}.decompose_spatial_attribute": Entry(
            call=lambda df, kw: _mod(SEG).decompose_spatial_attribute(
                _mod(SEG).dissimilarity,
                df,
                _grid_plain().assign(grp=_grid_plain()["grp"][::-1].to_numpy()),
                group="grp",
                population="tot",
                **kw,
            ),
            counts=("grp", "tot"),
            drop_geometry=True,
        ),
        f"{SEG}.ipf": Entry(
            call=lambda df, kw: _mod(SEG).ipf(
                df, _grid_plain().assign(grp=_grid_plain()["grp"] + 5), ["grp", "other"], **kw
            ),
            values=("grp", "other"),
            drop_geometry=True,
        ),
        f"{SEG}.multiscalar_profile": Entry(
            call=lambda df, kw: _mod(SEG).multiscalar_profile(
                _mod(SEG).dissimilarity, df, [1500.0], group="grp", population="tot", **kw
            ),
            counts=("grp", "tot"),
            spatial=True,
        ),
        "regions.areal_interpolate": Entry(
            call=lambda df, kw: _mod("regions").areal_interpolate(
                df, coarse(), extensive="tot", intensive="x", **kw
            ),
            values=("tot", "x"),
            spatial=True,
            min_rows=1,
        ),
        # facilities and travel costs
        **{
            f"{SERVICES}.{name}": Entry(
                call=calling(SERVICES, name, "tot", kitas(), costs=grid_costs(), **opts),
                values=("tot",),
                min_rows=1,
            )
            for name, opts in (
                ("two_step_fca", {"max_cost": 2000.0}),
                ("enhanced_two_step_fca", {"steps": {1000.0: 1.0, 2000.0: 0.5}}),
            )
        },
        f"{SERVICES}.gravity_access": Entry(
            call=lambda df, kw: _mod(SERVICES).gravity_access(
                df,
                kitas(),
                costs=grid_costs(),
                decay=_mod(SERVICES).exponential(0.001),
                population="tot",
                **kw,
            ),
            values=("tot",),
            min_rows=1,
        ),
        f"{SERVICES}.nearest_cost": Entry(
            call=calling(SERVICES, "nearest_cost", costs=grid_costs(), population="tot"),
            values=("tot",),
            min_rows=1,
        ),
        f"{SERVICES}.supply_ratio": Entry(
            call=calling(SERVICES, "supply_ratio", "tot", kitas(), by="bz"),
            values=("tot",),
            spatial=True,
            min_rows=1,
        ),
        **{
            f"{SERVICES}.{name}": Entry(
                call=lambda df, kw, name=name: getattr(_mod(SERVICES), name)(df, **kw),
                values=("plaetze",),
                base=kitas,
                min_rows=1,
            )
            for name in ("validate_facilities", "select_facilities")
        },
        f"{SERVICES}.locate_facilities": Entry(
            call=lambda df, kw: _mod(SERVICES).locate_facilities(df, grid(), **kw),
            base=kitas,
            spatial=True,
            min_rows=1,
        ),
        # arrays and series of areas
        "indicators.poisson_ci": Entry(
            call=lambda df, kw: _mod("indicators").poisson_ci(df.get("grp"), df.get("tot"), **kw),
            counts=("grp", "tot"),
            min_rows=1,
            drop_geometry=True,
        ),
        "indicators.proportion_ci": Entry(
            call=lambda df, kw: _mod("indicators").proportion_ci(
                df.get("grp"), df.get("tot"), **kw
            ),
            counts=("grp", "tot"),
            bounds=UNIT,
            min_rows=1,
            drop_geometry=True,
        ),
        "regions.balance": Entry(
            call=lambda df, kw: _mod("regions").balance(df.get("tot"), **kw),
            values=("tot",),
            drop_geometry=True,
        ),
        "regions.variation_of_information": Entry(
            call=lambda df, kw: _mod("regions").variation_of_information(
                df.get("c"), df.get("bz"), **kw
            ),
            values=("c",),
            bounds=(0.0, np.inf),
            drop_geometry=True,
        ),
        "index.assign_classes": Entry(
            call=lambda df, kw: _mod("index").assign_classes(df.get("x"), [3.0, 6.0], **kw),
            values=("x",),
            drop_geometry=True,
            min_rows=1,
        ),
        **{
            f"index.{name}": Entry(
                call=lambda df, kw, name=name: getattr(_mod("index"), name)(
                    matrix(df, ["x", "y", "z"]), np.full(3, 1 / 3), **kw
                ),
                values=("x", "y", "z"),
                drop_geometry=True,
            )
            for name in ("copeland", "importance")
        },
        "index.weights_for_importance": Entry(
            call=calling("index", "weights_for_importance", ["x", "y", "z"]),
            values=("x", "y", "z"),
            drop_geometry=True,
        ),
        "typology.cluster_stability": Entry(
            call=lambda df, kw: _mod("typology").cluster_stability(
                matrix(df, ["x", "y", "z"]),
                None if df.get("c") is None else df["c"].to_numpy(),
                **{N_BOOTSTRAP: 5, "rng": 0, **kw},
            ),
            values=("x", "y", "z"),
            draws=N_BOOTSTRAP,
            drop_geometry=True,
            min_rows=3,
        ),
        **{
            f"typology.{name}": Entry(
                call=lambda df, kw, name=name: getattr(_mod("typology"), name)(
                    matrix(df, ["x", "y", "z"]), [2, 3], **{"n_refs": 5, "rng": 0, **kw}
                ),
                values=("x", "y", "z"),
                draws="n_refs",
                drop_geometry=True,
                min_rows=4,
            )
            for name in ("gap_statistic", "select_n_clusters")
        },
        "typology.describe_profile": Entry(
            call=lambda df, kw: _mod("typology").describe_profile(df.get("x"), **kw),
            values=("x",),
            drop_geometry=True,
            min_rows=1,
        ),
        "planning.to_cents": Entry(
            call=lambda df, kw: _mod("planning").to_cents(
                df.get("x"), **{"arg": "x", "where": "to_cents", **kw}
            ),
            values=("x",),
            drop_geometry=True,
            min_rows=1,
        ),
        **{
            f"disclosure.{name}": Entry(
                call=lambda df, kw, name=name: getattr(_mod("disclosure"), name)(
                    df.get(["grp", "tot"]),
                    pd.DataFrame({"grp": [i == 1 for i in range(9)]}, index=IDS),
                    **kw,
                ),
                counts=("grp", "tot"),
                drop_geometry=True,
                min_rows=1,
            )
            for name in ("audit_linear", "safe_precision")
        },
        "presets.hamburg_style": Entry(
            call=calling("presets", "hamburg_style", ["x", "y"], ["x", "y"], population="tot"),
            values=("x", "y"),
            base=panel,
            min_rows=3,
        ),
        "projection.split_ages": Entry(
            call=calling("projection", "split_ages", ["0_2", "3_5", "6_plus"]),
            values=("0_2", "3_5"),
            base=ages,
            min_rows=1,
        ),
        # random designs (the damages of the table do not apply; the counts of draws do)
        "index.saltelli_design": Entry(
            call=lambda df, kw: _mod("index").saltelli_design(
                **{N_DRAWS: 8, "d": 2, "rng": 0, **kw}
            ),
            draws=N_DRAWS,
        ),
        "index.sobol_indices": Entry(
            call=lambda df, kw: _mod("index").sobol_indices(
                lambda x: x[:, 0] + 2 * x[:, 1],
                [(0, 1), (0, 1)],
                **{N_DRAWS: 16, N_BOOTSTRAP: 5, "rng": 0, **kw},
            ),
            draws=N_DRAWS,
        ),
        **{
            name: Entry(
                call=lambda df, kw, name=name: getattr(
                    _mod(name.split(".")[0]), name.split(".")[1]
                )(df.get("cut"), **kw),
                values=("cut",),
                base=cut_points,
                min_rows=1,
            )
            for name in ("plotting.class_labels", "index.interval_labels")
        },
        "index.aggregate_matrix": Entry(
            call=lambda df, kw: _mod("index").aggregate_matrix(
                matrix(df, ["x", "y", "z"]), np.full((len(df), 3), 1 / 3), **kw
            ),
            values=("x", "y", "z"),
            drop_geometry=True,
            min_rows=1,
        ),
        "indicators.format_interval": Entry(
            call=lambda df, kw: _mod("indicators").format_interval(
                df.get("x"), df.get("y"), df.get("z"), **kw
            ),
            values=("x",),
            drop_geometry=True,
            min_rows=1,
        ),
        "plotting.age_pyramid": Entry(
            call=drawing("plotting", "age_pyramid"), values=("0_2", "3_5"), base=ages, min_rows=1
        ),
        # drawings
        "plotting.choropleth": Entry(
            call=drawing("plotting", "choropleth", "x"), values=("x",), spatial=True
        ),
        "plotting.small_multiples": Entry(
            call=drawing("plotting", "small_multiples", ["x", "y"]),
            values=("x", "y"),
            spatial=True,
        ),
        "plotting.category_map": Entry(
            call=drawing("plotting", "category_map", "c"), values=("c",), spatial=True
        ),
        "plotting.facility_map": Entry(
            call=drawing("plotting", "facility_map", "x", facilities=kitas()),
            values=("x",),
            spatial=True,
        ),
        "plotting.lisa_map": Entry(
            call=drawing(
                "plotting",
                "lisa_map",
                pd.DataFrame({"cluster": ["HH", "LL", "ns"] * 3}, index=IDS),
            ),
            spatial=True,
        ),
        "plotting.status_dynamics_map": Entry(
            call=lambda df, kw: drawing("plotting", "status_dynamics_map")(
                df,
                {
                    "result": _mod("index").status_dynamics(
                        _grid_plain().assign(d_x=_grid_plain()["y"] - 5), ["x"], ["d_x"]
                    ),
                    **kw,
                },
            ),
            spatial=True,
        ),
        "plotting.segregation_curve": Entry(
            call=drawing("plotting", "segregation_curve", "grp", "tot"),
            counts=("grp", "tot"),
            drop_geometry=True,
        ),
        "plotting.area_profile": Entry(
            call=lambda df, kw: drawing("plotting", "area_profile")(df.get(["x", "y"]), kw),
            values=("x", "y"),
            drop_geometry=True,
            min_rows=1,
        ),
        "plotting.profile_heatmap": Entry(
            call=lambda df, kw: drawing("plotting", "profile_heatmap")(df.get(["x", "y"]), kw),
            values=("x", "y"),
            drop_geometry=True,
            min_rows=1,
        ),
    }
)


# ------------------------------------------------------------------ planning: measures, costs,
# targets and the validators of the financing level. The damage goes into the table the
# function checks (measures, costs, targets, programmes, a cost plan, planned funding, own
# funds, the attainment of targets, the areas with residents); the other tables are clean.

PLAN_ID = "planungsraum"


class PlanningTables:
    """Tiny clean planning tables: three areas, two measures, their costs and financing."""

    @staticmethod
    def areas() -> pd.DataFrame:
        """Residents and persons in need (SGB II) per planning area."""
        return pd.DataFrame(
            {"bedarf": [120, 300, 80], "einwohner": [1000, 900, 700]},
            index=pd.Index(["01", "02", "03"], name=PLAN_ID),
        )

    @staticmethod
    def measures() -> pd.DataFrame:
        """Two measures with their run times and the areas they serve."""
        return pd.DataFrame(
            {
                "name": ["Familienzentrum", "Lernwerkstatt"],
                "handlungsfeld": ["Familie", "Bildung"],
                "beginn": [2022, 2023],
                "ende": [2025, 2024],
                "gebiete": ["01 02", "03"],
            },
            index=pd.Index(["M1", "M2"], name="massnahme"),
        )

    @staticmethod
    def costs() -> pd.DataFrame:
        """Costs per measure, area and year (euros, tidy)."""
        return pd.DataFrame(
            {
                "eigenmittel": [5000.0, 5200.0, 3000.0, 3100.0, 2000.0, 2100.0],
                "foerdermittel": [10000.0, 10000.0, 6000.0, 6000.0, 0.0, 1000.0],
                "drittmittel": [0.0, 500.0, 0.0, 0.0, 400.0, 400.0],
                "massnahme": ["M1", "M1", "M1", "M1", "M2", "M2"],
                PLAN_ID: ["01", "01", "02", "02", "03", "03"],
                "jahr": [2022, 2023, 2022, 2023, 2023, 2024],
            }
        )

    @staticmethod
    def targets() -> pd.DataFrame:
        """A social target per measure (lower SGB II rate) and a city-wide financial one."""
        return pd.DataFrame(
            {
                "basiswert": [12.0, 8.0, 20.0],
                "zielwert": [10.0, 7.0, 30.0],
                "indikator": ["sgb2_quote", "sgb2_quote", "foerderquote"],
                PLAN_ID: ["01", "03", "gesamt"],
                "basisjahr": [2021, 2022, 2021],
                "zieljahr": [2025, 2024, 2025],
                "art": ["sozial", "sozial", "finanziell"],
                "massnahme": ["M1", "M2", None],
            },
            index=pd.Index(["Z1", "Z2", "Z3"], name="ziel"),
        )

    @staticmethod
    def milestones() -> pd.DataFrame:
        """A milestone of the first measure and a city-wide one."""
        return pd.DataFrame(
            {"massnahme": ["M1", None], "jahr": [2023, 2024], "meilenstein": ["Start", "Bericht"]}
        )

    @staticmethod
    def programmes() -> pd.DataFrame:
        """A Land programme and an EU programme with a required own share and a ceiling."""
        return pd.DataFrame(
            {
                "foerdersatz": [0.5, 0.6],
                "eigenanteil": [0.0, 0.4],
                "ebene": ["land", "eu"],
                "beginn": [2021, 2021],
                "ende": [2027, 2027],
                "hoechstbetrag": [50_000.0, np.nan],
            },
            index=pd.Index(["L", "E"], name="programm"),
        )

    @staticmethod
    def cost_plan() -> pd.DataFrame:
        """Costs per measure, year and cost type."""
        return pd.DataFrame(
            {
                "betrag": [12000.0, 3000.0, 12500.0, 2500.0],
                "massnahme": ["M1", "M1", "M1", "M2"],
                "jahr": [2023, 2023, 2024, 2024],
                "kostenart": ["personal", "sach", "personal", "sach"],
            }
        )

    @staticmethod
    def funding() -> pd.DataFrame:
        """Programme money per measure, programme, year and cost type."""
        return pd.DataFrame(
            {
                "betrag": [6000.0, 1800.0, 1500.0],
                "massnahme": ["M1", "M1", "M2"],
                "programm": ["L", "E", "E"],
                "jahr": [2023, 2023, 2024],
                "kostenart": ["personal", "sach", "sach"],
            }
        )

    @staticmethod
    def own_funds() -> pd.DataFrame:
        """Own funds budgeted per measure and year."""
        return pd.DataFrame(
            {
                "betrag": [7200.0, 6250.0, 1000.0],
                "massnahme": ["M1", "M1", "M2"],
                "jahr": [2023, 2024, 2024],
            }
        )

    @staticmethod
    def attainment() -> pd.DataFrame:
        """Baseline, latest observed value and direction per target of a measure."""
        return pd.DataFrame(
            {
                "basiswert": [12.0, 8.0],
                "beobachtet": [11.0, 7.5],
                "massnahme": ["M1", "M2"],
                "jahr": [2024, 2024],
                "richtung": [-1, -1],
            },
            index=pd.Index(["Z1", "Z2"], name="ziel"),
        )

    @staticmethod
    def spending() -> pd.Series:
        """Money paid per (measure, year)."""
        return pd.Series(
            [20_000.0, 21_000.0, 2_500.0],
            index=pd.MultiIndex.from_tuples(
                [("M1", 2023), ("M1", 2024), ("M2", 2024)], names=["massnahme", "jahr"]
            ),
        )


_PT = PlanningTables
_PLAN = "planning"


def planning_table_entry(
    name: str, base: Callable[[], Any], values: tuple[str, ...], *args: Any, **opts: Any
) -> Entry:
    """A planning function on its own table: ``planning.<name>(table, *args, **defaults)``.

    ``opts`` holds the keywords of the call and those of :class:`Entry` (``bounds``,
    ``pick``, ``min_rows``; ``min_rows`` defaults to 1).
    """
    entry_opts = {k: opts.pop(k) for k in ("bounds", "pick", "min_rows") if k in opts}
    return Entry(
        call=calling(_PLAN, name, *args, **opts),
        values=values,
        base=base,
        **{"min_rows": 1, **entry_opts},
    )


_PLAN_REFS = {"measures": _PT.measures(), "id_column": PLAN_ID}
_MEASURE_YEARS = ("beginn", "ende")
_COST_SOURCES = ("eigenmittel", "foerdermittel")

CATALOGUE.update(
    {
        # the data model: measures, costs, targets, validated alone and together
        f"{_PLAN}.validate_measures": planning_table_entry(
            "validate_measures", _PT.measures, _MEASURE_YEARS, areas=_PT.areas()
        ),
        f"{_PLAN}.measure_areas": planning_table_entry(
            "measure_areas", _PT.measures, _MEASURE_YEARS, id_column=PLAN_ID
        ),
        f"{_PLAN}.timeline": planning_table_entry(
            "timeline",
            _PT.measures,
            _MEASURE_YEARS,
            milestones=_PT.milestones(),
            targets=_PT.targets(),
            today=2024,
            id_column=PLAN_ID,
            min_rows=2,  # the targets and milestones name both measures
        ),
        f"{_PLAN}.validate_costs": planning_table_entry(
            "validate_costs",
            _PT.costs,
            _COST_SOURCES,
            areas=_PT.areas(),
            **_PLAN_REFS,
            pick=lambda r: r["foerderquote"],
            bounds=(0.0, 100.0),
        ),
        f"{_PLAN}.cost_summary": planning_table_entry(
            "cost_summary",
            _PT.costs,
            _COST_SOURCES,
            ["handlungsfeld", "jahr"],
            **_PLAN_REFS,
            pick=lambda r: r[["foerderquote", "anteil"]],
            bounds=(0.0, 100.0),
        ),
        f"{_PLAN}.validate_targets": planning_table_entry(
            "validate_targets",
            _PT.targets,
            ("basiswert", "zielwert"),
            areas=_PT.areas(),
            **_PLAN_REFS,
        ),
        f"{_PLAN}.planning_data": Entry(
            call=lambda df, kw: _mod(_PLAN).planning_data(
                df, _PT.measures(), _PT.costs(), _PT.targets(), **kw
            ),
            base=_PT.areas,
            min_rows=3,  # the measures serve all three areas
        ),
        # costs per resident, person in need and case: the damage goes into the areas
        f"{_PLAN}.cost_indicators": Entry(
            call=lambda df, kw: _mod(_PLAN).cost_indicators(
                _PT.costs(), df, population="einwohner", need="bedarf", id_column=PLAN_ID, **kw
            ),
            counts=("bedarf", "einwohner"),
            base=_PT.areas,
            pick=lambda r: r[["gesamt", "je_einwohner", "je_bedarf"]],
            bounds=(0.0, np.inf),
            min_rows=3,  # the costs are booked on all three areas
        ),
        f"{_PLAN}.cost_per_target": Entry(
            call=lambda df, kw: _mod(_PLAN).cost_per_target(df, _PT.spending(), **kw),
            values=("basiswert", "beobachtet"),
            base=_PT.attainment,
            min_rows=1,
        ),
        # the financing level
        f"{_PLAN}.validate_programmes": planning_table_entry(
            "validate_programmes",
            _PT.programmes,
            ("foerdersatz", "eigenanteil"),
            pick=lambda r: r[["foerdersatz", "eigenanteil"]],
            bounds=UNIT,
        ),
        f"{_PLAN}.validate_cost_plan": planning_table_entry(
            "validate_cost_plan", _PT.cost_plan, ("betrag",), measures=_PT.measures()
        ),
        f"{_PLAN}.validate_funding": planning_table_entry(
            "validate_funding",
            _PT.funding,
            ("betrag",),
            programmes=_PT.programmes(),
            measures=_PT.measures(),
        ),
        f"{_PLAN}.validate_own_funds": planning_table_entry(
            "validate_own_funds", _PT.own_funds, ("betrag",), measures=_PT.measures()
        ),
    }
)


# ------------------------------------------------------------------ planning results, the
# Berlin preset and Sobol estimates (cat-b): tiny planning tables written here; the damage
# goes into the first argument, the other tables are clean

PROGRAMMES = pd.DataFrame(
    {
        "programm": ["Land", "ESF"],
        "ebene": ["land", "eu"],
        "foerdersatz": [0.5, 0.6],
        "eigenanteil": [0.0, 0.4],
        "beginn": [2023, 2023],
        "ende": [2024, 2024],
    }
)


def execution() -> pd.DataFrame:
    """Planned, committed and paid euros of three measures in two years."""
    return pd.DataFrame(
        {
            "massnahme": ["M1", "M1", "M2", "M2", "M3", "M3"],
            "jahr": [2023, 2024] * 3,
            "soll": [1200.0, 1250.0, 1000.0, 1000.0, 800.0, 900.0],
            "gebunden": [1150.0, 950.0, 990.0, 700.0, 800.0, 600.0],
            "gezahlt": [1100.0, 700.0, 980.0, 450.0, 790.0, 400.0],
        },
        index=pd.Index([f"r{i}" for i in range(6)], name="zeile"),
    )


def cost_plan() -> pd.DataFrame:
    """Costs of two measures per year and cost type (euros)."""
    return pd.DataFrame(
        {
            "massnahme": ["M1"] * 4 + ["M2"] * 2,
            "jahr": [2023, 2023, 2024, 2024, 2023, 2024],
            "kostenart": ["personal", "sach"] * 3,
            "betrag": [1000.0, 500.0, 1100.0, 400.0, 300.0, 200.0],
        },
        index=pd.Index([f"r{i}" for i in range(6)], name="zeile"),
    )


FUNDING = pd.DataFrame(
    {
        "massnahme": ["M1", "M1", "M2"],
        "programm": ["Land", "Land", "ESF"],
        "jahr": [2023, 2024, 2023],
        "kostenart": ["personal", "personal", "personal"],
        "betrag": [500.0, 550.0, 150.0],
    }
)


def candidates() -> pd.DataFrame:
    """Five candidate measures with need, effect and cost."""
    return pd.DataFrame(
        {
            "kosten": [60_000.0, 50_000.0, 10_000.0, 30_000.0, 20_000.0],
            "bedarf": [0.9, 0.5, 0.1, 0.7, 0.3],
            "wirkung": [0.5, 0.9, 0.2, 0.4, 0.6],
        },
        index=pd.Index([f"M{i}" for i in range(1, 6)], name="massnahme"),
    )


TARGETS = pd.DataFrame(
    {
        "ziel": ["Z1", "Z2"],
        "indikator": ["quote", "quote"],
        "gebiet": ["a0", "a1"],
        "basiswert": [25.0, 10.0],
        "basisjahr": [2021, 2021],
        "zielwert": [21.0, 8.0],
        "zieljahr": [2025, 2025],
        "art": ["sozial", "sozial"],
    }
)


def observed() -> pd.DataFrame:
    """An indicator of three areas in four years, indexed (area, year)."""
    values = {"a0": [25.0, 24.2, 23.8, 23.7], "a1": [10.0, 9.5, 9.1, 8.6], "a2": [5.0] * 4}
    rows = [
        (a, y, v) for a, vs in values.items() for y, v in zip(range(2021, 2025), vs, strict=True)
    ]
    return pd.DataFrame(rows, columns=["gebiet", "jahr", "quote"]).set_index(["gebiet", "jahr"])


def did_panel() -> pd.DataFrame:
    """An outcome of eight areas in five years; a0, a1 treated from 2022 (effect -2)."""
    level = [12.0, 8.0, 11.0, 7.5, 14.0, 9.0, 6.0, 13.0]
    rows = [
        (
            f"a{i}",
            y,
            level[i]
            + 0.3 * (y - 2019)
            + 0.1 * ((i * y) % 3)
            - (2.0 if i < 2 and y >= 2022 else 0.0),
            1000,
        )
        for i in range(8)
        for y in range(2019, 2024)
    ]
    return pd.DataFrame(rows, columns=["gebiet", "jahr", "q", "ew"]).set_index(["gebiet", "jahr"])


def mss_table() -> pd.DataFrame:
    """Berlin MSS 2021 as published (read with index_col="PLR_ID")."""
    return pd.DataFrame(
        {
            "EW": [3419, 1791, 5211, 4636, 2500, 120],
            "S1": [4.2, 1.2, 5.3, 6.2, 3.0, -9999],
            "S3": [8.0, 3.5, 15.5, 18.0, 6.0, -9999],
            "S4": [19.4, 8.3, 32.6, 39.9, 12.0, -9999],
            "D1": [1.5, 0.2, 0.9, 1.2, -0.4, -9999],
            "D3": [0.4, 0.9, -2.2, -0.7, 0.1, -9999],
            "D4": [4.0, 4.9, -4.9, -2.7, 1.0, -9999],
            "KOM": ["gültig"] * 5 + ["ungültig (EW unter 300)"],
        },
        index=pd.Index([f"0110010{i}" for i in range(1, 7)], name="PLR_ID"),
    )


def model_outputs() -> pd.DataFrame:
    """Outputs f(A), f(B), f(A_B^(1)), f(A_B^(2)) of y = x1 + 2 x2 on eight draws."""
    rng = np.random.default_rng(3)
    a, b = rng.uniform(size=(8, 2)), rng.uniform(size=(8, 2))
    ab1, ab2 = a.copy(), a.copy()
    ab1[:, 0], ab2[:, 1] = b[:, 0], b[:, 1]
    f = lambda x: x[:, 0] + 2 * x[:, 1]  # noqa: E731
    return pd.DataFrame(
        {"f_a": f(a), "f_b": f(b), "f_ab1": f(ab1), "f_ab2": f(ab2)},
        index=pd.Index([f"d{i}" for i in range(8)], name="ziehung"),
    )


def _sobol(df: Any, kw: dict) -> Any:
    ab = df.get(["f_ab1", "f_ab2"])
    return _mod("index").sobol_from_samples(
        None if df.get("f_a") is None else df["f_a"].to_numpy(),
        None if df.get("f_b") is None else df["f_b"].to_numpy(),
        None if ab is None else ab.to_numpy().T,
        **kw,
    )


# ------------------------------------------------------------------ projections, travel costs,
# site proposals and the Zensus grid (the damage goes into the stocks, the first table or the
# areas; life tables, facilities and networks are clean)

PROJ = "projection"
AGE_BANDS = ["0_4", "5_9", "10_14", "15_plus"]  # 5-year bands: Hamilton-Perry steps of 5 years
HP_YEARS = {"base_year": 2010, "launch_year": 2015, "target_year": 2020, "mothers": (15, 50)}
SURVIVAL = pd.Series(0.99, index=range(101))  # a flat life table
FERTILITY = pd.Series(0.05, index=range(20, 40))  # births per woman and year by age


def age_panel() -> pd.DataFrame:
    """Residents in 5-year bands per area in 2010, 2015 and 2020, indexed (id, jahr)."""
    flat = pd.DataFrame(grid().drop(columns="geometry"))
    first = pd.DataFrame(
        {
            "0_4": flat["grp"] + 10.0,
            "5_9": flat["grp"] + 20.0,
            "10_14": flat["other"] / 5 + 10,
            "15_plus": flat["tot"] * 4.0,
        }
    )
    years = {2010: first, 2015: first * 1.05 + 2, 2020: first * 1.1 + 3}
    return pd.concat(years, names=["jahr", "id"]).swaplevel().sort_index()


def single_ages() -> pd.DataFrame:
    """Residents by single year of age (0 to 5, open 6+) per area (column names as text)."""
    return _mod(PROJ).split_ages(ages(), ["0_2", "3_5", "6_plus"]).rename(columns=str)


def components() -> pd.DataFrame:
    """Births, deaths and moves per area and band in 2021 (indexed id, jahr, altersgruppe)."""
    stocks = stocks_2020().iloc[:, :]
    rows = pd.MultiIndex.from_product(
        [IDS, [2021], ["0_2", "3_5", "6_plus"]], names=["id", "jahr", "altersgruppe"]
    )
    level = stocks.to_numpy().ravel()
    return pd.DataFrame(
        {
            "geburten": np.where(np.arange(27) % 3 == 0, 4.0, 0.0),
            "sterbefaelle": np.round(level * 0.01),
            "zuzuege": np.round(level * 0.08) + 1,
            "fortzuege": np.round(level * 0.06) + 1,
        },
        index=rows,
    )


def stocks_2020() -> pd.DataFrame:
    """The age bands of the grid at the end of 2020 (indexed id, jahr)."""
    return pd.concat({2020: ages()}, names=["jahr", "id"]).swaplevel()


def street_network() -> tuple[Any, Any]:
    """Nodes on a 4 x 4 lattice (1000 m apart) over the grid, and its edges (lengths in m)."""
    point = shapely_geometry.Point
    nodes = geopandas.GeoDataFrame(
        geometry=[point(1000 * (k % 4), 1000 * (k // 4)) for k in range(16)],
        index=pd.RangeIndex(16, name="node"),
        crs=25832,
    )
    pairs = [(k, k + 1) for k in range(16) if k % 4 < 3] + [(k, k + 4) for k in range(12)]
    edges = pd.DataFrame(pairs, columns=["source", "target"]).assign(length=1000.0)
    return nodes, edges


def od_table() -> pd.DataFrame:
    """The straight-line costs of the grid to the three facilities as a long OD table (min)."""
    frame = grid_costs().to_frame()
    return pd.DataFrame(
        {
            "origin": frame["origin"],
            "destination": frame["facility"],
            "cost": frame["cost"] / 80.0,
        }
    )


def sites() -> Any:
    """Two candidate sites of new facilities, at the far corners of the grid."""
    point = shapely_geometry.Point
    return geopandas.GeoDataFrame(
        geometry=[point(2500, 2500), point(400, 2500)],
        index=pd.Index(["s1", "s2"], name="site"),
        crs=25832,
    )


@functools.cache
def site_costs() -> Any:
    """Straight-line costs from the clean grid to the facilities and the candidate sites."""
    both = pd.concat([kitas()[["geometry"]], sites()[["geometry"]]])
    return _mod(SERVICES).straight_line_costs(grid(), both)


def areas_in_germany() -> Any:
    """The grid moved to a place in Germany (where the Zensus grid lies)."""
    return grid().set_geometry(grid().geometry.translate(356_000, 5_645_000))


@functools.cache
def zensus_grid() -> Any:
    """A 100 m Zensus grid: one cell at the centre of each area of the grid (residents)."""
    zensus = _mod("zensus")
    centres = areas_in_germany().geometry.centroid.to_crs(3035)
    east = (centres.x // 100 * 100).astype(int)
    north = (centres.y // 100 * 100).astype(int)
    ids = [f"CRS3035RES100mN{n}E{e}" for n, e in zip(north, east, strict=True)]
    values = pd.DataFrame({"Einwohner": grid()["tot"].to_numpy(dtype=float)}, index=ids)
    cells = zensus.parse_grid_ids(ids).assign(x=east.to_numpy() + 50.0, y=north.to_numpy() + 50.0)
    signs = pd.DataFrame({"Einwohner": [None] * len(ids)}, index=ids)
    return zensus.ZensusGrid(values, signs, cells.set_axis(ids), 100, "catalogue")


CATALOGUE.update(
    {
        "planning.budget_execution": Entry(
            call=calling("planning", "budget_execution", month=9),
            values=("soll",),
            counts=("gezahlt", "gebunden"),  # paid <= committed
            base=execution,
            min_rows=1,
        ),
        "planning.bundle_funding": Entry(
            call=calling("planning", "bundle_funding", PROGRAMMES),
            values=("betrag",),
            base=cost_plan,
            min_rows=1,
        ),
        "planning.financing_plan": Entry(
            call=calling("planning", "financing_plan", PROGRAMMES, FUNDING),
            values=("betrag",),
            base=cost_plan,
            min_rows=1,
        ),
        "planning.prioritize": Entry(
            call=calling(
                "planning", "prioritize", 100_000.0, need="bedarf", effect="wirkung", cost="kosten"
            ),
            values=("kosten", "bedarf", "wirkung"),
            base=candidates,
            min_rows=1,
        ),
        "planning.compare_allocations": Entry(
            call=calling(
                "planning",
                "compare_allocations",
                {"Einwohner": {"base_share": 1.0}, "Bedarf": {"base_share": 0.0}},
                need="x",
                budget=100_000.0,
                population="tot",
            ),
            values=("x", "tot"),
            drop_geometry=True,
        ),
        "planning.target_attainment": Entry(
            call=lambda df, kw: _mod("planning").target_attainment(
                TARGETS, df, **{"id_column": "gebiet", **kw}
            ),
            values=("quote",),
            base=observed,
            min_rows=1,
        ),
        "planning.difference_in_differences": Entry(
            call=calling(
                "planning",
                "difference_in_differences",
                "q",
                ["a0", "a1"],
                2022,
                population="ew",
                **{N_BOOTSTRAP: 19, "rng": 0},
            ),
            values=("q",),
            base=did_panel,
            draws=N_BOOTSTRAP,
            min_rows=3,
        ),
        "presets.berlin_mss_2021": Entry(
            call=calling("presets", "berlin_mss_2021"),
            values=("S1", "S3", "S4"),
            base=mss_table,
            min_rows=3,
        ),
        "index.sobol_from_samples": Entry(
            call=_sobol, values=("f_a", "f_b", "f_ab1", "f_ab2"), base=model_outputs
        ),
        # projections: stocks by age band (a panel of years, or one year), flat rates
        f"{PROJ}.hamilton_perry": Entry(
            call=calling(PROJ, "hamilton_perry", AGE_BANDS, **HP_YEARS),
            values=("0_4", "5_9"),
            base=age_panel,
        ),
        f"{PROJ}.backtest": Entry(
            call=calling(PROJ, "backtest", AGE_BANDS, size_classes=2, **HP_YEARS),
            values=("0_4", "5_9"),
            base=age_panel,
        ),
        f"{PROJ}.cohort_component": Entry(
            call=calling(
                PROJ,
                "cohort_component",
                ["0_2", "3_5", "6_plus"],
                launch_year=2020,
                horizon=2,
                survival=SURVIVAL,
                fertility=FERTILITY,
                **{N_DRAWS: 5, "rng": 0},
            ),
            values=("0_2", "3_5"),
            base=ages,
            draws=N_DRAWS,
            draws_zero_ok=True,
            min_rows=1,
        ),
        f"{PROJ}.estimate_rates": Entry(
            call=lambda df, kw: _mod(PROJ).estimate_rates(
                df,
                stocks_2020(),
                ["0_2", "3_5", "6_plus"],
                survival=SURVIVAL,
                fertility=FERTILITY,
                **kw,
            ),
            values=("fortzuege", "zuzuege"),
            base=components,
            min_rows=1,
        ),
        f"{PROJ}.aggregate_ages": Entry(
            call=calling(PROJ, "aggregate_ages", {"0_5": (0, 6), "6_plus": (6, None)}),
            values=("0", "3"),
            base=single_ages,
            min_rows=1,
        ),
        # travel costs: the origins are the damaged table (a network) or the OD table
        f"{SERVICES}.network_costs": Entry(
            call=lambda df, kw: _mod(SERVICES).network_costs(
                df, kitas(), street_network()[1], street_network()[0], **kw
            ),
            spatial=True,
            min_rows=1,
        ),
        f"{SERVICES}.od_costs": Entry(
            call=calling(SERVICES, "od_costs", grid(), kitas()),
            values=("cost",),
            base=od_table,
        ),
        f"{SERVICES}.propose_sites": Entry(
            call=lambda df, kw: _mod(SERVICES).propose_sites(
                df,
                "tot",
                kitas(),
                sites(),
                **{"costs": site_costs(), "max_cost": 1500.0, "target": 30.0, **kw},
            ),
            values=("tot",),
            min_rows=1,
        ),
        # the Zensus grid summed into the areas (the areas are damaged; the grid is clean)
        "zensus.grid_to_areas": Entry(
            call=lambda df, kw: _mod("zensus").grid_to_areas(zensus_grid(), df, **kw),
            spatial=True,
            base=areas_in_germany,
            min_rows=1,
        ),
    }
)


#: (function, damage) -> why a non-finite or unusual answer is right.
ACCEPTED: dict[tuple[str, str], str] = {
    **{
        ("indicators.rate_ci", label): "documented: a missing or secret count and a zero "
        "denominator give NaN for value and bounds (a published table shows the sign)"
        for label in ("nan", "zero_totals")
    },
    ("services.need_supply", "nan"): "areas without a value are kept at the end with the "
    "flag 'ohne Wert' (documented)",
    **{
        (f"regions.{name}", label): "documented: NaN for too few values or a constant sample "
        "(heterogeneity calls it on every region, small ones included)"
        for name in ("bimodality_coefficient", "ashman_d")
        for label in ("constant", "empty", "one_row")
    },
    ("index.changes", "nan"): "documented: a missing value gives a missing change for that "
    "area and year",
    ("planning.target_attainment", "nan"): "documented: a missing observed value gives that "
    "target-year the status no_data (keine Daten) with beobachtet NaN",
    **{
        ("indicators.change", label): "documented: a missing (secret) count or a zero "
        "denominator gives NaN for that area, as in rates"
        for label in ("nan", "zero_totals")
    },
    **{
        (f"indicators.{name}", label): "documented: a missing count or a zero base gives "
        "NaN bounds (a published table shows the sign)"
        for name in ("poisson_ci", "proportion_ci")
        for label in ("nan", "zero_totals")
    },
    **{
        ("services.select_facilities", label): "a filter: returns the chosen facilities as "
        "they are (validate_facilities lists missing or infinite places)"
        for label in ("nan", "inf")
    },
    **{
        ("regions.theil_decomposition", label): "no inequality: T = 0, and the between share "
        "0/0 is NaN as documented"
        for label in ("constant", "one_row")
    },
}


# ------------------------------------------------------------------ damages


def _set(df: Any, column: str, row: str, value: Any) -> Any:
    out = df.copy()
    if isinstance(value, str):
        out[column] = out[column].astype(object)
    elif not pd.api.types.is_float_dtype(out[column]):
        out[column] = out[column].astype(float)
    out.loc[row, column] = value
    return out


def clean_base(entry: Entry) -> Any:
    base = entry.base() if entry.base is not None else grid()
    return pd.DataFrame(base.drop(columns="geometry")) if entry.drop_geometry else base


def _duplicate_first_id(df: Any) -> Any:
    """The second row takes the first row's id (in a panel: its id and year)."""
    ids = list(df.index)
    ids[1] = ids[0]
    if isinstance(df.index, pd.MultiIndex):
        return df.set_axis(pd.MultiIndex.from_tuples(ids, names=df.index.names))
    return df.set_axis(pd.Index(ids, name=df.index.name))


def damages(name: str, entry: Entry) -> list[tuple[str, Callable[[], tuple[Any, dict]]]]:
    """The applicable damages of one function: (label, () -> (df, extra keywords))."""
    base = clean_base(entry)
    out: list[tuple[str, Callable[[], tuple[Any, dict]]]] = []

    def add(label: str, make: Callable[[], tuple[Any, dict]]) -> None:
        out.append((label, make))

    columns = list(entry.values) + (list(entry.counts) if entry.counts else [])
    first = columns[0] if columns else None
    if first is not None:
        row = base.index[1]  # "a1" of the grid, ("a1", 2020) of the panel
        add("nan", lambda: (_set(base, first, row, np.nan), {}))
        add("inf", lambda: (_set(base, first, row, np.inf), {}))
        add("text", lambda: (_set(base, first, row, "12,5"), {}))
        add("missing_column", lambda: (base.rename(columns={first: f"{first}_old"}), {}))
        add("constant", lambda: (base.assign(**{first: base[first].iloc[0]}), {}))
    if entry.counts:
        group, total = entry.counts
        add("negative_count", lambda: (_set(base, total, base.index[1], -5), {}))
        add("group_gt_total", lambda: (_set(base, group, base.index[1], 1000), {}))
        add("zero_totals", lambda: (base.assign(**{group: 0, total: 0}), {}))
    add("duplicate_ids", lambda: (_duplicate_first_id(base), {}))
    add("empty", lambda: (base.iloc[:0], {}))
    add("one_row", lambda: (base.iloc[:1], {}))
    if entry.spatial:
        add("wrong_crs", lambda: (base.to_crs(4326), {}))
        add("no_crs", lambda: (base.set_crs(None, allow_override=True), {}))
        add("island", lambda: (grid(island=True), {}))
    if entry.graph:

        def misaligned() -> tuple[Any, dict]:
            other = grid().set_axis([f"b{i}" for i in range(9)])
            g = libpysal_graph.Graph.build_contiguity(other, rook=False)
            return base, {"graph": g}

        add("misaligned_graph", misaligned)
    if entry.draws:
        for bad in (1.5, -1, True) + (() if entry.draws_zero_ok else (0,)):
            add(f"draws={bad!r}", functools.partial(lambda b: (base, {entry.draws: b}), bad))
    return out


CASES = [
    pytest.param(name, label, make, id=f"{name}-{label}")
    for name, entry in CATALOGUE.items()
    for label, make in damages(name, entry)
]


# ------------------------------------------------------------------ checking answers


def numbers(obj: Any, depth: int = 0) -> list[np.ndarray]:
    """All numbers in a result (pandas objects, arrays, scalars, dataclass fields)."""
    if depth > 3 or obj is None or isinstance(obj, bool | str):
        return []
    if isinstance(obj, int | float | np.number):
        return [np.asarray([float(obj)])]
    if isinstance(obj, pd.DataFrame):
        num = obj.select_dtypes("number")
        return [num.to_numpy(dtype=float).ravel()] if num.size else []
    if isinstance(obj, pd.Series):
        return [obj.to_numpy(dtype=float)] if pd.api.types.is_numeric_dtype(obj.dtype) else []
    if isinstance(obj, np.ndarray):
        return [obj.astype(float).ravel()] if obj.dtype.kind in "iuf" else []
    if isinstance(obj, tuple | list):
        return [a for item in obj for a in numbers(item, depth + 1)]
    if dataclasses.is_dataclass(obj):
        return [
            a for f in dataclasses.fields(obj) for a in numbers(getattr(obj, f.name), depth + 1)
        ]
    return []


@functools.cache
def clean_non_finite(name: str) -> int:
    """How many non-finite numbers the call on the clean fixture returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SozplanWarning)
        values = numbers(CATALOGUE[name].call(clean_base(CATALOGUE[name]), {}))
    return int((~np.isfinite(np.concatenate(values))).sum()) if values else 0


def short_name(name: str) -> str:
    return name.rsplit(".", 1)[1]


@pytest.mark.parametrize(("name", "label", "make"), CASES)
def test_bad_input_is_answered_well(name: str, label: str, make: Callable) -> None:
    entry = CATALOGUE[name]
    df, kw = make()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = entry.call(df, kw)
        except InputError as exc:
            message = str(exc)
            assert message.startswith(f"{short_name(name)}:"), (
                f"{name} on {label}: the message names another function: {message[:200]}"
            )
            return
        except Exception as exc:  # the point of the catalogue
            pytest.fail(f"{name} on {label}: raw {type(exc).__name__}: {exc}")
    listed = [w for w in caught if issubclass(w.category, SozplanWarning)]
    if len(getattr(result, "findings", ())):  # a validation report lists what it found
        listed.append(result)
    if (name, label) in ACCEPTED:
        return
    values = numbers(result)
    flat = np.concatenate(values) if values else np.empty(0)
    if not listed:
        # NaN that the clean call also returns is documented (e.g. undefined z-values);
        # more of it means the damage leaked into the result
        assert (~np.isfinite(flat)).sum() <= clean_non_finite(name), (
            f"{name} on {label}: silent non-finite result without a listed warning"
        )
    assert np.isinf(flat).sum() <= clean_non_finite(name), f"{name} on {label}: infinite result"
    if entry.bounds is not None:
        picked = numbers(entry.pick(result) if entry.pick else result)
        vals = np.concatenate(picked) if picked else np.empty(0)
        vals = vals[np.isfinite(vals)]
        lo, hi = entry.bounds
        assert ((vals >= lo - 1e-12) & (vals <= hi + 1e-12)).all(), (
            f"{name} on {label}: values outside [{lo}, {hi}]: {vals[(vals < lo) | (vals > hi)]}"
        )


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_clean_fixture_runs(name: str) -> None:
    """Each minimal call works on the clean fixture (else the damages test nothing)."""
    entry = CATALOGUE[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SozplanWarning)
        entry.call(clean_base(entry), {})


#: The public modules: every package or module of sozplan without a leading underscore,
#: except the helpers and the command line.
PUBLIC_MODULES = sorted(
    m.name
    for m in pkgutil.iter_modules(importlib.import_module("sozplan").__path__)
    if not m.name.startswith("_") and m.name not in {"checks", "cli", "errors"}
)


def public_function_names() -> list[str]:
    out = []
    for module in PUBLIC_MODULES:
        mod = _mod(module)
        for attr in getattr(mod, "__all__", ()):
            if inspect.isfunction(getattr(mod, attr)):
                out.append(f"{module}.{attr}")
    return out


#: Public functions not in the catalogue (yet), by reason. Every public function is in
#: ``CATALOGUE`` or here, so that a new one must be classified.
NOT_IN_CATALOGUE: dict[str, tuple[str, ...]] = {
    "reads or writes files, or builds the sample city; its bad input is tested with file "
    "fixtures in its own test module": (
        "city.init",
        "city.load_city",
        "datasets.build_musterstadt",
        "datasets.load_components",
        "datasets.load_costs",
        "datasets.load_demography",
        "datasets.load_facilities",
        "datasets.load_financing",
        "datasets.load_measures",
        "datasets.load_musterstadt",
        "datasets.load_teaching",
        "datasets.teaching_tables",
        "datasets.load_new_build",
        "datasets.load_truth",
        "datasets.make_city",
        "datasets.make_facilities",
        "datasets.make_grid",
        "datasets.musterstadt_rules",
        "indicators.load_catalog",
        "indicators.save_catalog",
        "io.write_table",
        "planning.financing_workbook",
        "zensus.read_zensus_grid",
        "io.read_statistik",
        "io.write_statistik",
        "report.load_config",
    ),
    "configures the report (its bad input is tested with file and line in test_report.py) "
    "or parses expressions of the city description (tested in test_city.py)": (
        "city.format_expr",
        "city.parse_expr",
        "report.add_texts",
        "report.defaults",
        "report.register_chapter",
        "report.with_overrides",
    ),
    "adds to a matplotlib axes the caller drew, or formats one number (no table of areas)": (
        "plotting.add_outlines",
        "plotting.add_scale_bar",
        "plotting.add_source",
        "plotting.format_number",
    ),
    "draws or audits a result object of sozplan, whose input the function that made it "
    "checked (moran, concentration_index, transition_matrix, projections, "
    "suppress_small_counts)": (
        "plotting.moran_scatter",
        "plotting.concentration_curve",
        "plotting.demand_curve",
        "plotting.transition_chart",
        "projection.demand",
        "disclosure.audit_suppression",
    ),
    "takes a libpysal Graph, an indicator or weight spec, a decay parameter or a preset "
    "name, not a table of areas (checked in their own test modules); evaluate is the "
    "low-level step documented never to raise, behind rates and change, which check": (
        "graph.graph_report",
        "graph.island_report",
        "index.check_weights",
        "index.equal_weights",
        "indicators.evaluate",
        "indicators.resolve_specs",
        "services.exponential",
        "services.gaussian",
        "services.power",
        "services.step",
        "services.uniform",
        "presets.available_presets",
        "presets.get_preset",
        "presets.register_preset",
        "zensus.grid_cells",
        "zensus.parse_grid_ids",
        "batch.unit_seed",
    ),
}


def test_every_public_function_is_classified() -> None:
    """Each public function is in the catalogue or listed with the reason it is not."""
    public = set(public_function_names())
    listed = [n for names in NOT_IN_CATALOGUE.values() for n in names]
    assert len(listed) == len(set(listed)), "a function is listed twice"
    both = set(listed) & set(CATALOGUE)
    assert not both, f"in the catalogue and listed as not in it: {sorted(both)}"
    unknown = (set(listed) | set(CATALOGUE)) - public
    assert not unknown, f"not public (renamed or removed?): {sorted(unknown)}"
    missing = public - set(listed) - set(CATALOGUE)
    assert not missing, f"public functions neither in the catalogue nor listed: {sorted(missing)}"


# ------------------------------------------------------------------ the cases of issue 17


def _grid_plain() -> pd.DataFrame:
    return pd.DataFrame(grid().drop(columns="geometry"))


def _with(df: pd.DataFrame, column: str, row: str, value: Any) -> pd.DataFrame:
    return _set(df, column, row, value)


ISSUE_CASES = {
    "theil NaN weight": (
        lambda: _mod("regions").theil_decomposition([1, 2, 3], [1, np.nan, 1], list("aab")),
        r"^theil_decomposition: `population` has 1 missing",
    ),
    "theil zero weights": (
        lambda: _mod("regions").theil_decomposition([1, 2, 3], [0, 0, 0], list("aab")),
        r"^theil_decomposition: `population` sums to 0",
    ),
    "theil negative weight": (
        lambda: _mod("regions").theil_decomposition([1, 2, 3], [1, -1, 1], list("aab")),
        r"^theil_decomposition: `population` has 1 negative",
    ),
    "theil empty": (
        lambda: _mod("regions").theil_decomposition([], [], []),
        r"^theil_decomposition: no areas",
    ),
    "impute fills inf": (
        lambda: _mod("index").impute(_with(_grid_plain(), "x", "a1", np.inf), ["x"]),
        r"^impute: column 'x' of `df` has 1 infinite value\(s\), at ids 'a1'",
    ),
    "location_quotient group > total": (
        lambda: _mod("indicators").location_quotient(
            _with(_grid_plain(), "grp", "a1", 1000), "grp", "tot"
        ),
        r"^location_quotient: 'grp' exceeds 'tot' in 1 area\(s\): 'a1'",
    ),
    "empirical_bayes group > total": (
        lambda: _mod("indicators").empirical_bayes(
            _with(_grid_plain(), "grp", "a1", 1000), "grp", "tot"
        ),
        r"^empirical_bayes: 'grp' exceeds 'tot'",
    ),
    "typology bootstrap 1.5": (
        lambda: _mod("typology").typology(
            _grid_plain(), ["x", "y", "z"], **{N_CLUSTERS: 2, N_BOOTSTRAP: 1.5}
        ),
        rf"^typology: `{N_BOOTSTRAP}` is 1.5 \(a float\)",
    ),
    "typology bootstrap -1": (
        lambda: _mod("typology").typology(
            _grid_plain(), ["x", "y", "z"], **{N_CLUSTERS: 2, N_BOOTSTRAP: -1}
        ),
        rf"^typology: `{N_BOOTSTRAP}` is -1, below the minimum of 0",
    ),
    "join_counts inf": (
        lambda: _mod(AC).join_counts(_with(grid(), "c", "a1", np.inf), "c", permutations=0),
        r"^join_counts: column 'c' has 1 infinite value",
    ),
    "join_counts text among numbers": (
        lambda: _mod(AC).join_counts(_with(grid(), "c", "a1", "x"), "c", permutations=0),
        r"^join_counts: column 'c' mixes text \('x' at ids 'a1'\) with numbers",
    ),
    "aggregate inf total": (
        lambda: _mod("indicators").aggregate(
            _with(_grid_plain(), "tot", "a1", np.inf), "bz", counts=["tot"]
        ),
        r"^aggregate: column 'tot' of `df` has 1 infinite value",
    ),
    "spatial_dissimilarity island (the policy of moran)": (
        lambda: _mod(SEG).spatial_dissimilarity(grid(island=True), "grp", "tot"),
        r"^spatial_dissimilarity: the queen graph has 1 area\(s\) without any neighbour",
    ),
    "moran island": (
        lambda: _mod(AC).moran(grid(island=True), "x"),
        r"^moran: the queen graph .* \(islands=, kind= are options of sozplan\.graph\.build_graph, "
        r"which `moran` calls: call it yourself with them and pass its result to `moran`\)\.$",
    ),
    "uncertainty bad spec": (
        lambda: _mod("index").uncertainty(_grid_plain(), ["x", "y"]),
        r"^uncertainty: ",
    ),
    "check_disclosure missing column": (
        lambda: _mod("disclosure").check_disclosure(_grid_plain(), ["nope"]),
        r"^check_disclosure: `df` has no column 'nope'",
    ),
    "sensitivity draws 1.5": (
        lambda: _mod("index").sensitivity(
            _grid_plain(), {"indicators": ["x", "y"]}, **{N_DRAWS: 1.5}
        ),
        rf"^sensitivity: `{N_DRAWS}` is 1.5 \(a float\)",
    ),
    "pca_weights one row": (
        lambda: _mod("index").pca_weights(_grid_plain().iloc[:1], ["x", "y", "z"]),
        r"^pca_weights: `df` has 1 row\(s\)",
    ),
}


@pytest.mark.parametrize("case", sorted(ISSUE_CASES))
def test_issue_17_cases_raise_input_error_naming_the_called_function(case: str) -> None:
    call, pattern = ISSUE_CASES[case]
    with pytest.raises(InputError, match=pattern):
        call()


@pytest.mark.parametrize("name", ["kmo", "cronbach_alpha", "variance_inflation"])
def test_listwise_deletion_is_a_listed_warning(name: str) -> None:
    df = _with(_grid_plain(), "x", "a1", np.nan)
    with pytest.warns(DataQualityWarning, match=rf"^{name}: 1 of 9 row\(s\) .* \(ids 'a1'\)"):
        getattr(_mod("validation"), name)(df, ["x", "y", "z"])


# ------------------------------------------------------------------ the shared checks


@pytest.mark.parametrize("bad", [1.5, 100.0, -1, True, np.bool_(True), "99", None])
def test_check_draws_refuses_what_is_not_a_whole_count(bad: Any) -> None:
    from sozplan.checks import check_draws

    with pytest.raises(InputError, match=r"^f: `permutations` is .* Fix: pass a whole number"):
        check_draws(bad, arg="permutations", where="f", minimum=0)


def test_check_draws_minimum_and_numpy_integers() -> None:
    from sozplan.checks import check_draws

    assert check_draws(np.int64(5), arg="n_bootstrap", minimum=2) == 5
    assert check_draws(0, arg="permutations", minimum=0) == 0
    with pytest.raises(InputError, match="below the minimum of 2"):
        check_draws(1, arg="n_bootstrap", minimum=2)


@pytest.mark.parametrize("bad", [0, 1, -0.1, 1.5, np.nan, True, "0.05", None])
def test_check_alpha_refuses_levels_outside_the_open_unit_interval(bad: Any) -> None:
    from sozplan.checks import check_alpha

    with pytest.raises(InputError, match=r"^f: `alpha` is .* strictly between 0 and 1"):
        check_alpha(bad, where="f")


def test_check_alpha_accepts_numpy_floats() -> None:
    from sozplan.checks import check_alpha

    assert check_alpha(np.float32(0.1), arg="ci") == pytest.approx(0.1)


def test_messages_keep_their_name_outside_sozplan_and_inside_the_called_function() -> None:
    from sozplan.checks import check_columns

    def users_own_helper() -> None:  # not a sozplan function: the message is unchanged
        check_columns(pd.DataFrame({"a": [1]}), ["b"], where="mine")

    with pytest.raises(InputError, match=r"^mine: `df` has no column 'b'"):
        users_own_helper()
    # the innermost public function is renamed to the outermost one on the stack
    with pytest.raises(InputError, match=r"^uncertainty: "):
        _mod("index").uncertainty(_grid_plain(), {"indicators": ["x", "nope"]})
    with pytest.raises(InputError, match=r"^composite_index: "):
        _mod("index").composite_index(_grid_plain(), {"indicators": ["x", "nope"]})


_identifiers = st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True).filter(
    lambda k: not keyword_module.iskeyword(k)
)
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40).filter(
    lambda t: " Fix: " not in t
)


@given(what=_text, fix=_text, keyword=_identifiers)
@settings(max_examples=60, deadline=None)
def test_renaming_keeps_what_and_fix_and_names_the_outer_function(
    what: str, fix: str, keyword: str
) -> None:
    """Invariant: below a registered function, any message is renamed to it, losslessly."""
    from sozplan.errors import register_public

    def inner_step(x: Any, **options: Any) -> None:
        raise InputError(f"inner_step: {what}. Fix: {fix} {keyword}=1")

    def outer_call(x: Any, *, keyword_of_outer: Any = None) -> None:
        inner_step(x)

    # the keyword is an option of inner_step (its signature says so)
    names = dict.fromkeys(["x", keyword])
    inner_step.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names]
    )
    register_public(inner_step, module="demo")
    register_public(outer_call, module="demo")
    with pytest.raises(InputError) as info:
        outer_call(1)
    message = str(info.value)
    assert message.startswith(f"outer_call: {what}. Fix: {fix} {keyword}=1")
    if keyword not in ("x", "keyword_of_outer"):  # parameters of outer_call stay as they are
        assert f"({keyword}= is an option of demo.inner_step, which `outer_call` calls" in message


def test_renaming_annotates_only_options_of_the_callee() -> None:
    # ``keep=`` in a piece of pandas code of a fix is no option of the callee: no advice
    # to call the callee with it (seen below a preset, from check_unique_index)
    from sozplan.errors import register_public

    def inner_check(df: Any, *, strict: bool = True) -> None:
        raise InputError(
            "inner_check: `df` has repeated ids. Fix: drop them, e.g. "
            "df[~df.index.duplicated(keep='first')], or pass strict=False"
        )

    def outer_table(df: Any) -> None:
        inner_check(df)

    register_public(inner_check, module="demo")
    register_public(outer_table, module="demo")
    with pytest.raises(InputError) as info:
        outer_table(1)
    message = str(info.value)
    assert message.startswith("outer_table: `df` has repeated ids.")
    assert "(strict= is an option of demo.inner_check" in message
    assert "keep=" not in message.split("duplicated(")[1].split(")")[1]


def test_warnings_name_the_called_function_and_point_at_the_caller() -> None:
    graph = _mod("graph").build_graph(grid(island=True), islands="keep")
    with pytest.warns(
        DataQualityWarning, match=r"^moran: the graph has 1 area\(s\) without"
    ) as rec:
        _mod(AC).moran(grid(island=True), "x", graph=graph, **PERM9)
    assert rec[0].filename == __file__  # stacklevel still points at the user's line


def test_every_public_function_is_an_entry_point() -> None:
    """Each public module registers its functions, so that their errors name them."""
    from sozplan.errors import _PUBLIC_CODE

    registered = {name for name, _ in _PUBLIC_CODE.values()}
    missing = [n for n in public_function_names() if n.split(".")[1] not in registered]
    assert not missing, f"add public_functions(globals()) to their modules: {missing}"


def test_segregation_table_passes_its_graph_to_adjusted_d() -> None:
    """Islands raise in the spatial table unless the user chose a policy for its graph."""
    seg, island = _mod(SEG), grid(island=True)
    with pytest.raises(InputError, match=r"^segregation_table: the queen graph has 1 area"):
        seg.segregation_table(
            island, "grp", "tot", spatial=True, indices=["spatial_dissimilarity"]
        )
    kept = _mod("graph").build_graph(island, islands="keep", transform="b")
    table = seg.segregation_table(
        island, "grp", "tot", spatial=True, graph=kept, indices=["spatial_dissimilarity"]
    )
    direct = seg.spatial_dissimilarity(island, "grp", "tot", graph=kept).statistic
    assert table.loc[table["index"] == "spatial_dissimilarity", "statistic"].iloc[
        0
    ] == pytest.approx(direct)


# ------------------------------------------------------------------ one language per repr

#: Label words of German reprs (not data: class labels such as "hoch" or "bis" are data).
GERMAN_LABELS = frozenset(
    [
        "Wert",
        "Werte",
        "Gebiete",
        "Ziehungen",
        "Nullmodell",
        "Erwartungswert",
        "bereinigt",
        "Differenz",
        "Intervall",
        "Zerlegung",
        "Regionalisierung",
        "Vergleich",
        "Gebietsgliederungen",
        "Luftlinie",
        "Ersatz",
        "anzahl",
        "Hinweis",
        "Warnung",
        "Regel",
        "Projektion",
        "Rückrechnung",
        "Förderbündelung",
        "Eigenanteil",
        "Kosten",
        "Förderung",
        "Lücke",
        "Zeilen",
        "Maßnahmen",
        "Datenprüfung",
        "Fehler",
        "Befunde",
        "Spalte",
        "Quelle",
        "Ebenen",
        "Beschreibung",
        "Haushaltsvollzug",
        "Wahl",
        "Gruppen",
        "von",
        "und",
        "mit",
        "für",
        "der",
        "die",
        "das",
    ]
)
ENGLISH_LABELS = frozenset(
    [
        "map",
        "areas",
        "area",
        "classes",
        "class",
        "highest",
        "lowest",
        "values",
        "value",
        "from",
        "to",
        "of",
        "and",
        "with",
        "the",
    ]
)


def _words(markup: str) -> set[str]:
    import re

    text = re.sub(r"<style.*?</style>|<[^>]+>", " ", markup, flags=re.DOTALL)
    return set(re.findall(r"[A-Za-zÄÖÜäöüß]+", text))


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_the_html_repr_of_a_result_is_english(name: str) -> None:
    """Reprs are API output, in English like errors and column names (docs/glossary.md).

    Data inside them stay as they are (area ids, class labels, texts written in the
    language a caller chose with ``language=``); a figure's repr is its description, in
    the figure's language (next test).
    """
    entry = CATALOGUE[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SozplanWarning)
        result = entry.call(clean_base(entry), {})
    if not type(result).__module__.startswith("sozplan") or not hasattr(result, "_repr_html_"):
        pytest.skip("not a sozplan result with an HTML repr")
    if type(result).__name__ == "FigureDisplay":
        pytest.skip("a figure's repr is in the figure's language")
    german = _words(result._repr_html_()) & GERMAN_LABELS
    assert not german, f"{name}: German label words in an English repr: {sorted(german)}"


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_html_repr_of_a_figure_is_in_the_figure_language(language: str) -> None:
    import matplotlib.pyplot as plt

    display = _mod("plotting").choropleth(grid(), "x", language=language)
    plt.close("all")
    words = _words(display._repr_html_())
    other = ENGLISH_LABELS if language == "de" else GERMAN_LABELS | {"Karte", "Klassen"}
    assert not words & other, f"{language}: words of the other language: {words & other}"


# ------------------------------------------------------------------ whole numbers, not bools

BOOLEAN_COUNTS = {
    "changes window": (
        lambda: _mod("index").changes(panel(), ["x"], window=True),
        r"^changes: `window` is True",
    ),
    "classify n_classes": (
        lambda: _mod("index").classify(_grid_plain()["x"], "quantiles", n_classes=True),
        r"^classify: `n_classes` is True",
    ),
    "choropleth n_classes": (
        lambda: drawing("plotting", "choropleth", "x", n_classes=True)(grid(), {}),
        r"^choropleth: `n_classes` is True",
    ),
    "change columns with text": (
        lambda: _mod("indicators").change(
            _set(panel_long(), "x", "a1", "12,5"), columns=["x"], years=YEARS
        ),
        r"^change: column\(s\) 'x' \(object\) of `df` are not numeric",
    ),
}


@pytest.mark.parametrize("case", sorted(BOOLEAN_COUNTS))
def test_true_is_not_a_count_and_text_is_not_a_number(case: str) -> None:
    call, pattern = BOOLEAN_COUNTS[case]
    with pytest.raises(InputError, match=pattern):
        call()
