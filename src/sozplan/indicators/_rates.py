"""Indicator values with confidence intervals and small-number flags."""

from __future__ import annotations

import html
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from sozplan._core.frozen import immutable
from sozplan._core.text import german
from sozplan.checks import (
    check_alpha,
    check_array,
    check_counts,
    check_frame,
    check_unique_index,
    fail,
    format_values,
)
from sozplan.errors import DataQualityWarning, SmallNumbersWarning
from sozplan.indicators._spec import IndicatorSpec, resolve_specs
from sozplan.plotting import FigureDisplay

__all__ = [
    "STATUS",
    "Rates",
    "evaluate",
    "poisson_ci",
    "proportion_ci",
    "rates",
]

#: Status of a computed value, in order of precedence.
STATUS = {
    "suppressed": "an input count is missing or suppressed (NaN); the value is NaN",
    "zero_denominator": "the denominator is 0; the value is undefined (NaN)",
    "implausible": "a share whose numerator exceeds its denominator, or a negative base",
    "small_population": "the area has fewer residents than `min_population`",
    "small_denominator": "the denominator is below `min_denominator`",
    "ok": "computed from enough cases",
}

_SHARE_METHODS = ("wilson", "clopper-pearson")


def _z(alpha: float) -> float:
    # the standard normal quantile (what scipy.stats.norm.ppf computes), without the
    # import of scipy.stats that would make ``import sozplan.indicators`` slow
    return float(special.ndtri(1 - alpha / 2))


def _check_alpha(alpha: Any, where: str) -> float:
    return check_alpha(alpha, where=where)


def proportion_ci(
    count: Any, nobs: Any, *, alpha: float = 0.05, method: str = "wilson"
) -> tuple[np.ndarray, np.ndarray]:
    r"""Confidence interval of a proportion :math:`\hat p = x/n` (as a fraction, not %).

    Wilson score interval (Wilson 1927):

    .. math::

        \frac{\hat p + \frac{z^2}{2n}}{1 + \frac{z^2}{n}} \pm
        \frac{z}{1 + \frac{z^2}{n}} \sqrt{\frac{\hat p (1-\hat p)}{n} + \frac{z^2}{4n^2}}

    Clopper-Pearson (exact) interval (Clopper & Pearson 1934):
    :math:`[B_{\alpha/2}(x, n-x+1),\; B_{1-\alpha/2}(x+1, n-x)]` with beta quantiles
    :math:`B`, the lower bound 0 when :math:`x=0` and the upper bound 1 when :math:`x=n`.

    Parameters
    ----------
    count, nobs : array-like
        Cases :math:`x` and base :math:`n` (:math:`0 \le x \le n`). A missing value
        (NaN) or a zero base gives NaN; text, infinite or negative values and
        :math:`x > n` raise :class:`~sozplan.errors.InputError`.
    alpha : float, default 0.05
        1 - confidence level.
    method : {"wilson", "clopper-pearson"}
        ``"exact"`` and ``"beta"`` are accepted for Clopper-Pearson.

    Returns
    -------
    lower, upper : ndarray

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA 22(158), 209-212. doi:10.1080/01621459.1927.10502953

    Clopper, C. J., & Pearson, E. S. (1934). The use of confidence or fiducial limits
    illustrated in the case of the binomial. Biometrika 26(4), 404-413.
    doi:10.1093/biomet/26.4.404

    Brown, L. D., Cai, T. T., & DasGupta, A. (2001). Interval estimation for a binomial
    proportion. Statistical Science 16(2), 101-133. doi:10.1214/ss/1009213286

    Examples
    --------
    >>> from sozplan.indicators import proportion_ci
    >>> lo, hi = proportion_ci(12, 80)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.0879, 0.2441)
    >>> lo, hi = proportion_ci(0, 25, method="clopper-pearson")
    >>> float(lo), round(float(hi), 4)
    (0.0, 0.1372)
    """
    alpha = _check_alpha(alpha, "proportion_ci")
    method = {"exact": "clopper-pearson", "beta": "clopper-pearson"}.get(method, method)
    if method not in _SHARE_METHODS:
        raise fail("proportion_ci", f"`method` is {method!r}", "use 'wilson' or 'clopper-pearson'")
    x, n = _checked_pair(count, nobs, "count", "nobs", "proportion_ci")
    above = x > n
    if above.any():
        raise fail(
            "proportion_ci",
            f"`count` exceeds `nobs` in {int(above.sum())} case(s): "
            f"{format_values(list(zip(x[above].tolist(), n[above].tolist(), strict=True)))}",
            "a share needs cases <= base; for rates whose numerator can exceed the base "
            "use poisson_ci",
        )
    return _proportion_interval(x, n, alpha, method)


