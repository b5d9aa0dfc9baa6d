"""The preset registry: monitoring specs shipped as YAML files, plus your own.

A preset is a :class:`~sozplan.index.MonitoringSpec`. The ones sozplan ships are the
``*.yaml`` files beside this module (the file name is the preset's name); a statistics
office adds one by writing such a file (to contribute it to sozplan) or, in its own
code, by :func:`register_preset` with a spec, a YAML file or YAML text.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

from sozplan.checks import fail, format_values
from sozplan.index import MonitoringSpec

__all__ = ["available_presets", "get_preset", "register_preset"]

#: Presets registered at run time, by name (the shipped ones are read lazily).
_REGISTERED: dict[str, MonitoringSpec] = {}


@functools.cache
def _shipped() -> dict[str, Any]:
    """Name -> resource of every YAML file shipped in this package."""
    files = resources.files("sozplan.presets")
    return {
        f.name.rsplit(".", 1)[0]: f
        for f in files.iterdir()
        if f.name.endswith((".yaml", ".yml")) and not f.name.startswith("_")
    }


@functools.cache
def _load_shipped(name: str) -> MonitoringSpec:
    res = _shipped()[name]
    spec = MonitoringSpec.from_yaml(
        res.read_text(encoding="utf-8").replace("\r\n", "\n") + "\n",
        where=f"get_preset({name!r}) [{res.name}]",
    )
    if spec.name != name:
        raise fail(
            "get_preset",
            f"the shipped file {res.name} holds a spec named {spec.name!r}",
            f"name the file {spec.name}.yaml or set name: {name}",
        )
    return spec


def available_presets() -> list[str]:
    """Names of all presets: the shipped ones and those registered in this session.

    Returns
    -------
    list of str
        Sorted names, for :func:`get_preset`.

    Examples
    --------
    >>> "berlin_mss_2021" in available_presets()
    True
    """
    return sorted({*_shipped(), *_REGISTERED})


def get_preset(name: str | Path) -> MonitoringSpec:
    """Return a monitoring preset by name (or read one from a YAML file).

    Parameters
    ----------
    name : str or path
        A name from :func:`available_presets`, or the path of a ``.yaml`` file
        holding a ``sozplan: monitoring/1`` spec.

    Returns
    -------
    MonitoringSpec
        Pass it to :func:`sozplan.index.status_dynamics` as ``spec=``; change it with
        :meth:`~sozplan.index.MonitoringSpec.replace`.

    Raises
    ------
    InputError
        For an unknown name (listing the available ones) or a broken file (naming the
        file, the line, the key and the fix).

    Examples
    --------
    >>> spec = get_preset("berlin_mss_2021")
    >>> spec.status_columns, spec.dynamics_columns, spec.population
    (('S1', 'S3', 'S4'), ('D1', 'D3', 'D4'), 'EW')
    >>> get_preset("hamburg_style").sketch
    True
    """
    text = str(name)
    if isinstance(name, Path) or text.endswith((".yaml", ".yml")):
        return MonitoringSpec.from_yaml(Path(name), where="get_preset")
    if not isinstance(name, str):
        raise fail(
            "get_preset", f"`name` is a {type(name).__name__}", "pass a preset name or a YAML file"
        )
    if name in _REGISTERED:
        return _REGISTERED[name]
    if name in _shipped():
        return _load_shipped(name)
    raise fail(
        "get_preset",
        f"there is no preset {name!r}",
        f"use one of {format_values(available_presets(), 30)}, a YAML file of your own, "
        "or register one with register_preset()",
    )


def register_preset(spec: MonitoringSpec | str | Path, *, replace: bool = False) -> MonitoringSpec:
    """Make a monitoring spec available by its name for this session.

    Parameters
    ----------
    spec : MonitoringSpec, path or str
        The spec, or a YAML file or YAML text holding one.
    replace : bool, default False
        Allow replacing a preset of the same name (also a shipped one).

    Returns
    -------
    MonitoringSpec
        The registered spec.

    Raises
    ------
    InputError
        If a preset of that name exists and ``replace`` is False, or the spec is broken.

    Examples
    --------
    >>> own = get_preset("berlin_mss_2021").replace(name="berlin_mss_2021_gewichtet",
    ...                                              weighted=True)
    >>> register_preset(own).name in available_presets()
    True
    >>> register_preset(own)
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: register_preset: a preset 'berlin_mss_2021_gewichtet' exists already. Fix: ...
    """
    if not isinstance(spec, MonitoringSpec):
        if not isinstance(spec, str | Path):
            raise fail(
                "register_preset",
                f"`spec` is a {type(spec).__name__}",
                "pass a MonitoringSpec, a YAML file or YAML text",
            )
        spec = MonitoringSpec.from_yaml(spec, where="register_preset")
    if not replace and spec.name in available_presets():
        raise fail(
            "register_preset",
            f"a preset {spec.name!r} exists already",
            "give your spec another name (spec.replace(name=...)) or pass replace=True",
        )
    _REGISTERED[spec.name] = spec
    return spec
