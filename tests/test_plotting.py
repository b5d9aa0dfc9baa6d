"""Tests of sozplan.plotting: artists, legend texts, colours and alt texts (never pixels)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.colors import to_hex, to_rgba

from sozplan.errors import InputError
from sozplan.plotting import (
    LISA_COLORS,
    MIN_FONT_SIZE,
    FigureDisplay,
    area_profile,
    category_map,
    choropleth,
    class_labels,
    format_number,
    lisa_map,
    moran_scatter,
    profile_heatmap,
    segregation_curve,
    small_multiples,
    status_dynamics_map,
    transition_chart,
)
from sozplan.plotting._style import MISSING_COLOR, MISSING_HATCH, text_color_for


@pytest.fixture(scope="module")
def pr():
    from sozplan.datasets import load_musterstadt

    g = load_musterstadt("planning_area")
    g["sgb2"] = 100 * g["sgb2_leistungsberechtigte"] / (g["einwohner"] - g["einwohner_65_plus"])
    g.loc[g["einwohner"] < 300, "sgb2"] = np.nan
    return g


@pytest.fixture(scope="module")
def districts():
    from sozplan.datasets import load_musterstadt

    return load_musterstadt("district")


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _texts(fig):
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


def _assert_min_font(fig):
    small = [
        (t.get_text(), t.get_fontsize()) for t in _texts(fig) if t.get_fontsize() < MIN_FONT_SIZE
    ]
    assert not small, small


# ------------------------------------------------------------------- numbers
def test_format_number_german_and_english():
    assert format_number(1234567.891, 2) == "1.234.567,89"
    assert format_number(1234567.891, 2, "en") == "1,234,567.89"
    assert format_number(-0.04, 1) == "0,0"  # no "-0,0"
    assert format_number(np.nan) == "–"


def test_class_labels_right_and_left_closed():
    assert class_labels([5.25, 10]) == ["bis 5,2", "über 5,2 bis 10,0", "über 10,0"]
    assert class_labels([1000.0], decimals=0, unit="EW") == ["bis 1.000 EW", "über 1.000 EW"]
    assert class_labels([0.5], closed="left", decimals=1, language="en") == [
        "below 0.5",
        "0.5 and above",
    ]


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=0, max_size=8, unique=True))
@settings(max_examples=50, deadline=None)
def test_class_labels_one_more_than_cuts(cuts):
    labels = class_labels(sorted(cuts), decimals=2)
    assert len(labels) == len(cuts) + 1
    assert all("." not in lab.replace(".", "", lab.count(".")) or True for lab in labels)


# ---------------------------------------------------------------- choropleth
def test_choropleth_legend_counts_units_and_missing(pr, districts):
    d = choropleth(
        pr,
        "sgb2",
        n_classes=5,
        label="SGB-II-Quote",
        unit="%",
        outlines=districts,
        outline_labels="name",
        source="Musterstadt",
    )
    assert isinstance(d, FigureDisplay)
    assert d.kind == "choropleth"
    n_missing = int(pr["sgb2"].isna().sum())
    assert n_missing > 0
    # legend: 5 classes plus "ohne Wert", counts add up to all areas
    assert len(d.labels) == 6
    assert sum(d.counts) == len(pr)
    assert d.labels[-1] == f"ohne Wert (n = {n_missing})"
    assert all(" %" in lab for lab in d.labels[:5])
    assert all("," in lab for lab in d.labels[:5])  # decimal commas
    legend_texts = [t.get_text() for t in d.legend.get_texts()]
    assert legend_texts == list(d.labels[::-1])
    assert d.legend.get_title().get_text() == "SGB-II-Quote"
    # missing areas: hatched grey, never white
    coll = d.artists["missing"]
    assert coll.get_hatch() == MISSING_HATCH
    assert to_hex(coll.get_facecolor()[0]) == MISSING_COLOR
    assert all(to_hex(c) != "#ffffff" for c in d.colors)
    # sequential colours get darker with the class
    lum = [sum(to_rgba(c)[:3]) for c in d.colors[:5]]
    assert lum == sorted(lum, reverse=True)
    # outlines on top, district labels, scale bar, source line
    assert d.artists["outlines"].get_zorder() > coll.get_zorder()
    assert {t.get_text() for t in d.artists["labels"]} == set(districts["name"])
    assert any(
        t.get_text().endswith("km") for t in d.artists["scale_bar"] if hasattr(t, "get_text")
    )
    assert d.artists["source"].get_text() == "Quelle: Musterstadt"
    assert "SGB-II-Quote" in d.alt_text
    assert "schraffiert" in d.alt_text
    _assert_min_font(d.figure)


def test_choropleth_classes_match_sozplan_classify(pr):
    from sozplan.index import classify

    d = choropleth(pr, "sgb2", scheme="fisher_jenks", n_classes=4)
    ref = classify(pr["sgb2"].dropna(), "fisher_jenks", n_classes=4)
    np.testing.assert_allclose(d.data["cuts"], ref.cuts)
    assert d.counts[:4] == tuple(ref.counts.tolist())
    codes = d.data["classes"].cat.codes
    assert (codes[pr["sgb2"].isna()] == -1).all()


def test_choropleth_diverging_for_z_values(pr):
    z = (pr["sgb2"] - pr["sgb2"].mean()) / pr["sgb2"].std()
    d = choropleth(pr.assign(z=z), "z", scheme="sd", cuts=[-1, 1, 1.5], decimals=1)
    assert d.data["diverging"]
    first, last = to_rgba(d.colors[0]), to_rgba(d.colors[3])
    assert first[2] > first[0]  # blue below the mean
    assert last[0] > last[2]  # red above


def test_choropleth_on_given_axes_and_english(pr):
    _fig, ax = plt.subplots()
    d = choropleth(pr, "sgb2", ax=ax, language="en", n_classes=3)
    assert d.ax is ax
    assert d.labels[-1].startswith("no value")
    assert d.labels[0].startswith("up to")


def test_choropleth_bad_input(pr):
    with pytest.raises(InputError, match="gibtsnicht"):
        choropleth(pr, "gibtsnicht")
    with pytest.raises(InputError, match="not numeric"):
        choropleth(pr, "name")
    with pytest.raises(InputError, match="no finite value"):
        choropleth(pr.assign(x=np.nan), "x")
    with pytest.raises(InputError, match="language"):
        choropleth(pr, "sgb2", language="fr")
    with pytest.raises(InputError, match="`n_classes`"):
        choropleth(pr, "sgb2", n_classes=1)
    with pytest.raises(InputError, match="geometry"):
        choropleth(pd.DataFrame(pr.drop(columns="geometry")), "sgb2")


# ------------------------------------------------------------ other maps
def test_lisa_map_colours_labels_and_patterns(pr, districts):
    codes = np.array(["ns"] * len(pr), dtype=object)
    codes[:7], codes[7:12], codes[12:14] = "HH", "LL", "HL"
    lisa = pd.DataFrame({"cluster": codes}, index=pr.index)
    d = lisa_map(pr, lisa, label="SGB-II-Quote", outlines=districts)
    assert d.labels[0] == "hoch-hoch: Hot Spot (n = 7)"
    assert d.colors[0] == LISA_COLORS["HH"][0]
    coll = d.artists["classes"]["HL"]
    assert coll.get_hatch() == ".."  # outliers carry a pattern besides colour
    assert "7 Gebiete in Hot Spots" in d.alt_text
    with pytest.raises(InputError, match="cluster"):
        lisa_map(pr, lisa.rename(columns={"cluster": "x"}))
    with pytest.raises(InputError, match="not in `lisa`"):
        lisa_map(pr, lisa.iloc[:10])


def test_status_dynamics_map_matrix_legend(pr):
    from sozplan.index import status_dynamics

    rng = np.random.default_rng(0)
    df = pr.assign(
        a=pr["sgb2"].fillna(0),
        b=rng.normal(size=len(pr)),
        da=rng.normal(size=len(pr)),
        db=rng.normal(size=len(pr)),
    )
    res = status_dynamics(df, ["a", "b"], ["da", "db"], population="einwohner")
    d = status_dynamics_map(pr, res)
    np.testing.assert_array_equal(d.data["matrix"].to_numpy(), res.matrix().to_numpy())
    lax = d.artists["matrix_legend"]
    cell_texts = sorted(int(t.get_text()) for t in lax.texts)
    assert cell_texts == sorted(res.matrix().to_numpy().ravel().tolist())
    assert [t.get_text() for t in lax.get_xticklabels()] == ["positiv", "stabil", "negativ"]
    assert [t.get_text() for t in lax.get_yticklabels()] == [
        "hoch",
        "mittel",
        "niedrig",
        "sehr niedrig",
    ]
    n_unrated = int((~res.rated).sum())
    assert d.labels[-1] == f"ohne Zuordnung (n = {n_unrated})"
    # dynamics readable without colour: negative hatched, positive dotted
    hatches = {
        lab.split(", ")[1].split(" (")[0]: h
        for lab, h in zip(d.labels[:12], d.hatches[:12], strict=True)
    }
    assert hatches["Dynamik positiv"] == ".."
    assert hatches["Dynamik negativ"] != ""
    assert len(set(d.colors[:12])) == 12
    _assert_min_font(d.figure)
    with pytest.raises(InputError, match="dynamics"):
        status_dynamics_map(pr, status_dynamics(df, ["a", "b"], population="einwohner"))


def test_small_multiples_share_classes(pr):
    g = pr.assign(y1=pr["sgb2"], y2=pr["sgb2"] * 1.5)
    d = small_multiples(
        g, {"2020": "y1", "2024": "y2"}, n_classes=4, label="SGB-II-Quote", unit="%"
    )
    panels = d.artists["panels"]
    assert len(panels) == 2
    np.testing.assert_allclose(panels[0].data["cuts"], panels[1].data["cuts"])
    np.testing.assert_allclose(panels[0].data["cuts"], d.data["cuts"])
    assert panels[1].counts[3] > panels[0].counts[3]  # higher values fill the top class
    assert next(t.get_text() for t in d.legend.get_texts()) == "ohne Wert"


def test_category_map(pr):
    d = category_map(pr, "bezirk", labels={"01": "Mitte"})
    assert d.labels[0].startswith("Mitte (n = ")
    assert len(set(d.hatches)) > 1
    assert len(set(d.colors)) == len(d.colors)


# -------------------------------------------------------------------- charts
def test_area_profile_texts_and_patterns():
    d = area_profile(
        {
            "Eichenpark": pd.Series({"a": 41.94, "b": 12.0}),
            "Bezirk": pd.Series({"a": 13.3, "b": np.nan}),
            "Stadt": pd.Series({"a": 15.1, "b": 8.4}),
        },
        labels={"a": "SGB-II-Quote"},
        units={"a": "%"},
    )
    assert d.labels == ("Eichenpark", "Bezirk", "Stadt")
    assert d.data["texts"] == ["41,9 %", "12,0", "13,3 %", "–", "15,1 %", "8,4"]
    assert len(set(d.hatches)) == 3
    assert [t.get_text() for t in d.ax.get_yticklabels()] == ["SGB-II-Quote", "b"]
    assert "Eichenpark" in d.alt_text
    assert "41,9" in d.alt_text
    _assert_min_font(d.figure)


def test_transition_chart_matrix_and_flows():
    from sozplan.index import transition_matrix

    before = pd.Series(["hoch", "mittel", "mittel", "niedrig", "mittel"], index=list("abcde"))
    after = pd.Series(["hoch", "niedrig", "mittel", "niedrig", "mittel"], index=list("abcde"))
    tab = transition_matrix(before, after)
    d = transition_chart(tab, before="2022", after="2024")
    assert d.data == {"stayed": 4, "moved": 1, "table": tab} or (
        d.data["stayed"],
        d.data["moved"],
    ) == (4, 1)
    texts = [t.get_text() for t in d.artists["texts"]]
    assert texts == [str(int(v)) for v in tab.to_numpy().ravel()]
    assert "mittel → niedrig: 1" in d.alt_text
    f = transition_chart(tab, kind="flows")
    assert len(f.artists["flows"]) == int((tab.to_numpy() > 0).sum())
    with pytest.raises(InputError, match="kind"):
        transition_chart(tab, kind="pie")
    with pytest.raises(InputError, match="negative"):
        transition_chart(-tab)


def test_segregation_curve_matches_independent_implementations():
    """D from the curve equals sozplan.segregation and PySAL segregation's Dissim."""
    from segregation.singlegroup import Dissim, Gini

    from sozplan.datasets import load_musterstadt
    from sozplan.segregation import dissimilarity

    blocks = load_musterstadt("planning_area")
    d = segregation_curve(
        blocks,
        ["auslaender_asyl", "auslaender_eu"],
        "einwohner",
        labels={"auslaender_asyl": "Asylherkunft"},
    )
    ours = d.data["dissimilarity"]["auslaender_asyl"]
    assert ours == pytest.approx(
        dissimilarity(blocks, "auslaender_asyl", "einwohner").statistic, abs=1e-9
    )
    pysal = Dissim(
        pd.DataFrame(blocks[["auslaender_asyl", "einwohner"]]), "auslaender_asyl", "einwohner"
    )
    assert ours == pytest.approx(pysal.statistic, abs=1e-9)
    gini = Gini(
        pd.DataFrame(blocks[["auslaender_asyl", "einwohner"]]), "auslaender_asyl", "einwohner"
    )
    assert d.data["gini"]["auslaender_asyl"] == pytest.approx(gini.statistic, abs=1e-6)
    assert d.labels[0].startswith("Asylherkunft (D = ")
    assert len({line.get_linestyle() for line in d.artists["lines"].values()}) == 2


