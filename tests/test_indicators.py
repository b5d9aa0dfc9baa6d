"""Tests of sozplan.indicators: catalogue, rates and intervals, aggregation, change, smoothing."""

from __future__ import annotations

import json

import esda.smoothing as esda_smoothing
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from libpysal.graph import Graph
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from statsmodels.stats.rates import confint_poisson

from sozplan.datasets import DATA_DICTIONARY, load_musterstadt, load_truth
from sozplan.errors import DataQualityWarning, InputError, SmallNumbersWarning
from sozplan.indicators import (
    IndicatorSpec,
    Rates,
    aggregate,
    assuncao_reis,
    change,
    empirical_bayes,
    load_catalog,
    location_quotient,
    poisson_ci,
    proportion_ci,
    rates,
    save_catalog,
)

COUNTS = [c for c in DATA_DICTIONARY.index if DATA_DICTIONARY.loc[c, "kind"] == "count"]


@pytest.fixture(scope="module")
def blocks() -> pd.DataFrame:
    return pd.DataFrame(load_musterstadt("block").drop(columns="geometry"))


@pytest.fixture(scope="module")
def areas() -> pd.DataFrame:
    return load_musterstadt("planning_area")


def _quiet_rates(df, specs=None, **kw) -> Rates:
    with pytest.warns(DataQualityWarning):  # SmallNumbersWarning is a subclass
        return rates(df, specs, **kw)


# ----------------------------------------------------------------------------- catalogue


def test_shipped_catalogue_covers_the_standard_indicators():
    cat = load_catalog()
    for key in [
        "sgb2_quote",
        "kinderarmut",
        "arbeitslosigkeit_sgb2",
        "altersarmut",
        "alleinerziehende",
        "auslaenderanteil",
        "jugendquotient",
        "altenquotient",
        "wanderungsvolumen",
        "wanderungssaldo",
        "wohndauer",
    ]:
        assert key in cat
    for spec in cat.values():
        assert set(spec.columns) <= set(DATA_DICTIONARY.index), spec.key
        assert spec.definition
        assert spec.source
        assert spec.label_de
        assert spec.label_en
    # definitions from the brief
    assert cat["sgb2_quote"].denominator == ("einwohner", "-einwohner_65_plus")
    assert cat["kinderarmut"].denominator == ("einwohner_0_5", "einwohner_6_14")
    assert cat["arbeitslosigkeit_sgb2"].denominator == ("einwohner_15_17", "einwohner_18_64")
    assert cat["wanderungsvolumen"].multiplier == 1000
    assert cat["wanderungssaldo"].kind == "balance"


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_catalogue_round_trip(tmp_path, suffix):
    cat = load_catalog()
    path = save_catalog(cat, tmp_path / f"cat{suffix}")
    assert load_catalog(path) == cat
    if suffix == ".json":
        assert json.loads(path.read_text("utf-8"))["indicators"][0]["key"] == "sgb2_quote"


def test_spec_normalises_and_round_trips():
    spec = IndicatorSpec("x", "X", "X", numerator="a", denominator=["b", "c"], multiplier=1000)
    assert spec.numerator == ("a",)
    assert spec.multiplier == 1000.0
    assert IndicatorSpec.from_dict(spec.to_dict()) == spec
    assert spec.label("en") == "X"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"key": "1bad"}, "valid identifier"),
        ({"kind": "mean"}, "kind"),
        ({"direction": 2}, "direction"),
        ({"multiplier": 0}, "multiplier"),
        ({"numerator": []}, "at least one column"),
        ({"numerator": ["a", "-b"]}, "balance"),
    ],
)
def test_spec_bad_input(kwargs, match):
    base = {"key": "x", "label_de": "X", "label_en": "X", "numerator": "a", "denominator": "b"}
    with pytest.raises(InputError, match=match):
        IndicatorSpec(**{**base, **kwargs})


