"""Tests of sozplan.zensus: the Zensus grid reader, cell polygons and aggregation to areas.

Fixtures in ``tests/data/zensus/`` are written by hand in the exact format of the
Zensus 2022 grid tables (zensus2022.de, "Gitterdaten zum Download": ``;``, UTF-8, decimal
comma, ``–`` for "exactly zero or set to zero", ``werterlaeuternde_Zeichen`` with
``KLAMMERN``) and of the Zensus 2011 tables (short ids, ``-1`` for secret values). Expected
values are computed by hand beside each assertion.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from sozplan.errors import DataQualityWarning, InputError
from sozplan.zensus import (
    ZensusGrid,
    grid_cells,
    grid_to_areas,
    parse_grid_ids,
    read_zensus_grid,
)

DATA = Path(__file__).parent / "data" / "zensus"
POP100 = DATA / "Zensus2022_Bevoelkerungszahl_100m-Gitter.csv"


# --- ids ---------------------------------------------------------------------------------------


def test_parse_both_id_forms_to_the_same_cell():
    ids = parse_grid_ids(["CRS3035RES100mN2689100E4337000", "100mN26891E43371",
                          "1kmN2689E4337", "CRS3035RES10000mN2680000E4330000"])  # fmt: skip
    assert ids.index.tolist() == [
        "CRS3035RES100mN2689100E4337000",
        "CRS3035RES100mN2689100E4337100",  # 26891 x 100 m, 43371 x 100 m
        "CRS3035RES1000mN2689000E4337000",  # 2689 x 1 km
        "CRS3035RES10000mN2680000E4330000",
    ]
    assert ids["resolution"].tolist() == [100, 100, 1000, 10000]
    assert ids["east"].tolist() == [4337000, 4337100, 4337000, 4330000]


@pytest.mark.parametrize(
    ("ids", "match"),
    [
        (["N2689100E4337000"], "no grid cell ids"),
        (["CRS25832RES100mN2689100E4337000"], "name the CRS '25832'"),
        (["CRS3035RES100mN2689150E4337000"], "not on the grid"),
        (["CRS3035RES100mN2689100E4337000", "100mN26891E43370"], "duplicate cells"),
    ],
)
def test_parse_bad_ids(ids, match):
    with pytest.raises(InputError, match=f"parse_grid_ids: .*{match}"):
        parse_grid_ids(ids)


# --- reader ------------------------------------------------------------------------------------


def test_read_population_100m_with_dash():
    g = read_zensus_grid(POP100)
    assert isinstance(g, ZensusGrid)
    assert g.resolution == 100
    assert g.values["Einwohner"].tolist() == [10, 20, 30, 40, 5, 0]  # '–' read as 0
    assert g.signs["Einwohner"].tolist() == [None] * 5 + ["–"]  # and the sign kept
    assert g.cells.loc["CRS3035RES100mN2689100E4337000", ["x", "y"]].tolist() == [4337050, 2689150]
    assert g.sign_counts().loc["–", "Einwohner"] == 1
    assert "6 cells of 100 m" in repr(g)


def test_read_rent_decimal_comma_brackets_and_unknown():
    g = read_zensus_grid(DATA / "Zensus2022_Durchschn_Nettokaltmiete_100m-Gitter.csv")
    v = g.values["durchschnMieteQM"]
    assert v.iloc[:2].tolist() == [7.35, 9.10]
    assert np.isnan(v.iloc[2])
    assert g.signs["durchschnMieteQM"].tolist() == [None, "KLAMMERN", "/"]


def test_read_1km_with_per_column_flags():
    g = read_zensus_grid(DATA / "Zensus2022_Alter_in_5_Altersklassen_1km-Gitter.csv")
    assert g.resolution == 1000
    assert g.values.columns.tolist() == ["Insgesamt_Bevoelkerung", "Unter18", "a65undaelter"]
    assert g.values["Unter18"].tolist() == [201, 0, 0]
    assert g.signs["a65undaelter"].tolist() == [None, "KLAMMERN", "."]  # flag only this column
    assert g.signs["Insgesamt_Bevoelkerung"].isna().all()
    assert np.isnan(g.values["a65undaelter"].iloc[2])


def test_read_10km_with_bom_and_crlf():
    g = read_zensus_grid(DATA / "Zensus2022_Bevoelkerungszahl_10km-Gitter.csv")
    assert g.resolution == 10_000
    assert g.values["Einwohner"].tolist() == [152301, 9876]


def test_read_zensus_2011_short_ids_and_secret_minus_one():
    g = read_zensus_grid(DATA / "Zensus2011_Bevoelkerung_100m-Gitter.csv")
    assert g.values.index[1] == "CRS3035RES100mN2689100E4337100"
    assert g.values["Einwohner"].iloc[0] == 8
    assert np.isnan(g.values["Einwohner"].iloc[1])
    assert g.signs["Einwohner"].iloc[1] == "."


def test_read_columns_selection():
    g = read_zensus_grid(DATA / "Zensus2022_Alter_in_5_Altersklassen_1km-Gitter.csv",
                         columns=["Unter18"])  # fmt: skip
    assert g.values.columns.tolist() == ["Unter18"]


def _write(tmp_path, text, name="t.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("ID;Einwohner\nx;1\n", "no grid id column"),
        (
            "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\n"
            "CRS3035RES100mN2689100E4337000;4337000;2689150;1\n",
            "not the centre of their cell",
        ),
        ("GITTER_ID_1km;Einwohner\nCRS3035RES100mN2689100E4337000;1\n", "holds cells of 100 m"),
        (
            "GITTER_ID_100m;Einwohner\nCRS3035RES100mN2689100E4337000;viele\n",
            "neither numbers nor Zensus signs",
        ),
        ("GITTER_ID_100m;x_mp_100m\nCRS3035RES100mN2689100E4337000;4337050\n", "no value column"),
    ],
)
def test_read_bad_files(tmp_path, text, match):
    with pytest.raises(InputError, match=f"read_zensus_grid: .*{match}"):
        read_zensus_grid(_write(tmp_path, text))


def test_read_bad_arguments(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_zensus_grid(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="`columns` names 'Kinder'"):
        read_zensus_grid(POP100, columns=["Kinder"])
    # ISO-8859-1 is decoded (fallback), and its text value is then refused clearly
    with pytest.raises(InputError, match="'ä'"):
        read_zensus_grid(DATA / "latin1_bad.csv")


def test_unknown_explanatory_sign_is_warned(tmp_path):
    p = _write(tmp_path, "GITTER_ID_100m;Einwohner;werterlaeuternde_Zeichen\n"
                         "CRS3035RES100mN2689100E4337000;3;STERN\n")  # fmt: skip
    with pytest.warns(DataQualityWarning, match="unknown explanatory signs 'STERN'"):
        g = read_zensus_grid(p)
    assert g.signs["Einwohner"].iloc[0] == "STERN"


# --- cells -------------------------------------------------------------------------------------


def test_grid_cells_squares_in_3035():
    cells = grid_cells(read_zensus_grid(POP100))
    assert cells.crs.to_epsg() == 3035
    assert np.allclose(cells.area, 100 * 100)
    assert cells.geometry.iloc[1].bounds == (4337100, 2689100, 4337200, 2689200)
    assert cells["Einwohner"].tolist()[:2] == [10, 20]


# --- aggregation -------------------------------------------------------------------------------


@pytest.fixture
def areas():
    # West covers x 4337000-4337130 (all of the west column, 30 % of the east column),
    # East covers x 4337130-4337200; both y 2689100-2689300. The cell at x 4337300 is outside.
    return gpd.GeoDataFrame(
        {"name": ["West", "Ost"]},
        geometry=[shapely.box(4337000, 2689100, 4337130, 2689300),
                  shapely.box(4337130, 2689100, 4337200, 2689300)],
        index=pd.Index(["W", "O"], name="gebiet"), crs="EPSG:3035",
    )  # fmt: skip


def test_aggregate_by_centre(areas):
    agg = grid_to_areas(read_zensus_grid(POP100), areas, "Einwohner")
    # centres x = 4337050 (West) and 4337150 (East): West 10 + 30, East 20 + 40
    assert agg.table["Einwohner"].tolist() == [40.0, 60.0]
    assert agg.table["n_cells"].tolist() == [2, 2]
    # the cell at x 4337350 (5 residents) and the '–' cell at y 2689350 lie outside
    assert len(agg.unassigned) == 2
    assert agg.unassigned["Einwohner"].sum() == 5
    assert any("Cell-Key" in n for n in agg.notes)


def test_aggregate_by_share_straddling_cells(areas):
    agg = grid_to_areas(read_zensus_grid(POP100), areas, "Einwohner", method="share")
    # West: 10 + 30 + 0.3 x (20 + 40) = 58; East: 0.7 x (20 + 40) = 42
    assert np.allclose(agg.table["Einwohner"].to_numpy(), [58.0, 42.0])
    assert np.allclose(agg.table["n_cells"].to_numpy(), [2.6, 1.4])


def test_aggregate_reprojected_areas_give_the_same_centre_sums(areas):
    agg = grid_to_areas(read_zensus_grid(POP100), areas.to_crs(25832), "Einwohner")
    assert agg.table["Einwohner"].tolist() == [40.0, 60.0]


def test_aggregate_unknown_values(areas):
    g = read_zensus_grid(DATA / "Zensus2022_Durchschn_Nettokaltmiete_100m-Gitter.csv")
    # (summing rents is wrong in practice; here it only tests the bookkeeping)
    prop = grid_to_areas(g, areas, "durchschnMieteQM")
    assert np.isnan(prop.table.loc["W", "durchschnMieteQM"])  # West holds the '/' cell
    assert prop.table.loc["W", "n_unknown"] == 1
    skip = grid_to_areas(g, areas, "durchschnMieteQM", missing="skip")
    assert skip.table.loc["W", "durchschnMieteQM"] == pytest.approx(7.35)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "mitte"}, "`method` is 'mitte'"),
        ({"missing": "drop"}, "`missing` is 'drop'"),
        ({"columns": ["Kinder"]}, "`columns` names 'Kinder'"),
    ],
)
def test_aggregate_bad_arguments(areas, kwargs, match):
    with pytest.raises(InputError, match=f"grid_to_areas: {match}"):
        grid_to_areas(read_zensus_grid(POP100), areas, **kwargs)


def test_aggregate_bad_areas(areas):
    g = read_zensus_grid(POP100)
    with pytest.raises(InputError, match="`areas` has no CRS"):
        grid_to_areas(g, areas.set_crs(None, allow_override=True))
    with pytest.raises(InputError, match="duplicate ids"):
        grid_to_areas(g, pd.concat([areas, areas]))
    with pytest.raises(InputError, match="`grid` is a DataFrame"):
        grid_to_areas(g.values, areas)


def test_aggregate_refuses_no_areas_and_infinite_negative_or_text_values(areas):
    """Unknown values (NaN) are counted and documented; inf, text or negatives are refused."""
    g = read_zensus_grid(POP100)
    with pytest.raises(InputError, match=r"^grid_to_areas: `areas` has no rows"):
        grid_to_areas(g, areas.iloc[:0])
    first = g.values.index[0]
    for bad, match in [
        (np.inf, "1 infinite value"),
        (-5.0, "1 negative count"),
        ("12,5", r"'Einwohner' \(object\) of `grid.values` are not numeric"),
    ]:
        values = g.values.astype(object if isinstance(bad, str) else float)
        values.loc[first, "Einwohner"] = bad
        broken = ZensusGrid(values, g.signs, g.cells, g.resolution, g.source)
        with pytest.raises(InputError, match=rf"^grid_to_areas: .*{match}"):
            grid_to_areas(broken, areas, "Einwohner")
    values = g.values.astype(float)
    values.loc[first, "Einwohner"] = np.nan
    unknown = grid_to_areas(ZensusGrid(values, g.signs, g.cells, g.resolution, g.source), areas)
    assert unknown.table["n_unknown"].sum() == 1  # the good path: counted, not refused


@settings(max_examples=25, deadline=None)
@given(cut=st.floats(4337001, 4337199))
def test_share_preserves_the_total_of_covered_cells(cut):
    """Invariant: areas that tile the four cells receive exactly their 100 residents."""
    g = read_zensus_grid(POP100)
    tiles = gpd.GeoDataFrame(
        geometry=[shapely.box(4337000, 2689100, cut, 2689300),
                  shapely.box(cut, 2689100, 4337200, 2689300)],
        index=["a", "b"], crs="EPSG:3035",
    )  # fmt: skip
    agg = grid_to_areas(g, tiles, "Einwohner", method="share")
    assert agg.table["Einwohner"].sum() == pytest.approx(100.0)
    assert agg.table["Einwohner"].min() >= 0
