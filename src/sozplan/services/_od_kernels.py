r"""Compiled (numba) passes behind :func:`sozplan.services.od_costs`.

A routing export is the complete origin x facility table: 20,000 blocks and 1,000
facilities are 20 million rows. Checking it with numpy means a dozen passes over the
rows (id look-ups by binary search, a key per pair, counts per key) and a sort when the
sparse matrix is built. These kernels do the same work in three passes without
temporaries of the table's length:

* :func:`lookup_dense` maps integer ids to row/column positions through a direct
  look-up table (ids in a compact range, as routing tools number origins);
* :func:`scan_pairs` checks every row at once: unknown ids, missing or negative costs,
  duplicated pairs (one bit per origin-facility pair), and counts the pairs within
  reach per origin;
* :func:`fill_rows` writes the pairs within reach straight into the arrays of a CSR
  matrix, columns sorted within each row.

The checks are those of the Python code they replace; the caller turns a non-zero
count into the same :class:`~sozplan.errors.InputError` as before (the messages are
built from the table with pandas, which costs nothing when the table is sound).
"""

from __future__ import annotations

import numpy as np

from sozplan._io_kernels import jit

__all__: list[str] = []


@jit
def lookup_dense(values: np.ndarray, table: np.ndarray, low: int, out: np.ndarray) -> None:
    """``out = table[v - low]`` for every value (``-1`` outside the table's range)."""
    size = len(table)
    for e in range(len(values)):
        k = values[e] - low
        out[e] = table[k] if 0 <= k < size else -1


@jit
def scan_pairs(
    rows: np.ndarray,
    cols: np.ndarray,
    cost: np.ndarray,
    n_f: int,
    limit: float,
    seen: np.ndarray,
    per_row: np.ndarray,
) -> tuple[int, int, int]:
    """Count unknown ids, bad costs and duplicated pairs; pairs within reach per row.

    ``seen`` holds one bit per origin-facility pair (``ceil(n_o n_f / 8)`` bytes, zero);
    on return its set bits are the pairs present. ``per_row`` (length ``n_o``, zero) gets
    the number of pairs of each origin with a valid cost ``<= limit``.
    Returns ``(unknown, bad_cost, duplicated)``: rows naming an id that is not among the
    origins or facilities, rows with a missing, infinite or negative cost, and rows that
    repeat a pair seen before.
    """
    unknown = 0
    bad_cost = 0
    duplicated = 0
    for e in range(len(rows)):
        r = rows[e]
        c = cols[e]
        v = cost[e]
        if r < 0 or c < 0:
            unknown += 1
            continue
        if not (v >= 0.0 and v < np.inf):  # NaN fails both
            bad_cost += 1
        key = r * n_f + c
        byte = key >> 3
        bit = np.uint8(1 << (key & 7))
        if seen[byte] & bit:
            duplicated += 1
        else:
            seen[byte] |= bit
        if v <= limit:
            per_row[r] += 1
    return unknown, bad_cost, duplicated


@jit
def fill_rows(
    rows: np.ndarray,
    cols: np.ndarray,
    cost: np.ndarray,
    limit: float,
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
) -> None:
    """Write CSR ``indices`` and ``data`` of the pairs with cost ``<= limit`` (rows checked).

    Pairs keep the table's order within a row; a row whose columns are not ascending is
    sorted afterwards (tables sorted by origin and facility need no sorting). The
    outputs are allocated by the caller: numpy asks for huge pages for large arrays,
    which spares the page faults of writing 100 MB.
    """
    fill = indptr[:-1].copy()
    for e in range(len(rows)):
        v = cost[e]
        if v <= limit:
            r = rows[e]
            p = fill[r]
            indices[p] = cols[e]
            data[p] = v
            fill[r] = p + 1
    for r in range(len(indptr) - 1):
        a, b = indptr[r], indptr[r + 1]
        ordered = True
        for p in range(a + 1, b):
            if indices[p] < indices[p - 1]:
                ordered = False
                break
        if not ordered:
            order = np.argsort(indices[a:b], kind="mergesort")
            indices[a:b] = indices[a:b][order]
            data[a:b] = data[a:b][order]
