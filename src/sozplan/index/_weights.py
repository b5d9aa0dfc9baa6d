"""Weights of composite indices: equal, manual, PCA/factor-based, and for target importances."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from sozplan._core.frozen import immutable
from sozplan._core.html import frame_table
from sozplan.checks import (
    check_array,
    check_columns,
    check_frame,
    check_no_nan,
    fail,
    format_values,
)

__all__ = [
    "FactorWeights",
    "ImportanceWeights",
    "check_weights",
    "equal_weights",
    "importance",
    "pca_weights",
    "weights_for_importance",
]


def equal_weights(columns: Sequence[Hashable]) -> pd.Series:
    """Equal weights summing to 1.

    Examples
    --------
    >>> equal_weights(["a", "b", "c", "d"]).tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    cols = list(columns)
    return pd.Series(np.full(len(cols), 1 / len(cols)), index=pd.Index(cols), name="weight")


def check_weights(
    weights: Mapping[Hashable, float] | Sequence[float] | pd.Series | None,
    columns: Sequence[Hashable],
    *,
    where: str = "weights",
    normalize: bool = True,
) -> pd.Series:
    """Validate manual weights (one non-negative number per indicator) and scale them to sum 1.

    Parameters
    ----------
    weights : dict, Series, sequence or None
        None gives equal weights; a mapping must name every indicator exactly.
    columns : list of str
    normalize : bool, default True
        Scale to sum 1.

    Returns
    -------
    Series indexed by the columns.

    Examples
    --------
    >>> check_weights({"a": 2, "b": 1, "c": 1}, ["a", "b", "c"]).tolist()
    [0.5, 0.25, 0.25]
    """
    cols = list(columns)
    if weights is None:
        return equal_weights(cols)
    if isinstance(weights, Mapping | pd.Series):
        keys = list(weights.keys())
        unknown = [k for k in keys if k not in cols]
        missing = [c for c in cols if c not in keys]
        if unknown or missing:
            parts = []
            if unknown:
                parts.append(f"unknown indicator(s) {format_values(unknown)}")
            if missing:
                parts.append(f"no weight for {format_values(missing)}")
            raise fail(
                where,
                f"`weights` do not match the indicators: {'; '.join(parts)}",
                "give exactly one weight per indicator",
            )
        w = np.array([float(weights[c]) for c in cols])
    else:
        w = np.asarray(weights, dtype=float).ravel()
        if len(w) != len(cols):
            raise fail(
                where,
                f"`weights` has {len(w)} entries for {len(cols)} indicators",
                "give exactly one weight per indicator",
            )
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise fail(
            where,
            f"`weights` must be non-negative finite numbers with a positive sum, got {w.tolist()}",
            "pass e.g. {'alq': 2, 'sgb2': 1}",
        )
    if normalize:
        w = w / w.sum()
    return pd.Series(w, index=pd.Index(cols), name="weight")


def _varimax(loadings: np.ndarray, *, tol: float = 1e-8, max_iter: int = 500) -> np.ndarray:
    """Kaiser's varimax rotation of a loading matrix (p x m)."""
    p, m = loadings.shape
    if m < 2:
        return loadings.copy()
    rot = np.eye(m)
    d_old = 0.0
    for _ in range(max_iter):
        lam = loadings @ rot
        u, s, vt = np.linalg.svd(loadings.T @ (lam**3 - lam @ np.diag((lam**2).sum(axis=0)) / p))
        rot = u @ vt
        d = s.sum()
        if d_old != 0 and d / d_old < 1 + tol:
            break
        d_old = d
    return loadings @ rot


@immutable
@dataclass(frozen=True, repr=False)
class FactorWeights:
    """Result of :func:`pca_weights`.

    Attributes
    ----------
    weights : Series
        Weights summing to 1.
    loadings : DataFrame
        Rotated loadings of the retained factors.
    explained_variance_ratio : Series
        Share of variance of every principal component (unrotated).
    factor : Series
        Factor each indicator was assigned to.
    n_factors : int
    """

    weights: pd.Series
    loadings: pd.DataFrame
    explained_variance_ratio: pd.Series
    factor: pd.Series
    n_factors: int

    def to_frame(self) -> pd.DataFrame:
        """Weights, assigned factor and rotated loadings per indicator."""
        return pd.concat([self.weights, self.factor.rename("factor"), self.loadings], axis=1)

    def __repr__(self) -> str:
        return f"FactorWeights({self.n_factors} factor(s))\n{self.weights.round(4).to_string()}"

    def _repr_html_(self) -> str:
        return f"<b>FactorWeights</b> ({self.n_factors} factor(s))" + frame_table(self.to_frame())


