"""The README's quick start runs as written."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_quick_start_runs(capsys):
    text = README.read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the raw data are messy on purpose
        exec(compile(code, "README.md", "exec"), {})
    assert "cluster" in capsys.readouterr().out


def test_readme_has_the_two_setup_commands():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert "python -m pip install -e . && sozplan report" in lines
    assert 'python -m pip install -e ".[test]" && python -m pytest' in lines
