"""Local indicators of spatial association (LISA) with compiled, cached permutation kernels."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.autocorrelation._common import (
    CLUSTER_LABELS_DE,
    CLUSTER_LABELS_EN,
    adjust_pvalues,
    check_alpha_correction,
    check_alternative,
    check_classes,
    check_permutations,
    prepare,
    row_lag,
    seed_from_rng,
)
from sozplan.autocorrelation._global import check_rate_columns, eb_rates
from sozplan.autocorrelation._kernels import (
    G_STAR,
    GEARY,
    JOIN,
    MORAN,
    G,
    conditional_permutation,
    split_diagonal,
)
from sozplan.checks import check_frame, fail, format_values

if TYPE_CHECKING:
    from libpysal.graph import Graph

__all__ = [
    "local_geary",
    "local_getis_ord",
    "local_join_counts",
    "local_moran",
    "local_moran_bv",
    "local_moran_rate",
]

_ORDER = {
    "moran": ["HH", "LL", "HL", "LH", "ns", "isolate"],
    "g": ["HH", "LL", "ns", "isolate"],
    "geary": ["HH", "LL", "OP", "NEG", "ns", "isolate"],
    "jc": ["HH", "ns", "isolate"],
}

_RETURNS_DOC = """
    Returns
    -------
    pandas.DataFrame
        On the index of ``df``, with columns

        * ``statistic``: the local statistic;
        * ``expected``, ``z``: mean of the conditional permutation distribution and
          :math:`(S_i - \\bar S_i^{sim}) / sd(S_i^{sim})`;
        * ``p_value``: pseudo p-value :math:`(M_i + 1)/(R + 1)` for ``alternative``
          (two-sided by default), clamped to [0, 1]; NaN for isolates;
        * ``q_value``: Benjamini-Hochberg adjusted p-value (false discovery rate)
          over the non-isolated areas;
        * ``p_bonferroni``: Bonferroni adjusted p-value;
        * ``significant``: adjusted p-value (per ``correction``) <= ``alpha``;
        * ``cluster``: code (categorical) ``HH``/``LL``/``HL``/``LH`` for significant
          areas, ``ns`` otherwise, ``isolate`` for areas without neighbours;
        * ``cluster_de``/``cluster_en``: labels for reports ("hoch-hoch", ...);
        * ``quadrant``: quadrant of the Moran scatter plot whether significant or not;
        * ``n_neighbours``, ``isolate``;
        * ``value_std``, ``lag_std``: the standardised value and its spatial lag
          (the axes of the Moran scatter plot).

        ``DataFrame.attrs`` holds ``statistic``, ``alpha``, ``correction``,
        ``permutations``, ``seed``, ``alternative`` and ``warnings``.
