r"""Fast exact draws of count tables for the randomisation tests (compiled with numba).

Every null model of :func:`~sozplan.segregation.randomization_test` that redraws counts
unit by unit draws, for each unit, from a distribution that is *the same in every
iteration*: :math:`\mathrm{Poisson}(\lambda_i)` for the systematic null and
:math:`\mathrm{Bin}(t_i, P)` for the evenness null. Their parameters depend only on the
unit's size, so a city has a few hundred to a few thousand distinct distributions.
For each one an alias table (Walker 1977; Vose 1991) is built once; a draw is then one
uniform number, one table look-up and one comparison, without branches, instead of
numpy's rejection samplers (BTPE, PTRS) per value.

The alias table holds the *centre* of a distribution (values with at least ``CENTRE``
times the mode's probability, about three standard deviations either side) and one more
column with the total probability of the values beyond; drawing that column (about
0.3 % of the draws) takes a second uniform and finds the value in the tails by
inversion from the centre's edges. The centre tables are a third of full tables, so a
table stays in the CPU caches while it serves its units.

Exactness: centre and tails hold the probabilities of the whole support except tails of
total mass below ``TAIL`` (1e-20, far below the :math:`2^{-53}` resolution of the
uniforms); the probabilities are computed from the log-probability at the mode and the
ratio recurrence, accurate to about :math:`10^{-12}` relative.
``tests/test_segregation.py`` recomputes the probabilities implied by the tables and
tails and compares them with ``scipy.stats`` to 1e-11 relative.

Multinomial allocation of a group of :math:`G` persons to the units (systematic null)
uses Poissonisation. Given :math:`S = \sum_i N_i = s`, independent
:math:`N_i \sim \mathrm{Poisson}(\lambda p_i)` are :math:`\mathrm{Mult}(s, p)`, so a row
of Poisson draws needs only its total corrected to :math:`G`:

* When units share their probabilities (under the systematic null
  :math:`p_i = t_i / T`, so all units of one size), :math:`\lambda = G`: a row with
  :math:`S < G` gets :math:`G - S` further persons, each in unit :math:`i` with
  probability :math:`p_i`; a row with :math:`S > G` loses :math:`S - G` persons chosen
  uniformly at random without replacement. Adding independent persons gives
  :math:`\mathrm{Mult}(G, p)`, and a uniformly random subset of :math:`G` of :math:`s`
  independent persons is :math:`\mathrm{Mult}(G, p)` as well. About
  :math:`0.8\sqrt{G}` persons per row are moved, and no row is drawn twice.
* Otherwise :math:`\lambda = G - m` with :math:`m = \lceil 1.5\sqrt{G}\,\rceil`; rows
  with :math:`S > G` are replaced by spare rows drawn in the same pass, and the
  remaining :math:`G - S` persons are allocated one by one (an alias table over the
  units). Given :math:`S = s`, :math:`N` is :math:`\mathrm{Mult}(s, p)` whatever the
  acceptance rule, and adding an independent :math:`\mathrm{Mult}(G - s, p)` gives
  exactly :math:`\mathrm{Mult}(G, p)`.

The uniform numbers come from an SFC64 generator (Doty-Humphrey's Small Fast Chaotic
generator, one of numpy's bit generators) stepped inside the compiled loops: the stream
of the caller's generator when that is SFC64 (as in the chunks of
:func:`~sozplan.segregation.randomization_test`), else one seeded from it. A seed
reproduces the result on every machine.

References
----------
Walker, A. J. (1977). An efficient method for generating discrete random variables with
general distributions. ACM TOMS 3(3), 253-256. doi:10.1145/355744.355749
Vose, M. D. (1991). A linear algorithm for generating random numbers with a given
distribution. IEEE TSE 17(9), 972-975. doi:10.1109/32.92917
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sozplan.segregation._compiled import jit

#: Tail mass left out of a table (per side).
TAIL = 1e-20
#: Largest number of table entries built for one group; beyond, numpy's samplers are used.
MAX_TABLE_ENTRIES = 8_000_000
#: A table's centre: the values with at least this fraction of the mode's probability
#: (about 3 standard deviations either side); the values beyond, with a total
#: probability of about 0.3 %, are drawn from a second, rarely used table. Small centre
#: tables stay in the CPU caches while they serve their units.
CENTRE = math.exp(-4.5)
#: Persons a multinomial row leaves to the one-by-one step, in units of sqrt(G).
SPARE = 1.5

_POISSON, _BINOMIAL = 0, 1


_jit = jit


@_jit
def _log_mode(kind: int, a: float, p: float) -> tuple[float, float]:
    """Mode and log-probability at the mode of Poisson(a) or Bin(a, p)."""
    if kind == 0:
        m = float(math.floor(a))
        return m, m * math.log(a) - a - math.lgamma(m + 1.0)
    m = min(math.floor((a + 1.0) * p), a)
    log_pm = (
        math.lgamma(a + 1.0)
        - math.lgamma(m + 1.0)
        - math.lgamma(a - m + 1.0)
        + m * math.log(p)
        + (a - m) * math.log1p(-p)
    )
    return m, log_pm


@_jit
def _ratio(kind: int, a: float, p: float, k: float) -> float:
    """pmf(k + 1) / pmf(k)."""
    if kind == 0:
        return a / (k + 1.0)
    return (a - k) / (k + 1.0) * (p / (1.0 - p))


@_jit
def _window(kind: int, a: float, p: float) -> tuple[float, float, float, float]:
    """(lowest, highest) value kept, mode, log pmf at the mode; one point if degenerate."""
    if a <= 0.0 or (kind == 1 and p <= 0.0):
        return 0.0, 0.0, 0.0, 0.0
    if kind == 1 and p >= 1.0:
        return a, a, a, 0.0
    m, log_pm = _log_mode(kind, a, p)
    pm = math.exp(log_pm)
    hi, v = m, pm
    while not (kind == 1 and hi >= a):
        v *= _ratio(kind, a, p, hi)
        if v < TAIL:
            break
        hi += 1.0
    lo, v = m, pm
    while lo > 0.0:
        v /= _ratio(kind, a, p, lo - 1.0)
        if v < TAIL:
            break
        lo -= 1.0
    return lo, hi, m, log_pm


@_jit
def _vose(w: np.ndarray, table: np.ndarray, stack: np.ndarray) -> None:
    """Alias table of the weights ``w`` (any positive scale) into ``table`` (K x 2).

    A draw ``u`` in [0, 1) picks column ``k = floor(u K)`` and returns ``k`` if the
    fraction ``u K - k`` is below ``table[k, 0]``, otherwise ``k + table[k, 1]``.
    ``stack`` is scratch space of length K.
    """
    size = len(w)
    total = 0.0
    for r in range(size):
        total += w[r]
    n_small, n_large = 0, size  # one array: "small" grows up from 0, "large" down from K
    for r in range(size):
        table[r, 0] = w[r] * size / total
        table[r, 1] = 0.0
        if table[r, 0] < 1.0:
            stack[n_small] = r
            n_small += 1
        else:
            n_large -= 1
            stack[n_large] = r
    while n_small > 0 and n_large < size:
        n_small -= 1
        s = stack[n_small]
        g = stack[n_large]
        table[s, 1] = g - s
        table[g, 0] = (table[g, 0] + table[s, 0]) - 1.0
        if table[g, 0] < 1.0:
            n_large += 1
            stack[n_small] = g
            n_small += 1
    for r in range(n_large, size):  # what is left is 1 up to rounding
        table[stack[r], 0] = 1.0
    for r in range(n_small):
        table[stack[r], 0] = 1.0


@_jit
def _windows(
    kind: int, a: np.ndarray, p: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lowest value, size, position of the mode and log pmf at the mode of every window."""
    nt = a.shape[0]
    lo = np.empty(nt)
    size = np.empty(nt, np.int64)
    mode = np.empty(nt, np.int64)
    log_mode = np.empty(nt)
    for j in range(nt):
        lo[j], hi, m, log_mode[j] = _window(kind, a[j], p[j])
        size[j] = int(hi - lo[j]) + 1
        mode[j] = int(m - lo[j])
    return lo, size, mode, log_mode