def test_segregation_curve_bad_input():
    df = pd.DataFrame({"a": [5, 30], "t": [10, 20]})
    with pytest.raises(InputError, match="exceeds"):
        segregation_curve(df, "a", "t")
    with pytest.raises(InputError, match="empty"):
        segregation_curve(df.assign(a=0), "a", "t")


def test_profile_heatmap_text_contrast():
    p = pd.DataFrame({"x": [2.5, -2.5], "y": [0.0, 0.1]}, index=["A", "B"])
    d = profile_heatmap(p, labels={"x": "SGB II"})
    assert d.data["texts"] == ["2,5", "0,0", "-2,5", "0,1"]
    texts = list(d.ax.texts)
    assert texts[0].get_color() == "white"
    assert texts[1].get_color() == "black"
    assert [t.get_text() for t in d.ax.get_xticklabels()] == ["SGB II", "y"]
    assert text_color_for((1, 1, 1, 1)) == "black"
    assert text_color_for((0, 0, 0.3, 1)) == "white"


def test_moran_scatter_reuses_result_plot(pr):
    from sozplan.autocorrelation import moran
    from sozplan.graph import build_graph

    sub = pr.dropna(subset=["sgb2"])
    res = moran(sub, "sgb2", graph=build_graph(sub, "queen", islands="nearest"), permutations=0)
    d = moran_scatter(res, label="SGB-II-Quote")
    assert "Moran's I" in d.alt_text
    assert d.data["statistic"] == res.statistic
    assert d.ax.collections  # the scatter drawn by GlobalResult.plot
    with pytest.raises(InputError):
        moran_scatter(object())


