"""Charts of population projections: age structure (pyramid) and demand curves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.text import check_language
from sozplan.checks import check_array, fail
from sozplan.plotting._display import FigureDisplay
from sozplan.plotting._style import (
    OKABE_ITO,
    enforce_min_font,
    format_number,
    new_axes,
    style,
)

__all__ = ["age_pyramid", "demand_curve"]

#: Colours of the years (Okabe-Ito blue, vermillion, bluish green, black).
_PYRAMID_COLORS = (OKABE_ITO[4], OKABE_ITO[5], OKABE_ITO[2], OKABE_ITO[7])

#: Drawn height of an open last band (years), marked with a hatch.
OPEN_BAND_HEIGHT = 10


def _number_ticks(axis: Any, language: str) -> None:
    """Tick labels of a count axis in the language's number style (``17.500`` / ``17,500``)."""
    from matplotlib.ticker import FuncFormatter  # heavy: matplotlib only when drawing

    axis.set_major_formatter(FuncFormatter(lambda x, _pos: format_number(x, 0, language)))


def age_pyramid(
    population: pd.DataFrame,
    *,
    edges: Sequence[int] | None = None,
    labels: Sequence[str] | None = None,
    title: str | None = None,
    ax: Any = None,
    language: str = "de",
) -> FigureDisplay:
    """Age structure in two or more years: residents per year of age, by age band.

    Bands of different widths are drawn as a histogram: each band spans its ages and its
    bar length is the number of residents *per year of age* (count / width), so that a
    wide band does not look bigger than it is. The open last band is drawn
    ``OPEN_BAND_HEIGHT`` years high, hatched, with its count per year over that height.
    The first year is filled, later years are outlines.

    Parameters
    ----------
    population : DataFrame
        One row per year (index), one column per band (youngest first).
    edges : sequence of int, optional
        First age of each band; read from the labels or column names when omitted.
    labels : sequence of str, optional
        Band labels for the alt text.
    title : str, optional
    ax : matplotlib Axes, optional
    language : {"de", "en"}

    Returns
    -------
    FigureDisplay
        ``kind="age_pyramid"``; ``data["per_year"]`` holds the bar lengths.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> pop = pd.DataFrame({"0_2": [30, 36], "3_9": [70, 70], "10_plus": [400, 420]},
    ...                    index=[2024, 2030])
    >>> d = age_pyramid(pop)
    >>> d.data["per_year"].loc[2024].tolist()
    [10.0, 10.0, 40.0]
    """
    where = "age_pyramid"
    language = check_language(language, where)
    if not isinstance(population, pd.DataFrame) or population.empty:
        raise fail(
            where,
            "`population` is not a non-empty DataFrame",
            "pass one row per year, one column per band",
        )
    if edges is None:
        from sozplan.projection import AgeBands  # cycle: projection plots here

        b = AgeBands.parse(list(labels) if labels is not None else list(population.columns))
        edges = list(b.lower)
        uppers = list(b.upper)
    else:
        edges = [int(e) for e in edges]
        uppers = [*edges[1:], None]
    heights = np.array(
        [OPEN_BAND_HEIGHT if u is None else u - lo for lo, u in zip(edges, uppers, strict=True)],
        dtype=float,
    )
    check_array(population, arg="population", where=where, ndim=2, allow_nan=True)
    per_year = population.astype(float) / heights
    per_year.columns = list(population.columns)
    label_list = list(labels) if labels is not None else [str(c) for c in population.columns]
    with style():
        fig, ax = new_axes(ax, (6.5, 5.0))
        artists = {}
        for k, (yr, row) in enumerate(per_year.iterrows()):
            color = _PYRAMID_COLORS[k % len(_PYRAMID_COLORS)]
            if k == 0:
                hatches = ["" if u is not None else "//" for u in uppers]
                bars = ax.barh(
                    edges,
                    row.to_numpy(),
                    height=heights,
                    align="edge",
                    color=color,
                    alpha=0.55,
                    edgecolor="white",
                    linewidth=0.5,
                    label=str(yr),
                )
                for bar, h in zip(bars, hatches, strict=True):
                    bar.set_hatch(h or None)
                artists[yr] = bars
            else:
                xs, ys = [], []
                for lo, h, v in zip(edges, heights, row.to_numpy(), strict=True):
                    xs += [v, v]
                    ys += [lo, lo + h]
                (line,) = ax.plot(xs, ys, color=color, linewidth=2.0, label=str(yr))
                artists[yr] = line
        ax.set_ylabel("Alter in Jahren" if language == "de" else "age in years")
        _number_ticks(ax.xaxis, language)
        ax.set_xlabel(
            "Einwohner je Altersjahr" if language == "de" else "residents per year of age"
        )
        order = [artists[yr] for yr in per_year.index]  # legend in year order
        legend = ax.legend(
            order, [str(yr) for yr in per_year.index], frameon=False, loc="upper right"
        )
        if title:
            ax.set_title(title, loc="left", fontweight="bold")
        enforce_min_font(fig)
    years = list(per_year.index)
    first, last = population.iloc[0], population.iloc[-1]
    changes = "; ".join(
        f"{lab}: {format_number(a, 0, language)} -> {format_number(z, 0, language)}"
        for lab, a, z in zip(label_list, first, last, strict=True)
    )
    alt = (
        f"Altersaufbau{' ' + title if title else ''}, {years[0]} bis {years[-1]}: {changes}."
        if language == "de"
        else f"Age structure{' ' + title if title else ''}, {years[0]} to {years[-1]}: {changes}."
    )
    return FigureDisplay(
        ax=ax,
        kind="age_pyramid",
        alt_text=alt,
        labels=tuple(map(str, years)),
        legend=legend,
        artists=artists,
        data={"per_year": per_year, "edges": edges},
    )


