"""Maps: classified choropleths, LISA clusters, the status/dynamics matrix, small multiples."""

from __future__ import annotations

import contextlib
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.text import check_language
from sozplan.checks import (
    check_array,
    check_columns,
    check_frame,
    fail,
    format_values,
    is_whole,
)
from sozplan.plotting._display import FigureDisplay
from sozplan.plotting._style import (
    CLASS_HATCHES,
    DIVERGING,
    MISSING_COLOR,
    MISSING_EDGE,
    MISSING_HATCH,
    OKABE_ITO,
    SEQUENTIAL,
    TEXTS,
    enforce_min_font,
    format_number,
    new_axes,
    nice_decimals,
    style,
    text_color_for,
)

__all__ = [
    "LISA_COLORS",
    "STATUS_DYNAMICS_COLORS",
    "add_outlines",
    "add_scale_bar",
    "add_source",
    "category_map",
    "choropleth",
    "class_labels",
    "lisa_map",
    "small_multiples",
    "status_dynamics_map",
]

#: GeoDa's LISA colours (Anselin 2005), distinguishable for the common colour-vision
#: deficiencies (red vs blue); outliers additionally carry a dot pattern.
LISA_COLORS = {
    "HH": ("#d7191c", ""),
    "LL": ("#2c7bb6", ""),
    "HL": ("#fdae61", ".."),
    "LH": ("#abd9e9", ".."),
    "OP": ("#f4a582", ""),
    "NEG": ("#92c5de", ""),
    "ns": ("#f0f0f0", ""),
    "isolate": ("#bdbdbd", "xx"),
    "_missing": (MISSING_COLOR, MISSING_HATCH),
}

_STATUS_BASE = {
    # status class -> colours for dynamics (positiv, stabil, negativ): light to dark
    0: ("#c6dbef", "#6baed6", "#2171b5"),  # hoch: blues
    1: ("#f7f7f7", "#d4d4d4", "#969696"),  # mittel: greys
    2: ("#fee6ce", "#fdae6b", "#e6550d"),  # niedrig: oranges
    3: ("#fcbba1", "#de2d26", "#67000d"),  # sehr niedrig: reds
}
#: 4 x 3 colours of the status/dynamics matrix (status class, dynamics class) and the
#: hatch of each dynamics class, so that dynamics can be read without colour.
STATUS_DYNAMICS_COLORS = {(s, d): _STATUS_BASE[s][d] for s in range(4) for d in range(3)}
_DYNAMICS_HATCHES = ("..", "", "\\\\")


def _check_gdf(gdf: Any, where: str) -> None:
    check_frame(gdf, arg="gdf", where=where)
    if not hasattr(gdf, "geometry"):
        raise fail(
            where,
            f"`gdf` is a {type(gdf).__name__} without geometry",
            "pass a GeoDataFrame, e.g. sozplan.datasets.load_musterstadt('planning_area')",
        )


def class_labels(
    cuts: Sequence[float] | np.ndarray,
    *,
    closed: str = "right",
    decimals: int = 1,
    language: str = "de",
    unit: str | None = None,
) -> list[str]:
    """Readable class labels with decimal commas, e.g. ``"über 5,0 bis 10,0 %"``.

    Parameters
    ----------
    cuts : sequence of float
        Increasing inner class bounds (k - 1 bounds for k classes).
    closed : {"right", "left"}
        ``"right"``: a value on a bound belongs to the lower class (mapclassify's rule).
    decimals : int
    language : {"de", "en"}
    unit : str, optional
        Appended to every label.

    Returns
    -------
    list of str

    Examples
    --------
    >>> class_labels([5, 10], unit="%")
    ['bis 5,0 %', 'über 5,0 bis 10,0 %', 'über 10,0 %']
    >>> class_labels([0.5], closed="left", decimals=2, language="en")
    ['below 0.50', '0.50 and above']
    """
    de = language == "de"
    cuts = check_array(cuts, arg="cuts", where="class_labels").tolist()
    f = [format_number(c, decimals, language) for c in cuts]
    u = f" {unit}" if unit else ""
    if not f:
        return [("alle Werte" if de else "all values") + u]
    out = []
    for i in range(len(f) + 1):
        lo = f[i - 1] if i > 0 else None
        hi = f[i] if i < len(f) else None
        if closed == "left":
            if lo is None:
                out.append(f"{'unter' if de else 'below'} {hi}{u}")
            elif hi is None:
                out.append(f"{lo} {'und mehr' if de else 'and above'}{u}")
            else:
                out.append(f"{lo} {'bis unter' if de else 'to below'} {hi}{u}")
        elif lo is None:
            out.append(f"{'bis' if de else 'up to'} {hi}{u}")
        elif hi is None:
            out.append(f"{'über' if de else 'above'} {lo}{u}")
        else:
            out.append(f"{'über' if de else 'above'} {lo} {'bis' if de else 'to'} {hi}{u}")
    return out


def _class_colors(
    n: int, cmap: str, diverging: bool, mids: np.ndarray | None, center: float
) -> list[str]:
    import matplotlib as mpl
    from matplotlib.colors import to_hex

    cm = mpl.colormaps[cmap]
    if diverging and mids is not None:
        dev = mids - center
        span = np.nanmax(np.abs(dev)) or 1.0
        pos = 0.5 + 0.45 * dev / span
        return [to_hex(cm(p)) for p in pos]
    return [to_hex(cm(p)) for p in np.linspace(0.12, 0.92, n)]


def add_scale_bar(ax: Any, *, language: str = "de", location: str = "lower left") -> Any:
    """Draw a scale bar with a round length (1, 2 or 5 times a power of ten metres).

    Assumes map units in metres (a projected CRS such as EPSG:25832). Returns the
    artists (bar rectangles and text) as a list.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sozplan.datasets import load_musterstadt
    >>> ax = load_musterstadt("district").plot()
    >>> artists = add_scale_bar(ax)
    >>> len(artists) > 0
    True
    >>> plt.close("all")
    """
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width = x1 - x0
    target = width / 5
    exp = 10 ** np.floor(np.log10(target))
    length = max(m * exp for m in (1, 2, 5) if m * exp <= target) if target >= 1 else target
    bx = x0 + 0.04 * width if location == "lower left" else x1 - 0.04 * width - length
    by = y0 + 0.04 * (y1 - y0)
    h = 0.012 * (y1 - y0)
    half = length / 2
    arts = [
        ax.add_patch(
            Rectangle((bx, by), half, h, facecolor="black", edgecolor="black", lw=0.6, zorder=6)
        ),
        ax.add_patch(
            Rectangle(
                (bx + half, by), half, h, facecolor="white", edgecolor="black", lw=0.6, zorder=6
            )
        ),
    ]
    text = (
        (format_number(length / 1000, 0 if length >= 1000 else 1, language) + " km")
        if length >= 500
        else f"{length:.0f} m"
    )
    arts.append(
        ax.text(bx + length, by + 1.6 * h, text, ha="center", va="bottom", fontsize=9.5, zorder=6)
    )
    arts.append(ax.text(bx, by + 1.6 * h, "0", ha="center", va="bottom", fontsize=9.5, zorder=6))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return arts


