"""Read and write statistics tables as German statistics offices publish them.

Municipal statistics offices, the statistical offices of the Länder and the
federal GENESIS databases publish tables as CSV files with German conventions:
``;`` as field separator, a decimal comma (a decimal point in English exports),
thousands separators, UTF-8 with byte-order mark or windows-1252, title lines
above and source lines and footnotes below the table, and the signs of DIN 55301
in place of numbers (``-`` exactly zero, ``.`` secret, ``/`` unreliable, ...).

:func:`read_statistik` reads such a file into a :class:`StatistikTable`: the
numbers of every numeric column plus, for every value, a *status* that says what
the cell meant. Regional keys (AGS, ARS, Berlin's planning-area ids such as
``01100101``) stay zero-padded strings. :func:`write_statistik` writes a table in
the same format, so that ``read_statistik(write_statistik(x))`` gives back the
values and statuses of ``x``.

The reader works in three steps: (1) read every cell as text, (2) map whole-cell
signs (``-``, ``.``, ``/``, ``x``, ...) and markers (brackets, ``p``/``r``/``s``
flags) to a status, (3) convert the remaining numbers with the file's decimal and
thousands separators. A ``-`` is therefore always the value 0 with status
``zero`` and never a missing value.

Examples
--------
>>> import io
>>> from sozplan.io import read_statistik
>>> text = '''Einwohner nach Bezirken
...
... Bezirk;Schlüssel;Einwohner;Quote
... Mitte;01;384.172;12,5
... Köpenick;09;-;.
...
... Quelle: Amt für Statistik'''
>>> table = read_statistik(io.StringIO(text))
>>> table.values
     Bezirk Schlüssel  Einwohner  Quote
0     Mitte        01     384172   12.5
1  Köpenick        09          0    NaN
>>> table.status
  Einwohner       Quote
0        ok          ok
1      zero  suppressed
>>> table.meta["footer_lines"]
('Quelle: Amt für Statistik',)
"""

from __future__ import annotations

import csv
import html
import io
import os
import re
import warnings
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from sozplan import _io_kernels as _kernels
from sozplan import _xlsx
from sozplan._core.frozen import immutable
from sozplan.checks import check_frame, fail, format_values, public_functions
from sozplan.errors import DataQualityWarning, InputError

__all__ = [
    "SIGNS",
    "STATUS_CODES",
    "STATUS_LABELS",
    "StatistikTable",
    "read_statistik",
    "write_statistik",
    "write_table",
]

#: Every status a value can have, in the order used by the categorical dtype.
STATUS_CODES: tuple[str, ...] = (
    "ok",
    "zero",
    "rounded_zero",
    "suppressed",
    "unreliable",
    "not_applicable",
    "pending",
    "limited",
    "provisional",
    "revised",
    "estimated",
    "missing",
    "invalid",
)

#: Meaning of each status (German label as in DIN 55301, English label).
STATUS_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "ok": ("Zahlenwert", "plain value"),
        "zero": ("nichts vorhanden (genau null)", "nothing (exactly zero)"),
        "rounded_zero": (
            "weniger als die Hälfte von 1 in der letzten besetzten Stelle",
            "less than half a unit of the last digit shown",
        ),
        "suppressed": ("Zahlenwert unbekannt oder geheim zu halten", "unknown or secret"),
        "unreliable": ("Zahlenwert nicht sicher genug", "not reliable enough"),
        "not_applicable": ("Tabellenfach gesperrt, Aussage nicht sinnvoll", "not applicable"),
        "pending": ("Angabe fällt später an", "due later"),
        "limited": ("Aussagewert eingeschränkt", "limited informative value"),
        "provisional": ("vorläufige Zahl", "provisional"),
        "revised": ("berichtigte Zahl", "revised"),
        "estimated": ("geschätzte Zahl", "estimated"),
        "missing": ("leeres Feld", "empty cell"),
        "invalid": ("unlesbarer Eintrag", "unreadable entry"),
    }
)

#: Whole-cell signs of DIN 55301 (and common typographic variants) and their status.
SIGNS: Mapping[str, str] = MappingProxyType(
    {
        "-": "zero",
        "–": "zero",  # en dash, as typeset tables print it
        "—": "zero",  # em dash
        ".": "suppressed",
        "·": "suppressed",  # middle dot, the typeset form of the secrecy sign
        "/": "unreliable",
        "x": "not_applicable",
        "X": "not_applicable",
        "...": "pending",
        "…": "pending",  # one-character ellipsis (windows-1252 byte 0x85)
        "": "missing",
    }
)

_SIGN_STATUS = dict(SIGNS)  # plain dict: faster lookups than the read-only proxy

#: The sign :func:`write_statistik` writes for each status of a missing value.
_SIGN_OF_STATUS = {
    "suppressed": ".",
    "unreliable": "/",
    "not_applicable": "x",
    "pending": "...",
    "missing": "",
    "invalid": "",
}
_FLAGS = {"p": "provisional", "r": "revised", "s": "estimated"}
_FLAG_OF_STATUS = {v: k for k, v in _FLAGS.items()}
#: Statuses whose value is NaN.
_NAN_STATUSES = frozenset(_SIGN_OF_STATUS)

_SEPARATORS = (";", "\t", ",")
_SPACES = " \u00a0\u202f"  # blank, no-break space, narrow no-break space

_KEY_NAME_RE = re.compile(
    r"schl(?:ü|ue)ssel|kennziffer|gemeindekennzahl|(?<![a-zäöüß])"
    r"(?:id|ags|ars|plr|bzr|pgr|lor|key|gkz|raumid)(?![a-zäöüß])",
    re.IGNORECASE,
)
_CODE_RE = re.compile(r"^[0-9A-Za-z]*\d[0-9A-Za-z]*$")
_WHERE_READ = "read_statistik"
_WHERE_WRITE = "write_statistik"


class _MissingFileError(InputError, FileNotFoundError):
    """A file that does not exist (an :class:`InputError` and a ``FileNotFoundError``)."""


# --------------------------------------------------------------------------- result


