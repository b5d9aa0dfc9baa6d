"""Chapter "Soziale Infrastruktur": places per 100 children by location and by residence.

For one facility type (default Kitas) the chapter computes, on the smallest level of
the city description (e.g. blocks), the places per 100 residents of the age group

- **by location**: places in the area / residents of the age group in the area,
- **by residence**: the two-step floating catchment area value
  (:func:`sozplan.services.two_step_fca`, Luo & Wang 2003,
  doi:10.1068/b29120) with a straight-line catchment, summed to the report's areas
  (:func:`sozplan.services.supply_ratio`),

the places missing to the target, and how supply is distributed along a need
indicator (:func:`sozplan.services.service_equity`, concentration index).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sozplan import services as S
from sozplan._core.frozen import immutable
from sozplan.datasets import load_facilities
from sozplan.plotting import concentration_curve, facility_map
from sozplan.report import _html as H
from sozplan.report._text import Texts
from sozplan.report.chapters._base import ChapterSkipped, Key, Page

NAME = "services"
FILE = "infrastruktur.html"
SCHEMA = {
    # "musterstadt" (the bundled sample facilities), a GeoPackage/CSV path (relative to
    # the configuration file), or null (no facilities: the chapter is skipped)
    "facilities": Key((str, type(None)), None, path=True),
    "facility_type": Key(str, "kita"),
    "age_column": Key((str, type(None)), None),
    "catchment": Key(float, 1000.0),
    "target": Key((float, type(None)), None),
    "level": Key((str, type(None)), None),
    "rank_by": Key((str, type(None)), None),
    "kind_column": Key(str, "art"),
    "capacity_column": Key(str, "plaetze"),
    "opened_column": Key((str, type(None)), "eroeffnung"),
    "n_gaps": Key(int, 10),
}


@immutable
@dataclass(frozen=True)
class ServicesResult:
    """Supply ratios of the report's areas, the facilities and the equity summary."""

    ratio: Any  # SupplyRatio
    facilities: Any
    equity: Any  # Equity or None
    facility_type: str
    age_column: str
    catchment: float
    target: float
    level: str
    n_units: int
    n_unreachable: int
    rank_by: str | None


def _age_column(data: Any, config: dict, ages: tuple) -> str:
    """Return the residents' column of the facility's age group (configured or from roles.age_bands)."""
    t = Texts(data.language)
    if config["age_column"]:
        return str(config["age_column"])
    bands = dict(data.spec.roles.get("age_bands") or {})
    lo, hi = ages
    for col, edges in bands.items():
        a, b = ([*list(edges), None, None])[:2]
        if a == lo and b == hi:
            return str(col)
    raise ChapterSkipped(t("services.no_age_column", lo=lo, hi="" if hi is None else hi - 1))


def _read_facilities(source: str, crs: Any, language: str) -> Any:
    """Read the bundled facilities, or a GeoPackage / CSV (columns x, y in the areas' CRS)."""
    import geopandas as gpd

    if source == "musterstadt":
        return load_facilities()
    path = Path(source)
    if not path.exists():
        raise ChapterSkipped(Texts(language)("services.no_file", path=str(path)))
    if path.suffix.lower() == ".csv":
        table = pd.read_csv(path)
        if not {"x", "y"} <= set(table.columns):
            raise ChapterSkipped(Texts(language)("services.no_xy", path=path.name))
        first = table.columns[0]
        table = table.set_index(first) if first not in ("x", "y") else table
        return gpd.GeoDataFrame(
            table, geometry=gpd.points_from_xy(table["x"], table["y"]), crs=crs
        )
    return gpd.read_file(path)


def analyse(data: Any, config: dict) -> ServicesResult:
    """2SFCA supply of one facility type on the smallest level, summed to the report's areas."""
    t = Texts(data.language)
    if not config["facilities"]:
        raise ChapterSkipped(t("services.no_facilities"))
    kind = config["facility_type"]
    info = S.FACILITY_TYPES.get(kind, {})
    if not info and not config["age_column"]:
        raise ChapterSkipped(t("services.unknown_type", kind=kind))
    ages = tuple(info.get("ages", (None, None)))
    age_col = _age_column(data, config, ages)
    level = config["level"] or data.spec.levels[0].key
    fine = data.areas if level == data.level else data.load_level(level).data
    if age_col not in fine.columns:
        raise ChapterSkipped(t("services.missing", column=age_col, level=level))
    by = None
    if level != data.level:
        by = data.spec.level(data.level).parent.get("column", data.level)
        if by not in fine.columns:
            raise ChapterSkipped(t("services.missing", column=data.level, level=level))
    facilities = _read_facilities(config["facilities"], fine.crs, data.language)
    facilities = S.validate_facilities(
        facilities,
        areas=fine,
        kind=config["kind_column"],
        capacity=config["capacity_column"],
        opened=config["opened_column"],
    )
    chosen = S.select_facilities(
        facilities,
        kind,
        year=data.year if config["opened_column"] else None,
        kind_column=config["kind_column"],
        **({"opened": config["opened_column"]} if config["opened_column"] else {}),
    )
    if len(chosen) == 0:
        raise ChapterSkipped(t("services.none_of_type", kind=kind))
    target = float(config["target"] if config["target"] is not None else info.get("target", 0))
    blocks = fine.assign(**{age_col: pd.to_numeric(fine[age_col], errors="coerce")})
    blocks = blocks[blocks[age_col].notna()]
    costs = S.straight_line_costs(blocks, chosen, max_cost=float(config["catchment"]))
    access = S.two_step_fca(
        blocks, age_col, chosen, costs=costs, capacity=config["capacity_column"]
    )
    ratio = S.supply_ratio(
        blocks,
        age_col,
        chosen,
        by=by,
        capacity=config["capacity_column"],
        target=target or None,
        access=access,
    )
    rank_by = config["rank_by"] or (data.keys[0] if data.keys else None)
    equity = None
    if rank_by is not None and rank_by in data.keys:
        table = ratio.table.join(data.shown[[rank_by]], how="inner").dropna(
            subset=["ratio_residence", rank_by]
        )
        if len(table) >= 5:
            equity = S.service_equity(table, "ratio_residence", rank_by, population="eligible")
    unreachable = getattr(access, "unreachable", ())
    return ServicesResult(
        ratio=ratio,
        facilities=chosen,
        equity=equity,
        facility_type=kind,
        age_column=age_col,
        catchment=float(config["catchment"]),
        target=target,
        level=level,
        n_units=len(blocks),
        n_unreachable=int((blocks.loc[list(unreachable), age_col] > 0).sum()),
        rank_by=rank_by if equity is not None else None,
    )


