"""Outcome monitoring: difference-in-differences with matched comparison areas."""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.text import german
from sozplan.checks import (
    check_alpha,
    check_draws,
    check_frame,
    check_rng,
    fail,
    format_values,
    is_whole,
)
from sozplan.errors import InputError, MethodWarning
from sozplan.indicators import evaluate, load_catalog, resolve_specs
from sozplan.planning._common import html_block
from sozplan.planning._model import validate_measures
from sozplan.plotting import FigureDisplay

__all__ = ["DiDResult", "Matching", "difference_in_differences"]


@immutable
@dataclass(frozen=True)
class Matching:
    """How :func:`difference_in_differences` finds the comparison areas (before the start).

    Parameters
    ----------
    match_on : str or sequence of str, default "outcome"
        Matching variables: ``"outcome"`` and/or columns of the panel (e.g. a status
        index computed per year).
    match_years : sequence of int, optional
        Years in which the matching variables are taken (default: the baseline year).
        Matching on several pre-years matches on the pre-trend as well; the pre-trend
        test is then no longer an independent check (the result's notes say so).
    n_neighbors : int, default 1
        Controls per treated area.
    replace : bool, default False
        With replacement (nearest neighbours; a control may serve several treated
        areas) or without (optimal assignment, Rosenbaum 1989).
    caliper : float, optional
        Maximal distance (standard deviations); treated areas without a control within
        it are left out (listed, MethodWarning).
    exclude : sequence of area ids, optional
        Areas never to be used as controls.
    clean_controls : bool, default True
        With ``measures``, areas served by *other* measures running up to the
        evaluation year are not used as controls.

    Examples
    --------
    >>> Matching(n_neighbors=2, replace=True).n_neighbors
    2
    >>> Matching(caliper=-1)
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: Matching: `caliper` is -1. Fix: pass a positive number of standard deviations or None.
    """

    match_on: Hashable | tuple[Hashable, ...] = "outcome"
    match_years: tuple[int, ...] | None = None
    n_neighbors: int = 1
    replace: bool = False
    caliper: float | None = None
    exclude: tuple[Hashable, ...] | None = None
    clean_controls: bool = True

    def __post_init__(self) -> None:
        where = "Matching"
        n = self.n_neighbors
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise fail(where, f"`n_neighbors` is {n!r}", "pass a positive integer")
        c = self.caliper
        if c is not None and (isinstance(c, bool) or not isinstance(c, int | float) or c <= 0):
            raise fail(
                where,
                f"`caliper` is {c!r}",
                "pass a positive number of standard deviations or None",
            )
        # sequences become tuples: the options are immutable and hashable
        for name in ("match_on", "match_years", "exclude"):
            value = getattr(self, name)
            if isinstance(value, Sequence | pd.Index | np.ndarray) and not isinstance(value, str):
                object.__setattr__(self, name, tuple(value))
        object.__setattr__(self, "n_neighbors", int(n))


def _as_matching(matching: Any, where: str) -> Matching:
    """Return a Matching from None (the defaults), a Matching or a mapping of its fields."""
    if matching is None:
        return Matching()
    if isinstance(matching, Matching):
        return matching
    if isinstance(matching, Mapping):
        known = [f.name for f in fields(Matching)]
        unknown = [k for k in matching if k not in known]
        if unknown:
            raise fail(
                where,
                f"`matching` has unknown key(s) {format_values(unknown)}",
                f"use {', '.join(known)}",
            )
        try:
            return Matching(**matching)
        except InputError as exc:
            # the message names the called function already; say that the fault is in `matching`
            text = str(exc).split(": ", 1)[-1]
            raise InputError(f"{where}: `matching`: {text}") from exc
    raise fail(
        where,
        f"`matching` is a {type(matching).__name__}",
        "pass a Matching(...), a dict of its fields or None",
    )


