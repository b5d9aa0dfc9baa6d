r"""Decompositions: M and H along a nested hierarchy, change over time, space vs. attribute."""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.text import german
from sozplan.checks import (
    as_column_list,
    check_columns,
    check_frame,
    check_unique_index,
    fail,
    format_values,
)
from sozplan.errors import DataQualityWarning
from sozplan.plotting import FigureDisplay
from sozplan.segregation._change import (
    METHODS,
    aligned_tables,
    bootstrap_summary,
    change_parts,
    change_warnings,
    check_bootstrap_args,
    m_value,
    multinomial_tables,
)
from sozplan.segregation._validate import multigroup_table, twogroup_arrays, xlogy_ratio

__all__ = [
    "DecompositionResult",
    "decompose_change",
    "decompose_mutual_information",
    "decompose_spatial_attribute",
]


@immutable
@dataclass(frozen=True, repr=False)
class DecompositionResult:
    """Additive parts of a segregation index.

    Attributes
    ----------
    kind : str
        ``"hierarchy"``, ``"change"`` or ``"spatial_attribute"``.
    index : str
        Which index was decomposed (``"mutual_information"``, ``"dissimilarity"``, ...).
    total : float
        The value the components add up to (M, or the difference between two values).
    table : DataFrame
        One row per component: ``component``, ``value``, ``share`` (of ``total``) and,
        for hierarchies, ``level`` and ``H`` (the component divided by the entropy E).
    details : DataFrame
        Further rows: per-parent within parts (hierarchy), the values of the index in
        the observed and counterfactual tables (change, spatial/attribute).
    extras : dict
        Bookkeeping (method, numbers of common/added/removed areas, groups, ...).
    by_unit : DataFrame
        Per-area contributions to the structural change (``method="shapley_detailed"``).
    warnings : tuple of str
        Data problems met on the way (also issued as warnings).
    """

    kind: str
    index: str
    total: float
    table: pd.DataFrame
    details: pd.DataFrame = field(default_factory=pd.DataFrame)
    extras: dict[str, Any] = field(default_factory=dict)
    by_unit: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:
        lines = [f"Decomposition ({self.kind}) of {self.index}: total {self.total:.6f}"]
        for _, row in self.table.iterrows():
            shown = np.isfinite(row["share"]) and row["value"] != 0
            share = f"  ({row['share']:6.1%})" if shown else ""
            interval = (
                f"  [{row['ci_low']:+.6f}, {row['ci_high']:+.6f}]" if "ci_low" in row.index else ""
            )
            lines.append(f"  {row['component']:<42} {row['value']:+.6f}{share}{interval}")
        note = self._small_total_note()
        return "\n".join([*lines, *([note] if note else [])])

    def _small_total_note(self) -> str:
        """Return a warning line when shares are taken of a difference near zero."""
        if self.kind != "change":
            return ""
        values = self.table.set_index("component")["value"]
        level = max(abs(values.get("M1", 0.0)), abs(values.get("M2", 0.0)))
        if level > 0 and abs(self.total) < 0.05 * level:
            return (
                f"  note: the difference is {abs(self.total) / level:.1%} of M; shares of it are "
                "unstable, read the components in units of M"
            )
        return ""

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>Decomposition ({html.escape(self.kind)})</b> of {html.escape(self.index)}: "
            f"{self.total:.6f}</p>"
        )
        note = self._small_total_note()
        foot = f"<p><i>{html.escape(note.strip())}</i></p>" if note else ""
        table = self.table.to_html(index=False, float_format=lambda v: f"{v:.6f}", na_rep="")
        return head + table + foot

    def to_frame(self) -> pd.DataFrame:
        """Return the component table (a copy)."""
        return self.table.copy()

    def plot(self, ax: Any = None, *, language: str = "de") -> FigureDisplay:
        """Horizontal bar chart of the additive components (a FigureDisplay).

        Parameters
        ----------
        ax : matplotlib Axes, optional
        language : {"de", "en"}, default "de"
            Language of the labels.
        """
        import matplotlib.pyplot as plt

        table = self.table
        if self.kind == "change":
            table = table[~table["component"].isin(["M1", "M2", "difference"])]
        labels = [_label(c, language) for c in table["component"].astype(str)]
        if ax is None:
            _, ax = plt.subplots(figsize=(6.5, 0.6 + 0.45 * len(table)))
        vals = table["value"].to_numpy(dtype=float)
        colors = np.where(vals >= 0, "#2166ac", "#b2182b")
        ax.barh(labels, vals, color=colors)
        ax.axvline(0, color="black", lw=0.8)
        ax.invert_yaxis()
        ax.set_xlabel(self.index)
        title = _KIND_DE.get(self.kind, self.kind) if language == "de" else self.kind
        ax.set_title(("Zerlegung: " if language == "de" else "Decomposition: ") + title)
        alt = (
            "Balken: additive Komponenten der Segregationszerlegung"
            if german(language, "DecompositionResult.plot")
            else "Bars: additive components of the segregation decomposition"
        )
        return FigureDisplay.from_axes(ax, "decomposition", alt)


