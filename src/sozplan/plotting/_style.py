"""Shared style of sozplan figures: accessible palettes, German number formats, fonts, alt text."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

__all__: list[str] = []

#: Smallest font size (points) of any text in a sozplan figure (WCAG-minded print size).
MIN_FONT_SIZE = 9.0

#: Colour-blind-safe palettes (ColorBrewer, Brewer & Harrower 2003,
#: doi:10.1179/000870403235002042; checked "colorblind safe" there). Sequential: YlGnBu
#: for neutral values, YlOrRd for values where high means disadvantage; diverging: RdBu
#: reversed (blue = below, red = above the centre); qualitative: Okabe & Ito (2008).
SEQUENTIAL = "YlGnBu"
SEQUENTIAL_DISADVANTAGE = "YlOrRd"
DIVERGING = "RdBu_r"
OKABE_ITO = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)

#: Fill and hatch of areas without a value (never plain white: white reads as "zero").
MISSING_COLOR = "#d9d9d9"
MISSING_HATCH = "////"
MISSING_EDGE = "#737373"

#: Hatches used to make classes readable without colour (lowest to highest class).
CLASS_HATCHES = ("", "..", "", "\\\\", "xx", "", "++", "oo")

TEXTS = {
    "de": {
        "missing": "ohne Wert",
        "source": "Quelle",
        "n": "n",
        "km": "km",
        "m": "m",
        "classes": "Klassen",
        "city": "Stadt",
        "district": "Bezirk",
        "area": "Gebiet",
        "no_value_note": "schraffiert: kein Wert (zu wenige Einwohner oder Daten fehlen)",
    },
    "en": {
        "missing": "no value",
        "source": "Source",
        "n": "n",
        "km": "km",
        "m": "m",
        "classes": "classes",
        "city": "city",
        "district": "district",
        "area": "area",
        "no_value_note": "hatched: no value (too few residents or data missing)",
    },
}


def format_number(
    x: float, decimals: int = 1, language: str = "de", *, thousands: bool = True
) -> str:
    """Format a number the German way (``1.234,5``) or the English way (``1,234.5``).

    Examples
    --------
    >>> format_number(1234.56, 1)
    '1.234,6'
    >>> format_number(-0.25, 2, "en")
    '-0.25'
    >>> format_number(float("nan"))
    '–'
    """
    if x is None or not math.isfinite(float(x)):
        return "–"
    text = f"{float(x):,.{decimals}f}" if thousands else f"{float(x):.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    if language == "de":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def nice_decimals(values: Sequence[float] | np.ndarray) -> int:
    """Decimals for class bounds: one for values up to 1,000, more for small spans.

    Examples
    --------
    >>> nice_decimals([4.3, 6.2, 10.1]), nice_decimals([1200, 3400]), nice_decimals([0.12, 0.31])
    (1, 0, 2)
    """
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    if v.size == 0:
        return 1
    top = float(np.nanmax(np.abs(v)))
    span = float(np.nanmax(v) - np.nanmin(v)) if v.size > 1 else top
    d = 0 if top >= 1000 else 1
    if span and span < 1:
        d = 2
    if span and span < 0.1:
        d = 3
    while d < 4 and v.size > 1 and len(set(np.round(v, d))) < len(set(v)):
        d += 1
    return d


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Matplotlib settings of sozplan figures: readable minimum font sizes, no chartjunk."""
    import matplotlib as mpl

    with mpl.rc_context(
        {
            "font.size": 10.5,
            "axes.titlesize": 12,
            "axes.labelsize": 10.5,
            "xtick.labelsize": MIN_FONT_SIZE + 0.5,
            "ytick.labelsize": MIN_FONT_SIZE + 0.5,
            "legend.fontsize": MIN_FONT_SIZE + 0.5,
            "legend.title_fontsize": 10.5,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "hatch.linewidth": 0.6,
            "figure.dpi": 100,
            "savefig.dpi": 110,
            "svg.fonttype": "none",
        }
    ):
        try:
            yield
        finally:
            # matplotlib loads the backend with the first figure; Jupyter's inline backend
            # then switches interactive mode on. Leaving the context must not switch it off
            # again, or no later figure of the session would show in the notebook.
            interactive = mpl.is_interactive()
    mpl.interactive(interactive)


def new_axes(ax: Any, figsize: tuple[float, float]) -> tuple[Any, Any]:
    """Return (figure, axes): the given axes or a new figure of ``figsize``."""
    import matplotlib.pyplot as plt

    if ax is None:
        _fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax.figure, ax


def enforce_min_font(fig: Any, minimum: float = MIN_FONT_SIZE) -> None:
    """Raise every text of ``fig`` to at least ``minimum`` points."""
    for text in fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "set_fontsize")):
        with contextlib.suppress(Exception):
            if text.get_fontsize() < minimum:
                text.set_fontsize(minimum)


def text_color_for(rgba: Sequence[float]) -> str:
    """Black or white, whichever contrasts more with the background colour ``rgba``.

    Uses the WCAG relative luminance (W3C 2008, WCAG 2.0, definition 1.4.3).
    """

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(float(c)) for c in rgba[:3])
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "white"
