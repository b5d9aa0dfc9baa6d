"""Tests of sozplan.validation: every rule with good and bad input, reference statistics,
the Musterstadt planted data errors and the real Berlin MSS 2021 context indicators."""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import html5lib
import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames
from scipy import stats
from shapely.geometry import Polygon, box
from sklearn.decomposition import PCA
from statsmodels.stats.outliers_influence import variance_inflation_factor

from sozplan.datasets import load_musterstadt, load_truth, musterstadt_rules
from sozplan.errors import DataQualityWarning, InputError
from sozplan.indicators import evaluate, load_catalog, proportion_ci
from sozplan.validation import (
    RULES,
    ValidationReport,
    bartlett_sphericity,
    cronbach_alpha,
    kmo,
    principal_components,
    validate,
    variance_inflation,
)

CAT = load_catalog()
SOZIAL = ["sgb2_quote", "kinderarmut", "arbeitslosigkeit_sgb2", "altersarmut", "alleinerziehende"]


@pytest.fixture(scope="module")
def areas() -> gpd.GeoDataFrame:
    return load_musterstadt("planning_area")


@pytest.fixture(scope="module")
def indicator_table(areas) -> pd.DataFrame:
    """Musterstadt planning-area indicators (rated areas, >= 300 residents)."""
    rated = areas[areas["einwohner"] >= 300]
    return pd.DataFrame({k: evaluate(rated, CAT[k])[2] for k in CAT}, index=rated.index)


def _counts(n=60, seed=0) -> pd.DataFrame:
    """A clean synthetic table of areas with plausible counts."""
    rng = np.random.default_rng(seed)
    ew = rng.integers(400, 3000, n)
    u65 = (ew * 0.8).astype(int)
    p = rng.uniform(0.05, 0.3, n)
    return pd.DataFrame(
        {
            "einwohner": ew,
            "einwohner_65_plus": ew - u65,
            "sgb2_leistungsberechtigte": rng.binomial(u65, p),
            "auslaender": rng.binomial(ew, rng.uniform(0.05, 0.4, n)),
        },
        index=pd.Index([f"{i:03d}" for i in range(n)], name="gebiet"),
    )


def _rules(report: ValidationReport) -> set[str]:
    return set(report.findings["rule"].astype(str))


# ----  acceptance: Musterstadt


def test_musterstadt_raw_finds_every_planted_error():
    raw = load_musterstadt("block", raw=True)
    report = validate(raw)
    assert not report.ok
    for err in load_truth()["data_errors"]:
        found = report.select(err["kind"])
        assert err["id"] in set(found["area"].dropna()), err
        assert found["message"].str.len().min() > 10


def test_musterstadt_clean_has_none_of_them():
    report = validate(load_musterstadt("block"))
    assert report.ok
    kinds = {e["kind"] for e in load_truth()["data_errors"]}
    assert not kinds & _rules(report)
    assert report.select(severity="error").empty


def test_musterstadt_long_frame_runs_every_temporal_rule():
    long = load_musterstadt("planning_area", year="all")
    report = validate(long)
    assert report.years == (2020, 2021, 2022, 2023, 2024)
    assert {"rank_correlation", "class_change"} <= _rules(report)
    # the stability table agrees with scipy on one pair, computed independently
    row = report.stability.query("indicator == 'kinderarmut' and year_from == 2023").iloc[0]
    a = long.xs(2023, level="jahr")
    b = long.xs(2024, level="jahr")
    ka = evaluate(a, CAT["kinderarmut"])[2]
    kb = evaluate(b, CAT["kinderarmut"])[2]
    ok = np.isfinite(ka) & np.isfinite(kb)
    assert row["spearman"] == pytest.approx(stats.spearmanr(ka[ok], kb[ok]).statistic, abs=1e-12)
    qa = pd.qcut(pd.Series(ka[ok]).rank(method="first"), 5, labels=False)
    qb = pd.qcut(pd.Series(kb[ok]).rank(method="first"), 5, labels=False)
    assert row["class_change"] == pytest.approx(float(np.mean(qa.to_numpy() != qb.to_numpy())))


# ----  reference statistics


def test_cronbach_kmo_bartlett_agree_with_pingouin_and_factor_analyzer(indicator_table):
    x = indicator_table[SOZIAL]
    # pingouin: cronbach_alpha(data, nan_policy="listwise")
    assert cronbach_alpha(x) == pytest.approx(
        pg.cronbach_alpha(x, nan_policy="listwise")[0], abs=1e-8
    )
    per_ref, overall_ref = calculate_kmo(x)  # factor_analyzer
    overall, per = kmo(x)
    assert overall == pytest.approx(overall_ref, abs=1e-8)
    np.testing.assert_allclose(per.to_numpy(), per_ref, atol=1e-8)
    stat_ref, p_ref = calculate_bartlett_sphericity(x)
    stat, dof, p = bartlett_sphericity(x)
    assert stat == pytest.approx(stat_ref, abs=1e-8)
    assert dof == 10
    assert p == pytest.approx(p_ref, abs=1e-8)


def test_validate_reliability_tables_agree_with_references(areas, indicator_table):
    report = validate(areas)
    # validate: alpha on z-scores oriented by direction, on areas with >= 300 residents
    sozial = [k for k in CAT if CAT[k].dimension == "soziale_lage" and CAT[k].direction != 0]
    z = (indicator_table - indicator_table.mean()) / indicator_table.std()
    ref_alpha = pg.cronbach_alpha(
        z[sozial] * [CAT[k].direction for k in sozial], nan_policy="listwise"
    )[0]
    assert report.reliability.loc["soziale_lage", "alpha"] == pytest.approx(ref_alpha, abs=1e-8)
    assert report.kmo == pytest.approx(calculate_kmo(indicator_table)[1], abs=1e-8)
    assert report.bartlett["statistic"] == pytest.approx(
        calculate_bartlett_sphericity(indicator_table)[0], rel=1e-10
    )


