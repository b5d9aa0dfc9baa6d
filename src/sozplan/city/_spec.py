"""The city description (``sozplan: city/1``): parsing, checking, freezing, round trip."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from sozplan._core.frozen import immutable
from sozplan._yaml import load_with_positions, locate
from sozplan.errors import InputError
from sozplan.validation import PartOfWhole, SumEquals

__all__ = [
    "FORMAT",
    "CityError",
    "CitySpec",
    "ColumnSource",
    "Level",
    "Table",
]

#: The format tag every description starts with.
FORMAT = "city/1"
#: Column kinds: counts are summed up the hierarchy, rates and values are not.
KINDS = ("count", "rate", "value", "text")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class CityError(InputError):
    """An error in a city description; the message names the file, line and key."""


def _freeze(value: Any) -> Any:
    """Read-only copy: dicts become mappingproxies, lists tuples (all the way down)."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    """Plain dicts and lists again (for YAML and JSON)."""
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


@immutable
@dataclass(frozen=True)
class _Source:
    """Where the description came from, for error messages (file and key positions)."""

    name: str
    positions: Mapping[str, tuple[int, int]]
    where: str

    def error(self, key: str, what: str, fix: str) -> CityError:
        pos = locate(dict(self.positions), key) if key else None
        at = f", line {pos[0]}" if pos else ""
        prefix = f"{self.where}: " if self.where else ""
        return CityError(f"{prefix}{self.name}{at}, key `{key}`: {what}. Fix: {fix.rstrip('.')}.")


@immutable
@dataclass(frozen=True)
class Level:
    """One level of the area hierarchy.

    Attributes
    ----------
    key : str
        Name of the level and of its id column (``stadtteil``).
    label : str
        Label for people (``Stadtteil``).
    id_length : int or None
        Length every id of this level must have (checked), or None.
    parent : mapping
        How the ids of this level follow from the smallest level's rows (empty for the
        smallest level): ``{"prefix": n, "pad": w}`` (the first ``n`` characters of the
        smallest id, zero-padded to ``w``), ``{"column": c}`` (a column of the geometry
        or hierarchy table) or ``{"spatial": {"file": ..., "id": ..., "layer": ...}}``
        (the level whose polygon holds the area's representative point).
    names : mapping
        Where the names of this level's areas come from: ``{"column": c}``,
        ``{"mapping": {id: name}}`` or ``{"tables": True}`` (the name column of the
        aggregate rows of the statistics tables); empty for none.
    geometry : mapping
        Optional polygons of this level (``file``, ``layer``, ``id``, ``name``); without
        them the polygons of the smallest level are dissolved.
    """

    key: str
    label: str
    id_length: int | None = None
    parent: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    names: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    geometry: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@immutable
@dataclass(frozen=True)
class Table:
    """One statistics table (one file, or one file per year).

    Attributes
    ----------
    files : tuple of str
        Paths as written (relative to the description's folder).
    layout : {"wide", "long"}
        ``wide``: one row per area (and year), one column per count; ``long``: one row
        per area, year and category with the number in ``value``.
    id : str
        Column with the area id.
    year : str, int or None
        Column with the year, or the year of all rows, or None (then ``years`` of the
        description must hold exactly one year).
    name : str or None
        Column with the area names (used for aggregate rows).
    category : tuple of str
        Long layout: the column(s) naming the category.
    value : str or None
        Long layout: the column with the number.
    na_values : tuple
        Sentinels meaning "missing" (e.g. ``-9999``).
    aggregate_rows : mapping
        Regular expression over the id -> level key (or ``"city"``): rows that are sums
        of a larger area; kept as check sums, not read as areas.
    exclusions : mapping
        ``{"column": c, "keep": [values]}``: areas whose ``c`` is not in ``keep`` are
        listed as excluded (e.g. not rated).
    options : mapping
        Reader options passed on (``sep``, ``encoding``, ``decimal``).
    columns : mapping
        Wide layout: output column -> this table's column, where this table names a
        column differently (e.g. the residents ``EW`` here, ``Gesamt`` in another file).
    """

    files: tuple[str, ...]
    id: str
    layout: str = "wide"
    year: str | int | None = None
    name: str | None = None
    category: tuple[str, ...] = ()
    value: str | None = None
    na_values: tuple[Any, ...] = ()
    aggregate_rows: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    exclusions: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    columns: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@immutable
@dataclass(frozen=True)
class ColumnSource:
    """Where one output column comes from.

    Attributes
    ----------
    name : str
        Output column name.
    source : tuple of str
        Wide: the source column (one element); long: the category values.
    table : int, "geometry" or None
        Index of the table it comes from (None: the first table that has it), or
        ``"geometry"`` for an attribute of the smallest level's geometry file.
    kind : {"count", "rate", "value", "text"}
        Counts are summed up the hierarchy; the others are kept at the smallest level.
    label : str
    expr : tuple of (int, str)
        A derived column: signed terms (+1 or -1, column) of other columns, written as
        ``expr: "auslaender - auslaender_eu"``; empty for a column read from a table.
    """

    name: str
    source: tuple[str, ...]
    table: int | str | None = None
    kind: str = "count"
    label: str = ""
    expr: tuple[tuple[int, str], ...] = ()


_TOP = {
    "sozplan",
    "name",
    "version",
    "source",
    "levels",
    "geometry",
    "hierarchy",
    "tables",
    "columns",
    "population",
    "roles",
    "rules",
    "years",
    "year_column",
}
_LEVEL_KEYS = {"key", "label", "id_length", "parent", "names", "geometry"}
_TABLE_KEYS = {
    "file",
    "files",
    "layout",
    "id",
    "year",
    "name",
    "category",
    "value",
    "na_values",
    "aggregate_rows",
    "exclusions",
    "sep",
    "encoding",
    "decimal",
    "columns",
}
_ROLE_KEYS = {"age_bands", "foreigners", "groups", "citizenship", "benefits", "published_rates"}


def _did_you_mean(word: str, options: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(str(word), list(options), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


@immutable
@dataclass(frozen=True)
class CitySpec:
    """A city description: where ids, names, hierarchy, years and counts come from.

    Read one with :meth:`from_yaml` (a file or YAML text); :func:`sozplan.load_city`
    turns it into the GeoDataFrame of one level. The description is frozen all the way
    down; :attr:`hash` identifies its content (not its location), :meth:`to_yaml`
    writes it back (``CitySpec.from_yaml(spec.to_yaml()) == spec``).

    Attributes
    ----------
    name : str
    version : str
        Version of the description (written by the planner).
    levels : tuple of Level
        Smallest first.
    geometry : mapping
        ``file``, ``id``, optional ``layer``, ``name`` and ``crs``.
    hierarchy : mapping
        Optional table with one row per smallest area: ``file`` and ``id``.
    tables : tuple of Table
    columns : mapping of str to ColumnSource
    population : str or None
        The column holding the residents.
    roles : mapping
        ``age_bands`` (column -> (from age, to age or None)), ``foreigners``,
        ``groups`` (foreign-origin groups), ``citizenship`` (groups that sum to the
        population), ``benefits``, ``published_rates``.
    rules : mapping
        ``sums`` (whole = sum of parts) and ``parts`` (part <= whole), beside those the
        roles imply.
    years : tuple of int
        Years declared (optional; checked against the tables).
    year_column : str
        Name of the year in long results (default ``jahr``).
    base : Path or None
        Folder the relative paths refer to (not part of the hash).

    Examples
    --------
    >>> text = '''
    ... sozplan: city/1
    ... name: Beispiel
    ... levels:
    ...   - {key: gebiet, label: Gebiet, id_length: 3}
    ...   - {key: bezirk, label: Bezirk, parent: {prefix: 1}}
    ... geometry: {file: gebiete.gpkg, id: ID}
    ... tables:
    ...   - {file: zahlen.csv, id: ID, year: 2024}
    ... columns:
    ...   einwohner: {from: EW}
    ...   unter_18: {from: U18}
    ...   ab_18: {from: AB18}
    ... population: einwohner
    ... roles:
    ...   age_bands: {unter_18: [0, 18], ab_18: [18, null]}
    ... '''
    >>> spec = CitySpec.from_yaml(text)
    >>> spec.population, [lv.key for lv in spec.levels]
    ('einwohner', ['gebiet', 'bezirk'])
    >>> CitySpec.from_yaml(spec.to_yaml()) == spec
    True
    >>> len(spec.hash)
    16
    >>> CitySpec.from_yaml(text.replace("population: einwohner", "population: ew"))
    Traceback (most recent call last):
    ...
    sozplan.city._spec.CityError: CitySpec.from_yaml: description, line 14, key `population`: ...
    """

    name: str
    levels: tuple[Level, ...]
    geometry: Mapping[str, Any]
    tables: tuple[Table, ...]
    columns: Mapping[str, ColumnSource]
    population: str | None = None
    version: str = "1"
    source: str = ""
    hierarchy: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    roles: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    rules: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    years: tuple[int, ...] = ()
    year_column: str = "jahr"
    base: Path | None = field(default=None, compare=False)
    origin: str = field(default="description", compare=False, repr=False)
    _positions: Mapping[str, tuple[int, int]] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )

    # ------------------------------------------------------------------ reading
    @classmethod
    def from_yaml(
        cls, source: str | Path, *, where: str = "CitySpec", base: str | Path | None = None
    ) -> CitySpec:
        """Read a description from a YAML file or from YAML text.

        Parameters
        ----------
        source : path or str
            A file path (``.yaml``/``.yml``, or any existing file) or YAML text.
        where : str, default "CitySpec"
            Name of the calling function, used in error messages.
        base : path, optional
            Folder the relative file names refer to; default the description's folder
            (the working directory for YAML text).

        Returns
        -------
        CitySpec

        Raises
        ------
        CityError
            Naming file, line and key, what is wrong and the fix.
        """
        path: Path | None = None
        text = str(source)
        if isinstance(source, Path) or (
            "\n" not in text and (text.endswith((".yaml", ".yml")) or Path(text).is_file())
        ):
            path = Path(source)
            if not path.is_file():
                raise CityError(
                    f"{where}: the description {path} does not exist. Fix: check the path, "
                    "or write a first description with `sozplan init GEOMETRY TABLE...`."
                )
            text = path.read_text(encoding="utf-8")
        name = str(path) if path else "description"
        data, positions = load_with_positions(text, name=name, where=where)
        src = _Source(name, MappingProxyType(positions), where)
        spec = cls.from_dict(data, _source=src)
        if base is None:
            base = path.parent.resolve() if path else None
        object.__setattr__(spec, "base", Path(base) if base is not None else None)
        return spec

    @classmethod
    def from_dict(cls, data: Any, *, _source: _Source | None = None) -> CitySpec:
        """Build a description from plain Python data (the parsed YAML).

        Parameters
        ----------
        data : mapping
            As :meth:`to_dict` returns it.

        Returns
        -------
        CitySpec
        """
        src = _source or _Source("description", MappingProxyType({}), "CitySpec")
        return _parse(data, src)

    # ------------------------------------------------------------------ writing
    def to_dict(self) -> dict[str, Any]:
        """Plain data (dicts, lists, scalars) that :meth:`from_dict` reads back."""
        out: dict[str, Any] = {"sozplan": FORMAT, "name": self.name, "version": self.version}
        if self.source:
            out["source"] = self.source
        if self.years:
            out["years"] = list(self.years)
        if self.year_column != "jahr":
            out["year_column"] = self.year_column
        out["levels"] = []
        for lv in self.levels:
            d: dict[str, Any] = {"key": lv.key, "label": lv.label}
            if lv.id_length is not None:
                d["id_length"] = lv.id_length
            if lv.parent:
                d["parent"] = _thaw(lv.parent)
            if lv.names:
                d["names"] = _thaw(lv.names)
            if lv.geometry:
                d["geometry"] = _thaw(lv.geometry)
            out["levels"].append(d)
        out["geometry"] = _thaw(self.geometry)
        if self.hierarchy:
            out["hierarchy"] = _thaw(self.hierarchy)
        out["tables"] = []
        for t in self.tables:
            d = {"file": t.files[0]} if len(t.files) == 1 else {"files": list(t.files)}
            d["layout"] = t.layout
            d["id"] = t.id
            for key in ("year", "name", "value"):
                if getattr(t, key) is not None:
                    d[key] = getattr(t, key)
            if t.category:
                d["category"] = list(t.category)
            if t.na_values:
                d["na_values"] = list(t.na_values)
            if t.aggregate_rows:
                d["aggregate_rows"] = dict(t.aggregate_rows)
            if t.exclusions:
                d["exclusions"] = _thaw(t.exclusions)
            if t.columns:
                d["columns"] = dict(t.columns)
            d.update(_thaw(t.options))
            out["tables"].append(d)
        cols: dict[str, Any] = {}
        for c in self.columns.values():
            if c.expr:
                d = {"expr": format_expr(c.expr)}
            else:
                d = {"from": c.source[0] if len(c.source) == 1 else list(c.source)}
            if c.table is not None:
                d["table"] = c.table
            if c.kind != "count":
                d["kind"] = c.kind
            if c.label:
                d["label"] = c.label
            cols[c.name] = d
        out["columns"] = cols
        if self.population is not None:
            out["population"] = self.population
        if self.roles:
            out["roles"] = _thaw(self.roles)
        if self.rules:
            out["rules"] = _thaw(self.rules)
        return out

    def to_yaml(self, path: str | Path | None = None) -> str:
        """Write the description as YAML (to ``path`` if given); return the text."""
        text = yaml.safe_dump(
            self.to_dict(), allow_unicode=True, sort_keys=False, default_flow_style=None
        )
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @property
    def hash(self) -> str:
        """SHA-256 of the content (canonical JSON), first 16 hex digits."""
        blob = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]

    # ------------------------------------------------------------------ helpers
    def level(self, key: str | None) -> Level:
        """Return the level called ``key`` (None: the smallest)."""
        if key is None:
            return self.levels[0]
        for lv in self.levels:
            if lv.key == key:
                return lv
        raise CityError(
            f"load_city: `level` is {key!r}, which the description {self.origin} does not "
            f"define. Fix: {_did_you_mean(key, [lv.key for lv in self.levels])}use one of "
            f"{', '.join(repr(lv.key) for lv in self.levels)}."
        )

    def path(self, file: str) -> Path:
        """Absolute path of a file named in the description."""
        p = Path(file)
        if not p.is_absolute() and self.base is not None:
            p = self.base / p
        return p

    def error(self, key: str, what: str, fix: str, *, where: str = "load_city") -> CityError:
        """Return a :class:`CityError` naming the description's file and the line of ``key``."""
        return _Source(self.origin, self._positions, where).error(key, what, fix)

    def counts(self) -> list[str]:
        """Output columns of kind ``count`` (summed up the hierarchy)."""
        return [c.name for c in self.columns.values() if c.kind == "count"]

    def validation_rules(self) -> list[Any]:
        """Return the validation rules this description implies (for ``validate``).

        - the age bands sum to the population (``SumEquals``);
        - the citizenship groups sum to the population (``SumEquals``);
        - the foreigners are a part of the population and every foreign-origin group a
          part of the foreigners (``PartOfWhole``);
        - ``rules.sums`` and ``rules.parts`` as written.

        The published aggregate rows (check sums) are data, not description: take
        :meth:`CityData.validation_rules` to add them as ``MatchesTotals`` rules.

        Returns
        -------
        list
            ``sozplan.validation.PartOfWhole`` and ``SumEquals`` objects.

        Examples
        --------
        >>> from sozplan.datasets import musterstadt_description
        >>> rules = musterstadt_description().validation_rules()
        >>> rules[0]
        PartOfWhole(part='auslaender', whole='einwohner')
        """
        rules: list[Any] = [PartOfWhole(part=p, whole=w) for p, w in self.part_rules()]
        for whole, parts, tol in self.sum_rules():
            rules.append(SumEquals(parts=tuple(parts), whole=whole, tolerance=tol))
        return rules

    def sum_rules(self) -> list[tuple[str, tuple[str, ...], float]]:
        """(whole, parts, tolerance) of every sum rule (from roles and ``rules.sums``)."""
        out = []
        pop = self.population
        bands = tuple(self.roles.get("age_bands", {}))
        if pop and bands:
            out.append((pop, bands, 0.0))
        cit = tuple(self.roles.get("citizenship", ()))
        if pop and cit:
            out.append((pop, cit, 0.0))
        for r in self.rules.get("sums", ()):
            out.append((r["whole"], tuple(r["parts"]), float(r.get("tolerance", 0.0))))
        return out

    def part_rules(self) -> list[tuple[str, str]]:
        """(part, whole) of every part-of-whole rule (from roles and ``rules.parts``)."""
        out = []
        pop = self.population
        foreigners = self.roles.get("foreigners")
        if pop and foreigners:
            out.append((foreigners, pop))
        for g in self.roles.get("groups", ()):
            whole = foreigners or pop
            if whole:
                out.append((g, whole))
        for r in self.rules.get("parts", ()):
            out.append((r["part"], r["whole"]))
        return list(dict.fromkeys(out))

    def __repr__(self) -> str:
        levels = " > ".join(lv.key for lv in self.levels)
        return (
            f"CitySpec({self.name!r}, levels: {levels}, {len(self.tables)} table(s), "
            f"{len(self.columns)} column(s), population={self.population!r}, "
            f"hash {self.hash})"
        )

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            f"<tr><td>{html.escape(c.name)}</td><td>{c.kind}</td>"
            f"<td>{html.escape(' / '.join(c.source))}</td></tr>"
            for c in self.columns.values()
        )
        return (
            f"<p><b>{html.escape(self.name)}</b> (description {html.escape(self.version)}, "
            f"hash {self.hash}); levels: "
            f"{html.escape(' > '.join(lv.label for lv in self.levels))}</p>"
            f"<table><tr><th>column</th><th>kind</th><th>source</th></tr>{rows}</table>"
        )


# ---------------------------------------------------------------------- parsing
def _need(src: _Source, data: Mapping, key: str, path: str, types: Any, what: str) -> Any:
    if key not in data:
        raise src.error(path or key, f"the key `{key}` is missing", f"add `{key}:` ({what})")
    return _typed(src, data[key], f"{path}.{key}" if path else key, types, what)


def _typed(src: _Source, value: Any, path: str, types: Any, what: str) -> Any:
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in _as_tuple(types)):
        raise src.error(path, f"{value!r} is not {what}", f"write {what}")
    return value