def _checked_pair(
    a: Any, b: Any, arg_a: str, arg_b: str, where: str
) -> tuple[np.ndarray, np.ndarray]:
    """Return counts and bases as broadcast float arrays (finite or NaN, non-negative)."""
    x = check_array(a, arg=arg_a, where=where, ndim=None, allow_nan=True, non_negative=True)
    n = check_array(b, arg=arg_b, where=where, ndim=None, allow_nan=True, non_negative=True)
    try:
        x, n = np.broadcast_arrays(x, n)
    except ValueError:
        raise fail(
            where, f"`{arg_a}` has shape {x.shape}, `{arg_b}` {n.shape}", "pass equal lengths"
        ) from None
    return x, n


def _proportion_interval(
    x: np.ndarray, n: np.ndarray, alpha: float, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson or Clopper-Pearson bounds; NaN where x or n is missing or n is 0."""
    x, n = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(n, dtype=float))
    valid = np.isfinite(x) & np.isfinite(n) & (n > 0) & (x >= 0) & (x <= n)
    lower = np.full(x.shape, np.nan)
    upper = np.full(x.shape, np.nan)
    xv, nv = x[valid], n[valid]
    if method == "wilson":
        z = _z(alpha)
        p = xv / nv
        denom = 1 + z**2 / nv
        centre = (p + z**2 / (2 * nv)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / nv + z**2 / (4 * nv**2))
        lower[valid] = np.clip(centre - half, 0, 1)
        upper[valid] = np.clip(centre + half, 0, 1)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            lo = special.betaincinv(xv, nv - xv + 1, alpha / 2)
            hi = special.betaincinv(xv + 1, nv - xv, 1 - alpha / 2)
        lower[valid] = np.where(xv == 0, 0.0, lo)
        upper[valid] = np.where(xv == nv, 1.0, hi)
    return lower, upper


def poisson_ci(
    count: Any, exposure: Any = 1.0, *, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    r"""Exact (Garwood) confidence interval of a Poisson rate :math:`x / n`.

    .. math::

        \left[\frac{\chi^2_{\alpha/2}(2x)}{2n},\; \frac{\chi^2_{1-\alpha/2}(2x+2)}{2n}\right]

    with the lower bound 0 when :math:`x = 0`. Used for rates whose numerator is not
    part of the base and can exceed it (dependency ratios, migration volume).

    Parameters
    ----------
    count : array-like
        Number of events :math:`x \ge 0`.
    exposure : array-like, default 1
        Base :math:`n > 0`. A missing value (NaN) or a zero base gives NaN; text,
        infinite or negative values raise :class:`~sozplan.errors.InputError`.
    alpha : float, default 0.05

    Returns
    -------
    lower, upper : ndarray

    References
    ----------
    Garwood, F. (1936). Fiducial limits for the Poisson distribution. Biometrika 28(3/4),
    437-442. doi:10.1093/biomet/28.3-4.437

    Examples
    --------
    >>> from sozplan.indicators import poisson_ci
    >>> lo, hi = poisson_ci(10, 100)
    >>> round(float(lo), 5), round(float(hi), 5)
    (0.04795, 0.1839)
    """
    alpha = _check_alpha(alpha, "poisson_ci")
    x, n = _checked_pair(count, exposure, "count", "exposure", "poisson_ci")
    return _poisson_interval(x, n, alpha)


def _poisson_interval(x: np.ndarray, n: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Garwood bounds; NaN where x or n is missing or n is 0."""
    x, n = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(n, dtype=float))
    valid = np.isfinite(x) & np.isfinite(n) & (n > 0) & (x >= 0)
    lower = np.full(x.shape, np.nan)
    upper = np.full(x.shape, np.nan)
    xv, nv = x[valid], n[valid]
    # chi2.ppf(q, 2x) / 2 is the inverse regularised gamma function at (x, q)
    with np.errstate(invalid="ignore"):
        lo = special.gammaincinv(xv, alpha / 2)
    lower[valid] = np.where(xv == 0, 0.0, lo) / nv
    upper[valid] = special.gammaincinv(xv + 1, 1 - alpha / 2) / nv
    return lower, upper


