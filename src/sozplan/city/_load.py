"""Loading a city from its description: geometry, hierarchy, statistics, check sums."""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.checks import fail, format_values
from sozplan.city._spec import CitySpec, Level, Table, _did_you_mean
from sozplan.errors import InputError
from sozplan.io import read_statistik
from sozplan.validation import MatchesTotals

__all__ = ["CityData", "LoadReport", "load_city"]

_WHERE = "load_city"


@immutable
@dataclass(frozen=True)
class LoadReport:
    """What :func:`load_city` joined, recognised, repaired and could not place.

    Attributes
    ----------
    city, level : str
    year : int or None
    spec_hash : str
        :attr:`CitySpec.hash` of the description used.
    n_areas : int
        Areas of the level returned.
    without_statistics : tuple of str
        Ids of the smallest level in the geometry that no table holds.
    without_geometry : mapping
        Table file -> ids in the table that are neither in the geometry nor aggregate rows.
    aggregate_rows : mapping
        Level (or ``"city"``) -> number of aggregate rows recognised and kept as check sums.
    check_sums : DataFrame
        One row per check-sum cell: ``level``, ``id``, ``year``, ``column``,
        ``published`` (the aggregate row), ``summed`` (the sum of the smallest areas) and
        ``difference``.
    crs : str
        How the coordinate reference system was taken.
    repaired : tuple of str
        Ids whose polygons were invalid and repaired (``make_valid``).
    excluded : mapping
        Id -> reason, from the tables' ``exclusions``.
    sentinels : mapping
        Column -> number of cells set missing by ``na_values``.
    unplaced : mapping
        Level -> ids of the smallest level whose parent at that level is unknown.
    notes : tuple of str
        Everything else worth knowing (tables without the requested year, columns not
        available for it, rates not carried to higher levels), in English.
    notes_de, crs_de : tuple of str, str
        ``notes`` and ``crs`` in German. :meth:`summary` gives the whole report in
        either language.
    """

    city: str
    level: str
    year: int | None
    spec_hash: str
    n_areas: int
    without_statistics: tuple[str, ...] = ()
    without_geometry: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    aggregate_rows: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    check_sums: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False)
    crs: str = ""
    repaired: tuple[str, ...] = ()
    excluded: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    sentinels: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    unplaced: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    notes: tuple[str, ...] = ()
    notes_de: tuple[str, ...] = ()
    crs_de: str = ""

    @property
    def check_sums_ok(self) -> bool:
        """True if every check sum equals the sum of the smallest areas (and there is one)."""
        cs = self.check_sums
        return bool(len(cs)) and bool((cs["difference"].abs() < 1e-6).all())

    def to_frame(self, language: str = "en") -> pd.DataFrame:
        """One row per finding: ``kind``, ``id``, ``detail`` (in English or German)."""
        de = language == "de"
        rows: list[tuple[str, str, str]] = []
        rows += [
            (
                "without_statistics",
                i,
                "in der Geometrie, in keiner Tabelle" if de else "in the geometry, in no table",
            )
            for i in self.without_statistics
        ]
        for file, ids in self.without_geometry.items():
            detail = (
                f"in {file}, nicht in der Geometrie" if de else f"in {file}, not in the geometry"
            )
            rows += [("without_geometry", i, detail) for i in ids]
        detail = (
            "ungültiges Polygon repariert (make_valid)"
            if de
            else "invalid polygon repaired (make_valid)"
        )
        rows += [("repaired", i, detail) for i in self.repaired]
        rows += [("excluded", i, r) for i, r in self.excluded.items()]
        for lv, lv_ids in self.unplaced.items():
            rows += [
                ("unplaced", i, f"kein {lv} bekannt" if de else f"no {lv} known") for i in lv_ids
            ]
        if len(self.check_sums):
            bad = self.check_sums[self.check_sums["difference"].abs() >= 1e-6]
            rows += [
                (
                    "check_sum",
                    str(r.id),
                    f"{r.column} {r.year}: veröffentlicht {r.published:g}, summiert {r.summed:g}"
                    if de
                    else f"{r.column} {r.year}: published {r.published:g}, summed {r.summed:g}",
                )
                for r in bad.itertuples()
            ]
        rows += [
            (
                "sentinel",
                c,
                f"{n} Zelle(n) als fehlend gesetzt" if de else f"{n} cell(s) set missing",
            )
            for c, n in self.sentinels.items()
        ]
        rows += [("note", "", n) for n in (self.notes_de or self.notes if de else self.notes)]
        if self.crs:
            rows.append(("crs", "", (self.crs_de or self.crs) if de else self.crs))
        return pd.DataFrame(rows, columns=["kind", "id", "detail"])

    def summary(self, language: str = "de") -> str:
        """Return the report as text in German (``"de"``) or English (``"en"``).

        Examples
        --------
        >>> r = LoadReport(city="Klein", level="gebiet", year=2024, spec_hash="abc",
        ...                n_areas=4, without_statistics=("104",))
        >>> print(r.summary())
        Klein: 4 Gebiete der Ebene 'gebiet', Jahr 2024 (Beschreibung abc)
        1 Gebiet(e) der Geometrie ohne Statistik: '104'
        >>> print(r.summary("en"))
        Klein: 4 areas at level 'gebiet', year 2024 (description abc)
        1 area(s) in the geometry without statistics: '104'
        """
        if language not in ("de", "en"):
            raise fail("LoadReport.summary", f"`language` is {language!r}", "use 'de' or 'en'")
        return "\n".join(self._lines(language))

    def _lines(self, language: str = "en") -> list[str]:
        de = language == "de"

        def say(german: str, english: str) -> str:
            return german if de else english

        n, level, year = self.n_areas, self.level, self.year
        out = [
            say(
                f"{self.city}: {n} Gebiete der Ebene {level!r}",
                f"{self.city}: {n} areas at level {level!r}",
            )
            + (say(f", Jahr {year}", f", year {year}") if year is not None else "")
            + say(f" (Beschreibung {self.spec_hash})", f" (description {self.spec_hash})")
        ]
        if self.crs:
            out.append(
                say(f"Koordinatenbezugssystem: {self.crs_de or self.crs}", f"CRS: {self.crs}")
            )
        if self.without_statistics:
            k, ids = len(self.without_statistics), format_values(self.without_statistics)
            out.append(
                say(
                    f"{k} Gebiet(e) der Geometrie ohne Statistik: {ids}",
                    f"{k} area(s) in the geometry without statistics: {ids}",
                )
            )
        for file, file_ids in self.without_geometry.items():
            shown = format_values(file_ids)
            out.append(
                say(
                    f"{len(file_ids)} Schlüssel in {file} ohne Geometrie: {shown}",
                    f"{len(file_ids)} id(s) of {file} without geometry: {shown}",
                )
            )
        for lv, k in self.aggregate_rows.items():
            out.append(
                say(
                    f"{k} Summenzeile(n) der Ebene {lv!r} als Kontrollsummen behalten",
                    f"{k} aggregate row(s) of level {lv!r} kept as check sums",
                )
            )
        if len(self.check_sums):
            k, bad = len(self.check_sums), int((self.check_sums["difference"].abs() >= 1e-6).sum())
            out.append(
                say(
                    f"Kontrollsummen: {k} verglichen, {bad} weichen von der Summe der Gebiete ab",
                    f"check sums: {k} compared, {bad} differ from the sums of the areas",
                )
            )
        if self.repaired:
            k, ids = len(self.repaired), format_values(self.repaired)
            out.append(
                say(
                    f"{k} ungültige Polygon(e) repariert: {ids}",
                    f"{k} invalid polygon(s) repaired: {ids}",
                )
            )
        if self.excluded:
            k, ids = len(self.excluded), format_values(list(self.excluded))
            out.append(say(f"{k} Gebiet(e) ausgeschlossen: {ids}", f"{k} area(s) excluded: {ids}"))
        for c, k in self.sentinels.items():
            out.append(
                say(
                    f"{k} Zelle(n) von {c!r} mit Fehlwertcode als fehlend gesetzt",
                    f"{k} sentinel cell(s) of {c!r} set missing",
                )
            )
        for lv, lv_ids in self.unplaced.items():
            shown = format_values(lv_ids)
            out.append(
                say(
                    f"{len(lv_ids)} Gebiet(e) ohne {lv}: {shown}",
                    f"{len(lv_ids)} area(s) without a {lv}: {shown}",
                )
            )
        out += list((self.notes_de or self.notes) if de else self.notes)
        return out

    def __repr__(self) -> str:
        return "LoadReport(\n  " + "\n  ".join(self._lines()) + "\n)"

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self._lines()[1:])
        return f"<p><b>{html.escape(self._lines()[0])}</b></p><ul>{items}</ul>"


