"""Tests of sozplan.services: travel costs, 2SFCA family, supply ratios, equity, site proposals."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from sozplan import services as S
from sozplan.datasets import (
    load_facilities,
    load_musterstadt,
    load_truth,
    make_city,
    make_facilities,
)
from sozplan.errors import InputError

CRS = 25832


# --------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------
@pytest.fixture
def three_by_two():
    """The hand-computed 3 x 2 example (3 blocks, 2 Kitas, costs in minutes)."""
    blocks = pd.DataFrame({"kinder": [100, 50, 50]}, index=["b1", "b2", "b3"])
    kitas = pd.DataFrame({"plaetze": [60, 40]}, index=["k1", "k2"])
    od = pd.DataFrame(
        {
            "origin": ["b1", "b1", "b2", "b2", "b3", "b3"],
            "destination": ["k1", "k2"] * 3,
            "cost": [5.0, 20.0, 8.0, 9.0, 25.0, 4.0],
        }
    )
    return blocks, kitas, od


def _random_problem(seed: int, n_o: int = 40, n_f: int = 9):
    rng = np.random.default_rng(seed)
    o_ids = pd.Index([f"o{i:03d}" for i in range(n_o)], name="geoid")
    f_ids = pd.Index([f"f{j:02d}" for j in range(n_f)], name="geoid")
    demand = pd.DataFrame({"pop": rng.integers(1, 500, n_o).astype(float)}, index=o_ids)
    supply = pd.DataFrame({"places": rng.integers(10, 120, n_f).astype(float)}, index=f_ids)
    od = pd.DataFrame(
        [(o, f, float(rng.uniform(0.5, 40))) for o in o_ids for f in f_ids],
        columns=["origin", "dest", "cost"],
    )
    return demand, supply, od


# --------------------------------------------------------------------------------------
# hand-computed examples
# --------------------------------------------------------------------------------------
def test_two_step_fca_hand_computed_3x2(three_by_two):
    blocks, kitas, od = three_by_two
    costs = S.od_costs(od, blocks, kitas)
    acc = S.two_step_fca(blocks, "kinder", kitas, costs=costs, max_cost=10, per=1)
    # step 1 (catchment 10 min): k1 reached by b1 (5) and b2 (8): R1 = 60 / 150 = 0.4
    #                            k2 reached by b2 (9) and b3 (4): R2 = 40 / 100 = 0.4
    assert acc.facility_ratio.tolist() == [0.4, 0.4]
    # step 2: b1 reaches k1 -> 0.4; b2 reaches both -> 0.8; b3 reaches k2 -> 0.4
    assert acc.values.tolist() == [0.4, 0.8, 0.4]
    # places reaching residents add up to all places: 100*0.4 + 50*0.8 + 50*0.4 = 100
    assert (acc.values * blocks["kinder"]).sum() == 100.0


def test_enhanced_two_step_fca_hand_computed(three_by_two):
    blocks, kitas, od = three_by_two
    costs = S.od_costs(od, blocks, kitas)
    acc = S.enhanced_two_step_fca(blocks, "kinder", kitas, costs=costs, per=1)
    # Luo & Qi weights: <=10 -> 1, <=20 -> 0.68, <=30 -> 0.22
    d1 = 100 * 1 + 50 * 1 + 50 * 0.22  # k1: b1 5, b2 8, b3 25
    d2 = 100 * 0.68 + 50 * 1 + 50 * 1  # k2: b1 20, b2 9, b3 4
    r1, r2 = 60 / d1, 40 / d2
    expected = [r1 * 1 + r2 * 0.68, r1 + r2, r1 * 0.22 + r2]
    np.testing.assert_allclose(acc.values, expected, rtol=0, atol=1e-15)


def test_gravity_and_nearest_hand_computed(three_by_two):
    blocks, kitas, od = three_by_two
    costs = S.od_costs(od, blocks, kitas)
    acc = S.gravity_access(blocks, kitas, costs=costs, decay=S.power(1))
    np.testing.assert_allclose(acc.values, [60 / 5 + 40 / 20, 60 / 8 + 40 / 9, 60 / 25 + 40 / 4])
    near = S.nearest_cost(blocks, costs=costs)
    assert near.values.tolist() == [5.0, 8.0, 4.0]
    assert near.nearest.tolist() == ["k1", "k1", "k2"]


def test_unreachable_origins_are_listed_not_dropped(three_by_two):
    blocks, kitas, od = three_by_two
    costs = S.od_costs(od, blocks, kitas, max_cost=4.5)
    acc = S.two_step_fca(blocks, "kinder", kitas, costs=costs)
    assert list(acc.values.index) == ["b1", "b2", "b3"]
    assert list(acc.unreachable) == ["b1", "b2"]
    assert acc.values.loc["b1"] == 0.0
    near = S.nearest_cost(blocks, costs=costs)
    assert np.isnan(near.values.loc["b1"])
    assert "unreachable origins: 2" in repr(acc)


# --------------------------------------------------------------------------------------
# parity with PySAL access
# --------------------------------------------------------------------------------------
access = pytest.importorskip("access")


def _access_object(demand, supply, od):
    return access.Access(
        demand_df=demand,
        demand_index=True,
        demand_value="pop",
        supply_df=supply,
        supply_index=True,
        supply_value="places",
        cost_df=od,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )


def _ours(demand, supply, od):
    costs = S.od_costs(
        od, demand, supply, origin="origin", destination="dest", cost="cost", unit="min"
    )
    return costs


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("max_cost", [15.0, 25.0, None])
def test_two_step_fca_equals_access_two_stage_fca(seed, max_cost):
    # access.Access.two_stage_fca(max_cost=...) vs sozplan.services.two_step_fca(per=1)
    demand, supply, od = _random_problem(seed)
    ref = _access_object(demand, supply, od).two_stage_fca(name="r", max_cost=max_cost)
    ref = ref["r_places"]
    ours = S.two_step_fca(
        demand,
        "pop",
        supply,
        costs=_ours(demand, supply, od),
        capacity="places",
        max_cost=max_cost,
        per=1,
    )
    common = ref.dropna().index
    # access leaves origins without any facility in reach as NaN; we give 0 and list them
    assert set(ref.index[ref.isna()]) <= set(ours.unreachable)
    np.testing.assert_allclose(ours.values.loc[common], ref.loc[common], rtol=1e-9, atol=0)


@pytest.mark.parametrize("seed", [0, 3])
def test_enhanced_two_step_fca_equals_access(seed):
    # access.Access.enhanced_two_stage_fca() (default step weights 10/20/30 min: 1/0.68/0.22)
    demand, supply, od = _random_problem(seed)
    ref = _access_object(demand, supply, od).enhanced_two_stage_fca(name="r")["r_places"]
    ours = S.enhanced_two_step_fca(
        demand, "pop", supply, costs=_ours(demand, supply, od), capacity="places", per=1
    )
    common = ref.dropna().index
    np.testing.assert_allclose(ours.values.loc[common], ref.loc[common], rtol=1e-9, atol=0)


@pytest.mark.parametrize("seed", [0, 4])
def test_gravity_two_step_fca_equals_access_with_gaussian_weights(seed):
    # access.Access.two_stage_fca(weight_fn=access.weights.gaussian(10), max_cost=30)
    demand, supply, od = _random_problem(seed)
    ref = _access_object(demand, supply, od).two_stage_fca(
        name="r", max_cost=30, weight_fn=access.weights.gaussian(10)
    )["r_places"]
    ours = S.two_step_fca(
        demand,
        "pop",
        supply,
        costs=_ours(demand, supply, od),
        capacity="places",
        max_cost=30,
        decay=S.gaussian(10),
        per=1,
    )
    common = ref.dropna().index
    np.testing.assert_allclose(ours.values.loc[common], ref.loc[common], rtol=1e-9, atol=0)


@pytest.mark.parametrize("seed", [0, 5])
def test_gravity_access_equals_access_weighted_catchment(seed):
    # access.Access.weighted_catchment(weight_fn=access.weights.gravity(1, -1, min_dist=1))
    demand, supply, od = _random_problem(seed)
    ref = _access_object(demand, supply, od).weighted_catchment(
        name="r", weight_fn=access.weights.gravity(scale=1, alpha=-1, min_dist=1)
    )["r_places"]
    ours = S.gravity_access(
        demand,
        supply,
        costs=_ours(demand, supply, od),
        capacity="places",
        decay=S.power(1, min_cost=1),
    )
    np.testing.assert_allclose(ours.values.loc[ref.index], ref, rtol=1e-9, atol=0)


@pytest.mark.parametrize("bad", ["0.1", True, 0, -1.0, float("nan"), float("inf")])
def test_decay_parameters_are_positive_numbers_not_text_or_bools(bad):
    with pytest.raises(
        InputError, match=rf"^exponential: `rate` is {re.escape(repr(bad))}, not a"
    ):
        S.exponential(bad)
    assert S.exponential(np.float32(0.5))(np.array([0.0]))[0] == pytest.approx(1.0)


def test_step_decay_matches_access_step_fn():
    ref = access.weights.step_fn({10: 1, 20: 0.68, 30: 0.22})
    costs = np.array([0, 5, 10, 10.0001, 20, 25, 30, 30.5, 100])
    ours = S.step({10: 1, 20: 0.68, 30: 0.22})(costs)
    assert ours.tolist() == [float(ref(c)) for c in costs]


# --------------------------------------------------------------------------------------
# invariants
# --------------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(0, 400), min_size=2, max_size=8),
    st.lists(st.integers(1, 200), min_size=1, max_size=5),
    st.integers(0, 10_000),
)
def test_places_are_conserved_when_everything_is_in_reach(pops, places, seed):
    # with every pair in reach and positive demand, sum_i P_i A_i = sum_j S_j
    if sum(pops) == 0:
        pops[0] = 1
    rng = np.random.default_rng(seed)
    o = pd.DataFrame({"p": pops}, index=[f"o{i}" for i in range(len(pops))])
    f = pd.DataFrame({"plaetze": places}, index=[f"f{j}" for j in range(len(places))])
    od = pd.DataFrame(
        [(a, b, float(rng.uniform(0, 10))) for a in o.index for b in f.index],
        columns=["origin", "destination", "cost"],
    )
    acc = S.two_step_fca(o, "p", f, costs=S.od_costs(od, o, f), per=1)
    assert np.isclose((acc.values * o["p"]).sum(), sum(places))


# --------------------------------------------------------------------------------------
# travel costs
# --------------------------------------------------------------------------------------
def _grid_network():
    """A 3 x 3 street grid, 100 m spacing, nodes 0..8 row by row."""
    nodes = gpd.GeoDataFrame(
        geometry=[Point(100 * (i % 3), 100 * (i // 3)) for i in range(9)],
        index=pd.Index(range(9), name="node"),
        crs=CRS,
    )
    pairs = [(i, i + 1) for i in range(9) if i % 3 < 2] + [(i, i + 3) for i in range(6)]
    edges = pd.DataFrame(pairs, columns=["source", "target"])
    edges["length"] = 100.0
    return nodes, edges


def test_network_costs_agree_with_networkx():
    nx = pytest.importorskip("networkx")
    nodes, edges = _grid_network()
    o = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(200, 100)], index=["a", "b"], crs=CRS)
    f = gpd.GeoDataFrame(geometry=[Point(200, 200)], index=["k"], crs=CRS)
    tc = S.network_costs(o, f, edges, nodes)
    g = nx.Graph()
    g.add_weighted_edges_from(edges[["source", "target", "length"]].itertuples(index=False))
    expected = [nx.dijkstra_path_length(g, 0, 8), nx.dijkstra_path_length(g, 5, 8)]
    assert tc.to_frame()["cost"].tolist() == expected  # 400, 100


def test_network_costs_from_file_and_lines(tmp_path):
    nodes, edges = _grid_network()
    lines = gpd.GeoDataFrame(
        edges,
        geometry=[
            LineString([nodes.geometry[s].coords[0], nodes.geometry[t].coords[0]])
            for s, t in zip(edges["source"], edges["target"], strict=True)
        ],
        crs=CRS,
    )
    path = tmp_path / "netz.gpkg"
    lines.to_file(path)
    o = gpd.GeoDataFrame(geometry=[Point(0, 10)], index=["a"], crs=CRS)
    f = gpd.GeoDataFrame(geometry=[Point(200, 200)], index=["k"], crs=CRS)
    tc = S.network_costs(o, f, path)
    assert tc.to_frame()["cost"].tolist() == [410.0]  # 10 m connector + 400 m
    assert tc.kind == "network"


def test_network_costs_list_origins_in_disconnected_parts():
    nodes, edges = _grid_network()
    nodes.loc[9] = Point(5000, 5000)
    o = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(5000, 5010)], index=["a", "z"], crs=CRS)
    f = gpd.GeoDataFrame(geometry=[Point(200, 200)], index=["k"], crs=CRS)
    tc = S.network_costs(o, f, edges, nodes)
    assert list(tc.unreachable) == ["z"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_size": 0}, r"`batch_size` is 0\. Fix: pass a whole number >= 1"),
        ({"batch_size": -1}, r"`batch_size` is -1\."),  # before: no pairs stored, silently
        ({"batch_size": 1.5}, r"`batch_size` is 1\.5\."),
        ({"batch_size": True}, r"`batch_size` is True\."),
        ({"connector_speed": 0}, r"`connector_speed` is 0, not a positive number"),
        ({"connector_speed": -80}, r"`connector_speed` is -80, not a positive number"),
        ({"connector_speed": float("nan")}, r"`connector_speed` is nan, not a positive"),
    ],
)
def test_network_costs_bad_options(kwargs, match):
    nodes, edges = _grid_network()
    o = gpd.GeoDataFrame(geometry=[Point(0, 10)], index=["a"], crs=CRS)
    f = gpd.GeoDataFrame(geometry=[Point(200, 200)], index=["k"], crs=CRS)
    with pytest.raises(InputError, match=rf"^network_costs: {match}"):
        S.network_costs(o, f, edges, nodes, **kwargs)
    # the good path: one facility per batch, and a connector at 80 m/min (10 m = 0.125 min)
    tc = S.network_costs(o, f, edges, nodes, unit="min", batch_size=1, connector_speed=80)
    assert tc.to_frame()["cost"].tolist() == [400.125]


def test_straight_line_costs_are_labelled_fallback():
    o = gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10)], index=["a"], crs=CRS)
    f = gpd.GeoDataFrame(geometry=[Point(5, 105)], index=["k"], crs=CRS)
    tc = S.straight_line_costs(o, f)
    assert tc.kind == "straight_line"
    assert "Luftlinie" in tc.label
    assert tc.to_frame()["cost"].iloc[0] == pytest.approx(100.0)


def test_catchment_beyond_stored_costs_is_noted(three_by_two):
    blocks, kitas, od = three_by_two
    costs = S.od_costs(od, blocks, kitas, max_cost=10)
    acc = S.two_step_fca(blocks, "kinder", kitas, costs=costs, max_cost=30)
    assert acc.max_cost == 10
    assert any("wirksam ist 10" in note for note in acc.notes)


def test_od_costs_keep_zero_costs():
    od = pd.DataFrame({"origin": ["a"], "destination": ["k"], "cost": [0.0]})
    tc = S.od_costs(od, ["a"], ["k"])
    assert tc.matrix.nnz == 1
    assert len(tc.unreachable) == 0


# --------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------
def test_od_costs_missing_pairs(three_by_two):
    blocks, kitas, od = three_by_two
    with pytest.raises(InputError, match=r"lacks 1 of 6 .*\('b3', 'k2'\).*missing='beyond'"):
        S.od_costs(od.iloc[:-1], blocks, kitas)


def test_od_costs_unknown_ids(three_by_two):
    blocks, kitas, od = three_by_two
    bad = od.copy()
    bad.loc[0, "origin"] = "b9"
    with pytest.raises(InputError, match=r"1 id\(s\) that are not among `origins`: 'b9'"):
        S.od_costs(bad, blocks, kitas)


def test_od_costs_duplicated_and_negative(three_by_two):
    blocks, kitas, od = three_by_two
    with pytest.raises(InputError, match="duplicated pair"):
        S.od_costs(pd.concat([od, od.iloc[[0]]]), blocks, kitas)
    neg = od.copy()
    neg.loc[2, "cost"] = -1
    with pytest.raises(InputError, match="negative cost"):
        S.od_costs(neg, blocks, kitas)


@pytest.mark.parametrize("places", [0, -5, np.nan])
def test_zero_or_negative_capacity(three_by_two, places):
    blocks, kitas, od = three_by_two
    kitas = kitas.astype(float)
    kitas.loc["k2", "plaetze"] = places
    with pytest.raises(InputError, match=r"two_step_fca: .*zero, negative or missing.*'k2'"):
        S.two_step_fca(blocks, "kinder", kitas, costs=S.od_costs(od, blocks, kitas.index))


def test_unknown_ids_between_data_and_costs(three_by_two):
    blocks, kitas, od = three_by_two
    costs = S.od_costs(od, blocks, kitas)
    with pytest.raises(InputError, match=r"differ.*only in `origins` \('b4'\)"):
        S.two_step_fca(
            pd.concat([blocks, pd.DataFrame({"kinder": [5]}, index=["b4"])]),
            "kinder",
            kitas,
            costs=costs,
        )


def test_unprojected_crs():
    o = gpd.GeoDataFrame(geometry=[Point(13.4, 52.5)], index=["a"], crs=4326)
    f = gpd.GeoDataFrame(geometry=[Point(13.41, 52.5)], index=["k"], crs=4326)
    with pytest.raises(InputError, match="geographic CRS EPSG:4326"):
        S.straight_line_costs(o, f)


def test_facilities_outside_the_city():
    areas = gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100)], index=["A"], crs=CRS)
    f = gpd.GeoDataFrame(
        {"art": ["kita", "kita"], "plaetze": [50, 60], "eroeffnung": [2000, 2010]},
        geometry=[Point(50, 50), Point(500, 50)],
        index=["K1", "K2"],
        crs=CRS,
    )
    with pytest.raises(InputError, match=r"lie outside the city.*'K2'"):
        S.validate_facilities(f, areas=areas)
    with pytest.raises(InputError, match="unknown type"):
        S.validate_facilities(f, types=["schule"])
    f["eroeffnung"] = [2000.0, 20.5]
    with pytest.raises(InputError, match="plausible year"):
        S.validate_facilities(f.iloc[:2])


def test_enhanced_needs_steps_for_metres():
    o = gpd.GeoDataFrame({"p": [1]}, geometry=[Point(0, 0)], index=["a"], crs=CRS)
    f = gpd.GeoDataFrame({"plaetze": [5]}, geometry=[Point(0, 10)], index=["k"], crs=CRS)
    tc = S.straight_line_costs(o, f)
    with pytest.raises(InputError, match="steps"):
        S.enhanced_two_step_fca(o, "p", f, costs=tc)
    acc = S.enhanced_two_step_fca(o, "p", f, costs=tc, steps={500: 1, 1000: 0.5})
    assert acc.values.iloc[0] == 500.0


# --------------------------------------------------------------------------------------
# supply ratio, equity
# --------------------------------------------------------------------------------------
def test_supply_ratio_location_and_residence():
    blocks = gpd.GeoDataFrame(
        {"kinder": [100, 100], "pr": ["A", "B"]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
        index=["b1", "b2"],
        crs=CRS,
    )
    kitas = gpd.GeoDataFrame({"plaetze": [140]}, geometry=[Point(50, 50)], index=["k"], crs=CRS)
    acc = S.two_step_fca(blocks, "kinder", kitas, costs=S.straight_line_costs(blocks, kitas))
    res = S.supply_ratio(blocks, "kinder", kitas, by="pr", target=70, access=acc)
    t = res.table
    # by location all 140 places are in A; by residence they are shared 70 / 70
    assert t["ratio_location"].tolist() == [140.0, 0.0]
    np.testing.assert_allclose(t["ratio_residence"], [70.0, 70.0])
    np.testing.assert_allclose(t["gap_places"], [0.0, 0.0], atol=1e-12)
    assert res.total["ratio_location"] == res.total["ratio_residence"] == 70.0


def test_service_equity_against_planning_concentration_index():
    from sozplan.planning import concentration_index

    df = pd.DataFrame(
        {"q": [80.0, 60, 40, 20], "idx": [-1.0, 0, 1, 2], "ew": [1.0, 2, 3, 4], "k": list("aabb")}
    )
    eq = S.service_equity(df, "q", "idx", by="k", population="ew")
    assert eq.concentration == concentration_index(df["q"], df["idx"], df["ew"])
    assert eq.concentration < 0  # supply falls with deprivation
    # class means weighted by residents: a = (80*1 + 60*2)/3, b = (40*3 + 20*4)/7
    np.testing.assert_allclose(eq.by_class["mean"], [200 / 3, 200 / 7])
    assert eq.curve.iloc[-1].tolist() == [1.0, 1.0]


def test_need_supply_lists_missing_at_the_end():
    df = pd.DataFrame({"n": [1.0, 5.0, np.nan, 3.0], "s": [9.0, 1.0, 2.0, 5.0]})
    out = S.need_supply(df, "n", "s")
    assert out.index.tolist() == [1, 3, 0, 2]
    assert out.loc[2, "flag"] == "ohne Wert"


# --------------------------------------------------------------------------------------
# site proposals
# --------------------------------------------------------------------------------------
def small_sites() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, S.TravelCosts]:
    """Three blocks, one Kita, two candidate sites and the costs to both (hand-made)."""
    blocks = pd.DataFrame({"kinder": [100, 100, 80]}, index=["b1", "b2", "b3"])
    kitas = pd.DataFrame({"plaetze": [70]}, index=["k1"])
    cand = pd.DataFrame(index=["c1", "c2"])
    od = pd.DataFrame(
        {
            "origin": np.repeat(["b1", "b2", "b3"], 3),
            "destination": ["k1", "c1", "c2"] * 3,
            "cost": [2, 1, 19, 15, 12, 1, 18, 14, 3],
        }
    )
    return blocks, kitas, cand, S.od_costs(od, blocks, ["k1", "c1", "c2"])


def test_propose_sites_p_median_and_mclp_small():
    blocks, kitas, cand, costs = small_sites()
    for method in ("p_median", "mclp"):
        res = S.propose_sites(
            blocks,
            "kinder",
            kitas,
            cand,
            costs=costs,
            max_cost=10,
            target=70,
            places=126,
            method=method,
        )
        assert list(res.sites.index) == ["c2"]
        # c2 serves b2 and b3: 126 / 180 = 0.7 -> 70 places per 100
        np.testing.assert_allclose(res.after.values, [70.0, 70.0, 70.0])
    # capacitated p-median (spopt facility_capacities): unmet 70 + 56 = 126 places fit into c2
    res = S.propose_sites(
        blocks,
        "kinder",
        kitas,
        cand,
        costs=costs,
        max_cost=10,
        target=70,
        places=126,
        capacitated=True,
    )
    assert list(res.sites.index) == ["c2"]
    np.testing.assert_allclose(res.sites["unmet_covered"], [126.0])
    with pytest.raises(InputError, match="infeasible"):
        S.propose_sites(
            blocks,
            "kinder",
            kitas,
            cand,
            costs=costs,
            max_cost=10,
            target=70,
            places=10,
            capacitated=True,
        )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"target": float("nan")}, r"`target` is nan, not a positive number"),
        ({"target": float("inf")}, r"`target` is inf, not a positive number"),  # was PulpError
        ({"target": "70"}, r"`target` is '70', not a positive number"),  # was a numpy error
        ({"max_cost": float("nan")}, r"`max_cost` is nan, not a positive"),  # was a result
        ({"max_cost": -1}, r"`max_cost` is -1, not a positive number"),  # was a result
        ({"per": 0}, r"`per` is 0, not a positive number"),  # was PulpError
        ({"places": "70"}, r"`places` is '70', not a positive number"),  # was TypeError
        ({"candidates": pd.DataFrame(index=pd.Index([], dtype=object))}, "`candidates` has no"),
        ({"candidates": ["c1", "c2"]}, "`candidates` is a list"),  # was TypeError
        ({"by": pd.Series({"b1": "x", "b2": None, "b3": "y"})}, r"`by` has no area .*'b2'"),
    ],
)
def test_propose_sites_bad_input(kwargs, match):
    blocks, kitas, cand, costs = small_sites()
    args = {
        "candidates": cand,
        "costs": costs,
        "max_cost": 10,
        "target": 70,
        "places": 126,
    }
    with pytest.raises(InputError, match=rf"^propose_sites: {match}"):
        S.propose_sites(blocks, "kinder", kitas, **{**args, **kwargs})
    # no demand points: said as such (before: "the ids of `origins` and `costs` differ")
    with pytest.raises(InputError, match=r"^propose_sites: `origins` has no rows.*demand point"):
        S.propose_sites(blocks.iloc[:0], "kinder", kitas, **args)
    by = pd.Series({"b1": "x", "b2": "y", "b3": "y"})
    assert list(S.propose_sites(blocks, "kinder", kitas, by=by, **args).sites.index) == ["c2"]


@pytest.mark.parametrize("kwargs", [{"per": 0}, {"per": -100}, {"max_cost": float("nan")}])
def test_two_step_fca_refuses_scales_and_catchments_that_are_not_positive(kwargs):
    blocks = pd.DataFrame({"kinder": [100, 50]}, index=["b1", "b2"])
    kitas = pd.DataFrame({"plaetze": [60]}, index=["k1"])
    od = pd.DataFrame({"origin": ["b1", "b2"], "destination": ["k1", "k1"], "cost": [5.0, 15.0]})
    costs = S.od_costs(od, blocks, kitas)
    name = next(iter(kwargs))
    with pytest.raises(InputError, match=rf"^two_step_fca: `{name}` is .*not a positive number"):
        S.two_step_fca(blocks, "kinder", kitas, costs=costs, **kwargs)
    assert S.two_step_fca(blocks, "kinder", kitas, costs=costs, per=1).values.tolist() == [
        pytest.approx(0.4),
        pytest.approx(0.4),
    ]


# --------------------------------------------------------------------------------------
# Musterstadt: planted truth
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def musterstadt():
    blocks = load_musterstadt("block")
    kitas = S.select_facilities(load_facilities(), "kita", year=2024)
    return blocks, kitas, load_truth()["facilities"]


def test_musterstadt_facilities_are_valid(musterstadt):
    blocks, _, truth = musterstadt
    fac = S.validate_facilities(load_facilities(), areas=blocks, types=S.FACILITY_TYPES)
    counts = fac["art"].value_counts()
    for kind, spec in truth["types"].items():
        assert counts[kind] == spec["n"]


def test_musterstadt_under_supplied_area_is_worst(musterstadt):
    from sozplan.datasets._facilities_gen import child_poverty

    blocks, kitas, truth = musterstadt
    costs = S.straight_line_costs(blocks, kitas, max_cost=1000)
    acc = S.two_step_fca(blocks, "einwohner_0_5", kitas, costs=costs)
    quote = S.supply_ratio(
        blocks, "einwohner_0_5", kitas, by="planungsraum", target=70, access=acc
    )
    table = quote.table.join(child_poverty(load_musterstadt("planning_area")))
    ranked = S.need_supply(table[table["eligible"] >= 50], "kinderarmut", "ratio_residence")
    assert ranked.index[0] == truth["under_supplied"]["planning_area"]
    over = truth["over_supplied"]["planning_area"]
    assert quote.table.loc[over, "ratio_location"] > 1.5 * 70


@pytest.mark.slow
def test_musterstadt_first_site_in_or_next_to_under_supplied_area(musterstadt):
    blocks, kitas, truth = musterstadt
    pr = load_musterstadt("planning_area")
    # one candidate per planning area: the populated block nearest its children's centre
    pts = blocks.geometry.representative_point()
    w = blocks["einwohner_0_5"]
    frame = pd.DataFrame({"x": pts.x, "y": pts.y, "w": w, "pr": blocks["planungsraum"]})
    frame = frame[frame["w"] > 0]
    centre = (
        frame.assign(wx=frame.x * frame.w, wy=frame.y * frame.w)
        .groupby("pr")[["wx", "wy", "w"]]
        .sum()
    )
    frame = frame.join((centre[["wx", "wy"]].div(centre["w"], axis=0)), on="pr")
    frame["d"] = np.hypot(frame.x - frame.wx, frame.y - frame.wy)
    pick = frame.sort_values("d").groupby("pr").head(1)
    cand = gpd.GeoDataFrame(
        {"planungsraum": pick["pr"].to_numpy()},
        geometry=pts.loc[pick.index].to_numpy(),
        index=pd.Index("S" + pick.index, name="standort"),
        crs=blocks.crs,
    )
    both = pd.concat([kitas[["geometry"]], cand[["geometry"]]])
    costs = S.straight_line_costs(blocks, both, max_cost=1000)
    res = S.propose_sites(
        blocks,
        "einwohner_0_5",
        kitas,
        cand,
        costs=costs,
        n_sites=1,
        method="mclp",
        max_cost=1000,
        target=70,
        places=120,
    )
    first = cand.loc[res.sites.index[0], "planungsraum"]
    under = truth["under_supplied"]["planning_area"]
    touching = pr.geometry.loc[under].buffer(1).intersects(pr.geometry.loc[first])
    assert first == under or touching
    change = res.compare(blocks["planungsraum"]).loc[under, "change"]
    assert change > 0


def test_make_facilities_at_any_size():
    city = make_city(400, seed=3)
    fac, truth = make_facilities(city, rng=3, return_truth=True)
    S.validate_facilities(fac, areas=city, types=S.FACILITY_TYPES)
    assert set(fac["art"]) == set(S.FACILITY_TYPES)
    under = truth["under_supplied"]["planning_area"]
    in_under = fac.loc[fac["art"] == "kita", "block"].map(city["planungsraum"]) == under
    assert not in_under.any()
    again = make_facilities(city, rng=3)
    pd.testing.assert_frame_equal(fac, again)


# --------------------------------------------------------------------------------------
# results and plots
# --------------------------------------------------------------------------------------
def test_results_repr_and_plot():
    import matplotlib.pyplot as plt

    blocks = gpd.GeoDataFrame(
        {"kinder": [100, 50, 80, 20], "pr": ["A", "A", "B", "B"]},
        geometry=[
            box(0, 0, 100, 100),
            box(100, 0, 200, 100),
            box(0, 100, 100, 200),
            box(100, 100, 200, 200),
        ],
        index=["b1", "b2", "b3", "b4"],
        crs=CRS,
    )
    kitas = gpd.GeoDataFrame(
        {"plaetze": [60, 40]},
        geometry=[Point(50, 50), Point(150, 150)],
        index=["k1", "k2"],
        crs=CRS,
    )
    costs = S.straight_line_costs(blocks, kitas, max_cost=120)
    acc = S.two_step_fca(blocks, "kinder", kitas, costs=costs)
    assert "Accessibility(2sfca" in repr(acc)
    assert "<pre>" in acc._repr_html_()
    agg = acc.aggregate(blocks["pr"])
    assert agg.index.name == "pr"
    assert len(agg) == 2
    disp = acc.plot(blocks, "pr", facilities=kitas, n_classes=2)
    assert disp.kind == "facility_map"
    assert len(disp.artists["facilities"].get_offsets()) == 2
    quote = S.supply_ratio(blocks, "kinder", kitas, by="pr", target=70, access=acc)
    assert "SupplyRatio(2 areas (pr)" in repr(quote)
    pr = blocks.dissolve(by="pr")
    assert quote.plot(pr, n_classes=2, language="en").kind == "facility_map"
    eq = S.service_equity(quote.table.assign(i=[0.0, 1.0]), "ratio_residence", "i")
    assert eq.plot(language="en").kind == "concentration_curve"
    plt.close("all")


@pytest.mark.parametrize("bad", [4, 9, 0])
def test_od_costs_sorted_integer_ids_unknown(bad):
    # binary-search path for sorted integer ids: a value between, above or below the keys
    od = pd.DataFrame({"origin": [1, 3, 5, bad], "destination": [7] * 4, "cost": [1.0] * 4})
    with pytest.raises(InputError, match=rf"not among `origins`: {bad}"):
        S.od_costs(od, [1, 3, 5], [7])
    ok = S.od_costs(od.iloc[:3], [1, 3, 5], [7])
    assert ok.to_frame()["origin"].tolist() == [1, 3, 5]


def test_propose_sites_by_area():
    blocks = pd.DataFrame({"kinder": [100, 100, 80]}, index=["b1", "b2", "b3"])
    area = pd.Series(["A", "B", "B"], index=blocks.index, name="pr")
    kitas = pd.DataFrame({"plaetze": [70]}, index=["k1"])
    cand = pd.DataFrame(index=["c1", "c2"])
    od = pd.DataFrame(
        {
            "origin": np.repeat(["b1", "b2", "b3"], 3),
            "destination": ["k1", "c1", "c2"] * 3,
            "cost": [2, 1, 19, 15, 12, 1, 18, 14, 3],
        }
    )
    costs = S.od_costs(od, blocks, ["k1", "c1", "c2"])
    res = S.propose_sites(
        blocks,
        "kinder",
        kitas,
        cand,
        costs=costs,
        max_cost=10,
        target=70,
        places=126,
        method="mclp",
        by=area,
    )
    # area B (b2 and b3, unmet 70 + 56) is reached by c2 (weighted mean cost 1.9)
    assert list(res.sites.index) == ["c2"]
    np.testing.assert_allclose(res.sites["cost_mean"], [(70 * 1 + 56 * 3) / 126])


def _od_reference(od, o_ids, f_ids, limit):
    """Dense cost matrix of the pairs <= limit (NaN elsewhere), built with pandas alone."""
    wide = od.pivot(index="origin", columns="destination", values="cost")
    wide = wide.reindex(index=o_ids, columns=f_ids)
    return wide.where(wide <= limit).to_numpy()


@pytest.mark.parametrize("ids", ["text", "dense_int", "sparse_int", "categorical"])
@pytest.mark.parametrize("sparse_check", [False, True])
def test_od_costs_every_id_path_gives_the_same_matrix(ids, sparse_check, monkeypatch):
    # the compiled pass (bit per pair) and the sorting fallback, for text ids (hash
    # table), compact integer ids (look-up table), scattered integer ids and
    # categorical columns, on a shuffled table cut at a maximum cost: the same matrix
    # as a pivot table, columns sorted within rows, unreachable origins listed
    import sozplan.services._costs as costs_module

    if sparse_check:
        monkeypatch.setattr(costs_module, "PAIR_BITS_BYTES", 0)
    rng = np.random.default_rng(4)
    n_o, n_f = 30, 7
    o_ids = {
        "text": [f"b{i:03d}" for i in range(n_o)],
        "dense_int": list(range(100, 100 + n_o)),
        "sparse_int": list(rng.choice(10**9, n_o, replace=False)),
        "categorical": [f"b{i:03d}" for i in range(n_o)],
    }[ids]
    f_ids = [f"k{j}" for j in range(n_f)] if ids != "dense_int" else list(range(n_f))
    od = pd.DataFrame(
        [(o, f, float(rng.uniform(0, 40))) for o in o_ids for f in f_ids],
        columns=["origin", "destination", "cost"],
    )
    od.loc[od["origin"] == o_ids[3], "cost"] += 100  # an origin beyond reach
    od = od.sample(frac=1, random_state=1).reset_index(drop=True)
    if ids == "categorical":
        od["origin"] = od["origin"].astype("category")
        od["destination"] = pd.Categorical(od["destination"], categories=f_ids[::-1])
    tc = S.od_costs(od, o_ids[::-1], f_ids, max_cost=30)
    ref = _od_reference(
        od.astype({"origin": object, "destination": object}), o_ids[::-1], f_ids, 30
    )
    dense = np.full(tc.matrix.shape, np.nan)
    coo = tc.matrix.tocoo()
    dense[coo.row, coo.col] = coo.data
    np.testing.assert_array_equal(dense, ref)
    assert tc.matrix.has_sorted_indices
    assert list(tc.unreachable) == [o_ids[3]]


@pytest.mark.parametrize("sparse_check", [False, True])
def test_od_costs_checks_on_every_path(sparse_check, monkeypatch):
    # the same errors from the compiled pass and the sorting fallback: unknown ids
    # (also below and above a compact integer range), missing or negative costs,
    # duplicated pairs (also beyond max_cost), absent pairs
    import sozplan.services._costs as costs_module

    if sparse_check:
        monkeypatch.setattr(costs_module, "PAIR_BITS_BYTES", 0)
    o, f = [10, 11, 12], [0, 1]
    od = pd.DataFrame(
        {"origin": [10, 10, 11, 11, 12, 12], "destination": [0, 1] * 3, "cost": [1.0] * 6}
    )
    for bad_id in (9, 13, -1):
        bad = od.assign(origin=od["origin"].replace(12, bad_id))
        with pytest.raises(
            InputError, match=rf"2 id\(s\)|1 id\(s\) that are not among `origins`: {bad_id}"
        ):
            S.od_costs(bad, o, f)
    bad = od.assign(destination=pd.Categorical(od["destination"].replace(1, 5)))
    with pytest.raises(InputError, match=r"not among `facilities`: 5"):
        S.od_costs(bad, o, f)
    for value in (np.nan, -0.5, np.inf):
        bad = od.assign(cost=od["cost"].where(od.index != 4, value))
        with pytest.raises(
            InputError, match=r"1 missing, infinite or negative cost\(s\), e.g. \(12, 0\)"
        ):
            S.od_costs(bad, o, f)
    dup = pd.concat([od, od.iloc[[3]].assign(cost=99.0)], ignore_index=True)
    with pytest.raises(InputError, match=r"1 duplicated pair\(s\), e.g. \(11, 1\)"):
        S.od_costs(dup, o, f, max_cost=5, missing="beyond")
    with pytest.raises(InputError, match=r"lacks 2 of 6 .*\(10, 1\), \(12, 0\)"):
        S.od_costs(od.drop(index=[1, 4]), o, f)
    assert S.od_costs(od.drop(index=[1, 4]), o, f, missing="beyond").matrix.nnz == 4
