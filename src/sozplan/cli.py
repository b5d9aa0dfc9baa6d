"""Command line interface: ``sozplan report``, ``sozplan validate``, ``sozplan --version``.

Examples
--------
>>> from sozplan.cli import build_parser
>>> build_parser().parse_args(["report", "--out", "bericht"]).out
'bericht'
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sozplan import __version__
from sozplan.errors import SozplanError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``sozplan`` command."""
    parser = argparse.ArgumentParser(
        prog="sozplan",
        description="Sozialplanung und Sozialberichterstattung: Berichte und Prüfungen.",
    )
    parser.add_argument("--version", action="version", version=f"sozplan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="BEFEHL")
    rep = sub.add_parser(
        "report",
        help="Sozialbericht als statische HTML-Seiten erstellen",
        description="Erstellt den Sozialbericht (HTML, Tabellen als Excel und CSV). Ohne "
        "--config wird der Bericht für die mitgelieferte Musterstadt erstellt.",
    )
    rep.add_argument("--config", "-c", default=None, help="YAML-Konfiguration des Berichts")
    rep.add_argument("--out", "-o", default="bericht", help="Zielordner (Standard: bericht)")
    rep.add_argument("--quiet", "-q", action="store_true", help="keine Fortschrittsanzeige")
    rep.add_argument(
        "--set",
        "-s",
        action="append",
        default=[],
        metavar="SCHLÜSSEL=WERT",
        help="einen Wert der Konfiguration ersetzen, z. B. clusters.permutations=99 "
        "(mehrfach möglich; der Wert wird als YAML gelesen)",
    )
    val = sub.add_parser(
        "validate",
        help="Datei prüfen (Kennzahlen-Plausibilität oder Berichtskonfiguration)",
        description="Prüft eine Datentabelle (CSV/GeoPackage) auf Datenfehler oder eine "
        "YAML-Berichtskonfiguration auf Fehler.",
    )
    val.add_argument("file", help="CSV-, GeoPackage- oder YAML-Datei")
    val.add_argument(
        "--language",
        "-l",
        choices=("de", "en"),
        default="de",
        help="Sprache der Ausgabe / language of the output (Standard: de)",
    )
    val.add_argument(
        "--population",
        default=None,
        help="Spalte der Einwohnerzahl (für die Prüfung kleiner Fallzahlen)",
    )
    ini = sub.add_parser(
        "init",
        help="Stadtbeschreibung aus Geometrie- und Statistikdateien entwerfen",
        description="Sieht sich die Dateien an (Schlüssel, Verknüpfung, Jahre, Hierarchie, "
        "Einwohnerspalten, Zählspalten, Schlüssel ohne Partner) und schreibt einen "
        "kommentierten ersten Entwurf einer Stadtbeschreibung (sozplan: city/1).",
    )
    ini.add_argument("geometry", help="GeoPackage, Shapefile oder GeoJSON der kleinsten Gebiete")
    ini.add_argument("tables", nargs="+", help="Statistiktabelle(n), CSV")
    ini.add_argument("--out", "-o", default=None, help="Zieldatei (Standard: Ausgabe)")
    ini.add_argument("--language", "-l", choices=("de", "en"), default="de", help="Sprache")
    ini.add_argument("--name", default=None, help="Name der Stadt")
    return parser


def _progress(quiet: bool):
    start = time.perf_counter()

    def show(message: str) -> None:
        if not quiet:
            print(f"[{time.perf_counter() - start:5.1f} s] {message}", flush=True)

    return show


def _cmd_report(args: argparse.Namespace) -> int:
    from sozplan.report import Sozialbericht, load_config, with_overrides  # heavy: report stack

    show = _progress(args.quiet)
    if args.config is None:
        show("Keine Konfiguration angegeben: Bericht für die Musterstadt.")
    cfg = load_config(None if args.config is None else Path(args.config))
    bericht = Sozialbericht(with_overrides(cfg, args.set))
    index = bericht.build(args.out, progress=show)
    print(f"Bericht geschrieben: {Path(index).resolve()}")
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from sozplan.city import init  # heavy: geopandas only for this command

    text = init(args.geometry, *args.tables, out=args.out, language=args.language, name=args.name)
    if args.out is None:
        print(text, end="")
    else:
        done = {"de": "Entwurf geschrieben", "en": "Draft written"}[args.language]
        print(f"{done}: {Path(args.out).resolve()}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    path = Path(args.file)
    en = getattr(args, "language", "de") == "en"
    if not path.exists():
        print(
            f"Error: file {path} not found." if en else f"Fehler: Datei {path} nicht gefunden.",
            file=sys.stderr,
        )
        return 2
    if path.suffix.lower() in {".yaml", ".yml"}:
        from sozplan.report import load_config  # heavy: report stack

        load_config(path)
        print(f"{path}: configuration is fine." if en else f"{path}: Konfiguration in Ordnung.")
        return 0
    from sozplan.report._data import validate_file  # heavy: report stack

    ok, text = validate_file(
        path, language=args.language, population=getattr(args, "population", None)
    )
    print(text)
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sozplan`` command; return the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 when validation found errors, 2 on bad input.
    """
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "report":
            return _cmd_report(args)
        if args.command == "init":
            return _cmd_init(args)
        return _cmd_validate(args)
    except SozplanError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