def _plot_geometries(geo: Any, ax: Any, **kwargs: Any) -> None:
    """``geo.plot(ax=ax, **kwargs)`` without the redraw of the whole figure per layer.

    geopandas ends every ``plot`` with ``canvas.draw_idle()``, which on the Agg canvas
    of scripts, notebooks and the report draws the whole figure at once (constrained
    layout included): a map of five classes with district outlines was drawn seven
    times before it was saved. Inside the canvas's idle-draw context the request is
    skipped; the figure is drawn once when it is shown or saved.
    """
    quiet = getattr(ax.figure.canvas, "_idle_draw_cntx", None)  # matplotlib >= 3.1
    with quiet() if quiet is not None else contextlib.nullcontext():
        geo.plot(ax=ax, **kwargs)


def add_outlines(
    ax: Any,
    outlines: Any,
    *,
    color: str = "#252525",
    linewidth: float = 1.3,
    labels: Hashable | None = None,
    fontsize: float = 9.5,
) -> dict:
    """Draw the outlines of larger areas (e.g. districts) on top of a map.

    Parameters
    ----------
    ax : matplotlib Axes
    outlines : GeoDataFrame or GeoSeries
    color, linewidth : outline style
    labels : str, optional
        Column of ``outlines`` to write at each area's representative point (with a
        white halo so that it stays readable on any fill).

    Returns
    -------
    dict
        ``{"outlines": collection, "labels": [Text, ...]}``

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sozplan.datasets import load_musterstadt
    >>> ax = load_musterstadt("planning_area").plot(color="0.9")
    >>> drawn = add_outlines(ax, load_musterstadt("district"), labels="name")
    >>> isinstance(drawn, dict)
    True
    >>> plt.close("all")
    """
    import matplotlib.patheffects as pe

    geo = outlines.geometry if hasattr(outlines, "geometry") else outlines
    before = len(ax.collections)
    _plot_geometries(geo.boundary, ax, color=color, linewidth=linewidth, zorder=4)
    out: dict = {
        "outlines": ax.collections[before] if len(ax.collections) > before else None,
        "labels": [],
    }
    if labels is not None:
        pts = geo.representative_point()
        for text, p in zip(outlines[labels].astype(str), pts, strict=True):
            t = ax.text(
                p.x,
                p.y,
                text,
                ha="center",
                va="center",
                fontsize=fontsize,
                zorder=7,
                color="#111111",
                path_effects=[pe.withStroke(linewidth=2.5, foreground="white")],
            )
            out["labels"].append(t)
    return out


def add_source(ax: Any, source: str, *, language: str = "de") -> Any:
    """Write a source line under the axes (``"Quelle: ..."`` unless it starts so).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> text = add_source(ax, "Statistikstelle Musterstadt, 31.12.2024")
    >>> "Musterstadt" in text.get_text()
    True
    >>> plt.close(fig)
    """
    word = TEXTS[language]["source"]
    text = source if source.lower().startswith(word.lower()) else f"{word}: {source}"
    return ax.annotate(
        text,
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(0, -6),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=9,
        color="#333333",
    )


def _legend(
    ax: Any,
    labels,
    colors,
    hatches,
    title: str,
    *,
    loc: str = "center left",
    anchor: tuple = (1.0, 0.5),
    edge: str = "#666666",
) -> Any:
    from matplotlib.patches import Patch

    handles = [
        Patch(
            facecolor=c,
            edgecolor=MISSING_EDGE if h == MISSING_HATCH else edge,
            hatch=h,
            label=lab,
            linewidth=0.6,
        )
        for lab, c, h in zip(labels, colors, hatches, strict=True)
    ]
    return ax.legend(
        handles=handles,
        title=title,
        loc=loc,
        bbox_to_anchor=anchor,
        frameon=False,
        alignment="left",
        handleheight=1.3,
        handlelength=2.0,
    )


def _names(gdf: Any, ids: Sequence, name_column: Hashable | None, k: int = 3) -> str:
    ids = list(ids)[:k]
    if name_column is not None and name_column in gdf.columns:
        return ", ".join(f"{gdf.loc[i, name_column]}" for i in ids)
    return ", ".join(map(str, ids))


def _finish_map(
    ax: Any, gdf: Any, *, outlines, outline_labels, scale_bar, source, title, language
) -> dict:
    arts: dict = {}
    if outlines is not None:
        arts.update(add_outlines(ax, outlines, labels=outline_labels))
    ax.set_axis_off()
    ax.set_aspect("equal")
    if scale_bar:
        crs = getattr(gdf, "crs", None)
        if crs is not None and crs.is_projected:
            arts["scale_bar"] = add_scale_bar(ax, language=language)
    if source:
        arts["source"] = add_source(ax, source, language=language)
    if title:
        arts["title"] = ax.set_title(title, loc="left", fontweight="bold")
    return arts


class _Layers:
    """Draw areas class by class and collect the legend entries (text with n, colour, hatch)."""

    def __init__(self, ax: Any, gdf: Any, language: str, linewidth: float = 0.3):
        self.ax, self.gdf, self.language, self.linewidth = ax, gdf, language, linewidth
        self.labels: list[str] = []
        self.colors: list[str] = []
        self.hatches: list[str] = []
        self.counts: list[int] = []
        self.artists: dict = {}

    def add(
        self,
        key: Any,
        mask: np.ndarray,
        color: str,
        hatch: str,
        text: str,
        *,
        edgecolor: str | None = None,
        legend: bool = True,
    ) -> None:
        """Draw the areas of ``mask`` and add a legend entry ``text (n = ...)``."""
        n = int(mask.sum())
        if n:
            before = len(self.ax.collections)
            edge = edgecolor or ("white" if not hatch else "#444444")
            _plot_geometries(
                self.gdf[mask],
                self.ax,
                facecolor=color,
                edgecolor=edge,
                linewidth=self.linewidth,
                hatch=hatch or None,
            )
            self.artists[key] = self.ax.collections[before]
        if legend:
            self.labels.append(f"{text} ({TEXTS[self.language]['n']} = {n})")
            self.colors.append(color)
            self.hatches.append(hatch)
            self.counts.append(n)

    def missing(self, mask: np.ndarray, text: str | None = None) -> int:
        """Draw areas without a value hatched grey (never white); legend entry if any."""
        n = int(mask.sum())
        if n:
            self.add(
                "missing",
                mask,
                MISSING_COLOR,
                MISSING_HATCH,
                text or TEXTS[self.language]["missing"],
                edgecolor=MISSING_EDGE,
            )
        return n

    def legend(self, heading: str, *, reverse: bool = False) -> Any:
        """Draw the legend of all entries (``reverse``: highest class on top)."""
        step = -1 if reverse else 1
        return _legend(
            self.ax, self.labels[::step], self.colors[::step], self.hatches[::step], heading
        )


