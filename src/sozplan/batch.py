"""Batch runs: one analysis for every unit of a partition, serially or on a Dask cluster.

Researchers compare segregation across all Kreise of a country; statistics offices run the
same monitoring for every municipality of a Land. :func:`run_by` splits a table by a key
column (``by="kreis"``), runs an analysis on every piece and returns one table: one row
per unit, or the units' tables one below the other. Errors of single units are collected
and listed, not dropped and not fatal (unless ``errors="raise"``).

``client=None`` runs the units one after the other in this process; a
``dask.distributed.Client`` (a ``LocalCluster`` on one machine, or any cluster: SLURM, PBS,
Kubernetes, Coiled) runs them on its workers, and ``client=4`` starts a local cluster of
four worker processes for the run. The results are *identical* in every case, randomised
analyses included: the random stream of a unit is derived from ``rng`` and the unit's key
(:func:`unit_seed`), never from the order in which workers happen to pick up the units.
The pieces are sent to the workers once (``Client.scatter``); the analysis and its
options travel once, not inside every task. Scheduling is Dask's: sozplan keeps no
queue of its own.

Two analyses for the common cases are ready-made: :class:`SegregationAnalysis` (the
segregation table with randomisation tests, e.g. for every Kreis of a Zensus grid) and
:class:`MonitoringAnalysis` (status/dynamics monitoring, e.g. for every municipality).
Any function ``analysis(piece, **options)`` works too; if it has a parameter ``rng`` it
receives the unit's own generator.

Dask: Rocklin, M. (2015). Dask: Parallel computation with blocked algorithms and task
scheduling. *Proceedings of the 14th Python in Science Conference*, 130-136.
doi:10.25080/Majora-7b98e3ed-013. Seeding: :class:`numpy.random.SeedSequence` (O'Neill
2014, PCG, HMC-CS-2014-0905). More in :doc:`/methods/batch`.
"""

from __future__ import annotations

import hashlib
import html
import inspect
import uuid
import warnings
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from sozplan import segregation
from sozplan._core.frozen import immutable
from sozplan._optional import import_optional
from sozplan.checks import (
    as_column_list,
    check_columns,
    check_rng,
    check_unique_index,
    fail,
    format_values,
    public_functions,
)
from sozplan.errors import DataQualityWarning, register_public
from sozplan.index import status_dynamics

__all__ = [
    "BatchResult",
    "MonitoringAnalysis",
    "SegregationAnalysis",
    "run_by",
    "unit_seed",
]

_ERRORS = ("collect", "raise")


# ------------------------------------------------------------------ random streams


def _key_text(key: Any) -> str:
    """Return a text for a unit key that is the same in every process and session."""
    if isinstance(key, tuple):
        return "tuple:(" + ",".join(_key_text(k) for k in key) + ")"
    if isinstance(key, bool | np.bool_):
        return f"bool:{bool(key)}"
    if isinstance(key, int | np.integer):
        return f"int:{int(key)}"
    if isinstance(key, float | np.floating):
        return f"float:{float(key)!r}"
    if isinstance(key, str):
        return f"str:{key}"
    if isinstance(key, pd.Timestamp):
        return f"time:{key.isoformat()}"
    return f"{type(key).__name__}:{key!r}"


def unit_seed(root: Sequence[int], key: Hashable) -> np.random.SeedSequence:
    """Return the seed of one unit: the run's root entropy and a stable hash of its key.

    The unit's generator is ``numpy.random.default_rng(unit_seed(root, key))``. The key is
    hashed with BLAKE2b (not Python's ``hash``, which changes between sessions), so a unit
    gets the same random stream on every worker, in every order and in every run with the
    same ``rng``, and adding or removing other units does not change it.

    Parameters
    ----------
    root : sequence of int
        The run's root entropy (four 32-bit words drawn once from ``rng`` by
        :func:`run_by`).
    key : hashable
        The unit's key: a str, int, float, bool, timestamp or a tuple of these.

    Returns
    -------
    numpy.random.SeedSequence

    Examples
    --------
    >>> a = np.random.default_rng(unit_seed([1, 2, 3, 4], "05111")).integers(1000)
    >>> b = np.random.default_rng(unit_seed([1, 2, 3, 4], "05111")).integers(1000)
    >>> c = np.random.default_rng(unit_seed([1, 2, 3, 4], "05112")).integers(1000)
    >>> bool(a == b), bool(a == c)
    (True, False)
    """
    digest = hashlib.blake2b(_key_text(key).encode("utf-8"), digest_size=16).digest()
    words = np.frombuffer(digest, dtype="<u4").tolist()
    return np.random.SeedSequence([*map(int, root), *words])


