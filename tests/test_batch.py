"""Batch runs (sozplan.batch): serial and Dask paths identical, errors listed, bad input."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sozplan.batch import BatchResult, MonitoringAnalysis, SegregationAnalysis, run_by, unit_seed
from sozplan.datasets import make_city, make_grid
from sozplan.errors import DataQualityWarning, InputError, MissingDependencyError
from sozplan.segregation import dissimilarity, randomization_test, segregation_table


@pytest.fixture(scope="module")
def grid() -> pd.DataFrame:
    g = make_grid(6_000, seed=7, n_kreise=5)
    share = 100 * g["a65undaelter"] / g["Einwohner"]
    return g.assign(anteil_65=share, anteil_u18=100 * g["Unter18"] / g["Einwohner"])


def _client(n_workers: int, processes: bool):
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=processes, dashboard_address=":0"
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def cluster2():
    """Two single-threaded worker processes (as on a real cluster: data is pickled)."""
    yield from _client(2, processes=True)


@pytest.fixture(scope="module")
def cluster1():
    """One worker thread in this process: a different worker count and scheduling."""
    yield from _client(1, processes=False)


SEG = SegregationAnalysis(
    "Auslaender", "Einwohner", permutations=19, indices=("dissimilarity", "gini", "entropy",
                                                        "isolation", "atkinson")
)  # fmt: skip


# ------------------------------------------------------------------ serial == Dask


def test_segregation_serial_equals_dask_with_two_and_one_workers(grid, cluster2, cluster1):
    serial = run_by(grid, "kreis", SEG, rng=11)
    two = run_by(grid, "kreis", SEG, rng=11, client=cluster2)
    one = run_by(grid, "kreis", SEG, rng=11, client=cluster1)
    assert serial.backend == "serial"
    assert two.backend == "dask, 2 workers"
    assert one.backend == "dask, 1 worker"
    # identical, not close: every unit draws from its own stream
    pd.testing.assert_frame_equal(serial.table, two.table, check_exact=True)
    pd.testing.assert_frame_equal(serial.table, one.table, check_exact=True)
    assert serial.n_failed == two.n_failed == 0
    kreise = sorted(grid["kreis"].astype(str).unique())
    assert serial.table.index.get_level_values("kreis").unique().tolist() == kreise
    tested = serial.table.xs("dissimilarity", level="index")
    assert (tested["n_permutations"] == 19).all()
    assert tested["p_value"].between(0, 1).all()


def test_each_unit_equals_the_direct_call_with_its_own_stream(grid):
    """The batch row of a unit is what the user gets calling the functions themselves."""
    res = run_by(grid, "kreis", SEG, rng=5)
    root = np.random.default_rng(5).integers(0, 2**32, size=4, dtype=np.uint64).tolist()
    key = sorted(grid["kreis"].astype(str).unique())[1]
    piece = grid[grid["kreis"] == key]
    gen = np.random.default_rng(unit_seed(root, key))
    table = segregation_table(piece, "Auslaender", "Einwohner", indices=list(SEG.indices))
    direct = randomization_test(dissimilarity, piece, group="Auslaender",
                                population="Einwohner", permutations=19, rng=gen, n_jobs=1)  # fmt: skip
    row = res.table.loc[(key, "dissimilarity")]
    assert row["statistic"] == table.set_index("index").loc["dissimilarity", "statistic"]
    assert row["p_value"] == direct.p_value
    assert row["expected"] == direct.expected


def test_a_unit_keeps_its_numbers_when_other_units_are_left_out(grid):
    full = run_by(grid, "kreis", SEG, rng=3).table
    keys = sorted(grid["kreis"].astype(str).unique())
    part = run_by(grid[grid["kreis"].isin(keys[1:3])], "kreis", SEG, rng=3).table
    pd.testing.assert_frame_equal(part, full.loc[keys[1:3]], check_exact=True)


def test_monitoring_for_every_municipality_serial_equals_dask(grid, cluster2):
    analysis = MonitoringAnalysis(("anteil_65", "anteil_u18"), population="Einwohner",
                                  min_population=20)  # fmt: skip
    # municipalities with too few rated cells fail (listed), the others are monitored
    with pytest.warns(DataQualityWarning, match="failed"):
        serial = run_by(grid, "gemeinde", analysis)
    with pytest.warns(DataQualityWarning, match="failed"):
        dask = run_by(grid, "gemeinde", analysis, client=cluster2)
    pd.testing.assert_frame_equal(serial.table, dask.table, check_exact=True)
    pd.testing.assert_frame_equal(serial.errors, dask.errors)
    assert serial.table.index.names == ["gemeinde", "GITTER_ID_100m"]
    assert {"status_index", "status_class"} <= set(serial.table.columns)
    assert serial.errors["message"].str.startswith("run_by:").all()
    # every cell of a monitored municipality is in the table, under its own key
    done = ~grid["gemeinde"].astype(str).isin(serial.errors.index)
    assert len(serial.table) == int(done.sum())
    assert 0 < serial.n_failed < serial.n_units


def test_one_row_per_unit_and_tuple_keys():
    city = make_city(400, seed=1)
    res = run_by(city, ["bezirk", "bezirksregion"], lambda d: len(d))
    assert res.table.index.names == ["bezirk", "bezirksregion"]
    assert int(res.table["<lambda>"].sum()) == len(city)
    keys = city.groupby(["bezirk", "bezirksregion"]).size()
    assert res.table["<lambda>"].tolist() == keys.tolist()


# ------------------------------------------------------------------ errors of single units


def _fragile(df: pd.DataFrame, *, fail_for: str = "", rng=None) -> dict:
    """Fails with a plain error for ``fail_for``; broken counts give an InputError."""
    if df["kreis"].iloc[0] == fail_for:
        raise ValueError("too small")
    return {"D": dissimilarity(df, "Auslaender", "Einwohner").statistic,
            "draw": float(np.random.default_rng(rng).random())}  # fmt: skip


def _failing_units(grid: pd.DataFrame) -> pd.DataFrame:
    """The grid with one Kreis whose counts are broken (group above the total)."""
    bad = grid.copy()
    first = bad.index[bad["kreis"] == sorted(bad["kreis"].astype(str).unique())[0]][0]
    bad.loc[first, "Auslaender"] = bad.loc[first, "Einwohner"] + 5
    return bad


def test_errors_of_units_are_listed_not_dropped(grid, cluster2):
    bad = _failing_units(grid)
    n_units = grid["kreis"].nunique()
    last = sorted(grid["kreis"].astype(str).unique())[-1]
    with pytest.warns(DataQualityWarning, match=rf"run_by: \d of {n_units} unit\(s\) failed"):
        serial = run_by(bad, "kreis", _fragile, rng=2, fail_for=last)
    with pytest.warns(DataQualityWarning, match="failed"):
        dask = run_by(bad, "kreis", _fragile, rng=2, client=cluster2, fail_for=last)
    assert serial.n_failed == 2
    assert serial.errors.loc[last].tolist() == ["ValueError", "too small"]
    # the failed units keep their row (NaN) and are listed with type and message
    assert len(serial.table) == serial.n_units == n_units
    assert serial.table.loc[serial.errors.index, "D"].isna().all()
    first = sorted(grid["kreis"].astype(str).unique())[0]
    assert serial.errors.loc[first, "error"] == "InputError"
    assert serial.errors.loc[first, "message"].startswith("run_by:")
    # identical on the cluster, messages included
    pd.testing.assert_frame_equal(serial.errors, dask.errors)
    pd.testing.assert_frame_equal(serial.table, dask.table, check_exact=True)
    assert "failed" in repr(serial)


def test_errors_raise_names_the_unit(grid):
    bad = _failing_units(grid)
    with pytest.raises(InputError, match="run_by:") as info:
        run_by(bad, "kreis", _fragile, rng=2, errors="raise")
    assert any("raised in the unit" in n for n in getattr(info.value, "__notes__", []))


def test_warnings_inside_units_are_recorded_and_summarised():
    df = pd.DataFrame({"k": ["a", "a", "b"], "x": [1.0, 2.0, 3.0]})

    def noisy(d):
        warnings.warn("small unit", DataQualityWarning, stacklevel=1)
        return d["x"].sum()

    with pytest.warns(DataQualityWarning, match=r"2 warning\(s\) of DataQualityWarning"):
        res = run_by(df, "k", noisy)
    # (sozplan's warnings name the function the user called)
    assert res.warnings["message"].tolist() == ["run_by: small unit"] * 2
    assert res.warnings.index.tolist() == ["a", "b"]


def test_mixed_answers_are_an_error_of_the_odd_unit():
    df = pd.DataFrame({"k": ["a", "b"], "x": [1.0, 2.0]})
    with pytest.warns(DataQualityWarning, match="failed"):
        res = run_by(df, "k", lambda d: d if d["x"].iloc[0] > 1 else 1.0)
    assert res.errors.index.tolist() == ["b"]


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda g: run_by(g, "kreiss", SEG), "no column 'kreiss'"),
        (lambda g: run_by(g.iloc[:0], "kreis", SEG), "no rows"),
        (lambda g: run_by(g, "kreis", "dissimilarity"), "not callable"),
        (lambda g: run_by(g, "kreis", lambda d: 1, rng=0), "no parameter `rng`"),
        (lambda g: run_by(g, "kreis", SEG, errors="ignore"), "`errors`"),
        (lambda g: run_by(g, "kreis", SEG, client="local"), "`client` is a str"),
        (lambda g: run_by(g, "kreis", SEG, client=0), "positive number"),
        (lambda g: run_by(g.set_axis(["x"] * len(g)), "kreis", SEG), "duplicate"),
        (lambda g: run_by(g, "kreis", SEG, columns=["Einwohnr"]), "no column 'Einwohnr'"),
        (lambda g: run_by(g["Einwohner"], "kreis", SEG), "is a Series"),
        (
            lambda g: run_by(
                g.assign(
                    kreis=g["kreis"]
                    .astype(object)
                    .where(g["x_mp_100m"] > 0)
                    .mask(g.index == g.index[3])
                ),
                "kreis",
                SEG,
            ),
            "1 row",
        ),
    ],
)
def test_bad_input_names_run_by(grid, call, match):
    pytest.importorskip("distributed")
    with pytest.raises(InputError, match=match) as info:
        call(grid)
    assert str(info.value).startswith("run_by:")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"permutations": -1}, "`permutations`"),
        ({"permutations": 1.5}, "`permutations`"),
        ({"tests": ("dissimilarty",)}, "dissimilarty"),
    ],
)
def test_bad_segregation_analysis(kwargs, match):
    with pytest.raises(InputError, match=match) as info:
        SegregationAnalysis("a", "t", **kwargs)
    assert str(info.value).startswith("SegregationAnalysis:")


def test_without_distributed_the_extra_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    df = pd.DataFrame({"k": ["a", "b"], "x": [1.0, 2.0]})
    with pytest.raises(MissingDependencyError, match=r'pip install "sozplan\[dask\]"'):
        run_by(df, "k", lambda d: 1.0, client=2)
    # the serial path needs no Dask
    assert run_by(df, "k", lambda d: 1.0).n_units == 2


# ------------------------------------------------------------------ random streams


def test_unit_seed_is_stable_across_sessions():
    """The stream of a unit does not depend on Python's hash seed or the process."""
    code = (
        "import numpy as np; from sozplan.batch import unit_seed;"
        "print(np.random.default_rng(unit_seed([1, 2, 3, 4], ('05111', 7))).integers(10**9))"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**__import__("os").environ, "PYTHONHASHSEED": seed},
        ).stdout.strip()
        for seed in ("1", "2")
    }
    here = str(np.random.default_rng(unit_seed([1, 2, 3, 4], ("05111", 7))).integers(10**9))
    assert outs == {here}
    # int keys of numpy and Python agree; str "5" and int 5 do not collide
    a = unit_seed([0, 0, 0, 0], 5).generate_state(2).tolist()
    assert a == unit_seed([0, 0, 0, 0], np.int64(5)).generate_state(2).tolist()
    assert a != unit_seed([0, 0, 0, 0], "5").generate_state(2).tolist()


