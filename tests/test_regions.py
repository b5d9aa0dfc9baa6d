"""Tests of sozplan.regions: regionalize, compare_zonings, heterogeneity, areal_interpolate."""

from __future__ import annotations

import itertools

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from libpysal.graph import Graph
from scipy.stats import kurtosis, skew
from shapely.geometry import box
from sklearn.metrics import adjusted_rand_score, mutual_info_score

from sozplan.datasets import load_musterstadt, load_truth
from sozplan.errors import DataQualityWarning, InputError
from sozplan.graph import build_graph
from sozplan.regions import (
    areal_interpolate,
    ashman_d,
    balance,
    bimodality_coefficient,
    compare_zonings,
    heterogeneity,
    regionalize,
    theil_decomposition,
    variation_of_information,
)

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def truth():
    return load_truth()


@pytest.fixture(scope="module")
def blocks():
    return load_musterstadt("block")


@pytest.fixture(scope="module")
def district(blocks, truth):
    return blocks[blocks["bezirk"] == truth["regions"]["district"]]


def grid(nx, ny, values=None):
    cells = [box(i, j, i + 1, j + 1) for j in range(ny) for i in range(nx)]
    ids = [f"{j:02d}{i:02d}" for j in range(ny) for i in range(nx)]
    gdf = gpd.GeoDataFrame(geometry=cells, index=pd.Index(ids, name="block"), crs=25832)
    if values is not None:
        for k, v in values.items():
            gdf[k] = v
    return gdf


# ------------------------------------------------------------------ acceptance: regions
@pytest.mark.parametrize("method", ["ward", "skater"])
def test_regionalize_recovers_planted_regions(district, truth, method):
    t = truth["regions"]
    r = regionalize(
        district,
        t["columns"],
        n_clusters=t["n_regions"],
        population="einwohner",
        min_population=t["population_floor"],
        max_population=t["population_ceiling"],
        method=method,
    )
    planted = pd.Series(t["labels"]).reindex(district.index)
    ari = adjusted_rand_score(planted, r.labels)
    # acceptance (issue 8): ARI >= 0.9 for the default engine (Ward: 1.0). SKATER is an
    # alternative, not the acceptance engine: its greedy spanning-tree cuts miss parts of
    # the planted boundaries (0.80-0.85 on the generated city), so only a sanity bound
    assert ari >= (0.9 if method == "ward" else 0.7)
    s = r.summary
    assert s["all_meet_floor"]
    assert s["all_meet_ceiling"]
    assert s["all_contiguous"]
    assert r.labels.index.equals(district.index)
    assert r.labels.name == "region"


@pytest.mark.parametrize(
    ("floor", "ceiling", "n"), [(20_000, 100_000, 6), (30_000, 90_000, 6), (40_000, 60_000, None)]
)
def test_regionalize_respects_tight_bounds(district, truth, floor, ceiling, n):
    r = regionalize(
        district,
        truth["regions"]["columns"],
        n_clusters=n,
        population="einwohner",
        min_population=floor,
        max_population=ceiling,
    )
    q = r.quality
    assert (q["population"] >= floor).all()
    assert (q["population"] <= ceiling).all()
    assert q["contiguous"].all()
    if n is not None:
        assert r.n_clusters == n
    assert q["population"].sum() == district["einwohner"].sum()


def test_quality_table_against_hand_computation():
    # 4 x 2 grid, two homogeneous halves: within SS 0 + 2*... computed by hand
    x = np.array([0, 0, 1, 1, 0, 0, 1, 1], dtype=float)
    g = grid(4, 2, {"x": x, "pop": np.full(8, 10.0)})
    r = regionalize(g, ["x"], n_clusters=2, population="pop", graph=build_graph(g, "rook"))
    assert adjusted_rand_score(r.labels, x) == 1.0
    assert r.summary["between_total_ratio"] == pytest.approx(1.0)
    assert r.summary["within_ss"] == pytest.approx(0.0)
    # each region is a 2 x 2 square: isoperimetric quotient 4*pi*4/8^2 = pi/4
    np.testing.assert_allclose(r.quality["compactness"], np.pi / 4)
    assert r.summary["balance_entropy"] == pytest.approx(1.0)
    # GeoDa's ratio on a non-trivial split: by hand
    x2 = np.array([0, 1, 2, 3, 0, 1, 2, 3], dtype=float)
    g2 = grid(4, 2, {"x": x2})
    r2 = regionalize(g2, ["x"], n_clusters=2, graph=build_graph(g2, "rook"), refine=False)
    z = (x2 - x2.mean()) / x2.std()
    lab = r2.labels.to_numpy()
    within = sum(((z[lab == k] - z[lab == k].mean()) ** 2).sum() for k in (1, 2))
    assert r2.summary["within_ss"] == pytest.approx(within)
    assert r2.summary["total_ss"] == pytest.approx(8.0)


