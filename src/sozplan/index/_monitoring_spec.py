r"""A status/dynamics monitoring as data: :class:`MonitoringSpec` (``sozplan: monitoring/1``).

A spec holds every choice of a published monitoring (Berlin's MSS, Hamburg's
Sozialmonitoring, a city's own): which columns are status and dynamics indicators and
which way they point, the residents column and minimum, plain or weighted moments, the
divisor of the standard deviation, sum or mean of the z-values, re-standardisation, the
cut points with their interval closure, the class labels in German and English, fixed
exclusions with their reasons, and where the method is published. It is frozen all the
way down (tuples and read-only mappings), round-trips through YAML and JSON, and has a
content hash that is the same in every process, so a report can name the exact method
it used.

Examples
--------
>>> spec = MonitoringSpec.from_yaml('''
... sozplan: monitoring/1
... name: beispiel
... status: [alq, sgb2]
... population: ew
... ''')
>>> spec.status_columns, spec.combine, len(spec.hash)
(('alq', 'sgb2'), 'sum', 12)
>>> MonitoringSpec.from_yaml(spec.to_yaml()) == spec
True
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import inspect
import itertools
import json
import math
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._yaml import error_at, load_with_positions
from sozplan.checks import fail, format_values
from sozplan.errors import InputError
from sozplan.index._classify import DYNAMICS_CLASSES, STATUS_CLASSES
from sozplan.index._common import content_hash

__all__ = ["MONITORING_FORMAT", "MonitoringSpec"]

#: Format tag of a monitoring spec (the value of its ``sozplan:`` key).
MONITORING_FORMAT = "monitoring/1"

_LANGUAGES = ("de", "en")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_COMBINE = ("sum", "mean")
_CLOSED = ("inner", "right", "left")
_IND_KEYS = ("column", "direction", "label")
_EXCLUDE_KEYS = ("column", "rated", "areas")
_DEFAULT_LABELS: dict[str, dict[str, Any]] = {
    "status_labels": {"de": STATUS_CLASSES, "en": ("high", "medium", "low", "very low")},
    "dynamics_labels": {"de": DYNAMICS_CLASSES, "en": ("positive", "stable", "negative")},
    "unassigned": {"de": "ohne Zuordnung", "en": "not rated"},
}


def _unknown_keys(unknown: Sequence[str], allowed: Sequence[str]) -> str:
    """``unknown key(s) 'combin' (did you mean 'combine'?)`` for an error message."""
    close = difflib.get_close_matches(str(unknown[0]), list(allowed), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key(s) {format_values(unknown)}{hint}"


def _only_keys(d: Mapping, allowed: Sequence[str], key: str, what: str, src: _Source) -> None:
    unknown = sorted(str(u) for u in set(d) - set(allowed))
    if unknown:
        raise src.error(
            f"{key}.{unknown[0]}",
            f"{_unknown_keys(unknown, allowed)} in {what}",
            f"use only {format_values(allowed)}",
        )


def _ro(d: Mapping) -> Mapping:
    return MappingProxyType(dict(d))


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_thaw(v) for v in value]
    return value


class _Source:
    """Where a spec is read from (file name, key positions), to place error messages."""

    def __init__(self, name: str = "", positions: Mapping | None = None, where: str = ""):
        self.name = name
        self.positions = dict(positions or {})
        self.where = where or "MonitoringSpec"

    def error(self, key: str, what: str, fix: str) -> InputError:
        return error_at(self.positions, key, what, fix, name=self.name, where=self.where)


# --------------------------------------------------------------------------------------
# parsing of the parts
# --------------------------------------------------------------------------------------
def _text(d: Mapping, key: str, src: _Source, default: str | None = "") -> str | None:
    v = d.get(key, default)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, str | int | float):
        raise src.error(key, f"`{key}` is a {type(v).__name__}", "write a text")
    return str(v).strip()


def _label(v: Any, column: str, key: str, src: _Source) -> Mapping:
    if v is None:
        return _ro(dict.fromkeys(_LANGUAGES, column))
    if isinstance(v, str):
        return _ro(dict.fromkeys(_LANGUAGES, v))
    if isinstance(v, Mapping):
        unknown = [k for k in v if k not in _LANGUAGES]
        if unknown or not v:
            raise src.error(
                key,
                f"`label` has language(s) {format_values(unknown or ['(none)'])}",
                "write a text, or {de: ..., en: ...}",
            )
        first = str(next(iter(v.values())))
        return _ro({lang: str(v.get(lang, first)) for lang in _LANGUAGES})
    raise src.error(key, f"`label` is a {type(v).__name__}", "write a text or {de: ..., en: ...}")


def _indicators(raw: Any, key: str, src: _Source, *, required: bool) -> tuple:
    if raw is None:
        raw = []
    if isinstance(raw, str) or not isinstance(raw, Sequence):
        raise src.error(
            key,
            f"`{key}` is a {type(raw).__name__}",
            "write a list of column names or of {column: ..., direction: +1 or -1}",
        )
    if required and not raw:
        raise src.error(key, f"`{key}` is empty", "name at least one indicator column")
    out = []
    for i, item in enumerate(raw):
        k = f"{key}[{i}]"
        if isinstance(item, str | int) and not isinstance(item, bool):
            item = {"column": str(item)}
        if not isinstance(item, Mapping) or "column" not in item:
            raise src.error(k, f"entry {item!r} has no `column`", "write {column: name, ...}")
        _only_keys(item, _IND_KEYS, k, "an indicator", src)
        col = str(item["column"])
        d = item.get("direction", 1)
        d = d.item() if isinstance(d, np.generic) else d
        words = {1: 1, -1: -1, "+": 1, "-": -1, "+1": 1, "-1": -1}
        if isinstance(d, bool) or (isinstance(d, float) and d not in (1.0, -1.0)):
            d = None
        d = words.get(int(d) if isinstance(d, float) else d) if d is not None else None
        if d is None:
            raise src.error(
                f"{k}.direction",
                f"direction {item.get('direction')!r} of {col!r}",
                "use +1 (a higher value means a worse social situation) or -1 (a better one)",
            )
        out.append(
            _ro({"column": col, "direction": d, "label": _label(item.get("label"), col, k, src)})
        )
    cols = [i["column"] for i in out]
    twice = sorted({c for c in cols if cols.count(c) > 1})
    if twice:
        raise src.error(key, f"{format_values(twice)} listed twice", "list each indicator once")
    return tuple(out)


def _cuts(raw: Any, key: str, src: _Source) -> tuple:
    try:
        c = tuple(float(x) for x in raw)
    except (TypeError, ValueError):
        raise src.error(key, f"`{key}` is {raw!r}", "write a list of numbers") from None
    if (
        not c
        or not all(math.isfinite(x) for x in c)
        or any(b <= a for a, b in itertools.pairwise(c))
    ):
        raise src.error(
            key,
            f"`{key}` must be finite numbers increasing strictly, got {list(c)}",
            "sort the cut points and drop duplicates",
        )
    return c


def _labels(raw: Any, key: str, n: int, src: _Source) -> Mapping:
    default = _DEFAULT_LABELS[key]
    if raw is None:
        if len(default["de"]) != n:
            cuts = key.replace("labels", "cuts")
            raise src.error(
                cuts,
                f"`{cuts}` makes {n} classes, but no `{key}` are written (the default "
                f"labels are for {len(default['de'])} classes)",
                f"add {key}: {{de: [...], en: [...]}} with {n} labels each",
            )
        raw = default
    if isinstance(raw, Sequence) and not isinstance(raw, str):
        raw = {"de": raw}
    if not isinstance(raw, Mapping) or [k for k in raw if k not in _LANGUAGES]:
        raise src.error(
            key, f"`{key}` is {raw!r}", "write {de: [...], en: [...]} with one label per class"
        )
    out = {}
    for lang in _LANGUAGES:
        labels = raw.get(lang, raw.get("de") if lang == "en" else None)
        if labels is None:
            raise src.error(key, f"`{key}` has no German labels", "add de: [...]")
        if isinstance(labels, str) or not isinstance(labels, Sequence):
            raise src.error(f"{key}.{lang}", f"labels are {labels!r}", "write a list of texts")
        labels = tuple(str(x) for x in labels)
        if len(labels) != n:
            raise src.error(
                f"{key}.{lang}",
                f"{len(labels)} labels for {n} classes ({n - 1} cut points)",
                "give one label more than cut points",
            )
        if len(set(labels)) != n:
            raise src.error(
                f"{key}.{lang}", f"labels {list(labels)} repeat", "use distinct labels"
            )
        out[lang] = labels
    return _ro(out)


def _unassigned(raw: Any, src: _Source) -> Mapping:
    if raw is None:
        raw = _DEFAULT_LABELS["unassigned"]
    if isinstance(raw, str):
        raw = {"de": raw, "en": raw}
    if not isinstance(raw, Mapping) or [k for k in raw if k not in _LANGUAGES]:
        raise src.error("unassigned", f"`unassigned` is {raw!r}", "write {de: ..., en: ...}")
    de = str(raw.get("de", _DEFAULT_LABELS["unassigned"]["de"]))
    return _ro({"de": de, "en": str(raw.get("en", de))})


def _exclude(raw: Any, src: _Source) -> Mapping:
    if raw is None:
        return _ro({})
    if not isinstance(raw, Mapping):
        raise src.error(
            "exclude",
            f"`exclude` is a {type(raw).__name__}",
            "write {column: <reason column>, rated: [<values of rated areas>]} and/or "
            "{areas: {<id>: <reason>}}",
        )
    _only_keys(raw, _EXCLUDE_KEYS, "exclude", "`exclude`", src)
    out: dict[str, Any] = {}
    if raw.get("column") is not None:
        out["column"] = str(raw["column"])
        rated = raw.get("rated")
        if rated is None or isinstance(rated, str | int | float):
            rated = [] if rated is None else [rated]
        if not rated:
            raise src.error(
                "exclude.rated",
                "`exclude.column` is given without the values that mean 'rated'",
                "add rated: [<value of rated areas>], e.g. rated: [gültig]",
            )
        out["rated"] = tuple(str(v) for v in rated)
    elif raw.get("rated") is not None:
        raise src.error("exclude.rated", "`exclude.rated` without `column`", "add column: ...")
    areas = raw.get("areas") or {}
    if not isinstance(areas, Mapping):
        raise src.error(
            "exclude.areas",
            f"`exclude.areas` is a {type(areas).__name__}",
            "write {<area id>: <reason>} (quote ids with leading zeros)",
        )
    bad = [k for k, v in areas.items() if v is None or str(v).strip() == ""]
    if bad:
        raise src.error(
            "exclude.areas",
            f"no reason given for area(s) {format_values(bad)}",
            "write the reason, e.g. 'ungültig (Ausreißer)'",
        )
    if areas:
        out["areas"] = _ro({str(k): str(v).strip() for k, v in areas.items()})
    return _ro(out)


def _number(d: Mapping, key: str, src: _Source, default: Any, *, allow_none: bool = False):
    v = d.get(key, default)
    if v is None and allow_none:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
        raise src.error(key, f"`{key}` is {v!r}", "write a number >= 0")
    return float(v)


def _bool(d: Mapping, key: str, src: _Source, default: bool) -> bool:
    v = d.get(key, default)
    if not isinstance(v, bool):
        raise src.error(key, f"`{key}` is {v!r}", "write true or false")
    return v


def _choice(d: Mapping, key: str, src: _Source, default: str, allowed: Sequence[str]) -> str:
    v = d.get(key, default)
    if v not in allowed:
        raise src.error(key, f"`{key}` is {v!r}", f"use one of {format_values(allowed)}")
    return str(v)


# --------------------------------------------------------------------------------------
# the spec
# --------------------------------------------------------------------------------------
@immutable
@dataclass(frozen=True, repr=False)
class MonitoringSpec:
    r"""A status/dynamics monitoring described as data (``sozplan: monitoring/1``).

    Pass it to :func:`~sozplan.index.status_dynamics` or
    :func:`~sozplan.index.monitor` as ``spec=``; keep it in a YAML file; get the
    published ones from :func:`sozplan.presets.get_preset`. Every field is immutable
    (tuples, read-only mappings); :meth:`replace` returns a changed, re-validated copy.

    Attributes
    ----------
    name : str
        Short identifier, the registry key (``berlin_mss_2021``).
    status, dynamics : tuple of mapping
        Indicators, each ``{column, direction, label: {de, en}}``; ``direction`` +1
        means a higher value is a worse social situation. In :func:`status_dynamics`
        the dynamics columns are changes already; in :func:`monitor` they are the
        levels whose change over ``window`` years is taken. ``dynamics`` may be empty.
    title, version, description : str
        For people: the monitoring's name, edition and a short summary.
    source : str
        Citation of the method's publication.
    url, doi : str or None
        Where the method is published.
    sketch : bool
        True if the spec is an unverified sketch, not a replication of a published table.
    window : int
        Years over which the dynamics indicators change (MSS: 2).
    population : str or None
        Residents column (minimum and weights).
    min_population : float or None
        Areas with fewer residents are not rated.
    weighted : bool
        Population-weighted instead of plain moments.
    ddof : float
        Delta degrees of freedom of the standard deviation (MSS: 0, divisor n).
    combine : {"sum", "mean"}
        How the z-values are combined.
    restandardize : bool
        z-standardise the combined value again (the index).
    status_cuts, dynamics_cuts : tuple of float
        Inner cut points of the indices.
    closed : {"inner", "right", "left"}
        Which class a value on a cut belongs to (``"inner"``: the one nearer 0).
    status_labels, dynamics_labels : mapping {"de", "en"} -> tuple of str
        Class labels from the lowest index (best) to the highest (worst).
    unassigned : mapping {"de", "en"} -> str
        Label of areas that are not rated.
    missing_codes : tuple of float
        Values that stand for "no value" in the published table (e.g. -9999).
    exclude : mapping
        ``column`` (a column giving the reason why an area is not rated) with ``rated``
        (the values of that column that mean "rated"), and/or ``areas`` ({id: reason}).

    Notes
    -----
    :attr:`hash` is the first 12 hex digits of the SHA-256 of the canonical JSON of
    :meth:`to_dict` (keys sorted, numbers as floats), so it does not depend on key
    order, on YAML versus JSON, or on the process.

    Examples
    --------
    >>> spec = MonitoringSpec.from_dict({"name": "test", "status": ["alq", "sgb2"],
    ...                                  "dynamics": [{"column": "d_alq", "direction": 1}]})
    >>> spec
    MonitoringSpec('test', version='1', hash=..., status=['alq', 'sgb2'], dynamics=['d_alq'])
    >>> spec.replace(ddof=1).ddof, spec.ddof
    (1.0, 0.0)
    >>> spec.replace(cuts=[0])
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: MonitoringSpec.replace: unknown key(s) 'cuts'. Fix: ...
    """

    name: str
    status: tuple
    dynamics: tuple = ()
    title: str = ""
    version: str = "1"
    description: str = ""
    source: str = ""
    url: str | None = None
    doi: str | None = None
    sketch: bool = False
    window: int = 2
    population: str | None = None
    min_population: float | None = 300.0
    weighted: bool = False
    ddof: float = 0.0
    combine: str = "sum"
    restandardize: bool = True
    status_cuts: tuple = (-1.0, 1.0, 1.5)
    dynamics_cuts: tuple = (-1.0, 1.0)
    closed: str = "inner"
    status_labels: Mapping = MappingProxyType(
        {k: tuple(v) for k, v in _DEFAULT_LABELS["status_labels"].items()}
    )
    dynamics_labels: Mapping = MappingProxyType(
        {k: tuple(v) for k, v in _DEFAULT_LABELS["dynamics_labels"].items()}
    )
    unassigned: Mapping = MappingProxyType(dict(_DEFAULT_LABELS["unassigned"]))
    missing_codes: tuple = ()
    exclude: Mapping = MappingProxyType({})

    def __post_init__(self) -> None:
        # a direct constructor call gets the same checks and freezing as from_dict
        checked = _parse(_thaw(self._plain()), _Source(where="MonitoringSpec"))
        for f in fields(self):
            object.__setattr__(self, f.name, getattr(checked, f.name, getattr(self, f.name)))

    # ------------------------------------------------------------------ reading
    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, where: str = "MonitoringSpec"
    ) -> MonitoringSpec:
        """Build and check a spec from plain data (as :meth:`to_dict` returns it).

        Raises
        ------
        InputError
            Naming the key, what is wrong and the fix.
        """
        return _parse(data, _Source(where=where))

    @classmethod
    def from_yaml(cls, source: str | Path, *, where: str = "MonitoringSpec") -> MonitoringSpec:
        """Read a spec from a YAML file or YAML text.

        Errors name the file, the line, the key, what is wrong and the fix.
        """
        text, name = _read(source, where, (".yaml", ".yml"))
        data, positions = load_with_positions(text, name=name or "YAML text", where=where)
        return _parse(data, _Source(name or "YAML text", positions, where))

    @classmethod
    def from_json(cls, source: str | Path, *, where: str = "MonitoringSpec") -> MonitoringSpec:
        """Read a spec from a JSON file or JSON text."""
        text, name = _read(source, where, (".json",))
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{where}: {name or 'JSON text'}, line {exc.lineno}, column {exc.colno}: "
                f"JSON syntax error ({exc.msg}). Fix: check brackets, commas and quotes there."
            ) from None
        return _parse(data, _Source(name or "JSON text", {}, where))

    # ------------------------------------------------------------------ writing
    def _plain(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_dict(self) -> dict[str, Any]:
        """Plain data (dicts, lists, scalars) with the format tag; :meth:`from_dict` reads it."""
        plain = self._plain()
        order = ("name", "title", "version", "description", "source", "url", "doi", "sketch")
        return {
            "sozplan": MONITORING_FORMAT,
            **{k: _thaw(plain.pop(k)) for k in order},
            **_thaw(plain),
        }

    def to_json(self, path: str | Path | None = None) -> str:
        """JSON text (also written to ``path`` if given)."""
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    def to_yaml(self, path: str | Path | None = None) -> str:
        """YAML text (also written to ``path`` if given)."""
        import yaml

        text = yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=88)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @property
    def hash(self) -> str:
        """Content hash: first 12 hex digits of SHA-256 of the canonical JSON."""
        return content_hash(self.to_dict())

    # ------------------------------------------------------------------ views
    @property
    def status_columns(self) -> tuple:
        """Status indicator columns in order."""
        return tuple(i["column"] for i in self.status)

    @property
    def dynamics_columns(self) -> tuple:
        """Dynamics indicator columns in order (empty if there is no dynamics index)."""
        return tuple(i["column"] for i in self.dynamics)

    @property
    def directions(self) -> Mapping:
        """Direction (+1 / -1) per indicator column."""
        return _ro({i["column"]: i["direction"] for i in (*self.status, *self.dynamics)})

    @property
    def columns(self) -> tuple:
        """Every column the spec reads from a frame (indicators, population, reason column)."""
        cols = [*self.status_columns, *self.dynamics_columns]
        if self.population is not None:
            cols.append(self.population)
        if "column" in self.exclude:
            cols.append(self.exclude["column"])
        return tuple(dict.fromkeys(cols))

    def missing_columns(self, data: pd.DataFrame | Sequence[Hashable]) -> tuple:
        """Columns the spec reads that ``data`` (a frame or a list of column names) lacks.

        For checking a configuration before any computation (an empty tuple: all there).

        Examples
        --------
        >>> spec = MonitoringSpec.from_dict({"name": "x", "status": ["alq", "sgb2"],
        ...                                  "population": "ew"})
        >>> spec.missing_columns(["alq", "ew"])
        ('sgb2',)
        """
        have = set(data.columns if isinstance(data, pd.DataFrame) else data)
        return tuple(c for c in self.columns if c not in have)

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator: ``part`` (status/dynamics), ``column``, ``direction``, labels.

        Examples
        --------
        >>> MonitoringSpec.from_dict({"name": "x", "status": ["alq"]}).to_frame()
          part column  direction label_de label_en
        0  status    alq          1      alq      alq
        """
        rows = [
            {
                "part": part,
                "column": i["column"],
                "direction": i["direction"],
                "label_de": i["label"]["de"],
                "label_en": i["label"]["en"],
            }
            for part, items in (("status", self.status), ("dynamics", self.dynamics))
            for i in items
        ]
        return pd.DataFrame(rows, columns=["part", "column", "direction", "label_de", "label_en"])

    def replace(self, **overrides: Any) -> MonitoringSpec:
        """Copy with some keys changed, checked again like a new spec.

        Values are written as in YAML: ``status=["S1", {"column": "S2", "direction":
        -1}]``, ``status_cuts=[-1, 1]``, ``exclude={"areas": {"01": "Ausreißer"}}``.

        Raises
        ------
        InputError
            For an unknown key (naming the allowed ones) or an invalid value.
        """
        where = "MonitoringSpec.replace"
        allowed = [f.name for f in fields(self)]
        unknown = [k for k in overrides if k not in allowed]
        if unknown:
            raise fail(
                where,
                _unknown_keys(unknown, allowed),
                f"use one of {format_values(allowed, 40)}",
            )
        data = {**self.to_dict(), **_thaw(overrides)}
        return _parse(data, _Source(where=where))

    def __repr__(self) -> str:
        sketch = ", SKETCH (not verified against a published table)" if self.sketch else ""
        return (
            f"MonitoringSpec({self.name!r}, version={self.version!r}, hash={self.hash}, "
            f"status={list(self.status_columns)}, dynamics={list(self.dynamics_columns)}{sketch})"
        )

    def __hash__(self) -> int:
        return hash(self.hash)

    def __reduce__(self) -> tuple:
        # read-only mappings do not pickle: rebuild from plain data (copy, multiprocessing)
        return (MonitoringSpec.from_dict, (self.to_dict(),))

    def _repr_html_(self) -> str:
        from html import escape

        rows = [
            ("Titel", self.title or self.name),
            ("Version", self.version),
            ("Status", ", ".join(self.status_columns)),
            ("Dynamik", ", ".join(self.dynamics_columns) or "–"),
            (
                "Einwohner",
                f"{self.population} (mindestens {self.min_population:g})"
                if self.population and self.min_population is not None
                else str(self.population),
            ),
            (
                "Verfahren",
                f"{self.combine}, ddof={self.ddof:g}, weighted={self.weighted}, "
                f"restandardize={self.restandardize}",
            ),
            (
                "Schnitte",
                f"Status {list(self.status_cuts)}, Dynamik {list(self.dynamics_cuts)} "
                f"({self.closed})",
            ),
            ("Quelle", self.source + (f" {self.doi or self.url}" if self.doi or self.url else "")),
            ("Hash", self.hash),
        ]
        head = "<b>MonitoringSpec</b>" + (" <i>(Skizze, nicht geprüft)</i>" if self.sketch else "")
        body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows)
        return f"{head}<table>{body}</table>"


