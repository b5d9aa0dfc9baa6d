"""Report configuration: YAML with line numbers in every error."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sozplan.errors import InputError

__all__ = ["default_config_path", "load_config"]


def default_config_path() -> Path:
    """Path of the shipped configuration for Musterstadt."""
    return Path(str(resources.files("sozplan.report") / "musterstadt.yaml"))


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a report configuration from a YAML file."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"load_config: the file {path} does not exist; pass an existing YAML file.")
    with path.open(encoding="utf-8") as fh:
        cfg = yaml.safe_load(fh)
    return cfg