def _as_tuple(t: Any) -> tuple:
    return t if isinstance(t, tuple) else (t,)


def _unknown(src: _Source, data: Mapping, allowed: set[str], path: str) -> None:
    for k in data:
        if k not in allowed:
            key = f"{path}.{k}" if path else str(k)
            raise src.error(
                key,
                f"unknown key `{k}`",
                f"{_did_you_mean(str(k), sorted(allowed))}use one of {', '.join(sorted(allowed))}",
            )


def _parse(data: Any, src: _Source) -> CitySpec:
    if not isinstance(data, Mapping):
        raise src.error(
            "sozplan", "the description must be a mapping of keys", "start with `sozplan: city/1`"
        )
    tag = data.get("sozplan")
    if tag != FORMAT:
        raise src.error(
            "sozplan",
            f"`sozplan` is {tag!r}, this version reads {FORMAT!r}",
            f"write `sozplan: {FORMAT}` as the first line",
        )
    _unknown(src, data, _TOP, "")
    name = str(_need(src, data, "name", "", (str, int), "the city's name"))
    version = str(data.get("version", "1"))
    levels = _parse_levels(src, _need(src, data, "levels", "", list, "a list of levels"))
    keys = [lv.key for lv in levels]
    geometry = _parse_geometry(src, _need(src, data, "geometry", "", dict, "a mapping"))
    hierarchy = data.get("hierarchy") or {}
    if hierarchy:
        _typed(src, hierarchy, "hierarchy", dict, "a mapping with `file` and `id`")
        _unknown(src, hierarchy, {"file", "id", "sep", "encoding"}, "hierarchy")
        _need(src, hierarchy, "file", "hierarchy", str, "a file path")
        _need(src, hierarchy, "id", "hierarchy", str, "the id column of the smallest level")
    tables = tuple(
        _parse_table(src, t, f"tables[{i}]", keys)
        for i, t in enumerate(_need(src, data, "tables", "", list, "a list of tables"))
    )
    if not tables:
        raise src.error("tables", "no statistics table is listed", "add at least one table")
    for i, lv in enumerate(levels):
        if lv.names.get("tables") and not any(t.name for t in tables):
            raise src.error(
                f"levels[{i}].names",
                "the names are to come from the tables, but no table declares a `name:` column",
                "add `name: COLUMN` to the table that holds the names, or take them from a "
                "`column` or a `mapping`",
            )
    columns = _parse_columns(src, data.get("columns") or {}, tables)
    for i, t in enumerate(tables):
        for out_name in t.columns:
            if out_name not in columns:
                raise src.error(
                    f"tables[{i}].columns.{out_name}",
                    f"{out_name!r} is not a key of `columns`",
                    f"{_did_you_mean(out_name, list(columns))}declare it under `columns:` first",
                )
    population = data.get("population")
    if population is not None:
        _typed(src, population, "population", str, "a column name")
        if population not in columns:
            raise src.error(
                "population",
                f"`population` names {population!r}, which is not a key of `columns`",
                f"{_did_you_mean(population, list(columns))}name one of the columns, "
                "or add it under `columns:`",
            )
    roles = _parse_roles(src, data.get("roles") or {}, columns)
    if roles.get("published_rates"):
        columns = {
            k: (
                ColumnSource(c.name, c.source, c.table, "rate", c.label)
                if k in roles["published_rates"]
                else c
            )
            for k, c in columns.items()
        }
    rules = _parse_rules(src, data.get("rules") or {}, columns)
    years = data.get("years") or ()
    years = tuple(_typed(src, y, f"years[{i}]", int, "a year") for i, y in enumerate(years))
    year_column = str(data.get("year_column", "jahr"))
    for c in columns:
        if c in (*keys, year_column, "name", "geometry"):
            raise src.error(
                f"columns.{c}",
                f"the column name {c!r} is taken by an id, the year, the names or the geometry",
                "choose another name",
            )
    return CitySpec(
        name=name,
        version=version,
        source=str(data.get("source", "")),
        levels=levels,
        geometry=_freeze(geometry),
        hierarchy=_freeze(hierarchy),
        tables=tables,
        columns=MappingProxyType(columns),
        population=population,
        roles=_freeze(roles),
        rules=_freeze(rules),
        years=years,
        year_column=year_column,
        origin=src.name,
        _positions=src.positions,
    )


