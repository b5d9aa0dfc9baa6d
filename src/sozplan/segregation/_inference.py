r"""Randomisation tests, bootstrap intervals and comparisons of segregation indices.

All simulated tables of a run are drawn at once (in chunks of bounded memory) as an
``(iterations, units, groups)`` array with numpy's binomial, multinomial and
hypergeometric generators, and the index is evaluated on all of them in one
vectorised call; there is no Python loop per iteration.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.html import rows_table
from sozplan._core.text import german
from sozplan.checks import check_alpha, check_draws, check_rng, fail, format_values
from sozplan.plotting import FigureDisplay
from sozplan.segregation._draws import MultinomialSampler, binomial_sampler
from sozplan.segregation._result import carrington_troske
from sozplan.segregation._validate import (
    check_integer_counts,
    environment_matrix,
    lag_counts,
    multigroup_array,
    spec_of,
    twogroup_arrays,
)

__all__ = [
    "ComparisonResult",
    "RandomizationResult",
    "compare_indices",
    "randomization_test",
]

NULLS = ("systematic", "evenness", "permutation", "bootstrap", "geographic")
#: Elements (iterations x units x groups) simulated at once (32 MB): large enough that
#: each alias table is reused for a few hundred iterations while it is in the CPU cache
#: (2.5x faster than 0.5 M elements at 10,000 planning-area-sized units), small enough
#: to bound memory.
CHUNK_ELEMENTS = 4_194_304
#: Elements an index is evaluated on at once: its numpy passes then run in the CPU cache.
KERNEL_ELEMENTS = 131_072


# ------------------------------------------------------------------ simulation


def _chunks(iterations: int, n: int, k: int) -> Iterator[int]:
    size = max(1, min(iterations, CHUNK_ELEMENTS // max(1, n * k)))
    done = 0
    while done < iterations:
        b = min(size, iterations - done)
        done += b
        yield b


def evaluate(kernel: Callable[[np.ndarray], np.ndarray], sim: np.ndarray) -> np.ndarray:
    """``kernel(sim)`` evaluated on blocks of rows that fit in the CPU cache."""
    step = max(1, KERNEL_ELEMENTS // max(1, sim[0].size))
    if step >= len(sim):
        return kernel(sim)
    return np.concatenate([kernel(sim[a : a + step]) for a in range(0, len(sim), step)])


class Simulator:
    """Draws simulated count tables of shape ``(b, n, K)`` under one null model.

    ``null``:
    ``"systematic"`` each group is spread over the areas by a multinomial draw with
    probabilities :math:`t_i/T` (area sizes vary); ``"evenness"`` each area keeps its
    size and every resident belongs to group k with probability :math:`P_k`;
    ``"permutation"`` residents are permuted among areas, keeping area sizes and group
    totals (multivariate hypergeometric); ``"bootstrap"`` areas are resampled with
    replacement; ``"geographic"`` the areas' counts are permuted among the locations
    (only spatial versions change); ``"parametric"`` each group is redrawn from its own
    observed spatial distribution (Allen et al. 2015).

    The per-unit alias tables of :mod:`sozplan.segregation._draws` are built once here
    and shared (read-only) by every call of :meth:`draw`, also from several threads.
    """

    def __init__(
        self, counts: np.ndarray, null: str, *, workers: int | None = 1, order_free: bool = False
    ) -> None:
        self.counts = np.asarray(counts, dtype=float)
        self.null = null
        #: with ``order_free`` (an index that does not depend on the order of the units)
        #: the systematic and evenness nulls draw the units sorted by their totals, so
        #: that every alias table serves consecutive units and the draws are written in
        #: place; the simulated tables then list the units in the order ``self.perm``
        self.perm: np.ndarray | None = None
        if order_free and null in ("systematic", "evenness"):
            self.perm = np.argsort(self.counts.sum(axis=1), kind="stable")
            self.counts = self.counts[self.perm]
        tot = self.counts.sum(axis=1)
        self.grp = self.counts.sum(axis=0)
        self.t_int = np.rint(tot).astype(np.int64)
        self.g_int = np.rint(self.grp).astype(np.int64)
        k = self.counts.shape[1]
        self.samplers: list[Any] = []
        if null in ("systematic", "parametric"):
            probs = [
                tot / tot.sum() if null == "systematic" else self.counts[:, j] / self.grp[j]
                for j in range(k)
            ]
            self.samplers = thread_map(
                lambda j: MultinomialSampler(self.g_int[j], probs[j]), range(k), workers
            )
        elif null == "evenness":
            self.samplers = [binomial_sampler(self.t_int, self.grp[0] / self.grp.sum())]
        elif null not in NULLS:  # pragma: no cover - checked by callers
            raise ValueError(null)

    def draw(self, b: int, rng: np.random.Generator) -> np.ndarray:
        """``b`` simulated tables, shape ``(b, n, K)``.

        Redrawn counts are stored group by group (``(K, b, n)`` in memory), so that the
        samplers write each group's rows contiguously and the index kernels read one
        group's counts of all tables as one C-contiguous ``(b, n)`` block.
        """
        counts, t_int, g_int, grp = self.counts, self.t_int, self.g_int, self.grp
        n, k = counts.shape
        if self.null in ("systematic", "parametric", "evenness"):
            planes = np.empty((k, b, n))
            if self.null == "evenness":
                self.samplers[0].draw(rng, planes[0])
                remaining = t_int[None, :] - planes[0].astype(np.int64)
                share_left = 1.0 - grp[0] / grp.sum()
                for j in range(1, k - 1):
                    p = min(1.0, max(0.0, (grp[j] / grp.sum()) / share_left))
                    planes[j] = draw = rng.binomial(remaining, p)
                    remaining -= draw
                    share_left -= grp[j] / grp.sum()
                if k > 1:
                    planes[k - 1] = remaining
            else:
                for j, sampler in enumerate(self.samplers):
                    sampler.draw(rng, planes[j])
            return planes.transpose(1, 2, 0)
        out = np.empty((b, n, k))
        if self.null == "permutation":
            first = rng.multivariate_hypergeometric(t_int, g_int[0], size=b, method="marginals")
            out[:, :, 0] = first
            capacity = t_int[None, :] - first
            for j in range(1, k - 1):
                for s in range(b):  # capacities differ per table; numpy takes 1-d colours
                    out[s, :, j] = rng.multivariate_hypergeometric(
                        capacity[s], g_int[j], method="marginals"
                    )
                capacity = capacity - out[:, :, j].astype(np.int64)
            if k > 1:
                out[:, :, k - 1] = capacity
        elif self.null == "bootstrap":
            out[:] = counts[rng.integers(0, n, size=(b, n))]
        else:  # geographic
            out[:] = counts[rng.permuted(np.broadcast_to(np.arange(n), (b, n)), axis=1)]
        return out


def simulate_tables(
    counts: np.ndarray, *, null: str, iterations: int, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """Yield simulated tables of shape ``(b, n, K)`` whose ``b`` add up to ``iterations``.

    One stream, one chunk after the other; see :class:`Simulator` for the nulls.
    """
    sim = Simulator(counts, null)
    n, k = sim.counts.shape
    for b in _chunks(iterations, n, k):
        yield sim.draw(b, rng)


def run_chunks(
    work: Callable[[int, np.random.Generator], np.ndarray],
    sizes: list[int],
    rng: np.random.Generator,
    *,
    workers: int | None,
    bar: Any = None,
) -> np.ndarray:
    """Concatenate ``work(b, generator)`` over the chunk sizes, on several threads.

    Chunk ``c`` always draws from its own generator, seeded from ``rng`` in chunk order,
    so the result depends on ``rng`` only, not on the number of threads or on which
    thread finishes first. The compiled samplers and numpy's generators and ufuncs
    release the GIL, so the threads run in parallel.
    """
    seeds = rng.integers(0, 2**63, size=len(sizes))
    # SFC64: a fast generator of high statistical quality (numpy's own); each chunk's
    # stream is fixed by its seed
    jobs = [
        (b, np.random.Generator(np.random.SFC64(s))) for b, s in zip(sizes, seeds, strict=True)
    ]

    def one(job: tuple[int, np.random.Generator]) -> np.ndarray:
        values = work(*job)
        if bar is not None:
            bar.update(job[0])
        return values

    return np.concatenate(thread_map(one, jobs, workers))


def thread_map(func: Callable[[Any], Any], items: Any, workers: int | None) -> list[Any]:
    """``[func(x) for x in items]`` in order, on up to ``workers`` threads."""
    items = list(items)
    n_threads = _n_threads(workers, len(items))
    if n_threads == 1:
        return [func(x) for x in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        return list(pool.map(func, items))


def _n_threads(workers: int | None, n_jobs: int) -> int:
    import os

    if workers is None:
        try:
            workers = len(os.sched_getaffinity(0))
        except AttributeError:  # pragma: no cover - not on Linux
            workers = os.cpu_count() or 1
    return max(1, min(int(workers), n_jobs))


def simulate_twogroup(
    x: np.ndarray, t: np.ndarray, *, null: str, iterations: int, rng: Any
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Two-group wrapper of :func:`simulate_tables` yielding ``(x, t)`` of shape (b, n)."""
    counts = np.column_stack([x, t - x])
    for sim in simulate_tables(counts, null=null, iterations=iterations, rng=rng):
        yield sim[:, :, 0], sim.sum(axis=2)


