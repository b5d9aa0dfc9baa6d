"""Max-p mode of :func:`regionalize`: many greedy constructions, the best count kept.

The candidates come from :func:`sozplan.regions._grow.grow` started at several
blocks with several weights of attribute similarity; each is completed (enclaves,
splits of regions holding two floors, ceiling repair) and the best by the max-p
objective (bounds met, then most regions, then least within SS after the local
search) is returned.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from sozplan.regions._engine import Engine, relabel
from sozplan.regions._grow import (
    assign_enclaves,
    bfs_rank,
    grow,
    local_search,
    shed,
    sweep_rank,
    tabu_search,
    within_ss,
)

__all__ = ["ALPHAS", "MaxPSearch", "default_starts", "maxp_search", "pair_recut", "start_blocks"]

#: Weights of attribute similarity against compactness in the growth step.
ALPHAS = (0.05, 0.2, 0.5)
#: Work budget (blocks x iterations) of the tabu search on the winner; its
#: iterations are clipped to 50..1000 and it stops after 200 without a new best.
TABU_WORK, TABU_PATIENCE = 5_000_000, 200


def default_starts(n: int) -> int:
    """Return the default number of starting blocks (64 up to 3,125 blocks, 16 from 12,500)."""
    return int(np.clip(200_000 // max(n, 1), 16, 64))


#: Up to this many blocks the breadth-first construction in index order joins the
#: candidates (a Python loop; above it the sweep constructions alone are used).
BREADTH_FIRST_LIMIT = 50_000


def breadth_first_regions(
    indptr: np.ndarray, indices: np.ndarray, pop: np.ndarray, floor: float
) -> np.ndarray:
    """Grow regions breadth-first from the blocks in index order up to the floor.

    The plain baseline of max-p (no search): a region takes the nearest blocks in graph
    steps until it reaches the floor; blocks of a region that cannot reach it stay free
    (``-1``) for later regions or as enclaves. As a candidate of :func:`maxp_search`
    it makes the search's count of regions at least this baseline's.
    """
    n = len(pop)
    labels = np.full(n, -1, dtype=np.int64)
    k = 0
    for s in range(n):
        if labels[s] >= 0:
            continue
        region, queue, seen, total = [], deque([s]), {s}, 0.0
        while queue and total < floor:
            u = queue.popleft()
            region.append(u)
            total += pop[u]
            for v in indices[indptr[u] : indptr[u + 1]]:
                if labels[v] < 0 and v not in seen:
                    seen.add(int(v))
                    queue.append(int(v))
        if total >= floor:
            labels[region] = k
            k += 1
    return labels


@dataclass
class MaxPSearch:
    """Outcome of :func:`maxp_search`."""

    labels: np.ndarray
    n_regions: int
    within_ss: float
    violation: float
    n_moves: int
    n_constructions: int
    log: tuple = ()


def start_blocks(
    indptr: np.ndarray, indices: np.ndarray, n_starts: int, rng: np.random.Generator | None
) -> list[int]:
    """Choose the starting blocks of the constructions.

    Without ``rng``: farthest-point sampling in graph steps, beginning at the block
    farthest from block 0 (deterministic, spread over the city). With ``rng``: drawn
    at random without replacement.
    """
    n = len(indptr) - 1
    n_starts = max(1, min(n_starts, n))
    if rng is not None:
        return [int(s) for s in rng.choice(n, size=n_starts, replace=False)]
    d0 = sweep_rank(indptr, indices, 0)
    first = int(np.argmax(d0))
    starts = [first]
    mind = bfs_rank(indptr, indices, first).astype(float)
    mind[mind < 0] = np.inf
    while len(starts) < n_starts:
        nxt = int(np.argmax(np.where(np.isfinite(mind), mind, -1)))
        if mind[nxt] <= 0:
            break
        starts.append(nxt)
        d = bfs_rank(indptr, indices, nxt).astype(float)
        d[d < 0] = np.inf
        mind = np.minimum(mind, d)
    return starts


def _violation(labels: np.ndarray, pop: np.ndarray, floor: float, ceiling: float) -> float:
    rp = np.bincount(labels, weights=pop)
    return float(np.maximum(floor - rp, 0).sum() + np.maximum(rp - ceiling, 0).sum())


def _split_large(eng: Engine, labels: np.ndarray) -> np.ndarray:
    """Split regions holding at least two floors at their best feasible cut, repeatedly."""
    floor = eng.bounds.floor
    k = int(labels.max()) + 1
    rp = np.bincount(labels, weights=eng.pop, minlength=k)
    todo = [r for r in range(k) if rp[r] >= 2 * floor]
    while todo:
        r = todo.pop()
        members = np.flatnonzero(labels == r)
        res = eng.feasible_split(members)
        if res is None:
            continue
        labels[res[1]] = k
        for rr in (r, k):
            if eng.pop[labels == rr].sum() >= 2 * floor:
                todo.append(rr)
        k += 1
    return labels


def _construct(
    eng: Engine,
    labels: np.ndarray,
    k: int,
    comp: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
) -> np.ndarray:
    """Enclaves, splits of large regions and the fast ceiling repair of one construction."""
    floor, ceiling = eng.bounds.floor, eng.bounds.ceiling
    labels, _ = assign_enclaves(indptr, indices, eng.pop, eng.z, labels, k, ceiling)
    if (labels < 0).any():  # a graph part without any region (below the floor)
        for c in np.unique(comp[labels < 0]):
            labels[comp == c] = k
            k += 1
    labels = _split_large(eng, labels)
    if np.isfinite(ceiling):
        k = int(labels.max()) + 1
        if np.bincount(labels, weights=eng.pop, minlength=k).max() > ceiling:
            labels = shed(indptr, indices, eng.pop, eng.z, labels, k, floor, ceiling)
    return relabel(labels)


def _repair(eng: Engine, labels: np.ndarray, comp: np.ndarray) -> np.ndarray:
    """Split regions above the ceiling and mend those below the floor (slower, Python)."""
    labels = eng.split_oversized(relabel(labels))
    return eng.merge_small(labels, comp)


def pair_recut(
    eng: Engine, labels: np.ndarray, *, deadline: float, max_passes: int = 3
) -> tuple[np.ndarray, int]:
    """Re-cut pairs of adjacent regions where a better cut of their union exists.

    The union of two adjacent regions is cut at the edge of its minimum spanning
    tree (attribute distance) that leaves both parts within the bounds with the
    least within SS (SKATER's step, :meth:`Engine.best_split`); the cut replaces the
    pair when it lowers their SS. Unlike single-block moves this can shift several
    blocks at once between regions that sit on the floor. Returns the labels and
    the number of pairs re-cut.
    """
    labels = labels.copy()
    k = int(labels.max()) + 1
    order = np.argsort(labels, kind="stable")
    bounds_ = np.searchsorted(labels[order], np.arange(k + 1))
    members = {r: order[bounds_[r] : bounds_[r + 1]] for r in range(k)}
    z, sq = eng.z, eng.sqnorm
    ceiling = eng.bounds.ceiling

    def ss(m: np.ndarray) -> float:
        return float(sq[m].sum() - (z[m].sum(axis=0) ** 2).sum() / len(m))

    cur = {r: ss(members[r]) for r in range(k)}
    coo = eng.adj.tocoo()
    n_recut = 0
    for _ in range(max_passes):
        la, lb = labels[coo.row], labels[coo.col]
        pairs = np.unique(np.column_stack([la, lb])[la < lb], axis=0)
        changed: set[int] = set()
        for a, b in pairs:
            if time.perf_counter() > deadline:
                return labels, n_recut
            a, b = int(a), int(b)
            if a in changed or b in changed:
                continue
            union = np.concatenate([members[a], members[b]])
            res = eng.best_split(union)
            if res is None:
                continue
            part = res[1]
            rest = np.setdiff1d(union, part, assume_unique=True)
            new_a, new_b = ss(part), ss(rest)
            if new_a + new_b >= cur[a] + cur[b] - 1e-9 * (1 + cur[a] + cur[b]):
                continue
            if eng.pop[part].sum() > ceiling or eng.pop[rest].sum() > ceiling:
                continue
            labels[part], labels[rest] = a, b
            members[a], members[b] = part, rest
            cur[a], cur[b] = new_a, new_b
            changed.update((a, b))
            n_recut += 1
        if not changed:
            break
    return labels, n_recut


def maxp_search(
    eng: Engine,
    comp: np.ndarray,
    *,
    starts: list[int],
    alphas: tuple[float, ...] = ALPHAS,
    max_sweeps: int = 30,
    deadline: float = np.inf,
    initial: np.ndarray | None = None,
    n_repair: int = 3,
    n_polish: int | None = None,
    polish: bool = True,
) -> MaxPSearch:
    """Run the constructions and keep the best by (violation, -count, within SS).

    Every construction is completed by the fast steps; the ``n_repair`` best that
    still miss a bound get the slower repair, the ``n_polish`` best by (violation,
    -count) the local search (default: 8, fewer from 25,000 blocks on).
    ``initial`` (labels) joins the candidates (used to repair the floor-only
    solution when a ceiling binds). With ``polish`` the
    winner is improved further by :func:`pair_recut`, a tabu search and a greedy
    descent.
    """
    indptr = eng.adj.indptr.astype(np.int64)
    indices = eng.adj.indices.astype(np.int64)
    pop, z = eng.pop.astype(float), np.ascontiguousarray(eng.z, dtype=float)
    floor, ceiling = eng.bounds.floor, eng.bounds.ceiling

    def fresh() -> Engine:
        return Engine(eng.adj, eng.z, eng.pop, eng.bounds)

    pool: list[tuple[float, int, int, np.ndarray, Engine]] = []
    jobs: list[tuple[float, int, np.ndarray | None]] = []
    if initial is not None:
        jobs.append((np.nan, -1, initial))
    jobs += [(alpha, s, None) for s in starts for alpha in alphas]
    for alpha, s, init in jobs:
        if pool and time.perf_counter() > deadline:
            break
        if init is not None:
            lab, k = init.astype(np.int64), int(init.max()) + 1
        else:
            lab, k = grow(indptr, indices, pop, z, floor, sweep_rank(indptr, indices, s), alpha)
        e = fresh()
        lab = _construct(e, lab, k, comp, indptr, indices)
        pool.append((_violation(lab, pop, floor, ceiling), -int(lab.max()) - 1, len(pool), lab, e))
    tried = len(pool)
    pool.sort(key=lambda c: c[:3])
    repaired = 0
    for j, (viol, _, order, lab, e) in enumerate(pool):
        if repaired >= n_repair or viol == 0 or (repaired and time.perf_counter() > deadline):
            continue
        lab = _repair(e, lab, comp)
        pool[j] = (_violation(lab, pop, floor, ceiling), -int(lab.max()) - 1, order, lab, e)
        repaired += 1
    pool.sort(key=lambda c: c[:3])
    if n_polish is None:  # 8 up to 25,000 blocks, 2 from 100,000 on
        n_polish = int(np.clip(200_000 // len(pop), 2, 8))
    best: MaxPSearch | None = None
    for viol, negk, _, lab, e in pool[:n_polish]:
        if best is not None and (viol, negk) > (best.violation, -best.n_regions):
            break
        k = -negk
        lab, moves = local_search(indptr, indices, pop, z, lab, k, floor, ceiling, max_sweeps)
        ss = float(within_ss(z, lab, k))
        if best is None or (viol, -k, ss) < (best.violation, -best.n_regions, best.within_ss):
            best = MaxPSearch(lab, k, ss, viol, int(moves), 0, tuple(e.log))
    assert best is not None
    best.n_constructions = tried
    if polish and max_sweeps > 0:
        # improve the winner: re-cut pairs, a short tabu search, a last greedy descent
        k = best.n_regions
        lab, _ = pair_recut(eng, best.labels, deadline=deadline)
        if time.perf_counter() < deadline:
            iters = int(np.clip(TABU_WORK // len(pop), 50, 1000))
            lab, _ = tabu_search(
                indptr, indices, pop, z, lab, k, floor, ceiling, iters, TABU_PATIENCE, 10
            )
        lab, moves = local_search(indptr, indices, pop, z, lab, k, floor, ceiling, max_sweeps)
        ss = float(within_ss(z, lab, k))
        if ss < best.within_ss:
            best.labels, best.within_ss, best.n_moves = lab, ss, best.n_moves + int(moves)
    return best
