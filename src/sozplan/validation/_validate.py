"""``validate``: check a table of small-area counts and indicators, report, never raise."""

from __future__ import annotations

import itertools
import re
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.checks import check_frame, fail
from sozplan.indicators import IndicatorSpec, evaluate, resolve_specs
from sozplan.indicators._rates import _intervals
from sozplan.io import SIGNS
from sozplan.validation._report import (
    COVERAGE_COLUMNS,
    FINDING_COLUMNS,
    RULES,
    ValidationReport,
    empty_findings,
)
from sozplan.validation._rules import MatchesTotals, PartOfWhole, SumEquals, check_rules
from sozplan.validation._stats import (
    bartlett_sphericity,
    cronbach_alpha,
    kmo,
    principal_components,
    variance_inflation,
)

__all__ = ["Thresholds", "validate"]

#: Names of a year column or index level recognised when ``year`` is not given.
_YEAR_NAMES = ("jahr", "year", "berichtsjahr", "stichtagsjahr")

#: Whole-cell signs that mean "exactly zero" (DIN 55301 ``-`` and its typeset dashes).
_ZERO_SIGNS = [sign for sign, status in SIGNS.items() if status == "zero"]

#: Whole-cell signs that mean "no number": the other DIN 55301 signs (suppressed, unreliable,
#: not applicable, pending, empty) and pandas' texts for a missing value.
_NA_SIGNS = [sign for sign, status in SIGNS.items() if status != "zero"] + [
    "nan",
    "NaN",
    "NA",
    "<NA>",
]


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return "NA"
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}".replace(",", ".")


def _fmt_en(v: float) -> str:
    """Format a number for an English message (thousands with a comma)."""
    if not np.isfinite(v):
        return "NA"
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"


