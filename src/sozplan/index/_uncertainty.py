"""Uncertainty and variance-based sensitivity analysis of composite indices.

:func:`uncertainty` re-builds the index many times with alternative normalisations,
weights, aggregations and cut points (Monte Carlo) and reports rank intervals and
class probabilities per area (Saisana, Saltelli & Tarantola 2005). :func:`sensitivity`
apportions the variance of the ranks to these input factors with first-order and
total Sobol indices from a Saltelli design; :func:`sobol_indices` is the general
estimator (Saltelli et al. 2010, Jansen 1999), checked against SALib and the Ishigami
function in the tests.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sozplan._core.frozen import immutable
from sozplan._core.html import frame_table
from sozplan._core.stats import weighted_mean_std
from sozplan._core.text import german
from sozplan.checks import (
    check_alpha,
    check_array,
    check_draws,
    check_rng,
    fail,
    format_values,
)
from sozplan.errors import DataQualityWarning
from sozplan.index._aggregate import AGGREGATIONS, _aggregate
from sozplan.index._classify import assign_classes
from sozplan.index._composite import IndexSpec, composite_index
from sozplan.index._transform import STANDARDIZATIONS, Standardizer
from sozplan.index._weights import check_weights
from sozplan.plotting import FigureDisplay

__all__ = [
    "SensitivityResult",
    "SobolResult",
    "UncertaintyResult",
    "saltelli_design",
    "sensitivity",
    "sobol_from_samples",
    "sobol_indices",
    "uncertainty",
]

_POSITIVE = ("geometric", "harmonic")


# --------------------------------------------------------------------------------------
# Sobol indices
# --------------------------------------------------------------------------------------
def saltelli_design(
    n_draws: int, d: int, *, rng=None, sampler: str = "sobol"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Saltelli's design: matrices A, B (n x d) and the d matrices AB_i (A, column i from B).

    Parameters
    ----------
    n_draws : int
        Base sample size (a power of 2 for ``sampler="sobol"``).
    d : int
        Number of input factors.
    rng : seed or Generator
    sampler : {"sobol", "random"}
        Scrambled Sobol' low-discrepancy points (scipy.stats.qmc) of dimension 2d, or
        plain uniform random numbers.

    Returns
    -------
    A, B : ndarray (n, d) on [0, 1)
    AB : ndarray (d, n, d)

    Examples
    --------
    >>> A, B, AB = saltelli_design(8, 3, rng=0)
    >>> AB.shape, bool((AB[1][:, 1] == B[:, 1]).all() and (AB[1][:, 0] == A[:, 0]).all())
    ((3, 8, 3), True)
    """
    gen = check_rng(rng, where="saltelli_design")
    n_draws = check_draws(n_draws, arg="n_draws", where="saltelli_design", minimum=2, example=1024)
    d = check_draws(d, arg="d", where="saltelli_design", minimum=1, example=3)
    if sampler == "sobol":
        if n_draws & (n_draws - 1):
            raise fail(
                "saltelli_design",
                f"`n_draws` is {n_draws}, not a power of 2",
                "use n_draws = 2**m or sampler='random'",
            )
        base = stats.qmc.Sobol(2 * d, scramble=True, rng=gen).random_base2(int(np.log2(n_draws)))
    elif sampler == "random":
        base = gen.random((n_draws, 2 * d))
    else:
        raise fail("saltelli_design", f"`sampler` is {sampler!r}", "use 'sobol' or 'random'")
    A, B = base[:, :d], base[:, d:]
    AB = np.repeat(A[None], d, axis=0)
    for i in range(d):
        AB[i, :, i] = B[:, i]
    return A, B, AB