@immutable
@dataclass(frozen=True, eq=False)
class StatistikTable:
    """A statistics table read by :func:`read_statistik`: values plus a status per value.

    Attributes
    ----------
    values : DataFrame
        The table with its columns in file order: key and text columns as strings
        (keys keep their leading zeros), numeric columns as ``int64`` (whole
        numbers without any missing value) or ``float64``. Signs that carry no
        number (``.``, ``/``, ``x``, ``...``, empty cells) are NaN; ``-`` is 0.
    status : DataFrame
        Same index as ``values``, one column per numeric column, categorical
        with the categories :data:`STATUS_CODES`: what each cell meant
        (``ok``, ``zero``, ``rounded_zero``, ``suppressed``, ``unreliable``,
        ``not_applicable``, ``pending``, ``limited``, ``provisional``,
        ``revised``, ``estimated``, ``missing``, ``invalid``).
    key_columns : tuple of str
        Columns kept as regional keys (zero-padded strings).
    meta : mapping
        How the file was read: ``source``, ``encoding``, ``separator``,
        ``decimal``, ``thousands``, ``header_line`` (1-based line number of the
        column names), ``n_rows``, ``header_lines`` and ``footer_lines`` (the
        non-empty lines above and below the table), ``source_title`` (the first
        line above the table), ``numeric_columns``, ``text_columns``,
        ``key_widths``, ``quality_columns`` (GENESIS flag columns and the
        value column each was applied to), ``header_rows`` (number of heading
        lines), ``header_levels`` (per column its heading cells, top to
        bottom), ``column_notes`` (per column the footnote markers removed from
        its heading), ``rejected_lines`` (``(line number, text)`` of the rows
        left out with ``errors="coerce"``) and ``na_values`` (per column the
        number of cells that held a code of ``na_values=``).
    warnings : tuple of str
        Data-quality problems found while reading (also issued as
        :class:`~sozplan.errors.DataQualityWarning`).
    """

    values: pd.DataFrame
    status: pd.DataFrame
    key_columns: tuple[str, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "meta", MappingProxyType(dict(self.meta)))

    def __len__(self) -> int:
        """Return the number of rows."""
        return len(self.values)

    @property
    def numeric_columns(self) -> list[str]:
        """Names of the numeric columns (those with a status)."""
        return list(self.status.columns)

    def column_levels(self) -> pd.MultiIndex:
        r"""Return the heading cells of the columns of ``values`` as a MultiIndex.

        One level per heading line of the file (one for a plain header). Cells
        that a heading spans to its right are filled in, as in the flat names
        (see the Notes of :func:`read_statistik`).

        Returns
        -------
        MultiIndex
            Aligned with ``values.columns``.

        Examples
        --------
        >>> import io
        >>> t = read_statistik(io.StringIO(
        ...     "Kreis;Einwohner;\n;Deutsche;Ausländer\nKiel;212.597;35.120\nLübeck;191.233;26.862"))
        >>> list(t.values.columns)
        ['Kreis', 'Einwohner Deutsche', 'Einwohner Ausländer']
        >>> t.column_levels().tolist()
        [('Kreis', ''), ('Einwohner', 'Deutsche'), ('Einwohner', 'Ausländer')]
        """
        levels = self.meta.get("header_levels") or {}
        tuples = [tuple(levels.get(c, (str(c),))) for c in self.values.columns]
        depth = max((len(t) for t in tuples), default=1)
        tuples = [t + ("",) * (depth - len(t)) for t in tuples]
        if not tuples:
            return pd.MultiIndex.from_tuples([], names=[None] * depth)
        return pd.MultiIndex.from_tuples(tuples)

    def status_counts(self) -> pd.DataFrame:
        r"""Count the statuses per numeric column.

        Returns
        -------
        DataFrame
            One row per numeric column, one column per status that occurs.

        Examples
        --------
        >>> import io
        >>> t = read_statistik(io.StringIO("a;b\n1;-\n.;2"))
        >>> t.status_counts()
        status  ok  zero  suppressed
        a        1     0           1
        b        1     1           0
        """
        counts = {c: self.status[c].value_counts() for c in self.status.columns}
        out = pd.DataFrame(counts, index=list(STATUS_CODES)).T.fillna(0).astype("int64")
        out = out.loc[:, (out > 0).any(axis=0)]
        out.columns.name = "status"
        return out

    def to_frame(self, long: bool = True) -> pd.DataFrame:
        r"""Return the table as one DataFrame.

        Parameters
        ----------
        long : bool, default True
            ``True``: the tidy long form with the key and text columns (and the
            index, if it has a name) followed by ``variable``, ``value`` and
            ``status``, one row per numeric cell. ``False``: the wide ``values``
            with a ``<column>_status`` column after every numeric column.

        Returns
        -------
        DataFrame

        Examples
        --------
        >>> import io
        >>> t = read_statistik(io.StringIO("AGS;Einwohner\n01001000;90.164\n01002000;."))
        >>> t.to_frame()
                AGS   variable    value      status
        0  01001000  Einwohner  90164.0          ok
        1  01002000  Einwohner      NaN  suppressed
        >>> t.to_frame(long=False)
                AGS  Einwohner Einwohner_status
        0  01001000    90164.0               ok
        1  01002000        NaN       suppressed
        """
        numeric = self.numeric_columns
        if not long:
            parts = {}
            for col in self.values.columns:
                parts[col] = self.values[col]
                if col in numeric:
                    parts[f"{col}_status"] = self.status[col]
            return pd.DataFrame(parts, index=self.values.index)
        ids = [c for c in self.values.columns if c not in numeric]
        values = self.values
        if values.index.name is not None or isinstance(values.index, pd.MultiIndex):
            names = [n for n in values.index.names if n is not None]
            values = values.reset_index()
            ids = names + ids
        else:
            values = values.reset_index(drop=True)
        status = self.status.reset_index(drop=True)
        n = len(values)
        frames = []
        for col in numeric:
            part = values[ids].copy() if ids else pd.DataFrame(index=range(n))
            part["variable"] = col
            part["value"] = values[col].astype("float64").to_numpy()
            part["status"] = status[col].to_numpy()
            frames.append(part)
        if not frames:
            return pd.DataFrame(columns=[*ids, "variable", "value", "status"])
        out = pd.concat(frames, ignore_index=True)
        out["status"] = pd.Categorical(out["status"], categories=STATUS_CODES)
        return out

    def __repr__(self) -> str:
        meta = self.meta
        n_rows, n_cols = self.values.shape
        lines = [
            f"StatistikTable: {n_rows} rows x {n_cols} columns "
            f"({len(self.numeric_columns)} numeric, keys: {list(self.key_columns)})",
        ]
        if meta.get("source_title"):
            lines.append(f"  title:     {meta['source_title']}")
        if meta.get("source"):
            lines.append(f"  source:    {meta['source']}")
        lines.append(
            f"  format:    encoding {meta.get('encoding')}, separator {meta.get('separator')!r}, "
            f"decimal {meta.get('decimal')!r}, thousands {meta.get('thousands')!r}"
        )
        if meta.get("header_rows", 1) > 1:
            lines.append(f"  header:    {meta['header_rows']} lines, joined into flat names")
        counts = self._status_totals()
        if counts:
            lines.append("  status:    " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        declared = {c: n for c, n in (meta.get("na_values") or {}).items() if n}
        if meta.get("na_values"):
            shown = ", ".join(f"{c} {n}" for c, n in declared.items()) or "none found"
            lines.append(f"  declared missing (na_values): {shown}")
        if meta.get("rejected_lines"):
            numbers = [ln for ln, _ in meta["rejected_lines"]]
            lines.append(f"  rejected:  line(s) {format_values(numbers)} (wrong number of fields)")
        for w in self.warnings:
            lines.append(f"  warning:   {w}")
        return "\n".join(lines)

    def _status_totals(self) -> dict[str, int]:
        if self.status.empty:
            return {}
        flat = pd.Series(self.status.to_numpy().ravel())
        counts = flat.value_counts()
        return {k: int(counts[k]) for k in STATUS_CODES if k in counts.index}

    def _repr_html_(self, max_rows: int = 20) -> str:
        meta = self.meta
        head = self.values.head(max_rows)
        status = self.status.head(max_rows)
        numeric = set(self.numeric_columns)
        colours = {
            "zero": "#eef6ee",
            "rounded_zero": "#eef6ee",
            "suppressed": "#eeeeee",
            "unreliable": "#fdf1dc",
            "not_applicable": "#eeeeee",
            "pending": "#eeeeee",
            "limited": "#fdf1dc",
            "provisional": "#e8f0fb",
            "revised": "#e8f0fb",
            "estimated": "#e8f0fb",
            "missing": "#f6f6f6",
            "invalid": "#fbe3e3",
        }
        title = html.escape(str(meta.get("source_title") or "StatistikTable"))
        out = [
            "<div>",
            f"<p><b>{title}</b><br><small>{len(self.values)} rows &times; "
            f"{self.values.shape[1]} columns; encoding {html.escape(str(meta.get('encoding')))}, "
            f"separator {html.escape(repr(meta.get('separator')))}, decimal "
            f"{html.escape(repr(meta.get('decimal')))}; keys "
            f"{html.escape(', '.join(self.key_columns) or '-')}</small></p>",
            '<table class="dataframe"><thead><tr><th></th>',
        ]
        out += [f"<th>{html.escape(str(c))}</th>" for c in head.columns]
        out.append("</tr></thead><tbody>")
        for pos, idx in enumerate(head.index):
            out.append(f"<tr><th>{html.escape(str(idx))}</th>")
            for col in head.columns:
                value = head[col].iloc[pos]
                if col in numeric:
                    st = str(status[col].iloc[pos])
                    text = _format_cell(value, st, decimal=".", thousands="", decimals=None)
                    style = f' style="background:{colours[st]}"' if st in colours else ""
                    label = html.escape(STATUS_LABELS[st][1])
                    out.append(f'<td title="{st}: {label}"{style}>{html.escape(text)}</td>')
                else:
                    text = "" if pd.isna(value) else str(value)
                    out.append(f"<td>{html.escape(text)}</td>")
            out.append("</tr>")
        out.append("</tbody></table>")
        if len(self.values) > max_rows:
            out.append(f"<p><small>... {len(self.values) - max_rows} more rows</small></p>")
        counts = self._status_totals()
        if counts:
            out.append(
                "<p><small>status: "
                + ", ".join(f"{html.escape(k)} {v}" for k, v in counts.items())
                + "</small></p>"
            )
        declared = meta.get("na_values") or {}
        if declared:
            shown = ", ".join(f"{c} {n}" for c, n in declared.items() if n) or "none found"
            out.append(f"<p><small>declared missing (na_values): {html.escape(shown)}</small></p>")
        rejected = meta.get("rejected_lines") or ()
        if rejected:
            out.append(
                "<p><small>rejected lines (wrong number of fields): "
                + html.escape(format_values([ln for ln, _ in rejected]))
                + "</small></p>"
            )
        if self.warnings:
            out.append("<ul>" + "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings))
            out.append("</ul>")
        out.append("</div>")
        return "".join(out)


# --------------------------------------------------------------------------- reading


def read_statistik(
    path_or_buffer: str | os.PathLike | io.IOBase | Any,
    *,
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    thousands: str | None = None,
    header: int | Literal["infer"] = "infer",
    nrows: int | None = None,
    key_columns: Sequence[str] | None = None,
    key_width: int | Mapping[str, int] | None = None,
    text_columns: Sequence[str] = (),
    index_col: str | None = None,
    errors: Literal["raise", "coerce"] = "raise",
    na_values: Any = None,
) -> StatistikTable:
    r"""Read a statistics table in the format of German statistics offices.

    Reads municipal, Länder and GENESIS exports as published: ``;`` (or tab
    or ``,``) separated, decimal comma or point, thousands separators, UTF-8
    (with or without byte-order mark), UTF-16 with byte-order mark or
    windows-1252, title lines above and source lines and footnotes below the
    table, column headings over one, two or three lines, and the signs of
    DIN 55301. Every cell is read as text first; whole-cell signs and markers
    are mapped to a status, then the numbers are converted.

    ==========================  ======================  ==================
    cell                        value                   status
    ==========================  ======================  ==================
    ``123``, ``1.234,5``        the number              ``ok``
    ``-  23``, ``– 23``         -23 (blanks after the   ``ok``
                                sign are allowed)
    ``-`` or ``–``              0 (never NaN)           ``zero``
    ``0``, ``0,0``              0                       ``rounded_zero``
    ``.`` or ``·``              NaN                     ``suppressed``
    ``/``                       NaN                     ``unreliable``
    ``x``                       NaN                     ``not_applicable``
    ``...``                     NaN                     ``pending``
    ``(12,3)``                  12.3                    ``limited``
    ``12,3 p`` / ``r`` / ``s``  12.3                    ``provisional`` /
                                                        ``revised`` /
                                                        ``estimated``
    empty, or in ``na_values``  NaN                     ``missing``
    ==========================  ======================  ==================

    Parameters
    ----------
    path_or_buffer : str, path or file-like
        A file path or an open file (text or binary).
    encoding : str, optional
        Text encoding. Default: detected; a byte-order mark decides (UTF-8 or
        UTF-16), otherwise UTF-8 is tried and windows-1252 (``cp1252``) used
        when the bytes are not valid UTF-8. A UTF-8 file with a few lines in
        windows-1252 is read line by line, with a warning naming the lines.
    sep : str, optional
        Field separator. Default: whichever of ``;``, tab and ``,`` gives the
        longest block of lines with the same number of fields.
    decimal : {",", "."}, optional
        Decimal separator. Default: detected per file from the numbers
        (``1,5`` or ``1.234,5`` mean comma; ``1.5`` or ``1,234.5`` mean point);
        numbers that fit both readings (``1.234``) follow the separator: comma
        for ``;`` and tab files, point for ``,`` files.
    thousands : str, optional
        Thousands separator; default ``"."`` with a decimal comma and ``","``
        with a decimal point. Blanks (also no-break spaces) always group
        thousands. Pass ``""`` to allow no grouping character.
    header : int or "infer", default "infer"
        0-based line number of the (first) line of column names. ``"infer"``:
        the table's width is the most frequent number of fields among lines
        with at least two filled fields; the table is the block (between blank
        lines and footnotes) with most such lines, and its first such line is
        the header. Up to three more heading lines follow when their first
        field is empty and they hold no numbers (years aside). Lines above are
        title lines, lines after the last data row footer lines.
    nrows : int, optional
        Read at most this many data rows after the header.
    key_columns : sequence of str, optional
        Columns to keep as zero-padded text keys. Default: detected: columns
        whose name mentions a key (``Schlüssel``, ``Kennziffer``, ``ID``,
        ``AGS``, ``ARS``, ``PLR``, ``BZR``, ``key``, ...) and whose cells are codes
        (letters and digits, at least one digit), and columns of digits in
        which some cell has a leading zero. Pass ``()`` to detect none.
    key_width : int or mapping of str to int, optional
        Re-pad digit keys shorter than this width with leading zeros (repairs
        keys whose zeros a spreadsheet removed), for all key columns or per
        column.
    text_columns : sequence of str, default ()
        Columns to keep as text even though they look numeric.
    index_col : str, optional
        Column to use as the index of ``values`` and ``status``.
    errors : {"raise", "coerce"}, default "raise"
        What to do with a cell of a numeric column that is neither a number
        nor a known sign (e.g. ``12a``) and with a data row whose number of
        fields differs from the column names (a stray or missing separator):
        ``"raise"`` an :class:`~sozplan.errors.InputError` naming each such
        cell or line; ``"coerce"`` reads such a cell as NaN with status
        ``invalid`` and leaves such a row out, each listed in ``warnings``
        (and the rows in ``meta["rejected_lines"]``) and issued as a
        :class:`~sozplan.errors.DataQualityWarning`.
    na_values : scalar, sequence or mapping, optional
        Codes that mean "no value" in this file, such as ``-9999``: a list
        for all columns, or ``{column: list}`` per column (e.g.
        ``{"S1": [-9999]}``). Numbers match numeric cells by value (``-9999``,
        ``-9.999`` and ``-9999,0`` alike), strings match whole cells
        (``"k.A."``). Matching cells become NaN with status ``missing``;
        ``meta["na_values"]`` counts them per column.

    Returns
    -------
    StatistikTable
        ``values`` (numbers; keys and text as strings), ``status`` (one
        categorical status per numeric value), ``key_columns``, ``meta``
        (encoding, separator, decimal, header rows and levels, title and
        footer lines, rejected lines, declared missing values) and
        ``warnings``. ``to_frame()`` gives the tidy long form with a status
        per value; ``column_levels()`` the heading rows as a MultiIndex.

    Raises
    ------
    InputError
        The file does not exist, holds no table, or (with ``errors="raise"``)
        a data row has a wrong number of fields or a numeric column holds a
        cell that cannot be read; the message names the line.

    Warns
    -----
    DataQualityWarning
        Keys of differing lengths (lost leading zeros?), duplicated column
        names, duplicated ids in ``index_col``, lines in another encoding,
        rows that look like table rows outside the table, unreadable cells
        coerced, rows left out.

    See Also
    --------
    write_statistik : the inverse.

    Notes
    -----
    *Column names from several heading lines.* The exports of the
    statistical offices of the Länder put headings over two or three lines
    (``Bevölkerung 1)`` over ``insgesamt``, ``männlich`` ... over
    ``zusammen``, ``männlich``). The flat name of a column joins its non-empty
    heading cells from top to bottom with a blank. A heading cell that is
    empty while a lower line names the column belongs to the heading on its
    left (a heading spans the columns to its right until the next one at the
    same or a higher level). A word repeated by the next level is not
    repeated, and footnote markers at the end of a heading (``1)``, ``¹)``,
    ``*``) are removed from the name and kept in ``meta["column_notes"]``.
    Names that still collide get ``.1``, ``.2`` (with a warning).
    ``meta["header_levels"]`` keeps every column's heading cells.

    *Rows with a wrong number of fields.* A data row is any line between the
    header and the last line with the table's width; one with another number
    of fields is a broken row, not the end of the table. Below the last row
    the footer begins with the first blank line, footnote (``1)``, ``©``,
    ``Quelle:`` ...) or line without the shape of a data row.

    GENESIS flat files (``ffcsv``) carry quality flags in columns ending in
    ``_q``: a flag column ``X_q`` belongs to the numeric column ``X`` (or to
    the nearest numeric column on its left). Its ``p``/``r``/``s`` flags mark
    the values as provisional, revised or estimated, a DIN 55301 sign fills
    in the status of an empty value cell, and ``e`` (final) changes nothing.
    The flag column itself stays in ``values`` as text.

    The signs follow DIN 55301 (*Gestaltung statistischer Tabellen*) as used in
    the publications of the statistical offices of the Federation and the
    Länder. In English exports a bare ``.`` is still the secrecy sign, never
    a number. A plain ``0`` follows DIN 55301 and gets status ``rounded_zero``
    ("less than half a unit"); ``-`` is an exact zero.

    Examples
    --------
    A GENESIS-style English export (decimal point, thousands comma):

    >>> import io
    >>> text = ('Region;Key;Population;Share\nHamburg;02000000;"1,892,122";15.3 p\n'
    ...         'Bremen;04011000;/;(9.8)\n')
    >>> t = read_statistik(io.StringIO(text))
    >>> t.meta["decimal"], t.key_columns
    ('.', ('Key',))
    >>> t.to_frame()
        Region       Key    variable      value       status
    0  Hamburg  02000000  Population  1892122.0           ok
    1   Bremen  04011000  Population        NaN   unreliable
    2  Hamburg  02000000       Share       15.3  provisional
    3   Bremen  04011000       Share        9.8      limited

    A Länder export with headings over three lines, a footnote marker and
    a negative number written with blanks after the sign:

    >>> text = '''Bevölkerung am 31.12.2023;;;;
    ... Schlüssel;Gebiet;Bevölkerung 1);;Saldo
    ... ;;insgesamt;Deutsche;
    ... ;;;zusammen;
    ... 01001;Flensburg;92.550;80.516;-  23
    ... 01002;Kiel;247.717;212.597;1.204
    ... 1) Quelle: Statistikamt Nord;;;;'''
    >>> t = read_statistik(io.StringIO(text))
    >>> list(t.values.columns)
    ['Schlüssel', 'Gebiet', 'Bevölkerung insgesamt', 'Bevölkerung Deutsche zusammen', 'Saldo']
    >>> t.values["Saldo"].tolist(), t.meta["header_rows"], t.meta["column_notes"]
    ([-23, 1204], 3, {'Bevölkerung insgesamt': '1)', 'Bevölkerung Deutsche zusammen': '1)'})
    """
    if errors not in ("raise", "coerce"):
        raise fail(_WHERE_READ, f"`errors` is {errors!r}", "pass 'raise' or 'coerce'")
    if sep is not None and (not isinstance(sep, str) or len(sep) != 1):
        raise fail(_WHERE_READ, f"`sep` is {sep!r}", "pass a single character such as ';'")
    if isinstance(key_columns, str):
        key_columns = [key_columns]
    text_columns = [text_columns] if isinstance(text_columns, str) else list(text_columns)
    collected: list[str] = []
    text, used_encoding, source = _read_text(path_or_buffer, encoding, collected)
    if not re.search(r"\S", text):
        raise fail(
            _WHERE_READ,
            f"{_describe(source)} is empty",
            "pass a CSV file with a header line and at least one row of data",
        )
    lines = _split_file(text, sep)
    del text
    layout = _locate_table(lines, header, nrows, errors, source, collected)
    names, levels, notes = _header_names(lines, layout, collected)
    columns, levels = _cell_columns(lines, layout, names, levels)
    names = list(columns)
    _check_names("text_columns", text_columns, names)
    _check_names("key_columns", key_columns or (), names)
    declared = _check_na_values(na_values, names)
    n_declared = _blank_declared_cells(columns, declared)
    parsed = _convert_columns(
        columns,
        line_no=lines.line_no[layout.body],
        key_columns=key_columns,
        key_width=key_width,
        text_columns=text_columns,
        sep=lines.sep,
        decimal=decimal,
        thousands=thousands,
        errors=errors,
        collected=collected,
    )
    del columns
    _declare_numbers_missing(parsed, declared, n_declared)
    values_df = pd.DataFrame(parsed.values, columns=names)
    status_df = pd.DataFrame(
        {c: _status_categorical(s) for c, s in parsed.status.items()}, index=values_df.index
    )
    values_df, status_df = _set_index(values_df, status_df, index_col, names, collected)
    found = _layout_meta(lines, layout, names, levels, notes)
    meta = {
        "source": source,
        "encoding": used_encoding,
        "separator": lines.sep,
        "decimal": parsed.decimal,
        "thousands": parsed.thousands,
        **{k: found[k] for k in ("header_line", "header_rows", "header_levels", "column_notes")},
        "n_rows": len(values_df),
        **{k: found[k] for k in ("header_lines", "footer_lines", "source_title")},
        "numeric_columns": tuple(status_df.columns),
        "text_columns": tuple(parsed.text_columns),
        "key_widths": {c: _width_summary(values_df, c) for c in parsed.keys if c in values_df},
        "quality_columns": parsed.quality,
        "rejected_lines": found["rejected_lines"],
        "na_values": n_declared,
    }
    for message in collected:
        warnings.warn(f"{_WHERE_READ}: {message}", DataQualityWarning, stacklevel=2)
    return StatistikTable(
        values=values_df,
        status=status_df,
        key_columns=tuple(parsed.keys),
        meta=meta,
        warnings=tuple(collected),
    )


def _layout_meta(
    lines: _Lines,
    layout: _Layout,
    names: Sequence[str],
    levels: Sequence[tuple[str, ...]],
    notes: Mapping[str, str],
) -> dict[str, Any]:
    """Return the entries of ``meta`` that tell where the table was found in the file."""
    sep = lines.sep

    def note_lines(indices: Iterable[int]) -> tuple[str, ...]:
        return tuple(t for i in indices if (t := _note_text(lines.row(i), lines.text(i), sep)))

    title_lines = note_lines(range(layout.header[0]))
    return {
        "header_line": int(lines.line_no[layout.header[0]]),
        "header_rows": len(layout.header),
        "header_levels": dict(zip(names, levels, strict=True)),
        "column_notes": {n: notes[n] for n in names if n in notes},
        "header_lines": title_lines,
        "footer_lines": note_lines(range(layout.stop, len(lines))),
        "source_title": title_lines[0] if title_lines else None,
        "rejected_lines": tuple(
            (int(lines.line_no[i]), _snippet(lines.text(i), 80)) for i in layout.broken
        ),
    }


def _describe(source: str | None) -> str:
    return f"the file {source!r}" if source else "the buffer"


def _snippet(text: str, width: int = 40) -> str:
    """Shorten a cell or line for a message (a 200 kB cell must not flood it)."""
    return text if len(text) <= width else text[: width - 3] + "..."


# ----------------------------------------------------------------- reading: bytes to lines


def _read_text(
    obj: Any, encoding: str | None, collected: list[str]
) -> tuple[str, str | None, str | None]:
    """Return the decoded text, the encoding used and the source path."""
    source = None
    if isinstance(obj, str | os.PathLike):
        source = os.fspath(obj)
        try:
            with open(source, "rb") as fh:
                raw: bytes | str = fh.read()
        except FileNotFoundError:
            raise _MissingFileError(
                f"{_WHERE_READ}: the file {source!r} does not exist. Fix: check the path "
                f"(working directory: {os.getcwd()!r})."
            ) from None
        except IsADirectoryError:
            raise fail(
                _WHERE_READ, f"{source!r} is a folder", "pass the path of a CSV file"
            ) from None
    elif hasattr(obj, "read"):
        raw = obj.read()
    elif isinstance(obj, bytes | bytearray):
        raw = bytes(obj)
    else:
        raise fail(
            _WHERE_READ,
            f"`path_or_buffer` is a {type(obj).__name__}",
            "pass a file path or an open file (e.g. io.StringIO(text))",
        )
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff"), None, source
    if not isinstance(raw, bytes | bytearray):
        raise fail(
            _WHERE_READ,
            f"reading `path_or_buffer` gave a {type(raw).__name__}, not text or bytes",
            "pass a file path or an open file",
        )
    if encoding is not None:
        return _decode_as(bytes(raw), encoding, source), encoding, source
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_as(bytes(raw), "utf-16", source), "utf-16", source
    if raw.startswith(b"\xef\xbb\xbf"):
        return _decode_utf8(bytes(raw[3:]), "utf-8-sig", collected), "utf-8-sig", source
    try:
        return raw.decode("utf-8"), "utf-8", source
    except UnicodeDecodeError:
        pass
    has_utf8 = not raw.decode("utf-8", errors="ignore").isascii()
    if has_utf8:  # mostly UTF-8 with a few lines in another encoding
        return _decode_utf8(bytes(raw), "utf-8", collected), "utf-8", source
    return _decode_cp1252(bytes(raw)), "cp1252", source


def _decode_as(raw: bytes, encoding: str, source: str | None) -> str:
    try:
        return raw.decode(encoding).removeprefix("\ufeff")
    except LookupError:
        raise fail(
            _WHERE_READ,
            f"`encoding` {encoding!r} is unknown",
            "pass e.g. 'utf-8-sig' or 'cp1252'",
        ) from None
    except UnicodeDecodeError as exc:
        raise fail(
            _WHERE_READ,
            f"{_describe(source)} is not valid {encoding} (byte {raw[exc.start]:#04x} at "
            f"position {exc.start}, line {raw.count(b'\n', 0, exc.start) + 1})",
            "leave `encoding` unset to detect it, or pass the right one (e.g. 'cp1252')",
        ) from None


def _decode_cp1252(raw: bytes) -> str:
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:  # bytes undefined in cp1252 (0x81, 0x8d, ...)
        return raw.decode("latin-1")


def _decode_utf8(raw: bytes, label: str, collected: list[str]) -> str:
    """Decode UTF-8 line by line; lines that are not UTF-8 are read as windows-1252."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    texts: list[str] = []
    bad = []
    for i, part in enumerate(raw.split(b"\n")):
        try:
            texts.append(part.decode("utf-8"))
        except UnicodeDecodeError:
            texts.append(_decode_cp1252(part))
            bad.append(i + 1)
    collected.append(
        f"{len(bad)} line(s) are not valid {label} and were read as windows-1252 (cp1252): "
        f"line(s) {format_values(bad)}; the file mixes two encodings: check the letters in "
        "these lines"
    )
    return "\n".join(texts)


def _split_lines(text: str) -> tuple[list[str], list[int]]:
    r"""Split into logical lines; return them and the 1-based number of their first line.

    A quoted cell with a line break (``"Bevölkerung\ninsgesamt"``) joins its lines
    into one logical line when the quotes balance within a few lines.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    numbers = list(range(1, len(lines) + 1))
    if '"' not in text:
        return lines, numbers
    out: list[str] = []
    out_numbers: list[int] = []
    i = 0
    while i < len(lines):
        line, first = lines[i], i
        if line.count('"') % 2:
            joined, j = line, i
            while joined.count('"') % 2 and j + 1 < len(lines) and j - i < 20:
                j += 1
                joined += "\n" + lines[j]
            if not joined.count('"') % 2:
                line, i = joined, j
        out.append(line)
        out_numbers.append(numbers[first])
        i += 1
    return out, out_numbers


def _parse_lines(lines: Sequence[str], sep: str) -> list[list[str]]:
    """Split each line into stripped fields (quotes removed); one row per line."""
    rows = []
    for line in lines:
        if '"' in line:  # quoted fields: let the csv module unquote them
            try:
                fields = next(csv.reader([line], delimiter=sep), [])
            except csv.Error:  # a cell above the csv field limit, a stray quote
                fields = _split_quoted(line, sep)
        else:
            fields = line.split(sep)
        rows.append([f.strip() for f in fields] if _needs_strip(line) else fields)
    return rows


def _split_quoted(line: str, sep: str) -> list[str]:
    """Split a line with quoted fields without the limits of the csv module.

    Handles cells above the csv field limit, NUL characters and unbalanced
    quotes (an unclosed quote runs to the end of the line).
    """
    fields: list[str] = []
    i, n = 0, len(line)
    while True:
        j = i
        while j < n and line[j] in _SPACES:
            j += 1
        if j < n and line[j] == '"':  # a quoted field, "" is a quote inside it
            parts, k = [], j + 1
            while True:
                q = line.find('"', k)
                if q < 0:
                    parts.append(line[k:])
                    k = n
                    break
                if line.startswith('""', q):
                    parts.append(line[k : q + 1])
                    k = q + 2
                    continue
                parts.append(line[k:q])
                k = q + 1
                break
            end = line.find(sep, k)
            parts.append(line[k:] if end < 0 else line[k:end])
            fields.append("".join(parts))
        else:
            end = line.find(sep, i)
            fields.append(line[i:] if end < 0 else line[i:end])
        if end < 0:
            return fields
        i = end + 1


def _needs_strip(line: str) -> bool:
    return " " in line or "\t" in line or "\u00a0" in line or "\u202f" in line or "\n" in line


def _note_text(row: Sequence[str], line: str, sep: str) -> str:
    """Text of a line above or below the table, without padding separators."""
    filled = [f for f in row if f]
    if len(filled) <= 1:
        return filled[0] if filled else ""
    return line.strip().rstrip(sep + _SPACES).strip()


#: Texts from this many characters on are split by the compiled scanner when they hold
#: no quote and no lone carriage return; shorter ones line by line in Python (faster
#: than the scanner's first compilation). Both give the same lines and fields.
_FAST_MIN_CHARS = 200_000


#: Columns with this many distinct cells are read by the compiled kernels, smaller ones
#: by the regular expressions (the same rules; no compilation for a small file).
_KERNEL_MIN_CELLS = 20_000


class _Column:
    """The cells of one column, factorized: per row a code into the distinct cells.

    The distinct cells are byte spans ``a[k]:b[k]`` of the UTF-8 buffer ``buf`` (so
    that the compiled kernels can read them); their texts are decoded when needed.
    """

    def __init__(
        self,
        codes: np.ndarray,
        raw: bytes,
        a: np.ndarray,
        b: np.ndarray,
        texts: list[str] | None = None,
    ) -> None:
        self.codes = codes.astype(np.int32) if len(codes) < 2**31 else codes
        self.raw = raw
        self.buf = np.frombuffer(raw, dtype=np.uint8)
        self.a = a
        self.b = b
        self._texts = texts
        self.parsed: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    @classmethod
    def from_texts(cls, cells: np.ndarray) -> _Column:
        """Factorize text cells."""
        codes, uniques = pd.factorize(cells, use_na_sentinel=False)
        parts = [str(u).encode("utf-8", "surrogatepass") for u in uniques]
        lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        b = np.cumsum(lengths)
        return cls(codes, b"".join(parts), b - lengths, b, [str(u) for u in uniques])

    @classmethod
    def from_hashes(
        cls, raw: bytes, a: np.ndarray, b: np.ndarray, h1: np.ndarray, h2: np.ndarray
    ) -> _Column | None:
        """Factorize the cells ``raw[a[i]:b[i]]`` by their hashes; None on a collision."""
        codes, uniques = pd.factorize(h1)
        first = _kernels.first_positions(codes, len(uniques))
        if not (h2[first][codes] == h2).all():  # pragma: no cover - 2**-128
            return None
        return cls(codes, raw, a[first], b[first])

    def __len__(self) -> int:
        return len(self.codes)

    def texts(self) -> list[str]:
        """Return the distinct cells as text."""
        if self._texts is None and len(self.a) >= _KERNEL_MIN_CELLS:
            self._texts = _ascii_texts(self.buf, self.a, self.b)
        if self._texts is None:
            raw = self.raw
            self._texts = [
                raw[s:e].decode("utf-8", "surrogatepass")
                for s, e in zip(self.a.tolist(), self.b.tolist(), strict=True)
            ]
        return self._texts

    def cells(self) -> np.ndarray:
        """Every cell as text (an object array)."""
        return np.array(self.texts(), dtype=object)[self.codes]

    def filled(self) -> np.ndarray:
        """Per distinct cell: not empty."""
        return self.b > self.a

    def blank(self, hit: np.ndarray) -> None:
        """Empty the distinct cells marked in ``hit``."""
        self.a = np.where(hit, self.b, self.a)
        if self._texts is not None:
            self._texts = ["" if h else t for h, t in zip(hit.tolist(), self._texts, strict=True)]
        self.parsed.clear()


def _ascii_texts(buf: np.ndarray, a: np.ndarray, b: np.ndarray) -> list[str] | None:
    """Decode many cells of one width of ASCII at once (keys); None for other cells."""
    width = b - a
    if not len(a) or (width != width[0]).any() or not 0 < width[0] <= 32:
        return None
    cells = buf[a[:, None] + np.arange(width[0])]
    if (cells > 0x7E).any() or (cells < 0x20).any():
        return None
    return cells.view(f"S{width[0]}").ravel().astype(f"U{width[0]}").tolist()


class _Lines:
    """The logical lines of a file: per-line counts for the layout, fields on demand.

    ``n_fields``, ``n_filled`` and ``last`` (1-based position of the last filled
    field, 0 if none) are arrays over the lines; ``row(i)`` gives the stripped fields
    of line ``i``, ``text(i)`` its text and ``columns(body, width)`` the cells of the
    data rows.
    """

    sep: str
    line_no: np.ndarray
    n_fields: np.ndarray
    n_filled: np.ndarray
    last: np.ndarray

    def __len__(self) -> int:
        return len(self.n_fields)

    def row(self, i: int) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def text(self, i: int) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def columns(self, body: np.ndarray, width: int) -> list[_Column] | None:  # pragma: no cover
        """Return the cells of the data rows by column (None: read them in Python)."""
        raise NotImplementedError

    def fits(self, width: int) -> np.ndarray:
        """Per line: has the table's width (extra trailing fields may be empty)."""
        return (self.n_fields == width) | ((self.n_fields > width) & (self.last <= width))


class _RowLines(_Lines):
    """Lines whose fields are already split (``rows``), e.g. the headings a writer made."""

    def __init__(self, rows: list[list[str]], sep: str = ";") -> None:
        self.rows = rows
        self.sep = sep
        n = len(rows)
        self.line_no = np.arange(1, n + 1, dtype=np.int64)
        self.n_fields = np.fromiter(map(len, rows), dtype=np.int64, count=n)
        empty = np.fromiter((r.count("") for r in rows), dtype=np.int64, count=n)
        self.n_filled = self.n_fields - empty
        self.last = np.fromiter(map(_last_filled, rows), dtype=np.int64, count=n)

    def row(self, i: int) -> list[str]:
        return self.rows[i]

    def text(self, i: int) -> str:
        return self.sep.join(self.rows[i])

    def columns(self, body: np.ndarray, width: int) -> list[_Column] | None:
        rows = self.rows
        cells = [rows[i] if len(rows[i]) == width else _fit(rows[i], width) for i in body]
        by_column = list(zip(*cells, strict=True)) if cells else [()] * width
        return [_Column.from_texts(np.array(c, dtype=object)) for c in by_column]


class _TextLines(_RowLines):
    """Lines split and parsed in Python (quoted cells, small files)."""

    def __init__(self, text: str, sep: str | None) -> None:
        self.lines, numbers = _split_lines(text)
        sep = sep if sep is not None else _detect_separator(self.lines)
        super().__init__(_parse_lines(self.lines, sep), sep)
        self.line_no = np.asarray(numbers, dtype=np.int64)

    def text(self, i: int) -> str:
        return self.lines[i]


class _ByteLines(_Lines):
    """Lines split by the compiled scanner over the UTF-8 bytes of the text."""

    def __init__(self, raw: bytes, sep: str) -> None:
        self.raw = raw
        self.buf = np.frombuffer(raw, dtype=np.uint8)
        self.sep = sep
        scanned = _kernels.scan_lines(self.buf, ord(sep))
        self.starts, self.ends, self.strip, self.n_fields, self.n_filled, self.last = scanned
        self.line_no = np.arange(1, len(self.starts) + 1, dtype=np.int64)

    def text(self, i: int) -> str:
        return self.raw[self.starts[i] : self.ends[i]].decode("utf-8", "surrogatepass")

    def row(self, i: int) -> list[str]:
        return _parse_lines([self.text(i)], self.sep)[0]

    def columns(self, body: np.ndarray, width: int) -> list[_Column] | None:
        rows = np.asarray(body, dtype=np.int64)
        cursor = self.starts[rows]  # where the next field of each row starts
        out = []
        ends, strip = self.ends[rows], self.strip[rows]
        for _ in range(width):
            spans = _kernels.next_field_hashed(self.buf, cursor, ends, strip, ord(self.sep))
            column = _Column.from_hashes(self.raw, *spans)
            if column is None:  # pragma: no cover - a hash collision
                return None
            out.append(column)
        return out


def _last_filled(row: Sequence[str]) -> int:
    for k in range(len(row) - 1, -1, -1):
        if row[k]:
            return k + 1
    return 0


def _split_file(text: str, sep: str | None) -> _Lines:
    """Split the text into lines, with the compiled scanner where it reads the same."""
    if (
        len(text) >= _FAST_MIN_CHARS
        and '"' not in text
        and text.count("\r") == text.count("\r\n")
        and (sep is None or sep.isascii())
    ):
        if sep is None:
            head = text[: 1 << 20].split("\n", 1000)[:1000]
            sep = _detect_separator([ln.removesuffix("\r") for ln in head])
        if sep.isascii() and sep not in "\r\n":
            return _ByteLines(text.encode("utf-8", "surrogatepass"), sep)
    return _TextLines(text, sep)


# ----------------------------------------------------------------- reading: the table block


def _n_filled(row: Sequence[str]) -> int:
    return len(row) - row.count("")


def _is_note(row: Sequence[str]) -> bool:
    filled = [f for f in row if f]
    if len(filled) != 1 or not row[0]:
        return False
    text = row[0]
    return bool(re.search(r"\s|:|©|^\d+\)|^\*", text))


#: The start of a footnote, source or legend line below a table.
_FOOTNOTE_RE = re.compile(
    r"^(?:\d{1,2}\)|[¹²³⁴⁵⁶⁷⁸⁹]|©|\(c\)|\*|_{3,}|-{3,}|(?:Quelle|Quellen|Stand|Anmerkung|"
    r"Anmerkungen|Hinweis|Hinweise|Fußnote|Fußnoten|Zeichenerklärung|Erläuterung|Source|"
    r"Sources|Note|Notes)\b)|:\s",
    re.IGNORECASE,
)


def _is_footnote(row: Sequence[str]) -> bool:
    first = next((f for f in row if f), "")
    return bool(_FOOTNOTE_RE.search(first[:200]))


def _detect_separator(lines: Sequence[str]) -> str:
    """Choose the separator under which most lines have the table's width.

    The width is the most frequent field count among lines with at least two
    filled fields; lines padded to it (titles, notes) count too. A row broken
    by a stray separator costs one line, not the table, and a decimal comma
    does not make ``,`` win: under ``,`` the header of a ``;`` file has one
    field. Ties go to ``;``, then tab, then ``,``.
    """
    sample = list(lines[:1000])
    scores = []
    for rank, sep in enumerate(_SEPARATORS):
        rows = _parse_lines(sample, sep)
        counts: dict[int, int] = {}
        for row in rows:
            if len(row) >= 2 and _n_filled(row) >= 2:
                counts[len(row)] = counts.get(len(row), 0) + 1
        if not counts:
            scores.append((0, -rank, sep))
            continue
        width = max(counts, key=lambda w: counts[w])
        score = sum(1 for row in rows if any(row) and _fits(row, width))
        scores.append((score, -rank, sep))
    return max(scores)[2]


def _fits(row: Sequence[str], width: int) -> bool:
    """Tell whether a row has the table's width (extra trailing fields may be empty)."""
    return len(row) == width or (len(row) > width and not any(row[width:]))


@dataclass
class _Layout:
    """Where the parts of the table are: indices into the lines."""

    header: list[int]  # the heading lines
    body: np.ndarray  # the data rows read
    broken: list[int]  # data rows with a wrong number of fields, left out
    stop: int  # the first footer line
    width: int  # fields per row


def _locate_table(
    lines: _Lines, header: Any, nrows: Any, errors: str, source: str | None, collected: list[str]
) -> _Layout:
    """Find the heading lines, the data rows, the broken rows and the footer."""
    if nrows is not None and (
        not isinstance(nrows, int | np.integer) or isinstance(nrows, bool) or nrows < 0
    ):
        raise fail(_WHERE_READ, f"`nrows` is {nrows!r}", "pass a non-negative integer")
    infer = isinstance(header, str) and header == "infer"
    if infer:
        start, width = _infer_header(lines, source)
        start = _header_above_blank(lines, start, width)
        start = _repair_header(lines, start, width, errors, collected)
    else:
        start, width = _given_header(lines, header, source)
    n_head = _count_header_rows(lines, start, width)
    header_rows = list(range(start, start + n_head))
    first = start + n_head
    while first < len(lines) and not lines.n_filled[first]:  # blank lines below the headings
        first += 1
    body, broken, stop = _scan_body(lines, first, width)
    if not len(body) and infer:
        raise _no_table(source)
    if nrows is not None and int(nrows) < len(body):
        stop = int(body[int(nrows)])
        body = body[: int(nrows)]
        broken = [i for i in broken if i < stop]
    if broken:
        _report_broken(lines, broken, header_rows, width, errors, collected)
    if infer and nrows is None:
        _report_outside(lines, start, stop, width, collected)
    return _Layout(header_rows, body, broken, stop, width)


def _given_header(lines: _Lines, header: Any, source: str | None) -> tuple[int, int]:
    """Check ``header=`` (a 0-based line number); return it and the table's width."""
    if not isinstance(header, int | np.integer) or isinstance(header, bool):
        raise fail(_WHERE_READ, f"`header` is {header!r}", "pass 'infer' or a 0-based line number")
    start = int(header)
    if not 0 <= start < len(lines):
        raise fail(
            _WHERE_READ,
            f"`header` is {start}, but {_describe(source)} has {len(lines)} line(s)",
            "pass the 0-based line number of the column names",
        )
    return start, int(lines.n_fields[start])


def _report_outside(
    lines: _Lines, start: int, stop: int, width: int, collected: list[str]
) -> None:
    """Warn of lines above or below the table that look like its rows."""
    candidates = lines.fits(width) & (lines.n_filled >= 2)
    candidates[start:stop] = False
    outside = []
    for i in np.flatnonzero(candidates).tolist():
        row = lines.row(i)
        if not _is_footnote(row) and any(_number_like(c) for c in row):
            outside.append(int(lines.line_no[i]))
    if outside:
        collected.append(
            f"{len(outside)} line(s) outside the table have its {width} fields and look "
            f"like table rows, but were not read: line(s) {format_values(outside)} (a "
            "second table, or rows cut off by a blank line?); pass header= to choose the "
            "table, or remove the blank line"
        )


def _no_table(source: str | None) -> InputError:
    return fail(
        _WHERE_READ,
        f"{_describe(source)} holds no table: no block of at least two lines "
        "(column names and data) with the same number of separated fields",
        "check that it is a CSV export; pass sep= for an unusual separator or header= "
        "with the 0-based line number of the column names",
    )


def _infer_header(lines: _Lines, source: str | None) -> tuple[int, int]:
    """Return the first line of the table and its width (see ``header`` of read_statistik)."""
    full = lines.n_filled >= 2
    widths, first_seen, counts = np.unique(
        lines.n_fields[full], return_index=True, return_counts=True
    )
    if not len(counts) or counts.max() < 2:
        raise _no_table(source)
    top = counts == counts.max()
    width = int(widths[top][np.argmin(first_seen[top])])  # ties: the first width seen
    fits = lines.fits(width)
    members = np.flatnonzero(fits & full)
    block = np.cumsum(_block_ends(lines, fits))[members]  # a blank line or a footnote ends one
    _, first, sizes = np.unique(block, return_index=True, return_counts=True)
    return int(members[first[np.argmax(sizes)]]), width


def _block_ends(lines: _Lines, fits: np.ndarray) -> np.ndarray:
    """Per line: a blank line or a footnote that does not have the table's width."""
    ends = lines.n_filled == 0
    for i in np.flatnonzero((lines.n_filled == 1) & ~fits).tolist():
        ends[i] = _is_footnote(lines.row(i))
    return ends


def _header_above_blank(lines: _Lines, start: int, width: int) -> int:
    """Return the first heading line when a blank line separates the headings from the data.

    ``start`` is the first line of the chosen block. If it looks like data and the
    lines above the blank line(s) are of the table's width without numbers, those
    are the headings (one line, or several whose lower ones start with an empty field).
    """
    if not any(_number_like(c) for c in lines.row(start)[1:]):
        return start
    j = start - 1
    while j >= 0 and start - j <= 2 and not lines.n_filled[j]:
        j -= 1
    if j == start - 1 or j < 0:
        return start

    def heading(i: int) -> bool:
        row = lines.row(i)
        return _fits(row, width) and any(row) and not any(_number_like(c) for c in row)

    if not (heading(j) and lines.n_filled[j] >= 1):
        return start
    while j - 1 >= 0 and not lines.row(j)[0] and heading(j - 1) and start - j < 6:
        j -= 1
    return j if lines.n_filled[j] >= 2 else start


def _number_like(cell: str) -> bool:
    """Tell whether a cell holds a number or a DIN 55301 sign (a year such as 2023 not)."""
    if not cell:
        return False
    if cell in _SIGN_STATUS:
        return True
    if len(cell) == 4 and cell.isdigit() and cell[:2] in ("19", "20"):
        return False
    return bool(_PATTERNS[","].match(cell) or _PATTERNS["."].match(cell))


def _repair_header(
    lines: _Lines, start: int, width: int, errors: str, collected: list[str]
) -> int:
    """Check whether the line above the table is the column names with wrong fields.

    Returns the index of the first heading line.
    """
    if start < 1:
        return start
    above = lines.row(start - 1)
    n = len(above) - above.count("")
    first = lines.row(start)
    if (
        n < 2
        or abs(len(above) - width) > 2
        or any(_number_like(c) for c in above)
        or not (first and (not first[0] or any(_number_like(c) for c in first[1:])))
    ):
        return start  # a title line, or the first table line is a proper header
    if len(above) < width:  # data rows with trailing separators?
        filled_right = lines.fits(width)[start:] & (lines.last[start:] > len(above))
        if not filled_right.any():
            return start - 1
    sep = lines.sep
    what = (
        f"line {lines.line_no[start - 1]} looks like the column names but has {len(above)} "
        f"fields where the rows below have {width}: {_snippet(sep.join(above), 80)!r}"
    )
    if errors == "raise":
        raise fail(
            _WHERE_READ,
            what,
            f"correct the separators in that line (a {sep!r} inside a name must be quoted), "
            "pass header= with the 0-based line number of the column names, or "
            "errors='coerce' to fit the names to the rows",
        )
    collected.append(what + "; the names were cut or padded to fit")
    return start - 1


#: A line of units below the column names ("Anzahl", "%", "je 1 000 EW" ...).
_UNIT_RE = re.compile(
    r"^(?:Anzahl|Anz\.|Personen|Fälle|Prozent|%|in %|v\. ?H\.|EUR|€|Tsd\.?|1 ?000|Mio\.?|"
    r"ha|km²|m²|qm|Jahre|je .{1,20}|pro .{1,20}|number|count|percent|share)$",
    re.IGNORECASE,
)


def _count_header_rows(lines: _Lines, start: int, width: int) -> int:
    """Count the heading lines.

    The first, plus up to three lines with an empty first field and no numbers
    (years aside). The second heading line must name a column the first leaves
    unnamed (a heading spanning several columns) or hold only units, so that a
    data row with an empty key and only text is not taken for a heading.
    """
    n = 1
    while n < 4 and start + n < len(lines):
        row = lines.row(start + n)
        if not (_fits(row, width) and row and not row[0] and any(row)):
            break
        if any(_number_like(c) for c in row):
            break
        above = _fit(lines.row(start + n - 1), width)
        filled = [j for j in range(width) if row[j]]
        if not (
            n > 1  # below a heading already split over two lines
            or any(not above[j] for j in filled)
            or all(_UNIT_RE.match(row[j]) for j in filled)
        ):
            break
        n += 1
    return n


def _scan_body(lines: _Lines, first: int, width: int) -> tuple[np.ndarray, list[int], int]:
    """Walk down from the first data row: return data rows, broken rows and the footer start.

    Rows of the table's width with at least two filled fields are data. Lines
    between them with another width are broken rows; padded lines with one
    filled field are data rows (a label without numbers). After the last full
    row, broken rows continue until a blank line, a footnote or a line without
    data shape; the footer starts there.
    """
    fits = lines.fits(width)
    ends = np.flatnonzero(_block_ends(lines, fits)[first:])
    stop = first + int(ends[0]) if len(ends) else len(lines)
    full = np.flatnonzero(fits[first:stop] & (lines.n_filled[first:stop] >= 2)) + first
    pending = range(int(full[-1]) + 1 if len(full) else first, stop)
    inside = np.arange(first, pending.start, dtype=np.int64)
    body = [inside[fits[first : pending.start]]]
    broken = inside[~fits[first : pending.start]].tolist()
    for p in pending:
        row = lines.row(p)
        if fits[p]:
            if _is_note(row) or _is_footnote(row):
                stop = p
                break
            body.append(np.array([p], dtype=np.int64))
        elif lines.n_filled[p] >= 2 and not _is_footnote(row):
            broken.append(p)
        else:
            stop = p
            break
    return np.concatenate(body), broken, stop


def _report_broken(
    lines: _Lines,
    broken: Sequence[int],
    header_rows: Sequence[int],
    width: int,
    errors: str,
    collected: list[str],
) -> None:
    sep, line_no = lines.sep, lines.line_no
    shown = "; ".join(
        f"line {line_no[i]} ({lines.n_fields[i]} fields): {_snippet(sep.join(lines.row(i)), 60)!r}"
        for i in broken[:3]
    )
    more = f" and {len(broken) - 3} more (lines {format_values([line_no[i] for i in broken[3:]])})"
    what = (
        f"{len(broken)} data row(s) have another number of fields than the column names "
        f"(line {line_no[header_rows[0]]}, {width} fields): {shown}"
        + (more if len(broken) > 3 else "")
    )
    if errors == "raise":
        raise fail(
            _WHERE_READ,
            what,
            f"correct the separators in these lines (a {sep!r} inside a name must be quoted, "
            "every row needs one field per column), or pass errors='coerce' to leave the rows "
            "out and list them in meta['rejected_lines']",
        )
    collected.append(what + "; these rows were left out (meta['rejected_lines'])")


# ----------------------------------------------------------------- reading: column names

#: A footnote marker at the end of a heading: "Bevölkerung 1)", "Ausländer¹)", "Einwohner*".
_MARKER_RE = re.compile(
    r"(?:(?<=[^\W\d_])|(?<=[%)\]]))\s*(?P<mark>[¹²³⁴⁵⁶⁷⁸⁹⁰]+\)?|\*{1,3}|\d{1,2}\))$"
)


def _split_marker(cell: str) -> tuple[str, str]:
    cell = " ".join(cell.split())  # line breaks and double blanks inside a heading
    m = _MARKER_RE.search(cell)
    if m is None or m.start() == 0:
        return cell, ""
    return cell[: m.start()].rstrip(), m["mark"]


def _header_names(
    lines: _Lines, layout: _Layout, collected: list[str]
) -> tuple[list[str], list[tuple[str, ...]], dict[str, str]]:
    """Flat column names, the heading cells per column and the footnote markers.

    See the Notes of :func:`read_statistik` for the rule.
    """
    width = layout.width
    grid = [_fit(lines.row(i), width) for i in layout.header]
    split = [[_split_marker(c) for c in row] for row in grid]
    levels, marks = _heading_levels(split, width)
    flat = []
    for lv in levels:
        parts: list[str] = []
        for p in lv:
            if p and (not parts or parts[-1] != p):
                parts.append(p)
        flat.append(" ".join(parts))
    names = _column_names(flat, collected)
    notes = {n: m for n, m in zip(names, marks, strict=True) if m}
    return names, levels, notes


def _heading_levels(
    split: list[list[tuple[str, str]]], width: int
) -> tuple[list[tuple[str, ...]], list[str]]:
    """Per column its heading cells (spanning headings filled in) and footnote markers."""
    n_levels = len(split)
    current: list[tuple[str, str]] = [("", "")] * n_levels  # (heading, marker) per line
    levels: list[tuple[str, ...]] = []
    marks: list[str] = []
    for j in range(width):
        out = []
        found = []
        for k in range(n_levels):
            text, mark = split[k][j]
            if text:
                current[k] = (text, mark)
                current[k + 1 :] = [("", "")] * (n_levels - k - 1)
            elif any(split[m][j][0] for m in range(k + 1, n_levels)):
                text, mark = current[k]  # under the heading on its left
            else:
                mark = ""
            out.append(text)
            if mark:
                found.append(mark)
        levels.append(tuple(out))
        marks.append(", ".join(dict.fromkeys(found)))
    return levels, marks


def _fit(row: Sequence[str], width: int) -> list[str]:
    row = list(row[:width])
    return row + [""] * (width - len(row))


def _column_names(row: Sequence[str], collected: list[str]) -> list[str]:
    names = [name if name else f"Unnamed: {i}" for i, name in enumerate(row)]
    seen: dict[str, int] = {}
    out = []
    renamed = []
    for name in names:
        if name in seen:
            seen[name] += 1
            new = f"{name}.{seen[name]}"
            renamed.append(f"{name!r} -> {new!r}")
            out.append(new)
        else:
            seen[name] = 0
            out.append(name)
    if renamed:
        collected.append(
            f"duplicated column names were made unique: {format_values(renamed)} "
            "(a header of several lines? pass header= to choose the line)"
        )
    return out


def _cell_columns(
    lines: _Lines, layout: _Layout, names: list[str], levels: list[tuple[str, ...]]
) -> tuple[dict[str, _Column], list[tuple[str, ...]]]:
    """Return the data cells by column name, unnamed empty columns dropped."""
    found = lines.columns(layout.body, layout.width)
    if found is None:  # pragma: no cover - a hash collision: split the lines in Python
        rows = _RowLines([lines.row(i) for i in range(len(lines))], lines.sep)
        found = rows.columns(layout.body, layout.width)
    columns: list[_Column] = found or []
    # drop artefact columns: no name and no content (trailing separators)
    keep = [
        i
        for i, name in enumerate(names)
        if not (name.startswith("Unnamed: ") and not columns[i].filled().any())
    ]
    return {names[i]: columns[i] for i in keep}, [levels[i] for i in keep]


_STATUS_DTYPE = pd.CategoricalDtype(STATUS_CODES)
_STATUS_INDEX = {code: i for i, code in enumerate(STATUS_CODES)}


def _status_categorical(codes: np.ndarray) -> pd.Categorical:
    """Turn status codes (indices into :data:`STATUS_CODES`) into the status categorical."""
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int8), dtype=_STATUS_DTYPE)