def _parse_levels(src: _Source, raw: list) -> tuple[Level, ...]:
    if not raw:
        raise src.error("levels", "no level is listed", "list the levels, smallest first")
    out: list[Level] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        path = f"levels[{i}]"
        _typed(src, item, path, dict, "a mapping with `key` and `label`")
        _unknown(src, item, _LEVEL_KEYS, path)
        key = _need(src, item, "key", path, str, "a level name")
        if not _NAME.match(key):
            raise src.error(
                f"{path}.key", f"{key!r} is not a plain name", "use letters, digits, _"
            )
        if key in seen:
            raise src.error(f"{path}.key", f"the level {key!r} is listed twice", "rename one")
        seen.add(key)
        length = item.get("id_length")
        if length is not None:
            _typed(src, length, f"{path}.id_length", int, "a whole number")
        parent = item.get("parent") or {}
        _typed(src, parent, f"{path}.parent", dict, "a mapping")
        if i == 0 and parent:
            raise src.error(
                f"{path}.parent",
                "the smallest level (the first) has no `parent` rule",
                "list the levels smallest first; the ids of the first come from `geometry.id`",
            )
        if i > 0:
            kinds = [k for k in ("prefix", "column", "spatial") if k in parent]
            if len(kinds) != 1:
                raise src.error(
                    f"{path}.parent",
                    f"level {key!r} needs exactly one way to find its ids (got "
                    f"{', '.join(kinds) or 'none'})",
                    "write `parent: {prefix: N}` (first N characters of the smallest "
                    "level's id), `parent: {column: COLUMN}` (geometry or hierarchy table) or "
                    "`parent: {spatial: {file: ..., id: ...}}`",
                )
            _unknown(src, parent, {"prefix", "pad", "column", "spatial"}, f"{path}.parent")
            if "prefix" in parent:
                _typed(src, parent["prefix"], f"{path}.parent.prefix", int, "a whole number")
            if "pad" in parent:
                _typed(src, parent["pad"], f"{path}.parent.pad", int, "a whole number")
            if "spatial" in parent:
                sp = _typed(src, parent["spatial"], f"{path}.parent.spatial", dict, "a mapping")
                _need(src, sp, "file", f"{path}.parent.spatial", str, "a file path")
                _need(src, sp, "id", f"{path}.parent.spatial", str, "the id column")
        names = item.get("names") or {}
        _typed(src, names, f"{path}.names", dict, "a mapping")
        if names:
            _unknown(src, names, {"column", "mapping", "tables"}, f"{path}.names")
            if "mapping" in names:
                m = _typed(src, names["mapping"], f"{path}.names.mapping", dict, "id: name pairs")
                names = {**names, "mapping": {str(k): str(v) for k, v in m.items()}}
        lgeo = item.get("geometry") or {}
        if lgeo:
            _typed(src, lgeo, f"{path}.geometry", dict, "a mapping")
            _unknown(src, lgeo, {"file", "layer", "id", "name"}, f"{path}.geometry")
            _need(src, lgeo, "id", f"{path}.geometry", str, "the id column of this level")
        out.append(
            Level(
                key=key,
                label=str(item.get("label", key)),
                id_length=length,
                parent=_freeze(parent),
                names=_freeze(names),
                geometry=_freeze(lgeo),
            )
        )
    return tuple(out)


