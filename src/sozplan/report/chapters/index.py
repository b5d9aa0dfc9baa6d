"""Chapter "Sozialindex": status and dynamics index with classes (Berlin MSS method).

The index is computed by :func:`sozplan.index.status_dynamics` (one year; dynamics
from published changes) or :func:`sozplan.index.monitor` (dynamics from the change of
the indicators over ``window`` years). A preset (``preset: berlin_mss_2021``) supplies
every setting; ``overrides`` changes single ones. Preset indicators are found by the
source column the description reads them from (``S1`` -> ``s1_arbeitslosigkeit``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.disclosure import PublishedIndex
from sozplan.errors import InputError
from sozplan.index import MonitoringSpec, monitor, status_dynamics
from sozplan.plotting import choropleth, status_dynamics_map, transition_chart
from sozplan.presets import available_presets, get_preset
from sozplan.report import _html as H
from sozplan.report._reportdata import audit_published, published_rates
from sozplan.report._text import Texts
from sozplan.report.chapters._base import ChapterSkipped, Key, Page

NAME = "index"
FILE = "sozialindex.html"
SCHEMA = {
    "preset": Key((str, type(None)), None),
    "overrides": Key(dict, {}),
    "name": Key(str, "Sozialindex"),
    "version": Key((str, int, float), "1"),
    "status": Key((list, type(None)), ["arbeitslosigkeit_sgb2", "sgb2_quote", "kinderarmut"]),
    "dynamics": Key((list, type(None)), ["arbeitslosigkeit_sgb2", "sgb2_quote", "kinderarmut"]),
    "dynamics_from": Key(str, "changes", ("changes", "published")),
    "window": Key(int, 2),
    "min_population": Key((int, float, type(None)), None),
    "status_cuts": Key(list, [-1.0, 1.0, 1.5]),
    "dynamics_cuts": Key(list, [-1.0, 1.0]),
    "weighted": Key(bool, False),
}


def check_config(cfg: Any, section: dict) -> None:
    """Cuts ascending; a preset that exists, with overrides it accepts."""
    for key in ("status_cuts", "dynamics_cuts"):
        cuts = section[key]
        if not all(isinstance(c, int | float) for c in cuts) or list(cuts) != sorted(cuts):
            raise cfg.error(
                f"index.{key}",
                f"{cuts} ist keine aufsteigende Zahlenliste",
                "geben Sie aufsteigende Grenzen an, z. B. [-1.0, 1.0, 1.5]",
            )
    if section["preset"] is not None:
        _preset(cfg, section)


def _preset(cfg: Any, section: Mapping) -> Any:
    """Return the preset's MonitoringSpec with the configuration's overrides (ConfigError if bad)."""
    name = section["preset"]
    if name not in available_presets():
        raise cfg.error(
            "index.preset",
            f"unbekanntes Preset {name!r}",
            f"verwenden Sie {', '.join(available_presets())}",
        )
    spec = get_preset(name)
    if section["overrides"]:
        try:
            spec = spec.replace(**section["overrides"])
        except InputError as exc:
            raise cfg.error(
                "index.overrides", str(exc).split(": ", 1)[-1], "Schlüssel und Werte prüfen"
            ) from None
    return spec


@immutable
@dataclass(frozen=True)
class IndexResult:
    """The status/dynamics result and how it was made."""

    sd: Any
    monitoring: Any
    status: tuple[str, ...]
    dynamics: tuple[str, ...]
    settings: dict = field(compare=False)
    name: str = ""
    version: str = ""
    preset: str | None = None
    dynamics_from: str = "changes"
    window: int = 2
    spec_hash: str = ""
    audit: Any = None


def _by_source(data: Any, name: str) -> str | None:
    """Return the indicator reading ``name``: its key, its column, or the column read from it."""
    if name in data.keys:
        return name
    cols = {
        col
        for col, src in data.spec.columns.items()
        if tuple(getattr(src, "source", ())) == (name,)
    }
    for ind in data.indicators:
        if ind.column == name or ind.column in cols:
            return ind.key
    return None


def _resolve(data: Any, entries: Any, part: str) -> list[dict]:
    out = []
    for e in entries:
        name = e["column"] if isinstance(e, Mapping) else e
        key = _by_source(data, name)
        if key is None:
            raise ChapterSkipped(_t(data, "index.missing_indicator", name=name, part=part))
        d = dict(e) if isinstance(e, Mapping) else {}
        out.append({**{k: v for k, v in d.items() if k != "label"}, "column": key})
    return out


def check_data(data: Any, cfg: Any) -> None:
    """Raise a ConfigError (file, line, key) when the data lack a preset's indicators."""
    section = cfg.get(NAME, {})
    if not section.get("preset"):
        return
    spec = _preset(cfg, section)
    names = [e["column"] if isinstance(e, Mapping) else e for e in (*spec.status, *spec.dynamics)]
    missing = [n for n in dict.fromkeys(names) if _by_source(data, n) is None]
    if missing:
        raise cfg.error(
            "index.preset",
            f"das Preset {section['preset']!r} braucht die Kennzahl(en) "
            f"{', '.join(map(str, missing))}, die weder unter 'indicators' stehen noch Spalten "
            "der Stadtbeschreibung sind",
            "die Spalten in der Stadtbeschreibung ergänzen (columns:) oder ein anderes Preset "
            "wählen",
        )