class _Collector:
    """Collects findings as column chunks and builds the table once; records coverage."""

    def __init__(self) -> None:
        self.parts: list[dict[str, Any]] = []
        self.coverage: list[tuple[str, str, str, bool, str, str]] = []

    def cover(
        self,
        kind: str,
        name: Any,
        checked: bool,
        de: str = "",
        en: str = "",
    ) -> None:
        """Record that ``name`` (an indicator, rule, column or check) was checked or why not.

        ``name`` is one string for both languages or a rule object (labelled per language).
        """
        if hasattr(name, "label"):
            name_de, name_en = name.label("de"), name.label("en")
        else:
            name_de = name_en = str(name)
        self.coverage.append((kind, name_de, name_en, bool(checked), de, en))

    def coverage_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.coverage, columns=list(COVERAGE_COLUMNS)).astype(
            {
                "kind": "string",
                "name": "string",
                "checked": bool,
                "note": "string",
                "note_en": "string",
            }
        )

    def add(
        self,
        rule: str,
        severity: str,
        message: Any,
        *,
        en: Any,
        area: Any = None,
        year: Any = None,
        indicator: Any = None,
        value: Any = np.nan,
    ) -> None:
        """Add findings: ``message`` in German, ``en`` in English (a string or one per row)."""
        lengths = [
            len(x)
            for x in (message, en, area, year, indicator, value)
            if isinstance(x, (list, np.ndarray, pd.Index, pd.Series))
        ]
        n = lengths[0] if lengths else 1
        if n == 0:
            return

        def col(x: Any) -> Any:
            if isinstance(x, (list, np.ndarray, pd.Index, pd.Series)):
                return np.asarray(x, dtype=object)
            return np.full(n, x, dtype=object)

        self.parts.append(
            {
                "severity": col(severity),
                "check": col(RULES[rule][0]),
                "rule": col(rule),
                "area": col(area),
                "year": col(year),
                "indicator": col(indicator),
                "value": col(value),
                "message": col(message),
                "message_en": col(en),
            }
        )

    def at(
        self,
        data: _Data,
        mask: np.ndarray,
        rule: str,
        severity: str,
        message: Any,
        *,
        en: Any,
        indicator: Any = None,
        value: Any = np.nan,
    ) -> None:
        """Add one finding per row selected by ``mask`` (area and year from ``data``)."""
        self.add(
            rule,
            severity,
            message,
            en=en,
            area=data.ids[mask],
            year=data.year_of(mask),
            indicator=indicator,
            value=value,
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return empty_findings()
        data = {c: np.concatenate([p[c] for p in self.parts]) for c in FINDING_COLUMNS}
        empty = empty_findings()
        out = pd.DataFrame(
            {
                "severity": pd.Categorical(data["severity"], dtype=empty["severity"].dtype),
                "check": pd.Categorical(data["check"], dtype=empty["check"].dtype),
                "rule": pd.Categorical(data["rule"], dtype=empty["rule"].dtype),
                "area": pd.array(
                    [
                        None if x is None or (isinstance(x, float) and np.isnan(x)) else str(x)
                        for x in data["area"]
                    ],
                    dtype="string",
                ),
                "year": pd.array(
                    pd.to_numeric(pd.Series(data["year"]), errors="coerce"), dtype="Int64"
                ),
                "indicator": pd.array(data["indicator"], dtype="string"),
                "value": pd.to_numeric(pd.Series(data["value"]), errors="coerce").to_numpy(
                    dtype=float
                ),
                "message": pd.array(data["message"], dtype="string"),
                "message_en": pd.array(data["message_en"], dtype="string"),
            }
        )
        order = np.lexsort(
            (
                np.arange(len(out)),
                out["rule"].cat.codes,
                out["check"].cat.codes,
                out["severity"].cat.codes,
            )
        )
        return out.iloc[order].reset_index(drop=True)


@dataclass
class _Data:
    """The input split into ids, years, numeric counts and indicator values."""

    ids: np.ndarray
    yrs: np.ndarray | None
    counts: pd.DataFrame
    specs: list[IndicatorSpec]
    value_columns: list[str]
    values: pd.DataFrame = field(default_factory=pd.DataFrame)
    reliable: pd.DataFrame = field(default_factory=pd.DataFrame)
    usable: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    directions: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    labels_en: dict[str, str] = field(default_factory=dict)

    def label(self, col: str, en: bool = False) -> str:
        """Return the label of an indicator or column in German or English."""
        return (self.labels_en if en else self.labels).get(col, col)

    def year_of(self, mask: np.ndarray) -> Any:
        return None if self.yrs is None else self.yrs[mask]


def _split(df: pd.DataFrame, year: str) -> tuple[np.ndarray, np.ndarray | None]:
    names = list(df.index.names)
    if isinstance(df.index, pd.MultiIndex) and year in names:
        yrs = df.index.get_level_values(year).to_numpy()
        rest = df.index.droplevel(year)
        ids = (
            rest.to_numpy()
            if not isinstance(rest, pd.MultiIndex)
            else np.array(["/".join(map(str, t)) for t in rest], dtype=object)
        )
    elif year in df.columns:
        yrs = df[year].to_numpy()
        ids = df.index.to_numpy()
    else:
        yrs = None
        ids = (
            df.index.to_numpy()
            if not isinstance(df.index, pd.MultiIndex)
            else np.array(["/".join(map(str, t)) for t in df.index], dtype=object)
        )
    if yrs is not None:
        yrs = pd.to_numeric(pd.Series(yrs), errors="coerce").to_numpy(dtype=float)
    return np.asarray(ids, dtype=object), yrs


def _to_number(raw: pd.Series, na_values: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Numeric values and a mask of cells that were given but unreadable (text)."""
    if pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw):
        vals = raw.to_numpy(dtype=float, na_value=np.nan)
        unreadable = np.zeros(len(raw), dtype=bool)
    else:
        text = raw.astype("string").str.strip()
        text = text.mask(text.isin(_ZERO_SIGNS), "0")  # DIN 55301: '-' is exactly zero
        signs = text.isin(_NA_SIGNS).fillna(True).to_numpy()
        cleaned = text.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.rstrip(" prs")
        german = cleaned.str.contains(",", regex=False).fillna(False).to_numpy()
        cleaned = cleaned.where(
            ~german, cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        )
        vals = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        unreadable = np.isnan(vals) & ~signs
    for na in na_values:
        vals = np.where(vals == na, np.nan, vals)
    return vals, unreadable


def _robust_z(x: np.ndarray) -> np.ndarray:
    """Return modified z-scores (Iglewicz & Hoaglin 1993); mean abs. deviation if MAD = 0."""
    med = np.nanmedian(x)
    mad = np.nanmedian(np.abs(x - med))
    if mad > 0:
        return 0.6745 * (x - med) / mad
    meanad = np.nanmean(np.abs(x - med))
    if meanad > 0:
        return (x - med) / (1.253314 * meanad)
    return np.zeros_like(x)


def _resolve(
    df: pd.DataFrame, specs: Any, columns: Any, out: _Collector
) -> tuple[list[IndicatorSpec], list[str]]:
    if specs is None:
        found = () if columns is not None else resolve_specs(None, df, strict=False)
        spec_list = list(found)
    else:
        spec_list = []
        for s in resolve_specs(specs, None, where="validate"):  # raises on unknown keys
            missing = [c for c in s.columns if c not in df.columns]
            if missing:
                out.add(
                    "missing_column",
                    "error",
                    f"Kennzahl {s.key!r} nicht berechenbar: Spalte(n) {', '.join(missing)} "
                    "fehlen.",
                    en=f"indicator {s.key!r} not computable: column(s) {', '.join(missing)} "
                    "missing.",
                    indicator=s.key,
                )
                continue
            spec_list.append(s)
    value_cols: list[str] = []
    if columns is not None:
        for c in [columns] if isinstance(columns, str) else list(columns):
            if c not in df.columns:
                out.add(
                    "missing_column",
                    "error",
                    f"Spalte {c!r} fehlt.",
                    en=f"column {c!r} is missing.",
                    indicator=str(c),
                )
            else:
                value_cols.append(c)
    return spec_list, value_cols


@immutable
@dataclass(frozen=True)
class Thresholds:
    r"""Limits of the plausibility and structure checks of :func:`validate`.

    Six numbers that belong together (and that a statistics office sets once for all its
    tables), grouped so that :func:`validate` keeps a signature one can read.

    Parameters
    ----------
    jump : float, default 5.0
        Change between two years, in robust z-scores of all changes, above which a value
        is flagged (``jump``).
    outlier : float, default 3.5
        Modified z-score :math:`|0.6745 (x - \tilde x)/\mathrm{MAD}|` above which a value
        is an outlier (Iglewicz & Hoaglin 1993).
    correlation : float, default 0.9
        Pearson or Spearman correlation above which two indicators are redundant.
    vif : float, default 10.0
        Variance inflation factor above which an indicator is flagged.
    cronbach_alpha : float, default 0.7
        Cronbach's alpha of a dimension below which its consistency is low.
    n_classes : int, default 5
        Quantile classes for the share of areas changing class between years.

    Examples
    --------
    >>> Thresholds(correlation=0.8).vif
    10.0
    >>> Thresholds(n_classes=1)
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: Thresholds: `n_classes` is 1. Fix: pass a whole number >= 2.
    """

    jump: float = 5.0
    outlier: float = 3.5
    correlation: float = 0.9
    vif: float = 10.0
    cronbach_alpha: float = 0.7
    n_classes: int = 5

    def __post_init__(self) -> None:
        for name in ("jump", "outlier", "correlation", "vif", "cronbach_alpha"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise fail("Thresholds", f"`{name}` is {value!r}", "pass a positive number")
        n = self.n_classes
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
            raise fail("Thresholds", f"`n_classes` is {n!r}", "pass a whole number >= 2")

    def as_keywords(self) -> dict[str, float]:
        """Return the limits under the names the checks use internally."""
        return {
            "jump_threshold": self.jump,
            "outlier_threshold": self.outlier,
            "correlation_threshold": self.correlation,
            "vif_threshold": self.vif,
            "alpha_threshold": self.cronbach_alpha,
            "n_classes": self.n_classes,
        }


def validate(
    df: pd.DataFrame,
    specs: Any = None,
    *,
    rules: Sequence[PartOfWhole | SumEquals | MatchesTotals] = (),
    geometry: Any = None,
    hierarchy: Any = None,
    years: Sequence[int] | None = None,
    columns: Sequence[str] | None = None,
    shares: Sequence[str] | None = None,
    dimensions: Mapping[str, Sequence[str]] | None = None,
    criterion: str | pd.Series | None = None,
    year: str | None = None,
    population: str | None = None,
    status: pd.DataFrame | None = None,
    aggregates: str | Sequence[Hashable] | None = None,
    min_population: float = 300,
    min_denominator: float = 30,
    alpha: float = 0.05,
    na_values: Sequence[float] = (),
    thresholds: Thresholds | None = None,
) -> ValidationReport:
    r"""Check small-area counts and indicators; report every problem, raise on none.

    The result always states what was checked and what was not, and why
    (:attr:`ValidationReport.coverage`, :meth:`ValidationReport.checked` and the
    summary): the indicators, each rule (a rule whose columns are missing is *not
    checked*, with the missing columns), the hierarchy, the cell statuses, the
    aggregate rows and the numeric columns no check read. A table with nothing to check
    gives the finding ``nothing_checked`` and the summary says so instead of "no errors".

    The rules (each a ``rule`` in the findings, grouped into ``check``\ s):

    *Completeness*: ``missing_column``, ``missing_id``, ``duplicate_id`` (an id, or an
    (id, year) pair, occurs twice), ``duplicate_name`` (a text column that names the
    areas gives one name to several ids), ``suppressed_value`` (a count or value is
    NaN, a DIN 55301 sign such as ``.`` or ``/``, or one of ``na_values``),
    ``unreadable_value`` (text that is neither a number nor a sign),
    ``flagged_value`` (info: a value marked provisional, revised, estimated or of
    limited value), ``nothing_checked``, ``missing_geometry`` (empty or absent
    geometry, or an id of the data not in ``geometry``), ``geometry_without_data``,
    ``invalid_geometry``.

    *Plausibility*: ``negative_count``; ``numerator_above_denominator`` (a share of the
    catalogue, or a :class:`PartOfWhole` rule: :math:`x_{part} > x_{whole}`);
    ``parts_not_total`` (a :class:`SumEquals` rule:
    :math:`|\sum_j x_j - x_{whole}| > \max(\text{tolerance}, 0.5)`);
    ``share_out_of_range`` (columns in ``shares`` outside 0-100); ``hierarchy_total``
    (the sums of the areas per parent differ from published totals: a
    :class:`MatchesTotals` rule, aggregate rows of the table, or the parent tables of
    ``hierarchy``); ``hierarchy_nesting`` (a child lies in two parents or in none);
    ``jump`` (change between consecutive years with a modified z-score above
    ``Thresholds.jump``, computed only from values with enough cases in both years, and
    for the population).

    *Small numbers*: ``small_numbers``, one finding per area (and year) whose
    population is below ``min_population`` or where an indicator's denominator is below
    ``min_denominator``; the message lists the widest confidence interval.

    *Distribution* (per indicator and year, on values with enough cases when there are
    at least 20 of them): ``skew_kurtosis`` (the COINr rule: treat when
    :math:`|g_1| > 2` and excess kurtosis :math:`g_2 > 3.5`, both bias-corrected as in
    ``e1071`` type 2) with a suggestion (winsorise up to 5 values, else a log
    transform), ``outlier`` (modified z-score
    :math:`|0.6745 (x - \tilde x)/\mathrm{MAD}| >` ``Thresholds.outlier``), ``constant``.

    *Redundancy* (last year): ``high_correlation`` (Pearson or Spearman
    :math:`|r| >` ``Thresholds.correlation``), ``high_vif``.

    *Reliability and structure* (last year): ``cronbach_alpha`` per dimension on
    z-scores oriented by the spec's direction, ``kmo``, ``bartlett``, ``pca``.

    *Temporal stability*: ``rank_correlation`` (Spearman between consecutive years) and
    ``class_change`` (share of areas changing quantile class, ``Thresholds.n_classes``).

    *External validity*: ``external_correlation`` with ``criterion``.

    Parameters
    ----------
    df : DataFrame, GeoDataFrame or sozplan.io.StatistikTable
        One row per area (and year): count columns and/or indicator value columns.
        Long tables carry the year as an index level or column (see ``year``). A
        table read with :func:`sozplan.io.read_statistik` may be passed as it is: the
        DIN 55301 status of every numeric cell (secret, unreliable, unreadable,
        provisional ...) then becomes a finding, in every numeric column. Rows that
        are published aggregates (district or city totals) are recognised by a
        True/False column ``is_aggregate`` or by ``aggregates``.
    specs : optional
        Indicators computed from counts; default the shipped catalogue applied to the
        columns present (none if only ``columns`` are given).
    rules : sequence of PartOfWhole, SumEquals and MatchesTotals, default ()
        The consistency rules of the city's counts (which are parts of which, which
        add up, which published totals they must match), usually from the city's
        description; Musterstadt's are :func:`sozplan.datasets.musterstadt_rules`.
        Without rules, the report says that no part or sum rules were given.
    geometry : GeoDataFrame or GeoSeries, optional
        Geometries indexed by area id; default the geometry of ``df`` if it has one.
    hierarchy : str, sequence of str or mapping, optional
        A list of id columns from fine to coarse (e.g. ``["stadtteil",
        "stadtbezirk"]``) checks the nesting; a mapping ``{id column:
        parent table}`` also compares summed counts with the parent table's totals.
        Default: not checked (and the report says so).
    years : sequence of int, optional
        Restrict to these years.
    columns : list of str, optional
        Columns that already hold indicator values (e.g. published rates).
    shares : list of str, optional
        Value columns in per cent (checked for the range 0-100).
    dimensions : mapping, optional
        ``{dimension: [columns]}`` for Cronbach's alpha of value columns (``"-col"``
        reverses a column); spec indicators use their ``dimension``.
    criterion : str or Series, optional
        External criterion (column, or Series indexed by area id) for external validity.
    year : str, optional
        The year column or index level; default the first one named ``jahr``,
        ``year``, ``berichtsjahr`` or ``stichtagsjahr`` (any case), else none.
    population : str, optional
        The residents' column, for the small-number rule and population jumps.
    status : DataFrame, optional
        The status frame of :func:`sozplan.io.read_statistik` (same index as ``df``),
        when ``df`` is its ``values``; taken from a ``StatistikTable`` automatically.
    aggregates : str or sequence, optional
        Aggregate rows: the name of a True/False column, or the ids of the rows.
        Default: the column ``is_aggregate`` if present. Aggregate rows are not areas:
        they are left out of every area rule (distribution, outliers, small numbers,
        ids) and compared with the sums of the areas of the column that holds their id
        (``hierarchy_total``); rows whose id no column holds are listed as not compared.
    min_population, min_denominator : float, default 300 and 30
    alpha : float, default 0.05
        For the confidence intervals in small-number messages and Bartlett's test.
    na_values : sequence of float, default ()
        Sentinel values meaning "missing" (e.g. ``-9999`` in Berlin open data).
    thresholds : Thresholds, optional
        Limits of the jump, outlier, correlation, VIF and Cronbach's alpha checks and the
        number of classes of ``class_change`` (default: ``Thresholds()``).

    Returns
    -------
    ValidationReport
        ``ok`` is False when any finding has severity ``"error"``.

    Raises
    ------
    InputError
        Only when ``df`` is not a DataFrame, ``specs``, ``rules``, ``status`` or
        ``aggregates`` cannot be understood; messy data is reported, never raised.

    References
    ----------
    OECD/JRC (2008). Handbook on Constructing Composite Indicators. OECD Publishing.
    doi:10.1787/9789264043466-en

    Becker, W., Benavente, D., Dominguez Torreblanca, M., Moura, C. T., Neves, N., &
    Saisana, M. (2022). COINr: An R package for developing composite indicators.
    Journal of Open Source Software 7(78), 4567. doi:10.21105/joss.04567

    Iglewicz, B., & Hoaglin, D. C. (1993). How to Detect and Handle Outliers. ASQC.

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.validation import validate
    >>> df = pd.DataFrame({"einwohner_65_plus": [400, 350, 20],
    ...                    "sgb12_grundsicherung_65_plus": [40, 380, None]},
    ...                   index=["01", "02", "03"])
    >>> report = validate(df)
    >>> report.ok
    False
    >>> report.findings[["severity", "rule", "area"]].head(2)
      severity                         rule area
    0    error  numerator_above_denominator   02
    1  warning             suppressed_value   03

    Rules are data; a rule whose columns are missing is listed as not checked:

    >>> from sozplan.validation import PartOfWhole, SumEquals
    >>> counts = pd.DataFrame({"ew": [500, 800], "u18": [90, 150], "ue18": [410, 650],
    ...                        "alo": [20, 30]}, index=["01", "02"])
    >>> rules = [SumEquals(("u18", "ue18"), "ew"), PartOfWhole("alo", "erwerbsf")]
    >>> print(validate(counts, rules=rules, population="ew").summary(language="en"))
    Data validation: 2 areas, 0 indicators.
    Result: no errors. 0 warnings, 0 notes.
    Rules checked: u18 + ue18 = ew.
    Not checked: alo ≤ erwerbsf (column(s) erwerbsf missing); no geometry (neither a
    GeoDataFrame nor geometry=); no hierarchy given (hierarchy=).
    """
    rule_list = check_rules(rules, "validate")
    limits = Thresholds() if thresholds is None else thresholds
    if not isinstance(limits, Thresholds):
        raise fail(
            "validate",
            f"`thresholds` is a {type(limits).__name__}",
            "pass sozplan.validation.Thresholds(...), e.g. Thresholds(correlation=0.8)",
        )
    if hasattr(df, "status") and isinstance(getattr(df, "status", None), pd.DataFrame):
        # a sozplan.io.StatistikTable: keep the DIN 55301 status of each cell
        if status is None:
            status = df.status
        df = df.values
    check_frame(df, where="validate", allow_empty=True)
    if status is not None:
        if not isinstance(status, pd.DataFrame):
            raise fail(
                "validate",
                f"`status` is a {type(status).__name__}",
                "give the status frame of a table read with sozplan.io.read_statistik",
            )
        if len(status) != len(df) or not status.index.equals(df.index):
            raise fail(
                "validate",
                f"`status` has {len(status)} rows on another index than the {len(df)} rows of "
                "`df`",
                "pass the status frame that belongs to the table (same index, same order)",
            )
    if year is None:
        year = next(
            (
                n
                for n in [*df.index.names, *df.columns]
                if isinstance(n, str) and n.strip().lower() in _YEAR_NAMES
            ),
            "\0no year column",
        )
    out = _Collector()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _validate(
            df,
            specs,
            out,
            rules=rule_list,
            geometry=geometry,
            hierarchy=hierarchy,
            years=years,
            columns=columns,
            shares=shares,
            dimensions=dimensions,
            criterion=criterion,
            year=year,
            status=status,
            aggregates=aggregates,
            population=population,
            min_population=min_population,
            min_denominator=min_denominator,
            alpha=alpha,
            na_values=na_values,
            **limits.as_keywords(),
        )


def _validate(df: pd.DataFrame, specs: Any, out: _Collector, **kw: Any) -> ValidationReport:
    year = kw["year"]
    status = kw["status"]
    is_agg = _aggregate_mask(df, kw["aggregates"], out)
    aggregates = df[is_agg]
    if is_agg.any():
        df = df[~is_agg]
        status = None if status is None else status[~is_agg]
    ids, yrs = _split(df, year)
    if kw["years"] is not None and yrs is not None:
        keep = np.isin(yrs, np.asarray(list(kw["years"]), dtype=float))
        df, ids, yrs = df[keep], ids[keep], yrs[keep]
        status = None if status is None else status[keep]
        if len(aggregates):
            _, ayrs = _split(aggregates, year)
            if ayrs is not None:  # aggregate rows without years are kept for every year
                aggregates = aggregates[np.isin(ayrs, np.asarray(list(kw["years"]), dtype=float))]
    kw["status"] = status
    year_list = tuple(int(y) for y in np.unique(yrs[np.isfinite(yrs)])) if yrs is not None else ()

    spec_list, value_cols = _resolve(df, specs, kw["columns"], out)
    data = _Data(
        ids=ids,
        yrs=yrs,
        counts=pd.DataFrame(index=pd.RangeIndex(len(df))),
        specs=spec_list,
        value_columns=value_cols,
    )

    _rule_ids(data, out)
    _rule_names(df, data, out, year)
    _rule_numbers(df, data, out, kw)
    _rule_status(df, data, out, kw)
    _compute_values(data, kw)
    _rule_plausibility(data, out, kw)
    _rule_totals(df, data, out, kw)
    _rule_aggregates(df, aggregates, data, out, kw)
    _rule_geometry(df, data, kw["geometry"], out)
    _rule_hierarchy(df, data, kw["hierarchy"], out, year, kw["na_values"], kw["shares"])
    _rule_small_numbers(data, out, kw)
    _rule_jumps(data, out, kw)
    indicator_table = _rule_distribution(data, out, kw)
    tables = _rule_structure(data, out, kw)
    stability = _rule_stability(data, out, kw)
    external = _rule_external(df, data, kw["criterion"], out, kw)
    n_areas = len(pd.unique(ids[~pd.isna(ids)]))
    _cover_columns(df, data, out, kw)
    _nothing_checked(df, data, out, n_areas)
    return ValidationReport(
        findings=out.frame(),
        indicators=indicator_table,
        stability=stability,
        external=external,
        n_areas=n_areas,
        years=year_list,
        coverage=out.coverage_frame(),
        n_aggregate_rows=len(aggregates),
        **tables,
    )


# --------------------------------------------------------------------------- rules


def _rule_ids(data: _Data, out: _Collector) -> None:
    ids, yrs = data.ids, data.yrs
    miss = pd.isna(ids)
    if miss.any():
        out.add(
            "missing_id",
            "error",
            "Zeile ohne Gebietsschlüssel.",
            en="row without an area id.",
            year=data.year_of(miss),
            value=np.flatnonzero(miss).astype(float),
        )
    key = pd.DataFrame({"id": ids, "year": yrs if yrs is not None else 0})
    dup = key.duplicated(keep=False).to_numpy() & ~miss
    data.usable = ~miss & ~key.duplicated(keep="first").to_numpy()
    if dup.any():
        counts = key[dup].value_counts(sort=False)
        areas = [k[0] for k in counts.index]
        years = [k[1] if yrs is not None else None for k in counts.index]
        msgs = [
            f"Gebietsschlüssel {a!s} kommt {n}-mal vor"
            + (f" (Jahr {int(y)})" if y is not None and np.isfinite(y) else "")
            + "."
            for a, y, n in zip(areas, years, counts.to_numpy(), strict=True)
        ]
        msgs_en = [
            f"area id {a!s} occurs {n} times"
            + (f" (year {int(y)})" if y is not None and np.isfinite(y) else "")
            + "."
            for a, y, n in zip(areas, years, counts.to_numpy(), strict=True)
        ]
        out.add(
            "duplicate_id",
            "error",
            msgs,
            en=msgs_en,
            area=areas,
            year=years,
            value=counts.to_numpy().astype(float),
        )


def _rule_count_columns(rule: Any) -> tuple[str, ...]:
    """Return the count columns a rule reads (not the parent-id column of MatchesTotals)."""
    if isinstance(rule, MatchesTotals):
        return rule.columns if rule.by is None else rule.columns[1:]
    return rule.columns


#: German labels of the DIN 55301 statuses of :func:`sozplan.io.read_statistik` (no number).
_STATUS_DE = {
    "suppressed": "geheimgehalten (.)",
    "unreliable": "nicht sicher genug (/)",
    "not_applicable": "nicht sinnvoll (x)",
    "pending": "noch nicht verfügbar (...)",
    "missing": "leer",
    "invalid": "nicht lesbar",
}
#: Statuses that keep a number but qualify it.
_FLAGS_DE = {
    "limited": "Aussagewert eingeschränkt ((…))",
    "provisional": "vorläufig (p)",
    "revised": "berichtigt (r)",
    "estimated": "geschätzt (s)",
}
#: English labels of the statuses (same keys as :data:`_STATUS_DE` and :data:`_FLAGS_DE`).
_STATUS_EN = {
    "suppressed": "secret (.)",
    "unreliable": "not reliable enough (/)",
    "not_applicable": "not applicable (x)",
    "pending": "not yet available (...)",
    "missing": "empty",
    "invalid": "not readable",
    "limited": "limited value ((…))",
    "provisional": "provisional (p)",
    "revised": "revised (r)",
    "estimated": "estimated (s)",
}
#: The basis of the distribution checks in English.
_BASIS_EN = {"ausreichende Fallzahl": "enough cases", "alle Werte": "all values"}


def _suggestion_en(text: str) -> str:
    """Return the treatment suggested by :func:`_suggest` in English."""
    m = re.match(r"winsorisieren \((\d+) Werte? (oben|unten)\)", text)
    if m:
        n = int(m.group(1))
        side = "top" if m.group(2) == "oben" else "bottom"
        return f"winsorise ({n} value{'s' if n > 1 else ''} at the {side})"
    return {
        "Log-Transformation ln(x - min + 1)": "log transform ln(x - min + 1)",
        "Spiegeln und Log-Transformation ln(max - x + 1)": "reflect and log transform "
        "ln(max - x + 1)",
        "keine Behandlung nötig": "no treatment needed",
        "weglassen": "leave out",
    }.get(text, text)


#: What a column holds, in German and English (the ``what`` of the cell findings).
_WHAT_EN = {"Kennzahl": "indicator", "Fallzahl": "count", "Wert": "value"}


def _status_codes(kw: dict, col: str, n: int) -> np.ndarray | None:
    st = kw.get("status")
    if st is None or col not in st.columns or len(st) != n:
        return None
    return st[col].astype("string").to_numpy(dtype=object, na_value=None)


def _missing_cells(
    data: _Data,
    out: _Collector,
    col: str,
    vals: np.ndarray,
    unreadable: np.ndarray,
    codes: np.ndarray | None,
    what: str,
) -> None:
    """Report missing cells of one column: ``unreadable_value`` or ``suppressed_value``."""
    if codes is not None:
        unreadable = unreadable | (codes == "invalid")
    miss = (np.isnan(vals) | unreadable) & data.usable
    if not miss.any():
        return
    if miss.all() and len(miss) > 1 and not unreadable.any():
        out.add(
            "suppressed_value",
            "warning",
            f"Spalte {col!r} enthält keinen einzigen Wert ({int(miss.sum())} Zeilen fehlen "
            "oder sind geheimgehalten).",
            en=f"column {col!r} holds no value at all ({int(miss.sum())} rows missing or secret).",
            indicator=col,
            value=float(miss.sum()),
        )
        return
    bad = miss & unreadable
    if bad.any():
        out.at(
            data,
            bad,
            "unreadable_value",
            "warning",
            f"{what} {col!r}: Zelle nicht lesbar (Text), als fehlend behandelt.",
            en=f"{_WHAT_EN[what]} {col!r}: cell not readable (text), treated as missing.",
            indicator=col,
        )
    gone = miss & ~unreadable
    if gone.any():
        msgs: Any = f"{what} {col!r} fehlt oder ist geheimgehalten."
        msgs_en: Any = f"{_WHAT_EN[what]} {col!r} is missing or secret."
        if codes is not None:
            msgs = [
                f"{what} {col!r} fehlt: {_STATUS_DE[c]}." if c in _STATUS_DE else msgs
                for c in codes[gone]
            ]
            msgs_en = [
                f"{_WHAT_EN[what]} {col!r} is missing: {_STATUS_EN[c]}."
                if c in _STATUS_DE
                else msgs_en
                for c in codes[gone]
            ]
        out.at(data, gone, "suppressed_value", "warning", msgs, en=msgs_en, indicator=col)


def _rule_numbers(df: pd.DataFrame, data: _Data, out: _Collector, kw: dict) -> None:
    needed = list(dict.fromkeys(c for s in data.specs for c in s.columns))
    for rule in kw["rules"]:
        needed += [c for c in _rule_count_columns(rule) if c in df.columns and c not in needed]
    pop = kw["population"]
    if pop is not None and pop in df.columns and pop not in needed:
        needed.append(pop)
    counts = {}
    for col in [*needed, *data.value_columns]:
        vals, unreadable = _to_number(df[col], kw["na_values"])
        counts[col] = vals
        what = "Kennzahl" if col in data.value_columns else "Fallzahl"
        _missing_cells(data, out, col, vals, unreadable, _status_codes(kw, col, len(df)), what)
        if col not in data.value_columns:
            neg = vals < 0
            if neg.any():
                out.at(
                    data,
                    neg,
                    "negative_count",
                    "error",
                    [f"Fallzahl {col!r} ist negativ ({_fmt(v)})." for v in vals[neg]],
                    en=[f"count {col!r} is negative ({_fmt_en(v)})." for v in vals[neg]],
                    indicator=col,
                    value=vals[neg],
                )
    data.counts = pd.DataFrame(counts, index=pd.RangeIndex(len(df)))
    if pop is not None:
        if pop in df.columns:
            out.cover("population", pop, True)
        else:
            out.cover(
                "population",
                pop,
                False,
                f"Spalte {pop!r} fehlt; kleine Fallzahlen nur über die Nenner geprüft",
                f"column {pop!r} is missing; small numbers judged by denominators only",
            )


def _rule_status(df: pd.DataFrame, data: _Data, out: _Collector, kw: dict) -> None:
    """Statuses of read cells (secret, unreliable, unreadable, flagged) become findings."""
    st = kw.get("status")
    if st is None:
        return
    examined = set(data.counts.columns)
    cols = [c for c in st.columns if c in df.columns]
    if not cols:
        return
    for col in cols:
        codes = _status_codes(kw, col, len(df))
        if codes is None:
            continue
        if col not in examined:
            vals, unreadable = _to_number(df[col], kw["na_values"])
            _missing_cells(data, out, col, vals, unreadable, codes, "Wert")
        for code, label in _FLAGS_DE.items():
            flagged = (codes == code) & data.usable
            if flagged.any():
                out.at(
                    data,
                    flagged,
                    "flagged_value",
                    "info",
                    f"Wert {col!r}: {label}.",
                    en=f"value {col!r}: {_STATUS_EN[code]}.",
                    indicator=col,
                )
    codes_all = pd.Series(
        np.concatenate(
            [np.asarray(_status_codes(kw, c, len(df)), dtype=object)[data.usable] for c in cols]
        )
        if cols
        else np.array([], dtype=object)
    )
    tally = codes_all.value_counts()
    de = {**_STATUS_DE, **_FLAGS_DE}
    en = _STATUS_EN
    shown = [c for c in de if c in tally.index]
    out.cover(
        "status",
        "-",
        True,
        f"Zellstatus nach DIN 55301 in {len(cols)} Spalten: "
        + (", ".join(f"{tally[c]} {de[c]}" for c in shown) if shown else "alle Zellen mit Zahl"),
        f"cell status after DIN 55301 in {len(cols)} columns: "
        + (", ".join(f"{tally[c]} {en[c]}" for c in shown) if shown else "every cell a number"),
    )


#: Column recognised as the aggregate-row flag when ``aggregates`` is not given.
_AGGREGATE_FLAG = "is_aggregate"


def _aggregate_mask(df: pd.DataFrame, aggregates: Any, out: _Collector) -> np.ndarray:
    """Rows that are published aggregates (district or city totals), not areas."""
    if aggregates is None:
        if _AGGREGATE_FLAG not in df.columns:
            return np.zeros(len(df), dtype=bool)
        aggregates = _AGGREGATE_FLAG
    if isinstance(aggregates, str) and aggregates in df.columns:
        flag = df[aggregates]
        if not (pd.api.types.is_bool_dtype(flag) or set(flag.dropna().unique()) <= {0, 1}):
            raise fail(
                "validate",
                f"the aggregate-row column {aggregates!r} holds {flag.dropna().unique()[:3]!r}",
                "give a column of True/False (True = a district or city row, not an area)",
            )
        return flag.fillna(False).astype(bool).to_numpy()
    if isinstance(aggregates, str) or not isinstance(aggregates, (list, tuple, set, pd.Index)):
        raise fail(
            "validate",
            f"`aggregates` is {aggregates!r}, neither a column of `df` nor a list of ids",
            "name the True/False column that marks aggregate rows, or list their ids",
        )
    ids = df.index.get_level_values(0) if isinstance(df.index, pd.MultiIndex) else df.index
    wanted = {str(a) for a in aggregates}
    mask = np.array([str(i) in wanted for i in ids], dtype=bool)
    unknown = sorted(wanted - {str(i) for i in ids})
    if unknown:
        out.cover(
            "aggregate",
            ", ".join(unknown[:5]),
            False,
            "als Summenzeile angegeben, aber nicht in der Tabelle",
            "declared as aggregate rows but not in the table",
        )
    return mask


def _rule_aggregates(
    df: pd.DataFrame, aggregates: pd.DataFrame, data: _Data, out: _Collector, kw: dict
) -> None:
    """Compare aggregate rows of the table with the sums of the areas, never as areas."""
    if aggregates.empty:
        return
    year = kw["year"]
    aids, ayrs = _split(aggregates, year)
    skip = {year, kw["aggregates"] if isinstance(kw["aggregates"], str) else None, _AGGREGATE_FLAG}
    counts = [
        c
        for c in aggregates.columns
        if c not in skip
        and c in df.columns
        and c not in data.value_columns
        and not (kw["shares"] and c in kw["shares"])
    ]
    numeric = {}
    for c in counts:
        if not _count_like(df[c]):
            continue
        vals, _ = _to_number(aggregates[c], kw["na_values"])
        if not np.isfinite(vals).any():
            continue
        if c not in data.counts.columns:
            # only counts add up: whole numbers >= 0 in areas and aggregate rows (no rates)
            area_vals = _to_number(df[c], kw["na_values"])[0]
            both = np.concatenate([vals, area_vals])
            both = both[np.isfinite(both)]
            if (both < 0).any() or not np.allclose(both, np.round(both)):
                continue
        numeric[c] = vals
    kw["_aggregate_columns"] = tuple(numeric)
    if data.yrs is not None and ayrs is None:
        ayrs = np.full(len(aggregates), np.nan)
    # which column of the areas holds each aggregate id?
    text_cols = [
        c
        for c in df.columns
        if c not in numeric and c != getattr(df, "_geometry_column_name", None)
    ]
    values = {c: {str(v) for v in pd.unique(df[c].dropna())} for c in text_cols}
    by_col: dict[str, str | None] = {}
    for a in pd.unique(aids):
        by_col[str(a)] = next((c for c, v in values.items() if str(a) in v), None)
    unplaced = sorted(a for a, c in by_col.items() if c is None)
    if unplaced:
        out.cover(
            "aggregate",
            ", ".join(unplaced[:10]),
            False,
            "Summenzeile(n) ohne Spalte der Gebiete mit diesem Schlüssel; nicht verglichen "
            "(Stadtsumme: MatchesTotals(level, None, ...))",
            "aggregate row(s) whose id no column of the areas holds; not compared (city "
            "total: MatchesTotals(level, None, ...))",
        )
    if not numeric:
        out.cover(
            "aggregate",
            "-",
            False,
            f"{len(aggregates)} Summenzeilen: keine Zählspalten zum Vergleich",
            f"{len(aggregates)} aggregate rows: no count columns to compare",
        )
        return
    extra = {c: v for c, v in numeric.items() if c not in data.counts.columns}
    if extra:
        full = {c: _to_number(df[c], kw["na_values"])[0] for c in extra}
        data.counts = data.counts.assign(**full)
    names = list(numeric)
    shown = ", ".join(names) if len(names) <= 5 else f"{', '.join(names[:4])}, … ({len(names)})"
    for col in sorted({c for c in by_col.values() if c is not None}):
        rows = np.array([by_col[str(a)] == col for a in aids], dtype=bool)
        ref = pd.DataFrame({c: v[rows] for c, v in numeric.items()})
        ref.index = pd.MultiIndex.from_arrays(
            [
                np.array([str(a) for a in aids[rows]], dtype=object),
                ayrs[rows]
                if data.yrs is not None and ayrs is not None
                else np.zeros(int(rows.sum())),
            ]
        )
        sub = ref.index.get_level_values(0)
        parents = np.array(
            [str(v) if str(v) in set(sub) else None for v in df[col].to_numpy(dtype=object)],
            dtype=object,
        )
        _compare_totals(data, out, parents, ref, f"{col!r} (Summenzeile)", 0.5)
        out.cover(
            "aggregate",
            "-",
            True,
            f"{int(rows.sum())} Summenzeilen über {col!r} mit den Summen der Gebiete "
            f"verglichen ({shown}); nicht als Gebiete gezählt",
            f"{int(rows.sum())} aggregate rows by {col!r} compared with the sums of the areas "
            f"({shown}); not counted as areas",
        )
    if extra:
        data.counts = data.counts.drop(columns=list(extra))


def _rule_names(df: pd.DataFrame, data: _Data, out: _Collector, year: str) -> None:
    """Report a name shared by areas with different ids (``duplicate_name``)."""
    n_ids = len(pd.unique(data.ids[data.usable]))
    if n_ids < 2:
        return
    for col in df.columns:
        if col == year or col == getattr(df, "_geometry_column_name", None):
            continue
        raw = df[col]
        if not (pd.api.types.is_object_dtype(raw) or pd.api.types.is_string_dtype(raw)):
            continue
        text = raw.astype("string").str.strip()
        if pd.to_numeric(text, errors="coerce").notna().mean() > 0.5:
            continue  # numbers written as text, not names
        pairs = pd.DataFrame({"id": data.ids, "name": text.to_numpy(dtype=object)})[data.usable]
        pairs = pairs.dropna().drop_duplicates()
        if pairs["id"].duplicated().any():
            continue  # a name that changes within an area: not a name column
        if pairs["name"].nunique() < 0.8 * n_ids:
            continue  # a parent's name or a category, repeated by design
        per_name = pairs.groupby("name", sort=True)["id"].agg(list)
        dup = per_name[per_name.map(len) > 1]
        out.cover("check", "-", True, f"Namen (Spalte {col!r})", f"names (column {col!r})")
        if dup.empty:
            continue
        out.add(
            "duplicate_name",
            "warning",
            [
                f"Name {n!r} ({col}) gehört zu {len(ids)} Gebieten: "
                f"{', '.join(map(str, ids[:5]))}{' …' if len(ids) > 5 else ''}."
                for n, ids in dup.items()
            ],
            en=[
                f"name {n!r} ({col}) belongs to {len(ids)} areas: "
                f"{', '.join(map(str, ids[:5]))}{' …' if len(ids) > 5 else ''}."
                for n, ids in dup.items()
            ],
            area=[str(ids[0]) for ids in dup],
            indicator=str(col),
            value=[float(len(ids)) for ids in dup],
        )


def _numeric_text(raw: pd.Series) -> bool:
    """Whether a text column mostly holds numbers (and is not a column of keys)."""
    if not (pd.api.types.is_object_dtype(raw) or pd.api.types.is_string_dtype(raw)):
        return False
    text = raw.astype("string").str.strip()
    digits = text.dropna()
    if len(digits) and digits.str.fullmatch(r"\d+").all() and digits.str.len().nunique() == 1:
        return False  # zero-padded keys of one length: ids, not counts
    return bool(pd.to_numeric(text, errors="coerce").notna().mean() > 0.5)


def _count_like(raw: pd.Series) -> bool:
    """Whether a column holds counts (a numeric dtype or numbers written as text)."""
    if pd.api.types.is_bool_dtype(raw):
        return False
    return bool(pd.api.types.is_numeric_dtype(raw) or _numeric_text(raw))


def _cover_columns(df: pd.DataFrame, data: _Data, out: _Collector, kw: dict) -> None:
    """List the indicators checked and the columns that no check read."""
    for s in data.specs:
        out.cover("indicator", s.key, True)
    for c in data.value_columns:
        out.cover("indicator", c, True)
    used = set(data.counts.columns) | set(data.value_columns)
    used |= {c for r in kw["rules"] for c in r.columns}
    st = kw.get("status")
    if st is not None:
        used |= set(st.columns)
    hier = kw["hierarchy"]
    if hier is not None:
        used |= {hier} if isinstance(hier, str) else set(hier)
    used |= {kw["year"], kw["criterion"] if isinstance(kw["criterion"], str) else None}
    used |= {getattr(df, "_geometry_column_name", None), _AGGREGATE_FLAG}
    used |= set(kw.get("_aggregate_columns", ()))
    rest = []
    for c in df.columns:
        if c in used:
            continue
        if _count_like(df[c]):
            rest.append(str(c))
    if rest:
        out.cover(
            "column",
            ", ".join(rest) if len(rest) <= 8 else f"{', '.join(rest[:8])}, …",
            False,
            f"{len(rest)} Zahlenspalte(n) von keiner Kennzahl, Regel und keinem Status gelesen",
            f"{len(rest)} numeric column(s) read by no indicator, rule or status",
        )


def _nothing_checked(df: pd.DataFrame, data: _Data, out: _Collector, n_areas: int) -> None:
    """Say so when a table had nothing that could be checked beyond its ids."""
    cov = out.coverage
    checked = [r for r in cov if r[3] and r[0] != "check"]
    if n_areas == 0:
        what, what_en = "Tabelle ohne Gebiete (keine Zeilen)", "table without areas (no rows)"
    elif not checked and data.counts.empty:
        what = "keine Kennzahl, keine Regel, kein Zellstatus und keine Zahlenspalte geprüft"
        what_en = "no indicator, rule, cell status or numeric column checked"
    else:
        return
    out.add(
        "nothing_checked",
        "warning",
        f"Nichts geprüft: {what}.",
        en=f"Nothing checked: {what_en}.",
        value=float(n_areas),
    )
    out.cover("check", "-", False, what, what_en)


def _compute_values(data: _Data, kw: dict) -> None:
    c = data.counts
    pop = kw["population"]
    pop_vals = c[pop].to_numpy() if pop is not None and pop in c.columns else None
    values, reliable = {}, {}
    for s in data.specs:
        _num, den, val = evaluate(c, s)
        values[s.key] = val
        ok = np.isfinite(val)
        if s.kind != "ratio":
            ok &= den >= kw["min_denominator"]
        if pop_vals is not None:
            ok &= pop_vals >= kw["min_population"]
        reliable[s.key] = ok
        data.directions[s.key] = s.direction
        data.labels[s.key] = s.label_de
        data.labels_en[s.key] = s.label_en
    for col in data.value_columns:
        values[col] = c[col].to_numpy()
        reliable[col] = np.isfinite(c[col].to_numpy())
        if pop_vals is not None:
            reliable[col] &= pop_vals >= kw["min_population"]
        data.directions.setdefault(col, 1)
        data.labels.setdefault(col, col)
    data.values = pd.DataFrame(values, index=c.index)
    data.reliable = pd.DataFrame(reliable, index=c.index)


def _above(
    data: _Data,
    out: _Collector,
    num: np.ndarray,
    den: np.ndarray,
    message: Any,
    indicator: str,
) -> None:
    """Report ``numerator_above_denominator`` where ``num > den``.

    ``message(a, b, en)`` gives the message in German (``en=False``) or English.
    """
    bad = num > den
    if bad.any():
        pairs = list(zip(num[bad], den[bad], strict=True))
        out.at(
            data,
            bad,
            "numerator_above_denominator",
            "error",
            [message(a, b, False) for a, b in pairs],
            en=[message(a, b, True) for a, b in pairs],
            indicator=indicator,
            value=num[bad] - den[bad],
        )


def _rule_plausibility(data: _Data, out: _Collector, kw: dict) -> None:
    c = data.counts
    covered = set()
    for s in data.specs:
        if s.kind != "share":
            continue
        num, den, _ = evaluate(c, s)
        covered.add((s.numerator_columns, s.denominator_columns))
        _above(
            data,
            out,
            num,
            den,
            lambda a, b, en, s=s: (
                f"{s.label_en}: numerator {_fmt_en(a)} ({'+'.join(s.numerator)}) larger than "
                f"denominator {_fmt_en(b)} ({'+'.join(s.denominator)})."
                if en
                else f"{s.label_de}: Zähler {_fmt(a)} ({'+'.join(s.numerator)}) größer als "
                f"Nenner {_fmt(b)} ({'+'.join(s.denominator)})."
            ),
            s.key,
        )
    rules = kw["rules"]
    if not rules:
        out.cover(
            "rule",
            "-",
            False,
            "keine Teil- und Summenregeln angegeben (rules=)",
            "no part-of-whole or sum rules given (rules=)",
        )
    for rule in rules:
        if isinstance(rule, MatchesTotals):
            continue  # compared in _rule_totals
        missing = [col for col in rule.columns if col not in c.columns]
        if missing:
            out.cover(
                "rule",
                rule,
                False,
                f"Spalte(n) {', '.join(missing)} fehlen",
                f"column(s) {', '.join(missing)} missing",
            )
            continue
        out.cover("rule", rule, True)
        if isinstance(rule, PartOfWhole):
            part, whole = rule.part, rule.whole
            if ((part,), (whole,)) in covered:
                continue  # reported by the share of the catalogue
            _above(
                data,
                out,
                c[part].to_numpy(),
                c[whole].to_numpy(),
                lambda x, y, en, p=part, w=whole: (
                    f"{p!r} ({_fmt_en(x)}) larger than {w!r} ({_fmt_en(y)})."
                    if en
                    else f"{p!r} ({_fmt(x)}) größer als {w!r} ({_fmt(y)})."
                ),
                f"{part}<={whole}",
            )
        else:
            parts, total = list(rule.parts), rule.whole
            diff = c[parts].to_numpy().sum(axis=1) - c[total].to_numpy()
            bad = np.abs(diff) > max(rule.tolerance, 0.5)
            if bad.any():
                out.at(
                    data,
                    bad,
                    "parts_not_total",
                    "warning",
                    [
                        f"Summe von {', '.join(parts)} weicht um {_fmt(d)} von {total!r} ab."
                        for d in diff[bad]
                    ],
                    en=[
                        f"sum of {', '.join(parts)} differs from {total!r} by {_fmt_en(d)}."
                        for d in diff[bad]
                    ],
                    indicator=total,
                    value=diff[bad],
                )
    for col in kw["shares"] or []:
        if col not in data.counts.columns:
            if col not in data.value_columns:
                out.add(
                    "missing_column",
                    "error",
                    f"Spalte {col!r} fehlt.",
                    en=f"column {col!r} is missing.",
                    indicator=str(col),
                )
            continue
        v = data.counts[col].to_numpy()
        bad = (v < 0) | (v > 100)
        if bad.any():
            out.at(
                data,
                bad,
                "share_out_of_range",
                "error",
                [f"Anteil {col!r} = {_fmt(x)} % liegt außerhalb von 0 bis 100." for x in v[bad]],
                en=[f"share {col!r} = {_fmt_en(x)} % is outside 0 to 100." for x in v[bad]],
                indicator=col,
                value=v[bad],
            )


def _rule_geometry(df: pd.DataFrame, data: _Data, geometry: Any, out: _Collector) -> None:
    geom: Any  # a GeoSeries, or whatever the caller passed as `geometry`
    own = geometry is None
    if own:
        try:
            has_geometry = hasattr(df, "geometry") and (
                "geometry" in getattr(df, "columns", [])
                or getattr(df, "_geometry_column_name", None) in df.columns
            )
            geom = df.geometry if has_geometry else None
        except Exception:
            geom = None
        if geom is None:
            out.cover(
                "check",
                "-",
                False,
                "keine Geometrie (weder GeoDataFrame noch geometry=)",
                "no geometry (neither a GeoDataFrame nor geometry=)",
            )
            return
        gids, gyears = data.ids, data.yrs
    else:
        try:  # GeoDataFrame -> its active geometry; a GeoSeries is its own .geometry
            geom = geometry.geometry
        except Exception:
            geom = None
        if not (hasattr(geom, "is_empty") and hasattr(geom, "index") and geom.ndim == 1):
            out.add(
                "missing_geometry",
                "error",
                "`geometry` ist keine Geometrie (GeoSeries/GeoDataFrame); Prüfung übersprungen.",
                en="`geometry` is no geometry (GeoSeries/GeoDataFrame); check skipped.",
            )
            return
        gids, gyears = np.asarray(geom.index, dtype=object), None
    out.cover("check", "-", True, "Geometrie", "geometry")
    missing = (geom.isna() | geom.is_empty).to_numpy()
    if missing.any():
        out.add(
            "missing_geometry",
            "error",
            "Gebiet ohne Geometrie (leer oder fehlend).",
            en="area without geometry (empty or missing).",
            area=gids[missing],
            year=None if gyears is None else gyears[missing],
        )
    present = ~missing
    invalid = np.zeros(len(geom), dtype=bool)
    invalid[present] = ~geom[present].is_valid.to_numpy()
    if invalid.any():
        out.add(
            "invalid_geometry",
            "warning",
            "Geometrie ist ungültig (z. B. Selbstüberschneidung); mit make_valid reparieren.",
            en="geometry is invalid (e.g. self-intersection); repair it with make_valid.",
            area=gids[invalid],
            year=None if gyears is None else gyears[invalid],
        )
    if not own:
        gidx = pd.Index(gids)
        dupg = gidx[gidx.duplicated()].unique()
        if len(dupg):
            out.add(
                "duplicate_id",
                "error",
                "Gebietsschlüssel kommt in `geometry` mehrfach vor.",
                en="area id occurs more than once in `geometry`.",
                area=np.asarray(dupg, dtype=object),
            )
        data_ids = pd.Index(pd.unique(data.ids[~pd.isna(data.ids)]))
        only_data = data_ids.difference(gidx)
        only_geom = gidx.difference(data_ids)
        if len(only_data):
            out.add(
                "missing_geometry",
                "error",
                "Gebiet hat Daten, aber keine Geometrie in `geometry`.",
                en="area has data but no geometry in `geometry`.",
                area=np.asarray(only_data, dtype=object),
            )
        if len(only_geom):
            out.add(
                "geometry_without_data",
                "warning",
                "Geometrie ohne Datenzeile.",
                en="geometry without a data row.",
                area=np.asarray(only_geom, dtype=object),
            )


def _rule_hierarchy(
    df: pd.DataFrame,
    data: _Data,
    hierarchy: Any,
    out: _Collector,
    year: str,
    kw_na: Sequence[float] = (),
    kw_shares: Sequence[str] | None = None,
) -> None:
    if hierarchy is None:
        out.cover(
            "check",
            "-",
            False,
            "keine Hierarchie angegeben (hierarchy=)",
            "no hierarchy given (hierarchy=)",
        )
        return
    out.cover(
        "check",
        ", ".join(map(str, [hierarchy] if isinstance(hierarchy, str) else list(hierarchy))),
        True,
        "Hierarchie",
        "hierarchy",
    )
    totals: Mapping
    if isinstance(hierarchy, str):
        levels, totals = [hierarchy], {}
    elif isinstance(hierarchy, Mapping):
        levels, totals = list(hierarchy), hierarchy
    else:
        levels, totals = list(hierarchy), {}
    missing_cols = [c for c in levels if c not in df.columns]
    for c in missing_cols:
        out.add(
            "missing_column",
            "error",
            f"Hierarchiespalte {c!r} fehlt.",
            en=f"hierarchy column {c!r} is missing.",
            indicator=str(c),
        )
    levels = [c for c in levels if c in df.columns]
    _hierarchy_nesting(df, data, out, levels)
    for parent, table in totals.items():
        if parent in df.columns:  # a missing column was reported above
            _hierarchy_totals(df, data, out, year, kw_na, kw_shares, levels, parent, table)


def _hierarchy_nesting(df: pd.DataFrame, data: _Data, out: _Collector, levels: list) -> None:
    """Every area has one parent per level and year."""
    yrs = data.yrs if data.yrs is not None else np.zeros(len(df))
    chain = [None, *levels]
    for child, parent in itertools.pairwise(chain):
        pv = df[parent].to_numpy(dtype=object)
        none = pd.isna(pv) & data.usable
        if none.any():
            out.at(
                data,
                none,
                "hierarchy_nesting",
                "error",
                f"Gebiet ohne übergeordnetes Gebiet ({parent!r} fehlt).",
                en=f"area without a parent area ({parent!r} is missing).",
                indicator=str(parent),
            )
        cv = data.ids if child is None else df[child].to_numpy(dtype=object)
        frame = pd.DataFrame({"c": cv, "p": pv, "y": yrs})[
            data.usable & ~pd.isna(pv) & ~pd.isna(cv)
        ]
        n_par = frame.groupby(["c", "y"], sort=False)["p"].nunique()
        bad = n_par[n_par > 1]
        if len(bad):
            out.add(
                "hierarchy_nesting",
                "error",
                [
                    f"Gebiet liegt in {n} verschiedenen {parent!r}-Gebieten."
                    for n in bad.to_numpy()
                ],
                en=[f"area lies in {n} different {parent!r} areas." for n in bad.to_numpy()],
                area=[k[0] for k in bad.index],
                year=[k[1] if data.yrs is not None else None for k in bad.index],
                indicator=str(parent),
                value=bad.to_numpy().astype(float),
            )


def _hierarchy_totals(
    df: pd.DataFrame,
    data: _Data,
    out: _Collector,
    year: str,
    kw_na: Sequence[float],
    kw_shares: Sequence[str] | None,
    levels: list,
    parent: Any,
    table: Any,
) -> None:
    """Check that the areas' counts add up to the parent table's counts."""
    if not isinstance(table, pd.DataFrame):
        out.add(
            "hierarchy_total",
            "warning",
            f"Summenprüfung für {parent!r} übersprungen: die übergeordnete Tabelle ist ein "
            f"{type(table).__name__}, kein DataFrame.",
            en=f"sum check of {parent!r} skipped: the parent table is a "
            f"{type(table).__name__}, not a DataFrame.",
            indicator=str(parent),
        )
        return
    skip = {year, *levels, *data.value_columns, *(kw_shares or [])}
    common = [
        c
        for c in table.columns
        if c in df.columns
        and c not in skip
        and pd.api.types.is_numeric_dtype(table[c])
        and not pd.api.types.is_bool_dtype(table[c])
    ]
    if not common:
        out.cover(
            "check",
            f"{parent}: Summen",
            False,
            "keine gemeinsame Zahlenspalte mit der übergeordneten Tabelle",
            "no numeric column shared with the parent table",
        )
        return
    extra = [c for c in common if c not in data.counts.columns]
    if extra:
        data.counts = data.counts.assign(**{c: _to_number(df[c], kw_na)[0] for c in extra})
    ptab, pyrs = _split(table, year)
    ref = table[common].apply(pd.to_numeric, errors="coerce")
    ref.index = pd.MultiIndex.from_arrays(
        [
            np.array([None if pd.isna(x) else str(x) for x in ptab], dtype=object),
            pyrs if (pyrs is not None and data.yrs is not None) else np.zeros(len(table)),
        ]
    )
    _compare_totals(data, out, df[parent].to_numpy(dtype=object), ref, repr(parent), 0.5)
    if extra:
        data.counts = data.counts.drop(columns=extra)


def _compare_totals(
    data: _Data,
    out: _Collector,
    parents: np.ndarray,
    ref: pd.DataFrame,
    level: str,
    tolerance: float,
) -> None:
    """Compare the sums of the areas per (parent, year) with ``ref`` (index: id, year)."""
    yrs = data.yrs if data.yrs is not None else np.zeros(len(parents))
    common = list(ref.columns)
    child = data.counts[common].copy()
    child["_p"] = np.array([None if pd.isna(x) else str(x) for x in parents], dtype=object)
    child["_y"] = yrs
    child = child[data.usable & ~pd.isna(child["_p"]).to_numpy()]
    sums = child.groupby(["_p", "_y"], sort=False)[common].sum(min_count=1)
    ref = ref[~ref.index.duplicated()]
    sums.index = sums.index.set_names(ref.index.names)
    joined = sums.add_suffix("_sum").join(ref.add_suffix("_ref"), how="outer")
    for col in common:
        s, r = joined[f"{col}_sum"].to_numpy(), joined[f"{col}_ref"].to_numpy()
        bad = ~np.isclose(s, r, rtol=0, atol=max(tolerance, 0.5)) & ~(np.isnan(s) & np.isnan(r))
        if bad.any():
            keys = joined.index[bad]
            out.add(
                "hierarchy_total",
                "error",
                [
                    f"Summe der Teilgebiete für {col!r} = {_fmt(a)}, Wert des Gebiets "
                    f"{level} = {_fmt(b)}."
                    for a, b in zip(s[bad], r[bad], strict=True)
                ],
                en=[
                    f"sum of the areas for {col!r} = {_fmt_en(a)}, value of the area "
                    f"{level} = {_fmt_en(b)}."
                    for a, b in zip(s[bad], r[bad], strict=True)
                ],
                area=[k[0] for k in keys],
                year=[k[1] if data.yrs is not None else None for k in keys],
                indicator=col,
                value=s[bad] - r[bad],
            )


def _rule_totals(df: pd.DataFrame, data: _Data, out: _Collector, kw: dict) -> None:
    """Run the MatchesTotals rules: sums of the areas per parent equal published rows."""
    for rule in kw["rules"]:
        if isinstance(rule, MatchesTotals):
            _match_totals(df, data, out, rule)


def _match_totals(df: pd.DataFrame, data: _Data, out: _Collector, rule: MatchesTotals) -> None:
    name = rule
    missing = [c for c in rule.columns if c not in df.columns]
    if rule.by is not None and rule.by in missing:
        out.cover(
            "rule",
            name,
            False,
            f"Spalte {rule.by!r} mit dem übergeordneten Schlüssel fehlt",
            f"the parent-id column {rule.by!r} is missing",
        )
        return
    counts = [c for c in _rule_count_columns(rule) if c in data.counts.columns]
    if not counts:
        out.cover(
            "rule",
            name,
            False,
            f"keine der Spalten {', '.join(missing)} ist vorhanden",
            f"none of the columns {', '.join(missing)} is present",
        )
        return
    frame = rule.frame()[counts]
    if rule.has_years != (data.yrs is not None):
        years_present = (
            np.unique(data.yrs[np.isfinite(data.yrs)]) if data.yrs is not None else np.array([])
        )
        single = len(years_present) == 1
        if not (single and not rule.has_years):
            out.cover(
                "rule",
                name,
                False,
                "Summen mit Jahr, Tabelle ohne Jahr (oder umgekehrt)",
                "totals with years but a table without (or the reverse)",
            )
            return
        frame.index = pd.MultiIndex.from_arrays(
            [frame.index, np.full(len(frame), float(years_present[0]))]
        )
    elif not rule.has_years:
        frame.index = pd.MultiIndex.from_arrays([frame.index, np.zeros(len(frame))])
    else:
        frame.index = frame.index.set_levels(frame.index.levels[1].astype(float), level=1)
    if rule.by is None:
        ids = frame.index.get_level_values(0).unique()
        if len(ids) != 1:
            out.cover(
                "rule",
                name,
                False,
                f"ohne `by` ist genau eine Summenzeile je Jahr nötig, nicht {len(ids)}",
                f"without `by` one total row per year is needed, not {len(ids)}",
            )
            return
        parents = np.full(len(df), ids[0], dtype=object)
    else:
        parents = df[rule.by].to_numpy(dtype=object)
    _compare_totals(data, out, parents, frame, rule.level, 0.5)
    note = f"nicht verglichen: {', '.join(missing)} fehlen" if missing else ""
    note_en = f"not compared: {', '.join(missing)} missing" if missing else ""
    out.cover("rule", name, True, note, note_en)


def _rule_small_numbers(data: _Data, out: _Collector, kw: dict) -> None:
    if not data.specs:
        return
    c = data.counts
    pop = kw["population"]
    n = len(c)
    small_pop = np.zeros(n, dtype=bool)
    if pop is not None and pop in c.columns:
        small_pop = c[pop].to_numpy() < kw["min_population"]
    small_den = np.zeros((n, len(data.specs)), dtype=bool)
    width = np.full((n, len(data.specs)), np.nan)
    for j, s in enumerate(data.specs):
        if s.kind == "ratio":
            continue
        num, den, _ = evaluate(c, s)
        small_den[:, j] = (den < kw["min_denominator"]) & np.isfinite(den)
        flagged = small_pop | small_den[:, j]
        if flagged.any():
            sub = c[flagged]
            lo, hi = _intervals(
                sub,
                s,
                np.clip(num[flagged], 0, None) if s.kind != "balance" else num[flagged],
                den[flagged],
                "wilson",
                kw["alpha"],
            )
            width[flagged, j] = hi - lo
    flag = (small_pop | small_den.any(axis=1)) & data.usable
    if not flag.any():
        return
    keys = np.array([s.key for s in data.specs], dtype=object)
    w = width[flag]
    has_w = np.isfinite(w).any(axis=1)
    jmax = np.where(has_w, np.nanargmax(np.where(np.isfinite(w), w, -np.inf), axis=1), 0)
    wmax = np.where(has_w, w[np.arange(len(w)), jmax], np.nan)
    n_small = small_den[flag].sum(axis=1)
    popv = (
        c[pop].to_numpy()[flag]
        if pop is not None and pop in c.columns
        else np.full(flag.sum(), np.nan)
    )
    level = round((1 - kw["alpha"]) * 100)
    msgs, msgs_en = [], []
    for p, ns, k, wm, sp in zip(popv, n_small, keys[jmax], wmax, small_pop[flag], strict=True):
        part = (
            f"{_fmt(p)} Einwohner (< {_fmt(kw['min_population'])})"
            if sp
            else f"{ns} Kennzahl(en) mit Nenner < {_fmt(kw['min_denominator'])}"
        )
        widest = (
            f"; breitestes {level}-%-Intervall: {k} {_fmt(wm)} Punkte" if np.isfinite(wm) else ""
        )
        msgs.append(f"Kleine Fallzahl: {part}{widest}.")
        part_en = (
            f"{_fmt_en(p)} residents (< {_fmt_en(kw['min_population'])})"
            if sp
            else f"{ns} indicator(s) with a denominator < {_fmt_en(kw['min_denominator'])}"
        )
        widest_en = (
            f"; widest {level} % interval: {k} {_fmt_en(wm)} points" if np.isfinite(wm) else ""
        )
        msgs_en.append(f"Small numbers: {part_en}{widest_en}.")
    out.at(
        data,
        flag,
        "small_numbers",
        "warning",
        msgs,
        en=msgs_en,
        indicator=np.where(has_w, keys[jmax], np.array(None, dtype=object)),
        value=wmax,
    )


def _wide(data: _Data, frame: pd.DataFrame) -> dict[float, pd.DataFrame]:
    """Per year: the usable rows of ``frame`` indexed by area id."""
    yrs = data.yrs if data.yrs is not None else np.zeros(len(frame))
    res = {}
    for y in np.unique(yrs[np.isfinite(yrs)]):
        m = (yrs == y) & data.usable
        part = frame[m].copy()
        part.index = pd.Index(data.ids[m])
        res[y] = part
    return res


def _rule_jumps(data: _Data, out: _Collector, kw: dict) -> None:
    if data.yrs is None or data.values.empty:
        return
    vals = _wide(data, data.values.where(data.reliable))
    ys = sorted(vals)
    pop = kw["population"]
    popw = (
        _wide(data, data.counts[[pop]]) if pop is not None and pop in data.counts.columns else None
    )
    for y0, y1 in itertools.pairwise(ys):
        a, b = vals[y0], vals[y1]
        common = a.index.intersection(b.index)
        for col in a.columns:
            before, after = a.loc[common, col].to_numpy(), b.loc[common, col].to_numpy()
            _jump_findings(
                out,
                common,
                before,
                after,
                after - before,
                (y0, y1),
                col,
                (data.label(col), data.label(col, en=True)),
                kw["jump_threshold"],
            )
        if popw is not None:
            p0, p1 = popw[y0][pop], popw[y1][pop]
            common = p0.index.intersection(p1.index)
            p0, p1 = p0.loc[common].to_numpy(), p1.loc[common].to_numpy()
            with np.errstate(invalid="ignore", divide="ignore"):
                rel = np.where(p0 >= kw["min_population"], (p1 - p0) / p0, np.nan)
            _jump_findings(
                out,
                common,
                p0,
                p1,
                rel,
                (y0, y1),
                pop,
                ("Einwohnerzahl", "residents"),
                kw["jump_threshold"],
                scale=100,
            )


def _jump_findings(
    out: _Collector,
    areas: pd.Index,
    before: np.ndarray,
    after: np.ndarray,
    change: np.ndarray,
    years: tuple[float, float],
    indicator: str,
    label: tuple[str, str],
    threshold: float,
    scale: float = 1.0,
) -> None:
    """Flag changes whose modified z-score exceeds ``threshold`` (at least 10 changes).

    ``label`` is the German and the English name of what changed.
    """
    ok = np.isfinite(change)
    if ok.sum() < 10:
        return
    z = np.full(len(change), np.nan)
    z[ok] = _robust_z(change[ok])
    bad = np.abs(z) > threshold
    if not bad.any():
        return
    y0, y1 = (int(y) for y in years)
    out.add(
        "jump",
        "warning",
        [
            f"{label[0]}: Sprung von {_fmt(p)} auf {_fmt(q)} ({y0}→{y1}), robuster z-Wert "
            f"{zz:.1f}."
            for p, q, zz in zip(before[bad], after[bad], z[bad], strict=True)
        ],
        en=[
            f"{label[1]}: jump from {_fmt_en(p)} to {_fmt_en(q)} ({y0}→{y1}), robust z-score "
            f"{zz:.1f}."
            for p, q, zz in zip(before[bad], after[bad], z[bad], strict=True)
        ],
        area=np.asarray(areas, dtype=object)[bad],
        year=y1,
        indicator=indicator,
        value=change[bad] * scale,
    )


def _coinr_flag(x: np.ndarray) -> tuple[float, float, bool]:
    if len(x) < 4 or np.std(x) == 0:
        return np.nan, np.nan, False
    from scipy import stats  # heavy: scipy.stats only when a check needs it

    g1 = float(stats.skew(x, bias=False))
    g2 = float(stats.kurtosis(x, fisher=True, bias=False))
    return g1, g2, bool(abs(g1) > 2 and g2 > 3.5)


def _suggest(x: np.ndarray, skew: float, winmax: int = 5) -> str:
    """COINr-style treatment: winsorise up to ``winmax`` points, else log transform."""
    y = np.sort(x.astype(float))
    for k in range(1, min(winmax, len(y) - 2) + 1):
        if skew > 0:
            y[-k:] = y[-k - 1]
        else:
            y[:k] = y[k]
        if not _coinr_flag(y)[2]:
            return (
                f"winsorisieren ({k} Wert{'e' if k > 1 else ''} {'oben' if skew > 0 else 'unten'})"
            )
    if skew > 0:
        return "Log-Transformation ln(x - min + 1)"
    return "Spiegeln und Log-Transformation ln(max - x + 1)"


def _rule_distribution(data: _Data, out: _Collector, kw: dict) -> pd.DataFrame:
    rows = []
    if data.values.empty:
        return pd.DataFrame()
    vals = _wide(data, data.values)
    rel = _wide(data, data.reliable)
    for y, frame in vals.items():
        yv = int(y) if data.yrs is not None else None
        for col in frame.columns:
            allv = frame[col].to_numpy()
            okrel = rel[y][col].to_numpy() & np.isfinite(allv)
            basis = "ausreichende Fallzahl" if okrel.sum() >= 20 else "alle Werte"
            use = okrel if okrel.sum() >= 20 else np.isfinite(allv)
            x = allv[use]
            row = {
                "indicator": col,
                "year": yv,
                "n": int(np.isfinite(allv).sum()),
                "missing": int((~np.isfinite(allv)).sum()),
                "small_numbers": int((np.isfinite(allv) & ~rel[y][col].to_numpy()).sum()),
                "basis": basis,
            }
            if len(x) < 4:
                rows.append(row)
                continue
            g1, g2, flag = _coinr_flag(x)
            row.update(
                mean=float(np.mean(x)),
                median=float(np.median(x)),
                sd=float(np.std(x, ddof=1)),
                skewness=g1,
                kurtosis=g2,
                treat=flag,
            )
            if np.std(x) == 0:
                out.add(
                    "constant",
                    "warning",
                    f"{data.labels.get(col, col)}: keine Streuung ({basis}); für Vergleiche "
                    "unbrauchbar.",
                    en=f"{data.label(col, en=True)}: no variation ({_BASIS_EN[basis]}); useless "
                    "for comparisons.",
                    year=yv,
                    indicator=col,
                    value=float(x[0]),
                )
                row["suggestion"] = "weglassen"
                rows.append(row)
                continue
            z = _robust_z(x)
            bad = np.abs(z) > kw["outlier_threshold"]
            row["outliers"] = int(bad.sum())
            if bad.any():
                ids = np.asarray(frame.index, dtype=object)[use][bad]
                out.add(
                    "outlier",
                    "warning",
                    [
                        f"{data.labels.get(col, col)} = {_fmt(v)} ist ein robuster Ausreißer "
                        f"(modifizierter z-Wert {zz:.1f}; Median {_fmt(row['median'])})."
                        for v, zz in zip(x[bad], z[bad], strict=True)
                    ],
                    en=[
                        f"{data.label(col, en=True)} = {_fmt_en(v)} is a robust outlier "
                        f"(modified z-score {zz:.1f}; median {_fmt_en(row['median'])})."
                        for v, zz in zip(x[bad], z[bad], strict=True)
                    ],
                    area=ids,
                    year=yv,
                    indicator=col,
                    value=x[bad],
                )
            row["suggestion"] = _suggest(x, g1) if flag else "keine Behandlung nötig"
            if flag:
                out.add(
                    "skew_kurtosis",
                    "warning",
                    f"{data.labels.get(col, col)}: Schiefe {g1:.2f}, Wölbung {g2:.2f} (Schwelle "
                    f"|Schiefe| > 2 und Wölbung > 3,5); Vorschlag: {row['suggestion']}.",
                    en=f"{data.label(col, en=True)}: skewness {g1:.2f}, kurtosis {g2:.2f} "
                    "(threshold |skewness| > 2 and kurtosis > 3.5); suggestion: "
                    f"{_suggestion_en(row['suggestion'])}.",
                    year=yv,
                    indicator=col,
                    value=g1,
                )
            rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    return table.set_index(["indicator", "year"] if data.yrs is not None else "indicator")


def _cross_section(data: _Data) -> pd.DataFrame:
    """Return the indicator values of the last year (reliable ones if enough complete rows)."""
    if data.values.empty:
        return pd.DataFrame()
    vals = _wide(data, data.values.where(data.reliable))
    allv = _wide(data, data.values)
    last = max(vals)
    filled = np.isfinite(allv[last].to_numpy(dtype=float)).mean(axis=0)
    keep = allv[last].columns[filled >= 0.5]
    rel = vals[last][keep].dropna()
    if len(rel) >= max(20, 2 * len(rel.columns)):
        return rel
    return allv[last][keep].replace([np.inf, -np.inf], np.nan).dropna()


def _rule_structure(data: _Data, out: _Collector, kw: dict) -> dict[str, Any]:
    res: dict[str, Any] = {
        "correlation": pd.DataFrame(),
        "rank_correlation": pd.DataFrame(),
        "vif": pd.Series(dtype=float),
        "reliability": pd.DataFrame(columns=["n_indicators", "alpha", "indicators"]),
        "kmo": np.nan,
        "kmo_per_indicator": pd.Series(dtype=float),
        "bartlett": pd.Series(dtype=float),
        "pca_explained": pd.DataFrame(),
        "pca_loadings": pd.DataFrame(),
    }
    x = _cross_section(data)
    if x.empty:
        return res
    x = x.loc[:, x.std(ddof=0) > 0]
    if x.shape[1] < 2 or len(x) < x.shape[1] + 2:
        return res
    pear, spear = x.corr(), x.corr(method="spearman")
    res["correlation"], res["rank_correlation"] = pear, spear
    _correlation_findings(data, out, kw, pear, spear)
    res["vif"] = _vif_findings(x, data, out, kw)
    reliability = _reliability_findings(x, data, out, kw)
    if reliability is not None:
        res["reliability"] = reliability
    _kmo_findings(x, out, kw, res)
    _pca_findings(x, out, res)
    return res


def _correlation_findings(
    data: _Data, out: _Collector, kw: dict, pear: pd.DataFrame, spear: pd.DataFrame
) -> None:
    """Pairs of indicators correlating above the threshold (Pearson or Spearman)."""
    cols = list(pear.columns)
    for i in range(len(cols)):
        for j in range(i + 1, len(cols)):
            rp, rs = pear.iat[i, j], spear.iat[i, j]
            if max(abs(rp), abs(rs)) > kw["correlation_threshold"]:
                out.add(
                    "high_correlation",
                    "warning",
                    f"{data.labels.get(cols[i], cols[i])} und "
                    f"{data.labels.get(cols[j], cols[j])} korrelieren stark (Pearson {rp:.2f}, "
                    f"Spearman {rs:.2f}); eine der beiden ist redundant.",
                    en=f"{data.label(cols[i], en=True)} and {data.label(cols[j], en=True)} "
                    f"correlate strongly (Pearson {rp:.2f}, Spearman {rs:.2f}); one of them is "
                    "redundant.",
                    indicator=f"{cols[i]}~{cols[j]}",
                    value=rp if abs(rp) >= abs(rs) else rs,
                )


def _vif_findings(x: pd.DataFrame, data: _Data, out: _Collector, kw: dict) -> pd.Series:
    """Variance inflation factors above the threshold (inf for a singular matrix)."""
    try:
        vif = variance_inflation(x)
    except Exception:
        vif = pd.Series(np.inf, index=x.columns, name="vif")
        out.add(
            "high_vif",
            "warning",
            "Korrelationsmatrix singulär: mindestens eine Kennzahl ist eine Linearkombination "
            "anderer.",
            en="correlation matrix singular: at least one indicator is a linear combination of "
            "others.",
            value=np.inf,
        )
    for col, v in vif.items():
        if np.isfinite(v) and v > kw["vif_threshold"]:
            out.add(
                "high_vif",
                "warning",
                f"{data.labels.get(col, col)}: VIF {v:.1f} > {kw['vif_threshold']:g}.",
                en=f"{data.label(col, en=True)}: VIF {v:.1f} > {kw['vif_threshold']:g}.",
                indicator=col,
                value=v,
            )
    return vif


def _reliability_findings(
    x: pd.DataFrame, data: _Data, out: _Collector, kw: dict
) -> pd.DataFrame | None:
    """Cronbach's alpha per dimension on oriented z-scores."""
    # reliability per dimension on oriented z-scores
    z = (x - x.mean()) / x.std(ddof=1)
    dims: dict[str, list[str]] = {}
    for s in data.specs:
        if s.direction != 0 and s.dimension and s.key in z.columns:
            dims.setdefault(s.dimension, []).append(s.key if s.direction > 0 else "-" + s.key)
    for d, items in (kw["dimensions"] or {}).items():
        dims[d] = list(items)
    rows = []
    for d, items in dims.items():
        present = [t for t in items if t.lstrip("-") in z.columns]
        if len(present) < 2:
            continue
        oriented = pd.DataFrame(
            {t.lstrip("-"): -z[t[1:]] if t.startswith("-") else z[t] for t in present}
        )
        try:
            a = cronbach_alpha(oriented)
        except Exception:
            continue
        rows.append(
            {
                "dimension": d,
                "n_indicators": len(present),
                "alpha": a,
                "indicators": ", ".join(present),
            }
        )
        sev = "warning" if a < kw["alpha_threshold"] else "info"
        out.add(
            "cronbach_alpha",
            sev,
            f"Dimension {d!r}: Cronbachs Alpha {a:.2f} ({len(present)} Kennzahlen)"
            + (
                f" < {kw['alpha_threshold']:g}: geringe interne Konsistenz."
                if a < kw["alpha_threshold"]
                else "."
            ),
            en=f"dimension {d!r}: Cronbach's alpha {a:.2f} ({len(present)} indicators)"
            + (
                f" < {kw['alpha_threshold']:g}: low internal consistency."
                if a < kw["alpha_threshold"]
                else "."
            ),
            indicator=d,
            value=a,
        )
    return pd.DataFrame(rows).set_index("dimension") if rows else None


