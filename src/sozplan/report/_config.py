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

from sozplan._core.frozen import thaw
from sozplan._yaml import key_positions as _positions
from sozplan.errors import InputError
from sozplan.report.chapters import REGISTRY

__all__ = [
    "DEFAULTS",
    "ConfigError",
    "ReportConfig",
    "default_config_path",
    "defaults",
    "load_config",
    "with_overrides",
]

#: Defaults of the report-wide keys; each chapter adds its own section (its ``SCHEMA``).
DEFAULTS: dict[str, Any] = {
    "title": "Sozialbericht",
    "subtitle": "",
    "author": "",
    "language": "de",
    "data": {
        "description": "musterstadt",
        "level": None,
        "district_level": None,
        "year": None,
        "years": None,
        "min_population": 300,
        "change": None,
        "attribution": "",
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
    "exclude": [],
    "maps": {"scheme": "quantiles", "n_classes": 5},
    "disclosure": {"min_count": 3, "secondary": True, "publish_small_counts": False},
    "chapters": None,
}

_TYPES: dict[str, Any] = {
    "title": str,
    "subtitle": str,
    "author": str,
    "language": str,
    "data.description": str,
    "data.level": (str, type(None)),
    "data.district_level": (str, type(None)),
    "data.year": (int, type(None)),
    "data.years": (list, type(None)),
    "data.min_population": (int, float),
    "data.change": (list, type(None)),
    "data.attribution": str,
    "indicators": list,
    "exclude": (list, dict),
    "maps.scheme": str,
    "maps.n_classes": int,
    "disclosure.min_count": int,
    "disclosure.secondary": bool,
    "disclosure.publish_small_counts": bool,
    "chapters": (list, type(None)),
}
_CHOICES = {"language": ("de", "en")}

#: Keys of an own indicator in ``indicators:`` (beside catalogue keys written as text).
INDICATOR_KEYS = (
    "key",
    "label",
    "numerator",
    "denominator",
    "column",
    "unit",
    "per",
    "direction",
    "decimals",
    "kind",
    "definition",
)


def _chapters() -> dict:

    return REGISTRY


def defaults() -> dict[str, Any]:
    """Every default: the report-wide keys and each registered chapter's section."""
    out = copy.deepcopy(DEFAULTS)
    reg = _chapters()
    out["chapters"] = list(reg)
    for name, mod in reg.items():
        if mod.SCHEMA:
            out[name] = {k: thaw(key.default) for k, key in mod.SCHEMA.items()}
    return out


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


def _all_types() -> tuple[dict[str, Any], dict[str, tuple]]:
    types, choices = dict(_TYPES), dict(_CHOICES)
    for name, mod in _chapters().items():
        for k, key in mod.SCHEMA.items():
            types[f"{name}.{k}"] = key.types
            if key.choices:
                choices[f"{name}.{k}"] = tuple(key.choices)
    return types, choices


def _check_type(cfg: ReportConfig, key: str, value: Any, t: Any) -> None:
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


def _validate(cfg: ReportConfig) -> None:
    reg = _chapters()
    base = defaults()
    known_sections = set(base)
    for key in cfg.positions:
        top = key.split(".")[0].split("[")[0]
        if top not in known_sections:
            raise cfg.error(
                top,
                f"unbekannter Schlüssel '{top}'",
                f"erlaubt sind {', '.join(sorted(known_sections))}",
            )
        if "." in key and "[" not in key.split(".")[0]:
            section, sub = key.split(".", 1)
            sub = sub.split(".")[0].split("[")[0]
            allowed = base.get(section)
            if section in ("exclude",) or not isinstance(allowed, dict):
                continue
            if section == "index" and key.startswith("index.overrides."):
                continue
            if sub not in allowed:
                raise cfg.error(
                    key,
                    f"unbekannter Schlüssel '{sub}' im Abschnitt '{section}'",
                    f"erlaubt sind {', '.join(sorted(allowed))}",
                )
    types, choices = _all_types()
    for key, t in types.items():
        try:
            value = cfg.get_path(key)
        except (KeyError, TypeError):
            section = key.split(".")[0]
            raise cfg.error(
                section,
                f"'{section}' muss ein Abschnitt mit Schlüsseln sein",
                "rücken Sie die Schlüssel darunter ein",
            ) from None
        _check_type(cfg, key, value, t)
        if key in choices and value not in choices[key]:
            raise cfg.error(
                key, f"'{value}' ist nicht erlaubt", f"verwenden Sie {', '.join(choices[key])}"
            )
    for i, ch in enumerate(cfg["chapters"]):
        if ch not in reg:
            raise cfg.error(
                f"chapters[{i}]",
                f"unbekanntes Kapitel '{ch}'",
                f"verwenden Sie {', '.join(reg)}",
            )
    _validate_indicators(cfg)
    _validate_exclude(cfg)
    d = cfg["disclosure"]
    if d["min_count"] < 1:
        raise cfg.error(
            "disclosure.min_count",
            f"{d['min_count']} ist kleiner als 1",
            "geben Sie eine positive Zahl an (üblich: 3)",
        )
    for name, mod in reg.items():
        check = getattr(mod, "check_config", None)
        if check is not None and name in cfg:
            check(cfg, cfg[name])


def _validate_indicators(cfg: ReportConfig) -> None:
    seen: set[str] = set()
    for i, entry in enumerate(cfg["indicators"]):
        where = f"indicators[{i}]"
        if isinstance(entry, str):
            key = entry
        elif isinstance(entry, dict):
            unknown = [k for k in entry if k not in INDICATOR_KEYS]
            if unknown:
                raise cfg.error(
                    f"{where}.{unknown[0]}",
                    f"unbekannter Schlüssel '{unknown[0]}' einer eigenen Kennzahl",
                    f"erlaubt sind {', '.join(INDICATOR_KEYS)}",
                )
            raw_key = entry.get("key")
            if not isinstance(raw_key, str) or not raw_key:
                raise cfg.error(
                    where,
                    "eine eigene Kennzahl braucht 'key' (ihren Namen)",
                    "z. B. 'key: anteil_unter_18'",
                )
            key = raw_key
            has_num = "numerator" in entry or "denominator" in entry
            if has_num == ("column" in entry):
                raise cfg.error(
                    where,
                    f"die Kennzahl '{key}' braucht entweder 'numerator' und 'denominator' "
                    "oder 'column' (eine veröffentlichte Quote)",
                    "geben Sie genau eines davon an",
                )
            if has_num and not ("numerator" in entry and "denominator" in entry):
                raise cfg.error(
                    where,
                    f"die Kennzahl '{key}' hat nur Zähler oder nur Nenner",
                    "geben Sie 'numerator' und 'denominator' an",
                )
            if "direction" in entry and entry["direction"] not in (1, -1, 0):
                raise cfg.error(
                    f"{where}.direction",
                    f"'{entry['direction']}' ist keine Richtung",
                    "1 (hoch = ungünstig), -1 (niedrig = ungünstig) oder 0 (ohne Richtung)",
                )
            for k, t in (("decimals", int), ("per", (int, float)), ("unit", str)):
                if k in entry:
                    _check_type(cfg, f"{where}.{k}", entry[k], t)
            label = entry.get("label")
            if label is not None and not (
                isinstance(label, str) or (isinstance(label, dict) and set(label) <= {"de", "en"})
            ):
                raise cfg.error(
                    f"{where}.label",
                    "'label' ist weder Text noch {de: ..., en: ...}",
                    "z. B. 'label: {de: Anteil unter 18 Jahren, en: share under 18}'",
                )
        else:
            raise cfg.error(
                where,
                f"'{entry}' ist weder ein Katalogschlüssel noch eine eigene Kennzahl",
                "geben Sie einen Schlüssel (Text) oder einen Abschnitt mit 'key' an",
            )
        if key in seen:
            raise cfg.error(where, f"die Kennzahl '{key}' steht zweimal da", "einmal nennen")
        seen.add(key)


def _validate_exclude(cfg: ReportConfig) -> None:
    raw = cfg["exclude"]
    items = [raw] if isinstance(raw, dict) else list(raw)
    for i, item in enumerate(items):
        where = "exclude" if isinstance(raw, dict) else f"exclude[{i}]"
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("ids"), list)
            or not isinstance(item.get("reason"), str)
            or set(item) - {"ids", "reason"}
        ):
            raise cfg.error(
                where,
                "ein Ausschluss braucht 'ids' (Liste) und 'reason' (Text)",
                "z. B. 'exclude: {ids: [\"0101\"], reason: Ausreißer}'",
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
    >>> cfg["index"]["window"], cfg["data"]["description"]
    (3, 'musterstadt')
    >>> load_config("title: Test\nindex:\n  window: drei\n")
    Traceback (most recent call last):
    ...
    sozplan.report._config.ConfigError: load_config: Konfiguration, Zeile 3, Spalte 3, ...
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
    data = dict(data)
    if isinstance(data.get("data"), str):  # `data: stadt.yaml` is short for the description
        data["data"] = {"description": data["data"]}
        positions = dict(positions)
        if "data" in positions:
            positions["data.description"] = positions["data"]
    cfg = ReportConfig(_merge(defaults(), data), path=path, positions=positions)
    _validate(cfg)
    src = cfg["data"]["description"]
    if src != "musterstadt" and path is not None and not Path(src).is_absolute():
        cfg["data"]["description"] = str((path.parent / src).resolve())
    if path is not None:  # chapter keys that name files are relative to the configuration
        for name, mod in _chapters().items():
            for k, key in mod.SCHEMA.items():
                value = cfg.get(name, {}).get(k)
                if (
                    getattr(key, "path", False)
                    and isinstance(value, str)
                    and value != "musterstadt"
                    and (Path(value).suffix or "/" in value or (path.parent / value).exists())
                    and not Path(value).is_absolute()
                ):
                    cfg[name][k] = str((path.parent / value).resolve())
    return cfg


def with_overrides(cfg: ReportConfig, assignments: Sequence[str]) -> ReportConfig:
    """Return the configuration with ``key.path=value`` assignments applied and checked.

    Values are read as YAML (``99``, ``true``, ``[2005, 2012]``, text).

    Examples
    --------
    >>> cfg = with_overrides(load_config(None), ["clusters.permutations=99"])
    >>> cfg["clusters"]["permutations"]
    99
    >>> with_overrides(load_config(None), ["clusters.farbe=rot"])
    Traceback (most recent call last):
    ...
    sozplan.report._config.ConfigError: with_overrides: --set clusters.farbe=rot: unbekannter Schlüssel ...
    """
    data = copy.deepcopy(dict(cfg))
    for item in assignments:
        key, sep, raw = item.partition("=")
        key = key.strip()
        parts = key.split(".")
        node: Any = data
        ok = bool(sep) and bool(key)
        for part in parts[:-1]:
            if not ok or not isinstance(node, dict) or part not in node:
                ok = False
                break
            node = node[part]
        if not ok or not isinstance(node, dict) or parts[-1] not in node:
            raise ConfigError(
                f"--set {item}: unbekannter Schlüssel '{key}'. Lösung: SCHLÜSSEL=WERT mit einem "
                "Schlüssel der Konfiguration, z. B. clusters.permutations=99"
            )
        node[parts[-1]] = yaml.safe_load(raw) if raw.strip() else ""
    out = ReportConfig(data, path=cfg.path, positions=cfg.positions)
    _validate(out)
    return out


def as_list(value: Any) -> list:
    """Return a list from a scalar, sequence or None."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [value]
    return list(value)