@_jit
def _fill_weights(
    kind: int, a: np.ndarray, p: np.ndarray, windows: Any, start: np.ndarray, weights: Any
) -> None:
    """Probabilities of every window into ``weights`` (stacked from ``start``).

    The pmf at the mode from its logarithm, the other entries by the ratio recurrence
    outwards.
    """
    lo, size, mode, log_mode = windows
    for j in range(len(a)):
        w = weights[start[j] : start[j] + size[j]]
        im = mode[j]
        pm = math.exp(log_mode[j]) if size[j] > 1 else 1.0
        w[im] = pm
        v = pm
        for r in range(im + 1, size[j]):
            v *= _ratio(kind, a[j], p[j], lo[j] + r - 1.0)
            w[r] = v
        v = pm
        for r in range(im - 1, -1, -1):
            v /= _ratio(kind, a[j], p[j], lo[j] + r)
            w[r] = v


@_jit
def _centres(
    weights: np.ndarray, w_start: np.ndarray, w_size: np.ndarray, mode: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """First position and length of every window's centre (see :func:`_fill_tables`)."""
    nt = len(w_start)
    c_first = np.empty(nt, np.int64)
    n_centre = np.empty(nt, np.int64)
    for j in range(nt):
        w = weights[w_start[j] : w_start[j] + w_size[j]]
        floor = w[mode[j]] * CENTRE
        first, last = mode[j], mode[j]
        while first > 0 and w[first - 1] >= floor:
            first -= 1
        while last < w_size[j] - 1 and w[last + 1] >= floor:
            last += 1
        c_first[j] = first
        n_centre[j] = last - first + 1
    return c_first, n_centre


@_jit
def _fill_tables(weights: Any, windows: Any, centres: Any, tables: Any) -> None:
    """Centre alias tables with a tail column, and the tails (see :func:`_unit_tables`).

    The centre holds the values whose probability is at least ``CENTRE`` times the
    mode's (a contiguous range, the distributions being unimodal); when the window has
    values outside it, one more column carries their total probability. Drawing that
    column draws a second uniform number and finds the value in the tails by inversion,
    from the edges of the centre outwards. Both steps together give every value of the
    window exactly its probability.
    """
    w_start, w_size = windows
    c_first, n_centre = centres
    _, start, size, table, _, t_start, n_left, n_right, t_weights, t_mass = tables
    scratch = np.empty(w_size.max() + 1)
    stack = np.empty(w_size.max() + 1, np.int64)
    for j in range(len(w_start)):
        w = weights[w_start[j] : w_start[j] + w_size[j]]
        first, n_c = c_first[j], n_centre[j]
        scratch[:n_c] = w[first : first + n_c]
        left = 0.0
        for r in range(n_left[j]):  # from the centre's lower edge downwards
            t_weights[t_start[j] + r] = w[first - 1 - r]
            left += w[first - 1 - r]
        right = 0.0
        for r in range(n_right[j]):  # from the centre's upper edge upwards
            t_weights[t_start[j] + n_left[j] + r] = w[first + n_c + r]
            right += w[first + n_c + r]
        t_mass[j, 0] = left
        t_mass[j, 1] = right
        if size[j] > n_c:
            scratch[n_c] = left + right
        _vose(scratch[: size[j]], table[start[j] : start[j] + size[j]], stack)


def _stack(sizes: np.ndarray) -> np.ndarray:
    """Start of each block when blocks of ``sizes`` are stacked."""
    return np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)