def _complete(fig: Any, layers: _Layers, decor: dict) -> dict:
    """Outlines, scale bar, source and title; then the minimum font size."""
    arts = {"classes": layers.artists}
    arts.update(_finish_map(layers.ax, layers.gdf, **decor))
    enforce_min_font(fig)
    return arts


def choropleth(
    gdf: Any,
    column: Hashable,
    *,
    scheme: str = "quantiles",
    n_classes: int = 5,
    cuts: Sequence[float] | np.ndarray | None = None,
    cmap: str | None = None,
    diverging: bool | None = None,
    center: float = 0.0,
    ax: Any = None,
    label: str | None = None,
    unit: str | None = None,
    decimals: int | None = None,
    outlines: Any = None,
    outline_labels: Hashable | None = None,
    name_column: Hashable | None = "name",
    source: str | None = None,
    title: str | None = None,
    scale_bar: bool = True,
    hatches: bool = False,
    edgecolor: str = "white",
    linewidth: float = 0.3,
    language: str = "de",
    figsize: tuple[float, float] = (8.5, 6.5),
) -> FigureDisplay:
    """Classified choropleth map with a German legend, missing values hatched.

    The values are cut into classes with :func:`sozplan.index.classify` (mapclassify
    schemes, standard deviations or manual bounds). The legend shows every class with
    its bounds (decimal commas, the unit) and its number of areas; areas without a
    value are hatched grey (never white, which reads as "zero") and counted in the
    legend; outlines of larger areas are drawn on top; a scale bar and a source line
    complete the map.

    Parameters
    ----------
    gdf : GeoDataFrame
        One row per area.
    column : str
        Numeric column to map; NaN marks areas without a value.
    scheme : str, default "quantiles"
        A scheme of :func:`sozplan.index.classify`: ``"quantiles"``,
        ``"fisher_jenks"``, ``"equal_interval"``, ``"head_tail"``, ``"sd"`` (standard
        deviations; implies diverging colours), ``"manual"`` (``cuts`` in the units of
        the column) ...
    n_classes : int, default 5
        Number of classes for the mapclassify schemes.
    cuts : sequence of float, optional
        Bounds for ``"manual"`` (values) or ``"sd"`` (standard deviations).
    cmap : str, optional
        Matplotlib colour map; default colour-blind-safe ColorBrewer ``YlGnBu``
        (sequential) or ``RdBu_r`` (diverging).
    diverging : bool, optional
        Colour classes by their distance from ``center`` (blue below, red above).
        Default: True for ``scheme="sd"`` and for columns whose values straddle 0
        (z-values, indices), else False.
    center : float, default 0
    ax : matplotlib Axes, optional
    label, unit : str, optional
        Legend title and unit (e.g. ``"SGB-II-Quote"``, ``"%"``); default the column name.
    decimals : int, optional
        Decimals of the class bounds; default chosen from the bounds.
    outlines : GeoDataFrame, optional
        Larger areas (e.g. districts) whose outlines are drawn on top.
    outline_labels : str, optional
        Column of ``outlines`` with names to write into the map.
    name_column : str, optional
        Column with area names, used in the alt text.
    source : str, optional
        Source line under the map (``"Quelle: ..."``).
    title : str, optional
    scale_bar : bool, default True
        Drawn when the CRS is projected.
    hatches : bool, default False
        Add a pattern per class, so that classes differ in more than colour (for
        black-and-white print).
    edgecolor, linewidth : area borders
    language : {"de", "en"}
    figsize : tuple, default (8.5, 6.5)
        Size of a new figure.

    Returns
    -------
    FigureDisplay
        ``labels`` (legend texts with n), ``colors``, ``counts``, ``alt_text``,
        ``data["cuts"]``, ``data["classes"]`` (class per area) and the artists.

    Raises
    ------
    InputError
        If ``gdf`` has no geometry, ``column`` is missing or not numeric, or all values
        are missing.

    See Also
    --------
    sozplan.index.classify : the class bounds.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sozplan.datasets import load_musterstadt
    >>> from sozplan.plotting import choropleth
    >>> pr = load_musterstadt("planning_area")
    >>> pr["dichte"] = pr["einwohner"] / pr["flaeche_m2"] * 1e6
    >>> d = choropleth(pr, "dichte", n_classes=4, label="Einwohnerdichte", unit="EW/km²")
    >>> d.labels[0]  # doctest: +ELLIPSIS
    'bis ... EW/km² (n = ...)'
    >>> len(d.colors), sum(d.counts) == len(pr)
    (4, True)
    """
    from sozplan.index import classify  # cycle: index plots here

    where = "choropleth"
    _check_gdf(gdf, where)
    language = check_language(language, where)
    (col,) = check_columns(gdf, [column], arg="gdf", where=where)
    finite = _finite_mask(gdf, col, where)
    values = pd.to_numeric(gdf[col], errors="coerce").astype(float)
    if not (is_whole(n_classes) and n_classes >= 2):
        raise fail(where, f"`n_classes` is {n_classes!r}", "pass an integer of at least 2")
    vals = values[finite]
    if diverging is None:
        diverging = scheme == "sd" or (
            vals.min() < center < vals.max()
            and scheme != "manual"
            and abs(vals.mean() - center) < vals.std()
        )
    k_eff = int(min(n_classes, max(2, vals.nunique())))
    kw: dict[str, Any] = {"n_classes": k_eff, "language": language}
    if cuts is not None:
        kw["cuts"] = cuts
    cls = classify(vals, scheme, **kw)
    cut_arr = np.asarray(cls.cuts, dtype=float)
    n = len(cls.labels)
    codes = np.full(len(gdf), -1, dtype=int)
    codes[finite] = cls.codes.to_numpy() - 1
    if decimals is None:
        decimals = nice_decimals(cut_arr) if len(cut_arr) else 1
    closed = "left" if cls.closed == "left" else "right"
    texts = class_labels(cut_arr, closed=closed, decimals=decimals, language=language, unit=unit)
    counts = np.bincount(codes[codes >= 0], minlength=n)
    mids = _class_mids(vals, cut_arr) if diverging else None
    cmap = cmap or (DIVERGING if diverging else SEQUENTIAL)
    colors = _class_colors(n, cmap, bool(diverging), mids, center)
    class_hatches = [CLASS_HATCHES[i % len(CLASS_HATCHES)] if hatches else "" for i in range(n)]
    n_missing = int((~finite).sum())
    decor = {
        "outlines": outlines,
        "outline_labels": outline_labels,
        "scale_bar": scale_bar,
        "source": source,
        "title": title,
        "language": language,
    }
    with style():
        fig, ax = new_axes(ax, figsize)
        layers = _Layers(ax, gdf, language, linewidth)
        for i in range(n):
            layers.add(
                texts[i], codes == i, colors[i], class_hatches[i], texts[i], edgecolor=edgecolor
            )
        layers.missing(~finite)
        heading = label or (f"{col} ({unit})" if unit else str(col))
        legend = layers.legend(heading, reverse=True)
        arts = _complete(fig, layers, decor)
        if n_missing:
            arts["missing"] = layers.artists["missing"]
    leg_labels, leg_colors, leg_hatches = layers.labels, layers.colors, layers.hatches
    alt = _choropleth_alt(
        gdf, vals, heading, n, scheme, decimals, unit, name_column, n_missing, language
    )
    classes = pd.Series(
        pd.Categorical.from_codes(codes, categories=texts), index=gdf.index, name=f"{col}_class"
    )
    return FigureDisplay(
        ax=ax,
        kind="choropleth",
        alt_text=alt,
        labels=tuple(leg_labels),
        colors=tuple(leg_colors),
        hatches=tuple(leg_hatches),
        counts=(*map(int, counts), *([n_missing] if n_missing else [])),
        legend=legend,
        artists=arts,
        data={
            "cuts": cut_arr,
            "classes": classes,
            "scheme": scheme,
            "diverging": bool(diverging),
            "n_missing": n_missing,
            "classification": cls,
        },
    )


