"""Tests of sozplan.graph: build_graph (kinds, island policies), graph_report, align_graph."""

from __future__ import annotations

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from shapely.geometry import box

from sozplan.errors import InputError
from sozplan.graph import GraphReport, align_graph, build_graph, graph_report, island_report

matplotlib.use("Agg")


def grid(nx: int = 4, ny: int = 3, size: float = 100.0, crs="EPSG:25832") -> gpd.GeoDataFrame:
    cells = [
        box(x * size, y * size, (x + 1) * size, (y + 1) * size)
        for y in range(ny)
        for x in range(nx)
    ]
    ids = [f"{i:03d}" for i in range(nx * ny)]
    return gpd.GeoDataFrame(
        {"v": np.arange(nx * ny, dtype=float)},
        geometry=cells,
        crs=crs,
        index=pd.Index(ids, name="block"),
    )


@pytest.fixture
def with_islands() -> gpd.GeoDataFrame:
    """A 3x3 grid, an island (one cell far away) and an exclave of two touching cells."""
    g = grid(3, 3)
    extra = gpd.GeoDataFrame(
        {"v": [1.0, 2.0, 3.0]},
        geometry=[box(1000, 1000, 1100, 1100), box(0, 600, 100, 700), box(100, 600, 200, 700)],
        index=pd.Index(["insel", "ex1", "ex2"], name="block"),
        crs=g.crs,
    )
    return pd.concat([g, extra])


def edges(graph: Graph) -> set:
    adj = graph.adjacency
    adj = adj[adj > 0]
    return set(zip(adj.index.get_level_values(0), adj.index.get_level_values(1), strict=True))


# ---------------------------------------------------------------- kinds


def test_queen_is_queen_and_rook_is_rook():
    g = grid(3, 3)
    queen = build_graph(g, "queen")
    rook = build_graph(g, "rook")
    # centre cell: 8 queen neighbours, 4 rook neighbours
    assert queen.cardinalities["004"] == 8
    assert rook.cardinalities["004"] == 4
    # same links as libpysal called directly (queen needs rook=False there)
    assert edges(queen) == edges(Graph.build_contiguity(g, rook=False))
    assert edges(rook) == edges(Graph.build_contiguity(g, rook=True))


def test_graph_is_aligned_with_index_and_row_standardised():
    g = grid(4, 3).iloc[::-1]  # ids in descending order
    graph = build_graph(g)
    assert list(graph.unique_ids) == list(g.index)
    assert graph.transformation == "R"
    np.testing.assert_allclose(np.asarray(graph.sparse.sum(axis=1)).ravel(), 1.0)
    assert build_graph(g, transform="b").transformation == "B"


def test_knn_distance_kernel_match_libpysal_on_centroids():
    g = grid(4, 3)
    cent = g.centroid
    assert edges(build_graph(g, "knn", k=3)) == edges(Graph.build_knn(cent, k=3))
    assert build_graph(g, "knn", k=3).cardinalities.eq(3).all()
    assert edges(build_graph(g, "distance", threshold=150)) == edges(
        Graph.build_distance_band(cent, threshold=150)
    )
    kern = build_graph(g, "kernel", bandwidth=250, kernel="triangular", transform="o")
    ref = Graph.build_kernel(cent, kernel="triangular", bandwidth=250)
    pd.testing.assert_series_equal(kern.adjacency, ref.adjacency)
    adaptive = build_graph(g, "kernel", k=4, transform="o")
    pd.testing.assert_series_equal(adaptive.adjacency, Graph.build_kernel(cent, k=4).adjacency)


def test_distance_graph_on_points():
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([0, 10, 20, 30], [0, 0, 0, 0]), index=list("abcd"), crs=25832
    )
    g = build_graph(pts, "distance", threshold=10, transform="b")
    assert g.cardinalities.tolist() == [1, 2, 2, 1]


# ---------------------------------------------------------------- islands


def test_default_raises_with_ids_and_fix(with_islands):
    with pytest.raises(
        InputError, match=r"isolates: 'insel'.*3 disconnected components.*islands='nearest'"
    ):
        build_graph(with_islands)


def test_nearest_links_every_island_and_component(with_islands):
    g = build_graph(with_islands, islands="nearest")
    assert g.n_components == 1
    assert len(g.isolates) == 0
    rep = island_report(g)
    assert rep.policy == "nearest"
    assert rep.isolates == ("insel",)
    assert rep.component_sizes == (9, 2, 1)
    added = rep.added_edges
    assert len(added) == 2
    # the exclave (ex1, ex2 at y 600-700) is 300 m above the grid's top row (y 200-300)
    row = added[added["focal"].isin(["ex1", "ex2"])].iloc[0]
    assert row["distance"] == pytest.approx(300.0)
    # the island's nearest area is the exclave cell ex2 (sqrt(800^2 + 300^2) m; the grid's
    # corner cell 008 is sqrt(700^2 + 700^2) m away)
    isl = added[added["focal"] == "insel"].iloc[0]
    assert isl["neighbor"] == "ex2"
    assert isl["distance"] == pytest.approx(np.hypot(800, 300))
    # links are symmetric
    assert len(g.asymmetry(intrinsic=False)) == 0
    # and said in the summary
    text = repr(graph_report(g))
    assert "islands='nearest' linked 2" in text
    assert "'insel'-'ex2'" in text