_KIND_DE = {
    "hierarchy": "Gebietshierarchie",
    "change": "Veränderung",
    "spatial_attribute": "Raum und Merkmal",
}
_WORDS_DE = {
    "additions": "neue Gebiete/Gruppen",
    "removals": "weggefallene Gebiete/Gruppen",
    "interaction": "Wechselwirkung der Ränder",
    "group_marginal": "Gruppengrößen",
    "unit_marginal": "Gebietsgrößen",
    "structural": "Struktur",
    "spatial": "räumlich",
    "attribute": "Merkmal",
}


def _label(component: str, language: str) -> str:
    """German label of a component id (the table keeps the English ids)."""
    if language != "de":
        return component
    if component in _WORDS_DE:
        return _WORDS_DE[component]
    return (
        component.replace("within ", "innerhalb ")
        .replace("between ", "zwischen ")
        .replace("(units)", "(Einheiten)")
    )


# ------------------------------------------------------------------- helpers


def _entropy(counts: np.ndarray) -> float:
    share = counts.sum(axis=0) / counts.sum()
    return float(-xlogy_ratio(share, np.ones_like(share)).sum())


def _group_table(
    df: pd.DataFrame, groups: Any, group: Any, population: Any, where: str
) -> tuple[np.ndarray, list[str], tuple[str, ...]]:
    if groups is not None and (group is not None or population is not None):
        raise fail(
            where,
            "both `groups` and `group`/`population` were passed",
            "pass either groups=[...] or group=... with population=...",
        )
    if groups is not None:
        cols = as_column_list(groups, arg="groups")
        counts, kept, messages = multigroup_table(df, cols, where=where)
        return counts, [str(c) for c in kept], messages
    if group is None or population is None:
        raise fail(
            where, "no groups were given", "pass groups=[...] or group=... and population=..."
        )
    x, t = twogroup_arrays(df, group, population, where=where)
    return np.column_stack([x, t - x]), [str(group), f"{population} - {group}"], ()


# --------------------------------------------------------------- hierarchy


def _within_parts(
    counts: np.ndarray,
    parent: np.ndarray,
    key: np.ndarray,
    parent_labels: pd.DataFrame,
    level: str,
    big_t: float,
    log: float,
) -> pd.DataFrame:
    """M among the children (``key``) inside each parent area, vectorised over parents.

    ``parent`` and ``key`` are integer codes per row; ``parent_labels`` gives the id
    (``parent``) and the path (``parent_path``) of each parent code.
    """
    k = counts.shape[1]
    frame = pd.DataFrame(counts)
    frame["_parent"], frame["_key"] = parent, key
    child = frame.groupby(["_parent", "_key"], sort=False).sum()
    codes, uniques = pd.factorize(child.index.get_level_values(0))
    c = child[list(range(k))].to_numpy(dtype=float)
    grp = np.zeros((len(uniques), k))
    np.add.at(grp, codes, c)
    tot = grp.sum(axis=1)
    share = np.divide(grp, tot[:, None], out=np.zeros_like(grp), where=tot[:, None] > 0)
    expected = c.sum(axis=1, keepdims=True) * share[codes]
    m_within = np.bincount(codes, xlogy_ratio(c, expected).sum(axis=1), len(uniques))
    m_within = np.divide(m_within, tot, out=np.zeros_like(tot), where=tot > 0) / log
    weight = tot / big_t
    lab = parent_labels.iloc[np.asarray(uniques)]
    return pd.DataFrame(
        {
            "level": level,
            "parent": lab["parent"].to_numpy(),
            "parent_path": lab["parent_path"].to_numpy(),
            "weight": weight,
            "M_within": m_within,
            "contribution": weight * m_within,
        }
    )