def _progress(total: int, show: bool | None, work: int, desc: str) -> Any:
    if show is None:
        show = work > 50_000_000
    if not show:
        return None
    try:
        with warnings.catch_warnings():  # tqdm.auto warns in Jupyter without ipywidgets
            warnings.filterwarnings("ignore", message="IProgress not found")
            from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - optional
        return _SimpleBar(total, desc)
    return tqdm(total=total, desc=desc)


class _SimpleBar:  # pragma: no cover - used only without tqdm
    def __init__(self, total: int, desc: str) -> None:
        self.total, self.done, self.desc = total, 0, desc

    def update(self, k: int) -> None:
        self.done += k
        print(f"\r{self.desc}: {self.done}/{self.total}", end="", flush=True)

    def close(self) -> None:
        print()


# -------------------------------------------------------------- index plumbing


def prepare_index(
    index: Callable[..., Any], df: pd.DataFrame, kwargs: dict[str, Any], where: str
) -> tuple[Any, np.ndarray, Callable[[np.ndarray], np.ndarray], tuple[str, ...]]:
    """Return (spec, counts (n, K), vectorised kernel on (b, n, K) tables, group names)."""
    spec = spec_of(index, where)
    if not spec.randomizable:
        if spec.spatial:
            what = f"`index` {spec.name} is computed from the geometry and cannot be simulated"
            fix = (
                "use the spatial version of an aspatial index with graph= (e.g. "
                "dissimilarity(..., graph=g)) and null='geographic', or compare "
                "multiscalar profiles"
            )
        else:
            what = f"`index` {spec.name} is itself a simulation-based estimate"
            fix = "test the underlying index instead (e.g. dissimilarity)"
        raise fail(where, what, fix)
    index_kernel = spec.kernel
    assert index_kernel is not None  # every randomisable index has a kernel
    kwargs = dict(kwargs)
    graph = kwargs.pop("graph", None)
    if spec.kind == "twogroup":
        try:
            group, population = kwargs.pop("group"), kwargs.pop("population")
        except KeyError as exc:
            raise fail(
                where,
                f"{spec.name} needs `group=` and `population=`",
                "pass them as keyword arguments, e.g. group='<group column>', population='<residents column>'",
            ) from exc
        x, t = twogroup_arrays(df, group, population, where=where)
        check_integer_counts(df, [group, population], where)
        counts = np.column_stack([x, t - x])
        names: tuple[str, ...] = (str(group), str(population))

        def base(c: np.ndarray, _p: dict[str, Any] = kwargs) -> np.ndarray:
            if spec.table_kernel is not None and not _p:  # compiled, one pass per table
                return spec.table_kernel(c)
            return index_kernel(c[:, :, 0], c[:, :, 0] + c[:, :, 1], **_p)

    else:
        try:
            groups = kwargs.pop("groups")
        except KeyError as exc:
            raise fail(
                where,
                f"{spec.name} needs `groups=`",
                "pass the list of group columns as a keyword argument",
            ) from exc
        counts = multigroup_array(df, groups, where=where)
        check_integer_counts(df, list(groups), where)
        names = tuple(str(g) for g in groups)

        def base(c: np.ndarray, _p: dict[str, Any] = kwargs) -> np.ndarray:
            return index_kernel(c, **_p)

    unknown = set(kwargs) - _kernel_params(index_kernel, spec.kind)
    if unknown:
        raise fail(
            where,
            f"{spec.name} got unexpected argument(s) {format_values(sorted(unknown))}",
            "pass only the index's own keyword arguments",
        )
    if graph is not None:
        mat = environment_matrix(df, graph, where)

        def kernel(c: np.ndarray) -> np.ndarray:
            return base(lag_counts(mat, c))

        return spec, counts, kernel, names
    return spec, counts, base, names