@immutable
@dataclass(frozen=True, repr=False)
class DiDResult:
    """Result of :func:`difference_in_differences`.

    Attributes
    ----------
    outcome : str
        The outcome (column or indicator key).
    effect : float
        Estimated effect on the treated areas in ``evaluation`` relative to ``baseline``
        (units of the outcome, e.g. percentage points).
    se, ci_low, ci_high, p_value : float
        Standard error, confidence interval at level ``1 - alpha`` and two-sided p-value.
    df : int
        Degrees of freedom of the t distribution (number of matched treated areas - 1).
    event_study : DataFrame
        One row per year: ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``p_value``,
        ``period`` (``"pre"``, ``"baseline"``, ``"post"``).
    pretrend_p : float
        p-value of the joint test that all pre-period estimates are 0 (NaN if there is
        no pre-period besides the baseline).
    pretrend_slope : float
        Slope per year of the pre-period estimates (incl. the baseline's 0).
    pretrend_bias : float
        ``pretrend_slope * (evaluation - baseline)``: the bias of ``effect`` if the
        pre-trend difference went on linearly.
    matches : DataFrame
        Matched pairs: ``treated``, ``control``, ``distance`` (in standard deviations),
        ``weight``.
    balance : DataFrame
        Means of the matching variables for treated areas, all candidate controls and
        matched controls, with standardised differences before and after matching.
    means : DataFrame
        Mean outcome per year of the treated and of the (weighted) matched controls.
    treated, unmatched : tuple
        Treated areas used; treated areas without a control within the caliper.
    warnings : tuple of str
        The method warnings that were issued (e.g. differing pre-trends).
    notes : tuple of str
        Everything left out or decided on the way (excluded areas, etc.).
    """

    outcome: str
    effect: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    df: int
    alpha: float
    ci_method: str
    start: int
    baseline: int
    evaluation: int
    event_study: pd.DataFrame
    pretrend_p: float
    pretrend_slope: float
    pretrend_bias: float
    matches: pd.DataFrame
    balance: pd.DataFrame
    means: pd.DataFrame
    treated: tuple
    unmatched: tuple
    n_pool: int
    measure: str | None = None
    warnings: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())
    settings: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """Return the event-study table (one row per year)."""
        return self.event_study.copy()

    def summary(self) -> pd.DataFrame:
        """One row: effect, interval, p-value, pre-trend test and sample sizes."""
        return pd.DataFrame(
            {
                "outcome": [self.outcome],
                "measure": [self.measure],
                "effect": [self.effect],
                "se": [self.se],
                "ci_low": [self.ci_low],
                "ci_high": [self.ci_high],
                "p_value": [self.p_value],
                "pretrend_p": [self.pretrend_p],
                "pretrend_bias": [self.pretrend_bias],
                "n_treated": [len(self.treated)],
                "n_controls": [self.matches["control"].nunique()],
                "baseline": [self.baseline],
                "evaluation": [self.evaluation],
            }
        )

    def _title(self) -> str:
        lvl = round((1 - self.alpha) * 100)
        m = f" of {self.measure}" if self.measure else ""
        return (
            f"Difference-in-differences{m} on {self.outcome!r}, {self.evaluation} vs "
            f"{self.baseline}: "
            f"{self.effect:+.3f} ({lvl}% CI {self.ci_low:+.3f} to {self.ci_high:+.3f}, p = "
            f"{self.p_value:.3g}); "
            f"{len(self.treated)} treated, {self.matches['control'].nunique()} matched "
            "controls of "
            f"{self.n_pool}; pre-trend test p = {self.pretrend_p:.3g}"
        )

    def __repr__(self) -> str:
        tab = self.event_study[["estimate", "se", "ci_low", "ci_high", "p_value", "period"]].round(
            3
        )
        return "\n".join(
            [
                self._title(),
                tab.to_string(),
                *[f"warning: {w}" for w in self.warnings],
                *[f"note: {n}" for n in self.notes],
            ]
        )

    def _repr_html_(self) -> str:
        return html_block(
            self._title(),
            self.event_study,
            [*[f"warning: {w}" for w in self.warnings], *self.notes],
            float_format="{:,.3f}",
        )

    def plot(self, ax: Any = None, *, kind: str = "event", language: str = "de") -> FigureDisplay:
        """Draw the event study (``kind="event"``) or the mean outcomes (``kind="trends"``)."""
        import matplotlib.pyplot as plt

        de = german(language, "DiDResult.plot")
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.8))
        if kind == "trends":
            ax.plot(
                self.means.index,
                self.means["treated"],
                "o-",
                color="C3",
                label="Maßnahmegebiete" if de else "treated areas",
            )
            ax.plot(
                self.means.index,
                self.means["controls"],
                "s--",
                color="C0",
                label="Vergleichsgebiete (gematcht)" if de else "matched comparison areas",
            )
            ax.axvline(self.start - 0.5, color="0.5", lw=0.8, ls=":")
            ax.set_ylabel(self.outcome)
            ax.set_title(
                "Mittelwerte: Maßnahme- und Vergleichsgebiete"
                if de
                else "Means of treated and controls"
            )
            ax.set_xticks(self.means.index)
            ax.legend(fontsize="small")
            alt = (
                "Ereignisstudie bzw. mittlere Verläufe von Maßnahme- und Vergleichsgebieten"
                if de
                else "Event study or mean outcomes of treated and comparison areas"
            )
            return FigureDisplay.from_axes(ax, "difference_in_differences", alt)
        if kind != "event":
            raise fail("DiDResult.plot", f"`kind` is {kind!r}", "use 'event' or 'trends'")
        es = self.event_study
        colour = es["period"].map({"pre": "C1", "baseline": "0.4", "post": "C0"}).to_numpy()
        for (yr, r), c in zip(es.iterrows(), colour, strict=True):
            ax.errorbar(
                yr,
                r["estimate"],
                yerr=[[r["estimate"] - r["ci_low"]], [r["ci_high"] - r["estimate"]]],
                fmt="o",
                color=c,
                capsize=3,
            )
        ax.axhline(0, color="0.3", lw=0.8)
        ax.axvline(self.start - 0.5, color="0.5", lw=0.8, ls=":")
        lvl = round((1 - self.alpha) * 100)
        ax.set_xticks(es.index)
        ax.set_xlabel("Jahr" if de else "year")
        ax.set_ylabel(
            f"Effekt auf {self.outcome} ({lvl}-%-KI)"
            if de
            else f"effect on {self.outcome} ({lvl}% CI)"
        )
        title = ("Ereignisstudie" if de else "Event study") + (
            f" {self.measure}" if self.measure else ""
        )
        if self.warnings:
            title += " – Vortrend!" if de else " – pre-trend!"
        ax.set_title(title)
        alt = (
            "Ereignisstudie bzw. mittlere Verläufe von Maßnahme- und Vergleichsgebieten"
            if de
            else "Event study or mean outcomes of treated and comparison areas"
        )
        return FigureDisplay.from_axes(ax, "difference_in_differences", alt)


