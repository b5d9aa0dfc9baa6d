"""Outcome monitoring: difference-in-differences with matched comparison areas."""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from sozplan._core.frozen import immutable
from sozplan._core.text import german
from sozplan.checks import check_frame, check_rng, fail, format_values
from sozplan.errors import MethodWarning
from sozplan.indicators import evaluate, resolve_specs
from sozplan.planning._common import check_probability, html_block
from sozplan.planning._model import validate_measures
from sozplan.plotting import FigureDisplay

__all__ = ["DiDResult", "difference_in_differences"]


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
            [*[f"Warnung: {w}" for w in self.warnings], *self.notes],
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
    if outcome in panel.columns:
        col = panel[outcome]
        if not pd.api.types.is_numeric_dtype(col):
            raise fail(where, f"outcome column {outcome!r} is not numeric", "convert it first")
        return col.astype(float)

    if not isinstance(outcome, str):
        raise fail(
            where,
            f"`outcome` {outcome!r} is no column of `panel`",
            "name a column or an indicator key",
        )
    spec = resolve_specs(outcome, panel, where=where)[0]
    _, _, value = evaluate(panel, spec)
    return pd.Series(value, index=panel.index, name=outcome)


def _t_test(d: np.ndarray, alpha: float) -> tuple[float, float, float, float, float]:
    """Mean, SE, CI and p-value of the per-unit differences ``d`` (t with n-1 df)."""
    n = len(d)
    est = float(d.mean())
    if n < 2:
        return est, np.nan, np.nan, np.nan, np.nan
    se = float(d.std(ddof=1) / np.sqrt(n))
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
    match_on: Hashable | Sequence[Hashable] = "outcome",
    match_years: Sequence[int] | None = None,
    n_neighbors: int = 1,
    replace: bool = False,
    caliper: float | None = None,
    exclude: Sequence[Hashable] | None = None,
    clean_controls: bool = True,
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
        Measures table; with ``clean_controls``, areas served by *other* measures
        running up to the evaluation year are not used as controls.
    baseline : int, optional
        Reference year (default ``start - 1``).
    evaluation : int, optional
        Year of the reported effect (default: the last year of ``panel``).
    match_on : str or list of str, default "outcome"
        Matching variables: ``"outcome"`` and/or columns of ``panel`` (e.g. a status
        index computed per year).
    match_years : list of int, optional
        Years in which the matching variables are taken (default: the baseline year).
        Matching on several pre-years matches on the pre-trend as well; the pre-trend
        test is then no longer an independent check (the note says so).
    n_neighbors : int, default 1
    replace : bool, default False
    caliper : float, optional
        Maximal distance (standard deviations); treated areas without a control within
        it are left out (listed, MethodWarning).
    exclude : sequence of area ids, optional
        Areas never to be used as controls.
    clean_controls : bool, default True
        See ``measures``.
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
    alpha = check_probability(alpha, arg="alpha", where=where, open_left=True, open_right=True)
    pretrend_alpha = check_probability(
        pretrend_alpha, arg="pretrend_alpha", where=where, open_left=True, open_right=True
    )
    if ci not in ("cluster", "bootstrap"):
        raise fail(where, f"`ci` is {ci!r}", "use 'cluster' or 'bootstrap'")
    if not isinstance(n_neighbors, int | np.integer) or n_neighbors < 1:
        raise fail(where, f"`n_neighbors` is {n_neighbors!r}", "pass a positive integer")
    if caliper is not None and (not isinstance(caliper, int | float) or caliper <= 0):
        raise fail(
            where,
            f"`caliper` is {caliper!r}",
            "pass a positive number of standard deviations or None",
        )
    notes: list[str] = []
    warns: list[str] = []
    m_table = validate_measures(measures) if measures is not None else None
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
    treated = (
        [str(a) for a in treated] if panel.index.levels[0].dtype != "int64" else list(treated)
    )
    if len(set(treated)) != len(treated):
        raise fail(where, "`treated` names an area twice", "name each area once")
    y = _outcome_values(panel, outcome, where)
    wide = y.unstack(level=1)
    years = sorted(int(v) for v in wide.columns)
    wide.columns = years
    unknown = [a for a in treated if a not in wide.index]
    if unknown:
        raise fail(
            where,
            f"treated area(s) not in `panel`: {format_values(unknown)}",
            "check the ids against the panel's index",
        )
    start = int(start)
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
    bad_t = wide.loc[treated].isna().any(axis=1)
    if bad_t.any():
        raise fail(
            where,
            f"the outcome is missing for treated area(s) {format_values(bad_t.index[bad_t])}",
            "fill the data or leave these areas out of `treated`",
        )
    # control pool
    pool = wide.index.difference(pd.Index(treated))
    dropped: dict[str, list] = {}
    if exclude is not None:
        ex = pd.Index([str(a) for a in exclude])
        dropped["excluded"] = list(pool.intersection(ex))
        pool = pool.difference(ex)
    if clean_controls and m_table is not None:
        run = m_table[(m_table["beginn"] <= evaluation) & (m_table["ende"] >= years[0])]
        if measure is not None:
            run = run.drop(index=measure, errors="ignore")
        other = {a for g in run["gebiete"] for a in g}
        dropped["served by other measures"] = sorted(set(pool) & other)
        pool = pool.difference(pd.Index(sorted(other)))
    if population is not None and min_population is not None and population in panel.columns:
        pop_b = panel[population].xs(baseline, level=1)
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
    # matching variables at baseline
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
    X = {}
    for c in match_cols:
        for v in m_years:
            name = c if len(m_years) == 1 else f"{c}_{v}"
            if c == "outcome":
                X[name] = wide[v]
            elif c in panel.columns:
                X[name] = pd.to_numeric(panel[c].xs(v, level=1), errors="coerce")
            else:
                raise fail(
                    where,
                    f"`match_on` names {c!r}, neither 'outcome' nor a column of `panel`",
                    "use 'outcome' or columns of the panel",
                )
    X = pd.DataFrame(X).reindex(wide.index)
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
        warnings.warn(f"{where}: {msg}", MethodWarning, stacklevel=2)
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
    # per-unit differences d_it
    change = wide.sub(wide[baseline], axis=0)
    w_mat = matches.pivot_table(
        index="treated", columns="control", values="weight", aggfunc="sum", fill_value=0.0
    )
    w_mat = w_mat.reindex(index=used)
    ctrl_change = w_mat.to_numpy() @ change.loc[w_mat.columns].to_numpy()
    D = change.loc[used].to_numpy() - ctrl_change  # treated x years
    D = pd.DataFrame(D, index=pd.Index(used, name="treated"), columns=years)
    # event study
    rng_ = check_rng(rng, where=where) if ci == "bootstrap" else None
    boot_idx = (
        rng_.integers(0, len(used), size=(n_bootstrap, len(used))) if rng_ is not None else None
    )
    es_rows = []
    for yr in years:
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
    # pre-trend test
    pre_years = [t for t in years if t < start and t != baseline]
    if pre_years:
        P = D[pre_years].to_numpy()
        n, k = P.shape
        if k == 1:
            p_pre = _t_test(P[:, 0], alpha)[4]
        elif n > k:
            mean = P.mean(axis=0)
            S = np.cov(P, rowvar=False, ddof=1)
            try:
                t2 = float(n * mean @ np.linalg.solve(S, mean))
                f = (n - k) / (k * (n - 1)) * t2
                p_pre = float(stats.f.sf(f, k, n - k))
            except np.linalg.LinAlgError:
                p_pre = float(min(1.0, k * min(_t_test(P[:, j], alpha)[4] for j in range(k))))
        else:
            p_pre = float(min(1.0, k * min(_t_test(P[:, j], alpha)[4] for j in range(k))))
            notes.append(
                "fewer treated areas than pre-years: Bonferroni test of the pre-period estimates"
            )
        matched_pre = sorted(set(pre_years) & set(m_years)) if "outcome" in match_cols else []
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
            warnings.warn(f"{where}: {msg}", MethodWarning, stacklevel=2)
        else:
            notes.append(
                f"pre-trend test p = {p_pre:.3g} with {len(used)} treated areas (low power: "
                "not proof of "
                "parallel trends); a continued linear pre-trend would change the estimate by "
                f"{bias:+.2f}"
            )
    else:
        p_pre, slope, bias = np.nan, np.nan, np.nan
        msg = "no pre-period besides the baseline year: parallel trends cannot be checked"
        warns.append(msg)
        warnings.warn(f"{where}: {msg}", MethodWarning, stacklevel=2)
    # balance and means
    ctrl_w = matches[matches["treated"].isin(used)].groupby("control")["weight"].sum()
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
    balance = pd.DataFrame(bal).set_index("variable")
    means = pd.DataFrame(
        {
            "treated": wide.loc[used].mean(),
            "controls": pd.Series(
                np.average(wide.loc[ctrl_w.index].to_numpy(), axis=0, weights=ctrl_w.to_numpy()),
                index=years,
            ),
        }
    )
    means.index.name = "jahr"
    eff = es.loc[evaluation]
    settings = {
        "match_on": match_cols,
        "match_years": m_years,
        "n_neighbors": int(n_neighbors),
        "replace": replace,
        "caliper": caliper,
        "clean_controls": clean_controls,
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
        balance=balance,
        means=means,
        treated=tuple(used),
        unmatched=unmatched,
        n_pool=len(pool),
        measure=measure,
        warnings=tuple(warns),
        notes=tuple(notes),
        settings=settings,
    )