def _finite_mask(gdf: Any, col: Hashable, where: str) -> np.ndarray:
    """Areas with a finite value of a numeric column (InputError if none or not numeric)."""
    values = pd.to_numeric(gdf[col], errors="coerce").astype(float)
    if not pd.api.types.is_numeric_dtype(gdf[col]):
        raise fail(
            where,
            f"column {col!r} is not numeric (dtype {gdf[col].dtype})",
            "map a numeric column; for categories use lisa_map or status_dynamics_map",
        )
    finite = np.isfinite(values.to_numpy())
    if not finite.any():
        raise fail(
            where, f"column {col!r} has no finite value", "check the data; there is nothing to map"
        )
    return finite


def _class_mids(vals: pd.Series, cut_arr: np.ndarray) -> np.ndarray:
    """Midpoints of the classes (outer classes as wide as their neighbours), for diverging colours."""
    lo, hi = float(vals.min()), float(vals.max())
    edges = np.concatenate(
        [
            [min(lo, cut_arr[0] - 1) if len(cut_arr) else lo],
            cut_arr,
            [max(hi, cut_arr[-1] + 1) if len(cut_arr) else hi],
        ]
    )
    if len(cut_arr) >= 2:
        edges[0] = cut_arr[0] - (cut_arr[1] - cut_arr[0]) if lo < cut_arr[0] else lo
        edges[-1] = cut_arr[-1] + (cut_arr[-1] - cut_arr[-2]) if hi > cut_arr[-1] else hi
    return (edges[:-1] + edges[1:]) / 2


def _choropleth_alt(
    gdf: Any,
    vals: pd.Series,
    heading: str,
    n: int,
    scheme: str,
    decimals: int,
    unit: str | None,
    name_column: Hashable | None,
    n_missing: int,
    language: str,
) -> str:
    """Alternative text of a choropleth: what the map shows and where the extremes are."""
    order = vals.sort_values()
    u = f" {unit}" if unit else ""
    scheme_de = {
        "quantiles": "Quantile",
        "fisher_jenks": "natürliche Brüche (Fisher-Jenks)",
        "equal_interval": "gleiche Intervalle",
        "sd": "Standardabweichungen",
        "manual": "feste Grenzen",
        "head_tail": "Head/Tail-Brüche",
    }.get(scheme, scheme)
    if language == "de":
        alt = (
            f"Karte: {heading} je Gebiet ({len(gdf)} Gebiete), {n} Klassen ({scheme_de}) von "
            f"{format_number(vals.min(), decimals, language)}{u} bis "
            f"{format_number(vals.max(), decimals, language)}{u}. "
            f"Höchste Werte: {_names(gdf, order.index[::-1], name_column)}; "
            f"niedrigste Werte: {_names(gdf, order.index, name_column)}."
        )
        if n_missing:
            alt += f" {n_missing} Gebiete ohne Wert (schraffiert)."
    else:
        alt = (
            f"Map: {heading} by area ({len(gdf)} areas), {n} classes ({scheme}) from "
            f"{format_number(vals.min(), decimals, language)}{u} to "
            f"{format_number(vals.max(), decimals, language)}{u}. "
            f"Highest: {_names(gdf, order.index[::-1], name_column)}; lowest: "
            f"{_names(gdf, order.index, name_column)}."
        )
        if n_missing:
            alt += f" {n_missing} areas without a value (hatched)."
    return alt