@immutable
@dataclass(frozen=True)
class CityData:
    """The result of :func:`load_city`: the table of one level and the load report.

    Attributes
    ----------
    data : GeoDataFrame
        Indexed by area id (or by id and year); parent ids, ``name``, the columns of the
        description and the geometry.
    report : LoadReport
    spec : CitySpec
    """

    data: gpd.GeoDataFrame
    report: LoadReport
    spec: CitySpec

    def to_frame(self) -> gpd.GeoDataFrame:
        """Return the data (a GeoDataFrame)."""
        return self.data

    def validation_rules(self) -> list[Any]:
        """Return the description's rules plus the published aggregate rows as check sums.

        Every level whose aggregate rows the tables hold becomes a
        ``sozplan.validation.MatchesTotals`` rule (the city row one with ``by=None``),
        provided the data carry that level's id column.

        Returns
        -------
        list
            For :func:`sozplan.validation.validate` (``rules=``).

        Examples
        --------
        >>> from sozplan.datasets import musterstadt_description
        >>> city = load_city(musterstadt_description(), level="bezirk", year=2024)
        >>> len(city.validation_rules()) == len(city.spec.validation_rules())
        True
        """
        rules = list(self.spec.validation_rules())
        cs = self.report.check_sums
        if not len(cs):
            return rules
        ycol = self.spec.year_column
        by_year = isinstance(self.data.index, pd.MultiIndex)
        labels = {lv.key: lv.label for lv in self.spec.levels}
        for level, sub in cs.groupby("level", sort=False):
            by = None if level == "city" else str(level)
            if by is not None and by not in self.data.columns:
                continue
            keys = ["id", "year"] if by_year else ["id"]
            totals = sub.pivot_table(index=keys, columns="column", values="published")
            totals.columns.name = None
            if by_year:
                totals.index = totals.index.set_names(["id", ycol])
            rules.append(MatchesTotals(labels.get(str(level), "Stadt"), by, totals))
        return rules

    def __repr__(self) -> str:
        return f"CityData({self.spec.name!r}, {len(self.data)} rows)\n{self.report!r}"

    def _repr_html_(self) -> str:
        return self.report._repr_html_()


# ----------------------------------------------------------------- reading files
def _read_geo(spec: CitySpec, file: str, layer: Any, key: str) -> gpd.GeoDataFrame:
    path = spec.path(file)
    if not path.exists():
        raise spec.error(
            f"{key}.file",
            f"the file {path} does not exist",
            "check the path (relative paths start at the description's folder)",
        )
    try:
        return gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:
        raise spec.error(
            f"{key}.file",
            f"{path} cannot be read as geometry ({exc})",
            "pass a GeoPackage, Shapefile or GeoJSON (and `layer:`)",
        ) from None


def _column(spec: CitySpec, frame: pd.DataFrame, col: str, key: str, what: str) -> pd.Series:
    if col not in frame.columns:
        raise spec.error(
            key,
            f"{what} names the column {col!r}, which the file does not have",
            f"{_did_you_mean(col, [str(c) for c in frame.columns])}use one of "
            f"{format_values([str(c) for c in frame.columns], 15)}",
        )
    return frame[col]


