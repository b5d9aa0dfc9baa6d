"""Outlier treatment, imputation and normalisation, as functions and scikit-learn transformers.

Each learned step follows the scikit-learn contract (``fit`` returns ``self``,
learned attributes end in ``_``, ``get_feature_names_out`` so that
``set_output(transform="pandas")`` and ``Pipeline`` work), and each has a one-call
function on a DataFrame beside it (:func:`treat_outliers`, :func:`impute`,
:func:`standardize`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from sozplan._core.stats import weighted_mean_std
from sozplan.checks import (
    check_columns,
    check_frame,
    check_no_inf,
    check_no_nan,
    check_unique_index,
    fail,
    format_values,
)
from sozplan.errors import InputError
from sozplan.index._common import parse_directions

__all__ = [
    "STANDARDIZATIONS",
    "Imputer",
    "OutlierTreatment",
    "Standardizer",
    "impute",
    "standardize",
    "treat_outliers",
]

STANDARDIZATIONS = ("zscore", "minmax", "goalposts", "rank", "percentile", "distance")
IMPUTATIONS = ("mean", "median", "group_mean", "group_median", "none")


def _validate(est, X, *, reset: bool, allow_nan: bool = False, where: str) -> np.ndarray:
    """scikit-learn validation, re-raised as InputError (a ValueError) with a fix."""
    try:
        return validate_data(
            est,
            X,
            reset=reset,
            dtype=np.float64,
            ensure_all_finite="allow-nan" if allow_nan else True,
        )
    except InputError:
        raise
    except ValueError as exc:
        raise fail(
            where,
            f"`X` is not usable: {exc}",
            "pass a finite numeric table; impute or drop missing values explicitly",
        ) from exc


def _sample_weight(sample_weight, n: int, where: str) -> np.ndarray:
    if sample_weight is None:
        return np.ones(n)
    w = np.asarray(sample_weight, dtype=float)
    if w.ndim != 1 or w.shape[0] != n:
        raise fail(
            where,
            f"`sample_weight` has shape {w.shape}, expected ({n},)",
            "pass one weight (e.g. population) per row of X",
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise fail(
            where,
            "`sample_weight` has negative, missing or infinite values",
            "pass non-negative finite weights",
        )
    if w.sum() <= 0:
        raise fail(
            where,
            "every `sample_weight` is zero (the weights sum to 0)",
            "give at least one row a positive weight",
        )
    return w


# --------------------------------------------------------------------------------------
# outlier treatment
# --------------------------------------------------------------------------------------
def _skew_kurt(x: np.ndarray) -> tuple[float, float]:
    if len(x) < 4 or np.ptp(x) == 0:
        return 0.0, 0.0
    return float(stats.skew(x, bias=False)), float(stats.kurtosis(x, bias=False))


class OutlierTreatment(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    r"""Winsorise up to ``winmax`` points per indicator, else log-transform (the COINr rule).

    An indicator is treated if :math:`|\mathrm{skew}| > 2` and (excess)
    :math:`\mathrm{kurtosis} > 3.5` (OECD/JRC 2008; COINr defaults). The most extreme
    value on the skewed side is set to the next value, one at a time, until the
    criterion is met or ``winmax`` values were changed. If that fails, the
    winsorising is undone and the indicator is log-transformed instead,
    :math:`\log(x - \min x + (\max x - \min x)/100)` (reflected for negative skew, so
    the direction is kept).

    Parameters
    ----------
    winmax : int, default 5
        Largest number of points to winsorise per indicator.
    skew_threshold : float, default 2.0
    kurtosis_threshold : float, default 3.5
    log_fallback : bool, default True
        Log-transform when winsorising does not suffice (else keep the winsorised values).

    Attributes
    ----------
    lower_, upper_ : ndarray
        Clip bounds learned per indicator (winsorising).
    log_ : ndarray of int
        0 no log, 1 log transform, -1 reflected log transform.
    n_winsorised_ : ndarray of int
    skew_, kurtosis_ : ndarray
        Before treatment.
    offset_ : ndarray
        Constants of the log transform (learned minimum / maximum and 1 % of the range).

    References
    ----------
    OECD/JRC (2008): Handbook on Constructing Composite Indicators, doi:10.1787/9789264043466-en.
    Becker, W. et al. (2022): COINr: An R package for developing composite indicators,
    Journal of Open Source Software 7(78), 4567, doi:10.21105/joss.04567.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.r_[np.arange(1.0, 21.0), 500.0].reshape(-1, 1)
    >>> ot = OutlierTreatment().fit(x)
    >>> int(ot.n_winsorised_[0]), float(ot.upper_[0])
    (1, 20.0)
    """

    def __init__(
        self,
        winmax: int = 5,
        skew_threshold: float = 2.0,
        kurtosis_threshold: float = 3.5,
        log_fallback: bool = True,
    ):
        self.winmax = winmax
        self.skew_threshold = skew_threshold
        self.kurtosis_threshold = kurtosis_threshold
        self.log_fallback = log_fallback

    def _bad(self, sk: float, ku: float) -> bool:
        return abs(sk) > self.skew_threshold and ku > self.kurtosis_threshold

    def fit(self, X, y=None):
        """Learn clip bounds or log transforms per column."""
        where = "OutlierTreatment.fit"
        if not (isinstance(self.winmax, int | np.integer) and self.winmax >= 0):
            raise fail(where, f"`winmax` is {self.winmax!r}", "pass a whole number >= 0")
        X = _validate(self, X, reset=True, where=where)
        k = X.shape[1]
        self.lower_ = X.min(axis=0).astype(float)
        self.upper_ = X.max(axis=0).astype(float)
        self.log_ = np.zeros(k, dtype=int)
        self.n_winsorised_ = np.zeros(k, dtype=int)
        self.skew_ = np.zeros(k)
        self.kurtosis_ = np.zeros(k)
        self.offset_ = np.zeros((k, 3))
        for j in range(k):
            x = X[:, j].copy()
            sk, ku = _skew_kurt(x)
            self.skew_[j], self.kurtosis_[j] = sk, ku
            if not self._bad(sk, ku):
                continue
            xs = np.sort(x)
            n = len(xs)
            lo_i, hi_i = 0, n - 1
            ok = False
            for step in range(1, int(self.winmax) + 1):
                if sk > 0:
                    hi_i -= 1
                else:
                    lo_i += 1
                if lo_i >= hi_i:
                    break
                xc = np.clip(x, xs[lo_i], xs[hi_i])
                sk2, ku2 = _skew_kurt(xc)
                if not self._bad(sk2, ku2):
                    ok = True
                    self.n_winsorised_[j] = step
                    self.lower_[j], self.upper_[j] = xs[lo_i], xs[hi_i]
                    break
            if not ok:
                if self.log_fallback:
                    self.log_[j] = 1 if sk > 0 else -1
                    self.offset_[j] = [xs[0], xs[-1], (xs[-1] - xs[0]) / 100]
                else:
                    self.n_winsorised_[j] = min(int(self.winmax), n - 1)
                    self.lower_[j], self.upper_[j] = xs[lo_i], xs[hi_i]
        return self

    def transform(self, X):
        """Clip to the learned bounds or log-transform."""
        check_is_fitted(self)
        X = _validate(self, X, reset=False, where="OutlierTreatment.transform")
        out = X.astype(float, copy=True)
        for j in range(out.shape[1]):
            if self.log_[j] == 0:
                out[:, j] = np.clip(out[:, j], self.lower_[j], self.upper_[j])
            else:
                lo, hi, eps = self.offset_[j]
                if self.log_[j] > 0:
                    out[:, j] = np.log(np.maximum(out[:, j] - lo, 0) + eps)
                else:
                    out[:, j] = -np.log(np.maximum(hi - out[:, j], 0) + eps)
        return out

    def report(self) -> pd.DataFrame:
        """Tabulate what was done per indicator (skew, kurtosis, winsorised points, log)."""
        check_is_fitted(self)
        names = getattr(self, "feature_names_in_", [f"x{j}" for j in range(len(self.log_))])
        return pd.DataFrame(
            {
                "skew": self.skew_,
                "kurtosis": self.kurtosis_,
                "n_winsorised": self.n_winsorised_,
                "log": self.log_,
                "lower": self.lower_,
                "upper": self.upper_,
            },
            index=pd.Index(names),
        )


# --------------------------------------------------------------------------------------
# imputation
# --------------------------------------------------------------------------------------
class Imputer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Replace missing values by the column mean or median learned in ``fit``.

    Group means (e.g. the district mean) need the grouping column and are offered by
    :func:`impute` with ``method="group_mean"``.

    Parameters
    ----------
    method : {"mean", "median", "none"}, default "mean"
        ``"none"`` leaves missing values (the aggregation must then handle them).

    Attributes
    ----------
    statistics_ : ndarray
        Fill value per column.
    n_missing_ : ndarray of int
        Missing values per column seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0], [np.nan], [3.0], [10.0]])
    >>> Imputer("median").fit_transform(X).ravel().tolist()
    [1.0, 3.0, 3.0, 10.0]
    """

    def __init__(self, method: str = "mean"):
        self.method = method

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def fit(self, X, y=None):
        """Learn the fill values."""
        where = "Imputer.fit"
        if self.method not in ("mean", "median", "none"):
            raise fail(
                where,
                f"`method` is {self.method!r}",
                "use 'mean', 'median' or 'none' (group means: sozplan.index.impute)",
            )
        X = _validate(self, X, reset=True, allow_nan=True, where=where)
        self.n_missing_ = np.isnan(X).sum(axis=0)
        all_nan = self.n_missing_ == X.shape[0]
        if all_nan.any() and self.method != "none":
            raise fail(
                where,
                f"column(s) {format_values(np.flatnonzero(all_nan))} have no value at all",
                "drop these indicators",
            )
        with np.errstate(all="ignore"):
            if self.method == "mean":
                self.statistics_ = (
                    np.nanmean(X, axis=0) if not all_nan.any() else np.full(X.shape[1], np.nan)
                )
            elif self.method == "median":
                self.statistics_ = np.nanmedian(X, axis=0)
            else:
                self.statistics_ = np.full(X.shape[1], np.nan)
        return self

    def transform(self, X):
        """Fill missing values."""
        check_is_fitted(self)
        X = _validate(self, X, reset=False, allow_nan=True, where="Imputer.transform")
        out = X.astype(float, copy=True)
        if self.method != "none":
            rows, cols = np.nonzero(np.isnan(out))
            out[rows, cols] = self.statistics_[cols]
        return out


