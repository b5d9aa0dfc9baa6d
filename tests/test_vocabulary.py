"""One name per concept: every public signature against the parameter glossary.

The glossary is ``docs/glossary.md`` (section *Parameter names*). This test walks the
``__all__`` of every public module (functions, classes with their fields and public
methods) and fails on

* a forbidden synonym (``total`` for the residents, ``iterations`` for permutations,
  ``workers`` for ``n_jobs``, ...), with the allowed name in the message;
* a default that names a column of the sample city Musterstadt (read from its data
  dictionary and its city description, not typed in here);
* British spelling in a public name (the package spells as numpy, scikit-learn and
  PySAL do);
* ``area``, which has meant an id column, a surface-area column and one area id.

A second test reads the source of ``src/sozplan`` (outside ``datasets/``, which generates
Musterstadt) and fails on a string literal equal to a Musterstadt column used as a
default or a hard-coded lookup (``df["einwohner"]``, ``population="einwohner"``).
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import sozplan

SRC = Path(sozplan.__file__).parent

#: forbidden parameter name -> the glossary's name for the concept
FORBIDDEN: dict[str, str] = {
    # residents
    "total": "population",
    "pop": "population",
    "residents": "population",
    "einwohner": "population",
    "population_column": "population",
    # random draws
    "iterations": "permutations (permutation tests) or n_draws (Monte-Carlo draws)",
    "n_iterations": "permutations / n_permutations",
    "n_perm": "permutations",
    "nperm": "permutations",
    "n_boot": "n_bootstrap",
    "n_boots": "n_bootstrap",
    "n_bootstraps": "n_bootstrap",
    "n_simulations": "n_draws",
    "n_sim": "n_draws",
    "n_samples_mc": "n_draws",
    # parallelism
    "workers": "n_jobs",
    "n_workers": "n_jobs",
    "n_threads": "n_jobs",
    "n_cores": "n_jobs",
    # number of types, regions, classes
    "n_regions": "n_clusters",
    "n_types": "n_clusters",
    "k_values": "n_clusters_range",
    "k": "n_clusters (types, regions), n_classes (classification) or n_sites",
    # scaling
    "normalise": "standardize (indicators) or normalize (weights summing to 1)",
    "normalisation": "standardization",
    "normalization": "standardization",
    "standardise": "standardize",
    "restandardise": "restandardize",
    # ids and surfaces
    "area": "id_column (a column of area ids), area_column (surface areas) or area_id",
    "id_col": "id_column",
    "name_col": "name_column",
    "area_col": "area_column",
    # randomness, significance, language
    "seed": "rng",
    "random_state": "rng",
    "random_seed": "rng",
    "lang": "language",
    "sig_level": "alpha",
    "significance": "alpha",
}

#: (public name, parameter) pairs that keep a forbidden name, each with its reason
ALLOWED: dict[tuple[str, str], str] = {
    ("sozplan.graph.build_graph", "k"): "k nearest neighbours (the one meaning `k` keeps)",
    ("sozplan.datasets.make_city", "seed"): (
        "names a reproducible synthetic data set; the int is recorded in the city's truth"
    ),
    ("sozplan.datasets.make_grid", "seed"): (
        "names a reproducible synthetic data set, like make_city"
    ),
    ("sozplan.typology.TypologyClusterer", "random_state"): (
        "a scikit-learn estimator: `random_state` is what clone, set_params and "
        "check_estimator expect"
    ),
    # result records: the seed that was used, not a source of randomness
    ("sozplan.autocorrelation.GlobalResult", "seed"): "records the seed that was used",
    ("sozplan.autocorrelation.JoinCountsResult", "seed"): "records the seed that was used",
    ("sozplan.autocorrelation.CorrelogramResult", "seed"): "records the seed that was used",
    # the total of a decomposition (a number), not the residents column
    ("sozplan.segregation.DecompositionResult", "total"): "the decomposed total (a number)",
    ("sozplan.segregation.MutualBootstrapResult", "total"): "estimates of the total (a table)",
    ("sozplan.services.SupplyRatio", "total"): "the city total of the ratio (a number)",
}

#: column names that are sozplan's own conventions for the tables it writes (the year
#: and the area names of ``load_city``'s output, see :class:`sozplan.CitySpec`), even
#: though Musterstadt uses them too
CONVENTIONS = {"jahr", "name"}

#: British spellings (stems) -> American; checked on every public name
BRITISH = {
    "normalis": "normaliz",
    "standardis": "standardiz",
    "regionalis": "regionaliz",
    "prioritis": "prioritiz",
    "randomis": "randomiz",
    "summaris": "summariz",
    "categoris": "categoriz",
    "visualis": "visualiz",
    "optimis": "optimiz",
    "minimis": "minimiz",
    "maximis": "maximiz",
    "centralis": "centraliz",
    "initialis": "initializ",
    "harmonis": "harmoniz",
    "generalis": "generaliz",
    "characteris": "characteriz",
    "organis": "organiz",
    "neighbour": "neighbor",
    "colour": "color",
    "centre": "center",
    "behaviour": "behavior",
    "catalogue": "catalog",
    "metre": "meter",
    "analyse": "analyze",
    "labelled": "labeled",
    "modelled": "modeled",
}

#: public names that keep a British spelling, with the reason
BRITISH_ALLOWED: dict[str, str] = {}


def _public_modules() -> list[str]:
    names = ["sozplan"]
    for info in pkgutil.walk_packages(sozplan.__path__, "sozplan."):
        parts = info.name.split(".")[1:]
        if any(p.startswith("_") for p in parts) or info.name == "sozplan.datasets.__main__":
            continue
        names.append(info.name)
    return names


def _own(obj: Any) -> bool:
    return str(getattr(obj, "__module__", "") or "").startswith("sozplan")


def _signatures() -> Iterator[tuple[str, str, inspect.Parameter]]:
    """Yield (public name, kind, parameter) for every public signature, once each."""
    seen: set[tuple[int, str]] = set()
    for modname in _public_modules():
        module = importlib.import_module(modname)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            qual = f"{modname}.{name}"
            targets: list[tuple[str, Any]] = []
            if inspect.isclass(obj):
                if not _own(obj):
                    continue
                targets.append((qual, obj))
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    func = getattr(member, "__func__", member)
                    if callable(func) and _own(func):
                        targets.append((f"{qual}.{attr}", func))
            elif callable(obj) and _own(obj):
                targets.append((qual, obj))
            for tname, target in targets:
                key = (id(target), tname.rsplit(".", 1)[-1])
                if key in seen:
                    continue
                seen.add(key)
                try:
                    sig = inspect.signature(target)
                except (TypeError, ValueError):
                    continue
                for p in sig.parameters.values():
                    if p.name in ("self", "cls") or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                        continue
                    yield tname, "class" if inspect.isclass(target) else "function", p


SIGNATURES = list(_signatures())


def _public_names() -> Iterator[str]:
    for modname in _public_modules():
        module = importlib.import_module(modname)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            yield f"{modname}.{name}"
            if inspect.isclass(obj) and _own(obj):
                fields = (
                    {f.name for f in dataclasses.fields(obj)}
                    if dataclasses.is_dataclass(obj)
                    else set()
                )
                for attr in sorted(set(vars(obj)) | fields):
                    if not attr.startswith("_"):
                        yield f"{modname}.{name}.{attr}"


def _musterstadt_columns() -> set[str]:
    """Column and key names of Musterstadt, from its data dictionary and description."""
    from sozplan.datasets import DATA_DICTIONARY, musterstadt_description

    spec = musterstadt_description()
    names = set(map(str, DATA_DICTIONARY.index))
    names |= {str(c) for c in spec.columns}
    names |= {str(level.key) for level in spec.levels}
    if spec.population:
        names.add(str(spec.population))
    return names - CONVENTIONS


def test_the_walk_sees_the_whole_api():
    # guards the test itself: a broken walk would check nothing and pass
    names = {t for t, _, _ in SIGNATURES}
    assert len(names) > 300
    for expected in (
        "sozplan.segregation.dissimilarity",
        "sozplan.autocorrelation.moran",
        "sozplan.index.IndexSpec",
        "sozplan.typology.TypologyResult",
        "sozplan.regions.regionalize",
    ):
        assert expected in names


def test_no_forbidden_synonym_in_a_public_signature():
    bad = [
        f"{name}({p.name}=...): use {FORBIDDEN[p.name]}"
        for name, _, p in SIGNATURES
        if p.name in FORBIDDEN and (name, p.name) not in ALLOWED
    ]
    assert not bad, "parameters off the glossary:\n" + "\n".join(sorted(set(bad)))


def test_allow_list_has_no_stale_entries():
    present = {(name, p.name) for name, _, p in SIGNATURES}
    stale = sorted(set(ALLOWED) - present)
    assert not stale, f"allowed exceptions that no longer exist: {stale}"


def test_no_default_names_a_musterstadt_column():
    columns = _musterstadt_columns()
    assert {"einwohner", "planungsraum", "auslaender"} <= columns  # the source was read
    bad = []
    for name, _, p in SIGNATURES:
        if name.startswith("sozplan.datasets."):
            continue  # Musterstadt's own loaders
        values = p.default if isinstance(p.default, tuple | list) else (p.default,)
        hits = [v for v in values if isinstance(v, str) and v in columns]
        if hits:
            bad.append(f"{name}({p.name}={p.default!r})")
    assert not bad, "defaults that name a sample-city column:\n" + "\n".join(sorted(set(bad)))


def _british(name: str) -> str | None:
    low = name.lower()
    for stem, american in BRITISH.items():
        if stem in low:
            return f"{stem} -> {american}"
    return None


def test_public_names_are_spelled_american():
    bad = []
    for qual in sorted(set(_public_names())):
        hit = _british(qual.rsplit(".", 1)[-1])
        if hit and qual not in BRITISH_ALLOWED:
            bad.append(f"{qual}: {hit}")
    for name, _, p in SIGNATURES:
        hit = _british(p.name)
        if hit:
            bad.append(f"{name}({p.name}): {hit}")
    assert not bad, "British spelling in public names:\n" + "\n".join(sorted(set(bad)))


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("normalise", "normalis -> normaliz"),
        ("mean_neighbours", "neighbour -> neighbor"),
        ("standardize", None),
        ("noise", None),
        ("pairwise", None),
    ],
)
def test_british_detector(word, expected):
    assert _british(word) == expected


# ----------------------------------------------------------------- source literals


def _literal_lookups(tree: ast.AST) -> Iterator[tuple[int, str, str]]:
    """Yield (line, value, how) for string literals used as a default or a lookup."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for default in [*node.args.defaults, *node.args.kw_defaults]:
                if isinstance(default, ast.Constant) and isinstance(default.value, str):
                    yield default.lineno, default.value, f"default of {node.name}()"
        elif isinstance(node, ast.Subscript):
            sl = node.slice
            items = sl.elts if isinstance(sl, ast.List | ast.Tuple) else [sl]
            for item in items:
                if isinstance(item, ast.Constant) and isinstance(item.value, str):
                    yield item.lineno, item.value, "lookup []"
        elif isinstance(node, ast.Call):
            for kw in node.keywords:
                if (
                    kw.arg in {"population", "group", "groups", "id_column", "name_column"}
                    and isinstance(kw.value, ast.Constant)
                    and isinstance(kw.value.value, str)
                ):
                    yield kw.value.lineno, kw.value.value, f"{kw.arg}="


