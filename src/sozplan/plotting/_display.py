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
        What was drawn: ``"choropleth"``, ``"lisa"``, ``"status_dynamics"``,
        ``"small_multiples"``, ``"profile"``, ``"transition"``, ``"segregation_curve"``,
        ``"heatmap"``, ``"moran_scatter"`` ... for the plotting functions, and the name of
        the result class in snake case (e.g. ``"composite_index"``) for a result's
        ``plot()``.
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

    Notes
    -----
    Attributes that the display does not have are looked up on :attr:`ax`, so that
    ``result.plot().set_title("...")`` works as it did when ``plot()`` returned the axes.
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

    @classmethod
    def from_axes(
        cls,
        ax: Any,
        kind: str,
        alt_text: str,
        *,
        data: dict | None = None,
        artists: dict | None = None,
    ) -> FigureDisplay:
        """Wrap axes that a result's ``plot()`` drew, reading the legend entries from them.

        Parameters
        ----------
        ax : matplotlib Axes
            The main axes (for a grid of panels, the first; all are in ``artists["axes"]``).
        kind : str
            What was drawn (see :attr:`kind`).
        alt_text : str
            A text alternative in the language of the labels.
        data, artists : dict, optional
            Figures behind the picture and named artists.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> fig, ax = plt.subplots()
        >>> _ = ax.bar([0, 1], [2, 3], color="#1b9e77", label="Anteil")
        >>> _ = ax.legend()
        >>> d = FigureDisplay.from_axes(ax, "bars", "Zwei Balken")
        >>> d.labels, d.colors
        (('Anteil',), ('#1b9e77',))
        >>> d.get_ylim() == ax.get_ylim()  # looked up on the axes
        True
        >>> plt.close(fig)
        """
        from matplotlib.colors import to_hex

        legend = ax.get_legend()
        labels: list[str] = []
        colors: list[str] = []
        hatches: list[str] = []
        if legend is not None:
            handles = getattr(legend, "legend_handles", None) or getattr(
                legend, "legendHandles", []
            )
            for text, handle in zip(legend.get_texts(), handles, strict=False):
                labels.append(text.get_text())
                colors.append(_color_of(handle, to_hex))
                hatch = handle.get_hatch() if hasattr(handle, "get_hatch") else None
                hatches.append(hatch or "")
        return cls(
            ax=ax,
            kind=kind,
            alt_text=alt_text,
            labels=tuple(labels),
            colors=tuple(colors),
            hatches=tuple(hatches),
            legend=legend,
            artists=dict(artists or {}),
            data=dict(data or {}),
        )

    def __getattr__(self, name: str) -> Any:
        # only reached for names the display lacks; never for the fields themselves
        if name.startswith("__") or name in ("ax", "kind", "alt_text"):
            raise AttributeError(name)
        return getattr(self.ax, name)

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
        """Show the legend as a table, with the picture unless the notebook shows it anyway.

        Jupyter's inline backend shows every figure drawn in a cell; under any other
        backend (``Agg`` in scripts, CI and ``nbclient`` runs, the docs build) the figure
        would be lost from the stored output, so it is embedded as a PNG with its text
        alternative in ``alt``.
        """
        rows = "".join(
            f"<tr><td style='background:{c};width:1.5em'></td><td>{html.escape(lab)}</td></tr>"
            for lab, c in zip(self.labels, self.colors, strict=False)
        )
        picture = "" if _inline_backend() else self._png_tag()
        return (
            f"<div>{picture}<b>FigureDisplay</b> "
            f"({html.escape(self.kind)})<br><i>{html.escape(self.alt_text)}</i>"
            f"<table>{rows}</table></div>"
        )

    def _png_tag(self) -> str:
        """Render the figure as an ``<img>`` (base64 PNG) with its text alternative."""
        import base64
        import io

        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=100, facecolor="white", bbox_inches="tight")
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        return (
            f"<img src='data:image/png;base64,{data}' alt='{html.escape(self.alt_text)}' "
            "style='max-width:100%'><br>"
        )


def _inline_backend() -> bool:
    """Whether matplotlib draws into a notebook itself (the inline or widget backends)."""
    import matplotlib

    backend = str(matplotlib.get_backend()).lower()
    return "inline" in backend or "ipympl" in backend or "widget" in backend or "nbagg" in backend


def _color_of(handle: Any, to_hex: Any) -> str:
    """Hex colour of a legend handle (patch face, line or collection), "" if none."""
    for getter in ("get_facecolor", "get_color", "get_markerfacecolor"):
        if hasattr(handle, getter):
            try:
                value = getattr(handle, getter)()
                if hasattr(value, "ndim") and value.ndim == 2:
                    value = value[0] if len(value) else None
                if value is not None:
                    return to_hex(value, keep_alpha=False)
            except (ValueError, TypeError, IndexError):
                continue
    return ""
