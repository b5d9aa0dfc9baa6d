r"""Max-p construction and local search, compiled with numba.

The max-p problem (Duque, Anselin & Rey 2012) asks for as many contiguous regions
as possible that each reach a population floor and, among partitions with that
count, for the least within-region sum of squares. Its heuristic (Wei, Rey & Knaap
2021) grows regions from random seeds, assigns the blocks left over (enclaves) to
adjacent regions and improves the sum of squares by moving border blocks. The
functions here do the same steps, aimed at the count:

* :func:`grow` grows one region at a time from the unassigned block nearest (in
  graph steps) to a starting block, so that the regions sweep across the graph
  and leave few pockets behind. Each step takes the frontier block that is most
  surrounded by the region (compact regions leave no slivers) and, second, nearest
  to the region's attribute mean. A region whose pocket runs out before the floor
  becomes an enclave.
* :func:`assign_enclaves` gives every enclave block to the adjacent region whose
  sum of squares rises least, within the ceiling.
* :func:`local_search` moves single border blocks to an adjacent region whenever
  that lowers the within sum of squares and keeps both regions connected and
  within the bounds (greedy descent, as in the AZP of Openshaw 1977).

Everything works on positions ``0..n-1`` of a symmetric CSR adjacency
(``indptr``, ``indices``); labels are ``0..k-1``, ``-1`` marks unassigned blocks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba
import numpy as np

__all__ = [
    "assign_enclaves",
    "bfs_rank",
    "grow",
    "local_search",
    "shed",
    "sweep_rank",
    "within_ss",
]


def _jit(func: Callable[..., Any]) -> Any:
    """Compile with numba, caching the machine code on disk where that is possible."""
    try:
        return numba.njit(cache=True, nogil=True)(func)
    except RuntimeError:  # pragma: no cover - no writable cache location
        return numba.njit(nogil=True)(func)


@_jit
def bfs_rank(indptr: np.ndarray, indices: np.ndarray, start: int) -> np.ndarray:
    """Graph distance (in steps) of every block from ``start`` (-1 if unreachable)."""
    n = len(indptr) - 1
    dist = np.full(n, -1, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    dist[start] = 0
    queue[0] = start
    head, tail = 0, 1
    while head < tail:
        u = queue[head]
        head += 1
        for q in range(indptr[u], indptr[u + 1]):
            v = indices[q]
            if dist[v] < 0:
                dist[v] = dist[u] + 1
                queue[tail] = v
                tail += 1
    return dist


@_jit
def grow(
    indptr: np.ndarray,
    indices: np.ndarray,
    pop: np.ndarray,
    z: np.ndarray,
    floor: float,
    rank: np.ndarray,
    alpha: float,
) -> tuple[np.ndarray, int]:
    """Grow regions up to the floor, one after another, in the order of ``rank``.

    Returns the labels (``-1`` for enclave blocks: pockets that could not reach the
    floor) and the number of regions.
    """
    n = len(pop)
    d = z.shape[1]
    labels = np.full(n, -1, dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)  # assigned to a region or an enclave
    deg = np.empty(n, dtype=np.float64)
    for i in range(n):
        deg[i] = max(1, indptr[i + 1] - indptr[i])
    order = np.argsort(rank, kind="mergesort")
    inside = np.zeros(n, dtype=np.int64)  # neighbours in the growing region
    stamp = np.full(n, -1, dtype=np.int64)  # region whose frontier holds the block
    front = np.empty(n, dtype=np.int64)
    members = np.empty(n, dtype=np.int64)
    centre = np.empty(d, dtype=np.float64)
    k = 0
    trial = 0
    pos = 0
    scale = 1.0 / (2.0 * d)
    while True:
        while pos < n and done[order[pos]]:
            pos += 1
        if pos == n:
            break
        seed = order[pos]
        trial += 1
        nf = 0
        nm = 0
        p = 0.0
        centre[:] = 0.0
        cur = seed
        while True:
            # take `cur` into the region
            done[cur] = True
            members[nm] = cur
            nm += 1
            p += pop[cur]
            for j in range(d):
                centre[j] += z[cur, j]
            if p >= floor:
                break
            for q in range(indptr[cur], indptr[cur + 1]):
                v = indices[q]
                if done[v]:
                    continue
                if stamp[v] != trial:
                    stamp[v] = trial
                    inside[v] = 0
                    front[nf] = v
                    nf += 1
                inside[v] += 1
            if nf == 0:
                break
            best = -1
            best_score = -np.inf
            best_at = 0
            for t in range(nf):
                v = front[t]
                dist = 0.0
                for j in range(d):
                    diff = z[v, j] - centre[j] / nm
                    dist += diff * diff
                score = inside[v] / deg[v] - alpha * dist * scale
                if score > best_score:
                    best_score = score
                    best = v
                    best_at = t
            front[best_at] = front[nf - 1]
            nf -= 1
            stamp[best] = -1
            cur = best
        if p >= floor:
            for t in range(nm):
                labels[members[t]] = k
            k += 1
        # else: the pocket ran out below the floor; its blocks stay -1 (enclave)
        for t in range(nf):
            stamp[front[t]] = -1
    return labels, k


@_jit
def _stats(
    labels: np.ndarray, pop: np.ndarray, z: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, d = z.shape
    cnt = np.zeros(k, dtype=np.float64)
    rpop = np.zeros(k, dtype=np.float64)
    s1 = np.zeros((k, d), dtype=np.float64)
    for i in range(n):
        r = labels[i]
        if r < 0:
            continue
        cnt[r] += 1.0
        rpop[r] += pop[i]
        for j in range(d):
            s1[r, j] += z[i, j]
    return cnt, rpop, s1


@_jit
def _add_cost(z: np.ndarray, i: int, s1: np.ndarray, cnt: np.ndarray, r: int) -> float:
    """Rise of region ``r``'s sum of squares when block ``i`` joins it."""
    if cnt[r] == 0:
        return 0.0
    dist = 0.0
    for j in range(z.shape[1]):
        diff = z[i, j] - s1[r, j] / cnt[r]
        dist += diff * diff
    return cnt[r] / (cnt[r] + 1.0) * dist