def test_from_dict_and_load_bad_input(tmp_path):
    with pytest.raises(InputError, match="unknown field"):
        IndicatorSpec.from_dict(
            {
                "key": "x",
                "label_de": "X",
                "label_en": "X",
                "numerator": "a",
                "denominator": "b",
                "zaehler": "a",
            }
        )
    with pytest.raises(InputError, match="does not exist"):
        load_catalog(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("indicators: 3\n", encoding="utf-8")
    with pytest.raises(InputError, match="no list"):
        load_catalog(bad)


# ----------------------------------------------------------------------------- intervals


@pytest.mark.parametrize("method", ["wilson", "clopper-pearson"])
def test_proportion_ci_agrees_with_statsmodels(method):
    count = np.array([0, 1, 5, 12, 50, 99, 100, 0, 3])
    nobs = np.array([100, 100, 100, 80, 100, 100, 100, 7, 3])
    lo, hi = proportion_ci(count, nobs, alpha=0.1, method=method)
    sm = {"wilson": "wilson", "clopper-pearson": "beta"}[method]
    ref_lo, ref_hi = proportion_confint(count, nobs, alpha=0.1, method=sm)
    np.testing.assert_allclose(lo, ref_lo, atol=1e-10)
    np.testing.assert_allclose(hi, ref_hi, atol=1e-10)


def test_poisson_ci_agrees_with_statsmodels_and_scipy():
    counts = [0, 1, 4, 10, 250]
    exposure = [10.0, 50.0, 7.0, 100.0, 1000.0]
    lo, hi = poisson_ci(counts, exposure)
    for x, n, a, b in zip(counts, exposure, lo, hi, strict=True):
        ref = confint_poisson(x, n, method="exact-c")  # statsmodels: Garwood
        np.testing.assert_allclose([a, b], np.ravel(ref), rtol=1e-10, atol=1e-14)
        # scipy: P(X >= x | upper*n) = alpha/2 at the upper limit
        np.testing.assert_allclose(stats.poisson.cdf(x, b * n), 0.025, rtol=1e-8)


def test_interval_bad_input():
    with pytest.raises(InputError, match="method"):
        proportion_ci(1, 10, method="agresti")
    with pytest.raises(InputError, match="alpha"):
        poisson_ci(1, 10, alpha=1.5)
    lo, hi = proportion_ci([np.nan, 0], [10, 0])  # a missing count, a zero base: NaN
    assert np.isnan(lo).all()
    assert np.isnan(hi).all()
    with pytest.raises(InputError, match=r"^proportion_ci: `count` exceeds `nobs` in 1 case"):
        proportion_ci([1, 5], [10, 3])
    with pytest.raises(InputError, match=r"^poisson_ci: `count` holds text that is no number"):
        poisson_ci(["12,5"], [10])
    with pytest.raises(InputError, match=r"^poisson_ci: `exposure` has 1 negative value"):
        poisson_ci([1], [-10])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 500), st.integers(1, 500), st.sampled_from(["wilson", "clopper-pearson"]))
def test_share_interval_contains_value(x, n, method):
    x = min(x, n)
    lo, hi = proportion_ci(x, n, method=method)
    assert 0 <= lo <= x / n + 1e-12 <= hi + 2e-12 <= 1 + 2e-12


# ----------------------------------------------------------------------------- rates


def test_rates_values_match_counts(areas):
    r = (
        rates(
            areas,
            ["sgb2_quote", "kinderarmut", "wanderungsvolumen", "wanderungssaldo"],
            population="einwohner",
        )
        if (areas["einwohner"] >= 300).all()
        else _quiet_rates(
            areas, ["sgb2_quote", "kinderarmut", "wanderungsvolumen", "wanderungssaldo"]
        )
    )
    expected = (
        areas["sgb2_leistungsberechtigte"]
        / (areas["einwohner"] - areas["einwohner_65_plus"])
        * 100
    )
    pd.testing.assert_series_equal(r.value["sgb2_quote"], expected, check_names=False)
    vol = (areas["zuzuege"] + areas["fortzuege"]) / areas["einwohner"] * 1000
    pd.testing.assert_series_equal(r.value["wanderungsvolumen"], vol, check_names=False)
    # balance interval: (a - b)/n +- z sqrt(a + b)/n, in per mille
    a, b, n = areas["zuzuege"], areas["fortzuege"], areas["einwohner"]
    half = stats.norm.ppf(0.975) * np.sqrt(a + b) / n * 1000
    np.testing.assert_allclose(r.upper["wanderungssaldo"], (a - b) / n * 1000 + half)
    # share interval = Wilson on the counts
    lo, _ = proportion_ci(areas["sgb2_unter15"], areas["einwohner_0_5"] + areas["einwohner_6_14"])
    np.testing.assert_allclose(r.lower["kinderarmut"], lo * 100)
    assert r.value.index.equals(areas.index)


