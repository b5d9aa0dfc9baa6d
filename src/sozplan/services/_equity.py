"""Equity of supply: by social-index class, along the deprivation gradient, need versus supply."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.html import preformatted
from sozplan.checks import check_columns, check_frame, check_no_inf, fail, format_values
from sozplan.planning import concentration_index
from sozplan.plotting import FigureDisplay, concentration_curve

__all__ = ["Equity", "need_supply", "service_equity"]


@immutable
@dataclass(frozen=True, repr=False, eq=False)
class Equity:
    """Supply or accessibility across social-index classes and the deprivation gradient.

    Attributes
    ----------
    column, rank_by : str
        The supply measure and the deprivation measure (higher = more deprived).
    by_class : DataFrame or None
        Per class: ``areas``, ``population``, ``mean`` (population-weighted mean of
        ``column``), ``ratio_to_city`` (mean over the city mean).
    concentration : float
        Concentration index of ``column`` along ``rank_by`` (population-weighted):
        negative when supply concentrates in the *less* deprived areas.
    curve : DataFrame
        Concentration curve: ``population_share`` and ``supply_share``, cumulative,
        areas ordered from the least to the most deprived.
    excluded : pandas.Index
        Areas left out for a missing value (listed, not silently dropped).
    """

    column: str
    rank_by: str
    by_class: pd.DataFrame | None
    concentration: float
    curve: pd.DataFrame
    excluded: pd.Index

    def to_frame(self) -> pd.DataFrame:
        """Return the table by class (or the curve when there are no classes)."""
        return (self.by_class if self.by_class is not None else self.curve).copy()

    def __repr__(self) -> str:
        lines = [
            f"Equity({self.column!r} along {self.rank_by!r}): concentration index "
            f"{self.concentration:+.3f} ({'pro-poor' if self.concentration > 0 else 'pro-rich'})"
        ]
        if self.by_class is not None:
            for cls, row in self.by_class.iterrows():
                lines.append(
                    f"  {cls}: mean {row['mean']:.2f} ({row['ratio_to_city']:.2f} x city), "
                    f"{int(row['areas'])} areas"
                )
        if len(self.excluded):
            lines.append(f"  excluded (missing values): {format_values(self.excluded)}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return preformatted(repr(self))

    def plot(self, ax: Any = None, *, language: str = "de") -> FigureDisplay:
        """Concentration curve (Lorenz-type) with the line of equality.

        Returns
        -------
        FigureDisplay
        """
        return concentration_curve(
            self.curve, concentration=self.concentration, ax=ax, language=language
        )


def service_equity(
    areas: pd.DataFrame,
    column: Hashable,
    rank_by: Hashable,
    *,
    by: Hashable | None = None,
    population: Hashable | None = None,
) -> Equity:
    r"""Supply or accessibility by social-index class and along the deprivation gradient.

    The concentration index (Kakwani, Wagstaff & van Doorslaer 1997) of the supply
    measure :math:`y` over areas ranked by deprivation :math:`r`, population-weighted,

    .. math:: C = \frac{2}{\mu} \sum_a \omega_a (y_a - \mu)(R_a - \tfrac12),

    is positive when supply concentrates in the more deprived areas (*pro-poor*), 0 when
    it is equal along the gradient and negative when it concentrates in the better-off
    areas; the concentration curve plots the cumulative share of supply against the
    cumulative share of population, areas from least to most deprived (above the
    diagonal: more supply in the better-off areas). See
    :func:`sozplan.planning.concentration_index`.

    Parameters
    ----------
    areas : DataFrame
        One row per area.
    column : str
        Supply measure (e.g. a supply ratio or a 2SFCA value), non-negative.
    rank_by : str
        Deprivation (e.g. the status index; higher = more deprived).
    by : str, optional
        Class column (e.g. the status class of the social index).
    population : str, optional
        Weights (e.g. residents of the age band); default 1 per area.

    Returns
    -------
    Equity

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"quote": [90.0, 70.0, 50.0, 30.0], "index": [-1.0, 0.0, 1.0, 2.0],
    ...                    "klasse": ["hoch", "mittel", "niedrig", "niedrig"]})
    >>> eq = service_equity(df, "quote", "index", by="klasse")
    >>> round(eq.concentration, 3)
    -0.208
    >>> eq.by_class["mean"].tolist()
    [90.0, 70.0, 40.0]
    """
    where = "service_equity"
    check_frame(areas, arg="areas", where=where)
    cols = [column, rank_by, *[c for c in (population,) if c is not None]]
    check_columns(areas, cols, where=where, arg="areas")
    if by is not None:
        check_columns(areas, [by], where=where, arg="areas", numeric=False)
    y = pd.to_numeric(areas[column], errors="coerce")
    r = pd.to_numeric(areas[rank_by], errors="coerce")
    w = (
        pd.Series(1.0, index=areas.index)
        if population is None
        else pd.to_numeric(areas[population], errors="coerce")
    )
    ok = y.notna() & r.notna() & w.notna() & (w > 0)
    if (y[ok] < 0).any():
        raise fail(where, f"`{column}` has negative values", "pass a non-negative measure")
    if ok.sum() < 2:
        raise fail(where, "fewer than 2 areas have values", "pass more areas")
    excluded = areas.index[~ok]
    ci = concentration_index(y[ok].to_numpy(), r[ok].to_numpy(), w[ok].to_numpy())
    order = np.argsort(r[ok].to_numpy(), kind="stable")
    wy = (y[ok] * w[ok]).to_numpy()[order]
    ww = w[ok].to_numpy()[order]
    curve = pd.DataFrame(
        {
            "population_share": np.r_[0.0, np.cumsum(ww) / ww.sum()],
            "supply_share": np.r_[0.0, np.cumsum(wy) / wy.sum()],
        }
    )
    table = None
    if by is not None:
        g = areas.loc[ok, by]
        mean_city = float((y[ok] * w[ok]).sum() / w[ok].sum())
        table = pd.DataFrame(
            {
                "areas": y[ok].groupby(g).size(),
                "population": w[ok].groupby(g).sum(),
                "mean": (y[ok] * w[ok]).groupby(g).sum() / w[ok].groupby(g).sum(),
            }
        )
        table["ratio_to_city"] = table["mean"] / mean_city
    return Equity(
        column=str(column),
        rank_by=str(rank_by),
        by_class=table,
        concentration=ci,
        curve=curve,
        excluded=excluded,
    )


def need_supply(
    areas: pd.DataFrame,
    need: Hashable,
    supply: Hashable,
    *,
    top: int | None = None,
) -> pd.DataFrame:
    r"""Rank areas by need minus supply: where is need high and supply low.

    Both measures are standardised over the areas (:math:`z = (x - \bar x) / s`,
    ``ddof=0``); the score is :math:`z_{need} - z_{supply}`, highest first. Areas with
    need above and supply below the median are flagged ``hoher Bedarf, geringe
    Versorgung``. Areas with a missing value are kept at the end with flag ``ohne
    Wert``.

    Parameters
    ----------
    areas : DataFrame
        One row per area.
    need : str
        Need measure (e.g. child poverty rate or the status index; higher = more need).
    supply : str
        Supply measure (e.g. the supply ratio by residence; higher = better supplied).
    top : int, optional
        Return only the first ``top`` rows.

    Returns
    -------
    DataFrame
        Columns ``need``, ``supply``, ``z_need``, ``z_supply``, ``score``, ``rank``,
        ``flag``; sorted by ``score`` descending.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"armut": [40.0, 10.0, 20.0], "quote": [30.0, 80.0, 60.0]},
    ...                   index=["A", "B", "C"])
    >>> need_supply(df, "armut", "quote")[["score", "rank", "flag"]]
       score  rank                              flag
    A  2.634     1  hoher Bedarf, geringe Versorgung
    C -0.429     2
    B -2.205     3
    """
    where = "need_supply"
    check_frame(areas, arg="areas", where=where)
    check_columns(areas, [need, supply], where=where, arg="areas")
    check_no_inf(areas, [need, supply], arg="areas", where=where)
    n = pd.to_numeric(areas[need], errors="coerce").astype(float)
    s = pd.to_numeric(areas[supply], errors="coerce").astype(float)
    ok = n.notna() & s.notna()
    if ok.sum() < 2:
        raise fail(where, "fewer than 2 areas have both values", "pass more areas")

    def z(x: pd.Series) -> pd.Series:
        sd = x[ok].std(ddof=0)
        if not sd > 0:
            raise fail(where, f"`{x.name}` is constant", "pass a measure that varies")
        return (x - x[ok].mean()) / sd

    n.name, s.name = str(need), str(supply)
    out = pd.DataFrame({"need": n, "supply": s, "z_need": z(n), "z_supply": z(s)})
    out["score"] = (out["z_need"] - out["z_supply"]).round(3)
    out = out.sort_values("score", ascending=False, na_position="last")
    out["rank"] = pd.array(np.where(out["score"].notna(), np.arange(1, len(out) + 1), -1))
    out["rank"] = out["rank"].where(out["score"].notna(), pd.NA).astype("Int64")
    hot = (out["need"] > n[ok].median()) & (out["supply"] < s[ok].median())
    out["flag"] = np.where(out["score"].isna(), "ohne Wert", "")
    out.loc[hot & out["score"].notna(), "flag"] = "hoher Bedarf, geringe Versorgung"
    return out.head(top) if top is not None else out