def lisa_map(
    gdf: Any,
    lisa: pd.DataFrame,
    *,
    ax: Any = None,
    label: str | None = None,
    outlines: Any = None,
    outline_labels: Hashable | None = None,
    name_column: Hashable | None = "name",
    source: str | None = None,
    title: str | None = None,
    scale_bar: bool = True,
    language: str = "de",
    figsize: tuple[float, float] = (8.5, 6.5),
) -> FigureDisplay:
    """Map of local spatial clusters (LISA): hot spots, cold spots and outliers.

    Parameters
    ----------
    gdf : GeoDataFrame
    lisa : DataFrame
        Result of :func:`sozplan.autocorrelation.local_moran` (or another local
        statistic) on the same ids, with the column ``cluster`` (codes ``HH``, ``LL``,
        ``HL``, ``LH``, ``ns``, ``isolate`` ...).
    label : str, optional
        Name of the variable for the legend title and alt text.
    ax, outlines, outline_labels, name_column, source, title, scale_bar, language, figsize
        As in :func:`choropleth`.

    Returns
    -------
    FigureDisplay

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from sozplan.datasets import load_musterstadt
    >>> pr = load_musterstadt("planning_area")
    >>> lisa = pd.DataFrame({"cluster": ["HH"] * 10 + ["ns"] * (len(pr) - 10)}, index=pr.index)
    >>> d = lisa_map(pr, lisa, label="SGB-II-Quote")
    >>> d.labels[0], d.colors[0]
    ('hoch-hoch: Hot Spot (n = 10)', '#d7191c')
    """
    where = "lisa_map"
    _check_gdf(gdf, where)
    language = check_language(language, where)
    check_frame(lisa, arg="lisa", where=where)
    if "cluster" not in lisa.columns:
        raise fail(
            where, "`lisa` has no column 'cluster'", "pass the DataFrame returned by local_moran"
        )
    missing = gdf.index.difference(lisa.index)
    if len(missing):
        raise fail(
            where,
            f"{len(missing)} id(s) of `gdf` are not in `lisa`: {format_values(missing)}",
            "compute the local statistic on the same areas",
        )
    raw = lisa["cluster"].astype(object).reindex(gdf.index)
    codes = raw.where(raw.notna(), "_missing").astype(str)
    from sozplan import autocorrelation  # cycle: autocorrelation plots here

    de = language == "de"
    names = dict(autocorrelation.CLUSTER_LABELS_DE if de else autocorrelation.CLUSTER_LABELS_EN)
    names["_missing"] = TEXTS[language]["missing"]
    extra = {
        "HH": " (Hot Spot)" if language != "de" else ": Hot Spot",
        "LL": " (cold spot)" if language != "de" else ": Cold Spot",
    }
    unknown = sorted(set(codes) - set(LISA_COLORS) - {"_missing"})
    if unknown:
        raise fail(
            where,
            f"`lisa['cluster']` has unknown codes {format_values(unknown)}",
            f"use codes {format_values(list(LISA_COLORS))}",
        )
    order = [c for c in LISA_COLORS if (codes == c).any() or c in ("HH", "LL", "ns")]
    decor = {
        "outlines": outlines,
        "outline_labels": outline_labels,
        "scale_bar": scale_bar,
        "source": source,
        "title": title,
        "language": language,
    }
    with style():
        fig, ax = new_axes(ax, figsize)
        layers = _Layers(ax, gdf, language)
        for c in order:
            color, hatch = LISA_COLORS[c]
            edge = MISSING_EDGE if c in ("isolate", "_missing") else "white"
            layers.add(
                c,
                (codes == c).to_numpy(),
                color,
                hatch,
                names[c] + extra.get(c, ""),
                edgecolor=edge,
            )
        heading = ("Lokale Cluster" if language == "de" else "Local clusters") + (
            f": {label}" if label else ""
        )
        legend = layers.legend(heading)
        arts = _complete(fig, layers, decor)
    labels, colors, hatches, counts = layers.labels, layers.colors, layers.hatches, layers.counts
    hh = codes.index[codes == "HH"]
    ll = codes.index[codes == "LL"]
    attrs = lisa.attrs
    if language == "de":
        alt = (
            f"Karte lokaler räumlicher Cluster{f' der Kennzahl {label}' if label else ''} "
            f"({len(gdf)} Gebiete): {len(hh)} Gebiete in Hot Spots (hoch-hoch), {len(ll)} in "
            "Cold Spots "
            f"(niedrig-niedrig), {int(codes.isin(['HL', 'LH']).sum())} räumliche Ausreißer."
            + (f" Hot Spots u. a.: {_names(gdf, hh, name_column)}." if len(hh) else "")
        )
        if attrs.get("alpha") is not None:
            corr = attrs.get("correction")
            corr_text = "FDR-korrigiert" if corr == "fdr" else corr
            alt += f" Signifikanzniveau {format_number(attrs['alpha'], 2)} ({corr_text})."
    else:
        alt = (
            f"Map of local spatial clusters{f' of {label}' if label else ''} ({len(gdf)} areas): "
            f"{len(hh)} in hot "
            f"spots (high-high), {len(ll)} in cold spots (low-low), "
            f"{int(codes.isin(['HL', 'LH']).sum())} outliers."
        )
    return FigureDisplay(
        ax=ax,
        kind="lisa",
        alt_text=alt,
        labels=tuple(labels),
        colors=tuple(colors),
        hatches=tuple(hatches),
        counts=tuple(counts),
        legend=legend,
        artists=arts,
        data={"codes": codes},
    )


