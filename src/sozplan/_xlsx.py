"""Excel sheets for published tables (used by :func:`sozplan.io.write_table`).

Numbers stay numbers (rounded to the published precision, so that the workbook
reveals no more digits than the CSV), shown through Excel number formats; the
DIN 55301 signs of values without a number are written as text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sozplan.checks import fail

__all__: list[str] = []

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_HEADER_FILL = "D9E2F3"
_MIN_WIDTH, _MAX_WIDTH = 6, 50


def number_format(decimals: int | None, integer: bool, status: str | None = None) -> str:
    """Excel format code for a value with ``decimals`` (``None``: as stored).

    Zeros show as ``-`` (DIN 55301: exactly nothing), bracketed values (status
    ``limited``) in brackets, flagged values with their letter. Excel format codes
    always use ``.`` and ``,``; Excel shows them in the reader's locale.

    Examples
    --------
    >>> number_format(1, False)
    '#,##0.0;-#,##0.0;"-"'
    >>> number_format(None, True, "provisional")
    '#,##0" p";-#,##0" p";"-"'
    """
    if decimals is None and not integer:
        body = "General"
    else:
        body = "#,##0" + ("." + "0" * decimals if decimals else "")
    suffix = {"provisional": '" p"', "revised": '" r"', "estimated": '" s"'}.get(status or "", "")
    if status == "limited":
        return f"({body});(-{body})"
    if body == "General":
        return "General" if not suffix else f"General{suffix}"
    return f'{body}{suffix};-{body}{suffix};"-"'


def check_sheet_name(name: str, where: str) -> str:
    """Return ``name`` if Excel accepts it as a sheet name, else raise."""
    if not isinstance(name, str) or not name or len(name) > 31 or _BAD_SHEET_CHARS.search(name):
        raise fail(
            where,
            f"`sheet_name` {name!r} is not a valid Excel sheet name",
            "use 1 to 31 characters without [ ] : * ? / \\",
        )
    return name


def is_workbook(target: object) -> bool:
    """Whether ``target`` is an open openpyxl workbook (not a path).

    Examples
    --------
    >>> is_workbook("tabellen.xlsx")
    False
    """
    if isinstance(target, str | os.PathLike):
        return False
    try:
        from openpyxl import Workbook
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        return False
    return isinstance(target, Workbook)


def write_sheet(
    path: str | os.PathLike | Any,
    frame: pd.DataFrame,
    *,
    numeric: Sequence[Hashable],
    status: Mapping[Hashable, Sequence[str | None] | None],
    signs: Mapping[str, str],
    decimals: Mapping[Hashable, int],
    sheet_name: str,
    notes: Sequence[str],
    mode: str,
) -> None:
    """Write ``frame`` (index already a column) as one formatted sheet of ``path``.

    ``path`` may be an open workbook: the sheet is added to it and nothing is saved.
    """
    from openpyxl import Workbook, load_workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    book = is_workbook(path)
    wb: Any
    if book:
        wb = path
        if sheet_name in wb.sheetnames:
            del wb[sheet_name]
        ws = wb.create_sheet(sheet_name)
    elif mode == "a" and os.path.exists(path):
        wb = load_workbook(path)
        if sheet_name in wb.sheetnames:
            del wb[sheet_name]
        ws = wb.create_sheet(sheet_name)
    else:
        wb = Workbook()
        ws = wb.active
        ws.title = sheet_name

    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor=_HEADER_FILL)
    header_border = Border(bottom=Side(style="thin"))
    right = Alignment(horizontal="right")
    columns = list(frame.columns)
    widths = [len(str(c)) for c in columns]
    for j, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j, value=str(col))
        cell.font, cell.fill, cell.border = header_font, header_fill, header_border
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for j, col in enumerate(columns, start=1):
        if col in numeric:
            vals = frame[col].to_numpy(dtype="float64", na_value=np.nan)
            integer = pd.api.types.is_integer_dtype(frame[col]) or bool(
                np.all(np.isnan(vals) | (vals == np.round(vals)))
            )
            digits = decimals.get(col)
            codes = status.get(col)
            codes = [None] * len(vals) if codes is None else list(codes)
            for i, (v, code) in enumerate(zip(vals.tolist(), codes, strict=True), start=2):
                cell = ws.cell(row=i, column=j)
                if code in signs or v != v:
                    cell.value = signs.get(code or "missing", "")
                    cell.alignment = right
                    continue
                if code == "rounded_zero":
                    cell.value = "0"
                    cell.alignment = right
                    continue
                # the digits the CSV shows (same formatting, so both files agree)
                shown = float(f"{v:.{digits}f}") if digits is not None else v
                shown = int(shown) if (digits == 0 or (digits is None and integer)) else shown
                cell.value = shown
                cell.number_format = number_format(digits, integer, code)
                text = f"{abs(v):,.{digits if digits is not None else 0}f}"
                widths[j - 1] = max(widths[j - 1], len(text) + 1)
        else:
            for i, v in enumerate(frame[col].tolist(), start=2):
                text = "" if v is None or (isinstance(v, float) and v != v) else str(v)
                ws.cell(row=i, column=j, value=text)
                widths[j - 1] = max(widths[j - 1], len(text))
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, _MIN_WIDTH), _MAX_WIDTH)
    ws.freeze_panes = "B2" if len(columns) > 1 else "A2"
    row = len(frame) + 3
    for note in notes:
        ws.cell(row=row, column=1, value=note).font = Font(italic=True)
        row += 1
    if not book:
        wb.save(path)
