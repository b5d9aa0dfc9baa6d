"""Demand for places: projected residents of an age group times a participation rate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sozplan.checks import fail
from sozplan.projection._hamilton_perry import ProjectionResult

__all__ = ["DEMAND_GROUPS", "demand"]

#: Age groups of social-infrastructure planning: (first age, first age after) per key.
DEMAND_GROUPS: Mapping[str, tuple[int, int | None]] = {
    "kita_u3": (0, 3),
    "kita_3_6": (3, 6),
    "grundschule": (6, 10),
    "pflege_80": (80, None),
}


def demand(
    projection: ProjectionResult,
    rates: Mapping[str, float | pd.Series],
    *,
    groups: Mapping[str, tuple[int, int | None]] | None = None,
) -> pd.DataFrame:
    r"""Places needed per area and year: residents of an age group times a participation rate.

    .. math:: D_{igt} = r_{ig} \sum_{a \in g} \hat P_{iat}

    e.g. Kita places for children under 3 with a care rate (*Betreuungsquote*) of 0.45,
    primary-school places for ages 6 to 9 with a rate of 1, care places for the over-80s
    with the local rate of care in homes.

    Parameters
    ----------
    projection : ProjectionResult
        From :func:`cohort_component` or :func:`hamilton_perry`; its bands must have edges
        at the ages of each group (use ``output_bands=AgeBands.planning()``).
    rates : dict {group: rate}
        Participation rate per group, in [0, 1]; a number, or a Series by area.
    groups : dict {group: (lower, upper)}, optional
        Ages of the groups; defaults to :data:`DEMAND_GROUPS` (``kita_u3``, ``kita_3_6``,
        ``grundschule``, ``pflege_80``).

    Returns
    -------
    DataFrame
        Indexed like ``projection.population`` (area, year), one column per group.

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.projection import AgeBands, cohort_component
    >>> df = pd.DataFrame({"0_2": [30.0], "3_5": [30.0], "6_plus": [300.0]}, index=["A"])
    >>> res = cohort_component(df, ["0_2", "3_5", "6_plus"], launch_year=2024, horizon=1,
    ...                        survival=pd.Series(1.0, index=range(101)),
    ...                        fertility=pd.Series(0.0, index=range(101)))
    >>> demand(res, {"kita_u3": 0.5}).round(1).values.tolist()  # 2025: 20 children of 1-2
    [[15.0], [10.0]]
    """
    where = "demand"
    if not isinstance(projection, ProjectionResult):
        raise fail(
            where, f"`projection` is a {type(projection).__name__}", "pass a ProjectionResult"
        )
    groups = dict(DEMAND_GROUPS if groups is None else groups)
    unknown = [g for g in rates if g not in groups]
    if unknown:
        raise fail(
            where,
            f"`rates` names unknown group(s) {unknown}",
            f"use {', '.join(groups)} or pass `groups=`",
        )
    pop = projection.population
    areas = pop.index.get_level_values(0)
    out = {}
    for g, rate in rates.items():
        lo, hi = groups[g]
        cols = projection.bands.select(lo, hi, where)
        r: Any
        if isinstance(rate, pd.Series):
            r = rate.reindex(areas).to_numpy(dtype=float)
            if np.isnan(r).any():
                raise fail(
                    where,
                    f"the rate of {g!r} has no value for some areas",
                    "give one rate per area",
                )
        else:
            r = float(rate)
        if np.any(np.asarray(r) < 0) or np.any(np.asarray(r) > 1):
            raise fail(
                where,
                f"the rate of {g!r} lies outside [0, 1]",
                "pass a share between 0 and 1 (not a percentage)",
            )
        out[g] = pop[cols].sum(axis=1).to_numpy() * r
    return pd.DataFrame(out, index=pop.index)
