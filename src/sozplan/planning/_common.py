"""Helpers shared by the planning submodules (not public)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

from sozplan._core.html import block
from sozplan._core.population import column_or_series
from sozplan.checks import fail, format_values
from sozplan.errors import InputError

__all__: list[str] = []

#: Cost columns of the Musterstadt cost table (own budget, funding programmes, third parties).
COST_COLUMNS: tuple[str, ...] = ("eigenmittel", "foerdermittel", "drittmittel")


def resolve_id_column(id_column: Any, areas: Any, where: str) -> str:
    """Return the column of the area ids in a long planning table.

    ``id_column`` if given, else the name of the index of ``areas`` (area ids are the
    index everywhere in sozplan, so the long tables name their id column after it).
    """
    if id_column is not None:
        return str(id_column)
    index = areas if isinstance(areas, pd.Index) else getattr(areas, "index", None)
    name = index.names[0] if isinstance(index, pd.Index) else None
    if name is None:
        raise fail(
            where,
            "no `id_column` given and no named area index to take it from",
            "pass id_column='<column of the area ids>', or `areas` indexed by the ids "
            "with the index named after that column",
        )
    return str(name)


def html_block(
    title: str,
    table: pd.DataFrame | None = None,
    notes: Iterable[str] = (),
    *,
    max_rows: int = 20,
    float_format: str = "{:,.2f}",
) -> str:
    """Render a titled HTML block (planning's money format, two decimals)."""
    return block(title, table, notes, max_rows=max_rows, float_format=float_format)


def raise_problems(where: str, problems: list[tuple[str, str]]) -> None:
    """Raise one InputError listing every problem found (``(what, fix)`` pairs)."""
    if not problems:
        return
    if len(problems) == 1:
        raise fail(where, *problems[0])
    lines = "; ".join(
        f"({i}) {what} [fix: {fix.rstrip('.')}]" for i, (what, fix) in enumerate(problems, 1)
    )
    raise InputError(f"{where}: {len(problems)} problems: {lines}.")


def area_ids(areas: Any, *, arg: str = "areas", where: str = "") -> pd.Index:
    """Return the known area ids of a frame (index, first level if long), Series or list."""
    if areas is None:
        return None
    if isinstance(areas, pd.DataFrame | pd.Series):
        idx = areas.index
        if isinstance(idx, pd.MultiIndex):
            idx = idx.get_level_values(0)
        idx = pd.Index(idx.unique())
    elif isinstance(areas, pd.Index):
        idx = areas.unique()
    elif isinstance(areas, Iterable) and not isinstance(areas, str):
        idx = pd.Index(list(dict.fromkeys(areas)))
    else:
        raise fail(
            where,
            f"`{arg}` is a {type(areas).__name__}",
            "pass the area table (ids as index) or a list of area ids",
        )
    if len(idx) == 0:
        raise fail(where, f"`{arg}` holds no area ids", "pass at least one area")
    return pd.Index(idx.astype(str) if idx.dtype == object else idx)


@overload
def as_values(
    df: pd.DataFrame,
    value: Any,
    *,
    arg: str,
    where: str,
    allow_none: Literal[False],
    scalar_ok: bool = True,
) -> np.ndarray: ...


@overload
def as_values(
    df: pd.DataFrame,
    value: Any,
    *,
    arg: str,
    where: str,
    allow_none: bool = True,
    scalar_ok: bool = True,
) -> np.ndarray | None: ...


def as_values(
    df: pd.DataFrame,
    value: Any,
    *,
    arg: str,
    where: str,
    allow_none: bool = True,
    scalar_ok: bool = True,
) -> np.ndarray | None:
    """Resolve a column name, Series (by index), scalar or None to floats on ``df``'s rows."""
    if value is None:
        if allow_none:
            return None
        raise fail(
            where, f"`{arg}` is missing", f"pass a column name of `df` or a Series for `{arg}`"
        )
    if isinstance(value, pd.Series):
        aligned = column_or_series(df, value, where=where, arg=arg, what=f"the values of `{arg}`")
        out = pd.to_numeric(aligned, errors="coerce")
        return out.to_numpy(dtype=float, na_value=np.nan)
    if (
        isinstance(value, Hashable)
        and not isinstance(value, int | float | np.number)
        and value in df.columns
    ):
        col = df[value]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
            raise fail(
                where,
                f"column {value!r} (`{arg}`) is not numeric ({col.dtype})",
                "convert it with pd.to_numeric",
            )
        return col.to_numpy(dtype=float, na_value=np.nan)
    if scalar_ok and isinstance(value, int | float | np.number) and not isinstance(value, bool):
        return np.full(len(df), float(value))
    if isinstance(value, str):
        import difflib

        close = difflib.get_close_matches(value, [str(c) for c in df.columns], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise fail(
            where,
            f"`{arg}` names no column of `df`: {value!r}{hint}",
            "pass an existing column name, a Series on the area ids"
            + (" or a number" if scalar_ok else ""),
        )
    raise fail(
        where,
        f"`{arg}` is a {type(value).__name__}",
        "pass a column name, a Series on the area ids" + (" or a number" if scalar_ok else ""),
    )


def check_finite(values: np.ndarray, index: pd.Index, *, arg: str, where: str) -> None:
    """Raise if any value is NaN or infinite, naming a few areas."""
    bad = ~np.isfinite(values)
    if bad.any():
        raise fail(
            where,
            f"`{arg}` has {int(bad.sum())} missing or infinite value(s), at "
            f"{format_values(index[bad])}",
            "fill or exclude these areas explicitly before calling (nothing is dropped silently)",
        )


def check_probability(
    value: Any, *, arg: str, where: str, open_left: bool = False, open_right: bool = False
) -> float:
    """Check a number in [0, 1] (optionally open on a side)."""
    ok = (
        isinstance(value, int | float | np.number)
        and not isinstance(value, bool)
        and np.isfinite(value)
    )
    if ok:
        v = float(value)
        ok = (v > 0 if open_left else v >= 0) and (v < 1 if open_right else v <= 1)
    if not ok:
        lo = "(0" if open_left else "[0"
        hi = "1)" if open_right else "1]"
        raise fail(where, f"`{arg}` is {value!r}", f"pass a number in {lo}, {hi}")
    return float(value)


def key_labels(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """'M01/060306/2022'-style labels of rows, for error messages."""
    return ["/".join(str(v) for v in row) for row in frame[columns].itertuples(index=False)]