def _unit_tables(kind: int, a: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, ...]:
    """Alias tables of Poisson(a_j) (kind 0) or Bin(a_j, p_j) (kind 1), stacked.

    Returns ``(lo, start, size, table, n_centre, t_start, n_left, n_right, t_weights,
    t_mass)``: centre table ``j`` is ``table[start[j]:start[j] + size[j]]`` over the
    values ``lo[j] + 0 .. lo[j] + n_centre[j] - 1`` and, if ``size[j] > n_centre[j]``,
    the tail column ``n_centre[j]``. The tails' weights are ``t_weights[t_start[j]:]``:
    ``n_left[j]`` values ``lo[j] - 1, lo[j] - 2, ...``, then ``n_right[j]`` values
    ``lo[j] + n_centre[j], ...``; ``t_mass[j]`` holds the two sums. The large arrays
    are allocated by numpy (huge pages: no page fault per 4 KB written).
    """
    windows = _windows(kind, a, p)
    w_lo, w_size, mode, _ = windows
    w_start = _stack(w_size)
    weights = np.empty(int(w_size.sum()))
    _fill_weights(kind, a, p, windows, w_start, weights)
    c_first, n_centre = _centres(weights, w_start, w_size, mode)
    n_right = w_size - c_first - n_centre
    t_size = c_first + n_right
    size = n_centre + (t_size > 0)
    tables = (
        w_lo + c_first,
        _stack(size),
        size,
        np.empty((int(size.sum()), 2)),
        n_centre,
        _stack(t_size),
        c_first,
        n_right,
        np.empty(max(1, int(t_size.sum()))),
        np.empty((len(a), 2)),
    )
    _fill_tables(weights, (w_start, w_size), (c_first, n_centre), tables)
    return tables