def _source_hits() -> list[str]:
    columns = _musterstadt_columns()
    hits = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("datasets/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, value, how in _literal_lookups(tree):
            if value in columns and (rel, value) not in SOURCE_ALLOWED:
                hits.append(f"{rel}:{line}: {value!r} ({how})")
    return hits


#: (file, column) pairs that stay, with the reason. Docstring examples are not checked
#: (they are strings, not code).
SOURCE_ALLOWED: dict[tuple[str, str], str] = {
    ("planning/_costs.py", "einwohner"): (
        "German label of an output column of cost_indicators (residents), beside gesamt, "
        "bedarf and faelle; not a lookup in the user's table"
    ),
    ("projection/_cohort.py", "zuzuege"): "the documented components schema (COMPONENTS)",
    ("projection/_cohort.py", "fortzuege"): "the documented components schema (COMPONENTS)",
    ("projection/_hamilton_perry.py", "fortzuege"): "the components schema (COMPONENTS)",
}


def test_no_musterstadt_column_hard_coded_in_src():
    hits = _source_hits()
    assert not hits, "Musterstadt column names in library code:\n" + "\n".join(hits)


# ------------------------------------------------------------- graph: one behaviour


@pytest.fixture(scope="module")
def grid():
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    from shapely.geometry import box

    rng = np.random.default_rng(4)
    cells = [
        box(100 * i, 100 * j, 100 * i + 100, 100 * j + 100) for i in range(5) for j in range(5)
    ]
    t = rng.integers(50, 200, len(cells))
    return gpd.GeoDataFrame(
        {"x": rng.binomial(t, 0.3), "t": t, "y": rng.normal(size=len(cells))},
        geometry=cells,
        index=pd.Index([f"{i:03d}" for i in range(len(cells))], name="id"),
        crs=25832,
    )


def _calls():
    from sozplan import autocorrelation as A
    from sozplan import indicators as I
    from sozplan import segregation as S

    return {
        "moran": lambda df, g: A.moran(df, "y", graph=g, permutations=0).statistic,
        "local_moran": lambda df, g: A.local_moran(df, "y", graph=g, permutations=9, rng=0).loc[
            "000", "statistic"
        ],
        "dissimilarity": lambda df, g: S.dissimilarity(df, "x", "t", graph=g).statistic,
        "spatial_dissimilarity": lambda df, g: (
            S.spatial_dissimilarity(df, "x", "t", graph=g).statistic
        ),
        "empirical_bayes": lambda df, g: I.empirical_bayes(df, "x", "t", graph=g).loc["000"],
    }


@pytest.mark.parametrize("name", list(_calls()))
def test_a_graph_in_another_order_is_aligned_by_id(grid, name):
    from libpysal.graph import Graph

    call = _calls()[name]
    g = Graph.build_contiguity(grid, rook=False)
    shuffled = grid.iloc[::-1]
    assert call(shuffled, g) == pytest.approx(call(grid, g), abs=1e-12)


@pytest.mark.parametrize("name", list(_calls()))
def test_a_graph_with_other_ids_is_refused(grid, name):
    from libpysal.graph import Graph

    from sozplan.errors import InputError

    g = Graph.build_contiguity(grid, rook=False)
    with pytest.raises(InputError, match="differ"):
        _calls()[name](grid.iloc[:-1], g)


def test_graph_none_means_no_spatial_weights(grid):
    from sozplan import autocorrelation as A
    from sozplan import regions as R
    from sozplan import segregation as S
    from sozplan.errors import InputError

    # functions that need weights default to "queen" and refuse None ...
    for call in (
        lambda: A.moran(grid, "y", graph=None),
        lambda: A.local_moran(grid, "y", graph=None),
        lambda: S.spatial_dissimilarity(grid, "x", "t", graph=None),
        lambda: R.regionalize(grid, ["y"], n_clusters=2, graph=None),
    ):
        with pytest.raises(InputError, match="no spatial weights"):
            call()
    assert A.moran(grid, "y", permutations=0).statistic == pytest.approx(
        A.moran(grid, "y", graph="queen", permutations=0).statistic
    )
    # ... and where None is allowed it is the aspatial variant
    assert S.dissimilarity(grid, "x", "t").statistic == pytest.approx(
        S.dissimilarity(grid, "x", "t", graph=None).statistic
    )


def test_every_graph_default_is_none_or_a_kind():
    defaults = {
        name: p.default
        for name, _, p in SIGNATURES
        if p.name == "graph" and p.default is not inspect.Parameter.empty
    }
    assert defaults  # the walk found them
    odd = {n: d for n, d in defaults.items() if d is not None and d not in ("queen", "rook")}
    assert not odd
