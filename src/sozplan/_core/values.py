"""Indicator values for configuration analyses: columns of the frame or catalogue keys."""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sozplan.checks import (
    as_column_list,
    check_columns,
    check_frame,
    check_unique_index,
    fail,
    format_values,
)
from sozplan.errors import SozplanWarning
from sozplan.indicators import load_catalog, rates

__all__ = [
    "indicator_bases",
    "indicator_labels",
    "indicator_values",
]


def _catalogue() -> dict:
    return load_catalog()


def _catalogue_rates(df: pd.DataFrame, keys: list) -> Any:
    """Catalogue indicators from counts; undefined values (NaN) are judged by the caller."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SozplanWarning)
        return rates(df, keys, min_population=None, min_denominator=None)


def indicator_values(
    df: pd.DataFrame,
    columns: Hashable | Sequence[Hashable],
    *,
    where: str,
    arg: str = "df",
    allow_nan: bool = False,
) -> pd.DataFrame:
    """Return the values of ``columns``: existing numeric columns, else catalogue indicators.

    A name that is not a column of ``df`` but a key of the shipped indicator catalogue
    (e.g. ``"sgb2_quote"``) is computed from the counts with
    :func:`sozplan.indicators.rates` (rates are never averaged).
    """
    check_frame(df, arg=arg, where=where)
    check_unique_index(df, arg=arg, where=where)
    cols = as_column_list(columns)
    if not cols:
        raise fail(where, "`columns` is empty", "name at least one indicator column")
    present = [c for c in cols if c in df.columns]
    missing = [c for c in cols if c not in df.columns]
    catalogue = _catalogue() if missing else {}
    unknown = [c for c in missing if c not in catalogue]
    if unknown:
        check_columns(df, unknown, arg=arg, where=where)  # raises with a close-match hint
    check_columns(df, present, arg=arg, where=where)
    out = pd.DataFrame(index=df.index)
    for c in present:
        out[c] = df[c].to_numpy(dtype=float, na_value=np.nan)
    if missing:
        computed = _catalogue_rates(df, missing).value
        for c in missing:
            out[c] = computed[c].to_numpy(dtype=float)
    out = out[cols]
    out.columns.name = None
    if not allow_nan:
        vals = out.to_numpy(dtype=float)
        bad_rows = ~np.isfinite(vals).all(axis=1)
        if bad_rows.any():
            bad_cols = [
                c for c, b in zip(cols, (~np.isfinite(vals)).any(axis=0), strict=True) if b
            ]
            computed_note = (
                " (indicators computed from counts are undefined where the denominator is 0, "
                "e.g. blocks without residents)"
                if any(c in missing for c in bad_cols)
                else ""
            )
            raise fail(
                where,
                f"the attributes {format_values(bad_cols)} are missing or infinite in "
                f"{int(bad_rows.sum())} area(s): {format_values(df.index[bad_rows])}"
                f"{computed_note}",
                "impute or drop these areas explicitly before calling (nothing is dropped "
                "silently), or aggregate them into larger areas first",
            )
    return out


def indicator_bases(df: pd.DataFrame, columns: Sequence[Hashable]) -> pd.DataFrame:
    """Denominator counts of the catalogue indicators among ``columns`` (NaN for plain columns).

    Weighting a block value by its denominator makes weighted means equal to the
    indicator recomputed from summed counts (rates are never averaged).
    """
    out = pd.DataFrame(np.nan, index=df.index, columns=list(columns))
    keys = [c for c in columns if c not in df.columns]
    if keys:
        den = _catalogue_rates(df, keys).denominator
        for c in keys:
            out[c] = den[c].to_numpy(dtype=float)
    return out


def indicator_labels(
    columns: Sequence[Hashable], labels: Mapping | None = None, language: str = "de"
) -> dict:
    """Readable labels: explicit ``labels`` first, then the catalogue, else the name."""
    cat = _catalogue()
    out = {}
    for c in columns:
        if labels is not None and c in labels:
            out[c] = str(labels[c])
        elif c in cat:
            out[c] = cat[c].label(language)
        else:
            out[c] = str(c)
    return out
