"""Compiled conditional-permutation kernels for the local statistics (numba, cached on disk).

One kernel serves local Moran (uni- and bivariate, EB rates), local Getis-Ord
:math:`G_i` and :math:`G_i^*`, local Geary and local join counts. It reproduces the
draws of esda's engine (``esda.crand``) exactly and streams the permutations, so that
memory does not grow with ``n x permutations``.

The draws
---------
esda seeds numba's own Mersenne Twister (``np.random.seed(seed)`` inside compiled code,
independent of numpy's global state) and draws, for k = 1..R, the first ``max_card``
entries of ``np.random.permutation(n - 1)``: one table of R rows of neighbour
positions, shared by all units. For unit i, a drawn position p stands for the unit
``p`` if ``p < i`` and ``p + 1`` otherwise (the units other than i). :func:`draw_ids`
makes the same calls to numba's generator (``np.random.shuffle`` of an ``arange`` is
what numba's ``permutation`` does), so the same ``seed`` gives the same table.

Because the table is shared, the values a unit draws are ``lo[k, j] = v[p_kj]`` when
``p_kj < i`` and ``hi[k, j] = v[p_kj + 1]`` otherwise: two small R x ``max_card``
tables gathered once. The loop over units then reads memory sequentially.

Caching
-------
Functions are compiled with ``cache=True``. numba's locators put the machine code in
this package's ``__pycache__`` folder when it is writable, otherwise in the user-wide
cache folder (``NUMBA_CACHE_DIR`` when set, else the platform's user cache folder), and
invalidate it when this file changes. Nothing is written into another package's folder.
If no folder is writable the kernels are compiled in memory (once per process).
"""

from __future__ import annotations

import itertools
import os

import numpy as np

__all__: list[str] = []

#: Statistic codes of :func:`crand_block`.
MORAN, G, G_STAR, GEARY, JOIN = 0, 1, 2, 3, 4
#: Alternative codes, in ``sozplan.autocorrelation._common.ALTERNATIVES`` order.
ALTERNATIVE_CODES = {"two-sided": 0, "greater": 1, "lesser": 2, "folded": 3, "directed": 4}


def _jit(**options):
    """``numba.njit(cache=True, ...)``, falling back to an uncached compile if no folder is writable."""
    import numba

    def wrap(func):
        try:
            return numba.njit(cache=True, **options)(func)
        except RuntimeError:  # pragma: no cover - no writable cache folder anywhere
            return numba.njit(cache=False, **options)(func)

    return wrap


@_jit()
def draw_ids(n_minus_1, max_card, permutations, seed):  # pragma: no cover - compiled
    """Neighbour positions, ``(permutations, max_card)``, exactly as esda's ``vec_permutations``."""
    np.random.seed(seed)  # noqa: NPY002 - numba's own generator, as esda seeds it
    out = np.empty((permutations, max_card), dtype=np.int64)
    buf = np.empty(n_minus_1, dtype=np.int64)
    for k in range(permutations):
        for t in range(n_minus_1):
            buf[t] = t
        np.random.shuffle(buf)  # noqa: NPY002 - numba's own generator
        for t in range(max_card):
            out[k, t] = buf[t]
    return out


@_jit()
def _p_value(ref, stat, alternative):  # pragma: no cover - compiled
    """Pseudo p-value of one unit, as ``esda.significance._permutation_significance``."""
    r = ref.shape[0]
    if alternative == 0:  # two-sided
        below = 0
        for k in range(r):
            if ref[k] <= stat:
                below += 1
        pct = below / r * 100
        p_low = min(pct, 100 - pct)
        low = np.percentile(ref, p_low)
        high = np.percentile(ref, 100 - p_low)
        out = 0
        for k in range(r):
            if ref[k] <= low:
                out += 1
            if ref[k] >= high:
                out += 1
        return (out + 1) / (r + 1)
    if alternative == 1 or alternative == 4:  # greater, directed
        larger = 0
        for k in range(r):
            if ref[k] >= stat:
                larger += 1
        if alternative == 4 and (r - larger) < larger:
            larger = r - larger
        return (larger + 1) / (r + 1)
    if alternative == 2:  # lesser
        smaller = 0
        for k in range(r):
            if ref[k] <= stat:
                smaller += 1
        return (smaller + 1) / (r + 1)
    mean = ref.mean()  # folded
    dev = abs(stat - mean)
    count = 0
    for k in range(r):
        if abs(ref[k] - mean) >= dev:
            count += 1
    return (count + 1) / (r + 1)


