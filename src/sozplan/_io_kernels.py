r"""Compiled (numba) byte scanners behind :func:`sozplan.io.read_statistik`.

The reader's rules are written once, in Python, in :mod:`sozplan.io`; these kernels
apply the same rules to many cells at C speed. They work on UTF-8 bytes and treat
only printable ASCII themselves: every cell with another byte (a letter with an
umlaut, a no-break space, an en dash, a control character) is marked ``PYTHON`` and
handed back to the Python rules, so the two ways cannot disagree on such cells.

* :func:`scan_lines` splits a buffer into lines and fields and counts, per line, the
  fields, the filled fields and the position of the last filled one (what the reader
  needs to find the table) without making a Python string.
* :func:`next_field_hashed` gives the stripped byte spans of the next cell of every row
  and two hashes of its bytes, by which the caller factorizes the cells
  (:func:`first_positions` finds the first cell of each code).
* :func:`parse_cells` reads numbers and DIN 55301 signs in a given decimal and
  thousands format, the grammar of ``sozplan.io._cell_pattern``:
  ``[(] [sign blanks*] (grouped | digits) [decimal digits] [)] [blanks* p|r|s]``.
* :func:`cell_properties` gives the facts the key detection asks of a cell.
"""

from __future__ import annotations

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


#: Status codes returned by :func:`parse_cells` (indices into ``sozplan.io.STATUS_CODES``);
#: ``PYTHON`` asks the caller to read the cell with the Python rules.
OK, ZERO, ROUNDED_ZERO, SUPPRESSED, UNRELIABLE, NOT_APPLICABLE, PENDING = 0, 1, 2, 3, 4, 5, 6
LIMITED, PROVISIONAL, REVISED, ESTIMATED, MISSING, INVALID = 7, 8, 9, 10, 11, 12
PYTHON = -1

#: Bits of :func:`cell_properties`.
ASCII, DIGITS, ALNUM, HAS_DIGIT, LEADING_ZERO = 1, 2, 4, 8, 16


@jit
def _space_after(buf: np.ndarray, p: int, end: int) -> int:
    """Byte length of the whitespace character (``str.isspace``) starting at ``p``, or 0."""
    b = buf[p]
    if b == 0x20 or 0x09 <= b <= 0x0D or 0x1C <= b <= 0x1F:
        return 1
    if b == 0xC2 and p + 1 < end and (buf[p + 1] == 0x85 or buf[p + 1] == 0xA0):
        return 2
    if p + 2 < end:
        b1, b2 = buf[p + 1], buf[p + 2]
        if b == 0xE1 and b1 == 0x9A and b2 == 0x80:
            return 3
        if b == 0xE2 and b1 == 0x80 and (b2 <= 0x8A or b2 == 0xA8 or b2 == 0xA9 or b2 == 0xAF):
            return 3
        if b == 0xE2 and b1 == 0x81 and b2 == 0x9F:
            return 3
        if b == 0xE3 and b1 == 0x80 and b2 == 0x80:
            return 3
    return 0


@jit
def _space_before(buf: np.ndarray, start: int, q: int) -> int:
    """Byte length of the whitespace character ending just before ``q``, or 0."""
    for n in (1, 2, 3):
        p = q - n
        if p < start:
            return 0
        if _space_after(buf, p, q) == n:
            return n
    return 0


@jit
def _strip(buf: np.ndarray, s: int, e: int) -> tuple[int, int]:
    """Span of ``buf[s:e]`` without leading and trailing whitespace (``str.strip``)."""
    while s < e:
        n = _space_after(buf, s, e)
        if n == 0:
            break
        s += n
    while e > s:
        n = _space_before(buf, s, e)
        if n == 0:
            break
        e -= n
    return s, e


@jit
def _needs_strip(buf: np.ndarray, s: int, e: int) -> bool:
    """Whether a line holds a blank, tab, no-break or narrow no-break space."""
    for p in range(s, e):
        b = buf[p]
        if b == 0x20 or b == 0x09:
            return True
        if b == 0xC2 and p + 1 < e and buf[p + 1] == 0xA0:
            return True
        if b == 0xE2 and p + 2 < e and buf[p + 1] == 0x80 and buf[p + 2] == 0xAF:
            return True
    return False