def status_dynamics_map(
    gdf: Any,
    result: Any,
    *,
    ax: Any = None,
    outlines: Any = None,
    outline_labels: Hashable | None = None,
    name_column: Hashable | None = "name",
    source: str | None = None,
    title: str | None = None,
    scale_bar: bool = True,
    language: str = "de",
    figsize: tuple[float, float] = (10.0, 6.5),
) -> FigureDisplay:
    """Map of the status/dynamics matrix (MSS) with its 4 x 3 matrix legend.

    Colour encodes the status class (blue *hoch*, grey *mittel*, orange *niedrig*, red
    *sehr niedrig*); within it, lightness and a pattern encode the dynamics (dots
    *positiv*, plain *stabil*, diagonal lines *negativ*), so the map can be read
    without colour vision. The legend is the 4 x 3 matrix itself with the number of
    areas in every cell; unrated areas are hatched grey.

    Parameters
    ----------
    gdf : GeoDataFrame
    result : StatusDynamics or DataFrame
        Result of :func:`sozplan.index.status_dynamics` (with dynamics), or a frame with
        the columns ``status_class`` and ``dynamics_class`` (ordered categoricals).
    ax, outlines, outline_labels, name_column, source, title, scale_bar, language, figsize
        As in :func:`choropleth`.

    Returns
    -------
    FigureDisplay
        ``data["matrix"]`` holds the 4 x 3 counts; ``artists["matrix_legend"]`` the
        legend axes.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sozplan.datasets import load_musterstadt
    >>> from sozplan.index import status_dynamics
    >>> def sgb2_quote(d):
    ...     under65 = d["einwohner"] - d["einwohner_65_plus"]
    ...     return 100 * d["sgb2_leistungsberechtigte"] / under65.where(under65 > 0)
    >>> pr = load_musterstadt("planning_area").copy()
    >>> pr["sgb2"] = sgb2_quote(pr)
    >>> pr["d_sgb2"] = pr["sgb2"] - sgb2_quote(load_musterstadt("planning_area", year=2022))
    >>> result = status_dynamics(pr, ["sgb2"], ["d_sgb2"], population="einwohner")
    >>> display = status_dynamics_map(pr, result)
    >>> int(display.data["matrix"].to_numpy().sum()) == int(result.rated.sum())
    True
    >>> plt.close("all")
    """
    where = "status_dynamics_map"
    _check_gdf(gdf, where)
    language = check_language(language, where)
    s, d, s_labels, d_labels = _status_dynamics_classes(gdf, result, where)
    s_code = s.map({lab: i for i, lab in enumerate(s_labels)})
    d_code = d.map({lab: i for i, lab in enumerate(d_labels)})
    rated = (s_code.notna() & d_code.notna()).to_numpy()
    matrix = np.zeros((4, 3), dtype=int)
    decor = {
        "outlines": outlines,
        "outline_labels": outline_labels,
        "scale_bar": scale_bar,
        "source": source,
        "title": title,
        "language": language,
    }
    with style():
        if ax is None:
            import matplotlib.pyplot as plt

            fig, (ax, lax) = plt.subplots(
                1, 2, figsize=figsize, layout="constrained", gridspec_kw={"width_ratios": [3.2, 1]}
            )
        else:
            fig, lax = ax.figure, ax.inset_axes([1.08, 0.30, 0.32, 0.55])
        layers = _Layers(ax, gdf, language)
        status_word = "Status" if language == "de" else "status"
        dyn_word = "Dynamik" if language == "de" else "dynamics"
        for si in range(4):
            for di in range(3):
                sel = rated & (s_code == si).to_numpy() & (d_code == di).to_numpy()
                matrix[si, di] = int(sel.sum())
                layers.add(
                    (s_labels[si], d_labels[di]),
                    sel,
                    STATUS_DYNAMICS_COLORS[(si, di)],
                    _DYNAMICS_HATCHES[di],
                    f"{status_word} {s_labels[si]}, {dyn_word} {d_labels[di]}",
                )
        n_unrated = layers.missing(~rated, "ohne Zuordnung" if language == "de" else "not rated")
        labels, colors, hatches = layers.labels, layers.colors, layers.hatches
        counts = layers.counts
        arts = {"cells": {k: v for k, v in layers.artists.items() if k != "missing"}}
        arts.update(_finish_map(ax, gdf, **decor))
        arts["matrix_legend"] = _matrix_legend(lax, matrix, s_labels, d_labels, language)
        legend = _unrated_legend(lax, labels[-1]) if n_unrated else None
        enforce_min_font(fig)
    worst = s.index[(s_code == 3).to_numpy() & (d_code == 2).to_numpy()]
    if language == "de":
        alt = _status_dynamics_alt_de(gdf, matrix, worst, name_column, n_unrated)
    else:
        alt = (
            f"Map of the status/dynamics matrix ({len(gdf)} areas, {int(rated.sum())} rated); "
            "counts per cell in "
            f"the 4 x 3 legend."
        )
    mat = pd.DataFrame(
        matrix, index=pd.Index(s_labels, name="Status"), columns=pd.Index(d_labels, name="Dynamik")
    )
    return FigureDisplay(
        ax=ax,
        kind="status_dynamics",
        alt_text=alt,
        labels=tuple(labels),
        colors=tuple(colors),
        hatches=tuple(hatches),
        counts=tuple(counts),
        legend=legend,
        artists=arts,
        data={"matrix": mat},
    )


def _status_dynamics_classes(
    gdf: Any, result: Any, where: str
) -> tuple[pd.Series, pd.Series, list, list]:
    """Status and dynamics class of each area of ``gdf`` and the labels of the two schemes."""
    if hasattr(result, "status_class"):
        s_cls, d_cls = result.status_class, result.dynamics_class
    else:
        check_frame(result, arg="result", where=where)
        check_columns(result, ["status_class", "dynamics_class"], arg="result", where=where)
        s_cls, d_cls = result["status_class"], result["dynamics_class"]
    if d_cls is None:
        raise fail(
            where, "the result has no dynamics classes", "pass `dynamics=` to status_dynamics"
        )
    missing = gdf.index.difference(s_cls.index)
    if len(missing):
        raise fail(
            where,
            f"{len(missing)} id(s) of `gdf` have no class: {format_values(missing)}",
            "compute the index on the same areas",
        )
    from sozplan.index import DYNAMICS_CLASSES, STATUS_CLASSES  # cycle: index plots here

    s_labels = list(getattr(result, "settings", {}).get("status_labels", STATUS_CLASSES))
    d_labels = list(getattr(result, "settings", {}).get("dynamics_labels", DYNAMICS_CLASSES))
    if len(s_labels) != 4 or len(d_labels) != 3:
        raise fail(
            where,
            f"the result has {len(s_labels)} status and {len(d_labels)} dynamics classes",
            "the matrix map needs the MSS scheme of 4 status and 3 dynamics classes",
        )
    s = s_cls.astype(object).reindex(gdf.index)
    d = d_cls.astype(object).reindex(gdf.index)
    return s, d, s_labels, d_labels


def _matrix_legend(
    lax: Any, matrix: np.ndarray, s_labels: list, d_labels: list, language: str
) -> Any:
    """Draw the 4 x 3 status/dynamics matrix with the number of areas in every cell."""
    from matplotlib.colors import to_rgba
    from matplotlib.patches import Rectangle

    for si in range(4):
        for di in range(3):
            color = STATUS_DYNAMICS_COLORS[(si, di)]
            lax.add_patch(
                Rectangle(
                    (di, 3 - si),
                    1,
                    1,
                    facecolor=color,
                    edgecolor="#444444",
                    lw=0.6,
                    hatch=_DYNAMICS_HATCHES[di] or None,
                )
            )
            lax.text(
                di + 0.5,
                3 - si + 0.5,
                str(matrix[si, di]),
                ha="center",
                va="center",
                fontsize=10,
                fontweight="bold",
                color="black" if _DYNAMICS_HATCHES[di] else text_color_for(to_rgba(color)),
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75}
                if _DYNAMICS_HATCHES[di]
                else None,
            )
    lax.set_xlim(0, 3)
    lax.set_ylim(0, 4)
    lax.set_aspect("equal")
    lax.set_xticks([0.5, 1.5, 2.5], d_labels)
    lax.set_yticks([3.5, 2.5, 1.5, 0.5], s_labels)
    lax.tick_params(length=0, labelsize=9.5)
    lax.xaxis.set_ticks_position("top")
    lax.xaxis.set_label_position("top")
    lax.set_xlabel("Dynamik-Index" if language == "de" else "dynamics index", fontsize=10)
    lax.set_ylabel("Status-Index" if language == "de" else "status index", fontsize=10)
    for sp in lax.spines.values():
        sp.set_visible(False)
    return lax


def _unrated_legend(lax: Any, label: str) -> Any:
    """Legend entry of the unrated (hatched grey) areas below the matrix."""
    from matplotlib.patches import Patch

    return lax.legend(
        handles=[
            Patch(
                facecolor=MISSING_COLOR, edgecolor=MISSING_EDGE, hatch=MISSING_HATCH, label=label
            )
        ],
        loc="upper left",
        bbox_to_anchor=(-0.35, -0.02),
        frameon=False,
    )