@_jit
def _pmf_table(w: np.ndarray) -> np.ndarray:
    """Alias table over the entries of ``w`` (e.g. a person's probabilities of each unit)."""
    table = np.empty((len(w), 2))
    _vose(w, table, np.empty(len(w), np.int64))
    return table


_U11, _U3, _U24, _U40, _U1 = (np.uint64(v) for v in (11, 3, 24, 40, 1))
_TO_DOUBLE = 1.0 / 9007199254740992.0  # 2**-53


@_jit
def _step(
    a: np.uint64, b: np.uint64, c: np.uint64, w: np.uint64
) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64, float]:
    """One step of SFC64 from state (a, b, c, w): the new state and a double in [0, 1).

    The same sequence as ``numpy.random.Generator(SFC64).random()``: Doty-Humphrey's
    Small Fast Chaotic generator as in numpy's ``sfc64.h``, then the upper 53 bits
    scaled to [0, 1). Inlined in the loops below, the state stays in registers.
    """
    tmp = a + b + w
    return (
        b ^ (b >> _U11),
        c + (c << _U3),
        ((c << _U24) | (c >> _U40)) + tmp,
        w + _U1,
        (tmp >> _U11) * _TO_DOUBLE,
    )


@_jit
def _look_up(
    s0: np.uint64, s1: np.uint64, s2: np.uint64, s3: np.uint64, tab: np.ndarray, k_size: float
) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64, int]:
    """Column drawn from the alias table ``tab`` of ``k_size`` columns, one uniform.

    The uniform picks column ``k = floor(u K)``; the fraction ``u K - k`` below
    ``tab[k, 0]`` keeps it, otherwise the draw is its alias ``k + tab[k, 1]``. Small
    enough to be inlined in the loops.
    """
    s0, s1, s2, s3, u = _step(s0, s1, s2, s3)
    w = u * k_size
    k = int(w)
    return s0, s1, s2, s3, k + int(tab[k, 1]) * (w - k >= tab[k, 0])


@_jit
def _draw_tail(
    s0: np.uint64, s1: np.uint64, s2: np.uint64, s3: np.uint64, j: int, tables: Any
) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64, float]:
    """Draw a value from the tails of distribution ``j`` (see :func:`_unit_tables`).

    Called when the draw from the centre table gave the tail column (about 0.3 % of
    the draws): a second uniform finds the value by inversion, from the edges of the
    centre outwards. Returns the advanced SFC64 state and the value.
    """
    lo, _, _, _, n_centre, t_start, n_left, n_right, t_weights, t_mass = tables
    s0, s1, s2, s3, u = _step(s0, s1, s2, s3)
    x = u * (t_mass[j, 0] + t_mass[j, 1])
    first = t_start[j]
    if x < t_mass[j, 0]:  # the lower tail, from its edge downwards
        for r in range(n_left[j]):
            x -= t_weights[first + r]
            if x < 0.0:
                return s0, s1, s2, s3, lo[j] - 1 - r
        return s0, s1, s2, s3, lo[j] - n_left[j]  # pragma: no cover - rounding
    x -= t_mass[j, 0]
    first += n_left[j]
    for r in range(n_right[j]):
        x -= t_weights[first + r]
        if x < 0.0:
            return s0, s1, s2, s3, lo[j] + n_centre[j] + r
    return s0, s1, s2, s3, lo[j] + n_centre[j] + n_right[j] - 1  # pragma: no cover


