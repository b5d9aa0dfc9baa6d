"""Writing a first city description by looking at the files (``sozplan init``)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sozplan.checks import fail, format_values
from sozplan.city._load import _crs_note
from sozplan.city._spec import CitySpec
from sozplan.io import read_statistik

__all__ = ["init"]

_YEAR_NAMES = re.compile(r"^(jahr|year|berichtsjahr|stichtag|zeit|time)$", re.IGNORECASE)
_POP_WORDS = re.compile(r"einwohner|bev[öo]lkerung|insgesamt|gesamt|^ew$|population|total", re.I)
_ID_WORDS = re.compile(r"id|nr|schl|key|code|nummer|ags|ars", re.IGNORECASE)

_TEXT = {
    "de": {
        "head": "Erster Entwurf einer Stadtbeschreibung, geschrieben von `sozplan init`.",
        "edit": "Bitte prüfen und ergänzen: Ebenen, Namen, Rollen (population, age_bands, ...).",
        "geometry": "Geometrie: {n} Gebiete, Schlüsselspalte {id!r}, Namensspalte {name!r}.",
        "crs": "Koordinatenbezugssystem: {crs}.",
        "table": "Tabelle {file}: {rows} Zeilen, Layout {layout}, Schlüssel {id!r}.",
        "join": "Verknüpfung: {matched} von {n} Gebieten der Geometrie gefunden ({rate:.0%}).",
        "no_stats": "Gebiete ohne Statistik: {ids}",
        "no_geo": "Schlüssel ohne Geometrie (Summenzeilen oder neue Gebiete?): {ids}",
        "years": "Jahre: {years}",
        "pop": "Kandidaten für die Einwohnerzahl: {cands}",
        "levels": "Vermutete Hierarchie: die ersten {k} Zeichen des Schlüssels ergeben {n} "
        "größere Gebiete.",
        "agg": "Summenzeilen der Ebene {level} (Schlüssel wie {ex}).",
        "more": "... und {n} weitere Spalten: bei Bedarf ergänzen.",
        "roles": "Rollen: welche Spalte ist was? Ergänzen, z. B. age_bands mit Altersgrenzen.",
    },
    "en": {
        "head": "First draft of a city description, written by `sozplan init`.",
        "edit": "Please check and complete: levels, names, roles (population, age_bands, ...).",
        "geometry": "Geometry: {n} areas, id column {id!r}, name column {name!r}.",
        "crs": "Coordinate reference system: {crs}.",
        "table": "Table {file}: {rows} rows, layout {layout}, id {id!r}.",
        "join": "Join: {matched} of {n} areas of the geometry found ({rate:.0%}).",
        "no_stats": "Areas without statistics: {ids}",
        "no_geo": "Ids without geometry (aggregate rows or new areas?): {ids}",
        "years": "Years: {years}",
        "pop": "Candidates for the residents: {cands}",
        "levels": "Hierarchy guess: the first {k} characters of the id give {n} larger areas.",
        "agg": "Aggregate rows of level {level} (ids like {ex}).",
        "more": "... and {n} more columns: add them if needed.",
        "roles": "Roles: which column is what? Complete, e.g. age_bands with age limits.",
    },
}


@dataclass
class _Table:
    file: str
    frame: pd.DataFrame
    id: str
    ids: pd.Series
    layout: str = "wide"
    year: Any = None
    years: list[int] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    value: str | None = None
    name: str | None = None
    year_column: str | None = None


def _slug(text: str) -> str:
    t = str(text).lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        t = t.replace(a, b)
    t = re.sub(r"[^a-z0-9]+", "_", t).strip("_")
    if not t or t[0].isdigit():
        t = f"c_{t}"
    return t[:40]


def _norm_ids(s: pd.Series) -> pd.Series:
    out = s.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    return out.astype(object)


def _rel(path: Path, out_dir: Path | None) -> str:
    import os

    if out_dir is None:
        return str(path)
    return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(out_dir))).as_posix()


def _pick_geometry_columns(geo: Any) -> tuple[str, str | None]:
    attrs = [c for c in geo.columns if c != "geometry"]
    unique = [c for c in attrs if geo[c].notna().all() and geo[c].is_unique]
    if not unique:
        raise fail(
            "init",
            "the geometry file has no column with a unique value per polygon",
            "add an id column to the geometry (or dissolve areas that are split)",
        )
    ids = sorted(
        unique,
        key=lambda c: (
            not _ID_WORDS.search(str(c)),
            not _norm_ids(geo[c]).str.fullmatch(r"\d+").all(),
        ),
    )
    id_col = ids[0]
    texts = [
        c
        for c in attrs
        if c != id_col
        and geo[c].dtype.kind in "OUT"
        and not _norm_ids(geo[c]).str.fullmatch(r"[\d.]+").fillna(False).all()
    ]
    name = max(texts, key=lambda c: geo[c].nunique()) if texts else None
    return id_col, name


def _read(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a table twice: every cell as text (ids keep their zeros) and with numbers."""
    numbers = read_statistik(path, key_columns=[]).values
    text = read_statistik(path, key_columns=[], text_columns=list(numbers.columns)).values
    # columns that are numbers, but ids or categories, stay text
    frame = numbers.copy()
    for c in numbers.columns:
        if numbers[c].dtype.kind not in "if" or text[c].str.fullmatch(r"0\d+").any():
            frame[c] = text[c]
    return frame, text