def _as_text(column: _Column) -> pd.Series:
    """Return the cells of a text column as strings, empty cells missing."""
    cells = pd.Series(column.cells(), dtype="str")
    if not len(cells):
        return cells
    return cells.where(column.filled()[column.codes], None)


# ----------------------------------------------------------------- reading: cells to values


@dataclass
class _Parsed:
    """The converted columns and what was decided on the way."""

    values: dict[str, Any]
    status: dict[str, Any]
    keys: list[str]
    text_columns: list[str]
    quality: dict[str, str]
    decimal: str
    thousands: str


def _convert_columns(
    columns: Mapping[str, _Column],
    *,
    line_no: np.ndarray,
    key_columns: Sequence[str] | None,
    key_width: Any,
    text_columns: Sequence[str],
    sep: str,
    decimal: str | None,
    thousands: str | None,
    errors: str,
    collected: list[str],
) -> _Parsed:
    """Keys to padded strings, text to strings, numbers and signs to values and statuses."""
    names = list(columns)
    keys = _detect_keys(columns, key_columns, text_columns)
    widths = _key_widths(key_width, keys)
    quality = [c for c in names if c not in keys and _is_quality_column(c, columns[c])]
    as_text = set(text_columns) | set(quality)
    candidates = {c: columns[c] for c in names if c not in keys and c not in as_text}
    decimal, thousands = _decide_number_format(candidates, sep, decimal, thousands)
    values: dict[str, Any] = {}
    status: dict[str, Any] = {}
    bad_cells: list[tuple[int, str, str]] = []
    text_cols: list[str] = []
    for col in names:
        column = columns[col]
        if col in keys:
            values[col] = _as_keys(column, col, widths.get(col), collected)
            continue
        parsed = _parse_column(column, decimal, thousands) if col in candidates else None
        if parsed is None:
            values[col] = _as_text(column)
            text_cols.append(col)
            continue
        vals, sts, bad = parsed
        if len(bad):
            texts = column.texts()
            bad_cells.extend((int(line_no[i]), col, texts[column.codes[i]]) for i in bad[:5])
            bad_cells.extend((0, col, "") for _ in bad[5:])
        values[col] = vals
        status[col] = sts
    if bad_cells:
        _report_bad_cells(bad_cells, decimal, thousands, errors, collected)
    paired = _apply_quality_columns(quality, columns, names, values, status)
    return _Parsed(values, status, keys, text_cols, paired, decimal, thousands)


