"""Tests of the synthetic city Musterstadt: files, loaders, calibration and planted truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from libpysal.graph import Graph

from sozplan.datasets import (
    AGE_BANDS,
    BERLIN_TARGETS,
    CITIZENSHIP_GROUPS,
    COUNT_COLUMNS,
    DATA_DICTIONARY,
    MUSTERSTADT,
    load_costs,
    load_measures,
    load_musterstadt,
    load_truth,
    make_city,
)
from sozplan.datasets._generator import generate_city
from sozplan.errors import InputError

LEVELS = ["block", "planning_area", "district_region", "district"]
COUNTS = [c for c in COUNT_COLUMNS if c != "flaeche_m2"]


def quotes(d: pd.DataFrame) -> pd.DataFrame:
    """Indicators in percent, written out independently of sozplan.indicators."""
    return pd.DataFrame(
        {
            "arbeitslose_sgb2_quote": d.arbeitslose_sgb2
            / (d.einwohner_15_17 + d.einwohner_18_64)
            * 100,
            "sgb2_quote": d.sgb2_leistungsberechtigte / (d.einwohner - d.einwohner_65_plus) * 100,
            "kinderarmut_quote": d.sgb2_unter15 / (d.einwohner_0_5 + d.einwohner_6_14) * 100,
            "auslaender_anteil": d.auslaender / d.einwohner * 100,
            "anteil_65_plus": d.einwohner_65_plus / d.einwohner * 100,
            "anteil_unter_18": (d.einwohner_0_5 + d.einwohner_6_14 + d.einwohner_15_17)
            / d.einwohner
            * 100,
            "alleinerziehende_anteil": d.haushalte_alleinerziehend / d.haushalte_mit_kindern * 100,
            "altersarmut_quote": d.sgb12_grundsicherung_65_plus / d.einwohner_65_plus * 100,
        },
        index=d.index,
    )


def mss_index(frame: pd.DataFrame, rated: pd.Series) -> pd.Series:
    """Berlin MSS style index: z over rated areas (ddof=0), sum, z again."""

    def z(v):
        return (v - v[rated].mean()) / v[rated].std(ddof=0)

    return z(sum(z(frame[c]) for c in frame.columns))


@pytest.fixture(scope="module")
def truth():
    return load_truth()


@pytest.fixture(scope="module")
def blocks():
    return load_musterstadt("block")


@pytest.fixture(scope="module")
def areas_all():
    return load_musterstadt("planning_area", year="all")


# --- files and loaders ------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_levels_are_indexed_by_unique_zero_padded_ids(level):
    gdf = load_musterstadt(level)
    width = {"block": 9, "planning_area": 6, "district_region": 4, "district": 2}[level]
    assert gdf.index.is_unique
    assert gdf.index.str.fullmatch(rf"\d{{{width}}}").all()
    assert gdf.crs.to_epsg() == 25832
    assert set(COUNTS) <= set(gdf.columns)


def test_sizes_match_the_issue(blocks):
    # issue 3: about 4,000 blocks in about 250 planning areas, 40 district regions, 8 districts
    assert len(blocks) == 4000
    assert 200 <= blocks["planungsraum"].nunique() <= 300
    assert 30 <= blocks["bezirksregion"].nunique() <= 50
    assert blocks["bezirk"].nunique() == 8


def test_ids_encode_the_hierarchy(blocks):
    assert (blocks.index.str[:6] == blocks["planungsraum"]).all()
    assert (blocks["planungsraum"].str[:4] == blocks["bezirksregion"]).all()
    assert (blocks["bezirksregion"].str[:2] == blocks["bezirk"]).all()


@pytest.mark.parametrize("year", MUSTERSTADT["years"])
def test_hierarchy_sums_match_at_every_level(year):
    frames = {level: load_musterstadt(level, year=year) for level in LEVELS}
    block = frames["block"]
    for level, col in [
        ("planning_area", "planungsraum"),
        ("district_region", "bezirksregion"),
        ("district", "bezirk"),
    ]:
        expected = block.groupby(col)[COUNTS].sum()
        pd.testing.assert_frame_equal(frames[level][COUNTS], expected, check_names=False)
    city_total = block[COUNTS].sum()
    for level in LEVELS:
        pd.testing.assert_series_equal(frames[level][COUNTS].sum(), city_total)


def test_counts_are_consistent(blocks):
    b = blocks
    assert (b[COUNTS] >= 0).all().all()
    assert (b[list(AGE_BANDS)].sum(axis=1) == b.einwohner).all()
    assert (b[list(CITIZENSHIP_GROUPS)].sum(axis=1) == b.einwohner).all()
    assert (b.auslaender == b.einwohner - b.deutsche).all()
    assert (b.sgb2_leistungsberechtigte <= b.einwohner - b.einwohner_65_plus).all()
    assert (b.sgb2_unter15 <= b.einwohner_0_5 + b.einwohner_6_14).all()
    assert (b.arbeitslose_sgb2 <= b.einwohner_15_17 + b.einwohner_18_64).all()
    assert (b.haushalte_alleinerziehend <= b.haushalte_mit_kindern).all()
    assert (b.haushalte_mit_kindern <= b.haushalte).all()
    assert (b.sgb12_grundsicherung_65_plus <= b.einwohner_65_plus).all()


def test_geometry_blocks_are_valid_polygons_and_cover_the_area(blocks):
    assert blocks.geometry.is_valid.all()
    assert (blocks.geometry.geom_type == "Polygon").all()
    assert np.allclose(blocks.geometry.area, blocks.flaeche_m2, atol=1)


def test_long_format_has_all_years(areas_all):
    assert areas_all.index.names == ["planungsraum", "jahr"]
    assert sorted(areas_all.index.get_level_values("jahr").unique()) == list(MUSTERSTADT["years"])


def test_data_dictionary_lists_every_column(blocks):
    assert set(COUNTS) <= set(DATA_DICTIONARY.index)
    assert DATA_DICTIONARY["definition_de"].str.len().min() > 5


def test_loaders_reject_bad_arguments():
    with pytest.raises(InputError, match=r"`level`.*'block'"):
        load_musterstadt("blocks")
    with pytest.raises(InputError, match="`year` is 2019"):
        load_musterstadt("block", year=2019)
    with pytest.raises(InputError, match=r"raw copy exists for level='block' and year=2024"):
        load_musterstadt("district", raw=True)
    with pytest.raises(InputError, match="at least 400"):
        make_city(10)


def test_loaders_return_copies():
    a = load_musterstadt("district")
    a["einwohner"] = 0
    assert load_musterstadt("district")["einwohner"].gt(0).all()
    t = load_truth()
    t["hot_spots"].clear()
    assert load_truth()["hot_spots"]


def test_measures_and_costs(truth):
    m, c = load_measures(), load_costs()
    assert m.index.is_unique
    assert (m["ende"] >= m["beginn"]).all()
    pa = set(load_musterstadt("planning_area").index)
    assert set(c["planungsraum"]) <= pa
    assert (c[["eigenmittel", "foerdermittel", "drittmittel"]] >= 0).all().all()
    assert set(m.loc["M01", "gebiete"].split()) == set(
        truth["measures"]["effect"]["planning_areas"]
    )


# --- calibration against the Berlin planning areas ------------------------------------


@pytest.fixture(scope="module")
def calibration():
    pa = load_musterstadt("planning_area", year=2020)
    rated = pa.einwohner >= 300
    return pa[rated], quotes(pa[rated])


@pytest.mark.parametrize("indicator", list(BERLIN_TARGETS["distribution"]))
def test_distribution_calibrated_to_berlin(calibration, indicator):
    # targets: Berlin MSS 2021 planning areas (see BERLIN_TARGETS for the sources)
    _, q = calibration
    mean, sd, _skew = BERLIN_TARGETS["distribution"][indicator]
    assert q[indicator].mean() == pytest.approx(mean, rel=0.25)
    assert q[indicator].std() == pytest.approx(sd, rel=0.45)


def test_indicators_right_skewed_like_berlin(calibration):
    _, q = calibration
    for ind in ["sgb2_quote", "kinderarmut_quote", "arbeitslose_sgb2_quote", "altersarmut_quote"]:
        assert q[ind].skew() > 0.3, ind


@pytest.mark.parametrize("pair", list(BERLIN_TARGETS["correlation"]))
def test_correlations_calibrated_to_berlin(calibration, pair):
    _, q = calibration
    target = BERLIN_TARGETS["correlation"][pair]
    assert q[pair[0]].corr(q[pair[1]]) == pytest.approx(target, abs=0.3)


def test_spatial_autocorrelation_calibrated_to_berlin(calibration):
    import esda

    pa, q = calibration
    g = Graph.build_contiguity(pa, rook=False).transform("r")
    for ind, target in BERLIN_TARGETS["moran"].items():
        i = esda.Moran(q[ind].to_numpy(), g, permutations=0).I
        assert i == pytest.approx(target, abs=0.15), ind


# --- planted truth ---------------------------------------------------------------------


def test_hot_spot_blocks_have_the_highest_deprivation(blocks, truth):
    q = quotes(blocks[blocks.einwohner >= 50])
    hot = [b for spot in truth["hot_spots"] for b in spot["blocks"] if b in q.index]
    top = q["sgb2_quote"].rank(ascending=False)
    # every hot-spot block is among the most deprived 5 % of blocks
    assert (top.loc[hot] <= 0.05 * len(q)).mean() >= 0.9
    cold = [b for b in truth["cold_spot"]["blocks"] if b in q.index]
    assert q.loc[cold, "sgb2_quote"].median() < 0.2 * q["sgb2_quote"].median()


def test_hot_spot_areas_are_sehr_niedrig_and_cold_spot_hoch(truth):
    pa = load_musterstadt("planning_area", year=2024)
    rated = pa.einwohner >= 300
    q = quotes(pa)[["arbeitslose_sgb2_quote", "sgb2_quote", "kinderarmut_quote"]]
    status = mss_index(q, rated)
    for spot in truth["hot_spots"]:
        assert (status[spot["planning_areas"]] > 1.5).all()  # "sehr niedrig" in MSS terms
    assert (status[truth["cold_spot"]["planning_areas"]] < -1).all()  # "hoch"


def test_gentrifying_and_declining_areas_have_the_expected_dynamics(areas_all, truth):
    q = quotes(areas_all)[["arbeitslose_sgb2_quote", "sgb2_quote", "kinderarmut_quote"]]
    change = q.xs(2024, level="jahr") - q.xs(2022, level="jahr")
    pop = areas_all.xs(2024, level="jahr").einwohner
    dyn = mss_index(change, pop >= 300)
    assert dyn[truth["gentrifying"]["planning_area"]] < -1  # "positiv"
    assert dyn[truth["declining"]["planning_area"]] > 1  # "negativ"


def test_platte_und_penthouse_has_the_largest_within_area_variance(blocks, truth):
    b = blocks[blocks.einwohner > 0]
    q = quotes(b)["sgb2_quote"]
    within = q.groupby(b["planungsraum"]).var()
    pp = truth["platte_und_penthouse"]
    assert within.idxmax() == pp["planning_area"]
    # its mean hides two very different populations
    assert q[pp["high_rise_blocks"]].mean() > 30 > 3 > q[pp["villa_blocks"]].mean()


def test_segregated_group_is_concentrated_in_shelters(blocks, truth):
    col = truth["segregated_group"]["column"]
    b = blocks[blocks.einwohner > 0]

    def dissimilarity(g):
        return (
            0.5
            * np.abs(b[g] / b[g].sum() - (b.einwohner - b[g]) / (b.einwohner - b[g]).sum()).sum()
        )

    def mutual_information(g):  # two-group M (Theil & Finizza 1971), group against everyone else
        x = np.c_[b[g], b.einwohner - b[g]].astype(float)
        t = x.sum(axis=1)
        p, big_p = x / t[:, None], x.sum(axis=0) / t.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(
                (t / t.sum() * np.where(p > 0, p * np.log(p / big_p), 0).sum(axis=1)).sum()
            )

    minorities = [g for g in CITIZENSHIP_GROUPS if g != "deutsche"]
    d = {g: dissimilarity(g) for g in minorities}
    m = {g: mutual_information(g) for g in minorities}
    assert max(d, key=d.get) == col
    assert max(m, key=m.get) == col
    assert d[col] > max(v for g, v in d.items() if g != col) + 0.2
    assert m[col] > 1.5 * max(v for g, v in m.items() if g != col)
    assert 0.015 < b[col].sum() / b.einwohner.sum() < 0.04  # a small minority, as in German cities


def test_island_block_has_no_contiguous_neighbour(blocks, truth):
    g = Graph.build_contiguity(blocks, rook=False)
    assert list(g.isolates) == [truth["island_block"]]


def test_empty_blocks_have_no_residents(blocks, truth):
    empty = blocks.index[blocks.einwohner == 0]
    assert set(truth["empty_blocks"]) == set(empty)
    assert 0.02 < len(empty) / len(blocks) < 0.15


def test_small_areas_fall_below_the_mss_threshold(truth):
    pa = load_musterstadt("planning_area")
    assert (pa.loc[truth["small_areas"]["planning_areas"], "einwohner"] < 300).all()


def test_true_regions_are_contiguous_homogeneous_and_within_bounds(blocks, truth):
    reg = truth["regions"]
    labels = pd.Series(reg["labels"])
    b = blocks.loc[labels.index]
    assert (b["bezirk"] == reg["district"]).all()
    assert labels.nunique() == reg["n_regions"]
    for region, ids in labels.groupby(labels).groups.items():
        g = Graph.build_contiguity(b.loc[ids], rook=False)
        assert g.n_components == 1, region
    pop = b.einwohner.groupby(labels).sum()
    assert (pop >= reg["population_floor"]).all()
    assert (pop <= reg["population_ceiling"]).all()
    q = quotes(b)["sgb2_quote"]
    between = q.groupby(labels).transform("mean")
    assert ((between - q.mean()) ** 2).sum() / ((q - q.mean()) ** 2).sum() > 0.8


def test_types_are_separated_in_indicator_space(truth):
    from sklearn.metrics import silhouette_score

    pa = load_musterstadt("planning_area")
    labels = pd.Series(truth["types"]["labels"])
    q = quotes(pa.loc[labels.index])
    z = (q - q.mean()) / q.std()
    assert silhouette_score(z.fillna(0), labels) > 0.2


def test_raw_copy_contains_exactly_the_planted_errors(truth):
    raw = load_musterstadt("block", raw=True)
    clean = load_musterstadt("block")
    errors = {e["kind"]: e for e in truth["data_errors"]}
    assert set(errors) == {
        "numerator_above_denominator",
        "suppressed_value",
        "duplicate_id",
        "missing_geometry",
    }
    e = errors["numerator_above_denominator"]
    row = raw.loc[e["id"]]
    assert row[e["numerator"]] > row[e["denominator"]]
    assert np.isnan(
        raw.loc[errors["suppressed_value"]["id"], errors["suppressed_value"]["column"]]
    )
    assert raw.index.duplicated().sum() == 1
    assert raw.index[raw.index.duplicated()][0] == errors["duplicate_id"]["id"]
    missing = errors["missing_geometry"]["id"]
    assert missing not in clean.index
    assert raw.loc[missing, "geometry"] is None
    # everything else equals the clean 2024 data
    ok = raw[~raw.index.duplicated(keep="first")].drop(
        index=[missing, e["id"], errors["suppressed_value"]["id"]]
    )
    pd.testing.assert_frame_equal(
        ok[COUNTS].astype("int64"), clean.loc[ok.index, COUNTS], check_names=False
    )


def test_truth_json_records_the_planted_measure_effects(truth):
    eff = truth["measures"]["effect"]
    assert eff["effect_pp"] == -2.0
    assert eff["start"] == 2022
    assert truth["measures"]["pretrend"]["true_effect_pp"] == 0.0
    assert not set(eff["planning_areas"]) & set(truth["measures"]["pretrend"]["planning_areas"])


# --- the generator -----------------------------------------------------------------------


def test_shipped_files_equal_a_fresh_generation(blocks):
    city = generate_city(
        MUSTERSTADT["n_blocks"], seed=MUSTERSTADT["seed"], years=MUSTERSTADT["years"]
    )
    fresh = city.counts.xs(2024, level="jahr").sort_index()
    pd.testing.assert_frame_equal(fresh[COUNTS], blocks[COUNTS].sort_index(), check_names=False)
    assert shapely.equals_exact(
        city.blocks.geometry.sort_index().to_numpy(),
        blocks.geometry.sort_index().to_numpy(),
        tolerance=0.02,
    ).all()


def test_make_city_is_deterministic_and_sized():
    a = make_city(600, seed=3)
    b = make_city(600, seed=3)
    c = make_city(600, seed=4)
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
    assert not a["einwohner"].equals(c["einwohner"])
    assert len(a) == 600
    assert a.index.is_unique


def test_make_city_all_years_long_format():
    city = make_city(500, seed=2, year="all", plant=False)
    assert city.index.names == ["block", "jahr"]
    assert len(city) == 500 * len(MUSTERSTADT["years"])


def test_load_financing_reads_a_folder_of_own_tables(tmp_path):
    """A city's own folder in Musterstadt's layout gives the same tables (round trip)."""
    from sozplan.datasets import load_financing
    from sozplan.errors import InputError

    fin = load_financing()
    fin.measures.reset_index().to_csv(tmp_path / "massnahmen.csv", index=False)
    names = {"programmes": "foerderprogramme.csv", "cost_plan": "kostenplan.csv",
             "funding": "finanzierung.csv", "own_funds": "eigenmittel.csv",
             "execution": "mittelabfluss.csv"}  # fmt: skip
    for key, name in names.items():
        getattr(fin, key).to_csv(tmp_path / name, index=False)
    own = load_financing(tmp_path)
    for key in names:
        pd.testing.assert_frame_equal(getattr(own, key), getattr(fin, key))
    (tmp_path / "mittelabfluss.csv").unlink()
    with pytest.raises(InputError, match=r"load_financing: .* lacks 'mittelabfluss\.csv'"):
        load_financing(tmp_path)


# ------------------------------------------------------------------ the teaching data pack


def test_teaching_tables_are_described_in_both_languages():
    from sozplan.datasets import load_teaching, teaching_tables

    listed = teaching_tables(language="en")
    assert {"toystadt", "toystadt_kitas", "toystadt_wege"} <= set(listed.index)
    for name in listed.index:
        table = load_teaching(name)
        assert len(table) == listed.loc[name, "rows"]
        for key in ("title", "description"):
            assert set(table.attrs[key]) == {"de", "en"}, (name, key)
        described = set(table.attrs["columns"])
        present = set(table.columns) | ({table.index.name} - {None})
        assert present <= described, f"{name}: columns without a description {present - described}"
        for text in table.attrs["columns"].values():
            assert set(text) == {"de", "en"}, name


def test_toystadt_hand_computed_figures():
    from sozplan.datasets import load_teaching

    toy = load_teaching("toystadt")
    # written by hand: 16,000 residents; the three origin groups add up in every area
    assert int(toy["einwohner"].sum()) == 16_000
    assert (toy[["deutsch", "eu", "nicht_eu"]].sum(axis=1) == toy["einwohner"]).all()
    assert toy.crs.to_epsg() == 25832
    assert toy.area.round().eq(1_000_000).all()
    # D of non-EU foreigners against everybody else, from the formula by hand:
    # D = 1/2 sum_i |x_i/X - y_i/Y| with X = 2,105 (hand sum) and y_i = residents - x_i
    from sozplan.segregation import dissimilarity

    x = toy["nicht_eu"]
    y = toy["einwohner"] - x
    assert int(x.sum()) == 2_105
    by_hand = 0.5 * (x / x.sum() - y / y.sum()).abs().sum()
    result = dissimilarity(toy, "nicht_eu", "einwohner")
    assert float(result.statistic) == pytest.approx(by_hand, abs=1e-12)
    # travel times: Manhattan distance in km x 6 min; K1 lies in T02's centre
    ways = load_teaching("toystadt_wege").set_index(["gebiet", "kita"])["minuten"]
    assert ways[("T02", "K1")] == 0
    assert ways[("T12", "K1")] == 24


def test_load_teaching_unknown_name():
    from sozplan.datasets import load_teaching

    with pytest.raises(InputError, match=r"load_teaching: there is no teaching table 'toy'"):
        load_teaching("toy")


# --- the generator's fast paths equal the plain computations they replace -------------------


@pytest.fixture(scope="module")
def geometry_3000():
    from sozplan.datasets._geometry import make_geometry, make_hierarchy

    rng = np.random.default_rng(7)
    geom = make_geometry(3_000, rng)
    return geom, make_hierarchy(geom, rng)


def test_pa_neighbours_equal_the_intersects_query_in_insertion_order(geometry_3000):
    """The sets (and their iteration order) as from adding every intersecting block pair."""
    from sozplan.datasets._generator import _pa_neighbours

    geom, (_, _, planning) = geometry_3000
    n_pa = planning.max() + 1
    left, right = shapely.STRtree(geom.blocks).query(geom.blocks, predicate="intersects")
    expected: list[set[int]] = [set() for _ in range(n_pa)]
    for i, j in zip(planning[left], planning[right], strict=True):
        if i != j:
            expected[i].add(int(j))
    got = _pa_neighbours(geom.blocks, planning, n_pa)
    assert [list(s) for s in got] == [list(s) for s in expected]


def test_within_land_and_near_river_equal_the_plain_shapely_tests(geometry_3000):
    from sozplan.datasets._generator import _near
    from sozplan.datasets._geometry import _within

    geom, _ = geometry_3000
    x, y = geom.x, geom.y
    for d in (0.5 * geom.spacing, 1.2 * geom.spacing, 5 * geom.spacing):
        plain = shapely.distance(shapely.points(x, y), geom.river) < d
        np.testing.assert_array_equal(_near(x, y, geom.river, d), plain)
    # the land as the generator clips to it: the outline without the river
    land = shapely.difference(geom.outline, geom.river)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(
            shapely.multipoints(np.c_[x, y]), extend_to=land.envelope, ordered=True
        )
    )
    assert shapely.contains_xy(cells, x, y).all()  # cell i holds seed i
    np.testing.assert_array_equal(_within(cells, np.c_[x, y], land), shapely.within(cells, land))


@pytest.mark.parametrize("k", [1, 5, 40])  # 40 seeds per parent: the k-d tree path
def test_nearest_seed_equals_the_kd_tree(k):
    from scipy.spatial import cKDTree

    from sozplan.datasets._geometry import _nearest_seed

    rng = np.random.default_rng(k)
    n, parents = 20_000, 7
    parent = rng.integers(0, parents, n)
    pts = np.c_[rng.uniform(0, 1e4, (n, 2)), parent * 1e9]
    parent_of_seed = np.repeat(np.arange(parents), k)
    sx, sy = rng.uniform(0, 1e4, (2, parents * k))
    expected = cKDTree(np.c_[sx, sy, parent_of_seed * 1e9]).query(pts)[1]
    got = _nearest_seed(pts, sx, sy, parent, parent_of_seed, 1e9, chunk=3_000)
    np.testing.assert_array_equal(got, expected)
