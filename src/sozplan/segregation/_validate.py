"""Input checks and the index registry shared by the segregation functions (private)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.checks import (
    as_column_list,
    check_counts,
    check_frame,
    check_numerator_denominator,
    check_unique_index,
    count_block,
    fail,
    format_values,
)
from sozplan.errors import DataQualityWarning
from sozplan.graph import align_graph

__all__: list[str] = []


@immutable
@dataclass(frozen=True)
class IndexInfo:
    """Registry entry of a segregation index: what inference and tables need to know.

    Not to be confused with :class:`sozplan.index.IndexSpec`, the specification of a
    composite social index.
    """

    name: str
    label: str
    dimension: str
    kind: str  # "twogroup" or "multigroup"
    kernel: Callable[..., np.ndarray] | None  # vectorised over a leading axis of iterations
    spatial: bool = False
    randomizable: bool = True
    #: the same index, compiled, on (B, n, 2) tables of (group, others) counts: the
    #: randomisation tests use it when the index takes no options
    table_kernel: Callable[[np.ndarray], np.ndarray] | None = None


REGISTRY: dict[Callable[..., Any], IndexInfo] = {}


def register(spec: IndexInfo) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Attach ``spec`` to a public index function (used by ``randomization_test``)."""

    def deco(func: Callable[..., Any]) -> Callable[..., Any]:
        REGISTRY[func] = spec
        func._segregation_spec = spec  # type: ignore[attr-defined]
        return func

    return deco


def spec_of(index: Any, where: str) -> IndexInfo:
    """Return the registered spec of an index function or raise a helpful error."""
    spec = getattr(index, "_segregation_spec", None)
    if spec is None:
        known = sorted(s.name for s in REGISTRY.values() if s.randomizable)
        raise fail(
            where,
            f"`index` is {index!r}, not one of the sozplan segregation index functions",
            f"pass the function itself, e.g. sozplan.segregation.dissimilarity; known: "
            f"{format_values(known, 40)}",
        )
    return spec


