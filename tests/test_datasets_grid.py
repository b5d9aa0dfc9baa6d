"""The synthetic national grid (sozplan.datasets.make_grid): layout, keys, planted structure."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph

from sozplan.autocorrelation import moran
from sozplan.datasets import GRID_AGE_CLASSES, GRID_COLUMNS, make_grid
from sozplan.errors import InputError
from sozplan.segregation import dissimilarity
from sozplan.zensus import parse_grid_ids, read_zensus_grid


@pytest.fixture(scope="module")
def grid() -> pd.DataFrame:
    return make_grid(12_000, seed=4, n_kreise=6)


def test_layout_of_the_zensus_tables(grid):
    assert len(grid) == 12_000
    assert grid.index.name == "GITTER_ID_100m"
    assert tuple(grid.columns) == GRID_COLUMNS
    ids = parse_grid_ids(grid.index)
    assert (ids["resolution"] == 100).all()
    # the centre columns are the lower-left corner of the id plus 50 m
    assert (ids["east"].to_numpy() + 50 == grid["x_mp_100m"].to_numpy()).all()
    assert (ids["north"].to_numpy() + 50 == grid["y_mp_100m"].to_numpy()).all()
    assert grid.index.is_unique


def test_counts_add_up(grid):
    assert (grid["Einwohner"] >= 1).all()  # only populated cells, as in the Zensus files
    assert (grid[list(GRID_AGE_CLASSES)].sum(axis=1) == grid["Einwohner"]).all()
    assert (grid["Deutsche"] + grid["Auslaender"] == grid["Einwohner"]).all()
    share = 100 * grid["Auslaender"] / grid["Einwohner"]
    assert np.allclose(grid["AnteilAuslaender"], share, atol=0.005)
    # national levels: about 27 residents per populated cell, about 13 % foreigners
    assert 20 < grid["Einwohner"].mean() < 34
    assert 0.10 < grid["Auslaender"].sum() / grid["Einwohner"].sum() < 0.16


def test_keys_nest_like_ags(grid):
    land = grid["land"].astype(str)
    kreis = grid["kreis"].astype(str)
    gemeinde = grid["gemeinde"].astype(str)
    assert (land.str.len() == 2).all()
    assert (kreis.str.len() == 5).all()
    assert (gemeinde.str.len() == 8).all()
    assert (kreis.str[:2] == land).all()
    assert (gemeinde.str[:5] == kreis).all()
    # a kreisfreie Stadt (Kreis number below 50) is one Gemeinde with the number 000
    free = kreis.str[3:].astype(int) < 50
    assert (gemeinde[free].str[5:] == "000").all()
    assert (gemeinde[~free].str[5:] != "000").all()
    assert grid["kreis"].nunique() >= 2


def test_deterministic_from_the_seed():
    a = make_grid(3_000, seed=9)
    pd.testing.assert_frame_equal(a, make_grid(3_000, seed=9))
    assert not a.index.equals(make_grid(3_000, seed=10).index)


def test_written_as_csv_it_reads_as_a_zensus_table(grid, tmp_path):
    path = tmp_path / "Zensus2022_Bevoelkerungszahl_100m-Gitter.csv"
    grid[["x_mp_100m", "y_mp_100m", "Einwohner"]].to_csv(path, sep=";")
    read = read_zensus_grid(path)
    assert read.resolution == 100
    assert read.values["Einwohner"].to_numpy().tolist() == grid["Einwohner"].tolist()


def test_planted_segregation_and_autocorrelation(grid):
    """Within every Kreis foreigners are unevenly spread, and the share is clustered."""
    for _, cells in grid.groupby("kreis", observed=True):
        assert dissimilarity(cells, "Auslaender", "Einwohner").statistic > 0.2
    big = grid[grid["kreis"] == grid["kreis"].value_counts().index[0]]
    big = big[big["Einwohner"] >= 10]
    pts = gpd.GeoSeries(gpd.points_from_xy(big["x_mp_100m"], big["y_mp_100m"]),
                        index=big.index, crs=3035)  # fmt: skip
    g = Graph.build_knn(pts, k=8)
    res = moran(big, "AnteilAuslaender", graph=g.transform("r"), permutations=99, rng=0)
    assert res.statistic > 0.1
    assert res.p_value < 0.05


def test_dense_cores_and_sparse_countryside(grid):
    top = grid.groupby("gemeinde", observed=True)["Einwohner"].agg(["size", "mean"])
    big, small = top.nlargest(5, "size"), top.nsmallest(len(top) // 2, "size")
    assert big["mean"].mean() > 1.5 * small["mean"].mean()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_cells": 500}, "at least 1,000"),
        ({"n_cells": 2_000.0}, "`n_cells`"),
        ({"n_cells": 2_000, "n_gemeinden": 500}, "fewer than 10 cells"),
        ({"n_cells": 2_000, "n_gemeinden": 5, "n_kreise": 8}, "do not nest"),
        ({"n_cells": 2_000, "n_kreise": 0}, "`n_kreise`"),
        ({"n_cells": 2_000, "seed": "a"}, "`seed`"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(InputError, match=match) as info:
        make_grid(**kwargs)
    assert str(info.value).startswith("make_grid:")