def _balance_ci(plus: np.ndarray, minus: np.ndarray, base: np.ndarray, alpha: float):
    """Return the normal interval of (plus - minus) / base, Skellam variance plus + minus."""
    z = _z(alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = (plus - minus) / base
        half = z * np.sqrt(plus + minus) / base
    bad = ~(base > 0)
    centre = np.where(bad, np.nan, centre)
    half = np.where(bad, np.nan, half)
    return centre - half, centre + half


def _sum_terms(df: pd.DataFrame, terms: Sequence[str], sign: int | None = None) -> np.ndarray:
    """Sum signed columns (NaN propagates); ``sign`` keeps only terms of that sign."""
    total = np.zeros(len(df))
    for t in terms:
        s = -1 if t.startswith("-") else 1
        if sign is not None and s != sign:
            continue
        total = total + s * pd.to_numeric(df[t.lstrip("-")], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        )
    return total


def evaluate(df: pd.DataFrame, spec: IndicatorSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numerator, denominator and scaled value of ``spec`` on ``df`` (no checks, NaN-safe).

    Low-level helper shared by :func:`rates`, :func:`aggregate`, :func:`change` and
    :func:`sozplan.validation.validate`; it never raises on messy values (non-numeric
    cells become NaN, a zero denominator gives NaN).

    Returns
    -------
    numerator, denominator, value : ndarray

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.indicators import IndicatorSpec
    >>> spec = IndicatorSpec(key="q", label_de="Quote", label_en="rate", numerator="a",
    ...                      denominator="b", multiplier=100)
    >>> num, den, value = evaluate(pd.DataFrame({"a": [1, 3], "b": [4, 0]}), spec)
    >>> value.tolist()
    [25.0, nan]
    """
    num = _sum_terms(df, spec.numerator)
    den = _sum_terms(df, spec.denominator)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan) * spec.multiplier
    return num, den, value


def _intervals(
    df: pd.DataFrame,
    spec: IndicatorSpec,
    num: np.ndarray,
    den: np.ndarray,
    method: str,
    alpha: float,
) -> tuple[np.ndarray, np.ndarray]:
    if spec.kind == "share":
        lo, hi = _proportion_interval(np.clip(num, 0, None), den, alpha, method)
    elif spec.kind == "rate":
        lo, hi = _poisson_interval(num, den, alpha)
    elif spec.kind == "balance":
        lo, hi = _balance_ci(
            _sum_terms(df, spec.numerator, 1), -_sum_terms(df, spec.numerator, -1), den, alpha
        )
    else:
        lo = hi = np.full(len(num), np.nan)
    return lo * spec.multiplier, hi * spec.multiplier


def _status(
    spec: IndicatorSpec,
    num: np.ndarray,
    den: np.ndarray,
    pop: np.ndarray | None,
    min_population: float | None,
    min_denominator: float | None,
) -> np.ndarray:
    """Return status codes (positions in :data:`STATUS`), later rules taking precedence."""
    code = {name: np.int8(i) for i, name in enumerate(STATUS)}
    status = np.full(len(num), code["ok"], dtype=np.int8)
    if min_denominator is not None and spec.kind != "ratio":
        status[den < min_denominator] = code["small_denominator"]
    if pop is not None and min_population is not None:
        status[pop < min_population] = code["small_population"]
    implausible = den < 0
    if spec.kind == "share":
        implausible |= num > den
    status[implausible] = code["implausible"]
    status[den == 0] = code["zero_denominator"]
    status[~(np.isfinite(num) & np.isfinite(den))] = code["suppressed"]
    return status


@immutable
@dataclass(frozen=True, repr=False)
class Rates:
    """Indicator values with confidence intervals, as returned by :func:`rates`.

    Every table is indexed by the areas of the input (rows) and the indicator keys
    (columns, named ``indicator``), so ``result.value`` is the familiar wide table of
    indicators and ``result.to_frame()`` the tidy long table.

    Attributes
    ----------
    value, lower, upper : DataFrame
        Value and interval bounds, scaled by the spec's multiplier (e.g. per cent).
    numerator, denominator : DataFrame
        The summed counts behind each value.
    status : DataFrame
        One of :data:`STATUS` per cell (``"ok"``, ``"small_population"``,
        ``"small_denominator"``, ``"suppressed"``, ``"zero_denominator"``,
        ``"implausible"``).
    specs : tuple of IndicatorSpec
    method : str
        Interval method for shares.
    alpha : float
    warnings : tuple of str
        The data-quality warnings that were issued.
    """

    value: pd.DataFrame
    lower: pd.DataFrame
    upper: pd.DataFrame
    numerator: pd.DataFrame
    denominator: pd.DataFrame
    status: pd.DataFrame
    specs: tuple[IndicatorSpec, ...]
    method: str
    alpha: float
    warnings: tuple[str, ...] = field(default=())

    def __getitem__(self, key: str) -> pd.DataFrame:
        """Return the table of one indicator (value, lower, upper, counts, status)."""
        if key not in self.value.columns:
            raise fail(
                "Rates",
                f"no indicator {key!r}",
                f"use one of {format_values(self.value.columns, 20)}",
            )
        return pd.DataFrame(
            {
                "value": self.value[key],
                "lower": self.lower[key],
                "upper": self.upper[key],
                "numerator": self.numerator[key],
                "denominator": self.denominator[key],
                "status": self.status[key],
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """Tidy long table, one row per area and indicator.

        Returns
        -------
        DataFrame
            Index: (area id, ``indicator``); columns ``value``, ``lower``, ``upper``,
            ``numerator``, ``denominator``, ``status``, ``unit``, ``label``.
        """
        parts = {
            name: getattr(self, name).stack()
            for name in ("value", "lower", "upper", "numerator", "denominator", "status")
        }
        out = pd.concat(parts, axis=1)
        keys = out.index.get_level_values(-1)
        units = {s.key: s.unit for s in self.specs}
        labels = {s.key: s.label_de for s in self.specs}
        out["unit"] = keys.map(units)
        out["label"] = keys.map(labels)
        return out

    def summary(self) -> pd.DataFrame:
        """One row per indicator: overall value, median, range and status counts."""
        rows = []
        for s in self.specs:
            num = self.numerator[s.key].to_numpy(dtype=float)
            den = self.denominator[s.key].to_numpy(dtype=float)
            ok = np.isfinite(num) & np.isfinite(den)
            overall = num[ok].sum() / den[ok].sum() * s.multiplier if den[ok].sum() > 0 else np.nan
            counts = self.status[s.key].value_counts()
            rows.append(
                {
                    "indicator": s.key,
                    "label": s.label_de,
                    "unit": s.unit,
                    "overall": overall,
                    "median": self.value[s.key].median(),
                    "min": self.value[s.key].min(),
                    "max": self.value[s.key].max(),
                    **{st: int(counts.get(st, 0)) for st in STATUS},
                }
            )
        return pd.DataFrame(rows).set_index("indicator")

    def __repr__(self) -> str:
        level = round((1 - self.alpha) * 100)
        head = (
            f"Rates: {len(self.specs)} indicator(s) x {len(self.value)} area(s), "
            f"{level}% intervals ({self.method} for shares)"
        )
        table = self.summary()[
            ["overall", "median", "ok", "small_population", "small_denominator", "suppressed"]
        ]
        lines = [head, table.round(2).to_string()]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        level = round((1 - self.alpha) * 100)
        head = html.escape(
            f"Rates: {len(self.specs)} indicator(s) x {len(self.value)} area(s), "
            f"{level}% intervals ({self.method} for shares)"
        )
        warn = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings)
        return (
            f"<div><strong>{head}</strong>{self.summary().round(2).to_html()}"
            + (f"<ul>{warn}</ul>" if warn else "")
            + "</div>"
        )

    def plot(
        self,
        indicator: str,
        ax: Any = None,
        *,
        sort: bool = True,
        max_areas: int = 200,
        language: str = "de",
    ) -> FigureDisplay:
        """Caterpillar plot: values with intervals, sorted, and the overall value as a line.

        Parameters
        ----------
        indicator : str
        ax : matplotlib Axes, optional
        sort : bool, default True
        max_areas : int, default 200
            Draw at most this many areas (a random-free, evenly spaced selection of the
            sorted areas when there are more); the title says so.
        language : {"de", "en"}, default "de"
            Language of labels, title and alt text.

        Returns
        -------
        sozplan.plotting.FigureDisplay
        """
        import matplotlib.pyplot as plt

        de = german(language, "Rates.plot")
        tab = self[indicator].dropna(subset=["value"])
        if sort:
            tab = tab.sort_values("value")
        n_all = len(tab)
        if n_all > max_areas:
            tab = tab.iloc[np.linspace(0, n_all - 1, max_areas).round().astype(int)]
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4))
        x = np.arange(len(tab))
        small = tab["status"].isin(["small_population", "small_denominator"]).to_numpy()
        err = np.vstack([tab["value"] - tab["lower"], tab["upper"] - tab["value"]])
        err = np.clip(np.nan_to_num(err.astype(float), nan=0.0), 0, None)
        ax.errorbar(
            x[~small],
            tab["value"][~small],
            yerr=err[:, ~small],
            fmt="o",
            ms=3,
            lw=0.8,
            color="C0",
            label="ausreichende Fallzahl" if de else "sufficient count",
        )
        if small.any():
            ax.errorbar(
                x[small],
                tab["value"][small],
                yerr=err[:, small],
                fmt="o",
                ms=3,
                lw=0.8,
                color="C3",
                label="kleine Fallzahl" if de else "small count",
            )
        spec = next(s for s in self.specs if s.key == indicator)
        overall = self.summary().loc[indicator, "overall"]
        ax.axhline(overall, color="0.3", lw=1, ls="--", label="Gesamtwert" if de else "overall")
        ax.set_xlabel("Gebiete, nach Wert sortiert" if de else "Areas, sorted by value")
        name = spec.label(language)
        ax.set_ylabel(f"{name} ({spec.unit})")
        level = round((1 - self.alpha) * 100)
        if de:
            shown = f" ({len(tab)} von {n_all} Gebieten)" if n_all > len(tab) else ""
            title = f"{name}: Wert und {level}-%-Intervall{shown}"
            alt = f"Raupendiagramm: {name} je Gebiet mit {level}-%-Intervall{shown}"
        else:
            shown = f" ({len(tab)} of {n_all} areas)" if n_all > len(tab) else ""
            title = f"{name}: value and {level} % interval{shown}"
            alt = f"Caterpillar plot: {name} per area with {level} % interval{shown}"
        ax.set_title(title)
        ax.legend(loc="upper left", fontsize="small")
        return FigureDisplay.from_axes(ax, "rates", alt, data={"table": tab})


def _check_share(df: pd.DataFrame, s: IndicatorSpec, num: Any, den: Any, where: str) -> None:
    """Raise if a share's numerator exceeds its denominator in some area."""
    if s.kind == "share":
        bad = num > den
        if bad.any():
            pairs = ", ".join(
                f"{a:g} > {b:g}" for a, b in zip(num[bad][:5], den[bad][:5], strict=True)
            )
            raise fail(
                where,
                f"the share {s.key!r}: numerator {'+'.join(s.numerator)} exceeds the "
                "denominator "
                f"{'+'.join(s.denominator)} in {int(bad.sum())} area(s): "
                f"{format_values(df.index[bad])} ({pairs})",
                "correct the data (sozplan.validation.validate lists all such problems) or "
                "declare the indicator kind='rate' if the numerator is not part of the base",
            )


def rates(
    df: pd.DataFrame,
    specs: Any = None,
    *,
    method: str = "wilson",
    alpha: float = 0.05,
    min_population: float | None = 300,
    min_denominator: float | None = 30,
    population: str | None = None,
) -> Rates:
    r"""Compute indicators from counts, with confidence intervals and small-number flags.

    For each spec the value is :math:`y_i = m\,x_i / n_i` (see :class:`IndicatorSpec`).
    The interval depends on the spec's ``kind``:

    - ``share`` (numerator part of the base): Wilson score interval (default) or the
      exact Clopper-Pearson interval, see :func:`proportion_ci`;
    - ``rate`` (numerator can exceed the base): exact Poisson (Garwood) interval,
      see :func:`poisson_ci`;
    - ``balance`` (e.g. in- minus out-moves): :math:`(a-b)/n \pm z\sqrt{a+b}/n`, the
      normal approximation to the Skellam distribution of a difference of counts;
    - ``ratio`` (e.g. density): no interval (NaN).

    Missing or suppressed inputs (NaN) do not raise: the value is NaN with status
    ``"suppressed"``, and a :class:`~sozplan.errors.DataQualityWarning` is issued.
    Values resting on few cases get the status ``"small_population"`` (the area has
    fewer than ``min_population`` residents, as in the Berlin MSS) or
    ``"small_denominator"`` and a :class:`~sozplan.errors.SmallNumbersWarning`.

    Parameters
    ----------
    df : DataFrame
        One row per area (unique index of area ids), count columns.
    specs : IndicatorSpec, str, or sequence or dict of them, optional
        Indicators to compute; keys pick from the shipped catalogue
        (:func:`load_catalog`). Default: every shipped indicator whose columns are in
        ``df``.
    method : {"wilson", "clopper-pearson"}, default "wilson"
        Interval for shares.
    alpha : float, default 0.05
        1 - confidence level.
    min_population : float or None, default 300
        Flag areas with fewer residents (``population`` column); None disables.
    min_denominator : float or None, default 30
        Flag values whose denominator is smaller; None disables.
    population : str or None, default None
        Column with the residents, used for ``min_population`` if present; None:
        no check of ``min_population``.

    Returns
    -------
    Rates
        Wide tables ``value``, ``lower``, ``upper``, ``numerator``, ``denominator``,
        ``status`` (areas x indicators) and ``to_frame()`` for the tidy long table.

    Raises
    ------
    InputError
        If ``df`` is not a DataFrame, has duplicate ids, lacks a needed column, has
        non-numeric or negative counts, or a share's numerator exceeds its denominator.

    See Also
    --------
    aggregate : recompute indicators for larger areas from summed counts.
    sozplan.validation.validate : report all data problems instead of raising.

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.indicators import rates
    >>> df = pd.DataFrame({"einwohner_65_plus": [400, 35],
    ...                    "sgb12_grundsicherung_65_plus": [40, 7]}, index=["01", "02"])
    >>> r = rates(df, "altersarmut", min_population=None)
    >>> r.value.round(1)
    indicator  altersarmut
    01                10.0
    02                20.0
    >>> r.lower.round(2)["altersarmut"].tolist()
    [7.43, 10.04]
    >>> r.status["altersarmut"].tolist()
    ['ok', 'ok']
    """
    where = "rates"
    check_frame(df, where=where)
    check_unique_index(df, where=where)
    alpha = _check_alpha(alpha, where)
    method = {"exact": "clopper-pearson", "beta": "clopper-pearson"}.get(method, method)
    if method not in _SHARE_METHODS:
        raise fail(where, f"`method` is {method!r}", "use 'wilson' or 'clopper-pearson'")
    for name, val in (("min_population", min_population), ("min_denominator", min_denominator)):
        if val is not None and (not isinstance(val, (int, float)) or val < 0):
            raise fail(where, f"`{name}` is {val!r}", "pass a non-negative number or None")
    spec_tuple = resolve_specs(specs, df, where=where)
    cols = list(dict.fromkeys(c for s in spec_tuple for c in s.columns))
    check_counts(df, cols, where=where, allow_nan=True)
    pop = None
    if population is not None and population in df.columns:
        check_counts(df, [population], where=where, allow_nan=True)
        pop = df[population].to_numpy(dtype=float, na_value=np.nan)

    out: dict[str, dict[str, np.ndarray]] = {
        k: {} for k in ("value", "lower", "upper", "numerator", "denominator", "status")
    }
    for s in spec_tuple:
        num, den, value = evaluate(df, s)
        _check_share(df, s, num, den, where)
        lo, hi = _intervals(df, s, num, den, method, alpha)
        out["value"][s.key] = value
        out["lower"][s.key] = lo
        out["upper"][s.key] = hi
        out["numerator"][s.key] = num
        out["denominator"][s.key] = den
        out["status"][s.key] = _status(s, num, den, pop, min_population, min_denominator)

    status_arrays = out["status"]
    frames = {}
    for name, data in out.items():
        frame = pd.DataFrame(data, index=df.index, columns=[s.key for s in spec_tuple])
        if name == "status":
            frame = pd.DataFrame(
                {
                    k: pd.Categorical.from_codes(v, categories=list(STATUS))
                    for k, v in data.items()
                },
                index=df.index,
                columns=[s.key for s in spec_tuple],
            )
        frame.columns.name = "indicator"
        frames[name] = frame

    messages = []
    keys = [s.key for s in spec_tuple]
    for code, cls, text in (
        (
            "suppressed",
            DataQualityWarning,
            "missing or suppressed input counts; values set to NaN",
        ),
        ("zero_denominator", DataQualityWarning, "zero denominators; values undefined (NaN)"),
        (
            "small_population",
            SmallNumbersWarning,
            f"areas with fewer than {min_population} residents",
        ),
        (
            "small_denominator",
            SmallNumbersWarning,
            f"values with a denominator below {min_denominator}",
        ),
    ):
        mask = (
            np.column_stack([status_arrays[k] == list(STATUS).index(code) for k in keys])
            if keys
            else np.zeros((len(df), 0), bool)
        )
        if mask.any():
            inds = [k for k, m in zip(keys, mask.any(axis=0), strict=True) if m]
            rows = df.index[mask.any(axis=1)]
            msg = (
                f"rates: {int(mask.sum())} value(s) flagged {code!r} ({text}); indicators "
                f"{format_values(inds)}; areas {format_values(rows)}"
            )
            messages.append(msg)
            warnings.warn(msg, cls, stacklevel=2)
    return Rates(**frames, specs=spec_tuple, method=method, alpha=alpha, warnings=tuple(messages))
