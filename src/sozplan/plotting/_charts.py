"""Charts: area profiles, class transitions, segregation curves, heat maps, Moran scatter."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.text import check_language
from sozplan.checks import (
    check_array,
    check_columns,
    check_counts,
    check_frame,
    check_unique_index,
    fail,
    format_values,
)
from sozplan.plotting._display import FigureDisplay
from sozplan.plotting._style import (
    DIVERGING,
    OKABE_ITO,
    enforce_min_font,
    format_number,
    new_axes,
    style,
    text_color_for,
)

__all__ = [
    "area_profile",
    "moran_scatter",
    "profile_heatmap",
    "segregation_curve",
    "transition_chart",
]

_SERIES_STYLE = (
    ("#0072B2", ""),
    ("#E69F00", "//"),
    ("#999999", ".."),
    ("#009E73", "xx"),
    ("#CC79A7", "\\\\"),
)


def area_profile(
    values: Mapping[str, pd.Series] | pd.DataFrame,
    *,
    labels: Mapping[Hashable, str] | None = None,
    units: Mapping[Hashable, str] | None = None,
    decimals: int = 1,
    ax: Any = None,
    title: str | None = None,
    language: str = "de",
) -> FigureDisplay:
    """Profile of one area against its district and the city: grouped horizontal bars.

    Each indicator is a group of bars (the area, then the comparisons), each bar is
    labelled with its value (decimal comma), and the series differ in colour *and*
    pattern.

    Parameters
    ----------
    values : dict {series name: Series} or DataFrame
        One entry (or column) per series, e.g. ``{"Weidengrund": ..., "Bezirk Nord": ...,
        "Stadt": ...}``, each indexed by indicator key. The first series is the area.
    labels : dict {indicator: label}, optional
        Readable indicator names.
    units : dict {indicator: unit}, optional
        Units appended to the value labels.
    decimals : int, default 1
    ax : matplotlib Axes, optional
    title : str, optional
    language : {"de", "en"}

    Returns
    -------
    FigureDisplay

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> d = area_profile({"Gebiet": pd.Series({"sgb2_quote": 21.5, "kinderarmut": 35.0}),
    ...                   "Stadt": pd.Series({"sgb2_quote": 12.0, "kinderarmut": 20.25})},
    ...                  labels={"sgb2_quote": "SGB-II-Quote", "kinderarmut": "Kinderarmut"},
    ...                  units={"sgb2_quote": "%"})
    >>> d.labels
    ('Gebiet', 'Stadt')
    >>> d.data["texts"][:2]
    ['21,5 %', '35,0']
    """
    where = "area_profile"
    language = check_language(language, where)
    if not isinstance(values, pd.DataFrame | Mapping):
        raise fail(
            where,
            f"`values` is a {type(values).__name__}",
            "pass a DataFrame (indicators x series) or a mapping of name to Series",
        )
    frame = values if isinstance(values, pd.DataFrame) else pd.DataFrame(dict(values))
    if frame.empty:
        raise fail(where, "`values` is empty", "pass at least one series with indicator values")
    check_unique_index(frame, arg="values", where=where)
    check_array(frame, arg="values", where=where, ndim=2, allow_nan=True)
    labels = dict(labels or {})
    units = dict(units or {})
    inds = list(frame.index)
    series = list(frame.columns)
    n_ind, n_ser = len(inds), len(series)
    height = 0.8 / n_ser
    texts = []
    with style():
        fig, ax = new_axes(ax, (7.5, 0.55 * n_ind * max(1.5, n_ser * 0.6) + 1.2))
        bars = {}
        vmax = (
            np.nanmax(np.abs(frame.to_numpy(dtype=float)))
            if np.isfinite(frame.to_numpy(dtype=float)).any()
            else 1
        )
        for j, name in enumerate(series):
            color, hatch = _SERIES_STYLE[j % len(_SERIES_STYLE)]
            y = np.arange(n_ind) + (j - (n_ser - 1) / 2) * height
            v = frame[name].to_numpy(dtype=float)
            b = ax.barh(
                y,
                np.nan_to_num(v),
                height=height * 0.92,
                color=color,
                hatch=hatch or None,
                edgecolor="white" if not hatch else "#333333",
                linewidth=0.4,
                label=str(name),
            )
            bars[name] = b
            for yi, vi, key in zip(y, v, inds, strict=True):
                u = units.get(key)
                text = (
                    (format_number(vi, decimals, language) + (f" {u}" if u else ""))
                    if np.isfinite(vi)
                    else "–"
                )
                texts.append(text)
                ax.text(
                    (vi if np.isfinite(vi) else 0) + vmax * 0.01,
                    yi,
                    text,
                    va="center",
                    ha="left",
                    fontsize=9,
                )
        ax.set_yticks(np.arange(n_ind), [labels.get(k, str(k)) for k in inds])
        ax.invert_yaxis()
        ax.set_xlim(0, vmax * 1.18)
        ax.set_xlabel("Wert" if language == "de" else "value")
        legend = ax.legend(
            loc="lower right", frameon=False, bbox_to_anchor=(1.0, 1.0), ncols=min(n_ser, 3)
        )
        if title:
            ax.set_title(title, loc="left", fontweight="bold", pad=26)
        enforce_min_font(fig)
    area = series[0]
    parts = []
    for key in inds:
        vals = frame.loc[key]
        others = "; ".join(
            f"{s}: {format_number(vals[s], decimals, language)}" for s in series[1:]
        )
        parts.append(
            f"{labels.get(key, key)} {format_number(vals[area], decimals, language)}"
            + (f" ({others})" if others else "")
        )
    alt = (
        (
            f"Balkendiagramm: Kennzahlen von {area} im Vergleich zu "
            f"{', '.join(map(str, series[1:])) or '–'}. " + ". ".join(parts) + "."
        )
        if language == "de"
        else (
            f"Bar chart: indicators of {area} compared with {', '.join(map(str, series[1:]))}. "
            + ". ".join(parts)
            + "."
        )
    )
    return FigureDisplay(
        ax=ax,
        kind="profile",
        alt_text=alt,
        labels=tuple(map(str, series)),
        colors=tuple(_SERIES_STYLE[j % 5][0] for j in range(n_ser)),
        hatches=tuple(_SERIES_STYLE[j % 5][1] for j in range(n_ser)),
        counts=(),
        legend=legend,
        artists={"bars": bars},
        data={"texts": texts, "values": frame},
    )


def transition_chart(
    table: pd.DataFrame,
    *,
    kind: str = "matrix",
    ax: Any = None,
    before: str | None = None,
    after: str | None = None,
    title: str | None = None,
    language: str = "de",
) -> FigureDisplay:
    """Class transitions between two reports: a matrix with counts or an alluvial chart.

    Parameters
    ----------
    table : DataFrame
        Cross table of counts (rows: class before, columns: class after), e.g. from
        :func:`sozplan.index.transition_matrix` or ``Monitoring.transitions()``.
    kind : {"matrix", "flows"}, default "matrix"
        ``"matrix"``: cells shaded by count with the count written in each; the
        diagonal (no change) is framed. ``"flows"``: two stacked columns joined by
        bands whose width is the number of areas (Sankey-like).
    ax : matplotlib Axes, optional
    before, after : str, optional
        Axis titles (default the table's axis names).
    title : str, optional
    language : {"de", "en"}

    Returns
    -------
    FigureDisplay
        ``data["stayed"]`` counts areas on the diagonal, ``data["moved"]`` the others.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> tab = pd.DataFrame([[5, 1], [2, 7]], index=["hoch", "mittel"], columns=["hoch", "mittel"])
    >>> d = transition_chart(tab)
    >>> d.data["stayed"], d.data["moved"]
    (12, 3)
    >>> transition_chart(tab, kind="flows").counts
    (5, 1, 2, 7)
    """
    where = "transition_chart"
    language = check_language(language, where)
    check_frame(table, arg="table", where=where)
    m = table.to_numpy(dtype=float)
    if np.any(~np.isfinite(m)) or np.any(m < 0):
        raise fail(where, "`table` has missing or negative counts", "pass a cross table of counts")
    if kind not in ("matrix", "flows"):
        raise fail(where, f"`kind` is {kind!r}", "use 'matrix' or 'flows'")
    rows = [str(r) for r in table.index]
    cols = [str(c) for c in table.columns]
    before = before or str(table.index.name or ("vorher" if language == "de" else "before"))
    after = after or str(table.columns.name or ("nachher" if language == "de" else "after"))
    common = [r for r in rows if r in cols]
    stayed = int(
        sum(table.loc[table.index[rows.index(c)], table.columns[cols.index(c)]] for c in common)
    )
    total = int(m.sum())
    arts: dict = {}
    counts: list[int] = []
    with style():
        if kind == "matrix":
            fig, ax = new_axes(ax, (1.2 * len(cols) + 2.8, 0.8 * len(rows) + 2))
            _transition_matrix(ax, m, rows, cols, before, after, arts, counts, language)
        else:
            fig, ax = new_axes(ax, (7.5, 5))
            _transition_flows(ax, m, rows, cols, before, after, arts, counts)
        if title:
            ax.set_title(title, loc="left", fontweight="bold", pad=30 if kind == "matrix" else 18)
        enforce_min_font(fig)
    moved = total - stayed
    alt = (
        f"Übergänge zwischen Klassen von {before} nach {after}: {total} Gebiete, davon {stayed} "
        "in derselben "
        f"Klasse und {moved} in einer anderen."
        if language == "de"
        else f"Class transitions from {before} to {after}: {total} areas, {stayed} stayed and "
        f"{moved} changed class."
    )
    big = [
        (rows[i], cols[j], int(m[i, j]))
        for i, j in zip(*np.nonzero(m), strict=True)
        if rows[i] != cols[j]
    ]
    big.sort(key=lambda x: -x[2])
    if big and language == "de":
        alt += " Häufigste Wechsel: " + "; ".join(f"{a} → {b}: {n}" for a, b, n in big[:3]) + "."
    return FigureDisplay(
        ax=ax,
        kind="transition",
        alt_text=alt,
        labels=tuple(rows),
        colors=(),
        hatches=(),
        counts=tuple(counts),
        legend=None,
        artists=arts,
        data={"stayed": stayed, "moved": moved, "table": table},
    )


def _transition_matrix(
    ax: Any,
    m: np.ndarray,
    rows: list[str],
    cols: list[str],
    before: str,
    after: str,
    arts: dict,
    counts: list[int],
    language: str,
) -> None:
    """Draw the transition table as a matrix (stayers framed)."""
    import matplotlib as mpl
    from matplotlib.patches import Rectangle

    cmap = mpl.colormaps["Blues"]
    vmax = m.max() or 1
    im = ax.imshow(m, cmap=cmap, vmin=0, vmax=vmax * 1.1, aspect="auto")
    arts["image"] = im
    arts["texts"] = []
    for (i, j), v in np.ndenumerate(m):
        rgba = cmap(v / (vmax * 1.1))
        arts["texts"].append(
            ax.text(
                j,
                i,
                format_number(v, 0, language),
                ha="center",
                va="center",
                fontsize=10.5,
                color=text_color_for(rgba),
            )
        )
        counts.append(int(v))
        if rows[i] == cols[j]:
            ax.add_patch(
                Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#E69F00", lw=2.2)
            )
    ax.set_xticks(range(len(cols)), cols, rotation=30, ha="left")
    ax.set_yticks(range(len(rows)), rows)
    ax.xaxis.set_ticks_position("top")
    ax.xaxis.set_label_position("top")
    ax.set_xlabel(after)
    ax.set_ylabel(before)
    for sp in ax.spines.values():
        sp.set_visible(False)
    ax.tick_params(length=0)


def _transition_flows(
    ax: Any,
    m: np.ndarray,
    rows: list[str],
    cols: list[str],
    before: str,
    after: str,
    arts: dict,
    counts: list[int],
) -> None:
    """Draw the transition table as flows between two stacked bars."""
    from matplotlib.colors import to_rgba
    from matplotlib.patches import Rectangle

    total = int(m.sum())
    colors = [OKABE_ITO[i % len(OKABE_ITO)] for i in range(max(len(rows), len(cols)))]
    color_of = {lab: colors[i] for i, lab in enumerate(dict.fromkeys(rows + cols))}
    gap = total * 0.02
    left_y, y = {}, 0.0
    for i, r in enumerate(rows):
        h = m[i].sum()
        left_y[r] = y
        ax.add_patch(Rectangle((0, y), 0.08, h, facecolor=color_of[r], edgecolor="black", lw=0.5))
        ax.text(-0.02, y + h / 2, f"{r} ({int(h)})", ha="right", va="center", fontsize=10)
        y += h + gap
    right_y, y = {}, 0.0
    for j, c in enumerate(cols):
        h = m[:, j].sum()
        right_y[c] = y
        ax.add_patch(
            Rectangle((0.92, y), 0.08, h, facecolor=color_of[c], edgecolor="black", lw=0.5)
        )
        ax.text(1.02, y + h / 2, f"{c} ({int(h)})", ha="left", va="center", fontsize=10)
        y += h + gap
    t = np.linspace(0, 1, 50)
    s = 3 * t**2 - 2 * t**3
    out_off = dict.fromkeys(rows, 0.0)
    in_off = dict.fromkeys(cols, 0.0)
    arts["flows"] = []
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            v = m[i, j]
            counts.append(int(v))
            if v <= 0:
                continue
            y0 = left_y[r] + out_off[r]
            y1 = right_y[c] + in_off[c]
            out_off[r] += v
            in_off[c] += v
            xs = 0.08 + 0.84 * t
            lo = y0 + (y1 - y0) * s
            rgba = to_rgba(color_of[r], alpha=0.35 if r == c else 0.6)
            arts["flows"].append(ax.fill_between(xs, lo, lo + v, color=rgba, lw=0))
    ax.set_xlim(-0.45, 1.45)
    ax.set_ylim(y + gap, -gap)
    ax.set_axis_off()
    ax.text(0.04, -gap * 1.5, before, ha="center", va="bottom", fontweight="bold")
    ax.text(0.96, -gap * 1.5, after, ha="center", va="bottom", fontweight="bold")


def segregation_curve(
    df: pd.DataFrame,
    group: Hashable | Sequence[Hashable],
    population: Hashable,
    *,
    labels: Mapping[Hashable, str] | None = None,
    ax: Any = None,
    title: str | None = None,
    language: str = "de",
) -> FigureDisplay:
    r"""Segregation curve (Duncan & Duncan 1955): a Lorenz curve of a group against the rest.

    Areas are sorted by the group's share :math:`p_i = x_i / t_i`; the curve joins the
    cumulative shares of the rest of the population (:math:`(t_i - x_i)/(T - X)`,
    horizontal) and of the group (:math:`x_i / X`, vertical). The diagonal is an even
    distribution. The largest vertical distance to the diagonal is the dissimilarity
    index :math:`D`, twice the area between the curve and the diagonal the Gini index.

    Parameters
    ----------
    df : DataFrame
        One row per area with count columns.
    group : str or list of str
        Group column(s); one curve each.
    population : str
        Column of the total population (``group <= population``).
    labels : dict, optional
        Readable names of the groups.
    ax : matplotlib Axes, optional
    title : str, optional
    language : {"de", "en"}

    Returns
    -------
    FigureDisplay
        ``data["dissimilarity"]`` and ``data["gini"]`` per group, ``data["curves"]``
        the points.

    References
    ----------
    Duncan, O. D., & Duncan, B. (1955). A methodological analysis of segregation
    indexes. *American Sociological Review* 20(2), 210-217. doi:10.2307/2088328

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [10, 0, 5], "t": [20, 20, 10]})
    >>> d = segregation_curve(df, "a", "t")
    >>> round(d.data["dissimilarity"]["a"], 3)
    0.6
    """
    where = "segregation_curve"
    language = check_language(language, where)
    check_frame(df, where=where)
    groups = [group] if isinstance(group, str) or not isinstance(group, Sequence) else list(group)
    check_columns(df, [*groups, population], where=where)
    check_counts(df, [*groups, population], where=where)
    labels = dict(labels or {})
    t = df[population].to_numpy(dtype=float)
    d_vals, g_vals, curves = {}, {}, {}
    styles = ["-", "--", "-.", ":"]
    with style():
        fig, ax = new_axes(ax, (5.8, 5.6))
        ax.plot(
            [0, 1],
            [0, 1],
            color="#777777",
            lw=1,
            label="Gleichverteilung" if language == "de" else "even",
        )
        lines = {}
        for i, g in enumerate(groups):
            cx, cy = _segregation_curve_points(df, g, t, population, where)
            d_vals[g] = float(np.max(cx - cy))
            g_vals[g] = float(1 - np.sum((cx[1:] - cx[:-1]) * (cy[1:] + cy[:-1])))
            curves[g] = (cx, cy)
            name = labels.get(g, str(g))
            lines[g] = ax.plot(
                cx,
                cy,
                lw=2,
                ls=styles[i % 4],
                color=OKABE_ITO[[4, 5, 2, 6][i % 4]],
                label=f"{name} (D = {format_number(d_vals[g], 2, language)}, "
                f"Gini = {format_number(g_vals[g], 2, language)})",
            )[0]
            k = int(np.argmax(cx - cy))
            if i == 0:
                ax.vlines(cx[k], cy[k], cx[k], color=lines[g].get_color(), lw=1, ls=":")
                ax.annotate(
                    f"D = {format_number(d_vals[g], 2, language)}",
                    (cx[k], (cx[k] + cy[k]) / 2),
                    xytext=(6, 0),
                    textcoords="offset points",
                    fontsize=9.5,
                    va="center",
                )
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        rest_word = "übrige Bevölkerung" if language == "de" else "rest of the population"
        ax.set_xlabel(
            f"kumulierter Anteil {rest_word}"
            if language == "de"
            else f"cumulative share, {rest_word}"
        )
        ax.set_ylabel(
            "kumulierter Anteil der Gruppe"
            if language == "de"
            else "cumulative share of the group"
        )
        legend = ax.legend(loc="upper left", frameon=False)
        if title:
            ax.set_title(title, loc="left", fontweight="bold")
        enforce_min_font(fig)
    alt = (
        "Segregationskurve: "
        + "; ".join(
            f"{labels.get(g, g)}: Dissimilaritätsindex D = "
            f"{format_number(d_vals[g], 2, language)}, "
            f"Gini = {format_number(g_vals[g], 2, language)}"
            for g in groups
        )
        + ". Je weiter die Kurve unter der Diagonale liegt, desto ungleicher ist die Gruppe "
        "verteilt."
        if language == "de"
        else "Segregation curve: "
        + "; ".join(
            f"{labels.get(g, g)}: D = {d_vals[g]:.2f}, Gini = {g_vals[g]:.2f}" for g in groups
        )
        + "."
    )
    return FigureDisplay(
        ax=ax,
        kind="segregation_curve",
        alt_text=alt,
        labels=tuple(line.get_label() for line in lines.values()),
        colors=tuple(line.get_color() for line in lines.values()),
        hatches=(),
        counts=(),
        legend=legend,
        artists={"lines": lines},
        data={"dissimilarity": d_vals, "gini": g_vals, "curves": curves},
    )


def _segregation_curve_points(
    df: pd.DataFrame, g: Hashable, t: np.ndarray, population: Hashable, where: str
) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative shares of the rest (x) and of group ``g`` (y), areas sorted by the share."""
    x = df[g].to_numpy(dtype=float)
    if np.any(x > t):
        bad = df.index[x > t]
        raise fail(
            where,
            f"column {g!r} exceeds {population!r} at {format_values(bad)}",
            "a group cannot be larger than the total population; correct the data",
        )
    rest = t - x
    keep = t > 0
    x, rest, tt = x[keep], rest[keep], t[keep]
    if x.sum() == 0 or rest.sum() == 0:
        raise fail(
            where,
            f"group {g!r} is empty or is everybody",
            "choose a group with members and non-members",
        )
    order = np.argsort(x / tt, kind="stable")
    cx = np.concatenate([[0], np.cumsum(rest[order]) / rest.sum()])
    cy = np.concatenate([[0], np.cumsum(x[order]) / x.sum()])
    return cx, cy