def test_rates_default_specs_flags_and_tidy_frame(blocks):
    with pytest.warns(DataQualityWarning) as rec:
        r = rates(blocks, method="clopper-pearson", population="einwohner")
    assert len(r.specs) == len(load_catalog())
    assert r.warnings
    assert any(
        isinstance(w.message, SmallNumbersWarning) and "small_population" in str(w.message)
        for w in rec
    )
    small = blocks["einwohner"] < 300
    assert (r.status.loc[small, "sgb2_quote"].isin(["small_population", "zero_denominator"])).all()
    assert (r.status.loc[blocks["einwohner"] == 0, "sgb2_quote"] == "zero_denominator").all()
    long = r.to_frame()
    assert long.shape[0] == len(blocks) * len(r.specs)
    assert list(long.columns[:6]) == [
        "value",
        "lower",
        "upper",
        "numerator",
        "denominator",
        "status",
    ]
    assert "Rates:" in repr(r)
    assert "<table" in r._repr_html_()
    assert set(r["altersarmut"].columns) >= {"value", "lower", "upper", "status"}


def test_rates_suppressed_input_is_nan_with_status():
    df = pd.DataFrame(
        {"einwohner_65_plus": [400.0, 500.0], "sgb12_grundsicherung_65_plus": [40.0, np.nan]},
        index=["a", "b"],
    )
    with pytest.warns(DataQualityWarning, match="suppressed"):
        r = rates(df, "altersarmut", population="einwohner")
    assert np.isnan(r.value.loc["b", "altersarmut"])
    assert r.status.loc["b", "altersarmut"] == "suppressed"
    assert r.status.loc["a", "altersarmut"] == "ok"


def test_rates_thresholds_are_configurable():
    df = pd.DataFrame({"einwohner": [250], "auslaender": [20]}, index=["a"])
    r = rates(
        df, "auslaenderanteil", min_population=200, min_denominator=None, population="einwohner"
    )
    assert r.status.iloc[0, 0] == "ok"


@pytest.mark.parametrize(
    ("df", "specs", "match"),
    [
        ([1, 2], None, "not a pandas DataFrame"),
        (pd.DataFrame({"einwohner": [1]}), "kinderarmut", "needs the column"),
        (
            pd.DataFrame({"einwohner": [10, -1], "auslaender": [1, 0]}),
            "auslaenderanteil",
            "negative",
        ),
        (
            pd.DataFrame({"einwohner": [10, 5], "auslaender": [1, 9]}),
            "auslaenderanteil",
            "exceeds",
        ),
        (
            pd.DataFrame({"einwohner": [10, 5], "auslaender": [1, 2]}, index=["a", "a"]),
            "auslaenderanteil",
            "duplicates",
        ),
        (
            pd.DataFrame({"einwohner": ["10"], "auslaender": [1]}),
            "auslaenderanteil",
            "not numeric",
        ),
        (pd.DataFrame({"x": [1]}), None, "no indicator"),
        (pd.DataFrame({"einwohner": [1]}), "quote", "unknown indicator"),
    ],
)
def test_rates_bad_input(df, specs, match):
    with pytest.raises(InputError, match=match):
        rates(df, specs, population="einwohner")


