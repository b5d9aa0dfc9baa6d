"""The regionalisation engine: Ward tree cut / SKATER splits, bound repair, border refinement.

Everything works on positions 0..n-1: ``adj`` is a symmetric binary CSR matrix
(contiguity), ``z`` the standardised attributes, ``pop`` the population per block.
Regions are labelled by integers; ``-1`` never occurs in a finished labelling.
"""

from __future__ import annotations

import heapq
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import (
    connected_components,
)

from sozplan.regions._grow import _stays_connected, tree_cut

__all__ = ["Bounds", "Engine"]


@dataclass
class Bounds:
    """Population floor and ceiling (inf / 0 when absent)."""

    floor: float = 0.0
    ceiling: float = np.inf


@dataclass
class Stats:
    """Running sums per region: count, population, sum of z, sum of squared z."""

    n: np.ndarray
    pop: np.ndarray
    s1: np.ndarray
    s2: np.ndarray

    @classmethod
    def build(cls, labels: np.ndarray, z: np.ndarray, pop: np.ndarray, n_regions: int) -> Stats:
        n = np.bincount(labels, minlength=n_regions).astype(float)
        p = np.bincount(labels, weights=pop, minlength=n_regions)
        s1 = np.zeros((n_regions, z.shape[1]))
        np.add.at(s1, labels, z)
        s2 = np.bincount(labels, weights=(z**2).sum(axis=1), minlength=n_regions)
        return cls(n, p, s1, s2)

    def ss(self, r: int) -> float:
        if self.n[r] <= 0:
            return 0.0
        return float(self.s2[r] - (self.s1[r] ** 2).sum() / self.n[r])

    def centre(self, r: int) -> np.ndarray:
        return self.s1[r] / self.n[r]


