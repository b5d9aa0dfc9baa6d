"""Tests of the ``sozplan`` command line interface."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from sozplan import __version__
from sozplan.cli import build_parser, main


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"sozplan {__version__}"


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "report" in capsys.readouterr().out


def test_parser_defaults():
    args = build_parser().parse_args(["report"])
    assert args.out == "bericht"
    assert args.config is None


def test_report_with_config_shows_progress_and_location(tmp_path, capsys):
    cfg = tmp_path / "kurz.yaml"
    cfg.write_text("title: Kurzbericht\nchapters: [overview, data_method]\n", encoding="utf-8")
    out = tmp_path / "bericht"
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Daten laden" in text
    assert "] " in text
    assert f"Bericht geschrieben: {(out / 'index.html').resolve()}" in text
    assert "Kurzbericht" in (out / "index.html").read_text(encoding="utf-8")


def test_report_config_error_names_line_and_key(tmp_path, capsys):
    cfg = tmp_path / "fehler.yaml"
    cfg.write_text("title: X\nclusters:\n  permutations: viele\n", encoding="utf-8")
    assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert "Zeile 3" in err
    assert "clusters.permutations" in err
    assert "Lösung" in err


def test_validate_config_and_data(tmp_path, capsys):
    from sozplan.report._config import default_config_path

    assert main(["validate", str(default_config_path())]) == 0
    assert "Konfiguration in Ordnung" in capsys.readouterr().out
    bad = tmp_path / "b.yaml"
    bad.write_text("chapters: [overview, kapitel9]\n", encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    assert "chapters[1]" in capsys.readouterr().err
    from sozplan.datasets._files import data_dir

    assert (
        main(["validate", str(data_dir() / "bloecke_2024_roh.csv")]) == 1
    )  # the planted data errors
    out = capsys.readouterr().out
    assert "Zähler größer als Nenner" in out
    assert "Gebietsschlüssel mehrfach" in out
    assert main(["validate", str(tmp_path / "fehlt.csv")]) == 2


def test_installed_entry_point():
    exe = shutil.which("sozplan") or str(
        __import__("pathlib").Path(sys.executable).parent / "sozplan"
    )
    if not __import__("pathlib").Path(exe).exists():
        pytest.skip("the console script is not installed")
    proc = subprocess.run(
        [exe, "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0
    assert __version__ in proc.stdout


def test_init_prints_a_description(tmp_path, capsys):
    import geopandas as gpd
    from shapely.geometry import box

    gpd.GeoDataFrame(
        {"ID": ["11", "12"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:25832"
    ).to_file(tmp_path / "g.gpkg")
    (tmp_path / "t.csv").write_text("ID;EW\n11;5\n12;7\n", encoding="utf-8")
    assert main(["init", str(tmp_path / "g.gpkg"), str(tmp_path / "t.csv"), "-l", "en"]) == 0
    assert "Join: 2 of 2 areas" in capsys.readouterr().out
    out = tmp_path / "stadt.yaml"
    assert main(["init", str(tmp_path / "g.gpkg"), str(tmp_path / "t.csv"), "-o", str(out)]) == 0
    assert "Entwurf geschrieben" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8").startswith("# Erster Entwurf")