def test_rates_plot(areas, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    r = _quiet_rates(areas, ["kinderarmut"])
    ax = r.plot("kinderarmut", max_areas=50)
    assert "Kinderarmut" in ax.get_title()
    ax.figure.savefig(tmp_path / "cat.png")


# ----------------------------------------------------------------------------- aggregate


def test_aggregate_equals_published_levels(blocks):
    for level, col in [("planning_area", "planungsraum"), ("district", "bezirk")]:
        agg = aggregate(blocks, level)
        ref = load_musterstadt(level)
        assert agg.index.name == col
        pd.testing.assert_series_equal(
            agg["einwohner"], ref["einwohner"], check_names=False, check_dtype=False
        )
        manual = ref["sgb2_unter15"] / (ref["einwohner_0_5"] + ref["einwohner_6_14"]) * 100
        np.testing.assert_allclose(agg["kinderarmut"].to_numpy(), manual.to_numpy())
    city = aggregate(blocks, None, specs=["sgb2_quote"])
    assert city.index.tolist() == ["gesamt"]
    assert city["einwohner"].iloc[0] == blocks["einwohner"].sum()


def test_platte_und_penthouse(blocks):
    """Averaging the block rates of the planted planning area is badly wrong; sums are right."""
    truth = load_truth()["platte_und_penthouse"]
    pa = blocks[blocks["planungsraum"] == truth["planning_area"]]
    agg = aggregate(pa, "planungsraum", specs=["sgb2_quote"])
    base = pa["einwohner"] - pa["einwohner_65_plus"]
    correct = pa["sgb2_leistungsberechtigte"].sum() / base.sum() * 100
    assert agg["sgb2_quote"].iloc[0] == pytest.approx(correct)
    block_rates = (pa["sgb2_leistungsberechtigte"] / base * 100).where(base > 0)
    assert abs(block_rates.mean() - correct) > 2  # the trap: several points off
    # rates without weights are refused, with the explanation
    pa = pa.assign(sgb2_quote=block_rates.fillna(0), basis=base)
    with pytest.raises(InputError, match="Platte und Penthouse"):
        aggregate(pa, "planungsraum", rates=["sgb2_quote"], specs=[])
    with pytest.raises(InputError, match="indicators \\(rates\\), not counts"):
        aggregate(pa, "planungsraum", counts=["sgb2_quote", "einwohner"], specs=[])
    weighted = aggregate(
        pa, "planungsraum", counts=["einwohner"], rates=["sgb2_quote"], weights="basis", specs=[]
    )
    assert weighted["sgb2_quote"].iloc[0] == pytest.approx(correct)


def test_aggregate_long_frame_per_year():
    long = pd.DataFrame(load_musterstadt("block", year="all").drop(columns="geometry"))
    agg = aggregate(long, "bezirk", specs=["altersarmut"])
    ref = load_musterstadt("district", year="all")
    assert agg.index.names == ["bezirk", "jahr"]
    pd.testing.assert_series_equal(
        agg["einwohner_65_plus"], ref["einwohner_65_plus"], check_names=False, check_dtype=False
    )


def test_aggregate_missing_counts_propagate():
    df = pd.DataFrame({"g": ["A", "A", "B"], "einwohner": [10.0, np.nan, 5.0]})
    with pytest.warns(DataQualityWarning, match="missing or suppressed"):
        agg = aggregate(df, "g", counts=["einwohner"], specs=[])
    assert np.isnan(agg.loc["A", "einwohner"])
    assert agg.loc["B", "einwohner"] == 5


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"by": "stadtteil"}, "neither a column"),
        ({"by": "g", "counts": ["einwohner", "einwohner"]}, "more than once"),
        ({"by": "g", "counts": ["nope"]}, "no column"),
        ({"by": "g", "rates": ["einwohner"]}, "without weights"),
    ],
)
def test_aggregate_bad_input(kwargs, match):
    df = pd.DataFrame({"g": ["A", None], "einwohner": [10, 5]})
    with pytest.raises(InputError, match=match):
        aggregate(df, **kwargs)
    with pytest.raises(InputError, match="missing for 1 row"):
        aggregate(df, "g", counts=["einwohner"], specs=[])


