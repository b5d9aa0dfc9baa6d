"""Tests of sozplan.io.write_table: German/English CSV and formatted Excel for publication."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sozplan.errors import InputError
from sozplan.io import read_statistik, write_table

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Name": ["Mitte", "Nord; Ost", "Süd"],
            "Einwohner": [12_345, 0, 980],
            "Quote": [12.3456, 0.0, 7.05],
            "Fälle": [120, 0, "."],
        },
        index=pd.Index(["01100101", "01100102", "01100103"], name="PLR"),
    )


def test_german_csv_format(table, tmp_path):
    path = tmp_path / "t.csv"
    write_table(
        table, path, decimals={"Quote": 1}, attribution="Quelle: Musterstadt, dl-de/by-2-0"
    )
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "PLR;Name;Einwohner;Quote;Fälle"
    # no thousands separator, decimal comma, one decimal, exact zero as "-", the secret sign kept
    assert lines[1] == "01100101;Mitte;12345;12,3;120"
    assert lines[2] == '01100102;"Nord; Ost";-;-;-'
    assert lines[3] == "01100103;Süd;980;7,0;."  # 7.05 is 7.04999... in binary
    assert lines[5] == "Quelle: Musterstadt, dl-de/by-2-0"


def test_english_csv_format(table, tmp_path):
    path = tmp_path / "t.csv"
    write_table(table, path, decimals=2, language="en")
    lines = path.read_bytes().decode("utf-8-sig").split("\r\n")
    assert lines[0] == "PLR,Name,Einwohner,Quote,Fälle"
    assert lines[1] == "01100101,Mitte,12345.00,12.35,120.00"


def test_round_trip_german_csv(table, tmp_path):
    path = tmp_path / "t.csv"
    write_table(table, path, decimals={"Quote": 2, "Einwohner": 0})
    back = read_statistik(path)
    assert back.values["PLR"].tolist() == table.index.tolist()  # leading zeros kept
    assert back.values["Quote"].tolist() == [12.35, 0.0, 7.05]
    assert back.values["Einwohner"].tolist() == [12345, 0, 980]
    assert back.status["Fälle"].astype(str).tolist() == ["ok", "zero", "suppressed"]


@given(
    values=st.lists(
        st.one_of(
            st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: round(v, 3)), st.just(np.nan)
        ),
        min_size=1,
        max_size=12,
    ),
    digits=st.integers(0, 3),
)
@settings(max_examples=40, deadline=None)
def test_property_round_trip_gives_the_rounded_values(values, digits, tmp_path_factory):
    path = tmp_path_factory.mktemp("rt") / "t.csv"
    values = [1.5, *values]  # a table of empty cells only is no table for the reader
    df = pd.DataFrame(
        {"x": values}, index=pd.Index([f"{i:03d}" for i in range(len(values))], name="id")
    )
    write_table(df, path, decimals=digits)
    back = read_statistik(path).values["x"].to_numpy(dtype=float)
    expected = np.array([float(f"{v:.{digits}f}") if v == v else np.nan for v in values])
    np.testing.assert_array_equal(back, expected)


def test_excel_numbers_formats_and_notes(table, tmp_path):
    path = tmp_path / "t.xlsx"
    write_table(table, path, decimals={"Quote": 1}, attribution="Quelle: Musterstadt")
    ws = openpyxl.load_workbook(path)["Tabelle"]
    assert [c.value for c in ws[1]] == ["PLR", "Name", "Einwohner", "Quote", "Fälle"]
    assert ws["A1"].font.bold
    assert ws.freeze_panes == "B2"
    assert ws["A2"].value == "01100101"  # ids stay text
    assert ws["D2"].value == 12.3  # a real number, rounded to the published precision
    assert ws["D2"].number_format == '#,##0.0;-#,##0.0;"-"'
    assert ws["C2"].value == 12345
    assert ws["C2"].number_format.startswith("#,##0;")
    assert ws["E4"].value == "."  # the secret sign as text
    notes = [ws.cell(row=r, column=1).value for r in range(5, 9)]
    assert "Quelle: Musterstadt" in notes
    assert any(n and n.startswith("Zeichenerklärung: - nichts vorhanden") for n in notes)
    assert ws.column_dimensions["B"].width >= len("Nord; Ost")


def test_excel_collects_sheets(table, tmp_path):
    path = tmp_path / "t.xlsx"
    write_table(table, path, sheet_name="eins")
    write_table(table, path, sheet_name="zwei", mode="a", language="en")
    write_table(table.head(1), path, sheet_name="eins", mode="a")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["zwei", "eins"]
    assert wb["eins"].max_row < 5
    assert wb["zwei"]["A6"].value.startswith("Signs: ")


def test_open_workbook_gets_the_same_sheets_as_the_file(table, tmp_path):
    # many tables into one workbook without reading and rewriting the file per sheet
    path = tmp_path / "t.xlsx"
    write_table(table, path, sheet_name="eins", decimals={"Quote": 1})
    write_table(table, path, sheet_name="zwei", mode="a", language="en")
    book = openpyxl.Workbook()
    write_table(table, book, sheet_name="eins", decimals={"Quote": 1})
    write_table(table, book, sheet_name="zwei", language="en")
    write_table(table.head(1), book, sheet_name="zwei")  # replaces the sheet of that name
    write_table(table, book, sheet_name="zwei", language="en")
    assert book.sheetnames == ["Sheet", "eins", "zwei"]
    book.remove(book["Sheet"])
    book.save(tmp_path / "b.xlsx")
    a, b = openpyxl.load_workbook(path), openpyxl.load_workbook(tmp_path / "b.xlsx")
    assert a.sheetnames == b.sheetnames
    for name in a.sheetnames:
        cells = [[(c.value, c.number_format, c.font.bold) for c in row] for row in a[name].rows]
        assert cells == [
            [(c.value, c.number_format, c.font.bold) for c in row] for row in b[name].rows
        ]
        assert a[name].freeze_panes == b[name].freeze_panes


def test_status_frame_and_statistik_table(tmp_path):
    df = pd.DataFrame({"n": [5.0, 2.0, 7.25]}, index=pd.Index(["a", "b", "c"], name="id"))
    status = pd.DataFrame({"n": ["ok", "suppressed", "provisional"]}, index=df.index)
    path = tmp_path / "t.csv"
    write_table(df, path, status=status, decimals=1)
    back = read_statistik(path)
    assert back.status["n"].astype(str).tolist() == ["ok", "suppressed", "provisional"]
    write_table(back, tmp_path / "u.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "u.xlsx").active
    assert ws["B3"].value == "."
    assert ws["B4"].number_format.startswith('General" p"')


def test_object_column_of_numbers_and_gaps_is_numeric(tmp_path):
    # a table whose hidden cells were set to None (object dtype) is still written as numbers
    df = pd.DataFrame({"q": [12.345, None, 3]}, index=pd.Index(["a", "b", "c"], name="id"))
    df["q"] = df["q"].astype(object).where(df["q"].notna(), None)
    path = tmp_path / "t.csv"
    write_table(df, path, decimals=1)
    assert path.read_bytes().decode("utf-8-sig").split("\r\n")[1:4] == ["a;12,3", "b;", "c;3,0"]


def test_multiindex_columns(tmp_path):
    # headings over two lines stay in the CSV; decimals and Excel use the flat names
    df = pd.DataFrame(
        [[1.25, 2.0, "a"], [3.5, 4.0, "b"]],
        columns=pd.MultiIndex.from_tuples([("Quote", "2022"), ("Quote", "2024"), ("Name", "")]),
        index=pd.Index(["01", "02"], name="id"),
    )
    write_table(df, tmp_path / "t.csv", decimals={("Quote", "2022"): 1, "Quote 2024": 0})
    back = read_statistik(tmp_path / "t.csv").values
    assert back["Quote 2022"].tolist() == [1.2, 3.5]  # 1.25 is 1.2 (round half to even)
    assert back["Quote 2024"].tolist() == [2, 4]
    write_table(df, tmp_path / "t.xlsx", decimals=1)
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert [c.value for c in ws[1]] == ["id", "Quote 2022", "Quote 2024", "Name"]


def test_bad_input(table, tmp_path):
    with pytest.raises(InputError, match=r"write_table: `path` ends in '\.txt'"):
        write_table(table, tmp_path / "t.txt")
    with pytest.raises(InputError, match="`decimals` names 'Name', which are not numeric"):
        write_table(table, tmp_path / "t.csv", decimals={"Name": 1})
    with pytest.raises(InputError, match="`decimals` names 'Quotient', which are not columns"):
        write_table(table, tmp_path / "t.csv", decimals={"Quotient": 1})
    with pytest.raises(InputError, match="`decimals` is -1"):
        write_table(table, tmp_path / "t.csv", decimals=-1)
    with pytest.raises(InputError, match="sheet name"):
        write_table(table, tmp_path / "t.xlsx", sheet_name="a/b")
    with pytest.raises(InputError, match="`language`"):
        write_table(table, tmp_path / "t.csv", language="fr")
    with pytest.raises(InputError, match="`table` is"):
        write_table([1, 2], tmp_path / "t.csv")