_ALLOWED = ("sozplan", *(f.name for f in fields(MonitoringSpec)))


def _read(source: str | Path, where: str, suffixes: tuple) -> tuple[str, str]:
    text = str(source)
    if isinstance(source, Path) or ("\n" not in text and text.endswith(suffixes)):
        path = Path(source)
        if not path.is_file():
            raise fail(where, f"the file {path} does not exist", "check the path")
        return path.read_text(encoding="utf-8"), str(path)
    return text, ""


def _parse(data: Any, src: _Source) -> MonitoringSpec:
    """Check plain data and build a frozen spec (all errors through ``src``)."""
    if not isinstance(data, Mapping):
        raise src.error(
            "",
            f"the spec is a {type(data).__name__}, not a mapping",
            "write keys such as `sozplan: monitoring/1`, `name:`, `status:`",
        )
    unknown = [str(k) for k in data if k not in _ALLOWED]
    if unknown:
        raise src.error(
            unknown[0],
            _unknown_keys(unknown, _ALLOWED),
            f"use one of {format_values(_ALLOWED, 40)}",
        )
    fmt = data.get("sozplan", MONITORING_FORMAT)
    if fmt != MONITORING_FORMAT:
        raise src.error(
            "sozplan",
            f"format {fmt!r} is not a monitoring spec this version reads",
            f"write `sozplan: {MONITORING_FORMAT}`",
        )
    name = _text(data, "name", src, default=None)
    if not name or not _NAME.match(name):
        raise src.error(
            "name",
            f"`name` is {data.get('name')!r}",
            "write a short identifier of letters, digits, '_', '-' or '.', e.g. hamburg_rise_2023",
        )
    kw: dict[str, Any] = {"name": name}
    for key in ("title", "version", "description", "source"):
        kw[key] = _text(data, key, src, default="1" if key == "version" else "")
    for key in ("url", "doi"):
        kw[key] = _text(data, key, src, default=None) or None
    kw["sketch"] = _bool(data, "sketch", src, False)
    kw["status"] = _indicators(data.get("status"), "status", src, required=True)
    kw["dynamics"] = _indicators(data.get("dynamics"), "dynamics", src, required=False)
    window = data.get("window", 2)
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise src.error("window", f"`window` is {window!r}", "write a whole number of years >= 1")
    kw["window"] = window
    kw["population"] = _text(data, "population", src, default=None) or None
    kw["min_population"] = _number(data, "min_population", src, 300, allow_none=True)
    kw["weighted"] = _bool(data, "weighted", src, False)
    if kw["weighted"] and kw["population"] is None:
        raise src.error(
            "weighted",
            "`weighted: true` needs residents as weights",
            "add population: <column of residents>",
        )
    kw["ddof"] = _number(data, "ddof", src, 0)
    kw["combine"] = _choice(data, "combine", src, "sum", _COMBINE)
    kw["restandardize"] = _bool(data, "restandardize", src, True)
    kw["status_cuts"] = _cuts(data.get("status_cuts", (-1.0, 1.0, 1.5)), "status_cuts", src)
    kw["dynamics_cuts"] = _cuts(data.get("dynamics_cuts", (-1.0, 1.0)), "dynamics_cuts", src)
    kw["closed"] = _choice(data, "closed", src, "inner", _CLOSED)
    kw["status_labels"] = _labels(
        data.get("status_labels"), "status_labels", len(kw["status_cuts"]) + 1, src
    )
    kw["dynamics_labels"] = _labels(
        data.get("dynamics_labels"), "dynamics_labels", len(kw["dynamics_cuts"]) + 1, src
    )
    kw["unassigned"] = _unassigned(data.get("unassigned"), src)
    codes: Any = data.get("missing_codes") or ()
    if isinstance(codes, int | float) and not isinstance(codes, bool):
        codes = (codes,)
    try:
        kw["missing_codes"] = tuple(sorted({float(c) for c in codes}))
    except (TypeError, ValueError):
        raise src.error(
            "missing_codes",
            f"`missing_codes` is {codes!r}",
            "write a list of numbers, e.g. [-9999]",
        ) from None
    kw["exclude"] = _exclude(data.get("exclude"), src)
    spec = object.__new__(MonitoringSpec)
    for key, value in kw.items():
        object.__setattr__(spec, key, value)
    return spec


