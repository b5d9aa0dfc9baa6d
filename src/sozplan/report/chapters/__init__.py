"""The chapters of the report, one module each, and their registry.

A chapter is a module with ``NAME``, ``FILE``, ``SCHEMA``, ``analyse(data, config)``
and ``render(result, ctx)`` (see :mod:`sozplan.report.chapters._base`). The registry
maps ``NAME`` to the module, in the default order of the report; a new chapter is one
module plus one line here (or :func:`register_chapter` from outside the package).

Examples
--------
>>> from sozplan.report.chapters import REGISTRY
>>> list(REGISTRY)[:3]
['overview', 'data_method', 'indicators']
"""

from __future__ import annotations

from types import ModuleType

from sozplan.checks import fail
from sozplan.report.chapters import (
    clusters,
    data_method,
    financing,
    index,
    indicators,
    overview,
    profiles,
    projection,
    segregation,
    services,
    typology,
    validation,
)
from sozplan.report.chapters._base import ChapterModule, ChapterSkipped, Key, Page

__all__ = ["REGISTRY", "ChapterModule", "ChapterSkipped", "Key", "Page", "register_chapter"]

#: Chapter name -> module, in the default order of the report.
REGISTRY: dict[str, ModuleType] = {}


def register_chapter(module: ModuleType, *, before: str | None = None) -> None:
    """Register a chapter module (``NAME``, ``FILE``, ``SCHEMA``, ``analyse``, ``render``).

    Parameters
    ----------
    module : module or object
        The chapter.
    before : str, optional
        Insert it before this chapter (default: at the end).
    """
    missing = [
        a for a in ("NAME", "FILE", "SCHEMA", "analyse", "render") if not hasattr(module, a)
    ]
    if missing:
        raise fail(
            "register_chapter",
            f"the chapter {getattr(module, '__name__', module)!r} lacks {missing}",
            "define NAME, FILE, SCHEMA, analyse(data, config) and render(result, ctx)",
        )
    items = [(k, v) for k, v in REGISTRY.items() if k != module.NAME]
    pos = next((i for i, (k, _) in enumerate(items) if k == before), len(items))
    items.insert(pos, (module.NAME, module))
    REGISTRY.clear()
    REGISTRY.update(items)


for _m in (overview, data_method, indicators, index, clusters, segregation, typology):
    register_chapter(_m)
register_chapter(services)
register_chapter(projection)
register_chapter(validation)
register_chapter(financing)
register_chapter(profiles)