@_jit
def _draw_units(
    state: np.ndarray,
    order: np.ndarray,
    unit_table: np.ndarray,
    tables: Any,
    out: np.ndarray,
    sums: np.ndarray,
) -> None:
    """Fill out (units x rows) with one draw per unit and row; sums[s] = row sums.

    ``out`` is unit-major, so that the draws of one unit are written contiguously
    (the units are not visited in memory order).

    Units are visited in ``order`` (sorted by their table, so that units of one size
    reuse a table while it is in the CPU caches). Units whose distribution is a single
    point (e.g. no residents) take no uniform number; the others take theirs unit by
    unit, row by row, from the SFC64 ``state`` (advanced in place).
    """
    b = out.shape[1]
    lo, start, size, table, n_centre = tables[:5]
    sums[:] = 0.0
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    for r in range(out.shape[0]):
        i = order[r]
        j = unit_table[i]
        base, n_c, k_size, tab = lo[j], n_centre[j], float(size[j]), table[start[j] :]
        if size[j] == 1:
            for s in range(b):
                out[i, s] = base
                sums[s] += base
            continue
        for s in range(b):
            s0, s1, s2, s3, pos = _look_up(s0, s1, s2, s3, tab, k_size)
            if pos < n_c:
                value = base + pos
            else:
                s0, s1, s2, s3, value = _draw_tail(s0, s1, s2, s3, j, tables)
            out[i, s] = value
            sums[s] += value
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


