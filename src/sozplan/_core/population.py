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

__all__ = ["population_values"]


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
    if isinstance(population, pd.Series):
        missing = df.index.difference(population.index)
        if len(missing):
            raise fail(
                where,
                f"`{arg}` (a Series) has no value for the area(s) {format_values(missing)}",
                "pass a Series with the residents of every area (indexed by area id), "
                "or a column name",
            )
        if not population.index.is_unique:
            check_unique_index(population.to_frame(), arg=arg, where=where)
        values = pd.to_numeric(population.reindex(df.index), errors="coerce")
        p = values.to_numpy(dtype=float, na_value=np.nan)
    elif isinstance(population, Hashable) and not isinstance(population, bool):
        check_columns(df, [population], arg="df", where=where)
        p = df[population].to_numpy(dtype=float, na_value=np.nan)
    else:
        raise fail(
            where,
            f"`{arg}` is a {type(population).__name__}",
            "pass the name of the residents column or a Series indexed by area id",
        )
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
