"""The social report (Sozialbericht): static, accessible HTML from a YAML configuration.

The report is built in four steps: the city description is loaded, the indicators
computed and the counts protected into one immutable :class:`ReportData`; then every
chapter (a module of :mod:`sozplan.report.chapters`) analyses it and renders its page.

Examples
--------
>>> from sozplan.report import Sozialbericht
>>> bericht = Sozialbericht.musterstadt()
>>> bericht.config["title"]
'Sozialbericht Musterstadt 2024'
"""

from __future__ import annotations

from sozplan.checks import public_functions
from sozplan.report._builder import Sozialbericht
from sozplan.report._config import (
    DEFAULTS,
    ConfigError,
    ReportConfig,
    defaults,
    load_config,
    with_overrides,
)
from sozplan.report._indicators import ReportIndicator
from sozplan.report._render import Deferred, RenderContext
from sozplan.report._reportdata import ReportData
from sozplan.report._text import add_texts
from sozplan.report.chapters import REGISTRY, ChapterSkipped, Key, Page, register_chapter

#: Names of the registered chapters, in their default order.
CHAPTERS = tuple(REGISTRY)

__all__ = [
    "CHAPTERS",
    "DEFAULTS",
    "REGISTRY",
    "ChapterSkipped",
    "ConfigError",
    "Deferred",
    "Key",
    "Page",
    "RenderContext",
    "ReportConfig",
    "ReportData",
    "ReportIndicator",
    "Sozialbericht",
    "add_texts",
    "defaults",
    "load_config",
    "register_chapter",
    "with_overrides",
]

public_functions(globals())