def _parse_geometry(src: _Source, raw: dict) -> dict:
    _unknown(src, raw, {"file", "layer", "id", "name", "crs"}, "geometry")
    _need(src, raw, "file", "geometry", str, "a file path (GeoPackage, Shapefile, GeoJSON)")
    _need(src, raw, "id", "geometry", str, "the id column of the smallest level")
    return dict(raw)


def _parse_table(src: _Source, raw: Any, path: str, levels: list[str]) -> Table:
    _typed(src, raw, path, dict, "a mapping with `file` and `id`")
    _unknown(src, raw, _TABLE_KEYS, path)
    if ("file" in raw) == ("files" in raw):
        raise src.error(path, "a table needs `file` or `files` (not both)", "write `file: PATH`")
    files = raw.get("files") or [raw.get("file")]
    files = tuple(_typed(src, f, f"{path}.file", str, "a file path") for f in files)
    layout = raw.get("layout", "wide")
    if layout not in ("wide", "long"):
        raise src.error(f"{path}.layout", f"`layout` is {layout!r}", "write wide or long")
    ident = _need(src, raw, "id", path, str, "the id column")
    year = raw.get("year")
    if year is not None:
        _typed(src, year, f"{path}.year", (str, int), "a column name or a year")
    category = raw.get("category") or ()
    if isinstance(category, str):
        category = (category,)
    value = raw.get("value")
    if layout == "long" and (not category or value is None):
        raise src.error(
            path,
            "a long table needs `category` (the column(s) naming the count) and `value`",
            "add e.g. `category: [tab_id, zeile]` and `value: zahl`",
        )
    aggregate = raw.get("aggregate_rows") or {}
    _typed(src, aggregate, f"{path}.aggregate_rows", dict, "pattern: level pairs")
    for pat, lv in aggregate.items():
        key = f"{path}.aggregate_rows.{pat}"
        try:
            re.compile(str(pat))
        except re.error as exc:
            raise src.error(key, f"{pat!r} is no regular expression ({exc})", "fix it") from None
        if lv not in (*levels, "city"):
            raise src.error(
                key,
                f"aggregate rows are assigned to {lv!r}, which is no level",
                f"use one of {', '.join([*levels, 'city'])}",
            )
    exclusions = raw.get("exclusions") or {}
    if exclusions:
        _typed(src, exclusions, f"{path}.exclusions", dict, "{column: ..., keep: [...]}")
        _need(src, exclusions, "column", f"{path}.exclusions", str, "a column name")
        keep = exclusions.get("keep", [])
        exclusions = {
            "column": exclusions["column"],
            "keep": [str(k) for k in (keep if isinstance(keep, list) else [keep])],
        }
    na = raw.get("na_values")
    na = () if na is None else tuple(na if isinstance(na, list) else [na])
    options = {k: raw[k] for k in ("sep", "encoding", "decimal") if k in raw}
    return Table(
        files=files,
        id=ident,
        layout=layout,
        year=year,
        name=raw.get("name"),
        category=tuple(str(c) for c in category),
        value=value,
        na_values=na,
        aggregate_rows=MappingProxyType({str(k): str(v) for k, v in aggregate.items()}),
        exclusions=_freeze(exclusions),
        options=MappingProxyType(options),
        columns=MappingProxyType({str(k): str(v) for k, v in (raw.get("columns") or {}).items()}),
    )


