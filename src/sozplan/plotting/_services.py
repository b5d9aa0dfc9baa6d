"""Maps and charts of social infrastructure: supply maps with facilities, concentration curves."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.text import check_language
from sozplan.checks import check_columns, fail
from sozplan.plotting._display import FigureDisplay
from sozplan.plotting._maps import choropleth
from sozplan.plotting._style import enforce_min_font, new_axes

__all__ = ["concentration_curve", "facility_map"]

_TEXTS = {
    "de": {
        "facilities": "Einrichtungen (Größe: Plätze)",
        "new": "vorgeschlagener Standort",
        "equality": "Gleichverteilung",
        "curve": "Konzentrationskurve",
        "x": "kumulierter Bevölkerungsanteil\n(Gebiete von geringer zu hoher Benachteiligung)",
        "y": "kumulierter Anteil der Versorgung",
        "ci": "Konzentrationsindex",
        "alt_map": "Karte: {label} je Gebiet; {n} Einrichtungen als Punkte",
        "alt_curve": "Konzentrationskurve der Versorgung, Konzentrationsindex {ci}",
    },
    "en": {
        "facilities": "facilities (size: places)",
        "new": "proposed site",
        "equality": "equality",
        "curve": "concentration curve",
        "x": "cumulative population share\n(areas from least to most deprived)",
        "y": "cumulative share of supply",
        "ci": "concentration index",
        "alt_map": "Map: {label} per area; {n} facilities as points",
        "alt_curve": "Concentration curve of supply, concentration index {ci}",
    },
}


def facility_map(
    gdf: Any,
    column: Hashable,
    *,
    facilities: Any = None,
    capacity: Hashable = "plaetze",
    new_sites: Any = None,
    ax: Any = None,
    language: str = "de",
    **kwargs: Any,
) -> FigureDisplay:
    """Choropleth of a supply measure with facility points on top (sized by places).

    Parameters
    ----------
    gdf : GeoDataFrame
        One row per area with ``column``.
    column : str
        The measure (supply ratio, 2SFCA value, change).
    facilities : GeoDataFrame, optional
        Facility points, drawn as dark circles with area proportional to ``capacity``.
    capacity : str, default "plaetze"
    new_sites : GeoDataFrame, optional
        Proposed sites, drawn as red stars.
    ax : matplotlib Axes, optional
    language : {"de", "en"}
    **kwargs
        Passed to :func:`sozplan.plotting.choropleth` (``scheme``, ``k``, ``label``,
        ``outlines``, ``title`` ...).

    Returns
    -------
    FigureDisplay
        As :func:`choropleth`; ``artists["facilities"]`` and ``artists["new_sites"]``
        hold the point collections, ``kind`` is ``"facility_map"``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> areas = gpd.GeoDataFrame({"quote": [60.0, 80.0]},
    ...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs=25832)
    >>> kitas = gpd.GeoDataFrame({"plaetze": [80]}, geometry=[Point(500, 500)], crs=25832)
    >>> disp = facility_map(areas, "quote", facilities=kitas, n_classes=2)
    >>> disp.kind, len(disp.artists["facilities"].get_offsets())
    ('facility_map', 1)
    """
    lang = check_language(language, "facility_map")
    t = _TEXTS[lang]
    kwargs.setdefault("scheme", "quantiles")
    disp = choropleth(gdf, column, ax=ax, language=lang, **kwargs)
    ax = disp.ax
    artists = dict(disp.artists)
    n = 0
    handles = []
    if facilities is not None:
        check_columns(facilities, [capacity], where="facility_map", arg="facilities")
        if facilities.crs != gdf.crs:
            raise fail(
                "facility_map",
                "`facilities` and `gdf` have different CRS",
                "reproject the facilities, e.g. facilities.to_crs(gdf.crs)",
            )
        cap = pd.to_numeric(facilities[capacity], errors="coerce").fillna(0).to_numpy()
        size = 3 + 30 * np.sqrt(cap / max(cap.max(), 1))
        pts = facilities.geometry
        artists["facilities"] = ax.scatter(
            pts.x,
            pts.y,
            s=size,
            facecolor="#222222",
            edgecolor="white",
            linewidth=0.5,
            alpha=0.85,
            zorder=5,
            label=t["facilities"],
        )
        handles.append(artists["facilities"])
        n = len(facilities)
    if new_sites is not None:
        pts = new_sites.geometry
        if not (pts.geom_type == "Point").all():
            pts = pts.representative_point()
        artists["new_sites"] = ax.scatter(
            pts.x,
            pts.y,
            s=220,
            marker="*",
            facecolor="#D55E00",
            edgecolor="black",
            linewidth=0.8,
            zorder=6,
            label=t["new"],
        )
        handles.append(artists["new_sites"])
    if handles:
        from matplotlib.legend import Legend

        # a second legend beside the class legend (ax.legend() would replace that one)
        legend = Legend(
            ax,
            handles,
            [h.get_label() for h in handles],
            loc="lower right",
            frameon=True,
            fontsize=9,
        )
        ax.add_artist(legend)
        artists["point_legend"] = legend
    enforce_min_font(ax.figure)
    label = kwargs.get("label") or str(column)
    return FigureDisplay(
        ax=ax,
        kind="facility_map",
        alt_text=t["alt_map"].format(label=label, n=n),
        labels=disp.labels,
        colors=disp.colors,
        hatches=disp.hatches,
        counts=disp.counts,
        legend=disp.legend,
        artists=artists,
        data=dict(disp.data),
    )


def concentration_curve(
    curve: pd.DataFrame,
    *,
    concentration: float | None = None,
    ax: Any = None,
    language: str = "de",
) -> FigureDisplay:
    """Concentration curve of supply along the deprivation gradient, with the diagonal.

    Parameters
    ----------
    curve : DataFrame
        Columns ``population_share`` and ``supply_share`` (cumulative, from 0 to 1),
        as :attr:`sozplan.services.Equity.curve`.
    concentration : float, optional
        The concentration index, written into the chart.
    ax : matplotlib Axes, optional
    language : {"de", "en"}

    Returns
    -------
    FigureDisplay

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"population_share": [0, 0.5, 1], "supply_share": [0, 0.7, 1]})
    >>> concentration_curve(c, concentration=-0.2).kind
    'concentration_curve'
    """
    lang = check_language(language, "concentration_curve")
    t = _TEXTS[lang]
    check_columns(curve, ["population_share", "supply_share"], where="concentration_curve")
    fig, ax = new_axes(ax, figsize=(5.5, 5.5))
    diag = ax.plot([0, 1], [0, 1], color="#777777", linestyle="--", label=t["equality"])[0]
    line = ax.plot(curve["population_share"], curve["supply_share"], color="#0072B2", linewidth=2)[
        0
    ]
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel(t["x"])
    ax.set_ylabel(t["y"])
    ci = "" if concentration is None else f"{concentration:+.3f}".replace(".", ",")
    if lang == "en":
        ci = ci.replace(",", ".")
    if concentration is not None:
        ax.text(0.05, 0.92, f"{t['ci']}: {ci}", transform=ax.transAxes, fontsize=10)
    legend = ax.legend(loc="lower right", fontsize=9)
    enforce_min_font(fig)
    return FigureDisplay(
        ax=ax,
        kind="concentration_curve",
        alt_text=t["alt_curve"].format(ci=ci),
        legend=legend,
        artists={"curve": line, "equality": diag},
        data={"curve": curve.copy(), "concentration": concentration},
    )