def test_balance_values():
    e, s = balance([10, 10, 10, 10])
    assert (e, s) == (pytest.approx(1.0), pytest.approx(1.0))
    e, s = balance([97, 1, 1, 1])
    p = np.array([0.97, 0.01, 0.01, 0.01])
    assert e == pytest.approx(-(p * np.log(p)).sum() / np.log(4))
    assert s == pytest.approx(1 / (p**2).sum() / 4)


def test_islands_keep_policy_and_fill(blocks, truth):
    g = build_graph(blocks, islands="keep")
    r = regionalize(
        blocks, ["sgb2_quote", "wohndauer"], graph=g, n_clusters=30, fill_nan="neighbours"
    )
    island = truth["island_block"]
    # the island is never joined through attribute space: it is a region of its own
    assert (r.labels == r.labels[island]).sum() == 1
    assert set(r.filled) >= set(truth["empty_blocks"]) - {island}
    assert r.summary["all_contiguous"]


def test_maxp_engine_respects_floor(district, truth):
    pytest.importorskip("spopt")
    sub = district[district["planungsraum"].str[:4] == "0801"]
    g = build_graph(sub, islands="nearest")
    r = regionalize(
        sub,
        truth["regions"]["columns"],
        graph=g,
        method="maxp",
        population="einwohner",
        min_population=5000,
        max_population=20000,
        rng=0,
        max_iterations=5,
    )
    assert (r.quality["population"] >= 5000).all()
    assert (r.quality["population"] <= 20000).all()
    assert r.quality["contiguous"].all()


def test_result_object(district, truth):
    t = truth["regions"]
    r = regionalize(
        district, t["columns"], n_clusters=6, population="einwohner", min_population=8000
    )
    assert "RegionalizationResult" in repr(r)
    assert "between / total SS" in repr(r)
    assert "<table" in r._repr_html_()
    assert list(r.to_frame().index) == list(range(1, 7))
    regions = r.dissolve()
    assert len(regions) == 6
    assert regions.crs == district.crs
    ax = r.plot()
    assert ax.get_title().startswith("6 Regionen")


# ------------------------------------------------------------------ max-p mode (issue 25)
def greedy_count(adj: list[list[int]], pop: np.ndarray, floor: float) -> int:
    """Baseline: regions grown breadth-first in index order up to the floor (no search)."""
    done = np.zeros(len(pop), dtype=bool)
    k = 0
    for s in range(len(pop)):
        if done[s]:
            continue
        region, queue, total = [], [s], 0.0
        done[s] = True
        while queue and total < floor:
            u = queue.pop(0)
            region.append(u)
            total += pop[u]
            for v in adj[u]:
                if not done[v]:
                    done[v] = True
                    queue.append(v)
        for v in queue:  # frontier blocks not taken go back
            done[v] = False
        k += total >= floor
    return k


def region_is_connected(members: set, adj: list[list[int]]) -> bool:
    start = next(iter(members))
    seen, stack = {start}, [start]
    while stack:
        for v in adj[stack.pop()]:
            if v in members and v not in seen:
                seen.add(v)
                stack.append(v)
    return seen == members