def _kmo_findings(x: pd.DataFrame, out: _Collector, kw: dict, res: dict) -> None:
    """Kaiser-Meyer-Olkin measure and Bartlett's test of sphericity, into ``res``."""
    try:
        overall, per = kmo(x)
        res["kmo"], res["kmo_per_indicator"] = overall, per
        label, label_en = next(
            (lab, lab_en)
            for lim, lab, lab_en in (
                (0.9, "hervorragend", "marvelous"),
                (0.8, "gut", "meritorious"),
                (0.7, "mittel", "middling"),
                (0.6, "mäßig", "mediocre"),
                (0.5, "schlecht", "miserable"),
                (-1, "inakzeptabel", "unacceptable"),
            )
            if overall >= lim
        )
        out.add(
            "kmo",
            "warning" if overall < 0.6 else "info",
            f"KMO = {overall:.2f} ({label}; Kaiser 1974).",
            en=f"KMO = {overall:.2f} ({label_en}; Kaiser 1974).",
            value=overall,
        )
        stat, dof, p = bartlett_sphericity(x)
        res["bartlett"] = pd.Series({"statistic": stat, "dof": dof, "p_value": p})
        out.add(
            "bartlett",
            "warning" if p > kw["alpha"] else "info",
            f"Bartlett-Test: Chi² = {stat:.1f}, df = {dof}, p = {p:.3g}"
            + (" – die Kennzahlen sind kaum korreliert." if p > kw["alpha"] else "."),
            en=f"Bartlett's test: chi² = {stat:.1f}, df = {dof}, p = {p:.3g}"
            + (" – the indicators are hardly correlated." if p > kw["alpha"] else "."),
            value=p,
        )
    except Exception as exc:
        out.add(
            "kmo",
            "warning",
            f"KMO und Bartlett nicht berechenbar: {exc}",
            en=f"KMO and Bartlett not computable: {exc}",
        )


