"""Tests of sozplan.city: the city description (CitySpec) and the loader (load_city)."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from sozplan.city import CityError, CitySpec, load_city
from sozplan.city._spec import format_expr, parse_expr
from sozplan.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
KOELN = ROOT / "docs" / "examples" / "koeln" / "stadt.yaml"
BERLIN = ROOT / "docs" / "examples" / "berlin" / "stadt.yaml"


# ----------------------------------------------------------------- a small hand-made city
@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """Four areas 101, 102, 201, 202 in two districts; a wide and a long table."""
    geo = gpd.GeoDataFrame(
        {"ID": ["101", "102", "201", "202"], "NAME": ["Nord", "Ost", "Süd", "West"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2)],
        crs="EPSG:25832",
    )
    geo.to_file(tmp_path / "gebiete.gpkg", layer="gebiete", driver="GPKG")
    (tmp_path / "zahlen.csv").write_text(
        "ID;Jahr;EW;U18;AB18\n"
        "101;2023;100;20;80\n102;2023;50;10;40\n201;2023;30;5;25\n202;2023;20;4;16\n"
        "101;2024;110;22;88\n102;2024;55;11;44\n201;2024;33;6;27\n202;2024;22;4;18\n"
        "999;2024;1;1;0\n",
        encoding="utf-8",
    )
    # long: city (0) and district rows (01, 02) beside the areas
    rows = ["raum,jahr,merkmal,zahl"]
    values = {"101": (100, 20), "102": (50, 10), "201": (30, 5), "202": (20, 4)}
    sums = {"01": (150, 30), "02": (50, 9), "00": (200, 39)}
    for rid, (ew, u18) in {**values, **sums}.items():
        rows += [f"{rid},2023,Einwohner,{ew}", f"{rid},2023,unter 18,{u18}"]
    (tmp_path / "lang.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path


WIDE = """\
sozplan: city/1
name: Kleinstadt
levels:
  - {key: gebiet, label: Gebiet, id_length: 3}
  - {key: bezirk, label: Bezirk, id_length: 2, parent: {prefix: 1, pad: 2},
     names: {mapping: {"01": Bezirk Eins, "02": Bezirk Zwei}}}
geometry: {file: gebiete.gpkg, layer: gebiete, id: ID, name: NAME}
tables:
  - {file: zahlen.csv, id: ID, year: Jahr}
columns:
  einwohner: {from: EW}
  unter_18: {from: U18}
  ab_18: {from: AB18}
  erwachsene_minus_kinder: {expr: ab_18 - unter_18}
population: einwohner
roles:
  age_bands: {unter_18: [0, 18], ab_18: [18, null]}
"""

LONG = """\
sozplan: city/1
name: Kleinstadt lang
levels:
  - {key: gebiet, label: Gebiet, id_length: 3}
  - {key: bezirk, label: Bezirk, parent: {prefix: 1, pad: 2}}
geometry: {file: gebiete.gpkg, id: ID}
tables:
  - file: lang.csv
    layout: long
    id: raum
    year: jahr
    category: merkmal
    value: zahl
    aggregate_rows: {"00": city}
columns:
  einwohner: {from: [Einwohner]}
  unter_18: {from: [unter 18]}
