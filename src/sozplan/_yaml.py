r"""YAML with positions: the line and column of every key, for error messages.

A text is parsed twice: once into plain Python objects, once into yaml's node tree,
whose ``start_mark`` gives the line and column of every key. The report
configuration and the city description both use it.

Examples
--------
>>> data, pos = load_with_positions("a:\n  b: [1, 2]\n", name="x.yaml")
>>> data, pos["a.b[1]"]
({'a': {'b': [1, 2]}}, (2, 10))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from sozplan.errors import InputError

__all__ = ["error_at", "key_positions", "load_with_positions", "locate"]


def key_positions(node: Any, prefix: str = "") -> dict[str, tuple[int, int]]:
    """Key path (``a.b[2].c``) -> (line, column), 1-based, from a yaml node tree."""
    out: dict[str, tuple[int, int]] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            out[path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out.update(key_positions(value_node, path))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            path = f"{prefix}[{i}]"
            out[path] = (item.start_mark.line + 1, item.start_mark.column + 1)
            out.update(key_positions(item, path))
    return out


def locate(positions: dict[str, tuple[int, int]], key: str) -> tuple[int, int] | None:
    """Position of ``key`` or of its nearest written parent (None if nothing is written)."""
    probe = key
    while probe:
        if probe in positions:
            return positions[probe]
        if probe.endswith("]"):
            probe = probe[: probe.rindex("[")]
        elif "." in probe:
            probe = probe.rsplit(".", 1)[0]
        else:
            probe = ""
    return None


def error_at(
    positions: Mapping[str, tuple[int, int]],
    key: str,
    what: str,
    fix: str,
    *,
    name: str = "",
    where: str = "",
    cls: type[InputError] = InputError,
) -> InputError:
    r"""Build an error that names the file, the line of ``key`` (or its parent) and the key.

    Examples
    --------
    >>> _, pos = load_with_positions("a:\n  b: 1\n", name="x.yaml")
    >>> str(error_at(pos, "a.b", "`b` is 1", "use 2", name="x.yaml", where="f"))
    'f: x.yaml, line 2, key `a.b`: `b` is 1. Fix: use 2.'
    """
    pos = locate(dict(positions), key) if key else None
    parts = [p for p in (name, f"line {pos[0]}" if pos else "") if p]
    place = ", ".join(parts)
    if key:
        place = f"{place}, key `{key}`" if place else f"key `{key}`"
    prefix = f"{where}: " if where else ""
    head = f"{prefix}{place}: " if place else prefix
    return cls(f"{head}{what}. Fix: {fix.rstrip('.')}.")


def load_with_positions(
    text: str, *, name: str, where: str = ""
) -> tuple[Any, dict[str, tuple[int, int]]]:
    """Parse YAML text safely; return the data and the key positions.

    Raises
    ------
    InputError
        On a syntax error, naming ``name``, the line and column.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        prefix = f"{where}: " if where else ""
        raise InputError(
            f"{prefix}{name}{at}: YAML syntax error ({exc.problem}). Fix: check the "
            "indentation, colons and quotes at this place."
        ) from None
    return data, (key_positions(node) if node is not None else {})
