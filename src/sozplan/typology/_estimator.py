"""The scikit-learn estimator behind :func:`sozplan.typology.typology`.

:class:`TypologyClusterer` standardises the features (optionally with frequency
weights, e.g. residents), clusters them with Ward, k-means, a Gaussian mixture or
k-medoids, and labels the clusters canonically (by the lexicographic order of their
centres), so that the same data in another row order gives the same labels.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
)
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.mixture import GaussianMixture
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from sozplan._core.stats import weighted_mean_std

__all__ = ["METHODS", "TypologyClusterer"]

#: Below this many rows, fits run single-threaded.
SMALL = 20_000

#: Clustering methods of :class:`TypologyClusterer`.
METHODS = ("ward", "kmeans", "gmm", "kmedoids")


def _weighted_ward(z: np.ndarray, w: np.ndarray, n_clusters: int) -> np.ndarray:
    r"""Ward clustering with frequency weights (Lance-Williams recurrence).

    The cost of merging clusters :math:`a, b` is the increase of the weighted
    within sum of squares, :math:`\Delta_{ab} = \frac{w_a w_b}{w_a + w_b}
    \lVert c_a - c_b \rVert^2`, updated by
    :math:`\Delta_{k,a\cup b} = \frac{(w_a+w_k)\Delta_{ka} + (w_b+w_k)\Delta_{kb}
    - w_k \Delta_{ab}}{w_a+w_b+w_k}` (Lance & Williams 1967). Each row keeps its
    minimum, so a merge costs O(n) unless a row's minimum has to be recomputed.
    Zero weights are allowed (such points join their nearest cluster at no cost).
    """
    n = len(z)
    w = w.astype(float).copy()
    sq = (z**2).sum(axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * z @ z.T, 0.0)
    wsum = w[:, None] + w[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        cost = np.where(wsum > 0, (w[:, None] * w[None, :]) / wsum, 0.0) * d2
    np.fill_diagonal(cost, np.inf)
    active = np.ones(n, dtype=bool)
    parent = np.arange(n)
    row_arg = cost.argmin(axis=1)
    row_min = cost[np.arange(n), row_arg]
    for _ in range(n - n_clusters):
        rm = np.where(active, row_min, np.inf)
        a = int(rm.argmin())
        b = int(row_arg[a])
        a, b = min(a, b), max(a, b)
        wa, wb = w[a], w[b]
        dab = cost[a, b]
        wk = w
        denom = wa + wb + wk
        with np.errstate(invalid="ignore", divide="ignore"):
            new = np.where(
                denom > 0,
                ((wa + wk) * cost[:, a] + (wb + wk) * cost[:, b] - wk * dab) / denom,
                0.0,
            )
        new = np.maximum(new, 0.0)
        new[~active] = np.inf
        new[a] = np.inf
        new[b] = np.inf
        cost[:, a] = new
        cost[a, :] = new
        cost[:, b] = np.inf
        cost[b, :] = np.inf
        active[b] = False
        parent[parent == b] = a
        w[a] = wa + wb
        # refresh row minima touched by the merge
        stale = active & ((row_arg == a) | (row_arg == b))
        stale[a] = True
        for r in np.flatnonzero(stale):
            row_arg[r] = int(cost[r].argmin())
            row_min[r] = cost[r, row_arg[r]]
        better = active & (new < row_min)
        row_min[better] = new[better]
        row_arg[better] = a
    _, labels = np.unique(parent, return_inverse=True)
    return labels


def _kmedoids(
    z: np.ndarray,
    w: np.ndarray,
    n_clusters: int,
    rng: np.random.Generator,
    n_init: int,
    max_iter: int,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Weighted k-medoids, alternating algorithm (Park & Jun 2009) with k-medoids++ starts.

    Returns medoid row positions, labels and the cost (weighted sum of Euclidean
    distances to the medoid).
    """
    n = len(z)
    best: tuple[np.ndarray, np.ndarray, float] | None = None
    p_base = w / w.sum() if w.sum() > 0 else np.full(n, 1.0 / n)
    for _ in range(max(1, n_init)):
        medoids = [int(rng.choice(n, p=p_base))]
        dmin = np.linalg.norm(z - z[medoids[0]], axis=1)
        while len(medoids) < n_clusters:
            p = w * dmin**2
            if p.sum() <= 0:
                candidates = np.setdiff1d(np.arange(n), medoids)
                nxt = int(rng.choice(candidates))
            else:
                nxt = int(rng.choice(n, p=p / p.sum()))
            medoids.append(nxt)
            dmin = np.minimum(dmin, np.linalg.norm(z - z[nxt], axis=1))
        med = np.array(medoids)
        for _ in range(max_iter):
            dist = np.linalg.norm(z[:, None, :] - z[med][None, :, :], axis=2)
            labels = dist.argmin(axis=1)
            new = med.copy()
            for c in range(n_clusters):
                members = np.flatnonzero(labels == c)
                if len(members) == 0:
                    continue
                sub = z[members]
                within = np.linalg.norm(sub[:, None, :] - sub[None, :, :], axis=2)
                new[c] = members[int((within * w[members][:, None]).sum(axis=0).argmin())]
            if np.array_equal(np.sort(new), np.sort(med)):
                break
            med = new
        dist = np.linalg.norm(z[:, None, :] - z[med][None, :, :], axis=2)
        labels = dist.argmin(axis=1)
        cost = float((w * dist[np.arange(n), labels]).sum())
        if best is None or cost < best[2] - 1e-12:
            best = (med, labels, cost)
    assert best is not None
    return best