def _outcome_values(panel: pd.DataFrame, outcome: Hashable, where: str) -> pd.Series:
    """Return the outcome per (area, year), a numeric column or an evaluated indicator."""
    if outcome in panel.columns:
        col = panel[outcome]
        if not pd.api.types.is_numeric_dtype(col):
            raise fail(where, f"outcome column {outcome!r} is not numeric", "convert it first")
        values = col.astype(float)
    elif not isinstance(outcome, str) or outcome not in load_catalog():
        raise fail(
            where,
            f"`outcome` {outcome!r} is neither a column of `panel` nor a key of the indicator "
            "catalogue",
            f"name a numeric column of `panel` ({format_values(panel.columns)}) or an "
            "indicator key such as 'sgb2_quote' (sozplan.indicators.load_catalog)",
        )
    else:
        spec = resolve_specs(outcome, panel, where=where)[0]
        _, _, value = evaluate(panel, spec)
        values = pd.Series(value, index=panel.index, name=outcome, dtype=float)
    inf = np.isinf(values.to_numpy())
    if inf.any():
        at = [f"{a} {y}" for a, y in values.index[inf]]
        raise fail(
            where,
            f"the outcome {outcome!r} has {int(inf.sum())} infinite value(s), at {format_values(at)}",
            "an infinite value usually comes from a division by zero upstream; correct it or "
            "set it to NaN (a missing value)",
        )
    return values


def _t_test(d: np.ndarray, alpha: float) -> tuple[float, float, float, float, float]:
    """Mean, SE, CI and p-value of the per-unit differences ``d`` (t with n-1 df)."""
    n = len(d)
    est = float(d.mean())
    if n < 2:
        return est, np.nan, np.nan, np.nan, np.nan
    se = float(d.std(ddof=1) / np.sqrt(n))
    from scipy import stats  # heavy: scipy.stats only when a test is computed

    q = stats.t.ppf(1 - alpha / 2, n - 1)
    p = (1.0 if est == 0 else 0.0) if se == 0 else float(2 * stats.t.sf(abs(est / se), n - 1))
    return est, se, est - q * se, est + q * se, p