@settings(max_examples=15, deadline=None)
@given(
    st.integers(3, 7),
    st.integers(2, 7),
    st.integers(0, 10_000),
    st.floats(1.5, 6.0),
)
@example(6, 5, 2482, 1.8125)  # found 12 regions where the breadth-first baseline has 13
def test_maxp_mode_floor_contiguity_and_count(nx, ny, seed, share):
    gen = np.random.default_rng(seed)
    pop = gen.integers(1, 100, nx * ny).astype(float)
    g = grid(nx, ny, {"x": gen.normal(size=nx * ny), "pop": pop})
    graph = build_graph(g, "rook")
    floor = max(float(pop.max()), float(pop.sum()) / (nx * ny / share))
    r = regionalize(g, ["x"], graph=graph, population="pop", min_population=floor)
    lab = r.labels.to_numpy()
    pos = {k: i for i, k in enumerate(g.index)}
    adj = [[pos[j] for j in graph[k].index] for k in g.index]
    assert (np.bincount(lab)[1:] > 0).all()
    assert (np.bincount(lab, weights=pop)[1:] >= floor).all()  # floor met
    for k in np.unique(lab):
        assert region_is_connected(set(np.flatnonzero(lab == k)), adj)  # contiguity
    assert r.n_clusters >= greedy_count(adj, pop, floor)  # at least the plain greedy count
    # a ceiling the floor-only solution meets changes nothing (the same labels)
    top = float(np.bincount(lab, weights=pop).max())
    capped = regionalize(
        g, ["x"], graph=graph, population="pop", min_population=floor, max_population=top
    )
    pd.testing.assert_series_equal(capped.labels, r.labels)
    assert any("does not bind" in note for note in capped.log)


def test_maxp_mode_binding_ceiling_on_a_grid():
    # 12 x 10 blocks of 10 residents, floor 40: at most 30 regions; a ceiling of 50
    # (5 blocks) binds for regions that took enclaves, and can be met
    gen = np.random.default_rng(3)
    g = grid(12, 10, {"x": gen.normal(size=120), "pop": np.full(120, 10.0)})
    graph = build_graph(g, "rook")
    free = regionalize(g, ["x"], graph=graph, population="pop", min_population=40)
    r = regionalize(g, ["x"], graph=graph, population="pop", min_population=40, max_population=50)
    q = r.quality
    assert q["population"].between(40, 50).all()
    assert q["contiguous"].all()
    assert r.n_clusters >= 24  # 120 blocks in regions of 4 or 5 blocks: at least 24
    assert r.n_clusters <= free.n_clusters <= 30


def test_maxp_mode_default_is_deterministic_and_rng_draws_starts(district, truth):
    cols = truth["regions"]["columns"]
    kw = {"population": "einwohner", "min_population": 8000, "fill_nan": "neighbours"}
    a = regionalize(district, cols, **kw)
    b = regionalize(district, cols, **kw)
    pd.testing.assert_series_equal(a.labels, b.labels)
    c = regionalize(district, cols, rng=1, n_starts=4, **kw)
    assert c.summary["all_meet_floor"]
    assert c.summary["all_contiguous"]
    d = regionalize(district, cols, rng=1, n_starts=4, **kw)
    pd.testing.assert_series_equal(c.labels, d.labels)
    with pytest.raises(InputError, match="`n_starts` is 0"):
        regionalize(district, cols, n_starts=0, **kw)


@pytest.mark.slow
def test_maxp_mode_beats_spopt_count_on_make_city():
    # spopt MaxPHeuristic (defaults, 99 constructions, seed 0) finds 37 regions at
    # between/total SS 0.454 on this city and floor (benchmarks/bench_regions.py, issue 25)
    from sozplan.datasets import make_city

    city = make_city(2500, seed=0)
    cols = ["sgb2_quote", "kinderarmut", "auslaenderanteil", "anteil_65_plus"]
    cols += ["altersarmut", "wohndauer"]
    r = regionalize(
        city,
        cols,
        graph=build_graph(city, islands="nearest"),
        population="einwohner",
        min_population=city["einwohner"].sum() / 40,
        fill_nan="neighbours",
    )
    assert r.n_clusters >= 37
    assert r.summary["between_total_ratio"] >= 0.454
    assert r.summary["all_meet_floor"]
    assert r.summary["all_contiguous"]