# ----------------------------------------------------------------------------- change


def test_change_points_and_percent():
    long = load_musterstadt("planning_area", year="all")
    ch = change(long, ["kinderarmut", "sgb2_quote"], years=(2022, 2024))
    a = long.xs(2022, level="jahr")
    b = long.xs(2024, level="jahr")
    ka = a["sgb2_unter15"] / (a["einwohner_0_5"] + a["einwohner_6_14"]) * 100
    kb = b["sgb2_unter15"] / (b["einwohner_0_5"] + b["einwohner_6_14"]) * 100
    np.testing.assert_allclose(ch[("kinderarmut", "difference")].to_numpy(), (kb - ka).to_numpy())
    np.testing.assert_allclose(
        ch[("kinderarmut", "percent")].to_numpy(), ((kb / ka.where(ka != 0) - 1) * 100).to_numpy()
    )
    assert ch.columns.names == ["indicator", "measure"]
    # interval of the difference: Newcombe's hybrid score interval
    # (statsmodels: confint_proportions_2indep(method="newcomb", compare="diff"))
    for area in ka.index[:5]:
        x1, n1 = (
            b.loc[area, "sgb2_unter15"],
            b.loc[area, ["einwohner_0_5", "einwohner_6_14"]].sum(),
        )
        x0, n0 = (
            a.loc[area, "sgb2_unter15"],
            a.loc[area, ["einwohner_0_5", "einwohner_6_14"]].sum(),
        )
        lo, hi = confint_proportions_2indep(x1, n1, x0, n0, method="newcomb", compare="diff")
        got = ch.loc[area, "kinderarmut"]
        assert got["difference_lower"] == pytest.approx(lo * 100, abs=1e-9)
        assert got["difference_upper"] == pytest.approx(hi * 100, abs=1e-9)


def test_change_of_value_columns_and_zero_start():
    df = pd.DataFrame({"jahr": [2018, 2020, 2018], "S4": [0.0, 3.0, 10.0]}, index=["a", "a", "b"])
    ch = change(df, columns=["S4"], years=(2018, 2020))
    assert ch.loc["a", ("S4", "difference")] == 3
    assert np.isnan(ch.loc["a", ("S4", "percent")])
    assert np.isnan(ch.loc["b", ("S4", "end")])  # area missing in 2020: NaN, not dropped
    assert np.isnan(ch[("S4", "difference_lower")]).all()  # no counts, no interval


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"years": (2018,)}, "start and end"),
        ({"years": (2018, 2030)}, "does not hold"),
        ({"years": (2018, 2020), "year": "zeit"}, "no year column"),
    ],
)
def test_change_bad_input(kwargs, match):
    df = pd.DataFrame({"jahr": [2018, 2020], "S4": [1.0, 3.0]}, index=["a", "a"])
    with pytest.raises(InputError, match=match):
        change(df, columns=["S4"], **kwargs)
    dup = pd.DataFrame({"jahr": [2018, 2018, 2020], "S4": [1.0, 2.0, 3.0]}, index=["a", "a", "a"])
    with pytest.raises(InputError, match="more than once"):
        change(dup, columns=["S4"], years=(2018, 2020))


# ----------------------------------------------------------------------------- small numbers


def _kids(areas):
    return areas.assign(kinder=areas["einwohner_0_5"] + areas["einwohner_6_14"])


def test_empirical_bayes_agrees_with_esda(areas):
    df = _kids(areas)
    ours = empirical_bayes(df, "sgb2_unter15", "kinder")
    ref = esda_smoothing.Empirical_Bayes(
        df["sgb2_unter15"].to_numpy(), df["kinder"].to_numpy()
    ).r.ravel()
    np.testing.assert_allclose(ours.to_numpy(), ref, rtol=1e-10)
    assert ours.name == "sgb2_unter15_eb"
    assert ours.index.equals(df.index)