population: einwohner
"""


def write(folder: Path, text: str, name: str = "stadt.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_wide_table_loads_smallest_level(tiny):
    city = load_city(write(tiny, WIDE), year=2024)
    df = city.data
    assert list(df.index) == ["101", "102", "201", "202"]
    assert df.index.name == "gebiet"
    # hand-written: 110 + 55 + 33 + 22 = 220
    assert df["einwohner"].sum() == 220
    assert df.loc["201", "name"] == "Süd"
    assert df.loc["201", "bezirk"] == "02"
    assert df.loc["101", "erwachsene_minus_kinder"] == 88 - 22
    assert isinstance(df, gpd.GeoDataFrame)
    assert df.crs.to_epsg() == 25832
    # id 999 is neither an area nor an aggregate row: listed, not dropped silently
    assert city.report.without_geometry == {"zahlen.csv": ("999",)}


def test_counts_are_summed_up_the_hierarchy(tiny):
    city = load_city(write(tiny, WIDE), level="bezirk", year=2023)
    df = city.data
    # 01 = 101 + 102 = 100 + 50; 02 = 201 + 202 = 30 + 20
    assert df["einwohner"].to_dict() == {"01": 150, "02": 50}
    assert df.loc["02", "name"] == "Bezirk Zwei"
    assert df.loc["01", "geometry"].area == pytest.approx(2.0)


def test_all_years_give_a_long_table(tiny):
    df = load_city(write(tiny, WIDE)).data
    assert df.index.names == ["gebiet", "jahr"]
    assert len(df) == 8


def test_long_table_and_aggregate_rows(tiny):
    city = load_city(write(tiny, LONG), year=2023)
    assert city.data["einwohner"].sum() == 200
    # the district rows 01/02 are recognised as aggregate rows of the level bezirk
    # (ids of a larger level), the city row 00 by the declared pattern
    assert city.report.aggregate_rows == {"city": 1, "bezirk": 2}
    assert city.report.check_sums_ok
    cs = city.report.check_sums
    assert set(cs["level"]) == {"city", "bezirk"}
    assert len(cs) == 6
    bezirke = load_city(write(tiny, LONG), level="bezirk", year=2023).data
    assert "name" not in bezirke.columns  # nothing names them: nothing invented
    with pytest.raises(CityError, match=r"key `levels\[1\].names`: .*no table declares"):
        CitySpec.from_yaml(LONG.replace("pad: 2}}", "pad: 2}, names: {tables: true}}"))


def test_check_sums_report_a_difference(tiny):
    text = (
        (tiny / "lang.csv").read_text().replace("00,2023,Einwohner,200", "00,2023,Einwohner,201")
    )
    (tiny / "lang.csv").write_text(text)
    city = load_city(write(tiny, LONG), year=2023)
    assert not city.report.check_sums_ok
    bad = city.report.to_frame().query("kind == 'check_sum'")
    assert len(bad) == 1
    assert "published 201, summed 200" in bad["detail"].iloc[0]


def test_missing_geometry_rows_are_listed(tiny):
    text = "\n".join(
        line
        for line in (tiny / "zahlen.csv").read_text().splitlines()
        if not line.startswith("202")
    )
    (tiny / "zahlen.csv").write_text(text + "\n")
    city = load_city(write(tiny, WIDE), year=2024)
    assert city.report.without_statistics == ("202",)
    assert np.isnan(city.data.loc["202", "einwohner"])


# ----------------------------------------------------------------- description
def test_round_trip_and_hash(tiny):
    spec = CitySpec.from_yaml(write(tiny, WIDE))
    again = CitySpec.from_yaml(spec.to_yaml())
    assert again == spec
    assert again.hash == spec.hash
    assert CitySpec.from_yaml(WIDE.replace("Kleinstadt", "Großstadt")).hash != spec.hash
    assert "Kleinstadt" in repr(spec)
    assert spec.hash in spec._repr_html_()


def test_spec_is_frozen(tiny):
    spec = CitySpec.from_yaml(write(tiny, WIDE))
    with pytest.raises(AttributeError):
        spec.name = "x"
    with pytest.raises(TypeError):
        spec.columns["neu"] = None
    with pytest.raises(TypeError):
        spec.roles["age_bands"]["unter_18"] = (0, 17)


def test_rules_from_roles(tiny):
    spec = CitySpec.from_yaml(write(tiny, WIDE))
    assert spec.sum_rules() == [("einwohner", ("unter_18", "ab_18"), 0.0)]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([1, -1]), st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
        ),
        min_size=1,
        max_size=5,
    )
)
def test_expressions_round_trip(terms):
    assert parse_expr(format_expr(terms), None) == terms


@pytest.mark.parametrize("text", ["a * b", "a + ", "a b", "__import__('os')", "a + 2"])
def test_expressions_refuse_anything_but_sums(text):
    def error(what, fix):
        return InputError(what)

    with pytest.raises(InputError, match="not a sum or difference"):
        parse_expr(text, error)


# ----------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("old", "new", "line", "key", "what"),
    [
        ("population: einwohner", "population: ew", 15, "population", "not a key of `columns`"),
        ("sozplan: city/1", "sozplan: city/9", 1, "sozplan", "this version reads"),
        (
            "  ab_18: {from: AB18}\n",
            "  ab_18: {from: AB18}\n  x: {form: Y}\n",
            14,
            "columns.x.form",
            "unknown key `form`",
        ),
        ("ab_18: [18, null]", "ab_18: [19, null]", 17, "roles.age_bands.ab_18", "gap at age 18"),
        ("ab_18: [18, null]", "ab_18: [18, 80]", 17, "roles.age_bands", "do not cover all ages"),
        (
            "{expr: ab_18 - unter_18}",
            "{expr: ab_18 * 2}",
            14,
            "columns.erwachsene_minus_kinder.expr",
            "not a sum or difference",
        ),
        ("parent: {prefix: 1, pad: 2}", "parent: {}", 5, "levels[1].parent", "exactly one way"),
    ],
)
def test_description_errors_name_line_and_key(tiny, old, new, line, key, what):
    assert old in WIDE
    path = write(tiny, WIDE.replace(old, new))
    with pytest.raises(CityError) as info:
        CitySpec.from_yaml(path)
    message = str(info.value)
    assert f"line {line}, key `{key}`" in message, message
    assert what in message
    assert "Fix:" in message
    assert str(path) in message


@pytest.mark.parametrize(
    ("old", "new", "key", "what"),
    [
        ("{from: AB18}", "{from: AB_18}", "columns.ab_18.from", "did you mean 'AB18'"),
        ("id: ID, name: NAME", "id: KEY, name: NAME", "geometry.id", "names the column 'KEY'"),
        ("year: Jahr", "year: Jahre", "tables[0].year", "names the column 'Jahre'"),
        ("file: zahlen.csv", "file: fehlt.csv", "tables[0].file", "does not exist"),
    ],
)
def test_load_errors_name_the_key(tiny, old, new, key, what):
    path = write(tiny, WIDE.replace(old, new))
    with pytest.raises(InputError) as info:
        load_city(path, year=2024)
    message = str(info.value)
    assert f"key `{key}`" in message, message
    assert what in message, message
    assert "Fix:" in message


def test_a_category_matching_nothing(tiny):
    path = write(tiny, LONG.replace("[unter 18]", "[unter 17]"))
    with pytest.raises(InputError, match=r"line 17, key `columns.unter_18.from`.*unter 18"):
        load_city(path)


def test_duplicated_ids(tiny):
    with open(tiny / "zahlen.csv", "a", encoding="utf-8") as f:
        f.write("101;2024;1;1;0\n")
    with pytest.raises(InputError, match=r"key `tables\[0\].id`: .*duplicated id.*'101'"):
        load_city(write(tiny, WIDE))


def test_duplicated_geometry_ids(tiny):
    geo = gpd.read_file(tiny / "gebiete.gpkg")
    geo.loc[3, "ID"] = "201"
    geo.to_file(tiny / "gebiete.gpkg", layer="gebiete", driver="GPKG")
    with pytest.raises(InputError, match=r"key `geometry.id`: ids occur more than once.*'201'"):
        load_city(write(tiny, WIDE))


def test_hierarchy_that_does_not_nest(tiny):
    text = WIDE.replace(
        "  - {key: bezirk,",
        "  - {key: zone, label: Zone, parent: {column: ZONE}}\n  - {key: bezirk,",
    )
    geo = gpd.read_file(tiny / "gebiete.gpkg")
    geo["ZONE"] = ["A", "B", "B", "B"]  # zone B lies in both districts
    geo.to_file(tiny / "gebiete.gpkg", layer="gebiete", driver="GPKG")
    with pytest.raises(
        InputError, match=r"does not nest: zone 'B' lie\(s\) in more than one bezirk"
    ):
        load_city(write(tiny, text))


def test_mixed_years(tiny):
    # one file per year, but a file holds two years: refused
    text = WIDE.replace(
        "- {file: zahlen.csv, id: ID, year: Jahr}", "- {files: [zahlen.csv, zahlen.csv], id: ID}"
    )
    csv = (tiny / "zahlen.csv").read_text().replace("ID;Jahr;", "ID;J;")
    (tiny / "zahlen.csv").write_text(csv)
    with pytest.raises(InputError, match=r"key `tables\[0\].id`"):
        load_city(write(tiny, text.replace("id: ID}", "id: ID, year: 2024}")))


def test_a_year_no_table_holds(tiny):
    with pytest.raises(InputError, match=r"`year` is 2019, which no table holds.*2023, 2024"):
        load_city(write(tiny, WIDE), year=2019)


def test_unknown_level(tiny):
    with pytest.raises(InputError, match="did you mean 'bezirk'"):
        load_city(write(tiny, WIDE), level="bezirke")


# ----------------------------------------------------------------- geometry quirks
def test_invalid_polygon_repaired_and_crs_without_epsg(tiny):
    geo = gpd.read_file(tiny / "gebiete.gpkg")
    bow = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])  # a bow tie: invalid
    geo.loc[0, "geometry"] = bow
    utm_shifted = (
        "+proj=tmerc +lat_0=0 +lon_0=9 +k=0.9996 +x_0=2500000 +y_0=0 +datum=WGS84 +units=m"
    )
    geo = geo.set_crs(utm_shifted, allow_override=True)
    geo.to_file(tiny / "gebiete.gpkg", layer="gebiete", driver="GPKG")
    city = load_city(write(tiny, WIDE), year=2024)
    assert city.report.repaired == ("101",)
    assert city.data.geometry.is_valid.all()
    assert "projected CRS without EPSG code accepted" in city.report.crs
    assert city.data.crs.is_projected


# ----------------------------------------------------------------- Musterstadt
# Fingerprints of load_musterstadt as it was before it became one use of load_city
# (commit ba81147): values, index, dtypes and geometry, byte for byte.
MUSTERSTADT = [
    ("block", 2024, "593fb3ddb51e9f7c"),
    ("block", "all", "24bf00c7cfd6168b"),
    ("planning_area", 2024, "b863eae3c0db95d1"),
    ("planning_area", "all", "9ffd96acf25ec689"),
    ("district_region", 2024, "07751c248a60d581"),
    ("district_region", "all", "88db11ff5479b99b"),
    ("district", 2024, "e8794997c347bc83"),
    ("district", "all", "37c2582321cdfd17"),
]


def _fingerprint(d: gpd.GeoDataFrame) -> str:
    h = hashlib.sha256()
    values = pd.DataFrame(d.drop(columns="geometry"))
    h.update(pd.util.hash_pandas_object(values, index=True).to_numpy().tobytes())
    h.update(b"".join(d.geometry.to_wkb()))
    idx = [str(d.index.get_level_values(i).dtype) for i in range(d.index.nlevels)]
    meta = (list(d.columns), [str(t) for t in d.dtypes], list(d.index.names), idx)
    h.update(repr((*meta, str(d.crs.to_epsg()))).encode())
    return h.hexdigest()[:16]


@pytest.mark.parametrize(("level", "year", "expected"), MUSTERSTADT)
def test_load_musterstadt_unchanged(level, year, expected):
    from sozplan.datasets import load_musterstadt

    assert _fingerprint(load_musterstadt(level, year)) == expected


def test_musterstadt_description_and_load_city_agree():
    from sozplan.datasets import load_musterstadt, musterstadt_description

    spec = musterstadt_description()
    city = load_city(spec, level="planungsraum", year=2024)
    pd.testing.assert_frame_equal(
        pd.DataFrame(city.data).drop(columns="geometry"),
        pd.DataFrame(load_musterstadt("planning_area", 2024)).drop(columns="geometry"),
    )
    assert city.report.without_statistics == ()
    assert not city.report.without_geometry
    bands = list(spec.roles["age_bands"])
    assert (city.data[bands].sum(axis=1) == city.data[spec.population]).all()


def test_no_module_names_a_musterstadt_column_in_the_city_package():
    src = ROOT / "src" / "sozplan" / "city"
    text = "".join(p.read_text(encoding="utf-8") for p in src.glob("*.py"))
    for column in (
        "einwohner_0_5",
        "sgb2_leistungsberechtigte",
        "auslaender_asyl",
        "planungsraum",
    ):
        assert column not in text


# ----------------------------------------------------------------- real cities
@pytest.fixture(scope="module")
def koeln():
    if not (SHARED / "koeln" / "bevoelkerung.csv").exists():
        pytest.skip(
            f"Köln open data not found at {SHARED / 'koeln'} (only in the project workspace)"
        )
    return load_city(KOELN)


def test_koeln_2012(koeln):
    # Stadt Köln, Offene Daten Köln (CC BY): 1,044,555 residents on 31.12.2012
    city = load_city(KOELN, year=2012)
    df = city.data
    assert len(df) == 86
    assert df["stadtbezirk"].nunique() == 9
    assert df["einwohner"].sum() == 1_044_555
    assert city.report.repaired
    assert "without EPSG" in city.report.crs
    assert not city.report.without_statistics
    assert not city.report.without_geometry
    bezirke = load_city(KOELN, level="stadtbezirk", year=2012).data
    assert len(bezirke) == 9
    assert bezirke.loc["001", "name"] == "Innenstadt"
    assert bezirke["einwohner"].sum() == 1_044_555


def test_koeln_age_bands_and_check_sums_every_year(koeln):
    df, spec = koeln.data, koeln.spec
    assert sorted(set(df.index.get_level_values("jahr"))) == list(range(2005, 2013))
    bands = list(spec.roles["age_bands"])
    assert len(bands) == 13
    assert (df[bands].sum(axis=1) == df["einwohner"]).all()  # every area and year
    cs = koeln.report.check_sums
    # the city row and the 9 Stadtbezirk rows, every count, every year
    assert set(cs["level"]) == {"city", "stadtbezirk"}
    assert cs.groupby("level")["id"].nunique().to_dict() == {"city": 1, "stadtbezirk": 9}
    assert koeln.report.check_sums_ok


@pytest.fixture(scope="module")
def berlin():
    if not (SHARED / "berlin" / "mss_2021_index_indikatoren.csv").exists():
        pytest.skip(
            f"Berlin open data not found at {SHARED / 'berlin'} (only in the project workspace)"
        )
    return BERLIN


def test_berlin_mss(berlin):
    city = load_city(berlin, year=2020)
    df = city.data
    assert len(df) == 542
    assert df.index.name == "planungsraum"
    # six PLR are not rated by the MSS 2021 (KOM != gültig); their -9999 are missing
    assert len(city.report.excluded) == 6
    assert df.loc[list(city.report.excluded), "s1_arbeitslosigkeit"].isna().all()
    assert city.report.sentinels["s1_arbeitslosigkeit"] == 6
    assert (df["s1_arbeitslosigkeit"].dropna() >= 0).all()
    assert "not available for 2020" in " ".join(city.report.notes)


def test_berlin_residents_and_bezirk_names(berlin):
    city = load_city(berlin, level="bezirk", year=2022)
    df = city.data
    assert len(df) == 12
    # the 12 Bezirke of Berlin (Bezirksverwaltungsgesetz, Anlage zu § 1)
    assert df.loc["01", "name"] == "Mitte"
    assert df.loc["12", "name"] == "Reinickendorf"
    assert df.loc["04", "name"] == "Charlottenburg-Wilmersdorf"
    plr = load_city(berlin, year=2022).data
    assert df["einwohner"].sum() == plr["einwohner"].sum()
    bands = list(city.spec.roles["age_bands"])
    assert (plr[bands].sum(axis=1) == plr["einwohner"]).all()


def test_koeln_validation_names_both_rules_as_checked(koeln):
    from sozplan.validation import validate

    report = validate(
        koeln.data, rules=koeln.validation_rules(), year="jahr", population="einwohner"
    )
    rules = report.checked().query("kind == 'rule'").set_index("name")["checked"]
    bands = next(n for n in rules.index if n.startswith("einwohner_0_3 +"))
    assert rules[bands]  # the age bands sum to the residents
    assert rules[next(n for n in rules.index if "Zeilen Stadtbezirk" in n)]
    assert rules[next(n for n in rules.index if "Zeilen Stadt (" in n)]
    assert report.ok


def test_musterstadt_rules_come_from_its_description():
    from sozplan.datasets import musterstadt_description, musterstadt_rules

    assert set(musterstadt_description().validation_rules()) == set(musterstadt_rules())


# ----------------------------------------------------------------- init
def test_init_writes_a_description_that_loads(tiny):
    from sozplan.city import init

    out = tiny / "entwurf.yaml"
    text = init(tiny / "gebiete.gpkg", tiny / "lang.csv", out=out, language="en", name="Klein")
    assert "Join: 4 of 4 areas of the geometry found (100%)" in text
    assert "layout: long" in text
    assert "category: [merkmal]" in text
    assert '"00": city' in text  # '00' is all zeros: the city row
    assert "population: einwohner" in text
    city = load_city(out, year=2023)
    assert city.data["einwohner"].sum() == 200
    assert city.report.check_sums_ok
    german = init(tiny / "gebiete.gpkg", tiny / "zahlen.csv")
    assert "Verknüpfung: 4 von 4 Gebieten" in german
    assert "Schlüssel ohne Geometrie" in german
    assert "'999'" in german  # the unmatched id is named


def test_init_refuses_unrelated_files(tiny):
    from sozplan.city import init

    (tiny / "fremd.csv").write_text("X;Y\nA;1\nB;2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no column of .* holds ids of the geometry"):
        init(tiny / "gebiete.gpkg", tiny / "fremd.csv")


def test_parents_by_spatial_join(tiny):
    # two district polygons: x < 1 is district "W", x > 1 is district "O"
    districts = gpd.GeoDataFrame(
        {"BEZ": ["W", "O"]}, geometry=[box(0, 0, 1, 2), box(1, 0, 2, 2)], crs="EPSG:25832"
    )
    districts.to_file(tiny / "bezirke.gpkg", driver="GPKG")
    text = WIDE.replace(
        'parent: {prefix: 1, pad: 2},\n     names: {mapping: {"01": Bezirk Eins, "02": Bezirk Zwei}}',
        "parent: {spatial: {file: bezirke.gpkg, id: BEZ}}",
    ).replace("id_length: 2, ", "")
    city = load_city(write(tiny, text), level="bezirk", year=2024)
    # W = 101 + 201 = 110 + 33; O = 102 + 202 = 55 + 22
    assert city.data["einwohner"].to_dict() == {"O": 77, "W": 143}


# ----------------------------------------------------------------- init: the hierarchy guess
def _counted(parents: dict[str, int], fmt: str = "{p}{c:02d}") -> list[str]:
    """Ids of areas numbered 1..n within each parent (n = parents[p])."""
    return [fmt.format(p=p, c=c) for p, n in parents.items() for c in range(1, n + 1)]


# Hamburg: Stadtteil ids "101".."720": Bezirk 1 digit, Stadtteil 2 digits counted per
# Bezirk (Hamburg-Mitte 101-112 ..., numbers of Stadtteile per Bezirk as in Hamburg)
HAMBURG = _counted({"1": 12, "2": 14, "3": 9, "4": 17, "5": 16, "6": 20, "7": 16})
# Munich: Stadtbezirk 01-25 and Bezirksteil (1 digit): "011", "012", ... "255"
MUNICH = _counted({f"{b:02d}": 2 + b % 5 for b in range(1, 26)}, "{p}{c}")
# Munich blocks: Stadtbezirk (2) + Bezirksteil (1) + block (3 digits, counted per Bezirksteil)
MUNICH_BLOCKS = _counted(
    {f"{b:02d}{t}": 3 + (b * t) % 28 for b in range(1, 26) for t in (1, 2, 3)}, "{p}{c:03d}"
)
# Köln: Stadtteil "101".."909", Stadtbezirk 1 digit (Stadtteile per Stadtbezirk as in Köln)
KOELN_IDS = _counted(dict(zip("123456789", [8, 13, 13, 10, 6, 7, 9, 11, 9], strict=True)))
# AGS of the Gemeinden of Schleswig-Holstein: Land 01, Regierungsbezirk 0, Kreis (the
# real Kreis codes: 4 kreisfreie Städte with Gemeinde 000, 11 Kreise), Gemeinde 3 digits
SH_KREISE = ["001", "002", "003", "004", *(f"0{k}" for k in range(51, 63) if k != 52)]
SH_AGS = [f"01{k}000" for k in SH_KREISE[:4]] + _counted(
    {f"01{k}": 20 + int(k) % 7 * 15 for k in SH_KREISE[4:]}, "{p}{c:03d}"
)


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (HAMBURG, [(1, 7)]),
        (MUNICH, [(2, 25)]),
        (MUNICH_BLOCKS, [(3, 75), (2, 25)]),
        (KOELN_IDS, [(1, 9)]),
        (SH_AGS, [(5, 15)]),  # the Kreise; Land and Regierungsbezirk are one value
    ],
    ids=["hamburg", "munich", "munich-blocks", "koeln", "ags-schleswig-holstein"],
)
def test_prefix_levels_of_other_key_schemes(ids, expected):
    from sozplan.city._init import _prefix_levels

    assert _prefix_levels(ids) == expected


def test_prefix_levels_need_several_children_and_a_column_confirms():
    from sozplan.city._init import _prefix_levels

    # every first digit is its own parent with one child: no level
    assert _prefix_levels(["11", "21", "31", "41", "52", "62"]) == []
    # three of four parents with a single child: no level
    assert _prefix_levels(["11", "12", "13", "21", "31", "41", "51", "61", "71"]) == []
    # "a0", "b0": the first character alone groups 2 + 2; a column naming them confirms
    ids = ["a01", "a02", "a03", "b01", "b02", "b03"]
    assert _prefix_levels(ids) == [(1, 2)]
    assert _prefix_levels(ids, [pd.Series(["X", "X", "X", "Y", "Y", "Y"])]) == [(1, 2)]


@pytest.mark.berlin
def test_init_guesses_berlin_lor_levels(berlin_dir):
    # Planungsraum 8 digits: Bezirksregion = first 6, Prognoseraum = first 4, Bezirk = 2
    from sozplan.city import init

    text = init(
        berlin_dir / "lor_planungsraeume_2021.gpkg", berlin_dir / "einwohner_plr_2022-06.csv"
    )
    prefixes = [int(k) for k in __import__("re").findall(r"parent: \{prefix: (\d+)", text)]
    assert prefixes == [6, 4, 2]
    assert "die ersten 6 Zeichen des Schlüssels ergeben 143 größere Gebiete" in text
    assert "die ersten 4 Zeichen des Schlüssels ergeben 58 größere Gebiete" in text
    assert "die ersten 2 Zeichen des Schlüssels ergeben 12 größere Gebiete" in text


def test_load_report_and_init_in_german_and_english(tiny):
    from sozplan.city import init

    city = load_city(write(tiny, WIDE), level="bezirk", year=2024)
    de, en = city.report.summary(), city.report.summary("en")
    assert de.startswith("Kleinstadt: 2 Gebiete der Ebene 'bezirk', Jahr 2024")
    assert en.startswith("Kleinstadt: 2 areas at level 'bezirk', year 2024")
    assert len(de.splitlines()) == len(en.splitlines())  # the same lines in both languages
    assert "Koordinatenbezugssystem: EPSG:25832" in de
    assert "1 id(s) of zahlen.csv without geometry: '999'" in en
    assert "1 Schlüssel in zahlen.csv ohne Geometrie: '999'" in de
    assert set(city.report.to_frame("de")["kind"]) == set(city.report.to_frame()["kind"])
    with pytest.raises(InputError, match=r"LoadReport\.summary"):
        city.report.summary("fr")
    german = init(tiny / "gebiete.gpkg", tiny / "zahlen.csv")
    english = init(tiny / "gebiete.gpkg", tiny / "zahlen.csv", language="en")
    comments = [ln for ln in german.splitlines() if ln.lstrip().startswith("#")]
    assert len(comments) == len([ln for ln in english.splitlines() if ln.lstrip().startswith("#")])
