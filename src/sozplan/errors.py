"""Exceptions and warnings of sozplan.

Every error that bad input causes is an :class:`InputError`; it names the argument,
what was wrong (with a few offending ids or values) and the fix. Problems with the
data that do not stop a computation are warnings of our own classes, so that users
can filter them and so that results can list them.

Examples
--------
>>> from sozplan.errors import InputError, SozplanError
>>> issubclass(InputError, ValueError) and issubclass(InputError, SozplanError)
True
"""

from __future__ import annotations

__all__ = [
    "DataQualityWarning",
    "InputError",
    "MethodWarning",
    "MissingDependencyError",
    "SmallNumbersWarning",
    "SozplanError",
    "SozplanWarning",
]


class SozplanError(Exception):
    """Base class of all errors raised by sozplan."""


class InputError(SozplanError, ValueError):
    """Bad arguments or unusable data.

    The message names the argument, says what was wrong and how to fix it.
    """


class MissingDependencyError(SozplanError, ImportError):
    """An optional package that the called function needs is not installed.

    Raised only when such a function is called (importing sozplan never needs an
    optional package); the message names the extra to install, e.g.
    ``pip install "sozplan[regions]"``.
    """


class SozplanWarning(UserWarning):
    """Base class of all warnings issued by sozplan."""


class DataQualityWarning(SozplanWarning):
    """A problem with the data that is not an error (suppressed values, gaps, outliers)."""


class SmallNumbersWarning(DataQualityWarning):
    """A rate or index rests on too few cases to be reliable."""


class MethodWarning(SozplanWarning):
    """A method is applied where its assumptions are doubtful (e.g. differing pre-trends)."""
