"""Tests of sozplan.autocorrelation against esda (same data, same graph) and published values.

Reference values marked "esda docs" are the doctest values of esda 2.10's classes, which
replicate GeoDa/OpenGeoda output on the datasets shipped with libpysal (stl, sids2, book,
desmith); every other expected value is esda called directly on the same data and graph.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import esda
import geopandas as gpd
import libpysal
import matplotlib
import numpy as np
import pandas as pd
import pytest
from esda.significance import calculate_significance
from esda.smoothing import assuncao_rate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from libpysal.graph import Graph
from libpysal.weights import DistanceBand, lat2W
from shapely.geometry import box
from statsmodels.stats.multitest import multipletests

from sozplan.autocorrelation import (
    CorrelogramResult,
    GlobalResult,
    JoinCountsResult,
    geary,
    getis_ord_general,
    join_counts,
    local_geary,
    local_getis_ord,
    local_join_counts,
    local_moran,
    local_moran_bv,
    local_moran_rate,
    moran,
    moran_bv,
    moran_correlogram,
    moran_rate,
)
from sozplan.autocorrelation._common import permutation_chunks, seed_from_rng
from sozplan.errors import DataQualityWarning, InputError
from sozplan.graph import build_graph, graph_report

matplotlib.use("Agg")

N_SIDE = 7
QUAD = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}  # esda's q codes (geoda_quads=False)


def _field(n_side: int = N_SIDE, seed: int = 3) -> pd.DataFrame:
    """A smooth field plus noise on a lattice, and an event/population pair."""
    rng = np.random.default_rng(seed)
    i, j = np.divmod(np.arange(n_side * n_side), n_side)
    smooth = np.sin(i / 2.0) + np.cos(j / 3.0)
    y = smooth + 0.5 * rng.normal(size=i.size)
    x = smooth + 0.8 * rng.normal(size=i.size)
    pop = rng.integers(200, 3000, size=i.size)
    q1, q2 = np.quantile(y, [1 / 3, 2 / 3])
    events = rng.binomial(pop, np.clip(0.08 + 0.03 * smooth, 0.01, 0.9))
    return pd.DataFrame(
        {
            "y": y + 3.0,
            "x": x,
            "pos": np.abs(y) + 0.1,
            "events": events,
            "pop": pop,
            "binary": (y > np.median(y)).astype(int),
            "klasse": np.select([y < q1, y < q2], ["a", "b"], "c"),
        }
    )


@pytest.fixture(params=["graph", "from_W"])
def case(request):
    """(df, graph for sozplan, weights for esda): a native Graph, and a Graph derived from a W."""
    df = _field()
    if request.param == "graph":
        g = Graph.from_lattice(N_SIDE, N_SIDE, rook=False)
        return df, g, g
    w = lat2W(N_SIDE, N_SIDE, rook=False)
    return df, Graph.from_W(w), w


def _gen_after_seed(rng):
    gen, _ = seed_from_rng(rng)
    return gen


def _perms(rng, n, k):
    """The first k permutations a global statistic draws for ``rng`` (see permutation_chunks)."""
    gen = _gen_after_seed(rng)
    return [gen.permutation(n) for _ in range(k)]


def test_permutation_chunks_are_documented_draws():
    values = np.arange(10.0) ** 2
    blocks = list(permutation_chunks(np.random.default_rng(4), values, 7))
    cols = np.hstack(blocks).T
    gen = np.random.default_rng(4)
    for col in cols:
        np.testing.assert_array_equal(col, values[gen.permutation(10)])


# ====================================================================== global: esda parity


def test_moran_equals_esda(case):
    df, g, w = case
    res = moran(df, "y", graph=g, permutations=99, rng=5)
    ref = esda.Moran(df["y"].to_numpy(), w, permutations=0)
    assert res.statistic == pytest.approx(ref.I, rel=1e-12)
    assert res.expected == pytest.approx(ref.EI, rel=1e-12)
    assert res.variance == pytest.approx(ref.VI_rand, rel=1e-12)
    assert res.z == pytest.approx(ref.z_rand, rel=1e-12)
    assert res.p_norm == pytest.approx(ref.p_rand, rel=1e-9)  # both two-tailed
    assert 0 < res.p_value <= 1
    assert res.simulations.shape == (99,)


@pytest.mark.parametrize("stat", ["moran", "geary", "g", "bv", "rate"])
def test_reference_distribution_is_esda_on_permuted_data(case, stat):
    """Each simulated value is the esda statistic on the same data permuted the same way."""
    df, g, w = case
    y = df["y"].to_numpy()
    n, k = len(df), 15
    perms = _perms(9, n, k)
    if stat == "moran":
        res = moran(df, "y", graph=g, permutations=k, rng=9)
        ref = [esda.Moran(y[p], w, permutations=0).I for p in perms]
    elif stat == "geary":
        res = geary(df, "y", graph=g, permutations=k, rng=9)
        ref = [esda.Geary(y[p], w, permutations=0).C for p in perms]
    elif stat == "g":
        res = getis_ord_general(df, "pos", graph=g, permutations=k, rng=9)
        pos = df["pos"].to_numpy()
        ref = [esda.G(pos[p], w, permutations=0).G for p in perms]
    elif stat == "bv":
        res = moran_bv(df, "x", "y", graph=g, permutations=k, rng=9)
        ref = [esda.Moran_BV(df["x"].to_numpy(), y[p], w, permutations=0).I for p in perms]
    else:
        res = moran_rate(df, "events", "pop", graph=g, permutations=k, rng=9)
        eb = np.asarray(assuncao_rate(df["events"].to_numpy(float), df["pop"].to_numpy(float)))
        ref = [esda.Moran(eb[p], w, permutations=0).I for p in perms]
    np.testing.assert_allclose(res.simulations, ref, rtol=1e-10, atol=1e-14)
    # the pseudo p-value is esda's two-sided significance on that distribution
    assert res.p_value == pytest.approx(
        min(calculate_significance(res.statistic, res.simulations, alternative="two-sided"), 1.0)
    )


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "lesser", "folded", "directed"])
def test_p_value_is_esda_significance(case, alternative):
    df, g, _ = case
    for seed in range(5):
        res = moran(df, "y", graph=g, permutations=99, rng=seed, alternative=alternative)
        ref = calculate_significance(res.statistic, res.simulations, alternative=alternative)
        assert res.p_value == pytest.approx(min(ref, 1.0), abs=1e-12)


def test_directed_p_value_is_esdas_formula(case):
    df, g, _ = case
    res = moran(df, "y", graph=g, permutations=199, rng=2, alternative="directed")
    sims = res.simulations
    larger = int((sims >= res.statistic).sum())
    larger = min(larger, len(sims) - larger)  # esda.Moran's p_sim
    assert res.p_value == pytest.approx((larger + 1.0) / (len(sims) + 1.0))


def test_geary_g_bv_rate_equal_esda(case):
    df, g, w = case
    y = df["y"].to_numpy()
    c = geary(df, "y", graph=g, permutations=0)
    rc = esda.Geary(y, w, permutations=0)
    assert (c.statistic, c.expected) == (pytest.approx(rc.C, rel=1e-12), 1.0)
    assert c.z == pytest.approx(rc.z_rand, rel=1e-12)
    assert c.p_norm == pytest.approx(2 * rc.p_rand, rel=1e-9)  # esda's is one-tailed
    gg = getis_ord_general(df, "pos", graph=g, permutations=0)
    rg = esda.G(df["pos"].to_numpy(), w, permutations=0)
    assert gg.statistic == pytest.approx(rg.G, rel=1e-12)
    assert gg.expected == pytest.approx(rg.EG, rel=1e-12)
    assert gg.z == pytest.approx(rg.z_norm, rel=1e-10)
    assert gg.p_norm == pytest.approx(2 * rg.p_norm, rel=1e-9)
    bv = moran_bv(df, "x", "y", graph=g, permutations=0)
    assert bv.statistic == pytest.approx(
        esda.Moran_BV(df["x"].to_numpy(), y, w, permutations=0).I, rel=1e-12
    )
    mr = moran_rate(df, "events", "pop", graph=g, permutations=0)
    rr = esda.Moran_Rate(df["events"].to_numpy(), df["pop"].to_numpy(), w, permutations=0)
    assert mr.statistic == pytest.approx(rr.I, rel=1e-12)
    assert mr.z == pytest.approx(rr.z_rand, rel=1e-12)


# ====================================================================== published values


def _gal_frame(gal: str, dbf: str, cols: list[str]) -> tuple[pd.DataFrame, Graph]:
    w = libpysal.io.open(libpysal.examples.get_path(gal)).read()
    f = libpysal.io.open(libpysal.examples.get_path(dbf))
    g = Graph.from_W(w)
    data = {c: np.asarray(f.by_col(c), dtype=float) for c in cols}
    # the dbf rows are in the order of w.id_order
    df = pd.DataFrame(data, index=pd.Index(w.id_order))
    return df, g


def test_published_moran_stl():
    # esda docs (Moran): St. Louis homicide rates HR8893, stl.gal: I = 0.244,
    # EI = -1/77, two-tailed p_norm = 0.000271
    df, g = _gal_frame("stl.gal", "stl_hom.txt", ["HR8893"])
    res = moran(df, "HR8893", graph=g, permutations=0)
    assert round(res.statistic, 3) == 0.244
    assert res.expected == pytest.approx(-0.012987012987012988)
    ref = esda.Moran(df["HR8893"].to_numpy(), g, permutations=0)
    assert round(ref.p_norm, 6) == 0.000271


def test_published_moran_sids_replicates_geoda():
    # esda docs (Moran, "SIDS example replicating OpenGeoda"): SIDR74, sids2.gal: I = 0.248
    df, g = _gal_frame("sids2.gal", "sids2.dbf", ["SIDR74", "SIDR79", "SID79", "BIR79"])
    assert round(moran(df, "SIDR74", graph=g, permutations=0).statistic, 3) == 0.248
    # esda docs (Moran_BV): SIDR79 against the lag of SIDR74: I = 0.156
    assert round(moran_bv(df, "SIDR79", "SIDR74", graph=g, permutations=0).statistic, 3) == 0.156
    # esda docs (Moran_Rate): SID79 / BIR79, EB-adjusted: I = 0.1662
    assert (
        f"{moran_rate(df, 'SID79', 'BIR79', graph=g, permutations=0).statistic:6.4f}" == "0.1662"
    )


def test_published_geary_book():
    # esda docs (Geary): book.gal / book.txt: C = 0.3330108, one-tailed p_norm = 9.2e-05
    df, g = _gal_frame("book.gal", "book.txt", ["y"])
    res = geary(df, "y", graph=g, permutations=0)
    assert round(res.statistic, 7) == 0.3330108
    ref = esda.Geary(df["y"].to_numpy(), g, permutations=0)
    assert round(ref.p_norm, 7) == 9.2e-05


def test_published_general_g_points():
    # esda docs (G): six points, distance band 15, binary weights: G = 0.557, p_norm = 0.173
    points = [(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)]
    g = Graph.from_W(DistanceBand(points, threshold=15))
    df = pd.DataFrame({"y": [2, 3, 3.2, 5, 8, 7]}, index=g.unique_ids)
    res = getis_ord_general(df, "y", graph=g, permutations=0)
    assert round(res.statistic, 3) == 0.557
    assert round(res.p_norm / 2, 3) == 0.173  # ours is two-sided


def test_published_join_counts_lattice():
    # esda docs (Join_Counts): 4x4 rook lattice, y = 8 zeros then 8 ones: bb = ww = 10,
    # bw = 4, J = 24
    w = lat2W(4, 4)
    df = pd.DataFrame({"y": [0] * 8 + [1] * 8})
    res = join_counts(df, "y", graph=Graph.from_W(w), permutations=49, rng=1)
    assert res.table.loc[1, "joins"] == 10.0
    assert res.table.loc[0, "joins"] == 10.0
    assert res.different == 4.0
    assert res.n_joins == 24.0


def test_join_counts_per_class_equals_esda_bb(case):
    df, g, w = case
    res = join_counts(df, "klasse", graph=g, permutations=19, rng=0)
    for cls in ["a", "b", "c"]:
        ind = (df["klasse"] == cls).to_numpy().astype(int)
        assert res.table.loc[cls, "joins"] == esda.Join_Counts(ind, w, permutations=0).bb
    rb = join_counts(df, "binary", graph=g, permutations=19, rng=0)
    ref = esda.Join_Counts(df["binary"].to_numpy(), w, permutations=0)
    assert (rb.table.loc[1, "joins"], rb.table.loc[0, "joins"], rb.different) == (
        ref.bb,
        ref.ww,
        ref.bw,
    )
    assert rb.simulations.shape == (19,)
    # the permutation distribution of class joins: esda's bb on the permuted labels
    perms = _perms(0, len(df), 19)
    codes = pd.factorize(df["binary"], sort=True)[0]
    sims = [esda.Join_Counts(codes[p], w, permutations=0) for p in perms]
    np.testing.assert_allclose(rb.simulations, [s.bb + s.ww for s in sims])


def test_exact_order_graphs_equal_libpysal_higher_order():
    from sozplan.autocorrelation._global import _order_graphs

    g = Graph.from_lattice(6, 5, rook=False)
    for k, gk in enumerate(_order_graphs(g, 5), start=1):
        ref = g.transform("b") if k == 1 else g.transform("b").higher_order(k, lower_order=False)
        assert list(gk.unique_ids) == list(ref.unique_ids)
        mine = gk.adjacency[gk.adjacency > 0].sort_index().index
        theirs = ref.adjacency[ref.adjacency > 0].sort_index().index
        assert mine.equals(theirs)
        assert list(gk.isolates) == list(ref.isolates)


def test_correlogram_orders_and_bands_equal_esda(case):
    df, g, _ = case
    res = moran_correlogram(df, "y", graph=g, orders=3, permutations=9, rng=1)
    assert isinstance(res, CorrelogramResult)
    assert res.table["statistic"].iloc[0] == pytest.approx(
        moran(df, "y", graph=g, permutations=0).statistic
    )
    g2 = g.transform("b").higher_order(2, lower_order=False)
    assert res.table["statistic"].iloc[1] == pytest.approx(
        esda.Moran(df["y"].to_numpy(), g2, permutations=0).I
    )
    # distance bands on a grid of 100 m cells: band (0, 150] are rook+queen neighbours
    cells = [
        box(x * 100, y * 100, (x + 1) * 100, (y + 1) * 100)
        for y in range(N_SIDE)
        for x in range(N_SIDE)
    ]
    gdf = gpd.GeoDataFrame(df, geometry=cells, crs=25832)
    bands = moran_correlogram(gdf, "y", graph=g, distances=[150, 250], permutations=0)
    xy = np.c_[gdf.centroid.x, gdf.centroid.y]
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    for row, (lo, hi) in zip(bands.table.itertuples(), [(0, 150), (150, 250)], strict=True):
        wmat = ((d > lo) & (d <= hi)).astype(float)
        ref = esda.Moran(df["y"].to_numpy(), Graph.from_dense(wmat, ids=gdf.index), permutations=0)
        assert row.statistic == pytest.approx(ref.I, rel=1e-12)
    assert bands.by == "distance"
    assert "Moran correlogram" in repr(bands)
    assert bands.plot().get_ylabel() == "Moran's I"


# ====================================================================== local: esda parity


def _seed(rng):
    return seed_from_rng(rng)[1]


def _check_local(res: pd.DataFrame, stat, p_sim, sims_mean, sims_sd, index):
    assert list(res.index) == list(index)
    np.testing.assert_allclose(res["statistic"], stat, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res["p_value"], np.minimum(p_sim, 1.0), rtol=1e-6)
    np.testing.assert_allclose(res["expected"], sims_mean, rtol=1e-10, atol=1e-14)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sims_sd > 0, (stat - sims_mean) / sims_sd, np.nan)
    np.testing.assert_allclose(res["z"], z, rtol=1e-8, equal_nan=True)


def test_local_moran_equals_esda(case):
    df, g, w = case
    res = local_moran(df, "y", graph=g, permutations=99, rng=4)
    ref = esda.Moran_Local(
        df["y"].to_numpy(), w, permutations=99, seed=_seed(4), alternative="two-sided"
    )
    _check_local(res, ref.Is, ref.p_sim, ref.EI_sim, ref.seI_sim, df.index)
    assert res["quadrant"].astype(str).tolist() == [QUAD[q] for q in ref.q]
    sig = res["significant"].to_numpy()
    assert (res["cluster"].astype(str)[sig] == res["quadrant"].astype(str)[sig]).all()
    assert (res["cluster"].astype(str)[~sig] == "ns").all()
    assert res.attrs["seed"] == _seed(4)
    assert res.attrs["alternative"] == "two-sided"


@pytest.mark.parametrize("alternative", ["greater", "lesser", "folded", "directed"])
def test_local_moran_alternatives_equal_esda(alternative):
    # every alternative of esda.significance, on sozplan's kernel and esda's engine
    df = _field()
    g = Graph.from_lattice(N_SIDE, N_SIDE, rook=False)
    res = local_moran(df, "y", graph=g, permutations=99, rng=5, alternative=alternative)
    ref = esda.Moran_Local(
        df["y"].to_numpy(), g, permutations=99, seed=_seed(5), alternative=alternative
    )
    _check_local(res, ref.Is, ref.p_sim, ref.EI_sim, ref.seI_sim, df.index)


def test_kernel_draws_are_esdas_and_threads_change_nothing():
    from esda.crand import vec_permutations

    from sozplan.autocorrelation._kernels import draw_ids

    # the table of drawn positions is esda's for the same seed (numba's Mersenne Twister)
    np.testing.assert_array_equal(draw_ids(48, 8, 99, 12345), vec_permutations(8, 49, 99, 12345))
    df = _field()
    g = Graph.from_lattice(N_SIDE, N_SIDE, rook=False)
    one = local_getis_ord(df, "pos", graph=g, permutations=99, rng=2, n_jobs=1)
    two = local_getis_ord(df, "pos", graph=g, permutations=99, rng=2, n_jobs=2)
    pd.testing.assert_frame_equal(one, two)


def test_local_weights_with_self_loops_and_kernel_weights_equal_esda():
    # non-binary weights with a self-weight: the pairing of weights and drawn positions and
    # the self-weight term must follow esda's engine exactly
    rng = np.random.default_rng(0)
    n = 30
    dense = rng.random((n, n)) * (rng.random((n, n)) < 0.2)
    dense = dense + dense.T
    np.fill_diagonal(dense, 0.5)
    g = Graph.from_dense(dense)
    df = pd.DataFrame({"y": rng.normal(size=n)}, index=g.unique_ids)
    res = local_moran(df, "y", graph=g, permutations=49, rng=1, transformation="r")
    ref = esda.Moran_Local(
        df["y"].to_numpy(), g, permutations=49, seed=_seed(1), alternative="two-sided"
    )
    _check_local(res, ref.Is, ref.p_sim, ref.EI_sim, ref.seI_sim, df.index)


def test_local_moran_without_simulations_uses_analytical_moments(case):
    df, g, w = case
    res = local_moran(df, "y", graph=g, permutations=99, rng=4, keep_simulations=False)
    full = local_moran(df, "y", graph=g, permutations=99, rng=4)
    ref = esda.Moran_Local(
        df["y"].to_numpy(),
        w,
        permutations=99,
        seed=_seed(4),
        alternative="two-sided",
        keep_simulations=False,
    )
    np.testing.assert_allclose(res["expected"], ref.EIc, rtol=1e-12)
    np.testing.assert_allclose(res["z"], (ref.Is - ref.EIc) / np.sqrt(ref.VIc), rtol=1e-10)
    # same permutations, same p-values as with the simulations kept
    np.testing.assert_allclose(res["p_value"], full["p_value"], rtol=1e-6)
    # the analytical and the simulated null moments agree roughly
    assert np.corrcoef(res["z"], full["z"])[0, 1] > 0.95


def test_published_local_moran_desmith_quadrants():
    # esda docs (Moran_Local): desmith.gal / desmith.txt z, q = [4,4,4,2,3,3,1,4,3,3]
    df, g = _gal_frame("desmith.gal", "desmith.txt", ["z"])
    res = local_moran(df, "z", graph=g, permutations=99, rng=0)
    assert res["quadrant"].astype(str).tolist() == [
        QUAD[q] for q in [4, 4, 4, 2, 3, 3, 1, 4, 3, 3]
    ]


def test_published_local_bv_and_rate_sids_quadrants():
    df, g = _gal_frame("sids2.gal", "sids2.dbf", ["SIDR79", "SIDR74", "SID79", "BIR79"])
    # esda docs (Moran_Local_BV): q[:10] = [3,4,3,4,2,1,4,4,2,4]
    bv = local_moran_bv(df, "SIDR79", "SIDR74", graph=g, permutations=99, rng=0)
    assert bv["quadrant"].astype(str).tolist()[:10] == [
        QUAD[q] for q in [3, 4, 3, 4, 2, 1, 4, 4, 2, 4]
    ]
    # esda docs (Moran_Local_Rate): q[:10] = [2,4,3,1,2,1,1,4,2,4]
    rate = local_moran_rate(df, "SID79", "BIR79", graph=g, permutations=99, rng=0)
    assert rate["quadrant"].astype(str).tolist()[:10] == [
        QUAD[q] for q in [2, 4, 3, 1, 2, 1, 1, 4, 2, 4]
    ]


def test_local_bv_and_rate_equal_esda(case):
    df, g, w = case
    res = local_moran_bv(df, "x", "y", graph=g, permutations=99, rng=6)
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = esda.Moran_Local_BV(
            df["x"].to_numpy(),
            df["y"].to_numpy(),
            w,
            permutations=99,
            seed=_seed(6),
            alternative="two-sided",
        )
    _check_local(res, ref.Is, ref.p_sim, ref.EI_sim, ref.seI_sim, df.index)
    assert res["quadrant"].astype(str).tolist() == [QUAD[q] for q in ref.q]
    res = local_moran_rate(df, "events", "pop", graph=g, permutations=99, rng=6)
    ref = esda.Moran_Local_Rate(
        df["events"].to_numpy(),
        df["pop"].to_numpy(),
        w,
        permutations=99,
        seed=_seed(6),
        alternative="two-sided",
    )
    _check_local(res, ref.Is, ref.p_sim, ref.EI_sim, ref.seI_sim, df.index)


@pytest.mark.parametrize("star", [False, True])
def test_local_getis_ord_equals_esda(case, star):
    df, g, _ = case
    res = local_getis_ord(df, "pos", graph=g, star=star, permutations=99, rng=8)
    w_in = g.transform("b").assign_self_weight(1) if star else g
    ref = esda.G_Local(
        df["pos"].to_numpy(),
        w_in,
        transform="R",
        star=star,
        permutations=99,
        seed=_seed(8),
        alternative="two-sided",
        n_jobs=1,
    )
    _check_local(res, ref.Gs, ref.p_sim, ref.EG_sim, ref.seG_sim, df.index)
    sig = res["significant"].to_numpy()
    hot = (res["z"] > 0).to_numpy()
    assert (res["cluster"].astype(str)[sig & hot] == "HH").all()
    assert (res["cluster"].astype(str)[sig & ~hot] == "LL").all()


def test_local_g_star_includes_self():
    # G*_i with binary weights plus self-weight equals sum of y over i and its neighbours / sum y
    g = Graph.from_lattice(3, 3, rook=True)
    df = pd.DataFrame({"y": np.arange(1.0, 10.0)}, index=g.unique_ids)
    res = local_getis_ord(df, "y", graph=g, star=True, permutations=9, rng=0, transformation="b")
    # centre cell 4 (value 5) with rook neighbours 2, 4, 6, 8: (2 + 4 + 5 + 6 + 8) / 45
    assert res["statistic"].iloc[4] == pytest.approx(25 / 45)


def test_local_geary_and_join_counts_equal_esda(case):
    df, g, w = case
    res = local_geary(df, "y", graph=g, permutations=99, rng=3)
    ref = esda.Geary_Local(
        connectivity=w, permutations=99, seed=_seed(3), alternative="two-sided", labels=False
    ).fit(df["y"].to_numpy())
    _check_local(res, ref.localG, ref.p_sim, ref.rlocalG.mean(1), ref.rlocalG.std(1), df.index)
    assert set(res["cluster"].astype(str)) <= {"HH", "LL", "OP", "NEG", "ns"}
    res = local_join_counts(df, "klasse", category="c", graph=g, permutations=99, rng=3)
    x = (df["klasse"] == "c").to_numpy(float)
    # esda's Join_Counts_Local.fit has its own `permutations=999` and ignores the
    # constructor's: pass it to fit
    ref = esda.Join_Counts_Local(
        connectivity=w, permutations=99, seed=_seed(3), alternative="two-sided"
    ).fit(x, permutations=99)
    np.testing.assert_allclose(res["statistic"], ref.LJC)
    np.testing.assert_allclose(res["p_value"], np.minimum(ref.p_sim, 1), equal_nan=True)
    assert res.loc[ref.LJC == 0, "p_value"].isna().all()  # no test where no same-class join
    # a 0/1 column works without category
    res01 = local_join_counts(df, "binary", graph=g, permutations=19, rng=3)
    assert res01["statistic"].max() > 0


def test_q_values_are_benjamini_hochberg(case):
    df, g, _ = case
    res = local_moran(df, "y", graph=g, permutations=199, rng=1)
    p = res["p_value"].to_numpy()
    assert np.allclose(res["q_value"], multipletests(p, method="fdr_bh")[1])
    assert np.allclose(res["p_bonferroni"], multipletests(p, method="bonferroni")[1])
    by_q = local_moran(df, "y", graph=g, permutations=199, rng=1, correction="fdr", alpha=0.1)
    assert (by_q["significant"] == (by_q["q_value"] <= 0.1)).all()
    raw = local_moran(df, "y", graph=g, permutations=199, rng=1, correction="none")
    assert (raw["significant"] == (raw["p_value"] <= 0.05)).all()
    bonf = local_moran(df, "y", graph=g, permutations=199, rng=1, correction="bonferroni")
    assert bonf["significant"].sum() <= raw["significant"].sum()


def test_german_and_english_labels(case):
    df, g, _ = case
    res = local_moran(df, "y", graph=g, permutations=99, rng=1, correction="none", alpha=0.2)
    mapping = {
        "HH": "hoch-hoch",
        "LL": "niedrig-niedrig",
        "HL": "hoch-niedrig",
        "LH": "niedrig-hoch",
        "ns": "nicht signifikant",
    }
    for code, de in zip(res["cluster"].astype(str), res["cluster_de"].astype(str), strict=True):
        assert mapping[code] == de
    assert "high-high" in list(res["cluster_en"].cat.categories)


# ====================================================================== randomness


def test_same_rng_same_numbers_and_no_global_state(case):
    df, g, _ = case
    state = np.random.get_state()[1].copy()  # noqa: NPY002 - checks it is untouched
    a = moran(df, "y", graph=g, permutations=99, rng=11)
    b = moran(df, "y", graph=g, permutations=99, rng=np.random.default_rng(11))
    np.testing.assert_array_equal(a.simulations, b.simulations)
    c = moran(df, "y", graph=g, permutations=99, rng=12)
    assert not np.array_equal(a.simulations, c.simulations)
    la = local_moran(df, "y", graph=g, permutations=99, rng=11)
    lb = local_moran(df, "y", graph=g, permutations=99, rng=11)
    pd.testing.assert_frame_equal(la, lb)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_legacy_random_state_refused(case):
    df, g, _ = case
    with pytest.raises(InputError, match="legacy numpy RandomState"):
        moran(df, "y", graph=g, rng=np.random.RandomState(1))


# ====================================================================== isolates


@pytest.fixture
def island_frame():
    cells = [
        box(x * 100, y * 100, (x + 1) * 100, (y + 1) * 100) for y in range(5) for x in range(5)
    ]
    cells.append(box(2000, 2000, 2100, 2100))
    rng = np.random.default_rng(0)
    ids = [f"b{i:02d}" for i in range(25)] + ["insel"]
    return gpd.GeoDataFrame({"y": rng.normal(size=26)}, geometry=cells, crs=25832, index=ids)


def test_isolates_warn_flag_and_clamp(island_frame):
    g = build_graph(island_frame, islands="keep")
    with pytest.warns(DataQualityWarning, match=r"1 area\(s\) without neighbours \('insel'\)"):
        res = local_moran(island_frame, "y", graph=g, permutations=99, rng=0)
    # esda's two-sided p-value of an isolate exceeds 1; ours is NaN and flagged
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = esda.Moran_Local(
            island_frame["y"].to_numpy(),
            g,
            permutations=99,
            seed=_seed(0),
            alternative="two-sided",
        )
    assert raw.p_sim[-1] > 1
    assert res.loc["insel", "isolate"]
    assert np.isnan(res.loc["insel", "p_value"])
    assert np.isnan(res.loc["insel", "q_value"])
    assert res.loc["insel", "cluster"] == "isolate"
    assert res.loc["insel", "cluster_de"] == "ohne Nachbarn"
    assert res["p_value"].max() <= 1
    # q-values over the 25 tested areas only
    p = res["p_value"].dropna().to_numpy()
    assert np.allclose(res["q_value"].dropna(), multipletests(p, method="fdr_bh")[1])
    assert res.attrs["warnings"]
    with pytest.warns(DataQualityWarning):
        glob = moran(island_frame, "y", graph=g, permutations=9, rng=0)
    assert glob.n_isolates == 1
    assert glob.warnings


def test_default_graph_raises_on_islands(island_frame):
    with pytest.raises(InputError, match="insel"):
        moran(island_frame, "y")


# ====================================================================== bad input


def test_bad_input(case, island_frame):
    df, g, _ = case
    with pytest.raises(InputError, match="has no column 'yy'"):
        moran(df, "yy", graph=g)
    nan = df.copy()
    nan.loc[3, "y"] = np.nan
    with pytest.raises(InputError, match=r"1 missing or infinite value\(s\), at ids 3"):
        local_moran(nan, "y", graph=g)
    const = df.assign(y=1.5)
    with pytest.raises(InputError, match="constant"):
        moran(const, "y", graph=g)
    with pytest.raises(InputError, match="constant"):
        local_moran(const, "y", graph=g)
    with pytest.raises(
        InputError, match=r"ids of `df` and `graph` differ: 1 id\(s\) only in `df` \(99\)"
    ):
        moran(df.rename(index={48: 99}), "y", graph=g)
    with pytest.raises(InputError, match="not a GeoDataFrame"):
        moran(df, "y")
    with pytest.raises(InputError, match="negative value"):
        getis_ord_general(df.assign(pos=df["x"]), "pos", graph=g)
    with pytest.raises(InputError, match="negative value"):
        local_getis_ord(df.assign(pos=df["x"]), "pos", graph=g)
    with pytest.raises(InputError, match="`permutations`"):
        moran(df, "y", graph=g, permutations=-1)
    with pytest.raises(InputError, match="`permutations` is 0"):
        local_moran(df, "y", graph=g, permutations=0)
    with pytest.raises(InputError, match="`alternative` is 'both'"):
        moran(df, "y", graph=g, alternative="both")
    with pytest.raises(InputError, match="`correction`"):
        local_moran(df, "y", graph=g, correction="holm")
    with pytest.raises(InputError, match="`alpha`"):
        local_moran(df, "y", graph=g, alpha=5)
    with pytest.raises(InputError, match="'events' exceeds 'pop'"):
        moran_rate(df.assign(events=df["pop"] + 1), "events", "pop", graph=g)
    with pytest.raises(InputError, match="= 0"):
        local_moran_rate(df.assign(pop=0, events=0), "events", "pop", graph=g)
    with pytest.raises(InputError, match="only one class"):
        join_counts(df.assign(k="a"), "k", graph=g)
    with pytest.raises(InputError, match="not 0/1"):
        local_join_counts(df, "klasse", graph=g)
    with pytest.raises(InputError, match="exactly one of `orders` or `distances`"):
        moran_correlogram(df, "y", graph=g)
    geo = island_frame.to_crs(4326)
    with pytest.raises(InputError, match="geographic CRS"):
        moran_correlogram(
            geo, "y", graph=build_graph(island_frame, islands="nearest"), distances=[0.01]
        )
    with pytest.raises(InputError, match=r"other order|differ"):
        moran(df.iloc[:10], "y", graph=g)


def test_rows_in_other_order_are_aligned_by_id(case):
    df, g, _ = case
    shuffled = df.sample(frac=1.0, random_state=1)
    a = moran(df, "y", graph=g, permutations=0)
    b = moran(shuffled, "y", graph=g, permutations=0)
    assert a.statistic == pytest.approx(b.statistic, rel=1e-12)
    la = local_moran(df, "y", graph=g, permutations=9, rng=0)
    lb = local_moran(shuffled, "y", graph=g, permutations=9, rng=0)
    assert list(lb.index) == list(shuffled.index)
    np.testing.assert_allclose(
        lb["statistic"].loc[df.index], la["statistic"], rtol=1e-10, atol=1e-14
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(scale=st.floats(0.01, 1e4), shift=st.floats(-1e4, 1e4), seed=st.integers(0, 2**16))
def test_moran_invariant_under_positive_affine_maps(scale, shift, seed):
    g = Graph.from_lattice(5, 5, rook=True)
    y = np.random.default_rng(seed).normal(size=25)
    df = pd.DataFrame({"y": y, "t": scale * y + shift}, index=g.unique_ids)
    a = moran(df, "y", graph=g, permutations=0).statistic
    b = moran(df, "t", graph=g, permutations=0).statistic
    assert a == pytest.approx(b, rel=1e-6, abs=1e-9)
    assert -1.5 < a < 1.5


# ====================================================================== result objects


def test_global_result_views(case):
    df, g, _ = case
    res = moran(df, "y", graph=g, permutations=49, rng=1)
    assert isinstance(res, GlobalResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.statistic = 0.0
    text = repr(res)
    assert text.startswith("Moran's I")
    assert "two-sided" in text
    assert "<table" in res._repr_html_()
    frame = res.to_frame()
    assert frame.loc["Moran's I", "statistic"] == res.statistic
    ax = res.plot()
    assert len(ax.lines) >= 1  # regression line
    assert ax.get_xlabel() == "Standardisierter Wert"
    # slope of the regression line is Moran's I (row-standardised, no isolates)
    slope = np.polyfit(*res.scatter[:2], 1)[0]
    assert slope == pytest.approx(res.statistic, rel=1e-9)
    gr = geary(df, "y", graph=g, permutations=49, rng=1)
    assert gr.plot().get_xlabel() == "Geary's C"
    jc = join_counts(df, "klasse", graph=g, permutations=19, rng=0)
    assert isinstance(jc, JoinCountsResult)
    assert "Join counts" in repr(jc)
    assert "<table" in jc._repr_html_()
    assert list(jc.to_frame().index) == ["a", "b", "c", "all"]
    jc.plot()


# ====================================================================== Musterstadt

MUSTERSTADT = Path(__file__).resolve().parents[1] / "data-samples" / "musterstadt"


@pytest.fixture(scope="module")
def musterstadt():
    if not (MUSTERSTADT / "truth.json").exists():
        pytest.skip("data-samples/musterstadt not generated yet")
    from sozplan.datasets import load_musterstadt, load_truth

    return load_musterstadt("block"), load_truth()


def test_musterstadt_island_block_each_policy(musterstadt):
    blocks, truth = musterstadt
    island = truth["island_block"]
    with pytest.raises(InputError, match=island):
        build_graph(blocks)
    keep = build_graph(blocks, islands="keep")
    summary = graph_report(keep)
    assert island in summary.isolates
    near = build_graph(blocks, islands="nearest")
    assert near.cardinalities[island] == 1
    assert island in set(graph_report(near).islands.added_edges["focal"])
    assert island not in build_graph(blocks, islands="drop").unique_ids
    with pytest.warns(DataQualityWarning, match=island):
        res = local_moran(blocks, "einwohner", graph=keep, permutations=99, rng=0)
    assert res.loc[island, "cluster"] == "isolate"


def _deprivation_lisa(blocks):
    at_risk = blocks["einwohner"] - blocks["einwohner_65_plus"]
    sub = blocks[(blocks["einwohner"] > 0) & (at_risk > 0)].copy()
    sub["sgb2_quote"] = sub["sgb2_leistungsberechtigte"] / (
        sub["einwohner"] - sub["einwohner_65_plus"]
    )
    graph = build_graph(sub, islands="nearest")
    return local_moran(sub, "sgb2_quote", graph=graph, permutations=999, rng=2024)


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b)


@pytest.fixture(scope="module")
def musterstadt_lisa(musterstadt):
    blocks, truth = musterstadt
    return _deprivation_lisa(blocks), truth


def test_musterstadt_planted_spots_are_found(musterstadt_lisa):
    """Most planted blocks carry the planted label (recall; the Jaccard test below is stricter)."""
    lisa, truth = musterstadt_lisa
    hot = {b for h in truth["hot_spots"] for b in h["blocks"]}
    cold = set(truth["cold_spot"]["blocks"])
    sig = lisa["q_value"] <= 0.05
    hh = set(lisa.index[sig & (lisa["cluster"] == "HH")])
    ll = set(lisa.index[sig & (lisa["cluster"] == "LL")])
    assert len(hot & hh) / len(hot) >= 0.85
    assert len(cold & ll) / len(cold) >= 0.6
    assert not (hot & ll)
    assert not (cold & hh)


def _block_types(blocks, truth) -> pd.Series:
    """The planted area type of every block (ordinary areas, true regions, Platte und Penthouse)."""
    types = blocks["planungsraum"].map(pd.Series(truth["types"]["labels"]))
    regions = pd.Series(truth["regions"]["labels"]).map(pd.Series(truth["regions"]["types"]))
    types.update(regions)
    pp = truth["platte_und_penthouse"]
    types.loc[types.index.intersection(pp["high_rise_blocks"])] = "grosswohnsiedlung"
    types.loc[types.index.intersection(pp["villa_blocks"])] = "einfamilienhaus"
    return types


def _clusters_touching(lisa, graph, planted: set, code: str) -> set:
    """Blocks of the connected significant ``code`` clusters that overlap ``planted``."""
    from scipy.sparse.csgraph import connected_components

    sig = ((lisa["q_value"] <= 0.05) & (lisa["cluster"] == code)).to_numpy()
    ids = lisa.index[sig]
    _, comp = connected_components(graph.sparse[sig][:, sig], directed=False)
    hit = set(comp[np.isin(ids, list(planted))])
    return set(ids[np.isin(comp, list(hit))])


def test_musterstadt_jaccard_acceptance(musterstadt, musterstadt_lisa):
    """Issue 6 acceptance: the planted hot spots come out as HH clusters, the cold spot as LL.

    A city calibrated to Berlin (Moran's I of the SGB II share about 0.5) has more than the
    planted clusters: large housing estates are genuinely HH and detached-house areas LL. So
    the criterion is read per planted spot: the significant (q <= 0.05) cluster found at the
    spot, i.e. the connected HH (LL) blocks that overlap it, matches the planted blocks with
    Jaccard >= 0.8; and every other significant cluster lies in areas of the planted type
    that explains it (estates or inner city for HH, detached houses for LL).
    """
    blocks, truth = musterstadt
    lisa, _ = musterstadt_lisa
    at_risk = blocks["einwohner"] - blocks["einwohner_65_plus"]
    sub = blocks[(blocks["einwohner"] > 0) & (at_risk > 0)]
    graph = build_graph(sub, islands="nearest")
    assert list(graph.unique_ids) == list(lisa.index)
    for spot in truth["hot_spots"]:
        planted = set(spot["blocks"]) & set(sub.index)
        found = _clusters_touching(lisa, graph, planted, "HH")
        assert _jaccard(found, planted) >= 0.8, spot["name"]
    cold = set(truth["cold_spot"]["blocks"]) & set(sub.index)
    assert _jaccard(_clusters_touching(lisa, graph, cold, "LL"), cold) >= 0.8
    types = _block_types(sub, truth)
    planted = {b for h in truth["hot_spots"] for b in h["blocks"]} | cold
    sig = lisa["q_value"] <= 0.05
    for code, explained in [
        ("HH", {"grosswohnsiedlung", "innenstadt"}),
        ("LL", {"einfamilienhaus"}),
    ]:
        other = lisa.index[sig & (lisa["cluster"] == code) & ~lisa.index.isin(list(planted))]
        assert types.loc[other].isin(explained).mean() >= 0.95, code


# ====================================================================== Berlin MSS 2021


@pytest.mark.berlin
def test_berlin_mss_status_index_moran_and_lisa(berlin_dir):
    ind = pd.read_csv(berlin_dir / "mss_2021_index_indikatoren.csv", dtype={"PLR_ID": str})
    ind = ind[ind["KOM"] == "gültig"].set_index("PLR_ID")
    assert len(ind) == 536
    z = (ind[["S1", "S3", "S4"]] - ind[["S1", "S3", "S4"]].mean()) / ind[["S1", "S3", "S4"]].std(
        ddof=0
    )
    s = z.sum(axis=1)
    status = (s - s.mean()) / s.std(ddof=0)
    published = pd.read_csv(
        berlin_dir / "mss_2021_index_zwerte.csv",
        sep=";",
        encoding="utf-8-sig",
        dtype={"PLR-ID": str},
    ).set_index("PLR-ID")
    pub = published["Status-Index (standardisierte Statussumme)"].dropna()
    assert np.abs(status.loc[pub.index] - pub).max() <= 0.005 + 1e-9  # two published decimals
    plr = gpd.read_file(berlin_dir / "lor_planungsraeume_2021.gpkg", layer="planungsraeume")
    gdf = plr.set_index("PLR_ID").join(status.rename("status_index"), how="inner")
    graph = build_graph(gdf)  # the 536 rated PLR are queen-connected without islands
    res = moran(gdf, "status_index", graph=graph, permutations=999, rng=2021)
    ref = esda.Moran(gdf["status_index"].to_numpy(), graph, permutations=0)
    assert res.statistic == pytest.approx(ref.I, rel=1e-12)
    assert res.z == pytest.approx(ref.z_rand, rel=1e-12)
    # strong clustering of the status index: I = 0.498 (queen, row-standardised); I lies above
    # all 999 permuted values, and esda's two-sided definition then counts the minimum and the
    # maximum of the reference distribution: p = (2 + 1) / (999 + 1)
    assert round(res.statistic, 3) == 0.498
    assert res.statistic > res.simulations.max()
    assert res.p_value == pytest.approx(0.003)
    lisa = local_moran(gdf, "status_index", graph=graph, permutations=999, rng=2021)
    lref = esda.Moran_Local(
        gdf["status_index"].to_numpy(),
        graph,
        permutations=999,
        seed=_seed(2021),
        alternative="two-sided",
    )
    _check_local(lisa, lref.Is, lref.p_sim, lref.EI_sim, lref.seI_sim, gdf.index)
    counts = lisa["cluster"].value_counts()
    assert counts["HH"] > 0
    assert counts["LL"] > 0
