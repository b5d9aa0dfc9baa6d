"""The language of labels and messages: German by default, English at parity."""

from __future__ import annotations

from sozplan.checks import fail

__all__ = ["LANGUAGES", "check_language", "german"]

#: Languages of labels, legends and alt texts.
LANGUAGES = ("de", "en")


def check_language(language: str, where: str) -> str:
    """Return ``language`` if it is "de" or "en", else raise an InputError naming ``where``.

    Examples
    --------
    >>> check_language("en", "f")
    'en'
    >>> check_language("fr", "CompositeIndex.plot")
    Traceback (most recent call last):
    ...
    sozplan.errors.InputError: CompositeIndex.plot: `language` is 'fr'. Fix: use 'de' or 'en'.
    """
    if language not in LANGUAGES:
        raise fail(where, f"`language` is {language!r}", "use 'de' or 'en'")
    return language


def german(language: str, where: str) -> bool:
    """Tell whether labels are German (checks ``language`` first).

    Examples
    --------
    >>> german("de", "f"), german("en", "f")
    (True, False)
    """
    return check_language(language, where) == "de"