def _kernel_params(kernel: Callable[..., Any], kind: str) -> set[str]:
    import inspect

    skip = 2 if kind == "twogroup" else 1  # (x, t) or (counts)
    return set(list(inspect.signature(kernel).parameters)[skip:])


def _pvalue(sim: np.ndarray, obs: float, alternative: str) -> float:
    m = len(sim)
    tol = 1e-12 * max(1.0, abs(obs))
    greater = (1 + np.count_nonzero(sim >= obs - tol)) / (m + 1)
    less = (1 + np.count_nonzero(sim <= obs + tol)) / (m + 1)
    if alternative == "greater":
        return float(greater)
    if alternative == "less":
        return float(less)
    return float(min(1.0, 2 * min(greater, less)))


def _check_common(iterations: Any, alpha: Any, alternative: str, where: str) -> int:
    iterations = check_draws(iterations, arg="permutations", where=where, minimum=1)
    check_alpha(alpha, where=where)
    if alternative not in ("greater", "less", "two-sided"):
        raise fail(
            where, f"`alternative` is {alternative!r}", "choose 'greater', 'less' or 'two-sided'"
        )
    return int(iterations)


# -------------------------------------------------------------------- results


def _hist(ax: Any, sim: np.ndarray, obs: float, title: str, de: bool) -> FigureDisplay:
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    sim = sim[np.isfinite(sim)]
    lo, hi = min(sim.min(), obs), max(sim.max(), obs)
    pad = 0.05 * (hi - lo) if hi > lo else 0.01
    # bins over the whole range, so that a null far from the observed value stays visible
    bins = np.linspace(lo - pad, hi + pad, 61)
    ax.hist(
        sim,
        bins=bins,
        color="#6b8bad",
        edgecolor="white",
        label="simuliert" if de else "simulated",
    )
    ax.axvline(obs, color="#b2182b", lw=2, label="beobachtet" if de else "observed")
    sd = sim.std()
    if sd > 0:
        ax.annotate(
            f"z = {(obs - sim.mean()) / sd:.1f}",
            xy=(obs, 0.9),
            xycoords=("data", "axes fraction"),
            xytext=(-6, 0),
            textcoords="offset points",
            ha="right",
            color="#b2182b",
        )
    ax.set_title(title)
    ax.set_ylabel("Häufigkeit" if de else "Frequency")
    ax.legend(frameon=False, loc="upper left")
    alt = (
        f"Histogramm von {len(sim)} simulierten Werten mit dem beobachteten Wert {obs:.4f}"
        if de
        else f"Histogram of {len(sim)} simulated values with the observed value {obs:.4f}"
    )
    return FigureDisplay.from_axes(ax, "null_distribution", alt, data={"simulated": sim})


