"""The report's data: load -> compute -> protect, into one immutable :class:`ReportData`.

1. **load**: the city description (``data.description``; Musterstadt by default) is
   read with :func:`sozplan.load_city` at the report level (all years) and at the
   district level (names and outlines of the larger areas come from the description);
2. **compute**: the indicators (catalogue keys or own definitions) for the areas, the
   districts, the city and every year;
3. **protect**: small counts are suppressed (primary and secondary), values derived
   from hidden counts are hidden, missing counts (NaN, DIN 55301 signs) keep their
   status and are left out of sums with a note.

Chapters read a :class:`ReportData`; none of them changes it.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.city import CitySpec, load_city
from sozplan.datasets import LEVELS, musterstadt_description
from sozplan.disclosure import PublishedRate, audit_linear, suppress_small_counts
from sozplan.report._indicators import (
    IndicatorValues,
    ReportIndicator,
    compute_values,
    resolve_indicators,
)

__all__ = ["ReportData", "build_data"]

#: Statuses of a value that is not shown.
HIDE_STATUS = ("small_population", "suppressed", "zero_denominator", "implausible", "missing")


@immutable
@dataclass(frozen=True)
class ReportData:
    """Everything the chapters read: areas, years, indicators, protected counts.

    Attributes
    ----------
    city : str
        Name of the city (from the description).
    spec : CitySpec
        The city description (``spec.hash`` identifies it).
    level, level_label : str
        Key and label of the report's areas (e.g. ``planungsraum``, ``Planungsraum``).
    district_level, district_label : str or None
        The larger level used for outlines and comparisons (default the largest).
    year : int
        Reporting year.
    years : tuple of int
        Years of the time series.
    areas : GeoDataFrame
        The areas in ``year`` (index: area id), with ``name`` and the district id.
    panel : DataFrame or None
        All years (index: id, year), without geometry.
    districts : GeoDataFrame or None
        The districts (index: id) with ``name`` and geometry.
    population : str
        The residents' column.
    indicators : tuple of ReportIndicator
    values : IndicatorValues
        The areas' values in ``year``.
    panel_values : DataFrame or None
        Values by (id, year) x indicator (hidden where the status says so).
    district_values, city_values : IndicatorValues or None
    counts : DataFrame
        The published counts (hidden cells ``NaN``); ``count_status`` says why a cell
        is empty: ``"secret"`` (suppressed here) or ``"missing"`` (missing or secret
        in the source).
    hidden_values : DataFrame of bool
        Indicator values not to be shown (derived from hidden counts, or a status).
    suppression, audit : results of :mod:`sozplan.disclosure` or None
    excluded : mapping
        Area id -> reason (description and configuration).
    notes : tuple of str
        Notes of loading and computing in the report's language (method chapter).
    library_notes : tuple of str
        Messages of sozplan's loader and functions (in English), shown marked as such.
    attribution : str
        The data source, as it must be cited (footer of every page, every export).
    """

    city: str
    spec: Any
    level: str
    level_label: str
    district_level: str | None
    district_label: str | None
    year: int
    years: tuple[int, ...]
    areas: Any
    panel: pd.DataFrame | None
    districts: Any
    population: str
    indicators: tuple[ReportIndicator, ...]
    values: IndicatorValues
    panel_values: pd.DataFrame | None
    district_values: IndicatorValues | None
    city_values: IndicatorValues
    counts: pd.DataFrame
    count_status: pd.DataFrame
    hidden_values: pd.DataFrame
    suppression: Any
    audit: Any
    excluded: Mapping[str, str]
    notes: tuple[str, ...]
    library_notes: tuple[str, ...]
    attribution: str
    min_population: float
    language: str = "de"
    change: tuple[int, int] | None = None
    load_level: Callable[[str], Any] | None = field(repr=False, compare=False, default=None)

    # -------------------------------------------------------------- helpers
    @property
    def source_short(self) -> str:
        """The attribution shortened for map footers (the page footer has it in full)."""
        text = re.split(r" \(|;", self.attribution, maxsplit=1)[0].strip()
        return text if len(text) <= 90 else text[:87] + "..."

    @property
    def keys(self) -> list[str]:
        """Keys of the indicators."""
        return [i.key for i in self.indicators]

    def indicator(self, key: str) -> ReportIndicator:
        """Return the indicator called ``key``."""
        for ind in self.indicators:
            if ind.key == key:
                return ind
        raise KeyError(key)

    @property
    def shown(self) -> pd.DataFrame:
        """Values to show: NaN where the status or the disclosure control hides them."""
        v = self.values.value
        return v.where(~self.values.status.isin(HIDE_STATUS) & ~self.hidden_values)

    def _table(self, name: str) -> Any:
        # read-only lookups of the class's own helpers: the stored table itself, not the
        # copy every outside reader gets (they run once per area and indicator)
        return vars(self)[name]

    def name(self, ident: Any) -> str:
        """Name of an area (its id if it has none)."""
        areas = self._table("areas")
        if "name" in areas.columns:
            n = areas.at[ident, "name"]
            if isinstance(n, str) and n:
                return n
        return str(ident)

    def district_of(self, ident: Any) -> str | None:
        """Id of the district an area lies in."""
        areas = self._table("areas")
        if self.district_level and self.district_level in areas.columns:
            d = areas.at[ident, self.district_level]
            return None if pd.isna(d) else str(d)
        return None

    def district_name(self, district: Any) -> str | None:
        """Name of a district, from the description (never an area's name)."""
        districts = self._table("districts")
        if district is None or districts is None:
            return None
        if district in districts.index and "name" in districts.columns:
            n = districts.at[district, "name"]
            if isinstance(n, str) and n:
                return n
        return str(district)

    def __repr__(self) -> str:
        return (
            f"ReportData({self.city!r}, {len(self.areas)} {self.level}, year {self.year}, "
            f"{len(self.indicators)} indicators)"
        )


# ------------------------------------------------------------------- load
def _description(cfg: Any) -> Any:
    src = cfg["data"]["description"]
    if src == "musterstadt":
        return musterstadt_description()
    from pathlib import Path

    if not Path(src).exists():
        raise cfg.error(
            "data.description",
            f"die Stadtbeschreibung {src} existiert nicht",
            "Pfad prüfen (relativ zur Konfigurationsdatei) oder mit 'sozplan init' eine "
            "Beschreibung schreiben",
        )
    return CitySpec.from_yaml(src)


def _levels(cfg: Any, spec: Any) -> tuple[Any, Any]:
    keys = [lv.key for lv in spec.levels]
    aliases = {}
    if cfg["data"]["description"] == "musterstadt":
        aliases = dict(LEVELS)
    out = []
    for name, default in (("level", None), ("district_level", None)):
        key = cfg["data"][name]
        key = aliases.get(key, key)
        if key is None:
            if name == "level":
                key = keys[1] if spec.name == "Musterstadt" and len(keys) > 1 else keys[0]
            else:
                key = keys[-1] if len(keys) > 1 else default
        elif key not in keys:
            raise cfg.error(
                f"data.{name}",
                f"die Ebene {key!r} kennt die Stadtbeschreibung nicht",
                f"verwenden Sie {', '.join(keys)}",
            )
        out.append(key)
    if out[1] is not None and keys.index(out[1]) <= keys.index(out[0]):
        out[1] = None
    return out[0], out[1]


_CACHE: dict[tuple, Any] = {}


def _load_year(spec: Any, year: int, level: str) -> Any:
    return _load(spec, level, year)


def _load(spec: Any, level: str, year: int | None) -> Any:
    """``load_city`` of one level, cached per description content, folder, level and year."""
    key = (spec.hash, str(spec.base), level, year)
    if key not in _CACHE:
        if len(_CACHE) > 12:
            _CACHE.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _CACHE[key] = load_city(spec, level=level, year=year)
    return _CACHE[key]


def _exclusions(cfg: Any, report: Any, ids: pd.Index) -> dict[str, str]:
    out = {str(k): str(v) for k, v in report.excluded.items()}
    raw = cfg["exclude"]
    for i, item in enumerate([raw] if isinstance(raw, dict) else list(raw)):
        unknown = [str(x) for x in item["ids"] if str(x) not in ids]
        if unknown:
            where = "exclude.ids" if isinstance(raw, dict) else f"exclude[{i}].ids"
            raise cfg.error(
                where,
                f"die Gebiete {', '.join(unknown[:8])} gibt es nicht",
                "Kennungen der Gebiete der Berichtsebene angeben (als Text, mit führenden Nullen)",
            )
        for x in item["ids"]:
            out[str(x)] = item["reason"]
    return out


def build_data(cfg: Any, *, say: Callable[[str], None] = lambda _m: None) -> ReportData:
    """Load, compute and protect: the :class:`ReportData` of a configuration.

    Parameters
    ----------
    cfg : ReportConfig
    say : callable, optional
        Progress messages.

    Returns
    -------
    ReportData
    """
    spec = _description(cfg)
    level, dlevel = _levels(cfg, spec)
    say("Daten laden" if cfg["language"] == "de" else "Loading data")
    city = _load(spec, level, None)
    frame = city.data
    ycol = spec.year_column
    notes: list[str] = []
    library_notes = [str(n) for n in city.report.notes]
    if isinstance(frame.index, pd.MultiIndex):
        all_years = sorted(int(y) for y in frame.index.get_level_values(-1).unique())
    else:
        all_years = [int(cfg["data"]["year"] or city.report.year or 0)]
    year = cfg["data"]["year"] or max(all_years)
    if year not in all_years:
        raise cfg.error(
            "data.year",
            f"das Jahr {year} fehlt in den Daten",
            f"vorhanden sind {', '.join(map(str, all_years))}",
        )
    years = [int(y) for y in (cfg["data"]["years"] or all_years)]
    miss = [y for y in years if y not in all_years]
    if miss:
        raise cfg.error(
            "data.years", f"die Jahre {miss} fehlen in den Daten", f"vorhanden sind {all_years}"
        )
    if year not in years:
        years = sorted({*years, year})
    if isinstance(frame.index, pd.MultiIndex):
        panel = frame[frame.index.get_level_values(-1).isin(years)]
        areas = panel.xs(year, level=-1)
        panel = pd.DataFrame(panel.drop(columns="geometry"))
        panel.index = panel.index.set_names([level, ycol])
    else:
        areas, panel = frame.copy(), None
    import geopandas as gpd

    areas = gpd.GeoDataFrame(areas, geometry="geometry", crs=frame.crs)
    empty = [c for c in areas.columns if c != "geometry" and areas[c].isna().all()]
    if empty:  # columns the tables hold only for other years
        areas = areas.drop(columns=empty)
        notes.append(
            (
                "Für {year} ohne Daten und darum nicht verwendet: {cols}."
                if cfg["language"] == "de"
                else "No data for {year}, so not used: {cols}."
            ).format(year=year, cols=", ".join(empty))
        )
    areas.index = areas.index.astype(str)
    pop = spec.population
    if not pop or pop not in areas.columns:
        raise cfg.error(
            "data.description",
            f"die Stadtbeschreibung nennt keine Einwohnerspalte ({pop!r}) mit Daten für {year}",
            "in der Beschreibung 'population:' angeben",
        )
    districts = None
    if dlevel is not None:
        dcity = _load(spec, dlevel, year)
        districts = dcity.data.copy()
        districts.index = districts.index.astype(str)
        if "name" not in districts.columns:
            districts = districts.assign(name=districts.index.astype(str))
    excluded = _exclusions(cfg, city.report, areas.index)
    # ---------------------------------------------------------------- compute
    say("Kennzahlen berechnen" if cfg["language"] == "de" else "Computing indicators")
    indicators = resolve_indicators(cfg, list(areas.columns))
    minpop = cfg["data"]["min_population"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values = compute_values(areas, indicators, population=pop, min_population=minpop)
        panel_values = None
        if panel is not None and len(years) > 1:
            pv = compute_values(panel, indicators, population=pop, min_population=minpop)
            panel_values = pv.value.where(~pv.status.isin(HIDE_STATUS))
        counts_cols = sorted(
            {c for ind in indicators for c in ind.counts} | {pop}, key=list(areas.columns).index
        )
        district_values = None
        if districts is not None and dlevel in areas.columns:
            district_values = _summed_values(
                areas, indicators, pop, areas[dlevel].astype(str), districts.index
            )
        one = pd.Series("city", index=areas.index)
        city_values = _summed_values(areas, indicators, pop, one, pd.Index(["city"]))
    library_notes += sorted({str(w.message).split(";")[0] for w in caught})
    n_missing = areas[counts_cols].isna().any(axis=1)
    if n_missing.any():
        notes.append(
            (
                "{n} Gebiete haben fehlende oder geheime Fallzahlen; sie sind in Summen für "
                "Bezirk und Stadt nicht enthalten."
                if cfg["language"] == "de"
                else "{n} areas have missing or secret counts; they are left out of the "
                "district and city sums."
            ).format(n=int(n_missing.sum()))
        )
    # ---------------------------------------------------------------- protect
    say("Geheimhaltung prüfen" if cfg["language"] == "de" else "Disclosure control")
    counts, count_status, suppression, _additive = _protect(cfg, spec, areas, counts_cols, dlevel)
    hidden = pd.DataFrame(False, index=areas.index, columns=[i.key for i in indicators])
    for ind in indicators:
        used = [c for c in ind.counts if c in count_status.columns]
        if used:
            hidden[ind.key] = (count_status[used] == "secret").any(axis=1).to_numpy()
    audit = None
    if suppression is not None and suppression.n_primary + suppression.n_secondary <= 400:
        audit = audit_published(suppression, indicators, values, hidden)
    attribution = cfg["data"]["attribution"] or spec.source or spec.name
    return ReportData(
        city=spec.name,
        spec=spec,
        level=level,
        level_label=spec.level(level).label,
        district_level=dlevel,
        district_label=spec.level(dlevel).label if dlevel else None,
        year=int(year),
        years=tuple(years),
        areas=areas,
        panel=panel,
        districts=districts,
        population=pop,
        indicators=indicators,
        values=values,
        panel_values=panel_values,
        district_values=district_values,
        city_values=city_values,
        counts=counts,
        count_status=count_status,
        hidden_values=hidden,
        suppression=suppression,
        audit=audit,
        excluded=MappingProxyType(excluded),
        notes=tuple(dict.fromkeys(notes)),
        library_notes=tuple(dict.fromkeys(library_notes)),
        attribution=attribution,
        min_population=float(minpop),
        language=cfg["language"],
        change=tuple(cfg["data"]["change"]) if cfg["data"]["change"] else None,
        load_level=functools.partial(_load_year, spec, int(year)),
    )


def _summed_values(
    areas: Any, indicators: Any, pop: str, groups: pd.Series, index: pd.Index
) -> IndicatorValues:
    """Compute the indicators of larger areas from summed counts.

    For each indicator only the areas whose counts it needs are all present enter the
    sums (an area with a missing count is left out, not counted as zero), so numerator
    and denominator always cover the same areas.
    """
    parts = []
    for ind in indicators:
        cols = list(dict.fromkeys([*ind.counts, pop])) if ind.spec is not None else [pop]
        frame = pd.DataFrame(areas[cols]).apply(pd.to_numeric, errors="coerce")
        complete = frame[list(ind.counts or [pop])].notna().all(axis=1)
        sums = frame[complete].groupby(groups[complete]).sum(min_count=1).reindex(index)
        parts.append(compute_values(sums, [ind], population=pop, min_population=None))
    return IndicatorValues(
        **{
            f: pd.concat([getattr(p, f) for p in parts], axis=1)
            for f in ("value", "lower", "upper", "numerator", "denominator", "status")
        }
    )


def published_rates(
    suppression: Any, indicators: Any, values: IndicatorValues, hidden: pd.DataFrame
) -> list:
    """Return the rates the report publishes, as relations for :func:`sozplan.disclosure.audit_linear`.

    Counted indicators whose columns are all in the protected table, with their decimals
    and the areas where they are not shown.
    """
    cols = set(suppression.mask.columns)
    out = []
    for ind in indicators:
        if ind.spec is None or not set(ind.counts) <= cols:
            continue
        shown = ~values.status[ind.key].isin(HIDE_STATUS) & ~hidden[ind.key]
        out.append(
            PublishedRate.from_spec(
                ind.spec, decimals=ind.decimals, hidden=list(shown.index[~shown.to_numpy()])
            )
        )
    return out


def audit_published(
    suppression: Any,
    indicators: Any,
    values: IndicatorValues,
    hidden: pd.DataFrame,
    *,
    indices: tuple = (),
    rates: list | None = None,
) -> Any:
    """Play the attacker on everything published: counts, totals, rates (and indices)."""
    rates = published_rates(suppression, indicators, values, hidden) if rates is None else rates
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return audit_linear(suppression, rates=rates, indices=indices)


def _protect(
    cfg: Any, spec: Any, areas: Any, count_cols: list[str], dlevel: str | None
) -> tuple[pd.DataFrame, pd.DataFrame, Any, Any]:
    """Suppress small counts; cells missing in the source stay empty with status 'missing'."""
    dcfg = cfg["disclosure"]
    bands = [c for c in spec.roles.get("age_bands", {}) if c in areas.columns]
    pop = spec.population
    cols = list(dict.fromkeys([pop, *bands, *count_cols]))
    raw = areas[cols].apply(pd.to_numeric, errors="coerce").astype(float)
    missing = raw.isna()
    status = pd.DataFrame(
        np.where(missing, "missing", "ok"), index=raw.index, columns=cols, dtype=object
    )
    if dcfg["publish_small_counts"]:
        return raw, status, None, None
    # a cell missing in the source is unknown to a reader as well: for the
    # complementary suppression it counts as a published zero (sums leave it out)
    filled = raw.fillna(0).round().astype("int64")
    frame = filled.join(areas[[dlevel]].astype(str)) if dlevel in areas.columns else filled
    additive = None
    complete = bands and not missing[[pop, *bands]].any().any()
    if complete and (filled[bands].sum(axis=1) == filled[pop]).all():
        additive = {pop: bands}
    res = suppress_small_counts(
        frame,
        dcfg["min_count"],
        dcfg["secondary"],
        columns=cols,
        by=dlevel if dlevel in frame.columns else None,
        additive=additive,
    )
    secret = res.mask[cols].to_numpy(dtype=bool) & ~missing.to_numpy()
    status = status.mask(pd.DataFrame(secret, index=raw.index, columns=cols), "secret")
    published = raw.mask(status != "ok")
    return published, status, res, additive
