"""Exceptions and warnings of sozplan.

Every error that bad input causes is an :class:`InputError`; it names the argument,
what was wrong (with a few offending ids or values) and the fix. Problems with the
data that do not stop a computation are warnings of our own classes, so that users
can filter them and so that results can list them.

Examples
--------
>>> from sozplan.errors import InputError, SozplanError
>>> issubclass(InputError, ValueError) and issubclass(InputError, SozplanError)
True
"""

from __future__ import annotations

import inspect
import re
import sys
from types import CodeType
from typing import Any

__all__ = [
    "DataQualityWarning",
    "InputError",
    "MethodWarning",
    "MissingDependencyError",
    "SmallNumbersWarning",
    "SozplanError",
    "SozplanWarning",
    "register_public",
]


class SozplanError(Exception):
    """Base class of all errors raised by sozplan."""


class InputError(SozplanError, ValueError):
    """Bad arguments or unusable data.

    The message names the function the user called, the argument, what was wrong and
    how to fix it. When it is raised below a public function (registered with
    :func:`register_public`), the message is renamed to the outermost public function
    on the call stack, whichever helper or inner public function raised it: ``moran``
    says ``moran:``, not ``build_graph:``. A fix that advises keywords the called
    function does not take says where they belong.
    """

    def __init__(self, *args: Any) -> None:
        if args and isinstance(args[0], str):
            args = (_as_called(args[0]), *args[1:])
        super().__init__(*args)


# ------------------------------------------------------------------ entry points
#
# A public function often calls other public functions (``moran`` builds its graph with
# ``build_graph``, ``uncertainty`` calls ``composite_index``) or shared checks. The user
# called the outermost one, so an InputError names it: at construction, the call stack
# is searched for the outermost frame of a registered public function (a dictionary
# lookup per frame, only when an error is raised). Nothing is wrapped, so signatures,
# doctests, pickling and the locations of warnings stay those of the functions.

#: Code object of each public function -> (name, parameter names).
_PUBLIC_CODE: dict[CodeType, tuple[str, frozenset[str]]] = {}
#: Public name -> dotted path (functions and classes), for the adapted fix.
_PUBLIC_PATH: dict[str, str] = {}
#: Public function name -> its parameter names (which keywords of a fix are its options).
_PUBLIC_PARAMS: dict[str, frozenset[str]] = {}

_PREFIX = re.compile(r"(?P<where>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?:\(\))?): (?P<rest>.*)", re.S)
_KEYWORD = re.compile(r"(?<![\w.])([a-z_][a-z0-9_]*)=(?!=)")


def register_public(obj: Any, *, name: str | None = None, module: str | None = None) -> None:
    """Register a public function (or class) as an entry point for error messages.

    Parameters
    ----------
    obj : function or class
        A function is found on the call stack by its code object (decorators are
        unwrapped); a class is only known by name, so that a message starting with
        ``IndexSpec:`` is recognised as naming a callee.
    name : str, optional
        The name users call it by (default ``obj.__name__``).
    module : str, optional
        The public module it is imported from (default ``obj.__module__``).

    Examples
    --------
    >>> from sozplan.errors import InputError, register_public
    >>> def build(x, *, islands="raise"):
    ...     raise InputError("build: `x` has islands. Fix: pass islands='nearest'.")
    >>> def outer(x):
    ...     return build(x)
    >>> register_public(build, module="demo")
    >>> register_public(outer, module="demo")
    >>> outer(1)
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: outer: `x` has islands. Fix: pass islands='nearest' \
(islands= is an option of demo.build, which `outer` calls: call it yourself with it \
and pass its result to `outer`).
    """
    public_name = name or obj.__name__
    _PUBLIC_PATH.setdefault(public_name, f"{module or obj.__module__}.{public_name}")
    if isinstance(obj, type):
        # its public methods are entry points too (``Normalizer.fit``, ``TypologyResult.plot``)
        for attr, member in vars(obj).items():
            func = getattr(member, "__func__", member)  # classmethod, staticmethod
            if not attr.startswith("_") and inspect.isfunction(func):
                code = inspect.unwrap(func).__code__
                params = frozenset(inspect.signature(func).parameters)
                _PUBLIC_CODE.setdefault(code, (f"{public_name}.{attr}", params))
        return
    func = inspect.unwrap(obj)
    code = getattr(func, "__code__", None)
    if code is not None:
        params = frozenset(inspect.signature(obj).parameters)
        _PUBLIC_CODE.setdefault(code, (public_name, params))
        _PUBLIC_PARAMS[public_name] = params


def _called() -> tuple[str, frozenset[str]] | None:
    """Find the outermost registered public function on the call stack (None: none)."""
    found = None
    frame: Any = sys._getframe(1)
    while frame is not None:
        entry = _PUBLIC_CODE.get(frame.f_code)
        if entry is not None:
            found = entry
        frame = frame.f_back
    return found


def _as_called(message: str) -> str:
    """Rename ``message`` to the public function the user called (unchanged if none)."""
    if not _PUBLIC_CODE:
        return message
    called = _called()
    if called is None:
        return message
    name, params = called
    match = _PREFIX.fullmatch(message)
    inner, rest = (match["where"], match["rest"]) if match else (None, message)
    if inner == name:
        return message
    if inner is not None and inner.split(".")[0] not in _PUBLIC_PATH:
        inner, rest = None, message  # not a function's name (e.g. "weights: ..."): keep it
    what, sep, fix = rest.partition(" Fix: ")
    if inner is not None and sep:
        # keywords of the fix that are options of the callee, not of the called function
        # (not every ``name=`` in a fix is one: ``duplicated(keep=False)`` is pandas code)
        options = _PUBLIC_PARAMS.get(inner.split(".")[0])
        foreign = [
            k
            for k in dict.fromkeys(_KEYWORD.findall(fix))
            if k not in params and (options is None or k in options)
        ]
        if foreign:
            path = _PUBLIC_PATH[inner.split(".")[0]]
            keywords = ", ".join(f"{k}=" for k in foreign)
            verb, them = ("is an option", "it") if len(foreign) == 1 else ("are options", "them")
            fix = (
                f"{fix.rstrip().rstrip('.')} ({keywords} {verb} of {path}, which `{name}` calls: "
                f"call it yourself with {them} and pass its result to `{name}`)."
            )
    return f"{name}: {what}{sep}{fix}"


class MissingDependencyError(SozplanError, ImportError):
    """An optional package that the called function needs is not installed.

    Raised only when such a function is called (importing sozplan never needs an
    optional package); the message names the extra to install, e.g.
    ``pip install "sozplan[regions]"``.
    """


class SozplanWarning(UserWarning):
    """Base class of all warnings issued by sozplan.

    Like :class:`InputError`, a warning issued below a public function names the
    outermost public function the user called.
    """

    def __init__(self, *args: Any) -> None:
        if args and isinstance(args[0], str):
            args = (_as_called(args[0]), *args[1:])
        super().__init__(*args)


class DataQualityWarning(SozplanWarning):
    """A problem with the data that is not an error (suppressed values, gaps, outliers)."""


class SmallNumbersWarning(DataQualityWarning):
    """A rate or index rests on too few cases to be reliable."""


class MethodWarning(SozplanWarning):
    """A method is applied where its assumptions are doubtful (e.g. differing pre-trends)."""
