"""Shared input handling, seeding and multiple-testing helpers of the autocorrelation package."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from sozplan.checks import (
    check_alpha,
    check_columns,
    check_draws,
    check_frame,
    check_no_nan,
    check_rng,
    check_unique_index,
    fail,
    format_values,
)
from sozplan.errors import DataQualityWarning
from sozplan.graph import Kind, align_graph, build_graph

if TYPE_CHECKING:
    from libpysal.graph import Graph

__all__: list[str] = []

ALTERNATIVES = ("two-sided", "greater", "lesser", "folded", "directed")
CORRECTIONS = ("fdr", "bonferroni", "none")

#: Cluster labels (codes) and their German and English names, in map-legend order.
CLUSTER_LABELS_DE = {
    "HH": "hoch-hoch",
    "LL": "niedrig-niedrig",
    "HL": "hoch-niedrig",
    "LH": "niedrig-hoch",
    "OP": "andere positive",
    "NEG": "negativ",
    "ns": "nicht signifikant",
    "isolate": "ohne Nachbarn",
}
CLUSTER_LABELS_EN = {
    "HH": "high-high",
    "LL": "low-low",
    "HL": "high-low",
    "LH": "low-high",
    "OP": "other positive",
    "NEG": "negative",
    "ns": "not significant",
    "isolate": "no neighbours",
}

#: Values per permutation chunk (n x chunk doubles, about 1.3 MB: cache-friendly sparse products).
_CHUNK_VALUES = 160_000


def load_esda():
    """Import esda (seconds: it loads libpysal, scipy.stats and numba) when first needed."""
    with warnings.catch_warnings():
        # esda imports tqdm.auto, which warns inside Jupyter when ipywidgets is missing
        warnings.filterwarnings("ignore", message="IProgress not found")
        import esda
    return esda


@contextlib.contextmanager
def quiet_esda():
    """Silence esda's internal pandas deprecation notices and 0/0 warnings of isolates."""
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.filterwarnings("ignore", message=r".*inplace keyword.*")
        yield


def row_lag(graph: Graph, values: np.ndarray) -> np.ndarray:
    """Spatial lag with row-standardised weights, from the graph's (cached) sparse matrix.

    Equal to ``graph.transform("r").lag(values)`` without building a transformed copy
    of the adjacency table (seconds on 100,000 areas); isolates get 0.
    """
    sp = graph.sparse
    rows = np.asarray(sp.sum(axis=1)).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(rows != 0, (sp @ values) / rows, 0.0)


def seed_from_rng(rng: Any, *, where: str = "") -> tuple[np.random.Generator, int]:
    """Return the Generator for ``rng`` and an integer seed drawn from it.

    The local statistics' permutation kernels (like esda's engine) take an integer
    ``seed``; it is drawn as
    ``int(gen.integers(2**31 - 1))`` from ``gen = numpy.random.default_rng(rng)``.
    The same ``rng`` (an int, or a Generator in the same state) therefore gives
    the same seed and the same numbers; a Generator advances by one draw.
    """
    gen = check_rng(rng, where=where)
    return gen, int(gen.integers(2**31 - 1))


def check_permutations(permutations: Any, *, where: str) -> int:
    """Permutations must be a whole number >= 0 (0 skips the test)."""
    return check_draws(permutations, arg="permutations", where=where, minimum=0)


def check_alternative(alternative: str, *, where: str) -> str:
    """Alternative hypothesis must be one esda knows."""
    if alternative not in ALTERNATIVES:
        raise fail(
            where, f"`alternative` is {alternative!r}", f"use one of {format_values(ALTERNATIVES)}"
        )
    return alternative


