"""Your own city: a declarative description of its files and a loader.

A city description (:class:`CitySpec`, YAML ``sozplan: city/1``) says where the ids,
names, hierarchy, years and counts of a city come from and which columns play which
role (residents, age bands, foreign-origin groups, benefit counts). :func:`load_city`
reads geometry and statistics files with it and returns the GeoDataFrame of one level
together with a load report; :func:`init` writes a first description by looking at the
files (also ``sozplan init`` on the command line).

Examples
--------
>>> from sozplan.city import load_city
>>> from sozplan.datasets import musterstadt_description
>>> spec = musterstadt_description()
>>> spec.population
'einwohner'
>>> load_city(spec, level="bezirk", year=2024).data.shape[0]
8
"""

from __future__ import annotations

from sozplan.checks import public_functions
from sozplan.city._init import init
from sozplan.city._load import CityData, LoadReport, load_city
from sozplan.city._spec import (
    CityError,
    CitySpec,
    ColumnSource,
    Level,
    Table,
    format_expr,
    parse_expr,
)

__all__ = [
    "CityData",
    "CityError",
    "CitySpec",
    "ColumnSource",
    "Level",
    "LoadReport",
    "Table",
    "format_expr",
    "init",
    "load_city",
    "parse_expr",
]

public_functions(globals())
