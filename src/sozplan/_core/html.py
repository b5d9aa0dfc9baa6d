"""The HTML of results' ``_repr_html_`` (one implementation for all packages).

Three shapes cover every result: :func:`rows_table` for (label, value) pairs,
:func:`frame_table` for a table, and :func:`block` for a titled block with lines,
an optional table and notes. Everything is escaped; missing values print as an
en dash, the DIN 55301-like sign for "no value".

Reprs are API output and in English, like parameter names, column names and error
messages: captions, row labels and notes passed to these helpers are English; data
inside them (area names, class labels, texts written in the language a caller chose)
stay as they are. A figure's repr is its description, in the figure's language. The
rule is in the glossary ("Which language where").
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

import pandas as pd

__all__ = ["block", "escape", "frame_table", "preformatted", "rows_table"]

#: Shown for a missing value in a table.
NA_REP = "–"


def escape(text: Any) -> str:
    """Escape any value's text for HTML.

    Examples
    --------
    >>> escape("a < b")
    'a &lt; b'
    """
    return html.escape(str(text))


def rows_table(
    rows: Iterable[tuple[Any, Any]], caption: str | None = None, *, markup: bool = False
) -> str:
    """Render (label, value) pairs as a two-column HTML table.

    Labels and values are escaped, unless ``markup`` says that they are HTML already
    (escaped by the caller, with tags such as ``<b>``).

    Examples
    --------
    >>> rows_table([("n", 3)], caption="Moran's I")  # doctest: +ELLIPSIS
    "<table class='sozplan-result'><caption>Moran&#x27;s I</caption><tbody><tr>...</tbody></table>"
    """
    esc = str if markup else escape
    body = "".join(
        f"<tr><th style='text-align:left'>{esc(k)}</th>"
        f"<td style='text-align:left'>{esc(v)}</td></tr>"
        for k, v in rows
    )
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f"<table class='sozplan-result'>{cap}<tbody>{body}</tbody></table>"


def frame_table(
    df: pd.DataFrame | pd.Series, max_rows: int = 20, float_format: str = "{:,.4g}"
) -> str:
    """Render a frame as a compact HTML table (first ``max_rows`` rows, then a note).

    Examples
    --------
    >>> import pandas as pd
    >>> out = frame_table(pd.DataFrame({"x": range(30)}), max_rows=2)
    >>> out.endswith("<p><em>28 more row(s)</em></p>")
    True
    """
    if isinstance(df, pd.Series):
        df = df.to_frame()
    more = f"<p><em>{len(df) - max_rows} more row(s)</em></p>" if len(df) > max_rows else ""
    shown = df.head(max_rows)
    return shown.to_html(float_format=float_format.format, na_rep=NA_REP, border=0) + more


def block(
    title: str,
    table: pd.DataFrame | pd.Series | None = None,
    notes: Iterable[str] = (),
    *,
    lines: Iterable[str] = (),
    max_rows: int = 20,
    float_format: str = "{:,.4g}",
) -> str:
    """Render a titled block: bold title, bullet ``lines``, optional table, bullet ``notes``.

    Examples
    --------
    >>> block("Result", notes=["a note"])
    "<div class='sozplan-result'><strong>Result</strong><ul><li>a note</li></ul></div>"
    """
    parts = [f"<div class='sozplan-result'><strong>{escape(title)}</strong>"]
    lines = list(lines)
    if lines:
        parts.append("<ul>" + "".join(f"<li>{escape(x)}</li>" for x in lines) + "</ul>")
    if table is not None:
        parts.append(frame_table(table, max_rows, float_format))
    notes = list(notes)
    if notes:
        parts.append("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>")
    parts.append("</div>")
    return "".join(parts)


def preformatted(
    text: str, table: pd.DataFrame | pd.Series | None = None, max_rows: int = 10
) -> str:
    """Render a result's text ``repr`` as preformatted HTML, with an optional table below.

    Examples
    --------
    >>> preformatted("a < b")
    "<div class='sozplan-result'><pre>a &lt; b</pre></div>"
    """
    tab = "" if table is None else frame_table(table, max_rows)
    return f"<div class='sozplan-result'><pre>{escape(text)}</pre>{tab}</div>"
