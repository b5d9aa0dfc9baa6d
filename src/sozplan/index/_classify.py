"""Class breaks for indices: standard-deviation cuts, quantiles, natural breaks and more.

The "problem of the right Grenzwerte": every class map rests on cut points, and
areas close to a cut may change class when the cut moves a little.
:func:`classify` draws the classes, :func:`threshold_sensitivity` shows how fragile
they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.html import frame_table
from sozplan._core.text import german
from sozplan.checks import check_array, fail, format_values, is_whole
from sozplan.index._common import as_series
from sozplan.plotting import FigureDisplay

__all__ = [
    "DYNAMICS_CLASSES",
    "STATUS_CLASSES",
    "Classification",
    "ThresholdSensitivity",
    "assign_classes",
    "classify",
    "interval_labels",
    "threshold_sensitivity",
]

#: Status classes of the Berlin MSS and the Hamburg Sozialmonitoring (index: higher = worse).
STATUS_CLASSES = ("hoch", "mittel", "niedrig", "sehr niedrig")
#: Dynamics classes of the Berlin MSS and the Hamburg Sozialmonitoring.
DYNAMICS_CLASSES = ("positiv", "stabil", "negativ")

_MAPCLASSIFY = {
    "quantiles": "Quantiles",
    "equal_interval": "EqualInterval",
    "fisher_jenks": "FisherJenks",
    "head_tail": "HeadTailBreaks",
    "max_breaks": "MaximumBreaks",
    "std_mean": "StdMean",
    "box_plot": "BoxPlot",
}
SCHEMES = ("sd", "manual", *_MAPCLASSIFY)
_CLOSED = ("right", "left", "inner")


def _fmt(x: float, language: str) -> str:
    s = f"{x:.2f}"
    return s.replace(".", ",") if language == "de" else s


def interval_labels(
    cuts: Sequence[float] | np.ndarray,
    *,
    closed: str = "right",
    language: str = "de",
    center: float = 0.0,
) -> list[str]:
    """Readable labels for the classes between ``cuts`` (German by default).

    Parameters
    ----------
    cuts : sequence of float
        Increasing inner cut points (k - 1 cuts give k classes).
    closed : {"right", "left", "inner"}
        Which class a value exactly on a cut belongs to (see :func:`assign_classes`).
    language : {"de", "en"}
    center : float, default 0.0
        For ``closed="inner"``: values on a cut belong to the class nearer ``center``
        (the mean, when the cuts are standard deviations around it).

    Returns
    -------
    list of str

    Examples
    --------
    >>> interval_labels([-1, 1])
    ['bis -1,00', 'über -1,00 bis 1,00', 'über 1,00']
    >>> interval_labels([0.5], closed="left", language="en")
    ['below 0.50', '0.50 and above']
    """
    cuts = check_array(cuts, arg="cuts", where="interval_labels").tolist()
    if not cuts:
        return ["alle" if language == "de" else "all"]
    de = language == "de"
    out = []
    for i in range(len(cuts) + 1):
        lo = cuts[i - 1] if i > 0 else None
        hi = cuts[i] if i < len(cuts) else None
        # does this class include its upper / lower cut?
        hi_in = hi is not None and (closed == "right" or (closed == "inner" and hi > center))
        lo_in = lo is not None and (closed == "left" or (closed == "inner" and lo <= center))
        if lo is None:
            assert hi is not None
            out.append(
                f"{'bis' if de else 'up to'} {_fmt(hi, language)}"
                if hi_in
                else f"{'unter' if de else 'below'} {_fmt(hi, language)}"
            )
        elif hi is None:
            out.append(
                f"{_fmt(lo, language)} {'und mehr' if de else 'and above'}"
                if lo_in
                else f"{'über' if de else 'above'} {_fmt(lo, language)}"
            )
        else:
            a = (
                _fmt(lo, language)
                if lo_in
                else f"{'über' if de else 'above'} {_fmt(lo, language)}"
            )
            b = (
                _fmt(hi, language)
                if hi_in
                else f"{'unter' if de else 'below'} {_fmt(hi, language)}"
            )
            out.append(f"{a} {'bis' if de else 'to'} {b}")
    return out


def assign_classes(
    values: np.ndarray, cuts: Sequence[float] | np.ndarray, *, closed: str = "right"
) -> np.ndarray:
    """Class codes 0..k-1 of ``values`` for increasing inner ``cuts`` (vectorised).

    Parameters
    ----------
    values : ndarray
        Any shape; NaN gets code -1.
    cuts : sequence of float
        Increasing inner cut points.
    closed : {"right", "left", "inner"}
        ``"right"``: classes are ``(a, b]`` (a value on a cut goes to the lower class);
        ``"left"``: ``[a, b)``; ``"inner"``: a value on a cut goes to the class nearer
        zero, the convention of the Berlin MSS (``hoch`` x < -1, ``mittel``
        -1 <= x <= +1, ``niedrig`` +1 < x <= +1.5).

    Returns
    -------
    ndarray of int

    Examples
    --------
    >>> assign_classes(np.array([-1.0, 1.0, 1.2, 2.0]), [-1, 1, 1.5], closed="inner").tolist()
    [1, 1, 2, 3]
    """
    v = check_array(
        values, arg="values", where="assign_classes", ndim=None, allow_nan=True, allow_inf=True
    )
    c = np.asarray(cuts, dtype=float)
    if closed == "right":
        codes = np.searchsorted(c, v, side="left")
    elif closed == "left":
        codes = np.searchsorted(c, v, side="right")
    elif closed == "inner":
        # cut <= 0 belongs to the upper class, cut > 0 to the lower class
        codes = (v[..., None] > c).sum(-1) + ((v[..., None] == c) & (c <= 0)).sum(-1)
    else:
        raise fail(
            "assign_classes", f"`closed` is {closed!r}", f"use one of {format_values(_CLOSED)}"
        )
    codes = np.asarray(codes, dtype=np.int64)
    return np.where(np.isnan(v), -1, codes)


def _check_cuts(cuts: Any, where: str) -> np.ndarray:
    c = np.asarray(cuts, dtype=float).ravel()
    if not np.all(np.isfinite(c)):
        raise fail(
            where,
            f"`cuts` contains missing or infinite values ({c.tolist()})",
            "pass finite numbers",
        )
    if np.any(np.diff(c) <= 0):
        raise fail(
            where,
            f"`cuts` must increase strictly, got {c.tolist()}",
            "sort the cut points and drop duplicates",
        )
    return c


@immutable
@dataclass(frozen=True, repr=False)
class Classification:
    """Classes of a set of values.

    Attributes
    ----------
    classes : Series
        Ordered categorical labels on the input index.
    codes : Series
        Class numbers 1..k (1 = lowest values).
    values : Series
        The classified values.
    cuts : ndarray
        Inner cut points in the units of ``values`` (k - 1 for k classes).
    labels : tuple of str
    scheme : str
    closed : str
    """

    classes: pd.Series
    codes: pd.Series
    values: pd.Series
    cuts: np.ndarray
    labels: tuple
    scheme: str
    closed: str = "right"
    details: dict = field(default_factory=dict)

    @property
    def counts(self) -> pd.Series:
        """Number of areas per class (all classes, also empty ones)."""
        return self.classes.value_counts(sort=False).rename("n_areas")

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: value, class number and label per area."""
        return pd.DataFrame({"value": self.values, "code": self.codes, "class": self.classes})

    def __repr__(self) -> str:
        cuts = ", ".join(f"{c:.4g}" for c in self.cuts)
        counts = ", ".join(f"{k}: {v}" for k, v in self.counts.items())
        return (
            f"Classification(scheme={self.scheme!r}, k={len(self.labels)}, cuts=[{cuts}], "
            f"closed={self.closed!r})\n  {counts}"
        )

    def _repr_html_(self) -> str:
        head = (
            f"<b>Classification</b> scheme={self.scheme}, cuts={np.round(self.cuts, 4).tolist()}"
        )
        return head + frame_table(self.counts.to_frame())

    def plot(self, ax=None, *, bins: int = 40, language: str = "de") -> FigureDisplay:
        """Histogram of the values with the cut points as vertical lines.

        Returns a :class:`sozplan.plotting.FigureDisplay` (German labels unless
        ``language="en"``).
        """
        import matplotlib.pyplot as plt

        de = german(language, "Classification.plot")
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        ax.hist(self.values.dropna(), bins=bins, color="0.7", edgecolor="white")
        for c in self.cuts:
            ax.axvline(c, color="C3", lw=1.2)
        ax.set_xlabel(self.values.name or ("Wert" if de else "Value"))
        ax.set_ylabel("Anzahl Gebiete" if de else "Number of areas")
        ax.set_title(f"{'Klassengrenzen' if de else 'Class breaks'} ({self.scheme})")
        alt = (
            f"Histogramm der Werte mit {len(self.cuts)} Klassengrenzen ({self.scheme})"
            if de
            else f"Histogram of the values with {len(self.cuts)} class breaks ({self.scheme})"
        )
        return FigureDisplay.from_axes(ax, "classification", alt, data={"cuts": self.cuts})


