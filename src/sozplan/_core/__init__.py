"""Internal helpers shared by several sozplan packages (not public API).

One place for each small idea that more than one package needs: the HTML of a
result's ``_repr_html_`` (:mod:`sozplan._core.html`), weighted moments
(:mod:`sozplan._core.stats`), the residents of the areas given as a column or a
Series (:mod:`sozplan._core.population`), read-only containers for frozen results
(:mod:`sozplan._core.frozen`) and state that sozplan keeps about objects it does not
own (:mod:`sozplan._core.registry`). Packages import these modules directly; they
never import each other's private modules.
"""

from __future__ import annotations

__all__: list[str] = []