@_jit
def _draw_rows(
    state: np.ndarray,
    unit_table: np.ndarray,
    tables: Any,
    out: np.ndarray,
    spare: np.ndarray,
    sums: np.ndarray,
) -> None:
    """:func:`_draw_units` for units sorted by their table, written straight into out.

    ``out`` (b x units) and ``spare`` (e x units) get ``b + e`` rows of draws, ``sums``
    their ``b + e`` row sums (spare rows replace rejected rows without a second pass
    over the tables). Units are visited in memory order, which is the order of their
    tables, so that one table serves consecutive units while it is in the CPU caches,
    and the draws of eight consecutive units fill the same cache lines of ``out`` (no
    transposed copy). While a unit's draws are made, one entry per cache line of the
    next table is read (independent loads the CPU overlaps with the draws), so the next
    table is in the caches when its units come (17 % faster at planning-area sizes).
    The uniforms are taken in the same order as by :func:`_draw_units` with
    ``order = arange(n)`` and ``b + e`` rows.
    """
    b, e = out.shape[0], spare.shape[0]
    lo, start, size, table, n_centre = tables[:5]
    sums[:] = 0.0
    n = out.shape[1]
    touched = np.empty(size.max() // 4 + 1)
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    for i in range(n):
        j = unit_table[i]
        if i + 1 < n and unit_table[i + 1] != j:  # read the next table while drawing
            nxt = unit_table[i + 1]
            for q in range(0, size[nxt], 4):
                touched[q // 4] = table[start[nxt] + q, 0]
        base = lo[j]
        if size[j] == 1:  # one value: no uniform number
            for s in range(b):
                out[s, i] = base
                sums[s] += base
            for s in range(e):
                spare[s, i] = base
                sums[b + s] += base
            continue
        n_c, k_size, tab = n_centre[j], float(size[j]), table[start[j] :]
        for s in range(b):
            s0, s1, s2, s3, pos = _look_up(s0, s1, s2, s3, tab, k_size)
            if pos < n_c:
                value = base + pos
            else:
                s0, s1, s2, s3, value = _draw_tail(s0, s1, s2, s3, j, tables)
            out[s, i] = value
            sums[s] += value
        for s in range(e):
            s0, s1, s2, s3, pos = _look_up(s0, s1, s2, s3, tab, k_size)
            if pos < n_c:
                value = base + pos
            else:
                s0, s1, s2, s3, value = _draw_tail(s0, s1, s2, s3, j, tables)
            spare[s, i] = value
            sums[b + s] += value
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


@_jit
def _add_persons(state: np.ndarray, need: np.ndarray, table: np.ndarray, out: np.ndarray) -> None:
    """Allocate need[s] further persons to row s of out (rows x units), one uniform each."""
    size = float(len(table))
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    for s in range(len(need)):
        row = out[s]
        for _ in range(need[s]):
            s0, s1, s2, s3, u = _step(s0, s1, s2, s3)
            w = u * size
            k = int(w)
            row[k + int(table[k, 1] * (w - k >= table[k, 0]))] += 1.0
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


@_jit
def _adjust_persons(
    state: np.ndarray, need: np.ndarray, classes: Any, bounds: Any, out: np.ndarray
) -> None:
    """Add ``need[s]`` persons to row ``s`` of ``out``, or remove ``-need[s]``.

    ``classes = (table, start, size, units)``: the alias table over the classes of units
    of equal probability (weights: class size times probability), and the units of class
    ``c`` as ``units[start[c]:start[c] + size[c]]``. ``bounds = (table, top)``: an upper
    bound ``top[c]`` of any unit's count in class ``c`` and the alias table over the
    classes with weights ``size[c] * top[c]``.

    *Adding*: each person draws a class (one uniform; the counts per class stay in the L1
    cache), then, class after class, a unit of the class uniformly (a second uniform
    unless the class has one unit): unit ``i`` with probability ``p_i``. Units of one
    class lie together in ``out`` when the units are sorted by their probabilities (as
    the simulator sorts them), so the row is written front to back.

    *Removing* persons uniformly at random, one after the other: a unit ``i`` of class
    ``c`` is proposed with probability ``top[c] / sum(size * top)`` and accepted with
    probability ``count_i / top[c]``, so that it is taken with probability proportional
    to its count (rejection sampling; about 3 in 4 proposals are accepted at
    planning-area sizes).
    """
    per_class = np.zeros(len(classes[0]), np.int64)
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    for s in range(len(need)):
        if need[s] > 0:
            s0, s1, s2, s3 = _add_row(s0, s1, s2, s3, out[s], need[s], classes, per_class)
        elif need[s] < 0:
            s0, s1, s2, s3 = _remove_row(s0, s1, s2, s3, out[s], -need[s], classes, bounds)
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


@_jit
def _stream_in(row: np.ndarray) -> bool:
    """Read one value per cache line of ``row``, front to back; True (counts are >= 0).

    The persons step then finds the row in the caches instead of waiting for memory at
    every random place it adds or removes a person (the reads stream, the CPU fetches
    ahead). The sum is returned and tested only so that the compiler keeps the reads.
    """
    touched = 0.0
    for i in range(0, len(row), 8):
        touched += row[i]
    return touched >= 0.0


@_jit
def _add_row(
    s0: np.uint64,
    s1: np.uint64,
    s2: np.uint64,
    s3: np.uint64,
    row: np.ndarray,
    m: int,
    classes: Any,
    per_class: np.ndarray,
) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64]:
    """Add ``m`` persons to ``row`` (see :func:`_adjust_persons`); ``per_class`` is zeros."""
    table, start, size, units = classes
    k_size = float(len(table))
    if not _stream_in(row):
        return s0, s1, s2, s3
    for _ in range(m):
        s0, s1, s2, s3, u = _step(s0, s1, s2, s3)
        w = u * k_size
        k = int(w)
        per_class[k + int(table[k, 1] * (w - k >= table[k, 0]))] += 1
    for c in range(len(table)):
        n_c = per_class[c]
        if n_c == 0:
            continue
        per_class[c] = 0
        first, width = start[c], size[c]
        if width == 1:
            row[units[first]] += n_c
            continue
        f_width = float(width)
        for _ in range(n_c):
            s0, s1, s2, s3, u = _step(s0, s1, s2, s3)
            row[units[first + int(u * f_width)]] += 1.0
    return s0, s1, s2, s3


@_jit
def _remove_row(
    s0: np.uint64,
    s1: np.uint64,
    s2: np.uint64,
    s3: np.uint64,
    row: np.ndarray,
    m: int,
    classes: Any,
    bounds: Any,
) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64]:
    """Remove ``m`` persons of ``row`` uniformly at random (see :func:`_adjust_persons`)."""
    _, start, size, units = classes
    table, top = bounds
    k_size = float(len(table))
    removed = 0 if _stream_in(row) else m
    while removed < m:
        s0, s1, s2, s3, u = _step(s0, s1, s2, s3)
        w = u * k_size
        k = int(w)
        c = k + int(table[k, 1] * (w - k >= table[k, 0]))
        i = units[start[c]]
        if size[c] > 1:
            s0, s1, s2, s3, u = _step(s0, s1, s2, s3)
            i = units[start[c] + int(u * float(size[c]))]
        s0, s1, s2, s3, u = _step(s0, s1, s2, s3)
        if u * top[c] < row[i]:
            row[i] -= 1.0
            removed += 1
    return s0, s1, s2, s3