def classify(
    values: pd.Series | Sequence[float],
    scheme: str = "sd",
    *,
    cuts: Sequence[float] | None = None,
    n_classes: int = 5,
    labels: Sequence[str] | None = None,
    closed: str | None = None,
    ddof: int = 0,
    language: str = "de",
) -> Classification:
    r"""Cut values into ordered classes.

    Parameters
    ----------
    values : Series or array-like
        The values (e.g. an index); must be finite.
    scheme : str, default "sd"
        ``"sd"``: cuts in standard deviations around the mean,
        :math:`c_j = \bar{x} + s_j \cdot \mathrm{sd}(x)` with ``cuts`` the :math:`s_j`
        (default ``(-1, 1, 1.5)``, the Berlin MSS status cuts);
        ``"manual"``: ``cuts`` in the units of the values;
        ``"quantiles"``, ``"equal_interval"``, ``"fisher_jenks"`` (Fisher 1958, exact
        natural breaks), ``"head_tail"`` (Jiang 2013, doi:10.1080/00330124.2012.700499),
        ``"max_breaks"``, ``"std_mean"``, ``"box_plot"``: computed with mapclassify
        using ``n_classes`` classes where it applies.
    cuts : sequence of float, optional
        Inner cut points for ``"sd"`` and ``"manual"``.
    n_classes : int, default 5
        Number of classes for the mapclassify schemes.
    labels : sequence of str, optional
        Class labels from the lowest to the highest values; default readable German
        intervals (``"bis 1,00"``, ``"über 1,00 bis 1,50"``).
    closed : {"right", "left", "inner"}, optional
        Which class a value on a cut belongs to; default ``"inner"`` for ``"sd"``
        (the MSS convention) and ``"right"`` otherwise (mapclassify's convention).
    ddof : int, default 0
        Delta degrees of freedom of the standard deviation for ``"sd"``.
    language : {"de", "en"}
        Language of the default labels.

    Returns
    -------
    Classification

    Examples
    --------
    >>> import pandas as pd
    >>> z = pd.Series([-1.5, -0.2, 0.0, 0.3, 1.2, 1.9], index=list("abcdef"))
    >>> res = classify(z, "manual", cuts=[-1, 1, 1.5], labels=STATUS_CLASSES)
    >>> res.classes.tolist()
    ['hoch', 'mittel', 'mittel', 'mittel', 'niedrig', 'sehr niedrig']
    >>> classify(z, "quantiles", n_classes=2).counts.tolist()
    [3, 3]
    """
    where = "classify"
    s = as_series(values, name="values", where=where)
    x = s.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(x)
    if bad.any():
        raise fail(
            where,
            f"`values` has {int(bad.sum())} missing or infinite value(s) at "
            f"{format_values(s.index[bad])}",
            "drop or impute these areas explicitly before classifying",
        )
    if scheme not in SCHEMES:
        raise fail(where, f"`scheme` is {scheme!r}", f"use one of {format_values(SCHEMES, 20)}")
    if language not in ("de", "en"):
        raise fail(where, f"`language` is {language!r}", "use 'de' or 'en'")
    if closed is None:
        closed = "inner" if scheme == "sd" else "right"
    if closed not in _CLOSED:
        raise fail(where, f"`closed` is {closed!r}", f"use one of {format_values(_CLOSED)}")
    details: dict = {}
    centre = 0.0
    if scheme in ("sd", "manual"):
        if cuts is None:
            if scheme == "manual":
                raise fail(
                    where,
                    "scheme 'manual' needs `cuts`",
                    "pass cuts=[...] in the units of the values",
                )
            cuts = (-1.0, 1.0, 1.5)
        c = _check_cuts(cuts, where)
        if scheme == "sd":
            mean, sd = x.mean(), x.std(ddof=ddof)
            if not sd > 0:
                raise fail(
                    where,
                    "`values` are constant, so standard-deviation cuts are undefined",
                    "use scheme='manual' or check the index",
                )
            details = {"mean": float(mean), "sd": float(sd), "cuts_sd": c.tolist()}
            z = (x - mean) / sd
            codes = assign_classes(z, c, closed=closed)
            c = mean + c * sd
            centre = float(mean)
        else:
            codes = assign_classes(x, c, closed=closed)
    else:
        if len(np.unique(x)) < 2:
            raise fail(where, "`values` are constant", "classes need values that vary")
        import mapclassify  # slow to import (compiles): only when a scheme needs it

        kls = getattr(mapclassify, _MAPCLASSIFY[scheme])
        if scheme == "head_tail" or scheme in ("std_mean", "box_plot"):
            mc = kls(x)
        else:
            if not (is_whole(n_classes) and n_classes >= 2):
                raise fail(where, f"`n_classes` is {n_classes!r}", "pass an integer of at least 2")
            mc = kls(x, k=int(n_classes))
        bins = np.asarray(mc.bins, dtype=float)
        c = np.unique(bins[:-1])
        c = c[(c > x.min()) | (scheme in ("std_mean", "box_plot"))]
        codes = assign_classes(x, c, closed=closed)
        details = {"mapclassify": type(mc).__name__}
    n_classes = len(c) + 1
    if labels is None:
        labels = interval_labels(c, closed=closed, language=language, center=centre)
    labels = tuple(str(lab) for lab in labels)
    if len(labels) != n_classes or len(set(labels)) != n_classes:
        raise fail(
            where,
            f"`labels` has {len(labels)} distinct-or-not entries for {n_classes} classes "
            f"({format_values(labels)})",
            f"pass {n_classes} distinct labels, lowest values first",
        )
    cat = pd.Categorical.from_codes(codes, categories=list(labels), ordered=True)
    classes = pd.Series(cat, index=s.index, name=f"{s.name or 'value'}_class")
    return Classification(
        classes=classes,
        codes=pd.Series(codes + 1, index=s.index, name="code"),
        values=s.rename(s.name or "value"),
        cuts=c,
        labels=labels,
        scheme=scheme,
        closed=closed,
        details=details,
    )


