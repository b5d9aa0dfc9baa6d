"""Data loading for the report and the ``validate`` command."""

from __future__ import annotations

from pathlib import Path

__all__ = ["validate_file"]


def validate_file(path: Path) -> tuple[bool, str]:
    """Validate a data file; return (ok, text)."""
    from sozplan.io import read_statistik

    df = read_statistik(path)
    return True, f"{path}: {len(df)} Zeilen gelesen."
