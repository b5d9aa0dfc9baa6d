"""Confidence intervals beside published rates: one rate column and its text form."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sozplan.checks import (
    as_column_list,
    check_array,
    check_columns,
    check_counts,
    check_frame,
    fail,
    format_values,
)
from sozplan.indicators._rates import poisson_ci, proportion_ci
from sozplan.plotting import format_number

__all__ = ["format_interval", "rate_ci"]

_METHODS = ("wilson", "clopper-pearson", "poisson")


def _column(term: Hashable) -> Hashable:
    return term[1:] if isinstance(term, str) and term.startswith("-") else term


def _summed(df: pd.DataFrame, terms: list) -> np.ndarray:
    """Sum of columns; a name with a leading ``-`` is subtracted (as in IndicatorSpec)."""
    out = np.zeros(len(df))
    for t in terms:
        sign = -1.0 if _column(t) is not t else 1.0
        out = out + sign * df[_column(t)].to_numpy(dtype=float, na_value=np.nan)
    return out


def rate_ci(
    df: pd.DataFrame,
    numerator: Hashable | Sequence[Hashable],
    denominator: Hashable | Sequence[Hashable],
    *,
    multiplier: float = 100,
    method: str = "wilson",
    alpha: float = 0.05,
) -> pd.DataFrame:
    r"""Compute a rate and its confidence interval per area from a numerator and denominator.

    The rate is :math:`y_i = m\,x_i / n_i` (``multiplier`` :math:`m`, e.g. 100 for per
    cent). Its interval comes from :func:`proportion_ci` for a share (the numerator is
    part of the denominator, :math:`0 \le x \le n`): the Wilson score interval
    (default; good coverage down to small :math:`n`, Brown, Cai & DasGupta 2001) or the
    exact Clopper-Pearson interval (conservative: coverage at least :math:`1-\alpha`);
    or from :func:`poisson_ci` (exact Garwood interval) for a rate whose numerator can
    exceed the base (``method="poisson"``, e.g. cases per 1,000 residents).

    A missing or secret count (NaN) and a zero denominator give NaN for value and bounds;
    nothing raises for them, so secret counts flow through to the published table.

    Parameters
    ----------
    df : DataFrame
        One row per area.
    numerator, denominator : str or list of str
        Count column(s); several columns are summed, a name with a leading ``-`` is
        subtracted (as in :class:`IndicatorSpec`: ``["einwohner", "-einwohner_65_plus"]``).
    multiplier : float, default 100
        Scale of the rate (100: per cent, 1000: per thousand).
    method : {"wilson", "clopper-pearson", "poisson"}, default "wilson"
    alpha : float, default 0.05
        1 - confidence level (0.05: 95 % intervals).

    Returns
    -------
    DataFrame
        On the index of ``df``: ``value``, ``lower``, ``upper`` (scaled by
        ``multiplier``), ``numerator``, ``denominator``.

    Raises
    ------
    InputError
        A column is missing or not a count, or a share's numerator exceeds its
        denominator (use ``method="poisson"`` for such rates).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA 22(158), 209-212. doi:10.1080/01621459.1927.10502953

    Clopper, C. J., & Pearson, E. S. (1934). The use of confidence or fiducial limits
    illustrated in the case of the binomial. Biometrika 26(4), 404-413.
    doi:10.1093/biomet/26.4.404

    Garwood, F. (1936). Fiducial limits for the Poisson distribution. Biometrika
    28(3/4), 437-442. doi:10.1093/biomet/28.3-4.437

    Brown, L. D., Cai, T. T., & DasGupta, A. (2001). Interval estimation for a binomial
    proportion. Statistical Science 16(2), 101-133. doi:10.1214/ss/1009213286

    See Also
    --------
    format_interval : the text "12,3 % (10,1–14,8)".
    rates : all catalogue indicators with intervals and small-number flags.

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.indicators import rate_ci
    >>> df = pd.DataFrame({"sgb2": [12, 0, None], "ew": [80, 25, 40]}, index=["a", "b", "c"])
    >>> rate_ci(df, "sgb2", "ew").round(2)
       value  lower  upper  numerator  denominator
    a   15.0   8.79  24.41       12.0         80.0
    b    0.0   0.00  13.32        0.0         25.0
    c    NaN    NaN    NaN        NaN         40.0
    """
    where = "rate_ci"
    check_frame(df, where=where)
    num_cols = as_column_list(numerator, arg="numerator")
    den_cols = as_column_list(denominator, arg="denominator")
    check_columns(df, [_column(t) for t in num_cols], arg="numerator", where=where)
    check_columns(df, [_column(t) for t in den_cols], arg="denominator", where=where)
    used = list(dict.fromkeys(_column(t) for t in num_cols + den_cols))
    check_counts(df, used, where=where, allow_nan=True)
    method = {"exact": "clopper-pearson", "beta": "clopper-pearson"}.get(method, method)
    if method not in _METHODS:
        raise fail(
            where, f"`method` is {method!r}", "use 'wilson', 'clopper-pearson' or 'poisson'"
        )
    if not isinstance(multiplier, int | float) or isinstance(multiplier, bool) or multiplier <= 0:
        raise fail(where, f"`multiplier` is {multiplier!r}", "pass a positive number, e.g. 100")
    num = _summed(df, num_cols)
    den = _summed(df, den_cols)
    if method == "poisson":
        lo, hi = poisson_ci(num, den, alpha=alpha)
    else:
        bad = num > den
        if bad.any():
            raise fail(
                where,
                f"the numerator exceeds the denominator at {format_values(df.index[bad])}",
                "correct the counts, or pass method='poisson' for a rate whose numerator is "
                "not part of its base",
            )
        lo, hi = proportion_ci(num, den, alpha=alpha, method=method)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return pd.DataFrame(
        {
            "value": value * multiplier,
            "lower": lo * multiplier,
            "upper": hi * multiplier,
            "numerator": num,
            "denominator": den,
        },
        index=df.index,
    )


def _one(
    value: float, lower: float, upper: float, decimals: int, unit: str, language: str, na_rep: str
) -> str:
    if value is None or not np.isfinite(value):
        return na_rep
    space = "" if (language == "en" and unit == "%") or not unit else "\u00a0"
    text = f"{format_number(value, decimals, language)}{space}{unit}"
    if lower is None or upper is None or not (np.isfinite(lower) and np.isfinite(upper)):
        return text
    a, b = format_number(lower, decimals, language), format_number(upper, decimals, language)
    if lower < 0 or upper < 0:  # a dash between negative numbers reads as a minus
        joint = " bis " if language == "de" else " to "
    else:
        joint = "\u2013"
    return f"{text} ({a}{joint}{b})"


def format_interval(
    value: Any,
    lower: Any,
    upper: Any,
    *,
    decimals: int = 1,
    unit: str = "%",
    language: str = "de",
    na_rep: str = ".",
) -> str | pd.Series:
    r"""Format a value with its confidence interval: ``12,3 % (10,1–14,8)``.

    German: decimal comma, thousands point, a no-break space before the unit (DIN
    5008: ``12,3 %``); English: ``12.3% (10.1–14.8)``. The bounds are joined by an en
    dash ("bis"), or by "bis"/"to" when a bound is negative. A missing value gives
    ``na_rep`` (the DIN 55301 sign ``.``: secret or unknown); missing bounds give the
    value alone.

    Parameters
    ----------
    value, lower, upper : float or array-like or Series
        Scalars give one string; arrays or Series give a Series of strings (on the
        index of ``value`` when it is a Series).
    decimals : int, default 1
        Decimals of value and bounds (the published precision).
    unit : str, default "%"
        Written after the value; ``""`` for none.
    language : {"de", "en"}, default "de"
    na_rep : str, default "."

    Returns
    -------
    str or Series of str

    Examples
    --------
    >>> from sozplan.indicators import format_interval
    >>> format_interval(12.345, 10.06, 14.81)
    '12,3\xa0% (10,1–14,8)'
    >>> format_interval(12.345, 10.06, 14.81, language="en")
    '12.3% (10.1–14.8)'
    >>> format_interval(-0.8, -2.1, 0.4, unit="", decimals=1)
    '-0,8 (-2,1 bis 0,4)'
    >>> format_interval(float("nan"), 1, 2)
    '.'
    """
    where = "format_interval"
    if language not in ("de", "en"):
        raise fail(where, f"`language` is {language!r}", "pass 'de' or 'en'")
    if not isinstance(decimals, int | np.integer) or isinstance(decimals, bool) or decimals < 0:
        raise fail(where, f"`decimals` is {decimals!r}", "pass an integer >= 0")
    if np.ndim(value) == 0:
        return _one(value, lower, upper, int(decimals), unit, language, na_rep)
    index = value.index if isinstance(value, pd.Series) else None
    if index is not None:  # Series are aligned by id, not by position
        lower = lower.reindex(index) if isinstance(lower, pd.Series) else lower
        upper = upper.reindex(index) if isinstance(upper, pd.Series) else upper
    numbers = {
        arg: check_array(x, arg=arg, where=where, ndim=None, allow_nan=True, allow_inf=True)
        for arg, x in (("value", value), ("lower", lower), ("upper", upper))
    }
    v = numbers["value"]
    lo = np.broadcast_to(numbers["lower"], v.shape)
    hi = np.broadcast_to(numbers["upper"], v.shape)
    texts = [
        _one(a, b, c, int(decimals), unit, language, na_rep)
        for a, b, c in zip(v.tolist(), lo.tolist(), hi.tolist(), strict=True)
    ]
    return pd.Series(texts, index=index, dtype=object)
