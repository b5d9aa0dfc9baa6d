"""Zensus 2022 grid tables: read them, build the cells, aggregate them to your areas.

The Zensus 2022 publishes counts and averages on the INSPIRE grid of EPSG:3035 (ETRS89-LAEA)
with cells of 100 m, 1 km and 10 km, as semicolon-separated files such as::

    GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner
    CRS3035RES100mN2689100E4337000;4337050;2689150;12

with a decimal comma for averages (``7,35``), the sign ``–`` for "exactly zero or set to
zero" and, in some tables, a column ``werterlaeuternde_Zeichen`` (``KLAMMERN``: the value
is statistically uncertain and printed in brackets in the official tables). Cells without
residents are not in the files. The Zensus 2011 tables use short ids such as
``100mN26840E43341`` (coordinates in units of the cell size); both forms are read.

- :func:`read_zensus_grid` reads one table into a :class:`ZensusGrid` (values as numbers on
  the canonical INSPIRE id, the signs kept beside them).
- :func:`parse_grid_ids` turns ids into resolution and lower-left corner, vectorised.
- :func:`grid_cells` builds the cell polygons (vectorised, EPSG:3035).
- :func:`grid_to_areas` sums cells into the user's areas, by cell centre or by area share.

**Caveat (Cell-Key Method).** The Zensus 2022 protects counts with the Cell-Key Method:
every published cell is perturbed by a small random amount, independently of the others.
Sums of cells therefore do not equal the officially published totals of larger areas
exactly (and a cell "set to zero" may hide a small count). Aggregates of many cells are
close to the truth; differences of a few persons between a sum of cells and an official
total are expected, not an error (Höhne & Höninger 2019).

References
----------
INSPIRE Data Specification on Geographical Grid Systems, D2.8.I.2 (2014), grid cell
identifiers ``CRS3035RES{size}mN{northing}E{easting}``.

Höhne, J., & Höninger, J. (2019). The Cell Key Method for census 2021. *UNECE/Eurostat
Work Session on Statistical Data Confidentiality*, The Hague.

Statistische Ämter des Bundes und der Länder (2024). *Zensus 2022: Gitterdaten*,
Datensatzbeschreibungen (zensus2022.de), licence dl-de/by-2-0.
"""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.checks import check_frame, count_block, fail, format_values, public_functions
from sozplan.errors import DataQualityWarning

__all__ = [
    "GRID_SIGNS",
    "GridAggregation",
    "ZensusGrid",
    "grid_cells",
    "grid_to_areas",
    "parse_grid_ids",
    "read_zensus_grid",
]

#: Signs of the Zensus grid tables and how they are read: ``value`` is the number the
#: cell gets (``None`` = unknown, NaN), ``de``/``en`` explain it.
GRID_SIGNS: dict[str, dict[str, Any]] = {
    "–": {
        "value": 0.0,
        "de": "genau null oder auf null geändert (Geheimhaltung)",
        "en": "exactly zero or set to zero (confidentiality)",
    },
    "/": {"value": None, "de": "keine Angabe (unsicher)", "en": "no value (too uncertain)"},
    ".": {"value": None, "de": "Zahlenwert unbekannt oder geheim", "en": "unknown or secret"},
    "KLAMMERN": {
        "value": "keep",
        "de": "Aussagewert eingeschränkt (in Klammern)",
        "en": "limited reliability (in brackets)",
    },
}

_FLAG = "werterlaeuternde_Zeichen"
_ID_PREFIX = "GITTER_ID_"
_RES_SUFFIX = {"100m": 100, "1km": 1_000, "10km": 10_000}
_INSPIRE = r"^CRS(?P<crs>\d+)RES(?P<res>\d+)mN(?P<n>\d+)E(?P<e>\d+)$"
_SHORT = r"^(?P<size>\d+)(?P<unit>m|km)N(?P<n>\d+)E(?P<e>\d+)$"