def render(result: ServicesResult, ctx: Any) -> Page:
    """Lead, map of the ratio by residence, gap table, equity, note on the distance proxy."""
    t, data = ctx.t, ctx.data
    kind = result.facility_type
    kind_word = t(f"services.type.{kind}") if t.has(f"services.type.{kind}") else kind
    lkey = f"level.{result.level}.pl"
    level_word = t(lkey) if t.has(lkey) else result.level
    tab = result.ratio.table
    places = float(tab["places_location"].sum())
    eligible = float(tab["eligible"].sum())
    b: list = [
        H.para(
            t(
                "services.lead",
                kind=kind_word,
                n_fac=len(result.facilities),
                places=ctx.fmt(places, 0),
                n=ctx.fmt(result.n_units, 0),
                level=level_word,
                catchment=ctx.fmt(result.catchment, 0),
                target=ctx.fmt(result.target, 0),
                ratio=ctx.fmt(100 * places / eligible if eligible else float("nan"), 1),
            )
        )
    ]
    g = data.areas.join(tab[["ratio_residence", "ratio_location"]])
    b.append(
        ctx.figure(
            "versorgung_wohnort",
            facility_map,
            g,
            "ratio_residence",
            facilities=result.facilities,
            capacity=ctx.config["capacity_column"],
            **(
                {"scheme": "manual", "cuts": [r * result.target for r in (0.5, 0.8, 1.0, 1.3)]}
                if result.target > 0
                else {"scheme": "quantiles"}
            ),
            label=t("services.map_label"),
            outlines=data.districts,
            source=data.source_short,
            caption=t(
                "services.map_caption", kind=kind_word, catchment=ctx.fmt(result.catchment, 0)
            ),
        )
    )
    gaps = tab[tab["gap_places"] > 0].sort_values("gap_places", ascending=False)
    gaps = gaps.head(ctx.config["n_gaps"])
    if len(gaps):
        rows = pd.DataFrame(
            {
                t("common.area"): [data.name(i) for i in gaps.index],
                t("services.col.eligible"): gaps["eligible"].to_numpy(),
                t("services.col.location"): gaps["ratio_location"].to_numpy(),
                t("services.col.residence"): gaps["ratio_residence"].to_numpy(),
                t("services.col.gap"): gaps["gap_places"].round().to_numpy(),
            },
            index=pd.Index(gaps.index, name=t("services.col.id")),
        )
        b.append(H.heading(2, t("services.gaps_heading")))
        b.append(
            ctx.table(
                "versorgungsluecken",
                rows,
                t("services.table_caption", n=len(rows), target=ctx.fmt(result.target, 0)),
                decimals={
                    t("services.col.eligible"): 0,
                    t("services.col.location"): 1,
                    t("services.col.residence"): 1,
                    t("services.col.gap"): 0,
                },
            )
        )
    else:
        b.append(H.para(t("services.no_gaps", target=ctx.fmt(result.target, 0))))
    eq = result.equity
    if eq is not None:
        need = ctx.label(result.rank_by)
        ci = float(eq.concentration)
        word = t("services.pro_poor") if ci > 0 else t("services.pro_rich")
        b.append(H.heading(2, t("services.equity_heading")))
        b.append(H.para(t("services.equity", need=need, ci=ctx.fmt(ci, 3), direction=word)))
        b.append(
            ctx.figure(
                "versorgung_konzentration",
                concentration_curve,
                eq.curve,
                concentration=ci,
                caption=t("services.equity_caption", need=need),
            )
        )
    b.append(
        H.note(
            t(
                "services.proxy",
                catchment=ctx.fmt(result.catchment, 0),
                n=ctx.fmt(result.n_unreachable, 0),
            )
        )
    )
    return Page(NAME, FILE, t("services.title"), b)
