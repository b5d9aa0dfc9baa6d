"""Shared fixtures: paths to the sample data and to the real Berlin open data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BERLIN_DIR = ROOT.parent / "shared" / "data" / "berlin"


@pytest.fixture(scope="session")
def berlin_dir() -> Path:
    """The folder of the real Berlin open data; skips the test when it is absent."""
    if not (BERLIN_DIR / "mss_2021_index_indikatoren.csv").exists():
        pytest.skip(f"Berlin open data not found at {BERLIN_DIR} (only in the project workspace)")
    return BERLIN_DIR
