"""regionalize(): contiguous, homogeneous regions from blocks with population floor and ceiling."""

from __future__ import annotations

import html
import time
import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from sozplan._core.frozen import immutable
from sozplan._core.population import population_values
from sozplan._core.stats import weighted_mean_std
from sozplan._core.text import german
from sozplan._core.values import indicator_values
from sozplan._optional import import_optional
from sozplan.checks import check_frame, check_rng, check_unique_index, fail, format_values
from sozplan.errors import MethodWarning
from sozplan.graph import Kind, align_graph, build_graph, island_report
from sozplan.plotting import FigureDisplay
from sozplan.regions._engine import Bounds, Engine, merge_to_count, relabel
from sozplan.regions._maxp import (
    BREADTH_FIRST_LIMIT,
    breadth_first_regions,
    default_starts,
    maxp_search,
    start_blocks,
)
from sozplan.regions._quality import zone_table

__all__ = ["METHODS", "RegionalizationResult", "contiguity_matrix", "regionalize"]

#: Engines of :func:`regionalize`.
METHODS = ("ward", "skater", "maxp")


def contiguity_matrix(
    gdf: pd.DataFrame, graph: Any, *, where: str
) -> tuple[Any, sparse.csr_matrix]:
    """Align the graph with ``gdf``; return it and its symmetric binary adjacency (CSR)."""
    if graph is None:
        raise fail(
            where,
            "`graph` is None (no spatial weights), but contiguity is needed",
            "pass graph='queen' (the default), 'rook' or a libpysal Graph",
        )
    if isinstance(graph, str):
        graph = build_graph(gdf, kind=cast(Kind, graph), islands="raise")
    graph = align_graph(graph, gdf, where=where)
    a = graph.sparse.tocsr()
    a = ((a + a.T) != 0).astype(np.int8).tocsr()
    a.setdiag(0)
    a.eliminate_zeros()
    return graph, a


def _check_components(
    graph: Any, adj: sparse.csr_matrix, index: pd.Index, where: str
) -> tuple[int, np.ndarray]:

    n_comp, comp = connected_components(adj, directed=False)
    if n_comp > 1:
        report = island_report(graph)
        if report is None or report.policy != "keep":
            sizes = np.bincount(comp)
            small = index[comp != np.argmax(sizes)]
            raise fail(
                where,
                f"`graph` falls into {n_comp} disconnected parts "
                f"(sizes {format_values(sorted(sizes, reverse=True))}; "
                f"outside the largest: {format_values(small)}) and no island policy says how to "
                "treat "
                "them; regions are never joined through attribute space",
                "build the graph with sozplan.graph.build_graph(gdf, islands='nearest') to link "
                "islands to their nearest area, or islands='keep' to regionalise each part on its "
                "own",
            )
    return n_comp, comp


def _fill_from_neighbours(
    values: pd.DataFrame, adj: sparse.csr_matrix
) -> tuple[pd.DataFrame, tuple]:
    """Fill missing values with the mean of the neighbours' values (repeatedly), then the mean."""
    x = values.to_numpy(dtype=float).copy()
    filled_rows = np.flatnonzero(~np.isfinite(x).all(axis=1))
    for _ in range(50):
        bad = ~np.isfinite(x)
        if not bad.any():
            break
        ok = np.where(bad, 0.0, x)
        cnt = adj @ (~bad).astype(float)
        sm = adj @ ok
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = sm / cnt
        upd = bad & (cnt > 0)
        if not upd.any():
            break
        x[upd] = mean[upd]
    bad = ~np.isfinite(x)
    if bad.any():
        col_mean = np.nanmean(np.where(bad, np.nan, x), axis=0)
        x[bad] = np.take(col_mean, np.nonzero(bad)[1])
    return pd.DataFrame(x, index=values.index, columns=values.columns), tuple(
        values.index[filled_rows]
    )