def _report_bad_cells(
    bad_cells: Sequence[tuple[int, str, str]],
    decimal: str,
    thousands: str,
    errors: str,
    collected: list[str],
) -> None:
    shown = "; ".join(f"line {ln}, column {c!r}: {_snippet(v)!r}" for ln, c, v in bad_cells[:5])
    more = f" and {len(bad_cells) - 5} more" if len(bad_cells) > 5 else ""
    what = (
        f"{len(bad_cells)} cell(s) of numeric columns are neither a number (decimal "
        f"{decimal!r}, thousands {thousands!r}) nor a DIN 55301 sign: {shown}{more}"
    )
    if errors == "raise":
        raise fail(
            _WHERE_READ,
            what,
            "correct the cells, pass decimal=/thousands= if the number format was "
            "misdetected, text_columns=[...] for text columns, na_values= for codes of "
            "missing values, or errors='coerce' to read them as NaN with status 'invalid'",
        )
    collected.append(what + "; read as NaN with status 'invalid'")


def _check_names(arg: str, columns: Iterable[Any], names: Sequence[str]) -> None:
    unknown = [c for c in columns if c not in names]
    if unknown:
        raise fail(
            _WHERE_READ,
            f"`{arg}` names {format_values(unknown)}, which the table does not have",
            f"pass column names of the table: {format_values(names, 12)}",
        )


