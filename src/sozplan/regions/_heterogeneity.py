"""heterogeneity(): within-zone variance, Theil decomposition, bimodality of blocks."""

from __future__ import annotations

import html
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.text import german
from sozplan._core.values import indicator_labels
from sozplan.checks import check_frame, check_rng, check_unique_index, fail, format_values
from sozplan.plotting import FigureDisplay
from sozplan.regions._common import block_values, zone_labels, zone_means

__all__ = [
    "HeterogeneityResult",
    "ashman_d",
    "bimodality_coefficient",
    "heterogeneity",
    "theil_decomposition",
]

#: Sarle's bimodality coefficient of a uniform distribution; larger values suggest bimodality.
BC_CRITICAL = 5.0 / 9.0


def _sample(x: Any, where: str, arg: str = "x") -> np.ndarray:
    """Return a one-dimensional sample of finite numbers, else raise InputError."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise fail(
            where, f"`{arg}` is not numeric ({exc})", "pass numbers, e.g. a column"
        ) from exc
    if arr.ndim != 1:
        raise fail(where, f"`{arg}` has shape {arr.shape}", "pass a one-dimensional sample")
    bad = ~np.isfinite(arr)
    if bad.any():
        at = x.index[bad] if isinstance(x, pd.Series) else np.flatnonzero(bad)
        kind = "ids" if isinstance(x, pd.Series) else "positions"
        raise fail(
            where,
            f"`{arg}` has {int(bad.sum())} missing or infinite value(s) ({kind} "
            f"{format_values(at)})",
            "drop or impute them explicitly before calling",
        )
    return arr


def bimodality_coefficient(x: Any) -> float:
    r"""Sarle's bimodality coefficient with small-sample corrections.

    .. math::

        b = \frac{g^2 + 1}{\kappa + \frac{3(n-1)^2}{(n-2)(n-3)}}

    with the adjusted sample skewness :math:`g` (:math:`G_1`) and excess kurtosis
    :math:`\kappa` (:math:`G_2`). Values above :math:`5/9 \approx 0.556` (the value
    of the uniform distribution) suggest a bimodal distribution; a normal
    distribution gives about 1/3.

    Parameters
    ----------
    x : array-like
        At least 4 values.

    Returns
    -------
    float
        NaN for fewer than 4 values or a constant sample.

    References
    ----------
    SAS Institute (1990). *SAS/STAT User's Guide*, PROC CLUSTER. Pfister, R.,
    Schwarz, K. A., Janczyk, M., Dale, R. & Freeman, J. B. (2013). Good things peak
    in pairs: a note on the bimodality coefficient. *Frontiers in Psychology* 4, 700.
    doi:10.3389/fpsyg.2013.00700

    Examples
    --------
    >>> round(bimodality_coefficient([0] * 20 + [1] * 20), 3)  # two equal peaks
    0.879
    >>> round(bimodality_coefficient([1, 2, 2, 3, 3, 3, 4, 4, 5]), 3)  # one peak
    0.233
    """
    x = _sample(x, "bimodality_coefficient")
    n = len(x)
    if n < 4:
        return float("nan")
    d = x - x.mean()
    m2 = (d**2).mean()
    if m2 <= 1e-300:
        return float("nan")
    g1 = (d**3).mean() / m2**1.5
    g2 = (d**4).mean() / m2**2 - 3.0
    skew = g1 * np.sqrt(n * (n - 1)) / (n - 2)
    kurt = ((n + 1) * g2 + 6.0) * (n - 1) / ((n - 2) * (n - 3))
    return float((skew**2 + 1.0) / (kurt + 3.0 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


def _split_two(x: np.ndarray) -> int:
    """Position of the best split of sorted ``x`` into two groups (largest between SS)."""
    n = len(x)
    cs = np.cumsum(x)
    k = np.arange(1, n)
    left = cs[:-1] / k
    right = (cs[-1] - cs[:-1]) / (n - k)
    return int(np.argmax(k * (n - k) * (left - right) ** 2)) + 1


def ashman_d(x: Any, *, max_iter: int = 200) -> tuple[float, np.ndarray]:
    r"""Ashman's D of a two-component Gaussian mixture fitted to ``x`` (EM).

    .. math::

        D = \sqrt{2}\,\frac{|\mu_1 - \mu_2|}{\sqrt{\sigma_1^2 + \sigma_2^2}}

    :math:`D > 2` is needed for a clean separation of the two components. The EM
    algorithm starts from the best split of the sorted values into two groups
    (deterministic); variances are kept above 1e-6 of the total variance.

    Returns
    -------
    D : float
        NaN for fewer than 6 values or a constant sample.
    component : ndarray of int
        The more probable component (0 = lower mean) of each value.

    References
    ----------
    Ashman, K. M., Bird, C. M. & Zepf, S. E. (1994). Detecting bimodality in
    astronomical datasets. *The Astronomical Journal* 108, 2348-2361.
    doi:10.1086/117248

    Examples
    --------
    >>> d, comp = ashman_d([0.0, 0.1, 0.2, 0.1, 5.0, 5.1, 4.9, 5.2])
    >>> bool(d > 2), comp.tolist()
    (True, [0, 0, 0, 0, 1, 1, 1, 1])
    """
    x = _sample(x, "ashman_d")
    n = len(x)
    if n < 6 or np.ptp(x) <= 1e-12:
        return float("nan"), np.zeros(n, dtype=int)
    xs = np.sort(x)
    cut = _split_two(xs)
    floor = 1e-6 * float(np.var(x)) + 1e-300
    mu = np.array([xs[:cut].mean(), xs[cut:].mean()])
    var = np.maximum(np.array([xs[:cut].var(), xs[cut:].var()]), floor)
    pi = np.array([cut / n, 1 - cut / n])
    prev = -np.inf
    for _ in range(max_iter):
        logp = np.log(pi) - 0.5 * np.log(2 * np.pi * var) - 0.5 * (x[:, None] - mu) ** 2 / var
        mx = logp.max(axis=1, keepdims=True)
        ll = float((mx[:, 0] + np.log(np.exp(logp - mx).sum(axis=1))).sum())
        resp = np.exp(logp - mx)
        resp /= resp.sum(axis=1, keepdims=True)
        nk = resp.sum(axis=0) + 1e-12
        pi = nk / n
        mu = (resp * x[:, None]).sum(axis=0) / nk
        var = np.maximum((resp * (x[:, None] - mu) ** 2).sum(axis=0) / nk, floor)
        if ll - prev < 1e-9 * abs(ll):
            break
        prev = ll
    order = np.argsort(mu)
    comp = np.argsort(order)[resp.argmax(axis=1)]
    d = float(np.sqrt(2.0) * abs(mu[0] - mu[1]) / np.sqrt(var[0] + var[1]))
    return d, comp


def _theil_inputs(y: Any, population: Any, groups: Any) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Check the inputs of :func:`theil_decomposition`; return them as arrays."""
    where = "theil_decomposition"
    y_arr, w_arr = _sample(y, where, "y"), _sample(population, where, "population")
    g = pd.Index(np.asarray(groups, dtype=object).reshape(-1))
    if not len(y_arr) == len(w_arr) == len(g):
        raise fail(
            where,
            f"`y`, `population` and `groups` have {len(y_arr)}, {len(w_arr)} and {len(g)} values",
            "pass one value, weight and group per area",
        )
    if len(y_arr) == 0:
        raise fail(where, "no areas given", "pass at least one area")
    for arg, arr in (("y", y_arr), ("population", w_arr)):
        if (arr < 0).any():
            raise fail(
                where,
                f"`{arg}` has {int((arr < 0).sum())} negative value(s) (positions "
                f"{format_values(np.flatnonzero(arr < 0))})",
                "Theil's T needs a non-negative variable and non-negative weights",
            )
    if g.hasnans:
        raise fail(where, "`groups` has missing values", "assign every area to a group")
    if (w_arr * y_arr).sum() <= 0:
        raise fail(
            where,
            "`population` sums to 0 or `y` is 0 wherever the population is positive; Theil's T "
            "(a ratio to the mean) is undefined",
            "pass positive weights (e.g. residents) and a variable that is not 0 everywhere",
        )
    return y_arr, w_arr, g


