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
    cfg = load_config(None)
    cfg["clusters"]["permutations"] = 999  # the shipped 9999 only sharpen the p-values
    report = Sozialbericht(cfg)
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


def _csv(path: Path, index_col: int | None = None) -> pd.DataFrame:
    """Read an exported CSV as text: ``;``, UTF-8 with BOM, the source in the last line."""
    df = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str, skipfooter=1, engine="python")
    return df.set_index(df.columns[index_col]) if index_col is not None else df


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
    assert re.search(r"Prüfsumme der Stadtbeschreibung [0-9a-f]{16}", text)
    assert "Fallzahlen von 1 bis 2 werden nicht veröffentlicht" in text
    assert "sekundäre Sperrung" in text
    assert report.config["disclosure"]["publish_small_counts"] is False


def test_tables_exported_to_csv_and_excel(built):
    import openpyxl

    folder = built["out"] / "tabellen"
    meta = json.loads((folder / "tabellen.json").read_text(encoding="utf-8"))
    assert {"kennzahlen", "fallzahlen", "sozialindex", "segregation"} <= set(meta)
    for name in meta:
        df = _csv(folder / f"{name}.csv")
        assert len(df) == meta[name]["rows"]
        last = (folder / f"{name}.csv").read_text(encoding="utf-8-sig").splitlines()[-1]
        assert last.startswith("Quelle: Musterstadt")
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
        df = _csv(out / "tabellen" / f"{name}.csv")
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
    kz = _csv(report_dir / "tabellen" / "kennzahlen.csv", index_col=0)
    fz = _csv(report_dir / "tabellen" / "fallzahlen.csv", index_col=0)
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
    fz = _csv(tmp_path / "open" / "tabellen" / "fallzahlen.csv", index_col=0)
    vals = fz.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    assert ((vals > 0) & (vals < 3)).any()  # published only because the configuration says so
    assert DEFAULTS["disclosure"]["publish_small_counts"] is False


# ------------------------------------------------- own city, own indicators, robustness
def _tiny_city(folder: Path, *, secret: bool = True) -> Path:
    """A 4 x 4 grid city in two districts, counts as a statistics office writes them.

    Area 0103 has a secret benefit count (``.``) and 0204 an unreliable one (``/``).
    """
    import geopandas as gpd
    from shapely.geometry import box

    ids = [f"0{d}{i:02d}" for d in (1, 2) for i in range(1, 9)]
    geo = gpd.GeoDataFrame(
        {"ID": ids, "NAME": [f"Viertel {i}" for i in ids]},
        geometry=[
            box(x * 1000, y * 1000, x * 1000 + 1000, y * 1000 + 1000)
            for x in range(4)
            for y in range(4)
        ],
        crs="EPSG:25832",
    )
    geo.to_file(folder / "gebiete.gpkg", layer="gebiete")
    rows = ["ID;EW;U18;AB65;SGB2;AUSL"]
    for n, i in enumerate(ids):
        ew = 800 + 97 * n
        sgb2 = "." if (secret and i == "0103") else ("/" if (secret and i == "0204") else 40 + n)
        rows.append(f"{i};{ew};{150 + n};{120 + 2 * n};{sgb2};{60 + 3 * n}")
    (folder / "zahlen.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "stadt.yaml").write_text(
        "sozplan: city/1\nname: Kleinstadt\nsource: Statistikstelle Kleinstadt, CC BY\n"
        "levels:\n  - {key: viertel, label: Viertel, id_length: 4}\n"
        "  - key: bezirk\n    label: Bezirk\n    id_length: 2\n    parent: {prefix: 2}\n"
        "geometry: {file: gebiete.gpkg, layer: gebiete, id: ID, name: NAME}\n"
        "tables:\n  - {file: zahlen.csv, id: ID, year: 2024}\n"
        "columns:\n  einwohner: {from: EW}\n  unter_18: {from: U18}\n  ab_65: {from: AB65}\n"
        "  sgb2: {from: SGB2}\n  auslaender: {from: AUSL}\n"
        "population: einwohner\nroles: {foreigners: auslaender}\n",
        encoding="utf-8",
    )
    return folder / "stadt.yaml"