@immutable
@dataclass(frozen=True, repr=False)
class ThresholdSensitivity:
    """How many and which areas change class when the cut points move.

    Attributes
    ----------
    summary : DataFrame
        One row per (moved cut, shift): ``n_changed``, ``share_changed``, ``n_up``
        (into a higher class), ``n_down`` and ``changed_ids``.
    distance : Series
        Signed distance of each value to its nearest cut (value - cut).
    nearest_cut : Series
        The nearest cut of each area.
    changes : DataFrame
        Class codes per area (rows) under every scenario (columns).
    """

    summary: pd.DataFrame
    distance: pd.Series
    nearest_cut: pd.Series
    changes: pd.DataFrame
    cuts: np.ndarray
    closed: str

    def to_frame(self) -> pd.DataFrame:
        """Return the summary table (one row per scenario)."""
        return self.summary

    def __repr__(self) -> str:
        s = self.summary[["n_changed", "share_changed"]].to_string()
        cuts = np.round(self.cuts, 4).tolist()
        return f"ThresholdSensitivity(cuts={cuts}, closed={self.closed!r})\n{s}"

    def _repr_html_(self) -> str:
        return "<b>ThresholdSensitivity</b>" + frame_table(
            self.summary.drop(columns="changed_ids")
        )

    def plot(self, ax=None, *, language: str = "de") -> FigureDisplay:
        """Areas changing class against the shift of the cuts.

        Returns a :class:`sozplan.plotting.FigureDisplay` (German labels unless
        ``language="en"``).
        """
        import matplotlib.pyplot as plt

        de = german(language, "ThresholdSensitivity.plot")
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        for cut, part in self.summary.groupby("cut", sort=False):
            ax.plot(part["shift"], part["n_changed"], marker="o", label=str(cut))
        ax.set_xlabel("Verschiebung der Grenze(n)" if de else "Shift of the break(s)")
        ax.set_ylabel("Gebiete mit Klassenwechsel" if de else "Areas changing class")
        ax.legend(title="verschobene Grenze" if de else "shifted break")
        alt = (
            "Linien: Zahl der Gebiete mit Klassenwechsel je Verschiebung der Grenzen"
            if de
            else "Lines: number of areas changing class per shift of the breaks"
        )
        return FigureDisplay.from_axes(ax, "threshold_sensitivity", alt)