def test_vif_and_pca_agree_with_statsmodels_and_sklearn(indicator_table):
    x = indicator_table[SOZIAL]
    exog = np.column_stack([np.ones(len(x)), x.to_numpy()])
    ref = [variance_inflation_factor(exog, i) for i in range(1, exog.shape[1])]
    np.testing.assert_allclose(variance_inflation(x).to_numpy(), ref, rtol=1e-8)
    explained, loadings = principal_components(x)
    z = (x - x.mean()) / x.std(ddof=0)
    pca = PCA().fit(z)
    np.testing.assert_allclose(
        explained["explained_variance_ratio"], pca.explained_variance_ratio_, atol=1e-10
    )
    # loadings = correlation of each indicator with the component scores
    scores = z.to_numpy() @ (loadings.to_numpy() / np.sqrt(explained["eigenvalue"].to_numpy()))
    corr = [np.corrcoef(z.iloc[:, 0], scores[:, k])[0, 1] for k in range(2)]
    np.testing.assert_allclose(loadings.iloc[0, :2], corr, atol=1e-10)


@pytest.mark.parametrize(
    "func", [cronbach_alpha, kmo, bartlett_sphericity, variance_inflation, principal_components]
)
def test_statistics_bad_input(func):
    with pytest.raises(InputError, match="at least 2"):
        func(pd.DataFrame({"a": np.arange(10.0)}))
    with pytest.raises(InputError, match="constant"):
        func(pd.DataFrame({"a": np.arange(10.0), "b": np.ones(10)}))
    with pytest.raises(InputError, match="complete row"):
        func(pd.DataFrame({"a": [1.0, 2.0, np.nan], "b": [1.0, 3.0, 2.0]}))


def test_singular_matrix_is_refused():
    df = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) ** 2})
    df["c"] = df["a"] + df["b"]
    with pytest.raises(InputError, match="singular"):
        kmo(df)


# ----  completeness


def test_duplicate_and_missing_ids():
    df = _counts(10)
    df = pd.concat([df, df.iloc[[2]]])
    df.index = [*df.index[:-2], None, "002"]
    report = validate(df)
    assert report.select("duplicate_id")["area"].tolist() == ["002"]
    assert len(report.select("missing_id")) == 1
    assert validate(_counts(10)).select("duplicate_id").empty


def test_suppressed_values_signs_text_and_sentinels():
    df = _counts(8).astype({"auslaender": object})
    df.loc["001", "auslaender"] = "."  # DIN 55301: secret
    df.loc["002", "auslaender"] = "k.A."  # unreadable text
    df.loc["003", "auslaender"] = "-"  # DIN 55301: exactly zero, not missing
    df.loc["004", "sgb2_leistungsberechtigte"] = -9999
    report = validate(df, na_values=[-9999])
    sup = report.select("suppressed_value")
    assert set(sup["area"]) == {"001", "004"}
    unreadable = report.select("unreadable_value")
    assert unreadable["area"].tolist() == ["002"]
    assert unreadable["message"].iloc[0].endswith("als fehlend behandelt.")
    assert report.select("negative_count").empty
    assert validate(_counts(8)).select("suppressed_value").empty


def test_wholly_empty_column_is_one_finding():
    df = _counts(20).assign(auslaender=np.nan)
    sup = validate(df).select("suppressed_value")
    assert len(sup) == 1
    assert sup["area"].isna().all()
    assert sup["value"].iloc[0] == 20


def test_geometry_rules():
    df = _counts(4)
    geoms = [box(0, 0, 1, 1), None, Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]), box(2, 2, 3, 3)]
    gdf = gpd.GeoDataFrame(df, geometry=geoms, crs=25832)
    report = validate(gdf)
    assert report.select("missing_geometry")["area"].tolist() == ["001"]
    assert report.select("invalid_geometry")["area"].tolist() == ["002"]
    separate = gpd.GeoSeries([box(0, 0, 1, 1)] * 4, index=["000", "001", "002", "999"], crs=25832)
    report = validate(df, geometry=separate)
    assert report.select("missing_geometry")["area"].tolist() == ["003"]
    assert report.select("geometry_without_data")["area"].tolist() == ["999"]
    good = gpd.GeoSeries([box(i, 0, i + 1, 1) for i in range(4)], index=df.index, crs=25832)
    assert validate(df, geometry=good).ok
    assert validate(df, geometry=gpd.GeoDataFrame(geometry=good)).ok  # a GeoDataFrame works too
    wrong = validate(df, geometry=[box(0, 0, 1, 1)])
    assert "keine Geometrie" in wrong.select("missing_geometry")["message"].iloc[0]


# ----  plausibility


def test_negative_counts_and_numerator_above_denominator():
    df = _counts(10)
    df.loc["001", "auslaender"] = -3
    df.loc["002", "sgb2_leistungsberechtigte"] = df.loc["002", "einwohner"]  # > under-65
    report = validate(df)
    assert report.select("negative_count")["area"].tolist() == ["001"]
    nad = report.select("numerator_above_denominator")
    assert nad.set_index("indicator").loc["sgb2_quote", "area"] == "002"
    assert validate(_counts(10)).ok


def test_parts_must_add_up_and_subset_rules():
    df = _counts(5).assign(einwohner_0_5=10, einwohner_6_14=10, einwohner_15_17=10)
    df["einwohner_18_64"] = df["einwohner"] - df["einwohner_65_plus"] - 30
    rules = musterstadt_rules()
    assert validate(df, rules=rules).select("parts_not_total").empty
    df.loc["003", "einwohner_18_64"] += 7
    found = validate(df, rules=rules).select("parts_not_total")
    assert found["area"].tolist() == ["003"]
    assert found["value"].iloc[0] == 7
    # without rules nothing is summed, and the report says so
    silent = validate(df)
    assert silent.select("parts_not_total").empty
    assert "keine Teil- und Summenregeln angegeben" in silent.summary()
    df2 = _counts(5).assign(sgb2_unter15=5)
    df2.loc["004", "sgb2_unter15"] = df2.loc["004", "sgb2_leistungsberechtigte"] + 1
    nad = validate(df2, specs=[], rules=rules).select("numerator_above_denominator")
    assert nad["area"].tolist() == ["004"]
    assert nad["indicator"].iloc[0] == "sgb2_unter15<=sgb2_leistungsberechtigte"