# --------------------------------------------------------------------------------------
# applying a spec to a frame
# --------------------------------------------------------------------------------------
def resolve_spec(spec: Any, where: str) -> MonitoringSpec:
    """Return a spec for a :class:`MonitoringSpec`, preset name, YAML/JSON file or mapping."""
    if isinstance(spec, MonitoringSpec):
        return spec
    if isinstance(spec, Mapping):
        return MonitoringSpec.from_dict(spec, where=where)
    if isinstance(spec, Path | str):
        text = str(spec)
        if isinstance(spec, Path) or "\n" in text or text.endswith((".yaml", ".yml", ".json")):
            if text.endswith(".json"):
                return MonitoringSpec.from_json(spec, where=where)
            return MonitoringSpec.from_yaml(spec, where=where)
        from sozplan.presets import get_preset  # cycle: presets imports sozplan.index

        return get_preset(text)
    raise fail(
        where,
        f"`spec` is a {type(spec).__name__}",
        "pass a MonitoringSpec, a preset name (sozplan.presets.available_presets()) or a YAML file",
    )


def spec_frame(df: pd.DataFrame, spec: MonitoringSpec, where: str, arg: str) -> pd.DataFrame:
    """Check that ``df`` has the spec's columns; replace its missing codes by NaN (a copy)."""
    missing = list(spec.missing_columns(df))
    if missing:
        raise fail(
            where,
            f"the monitoring spec {spec.name!r} needs column(s) {format_values(missing)} that "
            f"`{arg}` lacks (its columns: {format_values(list(df.columns), 12)})",
            "rename your columns to the spec's, or adapt the spec to your columns, e.g. "
            f"spec.replace(status=[...], population='...') "
            f"(the spec's columns: {format_values(spec.columns, 12)})",
        )
    if not spec.missing_codes:
        return df
    out = df.copy()
    numeric = [
        c
        for c in spec.columns
        if c != spec.exclude.get("column") and pd.api.types.is_numeric_dtype(out[c])
    ]
    out[numeric] = out[numeric].mask(out[numeric].isin(list(spec.missing_codes)))
    return out