@_jit(nogil=True)
def crand_block(
    start,
    stop,
    kind,
    focal,
    drawn,
    lo,
    hi,
    ids,
    indptr,
    weights,
    self_weights,
    observed,
    scaling,
    alternative,
    p_out,
    mean_out,
    sd_out,
):  # pragma: no cover - compiled
    """Simulate units ``start..stop-1`` and write p-value, mean and sd of their null.

    ``focal``: the unit's own value in the statistic (z, zx, y or 0/1); ``drawn``: the
    values drawn for neighbours (z, zy, y or 0/1); ``lo``/``hi``: ``drawn`` gathered at
    ``ids`` and ``ids + 1``; ``indptr``/``weights``: CSR rows without the diagonal;
    ``self_weights``: the diagonal; ``scaling``: Moran's ``(n-1)/sum z^2`` or the sum of
    y for G.
    """
    r = ids.shape[0]
    ref = np.empty(r)
    for i in range(start, stop):
        a, b = indptr[i], indptr[i + 1]
        card = b - a
        zi = focal[i]
        si = drawn[i]
        for k in range(r):
            acc = 0.0
            if kind == GEARY:
                for j in range(card):
                    v = lo[k, j] if ids[k, j] < i else hi[k, j]
                    acc += weights[a + j] * (zi - v) ** 2
                ref[k] = acc
                continue
            for j in range(card):
                v = lo[k, j] if ids[k, j] < i else hi[k, j]
                acc += weights[a + j] * v
            if kind == MORAN:
                ref[k] = zi * (acc + self_weights[i] * si) * scaling
            elif kind == G:
                ref[k] = acc / (scaling - si)
            elif kind == G_STAR:
                ref[k] = (acc + self_weights[i] * si) / scaling
            else:  # JOIN
                ref[k] = zi * acc
        p_out[i] = _p_value(ref, observed[i], alternative)
        m = 0.0
        for k in range(r):
            m += ref[k]
        m /= r
        ss = 0.0
        for k in range(r):
            ss += (ref[k] - m) ** 2
        mean_out[i] = m
        sd_out[i] = np.sqrt(ss / r)


def split_diagonal(sparse) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """CSR rows without the diagonal and without zero weights, and the diagonal.

    The order of the remaining entries is kept (it pairs weights with drawn positions,
    as esda's engine does after ``setdiag(0)`` and ``eliminate_zeros()``).
    Returns ``indptr``, ``indices``, ``weights`` and ``self_weights``.
    """
    csr = sparse.tocsr()
    n = csr.shape[0]
    rows = np.repeat(np.arange(n), np.diff(csr.indptr))
    indices = np.asarray(csr.indices, dtype=np.int64)
    data = np.asarray(csr.data, dtype=np.float64)
    diag = rows == indices
    self_weights = np.zeros(n)
    np.add.at(self_weights, rows[diag], data[diag])
    keep = ~diag & (data != 0)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[keep], minlength=n), out=indptr[1:])
    return indptr, indices[keep], data[keep], self_weights


def conditional_permutation(
    kind: int,
    focal: np.ndarray,
    drawn: np.ndarray,
    observed: np.ndarray,
    sparse,
    *,
    scaling: float,
    permutations: int,
    seed: int,
    alternative: str,
    n_jobs: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Conditional-permutation null of a local statistic, streamed unit by unit.

    Returns the pseudo p-values, the means and the standard deviations (``ddof=0``)
    of the simulated statistics per unit. Memory: the ``permutations x max_card``
    table of drawn positions and one row of ``permutations`` values per thread.
    ``n_jobs`` threads work on blocks of units; the draws and results do not depend
    on it.
    """
    n = len(focal)
    indptr, _, weights, self_weights = split_diagonal(sparse)
    card = np.diff(indptr)
    max_card = int(card.max()) if n else 0
    ids = draw_ids(n - 1, max_card, int(permutations), int(seed))
    drawn = np.ascontiguousarray(drawn, dtype=np.float64)
    lo = drawn[ids]
    hi = drawn[ids + 1] if n > 1 else lo
    p = np.empty(n)
    mean = np.empty(n)
    sd = np.empty(n)
    args = (
        int(kind),
        np.ascontiguousarray(focal, dtype=np.float64),
        drawn,
        lo,
        hi,
        ids,
        indptr,
        weights,
        self_weights,
        np.ascontiguousarray(observed, dtype=np.float64),
        float(scaling),
        ALTERNATIVE_CODES[alternative],
        p,
        mean,
        sd,
    )
    jobs = max(1, min(int(n_jobs) if n_jobs > 0 else (os.cpu_count() or 1), n))
    if jobs == 1:
        crand_block(0, n, *args)
    else:
        from concurrent.futures import ThreadPoolExecutor

        bounds = np.linspace(0, n, 4 * jobs + 1).astype(int)
        with ThreadPoolExecutor(jobs) as pool:
            list(
                pool.map(
                    lambda ab: crand_block(ab[0], ab[1], *args),
                    itertools.pairwise(bounds),
                )
            )
    return p, mean, sd
