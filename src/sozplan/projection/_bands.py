"""Age bands: checking that they tile the ages, splitting them into single years, re-aggregating."""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.checks import check_frame, count_block, fail

__all__ = ["AgeBands", "aggregate_ages", "split_ages"]

_SPLIT_METHODS = ("uniform", "monotone")


@immutable
@dataclass(frozen=True)
class AgeBands:
    """Age bands that tile the ages from 0 upwards, each tied to a column.

    Band ``i`` holds the ages ``lower[i] <= age < upper[i]`` (completed years); the last
    band may be open (``upper[-1]`` is ``None``, e.g. *75 und älter*).

    Attributes
    ----------
    columns : tuple
        Column names of the bands, youngest first.
    lower : tuple of int
        First age of each band.
    upper : tuple of int or None
        First age *after* each band; ``None`` for an open last band.

    Examples
    --------
    >>> b = AgeBands.from_edges(["u6", "6_14", "15_64", "65+"], [0, 6, 15, 65])
    >>> b.widths, b.open
    ((6, 9, 50, None), True)
    >>> AgeBands.parse(["einwohner_0_5", "einwohner_6_14", "einwohner_15_plus"]).upper
    (6, 15, None)
    """

    columns: tuple[Hashable, ...]
    lower: tuple[int, ...]
    upper: tuple[int | None, ...]

    def __post_init__(self) -> None:
        _check_tiling(self.columns, self.lower, self.upper, "AgeBands")

    @classmethod
    def from_edges(
        cls, columns: Sequence[Hashable], edges: Sequence[int], *, top: int | None = None
    ) -> AgeBands:
        """Bands from their lower edges (``edges[0]`` must be 0).

        Parameters
        ----------
        columns : sequence
            One column per band, youngest first.
        edges : sequence of int
            The first age of each band.
        top : int, optional
            First age after the last band; ``None`` (default) makes the last band open.
        """
        columns, edges = list(columns), [int(e) for e in edges]
        if len(columns) != len(edges):
            raise fail(
                "AgeBands.from_edges",
                f"{len(columns)} columns but {len(edges)} edges",
                "pass one lower edge per band column",
            )
        return cls(tuple(columns), tuple(edges), (*edges[1:], top))

    @classmethod
    def parse(cls, columns: Sequence[Hashable]) -> AgeBands:
        """Read the bands from column names or labels.

        Understood: ``"..._0_5"`` (0 to 5 inclusive), ``"00 - < 03"`` (0 to under 3),
        ``"6-9"`` (inclusive), ``"..._65_plus"``, ``"65+"``, ``"75 und älter"`` (open).
        """
        lower: list[int] = []
        upper: list[int | None] = []
        for col in columns:
            text = str(col)
            nums = [int(x) for x in re.findall(r"\d+", text)]
            is_open = bool(re.search(r"plus|\+|und älter|und mehr|and over|older", text))
            exclusive = "<" in text or "unter" in text
            if is_open and nums:
                lower.append(nums[-1])
                upper.append(None)
            elif len(nums) >= 2:
                lower.append(nums[-2])
                upper.append(nums[-1] if exclusive else nums[-1] + 1)
            else:
                raise fail(
                    "AgeBands.parse",
                    f"cannot read an age band from the column {text!r}",
                    "use AgeBands.from_edges(columns, edges) to give the edges explicitly",
                )
        return cls(tuple(columns), tuple(lower), tuple(upper))

    @classmethod
    def planning(cls) -> AgeBands:
        """Return the bands of social-infrastructure planning.

        Kita (under 3, 3 to 6), primary school (6 to 10), lower and upper secondary,
        working ages, 65 to 80 and 80+ (care).

        Examples
        --------
        >>> AgeBands.planning().columns[:3]
        ('0_2', '3_5', '6_9')
        """
        edges = [0, 3, 6, 10, 16, 18, 25, 45, 65, 80]
        uppers = [*edges[1:], None]
        cols = [
            f"{lo}_plus" if u is None else f"{lo}_{u - 1}"
            for lo, u in zip(edges, uppers, strict=True)
        ]
        return cls(tuple(cols), tuple(edges), tuple(uppers))

    @property
    def widths(self) -> tuple[int | None, ...]:
        """Width of each band in years (``None`` for the open band)."""
        return tuple(
            None if u is None else u - lo for lo, u in zip(self.lower, self.upper, strict=True)
        )

    @property
    def open(self) -> bool:
        """Whether the last band is open."""
        return self.upper[-1] is None

    @property
    def top(self) -> int:
        """First age of the open band, or the first age after the last closed band."""
        return self.lower[-1] if self.open else int(self.upper[-1])  # type: ignore[arg-type]

    def labels(self) -> list[str]:
        """German labels such as ``"6 bis unter 10"`` and ``"75 und älter"``."""
        return [
            f"{lo} und älter" if u is None else f"{lo} bis unter {u}"
            for lo, u in zip(self.lower, self.upper, strict=True)
        ]

    def select(self, lower: int, upper: int | None, where: str) -> list[Hashable]:
        """Columns of the bands that exactly make up ``lower <= age < upper``."""
        lo_idx = [i for i, v in enumerate(self.lower) if v == lower]
        if upper is None:
            hi_idx = [len(self.columns) - 1] if self.open else []
        else:
            hi_idx = [i for i, v in enumerate(self.upper) if v == upper]
        if not lo_idx or not hi_idx or hi_idx[0] < lo_idx[0]:
            raise fail(
                where,
                f"the ages {lower} to under {upper} do not fall on band edges "
                f"(edges: {', '.join(map(str, self.lower))})",
                "choose ages that start and end on band edges, or project with bands that "
                "have these edges (`output_bands=`)",
            )
        return list(self.columns[lo_idx[0] : hi_idx[0] + 1])