def threshold_sensitivity(
    values: pd.Series | Sequence[float],
    cuts: Sequence[float],
    *,
    shifts: Sequence[float] | float = (-0.1, -0.05, 0.05, 0.1),
    each: bool = True,
    closed: str = "inner",
) -> ThresholdSensitivity:
    """Areas that change class when the cut points move by given amounts.

    Parameters
    ----------
    values : Series
        The classified values (e.g. a status index).
    cuts : sequence of float
        Inner cut points in the units of ``values``.
    shifts : float or sequence of float
        Amounts added to the cut(s); a single number ``d`` means ``(-d, +d)``.
    each : bool, default True
        Also move each cut on its own (besides all cuts together, ``cut="alle"``).
    closed : {"right", "left", "inner"}, default "inner"

    Returns
    -------
    ThresholdSensitivity

    Examples
    --------
    >>> import pandas as pd
    >>> z = pd.Series([-1.02, 0.0, 0.98, 1.45, 2.0], index=list("abcde"))
    >>> ts = threshold_sensitivity(z, [-1, 1, 1.5], shifts=0.05, each=False)
    >>> ts.summary[["shift", "n_changed"]].to_numpy().tolist()
    [[-0.05, 2.0], [0.05, 0.0]]
    >>> ts.distance.round(2).tolist()
    [-0.02, 1.0, -0.02, -0.05, 0.5]
    """
    where = "threshold_sensitivity"
    s = as_series(values, name="values", where=where)
    x = s.to_numpy(dtype=float, na_value=np.nan)
    if not np.all(np.isfinite(x)):
        bad = ~np.isfinite(x)
        raise fail(
            where,
            f"`values` has missing values at {format_values(s.index[bad])}",
            "drop or impute them first",
        )
    c = _check_cuts(cuts, where)
    if np.isscalar(shifts):
        shifts = (-abs(float(shifts)), abs(float(shifts)))
    shifts = [float(d) for d in shifts]
    base = assign_classes(x, c, closed=closed)
    scenarios: list[tuple[str, float, np.ndarray]] = []
    for d in shifts:
        scenarios.append(("alle", d, c + d))
    if each and len(c) > 1:
        for j, cj in enumerate(c):
            for d in shifts:
                moved = c.copy()
                moved[j] = cj + d
                scenarios.append((f"{cj:g}", d, np.sort(moved)))
    rows, cols = [], {}
    for name, d, cc in scenarios:
        codes = assign_classes(x, cc, closed=closed)
        diff = codes - base
        changed = s.index[diff != 0]
        rows.append(
            {
                "cut": name,
                "shift": d,
                "n_changed": int((diff != 0).sum()),
                "share_changed": float((diff != 0).mean()),
                "n_up": int((diff > 0).sum()),
                "n_down": int((diff < 0).sum()),
                "changed_ids": tuple(changed),
            }
        )
        cols[(name, d)] = codes + 1
    summary = pd.DataFrame(rows)
    dist = x[:, None] - c[None, :]
    j = np.abs(dist).argmin(axis=1)
    changes = pd.DataFrame(cols, index=s.index)
    changes.columns = pd.MultiIndex.from_tuples(list(cols), names=["cut", "shift"])
    return ThresholdSensitivity(
        summary=summary,
        distance=pd.Series(dist[np.arange(len(x)), j], index=s.index, name="distance_to_cut"),
        nearest_cut=pd.Series(c[j], index=s.index, name="nearest_cut"),
        changes=changes,
        cuts=c,
        closed=closed,
    )