def test_shares_out_of_range():
    df = pd.DataFrame({"anteil": [10.0, 101.0, -1.0, 50.0]}, index=list("abcd"))
    report = validate(df, columns=["anteil"], shares=["anteil"])
    assert sorted(report.select("share_out_of_range")["area"]) == ["b", "c"]
    assert validate(df.clip(0, 100), columns=["anteil"], shares=["anteil"]).ok


def test_hierarchy_totals_and_nesting():
    blocks = pd.DataFrame(load_musterstadt("block").drop(columns="geometry"))
    pa = load_musterstadt("planning_area")
    assert validate(blocks, specs=[], hierarchy={"planungsraum": pa}).ok
    wrong = pa.copy()
    wrong.loc[wrong.index[3], "einwohner"] += 12
    found = validate(blocks, specs=[], hierarchy={"planungsraum": wrong}).select("hierarchy_total")
    assert found["area"].tolist() == [wrong.index[3]]
    assert found["value"].iloc[0] == -12
    bad = blocks.copy()
    bad.loc[bad.index[0], "bezirk"] = "99"
    nest = validate(bad, specs=[], hierarchy=["planungsraum", "bezirksregion", "bezirk"]).select(
        "hierarchy_nesting"
    )
    assert set(nest["area"]) == {bad.iloc[0]["bezirksregion"]}
    skipped = validate(blocks, specs=[], hierarchy={"planungsraum": [1, 2]}).select(
        "hierarchy_total"
    )
    assert skipped["severity"].tolist() == ["warning"]
    missing = validate(blocks, specs=[], hierarchy=["gemeinde"]).select("missing_column")
    assert missing["indicator"].tolist() == ["gemeinde"]


def test_jumps_between_years():
    rng = np.random.default_rng(1)
    frames = []
    for y in (2022, 2023):
        df = _counts(80, seed=3)
        df["sgb2_leistungsberechtigte"] = np.minimum(
            df["sgb2_leistungsberechtigte"] + rng.integers(-3, 4, 80),
            df["einwohner"] - df["einwohner_65_plus"],
        ).clip(0)
        frames.append(df.assign(jahr=y))
    long = pd.concat(frames).set_index("jahr", append=True)
    base = validate(long, population="einwohner").select("jump")
    long.loc[("010", 2023), "sgb2_leistungsberechtigte"] = (
        long.loc[("010", 2022), "sgb2_leistungsberechtigte"] + 300
    )
    long.loc[("020", 2023), "einwohner"] = long.loc[("020", 2022), "einwohner"] * 3
    jumps = validate(long, population="einwohner").select("jump")
    assert "010" in set(jumps.query("indicator == 'sgb2_quote'")["area"])
    assert "020" in set(jumps.query("indicator == 'einwohner'")["area"])
    assert "010" not in set(base["area"])


# ----  small numbers


def test_small_numbers_with_interval_width():
    df = pd.DataFrame(
        {
            "einwohner": [1000, 120, 2000],
            "einwohner_65_plus": [200, 20, 1980],
            "sgb12_grundsicherung_65_plus": [20, 2, 4],
            "auslaender": [100, 10, 200],
            "sgb2_leistungsberechtigte": [80, 5, 1],
        },
        index=["a", "b", "c"],
    )
    found = validate(df, population="einwohner").select("small_numbers").set_index("area")
    assert set(found.index) == {"b", "c"}  # b: < 300 residents; c: only 20 under 65
    # the widest interval of b is old-age poverty: 2 of 20 (Wilson, in points)
    lo, hi = proportion_ci(2, 20)
    assert found.loc["b", "indicator"] == "altersarmut"
    assert found.loc["b", "value"] == pytest.approx((hi - lo) * 100)
    assert "Einwohner" in found.loc["b", "message"]


# ----  distribution


def test_distribution_coinr_rule_and_outliers():
    rng = np.random.default_rng(7)
    n = 200
    df = pd.DataFrame(
        {
            "normal": rng.normal(50, 5, n),
            "skewed": rng.lognormal(0, 1.2, n),
            "flat": np.full(n, 3.0),
        },
        index=[f"{i:03d}" for i in range(n)],
    )
    df.loc["005", "normal"] = 120.0
    report = validate(df, columns=["normal", "skewed", "flat"])
    table = report.indicators
    x = df["skewed"].to_numpy()
    m = x - x.mean()
    # e1071::skewness(type = 2) and kurtosis(type = 2), the COINr definitions
    g1 = np.sqrt(n * (n - 1)) / (n - 2) * (np.mean(m**3) / np.mean(m**2) ** 1.5)
    b2 = np.mean(m**4) / np.mean(m**2) ** 2 - 3
    g2 = ((n + 1) * b2 + 6) * (n - 1) / ((n - 2) * (n - 3))
    assert table.loc["skewed", "skewness"] == pytest.approx(g1, rel=1e-10)
    assert table.loc["skewed", "kurtosis"] == pytest.approx(g2, rel=1e-10)
    assert bool(table.loc["skewed", "treat"]) == (abs(g1) > 2 and g2 > 3.5)
    expected = {
        c
        for c in ("normal", "skewed")
        if abs(stats.skew(df[c], bias=False)) > 2 and stats.kurtosis(df[c], bias=False) > 3.5
    }
    assert set(report.select("skew_kurtosis")["indicator"]) == expected
    outliers = report.select("outlier").query("indicator == 'normal'")
    assert "005" in set(outliers["area"])
    xn = df["normal"].to_numpy()
    mz = 0.6745 * (xn - np.median(xn)) / np.median(np.abs(xn - np.median(xn)))
    assert len(outliers) == int((np.abs(mz) > 3.5).sum())
    assert report.select("constant")["indicator"].tolist() == ["flat"]
    assert (
        table.loc["normal", "suggestion"] == "winsorisieren (1 Wert oben)"
    )  # the one planted outlier


