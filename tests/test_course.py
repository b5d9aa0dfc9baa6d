"""The notebooks as a course (issue 22): every notebook follows one template.

Checked without executing anything (the notebooks and their solutions are executed by
``pytest --nbmake``): each notebook opens with learning goals, prerequisites, data and time
needed, and ends with 3-5 exercises of rising difficulty, each followed by an empty
``# Ihre Lösung`` cell; each has a solutions notebook with at least one ``assert`` per
exercise; the course outline (German and English) links every notebook.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS = NOTEBOOKS / "loesungen"
OUTLINES = [ROOT / "docs" / "kursplan.md", ROOT / "docs" / "course.md"]

# Every notebook is part of the course: a new notebook must follow the template too.
COURSE_NOTEBOOKS = {
    "01_daten_und_kennzahlen",
    "02_sozialindex_und_monitoring",
    "03_raeumliche_autokorrelation",
    "04_segregation",
    "05_sozialraumkonfiguration",
    "06_sozial_und_finanzplanung",
    "07_sozialbericht",
    "08_berlin_mss_2021",
    "09_eigene_stadt",
    "10_soziale_infrastruktur",
    "11_bevoelkerungsprognose",
}

EXERCISE = re.compile(r"^### Übung (\d+) \((leicht|mittel|anspruchsvoll)\): \S.*$", re.MULTILINE)
DIFFICULTY = {"leicht": 0, "mittel": 1, "anspruchsvoll": 2}
SOLUTION = re.compile(r"^## Übung (\d+)\b", re.MULTILINE)


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _text(cell: dict) -> str:
    return "".join(cell["source"])


def _markdown(path: Path) -> str:
    return "\n".join(_text(c) for c in _cells(path) if c["cell_type"] == "markdown")


ALL = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _slug(title: str) -> str:
    """The heading anchor MyST writes (``myst_parser.slugs.github_slugify``, GitHub style)."""
    return re.sub(r"[^\w\u4e00-\u9fff\- ]", "", title.lower().replace(" ", "-"))


def _in_course(stem: str) -> bool:
    return stem in COURSE_NOTEBOOKS or "\n## Übungen" in "\n" + _markdown(
        NOTEBOOKS / f"{stem}.ipynb"
    )


def test_the_course_list_names_every_notebook():
    assert set(ALL) == COURSE_NOTEBOOKS


@pytest.mark.parametrize("stem", ALL)
def test_notebook_opens_with_learning_goals_and_prerequisites(stem):
    if not _in_course(stem):
        pytest.skip(f"{stem} is not yet reworked into the course template")
    cells = _cells(NOTEBOOKS / f"{stem}.ipynb")
    opening = "\n".join(_text(c) for c in cells[:3] if c["cell_type"] == "markdown")
    assert "## Lernziele" in opening, "the opening (right after the title) needs '## Lernziele'"
    goals = opening.split("## Lernziele", 1)[1]
    assert 3 <= len(re.findall(r"^- ", goals.split("**Voraussetzungen:**")[0], re.MULTILINE)) <= 5
    for field in ("**Voraussetzungen:**", "**Daten:**", "**Zeitbedarf:**"):
        assert field in opening, f"the opening needs {field}"


@pytest.mark.parametrize("stem", ALL)
def test_notebook_ends_with_three_to_five_exercises_of_rising_difficulty(stem):
    if not _in_course(stem):
        pytest.skip(f"{stem} is not yet reworked into the course template")
    cells = _cells(NOTEBOOKS / f"{stem}.ipynb")
    text = _markdown(NOTEBOOKS / f"{stem}.ipynb")
    assert "\n## Übungen" in "\n" + text
    found = EXERCISE.findall(text.split("## Übungen", 1)[1])
    assert 3 <= len(found) <= 5, (
        f"{len(found)} exercises; headings '### Übung N (leicht|mittel|anspruchsvoll): Titel'"
    )
    assert [int(n) for n, _ in found] == list(range(1, len(found) + 1))
    levels = [DIFFICULTY[d] for _, d in found]
    assert levels == sorted(levels), "exercises must not get easier"
    # every exercise is followed by an empty cell for the answer
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "markdown" and EXERCISE.search(_text(cell)):
            after = [c for c in cells[i + 1 :] if c["cell_type"] == "code"]
            assert any(_text(c).strip() == "# Ihre Lösung" for c in after[:2]), _text(cell)[:60]


@pytest.mark.parametrize("stem", ALL)
def test_solutions_check_every_exercise_with_an_assert(stem):
    if not _in_course(stem):
        pytest.skip(f"{stem} is not yet reworked into the course template")
    path = SOLUTIONS / f"{stem}_loesungen.ipynb"
    assert path.exists(), f"solutions notebook {path.relative_to(ROOT)} is missing"
    n_exercises = len(EXERCISE.findall(_markdown(NOTEBOOKS / f"{stem}.ipynb")))
    sections: dict[int, int] = {}
    current = None
    for cell in _cells(path):
        text = _text(cell)
        if cell["cell_type"] == "markdown" and (m := SOLUTION.search(text)):
            current = int(m.group(1))
            sections.setdefault(current, 0)
        elif cell["cell_type"] == "code" and current is not None:
            sections[current] += len(re.findall(r"^\s*assert\b", text, re.MULTILINE))
    assert sorted(sections) == list(range(1, n_exercises + 1)), (
        "one '## Übung N' section per exercise"
    )
    missing = [n for n, k in sections.items() if k == 0]
    assert not missing, f"exercises without an assert in the solution: {missing}"


@pytest.mark.parametrize("outline", OUTLINES, ids=lambda p: p.name)
def test_course_outline_links_every_notebook(outline):
    # notebook pages are linked with the {doc} role: docs/notebooks is a symlink, and Sphinx
    # resolves path links through it to a file outside the source folder
    text = outline.read_text(encoding="utf-8")
    for stem in ALL:
        assert f"</notebooks/{stem}>`" in text, f"{outline.name} does not link {stem}"
    assert len(re.findall(r"^## ", text, re.MULTILINE)) >= 10, "about 12 sessions"
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert f"\n{outline.stem}\n" in index, f"{outline.name} is not in the toctree of docs/index.md"


@pytest.mark.parametrize("outline", OUTLINES, ids=lambda p: p.name)
def test_course_outline_links_every_exercise_to_its_heading(outline):
    # exercise and solution links are HTML links (to the heading anchors MyST writes with
    # myst_heading_anchors); Sphinx does not check them, so this test does
    text = outline.read_text(encoding="utf-8")
    links = set(re.findall(r'<a href="notebooks/([0-9a-z_]+)\.html#([^"]+)">', text))
    for stem in ALL:
        markdown = _markdown(NOTEBOOKS / f"{stem}.ipynb")
        headings = {_slug(m.group(0).removeprefix("### ")) for m in EXERCISE.finditer(markdown)}
        linked = {anchor for s, anchor in links if s == stem}
        if not _in_course(stem):
            continue
        assert linked == headings, (
            f"{outline.name}: exercise links of {stem} do not match its headings"
        )
        solution = f'<a href="notebooks/loesungen/{stem}_loesungen.html">'
        assert solution in text, f"{outline.name} does not link the solutions of {stem}"
        assert (SOLUTIONS / f"{stem}_loesungen.ipynb").exists()


def test_slug_is_the_one_myst_writes():
    slugs = pytest.importorskip("myst_parser.slugs")
    for title in [
        "Übung 4 (anspruchsvoll): Köln – Ausländeranteil 2005 und 2012",
        "Übung 1 (leicht): Moran's I von Hand",
        "Übung 3 (mittel): Grenze für *sehr niedrig*",
    ]:
        assert _slug(title) == slugs.github_slugify(title)


def test_solutions_are_in_the_docs():
    index = (NOTEBOOKS / "index.md").read_text(encoding="utf-8")
    assert "loesungen/*" in index


@pytest.mark.parametrize("stem", ALL)
def test_stored_notebook_keeps_its_figures(stem):
    """The docs render the stored outputs: a notebook that draws must store its pictures.

    (Executed under a non-inline backend, or with interactive mode switched off, the
    figures are silently missing from the stored file and from the docs.)"""
    cells = _cells(NOTEBOOKS / f"{stem}.ipynb")
    draws = any(
        c["cell_type"] == "code" and ("plot" in _text(c) or "_map(" in _text(c)) for c in cells
    )
    pictures = sum(
        1
        for c in cells
        if c["cell_type"] == "code"
        for out in c.get("outputs", [])
        if "image/png" in out.get("data", {})
        or "<img src='data:image/png" in "".join(out.get("data", {}).get("text/html", ""))
    )
    if draws:
        assert pictures > 0, f"{stem} draws figures but stores none: re-execute it inline"
