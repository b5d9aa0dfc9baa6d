"""The residents of the areas, given as a column name or a Series (one resolver).

Every function that weights or normalises by residents takes ``population=``: the
name of a column of the table, or a Series indexed by area id (aligned by id, never
by position). This module turns that into one float per row of the table and
refuses what cannot be residents.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from sozplan.checks import check_columns, check_unique_index, fail, format_values

__all__ = ["column_or_series", "population_values"]


def column_or_series(
    df: pd.DataFrame, value: Any, *, where: str, arg: str, what: str, numeric: bool = True
) -> pd.Series:
    """Resolve a column name of ``df`` or a Series aligned with ``df`` by id (not position).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"ew": [10, 30]}, index=["a", "b"])
    >>> column_or_series(df, pd.Series({"b": 3, "a": 1}), where="f", arg="x", what="x").tolist()
    [1, 3]
    """
    if isinstance(value, pd.Series):
        missing = df.index.difference(value.index)
        if len(missing):
            raise fail(
                where,
                f"`{arg}` (a Series) has no value for the area(s) {format_values(missing)}",
                f"pass a Series with {what} for every area (indexed by area id), or a column name",
            )
        if not value.index.is_unique:
            check_unique_index(value.to_frame(), arg=arg, where=where)
        return value.reindex(df.index)
    if isinstance(value, Hashable) and not isinstance(value, bool) and value in df.columns:
        if numeric:
            check_columns(df, [value], where=where)
        return df[value]
    if isinstance(value, str):
        check_columns(df, [value], where=where)  # names the close matches
    raise fail(
        where,
        f"`{arg}` is {value!r}, neither a column of the table nor a Series",
        f"pass the name of the column with {what} or a Series indexed like the table",
    )


def population_values(
    df: pd.DataFrame,
    population: Any,
    *,
    where: str,
    arg: str = "population",
    positive_total: bool = True,
) -> np.ndarray | None:
    """Residents per row of ``df`` from a column name or a Series (``None`` stays ``None``).

    Parameters
    ----------
    df : DataFrame
        The areas (ids as index).
    population : str, Series or None
        A numeric column of ``df``, or a Series with a value for every id of ``df``
        (extra ids are ignored, order does not matter).
    where : str
        The function the user called, for messages.
    arg : str, default "population"
        The argument's name, for messages.
    positive_total : bool, default True
        Also refuse residents that sum to zero.

    Returns
    -------
    ndarray or None
        Finite, non-negative floats in the order of ``df.index``.

    Raises
    ------
    sozplan.errors.InputError
        For an unknown or non-numeric column, a Series lacking ids or with duplicate
        ids, missing, infinite or negative values, or (``positive_total``) a zero sum.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"ew": [10, 30]}, index=["a", "b"])
    >>> population_values(df, pd.Series({"b": 3, "a": 1}), where="f").tolist()
    [1.0, 3.0]
    >>> population_values(df, "ew", where="f").tolist()
    [10.0, 30.0]
    >>> population_values(df, "eww", where="f")
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: f: ...
    """
    if population is None:
        return None
    if isinstance(population, bool) or not isinstance(population, pd.Series | Hashable):
        raise fail(
            where,
            f"`{arg}` is a {type(population).__name__}",
            "pass the name of the residents column or a Series indexed by area id",
        )
    values = column_or_series(df, population, where=where, arg=arg, what="the residents")
    p = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(p) | (p < 0)
    if bad.any():
        raise fail(
            where,
            f"`{arg}` has missing, infinite or negative values at ids "
            f"{format_values(df.index[bad])}",
            "pass non-negative counts of residents (fill or exclude these areas explicitly)",
        )
    if positive_total and p.sum() <= 0:
        raise fail(where, f"`{arg}` sums to zero", "pass the residents of the areas")
    return p