def _status_dynamics_alt_de(
    gdf: Any, matrix: np.ndarray, worst: pd.Index, name_column: Hashable | None, n_unrated: int
) -> str:
    """German alternative text of the status/dynamics map."""
    rated = int(matrix.sum())
    return (
        f"Karte der Status-Dynamik-Matrix ({len(gdf)} Gebiete, {rated} bewertet). "
        f"Status hoch: {matrix[0].sum()}, mittel: {matrix[1].sum()}, niedrig: "
        f"{matrix[2].sum()}, "
        f"sehr niedrig: {matrix[3].sum()} Gebiete; Dynamik positiv: {matrix[:, 0].sum()}, "
        "stabil: "
        f"{matrix[:, 1].sum()}, negativ: {matrix[:, 2].sum()}."
        + (
            f" Status sehr niedrig und Dynamik negativ: {_names(gdf, worst, name_column, 5)}."
            if len(worst)
            else ""
        )
        + (f" {n_unrated} Gebiete ohne Zuordnung (schraffiert)." if n_unrated else "")
    )


def small_multiples(
    gdf: Any,
    columns: Sequence[Hashable] | Mapping[Any, Hashable] | None = None,
    *,
    by: Hashable | None = None,
    column: Hashable | None = None,
    scheme: str = "quantiles",
    n_classes: int = 5,
    cuts: Sequence[float] | np.ndarray | None = None,
    cmap: str | None = None,
    label: str | None = None,
    unit: str | None = None,
    decimals: int | None = None,
    ncols: int = 3,
    outlines: Any = None,
    source: str | None = None,
    language: str = "de",
    panel_size: float = 3.4,
) -> FigureDisplay:
    """Draw maps of several years (or variables) side by side, with one shared classification.

    The classes are computed once on the pooled values of all panels, so equal colours
    mean equal values in every panel (the precondition for reading change).

    Parameters
    ----------
    gdf : GeoDataFrame
        Wide (one row per area, one column per panel, see ``columns``) or long (a
        MultiIndex (id, year) and ``by="jahr"``, ``column=`` the variable).
    columns : list of str or dict {panel title: column}, optional
        Columns of a wide frame, one panel each.
    by : str, optional
        Index level (or column) of a long frame whose values make the panels.
    column : str, optional
        The mapped variable of a long frame.
    scheme, n_classes, cuts, cmap, label, unit, decimals, outlines, source, language
        As in :func:`choropleth`.
    ncols : int, default 3
    panel_size : float, default 3.4
        Width and height of a panel in inches.

    Returns
    -------
    FigureDisplay
        ``ax`` is the first panel; ``artists["axes"]`` lists all panels.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sozplan.datasets import load_musterstadt
    >>> pr = load_musterstadt("planning_area")
    >>> pr["a"] = pr["einwohner_65_plus"] / pr["einwohner"]
    >>> pr["b"] = pr["einwohner_0_5"] / pr["einwohner"]
    >>> d = small_multiples(pr, {"65+": "a", "0-5": "b"}, n_classes=4)
    >>> len(d.artists["axes"]), len(d.data["cuts"])
    (2, 3)
    """
    import matplotlib.pyplot as plt

    from sozplan.index import classify  # cycle: index plots here

    where = "small_multiples"
    _check_gdf(gdf, where)
    language = check_language(language, where)
    panels, geoms = _panels(gdf, columns, by, column, where)
    if not panels:
        raise fail(where, "there is no panel to draw", "check `columns` or `by`")
    pooled = pd.concat(list(panels.values()), ignore_index=True)
    pooled = pooled[np.isfinite(pooled.to_numpy())]
    kw: dict[str, Any] = {
        "n_classes": int(min(n_classes, max(2, pooled.nunique()))),
        "language": language,
    }
    if cuts is not None:
        kw["cuts"] = cuts
    cls = classify(pooled, scheme, **kw)
    shared = np.asarray(cls.cuts, dtype=float)
    n = len(panels)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    with style():
        fig, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(panel_size * ncols + 2.6, panel_size * nrows + 0.6),
            layout="constrained",
            squeeze=False,
        )
        flat = list(axes.ravel())
        shown = []
        first = None
        for i, (title, series) in enumerate(panels.items()):
            g = geoms[title].assign(_v=series.to_numpy())
            d = choropleth(
                g,
                "_v",
                scheme="manual",
                cuts=shared,
                cmap=cmap,
                ax=flat[i],
                unit=unit,
                decimals=decimals,
                outlines=outlines,
                name_column=None,
                scale_bar=i == 0,
                label=label or str(column or ""),
                language=language,
                diverging=scheme == "sd" or None,
            )
            flat[i].set_title(str(title), loc="left", fontweight="bold")
            if d.legend is not None:
                d.legend.remove()
            shown.append(d)
            first = first or d
        for a in flat[n:]:
            a.set_axis_off()
        assert first is not None  # at least one panel was drawn
        counts_all = [d.counts for d in shown]
        texts, colors, hatches, legend = _shared_legend(fig, first, shown, label, column, language)
        if source:
            fig.text(
                0.01,
                0.005,
                source
                if source.startswith(TEXTS[language]["source"])
                else f"{TEXTS[language]['source']}: {source}",
                fontsize=9,
                ha="left",
                va="bottom",
            )
        enforce_min_font(fig)
    alt = (
        f"{n} Karten nebeneinander ({', '.join(map(str, panels))}) mit gemeinsamen Klassengrenzen "
        f"({len(shared) + 1} Klassen){f' für {label}' if label else ''}."
        if language == "de"
        else f"{n} maps side by side ({', '.join(map(str, panels))}) with shared class bounds."
    )
    return FigureDisplay(
        ax=flat[0],
        kind="small_multiples",
        alt_text=alt,
        labels=tuple(texts),
        colors=tuple(colors),
        hatches=tuple(hatches),
        counts=(),
        legend=legend,
        artists={"axes": flat[:n], "panels": shown},
        data={"cuts": shared, "counts": counts_all, "panels": list(panels)},
    )