@immutable
@dataclass(frozen=True, repr=False)
class RandomizationResult:
    r"""Outcome of :func:`randomization_test`.

    Attributes
    ----------
    index, label : str
        Function name and readable name of the index.
    statistic : float
        Observed value.
    null : str
        ``"systematic"``, ``"evenness"``, ``"permutation"`` or ``"bootstrap"``.
    alternative : str
    p_value : float
        Share of simulated values at least as extreme, ``(1 + k) / (permutations + 1)``;
        NaN for ``null="bootstrap"`` (a bootstrap gives an interval, not a test).
    expected : float
        Mean of the simulated values: the index expected under random allocation (null
        models) or the bootstrap mean.
    std : float
        Standard deviation of the simulated values.
    ci : tuple of float
        ``null="bootstrap"``: percentile confidence interval of level ``1 - alpha``;
        null models: the central ``1 - alpha`` range of the index under random allocation.
    bias_corrected : float
        ``null="bootstrap"``: :math:`2\\,\\hat I - \\bar I_b`; null models: the
        Carrington & Troske (1997) adjustment :math:`(I - E)/(1 - E)` (or
        :math:`(I - E)/E` when :math:`I < E`).
    z : float
        ``(statistic - expected) / std``.
    n_permutations : int
    simulated : numpy.ndarray
        All simulated values.
    """

    index: str
    label: str
    statistic: float
    null: str
    alternative: str
    p_value: float
    expected: float
    std: float
    ci: tuple[float, float]
    bias_corrected: float
    z: float
    n_permutations: int
    alpha: float
    groups: tuple[str, ...] = ()
    simulated: np.ndarray = field(default_factory=lambda: np.empty(0))

    def __repr__(self) -> str:
        lo, hi = self.ci
        kind = "CI" if self.null == "bootstrap" else "null range"
        return (
            f"Randomisation test of {self.label}\n"
            f"  statistic       {self.statistic:.4f}\n"
            f"  null            {self.null} ({self.n_permutations} permutations, "
            f"alternative={self.alternative})\n"
            f"  expected        {self.expected:.4f} (sd {self.std:.4f}, z {self.z:.2f})\n"
            f"  p_value         {self.p_value:.4g}\n"
            f"  {kind:<15} [{lo:.4f}, {hi:.4f}] ({1 - self.alpha:.0%})\n"
            f"  bias_corrected  {self.bias_corrected:.4f}"
        )

    def _repr_html_(self) -> str:
        lo, hi = self.ci
        rows = [
            ("index", html.escape(self.label)),
            ("statistic", f"<b>{self.statistic:.4f}</b>"),
            ("null", f"{html.escape(self.null)} ({self.n_permutations} permutations)"),
            ("expected", f"{self.expected:.4f}"),
            ("p_value", f"{self.p_value:.4g}"),
            ("interval", f"[{lo:.4f}, {hi:.4f}] ({1 - self.alpha:.0%})"),
            ("bias_corrected", f"{self.bias_corrected:.4f}"),
        ]
        return rows_table(rows, markup=True)

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy table of the figures (without the simulated values)."""
        return pd.DataFrame(
            {
                "index": [self.index],
                "statistic": [self.statistic],
                "null": [self.null],
                "alternative": [self.alternative],
                "p_value": [self.p_value],
                "expected": [self.expected],
                "std": [self.std],
                "ci_low": [self.ci[0]],
                "ci_high": [self.ci[1]],
                "bias_corrected": [self.bias_corrected],
                "z": [self.z],
                "n_permutations": [self.n_permutations],
            }
        )

    def plot(self, ax: Any = None, *, language: str = "de") -> FigureDisplay:
        """Histogram of the simulated values with the observed value (a FigureDisplay)."""
        de = german(language, "RandomizationResult.plot")
        draws = "Ziehungen" if de else "draws"
        title = f"{self.label}: {self.null} ({self.n_permutations} {draws})"
        return _hist(ax, self.simulated, self.statistic, title, de)


def randomization_test(
    index: Callable[..., Any],
    df: pd.DataFrame,
    *,
    permutations: int = 999,
    null: str = "systematic",
    alternative: str = "greater",
    alpha: float = 0.05,
    rng: Any = None,
    progress: bool | None = None,
    n_jobs: int | None = None,
    **index_kwargs: Any,
) -> RandomizationResult:
    r"""Test a segregation index against random allocation, or bootstrap it.

    Parameters
    ----------
    index : callable
        One of the index functions of :mod:`sozplan.segregation`, e.g.
        :func:`~sozplan.segregation.dissimilarity` or
        :func:`~sozplan.segregation.mutual_information`.
    df : DataFrame
        One row per area with whole-number counts.
    permutations : int, default 999
    null : {"systematic", "evenness", "permutation", "bootstrap", "geographic"}
        ``"systematic"``: every group is allocated to areas by a multinomial draw with
        probabilities :math:`t_i / T` (area sizes vary; PySAL's "systematic").
        ``"evenness"``: area sizes fixed, each resident belongs to group *k* with
        probability :math:`P_k` (binomial/multinomial per area).
        ``"permutation"``: residents are permuted among areas, keeping both area sizes
        and group totals (multivariate hypergeometric; the exact conditional null).
        ``"bootstrap"``: areas are resampled with replacement; gives a percentile
        confidence interval and a bias-corrected index, no p-value.
        ``"geographic"``: the areas' tables are permuted among the locations (for
        spatial versions with ``graph=``: is the pattern spatially random?).
    alternative : {"greater", "less", "two-sided"}, default "greater"
        "greater" asks whether segregation exceeds what random allocation produces.
    alpha : float, default 0.05
        Level of the interval in ``ci``.
    rng : None, int or numpy.random.Generator
    progress : bool, optional
        Show a progress bar (tqdm if installed); by default only for long runs.
    n_jobs : int, optional
        Threads used for the simulation; by default every CPU core available to the
        process. The result does not depend on it: each chunk of iterations draws from
        its own generator, seeded from ``rng`` in a fixed order.
    **index_kwargs
        Arguments of the index: ``group=``/``population=`` or ``groups=``, optionally
        ``graph=`` and index parameters such as ``b=`` or ``base=``.

    Returns
    -------
    RandomizationResult

    Notes
    -----
    Memory stays bounded: tables are simulated in chunks of at most
    ``CHUNK_ELEMENTS`` counts. Counts must be whole numbers.

    Speed: the systematic, evenness and parametric nulls draw every count from a
    precomputed alias table per distinct area size (:mod:`sozplan.segregation._draws`:
    one uniform number and one look-up per count, exact to the resolution of the
    uniforms), the index is evaluated on cache-sized blocks of tables, and chunks run
    on ``n_jobs`` threads.

    References
    ----------
    Carrington, W. J., & Troske, K. R. (1997). doi:10.1080/07350015.1997.10524718;
    Allen et al. (2015). doi:10.1111/ectj.12039; Elbers, B. (2023). A method for
    studying differences in segregation across time and space. Sociological Methods &
    Research 52(1), 5-42. doi:10.1177/0049124121986204

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.segregation import dissimilarity
    >>> df = pd.DataFrame({"a": [40, 2, 3, 35], "t": [50, 50, 50, 50]})
    >>> r = randomization_test(dissimilarity, df, group="a", population="t",
    ...                        permutations=199, rng=0)
    >>> r.p_value
    0.005
    """
    where = "randomization_test"
    permutations = _check_common(permutations, alpha, alternative, where)
    if null not in NULLS:
        raise fail(where, f"`null` is {null!r}", f"choose one of {format_values(NULLS)}")
    rng = check_rng(rng, where=where)
    if n_jobs is not None and (
        isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs < 1
    ):
        raise fail(where, f"`n_jobs` is {n_jobs!r}", "pass a positive integer or None")
    spec, counts, kernel, names = prepare_index(index, df, index_kwargs, where)
    observed = float(kernel(counts[None])[0])
    # an aspatial index with scalar options does not depend on the order of the units
    order_free = index_kwargs.get("graph") is None and all(
        np.ndim(v) == 0
        for name, v in index_kwargs.items()
        if name not in ("group", "population", "groups", "graph")
    )
    simulator = Simulator(counts, null, workers=n_jobs, order_free=order_free)
    sizes = list(_chunks(permutations, *counts.shape))
    bar = _progress(permutations, progress, permutations * counts.size, spec.name)
    try:
        simulated = run_chunks(
            lambda b, gen: evaluate(kernel, simulator.draw(b, gen)),
            sizes,
            rng,
            workers=n_jobs,
            bar=bar,
        )
    finally:
        if bar is not None:
            bar.close()
    finite = simulated[np.isfinite(simulated)]
    expected = float(finite.mean())
    std = float(finite.std(ddof=1)) if len(finite) > 1 else float("nan")
    lo, hi = np.quantile(finite, [alpha / 2, 1 - alpha / 2])
    if null == "bootstrap":
        p_value = float("nan")
        corrected = 2 * observed - expected
    else:
        p_value = _pvalue(finite, observed, alternative)
        corrected = carrington_troske(observed, expected)
    return RandomizationResult(
        index=spec.name,
        label=spec.label,
        statistic=observed,
        null=null,
        alternative=alternative,
        p_value=p_value,
        expected=expected,
        std=std,
        ci=(float(lo), float(hi)),
        bias_corrected=float(corrected),
        z=(observed - expected) / std if std and std > 0 else float("nan"),
        n_permutations=permutations,
        alpha=float(alpha),
        groups=names,
        simulated=simulated,
    )


@immutable
@dataclass(frozen=True, repr=False)
class ComparisonResult:
    """Outcome of :func:`compare_indices`: two values of one index and their difference.

    Attributes
    ----------
    index, label : str
    statistic_1, statistic_2 : float
    difference : float
        ``statistic_2 - statistic_1``.
    method : str
        ``"random_label"`` or ``"bootstrap"``.
    p_value : float
        Two-sided p-value of "no difference".
    ci : tuple of float
        Bootstrap percentile interval of the difference (``method="bootstrap"``), or the
        central range of differences under random labelling.
    n_permutations : int
    simulated : numpy.ndarray
        Simulated differences.
    """

    index: str
    label: str
    statistic_1: float
    statistic_2: float
    difference: float
    method: str
    p_value: float
    ci: tuple[float, float]
    n_permutations: int
    alpha: float
    simulated: np.ndarray = field(default_factory=lambda: np.empty(0))

    def __repr__(self) -> str:
        return (
            f"Comparison of {self.label}\n"
            f"  statistic_1  {self.statistic_1:.4f}\n"
            f"  statistic_2  {self.statistic_2:.4f}\n"
            f"  difference   {self.difference:+.4f} "
            f"[{self.ci[0]:+.4f}, {self.ci[1]:+.4f}] ({1 - self.alpha:.0%})\n"
            f"  p_value      {self.p_value:.4g} ({self.method}, {self.n_permutations} permutations)"
        )

    def _repr_html_(self) -> str:
        rows = [
            ("index", html.escape(self.label)),
            ("statistic_1", f"{self.statistic_1:.4f}"),
            ("statistic_2", f"{self.statistic_2:.4f}"),
            ("difference", f"<b>{self.difference:+.4f}</b>"),
            ("interval", f"[{self.ci[0]:+.4f}, {self.ci[1]:+.4f}] ({1 - self.alpha:.0%})"),
            ("p_value", f"{self.p_value:.4g} ({html.escape(self.method)})"),
        ]
        return rows_table(rows, markup=True)

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy table."""
        return pd.DataFrame(
            {
                "index": [self.index],
                "statistic_1": [self.statistic_1],
                "statistic_2": [self.statistic_2],
                "difference": [self.difference],
                "method": [self.method],
                "p_value": [self.p_value],
                "ci_low": [self.ci[0]],
                "ci_high": [self.ci[1]],
                "n_permutations": [self.n_permutations],
            }
        )

    def plot(self, ax: Any = None, *, language: str = "de") -> FigureDisplay:
        """Histogram of the simulated differences with the observed one (a FigureDisplay)."""
        de = german(language, "ComparisonResult.plot")
        title = f"{self.label}: {'Differenz' if de else 'difference'} ({self.method})"
        return _hist(ax, self.simulated, self.difference, title, de)


