"""Tests of the report chapter "Finanzierung" (sozplan.report.chapters.financing).

The chapter only calls sozplan.planning (tested against brute force there); these tests
check that the planted problems of Musterstadt's funding landscape reach the page by name
(``load_truth()["financing"]``), that the treasury's workbook is written, that a city's
own folder of tables is read, and that a folder without the tables skips the chapter with
a reason instead of failing the report.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from sozplan.report import Sozialbericht, load_config
from sozplan.report.chapters import REGISTRY, ChapterSkipped
from sozplan.report.chapters import financing as F

CONFIG = {"source": "musterstadt", "month": 9, "bundling": True, "time_limit": 60.0}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("finanzbericht")
    cfg = load_config(None)
    cfg["chapters"] = ["overview", "financing"]
    cfg["_parallel"] = False
    report = Sozialbericht(cfg)
    report.build(out)
    return report, out


def test_registered_and_in_the_musterstadt_report():
    assert "financing" in REGISTRY
    assert "financing" in load_config(None)["chapters"]


def test_analyse_finds_the_planted_problems_and_bundles():
    from sozplan.datasets import load_truth

    res = F.analyse(SimpleNamespace(language="de"), dict(CONFIG))
    planted = set(
        load_truth()["financing"]
    )  # programme_ended, own_share_unbudgeted, double_funding
    assert planted <= set(res.plan.problems["problem"])
    # bundling never leaves the city more than its own plan (Musterstadt: about half)
    assert res.bundling.own_share_total < res.plan.table["eigenanteil"].sum()
    assert res.execution is not None


def test_page_workbook_and_exports(built):
    report, out = built
    assert report.skipped == {}
    page = (out / "finanzierung.html").read_text(encoding="utf-8")
    for label in ("Doppelförderung derselben Kosten", "Förderprogramm endet vor der Maßnahme",
                  "Eigenanteil nicht im Haushalt veranschlagt"):  # fmt: skip
        assert label in page
    assert 'href="tabellen/finanzierung.xlsx"' in page
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(out / "tabellen" / "finanzierung.xlsx")
    assert wb.sheetnames[:2] == ["Übersicht", "Finanzierungsplan"]
    csv = (out / "tabellen" / "haushaltsvollzug.csv").read_text(encoding="utf-8-sig")
    assert csv.splitlines()[0].startswith("Maßnahme;")  # German CSV: ';'


def test_own_folder_is_read(tmp_path):
    from sozplan.datasets import load_financing

    fin = load_financing()
    fin.measures.reset_index().to_csv(tmp_path / "massnahmen.csv", index=False)
    for key, name in F._FILES.items():
        if key != "measures":
            getattr(fin, key).to_csv(tmp_path / name, index=False)
    res = F.analyse(SimpleNamespace(language="en"), {**CONFIG, "source": str(tmp_path)})
    ref = F.analyse(SimpleNamespace(language="en"), dict(CONFIG))
    assert res.plan.totals().equals(ref.plan.totals())


def test_folder_without_tables_skips_with_reason(tmp_path):
    with pytest.raises(ChapterSkipped, match=r"mittelabfluss\.csv"):
        F.analyse(SimpleNamespace(language="de"), {**CONFIG, "source": str(tmp_path)})


def test_source_folder_is_relative_to_the_configuration(tmp_path):
    (tmp_path / "finanzen").mkdir()
    cfg_path = tmp_path / "bericht.yaml"
    cfg_path.write_text("financing:\n  source: finanzen\n", encoding="utf-8")
    cfg = load_config(cfg_path)
    assert Path(cfg["financing"]["source"]) == (tmp_path / "finanzen").resolve()
