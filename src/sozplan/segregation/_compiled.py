r"""Compiled (numba) passes shared by the multigroup indices.

The multigroup indices of one table are all functions of a few sums over the
``n x K`` cells: the city's group shares :math:`P_k`, and per group
:math:`\sum_i \lvert c_{ik} - t_i P_k\rvert`, :math:`\sum_i (c_{ik} - t_i P_k)^2 / t_i`
and :math:`\sum_{i,k} c_{ik} \ln(c_{ik} / (t_i P_k))`. :func:`multigroup_sums` gets
them in two passes without temporaries; :func:`gini_half` adds up the Gini sum over the
units sorted by their share of one group.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numba
import numpy as np


def jit(func: Callable[..., Any]) -> Any:
    """Compile with numba, caching the machine code on disk where that is possible."""
    try:
        return numba.njit(cache=True, nogil=True)(func)
    except RuntimeError:  # pragma: no cover - no writable cache location
        return numba.njit(nogil=True)(func)


@jit
def multigroup_sums(
    c: np.ndarray, t: np.ndarray, inv: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Compute the sums behind the multigroup indices of B tables ``c`` (B, n, K).

    Returns, per table, the group totals :math:`G_k` (B, K), :math:`T` (B,),
    :math:`\sum_i \lvert d_{ik}\rvert` (B, K), :math:`\sum_i d_{ik}^2 / t_i` (B, K) and
    :math:`T M` (B,), with :math:`d_{ik} = c_{ik} - t_i P_k`. Units without residents
    contribute nothing. The mutual information uses :math:`T M = \sum c \ln c -
    \sum_i t_i \ln t_i - \sum_k G_k \ln P_k`; for whole-number counts the logarithms
    come from a table of :math:`\ln 1, \dots, \ln \max t_i`. The loops run over
    groups outside and units inside, which suits both (n, K) rows and the group-major
    tables of the randomisation tests. ``t`` and ``inv`` are scratch arrays of length n
    (allocated by the caller, so that numpy's memory accounting sees them).
    """
    n_tables, n, k_groups = c.shape
    grp = np.zeros((n_tables, k_groups))
    big_t = np.zeros(n_tables)
    abs_dev = np.zeros((n_tables, k_groups))
    sq_dev = np.zeros((n_tables, k_groups))
    info = np.zeros(n_tables)
    for b in range(n_tables):
        t[:] = 0.0
        whole = True
        for k in range(k_groups):
            total = 0.0
            for i in range(n):
                v = c[b, i, k]
                t[i] += v
                total += v
                whole = whole and v == math.floor(v)
            grp[b, k] = total
        big_t[b] = grp[b].sum()
        max_t = t.max()
        table = np.empty(0)
        if whole and max_t < 2**22:
            table = np.log(np.arange(int(max_t) + 1.0))
        t_log_t = 0.0
        for i in range(n):
            inv[i] = 1.0 / t[i] if t[i] > 0.0 else 0.0
            if t[i] > 0.0:
                t_log_t += t[i] * (table[int(t[i])] if len(table) else math.log(t[i]))
        c_log_c = 0.0
        g_log_p = 0.0
        for k in range(k_groups):
            share = grp[b, k] / big_t[b]
            if share > 0.0:
                g_log_p += grp[b, k] * math.log(share)
            a_sum = 0.0
            s_sum = 0.0
            for i in range(n):
                v = c[b, i, k]
                d = v - t[i] * share
                a_sum += abs(d)
                s_sum += d * d * inv[i]
                if v > 0.0:
                    c_log_c += v * (table[int(v)] if len(table) else math.log(v))
            abs_dev[b, k] = a_sum
            sq_dev[b, k] = s_sum
        info[b] = c_log_c - t_log_t - g_log_p
    return grp, big_t, abs_dev, sq_dev, info


@jit
def gini_half(counts: np.ndarray, t: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Per table b: sum over groups k of sum_{i<j} t_i t_j (p_jk - p_ik), units in ``order``.

    ``counts`` (B, K, n), ``t`` (B, n), ``order`` (B, K, n) sorts each group's shares
    ascending; ties contribute 0, so any order among them is exact.
    """
    n_tables, k_groups, n = counts.shape
    out = np.zeros(n_tables)
    for b in range(n_tables):
        half = 0.0
        for k in range(k_groups):
            t_before = 0.0
            x_before = 0.0
            for r in range(n):
                j = order[b, k, r]
                xj = counts[b, k, j]
                tj = t[b, j]
                half += xj * t_before - tj * x_before
                t_before += tj
                x_before += xj
        out[b] = half
    return out


@jit
def dissimilarity_tables(c: np.ndarray) -> np.ndarray:
    r"""Dissimilarity index of B two-group tables ``c`` (B, n, 2): (group, others).

    .. math:: D = \frac{\sum_i \lvert x_i - t_i P \rvert}{2 X (1 - P)},
              \quad t_i = x_i + y_i,\ P = X / T

    the formula of the vectorised kernel, in two passes per table without temporaries
    (the randomisation tests evaluate it on a thousand tables). A table without the
    group or without the others gives NaN, as the vectorised formula does.
    """
    n_tables, n, _ = c.shape
    out = np.empty(n_tables)
    for b in range(n_tables):
        big_x = 0.0
        big_y = 0.0
        for i in range(n):
            big_x += c[b, i, 0]
            big_y += c[b, i, 1]
        if big_x <= 0.0 or big_y <= 0.0:
            out[b] = math.nan
            continue
        share = big_x / (big_x + big_y)
        dev = 0.0
        for i in range(n):
            x = c[b, i, 0]
            dev += abs(x - (x + c[b, i, 1]) * share)
        out[b] = dev / (2.0 * big_x * (1.0 - share))
    return out
