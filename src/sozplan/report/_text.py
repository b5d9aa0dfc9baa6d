"""The report's message catalogue: every sentence in German and English (``texte.yaml``).

Entries are ``key: {de: ..., en: ...}`` with ``{placeholders}`` filled by
:meth:`Texts.__call__`; both languages of an entry name the same placeholders (a test
checks it). A chapter registered from outside the package adds its own entries with
:func:`add_texts`.

Examples
--------
>>> t = Texts("en")
>>> t("overview.title")
'Overview'
>>> Texts("de")("common.areas_n", n=3)
'3 Gebiete'
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping
from importlib import resources
from typing import Any

import yaml

from sozplan.checks import fail

__all__ = ["LANGUAGES", "Texts", "add_texts", "catalogue"]

LANGUAGES = ("de", "en")
_EXTRA: dict[str, dict[str, str]] = {}


@functools.lru_cache(maxsize=1)
def _shipped() -> dict[str, dict[str, str]]:
    text = (resources.files("sozplan.report") / "texte.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def catalogue() -> dict[str, dict[str, str]]:
    """Return every entry (shipped and added), key -> {language: text}."""
    return {**_shipped(), **_EXTRA}


def placeholders(text: str) -> set[str]:
    """Names of the ``{placeholders}`` in ``text``."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def add_texts(entries: Mapping[str, Mapping[str, str]]) -> None:
    """Add catalogue entries (for a chapter defined outside the package).

    Parameters
    ----------
    entries : mapping
        ``key -> {"de": ..., "en": ...}``; both languages are required and must name
        the same placeholders.
    """
    for key, langs in entries.items():
        missing = [lang for lang in LANGUAGES if lang not in langs]
        if missing:
            raise fail(
                "add_texts", f"the entry {key!r} has no text for {missing}", "give de and en"
            )
        if placeholders(langs["de"]) != placeholders(langs["en"]):
            raise fail(
                "add_texts",
                f"the entry {key!r} names different placeholders in de and en",
                "use the same {names} in both languages",
            )
        _EXTRA[key] = {lang: str(langs[lang]) for lang in LANGUAGES}


class Texts:
    """The catalogue in one language: ``t(key, **values)`` returns the filled text."""

    def __init__(self, language: str):
        if language not in LANGUAGES:
            raise fail("Texts", f"`language` is {language!r}", "use 'de' or 'en'")
        self.language = language

    def __call__(self, key: str, **values: Any) -> str:
        entry = catalogue().get(key)
        if entry is None:
            raise KeyError(f"no text {key!r} in the report's message catalogue")
        text = entry[self.language]
        return text.format(**values) if values or "{" in text else text

    def has(self, key: str) -> bool:
        """Whether the catalogue has ``key``."""
        return key in catalogue()