def spec_exclusions(df: pd.DataFrame, spec: MonitoringSpec, where: str) -> dict:
    """{area id: reason} from the spec's reason column and fixed areas (ids as in ``df``)."""
    out: dict[Hashable, str] = {}
    ex = spec.exclude
    if "column" in ex:
        col = df[ex["column"]].astype("string").str.strip()
        bad = col[~col.isin(list(ex["rated"])).fillna(False).astype(bool)]
        out.update(bad.fillna(f"{ex['column']} fehlt").to_dict())
    if ex.get("areas"):
        by_str = {str(i): i for i in df.index}
        unknown = [k for k in ex["areas"] if k not in by_str]
        if unknown:
            raise fail(
                where,
                f"the monitoring spec {spec.name!r} excludes area(s) {format_values(unknown)} "
                "that are not in the index of the data",
                "check the ids (zero padding) or drop them from exclude.areas: "
                "spec.replace(exclude={...})",
            )
        for k, reason in ex["areas"].items():
            out.setdefault(by_str[k], reason)
    return out


def spec_knobs(spec: MonitoringSpec, language: str, where: str) -> dict[str, Any]:
    """Return the keyword arguments of :func:`status_dynamics` that a spec sets (not exclude)."""
    if language not in _LANGUAGES:
        raise fail(where, f"`language` is {language!r}", "use 'de' or 'en'")
    return {
        "status": list(spec.status_columns),
        "dynamics": list(spec.dynamics_columns) or None,
        "population": spec.population,
        "min_population": spec.min_population,
        "directions": dict(spec.directions),
        "weighted": spec.weighted,
        "ddof": int(spec.ddof) if float(spec.ddof).is_integer() else spec.ddof,
        "combine": spec.combine,
        "restandardize": spec.restandardize,
        "status_cuts": spec.status_cuts,
        "dynamics_cuts": spec.dynamics_cuts,
        "status_labels": spec.status_labels[language],
        "dynamics_labels": spec.dynamics_labels[language],
        "closed": spec.closed,
        "unassigned": spec.unassigned[language],
    }


