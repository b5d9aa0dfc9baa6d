"""typology(): cluster areas into types, choose k, profile, describe and check stability."""

from __future__ import annotations

import html
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import calinski_harabasz_score, silhouette_score

from sozplan._core.frozen import immutable
from sozplan._core.population import population_values
from sozplan._core.stats import weighted_mean_std
from sozplan._core.text import german
from sozplan._core.values import indicator_labels, indicator_values
from sozplan.checks import check_array, check_draws, check_rng, fail, format_values
from sozplan.errors import MethodWarning
from sozplan.plotting import FigureDisplay
from sozplan.typology._estimator import METHODS, TypologyClusterer

__all__ = [
    "TypologyResult",
    "cluster_stability",
    "describe_profile",
    "gap_statistic",
    "select_n_clusters",
    "typology",
]

#: Assessment of a mean bootstrap Jaccard similarity (Hennig 2007; clusterboot docs).
STABILITY_CLASSES = (
    (0.85, "sehr stabil", "highly stable"),
    (0.75, "stabil", "stable"),
    (0.6, "Muster erkennbar", "pattern"),
    (-np.inf, "instabil", "unstable"),
)


def _assess(j: float, language: str = "de") -> str:
    if not np.isfinite(j):
        return "nicht bestimmbar" if language == "de" else "undetermined"
    for lim, de, en in STABILITY_CLASSES:
        if j >= lim:
            return de if language == "de" else en
    return ""  # pragma: no cover


def _within_ss(z: np.ndarray, labels: np.ndarray, w: np.ndarray | None = None) -> float:
    w = np.ones(len(z)) if w is None else w
    total = 0.0
    for c in np.unique(labels):
        m = labels == c
        if w[m].sum() <= 0:
            continue
        centre = np.average(z[m], axis=0, weights=w[m])
        total += float((w[m] * ((z[m] - centre) ** 2).sum(axis=1)).sum())
    return total


def _fit_labels(
    z: np.ndarray, k: int, method: str, w: np.ndarray | None, seed: int, n_init: int
) -> np.ndarray:
    est = TypologyClusterer(k, method=method, standardize=False, n_init=n_init, random_state=seed)
    return est.fit(z, sample_weight=w).labels_


def _z_and_ks(z: Any, ks: Sequence[int], where: str) -> tuple[np.ndarray, list[int]]:
    """Return finite z-scores (n, K) and the numbers of types, each from 1 to n."""
    z = check_array(z, arg="z", where=where, ndim=2)
    ks = [int(k) for k in ks]
    if len(z) == 0 or max(ks, default=1) > len(z) or min(ks, default=1) < 1:
        raise fail(
            where,
            f"`z` has {len(z)} row(s), too few for {format_values(ks)} types",
            "pass at least as many areas as the largest number of types",
        )
    return z, ks