def _ids(series: pd.Series, length: int | None) -> pd.Series:
    """Ids as stripped strings; numbers read as floats lose their '.0'; zero-pad to length."""
    s = series.astype("string").str.strip()
    s = s.str.replace(r"\.0$", "", regex=True)
    if length is not None:
        numeric = s.str.fullmatch(r"\d+").fillna(False)
        s = s.where(~numeric, s.str.zfill(length))
    return s.astype(object)


def _read_plain(
    spec: CitySpec, file: str, key: str, sep: Any = None, encoding: Any = None
) -> pd.DataFrame:
    path = spec.path(file)
    if not path.exists():
        raise spec.error(key, f"the file {path} does not exist", "check the path")
    enc = encoding or "utf-8-sig"
    try:
        return pd.read_csv(
            path, dtype=str, sep=sep, engine="python", encoding=enc, keep_default_na=False
        )
    except UnicodeDecodeError:
        return pd.read_csv(
            path, dtype=str, sep=sep, engine="python", encoding="cp1252", keep_default_na=False
        )


def _read_table(spec: CitySpec, t: Table, i: int, file: str) -> pd.DataFrame:

    path = spec.path(file)
    key = f"tables[{i}]"
    if not path.exists():
        raise spec.error(
            f"{key}.file",
            f"the file {path} does not exist",
            "check the path (relative paths start at the description's folder)",
        )
    # ids are read as text: their lengths are checked by the loader (aggregate rows of
    # larger areas have shorter ids on purpose)
    texts = [c for c in (t.id, t.name, t.exclusions.get("column"), *t.category) if c]
    texts += [
        c.source[0]
        for c in spec.columns.values()
        if c.kind == "text" and c.source and t.layout == "wide" and (c.table in (None, i))
    ]

    table = None
    try:  # one read in the common case; on a missing column, read again to say which
        table = read_statistik(path, key_columns=[], text_columns=texts, **dict(t.options))
        head = table.values
    except InputError as exc:
        if "`text_columns` names" not in str(exc):
            raise
        head = read_statistik(path, nrows=1, key_columns=[], **dict(t.options)).values
    for col, sub, what in [
        (t.id, "id", "`id`"),
        *[(c, "category", "`category`") for c in t.category],
        (t.value, "value", "`value`"),
        (t.name, "name", "`name`"),
        (t.exclusions.get("column"), "exclusions.column", "`exclusions.column`"),
        *([(t.year, "year", "`year`")] if isinstance(t.year, str) else []),
    ]:
        if col is not None:
            _column(spec, head, col, f"{key}.{sub}", what)
    if table is None:  # an optional text column is in another table
        texts = [c for c in texts if c in head.columns]
        table = read_statistik(path, key_columns=[], text_columns=texts, **dict(t.options))
    return table.values


# ----------------------------------------------------------------- hierarchy
def _read_hierarchy(spec: CitySpec, ids: pd.Index, notes: list[tuple[str, str]]) -> pd.DataFrame:
    """Read the hierarchy table, indexed by the smallest areas' ids; note ids it lacks."""
    h = spec.hierarchy
    hier = _read_plain(spec, h["file"], "hierarchy.file", h.get("sep"), h.get("encoding"))
    hier.columns = [str(c).strip() for c in hier.columns]
    hid = _ids(
        _column(spec, hier, h["id"], "hierarchy.id", "`hierarchy.id`"),
        spec.levels[0].id_length,
    )
    if hid.duplicated().any():
        raise spec.error(
            "hierarchy.id",
            f"ids occur twice in the hierarchy table: "
            f"{format_values(hid[hid.duplicated()].unique())}",
            "keep one row per area",
        )
    hier.index = pd.Index(hid, name=spec.levels[0].key)
    lacking = [str(i) for i in ids if i not in set(hier.index)]
    extra = [str(i) for i in hier.index if i not in set(ids)]
    if lacking:
        notes.append(
            (
                f"{len(lacking)} area(s) of the geometry not in the hierarchy table: "
                f"{format_values(lacking)}",
                f"{len(lacking)} Gebiet(e) der Geometrie nicht in der Hierarchietabelle: "
                f"{format_values(lacking)}",
            )
        )
    if extra:
        notes.append(
            (
                f"{len(extra)} id(s) of the hierarchy table not in the geometry: "
                f"{format_values(extra)}",
                f"{len(extra)} Schlüssel der Hierarchietabelle nicht in der Geometrie: "
                f"{format_values(extra)}",
            )
        )
    return hier