# --------------------------------------------------------------------------------------
# normalisation
# --------------------------------------------------------------------------------------
class Standardizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    r"""Bring indicators to a common scale, each in its direction.

    With direction :math:`d_k = +1` (higher = worse, default) or :math:`-1`:

    - ``"zscore"``: :math:`d_k (x - \bar x_k)/s_k`; mean and standard deviation from
      ``fit``, population-weighted if ``sample_weight`` is given (frequency weights),
      divisor :math:`\sum w - \mathrm{ddof}`;
    - ``"minmax"``: :math:`(x - \min)/(\max - \min)` (:math:`(\max - x)/(\max - \min)`
      for :math:`d_k = -1`), times ``scale``;
    - ``"goalposts"``: like min-max with fixed bounds ``goalposts=(low, high)`` and
      values clipped to them (OECD/JRC 2008; UNDP HDI);
    - ``"rank"``: average rank among the fitted areas (ties share their rank);
    - ``"percentile"``: :math:`(W_{<} + W_{=}/2)/W` in [0, 1], times ``scale``;
    - ``"distance"``: relative distance to a reference, :math:`d_k (x - r_k)/|r_k|`
      with :math:`r_k` the (weighted) city mean of ``fit`` or the given ``reference``
      (e.g. a base year's city value).

    Parameters
    ----------
    method : str, default "zscore"
        One of ``STANDARDIZATIONS``.
    directions : sequence of +1/-1, optional
        One per column (default all +1).
    ddof : float, default 0
    goalposts : (low, high) or array of shape (n_features, 2), optional
        Required for ``"goalposts"``.
    reference : float or sequence, optional
        Reference values for ``"distance"`` (default: the fitted mean).
    scale : float, default 1.0
        Multiplier of min-max, goalposts, percentile and distance (e.g. 100).

    Attributes
    ----------
    center_, scale_ : ndarray
        The learned location and scale: ``(x - center_) / scale_`` before directions.
    directions_ : ndarray

    References
    ----------
    OECD/JRC (2008): Handbook on Constructing Composite Indicators. Methodology and
    User Guide, Section 5, doi:10.1787/9789264043466-en.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 60.0]])
    >>> Standardizer("minmax", directions=[1, -1]).fit_transform(X).round(2).tolist()
    [[0.0, 1.0], [0.5, 0.8], [1.0, 0.0]]
    >>> Standardizer("rank").fit_transform(X)[:, 1].tolist()
    [1.0, 2.0, 3.0]
    """

    def __init__(
        self,
        method: str = "zscore",
        directions=None,
        ddof: float = 0,
        goalposts=None,
        reference=None,
        scale: float = 1.0,
    ):
        self.method = method
        self.directions = directions
        self.ddof = ddof
        self.goalposts = goalposts
        self.reference = reference
        self.scale = scale

    def fit(self, X, y=None, sample_weight=None):
        """Learn location and scale (and the fitted distribution for ranks)."""
        where = "Standardizer.fit"
        if self.method not in STANDARDIZATIONS:
            raise fail(
                where,
                f"`method` is {self.method!r}",
                f"use one of {format_values(STANDARDIZATIONS)}",
            )
        X = _validate(self, X, reset=True, where=where)
        n, k = X.shape
        w = _sample_weight(sample_weight, n, where)
        self.directions_ = parse_directions(
            dict(zip(self.feature_names_in_, self.directions, strict=False))
            if isinstance(self.directions, Mapping) and hasattr(self, "feature_names_in_")
            else self.directions,
            list(getattr(self, "feature_names_in_", range(k))),
            where=where,
        )
        pos = w > 0
        if self.method in ("zscore", "minmax") and pos.sum() < 2:
            raise fail(
                where,
                f"`X` has n_samples={int(pos.sum())} (with positive weight)",
                "normalise at least 2 areas",
            )
        m = self.method
        if m == "zscore":
            center, spread = weighted_mean_std(X[pos], w[pos], self.ddof)
        elif m == "minmax":
            center = X[pos].min(axis=0)
            spread = X[pos].max(axis=0) - center
        elif m == "goalposts":
            if self.goalposts is None:
                raise fail(
                    where,
                    "method 'goalposts' needs `goalposts`",
                    "pass goalposts=(low, high) or one (low, high) per indicator",
                )
            gp = np.asarray(self.goalposts, dtype=float)
            gp = np.broadcast_to(gp, (k, 2)) if gp.shape == (2,) else gp
            if gp.shape != (k, 2):
                raise fail(
                    where,
                    f"`goalposts` has shape {gp.shape}, expected (2,) or ({k}, 2)",
                    "pass (low, high) or one pair per indicator",
                )
            center, spread = gp[:, 0].copy(), gp[:, 1] - gp[:, 0]
        elif m == "distance":
            if self.reference is None:
                center = (w[:, None] * X).sum(axis=0) / w.sum()
            else:
                center = np.broadcast_to(np.asarray(self.reference, dtype=float), (k,)).copy()
            spread = np.abs(center)
            if np.any(spread == 0):
                bad = np.flatnonzero(spread == 0)
                raise fail(
                    where,
                    f"the reference is 0 for column(s) {format_values(bad)}",
                    "use another reference or method='zscore'",
                )
        else:  # rank, percentile
            order = np.argsort(X, axis=0, kind="stable")
            self.sorted_ = np.take_along_axis(X, order, axis=0)
            self.cumweight_ = np.vstack([np.zeros(k), np.cumsum(w[order], axis=0)])
            center, spread = np.zeros(k), np.ones(k)
        if m in ("zscore", "minmax", "goalposts"):
            const = ~(spread > 0)
            if const.any():
                names = [
                    getattr(self, "feature_names_in_", np.arange(k))[j]
                    for j in np.flatnonzero(const)
                ]
                raise fail(
                    where,
                    f"indicator(s) {format_values(names)} are constant (or the goalposts are "
                    "not increasing), so they cannot be normalised",
                    "drop constant indicators; they carry no information about differences",
                )
        self.center_ = np.asarray(center, dtype=float)
        self.scale_ = np.asarray(spread, dtype=float)
        self.n_samples_seen_ = n
        return self

    def transform(self, X):
        """Normalise with the learned parameters."""
        check_is_fitted(self)
        X = _validate(self, X, reset=False, where="Standardizer.transform")
        d = self.directions_
        m = self.method
        if m == "zscore":
            return d * (X - self.center_) / self.scale_
        if m in ("minmax", "goalposts"):
            u = (X - self.center_) / self.scale_
            if m == "goalposts":
                u = np.clip(u, 0.0, 1.0)
            return np.where(d > 0, u, 1.0 - u) * self.scale
        if m == "distance":
            return d * (X - self.center_) / self.scale_ * self.scale
        out = np.empty_like(X, dtype=float)
        for j in range(X.shape[1]):
            sv, cw = self.sorted_[:, j], self.cumweight_[:, j]
            less = cw[np.searchsorted(sv, X[:, j], side="left")]
            leq = cw[np.searchsorted(sv, X[:, j], side="right")]
            total = cw[-1]
            if m == "rank":
                r = less + (leq - less + 1) / 2
                out[:, j] = r if d[j] > 0 else total + 1 - r
            else:
                p = (less + (leq - less) / 2) / total
                out[:, j] = (p if d[j] > 0 else 1 - p) * self.scale
        return out