def _panels(
    gdf: Any,
    columns: Sequence[Hashable] | Mapping[Any, Hashable] | None,
    by: Hashable | None,
    column: Hashable | None,
    where: str,
) -> tuple[dict[Any, pd.Series], dict[Any, Any]]:
    """Values and geometries of each panel: one per value of ``by``, or one per column."""
    panels: dict[Any, pd.Series] = {}
    geoms: dict[Any, Any] = {}
    if by is not None:
        if column is None:
            raise fail(
                where, "`by` needs `column`", "name the variable to map, e.g. column='sgb2_quote'"
            )
        (col,) = check_columns(gdf, [column], arg="gdf", where=where)
        if isinstance(gdf.index, pd.MultiIndex) and by in gdf.index.names:
            keys = gdf.index.get_level_values(by)
        elif by in gdf.columns:
            keys = gdf[by]
        else:
            raise fail(
                where,
                f"`by` {by!r} is neither an index level nor a column",
                "pass the year level, e.g. 'jahr'",
            )
        for key in pd.unique(np.asarray(keys)):
            part = gdf[np.asarray(keys) == key]
            if isinstance(part.index, pd.MultiIndex):
                part = part.droplevel(by)
            panels[key] = part[col].astype(float)
            geoms[key] = part
    else:
        if columns is None:
            raise fail(
                where,
                "neither `columns` nor `by` given",
                "pass columns=[...] or by='jahr', column='...'",
            )
        mapping = dict(columns) if isinstance(columns, Mapping) else {c: c for c in columns}
        check_columns(gdf, list(mapping.values()), arg="gdf", where=where)
        for title, c in mapping.items():
            panels[title] = gdf[c].astype(float)
            geoms[title] = gdf
    return panels, geoms


def _shared_legend(
    fig: Any,
    base: FigureDisplay,
    shown: list[FigureDisplay],
    label: str | None,
    column: Hashable | None,
    language: str,
) -> tuple[list, list, list, Any]:
    """Draw one legend for all panels: the class labels without per-panel counts."""
    texts = [lab.rsplit(" (", 1)[0] for lab in base.labels]
    colors = list(base.colors)
    hatches = list(base.hatches)
    missing_word = TEXTS[language]["missing"]
    if any(d.data["n_missing"] for d in shown) and missing_word not in texts:
        texts.append(missing_word)
        colors.append(MISSING_COLOR)
        hatches.append(MISSING_HATCH)
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor=c, edgecolor="#666666", hatch=h, label=t)
        for t, c, h in zip(texts[::-1], colors[::-1], hatches[::-1], strict=True)
    ]
    legend = fig.legend(
        handles=handles,
        title=label or str(column or ""),
        loc="outside right center",
        frameon=False,
    )
    return texts, colors, hatches, legend


def category_map(
    gdf: Any,
    column: Hashable,
    *,
    order: Sequence[Any] | None = None,
    labels: Mapping[Any, str] | None = None,
    colors: Sequence[str] | None = None,
    hatches: bool = True,
    ax: Any = None,
    label: str | None = None,
    outlines: Any = None,
    outline_labels: Hashable | None = None,
    name_column: Hashable | None = "name",
    source: str | None = None,
    title: str | None = None,
    scale_bar: bool = True,
    language: str = "de",
    figsize: tuple[float, float] = (8.5, 6.5),
) -> FigureDisplay:
    """Map of categories (types, classes) in Okabe-Ito colours, each with its own pattern.

    Parameters
    ----------
    gdf : GeoDataFrame
    column : str
        Column with the category of each area; NA marks areas without one (hatched grey).
    order : sequence, optional
        Categories in legend order (default: categorical order or sorted).
    labels : dict {category: text}, optional
        Legend texts (e.g. type descriptions).
    colors : sequence of str, optional
        Default the colour-blind-safe Okabe-Ito palette (Okabe & Ito 2008).
    hatches : bool, default True
        A pattern per category in addition to the colour.
    ax, label, outlines, outline_labels, name_column, source, title, scale_bar, language, figsize
        As in :func:`choropleth`.

    Returns
    -------
    FigureDisplay

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sozplan.datasets import load_musterstadt
    >>> pr = load_musterstadt("planning_area")
    >>> d = category_map(pr, "bezirk", label="Bezirk")
    >>> len(d.labels), d.labels[0]  # doctest: +ELLIPSIS
    (8, '01 (n = ...)')
    """
    where = "category_map"
    _check_gdf(gdf, where)
    language = check_language(language, where)
    (col,) = check_columns(gdf, [column], arg="gdf", where=where, numeric=False)
    s = gdf[col]
    present = s.dropna()
    if order is None:
        order = (
            list(s.cat.categories)
            if isinstance(s.dtype, pd.CategoricalDtype)
            else sorted(present.unique(), key=lambda v: (isinstance(v, str), v))
        )  # numbers first, then text (a column may mix them)
    order = list(order)
    extra = sorted(set(present.unique()) - set(order), key=str)
    if extra:
        raise fail(
            where, f"categories {format_values(extra)} are not in `order`", "add them to `order`"
        )
    palette = list(colors or [c for c in OKABE_ITO if c != "#000000"])
    if len(order) > len(palette):
        import matplotlib as mpl
        from matplotlib.colors import to_hex

        palette = palette + [to_hex(mpl.colormaps["tab20"](i / 20)) for i in range(20)]
    if len(order) > len(palette):
        raise fail(
            where,
            f"{len(order)} categories are too many for one map",
            "merge categories (at most 27)",
        )
    pats = ["", "//", "..", "\\\\", "xx", "oo", "++", "--", "||"]
    labels = dict(labels or {})
    decor = {
        "outlines": outlines,
        "outline_labels": outline_labels,
        "scale_bar": scale_bar,
        "source": source,
        "title": title,
        "language": language,
    }
    with style():
        fig, ax = new_axes(ax, figsize)
        layers = _Layers(ax, gdf, language)
        for i, cat in enumerate(order):
            sel = (s == cat).fillna(False).to_numpy(dtype=bool)
            layers.add(
                cat,
                sel,
                palette[i],
                pats[i % len(pats)] if hatches else "",
                str(labels.get(cat, cat)),
            )
        layers.missing(s.isna().to_numpy())
        legend = layers.legend(label or str(col))
        arts = _complete(fig, layers, decor)
    texts, cols, hs, counts = layers.labels, layers.colors, layers.hatches, layers.counts
    alt = (
        (
            f"Karte: {label or col} je Gebiet, {len(order)} Kategorien: "
            + "; ".join(
                f"{labels.get(c, c)}: {n} Gebiete" for c, n in zip(order, counts, strict=False)
            )
            + "."
        )
        if language == "de"
        else (
            f"Map: {label or col} by area, {len(order)} categories: "
            + "; ".join(
                f"{labels.get(c, c)}: {n} areas" for c, n in zip(order, counts, strict=False)
            )
            + "."
        )
    )
    return FigureDisplay(
        ax=ax,
        kind="categories",
        alt_text=alt,
        labels=tuple(texts),
        colors=tuple(cols),
        hatches=tuple(hs),
        counts=tuple(counts),
        legend=legend,
        artists=arts,
        data={"order": order},
    )