@pytest.mark.berlin
def test_berlin_bezirksregionen_sized_regions(berlin_dir):
    ind = pd.read_csv(berlin_dir / "mss_2021_index_indikatoren.csv", dtype={"PLR_ID": str})
    plr = gpd.read_file(berlin_dir / "lor_planungsraeume_2021.gpkg", layer="planungsraeume")
    gdf = plr.set_index("PLR_ID").join(ind.set_index("PLR_ID")[["EW", "S1", "S3", "S4"]])
    gdf["EW"] = gdf["EW"].fillna(0)  # one PLR without a population figure
    graph = build_graph(gdf, islands="nearest")
    kw = {"graph": graph, "population": "EW", "min_population": 30_000}
    r = regionalize(gdf, ["S1", "S3", "S4"], fill_nan="neighbours", **kw)
    capped = regionalize(
        gdf, ["S1", "S3", "S4"], fill_nan="neighbours", max_population=60_000, **kw
    )
    # 3.77 million residents allow at most 125 regions of 30,000. spopt's max-p
    # heuristic (defaults, seed 0; 709 s) finds 99 at between/total SS 0.244 on the
    # same graph, attributes and floor (run beside this code for issue 25)
    assert r.n_clusters >= 99
    assert r.summary["between_total_ratio"] >= 0.244
    for res in (r, capped):
        assert res.summary["all_meet_floor"]
        assert res.summary["all_contiguous"]
    assert capped.summary["all_meet_ceiling"]
    assert capped.n_clusters == r.n_clusters


# ---------------------------------------------------------------------- bad input
def test_bad_input(district, truth, blocks):
    cols = truth["regions"]["columns"]
    total = district["einwohner"].sum()
    with pytest.raises(InputError, match=r"above the total population .* Fix: lower the floor"):
        regionalize(district, cols, population="einwohner", min_population=total + 1)
    with pytest.raises(
        InputError, match=r"below the population of .* Fix: raise the ceiling to at least"
    ):
        regionalize(district, cols, population="einwohner", n_clusters=6, max_population=100)
    with pytest.raises(InputError, match=r"need .* ask for at most"):
        regionalize(district, cols, population="einwohner", n_clusters=60, min_population=10_000)
    with pytest.raises(InputError, match=r"no `population`"):
        regionalize(district, cols, min_population=1000)
    with pytest.raises(InputError, match="neither `n_clusters` nor a population bound"):
        regionalize(district, cols)
    # a disconnected graph without an island policy
    plain = Graph.build_contiguity(blocks, rook=False)
    with pytest.raises(InputError, match=r"disconnected parts .* islands='nearest'"):
        regionalize(blocks, ["einwohner"], graph=plain, n_clusters=5)
    # the default graph refuses islands too (build_graph's policy 'raise')
    with pytest.raises(InputError, match="without any neighbour"):
        regionalize(blocks, ["einwohner"], n_clusters=5)
    # NaN in the attributes (blocks without residents have no rates)
    with pytest.raises(InputError, match=r"missing or infinite .* blocks without residents"):
        regionalize(
            blocks, ["sgb2_quote"], graph=build_graph(blocks, islands="nearest"), n_clusters=5
        )
    # an island part below the floor under the 'keep' policy
    with pytest.raises(InputError, match="separate part"):
        regionalize(
            blocks,
            ["einwohner"],
            graph=build_graph(blocks, islands="keep"),
            population="einwohner",
            min_population=5000,
        )
    with pytest.raises(InputError, match="`method` is 'azp'"):
        regionalize(district, cols, n_clusters=3, method="azp")


# -------------------------------------------------------------------- heterogeneity
def test_heterogeneity_flags_platte_und_penthouse_first(blocks, truth):
    pp = truth["platte_und_penthouse"]
    h = heterogeneity(blocks, "planungsraum", truth["types"]["columns"], population="einwohner")
    assert h.flagged[0] == pp["planning_area"]  # acceptance (issue 8)
    d = h.drivers[h.drivers["zone"] == pp["planning_area"]]
    groups = d.groupby("group")["block"].apply(set)
    high = groups[d.groupby("group")["sgb2_quote"].mean().idxmax()]
    assert high == set(pp["high_rise_blocks"])
    assert set(h.excluded) == set(blocks.index[blocks["einwohner"] == 0])
    assert "HeterogeneityResult" in repr(h)
    assert "<table" in h._repr_html_()
    assert h.plot().get_xlabel().startswith("Binnenvarianz")