def profile_heatmap(
    profiles: pd.DataFrame,
    *,
    labels: Mapping[Hashable, str] | None = None,
    counts: Mapping[Hashable, int] | pd.Series | None = None,
    decimals: int = 1,
    center: float = 0.0,
    cmap: str = DIVERGING,
    ax: Any = None,
    title: str | None = None,
    colorbar_label: str | None = None,
    language: str = "de",
) -> FigureDisplay:
    """Heat map of type profiles (rows: types, columns: indicators), values written in the cells.

    Colours diverge around ``center`` (for z-scores: blue below, red above the city
    mean); every cell carries its value, so the chart is readable without colour.

    Parameters
    ----------
    profiles : DataFrame
        Rows are types (clusters), columns indicators, values e.g. mean z-scores.
    labels : dict {column: label}, optional
    counts : dict or Series {type: n}, optional
        Number of areas per type, shown in the row labels.
    decimals : int, default 1
    center : float, default 0
    cmap : str, default "RdBu_r"
    ax : matplotlib Axes, optional
    title, colorbar_label : str, optional
    language : {"de", "en"}

    Returns
    -------
    FigureDisplay

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> p = pd.DataFrame({"sgb2": [1.5, -0.8], "alter": [-0.2, 0.9]}, index=["A", "B"])
    >>> d = profile_heatmap(p, counts={"A": 10, "B": 12})
    >>> d.data["texts"]
    ['1,5', '-0,2', '-0,8', '0,9']
    >>> d.labels
    ('A (n = 10)', 'B (n = 12)')
    """
    import matplotlib as mpl
    from matplotlib.colors import TwoSlopeNorm

    where = "profile_heatmap"
    language = check_language(language, where)
    check_frame(profiles, arg="profiles", where=where, row="type")
    m = check_array(profiles, arg="profiles", where=where, ndim=2, allow_nan=True)
    if not np.isfinite(m).any():
        raise fail(where, "`profiles` has no finite value", "pass a table of numbers")
    labels = dict(labels or {})
    counts = dict(counts) if counts is not None else {}
    rows = [f"{r} (n = {counts[r]})" if r in counts else str(r) for r in profiles.index]
    cols = [labels.get(c, str(c)) for c in profiles.columns]
    span = float(np.nanmax(np.abs(m - center))) or 1.0
    norm = TwoSlopeNorm(vcenter=center, vmin=center - span, vmax=center + span)
    cm = mpl.colormaps[cmap]
    texts = []
    with style():
        fig, ax = new_axes(ax, (0.95 * len(cols) + 3.5, 0.6 * len(rows) + 2.4))
        im = ax.imshow(m, cmap=cm, norm=norm, aspect="auto")
        for (i, j), v in np.ndenumerate(m):
            text = format_number(v, decimals, language) if np.isfinite(v) else "–"
            texts.append(text)
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=9.5,
                color=text_color_for(cm(norm(v))) if np.isfinite(v) else "black",
            )
        ax.set_xticks(range(len(cols)), cols, rotation=35, ha="right")
        ax.set_yticks(range(len(rows)), rows)
        ax.tick_params(length=0)
        for sp in ax.spines.values():
            sp.set_visible(False)
        cb = fig.colorbar(im, ax=ax, shrink=0.8)
        cb.set_label(
            colorbar_label
            or (
                "Abweichung vom Stadtmittel (z-Wert)"
                if language == "de"
                else "deviation from the city mean (z-score)"
            )
        )
        if title:
            ax.set_title(title, loc="left", fontweight="bold")
        enforce_min_font(fig)
    parts = []
    for i, r in enumerate(profiles.index):
        row = m[i]
        if np.isfinite(row).any():
            hi = int(np.nanargmax(row))
            lo = int(np.nanargmin(row))
            parts.append(
                f"{r}: am höchsten {cols[hi]} ({texts[i * len(cols) + hi]}), am niedrigsten "
                f"{cols[lo]} ({texts[i * len(cols) + lo]})"
                if language == "de"
                else f"{r}: highest {cols[hi]}, lowest {cols[lo]}"
            )
    alt = (
        (
            f"Heatmap der Profile von {len(rows)} Typen über {len(cols)} Kennzahlen. "
            if language == "de"
            else f"Heat map of {len(rows)} type profiles over {len(cols)} indicators. "
        )
        + "; ".join(parts)
        + "."
    )
    return FigureDisplay(
        ax=ax,
        kind="heatmap",
        alt_text=alt,
        labels=tuple(rows),
        colors=(),
        hatches=(),
        counts=(),
        legend=None,
        artists={"image": im, "colorbar": cb},
        data={"texts": texts},
    )