def test_result_is_frozen_and_prints(grid):
    res = run_by(grid, "kreis", lambda d: {"n": len(d)})
    assert isinstance(res, BatchResult)
    assert f"{grid['kreis'].nunique()} units of kreis (serial)" in repr(res)
    assert "<table" in res._repr_html_()
    assert res.to_frame()["n"].sum() == len(grid)


@settings(max_examples=25, deadline=None)
@given(
    keys=st.lists(st.sampled_from(["a", "b", "c", "05111"]), min_size=1, max_size=30),
    seed=st.integers(0, 2**32 - 1),
)
def test_rows_are_the_groupby_answer_whatever_the_partition(keys, seed):
    """Invariant: one row per key, equal to pandas' groupby; draws depend on the key only."""
    df = pd.DataFrame({"k": keys, "x": np.arange(len(keys), dtype=float)})

    def analysis(d, *, rng):
        return {"s": d["x"].sum(), "u": rng.random()}

    res = run_by(df, "k", analysis, rng=seed)
    expected = df.groupby("k")["x"].sum()
    assert res.table["s"].tolist() == expected.tolist()
    assert res.table.index.tolist() == expected.index.tolist()
    # a unit's draw is the same when it is run alone
    first = expected.index[0]
    alone = run_by(df[df["k"] == first], "k", analysis, rng=seed)
    assert alone.table.loc[first, "u"] == res.table.loc[first, "u"]