def test_skew_suggestion_winsorise_or_log():
    rng = np.random.default_rng(3)
    few = pd.DataFrame({"x": np.r_[rng.normal(10, 1, 200), [60.0, 80.0]]})
    assert (
        validate(few, columns=["x"])
        .indicators.loc["x", "suggestion"]
        .startswith("winsorisieren (2 Werte")
    )
    heavy = pd.DataFrame({"x": rng.lognormal(0, 1.6, 300)})
    assert (
        validate(heavy, columns=["x"])
        .indicators.loc["x", "suggestion"]
        .startswith("Log-Transformation")
    )


# ----  redundancy, structure


def test_redundancy_rules():
    rng = np.random.default_rng(0)
    a = rng.normal(size=100)
    df = pd.DataFrame({"a": a, "b": a + 0.1 * rng.normal(size=100), "c": rng.normal(size=100)})
    report = validate(df, columns=["a", "b", "c"])
    assert report.select("high_correlation")["indicator"].tolist() == ["a~b"]
    assert set(report.select("high_vif")["indicator"]) == {"a", "b"}
    assert report.correlation.loc["a", "b"] == pytest.approx(np.corrcoef(df["a"], df["b"])[0, 1])
    assert report.rank_correlation.loc["a", "c"] == pytest.approx(
        stats.spearmanr(df["a"], df["c"]).statistic
    )
    independent = validate(df[["a", "c"]], columns=["a", "c"])
    assert independent.select("high_correlation").empty
    assert independent.select("high_vif").empty


def test_dimensions_and_low_alpha():
    rng = np.random.default_rng(2)
    f = rng.normal(size=150)
    df = pd.DataFrame(
        {
            "a": f + 0.5 * rng.normal(size=150),
            "b": -f + 0.5 * rng.normal(size=150),
            "c": rng.normal(size=150),
        }
    )
    report = validate(
        df, columns=["a", "b", "c"], dimensions={"gut": ["a", "-b"], "schlecht": ["a", "c"]}
    )
    rel = report.reliability
    z = (df - df.mean()) / df.std()
    assert rel.loc["gut", "alpha"] == pytest.approx(
        pg.cronbach_alpha(pd.DataFrame({"a": z["a"], "b": -z["b"]}))[0], abs=1e-8
    )
    sev = report.select("cronbach_alpha").set_index("indicator")["severity"]
    assert sev["schlecht"] == "warning"
    assert sev["gut"] == "info"


# ----  external validity


def test_external_validity(areas):
    crit = areas["sgb2_leistungsberechtigte"] / areas["einwohner"]
    report = validate(areas, criterion=crit.rename("transfer"))
    ext = report.external.set_index("indicator")
    rated = areas[areas["einwohner"] >= 300]
    kinder = pd.Series(evaluate(areas, CAT["kinderarmut"])[2], index=areas.index)
    both = pd.concat([kinder, crit], axis=1).dropna()
    assert ext.loc["kinderarmut", "spearman"] == pytest.approx(
        stats.spearmanr(both.iloc[:, 0], both.iloc[:, 1]).statistic
    )
    assert len(rated) > 0
    assert "external_correlation" in _rules(report)
    by_name = validate(areas.assign(k=crit), criterion="k")
    assert by_name.external.set_index("indicator").loc["kinderarmut", "spearman"] == pytest.approx(
        ext.loc["kinderarmut", "spearman"]
    )
    missing = validate(areas, criterion="nope")
    assert missing.select("missing_column")["indicator"].tolist() == ["nope"]


# ----  robustness and report


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data_frames(
        [
            column(
                "einwohner",
                elements=st.one_of(
                    st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 10**6)
                ),
            ),
            column(
                "auslaender",
                elements=st.one_of(
                    st.floats(allow_nan=True), st.integers(-5, 10**6), st.text(max_size=3)
                ),
            ),
            column(
                "sgb2_leistungsberechtigte",
                elements=st.floats(allow_nan=True, allow_infinity=True),
            ),
            column("einwohner_65_plus", elements=st.integers(-5, 10**6)),
        ]
    )
)
def test_validate_never_raises_on_messy_data(df):
    report = validate(df)
    assert isinstance(report, ValidationReport)
    assert list(report.to_frame().columns) == [
        "severity",
        "check",
        "rule",
        "area",
        "year",
        "indicator",
        "value",
        "message",
    ]
    assert set(report.findings["rule"].astype(str)) <= set(RULES)


def test_validate_input_errors():
    with pytest.raises(InputError, match="not a pandas DataFrame"):
        validate([1, 2, 3])
    with pytest.raises(InputError, match="unknown indicator"):
        validate(_counts(5), ["quote"])
    report = validate(_counts(5), ["kinderarmut"])  # missing columns: reported, not raised
    assert report.select("missing_column")["indicator"].tolist() == ["kinderarmut"]
    assert validate(pd.DataFrame()).ok


def test_report_display(areas):
    report = validate(load_musterstadt("block", raw=True))
    text = report.summary()
    assert text.startswith("Datenprüfung: 4.001 Gebiete")
    assert "Fehler" in text
    assert "ValidationReport(ok=False" in repr(report)
    html5lib.HTMLParser(strict=True).parseFragment(report._repr_html_())
    frame = report.to_frame()
    frame.loc[0, "message"] = "x"
    assert report.findings.loc[0, "message"] != "x"
    assert report.counts().loc[("completeness", "duplicate_id"), "error"] == 1
    import matplotlib

    matplotlib.use("Agg")
    ax = report.plot()
    assert ax.get_title() == "Datenprüfung: Befunde je Regel"
    assert validate(pd.DataFrame()).nothing_checked
    ax_en = report.plot(language="en")
    assert ax_en.get_title() == "Data validation: findings per rule"
    assert "area id occurs more than once" in [t.get_text() for t in ax_en.get_yticklabels()]


# ----  real data: Berlin


KI_SHARES = [
    "KI_01",
    "KI_02",
    "KI_03",
    "KI_04",
    "KI_05",
    "KI_16",
    "KI_17",
    "KI_07",
    "KI_09",
    "KI_10",
]


