"""Optional dependencies: declared as extras, never needed to import, named when missing."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sozplan._optional import OPTIONAL, import_optional
from sozplan.errors import MissingDependencyError

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "sozplan"

# import name -> distribution name, where the two differ
DISTRIBUTION = {
    "sklearn": "scikit-learn",
    "yaml": "pyyaml",
    "pulp": "pulp",
}
# imported only by an `except ImportError` fallback (a plain text progress bar without it)
SOFT = {"tqdm"}


def _requirement_name(req: str) -> str:
    name = req.split(";")[0].split("[")[0]
    for sep in "<>=!~ ":
        name = name.split(sep)[0]
    return name.strip().lower()


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _third_party_imports() -> dict[str, set[str]]:
    """Top-level names of the non-stdlib, non-sozplan modules that src imports, by file."""
    out: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "sozplan" and top not in sys.stdlib_module_names:
                    out.setdefault(top, set()).add(str(path.relative_to(SRC)))
    return out


def test_every_import_of_src_is_a_declared_dependency_or_extra():
    project = _pyproject()["project"]
    core = {_requirement_name(r) for r in project["dependencies"]}
    extras = project["optional-dependencies"]
    user_extras = {k: v for k, v in extras.items() if k not in {"test", "docs", "dev", "all"}}
    optional = {_requirement_name(r) for reqs in user_extras.values() for r in reqs}
    undeclared = {}
    for top, files in _third_party_imports().items():
        dist = DISTRIBUTION.get(top, top).lower()
        if dist not in core and dist not in optional:
            undeclared[top] = sorted(files)
    assert not undeclared, f"imported in src but not declared in pyproject.toml: {undeclared}"
    # an optional package is never imported at module level: only inside the function
    for top, files in _third_party_imports().items():
        dist = DISTRIBUTION.get(top, top).lower()
        if dist in optional and dist not in core:
            for rel in files:
                tree = ast.parse((SRC / rel).read_text(encoding="utf-8"))
                for node in tree.body:
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        mod = node.module if isinstance(node, ast.ImportFrom) else None
                        mods = [mod] if mod else [a.name for a in node.names]
                        assert all(m.split(".")[0] != top for m in mods), (
                            f"{rel} imports the optional {top} at module level"
                        )


def test_the_registry_names_existing_extras():
    extras = _pyproject()["project"]["optional-dependencies"]
    for module, (package, extra) in OPTIONAL.items():
        assert extra in extras, f"{module}: extra {extra!r} is not in pyproject.toml"
        names = {_requirement_name(r) for r in extras[extra]}
        assert package.lower() in names, f"{package} is not in the extra {extra!r}"
    # `all` installs every user extra
    all_extras = extras["all"]
    for extra in {e for _, e in OPTIONAL.values()} | {"progress"}:
        assert any(extra in req for req in all_extras), f"`all` lacks {extra}"


HIDE = """
import sys
for name in {hidden!r}:
    sys.modules[name] = None  # any import of it raises ImportError
"""


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    hidden = sorted({m.split(".")[0] for m in OPTIONAL} | SOFT)
    return subprocess.run(
        [sys.executable, "-c", HIDE.format(hidden=hidden) + code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_every_module_imports_without_the_optional_packages(tmp_path):
    code = """
import importlib, pkgutil, sozplan
names = [m.name for m in pkgutil.walk_packages(sozplan.__path__, "sozplan.")]
for name in names:
    if not name.endswith("__main__"):
        importlib.import_module(name)
print(len(names))
"""
    out = _run(code, tmp_path)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) > 50


def test_maxp_without_spopt_names_the_extra(tmp_path):
    code = """
import numpy as np, geopandas as gpd
from shapely.geometry import box
from sozplan.errors import MissingDependencyError
from sozplan.regions import regionalize
cells = [box(i, j, i + 1, j + 1) for i in range(4) for j in range(3)]
g = gpd.GeoDataFrame({"x": np.arange(12.0), "pop": np.full(12, 10.0)}, geometry=cells,
                     crs="EPSG:25833")
try:
    regionalize(g, ["x"], method="maxp", population="pop", min_population=30)
except MissingDependencyError as exc:
    assert isinstance(exc, ImportError)
    print(exc)
"""
    out = _run(code, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("regionalize: method='maxp' needs the optional package spopt")
    assert 'pip install "sozplan[regions]"' in out.stdout
    assert "method='ward'" in out.stdout


def test_import_optional_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "pulp", None)
    with pytest.raises(MissingDependencyError) as info:
        import_optional("pulp", where="propose_sites", purpose="location-allocation")
    assert str(info.value) == (
        "propose_sites: location-allocation needs the optional package PuLP, which is not "
        'installed. Fix: pip install "sozplan[services]".'
    )
    assert isinstance(info.value, ImportError)


def test_propose_sites_without_pulp_names_the_extra(monkeypatch):
    import numpy as np
    import pandas as pd

    from sozplan import services

    for name in ("pulp", "spopt", "spopt.locate"):
        monkeypatch.setitem(sys.modules, name, None)
    blocks = pd.DataFrame({"kinder": [100, 100, 80]}, index=["b1", "b2", "b3"])
    kitas = pd.DataFrame({"plaetze": [70]}, index=["k1"])
    od = pd.DataFrame(
        {
            "origin": np.repeat(["b1", "b2", "b3"], 3),
            "destination": ["k1", "c1", "c2"] * 3,
            "cost": [2, 1, 19, 15, 12, 1, 18, 14, 3],
        }
    )
    costs = services.od_costs(od, blocks, ["k1", "c1", "c2"])
    with pytest.raises(MissingDependencyError, match=r'pip install "sozplan\[services\]"'):
        services.propose_sites(
            blocks,
            "kinder",
            kitas,
            pd.DataFrame(index=["c1", "c2"]),
            costs=costs,
            max_cost=10,
            target=70,
            places=126,
        )