def moran_scatter(
    result: Any, *, ax: Any = None, label: str | None = None, language: str = "de"
) -> FigureDisplay:
    """Moran scatter plot of a global Moran result, as a display object with alt text.

    The drawing is the result's own ``plot()`` (:class:`sozplan.autocorrelation.GlobalResult`);
    this wrapper adds the house style, minimum font sizes and the alt text.

    Parameters
    ----------
    result : GlobalResult
        From :func:`sozplan.autocorrelation.moran`.
    ax : matplotlib Axes, optional
    label : str, optional
        Name of the variable for the alt text.
    language : {"de", "en"}

    Returns
    -------
    FigureDisplay

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> from libpysal.graph import Graph
    >>> from sozplan.autocorrelation import moran
    >>> df = pd.DataFrame({"x": [1.0, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]})
    >>> res = moran(df, "x", graph=Graph.from_lattice(4, 4, rook=True), permutations=99, rng=7)
    >>> display = moran_scatter(res, label="x")
    >>> bool(display.alt_text)
    True
    >>> plt.close("all")
    """
    where = "moran_scatter"
    language = check_language(language, where)
    if not hasattr(result, "plot") or not hasattr(result, "statistic"):
        raise fail(
            where,
            f"`result` is a {type(result).__name__}",
            "pass the result of sozplan.autocorrelation.moran",
        )
    with style():
        fig, ax = new_axes(ax, (5.8, 5.4))
        result.plot(ax=ax, language=language)
        enforce_min_font(fig)
    stat = format_number(result.statistic, 3, language)
    p = result.p_value
    ptxt = "p < 0,001" if p < 0.001 else f"p = {format_number(p, 3, language)}"
    alt = (
        f"Moran-Streudiagramm{f' für {label}' if label else ''}: standardisierter Wert gegen den "
        "räumlich "
        f"verzögerten Wert der Nachbarn; Moran's I = {stat} ({ptxt}). Punkte oben rechts und "
        "unten links zeigen "
        f"Gebiete, die ihren Nachbarn ähneln."
        if language == "de"
        else f"Moran scatter plot{f' of {label}' if label else ''}: Moran's I = "
        f"{result.statistic:.3f}, p = {p:.3g}."
    )
    return FigureDisplay(
        ax=ax,
        kind="moran_scatter",
        alt_text=alt,
        labels=(),
        colors=(),
        hatches=(),
        counts=(),
        legend=ax.get_legend(),
        artists={},
        data={"statistic": result.statistic, "p_value": p},
    )