def analyse(data: Any, config: dict) -> IndexResult:
    """Compute status and dynamics (see the module notes)."""
    c = dict(config)
    pop = data.population
    exclude = dict(data.excluded)
    if c["preset"]:
        spec = get_preset(c["preset"])
        if c["overrides"]:
            spec = spec.replace(**c["overrides"])
        status = _resolve(data, spec.status, "status")
        dyn = _resolve(data, spec.dynamics, "dynamics")
        dynamics_from = "published"
    else:
        status = _resolve(data, c["status"] or [], "status")
        dyn = _resolve(data, c["dynamics"] or [], "dynamics")
        dynamics_from = c["dynamics_from"]
        spec = MonitoringSpec.from_dict(
            {
                "name": "bericht",
                "title": c["name"],
                "version": str(c["version"]),
                "status": status or [{"column": "-"}],
                "dynamics": dyn,
                "window": c["window"],
                "min_population": c["min_population"]
                if c["min_population"] is not None
                else data.min_population,
                "weighted": c["weighted"],
                "status_cuts": list(c["status_cuts"]),
                "dynamics_cuts": list(c["dynamics_cuts"]),
            }
        )
    if not status:
        raise ChapterSkipped(_t(data, "index.no_status"))
    s_keys = [e["column"] for e in status]
    d_keys = [e["column"] for e in dyn]
    minpop = spec.min_population if spec.min_population is not None else 0
    spec = spec.replace(status=status, dynamics=dyn, population=pop, missing_codes=[], exclude={})
    monitoring = None
    if d_keys and dynamics_from == "changes":
        if data.panel_values is None or len(data.years) <= spec.window:
            raise ChapterSkipped(
                _t(data, "index.no_panel", window=spec.window, years=len(data.years))
            )
        window = spec.window
        cols = list(dict.fromkeys(s_keys + d_keys))
        panel = data.panel_values[cols].join(data.panel[[pop]])
        years_dyn = [y for y in data.years if y - window in data.years]
        excl: dict[int, dict] = {}
        for y in years_dyn:
            now = panel.xs(y, level=-1)
            before = panel.xs(y - window, level=-1).reindex(now.index)
            bad = now[s_keys + d_keys].isna().any(axis=1) | before[d_keys].isna().any(axis=1)
            bad &= now[pop] >= minpop
            excl[y] = {
                **{i: r for i, r in exclude.items() if i in now.index},
                **{i: _t(data, "index.value_missing") for i in now.index[bad] if i not in exclude},
            }
        knobs = {
            "population": pop,
            "min_population": spec.min_population,
            "weighted": spec.weighted,
            "ddof": spec.ddof,
            "combine": spec.combine,
            "restandardize": spec.restandardize,
            "status_cuts": tuple(spec.status_cuts),
            "dynamics_cuts": tuple(spec.dynamics_cuts),
            "closed": spec.closed,
            "language": data.language,
        }
        monitoring = monitor(
            panel,
            s_keys,
            d_keys,
            year=panel.index.names[-1],
            years=years_dyn,
            window=window,
            exclude=excl,
            **knobs,
        )
        if data.year not in monitoring.results:
            raise ChapterSkipped(_t(data, "index.no_panel", window=window, years=len(data.years)))
        sd = monitoring.results[data.year]
    else:
        df = data.values.value[list(dict.fromkeys(s_keys + d_keys))].join(data.areas[[pop]])
        small = df[pop] < minpop
        bad = df[s_keys + d_keys].isna().any(axis=1) & ~small
        for i in df.index[bad]:
            exclude.setdefault(i, _t(data, "index.value_missing"))
        spec = spec.replace(exclude={"areas": {str(k): v for k, v in exclude.items()}})
        sd = status_dynamics(df, spec=spec, language=data.language)
    return IndexResult(
        audit=_audit(data, sd, s_keys, spec),
        sd=sd,
        monitoring=monitoring,
        status=tuple(s_keys),
        dynamics=tuple(d_keys),
        settings={"status_cuts": tuple(spec.status_cuts)},
        name=c["name"] if not c["preset"] else (spec.title or c["name"]),
        version=str(c["version"]) if not c["preset"] else spec.version,
        preset=c["preset"],
        dynamics_from=dynamics_from if d_keys else "none",
        window=spec.window,
        spec_hash=spec.hash,
    )


