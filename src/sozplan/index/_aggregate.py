"""Aggregation of normalised indicators into one index."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from sozplan.checks import (
    check_array,
    check_columns,
    check_frame,
    check_no_nan,
    check_unique_index,
    fail,
    format_values,
)
from sozplan.index._weights import _matrix_and_weights, check_weights

__all__ = ["AGGREGATIONS", "aggregate", "aggregate_matrix", "copeland"]

AGGREGATIONS = ("sum", "mean", "geometric", "harmonic", "generalised", "copeland")
_P = {"mean": 1.0, "geometric": 0.0, "harmonic": -1.0}


def copeland(X: np.ndarray, weights: np.ndarray, *, chunk: int = 256) -> np.ndarray:
    r"""Copeland scores: weighted pairwise majority wins minus losses.

    .. math::

        C_i = \sum_{j \ne i} \operatorname{sign}\Big(\sum_k w_k
              \operatorname{sign}(x_{ik} - x_{jk})\Big)

    A non-compensatory aggregation (a bad value on one indicator cannot be offset by
    a good one elsewhere). :math:`O(n^2 K)`, computed in chunks of rows.

    References
    ----------
    Munda, G., Nardo, M. (2009): Noncompensatory/nonlinear composite indicators for
    ranking countries: a defensible setting, Applied Economics 41(12), 1513-1523,
    doi:10.1080/00036840601019364.

    Examples
    --------
    >>> import numpy as np
    >>> copeland(np.array([[1., 1.], [2., 0.], [3., 3.]]), np.array([.5, .5])).tolist()
    [-1.0, -1.0, 2.0]
    """
    X, weights = _matrix_and_weights(X, weights, "copeland")
    n = X.shape[0]
    out = np.empty(n)
    for start in range(0, n, chunk):
        block = X[start : start + chunk]
        s = np.sign(block[:, None, :] - X[None, :, :]) @ weights
        out[start : start + chunk] = np.sign(np.round(s, 12)).sum(axis=1)
    return out


def aggregate_matrix(
    X: np.ndarray, W: np.ndarray, method: str = "mean", *, p: float | None = None
) -> np.ndarray:
    """Aggregate an (n, K) matrix with R weight vectors (R, K) at once -> (n, R).

    Vectorised core of :func:`aggregate` and :func:`~sozplan.index.uncertainty`;
    weights are used as given (the caller scales them).

    Parameters
    ----------
    X : ndarray (n, K)
        Normalised indicators.
    W : ndarray (R, K)
        One weight vector per row.
    method : str, default "mean"
        See :func:`aggregate`.
    p : float, optional
        Exponent of the generalised mean.

    Returns
    -------
    ndarray (n, R)

    Examples
    --------
    >>> X = np.array([[1.0, 4.0], [2.0, 2.0]])
    >>> aggregate_matrix(X, np.array([[0.5, 0.5], [1.0, 0.0]]), "geometric").tolist()
    [[2.0, 1.0], [2.0, 2.0]]
    """
    X = check_array(X, arg="X", where="aggregate_matrix", ndim=2)
    W = check_array(W, arg="W", where="aggregate_matrix", ndim=2)
    if W.shape[1] != X.shape[1]:
        raise fail(
            "aggregate_matrix",
            f"`X` has {X.shape[1]} column(s) but the weight vectors of `W` {W.shape[1]}",
            "pass W of shape (R, K): one weight per indicator in each row",
        )
    return _aggregate(X, W, method, p)


def _aggregate(X: np.ndarray, W: np.ndarray, method: str, p: float | None) -> np.ndarray:
    """:func:`aggregate_matrix` without the input checks (for callers that checked)."""
    if method == "sum":
        return X @ W.T
    if method == "copeland":
        return np.column_stack([copeland(X, w) for w in W])
    sw = W.sum(axis=1)
    q = p if method == "generalised" else _P.get(method)
    if q is None:
        raise fail(
            "aggregate", f"`method` is {method!r}", f"use one of {format_values(AGGREGATIONS)}"
        )
    if q == 1:
        return (X @ W.T) / sw
    if q == 0:
        return np.exp((np.log(X) @ W.T) / sw)
    return ((X**q) @ W.T / sw) ** (1 / q)


def aggregate(
    df: pd.DataFrame,
    columns: Sequence[Hashable],
    weights: Mapping[Hashable, float] | Sequence[float] | None = None,
    *,
    method: str = "mean",
    p: float | None = None,
    restandardize: bool = False,
    ddof: float = 0,
    name: str = "index",
) -> pd.Series:
    r"""Aggregate normalised indicators into an index.

    With weights :math:`w_k` (scaled to sum 1, except for ``"sum"`` where they are
    used as given; equal weights 1 then give the plain sum):

    - ``"sum"``: :math:`\sum_k w_k x_k`; ``"mean"``: :math:`\sum_k w_k x_k`;
    - ``"geometric"``: :math:`\prod_k x_k^{w_k}` (needs :math:`x > 0`);
    - ``"harmonic"``: :math:`1 / \sum_k (w_k / x_k)` (needs :math:`x > 0`);
    - ``"generalised"``: :math:`(\sum_k w_k x_k^p)^{1/p}` (power mean; p = 1, 0, -1
      give the three above; p <= 0 needs :math:`x > 0`);
    - ``"copeland"``: pairwise weighted majority (:func:`copeland`).

    Parameters
    ----------
    df : DataFrame
        Normalised indicators (same direction: higher = worse).
    columns : list of str
    weights : dict, Series or sequence, optional
        Default equal weights.
    method : str, default "mean"
    p : float, optional
        Exponent of the generalised mean.
    restandardize : bool, default False
        z-standardise the result (:math:`(y - \bar y)/s_y`, divisor n - ddof), as the
        MSS does with its status sum.
    ddof : float, default 0
    name : str, default "index"

    Returns
    -------
    Series on the input index.

    References
    ----------
    OECD/JRC (2008): Handbook on Constructing Composite Indicators, Section 6,
    doi:10.1787/9789264043466-en.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1.0, 4.0], "b": [4.0, 1.0]}, index=["x", "y"])
    >>> aggregate(df, ["a", "b"], method="geometric").tolist()
    [2.0, 2.0]
    >>> aggregate(df, ["a", "b"], {"a": 3, "b": 1}, method="mean").tolist()
    [1.75, 3.25]
    """
    where = "aggregate"
    check_frame(df, where=where)
    check_unique_index(df, where=where)
    cols = check_columns(df, columns, where=where)
    check_no_nan(df, cols, where=where)
    if method not in AGGREGATIONS:
        raise fail(where, f"`method` is {method!r}", f"use one of {format_values(AGGREGATIONS)}")
    if method == "generalised" and (p is None or not np.isfinite(p)):
        raise fail(where, "method 'generalised' needs the exponent `p`", "pass p=..., e.g. p=0.5")
    w = check_weights(weights, cols, where=where, normalize=method != "sum")
    if method == "sum" and weights is None:
        w[:] = 1.0
    X = df[cols].to_numpy(dtype=float)
    q = float(p) if method == "generalised" and p is not None else _P.get(method, 1.0)
    if method in ("geometric", "harmonic") or (method == "generalised" and q <= 0):
        bad = (X <= 0).any(axis=1)
        if bad.any():
            raise fail(
                where,
                f"method {method!r} needs positive values, but {int(bad.sum())} area(s) have "
                f"values <= 0: {format_values(df.index[bad])}",
                "normalise to a positive range first (e.g. min-max with scale, plus an offset, or "
                "goalposts) or use method='mean'",
            )
    y = _aggregate(X, w.to_numpy()[None, :], method, p)[:, 0]
    if restandardize:
        sd = y.std(ddof=ddof)
        if not sd > 0:
            raise fail(
                where, "the aggregated index is constant", "check the indicators and weights"
            )
        y = (y - y.mean()) / sd
    return pd.Series(y, index=df.index, name=name)