def decompose_mutual_information(
    df: pd.DataFrame,
    groups: Sequence[Hashable] | None = None,
    *,
    by: Sequence[Hashable] | Hashable,
    group: Hashable | None = None,
    population: Hashable | None = None,
    base: float = np.e,
) -> DecompositionResult:
    r"""Split M (and H) into between and within parts along a nested hierarchy of areas.

    For units (rows) nested in areas of levels :math:`1, \dots, L` (``by``, coarse to
    fine), the chain rule of mutual information gives

    .. math:: M = M_{\text{between } 1} + \sum_{l=2}^{L} M_{l \mid l-1}
              + M_{\text{units} \mid L}, \qquad
              M_{l \mid l-1} = \sum_{g \in l-1} \frac{T_g}{T} M_g^{(l)}

    where :math:`M_{\text{between } 1}` is M of the table aggregated to level 1 and
    :math:`M_g^{(l)}` is M among the level-:math:`l` areas inside area :math:`g` of the
    coarser level. The terms are exact (no residual). Dividing every term by the
    city's entropy :math:`E` decomposes :math:`H = M/E` the same way.

    Parameters
    ----------
    df : DataFrame
        One row per finest unit (e.g. block) with count columns and the id columns of
        the coarser levels.
    groups : list of str, optional
        Mutually exclusive group columns; or pass ``group=`` and ``population=``.
    by : str or list of str
        Columns of the coarser levels, coarsest first, e.g. ``["bezirk", "planungsraum"]``.
        Any depth; each area must lie in exactly one area of the level above.
    group, population : str, optional
        Two-group form: the group against the rest of ``population``.
    base : float, default e
        Base of the logarithm.

    Returns
    -------
    DecompositionResult
        ``table`` with one row per level (``level``, ``component``, ``value`` = M part,
        ``share``, ``H``); ``details`` with the within values per parent area
        (``level``, ``parent``, ``weight`` = :math:`T_g/T`, ``M_within``,
        ``contribution``).

    References
    ----------
    Theil, H. (1971). Principles of Econometrics. Wiley; Mora & Ruiz-Castillo (2011),
    doi:10.1111/j.1467-9531.2011.01237.x; Elbers (2023), doi:10.1177/0049124121986204;
    R package ``segregation``, ``mutual_total(..., within = ...)``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [10, 0, 5, 5], "b": [0, 10, 5, 5],
    ...                    "bezirk": ["1", "1", "2", "2"]})
    >>> r = decompose_mutual_information(df, ["a", "b"], by="bezirk", base=2)
    >>> r.table[["component", "value"]]
                      component  value
    0            between bezirk    0.0
    1  within bezirk (units)    0.5
    """
    where = "decompose_mutual_information"
    check_frame(df, where=where)
    check_unique_index(df, where=where)
    levels = as_column_list(by, arg="by")
    check_columns(df, levels, where=where, numeric=False)
    if not isinstance(base, int | float) or base <= 1:
        raise fail(where, f"`base` is {base!r}", "pass a number > 1")
    counts, names, messages = _group_table(df, groups, group, population, where)
    for col in levels:
        if df[col].isna().any():
            bad = df.index[df[col].isna().to_numpy()]
            raise fail(
                where,
                f"column {col!r} has missing ids at {format_values(bad)}",
                "assign every unit to an area of each level",
            )
    # nesting: each area of level l lies in one area of level l-1
    keys = [df[c].astype(str).to_numpy() for c in levels]
    # integer code of each unit's area at every level (path from the top, so that ids
    # repeated in different parents stay apart) and a label table per level
    paths, path_labels = [], []
    for i in range(len(levels)):
        ids = pd.DataFrame({str(j): keys[j] for j in range(i + 1)})
        grouped = ids.groupby(list(ids.columns), sort=False)
        paths.append(grouped.ngroup().to_numpy())
        first = ids.groupby(paths[-1], sort=True).first()
        path_labels.append(
            pd.DataFrame(
                {
                    "parent": first[str(i)].to_numpy(),
                    "parent_path": [
                        "/".join(row) for row in first.itertuples(index=False, name=None)
                    ],
                }
            )
        )
    for i in range(1, len(levels)):
        parent_count = pd.Series(keys[i - 1]).groupby(keys[i]).nunique()
        bad = parent_count[parent_count > 1]
        if len(bad):
            raise fail(
                where,
                f"areas of {levels[i]!r} lie in several areas of {levels[i - 1]!r}: "
                f"{format_values(bad.index)}",
                "the hierarchy must be nested (e.g. planning-area ids unique within districts)",
            )
    log = np.log(base)
    total_m = m_value(counts) / log
    e = _entropy(counts) / log
    big_t = counts.sum()
    rows, details = [], []
    previous = 0.0
    labels = [*levels, "units"]
    for i, lab in enumerate(labels):
        key = np.arange(len(counts)) if lab == "units" else paths[i]
        agg = pd.DataFrame(counts).groupby(key, sort=False).sum().to_numpy()
        m_here = m_value(agg) / log
        part = m_here - previous
        previous = m_here
        if i == 0:
            comp = f"between {lab}"
        else:
            comp = f"within {labels[i - 1]}" + (
                " (units)" if lab == "units" else f", between {lab}"
            )
        rows.append({"level": str(lab), "component": comp, "value": part})
        if i > 0:
            details.append(
                _within_parts(counts, paths[i - 1], key, path_labels[i - 1], str(lab), big_t, log)
            )
    table = pd.DataFrame(rows)
    table["share"] = table["value"] / total_m if total_m > 0 else np.nan
    table["H"] = table["value"] / e
    table = table[["level", "component", "value", "share", "H"]]
    return DecompositionResult(
        kind="hierarchy",
        index="mutual_information",
        total=total_m,
        table=table,
        details=pd.concat(details, ignore_index=True) if details else pd.DataFrame(),
        extras={"entropy": e, "H": total_m / e, "groups": names, "by": [str(c) for c in levels]},
        warnings=messages,
    )