def test_a_number_of_workers_starts_and_closes_a_local_cluster():
    pytest.importorskip("distributed")
    df = pd.DataFrame({"k": ["a", "b", "b", "c"], "x": [1.0, 2.0, 3.0, 4.0]})

    def analysis(d, *, rng):
        return {"s": d["x"].sum(), "u": rng.random()}

    local = run_by(df, "k", analysis, rng=8, client=1)
    assert local.backend == "dask, 1 worker"
    pd.testing.assert_frame_equal(local.table, run_by(df, "k", analysis, rng=8).table)


def test_many_small_units_grouped_into_tasks_give_the_serial_answer(cluster1):
    """60 units on one worker run as 16 tasks of several units: nothing changes."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"k": rng.integers(0, 60, 600), "x": rng.random(600)})

    def analysis(d, *, rng):
        if len(d) < 6:
            raise ValueError("fewer than 6 rows")
        return {"s": d["x"].sum(), "u": rng.random()}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        serial = run_by(df, "k", analysis, rng=4)
        dask = run_by(df, "k", analysis, rng=4, client=cluster1)
    assert serial.n_units == 60
    pd.testing.assert_frame_equal(serial.table, dask.table, check_exact=True)
    pd.testing.assert_frame_equal(serial.errors, dask.errors)