def test_drop_keeps_largest_component(with_islands):
    g = build_graph(with_islands, islands="drop")
    assert set(g.unique_ids) == set(with_islands.index[:9])
    assert set(island_report(g).dropped) == {"insel", "ex1", "ex2"}
    assert "removed 3 area(s)" in repr(graph_report(g))


def test_keep_keeps_and_reports(with_islands):
    g = build_graph(with_islands, islands="keep")
    assert list(g.isolates) == ["insel"]
    s = graph_report(g)
    assert s.isolates == ("insel",)
    assert s.n_components == 3
    assert s.component_sizes == (9, 2, 1)


def test_no_islands_no_change():
    g = build_graph(grid(), islands="nearest")
    assert island_report(g).added_edges.empty
    assert edges(g) == edges(build_graph(grid()))


def test_kernel_nearest_uses_weakest_weight():
    g = grid(3, 1)
    extra = gpd.GeoDataFrame(geometry=[box(2000, 0, 2100, 100)], index=["far"], crs=g.crs)
    gdf = pd.concat([g, extra])
    kern = build_graph(
        gdf, "kernel", bandwidth=150, kernel="triangular", islands="nearest", transform="o"
    )
    w = kern.adjacency
    assert w.loc[("far", "002")] == pytest.approx(
        w[w > 0].drop(index=[("far", "002"), ("002", "far")]).min()
    )


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kind", "kw"),
    [("knn", {"k": 2}), ("distance", {"threshold": 0.1}), ("kernel", {"bandwidth": 0.1})],
)
def test_geographic_crs_refused_for_distances(kind, kw):
    g = grid(3, 3, size=0.01).set_crs("EPSG:4326", allow_override=True)
    with pytest.raises(InputError, match=r"geographic CRS EPSG:4326.*to_crs"):
        build_graph(g, kind, **kw)
    build_graph(g, "queen")  # contiguity needs no metres


def test_missing_crs_refused_for_distances():
    g = grid().set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="no CRS"):
        build_graph(g, "knn", k=2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "hexagon"}, "`kind` is 'hexagon'"),
        ({"islands": "ignore"}, "`islands` is 'ignore'"),
        ({"transform": "x"}, "`transform` is 'x'"),
        ({"kind": "knn"}, "needs `k`"),
        ({"kind": "knn", "k": 12}, "needs `k`"),
        ({"kind": "distance"}, "positive `threshold`"),
        ({"kind": "distance", "threshold": -5}, "positive `threshold`"),
        ({"kind": "kernel"}, "exactly one of `bandwidth`"),
        ({"kind": "kernel", "k": 3, "bandwidth": 100}, "exactly one of `bandwidth`"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(InputError, match=message):
        build_graph(grid(), **kwargs)


def test_bad_frames():
    with pytest.raises(InputError, match="not a pandas DataFrame"):
        build_graph([1, 2])
    with pytest.raises(InputError, match="no geometry"):
        build_graph(pd.DataFrame({"a": [1]}))
    dup = grid()
    dup.index = ["a"] * len(dup)
    with pytest.raises(InputError, match="duplicates"):
        build_graph(dup)
    holes = grid()
    holes.loc["002", "geometry"] = None
    with pytest.raises(InputError, match="no geometry: '002'"):
        build_graph(holes)


# ---------------------------------------------------------------- align_graph


def test_align_graph_reorders_by_id_and_keeps_weights():
    g = grid()
    graph = build_graph(g)
    df = g.sample(frac=1.0, random_state=3)
    aligned = align_graph(graph, df)
    assert list(aligned.unique_ids) == list(df.index)
    assert aligned.transformation == "R"
    pd.testing.assert_series_equal(
        aligned.adjacency.sort_index(), graph.adjacency.sort_index(), check_index=True
    )
    assert align_graph(graph, g) is graph


def test_align_graph_refuses_other_ids():
    g = grid()
    graph = build_graph(g)
    with pytest.raises(InputError, match=r"1 id\(s\) only in `df` \('zzz'\)"):
        align_graph(graph, pd.concat([g, g.iloc[[0]].rename(index={"000": "zzz"})]))
    with pytest.raises(InputError, match=r"not a libpysal\.graph\.Graph"):
        align_graph(graph.to_W(), g)


# ---------------------------------------------------------------- summary


def test_graph_summary_figures_and_views(with_islands):
    g = build_graph(with_islands, islands="keep", transform="b")
    s = graph_report(g)
    assert isinstance(s, GraphReport)
    assert s.n_nodes == 12
    assert s.nonzero == int(g.nonzero)
    assert s.cardinalities["004"] == 8
    assert s.neighbor_distribution().sum() == 12
    assert s.n_asymmetric == 0
    frame = s.to_frame()
    assert frame.loc["insel", "isolate"]
    assert frame["component"].nunique() == 3
    html = s._repr_html_()
    assert "<table>" in html
    assert "insel" in html
    ax = s.plot()
    assert ax.get_xlabel() == "Anzahl Nachbarn"


def test_graph_summary_knn_asymmetry():
    g = grid(5, 1)
    s = graph_report(build_graph(g, "knn", k=1))
    assert s.n_asymmetric > 0
    assert island_report(Graph.from_dicts({"a": ["b"], "b": ["a"]})) is None
    with pytest.raises(InputError, match=r"not a libpysal\.graph\.Graph"):
        graph_report("queen")
