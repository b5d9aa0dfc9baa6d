"""Tests of the shared internal helpers (``sozplan._core``) and of what they guarantee
for every spec and result class: frozen all the way down, nothing stashed on foreign
objects."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import importlib
import inspect
import pickle
import pkgutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sozplan
from sozplan._core.frozen import FrozenMap, freeze, immutable, thaw
from sozplan._core.html import block, frame_table, rows_table
from sozplan._core.population import population_values
from sozplan._core.registry import ObjectNotes
from sozplan._core.stats import weighted_mean_std
from sozplan.errors import InputError


def _all_modules():
    out = []
    for info in pkgutil.walk_packages(sozplan.__path__, "sozplan."):
        if info.name.endswith("__main__"):
            continue
        out.append(importlib.import_module(info.name))
    return out


def _frozen_classes():
    seen = {}
    for mod in _all_modules():
        for _, obj in inspect.getmembers(mod, inspect.isclass):
            if obj.__module__.startswith("sozplan") and dataclasses.is_dataclass(obj):
                params = obj.__dataclass_params__
                if params.frozen:
                    seen[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [seen[k] for k in sorted(seen)]


FROZEN = _frozen_classes()


def _fingerprint(obj) -> str:
    """A content hash of every field (frames by value), to see a change in place."""
    h = hashlib.sha256()
    for f in dataclasses.fields(obj):
        value = obj.__dict__.get(f.name)
        if isinstance(value, pd.DataFrame | pd.Series):
            h.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
            names = value.columns if isinstance(value, pd.DataFrame) else [value.name]
            h.update(repr(list(names)).encode())
        elif isinstance(value, np.ndarray):
            h.update(value.tobytes())
        else:
            h.update(repr(thaw(value)).encode())
    return h.hexdigest()


# ------------------------------------------------------------- mutable samples
def _samples():
    return [
        {"method": "zscore", "cuts": [1.0, 2.0], "inner": {"a": 1}},
        [1, [2, 3]],
        pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]}, index=["a", "b"]),
        pd.Series([1.0, 2.0], index=["a", "b"], name="s"),
        np.arange(4.0),
        {1, 2},
    ]


def _attempt_mutations(value) -> None:
    """Try every in-place change a user might make; each either fails or changes a copy."""
    attempts = []
    if isinstance(value, pd.DataFrame):
        attempts += [
            lambda v: v.loc.__setitem__(("a", "x"), -1.0),
            lambda v: v.__setitem__("z", 0.0),
            lambda v: v.iloc.__setitem__((0, 0), -9.0),
            lambda v: v.to_numpy().__setitem__((0, 0), -7.0),
        ]
    elif isinstance(value, pd.Series):
        attempts += [
            lambda v: v.__setitem__("a", -1.0),
            lambda v: v.to_numpy().__setitem__(0, -7.0),
        ]
    elif isinstance(value, np.ndarray):
        attempts += [lambda v: v.__setitem__(0, -1.0), lambda v: v.sort()]
    elif isinstance(value, FrozenMap | dict):
        attempts += [
            lambda v: v.__setitem__("method", "bogus"),
            lambda v: v.pop("method"),
            lambda v: v["inner"].__setitem__("a", 2),
            lambda v: v["cuts"].append(3.0),
            lambda v: v.clear(),
        ]
    elif isinstance(value, tuple | list):
        attempts += [lambda v: v.append(9), lambda v: v[1].append(4), lambda v: v.sort()]
    elif isinstance(value, frozenset | set):
        attempts += [lambda v: v.add(3)]
    for attempt in attempts:
        with contextlib.suppress(TypeError, AttributeError, ValueError, KeyError, IndexError):
            attempt(value)


def _instance(cls, rotate: int):
    """An instance whose fields hold mutable samples (built as a reader would receive it)."""
    obj = object.__new__(cls)
    samples = _samples()
    for i, f in enumerate(dataclasses.fields(cls)):
        object.__setattr__(obj, f.name, samples[(i + rotate) % len(samples)])
    return obj


def test_every_frozen_class_is_found():
    names = {c.__name__ for c in FROZEN}
    assert {"IndexSpec", "SegregationResult", "GlobalResult", "CitySpec"} <= names
    assert len(FROZEN) >= 50


@pytest.mark.parametrize("cls", FROZEN, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_frozen_all_the_way_down(cls):
    """No field of any spec or result class can be changed in place (hash unchanged)."""
    for rotate in range(len(_samples())):
        obj = _instance(cls, rotate)
        before = _fingerprint(obj)
        for f in dataclasses.fields(cls):
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(obj, f.name, None)
            _attempt_mutations(getattr(obj, f.name))
        assert _fingerprint(obj) == before, f"{cls.__name__} changed in place"


@settings(max_examples=40, deadline=None)
@given(
    data=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=3), children, max_size=3)
        ),
        max_leaves=12,
    )
)
def test_freeze_thaw_round_trip(data):
    """Freezing keeps the content (thaw gives it back, tuples as lists) and is hashable."""
    frozen = freeze(data)
    assert thaw(frozen) == thaw(data)
    if isinstance(frozen, FrozenMap):
        hash(frozen)
        assert pickle.loads(pickle.dumps(frozen)) == frozen


def test_index_spec_hash_cannot_be_changed():
    # issue 17: `IndexSpec.normalisation["method"] = "bogus"` (now `standardization`) used to
    # succeed and change the hash
    from sozplan.index import IndexSpec

    spec = IndexSpec.from_dict({"indicators": ["a", "b"], "classes": {"cuts": [-1, 1]}})
    before = spec.hash
    for field in ("standardization", "imputation", "weighting", "aggregation", "classes"):
        with pytest.raises(TypeError):
            getattr(spec, field)["method"] = "bogus"
    with pytest.raises(TypeError):
        spec.indicators[0]["weight"] = 9.0
    assert spec.hash == before
    assert IndexSpec.from_yaml(spec.to_yaml()).hash == before


def test_immutable_refuses_a_mutable_dataclass():
    @dataclasses.dataclass
    class Plain:
        x: int

    with pytest.raises(TypeError, match="frozen dataclass"):
        immutable(Plain)


@immutable
@dataclasses.dataclass(frozen=True, eq=False)
class _Result:
    table: pd.DataFrame
    meta: dict


def test_immutable_keeps_pickle_and_replace():
    r = _Result(pd.DataFrame({"x": [1.0]}), {"a": [1]})
    r2 = pickle.loads(pickle.dumps(r))
    assert r2.meta == {"a": (1,)}
    assert r2.table.equals(r.table)
    r3 = dataclasses.replace(r, meta={"b": 2})
    assert r3.meta["b"] == 2


# ------------------------------------------------------------- registry
def test_graph_carries_no_sozplan_attribute():
    """build_graph keeps its island report in sozplan, not on libpysal's Graph."""
    geopandas = pytest.importorskip("geopandas")
    from shapely.geometry import box

    from sozplan.graph import align_graph, build_graph, island_report

    gdf = geopandas.GeoDataFrame(
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)],
        index=["a", "b", "insel"],
        crs="EPSG:25832",
    )
    g = build_graph(gdf, islands="nearest")
    assert not [k for k in vars(g) if "sozplan" in k]
    assert island_report(g).isolates == ("insel",)
    aligned = align_graph(g, gdf.iloc[::-1])
    assert island_report(aligned) is island_report(g)