def _audit(data: Any, sd: Any, s_keys: list[str], spec: Any) -> Any:
    """Audit disclosure with the published status index (affine in the status rates).

    Returns None when there is nothing to audit (no suppression, or status indicators
    that are published rates rather than rates of protected counts).
    """
    supp = data.suppression
    if supp is None or supp.n_primary + supp.n_secondary > 400:
        return None
    rates = published_rates(supp, data.indicators, data.values, data.hidden_values)
    if not set(s_keys) <= {r.name for r in rates}:
        return None
    m = sd.moments
    k = len(s_keys)
    weights = {
        key: float(m.at[key, "direction"]) / (k if spec.combine == "mean" else 1) for key in s_keys
    }
    restd = spec.restandardize
    index = PublishedIndex.from_standardized(
        "status_index",
        means={key: float(m.at[key, "mean"]) for key in s_keys},
        sds={key: float(m.at[key, "sd"]) for key in s_keys},
        weights=weights,
        center=float(m.at["status_sum", "mean"]) if restd else 0.0,
        scale=float(m.at["status_sum", "sd"]) if restd else 1.0,
        decimals=2,
        hidden=list(sd.rated.index[~sd.rated.to_numpy()]),
    )
    return audit_published(
        supp,
        data.indicators,
        data.values,
        data.hidden_values,
        indices=(index,),
        rates=rates,
    )


def _t(data: Any, key: str, **kw: Any) -> str:

    return Texts(getattr(data, "language", "de"))(key, **kw)


def index_table(result: IndexResult, ctx: Any) -> pd.DataFrame:
    """Return the published index table: area, index values, classes, reason if not rated."""
    t = ctx.t
    res = result.sd.to_frame()
    keep = [
        c
        for c in (
            "status_index",
            "status_class",
            "dynamics_index",
            "dynamics_class",
            "matrix_code",
        )
        if c in res.columns
    ]
    tab = res[keep].copy()
    tab.insert(0, t("common.area"), [ctx.data.name(i) for i in tab.index])
    for c in ("status_class", "dynamics_class", "matrix_code"):
        if c in tab.columns:
            tab[c] = tab[c].astype(object).where(tab[c].notna(), "–").astype(str)
            tab[c] = [
                t(f"index.class.{v}") if ctx.t.has(f"index.class.{v}") else v for v in tab[c]
            ]
    reason = res["reason"] if "reason" in res.columns else pd.Series(pd.NA, index=res.index)
    tab["reason"] = reason.astype(object).where(reason.notna(), "").astype(str)
    tab = tab.rename(columns={c: t(f"index.col.{c}") for c in [*keep, "reason"]})
    tab.index.name = "ID"
    return tab