def demand_curve(
    demand: pd.DataFrame | pd.Series,
    *,
    capacity: float | pd.Series | None = None,
    launch_year: int | None = None,
    lower: pd.DataFrame | pd.Series | None = None,
    upper: pd.DataFrame | pd.Series | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    ax: Any = None,
    language: str = "de",
) -> FigureDisplay:
    """Demand for places over the years: one line per column (group or scenario).

    Parameters
    ----------
    demand : DataFrame or Series
        Indexed by year; one column per line.
    capacity : number or Series by year, optional
        Available places, drawn as a dashed step line.
    launch_year : int, optional
        Years after it are marked as projected (a vertical line).
    lower, upper : DataFrame or Series, optional
        Prediction interval, same shape as ``demand``; drawn as a band.
    ylabel, title : str, optional
    ax : matplotlib Axes, optional
    language : {"de", "en"}

    Returns
    -------
    FigureDisplay
        ``kind="demand_curve"``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> d = demand_curve(pd.Series([100.0, 110, 125], index=[2024, 2025, 2026], name="Kita"),
    ...                  capacity=115, launch_year=2024)
    >>> d.labels
    ('Kita', 'Plätze')
    """
    where = "demand_curve"
    language = check_language(language, where)
    frame = demand.to_frame() if isinstance(demand, pd.Series) else demand
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise fail(where, "`demand` is empty", "pass demand by year (a Series or DataFrame)")
    lo = lower.to_frame() if isinstance(lower, pd.Series) else lower
    hi = upper.to_frame() if isinstance(upper, pd.Series) else upper
    if lo is not None and hi is not None:  # years without an interval (the launch) stay empty
        lo, hi = lo.reindex(frame.index), hi.reindex(frame.index)
    names = []
    with style():
        fig, ax = new_axes(ax, (7.0, 4.0))
        for k, col in enumerate(frame.columns):
            color = OKABE_ITO[(4 + k * 2) % len(OKABE_ITO)]
            ax.plot(frame.index, frame[col], marker="o", color=color, linewidth=2, label=str(col))
            names.append(str(col))
            if lo is not None and hi is not None:
                ax.fill_between(
                    frame.index, lo.iloc[:, k], hi.iloc[:, k], color=color, alpha=0.2, linewidth=0
                )
        if capacity is not None:
            cap = (
                capacity
                if isinstance(capacity, pd.Series)
                else pd.Series(float(capacity), index=frame.index)
            )
            label = "Plätze" if language == "de" else "places"
            ax.step(
                cap.index,
                cap.to_numpy(),
                where="mid",
                color="#000000",
                linestyle="--",
                label=label,
            )
            names.append(label)
        if launch_year is not None:
            ax.axvline(launch_year, color="#737373", linewidth=1)
            ax.text(
                launch_year,
                ax.get_ylim()[1],
                " Prognose" if language == "de" else " projection",
                va="top",
                ha="left",
                color="#404040",
            )
        ax.set_xlabel("Jahr" if language == "de" else "year")
        ax.set_ylabel(ylabel or ("Bedarf (Plätze)" if language == "de" else "demand (places)"))
        _number_ticks(ax.yaxis, language)
        ax.xaxis.get_major_locator().set_params(integer=True)
        legend = ax.legend(frameon=False)
        if title:
            ax.set_title(title, loc="left", fontweight="bold")
        enforce_min_font(fig)
    years = list(frame.index)
    parts = "; ".join(
        f"{c}: {format_number(frame[c].iloc[0], 0, language)} -> {format_number(frame[c].iloc[-1], 0, language)}"
        for c in frame.columns
    )
    alt = (
        f"Liniendiagramm Bedarf {years[0]} bis {years[-1]}: {parts}."
        if language == "de"
        else f"Line chart of demand {years[0]} to {years[-1]}: {parts}."
    )
    return FigureDisplay(
        ax=ax,
        kind="demand_curve",
        alt_text=alt,
        labels=tuple(names),
        legend=legend,
        data={"demand": frame},
    )