"""


@immutable
@dataclass(frozen=True)
class _Opts:
    """Checked test options shared by the local statistics."""

    permutations: int
    alternative: str
    seed: int
    alpha: float
    correction: str
    n_jobs: int

    def simulate(self, kind, focal, drawn, observed, sparse, scaling=1.0):
        """Conditional-permutation null: p-values, means and sds (streamed, compiled)."""
        return conditional_permutation(
            kind,
            focal,
            drawn,
            observed,
            sparse,
            scaling=scaling,
            permutations=self.permutations,
            seed=self.seed,
            alternative=self.alternative,
            n_jobs=self.n_jobs,
        )


def _check_local_args(permutations, alternative, rng, alpha, correction, where, n_jobs=1):
    permutations = check_permutations(permutations, where=where)
    if permutations == 0:
        raise fail(
            where,
            "`permutations` is 0, but local statistics are tested by permutation",
            "pass e.g. permutations=999",
        )
    alternative = check_alternative(alternative, where=where)
    check_alpha_correction(alpha, correction, where=where)
    _, seed = seed_from_rng(rng, where=where)
    return _Opts(permutations, alternative, seed, alpha, correction, n_jobs)


def _std(v: np.ndarray) -> np.ndarray:
    return (v - v.mean()) / v.std()


def _cardinalities(graph: Graph) -> np.ndarray:
    """Non-zero neighbours per area from the (cached) sparse matrix, as Graph.cardinalities."""
    sp = graph.sparse
    n = sp.shape[0]
    rows = np.repeat(np.arange(n), np.diff(sp.indptr))
    return np.bincount(rows[sp.data != 0], minlength=n)


def _local_frame(
    index: pd.Index,
    *,
    name: str,
    kind: str,
    statistic: np.ndarray,
    expected: np.ndarray,
    sd: np.ndarray,
    p_sim: np.ndarray,
    graph: Graph,
    value_std: np.ndarray,
    lag_std: np.ndarray,
    opts: _Opts,
    messages: list[str],
) -> pd.DataFrame:
    card = _cardinalities(graph)
    isolate = card == 0
    statistic = np.asarray(statistic, dtype=float)
    expected = np.asarray(expected, dtype=float) * np.ones_like(statistic)
    sd = np.asarray(sd, dtype=float) * np.ones_like(statistic)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sd > 0, (statistic - expected) / sd, np.nan)
    p = np.minimum(np.asarray(p_sim, dtype=float), 1.0)
    p[isolate] = np.nan
    expected = np.where(isolate, np.nan, expected)
    z[isolate] = np.nan
    q, bonf = adjust_pvalues(p)
    decide = {"fdr": q, "bonferroni": bonf, "none": p}[opts.correction]
    significant = np.nan_to_num(decide, nan=2.0) <= opts.alpha
    hi_v, hi_l = value_std > 0, lag_std > 0
    codes = np.full(len(statistic), "ns", dtype=object)
    quad = np.select([hi_v & hi_l, ~hi_v & hi_l, ~hi_v & ~hi_l], ["HH", "LH", "LL"], "HL")
    if kind == "moran":
        codes[significant] = quad[significant]
    elif kind == "g":
        hot = np.where(np.isfinite(z), z > 0, statistic > expected)
        codes[significant] = np.where(hot, "HH", "LL")[significant]
    elif kind == "geary":
        positive = statistic < expected
        lab = np.select(
            [positive & hi_v & hi_l, positive & ~hi_v & ~hi_l, positive], ["HH", "LL", "OP"], "NEG"
        )
        codes[significant] = lab[significant]
    else:  # join counts
        codes[significant] = "HH"
    codes[isolate] = "isolate"
    cats = _ORDER[kind]
    out = pd.DataFrame(
        {
            "statistic": statistic,
            "expected": expected,
            "z": z,
            "p_value": p,
            "q_value": q,
            "p_bonferroni": bonf,
            "significant": significant,
            "cluster": pd.Categorical(codes, categories=cats),
            "cluster_de": pd.Categorical(
                [CLUSTER_LABELS_DE[c] for c in codes],
                categories=[CLUSTER_LABELS_DE[c] for c in cats],
            ),
            "cluster_en": pd.Categorical(
                [CLUSTER_LABELS_EN[c] for c in codes],
                categories=[CLUSTER_LABELS_EN[c] for c in cats],
            ),
            "quadrant": pd.Categorical(quad, categories=["HH", "LL", "HL", "LH"]),
            "n_neighbours": card,
            "isolate": isolate,
            "value_std": value_std,
            "lag_std": lag_std,
        },
        index=index,
    )
    out.attrs.update(
        statistic=name,
        alpha=opts.alpha,
        correction=opts.correction,
        permutations=opts.permutations,
        seed=opts.seed,
        alternative=opts.alternative,
        warnings=list(messages),
    )
    return out


def _weights(graph: Graph, transformation: str, *, where: str):
    """Return the graph's sparse weights transformed as ``graph.transform(transformation)``.

    ``"r"`` and ``"b"`` are computed on the graph's cached CSR matrix (entry order kept),
    which avoids building a transformed copy of the adjacency table; other
    transformations go through :meth:`libpysal.graph.Graph.transform`.
    """
    t = str(transformation).lower()
    if t not in ("r", "b"):
        try:
            return graph.transform(transformation).sparse.tocsr()
        except (ValueError, KeyError) as err:
            raise fail(
                where,
                f"`transformation` is {transformation!r} ({err})",
                "use 'r' (row-standardised), 'b' (binary) or another libpysal transformation",
            ) from None
    return _transform_csr(graph.sparse, t)


def _transform_csr(matrix, t: str):
    """Row-standardised (``"r"``) or binary (``"b"``) copy of a sparse matrix, entry order kept."""
    from scipy import sparse as sp

    csr = matrix.tocsr()
    data = np.asarray(csr.data, dtype=float)
    if t == "b":
        data = (data != 0).astype(float)
    else:
        counts = np.diff(csr.indptr)
        rows = np.repeat(np.arange(len(counts)), counts)
        row_sums = np.bincount(rows, weights=data, minlength=len(counts))[rows]
        data = np.divide(data, row_sums, out=np.zeros_like(data), where=row_sums != 0)
    return sp.csr_array((data, csr.indices, csr.indptr), shape=csr.shape)


def _pair_sum(w, focal: np.ndarray, other: np.ndarray, func) -> np.ndarray:
    """``sum_j w_ij func(focal_i, other_j)`` over the stored entries of ``w``, per row."""
    n = w.shape[0]
    rows = np.repeat(np.arange(n), np.diff(w.indptr))
    vals = w.data * func(focal[rows], other[w.indices])
    return np.bincount(rows, weights=vals, minlength=n)


def _moran_core(zx: np.ndarray, zy: np.ndarray, w, opts: _Opts, keep_simulations: bool = True):
    r"""Local Moran of ``zx`` against the lag of ``zy`` and its conditional-permutation null.

    As ``esda.Moran_Local`` (``zx is zy``) and ``esda.Moran_Local_BV``:
    :math:`I_i = (n-1) z^x_i (Wz^y)_i / \sum_k (z^x_k)^2`.
    """
    n = len(zx)
    den = (zx * zx).sum()
    lag = w @ zy
    stat = (n - 1) * zx * lag / den
    p, e_sim, sd_sim = opts.simulate(MORAN, zx, zy, stat, w, scaling=(n - 1) / den)
    if keep_simulations:
        return stat, e_sim, sd_sim, p, lag
    # conditional randomisation null, Sokal, Oden & Thomson (1998), eqs. A7-A8
    m2 = den / n
    wi = np.asarray(w.sum(axis=1)).ravel()
    wi2 = np.asarray(w.multiply(w).sum(axis=1)).ravel()
    expected = -(zx**2 * wi) / ((n - 1) * m2)
    variance = (
        (zx / m2) ** 2 * (n / (n - 2)) * (wi2 - (wi**2 / (n - 1))) * (m2 - (zx**2 / (n - 1)))
    )
    return stat, expected, np.sqrt(variance), p, lag


def local_moran(
    df: Any,
    column: Hashable,
    *,
    graph: Graph | str = "queen",
    permutations: int = 999,
    rng: Any = None,
    alternative: str = "two-sided",
    alpha: float = 0.05,
    correction: str = "fdr",
    transformation: str = "r",
    n_jobs: int = 1,
    keep_simulations: bool = True,
) -> pd.DataFrame:
    r"""Local Moran's I (LISA) with conditional permutation, q-values and cluster labels.

    .. math::

        I_i = (n - 1) \frac{z_i \sum_j w_{ij} z_j}{\sum_k z_k^2},
        \qquad z_i = \frac{y_i - \bar y}{s_y}

    Significant areas are labelled by the quadrant of the Moran scatter plot:
    ``HH`` (high value, high neighbourhood: hot spot), ``LL`` (cold spot), ``HL``
    and ``LH`` (spatial outliers).

    Parameters
    ----------
    df : DataFrame or GeoDataFrame
        One row per area, indexed by area id.
    column : str
    graph : libpysal.graph.Graph or str, default "queen"
        Aligned by id; a string names the kind built by :func:`sozplan.graph.build_graph`.
    permutations : int, default 999
        Conditional permutations per area.
    rng : None, int or Generator
        ``seed = int(numpy.random.default_rng(rng).integers(2**31 - 1))`` seeds the
        draws exactly as esda's engine would be seeded; the same ``rng`` gives
        identical results.
    alternative : str, default "two-sided"
    alpha : float, default 0.05
        Significance level for ``significant`` and ``cluster``.
    correction : {"fdr", "bonferroni", "none"}, default "fdr"
        Which p-value decides significance: Benjamini-Hochberg q-value, Bonferroni
        or the raw pseudo p-value (GeoDa's default, which ignores that n tests are
        made).
    transformation : str, default "r"
    n_jobs : int, default 1
        Threads working on blocks of areas (results do not depend on it; -1: all
        cores).
    keep_simulations : bool, default True
        ``expected`` and ``z`` from the mean and standard deviation of the simulated
        values (computed while streaming, never stored). With False, ``expected`` and
        ``z`` are the analytical moments of the same conditional-randomisation null
        (Sokal, Oden & Thomson 1998, eqs. A7-A8; esda's ``EIc``/``VIc``); the
        p-values are the same either way.
    {returns}

    Notes
    -----
    Equal to ``esda.Moran_Local(y, graph, transformation=transformation,
    permutations=permutations, seed=seed, alternative=alternative)`` (statistics to
    1e-12, the same draws and p-values), computed by sozplan's own compiled kernel
    (``sozplan.autocorrelation._kernels``): the permutations are streamed area by area,
    so memory stays at a few arrays of length n (one million areas with 999
    permutations fit in well under 8 GB). numba compiles the kernel once per machine
    and caches it on disk (in the package's ``__pycache__`` folder, or the user cache
    folder when that is read-only); a new process loads it in a fraction of a second.
    See the methods page on spatial autocorrelation for how the draws are made.

    References
    ----------
    Anselin, L. (1995). Local indicators of spatial association - LISA.
    *Geographical Analysis* 27(2), 93-115. doi:10.1111/j.1538-4632.1995.tb00338.x

    Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate.
    *JRSS B* 57(1), 289-300. doi:10.1111/j.2517-6161.1995.tb02031.x

    Examples
    --------
    >>> import pandas as pd
    >>> from libpysal.graph import Graph
    >>> g = Graph.from_lattice(4, 4, rook=True)
    >>> df = pd.DataFrame({"x": [1., 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]})
    >>> lisa = local_moran(df, "x", graph=g, permutations=99, rng=0)
    >>> lisa["statistic"].round(2).tolist()[:4]
    [1.69, 1.31, 0.31, 0.19]
    >>> list(lisa.columns[:6])
    ['statistic', 'expected', 'z', 'p_value', 'q_value', 'p_bonferroni']
    """
    where = "local_moran"
    opts = _check_local_args(permutations, alternative, rng, alpha, correction, where, n_jobs)
    (y,), graph, messages = prepare(df, [column], graph, where=where)
    z = _std(y)
    w = _weights(graph, transformation, where=where)
    stat, expected, sd, p, lag = _moran_core(z, z, w, opts, keep_simulations)
    return _local_frame(
        df.index,
        name="local Moran's I",
        kind="moran",
        statistic=stat,
        expected=expected,
        sd=sd,
        p_sim=p,
        graph=graph,
        value_std=z,
        lag_std=lag,
        opts=opts,
        messages=messages,
    )


def local_moran_bv(
    df: Any,
    x: Hashable,
    y: Hashable,
    *,
    graph: Graph | str = "queen",
    permutations: int = 999,
    rng: Any = None,
    alternative: str = "two-sided",
    alpha: float = 0.05,
    correction: str = "fdr",
    transformation: str = "r",
    n_jobs: int = 1,
) -> pd.DataFrame:
    r"""Local bivariate Moran's I: ``x`` in the area against ``y`` in its neighbourhood.

    .. math::

        I_i = (n - 1) \frac{z^x_i \sum_j w_{ij} z^y_j}{\sum_k (z^x_k)^2}

    ``HH``: high ``x`` surrounded by high ``y``; ``HL``: high ``x`` next to low
    ``y``, etc. (``esda.Moran_Local_BV``). Parameters as in :func:`local_moran`.
    {returns}

    References
    ----------
    Anselin, L., Syabri, I. & Smirnov, O. (2002). Visualizing multivariate spatial
    correlation with dynamically linked windows. In *New Tools for Spatial Data
    Analysis*, CSISS, Santa Barbara.

    Examples
    --------
    >>> import pandas as pd
    >>> from libpysal.graph import Graph
    >>> g = Graph.from_lattice(3, 3, rook=True)
    >>> df = pd.DataFrame({"a": [1., 2, 3, 2, 3, 4, 3, 4, 5], "b": [2., 2, 3, 3, 3, 4, 4, 5, 5]})
    >>> local_moran_bv(df, "a", "b", graph=g, permutations=99, rng=0)["cluster"].tolist()[:2]
    ['ns', 'ns']
    """
    where = "local_moran_bv"
    opts = _check_local_args(permutations, alternative, rng, alpha, correction, where, n_jobs)
    (xv, yv), graph, messages = prepare(df, [x, y], graph, where=where)
    zx, zy = _std(xv), _std(yv)
    w = _weights(graph, transformation, where=where)
    stat, expected, sd, p, lag = _moran_core(zx, zy, w, opts)
    return _local_frame(
        df.index,
        name="local bivariate Moran's I",
        kind="moran",
        statistic=stat,
        expected=expected,
        sd=sd,
        p_sim=p,
        graph=graph,
        value_std=zx,
        lag_std=lag,
        opts=opts,
        messages=messages,
    )


def local_moran_rate(
    df: Any,
    events: Hashable,
    population: Hashable,
    *,
    graph: Graph | str = "queen",
    permutations: int = 999,
    rng: Any = None,
    alternative: str = "two-sided",
    alpha: float = 0.05,
    correction: str = "fdr",
    transformation: str = "r",
    n_jobs: int = 1,
) -> pd.DataFrame:
    r"""Local Moran's I of Assunção-Reis empirical-Bayes standardised rates.

    The rate :math:`p_i = e_i / n_i` is standardised as in
    :func:`~sozplan.autocorrelation.moran_rate`, so that small areas with
    unstable rates do not dominate the clusters (``esda.Moran_Local_Rate``,
    ``adjusted=True``). Parameters as in :func:`local_moran`, with ``events`` and
    ``population`` (> 0 everywhere) instead of ``column``.
    {returns}

    References
    ----------
    Assunção, R. M. & Reis, E. A. (1999). *Statistics in Medicine* 18(16),
    2147-2162. doi:10.1002/(SICI)1097-0258(19990830)18:16<2147::AID-SIM179>3.0.CO;2-I

    Examples
    --------
    >>> import pandas as pd
    >>> from libpysal.graph import Graph
    >>> g = Graph.from_lattice(2, 4, rook=True)
    >>> df = pd.DataFrame({"e": [30, 25, 25, 15, 33, 21, 30, 20],
    ...                    "b": [100, 100, 110, 90, 100, 90, 110, 90]})
    >>> res = local_moran_rate(df, "e", "b", graph=g, permutations=99, rng=0)
    >>> res["value_std"].round(2).tolist()[:3]
    [1.05, -0.03, -0.55]
    """
    where = "local_moran_rate"
    opts = _check_local_args(permutations, alternative, rng, alpha, correction, where, n_jobs)
    check_rate_columns(df, events, population, where=where)
    _, graph, messages = prepare(df, [events, population], graph, where=where, constant_check=())
    rates = eb_rates(df, events, population)
    if np.ptp(rates) == 0:
        raise fail(
            where,
            f"the rate {events!r}/{population!r} is the same in all areas",
            "choose a rate that varies",
        )
    z = _std(rates)
    w = _weights(graph, transformation, where=where)
    stat, expected, sd, p, lag = _moran_core(z, z, w, opts)
    return _local_frame(
        df.index,
        name="local Moran's I (EB rate)",
        kind="moran",
        statistic=stat,
        expected=expected,
        sd=sd,
        p_sim=p,
        graph=graph,
        value_std=z,
        lag_std=lag,
        opts=opts,
        messages=messages,
    )


def local_getis_ord(
    df: Any,
    column: Hashable,
    *,
    graph: Graph | str = "queen",
    star: bool = False,
    permutations: int = 999,
    rng: Any = None,
    alternative: str = "two-sided",
    alpha: float = 0.05,
    correction: str = "fdr",
    transformation: str = "r",
    n_jobs: int = 1,
) -> pd.DataFrame:
    r"""Local Getis-Ord :math:`G_i` or :math:`G_i^*` (``star=True``): hot and cold spots.

    .. math::

        G_i = \frac{\sum_{j \ne i} w_{ij} y_j}{\sum_{j \ne i} y_j}, \qquad
        G^*_i = \frac{\sum_j w_{ij} y_j}{\sum_j y_j} \ (\text{with } w_{ii} > 0)

    Significant areas with :math:`G_i` above its permutation mean are hot spots
    (``HH``), below cold spots (``LL``) (``esda.G_Local``). ``column`` must be
    non-negative. Other parameters as in :func:`local_moran`.
    {returns}

    References
    ----------
    Ord, J. K. & Getis, A. (1995). Local spatial autocorrelation statistics:
    distributional issues and an application. *Geographical Analysis* 27(4),
    286-306. doi:10.1111/j.1538-4632.1995.tb00912.x

    Examples
    --------
    >>> import pandas as pd
    >>> from libpysal.graph import Graph
    >>> g = Graph.from_lattice(4, 4, rook=True)
    >>> df = pd.DataFrame({"x": [1., 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]})
    >>> res = local_getis_ord(df, "x", graph=g, star=True, permutations=99, rng=0)
    >>> res["statistic"].round(3).tolist()[:2]
    [0.025, 0.031]
    """
    where = "local_getis_ord"
    opts = _check_local_args(permutations, alternative, rng, alpha, correction, where, n_jobs)
    (y,), graph, messages = prepare(df, [column], graph, where=where)
    if (y < 0).any():
        raise fail(
            where,
            f"column {column!r} has {int((y < 0).sum())} negative value(s) at ids "
            f"{format_values(df.index[y < 0])}; G_i needs non-negative values",
            "use a count or rate, or local_moran() for centred variables",
        )
    if str(transformation).lower() not in ("r", "b"):
        raise fail(
            where,
            f"`transformation` is {transformation!r}",
            "use 'r' (row-standardised) or 'b' (binary) weights for G_i",
        )
    from scipy import sparse as sps

    if star:  # binary weights with self-weight 1, then transformed (esda.G_Local, star=True)
        b = _weights(graph, "b", where=where)
        b = b - sps.diags_array(b.diagonal()) + sps.eye_array(len(y), format="csr")
        w = _transform_csr(b, transformation.lower())
    else:  # without self-weights
        indptr, indices, data, _ = split_diagonal(graph.sparse)
        off = sps.csr_array((data, indices, indptr), shape=(len(y), len(y)))
        w = _transform_csr(off, transformation.lower())
    total = y.sum()
    stat = (w @ y) / (total if star else total - y)
    p, e_sim, sd_sim = opts.simulate(G_STAR if star else G, y, y, stat, w, scaling=total)
    z = _std(y)
    lag = (
        row_lag(graph, z)
        if transformation.lower() == "r"
        else graph.transform(transformation).lag(z)
    )
    return _local_frame(
        df.index,
        name="local G*" if star else "local G",
        kind="g",
        statistic=stat,
        expected=e_sim,
        sd=sd_sim,
        p_sim=p,
        graph=graph,
        value_std=z,
        lag_std=lag,
        opts=opts,
        messages=messages,
    )


def local_geary(
    df: Any,
    column: Hashable,
    *,
    graph: Graph | str = "queen",
    permutations: int = 999,
    rng: Any = None,
    alternative: str = "two-sided",
    alpha: float = 0.05,
    correction: str = "fdr",
    n_jobs: int = 1,
) -> pd.DataFrame:
    r"""Local Geary's :math:`c_i`: how different an area is from its neighbours.

    .. math::

        c_i = \sum_j w_{ij} (z_i - z_j)^2

    with row-standardised weights (``esda.Geary_Local``). Small :math:`c_i`
    (below its permutation mean) means positive association. Cluster codes
    follow GeoDa: ``HH``/``LL`` (positive, high or low value and lag), ``OP``
    (other positive association), ``NEG`` (negative association: the area differs
    from its neighbours). Other parameters as in :func:`local_moran`.
    {returns}

    References
    ----------
    Anselin, L. (2019). A local indicator of multivariate spatial association:
    extending Geary's c. *Geographical Analysis* 51(2), 133-150.
    doi:10.1111/gean.12164

    Examples
    --------
    >>> import pandas as pd
    >>> from libpysal.graph import Graph
    >>> g = Graph.from_lattice(4, 4, rook=True)
    >>> df = pd.DataFrame({"x": [1., 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]})
    >>> local_geary(df, "x", graph=g, permutations=99, rng=0)["statistic"].round(3).tolist()[:3]
    [0.0, 0.267, 0.267]
    """
    where = "local_geary"
    opts = _check_local_args(permutations, alternative, rng, alpha, correction, where, n_jobs)
    (y,), graph, messages = prepare(df, [column], graph, where=where)

    z = _std(y)
    w = _weights(graph, "r", where=where)
    stat = _pair_sum(w, z, z, lambda a, b: (a - b) ** 2)
    p, e, sd = opts.simulate(GEARY, z, z, stat, w)
    lag = row_lag(graph, z)
    return _local_frame(
        df.index,
        name="local Geary's c",
        kind="geary",
        statistic=stat,
        expected=e,
        sd=sd,
        p_sim=p,
        graph=graph,
        value_std=z,
        lag_std=lag,
        opts=opts,
        messages=messages,
    )


def local_join_counts(
    df: Any,
    column: Hashable,
    *,
    category: Any = None,
    graph: Graph | str = "queen",
    permutations: int = 999,
    rng: Any = None,
    alternative: str = "two-sided",
    alpha: float = 0.05,
    correction: str = "fdr",
    n_jobs: int = 1,
) -> pd.DataFrame:
    r"""Local join counts: areas of a class surrounded by areas of the same class.

    .. math::

        BB_i = x_i \sum_j w_{ij} x_j, \qquad x_i \in \{0, 1\}

    with binary weights (``esda.Join_Counts_Local``). The indicator is
    ``column == category``, or the 0/1 (boolean) ``column`` itself. Areas
    outside the class, or without a same-class neighbour (:math:`BB_i = 0`), have
    no test (p-value NaN). Significant areas get the code ``HH``. Other
    parameters as in :func:`local_moran`.
    {returns}

    References
    ----------
    Anselin, L. & Li, X. (2019). Operational local join count statistics for
    cluster detection. *Journal of Geographical Systems* 21(2), 189-210.
    doi:10.1007/s10109-019-00299-x

    Examples
    --------
    >>> import pandas as pd
    >>> from libpysal.graph import Graph
    >>> g = Graph.from_lattice(3, 3, rook=True)
    >>> df = pd.DataFrame({"klasse": list("aabaabccc")})
    >>> res = local_join_counts(df, "klasse", category="c", graph=g, permutations=99, rng=0)
    >>> res["statistic"].tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 1.0]
    """
    where = "local_join_counts"
    opts = _check_local_args(permutations, alternative, rng, alpha, correction, where, n_jobs)
    check_frame(df, where=where)
    series = check_classes(df, column, where=where)
    if category is None:
        vals = set(pd.unique(series))
        if not vals <= {0, 1}:
            raise fail(
                where,
                f"column {column!r} is not 0/1 (values {format_values(sorted(map(str, vals)))})",
                "pass category=<the class of interest>",
            )
        x = series.to_numpy(dtype=float)
    else:
        if not (series == category).any():
            raise fail(
                where,
                f"no area of `df` has {column!r} == {category!r}",
                "pass a category that occurs in the column",
            )
        x = (series == category).to_numpy(dtype=float)
    _, graph, messages = prepare(df.assign(_x=x), ["_x"], graph, where=where)
    from scipy import sparse as sps

    # binary weights without self-joins (esda.Join_Counts_Local)
    indptr, indices, data, _ = split_diagonal(graph.sparse)
    w = sps.csr_array((np.ones_like(data), indices, indptr), shape=(len(x), len(x)))
    stat = _pair_sum(w, x, x, lambda a, b: ((a == 1) & (b == 1)).astype(float))
    p, e, sd = opts.simulate(JOIN, x, x, stat, w)
    p[stat == 0] = np.nan  # no same-class join: no test
    z = _std(x)
    lag = row_lag(graph, z)
    return _local_frame(
        df.index,
        name="local join count",
        kind="jc",
        statistic=stat,
        expected=e,
        sd=sd,
        p_sim=p,
        graph=graph,
        value_std=z,
        lag_std=lag,
        opts=opts,
        messages=messages,
    )


for _f in (
    local_moran,
    local_moran_bv,
    local_moran_rate,
    local_getis_ord,
    local_geary,
    local_join_counts,
):
    _f.__doc__ = (_f.__doc__ or "").replace("{returns}", _RETURNS_DOC)
del _f