def gap_statistic(
    z: np.ndarray,
    n_clusters_range: Sequence[int],
    *,
    method: str = "ward",
    n_refs: int = 20,
    rng: Any = None,
    n_init: int = 3,
) -> pd.DataFrame:
    r"""Gap statistic of Tibshirani, Walther & Hastie (2001) for several k.

    .. math::

        \mathrm{Gap}(k) = \frac{1}{B}\sum_{b=1}^{B} \log W^*_{kb} - \log W_k,
        \qquad s_k = \mathrm{sd}_b(\log W^*_{kb})\sqrt{1 + 1/B},

    where :math:`W_k = \sum_r \frac{1}{2 n_r} D_r` is the pooled within-cluster sum
    of squares (half the sum of pairwise squared distances per cluster, divided by
    the cluster size) and the :math:`W^*_{kb}` come from :math:`B` reference data
    sets drawn uniformly over the box aligned with the principal components of the
    data (their reference "b"). The chosen k is the smallest with
    :math:`\mathrm{Gap}(k) \ge \mathrm{Gap}(k+1) - s_{k+1}`.

    Parameters
    ----------
    z : ndarray, shape (n, p)
        Standardised data.
    n_clusters_range : sequence of int
        Consecutive numbers of clusters, e.g. ``range(1, 10)``.
    method : str, default "ward"
        Clustering method (see :class:`TypologyClusterer`).
    n_refs : int, default 20
        Number :math:`B` of reference data sets.
    rng : None, int or Generator
    n_init : int, default 3
        Starts for randomised methods.

    Returns
    -------
    DataFrame
        Indexed by ``k`` with ``log_w``, ``expected_log_w``, ``gap``, ``gap_se``.

    References
    ----------
    Tibshirani, R., Walther, G. & Hastie, T. (2001). Estimating the number of
    clusters in a data set via the gap statistic. *JRSS B* 63(2), 411-423.
    doi:10.1111/1467-9868.00293

    Examples
    --------
    >>> import numpy as np
    >>> r = np.random.default_rng(0)
    >>> z = np.vstack([r.normal(0, 0.3, (30, 2)), r.normal(4, 0.3, (30, 2))])
    >>> g = gap_statistic(z, range(1, 5), rng=1)
    >>> int(g.index[g["gap"].argmax()])
    2
    """
    gen = check_rng(rng, where="gap_statistic")
    n_refs = check_draws(n_refs, arg="n_refs", where="gap_statistic", minimum=1, example=20)
    z, ks = _z_and_ks(z, n_clusters_range, "gap_statistic")
    zc = z - z.mean(axis=0)
    _, _, vt = np.linalg.svd(zc, full_matrices=False)
    proj = zc @ vt.T
    lo, hi = proj.min(axis=0), proj.max(axis=0)
    log_w = []
    for k in ks:
        labels = _fit_labels(z, k, method, None, int(gen.integers(2**31 - 1)), n_init)
        log_w.append(np.log(max(_within_ss(z, labels) / 2.0, 1e-300)))
    ref = np.empty((n_refs, len(ks)))
    for b in range(n_refs):
        sample = gen.uniform(lo, hi, size=proj.shape) @ vt
        for j, k in enumerate(ks):
            labels = _fit_labels(sample, k, method, None, int(gen.integers(2**31 - 1)), n_init)
            ref[b, j] = np.log(max(_within_ss(sample, labels) / 2.0, 1e-300))
    expected = ref.mean(axis=0)
    se = ref.std(axis=0, ddof=0) * np.sqrt(1.0 + 1.0 / n_refs)
    out = pd.DataFrame(
        {
            "log_w": log_w,
            "expected_log_w": expected,
            "gap": expected - np.array(log_w),
            "gap_se": se,
        },
        index=pd.Index(ks, name="k"),
    )
    return out


def _gap_choice(gap: pd.DataFrame) -> int:
    ks = list(gap.index)
    for i, k in enumerate(ks[:-1]):
        if gap["gap"].iloc[i] >= gap["gap"].iloc[i + 1] - gap["gap_se"].iloc[i + 1]:
            return int(k)
    return int(ks[-1])


