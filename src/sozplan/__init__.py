"""sozplan: statistics for German municipal social planning and social reporting.

Submodules are imported lazily on first attribute access, so ``import sozplan`` is
fast, touches no network and writes nothing.

Examples
--------
>>> import sozplan
>>> sozplan.__version__  # doctest: +ELLIPSIS
'...'
"""

from __future__ import annotations

import importlib

#: Public submodules, loaded on first access (SPEC 1 style lazy loading).
_SUBMODULES = frozenset(
    {
        "autocorrelation",
        "batch",
        "checks",
        "city",
        "cli",
        "datasets",
        "disclosure",
        "errors",
        "graph",
        "index",
        "indicators",
        "io",
        "planning",
        "plotting",
        "presets",
        "projection",
        "regions",
        "report",
        "segregation",
        "typology",
        "validation",
    }
)

#: Public names re-exported from submodules, loaded on first access.
_ATTRIBUTES = {"CitySpec": "city", "load_city": "city"}

__all__ = ["__version__", *sorted(_ATTRIBUTES), *sorted(_SUBMODULES)]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sozplan")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def __getattr__(name: str):
    if name == "__version__":  # read from the installed metadata only when asked for
        value = globals()["__version__"] = _version()
        return value
    if name in _ATTRIBUTES:
        value = getattr(importlib.import_module(f"sozplan.{_ATTRIBUTES[name]}"), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f"sozplan.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'sozplan' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES | set(_ATTRIBUTES))