# --------------------------------------------------------------------------------------
# functions
# --------------------------------------------------------------------------------------
def _frame(df, columns, where, allow_nan=False) -> tuple[pd.DataFrame, list]:
    check_frame(df, where=where)
    check_unique_index(df, where=where)
    cols = check_columns(df, columns, where=where)
    if not allow_nan:
        check_no_nan(df, cols, where=where)
    else:
        check_no_inf(df, cols, where=where)
    return df, cols


def treat_outliers(df: pd.DataFrame, columns: Sequence[Hashable], **options: Any) -> pd.DataFrame:
    """Winsorise or log-transform skewed indicators (see :class:`OutlierTreatment`).

    Returns a new DataFrame with the treated ``columns``; the treatment per column is in
    ``OutlierTreatment(**options).fit(df[columns]).report()``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": list(range(1, 21)) + [500]})
    >>> float(treat_outliers(df, ["x"])["x"].max())
    20.0
    """
    df, cols = _frame(df, columns, "treat_outliers")
    ot = OutlierTreatment(**options).fit(df[cols])
    return pd.DataFrame(ot.transform(df[cols]), index=df.index, columns=cols)


def impute(
    df: pd.DataFrame,
    columns: Sequence[Hashable],
    method: str = "mean",
    *,
    by: Hashable | None = None,
) -> pd.DataFrame:
    """Fill missing indicator values by the mean, median or group mean/median.

    Parameters
    ----------
    df : DataFrame
    columns : list of str
    method : {"mean", "median", "group_mean", "group_median", "none"}
    by : str, optional
        Grouping column for the group methods (e.g. the district); an area whose
        whole group is missing falls back to the overall mean/median.

    Returns
    -------
    DataFrame
        The ``columns``, filled; nothing else changed.

    Examples
    --------
    >>> import pandas as pd, numpy as np
    >>> df = pd.DataFrame({"x": [1.0, np.nan, 3.0, 10.0, np.nan],
    ...                    "bez": ["a", "a", "a", "b", "b"]})
    >>> impute(df, ["x"], "group_mean", by="bez")["x"].tolist()
    [1.0, 2.0, 3.0, 10.0, 10.0]
    """
    where = "impute"
    df, cols = _frame(df, columns, where, allow_nan=True)
    if method not in IMPUTATIONS:
        raise fail(where, f"`method` is {method!r}", f"use one of {format_values(IMPUTATIONS)}")
    out = df[cols].astype(float)
    if method == "none":
        return out
    all_nan = out.isna().all()
    if all_nan.any():
        raise fail(
            where,
            f"column(s) {format_values(all_nan[all_nan].index)} have no value at all",
            "drop these indicators",
        )
    overall = out.agg("mean" if method in ("mean", "group_mean") else "median")
    if method.startswith("group"):
        if by is None:
            raise fail(
                where,
                f"method {method!r} needs `by`",
                "pass by='<grouping column>', e.g. the district",
            )
        check_columns(df, [by], where=where, numeric=False)
        how = "mean" if method == "group_mean" else "median"
        fill = out.groupby(df[by]).transform(how)
        out = out.fillna(fill)
    return out.fillna(overall)