# ------------------------------------------------------------------ change

_CHANGE_ORDER = {
    "shapley": ("group_marginal", "unit_marginal", "structural"),
    "shapley_detailed": ("group_marginal", "unit_marginal", "structural"),
    "shapley_flat": ("group_marginal", "unit_marginal", "structural"),
    "km": ("group_marginal", "unit_marginal", "interaction", "structural"),
    "mrc": ("unit_marginal", "group_marginal", "structural"),
}


def decompose_change(
    df1: pd.DataFrame,
    df2: pd.DataFrame,
    groups: Sequence[Hashable] | None = None,
    *,
    group: Hashable | None = None,
    population: Hashable | None = None,
    method: str = "shapley",
    base: float = np.e,
    tol: float = 1e-12,
    max_iter: int = 10_000,
    se: bool = False,
    n_bootstrap: int = 100,
    ci: float = 0.95,
    rng: Any = None,
) -> DecompositionResult:
    r"""Decompose the change of M between two tables (Elbers 2023; R ``mutual_difference``).

    The difference :math:`M_2 - M_1` is split into

    * ``additions`` :math:`= M_2 - M_2^{c}` and ``removals`` :math:`= M_1^{c} - M_1`:
      the effect of areas **and groups** present in only one table (:math:`M^{c}` is M
      of the table restricted to the areas and groups present in both);
    * on the common table, :math:`M_2^{c} - M_1^{c}` = ``group_marginal`` +
      ``unit_marginal`` + ``structural`` (+ ``interaction`` for ``"km"``).

    Write :math:`m_{XYZ}` for M of the table with the group margins of table X, the
    area margins of table Y and the association (all odds ratios) of table Z, obtained
    by iterative proportional fitting (:func:`ipf`). ``method`` chooses:

    ``"shapley"`` (default; R's ``method = "shapley"``)
        Nested Shapley values: marginal against structural change half and half,

        .. math:: S = \tfrac12 (m_{AAB} - m_{AAA}) + \tfrac12 (m_{BBB} - m_{BBA}),

        and the marginal part shared between group and area margins,

        .. math:: G = \tfrac14 [m_{BAA} - m_{AAA} + m_{BBA} - m_{ABA}
                  + m_{BBB} - m_{ABB} + m_{BAB} - m_{AAB}]

        and :math:`U` likewise with the roles of groups and areas exchanged.
        Symmetric in the two tables and in groups/areas.
    ``"shapley_detailed"``
        As ``"shapley"``, plus ``by_unit``: each common area's contribution to the
        structural part, :math:`\tfrac12 p_{1u} (ls_u^{AAB} - ls_u^{AAA}) + \tfrac12
        p_{2u} (ls_u^{BBB} - ls_u^{BBA})` with the local scores :math:`ls_u`; the
        contributions add up to ``structural`` to the fitting's precision.
    ``"km"``
        Karmel & Maclachlan (1988): table 1 is brought to table 2's margins (forward
        only, not symmetric): ``group_marginal`` and ``unit_marginal`` from rescaling
        table 1 to one margin of table 2 in a single step, ``interaction`` the rest of
        :math:`m_{BBA} - m_{AAA}`, ``structural`` :math:`= m_{BBB} - m_{BBA}`.
    ``"mrc"``
        Mora & Ruiz-Castillo (2009, 2011), algebraic, no fitting: with
        :math:`M = E(G) + \sum_u p_u \sum_g p_{g|u} \ln p_{g|u}`, ``group_marginal`` is
        the change of the group entropy :math:`E(G)` and the second term is split by
        Shapley into area shares (``unit_marginal``) and conditional shares
        (``structural``). Not symmetric in groups and areas; often far from the others.
    ``"shapley_flat"``
        A different decomposition, kept for comparison with sozplan < 0.x: the flat
        three-player Shapley value over (area margins, group margins, structure), each
        factor averaged over the 3! orders. It is *not* R's ``"shapley"``: it weights the
        eight values of :math:`m_{XYZ}` differently (e.g. 2 % of the structural part on
        Elbers' schools data).

    Zeros: a cell of the common table that is empty in one table would stop the fitting
    from reaching the other table's margins. As R's ``segregation`` does, such cells are
    set to a tiny count (:math:`10^{-10}`) before fitting, with a
    :class:`~sozplan.errors.DataQualityWarning` listed in ``warnings``; the observed
    :math:`M_1, M_2, M_1^c, M_2^c` use the unchanged counts.

    Parameters
    ----------
    df1, df2 : DataFrame
        The two tables (e.g. two years), indexed by area id, with the same group columns.
        An area with no residents (or a group with no members) in one table counts as
        absent from it.
    groups : list of str, optional
        Group columns; or ``group=`` and ``population=`` for the two-group form.
    group, population : str, optional
    method : {"shapley", "shapley_detailed", "km", "mrc", "shapley_flat"}, default "shapley"
    base : float, default e
        Base of the logarithm.
    tol : float, default 1e-12
        Convergence tolerance of the proportional fitting on shares. R's default
        (``precision = .001``) stops early; its printed numbers differ from the
        converged ones in the third or fourth decimal.
    max_iter : int, default 10000
    se : bool, default False
        Individual-level bootstrap as R's ``se = TRUE``: ``n_bootstrap`` pairs of tables
        are redrawn person by person (multinomial over the cells of each table) and
        decomposed; ``value`` becomes the bias-corrected estimate
        (estimate - (mean of draws - estimate)) and ``se``, ``bias``, ``ci_low``,
        ``ci_high`` (percentile interval moved onto the corrected estimate) are added.
        Needs whole-number counts. The draws are decomposed together in chunks
        (vectorised fitting); with ``"shapley_detailed"`` the bootstrap covers the
        table's rows, not ``by_unit``.
    n_bootstrap : int, default 100
    ci : float, default 0.95
        Coverage of the bootstrap interval.
    rng : numpy.random.Generator or int, optional
        Source of randomness of the bootstrap.

    Returns
    -------
    DecompositionResult
        ``table`` with ``component`` in M1, M2, difference (reference rows), then
        additions, removals and the method's components, which add up to
        ``difference`` (= ``population``); ``details`` the counterfactual values of M;
        ``by_unit`` (``"shapley_detailed"``) one row per common area; ``warnings``.

    References
    ----------
    Elbers, B. (2023). A method for studying differences in segregation across time
    and space. Sociological Methods & Research 52(1), 5-42.
    doi:10.1177/0049124121986204; R package ``segregation``, ``mutual_difference``.
    Karmel, T., & Maclachlan, M. (1988). Occupational sex segregation - increasing or
    decreasing? Economic Record 64(3), 187-195. doi:10.1111/j.1475-4932.1988.tb02057.x.
    Mora, R., & Ruiz-Castillo, J. (2011). Entropy-based segregation indices.
    Sociological Methodology 41(1), 159-194. doi:10.1111/j.1467-9531.2011.01237.x.
    Deutsch, J., Flückiger, Y., & Silber, J. (2009). Analyzing changes in occupational
    segregation: the case of Switzerland (1970-2000). Research on Economic Inequality
    17, 171-202. doi:10.1108/S1049-2585(2009)0000017012

    Examples
    --------
    >>> import pandas as pd
    >>> d1 = pd.DataFrame({"a": [10, 2, 5], "b": [2, 10, 5]}, index=["x", "y", "z"])
    >>> d2 = pd.DataFrame({"a": [12, 1, 5], "b": [2, 12, 9]}, index=["x", "y", "z"])
    >>> r = decompose_change(d1, d2, ["a", "b"])
    >>> parts = r.table.set_index("component")["value"]
    >>> bool(abs(parts.iloc[3:].sum() - parts["difference"]) < 1e-10)
    True
    >>> r.table["component"].tolist()[3:]
    ['additions', 'removals', 'group_marginal', 'unit_marginal', 'structural']
    """
    where = "decompose_change"
    if method not in METHODS:
        raise fail(where, f"`method` is {method!r}", f"choose one of {format_values(METHODS)}")
    if not isinstance(base, int | float) or base <= 1:
        raise fail(where, f"`base` is {base!r}", "pass a number > 1")
    if groups is not None and (group is not None or population is not None):
        raise fail(
            where,
            "both `groups` and `group`/`population` were passed",
            "pass either groups=[...] or group=... with population=...",
        )
    if groups is not None:
        cols = as_column_list(groups, arg="groups")
        if len(cols) < 2:
            raise fail(where, f"`groups` names {len(cols)} column(s)", "pass at least two groups")
        c1, c2, ids = aligned_tables(df1, df2, cols, where)
        names = [str(c) for c in cols]
    else:
        if group is None or population is None:
            raise fail(
                where, "no groups were given", "pass groups=[...] or group= and population="
            )
        pairs = [twogroup_arrays(d, group, population, where=where) for d in (df1, df2)]
        frames = [
            pd.DataFrame({"g": x, "rest": t - x}, index=d.index)
            for (x, t), d in zip(pairs, (df1, df2), strict=True)
        ]
        c1, c2, ids = aligned_tables(frames[0], frames[1], ["g", "rest"], where)
        names = [str(group), f"{population} - {group}"]
    log = np.log(base)
    values, details, info = change_parts(
        c1[None], c2[None], method, tol=tol, max_iter=max_iter, where=where
    )
    messages = change_warnings(c1, c2, info, names, method)
    order = ["M1", "M2", "difference", "additions", "removals", *_CHANGE_ORDER[method]]
    table = pd.DataFrame({"component": order, "value": [float(values[k][0]) / log for k in order]})
    if not details.empty:
        details["M"] = details["M"] / log
    by_unit = info.get("by_unit", pd.DataFrame())
    if not by_unit.empty:
        by_unit.index = ids[info["rows"]]
        by_unit[["ls_diff1", "ls_diff2", "ls_diff_mean", "total"]] /= log
    if se:
        gen = check_bootstrap_args(n_bootstrap, ci, rng, where)
        draws1 = multinomial_tables(c1, n_bootstrap, gen, where)
        draws2 = multinomial_tables(c2, n_bootstrap, gen, where)
        boot = np.empty((n_bootstrap, len(order)))
        step = max(1, 500_000 // c1.size)  # draws decomposed together (about 4 MB per table)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            for b in range(0, n_bootstrap, step):
                v, _, _ = change_parts(
                    draws1[b : b + step],
                    draws2[b : b + step],
                    "shapley" if method == "shapley_detailed" else method,
                    tol=tol,
                    max_iter=max_iter,
                    where=where,
                )
                boot[b : b + step] = np.column_stack([v[k] for k in order]) / log
        summary = bootstrap_summary(table.set_index("component")["value"], boot, ci)
        table = pd.concat([table[["component"]], summary.reset_index(drop=True)], axis=1).rename(
            columns={"estimate": "value"}
        )
    diff = float(table["value"].iloc[2])
    table.insert(2, "share", table["value"] / diff if diff != 0 else np.nan)
    table.loc[:2, "share"] = np.nan
    n_rows = info["rows"]
    return DecompositionResult(
        kind="change",
        index="mutual_information",
        total=diff,
        table=table,
        details=details,
        extras={
            "method": method,
            "n_common": int(n_rows.sum()),
            "n_added": int(((c2.sum(axis=1) > 0) & ~n_rows).sum()),
            "n_removed": int(((c1.sum(axis=1) > 0) & ~n_rows).sum()),
            "groups": names,
            "common_groups": [n for n, k in zip(names, info["cols"], strict=True) if k],
            **({"n_bootstrap": n_bootstrap, "ci": ci} if se else {}),
        },
        by_unit=by_unit,
        warnings=tuple(messages),
    )


# ---------------------------------------------------------- space vs attribute


def _counterfactual_shares(
    x1: np.ndarray, t1: np.ndarray, x2: np.ndarray, t2: np.ndarray, approach: str
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Counterfactual (group, total) for table 1 with table 2's attribute and vice versa."""
    from scipy.stats import rankdata

    def swap(v_from: np.ndarray, v_to: np.ndarray) -> np.ndarray:
        # percentile rank in own distribution, value at that quantile of the other
        return np.quantile(v_to, rankdata(v_from, method="average") / len(v_from))

    def comp(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(t > 0, x / np.where(t > 0, t, 1), 0.0)

    p1, p2 = comp(x1, t1), comp(x2, t2)
    if approach == "composition":
        return (swap(p1, p2) * t1, t1), (swap(p2, p1) * t2, t2)
    y1, y2 = t1 - x1, t2 - x2
    if approach == "dual_composition":
        q1, q2 = comp(y1, t1), comp(y2, t2)
        g1, g2 = swap(p1, p2) * t1, swap(p2, p1) * t2
        h1, h2 = swap(q1, q2) * t1, swap(q2, q1) * t2
        return (g1, g1 + h1), (g2, g2 + h2)
    # share: each group's share of its city total
    s1, s2 = x1 / x1.sum(), x2 / x2.sum()
    r1, r2 = y1 / y1.sum(), y2 / y2.sum()
    a1, a2 = swap(s1, s2), swap(s2, s1)
    b1, b2 = swap(r1, r2), swap(r2, r1)
    g1, g2 = a1 / a1.sum() * x1.sum(), a2 / a2.sum() * x2.sum()
    h1, h2 = b1 / b1.sum() * y1.sum(), b2 / b2.sum() * y2.sum()
    return (g1, g1 + h1), (g2, g2 + h2)


def decompose_spatial_attribute(
    index: Callable[..., Any],
    df1: pd.DataFrame,
    df2: pd.DataFrame,
    *,
    group: Hashable,
    population: Hashable,
    counterfactual: str = "composition",
    **index_kwargs: Any,
) -> DecompositionResult:
    r"""Split the difference of a two-group index between two cities: space vs. attribute.

    Rey, Cortes & Knaap (2021): with :math:`G(S_a, A_b)` the index of a city with the
    spatial structure of city *a* and the group distribution ("attribute") of city *b*,

    .. math:: C_S = \tfrac12 [G(S_1,A_1) - G(S_2,A_1) + G(S_1,A_2) - G(S_2,A_2)], \quad
              C_A = \tfrac12 [G(S_1,A_1) - G(S_1,A_2) + G(S_2,A_1) - G(S_2,A_2)]

    and :math:`C_S + C_A = G(S_1,A_1) - G(S_2,A_2)` (a Shapley split). The
    counterfactual city keeps its areas (and geometry) and takes the other city's
    distribution at the same percentile rank.

    Parameters
    ----------
    index : callable
        A two-group index function, e.g. :func:`~sozplan.segregation.dissimilarity`.
    df1, df2 : DataFrame or GeoDataFrame
    group, population : str
    counterfactual : {"composition", "share", "dual_composition"}
        ``"composition"``: each area's group share :math:`p_i` is replaced by the other
        city's share at the same percentile; ``"dual_composition"``: the same for both
        the group and its complement; ``"share"``: each group's share of its city total
        :math:`x_i/X` is swapped.
    **index_kwargs
        Further arguments of ``index`` (e.g. ``graph=``, ``b=``).

    Returns
    -------
    DecompositionResult
        ``table`` rows ``spatial`` and ``attribute`` (sum: ``population`` =
        :math:`G_1 - G_2`); ``details`` the four values of G.

    References
    ----------
    Rey, S. J., Cortes, R., & Knaap, E. (2021). Comparative spatial segregation
    analytics. Spatial Demography 9, 199-233. doi:10.1007/s40980-021-00075-6

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.segregation import dissimilarity
    >>> a = pd.DataFrame({"g": [40, 2, 3, 35], "t": [50, 50, 50, 50]})
    >>> b = pd.DataFrame({"g": [20, 15, 18, 27, 5], "t": [50, 50, 50, 50, 40]})
    >>> r = decompose_spatial_attribute(dissimilarity, a, b, group="g", population="t")
    >>> bool(abs(r.table["value"].sum() - r.total) < 1e-12)
    True
    """
    where = "decompose_spatial_attribute"
    if counterfactual not in ("composition", "share", "dual_composition"):
        raise fail(
            where,
            f"`counterfactual` is {counterfactual!r}",
            "choose 'composition', 'share' or 'dual_composition'",
        )
    spec = getattr(index, "_segregation_spec", None)
    if spec is None or spec.kind != "twogroup":
        raise fail(
            where, f"`index` is {index!r}", "pass a two-group index function, e.g. dissimilarity"
        )
    x1, t1 = twogroup_arrays(df1, group, population, where=where)
    x2, t2 = twogroup_arrays(df2, group, population, where=where)
    (cg1, ct1), (cg2, ct2) = _counterfactual_shares(x1, t1, x2, t2, counterfactual)

    def with_counts(d: pd.DataFrame, g: np.ndarray, t: np.ndarray) -> pd.DataFrame:
        out = d.copy()
        out[group] = g
        out[population] = t
        return out

    g11 = index(df1, group=group, population=population, **index_kwargs).statistic
    g22 = index(df2, group=group, population=population, **index_kwargs).statistic
    g12 = index(
        with_counts(df1, cg1, ct1), group=group, population=population, **index_kwargs
    ).statistic
    g21 = index(
        with_counts(df2, cg2, ct2), group=group, population=population, **index_kwargs
    ).statistic
    c_s = 0.5 * (g11 - g21 + g12 - g22)
    c_a = 0.5 * (g11 - g12 + g21 - g22)
    diff = g11 - g22
    table = pd.DataFrame({"component": ["spatial", "attribute"], "value": [c_s, c_a]})
    table["share"] = table["value"] / diff if diff != 0 else np.nan
    details = pd.DataFrame(
        {"structure": [1, 1, 2, 2], "attribute": [1, 2, 1, 2], "statistic": [g11, g12, g21, g22]}
    )
    return DecompositionResult(
        kind="spatial_attribute",
        index=spec.name,
        total=diff,
        table=table,
        details=details,
        extras={"counterfactual": counterfactual},
    )
