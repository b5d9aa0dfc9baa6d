"""Small numbers: empirical Bayes smoothing, Assunção-Reis standardisation, location quotients."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from sozplan.checks import check_counts, check_frame, fail, format_values
from sozplan.graph import align_graph

__all__ = ["assuncao_reis", "empirical_bayes", "location_quotient"]


def _counts(
    df: pd.DataFrame, group: str, population: str, where: str
) -> tuple[np.ndarray, np.ndarray]:
    check_frame(df, where=where)
    check_counts(df, [group, population], where=where)
    e = df[group].to_numpy(dtype=float)
    b = df[population].to_numpy(dtype=float)
    if b.sum() <= 0:
        raise fail(
            where,
            f"column {population!r} sums to 0",
            "pass a base (population at risk) with cases",
        )
    return e, b


def _neighbourhood(graph: Any, n: int) -> sparse.csr_matrix:
    """Binary neighbourhood matrix with each area its own neighbour (weights ignored)."""
    a = sparse.csr_matrix(graph.sparse, dtype=float)
    a.data = (a.data != 0).astype(float)
    a = a.tolil()
    a.setdiag(1.0)
    return a.tocsr()


def empirical_bayes(
    df: pd.DataFrame, group: str, population: str, *, graph: Any = None, multiplier: float = 1.0
) -> pd.Series:
    r"""Empirical Bayes smoothed rates (global or spatial), after Marshall (1991).

    The raw rate :math:`r_i = e_i / b_i` (cases :math:`e_i`, base :math:`b_i`) is
    shrunk towards a prior mean :math:`m`, the more the smaller the base:

    .. math::

        \hat r_i = w_i r_i + (1 - w_i) m, \qquad
        w_i = \frac{A}{A + m / b_i}, \qquad
        A = \max\!\left(0,\; \frac{\sum b_i (r_i - m)^2}{\sum b_i} - \frac{m}{\bar b}\right),

    with :math:`m = \sum e_i / \sum b_i` (global, method of moments). With a ``graph``
    the prior is local (spatial EB): :math:`m_i` and :math:`A_i` are computed over the
    neighbourhood of :math:`i` including :math:`i` itself (binary contiguity; the
    graph's weights are ignored), as in ``esda.smoothing.Spatial_Empirical_Bayes``.
    An area with base 0 gets the prior mean. Both variants agree with esda.

    Parameters
    ----------
    df : DataFrame
        One row per area.
    group : str
        Column of cases (events), e.g. ``"sgb2_unter15"``.
    population : str
        Column of the base (population at risk), e.g. ``"einwohner_0_5"``; pass the sum
        of several columns as a column of its own.
    graph : libpysal.graph.Graph, optional
        Neighbourhoods for spatial EB, aligned with ``df.index`` (same ids, same order;
        see :func:`sozplan.graph.build_graph`). A legacy ``libpysal.weights.W`` is
        converted with ``Graph.from_W``.
    multiplier : float, default 1
        Scale of the result (100 for per cent).

    Returns
    -------
    Series
        Smoothed rates on ``df.index``, named ``"<group>_eb"`` (or ``"<group>_seb"``).

    References
    ----------
    Marshall, R. J. (1991). Mapping disease and mortality rates using empirical Bayes
    estimators. Applied Statistics 40(2), 283-294. doi:10.2307/2347593

    Anselin, L., Lozano, N., & Koschinsky, J. (2006). Rate transformations and smoothing.
    GeoDa Center technical report.

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.indicators import empirical_bayes
    >>> df = pd.DataFrame({"e": [3, 25, 60, 1, 33, 2, 30, 20],
    ...                    "b": [10, 100, 150, 20, 100, 40, 110, 90]})
    >>> empirical_bayes(df, "e", "b").round(4).tolist()[:4]  # esda.smoothing.Empirical_Bayes
    [0.2841, 0.2597, 0.3717, 0.2113]
    """
    where = "empirical_bayes"
    e, b = _counts(df, group, population, where)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(b > 0, e / np.where(b > 0, b, 1.0), 0.0)
    if graph is None:
        m = e.sum() / b.sum()
        a = np.sum(b * (r - m) ** 2) / b.sum() - m / b.mean()
        a = max(a, 0.0)
        name = f"{group}_eb"
    else:
        if not hasattr(graph, "unique_ids") and hasattr(graph, "neighbors"):
            from libpysal.graph import Graph  # a legacy libpysal.weights.W

            graph = Graph.from_W(graph)
        graph = align_graph(graph, df, where=where)
        nb = _neighbourhood(graph, len(df))
        bi = nb @ b
        m = (nb @ e) / bi
        k = np.asarray(nb.sum(axis=1)).ravel()
        # sum_j b_j (r_j - m_i)^2 over the neighbourhood, expanded to avoid a loop
        s2 = (nb @ (b * r**2) - 2 * m * (nb @ (b * r)) + m**2 * bi) / bi
        a = np.clip(s2 - m / (bi / k), 0.0, None)
        name = f"{group}_seb"
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(b > 0, a / (a + m / np.where(b > 0, b, 1.0)), 0.0)
    w = np.nan_to_num(w, nan=0.0)
    smoothed = w * r + (1 - w) * m
    return pd.Series(smoothed * multiplier, index=df.index, name=name)


def assuncao_reis(df: pd.DataFrame, group: str, population: str) -> pd.Series:
    r"""Assunção-Reis standardised rates, for Moran's I of rates with unequal bases.

    .. math::

        z_i = \frac{r_i - m}{\sqrt{v_i}}, \qquad
        v_i = A + \frac{m}{b_i} \;\; (\text{or } m/b_i \text{ if } v_i < 0),

    with :math:`m` and :math:`A` the global empirical Bayes moments of
    :func:`empirical_bayes` (here without truncating :math:`A` at 0). Areas with a small
    base get a large variance and so a small weight in the statistic. Agrees with
    ``esda.smoothing.assuncao_rate``.

    Parameters
    ----------
    df : DataFrame
    group, population : str
        Columns of cases and of the base; every base must be positive.

    Returns
    -------
    Series
        Standardised rates named ``"<group>_ar"``.

    References
    ----------
    Assunção, R. M., & Reis, E. A. (1999). A new proposal to adjust Moran's I for
    population density. Statistics in Medicine 18(16), 2147-2162.
    doi:10.1002/(SICI)1097-0258(19990830)18:16<2147::AID-SIM179>3.0.CO;2-I

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.indicators import assuncao_reis
    >>> df = pd.DataFrame({"e": [30, 25, 25, 15, 33, 21, 30, 20],
    ...                    "b": [100, 100, 110, 90, 100, 90, 110, 90]})
    >>> # esda.smoothing.assuncao_rate: 1.0384, -0.0410, -0.5625, -1.7306
    >>> assuncao_reis(df, "e", "b").round(4).tolist()[:4]
    [1.0384, -0.041, -0.5625, -1.7306]
    """
    where = "assuncao_reis"
    e, b = _counts(df, group, population, where)
    if (b <= 0).any():
        raise fail(
            where,
            f"column {population!r} is 0 in {int((b <= 0).sum())} area(s): "
            f"{format_values(df.index[b <= 0])}",
            "leave areas without a base out (their rate is undefined)",
        )
    r = e / b
    m = e.sum() / b.sum()
    a = np.sum(b * (r - m) ** 2) / b.sum() - m / b.mean()
    v = a + m / b
    v = np.where(v < 0, m / b, v)
    return pd.Series((r - m) / np.sqrt(v), index=df.index, name=f"{group}_ar")


def location_quotient(
    df: pd.DataFrame, group: str, population: str, *, reference: tuple[float, float] | None = None
) -> pd.Series:
    r"""Location quotient of a group against the whole city (or a given reference).

    .. math:: LQ_i = \frac{g_i / t_i}{G / T}

    with :math:`G = \sum g_i`, :math:`T = \sum t_i` (the city) unless ``reference``
    gives :math:`(G, T)`. :math:`LQ > 1`: the group is over-represented in area
    :math:`i`. Areas with :math:`t_i = 0` get NaN.

    Parameters
    ----------
    df : DataFrame
    group, population : str
        Columns of the group count and the total.
    reference : (float, float), optional
        Group count and total of the reference area (e.g. the state), default the sums
        over ``df``.

    Returns
    -------
    Series
        Named ``"<group>_lq"``.

    See Also
    --------
    sozplan.segregation.location_quotients : several groups that partition the population.

    References
    ----------
    Isard, W. (1960). Methods of Regional Analysis. MIT Press.

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.indicators import location_quotient
    >>> df = pd.DataFrame({"auslaender": [10, 40], "einwohner": [100, 100]}, index=["a", "b"])
    >>> location_quotient(df, "auslaender", "einwohner").tolist()
    [0.4, 1.6]
    """
    where = "location_quotient"
    check_frame(df, where=where)
    check_counts(df, [group, population], where=where)
    g = df[group].to_numpy(dtype=float)
    t = df[population].to_numpy(dtype=float)
    if reference is None:
        big_g, big_t = g.sum(), t.sum()
    else:
        if not (isinstance(reference, (tuple, list)) and len(reference) == 2):
            raise fail(
                where,
                f"`reference` is {reference!r}",
                "pass (group count, total) of the reference",
            )
        big_g, big_t = map(float, reference)
    if not (big_g > 0 and big_t > 0):
        raise fail(
            where,
            f"the reference share {big_g:g}/{big_t:g} is not positive",
            "pass a group that occurs in the reference area",
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        lq = np.where(t > 0, g / np.where(t > 0, t, 1.0), np.nan) / (big_g / big_t)
    return pd.Series(lq, index=df.index, name=f"{group}_lq")
