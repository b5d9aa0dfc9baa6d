r"""Local (per-area) segregation and diversity measures.

All functions return pandas objects on the input index. Areas without residents get
NaN for ratios (a share of nobody is undefined) and 0 for contributions.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from sozplan.checks import fail
from sozplan.segregation._validate import multigroup_array, safe_div, xlogy_ratio

__all__ = [
    "local_diversity",
    "local_entropy",
    "local_mutual_information",
    "local_simpson_concentration",
    "local_simpson_interaction",
    "location_quotients",
]


def _shares(
    df: pd.DataFrame, groups: Sequence[Hashable], where: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    counts = multigroup_array(df, groups, where=where)
    t = counts.sum(axis=1)
    p = safe_div(counts, t[:, None])
    return counts, t, p


def location_quotients(df: pd.DataFrame, groups: Sequence[Hashable]) -> pd.DataFrame:
    r"""Location quotients: each group's local share relative to its city share.

    .. math:: LQ_{ik} = \frac{t_{ik} / t_i}{T_k / T}

    Values above 1 mark areas where the group is over-represented.

    Parameters
    ----------
    df : DataFrame
        One row per area.
    groups : list of str
        Group columns (at least two).

    Returns
    -------
    DataFrame
        One column per group on ``df.index``; NaN for areas without residents.

    References
    ----------
    Isard, W. (1960). Methods of Regional Analysis. MIT Press.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [8, 2], "b": [2, 8]}, index=["01", "02"])
    >>> location_quotients(df, ["a", "b"])
          a    b
    01  1.6  0.4
    02  0.4  1.6
    """
    counts, t, p = _shares(df, groups, "location_quotients")
    share = counts.sum(axis=0) / counts.sum()
    lq = np.where(t[:, None] > 0, p / share, np.nan)
    return pd.DataFrame(lq, index=df.index, columns=list(groups))


def local_diversity(df: pd.DataFrame, groups: Sequence[Hashable]) -> pd.Series:
    r"""Local diversity: the entropy of each area's composition.

    .. math:: E_i = -\sum_k p_{ik} \ln p_{ik}

    Parameters
    ----------
    df : DataFrame
    groups : list of str

    Returns
    -------
    Series
        Named ``"local_diversity"``; NaN for areas without residents.

    References
    ----------
    Theil & Finizza (1971), doi:10.1080/0022250X.1971.9989795

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [5, 10], "b": [5, 0]}, index=["01", "02"])
    >>> local_diversity(df, ["a", "b"]).round(4).tolist()
    [0.6931, 0.0]
    """
    _, t, p = _shares(df, groups, "local_diversity")
    e = -xlogy_ratio(p, np.ones_like(p)).sum(axis=1)
    return pd.Series(np.where(t > 0, e, np.nan), index=df.index, name="local_diversity")


def local_entropy(df: pd.DataFrame, groups: Sequence[Hashable]) -> pd.Series:
    r"""Local entropy: the local diversity divided by its maximum :math:`\ln K` (0 to 1).

    .. math:: \tilde E_i = -\frac{1}{\ln K}\sum_k p_{ik} \ln p_{ik}

    Parameters
    ----------
    df : DataFrame
    groups : list of str

    Returns
    -------
    Series
        Named ``"local_entropy"``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [5, 10], "b": [5, 0]}, index=["01", "02"])
    >>> local_entropy(df, ["a", "b"]).tolist()
    [1.0, 0.0]
    """
    e = local_diversity(df, groups)
    return (e / np.log(len(groups))).rename("local_entropy")


def local_simpson_concentration(df: pd.DataFrame, groups: Sequence[Hashable]) -> pd.Series:
    r"""Local Simpson concentration :math:`\lambda_i = \sum_k p_{ik}^2`.

    Parameters
    ----------
    df : DataFrame
    groups : list of str

    Returns
    -------
    Series
        Named ``"local_simpson_concentration"``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [5, 10], "b": [5, 0]}, index=["01", "02"])
    >>> local_simpson_concentration(df, ["a", "b"]).tolist()
    [0.5, 1.0]
    """
    _, t, p = _shares(df, groups, "local_simpson_concentration")
    return pd.Series(
        np.where(t > 0, (p**2).sum(axis=1), np.nan),
        index=df.index,
        name="local_simpson_concentration",
    )


def local_simpson_interaction(df: pd.DataFrame, groups: Sequence[Hashable]) -> pd.Series:
    r"""Local Simpson interaction :math:`I_i = \sum_k p_{ik}(1 - p_{ik})`.

    Parameters
    ----------
    df : DataFrame
    groups : list of str

    Returns
    -------
    Series
        Named ``"local_simpson_interaction"``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [5, 10], "b": [5, 0]}, index=["01", "02"])
    >>> local_simpson_interaction(df, ["a", "b"]).tolist()
    [0.5, 0.0]
    """
    _, t, p = _shares(df, groups, "local_simpson_interaction")
    return pd.Series(
        np.where(t > 0, (p * (1 - p)).sum(axis=1), np.nan),
        index=df.index,
        name="local_simpson_interaction",
    )


def local_mutual_information(
    df: pd.DataFrame, groups: Sequence[Hashable], *, by: str = "units", base: float = np.e
) -> pd.DataFrame:
    r"""Local segregation scores and contributions that add up to M exactly (Elbers 2023).

    .. math:: L_i = \sum_k p_{ik} \log\frac{p_{ik}}{P_k}, \qquad
              M = \sum_i \frac{t_i}{T} L_i

    :math:`L_i` (``ls``) is the Kullback-Leibler divergence of the area's composition
    from the city's: how unusual the area is. The contribution
    :math:`\frac{t_i}{T} L_i` weighs it by the area's population.

    M is symmetric in areas and groups, so with ``by="groups"`` the same holds per group:

    .. math:: L_k = \sum_i p_{i|k} \log\frac{p_{i|k}}{t_i / T}, \qquad
              M = \sum_k P_k L_k

    :math:`L_k` measures how differently group *k* is spread over the areas compared
    with the whole population: the group-specific segregation, comparable across
    groups of very different size (unlike the two-group M of one group against the
    rest, which is bounded by the entropy of the split).

    Parameters
    ----------
    df : DataFrame
    groups : list of str
    by : {"units", "groups"}, default "units"
        Local scores per area (rows of ``df``) or per group.
    base : float, default e
        Base of the logarithm, as in :func:`~sozplan.segregation.mutual_information`.

    Returns
    -------
    DataFrame
        ``by="units"``: on ``df.index`` with columns ``ls`` (NaN for empty areas), ``p``
        (population share :math:`t_i/T`) and ``contribution`` (sums to M).
        ``by="groups"``: indexed by group with ``ls`` (:math:`L_k`), ``p`` (:math:`P_k`)
        and ``contribution``.

    References
    ----------
    Elbers, B. (2023). doi:10.1177/0049124121986204; R package ``segregation``,
    function ``mutual_local``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [10, 0], "b": [0, 10]}, index=["01", "02"])
    >>> local_mutual_information(df, ["a", "b"], base=2)["contribution"].sum()
    np.float64(1.0)
    """
    if not isinstance(base, int | float) or base <= 1:
        raise fail("local_mutual_information", f"`base` is {base!r}", "pass a number > 1")
    if by not in ("units", "groups"):
        raise fail("local_mutual_information", f"`by` is {by!r}", "choose 'units' or 'groups'")
    counts, t, p = _shares(df, groups, "local_mutual_information")
    share = counts.sum(axis=0) / counts.sum()
    if by == "groups":
        spread = counts / counts.sum(axis=0)  # p_{i|k}
        pop = (t / t.sum())[:, None]
        lsk = xlogy_ratio(spread, np.broadcast_to(pop, spread.shape)).sum(axis=0) / np.log(base)
        out = pd.DataFrame(
            {"ls": lsk, "p": share, "contribution": share * lsk},
            index=pd.Index([str(g) for g in groups], name="group"),
        )
        return out
    ls = xlogy_ratio(p, np.broadcast_to(share, p.shape)).sum(axis=1) / np.log(base)
    weight = t / t.sum()
    return pd.DataFrame(
        {"ls": np.where(t > 0, ls, np.nan), "p": weight, "contribution": weight * ls},
        index=df.index,
    )