def _check_tiling(columns, lower, upper, where) -> None:
    if not (len(columns) == len(lower) == len(upper)) or not columns:
        raise fail(where, "columns, lower and upper edges differ in length", "one edge per band")
    if lower[0] != 0:
        raise fail(
            where,
            f"the bands start at age {lower[0]}, not 0",
            "add a band for the youngest ages: the bands must tile the ages",
        )
    for i in range(len(columns)):
        u = upper[i]
        if u is None and i != len(columns) - 1:
            raise fail(
                where,
                f"band {columns[i]!r} is open but not the last",
                "only the oldest band may be open",
            )
        if u is not None and u <= lower[i]:
            raise fail(
                where,
                f"band {columns[i]!r} ends at {u} before it starts at {lower[i]}",
                "check the edges",
            )
        if i and lower[i] != upper[i - 1]:
            raise fail(
                where,
                f"the bands do not tile the ages: {columns[i - 1]!r} ends at {upper[i - 1]} "
                f"but {columns[i]!r} starts at {lower[i]}",
                "pass bands that follow each other without gaps or overlaps",
            )


def _as_bands(bands: AgeBands | Sequence[Hashable] | Mapping, where: str) -> AgeBands:
    if isinstance(bands, AgeBands):
        return bands
    if isinstance(bands, Mapping):
        items = list(bands.items())
        return AgeBands(
            tuple(k for k, _ in items),
            tuple(int(v[0]) for _, v in items),
            tuple(None if v[1] is None else int(v[1]) for _, v in items),
        )
    return AgeBands.parse(list(bands))


def _split_matrix(values: np.ndarray, bands: AgeBands, method: str) -> np.ndarray:
    """Split band counts (n, k) into single ages (n, top + 1); the last column is the open band.

    For a closed last band the last column is zero.
    """
    top = bands.top
    n = values.shape[0]
    out = np.zeros((n, top + 1))
    closed = len(bands.columns) - (1 if bands.open else 0)
    if method == "uniform":
        for j in range(closed):
            lo, u = bands.lower[j], bands.upper[j]
            assert u is not None  # only the last band can be open
            out[:, lo:u] = values[:, [j]] / (u - lo)
    else:  # monotone: PCHIP through the cumulative counts at the band edges (Fritsch-Carlson)
        from scipy.interpolate import PchipInterpolator

        edges = np.array([*bands.lower[:closed], top], dtype=float)
        cum = np.concatenate([np.zeros((n, 1)), np.cumsum(values[:, :closed], axis=1)], axis=1)
        c = PchipInterpolator(edges, cum, axis=1)(np.arange(top + 1, dtype=float))
        out[:, :top] = np.clip(np.diff(c, axis=1), 0, None)
        # restore the band totals exactly after clipping
        for j in range(closed):
            lo, u = bands.lower[j], bands.upper[j]
            assert u is not None  # only the last band can be open
            s = out[:, lo:u].sum(axis=1, keepdims=True)
            out[:, lo:u] = (
                np.where(s > 0, out[:, lo:u] / np.where(s > 0, s, 1), 1 / (u - lo))
                * (values[:, [j]])
            )
    if bands.open:
        out[:, top] = values[:, -1]
    return out


def _aggregate_matrix(single: np.ndarray, bands: AgeBands) -> np.ndarray:
    """Re-aggregate single ages (n, top + 1) to the bands (n, k)."""
    cols = []
    for lo, u in zip(bands.lower, bands.upper, strict=True):
        if u is None:
            cols.append(single[:, lo:].sum(axis=1))
        else:
            cols.append(single[:, lo : min(u, single.shape[1])].sum(axis=1))
    return np.stack(cols, axis=1)


