r"""The rest of Elbers' ``segregation`` package: bootstrap, expected values, within terms.

Notation as in :mod:`sozplan.segregation._multigroup`: area :math:`u` has
:math:`n_{ug}` members of group :math:`g`, :math:`p_u = n_u/N`, :math:`p_{g|u} =
n_{ug}/n_u`, :math:`P_g` the city share of group :math:`g`; the local score is
:math:`ls_u = \sum_g p_{g|u} \log(p_{g|u}/P_g)` and :math:`M = \sum_u p_u\, ls_u`,
:math:`H = M/E` with the city's group entropy :math:`E`.
"""

from __future__ import annotations

import html
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.text import german
from sozplan.checks import check_columns, fail, format_values
from sozplan.plotting import FigureDisplay
from sozplan.segregation._change import (
    bootstrap_summary,
    check_bootstrap_args,
    col_sums,
    multinomial_tables,
    row_sums,
)
from sozplan.segregation._validate import multigroup_table, xlogy_ratio

__all__ = [
    "MutualBootstrapResult",
    "bootstrap_mutual_information",
    "expected_local_mutual_information",
    "expected_mutual_information",
    "exposure_matrix",
    "mutual_information_within",
]


# ------------------------------------------------------------------ kernels
# Every kernel takes counts of shape (B, n, K) and works on all B tables at once.


def _entropy(share: np.ndarray) -> np.ndarray:
    return -xlogy_ratio(share, np.ones_like(share)).sum(axis=-1)