def _check_bounds(
    pop: np.ndarray | None,
    index: pd.Index,
    n_clusters: int | None,
    min_population: float | None,
    max_population: float | None,
    n: int,
    where: str,
) -> Bounds:
    for name, val in (("min_population", min_population), ("max_population", max_population)):
        if val is not None and (
            not isinstance(val, int | float | np.number) or not np.isfinite(val) or val < 0
        ):
            raise fail(
                where, f"`{name}` is {val!r}", "pass a non-negative number of residents or None"
            )
    if (min_population is not None or max_population is not None) and pop is None:
        raise fail(
            where,
            "a population floor or ceiling was given but no `population`",
            "name the residents column, e.g. population='einwohner'",
        )
    if n_clusters is None and min_population is None and max_population is None:
        raise fail(
            where,
            "neither `n_clusters` nor a population bound was given",
            "pass n_clusters=..., or min_population=... (then as many regions as the floor allows)",
        )
    if n_clusters is not None:
        if (
            not isinstance(n_clusters, int | np.integer)
            or isinstance(n_clusters, bool)
            or n_clusters < 1
        ):
            raise fail(where, f"`n_clusters` is {n_clusters!r}", "pass a positive integer or None")
        if n_clusters > n:
            raise fail(
                where,
                f"`n_clusters` is {n_clusters} but there are only {n} blocks",
                "ask for fewer regions",
            )
    floor = float(min_population or 0.0)
    ceiling = float(max_population) if max_population is not None else np.inf
    if pop is not None:
        total = float(pop.sum())
        if floor > total:
            raise fail(
                where,
                f"`min_population` ({floor:,.0f}) is above the total population ({total:,.0f}); "
                "no region can reach it",
                f"lower the floor to at most {total:,.0f}",
            )
        big = float(pop.max())
        if ceiling < big:
            over = index[pop > ceiling]
            raise fail(
                where,
                f"`max_population` ({ceiling:,.0f}) is below the population of "
                f"{len(over)} single block(s): {format_values(over)} (largest {big:,.0f}); "
                "blocks are never split",
                f"raise the ceiling to at least {big:,.0f}",
            )
        if floor > ceiling:
            raise fail(
                where,
                f"`min_population` ({floor:,.0f}) is above `max_population` ({ceiling:,.0f})",
                "swap or correct the bounds",
            )
        if n_clusters is not None:
            if n_clusters * floor > total:
                raise fail(
                    where,
                    f"{n_clusters} regions of at least {floor:,.0f} residents need "
                    f"{n_clusters * floor:,.0f}, but there are only {total:,.0f}",
                    f"ask for at most {int(total // floor)} regions or lower the floor",
                )
            if n_clusters * ceiling < total:
                raise fail(
                    where,
                    f"{n_clusters} regions of at most {ceiling:,.0f} residents hold "
                    f"{n_clusters * ceiling:,.0f}, fewer than the {total:,.0f} residents",
                    f"ask for at least {int(np.ceil(total / ceiling))} regions or raise the "
                    "ceiling",
                )
    return Bounds(floor=floor, ceiling=ceiling)