def pca_weights(
    df: pd.DataFrame,
    columns: Sequence[Hashable],
    *,
    min_eigenvalue: float = 1.0,
    min_share: float = 0.10,
    min_cumulative: float = 0.60,
    rotate: bool = True,
) -> FactorWeights:
    r"""Weights from principal components with varimax rotation (OECD/JRC 2008, step 6).

    Components of the correlation matrix are retained while their eigenvalue is at
    least ``min_eigenvalue`` and they explain at least ``min_share`` of the variance,
    and in any case until ``min_cumulative`` of the variance is explained. The retained
    loadings are varimax-rotated, squared and scaled to sum 1 within each factor; each
    indicator is assigned to the factor where its scaled squared loading is largest
    and weighted by it times the factor's share of explained variance:

    .. math:: w_k = \frac{\lambda^2_{k f(k)}}{\sum_j \lambda^2_{j f(k)}} \cdot
              \frac{V_{f(k)}}{\sum_f V_f}, \quad\text{then scaled to } \sum_k w_k = 1.

    References
    ----------
    OECD/JRC (2008): Handbook on Constructing Composite Indicators, pp. 89-91,
    doi:10.1787/9789264043466-en. Kaiser, H. F. (1958): The varimax criterion for
    analytic rotation in factor analysis, Psychometrika 23, 187-200, doi:10.1007/BF02289233.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> f, g = rng.normal(size=(2, 200))
    >>> e = rng.normal(0, .3, size=(4, 200))
    >>> df = pd.DataFrame({"a": f + e[0], "b": f + e[1], "c": g + e[2], "d": g + e[3]})
    >>> fw = pca_weights(df, ["a", "b", "c", "d"])
    >>> fw.n_factors, fw.factor.tolist()
    (2, ['F2', 'F2', 'F1', 'F1'])
    >>> fw.weights.round(1).tolist()
    [0.2, 0.2, 0.3, 0.3]
    """
    where = "pca_weights"
    check_frame(df, where=where)
    cols = check_columns(df, columns, where=where)
    if len(cols) < 2:
        raise fail(
            where,
            "`columns` names fewer than 2 indicators",
            "PCA weights need at least 2 indicators",
        )
    check_no_nan(df, cols, where=where)
    X = df[cols].to_numpy(dtype=float)
    if len(X) < 3:
        raise fail(
            where,
            f"`df` has {len(X)} row(s); correlations between indicators need at least 3 areas",
            "pass all areas of the city (PCA weights need many more areas than indicators)",
        )
    sd = X.std(axis=0, ddof=1)
    if np.any(sd == 0):
        raise fail(
            where,
            f"indicator(s) {format_values([c for c, s in zip(cols, sd, strict=True) if s == 0])} "
            "are constant",
            "drop constant indicators",
        )
    corr = np.corrcoef(X, rowvar=False)
    eigval, eigvec = np.linalg.eigh(corr)
    order = np.argsort(eigval)[::-1]
    eigval, eigvec = eigval[order], eigvec[:, order]
    share = eigval / eigval.sum()
    m = 0
    while m < len(eigval) and (
        (eigval[m] >= min_eigenvalue and share[m] >= min_share) or share[:m].sum() < min_cumulative
    ):
        m += 1
    m = max(m, 1)
    load = eigvec[:, :m] * np.sqrt(np.maximum(eigval[:m], 0))
    if rotate:
        load = _varimax(load)
    sq = load**2
    factor_var = sq.sum(axis=0)
    scaled = sq / factor_var
    assign = scaled.argmax(axis=1)
    w = scaled[np.arange(len(cols)), assign] * factor_var[assign] / factor_var.sum()
    w = w / w.sum()
    names = [f"F{j + 1}" for j in range(m)]
    return FactorWeights(
        weights=pd.Series(w, index=pd.Index(cols), name="weight"),
        loadings=pd.DataFrame(load, index=pd.Index(cols), columns=names),
        explained_variance_ratio=pd.Series(
            share, index=[f"PC{j + 1}" for j in range(len(share))], name="explained_variance_ratio"
        ),
        factor=pd.Series(np.asarray(names)[assign], index=pd.Index(cols), name="factor"),
        n_factors=m,
    )


