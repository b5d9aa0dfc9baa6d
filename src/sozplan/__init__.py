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
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sozplan")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

#: Public submodules, loaded on first access (SPEC 1 style lazy loading).
_SUBMODULES = frozenset(
    {
        "autocorrelation",
        "checks",
        "cli",
        "datasets",
        "errors",
        "graph",
        "index",
        "indicators",
        "io",
        "planning",
        "plotting",
        "presets",
        "regions",
        "report",
        "segregation",
        "typology",
        "validation",
    }
)

__all__ = ["__version__", *sorted(_SUBMODULES)]


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"sozplan.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'sozplan' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)