def test_object_notes_forget_dead_objects():
    class Box:
        __hash__ = None  # unhashable, like libpysal's Graph

    notes = ObjectNotes()
    a, b = Box(), Box()
    notes.set(a, 1)
    notes.set(b, 2)
    assert (notes.get(a), notes.get(b)) == (1, 2)
    del a
    gc.collect()
    assert len(notes) == 1
    assert notes.get(Box()) is None


# ------------------------------------------------------------- html, stats, population
def test_html_escapes_everything():
    assert "&lt;script&gt;" in rows_table([("<script>", "x")])
    assert "&lt;b&gt;" in block("<b>", notes=["<b>"])
    out = frame_table(pd.DataFrame({"x": [np.nan, 1.5]}))
    assert "–" in out  # missing values shown as a dash


def test_weighted_mean_std_equals_repeated_rows():
    # frequency weights: weight 3 equals the row repeated three times
    x = np.array([[1.0, 10.0], [2.0, 20.0], [4.0, 0.0]])
    w = np.array([1.0, 3.0, 2.0])
    rep = np.repeat(x, w.astype(int), axis=0)
    for ddof in (0, 1):
        m, s = weighted_mean_std(x, w, ddof)
        np.testing.assert_allclose(m, rep.mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(s, rep.std(axis=0, ddof=ddof), rtol=1e-12)
    m, s = weighted_mean_std(x.T, w, 0, axis=1)
    np.testing.assert_allclose(m, rep.mean(axis=0), rtol=1e-12)


def test_population_values_aligns_by_id_and_refuses_garbage():
    df = pd.DataFrame({"ew": [10.0, 20.0], "name": ["N", "S"]}, index=["a", "b"])
    assert population_values(df, pd.Series({"b": 2, "a": 1, "c": 5}), where="f").tolist() == [
        1.0,
        2.0,
    ]
    assert population_values(df, None, where="f") is None
    cases = [
        (pd.Series({"a": 1.0}), "no value for the area"),
        (pd.Series([1.0, -1.0], index=["a", "b"]), "negative"),
        (pd.Series([1.0, np.inf], index=["a", "b"]), "infinite"),
        (pd.Series([0.0, 0.0], index=["a", "b"]), "sums to zero"),
        ("eww", "eww"),
        ("name", "name"),
        (1.5, "neither a column"),
    ]
    for value, match in cases:
        with pytest.raises(InputError, match=match) as err:
            population_values(df, value, where="typology")
        assert str(err.value).startswith("typology")


# ------------------------------------------------------------- plot() of results
def _plot_classes():
    seen = {}
    for mod in _all_modules():
        for _, obj in inspect.getmembers(mod, inspect.isclass):
            if obj.__module__.startswith("sozplan") and callable(getattr(obj, "plot", None)):
                if obj.__name__ == "FigureDisplay":
                    continue
                seen[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [seen[k] for k in sorted(seen)]


PLOTTERS = _plot_classes()


def test_every_plotting_result_is_found():
    assert len(PLOTTERS) >= 30


@pytest.mark.parametrize("cls", PLOTTERS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_plot_takes_language_and_returns_a_display(cls):
    sig = inspect.signature(cls.plot)
    lang = sig.parameters.get("language")
    assert lang is not None, f"{cls.__name__}.plot has no `language=`"
    assert lang.kind is inspect.Parameter.KEYWORD_ONLY
    assert lang.default == "de"
    assert sig.return_annotation in ("FigureDisplay", "sozplan.plotting.FigureDisplay"), (
        f"{cls.__name__}.plot is annotated {sig.return_annotation!r}, not FigureDisplay"
    )


def _drawn_results():
    """A few results built cheaply, to draw in both languages."""
    from sozplan.index import classify, composite_index, threshold_sensitivity

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.gamma(3, 2, size=(30, 2)), columns=["alq", "sgb2"])
    z = pd.Series(rng.normal(size=60), name="status_index")
    return {
        "Classification": classify(z, "quantiles", n_classes=4),
        "ThresholdSensitivity": threshold_sensitivity(z, [-1.0, 1.0]),
        "CompositeIndex": composite_index(df, {"indicators": ["alq", "sgb2"]}),
    }


@pytest.mark.parametrize("name", ["Classification", "ThresholdSensitivity", "CompositeIndex"])
def test_plot_draws_in_both_languages(name):
    import matplotlib.pyplot as plt

    from sozplan.plotting import FigureDisplay

    result = _drawn_results()[name]
    texts = {}
    for language in ("de", "en"):
        display = result.plot(language=language)
        assert isinstance(display, FigureDisplay)
        assert display.alt_text
        assert display.kind
        ax = display.ax
        texts[language] = (ax.get_xlabel(), ax.get_ylabel(), display.alt_text)
        assert display.get_xlabel() == ax.get_xlabel()  # looked up on the axes
        plt.close(display.figure)
    assert texts["de"] != texts["en"]
    with pytest.raises(InputError, match="language"):
        result.plot(language="fr")
    plt.close("all")
