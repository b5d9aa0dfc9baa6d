"""Small helpers shared by the index submodules (private)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sozplan.checks import fail, format_values

__all__ = ["as_series", "content_hash", "parse_directions"]


def as_series(values: Any, *, name: str = "values", where: str = "") -> pd.Series:
    """Return ``values`` as a float Series (a list gets a RangeIndex)."""
    if isinstance(values, pd.DataFrame):
        raise fail(where, f"`{name}` is a DataFrame", "pass one column, e.g. df['status_index']")
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=float))
    if len(s) == 0:
        raise fail(where, f"`{name}` is empty", "pass at least one value")
    try:
        out = pd.to_numeric(s, errors="raise").astype(float)
    except (TypeError, ValueError) as exc:
        raise fail(where, f"`{name}` is not numeric ({exc})", "pass numbers") from exc
    return out


def content_hash(data: Any, *, default: Any = None, length: int = 12) -> str:
    """First ``length`` hex digits of SHA-256 of the canonical JSON of ``data``.

    Canonical: keys sorted, no spaces, UTF-8; so the hash is the same in every process
    and for every key order (the hash of a serialisable spec).

    Examples
    --------
    >>> content_hash({"b": 1, "a": [1.0, "ü"]}) == content_hash({"a": [1.0, "ü"], "b": 1})
    True
    """
    canon = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default
    )
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:length]


_DIRECTION_WORDS = {1: 1, -1: -1, "+": 1, "-": -1, "+1": 1, "-1": -1}


def parse_directions(
    directions: Mapping[Hashable, Any] | Sequence[Any] | None,
    columns: Sequence[Hashable],
    *,
    where: str,
    arg: str = "directions",
) -> np.ndarray:
    """Directions (+1 / -1) per column from a mapping, a sequence or None (all +1).

    Accepts +1/-1 and the strings "+", "-". Unknown column names, missing entries
    of a sequence and other values raise an InputError.
    """
    cols = list(columns)
    if directions is None:
        return np.ones(len(cols))
    if isinstance(directions, Mapping):
        unknown = [k for k in directions if k not in cols]
        if unknown:
            raise fail(
                where,
                f"`{arg}` names column(s) {format_values(unknown)} that are not among the "
                f"indicators ({format_values(cols, 12)})",
                "give directions only for the indicators used",
            )
        raw = [directions.get(c, 1) for c in cols]
    else:
        if isinstance(directions, str) or not isinstance(directions, Sequence | np.ndarray):
            raise fail(
                where,
                f"`{arg}` is a {type(directions).__name__}",
                "pass a dict {column: +1 or -1} or a list with one +1/-1 per indicator",
            )
        raw = list(directions)
        if len(raw) != len(cols):
            raise fail(
                where,
                f"`{arg}` has {len(raw)} entries for {len(cols)} indicators",
                "give one direction (+1 or -1) per indicator, or a dict by column",
            )
    out = []
    for c, d in zip(cols, raw, strict=True):
        key = d.item() if isinstance(d, np.generic) else d
        if isinstance(key, float) and key in (1.0, -1.0):
            key = int(key)
        if isinstance(key, bool) or key not in _DIRECTION_WORDS:
            raise fail(
                where,
                f"`{arg}` gives {d!r} for column {c!r}",
                "use +1 (higher value = worse situation, counts towards disadvantage) or -1 "
                "(higher value = better situation)",
            )
        out.append(_DIRECTION_WORDS[key])
    return np.asarray(out, dtype=float)
