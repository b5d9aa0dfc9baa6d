"""Maps and charts for social reporting, accessible by default.

Every function computes its figures once, draws on a given matplotlib axes (or a new
one) and returns a :class:`FigureDisplay` that keeps the artists, the legend entries,
the colours and an alt text:

- maps: :func:`choropleth` and :func:`category_map` (classified, German legends with decimal
  commas and n per
  class, missing values hatched, outlines, scale bar, source line), :func:`lisa_map`,
  :func:`status_dynamics_map` (with its 4 x 3 matrix legend), :func:`small_multiples`;
- charts: :func:`area_profile`, :func:`transition_chart`, :func:`segregation_curve`,
  :func:`profile_heatmap`, :func:`moran_scatter`;
- projections: :func:`age_pyramid`, :func:`demand_curve`.
- social infrastructure: :func:`facility_map`, :func:`concentration_curve`.

Accessibility: colour-blind-safe ColorBrewer and Okabe-Ito palettes, patterns besides
colour where classes matter, text at least 9 pt, and an alt text for every figure.
"""

from __future__ import annotations

from sozplan.checks import public_functions
from sozplan.plotting._charts import (
    area_profile,
    moran_scatter,
    profile_heatmap,
    segregation_curve,
    transition_chart,
)
from sozplan.plotting._display import FigureDisplay
from sozplan.plotting._maps import (
    LISA_COLORS,
    STATUS_DYNAMICS_COLORS,
    add_outlines,
    add_scale_bar,
    add_source,
    category_map,
    choropleth,
    class_labels,
    lisa_map,
    small_multiples,
    status_dynamics_map,
)
from sozplan.plotting._projection import age_pyramid, demand_curve
from sozplan.plotting._services import concentration_curve, facility_map
from sozplan.plotting._style import MIN_FONT_SIZE, format_number

__all__ = [
    "LISA_COLORS",
    "MIN_FONT_SIZE",
    "STATUS_DYNAMICS_COLORS",
    "FigureDisplay",
    "add_outlines",
    "add_scale_bar",
    "add_source",
    "age_pyramid",
    "area_profile",
    "category_map",
    "choropleth",
    "class_labels",
    "concentration_curve",
    "demand_curve",
    "facility_map",
    "format_number",
    "lisa_map",
    "moran_scatter",
    "profile_heatmap",
    "segregation_curve",
    "small_multiples",
    "status_dynamics_map",
    "transition_chart",
]

public_functions(globals())