def default_labels(
    status_labels: Sequence[str] | None,
    dynamics_labels: Sequence[str] | None,
    unassigned: str | None,
    language: str,
    where: str,
) -> tuple[Sequence[str], Sequence[str], str]:
    """Fill labels left as None with the defaults of ``language``."""
    if language not in _LANGUAGES:
        raise fail(where, f"`language` is {language!r}", "use 'de' or 'en'")
    d = _DEFAULT_LABELS
    return (
        d["status_labels"][language] if status_labels is None else status_labels,
        d["dynamics_labels"][language] if dynamics_labels is None else dynamics_labels,
        d["unassigned"][language] if unassigned is None else unassigned,
    )


def _record(result: Any, spec: MonitoringSpec) -> Any:
    """Return the result with the spec's name, version and hash in its settings."""
    extra = {"spec": spec.name, "spec_version": spec.version, "spec_hash": spec.hash}
    return dataclasses.replace(result, settings={**result.settings, **extra})


def _panel_exclusions(panel: pd.DataFrame, spec: MonitoringSpec, year: str, where: str) -> dict:
    """{year: {area id: reason}} for :func:`monitor` (fixed areas apply in every year)."""
    if year in (panel.index.names or []):
        years = panel.index.get_level_values(year)
        frames = {y: panel.xs(y, level=year) for y in pd.unique(years)}
    elif year in panel.columns:
        frames = {y: g.drop(columns=year) for y, g in panel.groupby(year, sort=True)}
    else:
        return {}  # monitor itself reports the missing year
    areas = spec.exclude.get("areas") or {}
    seen = {str(i) for f in frames.values() for i in f.index}
    unknown = [k for k in areas if k not in seen]
    if unknown:
        raise fail(
            where,
            f"the monitoring spec {spec.name!r} excludes area(s) {format_values(unknown)} "
            "that are in no year of the panel",
            "check the ids (zero padding) or drop them from exclude.areas",
        )
    out = {}
    for y, f in frames.items():
        present = {k: v for k, v in areas.items() if k in {str(i) for i in f.index}}
        part = spec.replace(exclude={**_thaw(spec.exclude), "areas": present})
        out[y] = spec_exclusions(f, part, where)
    return out