def standardize(
    df: pd.DataFrame,
    columns: Sequence[Hashable],
    method: str = "zscore",
    *,
    directions: Mapping[Hashable, Any] | Sequence[Any] | None = None,
    population: Hashable | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Normalise indicator columns (see :class:`Standardizer` for the formulas).

    Parameters
    ----------
    df : DataFrame
    columns : list of str
    method : str, default "zscore"
        ``"zscore"``, ``"minmax"``, ``"goalposts"``, ``"rank"``, ``"percentile"``, ``"distance"``.
    directions : dict {column: +1/-1} or list, optional
        +1: higher value = worse situation (default); -1: higher = better.
    population : str, optional
        Column used as weights for means and standard deviations.
    **options
        ``ddof``, ``goalposts``, ``reference``, ``scale``.

    Returns
    -------
    DataFrame on the input index.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"alq": [2.0, 4.0, 6.0], "abi": [50.0, 30.0, 10.0]},
    ...                   index=["a", "b", "c"])
    >>> standardize(df, ["alq", "abi"], directions={"abi": -1}).round(3)
         alq    abi
    a -1.225 -1.225
    b  0.000  0.000
    c  1.225  1.225
    """
    where = "standardize"
    df, cols = _frame(df, columns, where)
    dirs = parse_directions(directions, cols, where=where)
    w = None
    if population is not None:
        check_columns(df, [population], where=where)
        w = df[population].to_numpy(dtype=float)
    est = Standardizer(method, directions=list(dirs), **options)
    est.fit(df[cols], sample_weight=w)
    return pd.DataFrame(est.transform(df[cols]), index=df.index, columns=cols)