def sobol_from_samples(
    f_A: np.ndarray, f_B: np.ndarray, f_AB: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r"""First-order and total Sobol indices from model outputs on a Saltelli design.

    .. math::

        S_i = \frac{\frac1N \sum_j f(B)_j\,\big(f(A_B^{(i)})_j - f(A)_j\big)}{V}, \qquad
        S_{Ti} = \frac{\frac1{2N} \sum_j \big(f(A)_j - f(A_B^{(i)})_j\big)^2}{V},

    with :math:`V` the variance of :math:`f(A) \cup f(B)` (Saltelli et al. 2010,
    Table 2 (b) and (f); Jansen 1999). The outputs are first centred on the mean of
    :math:`f(A) \cup f(B)`, which leaves :math:`S_{Ti}` unchanged and lowers the
    variance of the :math:`S_i` estimator; this is what SALib's ``sobol.analyze`` does
    (it also scales, which cancels), so both give the same numbers on the same design.

    Parameters
    ----------
    f_A, f_B : ndarray (N,) or (N, q)
        Model outputs on the two base samples (N >= 2 draws, finite numbers).
    f_AB : ndarray (d, N) or (d, N, q)
        Outputs on the d mixed samples :math:`A_B^{(i)}`.

    Returns
    -------
    S1, ST : ndarray (d,) or (d, q)
        NaN for an output whose variance :math:`V` is 0 (a constant output has no
        variance to apportion), with a :class:`~sozplan.errors.DataQualityWarning`.

    Raises
    ------
    InputError
        Missing, infinite or non-numeric outputs, fewer than 2 draws, or shapes that do
        not fit together.

    References
    ----------
    Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., Tarantola, S.
    (2010): Variance based sensitivity analysis of model output. Design and estimator
    for the total sensitivity index, Computer Physics Communications 181, 259-270,
    doi:10.1016/j.cpc.2009.09.018. Jansen, M. J. W. (1999): Analysis of variance designs
    for model output, Computer Physics Communications 117, 35-43,
    doi:10.1016/S0010-4655(98)00154-4.

    Examples
    --------
    >>> A, B, AB = saltelli_design(4096, 2, rng=1)
    >>> f = lambda x: x[..., 0] + 2 * x[..., 1]  # analytic S = (0.2, 0.8), no interaction
    >>> S1, ST = sobol_from_samples(f(A), f(B), f(AB))
    >>> S1.round(2).tolist(), ST.round(2).tolist()
    ([0.2, 0.8], [0.2, 0.8])
    """
    where = "sobol_from_samples"
    f_A, f_B, f_AB = (
        check_array(v, arg=arg, where=where, ndim=None)
        for v, arg in ((f_A, "f_A"), (f_B, "f_B"), (f_AB, "f_AB"))
    )
    if f_A.ndim not in (1, 2) or f_B.shape != f_A.shape or f_AB.shape[1:] != f_A.shape:
        raise fail(
            where,
            f"the shapes do not fit: f_A {f_A.shape}, f_B {f_B.shape}, f_AB {f_AB.shape}",
            "pass f_A and f_B of shape (N,) or (N, q) and f_AB of shape (d, N) or (d, N, q), "
            "as saltelli_design gives them",
        )
    if len(f_A) < 2 or len(f_AB) < 1:
        raise fail(
            where,
            f"{len(f_A)} draw(s) of {len(f_AB)} input(s)",
            "evaluate the model on a design with at least 2 draws (saltelli_design)",
        )
    S1, ST = _sobol(f_A, f_B, f_AB)
    flat = np.var(np.concatenate([f_A, f_B], axis=0), axis=0).reshape(-1) == 0
    if flat.any():
        warnings.warn(
            DataQualityWarning(
                f"{where}: {int(flat.sum())} of {flat.size} output(s) are constant (variance "
                "0): their indices are undefined (NaN)"
            ),
            stacklevel=2,
        )
    return S1, ST


def _sobol(f_A: np.ndarray, f_B: np.ndarray, f_AB: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Estimate S1 and ST as :func:`sobol_from_samples` does, unchecked (NaN for V = 0)."""
    pooled = np.concatenate([f_A, f_B], axis=0)
    mu = pooled.mean(axis=0)
    f_A, f_B, f_AB = f_A - mu, f_B - mu, f_AB - mu
    V = np.var(pooled, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        S1 = np.mean(f_B[None] * (f_AB - f_A[None]), axis=1) / V
        ST = 0.5 * np.mean((f_A[None] - f_AB) ** 2, axis=1) / V
    return S1, ST


@immutable
@dataclass(frozen=True, repr=False)
class SobolResult:
    """First-order and total Sobol indices with bootstrap confidence intervals."""

    indices: pd.DataFrame
    n_draws: int
    n_evaluations: int

    def to_frame(self) -> pd.DataFrame:
        """S1, S1_conf, ST, ST_conf per factor."""
        return self.indices

    def __repr__(self) -> str:
        head = f"SobolResult(N={self.n_draws}, {self.n_evaluations} model runs)"
        return f"{head}\n{self.indices.round(4).to_string()}"

    def _repr_html_(self) -> str:
        return f"<b>SobolResult</b> N={self.n_draws}" + frame_table(self.indices)

    def plot(self, ax=None, *, language: str = "de") -> FigureDisplay:
        """Bars of first-order and total indices per factor (a FigureDisplay)."""
        de = german(language, "SobolResult.plot")
        yerr = self.indices[["S1_conf", "ST_conf"]].to_numpy().T
        return _sobol_bars(self.indices, ax, "Sobol-Index" if de else "Sobol index", de, yerr=yerr)


def _sobol_bars(indices: pd.DataFrame, ax, ylabel: str, de: bool, yerr=None) -> FigureDisplay:
    """Bar chart of first-order and total indices per factor."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    indices[["S1", "ST"]].plot.bar(ax=ax, yerr=yerr)
    ax.set_ylabel(ylabel)
    ax.legend(["erste Ordnung", "total"] if de else ["first order", "total"])
    alt = (
        f"Balken: {ylabel} erster Ordnung und total je Faktor ({len(indices)} Faktoren)"
        if de
        else f"Bars: first-order and total {ylabel} per factor ({len(indices)} factors)"
    )
    return FigureDisplay.from_axes(ax, "sobol", alt, data={"indices": indices})


def _bootstrap(f_A, f_B, f_AB, gen, n_boot: int, level: float):
    N = len(f_A)
    idx = gen.integers(0, N, size=(n_boot, N))
    s1 = np.empty((n_boot, f_AB.shape[0]))
    st = np.empty_like(s1)
    for b in range(n_boot):
        i = idx[b]
        s1[b], st[b] = _sobol(f_A[i], f_B[i], f_AB[:, i])
    z = stats.norm.ppf(0.5 + level / 2)
    return z * s1.std(axis=0, ddof=1), z * st.std(axis=0, ddof=1)


def sobol_indices(
    func: Callable[[np.ndarray], np.ndarray],
    bounds: Sequence[tuple[float, float]],
    n_draws: int = 1024,
    *,
    names: Sequence[str] | None = None,
    rng=None,
    sampler: str = "sobol",
    n_bootstrap: int = 100,
    confidence: float = 0.95,
) -> SobolResult:
    """Variance-based sensitivity indices of a model with independent uniform inputs.

    Parameters
    ----------
    func : callable
        Takes an (m, d) array of inputs and returns m outputs (vectorised).
    bounds : list of (low, high)
        Uniform range of each input.
    n_draws : int, default 1024
        Base sample size; ``func`` is evaluated ``n * (d + 2)`` times.
    names : list of str, optional
    rng : seed or Generator
    sampler : {"sobol", "random"}
    n_bootstrap : int, default 100
        Bootstrap resamples for the confidence half-widths (0 to skip).
    confidence : float, default 0.95

    Returns
    -------
    SobolResult

    Examples
    --------
    >>> import numpy as np
    >>> res = sobol_indices(lambda x: x[:, 0] + 2 * x[:, 1], [(0, 1), (0, 1)], 4096, rng=0)
    >>> res.indices["S1"].round(1).tolist()  # analytic: 1/5 and 4/5
    [0.2, 0.8]
    """
    where = "sobol_indices"
    gen = check_rng(rng, where=where)
    n_draws = check_draws(n_draws, arg="n_draws", where=where, minimum=2, example=1024)
    n_bootstrap = check_draws(n_bootstrap, arg="n_bootstrap", where=where, minimum=0, example=100)
    confidence = check_alpha(confidence, arg="confidence", where=where, example=0.95)
    b = np.asarray(bounds, dtype=float)
    if b.ndim != 2 or b.shape[1] != 2 or np.any(b[:, 1] <= b[:, 0]):
        raise fail(
            where,
            f"`bounds` must be a list of (low, high) with low < high, got {b.tolist()}",
            "pass e.g. [(-3.14, 3.14)] * 3",
        )
    d = b.shape[0]
    names = [f"x{i + 1}" for i in range(d)] if names is None else list(names)
    if len(names) != d:
        raise fail(where, f"{len(names)} `names` for {d} inputs", "give one name per input")
    A, B, AB = saltelli_design(n_draws, d, rng=gen, sampler=sampler)
    scale = lambda u: b[:, 0] + u * (b[:, 1] - b[:, 0])  # noqa: E731
    X = np.concatenate([scale(A), scale(B), scale(AB.reshape(-1, d))])
    Y = np.asarray(func(X), dtype=float)
    if Y.shape[0] != X.shape[0]:
        raise fail(
            where,
            f"`func` returned {Y.shape[0]} values for {X.shape[0]} input rows",
            "return one output per row",
        )
    bad = ~np.isfinite(Y)
    if bad.any():
        raise fail(
            where,
            f"`func` returned {int(bad.sum())} missing or infinite value(s) of {Y.size}",
            "make the model return a finite number for every input within `bounds`",
        )
    f_A, f_B, f_AB = Y[:n_draws], Y[n_draws : 2 * n_draws], Y[2 * n_draws :].reshape(d, n_draws)
    S1, ST = sobol_from_samples(f_A, f_B, f_AB)
    c1, cT = (
        (np.full(d, np.nan), np.full(d, np.nan))
        if n_bootstrap <= 0
        else _bootstrap(f_A, f_B, f_AB, gen, n_bootstrap, confidence)
    )
    table = pd.DataFrame(
        {"S1": S1, "S1_conf": c1, "ST": ST, "ST_conf": cT}, index=pd.Index(names, name="factor")
    )
    return SobolResult(indices=table, n_draws=n_draws, n_evaluations=len(Y))


# --------------------------------------------------------------------------------------
# the index model
# --------------------------------------------------------------------------------------
class _IndexModel:
    """Precomputed pieces of an index for fast repeated evaluation (private)."""

    def __init__(
        self, df: pd.DataFrame, spec: IndexSpec, alternatives: Mapping[str, Any] | None, where: str
    ):
        nominal = composite_index(df, spec)
        self.nominal = nominal
        self.ids = nominal.index.index
        alt = dict(alternatives or {})
        unknown = sorted(set(alt) - {"standardization", "aggregation", "weights"})
        if unknown:
            raise fail(
                where,
                f"`alternatives` has unknown key(s) {format_values(unknown)}",
                "use 'standardization', 'aggregation' and/or 'weights'",
            )
        nm = spec.standardization.get("method", "zscore")
        self.norms = list(dict.fromkeys([nm, *alt.get("standardization", [])]))
        self.aggs = list(
            dict.fromkeys([spec.aggregation.get("method", "mean"), *alt.get("aggregation", [])])
        )
        for m in self.norms:
            if m not in STANDARDIZATIONS or (m in ("goalposts",) and m != nm):
                raise fail(
                    where,
                    f"normalisation alternative {m!r} is not supported",
                    f"use {format_values([x for x in STANDARDIZATIONS if x != 'goalposts'])}",
                )
        for m in self.aggs:
            if m not in AGGREGATIONS or (m == "generalised" and spec.aggregation.get("p") is None):
                raise fail(
                    where,
                    f"aggregation alternative {m!r} is not supported",
                    f"use one of {format_values([a for a in AGGREGATIONS if a != 'generalised'])}",
                )
        cols = spec.columns
        self.cols = cols
        self.w0 = nominal.weights.to_numpy()
        self.weight_sets = [np.asarray(self.w0)]
        for ws in alt.get("weights", []):
            self.weight_sets.append(check_weights(ws, cols, where=where).to_numpy())
        imputed = nominal.imputed
        norm_kw = {
            k: v for k, v in spec.standardization.items() if k not in ("method", "weighted")
        }
        sw = None
        if spec.standardization.get("weighted"):
            sw = df[spec.population].to_numpy(dtype=float)
        dirs = [spec.directions[c] for c in cols]
        self.N: list[np.ndarray] = []
        for m in self.norms:
            kw = norm_kw if m == nm else {"ddof": norm_kw.get("ddof", 0)}
            est = Standardizer(m, directions=dirs, **kw).fit(imputed.to_numpy(), sample_weight=sw)
            self.N.append(est.transform(imputed.to_numpy()))
        # positive versions for geometric / harmonic: rescale each indicator to [1, 100]
        self.Npos = []
        for N in self.N:
            lo, hi = N.min(axis=0), N.max(axis=0)
            self.Npos.append(1 + 99 * (N - lo) / (hi - lo))
        self.p = spec.aggregation.get("p")
        self.restandardize = spec.restandardize
        self.pop_weights = sw
        self.ddof = spec.standardization.get("ddof", 0)
        c = spec.classes
        self.scheme = None
        if c:
            self.scheme = c.get("scheme", "sd")
            if self.scheme not in ("sd", "manual", "quantiles"):
                raise fail(
                    where,
                    f"class scheme {self.scheme!r} is not supported in uncertainty analysis",
                    "use 'sd', 'manual' or 'quantiles' (data-driven breaks would be "
                    "re-fitted per run)",
                )
            clf = nominal.classification
            assert clf is not None  # the spec has classes
            self.labels = clf.labels
            self.closed = clf.closed
            self.cuts_sd = np.asarray(c.get("cuts", (-1.0, 1.0, 1.5)), dtype=float)
            self.cuts_abs = clf.cuts
            self.k = len(clf.labels)

    def evaluate(self, norm_idx: np.ndarray, agg_idx: np.ndarray, W: np.ndarray) -> np.ndarray:
        """Index values (n_areas, R) for R runs."""
        R = len(norm_idx)
        Y = np.empty((len(self.ids), R))
        for a in np.unique(norm_idx):
            for g in np.unique(agg_idx):
                sel = np.flatnonzero((norm_idx == a) & (agg_idx == g))
                if not len(sel):
                    continue
                method = self.aggs[g]
                X = (
                    self.Npos[a]
                    if method in _POSITIVE or (method == "generalised" and (self.p or 0) <= 0)
                    else self.N[a]
                )
                Ws = W[sel]
                if method != "sum":
                    Ws = Ws / Ws.sum(axis=1, keepdims=True)
                else:
                    Ws = Ws / Ws.sum(axis=1, keepdims=True) * W.shape[1]
                Y[:, sel] = _aggregate(X, Ws, method, self.p)
        if self.restandardize:
            mean, sd = weighted_mean_std(Y, self.pop_weights, self.ddof, axis=0)
            Y = (Y - mean) / sd
        return Y

    def classes(self, Y: np.ndarray, shift: np.ndarray) -> np.ndarray:
        """Class codes (n_areas, R) with cut shifts (in SD units for 'sd', else in index units)."""
        if self.scheme == "sd":
            Z = (Y - Y.mean(axis=0)) / Y.std(axis=0, ddof=0)
            return _codes_shifted(Z, self.cuts_sd, shift, self.closed)
        if self.scheme == "manual":
            return _codes_shifted(Y, self.cuts_abs, shift, self.closed)
        qs = np.linspace(0, 1, self.k + 1)[1:-1]
        cuts = np.quantile(Y, qs, axis=0).T  # (R, k-1)
        return (Y[:, :, None] > cuts[None, :, :]).sum(-1)


def _codes_shifted(Y: np.ndarray, cuts: np.ndarray, shift: np.ndarray, closed: str) -> np.ndarray:
    # shifting all cuts by s equals shifting the values by -s
    return assign_classes(Y - shift[None, :], cuts, closed=closed)


def _ranks(Y: np.ndarray) -> np.ndarray:
    """Rank 1 = highest value, per column (average ranks for ties)."""
    return stats.rankdata(-Y, axis=0, method="average")


@immutable
@dataclass(frozen=True, repr=False)
class UncertaintyResult:
    """Result of :func:`uncertainty`.

    Attributes
    ----------
    nominal_index, nominal_rank : Series
        The index and rank (1 = highest index, most disadvantaged) under the spec.
    rank_median, rank_low, rank_high : Series
        Median and 5th / 95th percentile (by default) of the simulated ranks.
    class_probabilities : DataFrame or None
        Share of runs in which each area falls in each class.
    nominal_class : Series or None
    design : DataFrame
        One row per run: normalisation, aggregation, weights, cut shift.
    ranks : ndarray (n_areas, n)
        All simulated ranks.
    """

    nominal_index: pd.Series
    nominal_rank: pd.Series
    rank_median: pd.Series
    rank_low: pd.Series
    rank_high: pd.Series
    class_probabilities: pd.DataFrame | None
    nominal_class: pd.Series | None
    design: pd.DataFrame
    ranks: np.ndarray
    quantiles: tuple = (0.05, 0.95)
    settings: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """Per area: nominal index and rank, rank median and interval, class probabilities."""
        parts = [
            self.nominal_index.rename("index"),
            self.nominal_rank.rename("rank"),
            self.rank_median.rename("rank_median"),
            self.rank_low.rename("rank_low"),
            self.rank_high.rename("rank_high"),
            (self.rank_high - self.rank_low).rename("rank_width"),
        ]
        if self.class_probabilities is not None and self.nominal_class is not None:
            probs = self.class_probabilities
            nominal_p = pd.Series(
                [probs.loc[i, c] for i, c in self.nominal_class.items()],
                index=probs.index,
                name="p_nominal_class",
            )
            parts += [
                self.nominal_class.rename("class"),
                nominal_p,
                probs.idxmax(axis=1).rename("modal_class"),
                probs.add_prefix("p_"),
            ]
        return pd.concat(parts, axis=1)

    def __repr__(self) -> str:
        w = self.rank_high - self.rank_low
        lines = [
            f"UncertaintyResult: {self.ranks.shape[1]} runs on {self.ranks.shape[0]} areas",
            f"  rank interval ({self.quantiles[0]:.0%}-{self.quantiles[1]:.0%}): median width "
            f"{w.median():.1f}, max {w.max():.1f}",
        ]
        if self.class_probabilities is not None:
            pn = self.to_frame()["p_nominal_class"]
            lines.append(f"  areas with P(nominal class) < 0.9: {(pn < 0.9).sum()}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<b>UncertaintyResult</b> {self.ranks.shape[1]} runs" + frame_table(
            self.to_frame()
        )

    def plot(self, ax=None, *, top: int | None = 40, language: str = "de") -> FigureDisplay:
        """Rank intervals of the areas, sorted by nominal rank (the 'uncertainty plot').

        Returns a :class:`sozplan.plotting.FigureDisplay` (German labels unless
        ``language="en"``).
        """
        import matplotlib.pyplot as plt

        de = german(language, "UncertaintyResult.plot")
        order = self.nominal_rank.sort_values().index
        if top is not None:
            order = order[:top]
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        x = np.arange(len(order))
        med = self.rank_median[order].to_numpy()
        ax.vlines(x, self.rank_low[order], self.rank_high[order], color="0.5", lw=2)
        ax.plot(x, med, "o", ms=3, color="C0", label="Median")
        ax.plot(x, self.nominal_rank[order], "x", ms=4, color="C3", label="nominal")
        ax.set_xticks(x, [str(i) for i in order], rotation=90, fontsize=7)
        ax.set_ylabel("Rang (1 = höchster Indexwert)" if de else "Rank (1 = highest index value)")
        ax.invert_yaxis()
        ax.legend()
        alt = (
            f"Rangintervalle von {len(order)} Gebieten, nach nominalem Rang sortiert"
            if de
            else f"Rank intervals of {len(order)} areas, sorted by nominal rank"
        )
        return FigureDisplay.from_axes(ax, "uncertainty", alt)


def _draw(
    model: _IndexModel, n: int, gen: np.random.Generator, weight_noise: float, cut_shift: float
):
    norm_idx = gen.integers(0, len(model.norms), n)
    agg_idx = gen.integers(0, len(model.aggs), n)
    wset = gen.integers(0, len(model.weight_sets), n)
    base = np.stack(model.weight_sets)[wset]
    W = base * gen.uniform(1 - weight_noise, 1 + weight_noise, size=base.shape)
    shift = gen.uniform(-cut_shift, cut_shift, n) if cut_shift > 0 else np.zeros(n)
    return norm_idx, agg_idx, wset, W, shift


def uncertainty(
    df: pd.DataFrame,
    spec: IndexSpec | Mapping[str, Any] | str,
    *,
    n_draws: int = 1000,
    alternatives: Mapping[str, Sequence[Any]] | None = None,
    weight_noise: float = 0.25,
    cut_shift: float = 0.0,
    quantiles: tuple[float, float] = (0.05, 0.95),
    rng=None,
) -> UncertaintyResult:
    r"""Monte Carlo uncertainty analysis of an index: rank intervals and class probabilities.

    Each of the ``n_draws`` runs draws, independently and uniformly,

    - a normalisation from ``[spec's, *alternatives["standardization"]]``,
    - an aggregation from ``[spec's, *alternatives["aggregation"]]`` (geometric and
      harmonic means use the normalised indicators rescaled to [1, 100]),
    - a weight vector from ``[spec's, *alternatives["weights"]]``, each weight then
      multiplied by :math:`U(1 - \text{noise}, 1 + \text{noise})`,
    - a shift of all cut points by :math:`U(-\text{cut\_shift}, +\text{cut\_shift})`
      (in SD units for the ``"sd"`` scheme),

    rebuilds the index (re-standardised if the spec says so) and ranks and classifies
    the areas. All runs with the same normalisation and aggregation are computed as
    one matrix product.

    Parameters
    ----------
    df : DataFrame
    spec : IndexSpec, dict or YAML/JSON
    n_draws : int, default 1000
    alternatives : dict, optional
        Keys ``"standardization"``, ``"aggregation"``, ``"weights"`` (list of weight
        dicts).
    weight_noise : float, default 0.25
        Relative uniform noise on every weight (0 switches it off).
    cut_shift : float, default 0.0
    quantiles : (float, float), default (0.05, 0.95)
        Bounds of the rank interval.
    rng : seed or Generator

    Returns
    -------
    UncertaintyResult

    References
    ----------
    Saisana, M., Saltelli, A., Tarantola, S. (2005): Uncertainty and sensitivity
    analysis techniques as tools for the quality assessment of composite indicators,
    Journal of the Royal Statistical Society A 168(2), 307-323,
    doi:10.1111/j.1467-985X.2005.00350.x.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame(rng.gamma(3, 2, size=(50, 3)), columns=["alq", "sgb2", "kinder"],
    ...                   index=[f"{i:02d}" for i in range(50)])
    >>> spec = {"indicators": ["alq", "sgb2", "kinder"], "aggregation": {"method": "sum"},
    ...         "restandardize": True, "classes": {"scheme": "sd", "cuts": [-1, 1, 1.5]}}
    >>> u = uncertainty(df, spec, n_draws=200, alternatives={"standardization": ["minmax", "rank"]}, rng=1)
    >>> bool((u.rank_low <= u.rank_high).all()), u.class_probabilities.shape
    (True, (50, 4))
    """
    where = "uncertainty"
    gen = check_rng(rng, where=where)
    n_draws = check_draws(n_draws, arg="n_draws", where=where, minimum=2, example=1000)
    if not 0 <= weight_noise < 1:
        raise fail(
            where, f"`weight_noise` is {weight_noise!r}", "pass a number in [0, 1), e.g. 0.25"
        )
    if cut_shift < 0:
        raise fail(where, f"`cut_shift` is {cut_shift!r}", "pass a non-negative number")
    spec = _as_spec(spec)
    model = _IndexModel(df, spec, alternatives, where)
    norm_idx, agg_idx, wset, W, shift = _draw(model, int(n_draws), gen, weight_noise, cut_shift)
    Y = model.evaluate(norm_idx, agg_idx, W)
    R = _ranks(Y)
    lo, hi = np.quantile(R, quantiles, axis=1)
    ids = model.ids
    probs = nominal_class = None
    if model.scheme is not None:
        C = model.classes(Y, shift)
        counts = np.stack([np.equal(C, k).mean(axis=1) for k in range(model.k)], axis=1)
        probs = pd.DataFrame(counts, index=ids, columns=list(model.labels))
        assert model.nominal.classes is not None
        nominal_class = model.nominal.classes.astype(str).rename("class")
    design = pd.DataFrame(
        {
            "standardization": np.asarray(model.norms, dtype=object)[norm_idx],
            "aggregation": np.asarray(model.aggs, dtype=object)[agg_idx],
            "weight_set": wset,
            "cut_shift": shift,
        }
    )
    design = pd.concat([design, pd.DataFrame(W, columns=[f"w_{c}" for c in model.cols])], axis=1)
    nominal_rank = model.nominal.rank
    return UncertaintyResult(
        nominal_index=model.nominal.index,
        nominal_rank=nominal_rank,
        rank_median=pd.Series(np.median(R, axis=1), index=ids, name="rank_median"),
        rank_low=pd.Series(lo, index=ids, name="rank_low"),
        rank_high=pd.Series(hi, index=ids, name="rank_high"),
        class_probabilities=probs,
        nominal_class=nominal_class,
        design=design,
        ranks=R,
        quantiles=tuple(quantiles),
        settings={
            "n": int(n_draws),
            "alternatives": dict(alternatives or {}),
            "weight_noise": weight_noise,
            "cut_shift": cut_shift,
            "spec_hash": spec.hash,
        },
    )


def _as_spec(spec) -> IndexSpec:
    if isinstance(spec, str):
        s = spec.strip()
        return IndexSpec.from_json(s) if s.startswith("{") else IndexSpec.from_yaml(s)
    return IndexSpec.from_dict(spec)


@immutable
@dataclass(frozen=True, repr=False)
class SensitivityResult:
    r"""Result of :func:`sensitivity`.

    Attributes
    ----------
    indices : DataFrame
        Per factor: ``S1``, ``ST`` of the mean absolute rank shift
        :math:`\bar R_S = \frac1n \sum_i |r_i - r_i^{nom}|` (Saisana et al. 2005),
        and ``S1_ranks``, ``ST_ranks``: the variance-weighted mean over areas of the
        indices of each area's rank.
    by_area_first, by_area_total : DataFrame
        Indices of each area's rank (rows: areas, columns: factors).

    Notes
    -----
    The indices are Monte Carlo estimates from ``n`` base samples. With small ``n`` a
    factor without effect can get a slightly negative ``S1`` (or ``S1 > ST``): read
    it as "not distinguishable from 0" and raise ``n`` until the estimates settle;
    :meth:`__repr__` says so when it happens.
    """

    indices: pd.DataFrame
    by_area_first: pd.DataFrame
    by_area_total: pd.DataFrame
    n_draws: int
    n_evaluations: int

    def to_frame(self) -> pd.DataFrame:
        """Return the indices per factor."""
        return self.indices

    def __repr__(self) -> str:
        text = (
            f"SensitivityResult(N={self.n_draws}, {self.n_evaluations} index builds)\n"
            f"{self.indices.round(3).to_string()}"
        )
        negative = self.indices.index[(self.indices[["S1", "S1_ranks"]] < 0).any(axis=1)]
        if len(negative):
            text += (
                f"\nnegative S1 for {', '.join(map(str, negative))}: Monte Carlo noise at "
                f"N={self.n_draws}, read as 0 (a larger n_draws narrows it)"
            )
        return text

    def _repr_html_(self) -> str:
        return f"<b>SensitivityResult</b> N={self.n_draws}" + frame_table(self.indices)

    def plot(self, ax=None, *, language: str = "de") -> FigureDisplay:
        """Bars of S1 and ST (mean rank shift) per factor (a FigureDisplay)."""
        de = german(language, "SensitivityResult.plot")
        label = (
            "Sobol-Index (mittlere Rangverschiebung)" if de else "Sobol index (mean rank shift)"
        )
        return _sobol_bars(self.indices, ax, label, de)


def sensitivity(
    df: pd.DataFrame,
    spec: IndexSpec | Mapping[str, Any] | str,
    *,
    n_draws: int = 256,
    alternatives: Mapping[str, Sequence[Any]] | None = None,
    weight_noise: float = 0.25,
    rng=None,
) -> SensitivityResult:
    """Sobol sensitivity of the index ranks to normalisation, aggregation and each weight.

    Input factors: one per indicator weight (uniform relative noise as in
    :func:`uncertainty`), plus ``standardization`` and ``aggregation`` if alternatives
    are given (discrete, uniform over the options). The index is rebuilt
    ``n * (d + 2)`` times on a Saltelli design and the indices estimated with
    :func:`sobol_from_samples`.

    Parameters
    ----------
    df, spec, alternatives, weight_noise, rng : see :func:`uncertainty`
    n_draws : int, default 256
        Base sample size (a power of 2).

    Returns
    -------
    SensitivityResult

    References
    ----------
    Saisana, M., Saltelli, A., Tarantola, S. (2005), doi:10.1111/j.1467-985X.2005.00350.x;
    Saltelli, A. et al. (2010), doi:10.1016/j.cpc.2009.09.018.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame(rng.gamma(3, 2, size=(40, 3)), columns=["alq", "sgb2", "kinder"])
    >>> spec = {"indicators": ["alq", "sgb2", "kinder"], "aggregation": {"method": "sum"}}
    >>> res = sensitivity(df, spec, n_draws=64, alternatives={"standardization": ["rank"]}, rng=1)
    >>> res.indices.index.tolist()
    ['w_alq', 'w_sgb2', 'w_kinder', 'standardization']
    """
    where = "sensitivity"
    gen = check_rng(rng, where=where)
    n_draws = check_draws(n_draws, arg="n_draws", where=where, minimum=2, example=256)
    if n_draws & (n_draws - 1):
        raise fail(
            where, f"`n_draws` is {n_draws}, not a power of 2", "use n_draws = 2**m, e.g. 256"
        )
    if not 0 <= weight_noise < 1:
        raise fail(
            where, f"`weight_noise` is {weight_noise!r}", "pass a number in [0, 1), e.g. 0.25"
        )
    spec = _as_spec(spec)
    model = _IndexModel(df, spec, alternatives, where)
    if len(model.weight_sets) > 1:
        raise fail(
            where,
            "weight alternatives are not a factor of the Sobol analysis",
            "use weight_noise for the weights (or uncertainty() for discrete weight sets)",
        )
    K = len(model.cols)
    names = [f"w_{c}" for c in model.cols]
    discrete = []
    if len(model.norms) > 1:
        names.append("standardization")
        discrete.append("norm")
    if len(model.aggs) > 1:
        names.append("aggregation")
        discrete.append("agg")
    d = len(names)
    if weight_noise <= 0 and not discrete:
        raise fail(
            where,
            "nothing varies (weight_noise is 0 and no alternatives)",
            "set weight_noise or alternatives",
        )
    A, B, AB = saltelli_design(n_draws, d, rng=gen)
    U = np.concatenate([A, B, AB.reshape(-1, d)])
    W = model.w0[None, :] * (1 - weight_noise + 2 * weight_noise * U[:, :K])
    col = K
    norm_idx = np.zeros(len(U), dtype=int)
    agg_idx = np.zeros(len(U), dtype=int)
    if "norm" in discrete:
        norm_idx = np.minimum((U[:, col] * len(model.norms)).astype(int), len(model.norms) - 1)
        col += 1
    if "agg" in discrete:
        agg_idx = np.minimum((U[:, col] * len(model.aggs)).astype(int), len(model.aggs) - 1)
    Y = model.evaluate(norm_idx, agg_idx, W)
    Rk = _ranks(Y).T  # (runs, areas)
    r0 = model.nominal.rank.to_numpy()
    shift = np.abs(Rk - r0[None, :]).mean(axis=1)
    f_A, f_B, f_AB = (
        shift[:n_draws],
        shift[n_draws : 2 * n_draws],
        shift[2 * n_draws :].reshape(d, n_draws),
    )
    S1, ST = _sobol(f_A, f_B, f_AB)
    g_A, g_B, g_AB = (
        Rk[:n_draws],
        Rk[n_draws : 2 * n_draws],
        Rk[2 * n_draws :].reshape(d, n_draws, -1),
    )
    S1a, STa = _sobol(g_A, g_B, g_AB)  # (d, areas)
    V = np.var(np.concatenate([g_A, g_B]), axis=0)
    ok = V > 0
    wv = V[ok] / V[ok].sum() if ok.any() else V[ok]
    table = pd.DataFrame(
        {
            "S1": S1,
            "ST": ST,
            "S1_ranks": S1a[:, ok] @ wv if ok.any() else np.nan,
            "ST_ranks": STa[:, ok] @ wv if ok.any() else np.nan,
        },
        index=pd.Index(names, name="factor"),
    )
    return SensitivityResult(
        indices=table,
        by_area_first=pd.DataFrame(S1a.T, index=model.ids, columns=names),
        by_area_total=pd.DataFrame(STa.T, index=model.ids, columns=names),
        n_draws=n_draws,
        n_evaluations=len(U),
    )
