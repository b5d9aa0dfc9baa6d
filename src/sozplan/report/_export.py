"""Exports of the published tables: CSV in the report's language and one Excel workbook.

Both are written by :func:`sozplan.io.write_table`. German CSV: ``;`` as separator,
decimal comma, every number rounded as its column says, UTF-8 with byte-order mark,
hidden cells as ``.`` (DIN 55301, "geheim"), the data source in a last line
``Quelle: ...``. The Excel workbook has one sheet per table, numbers stored as numbers
with a number format of the column's decimals, the caption and the source below.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sozplan.io import write_table

__all__ = ["format_cell", "write_tables"]


def _decimals(decimals: int | Mapping, column: Any) -> int:
    return int(decimals.get(column, 1)) if isinstance(decimals, Mapping) else int(decimals)


def format_cell(value: Any, decimals: int, language: str) -> str:
    """One CSV cell: rounded number in the language's format, "." for hidden, text as is.

    Examples
    --------
    >>> format_cell(1234.5678, 1, "de"), format_cell(None, 1, "de"), format_cell(3, 0, "en")
    ('1234,6', '.', '3')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "."
    if isinstance(value, bool | np.bool_):
        return str(value)
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        text = f"{float(value):.{decimals}f}"
        return text.replace(".", ",") if language == "de" else text
    return str(value)


def _numeric(df: pd.DataFrame) -> pd.DataFrame:
    """Columns of numbers and empty cells as floats; text columns unchanged."""
    out = df.copy()
    for c in out.columns:
        col = out[c]
        if col.dtype == object:
            values = col.dropna()
            if len(values) and all(
                isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
                for v in values
            ):
                out[c] = pd.to_numeric(col, errors="coerce").astype(float)
            elif not len(values):
                out[c] = np.nan
    return out


def write_tables(sinks: Any, *, language: str, attribution: str) -> None:
    """Write every published table as CSV, all of them into one workbook, and an index.

    Both through :func:`sozplan.io.write_table`: numbers rounded as each column says,
    empty cells (hidden, or missing in the source) with the sign ``.``, the source
    below the table.
    """
    folder = sinks.out / "tabellen"
    source = ("Quelle: " if language == "de" else "Source: ") + attribution
    try:
        import openpyxl

        book = openpyxl.Workbook()  # all sheets in memory, the file saved once
        blank = book.active
    except ImportError:
        book = blank = None
    for name, (df, cap, decimals) in sinks.frames.items():
        table = _numeric(df)
        if table.index.name is None:
            table.index.name = "ID"
        table.columns = [str(c) for c in table.columns]
        numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
        dec = {c: _decimals(decimals, c) for c in numeric}
        status = pd.DataFrame(
            {c: np.where(table[c].isna(), "suppressed", "ok") for c in numeric},
            index=table.index,
        )
        kw = {"decimals": dec, "language": language, "status": status, "index": True}
        write_table(table, folder / f"{name}.csv", attribution=source, **kw)
        if book is not None:
            write_table(table, book, attribution=[cap, source], sheet_name=name[:31], **kw)
        sinks.tables[name]["source"] = attribution
    if book is not None and len(book.sheetnames) > 1:
        book.remove(blank)
        book.active = 0
        book.save(folder / "sozialbericht_tabellen.xlsx")
    (folder / "tabellen.json").write_text(
        json.dumps(sinks.tables, ensure_ascii=False, indent=1), encoding="utf-8"
    )