def apply_status_dynamics(func, args: dict, spec: MonitoringSpec, language: str, where: str):
    df = spec_frame(args.pop("df"), spec, where, "df")
    knobs = spec_knobs(spec, language, where)
    knobs["exclude"] = spec_exclusions(df, spec, where)
    return _record(func(df, **args, **knobs, language=language), spec)


def apply_monitor(func, args: dict, spec: MonitoringSpec, language: str, where: str):
    panel = spec_frame(args.pop("panel"), spec, where, "panel")
    knobs = spec_knobs(spec, language, where)
    knobs["window"] = spec.window
    knobs["exclude"] = _panel_exclusions(panel, spec, args.get("year", "jahr"), where)
    m = func(panel, **args, **knobs, language=language)
    results = {y: _record(r, spec) for y, r in m.results.items()}
    return dataclasses.replace(m, results=results)


_KNOBS = (
    "status",
    "dynamics",
    "population",
    "min_population",
    "directions",
    "weighted",
    "ddof",
    "combine",
    "restandardize",
    "status_cuts",
    "dynamics_cuts",
    "status_labels",
    "dynamics_labels",
    "closed",
    "unassigned",
    "exclude",
    "window",
)


def accepts_spec(apply: Callable) -> Callable:
    """Let the decorated function take ``spec=`` in place of its monitoring knobs.

    The wrapped function keeps its signature and documentation. A knob the caller
    passed together with a spec is an error (detected by what was actually passed,
    so an explicit default counts too): the fix is ``spec.replace(...)``.
    """

    def decorate(func: Callable) -> Callable:
        sig = inspect.signature(func)
        where = func.__name__

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            spec = kwargs.pop("spec", None)
            if spec is None:
                return func(*args, **kwargs)
            try:
                bound = sig.bind_partial(*args, **kwargs).arguments
            except TypeError as exc:
                raise fail(
                    where, f"{exc} (with `spec`)", f"see the parameters of {where}() in its help"
                ) from None
            bound.update(bound.pop("options", {}))
            language = bound.pop("language", "de")
            both = [k for k in bound if k in _KNOBS]
            if both:
                raise fail(
                    where,
                    f"both `spec` and {format_values(both)} are given",
                    f"pass only the spec, changed with spec.replace({both[0]}=...)",
                )
            return apply(func, dict(bound), resolve_spec(spec, where), language, where)

        return wrapper

    return decorate