def _local(c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(p_u (B, n), ls_u (B, n; NaN where empty), M (B,), E (B,)) in natural logs."""
    t = row_sums(c)
    grp = col_sums(c)
    total = grp.sum(axis=1)
    share = grp / total[:, None]
    cond = np.divide(c, t[..., None], out=np.zeros_like(c), where=t[..., None] > 0)
    ls = row_sums(xlogy_ratio(cond, np.broadcast_to(share[:, None, :], cond.shape)))
    p = t / total[:, None]
    m = (p * ls).sum(axis=1)
    return p, np.where(t > 0, ls, np.nan), m, _entropy(share)


def _within(c: np.ndarray, codes: np.ndarray, n_super: int) -> dict[str, np.ndarray]:
    """Per super-unit M, p, H, entropy ratio and H weight, each of shape (B, W)."""
    member = np.zeros((n_super, len(codes)))
    member[codes, np.arange(len(codes))] = 1.0
    grp = np.einsum("wn,bnk->bwk", member, c)
    tot_w = grp.sum(axis=2)
    share_w = np.divide(grp, tot_w[..., None], out=np.zeros_like(grp), where=tot_w[..., None] > 0)
    t = row_sums(c)
    expected = t[..., None] * share_w[:, codes, :]
    parts = row_sums(xlogy_ratio(c, np.where(c > 0, expected, 1.0)))  # (B, n)
    m_sum = parts @ member.T
    m_w = np.divide(m_sum, tot_w, out=np.zeros_like(m_sum), where=tot_w > 0)
    e_w = _entropy(share_w)
    e = _entropy(c.sum(axis=1) / c.sum(axis=(1, 2))[:, None])[:, None]
    h_w = np.divide(m_w, e_w, out=np.zeros_like(m_w), where=e_w > 0)
    p_w = tot_w / tot_w.sum(axis=1, keepdims=True)
    ratio = e_w / e
    return {"M": m_w, "p": p_w, "H": h_w, "ent_ratio": ratio, "h_weight": p_w * ratio}


def _super_codes(df: pd.DataFrame, within: Hashable, where: str) -> tuple[np.ndarray, pd.Index]:
    check_columns(df, [within], where=where, numeric=False)
    if df[within].isna().any():
        bad = df.index[df[within].isna().to_numpy()]
        raise fail(
            where,
            f"column {within!r} has missing ids at {format_values(bad)}",
            "assign every area to a super-unit",
        )
    codes, uniques = pd.factorize(df[within], sort=True)
    return codes, pd.Index(uniques, name=str(within))


def _check_base(base: Any, where: str) -> float:
    if not isinstance(base, int | float) or base <= 1:
        raise fail(where, f"`base` is {base!r}", "pass a number > 1, e.g. 2 or e")
    return float(np.log(base))


# ------------------------------------------------------------------ within


def mutual_information_within(
    df: pd.DataFrame,
    groups: Sequence[Hashable],
    *,
    within: Hashable,
    base: float = np.e,
) -> pd.DataFrame:
    r"""M and H inside each super-unit (e.g. district), with the weights that add them up.

    For areas nested in super-units :math:`w` (column ``within``), :math:`M_w` is M among
    the areas of :math:`w`, :math:`p_w = N_w/N` its population share, :math:`E_w` the
    entropy of its group composition and :math:`H_w = M_w / E_w`. The within term of
    the city is

    .. math:: M_{\text{within}} = \sum_w p_w M_w, \qquad
              H_{\text{within}} = \sum_w \underbrace{p_w \frac{E_w}{E}}_{h\_weight} H_w

    and :math:`M = M_{\text{between}} + M_{\text{within}}` (Theil 1971; Mora &
    Ruiz-Castillo 2011). :math:`E_w/E` (``ent_ratio``) shows whether a super-unit is
    more or less diverse than the city.

    Parameters
    ----------
    df : DataFrame
        One row per area with the group counts and the super-unit id column.
    groups : list of str
    within : str
        Column with the super-unit of each area.
    base : float, default e

    Returns
    -------
    DataFrame
        Indexed by super-unit: ``M``, ``p``, ``H``, ``ent_ratio``, ``h_weight``.

    References
    ----------
    Mora, R., & Ruiz-Castillo, J. (2011). Entropy-based segregation indices.
    Sociological Methodology 41(1), 159-194. doi:10.1111/j.1467-9531.2011.01237.x;
    R package ``segregation``, ``mutual_within``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [10, 0, 5, 5], "b": [0, 10, 5, 5], "d": ["1", "1", "2", "2"]})
    >>> mutual_information_within(df, ["a", "b"], within="d", base=2)
         M    p    H  ent_ratio  h_weight
    d
    1  1.0  0.5  1.0        1.0       0.5
    2  0.0  0.5  0.0        1.0       0.5
    """
    where = "mutual_information_within"
    log = _check_base(base, where)
    counts, _, _ = multigroup_table(df, groups, where=where)
    codes, ids = _super_codes(df, within, where)
    w = _within(counts[None], codes, len(ids))
    out = pd.DataFrame({k: v[0] for k, v in w.items()}, index=ids)
    out["M"] /= log
    return out


# --------------------------------------------------------------- bootstrap


@immutable
@dataclass(frozen=True, repr=False)
class MutualBootstrapResult:
    """M, H, local scores and within terms with bootstrap standard errors and intervals.

    Every table has the columns ``estimate`` (bias-corrected, as R's ``se = TRUE``),
    ``se``, ``bias``, ``ci_low`` and ``ci_high``.

    Attributes
    ----------
    total : DataFrame
        Rows ``M`` and ``H``.
    local : DataFrame
        Rows (area, stat) with stat ``ls`` (local score) and ``p`` (population share).
    within : DataFrame
        Rows (super-unit, stat) with stat ``M``, ``p``, ``H``, ``ent_ratio``,
        ``h_weight``; empty without ``within=``.
    observed : DataFrame
        The values on the observed table (``total`` rows first), before correction.
    n_bootstrap, ci : int, float
    draws : ndarray
        One row per bootstrap table, columns as ``observed``.
    warnings : tuple of str
    """

    total: pd.DataFrame
    local: pd.DataFrame
    within: pd.DataFrame
    observed: pd.Series
    n_bootstrap: int
    ci: float
    draws: np.ndarray = field(repr=False)
    warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:
        lines = [
            f"Bootstrap of M and H ({self.n_bootstrap} draws, {self.ci:.0%} intervals, "
            "bias-corrected)"
        ]
        for stat, row in self.total.iterrows():
            lines.append(
                f"  {stat:<3} {row['estimate']:.6f}  se {row['se']:.6f}  "
                f"[{row['ci_low']:.6f}, {row['ci_high']:.6f}]"
            )
        n_areas = len(self.local) // 2
        lines.append(f"  local scores of {n_areas} areas in .local")
        if len(self.within):
            lines.append(f"  within terms of {len(self.within) // 5} super-units in .within")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>Bootstrap of M and H</b> ({self.n_bootstrap} draws, "
            f"{self.ci:.0%} intervals, bias-corrected)</p>"
        )
        body = self.total.to_html(float_format=lambda v: f"{v:.6f}")
        notes = "".join(f"<p><i>{html.escape(w)}</i></p>" for w in self.warnings)
        return head + body + notes

    def to_frame(self) -> pd.DataFrame:
        """All estimates in one long table with a ``part`` column (total, local, within)."""
        parts = [
            self.total.assign(part="total", id="").rename_axis("stat").reset_index(),
            self.local.assign(part="local").reset_index(),
        ]
        if len(self.within):
            parts.append(self.within.assign(part="within").reset_index())
        return pd.concat(parts, ignore_index=True)[
            ["part", "id", "stat", "estimate", "se", "bias", "ci_low", "ci_high"]
        ]

    def plot(self, ax: Any = None, *, top: int = 20, language: str = "de") -> FigureDisplay:
        """Local scores of the ``top`` areas with the largest ones, with intervals."""
        import matplotlib.pyplot as plt

        ls = self.local.xs("ls", level="stat").sort_values("estimate", ascending=False)
        ls = ls.head(top).iloc[::-1]
        if ax is None:
            _, ax = plt.subplots(figsize=(6.5, 0.6 + 0.3 * len(ls)))
        y = np.arange(len(ls))
        err = np.vstack([ls["estimate"] - ls["ci_low"], ls["ci_high"] - ls["estimate"]])
        ax.errorbar(ls["estimate"], y, xerr=np.clip(err, 0, None), fmt="o", color="#2166ac")
        ax.set_yticks(y, [str(i) for i in ls.index])
        de = german(language, "MutualBootstrapResult.plot")
        ax.set_xlabel("lokaler Segregationswert ls" if de else "local segregation score ls")
        ax.set_title(
            f"Lokale Werte mit {self.ci:.0%}-Intervall"
            if de
            else f"Local scores, {self.ci:.0%} CI"
        )
        alt = (
            "Punkte mit Intervallen: lokale Segregationswerte der Gebiete mit den höchsten Werten"
            if de
            else "Points with intervals: local segregation scores of the areas with the highest values"
        )
        return FigureDisplay.from_axes(ax, "local_segregation", alt)


def bootstrap_mutual_information(
    df: pd.DataFrame,
    groups: Sequence[Hashable],
    *,
    within: Hashable | None = None,
    n_bootstrap: int = 100,
    ci: float = 0.95,
    rng: Any = None,
    base: float = np.e,
) -> MutualBootstrapResult:
    r"""Individual-level bootstrap of M, H, local scores and within terms (R's ``se = TRUE``).

    Each bootstrap table redraws the city's :math:`N` residents from the observed cells
    (a multinomial over areas x groups with probabilities :math:`n_{ug}/N`), as R's
    ``segregation`` does for ``mutual_total``, ``mutual_local`` and ``mutual_within``
    with ``se = TRUE``. For every statistic :math:`\theta` with bootstrap values
    :math:`\theta^*_b`:

    .. math:: \text{bias} = \overline{\theta^*} - \hat\theta, \qquad
              \tilde\theta = \hat\theta - \text{bias}, \qquad
              \text{se} = \operatorname{sd}(\theta^*_b)

    and the interval is the percentile interval of :math:`\theta^*_b - 2\,\text{bias}`
    (the bootstrap distribution moved onto the corrected estimate).
    M is biased upwards in small populations (random allocation alone gives M > 0);
    the correction removes that first-order bias. All draws are evaluated at once
    (vectorised over the bootstrap axis).

    Parameters
    ----------
    df : DataFrame
        One row per area; whole-number counts.
    groups : list of str
    within : str, optional
        Column of super-units (e.g. district) for the within terms.
    n_bootstrap : int, default 100
    ci : float, default 0.95
    rng : numpy.random.Generator or int, optional
    base : float, default e
        Base of the logarithm of M and the local scores (H does not depend on it).

    Returns
    -------
    MutualBootstrapResult

    References
    ----------
    Elbers, B. (2023). doi:10.1177/0049124121986204; R package ``segregation``
    (``mutual_total``, ``mutual_local``, ``mutual_within`` with ``se = TRUE``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [40, 20, 5, 1], "b": [20, 40, 60, 80]})
    >>> r = bootstrap_mutual_information(df, ["a", "b"], n_bootstrap=50, rng=1)
    >>> bool(r.total.loc["M", "ci_low"] < r.total.loc["M", "estimate"] < r.total.loc["M", "ci_high"])
    True
    """
    where = "bootstrap_mutual_information"
    log = _check_base(base, where)
    gen = check_bootstrap_args(n_bootstrap, ci, rng, where)
    counts, _, messages = multigroup_table(df, groups, where=where)
    codes, ids = _super_codes(df, within, where) if within is not None else (None, None)
    draws = multinomial_tables(counts, n_bootstrap, gen, where)

    def stats(c: np.ndarray) -> tuple[np.ndarray, list[tuple[str, Any, str]]]:
        p, ls, m, e = _local(c)
        cols = [m / log, m / e, ls / log, p]
        keys = [("total", "", "M"), ("total", "", "H")]
        keys += [("local", u, "ls") for u in df.index] + [("local", u, "p") for u in df.index]
        if codes is not None and ids is not None:
            w = _within(c, codes, len(ids))
            w["M"] = w["M"] / log
            for stat in ("M", "p", "H", "ent_ratio", "h_weight"):
                cols.append(w[stat])
                keys += [("within", s, stat) for s in ids]
        values = np.column_stack([np.atleast_2d(np.asarray(v).T).T for v in cols])
        return values, keys

    obs, keys = stats(counts[None])
    boot, _ = stats(draws)
    index = pd.MultiIndex.from_tuples(keys, names=["part", "id", "stat"])
    observed = pd.Series(obs[0], index=index)
    summary = bootstrap_summary(observed, boot, ci)
    total = summary.xs("total", level="part").droplevel("id")
    local = summary.xs("local", level="part")
    within_tab = summary.xs("within", level="part") if codes is not None else local.iloc[:0].copy()
    return MutualBootstrapResult(
        total=total,
        local=local,
        within=within_tab,
        observed=observed,
        n_bootstrap=n_bootstrap,
        ci=ci,
        draws=boot,
        warnings=messages,
    )


# ----------------------------------------------------------------- expected


def _null_tables(
    counts: np.ndarray, n_bootstrap: int, fixed_margins: bool, rng: np.random.Generator
) -> np.ndarray:
    """Tables without segregation: residents allocated at random given the margins.

    ``fixed_margins=True`` keeps the area sizes and group totals (R's ``r2dtable``, a
    multivariate hypergeometric draw); otherwise both margins are first redrawn from
    multinomials with the observed shares.
    """
    total = round(counts.sum())
    n, k = counts.shape
    rows0 = np.rint(counts.sum(axis=1)).astype(np.int64)
    cols0 = np.rint(counts.sum(axis=0)).astype(np.int64)
    out = np.zeros((n_bootstrap, n, k))
    for b in range(n_bootstrap):
        if fixed_margins:
            rows, cols = rows0, cols0
        else:
            rows = rng.multinomial(total, rows0 / total)
            cols = rng.multinomial(total, cols0 / total)
        capacity = rows.copy()
        for j in range(k - 1):
            if cols[j]:
                draw = rng.multivariate_hypergeometric(capacity, cols[j], method="marginals")
                out[b, :, j] = draw
                capacity = capacity - draw
        out[b, :, k - 1] = capacity
    return out


def _expected_draws(
    df: pd.DataFrame,
    groups: Sequence[Hashable],
    fixed_margins: bool,
    n_bootstrap: int,
    rng: Any,
    where: str,
) -> tuple[np.ndarray, np.ndarray]:
    gen = check_bootstrap_args(n_bootstrap, 0.95, rng, where)
    counts, _, _ = multigroup_table(df, groups, where=where)
    if not np.allclose(counts, np.rint(counts)):
        raise fail(
            where,
            "the counts are not whole numbers",
            "random allocation redraws persons: pass whole-number counts",
        )
    return counts, _null_tables(counts, n_bootstrap, fixed_margins, gen)


def expected_mutual_information(
    df: pd.DataFrame,
    groups: Sequence[Hashable],
    *,
    fixed_margins: bool = True,
    n_bootstrap: int = 100,
    rng: Any = None,
    base: float = np.e,
) -> pd.DataFrame:
    r"""Return the expected M and H when residents are allocated at random.

    In small areas, or with a small group, M and H are clearly above zero even when
    nobody sorts by group. This simulates ``n_bootstrap`` tables with the observed
    area sizes and group totals (``fixed_margins=True``; otherwise both margins are
    redrawn from multinomials) and independent allocation, and reports the mean and
    standard deviation of M and H over them (R's ``mutual_expected``). Compare the
    observed index with this floor.

    Parameters
    ----------
    df : DataFrame
    groups : list of str
    fixed_margins : bool, default True
    n_bootstrap : int, default 100
    rng : numpy.random.Generator or int, optional
    base : float, default e

    Returns
    -------
    DataFrame
        Rows ``M under 0`` and ``H under 0``; columns ``expected`` and ``se``.

    References
    ----------
    Elbers, B. (2023). doi:10.1177/0049124121986204; R package ``segregation``,
    ``mutual_expected``.

    Examples
    --------
    >>> import pandas as pd
    >>> small = pd.DataFrame({"r1": [1] * 10, "r2": [9] * 10})
    >>> e = expected_mutual_information(small, ["r1", "r2"], n_bootstrap=200, rng=3)
    >>> bool(0.02 < e.loc["M under 0", "expected"] < 0.08)
    True
    """
    where = "expected_mutual_information"
    log = _check_base(base, where)
    _, sim = _expected_draws(df, groups, fixed_margins, n_bootstrap, rng, where)
    _, _, m, e = _local(sim)
    vals = np.column_stack([m / log, m / e])
    return pd.DataFrame(
        {"expected": vals.mean(axis=0), "se": vals.std(axis=0, ddof=1)},
        index=pd.Index(["M under 0", "H under 0"], name="stat"),
    )


def expected_local_mutual_information(
    df: pd.DataFrame,
    groups: Sequence[Hashable],
    *,
    fixed_margins: bool = True,
    n_bootstrap: int = 100,
    rng: Any = None,
    base: float = np.e,
) -> pd.DataFrame:
    r"""Return the expected local scores of the areas under random allocation.

    The local score :math:`ls_u` of a small area is large by chance alone. As R's
    ``mutual_local_expected``, this simulates tables without segregation (see
    :func:`expected_mutual_information`) and reports, per area, the mean local score
    (``ls``), its standard deviation (``se``) and the mean population share (``p``);
    :math:`\sum_u p_u\, ls_u` is then close to the expected M.

    Parameters
    ----------
    df : DataFrame
    groups : list of str
    fixed_margins : bool, default True
    n_bootstrap : int, default 100
    rng : numpy.random.Generator or int, optional
    base : float, default e

    Returns
    -------
    DataFrame
        On ``df.index``: ``ls``, ``se``, ``p``.

    References
    ----------
    R package ``segregation``, ``mutual_local_expected``; Elbers (2023),
    doi:10.1177/0049124121986204.

    Examples
    --------
    >>> import pandas as pd
    >>> small = pd.DataFrame({"r1": [1] * 10, "r2": [9] * 10})
    >>> loc = expected_local_mutual_information(small, ["r1", "r2"], n_bootstrap=100, rng=3)
    >>> list(loc.columns)
    ['ls', 'se', 'p']
    """
    where = "expected_local_mutual_information"
    log = _check_base(base, where)
    _, sim = _expected_draws(df, groups, fixed_margins, n_bootstrap, rng, where)
    p, ls, _, _ = _local(sim)
    return pd.DataFrame(
        {
            "ls": np.nanmean(ls, axis=0) / log,
            "se": np.nanstd(ls, axis=0, ddof=1) / log,
            "p": p.mean(axis=0),
        },
        index=df.index,
    )


# ----------------------------------------------------------------- exposure


def exposure_matrix(df: pd.DataFrame, groups: Sequence[Hashable]) -> pd.DataFrame:
    r"""Group-by-group exposure: the average share of group *b* in the area of a member of *a*.

    .. math:: {}_aP^*_b = \sum_u \frac{n_{ua}}{N_a} \frac{n_{ub}}{n_u}

    Rows are the group *of* whom the exposure is measured, columns the group *to*
    whom; each row adds up to 1, and the diagonal holds the isolation indices
    :math:`{}_aP^*_a` (Lieberson 1981; R's ``segregation::exposure`` and
    ``isolation``). Exposure is not symmetric: :math:`{}_aP^*_b N_a = {}_bP^*_a N_b`.

    Parameters
    ----------
    df : DataFrame
    groups : list of str

    Returns
    -------
    DataFrame
        K x K, index ``of`` and columns ``to`` named after the groups.

    References
    ----------
    Lieberson, S. (1981). An asymmetrical approach to segregation. In C. Peach et al.
    (eds.), Ethnic Segregation in Cities, 61-82. Croom Helm; Massey, D. S., & Denton,
    N. A. (1988). doi:10.1093/sf/67.2.281

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [10, 0, 5], "b": [0, 10, 5]})
    >>> exposure_matrix(df, ["a", "b"])
    to          a         b
    of
    a   0.833333  0.166667
    b   0.166667  0.833333
    """
    where = "exposure_matrix"
    counts, kept, _ = multigroup_table(df, groups, where=where)
    t = counts.sum(axis=1)
    comp = np.divide(counts, t[:, None], out=np.zeros_like(counts), where=t[:, None] > 0)
    mat = (counts / counts.sum(axis=0)).T @ comp
    names = [str(g) for g in kept]
    return pd.DataFrame(mat, index=pd.Index(names, name="of"), columns=pd.Index(names, name="to"))