def theil_decomposition(y: Any, population: Any, groups: Any) -> tuple[pd.DataFrame, pd.Series]:
    r"""Theil's T of a non-negative variable and its decomposition into groups.

    With weights :math:`p_i` (e.g. residents), :math:`\bar y = \sum p_i y_i / P`:

    .. math::

        T = \frac1P\sum_i p_i \frac{y_i}{\bar y}\ln\frac{y_i}{\bar y}
          = \underbrace{\sum_g s_g \ln\frac{\bar y_g}{\bar y}}_{\text{between}}
          + \underbrace{\sum_g s_g T_g}_{\text{within}},\qquad
          s_g = \frac{P_g \bar y_g}{P \bar y},

    where :math:`T_g` is the index within group :math:`g` (Theil 1967; Shorrocks
    1980, doi:10.2307/1913126). Terms with :math:`y_i = 0` are 0.

    Returns
    -------
    per_group : DataFrame
        ``theil_within`` (:math:`T_g`), ``weight`` (:math:`s_g`), ``contribution``
        (:math:`s_g T_g`), ``share_of_total`` (of :math:`T`), indexed by group.
    total : Series
        ``theil``, ``between``, ``within``, ``between_share`` (NaN when :math:`T = 0`,
        i.e. no inequality at all).

    Examples
    --------
    >>> per, tot = theil_decomposition([1, 1, 3, 3], [1, 1, 1, 1], ["a", "a", "b", "b"])
    >>> [round(float(tot[k]), 4) for k in ("theil", "between", "within")]
    [0.1308, 0.1308, 0.0]
    """
    y, w, g = _theil_inputs(y, population, groups)
    codes, uniq = pd.factorize(g, sort=True)
    k = len(uniq)
    P = w.sum()
    ybar = (w * y).sum() / P

    def tterm(yy: np.ndarray, mu: float) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            r = yy / mu
            return np.where(r > 0, r * np.log(r), 0.0)

    total = float((w * tterm(y, ybar)).sum() / P) if ybar > 0 else 0.0
    Pg = np.bincount(codes, weights=w, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        yg = np.bincount(codes, weights=w * y, minlength=k) / Pg
    Tg = np.zeros(k)
    for j in range(k):
        m = codes == j
        if Pg[j] > 0 and yg[j] > 0:
            Tg[j] = float((w[m] * tterm(y[m], yg[j])).sum() / Pg[j])
    s = Pg * yg / (P * ybar) if ybar > 0 else np.zeros(k)
    with np.errstate(divide="ignore", invalid="ignore"):
        between = float(np.nansum(np.where(s > 0, s * np.log(yg / ybar), 0.0)))
    within = float((s * Tg).sum())
    per = pd.DataFrame(
        {
            "theil_within": Tg,
            "weight": s,
            "contribution": s * Tg,
            "share_of_total": s * Tg / total if total > 0 else 0.0,
        },
        index=pd.Index(uniq, name="zone"),
    )
    tot = pd.Series(
        {
            "theil": total,
            "between": between,
            "within": within,
            "between_share": between / total if total > 0 else np.nan,
        }
    )
    return per, tot


@immutable
@dataclass(frozen=True, repr=False, eq=False)
class HeterogeneityResult:
    """Within-zone heterogeneity of blocks; flags zones whose mean hides mixed populations.

    Attributes
    ----------
    table : DataFrame
        One row per zone: ``n_blocks``, ``population``, ``within_var_<col>``
        (population-weighted variance of the block z-values inside the zone; the
        citywide block variance is 1), ``heterogeneity_ratio`` (their mean),
        ``bimodality_coefficient`` and ``ashman_d`` of the block scores on the
        zone's main axis of variation, ``contrast`` (RMS difference of the two
        groups' means in citywide SD), ``flag`` and ``rank`` (1 = largest contrast
        among flagged zones), sorted by rank.
    theil : DataFrame
        Long table zone x indicator: ``theil_within``, ``weight``,
        ``contribution``, ``share_of_total`` (see :func:`theil_decomposition`).
    theil_summary : DataFrame
        Per indicator: ``theil``, ``between``, ``within``, ``between_share``.
    drivers : DataFrame
        For every flagged zone, its blocks with the group they belong to (the two
        mixture components, ``"A"`` lower / ``"B"`` higher on the main axis), their
        population, their share of the zone's within sum of squares and their values.
    groups : DataFrame
        Per flagged zone and group: blocks, population and mean values: the two
        populations the zone mean hides.
    columns : tuple
    excluded : tuple
        Blocks without residents (no weight, values undefined).
    """

    table: pd.DataFrame
    theil: pd.DataFrame
    theil_summary: pd.DataFrame
    drivers: pd.DataFrame
    groups: pd.DataFrame
    columns: tuple
    excluded: tuple = ()
    indicator_labels: Any = None

    @property
    def flagged(self) -> pd.Index:
        """Flagged zones, most heterogeneous first."""
        t = self.table
        return t.index[t["flag"].to_numpy()]

    def to_frame(self) -> pd.DataFrame:
        """Return the per-zone table."""
        return self.table.copy()

    def _lines(self) -> list[str]:
        t = self.table
        lines = [
            f"HeterogeneityResult: {len(t)} zones, {int(t['flag'].sum())} flagged "
            f"(mean hides very different populations)",
            f"  indicators  {', '.join(map(str, self.columns))}",
        ]
        for z in self.flagged[:5]:
            row = t.loc[z]
            lines.append(
                f"  {z}: ratio {row['heterogeneity_ratio']:.2f}, "
                f"BC {row['bimodality_coefficient']:.2f}, "
                f"Ashman D {row['ashman_d']:.1f}"
            )
        return lines

    def __repr__(self) -> str:
        return "\n".join(self._lines())

    def _repr_html_(self) -> str:
        head = html.escape(self._lines()[0])
        table = self.table.head(15).round(3).to_html()
        return f"<div class='sozplan-result'><p><b>{head}</b></p>{table}</div>"

    def plot(self, ax: Any = None, *, language: str = "de", annotate: int = 5) -> FigureDisplay:
        """Scatter of heterogeneity ratio against bimodality coefficient; flagged zones in red."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6.5, 4.5))
        t = self.table
        f = t["flag"].to_numpy()
        ax.scatter(
            t["heterogeneity_ratio"][~f], t["bimodality_coefficient"][~f], s=14, color="#999999"
        )
        ax.scatter(
            t["heterogeneity_ratio"][f], t["bimodality_coefficient"][f], s=30, color="#c0392b"
        )
        for z in self.flagged[:annotate]:
            ax.annotate(
                str(z),
                (t.loc[z, "heterogeneity_ratio"], t.loc[z, "bimodality_coefficient"]),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=8,
            )
        ax.axhline(BC_CRITICAL, color="black", lw=0.6, ls="--")
        de = german(language, "HeterogeneityResult.plot")
        ax.set_xlabel(
            "Binnenvarianz / Varianz der Stadt" if de else "within-zone / citywide variance"
        )
        ax.set_ylabel("Bimodalitätskoeffizient" if de else "bimodality coefficient")
        ax.set_title("Heterogenität der Gebiete" if de else "heterogeneity of zones")
        alt = (
            "Streudiagramm: Heterogenitätsverhältnis gegen Bimodalitätskoeffizient je Gebiet"
            if de
            else "Scatter plot: heterogeneity ratio against bimodality coefficient per zone"
        )
        return FigureDisplay.from_axes(ax, "heterogeneity", alt)


def heterogeneity(
    blocks: pd.DataFrame,
    zone: Any,
    columns: Hashable | Sequence[Hashable],
    population: Any = None,
    *,
    min_ratio: float = 0.5,
    min_blocks: int = 6,
    rng: Any = None,
) -> HeterogeneityResult:
    r"""Measure within-zone heterogeneity; flag zones whose mean hides different populations.

    The block values are z-standardised over the city (population-weighted mean and
    SD). For each zone:

    * the population-weighted variance of the block z-values of each indicator
      inside the zone, and their mean, the *heterogeneity ratio* (1 = the zone is
      as mixed as the whole city);
    * the block scores on the zone's first principal axis (population-weighted),
      their bimodality coefficient (Sarle, :func:`bimodality_coefficient`) and
      Ashman's D of a two-component mixture (:func:`ashman_d`);
    * Theil's T within the zone and its contribution to the citywide T
      (:func:`theil_decomposition`, for non-negative indicators).

    A zone is flagged if its heterogeneity ratio is at least ``min_ratio`` and its
    scores are bimodal (coefficient above 5/9, or Ashman's D above 2 with at least
    two blocks in the smaller component): its average describes nobody ("Platte
    und Penthouse"). Flagged zones are ranked by the *contrast* between the two
    groups, the root mean square over indicators of the difference of the group
    means in citywide SD. ``drivers`` lists the blocks of the two groups.

    Parameters
    ----------
    blocks : DataFrame
        Blocks with a zone id, the indicator columns (or counts for catalogue keys)
        and the population.
    zone : str or Series
        Column with the zone id of each block (e.g. ``"planungsraum"``), or a Series.
    columns : str or sequence
        Indicators (columns or catalogue keys, computed from counts per block).
    population : str or Series, optional
        Residents per block (weights). Blocks without residents are left out and
        listed in ``excluded``.
    min_ratio : float, default 0.5
        Minimum heterogeneity ratio for a flag.
    min_blocks : int, default 6
        Zones with fewer blocks (with residents) get no bimodality measures and no
        flag.
    rng : None, int or Generator
        For the mixture fits.

    Returns
    -------
    HeterogeneityResult

    Raises
    ------
    InputError
        Unknown columns, missing values in blocks with residents, blocks without zone.

    References
    ----------
    Theil, H. (1967). *Economics and Information Theory*. North-Holland.
    Shorrocks, A. F. (1980). The class of additively decomposable inequality
    measures. *Econometrica* 48(3), 613-625. doi:10.2307/1913126
    Pfister et al. (2013), doi:10.3389/fpsyg.2013.00700; Ashman et al. (1994),
    doi:10.1086/117248

    Examples
    --------
    >>> from sozplan.datasets import load_musterstadt, load_truth
    >>> blocks = load_musterstadt("block")
    >>> h = heterogeneity(blocks, "planungsraum", ["sgb2_quote", "kinderarmut", "wohndauer"],
    ...                   population="einwohner", rng=0)
    >>> h.flagged[0] == load_truth()["platte_und_penthouse"]["planning_area"]
    True
    """
    where = "heterogeneity"
    check_frame(blocks, arg="blocks", where=where)
    check_unique_index(blocks, arg="blocks", where=where)
    check_rng(rng, where=where)  # accepted for API symmetry; the mixture fits are deterministic
    labels = zone_labels(blocks, zone, where=where)
    values, cw, z, w, excluded = block_values(blocks, columns, population, where=where)
    cols = list(values.columns)
    const = [c for c in cols if not np.nanmax(values[c]) > np.nanmin(values[c])]
    if const:
        raise fail(
            where,
            f"the indicator(s) {format_values(const)} are constant over all blocks; their "
            "heterogeneity within zones is undefined (0/0)",
            "leave them out of `columns`",
        )
    keep = w > 0
    codes, uniq = pd.factorize(labels, sort=True)
    k = len(uniq)
    zone_idx = pd.Index(uniq, name="zone")
    mz = zone_means(z, cw, codes, k)
    dev = np.where(cw > 0, z - np.nan_to_num(mz[codes]), 0.0)
    wk = np.where(keep, w, 0.0)
    tab = pd.DataFrame(index=zone_idx)
    tab["n_blocks"] = np.bincount(codes[keep], minlength=k)
    tab["population"] = np.bincount(codes, weights=wk, minlength=k)
    within = np.empty((k, len(cols)))
    for j, c in enumerate(cols):
        den = np.bincount(codes, weights=cw[:, j], minlength=k)
        with np.errstate(invalid="ignore", divide="ignore"):
            within[:, j] = np.bincount(codes, weights=cw[:, j] * dev[:, j] ** 2, minlength=k) / den
        tab[f"within_var_{c}"] = within[:, j]
    tab["heterogeneity_ratio"] = np.nanmean(within, axis=1)
    bc, ad, comp_of = _bimodality(codes, keep, dev, wk, k, min_blocks)
    tab["bimodality_coefficient"] = bc
    tab["ashman_d"] = ad
    contrast = np.full(k, np.nan)
    for r, (m, comp, _) in comp_of.items():
        diffs = []
        for j in range(len(cols)):
            wa, wb = cw[m, j] * (comp == 0), cw[m, j] * (comp == 1)
            if wa.sum() > 0 and wb.sum() > 0:
                diffs.append((wb * z[m, j]).sum() / wb.sum() - (wa * z[m, j]).sum() / wa.sum())
        if diffs:
            contrast[r] = float(np.sqrt(np.mean(np.square(diffs))))
    tab["contrast"] = contrast
    minor_ok = np.zeros(k, dtype=bool)
    for r, (_, comp, _) in comp_of.items():
        minor_ok[r] = min(int((comp == 0).sum()), int((comp == 1).sum())) >= 2
    bimodal = (bc > BC_CRITICAL) | ((ad > 2.0) & minor_ok)
    tab["flag"] = (tab["heterogeneity_ratio"].to_numpy() >= min_ratio) & bimodal
    order = tab.sort_values(
        ["flag", "contrast", "heterogeneity_ratio"], ascending=[False, False, False]
    ).index
    tab = tab.loc[order]
    tab["rank"] = pd.array(
        [i + 1 if f else pd.NA for i, f in enumerate(tab["flag"])], dtype="Int64"
    )
    names = indicator_labels(cols)
    drv_rows, grp_rows = _drivers_and_groups(blocks.index, tab, uniq, comp_of, values, cw, dev, w)
    drivers = pd.DataFrame(drv_rows)
    if len(drivers):
        drivers = drivers.sort_values(
            ["zone", "share_within_ss"], ascending=[True, False], ignore_index=True
        )
    groups = pd.DataFrame(grp_rows)
    theil, theil_summary = _theil_by_indicator(values, cw, labels)
    return HeterogeneityResult(
        table=tab,
        theil=theil,
        theil_summary=theil_summary,
        drivers=drivers,
        groups=groups,
        columns=tuple(cols),
        excluded=tuple(excluded),
        indicator_labels=names,
    )


def _bimodality(
    codes: np.ndarray,
    keep: np.ndarray,
    dev: np.ndarray,
    wk: np.ndarray,
    k: int,
    min_blocks: int,
) -> tuple[np.ndarray, np.ndarray, dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Bimodality coefficient and Ashman's D of each zone's blocks on their main axis."""
    bc = np.full(k, np.nan)
    ad = np.full(k, np.nan)
    comp_of: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for r in range(k):
        m = np.flatnonzero((codes == r) & keep)
        if len(m) < max(min_blocks, 4):
            continue
        d = dev[m]
        ww = wk[m]
        cov = (ww[:, None] * d).T @ d / ww.sum()
        _, vecs = np.linalg.eigh(cov)
        score = d @ vecs[:, -1]
        if np.ptp(score) <= 1e-12:
            continue
        bc[r] = bimodality_coefficient(score)
        ad[r], comp = ashman_d(score)
        comp_of[r] = (m, comp, score)
    return bc, ad, comp_of


def _drivers_and_groups(
    block_ids: pd.Index,
    tab: pd.DataFrame,
    uniq: np.ndarray,
    comp_of: dict,
    values: pd.DataFrame,
    cw: np.ndarray,
    dev: np.ndarray,
    w: np.ndarray,
) -> tuple[list[dict], list[dict]]:
    """Rows of the blocks (share of the within SS) and of the two groups of flagged zones."""
    cols = list(values.columns)
    drv_rows, grp_rows = [], []
    pos = {zname: i for i, zname in enumerate(uniq)}
    for zname in tab.index[tab["flag"].to_numpy()]:
        r = pos[zname]
        m, comp, score = comp_of[r]
        ss = (cw[m] * dev[m] ** 2).sum(axis=1)
        share = ss / ss.sum() if ss.sum() > 0 else ss
        for i, bi in enumerate(m):
            row = {
                "zone": zname,
                "block": block_ids[bi],
                "group": "AB"[int(comp[i])],
                "population": w[bi],
                "score": score[i],
                "share_within_ss": share[i],
            }
            row.update({c: values.iat[bi, j] for j, c in enumerate(cols)})
            drv_rows.append(row)
        for g in (0, 1):
            sel = m[comp == g]
            if len(sel) == 0:
                continue
            row = {
                "zone": zname,
                "group": "AB"[g],
                "n_blocks": len(sel),
                "population": w[sel].sum(),
            }
            for j, c in enumerate(cols):
                ws = cw[sel, j]
                row[c] = (
                    float((ws * np.nan_to_num(values.iloc[sel, j].to_numpy())).sum() / ws.sum())
                    if ws.sum() > 0
                    else np.nan
                )
            grp_rows.append(row)
    return drv_rows, grp_rows


def _theil_by_indicator(
    values: pd.DataFrame, cw: np.ndarray, labels: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Theil decomposition (between and within zones) of each non-negative indicator."""
    cols = list(values.columns)
    theil_rows, tsum = [], {}
    for j, c in enumerate(cols):
        yk = np.nan_to_num(values[c].to_numpy(dtype=float))
        if (yk < 0).any():
            continue
        per, tot = theil_decomposition(yk, cw[:, j], labels.to_numpy())
        per = per.reset_index()
        per.insert(1, "indicator", c)
        theil_rows.append(per)
        tsum[c] = tot
    theil = pd.concat(theil_rows, ignore_index=True) if theil_rows else pd.DataFrame()
    theil_summary = pd.DataFrame(tsum).T
    theil_summary.index.name = "indicator"
    return theil, theil_summary