def _match(dist: np.ndarray, k: int, replace: bool, caliper: float | None) -> list[list[int]]:
    """Control positions matched to each treated row of ``dist`` (treated x pool)."""
    n_t = dist.shape[0]
    big = 1e12
    d = dist if caliper is None else np.where(dist <= caliper, dist, big)
    if replace:
        if k < d.shape[1]:
            part = np.argpartition(d, k - 1, axis=1)[:, :k]
            near = np.argsort(np.take_along_axis(d, part, axis=1), axis=1, kind="stable")
            order = np.take_along_axis(part, near, axis=1)
        else:
            order = np.argsort(d, axis=1, kind="stable")
        out = [[int(j) for j in order[i] if d[i, j] < big] for i in range(n_t)]
    else:
        from scipy import optimize  # heavy: scipy.optimize only for matching without replacement

        rep = np.repeat(d, k, axis=0)
        rows, cols = optimize.linear_sum_assignment(rep)
        out = [[] for _ in range(n_t)]
        for r, c in zip(rows, cols, strict=True):
            if rep[r, c] < big:
                out[r // k].append(int(c))
    return out


def difference_in_differences(
    panel: pd.DataFrame,
    outcome: Hashable,
    treated: Sequence[Hashable] | None = None,
    start: int | None = None,
    *,
    measure: str | None = None,
    measures: pd.DataFrame | None = None,
    baseline: int | None = None,
    evaluation: int | None = None,
    matching: Matching | Mapping[str, Any] | None = None,
    population: Hashable | None = None,
    min_population: float | None = 300,
    ci: str = "cluster",
    n_bootstrap: int = 999,
    alpha: float = 0.05,
    pretrend_alpha: float = 0.1,
    rng: Any = None,
) -> DiDResult:
    r"""Effect of a measure by difference-in-differences against matched comparison areas.

    **Design.** Treated areas :math:`i \in T` (those of the measure) are compared with
    comparison areas matched *before the start*: on the standardised matching
    variables in the ``baseline`` year (default: the outcome itself; or columns such as
    a status index), by nearest-neighbour matching with ``n_neighbors`` controls per
    treated area, without replacement (optimal assignment that minimises the total
    distance, Rosenbaum 1989) or with replacement, optionally within a ``caliper`` (in
    standard deviations). Each control of treated area :math:`i` gets the weight
    :math:`w_{ij} = 1/k_i`. The event-study estimate for year :math:`t` is

    .. math::

        \hat\tau_t = \frac{1}{|T|} \sum_{i \in T} d_{it}, \qquad
        d_{it} = (Y_{it} - Y_{ib}) - \sum_j w_{ij} (Y_{jt} - Y_{jb}),

    with :math:`b` the baseline year (default ``start - 1``); the effect is
    :math:`\hat\tau_e` in the ``evaluation`` year (default: the last year).

    **Inference.** ``ci="cluster"``: the match sets are the clusters (Abadie & Spiess
    2022), :math:`\widehat{se} = s_d / \sqrt{|T|}` with a t distribution with
    :math:`|T| - 1` degrees of freedom; ``ci="bootstrap"``: match sets resampled
    ``n_bootstrap`` times, percentile interval. With replacement, controls used by several
    treated areas make the match sets dependent and both intervals somewhat too narrow
    (a note says how often controls are reused).

    **Pre-trends.** The pre-period estimates :math:`\hat\tau_t, t < \text{start}, t \ne
    b` should be 0 under parallel trends. They are tested jointly (Hotelling's
    :math:`T^2` on the vectors :math:`d_{i,\text{pre}}`, or a t-test for one pre-year);
    if :math:`p <` ``pretrend_alpha`` a :class:`~sozplan.errors.MethodWarning` is issued
    and listed in the result. A non-significant test is weak evidence with few areas
    (Roth 2022): the result also reports the pre-trend slope and the bias it would
    cause if it continued (``pretrend_bias``).

    Parameters
    ----------
    panel : DataFrame
        Long table indexed by (area id, year), e.g.
        ``load_musterstadt("planning_area", year="all")``.
    outcome : str
        A numeric column of ``panel`` or a key of the indicator catalogue (computed with
        :func:`sozplan.indicators.evaluate`, e.g. ``"sgb2_quote"``).
    treated : sequence of area ids, optional
        The treated areas; or give ``measure`` and ``measures``.
    start : int, optional
        First year of the measure.
    measure : str, optional
        Measure id in ``measures``: its areas are ``treated`` and its ``beginn`` the start.
    measures : DataFrame, optional
        Measures table; with ``Matching(clean_controls=True)`` (the default), areas
        served by *other* measures running up to the evaluation year are not used as
        controls.
    baseline : int, optional
        Reference year (default ``start - 1``).
    evaluation : int, optional
        Year of the reported effect (default: the last year of ``panel``).
    matching : Matching or dict, optional
        How the comparison areas are matched: variables and years, neighbours per
        treated area, with or without replacement, caliper, excluded areas, clean
        controls (:class:`Matching`; a dict of its fields works too). Default:
        ``Matching()``, one control per treated area on the outcome in the baseline
        year, without replacement.
    population : str, optional
        Residents column, for ``min_population``.
    min_population : float or None, default 300
        Candidate controls with fewer residents in the baseline year are left out (noisy
        rates); treated areas below it only give a note.
    ci : {"cluster", "bootstrap"}, default "cluster"
    n_bootstrap : int, default 999
    alpha : float, default 0.05
    pretrend_alpha : float, default 0.1
    rng : None, int or Generator
        For the bootstrap.

    Returns
    -------
    DiDResult

    Raises
    ------
    InputError
        Panel not indexed by (area, year), unknown treated areas, a start or baseline
        outside the panel years, missing outcome values of treated areas, too few
        candidate controls, bad options.

    Warns
    -----
    MethodWarning
        Pre-trends differ (p < ``pretrend_alpha``); treated areas without a control within
        the caliper; no pre-period to test.

    References
    ----------
    Abadie, A., Spiess, J. (2022): Robust post-matching inference. Journal of the
    American Statistical Association 117(538), 983-995.
    https://doi.org/10.1080/01621459.2020.1840383

    Rosenbaum, P. R. (1989): Optimal matching for observational studies. Journal of the
    American Statistical Association 84(408), 1024-1032. https://doi.org/10.2307/2290079

    Roth, J. (2022): Pretest with caution: event-study estimates after testing for
    parallel trends. American Economic Review: Insights 4(3), 305-322.
    https://doi.org/10.1257/aeri.20210236

    Stuart, E. A. (2010): Matching methods for causal inference: a review and a look
    forward. Statistical Science 25(1), 1-21. https://doi.org/10.1214/09-STS313

    Examples
    --------
    >>> from sozplan.datasets import load_measures, load_musterstadt, load_truth
    >>> panel = load_musterstadt("planning_area", year="all")
    >>> res = difference_in_differences(panel, "sgb2_quote", measure="M01",
    ...                                 measures=load_measures(), population="einwohner")
    >>> truth = load_truth()["measures"]["effect"]["effect_pp"]
    >>> bool(res.ci_low <= truth <= res.ci_high)
    True
    """
    where = "difference_in_differences"
    check_frame(panel, arg="panel", where=where)
    alpha, pretrend_alpha = _check_did_options(panel, alpha, pretrend_alpha, ci, where)
    n_bootstrap = check_draws(n_bootstrap, arg="n_bootstrap", where=where, minimum=2, example=999)
    match = _as_matching(matching, where)
    notes: list[str] = []
    warns: list[str] = []
    m_table = validate_measures(measures) if measures is not None else None
    treated, start = _treated_and_start(panel, treated, start, measure, m_table, where)
    wide = _wide_outcome(panel, outcome, treated, where)
    years = list(wide.columns)
    baseline, evaluation = _did_years(years, start, baseline, evaluation, where)
    bad_t = wide.loc[treated].isna().any(axis=1)
    if bad_t.any():
        raise fail(
            where,
            f"the outcome is missing for treated area(s) {format_values(bad_t.index[bad_t])}",
            "fill the data or leave these areas out of `treated`",
        )
    pool = _control_pool(
        panel,
        wide,
        treated,
        exclude=match.exclude,
        served=_served_by_other_measures(m_table, measure, evaluation, years[0])
        if match.clean_controls
        else None,
        population=population,
        min_population=min_population,
        baseline=baseline,
        notes=notes,
        where=where,
    )
    match_cols, m_years = _match_design(
        match.match_on, match.match_years, years, start, baseline, where
    )
    X = _matching_variables(panel, wide, match_cols, m_years, where)
    pool = _drop_unmatchable(X, treated, pool, notes, where)
    matches, used, unmatched = _match_controls(
        X, treated, pool, match.n_neighbors, match.replace, match.caliper, notes, warns, where
    )
    D = _unit_differences(wide, matches, used, baseline)
    rng_ = check_rng(rng, where=where) if ci == "bootstrap" else None
    es = _event_study(D, start, baseline, alpha, rng_, n_bootstrap)
    matched_years = m_years if "outcome" in match_cols else []
    p_pre, slope, bias = _pretrend_check(
        D, es, (start, baseline, evaluation), matched_years, (alpha, pretrend_alpha), notes, warns
    )
    ctrl_w = matches[matches["treated"].isin(used)].groupby("control")["weight"].sum()
    eff = es.loc[evaluation]
    settings = {
        "match_on": match_cols,
        "match_years": m_years,
        "n_neighbors": match.n_neighbors,
        "replace": match.replace,
        "caliper": match.caliper,
        "clean_controls": match.clean_controls,
        "min_population": min_population,
        "ci": ci,
        "n_bootstrap": n_bootstrap,
        "alpha": alpha,
        "pretrend_alpha": pretrend_alpha,
    }
    return DiDResult(
        outcome=str(outcome),
        effect=float(eff["estimate"]),
        se=float(eff["se"]),
        ci_low=float(eff["ci_low"]),
        ci_high=float(eff["ci_high"]),
        p_value=float(eff["p_value"]),
        df=len(used) - 1,
        alpha=alpha,
        ci_method=ci,
        start=start,
        baseline=baseline,
        evaluation=evaluation,
        event_study=es,
        pretrend_p=float(p_pre),
        pretrend_slope=float(slope),
        pretrend_bias=float(bias),
        matches=matches,
        balance=_balance(X, used, pool, ctrl_w),
        means=_means(wide, used, ctrl_w),
        treated=tuple(used),
        unmatched=unmatched,
        n_pool=len(pool),
        measure=measure,
        warnings=tuple(warns),
        notes=tuple(notes),
        settings=settings,
    )


def _check_did_options(
    panel: pd.DataFrame,
    alpha: float,
    pretrend_alpha: float,
    ci: str,
    where: str,
) -> tuple[float, float]:
    """Check the panel's index and the options; return the two checked levels."""
    if not isinstance(panel.index, pd.MultiIndex) or panel.index.nlevels != 2:
        raise fail(
            where,
            "`panel` is not indexed by (area id, year)",
            "pass a long table, e.g. load_musterstadt('planning_area', year='all')",
        )
    if not panel.index.is_unique:
        raise fail(
            where, "`panel` has duplicate (area, year) rows", "keep one row per area and year"
        )
    alpha = check_alpha(alpha, where=where)
    pretrend_alpha = check_alpha(pretrend_alpha, arg="pretrend_alpha", where=where, example=0.1)
    if ci not in ("cluster", "bootstrap"):
        raise fail(where, f"`ci` is {ci!r}", "use 'cluster' or 'bootstrap'")
    return alpha, pretrend_alpha


def _treated_and_start(
    panel: pd.DataFrame,
    treated: Sequence[Hashable] | None,
    start: int | None,
    measure: str | None,
    m_table: pd.DataFrame | None,
    where: str,
) -> tuple[list, int]:
    """Return the treated areas (ids as in the panel) and the start year (given or of `measure`)."""
    if measure is not None:
        if m_table is None:
            raise fail(
                where,
                "`measure` is given without `measures`",
                "pass the measures table as `measures=`",
            )
        if measure not in m_table.index:
            raise fail(
                where, f"unknown measure {measure!r}", f"use one of {format_values(m_table.index)}"
            )
        if treated is None:
            treated = list(m_table.at[measure, "gebiete"])
        if start is None:
            start = int(m_table.at[measure, "beginn"])
    if treated is None or start is None:
        raise fail(
            where, "`treated` and `start` are needed", "pass them, or `measure=` with `measures=`"
        )
    ids = [str(a) for a in treated] if panel.index.levels[0].dtype != "int64" else list(treated)
    if len(set(ids)) != len(ids):
        raise fail(where, "`treated` names an area twice", "name each area once")
    if not is_whole(start):
        raise fail(where, f"`start` is {start!r}", "pass the first year of the measure, e.g. 2022")
    return ids, int(start)


def _wide_outcome(
    panel: pd.DataFrame, outcome: Hashable, treated: list, where: str
) -> pd.DataFrame:
    """Return the outcome as areas x years (int years, sorted); every treated area in it."""
    wide = _outcome_values(panel, outcome, where).unstack(level=1)
    wide.columns = [int(v) for v in wide.columns]
    wide = wide[sorted(wide.columns)]
    unknown = [a for a in treated if a not in wide.index]
    if unknown:
        raise fail(
            where,
            f"treated area(s) not in `panel`: {format_values(unknown)}",
            "check the ids against the panel's index",
        )
    return wide


def _did_years(
    years: list[int], start: int, baseline: int | None, evaluation: int | None, where: str
) -> tuple[int, int]:
    """Baseline (default ``start - 1``) and evaluation year (default: the last), checked."""
    baseline = start - 1 if baseline is None else int(baseline)
    evaluation = years[-1] if evaluation is None else int(evaluation)
    if baseline not in years:
        raise fail(
            where,
            f"the baseline year {baseline} is not in the panel ({years[0]}-{years[-1]})",
            "choose a start or baseline within the panel years",
        )
    if baseline >= start:
        raise fail(
            where,
            f"the baseline year {baseline} is not before the start {start}",
            "choose a baseline year before the measure starts",
        )
    if evaluation not in years or evaluation < start:
        raise fail(
            where,
            f"the evaluation year {evaluation} is not a panel year from the start {start} on",
            f"choose one of {format_values([v for v in years if v >= start])}",
        )
    return baseline, evaluation


def _served_by_other_measures(
    m_table: pd.DataFrame | None, measure: str | None, evaluation: int, first_year: int
) -> set | None:
    """Areas of the other measures running in the panel years up to the evaluation year."""
    if m_table is None:
        return None
    run = m_table[(m_table["beginn"] <= evaluation) & (m_table["ende"] >= first_year)]
    if measure is not None:
        run = run.drop(index=measure, errors="ignore")
    return {a for g in run["gebiete"] for a in g}


def _baseline_population(
    panel: pd.DataFrame,
    population: Hashable | None,
    min_population: float | None,
    baseline: int,
    where: str,
) -> pd.Series | None:
    """Return the residents per area in the baseline year (None without `population`)."""
    if min_population is not None and (
        isinstance(min_population, bool)
        or not isinstance(min_population, int | float | np.number)
        or not np.isfinite(min_population)
        or min_population < 0
    ):
        raise fail(
            where,
            f"`min_population` is {min_population!r}",
            "pass a number of residents >= 0, or None to keep small areas as controls",
        )
    if population is None:
        return None
    if population not in panel.columns:
        raise fail(
            where,
            f"`population` names no column of `panel`: {population!r}",
            f"pass the residents column, one of {format_values(panel.columns)}",
        )
    col = panel[population]
    if not pd.api.types.is_numeric_dtype(col) or isinstance(col.dtype, pd.BooleanDtype):
        raise fail(
            where,
            f"the residents column {population!r} is not numeric ({col.dtype})",
            "convert it to numbers first, e.g. with pd.to_numeric",
        )
    return col.astype(float).xs(baseline, level=1)


def _control_pool(
    panel: pd.DataFrame,
    wide: pd.DataFrame,
    treated: list,
    *,
    exclude: Sequence[Hashable] | None,
    served: set | None,
    population: Hashable | None,
    min_population: float | None,
    baseline: int,
    notes: list[str],
    where: str,
) -> pd.Index:
    """Candidate controls: untreated areas less the excluded, served, small and incomplete."""
    pool = wide.index.difference(pd.Index(treated))
    dropped: dict[str, list] = {}
    if exclude is not None:
        ex = pd.Index([str(a) for a in exclude])
        dropped["excluded"] = list(pool.intersection(ex))
        pool = pool.difference(ex)
    if served is not None:
        dropped["served by other measures"] = sorted(set(pool) & served)
        pool = pool.difference(pd.Index(sorted(served)))
    pop_b = _baseline_population(panel, population, min_population, baseline, where)
    if pop_b is not None and min_population is not None:
        unknown = pop_b.index[pop_b.isna()]
        dropped[f"residents missing in {baseline}"] = sorted(set(pool) & set(unknown))
        pool = pool.difference(unknown)
        small = pop_b.index[pop_b < min_population]
        dropped[f"fewer than {min_population:g} residents in {baseline}"] = sorted(
            set(pool) & set(small)
        )
        pool = pool.difference(small)
        small_t = [a for a in treated if a in set(small)]
        if small_t:
            notes.append(
                f"treated area(s) with fewer than {min_population:g} residents (noisy): "
                f"{format_values(small_t)}"
            )
    miss = wide.loc[pool].isna().any(axis=1)
    dropped["missing outcome"] = list(miss.index[miss])
    pool = pool[~miss.to_numpy()]
    for reason, ids in dropped.items():
        if ids:
            notes.append(
                f"{len(ids)} candidate control(s) left out ({reason}): {format_values(ids)}"
            )
    return pool


def _match_design(
    match_on: Hashable | Sequence[Hashable],
    match_years: Sequence[int] | None,
    years: list[int],
    start: int,
    baseline: int,
    where: str,
) -> tuple[list, list[int]]:
    """Return the matching variables and the (pre-start) years they are taken in."""
    match_cols = (
        [match_on]
        if isinstance(match_on, str) or not isinstance(match_on, Sequence)
        else list(match_on)
    )
    m_years = [baseline] if match_years is None else [int(v) for v in match_years]
    late = [v for v in m_years if v not in years or v >= start]
    if late or not m_years:
        raise fail(
            where,
            f"`match_years` {format_values(late) if late else '(empty)'} are not panel years "
            f"before the start {start}",
            "match only on years before the measure starts",
        )
    return match_cols, m_years


def _matching_variables(
    panel: pd.DataFrame, wide: pd.DataFrame, match_cols: list, m_years: list[int], where: str
) -> pd.DataFrame:
    """One column per matching variable and year, on the areas of ``wide``."""
    X = {}
    for c in match_cols:
        for v in m_years:
            name = c if len(m_years) == 1 else f"{c}_{v}"
            if c == "outcome":
                X[name] = wide[v]
            elif c in panel.columns:
                if not pd.api.types.is_numeric_dtype(panel[c]):
                    raise fail(
                        where,
                        f"the matching variable {c!r} is not numeric ({panel[c].dtype})",
                        "convert it to numbers first, e.g. with pd.to_numeric",
                    )
                X[name] = panel[c].xs(v, level=1).astype(float)
            else:
                raise fail(
                    where,
                    f"`match_on` names {c!r}, neither 'outcome' nor a column of `panel`",
                    "use 'outcome' or columns of the panel",
                )
    out = pd.DataFrame(X).reindex(wide.index)
    inf = np.isinf(out.to_numpy()).any(axis=1)
    if inf.any():
        raise fail(
            where,
            f"the matching variables are infinite for area(s) {format_values(out.index[inf])}",
            "an infinite value usually comes from a division by zero upstream; correct it or "
            "set it to NaN (a missing value)",
        )
    return out


def _drop_unmatchable(
    X: pd.DataFrame, treated: list, pool: pd.Index, notes: list[str], where: str
) -> pd.Index:
    """Raise if a treated area lacks a matching variable; leave such candidates out (noted)."""
    nanx = X.loc[treated].isna().any(axis=1)
    if nanx.any():
        raise fail(
            where,
            f"matching variables missing for treated area(s) {format_values(nanx.index[nanx])}",
            "fill them or choose other `match_on`",
        )
    nanp = X.loc[pool].isna().any(axis=1)
    if nanp.any():
        notes.append(
            f"{int(nanp.sum())} candidate control(s) left out (missing matching variables): "
            f"{format_values(pool[nanp.to_numpy()])}"
        )
        pool = pool[~nanp.to_numpy()]
    return pool


def _unit_differences(
    wide: pd.DataFrame, matches: pd.DataFrame, used: list, baseline: int
) -> pd.DataFrame:
    """Return d_it: change of each treated area since baseline less its controls' weighted change."""
    change = wide.sub(wide[baseline], axis=0)
    w_mat = matches.pivot_table(
        index="treated", columns="control", values="weight", aggfunc="sum", fill_value=0.0
    )
    w_mat = w_mat.reindex(index=used)
    ctrl_change = w_mat.to_numpy() @ change.loc[w_mat.columns].to_numpy()
    return pd.DataFrame(
        change.loc[used].to_numpy() - ctrl_change,  # treated x years
        index=pd.Index(used, name="treated"),
        columns=wide.columns,
    )


def _match_controls(
    X: pd.DataFrame,
    treated: list,
    pool: pd.Index,
    n_neighbors: int,
    replace: bool,
    caliper: float | None,
    notes: list[str],
    warns: list[str],
    where: str,
) -> tuple[pd.DataFrame, list, tuple]:
    """Nearest-neighbour matching on standardised variables: (matches, used, unmatched)."""
    need = n_neighbors * len(treated) if not replace else n_neighbors
    if len(pool) < need:
        raise fail(
            where,
            f"only {len(pool)} candidate control area(s) for {len(treated)} treated area(s) and "
            f"{n_neighbors} neighbour(s) each{' without replacement' if not replace else ''}",
            "allow `replace=True`, fewer `n_neighbors`, or a larger pool (exclude fewer areas)",
        )
    both = X.loc[list(treated) + list(pool)]
    sd = both.std(ddof=1).replace(0, 1.0).fillna(1.0)
    Zt = (X.loc[treated] / sd).to_numpy()
    Zc = (X.loc[pool] / sd).to_numpy()
    dist = np.sqrt(((Zt[:, None, :] - Zc[None, :, :]) ** 2).sum(axis=2))
    matched = _match(dist, int(n_neighbors), replace, caliper)
    rows = []
    for i, js in enumerate(matched):
        for j in js:
            rows.append(
                {
                    "treated": treated[i],
                    "control": pool[j],
                    "distance": float(dist[i, j]),
                    "weight": 1.0 / len(js),
                }
            )
    matches = pd.DataFrame(rows, columns=["treated", "control", "distance", "weight"])
    unmatched = tuple(t for t, js in zip(treated, matched, strict=True) if not js)
    if unmatched:
        msg = (
            f"{len(unmatched)} treated area(s) have no control within the caliper {caliper:g} "
            "and are left "
            f"out: {format_values(unmatched)}"
        )
        warns.append(msg)
        warnings.warn(f"{where}: {msg}", MethodWarning, stacklevel=3)
    used = [t for t in treated if t not in unmatched]
    if len(used) < 2:
        raise fail(
            where,
            f"only {len(used)} treated area(s) could be matched",
            "widen the caliper or add areas",
        )
    if replace:
        reuse = matches["control"].value_counts()
        if (reuse > 1).any():
            notes.append(
                f"{int((reuse > 1).sum())} control(s) are used by several treated areas (up to "
                f"{int(reuse.max())} times): the intervals ignore this dependence and are "
                "somewhat narrow"
            )
    return matches, used, unmatched


def _event_study(
    D: pd.DataFrame,
    start: int,
    baseline: int,
    alpha: float,
    rng: np.random.Generator | None,
    n_bootstrap: int,
) -> pd.DataFrame:
    """Estimate per year: t interval over the match sets, or the bootstrap with ``rng``."""
    used = len(D)
    boot_idx = rng.integers(0, used, size=(n_bootstrap, used)) if rng is not None else None
    es_rows = []
    for yr in D.columns:
        d = D[yr].to_numpy()
        period = "baseline" if yr == baseline else ("pre" if yr < start else "post")
        if yr == baseline:
            es_rows.append(
                {
                    "jahr": yr,
                    "estimate": 0.0,
                    "se": 0.0,
                    "ci_low": 0.0,
                    "ci_high": 0.0,
                    "p_value": np.nan,
                    "period": period,
                }
            )
            continue
        est, se, lo, hi, p = _t_test(d, alpha)
        if boot_idx is not None:
            bs = d[boot_idx].mean(axis=1)
            se = float(bs.std(ddof=1))
            lo, hi = (float(v) for v in np.quantile(bs, [alpha / 2, 1 - alpha / 2]))
            p = float(
                min(1.0, 2 * min((bs <= 0).mean(), (bs >= 0).mean()) + 1 / (n_bootstrap + 1))
            )
        es_rows.append(
            {
                "jahr": yr,
                "estimate": est,
                "se": se,
                "ci_low": lo,
                "ci_high": hi,
                "p_value": p,
                "period": period,
            }
        )
    es = pd.DataFrame(es_rows).set_index("jahr")
    es.insert(0, "relative_year", es.index - start)
    return es


def _pretrend_p(P: np.ndarray, alpha: float, notes: list[str]) -> float:
    """Joint test that the pre-period estimates are 0 (t, Hotelling's T², or Bonferroni)."""
    n, k = P.shape
    if k == 1:
        return _t_test(P[:, 0], alpha)[4]
    if n > k:
        mean = P.mean(axis=0)
        S = np.cov(P, rowvar=False, ddof=1)
        try:
            t2 = float(n * mean @ np.linalg.solve(S, mean))
            f = (n - k) / (k * (n - 1)) * t2
            from scipy import stats  # heavy: scipy.stats only when a test is computed

            return float(stats.f.sf(f, k, n - k))
        except np.linalg.LinAlgError:
            return float(min(1.0, k * min(_t_test(P[:, j], alpha)[4] for j in range(k))))
    notes.append("fewer treated areas than pre-years: Bonferroni test of the pre-period estimates")
    return float(min(1.0, k * min(_t_test(P[:, j], alpha)[4] for j in range(k))))


def _pretrend_check(
    D: pd.DataFrame,
    es: pd.DataFrame,
    design_years: tuple[int, int, int],
    matched_years: list[int],
    levels: tuple[float, float],
    notes: list[str],
    warns: list[str],
) -> tuple[float, float, float]:
    """Pre-trend test, slope and the bias a continued pre-trend would cause; warns if they differ.

    ``design_years`` is (start, baseline, evaluation), ``levels`` (alpha, pretrend_alpha).
    """
    start, baseline, evaluation = design_years
    alpha, pretrend_alpha = levels
    where = "difference_in_differences"
    pre_years = [t for t in D.columns if t < start and t != baseline]
    if not pre_years:
        msg = "no pre-period besides the baseline year: parallel trends cannot be checked"
        warns.append(msg)
        warnings.warn(f"{where}: {msg}", MethodWarning, stacklevel=3)
        return np.nan, np.nan, np.nan
    p_pre = _pretrend_p(D[pre_years].to_numpy(), alpha, notes)
    matched_pre = sorted(set(pre_years) & set(matched_years))
    if matched_pre:
        notes.append(
            f"the outcome of {format_values(matched_pre)} was used for matching: the "
            "pre-trend test of these years is balanced by construction (not independent)"
        )
    pts = sorted([*pre_years, baseline])
    slope = float(np.polyfit(pts, es.loc[pts, "estimate"].to_numpy(), 1)[0])
    bias = slope * (evaluation - baseline)
    if np.isfinite(p_pre) and p_pre < pretrend_alpha:
        shown = ", ".join(f"{t}: {es.at[t, 'estimate']:+.2f}" for t in pre_years)
        msg = (
            "pre-trends differ between treated and matched comparison areas (joint test "
            f"p = {p_pre:.3g} "
            f"< {pretrend_alpha:g}; pre-period estimates {shown}); the estimate is likely "
            "biased "
            f"(a continued linear pre-trend would add {bias:+.2f} by {evaluation})"
        )
        warns.append(msg)
        warnings.warn(f"{where}: {msg}", MethodWarning, stacklevel=3)
    else:
        notes.append(
            f"pre-trend test p = {p_pre:.3g} with {len(D)} treated areas (low power: "
            "not proof of "
            "parallel trends); a continued linear pre-trend would change the estimate by "
            f"{bias:+.2f}"
        )
    return p_pre, slope, bias


def _means(wide: pd.DataFrame, used: list, ctrl_w: pd.Series) -> pd.DataFrame:
    """Mean outcome per year of the treated areas and (weighted) of their controls."""
    controls = np.average(wide.loc[ctrl_w.index].to_numpy(), axis=0, weights=ctrl_w.to_numpy())
    return pd.DataFrame(
        {"treated": wide.loc[used].mean(), "controls": pd.Series(controls, index=wide.columns)}
    ).rename_axis("jahr")


def _balance(X: pd.DataFrame, used: list, pool: pd.Index, ctrl_w: pd.Series) -> pd.DataFrame:
    """Means of the matching variables and standardised differences before and after matching."""
    bal = []
    for c in X.columns:
        xt = X.loc[used, c]
        xp = X.loc[pool, c]
        xm = float(np.average(X.loc[ctrl_w.index, c], weights=ctrl_w.to_numpy()))
        s = float(np.sqrt((xt.var(ddof=1) + xp.var(ddof=1)) / 2)) or 1.0
        bal.append(
            {
                "variable": c,
                "treated": xt.mean(),
                "pool": xp.mean(),
                "matched": xm,
                "std_diff_before": (xt.mean() - xp.mean()) / s,
                "std_diff_after": (xt.mean() - xm) / s,
            }
        )
    return pd.DataFrame(bal).set_index("variable")
