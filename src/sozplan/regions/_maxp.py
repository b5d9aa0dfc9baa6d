"""Max-p mode of :func:`regionalize`: many greedy constructions, the best count kept.

The candidates come from :func:`sozplan.regions._grow.grow` started at several
blocks with several weights of attribute similarity; each is completed (enclaves,
splits of regions holding two floors, ceiling repair) and the best by the max-p
objective (bounds met, then most regions, then least within SS after the local
search) is returned.
"""

from __future__ import annotations

import time
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
    within_ss,
)

__all__ = ["ALPHAS", "MaxPSearch", "maxp_search", "start_blocks"]

#: Weights of attribute similarity against compactness in the growth step.
ALPHAS = (0.05, 0.2, 0.5)


@dataclass
class MaxPSearch:
    """Outcome of :func:`maxp_search`."""

    labels: np.ndarray
    n_regions: int
    within_ss: float
    violation: float
    n_moves: int
    n_constructions: int


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


def _complete(
    eng: Engine,
    labels: np.ndarray,
    k: int,
    comp: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
) -> np.ndarray:
    """Enclaves, splits of large regions and the ceiling repair of one construction."""
    floor, ceiling = eng.bounds.floor, eng.bounds.ceiling
    labels, _ = assign_enclaves(indptr, indices, eng.pop, eng.z, labels, k, ceiling)
    if (labels < 0).any():  # a graph part without any region (below the floor)
        for c in np.unique(comp[labels < 0]):
            labels[comp == c] = k
            k += 1
    labels = _split_large(eng, labels)
    if np.isfinite(ceiling):
        k = int(labels.max()) + 1
        rp = np.bincount(labels, weights=eng.pop, minlength=k)
        if (rp > ceiling).any():
            labels = shed(indptr, indices, eng.pop, eng.z, labels, k, floor, ceiling)
            labels = eng.split_oversized(relabel(labels))
            labels = eng.merge_small(labels, comp)
    return relabel(labels)


def maxp_search(
    eng: Engine,
    comp: np.ndarray,
    *,
    starts: list[int],
    alphas: tuple[float, ...] = ALPHAS,
    max_sweeps: int = 30,
    deadline: float = np.inf,
    initial: np.ndarray | None = None,
) -> MaxPSearch:
    """Run the constructions and keep the best by (violation, -count, within SS).

    ``initial`` (labels) joins the candidates, completed like a construction
    (used to repair the floor-only solution when a ceiling binds).
    """
    indptr = eng.adj.indptr.astype(np.int64)
    indices = eng.adj.indices.astype(np.int64)
    pop, z = eng.pop.astype(float), np.ascontiguousarray(eng.z, dtype=float)
    floor, ceiling = eng.bounds.floor, eng.bounds.ceiling
    best: MaxPSearch | None = None
    tried = 0
    candidates: list[tuple[float, int, np.ndarray | None]] = []
    if initial is not None:
        candidates.append((np.nan, -1, initial))
    candidates += [(alpha, s, None) for s in starts for alpha in alphas]
    for alpha, s, init in candidates:
        if best is not None and time.perf_counter() > deadline:
            break
        if init is not None:
            lab, k = init.astype(np.int64), int(init.max()) + 1
        else:
            lab, k = grow(indptr, indices, pop, z, floor, sweep_rank(indptr, indices, s), alpha)
        lab = _complete(eng, lab, k, comp, indptr, indices)
        tried += 1
        k = int(lab.max()) + 1
        viol = _violation(lab, pop, floor, ceiling)
        if best is not None and (viol, -k) > (best.violation, -best.n_regions):
            continue
        lab, moves = local_search(indptr, indices, pop, z, lab, k, floor, ceiling, max_sweeps)
        ss = float(within_ss(z, lab, k))
        if best is None or (viol, -k, ss) < (best.violation, -best.n_regions, best.within_ss):
            best = MaxPSearch(lab, k, ss, viol, int(moves), 0)
    assert best is not None
    best.n_constructions = tried
    return best