def render(result: IndexResult, ctx: Any) -> Page:
    """Render the index page: matrix map and table, status map, transitions, the table."""
    t, data, sd = ctx.t, ctx.data, result.sd
    b: list = []
    n_rated = int(sd.rated.sum())
    n_status = len(sd.settings["status_labels"])
    if sd.dynamics_class is not None:
        n_dyn = len(sd.settings["dynamics_labels"])
        b.append(H.para(t("index.lead_matrix", n_status=n_status, n_dyn=n_dyn, rated=n_rated)))
    else:
        b.append(H.para(t("index.lead_status", n_status=n_status, rated=n_rated)))
    labels = ", ".join(ctx.label(k) for k in result.status)
    b.append(H.para(t("index.method_status", indicators=labels)))
    if result.dynamics:
        dl = ", ".join(ctx.label(k) for k in result.dynamics)
        key = (
            "index.method_dyn_published"
            if result.dynamics_from == "published"
            else ("index.method_dyn_changes")
        )
        b.append(H.para(t(key, indicators=dl, window=result.window)))
    if result.preset:
        b.append(H.para(t("index.preset", preset=result.preset)))
    b.append(
        H.para(t("index.spec", name=result.name, version=result.version, hash=result.spec_hash))
    )
    districts = data.districts
    outline_labels = "name" if districts is not None else None
    if sd.dynamics_class is not None:
        fig = ctx.figure(
            "status_dynamik",
            status_dynamics_map,
            data.areas,
            sd,
            outlines=districts,
            outline_labels=outline_labels,
            source=data.source_short,
            title=t("index.map_title", year=data.year),
            caption=t("index.map_caption"),
        )
        b.append(H.heading(2, t("index.matrix")))
        b.append(fig)
        mat = sd.matrix()
        mat.index = mat.index.astype(str)
        mat.columns = [str(c) for c in mat.columns]
        mat.index.name = t("index.col.status_class")
        b.append(
            ctx.table(
                "status_dynamik_matrix",
                mat,
                t("index.matrix_caption"),
                decimals=0,
            )
        )
    b.append(H.heading(2, t("index.status_index")))
    g = data.areas.assign(status_index=sd.status_index)
    b.append(
        ctx.figure(
            "status_index",
            choropleth,
            g,
            "status_index",
            scheme="manual",
            cuts=list(result.settings["status_cuts"]),
            diverging=True,
            label=t("index.status_index_label"),
            decimals=1,
            outlines=districts,
            source=data.source_short,
            cmap="RdBu_r",
            caption=t("index.status_map_caption"),
        )
    )
    mon = result.monitoring
    if mon is not None and len(mon.years) >= 2:
        y0, y1 = mon.years[0], mon.years[-1]
        tab = mon.transitions(y0, y1)
        b.append(H.heading(2, t("index.transitions", y0=y0, y1=y1)))
        b.append(
            ctx.figure(
                "uebergaenge",
                transition_chart,
                tab,
                before=t("index.class_in", year=y0),
                after=t("index.class_in", year=y1),
                caption=t("index.transitions_caption", y0=y0, y1=y1),
            )
        )
        tab2 = tab.copy()
        tab2.index = tab2.index.astype(str)
        tab2.columns = [str(c) for c in tab2.columns]
        ctx.publish(
            "uebergaenge_status", tab2, t("index.transitions_export", y0=y0, y1=y1), decimals=0
        )
    if result.audit is not None:
        b.append(
            H.para(
                t(
                    "index.audit",
                    n=len(result.audit.cells),
                    determined=int(result.audit.n_determined),
                )
            )
        )
    if data.excluded:
        rows = pd.DataFrame(
            {
                t("common.area"): [data.name(i) for i in data.excluded],
                t("index.col.reason"): list(data.excluded.values()),
            },
            index=pd.Index(list(data.excluded), name="ID"),
        )
        b.append(H.heading(2, t("index.excluded")))
        b.append(ctx.table(None, rows, t("index.excluded_caption", n=len(rows))))
    tab = index_table(result, ctx)
    sort_col = t("index.col.status_index")
    tab = tab.sort_values(sort_col, ascending=False, na_position="last")
    b.append(H.heading(2, t("common.table")))
    b.append(
        ctx.table(
            "sozialindex",
            tab,
            t("index.table_caption", year=data.year),
            decimals=2,
            links={i: ctx.profile_href(i) for i in tab.index},
        )
    )
    return Page(NAME, FILE, t("index.title"), b)