def split_ages(
    df: pd.DataFrame, bands: AgeBands | Sequence[Hashable] | Mapping, *, method: str = "uniform"
) -> pd.DataFrame:
    """Split counts by age band into single years of age, keeping every band total exactly.

    ``"uniform"`` spreads each band evenly over its years. ``"monotone"`` interpolates the
    cumulative counts at the band edges with a monotone cubic (PCHIP, Fritsch & Carlson
    1980, doi:10.1137/0717021), so that single years change smoothly across band edges;
    the band totals are restored exactly afterwards. The open band stays one column.

    Parameters
    ----------
    df : DataFrame
        Counts, one column per band.
    bands : AgeBands, list of columns (parsed) or dict {column: (lower, upper)}
    method : {"uniform", "monotone"}, default "uniform"

    Returns
    -------
    DataFrame
        On the input index, one column per single age ``0, 1, ...`` and, for an open last
        band, a column ``"<top>+"``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"0_2": [30.0], "3_5": [60.0], "6_plus": [100.0]})
    >>> split_ages(df, ["0_2", "3_5", "6_plus"]).round(1).values.tolist()
    [[10.0, 10.0, 10.0, 20.0, 20.0, 20.0, 100.0]]
    """
    where = "split_ages"
    b = _as_bands(bands, where)
    if method not in _SPLIT_METHODS:
        raise fail(where, f"`method` is {method!r}", "use 'uniform' or 'monotone'")
    values = _stock_values(df, b, where)
    single = _split_matrix(values, b, method)
    cols: list = list(range(b.top))
    if b.open:
        cols.append(f"{b.top}+")
        return pd.DataFrame(single, index=df.index, columns=cols)
    return pd.DataFrame(single[:, : b.top], index=df.index, columns=cols)


def aggregate_ages(
    single: pd.DataFrame, bands: AgeBands | Sequence[Hashable] | Mapping
) -> pd.DataFrame:
    """Re-aggregate single years of age (as from :func:`split_ages`) to age bands.

    Parameters
    ----------
    single : DataFrame
        Counts by single year of age: the columns are the ages ``0, 1, 2, ...`` in
        order (numbers or their text, e.g. ``"0"``), the last may be an open group
        ``"<top>+"`` (as :func:`split_ages` returns).
    bands : AgeBands, list of columns (parsed) or dict {column: (lower, upper)}
        The bands to form; each must lie within the ages of ``single`` (an open band
        takes the open group too). Ages above a closed last band are left out.

    Returns
    -------
    DataFrame
        On the index of ``single``, one column per band.

    Raises
    ------
    sozplan.errors.InputError
        For columns that are not the single ages in order, counts that are missing,
        infinite, negative or not numeric, and bands reaching beyond the ages of
        ``single``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"0_2": [30.0], "3_5": [60.0], "6_plus": [100.0]})
    >>> one = split_ages(df, ["0_2", "3_5", "6_plus"])
    >>> aggregate_ages(one, {"0_5": (0, 6), "6_plus": (6, None)}).values.tolist()
    [[90.0, 100.0]]
    """
    where = "aggregate_ages"
    b = _as_bands(bands, where)
    check_frame(single, arg="single", where=where, allow_empty=True)
    n_single, has_open = _single_ages(single.columns, where)
    _check_bands_within(b, n_single, has_open, where)
    values = count_block(single, list(single.columns), arg="single", where=where)
    return pd.DataFrame(_aggregate_matrix(values, b), index=single.index, columns=list(b.columns))


def _single_ages(columns: pd.Index, where: str) -> tuple[int, bool]:
    """Count the single-year columns ``0, 1, ...``; say if an open group ``"n+"`` ends them."""
    n = len(columns)
    if n == 0:
        raise fail(where, "`single` has no columns", "pass counts by single year of age")
    for age, col in enumerate(columns):
        text = str(col).strip()
        if text == str(age) or (age == n - 1 and age > 0 and text == f"{age}+"):
            continue
        raise fail(
            where,
            f"column {col!r} at position {age} of `single` is not the age {age}",
            "pass counts by single year of age with the columns 0, 1, 2, ... in order (the "
            "last may be an open group such as '75+'), as split_ages returns them",
        )
    has_open = n > 1 and str(columns[-1]).strip().endswith("+")
    return n - has_open, has_open


def _check_bands_within(b: AgeBands, n_single: int, has_open: bool, where: str) -> None:
    """Raise if a band needs ages that ``single`` does not hold one by one."""
    for col, lo, up in zip(b.columns, b.lower, b.upper, strict=True):
        reach = lo + 1 if up is None else up  # an open band needs at least its first age
        if reach > n_single and not (up is None and has_open and lo == n_single):
            top = f"0 to {n_single - 1}" + (f" and {n_single}+" if has_open else "")
            raise fail(
                where,
                f"the band {col!r} (ages {f'{lo}+' if up is None else f'{lo} to {up - 1}'}) "
                "reaches "
                f"beyond the ages of `single` ({top})",
                "pass bands within the single ages, or single ages up to the top of the bands",
            )


def _stock_values(df: pd.DataFrame, bands: AgeBands, where: str, arg: str = "df") -> np.ndarray:
    """Band counts as a float array, checked: columns exist, numeric, no NaN, not negative."""
    check_frame(df, arg=arg, where=where)
    return count_block(df, list(bands.columns), arg=arg, where=where)