_OWN = """
data: stadt.yaml
title: Bericht Kleinstadt
indicators:
  - key: sgb2_anteil
    label: {de: SGB-II-Anteil, en: SGB II share}
    numerator: sgb2
    denominator: einwohner - ab_65
    decimals: 1
  - key: jung
    label: {de: Anteil unter 18, en: share under 18}
    numerator: unter_18
    denominator: einwohner
    direction: 0
  - auslaenderanteil
chapters: [overview, data_method, indicators, index, typology, profiles]
index:
  status: [sgb2_anteil]
  dynamics: []
typology: {n_clusters: 2, n_bootstrap: 5}
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kleinstadt")
    _tiny_city(folder)
    (folder / "bericht.yaml").write_text(_OWN, encoding="utf-8")
    cfg = load_config(folder / "bericht.yaml")
    cfg["_parallel"] = False
    report = Sozialbericht(cfg)
    report.build(folder / "out")
    return report, folder / "out"


def test_missing_and_secret_counts_flow_through(tiny):
    """A '.' or '/' in the source is no crash: empty cell, left out of sums, said so."""
    report, out = tiny
    assert report.skipped == {}, report.skipped
    data = report.data
    assert data.count_status.at["0103", "sgb2"] == "missing"
    assert data.count_status.at["0204", "sgb2"] == "missing"
    assert pd.isna(data.values.value.at["0103", "sgb2_anteil"])
    assert data.values.status.at["0103", "sgb2_anteil"] == "suppressed"
    # the city value leaves the two areas out: the sums of the other 14
    ok = data.areas.drop(index=["0103", "0204"])
    expected = 100 * ok["sgb2"].sum() / (ok["einwohner"] - ok["ab_65"]).sum()
    assert data.city_values.value.iloc[0]["sgb2_anteil"] == pytest.approx(expected)
    method = (out / "daten-und-methode.html").read_text(encoding="utf-8")
    assert "2 Fallzahlen fehlen in der Quelle" in method
    fz = _csv(out / "tabellen" / "fallzahlen.csv", index_col=0)
    assert fz.loc["0103"].isin(["."]).any()
    # the index does not rate the areas without a value, and says why
    idx = _csv(out / "tabellen" / "sozialindex.csv", index_col=0)
    assert idx.loc["0103", "nicht bewertet, weil"] == "Kennzahl fehlt"


def test_own_indicators_from_expressions(tiny):
    report, out = tiny
    data = report.data
    a = data.areas.loc["0101"]
    assert data.values.value.at["0101", "sgb2_anteil"] == pytest.approx(
        100 * a["sgb2"] / (a["einwohner"] - a["ab_65"])
    )
    assert data.indicator("jung").direction == 0
    assert data.indicator("auslaenderanteil").spec is not None  # catalogue shortcut
    page = (out / "kennzahlen.html").read_text(encoding="utf-8")
    assert "(sgb2) / (einwohner − ab_65) × 100" in page
    kz = (out / "tabellen" / "kennzahlen.csv").read_text(encoding="utf-8-sig")
    assert "Statistikstelle Kleinstadt" in kz.splitlines()[-1]  # attribution in every export
    for page in _pages(out):
        assert "Statistikstelle Kleinstadt, CC BY" in page.read_text(encoding="utf-8")


def test_texts_describe_what_was_computed(tiny):
    """`dynamics: []` gives no matrix and no '4 x 3' text."""
    _report, out = tiny
    text = (out / "sozialindex.html").read_text(encoding="utf-8")
    assert "× 3" not in text
    assert "Status-Dynamik-Matrix" not in text
    assert "Ein Dynamik-Index wurde nicht berechnet" in text


def test_district_names_come_from_the_description(tiny):
    _report, out = tiny
    text = (out / "steckbriefe" / "0103.html").read_text(encoding="utf-8")
    assert (
        "Bezirk 01" in text
    )  # no names in the description: the district's id, not an area's name
    assert "Bezirk Viertel" not in text


@pytest.mark.parametrize(
    ("entry", "match"),
    [
        (
            "  - {key: x, numerator: sgb2 * 2, denominator: einwohner}",
            r"Zeile 4.*indicators\[0\]\.numerator.*not a sum or difference",
        ),
        (
            "  - {key: x, numerator: sgb, denominator: einwohner}",
            r"Zeile 4.*indicators\[0\]\.numerator.*'sgb'.*meinten Sie 'sgb2'",
        ),
        ("  - {key: x, column: quote}", r"indicators\[0\]\.column.*'quote'"),
        ("  - {key: x, numerator: sgb2}", r"indicators\[0\].*nur Zähler"),
        (
            "  - {key: x, numerator: sgb2, denominator: einwohner, farbe: rot}",
            r"indicators\[0\]\.farbe.*unbekannter Schlüssel",
        ),
    ],
)
def test_bad_own_indicator_names_line_and_key(tmp_path, entry, match):
    _tiny_city(tmp_path)
    cfg = tmp_path / "bericht.yaml"
    cfg.write_text(
        f"data: stadt.yaml\nchapters: [overview]\nindicators:\n{entry}\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=match):
        Sozialbericht.from_yaml(cfg).build(tmp_path / "out")


def test_unknown_preset_and_description_are_config_errors(tmp_path):
    cfg = tmp_path / "b.yaml"
    cfg.write_text("index:\n  preset: hamburg_2099\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"Zeile 2.*index.preset.*unbekanntes Preset"):
        load_config(cfg)
    cfg.write_text("data: fehlt.yaml\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"data.description.*existiert nicht"):
        Sozialbericht.from_yaml(cfg).build(tmp_path / "out")


def test_a_new_chapter_is_one_module_and_one_line(tmp_path):
    """The docs' example chapter: registered, configured, rendered; then removed again."""
    import types

    from sozplan.report import Key, Page, add_texts, register_chapter
    from sozplan.report.chapters import REGISTRY

    mod = types.ModuleType("groesste")
    mod.NAME, mod.FILE = "groesste", "groesste.html"
    mod.SCHEMA = {"n": Key(int, 3)}

    def analyse(data, config):
        return data.areas[data.population].nlargest(config["n"])

    def render(result, ctx):
        rows = pd.DataFrame(
            {ctx.t("common.area"): [ctx.data.name(i) for i in result.index]}, index=result.index
        )
        return Page(
            mod.NAME,
            mod.FILE,
            ctx.t("groesste.title"),
            [ctx.table("groesste", rows, ctx.t("groesste.title"))],
        )

    mod.analyse, mod.render = analyse, render
    add_texts({"groesste.title": {"de": "Die größten Gebiete", "en": "The largest areas"}})
    register_chapter(mod)
    try:
        _tiny_city(tmp_path)
        cfg = tmp_path / "b.yaml"
        cfg.write_text(
            "data: stadt.yaml\nindicators: [auslaenderanteil]\n"
            "chapters: [overview, groesste]\ngroesste: {n: 2}\n",
            encoding="utf-8",
        )
        Sozialbericht.from_yaml(cfg).build(tmp_path / "out")
        text = (tmp_path / "out" / "groesste.html").read_text(encoding="utf-8")
        assert "Die größten Gebiete" in text
        assert "0208" in text
    finally:
        REGISTRY.pop("groesste")