def _pca_findings(x: pd.DataFrame, out: _Collector, res: dict) -> None:
    """Explained variance of the principal components, into ``res``."""
    try:
        explained, loadings = principal_components(x)
        res["pca_explained"], res["pca_loadings"] = explained, loadings
        n_kaiser = int((explained["eigenvalue"] > 1).sum())
        out.add(
            "pca",
            "info",
            "Hauptkomponentenanalyse: 1. Komponente erklärt "
            f"{explained['explained_variance_ratio'].iloc[0] * 100:.1f} % der Varianz; "
            f"{n_kaiser} Komponente(n) mit Eigenwert > 1.",
            en="principal component analysis: the first component explains "
            f"{explained['explained_variance_ratio'].iloc[0] * 100:.1f} % of the variance; "
            f"{n_kaiser} component(s) with eigenvalue > 1.",
            value=float(explained["explained_variance_ratio"].iloc[0]),
        )
    except Exception:
        pass


def _rule_stability(data: _Data, out: _Collector, kw: dict) -> pd.DataFrame:
    if data.yrs is None or data.values.empty:
        return pd.DataFrame()
    vals = _wide(data, data.values)
    ys = sorted(vals)
    rows = []
    for y0, y1 in itertools.pairwise(ys):
        a, b = vals[y0], vals[y1]
        common = a.index.intersection(b.index)
        for col in a.columns:
            p, q = a.loc[common, col], b.loc[common, col]
            ok = np.isfinite(p.to_numpy()) & np.isfinite(q.to_numpy())
            if ok.sum() < max(kw["n_classes"] * 2, 5):
                continue
            p, q = p[ok], q[ok]
            from scipy import stats  # heavy: scipy.stats only when a check needs it

            rho = float(stats.spearmanr(p, q).statistic)
            k = kw["n_classes"]
            cp = pd.qcut(p.rank(method="first"), k, labels=False).to_numpy()
            cq = pd.qcut(q.rank(method="first"), k, labels=False).to_numpy()
            share = float(np.mean(cp != cq))
            rows.append(
                {
                    "indicator": col,
                    "year_from": int(y0),
                    "year_to": int(y1),
                    "n": int(ok.sum()),
                    "spearman": rho,
                    "class_change": share,
                }
            )
            lab = data.labels.get(col, col)
            out.add(
                "rank_correlation",
                "warning" if rho < 0.7 else "info",
                f"{lab}: Rangkorrelation {int(y0)}–{int(y1)} = {rho:.2f}"
                + (" (instabil)." if rho < 0.7 else "."),
                en=f"{data.label(col, en=True)}: rank correlation {int(y0)}–{int(y1)} = "
                f"{rho:.2f}" + (" (unstable)." if rho < 0.7 else "."),
                year=int(y1),
                indicator=col,
                value=rho,
            )
            out.add(
                "class_change",
                "warning" if share > 0.5 else "info",
                f"{lab}: {share * 100:.0f} % der Gebiete wechseln die {k}-er Quantilsklasse "
                f"({int(y0)}–{int(y1)}).",
                en=f"{data.label(col, en=True)}: {share * 100:.0f} % of the areas change their "
                f"class of {k} quantiles ({int(y0)}–{int(y1)}).",
                year=int(y1),
                indicator=col,
                value=share,
            )
    return pd.DataFrame(rows)