def _spatial_parent(
    spec: CitySpec, geo: gpd.GeoDataFrame, ids: pd.Index, lv: Any, key: str
) -> pd.Series:
    """Find the parent polygon holding each smallest area's representative point."""
    sp = lv.parent["spatial"]
    pgeo = _read_geo(spec, sp["file"], sp.get("layer"), f"{key}.parent.spatial")
    pid = _ids(_column(spec, pgeo, sp["id"], f"{key}.parent.spatial.id", "`id`"), lv.id_length)
    pts = gpd.GeoDataFrame(
        geometry=geo.geometry.representative_point().to_numpy(), index=ids, crs=geo.crs
    )
    pgeo = gpd.GeoDataFrame(
        {"_pid": pid.to_numpy()},
        geometry=pgeo.geometry.to_crs(geo.crs).to_numpy(),
        crs=geo.crs,
    )
    joined = gpd.sjoin(pts, pgeo, how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    return joined["_pid"].reindex(ids)


def _check_nesting(spec: CitySpec, areas: pd.DataFrame) -> None:
    """Raise unless every id of a level lies in exactly one area of each larger level."""
    keys = [lv.key for lv in spec.levels[1:]]
    for a in range(len(keys)):
        for b in range(a + 1, len(keys)):
            n = areas[[keys[a], keys[b]]].dropna().groupby(keys[a])[keys[b]].nunique()
            if (n > 1).any():
                raise spec.error(
                    f"levels[{b + 1}].parent",
                    f"the hierarchy does not nest: {keys[a]} {format_values(n.index[n > 1])} lie(s) in "
                    f"more than one {keys[b]}",
                    f"derive the {keys[b]} ids so that every {keys[a]} lies in one {keys[b]}, or "
                    "list the levels in the order they nest",
                )


def _areas(
    spec: CitySpec, geo: gpd.GeoDataFrame, ids: pd.Index
) -> tuple[pd.DataFrame, dict, dict, list[tuple[str, str]]]:
    """Parent ids of every smallest area and the names of every level."""
    areas = pd.DataFrame(index=ids)
    names: dict[str, dict[str, str]] = {}
    unplaced: dict[str, tuple[str, ...]] = {}
    notes: list[tuple[str, str]] = []  # (English, German)
    hier = _read_hierarchy(spec, ids, notes) if spec.hierarchy else None
    geo_attr = pd.DataFrame(geo.drop(columns="geometry")).set_index(ids)

    def source_frame(col: str, key: str) -> pd.Series:
        if col in geo_attr.columns:
            return _ids(geo_attr[col], None)
        if hier is not None and col in hier.columns:
            return hier[col].str.strip().reindex(ids)
        avail = [*map(str, geo_attr.columns), *([] if hier is None else map(str, hier.columns))]
        raise spec.error(
            key,
            f"the column {col!r} is neither in the geometry nor in the hierarchy table",
            f"{_did_you_mean(col, avail)}use one of {format_values(avail, 15)}",
        )

    lv0 = spec.levels[0]
    for pos, lv in enumerate(spec.levels):
        key = f"levels[{pos}]"
        if pos == 0:
            level_ids = pd.Series(ids, index=ids)
        elif "prefix" in lv.parent:
            level_ids = pd.Series(ids, index=ids).str[: lv.parent["prefix"]]
            if "pad" in lv.parent:
                level_ids = level_ids.str.zfill(lv.parent["pad"])
        elif "column" in lv.parent:
            level_ids = source_frame(lv.parent["column"], f"{key}.parent.column")
        else:
            level_ids = _spatial_parent(spec, geo, ids, lv, key)
        if pos > 0:
            miss = level_ids.isna()
            if miss.any():
                unplaced[lv.key] = tuple(map(str, level_ids.index[miss]))
            areas[lv.key] = level_ids.to_numpy()
            if lv.id_length is not None:
                bad = level_ids.dropna()[level_ids.dropna().str.len() != lv.id_length]
                if len(bad):
                    raise spec.error(
                        f"{key}.id_length",
                        f"{len(bad)} {lv.key} id(s) do not have "
                        f"{lv.id_length} characters: {format_values(bad.unique())}",
                        "correct `id_length` or the way the ids are derived",
                    )
        # names
        nm = lv.names
        if "mapping" in nm:
            names[lv.key] = dict(nm["mapping"])
        elif "column" in nm:
            col = nm["column"]
            vals = (
                source_frame(col, f"{key}.names.column")
                if pos
                else (
                    geo_attr[col].astype(str)
                    if col in geo_attr.columns
                    else source_frame(col, f"{key}.names.column")
                )
            )
            pairs = pd.DataFrame({"id": level_ids.to_numpy(), "name": vals.to_numpy()}).dropna()
            clash = pairs.groupby("id")["name"].nunique()
            if (clash > 1).any():
                raise spec.error(
                    f"{key}.names.column",
                    f"level {lv.key!r} has ids with more than one "
                    f"name in {col!r}: {format_values(clash.index[clash > 1])}",
                    "name a column with one name per id",
                )
            names[lv.key] = dict(zip(pairs["id"], pairs["name"], strict=True))
        elif pos > 0 and lv.geometry.get("name"):
            lg = lv.geometry
            own = _read_geo(
                spec, lg.get("file", spec.geometry["file"]), lg.get("layer"), f"{key}.geometry"
            )
            own_ids = _ids(
                _column(spec, own, lg["id"], f"{key}.geometry.id", "`id`"), lv.id_length
            )
            own_names = _column(spec, own, lg["name"], f"{key}.geometry.name", "`name`")
            names[lv.key] = dict(zip(own_ids, own_names, strict=True))
        elif pos == 0 and spec.geometry.get("name"):
            col = spec.geometry["name"]
            names[lv.key] = dict(
                zip(
                    ids,
                    _column(spec, geo_attr, col, "geometry.name", "`name`").astype(str),
                    strict=True,
                )
            )
    _check_nesting(spec, areas)
    _ = lv0
    return areas, names, unplaced, notes


# ----------------------------------------------------------------- statistics
def _table_years(spec: CitySpec, t: Table, raw: pd.DataFrame, key: str, file: str) -> pd.Series:
    """Return the year of every row of a table (-1 for a timeless table)."""
    if isinstance(t.year, str):
        years = pd.to_numeric(raw[t.year], errors="coerce")
        if years.isna().any():
            raise spec.error(
                f"{key}.year",
                f"the year column {t.year!r} of {file} has "
                f"{int(years.isna().sum())} cell(s) that are no year",
                "fix the file or name the right column",
            )
        years = years.astype("int64")
    elif isinstance(t.year, int):
        years = pd.Series(t.year, index=raw.index, dtype="int64")
    elif len(spec.years) == 1:
        years = pd.Series(spec.years[0], index=raw.index, dtype="int64")
    else:
        years = pd.Series(-1, index=raw.index, dtype="int64")  # timeless
    return years


def _long_frame(
    spec: CitySpec,
    t: Table,
    raw: pd.DataFrame,
    ids: pd.Series,
    years: pd.Series,
    mine: list,
    key: str,
    file: str,
) -> tuple[pd.DataFrame, list[str], pd.Series | None, pd.Series, pd.Series | None]:
    """Pivot a long table (a row per area, year and category) to columns per (id, year)."""
    cat = raw[list(t.category)].astype("string").apply(lambda s: s.str.strip())
    catkey = pd.Series(list(zip(*[cat[c] for c in t.category], strict=True)), index=raw.index)
    wanted = {c.source: c.name for c in mine}
    hit = catkey.map(wanted)
    available = sorted({" / ".join(map(str, k)) for k in catkey.unique()})
    sel = hit.notna()
    long = pd.DataFrame(
        {
            "id": ids[sel].to_numpy(),
            spec.year_column: years[sel].to_numpy(),
            "column": hit[sel].to_numpy(),
            "value": pd.to_numeric(raw.loc[sel, t.value], errors="coerce").to_numpy(),
        }
    )
    dup = long.duplicated(["id", spec.year_column, "column"])
    if dup.any():
        ex = long[dup].head(3)
        raise spec.error(
            f"{key}.id",
            f"{file} holds the same area, year and category more than "
            f"once (e.g. {format_values(list(zip(ex['id'], ex[spec.year_column], ex['column'], strict=True)))})",
            "declare the category columns that tell the rows apart, or remove the duplicated rows",
        )
    frame = long.pivot(index=["id", spec.year_column], columns="column", values="value")
    frame.columns.name = None
    names_src = raw.loc[sel, t.name] if t.name else None
    id_for_names = ids[sel]
    excl_src = None
    return frame, available, names_src, id_for_names, excl_src


def _wide_frame(
    spec: CitySpec,
    t: Table,
    raw: pd.DataFrame,
    ids: pd.Series,
    years: pd.Series,
    mine: list,
    key: str,
    file: str,
) -> tuple[pd.DataFrame, list[str], pd.Series | None, pd.Series, pd.Series | None]:
    """Index a wide table (one row per area and year) by (id, year)."""
    cols: dict[Hashable, str] = {}
    for c in mine:
        source = t.columns.get(c.name, c.source[0])
        if source in raw.columns and c.name not in cols.values():
            cols[source] = c.name
    available = [str(c) for c in raw.columns]
    frame = pd.DataFrame({new: raw[old].to_numpy() for old, new in cols.items()}, index=raw.index)
    frame["id"], frame[spec.year_column] = ids.to_numpy(), years.to_numpy()
    dup = frame.duplicated(["id", spec.year_column])
    if dup.any():
        raise spec.error(
            f"{key}.id",
            f"{file} holds {int(dup.sum())} duplicated id(s): "
            f"{format_values(frame.loc[dup, 'id'].unique())}",
            "remove the duplicates (or declare `year:` if the rows are years)",
        )
    frame = frame.set_index(["id", spec.year_column])
    names_src = raw[t.name] if t.name else None
    id_for_names = ids
    excl_src = raw[t.exclusions["column"]] if t.exclusions else None
    return frame, available, names_src, id_for_names, excl_src


def _collect(
    spec: CitySpec, geo_ids: pd.Index, areas: pd.DataFrame, geo_attrs: pd.DataFrame
) -> dict[str, Any]:
    """Read every table; return area rows, aggregate rows, unmatched ids, exclusions."""
    ycol = spec.year_column
    level_sets = {lv.key: set(areas[lv.key].dropna()) for lv in spec.levels[1:]}
    parts: list[pd.DataFrame] = []  # frames indexed (id, year) with output columns
    agg_parts: list[pd.DataFrame] = []  # (level, id, year) -> columns
    without_geometry: dict[str, tuple[str, ...]] = {}
    agg_counts: dict[str, int] = {}
    excluded: dict[str, str] = {}
    sentinels: dict[str, int] = {}
    table_names: dict[str, dict[str, str]] = {}
    notes: list[tuple[str, str]] = []  # (English, German)
    found: set[str] = set()
    available: dict[int | str, list[str]] = {}
    geo_set = set(geo_ids)
    geo_cols = [c for c in spec.columns.values() if c.table == "geometry"]
    if geo_cols:
        attrs = geo_attrs
        frame = pd.DataFrame(
            index=pd.MultiIndex.from_arrays(
                [geo_ids, np.full(len(geo_ids), -1)], names=["id", ycol]
            )
        )
        for c in geo_cols:
            frame[c.name] = _column(
                spec, attrs, c.source[0], f"columns.{c.name}.from", "`from`"
            ).to_numpy()
            found.add(c.name)
        parts.append(frame)
    for i, t in enumerate(spec.tables):
        key = f"tables[{i}]"
        mine = [
            c
            for c in spec.columns.values()
            if not c.expr and c.table in (None, i) and (c.name not in found or t.layout == "wide")
        ]
        for file in t.files:
            raw = _read_table(spec, t, i, file)
            ids = _ids(raw[t.id], spec.levels[0].id_length if False else None)
            years = _table_years(spec, t, raw, key, file)
            if len(t.files) > 1 and years.nunique() > 1 and not isinstance(t.year, str):
                raise spec.error(f"{key}.files", "mixed years", "one file per year")
            make = _long_frame if t.layout == "long" else _wide_frame
            frame, available[i], names_src, id_for_names, excl_src = make(
                spec, t, raw, ids, years, mine, key, file
            )
            found |= set(frame.columns)
            # sentinels
            for sentinel in t.na_values:
                for c in frame.columns:
                    if frame[c].dtype.kind in "if":
                        hit_s = frame[c] == float(sentinel)
                        if hit_s.any():
                            sentinels[c] = sentinels.get(c, 0) + int(hit_s.sum())
                            frame[c] = frame[c].mask(hit_s)
            # aggregate rows: declared patterns, then ids of larger levels
            idx_ids = frame.index.get_level_values("id")
            role = pd.Series(None, index=range(len(frame)), dtype=object)
            for pattern, lv in t.aggregate_rows.items():
                m = pd.Series(idx_ids).str.fullmatch(pattern).fillna(False).to_numpy()
                role[m & role.isna().to_numpy()] = lv
            in_geo = pd.Index(idx_ids).isin(geo_set)
            for lv, ids_set in level_sets.items():
                m = ~in_geo & role.isna().to_numpy() & pd.Index(idx_ids).isin(ids_set)
                role[m] = lv
            is_agg = role.notna().to_numpy()
            if is_agg.any():
                a = frame[is_agg].copy()
                a.insert(0, "level", role[is_agg].to_numpy())
                agg_parts.append(a.reset_index().set_index(["level", "id", ycol]))
                per_level = pd.Series(idx_ids[is_agg]).groupby(role[is_agg].to_numpy()).nunique()
                for lv, n in per_level.items():
                    agg_counts[lv] = max(agg_counts.get(lv, 0), int(n))
            unmatched = sorted(set(idx_ids[~is_agg & ~in_geo]))
            if unmatched:
                without_geometry[file] = tuple(map(str, unmatched))
            parts.append(frame[~is_agg & in_geo])
            if names_src is not None:
                nm = pd.Series(names_src.astype(str).to_numpy(), index=id_for_names.to_numpy())
                table_names.setdefault("*", {}).update(nm[~nm.index.duplicated()].to_dict())
            if excl_src is not None:
                keep = set(t.exclusions["keep"])
                ex = pd.Series(excl_src.astype(str).str.strip().to_numpy(), index=ids.to_numpy())
                ex = ex[~ex.isin(keep)]
                excluded.update({str(k): f"{t.exclusions['column']} = {v}" for k, v in ex.items()})
    missing = [c for c in spec.columns.values() if not c.expr and c.name not in found]
    if missing:
        c = missing[0]
        tables = [c.table] if c.table is not None else range(len(spec.tables))
        avail = [a for j in tables for a in available.get(j, [])]
        shown = " / ".join(c.source)
        raise spec.error(
            f"columns.{c.name}.from" if True else "",
            f"the column {c.name!r} comes from {shown!r}, which no table holds"
            + (
                f" (also missing: {format_values([m.name for m in missing[1:]])})"
                if len(missing) > 1
                else ""
            ),
            f"{_did_you_mean(shown, avail)}use one of {format_values(avail, 12)}",
        )
    return {
        "parts": parts,
        "aggregates": pd.concat(agg_parts) if agg_parts else None,
        "without_geometry": without_geometry,
        "agg_counts": agg_counts,
        "excluded": excluded,
        "sentinels": sentinels,
        "table_names": table_names.get("*", {}),
        "notes": notes,
    }


def _combine(spec: CitySpec, parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Join the tables' frames on (id, year); timeless tables (year -1) join every year."""
    ycol = spec.year_column
    timed = [p for p in parts if len(p) and (p.index.get_level_values(ycol) != -1).all()]
    timeless = [p for p in parts if len(p) and (p.index.get_level_values(ycol) == -1).all()]
    out = None
    for p in _merge_same_columns(timed):
        out = p if out is None else _join(out, p, spec)
    for p in _merge_same_columns(timeless):
        p = p.droplevel(ycol)
        if out is None:
            out = p.assign(**{ycol: -1}).set_index(ycol, append=True)
        else:
            out = out.join(p, on="id", how="left")
    assert out is not None  # the tables gave at least one frame
    cols = [c for c in spec.columns if c in out.columns]
    return out[cols]


def _join(out: pd.DataFrame, p: pd.DataFrame, spec: CitySpec) -> pd.DataFrame:
    """Outer join on (id, year); a column two tables give is filled from both, never overwritten."""
    shared = [c for c in p.columns if c in out.columns]
    out = out.join(p[[c for c in p.columns if c not in shared]], how="outer")
    if shared:
        extra = p[shared].reindex(out.index)
        for c in shared:
            both = out[c].notna() & extra[c].notna()
            clash = both & (out[c] != extra[c])
            if clash.any():
                ids = out.index[clash.to_numpy()][:3].tolist()
                raise spec.error(
                    f"columns.{c}",
                    f"two tables give different values of {c!r} for the same area and year "
                    f"(e.g. {format_values(ids)})",
                    "keep the column in one table (`table:`), or give the tables different years",
                )
            out[c] = out[c].where(out[c].notna(), extra[c])
    return out


def _merge_same_columns(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """Frames with the same columns (one file per year) are stacked, not joined."""
    groups: dict[tuple, list[pd.DataFrame]] = {}
    for f in frames:
        groups.setdefault(tuple(f.columns), []).append(f)
    return [pd.concat(g) if len(g) > 1 else g[0] for g in groups.values()]


def _derive(spec: CitySpec, data: pd.DataFrame) -> pd.DataFrame:
    for c in spec.columns.values():
        if c.expr:
            total = 0
            for sign, name in c.expr:
                total = total + sign * data[name]
            data[c.name] = total
    return data[[c for c in spec.columns if c in data.columns]]


def _repair(spec: CitySpec, geo: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, tuple[str, ...]]:
    import shapely

    bad = ~geo.geometry.is_valid.to_numpy()
    if not bad.any():
        return geo, ()
    geo = geo.copy()
    fixed = shapely.make_valid(
        geo.geometry.to_numpy()[bad], method="structure", keep_collapsed=False
    )
    geo.loc[bad, "geometry"] = fixed
    return geo, tuple(map(str, geo.index[bad]))


def _crs_note(geo: gpd.GeoDataFrame, language: str = "en") -> str:
    """Say how the coordinate reference system was taken, in English or German."""
    de = language == "de"
    crs = geo.crs
    if crs is None:
        return (
            "kein Koordinatenbezugssystem in der Geometriedatei: Abstände und Flächen in den "
            "Einheiten der Datei"
            if de
            else "no CRS in the geometry file: distances and areas are in the file's units"
        )
    epsg = crs.to_epsg()
    if epsg is not None:
        return f"EPSG:{epsg}"
    if crs.is_projected:
        unit = crs.axis_info[0].unit_name if crs.axis_info else "?"
        return (
            f"projiziertes System ohne EPSG-Code übernommen ({crs.name}, Einheit {unit})"
            if de
            else f"projected CRS without EPSG code accepted ({crs.name}, unit {unit})"
        )
    return (
        f"geographisches System ohne EPSG-Code ({crs.name}): vor dem Messen projizieren"
        if de
        else f"geographic CRS without EPSG code ({crs.name}): project it before measuring"
    )


def load_city(
    description: CitySpec | str | Path,
    *,
    level: str | None = None,
    year: int | None = None,
) -> CityData:
    r"""Load one level of a city from its description (geometry and statistics files).

    The geometry of the smallest level is read and its invalid polygons repaired
    (``make_valid``, listed); every statistics table is read with
    :func:`sozplan.io.read_statistik`, sentinels (``na_values``) set missing, long tables
    pivoted; rows are joined to the geometry by id. Rows of larger areas (declared
    ``aggregate_rows`` or ids of a larger level) are kept apart as check sums and
    compared with the sums of the small areas. Ids without partner on either side are
    listed, never dropped silently. For a larger level the counts are summed,
    :math:`x_G = \sum_{i \in G} x_i` (a missing member makes the sum missing); rates and
    values are not carried up (see the report's notes).

    Parameters
    ----------
    description : CitySpec, path or YAML text
    level : str, optional
        Key of a level of the description; default the smallest.
    year : int, optional
        Year to load; default all years (a long table indexed by id and year, unless
        the data hold one year only).

    Returns
    -------
    CityData
        ``.data``: GeoDataFrame indexed by the level's id (index name = level key; with
        ``year=None`` and several years a MultiIndex (id, year)), columns: ids of the
        larger levels, ``name``, the description's columns, ``geometry``.
        ``.report``: the :class:`LoadReport`.

    Raises
    ------
    InputError
        Naming the description's file, line and key: a missing file or column, a
        category matching nothing, duplicated ids, a hierarchy that does not nest, a
        year no table holds.

    Examples
    --------
    >>> from sozplan.datasets import musterstadt_description
    >>> city = load_city(musterstadt_description(), level="bezirk", year=2024)
    >>> len(city.data), city.data.index.name
    (8, 'bezirk')
    >>> city.report.without_statistics
    ()
    """
    spec = (
        description
        if isinstance(description, CitySpec)
        else CitySpec.from_yaml(description, where=_WHERE)
    )
    lv = spec.level(level)
    pos = spec.levels.index(lv)
    ycol = spec.year_column
    g = spec.geometry
    geo = _read_geo(spec, g["file"], g.get("layer"), "geometry")
    lv0 = spec.levels[0]
    ids = _ids(_column(spec, geo, g["id"], "geometry.id", "`geometry.id`"), lv0.id_length)
    if ids.isna().any():
        raise spec.error(
            "geometry.id", f"{int(ids.isna().sum())} polygon(s) have no id", "fill in the ids"
        )
    if ids.duplicated().any():
        raise spec.error(
            "geometry.id",
            f"ids occur more than once in the geometry: "
            f"{format_values(ids[ids.duplicated()].unique())}",
            "keep one polygon per area (dissolve multi-part areas first)",
        )
    if lv0.id_length is not None:
        bad = ids[ids.str.len() != lv0.id_length]
        if len(bad):
            raise spec.error(
                "levels[0].id_length",
                f"{len(bad)} id(s) do not have {lv0.id_length} characters: {format_values(bad)}",
                "correct `id_length`",
            )
    geo.index = pd.Index(ids, name=lv0.key)
    if g.get("crs"):
        geo = geo.set_crs(g["crs"], allow_override=True)
    geo, repaired = _repair(spec, geo)
    areas, names, unplaced, hier_notes = _areas(spec, geo, geo.index)
    col = _collect(spec, geo.index, areas, pd.DataFrame(geo.drop(columns="geometry")))
    data = _combine(spec, col["parts"])
    data = _derive(spec, data)
    notes = [*hier_notes, *col["notes"]]
    for lvx in spec.levels:
        if lvx.names.get("tables"):
            level_ids = set(areas[lvx.key].dropna()) if lvx is not lv0 else set(geo.index)
            names[lvx.key] = {k: v for k, v in col["table_names"].items() if k in level_ids}
    all_years = sorted(set(data.index.get_level_values(ycol)) - {-1})
    if year is not None:
        data = _select_year(spec, data, year, all_years, notes)
    # areas in the geometry without any statistics row
    have = set(data.index.get_level_values("id"))
    without_stats = tuple(str(i) for i in geo.index if i not in have)
    years_here = sorted(set(data.index.get_level_values(ycol)))
    # complete the grid: every area in every year (missing rows become NaN, listed above)
    grid = pd.MultiIndex.from_product([geo.index, years_here], names=["id", ycol])
    data = data.reindex(grid)
    counts = [c for c in spec.counts() if c in data.columns]
    # check sums
    check = _check_sums(spec, data, areas, col["aggregates"], counts)
    # level
    if pos == 0:
        out = data.copy()
        out.index = out.index.set_names([lv0.key, ycol])
        parent_cols = [lvx.key for lvx in spec.levels[1:]]
        extra = areas[parent_cols].reindex(out.index.get_level_values(0))
        for k in reversed(parent_cols):
            out.insert(0, k, extra[k].to_numpy())
        geometry = geo.geometry
    else:
        out = _sum_to_level(spec, lv, pos, data, areas, counts, notes)
        geometry = _level_geometry(spec, lv, geo, areas)
    if names.get(lv.key):
        out.insert(
            0, "name", pd.Series(names[lv.key]).reindex(out.index.get_level_values(0)).to_numpy()
        )
    out["geometry"] = geometry.reindex(out.index.get_level_values(0)).to_numpy()
    gdf = gpd.GeoDataFrame(out, geometry="geometry", crs=geo.crs)
    single = year is not None or len(years_here) == 1
    if single or years_here == [-1]:
        gdf = gdf.droplevel(ycol)
    gdf = gdf.sort_index()
    report = LoadReport(
        city=spec.name,
        level=lv.key,
        year=year
        if year is not None
        else (years_here[0] if len(years_here) == 1 and years_here[0] != -1 else None),
        spec_hash=spec.hash,
        n_areas=int(gdf.index.get_level_values(0).nunique()),
        without_statistics=without_stats,
        without_geometry=MappingProxyType(col["without_geometry"]),
        aggregate_rows=MappingProxyType(col["agg_counts"]),
        check_sums=check,
        crs=_crs_note(geo),
        crs_de=_crs_note(geo, "de"),
        repaired=repaired,
        excluded=MappingProxyType(col["excluded"]),
        sentinels=MappingProxyType(col["sentinels"]),
        unplaced=MappingProxyType(unplaced),
        notes=tuple(en for en, _ in notes),
        notes_de=tuple(de for _, de in notes),
    )
    return CityData(data=gdf, report=report, spec=spec)


def _sum_to_level(
    spec: CitySpec,
    lv: Level,
    pos: int,
    data: pd.DataFrame,
    areas: pd.DataFrame,
    counts: list,
    notes: list[tuple[str, str]],
) -> pd.DataFrame:
    """Sum the smallest areas' counts up to a larger level, with the levels above it."""
    keyname = lv.key
    parent_ids = areas[lv.key].reindex(data.index.get_level_values(0)).to_numpy()
    placed = pd.notna(parent_ids)
    frame = data[counts][placed]
    frame.index = pd.MultiIndex.from_arrays(
        [parent_ids[placed], frame.index.get_level_values(spec.year_column)],
        names=[keyname, spec.year_column],
    )
    out = frame.groupby(level=[0, 1], sort=True).sum(min_count=1)
    counted = frame.notna().groupby(level=[0, 1], sort=True).all()
    out = out.where(counted)
    dropped = [c for c in data.columns if c not in counts]
    if dropped:
        notes.append(
            (
                f"not summed up to {lv.key} (not counts): {format_values(dropped)}",
                f"nicht zu {lv.key} aufsummiert (keine Fallzahlen): {format_values(dropped)}",
            )
        )
    higher = [lvx.key for lvx in spec.levels[pos + 1 :]]
    up = areas[[lv.key, *higher]].dropna(subset=[lv.key]).drop_duplicates(lv.key).set_index(lv.key)
    for k in reversed(higher):
        out.insert(0, k, up[k].reindex(out.index.get_level_values(0)).to_numpy())
    return out


def _select_year(
    spec: CitySpec, data: pd.DataFrame, year: int, all_years: list, notes: list[tuple[str, str]]
) -> pd.DataFrame:
    """Keep the rows of one year (and timeless rows); leave out columns empty in that year."""
    if all_years and year not in all_years:
        raise spec.error(
            "tables",
            f"`year` is {year!r}, which no table holds",
            f"use one of {format_values(all_years)}",
        )
    data = data[np.isin(data.index.get_level_values(spec.year_column), [year, -1])]
    empty = [c for c in data.columns if data[c].isna().all()]
    if empty:
        notes.append(
            (
                f"not available for {year}: {format_values(empty)} (left out)",
                f"für {year} nicht vorhanden: {format_values(empty)} (weggelassen)",
            )
        )
        data = data.drop(columns=empty)
    return data


def _level_geometry(
    spec: CitySpec, lv: Level, geo: gpd.GeoDataFrame, areas: pd.DataFrame
) -> gpd.GeoSeries:
    if lv.geometry:
        pos = spec.levels.index(lv)
        lg = lv.geometry
        own = _read_geo(
            spec, lg.get("file", spec.geometry["file"]), lg.get("layer"), f"levels[{pos}].geometry"
        )
        own_ids = _ids(
            _column(spec, own, lg["id"], f"levels[{pos}].geometry.id", "`id`"), lv.id_length
        )
        out = (
            own.geometry.to_crs(geo.crs)
            if own.crs is not None and geo.crs is not None
            else own.geometry
        )
        out.index = pd.Index(own_ids, name=lv.key)
        return out
    parent = areas[lv.key].reindex(geo.index)
    placed = parent.notna().to_numpy()
    g = gpd.GeoDataFrame(
        {"_k": parent[placed].to_numpy()}, geometry=geo.geometry[placed].to_numpy(), crs=geo.crs
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        dissolved = g.dissolve(by="_k")
    return dissolved.geometry


def _check_sums(
    spec: CitySpec, data: pd.DataFrame, areas: pd.DataFrame, aggregates: Any, counts: list[str]
) -> pd.DataFrame:
    """Compare every aggregate row with the sum of the smallest areas (per year and count)."""
    cols = ["level", "id", "year", "column", "published", "summed", "difference"]
    if aggregates is None or not counts:
        return pd.DataFrame(columns=cols)
    ycol = spec.year_column
    years = set(data.index.get_level_values(ycol))
    frames = []
    for lvkey, sub in aggregates.groupby(level="level", sort=False):
        sub = sub.droplevel("level")
        sub = sub[np.isin(sub.index.get_level_values(ycol), list(years))]
        use = [c for c in counts if c in sub.columns]
        if not use or not len(sub):
            continue
        if lvkey == "city":
            parent = np.full(len(data), "__city__", dtype=object)
        else:
            parent = areas[lvkey].reindex(data.index.get_level_values("id")).to_numpy()
        frame = data[use].copy()
        frame.index = pd.MultiIndex.from_arrays(
            [parent, data.index.get_level_values(ycol)], names=["id", ycol]
        )
        summed = frame.groupby(level=[0, 1]).sum(min_count=1)
        published = sub[use]
        if lvkey == "city":
            published = published.copy()
            ids = published.index.get_level_values("id")
            published.index = pd.MultiIndex.from_arrays(
                [
                    np.full(len(published), "__city__", dtype=object),
                    published.index.get_level_values(ycol),
                ],
                names=["id", ycol],
            )
        pub = published.stack().rename("published")
        summ = (
            summed.reindex(published.index)[use].stack(dropna=False)
            if False
            else (summed.reindex(published.index)[use].stack().rename("summed"))
        )
        both = pd.concat([pub, summ], axis=1).reset_index()
        both.columns = ["id", "year", "column", "published", "summed"]
        if lvkey == "city":
            both["id"] = str(ids[0])
        both.insert(0, "level", lvkey)
        frames.append(both)
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)
    out = out[out["published"].notna()]
    out["difference"] = out["published"] - out["summed"]
    return out.reset_index(drop=True)


_ = (re, Any)
