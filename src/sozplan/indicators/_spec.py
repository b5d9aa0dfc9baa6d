"""Indicator specifications (Kennzahlen) and the shipped catalogue."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sozplan._core.frozen import immutable
from sozplan.checks import fail, format_values

__all__ = [
    "KINDS",
    "IndicatorSpec",
    "load_catalog",
    "resolve_specs",
    "save_catalog",
]

#: Kinds of indicator and the interval each gets (see :func:`sozplan.indicators.rates`).
KINDS = {
    "share": "numerator is part of the denominator; binomial interval (Wilson, Clopper-Pearson)",
    "rate": "numerator can exceed the denominator; exact Poisson interval (Garwood)",
    "balance": "signed difference of counts per base; normal interval with Skellam variance",
    "ratio": "ratio of quantities that are not case counts; no sampling interval",
}

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _terms(value: Any, *, key: str, arg: str) -> tuple[str, ...]:
    """Normalise a column or list of columns (``-col`` subtracts) to a tuple."""
    if isinstance(value, str):
        value = [value]
    try:
        out = tuple(value)
    except TypeError:
        raise fail(
            "IndicatorSpec",
            f"`{arg}` of {key!r} is {value!r}",
            "pass a column name or a list of names",
        ) from None
    bad = [t for t in out if not isinstance(t, str) or not t.lstrip("-").strip()]
    if not out or bad:
        raise fail(
            "IndicatorSpec",
            f"`{arg}` of {key!r} must name at least one column, got {list(out)!r}",
            "pass column names as strings, e.g. ['einwohner_0_5', 'einwohner_6_14']",
        )
    return out


@immutable
@dataclass(frozen=True)
class IndicatorSpec:
    r"""Definition of one small-area indicator (Kennzahl) computed from counts.

    The value of area :math:`i` is

    .. math:: y_i = m \, \frac{\sum_{c \in N} s_c\, x_{ic}}{\sum_{c \in D} s_c\, x_{ic}},

    with numerator columns :math:`N`, denominator columns :math:`D`, signs
    :math:`s_c = -1` for columns written ``"-col"`` and :math:`+1` otherwise, and the
    multiplier :math:`m` (100 for per cent, 1000 for per mille).

    Parameters
    ----------
    key : str
        Identifier, used as column name in results (``"sgb2_quote"``).
    label_de, label_en : str
        German and English label for tables and maps.
    numerator, denominator : str or sequence of str
        Count column(s), summed; a leading ``-`` subtracts the column
        (``["einwohner", "-einwohner_65_plus"]`` = residents under 65).
    multiplier : float, default 100
        Scale of the value (100: per cent; 1000: per 1,000).
    unit : str, default "%"
        Unit of the scaled value, for labels.
    direction : {1, -1, 0}, default 1
        Direction of disadvantage: ``1`` high values mean disadvantage, ``-1`` low values
        do, ``0`` a context indicator without normative direction.
    dimension : str
        Thematic dimension (``"soziale_lage"``, ``"demografie"`` ...), used e.g. for
        Cronbach's alpha per dimension in :func:`sozplan.validation.validate`.
    definition : str
        Full German definition.
    source : str
        Where the definition comes from (handbook, statistics office).
    kind : {"share", "rate", "balance", "ratio"}, default "share"
        Decides the confidence interval (see :data:`KINDS`).

    Examples
    --------
    >>> from sozplan.indicators import IndicatorSpec
    >>> spec = IndicatorSpec("kinderarmut", "Kinderarmut", "child poverty",
    ...                      numerator="sgb2_unter15",
    ...                      denominator=["einwohner_0_5", "einwohner_6_14"])
    >>> spec.columns
    ('sgb2_unter15', 'einwohner_0_5', 'einwohner_6_14')
    >>> IndicatorSpec.from_dict(spec.to_dict()) == spec
    True
    """

    key: str
    label_de: str
    label_en: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    multiplier: float = 100.0
    unit: str = "%"
    direction: int = 1
    dimension: str = ""
    definition: str = ""
    source: str = ""
    kind: str = "share"

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not _KEY.match(self.key):
            raise fail(
                "IndicatorSpec",
                f"`key` {self.key!r} is not a valid identifier",
                "use letters, digits and underscores, e.g. 'sgb2_quote'",
            )
        object.__setattr__(
            self, "numerator", _terms(self.numerator, key=self.key, arg="numerator")
        )
        object.__setattr__(
            self, "denominator", _terms(self.denominator, key=self.key, arg="denominator")
        )
        if self.kind not in KINDS:
            raise fail(
                "IndicatorSpec",
                f"`kind` of {self.key!r} is {self.kind!r}",
                f"use one of {format_values(KINDS)}",
            )
        if self.direction not in (1, -1, 0):
            raise fail(
                "IndicatorSpec",
                f"`direction` of {self.key!r} is {self.direction!r}",
                "use 1 (high = disadvantage), -1 (low = disadvantage) or 0 (context indicator)",
            )
        object.__setattr__(self, "direction", int(self.direction))
        try:
            multiplier = float(self.multiplier)
        except (TypeError, ValueError):
            multiplier = float("nan")
        if not multiplier > 0:
            raise fail(
                "IndicatorSpec",
                f"`multiplier` of {self.key!r} is {self.multiplier!r}",
                "use a positive number (100 for per cent, 1000 for per mille)",
            )
        object.__setattr__(self, "multiplier", multiplier)
        if self.kind == "share" and any(t.startswith("-") for t in self.numerator):
            raise fail(
                "IndicatorSpec",
                f"the share {self.key!r} subtracts a column in its numerator",
                "use kind='balance' for signed differences",
            )

    @property
    def numerator_columns(self) -> tuple[str, ...]:
        """Numerator column names without signs."""
        return tuple(t.lstrip("-") for t in self.numerator)

    @property
    def denominator_columns(self) -> tuple[str, ...]:
        """Denominator column names without signs."""
        return tuple(t.lstrip("-") for t in self.denominator)

    @property
    def columns(self) -> tuple[str, ...]:
        """All count columns the indicator needs, in order, without duplicates."""
        return tuple(dict.fromkeys(self.numerator_columns + self.denominator_columns))

    def label(self, language: str = "de") -> str:
        """Return the German (``"de"``) or English (``"en"``) label."""
        if language not in ("de", "en"):
            raise fail("IndicatorSpec.label", f"`language` is {language!r}", "use 'de' or 'en'")
        return self.label_de if language == "de" else self.label_en

    def to_dict(self) -> dict[str, Any]:
        """Return the spec as a plain dict (lists instead of tuples), for YAML or JSON."""
        out = asdict(self)
        out["numerator"] = list(self.numerator)
        out["denominator"] = list(self.denominator)
        if out["multiplier"] == int(out["multiplier"]):
            out["multiplier"] = int(out["multiplier"])
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IndicatorSpec:
        """Build a spec from a dict (as read from YAML or JSON); unknown keys are refused."""
        if not isinstance(data, Mapping):
            raise fail(
                "IndicatorSpec.from_dict",
                f"got a {type(data).__name__}",
                "pass a mapping of fields",
            )
        known = {f.name for f in fields(cls)}
        unknown = [k for k in data if k not in known]
        missing = [
            k for k in ("key", "label_de", "label_en", "numerator", "denominator") if k not in data
        ]
        if unknown or missing:
            what = []
            if unknown:
                what.append(f"unknown field(s) {format_values(unknown)}")
            if missing:
                what.append(f"missing field(s) {format_values(missing)}")
            raise fail(
                "IndicatorSpec.from_dict",
                f"the entry {data.get('key', '?')!r} has {' and '.join(what)}",
                f"use the fields {format_values(sorted(known), 12)}",
            )
        return cls(**dict(data))


def _read_text(path: str | Path | None) -> tuple[str, str]:
    if path is None:
        text = resources.files("sozplan.indicators").joinpath("catalogue.yaml").read_text("utf-8")
        return text, "yaml"
    path = Path(path)
    if not path.exists():
        raise fail("load_catalog", f"`path` {str(path)!r} does not exist", "pass an existing file")
    fmt = "json" if path.suffix.lower() == ".json" else "yaml"
    return path.read_text(encoding="utf-8"), fmt


def load_catalog(path: str | Path | None = None) -> dict[str, IndicatorSpec]:
    """Read an indicator catalogue from YAML or JSON (default: the shipped catalogue).

    Parameters
    ----------
    path : str or Path, optional
        A ``.yaml``/``.yml`` or ``.json`` file holding either a list of indicator
        entries or a mapping with the key ``indicators``. ``None`` reads the catalogue
        shipped with sozplan (SGB II rate, child poverty, unemployment, old-age poverty,
        single parents, foreigners share, dependency ratios, migration volume and
        balance, residence duration and more).

    Returns
    -------
    dict of str to IndicatorSpec
        Specs by key, in file order.

    Examples
    --------
    >>> from sozplan.indicators import load_catalog
    >>> cat = load_catalog()
    >>> cat["kinderarmut"].denominator
    ('einwohner_0_5', 'einwohner_6_14')
    >>> cat["sgb2_quote"].label_en
    'SGB II rate'
    """
    if path is None:
        return dict(_shipped())
    return _parse(*_read_text(path))


@functools.cache
def _shipped() -> tuple[tuple[str, IndicatorSpec], ...]:
    """Parse the shipped catalogue once (specs are immutable)."""
    return tuple(_parse(*_read_text(None)).items())


def _parse(text: str, fmt: str) -> dict[str, IndicatorSpec]:
    """Parse catalogue text (YAML or JSON) into specs by key."""
    try:
        data = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise fail("load_catalog", f"the file cannot be parsed ({exc})", "fix its syntax") from exc
    entries = data.get("indicators") if isinstance(data, Mapping) else data
    if not isinstance(entries, list):
        raise fail(
            "load_catalog",
            "the file holds no list of indicators",
            "write a list of entries, or a mapping with the key 'indicators'",
        )
    specs = [IndicatorSpec.from_dict(e) for e in entries]
    keys = [s.key for s in specs]
    dup = [k for k in dict.fromkeys(keys) if keys.count(k) > 1]
    if dup:
        raise fail(
            "load_catalog", f"the keys {format_values(dup)} occur twice", "make keys unique"
        )
    return {s.key: s for s in specs}


def save_catalog(
    specs: Iterable[IndicatorSpec] | Mapping[str, IndicatorSpec], path: str | Path
) -> Path:
    """Write specs to a YAML (``.yaml``/``.yml``) or JSON (``.json``) file.

    The file can be read back with :func:`load_catalog`.

    Parameters
    ----------
    specs : iterable of IndicatorSpec or dict of them
    path : str or Path

    Returns
    -------
    Path
        The path written.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sozplan.indicators import load_catalog
    >>> specs = resolve_specs(["sgb2_quote"])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = save_catalog(specs, Path(folder) / "kennzahlen.yaml")
    ...     again = load_catalog(path)
    >>> [s.key for s in (again.values() if isinstance(again, dict) else again)]
    ['sgb2_quote']
    """
    items = list(specs.values()) if isinstance(specs, Mapping) else list(specs)
    if not all(isinstance(s, IndicatorSpec) for s in items):
        raise fail(
            "save_catalog", "`specs` holds objects that are not IndicatorSpec", "pass specs"
        )
    path = Path(path)
    data = {"version": 1, "indicators": [s.to_dict() for s in items]}
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        path.write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return path


def resolve_specs(
    specs: Any, df: pd.DataFrame | None = None, *, where: str = "rates", strict: bool = True
) -> tuple[IndicatorSpec, ...]:
    """Turn ``specs`` into a tuple of :class:`IndicatorSpec`.

    ``None`` gives the shipped specs whose columns are all in ``df``; a key or list of
    keys picks shipped specs; specs (or a dict of them) are used as given. With
    ``strict``, a spec whose columns are missing from ``df`` raises.

    Examples
    --------
    >>> [s.key for s in resolve_specs(["sgb2_quote", "kinderarmut"])]
    ['sgb2_quote', 'kinderarmut']
    """
    shipped = load_catalog()
    if specs is None:
        if df is None:
            return tuple(shipped.values())
        out = tuple(s for s in shipped.values() if all(c in df.columns for c in s.columns))
        if not out and strict:
            raise fail(
                where,
                "no indicator of the shipped catalogue can be computed from the columns of `df`",
                "pass `specs` explicitly (IndicatorSpec objects) or name count columns as in "
                "sozplan.datasets.DATA_DICTIONARY",
            )
        return out
    if isinstance(specs, (str, IndicatorSpec)):
        specs = [specs]
    if isinstance(specs, Mapping):
        specs = list(specs.values())
    chosen: list[IndicatorSpec] = []
    for s in specs:
        if isinstance(s, str):
            if s not in shipped:
                raise fail(
                    where,
                    f"`specs` names the unknown indicator {s!r}",
                    f"use a key of the shipped catalogue ({format_values(shipped, 20)}) or pass "
                    "an IndicatorSpec",
                )
            s = shipped[s]
        elif isinstance(s, Mapping):
            s = IndicatorSpec.from_dict(s)
        elif not isinstance(s, IndicatorSpec):
            raise fail(
                where, f"`specs` holds a {type(s).__name__}", "pass IndicatorSpec objects or keys"
            )
        chosen.append(s)
    keys = [s.key for s in chosen]
    dup = [k for k in dict.fromkeys(keys) if keys.count(k) > 1]
    if dup:
        raise fail(
            where, f"`specs` has the key(s) {format_values(dup)} twice", "pass each indicator once"
        )
    if strict and df is not None:
        for s in chosen:
            missing = [c for c in s.columns if c not in df.columns]
            if missing:
                raise fail(
                    where,
                    f"indicator {s.key!r} needs the column(s) {format_values(missing)}, which "
                    "`df` "
                    "does not have",
                    "add the counts or leave this indicator out",
                )
    return tuple(chosen)
