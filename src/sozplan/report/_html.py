"""HTML building blocks of the report: accessible tables, figures, notes, the SVG locator map."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sozplan.plotting import format_number

__all__: list[str] = []


def esc(text: Any) -> str:
    """HTML-escaped text."""
    return html.escape(str(text), quote=True)


@dataclass
class Block:
    """A piece of a report page: rendered HTML plus what tests and the index need."""

    html: str
    kind: str = "html"
    meta: dict = field(default_factory=dict)


def heading(level: int, text: str, anchor: str | None = None) -> Block:
    """Return a heading ``<h2>`` ... ``<h4>`` with an optional id."""
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return Block(
        f"<h{level}{ident}>{esc(text)}</h{level}>", "heading", {"level": level, "text": text}
    )


def para(text: str, *, raw: bool = False, cls: str | None = None) -> Block:
    """Return a paragraph (escaped unless ``raw``)."""
    c = f' class="{cls}"' if cls else ""
    return Block(f"<p{c}>{text if raw else esc(text)}</p>")


def bullets(items: list[str], *, raw: bool = False, lang: str | None = None) -> Block:
    """Return an unordered list (``lang``: its language, if not the page's)."""
    lis = "".join(f"<li>{i if raw else esc(i)}</li>" for i in items)
    attr = f' lang="{esc(lang)}"' if lang else ""
    return Block(f"<ul{attr}>{lis}</ul>")


def note(text: str, kind: str = "info", *, raw: bool = False, title: str | None = None) -> Block:
    """Return a highlighted note (``info``, ``warning`` or ``skipped``)."""
    head = f"<strong>{esc(title)}</strong> " if title else ""
    role = ' role="note"'
    return Block(
        f'<div class="note note-{kind}"{role}>{head}{text if raw else esc(text)}</div>',
        "note",
        {"kind": kind, "text": text},
    )


def figure(src: str, alt: str, caption: str, *, width: int | None = None) -> Block:
    """Return an image with alt text and a visible caption."""
    w = f' width="{width}"' if width else ""
    return Block(
        f'<figure><img src="{esc(src)}" alt="{esc(alt)}" loading="lazy"{w}>'
        f"<figcaption>{esc(caption)}</figcaption></figure>",
        "figure",
        {"src": src, "alt": alt},
    )


def _cell(value: Any, language: str, decimals: int) -> tuple[str, str]:
    """(text, css class) of one table cell."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "–", "num missing"
    if isinstance(value, bool | np.bool_):
        return ("ja" if language == "de" else "yes") if value else (
            "nein" if language == "de" else "no"
        ), ""
    if isinstance(value, int | np.integer):
        return format_number(float(value), 0, language), "num"
    if isinstance(value, float | np.floating):
        return format_number(float(value), decimals, language), "num"
    return str(value), ""


def table(
    df: pd.DataFrame,
    caption: str,
    *,
    language: str = "de",
    decimals: int | dict = 1,
    count_columns: tuple = (),
    hidden: pd.DataFrame | None = None,
    index_label: str | None = None,
    downloads: list[tuple[str, str]] | None = None,
    links: dict | None = None,
    max_rows: int | None = None,
    sign: str = ".",
) -> Block:
    """Return an accessible table: ``<caption>``, ``<th scope="col">`` and ``<th scope="row">``.

    Count cells carry the class ``count``; hidden (suppressed) cells show ``sign`` (DIN
    55301 ``.``, "secret") with a title and the class ``suppressed``.
    """
    rows = df if max_rows is None else df.head(max_rows)
    idx_name = index_label or (df.index.name or "")
    head = f'<th scope="col">{esc(idx_name)}</th>' + "".join(
        f'<th scope="col">{esc(c)}</th>' for c in df.columns
    )
    body = []
    secret = (
        "geheim (Geheimhaltung kleiner Fallzahlen)"
        if language == "de"
        else "suppressed (small counts)"
    )
    columns = list(df.columns)
    digits = [decimals.get(c, 1) if isinstance(decimals, dict) else decimals for c in columns]
    extra = [" count" if c in count_columns else "" for c in columns]
    # the rows as iterrows() would give them (one common type per row), read at once
    values = rows.to_numpy()
    hid = np.zeros(values.shape, dtype=bool)
    if hidden is not None:
        for j, c in enumerate(columns):
            if c in hidden.columns:
                hid[:, j] = hidden[c].loc[rows.index].to_numpy(dtype=bool)
    for i, ident in enumerate(rows.index):
        label = esc(ident)
        if links and ident in links:
            label = f'<a href="{esc(links[ident])}">{label}</a>'
        cells = [f'<th scope="row">{label}</th>']
        for j, v in enumerate(values[i]):
            d, is_hidden, cls_extra = digits[j], hid[i, j], extra[j]
            if is_hidden:
                cells.append(
                    f'<td class="num suppressed{cls_extra}" title="{esc(secret)}">{esc(sign)}</td>'
                )
                continue
            text, cls = _cell(v, language, d)
            cls = (cls + cls_extra).strip()
            cells.append(f'<td class="{cls}">{esc(text)}</td>' if cls else f"<td>{esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if max_rows is not None and len(df) > max_rows:
        more = (
            f'<p class="table-more">{len(df) - max_rows} weitere Zeilen in der Tabelle zum '
            "Herunterladen.</p>"
            if language == "de"
            else f'<p class="table-more">{len(df) - max_rows} more rows in the download.</p>'
        )
    dl = ""
    if downloads:
        word = "Herunterladen" if language == "de" else "Download"
        dl = (
            '<p class="downloads">'
            + word
            + ": "
            + " · ".join(f'<a href="{esc(href)}">{esc(lab)}</a>' for lab, href in downloads)
            + "</p>"
        )
    return Block(
        f'<div class="table-wrap" tabindex="0" role="region" aria-label="{esc(caption)}">'
        f"<table><caption>{esc(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>{more}{dl}",
        "table",
        {"caption": caption},
    )


def keyfigures(items: list[tuple[str, str]]) -> Block:
    """Return a row of key figures (value over label) as a description list."""
    parts = "".join(
        f'<div class="kf"><dt>{esc(lab)}</dt><dd>{esc(val)}</dd></div>' for val, lab in items
    )
    return Block(f'<dl class="keyfigures">{parts}</dl>')


def bar_table(
    rows: list[dict], caption: str, columns: list[str], *, language: str = "de"
) -> Block:
    """Return a table of values with small inline bars (decorative, hidden from screen readers).

    ``rows`` items: ``{"label": str, "values": [float...], "unit": str, "decimals": int,
    "hidden": [bool...]}``; the first value is drawn as a bar relative to the row maximum.
    """
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in columns)
    body = []
    for r in rows:
        vals = r["values"]
        finite = [v for v in vals if v is not None and np.isfinite(v)]
        vmax = max(finite) if finite else 1.0
        cells = [f'<th scope="row">{esc(r["label"])}</th>']
        for j, v in enumerate(vals):
            hid = r.get("hidden", [False] * len(vals))[j]
            if hid:
                title = "geheim" if language == "de" else "suppressed"
                cells.append(f'<td class="num suppressed" title="{title}">.</td>')
                continue
            text = (
                format_number(v, r.get("decimals", 1), language)
                if v is not None and np.isfinite(v)
                else "–"
            )
            unit = f" {r['unit']}" if r.get("unit") and text != "–" else ""
            width = 0 if text == "–" or vmax <= 0 else max(0.0, 100 * v / vmax)
            bar = (
                f'<span class="bar bar-{j}" style="width:{width:.0f}%" aria-hidden="true"></span>'
                if text != "–"
                else ""
            )
            note = r.get("note", "") if j == 0 else ""
            extra = f'<span class="ci">{esc(note)}</span>' if note else ""
            cells.append(
                f'<td class="num barcell"><span class="val">{esc(text + unit)}</span>{extra}{bar}'
                "</td>"
            )
        body.append("<tr>" + "".join(cells) + "</tr>")
    return Block(
        f'<div class="table-wrap" tabindex="0" role="region" aria-label="{esc(caption)}">'
        f'<table class="profile"><caption>{esc(caption)}</caption>'
        "<thead><tr><th "
        f'scope="col">{"Kennzahl" if language == "de" else "Indicator"}</th>{head}</tr>'
        f"</thead><tbody>{''.join(body)}</tbody></table></div>",
        "table",
        {"caption": caption},
    )


class SvgLocator:
    """Small SVG locator maps: the district outlines with one area highlighted."""

    def __init__(self, areas: Any, districts: Any, *, width: int = 240, tolerance: float = 40.0):
        minx, miny, maxx, maxy = districts.total_bounds
        self.scale = width / (maxx - minx)
        self.width = width
        self.height = int((maxy - miny) * self.scale) + 2
        self.minx, self.maxy = minx, maxy
        self.districts = "".join(self._path(g.simplify(tolerance)) for g in districts.geometry)
        self.areas = {
            i: self._path(g.simplify(tolerance / 2))
            for i, g in zip(areas.index, areas.geometry, strict=True)
        }
        pts = areas.geometry.representative_point()
        self.centres = {
            i: ((p.x - minx) * self.scale, (maxy - p.y) * self.scale + 1)
            for i, p in zip(areas.index, pts, strict=True)
        }

    def _coords(self, ring: Any) -> str:
        xs, ys = ring.xy
        return (
            "M"
            + "L".join(
                f"{(x - self.minx) * self.scale:.1f},{(self.maxy - y) * self.scale + 1:.1f}"
                for x, y in zip(xs, ys, strict=True)
            )
            + "Z"
        )

    def _path(self, geom: Any) -> str:
        polys = getattr(geom, "geoms", [geom])
        d = ""
        for p in polys:
            if p.is_empty or not hasattr(p, "exterior"):
                continue
            d += self._coords(p.exterior) + "".join(self._coords(r) for r in p.interiors)
        return d

    def svg(self, area: Any, title: str) -> str:
        """Return the SVG element for ``area`` with an accessible title."""
        return (
            f'<svg class="locator" role="img" aria-label="{esc(title)}" viewBox="0 0 '
            f'{self.width} {self.height}" '
            f'width="{self.width}" height="{self.height}" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{esc(title)}</title>"
            f'<path d="{self.districts}" fill="#f2f2f2" stroke="#555" stroke-width="0.8" '
            'fill-rule="evenodd"/>'
            f'<path d="{self.areas.get(area, "")}" fill="#d55e00" stroke="#000" stroke-width="1"/>'
            f"{self._ring(area)}</svg>"
        )

    def _ring(self, area: Any) -> str:
        c = self.centres.get(area)
        if c is None:
            return ""
        return (
            f'<circle cx="{c[0]:.1f}" cy="{c[1]:.1f}" r="14" fill="none" stroke="#d55e00" '
            'stroke-width="2.5"/>'
        )