def _inspect(path: Path, geo_ids: set[str]) -> _Table:
    frame, text = _read(path)
    best, best_hits = None, -1
    for c in text.columns:
        vals = _norm_ids(text[c])
        hits = int(vals.isin(geo_ids).sum())
        if hits > best_hits:
            best, best_hits = c, hits
    if best is None or best_hits == 0:
        raise fail(
            "init",
            f"no column of {path} holds ids of the geometry",
            "check that the table and the geometry describe the same areas (and that the "
            "ids are written the same way, e.g. with leading zeros)",
        )
    frame[best] = text[best]
    t = _Table(file=str(path), frame=frame, id=str(best), ids=_norm_ids(text[best]))
    for c in frame.columns:
        if _YEAR_NAMES.match(str(c).strip()):
            y = pd.to_numeric(frame[c], errors="coerce")
            if y.notna().all() and y.between(1900, 2100).all():
                t.year, t.years = str(c), sorted(int(v) for v in y.unique())
                break
            if y.notna().all() and y.between(190001, 210012).all():  # yyyymm
                t.year, t.year_column = int(y.iloc[0] // 100), str(c)
                t.years = sorted({int(v // 100) for v in y.unique()})
                break
    if t.year is None:
        m = re.search(r"(19|20)\d\d", path.stem)
        if m:
            t.year, t.years = int(m.group(0)), [int(m.group(0))]
    keys = [t.id] + ([t.year] if isinstance(t.year, str) else [])
    repeated = frame.duplicated(keys).any()
    numeric = [c for c in frame.columns if frame[c].dtype.kind in "if" and c not in keys]
    texts = [c for c in frame.columns if c not in keys and c not in numeric]
    if repeated and numeric:
        t.layout = "long"
        t.value = str(numeric[-1])
        cands = [c for c in texts if frame[c].nunique() <= 500]
        for k in (1, 2, 3):
            combos = [list(x) for x in itertools.combinations(cands, k)]
            combos.sort(key=lambda cs: -sum(not frame[c].str.fullmatch(r"\d+").all() for c in cs))
            for combo in combos:
                if not frame.duplicated([*keys, *combo]).any():
                    t.category = [str(c) for c in combo]
                    break
            if t.category:
                break
    names = [
        c
        for c in texts
        if c not in t.category
        and frame.groupby(t.ids.to_numpy())[c].nunique().max() == 1
        and frame[c].nunique() > 1
    ]
    t.name = str(names[0]) if names else None
    return t


def _aggregate_prefix(e: str, geo_ids: pd.Series) -> int | None:
    """0 for a city row ('000'), k for a row of the level 'first k characters', else None."""
    if not e.isdigit():
        return None
    stripped = e.lstrip("0")
    if not stripped:
        return 0
    lengths = geo_ids.str.len()
    if len(stripped) >= lengths.min():
        return None
    if geo_ids.str.startswith(stripped).any():
        return len(stripped)
    return None


def _pattern(ids: list[str]) -> str:
    """Return a regular expression matching these ids (a digit range where they form one)."""
    same = len({len(i) for i in ids}) == 1 and all(i[:-1] == ids[0][:-1] for i in ids)
    if same and len(ids) > 2:
        return f"{re.escape(ids[0][:-1])}[{ids[0][-1]}-{ids[-1][-1]}]"
    return "|".join(re.escape(i) for i in ids[:50])


#: Prefix lengths of the official regional keys: AGS (8 digits: Land 2, Regierungsbezirk 3,
#: Kreis 5) and ARS (12 digits: also Gemeindeverband 9).
_OFFICIAL_PREFIXES = {8: (5, 3, 2), 12: (9, 5, 3, 2)}


def _prefix_levels(ids: Sequence[str], columns: Sequence[pd.Series] = ()) -> list[tuple[int, int]]:
    """Guess the levels above the areas from the ids: ``(k, n)``, longest prefix first.

    The first ``k`` characters of the ids give ``n`` parents. A length ``k`` is kept
    when

    * the parents group the areas: ``2 <= n <= N / 2`` and at most half of the parents
      have a single child;
    * it ends a field of the key: of several lengths that give the same parents the
      field is placed by :func:`_field_end` (Berlin's Prognoseraum ``0110``, whose
      last digit is always 0, ends at 4; AGS Gemeinden ``001`` start at 5), the digit
      before the field's end branches (the parents of ``k - 1`` characters split into
      1.5 children each on average), and it is not the tens digit of a number that
      goes on after it (a digit that is 0, 1 or 2 for 90 % of the ids followed by a
      digit with five values or more: ``0110010`` in ``01100101`` cuts Berlin's
      Planungsraum number ``01`` in two);
    * or a column of the files (``columns``, aligned with ``ids``) is constant within
      the parents and has ``n`` values (a Bezirk column beside the areas).

    Ids of 8 or 12 digits that share a Land code (01 to 16) are read as AGS or ARS: the
    prefixes of those keys that group the areas are the levels. At most three levels.
    """
    ids = [str(i) for i in ids]
    widths = {len(i) for i in ids}
    if len(widths) != 1 or len(ids) < 4:
        return []
    width, n_ids = widths.pop(), len(ids)
    frame = pd.DataFrame({k: [i[:k] for i in ids] for k in range(width + 1)})
    counts = {k: int(frame[k].nunique()) for k in range(width + 1)}

    def groups(k: int) -> bool:
        sizes = frame.groupby(k).size()
        return 2 <= counts[k] <= n_ids / 2 and (sizes == 1).mean() <= 0.5

    def confirmed(k: int) -> bool:
        keys = frame[k].to_numpy()
        for col in columns:
            per = pd.Series(col.to_numpy()).groupby(keys).nunique(dropna=False)
            if (per == 1).all() and col.nunique(dropna=False) == counts[k]:
                return True
        return False

    def ends_field(first: int, last: int) -> bool:
        # the digit before `first` branches and is not the tens digit of a number that
        # goes on after the run (`last` is the first position that varies again)
        if counts[first] / counts[first - 1] < 1.5:
            return False
        digit = pd.Series([i[first - 1] for i in ids])
        after = {i[last] for i in ids}
        return not (digit.isin(["0", "1", "2"]).mean() >= 0.9 and len(after) >= 5)

    official = _OFFICIAL_PREFIXES.get(width, ())
    one_land = len({i[:2] for i in ids}) == 1 and "01" <= ids[0][:2] <= "16"
    if official and one_land and all(i.isdigit() for i in ids):  # an AGS (ARS) of one Land
        kept = [(k, counts[k]) for k in official if groups(k) and counts[k] > counts[k - 1]]
        return kept[:3]
    kept = []
    k = width - 1
    while k >= 1:
        first = k
        while first > 1 and counts[first - 1] == counts[k]:
            first -= 1  # the same parents: the digits first..k-1 are constant within them
        k_run, k = k, first - 1
        if not (counts[k_run] < counts[k_run + 1] and groups(k_run)):
            continue
        if ends_field(first, k_run) or confirmed(k_run):
            kept.append((_field_end(ids, first, k_run), counts[k_run]))
    return kept[:3]


def _field_end(ids: Sequence[str], first: int, last: int) -> int:
    """Choose where a field ends when the prefixes ``first..last`` give the same parents.

    The digits ``first..last-1`` are then constant within each parent. Zeros after a
    digit that is never 0 and takes five values or more are the last digits of numbers
    counted in tens (Berlin's Prognoseraum 10, 20, ... 90: the field ends at ``last``);
    otherwise they are the leading zeros of the next field (a Gemeinde ``001`` of an
    AGS, a block ``007`` below a Bezirksteil 1-3: the field ends at ``first``). A
    heuristic: the draft names the guess and a person checks it.
    """
    if first == last:
        return last
    constant = {i[first:last] for i in ids}
    before = {i[first - 1] for i in ids}
    if constant == {"0" * (last - first)} and "0" not in before and len(before) >= 5:
        return last
    return first


def _parent_candidates(geo: Any, id_col: str) -> list[pd.Series]:
    """Columns of the geometry that could name a larger area (not the id, not unique)."""
    return [
        geo[c]
        for c in geo.columns
        if c not in (id_col, "geometry") and not geo[c].is_unique and geo[c].dtype.kind in "OUTi"
    ]


def _read_geometry(gpath: Path) -> tuple[Any, list[str], str | None]:
    """Read the geometry file (its first layer when it has several)."""
    import geopandas as gpd
    import pyogrio

    try:
        layers = [str(x[0]) for x in pyogrio.list_layers(gpath)]
    except Exception:
        layers = []
    layer = layers[0] if len(layers) > 1 else None
    try:
        geo = gpd.read_file(gpath, layer=layer, engine="pyogrio")
    except Exception as exc:
        raise fail(
            "init",
            f"{gpath} cannot be read as geometry ({exc})",
            "pass a GeoPackage, Shapefile or GeoJSON",
        ) from None
    return geo, layers, layer


def _column_lines(t: _Table, used: set[str], pop_cands: list[str], tx: Mapping) -> list[str]:
    """Lines of the `columns:` block for one table (at most 80 columns shown)."""
    column_lines: list[str] = []
    if t.layout == "long":
        combos = t.frame[t.category].drop_duplicates().astype(str).values.tolist()
        sources = [list(c) for c in combos]
    else:
        skip = {t.id, t.year, t.name, t.year_column}
        sources = [
            [str(c)] for c in t.frame.columns if c not in skip and t.frame[c].dtype.kind in "if"
        ]
    shown = 0
    for src in sources:
        base = _slug(src[-1])
        col = base
        i = 2
        while col in used:
            col, i = f"{base}_{i}", i + 1
        if shown >= 80:
            continue
        used.add(col)
        shown += 1
        source = f"[{', '.join(_q(s) for s in src)}]" if t.layout == "long" else _q(src[0])
        column_lines.append(f"  {col}: {{from: {source}}}")
        if _POP_WORDS.search(src[-1]):
            pop_cands.append(col)
    if len(sources) > shown:
        column_lines.append(f"  # {tx['more'].format(n=len(sources) - shown)}")
    return column_lines


def _table_lines(
    tpath: Path,
    t: _Table,
    geo_set: set[str],
    geo_ids: pd.Series,
    level_keys: Mapping[int, str],
    out_dir: Path | None,
    tx: Mapping,
) -> list[str]:
    """Lines of the `tables:` entry for one table, with the join found in comments."""
    lines: list[str] = []
    ids = set(t.ids.dropna())
    matched = len(geo_set & ids)
    rate = matched / len(geo_set) if geo_set else 0.0
    lines.append(
        f"  # {tx['table'].format(file=tpath.name, rows=len(t.frame), layout=t.layout, id=t.id)}"
    )
    lines.append(f"  # {tx['join'].format(matched=matched, n=len(geo_set), rate=rate)}")
    lacking = sorted(geo_set - ids)
    if lacking:
        lines.append(f"  # {tx['no_stats'].format(ids=format_values(lacking, 8))}")
    extra = sorted(ids - geo_set)
    if extra:
        lines.append(f"  # {tx['no_geo'].format(ids=format_values(extra, 8))}")
    if t.years:
        lines.append(f"  # {tx['years'].format(years=format_values(t.years, 12))}")
    lines.append(f"  - file: {_q(_rel(tpath, out_dir))}")
    lines.append(f"    layout: {t.layout}")
    lines.append(f"    id: {_q(t.id)}")
    if t.year is not None:
        lines.append(f"    year: {_q(t.year) if isinstance(t.year, str) else t.year}")
    if t.name:
        lines.append(f"    name: {_q(t.name)}")
    if t.layout == "long":
        lines.append(f"    category: [{', '.join(_q(c) for c in t.category)}]")
        lines.append(f"    value: {_q(t.value)}")
    agg: dict[str, list[str]] = {}
    for e in extra:
        k = _aggregate_prefix(e, geo_ids)
        if k is not None:
            agg.setdefault("city" if k == 0 else level_keys.get(k, "city"), []).append(e)
    if agg:
        lines.append("    aggregate_rows:")
        for level, ex in agg.items():
            ex = sorted(ex)
            lines.append(f"      # {tx['agg'].format(level=level, ex=format_values(ex, 3))}")
            lines.append(f"      {_q(_pattern(ex))}: {level}")
    return lines


def init(
    geometry: str | Path,
    *tables: str | Path,
    out: str | Path | None = None,
    language: str = "de",
    name: str | None = None,
) -> str:
    """Write a first, commented city description by looking at the files.

    Finds the id column of the geometry and, in every table, the column holding those
    ids (with the join rate and the ids without partner on either side), the year
    (a year column, ``yyyymm``, or a year in the file name), the layout (long when an id
    repeats within a year: category and value columns), aggregate rows (ids that are not
    areas), a hierarchy guess from id prefixes, candidates for the residents and the
    count columns. The result loads with :func:`load_city` once checked; it is a draft a
    person edits (roles such as age bands with their ages cannot be guessed safely).

    Parameters
    ----------
    geometry : path
        GeoPackage, Shapefile or GeoJSON of the smallest areas.
    *tables : path
        Statistics tables (CSV as published).
    out : path, optional
        Where the description will be saved; file paths are written relative to its
        folder (default: as given).
    language : {"de", "en"}, default "de"
        Language of the comments.
    name : str, optional
        Name of the city (default: the geometry file's folder name).

    Returns
    -------
    str
        The YAML text (also written to ``out`` when given).

    Examples
    --------
    >>> from sozplan.datasets._files import data_dir
    >>> text = init(data_dir() / "musterstadt.gpkg", data_dir() / "bloecke_zeitreihe.csv",
    ...             language="en")
    >>> "sozplan: city/1" in text and "Join: 4000 of 4000 areas" in text
    True
    """
    if language not in _TEXT:
        raise fail("init", f"`language` is {language!r}", "use 'de' or 'en'")
    if not tables:
        raise fail("init", "no statistics table was given", "pass the geometry and 1+ tables")
    tx = _TEXT[language]
    gpath = Path(geometry)
    for p in (gpath, *map(Path, tables)):
        if not p.exists():
            raise fail("init", f"the file {p} does not exist", "check the path")
    out_dir = Path(out).parent if out is not None else None
    geo, layers, layer = _read_geometry(gpath)
    id_col, name_col = _pick_geometry_columns(geo)
    geo_ids = _norm_ids(geo[id_col])
    geo_set = set(geo_ids)
    lines = [f"# {tx['head']}", f"# {tx['edit']}"]
    lines.append(f"# {tx['geometry'].format(n=len(geo), id=id_col, name=name_col)}")
    lines.append(f"# {tx['crs'].format(crs=_crs_note(geo, language))}")
    lines += [
        "sozplan: city/1",
        f"name: {_q(name or gpath.resolve().parent.name)}",
        'version: "1"',
    ]
    widths = {len(i) for i in geo_ids}
    id_length = widths.pop() if len(widths) == 1 else None
    inspected = [_inspect(p, geo_set) for p in map(Path, tables)]
    # aggregate rows: ids that are not areas; '0..0' is the city, otherwise the id without
    # its leading zeros is a prefix of area ids (Köln: '001' = Stadtbezirk 1 of '101')
    agg_levels: dict[int, int] = {}  # prefix length -> written width
    for t in inspected:
        for e in set(t.ids.dropna()) - geo_set:
            k = _aggregate_prefix(e, geo_ids)
            if k:
                agg_levels[k] = len(e)
    lines.append("levels:")
    lines.append(
        f"  - {{key: gebiet, label: Gebiet{f', id_length: {id_length}' if id_length else ''}}}"
    )
    has_names = any(t.name for t in inspected)
    guesses: list[tuple[int, int | None]] = [*sorted(agg_levels.items(), reverse=True)] or [
        (k, None) for k, _ in _prefix_levels(list(geo_ids), _parent_candidates(geo, id_col))
    ]
    level_keys: dict[int, str] = {}
    for j, (k, width) in enumerate(guesses):
        n = len({i[:k] for i in geo_ids})
        key = f"ebene_{j + 2}"
        level_keys[k] = key
        lines.append(f"  # {tx['levels'].format(k=k, n=n)}")
        parent = f"prefix: {k}" + (f", pad: {width}" if width and width != k else "")
        names = ", names: {tables: true}" if width and has_names else ""
        lines.append(f"  - {{key: {key}, label: Ebene {j + 2}, parent: {{{parent}}}{names}}}")
    geo_line = f"geometry: {{file: {_q(_rel(gpath, out_dir))}, id: {_q(id_col)}"
    if layer is not None:
        lines.append(f"# layers: {', '.join(layers)}")
        geo_line += f", layer: {_q(layer)}"
    geo_line += f", name: {_q(name_col)}}}" if name_col else "}"
    lines.append(geo_line)
    lines.append("tables:")
    column_lines: list[str] = []
    used: set[str] = set()
    pop_cands: list[str] = []
    for tpath, t in zip(map(Path, tables), inspected, strict=True):
        lines += _table_lines(tpath, t, geo_set, geo_ids, level_keys, out_dir, tx)
        column_lines += _column_lines(t, used, pop_cands, tx)
    lines.append("columns:")
    lines += column_lines
    if pop_cands:
        lines.append(f"# {tx['pop'].format(cands=format_values(pop_cands, 6))}")
        lines.append(f"population: {pop_cands[0]}")
    lines.append(f"# {tx['roles']}")
    lines.append("roles: {}")
    text = "\n".join(lines) + "\n"
    CitySpec.from_yaml(text, where="init")  # the draft must be a valid description
    if out is not None:
        Path(out).write_text(text, encoding="utf-8")
    return text


def _q(value: Any) -> str:
    """Return a YAML scalar, quoted where plain YAML would misread it."""
    s = str(value)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_./-]*", s) and s.lower() not in {
        "yes",
        "no",
        "true",
        "false",
        "null",
        "on",
        "off",
        "y",
        "n",
    }:
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