@dataclass
class Engine:
    """State of one regionalisation run."""

    adj: sparse.csr_matrix
    z: np.ndarray
    pop: np.ndarray
    bounds: Bounds
    log: list[str] = field(default_factory=list)

    smooth: int = 0

    def __post_init__(self) -> None:
        self._seen: np.ndarray | None = None
        self._mark = 0
        self.n = self.z.shape[0]
        self.indptr = self.adj.indptr
        self.indices = self.adj.indices
        self.sqnorm = (self.z**2).sum(axis=1)

    # ------------------------------------------------------------------ helpers
    def _scratch(self) -> None:
        """Arrays for the compiled helpers (made on first use)."""
        if self._seen is None:
            self._seen = np.full(self.n, -1, dtype=np.int64)
            self._loc = np.full(self.n, -1, dtype=np.int64)
            self._queue = np.empty(self.n, dtype=np.int64)
            self._indptr64 = self.indptr.astype(np.int64)
            self._indices64 = self.indices.astype(np.int64)
            self._z64 = np.ascontiguousarray(self.z, dtype=float)
            self._pop64 = np.ascontiguousarray(self.pop, dtype=float)

    def neighbours(self, i: int | np.integer) -> np.ndarray:
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    def components(self, mask: np.ndarray | None = None) -> tuple[int, np.ndarray]:
        a = self.adj
        if mask is not None:
            idx = np.flatnonzero(mask)
            a = a[idx][:, idx]
        return connected_components(a, directed=False)

    def region_parts(self, labels: np.ndarray) -> np.ndarray:
        """Count the connected parts of each region (1 = contiguous)."""
        coo = self.adj.tocoo()
        keep = labels[coo.row] == labels[coo.col]
        sub = sparse.csr_matrix(
            (np.ones(keep.sum()), (coo.row[keep], coo.col[keep])), shape=(self.n, self.n)
        )
        _, comp = connected_components(sub, directed=False)
        k = labels.max() + 1
        parts = np.zeros(k, dtype=int)
        pairs = np.unique(np.column_stack([labels, comp]), axis=0)
        np.add.at(parts, pairs[:, 0], 1)
        return parts

    # ------------------------------------------------------------ Ward tree cut
    def ward_cut(self, n_regions: int | None, comp: np.ndarray, n_comp: int) -> np.ndarray:
        """Cut the contiguity-constrained Ward trees (one per component) top-down.

        Nodes are split in the order of their merge height (the largest increase of
        the within sum of squares first); nodes above the ceiling are always split.
        Without ``n_regions`` only the forced splits are made (the floor is handled
        by :meth:`split_until`).
        """
        from sklearn.cluster import ward_tree

        n = self.n
        node_members: dict[tuple[int, int], np.ndarray] = {}
        heap: list[tuple[float, int, int, int]] = []  # (-height, tiebreak, component, node)
        regions: list[tuple[int, int]] = []  # (component, node)
        trees: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for c in range(n_comp):
            members = np.flatnonzero(comp == c)
            if len(members) == 1:
                regions.append((c, -1 - int(members[0])))
                continue
            sub = self.adj[members][:, members]
            children, _, n_leaves, _, dist = ward_tree(
                self.z[members], connectivity=sub, return_distance=True
            )
            trees[c] = (members, children, dist)
            root = n_leaves + len(children) - 1
            regions.append((c, root))
        # helpers over a tree
        cache_pop: dict[tuple[int, int], float] = {}

        def leaves(c: int, node: int) -> np.ndarray:
            if node < 0:
                return np.array([-1 - node])
            members, children, _ = trees[c]
            m = len(members)
            key = (c, node)
            if key in node_members:
                return node_members[key]
            stack, out = [node], []
            while stack:
                x = stack.pop()
                if x < m:
                    out.append(x)
                else:
                    stack.extend(children[x - m])
            res = members[np.array(out)]
            node_members[key] = res
            return res

        def is_leaf(c: int, node: int) -> bool:
            return node < 0 or node < len(trees[c][0])

        def height(c: int, node: int) -> float:
            members, _, dist = trees[c]
            return float(dist[node - len(members)])

        def popof(c: int, node: int) -> float:
            key = (c, node)
            if key not in cache_pop:
                cache_pop[key] = float(self.pop[leaves(c, node)].sum())
            return cache_pop[key]

        def kids(c: int, node: int) -> tuple[int, int]:
            members, children, _ = trees[c]
            a, b = children[node - len(members)]
            return int(a), int(b)

        counter = 0
        current: set[tuple[int, int]] = set()
        for c, node in regions:
            current.add((c, node))
            if not is_leaf(c, node):
                heapq.heappush(heap, (-height(c, node), counter, c, node))
                counter += 1
        # forced splits (ceiling)
        ceiling = self.bounds.ceiling
        if np.isfinite(ceiling):
            stack = [r for r in current if not is_leaf(*r) and popof(*r) > ceiling]
            while stack:
                c, node = stack.pop()
                current.discard((c, node))
                for ch in kids(c, node):
                    current.add((c, ch))
                    if not is_leaf(c, ch):
                        if popof(c, ch) > ceiling:
                            stack.append((c, ch))
                        else:
                            heapq.heappush(heap, (-height(c, ch), counter, c, ch))
                            counter += 1
        if n_regions is not None:
            while len(current) < n_regions and heap:
                _, _, c, node = heapq.heappop(heap)
                if (c, node) not in current:
                    continue
                current.discard((c, node))
                for ch in kids(c, node):
                    current.add((c, ch))
                    if not is_leaf(c, ch):
                        heapq.heappush(heap, (-height(c, ch), counter, c, ch))
                        counter += 1
        labels = np.full(n, -1, dtype=np.int64)
        for r, (c, node) in enumerate(sorted(current)):
            labels[leaves(c, node)] = r
        return labels

    # ------------------------------------------------------------- SKATER split
    def best_split(
        self, members: np.ndarray, *, need_floor: bool = True
    ) -> tuple[float, np.ndarray] | None:
        """Best cut of one region's minimum spanning tree (SKATER, Assunção et al. 2006).

        Returns the decrease of the within sum of squares and the members of one
        part, or None if no cut leaves both parts at or above the floor. With a
        ceiling, cuts that bring both parts under it are preferred; if there is none
        while the region is above it, the most balanced cut is taken (compiled, see
        :func:`sozplan.regions._grow.tree_cut`).
        """
        if len(members) < 2:
            return None
        self._scratch()
        gain, mask, ok = tree_cut(
            self._indptr64,
            self._indices64,
            np.asarray(members, dtype=np.int64),
            self._z64,
            self._pop64,
            float(self.bounds.floor),
            float(self.bounds.ceiling),
            need_floor,
            self._loc,
        )
        if not ok:
            return None
        return float(gain), np.asarray(members)[mask]

    def split_until(
        self, labels: np.ndarray, n_regions: int | None, deadline: float
    ) -> np.ndarray:
        """Split regions (best SKATER cut first) until ``n_regions`` or no feasible cut."""
        labels = labels.copy()
        k = int(labels.max()) + 1
        cache: dict[int, tuple[float, np.ndarray] | None] = {}
        heap: list[tuple[float, int]] = []
        for r in range(k):
            res = self.feasible_split(np.flatnonzero(labels == r))
            cache[r] = res
            if res is not None:
                heapq.heappush(heap, (-res[0], r))
        while heap and (n_regions is None or k < n_regions) and time.perf_counter() < deadline:
            _, r = heapq.heappop(heap)
            res = cache.get(r)
            if res is None:
                continue
            part = res[1]
            labels[part] = k
            for rr in (r, k):
                res2 = self.feasible_split(np.flatnonzero(labels == rr))
                cache[rr] = res2
                if res2 is not None:
                    heapq.heappush(heap, (-res2[0], rr))
            k += 1
        return labels

    def feasible_split(self, members: np.ndarray) -> tuple[float, np.ndarray] | None:
        """Best spanning-tree cut with both parts above the floor, else a peeled part.

        Peeling (see :meth:`peel_split`) finds splits that no single spanning-tree edge
        offers, so that the floor allows more regions.
        """
        res = self.best_split(members)
        floor = self.bounds.floor
        if res is not None or floor <= 0 or self.pop[members].sum() < 2 * floor:
            return res
        part = self.peel_split(members)
        if part is None:
            return None
        rest = np.setdiff1d(members, part, assume_unique=True)

        def ss(m: np.ndarray) -> float:
            zm = self.z[m]
            return float(((zm - zm.mean(axis=0)) ** 2).sum())

        return ss(members) - ss(part) - ss(rest), part

    def pairs_to_triples(
        self, labels: np.ndarray, n_regions: int | None, deadline: float
    ) -> np.ndarray:
        """Re-cut pairs of adjacent regions into three where the floor allows it.

        Two regions holding at least three floors together are united and re-cut:
        a part just above the floor is peeled off, the rest split at its best feasible
        cut. Raises the number of regions towards what the floor allows (max-p).
        """
        floor = self.bounds.floor
        if floor <= 0:
            return labels
        labels = relabel(labels)
        coo = self.adj.tocoo()
        failed: set[tuple[int, int]] = set()  # pairs that cannot be re-cut (until they change)
        changed = True
        while changed and time.perf_counter() < deadline:
            changed = False
            k = int(labels.max()) + 1
            if n_regions is not None and k >= n_regions:
                break
            pop = np.bincount(labels, weights=self.pop, minlength=k)
            la, lb = labels[coo.row], labels[coo.col]
            pairs = np.unique(np.column_stack([la, lb])[la < lb], axis=0)
            pairs = pairs[pop[pairs[:, 0]] + pop[pairs[:, 1]] >= 3 * floor]
            order = np.argsort(-(pop[pairs[:, 0]] + pop[pairs[:, 1]]))
            for a, b in pairs[order]:
                if (int(a), int(b)) in failed:
                    continue
                union = np.flatnonzero((labels == a) | (labels == b))
                part = self.peel_split(union)
                res = None
                if part is not None:
                    rest = np.setdiff1d(union, part, assume_unique=True)
                    if connected_components(self.adj[rest][:, rest], directed=False)[0] == 1:
                        res = self.feasible_split(rest)
                if res is None or part is None:
                    failed.add((int(a), int(b)))
                    continue
                failed = {p for p in failed if not ({a, b} & set(p))}
                labels[union] = a
                labels[res[1]] = b
                labels[part] = k
                changed = True
                break
        return relabel(labels)

    def split_oversized(self, labels: np.ndarray) -> np.ndarray:
        """Split every region above the ceiling (SKATER cuts) until all are under it."""
        labels = labels.copy()
        if not np.isfinite(self.bounds.ceiling):
            return labels
        k = int(labels.max()) + 1
        todo = [r for r in range(k) if self.pop[labels == r].sum() > self.bounds.ceiling]
        while todo:
            r = todo.pop()
            members = np.flatnonzero(labels == r)
            res = self.best_split(members) or self.best_split(members, need_floor=False)
            if res is None:
                continue
            labels[res[1]] = k
            for rr in (r, k):
                if self.pop[labels == rr].sum() > self.bounds.ceiling:
                    todo.append(rr)
            k += 1
        return labels

    # ------------------------------------------------------------------ repair
    def merge_small(self, labels: np.ndarray, comp: np.ndarray) -> np.ndarray:
        """Merge regions below the floor into the adjacent region that costs least (Ward).

        Merges never exceed the ceiling and never cross graph components. When no
        neighbour can take the region, border blocks are moved into it instead.
        """
        floor, ceiling = self.bounds.floor, self.bounds.ceiling
        if floor <= 0:
            return labels
        labels = relabel(labels)
        k = int(labels.max()) + 1
        st = Stats.build(labels, self.z, self.pop, k)
        alive = np.ones(k, dtype=bool)
        guard = 0
        while guard < 4 * k + 10:
            guard += 1
            small = [r for r in np.flatnonzero(alive) if st.pop[r] < floor]
            if not small:
                break
            r = int(min(small, key=lambda q: st.pop[q]))
            members = np.flatnonzero(labels == r)
            nb = np.unique(labels[np.concatenate([self.neighbours(i) for i in members])])
            nb = nb[(nb != r)]
            best, best_cost = -1, np.inf
            cr = st.centre(r)
            for s in nb:
                if st.pop[r] + st.pop[s] > ceiling:
                    continue
                cost = (
                    st.n[r]
                    * st.n[s]
                    / (st.n[r] + st.n[s])
                    * float(((cr - st.centre(s)) ** 2).sum())
                )
                if cost < best_cost:
                    best, best_cost = int(s), cost
            if best >= 0:
                labels[members] = best
                st.n[best] += st.n[r]
                st.pop[best] += st.pop[r]
                st.s1[best] += st.s1[r]
                st.s2[best] += st.s2[r]
                st.n[r] = st.pop[r] = st.s2[r] = 0
                st.s1[r] = 0
                alive[r] = False
                continue
            if self._merge_resplit(labels, r, nb, st):
                continue
            saved = (labels.copy(), st.n.copy(), st.pop.copy(), st.s1.copy(), st.s2.copy())
            if self._grow(labels, r, st):
                continue
            labels[:], st.n[:], st.pop[:], st.s1[:], st.s2[:] = saved
            if self._dissolve(labels, r, st):
                alive[r] = False
                continue
            labels[:], st.n[:], st.pop[:], st.s1[:], st.s2[:] = saved
            self.log.append(
                f"region of {len(members)} blocks ({st.pop[r]:.0f} residents) stays below "
                "the floor: no neighbour can take it or give blocks"
            )
            alive[r] = False  # give up on it; reported by the quality table
        return relabel(labels)

    def _merge_resplit(self, labels: np.ndarray, r: int, nb: np.ndarray, st: Stats) -> bool:
        """Merge ``r`` with a neighbour beyond the ceiling, then re-cut the union.

        Tries the neighbours in order of the Ward merging cost; the union is cut at
        its best spanning-tree edge with both parts within the bounds.
        """
        floor, ceiling = self.bounds.floor, self.bounds.ceiling
        cr = st.centre(r)
        costs = sorted(
            (
                st.n[r] * st.n[s] / (st.n[r] + st.n[s]) * float(((cr - st.centre(s)) ** 2).sum()),
                int(s),
            )
            for s in nb
        )
        for _, s in costs:
            union = np.flatnonzero((labels == r) | (labels == s))
            res = self.best_split(union)
            part = None if res is None else res[1]
            if part is not None:
                p1 = float(self.pop[part].sum())
                p2 = float(st.pop[r] + st.pop[s] - p1)
                if not (floor <= p1 <= ceiling and floor <= p2 <= ceiling):
                    part = None
            if part is None:
                part = self.peel_split(union)
            if part is None:
                continue
            labels[union] = s
            labels[part] = r
            for q in (r, s):
                m = labels == q
                st.n[q] = m.sum()
                st.pop[q] = self.pop[m].sum()
                st.s1[q] = self.z[m].sum(axis=0)
                st.s2[q] = self.sqnorm[m].sum()
            return True
        return False

    def _dissolve(self, labels: np.ndarray, r: int, st: Stats) -> bool:
        """Hand the blocks of region ``r`` one by one to adjacent regions with room.

        Blocks on the edge of ``r`` go first, each to the adjacent region with the
        most room left; ``r`` stays connected throughout. Returns False (labels partly
        changed; the caller restores them) if some block cannot be placed.
        """
        ceiling = self.bounds.ceiling
        while st.n[r] > 0:
            members = np.flatnonzero(labels == r)
            moved = False
            for i in members:
                nl = labels[self.neighbours(i)]
                targets = np.unique(nl[nl != r])
                if len(targets) == 0:
                    continue
                if st.n[r] > 1 and not self.stays_connected(labels, int(i)):
                    continue
                best, best_room = -1, -np.inf
                for s in targets:
                    room = ceiling - st.pop[s] - self.pop[i]
                    if room < 0:
                        continue
                    if room > best_room:  # fill the emptiest neighbour first
                        best, best_room = int(s), room
                if best < 0:
                    continue
                self._move(labels, st, int(i), r, best)
                moved = True
            if not moved:
                return False
        return True

    def peel_split(self, members: np.ndarray) -> np.ndarray | None:
        """Split a connected set of blocks into two parts within the bounds by peeling.

        A part grows from the block farthest (in steps) from the set's attribute
        centre outwards, each time taking the adjacent block nearest in attribute
        space whose removal keeps the rest connected, until it reaches the floor.
        Returns the part, or None if the rest would miss the bounds.
        """
        floor, ceiling = self.bounds.floor, self.bounds.ceiling
        total = float(self.pop[members].sum())
        tmp = np.full(self.n, -1, dtype=np.int64)
        tmp[members] = 0
        centre = self.z[members].mean(axis=0)
        # seed: a block on the far side, the last one reached by a BFS from the most typical block
        start = int(members[np.argmin(((self.z[members] - centre) ** 2).sum(axis=1))])
        seen = {start}
        dq = deque([start])
        last = start
        while dq:
            u = dq.popleft()
            last = u
            for v in self.neighbours(u):
                if tmp[v] == 0 and int(v) not in seen:
                    seen.add(int(v))
                    dq.append(int(v))
        part = [last]
        tmp[last] = 1
        p = float(self.pop[last])
        pc = self.z[last].copy()
        while p < floor:
            cand = np.unique(np.concatenate([self.neighbours(i) for i in part]))
            cand = cand[tmp[cand] == 0]
            if len(cand) == 0:
                return None
            order = np.argsort(((self.z[cand] - pc / len(part)) ** 2).sum(axis=1))
            for i in cand[order]:
                if self.stays_connected(tmp, int(i)):
                    tmp[i] = 1
                    part.append(int(i))
                    p += float(self.pop[i])
                    pc += self.z[i]
                    break
            else:
                return None
        rest = total - p
        if not (p <= ceiling and floor <= rest <= ceiling):
            return None
        return np.array(part)

    def _grow(self, labels: np.ndarray, r: int, st: Stats) -> bool:
        """Move border blocks from neighbouring regions into ``r`` until it meets the floor."""
        floor = self.bounds.floor
        while st.pop[r] < floor:
            members = np.flatnonzero(labels == r)
            cand = np.unique(np.concatenate([self.neighbours(i) for i in members]))
            cand = cand[labels[cand] != r]
            cr = st.centre(r)
            order = np.argsort(((self.z[cand] - cr) ** 2).sum(axis=1))
            moved = False
            for i in cand[order]:
                s = int(labels[i])
                if st.pop[s] - self.pop[i] < floor or st.n[s] <= 1:
                    continue
                if not self.stays_connected(labels, i):
                    continue
                self._move(labels, st, int(i), s, r)
                moved = True
                break
            if not moved:
                return False
        return True

    def stays_connected(self, labels: np.ndarray, i: int) -> bool:
        """Whether region ``labels[i]`` stays contiguous without block ``i``.

        A breadth-first search inside the region from one of the region's neighbours
        of ``i``, stopped as soon as all of them are reached (compiled).
        """
        self._scratch()
        if labels.dtype != np.int64:
            labels = labels.astype(np.int64)
        self._mark += 1
        return bool(
            _stays_connected(
                self._indptr64,
                self._indices64,
                labels,
                int(i),
                self._seen,
                self._mark,
                self._queue,
            )
        )

    def _move(self, labels: np.ndarray, st: Stats, i: int, a: int, b: int) -> None:
        labels[i] = b
        zi = self.z[i]
        st.n[a] -= 1
        st.n[b] += 1
        st.pop[a] -= self.pop[i]
        st.pop[b] += self.pop[i]
        st.s1[a] -= zi
        st.s1[b] += zi
        st.s2[a] -= self.sqnorm[i]
        st.s2[b] += self.sqnorm[i]

    # ------------------------------------------------------------------ refine
    def refine(
        self, labels: np.ndarray, *, max_sweeps: int, deadline: float
    ) -> tuple[np.ndarray, int]:
        """Move border blocks to the adjacent region when that lowers the within SS.

        A move must keep the donor contiguous and both regions within the bounds
        (a local search in the spirit of Openshaw's AZP).
        """
        labels = labels.copy()
        k = int(labels.max()) + 1
        st = Stats.build(labels, self.z, self.pop, k)
        floor, ceiling = self.bounds.floor, self.bounds.ceiling
        coo = self.adj.tocoo()
        total_moves = 0
        for _ in range(max_sweeps):
            if time.perf_counter() > deadline:
                break
            diff = labels[coo.row] != labels[coo.col]
            bi, bj = coo.row[diff], coo.col[diff]
            if len(bi) == 0:
                break
            pairs = np.unique(np.column_stack([bi, labels[bj]]), axis=0)
            i, b = pairs[:, 0], pairs[:, 1]
            a = labels[i]
            na, nb_ = st.n[a], st.n[b]
            ca = st.s1[a] / na[:, None]
            cb = st.s1[b] / nb_[:, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                rem = np.where(
                    na > 1, -na / (na - 1) * ((self.z[i] - ca) ** 2).sum(axis=1), np.inf
                )
            add = nb_ / (nb_ + 1) * ((self.z[i] - cb) ** 2).sum(axis=1)
            gain = rem + add
            good = gain < -1e-9
            if not good.any():
                break
            order = np.flatnonzero(good)[np.argsort(gain[good])]
            moves = 0
            for q in order:
                ii, bb = int(i[q]), int(b[q])
                aa = int(labels[ii])
                if aa == bb or st.n[aa] <= 1:
                    continue
                nl = labels[self.neighbours(ii)]
                if np.count_nonzero(nl == bb) < np.count_nonzero(nl == aa) + self.smooth:
                    continue  # keep boundaries smooth: most neighbours must lie in the receiver
                na1, nb1 = st.n[aa], st.n[bb]
                g = -na1 / (na1 - 1) * float(((self.z[ii] - st.s1[aa] / na1) ** 2).sum()) + nb1 / (
                    nb1 + 1
                ) * float(((self.z[ii] - st.s1[bb] / nb1) ** 2).sum())
                if g >= -1e-9:
                    continue
                p = self.pop[ii]
                if st.pop[aa] - p < floor or st.pop[bb] + p > ceiling:
                    continue
                if not self.stays_connected(labels, ii):
                    continue
                self._move(labels, st, ii, aa, bb)
                moves += 1
            total_moves += moves
            if moves == 0:
                break
        return labels, total_moves


def relabel(labels: np.ndarray) -> np.ndarray:
    """Consecutive labels 0..k-1 in the order of first appearance."""
    _, first, inv = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[inv]


def merge_to_count(eng: Engine, labels: np.ndarray, n_regions: int) -> np.ndarray:
    """Merge adjacent regions (least Ward cost first, within the ceiling) down to ``n_regions``."""
    labels = relabel(labels)
    k = int(labels.max()) + 1
    if k <= n_regions:
        return labels
    st = Stats.build(labels, eng.z, eng.pop, k)
    coo = eng.adj.tocoo()
    while k > n_regions:
        la, lb = labels[coo.row], labels[coo.col]
        pairs = np.unique(np.column_stack([la, lb])[la < lb], axis=0)
        best, best_cost = None, np.inf
        for a, b in pairs:
            if st.pop[a] + st.pop[b] > eng.bounds.ceiling:
                continue
            cost = (
                st.n[a]
                * st.n[b]
                / (st.n[a] + st.n[b])
                * float(((st.centre(a) - st.centre(b)) ** 2).sum())
            )
            if cost < best_cost:
                best, best_cost = (int(a), int(b)), cost
        if best is None:
            eng.log.append(
                f"cannot merge down to {n_regions} regions within the ceiling; {k} remain"
            )
            break
        a, b = best
        labels[labels == b] = a
        st.n[a] += st.n[b]
        st.pop[a] += st.pop[b]
        st.s1[a] += st.s1[b]
        st.s2[a] += st.s2[b]
        st.n[b] = 1e-300
        st.pop[b] = np.inf
        k -= 1
    return relabel(labels)
