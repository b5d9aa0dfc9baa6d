"""The data model of integrated social and financial planning: measures, costs, targets.

Everything is a tidy table with German column names (as the planning offices use them);
the validators return checked *copies* (nothing is changed in place) and explain every
problem at once, so that a planner can fix a spreadsheet in one pass.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.checks import check_frame, fail, format_values
from sozplan.errors import DataQualityWarning
from sozplan.planning._common import (
    COST_COLUMNS,
    area_ids,
    html_block,
    key_labels,
    raise_problems,
    resolve_id_column,
)

__all__ = [
    "ALL_AREAS",
    "TARGET_KINDS",
    "PlanningData",
    "measure_areas",
    "planning_data",
    "validate_costs",
    "validate_measures",
    "validate_targets",
]

#: Area id of a target for the whole city (not for one area).
ALL_AREAS = "gesamt"

#: Kinds of targets: social (living conditions) or financial (budget, funding, costs).
TARGET_KINDS: tuple[str, ...] = ("sozial", "finanziell")

_MEASURE_TEXT = ("name", "handlungsfeld", "zielgruppe", "traeger", "programm")


def _as_year(values: pd.Series) -> tuple[pd.Series, pd.Index]:
    """Years as nullable integers; returns the converted series and the ids of bad entries."""
    num = pd.to_numeric(values, errors="coerce")
    bad = ~np.isfinite(num.astype(float)) | (num != np.round(num.fillna(0)))
    return num.astype("Float64").round().astype("Int64").where(~bad), values.index[bad]


def _years(out: pd.DataFrame, columns: Sequence[str], problems: list[tuple[str, str]]) -> None:
    """Convert year columns of ``out`` in place (a private copy) and record bad entries."""
    for col in columns:
        out[col], bad = _as_year(out[col])
        if len(bad):
            problems.append(
                (
                    f"`{col}` is not a whole year for {format_values(bad)}",
                    "write years as integers, e.g. 2023",
                )
            )


def _split_areas(value: Any) -> tuple[str, ...]:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ()
    if isinstance(value, str):
        return tuple(value.replace(",", " ").replace(";", " ").split())
    if isinstance(value, Sequence | np.ndarray | pd.Index | set | frozenset):
        return tuple(str(v) for v in value)
    return (str(value),)


def validate_measures(measures: pd.DataFrame, *, areas: Any = None) -> pd.DataFrame:
    """Check a table of measures (*Maßnahmen*) and return a clean copy.

    Parameters
    ----------
    measures : DataFrame
        One row per measure, indexed by the measure id (or with a column
        ``massnahme``). Required columns: ``beginn`` and ``ende`` (first and last year of
        the run time) and ``gebiete`` (the planning areas it serves: a space-, comma- or
        semicolon-separated string, as in :func:`sozplan.datasets.load_measures`, or a
        list). Optional columns: ``name``, ``handlungsfeld`` (field of action),
        ``zielgruppe`` (target group), ``traeger`` (responsible body), ``programm``
        (funding programme) and any others, which are kept.
    areas : DataFrame, Series, Index or list, optional
        The known areas (ids as index, first level if long); if given, every area of a
        measure must be one of them.

    Returns
    -------
    DataFrame
        A copy indexed by ``massnahme`` with ``beginn``/``ende`` as integers, ``gebiete``
        as a tuple of area ids and a new column ``n_gebiete``.

    Raises
    ------
    InputError
        Listing every problem at once: duplicate ids, missing columns, years that are no
        whole numbers, an end before the start, a measure without areas, areas named
        twice, unknown areas.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"massnahme": ["M1", "M2"], "beginn": [2022, 2024], "ende": [2025, 2023],
    ...                   "gebiete": ["01 02", "03"]})
    >>> validate_measures(m, areas=["01", "02", "03"])
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: validate_measures: `measures` has 1 measure(s) that end before \
they start: 'M2' (2024-2023). Fix: correct `beginn`/`ende` (years, the end year is the last \
year of the run time).
    >>> validate_measures(m.assign(ende=[2025, 2026]))["gebiete"].tolist()
    [('01', '02'), ('03',)]
    """
    where = "validate_measures"
    check_frame(measures, arg="measures", where=where, row="measure")
    out = measures.copy()
    if "massnahme" in out.columns:
        out = out.set_index("massnahme")
    out.index = pd.Index(out.index.astype(str), name="massnahme")
    problems: list[tuple[str, str]] = []
    missing = [c for c in ("beginn", "ende", "gebiete") if c not in out.columns]
    if missing:
        raise fail(
            where,
            f"`measures` lacks the column(s) {format_values(missing)}",
            "add them: `beginn`/`ende` (years) and `gebiete` (area ids separated by spaces)",
        )
    if not out.index.is_unique:
        problems.append(
            (
                "measure ids occur more than once: "
                f"{format_values(out.index[out.index.duplicated()].unique())}",
                "give every measure its own id (or merge the rows)",
            )
        )
    _years(out, ("beginn", "ende"), problems)
    both = out["beginn"].notna() & out["ende"].notna()
    wrong = both & (out["ende"] < out["beginn"])
    if wrong.any():
        pairs = [
            f"{i!r} ({b}-{e})"
            for i, b, e in zip(
                out.index[wrong], out["beginn"][wrong], out["ende"][wrong], strict=True
            )
        ]
        problems.append(
            (
                f"`measures` has {int(wrong.sum())} measure(s) that end before they start: "
                f"{', '.join(pairs[:5])}",
                "correct `beginn`/`ende` (years, the end year is the last year of the run time)",
            )
        )
    gebiete = pd.Series([_split_areas(v) for v in out["gebiete"]], index=out.index, dtype=object)
    empty = gebiete.map(len) == 0
    if empty.any():
        problems.append(
            (
                f"measure(s) without areas: {format_values(out.index[empty])}",
                "list the planning areas a measure serves in `gebiete`",
            )
        )
    twice = gebiete.map(lambda g: len(g) != len(set(g)))
    if twice.any():
        problems.append(
            (
                f"measure(s) naming an area twice: {format_values(out.index[twice])}",
                "name each area once per measure",
            )
        )
    known = area_ids(areas, where=where)
    if known is not None:
        unknown = sorted({(m, a) for m, g in gebiete.items() for a in g if a not in known})
        if unknown:
            problems.append(
                (
                    f"{len(unknown)} area id(s) in `gebiete` are not among the known areas: "
                    f"{', '.join(f'{a!r} ({m})' for m, a in unknown[:5])}",
                    "check the ids (zero-padded strings, e.g. '010101') against `areas`",
                )
            )
    raise_problems(where, problems)
    out["gebiete"] = gebiete
    out["n_gebiete"] = gebiete.map(len).astype("int64")
    return out


def measure_areas(measures: pd.DataFrame, *, id_column: str | None = None) -> pd.DataFrame:
    """Tidy table of measures and the areas they serve: one row per measure and area.

    Parameters
    ----------
    measures : DataFrame
        A table as accepted by :func:`validate_measures`.
    id_column : str
        Column of the area ids in the result (required).

    Returns
    -------
    DataFrame
        Columns ``massnahme``, ``id_column`` and the other columns of the measures (without
        ``gebiete``/``n_gebiete``).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"beginn": [2022], "ende": [2025], "gebiete": ["01 02"]},
    ...                  index=pd.Index(["M1"], name="massnahme"))
    >>> measure_areas(m, id_column="planungsraum")
      massnahme planungsraum  beginn  ende
    0        M1           01    2022  2025
    1        M1           02    2022  2025
    """
    id_column = resolve_id_column(id_column, None, "measure_areas")
    m = validate_measures(measures)
    long = m.explode("gebiete").rename(columns={"gebiete": id_column}).drop(columns="n_gebiete")
    long[id_column] = long[id_column].astype(str)
    long = long.reset_index()
    return long[
        ["massnahme", id_column, *[c for c in long.columns if c not in ("massnahme", id_column)]]
    ].reset_index(drop=True)


def validate_costs(
    costs: pd.DataFrame,
    *,
    measures: pd.DataFrame | None = None,
    areas: Any = None,
    id_column: str | None = None,
    columns: Sequence[str] = COST_COLUMNS,
) -> pd.DataFrame:
    """Check a cost table (per measure, area and year) and return a clean copy with totals.

    Parameters
    ----------
    costs : DataFrame
        One row per measure, area and year (tidy), with columns ``massnahme``, ``id_column``,
        ``jahr`` and the cost columns in euros, by default ``eigenmittel`` (own budget),
        ``foerdermittel`` (funding programmes) and ``drittmittel`` (third parties), as in
        :func:`sozplan.datasets.load_costs`.
    measures : DataFrame, optional
        Measures table (:func:`validate_measures`); if given, every cost row must belong
        to a known measure, to one of its areas and to a year of its run time.
    areas : DataFrame, Series, Index or list, optional
        Known area ids.
    id_column : str, optional
        Column of the area ids; default: the name of the index of ``areas`` (required
        without ``areas``).
    columns : sequence of str
        The cost columns.

    Returns
    -------
    DataFrame
        A copy with ``jahr`` as integer, area ids as strings and a column ``gesamt`` (the
        sum of the cost columns) and ``foerderquote`` (share of the total not paid from
        the own budget, in %).

    Raises
    ------
    InputError
        Listing every problem: missing columns, non-numeric, missing or negative costs,
        duplicate rows, unknown measures or areas, costs in an area the measure does not
        serve, costs outside the measure's run time.

    Warns
    -----
    DataQualityWarning
        Rows whose costs are all zero (kept).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"massnahme": ["M1", "M1"], "planungsraum": ["01", "01"],
    ...                   "jahr": [2022, 2023], "eigenmittel": [1000.0, -50.0],
    ...                   "foerdermittel": [0.0, 0.0], "drittmittel": [0.0, 0.0]})
    >>> validate_costs(c, id_column="planungsraum")
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: validate_costs: column 'eigenmittel' has 1 negative cost(s): \
M1/01/2023 (-50). Fix: costs are amounts spent (>= 0); book refunds as a separate negative-free \
row or net them before.
    """
    where = "validate_costs"
    id_column = resolve_id_column(id_column, areas, where)
    check_frame(costs, arg="costs", where=where, row="cost line")
    columns = list(columns)
    keys = ["massnahme", id_column, "jahr"]
    missing = [c for c in keys + columns if c not in costs.columns]
    if missing:
        raise fail(
            where,
            f"`costs` lacks the column(s) {format_values(missing)}",
            f"pass a tidy table with {', '.join(keys)} and the cost columns {', '.join(columns)}",
        )
    out = costs.copy()
    out["massnahme"] = out["massnahme"].astype(str)
    out[id_column] = out[id_column].astype(str)
    problems: list[tuple[str, str]] = []
    _years(out, ("jahr",), problems)
    labels = np.array(key_labels(out, keys), dtype=object)
    _check_cost_values(out, columns, labels, problems)
    dup = out.duplicated(keys, keep=False).to_numpy()
    if dup.any():
        problems.append(
            (
                f"{int(dup.sum())} rows share a (measure, area, year): "
                f"{format_values(dict.fromkeys(labels[dup]))}",
                "sum such rows first, e.g. costs.groupby([...]).sum()",
            )
        )
    known = area_ids(areas, where=where)
    if known is not None:
        unknown = ~out[id_column].isin(known).to_numpy()
        if unknown.any():
            problems.append(
                (
                    f"{int(unknown.sum())} row(s) for unknown area(s): "
                    f"{format_values(labels[unknown])}",
                    "check the area ids (zero-padded strings) against `areas`",
                )
            )
    if measures is not None:
        m = validate_measures(measures, areas=areas)
        _check_cost_measures(out, id_column, m, labels, problems)
    raise_problems(where, problems)
    total = out[columns].sum(axis=1)
    out["gesamt"] = total
    own = out[columns[0]] if columns else 0.0
    out["foerderquote"] = ((total - own) / total * 100).where(total > 0)
    zero = (total == 0).to_numpy()
    if zero.any():
        warnings.warn(
            f"validate_costs: {int(zero.sum())} cost row(s) are all zero: "
            f"{format_values(labels[zero])} "
            "(kept; drop them if they are placeholders)",
            DataQualityWarning,
            stacklevel=2,
        )
    return out


_COST_GAP_FIX = {
    "missing": "enter 0 where nothing was spent; unknown costs must be clarified",
    "infinite": "an infinite cost comes from a division by zero upstream; enter the amount "
    "in euros",
}


def _check_cost_values(
    out: pd.DataFrame, columns: list, labels: np.ndarray, problems: list[tuple[str, str]]
) -> None:
    """Note cost columns that are not numeric, missing or negative."""
    for col in columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            problems.append(
                (
                    f"cost column {col!r} is not numeric ({out[col].dtype})",
                    "convert it (sozplan.io.read_statistik reads German number formats)",
                )
            )
            continue
        vals = out[col].to_numpy(dtype=float, na_value=np.nan)
        for kind, bad in (("missing", np.isnan(vals)), ("infinite", np.isinf(vals))):
            if bad.any():
                problems.append(
                    (
                        f"column {col!r} has {int(bad.sum())} {kind} cost(s): "
                        f"{format_values(labels[bad])}",
                        _COST_GAP_FIX[kind],
                    )
                )
        neg = vals < 0
        if neg.any():
            shown = ", ".join(
                f"{lab} ({v:g})" for lab, v in zip(labels[neg][:5], vals[neg][:5], strict=True)
            )
            problems.append(
                (
                    f"column {col!r} has {int(neg.sum())} negative cost(s): {shown}",
                    "costs are amounts spent (>= 0); book refunds as a separate negative-free row "
                    "or net them before",
                )
            )


def _check_cost_measures(
    out: pd.DataFrame,
    id_column: str,
    m: pd.DataFrame,
    labels: np.ndarray,
    problems: list[tuple[str, str]],
) -> None:
    """Note cost rows of unknown measures, of areas or years the measure does not cover."""
    unk = ~out["massnahme"].isin(m.index).to_numpy()
    if unk.any():
        problems.append(
            (
                f"{int(unk.sum())} row(s) for unknown measure(s): {format_values(labels[unk])}",
                "add the measure to `measures` or correct its id",
            )
        )
    ok = ~unk
    served = np.array(
        [
            a in m.at[mm, "gebiete"] if k else True
            for mm, a, k in zip(out["massnahme"], out[id_column], ok, strict=True)
        ]
    )
    if (~served).any():
        problems.append(
            (
                f"{int((~served).sum())} row(s) book costs in an area the measure does "
                "not serve: "
                f"{format_values(labels[~served])}",
                "add the area to the measure's `gebiete` or book the costs on the right area",
            )
        )
    beg = out["massnahme"].map(m["beginn"]).to_numpy(dtype=float, na_value=np.nan)
    end = out["massnahme"].map(m["ende"]).to_numpy(dtype=float, na_value=np.nan)
    yr = out["jahr"].to_numpy(dtype=float, na_value=np.nan)
    outside = ok & ((yr < beg) | (yr > end))
    if outside.any():
        shown = ", ".join(
            f"{lab} (run time {int(b)}-{int(e)})"
            for lab, b, e in zip(
                labels[outside][:5], beg[outside][:5], end[outside][:5], strict=True
            )
        )
        problems.append(
            (
                f"{int(outside.sum())} cost row(s) lie outside the measure's run time: {shown}",
                "correct the year or extend the measure's `beginn`/`ende`",
            )
        )


def validate_targets(
    targets: pd.DataFrame,
    *,
    areas: Any = None,
    measures: pd.DataFrame | None = None,
    indicators: Sequence[Hashable] | None = None,
    id_column: str | None = None,
) -> pd.DataFrame:
    """Check a table of social and financial targets and return a clean copy.

    Parameters
    ----------
    targets : DataFrame
        One row per target, indexed by the target id (or a column ``ziel``), with columns
        ``indikator`` (indicator key, e.g. ``"sgb2_quote"`` or a financial key such as
        ``"foerderquote"``), ``id_column`` (an area id, or ``"gesamt"`` for the whole city),
        ``basiswert``/``basisjahr`` (baseline value and year), ``zielwert``/``zieljahr``
        (target value and year) and ``art`` (``"sozial"`` or ``"finanziell"``).
        Optional: ``richtung`` (+1 if higher is better, -1 if lower is better; inferred
        from the sign of ``zielwert - basiswert`` and required when they are equal, i.e.
        for "hold the level" targets), ``massnahme`` (the measure the target belongs to),
        ``toleranz`` (a tolerance per target, see :func:`target_attainment`), ``name``.
    areas : optional
        Known area ids; targets for other areas are an error.
    measures : DataFrame, optional
        Known measures; a ``massnahme`` of a target must be one of them.
    indicators : str or sequence, optional
        Known indicator keys (one key as a string).
    id_column : str, optional
        Column of the area ids; default: the name of the index of ``areas`` (required
        without ``areas``).

    Returns
    -------
    DataFrame
        Indexed by ``ziel``, with integer years, float values and an integer
        ``richtung`` column.

    Raises
    ------
    InputError
        Listing every problem: missing columns, unknown areas, measures, indicators or
        kinds, a target year not after the baseline year, a direction that contradicts
        the values, missing values.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"ziel": ["Z1"], "indikator": ["sgb2_quote"], "planungsraum": ["99"],
    ...                   "basiswert": [25.0], "basisjahr": [2021], "zielwert": [22.0],
    ...                   "zieljahr": [2026], "art": ["sozial"]})
    >>> validate_targets(t, areas=["01", "02"], id_column="planungsraum")
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: validate_targets: 1 target(s) refer to unknown areas: 'Z1' ('99'). \
Fix: use a known area id or 'gesamt' for a city-wide target.
    >>> validate_targets(t, id_column="planungsraum")["richtung"].tolist()
    [-1]
    """
    where = "validate_targets"
    id_column = resolve_id_column(id_column, areas, where)
    check_frame(targets, arg="targets", where=where, row="target")
    out = targets.copy()
    if "ziel" in out.columns:
        out = out.set_index("ziel")
    out.index = pd.Index(out.index.astype(str), name="ziel")
    req = ["indikator", id_column, "basiswert", "basisjahr", "zielwert", "zieljahr", "art"]
    missing = [c for c in req if c not in out.columns]
    if missing:
        raise fail(
            where,
            f"`targets` lacks the column(s) {format_values(missing)}",
            f"pass one row per target with {', '.join(req)}",
        )
    problems: list[tuple[str, str]] = []
    if not out.index.is_unique:
        problems.append(
            (
                "target ids occur more than once: "
                f"{format_values(out.index[out.index.duplicated()].unique())}",
                "give every target its own id",
            )
        )
    out[id_column] = out[id_column].astype(str)
    out["indikator"] = out["indikator"].astype(str)
    _years(out, ("basisjahr", "zieljahr"), problems)
    for col in ("basiswert", "zielwert"):
        vals = pd.to_numeric(out[col], errors="coerce").astype(float)
        bad = ~np.isfinite(vals.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            problems.append(
                (
                    f"`{col}` is missing, infinite or not a number for "
                    f"{format_values(out.index[bad])}",
                    "enter the baseline and target values as numbers",
                )
            )
        out[col] = vals
    order = (out["zieljahr"] <= out["basisjahr"]).fillna(False).to_numpy(dtype=bool)
    if order.any():
        problems.append(
            (
                f"target year not after the baseline year for {format_values(out.index[order])}",
                "the target year (`zieljahr`) must come after the baseline year (`basisjahr`)",
            )
        )
    kinds = ~out["art"].isin(TARGET_KINDS).to_numpy()
    if kinds.any():
        problems.append(
            (
                "`art` must be 'sozial' or 'finanziell', not "
                f"{format_values(out['art'][kinds].unique())} "
                f"(targets {format_values(out.index[kinds])})",
                "use 'sozial' or 'finanziell'",
            )
        )
    direction = _target_direction(out, problems)
    _check_target_references(out, id_column, areas, measures, indicators, problems, where)
    raise_problems(where, problems)
    out["richtung"] = pd.array(direction, dtype="Float64").astype("Int64")
    return out


def _target_direction(out: pd.DataFrame, problems: list[tuple[str, str]]) -> np.ndarray:
    """Direction of each target (+1: higher is better), given in `richtung` or inferred."""
    diff = np.sign((out["zielwert"] - out["basiswert"]).to_numpy(dtype=float, na_value=np.nan))
    if "richtung" in out.columns:
        given = pd.to_numeric(out["richtung"], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        )
        badv = ~np.isin(given, (-1.0, 1.0)) & ~np.isnan(given)
        if badv.any():
            problems.append(
                (
                    f"`richtung` must be +1 or -1, not at {format_values(out.index[badv])}",
                    "+1: higher is better, -1: lower is better",
                )
            )
        contra = (~np.isnan(given)) & (diff != 0) & (given != diff) & ~np.isnan(diff)
        if contra.any():
            problems.append(
                (
                    "`richtung` contradicts the values (target minus baseline) for "
                    f"{format_values(out.index[contra])}",
                    "fix the direction or the values; leave `richtung` empty to infer it",
                )
            )
        direction = np.where(np.isnan(given), diff, given)
    else:
        direction = diff
    hold = (diff == 0) & ~np.isin(direction, (-1.0, 1.0))
    if hold.any():
        problems.append(
            (
                "target equals baseline but no `richtung` is given for "
                f"{format_values(out.index[hold])}",
                "for 'hold the level' targets say in `richtung` whether higher (+1) or lower "
                "(-1) is better",
            )
        )
    return direction


def _check_target_references(
    out: pd.DataFrame,
    id_column: str,
    areas: Any,
    measures: pd.DataFrame | None,
    indicators: Any,
    problems: list[tuple[str, str]],
    where: str,
) -> None:
    """Note targets of unknown areas, measures or indicators."""
    known = area_ids(areas, where=where)
    if known is not None:
        unk = ~(out[id_column].isin(known) | (out[id_column] == ALL_AREAS)).to_numpy()
        if unk.any():
            shown = ", ".join(
                f"{i!r} ({a!r})"
                for i, a in zip(out.index[unk][:5], out[id_column][unk][:5], strict=True)
            )
            problems.append(
                (
                    f"{int(unk.sum())} target(s) refer to unknown areas: {shown}",
                    f"use a known area id or {ALL_AREAS!r} for a city-wide target",
                )
            )
    if measures is not None and "massnahme" in out.columns:
        m = validate_measures(measures)
        given_m = out["massnahme"].notna().to_numpy()
        unk = given_m & ~out["massnahme"].astype(str).isin(m.index).to_numpy()
        if unk.any():
            problems.append(
                (
                    f"target(s) for unknown measures: {format_values(out.index[unk])}",
                    "add the measure or correct `massnahme`",
                )
            )
    if indicators is not None:
        indicators = [indicators] if isinstance(indicators, str) else list(indicators)
        unk = ~out["indikator"].isin(indicators).to_numpy()
        if unk.any():
            problems.append(
                (
                    f"unknown indicator(s) {format_values(out['indikator'][unk].unique())}",
                    f"use one of {format_values(indicators, 12)}",
                )
            )


@immutable
@dataclass(frozen=True, repr=False)
class PlanningData:
    """Areas, measures, costs and targets, validated against each other.

    Build it with :func:`planning_data`. All tables are checked copies.

    Attributes
    ----------
    areas : pandas.Index
        Known area ids.
    measures : DataFrame
        See :func:`validate_measures`.
    costs : DataFrame or None
        See :func:`validate_costs`.
    targets : DataFrame or None
        See :func:`validate_targets`.
    id_column : str
        Name of the area column.
    """

    areas: pd.Index
    measures: pd.DataFrame
    costs: pd.DataFrame | None = None
    targets: pd.DataFrame | None = None
    id_column: str = ""
    notes: tuple[str, ...] = field(default=())

    def measure_areas(self) -> pd.DataFrame:
        """One row per measure and area (see :func:`measure_areas`)."""
        return measure_areas(self.measures, id_column=self.id_column)

    def to_frame(self) -> pd.DataFrame:
        """One row per measure: run time, number of areas and summed costs by source."""
        out = self.measures.drop(columns="gebiete").copy()
        if self.costs is not None:
            sums = self.costs.groupby("massnahme")[[*COST_COLUMNS, "gesamt"]].sum()
            out = out.join(sums).fillna(dict.fromkeys([*COST_COLUMNS, "gesamt"], 0.0))
            total = out["gesamt"]
            out["foerderquote"] = ((total - out[COST_COLUMNS[0]]) / total * 100).where(total > 0)
        if self.targets is not None and "massnahme" in self.targets.columns:
            out["n_ziele"] = (
                self.targets.groupby("massnahme").size().reindex(out.index, fill_value=0)
            )
        return out

    def _title(self) -> str:
        n_c = 0 if self.costs is None else len(self.costs)
        n_t = 0 if self.targets is None else len(self.targets)
        total = "" if self.costs is None else f", costs {self.costs['gesamt'].sum():,.2f} EUR"
        return (
            f"PlanningData: {len(self.areas)} areas, {len(self.measures)} measures, {n_c} "
            "cost rows, "
            f"{n_t} targets{total}"
        )

    def __repr__(self) -> str:
        cols = [
            c
            for c in ("name", "beginn", "ende", "n_gebiete", "gesamt", "foerderquote")
            if c in self.to_frame()
        ]
        return self._title() + "\n" + self.to_frame()[cols].round(1).to_string(max_rows=20)

    def _repr_html_(self) -> str:
        cols = [
            c
            for c in (
                "name",
                "handlungsfeld",
                "beginn",
                "ende",
                "n_gebiete",
                "gesamt",
                "foerderquote",
            )
            if c in self.to_frame()
        ]
        return html_block(self._title(), self.to_frame()[cols], self.notes)


def planning_data(
    areas: Any,
    measures: pd.DataFrame,
    costs: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    *,
    id_column: str | None = None,
    cost_columns: Sequence[str] = COST_COLUMNS,
) -> PlanningData:
    """Validate areas, measures, costs and targets together (the planning data model).

    Parameters
    ----------
    areas : DataFrame, Series, Index or list
        The planning areas (ids as the index; a long table indexed by (id, year) is fine).
    measures : DataFrame
        See :func:`validate_measures`.
    costs : DataFrame, optional
        See :func:`validate_costs`.
    targets : DataFrame, optional
        See :func:`validate_targets`.
    id_column : str, optional
        Column of the area ids; default: the name of the index of ``areas`` (required
        without ``areas``).
    cost_columns : sequence of str
        Cost columns of ``costs``.

    Returns
    -------
    PlanningData

    Raises
    ------
    InputError
        Any problem found by the validators, e.g. costs outside a measure's run time or
        targets for unknown areas.

    Examples
    --------
    >>> from sozplan.datasets import load_costs, load_measures, load_musterstadt
    >>> plan = planning_data(load_musterstadt("planning_area"), load_measures(), load_costs())
    >>> len(plan.measures), bool(plan.costs["gesamt"].sum() > 0)
    (18, True)
    """
    where = "planning_data"
    id_column = resolve_id_column(id_column, areas, where)
    if areas is None:
        raise fail(
            where,
            "`areas` is None",
            "pass the planning areas (a table indexed by the area ids, or a list of ids)",
        )
    ids = area_ids(areas, where=where)
    m = validate_measures(measures, areas=ids)
    c = (
        validate_costs(costs, measures=m, areas=ids, id_column=id_column, columns=cost_columns)
        if costs is not None
        else None
    )
    t = (
        validate_targets(targets, areas=ids, measures=m, id_column=id_column)
        if targets is not None
        else None
    )
    notes = []
    if c is not None:
        no_cost = m.index.difference(c["massnahme"].unique())
        if len(no_cost):
            notes.append(f"{len(no_cost)} measure(s) without costs: {format_values(no_cost)}")
    return PlanningData(
        areas=ids, measures=m, costs=c, targets=t, id_column=id_column, notes=tuple(notes)
    )