def compare_indices(
    index: Callable[..., Any],
    df1: pd.DataFrame,
    df2: pd.DataFrame,
    *,
    permutations: int = 999,
    method: str = "bootstrap",
    alpha: float = 0.05,
    rng: Any = None,
    **index_kwargs: Any,
) -> ComparisonResult:
    r"""Compare one index between two tables (two cities, two years) with a test of the difference.

    Parameters
    ----------
    index : callable
        An index function, e.g. :func:`~sozplan.segregation.dissimilarity`.
    df1, df2 : DataFrame
        Two tables with the same count columns (their areas may differ).
    permutations : int, default 999
    method : {"bootstrap", "random_label"}
        ``"bootstrap"`` resamples the areas of each table with replacement; the
        interval is the percentile interval of the difference and the p-value the
        share of centred bootstrap differences beyond the observed one.
        ``"random_label"`` pools the areas and reassigns them at random to two tables of
        the original sizes (Rey, Cortes & Knaap 2021); the p-value is the share of
        random-label differences at least as large in absolute value.
    alpha : float, default 0.05
    rng : None, int or numpy.random.Generator
    **index_kwargs
        ``group=``/``population=`` or ``groups=`` and index parameters (no ``graph``).

    Returns
    -------
    ComparisonResult

    References
    ----------
    Rey, S. J., Cortes, R., & Knaap, E. (2021). Comparative spatial segregation
    analytics. Spatial Demography 9, 199-233. doi:10.1007/s40980-021-00075-6

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.segregation import dissimilarity
    >>> a = pd.DataFrame({"g": [40, 2, 3, 35], "t": [50, 50, 50, 50]})
    >>> b = pd.DataFrame({"g": [20, 15, 18, 27], "t": [50, 50, 50, 50]})
    >>> r = compare_indices(dissimilarity, a, b, group="g", population="t", rng=0,
    ...                     permutations=199, method="random_label")
    >>> round(r.difference, 3)
    -0.583
    """
    where = "compare_indices"
    permutations = _check_common(permutations, alpha, "two-sided", where)
    if method not in ("bootstrap", "random_label"):
        raise fail(where, f"`method` is {method!r}", "choose 'bootstrap' or 'random_label'")
    if "graph" in index_kwargs:
        raise fail(
            where,
            "`graph` was passed",
            "compare aspatial indices, or compare spatial ones with two randomisation tests",
        )
    rng = check_rng(rng, where=where)
    spec, c1, kernel, _ = prepare_index(index, df1, index_kwargs, where)
    _, c2, _, _ = prepare_index(index, df2, index_kwargs, where)
    s1, s2 = float(kernel(c1[None])[0]), float(kernel(c2[None])[0])
    diff = s2 - s1
    n1, n2 = len(c1), len(c2)
    sims = []
    pooled = np.concatenate([c1, c2])
    size = max(1, CHUNK_ELEMENTS // max(1, pooled.size))
    done = 0
    while done < permutations:
        b = min(size, permutations - done)
        done += b
        if method == "bootstrap":
            d1 = kernel(c1[rng.integers(0, n1, size=(b, n1))])
            d2 = kernel(c2[rng.integers(0, n2, size=(b, n2))])
        else:
            perm = rng.permuted(np.tile(np.arange(n1 + n2), (b, 1)), axis=1)
            d1 = kernel(pooled[perm[:, :n1]])
            d2 = kernel(pooled[perm[:, n1:]])
        sims.append(d2 - d1)
    sim = np.concatenate(sims)
    sim = sim[np.isfinite(sim)]
    if method == "bootstrap":
        lo, hi = np.quantile(sim, [alpha / 2, 1 - alpha / 2])
        centred = sim - sim.mean()
        p = (1 + np.count_nonzero(np.abs(centred) >= abs(diff))) / (len(sim) + 1)
    else:
        lo, hi = np.quantile(sim, [alpha / 2, 1 - alpha / 2])
        p = (1 + np.count_nonzero(np.abs(sim) >= abs(diff) - 1e-12)) / (len(sim) + 1)
    return ComparisonResult(
        index=spec.name,
        label=spec.label,
        statistic_1=s1,
        statistic_2=s2,
        difference=diff,
        method=method,
        p_value=float(p),
        ci=(float(lo), float(hi)),
        n_permutations=permutations,
        alpha=float(alpha),
        simulated=sim,
    )