def test_bimodality_coefficient_against_scipy():
    x = np.random.default_rng(0).gamma(2.0, size=50)
    g, k, n = skew(x, bias=False), kurtosis(x, bias=False), len(x)
    assert bimodality_coefficient(x) == pytest.approx(
        (g**2 + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
    )
    assert np.isnan(bimodality_coefficient([1, 2, 3]))


def test_ashman_d_separated_and_unimodal():
    rng = np.random.default_rng(1)
    d, comp = ashman_d(np.r_[rng.normal(0, 1, 40), rng.normal(8, 1, 40)])
    assert d == pytest.approx(
        8 * np.sqrt(2) / np.sqrt(2), rel=0.2
    )  # sqrt(2)|mu1-mu2|/sqrt(2 sigma^2)
    assert comp[:40].sum() == 0
    assert comp[40:].sum() == 40


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.0, 100.0, allow_subnormal=False), min_size=4, max_size=30),
    st.integers(0, 1000),
)
def test_theil_decomposition_adds_up(y, seed):
    rng = np.random.default_rng(seed)
    y = np.array(y)
    w = rng.integers(1, 50, size=len(y)).astype(float)
    g = rng.integers(0, 3, size=len(y))
    if y.sum() == 0:  # the mean is 0: Theil's T (a ratio to it) is undefined
        with pytest.raises(InputError, match=r"theil_decomposition: .* undefined"):
            theil_decomposition(y, w, g)
        return
    per, tot = theil_decomposition(y, w, g)
    if y.sum() < 1e-6:
        return
    assert tot["theil"] == pytest.approx(tot["between"] + tot["within"], abs=1e-9)
    assert per["contribution"].sum() == pytest.approx(tot["within"], abs=1e-9)
    # direct definition
    ybar = np.average(y, weights=w)
    r = y / ybar
    direct = (w * np.where(r > 0, r * np.log(np.where(r > 0, r, 1)), 0)).sum() / w.sum()
    assert tot["theil"] == pytest.approx(direct, abs=1e-9)


# ---------------------------------------------------------------------- zonings
def test_variation_of_information_against_entropies():
    rng = np.random.default_rng(2)
    a, b = rng.integers(0, 4, 200), rng.integers(0, 3, 200)

    def h(x):
        p = np.bincount(x) / len(x)
        p = p[p > 0]
        return -(p * np.log(p)).sum()

    # VI = H(A) + H(B) - 2 I(A;B); mutual information from scikit-learn (nats)
    assert variation_of_information(a, b) == pytest.approx(
        h(a) + h(b) - 2 * mutual_info_score(a, b)
    )
    assert variation_of_information(a, a) == pytest.approx(0.0, abs=1e-12)
    assert variation_of_information(a, b) == pytest.approx(variation_of_information(b, a))


def test_compare_zonings_musterstadt(district, truth):
    t = truth["regions"]
    zonings = {
        "Planungsräume": "planungsraum",
        "Bezirksregionen": "bezirksregion",
        "wahre Regionen": pd.Series(t["labels"]),
    }
    c = compare_zonings(district, zonings, t["columns"], population="einwohner")
    s = c.summary
    # the planted regions are homogeneous by construction, far more than the 7
    # administrative district regions with about as many zones
    assert s.loc["wahre Regionen", "homogeneity"] > s.loc["Bezirksregionen", "homogeneity"] + 0.2
    pw = c.pairwise
    assert pw.loc[("Planungsräume", "Bezirksregionen"), "adjusted_rand"] == pytest.approx(
        adjusted_rand_score(district["planungsraum"], district["bezirksregion"])
    )
    assert pw["class_change_share"].min() >= 0
    assert pw["class_change_share"].max() <= 1
    same = compare_zonings(
        district, {"a": "planungsraum", "b": "planungsraum"}, t["columns"], population="einwohner"
    )
    row = same.pairwise.iloc[0]
    assert row["adjusted_rand"] == 1.0
    assert row["variation_of_information"] == pytest.approx(0.0, abs=1e-12)
    assert row["class_change_share"] == 0.0
    assert row["rank_spearman"] == pytest.approx(1.0)
    # zone values of catalogue indicators are recomputed from summed counts
    from sozplan.indicators import aggregate, rates

    pa = (
        district.drop(columns="geometry")
        .groupby("planungsraum")[["sgb2_leistungsberechtigte", "einwohner", "einwohner_65_plus"]]
        .sum()
    )
    expected = rates(pa, "sgb2_quote", min_population=None).value["sgb2_quote"]
    got = c.zone_values["Planungsräume"]["sgb2_quote"]
    np.testing.assert_allclose(got.to_numpy(), expected.reindex(got.index).to_numpy())
    assert aggregate  # the catalogue route is the same one aggregate() uses
    assert c.plot().get_title() == "Gebietsgliederungen im Vergleich"
    with pytest.raises(InputError, match="has no column 'nix'"):
        compare_zonings(district, {"x": "nix"}, t["columns"])


