"""Tests of sozplan.presets: the registry, Berlin MSS 2021 replication (real open data), Hamburg sketch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sozplan.errors import DataQualityWarning, InputError
from sozplan.index import MonitoringSpec, status_dynamics
from sozplan.presets import (
    _registry,
    available_presets,
    berlin_mss_2021,
    get_preset,
    hamburg_style,
    register_preset,
)


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
    t6 = t.copy()
    t6["S3"] = t6["S3"].astype(object)
    t6.loc[0, "S3"] = "8,0"
    with pytest.raises(InputError, match=r"^berlin_mss_2021: .*'S3'.* of `table` .*not numeric"):
        berlin_mss_2021(t6)
    t5 = t.copy()
    t5.loc[1, "PLR_ID"] = t5.loc[0, "PLR_ID"]
    with pytest.raises(
        InputError, match=r"^berlin_mss_2021: `table` has duplicate PLR_ID: '01100101'"
    ):
        berlin_mss_2021(t5)


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


# ------------------------------------------------------------------ the registry
@pytest.fixture
def clean_registry(monkeypatch):
    """Registrations of a test do not leak into others."""
    monkeypatch.setattr(_registry, "_REGISTERED", {})


def test_shipped_presets_all_load():
    names = available_presets()
    assert {"berlin_mss_2021", "hamburg_style"} <= set(names)
    for name in names:
        spec = get_preset(name)
        assert isinstance(spec, MonitoringSpec)
        assert spec.name == name
        assert spec.source, f"{name}: every preset cites its source"
        assert MonitoringSpec.from_yaml(spec.to_yaml()) == spec
    assert get_preset("berlin_mss_2021") is get_preset("berlin_mss_2021")  # read once


def test_berlin_preset_says_what_the_booklet_says():
    # MSS 2021 indicator booklet (see shared/data/berlin/README.md): S1, S3, S4 and
    # D1, D3, D4; plain means, ddof 0, sum, re-standardised; cuts -1/+1/+1.5 and -1/+1
    spec = get_preset("berlin_mss_2021")
    assert spec.status_columns == ("S1", "S3", "S4")
    assert spec.dynamics_columns == ("D1", "D3", "D4")
    assert (spec.population, spec.min_population, spec.weighted) == ("EW", 300.0, False)
    assert (spec.ddof, spec.combine, spec.restandardize, spec.closed) == (
        0.0,
        "sum",
        True,
        "inner",
    )
    assert spec.status_cuts == (-1.0, 1.0, 1.5)
    assert spec.dynamics_cuts == (-1.0, 1.0)
    assert spec.status_labels["de"] == ("hoch", "mittel", "niedrig", "sehr niedrig")
    assert spec.exclude["column"] == "KOM"
    assert not spec.sketch
    assert spec.url.startswith("https://www.berlin.de/")


def test_hamburg_preset_is_labelled_a_sketch():
    spec = get_preset("hamburg_style")
    assert spec.sketch
    assert "SKETCH" in repr(spec)
    assert "Skizze" in spec._repr_html_()
    assert spec.window == 3


def test_unknown_preset_lists_the_available_ones():
    with pytest.raises(
        InputError, match=r"no preset 'hamburg'.*'berlin_mss_2021'.*'hamburg_style'"
    ):
        get_preset("hamburg")
    with pytest.raises(InputError, match="no preset 'hamburg'"):
        status_dynamics(pd.DataFrame({"a": [1.0, 2.0, 3.0]}), spec="hamburg")
    with pytest.raises(InputError, match="`name` is a int"):
        get_preset(3)


def test_register_preset(clean_registry, tmp_path):
    own = get_preset("berlin_mss_2021").replace(name="berlin_gewichtet", weighted=True)
    assert register_preset(own) is own
    assert "berlin_gewichtet" in available_presets()
    assert get_preset("berlin_gewichtet").weighted
    with pytest.raises(InputError, match=r"exists already.*replace=True"):
        register_preset(own)
    with pytest.raises(InputError, match="exists already"):
        register_preset(get_preset("berlin_mss_2021"))
    register_preset(own.replace(ddof=1), replace=True)
    assert get_preset("berlin_gewichtet").ddof == 1.0
    # a statistics office writes a file: register it, or use it by its path
    path = tmp_path / "hamburg_rise_2023.yaml"
    get_preset("hamburg_style").replace(name="hamburg_rise_2023", sketch=False).to_yaml(path)
    assert get_preset(path).name == "hamburg_rise_2023"
    assert get_preset(str(path)).name == "hamburg_rise_2023"
    register_preset(path)
    assert "hamburg_rise_2023" in available_presets()
    with pytest.raises(InputError, match="`spec` is a dict"):
        register_preset({"name": "x"})


def test_broken_preset_file_names_file_line_key_and_fix(tmp_path):
    path = tmp_path / "rise.yaml"
    path.write_text(
        "sozplan: monitoring/1\nname: rise\nstatus: [sgb2]\nstatus_cuts: [-1, 1]\n",
        encoding="utf-8",
    )
    with pytest.raises(
        InputError,
        match=r"rise\.yaml, line 4, key `status_cuts`: .* 3 classes.*Fix: add status_labels",
    ):
        get_preset(path)
    path.write_text("sozplan: monitoring/1\nname: rise\nstatus: [sgb2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"rise\.yaml, line \d+, column \d+: YAML syntax error"):
        register_preset(path)


def test_preset_with_missing_indicators_names_them():
    df = pd.DataFrame({"alq": [1.0, 2.0, 3.0], "ew": [500, 600, 700]}, index=["1", "2", "3"])
    with pytest.raises(
        InputError,
        match=r"status_dynamics: the monitoring spec 'berlin_mss_2021' needs column\(s\) 'S1'.*"
        r"Fix: rename your columns.*spec\.replace\(status=",
    ):
        status_dynamics(df, spec="berlin_mss_2021")
    with pytest.raises(InputError, match=r"berlin_mss_2021: .*'S4'"):
        berlin_mss_2021(_toy_mss().drop(columns=["S4", "D1"]))


@pytest.mark.berlin
def test_berlin_from_the_preset_equals_official(mss_table, mss_official):
    """status_dynamics(spec="berlin_mss_2021") on the table indexed by PLR_ID: 536/536."""
    res = status_dynamics(mss_table.set_index("PLR_ID"), spec="berlin_mss_2021")
    out = res.to_frame()
    off = mss_official.loc[out.index]
    rated = off["KOM"] == "gültig"
    assert res.n_rated == int(rated.sum()) == 536
    assert (out.loc[rated, "status_class"].astype(str) == off.loc[rated, "SI_V"]).all()
    assert (out.loc[rated, "dynamics_class"].astype(str) == off.loc[rated, "DI_V"]).all()
    assert (out.loc[rated, "matrix_code"].astype(str) == off.loc[rated, "SDI"]).all()
    assert (out.loc[~rated, "reason"] == off.loc[~rated, "KOM"]).all()
    assert (out.loc[~rated, "status_class"] == "ohne Zuordnung").all()
    assert res.settings["spec_hash"] == get_preset("berlin_mss_2021").hash
    # the same in English: the same classes under English labels
    en = status_dynamics(mss_table.set_index("PLR_ID"), spec="berlin_mss_2021", language="en")
    codes = res.status_class.cat.codes
    pd.testing.assert_series_equal(en.status_class.cat.codes, codes)
    assert en.status_class[~rated.to_numpy()].eq("not rated").all()