class TypologyClusterer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator
):
    r"""Standardise and cluster areas into types (scikit-learn estimator).

    Parameters
    ----------
    n_clusters : int, default 4
        Number of types.
    method : {"ward", "kmeans", "gmm", "kmedoids"}, default "ward"
        * ``"ward"``: agglomerative clustering minimising the within sum of squares
          (Ward 1963); with ``sample_weight`` a weighted Lance-Williams recurrence;
        * ``"kmeans"``: k-means (Lloyd) with k-means++ starts, weighted if asked;
        * ``"gmm"``: Gaussian mixture (EM), hard assignment to the most probable
          component; no sample weights;
        * ``"kmedoids"``: k-medoids (alternating algorithm, Park & Jun 2009) on
          Euclidean distances; every type is represented by a real area.
    standardize : bool, default True
        z-standardise each feature, :math:`z = (x - \bar x_w) / s_w`, with the
        (weighted) mean and standard deviation (divisor :math:`\sum w`). Constant
        features get scale 1.
    n_init : int, default 10
        Random starts for k-means, GMM and k-medoids.
    max_iter : int, default 300
        Iterations per start.
    covariance_type : {"full", "tied", "diag", "spherical"}, default "full"
        For ``method="gmm"``.
    random_state : int, Generator or None, default None
        Seed for the random starts.

    Attributes
    ----------
    labels_ : ndarray of int, shape (n_samples,)
        Type of each training row, 0 .. n_clusters-1, numbered by the
        lexicographic order of the standardised type centres (independent of the
        row order).
    cluster_centers_ : ndarray, shape (n_clusters, n_features)
        Type centres in the original units (weighted means; medoids for k-medoids;
        component means for GMM).
    cluster_centers_z_ : ndarray, shape (n_clusters, n_features)
        The same in standardised units.
    mean_, scale_ : ndarray, shape (n_features,)
        Standardisation.
    inertia_ : float
        Weighted within sum of squares in standardised units.
    n_iter_ : int
        Iterations of the best start (1 for Ward and k-medoids).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When fitted on a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0, 0], [0, 1], [10, 10], [10, 11]], dtype=float)
    >>> TypologyClusterer(n_clusters=2).fit(X).labels_
    array([0, 0, 1, 1])
    """

    def __init__(
        self,
        n_clusters: int = 4,
        *,
        method: str = "ward",
        standardize: bool = True,
        n_init: int = 10,
        max_iter: int = 300,
        covariance_type: str = "full",
        random_state: Any = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.method = method
        self.standardize = standardize
        self.n_init = n_init
        self.max_iter = max_iter
        self.covariance_type = covariance_type
        self.random_state = random_state

    def _validate_params_(self, n_samples: int) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method={self.method!r} is not one of {METHODS}")
        k = self.n_clusters
        if not isinstance(k, Integral) or isinstance(k, bool) or k < 1:
            raise ValueError(f"n_clusters must be a positive integer, got {k!r}")
        if n_samples < k:
            raise ValueError(f"n_samples={n_samples} should be >= n_clusters={k}.")

    def _seed(self) -> np.random.Generator:
        rs = self.random_state
        if isinstance(rs, np.random.RandomState):
            return np.random.default_rng(rs.randint(2**31 - 1))
        return np.random.default_rng(rs)

    def _z(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean_) / self.scale_

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> TypologyClusterer:
        """Fit the types.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored
        sample_weight : array-like of shape (n_samples,), optional
            Frequency weights, e.g. residents: weighted standardisation and a
            weighted clustering objective. Not supported by ``method="gmm"``.

        Returns
        -------
        self
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=1)
        if X.shape[0] < SMALL:
            # typologies of a few hundred areas gain nothing from threads, and OpenMP
            # threads that spin on a busy machine make k-means 100 times slower
            with threadpool_limits(limits=1):
                return self._fit(X, sample_weight)
        return self._fit(X, sample_weight)

    def _fit(self, X: np.ndarray, sample_weight: Any) -> TypologyClusterer:
        n = X.shape[0]
        self._validate_params_(n)
        weighted = sample_weight is not None
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if weighted and self.method == "gmm":
            raise ValueError(
                "method='gmm' does not support sample_weight; use 'kmeans', 'ward' or 'kmedoids'"
            )
        if sw.sum() <= 0:
            raise ValueError(
                "sample_weight sums to zero; at least one sample needs a positive weight"
            )
        if self.standardize:
            mean, scale = weighted_mean_std(X, sw)
            scale = np.where(scale > 1e-12 * np.maximum(1.0, np.abs(mean)), scale, 1.0)
        else:
            mean, scale = np.zeros(X.shape[1]), np.ones(X.shape[1])
        self.mean_, self.scale_ = mean, scale
        z = self._z(X)
        k = int(self.n_clusters)
        rng = self._seed()
        seed = int(rng.integers(2**31 - 1))
        self._gmm = None
        self.n_iter_ = 1
        if self.method == "ward":
            if k == 1:
                labels = np.zeros(n, dtype=int)
            elif weighted and not np.allclose(sw, sw[0]):
                labels = _weighted_ward(z, sw, k)
            else:
                labels = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(z)
            centers = None
        elif self.method == "kmeans":
            km = KMeans(
                n_clusters=k, n_init=self.n_init, max_iter=self.max_iter, random_state=seed
            )
            labels = km.fit(z, sample_weight=sw).labels_
            self.n_iter_ = int(km.n_iter_)
            centers = None
        elif self.method == "gmm":
            gm = GaussianMixture(
                n_components=k,
                covariance_type=self.covariance_type,
                n_init=self.n_init,
                max_iter=self.max_iter,
                random_state=seed,
            ).fit(z)
            labels = gm.predict(z)
            self.n_iter_ = int(gm.n_iter_)
            self._gmm = gm
            centers = gm.means_
        else:
            med, labels, _ = _kmedoids(z, sw, k, rng, self.n_init, self.max_iter)
            centers = z[med]
        if centers is None:
            centers = np.vstack(
                [
                    np.average(z[labels == c], axis=0, weights=sw[labels == c])
                    if sw[labels == c].sum() > 0
                    else z[labels == c].mean(axis=0)
                    if (labels == c).any()
                    else np.full(z.shape[1], np.nan)
                    for c in range(k)
                ]
            )
        order = np.lexsort(np.round(centers, 10).T[::-1]) if len(centers) > 1 else np.array([0])
        remap = np.empty(k, dtype=int)
        remap[order] = np.arange(k)
        self.labels_ = remap[labels].astype(np.int64)
        self.cluster_centers_z_ = centers[order]
        self.cluster_centers_ = self.cluster_centers_z_ * scale + mean
        self._gmm_order = order
        d = ((z - self.cluster_centers_z_[self.labels_]) ** 2).sum(axis=1)
        self.inertia_ = float((sw * d).sum())
        return self

    def fit_predict(self, X: Any, y: Any = None, sample_weight: Any = None) -> np.ndarray:
        """Fit and return the type of each row (``labels_``)."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def _distances(self, X: np.ndarray) -> np.ndarray:
        z = self._z(X)
        return np.linalg.norm(z[:, None, :] - self.cluster_centers_z_[None, :, :], axis=2)

    def transform(self, X: Any) -> np.ndarray:
        """Euclidean distance of each row to each type centre, in standardised units."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._distances(X)

    def predict(self, X: Any) -> np.ndarray:
        """Assign new rows to the fitted types (nearest centre; GMM: likeliest component)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        if self._gmm is not None:
            raw = self._gmm.predict(self._z(X))
            remap = np.empty(len(self._gmm_order), dtype=int)
            remap[self._gmm_order] = np.arange(len(self._gmm_order))
            return remap[raw].astype(np.int64)
        return self._distances(X).argmin(axis=1).astype(np.int64)

    @property
    def _n_features_out(self) -> int:
        return int(self.n_clusters)
