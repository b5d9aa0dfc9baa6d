r"""Multigroup segregation indices over K mutually exclusive groups.

Notation: unit :math:`i` has :math:`t_{ik}` members of group :math:`k`,
:math:`t_i = \sum_k t_{ik}`, :math:`p_{ik} = t_{ik}/t_i`, :math:`T` the city
population and :math:`P_k` the city share of group :math:`k`;
:math:`I = \sum_k P_k (1 - P_k)` is Simpson's interaction index and
:math:`E = -\sum_k P_k \ln P_k` the city's entropy. Units with :math:`t_i = 0` carry no
weight. The groups should be exhaustive (add up to the population) and mutually
exclusive; the indices describe the table of the given columns.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sozplan.checks import count_block, fail
from sozplan.segregation._compiled import gini_half, multigroup_sums
from sozplan.segregation._result import SegregationResult
from sozplan.segregation._validate import (
    IndexInfo,
    environment_matrix,
    lag_table,
    multigroup_table,
    register,
    safe_div,
    xlogy_ratio,
)

__all__ = [
    "diversity",
    "information_theory",
    "multigroup_dissimilarity",
    "multigroup_gini",
    "mutual_information",
    "normalized_exposure",
    "relative_diversity",
    "simpson_concentration",
    "simpson_interaction",
    "squared_coefficient_of_variation",
]


# --------------------------------------------------------------------- kernels
# Every kernel takes counts of shape (B, n, K) and returns shape (B,).


def _sums(c: np.ndarray) -> tuple[np.ndarray, ...]:
    """(group shares (B, K), T (B,), sum |d| (B, K), sum d^2 / t (B, K), T M (B,))."""
    c = np.asarray(c, dtype=float)
    scratch = np.empty((2, c.shape[1]))
    grp, big_t, abs_dev, sq_dev, info = multigroup_sums(c, scratch[0], scratch[1])
    return grp / big_t[:, None], big_t, abs_dev, sq_dev, info


def _k_mdis(c: np.ndarray) -> np.ndarray:
    share, big_t, abs_dev, _, _ = _sums(c)
    inter = (share * (1 - share)).sum(axis=1)
    return abs_dev.sum(axis=1) / (2 * big_t * inter)


def _k_mgini(c: np.ndarray) -> np.ndarray:

    t = c.sum(axis=2)  # (B, n)
    big_t = t.sum(axis=1)
    share = c.sum(axis=1) / big_t[:, None]
    inter = (share * (1 - share)).sum(axis=1)
    ck = np.ascontiguousarray(np.moveaxis(c, 2, 1))  # (B, K, n), contiguous for sorting
    order = np.argsort(safe_div(ck, t[:, None, :]), axis=2)
    return gini_half(ck, np.ascontiguousarray(t), order) / (big_t**2 * inter)


def _k_m(c: np.ndarray, base: float = np.e) -> np.ndarray:
    _, big_t, _, _, info = _sums(c)
    return info / big_t / np.log(base)


def _k_entropy_city(c: np.ndarray) -> np.ndarray:
    share = c.sum(axis=1) / c.sum(axis=(1, 2))[:, None]
    return -xlogy_ratio(share, np.ones_like(share)).sum(axis=1)


def _k_h(c: np.ndarray) -> np.ndarray:
    return _k_m(c) / _k_entropy_city(c)


def _k_nexp(c: np.ndarray) -> np.ndarray:
    share, big_t, _, sq, _ = _sums(c)
    return (sq / (1 - share)).sum(axis=1) / big_t


def _k_rdiv(c: np.ndarray) -> np.ndarray:
    share, big_t, _, sq, _ = _sums(c)
    return sq.sum(axis=1) / (big_t * (share * (1 - share)).sum(axis=1))


def _k_scv(c: np.ndarray) -> np.ndarray:
    share, big_t, _, sq, _ = _sums(c)
    return (sq / share).sum(axis=1) / (big_t * (c.shape[2] - 1))


def _k_simpson_c(c: np.ndarray) -> np.ndarray:
    share = c.sum(axis=1) / c.sum(axis=(1, 2))[:, None]
    return (share**2).sum(axis=1)


def _k_simpson_i(c: np.ndarray) -> np.ndarray:
    share = c.sum(axis=1) / c.sum(axis=(1, 2))[:, None]
    return (share * (1 - share)).sum(axis=1)


def _k_diversity(c: np.ndarray, normalized: bool = False) -> np.ndarray:
    e = _k_entropy_city(c)
    return e / np.log(c.shape[2]) if normalized else e


def all_multigroup(c: np.ndarray, *, gini: bool = True) -> dict[str, float]:
    """All multigroup indices of one (n, K) table from shared sums (for the table).

    ``gini=False`` leaves out the multigroup Gini (NaN), the one index that sorts.
    """
    shares, totals, abs_devs, sqs, infos = _sums(c[None])
    share, big_t, abs_dev, sq = shares[0], float(totals[0]), abs_devs[0], sqs[0]
    m = float(infos[0]) / big_t
    k = c.shape[1]
    inter = float((share * (1 - share)).sum())
    e = float(-(share * np.log(share)).sum())
    return {
        "multigroup_dissimilarity": float(abs_dev.sum() / (2 * big_t * inter)),
        "multigroup_gini": float(_k_mgini(c[None])[0]) if gini else float("nan"),
        "information_theory": m / e,
        "mutual_information": m,
        "relative_diversity": float(sq.sum() / (big_t * inter)),
        "squared_coefficient_of_variation": float((sq / share).sum() / (big_t * (k - 1))),
        "normalized_exposure": float((sq / (1 - share)).sum() / big_t),
        "simpson_concentration": float((share**2).sum()),
        "simpson_interaction": inter,
        "diversity": e,
    }


# ------------------------------------------------------------------ machinery


def compute_multigroup(
    func: Any,
    df: pd.DataFrame,
    groups: Sequence[Hashable],
    *,
    graph: Any = None,
    extras: dict[str, Any] | None = None,
    **params: Any,
) -> SegregationResult:
    """Validate, build local environments if a graph is given, and run the kernel."""
    spec = func._segregation_spec
    counts, groups, messages = multigroup_table(df, groups, where=spec.name)
    if graph is not None:
        counts = lag_table(environment_matrix(df, graph, spec.name), counts)
    value = spec.kernel(counts[None], **params)[0]
    shown = {k: v for k, v in params.items() if k != "base" or v != np.e}
    return SegregationResult(
        name=spec.name,
        label=spec.label + (" (spatial)" if graph is not None else ""),
        statistic=float(value),
        dimension=spec.dimension,
        n_units=len(counts),
        groups=tuple(str(g) for g in groups),
        spatial=graph is not None,
        extras={
            "n_groups": counts.shape[1],
            "n_empty_units": int((counts.sum(1) == 0).sum()),
            **shown,
            **(extras or {}),
        },
        warnings=messages,
    )


def _spec(name: str, label: str, dimension: str, kernel: Any) -> IndexInfo:
    return IndexInfo(name, label, dimension, "multigroup", kernel)


@register(_spec("multigroup_dissimilarity", "Multigroup dissimilarity D", "evenness", _k_mdis))
def multigroup_dissimilarity(
    df: pd.DataFrame, groups: Sequence[Hashable], *, graph: Any = None
) -> SegregationResult:
    r"""Multigroup dissimilarity index (Sakoda 1981; Reardon & Firebaugh 2002).

    .. math:: D = \frac{1}{2 T I} \sum_i \sum_k t_i \lvert p_{ik} - P_k \rvert

    Parameters
    ----------
    df : DataFrame
    groups : list of str
    graph : libpysal.graph.Graph, optional

    Returns
    -------
    SegregationResult

    References
    ----------
    Reardon, S. F., & Firebaugh, G. (2002). Measures of multigroup segregation.
    Sociological Methodology 32, 33-67. doi:10.1111/1467-9531.00110

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [10, 0], "b": [0, 10]})
    >>> multigroup_dissimilarity(df, ["a", "b"]).statistic
    1.0
    """
    return compute_multigroup(multigroup_dissimilarity, df, groups, graph=graph)


@register(_spec("multigroup_gini", "Multigroup Gini G", "evenness", _k_mgini))
def multigroup_gini(
    df: pd.DataFrame, groups: Sequence[Hashable], *, graph: Any = None
) -> SegregationResult:
    r"""Multigroup Gini index (Reardon & Firebaugh 2002), in :math:`O(K n \log n)`.

    .. math:: G = \frac{1}{2 T^2 I} \sum_k \sum_i \sum_j t_i t_j \lvert p_{ik} - p_{jk} \rvert

    Parameters
    ----------
    df : DataFrame
    groups : list of str
    graph : libpysal.graph.Graph, optional

    Returns
    -------
    SegregationResult

    References
    ----------
    Reardon & Firebaugh (2002), doi:10.1111/1467-9531.00110

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [10, 0], "b": [0, 10]})
    >>> multigroup_gini(df, ["a", "b"]).statistic
    1.0
    """
    return compute_multigroup(multigroup_gini, df, groups, graph=graph)


@register(_spec("information_theory", "Information theory index H", "evenness", _k_h))
def information_theory(
    df: pd.DataFrame, groups: Sequence[Hashable], *, graph: Any = None
) -> SegregationResult:
    r"""Theil's information theory index H, the normalised mutual information.

    .. math:: H = \frac{M}{E} = \frac{1}{T E} \sum_i \sum_k t_{ik}
              \ln\frac{p_{ik}}{P_k}

    Between 0 and 1 for any number of groups; unlike M it depends on the groups'
    overall diversity E, so it should not be decomposed into group parts.

    Parameters
    ----------
    df : DataFrame
    groups : list of str
    graph : libpysal.graph.Graph, optional

    Returns
    -------
    SegregationResult

    References
    ----------
    Theil & Finizza (1971), doi:10.1080/0022250X.1971.9989795; Reardon & Firebaugh
    (2002), doi:10.1111/1467-9531.00110

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [10, 0], "b": [0, 10]})
    >>> information_theory(df, ["a", "b"]).statistic
    1.0
    """
    return compute_multigroup(information_theory, df, groups, graph=graph)


@register(_spec("mutual_information", "Mutual information index M", "evenness", _k_m))
def mutual_information(
    df: pd.DataFrame, groups: Sequence[Hashable], *, base: float = np.e, graph: Any = None
) -> SegregationResult:
    r"""Mutual information index M (Theil 1971; Mora & Ruiz-Castillo 2011; Elbers 2023).

    .. math:: M = \sum_i \sum_k \frac{t_{ik}}{T} \log \frac{t_{ik}\, T}{t_i\, T_k}
              = \sum_i \frac{t_i}{T} \sum_k p_{ik} \log\frac{p_{ik}}{P_k}

    The mutual information between area and group. M is additively decomposable:
    into between and within parts along a hierarchy
    (:func:`~sozplan.segregation.decompose_mutual_information`), into local
    contributions (:func:`~sozplan.segregation.local_mutual_information`) and its change
    over time into marginal and structural parts
    (:func:`~sozplan.segregation.decompose_change`). ``extras`` holds ``entropy``
    (E in the same base) and ``H`` (= M/E).

    Parameters
    ----------
    df : DataFrame
    groups : list of str
    base : float, default e
        Base of the logarithm (natural log as in R's ``segregation``; 2 gives bits).
    graph : libpysal.graph.Graph, optional

    Returns
    -------
    SegregationResult

    References
    ----------
    Mora, R., & Ruiz-Castillo, J. (2011). Entropy-based segregation indices.
    Sociological Methodology 41(1), 159-194. doi:10.1111/j.1467-9531.2011.01237.x;
    Elbers, B. (2023). doi:10.1177/0049124121986204

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [10, 0], "b": [0, 10]})
    >>> round(mutual_information(df, ["a", "b"], base=2).statistic, 6)
    1.0
    """
    if not isinstance(base, int | float) or base <= 1:
        raise fail("mutual_information", f"`base` is {base!r}", "pass a number > 1, e.g. 2 or e")
    res = compute_multigroup(mutual_information, df, groups, graph=graph, base=float(base))
    counts = count_block(df, list(res.groups), where="mutual_information")
    e = float(_k_entropy_city(counts[None])[0]) / np.log(base)
    return SegregationResult(
        **{**res.__dict__, "extras": {**res.extras, "entropy": e, "H": res.statistic / e}}
    )


@register(_spec("normalized_exposure", "Normalised exposure P", "exposure", _k_nexp))
def normalized_exposure(
    df: pd.DataFrame, groups: Sequence[Hashable], *, graph: Any = None
) -> SegregationResult:
    r"""Normalised exposure index P (James 1986; Reardon & Firebaugh 2002).

    .. math:: P = \sum_i \sum_k \frac{t_i}{T} \frac{(p_{ik} - P_k)^2}{1 - P_k}

    Parameters
    ----------
    df : DataFrame
    groups : list of str
    graph : libpysal.graph.Graph, optional

    Returns
    -------
    SegregationResult

    References
    ----------
    Reardon & Firebaugh (2002), doi:10.1111/1467-9531.00110

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [10, 0], "b": [0, 10]})
    >>> normalized_exposure(df, ["a", "b"]).statistic
    1.0
    """
    return compute_multigroup(normalized_exposure, df, groups, graph=graph)


@register(_spec("relative_diversity", "Relative diversity R", "evenness", _k_rdiv))
def relative_diversity(
    df: pd.DataFrame, groups: Sequence[Hashable], *, graph: Any = None
) -> SegregationResult:
    r"""Relative diversity index R (Carlson 1992; Reardon & Firebaugh 2002).

    .. math:: R = \frac{1}{T I} \sum_i \sum_k t_i (p_{ik} - P_k)^2

    Parameters
    ----------
    df : DataFrame
    groups : list of str
    graph : libpysal.graph.Graph, optional

    Returns
    -------
    SegregationResult

    References
    ----------
    Reardon & Firebaugh (2002), doi:10.1111/1467-9531.00110

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [10, 0], "b": [0, 10]})
    >>> relative_diversity(df, ["a", "b"]).statistic
    1.0
    """
    return compute_multigroup(relative_diversity, df, groups, graph=graph)


@register(
    _spec(
        "squared_coefficient_of_variation",
        "Squared coefficient of variation C",
        "evenness",
        _k_scv,
    )
)
def squared_coefficient_of_variation(
    df: pd.DataFrame, groups: Sequence[Hashable], *, graph: Any = None
) -> SegregationResult:
    r"""Squared coefficient of variation C (Reardon & Firebaugh 2002).

    .. math:: C = \frac{1}{(K-1) T} \sum_i \sum_k \frac{t_i (p_{ik} - P_k)^2}{P_k}

    Parameters
    ----------
    df : DataFrame
    groups : list of str
    graph : libpysal.graph.Graph, optional

    Returns
    -------
    SegregationResult

    References
    ----------
    Reardon & Firebaugh (2002), doi:10.1111/1467-9531.00110

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [10, 0], "b": [0, 10]})
    >>> squared_coefficient_of_variation(df, ["a", "b"]).statistic
    1.0
    """
    return compute_multigroup(squared_coefficient_of_variation, df, groups, graph=graph)


@register(_spec("simpson_concentration", "Simpson's concentration λ", "diversity", _k_simpson_c))
def simpson_concentration(
    df: pd.DataFrame, groups: Sequence[Hashable], *, graph: Any = None
) -> SegregationResult:
    r"""Simpson's concentration index: probability that two random residents share a group.

    .. math:: \lambda = \sum_k P_k^2

    Describes the city's composition, not its segregation (dimension "diversity").

    Parameters
    ----------
    df : DataFrame
    groups : list of str
    graph : libpysal.graph.Graph, optional
        Accepted for symmetry; the value does not depend on the areas.

    Returns
    -------
    SegregationResult

    References
    ----------
    Simpson, E. H. (1949). Measurement of diversity. Nature 163, 688.
    doi:10.1038/163688a0

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [10, 0], "b": [0, 10]})
    >>> simpson_concentration(df, ["a", "b"]).statistic
    0.5
    """
    return compute_multigroup(simpson_concentration, df, groups, graph=graph)


@register(_spec("simpson_interaction", "Simpson's interaction I", "diversity", _k_simpson_i))
def simpson_interaction(
    df: pd.DataFrame, groups: Sequence[Hashable], *, graph: Any = None
) -> SegregationResult:
    r"""Simpson's interaction index: probability that two random residents differ in group.

    .. math:: I = \sum_k P_k (1 - P_k) = 1 - \lambda

    Parameters
    ----------
    df : DataFrame
    groups : list of str
    graph : libpysal.graph.Graph, optional

    Returns
    -------
    SegregationResult

    References
    ----------
    Simpson (1949), doi:10.1038/163688a0

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [10, 0], "b": [0, 10]})
    >>> simpson_interaction(df, ["a", "b"]).statistic
    0.5
    """
    return compute_multigroup(simpson_interaction, df, groups, graph=graph)


@register(_spec("diversity", "Diversity (entropy) E", "diversity", _k_diversity))
def diversity(
    df: pd.DataFrame, groups: Sequence[Hashable], *, normalized: bool = False, graph: Any = None
) -> SegregationResult:
    r"""Diversity of the city: the entropy of its group shares.

    .. math:: E = -\sum_k P_k \ln P_k \quad (\text{divided by } \ln K \text{ if normalized})

    Parameters
    ----------
    df : DataFrame
    groups : list of str
    normalized : bool, default False
        Divide by the maximum :math:`\ln K` (then between 0 and 1).
    graph : libpysal.graph.Graph, optional

    Returns
    -------
    SegregationResult

    References
    ----------
    Theil & Finizza (1971), doi:10.1080/0022250X.1971.9989795

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [10, 0], "b": [0, 10]})
    >>> diversity(df, ["a", "b"], normalized=True).statistic
    1.0
    """
    return compute_multigroup(diversity, df, groups, graph=graph, normalized=bool(normalized))