def parse_grid_ids(ids: Sequence[str] | pd.Series | pd.Index) -> pd.DataFrame:
    """Resolution and lower-left corner of INSPIRE grid cell ids, vectorised.

    Two forms are read: the INSPIRE form of the Zensus 2022,
    ``CRS3035RES100mN2689100E4337000`` (metres), and the short form of the Zensus 2011,
    ``100mN26840E43341`` / ``1kmN2684E4334`` (coordinates in units of the cell size).

    Parameters
    ----------
    ids : sequence of str
        Grid cell ids.

    Returns
    -------
    DataFrame
        Indexed by the canonical INSPIRE id, with ``resolution`` (metres), ``east`` and
        ``north`` (lower-left corner, EPSG:3035 metres) and ``source_id`` (as given).

    Raises
    ------
    InputError
        For ids of neither form, a CRS other than 3035, or duplicates.

    Examples
    --------
    >>> ids = parse_grid_ids(["CRS3035RES100mN2689100E4337000", "1kmN2684E4334"])
    >>> ids.index.tolist()
    ['CRS3035RES100mN2689100E4337000', 'CRS3035RES1000mN2684000E4334000']
    >>> ids[["resolution", "east", "north"]].to_numpy().tolist()
    [[100, 4337000, 2689100], [1000, 4334000, 2684000]]
    """
    where = "parse_grid_ids"
    raw = np.asarray(ids, dtype=object)
    fast = _parse_fixed_width(raw)
    if fast is not None:
        res, east, north = fast
        # the ids are canonical already when they have the INSPIRE layout of the first id
        # (checked for every row by the fixed-width parser) and no leading zeros
        canonical = (
            _canonical(res[0], east[0], north[0]) == raw[0]
            and bool((north >= 10 ** (len(str(north[0])) - 1)).all())
            and bool((east >= 10 ** (len(str(east[0])) - 1)).all())
        )
        return _grid_frame(res, east, north, raw, where, canonical=canonical)
    s = pd.Series(raw).astype("string").str.strip()
    long = s.str.extract(_INSPIRE)
    short = s.str.extract(_SHORT)
    bad = long["res"].isna() & short["size"].isna()
    if bad.any():
        raise fail(
            where,
            f"{int(bad.sum())} id(s) are no grid cell ids: {format_values(s[bad])}",
            "pass INSPIRE ids such as 'CRS3035RES100mN2689100E4337000' (Zensus 2022) or "
            "'100mN26840E43341' (Zensus 2011)",
        )
    crs = long["crs"].dropna().unique()
    if len(crs) and set(crs) != {"3035"}:
        raise fail(
            where,
            f"the ids name the CRS {format_values(crs)}",
            "the Zensus grid is EPSG:3035 (ETRS89-LAEA); pass ids of that grid",
        )
    unit = short["unit"].map({"m": 1, "km": 1_000})
    size = pd.to_numeric(short["size"]) * unit
    res = pd.to_numeric(long["res"]).fillna(size).astype(np.int64)
    east = pd.to_numeric(long["e"]).fillna(pd.to_numeric(short["e"]) * size).astype(np.int64)
    north = pd.to_numeric(long["n"]).fillna(pd.to_numeric(short["n"]) * size).astype(np.int64)
    return _grid_frame(res.to_numpy(), east.to_numpy(), north.to_numpy(),
                       s.to_numpy(dtype=object), where)  # fmt: skip