def twogroup_arrays(
    df: Any, group: Hashable, population: Hashable, *, where: str, min_units: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """Validate a two-group table and return ``(x, t)`` as float arrays.

    Raises when counts are negative or missing, when the group exceeds the total, when
    there are fewer than ``min_units`` units, or when the group is empty or makes up
    the whole population (the indices are then undefined).
    """
    check_frame(df, where=where)
    check_unique_index(df, where=where)
    check_counts(df, [group, population], where=where)
    check_numerator_denominator(df, group, population, where=where)
    x = df[group].to_numpy(dtype=float)
    t = df[population].to_numpy(dtype=float)
    _check_units(len(t), min_units, where)
    big_x, big_t = x.sum(), t.sum()
    if big_x <= 0 or big_x >= big_t:
        what = "has no members" if big_x <= 0 else f"makes up the whole population ({big_x:g})"
        raise fail(
            where,
            f"the group {group!r} {what}; segregation of a group against its complement is "
            "undefined when either is empty",
            "check the columns, or choose a group that is present and not the whole total",
        )
    return x, t


def multigroup_array(
    df: Any, groups: Sequence[Hashable], *, where: str, min_units: int = 2
) -> np.ndarray:
    """Validate a multigroup table and return the (n, K) count matrix (no empty group)."""
    counts, cols = _multigroup_counts(df, groups, where, min_units)
    col_tot = counts.sum(axis=0)
    empty = [c for c, s in zip(cols, col_tot, strict=True) if s <= 0]
    if empty:
        raise fail(
            where,
            f"group(s) {format_values(empty)} have no members",
            "drop empty groups from `groups`; the multigroup indices need every group present",
        )
    return counts


def _multigroup_counts(
    df: Any, groups: Sequence[Hashable], where: str, min_units: int
) -> tuple[np.ndarray, list[Hashable]]:
    """Run the shared checks of a multigroup table: frame, ids, >= 2 groups, units."""
    check_frame(df, where=where)
    check_unique_index(df, where=where)
    cols = as_column_list(groups, arg="groups")
    if len(cols) < 2:
        raise fail(
            where,
            f"`groups` names {len(cols)} column(s)",
            "pass at least two mutually exclusive groups that add up to the population, "
            "e.g. groups=['deutsche', 'auslaender']",
        )
    counts = count_block(df, cols, where=where)
    _check_units(len(counts), min_units, where)
    return counts, cols


def multigroup_table(
    df: Any, groups: Sequence[Hashable], *, where: str, min_units: int = 2
) -> tuple[np.ndarray, list[Hashable], tuple[str, ...]]:
    """Validate a multigroup table, dropping groups that are empty everywhere.

    As R's ``segregation`` (which keeps only cells with positive counts), a group with
    no members anywhere is no category of the table: it is dropped with a
    :class:`~sozplan.errors.DataQualityWarning`. Returns the (n, K') counts of the
    remaining groups, their names and the warning messages.
    """
    import warnings

    counts, cols = _multigroup_counts(df, groups, where, min_units)
    present = counts.sum(axis=0) > 0
    messages: tuple[str, ...] = ()
    if not present.all():
        empty = [c for c, k in zip(cols, present, strict=True) if not k]
        if present.sum() < 2:
            raise fail(
                where,
                f"only {int(present.sum())} of the groups has members "
                f"(empty: {format_values(empty)})",
                "segregation needs at least two groups with members; check the columns",
            )
        messages = (
            f"group(s) {format_values(empty)} have no members in any area and were left "
            "out (as R's segregation does); the index describes the other groups",
        )
        warnings.warn(messages[0], DataQualityWarning, stacklevel=4)
        counts = counts[:, present]
        cols = [c for c, k in zip(cols, present, strict=True) if k]
    return counts, cols, messages


def _check_units(n: int, min_units: int, where: str) -> None:
    if n < min_units:
        raise fail(
            where,
            f"`df` has {n} unit(s); a segregation index compares at least {min_units} areas",
            "pass one row per area of the city (segregation of a single area is not defined)",
        )


def check_integer_counts(df: pd.DataFrame, columns: Sequence[Hashable], where: str) -> None:
    """Randomisation needs whole persons."""
    check_counts(df, list(columns), where=where, integer=True)


def xlogy_ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return ``a * log(a / b)`` with ``0 log 0 = 0`` (b > 0 wherever a > 0)."""
    a = np.asarray(a, dtype=float)
    ratio = np.divide(a, b, out=np.ones(np.broadcast_shapes(a.shape, np.shape(b))), where=a > 0)
    return a * np.log(ratio)


def safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return ``a / b`` with 0 where ``b == 0``."""
    shape = np.broadcast_shapes(np.shape(a), np.shape(b))
    return np.divide(a, b, out=np.zeros(shape), where=np.broadcast_to(np.asarray(b) > 0, shape))


def environment_matrix(df: pd.DataFrame, graph: Any, where: str) -> Any:
    """Sparse matrix of the local environment: the graph's weights plus each unit itself.

    Each unit belongs to its own environment with weight 1 unless the graph already
    carries self-weights, which are then used as given (Reardon & O'Sullivan 2004).
    """
    import scipy.sparse as sp

    if not hasattr(graph, "sparse") or not hasattr(graph, "unique_ids"):
        raise fail(
            where,
            f"`graph` is a {type(graph).__name__}, not a libpysal.graph.Graph",
            "build one with sozplan.graph.build_graph(gdf) or libpysal.graph.Graph.build_*; "
            "convert a legacy W with Graph.from_W(w)",
        )
    graph = align_graph(graph, df, where=where)
    mat = sp.csr_array(graph.sparse, dtype=float)
    if not mat.diagonal().any():
        mat = mat + sp.eye_array(mat.shape[0], format="csr")
    return mat


def lag_counts(mat: Any, counts: np.ndarray) -> np.ndarray:
    """Apply the environment matrix to a batch of counts: shape (n,), (B, n) or (B, n, K).

    The area axis is the last axis of a two-group batch (B, n) and the middle axis of a
    multigroup batch (B, n, K). A single multigroup table of shape (n, K) is not a batch:
    pass it to :func:`lag_table` (or as ``counts[None]``), since (n, K) cannot be told
    apart from (B, n) when the numbers of areas and groups happen to be equal.
    """
    arr = np.asarray(counts, dtype=float)
    n = mat.shape[1]
    if arr.ndim == 1:
        _check_area_axis(arr.shape[0], n)
        return mat @ arr
    if arr.ndim == 2:  # (B, n)
        _check_area_axis(arr.shape[1], n)
        return (mat @ arr.T).T
    b, m, k = arr.shape  # (B, n, K)
    _check_area_axis(m, n)
    flat = np.moveaxis(arr, 1, 0).reshape(m, b * k)
    return np.moveaxis((mat @ flat).reshape(m, b, k), 0, 1)


def lag_table(mat: Any, counts: np.ndarray) -> np.ndarray:
    """Apply the environment matrix to one (n, K) table of group counts (areas x groups)."""
    arr = np.asarray(counts, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"lag_table expects an (areas, groups) table, got shape {arr.shape}")
    _check_area_axis(arr.shape[0], mat.shape[1])
    return np.asarray(mat @ arr)


def _check_area_axis(got: int, n: int) -> None:
    if got != n:  # a programming error inside sozplan, never the user's input
        raise ValueError(f"counts have {got} areas along the area axis, the graph has {n}")