@_jit
def assign_enclaves(
    indptr: np.ndarray,
    indices: np.ndarray,
    pop: np.ndarray,
    z: np.ndarray,
    labels: np.ndarray,
    k: int,
    ceiling: float,
) -> tuple[np.ndarray, int]:
    """Give unassigned blocks to adjacent regions (least rise of the SS, within the ceiling).

    Blocks are handed out in rounds, each round only those touching a region. When
    no region with room touches the remaining blocks, they go to the adjacent
    region with the fewest residents (the ceiling is then repaired elsewhere).
    Returns the labels and the number of blocks placed above the ceiling.
    """
    labels = labels.copy()
    n, d = z.shape
    cnt, rpop, s1 = _stats(labels, pop, z, k)
    over = 0
    strict = True
    while True:
        todo = 0
        placed = 0
        for i in range(n):
            if labels[i] >= 0:
                continue
            todo += 1
            best = -1
            best_cost = np.inf
            for q in range(indptr[i], indptr[i + 1]):
                r = labels[indices[q]]
                if r < 0:
                    continue
                if strict:
                    if rpop[r] + pop[i] > ceiling:
                        continue
                    cost = _add_cost(z, i, s1, cnt, r)
                else:
                    cost = rpop[r]
                if cost < best_cost:
                    best_cost = cost
                    best = r
            if best >= 0:
                if rpop[best] + pop[i] > ceiling:
                    over += 1
                labels[i] = best
                cnt[best] += 1.0
                rpop[best] += pop[i]
                for j in range(d):
                    s1[best, j] += z[i, j]
                placed += 1
        if todo == 0:
            break
        if placed == 0:
            if not strict:
                break  # blocks in a part of the graph without any region
            strict = False
        else:
            strict = True
    return labels, over


@_jit
def _stays_connected(
    indptr: np.ndarray,
    indices: np.ndarray,
    labels: np.ndarray,
    i: int,
    seen: np.ndarray,
    mark: int,
    queue: np.ndarray,
) -> bool:
    """Whether region ``labels[i]`` stays connected without block ``i`` (bounded BFS)."""
    r = labels[i]
    first = -1
    need = 0
    for q in range(indptr[i], indptr[i + 1]):
        v = indices[q]
        if labels[v] == r:
            need += 1
            if first < 0:
                first = v
    if need <= 1:
        return True
    # targets: the region's neighbours of i, counted down as the search reaches them
    seen[i] = mark
    seen[first] = mark
    found = 1
    queue[0] = first
    head, tail = 0, 1
    while head < tail:
        u = queue[head]
        head += 1
        for q in range(indptr[u], indptr[u + 1]):
            v = indices[q]
            if labels[v] != r or seen[v] == mark:
                continue
            seen[v] = mark
            queue[tail] = v
            tail += 1
            for qq in range(indptr[i], indptr[i + 1]):
                if indices[qq] == v:
                    found += 1
                    break
            if found == need:
                return True
    return found == need


