"""The data dictionary of the synthetic city Musterstadt (column names and definitions)."""

from __future__ import annotations

import pandas as pd

#: Age bands (column suffix -> label). They add up to ``einwohner``.
AGE_BANDS = {
    "einwohner_0_5": "0 bis unter 6 Jahre",
    "einwohner_6_14": "6 bis unter 15 Jahre",
    "einwohner_15_17": "15 bis unter 18 Jahre",
    "einwohner_18_64": "18 bis unter 65 Jahre",
    "einwohner_65_plus": "65 Jahre und älter",
}

#: Citizenship groups. ``deutsche`` + the ``auslaender_*`` groups add up to ``einwohner``.
CITIZENSHIP_GROUPS = {
    "deutsche": "Deutsche",
    "auslaender_eu": "Ausländer/-innen aus EU-Staaten",
    "auslaender_tuerkei": "Ausländer/-innen mit türkischer Staatsangehörigkeit",
    "auslaender_asyl": "Ausländer/-innen aus den acht Hauptasylherkunftsländern",
    "auslaender_sonstige": "Ausländer/-innen aus sonstigen Staaten",
}

_ROWS = [
    # (column, kind, unit, definition German, definition English)
    ("jahr", "key", "Jahr", "Berichtsjahr (Stichtag 31.12.)", "reporting year (as of 31 Dec)"),
    (
        "planungsraum",
        "key",
        "Schlüssel",
        "Schlüssel des Planungsraums (6 Ziffern: Bezirk, Bezirksregion, Planungsraum)",
        "planning-area id",
    ),
    (
        "bezirksregion",
        "key",
        "Schlüssel",
        "Schlüssel der Bezirksregion (4 Ziffern)",
        "district-region id",
    ),
    ("bezirk", "key", "Schlüssel", "Schlüssel des Bezirks (2 Ziffern)", "district id"),
    ("name", "label", "Text", "Name des Gebiets", "name of the area"),
    ("flaeche_m2", "count", "m²", "Fläche des Gebiets", "area in square metres"),
    (
        "einwohner",
        "count",
        "Personen",
        "Einwohnerinnen und Einwohner mit Hauptwohnsitz",
        "residents (main residence)",
    ),
    *[
        (
            c,
            "count",
            "Personen",
            f"Einwohner/-innen {lab}",
            f"residents aged {c.removeprefix('einwohner_').replace('_', '-')}",
        )
        for c, lab in AGE_BANDS.items()
    ],
    *[
        (c, "count", "Personen", lab, f"residents by citizenship: {c}")
        for c, lab in CITIZENSHIP_GROUPS.items()
    ],
    (
        "auslaender",
        "count",
        "Personen",
        "Ausländer/-innen insgesamt (Summe der auslaender_*-Gruppen)",
        "foreign citizens, total",
    ),
    ("haushalte", "count", "Haushalte", "Privathaushalte", "private households"),
    (
        "haushalte_mit_kindern",
        "count",
        "Haushalte",
        "Haushalte mit Kindern unter 18 Jahren",
        "households with children under 18",
    ),
    (
        "haushalte_alleinerziehend",
        "count",
        "Haushalte",
        "Haushalte von Alleinerziehenden mit Kindern unter 18 Jahren",
        "single-parent households",
    ),
    (
        "arbeitslose_sgb2",
        "count",
        "Personen",
        "Arbeitslose im Rechtskreis SGB II (15 bis unter 65 Jahre)",
        "unemployed under SGB II, aged 15-64",
    ),
    (
        "sgb2_leistungsberechtigte",
        "count",
        "Personen",
        "Leistungsberechtigte nach SGB II (unter 65 Jahre)",
        "SGB II benefit recipients under 65",
    ),
    (
        "sgb2_unter15",
        "count",
        "Personen",
        "Nicht erwerbsfähige Leistungsberechtigte nach SGB II unter 15 Jahren",
        "SGB II recipients under 15",
    ),
    (
        "sgb12_grundsicherung_65_plus",
        "count",
        "Personen",
        "Empfänger/-innen von Grundsicherung im Alter nach SGB XII (65 Jahre und älter)",
        "basic income support in old age (SGB XII), 65+",
    ),
    (
        "zuzuege",
        "count",
        "Personen",
        "Zuzüge über die Gebietsgrenze im Jahr",
        "moves into the area during the year",
    ),
    (
        "fortzuege",
        "count",
        "Personen",
        "Fortzüge über die Gebietsgrenze im Jahr",
        "moves out of the area during the year",
    ),
    (
        "wohndauer_5_jahre_plus",
        "count",
        "Personen",
        "Einwohner/-innen, die seit mindestens 5 Jahren an derselben Adresse wohnen",
        "residents at the same address for 5 years or more",
    ),
]

#: Columns of Musterstadt with kind, unit and German/English definitions.
DATA_DICTIONARY: pd.DataFrame = pd.DataFrame(
    _ROWS, columns=["column", "kind", "unit", "definition_de", "definition_en"]
).set_index("column")

#: The count columns (summed, never averaged, when aggregating).
COUNT_COLUMNS: list[str] = [
    c for c, k in zip(DATA_DICTIONARY.index, DATA_DICTIONARY["kind"], strict=True) if k == "count"
]

#: Levels of the hierarchy: level name -> id column in the block table.
LEVELS = {
    "block": "block",
    "planning_area": "planungsraum",
    "district_region": "bezirksregion",
    "district": "bezirk",
}