def _parse_columns(src: _Source, raw: Any, tables: tuple[Table, ...]) -> dict:
    _typed(src, raw, "columns", dict, "a mapping of output column -> {from: ...}")
    out: dict[str, ColumnSource] = {}
    for name, item in raw.items():
        path = f"columns.{name}"
        if not _NAME.match(str(name)):
            raise src.error(path, f"{name!r} is not a plain column name", "use letters, digits, _")
        if item is None:
            item = {}
        if isinstance(item, (str, list)):
            item = {"from": item}
        _typed(src, item, path, dict, "{from: SOURCE}")
        _unknown(src, item, {"from", "table", "kind", "label", "expr"}, path)
        if "expr" in item:
            if "from" in item or "table" in item:
                raise src.error(
                    path, "a column has either `from` (read) or `expr` (derived)", "keep one"
                )
            out[str(name)] = ColumnSource(
                str(name),
                (),
                None,
                item.get("kind", "count"),
                str(item.get("label", "")),
                tuple(
                    parse_expr(
                        item["expr"],
                        lambda what, fix, key=f"{path}.expr": src.error(key, what, fix),
                    )
                ),
            )
            continue
        table = item.get("table")
        if table == "geometry":
            source = item.get("from", name)
            kind = item.get("kind", "count")
            if kind not in KINDS:
                raise src.error(
                    f"{path}.kind", f"`kind` is {kind!r}", f"use one of {', '.join(KINDS)}"
                )
            out[str(name)] = ColumnSource(
                str(name), (str(source),), "geometry", kind, str(item.get("label", ""))
            )
            continue
        if table is not None:
            _typed(src, table, f"{path}.table", int, "a table number (0 = first)")
            if not 0 <= table < len(tables):
                raise src.error(
                    f"{path}.table",
                    f"there is no table {table}",
                    f"use 0 to {len(tables) - 1}",
                )
        source = item.get("from", name)
        source = tuple(str(s) for s in (source if isinstance(source, list) else [source]))
        layouts = {tables[table].layout} if table is not None else {t.layout for t in tables}
        widths = {len(t.category) for t in tables if t.layout == "long"}
        if layouts == {"long"} and len(source) not in widths:
            raise src.error(
                f"{path}.from",
                f"{list(source)} has {len(source)} value(s) but the long table's `category` has "
                f"{' or '.join(map(str, sorted(widths)))}",
                "give one value per category column",
            )
        kind = item.get("kind", "count")
        if kind not in KINDS:
            raise src.error(
                f"{path}.kind", f"`kind` is {kind!r}", f"use one of {', '.join(KINDS)}"
            )
        out[str(name)] = ColumnSource(str(name), source, table, kind, str(item.get("label", "")))
    for name, c in out.items():
        if c.expr:
            _check_names(src, [n for _, n in c.expr], f"columns.{name}.expr", out)
            if any(out[n].expr for _, n in c.expr):
                raise src.error(
                    f"columns.{name}.expr",
                    "a derived column may only use columns read from tables",
                    "write the expression over read columns",
                )
    return out