def test_message_catalogue_has_both_languages_with_the_same_placeholders():
    from sozplan.report._text import catalogue, placeholders

    cat = catalogue()
    assert len(cat) > 200
    for key, langs in cat.items():
        assert set(langs) == {"de", "en"}, key
        assert placeholders(langs["de"]) == placeholders(langs["en"]), key
        assert langs["de"].strip()
        assert langs["en"].strip(), key


# German words that must not appear in the English report and English ones that must not
# appear in the German one (whole words; proper names of the data are removed first).
_GERMAN = {
    "und",
    "der",
    "die",
    "das",
    "nicht",
    "Tabelle",
    "Gebiet",
    "Gebiete",
    "Kennzahl",
    "Einwohner",
    "Bezirk",
    "Stadt",
    "Hinweis",
    "übersprungen",
    "geheim",
    "Jahre",
}
_ENGLISH = {
    "the",
    "and",
    "of",
    "Table",
    "area",
    "areas",
    "skipped",
    "quantiles",
    "with",
    "not",
    "rated",
    "Note",
    "residents",
    "district",
}


def _visible_words(page: Path, names: set[str]) -> set[str]:
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<(ul|p)\b[^>]*lang=\"en\".*?</\1>", " ", text, flags=re.S)  # marked parts
    text = re.sub(r"<[^>]+>", " ", text)
    import html as _html

    text = _html.unescape(text)
    for n in sorted(names, key=len, reverse=True):
        text = text.replace(n, " ")
    return set(re.findall(r"[A-Za-zÄÖÜäöüß]+", text))