def _root_entropy(rng: Any, where: str) -> list[int]:
    return check_rng(rng, where=where).integers(0, 2**32, size=4, dtype=np.uint64).tolist()


# ------------------------------------------------------------------ one unit


def _normalise(value: Any, name: str) -> tuple[str, Any]:
    """('row', Series) for a scalar, mapping or Series; ('frame', DataFrame) for tables."""
    if isinstance(value, pd.DataFrame):
        return "frame", value
    if isinstance(value, pd.Series):
        return "row", value
    if isinstance(value, Mapping):
        return "row", pd.Series(dict(value), dtype=object).infer_objects()
    if hasattr(value, "to_frame") and callable(value.to_frame):
        frame = value.to_frame()
        if isinstance(frame, pd.DataFrame):
            return "frame", frame
    if value is None or isinstance(value, int | float | str | bool | np.generic):
        return "row", pd.Series({name: value})
    raise TypeError(
        f"the analysis returned a {type(value).__name__}; return a number, a mapping, "
        "a Series, a DataFrame or a result with to_frame()"
    )


def _run_unit(
    key: Any,
    piece: pd.DataFrame,
    root: list[int] | None,
    analysis: Callable[..., Any],
    options: Mapping[str, Any],
    name: str,
    raise_errors: bool,
) -> tuple[Any, str, Any, tuple[str, str] | None, list[tuple[type, str]]]:
    """Run the analysis on one unit: (key, kind, value, error, warnings); on any worker."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            extra = {} if root is None else {"rng": np.random.default_rng(unit_seed(root, key))}
            kind, value = _normalise(analysis(piece, **options, **extra), name)
            error = None
        except Exception as exc:
            if raise_errors:
                exc.add_note(f"run_by: raised in the unit {key!r}")
                raise
            kind, value, error = "error", None, (type(exc).__name__, str(exc))
    found = [(w.category, str(w.message)) for w in caught]
    return key, kind, value, error, found


def _run_units(keys, pieces, root, analysis, options, name, raise_errors) -> list:
    """Run several units in one Dask task (one after the other, each with its own stream)."""
    return [
        _run_unit(key, piece, root, analysis, options, name, raise_errors)
        for key, piece in zip(keys, pieces, strict=True)
    ]


def _tasks(sizes: list[int], n_workers: int) -> list[list[int]]:
    """Group units into tasks: about 16 tasks per worker, balanced by rows, largest first.

    Many small units (10,000 municipalities) would otherwise cost more in scheduling than
    in computing; few large units (400 Kreise) still get tasks of their own or nearly so.
    The grouping changes no result: every unit keeps its own random stream.
    """
    n_tasks = max(1, min(len(sizes), 16 * max(n_workers, 1)))
    order = sorted(range(len(sizes)), key=lambda i: -sizes[i])
    load = np.zeros(n_tasks)
    tasks: list[list[int]] = [[] for _ in range(n_tasks)]
    for i in order:  # longest processing time first: each unit to the lightest task
        t = int(np.argmin(load))
        tasks[t].append(i)
        load[t] += sizes[i]
    return [t for t in tasks if t]


# the code of a unit runs on behalf of run_by: its InputErrors name run_by on every worker,
# exactly as in the serial path, where run_by is on the call stack
register_public(_run_unit, name="run_by", module=__name__)
register_public(_run_units, name="run_by", module=__name__)


# ------------------------------------------------------------------ the result


@immutable
@dataclass(frozen=True)
class BatchResult:
    """One analysis run for every unit of a partition; see :func:`run_by`.

    Attributes
    ----------
    table : DataFrame
        One row per unit (indexed by the unit key; units that failed are rows of NaN),
        or the units' tables one below the other (the unit key as the outer index level;
        units that failed have no rows).
    errors : DataFrame
        One row per failed unit (indexed by the unit key): ``error`` (exception type) and
        ``message``. Empty when every unit succeeded.
    warnings : DataFrame
        Warnings issued inside the units: the unit key (index), ``category`` and
        ``message``.
    by : tuple of str
        The key column(s).
    analysis : str
        Name of the analysis.
    n_units : int
        Number of units.
    backend : str
        ``"serial"`` or ``"dask"`` with the number of workers.
    """

    table: pd.DataFrame
    errors: pd.DataFrame
    warnings: pd.DataFrame
    by: tuple[str, ...]
    analysis: str
    n_units: int
    backend: str
    notes: tuple[str, ...] = field(default=())

    @property
    def n_failed(self) -> int:
        """Number of units that failed."""
        return len(self.errors)

    def to_frame(self) -> pd.DataFrame:
        """Return the table (a copy)."""
        return self.table.copy()

    def __repr__(self) -> str:
        by = ", ".join(self.by)
        lines = [
            f"BatchResult: {self.analysis} for {self.n_units:,} units of {by} ({self.backend}); "
            f"{self.n_failed} failed, {len(self.warnings)} warnings; table {self.table.shape}"
        ]
        for key, row in self.errors.head(5).iterrows():
            lines.append(f"  failed {key!r}: {row['error']}: {str(row['message'])[:100]}")
        if self.n_failed > 5:
            lines.append(f"  ... and {self.n_failed - 5} more (see .errors)")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        errors = self.errors.head(10).to_html() if self.n_failed else ""
        return (
            f"<p>{html.escape(repr(self).splitlines()[0])}</p>"
            + self.table.head(20).to_html()
            + errors
        )


# ------------------------------------------------------------------ run_by


def run_by(
    df: pd.DataFrame,
    by: Hashable | Sequence[Hashable],
    analysis: Callable[..., Any],
    *,
    client: Any = None,
    rng: Any = None,
    errors: str = "collect",
    columns: Sequence[Hashable] | None = None,
    **options: Any,
) -> BatchResult:
    r"""Run an analysis for every unit of a partition (every Kreis, every municipality).

    The rows of ``df`` are split by the key column(s) ``by``; ``analysis(piece,
    **options)`` runs on every piece, serially or on the workers of a Dask cluster, and
    the answers are put together in one table in the order of the sorted keys.

    Parameters
    ----------
    df : DataFrame or GeoDataFrame
        The rows of all units (e.g. grid cells or blocks), with unique ids as index.
    by : str or list of str
        Column(s) holding the unit key, e.g. ``"kreis"`` or ``"gemeinde"``.
    analysis : callable
        ``analysis(piece, **options)`` returning a number, a mapping or a Series (one row
        per unit), or a DataFrame or a result object with ``to_frame()`` (the units'
        tables are stacked). If it has a parameter ``rng``, it receives the unit's own
        ``numpy.random.Generator`` (see Notes). Ready-made: :class:`SegregationAnalysis`,
        :class:`MonitoringAnalysis`. With a Dask client it must be picklable (functions
        of a module, lambdas and the ready-made classes are).
    client : None, int or dask.distributed.Client, optional
        ``None`` runs serially in this process; an int starts a ``LocalCluster`` with that
        many single-threaded worker processes for this run; a ``Client`` runs on its
        cluster (needs the extra ``sozplan[dask]``).
    rng : None, int or numpy.random.Generator
        Root of the units' random streams; required for a reproducible randomised
        analysis.
    errors : {"collect", "raise"}, default "collect"
        ``"collect"``: a unit that raises is listed in ``errors`` (with a
        :class:`~sozplan.errors.DataQualityWarning`) and the others go on; ``"raise"``:
        the first error is raised, with a note naming the unit.
    columns : list of str, optional
        Send only these columns to the analysis (less to copy and to send to the
        workers). By default the analysis' own ``columns`` attribute if it has one
        (the ready-made analyses do), else every column.
    **options
        Keyword arguments of the analysis, sent to every worker once.

    Returns
    -------
    BatchResult

    Raises
    ------
    InputError
        ``df`` is no DataFrame, empty or has duplicate ids; ``by`` or ``columns`` names
        a missing column; a key is missing (NaN); ``analysis`` is not callable; ``rng``
        is passed to an analysis without an ``rng`` parameter; bad ``errors`` or
        ``client``.

    Notes
    -----
    *Random streams.* A run draws four 32-bit words from ``rng`` once; unit :math:`u` gets
    the generator seeded by ``SeedSequence(words + BLAKE2b(key_u))`` (:func:`unit_seed`).
    The stream of a unit therefore depends only on ``rng`` and its key, so the serial
    path, a local cluster with one or two workers and a cluster of a hundred nodes give
    the same numbers, and a unit's result does not change when other units are added.

    *Warnings and errors.* Warnings raised inside a unit are recorded in ``warnings``
    and summarised once per category after the run, on every backend alike; an
    :class:`~sozplan.errors.InputError` of a unit names ``run_by``.

    *Efficiency.* The units are grouped into about 16 tasks per worker, balanced by their
    number of rows (largest first), so that thousands of small units do not cost more in
    scheduling than in computing; each task's pieces are sent once with
    ``Client.scatter`` and the analysis and ``options`` once as a broadcast future.

    Examples
    --------
    >>> import pandas as pd
    >>> from sozplan.segregation import dissimilarity
    >>> df = pd.DataFrame({"kreis": ["A", "A", "A", "B", "B", "B"],
    ...                    "a": [40, 2, 3, 10, 12, 8], "t": [50, 50, 50, 50, 50, 50]})
    >>> res = run_by(df, "kreis", lambda d: {"D": dissimilarity(d, "a", "t").statistic})
    >>> res.table.round(3)
               D
    kreis
    A      0.794
    B      0.083
    """
    where = "run_by"
    by_cols, pieces, root = _prepare(df, by, analysis, rng, errors, columns, where)
    name = getattr(analysis, "__name__", None) or getattr(analysis, "name", None)
    name = str(name or type(analysis).__name__)
    raise_errors = errors == "raise"
    if client is None:
        outcomes = [
            _run_unit(key, piece, root, analysis, options, name, raise_errors)
            for key, piece in pieces
        ]
        backend = "serial"
    else:
        outcomes, backend = _run_dask(client, pieces, root, analysis, options, name,
                                      raise_errors, where)  # fmt: skip
    return _assemble(outcomes, [k for k, _ in pieces], by_cols, name, backend, where)


def _prepare(df, by, analysis, rng, errors, columns, where: str):
    """Check the arguments and split ``df`` into (key, piece) pairs in key order."""
    if not isinstance(df, pd.DataFrame):
        raise fail(where, f"`df` is a {type(df).__name__}", "pass a DataFrame of the units' rows")
    if df.empty:
        raise fail(where, "`df` has no rows", "pass the rows of at least one unit")
    if not callable(analysis):
        raise fail(
            where,
            f"`analysis` is a {type(analysis).__name__}, not callable",
            "pass a function analysis(piece, **options) or e.g. SegregationAnalysis(...)",
        )
    if errors not in _ERRORS:
        raise fail(where, f"`errors` is {errors!r}", f"pass one of {format_values(_ERRORS)}")
    by_cols = as_column_list(by, arg="by")
    check_columns(df, by_cols, where=where, numeric=False)
    check_unique_index(df, where=where)
    if columns is None:
        columns = getattr(analysis, "columns", None)
    if columns is not None:
        columns = as_column_list(columns)
        check_columns(df, columns, where=where, numeric=False)
    keys = df[by_cols]
    missing = keys.isna().any(axis=1)
    if missing.any():
        raise fail(
            where,
            f"{int(missing.sum())} row(s) have no value in {format_values(by_cols)}: "
            f"{format_values(df.index[missing])}",
            "fill the keys or drop those rows before the run",
        )
    takes_rng = _takes_rng(analysis)
    if rng is not None and not takes_rng:
        raise fail(
            where,
            "`rng` was passed, but the analysis has no parameter `rng`",
            "give the analysis a parameter rng=, or drop rng=",
        )
    root = _root_entropy(rng, where) if takes_rng else None
    data = df if columns is None else df[list(dict.fromkeys(columns))]
    group_key = by_cols[0] if len(by_cols) == 1 else by_cols
    grouped = data.groupby(keys[group_key] if len(by_cols) == 1 else [keys[c] for c in by_cols],
                           sort=True, observed=True)  # fmt: skip
    pieces = [(k, piece) for k, piece in grouped]
    return [str(c) for c in by_cols], pieces, root


def _takes_rng(analysis: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(analysis).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return False
    return "rng" in params


def _run_dask(client, pieces, root, analysis, options, name, raise_errors, where: str):
    """Run the units on a Dask cluster: pieces scattered once, largest units first."""
    distributed = import_optional("distributed", where=where, purpose="client=")
    own = None
    if isinstance(client, int | np.integer) and not isinstance(client, bool):
        if client < 1:
            raise fail(where, f"`client` is {client}", "pass a positive number of workers")
        own = distributed.Client(
            distributed.LocalCluster(
                n_workers=int(client), threads_per_worker=1, processes=True,
                dashboard_address=":0",
            )
        )  # fmt: skip
        client = own
    elif not isinstance(client, distributed.Client):
        raise fail(
            where,
            f"`client` is a {type(client).__name__}",
            "pass None (serial), a number of local workers or a dask.distributed.Client",
        )
    try:
        tasks = _tasks([len(p) for _, p in pieces], len(client.nthreads()))
        data = client.scatter([[pieces[i][1] for i in task] for task in tasks], hash=False)
        shared = client.scatter([analysis, dict(options)], broadcast=True, hash=False)
        token = uuid.uuid4().hex[:8]
        futures = client.map(
            _run_units,
            [[pieces[i][0] for i in task] for task in tasks],
            data,
            [root] * len(tasks),
            [shared[0]] * len(tasks),
            [shared[1]] * len(tasks),
            [name] * len(tasks),
            [raise_errors] * len(tasks),
            key=[f"run_by-{name}-{token}-{t}" for t in range(len(tasks))],
            pure=False,
        )
        try:
            gathered = client.gather(futures)
        finally:
            client.cancel([*futures, *data, *shared])
        by_position = {i: out for task, outs in zip(tasks, gathered, strict=True)
                       for i, out in zip(task, outs, strict=True)}  # fmt: skip
        outcomes = [by_position[i] for i in range(len(pieces))]
        workers = len(client.nthreads())
        return outcomes, f"dask, {workers} worker{'s' if workers != 1 else ''}"
    finally:
        if own is not None:
            cluster = own.cluster
            own.close()
            cluster.close()


def _assemble(outcomes, keys, by_cols, name, backend, where: str) -> BatchResult:
    """Put the units' answers into one table; list errors and warnings."""
    index_name = by_cols[0] if len(by_cols) == 1 else None
    kinds = [o[1] for o in outcomes if o[1] != "error"]
    kind = kinds[0] if kinds else "row"
    rows, frames, errs, warns = {}, {}, {}, []
    for key, k, value, error, found in outcomes:
        if k not in ("error", kind):
            other = "a table" if kind == "frame" else "one row"
            error = ("TypeError", f"the unit returned {'a table' if k == 'frame' else 'one row'}"
                     f", the first unit {other}")  # fmt: skip
            k = "error"
        if k == "error":
            errs[key] = error
        elif kind == "row":
            rows[key] = value
        else:
            frames[key] = value
        warns += [(key, cat.__name__, msg) for cat, msg in found]
    if kind == "row":
        table = pd.DataFrame.from_dict(rows, orient="index") if rows else pd.DataFrame()
        table = table.reindex(_key_index(keys, by_cols))
    else:
        inner = next(iter(frames.values())).index.names if frames else [None]
        table = pd.concat(frames, names=[*by_cols, *inner]) if frames else pd.DataFrame()
    errors_table = pd.DataFrame(
        [{"error": e[0], "message": e[1]} for e in errs.values()],
        index=_key_index(list(errs), by_cols),
        columns=["error", "message"],
    )
    warnings_table = pd.DataFrame(
        [{"category": c, "message": m} for _, c, m in warns],
        index=_key_index([k for k, _, _ in warns], by_cols),
        columns=["category", "message"],
    )
    _summarise(outcomes, errs, len(keys), where)
    if index_name is not None and table.index.nlevels == 1:
        table.index.name = index_name
    return BatchResult(
        table=table,
        errors=errors_table,
        warnings=warnings_table,
        by=tuple(by_cols),
        analysis=name,
        n_units=len(keys),
        backend=backend,
    )


