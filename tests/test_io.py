"""Tests of sozplan.io: German statistics files (DIN 55301 signs, formats, encodings).

Expected values are read off the hand-written fixtures in tests/data/io/ (each file
is a few lines; the expected numbers below are the cells written there) and, for
the real Berlin file, read independently with the csv module.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sozplan.errors import DataQualityWarning, InputError
from sozplan.io import SIGNS, STATUS_CODES, StatistikTable, read_statistik, write_statistik

DATA = Path(__file__).parent / "data" / "io"
NAN = float("nan")

# The cells of the three fixtures, row by row (same numbers in all GENESIS files).
GENESIS_KEYS = ["01001", "01002", "01003", "01004", "01051", "01053", "01054"]
GENESIS_VALUES = {
    # column: [(value, status), ...] as written in genesis_de.csv / genesis_en.csv
    "total": [
        (92550, "ok"),
        (247717, "ok"),
        (218095, "ok"),
        (80196, "ok"),
        (133447, "ok"),
        (203606, "ok"),
        (NAN, "missing"),
    ],
    "foreigners": [
        (12034, "ok"),
        (35120, "ok"),
        (0, "zero"),
        (NAN, "suppressed"),
        (NAN, "not_applicable"),
        (9876, "ok"),
        (1234567, "ok"),
    ],
    "share": [
        (13.0, "ok"),
        (14.2, "ok"),
        (0.0, "rounded_zero"),
        (NAN, "suppressed"),
        (NAN, "pending"),
        (4.9, "revised"),
        (12.25, "ok"),
    ],
    "change": [
        (0.8, "ok"),
        (-0.3, "ok"),
        (1.2, "limited"),
        (NAN, "unreliable"),
        (2.1, "provisional"),
        (0.5, "estimated"),
        (NAN, "missing"),
    ],
}


def assert_cells(table: StatistikTable, column: str, expected: list[tuple[float, str]]) -> None:
    values = table.values[column].to_numpy(dtype=float)
    np.testing.assert_array_equal(values, [v for v, _ in expected])
    assert list(table.status[column].astype(str)) == [s for _, s in expected]


def read(text: str, **kwargs) -> StatistikTable:
    return read_statistik(io.StringIO(text), **kwargs)


# --------------------------------------------------------------------------- fixtures


def test_genesis_german_fixture():
    t = read_statistik(DATA / "genesis_de.csv")
    assert t.meta["encoding"] == "utf-8-sig"
    assert (t.meta["separator"], t.meta["decimal"], t.meta["thousands"]) == (";", ",", ".")
    assert t.key_columns == ("Schlüssel",)
    assert list(t.values["Schlüssel"]) == GENESIS_KEYS
    assert t.values["Kreis"].iloc[1] == "Kiel, Landeshauptstadt, kreisfreie Stadt"
    cols = ["Insgesamt", "Ausländer", "Anteil Ausländer (%)", "Veränderung (%)"]
    for col, key in zip(cols, GENESIS_VALUES, strict=True):
        assert_cells(t, col, GENESIS_VALUES[key])
    assert t.meta["header_line"] == 7
    assert t.meta["source_title"] == "GENESIS-Tabelle: 12411-0015"
    assert len(t.meta["header_lines"]) == 5
    assert t.meta["footer_lines"][-1].startswith("© Statistisches Bundesamt")
    assert t.meta["text_columns"] == ("Kreis",)
    assert t.warnings == ()


def test_genesis_english_fixture_equals_german():
    de = read_statistik(DATA / "genesis_de.csv")
    en = read_statistik(DATA / "genesis_en.csv")
    assert en.meta["encoding"] == "utf-8"
    assert (en.meta["separator"], en.meta["decimal"], en.meta["thousands"]) == (";", ".", ",")
    cols = ["Total", "Foreigners", "Share of foreigners (%)", "Change (%)"]
    for col, key in zip(cols, GENESIS_VALUES, strict=True):
        assert_cells(en, col, GENESIS_VALUES[key])
    # a bare "." in an English file is the secrecy sign, not a number
    assert en.status["Foreigners"].iloc[3] == "suppressed"
    np.testing.assert_array_equal(
        de.values.iloc[:, 2:].to_numpy(), en.values.iloc[:, 2:].to_numpy()
    )
    np.testing.assert_array_equal(de.status.to_numpy(), en.status.to_numpy())
    assert list(en.values["Key"]) == GENESIS_KEYS


def test_cp1252_web_export_fixture():
    t = read_statistik(DATA / "web_export_cp1252.csv")
    assert t.meta["encoding"] == "cp1252"
    assert t.key_columns == ("Planungsraum-ID",)
    ids = list(t.values["Planungsraum-ID"])
    assert ids[0] == "01100101"
    assert all(len(i) == 8 for i in ids)
    assert "Treptow-Köpenick" in set(t.values["Bezirk"])
    assert t.values["Planungsraum"].iloc[3] == "Müggelheim"
    assert_cells(
        t,
        "Einwohner",
        [
            (3503, "ok"),
            (1996, "ok"),
            (0, "zero"),
            (6123, "ok"),
            (NAN, "suppressed"),
            (15645, "ok"),
            (10650, "revised"),
            (4850, "ok"),
        ],
    )  # row 3: the en dash "–" (byte 0x96) as typeset tables print the zero sign
    # the footnote marker "¹)" leaves the name and is kept in meta
    assert t.meta["column_notes"] == {"Ausländer": "¹)"}
    assert_cells(
        t,
        "Ausländer",
        [
            (1509, "ok"),
            (1065, "ok"),
            (0, "zero"),
            (0, "rounded_zero"),
            (NAN, "suppressed"),
            (3905, "provisional"),
            (3286, "estimated"),
            (NAN, "missing"),
        ],
    )
    assert_cells(
        t,
        "Anteil unter 18 in %",
        [
            (9.7, "ok"),
            (11.7, "ok"),
            (NAN, "not_applicable"),
            (15.4, "limited"),
            (NAN, "unreliable"),
            (NAN, "pending"),
            (NAN, "pending"),
            (12.0, "ok"),
        ],
    )  # "…" (byte 0x85) and "..." are both "pending"
    assert t.meta["header_lines"] == (
        "Statistischer Bericht A I 16 - hj 1 / 23",
        "Einwohnerinnen und Einwohner im Land Berlin am 30. Juni 2023 nach Planungsräumen",
    )
    assert t.meta["footer_lines"][0] == "Quelle: Amt für Statistik Berlin-Brandenburg"
    assert t.meta["footer_lines"][1].startswith("© Amt für Statistik")
    assert t.meta["footer_lines"][3] == (
        "Zeichenerklärung: – nichts vorhanden; . Zahlenwert unbekannt oder geheim zu halten"
    )


@pytest.mark.parametrize("name", ["genesis_de.csv", "genesis_en.csv", "web_export_cp1252.csv"])
def test_fixtures_cover_every_sign(name):
    t = read_statistik(DATA / name)
    seen = set(t.status.to_numpy().ravel())
    assert seen >= set(STATUS_CODES) - {"invalid"}


# --------------------------------------------------------------------------- signs

SIGN_CASES = [
    # cell (German), cell (English), value, status  -- DIN 55301 and STYLE.md section 7
    ("-", "-", 0.0, "zero"),
    ("–", "–", 0.0, "zero"),
    ("0", "0", 0.0, "rounded_zero"),
    ("0,0", "0.0", 0.0, "rounded_zero"),
    (".", ".", NAN, "suppressed"),
    ("·", "·", NAN, "suppressed"),
    ("/", "/", NAN, "unreliable"),
    ("x", "x", NAN, "not_applicable"),
    ("...", "...", NAN, "pending"),
    ("…", "…", NAN, "pending"),
    ("(12,3)", "(12.3)", 12.3, "limited"),
    ("(1.234,5)", "(1,234.5)", 1234.5, "limited"),
    ("12,3 p", "12.3 p", 12.3, "provisional"),
    ("12,3p", "12.3p", 12.3, "provisional"),
    ("1.234 r", "1,234 r", 1234.0, "revised"),
    ("7 s", "7 s", 7.0, "estimated"),
    ("", "", NAN, "missing"),
    ("-12,5", "-12.5", -12.5, "ok"),
    ("−3,5", "−3.5", -3.5, "ok"),
    ("1.234.567,89", "1,234,567.89", 1234567.89, "ok"),
    ("1 234,5", "1 234.5", 1234.5, "ok"),
    ("0,25", "0.25", 0.25, "ok"),
]


@pytest.mark.parametrize(("de", "en", "value", "status"), SIGN_CASES)
@pytest.mark.parametrize("language", ["de", "en"])
def test_every_sign(de, en, value, status, language):
    # a second numeric column fixes the decimal style, as in a real file
    anchor = "2,5" if language == "de" else "2.5"
    cell = de if language == "de" else en
    t = read(f"Kennziffer;Wert;Anker\n01;{cell};{anchor}\n02;1;{anchor}\n")
    assert t.meta["decimal"] == ("," if language == "de" else ".")
    got = t.values["Wert"].iloc[0]
    if math.isnan(value):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(value, rel=1e-15)
    assert t.status["Wert"].iloc[0] == status


def test_dash_is_never_missing():
    t = read("a;b\n-;-\n-;5\n")
    assert t.values.notna().all().all()
    assert (t.values["a"] == 0).all()
    assert t.values["a"].dtype == np.int64
    assert list(t.status["a"]) == ["zero", "zero"]


def test_signs_table_is_complete():
    assert set(SIGNS.values()) <= set(STATUS_CODES)
    assert SIGNS["-"] == "zero"
    assert SIGNS["."] == "suppressed"
    assert SIGNS["/"] == "unreliable"


def test_status_is_categorical():
    t = read_statistik(DATA / "genesis_de.csv")
    for col in t.status.columns:
        assert isinstance(t.status[col].dtype, pd.CategoricalDtype)
        assert tuple(t.status[col].cat.categories) == STATUS_CODES


# --------------------------------------------------------------------------- number formats


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [
        ("a;b\n1,5;2\n", ",", [1.5, 2.0]),
        ("a;b\n1.5;2\n", ".", [1.5, 2.0]),
        ("a;b\n1.234,5;2\n", ",", [1234.5, 2.0]),
        ("a;b\n1,234.5;2\n", ".", [1234.5, 2.0]),
        ("a;b\n1.234.567;2\n", ",", [1234567.0, 2.0]),
        ("a;b\n1,234,567;2\n", ".", [1234567.0, 2.0]),
        ("a;b\n0,123;2\n", ",", [0.123, 2.0]),
        # ambiguous "1.234": a ;-separated file is German (thousands point) ...
        ("a;b\n1.234;2\n", ",", [1234.0, 2.0]),
        # ... a ,-separated file is English (decimal point)
        ("a,b\n1.234,2\n", ".", [1.234, 2.0]),
        ('a,b\n"1,234",2\n', ".", [1234.0, 2.0]),
        ("a\tb\n1,5\t2\n", ",", [1.5, 2.0]),
    ],
)
def test_decimal_detection(text, decimal, expected):
    t = read(text)
    assert t.meta["decimal"] == decimal
    assert [t.values["a"].iloc[0], t.values["b"].iloc[0]] == pytest.approx(expected)


def test_decimal_override():
    t = read("a;b\n1.234;2\n", decimal=".")
    assert t.values["a"].iloc[0] == pytest.approx(1.234)
    assert t.meta["thousands"] == ","
    t = read("a;b\n1'234,5;2\n", thousands="'")
    assert t.values["a"].iloc[0] == pytest.approx(1234.5)


def test_integer_and_float_dtypes():
    t = read("a;b;c;d\n1.234;1,0;5;1\n-;2,5;.;2\n")
    assert t.values["a"].dtype == np.int64  # thousands point only, no decimals
    assert t.values["b"].dtype == np.float64
    assert t.values["c"].dtype == np.float64  # has a NaN
    assert t.values["d"].dtype == np.int64


def test_separator_detection_prefers_table_block():
    de = "Bezirk;Anteil;Quote\nMitte;1,5;2,5\nPankow;3,5;4,5\n"
    t = read(de)
    assert t.meta["separator"] == ";"
    assert t.values.shape == (2, 3)
    en = "Region,Share\nMitte,1.5\nPankow,3.5\n"
    assert read(en).meta["separator"] == ","
    assert read(en.replace(",", "\t")).meta["separator"] == "\t"


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("encoding", "prefix", "expected"),
    [
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("utf-8", b"", "utf-8"),
        ("cp1252", b"", "cp1252"),
        ("utf-16", b"", "utf-16"),
    ],
)
def test_encoding_detection(encoding, prefix, expected):
    text = "Bezirk;Einwohner\r\nTreptow-Köpenick;276.165\r\nNeukölln;–\r\n"
    raw = prefix + text.encode(encoding)
    t = read_statistik(io.BytesIO(raw))
    assert t.meta["encoding"] == expected
    assert list(t.values["Bezirk"]) == ["Treptow-Köpenick", "Neukölln"]
    assert list(t.values["Einwohner"]) == [276165, 0]
    assert list(t.status["Einwohner"]) == ["ok", "zero"]


def test_explicit_encoding_and_wrong_encoding():
    raw = "Ort;Wert\nKöpenick;1\nMitte;2\n".encode("cp1252")
    assert read_statistik(io.BytesIO(raw), encoding="cp1252").values["Ort"].iloc[0] == "Köpenick"
    with pytest.raises(InputError, match="not valid utf-8"):
        read_statistik(io.BytesIO(raw), encoding="utf-8")
    with pytest.raises(InputError, match="unknown"):
        read_statistik(io.BytesIO(raw), encoding="no-such-codec")


# --------------------------------------------------------------------------- table block


def test_header_and_footer_detection_padded_lines():
    text = (
        "Tabelle 1: Einwohner;;\n"
        "Stand 31.12.2023;;\n"
        ";;\n"
        "Bezirk;Einwohner;Anteil\n"
        "Mitte;397.134;12,1\n"
        "Pankow;;\n"  # a data row with only its label filled stays a data row
        "Spandau;245.197;9,9\n"
        "1) ohne Nebenwohnsitze;;\n"  # a footnote right below the table
        "Quelle: Amt für Statistik;;\n"
    )
    t = read(text)
    assert list(t.values["Bezirk"]) == ["Mitte", "Pankow", "Spandau"]
    assert t.meta["header_lines"] == ("Tabelle 1: Einwohner", "Stand 31.12.2023")
    assert t.meta["footer_lines"] == ("1) ohne Nebenwohnsitze", "Quelle: Amt für Statistik")
    assert t.meta["header_line"] == 4
    assert list(t.status["Einwohner"]) == ["ok", "missing", "ok"]


def test_header_override_and_nrows():
    text = "Bezirk;Einwohner\nNotiz;1\n\nKennziffer;Wert\n01;1\n02;2\n03;3\n"
    t = read(text, header=3, nrows=2)
    assert list(t.values.columns) == ["Kennziffer", "Wert"]
    assert list(t.values["Kennziffer"]) == ["01", "02"]
    assert t.meta["footer_lines"] == ("03;3",)
    with pytest.raises(InputError, match="header"):
        read(text, header=99)
    with pytest.raises(InputError, match="nrows"):
        read(text, nrows=-1)


def test_trailing_separator_column_is_dropped_and_names_stripped():
    t = read("Bezirk ; Einwohner ;\nMitte;1;\nPankow;2;\n")
    assert list(t.values.columns) == ["Bezirk", "Einwohner"]


def test_duplicate_column_names_warn():
    with pytest.warns(DataQualityWarning, match="duplicated column names"):
        t = read("Bezirk;Anzahl;Anzahl\nMitte;1;2\nPankow;3;4\n")
    assert list(t.values.columns) == ["Bezirk", "Anzahl", "Anzahl.1"]
    assert len(t.warnings) == 1


# --------------------------------------------------------------------------- keys


def test_keys_keep_leading_zeros_by_name_and_by_value():
    t = read(
        "AGS;Gemeinde;Code;Einwohner\n01001000;Flensburg;007;92.550\n09162000;München;123;1.510.378\n"
    )
    assert list(t.values["AGS"]) == ["01001000", "09162000"]
    assert set(t.key_columns) == {"AGS", "Code"}  # AGS by name, Code by its leading zeros
    assert t.meta["key_widths"] == {"AGS": 8, "Code": 3}
    assert list(t.values["Einwohner"]) == [92550, 1510378]


def test_key_columns_override_and_none():
    text = "Nr;Wert\n1;5\n2;6\n"
    assert read(text).key_columns == ()
    t = read(text, key_columns=["Nr"])
    assert list(t.values["Nr"]) == ["1", "2"]
    t = read("Kennziffer;Wert\n01;5\n02;6\n", key_columns=())
    assert t.key_columns == ()
    assert "Kennziffer" in t.numeric_columns
    with pytest.raises(InputError, match="key_columns"):
        read(text, key_columns=["Schlüssel"])


def test_key_lengths_inconsistent_warns_and_key_width_repairs():
    text = "PLR-ID;Einwohner\n1100101;3503\n01100102;1996\n12601134;15645\n"
    with pytest.warns(DataQualityWarning, match=r"different lengths.*key_width=8"):
        t = read(text)
    assert list(t.values["PLR-ID"]) == ["1100101", "01100102", "12601134"]
    assert t.warnings
    assert "PLR-ID" in t.warnings[0]
    t = read(text, key_width=8)
    assert list(t.values["PLR-ID"]) == ["01100101", "01100102", "12601134"]
    assert t.warnings == ()
    t = read(text, key_width={"PLR-ID": 8})
    assert t.values["PLR-ID"].iloc[0] == "01100101"
    with pytest.raises(InputError, match="key_width"):
        read(text, key_width={"Einwohner": 8})
    with pytest.raises(InputError, match="key_width"):
        read(text, key_width=0)


def test_index_col_and_duplicates():
    t = read("PLR-ID;Einwohner\n01100101;3503\n01100102;.\n", index_col="PLR-ID")
    assert list(t.values.index) == ["01100101", "01100102"]
    assert t.status.index.equals(t.values.index)
    assert t.status.loc["01100102", "Einwohner"] == "suppressed"
    with pytest.warns(DataQualityWarning, match="duplicated ids"):
        read("PLR-ID;Einwohner\n01;1\n01;2\n", index_col="PLR-ID")
    with pytest.raises(InputError, match="index_col"):
        read("PLR-ID;Einwohner\n01;1\n", index_col="Bezirk")


def test_text_columns_override():
    t = read("Kennziffer;Jahr;Wert\n01;2020;1\n02;2021;2\n", text_columns=["Jahr"])
    assert list(t.values["Jahr"]) == ["2020", "2021"]
    assert t.numeric_columns == ["Wert"]
    # single names are accepted; explicit keys replace the detection
    t = read(
        "Kennziffer;Jahr;Wert\n01;2020;1\n02;2021;2\n", text_columns="Jahr", key_columns="Wert"
    )
    assert t.key_columns == ("Wert",)
    assert t.numeric_columns == ["Kennziffer"]


# --------------------------------------------------------------------------- result object


def test_to_frame_long_and_wide():
    t = read_statistik(DATA / "genesis_de.csv")
    long = t.to_frame()
    assert list(long.columns) == ["Schlüssel", "Kreis", "variable", "value", "status"]
    assert len(long) == 7 * 4
    row = long[(long["Schlüssel"] == "01003") & (long["variable"] == "Ausländer")].iloc[0]
    assert row["value"] == 0
    assert row["status"] == "zero"
    wide = t.to_frame(long=False)
    assert list(wide.columns)[:4] == ["Schlüssel", "Kreis", "Insgesamt", "Insgesamt_status"]
    t2 = read_statistik(DATA / "genesis_de.csv", index_col="Schlüssel")
    assert list(t2.to_frame().columns)[:2] == ["Schlüssel", "Kreis"]


def test_repr_html_and_counts():
    t = read_statistik(DATA / "web_export_cp1252.csv")
    text = repr(t)
    assert "8 rows x 6 columns" in text
    assert "cp1252" in text
    assert "suppressed 2" in text
    assert len(text.splitlines()) < 15
    page = t._repr_html_()
    assert page.startswith("<div>")
    assert "Köpenick" in page
    assert 'title="suppressed' in page
    assert len(t) == 8
    counts = t.status_counts()
    assert counts.loc["Einwohner", "zero"] == 1
    assert counts.to_numpy().sum() == 8 * 3


def test_result_is_frozen():
    t = read("a;b\n1;2\n3;4\n")
    with pytest.raises(AttributeError):
        t.values = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        t.meta["decimal"] = "."  # type: ignore[index]


# --------------------------------------------------------------------------- bad input


def test_missing_file(tmp_path):
    path = tmp_path / "gibt_es_nicht.csv"
    with pytest.raises(InputError, match="does not exist"):
        read_statistik(path)
    with pytest.raises(FileNotFoundError):
        read_statistik(str(path))


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "Nur ein Titel\nund noch eine Zeile\n", "Titel;;\n;;\nQuelle: x;;\n", "a;b\n"],
)
def test_no_table(text):
    with pytest.raises(InputError, match=r"(holds no table|is empty)"):
        read(text)


def test_bad_arguments():
    with pytest.raises(InputError, match="path_or_buffer"):
        read_statistik(42)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="errors"):
        read("a;b\n1;2\n", errors="ignore")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="decimal"):
        read("a;b\n1;2\n", decimal=";")
    with pytest.raises(InputError, match="sep"):
        read("a;b\n1;2\n", sep=";;")
    with pytest.raises(InputError, match="both"):
        read("a;b\n1;2\n", decimal=",", thousands=",")
    with pytest.raises(InputError, match="folder"):
        read_statistik(DATA)


def test_unknown_sign_in_numeric_column_names_cell():
    text = "Bezirk;Einwohner;Anteil\nMitte;397.134;12,1\nPankow;12a;9,9\nSpandau;245.197;*\n"
    with pytest.raises(InputError) as err:
        read(text)
    msg = str(err.value)
    assert "line 3, column 'Einwohner': '12a'" in msg
    assert "line 4, column 'Anteil': '*'" in msg
    assert "errors='coerce'" in msg
    with pytest.warns(DataQualityWarning, match="2 cell"):
        t = read(text, errors="coerce")
    assert t.status.loc[1, "Einwohner"] == "invalid"
    assert math.isnan(t.values.loc[1, "Einwohner"])
    assert t.values.loc[0, "Einwohner"] == 397134


def test_mixed_decimal_styles_are_not_guessed_silently():
    # German majority: the English-looking "1.5" cannot be read and is reported
    with pytest.raises(InputError, match=r"line 4, column 'a': '1.5'"):
        read("a;b\n1,5;2,5\n3,5;4,5\n1.5;2\n")


# --------------------------------------------------------------------------- writing


def test_write_german_format():
    df = pd.DataFrame(
        {
            "PLR": ["01100101", "01100102", "01100103"],
            "Name": ["Stülerstraße", "Großer Tiergarten", "Lützowstraße"],
            "Einwohner": [3503.0, 0.0, 1234567.0],
            "Quote": [12.25, 0.0, -3.5],
        }
    )
    status = pd.DataFrame({"Quote": ["limited", "rounded_zero", "provisional"]})
    text = write_statistik(
        df,
        status=status,
        thousands=True,
        header_lines=["Titel"],
        footer_lines=["Quelle: Musterstadt", "© 2026"],
    )
    assert text.splitlines() == [
        "Titel",
        "",
        "PLR;Name;Einwohner;Quote",
        "01100101;Stülerstraße;3.503;(12,25)",
        "01100102;Großer Tiergarten;-;0",
        "01100103;Lützowstraße;1.234.567;-3,5 p",
        "",
        "Quelle: Musterstadt",
        "© 2026",
    ]
    assert "\r\n" in text
    t = read(text)
    assert t.meta["footer_lines"] == ("Quelle: Musterstadt", "© 2026")
    assert list(t.values["Einwohner"]) == [3503, 0, 1234567]


def test_write_english_and_decimals():
    df = pd.DataFrame({"Key": ["01", "02"], "Share": [1234.5678, float("nan")]})
    status = pd.DataFrame({"Share": ["ok", "suppressed"]})
    text = write_statistik(df, status=status, language="en", thousands=True, decimals=2)
    assert text.splitlines() == ["Key,Share", '01,"1,234.57"', "02,."]
    t = read(text)
    assert t.values["Share"].iloc[0] == pytest.approx(1234.57)
    assert t.status["Share"].iloc[1] == "suppressed"


def test_write_suppresses_values_by_status():
    df = pd.DataFrame({"k": ["01", "02"], "v": [5.0, 7.0]})
    status = pd.DataFrame({"v": ["suppressed", "unreliable"]})
    assert write_statistik(df, status=status).splitlines()[1:] == ["01;.", "02;/"]


def test_write_files_and_buffers(tmp_path):
    t = read_statistik(DATA / "web_export_cp1252.csv")
    path = tmp_path / "out.csv"
    assert write_statistik(t, path, encoding="cp1252", header_lines=t.meta["header_lines"]) is None
    assert path.read_bytes()[:1] == b"S"  # no byte-order mark in cp1252
    back = read_statistik(path)
    assert back.meta["encoding"] == "cp1252"
    pd.testing.assert_frame_equal(back.values, t.values, check_dtype=False)
    pd.testing.assert_frame_equal(back.status, t.status)
    raw = io.BytesIO()
    write_statistik(t, raw)
    assert raw.getvalue().startswith(b"\xef\xbb\xbf")
    text = io.StringIO()
    write_statistik(t, text)
    assert text.getvalue().startswith("Planungsraum-ID;")


def test_write_index():
    t = read_statistik(DATA / "genesis_de.csv", index_col="Schlüssel")
    text = write_statistik(t)
    assert text.startswith("Schlüssel;Kreis;")
    assert write_statistik(t, index=False).startswith("Kreis;")


def test_write_bad_input():
    df = pd.DataFrame({"k": ["01"], "v": [1.0]})
    with pytest.raises(InputError, match="DataFrame"):
        write_statistik([1, 2])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="unknown code"):
        write_statistik(df, status=pd.DataFrame({"v": ["geheim"]}))
    with pytest.raises(InputError, match="not numeric columns"):
        write_statistik(df, status=pd.DataFrame({"k": ["ok"]}))
    with pytest.raises(InputError, match="index"):
        write_statistik(df, status=pd.DataFrame({"v": ["ok"]}, index=[5]))
    with pytest.raises(InputError, match="language"):
        write_statistik(df, language="fr")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="sep"):
        write_statistik(df, sep=",")
    with pytest.raises(InputError, match="cannot be written in cp1252"):
        write_statistik(pd.DataFrame({"k": ["Łódź"], "v": [1]}), io.BytesIO(), encoding="cp1252")
    with pytest.raises(InputError, match="decimals"):
        write_statistik(df, decimals=-1)


# --------------------------------------------------------------------------- round trip

NUMERIC_STATUSES = [s for s in STATUS_CODES if s != "invalid"]


@st.composite
def cell(draw):
    status = draw(st.sampled_from(NUMERIC_STATUSES))
    if status in ("suppressed", "unreliable", "not_applicable", "pending", "missing"):
        return NAN, status
    if status in ("zero", "rounded_zero"):
        return 0.0, status
    value = draw(
        st.one_of(
            st.integers(-(10**12), 10**12).map(float),
            st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False),
            st.decimals(-1000, 1000, places=3, allow_nan=False).map(float),
        ).filter(lambda v: v != 0)
    )
    return value, status


@st.composite
def table(draw):
    n_rows = draw(st.integers(1, 6))
    n_cols = draw(st.integers(1, 3))
    keys = draw(
        st.lists(
            st.text("0123456789", min_size=8, max_size=8),
            min_size=n_rows,
            max_size=n_rows,
            unique=True,
        )
    )
    names = draw(
        st.lists(
            st.sampled_from(["Köpenick", "Mitte", "Neukölln", "Wedding"]),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
    data = {"PLR-ID": keys, "Name": names}
    status = {}
    for j in range(n_cols):
        cells = draw(st.lists(cell(), min_size=n_rows, max_size=n_rows))
        data[f"Wert {j}"] = [v for v, _ in cells]
        status[f"Wert {j}"] = [s for _, s in cells]
    return pd.DataFrame(data), pd.DataFrame(status)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tbl=table(),
    language=st.sampled_from(["de", "en"]),
    thousands=st.booleans(),
    encoding=st.sampled_from(["utf-8-sig", "cp1252"]),
    titles=st.booleans(),
)
def test_round_trip(tbl, language, thousands, encoding, titles):
    df, status = tbl
    buf = io.BytesIO()
    write_statistik(
        df,
        buf,
        status=status,
        language=language,
        thousands=thousands,
        encoding=encoding,
        header_lines=["Einwohner in Musterstadt", "Stand: 31.12.2024"] if titles else (),
        footer_lines=["Quelle: Musterstadt", "© sozplan"] if titles else (),
    )
    buf.seek(0)
    back = read_statistik(buf)
    assert list(back.values["PLR-ID"]) == list(df["PLR-ID"])
    assert list(back.values["Name"]) == list(df["Name"])
    for col in status.columns:
        np.testing.assert_array_equal(back.values[col].to_numpy(dtype=float), df[col].to_numpy())
        assert list(back.status[col].astype(str)) == list(status[col])
    # and once more from the result object: a fixed point
    again = read_statistik(io.StringIO(write_statistik(back, language=language)))
    pd.testing.assert_frame_equal(again.status, back.status)


# --------------------------------------------------------------------------- real data


@pytest.mark.berlin
def test_real_berlin_population_file(berlin_dir):
    path = berlin_dir / "einwohner_plr_2022-06.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:  # independent reading
        rows = list(csv.reader(fh, delimiter=";"))
    header, body = rows[0], rows[1:]
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert b"\r\n" in path.read_bytes()[:200]
    t = read_statistik(path, index_col="PLR-ID")
    assert t.meta["encoding"] == "utf-8-sig"
    assert t.meta["separator"] == ";"
    assert t.key_columns == ("PLR-ID",)
    assert len(t.values) == len(body)  # 542 data rows (the folder README says 541)
    assert list(t.values.columns) == header[:-1]
    assert t.values.index[0] == "01100101"
    assert all(len(i) == 8 for i in t.values.index)
    assert list(t.values.index) == [r[-1] for r in body]
    by_id = {r[-1]: r for r in body}
    for plr in ["01100101", "12601236"]:
        for j, col in enumerate(header[:-1]):
            assert t.values.loc[plr, col] == int(by_id[plr][j])
    # the file prints exact zeros as en dashes; they are 0 with status "zero", never NaN
    dashes = [(r[-1], header[j]) for r in body for j, c in enumerate(r) if c == "–"]
    assert dashes
    for plr, col in dashes:
        assert t.values.loc[plr, col] == 0
        assert t.status.loc[plr, col] == "zero"
    assert t.values.notna().all().all()
    assert t.values["Gesamt"].sum() == sum(0 if r[0] == "–" else int(r[0]) for r in body)


def test_dates_do_not_vote_for_a_decimal_style():
    # "01.01.2021" is no number in either format; the decimal point of the values decides
    t = read("Stand;Wert\n01.01.2021;1.5\n01.02.2021;2.5\n")
    assert t.meta["decimal"] == "."
    assert list(t.values["Stand"]) == ["01.01.2021", "01.02.2021"]
    assert list(t.values["Wert"]) == [1.5, 2.5]


def test_write_refuses_infinite_values():
    df = pd.DataFrame({"k": ["01", "02"], "v": [1.0, float("inf")]})
    with pytest.raises(InputError, match="infinite"):
        write_statistik(df)


def test_write_small_and_large_numbers_positional():
    df = pd.DataFrame({"k": ["01", "02", "03"], "v": [1.5e-7, 2.5e17, -1e-300]})
    text = write_statistik(df)
    assert "e" not in text.lower().replace("k;v", "")
    back = read(text)
    np.testing.assert_array_equal(back.values["v"].to_numpy(), df["v"].to_numpy())


def test_genesis_flat_file_quality_columns():
    # GENESIS flat files (ffcsv) carry flags in "_q" columns: e final, p provisional, ...
    text = (
        "statistics_code;time;value;value_unit;value_q\n"
        "61111;2021;103,1;2020=100;e\n"
        "61111;2022;110,2;2020=100;p\n"
        "61111;2023;;2020=100;.\n"
        "61111;2024;;2020=100;-\n"
    )
    t = read(text)
    assert list(t.status["value"]) == ["ok", "provisional", "suppressed", "zero"]
    assert t.values["value"].iloc[3] == 0
    assert list(t.values["value_q"]) == ["e", "p", ".", "-"]  # the flags stay in the table
    assert t.meta["quality_columns"] == {"value_q": "value"}
    # older layout: the flag column follows its value column under another name
    text = "Zeit;PREIS1__VPI__2020=100;PREIS1__VPI__q\n2021;103,1;e\n2022;110,2;r\n"
    t = read(text)
    assert list(t.status["PREIS1__VPI__2020=100"]) == ["ok", "revised"]