def _check_names(src: _Source, names: Sequence[Any], path: str, columns: Mapping) -> None:
    for i, n in enumerate(names):
        if n not in columns:
            raise src.error(
                f"{path}[{i}]" if len(names) > 1 or path.endswith("s") else path,
                f"{n!r} is not a key of `columns`",
                f"{_did_you_mean(str(n), list(columns))}add it under `columns:` or correct it",
            )


def _parse_roles(src: _Source, raw: Any, columns: Mapping) -> dict:
    _typed(src, raw, "roles", dict, "a mapping")
    _unknown(src, raw, _ROLE_KEYS, "roles")
    roles: dict[str, Any] = {}
    bands = raw.get("age_bands") or {}
    if bands:
        _typed(src, bands, "roles.age_bands", dict, "column: [from age, to age] pairs")
        parsed = {}
        for col, ages in bands.items():
            path = f"roles.age_bands.{col}"
            _check_names(src, [col], path, columns)
            ok = isinstance(ages, list) and len(ages) == 2 and isinstance(ages[0], int)
            ok = ok and (ages[1] is None or (isinstance(ages[1], int) and ages[1] > ages[0]))
            if not ok:
                raise src.error(
                    path,
                    f"{ages!r} is not an age range",
                    "write [from, to) e.g. [0, 3] or [75, null]",
                )
            parsed[col] = (ages[0], ages[1])
        ranges = sorted(parsed.items(), key=lambda kv: kv[1][0])
        expect = 0
        for col, (lo, hi) in ranges:
            if lo != expect:
                gap = "a gap" if lo > expect else "an overlap"
                raise src.error(
                    f"roles.age_bands.{col}",
                    f"the age bands do not tile the ages: {gap} at age {expect} (band {col!r} "
                    f"starts at {lo})",
                    "make every band start where the previous one ends, the first at 0 and "
                    "the last open (null)",
                )
            expect = hi if hi is not None else -1
            if hi is None and col != ranges[-1][0]:
                raise src.error(
                    f"roles.age_bands.{col}", "only the oldest band may be open", "close it"
                )
        if expect != -1:
            raise src.error(
                "roles.age_bands",
                f"the oldest band ends at {expect}; the bands do not cover all ages",
                "make the last band open: [from, null]",
            )
        roles["age_bands"] = dict(ranges)
    for key in ("foreigners",):
        if raw.get(key) is not None:
            _check_names(src, [raw[key]], f"roles.{key}", columns)
            roles[key] = raw[key]
    for key in ("groups", "citizenship", "benefits", "published_rates"):
        if raw.get(key):
            vals = _typed(src, raw[key], f"roles.{key}", list, "a list of columns")
            _check_names(src, vals, f"roles.{key}", columns)
            roles[key] = list(vals)
    return roles