def _matrix_and_weights(X: object, weights: object, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Return indicators (n, K) and weights (K,) as finite float arrays of matching width."""
    X = check_array(X, arg="X", where=where, ndim=2)
    weights = check_array(weights, arg="weights", where=where, ndim=1)
    if X.shape[1] != len(weights):
        raise fail(
            where,
            f"`X` has {X.shape[1]} column(s) but `weights` {len(weights)} value(s)",
            "pass one weight per indicator column",
        )
    return X, weights


def importance(X: np.ndarray, weights: np.ndarray) -> np.ndarray:
    r"""Main-effect importance of each indicator in a weighted arithmetic mean.

    The squared Pearson correlation of indicator and index, normalised to sum 1 (the
    first-order sensitivity index of a linear model, Becker et al. 2017).

    Parameters
    ----------
    X : ndarray (n, K)
        Normalised indicators.
    weights : ndarray (K,)

    Returns
    -------
    ndarray (K,)
        Importances summing to 1.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 2)) * [1.0, 3.0]  # equal weights, unequal spread
    >>> importance(X, np.array([0.5, 0.5])).round(1).tolist()
    [0.1, 0.9]
    """
    X, weights = _matrix_and_weights(X, weights, "importance")
    if len(X) < 2:
        raise fail("importance", f"`X` has {len(X)} row(s)", "pass at least two areas")
    constant = np.flatnonzero(np.ptp(X, axis=0) == 0)
    if len(constant):
        raise fail(
            "importance",
            f"column(s) {format_values(constant)} of `X` are constant: their correlation with "
            "the index is undefined",
            "leave constant indicators out",
        )
    y = X @ weights
    Xc = X - X.mean(axis=0)
    yc = y - y.mean()
    r = (Xc * yc[:, None]).sum(axis=0) / np.sqrt((Xc**2).sum(axis=0) * (yc**2).sum())
    r2 = r**2
    return r2 / r2.sum()


@immutable
@dataclass(frozen=True, repr=False)
class ImportanceWeights:
    """Result of :func:`weights_for_importance`."""

    weights: pd.Series
    target: pd.Series
    achieved: pd.Series
    converged: bool

    def to_frame(self) -> pd.DataFrame:
        """Weights, target and achieved importance per indicator."""
        return pd.concat(
            [self.weights, self.target.rename("target"), self.achieved.rename("achieved")], axis=1
        )

    def __repr__(self) -> str:
        table = self.to_frame().round(4).to_string()
        return f"ImportanceWeights(converged={self.converged})\n{table}"

    def _repr_html_(self) -> str:
        return f"<b>ImportanceWeights</b> converged={self.converged}" + frame_table(
            self.to_frame()
        )


def weights_for_importance(
    df: pd.DataFrame, columns: Sequence[Hashable], target=None
) -> ImportanceWeights:
    r"""Weights under which each indicator has a target importance in the index.

    Nominal weights are not importances: with correlated indicators of different
    spread, an indicator weighted 1/3 may explain far more or less than a third of the
    index. This finds non-negative weights (sum 1) whose importances
    :math:`S_k = r^2(x_k, y) / \sum_j r^2(x_j, y)` in the weighted mean
    :math:`y = \sum_k w_k x_k` are as close as possible (least squares) to ``target``
    (default equal importance). Use it on normalised indicators.

    References
    ----------
    Becker, W., Saisana, M., Paruolo, P., Vandecasteele, I. (2017): Weights and
    importance in composite indicators: closing the gap, Ecological Indicators 80,
    12-22, doi:10.1016/j.ecolind.2017.03.056.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame(rng.normal(size=(300, 3)) * [1, 1, 1], columns=list("abc"))
    >>> res = weights_for_importance(df, list("abc"), {"a": .5, "b": .25, "c": .25})
    >>> bool(np.allclose(res.achieved, [.5, .25, .25], atol=1e-3))
    True
    """
    where = "weights_for_importance"
    check_frame(df, where=where)
    cols = check_columns(df, columns, where=where)
    check_no_nan(df, cols, where=where)
    X = df[cols].to_numpy(dtype=float)
    if np.any(X.std(axis=0) == 0):
        raise fail(where, "an indicator is constant", "drop constant indicators")
    tgt = check_weights(target, cols, where=where).to_numpy()

    def unpack(theta):
        e = np.exp(theta - theta.max())
        return e / e.sum()

    def loss(theta):
        return float(((importance(X, unpack(theta)) - tgt) ** 2).sum())

    start = np.log(np.maximum(tgt, 1e-6))
    res = optimize.minimize(
        loss,
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000 * len(cols)},
    )
    res = optimize.minimize(loss, res.x, method="BFGS", options={"gtol": 1e-10})
    w = unpack(res.x)
    achieved = importance(X, w)
    return ImportanceWeights(
        weights=pd.Series(w, index=pd.Index(cols), name="weight"),
        target=pd.Series(tgt, index=pd.Index(cols), name="target"),
        achieved=pd.Series(achieved, index=pd.Index(cols), name="achieved"),
        converged=bool(np.abs(achieved - tgt).max() < 1e-3),
    )
