"""Data files for the ``sozplan validate`` command."""

from __future__ import annotations

import warnings
from pathlib import Path

from sozplan.io import read_statistik
from sozplan.validation import validate

__all__ = ["validate_file"]


def _read(path: Path):
    """Read a statistics CSV (DIN 55301 signs kept) or a geodata file, indexed by its area key."""
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        # cells that are neither a number nor a DIN 55301 sign are read with status
        # 'invalid' and reported by validate, never refused
        table = read_statistik(path, errors="coerce")
        keys = list(getattr(table, "key_columns", []) or [])
        if keys:
            table = read_statistik(path, index_col=keys[0], errors="coerce")
        return table
    import geopandas as gpd

    frame = gpd.read_file(path)
    for col in frame.columns:
        textual = frame[col].dtype == object or str(frame[col].dtype) in {"str", "string"}
        if col != "geometry" and textual and frame[col].is_unique:
            return frame.set_index(col)
    return frame


def validate_file(
    path: str | Path, *, language: str = "de", population: str | None = None
) -> tuple[bool, str]:
    """Validate a data file with :func:`sozplan.validation.validate`.

    Parameters
    ----------
    path : str or Path
        A statistics CSV (read with :func:`sozplan.io.read_statistik`, so that the DIN
        55301 status of every cell, such as ``.`` for secret, becomes a finding) or a
        GeoPackage / GeoJSON file.
    language : {"de", "en"}, default "de"
        Language of the summary.
    population : str, optional
        The residents' column (for the small-number rule).

    Returns
    -------
    (bool, str)
        Whether no finding has severity ``error``, and the summary: what was checked,
        what was not and why, and the findings.

    Examples
    --------
    >>> from sozplan.datasets._files import data_dir
    >>> ok, text = validate_file(data_dir() / "bloecke_2024_roh.csv")
    >>> ok, "Zähler größer als Nenner" in text
    (False, True)
    """
    path = Path(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = _read(path)
        report = validate(table, population=population)
    lines = [f"{path}:", report.summary(language=language)]
    read_notes = [str(w.message) for w in caught]
    if read_notes:
        head = "Notes while reading: " if language == "en" else "Hinweise beim Lesen: "
        lines.append(head + "; ".join(dict.fromkeys(read_notes[:5])))
    return report.ok, "\n".join(lines)