@pytest.mark.berlin
def test_berlin_mss_2021_context_indicators(berlin_dir):
    kontext = pd.read_csv(
        berlin_dir / "mss_2021_kontext_indikatoren.csv", dtype={"PLR_ID": str, "BEZ_ID": str}
    )
    kontext = kontext.set_index("PLR_ID")
    index = pd.read_csv(
        berlin_dir / "mss_2021_index_indikatoren.csv", dtype={"PLR_ID": str}
    ).set_index("PLR_ID")
    ki = [c for c in kontext.columns if c.startswith("KI_") and not c.endswith("_GR")]
    report = validate(
        kontext,
        columns=ki,
        population="EW",
        na_values=[-9999],
        shares=KI_SHARES,
        criterion=index["S3"].rename("S3"),
        dimensions={"soziale_lage": ["KI_01", "KI_03", "KI_07"]},
    )
    assert report.ok
    assert report.n_areas == 542
    values = kontext[ki].replace(-9999, np.nan)
    # completeness: KI_08, KI_14, KI_15 are empty (one finding each);
    # the 6 excluded PLR lack values
    sup = report.select("suppressed_value")
    whole = sup[sup["area"].isna()]
    assert sorted(whole["indicator"]) == ["KI_08", "KI_14", "KI_15"]
    per_area = sup.dropna(subset=["area"])
    assert len(per_area) == int(
        values.drop(columns=["KI_08", "KI_14", "KI_15"]).isna().sum().sum()
    )
    excluded = set(kontext.index[kontext["KOM"] != "gültig"])
    assert set(per_area["area"]) <= excluded | set(
        values.index[values.drop(columns=["KI_08", "KI_14", "KI_15"]).isna().any(axis=1)]
    )
    # distribution figures of the rated PLR (EW >= 300), computed here with scipy
    rated = values[kontext["EW"] >= 300]
    for col in ["KI_11", "KI_03"]:
        x = rated[col].dropna().to_numpy()
        assert report.indicators.loc[col, "skewness"] == pytest.approx(
            stats.skew(x, bias=False), rel=1e-10
        )
        assert report.indicators.loc[col, "kurtosis"] == pytest.approx(
            stats.kurtosis(x, bias=False), rel=1e-10
        )
        mz = 0.6745 * (x - np.median(x)) / np.median(np.abs(x - np.median(x)))
        assert report.indicators.loc[col, "outliers"] == int((np.abs(mz) > 3.5).sum())
    assert bool(report.indicators.loc["KI_11", "treat"])  # migration volume: heavy right tail
    # redundancy: Pearson correlation of youth unemployment and old-age poverty
    # over the complete rated PLR
    full = rated.drop(columns=["KI_08", "KI_14", "KI_15"]).dropna()
    assert report.correlation.loc["KI_01", "KI_03"] == pytest.approx(
        full["KI_01"].corr(full["KI_03"]), abs=1e-12
    )
    assert report.kmo == pytest.approx(calculate_kmo(full)[1], abs=1e-8)
    z = (full - full.mean()) / full.std()
    alpha_ref = pg.cronbach_alpha(z[["KI_01", "KI_03", "KI_07"]])[0]
    assert report.reliability.loc["soziale_lage", "alpha"] == pytest.approx(alpha_ref, abs=1e-8)
    # external validity: youth unemployment against the MSS transfer indicator S3
    both = pd.concat([values["KI_01"], index["S3"]], axis=1).dropna()
    ext = report.external.set_index("indicator")
    assert ext.loc["KI_01", "spearman"] == pytest.approx(
        stats.spearmanr(both["KI_01"], both["S3"]).statistic, abs=1e-12
    )
    assert ext.loc["KI_01", "spearman"] > 0.8
    # geometry and hierarchy of the LOR 2021: PLR -> Bezirksregion -> Prognoseraum -> Bezirk
    lor = gpd.read_file(berlin_dir / "lor_planungsraeume_2021.gpkg", layer="planungsraeume")
    lor = lor.set_index("PLR_ID")
    hier = pd.read_csv(berlin_dir / "lor_2021_hierarchie.csv", dtype=str)
    hier = hier.set_index("Planungsraum (Nummer)")
    with_parents = kontext.assign(
        bzr=hier["Bezirksregion (Nummer)"], pgr=hier["Prognoseraum (Nummer)"]
    )
    full_report = validate(
        with_parents,
        columns=ki,
        population="EW",
        na_values=[-9999],
        geometry=lor,
        hierarchy=["bzr", "pgr", "BEZ_ID"],
    )
    assert full_report.ok
    assert full_report.select("missing_geometry").empty == kontext.index.isin(lor.index).all()
    assert len(full_report.select("invalid_geometry")) == int((~lor.geometry.is_valid).sum())
    nested = with_parents.groupby("bzr")["pgr"].nunique().le(1).all()
    assert full_report.select("hierarchy_nesting").empty == nested
    # without declaring the sentinel, -9999 shows up as shares out of range
    naive = validate(kontext, columns=ki, population="EW", shares=KI_SHARES)
    assert not naive.ok
    assert len(naive.select("share_out_of_range")) == int(
        (kontext[KI_SHARES] == -9999).sum().sum()
    )


def test_statistik_table_keeps_din_status(recwarn):
    from sozplan.io import read_statistik

    table = read_statistik("data-samples/musterstadt/bloecke_2024_roh.csv", index_col="block")
    report = validate(table)
    sup = report.select("suppressed_value")
    planted = next(e for e in load_truth()["data_errors"] if e["kind"] == "suppressed_value")
    assert sup["area"].tolist() == [planted["id"]]
    assert sup["message"].iloc[0].endswith("geheimgehalten (.).")