def select_n_clusters(
    z: np.ndarray,
    n_clusters_range: Sequence[int] = range(2, 9),
    *,
    method: str = "ward",
    population: np.ndarray | None = None,
    n_refs: int = 20,
    rng: Any = None,
    n_init: int = 10,
) -> tuple[pd.DataFrame, dict[str, int]]:
    r"""Compare numbers of types by silhouette, Calinski-Harabasz and the gap statistic.

    * Silhouette (Rousseeuw 1987, doi:10.1016/0377-0427(87)90125-7): mean of
      :math:`s_i = (b_i - a_i) / \max(a_i, b_i)`; maximal is best.
    * Calinski-Harabasz (1974, doi:10.1080/03610927408827101):
      :math:`\frac{B/(k-1)}{W/(n-k)}`; maximal is best.
    * Gap statistic (Tibshirani et al. 2001): smallest k with
      :math:`\mathrm{Gap}(k) \ge \mathrm{Gap}(k+1) - s_{k+1}` (see
      :func:`gap_statistic`), evaluated from k = 1, so it can say "no structure".

    Parameters
    ----------
    z : ndarray
        Standardised data.
    n_clusters_range : sequence of int, default range(2, 9)
        Candidate numbers of types (at least 2).
    method : str
    population : ndarray, optional
        Frequency weights for the clustering (the criteria are unweighted).
    n_refs : int, default 20
    rng : None, int or Generator
    n_init : int, default 10

    Returns
    -------
    table : DataFrame
        Indexed by ``k`` (from 1): ``silhouette``, ``calinski_harabasz``, ``gap``,
        ``gap_se``, ``within_ss``.
    choice : dict
        Proposed k per criterion (``"silhouette"``, ``"calinski_harabasz"``,
        ``"gap"``).

    Examples
    --------
    >>> import numpy as np
    >>> r = np.random.default_rng(0)
    >>> z = np.vstack([r.normal(c, 0.3, (25, 2)) for c in ([0, 0], [3, 0], [0, 3])])
    >>> table, choice = select_n_clusters(z, range(2, 6), rng=0)
    >>> choice
    {'silhouette': 3, 'calinski_harabasz': 3, 'gap': 3}
    """
    gen = check_rng(rng, where="select_n_clusters")
    z, ks = _z_and_ks(z, n_clusters_range, "select_n_clusters")
    ks = sorted(ks)
    rows = {}
    for k in ks:
        labels = _fit_labels(z, k, method, population, int(gen.integers(2**31 - 1)), n_init)
        ok = 1 < len(np.unique(labels)) < len(z)
        rows[k] = {
            "silhouette": silhouette_score(z, labels) if ok else np.nan,
            "calinski_harabasz": calinski_harabasz_score(z, labels) if ok else np.nan,
            "within_ss": _within_ss(z, labels),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "k"
    gap_ks = list(range(1, ks[-1] + 2))
    gap = gap_statistic(z, gap_ks, method=method, n_refs=n_refs, rng=gen, n_init=min(n_init, 3))
    table = gap[["gap", "gap_se"]].join(table, how="left")
    table.loc[1, "within_ss"] = _within_ss(z, np.zeros(len(z), dtype=int))
    table = table.loc[: ks[-1], ["silhouette", "calinski_harabasz", "gap", "gap_se", "within_ss"]]
    choice = {
        "silhouette": int(table["silhouette"].idxmax()),
        "calinski_harabasz": int(table["calinski_harabasz"].idxmax()),
        "gap": _gap_choice(gap),
    }
    return table, choice


def cluster_stability(
    z: np.ndarray,
    labels: np.ndarray,
    *,
    method: str = "ward",
    population: np.ndarray | None = None,
    n_bootstrap: int = 100,
    rng: Any = None,
    n_init: int = 3,
) -> pd.DataFrame:
    r"""Bootstrap stability of each cluster (Hennig 2007, ``fpc::clusterboot``).

    For each of ``n_bootstrap`` bootstrap samples (rows drawn with replacement) the data
    are clustered again with the same method and k. For an original cluster
    :math:`C` and the set :math:`S` of distinct rows in the sample, the similarity
    is the best Jaccard coefficient
    :math:`\max_D |C\cap S \cap D| / |(C \cap S) \cup D|` over the bootstrap
    clusters :math:`D`. The mean over samples is the cluster's stability;
    a cluster is *dissolved* in a sample if the similarity is at most 0.5 and
    *recovered* if it is at least 0.75.

    Parameters
    ----------
    z : ndarray
        Standardised data.
    labels : ndarray of int
        The clustering to assess (0 .. k-1).
    method : str
    population : ndarray, optional
    n_bootstrap : int, default 100
    rng : None, int or Generator
    n_init : int, default 3

    Returns
    -------
    DataFrame
        Indexed by cluster: ``jaccard_mean``, ``jaccard_sd``, ``dissolved``
        (share of samples), ``recovered`` (share of samples).

    References
    ----------
    Hennig, C. (2007). Cluster-wise assessment of cluster stability.
    *Computational Statistics & Data Analysis* 52(1), 258-271.
    doi:10.1016/j.csda.2006.11.025

    Examples
    --------
    >>> import numpy as np
    >>> r = np.random.default_rng(0)
    >>> z = np.vstack([r.normal(0, 0.2, (20, 2)), r.normal(3, 0.2, (20, 2))])
    >>> lab = np.repeat([0, 1], 20)
    >>> cluster_stability(z, lab, n_bootstrap=10, rng=0)["jaccard_mean"].round(2).tolist()
    [1.0, 1.0]
    """
    gen = check_rng(rng, where="cluster_stability")
    n_bootstrap = check_draws(
        n_bootstrap, arg="n_bootstrap", where="cluster_stability", minimum=1, example=100
    )
    z, _ = _z_and_ks(z, [1], "cluster_stability")
    if labels is None or np.ndim(labels) != 1 or len(labels) != len(z):
        raise fail(
            "cluster_stability",
            f"`labels` has {np.size(labels) if labels is not None else 'no'} value(s) for "
            f"{len(z)} row(s) of `z`",
            "pass one type label per row of `z`",
        )
    n = len(z)
    clusters = np.unique(labels)
    k = len(clusters)
    jac = np.full((n_bootstrap, k), np.nan)
    for b in range(n_bootstrap):
        idx = gen.integers(0, n, size=n)
        wb = None if population is None else population[idx]
        if wb is not None and wb.sum() <= 0:
            continue
        kb = min(k, len(np.unique(idx)))
        blab = _fit_labels(z[idx], kb, method, wb, int(gen.integers(2**31 - 1)), n_init)
        present = np.zeros(n, dtype=bool)
        present[idx] = True
        # bootstrap cluster membership per distinct row (first occurrence)
        first = np.full(n, -1)
        first[idx[::-1]] = blab[::-1]
        boot_sets = [np.unique(idx[blab == c]) for c in range(kb)]
        for j, c in enumerate(clusters):
            cs = np.flatnonzero((labels == c) & present)
            if len(cs) == 0:
                continue
            best = 0.0
            for ds in boot_sets:
                inter = np.intersect1d(cs, ds, assume_unique=True).size
                union = np.union1d(cs, ds).size
                best = max(best, inter / union if union else 0.0)
            jac[b, j] = best
    out = pd.DataFrame(
        {
            "jaccard_mean": np.nanmean(jac, axis=0),
            "jaccard_sd": np.nanstd(jac, axis=0),
            "dissolved": np.nanmean(np.where(np.isnan(jac), np.nan, jac <= 0.5), axis=0),
            "recovered": np.nanmean(np.where(np.isnan(jac), np.nan, jac >= 0.75), axis=0),
        },
        index=pd.Index(clusters, name="cluster"),
    )
    return out


def _fmt_de(x: float, digits: int = 1) -> str:
    s = f"{x:+.{digits}f}"
    return s.replace("-", "−").replace(".", ",")


def describe_profile(
    z_profile: pd.Series,
    labels: Mapping | None = None,
    *,
    threshold: float = 0.5,
    language: str = "de",
    max_items: int = 4,
) -> str:
    r"""Describe a type from its z-profile (mean z-value per indicator).

    Indicators with :math:`|z| \ge` ``threshold`` are listed, largest first, as
    above or below the average, e.g.
    ``"überdurchschnittlich: SGB-II-Quote (+1,8 SD), Kinderarmut (+1,5 SD);
    unterdurchschnittlich: Wohndauer (−1,2 SD)"``.

    Parameters
    ----------
    z_profile : Series
        Mean z-value per indicator.
    labels : mapping, optional
        Readable names per indicator.
    threshold : float, default 0.5
        Minimum absolute deviation (in standard deviations) to be mentioned.
    language : {"de", "en"}
    max_items : int, default 4
        At most this many indicators per side.

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> describe_profile(pd.Series({"SGB-II-Quote": 1.8, "Wohndauer": -1.2, "x": 0.1}))
    'überdurchschnittlich: SGB-II-Quote (+1,8 SD); unterdurchschnittlich: Wohndauer (−1,2 SD)'
    >>> describe_profile(pd.Series({"a": 0.2}), language="en")
    'close to the average in all indicators'
    """
    labels = labels or {}
    de = language == "de"
    if not isinstance(z_profile, pd.Series):
        raise fail(
            "describe_profile",
            f"`z_profile` is a {type(z_profile).__name__}, not a pandas Series",
            "pass one type's z-profile: a Series of z-values indexed by indicator",
        )
    z_profile = pd.Series(
        check_array(z_profile, arg="z_profile", where="describe_profile", allow_nan=True),
        index=z_profile.index,
    )
    above = z_profile[z_profile >= threshold].sort_values(ascending=False).head(max_items)
    below = z_profile[z_profile <= -threshold].sort_values().head(max_items)

    def items(s: pd.Series) -> str:
        if de:
            return ", ".join(f"{labels.get(k, k)} ({_fmt_de(v)} SD)" for k, v in s.items())
        return ", ".join(f"{labels.get(k, k)} ({v:+.1f} SD)" for k, v in s.items())

    parts = []
    if len(above):
        parts.append(("überdurchschnittlich: " if de else "above average: ") + items(above))
    if len(below):
        parts.append(("unterdurchschnittlich: " if de else "below average: ") + items(below))
    if not parts:
        return (
            "durchschnittlich in allen Merkmalen"
            if de
            else "close to the average in all indicators"
        )
    return "; ".join(parts)


@immutable
@dataclass(frozen=True, repr=False, eq=False)
class TypologyResult:
    """Types of areas with profiles, descriptions, the choice of k and their stability.

    Attributes
    ----------
    labels : Series
        Type (1 .. k, numbered by size, largest first) per area, on the input index,
        named ``"typ"``.
    n_clusters : int
    method : str
    columns : tuple
        The indicators used.
    profiles : DataFrame
        Type x indicator: (weighted) mean in the original units.
    z_profiles : DataFrame
        Type x indicator: (weighted) mean of the z-values.
    descriptions : Series
        A German (or English) description of each type from its z-profile.
    sizes : DataFrame
        Per type: ``n_areas``, ``population`` (if weighted) and shares.
    stability : DataFrame or None
        Per type: ``jaccard_mean``, ``jaccard_sd``, ``dissolved``, ``recovered``,
        ``assessment`` (bootstrap, Hennig 2007); None with ``n_bootstrap=0``.
    selection : DataFrame or None
        The table of criteria per k (see :func:`select_n_clusters`) when k was chosen.
    k_choice : Mapping
        Proposed k per criterion and the rule that decided.
    estimator : TypologyClusterer
        The fitted estimator (predicts types of new areas in its own numbering).
    weighted : bool
        Whether standardisation, clustering and profiles were population-weighted.
    indicator_labels : Mapping
    warnings : tuple of str
    """

    labels: pd.Series
    n_clusters: int
    method: str
    columns: tuple
    profiles: pd.DataFrame
    z_profiles: pd.DataFrame
    descriptions: pd.Series
    sizes: pd.DataFrame
    stability: pd.DataFrame | None
    selection: pd.DataFrame | None
    k_choice: Mapping = field(default_factory=dict)
    estimator: Any = None
    weighted: bool = False
    indicator_labels: Mapping = field(default_factory=dict)
    warnings: tuple = ()
    _relabel: Mapping = field(default_factory=dict)

    @property
    def stable(self) -> pd.Series:
        """Whether each type is stable (mean bootstrap Jaccard >= 0.75, Hennig 2007)."""
        if self.stability is None:
            raise fail(
                "TypologyResult.stable",
                "stability was not computed (n_bootstrap=0)",
                "pass n_bootstrap > 0",
            )
        return self.stability["jaccard_mean"] >= 0.75

    def predict(self, df: pd.DataFrame) -> pd.Series:
        """Assign new areas (same indicators) to the types (nearest type centre)."""
        values = indicator_values(df, list(self.columns), where="TypologyResult.predict")
        raw = self.estimator.predict(values.to_numpy(dtype=float))
        return pd.Series(
            [self._relabel[int(r)] for r in raw], index=df.index, name="typ", dtype="int64"
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per type: size, stability, description and the profile in original units."""
        parts = [self.sizes]
        if self.stability is not None:
            parts.append(self.stability)
        parts.append(self.descriptions.rename("description").to_frame())
        parts.append(self.profiles)
        return pd.concat(parts, axis=1)

    def _lines(self) -> list[str]:
        lines = [
            f"TypologyResult: {self.n_clusters} types of {len(self.labels)} areas ({self.method}"
            f"{', population-weighted' if self.weighted else ''})",
            f"  indicators  {', '.join(map(str, self.columns))}",
        ]
        if self.k_choice:
            lines.append(f"  k choice    {dict(self.k_choice)}")
        for t in self.profiles.index:
            stab = ""
            if self.stability is not None:
                j = self.stability.loc[t, "jaccard_mean"]
                stab = f", Jaccard {j:.2f} ({self.stability.loc[t, 'assessment']})"
            lines.append(f"  Typ {t}: {int(self.sizes.loc[t, 'n_areas'])} areas{stab}")
            lines.append(f"     {self.descriptions.loc[t]}")
        if self.warnings:
            lines.append(f"  warnings    {len(self.warnings)}: {self.warnings[0]}")
        return lines

    def __repr__(self) -> str:
        return "\n".join(self._lines())

    def _repr_html_(self) -> str:
        head = html.escape(self._lines()[0])
        table = self.to_frame().round(2).to_html()
        sel = ""
        if self.selection is not None:
            sel = (
                "<p>choice of k: "
                + html.escape(str(dict(self.k_choice)))
                + "</p>"
                + self.selection.round(3).to_html()
            )
        return f"<div class='sozplan-result'><p><b>{head}</b></p>{table}{sel}</div>"

    def plot(self, ax: Any = None, *, language: str = "de") -> FigureDisplay:
        """Heat map of the z-profiles (types x indicators), diverging colours."""
        import matplotlib.pyplot as plt

        zp = self.z_profiles
        if ax is None:
            _, ax = plt.subplots(figsize=(1.1 * len(zp.columns) + 2.5, 0.6 * len(zp) + 1.5))
        lim = max(1.0, float(np.nanmax(np.abs(zp.to_numpy()))))
        im = ax.imshow(zp.to_numpy(), cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
        ax.set_xticks(range(len(zp.columns)))
        ax.set_xticklabels(
            [self.indicator_labels.get(c, c) for c in zp.columns], rotation=40, ha="right"
        )
        ax.set_yticks(range(len(zp)))
        ax.set_yticklabels([f"Typ {t}" if language == "de" else f"type {t}" for t in zp.index])
        for i in range(zp.shape[0]):
            for j in range(zp.shape[1]):
                ax.text(j, i, f"{zp.iat[i, j]:+.1f}", ha="center", va="center", fontsize=8)
        ax.figure.colorbar(im, ax=ax, label="z-Wert (SD)" if language == "de" else "z-value (SD)")
        ax.set_title("Typenprofile" if language == "de" else "type profiles")
        alt = (
            "Heatmap: z-Profile der Typen je Indikator"
            if german(language, "TypologyResult.plot")
            else "Heat map: z-profiles of the types per indicator"
        )
        return FigureDisplay.from_axes(ax, "typology", alt)


def _check_k_values(n_clusters_range: Any, n: int, where: str) -> list[int]:
    try:
        ks = sorted({int(k) for k in n_clusters_range})
    except (TypeError, ValueError) as exc:
        raise fail(
            where, f"`n_clusters_range` is {n_clusters_range!r}", "pass integers, e.g. range(2, 9)"
        ) from exc
    ks = [k for k in ks if k >= 2]
    if not ks:
        raise fail(
            where, "`n_clusters_range` has no number of types >= 2", "pass e.g. range(2, 9)"
        )
    if ks[-1] >= n:
        raise fail(
            where,
            f"`n_clusters_range` goes up to {ks[-1]}, but there are only {n} areas",
            f"use at most {max(2, n // 3)} types",
        )
    return ks


def _check_typology_options(method: str, select_by: str, language: str, where: str) -> None:
    """Raise on an unknown method, selection rule or language."""
    if method not in METHODS:
        raise fail(where, f"`method` is {method!r}", f"use one of {format_values(METHODS)}")
    if select_by not in ("vote", "silhouette", "calinski_harabasz", "gap"):
        raise fail(
            where,
            f"`select_by` is {select_by!r}",
            "use 'vote', 'silhouette', 'calinski_harabasz' or 'gap'",
        )
    if language not in ("de", "en"):
        raise fail(where, f"`language` is {language!r}", "use 'de' or 'en'")


def _choose_n_clusters(
    z: np.ndarray,
    n_clusters_range: Sequence[int],
    method: str,
    w: np.ndarray | None,
    n_refs: int,
    gen: np.random.Generator,
    n_init: int,
    select_by: str,
    messages: list[str],
) -> tuple[int, Any, dict[str, Any]]:
    """Choose the number of types by ``select_by`` over ``n_clusters_range`` (with the table)."""
    ks = _check_k_values(n_clusters_range, len(z), "typology")
    selection, proposals = select_n_clusters(
        z, ks, method=method, population=w, n_refs=n_refs, rng=gen, n_init=n_init
    )
    choice: dict[str, Any] = dict(proposals)
    if proposals["gap"] == 1:
        msg = (
            "the gap statistic finds no cluster structure (k = 1): the types may be "
            "arbitrary cuts through a continuum"
        )
        messages.append(msg)
        warnings.warn(f"typology: {msg}", MethodWarning, stacklevel=3)
    if select_by == "vote":
        votes = sorted(v for v in proposals.values() if v >= 2)
        k_sel = int(votes[(len(votes) - 1) // 2])
    else:
        k_sel = max(2, int(proposals[select_by]))
    choice["rule"] = select_by
    choice["k"] = k_sel
    return k_sel, selection, choice


def _check_n_clusters(n_clusters: Any, n: int, where: str) -> None:
    """Raise unless ``n_clusters`` is a whole number from 1 to the number of areas."""
    if (
        not isinstance(n_clusters, int | np.integer)
        or isinstance(n_clusters, bool)
        or n_clusters < 1
    ):
        raise fail(
            where,
            f"`n_clusters` is {n_clusters!r}",
            "pass a positive integer number of types or None",
        )
    if n_clusters > n:
        raise fail(
            where,
            f"`n_clusters` is {n_clusters} but there are only {n} areas",
            "choose fewer types",
        )


def _profiles(
    x: np.ndarray, wx: np.ndarray, lab: np.ndarray, types: pd.Index, cols: list
) -> pd.DataFrame:
    """Weighted mean of each indicator per type (original units)."""
    return pd.DataFrame(
        [
            np.average(x[lab == t], axis=0, weights=wx[lab == t])
            if wx[lab == t].sum() > 0
            else x[lab == t].mean(axis=0)
            for t in types
        ],
        index=types,
        columns=cols,
    )


def _stability(
    z: np.ndarray,
    lab: np.ndarray,
    types: pd.Index,
    method: str,
    w: np.ndarray | None,
    n_bootstrap: int,
    gen: np.random.Generator,
    n_init: int,
    language: str,
) -> pd.DataFrame:
    """Bootstrap stability of each type (Hennig 2007) with an assessment in words."""
    st = cluster_stability(
        z,
        lab - 1,
        method=method,
        population=w,
        n_bootstrap=int(n_bootstrap),
        rng=gen,
        n_init=min(n_init, 3),
    )
    st.index = types
    st["assessment"] = [_assess(j, language) for j in st["jaccard_mean"]]
    return st


def typology(
    df: pd.DataFrame,
    columns: Hashable | Sequence[Hashable],
    *,
    method: str = "ward",
    n_clusters: int | None = None,
    population: Any = None,
    rng: Any = None,
    n_clusters_range: Sequence[int] = range(2, 9),
    select_by: str = "vote",
    n_bootstrap: int = 100,
    n_refs: int = 20,
    n_init: int = 10,
    threshold: float = 0.5,
    labels: Mapping | None = None,
    language: str = "de",
) -> TypologyResult:
    r"""Cluster areas into types (Sozialraumtypen) with profiles, descriptions and stability.

    The indicators are z-standardised, :math:`z_{ij} = (x_{ij} - \bar x_j)/s_j`
    (mean and SD weighted by ``population`` if given, divisor :math:`\sum w`), and
    clustered with ``method``. Without ``n_clusters``, every k in ``n_clusters_range`` is compared
    by silhouette, Calinski-Harabasz and the gap statistic (:func:`select_n_clusters`).
    Each type is profiled in the original units and in z-values, described in
    words from its z-profile (:func:`describe_profile`), and its stability is
    measured by the mean Jaccard similarity under bootstrap resampling
    (:func:`cluster_stability`, Hennig 2007): >= 0.75 stable, 0.6-0.75 a pattern
    whose exact members are doubtful, < 0.6 not to be trusted.

    Parameters
    ----------
    df : DataFrame
        One row per area (unique index of area ids).
    columns : str or sequence
        Indicator columns of ``df``, or keys of the shipped indicator catalogue
        (e.g. ``"sgb2_quote"``), which are then computed from the counts.
    method : {"ward", "kmeans", "gmm", "kmedoids"}, default "ward"
        See :class:`TypologyClusterer`.
    n_clusters : int, optional
        Number of types; chosen from ``n_clusters_range`` if None.
    population : str or Series, optional
        Population weights (e.g. ``"einwohner"``): weighted standardisation (the
        average resident, not the average area, is 0), weighted clustering
        objective and weighted profiles. Not with ``method="gmm"``.
    rng : None, int or Generator
        Randomness of k-means/GMM/k-medoids starts, the gap references and the
        bootstrap.
    n_clusters_range : sequence of int, default range(2, 9)
        Candidate numbers of types when ``n_clusters`` is None.
    select_by : {"vote", "silhouette", "calinski_harabasz", "gap"}, default "vote"
        How k is chosen: ``"vote"`` takes the median of the three proposals (the
        majority when two agree; the middle one when all differ; the smaller of
        two when the gap statistic proposes k = 1), or one criterion alone.
        Silhouette tends to prefer few types, the gap statistic more; the whole
        table is in ``selection``.
    n_bootstrap : int, default 100
        Bootstrap samples for the stability; 0 skips it.
    n_refs : int, default 20
        Reference data sets of the gap statistic.
    n_init : int, default 10
        Random starts of the randomised methods.
    threshold : float, default 0.5
        Minimum absolute z-value for an indicator to enter a type's description.
    labels : mapping, optional
        Readable names of the indicators (default: catalogue labels).
    language : {"de", "en"}, default "de"

    Returns
    -------
    TypologyResult

    Raises
    ------
    InputError
        Unknown method or column, missing values (naming the areas), too few areas
        for k, non-positive weights, weights with ``method="gmm"``.

    Warns
    -----
    MethodWarning
        If the gap statistic finds no cluster structure (k = 1), or a type is
        unstable (mean Jaccard < 0.6).

    References
    ----------
    Ward, J. H. (1963). Hierarchical grouping to optimize an objective function.
    *JASA* 58(301), 236-244. doi:10.1080/01621459.1963.10500845

    Tibshirani, R., Walther, G. & Hastie, T. (2001). doi:10.1111/1467-9868.00293

    Hennig, C. (2007). doi:10.1016/j.csda.2006.11.025

    Park, H.-S. & Jun, C.-H. (2009). A simple and fast algorithm for K-medoids
    clustering. *Expert Systems with Applications* 36(2), 3336-3341.
    doi:10.1016/j.eswa.2008.01.039

    Examples
    --------
    >>> from sozplan.datasets import load_musterstadt, load_truth
    >>> truth = load_truth()["types"]
    >>> pa = load_musterstadt("planning_area").loc[list(truth["labels"])]
    >>> t = typology(pa, truth["columns"], n_clusters=4, n_bootstrap=20, rng=0)
    >>> t.n_clusters, len(t.labels) == len(pa)
    (4, True)
    >>> bool(t.stable.all())
    True
    """
    where = "typology"
    _check_typology_options(method, select_by, language, where)
    n_bootstrap = check_draws(n_bootstrap, arg="n_bootstrap", where=where, minimum=0, example=100)
    n_refs = check_draws(n_refs, arg="n_refs", where=where, minimum=1, example=20)
    values = indicator_values(df, columns, where=where)
    cols = list(values.columns)
    x = values.to_numpy(dtype=float)
    n = len(x)
    w = population_values(df, population, where=where, arg="population")
    if w is not None and method == "gmm":
        raise fail(
            where,
            "`weights` cannot be used with method='gmm' (EM without case weights)",
            "use method='kmeans', 'ward' or 'kmedoids' for a population-weighted typology",
        )
    gen = check_rng(rng, where=where)
    wx = np.ones(n) if w is None else w
    mean, sd = weighted_mean_std(x, wx)
    const = [c for c, s in zip(cols, sd, strict=True) if s <= 1e-12]
    if const:
        raise fail(
            where,
            f"the indicator(s) {format_values(const)} are constant",
            "leave them out of `columns`",
        )
    z = (x - mean) / sd
    messages: list[str] = []
    selection = None
    choice: dict[str, Any] = {}
    if n_clusters is None:
        n_clusters, selection, choice = _choose_n_clusters(
            z, n_clusters_range, method, w, n_refs, gen, n_init, select_by, messages
        )
    else:
        _check_n_clusters(n_clusters, n, where)
    n_clusters = int(n_clusters)
    est = TypologyClusterer(
        n_clusters,
        method=method,
        standardize=True,
        n_init=n_init,
        random_state=int(gen.integers(2**31 - 1)),
    )
    est.fit(x, sample_weight=w)
    raw = est.labels_
    # number types by size (population if weighted), largest first
    size = pd.Series(wx).groupby(raw).sum()
    order = size.sort_values(ascending=False, kind="stable").index
    relabel = {int(r): i + 1 for i, r in enumerate(order)}
    lab = np.array([relabel[int(r)] for r in raw])
    labels_s = pd.Series(lab, index=df.index, name="typ", dtype="int64")
    types = pd.Index(range(1, n_clusters + 1), name="typ")
    grp = pd.Series(wx, index=df.index)
    profiles = _profiles(x, wx, lab, types, cols)
    z_profiles = (profiles - mean) / sd
    names = indicator_labels(cols, labels, language)
    desc = pd.Series(
        [
            describe_profile(
                z_profiles.loc[t].rename(names), threshold=threshold, language=language
            )
            for t in types
        ],
        index=types,
        name="beschreibung" if language == "de" else "description",
    )
    sizes = pd.DataFrame({"n_areas": labels_s.value_counts().reindex(types, fill_value=0)})
    sizes["share_areas"] = sizes["n_areas"] / n
    if w is not None:
        sizes["population"] = grp.groupby(lab).sum().reindex(types).to_numpy()
        sizes["share_population"] = sizes["population"] / grp.sum()
    stability = None
    if n_bootstrap:
        stability = _stability(z, lab, types, method, w, n_bootstrap, gen, n_init, language)
        unstable = stability.index[stability["jaccard_mean"] < 0.6].tolist()
        if unstable:
            msg = (
                f"type(s) {format_values(unstable)} are unstable under bootstrap "
                "(mean Jaccard < 0.6, "
                "Hennig 2007): do not interpret their members"
            )
            messages.append(msg)
            warnings.warn(f"typology: {msg}", MethodWarning, stacklevel=2)
    return TypologyResult(
        labels=labels_s,
        n_clusters=n_clusters,
        method=method,
        columns=tuple(cols),
        profiles=profiles,
        z_profiles=z_profiles,
        descriptions=desc,
        sizes=sizes,
        stability=stability,
        selection=selection,
        k_choice=choice,
        estimator=est,
        weighted=w is not None,
        indicator_labels=names,
        warnings=tuple(messages),
        _relabel=relabel,
    )
