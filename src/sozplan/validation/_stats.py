"""Statistics for indicator sets: reliability, sampling adequacy, sphericity, VIF, PCA."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from sozplan.checks import check_columns, check_frame, check_no_inf, fail, format_values
from sozplan.errors import DataQualityWarning

__all__ = [
    "bartlett_sphericity",
    "cronbach_alpha",
    "kmo",
    "principal_components",
    "variance_inflation",
]


def _matrix(df: pd.DataFrame, columns: Any, where: str, min_columns: int = 2) -> pd.DataFrame:
    """Complete cases of numeric columns; raises on too few columns, rows or constants.

    Rows with missing values are left out listwise with a ``DataQualityWarning`` that
    counts them and names their ids; infinite values are refused.
    """
    check_frame(df, where=where)
    cols = check_columns(df, list(df.columns) if columns is None else columns, where=where)
    if len(cols) < min_columns:
        raise fail(
            where, f"{len(cols)} column(s) given", f"pass at least {min_columns} indicators"
        )
    check_no_inf(df, cols, where=where)
    data = df[cols].astype(float)
    complete = data.notna().all(axis=1).to_numpy()
    if not complete.all():
        warnings.warn(
            f"{where}: {int((~complete).sum())} of {len(data)} row(s) with missing values left "
            f"out listwise (ids {format_values(df.index[~complete])})",
            DataQualityWarning,
            stacklevel=3,
        )
        data = data[complete]
    if len(data) < len(cols) + 2:
        raise fail(
            where,
            f"only {len(data)} complete row(s) for {len(cols)} columns",
            "pass more areas than indicators (rows with missing values are left out listwise)",
        )
    const = [c for c in cols if data[c].std(ddof=0) == 0]
    if const:
        raise fail(where, f"the column(s) {format_values(const)} are constant", "leave them out")
    return data


def cronbach_alpha(df: pd.DataFrame, columns: Any = None) -> float:
    r"""Cronbach's alpha of a set of items (indicators), listwise deletion.

    .. math::

        \alpha = \frac{k}{k-1}\left(1 - \frac{\sum_{j} s_j^2}{s_X^2}\right)

    with :math:`k` items, item variances :math:`s_j^2` and the variance :math:`s_X^2` of
    the row sums (divisor :math:`n-1`). Items on different scales should be
    standardised first (then alpha is the standardised alpha). Agrees with
    ``pingouin.cronbach_alpha(nan_policy="listwise")``.

    Parameters
    ----------
    df : DataFrame
    columns : list of str, optional
        Items; default all columns.

    Returns
    -------
    float

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika 16(3), 297-334. doi:10.1007/BF02310555

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.validation import cronbach_alpha
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 4, 4, 5], "c": [1, 3, 2, 5, 4]})
    >>> round(cronbach_alpha(df), 4)  # pingouin.cronbach_alpha: 0.9104
    0.9104
    """
    x = _matrix(df, columns, "cronbach_alpha").to_numpy()
    k = x.shape[1]
    item_var = x.var(axis=0, ddof=1).sum()
    total_var = x.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - item_var / total_var))


def _corr_inverse(x: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    r = np.corrcoef(x, rowvar=False)
    _check_regular(r, where)
    return r, np.linalg.inv(r)


def _check_regular(r: np.ndarray, where: str) -> None:
    """Refuse a (numerically) singular correlation matrix."""
    eig = np.linalg.eigvalsh(r)
    if eig.min() <= 1e-10 * max(eig.max(), 1.0):
        raise fail(
            where,
            "the correlation matrix is singular (an indicator is a linear combination of others)",
            "leave out redundant indicators (see the redundancy rule of validate)",
        )


def kmo(df: pd.DataFrame, columns: Any = None) -> tuple[float, pd.Series]:
    r"""Kaiser-Meyer-Olkin measure of sampling adequacy (overall and per indicator).

    .. math::

        KMO = \frac{\sum_{i \ne j} r_{ij}^2}{\sum_{i \ne j} r_{ij}^2 + \sum_{i \ne j} a_{ij}^2},
        \qquad a_{ij} = -\frac{q_{ij}}{\sqrt{q_{ii} q_{jj}}},

    with correlations :math:`r_{ij}` and the anti-image (partial) correlations
    :math:`a_{ij}` from :math:`Q = R^{-1}`; per indicator, the sums run over one row.
    Kaiser's labels: < 0.5 unacceptable, 0.5 miserable, 0.6 mediocre, 0.7 middling,
    0.8 meritorious, 0.9 marvellous. Agrees with
    ``factor_analyzer.calculate_kmo``.

    Returns
    -------
    overall : float
    per_indicator : Series

    References
    ----------
    Kaiser, H. F. (1974). An index of factorial simplicity. Psychometrika 39(1), 31-36.
    doi:10.1007/BF02291575

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sozplan.validation import kmo
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=200)
    >>> df = pd.DataFrame({c: f + rng.normal(size=200) for c in "abcd"})
    >>> overall, per = kmo(df)
    >>> round(overall, 2)  # factor_analyzer.calculate_kmo: 0.80
    0.8
    """
    data = _matrix(df, columns, "kmo")
    r, inv = _corr_inverse(data.to_numpy(), "kmo")
    d = np.sqrt(np.diag(inv))
    a = -inv / np.outer(d, d)
    np.fill_diagonal(a, 0.0)
    r2 = r.copy()
    np.fill_diagonal(r2, 0.0)
    r2, a2 = r2**2, a**2
    per = r2.sum(axis=0) / (r2.sum(axis=0) + a2.sum(axis=0))
    overall = r2.sum() / (r2.sum() + a2.sum())
    return float(overall), pd.Series(per, index=data.columns, name="kmo")


def bartlett_sphericity(df: pd.DataFrame, columns: Any = None) -> tuple[float, int, float]:
    r"""Bartlett's test of sphericity (are the indicators correlated at all?).

    .. math::

        \chi^2 = -\left(n - 1 - \frac{2p + 5}{6}\right) \ln |R|, \qquad
        df = \frac{p(p-1)}{2}

    with :math:`n` areas (complete cases), :math:`p` indicators and the correlation
    matrix :math:`R`. A small p-value rejects :math:`R = I` (a prerequisite of PCA or
    factor analysis). Agrees with ``factor_analyzer.calculate_bartlett_sphericity``.

    Returns
    -------
    statistic : float
    dof : int
    p_value : float

    References
    ----------
    Bartlett, M. S. (1950). Tests of significance in factor analysis. British Journal
    of Statistical Psychology 3(2), 77-85. doi:10.1111/j.2044-8317.1950.tb00285.x

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sozplan.validation import bartlett_sphericity
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=200)
    >>> df = pd.DataFrame({c: f + rng.normal(size=200) for c in "abc"})
    >>> stat, dof, p = bartlett_sphericity(df)
    >>> dof, p < 0.001
    (3, True)
    """
    data = _matrix(df, columns, "bartlett_sphericity")
    n, p = data.shape
    r = np.corrcoef(data.to_numpy(), rowvar=False)
    _check_regular(r, "bartlett_sphericity")
    _, logdet = np.linalg.slogdet(r)
    stat = -(n - 1 - (2 * p + 5) / 6) * logdet
    dof = p * (p - 1) // 2
    from scipy import stats  # heavy: scipy.stats only for this test

    return float(stat), int(dof), float(stats.chi2.sf(stat, dof))


def variance_inflation(df: pd.DataFrame, columns: Any = None) -> pd.Series:
    r"""Variance inflation factors, :math:`VIF_j = 1 / (1 - R_j^2) = (R^{-1})_{jj}`.

    :math:`R_j^2` is the coefficient of determination of indicator :math:`j` regressed
    on all others (with intercept). Values above 10 (some use 5) signal redundancy.
    Agrees with ``statsmodels.stats.outliers_influence.variance_inflation_factor`` on
    data with a constant column.

    References
    ----------
    Marquardt, D. W. (1970). Generalized inverses, ridge regression, biased linear
    estimation, and nonlinear estimation. Technometrics 12(3), 591-612.
    doi:10.1080/00401706.1970.10488699

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.validation import variance_inflation
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5, 6], "b": [2, 1, 4, 3, 6, 5],
    ...                    "c": [1, 0, 1, 0, 1, 1]})
    >>> variance_inflation(df).round(3).tolist()  # statsmodels: 6.271, 9.771, 3.2
    [6.271, 9.771, 3.2]
    """
    data = _matrix(df, columns, "variance_inflation")
    _, inv = _corr_inverse(data.to_numpy(), "variance_inflation")
    return pd.Series(np.diag(inv), index=data.columns, name="vif")


def principal_components(
    df: pd.DataFrame, columns: Any = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    r"""Principal components of the standardised indicators (correlation matrix).

    Eigen-decomposition :math:`R = V \Lambda V^\top`; explained variance ratio
    :math:`\lambda_k / p`, loadings :math:`V \Lambda^{1/2}` (the correlations of the
    indicators with the components). Each component's sign is fixed so that its largest
    loading is positive. Agrees with ``sklearn.decomposition.PCA`` on z-scores.

    Returns
    -------
    explained : DataFrame
        Per component (``PC1`` ...): ``eigenvalue``, ``explained_variance_ratio``,
        ``cumulative``.
    loadings : DataFrame
        Indicators x components.

    References
    ----------
    Jolliffe, I. T., & Cadima, J. (2016). Principal component analysis: a review and
    recent developments. Phil. Trans. R. Soc. A 374, 20150202. doi:10.1098/rsta.2015.0202

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sozplan.validation import principal_components
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=300)
    >>> df = pd.DataFrame({c: f + 0.5 * rng.normal(size=300) for c in "abc"})
    >>> explained, loadings = principal_components(df)
    >>> round(float(explained.loc["PC1", "explained_variance_ratio"]), 2)
    0.89
    """
    data = _matrix(df, columns, "principal_components")
    r = np.corrcoef(data.to_numpy(), rowvar=False)
    vals, vecs = np.linalg.eigh(r)
    order = np.argsort(vals)[::-1]
    vals, vecs = np.clip(vals[order], 0, None), vecs[:, order]
    signs = np.sign(vecs[np.abs(vecs).argmax(axis=0), np.arange(vecs.shape[1])])
    vecs = vecs * np.where(signs == 0, 1, signs)
    names = [f"PC{i + 1}" for i in range(len(vals))]
    ratio = vals / vals.sum()
    explained = pd.DataFrame(
        {"eigenvalue": vals, "explained_variance_ratio": ratio, "cumulative": np.cumsum(ratio)},
        index=pd.Index(names, name="component"),
    )
    loadings = pd.DataFrame(vecs * np.sqrt(vals), index=data.columns, columns=names)
    return explained, loadings