def test_noise_gives_structure_and_stability_warnings():
    """Independent noise: Bartlett cannot reject sphericity, KMO is poor, ranks are unstable."""
    rng = np.random.default_rng(11)
    frames = [
        pd.DataFrame(
            rng.normal(size=(120, 4)), columns=list("abcd"), index=[f"{i:03d}" for i in range(120)]
        ).assign(jahr=y)
        for y in (2023, 2024)
    ]
    long = pd.concat(frames).set_index("jahr", append=True)
    report = validate(long, columns=list("abcd"), dimensions={"d": ["a", "b"]})
    last = frames[1][list("abcd")]
    stat_ref, p = calculate_bartlett_sphericity(last)  # factor_analyzer
    assert report.bartlett["statistic"] == pytest.approx(stat_ref, rel=1e-10)
    assert report.bartlett["dof"] == 6
    assert report.bartlett["p_value"] == pytest.approx(p, abs=1e-10)
    if p > 0.05:
        assert report.select("bartlett")["severity"].iloc[0] == "warning"
    assert report.kmo == pytest.approx(calculate_kmo(last)[1], abs=1e-8)
    assert (report.select("kmo")["severity"] == ("warning" if report.kmo < 0.6 else "info")).all()
    rho = report.select("rank_correlation").set_index("indicator")
    assert (rho["severity"] == "warning").all()  # no stability between independent years
    assert rho.loc["a", "value"] == pytest.approx(
        stats.spearmanr(frames[0]["a"], frames[1]["a"]).statistic, abs=1e-12
    )
    assert report.select("cronbach_alpha")["severity"].iloc[0] == "warning"


# ----  rules as data (issue 16)


