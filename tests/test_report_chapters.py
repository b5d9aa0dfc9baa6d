"""Tests of the report chapters "services" (Soziale Infrastruktur) and "projection".

One fast Musterstadt build with only these chapters (plus the overview) per session;
the expected values come from calling the library functions directly (the notebooks'
pipelines), so the chapters are checked to pass the configuration through unchanged.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from sozplan.report import Sozialbericht, load_config
from sozplan.report.chapters import REGISTRY, ChapterSkipped


def _cfg(language: str = "de"):
    cfg = load_config(None)
    cfg["chapters"] = ["overview", "services", "projection"]
    cfg["_parallel"] = False
    cfg["language"] = language
    return cfg


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("chap2")
    report = Sozialbericht(_cfg())
    report.build(out)
    return report, out


def _text(path) -> str:
    s = path.read_text(encoding="utf-8")
    s = re.sub(r"<(script|style|svg|nav)\b.*?</\1>", " ", s, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", s))


def test_both_chapters_registered_and_in_the_musterstadt_config():
    assert {"services", "projection"} <= set(REGISTRY)
    chapters = load_config(None)["chapters"]
    assert chapters.index("services") < chapters.index("projection")


def test_services_matches_the_library_pipeline(built):
    """The ratios equal supply_ratio on blocks with a 1000 m straight-line 2SFCA."""
    from sozplan import services as S
    from sozplan.datasets import load_facilities, load_musterstadt

    report, out = built
    res = report.results["services"]
    blocks = load_musterstadt("block")
    kitas = S.select_facilities(
        S.validate_facilities(load_facilities(), areas=blocks), "kita", year=2024
    )
    costs = S.straight_line_costs(blocks, kitas, max_cost=1000)
    access = S.two_step_fca(blocks, "einwohner_0_5", kitas, costs=costs)
    ref = S.supply_ratio(
        blocks, "einwohner_0_5", kitas, by="planungsraum", target=70, access=access
    )
    got = res.ratio.table
    pd.testing.assert_series_equal(
        got["ratio_residence"], ref.table["ratio_residence"].reindex(got.index)
    )
    assert res.age_column == "einwohner_0_5"  # from roles.age_bands [0, 6)
    assert res.equity is not None
    text = _text(out / "infrastruktur.html")
    assert "2SFCA" in text
    assert "Luftlinie" in text
    gaps = pd.read_csv(out / "tabellen" / "versorgungsluecken.csv", sep=";", dtype=str)
    top = ref.table["gap_places"].idxmax()
    assert top in gaps.iloc[:, 0].tolist()
    assert (out / "abbildungen" / "versorgung_wohnort.png").exists()


def test_projection_matches_hamilton_perry(built):
    from sozplan.datasets import load_musterstadt
    from sozplan.projection import hamilton_perry

    report, out = built
    ch = report.results["projection"]
    assert (ch.base_year, ch.launch_year, ch.target_year) == (2020, 2024, 2034)
    cols = list(ch.result.bands.columns)
    stocks = load_musterstadt("planning_area", year="all")[cols]
    ref = hamilton_perry(
        stocks,
        ch.result.bands,
        base_year=2020,
        launch_year=2024,
        target_year=2034,
        step=1,
        split="uniform",
    )
    pd.testing.assert_frame_equal(
        ch.result.total(), ref.total(), check_names=False, check_exact=False
    )
    # demand: the 0-5 band is split evenly, so u3 + 3-6 = 3 * (0.45 + 0.93) / 6 of it
    expect = ref.total()["einwohner_0_5"] * 3 * (0.45 + 0.93) / 6
    pd.testing.assert_series_equal(
        ch.demand.sum(axis=1), expect, check_names=False, check_exact=False
    )
    assert ch.demand_note == "projection.demand_uniform"
    text = _text(out / "prognose.html")
    assert "Hamilton und Perry" in text
    assert "2034" in text


def test_pages_have_no_english_words(built):
    _, out = built
    english = {"the", "and", "of", "area", "areas", "with", "not", "Note", "residents", "places"}
    for page in ("infrastruktur.html", "prognose.html"):
        words = set(re.findall(r"[A-Za-zÄÖÜäöüß]+", _text(out / page)))
        assert not words & english, (page, words & english)


def test_english_pages_have_no_german_words(tmp_path):
    cfg = _cfg("en")
    cfg["title"], cfg["subtitle"], cfg["author"] = "Social report", "", ""
    cfg["data"]["attribution"] = "Musterstadt (synthetic data of sozplan)"
    report = Sozialbericht(cfg)
    report.build(tmp_path)
    names = {str(n) for n in report.data.areas["name"]}
    german = {
        "und",
        "der",
        "die",
        "das",
        "nicht",
        "Gebiet",
        "Gebiete",
        "Jahre",
        "Plätze",
        "Kinder",
    }
    for page in ("infrastruktur.html", "prognose.html"):
        text = _text(tmp_path / page)
        for n in sorted(names, key=len, reverse=True):
            text = text.replace(n, " ")
        words = set(re.findall(r"[A-Za-zÄÖÜäöüß]+", text))
        assert not words & german, (page, words & german)
        assert not re.search(r"\b\d+,\d{1,2}\b", text)


class _Data:
    """A stand-in for ReportData with what the skip checks read."""

    def __init__(self, roles, panel=None, years=(2024,)):
        self.language = "de"
        self.spec = type("Spec", (), {"roles": roles})()
        self.panel = panel
        self.year = years[-1]


def test_services_skips_without_facilities_or_age_column():
    mod = REGISTRY["services"]
    cfg = {k: key.default for k, key in mod.SCHEMA.items()}
    with pytest.raises(ChapterSkipped, match="Keine Einrichtungen"):
        mod.analyse(_Data({}), cfg)
    with pytest.raises(ChapterSkipped, match="Altersgruppe 0 bis 5"):
        mod.analyse(_Data({"age_bands": {"e_0_17": [0, 18]}}), {**cfg, "facilities": "x"})


def test_projection_skips_without_bands_or_with_one_year():
    mod = REGISTRY["projection"]
    cfg = {k: key.default for k, key in mod.SCHEMA.items()}
    with pytest.raises(ChapterSkipped, match="Altersgruppen"):
        mod.analyse(_Data({}), cfg)
    idx = pd.MultiIndex.from_product([["a", "b"], [2024]], names=["id", "jahr"])
    panel = pd.DataFrame({"u6": [1.0, 2.0], "6+": [10.0, 20.0]}, index=idx)
    bands = {"age_bands": {"u6": [0, 6], "6+": [6, None]}}
    with pytest.raises(ChapterSkipped, match="mindestens zwei Jahre"):
        mod.analyse(_Data(bands, panel), cfg)


def test_facilities_path_is_relative_to_the_configuration(tmp_path):
    (tmp_path / "b.yaml").write_text("services: {facilities: daten/kitas.gpkg}\n", "utf-8")
    cfg = load_config(tmp_path / "b.yaml")
    assert cfg["services"]["facilities"] == str((tmp_path / "daten" / "kitas.gpkg").resolve())
    assert load_config(None)["services"]["facilities"] == "musterstadt"