def _key_index(keys: list, by_cols: list[str]) -> pd.Index:
    if len(by_cols) == 1:
        return pd.Index(keys, name=by_cols[0], dtype=object if not keys else None)
    if not keys:
        return pd.MultiIndex.from_tuples([], names=by_cols)
    return pd.MultiIndex.from_tuples(keys, names=by_cols)


def _summarise(outcomes, errs: dict, n_units: int, where: str) -> None:
    """One warning per category of the units' warnings, one for the failed units."""
    seen: dict[type, list[tuple[Any, str]]] = {}
    for key, _, _, _, found in outcomes:
        for cat, msg in found:
            seen.setdefault(cat, []).append((key, msg))
    for cat, items in seen.items():
        key, msg = items[0]
        warnings.warn(
            f"{where}: {len(items)} warning(s) of {cat.__name__} in the units, e.g. in "
            f"{key!r}: {msg[:300]} (all in the result's `warnings`)",
            cat,
            stacklevel=3,
        )
    if errs:
        key, (kind, msg) = next(iter(errs.items()))
        warnings.warn(
            f"{where}: {len(errs)} of {n_units} unit(s) failed: {format_values(list(errs))}; "
            f"e.g. {key!r}: {kind}: {msg[:300]} (all in the result's `errors`)",
            DataQualityWarning,
            stacklevel=3,
        )