@pytest.mark.parametrize("weights_type", ["Graph", "W"])
@pytest.mark.parametrize("rook", [False, True])
def test_spatial_empirical_bayes_agrees_with_esda(areas, rook, weights_type):
    df = _kids(areas)
    graph = Graph.build_contiguity(areas, rook=rook)
    w = graph.to_W()
    given_graph = graph if weights_type == "Graph" else w
    ours = empirical_bayes(df, "sgb2_unter15", "kinder", graph=given_graph, multiplier=100)
    ref = esda_smoothing.Spatial_Empirical_Bayes(
        df["sgb2_unter15"].to_numpy(), df["kinder"].to_numpy(), w
    ).r.ravel()
    np.testing.assert_allclose(ours.to_numpy(), ref * 100, rtol=1e-10)


def test_assuncao_reis_and_location_quotient(areas):
    df = _kids(areas)
    ours = assuncao_reis(df, "sgb2_unter15", "kinder")
    ref = esda_smoothing.assuncao_rate(df["sgb2_unter15"].to_numpy(), df["kinder"].to_numpy())
    np.testing.assert_allclose(ours.to_numpy(), np.ravel(ref), rtol=1e-10)
    lq = location_quotient(areas, "auslaender_asyl", "einwohner")
    share = areas["auslaender_asyl"].sum() / areas["einwohner"].sum()
    np.testing.assert_allclose(lq, areas["auslaender_asyl"] / areas["einwohner"] / share)
    # weighted mean of LQ with the totals as weights is exactly 1
    assert np.average(lq, weights=areas["einwohner"]) == pytest.approx(1.0)


def test_smoothing_bad_input(areas):
    df = pd.DataFrame({"e": [1.0, np.nan], "b": [10, 10]}, index=["a", "b"])
    with pytest.raises(InputError, match="missing"):
        empirical_bayes(df, "e", "b")
    with pytest.raises(InputError, match="is 0"):
        assuncao_reis(pd.DataFrame({"e": [1, 0], "b": [10, 0]}), "e", "b")
    with pytest.raises(InputError, match="reference"):
        location_quotient(pd.DataFrame({"e": [1], "b": [10]}), "e", "b", reference=(1,))
    graph = Graph.build_contiguity(areas, rook=False)
    with pytest.raises(InputError, match="differ"):
        empirical_bayes(_kids(areas).iloc[:-1], "sgb2_unter15", "kinder", graph=graph)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(1, 5000), st.floats(0, 1)),
        min_size=1,
        max_size=30,
    )
)
def test_aggregate_is_the_base_weighted_mean(rows):
    """Invariant: the aggregated share equals the denominator-weighted mean of member shares."""
    df = pd.DataFrame(
        {
            "g": [f"G{g}" for g, _, _ in rows],
            "einwohner": [n for _, n, _ in rows],
            "auslaender": [int(n * p) for _, n, p in rows],
        }
    )
    agg = aggregate(df, "g", specs=["auslaenderanteil"])
    share = df["auslaender"] / df["einwohner"] * 100
    for g, part in df.groupby("g"):
        expected = np.average(share[part.index], weights=part["einwohner"])
        assert agg.loc[g, "auslaenderanteil"] == pytest.approx(expected, rel=1e-12)
    # aggregating twice (areas -> groups -> city) equals aggregating once
    city = aggregate(
        agg.drop(columns="auslaenderanteil"), None, counts=["einwohner", "auslaender"]
    )
    direct = aggregate(df, None, counts=["einwohner", "auslaender"])
    assert city["auslaenderanteil"].iloc[0] == pytest.approx(direct["auslaenderanteil"].iloc[0])


def test_aggregate_takes_counts_and_levels_from_a_description(blocks):
    from sozplan.datasets import musterstadt_description

    spec = musterstadt_description()
    agg = aggregate(blocks, "Planungsraum", description=spec, specs=[])
    ref = load_musterstadt("planning_area")
    assert agg.index.name == "planungsraum"
    counts = [c for c in spec.counts() if c in blocks.columns]
    assert list(agg.columns) == [*counts, "anzahl_gebiete"]
    pd.testing.assert_frame_equal(agg[counts], pd.DataFrame(ref[counts]), check_names=False)