@immutable
@dataclass(frozen=True, repr=False, eq=False)
class RegionalizationResult:
    r"""Regions built from blocks, with the quality table of GeoDa.

    Attributes
    ----------
    labels : Series
        Region number (1 .. k) per block, on the input index, named ``"region"``.
    quality : DataFrame
        One row per region: ``n_blocks``, ``population``, ``population_share``,
        ``within_ss`` (sum of squared deviations of the standardised attributes from
        the region mean), ``within_ss_share`` (of the total SS), ``compactness``
        (isoperimetric quotient :math:`4\pi A/P^2` of the dissolved region),
        ``n_parts`` and ``contiguous`` (in the graph), ``meets_floor``,
        ``meets_ceiling``, and the (population-weighted) mean of every attribute.
    summary : Series
        ``n_zones``, ``total_ss``, ``within_ss``, ``between_ss``,
        ``between_total_ratio`` (the share of block variance between regions:
        homogeneity), ``population_min``/``max``, ``balance_entropy``,
        ``balance_simpson``, ``compactness_mean``, ``all_contiguous``,
        ``all_meet_floor``, ``all_meet_ceiling``.
    method : str
    columns : tuple
    min_population, max_population : float or None
    n_moves : int
        Border blocks moved by the refinement.
    runtime : float
        Seconds.
    filled : tuple
        Ids whose missing attributes were filled from neighbours (``fill_nan``).
    log : tuple of str
        What the repair step could not do (also issued as ``MethodWarning``).
    geometry : GeoSeries or None
        The block geometries (for :meth:`plot` and :meth:`dissolve`).
    """

    labels: pd.Series
    quality: pd.DataFrame
    summary: pd.Series
    method: str
    columns: tuple
    min_population: float | None = None
    max_population: float | None = None
    n_moves: int = 0
    runtime: float = 0.0
    filled: tuple = ()
    log: tuple = ()
    geometry: Any = field(default=None, repr=False)

    @property
    def n_clusters(self) -> int:
        """Number of regions."""
        return int(self.summary["n_zones"])

    def to_frame(self) -> pd.DataFrame:
        """Return the quality table (one row per region)."""
        return self.quality.copy()

    def dissolve(self) -> Any:
        """Region polygons (GeoDataFrame indexed by region) with the quality columns."""
        import geopandas as gpd

        if self.geometry is None:
            raise fail(
                "RegionalizationResult.dissolve",
                "no geometry was given",
                "pass a GeoDataFrame to regionalize",
            )
        g = gpd.GeoDataFrame(
            {"region": self.labels.to_numpy()},
            geometry=self.geometry.to_numpy(),
            crs=self.geometry.crs,
        )
        out = g.dissolve(by="region")
        return out.join(self.quality)

    def _rows(self) -> list[tuple[str, str]]:
        s = self.summary
        rows = [
            ("method", self.method),
            ("regions", f"{self.n_clusters} from {len(self.labels):,} blocks"),
            ("between / total SS", f"{s['between_total_ratio']:.3f}"),
        ]
        if "population_min" in s:
            rows.append(
                (
                    "population min / max",
                    f"{s['population_min']:,.0f} / {s['population_max']:,.0f}",
                )
            )
            rows.append(
                (
                    "balance (entropy, Simpson)",
                    f"{s['balance_entropy']:.3f}, {s['balance_simpson']:.3f}",
                )
            )
        if self.min_population is not None or self.max_population is not None:
            floor_ok = "ok" if s.get("all_meet_floor", True) else "VIOLATED"
            ceiling = self.max_population if self.max_population is not None else np.inf
            rows.append(
                (
                    "bounds",
                    f"floor {self.min_population or 0:,.0f} {floor_ok}, "
                    f"ceiling {ceiling:,.0f} "
                    f"{'ok' if s.get('all_meet_ceiling', True) else 'VIOLATED'}",
                )
            )
        if "compactness_mean" in s:
            rows.append(("compactness (mean IPQ)", f"{s['compactness_mean']:.3f}"))
        rows.append(("contiguous", str(s.get("all_contiguous", "n/a"))))
        rows.append(("runtime", f"{self.runtime:.2f} s ({self.n_moves} refinement moves)"))
        if self.log:
            rows.append(("repair notes", "; ".join(self.log)))
        return rows

    def __repr__(self) -> str:
        rows = self._rows()
        width = max(len(k) for k, _ in rows)
        return "\n".join(["RegionalizationResult"] + [f"  {k:<{width}}  {v}" for k, v in rows])

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in self._rows()
        )
        return (
            f"<div class='sozplan-result'><table><caption>Regionalization</caption>{body}</table>"
            f"{self.quality.round(3).to_html()}</div>"
        )

    def plot(
        self, ax: Any = None, *, boundaries: Any = None, language: str = "de"
    ) -> FigureDisplay:
        """Map of the regions, optionally with other boundaries on top.

        Adjacent regions get different colours (a greedy colouring of the regions'
        adjacency, largest degree first, from ten qualitative colours).
        """
        import matplotlib.pyplot as plt

        if self.geometry is None:
            raise fail(
                "RegionalizationResult.plot",
                "no geometry was given",
                "pass a GeoDataFrame to regionalize",
            )
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 7))
        regions = self.dissolve()
        tab10 = plt.get_cmap("tab10")
        palette = [tuple(rgba[:3]) for rgba in tab10(np.arange(tab10.N))]
        colour = _map_colouring(regions.geometry, len(palette))
        regions.plot(
            color=[palette[c] for c in colour],
            ax=ax,
            edgecolor="white",
            linewidth=0.8,
        )
        if boundaries is not None:
            boundaries.boundary.plot(ax=ax, color="black", linewidth=0.6, linestyle="--")
        ax.set_axis_off()
        ratio = self.summary["between_total_ratio"]
        ax.set_title(
            f"{self.n_clusters} Regionen (zwischen/gesamt = {ratio:.2f})"
            if language == "de"
            else f"{self.n_clusters} regions (between/total = {ratio:.2f})"
        )
        alt = (
            "Karte der gebildeten Regionen"
            if german(language, "RegionalizationResult.plot")
            else "Map of the regions"
        )
        return FigureDisplay.from_axes(ax, "regionalization", alt)


