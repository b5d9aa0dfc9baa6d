"""Shared input checks used by every sozplan module.

Each check either returns quietly (sometimes with a cleaned value) or raises
:class:`~sozplan.errors.InputError` with a message of three parts: *where* (the
function and argument), *what* was wrong (with a few offending ids or values) and
the *fix*. Modules call these checks instead of writing their own, so that the
same mistake is reported the same way everywhere.

Examples
--------
>>> import pandas as pd
>>> from sozplan.checks import check_columns
>>> df = pd.DataFrame({"einwohner": [10, 20]}, index=["01", "02"])
>>> check_columns(df, ["einwohnr"], where="rates")
Traceback (most recent call last):
...
sozplan.errors.InputError: rates: `df` has no column 'einwohnr' (did you mean 'einwohner'?). \
Fix: pass the name of an existing column; available: 'einwohner'.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Hashable, Iterable, MutableMapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sozplan.errors import InputError, register_public

__all__ = [
    "as_column_list",
    "as_list",
    "check_aligned_index",
    "check_alpha",
    "check_array",
    "check_columns",
    "check_counts",
    "check_draws",
    "check_frame",
    "check_geometry_ids",
    "check_no_inf",
    "check_no_nan",
    "check_numerator_denominator",
    "check_projected_crs",
    "check_rng",
    "check_unique_index",
    "count_block",
    "fail",
    "format_values",
    "is_whole",
    "public_functions",
]

#: How many offending ids or values an error message shows.
MAX_SHOWN = 5


def format_values(values: Iterable[Any], limit: int = MAX_SHOWN) -> str:
    """Format a few values for an error message, with a count of the rest.

    Parameters
    ----------
    values : iterable
        The offending ids or values.
    limit : int, default 5
        How many to show.

    Returns
    -------
    str
        e.g. ``"'01', '02' and 3 more"``.

    Examples
    --------
    >>> format_values(["a", "b", "c", "d", "e", "f", "g"])
    "'a', 'b', 'c', 'd', 'e' and 2 more"
    """
    # the first values only: converting a million ids to show five costs seconds
    if isinstance(values, pd.Series):
        total, head = len(values), list(values.iloc[:limit])
    elif isinstance(values, (list, tuple, range, np.ndarray, pd.Index)):
        total, head = len(values), list(values[:limit])
    else:
        head = list(values)
        total = len(head)
    shown = ", ".join(repr(v.item() if isinstance(v, np.generic) else v) for v in head[:limit])
    rest = total - limit
    return f"{shown} and {rest} more" if rest > 0 else shown


def _fmt_numbers(values: np.ndarray) -> str:
    """Format numbers compactly (``-3`` rather than ``-3.0``)."""
    shown = ", ".join(f"{v:g}" for v in values[:MAX_SHOWN])
    rest = len(values) - MAX_SHOWN
    return f"{shown} and {rest} more" if rest > 0 else shown


def fail(where: str, what: str, fix: str) -> InputError:
    """Build an :class:`InputError` from its three parts (raise the result).

    Parameters
    ----------
    where : str
        Function name, e.g. ``"rates"``.
    what : str
        What was wrong, naming the argument in backticks.
    fix : str
        What the user should do instead.

    Returns
    -------
    InputError

    Examples
    --------
    >>> str(fail("moran", "`column` is constant", "choose a column that varies"))
    'moran: `column` is constant. Fix: choose a column that varies.'
    """
    prefix = f"{where}: " if where else ""
    if what.endswith(".") and not what.endswith(".."):  # e.g. a quoted library message
        what = what[:-1]
    return InputError(f"{prefix}{what}. Fix: {fix.rstrip('.')}.")


def as_list(value: Any) -> list:
    """Return one name or id, or an iterable of them, as a list.

    A string is one name, not its letters.

    Examples
    --------
    >>> as_list("M1")
    ['M1']
    >>> as_list(("M1", "M2"))
    ['M1', 'M2']
    """
    if isinstance(value, str) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def as_column_list(columns: Hashable | Sequence[Hashable], *, arg: str = "columns") -> list:
    """Return ``columns`` as a list (a single name becomes a one-element list).

    Examples
    --------
    >>> as_column_list("einwohner")
    ['einwohner']
    >>> as_column_list(["a", "b"])
    ['a', 'b']
    """
    out = as_list(columns)
    if len(out) != len(set(out)):
        dup = [c for c in dict.fromkeys(out) if out.count(c) > 1]
        raise fail(
            "", f"`{arg}` names {format_values(dup)} more than once", "name each column once"
        )
    return out


def check_frame(
    df: Any, *, arg: str = "df", where: str = "", allow_empty: bool = False, row: str = "area"
) -> None:
    """Check that ``df`` is a non-empty DataFrame; ``row`` names what one row holds.

    Examples
    --------
    >>> check_frame([1, 2], where="rates")
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: rates: `df` is a list, not a pandas DataFrame. \
Fix: pass a DataFrame (or GeoDataFrame) with one row per area.
    """
    if not isinstance(df, pd.DataFrame):
        raise fail(
            where,
            f"`{arg}` is a {type(df).__name__}, not a pandas DataFrame",
            f"pass a DataFrame (or GeoDataFrame) with one row per {row}",
        )
    if not allow_empty and len(df) == 0:
        raise fail(where, f"`{arg}` has no rows", f"pass a table with at least one {row}")


def check_columns(
    df: pd.DataFrame,
    columns: Hashable | Sequence[Hashable],
    *,
    arg: str = "df",
    where: str = "",
    numeric: bool = True,
) -> list:
    """Check that ``columns`` exist in ``df`` (and are numeric, unless told otherwise).

    Parameters
    ----------
    df : DataFrame
    columns : str or sequence of str
    arg : str
        Name of the frame argument, for the message.
    where : str
        Name of the calling function, for the message.
    numeric : bool, default True
        Also require a numeric (or boolean) dtype.

    Returns
    -------
    list
        The columns as a list.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"einwohner": [10, 20], "name": ["Nord", "Süd"]})
    >>> check_columns(df, "einwohner")
    ['einwohner']
    >>> check_columns(df, ["name"], where="rates")
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: rates: column(s) 'name' (...) of `df` are not numeric. Fix: ...
    """
    check_frame(df, arg=arg, where=where, allow_empty=True)
    cols = as_column_list(columns)
    available = [str(c) for c in df.columns]
    for col in cols:
        if col not in df.columns:
            close = difflib.get_close_matches(str(col), available, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise fail(
                where,
                f"`{arg}` has no column {col!r}{hint}",
                f"pass the name of an existing column; available: {format_values(available, 12)}",
            )
    if numeric:
        bad = [
            c
            for c in cols
            if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]))
        ]
        if bad:
            dtypes = ", ".join(f"{c!r} ({df[c].dtype})" for c in bad[:MAX_SHOWN])
            raise fail(
                where,
                f"column(s) {dtypes} of `{arg}` are not numeric",
                "convert them, e.g. with sozplan.io.read_statistik for German number formats "
                "or pd.to_numeric",
            )
    return cols


def check_unique_index(df: pd.DataFrame | pd.Series, *, arg: str = "df", where: str = "") -> None:
    """Check that the area ids (the index) are unique.

    Examples
    --------
    >>> import pandas as pd
    >>> check_unique_index(pd.DataFrame({"x": [1, 2]}, index=["01", "01"]), where="rates")
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: rates: the index of `df` (the area ids) has duplicates: '01'. \
Fix: inspect them with df[df.index.duplicated(keep=False)], then drop repeated deliveries or correct the ids \
(sozplan.validation.validate lists them).
    """
    if not df.index.is_unique:
        dup = df.index[df.index.duplicated()].unique()
        raise fail(
            where,
            f"the index of `{arg}` (the area ids) has duplicates: {format_values(dup)}",
            "inspect them with df[df.index.duplicated(keep=False)], then drop repeated deliveries "
            "or correct the ids (sozplan.validation.validate lists them)",
        )


def _as_float(series: pd.Series) -> np.ndarray:
    """Return a column as floats, with anything that is not a number as NaN."""
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iuf":
        return series.to_numpy(dtype=float)  # plain numpy numbers: no parsing needed
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def check_no_nan(
    df: pd.DataFrame, columns: Sequence[Hashable], *, arg: str = "df", where: str = ""
) -> None:
    """Check that ``columns`` hold no missing or infinite values.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> df = pd.DataFrame({"quote": [4.2, np.nan]}, index=["01", "02"])
    >>> check_no_nan(df, ["quote"], where="moran")
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: moran: column 'quote' of `df` has 1 missing or infinite value(s), at ids '02'. Fix: ...
    """
    for col in columns:
        series = df[col]
        if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iub":
            continue  # numpy integers and booleans cannot be missing
        values = _as_float(series)
        bad = ~np.isfinite(values)
        if bad.any():
            raise fail(
                where,
                f"column {col!r} of `{arg}` has {int(bad.sum())} missing or infinite value(s), "
                f"at ids {format_values(df.index[bad])}",
                "impute or drop these areas explicitly before calling (nothing is dropped silently)",
            )


def check_no_inf(
    df: pd.DataFrame, columns: Sequence[Hashable], *, arg: str = "df", where: str = ""
) -> None:
    """Check that ``columns`` hold no infinite values (missing values are allowed).

    For functions that handle gaps themselves (imputation, rates with suppressed
    cells) but must not treat ``inf`` (a division by zero upstream) as a number.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> df = pd.DataFrame({"quote": [4.2, np.nan, np.inf]}, index=["01", "02", "03"])
    >>> check_no_inf(df, ["quote"], where="impute")
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: impute: column 'quote' of `df` has 1 infinite value(s), at ids '03'. Fix: ...
    """
    for col in columns:
        series = df[col]
        if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iub":
            continue
        bad = np.isinf(_as_float(series))
        if bad.any():
            raise fail(
                where,
                f"column {col!r} of `{arg}` has {int(bad.sum())} infinite value(s), at ids "
                f"{format_values(df.index[bad])}",
                "an infinite value usually comes from a division by zero upstream; correct it "
                "or set it to NaN explicitly",
            )


def check_counts(
    df: pd.DataFrame,
    columns: Sequence[Hashable],
    *,
    arg: str = "df",
    where: str = "",
    integer: bool = False,
    allow_nan: bool = False,
) -> None:
    """Check that count columns are numeric, non-negative (and whole numbers if ``integer``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"einwohner": [10, -3]}, index=["01", "02"])
    >>> check_counts(df, ["einwohner"], where="dissimilarity")
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: dissimilarity: column 'einwohner' of `df` has 1 negative count(s), \
at ids '02' (values -3). Fix: counts cannot be negative; correct the data.
    """
    count_block(df, columns, arg=arg, where=where, integer=integer, allow_nan=allow_nan)


def count_block(
    df: pd.DataFrame,
    columns: Sequence[Hashable],
    *,
    arg: str = "df",
    where: str = "",
    integer: bool = False,
    allow_nan: bool = False,
) -> np.ndarray:
    """Check count columns as :func:`check_counts` does and return them as floats (n x k).

    The columns are converted once and tested together; only when something is wrong
    are they gone through one by one, to name the column, the ids and the values.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2], "b": [3.0, 0.0]})
    >>> count_block(df, ["a", "b"])
    array([[1., 3.],
           [2., 0.]])
    """
    cols = check_columns(df, columns, arg=arg, where=where)
    kinds = {d.kind if isinstance(d, np.dtype) else "?" for d in df.dtypes[cols]}
    if df.columns.is_unique and kinds <= set("iuf"):
        block = df[cols].to_numpy(dtype=float)  # plain numpy numbers: no parsing needed
    else:
        block = np.column_stack([_as_float(df[c]) for c in cols]).reshape(len(df), len(cols))
    if df.columns.is_unique and kinds <= set("iu"):  # integers: finite and whole
        finite = whole = np.ones_like(block, dtype=bool)
        if not (block < 0).any():
            return block
    else:
        finite = np.isfinite(block)
        whole = block == np.round(block)
    if not finite.all():
        if allow_nan:
            check_no_inf(df, cols, arg=arg, where=where)  # a gap may be missing, never infinite
        else:
            check_no_nan(df, cols, arg=arg, where=where)
    if (block < 0).any() or (integer and not (whole | ~finite).all()):
        for j, col in enumerate(cols):
            values = block[:, j]
            neg = values < 0
            if neg.any():
                raise fail(
                    where,
                    f"column {col!r} of `{arg}` has {int(neg.sum())} negative count(s), at ids "
                    f"{format_values(df.index[neg])} (values {_fmt_numbers(values[neg])})",
                    "counts cannot be negative; correct the data",
                )
            if integer:
                frac = finite[:, j] & ~whole[:, j]
                if frac.any():
                    raise fail(
                        where,
                        f"column {col!r} of `{arg}` has non-integer counts at ids "
                        f"{format_values(df.index[frac])} (values {_fmt_numbers(values[frac])})",
                        "pass whole numbers of persons; round estimates explicitly if that is "
                        "intended",
                    )
    return block


def check_numerator_denominator(
    df: pd.DataFrame,
    numerator: Hashable,
    denominator: Hashable,
    *,
    arg: str = "df",
    where: str = "",
) -> None:
    """Check that ``numerator <= denominator`` in every row (a share cannot exceed 100 %).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"g": [5, 12], "t": [10, 10]}, index=["01", "02"])
    >>> check_numerator_denominator(df, "g", "t", where="dissimilarity")
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: dissimilarity: 'g' exceeds 't' in 1 area(s): '02' (12 > 10). \
Fix: the group must be part of the total; check the columns or the data.
    """
    num = df[numerator].to_numpy(dtype=float, na_value=np.nan)
    den = df[denominator].to_numpy(dtype=float, na_value=np.nan)
    bad = num > den
    if bad.any():
        pairs = [
            f"{a:g} > {b:g}"
            for a, b in zip(num[bad][:MAX_SHOWN], den[bad][:MAX_SHOWN], strict=True)
        ]
        raise fail(
            where,
            f"{numerator!r} exceeds {denominator!r} in {int(bad.sum())} area(s): "
            f"{format_values(df.index[bad])} ({', '.join(pairs)})",
            "the group must be part of the total; check the columns or the data",
        )


def check_projected_crs(
    gdf: Any, *, arg: str = "gdf", where: str = "", purpose: str = "distances"
) -> None:
    """Check that a GeoDataFrame has a projected CRS (metres), needed for ``purpose``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame(geometry=[Point(13.4, 52.5)], crs="EPSG:4326")
    >>> check_projected_crs(g, where="build_graph")
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: build_graph: `gdf` has the geographic CRS EPSG:4326 (degrees), \
but distances need a projected CRS in metres. Fix: reproject first, e.g. gdf.to_crs(25832) \
(ETRS89 / UTM 32N) or gdf.to_crs(25833) for eastern Germany.
    """
    crs = getattr(gdf, "crs", None)
    if crs is None:
        raise fail(
            where,
            f"`{arg}` has no CRS, but {purpose} need a projected CRS in metres",
            "set it with gdf.set_crs(...) if you know it, then reproject, e.g. to EPSG:25832",
        )
    if not crs.is_projected:
        raise fail(
            where,
            f"`{arg}` has the geographic CRS {crs.to_string()} (degrees), but {purpose} need a "
            "projected CRS in metres",
            "reproject first, e.g. gdf.to_crs(25832) (ETRS89 / UTM 32N) or gdf.to_crs(25833) "
            "for eastern Germany",
        )


def check_aligned_index(
    index: pd.Index,
    other: Iterable[Hashable],
    *,
    arg: str = "df",
    other_arg: str = "graph",
    where: str = "",
    fix: str | None = None,
) -> None:
    """Check that two sets of area ids are the same (order may differ).

    ``fix`` replaces the default advice (build the graph from the same areas).

    Examples
    --------
    >>> import pandas as pd
    >>> check_aligned_index(pd.Index(["01", "02"]), ["01", "03"], where="moran")
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: moran: the ids of `df` and `graph` differ: 1 id(s) only in `df` \
('02'), 1 only in `graph` ('03'). Fix: build the graph from the same areas \
(sozplan.graph.build_graph(df)) or subset both to common ids.
    """
    other_index = pd.Index(list(other))
    only_self = index.difference(other_index)
    only_other = other_index.difference(index)
    if len(only_self) or len(only_other):
        parts = []
        if len(only_self):
            parts.append(f"{len(only_self)} id(s) only in `{arg}` ({format_values(only_self)})")
        if len(only_other):
            parts.append(f"{len(only_other)} only in `{other_arg}` ({format_values(only_other)})")
        raise fail(
            where,
            f"the ids of `{arg}` and `{other_arg}` differ: {', '.join(parts)}",
            fix
            or "build the graph from the same areas (sozplan.graph.build_graph(df)) or subset "
            "both to common ids",
        )


def check_geometry_ids(
    data: pd.DataFrame, geometry: Any, *, arg: str = "df", where: str = ""
) -> None:
    """Check that the ids of a data table and of a geometry layer match.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"x": [1, 2]}, index=["01", "02"])
    >>> check_geometry_ids(data, pd.DataFrame(index=["01", "03"]), where="validate")
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: validate: the ids of `df` and `geometry` differ: 1 id(s) only in `df` ('02'), ...
    """
    check_unique_index(geometry, arg="geometry", where=where)
    check_aligned_index(data.index, geometry.index, arg=arg, other_arg="geometry", where=where)


def check_rng(rng: Any, *, where: str = "") -> np.random.Generator:
    """Turn ``rng`` (None, int seed or Generator) into a ``numpy.random.Generator``.

    Legacy ``RandomState`` objects and global seeding are refused.

    Examples
    --------
    >>> bool(check_rng(42).integers(10) == check_rng(42).integers(10))
    True
    """
    if isinstance(rng, np.random.RandomState):
        raise fail(
            where,
            "`rng` is a legacy numpy RandomState",
            "pass numpy.random.default_rng(seed) or an integer seed",
        )
    try:
        return np.random.default_rng(rng)
    except (TypeError, ValueError) as exc:
        raise fail(
            where,
            f"`rng` cannot seed a random generator ({exc})",
            "pass an integer seed or a Generator",
        ) from exc


def check_array(
    values: Any,
    *,
    arg: str,
    where: str = "",
    ndim: int | None = 1,
    allow_nan: bool = False,
    non_negative: bool = False,
    allow_inf: bool = False,
) -> np.ndarray:
    """Return numbers (a list, Series, array or DataFrame) as a float array, or raise.

    The one check of functions that take numbers rather than a table of areas: refuses
    ``None``, text (a German decimal comma such as ``"12,5"`` included), infinite values
    (unless ``allow_inf``), missing values (unless ``allow_nan``), negative values (if
    ``non_negative``) and a wrong number of dimensions (unless ``ndim`` is None).

    Examples
    --------
    >>> check_array([1, 2.5], arg="values").tolist()
    [1.0, 2.5]
    >>> check_array([1, "12,5"], arg="count", where="poisson_ci")
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: poisson_ci: `count` holds text that is no number: '12,5'. \
Fix: convert it to numbers first (sozplan.io.read_statistik reads German decimal commas).
    """
    if values is None:
        raise fail(where, f"`{arg}` is None", "pass numbers (an array, a list or a Series)")
    try:
        out = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raw = np.asarray(values, dtype=object).ravel()
        text = [
            v for v in raw if not isinstance(v, int | float | np.number) or isinstance(v, bool)
        ]
        raise fail(
            where,
            f"`{arg}` holds text that is no number: {format_values(text)}",
            "convert it to numbers first (sozplan.io.read_statistik reads German decimal commas)",
        ) from None
    if ndim is not None and out.ndim != ndim:
        shape = "a table (rows x columns)" if ndim == 2 else "a sequence of numbers"
        raise fail(where, f"`{arg}` has {out.ndim} dimension(s), not {ndim}", f"pass {shape}")
    n_inf = 0 if allow_inf else int(np.isinf(out).sum())
    if n_inf:
        raise fail(
            where,
            f"`{arg}` has {n_inf} infinite value(s)",
            "an infinite value usually comes from a division by zero upstream; correct it",
        )
    n_nan = int(np.isnan(out).sum())
    if n_nan and not allow_nan:
        raise fail(
            where,
            f"`{arg}` has {n_nan} missing value(s)",
            "impute or drop them explicitly before calling (nothing is dropped silently)",
        )
    if non_negative and (out < 0).any():
        raise fail(
            where,
            f"`{arg}` has {int((out < 0).sum())} negative value(s): {format_values(out[out < 0])}",
            "counts cannot be negative; correct the data",
        )
    return out


def is_whole(value: Any) -> bool:
    """Tell whether ``value`` is a whole number (Python or numpy integer), not a bool.

    The one integer test behind counts such as ``horizon``, ``window``, ``n_classes``,
    ``sensitivity_steps``: ``True`` is a bool, not the number 1.

    Examples
    --------
    >>> is_whole(3), is_whole(True), is_whole(3.0)
    (True, False, False)
    """
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def check_draws(
    value: Any, *, arg: str, where: str = "", minimum: int = 1, example: int = 999
) -> int:
    """Check a count of random draws (permutations, bootstrap replicates, Monte-Carlo draws).

    The one check behind ``permutations``, ``n_bootstrap`` and ``n_draws`` everywhere:
    a whole number (a Python or numpy integer, not a bool, not a float such as ``1.5``
    or ``100.0``) of at least ``minimum``.

    Parameters
    ----------
    value : Any
        What the user passed.
    arg : str
        The argument's name, for the message (e.g. ``"permutations"``).
    where : str
        The function the user called.
    minimum : int, default 1
        The smallest count that makes sense (``0`` where zero skips the test,
        ``2`` where a spread needs at least two replicates).
    example : int, default 999
        A sensible value quoted in the fix.

    Returns
    -------
    int

    Examples
    --------
    >>> check_draws(99, arg="permutations")
    99
    >>> check_draws(1.5, arg="n_bootstrap", where="typology", minimum=2, example=100)
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: typology: `n_bootstrap` is 1.5 (a float). \
Fix: pass a whole number >= 2, e.g. n_bootstrap=100.
    >>> check_draws(True, arg="permutations", where="moran", minimum=0)
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: moran: `permutations` is True (a bool). \
Fix: pass a whole number >= 0, e.g. permutations=999 (0 skips the random draws).
    """
    skip = " (0 skips the random draws)" if minimum == 0 else ""
    fix = f"pass a whole number >= {minimum}, e.g. {arg}={example}{skip}"
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise fail(where, f"`{arg}` is {value!r} (a {type(value).__name__})", fix)
    if value < minimum:
        raise fail(where, f"`{arg}` is {value!r}, below the minimum of {minimum}", fix)
    return int(value)


def check_alpha(
    alpha: Any, *, where: str = "", arg: str = "alpha", example: float = 0.05
) -> float:
    """Check a probability strictly between 0 and 1 (a significance or coverage level).

    The one check behind ``alpha`` (significance level) everywhere; with ``arg`` it
    also checks coverage levels such as ``ci=0.95``.

    Parameters
    ----------
    alpha : Any
        What the user passed.
    where : str
        The function the user called.
    arg : str, default "alpha"
        The argument's name, for the message.
    example : float, default 0.05
        A sensible value quoted in the fix.

    Returns
    -------
    float

    Examples
    --------
    >>> check_alpha(0.1)
    0.1
    >>> check_alpha(5, where="local_moran")
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: local_moran: `alpha` is 5, not between 0 and 1. \
Fix: pass a level strictly between 0 and 1, e.g. alpha=0.05.
    """
    fix = f"pass a level strictly between 0 and 1, e.g. {arg}={example:g}"
    if isinstance(alpha, bool | np.bool_) or not isinstance(alpha, int | float | np.number):
        raise fail(where, f"`{arg}` is {alpha!r} (a {type(alpha).__name__})", fix)
    if not 0 < alpha < 1:  # also refuses NaN
        raise fail(where, f"`{arg}` is {alpha!r}, not between 0 and 1", fix)
    return float(alpha)


# ------------------------------------------------------------------ entry points


def public_functions(namespace: MutableMapping[str, Any]) -> None:
    """Register the functions in a public module's ``__all__`` as entry points.

    Called once at the end of each public module (``public_functions(globals())``).
    An :class:`~sozplan.errors.InputError` raised anywhere below a registered function
    then names the outermost one the user called, whatever function raised it (see
    :func:`sozplan.errors.register_public`). The functions themselves are not wrapped
    or changed.

    Parameters
    ----------
    namespace : mapping
        The module's ``globals()``.
    """
    module = namespace["__name__"]
    for attr in namespace.get("__all__", ()):
        obj = namespace.get(attr)
        if isinstance(obj, types.FunctionType | type):
            register_public(obj, name=attr, module=module)
