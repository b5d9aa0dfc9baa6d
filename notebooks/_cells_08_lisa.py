# Cells for section 4 of notebooks/08_berlin_mss_2021.ipynb (LISA of the MSS 2021 status index).
# Written by the sozplan.autocorrelation engineer; the lead pastes them in place of the
# placeholder. Code cells are separated by "# %%", markdown cells by "# %% [markdown]".
# They use BERLIN, HAVE_BERLIN, ergebnis, mss and plr from the earlier cells.

# %% [markdown]
# ## 4 Räumliche Analyse: Ballen sich benachteiligte Planungsräume?
#
# Die Karte legt nahe, dass Planungsräume mit niedrigem Status nebeneinander liegen. Ob das mehr
# ist als der Eindruck des Auges, prüfen wir mit **Moran's I** des Status-Index über die 536
# bewerteten PLR (Queen-Nachbarschaft: gemeinsame Grenze oder Ecke, zeilenstandardisiert):
#
# $$
# I = \frac{n}{S_0}\,\frac{\sum_i\sum_j w_{ij}\,z_i z_j}{\sum_i z_i^2}, \qquad E[I] = -\frac{1}{n-1}.
# $$
#
# Die sechs nicht bewerteten PLR fehlen im Graphen; `build_graph` prüft, ob dadurch Inseln
# entstehen (es entstehen keine).

# %%
if HAVE_BERLIN:
    from sozplan.autocorrelation import local_moran, moran
    from sozplan.graph import build_graph, graph_summary

    status = plr[["PLR_NAME", "geometry"]].join(
        ergebnis.loc[mss.rated, ["status_index", "status_class"]], how="inner"
    )
    nachbarn = build_graph(status, "queen")
    print(graph_summary(nachbarn))
    moran_status = moran(status, "status_index", graph=nachbarn, permutations=999, rng=2021)
    display(moran_status)
else:
    print("übersprungen: keine Berliner Daten")

# %%
if HAVE_BERLIN:
    moran_status.plot();
else:
    print("übersprungen: keine Berliner Daten")

# %% [markdown]
# Moran's I ≈ 0,50 liegt weit über dem Erwartungswert $-1/535$: Der Status-Index ist stark räumlich
# geballt. Kein einziger der 999 zufälligen Werte erreicht das beobachtete $I$ (der zweiseitige
# Pseudo-p-Wert 0,003 ist der kleinste, den esdas Definition bei 999 Permutationen erlaubt).
#
# **Wo** liegen die Cluster? Das lokale Moran's I (LISA, Anselin 1995) testet jeden PLR gegen eine
# bedingte Permutation seiner Nachbarwerte. Weil 536 Tests gleichzeitig gemacht werden, entscheidet
# der **q-Wert** (Benjamini-Hochberg, False Discovery Rate ≤ 5 %), nicht der rohe p-Wert.
# „hoch-hoch“ heißt hier: hoher Status-Index, also **niedriger sozialer Status**, umgeben von ebensolchen
# PLR.

# %%
if HAVE_BERLIN:
    lisa = local_moran(status, "status_index", graph=nachbarn, permutations=999, rng=2021)
    display(pd.DataFrame({
        "p ≤ 0,05 (roh)": lisa.assign(s=lisa["p_value"] <= 0.05).groupby("quadrant", observed=True)["s"].sum(),
        "q ≤ 0,05 (FDR)": lisa.groupby("quadrant", observed=True)["significant"].sum(),
    }).astype(int))
    LISA_FARBEN = {"hoch-hoch": "#d7191c", "niedrig-niedrig": "#2c7bb6", "hoch-niedrig": "#fdae61",
                   "niedrig-hoch": "#abd9e9", "nicht signifikant": "#eeeeee"}
    from matplotlib.patches import Patch

    fig, axes = plt.subplots(1, 2, figsize=(14, 5.5))
    plr.plot(color="#bdbdbd", ax=axes[0], edgecolor="white", linewidth=0.2)
    status.plot(column="status_class", cmap=STATUS_FARBEN, ax=axes[0], edgecolor="white",
                linewidth=0.2, legend=True, legend_kwds={"fontsize": 7, "loc": "lower left"})
    axes[0].set_title("Status-Klassen MSS 2021")
    plr.plot(color="#bdbdbd", ax=axes[1], edgecolor="white", linewidth=0.2)
    status.plot(color=lisa["cluster_de"].astype(str).map(LISA_FARBEN).to_numpy(), ax=axes[1],
                edgecolor="white", linewidth=0.2)
    n = lisa["cluster_de"].value_counts()
    axes[1].legend(handles=[Patch(color=f, label=f"{k} ({n.get(k, 0)})") for k, f in LISA_FARBEN.items()],
                   loc="lower left", fontsize=7, frameon=False)
    axes[1].set_title("LISA des Status-Index (q ≤ 0,05, Queen)")
    for ax in axes:
        ax.set_axis_off()
else:
    print("übersprungen: keine Berliner Daten")

# %% [markdown]
# Die hoch-hoch-Cluster (benachteiligte PLR unter benachteiligten Nachbarn) liegen in der
# Innenstadt: im Wedding und in Gesundbrunnen (Bezirk Mitte), in Kreuzberg und im Norden Neuköllns.
# Die niedrig-niedrig-Cluster (hoher Status unter ebensolchen Nachbarn) liegen am Stadtrand – im
# Südwesten, im Norden und im Osten/Südosten. Viele einzeln „sehr niedrig“ eingestufte PLR (etwa in
# Spandau oder in den Großsiedlungen) gehören zu keinem signifikanten Cluster: Ihre Nachbarn sind
# gemischter. Welche PLR bilden die stärksten Cluster?

# %%
if HAVE_BERLIN:
    display(lisa[lisa["significant"]].join(status[["PLR_NAME", "status_class"]])
            .sort_values("statistic", ascending=False)
            [["PLR_NAME", "status_class", "statistic", "z", "p_value", "q_value", "cluster_de"]].head(10))
else:
    print("übersprungen: keine Berliner Daten")

# %% [markdown]
# **Vorsicht bei der Deutung.** Die Cluster hängen an der Nachbarschaft (Queen/Rook, k-nächste
# Nachbarn) und an der Gebietsgröße (MAUP): Auf Ebene der Bezirksregionen sähe die Karte anders aus.
# Ein Cluster ist eine Beschreibung, keine Erklärung. Und: Ohne Korrektur für viele Tests wären
# deutlich mehr PLR „signifikant“ – die Tabelle oben zeigt den Unterschied. Methoden und Formeln:
# Notebook 03 und die Methodenseite *Spatial weights and spatial autocorrelation*.
