"""Exports of the published tables: CSV in the report's language and one Excel workbook.

German CSV: ``;`` as separator, decimal comma, every number rounded as its column says,
UTF-8 with byte-order mark, hidden cells as ``.`` (DIN 55301, "geheim"), the data
source in a last line ``Quelle: ...``. The Excel workbook has one sheet per table with
its caption above and the source below, numbers stored as numbers with a number format
of the column's decimals.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

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


def write_tables(sinks: Any, *, language: str, attribution: str) -> None:
    """Write every published table as CSV, all of them into one workbook, and an index."""
    folder = sinks.out / "tabellen"
    source = ("Quelle: " if language == "de" else "Source: ") + attribution
    for name, (df, _cap, decimals) in sinks.frames.items():
        text = df.copy().astype(object)
        for c in df.columns:
            d = _decimals(decimals, c)
            text[c] = [format_cell(v, d, language) for v in df[c]]
        body = text.to_csv(sep=";", lineterminator="\n")
        (folder / f"{name}.csv").write_text(body + source + "\n", encoding="utf-8-sig")
        sinks.tables[name]["source"] = attribution
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        pass
    else:
        with pd.ExcelWriter(folder / "sozialbericht_tabellen.xlsx", engine="openpyxl") as xw:
            for name, (df, cap, decimals) in sinks.frames.items():
                sheet = name[:31]
                df.to_excel(xw, sheet_name=sheet, startrow=1)
                ws = xw.sheets[sheet]
                ws.cell(row=1, column=1, value=cap)
                ws.cell(row=len(df) + 4, column=1, value=source)
                for j, c in enumerate(df.columns, start=2):
                    d = _decimals(decimals, c)
                    fmt = "0" if d == 0 else "0." + "0" * d
                    for i in range(3, len(df) + 3):
                        ws.cell(row=i, column=j).number_format = fmt
    (folder / "tabellen.json").write_text(
        json.dumps(sinks.tables, ensure_ascii=False, indent=1), encoding="utf-8"
    )