def _parse_rules(src: _Source, raw: Any, columns: Mapping) -> dict:
    _typed(src, raw, "rules", dict, "a mapping with `sums` and `parts`")
    _unknown(src, raw, {"sums", "parts"}, "rules")
    out: dict[str, Any] = {}
    sums = []
    for i, r in enumerate(raw.get("sums") or []):
        path = f"rules.sums[{i}]"
        _typed(src, r, path, dict, "{whole: ..., parts: [...]}")
        parts = _need(src, r, "parts", path, list, "a list of columns")
        whole = _need(src, r, "whole", path, str, "a column")
        parts = [_expand(src, p, f"{path}.parts", columns) for p in parts]
        parts = [p for group in parts for p in group]
        _check_names(src, [whole], f"{path}.whole", columns)
        sums.append({"whole": whole, "parts": parts, "tolerance": float(r.get("tolerance", 0.0))})
    if sums:
        out["sums"] = sums
    parts_out = []
    for i, r in enumerate(raw.get("parts") or []):
        path = f"rules.parts[{i}]"
        _typed(src, r, path, dict, "{part: ..., whole: ...}")
        part = _need(src, r, "part", path, str, "a column")
        whole = _need(src, r, "whole", path, str, "a column")
        _check_names(src, [part], f"{path}.part", columns)
        _check_names(src, [whole], f"{path}.whole", columns)
        parts_out.append({"part": part, "whole": whole})
    if parts_out:
        out["parts"] = parts_out
    return out


