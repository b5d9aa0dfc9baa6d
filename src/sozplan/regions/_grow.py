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
    "tabu_search",
    "tree_cut",
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
def _apply_move(
    labels: np.ndarray,
    cnt: np.ndarray,
    rpop: np.ndarray,
    s1: np.ndarray,
    z: np.ndarray,
    pop: np.ndarray,
    i: int,
    b: int,
) -> None:
    """Move block ``i`` to region ``b`` and update the running sums."""
    a = labels[i]
    labels[i] = b
    cnt[a] -= 1.0
    cnt[b] += 1.0
    rpop[a] -= pop[i]
    rpop[b] += pop[i]
    for j in range(z.shape[1]):
        s1[a, j] -= z[i, j]
        s1[b, j] += z[i, j]


@_jit
def _remove_cost(z: np.ndarray, i: int, s1: np.ndarray, cnt: np.ndarray, a: int) -> float:
    """Fall of region ``a``'s sum of squares when block ``i`` leaves it."""
    dist = 0.0
    for j in range(z.shape[1]):
        diff = z[i, j] - s1[a, j] / cnt[a]
        dist += diff * diff
    return cnt[a] / (cnt[a] - 1.0) * dist


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
    n = z.shape[0]
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
            remove = _remove_cost(z, i, s1, cnt, a)
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
            _apply_move(labels, cnt, rpop, s1, z, pop, i, best)
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
    n = z.shape[0]
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
            _apply_move(labels, cnt, rpop, s1, z, pop, i, best)
            moved += 1
        if over == 0 or moved == 0:
            break
    return labels