def _map_colouring(geometry: Any, n_colours: int) -> np.ndarray:
    """Colour index per polygon such that touching polygons differ where possible."""
    left, right = geometry.sindex.query(geometry, predicate="intersects")
    keep = left != right
    k = len(geometry)
    adj = sparse.csr_matrix((np.ones(keep.sum()), (left[keep], right[keep])), shape=(k, k))
    colour = np.full(k, -1)
    for i in np.argsort(-np.diff(adj.indptr), kind="stable"):
        used = set(colour[adj.indices[adj.indptr[i] : adj.indptr[i + 1]]].tolist())
        free = [c for c in range(n_colours) if c not in used]
        colour[i] = free[0] if free else int(i % n_colours)
    return colour


def _maxp(
    gdf: pd.DataFrame,
    z: np.ndarray,
    pop: np.ndarray,
    graph: Any,
    floor: float,
    rng: np.random.Generator,
    max_iterations: int,
    where: str,
) -> np.ndarray:
    region = import_optional(
        "spopt.region", where=where, purpose="method='maxp'", alternative="use method='ward'"
    )
    if floor <= 0:
        raise fail(where, "method='maxp' needs a population floor", "pass min_population=...")
    cols = [f"_z{j}" for j in range(z.shape[1])]
    frame = pd.DataFrame(z, columns=cols, index=gdf.index)
    frame["_pop"] = pop
    frame = frame.reset_index(drop=True)
    frame["geometry"] = np.asarray(gdf.geometry.values) if hasattr(gdf, "geometry") else None
    w = graph.to_W()
    from libpysal.weights import W

    w = W(
        {i: [gdf.index.get_loc(j) for j in w.neighbors[idx]] for i, idx in enumerate(gdf.index)},
        silence_warnings=True,
    )
    # spopt draws from numpy's global generator; seed it from rng and restore the state
    state = np.random.get_state()  # noqa: NPY002 - restored below
    np.random.seed(int(rng.integers(2**31 - 1)))  # noqa: NPY002 - spopt uses the global generator
    try:
        model = region.MaxPHeuristic(
            frame,
            w,
            cols,
            "_pop",
            floor,
            top_n=2,
            max_iterations_construction=max_iterations,
            max_iterations_sa=max(1, max_iterations // 10),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.solve()
    finally:
        np.random.set_state(state)  # noqa: NPY002
    lab = np.asarray(model.labels_, dtype=np.int64)
    if (lab < 0).any() or lab.max() < 0:
        raise fail(
            where,
            "max-p found no feasible regions for this floor",
            "lower min_population or use method='ward'",
        )
    return relabel(lab)


def _maxp_mode(
    adj: sparse.csr_matrix,
    z: np.ndarray,
    pop: np.ndarray,
    bounds: Bounds,
    comp: np.ndarray,
    *,
    n_starts: int | None,
    rng: np.random.Generator | None,
    max_sweeps: int,
    deadline: float,
    notes: list[str],
) -> tuple[np.ndarray, int, Engine]:
    """Max-p mode: the growth search for the floor, then the ceiling if it binds.

    The floor-only solution is returned unchanged when it meets the ceiling; else the
    search runs again with the ceiling, with the repaired floor-only solution among
    its candidates.
    """
    if n_starts is None:
        n_starts = default_starts(len(pop))
    starts = start_blocks(adj.indptr.astype(np.int64), adj.indices.astype(np.int64), n_starts, rng)
    free = Engine(adj, z, pop, Bounds(floor=bounds.floor))
    baseline = None
    if len(pop) <= BREADTH_FIRST_LIMIT:  # the search then finds at least its count
        ip, ix = adj.indptr.astype(np.int64), adj.indices.astype(np.int64)
        baseline = breadth_first_regions(ip, ix, pop, bounds.floor)
        baseline = baseline if (baseline >= 0).any() else None
    res = maxp_search(
        free, comp, starts=starts, max_sweeps=max_sweeps, deadline=deadline, initial=baseline
    )
    free.log.extend(res.log)
    if not np.isfinite(bounds.ceiling):
        return res.labels, res.n_moves, free
    top = float(np.bincount(res.labels, weights=pop).max())
    if top <= bounds.ceiling:
        notes.append(
            f"the ceiling does not bind: the floor-only solution ({res.n_regions} regions, "
            f"largest {top:,.0f} residents) meets it"
        )
        return res.labels, res.n_moves, free
    eng = Engine(adj, z, pop, bounds)
    capped = maxp_search(
        eng,
        comp,
        starts=starts,
        max_sweeps=max_sweeps,
        deadline=max(deadline, time.perf_counter() + 1.0),
        initial=res.labels,
    )
    eng.log.extend(capped.log)
    notes.append(
        f"the ceiling binds: {capped.n_regions} regions, {res.n_regions} with the floor alone"
    )
    return capped.labels, capped.n_moves, eng


def _check_parts(
    n_comp: int,
    comp: np.ndarray,
    n_clusters: int | None,
    floor: float,
    pop_arr: np.ndarray,
    index: pd.Index,
    where: str,
) -> None:
    """Raise if a graph of several parts cannot give each part its own regions."""
    if n_clusters is not None and n_clusters < n_comp:
        raise fail(
            where,
            f"the graph has {n_comp} separate parts (island policy 'keep'), each a region "
            "at least, "
            f"but n_clusters is {n_clusters}",
            f"ask for at least {n_comp} regions or link the parts with islands='nearest'",
        )
    if floor > 0:
        comp_pop = np.bincount(comp, weights=pop_arr)
        low = np.flatnonzero(comp_pop < floor)
        if len(low):
            ids = index[np.isin(comp, low)]
            raise fail(
                where,
                f"{len(low)} separate part(s) of the graph (island policy 'keep') have fewer "
                "residents "
                f"than the floor: blocks {format_values(ids)}",
                "link them with build_graph(..., islands='nearest') or lower min_population",
            )


def _standardized(x: np.ndarray) -> np.ndarray:
    """Z-scores of the columns (a constant column stays centred, divisor 1)."""
    mean, sd = weighted_mean_std(x, np.ones(len(x)))
    sd = np.where(sd > 0, sd, 1.0)
    return (x - mean) / sd


def _attempt_plan(
    method: str, n_cut: int | None, n_clusters: int | None, n_comp: int
) -> list[tuple[str, int | None]]:
    """Engines and initial region counts to try, in order.

    First the chosen engine; if the repair cannot meet the bounds, the other tree
    engine and then fewer initial regions (more slack).
    """
    attempts: list[tuple[str, int | None]] = [(method, n_cut)]
    if method != "maxp":
        other = "skater" if method == "ward" else "ward"
        attempts.append((other, n_cut))
        if n_clusters is None and n_cut is not None:
            attempts += [
                (m, c)
                for c in range(n_cut - 1, max(n_comp, n_cut - 4) - 1, -1)
                for m in (method, other)
            ]
    return attempts


def _best_attempt(
    attempts: list[tuple[str, int | None]],
    adj: Any,
    z: np.ndarray,
    pop_arr: np.ndarray,
    bounds: Bounds,
    comp: np.ndarray,
    n_comp: int,
    target: int | None,
    deadline: float,
    maxp_args: tuple,
) -> tuple | None:
    """Run the attempts until one meets the bounds: (violation, labels, engine, name, cut, i)."""
    gdf, graph, gen, max_iterations, where = maxp_args
    best = None
    for attempt, (engine, cut) in enumerate(attempts):
        eng = Engine(adj, z, pop_arr, bounds)
        # in max-p mode the first attempt maximises the count; retries aim at `cut`
        goal = target if target is not None else (cut if attempt > 0 else None)
        if engine == "ward":
            labels = eng.ward_cut(cut, comp, n_comp)
        elif engine == "skater":
            labels = comp.astype(np.int64)
        else:
            labels = _maxp(gdf, z, pop_arr, graph, bounds.floor, gen, max_iterations, where)
        labels = eng.split_oversized(relabel(labels))
        labels = eng.merge_small(labels, comp)
        if engine != "maxp":
            labels = eng.split_until(labels, goal, deadline)
            labels = eng.pairs_to_triples(labels, goal, deadline)
        if goal is not None and labels.max() + 1 > goal:
            labels = merge_to_count(eng, labels, goal)
        rp = np.bincount(relabel(labels), weights=pop_arr)
        violation = float(
            np.maximum(bounds.floor - rp, 0).sum() + np.maximum(rp - bounds.ceiling, 0).sum()
        )
        violation += 0.0 if target is None or rp.size == target else 1e-9 * abs(rp.size - target)
        if best is None or violation < best[0]:
            best = (violation, labels, eng, engine, cut, attempt)
        if violation == 0 or time.perf_counter() > deadline:
            break
    return best


def _result_log(engine_log: list[str], k: int, target: int | None, summary: dict) -> list[str]:
    """Messages of the engine plus a missed count or missed bounds."""
    log = list(engine_log)
    if target is not None and k != target:
        log.append(f"{k} regions instead of the {target} asked for (bounds or time limit)")
    if not summary.get("all_meet_floor", True) or not summary.get("all_meet_ceiling", True):
        log.append("some regions violate the population bounds (see quality)")
    return log


def regionalize(
    gdf: pd.DataFrame,
    columns: Hashable | Sequence[Hashable],
    *,
    graph: Any = "queen",
    n_clusters: int | None = None,
    min_population: float | None = None,
    max_population: float | None = None,
    population: Any = None,
    method: str = "ward",
    rng: Any = None,
    standardize: bool = True,
    refine: bool = True,
    fill_nan: str = "raise",
    max_sweeps: int = 30,
    time_limit: float = 120.0,
    max_iterations: int = 99,
    n_starts: int | None = None,
) -> RegionalizationResult:
    r"""Build contiguous, homogeneous regions from blocks, with a population floor and ceiling.

    The objective is the within-region sum of squares of the standardised
    attributes, :math:`W = \sum_r \sum_{i\in r} \lVert z_i - \bar z_r\rVert^2`
    (GeoDa's measure), under the constraints that every region is connected in the
    contiguity graph and holds between ``min_population`` and ``max_population``
    residents. Three engines build the first partition:

    * ``"ward"`` (default): contiguity-constrained Ward clustering (scikit-learn's
      ``ward_tree`` with the graph as connectivity), one tree per graph component,
      cut top-down by merge height; nodes above the ceiling are always split;
    * ``"skater"``: SKATER (Assunção et al. 2006): cut the minimum spanning tree of
      the graph (edge weight: attribute distance) edge by edge, each time at the cut
      that lowers :math:`W` most among those leaving both parts above the floor;
    * ``"maxp"``: spopt's max-p heuristic (Wei, Rey & Knaap 2021) for the floor,
      bounded by ``max_iterations``.

    **Max-p mode.** With a floor and without ``n_clusters``, the objective is that of
    max-p (Duque, Anselin & Rey 2012): first as many regions as possible, then the
    least :math:`W`. ``"ward"`` and ``"skater"`` then both run a compiled growth
    search: ``n_starts`` starting blocks times three weights of attribute
    similarity give greedy constructions (regions grown one after another up to the
    floor, sweeping outwards from the start, each step taking the frontier block most
    surrounded by the region and nearest to its mean); enclaves go to the adjacent
    region whose :math:`W` rises least, regions holding two floors are split; of the
    constructions with the most regions, the one with the least :math:`W` after a
    greedy border search wins and is improved by re-cutting pairs of adjacent regions
    (the best spanning-tree cut of their union), a short tabu search over border
    moves and a last greedy descent (all moves keep regions connected and within the
    bounds). A ceiling that the floor-only solution meets changes nothing (that
    solution is returned); a ceiling that binds is met by moving border blocks out of
    regions above it, splitting and merging, searched again with the ceiling, the
    repaired floor-only solution among the candidates.

    A repair step then enforces the bounds while keeping every region connected:
    regions above the ceiling are split at their best spanning-tree cut, regions
    below the floor are merged into the neighbour whose Ward merging cost
    :math:`\frac{n_a n_b}{n_a+n_b}\lVert\bar z_a-\bar z_b\rVert^2` is least (if the
    union stays under the ceiling) or grow by taking border blocks; the count is
    restored by further best cuts. Last, border blocks move to the adjacent region
    when that lowers :math:`W` and keeps both regions connected and within the
    bounds (a local search like Openshaw's AZP).

    Parameters
    ----------
    gdf : GeoDataFrame
        Blocks (unique index). Geometry is needed for the default graph and for
        compactness; a plain DataFrame works with an explicit ``graph``.
    columns : str or sequence
        Attribute columns, or indicator keys of the catalogue (computed from counts).
    graph : libpysal.graph.Graph or str, default "queen"
        Contiguity, or the kind to build with
        ``sozplan.graph.build_graph(gdf, graph, islands="raise")``.
        A graph with several parts must come from
        ``build_graph(..., islands="keep")`` (each part is regionalised on its own)
        or be connected (``islands="nearest"``).
    n_clusters : int, optional
        Number of regions. Without it, as many regions as the floor allows
        (max-p), or the fewest the ceiling forces.
    min_population, max_population : float, optional
        Population floor and ceiling per region (need ``population``).
    population : str or Series, optional
        Residents per block.
    method : {"ward", "skater", "maxp"}, default "ward"
    rng : None, int or Generator
        Without it every engine is deterministic. ``"maxp"`` seeds spopt from it; in
        max-p mode with ``"ward"``/``"skater"`` it draws the ``n_starts`` starting
        blocks at random (instead of spreading them by farthest-point sampling).
    standardize : bool, default True
        z-standardise the attributes (mean 0, SD 1 over blocks, divisor n).
    refine : bool, default True
        Run the border refinement.
    fill_nan : {"raise", "neighbours"}, default "raise"
        Missing attributes (e.g. rates of blocks without residents): raise, or fill
        from the mean of the neighbours (listed in ``filled``).
    max_sweeps : int, default 30
        Refinement sweeps over all border blocks.
    time_limit : float, default 120
        Seconds after which splitting and refinement (in max-p mode: further
        constructions and the improvement of the winner) stop early.
    max_iterations : int, default 99
        Construction iterations of max-p.
    n_starts : int, optional
        Starting blocks of the growth search in max-p mode (three constructions each);
        more can find more regions or a lower :math:`W`, at proportional cost. Default:
        :math:`\min(64, \max(16, \lfloor 200{,}000 / n \rfloor))` for :math:`n`
        blocks.

    Returns
    -------
    RegionalizationResult

    Raises
    ------
    InputError
        NaN in the attributes, a floor above the total population, a ceiling below
        the largest block, ``n_clusters`` incompatible with the bounds, a disconnected
        graph without an island policy, an island part below the floor.

    Warns
    -----
    MethodWarning
        If the repair could not meet every bound or the requested count.

    References
    ----------
    Assunção, R. M., Neves, M. C., Câmara, G. & da Costa Freitas, C. (2006).
    Efficient regionalization techniques for socio-economic geographical units using
    minimum spanning trees. *IJGIS* 20(7), 797-811. doi:10.1080/13658810600665111

    Duque, J. C., Anselin, L. & Rey, S. J. (2012). The max-p-regions problem.
    *Journal of Regional Science* 52(3), 397-419. doi:10.1111/j.1467-9787.2011.00743.x

    Openshaw, S. (1977). A geographical solution to scale and aggregation problems
    in region-building, partitioning and spatial modelling. *Transactions of the
    IBG* 2(4), 459-472. doi:10.2307/622300

    Wei, R., Rey, S. & Knaap, E. (2021). Efficient regionalization for spatially
    explicit neighborhood delineation. *IJGIS* 35(1), 135-151.
    doi:10.1080/13658816.2020.1759806

    Anselin, L. (2020). *Spatial Clustering (2): Spatially Constrained Clustering*.
    GeoDa documentation (quality measures).

    Examples
    --------
    >>> from sozplan.datasets import load_musterstadt, load_truth
    >>> t = load_truth()["regions"]
    >>> blocks = load_musterstadt("block")
    >>> blocks = blocks[blocks["bezirk"] == t["district"]]
    >>> r = regionalize(blocks, t["columns"], n_clusters=6, population="einwohner",
    ...                 min_population=t["population_floor"],
    ...                 max_population=t["population_ceiling"])
    >>> r.n_clusters, bool(r.summary["all_meet_floor"]), bool(r.summary["all_contiguous"])
    (6, True, True)
    """
    where = "regionalize"
    t0 = time.perf_counter()
    check_frame(gdf, arg="gdf", where=where)
    check_unique_index(gdf, arg="gdf", where=where)
    if method not in METHODS:
        raise fail(where, f"`method` is {method!r}", f"use one of {format_values(METHODS)}")
    if fill_nan not in ("raise", "neighbours"):
        raise fail(where, f"`fill_nan` is {fill_nan!r}", "use 'raise' or 'neighbours'")
    gen = check_rng(rng, where=where)
    if n_starts is not None and (
        not isinstance(n_starts, int | np.integer) or isinstance(n_starts, bool) or n_starts < 1
    ):
        raise fail(where, f"`n_starts` is {n_starts!r}", "pass a positive integer or None")
    values = indicator_values(
        gdf, columns, where=where, arg="gdf", allow_nan=fill_nan == "neighbours"
    )
    cols = list(values.columns)
    graph, adj = contiguity_matrix(gdf, graph, where=where)
    filled: tuple = ()
    if fill_nan == "neighbours":
        values, filled = _fill_from_neighbours(values, adj)
    pop = population_values(gdf, population, where=where)
    n = len(gdf)
    bounds = _check_bounds(pop, gdf.index, n_clusters, min_population, max_population, n, where)
    n_comp, comp = _check_components(graph, adj, gdf.index, where)
    pop_arr = np.zeros(n) if pop is None else pop
    if n_comp > 1:
        _check_parts(n_comp, comp, n_clusters, bounds.floor, pop_arr, gdf.index, where)
    x = values.to_numpy(dtype=float)
    z = _standardized(x) if standardize else x.copy()
    deadline = t0 + time_limit
    target = n_clusters
    if method == "maxp" and n_clusters is not None:
        raise fail(
            where, "method='maxp' chooses the number of regions itself", "leave n_clusters=None"
        )
    n_cut = n_clusters
    if n_cut is None and bounds.floor > 0:
        n_cut = max(n_comp, int(pop_arr.sum() // bounds.floor))
    attempts = _attempt_plan(method, n_cut, n_clusters, n_comp)
    notes: list[str] = []
    if method != "maxp" and target is None and bounds.floor > 0:
        attempts = []  # max-p mode: the growth search below
        labels, n_moves, eng = _maxp_mode(
            adj,
            z,
            pop_arr,
            bounds,
            comp,
            n_starts=n_starts,
            rng=None if rng is None else gen,
            max_sweeps=max_sweeps if refine else 0,
            deadline=deadline,
            notes=notes,
        )
    maxp_args = (gdf, graph, gen, max_iterations, where)
    best = _best_attempt(
        attempts, adj, z, pop_arr, bounds, comp, n_comp, target, deadline, maxp_args
    )
    if best is not None:
        _, labels, eng, engine, cut, attempt = best
        if attempt > 0:
            notes.append(
                f"bounds met after retry with engine {engine!r} from {cut} initial regions"
            )
        n_moves = 0
        if refine:
            labels, n_moves = eng.refine(labels, max_sweeps=max_sweeps, deadline=deadline)
    labels = relabel(labels)
    k = int(labels.max()) + 1
    ids = pd.Index(range(1, k + 1), name="region")
    geometry = gdf.geometry if hasattr(gdf, "geometry") and "geometry" in gdf else None
    quality, summary = zone_table(
        z,
        labels,
        ids,
        pop=pop,
        values=values,
        geometry=geometry,
        adj=adj,
        floor=min_population,
        ceiling=max_population,
    )
    log = _result_log(eng.log, k, target, summary)
    retry_notes = tuple(notes)
    for msg in log:
        warnings.warn(f"regionalize: {msg}", MethodWarning, stacklevel=2)
    return RegionalizationResult(
        labels=pd.Series(labels + 1, index=gdf.index, name="region", dtype="int64"),
        quality=quality,
        summary=summary,
        method=method,
        columns=tuple(cols),
        min_population=min_population,
        max_population=max_population,
        n_moves=n_moves,
        runtime=time.perf_counter() - t0,
        filled=filled,
        log=tuple(log) + retry_notes,
        geometry=geometry,
    )
