"""Shared pieces of the projection module: reading stocks by (area, year), reconciliation."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from sozplan.checks import fail, format_values, is_whole
from sozplan.projection._bands import AgeBands, _stock_values

__all__: list[str] = []


def stocks_by_year(
    df: pd.DataFrame, bands: AgeBands, years: list[int], year: Hashable, where: str
) -> tuple[pd.Index, dict[int, np.ndarray]]:
    """Band stocks per year as arrays on one common area index (that of the first year)."""
    values = _stock_values(df, bands, where)
    if not isinstance(df.index, pd.MultiIndex) or year not in df.index.names:
        raise fail(
            where,
            f"`df` is not indexed by (area, {year!r})",
            f"pass a long table indexed by area and year, e.g. df.set_index(['gebiet', {year!r}]), "
            "or name the year level with `year=`",
        )
    frame = pd.DataFrame(values, index=df.index, columns=list(bands.columns))
    if not frame.index.is_unique:
        dup = frame.index[frame.index.duplicated()]
        raise fail(
            where,
            f"`df` has duplicated (area, year) rows: {format_values(dup)}",
            "keep one row per area and year",
        )
    have = set(frame.index.get_level_values(year))
    missing = [y for y in years if y not in have]
    if missing:
        raise fail(
            where,
            f"`df` has no rows for the year(s) {format_values(missing)} (it has {format_values(sorted(have))})",
            "pass stocks for every year the method needs",
        )
    out: dict[int, np.ndarray] = {}
    areas: pd.Index | None = None
    for y in years:
        part = frame.xs(y, level=year)
        if areas is None:
            areas = part.index
        elif not part.index.equals(areas):
            gone = areas.difference(part.index)
            new = part.index.difference(areas)
            if len(gone) or len(new):
                raise fail(
                    where,
                    f"the areas differ between {years[0]} and {y}: missing {format_values(gone) or 'none'}, "
                    f"new {format_values(new) or 'none'}",
                    "project on areas that exist in every year (harmonise boundary changes first)",
                )
            part = part.reindex(areas)
        out[y] = part.to_numpy()
    assert areas is not None
    return areas, out


def reconcile(values: np.ndarray, control: np.ndarray | float) -> np.ndarray:
    """Scale ``values`` (n, k) proportionally so that column sums equal ``control`` exactly.

    ``control`` is one total per column (or one overall total). A column that sums to zero
    with a positive control cannot be scaled and raises.
    """
    if np.ndim(control) == 0:
        total = values.sum()
        if total <= 0:
            raise fail(
                "reconcile",
                "the projection sums to zero",
                "a zero total cannot be scaled to a control",
            )
        return values * (float(control) / total)
    sums = values.sum(axis=0)
    control = np.asarray(control, dtype=float)
    bad = (sums <= 0) & (control > 0)
    if bad.any():
        raise fail(
            "reconcile",
            f"{bad.sum()} band(s) sum to zero but their control is positive",
            "use a control by total only, or bands with people in them",
        )
    factor = np.divide(control, sums, out=np.zeros_like(sums), where=sums > 0)
    return values * factor


def require_bands(
    labels: Any, bands: AgeBands, *, arg: str, where: str, what: str = "band column(s)"
) -> None:
    """Raise unless ``labels`` (columns or index) hold every band of ``bands``."""
    missing = [c for c in bands.columns if c not in labels]
    if missing:
        raise fail(
            where,
            f"`{arg}` lacks the {what} {format_values(missing)}",
            "give one value (column) per band",
        )


def check_year(value: Any, *, arg: str, where: str) -> int:
    """Return a calendar year given as a whole number (not a float, text or bool)."""
    if not is_whole(value):
        raise fail(
            where,
            f"`{arg}` is {value!r} (a {type(value).__name__})",
            f"pass the year as a whole number, e.g. {arg}=2024",
        )
    return int(value)


def control_target(control, y: int, bands: AgeBands, where: str) -> np.ndarray | float:
    """Return the control of year ``y``: a total (Series by year) or one value per band."""
    if not isinstance(control, pd.Series | pd.DataFrame):
        raise fail(
            where,
            f"`control` is a {type(control).__name__}",
            "pass the city's projected residents as a Series by year, or a DataFrame year x band",
        )
    if y not in control.index:
        raise fail(
            where, f"`control` has no value for {y}", "give a control for every projected year"
        )
    if isinstance(control, pd.DataFrame):
        require_bands(control.columns, bands, arg="control", where=where)
        raw = control.loc[[y], list(bands.columns)].to_numpy().ravel()
    else:
        raw = control.loc[[y]].to_numpy()
    values = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy(dtype=float)
    if len(values) != (len(bands.columns) if isinstance(control, pd.DataFrame) else 1) or not (
        np.isfinite(values).all() and (values >= 0).all()
    ):
        raise fail(
            where,
            f"`control` for {y} is {format_values(raw)}: not one finite, non-negative count"
            + (" per band" if isinstance(control, pd.DataFrame) else ""),
            "pass the projected residents of the city, one row per year",
        )
    return values if isinstance(control, pd.DataFrame) else float(values[0])