@_jit
def tabu_search(
    indptr: np.ndarray,
    indices: np.ndarray,
    pop: np.ndarray,
    z: np.ndarray,
    labels: np.ndarray,
    k: int,
    floor: float,
    ceiling: float,
    max_iter: int,
    patience: int,
    tenure: int,
) -> tuple[np.ndarray, int]:
    """Tabu search over single border moves (deterministic).

    Each iteration makes the best allowed move, even one that raises the within SS:
    a block that moved may not move again for ``tenure`` iterations unless the move
    gives a new best partition (aspiration). Moves keep the donor connected and both
    regions within the bounds. Stops after ``patience`` iterations without a new best
    or ``max_iter`` in all; returns the best partition met and the moves made.
    """
    labels = labels.copy()
    best_labels = labels.copy()
    n = z.shape[0]
    cnt, rpop, s1 = _stats(labels, pop, z, k)
    seen = np.full(n, -1, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    frozen = np.full(n, -1, dtype=np.int64)
    mark = 0
    cur = within_ss(z, labels, k)
    best_ss = cur
    since = 0
    moves = 0
    for it in range(max_iter):
        mv_i = -1
        mv_b = -1
        mv_gain = -np.inf
        for i in range(n):
            a = labels[i]
            if cnt[a] <= 1 or rpop[a] - pop[i] < floor:
                continue
            border = False
            for q in range(indptr[i], indptr[i + 1]):
                if labels[indices[q]] != a:
                    border = True
                    break
            if not border:
                continue
            remove = _remove_cost(z, i, s1, cnt, a)
            for q in range(indptr[i], indptr[i + 1]):
                b = labels[indices[q]]
                if b == a or rpop[b] + pop[i] > ceiling:
                    continue
                gain = remove - _add_cost(z, i, s1, cnt, b)
                if gain <= mv_gain:
                    continue
                if frozen[i] > it and cur - gain >= best_ss - 1e-12:
                    continue
                mark += 1
                if not _stays_connected(indptr, indices, labels, i, seen, mark, queue):
                    break
                mv_gain = gain
                mv_i = i
                mv_b = b
        if mv_i < 0:
            break
        _apply_move(labels, cnt, rpop, s1, z, pop, mv_i, mv_b)
        frozen[mv_i] = it + tenure
        cur -= mv_gain
        moves += 1
        if cur < best_ss - 1e-9 * (1.0 + abs(best_ss)):
            best_ss = cur
            best_labels[:] = labels
            since = 0
        else:
            since += 1
            if since >= patience:
                break
    return best_labels, moves


@_jit
def tree_cut(
    indptr: np.ndarray,
    indices: np.ndarray,
    members: np.ndarray,
    z: np.ndarray,
    pop: np.ndarray,
    floor: float,
    ceiling: float,
    need_floor: bool,
    loc: np.ndarray,
) -> tuple[float, np.ndarray, bool]:
    """Best cut of the minimum spanning tree of a connected set of blocks (SKATER step).

    The tree (Prim's algorithm, edge weight: Euclidean attribute distance) is cut at
    the edge that lowers the within SS most among the cuts leaving both parts at or
    above the floor (if ``need_floor``); with a finite ceiling, cuts with both parts
    under it come first, and if there are none while the set is above it, the most
    balanced cut. Returns the gain, a mask of the cut-off part (over ``members``) and
    whether a cut was found (False also when the set is not connected). ``loc`` is a
    scratch array of length n filled with -1 (restored on return).
    """
    m = len(members)
    d = z.shape[1]
    mask = np.zeros(m, dtype=np.bool_)
    if m < 2:
        return 0.0, mask, False
    order, parent, connected = _prim(indptr, indices, members, z, loc)
    if not connected:
        return 0.0, mask, False
    # subtree sums in reverse Prim order (parents are added before their children)
    cnt = np.ones(m)
    sp = np.empty(m)
    s1 = np.empty((m, d))
    s2 = np.zeros(m)
    for t in range(m):
        g = members[t]
        sp[t] = pop[g]
        for j in range(d):
            s1[t, j] = z[g, j]
            s2[t] += z[g, j] * z[g, j]
    for step in range(m - 1, 0, -1):
        u = order[step]
        p = parent[u]
        cnt[p] += cnt[u]
        sp[p] += sp[u]
        for j in range(d):
            s1[p, j] += s1[u, j]
        s2[p] += s2[u]
    root = order[0]
    tot_ss = s2[root]
    for j in range(d):
        tot_ss -= s1[root, j] * s1[root, j] / cnt[root]
    tot_pop = sp[root]
    best_gain = -np.inf
    best_u = -1
    best_under = False
    best_bal = np.inf
    finite = np.isfinite(ceiling)
    for step in range(1, m):
        u = order[step]
        ap = sp[u]
        bp = tot_pop - ap
        if need_floor and floor > 0 and (ap < floor or bp < floor):
            continue
        ss_a = s2[u]
        ss_b = s2[root] - s2[u]
        for j in range(d):
            ss_a -= s1[u, j] * s1[u, j] / cnt[u]
            rest = s1[root, j] - s1[u, j]
            ss_b -= rest * rest / (cnt[root] - cnt[u])
        gain = tot_ss - ss_a - ss_b
        under = finite and ap <= ceiling and bp <= ceiling
        bal = max(ap, bp)
        if finite:
            if under and not best_under:
                best_under = True
                best_gain = gain
                best_u = u
                continue
            if best_under and not under:
                continue
            if not best_under and tot_pop > ceiling:
                if bal < best_bal:
                    best_bal = bal
                    best_gain = gain
                    best_u = u
                continue
        if gain > best_gain:
            best_gain = gain
            best_u = u
    if best_u < 0:
        return 0.0, mask, False
    mask[best_u] = True
    for step in range(1, m):
        u = order[step]
        if mask[parent[u]]:
            mask[u] = True
    return best_gain, mask, True


@_jit
def _prim(
    indptr: np.ndarray, indices: np.ndarray, members: np.ndarray, z: np.ndarray, loc: np.ndarray
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Minimum spanning tree of the blocks ``members`` (Prim): visiting order and parents.

    Returns False as the third value if the blocks are not connected. ``loc`` is a
    scratch array of length n filled with -1 (restored on return).
    """
    m = len(members)
    d = z.shape[1]
    for t in range(m):
        loc[members[t]] = t
    # Prim on the induced subgraph
    key = np.full(m, np.inf)
    parent = np.full(m, -1, dtype=np.int64)
    used = np.zeros(m, dtype=np.bool_)
    order = np.empty(m, dtype=np.int64)
    key[0] = 0.0
    for step in range(m):
        u = -1
        bestkey = np.inf
        for t in range(m):
            if not used[t] and key[t] < bestkey:
                bestkey = key[t]
                u = t
        if u < 0:
            for t in range(m):
                loc[members[t]] = -1
            return order, parent, False
        used[u] = True
        order[step] = u
        gu = members[u]
        for q in range(indptr[gu], indptr[gu + 1]):
            v = loc[indices[q]]
            if v < 0 or used[v]:
                continue
            dist = 0.0
            for j in range(d):
                diff = z[gu, j] - z[members[v], j]
                dist += diff * diff
            dist = np.sqrt(dist)
            if dist < key[v]:
                key[v] = dist
                parent[v] = u
    for t in range(m):
        loc[members[t]] = -1
    return order, parent, True