def prepare(
    df: Any,
    columns: Sequence[Hashable],
    graph: Graph | str | None,
    *,
    where: str,
    constant_check: Sequence[Hashable] | None = None,
    warn_isolates: bool = True,
) -> tuple[list[np.ndarray], Graph, list[str]]:
    """Check the frame and columns, build or align the graph, flag isolates.

    Returns the columns as float arrays in the order of ``df.index``, the graph
    aligned with ``df.index`` and the list of warning messages issued.
    """
    check_frame(df, where=where)
    cols = check_columns(df, list(columns), where=where)
    check_unique_index(df, where=where)
    check_no_nan(df, cols, where=where)
    if graph is None:
        raise fail(
            where,
            "`graph` is None (no spatial weights), but this statistic needs them",
            "pass graph='queen' (the default), another kind such as 'rook', or a libpysal Graph",
        )
    if isinstance(graph, str):
        if not hasattr(df, "geometry"):
            raise fail(
                where,
                f"graph={graph!r} is to be built from the geometry, but `df` is not a "
                "GeoDataFrame",
                "pass a GeoDataFrame or a libpysal Graph with the ids of `df`",
            )
        aligned = build_graph(df, cast(Kind, graph))  # an unknown kind raises InputError
    else:
        aligned = align_graph(graph, df, where=where)
    values = [df[c].to_numpy(dtype=float) for c in cols]
    for col, v in zip(cols, values, strict=True):
        if constant_check is not None and col not in constant_check:
            continue
        if np.ptp(v) == 0:
            raise fail(
                where,
                f"column {col!r} is constant ({v[0]:g} in all {len(v)} areas); spatial "
                "autocorrelation is undefined",
                "choose a variable that varies between areas",
            )
    messages: list[str] = []
    isolates = aligned.isolates
    if warn_isolates and len(isolates):
        msg = (
            f"{where}: the graph has {len(isolates)} area(s) without neighbours "
            f"({format_values(isolates)}); their spatial lag is 0 and local statistics are "
            "flagged as isolates. Rebuild with sozplan.graph.build_graph(..., islands='nearest') "
            "or 'drop' to avoid this"
        )
        warnings.warn(msg, DataQualityWarning, stacklevel=3)
        messages.append(msg)
    return values, aligned, messages


def check_classes(df: Any, column: Hashable, *, where: str) -> pd.Series:
    """Check a column of classes: no gaps, no infinite codes, not numbers mixed with text.

    Text, categorical, boolean and numeric codes are classes; a float column with
    ``inf`` or an object column mixing numbers with text (a failed number conversion)
    is refused rather than counted as one more class.
    """
    check_columns(df, [column], where=where, numeric=False)
    series = df[column]
    missing = series.isna().to_numpy()
    if missing.any():
        raise fail(
            where,
            f"column {column!r} has {int(missing.sum())} missing value(s) at ids "
            f"{format_values(df.index[missing])}",
            "assign a class or drop these areas explicitly",
        )
    if pd.api.types.is_float_dtype(series.dtype):
        bad = np.isinf(series.to_numpy(dtype=float))
        if bad.any():
            raise fail(
                where,
                f"column {column!r} has {int(bad.sum())} infinite value(s) at ids "
                f"{format_values(df.index[bad])}",
                "correct them (a division by zero upstream?) or assign a class",
            )
    elif series.dtype == object:
        is_text = series.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
        if is_text.any() and not is_text.all():
            raise fail(
                where,
                f"column {column!r} mixes text ({format_values(series[is_text].unique())} at ids "
                f"{format_values(df.index[is_text])}) with numbers",
                "convert the column to one type: numbers (pd.to_numeric) or text labels "
                "(astype(str))",
            )
    return series


def check_alpha_correction(alpha: float, correction: str, *, where: str) -> None:
    """Check significance level and multiple-testing correction."""
    check_alpha(alpha, where=where)
    if correction not in CORRECTIONS:
        raise fail(
            where, f"`correction` is {correction!r}", f"use one of {format_values(CORRECTIONS)}"
        )


def adjust_pvalues(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg q-values and Bonferroni-adjusted p-values over the finite p-values.

    NaN p-values (isolates, undefined tests) stay NaN and do not count as tests.
    """
    p = np.asarray(p, dtype=float)
    q = np.full_like(p, np.nan)
    bonf = np.full_like(p, np.nan)
    ok = np.isfinite(p)
    m = int(ok.sum())
    if m:
        from scipy import stats

        q[ok] = stats.false_discovery_control(p[ok], method="bh")
        bonf[ok] = np.minimum(p[ok] * m, 1.0)
    return q, bonf


def permutation_chunks(gen: np.random.Generator, values: np.ndarray, permutations: int):
    """Yield (n, chunk) matrices whose columns are ``gen.permutation(values)``.

    Column k holds ``values[gen.permutation(n)]`` for the k-th draw (numpy gives the
    same order for ``gen.permutation(values)``); exactly this sequence of draws is what
    the global statistics use, so that a test can reproduce the reference
    distribution. Chunks are cache-sized (about 1.3 MB) for fast sparse products.
    """
    n = len(values)
    chunk = max(1, min(permutations, _CHUNK_VALUES // max(n, 1)))
    done = 0
    while done < permutations:
        c = min(chunk, permutations - done)
        out = np.empty((n, c), dtype=values.dtype)
        for k in range(c):
            out[:, k] = gen.permutation(values)
        yield out
        done += c
