"""State that sozplan keeps about objects it does not own (e.g. libpysal Graphs).

libpysal's ``Graph`` is unhashable (it defines ``__eq__``) and not ours to
decorate: writing attributes onto it (``object.__setattr__``) changes a foreign
object behind its owner's back and survives in pickles and copies. An
:class:`ObjectNotes` keeps the note in sozplan, keyed by the object's identity, and
forgets it when the object is garbage-collected.
"""

from __future__ import annotations

import weakref
from typing import Any

__all__ = ["ObjectNotes"]


class ObjectNotes[T]:
    """A note per live object, keyed by identity (works for unhashable objects).

    Examples
    --------
    >>> class Box:  # unhashable, like libpysal's Graph
    ...     __hash__ = None
    >>> notes = ObjectNotes()
    >>> b = Box()
    >>> notes.set(b, "built with islands='nearest'")
    >>> notes.get(b)
    "built with islands='nearest'"
    >>> notes.get(Box()) is None
    True
    >>> del b
    >>> len(notes)
    0
    """

    def __init__(self) -> None:
        self._notes: dict[int, tuple[weakref.ref, T]] = {}

    def set(self, obj: Any, note: T) -> None:
        """Attach ``note`` to ``obj`` (replacing an earlier one)."""
        key = id(obj)
        notes = self._notes

        def forget(_ref: weakref.ref, key: int = key) -> None:
            entry = notes.get(key)
            if entry is not None and entry[0] is _ref:
                del notes[key]

        self._notes[key] = (weakref.ref(obj, forget), note)

    def get(self, obj: Any) -> T | None:
        """Return the note attached to ``obj``, or None."""
        entry = self._notes.get(id(obj))
        if entry is None or entry[0]() is not obj:
            return None
        return entry[1]

    def __len__(self) -> int:
        return len(self._notes)