# --------------------------------------------------------------------- interpolation
def _two_sources() -> gpd.GeoDataFrame:
    """Two source zones side by side: 100 residents at rate 10, 50 at rate 20."""
    return gpd.GeoDataFrame(
        {"n": [100.0, 50.0], "rate": [10.0, 20.0]},
        geometry=[box(0, 0, 2, 1), box(2, 0, 4, 1)],
        index=["a", "b"],
        crs=25832,
    )


def test_areal_interpolate_area_and_population():
    src = _two_sources()
    tgt = gpd.GeoDataFrame(
        geometry=[box(0, 0, 1, 1), box(1, 0, 4, 1)], index=["x", "y"], crs=25832
    )
    out = areal_interpolate(src, tgt, extensive="n", intensive="rate")
    assert out.loc["x", "n"] == 50
    assert out.loc["y", "n"] == 100
    assert out.loc["y", "rate"] == pytest.approx((10 * 1 + 20 * 2) / 3)
    # population weighting: everybody of source a lives in its right half
    blocks = gpd.GeoDataFrame(
        {"ew": [0.0, 30.0, 10.0, 10.0]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1), box(3, 0, 4, 1)],
        crs=25832,
    )
    outp = areal_interpolate(
        src, tgt, extensive="n", intensive="rate", population="ew", blocks=blocks
    )
    assert outp.loc["x", "n"] == 0
    assert outp.loc["y", "n"] == 150
    assert np.isnan(outp.loc["x", "rate"])  # nobody lives there
    with pytest.raises(InputError, match="different CRS"):
        areal_interpolate(src, tgt.to_crs(25833), extensive="n")
    with pytest.raises(InputError, match="needs `blocks`"):
        areal_interpolate(src, tgt, extensive="n", population="ew")


@settings(max_examples=15, deadline=None)
@given(st.integers(2, 6), st.integers(1, 5), st.integers(0, 1000))
def test_areal_interpolate_preserves_counts(nsrc, ntgt, seed):
    # source and target both tile [0, 6] x [0, 1]; counts are preserved
    rng = np.random.default_rng(seed)
    cuts_s = np.r_[0, np.sort(rng.uniform(0.1, 5.9, nsrc - 1)), 6]
    cuts_t = np.r_[0, np.sort(rng.uniform(0.1, 5.9, ntgt - 1)), 6]
    src = gpd.GeoDataFrame(
        {"n": rng.integers(0, 1000, nsrc).astype(float)},
        geometry=[box(a, 0, b, 1) for a, b in itertools.pairwise(cuts_s)],
        crs=25832,
    )
    tgt = gpd.GeoDataFrame(
        geometry=[box(a, 0, b, 1) for a, b in itertools.pairwise(cuts_t)], crs=25832
    )
    out = areal_interpolate(src, tgt, extensive="n")
    assert out["n"].sum() == pytest.approx(src["n"].sum())
    np.testing.assert_allclose(out["coverage"], 1.0)


def test_areal_interpolate_lists_uncovered_targets_and_refuses_missing_counts():
    src = _two_sources()
    tgt = gpd.GeoDataFrame(
        geometry=[box(0, 0, 4, 1), box(10, 0, 11, 1)], index=["x", "far"], crs=25832
    )
    with pytest.warns(DataQualityWarning, match=r"1 target zone\(s\) overlap no source.*'far'"):
        out = areal_interpolate(src, tgt, extensive="n", intensive="rate")
    assert out.loc["far", "n"] == 0
    assert np.isnan(out.loc["far", "rate"])
    with pytest.raises(InputError, match=r"^areal_interpolate: column 'n' of `source` has 1"):
        areal_interpolate(src.assign(n=[np.nan, 50.0]), tgt.iloc[:1], extensive="n")
