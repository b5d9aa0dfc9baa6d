"""One small frozen result class shared by every segregation index."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.html import rows_table

__all__ = ["SegregationResult"]

#: German labels of the dimensions (Massey & Denton 1988, plus "diversity").
DIMENSION_DE = {
    "evenness": "Ungleichverteilung",
    "exposure": "Kontakt (Exposure)",
    "concentration": "Konzentration",
    "centralisation": "Zentralisierung",
    "clustering": "Ballung (Clustering)",
    "diversity": "Vielfalt (Zusammensetzung)",
}


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return str(value)


def carrington_troske(observed: float, expected: float) -> float:
    """Adjust an index for its expectation under random allocation (Carrington & Troske 1997)."""
    if observed >= expected:
        return (observed - expected) / (1.0 - expected)
    return (observed - expected) / expected


@immutable
@dataclass(frozen=True, repr=False)
class SegregationResult:
    """The value of one segregation index, with what it was computed from.

    Attributes
    ----------
    name : str
        Function name of the index, e.g. ``"dissimilarity"``.
    label : str
        Human-readable name with the usual symbol, e.g. ``"Dissimilarity index D"``.
    statistic : float
        The index value.
    dimension : str
        ``"evenness"``, ``"exposure"``, ``"concentration"``, ``"centralisation"``,
        ``"clustering"`` or ``"diversity"`` (composition of the whole city).
    n_units : int
        Number of areas (rows) used; areas with zero population are counted here and
        carry zero weight.
    groups : tuple of str
        The group column(s); for two-group indices ``(group, population)``.
    spatial : bool
        Whether the index uses a graph or geometry.
    extras : Mapping
        Further figures (e.g. per-group parts, the centre used, parameters).
    warnings : tuple of str
        Data problems met on the way (also issued as sozplan warnings), e.g. groups
        without members that were left out.

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.segregation import dissimilarity
    >>> df = pd.DataFrame({"a": [10, 0, 5], "t": [20, 20, 10]}, index=["01", "02", "03"])
    >>> r = dissimilarity(df, group="a", population="t")
    >>> round(r.statistic, 4)
    0.6
    >>> r.to_frame()[["index", "statistic", "dimension"]]
               index  statistic dimension
    0  dissimilarity        0.6  evenness
    """

    name: str
    label: str
    statistic: float
    dimension: str
    n_units: int
    groups: tuple[str, ...] = ()
    spatial: bool = False
    extras: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "statistic", float(self.statistic))
        object.__setattr__(self, "extras", MappingProxyType(dict(self.extras)))

    def __float__(self) -> float:
        return self.statistic

    def _scalar_extras(self) -> dict[str, Any]:
        return {k: v for k, v in self.extras.items() if isinstance(v, int | float | str | bool)}

    def __repr__(self) -> str:
        spatial = ", spatial" if self.spatial else ""
        lines = [
            f"{self.label}: {self.statistic:.4f}",
            f"  index          {self.name} ({self.dimension}{spatial})",
            f"  groups         {_fmt(self.groups)}",
            f"  n_units        {self.n_units}",
        ]
        lines += [f"  {k:<14} {_fmt(v)}" for k, v in self._scalar_extras().items()]
        lines += [f"  warning        {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = [
            ("index", f"{html.escape(self.label)} (<code>{html.escape(self.name)}</code>)"),
            ("statistic", f"<b>{self.statistic:.4f}</b>"),
            ("dimension", html.escape(self.dimension + (", spatial" if self.spatial else ""))),
            ("groups", html.escape(_fmt(self.groups))),
            ("n_units", str(self.n_units)),
        ]
        rows += [(html.escape(k), html.escape(_fmt(v))) for k, v in self._scalar_extras().items()]
        rows += [("warning", html.escape(w)) for w in self.warnings]
        return rows_table(rows, markup=True)

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy table: index, label, statistic, dimension, spatial, groups, n_units."""
        return pd.DataFrame(
            {
                "index": [self.name],
                "label": [self.label],
                "statistic": [self.statistic],
                "dimension": [self.dimension],
                "spatial": [self.spatial],
                "groups": [", ".join(self.groups)],
                "n_units": [self.n_units],
            }
        )


def twogroup_result(
    name: str,
    label: str,
    dimension: str,
    value: float,
    n_units: int,
    group: Any,
    population: Any,
    *,
    spatial: bool,
    extras: Mapping[str, Any],
) -> SegregationResult:
    """Build the result of a two-group index."""
    return SegregationResult(
        name=name,
        label=label,
        statistic=float(value),
        dimension=dimension,
        n_units=n_units,
        groups=(str(group), str(population)),
        spatial=spatial,
        extras=extras,
    )
