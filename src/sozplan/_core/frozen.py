"""Frozen all the way down: read-only containers for sozplan's specs and results.

``@dataclass(frozen=True)`` only forbids rebinding a field; a dict, list, array or
DataFrame held in the field can still be changed in place, silently changing the
result (and a content hash computed from it). :func:`immutable` closes that hole
for a frozen dataclass:

- mappings become a read-only :class:`FrozenMap`, lists and tuples tuples, sets
  frozensets (recursively);
- NumPy arrays become read-only views (writing raises ``ValueError``);
- pandas DataFrames and Series are handed out as copies: pandas has no read-only
  frame, but with copy-on-write (pandas 3) a shallow copy is cheap and a change to it
  never reaches the result.

:func:`thaw` turns the frozen containers back into plain dicts and lists for
serialisation (JSON, YAML).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FrozenMap", "freeze", "immutable", "thaw"]


class FrozenMap(Mapping):
    """A read-only mapping whose values are frozen too (see :func:`freeze`).

    Examples
    --------
    >>> m = FrozenMap({"method": "zscore", "cuts": [1, 2]})
    >>> m["cuts"]
    (1, 2)
    >>> m["method"] = "bogus"
    Traceback (most recent call last):
    ...
    TypeError: 'FrozenMap' object does not support item assignment
    >>> m == {"method": "zscore", "cuts": (1, 2)}
    True
    """

    __slots__ = ("_data",)
    _data: dict

    def __init__(self, data: Mapping | None = None, /, **kwargs: Any) -> None:
        items = dict(data or {}, **kwargs)
        object.__setattr__(self, "_data", {k: freeze(v) for k, v in items.items()})

    def __getitem__(self, key: Any) -> Any:
        return _read(self._data[key])

    def __iter__(self) -> Iterator:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FrozenMap is read-only")

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        # printed as the dict it stands for, so that examples and logs read as before
        return repr(self._data)

    def __copy__(self) -> FrozenMap:
        return self

    def __deepcopy__(self, memo: dict) -> FrozenMap:
        return self

    def __reduce__(self) -> tuple:
        return (FrozenMap, (self._data,))

    def __or__(self, other: Mapping) -> FrozenMap:
        return FrozenMap({**self._data, **other})


def freeze(value: Any) -> Any:
    """Return a read-only version of ``value`` (containers recursively).

    Mappings become :class:`FrozenMap`, lists and plain tuples tuples, sets
    frozensets, arrays read-only views; pandas objects and everything else are
    returned as they are (pandas objects are copied on read by :func:`immutable`).

    Examples
    --------
    >>> import numpy as np
    >>> frozen = freeze({"a": [1, {"b": 2}]})
    >>> frozen, type(frozen["a"][1]).__name__
    ({'a': (1, {'b': 2})}, 'FrozenMap')
    >>> freeze(np.arange(3)).flags.writeable
    False
    """
    if isinstance(value, FrozenMap | str | bytes | int | float | bool | type(None)):
        return value
    if isinstance(value, Mapping) and not isinstance(value, pd.Series):
        return FrozenMap(value)
    if isinstance(value, list) or type(value) is tuple:
        return tuple(freeze(v) for v in value)
    if isinstance(value, set):
        return frozenset(value)
    if isinstance(value, np.ndarray) and value.flags.writeable:
        view = value.view()
        view.flags.writeable = False
        return view
    return value


def _read(value: Any) -> Any:
    """Return what a reader gets: pandas objects as (cheap, copy-on-write) copies."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)
    return value


def thaw(value: Any) -> Any:
    """Plain, mutable containers again (dicts and lists), e.g. for JSON or YAML.

    Examples
    --------
    >>> thaw(FrozenMap({"cuts": [1, 2]}))
    {'cuts': [1, 2]}
    """
    if isinstance(value, Mapping) and not isinstance(value, pd.Series):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, list) or type(value) is tuple:
        return [thaw(v) for v in value]
    if isinstance(value, frozenset):
        return set(value)
    return value


class _FrozenField:
    """Data descriptor of one field: freezes on set, copies pandas objects on get."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            raise AttributeError(self.name)
        try:
            return _read(obj.__dict__[self.name])
        except KeyError:
            raise AttributeError(self.name) from None

    def __set__(self, obj: Any, value: Any) -> None:
        # Reached only through object.__setattr__ (the dataclass __init__ and
        # __post_init__): a frozen dataclass refuses ordinary assignment first.
        obj.__dict__[self.name] = freeze(value)


def immutable[T: type](cls: T) -> T:
    """Make a frozen dataclass frozen all the way down (decorate above ``@dataclass``).

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> import pandas as pd
    >>> @immutable
    ... @dataclass(frozen=True, eq=False)
    ... class Result:
    ...     table: pd.DataFrame
    ...     settings: dict
    >>> r = Result(pd.DataFrame({"x": [1.0]}), {"alpha": 0.05})
    >>> r.table.loc[0, "x"] = 99.0  # changes a copy
    >>> float(r.table.loc[0, "x"])
    1.0
    >>> r.settings["alpha"] = 0.5
    Traceback (most recent call last):
    ...
    TypeError: 'FrozenMap' object does not support item assignment
    """
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen:
        raise TypeError(f"@immutable expects a frozen dataclass, got {cls.__name__}")
    for f in dataclasses.fields(cls):
        setattr(cls, f.name, _FrozenField(f.name))
    return cls
