"""Tests of sozplan.report: the Musterstadt report is built once per session (session fixture).

Checks: every page exists and parses as strict HTML5, links and images resolve, accessible
markup (lang, skip link, heading order, alt texts, table header scopes), headless
Chromium loads every page without broken images and writes a screenshot, no published
count lies between 1 and the threshold, secondary suppression survives an LP attack,
configuration errors point to line and key, failing chapters are skipped with a note.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import unquote

import html5lib
import pandas as pd
import pytest

from sozplan.report import ConfigError, Sozialbericht, load_config
from sozplan.report._config import DEFAULTS

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("bericht")
    report = Sozialbericht.musterstadt()
    messages: list[str] = []
    t0 = time.perf_counter()
    index = report.build(out, progress=messages.append)
    return {
        "report": report,
        "out": out,
        "index": index,
        "messages": messages,
        "seconds": time.perf_counter() - t0,
    }


def _pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def _parse(path: Path):
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(path.read_bytes(), transport_encoding="utf-8")


# ---------------------------------------------------------------- structure
def test_report_writes_all_pages(built):
    out = built["out"]
    assert built["index"] == out / "index.html"
    for name in (
        "index",
        "daten-und-methode",
        "kennzahlen",
        "sozialindex",
        "cluster",
        "segregation",
        "typologie",
        "datenpruefung",
    ):
        assert (out / f"{name}.html").exists(), name
    profiles = list((out / "steckbriefe").glob("*.html"))
    from sozplan.datasets import load_musterstadt

    n_areas = len(load_musterstadt("planning_area"))
    assert len(profiles) == n_areas + 1  # one per planning area plus the list
    assert built["report"].skipped == {}, built["report"].skipped
    assert any("fertig" in m for m in built["messages"])


def test_every_page_is_strict_html5(built):
    for page in _pages(built["out"]):
        _parse(page)  # raises html5lib.html5parser.ParseError on any error


def test_links_and_images_resolve(built):
    out = built["out"]
    for page in _pages(out):
        tree = _parse(page)
        refs = [a.get("href") for a in tree.iter("a")] + [i.get("src") for i in tree.iter("img")]
        refs += [ln.get("href") for ln in tree.iter("link")]
        for ref in refs:
            assert ref, f"empty reference in {page.name}"
            if ref.startswith(("http:", "https:", "mailto:")):
                pytest.fail(
                    f"external reference {ref} in {page.name}: the report must be self-contained"
                )
            target = ref.split("#")[0]
            if not target:
                anchor = ref[1:]
                assert tree.find(f".//*[@id='{anchor}']") is not None, (
                    f"{page.name}: missing anchor {ref}"
                )
                continue
            assert (page.parent / unquote(target)).resolve().exists(), (
                f"{page.name}: broken link {ref}"
            )


def test_accessible_markup(built):
    for page in _pages(built["out"]):
        tree = _parse(page)
        root = tree if tree.tag == "html" else tree.find("html")
        assert root.get("lang") == "de"
        skip = tree.find(".//a[@class='skip-link']")
        assert skip is not None
        assert skip.get("href") == "#inhalt"
        assert tree.find(".//main[@id='inhalt']") is not None
        levels = [
            int(el.tag[1])
            for el in tree.iter()
            if isinstance(el.tag, str) and re.fullmatch(r"h[1-6]", el.tag)
        ]
        assert levels[0] == 1, page.name
        assert levels.count(1) == 1, page.name
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), (
            page.name,
            levels,
        )
        for img in tree.iter("img"):
            assert len(img.get("alt", "")) > 20, (page.name, img.get("src"))
        for table in tree.iter("table"):
            assert table.find("caption") is not None
            assert all(th.get("scope") == "col" for th in table.find("thead").iter("th"))
            assert all(
                tr.find("th").get("scope") == "row" for tr in table.find("tbody").iter("tr")
            )
        for svg in tree.iter("svg"):
            assert svg.get("role") == "img"
            assert svg.get("aria-label")


def test_css_is_local_with_print_stylesheet(built):
    out = built["out"]
    css = (out / "assets" / "bericht.css").read_text(encoding="utf-8")
    assert "@import" not in css
    assert "http" not in css
    assert "@page" in (out / "assets" / "druck.css").read_text(encoding="utf-8")
    html = (out / "index.html").read_text(encoding="utf-8")
    assert 'media="print"' in html


def test_method_chapter_states_spec_version_hash_and_disclosure(built):
    text = (built["out"] / "daten-und-methode.html").read_text(encoding="utf-8")
    report = built["report"]
    assert "Version 2024.1" in text
    assert re.search(r"Prüfsumme der Spezifikation [0-9a-f]{12}", text)
    assert "Fallzahlen von 1 bis 2 werden nicht veröffentlicht" in text
    assert "sekundäre Sperrung" in text
    assert report.config["disclosure"]["publish_small_counts"] is False


def test_tables_exported_to_csv_and_excel(built):
    import openpyxl

    folder = built["out"] / "tabellen"
    meta = json.loads((folder / "tabellen.json").read_text(encoding="utf-8"))
    assert {"kennzahlen", "fallzahlen", "sozialindex", "segregation"} <= set(meta)
    for name in meta:
        df = pd.read_csv(
            folder / f"{name}.csv", sep=";", decimal=",", encoding="utf-8-sig", dtype=str
        )
        assert len(df) == meta[name]["rows"]
    wb = openpyxl.load_workbook(folder / "sozialbericht_tabellen.xlsx", read_only=True)
    assert set(wb.sheetnames) == {n[:31] for n in meta}


# --------------------------------------------------------------- disclosure
def test_no_published_count_below_threshold(built):
    """No table (HTML or CSV) shows a count from 1 to min_count - 1."""
    m = built["report"].config["disclosure"]["min_count"]
    out = built["out"]
    n_checked = 0
    for page in _pages(out):
        for td in _parse(page).iter("td"):
            if "count" not in (td.get("class") or "").split():
                continue
            text = (td.text or "").strip()
            n_checked += 1
            if text in (".", "–"):
                continue
            value = int(text.replace(".", ""))
            assert value == 0 or value >= m, f"{page.name}: count {value}"
    assert n_checked > 1000
    meta = json.loads((out / "tabellen" / "tabellen.json").read_text(encoding="utf-8"))
    for name, info in meta.items():
        if not info["count_columns"]:
            continue
        df = pd.read_csv(
            out / "tabellen" / f"{name}.csv", sep=";", encoding="utf-8-sig", dtype=str
        )
        for col in info["count_columns"]:
            vals = pd.to_numeric(
                df[col].str.replace(".", "", regex=False).where(df[col] != "."), errors="coerce"
            )
            assert not ((vals > 0) & (vals < m)).any(), (name, col)
    # the raw data do contain such counts, so the check is not vacuous
    raw = built["report"]
    assert raw.tables["fallzahlen"]["count_columns"]


def test_secondary_suppression_resists_the_lp_attack(built):
    """Every hidden cell of the published count table keeps a positive interval."""
    from sozplan.datasets import load_musterstadt
    from sozplan.disclosure import audit_suppression, suppress_small_counts

    pr = load_musterstadt("planning_area")
    cols = [
        "einwohner",
        "einwohner_0_5",
        "einwohner_6_14",
        "einwohner_15_17",
        "einwohner_18_64",
        "einwohner_65_plus",
        "sgb12_grundsicherung_65_plus",
        "sgb2_unter15",
    ]
    res = suppress_small_counts(
        pr[[*cols, "bezirk"]], 3, columns=cols, by="bezirk", additive={"einwohner": cols[1:6]}
    )
    assert res.n_primary > 0
    assert res.n_secondary > 0
    audit = audit_suppression(res)
    assert not audit["disclosed"].any()
    # without secondary suppression, the column totals would reveal primary cells
    naive = suppress_small_counts(
        pr[[*cols, "bezirk"]],
        3,
        False,
        columns=cols,
        by="bezirk",
        additive={"einwohner": cols[1:6]},
    )
    assert audit_suppression(naive)["disclosed"].any()


def test_derived_values_of_hidden_counts_are_hidden(built):
    report_dir = built["out"]
    kz = pd.read_csv(
        report_dir / "tabellen" / "kennzahlen.csv",
        sep=";",
        encoding="utf-8-sig",
        dtype=str,
        index_col=0,
    )
    fz = pd.read_csv(
        report_dir / "tabellen" / "fallzahlen.csv",
        sep=";",
        encoding="utf-8-sig",
        dtype=str,
        index_col=0,
    )
    hidden_sgb12 = fz["Grundsicherung im Alter (65+)"] == "."
    assert hidden_sgb12.any()
    alt = next(c for c in kz.columns if c.startswith("Altersarmut"))
    assert (kz.loc[hidden_sgb12[hidden_sgb12].index, alt] == ".").all()


# ------------------------------------------------------------------ browser
def test_headless_chromium_loads_every_page(built, tmp_path):
    chromium = (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )
    if chromium is None:
        pytest.skip("chromium is not installed (CI installs the Debian package 'chromium')")
    out = built["out"]
    pages = [p.relative_to(out).as_posix() for p in _pages(out)]
    harness = out / "_pruefung.html"
    harness.write_text(
        "<!DOCTYPE html><html lang='de'><head><meta "
        "charset='utf-8'><title>check</title></head><body>"
        "<pre id='result'>pending</pre><iframe id='f' width='1200' height='900'></iframe><script>"
        f"const pages = {json.dumps(pages)}; const res = {{}}; let i = 0;"
        "const f = document.getElementById('f');"
        "function next() { if (i >= pages.length) { "
        "document.getElementById('result').textContent ="
        " JSON.stringify(res); return; } f.src = pages[i]; }"
        "f.onload = () => { const p = pages[i]; let d; try { d = f.contentDocument; } catch (e) "
        "{ d = null; }"
        " if (!d) { res[p] = {error: 'no access'}; i++; next(); return; }"
        " const imgs = Array.from(d.images); const wait = imgs.map(im => im.complete ? "
        "Promise.resolve() :"
        " new Promise(r => { im.onload = r; im.onerror = r; }));"
        " Promise.all(wait).then(() => { res[p] = {title: d.title, h1: "
        "(d.querySelector('h1')||{}).textContent,"
        " images: imgs.length, broken: imgs.filter(im => !(im.naturalWidth > 0)).map(im => "
        "im.src),"
        " sheets: d.styleSheets.length}; i++; next(); }); };"
        "next();</script></body></html>",
        encoding="utf-8",
    )
    profile = tmp_path / "chromium-profile"
    cmd = [
        chromium,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        "--allow-file-access-from-files",
        "--virtual-time-budget=120000",
        "--dump-dom",
        harness.as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, check=False)
    match = re.search(r"<pre id=\"result\">(.*?)</pre>", proc.stdout, re.S)
    assert match, proc.stderr[-2000:]
    import html as _html

    result = json.loads(_html.unescape(match.group(1)))
    assert set(result) == set(pages) - {"_pruefung.html"} | ({"_pruefung.html"} & set(result))
    for page, info in result.items():
        if page == "_pruefung.html":
            continue
        assert "error" not in info, (page, info)
        assert info["h1"], page
        assert info["broken"] == [], (page, info["broken"])
        assert info["sheets"] >= 1, page
    assert sum(info.get("images", 0) for info in result.values()) >= 15
    harness.unlink()
    shot = tmp_path / "bericht_index.png"
    subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'p2'}",
            "--hide-scrollbars",
            "--window-size=1280,2000",
            f"--screenshot={shot}",
            (out / "index.html").as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.exists()
    assert shot.stat().st_size > 20_000


# ------------------------------------------------------ configuration, skip
def test_config_errors_point_to_line_and_key(tmp_path):
    cfg = tmp_path / "bericht.yaml"
    cfg.write_text(
        "title: Test\nindicators:\n  - sgb2_quote\nindex:\n  window: zwei\n", encoding="utf-8"
    )
    with pytest.raises(
        ConfigError, match=r"bericht.yaml, Zeile 5, Spalte 3, Schlüssel 'index.window'"
    ):
        load_config(cfg)
    cfg.write_text("title: Test\nmaps:\n  farben: 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"Zeile 3.*'maps.farben'.*unbekannter Schlüssel"):
        load_config(cfg)
    cfg.write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"Zeile \d+.*YAML-Syntaxfehler"):
        load_config(cfg)
    with pytest.raises(ConfigError, match="existiert nicht"):
        load_config(tmp_path / "fehlt.yaml")


def test_unknown_indicator_is_reported_with_its_line(tmp_path):
    cfg = tmp_path / "b.yaml"
    cfg.write_text(
        "indicators:\n  - sgb2_quote\n  - gibtsnicht\nchapters: [overview]\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"Zeile 3.*indicators\[1\].*gibtsnicht"):
        Sozialbericht.from_yaml(cfg).build(tmp_path / "out")


def test_failing_chapter_is_skipped_with_a_note(tmp_path):
    cfg = load_config(
        {"chapters": ["overview", "typology", "data_method"], "typology": {"method": "gibtsnicht"}}
    )
    report = Sozialbericht(cfg)
    index = report.build(tmp_path / "out")
    assert "typology" in report.skipped
    page = (tmp_path / "out" / "typologie.html").read_text(encoding="utf-8")
    assert "note-skipped" in page
    assert "übersprungen" in page
    assert "Übersprungene Kapitel" in index.read_text(encoding="utf-8")


def test_english_report(tmp_path):
    report = Sozialbericht(
        {"language": "en", "chapters": ["overview", "data_method"], "title": "Social report"}
    )
    index = report.build(tmp_path / "en")
    text = index.read_text(encoding="utf-8")
    assert 'lang="en"' in text
    assert "Skip to content" in text
    _parse(index)


def test_small_counts_only_with_explicit_permission(tmp_path):
    cfg = {
        "chapters": ["overview", "indicators"],
        "indicators": ["altersarmut"],
        "disclosure": {"publish_small_counts": True},
    }
    report = Sozialbericht(cfg)
    report.build(tmp_path / "open")
    fz = pd.read_csv(
        tmp_path / "open" / "tabellen" / "fallzahlen.csv",
        sep=";",
        encoding="utf-8-sig",
        index_col=0,
    )
    vals = fz.to_numpy(dtype=float)
    assert ((vals > 0) & (vals < 3)).any()  # published only because the configuration says so
    assert DEFAULTS["disclosure"]["publish_small_counts"] is False