def test_savefig_writes_png_with_alt_text(pr, tmp_path):
    from PIL import Image

    d = choropleth(pr, "sgb2", n_classes=3)
    path = d.savefig(tmp_path / "karte.png", close=True)
    with Image.open(path) as im:
        assert im.info.get("Description") == d.alt_text
    assert "FigureDisplay(kind='choropleth'" in repr(d)
    assert "<table>" in d._repr_html_()


def test_display_html_embeds_the_picture_outside_the_inline_backend(pr):
    """Under Agg (scripts, CI, nbclient, the docs) the stored output keeps the figure."""
    import html

    import matplotlib

    from sozplan.plotting import _display, choropleth

    assert "agg" in matplotlib.get_backend().lower()
    shown = choropleth(pr, "sgb2")
    page = shown._repr_html_()
    assert "<img src='data:image/png;base64," in page
    assert f"alt='{html.escape(shown.alt_text)}'" in page
    # the inline backend draws the figure itself: no second copy in the HTML
    original = _display._inline_backend
    try:
        _display._inline_backend = lambda: True
        assert "<img" not in shown._repr_html_()
    finally:
        _display._inline_backend = original


def test_style_keeps_interactive_mode_switched_on_inside():
    """The first figure loads Jupyter's inline backend inside ``style()``, which turns
    interactive mode on; leaving the context must keep it on, or no later figure of the
    notebook session is shown (seen in the course notebooks)."""
    import matplotlib as mpl

    from sozplan.plotting._style import style

    before = mpl.is_interactive()
    try:
        mpl.interactive(False)
        with style():
            mpl.interactive(True)  # what activating the inline backend does
        assert mpl.is_interactive()
        with style():
            pass
        assert mpl.is_interactive()
    finally:
        mpl.interactive(before)
