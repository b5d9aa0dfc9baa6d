"""The social report (Sozialbericht): static, accessible HTML from a YAML configuration.

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
from sozplan.report._config import CHAPTERS, DEFAULTS, ConfigError, ReportConfig, load_config

__all__ = ["CHAPTERS", "DEFAULTS", "ConfigError", "ReportConfig", "Sozialbericht", "load_config"]

public_functions(globals())