def _parse_fixed_width(ids: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """Parse ids that all share one layout (the normal case of a file) on a byte matrix.

    Returns ``None`` when the ids do not share the layout of the first id, so that the
    careful (regular-expression) path handles and explains them.
    """
    if not len(ids) or not isinstance(ids[0], str):
        return None
    m = re.fullmatch(_INSPIRE, ids[0]) or re.fullmatch(_SHORT, ids[0])
    if m is None or (m.re.pattern == _INSPIRE and m["crs"] != "3035"):
        return None
    try:
        b = np.asarray(ids, dtype="S")
    except (UnicodeEncodeError, TypeError, ValueError):
        return None
    width = len(ids[0])
    if b.dtype.itemsize != width:
        return None
    mat = b.view(np.uint8).reshape(len(b), width)
    fields = {k: m.span(k) for k in ("n", "e")}
    fixed = np.ones(width, dtype=bool)
    for lo, hi in fields.values():
        fixed[lo:hi] = False
    if not (mat[:, fixed] == mat[0, fixed]).all():
        return None
    out = {}
    for k, (lo, hi) in fields.items():
        d = mat[:, lo:hi].astype(np.int64) - 48
        if ((d < 0) | (d > 9)).any():
            return None
        out[k] = d @ (10 ** np.arange(hi - lo - 1, -1, -1, dtype=np.int64))
    if m.re.pattern == _INSPIRE:
        size = int(m["res"])
        east, north = out["e"], out["n"]
    else:
        size = int(m["size"]) * (1_000 if m["unit"] == "km" else 1)
        east, north = out["e"] * size, out["n"] * size
    return np.full(len(b), size, dtype=np.int64), east, north


def _canonical(res: int, east: int, north: int) -> str:
    return f"CRS3035RES{res}mN{north}E{east}"


def _grid_frame(res, east, north, source, where: str, *, canonical: bool = False) -> pd.DataFrame:
    """Build the frame of parsed ids (``canonical``: the ids are INSPIRE ids already)."""
    off = (east % res != 0) | (north % res != 0)
    if off.any():
        raise fail(
            where,
            f"{int(off.sum())} id(s) are not on the grid of their cell size: "
            f"{format_values(source[off])}",
            "check the ids; a corner must be a multiple of the cell size",
        )
    canon = (
        source
        if canonical
        else (
            pd.Series(["CRS3035RES"] * len(res), dtype=object)
            + res.astype(str).astype(object)
            + "mN"
            + north.astype(str).astype(object)
            + "E"
            + east.astype(str).astype(object)
        )
    )
    out = pd.DataFrame(
        {"resolution": res, "east": east, "north": north, "source_id": source},
        index=pd.Index(np.asarray(canon, dtype=object), name="id"),
    )
    if out.index.has_duplicates:
        dup = out.index[out.index.duplicated()].unique()
        raise fail(where, f"duplicate cells: {format_values(dup)}", "give every cell once")
    return out


@immutable
@dataclass(frozen=True)
class ZensusGrid:
    """A Zensus grid table; see :func:`read_zensus_grid`.

    Attributes
    ----------
    values : DataFrame
        One row per cell (canonical INSPIRE id as index), the value columns as floats:
        ``–`` read as 0, unknown values (``/``, ``.``) as NaN.
    signs : DataFrame
        Same shape: the sign a value carried (``–``, ``/``, ``.``, ``KLAMMERN``) or ``None``.
    cells : DataFrame
        ``resolution``, ``east``, ``north`` (lower-left corner) and ``x``, ``y`` (centre),
        EPSG:3035 metres.
    resolution : int
        Cell size in metres (100, 1,000 or 10,000).
    source : str
        The file read.
    """

    values: pd.DataFrame
    signs: pd.DataFrame
    cells: pd.DataFrame
    resolution: int
    source: str

    def to_frame(self) -> pd.DataFrame:
        """Return the values with the cell centres (a copy)."""
        return self.cells[["x", "y"]].join(self.values)

    def sign_counts(self) -> pd.DataFrame:
        """How many values of each column carry each sign."""
        counts = {c: self.signs[c].value_counts() for c in self.signs.columns}
        return pd.DataFrame(counts).fillna(0).astype(int).rename_axis("sign")

    def __repr__(self) -> str:
        n_signed = int(self.signs.notna().to_numpy().sum())
        return (
            f"ZensusGrid: {len(self.values):,} cells of {self.resolution:,} m, "
            f"columns {', '.join(map(str, self.values.columns))}; {n_signed} signed values; "
            f"from {self.source}"
        )

    def _repr_html_(self) -> str:
        head = self.to_frame().head(10).to_html()
        return f"<p>{html.escape(repr(self))}</p>{head}"


def _value_columns(columns: pd.Index, id_col: str, where: str) -> list[str]:
    skip = {id_col}
    skip |= {c for c in columns if str(c).lower().startswith(("x_mp", "y_mp"))}
    skip |= {c for c in columns if str(c).endswith(_FLAG)}
    out = [c for c in columns if c not in skip]
    if not out:
        raise fail(where, "the file has no value column", "pass a Zensus grid table with values")
    return out


def _to_numbers(
    text: pd.Series, column: str, where: str, census_2011: bool
) -> tuple[pd.Series, pd.Series]:
    s = text.astype("string").str.strip()
    if census_2011:  # the Zensus 2011 grid tables code secret values as -1
        s = s.mask(s == "-1", ".")
    sign = s.where(s.isin(["–", "/", "."]))
    num = pd.to_numeric(s.where(sign.isna()).str.replace(",", ".", regex=False), errors="coerce")
    bad = num.isna() & sign.isna() & s.notna() & (s != "")
    if bad.any():
        raise fail(
            where,
            f"column {column!r} has values that are neither numbers nor Zensus signs: "
            f"{format_values(s[bad].unique())}",
            "check the file (signs are '–', '/', '.'; decimals use a comma)",
        )
    num = num.mask(sign.eq("–").fillna(False).astype(bool), 0.0)
    return num.astype(float), sign.astype(object).where(sign.notna(), None)


def read_zensus_grid(
    path: str | Path,
    *,
    columns: Sequence[Hashable] | None = None,
    encoding: str | None = None,
) -> ZensusGrid:
    r"""Read a Zensus grid table (100 m, 1 km or 10 km) as published.

    Parameters
    ----------
    path : str or Path
        A ``;``-separated table with a ``GITTER_ID_<size>`` column (e.g.
        ``Zensus2022_Bevoelkerungszahl_100m-Gitter.csv``).
    columns : sequence of str, optional
        Value columns to keep (default all).
    encoding : str, optional
        Default: UTF-8 (with or without BOM), falling back to ISO-8859-1.

    Returns
    -------
    ZensusGrid

    Raises
    ------
    InputError
        No grid id column, ids of another CRS or cell size than the column says, centre
        coordinates that do not match the ids, duplicate cells, values that are neither
        numbers nor signs, unknown ``columns``.

    Notes
    -----
    Signs (:data:`GRID_SIGNS`): ``–`` "exactly zero or set to zero" is read as 0 (the
    official meaning) and kept in ``signs``; ``/`` and ``.`` are unknown (NaN). In the
    Zensus 2011 tables (short ids) ``-1`` marks a secret value and is read as ``.``. A
    ``werterlaeuternde_Zeichen`` column applies to the row's value columns (or, named
    ``<column>_werterlaeuternde_Zeichen``, to one column); its ``KLAMMERN`` keeps the value
    and marks it as uncertain.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "miete.csv"
    >>> _ = p.write_text(
    ...     "GITTER_ID_100m;x_mp_100m;y_mp_100m;durchschnMieteQM;werterlaeuternde_Zeichen\n"
    ...     "CRS3035RES100mN2689100E4337000;4337050;2689150;7,35;\n"
    ...     "CRS3035RES100mN2689200E4337000;4337050;2689250;9,10;KLAMMERN\n", encoding="utf-8")
    >>> g = read_zensus_grid(p)
    >>> g.values["durchschnMieteQM"].tolist(), g.signs["durchschnMieteQM"].tolist()
    ([7.35, 9.1], [None, 'KLAMMERN'])
    """
    where = "read_zensus_grid"
    path = Path(path)
    if not path.exists():
        raise fail(where, f"{str(path)!r} does not exist", "pass the path of the grid table")
    encs, header = _header(path, encoding, where)
    id_cols = [c for c in header if str(c).upper().startswith(_ID_PREFIX)]
    if len(id_cols) != 1:
        raise fail(
            where,
            f"{path.name} has {'no' if not id_cols else 'several'} grid id column(s) "
            f"(columns: {format_values(header)})",
            "pass a Zensus grid table with one column GITTER_ID_100m, _1km or _10km",
        )
    id_col = id_cols[0]
    value_cols = _value_columns(header, id_col, where)
    if columns is not None:
        missing = [c for c in columns if c not in value_cols]
        if missing:
            raise fail(
                where,
                f"`columns` names {format_values(missing)}, not value columns of {path.name}",
                f"pass some of {format_values(value_cols)}",
            )
        value_cols = [str(c) for c in columns]  # each is one of the value columns (checked)
    raw, num = _read_table(path, encs, header, id_col, value_cols)
    cells = parse_grid_ids(raw[id_col].to_numpy(dtype=object))
    census_2011 = not str(raw[id_col].iloc[0]).strip().startswith("CRS") if len(raw) else False
    resolution = _check_cells(cells, raw, id_col, where)
    values, signs = {}, {}
    row_flag = raw[_FLAG].str.strip() if _FLAG in raw.columns else None
    for c in value_cols:
        v, sign = _numbers_and_signs(raw, num, c, census_2011, where)
        own = f"{c}_{_FLAG}"
        flag = raw[own].str.strip() if own in raw.columns else row_flag
        if flag is not None:
            flag = flag.to_numpy(dtype=object)
            unknown = pd.unique(flag[(flag != "") & ~np.isin(flag, list(GRID_SIGNS))])
            if len(unknown):
                warnings.warn(
                    f"{where}: unknown explanatory signs {format_values(unknown)} in "
                    f"{path.name}; kept in `signs`",
                    DataQualityWarning,
                    stacklevel=2,
                )
            use = np.array([x is None for x in sign]) & (flag != "")
            sign[use] = flag[use]
        values[c] = v
        signs[c] = sign
    index = cells.index
    return ZensusGrid(
        values=pd.DataFrame(values, index=index),
        signs=pd.DataFrame(signs, index=index, dtype=object),
        cells=cells[["resolution", "east", "north", "x", "y"]],
        resolution=resolution,
        source=str(path),
    )


def _header(path: Path, encoding: str | None, where: str) -> tuple[list[str], list]:
    """Return the encodings to try (UTF-8 with or without BOM first) and the column names."""
    encs = [encoding] if encoding else ["utf-8-sig", "iso-8859-1"]
    for enc in encs:
        try:
            return encs[encs.index(enc) :], list(
                pd.read_csv(path, sep=";", nrows=0, encoding=enc).columns
            )
        except UnicodeDecodeError:
            continue
    raise fail(where, f"{path.name} cannot be decoded as {encoding}", "pass another encoding=")


def _read_table(path: Path, encs: list[str], header: list, id_col: str, value_cols: list):
    """Read the table, trying the encodings in turn.

    Value and centre columns are parsed as numbers by pandas' C parser (fast path);
    when a value is not a number, everything is read as text and the careful path
    explains which value is wrong.
    """
    for i, enc in enumerate(encs):
        try:
            return _read_with(path, enc, header, id_col, value_cols)
        except UnicodeDecodeError:
            if i == len(encs) - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _read_with(path: Path, enc: str, header: list, id_col: str, value_cols: list):
    coords = [c for c in header if str(c).lower().startswith(("x_mp", "y_mp"))]
    flags = [c for c in header if str(c).endswith(_FLAG)]
    use = [id_col, *coords, *value_cols, *flags]
    text = dict.fromkeys([id_col, *flags], str)
    na = ["–", "/", ".", "", "-1"]
    try:
        raw = pd.read_csv(
            path, sep=";", encoding=enc, usecols=use, decimal=",", keep_default_na=False,
            dtype={**text, **dict.fromkeys([*coords, *value_cols], "float64")},
            na_values=dict.fromkeys(value_cols, na),
        )  # fmt: skip
        raw.attrs["_source"] = (path, enc)
        return raw, True
    except ValueError:
        raw = pd.read_csv(path, sep=";", encoding=enc, usecols=use, dtype=str,
                          keep_default_na=False)  # fmt: skip
        raw.attrs["_source"] = (path, enc)
        return raw, False


def _check_cells(cells: pd.DataFrame, raw: pd.DataFrame, id_col: str, where: str) -> int:
    suffix = id_col[len(_ID_PREFIX) :]
    expected = _RES_SUFFIX.get(suffix)
    res = cells["resolution"].unique()
    if len(res) != 1 or (expected is not None and res[0] != expected):
        raise fail(
            where,
            f"the column {id_col!r} holds cells of {format_values(sorted(res))} m",
            "give one cell size per file, matching its id column",
        )
    resolution = int(res[0])
    cells["x"] = cells["east"] + resolution / 2
    cells["y"] = cells["north"] + resolution / 2
    for axis, key in (("x", "x_mp"), ("y", "y_mp")):
        col = next((c for c in raw.columns if str(c).lower().startswith(key)), None)
        if col is None:
            continue
        given = pd.to_numeric(raw[col].astype(str).str.replace(",", ".", regex=False),
                              errors="coerce") if raw[col].dtype == object else raw[col]  # fmt: skip
        off = ~(np.abs(given.to_numpy(dtype=float) - cells[axis].to_numpy()) <= 1e-6)
        if off.any():
            raise fail(
                where,
                f"{int(off.sum())} row(s) have a {col} that is not the centre of their cell: "
                f"{format_values(raw.loc[off, id_col])}",
                "check the file; the centre is the lower-left corner plus half the cell size",
            )
    return resolution


def _numbers_and_signs(raw, num: bool, column, census_2011: bool, where: str):
    """Values (floats, '–' = 0) and signs (object array, None where none) of one column."""
    if not num:
        v, sign = _to_numbers(raw[column], str(column), where, census_2011)
        arr = sign.to_numpy(dtype=object, copy=True)
        arr[pd.isna(arr)] = None
        return v.to_numpy(), arr
    v = raw[column].to_numpy(dtype=float, copy=True)
    sign = np.full(len(v), None, dtype=object)
    gaps = np.flatnonzero(np.isnan(v))
    if len(gaps):
        # the few cells without a number: read their text once to know which sign it was
        text = _text_of(raw, column, gaps)
        if not census_2011:
            minus = text == "-1"
            if minus.any():  # -1 is a number in the Zensus 2022 tables, not a sign
                v[gaps[minus]] = -1.0
                text = np.where(minus, "", text)
        text = np.where(text == "-1", ".", text)
        has = np.isin(text, ["–", "/", "."])
        sign[gaps[has]] = text[has]
        v[gaps[text == "–"]] = 0.0
    return v, sign


def _text_of(raw: pd.DataFrame, column, rows: np.ndarray) -> np.ndarray:
    path, enc = raw.attrs["_source"]
    txt = pd.read_csv(path, sep=";", encoding=enc, usecols=[column], dtype=str,
                      keep_default_na=False)[column]  # fmt: skip
    return np.array([str(t).strip() for t in txt.to_numpy(dtype=object)[rows]], dtype=object)


def grid_cells(grid: ZensusGrid | pd.DataFrame | Sequence[str]) -> Any:
    """Build the cells as square polygons in EPSG:3035, vectorised.

    Parameters
    ----------
    grid : ZensusGrid, DataFrame or sequence of ids
        A read table (its values are attached), a frame indexed by grid ids, or ids.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by the canonical INSPIRE id; the values of ``grid`` if it had any.

    Examples
    --------
    >>> cells = grid_cells(["CRS3035RES1000mN2689000E4337000"])
    >>> cells.crs.to_epsg(), cells.geometry.iloc[0].bounds
    (3035, (4337000.0, 2689000.0, 4338000.0, 2690000.0))
    """
    import geopandas as gpd
    import shapely

    if isinstance(grid, ZensusGrid):
        cells, data = grid.cells, grid.values
    elif isinstance(grid, pd.DataFrame):
        cells, data = parse_grid_ids(grid.index), grid.set_axis(parse_grid_ids(grid.index).index)
    else:
        cells, data = parse_grid_ids(grid), None
    e = cells["east"].to_numpy(dtype=float)
    n = cells["north"].to_numpy(dtype=float)
    r = cells["resolution"].to_numpy(dtype=float)
    geom = shapely.box(e, n, e + r, n + r)
    frame = data.copy() if data is not None else pd.DataFrame(index=cells.index)
    return gpd.GeoDataFrame(frame, geometry=geom, crs="EPSG:3035")


@immutable
@dataclass(frozen=True)
class GridAggregation:
    """Grid cells summed into areas; see :func:`grid_to_areas`.

    Attributes
    ----------
    table : DataFrame
        One row per area (the index of ``areas``): the summed columns, ``n_cells`` (cells
        that contributed, fractional with ``method="share"``) and ``n_unknown`` (cells with
        an unknown value in any summed column).
    unassigned : DataFrame
        Cells that lie in no area, with their values.
    method : str
    notes : tuple of str
        What the user should know (the Cell-Key caveat, unknown values, unassigned cells).
    """

    table: pd.DataFrame
    unassigned: pd.DataFrame
    method: str
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """Return the sums per area (a copy)."""
        return self.table.copy()

    def __repr__(self) -> str:
        lines = [
            f"GridAggregation ({self.method}): {len(self.table)} areas, "
            f"{len(self.unassigned)} cells outside every area"
        ]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return f"<p>{html.escape(repr(self).splitlines()[0])}</p><ul>{notes}</ul>" + (
            self.table.head(20).to_html()
        )


def grid_to_areas(
    grid: ZensusGrid,
    areas: Any,
    columns: Hashable | Sequence[Hashable] | None = None,
    *,
    method: str = "centre",
    missing: str = "propagate",
) -> GridAggregation:
    r"""Sum grid cells into the user's areas, by cell centre or by area share.

    With ``method="centre"`` a cell counts fully for the area that contains its centre
    (a centre on a shared border goes to the first such area in the order of ``areas``);
    with ``method="share"`` a cell :math:`c` counts for area :math:`a` with the share of its
    surface inside :math:`a`, :math:`w_{ca} = |c \cap a| / |c|`, so that
    :math:`S_a = \sum_c w_{ca} v_c` (the residents are assumed spread evenly over the
    cell; sums become fractional). Cells outside every area are listed in
    ``unassigned``, not dropped.

    Parameters
    ----------
    grid : ZensusGrid
        From :func:`read_zensus_grid`.
    areas : geopandas.GeoDataFrame
        The areas (index = area id), any projected or geographic CRS (reprojected to
        EPSG:3035).
    columns : str or sequence, optional
        Count columns to sum (default: all). Averages such as rents must not be summed;
        sum counts and divide afterwards.
    method : {"centre", "share"}, default "centre"
    missing : {"propagate", "skip"}, default "propagate"
        An area with a contributing cell whose value is unknown (``/`` or ``.``) gets NaN
        (``"propagate"``) or the sum of the known cells (``"skip"``); ``n_unknown`` says how
        many cells were unknown either way.

    Returns
    -------
    GridAggregation

    Raises
    ------
    sozplan.errors.InputError
        For areas without rows, CRS or unique ids, unknown columns, and summed columns
        holding text, infinite or negative values (unknown values are NaN, see ``missing``).

    Notes
    -----
    The Zensus 2022 perturbs every cell with the Cell-Key Method, so sums of cells differ
    slightly from official totals of the same area; see the module notes.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> ids = ["CRS3035RES100mN2689100E4337000", "CRS3035RES100mN2689100E4337100"]
    >>> g = ZensusGrid(pd.DataFrame({"Einwohner": [10.0, 30.0]}, index=ids),
    ...                pd.DataFrame({"Einwohner": [None, None]}, index=ids),
    ...                parse_grid_ids(ids).assign(x=[4337050.0, 4337150.0], y=2689150.0),
    ...                100, "example")
    >>> west = gpd.GeoDataFrame(geometry=[shapely.box(4337000, 2689100, 4337150, 2689200)],
    ...                         index=["West"], crs="EPSG:3035")
    >>> grid_to_areas(g, west, method="share").table["Einwohner"].tolist()
    [25.0]
    """
    where = "grid_to_areas"
    import geopandas as gpd

    if not isinstance(grid, ZensusGrid):
        raise fail(where, f"`grid` is a {type(grid).__name__}", "pass read_zensus_grid(...)")
    if not isinstance(areas, gpd.GeoDataFrame):
        raise fail(where, f"`areas` is a {type(areas).__name__}", "pass a GeoDataFrame of areas")
    if areas.crs is None:
        raise fail(where, "`areas` has no CRS", "set it, e.g. areas.set_crs('EPSG:25832')")
    check_frame(areas, arg="areas", where=where)
    if areas.index.has_duplicates:
        raise fail(
            where,
            f"`areas` has duplicate ids: {format_values(areas.index[areas.index.duplicated()])}",
            "give every area once (dissolve by id first)",
        )
    if method not in ("centre", "share"):
        raise fail(where, f"`method` is {method!r}", 'pass "centre" or "share"')
    if missing not in ("propagate", "skip"):
        raise fail(where, f"`missing` is {missing!r}", 'pass "propagate" or "skip"')
    if columns is None:
        cols = list(grid.values.columns)
    elif isinstance(columns, str) or not isinstance(columns, Iterable):
        cols = [columns]
    else:
        cols = list(columns)
    absent = [c for c in cols if c not in grid.values.columns]
    if absent:
        raise fail(
            where,
            f"`columns` names {format_values(absent)}, not columns of the grid",
            f"pass some of {format_values(grid.values.columns)}",
        )
    # unknown values (NaN) are documented and counted; inf, text or negative counts are not
    count_block(grid.values, cols, arg="grid.values", where=where, allow_nan=True)
    zones = areas[[areas.geometry.name]].to_crs(3035)
    zones = zones.assign(_order=np.arange(len(zones)), _area=areas.index.to_numpy())
    zones = zones.reset_index(drop=True)
    vals = grid.values[cols]
    unknown = vals.isna().any(axis=1)
    if method == "centre":
        pts = gpd.GeoDataFrame(
            {"_cell": np.arange(len(vals))},
            geometry=gpd.points_from_xy(grid.cells["x"], grid.cells["y"]),
            crs="EPSG:3035",
        )
        hit = gpd.sjoin(pts, zones, predicate="intersects", how="inner")
        hit = hit.sort_values(["_cell", "_order"]).drop_duplicates("_cell")
        cell_pos = hit["_cell"].to_numpy()
        area_ids = hit["_area"].to_numpy()
        weight = np.ones(len(hit))
    else:
        cells = grid_cells(grid)[["geometry"]].assign(_cell=np.arange(len(vals)))
        inter = gpd.overlay(cells, zones, how="intersection", keep_geom_type=True)
        res = float(grid.resolution)
        cell_pos = inter["_cell"].to_numpy()
        area_ids = inter["_area"].to_numpy()
        weight = inter.geometry.area.to_numpy() / (res * res)
    contrib = vals.iloc[cell_pos].to_numpy(dtype=float) * weight[:, None]
    frame = pd.DataFrame(contrib, columns=cols)
    frame["_area"] = area_ids
    frame["n_cells"] = weight
    frame["n_unknown"] = unknown.to_numpy()[cell_pos].astype(float) * (weight > 0)
    grouped = frame.groupby("_area", sort=False)
    sums = grouped[cols].sum(min_count=1) if missing == "skip" else grouped[cols].agg(
        lambda s: s.sum() if s.notna().all() else np.nan
    )  # fmt: skip
    counts = grouped[["n_cells", "n_unknown"]].sum()
    table = sums.join(counts).reindex(areas.index)
    table["n_cells"] = table["n_cells"].fillna(0.0)
    table["n_unknown"] = table["n_unknown"].fillna(0.0)
    if method == "centre":
        table["n_cells"] = table["n_cells"].astype(int)
        table["n_unknown"] = table["n_unknown"].astype(int)
    for c in cols:
        table[c] = table[c].where(table["n_cells"] > 0, 0.0)
    covered = np.zeros(len(vals), dtype=float)
    np.add.at(covered, cell_pos, weight)
    out_mask = covered < 1e-9
    notes = [
        "Zensus 2022 cells are perturbed by the Cell-Key Method: sums of cells differ "
        "slightly from official totals of the same areas."
    ]
    if out_mask.any():
        notes.append(f"{int(out_mask.sum())} cell(s) lie in no area (see `unassigned`).")
    if unknown.any():
        notes.append(
            f"{int(unknown.sum())} cell(s) have unknown values; "
            + ("their areas are NaN." if missing == "propagate" else "their areas sum the rest.")
        )
    if method == "share":
        partial = (covered > 1e-9) & (covered < 1 - 1e-9)
        if partial.any():
            notes.append(
                f"{int(partial.sum())} cell(s) lie partly outside every area; only the share "
                "inside is counted."
            )
    return GridAggregation(
        table=table,
        unassigned=grid.to_frame().iloc[np.flatnonzero(out_mask)],
        method=method,
        notes=tuple(notes),
    )


public_functions(globals())