_TERM = re.compile(r"\s*([+-])?\s*([A-Za-z_][A-Za-z0-9_]*)\s*")


def parse_expr(expr: Any, error: Any) -> list[tuple[int, str]]:
    """Parse ``a + b - c`` into signed terms; nothing else is allowed (no eval).

    Examples
    --------
    >>> parse_expr("einwohner - deutsche", None)
    [(1, 'einwohner'), (-1, 'deutsche')]
    """
    text = str(expr)
    pos = 0
    terms: list[tuple[int, str]] = []
    while pos < len(text):
        m = _TERM.match(text, pos)
        if not m or m.end() == pos or (terms and m.group(1) is None):
            raise error(
                f"{text!r} is not a sum or difference of column names",
                "write column names joined by + or -, e.g. `einwohner - deutsche`",
            )
        terms.append((-1 if m.group(1) == "-" else 1, m.group(2)))
        pos = m.end()
    if not terms:
        raise error("the expression is empty", "write column names joined by + or -")
    return terms


def format_expr(terms: Sequence[tuple[int, str]]) -> str:
    """Write signed terms back as text (``a + b - c``)."""
    out = ""
    for i, (sign, name) in enumerate(terms):
        out += (("- " if sign < 0 else "+ ") if i else ("-" if sign < 0 else "")) + name + " "
    return out.strip()


def _expand(src: _Source, expr: Any, path: str, columns: Mapping) -> list[str]:
    """Expand a part of a sum rule: a column or a sum of columns ``a + b`` (no differences)."""
    terms = parse_expr(expr, lambda what, fix: src.error(path, what, fix))
    if any(sign < 0 for sign, _ in terms):
        raise src.error(path, f"{expr!r} subtracts; parts of a sum add up", "use + only")
    names = [n for _, n in terms]
    _check_names(src, names, path, columns)
    return names
