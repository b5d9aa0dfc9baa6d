"""The display object returned by every sozplan plotting function."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FigureDisplay"]


@dataclass(repr=False, eq=False)
class FigureDisplay:
    """What a sozplan plotting function computed and drew.

    The figures are computed once and drawn on a given axes (or a new one); the display
    keeps the artists so that tests and users can inspect and restyle them, in the
    manner of scikit-learn's display objects.

    Attributes
    ----------
    ax : matplotlib Axes
        The main axes.
    kind : str
        ``"choropleth"``, ``"lisa"``, ``"status_dynamics"``, ``"small_multiples"``,
        ``"profile"``, ``"transition"``, ``"segregation_curve"``, ``"heatmap"`` or
        ``"moran_scatter"``.
    alt_text : str
        A text alternative for the figure (German by default), for ``alt=`` in HTML.
    labels : tuple of str
        Legend entries (class labels with counts) in legend order.
    colors : tuple of str
        Fill colour (hex) of each legend entry.
    hatches : tuple of str
        Hatch pattern of each legend entry ("" for none).
    counts : tuple of int
        Number of areas (or items) per legend entry.
    legend : matplotlib Legend or None
    artists : dict
        Named artists (collections, texts, inset axes).
    data : dict
        Computed figures behind the picture (class cuts, curve points, tables ...).
    """

    ax: Any
    kind: str
    alt_text: str
    labels: tuple[str, ...] = ()
    colors: tuple[str, ...] = ()
    hatches: tuple[str, ...] = ()
    counts: tuple[int, ...] = ()
    legend: Any = None
    artists: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)

    @property
    def figure(self) -> Any:
        """The matplotlib Figure."""
        return self.ax.figure

    def savefig(self, path: str | Path, *, close: bool = False, **kwargs: Any) -> Path:
        """Save the figure (PNG, SVG or PDF by suffix) and return the path.

        Parameters
        ----------
        path : str or Path
        close : bool, default False
            Close the figure afterwards (frees memory in batch jobs).
        **kwargs
            Passed to :meth:`matplotlib.figure.Figure.savefig`.
        """
        import matplotlib.pyplot as plt

        path = Path(path)
        kwargs.setdefault("dpi", 110)
        kwargs.setdefault("facecolor", "white")
        meta = {"Description": self.alt_text} if path.suffix.lower() == ".png" else None
        if meta is not None:
            kwargs.setdefault("metadata", meta)
        self.figure.savefig(path, **kwargs)
        if close:
            plt.close(self.figure)
        return path

    def __repr__(self) -> str:
        legend = "; ".join(self.labels[:8]) + (" ..." if len(self.labels) > 8 else "")
        return (
            f"FigureDisplay(kind={self.kind!r}, entries={len(self.labels)})\n  legend: "
            f"{legend}\n  alt: {self.alt_text}"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td style='background:{c};width:1.5em'></td><td>{html.escape(lab)}</td></tr>"
            for lab, c in zip(self.labels, self.colors, strict=False)
        )
        return (
            "<div><b>FigureDisplay</b> "
            f"({html.escape(self.kind)})<br><i>{html.escape(self.alt_text)}</i>"
            f"<table>{rows}</table></div>"
        )
