"""Report configuration: YAML with the line and key of every error.

The configuration is parsed twice from the same text: once into plain Python objects,
once into yaml's node tree, whose ``start_mark`` gives the line and column of every
key. A :class:`ConfigError` names the file, the line, the key path (``index.status``)
what is wrong and the fix.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sozplan._yaml import key_positions as _positions
from sozplan.errors import InputError

__all__ = [
    "CHAPTERS",
    "DEFAULTS",
    "ConfigError",
    "ReportConfig",
    "default_config_path",
    "load_config",
]

#: Chapters of the report, in their default order.
CHAPTERS = (
    "overview",
    "data_method",
    "indicators",
    "index",
    "clusters",
    "segregation",
    "typology",
    "validation",
    "profiles",
)

#: Defaults of every key; a configuration file overrides them key by key.
DEFAULTS: dict[str, Any] = {
    "title": "Sozialbericht",
    "subtitle": "",
    "author": "",
    "language": "de",
    "data": {
        "source": "musterstadt",
        "level": "planning_area",
        "year": 2024,
        "years": None,
        "id_column": None,
        "year_column": "jahr",
        "name_column": "name",
        "district_column": "bezirk",
        "population": "einwohner",
        "layer": None,
        "blocks": None,
        "source_note": "",
    },
    "indicators": [
        "sgb2_quote",
        "kinderarmut",
        "arbeitslosigkeit_sgb2",
        "altersarmut",
        "auslaenderanteil",
        "anteil_unter_18",
        "anteil_65_plus",
    ],
    "maps": {"scheme": "quantiles", "k": 5},
    "index": {
        "name": "Sozialindex",
        "version": "1",
        "status": ["arbeitslosigkeit_sgb2", "sgb2_quote", "kinderarmut"],
        "dynamics": ["arbeitslosigkeit_sgb2", "sgb2_quote", "kinderarmut"],
        "window": 2,
        "min_population": 300,
        "status_cuts": [-1.0, 1.0, 1.5],
        "dynamics_cuts": [-1.0, 1.0],
        "weighted": False,
    },
    "clusters": {
        "indicator": "sgb2_quote",
        "permutations": 9999,
        "alpha": 0.05,
        "correction": "fdr",
        "seed": 2024,
    },
    "segregation": {
        "level": "block",
        "total": "einwohner",
        "groups": [
            "auslaender_eu",
            "auslaender_tuerkei",
            "auslaender_asyl",
            "auslaender_sonstige",
        ],
    },
    "typology": {"indicators": None, "k": 5, "method": "ward", "seed": 2024},
    "validation": {"enabled": True},
    "disclosure": {"min_count": 3, "secondary": True, "publish_small_counts": False},
    "profiles": {"enabled": True},
    "chapters": list(CHAPTERS),
}

_TYPES: dict[str, Any] = {
    "title": str,
    "subtitle": str,
    "author": str,
    "language": str,
    "data.source": str,
    "data.level": str,
    "data.year": int,
    "data.years": (list, type(None)),
    "data.id_column": (str, type(None)),
    "data.year_column": str,
    "data.name_column": (str, type(None)),
    "data.district_column": (str, type(None)),
    "data.population": str,
    "data.layer": (str, type(None)),
    "data.blocks": (str, type(None)),
    "data.source_note": str,
    "indicators": list,
    "maps.scheme": str,
    "maps.k": int,
    "index.name": str,
    "index.version": (str, int, float),
    "index.status": list,
    "index.dynamics": (list, type(None)),
    "index.window": int,
    "index.min_population": (int, float),
    "index.status_cuts": list,
    "index.dynamics_cuts": list,
    "index.weighted": bool,
    "clusters.indicator": str,
    "clusters.permutations": int,
    "clusters.alpha": float,
    "clusters.correction": str,
    "clusters.seed": int,
    "segregation.level": str,
    "segregation.total": str,
    "segregation.groups": list,
    "typology.indicators": (list, type(None)),
    "typology.k": (int, type(None)),
    "typology.method": str,
    "typology.seed": int,
    "validation.enabled": bool,
    "disclosure.min_count": int,
    "disclosure.secondary": bool,
    "disclosure.publish_small_counts": bool,
    "profiles.enabled": bool,
    "chapters": list,
}
_CHOICES = {
    "language": ("de", "en"),
    "data.level": ("block", "planning_area", "district_region", "district"),
    "clusters.correction": ("fdr", "bonferroni", "none"),
    "segregation.level": ("block", "planning_area", "district_region", "district"),
}


class ConfigError(InputError):
    """An error in a report configuration; the message names the file, line and key."""


def default_config_path() -> Path:
    """Path of the shipped configuration for Musterstadt (``musterstadt.yaml``)."""
    return Path(str(resources.files("sozplan.report") / "musterstadt.yaml"))


def _merge(base: dict, over: Mapping) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


class ReportConfig(dict):
    """The merged configuration (a dict) that remembers where each key was written.

    Attributes
    ----------
    path : Path or None
        The file it was read from.
    positions : dict
        Key path (``"index.status"``, ``"indicators[2]"``) -> (line, column).
    """

    def __init__(
        self, data: Mapping, *, path: Path | None = None, positions: Mapping | None = None
    ):
        super().__init__(data)
        self.path = path
        self.positions = dict(positions or {})

    def where(self, key: str) -> str:
        """Human-readable location of ``key``: file, line and key, in German."""
        probe = key
        while probe and probe not in self.positions:
            probe = (
                probe.rsplit(".", 1)[0]
                if "." in probe
                else (probe.split("[")[0] if "[" in probe else "")
            )
        name = str(self.path) if self.path else "Konfiguration"
        if probe in self.positions:
            line, col = self.positions[probe]
            return f"{name}, Zeile {line}, Spalte {col}, Schlüssel '{key}'"
        return f"{name}, Schlüssel '{key}' (Standardwert, nicht in der Datei)"

    def error(self, key: str, problem: str, fix: str) -> ConfigError:
        """Return a :class:`ConfigError` for ``key``: location, problem and fix."""
        return ConfigError(f"{self.where(key)}: {problem}. Lösung: {fix}")

    def get_path(self, key: str) -> Any:
        """Value of a dotted key path, e.g. ``"index.status"``."""
        node: Any = self
        for part in key.split("."):
            node = node[part]
        return node


def _type_name(t: Any) -> str:
    names = {
        str: "Text",
        int: "ganze Zahl",
        float: "Zahl",
        bool: "true/false",
        list: "Liste",
        dict: "Abschnitt",
        type(None): "leer",
    }
    ts = t if isinstance(t, tuple) else (t,)
    return " oder ".join(names.get(x, x.__name__) for x in ts)


def _validate(cfg: ReportConfig) -> None:
    known_sections = set(DEFAULTS)
    for key in cfg.positions:
        top = key.split(".")[0].split("[")[0]
        if top not in known_sections:
            raise cfg.error(
                top,
                f"unbekannter Schlüssel '{top}'",
                f"erlaubt sind {', '.join(sorted(known_sections))}",
            )
        if "." in key and "[" not in key:
            section, sub = key.split(".", 1)
            if (
                isinstance(DEFAULTS.get(section), dict)
                and sub.split(".")[0] not in DEFAULTS[section]
            ):
                raise cfg.error(
                    key,
                    f"unbekannter Schlüssel '{sub}' im Abschnitt '{section}'",
                    f"erlaubt sind {', '.join(sorted(DEFAULTS[section]))}",
                )
    for key, t in _TYPES.items():
        try:
            value = cfg.get_path(key)
        except (KeyError, TypeError):
            section = key.split(".")[0]
            raise cfg.error(
                section,
                f"'{section}' muss ein Abschnitt mit Schlüsseln sein",
                "rücken Sie die Schlüssel darunter ein",
            ) from None
        ok_types = t if isinstance(t, tuple) else (t,)
        if isinstance(value, bool) and bool not in ok_types:
            ok = False
        elif float in ok_types and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        else:
            ok = isinstance(value, ok_types)
        if not ok:
            raise cfg.error(
                key,
                f"'{value}' ist {_type_name(type(value))}, erwartet {_type_name(t)}",
                f"geben Sie für '{key}' {_type_name(t)} an",
            )
        if key in _CHOICES and value not in _CHOICES[key]:
            raise cfg.error(
                key, f"'{value}' ist nicht erlaubt", f"verwenden Sie {', '.join(_CHOICES[key])}"
            )
    for i, ch in enumerate(cfg["chapters"]):
        if ch not in CHAPTERS:
            raise cfg.error(
                f"chapters[{i}]",
                f"unbekanntes Kapitel '{ch}'",
                f"verwenden Sie {', '.join(CHAPTERS)}",
            )
    d = cfg["disclosure"]
    if d["min_count"] < 1:
        raise cfg.error(
            "disclosure.min_count",
            f"{d['min_count']} ist kleiner als 1",
            "geben Sie eine positive Zahl an (üblich: 3)",
        )
    idx = cfg["index"]
    for key in ("status_cuts", "dynamics_cuts"):
        cuts = idx[key]
        if not all(isinstance(c, int | float) for c in cuts) or list(cuts) != sorted(cuts):
            raise cfg.error(
                f"index.{key}",
                f"{cuts} ist keine aufsteigende Zahlenliste",
                "geben Sie aufsteigende Grenzen an, z. B. [-1.0, 1.0, 1.5]",
            )


def load_config(source: str | Path | Mapping | None = None) -> ReportConfig:
    r"""Read and check a report configuration (YAML file, YAML text or dict).

    Unspecified keys take the defaults (:data:`DEFAULTS`); the shipped Musterstadt
    configuration is used when ``source`` is None.

    Parameters
    ----------
    source : path, YAML text or dict, optional

    Returns
    -------
    ReportConfig

    Raises
    ------
    ConfigError
        With file, line, column and key path for syntax errors, unknown keys, wrong
        types and invalid values.

    Examples
    --------
    >>> cfg = load_config("title: Test\nindex:\n  window: 3\n")
    >>> cfg["index"]["window"], cfg["index"]["min_population"]
    (3, 300)
    >>> load_config("title: Test\nindex:\n  window: drei\n")
    Traceback (most recent call last):
    ...
    sozplan.report._config.ConfigError: Konfiguration, Zeile 3, Spalte 3, ...
    """
    path: Path | None = None
    if source is None:
        source = default_config_path()
    if isinstance(source, Mapping):
        return _finish(dict(source), path=None, positions={})
    text = str(source)
    if isinstance(source, Path) or (
        "\n" not in text and (text.endswith((".yaml", ".yml")) or Path(text).exists())
    ):
        path = Path(source)
        if not path.exists():
            raise ConfigError(
                f"load_config: die Datei {path} existiert nicht. Lösung: Pfad prüfen oder ohne "
                "--config die Musterstadt-Konfiguration verwenden."
            )
        text = path.read_text(encoding="utf-8")
    name = str(path) if path else "Konfiguration"
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", Zeile {mark.line + 1}, Spalte {mark.column + 1}" if mark else ""
        raise ConfigError(
            f"{name}{line}: YAML-Syntaxfehler ({exc.problem}). Lösung: Einrückung, Doppelpunkte "
            "und Anführungszeichen an dieser Stelle prüfen."
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{name}, Zeile 1: die Konfiguration muss aus Schlüsseln bestehen (key: value), "
            f"nicht aus {type(data).__name__}. Lösung: z. B. 'title: Sozialbericht'."
        )
    return _finish(data, path=path, positions=_positions(node) if node is not None else {})


def _finish(data: dict, *, path: Path | None, positions: Mapping) -> ReportConfig:
    cfg = ReportConfig(_merge(DEFAULTS, data), path=path, positions=positions)
    # remember what the user wrote, to check unknown keys against the file only
    _validate(cfg)
    if cfg["data"]["source"] != "musterstadt" and path is not None:
        src = Path(cfg["data"]["source"])
        if not src.is_absolute():
            cfg["data"]["source"] = str((path.parent / src).resolve())
    return cfg


def as_list(value: Any) -> list:
    """Return a list from a scalar, sequence or None."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [value]
    return list(value)