# ------------------------------------------------------------------ ready-made analyses


@immutable
@dataclass(frozen=True)
class SegregationAnalysis:
    """The segregation table with randomisation tests, for one unit (e.g. a Kreis).

    Calling it on the rows of one unit (grid cells, blocks) returns
    :func:`~sozplan.segregation.segregation_table` of the two-group form with, for each
    index named in ``tests``, the result of
    :func:`~sozplan.segregation.randomization_test`: the expected value under the null,
    the bias-corrected index and the p-value. Pass it to :func:`run_by`.

    Parameters
    ----------
    group, population : str
        Count columns: the group (e.g. ``"Auslaender"``) and all residents
        (``"Einwohner"``).
    permutations : int, default 99
        Draws of every randomisation test; 0 skips the tests.
    tests : tuple of str, default ("dissimilarity", "gini", "entropy", "isolation")
        Indices that get a randomisation test (names of the table's ``index`` column).
    indices : tuple of str, optional
        Indices of the table (default: every aspatial two-group index).
    null : str, default "systematic"
        Null model of the tests (see :func:`~sozplan.segregation.randomization_test`).
    alternative : str, default "greater"

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [40, 2, 3, 35], "t": [50, 50, 50, 50]})
    >>> tab = SegregationAnalysis("a", "t", permutations=99, tests=("dissimilarity",))(
    ...     df, rng=0)
    >>> tab.loc["dissimilarity", ["statistic", "p_value"]].round(3).tolist()
    [0.8, 0.01]
    """

    group: str
    population: str
    permutations: int = 99
    tests: tuple[str, ...] = ("dissimilarity", "gini", "entropy", "isolation")
    indices: tuple[str, ...] | None = None
    null: str = "systematic"
    alternative: str = "greater"

    def __post_init__(self) -> None:
        where = "SegregationAnalysis"
        p = self.permutations
        if isinstance(p, bool) or not isinstance(p, int | np.integer) or p < 0:
            raise fail(where, f"`permutations` is {p!r}", "pass a whole number >= 0")
        tests = (self.tests,) if isinstance(self.tests, str) else tuple(self.tests)
        unknown = [t for t in tests if not callable(getattr(segregation, str(t), None))]
        if unknown:
            raise fail(
                where,
                f"`tests` names {format_values(unknown)}, not indices of sozplan.segregation",
                "pass names such as 'dissimilarity', 'gini', 'entropy', 'isolation'",
            )
        object.__setattr__(self, "tests", tests)
        if self.indices is not None:
            object.__setattr__(self, "indices", tuple(as_column_list(self.indices)))

    @property
    def columns(self) -> tuple[str, str]:
        """The columns the analysis reads (what :func:`run_by` sends to the workers)."""
        return (self.group, self.population)

    #: the name :func:`run_by` reports
    name: ClassVar[str] = "segregation"

    def __call__(self, df: pd.DataFrame, *, rng: Any = None) -> pd.DataFrame:
        """Return the table of one unit, indexed by ``index``."""
        tab = segregation.segregation_table(
            df, self.group, self.population, indices=list(self.indices) if self.indices else None
        ).set_index("index")
        cols = ["expected", "bias_corrected", "p_value"]
        tab[cols] = np.nan
        tab["n_permutations"] = 0
        if self.permutations:
            gen = check_rng(rng, where="SegregationAnalysis")
            for name in self.tests:
                res = segregation.randomization_test(
                    getattr(segregation, name),
                    df,
                    group=self.group,
                    population=self.population,
                    permutations=int(self.permutations),
                    null=self.null,
                    alternative=self.alternative,
                    rng=gen,
                    n_jobs=1,
                )
                tab.loc[name, cols] = [res.expected, res.bias_corrected, res.p_value]
                tab.loc[name, "n_permutations"] = res.n_permutations
        return tab.drop(columns=["groups"])