def _check_na_values(na_values: Any, names: Sequence[str]) -> dict[str, tuple]:
    """Normalise ``na_values`` to ``{column: codes}``."""
    if na_values is None:
        return {}

    def codes(v: Any, where: str) -> tuple:
        items = [v] if isinstance(v, str | int | float | np.number) else v
        if not isinstance(items, Iterable):
            raise fail(
                _WHERE_READ,
                f"`na_values`{where} is a {type(v).__name__}",
                "pass a code, a list of codes or a mapping {column: [codes]}",
            )
        items = tuple(items)
        for x in items:
            if isinstance(x, bool) or not isinstance(x, str | int | float | np.number):
                raise fail(
                    _WHERE_READ,
                    f"`na_values`{where} holds {x!r}",
                    "pass numbers (e.g. -9999) or strings (e.g. 'k.A.')",
                )
        return items

    if isinstance(na_values, Mapping):
        _check_names("na_values", na_values, names)
        return {c: codes(v, f" for {c!r}") for c, v in na_values.items()}
    shared = codes(na_values, "")
    return dict.fromkeys(names, shared)


def _code_texts(code: Any) -> set[str]:
    """Return the spellings of a declared code as a whole cell."""
    if isinstance(code, str):
        return {code.strip()}
    value = float(code)
    texts = {str(code)}
    if value.is_integer():
        texts.add(str(int(value)))
    return texts


def _blank_declared_cells(
    columns: Mapping[str, _Column], declared: Mapping[str, tuple]
) -> dict[str, int]:
    """Empty the cells that hold a declared code as text; count them per column."""
    counts = {}
    for col, codes in declared.items():
        texts = set().union(*(_code_texts(c) for c in codes)) if codes else set()
        column = columns[col]
        lengths = {len(t.encode("utf-8", "surrogatepass")) for t in texts}
        hit = np.zeros(len(column.a), dtype=bool)
        for k in np.flatnonzero(np.isin(column.b - column.a, list(lengths))).tolist():
            hit[k] = (
                column.texts()[k] in texts
                if column._texts is not None
                else (
                    column.raw[column.a[k] : column.b[k]].decode("utf-8", "surrogatepass") in texts
                )
            )
        counts[col] = int(np.isin(column.codes, np.flatnonzero(hit)).sum()) if hit.any() else 0
        if counts[col]:
            column.blank(hit)
    return counts


