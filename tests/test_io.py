"""Tests of sozplan.io: German statistics files (DIN 55301 signs, formats, encodings).

Expected values are read off the hand-written fixtures in tests/data/io/ (each file
is a few lines; the expected numbers below are the cells written there) and, for
the real Berlin file, read independently with the csv module.
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
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


# --------------------------------------------------------------------------- Länder exports
# Fixtures in the formats of issue 16: each expected number below is a cell of the file.


def test_laender_export_three_heading_lines():
    t = read_statistik(DATA / "laender_3zeilen_cp1252.csv")
    assert t.meta["encoding"] == "cp1252"
    assert t.meta["header_rows"] == 3
    assert t.meta["header_line"] == 2
    assert list(t.values.columns) == [
        "Gebietsschlüssel",
        "Gebietseinheit",
        "Zeit",
        "Alter",
        "Bevölkerung insgesamt",
        "Bevölkerung männlich",
        "Bevölkerung weiblich",
        "Bevölkerung Deutsche zusammen",
        "Bevölkerung Deutsche männlich",
        "Bevölkerung Deutsche weiblich",
        "Bevölkerung Ausländer zusammen",
        "Bevölkerung Ausländer männlich",
        "Bevölkerung Ausländer weiblich",
    ]
    levels = t.column_levels()
    assert levels.nlevels == 3
    assert levels[0] == ("Gebietsschlüssel", "", "")
    assert levels[8] == ("Bevölkerung", "Deutsche", "männlich")
    assert t.meta["header_levels"]["Bevölkerung Ausländer weiblich"] == (
        "Bevölkerung",
        "Ausländer",
        "weiblich",
    )
    # "Bevölkerung 1)" and "Ausländer 2)": markers leave the names, stay in meta
    assert t.meta["column_notes"]["Bevölkerung insgesamt"] == "1)"
    assert t.meta["column_notes"]["Bevölkerung Ausländer männlich"] == "1), 2)"
    assert "Gebietsschlüssel" not in t.meta["column_notes"]
    assert t.key_columns == ("Gebietsschlüssel",)
    assert list(t.values["Gebietsschlüssel"])[:2] == ["01001", "01002"]
    assert t.values["Gebietseinheit"].iloc[2] == "Lübeck, Hansestadt"
    assert t.meta["text_columns"] == ("Gebietseinheit", "Zeit", "Alter")
    assert list(t.values["Bevölkerung insgesamt"]) == [
        92550, 247717, 218095, 80196, 133447, 203606, 168467, 201572,
    ]  # fmt: skip
    # the parts make the whole in every row where all are numbers (file cells)
    v = t.values
    assert (
        v["Bevölkerung männlich"] + v["Bevölkerung weiblich"] == v["Bevölkerung insgesamt"]
    ).all()
    assert (
        v["Bevölkerung Deutsche zusammen"] + v["Bevölkerung Ausländer zusammen"]
        == v["Bevölkerung insgesamt"]
    ).all()
    assert list(t.status["Bevölkerung Ausländer männlich"].iloc[[4, 6]]) == [
        "suppressed",
        "unreliable",
    ]
    assert t.status["Bevölkerung Ausländer weiblich"].iloc[6] == "not_applicable"
    assert t.meta["source_title"].startswith("Bevölkerung nach Geschlecht")
    assert t.meta["footer_lines"][1].startswith("1) Quelle:")
    assert t.meta["footer_lines"][-1].startswith("© Statistisches Amt")
    assert t.warnings == ()
    assert "header:    3 lines" in repr(t)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # years as the second heading line are headings, not data
        ("Bezirk;Einwohner;\n;2021;2022\nMitte;1;2\nPankow;3;4\n", ["Bezirk", "Einwohner 2021", "Einwohner 2022"]),
        # a unit line below the names
        ("Bezirk;Einwohner;Quote\n;Anzahl;%\nMitte;1;2,5\n", ["Bezirk", "Einwohner Anzahl", "Quote %"]),
        # a heading repeated by the line below is not repeated in the name
        ("Gebiet;Alter;\n;Alter;unter 18\nA;1;2\nB;3;4\n", ["Gebiet", "Alter", "Alter unter 18"]),
        # markers: superscript, star, "n)"
        ("Gebiet;Einwohner*;Quote²;Saldo 3)\nA;1;2;3\nB;1;2;3\n", ["Gebiet", "Einwohner", "Quote", "Saldo"]),
        # a heading cell with a quoted line break
        ('Gebiet;"Bevölkerung\ninsgesamt"\nA;1\nB;2\n', ["Gebiet", "Bevölkerung insgesamt"]),
    ],
)  # fmt: skip
def test_heading_names(text, names):
    t = read(text)
    assert list(t.values.columns) == names
    assert len(t) == 2 or text.count("\n") == 3


def test_heading_notes_and_single_line_levels():
    t = read("Gebiet;Einwohner*;Quote²;Saldo 3)\nA;1;2;3\nB;1;2;3\n")
    assert t.meta["column_notes"] == {"Einwohner": "*", "Quote": "²", "Saldo": "3)"}
    assert t.meta["header_rows"] == 1
    assert t.column_levels().nlevels == 1


# --------------------------------------------------------------------------- signs with blanks


def test_nord_export_signs_with_blanks():
    t = read_statistik(DATA / "nord_vorzeichen_cp1252.csv")
    saldo = t.values["Wanderungssaldo"]
    assert list(saldo) == [23, 384, -23, -215, 252, -62, 106, 468]
    assert saldo.notna().all()
    assert (t.status["Wanderungssaldo"] == "ok").all()
    # independent check from the same file: Zuzüge - Fortzüge = Saldo in every row
    assert (t.values["Zuzüge"] - t.values["Fortzüge"] == saldo).all()
    assert saldo.mean() == 933 / 8  # 23+384-23-215+252-62+106+468 = 933
    assert list(t.values["Zuzüge"])[2] == 1873  # "  1 873": blanks group thousands


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("-  23", -23),
        ("- 23", -23),
        ("−\u00a023", -23),
        ("– 7", -7),
        ("+ 5", 5),
        ("-  1 204", -1204),
    ],
)
def test_sign_followed_by_blanks(cell, value):
    t = read(f"Gebiet;Saldo;Anker\nA;{cell};1\nB;2;1\n")
    assert t.values["Saldo"].iloc[0] == value
    assert t.status["Saldo"].iloc[0] == "ok"


# --------------------------------------------------------------------------- na_values


def test_na_values_mss_like_fixture():
    path = DATA / "mss_wie_berlin.csv"
    plain = read_statistik(path)
    assert (plain.values["S1"] == -9999).sum() == 2  # without the declaration: numbers
    t = read_statistik(path, na_values={"S1": [-9999], "S3": -9999})
    assert t.values["S1"].isna().sum() == 2
    assert list(t.status["S1"].iloc[2:4]) == ["missing", "missing"]
    assert t.values["S4"].min() == -9999  # not declared for S4
    assert t.meta["na_values"] == {"S1": 2, "S3": 2}
    assert "declared missing (na_values): S1 2, S3 2" in repr(t)
    assert "declared missing (na_values): S1 2, S3 2" in t._repr_html_()
    t = read_statistik(path, na_values=[-9999])
    assert all(t.values[c].isna().sum() == 2 for c in ["S1", "S3", "S4", "D1"])
    assert t.meta["na_values"]["EW"] == 0
    assert t.values["EW"].isna().sum() == 1  # an empty cell, status missing
    assert t.values.loc[0, "S1"] == pytest.approx(4.22594)
    assert list(t.values["PLR_ID"])[2] == "03300515"


def test_na_values_strings_and_spellings():
    text = "Gebiet;Wert;Text\nA;-9.999;k.A.\nB;-9999,0;x1\nC;k.A.;y\nD;5;z\n"
    t = read(text, na_values=[-9999, "k.A."])
    assert list(t.status["Wert"]) == ["missing", "missing", "missing", "ok"]
    assert t.values["Text"].isna().tolist() == [True, False, False, False]
    assert t.meta["na_values"] == {"Gebiet": 0, "Wert": 3, "Text": 1}
    with pytest.raises(InputError, match=r"na_values.*'Wret'"):
        read(text, na_values={"Wret": [-9999]})
    with pytest.raises(InputError, match="na_values"):
        read(text, na_values=[True])
    with pytest.raises(InputError, match="na_values"):
        read(text, na_values={"Wert": object()})


def test_berlin_population_style_fixture_dash_is_zero():
    t = read_statistik(DATA / "einwohner_gedankenstrich.csv", index_col="PLR-ID")
    assert t.meta["encoding"] == "utf-8-sig"
    assert (t.values.loc["03400831"] == 0).all()  # the row of dashes: six exact zeros
    assert (t.status.loc["03400831"] == "zero").all()
    assert t.values.loc["04400725", "unter6"] == 0
    assert t.values.notna().all().all()
    assert t.values["Gesamt"].sum() == 3503 + 52 + 0 + 116 + 15645


# --------------------------------------------------------------------------- broken rows

ROWS = [
    "Bezirke;;",
    "Bezirk;Einwohner;Quote",
    "Mitte;397.134;12,1",
    "Pankow;424.307;8,5",
    "Spandau;245.197;9,9",
    "Neukölln;330.017;15,2",
    "",
    "Quelle: Amt für Statistik;;",
]


def with_line(i: int, line: str) -> str:
    rows = list(ROWS)
    rows[i] = line
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    ("i", "line"),
    [
        (3, "Pankow;424.307;8,5;1"),  # a stray value at the end
        (3, "Pan;kow;424.307;8,5"),  # a stray separator inside a name
        (3, "Pankow;424.3078,5"),  # a missing separator
        (2, "Mitte;397.134"),  # the first row
        (5, "Neukölln;330;017;15,2"),  # the last row
    ],
)
def test_row_with_wrong_field_count_is_named(i, line):
    text = with_line(i, line)
    with pytest.raises(InputError) as err:
        read(text)
    msg = str(err.value)
    assert f"line {i + 1} (" in msg
    assert line[:20] in msg
    assert "errors='coerce'" in msg
    with pytest.warns(DataQualityWarning, match=r"left out"):
        t = read(text, errors="coerce")
    assert len(t) == 3  # the other three rows, none lost
    assert t.meta["rejected_lines"] == ((i + 1, line),)
    assert t.meta["footer_lines"] == ("Quelle: Amt für Statistik",)
    assert "rejected:  line(s)" in repr(t)
    assert "rejected lines (wrong number of fields): " in t._repr_html_()


def test_broken_header_line_is_named():
    text = with_line(1, "Bezirk;Einwohner;Quote;Anteil")
    with pytest.raises(InputError, match=r"line 2 looks like the column names but has 4"):
        read(text)
    with pytest.warns(DataQualityWarning, match="cut or padded"):
        t = read(text, errors="coerce")
    assert list(t.values.columns) == ["Bezirk", "Einwohner", "Quote"]
    assert len(t) == 4


def test_trailing_separators_only_on_data_rows_are_fine():
    t = read("Bezirk;Einwohner\nMitte;1;\nPankow;2;\nSpandau;3;\n")
    assert list(t.values.columns) == ["Bezirk", "Einwohner"]
    assert len(t) == 3


def test_footer_block_is_not_a_broken_row():
    text = (
        "\n".join(ROWS[:6]) + "\n__________\nZeichenerklärung: - nichts; . geheim\n© Amt, 2024\n"
    )
    t = read(text)
    assert len(t) == 4
    assert t.meta["footer_lines"] == (
        "__________",
        "Zeichenerklärung: - nichts; . geheim",
        "© Amt, 2024",
    )


def test_rows_behind_a_blank_line_are_reported():
    text = "Bezirk;Einwohner\nMitte;1\nPankow;2\nSpandau;3\n\nNeukölln;4\n"
    with pytest.warns(DataQualityWarning, match=r"line\(s\) 6 \(a second table"):
        t = read(text)
    assert len(t) == 3


# --------------------------------------------------------------------------- encodings, huge cells


def test_utf8_file_with_a_line_in_cp1252():
    raw = "Bezirk;Einwohner\nNeukölln;1\n".encode() + "Köpenick;2\n".encode("cp1252")
    with pytest.warns(DataQualityWarning, match=r"1 line\(s\) are not valid utf-8.*line\(s\) 3"):
        t = read_statistik(io.BytesIO(raw))
    assert list(t.values["Bezirk"]) == ["Neukölln", "Köpenick"]
    raw = b"\xef\xbb\xbf" + raw  # with a byte-order mark
    with pytest.warns(DataQualityWarning, match="utf-8-sig"):
        assert read_statistik(io.BytesIO(raw)).values["Bezirk"].iloc[1] == "Köpenick"


def test_broken_utf16_is_an_input_error():
    raw = "a;b\n1;2\n".encode("utf-16") + b"\x00"
    with pytest.raises(InputError, match="not valid utf-16"):
        read_statistik(io.BytesIO(raw))


def test_huge_quoted_cell():
    big = "Ü" * 200_000
    t = read(f'Gebiet;Name;Wert\nA;"{big}";1\nB;b;2\n')
    assert len(t.values["Name"].iloc[0]) == 200_000
    with pytest.raises(InputError) as err:
        read(f'Gebiet;Wert\nA;"1{big}"\nB;2\nC;3\n')
    assert len(str(err.value)) < 2000  # the message quotes a snippet, not 200 kB


# --------------------------------------------------------------------------- fuzzing

FUZZ_SIGNS = ["-  23", "– 7", "-", "–", ".", "/", "x", "...", "(1,5)", "3 p", "- ", "−4", "12a", "-9999"]  # fmt: skip


def _fuzz_bases() -> list[bytes]:
    bases = []
    for path in sorted(DATA.glob("*.csv")):
        raw = path.read_bytes()
        text = (
            raw.decode("cp1252") if b"\x96" in raw or b"\xfc" in raw else raw.decode("utf-8-sig")
        )
        bases.append(text.replace("\r\n", "\n").encode("utf-8"))
    return bases


def _mutate(raw: bytes, rng: np.random.Generator, depth: int = 0) -> bytes:
    """One random corruption of a file: separators, encodings, truncation, cells, lines."""
    lines = raw.decode("utf-8").split("\n")
    i = int(rng.integers(len(lines)))
    line = lines[i]
    fields = line.split(";")
    k = int(rng.integers(len(fields)))
    kind = int(rng.integers(14))
    if kind == 0:  # a stray separator
        p = int(rng.integers(len(line) + 1))
        lines[i] = line[:p] + ";" + line[p:]
    elif kind == 1 and len(fields) > 1:  # a missing separator
        lines[i] = (
            ";".join(fields[:k]) + "".join(fields[k : k + 2]) + ";".join(["", *fields[k + 2 :]])
        )
    elif kind == 2:  # one line in windows-1252
        out = [ln.encode("utf-8") for ln in lines]
        out[i] = line.encode("cp1252", errors="replace")
        return b"\n".join(out)
    elif kind == 3:  # the whole file in another encoding
        enc = ["cp1252", "utf-16", "utf-8-sig", "latin-1", "utf-16-le"][int(rng.integers(5))]
        return "\n".join(lines).encode(enc, errors="replace")
    elif kind == 4:  # stray high bytes
        b = bytearray(raw)
        for _ in range(int(rng.integers(1, 4))):
            b.insert(int(rng.integers(len(b) + 1)), int(rng.integers(0x80, 0x100)))
        return bytes(b)
    elif kind == 5:  # truncated
        return raw[: int(rng.integers(len(raw) + 1))]
    elif kind == 6:  # a huge quoted cell
        fields[k] = '"' + "Ü" * int(rng.integers(1_000, 200_000)) + '"'
        lines[i] = ";".join(fields)
    elif kind == 7:  # a sign or an odd number
        fields[k] = FUZZ_SIGNS[int(rng.integers(len(FUZZ_SIGNS)))]
        lines[i] = ";".join(fields)
    elif kind == 8:  # a line repeated (a second heading line) or dropped
        if rng.random() < 0.5:
            lines.insert(i, line)
        else:
            del lines[i]
    elif kind == 9:  # a stray quote
        p = int(rng.integers(len(line) + 1))
        lines[i] = line[:p] + '"' + line[p:]
    elif kind == 10:  # control characters
        p = int(rng.integers(len(line) + 1))
        lines[i] = (
            line[:p] + ["\x00", "\x1a", "\r", "\t", "\u00a0"][int(rng.integers(5))] + line[p:]
        )
    elif kind == 11:  # a blank line
        lines.insert(i, "")
    elif kind == 12:  # another separator in one line
        lines[i] = line.replace(";", [",", "\t", " "][int(rng.integers(3))])
    elif depth < 2:  # several at once
        out = _mutate(raw, rng, depth + 1)
        try:
            return _mutate(out.decode("utf-8").encode("utf-8"), rng, depth + 1)
        except UnicodeDecodeError:
            return out
    return "\n".join(lines).encode("utf-8")


@pytest.mark.parametrize("seed", range(4))
def test_fuzzed_files_end_in_a_result_or_input_error(seed):
    # 4 x 300 = 1,200 corrupted variants of the hand-written fixtures: every outcome is a
    # table (its warnings listed in the result) or an InputError, never another exception
    bases = _fuzz_bases()
    rng = np.random.default_rng(seed)
    outcomes = {"table": 0, "InputError": 0}
    for v in range(300):
        data = _mutate(bases[v % len(bases)], rng)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                t = read_statistik(io.BytesIO(data), errors=("raise", "coerce")[v % 2])
            except InputError:
                outcomes["InputError"] += 1
                continue
        outcomes["table"] += 1
        issued = [str(w.message).removeprefix("read_statistik: ") for w in caught]
        assert all(issubclass(w.category, DataQualityWarning) for w in caught)
        assert issued == list(t.warnings)  # every warning is listed in the result
        assert len(t.values) == t.meta["n_rows"]
    assert outcomes["table"] > 50, outcomes
    assert outcomes["InputError"] > 50, outcomes


# ------------------------------------------------- the compiled path reads like the Python one
#
# Large files are split into lines and fields by compiled byte scanners and columns of
# many distinct cells are parsed by a compiled kernel; small ones by the Python rules.
# The tests lower both thresholds to 0 and require the same outcome on the fuzzed
# files, on a large Länder-style export and on random cells.


def _outcome(data: bytes, errors: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            t = read_statistik(io.BytesIO(data), errors=errors)
        except InputError as exc:
            return ("InputError", str(exc))
    return ("table", t)


def _assert_same(python, compiled) -> None:
    assert python[0] == compiled[0]
    if python[0] == "InputError":
        assert python[1] == compiled[1]
        return
    a, b = python[1], compiled[1]
    pd.testing.assert_frame_equal(a.values, b.values)
    pd.testing.assert_frame_equal(a.status, b.status)
    assert dict(a.meta) == dict(b.meta)
    assert a.warnings == b.warnings
    assert a.key_columns == b.key_columns


@pytest.fixture
def compiled(monkeypatch):
    """Switch read_statistik to the compiled scanners and kernels for any size."""
    import sozplan.io as sio

    def use(on: bool) -> None:
        monkeypatch.setattr(sio, "_FAST_MIN_CHARS", 0 if on else 10**15)
        monkeypatch.setattr(sio, "_KERNEL_MIN_CELLS", 0 if on else 10**15)

    return use


@pytest.mark.parametrize("seed", [10, 11])
def test_compiled_path_reads_fuzzed_files_like_python(seed, compiled):
    # 2 x 150 corrupted variants of the fixtures: same table, warnings and meta, or the
    # same InputError, whichever way the file is split and parsed
    bases = _fuzz_bases()
    rng = np.random.default_rng(seed)
    for v in range(150):
        data = _mutate(bases[v % len(bases)], rng)
        errors = ("raise", "coerce")[v % 2]
        compiled(False)
        python = _outcome(data, errors)
        compiled(True)
        _assert_same(python, _outcome(data, errors))


def test_compiled_path_reads_a_large_laender_export_like_python(compiled):
    rng = np.random.default_rng(3)
    lines = [
        "Bevölkerung am 31.12.2023;;;;;",
        "Schlüssel;Gebiet;Bevölkerung 1);;Saldo;Anteil",
        ";;insgesamt;Deutsche;;",
        ";;;zusammen;;",
    ]
    cells = ["-", ".", "/", "x", "...", "", "0", "(12)", "3 p", "-  23", "– 7", "1 234", "12a"]
    for i in range(3000):
        row = [f"{i:08d}", f"Gebiet {i % 97} ", f"{rng.integers(0, 10**6):,}".replace(",", ".")]
        row += [str(rng.integers(-500, 500)), f"{rng.integers(-999, 999)}"]
        row.append(f"{rng.random() * 100:.1f}".replace(".", ","))
        if i % 7 == 0:
            row[2 + i % 4] = cells[i % len(cells)]
        lines.append(";".join(row) + (";" if i % 11 == 0 else ""))
    lines[500] += ";stray"  # a broken row
    lines += ["", "1) Quelle: Statistikamt;;;;;", "© Statistisches Amt;;;;;"]
    data = "\r\n".join(lines).encode("cp1252")
    for errors in ("raise", "coerce"):
        compiled(False)
        python = _outcome(data, errors)
        compiled(True)
        _assert_same(python, _outcome(data, errors))
    assert python[0] == "table"
    assert len(python[1]) == 2999
    assert python[1].meta["rejected_lines"][0][0] == 501


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.text(alphabet="0123456789.,-+ ()prsxX/–\u00a0a", max_size=12), min_size=1),
    st.sampled_from([(",", "."), (".", ","), (",", ""), (".", " ")]),
)
def test_compiled_cell_grammar_equals_the_regular_expression(cells, number_format):
    # every cell (stripped, as the reader strips them) gets the same status, value and
    # "has decimals" from the kernel as from the regular expression
    import sozplan.io as sio

    decimal, thousands = number_format
    column = sio._Column.from_texts(np.array([c.strip() for c in cells], dtype=object))
    old = sio._KERNEL_MIN_CELLS
    try:
        sio._KERNEL_MIN_CELLS = 0
        fast = sio._parse_distinct(column, decimal, thousands)
        column.parsed.clear()
        sio._KERNEL_MIN_CELLS = 10**15
        slow = sio._parse_distinct(column, decimal, thousands)
    finally:
        sio._KERNEL_MIN_CELLS = old
    for f, s_ in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(f, s_)


# --------------------------------------------------------------------------- real data: MSS, Köln


def _csv_rows(path: Path, delimiter: str, encoding: str = "utf-8") -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as fh:  # independent reading
        return list(csv.reader(fh, delimiter=delimiter))


@pytest.mark.berlin
@pytest.mark.parametrize(
    "name",
    ["mss_2021_index_indikatoren.csv", "mss_2021_indizes.csv", "mss_2021_kontext_indikatoren.csv"],
)
def test_real_berlin_mss_tables(berlin_dir, name):
    path = berlin_dir / name
    rows = _csv_rows(path, ",")
    header, body = rows[0], rows[1:]
    t = read_statistik(path, index_col="PLR_ID", na_values=[-9999])
    assert len(t) == len(body) == 542
    assert list(t.values.index) == [r[1] for r in body]
    assert t.values.index[0] == "01100101"
    assert set(t.values["BEZ_ID"]) == {f"{i:02d}" for i in range(1, 13)}
    unrated = {r[1] for r in body if "-9999" in r}
    assert len(unrated) == 6
    for j, col in enumerate(header):
        if col not in t.status.columns:
            continue
        cells = [r[j] for r in body]
        declared = sum(c == "-9999" for c in cells)
        assert t.meta["na_values"][col] == declared
        got = t.values[col].to_numpy(dtype=float)
        for pos, c in enumerate(cells):
            if c in ("", "-9999"):
                assert math.isnan(got[pos])
                assert t.status[col].iloc[pos] == "missing"
            else:
                assert got[pos] == float(c)
                assert t.status[col].iloc[pos] in ("ok", "rounded_zero")
    assert t.values["PLR_NAME"].iloc[0] == "Stülerstraße"


@pytest.mark.berlin
def test_real_berlin_mss_z_values(berlin_dir):
    path = berlin_dir / "mss_2021_index_zwerte.csv"
    rows = _csv_rows(path, ";", "utf-8-sig")
    header, body = rows[0], rows[1:]
    t = read_statistik(path, index_col="PLR-ID")
    assert t.meta["encoding"] == "utf-8-sig"
    assert t.meta["decimal"] == "."
    assert len(t) == 542
    assert list(t.values.columns) == [h.strip() for h in header[1:]]
    j = header.index("zS1")
    got = t.values["zS1"].to_numpy(dtype=float)
    want = np.array([float(r[j]) if r[j] else np.nan for r in body])
    np.testing.assert_array_equal(got, want)
    assert t.status["zS1"].value_counts()["missing"] == sum(r[j] == "" for r in body)


KOELN_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "koeln"


@pytest.mark.berlin
def test_real_koeln_population_long_file():
    path = KOELN_DIR / "bevoelkerung.csv"
    if not path.exists():
        pytest.skip(f"Köln open data not found at {KOELN_DIR} (only in the project workspace)")
    rows = _csv_rows(path, ",")
    header, body = rows[0], rows[1:]
    # zei_id (row codes 10 ... 100) is taken for a key column and its lengths differ
    with pytest.warns(DataQualityWarning, match="'zei_id' has keys of different lengths"):
        t = read_statistik(path)
    assert len(t) == len(body) == 29135
    assert list(t.values.columns) == header
    assert t.meta["decimal"] == "."
    assert t.meta["numeric_columns"] == ("jahr", "zahl")
    assert set(t.key_columns) >= {"tab_id", "raum_id"}
    assert list(t.values["raum_id"].iloc[:2]) == ["000", "001"]
    np.testing.assert_array_equal(t.values["zahl"].to_numpy(), [float(r[8]) for r in body])
    # "0.0" is a plain 0: DIN 55301 reads it as rounded_zero (the exact zero is "-")
    zero = np.array([float(r[8]) == 0 for r in body])
    assert (t.status["zahl"][~zero] == "ok").all()
    assert (t.status["zahl"][zero] == "rounded_zero").all()
    v = t.values
    city_2012 = v[(v["tab_id"] == "005") & (v["jahr"] == 2012) & (v["raum_id"] == "000")]
    assert city_2012["zahl"].tolist() == [1_044_555]  # Einwohner in Köln, 31.12.2012
    assert t.values["raum"].iloc[0] == "Stadt Köln"


def test_text_row_with_empty_key_is_data_not_a_heading():
    # ";Mitte;" under named columns is a data row (round trip of a table with a missing key)
    df = pd.DataFrame(
        {"Kennziffer": [None, "02"], "Bezirk": ["Mitte", "Pankow"], "Wert": [NAN, 1.0]}
    )
    t = read(write_statistik(df))
    assert t.meta["header_rows"] == 1
    assert list(t.values["Bezirk"]) == ["Mitte", "Pankow"]


def test_one_stray_or_missing_separator_never_loses_rows_silently():
    # every data row of every fixture, once with a stray and once without one separator
    # (issue 16: before, 75 of 105 such variants lost 54-62 % of the table without a word)
    rng = np.random.default_rng(16)
    n_variants = 0
    for path in sorted(DATA.glob("*.csv")):
        raw = path.read_bytes()
        text = (
            raw.decode("cp1252") if b"\x96" in raw or b"\xfc" in raw else raw.decode("utf-8-sig")
        )
        base = read(text)
        n, sep = len(base), base.meta["separator"]
        lines = text.replace("\r\n", "\n").split("\n")
        first = base.meta["header_line"] - 1 + base.meta["header_rows"]
        for i in range(first, first + n):
            line = lines[i]
            seps = [k for k, ch in enumerate(line) if ch == sep]
            p = int(rng.integers(len(line) + 1))
            q = seps[int(rng.integers(len(seps)))]
            for new in (line[:p] + sep + line[p:], line[:q] + line[q + 1 :]):
                mutated = "\n".join([*lines[:i], new, *lines[i + 1 :]])
                n_variants += 1
                message = ""
                try:
                    t = read(mutated)
                except InputError as err:
                    message = str(err)
                if message:
                    assert re.search(rf"line {i + 1}\b", message), message
                else:  # e.g. a trailing separator: nothing shifted, nothing lost
                    assert len(t) == n
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DataQualityWarning)
                    t = read(mutated, errors="coerce")
                assert len(t) + len(t.meta["rejected_lines"]) == n
    assert n_variants >= 90


def test_database_export_with_unnamed_key_columns():
    # GENESIS database table layout: the first columns have no heading; "DG" is Germany
    text = (
        "12411-01-01-4: Bevölkerung nach Geschlecht - Stichtag 31.12.\n"
        "Bevölkerungsstand (Anzahl)\n"
        ";;;Insgesamt;männlich;weiblich\n"
        "31.12.2022;DG;Deutschland;84358845;41523165;42835680\n"
        "31.12.2022;01;Schleswig-Holstein;2953270;1446452;1506818\n"
        "31.12.2022;01001;Flensburg, Stadt;92550;45460;47090\n"
        "__________\n"
        "(C)opyright Statistische Ämter des Bundes und der Länder, 2024\n"
    )
    with pytest.warns(DataQualityWarning, match="different lengths"):  # three levels in one table
        t = read(text)
    assert list(t.values.columns) == [
        "Unnamed: 0", "Unnamed: 1", "Unnamed: 2", "Insgesamt", "männlich", "weiblich",
    ]  # fmt: skip
    assert t.key_columns == ("Unnamed: 1",)
    assert list(t.values["Unnamed: 1"]) == ["DG", "01", "01001"]
    assert list(t.values["Insgesamt"]) == [84358845, 2953270, 92550]
    assert t.meta["footer_lines"][0] == "__________"


@pytest.mark.parametrize(
    ("text", "header_line"),
    [
        ("Tabelle 1\n\nBezirk;Einwohner;Quote\n\nMitte;397.134;12,1\nPankow;424.307;8,5\n", 3),
        ("Bezirk;Einwohner;Quote\n;;\nMitte;397.134;12,1\nPankow;424.307;8,5\n", 1),
        ("Bezirk;Bevölkerung;\n;insgesamt;Ausländer\n\nMitte;397.134;12\nPankow;424.307;8\n", 1),
    ],
)
def test_blank_line_between_headings_and_data(text, header_line):
    t = read(text)
    assert list(t.values["Bezirk"]) == ["Mitte", "Pankow"]
    assert t.values.iloc[:, 1].tolist() == [397134, 424307]
    assert t.meta["header_line"] == header_line


def test_write_heading_levels_round_trip():
    t = read_statistik(DATA / "laender_3zeilen_cp1252.csv")
    levels = t.column_levels()
    numeric = levels[[c in t.status.columns for c in t.values.columns]]
    text = write_statistik(
        t.values.set_axis(levels, axis=1), status=t.status.set_axis(numeric, axis=1)
    )
    lines = text.split("\r\n")
    assert lines[1].startswith(";;;;insgesamt;männlich;weiblich;Deutsche;;;Ausländer;;")
    back = read(text)
    assert back.meta["header_rows"] == 3
    assert back.meta["header_levels"] == t.meta["header_levels"]
    pd.testing.assert_frame_equal(back.values, t.values)
    pd.testing.assert_frame_equal(back.status, t.status)
    # a shape the reader could not tell from data is refused, not written
    bad = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("A", "x"), ("B", "y")]))
    with pytest.raises(InputError, match="would not read back as headings"):
        write_statistik(bad)
