"""Tests of sozplan.indicators.rate_ci and format_interval (intervals beside published rates)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sozplan.errors import InputError
from sozplan.indicators import format_interval, rate_ci

proportion = pytest.importorskip("statsmodels.stats.proportion")


@pytest.fixture
def counts() -> pd.DataFrame:
    return pd.DataFrame(
        {"x": [12, 0, 40, np.nan, 0], "a": [5, 0, 0, 1, 0], "n": [80, 25, 40, 50, 0]},
        index=pd.Index(["p1", "p2", "p3", "p4", "p5"], name="plr"),
    )


@pytest.mark.parametrize(("method", "sm"), [("wilson", "wilson"), ("clopper-pearson", "beta")])
def test_share_interval_matches_statsmodels(counts, method, sm):
    out = rate_ci(counts.iloc[:3], "x", "n", method=method)
    # statsmodels: proportion_confint(count, nobs, alpha=0.05, method="wilson" / "beta")
    lo, hi = proportion.proportion_confint([12, 0, 40], [80, 25, 40], alpha=0.05, method=sm)
    np.testing.assert_allclose(out["lower"], np.asarray(lo) * 100, atol=1e-10)
    np.testing.assert_allclose(out["upper"], np.asarray(hi) * 100, atol=1e-10)
    assert out["value"].tolist() == [15.0, 0.0, 100.0]
    assert out.index.equals(counts.index[:3])


def test_poisson_interval_per_thousand():
    df = pd.DataFrame({"cases": [10], "ew": [2000]}, index=["a"])
    out = rate_ci(df, "cases", "ew", multiplier=1000, method="poisson")
    # Garwood: chi2.ppf(0.025, 20) / 2 / 2000 * 1000 and chi2.ppf(0.975, 22) / 2 / 2000 * 1000
    assert out.loc["a", "lower"] == pytest.approx(stats.chi2.ppf(0.025, 20) / 4, rel=1e-12)
    assert out.loc["a", "upper"] == pytest.approx(stats.chi2.ppf(0.975, 22) / 4, rel=1e-12)
    assert out.loc["a", "value"] == 5.0


def test_missing_and_zero_denominator_flow_through(counts):
    out = rate_ci(counts, ["x", "a"], "n")  # several numerator columns are summed
    assert out.loc["p1", "numerator"] == 17
    signed = rate_ci(counts, "x", ["n", "-a"])  # as IndicatorSpec: "-a" is subtracted
    assert signed.loc["p1", "denominator"] == 75
    assert signed.loc["p1", "value"] == pytest.approx(16.0)
    assert np.isnan(out.loc["p4", ["value", "lower", "upper"]].to_numpy(dtype=float)).all()
    assert np.isnan(out.loc["p5", ["value", "lower", "upper"]].to_numpy(dtype=float)).all()


@given(x=st.integers(0, 500), extra=st.integers(0, 500))
@settings(max_examples=60, deadline=None)
def test_property_interval_contains_the_rate(x, extra):
    n = x + extra
    df = pd.DataFrame({"x": [x], "n": [n]})
    for method in ("wilson", "clopper-pearson", "poisson"):
        out = rate_ci(df, "x", "n", method=method).iloc[0]
        if n == 0:
            assert np.isnan(out["value"])
            continue
        assert out["lower"] <= out["value"] + 1e-9 <= out["upper"] + 2e-9


def test_format_interval_both_languages():
    assert format_interval(12.345, 10.06, 14.81) == "12,3\u00a0% (10,1\u201314,8)"
    assert format_interval(12.345, 10.06, 14.81, language="en") == "12.3% (10.1\u201314.8)"
    assert (
        format_interval(1234.6, 1000, 1500, decimals=0, unit="je 1.000 EW")
        == "1.235\u00a0je 1.000 EW (1.000\u20131.500)"
    )
    assert format_interval(-0.8, -2.1, 0.4, unit="", language="en") == "-0.8 (-2.1 to 0.4)"
    assert format_interval(5.0, np.nan, np.nan) == "5,0\u00a0%"
    assert format_interval(np.nan, 1, 2) == "."


def test_format_interval_series_aligned_by_id(counts):
    ci = rate_ci(counts, "x", "n")
    text = format_interval(ci["value"], ci["lower"].iloc[::-1], ci["upper"], decimals=0)
    assert text.index.equals(counts.index)
    assert text["p1"] == "15\u00a0% (9\u201324)"
    assert text["p4"] == "."


def test_bad_input(counts):
    with pytest.raises(InputError, match="rate_ci: `numerator` has no column 'y'"):
        rate_ci(counts, "y", "n")
    with pytest.raises(InputError, match=r"exceeds the denominator at 'p3'.*poisson"):
        rate_ci(counts.assign(x=[1, 0, 41, 1, 0]), "x", "n")
    with pytest.raises(InputError, match="`method`"):
        rate_ci(counts, "x", "n", method="wald")
    with pytest.raises(InputError, match="`multiplier`"):
        rate_ci(counts, "x", "n", multiplier=0)
    with pytest.raises(InputError, match="negative"):
        rate_ci(counts.assign(x=-1), "x", "n")
    with pytest.raises(InputError, match="`language`"):
        format_interval(1, 0, 2, language="fr")
    with pytest.raises(InputError, match="`decimals`"):
        format_interval(1, 0, 2, decimals=-1)