def _declare_numbers_missing(
    parsed: _Parsed, declared: Mapping[str, tuple], counts: dict[str, int]
) -> None:
    """Numeric codes in numeric columns match by value (``-9.999`` is ``-9999``)."""
    for col, codes in declared.items():
        numbers = [float(c) for c in codes if not isinstance(c, str)]
        if col not in parsed.status or not numbers:
            continue
        vals = np.asarray(parsed.values[col], dtype="float64")
        hit = np.isin(vals, numbers)
        if hit.any():
            vals = vals.copy()
            vals[hit] = np.nan
            parsed.values[col] = vals
            parsed.status[col] = np.where(hit, _kernels.MISSING, parsed.status[col]).astype(
                np.int8
            )
            counts[col] += int(hit.sum())


def _set_index(
    values: pd.DataFrame,
    status: pd.DataFrame,
    index_col: str | None,
    names: Sequence[str],
    collected: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    if index_col is None:
        return values, status
    if index_col not in names:
        raise fail(
            _WHERE_READ,
            f"`index_col` {index_col!r} is not a column of the table",
            f"pass one of {format_values(names, 12)}",
        )
    idx = pd.Index(values[index_col], name=index_col)
    if not idx.is_unique:
        dup = idx[idx.duplicated()].unique()
        collected.append(f"index column {index_col!r} has duplicated ids: {format_values(dup)}")
    values = values.drop(columns=index_col).set_axis(idx, axis=0)
    status = status.drop(columns=[index_col], errors="ignore").set_axis(idx, axis=0)
    return values, status


# --------------------------------------------------------------------------- quality flags


def _is_quality_column(name: str, column: _Column) -> bool:
    """Tell whether a column holds GENESIS quality flags (``value_q``, ``..._q``)."""
    if not re.search(r"_q$", str(name), re.IGNORECASE):
        return False
    filled = [v for v in column.texts() if v]
    return all(len(v) <= 3 and not any(ch.isdigit() for ch in v) for v in filled)


def _apply_quality_columns(
    quality: Sequence[str],
    columns: Mapping[str, _Column],
    names: Sequence[str],
    values: dict[str, Any],
    status: dict[str, Any],
) -> dict[str, str]:
    """Merge GENESIS quality flags into the status of their value columns.

    A flag column ``X_q`` (or ``X__q``) belongs to the numeric column ``X`` or,
    if there is none, to the nearest numeric column on its left. Flags ``p``,
    ``r``, ``s`` turn a plain value into ``provisional``, ``revised``,
    ``estimated``; a DIN 55301 sign in the flag column gives an empty value
    cell its status. Other codes (``e``, final) leave the status as it is.
    Returns ``{flag column: value column}``.
    """
    paired: dict[str, str] = {}
    index = _STATUS_INDEX
    for qcol in quality:
        base = re.sub(r"_{1,2}q$", "", qcol, flags=re.IGNORECASE)
        if base in status:
            target = base
        else:
            left = [c for c in names[: names.index(qcol)] if c in status]
            if not left:
                continue
            target = left[-1]
        flags = columns[qcol].cells()
        st = status[target]
        plain = (st == index["ok"]) | (st == index["rounded_zero"])
        for flag, new in _FLAGS.items():
            st[plain & (flags == flag)] = index[new]
        empty = st == index["missing"]
        for sign, new in _SIGN_STATUS.items():
            hit = empty & (flags == sign)
            if sign and hit.any():
                st[hit] = index[new]
                if new == "zero":
                    vals = np.asarray(values[target], dtype="float64").copy()
                    vals[hit] = 0.0
                    values[target] = vals
        paired[qcol] = target
    return paired


# --------------------------------------------------------------------------- keys


def _detect_keys(
    columns: Mapping[str, _Column],
    key_columns: Sequence[str] | None,
    text_columns: Sequence[str],
) -> list[str]:
    if key_columns is not None:
        if isinstance(key_columns, str):
            key_columns = [key_columns]
        return list(key_columns)
    keys = []
    for col, column in columns.items():
        if col in set(text_columns):
            continue
        filled = column.filled()
        if not filled.any():
            continue
        code, digits, leading_zero, short_alnum = (f[filled] for f in _key_facts(column))
        if _KEY_NAME_RE.search(str(col)):
            if code.all():
                keys.append(col)
        elif (
            leading_zero.any()
            and (digits | (short_alnum if str(col).startswith("Unnamed: ") else False)).all()
        ):
            # digits with leading zeros; in a column without heading (database exports
            # leave the key column unnamed) also letter codes such as "DG" for Germany
            keys.append(col)
    return keys


def _key_facts(column: _Column) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return per distinct cell the facts the key detection asks.

    A code (letters and digits, one digit at least), all digits, digits with a
    leading zero, letters and digits of at most 12 characters.
    """
    k = _kernels
    if len(column.a) >= _KERNEL_MIN_CELLS:
        bits = k.cell_properties(column.buf, column.a, column.b)
    else:
        bits = np.zeros(len(column.a), dtype=np.int8)  # all read in Python below
    code = (bits & k.ALNUM > 0) & (bits & k.HAS_DIGIT > 0)
    digits = bits & k.DIGITS > 0
    leading_zero = bits & k.LEADING_ZERO > 0
    short_alnum = (bits & k.ALNUM > 0) & (column.b - column.a <= 12)
    slow = np.flatnonzero(bits & k.ASCII == 0)
    if len(slow):
        texts = column.texts()
        for i in slow.tolist():
            v = texts[i]
            code[i] = bool(_CODE_RE.match(v))
            digits[i] = v.isdigit()
            leading_zero[i] = len(v) > 1 and v[0] == "0" and v.isdigit()
            short_alnum[i] = v.isalnum() and len(v) <= 12
    return code, digits, leading_zero, short_alnum


def _key_widths(key_width: Any, keys: Sequence[str]) -> dict[str, int]:
    if key_width is None:
        return {}
    if isinstance(key_width, Mapping):
        unknown = [c for c in key_width if c not in keys]
        if unknown:
            raise fail(
                _WHERE_READ,
                f"`key_width` names {format_values(unknown)}, which are not key columns "
                f"(keys: {format_values(keys) or 'none'})",
                "name key columns, or add the column to key_columns=",
            )
        widths = dict(key_width)
    else:
        widths = dict.fromkeys(keys, key_width)
    for col, w in widths.items():
        if not isinstance(w, int | np.integer) or isinstance(w, bool) or w < 1:
            raise fail(_WHERE_READ, f"`key_width` for {col!r} is {w!r}", "pass a positive integer")
    return {c: int(w) for c, w in widths.items()}


def _as_keys(column: _Column, name: str, width: int | None, collected: list[str]) -> pd.Series:
    """Return the cells of a key column as strings padded to ``width``; warn of mixed lengths."""
    texts = column.texts()
    filled_u = column.filled()
    if width is not None:
        digits = _key_facts(column)[1]
        texts = [
            t.zfill(width) if d and len(t) < width else t
            for t, d in zip(texts, digits.tolist(), strict=True)
        ]
        long_u = filled_u & (np.fromiter(map(len, texts), np.int64, len(texts)) > width)
        long_ = long_u[column.codes]
        if long_.any():
            collected.append(
                f"key column {name!r} has {int(long_.sum())} key(s) longer than "
                f"key_width={width}: {format_values([texts[i] for i in np.flatnonzero(long_u)])}"
            )
    length_u = np.fromiter(map(len, texts), np.int64, len(texts))
    filled = filled_u[column.codes]
    lengths = length_u[column.codes][filled]
    if len(np.unique(lengths)) > 1:
        codes = column.codes[filled]
        found, counts = np.unique(lengths, return_counts=True)
        desc = ", ".join(
            f"{int(n)} of length {int(ln)} (e.g. {texts[codes[np.argmax(lengths == ln)]]!r})"
            for ln, n in zip(found, counts, strict=True)
        )
        all_digits = all(texts[i].isdigit() for i in np.flatnonzero(filled_u).tolist())
        fix = (
            "if leading zeros were lost (e.g. by a spreadsheet), pass "
            f"key_width={int(lengths.max())}"
            if all_digits
            else "check the keys"
        )
        collected.append(f"key column {name!r} has keys of different lengths: {desc}; {fix}")
    keys = pd.Series(np.array(texts, dtype=object)[column.codes], dtype="str")
    return keys.where(filled, None) if len(keys) else keys


def _width_summary(values: pd.DataFrame, col: str) -> int | tuple[int, ...] | None:
    lengths = values[col].dropna().str.len().unique()
    if len(lengths) == 0:
        return None
    return int(lengths[0]) if len(lengths) == 1 else tuple(sorted(int(x) for x in lengths))


# --------------------------------------------------------------------------- numbers


def _number_body(decimal: str, thousands: str) -> str:
    """Regular expression of one number (without anchors) in the given format."""
    group = "[" + re.escape(thousands + _SPACES) + "]" if thousands else f"[{_SPACES}]"
    dec = re.escape(decimal)
    # grouped digits start with 1-9: "0,123" is never "zero thousand one hundred ..."
    # a sign may be followed by blanks ("-  23" in older Statistikamt Nord exports); the
    # en dash is a typeset minus when digits follow (alone it is the zero sign)
    sign = rf"(?:[-+\u2212\u2013][{_SPACES}]*)?"
    return rf"{sign}(?:(?:[1-9]\d{{0,2}}(?:{group}\d{{3}})+|\d+)(?:{dec}\d+)?|{dec}\d+)"


def _cell_pattern(decimal: str, thousands: str) -> re.Pattern[str]:
    """Match a numeric cell: a number, in brackets (limited) or with a p/r/s flag."""
    num = _number_body(decimal, thousands)
    return re.compile(rf"^(?:\(\s*(?P<limited>{num})\s*\)|(?P<num>{num}))(?:\s*(?P<flag>[prs]))?$")


#: Cell patterns of the two standard formats, keyed by decimal separator.
_PATTERNS = {",": _cell_pattern(",", "."), ".": _cell_pattern(".", ",")}
_DEFAULT_THOUSANDS = {",": ".", ".": ","}


def _decide_number_format(
    columns: Mapping[str, _Column],
    sep: str,
    decimal: str | None,
    thousands: str | None,
) -> tuple[str, str]:
    """Choose decimal and thousands separators.

    Every distinct cell votes: a valid German number that is no valid English
    one (``1,5``, ``1.234,5``, ``1.234.567``) votes for the decimal comma, and
    the other way round. ``1.234`` fits both and does not vote; dates such as
    ``01.01.2021`` fit neither. A tie follows the separator.
    """
    if decimal is not None and decimal not in (",", "."):
        raise fail(_WHERE_READ, f"`decimal` is {decimal!r}", "pass ',' (German) or '.' (English)")
    if decimal is None:
        votes = {",": 0, ".": 0}
        for column in columns.values():
            german = np.isin(_parse_distinct(column, ",", ".")[0], _NUMBER_CODES)
            english = np.isin(_parse_distinct(column, ".", ",")[0], _NUMBER_CODES)
            votes[","] += int((german & ~english).sum())
            votes["."] += int((english & ~german).sum())
        if votes[","] != votes["."]:
            decimal = "," if votes[","] > votes["."] else "."
        else:
            decimal = "." if sep == "," else ","
    if thousands is None:
        thousands = _DEFAULT_THOUSANDS[decimal]
    if thousands == decimal:
        raise fail(
            _WHERE_READ,
            f"`thousands` and `decimal` are both {decimal!r}",
            "pass different characters",
        )
    for column in columns.values():  # keep only the reading that was chosen
        for key in [k for k in column.parsed if k != (decimal, thousands)]:
            del column.parsed[key]
    return decimal, thousands


#: Status codes of cells that hold a number (not a sign, not unreadable).
_NUMBER_CODES = np.array(
    [
        _STATUS_INDEX[s]
        for s in ("ok", "rounded_zero", "limited", "provisional", "revised", "estimated")
    ],
    dtype=np.int8,
)


def _parse_distinct(
    column: _Column, decimal: str, thousands: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct cell: status code, value and whether the number has decimals.

    In columns of many distinct cells, printable ASCII cells are read by the compiled
    kernel, the others (and every cell when ``thousands`` is not one ASCII character)
    by the regular expression; both follow the same grammar.
    """
    key = (decimal, thousands)
    if key in column.parsed:
        return column.parsed[key]
    tho = -1 if thousands == "" else ord(thousands) if len(thousands) == 1 else 256
    if tho < 128 and len(column.a) >= _KERNEL_MIN_CELLS:
        status, value, has_dec = _kernels.parse_cells(
            column.buf, column.a, column.b, ord(decimal), tho
        )
        slow = np.flatnonzero(status == _kernels.PYTHON)
    else:
        n = len(column.a)
        status, value, has_dec = np.empty(n, np.int8), np.full(n, np.nan), np.zeros(n, bool)
        slow = np.arange(n)
    if len(slow):
        pattern = (
            _PATTERNS[decimal]
            if thousands == _DEFAULT_THOUSANDS[decimal]
            else _cell_pattern(decimal, thousands)
        )
        table = str.maketrans(
            {decimal: ".", "\u2212": "-", "\u2013": "-", **dict.fromkeys(thousands + _SPACES)}
        )
        texts = column.texts()
        for i in slow.tolist():
            status[i], value[i], has_dec[i] = _parse_text(texts[i], pattern, decimal, table)
    column.parsed[key] = (status, value, has_dec)
    return status, value, has_dec


def _parse_text(
    cell: str, pattern: re.Pattern[str], decimal: str, table: dict[int, Any]
) -> tuple[int, float, bool]:
    """Status code, value and "has decimals" of one cell (the rule the kernel follows)."""
    sign = _SIGN_STATUS.get(cell)
    if sign is not None:
        return _STATUS_INDEX[sign], 0.0 if sign == "zero" else np.nan, False
    m = pattern.match(cell)
    if m is None:
        return _STATUS_INDEX["invalid"], np.nan, False
    limited = m["limited"]
    num = limited if limited is not None else m["num"]
    value = float(num.translate(table))
    if limited is not None:
        status = "limited"
    elif m["flag"]:
        status = _FLAGS[m["flag"]]
    else:
        status = "rounded_zero" if value == 0 else "ok"
    return _STATUS_INDEX[status], value, decimal in num


def _parse_column(
    column: _Column, decimal: str, thousands: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Parse one column from its distinct cells; None if it is a text column.

    Returns the values, the status codes and the positions of unreadable cells.
    """
    status_u, value_u, has_dec_u = _parse_distinct(column, decimal, thousands)
    n_bad = int((status_u == _STATUS_INDEX["invalid"]).sum())
    numbers = np.isin(status_u, _NUMBER_CODES)
    n_numbers = int(numbers.sum())
    if n_bad and (n_numbers == 0 or n_bad > n_numbers):
        return None  # a text column (names, labels)
    values = value_u[column.codes]
    status = status_u[column.codes]
    bad = np.flatnonzero(status == _STATUS_INDEX["invalid"])
    if (
        len(values)
        and not has_dec_u[numbers].any()
        and np.isfinite(values).all()
        and (np.abs(values) < 2**53).all()
        and (values == np.round(values)).all()
    ):
        values = values.astype("int64")
    return values, status, bad


# --------------------------------------------------------------------------- writing


def write_statistik(
    df: pd.DataFrame | StatistikTable,
    path_or_buffer: str | os.PathLike | io.IOBase | None = None,
    *,
    status: pd.DataFrame | None = None,
    language: Literal["de", "en"] = "de",
    encoding: str = "utf-8-sig",
    sep: str | None = None,
    header_lines: Sequence[str] = (),
    footer_lines: Sequence[str] = (),
    index: bool | None = None,
    decimals: int | Mapping[str, int] | None = None,
    thousands: bool = False,
    lineterminator: str = "\r\n",
) -> str | None:
    r"""Write a table in the format of German statistics offices.

    The inverse of :func:`read_statistik`: numeric columns are written with
    the decimal separator of ``language``, exact zeros as ``-``, and every
    value whose status says so as its DIN 55301 sign; key and text columns are
    written as they are (leading zeros kept).

    ===================  ===================================
    status               written as
    ===================  ===================================
    ``ok``               the number (``-`` if it is 0)
    ``zero``             ``-``
    ``rounded_zero``     ``0``
    ``suppressed``       ``.`` (the value is not written)
    ``unreliable``       ``/`` (the value is not written)
    ``not_applicable``   ``x``
    ``pending``          ``...``
    ``limited``          ``(12,3)``
    ``provisional``      ``12,3 p`` (``r`` revised, ``s`` estimated)
    ``missing``          empty cell
    ===================  ===================================

    Parameters
    ----------
    df : DataFrame or StatistikTable
        The table. Numeric columns (numeric dtype) are formatted, all other
        columns written as text. A :class:`StatistikTable` brings its status.
        Columns with a MultiIndex are written as one heading line per level,
        a heading that spans several columns written once (as the statistical
        offices of the Länder do); :func:`read_statistik` reads them back into
        the same flat names and levels. ``status`` may then use either the
        MultiIndex or the flat names.
    path_or_buffer : str, path or file-like, optional
        Where to write. ``None`` returns the text.
    status : DataFrame, optional
        Status per value (strings from :data:`STATUS_CODES`) for some or all
        numeric columns, on the index of ``df``. Without it a NaN is written as
        an empty cell (``missing``) and a 0 as ``-``. Values whose status is a
        sign without a number (``suppressed``, ...) are replaced by the sign:
        this is how to suppress cells before publishing.
    language : {"de", "en"}, default "de"
        ``"de"``: decimal comma (thousands ``.``), default separator ``;``.
        ``"en"``: decimal point (thousands ``,``), default separator ``,``.
    encoding : str, default "utf-8-sig"
        Encoding of files and binary buffers (``"utf-8-sig"`` writes the
        byte-order mark as GENESIS does; ``"cp1252"`` for old web exports).
    sep : str, optional
        Field separator; default by ``language``.
    header_lines, footer_lines : sequence of str, default ()
        Title lines written above the table and source lines or footnotes
        below it, each separated from the table by an empty line.
    index : bool, optional
        Write the index as the first column. Default: when it has a name.
    decimals : int or mapping of str to int, optional
        Fixed number of decimals (all or per column). Default: the shortest
        text that reads back to the same float.
    thousands : bool, default False
        Group thousands (``1.234.567`` in German) as older web exports do.
    lineterminator : str, default "\r\n"
        Line end (statistics offices publish with Windows line ends).

    Returns
    -------
    str or None
        The text when ``path_or_buffer`` is None.

    Raises
    ------
    InputError
        ``df`` is not a table, ``status`` holds unknown codes or does not fit
        ``df``, or a value cannot be encoded in ``encoding``.

    See Also
    --------
    read_statistik : the inverse.

    Examples
    --------
    >>> import io
    >>> import pandas as pd
    >>> df = pd.DataFrame(
    ...     {"PLR": ["01100101", "01100102"], "Einwohner": [3503.0, 0.0], "Quote": [12.25, 3.0]}
    ... )
    >>> status = pd.DataFrame({"Quote": ["ok", "suppressed"]})
    >>> text = write_statistik(df, status=status, header_lines=["Einwohner 2022"],
    ...                        footer_lines=["Quelle: Musterstadt"])
    >>> print(text.replace("\r", ""))
    Einwohner 2022
    <BLANKLINE>
    PLR;Einwohner;Quote
    01100101;3503;12,25
    01100102;-;.
    <BLANKLINE>
    Quelle: Musterstadt
    <BLANKLINE>
    >>> read_statistik(io.StringIO(text)).status
      Einwohner       Quote
    0        ok          ok
    1      zero  suppressed
    """
    if isinstance(df, StatistikTable):
        if status is None:
            status = df.status
        df = df.values
    check_frame(df, where=_WHERE_WRITE, allow_empty=True)
    if language not in ("de", "en"):
        raise fail(_WHERE_WRITE, f"`language` is {language!r}", "pass 'de' or 'en'")
    decimal = "," if language == "de" else "."
    group = "." if language == "de" else ","
    if sep is None:
        sep = ";" if language == "de" else ","
    if not isinstance(sep, str) or len(sep) != 1 or sep in "0123456789":
        raise fail(_WHERE_WRITE, f"`sep` is {sep!r}", "pass a single character such as ';'")
    if sep == decimal:
        raise fail(
            _WHERE_WRITE,
            f"`sep` {sep!r} equals the decimal separator of language={language!r}",
            "use sep=';' for German tables",
        )
    if index is None:
        index = any(n is not None for n in df.index.names)
    frame = df.reset_index() if index else df
    if len(set(frame.columns)) != len(frame.columns):
        raise fail(_WHERE_WRITE, "`df` has duplicated column names", "rename the columns")
    headings = _heading_lines(frame.columns)
    if isinstance(frame.columns, pd.MultiIndex):
        flat = [_flat_name(t) for t in frame.columns]
        frame = frame.set_axis(flat, axis=1)
        df = df.set_axis(flat[len(flat) - df.shape[1] :], axis=1)
        if isinstance(status, pd.DataFrame) and isinstance(status.columns, pd.MultiIndex):
            status = status.set_axis([_flat_name(t) for t in status.columns], axis=1)
    numeric = [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]
    st = _check_status(status, df, numeric)
    widths = _decimals_per_column(decimals, numeric)

    columns_text: dict[Hashable, list[str]] = {}
    for col in frame.columns:
        if col in numeric:
            vals = frame[col].to_numpy(dtype="float64", na_value=np.nan)
            infinite = np.isinf(vals)
            if infinite.any():
                raise fail(
                    _WHERE_WRITE,
                    f"column {col!r} of `df` has infinite values at rows "
                    f"{format_values(frame.index[infinite])}",
                    "statistics tables hold finite numbers; replace them (e.g. by NaN with "
                    "status 'not_applicable')",
                )
            codes = st.get(col, [None] * len(vals))
            fmt = {"decimal": decimal, "thousands": group if thousands else ""}
            digits = widths.get(col)
            columns_text[col] = [
                _format_cell(float(v), c, decimals=digits, **fmt)
                for v, c in zip(vals.tolist(), codes, strict=True)
            ]
        else:
            columns_text[col] = ["" if pd.isna(v) else str(v) for v in frame[col].tolist()]

    text = _csv_text(
        frame, columns_text, headings, sep, lineterminator, header_lines, footer_lines
    )
    return _write_text(text, path_or_buffer, encoding)


def _csv_text(
    frame: pd.DataFrame,
    columns_text: Mapping[Hashable, list[str]],
    headings: list,
    sep: str,
    lineterminator: str,
    header_lines: Sequence[str],
    footer_lines: Sequence[str],
) -> str:
    """Join header lines, headings, formatted cells and footer lines into CSV text."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator=lineterminator)
    for line in header_lines:
        writer.writerow([line])
    if header_lines:
        writer.writerow([])
    for heading in headings:
        writer.writerow(heading)
    for i in range(len(frame)):
        writer.writerow([columns_text[c][i] for c in frame.columns])
    if footer_lines:
        writer.writerow([])
    for line in footer_lines:
        writer.writerow([line])
    return buf.getvalue()


def _write_text(
    text: str, path_or_buffer: str | os.PathLike | io.IOBase | None, encoding: str
) -> str | None:
    """Return the text (no target) or write it, encoded, to a path or an open file."""
    if path_or_buffer is None:
        return text
    try:
        data = text.encode(encoding)
    except LookupError:
        raise fail(
            _WHERE_WRITE, f"`encoding` {encoding!r} is unknown", "pass e.g. 'utf-8-sig'"
        ) from None
    except UnicodeEncodeError as exc:
        raise fail(
            _WHERE_WRITE,
            f"the character {exc.object[exc.start]!r} cannot be written in {encoding}",
            "use encoding='utf-8-sig' or replace the character",
        ) from None
    if isinstance(path_or_buffer, str | os.PathLike):
        with open(path_or_buffer, "wb") as fh:
            fh.write(data)
    elif isinstance(path_or_buffer, io.TextIOBase):
        path_or_buffer.write(text)
    elif hasattr(path_or_buffer, "write"):
        path_or_buffer.write(data)
    else:
        raise fail(
            _WHERE_WRITE,
            f"`path_or_buffer` is a {type(path_or_buffer).__name__}",
            "pass a file path, an open file or None",
        )
    return None


def _flat_name(levels: tuple) -> str:
    """Join heading cells as :func:`read_statistik` does (a repeated cell once)."""
    parts: list[str] = []
    for p in levels:
        p = "" if p is None or p != p else str(p)
        if p and (not parts or parts[-1] != p):
            parts.append(p)
    return " ".join(parts)


def _heading_lines(columns: pd.Index) -> list[list[str]]:
    """Heading lines of a table: one, or one per level of a MultiIndex.

    A cell that repeats the heading on its left (same cells on all higher levels) is
    left empty when a lower line names the column, so that the heading spans; the
    result is checked to read back with the same number of heading lines.
    """
    if not isinstance(columns, pd.MultiIndex):
        return [[str(c) for c in columns]]
    cells = [["" if v is None or v != v else str(v) for v in t] for t in columns.to_flat_index()]
    n_levels, width = columns.nlevels, len(cells)
    lines = [["" for _ in range(width)] for _ in range(n_levels)]
    for j, col in enumerate(cells):
        for k in range(n_levels):
            spanned = j > 0 and cells[j - 1][: k + 1] == col[: k + 1] and any(col[k + 1 :])
            lines[k][j] = "" if spanned else col[k]
    probe = [[_split_marker(c)[0] for c in line] for line in lines] + [["x"] * width]
    if _count_header_rows(_RowLines(probe), 0, width) != n_levels or any(
        _number_like(c) for line in lines[1:] for c in line
    ):
        raise fail(
            _WHERE_WRITE,
            f"the {n_levels} heading lines of the MultiIndex columns would not read back as "
            "headings (the first column needs empty cells below its name, and the second "
            "line must name a column the first leaves empty or hold units; no numbers "
            "except years)",
            "put the key column first with empty lower levels, or flatten the columns",
        )
    return lines


def _check_status(status: Any, df: pd.DataFrame, numeric: Sequence[Hashable]) -> dict:
    if status is None:
        return {}
    if not isinstance(status, pd.DataFrame):
        raise fail(
            _WHERE_WRITE,
            f"`status` is a {type(status).__name__}",
            "pass a DataFrame of status codes with the index and numeric columns of df",
        )
    unknown_cols = [c for c in status.columns if c not in numeric]
    if unknown_cols:
        raise fail(
            _WHERE_WRITE,
            f"`status` has column(s) {format_values(unknown_cols)} that are not numeric columns "
            "of `df`",
            f"give statuses only for numeric columns: {format_values(numeric, 12)}",
        )
    if len(status) != len(df) or not status.index.equals(df.index):
        raise fail(
            _WHERE_WRITE,
            "`status` is not on the index of `df`",
            "build it with the same index, e.g. status.reindex(df.index)",
        )
    out = {}
    allowed = set(STATUS_CODES)
    for col in status.columns:
        codes = status[col].astype("object").where(status[col].notna(), None).to_numpy()
        bad = sorted({str(c) for c in codes if c is not None and c not in allowed})
        if bad:
            raise fail(
                _WHERE_WRITE,
                f"`status` column {col!r} holds unknown code(s) {format_values(bad)}",
                f"use codes from sozplan.io.STATUS_CODES: {format_values(STATUS_CODES, 13)}",
            )
        out[col] = codes
    return out


def _decimals_per_column(decimals: Any, numeric: Sequence[Hashable]) -> dict:
    if decimals is None:
        return {}
    widths = dict(decimals) if isinstance(decimals, Mapping) else dict.fromkeys(numeric, decimals)
    for col, d in widths.items():
        if not isinstance(d, int | np.integer) or isinstance(d, bool) or d < 0:
            raise fail(_WHERE_WRITE, f"`decimals` for {col!r} is {d!r}", "pass an integer >= 0")
    return widths


def _format_number(value: float, decimal: str, thousands: str, decimals: int | None) -> str:
    """Positional text of a finite number: shortest round-trip digits or fixed decimals."""
    if decimals is not None:
        text = f"{value:.{decimals}f}"
    elif value.is_integer() and abs(value) < 1e16:
        text = str(int(value))
    else:
        text = repr(value)  # shortest text that reads back to the same float
        if "e" in text:
            text = np.format_float_positional(value, trim="-")
    sign = "-" if text[0] == "-" else ""
    whole, _, frac = text.lstrip("-").partition(".")
    if thousands and len(whole) > 3:
        whole = f"{int(whole):,}".replace(",", thousands)
    return sign + whole + (decimal + frac if frac else "")


def _format_cell(
    value: float, status: str | None, *, decimal: str, thousands: str, decimals: int | None
) -> str:
    """Text of one numeric cell, given its value and status (None: derive it)."""
    missing = value != value  # NaN
    if status is None or status != status:
        status = "missing" if missing else ("zero" if value == 0 else "ok")
    if status in _NAN_STATUSES:
        return _SIGN_OF_STATUS[status]
    if missing:
        return ""
    if status == "zero" or (status == "ok" and value == 0):
        return "-"
    if status == "rounded_zero":
        return "0"
    text = _format_number(float(value), decimal, thousands, decimals)
    if status == "limited":
        return f"({text})"
    if status in _FLAG_OF_STATUS:
        return f"{text} {_FLAG_OF_STATUS[status]}"
    return text


# --------------------------------------------------------------------------- publishing

_WHERE_TABLE = "write_table"
#: Legend lines of the DIN 55301 signs, written below Excel tables that use them.
_SIGN_LEGEND = {
    "zero": ("-", "nichts vorhanden (genau null)", "nothing (exactly zero)"),
    "rounded_zero": (
        "0",
        "weniger als die Hälfte von 1 in der letzten Stelle",
        "less than half a unit",
    ),
    "suppressed": (".", "Zahlenwert geheim zu halten oder unbekannt", "secret or unknown"),
    "unreliable": ("/", "Zahlenwert nicht sicher genug", "not reliable enough"),
    "not_applicable": ("x", "Aussage nicht sinnvoll", "not applicable"),
    "pending": ("...", "Angabe fällt später an", "due later"),
    "limited": ("( )", "Aussagewert eingeschränkt", "limited informative value"),
}


def write_table(
    table: pd.DataFrame | StatistikTable,
    path: str | os.PathLike | Any,
    *,
    decimals: int | Mapping[Hashable, int] | None = None,
    language: Literal["de", "en"] = "de",
    attribution: str | Sequence[str] | None = None,
    sheet_name: str | None = None,
    status: pd.DataFrame | None = None,
    index: bool | None = None,
    mode: Literal["w", "a"] = "w",
) -> None:
    r"""Write a table for publication: German (or English) CSV, or a formatted Excel sheet.

    The file type follows the suffix of ``path``:

    ``.csv``
        German format (``language="de"``): ``;`` between fields, decimal comma, no
        thousands separator, UTF-8 with byte-order mark, Windows line ends, exactly
        ``decimals`` decimals per column, the DIN 55301 signs for values without a
        number (``.`` secret, ``-`` exactly zero, ...). English: ``,`` and decimal
        point. :func:`read_statistik` reads the file back to the same (rounded)
        values and statuses; the attribution is a footer line.
    ``.xlsx``
        One sheet (openpyxl) with real numbers, rounded to ``decimals`` and shown
        through Excel number formats (``#,##0.0``: Excel displays ``1.234,5`` in a
        German locale), zeros shown as ``-``, signs as text, a bold shaded header
        row, the header row and id column frozen, column widths that fit, and below
        the table the attribution and a legend of the signs used.

    Values are rounded before writing, so neither file shows more digits than
    ``decimals`` allows (publication precision is part of disclosure control, see
    :func:`sozplan.disclosure.audit_linear`).

    Parameters
    ----------
    table : DataFrame or StatistikTable
        The table. Numeric columns are formatted; object columns that hold only
        numbers and DIN 55301 signs (``"."``, ``"-"``, ``"/"``, ``"x"``, ``"..."``)
        are split into numbers and statuses; other columns are written as text.
        A :class:`StatistikTable` brings its status.
    path : str, path or openpyxl.Workbook
        Target file ending in ``.csv`` or ``.xlsx``; or an open ``openpyxl`` workbook,
        to which the sheet is added in memory (save it yourself once all sheets are
        in: writing many tables is then linear in their size, while ``mode="a"``
        reads and rewrites the whole file for every sheet).
    decimals : int or mapping of column to int, optional
        Decimals of all numeric columns, or per column (columns not named keep
        their full precision). Default: full precision.
    language : {"de", "en"}, default "de"
        Number format and separator of the CSV, language of the Excel legend.
    attribution : str or sequence of str, optional
        Source and licence line(s), e.g. ``"Quelle: Amt für Statistik
        Berlin-Brandenburg, CC BY 3.0 DE"``, written below the table.
    sheet_name : str, optional
        Name of the Excel sheet (at most 31 characters); default ``"Tabelle"``
        (``"Table"`` in English). Ignored for CSV.
    status : DataFrame, optional
        Status per value (codes of :data:`STATUS_CODES`) as in
        :func:`write_statistik`, e.g. ``"suppressed"`` for hidden cells.
    index : bool, optional
        Write the index as the first column; default when it has a name.
    mode : {"w", "a"}, default "w"
        ``"a"`` adds the sheet to an existing workbook (replacing a sheet of the
        same name), to collect several tables in one ``.xlsx``. CSV files are
        always written anew; a workbook passed as ``path`` always gets the sheet
        added.

    Raises
    ------
    InputError
        An unknown suffix, a ``decimals`` entry for a column that is not in the
        table or not numeric, an invalid sheet name, or any error of
        :func:`write_statistik`.

    See Also
    --------
    write_statistik : the CSV writer with all options (header lines, thousands, encoding).
    sozplan.indicators.rate_ci, sozplan.indicators.format_interval :
        confidence intervals beside published rates.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> from sozplan.io import read_statistik, write_table
    >>> df = pd.DataFrame({"Quote": [12.345, 0.0, 7.0], "Fälle": [120, 0, 3]},
    ...                   index=pd.Index(["01", "02", "03"], name="PLR"))
    >>> status = pd.DataFrame({"Fälle": ["ok", "zero", "suppressed"]}, index=df.index)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "quote.csv"
    >>> write_table(df, path, decimals={"Quote": 1}, status=status,
    ...             attribution="Quelle: Musterstadt")
    >>> print(path.read_text(encoding="utf-8-sig").replace("\r", ""))
    PLR;Quote;Fälle
    01;12,3;120
    02;-;-
    03;7,0;.
    <BLANKLINE>
    Quelle: Musterstadt
    <BLANKLINE>
    >>> read_statistik(path).values
      PLR  Quote  Fälle
    0  01   12.3  120.0
    1  02    0.0    0.0
    2  03    7.0    NaN
    """
    if isinstance(table, StatistikTable):
        if status is None:
            status = table.status
        table = table.values
    check_frame(table, arg="table", where=_WHERE_TABLE, allow_empty=True)
    if language not in ("de", "en"):
        raise fail(_WHERE_TABLE, f"`language` is {language!r}", "pass 'de' or 'en'")
    if mode not in ("w", "a"):
        raise fail(_WHERE_TABLE, f"`mode` is {mode!r}", "pass 'w' (new file) or 'a' (add a sheet)")
    book = _xlsx.is_workbook(path)
    suffix = ".xlsx" if book else os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in (".csv", ".xlsx"):
        raise fail(
            _WHERE_TABLE,
            f"`path` ends in {suffix or 'no suffix'!r}",
            "name a file ending in .csv (German CSV) or .xlsx (Excel)",
        )
    frame, status = _signs_to_status(table, status)
    csv_frame, csv_status = frame, status
    if isinstance(frame.columns, pd.MultiIndex):
        # headings over several lines: the CSV keeps them, everything else uses the flat
        # names read_statistik gives back ("Quote 2024"); decimals may use either form
        flat = [_flat_name(t) for t in frame.columns]
        if isinstance(decimals, Mapping):
            decimals = {
                (_flat_name(k) if isinstance(k, tuple) else k): d for k, d in decimals.items()
            }
        frame = frame.set_axis(flat, axis=1)
        if isinstance(status, pd.DataFrame) and isinstance(status.columns, pd.MultiIndex):
            status = status.set_axis([_flat_name(t) for t in status.columns], axis=1)
    numeric = [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]
    digits = _table_decimals(decimals, frame, numeric)
    lines = [attribution] if isinstance(attribution, str) else list(attribution or ())
    if suffix == ".csv":
        frame, status = csv_frame, csv_status
        write_statistik(
            frame,
            path,
            status=status,
            language=language,
            decimals=digits,
            footer_lines=lines,
            index=index,
        )
        return
    try:
        import openpyxl  # noqa: F401
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise fail(
            _WHERE_TABLE, "writing .xlsx needs openpyxl", "pip install openpyxl, or write .csv"
        ) from None
    name = _xlsx.check_sheet_name(
        sheet_name or ("Tabelle" if language == "de" else "Table"), _WHERE_TABLE
    )
    if index is None:
        index = any(n is not None for n in frame.index.names)
    out = frame.reset_index() if index else frame
    out = out.set_axis([_flat_name(c) if isinstance(c, tuple) else c for c in out.columns], axis=1)
    st = _check_status(status, frame, numeric) if status is not None else {}
    codes: dict[Hashable, Any] = {c: st.get(c) for c in numeric}
    used = {
        c
        for col in numeric
        for c in (
            codes[col]
            if codes[col] is not None
            else ["missing" if v != v else ("zero" if v == 0 else "ok") for v in frame[col]]
        )
    }
    k = 1 if language == "de" else 2
    legend = [f"{_SIGN_LEGEND[c][0]} {_SIGN_LEGEND[c][k]}" for c in _SIGN_LEGEND if c in used]
    if legend:
        legend = [("Zeichenerklärung: " if k == 1 else "Signs: ") + "; ".join(legend)]
    _xlsx.write_sheet(
        path,
        out,
        numeric=numeric,
        status=codes,
        signs=_SIGN_OF_STATUS,
        decimals=digits or {},
        sheet_name=name,
        notes=[*lines, *legend],
        mode=mode,
    )


def _signs_to_status(
    table: pd.DataFrame, status: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Split object columns of numbers, gaps and DIN 55301 signs into numbers plus statuses."""
    frame = table
    extra: dict[Hashable, list[str | None]] = {}
    for col in table.columns:
        s = table[col]
        if s.dtype != object or (status is not None and col in status.columns):
            continue
        vals = s.tolist()
        is_num = [
            isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
            for v in vals
        ]
        is_sign = [
            isinstance(v, str) and v.strip() in _SIGN_STATUS and v.strip() != "" for v in vals
        ]
        is_none = [v is None or v is pd.NA or (isinstance(v, float) and v != v) for v in vals]
        # numbers with signs or gaps (e.g. cells hidden by setting None): a numeric column
        if not (any(is_sign) or any(is_num)) or not all(
            a or b or c for a, b, c in zip(is_num, is_sign, is_none, strict=True)
        ):
            continue
        if frame is table:
            frame = table.copy()
        frame[col] = [float(v) if n else np.nan for v, n in zip(vals, is_num, strict=True)]
        extra[col] = [
            _SIGN_STATUS[v.strip()] if g else None for v, g in zip(vals, is_sign, strict=True)
        ]
    if not extra:
        return frame, status
    add = pd.DataFrame(extra, index=table.index)
    if status is not None:
        add = pd.concat([status.astype(object), add], axis=1)
    return frame, add


def _table_decimals(decimals: Any, frame: pd.DataFrame, numeric: Sequence[Hashable]) -> Any:
    """Check ``decimals`` of :func:`write_table` against the table's columns."""
    if decimals is None or not isinstance(decimals, Mapping):
        if decimals is not None and (
            not isinstance(decimals, int | np.integer)
            or isinstance(decimals, bool)
            or decimals < 0
        ):
            raise fail(
                _WHERE_TABLE, f"`decimals` is {decimals!r}", "pass an integer >= 0 or a mapping"
            )
        return decimals if decimals is None else dict.fromkeys(numeric, int(decimals))
    unknown = [c for c in decimals if c not in numeric]
    if unknown:
        raise fail(
            _WHERE_TABLE,
            f"`decimals` names {format_values(unknown)}, which "
            + (
                "are not numeric columns"
                if all(c in frame.columns for c in unknown)
                else "are not columns"
            )
            + " of `table`",
            f"name numeric columns: {format_values(numeric, 12)}",
        )
    for col, d in decimals.items():
        if not isinstance(d, int | np.integer) or isinstance(d, bool) or d < 0:
            raise fail(_WHERE_TABLE, f"`decimals` for {col!r} is {d!r}", "pass an integer >= 0")
    return dict(decimals)


public_functions(globals())