def _proper_names(report) -> set[str]:
    data = report.data
    names = {str(n) for n in data.areas.get("name", pd.Series(dtype=str)).dropna()}
    if data.districts is not None:
        names |= {str(n) for n in data.districts["name"].dropna()}
    names |= {
        data.attribution,
        data.city,
        report.config["title"],
        report.config["subtitle"],
        report.config["author"],
    }
    names |= {i.formula() for i in data.indicators}
    return {n for n in names if n}


def test_german_report_has_no_english(built):
    names = _proper_names(built["report"])
    for page in [*_pages(built["out"])[:40], built["out"] / "index.html"]:
        leak = _visible_words(page, names) & _ENGLISH
        assert not leak, (page.name, leak)


def test_english_report_has_no_german(tmp_path):
    cfg = load_config(None)
    cfg["language"] = "en"
    cfg["title"], cfg["subtitle"], cfg["author"] = "Social report", "", ""
    cfg["data"]["attribution"] = "Musterstadt (synthetic data of sozplan)"
    cfg["chapters"] = ["overview", "data_method", "indicators", "index", "profiles"]
    cfg["_parallel"] = False
    report = Sozialbericht(cfg)
    index = report.build(tmp_path / "en")
    names = _proper_names(report)
    pages = [
        index,
        tmp_path / "en" / "daten-und-methode.html",
        tmp_path / "en" / "kennzahlen.html",
        tmp_path / "en" / "sozialindex.html",
        tmp_path / "en" / "steckbriefe" / "010101.html",
    ]
    for page in pages:
        words = _visible_words(page, names)
        leak = words & _GERMAN
        assert not leak, (page.name, leak)
        text = re.sub(r"<[^>]+>", " ", page.read_text("utf-8"))
        assert not re.search(r"\b\d+,\d{1,2}\b", text), page  # no decimal comma


# ------------------------------------------------------------ real cities (acceptance)
EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
KOELN_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "koeln"


def _build_example(city: str, out: Path) -> Sozialbericht:
    cfg = load_config(EXAMPLES / city / "bericht.yaml")
    cfg["clusters"]["permutations"] = 99  # fast; the shipped value is for publication
    cfg["typology"]["n_bootstrap"] = 5
    report = Sozialbericht(cfg)
    report.build(out)
    return report


