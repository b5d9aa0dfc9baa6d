# %% [markdown]
# ## Sozialraumtypen der Berliner Planungsräume (MSS 2021, Kontextindikatoren)
#
# Der Statusindex des Monitorings Soziale Stadtentwicklung ordnet die Planungsräume auf
# *einer* Achse. Die Kontextindikatoren beschreiben mehr: Alter, Migration, Wohnlage,
# Fluktuation. Eine **Typologie** (Clusteranalyse) fasst Planungsräume mit ähnlichem
# Profil zusammen. Wir nutzen acht Kontextindikatoren der 536 bewerteten Planungsräume
# (`KOM == "gültig"`; Stand 31.12.2020), standardisieren sie (z-Werte) und clustern mit
# dem Ward-Verfahren. Die Zahl der Typen schlagen drei Kriterien vor (Silhouette,
# Calinski-Harabasz, Gap-Statistik nach Tibshirani et al. 2001); `typology` nimmt den
# Median. Die **Stabilität** jedes Typs prüft ein Bootstrap (Hennig 2007): mittlere
# Jaccard-Ähnlichkeit ≥ 0,75 stabil, 0,6–0,75 nur ein Muster, < 0,6 nicht interpretieren.
#
# Quelle: Senatsverwaltung für Stadtentwicklung, Bauen und Wohnen Berlin, MSS 2021
# (Kontextindikatoren K01–K17). Die Kürzel in Klammern nennen den Indikator des MSS.

# %%
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

from sozplan.typology import typology

BERLIN = Path("../../shared/data/berlin")
if not (BERLIN / "mss_2021_kontext_indikatoren.csv").exists():
    print("Berliner Daten nicht gefunden (nur im Projektarbeitsbereich): Abschnitt übersprungen.")
    kontext = None
else:
    kontext = pd.read_csv(
        BERLIN / "mss_2021_kontext_indikatoren.csv", dtype={"PLR_ID": str, "BEZ_ID": str}
    ).set_index("PLR_ID")
    kontext = kontext[kontext["KOM"] == "gültig"]
    print(f"{len(kontext)} bewertete Planungsräume")

# %%
MERKMALE = {
    "KI_01": "Jugendarbeitslosigkeit (K01)",
    "KI_02": "Alleinerziehende (K02)",
    "KI_03": "Altersarmut (K03)",
    "KI_05": "Migrationshintergrund (K05)",
    "KI_16": "Ausländer:innen (K16)",
    "KI_09": "Einfache Wohnlage (K09)",
    "KI_10": "Wohndauer > 5 Jahre (K10)",
    "KI_11": "Wanderungsvolumen (K11)",
}
if kontext is not None:
    werte = kontext[list(MERKMALE)].replace(-9999, np.nan)  # -9999: fehlender Wert in der Quelle
    assert werte.notna().all().all()
    with warnings.catch_warnings(record=True) as hinweise:
        warnings.simplefilter("always")
        typen = typology(
            werte,
            list(MERKMALE),
            method="ward",
            k_values=range(3, 9),
            n_boot=50,
            n_refs=10,
            rng=2021,
            labels=MERKMALE,
        )
    for h in hinweise:
        print("Hinweis:", h.message)
    display(typen.selection.round(3))
    print(typen.k_choice)

# %% [markdown]
# Die Kriterien widersprechen sich – typisch für reale Daten, in denen Sozialräume eher
# ein Kontinuum als klar getrennte Gruppen bilden. Die Tabelle gehört deshalb in jeden
# Bericht über eine Typologie. Die Profile in z-Werten und die automatische
# Beschreibung:

# %%
if kontext is not None:
    tabelle = typen.to_frame()[["n_areas", "jaccard_mean", "assessment", "beschreibung"]]
    with pd.option_context("display.max_colwidth", 200):
        display(tabelle)
    fig, ax = plt.subplots(figsize=(11, 4))
    typen.plot(ax=ax)
    fig.tight_layout()

# %% [markdown]
# **Lesart.** Nur ein Teil der Typen ist im Sinne Hennigs stabil (Jaccard ≥ 0,75):
# vor allem die inneren Stadtgebiete mit weit überdurchschnittlicher Altersarmut,
# Jugendarbeitslosigkeit und hohem Migrationsanteil. Die großen Typen der äußeren Stadt
# (lange Wohndauer, wenig Transferbezug) liegen knapp darunter: ein klares Muster, dessen
# Grenzen aber unscharf sind. Als „instabil“ markierte Typen – etwa die kleine Gruppe von
# Planungsräumen mit extremem Wanderungsvolumen (Gemeinschaftsunterkünfte, Neubau) – sind
# Grenzfälle, deren Mitglieder man nicht einzeln interpretieren sollte; `typology` warnt
# davor. Die Karte zeigt die Typen:

# %%
if kontext is not None:
    import geopandas as gpd

    plr = gpd.read_file(BERLIN / "lor_planungsraeume_2021.gpkg", layer="planungsraeume")
    plr = plr.set_index("PLR_ID")
    karte = plr.join(typen.labels.astype(str), how="left")
    fig, ax = plt.subplots(figsize=(9, 7.5))
    karte[karte["typ"].isna()].plot(ax=ax, color="#dddddd", edgecolor="white", linewidth=0.2)
    karte[karte["typ"].notna()].plot(
        column="typ",
        categorical=True,
        cmap="Set2",
        legend=True,
        ax=ax,
        edgecolor="white",
        linewidth=0.2,
        legend_kwds={"title": "Typ", "loc": "lower left"},
    )
    ax.set_axis_off()
    ax.set_title(f"Sozialraumtypen Berlin (MSS 2021, Ward, k = {typen.k}); grau: nicht bewertet")

# %% [markdown]
# **Vergleich mit dem Statusindex.** Wie verteilen sich die Typen auf die
# Statusklassen des MSS? Eine Typologie ersetzt den Index nicht, sie beschreibt, *welche
# Art* von Gebiet hinter einer Statusklasse steht.

# %%
if kontext is not None:
    indizes = pd.read_csv(BERLIN / "mss_2021_indizes.csv", dtype={"PLR_ID": str}).set_index(
        "PLR_ID"
    )
    status = indizes["SI_V"].reindex(typen.labels.index)
    display(pd.crosstab(typen.labels.rename("Typ"), status.rename("Statusklasse MSS 2021")))
