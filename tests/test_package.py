"""Package-level behaviour: lazy, side-effect free import; version; public modules."""

from __future__ import annotations

import subprocess
import sys

import pytest

import sozplan


def test_import_loads_no_heavy_dependency_and_writes_nothing(tmp_path):
    heavy = ("pandas", "geopandas", "numpy", "esda", "libpysal", "socket", "urllib.request")
    code = f"import sys, sozplan; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
    assert list(tmp_path.iterdir()) == []


def test_version_is_a_string():
    assert isinstance(sozplan.__version__, str)
    assert sozplan.__version__


@pytest.mark.parametrize("name", sorted(sozplan._SUBMODULES))
def test_every_listed_submodule_imports_and_has_all(name):
    module = getattr(sozplan, name)
    assert module.__name__ == f"sozplan.{name}"
    if name not in {"cli"}:
        assert hasattr(module, "__all__"), f"sozplan.{name} lacks __all__"
        for public in module.__all__:
            assert hasattr(module, public), (
                f"sozplan.{name}.{public} listed in __all__ but missing"
            )


def test_unknown_attribute_raises():
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        _ = sozplan.nonsense