class _Stream:
    """The SFC64 state the compiled samplers advance, tied to a numpy Generator.

    With an SFC64 generator the compiled code continues its very stream and writes the
    state back, so numbers drawn afterwards with numpy follow on; any other generator
    seeds a fresh SFC64 stream from one of its integers.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        self.bit_generator = rng.bit_generator
        if not isinstance(self.bit_generator, np.random.SFC64):
            self.bit_generator = np.random.SFC64(rng.integers(0, 2**63))
        self.full = self.bit_generator.state
        self.state = np.array(self.full["state"]["state"], dtype=np.uint64)

    def __enter__(self) -> np.ndarray:
        return self.state

    def __exit__(self, *exc: object) -> None:
        self.full["state"]["state"] = self.state
        self.bit_generator.state = self.full


class UnitSampler:
    """Draws from one fixed distribution per unit: Poisson(``a_i``) or Bin(``a_i``, ``p``).

    Falls back to numpy's own generators when the tables would exceed
    ``MAX_TABLE_ENTRIES`` entries (very large counts in very many distinct units).
    """

    def __init__(self, kind: int, a: np.ndarray, p: float = 0.0) -> None:
        self.kind = kind
        self.a = np.asarray(a, dtype=float)
        self.p = float(p)
        keys, unit_table = np.unique(self.a, return_inverse=True)
        var = keys if kind == _POISSON else keys * self.p * (1.0 - self.p)
        estimate = float((20.0 * np.sqrt(np.maximum(var, 0.0)) + 40.0).sum())
        self.tables: tuple[np.ndarray, ...] | None = None
        if estimate <= MAX_TABLE_ENTRIES:
            self.unit_table = unit_table.astype(np.int64)
            # units in the order of their tables: units of one size share a table, and the
            # tables are read front to back, which keeps them in the CPU caches
            self.order = np.argsort(self.unit_table, kind="stable")
            #: units already sorted by their tables (Simulator sorts them by size)
            self.in_order = bool((np.diff(self.unit_table) >= 0).all())
            self.tables = _unit_tables(kind, keys, np.full(len(keys), self.p))
            self.n_spread = int(np.count_nonzero(self.tables[2][self.unit_table] > 1))

    def draw(
        self, rng: np.random.Generator, out: np.ndarray, spare: np.ndarray | None = None
    ) -> np.ndarray:
        """Fill ``out`` (shape ``(b, n)``) with independent draws; return the row sums.

        ``spare`` (shape ``(e, n)``), if given, gets ``e`` further rows in the same pass;
        the returned sums then have ``b + e`` entries.
        """
        b, n = out.shape
        if spare is None:
            spare = np.empty((0, n))
        e = len(spare)
        if self.tables is None:
            for rows in (out, spare):
                if self.kind == _POISSON:
                    rows[:] = rng.poisson(self.a, size=rows.shape)
                else:
                    rows[:] = rng.binomial(self.a.astype(np.int64), self.p, size=rows.shape)
            return np.r_[out.sum(axis=1), spare.sum(axis=1)]
        sums = np.empty(b + e)
        if self.in_order:
            with _Stream(rng) as state:
                _draw_rows(state, self.unit_table, self.tables, out, spare, sums)
            return sums
        by_unit = np.empty((n, b + e))
        with _Stream(rng) as state:
            _draw_units(state, self.order, self.unit_table, self.tables, by_unit, sums)
        out[:] = by_unit[:, :b].T
        spare[:] = by_unit[:, b:].T
        return sums


def _classes(probs: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """Classes of units with equal probabilities for :func:`_adjust_persons`.

    ``None`` when fewer than two units share a probability on average (then one alias
    table over the units is as good). Under the systematic null the probabilities are
    the units' totals over the city's, so a city of 10,000 units has at most a few
    thousand classes.
    """
    keys, inverse, size = np.unique(probs, return_inverse=True, return_counts=True)
    if 2 * len(keys) > len(probs):
        return None
    units = np.argsort(inverse, kind="stable").astype(np.int64)
    return _pmf_table(keys * size), _stack(size), size.astype(np.int64), units


class MultinomialSampler:
    """Exact ``Mult(total, probs)`` rows by Poissonisation (module docstring).

    When units share their probabilities (the systematic null: ``p_i = t_i / T``), the
    counts are drawn as ``Poisson(G p_i)`` and the row is corrected to ``G`` persons by
    adding or removing persons (:func:`_adjust_persons`); otherwise as ``Poisson((G - m)
    p_i)`` with rejection of rows above ``G`` and persons added one by one.
    """

    def __init__(self, total: int, probs: np.ndarray) -> None:
        self.total = int(total)
        probs = np.asarray(probs, dtype=float)
        self.poisson: UnitSampler | None = None
        self.classes: tuple[np.ndarray, ...] | None = None
        self.bounds: tuple[np.ndarray, np.ndarray] | None = None
        if self.total <= 0:
            return
        classes = _classes(probs)
        if classes is not None:
            poisson = UnitSampler(_POISSON, self.total * probs)
            if poisson.tables is not None:
                self.poisson, self.classes = poisson, classes
                self.bounds = _class_bounds(classes, poisson)
                return
        self.table = _pmf_table(probs)  # the persons added one by one
        spare = min(self.total, math.ceil(SPARE * math.sqrt(self.total)))
        if self.total > spare:
            self.poisson = UnitSampler(_POISSON, (self.total - spare) * probs)

    def draw(self, rng: np.random.Generator, out: np.ndarray) -> None:
        """Fill ``out`` (shape ``(b, n)``) with ``b`` independent multinomial rows."""
        if self.total == 0:
            out[:] = 0.0
            return
        if self.bounds is not None:
            assert self.poisson is not None
            assert self.classes is not None
            need = (self.total - self.poisson.draw(rng, out)).astype(np.int64)
            with _Stream(rng) as state:
                _adjust_persons(state, need, self.classes, self.bounds, out)
            return
        if self.poisson is None:  # a small group: every person one by one
            out[:] = 0.0
            sums = np.zeros(len(out))
        else:
            sums = self._draw_below(rng, out)
        need = (self.total - sums).astype(np.int64)
        with _Stream(rng) as state:
            _add_persons(state, need, self.table, out)

    def _draw_below(self, rng: np.random.Generator, out: np.ndarray) -> np.ndarray:
        """Poisson rows with at most ``total`` persons (rejection); return their sums."""
        assert self.poisson is not None
        # P(S > G) = P(Z > 1.5), about 7 %: rejected rows are replaced by spare rows
        # drawn in the same pass (enough in all but about 1 in 1,000 chunks)
        b = len(out)
        q = 0.5 * math.erfc(SPARE / math.sqrt(2.0))
        e = math.ceil((b * q + 3.0 * math.sqrt(b * q) + 1.0) / (1.0 - q))
        spare = np.empty((e, out.shape[1]))
        sums = self.poisson.draw(rng, out, spare)
        spare_sums, sums = sums[b:], sums[:b]
        usable = np.flatnonzero(spare_sums <= self.total)
        again = np.flatnonzero(sums > self.total)
        fill = min(len(again), len(usable))
        out[again[:fill]] = spare[usable[:fill]]
        sums[again[:fill]] = spare_sums[usable[:fill]]
        again = again[fill:]
        while len(again):
            redo = np.empty((len(again), out.shape[1]))
            redo_sums = self.poisson.draw(rng, redo)
            ok = redo_sums <= self.total
            out[again[ok]] = redo[ok]
            sums[again[ok]] = redo_sums[ok]
            again = again[~ok]
        return sums


def _class_bounds(
    classes: tuple[np.ndarray, ...], poisson: UnitSampler
) -> tuple[np.ndarray, np.ndarray]:
    """Largest value each class's Poisson table can give, and an alias table by them.

    A unit's draws come from its table's centre and tails, so the top of the upper tail
    bounds its count; the removal step of :func:`_adjust_persons` proposes classes with
    weights ``size * top``.
    """
    _, start, size, units = classes
    assert poisson.tables is not None
    lo, _, _, _, n_centre, _, _, n_right = poisson.tables[:8]
    j = poisson.unit_table[units[start]]
    top = (lo[j] + n_centre[j] + n_right[j] - 1).astype(float)
    return _pmf_table(size * top), top


def poisson_sampler(lam: np.ndarray) -> UnitSampler:
    """Sampler of Poisson(``lam_i``) per unit."""
    return UnitSampler(_POISSON, lam)


def binomial_sampler(trials: np.ndarray, p: float) -> UnitSampler:
    """Sampler of Bin(``trials_i``, ``p``) per unit."""
    return UnitSampler(_BINOMIAL, trials, p)
