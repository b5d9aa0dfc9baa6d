"""Tests of sozplan.presets: Berlin MSS 2021 replication (real open data), Hamburg sketch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sozplan.errors import DataQualityWarning, InputError
from sozplan.presets import berlin_mss_2021, hamburg_style


@pytest.fixture(scope="module")
def mss_table(berlin_dir):
    return pd.read_csv(
        berlin_dir / "mss_2021_index_indikatoren.csv", dtype={"PLR_ID": str, "BEZ_ID": str}
    )


@pytest.fixture(scope="module")
def mss_official(berlin_dir):
    # Source: SenStadt Berlin, MSS 2021, s_Indizes_MSS2021_homogen (mss_2021_indizes.csv)
    return pd.read_csv(
        berlin_dir / "mss_2021_indizes.csv", dtype={"PLR_ID": str, "BEZ_ID": str}
    ).set_index("PLR_ID")


@pytest.fixture(scope="module")
def mss_zwerte(berlin_dir):
    # Source: SenStadt Berlin, MSS 2021, published table of z-values (two decimals, German CSV)
    z = pd.read_csv(
        berlin_dir / "mss_2021_index_zwerte.csv",
        sep=";",
        dtype={"PLR-ID": str},
        encoding="utf-8-sig",
    )
    z.columns = [c.strip() for c in z.columns]
    return z.set_index("PLR-ID")


@pytest.fixture(scope="module")
def mss(mss_table):
    return berlin_mss_2021(mss_table)


@pytest.mark.berlin
def test_berlin_frame_shape(mss, mss_table):
    out = mss.to_frame()
    assert len(out) == 542
    assert out.index.name == "PLR_ID"
    assert out.index.is_unique
    assert (out.index.str.len() == 8).all()
    for col in [
        "status_index",
        "status_class",
        "dynamics_index",
        "dynamics_class",
        "matrix_code",
        "reason",
    ]:
        assert col in out.columns
    assert mss.n_rated == 536


@pytest.mark.berlin
def test_berlin_classes_equal_official(mss, mss_official):
    out = mss.to_frame()
    off = mss_official.loc[out.index]
    rated = off["KOM"] == "gültig"
    assert rated.sum() == 536
    # every one of the 536 rated PLR: exactly the official classes
    assert (out.loc[rated, "status_class"].astype(str) == off.loc[rated, "SI_V"]).all()
    assert (out.loc[rated, "dynamics_class"].astype(str) == off.loc[rated, "DI_V"]).all()
    assert (out.loc[rated, "matrix_code"] == off.loc[rated, "SDI"]).all()
    assert (out.loc[rated, "matrix_number"].astype(int) == off.loc[rated, "SDI_N"]).all()
    assert (out.loc[rated, "matrix_label"] == off.loc[rated, "SDI_V"]).all()


@pytest.mark.berlin
def test_berlin_excluded_six(mss, mss_official):
    out = mss.to_frame()
    off = mss_official.loc[out.index]
    excluded = off.index[off["KOM"] != "gültig"]
    assert sorted(excluded) == [
        "03300515",
        "03400831",
        "04400725",
        "05300838",
        "06200418",
        "10100205",
    ]
    assert (out.loc[excluded, "status_class"] == "ohne Zuordnung").all()
    assert (out.loc[excluded, "dynamics_class"] == "ohne Zuordnung").all()
    assert (out.loc[excluded, "reason"] == off.loc[excluded, "KOM"]).all()
    assert out.loc["10100205", "reason"] == "ungültig (Ausreißer)"
    assert out.loc["06200418", "reason"] == "ungültig (EW unter 300)"
    assert out.loc[excluded, "status_index"].isna().all()
    assert out.loc[out.index.difference(excluded), "reason"].isna().all()


@pytest.mark.berlin
def test_berlin_sums_and_indices_equal_published(mss, mss_zwerte):
    out = mss.to_frame()
    z = mss_zwerte.loc[out.index]
    rated = mss.rated
    pairs = {
        "status_sum": "Status-summe",
        "status_index": "Status-Index (standardisierte Statussumme)",
        "dynamics_sum": "Dynamik-summe",
        "dynamics_index": "Dynamik-Index (standardisierte Dynamik-summe)",
        "z_S1": "zS1",
        "z_S3": "zS3",
        "z_S4": "zS4",
        "z_D1": "zD1",
        "z_D3": "zD3",
        "z_D4": "zD4",
    }
    for ours, theirs in pairs.items():
        published = pd.to_numeric(z.loc[rated, theirs], errors="raise")
        # published with two decimals: equal after rounding (tolerance for half-way rounding)
        np.testing.assert_allclose(
            out.loc[rated, ours].round(2), published, atol=0.0100001, err_msg=ours
        )
        share_exact = (out.loc[rated, ours].round(2) == published).mean()
        assert share_exact > 0.99, (ours, share_exact)
    # the status sum: exactly the published two-decimal values
    published = pd.to_numeric(z.loc[rated, "Status-summe"])
    assert (out.loc[rated, "status_sum"].round(2) - published).abs().max() < 0.005 + 1e-9


@pytest.mark.berlin
def test_berlin_numeric_ids_warn_and_are_restored(mss_table, mss):
    t = mss_table.copy()
    t["PLR_ID"] = t["PLR_ID"].astype(int)
    with pytest.warns(DataQualityWarning, match="leading zeros"):
        res = berlin_mss_2021(t)
    pd.testing.assert_series_equal(res.status_class, mss.status_class)


def _toy_mss():
    return pd.DataFrame(
        {
            "PLR_ID": ["01100101", "01100102", "01100103", "01100104", "01100105"],
            "EW": [3419, 1791, 5211, 4636, 120],
            "S1": [4.2, 1.2, 5.3, 6.2, -9999],
            "S3": [8.0, 3.5, 15.5, 18.0, -9999],
            "S4": [19.4, 8.3, 32.6, 39.9, -9999],
            "D1": [1.5, 0.2, 0.9, 1.2, -9999],
            "D3": [0.4, 0.9, -2.2, -0.7, -9999],
            "D4": [4.0, 4.9, -4.9, -2.7, -9999],
            "KOM": ["gültig"] * 4 + ["ungültig (EW unter 300)"],
        }
    )


def test_berlin_bad_input():
    t = _toy_mss()
    with pytest.raises(InputError, match="PLR_ID"):
        berlin_mss_2021(t.drop(columns="PLR_ID"))
    with pytest.raises(InputError, match="'S4'"):
        berlin_mss_2021(t.drop(columns="S4"))
    t2 = t.copy()
    t2.loc[0, "S1"] = np.nan
    with pytest.raises(InputError, match="01100101"):
        berlin_mss_2021(t2)
    t3 = t.copy()
    t3["PLR_ID"] = ["1", "2", "3", "4", "5"]
    with pytest.raises(InputError, match="8 digits"):
        berlin_mss_2021(t3)
    t4 = t.copy()
    t4["KOM"] = "ungültig (Ausreißer)"
    with pytest.raises(InputError, match="all 5 areas are excluded"):
        berlin_mss_2021(t4)


def test_berlin_does_not_mutate_input():
    t = _toy_mss()
    before = t.copy()
    berlin_mss_2021(t)
    pd.testing.assert_frame_equal(t, before)


def test_hamburg_style_is_a_few_lines():
    rng = np.random.default_rng(3)
    ids = [f"{i:03d}" for i in range(60)]
    idx = pd.MultiIndex.from_product([ids, range(2018, 2023)], names=["gebiet", "jahr"])
    p = pd.DataFrame(
        {
            "ew": rng.integers(100, 5000, len(idx)),
            "sgb2": rng.gamma(3, 3, len(idx)),
            "alq": rng.gamma(3, 1.5, len(idx)),
            "kinder_ms": rng.gamma(3, 5, len(idx)),
        },
        index=idx,
    )
    m = hamburg_style(
        p, ["sgb2", "alq", "kinder_ms"], ["sgb2", "alq", "kinder_ms"], population="ew"
    )
    assert m.window == 3
    last = m.results[2022]
    assert last.dynamics_class is not None
    assert m.results[2019].dynamics_class is None  # no 3-year change available yet
    small = p.xs(2022, level="jahr")["ew"] < 300
    assert (last.status_class[small] == "ohne Zuordnung").all()
    assert last.settings["combine"] == "mean"