def test_rule_objects_are_frozen_hashable_and_refuse_bad_input():
    import dataclasses

    from sozplan.validation import MatchesTotals, PartOfWhole, SumEquals

    a = PartOfWhole("auslaender", "einwohner")
    assert a == PartOfWhole("auslaender", "einwohner")
    assert len({a, PartOfWhole("auslaender", "einwohner")}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.part = "x"
    s = SumEquals(["a", "b"], "t", tolerance=2)
    assert s.parts == ("a", "b")
    assert s.tolerance == 2.0
    hash(s)
    tot = pd.DataFrame(
        {"einwohner": [10.0, 20.0, 11.0, 21.0]},
        index=pd.MultiIndex.from_tuples([(1, 2023), (2, 2023), (1, 2024), (2, 2024)]),
    )
    m = MatchesTotals("Bezirk", "bezirk", tot)
    assert m.totals[0] == ("1", 2023, "einwohner", 10.0)  # ids as strings, sorted
    assert m == MatchesTotals("Bezirk", "bezirk", tot.iloc[::-1])  # order does not matter
    hash(m)
    assert m.frame().index.names == ["total", "year"]
    assert m.frame().loc[("2", 2024), "einwohner"] == 21.0
    for bad in (
        lambda: PartOfWhole("a", "a"),
        lambda: PartOfWhole("", "b"),
        lambda: SumEquals("ab", "t"),
        lambda: SumEquals(["a"], "t"),
        lambda: SumEquals(["a", "t"], "t"),
        lambda: SumEquals(["a", "b"], "t", tolerance=-1),
        lambda: MatchesTotals("Bezirk", "bezirk", [1, 2]),
        lambda: MatchesTotals("Bezirk", "bezirk", {"1": 3}),
        lambda: MatchesTotals("Bezirk", "bezirk", pd.DataFrame({"n": ["x"]}, index=["1"])),
        lambda: MatchesTotals("Bezirk", "bezirk", [("1", None, "n", 1), ("1", None, "n", 2)]),
        lambda: validate(_counts(3), rules=["einwohner <= 5"]),
        lambda: validate(_counts(3), rules="x"),
    ):
        with pytest.raises(InputError):
            bad()


def test_rules_run_or_are_listed_as_not_checked():
    from sozplan.validation import PartOfWhole, SumEquals

    df = _counts(6)
    df.loc["002", "auslaender"] = df.loc["002", "einwohner"] + 1
    rules = [
        PartOfWhole("auslaender", "einwohner"),
        SumEquals(("deutsche", "auslaender"), "einwohner"),
    ]
    report = validate(df, specs=[], rules=rules)
    assert report.select("numerator_above_denominator")["area"].tolist() == ["002"]
    cov = report.checked().set_index("name")
    assert cov.loc["auslaender ≤ einwohner", "checked"]
    assert not cov.loc["deutsche + auslaender = einwohner", "checked"]
    assert "deutsche" in cov.loc["deutsche + auslaender = einwohner", "note"]
    assert "Nicht geprüft: deutsche + auslaender = einwohner (Spalte(n) deutsche fehlen)" in (
        report.summary()
    )
    assert "(column(s) deutsche missing)" in report.summary(language="en")
    # a tolerance for rounded published counts (here: rounded to 5)
    parts = pd.DataFrame({"a": [5, 10], "b": [5, 5], "t": [12, 15]}, index=["x", "y"])
    assert len(validate(parts, rules=[SumEquals(("a", "b"), "t")]).select("parts_not_total")) == 1
    assert validate(parts, rules=[SumEquals(("a", "b"), "t", tolerance=2)]).ok


def test_matches_totals_published_rows():
    from sozplan.validation import MatchesTotals

    # 4 areas in 2 districts, two years; totals as a statistics office publishes them
    rows = []
    for y, bump in ((2023, 0), (2024, 5)):
        for i, (b, n) in enumerate(zip("1122", (100, 200, 300, 400), strict=True)):
            rows.append({"id": f"{b}0{i}", "jahr": y, "bezirk": b, "einwohner": n + bump})
    df = pd.DataFrame(rows).set_index(["id", "jahr"])
    tot = pd.DataFrame(
        {"einwohner": [300, 700, 310, 710]},
        index=pd.MultiIndex.from_tuples([("1", 2023), ("2", 2023), ("1", 2024), ("2", 2024)]),
    )
    good = validate(df, rules=[MatchesTotals("Bezirk", "bezirk", tot)])
    assert good.ok
    assert good.checked().query("kind == 'rule'")["checked"].all()
    wrong = tot.copy()
    wrong.loc[("2", 2024), "einwohner"] = 700  # the sum of the areas is 710
    found = validate(df, rules=[MatchesTotals("Bezirk", "bezirk", wrong)]).select(
        "hierarchy_total"
    )
    assert found[["area", "year", "value"]].to_numpy().tolist() == [["2", 2024, 10.0]]
    # the city row: by=None sums all areas
    # (2023: 100 + 200 + 300 + 400 = 1000; 2024: 1000 + 4 * 5 = 1020, published 1025)
    city = pd.DataFrame(
        {"einwohner": [1000, 1025]}, index=pd.MultiIndex.from_tuples([("0", 2023), ("0", 2024)])
    )
    city_report = validate(df, rules=[MatchesTotals("Stadt", None, city)])
    found = city_report.select("hierarchy_total")
    assert found[["area", "year", "value"]].to_numpy().tolist() == [["0", 2024, -5.0]]
    # missing parent column: listed, not silently skipped
    gone = validate(df.drop(columns="bezirk"), rules=[MatchesTotals("Bezirk", "bezirk", tot)])
    note = gone.checked().query("kind == 'rule'")
    assert not note["checked"].iloc[0]
    assert "bezirk" in note["note"].iloc[0]


def test_musterstadt_rules_live_with_musterstadt():
    import inspect

    import sozplan.validation._validate as impl

    text = inspect.getsource(impl)
    assert "from sozplan.datasets" not in text
    assert "import sozplan.datasets" not in text
    for col in (
        "sgb2_unter15",
        "haushalte_mit_kindern",
        "wohndauer_5_jahre_plus",
        "bezirksregion",
    ):
        assert col not in text  # the old hard-coded rules and levels
    rules = musterstadt_rules()
    report = validate(
        load_musterstadt("district"), rules=rules, population="einwohner", hierarchy=["bezirk"]
    )
    assert report.checked().query("kind == 'rule'")["checked"].all()
    assert len(report.checked().query("kind == 'rule'")) == len(rules) == 14


# ----  honest validation (issue 16): say what was checked


def _read_fixture(text: str):
    from sozplan.io import read_statistik

    with pytest.warns(DataQualityWarning, match="neither a number"):
        return read_statistik(io.StringIO(text), index_col="Schlüssel", errors="coerce")


def _trap_table() -> str:
    """40 areas x 4 count columns: 84 secret cells (.), 29 unreadable cells, 2 repeated names."""
    lines = ["Schlüssel;Name;Einwohner;Arbeitslose;SGB II;Kinder;Ältere"]
    cells = [(r, c) for r in range(40) for c in range(5)]
    secret = set(cells[0:168:2])  # every other cell of the first 168: 84
    unreadable = set(cells[1:59:2])  # every other cell of the first 58, odd: 29
    assert len(secret) == 84
    assert len(unreadable) == 29
    assert not secret & unreadable
    for r in range(40):
        name = "Altstadt" if r in (3, 17) else ("Neustadt" if r in (5, 30) else f"Viertel {r}")
        vals = []
        for c in range(5):
            vals.append(
                "." if (r, c) in secret else "k.A." if (r, c) in unreadable else str(50 + r + c)
            )
        lines.append(f"{r + 1:03d};{name};" + ";".join(vals))
    return "\n".join(lines) + "\n"


def test_trap_read_table_with_secret_unreadable_and_duplicate_names():
    """Issue 16: such a table answered '0 Kennzahlen ... keine Fehler'."""
    table = _read_fixture(_trap_table())
    report = validate(table)
    assert len(report.select("suppressed_value")) == 84
    assert len(report.select("unreadable_value")) == 29
    names = report.select("duplicate_name")
    assert sorted(names["area"]) == ["004", "006"]  # Altstadt (004, 018), Neustadt (006, 031)
    text = report.summary()
    assert "84 geheimgehalten (.)" in text
    assert "29 nicht lesbar" in text
    assert "Name mehrfach vergeben: 2" in text
    assert "Nicht geprüft: keine Teil- und Summenregeln angegeben" in text
    en = report.summary(language="en")
    assert "84 secret (.)" in en
    assert "29 not readable" in en
    assert "name used by more than one area: 2" in en
    # a status frame given separately works the same
    again = validate(table.values, status=table.status)
    assert len(again.select("unreadable_value")) == 29
    with pytest.raises(InputError, match="status"):
        validate(table.values.iloc[1:], status=table.status)


@pytest.mark.parametrize(
    "df",
    [
        pd.DataFrame(),
        pd.DataFrame(index=["01", "02"]),
        pd.DataFrame({"name": ["A", "B"]}, index=["01", "02"]),
        pd.DataFrame({"x": [1.0, 2.0], "y": [3, 4]}, index=["01", "02"]),
    ],
)
def test_nothing_to_check_says_so(df):
    report = validate(df)
    assert report.nothing_checked
    text = report.summary()
    assert "keine Fehler" not in text
    assert "nichts geprüft" in text
    assert "nothing checked" in report.summary(language="en")
    if "x" in df.columns:
        assert "x, y" in report.checked().query("kind == 'column'")["name"].iloc[0]
    with pytest.raises(InputError, match="language"):
        report.summary(language="fr")


def test_trap_aggregate_rows_are_no_areas():
    """Issue 16: a city total among 40 areas was flagged as an outlier 40 times."""
    rng = np.random.default_rng(5)
    n = 40
    ew = rng.integers(800, 1200, n)
    df = pd.DataFrame(
        {
            "bezirk": np.repeat(["1", "2"], n // 2),
            "einwohner": ew,
            "auslaender": (ew * rng.uniform(0.1, 0.2, n)).astype(int),
            "is_aggregate": False,
        },
        index=[f"{i:03d}" for i in range(n)],
    )
    sums = df.groupby("bezirk")[["einwohner", "auslaender"]].sum()
    agg = sums.assign(bezirk=sums.index, is_aggregate=True)
    city = pd.DataFrame(
        {**df[["einwohner", "auslaender"]].sum().to_dict(), "bezirk": None, "is_aggregate": True},
        index=["Stadt"],
    )
    table = pd.concat([df, agg, city])
    report = validate(table, population="einwohner")
    assert report.n_areas == n
    assert report.n_aggregate_rows == 3
    flagged = report.findings.dropna(subset=["area"])
    assert not set(flagged["area"]) & {"1", "2", "Stadt"}
    assert report.select("hierarchy_total").empty
    cov = report.checked()
    assert cov.query("kind == 'aggregate' and checked")["note"].str.contains("bezirk").any()
    assert not cov.query("kind == 'aggregate' and not checked").empty  # the city row: said so
    assert "3 Summenzeilen" in report.summary()
    # a district row that does not match the sum of its areas
    bad = table.copy()
    bad.loc["2", "auslaender"] += 4
    found = validate(bad, population="einwohner").select("hierarchy_total")
    assert found[["area", "indicator", "value"]].to_numpy().tolist() == [["2", "auslaender", -4.0]]
    # declared by id instead of a flag column
    by_id = table.drop(columns="is_aggregate")
    assert validate(by_id, aggregates=["1", "2", "Stadt"], population="einwohner").n_areas == n
    with pytest.raises(InputError, match="aggregate"):
        validate(by_id, aggregates=3)
    with pytest.raises(InputError, match="aggregate"):
        validate(by_id.assign(is_aggregate="ja"))


def test_cli_validate_in_german_and_english(tmp_path, capsys):
    from sozplan.cli import main

    path = tmp_path / "tabelle.csv"
    path.write_text(_trap_table(), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    de = capsys.readouterr().out
    assert "84 geheimgehalten (.)" in de
    assert "Name mehrfach vergeben" in de
    assert main(["validate", str(path), "--language", "en"]) == 0
    en = capsys.readouterr().out
    assert "84 secret (.)" in en
    assert "name used by more than one area" in en
    empty = tmp_path / "leer.csv"
    empty.write_text("Schlüssel;Name\n001;A\n002;B\n", encoding="utf-8")
    assert main(["validate", str(empty), "-l", "en"]) == 0
    assert "nothing checked" in capsys.readouterr().out


KOELN_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "koeln"


@pytest.fixture(scope="module")
def koeln_wide() -> pd.DataFrame:
    """Köln 2012 from the shared open data: 86 Stadtteile, 9 Stadtbezirk rows and the city row."""
    path = KOELN_DIR / "bevoelkerung.csv"
    if not path.exists():
        pytest.skip(f"Köln open data not found at {KOELN_DIR} (only in the project workspace)")
    raw = pd.read_csv(path, dtype={"raum_id": str, "tab_id": str})
    sub = raw[raw["tab_id"].isin(["005", "020", "030"]) & (raw["jahr"] == 2012)]
    wide = sub.pivot_table(index="raum_id", columns="zeile", values="zahl", aggfunc="sum")
    wide.columns.name = None
    ids = wide.index
    wide["is_aggregate"] = ids.str.startswith("00")  # 000 city, 001-009 Stadtbezirke
    wide["stadtbezirk"] = [None if i.startswith("00") else "00" + i[0] for i in ids]
    return wide


def test_koeln_aggregate_rows_and_sum_rules(koeln_wide):
    from sozplan.validation import MatchesTotals, SumEquals

    wide = koeln_wide
    ages = tuple(c for c in wide.columns if c[:2].isdigit())  # 13 bands "00 - < 03" ...
    origins = ("Afrika", "Amerika", "Asien", "Europäische Union", "Sonstige", "Türkei")
    city = wide.loc[["000"], ["Einwohner"]]
    rules = [
        SumEquals(ages, "Einwohner"),
        SumEquals((*origins, "Übriges Europa"), "Ausländer"),
        MatchesTotals("Stadt", None, city),
    ]
    cols = ["Einwohner", "Ausländer", "75 und älter"]
    report = validate(wide, columns=cols, rules=rules, population="Einwohner")
    assert report.n_areas == 86
    assert report.n_aggregate_rows == 10
    # Stadt Köln, Offene Daten: 1,044,555 residents at 31.12.2012 (the city row)
    assert city.iloc[0, 0] == 1_044_555
    assert report.checked().query("kind == 'rule'")["checked"].all()
    assert report.select("parts_not_total").empty
    assert report.select("hierarchy_total").empty  # Stadtbezirk and city rows = sums
    aggregate_ids = {"000", *(f"00{i}" for i in range(1, 10))}
    assert not set(report.findings["area"].dropna()) & aggregate_ids
    # the trap: read as if every row were an area, the 10 totals are outliers in each column
    naive = validate(wide.drop(columns="is_aggregate"), columns=cols, population="Einwohner")
    out = naive.select("outlier")
    assert len(out[out["area"].isin(aggregate_ids)]) == 30
    # a Stadtbezirk row changed by 100 residents is found (counts, not value columns, are
    # compared with the aggregate rows)
    bad = wide.copy()
    bad.loc["003", "Einwohner"] += 100
    found = validate(bad, rules=rules, population="Einwohner")
    assert found.select("hierarchy_total")[["area", "value"]].to_numpy().tolist() == [
        ["003", -100.0]
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(
        st.lists(st.integers(0, 10_000), min_size=3, max_size=3), min_size=2, max_size=15
    ),
    shift=st.integers(-3, 3),
)
def test_sum_and_part_rules_invariants(parts, shift):
    """Parts that add up are never flagged; a whole changed by more than 0.5 always is."""
    from sozplan.validation import PartOfWhole, SumEquals

    x = np.array(parts)
    df = pd.DataFrame(x, columns=["a", "b", "c"], index=[f"{i:02d}" for i in range(len(x))])
    df["t"] = x.sum(axis=1)
    rules = [SumEquals(("a", "b", "c"), "t"), PartOfWhole("a", "t")]
    assert validate(df, specs=[], rules=rules).ok
    df.loc["00", "t"] += shift
    found = validate(df, specs=[], rules=rules).select("parts_not_total")
    assert found["area"].tolist() == ([] if shift == 0 else ["00"])
    assert found["value"].tolist() == ([] if shift == 0 else [float(-shift)])
