"""The chapter protocol: a config schema, ``analyse(data, config)`` and ``render(result, ctx)``.

A chapter is a module with

- ``NAME`` (the key in ``chapters:`` and the name of its configuration section),
- ``FILE`` (the HTML file it writes, relative to the report folder),
- ``SCHEMA`` (a mapping of its configuration keys to :class:`Key`),
- ``analyse(data, config) -> result``: calls library functions on the immutable
  :class:`~sozplan.report.ReportData` and returns anything (typically a frozen
  dataclass); it raises :class:`ChapterSkipped` with the reason when it cannot run,
- ``render(result, ctx) -> Page``: builds the page through the message catalogue and
  the HTML helpers of ``ctx`` (:class:`~sozplan.report._render.RenderContext`).

Its title is the catalogue entry ``<NAME>.title``. Registering it is one line
(:func:`sozplan.report.register_chapter`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sozplan._core.frozen import immutable

__all__ = ["ChapterModule", "ChapterSkipped", "Key", "Page"]


class ChapterSkipped(Exception):
    """A chapter cannot run (missing columns, too few areas); the message says why."""


@immutable
@dataclass(frozen=True)
class Key:
    """One key of a chapter's configuration section.

    Parameters
    ----------
    types : type or tuple of types
        Accepted types (``int`` values are accepted where ``float`` is).
    default : object
        Value when the configuration does not name the key.
    choices : tuple, optional
        Allowed values.
    path : bool, default False
        The value is a file path: a relative one is resolved against the folder of the
        configuration file (special words without a path separator or suffix, such as
        ``musterstadt``, are kept).
    """

    types: Any
    default: Any = None
    choices: tuple = ()
    path: bool = False


@dataclass
class Page:
    """One HTML page of the report: its blocks, optional sub-pages (e.g. Steckbriefe)."""

    slug: str
    href: str
    title: str
    blocks: list = field(default_factory=list)
    lead: str = ""
    subpages: list = field(default_factory=list)


class ChapterModule(Protocol):
    """What a chapter module provides (see the module notes)."""

    NAME: str
    FILE: str
    SCHEMA: Mapping[str, Key]
    analyse: Callable[..., Any]
    render: Callable[..., Page]