@jit
def scan_lines(
    buf: np.ndarray, sep: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Split ``buf`` at ``\n`` (a ``\r`` before it dropped) and count the fields per line.

    Returns per line its start and end offset, whether its fields are stripped (it
    holds a blank or tab), the number of fields, of filled fields and the 1-based
    position of the last filled field (0: none). A last empty line is no line.
    """
    n = len(buf)
    count = 0
    for p in range(n):
        if buf[p] == 0x0A:
            count += 1
    if n and buf[n - 1] != 0x0A:
        count += 1
    starts = np.empty(count, np.int64)
    ends = np.empty(count, np.int64)
    strip = np.empty(count, np.bool_)
    n_fields = np.empty(count, np.int64)
    n_filled = np.empty(count, np.int64)
    last = np.empty(count, np.int64)
    s = 0
    for i in range(count):
        e = s
        while e < n and buf[e] != 0x0A:
            e += 1
        nxt = e + 1
        if e > s and buf[e - 1] == 0x0D:
            e -= 1
        starts[i], ends[i] = s, e
        st = _needs_strip(buf, s, e)
        strip[i] = st
        k = filled = last_filled = 0
        f = s
        while True:
            g = f
            while g < e and buf[g] != sep:
                g += 1
            a, b = (_strip(buf, f, g)) if st else (f, g)
            k += 1
            if b > a:
                filled += 1
                last_filled = k
            if g >= e:
                break
            f = g + 1
        n_fields[i], n_filled[i], last[i] = k, filled, last_filled
        s = nxt
    return starts, ends, strip, n_fields, n_filled, last


@jit
def next_field_hashed(
    buf: np.ndarray, cursor: np.ndarray, ends: np.ndarray, strip: np.ndarray, sep: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the stripped spans of the fields at ``cursor`` and two hashes of their bytes.

    ``cursor`` (one position per row) moves on to the next field; a row without a field
    left gets an empty span. The hashes are FNV-1a with two different offset bases, the length mixed in; cells
    are factorized by the first and the second proves that no two different cells
    share it (both colliding at once is a 2**-128 event).
    """
    m = len(cursor)
    a = np.empty(m, np.int64)
    b = np.empty(m, np.int64)
    h1 = np.empty(m, np.uint64)
    h2 = np.empty(m, np.uint64)
    prime = np.uint64(1099511628211)
    for r in range(m):
        f, e = cursor[r], ends[r]
        if f > e:
            x = y = e
        else:
            g = f
            while g < e and buf[g] != sep:
                g += 1
            x, y = (_strip(buf, f, g)) if strip[r] else (f, g)
            cursor[r] = g + 1
        a[r], b[r] = x, y
        u = np.uint64(14695981039346656037)
        v = np.uint64(7809847782465536322)
        for p in range(x, y):
            c = np.uint64(buf[p])
            u = (u ^ c) * prime
            v = (v ^ c) * prime + np.uint64(0x9E3779B97F4A7C15)
        n = np.uint64(y - x)
        h1[r] = (u ^ n) * prime
        h2[r] = (v ^ n) * prime
    return a, b, h1, h2


@jit
def first_positions(codes: np.ndarray, n_uniques: int) -> np.ndarray:
    """Position of the first cell of every code."""
    first = np.full(n_uniques, -1, np.int64)
    for i in range(len(codes)):
        c = codes[i]
        if first[c] < 0:
            first[c] = i
    return first


@jit
def _digits(buf: np.ndarray, p: int, e: int) -> int:
    q = p
    while q < e and 0x30 <= buf[q] <= 0x39:
        q += 1
    return q - p


@jit
def _grouped(buf: np.ndarray, p: int, e: int, tho: int) -> int:
    r"""End of ``[1-9]\d{0,2}(?:[tho ]\d{3})+`` at ``p`` (greedy), or -1."""
    lead = _digits(buf, p, e)
    if lead < 1 or lead > 3 or buf[p] == 0x30:
        return -1
    q = p + lead
    groups = 0
    while q + 4 <= e:
        c = buf[q]
        if not (c == 0x20 or (tho >= 0 and c == tho)):
            break
        if _digits(buf, q + 1, e) < 3:
            break
        q += 4
        groups += 1
    return q if groups else -1


@jit
def _tail(buf: np.ndarray, q: int, e: int, dec: int, bracket: bool) -> tuple[int, int, int]:
    """Match the rest after the integer part; return (end of number, flag, ok)."""
    if q < e and buf[q] == dec:
        nd = _digits(buf, q + 1, e)
        if nd:
            q += 1 + nd
    num_end = q
    if bracket:
        while q < e and buf[q] == 0x20:
            q += 1
        if q >= e or buf[q] != 0x29:  # ")"
            return num_end, 0, 0
        q += 1
    while q < e and buf[q] == 0x20:
        q += 1
    flag = 0
    if q < e and (buf[q] == 0x70 or buf[q] == 0x72 or buf[q] == 0x73):  # p r s
        flag = buf[q]
        q += 1
    return num_end, flag, 1 if q == e else 0


@jit
def _value(buf: np.ndarray, p: int, e: int, dec: int) -> float:
    """Return the value of a matched number: its digits, those after ``dec`` decimals."""
    mant = 0.0
    frac = 0
    after = False
    neg = False
    for q in range(p, e):
        c = buf[q]
        if c == 0x2D:
            neg = True
        elif 0x30 <= c <= 0x39:
            mant = mant * 10.0 + (c - 0x30)
            if after:
                frac += 1
        elif c == dec:
            after = True
    if frac:
        power = 1.0
        for _ in range(frac):
            power *= 10.0  # exact up to 1e22
        mant = mant / power
    return -mant if neg else mant


@jit
def _exact(buf: np.ndarray, p: int, e: int) -> bool:
    """Whether the number has at most 15 digits (then the float division is exact)."""
    nd = 0
    for q in range(p, e):
        if 0x30 <= buf[q] <= 0x39:
            nd += 1
    return nd <= 15


@jit
def parse_cells(
    buf: np.ndarray, a: np.ndarray, b: np.ndarray, dec: int, tho: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Status code, value and "has a decimal separator" of every span (see module notes).

    ``tho`` is -1 for no thousands character (blanks still group). Spans with a byte
    outside printable ASCII, or with more than 15 digits, get ``PYTHON``.
    """
    m = len(a)
    status = np.empty(m, np.int8)
    value = np.full(m, np.nan)
    has_dec = np.zeros(m, np.bool_)
    for i in range(m):
        s, e = a[i], b[i]
        plain = True
        for p in range(s, e):
            if buf[p] < 0x20 or buf[p] > 0x7E:
                plain = False
                break
        if not plain:
            status[i] = PYTHON
            continue
        n = e - s
        if n == 0:
            status[i] = MISSING
            continue
        c0 = buf[s]
        if n == 1 and c0 == 0x2D:
            status[i] = ZERO
            value[i] = 0.0
            continue
        if n == 1 and c0 == 0x2E:
            status[i] = SUPPRESSED
            continue
        if n == 1 and c0 == 0x2F:
            status[i] = UNRELIABLE
            continue
        if n == 1 and (c0 == 0x78 or c0 == 0x58):
            status[i] = NOT_APPLICABLE
            continue
        if n == 3 and c0 == 0x2E and buf[s + 1] == 0x2E and buf[s + 2] == 0x2E:
            status[i] = PENDING
            continue
        p = s
        bracket = c0 == 0x28
        if bracket:
            p += 1
            while p < e and buf[p] == 0x20:
                p += 1
        num_start = p
        if p < e and (buf[p] == 0x2D or buf[p] == 0x2B):
            p += 1
            while p < e and buf[p] == 0x20:
                p += 1
        ok = 0
        num_end = flag = 0
        q = _grouped(buf, p, e, tho)
        if q >= 0:
            num_end, flag, ok = _tail(buf, q, e, dec, bracket)
        if not ok:
            nd = _digits(buf, p, e)
            if nd:
                num_end, flag, ok = _tail(buf, p + nd, e, dec, bracket)
            elif p < e and buf[p] == dec and _digits(buf, p + 1, e):
                num_end, flag, ok = _tail(buf, p, e, dec, bracket)
        if not ok:
            status[i] = INVALID
            continue
        if not _exact(buf, num_start, num_end):
            status[i] = PYTHON
            continue
        v = _value(buf, num_start, num_end, dec)
        value[i] = v
        for q2 in range(num_start, num_end):
            if buf[q2] == dec:
                has_dec[i] = True
        if bracket:
            status[i] = LIMITED
        elif flag == 0x70:
            status[i] = PROVISIONAL
        elif flag == 0x72:
            status[i] = REVISED
        elif flag == 0x73:
            status[i] = ESTIMATED
        else:
            status[i] = ROUNDED_ZERO if v == 0 else OK
    return status, value, has_dec


@jit
def cell_properties(buf: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Bits ``ASCII | DIGITS | ALNUM | HAS_DIGIT | LEADING_ZERO`` of every span.

    Spans with a byte outside ASCII get 0 (the caller asks Python).
    """
    out = np.zeros(len(a), np.int8)
    for i in range(len(a)):
        s, e = a[i], b[i]
        ascii_, digits, alnum, has_digit = True, True, True, False
        for p in range(s, e):
            c = buf[p]
            if c > 0x7F:
                ascii_ = False
                break
            d = 0x30 <= c <= 0x39
            has_digit = has_digit or d
            digits = digits and d
            alnum = alnum and (d or 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A)
        if not ascii_:
            continue
        bits = ASCII
        if digits and e > s:
            bits |= DIGITS
        if alnum and e > s:
            bits |= ALNUM
        if has_digit:
            bits |= HAS_DIGIT
        if e - s > 1 and buf[s] == 0x30 and digits:
            bits |= LEADING_ZERO
        out[i] = bits
    return out