def _rule_external(
    df: pd.DataFrame, data: _Data, criterion: Any, out: _Collector, kw: dict
) -> pd.DataFrame:
    if criterion is None or data.values.empty:
        return pd.DataFrame()
    if isinstance(criterion, str):
        if criterion not in df.columns:
            out.add(
                "missing_column",
                "error",
                f"Außenkriterium {criterion!r} fehlt.",
                en=f"external criterion {criterion!r} is missing.",
                indicator=criterion,
            )
            return pd.DataFrame()
        crit_all = pd.DataFrame({"c": _to_number(df[criterion], kw["na_values"])[0]})
        name = criterion
        crit = _wide(data, crit_all)
        c_last = crit[max(crit)]["c"]
    elif isinstance(criterion, pd.Series):
        name = str(criterion.name or "Kriterium")
        c_last = pd.to_numeric(criterion, errors="coerce")
        c_last = c_last[~c_last.index.duplicated()]
    else:
        out.add(
            "external_correlation",
            "warning",
            f"`criterion` ist weder Spaltenname noch Series ({type(criterion).__name__}); "
            "übersprungen.",
            en=f"`criterion` is neither a column name nor a Series ({type(criterion).__name__}); "
            "skipped.",
        )
        return pd.DataFrame()
    vals = _wide(data, data.values)
    x = vals[max(vals)]
    rows = []
    for col in x.columns:
        if col == name:
            continue
        pair = (
            pd.concat([x[col], c_last.rename("_c")], axis=1, join="inner")
            .replace([np.inf, -np.inf], np.nan)
            .dropna()
        )
        if len(pair) < 5 or pair.std(ddof=0).min() == 0:
            continue
        rp = float(pair[col].corr(pair["_c"]))
        rs = float(pair[col].corr(pair["_c"], method="spearman"))
        rows.append(
            {"indicator": col, "criterion": name, "n": len(pair), "pearson": rp, "spearman": rs}
        )
        out.add(
            "external_correlation",
            "info",
            f"{data.labels.get(col, col)} korreliert mit {name!r}: Pearson {rp:.2f}, Spearman "
            f"{rs:.2f} (n = {len(pair)}).",
            en=f"{data.label(col, en=True)} correlates with {name!r}: Pearson {rp:.2f}, "
            f"Spearman {rs:.2f} (n = {len(pair)}).",
            indicator=col,
            value=rs,
        )
    return pd.DataFrame(rows)
