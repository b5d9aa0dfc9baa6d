"""The consistency rules of Musterstadt's counts, as data for :func:`sozplan.validation.validate`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sozplan.datasets._dictionary import AGE_BANDS, CITIZENSHIP_GROUPS
from sozplan.validation import PartOfWhole, SumEquals

if TYPE_CHECKING:
    from sozplan.validation import PartOfWhole, SumEquals

__all__ = ["musterstadt_rules"]

#: (part, whole) pairs of Musterstadt's count columns.
_PARTS = (
    ("einwohner_65_plus", "einwohner"),
    ("auslaender", "einwohner"),
    ("auslaender_eu", "auslaender"),
    ("auslaender_tuerkei", "auslaender"),
    ("auslaender_asyl", "auslaender"),
    ("auslaender_sonstige", "auslaender"),
    ("sgb2_unter15", "sgb2_leistungsberechtigte"),
    ("arbeitslose_sgb2", "sgb2_leistungsberechtigte"),
    ("haushalte_mit_kindern", "haushalte"),
    ("haushalte_alleinerziehend", "haushalte_mit_kindern"),
    ("wohndauer_5_jahre_plus", "einwohner"),
)


def musterstadt_rules() -> tuple[PartOfWhole | SumEquals, ...]:
    """Return the part-of-whole and sum rules of Musterstadt's count columns.

    The age bands and the citizenship groups each add up to the residents, the foreign
    groups to the foreigners; eleven counts are parts of another.

    Returns
    -------
    tuple of PartOfWhole and SumEquals

    Examples
    --------
    >>> from sozplan.datasets import load_musterstadt, musterstadt_rules
    >>> from sozplan.validation import validate
    >>> rules = musterstadt_rules()
    >>> len(rules), rules[0]
    (14, PartOfWhole(part='einwohner_65_plus', whole='einwohner'))
    >>> rules[-1].label()
    'auslaender_eu + auslaender_tuerkei + auslaender_asyl + auslaender_sonstige = auslaender'
    >>> report = validate(load_musterstadt("district"), rules=rules, population="einwohner")
    >>> report.checked().query("kind == 'rule'")["checked"].all()
    np.True_
    """
    foreign = tuple(c for c in CITIZENSHIP_GROUPS if c != "deutsche")
    return (
        *(PartOfWhole(p, w) for p, w in _PARTS),
        SumEquals(tuple(AGE_BANDS), "einwohner"),
        SumEquals(tuple(CITIZENSHIP_GROUPS), "einwohner"),
        SumEquals(foreign, "auslaender"),
    )