@pytest.fixture(scope="session")
def berlin_report(berlin_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("bericht_berlin")
    return _build_example("berlin", out), out


@pytest.fixture(scope="session")
def koeln_report(tmp_path_factory):
    if not (KOELN_DIR / "bevoelkerung.csv").exists():
        pytest.skip(f"Köln open data not found at {KOELN_DIR} (only in the project workspace)")
    out = tmp_path_factory.mktemp("bericht_koeln")
    return _build_example("koeln", out), out


@pytest.mark.berlin
@pytest.mark.slow
def test_berlin_report_gives_the_official_mss_classes(berlin_report, berlin_dir):
    report, out = berlin_report
    # the MSS data have one year: the projection page says why it is skipped
    assert set(report.skipped) == {"projection"}, report.skipped
    assert "zwei Jahre" in report.skipped["projection"]
    assert "zwei Jahre" in (out / "prognose.html").read_text(encoding="utf-8")
    idx = _csv(out / "tabellen" / "sozialindex.csv").set_index("ID")
    official = pd.read_csv(berlin_dir / "mss_2021_indizes.csv", dtype=str).set_index("PLR_ID")
    joined = official.join(idx, how="left")
    assert len(idx) == 542
    rated = joined[joined["KOM"] == "gültig"]
    assert len(rated) == 536
    assert (rated["SI_V"] == rated["Statusklasse"]).sum() == 536
    assert (rated["DI_V"] == rated["Dynamikklasse"]).sum() == 536
    unrated = joined[joined["KOM"] != "gültig"]
    assert len(unrated) == 6
    assert (unrated["Statusklasse"] == "ohne Zuordnung").all()
    for ident, row in unrated.iterrows():  # excluded with the published reason
        assert row["KOM"] in row["nicht bewertet, weil"], ident
    page = (out / "sozialindex.html").read_text(encoding="utf-8")
    assert "Nicht bewertete Gebiete" in page
    assert "ungültig (Ausreißer)" in page


@pytest.mark.berlin
@pytest.mark.slow
def test_berlin_district_names_on_maps_and_profiles(berlin_report, berlin_dir):
    report, out = berlin_report
    hierarchy = pd.read_csv(berlin_dir / "lor_2021_hierarchie.csv", dtype=str)
    assert sorted(report.data.districts["name"]) == sorted(hierarchy["Bezirk"].unique())
    assert len(report.data.districts) == 12
    text = (out / "steckbriefe" / "08100521.html").read_text(encoding="utf-8")
    assert "Bezirk Neukölln" in text
    assert "Bezirk Gropiusstadt" not in text
    listing = (out / "steckbriefe" / "index.html").read_text(encoding="utf-8")
    assert "Bezirk Reinickendorf" in listing
    assert "Märkisches Zentrum</h2>" not in listing


@pytest.mark.slow
def test_koeln_report_with_own_indicators_change_and_segregation(koeln_report):
    report, out = koeln_report
    assert report.skipped == {}, report.skipped
    data = report.data
    assert len(data.areas) == 86
    assert len(data.districts) == 9
    assert {"anteil_unter_18", "anteil_65_plus", "auslaenderanteil"} <= set(data.keys)
    assert data.years[0] == 2005
    assert data.year == 2012
    change = _csv(out / "tabellen" / "veraenderung.csv").set_index("ID")
    assert len(change) == 86
    assert any(c.startswith("Ausländeranteil") for c in change.columns)
    seg = _csv(out / "tabellen" / "segregation.csv")
    assert len(seg) == 7  # the seven foreign-origin groups of the description
    page = (out / "segregation.html").read_text(encoding="utf-8")
    assert "86 Gebiete der Ebene Stadtteil" in page
    assert "Offene Daten Köln, CC BY" in (out / "index.html").read_text(encoding="utf-8")


# ------------------------------------------------------------- axe-core (WCAG 2.1 AA)
def _axe_source() -> Path | None:
    """axe-core's axe.min.js: $SOZPLAN_AXE, or node_modules beside the project or global."""
    import os

    candidates = [os.environ.get("SOZPLAN_AXE", "")]
    root = Path(__file__).resolve().parents[1]
    candidates += [str(root / "node_modules" / "axe-core" / "axe.min.js")]
    npm = shutil.which("npm")
    if npm:
        try:
            groot = subprocess.run(
                [npm, "root", "-g"], capture_output=True, text=True, timeout=30, check=False
            ).stdout.strip()
            candidates.append(str(Path(groot) / "axe-core" / "axe.min.js"))
        except (OSError, subprocess.SubprocessError):
            pass
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def _axe_violations(out: Path, tmp_path: Path, n_profiles: int | None = None) -> dict:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on every page (or the first Steckbriefe)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    axe = _axe_source()
    if chromium is None or axe is None:
        pytest.skip("axe-core (npm) or chromium is not installed")
    pages = [p for p in _pages(out) if p.parent == out or p.name == "index.html"]
    pages += sorted((out / "steckbriefe").glob("*.html"))[:n_profiles]  # None: all
    rel = [p.relative_to(out).as_posix() for p in pages]
    shutil.copy(axe, out / "_axe.min.js")
    harness = out / "_axe.html"
    harness.write_text(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>axe</title></head>"
        "<body><pre id='result'>pending</pre><iframe id='f' width='1280' height='1000'></iframe>"
        f"<script>const pages = {json.dumps(rel)}; const res = {{}}; let i = 0;"
        "const f = document.getElementById('f');"
        "function next() { if (i >= pages.length) { document.getElementById('result')"
        ".textContent = JSON.stringify(res); return; } f.src = pages[i]; }"
        "f.onload = () => { const p = pages[i]; const d = f.contentDocument;"
        " const s = d.createElement('script');"
        " s.src = '../'.repeat(p.split('/').length - 1) + '_axe.min.js';"
        " s.onload = () => { f.contentWindow.axe.run(d, {runOnly: {type: 'tag', values:"
        " ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})"
        " .then(r => { res[p] = r.violations.map(v => [v.id, v.nodes.length,"
        " v.nodes.slice(0, 2).map(n => n.target.join(' '))]); i++; next(); })"
        " .catch(e => { res[p] = [['error', 0, [String(e)]]]; i++; next(); }); };"
        " d.head.appendChild(s); };"
        "next();</script></body></html>",
        encoding="utf-8",
    )
    cmd = [
        chromium,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={tmp_path / 'axe-profile'}",
        "--allow-file-access-from-files",
        "--virtual-time-budget=3000000",
        "--dump-dom",
        harness.as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1200, check=False)
    harness.unlink()
    (out / "_axe.min.js").unlink()
    match = re.search(r"<pre id=\"result\">(.*?)</pre>", proc.stdout, re.S)
    assert match, proc.stderr[-2000:]
    import html as _html

    result = json.loads(_html.unescape(match.group(1)))
    assert set(result) == set(rel), set(rel) - set(result)
    return {page: v for page, v in result.items() if v}


@pytest.mark.slow
def test_axe_finds_no_wcag_violation_musterstadt(built, tmp_path):
    assert _axe_violations(built["out"], tmp_path) == {}


@pytest.mark.berlin
@pytest.mark.slow
def test_axe_finds_no_wcag_violation_berlin(berlin_report, tmp_path):
    assert _axe_violations(berlin_report[1], tmp_path) == {}


@pytest.mark.slow
def test_axe_finds_no_wcag_violation_koeln(koeln_report, tmp_path):
    assert _axe_violations(koeln_report[1], tmp_path) == {}


def test_cli_builds_a_configuration_with_overrides(tmp_path, capsys):
    from sozplan.cli import main

    _tiny_city(tmp_path)
    (tmp_path / "bericht.yaml").write_text(_OWN, encoding="utf-8")
    code = main(
        [
            "report",
            "--config",
            str(tmp_path / "bericht.yaml"),
            "--out",
            str(tmp_path / "out"),
            "--quiet",
            "--set",
            "chapters=[overview, indicators]",
            "--set",
            "title=Kurzbericht",
        ]
    )
    assert code == 0
    assert "Kurzbericht" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert not (tmp_path / "out" / "sozialindex.html").exists()
    assert main(["report", "--config", str(tmp_path / "bericht.yaml"), "--set", "x.y=1"]) != 0
    assert "unbekannter Schlüssel 'x.y'" in capsys.readouterr().err


def test_linear_audit_with_rates_and_index_finds_no_determined_cell(built):
    """The attacker knows the totals, the rounded rates and the status index (affine in them)."""
    report = built["report"]
    audit = report.data.audit
    assert audit is not None
    assert (
        len(audit.cells) == report.data.suppression.n_primary + report.data.suppression.n_secondary
    )
    assert audit.n_determined == 0
    index_audit = report.results["index"].audit
    assert index_audit is not None
    assert any("index" in str(r) for r in index_audit.relations)
    assert index_audit.n_determined == 0
    text = (built["out"] / "sozialindex.html").read_text(encoding="utf-8")
    assert "findet 0 von" in text


@pytest.mark.slow
def test_linear_audit_real_cities(koeln_report):
    report, _out = koeln_report
    audit = report.data.audit
    assert audit is None or audit.n_determined == 0


def test_preset_whose_indicators_are_missing_is_a_configuration_error(tmp_path):
    """Issue 18: a preset the data cannot feed names file, line, key, what and the fix."""
    path = tmp_path / "bericht.yaml"
    path.write_text("title: Test\nindex:\n  preset: berlin_mss_2021\n", encoding="utf-8")
    cfg = load_config(path)
    cfg["chapters"] = ["index"]
    cfg["_parallel"] = False
    with pytest.raises(ConfigError, match=r"Zeile 3.*'index\.preset'.*S1, S3, S4.*Lösung"):
        Sozialbericht(cfg).build(tmp_path / "out")