@_jit
def local_search(
    indptr: np.ndarray,
    indices: np.ndarray,
    pop: np.ndarray,
    z: np.ndarray,
    labels: np.ndarray,
    k: int,
    floor: float,
    ceiling: float,
    max_sweeps: int,
) -> tuple[np.ndarray, int]:
    """Move border blocks to adjacent regions while that lowers the within SS.

    A move keeps the donor connected (the receiver stays connected because the block
    touches it) and both regions within the floor and ceiling; regions outside the
    bounds may move towards them. Sweeps run over all blocks until none moves.
    Returns the labels and the number of moves.
    """
    labels = labels.copy()
    n, d = z.shape
    cnt, rpop, s1 = _stats(labels, pop, z, k)
    seen = np.full(n, -1, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    mark = 0
    moves = 0
    for _ in range(max_sweeps):
        moved = 0
        for i in range(n):
            a = labels[i]
            if cnt[a] <= 1:
                continue
            if rpop[a] - pop[i] < floor:
                continue
            dist_a = 0.0
            for j in range(d):
                diff = z[i, j] - s1[a, j] / cnt[a]
                dist_a += diff * diff
            remove = cnt[a] / (cnt[a] - 1.0) * dist_a
            best = -1
            best_gain = 1e-9 * (1.0 + remove)
            for q in range(indptr[i], indptr[i + 1]):
                b = labels[indices[q]]
                if b == a:
                    continue
                if rpop[b] + pop[i] > ceiling:
                    continue
                gain = remove - _add_cost(z, i, s1, cnt, b)
                if gain > best_gain:
                    best_gain = gain
                    best = b
            if best < 0:
                continue
            mark += 1
            if not _stays_connected(indptr, indices, labels, i, seen, mark, queue):
                continue
            labels[i] = best
            cnt[a] -= 1.0
            cnt[best] += 1.0
            rpop[a] -= pop[i]
            rpop[best] += pop[i]
            for j in range(d):
                s1[a, j] -= z[i, j]
                s1[best, j] += z[i, j]
            moved += 1
        moves += moved
        if moved == 0:
            break
    return labels, moves


@_jit
def within_ss(z: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Within-region sum of squares of ``z`` for labels ``0..k-1``."""
    n, d = z.shape
    cnt = np.zeros(k)
    s1 = np.zeros((k, d))
    s2 = 0.0
    for i in range(n):
        r = labels[i]
        cnt[r] += 1.0
        for j in range(d):
            s1[r, j] += z[i, j]
            s2 += z[i, j] * z[i, j]
    out = s2
    for r in range(k):
        if cnt[r] > 0:
            for j in range(d):
                out -= s1[r, j] * s1[r, j] / cnt[r]
    return out


@_jit
def sweep_rank(indptr: np.ndarray, indices: np.ndarray, start: int) -> np.ndarray:
    """Graph distance from ``start``; each other graph part from its first block."""
    n = len(indptr) - 1
    rank = bfs_rank(indptr, indices, start)
    offset = rank.max() + 1
    for s in range(n):
        if rank[s] >= 0:
            continue
        part = bfs_rank(indptr, indices, s)
        top = 0
        for i in range(n):
            if part[i] >= 0 and rank[i] < 0:
                rank[i] = offset + part[i]
                top = max(top, part[i])
        offset += top + 1
    return rank


@_jit
def shed(
    indptr: np.ndarray,
    indices: np.ndarray,
    pop: np.ndarray,
    z: np.ndarray,
    labels: np.ndarray,
    k: int,
    floor: float,
    ceiling: float,
) -> np.ndarray:
    """Move border blocks out of regions above the ceiling into adjacent regions with room.

    Sweeps over the blocks; a block of a region above the ceiling moves to the
    adjacent region (with room) whose within SS rises least, if the donor stays
    connected and at or above the floor. Stops when no region is above the ceiling
    or a sweep moves nothing.
    """
    labels = labels.copy()
    n, d = z.shape
    cnt, rpop, s1 = _stats(labels, pop, z, k)
    seen = np.full(n, -1, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    mark = 0
    while True:
        moved = 0
        over = 0
        for i in range(n):
            a = labels[i]
            if rpop[a] <= ceiling:
                continue
            over += 1
            if cnt[a] <= 1 or rpop[a] - pop[i] < floor:
                continue
            best = -1
            best_cost = np.inf
            for q in range(indptr[i], indptr[i + 1]):
                b = labels[indices[q]]
                if b == a or rpop[b] + pop[i] > ceiling:
                    continue
                cost = _add_cost(z, i, s1, cnt, b)
                if cost < best_cost:
                    best_cost = cost
                    best = b
            if best < 0:
                continue
            mark += 1
            if not _stays_connected(indptr, indices, labels, i, seen, mark, queue):
                continue
            labels[i] = best
            cnt[a] -= 1.0
            cnt[best] += 1.0
            rpop[a] -= pop[i]
            rpop[best] += pop[i]
            for j in range(d):
                s1[a, j] -= z[i, j]
                s1[best, j] += z[i, j]
            moved += 1
        if over == 0 or moved == 0:
            break
    return labels