@immutable
@dataclass(frozen=True)
class MonitoringAnalysis:
    """Status/dynamics monitoring (:func:`~sozplan.index.status_dynamics`) for one unit.

    Calling it on the areas of one unit (e.g. the planning areas or grid cells of one
    municipality) rates them against each other and returns
    :meth:`StatusDynamics.to_frame() <sozplan.index.StatusDynamics.to_frame>`: one row per
    area with z-values, indices and classes. Pass it to :func:`run_by` to monitor every
    municipality of a Land at once.

    Parameters
    ----------
    status : tuple of str
        Status indicators (columns), as in :func:`~sozplan.index.status_dynamics`.
    dynamics : tuple of str, optional
        Dynamics indicators.
    population : str, optional
        Residents column (weights and the minimum size).
    min_population : float or None, default 300
        Areas with fewer residents are not rated (as in ``status_dynamics``).
    options : mapping, optional
        Further keyword arguments of :func:`~sozplan.index.status_dynamics` (e.g.
        ``{"directions": {...}, "status_cuts": (-1, 1, 1.5)}``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"alq": [2.0, 4.0, 9.0, 6.0], "sgb2": [5.0, 9.0, 20.0, 11.0]},
    ...                   index=["01", "02", "03", "04"])
    >>> MonitoringAnalysis(("alq", "sgb2"))(df)["status_class"].tolist()
    ['hoch', 'mittel', 'sehr niedrig', 'mittel']
    """

    status: tuple[str, ...]
    dynamics: tuple[str, ...] | None = None
    population: str | None = None
    min_population: float | None = 300
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", tuple(as_column_list(self.status, arg="status")))
        if self.dynamics is not None:
            object.__setattr__(
                self, "dynamics", tuple(as_column_list(self.dynamics, arg="dynamics"))
            )

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the analysis reads (what :func:`run_by` sends to the workers)."""
        cols = [*self.status, *(self.dynamics or ())]
        if self.population is not None:
            cols.append(self.population)
        return tuple(dict.fromkeys(cols))

    #: the name :func:`run_by` reports
    name: ClassVar[str] = "status_dynamics"

    def __call__(self, df: pd.DataFrame) -> pd.DataFrame:
        """Return the monitoring table of one unit (one row per area)."""
        result = status_dynamics(
            df,
            list(self.status),
            list(self.dynamics) if self.dynamics is not None else None,
            population=self.population,
            min_population=self.min_population,
            **dict(self.options),
        )
        return result.to_frame()


public_functions(globals())
