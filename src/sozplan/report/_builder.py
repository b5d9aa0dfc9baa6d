"""Build the social report: analyses, figures, disclosure-controlled tables, HTML pages."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
import time
import traceback
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sozplan.segregation as seg
from sozplan import __version__
from sozplan.autocorrelation import CLUSTER_LABELS_DE, CLUSTER_LABELS_EN, local_moran, moran
from sozplan.datasets import LEVELS, load_musterstadt, musterstadt_rules
from sozplan.disclosure import audit_suppression, check_disclosure, suppress_small_counts
from sozplan.errors import SozplanWarning
from sozplan.graph import build_graph
from sozplan.index import monitor, status_dynamics
from sozplan.indicators import load_catalog, rates
from sozplan.plotting import (
    category_map,
    choropleth,
    format_number,
    lisa_map,
    moran_scatter,
    profile_heatmap,
    segregation_curve,
    small_multiples,
    status_dynamics_map,
    transition_chart,
)
from sozplan.plotting import format_number as fmt
from sozplan.report import _html as H
from sozplan.report._config import CHAPTERS, ReportConfig, load_config
from sozplan.typology import typology
from sozplan.validation import CHECKS, CHECKS_EN, RULES, RULES_EN, validate

__all__ = ["Page", "Sozialbericht"]

_HIDE_STATUS = ("small_population", "suppressed", "zero_denominator", "implausible")

_NAV = {
    "overview": ("index.html", "Überblick", "Overview"),
    "data_method": ("daten-und-methode.html", "Daten und Methode", "Data and method"),
    "indicators": ("kennzahlen.html", "Kennzahlen", "Indicators"),
    "index": ("sozialindex.html", "Sozialindex", "Social index"),
    "clusters": ("cluster.html", "Räumliche Cluster", "Spatial clusters"),
    "segregation": ("segregation.html", "Segregation", "Segregation"),
    "typology": ("typologie.html", "Gebietstypen", "Area types"),
    "validation": ("datenpruefung.html", "Datenprüfung", "Data validation"),
    "profiles": ("steckbriefe/index.html", "Steckbriefe", "Area profiles"),
}

#: Readable names of count columns (German, English) for table headers.
_COUNT_LABELS = {
    "einwohner": ("Einwohner insgesamt", "residents"),
    "einwohner_0_5": ("0 bis 5 Jahre", "aged 0-5"),
    "einwohner_6_14": ("6 bis 14 Jahre", "aged 6-14"),
    "einwohner_15_17": ("15 bis 17 Jahre", "aged 15-17"),
    "einwohner_18_64": ("18 bis 64 Jahre", "aged 18-64"),
    "einwohner_65_plus": ("65 Jahre und älter", "aged 65+"),
    "deutsche": ("Deutsche", "Germans"),
    "auslaender": ("Ausländer/-innen", "foreign nationals"),
    "auslaender_eu": ("Ausländer/-innen aus der EU", "EU nationals"),
    "auslaender_tuerkei": ("türkische Staatsangehörige", "Turkish nationals"),
    "auslaender_asyl": ("aus Asylherkunftsländern", "nationals of main asylum countries"),
    "auslaender_sonstige": ("sonstige Ausländer/-innen", "other foreign nationals"),
    "haushalte": ("Haushalte", "households"),
    "haushalte_mit_kindern": ("Haushalte mit Kindern", "households with children"),
    "haushalte_alleinerziehend": ("Alleinerziehenden-Haushalte", "single-parent households"),
    "arbeitslose_sgb2": ("Arbeitslose (SGB II)", "unemployed (SGB II)"),
    "sgb2_leistungsberechtigte": ("SGB-II-Leistungsberechtigte", "SGB II recipients"),
    "sgb2_unter15": ("SGB-II-Leistungsberechtigte unter 15", "SGB II recipients under 15"),
    "sgb12_grundsicherung_65_plus": (
        "Grundsicherung im Alter (65+)",
        "old-age basic income (65+)",
    ),
    "zuzuege": ("Zuzüge", "moves in"),
    "fortzuege": ("Fortzüge", "moves out"),
    "wohndauer_5_jahre_plus": ("Wohndauer 5 Jahre und mehr", "5+ years at address"),
}

_TEXT = {
    "de": {
        "skip": "Zum Inhalt springen",
        "chapters": "Kapitel",
        "made_with": "Erstellt mit",
        "created": "am",
        "spec": "Indexversion",
        "hash": "Prüfsumme",
    },
    "en": {
        "skip": "Skip to content",
        "chapters": "Chapters",
        "made_with": "Made with",
        "created": "on",
        "spec": "index version",
        "hash": "hash",
    },
}


@dataclass
class Page:
    """One HTML page of the report."""

    slug: str
    href: str
    title: str
    blocks: list = field(default_factory=list)
    lead: str = ""


class _Skip(Exception):
    """A chapter cannot be built (module missing, data missing); the message says why."""


class Sozialbericht:
    """A social report (*Sozialbericht*) built from a YAML configuration.

    Parameters
    ----------
    config : ReportConfig, dict, path or YAML text, optional
        See :func:`load_config`; default the shipped Musterstadt configuration.

    Attributes
    ----------
    config : ReportConfig
    pages : list of Page
        After :meth:`build`: the written pages.
    skipped : dict
        Chapter -> reason, for chapters that could not be built.
    tables : dict
        Name -> metadata of every published table (files, count columns).
    timings : dict
        Seconds per build step.

    Examples
    --------
    >>> from sozplan.report import Sozialbericht
    >>> Sozialbericht.musterstadt().config["data"]["level"]
    'planning_area'
    """

    def __init__(self, config: ReportConfig | Mapping | str | Path | None = None):
        self.config = config if isinstance(config, ReportConfig) else load_config(config)
        self.pages: list[Page] = []
        self.skipped: dict[str, str] = {}
        self.tables: dict[str, dict] = {}
        self.timings: dict[str, float] = {}

    @classmethod
    def musterstadt(cls) -> Sozialbericht:
        """Create the report of the bundled sample city Musterstadt."""
        return cls(None)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Sozialbericht:
        """Create a report from a YAML configuration file."""
        return cls(load_config(Path(path)))

    def __repr__(self) -> str:
        return f"Sozialbericht({self.config['title']!r}, chapters={self.config['chapters']})"

    # ------------------------------------------------------------------ build
    def build(
        self, out: str | Path = "bericht", *, progress: Callable[[str], None] | None = None
    ) -> Path:
        """Run the analyses and write the report to ``out``; return the path of ``index.html``.

        Parameters
        ----------
        out : str or Path, default "bericht"
            Target folder (created; files of an earlier build are replaced).
        progress : callable, optional
            Called with a German message at every step (the CLI prints them).

        Returns
        -------
        Path
            ``out/index.html``.
        """
        import matplotlib

        matplotlib.use("Agg", force=False)
        ctx = _Context(self.config, Path(out), progress or (lambda _m: None))
        ctx.prepare_folder()
        ctx.open_pool()
        try:
            return self._build(ctx)
        finally:
            ctx.close_pool()

    def _build(self, ctx: _Context) -> Path:
        self.pages, self.skipped, self.tables, self.timings = [], {}, {}, {}
        steps = [
            ("Daten laden", ctx.load_data),
            ("Kennzahlen berechnen", ctx.compute_indicators),
            ("Geheimhaltung prüfen", ctx.protect_counts),
        ]
        for msg, fn in steps:
            t0 = time.perf_counter()
            ctx.say(msg)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fn()
            ctx.note_warnings("data_method", caught)
            self.timings[msg] = time.perf_counter() - t0
        if "clusters" in self.config["chapters"]:
            ctx.attempt("clusters", ctx.start_clusters)
        analyses = {
            "index": ("Sozialindex und Status-Dynamik", ctx.analyse_index),
            "segregation": ("Segregation", ctx.analyse_segregation),
            "typology": ("Gebietstypen", ctx.analyse_typology),
            "validation": ("Datenprüfung", ctx.analyse_validation),
        }
        chapters = list(self.config["chapters"])
        for key, (msg, fn) in analyses.items():
            if key not in chapters and not (key == "index" and "profiles" in chapters):
                continue
            t0 = time.perf_counter()
            ctx.say(f"Analyse: {msg}")
            ctx.attempt(key, fn)
            self.timings[msg] = time.perf_counter() - t0

        def collect_clusters() -> None:
            # collected late: meanwhile the worker process ran the permutations
            if (
                "clusters" in chapters
                and "clusters" not in ctx.errors
                and not hasattr(ctx, "lisa")
            ):
                ctx.say("Analyse: Räumliche Cluster (LISA) abholen")
                t0 = time.perf_counter()
                ctx.attempt("clusters", ctx.analyse_clusters)
                self.timings["Räumliche Cluster (LISA)"] = time.perf_counter() - t0

        pages_fn = {
            "data_method": ctx.page_data_method,
            "indicators": ctx.page_indicators,
            "index": ctx.page_index,
            "clusters": ctx.page_clusters,
            "segregation": ctx.page_segregation,
            "typology": ctx.page_typology,
            "validation": ctx.page_validation,
        }
        for key in chapters:
            if key in ("overview", "profiles"):
                continue
            if key == "clusters":
                collect_clusters()
            t0 = time.perf_counter()
            ctx.say(f"Kapitel: {ctx.nav_title(key)}")
            ctx.add_page(key, pages_fn[key])
            self.timings[f"Kapitel {key}"] = time.perf_counter() - t0
        collect_clusters()
        if "profiles" in chapters:
            t0 = time.perf_counter()
            ctx.say(f"Steckbriefe ({len(ctx.gdf)} Gebiete)")
            ctx.add_page("profiles", ctx.page_profiles)
            self.timings["Steckbriefe"] = time.perf_counter() - t0
        ctx.say("Überblick und Tabellen schreiben")
        ctx.add_page("overview", ctx.page_overview)
        ctx.write_tables()
        ctx.say(f"Abbildungen fertigstellen ({ctx.n_figures})")
        t0 = time.perf_counter()
        ctx.resolve_figures()
        self.timings["Abbildungen (Warten auf die Prozesse)"] = time.perf_counter() - t0
        index = ctx.render()
        self.pages, self.skipped, self.tables = (
            ctx.pages_in_order(),
            dict(ctx.skipped),
            dict(ctx.tables),
        )
        ctx.say(
            f"fertig: {len(ctx.all_pages)} Seiten, {ctx.n_figures} Abbildungen, "
            f"{len(ctx.tables)} Tabellen"
        )
        return index


@dataclass
class _Plot:
    """A recorded call of a sozplan.plotting function."""

    func: Callable
    args: tuple
    kwargs: dict


def _figure_job(func: Callable, args: tuple, kwargs: dict, path: Path) -> str:
    """Draw one figure, save it as PNG and return its alt text (runs in a worker process)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    display = func(*args, **kwargs)
    display.savefig(path, dpi=96, bbox_inches="tight")
    plt.close(display.figure)
    return display.alt_text


def _cluster_job(sub: Any, permutations: int, seed: int, alpha: float, correction: str) -> tuple:
    """Global and local Moran's I of ``sub["wert"]`` (runs in a worker process)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graph = build_graph(sub, "queen", islands="nearest")
        rng = np.random.default_rng(seed)
        mi = moran(sub, "wert", graph=graph, permutations=permutations, rng=rng)
        lisa = local_moran(
            sub,
            "wert",
            graph=graph,
            permutations=permutations,
            rng=rng,
            alpha=alpha,
            correction=correction,
        )
    return mi, lisa, sorted({str(w.message).split(";")[0] for w in caught})


class _Context:
    """State of one build (data, results, files); chapter methods read and extend it."""

    def __init__(self, cfg: ReportConfig, out: Path, say: Callable[[str], None]):
        self.cfg = cfg
        self.lang = cfg["language"]
        self.out = out
        self.say = say
        self.results: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        self.skipped: dict[str, str] = {}
        self.tables: dict[str, dict] = {}
        self.frames: dict[str, tuple] = {}
        self.pages: dict[str, Page] = {}
        self.all_pages: list[Page] = []
        self.n_figures = 0
        self.messages: list[str] = []
        self.pending: list = []
        self.pool: Any = None
        self.chapter_warnings: dict[str, list[str]] = {}
        self.created = _dt.datetime.now().strftime("%d.%m.%Y" if self.lang == "de" else "%Y-%m-%d")
        self.src_note = cfg["data"]["source_note"] or "eigene Berechnungen"

    # ------------------------------------------------------------ helpers
    def L(self, de: str, en: str) -> str:
        return de if self.lang == "de" else en

    def nav_title(self, key: str) -> str:
        _href, de, en = _NAV[key]
        return self.L(de, en)

    def attempt(self, key: str, fn: Callable[[], None]) -> None:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fn()
            self.note_warnings(key, caught)
        except _Skip as exc:
            self.errors[key] = str(exc)
        except ImportError as exc:
            self.errors[key] = self.L(
                f"Das Modul fehlt ({exc}).", f"The module is missing ({exc})."
            )
        except Exception as exc:  # a failing analysis must not stop the report
            self.errors[key] = f"{type(exc).__name__}: {exc}"
            self.say(f"  übersprungen: {type(exc).__name__}: {exc}")
            if self.cfg.get("_debug"):
                traceback.print_exc()

    def note_warnings(self, key: str, caught: list) -> None:
        """Keep sozplan's data-quality and method warnings of a step for its chapter."""
        texts = [str(w.message) for w in caught if issubclass(w.category, SozplanWarning)]
        if texts:
            self.chapter_warnings.setdefault(key, [])
            for t in texts:
                if t not in self.chapter_warnings[key]:
                    self.chapter_warnings[key].append(t)

    def prepare_folder(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        for sub in ("abbildungen", "tabellen", "steckbriefe", "assets"):
            p = self.out / sub
            if p.exists():
                shutil.rmtree(p)
            p.mkdir()
        static = resources.files("sozplan.report") / "static"
        for name in ("bericht.css", "druck.css"):
            (self.out / "assets" / name).write_text(
                (static / name).read_text(encoding="utf-8"), encoding="utf-8"
            )

    def draw(self, func: Callable, *args: Any, **kwargs: Any) -> _Plot:
        """Record a plotting call; :meth:`figure` runs it (in a worker process if possible)."""
        return _Plot(func, args, kwargs)

    def figure(self, name: str, plot: _Plot, caption: str, *, root: str = "") -> H.Block:
        """Return a figure block; the drawing runs in the worker pool and is collected later."""
        path = self.out / "abbildungen" / f"{name}.png"
        future = None
        if self.pool is not None:
            try:
                future = self.pool.submit(_figure_job, plot.func, plot.args, plot.kwargs, path)
            except Exception:  # a broken pool: draw in this process when resolving
                future = None
        block = H.Block("", "figure", {"src": f"{root}abbildungen/{name}.png", "name": name})
        self.pending.append((block, future, plot, path, caption, root))
        self.n_figures += 1
        return block

    def resolve_figures(self) -> None:
        """Wait for every figure; redraw in this process what failed in a worker."""
        for block, future, plot, path, caption, _root in self.pending:
            alt = None
            if future is not None:
                try:
                    alt = future.result()
                except Exception:
                    alt = None
            if alt is None:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        alt = _figure_job(plot.func, plot.args, plot.kwargs, path)
                except Exception as exc:
                    note = H.note(
                        self.L(
                            f"Die Abbildung fehlt: {type(exc).__name__}: {exc}",
                            f"Figure missing: {type(exc).__name__}: {exc}",
                        ),
                        "skipped",
                    )
                    block.html, block.kind = note.html, "note"
                    continue
            done = H.figure(block.meta["src"], alt, caption)
            block.html = done.html
            block.meta["alt"] = alt
        self.pending = []

    def skipped_block(self, key: str) -> H.Block:
        return H.note(
            self.L(
                f"Dieses Kapitel wurde übersprungen: {self.errors[key]}",
                f"This chapter was skipped: {self.errors[key]}",
            ),
            "skipped",
            title=self.L("Hinweis:", "Note:"),
        )

    def label(self, key: str) -> str:
        spec = self.specs[key]
        return spec.label_de if self.lang == "de" else spec.label_en

    def count_label(self, column: str) -> str:
        de, en = _COUNT_LABELS.get(column, (column, column))
        return self.L(de, en)

    def unit(self, key: str) -> str:
        return self.specs[key].unit or ""

    def area_name(self, ident: Any) -> str:
        nc = self.cfg["data"]["name_column"]
        if nc and nc in self.gdf.columns:
            return f"{self.gdf.at[ident, nc]}"
        return str(ident)

    def profile_href(self, ident: Any, root: str = "") -> str:
        return f"{root}steckbriefe/{ident}.html"

    # --------------------------------------------------------------- data
    def load_data(self) -> None:
        import geopandas as gpd

        d = self.cfg["data"]
        level, year = d["level"], d["year"]
        self.year = year
        if d["source"] == "musterstadt":
            self.gdf = load_musterstadt(level, year=year)
            self.panel = load_musterstadt(level, year="all")
            self.districts = load_musterstadt("district") if level != "district" else self.gdf
            self.blocks_loader = lambda: load_musterstadt("block", year=year)
            self.source_label = self.L(
                "Musterstadt (synthetische Beispieldaten von sozplan)",
                "Musterstadt (synthetic sample data of sozplan)",
            )
        else:
            path = Path(d["source"])
            if not path.exists():
                raise self.cfg.error(
                    "data.source", f"die Datei {path} existiert nicht", "Pfad prüfen"
                )
            frame = gpd.read_file(path, layer=d["layer"]) if d["layer"] else gpd.read_file(path)
            idc = d["id_column"]
            if not idc or idc not in frame.columns:
                raise self.cfg.error(
                    "data.id_column",
                    f"Spalte {idc!r} fehlt in {path.name}",
                    f"eine der Spalten angeben: {', '.join(map(str, frame.columns[:12]))}",
                )
            frame[idc] = frame[idc].astype(str)
            yc = d["year_column"]
            if yc in frame.columns:
                self.panel = frame.set_index([idc, yc]).sort_index()
                if year not in self.panel.index.get_level_values(yc):
                    raise self.cfg.error(
                        "data.year",
                        f"das Jahr {year} fehlt in den Daten",
                        "ein vorhandenes Jahr wählen",
                    )
                self.gdf = self.panel.xs(year, level=yc)
            else:
                self.gdf = frame.set_index(idc)
                self.panel = None
            dc = d["district_column"]
            self.districts = (
                self.gdf.dissolve(by=dc).reset_index() if dc and dc in self.gdf.columns else None
            )
            if self.districts is not None:
                self.districts = self.districts.set_index(dc)
                self.districts[dc] = self.districts.index
            blocks = d["blocks"]
            self.blocks_loader = (lambda: gpd.read_file(blocks)) if blocks else None
            self.source_label = str(path.name)
        if self.districts is not None and "name" not in self.districts.columns:
            self.districts = self.districts.assign(name=self.districts.index.astype(str))
        pop = d["population"]
        if pop not in self.gdf.columns:
            raise self.cfg.error(
                "data.population", f"Spalte {pop!r} fehlt in den Daten", "Einwohnerspalte angeben"
            )
        if d["years"]:
            years = [int(y) for y in d["years"]]
            if self.panel is not None:
                have = set(self.panel.index.get_level_values(-1))
                miss = [y for y in years if y not in have]
                if miss:
                    raise self.cfg.error(
                        "data.years",
                        f"Jahre {miss} fehlen in den Daten",
                        f"vorhanden sind {sorted(have)}",
                    )
                self.panel = self.panel[self.panel.index.get_level_values(-1).isin(years)]
        self.years = (
            sorted(set(self.panel.index.get_level_values(-1)))
            if self.panel is not None
            else [year]
        )

    def compute_indicators(self) -> None:

        catalogue = load_catalog()
        keys = list(self.cfg["indicators"])
        for i, k in enumerate(keys):
            if k not in catalogue:
                raise self.cfg.error(
                    f"indicators[{i}]",
                    f"unbekannte Kennzahl {k!r}",
                    f"eine Kennzahl des Katalogs verwenden: {', '.join(catalogue)}",
                )
            missing = [c for c in catalogue[k].columns if c not in self.gdf.columns]
            if missing:
                raise self.cfg.error(
                    f"indicators[{i}]",
                    f"für {k!r} fehlen die Spalten {missing}",
                    "die Zählspalten ergänzen oder die Kennzahl streichen",
                )
        self.keys = keys
        self.specs = {k: catalogue[k] for k in keys}
        minpop = self.cfg["index"]["min_population"]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pop = self.cfg["data"]["population"]
            self.rates = rates(self.gdf, keys, min_population=minpop, population=pop)
            self.panel_rates = (
                rates(self.panel, keys, min_population=minpop, population=pop)
                if self.panel is not None
                else None
            )
            if self.districts is not None:
                dc = self.cfg["data"]["district_column"]
                dist = self.gdf.drop(columns="geometry").groupby(dc).sum(numeric_only=True)
                self.district_rates = rates(dist, keys, min_population=None)
            else:
                self.district_rates = None
            city = self.gdf.drop(columns="geometry").sum(numeric_only=True).to_frame().T
            city.index = pd.Index(["Stadt"])
            self.city_rates = rates(city, keys, min_population=None)
        self.messages += sorted({str(w.message).split(";")[0] for w in caught})
        self.values = self.rates.value.where(~self.rates.status.isin(_HIDE_STATUS))

    def protect_counts(self) -> None:
        """Suppress small counts in the one published count table; hide derived values."""
        dcfg = self.cfg["disclosure"]
        age = [
            c
            for c in (
                "einwohner_0_5",
                "einwohner_6_14",
                "einwohner_15_17",
                "einwohner_18_64",
                "einwohner_65_plus",
            )
            if c in self.gdf.columns
        ]
        pop = self.cfg["data"]["population"]
        cols = [pop, *age]
        for k in self.keys:
            cols += [c for c in self.specs[k].columns if c in self.gdf.columns]
        cols = [c for c in dict.fromkeys(cols) if pd.api.types.is_numeric_dtype(self.gdf[c])]
        counts = self.gdf[cols].astype("int64")
        dc = self.cfg["data"]["district_column"]
        frame = counts.join(self.gdf[[dc]]) if dc and dc in self.gdf.columns else counts
        additive = (
            {pop: age}
            if len(age) == 5 and (counts[age].sum(axis=1) == counts[pop]).all()
            else None
        )
        self.count_columns = cols
        if dcfg["publish_small_counts"]:
            self.suppression = None
            self.hidden = pd.DataFrame(False, index=counts.index, columns=cols)
            self.published_counts = counts
            self.audit = None
        else:
            res = suppress_small_counts(
                frame,
                dcfg["min_count"],
                dcfg["secondary"],
                columns=cols,
                by=dc if dc in frame.columns else None,
                additive=additive,
            )
            self.suppression = res
            self.hidden = res.mask
            self.published_counts = res.table[cols]
            self.audit = audit_suppression(res) if res.n_primary + res.n_secondary <= 400 else None
        # values derived from a hidden count are hidden too (value x base would reveal it)
        hid_vals = pd.DataFrame(False, index=self.values.index, columns=self.values.columns)
        for k in self.keys:
            used = [c for c in self.specs[k].columns if c in self.hidden.columns]
            if used:
                hid_vals[k] = self.hidden[used].any(axis=1)
        self.hidden_values = hid_vals
        self.public_values = self.values.where(~hid_vals)

    # ----------------------------------------------------------- analyses
    def analyse_index(self) -> None:

        icfg = self.cfg["index"]
        status = list(icfg["status"])
        dyn = list(icfg["dynamics"] or [])
        for part, keys in (("status", status), ("dynamics", dyn)):
            for i, k in enumerate(keys):
                if k not in self.keys:
                    raise self.cfg.error(
                        f"index.{part}[{i}]",
                        f"{k!r} steht nicht unter 'indicators'",
                        "die Kennzahl unter 'indicators' aufnehmen",
                    )
        pop = self.cfg["data"]["population"]
        opts = {
            "population": pop,
            "min_population": icfg["min_population"],
            "weighted": icfg["weighted"],
            "status_cuts": tuple(icfg["status_cuts"]),
            "dynamics_cuts": tuple(icfg["dynamics_cuts"]),
        }
        window = icfg["window"]
        self.monitoring = None
        if dyn and self.panel_rates is not None and len(self.years) > window:
            panel = self.panel_rates.value.join(self.panel[[pop]])
            years_dyn = [y for y in self.years if y - window in self.years]
            exclude = {}
            for y in years_dyn:
                now = panel.xs(y, level=-1)
                before = panel.xs(y - window, level=-1).reindex(now.index)
                bad = now[status + dyn].isna().any(axis=1) | before[dyn].isna().any(axis=1)
                bad &= now[pop] >= icfg["min_population"]
                exclude[y] = {
                    i: self.L("Kennzahl fehlt", "indicator missing") for i in now.index[bad]
                }
            self.monitoring = monitor(
                panel,
                status,
                dyn,
                year=panel.index.names[-1],
                years=years_dyn,
                window=window,
                exclude=exclude,
                **opts,
            )
            self.sd = self.monitoring.results[self.year]
        else:
            df = self.rates.value.join(self.gdf[[pop]])
            bad = df[status].isna().any(axis=1) & (df[pop] >= icfg["min_population"])
            self.sd = status_dynamics(
                df,
                status,
                None,
                exclude=dict.fromkeys(df.index[bad], "Kennzahl fehlt"),
                **{k: v for k, v in opts.items() if k != "dynamics_cuts"},
            )
        payload = {
            "index": {k: icfg[k] for k in sorted(icfg)},
            "indicators": {k: self.specs[k].to_dict() for k in sorted(set(status + dyn))},
        }
        canon = json.dumps(
            payload, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":")
        )
        self.spec_hash = hashlib.sha256(canon.encode("utf-8")).hexdigest()[:12]

    def start_clusters(self) -> None:
        """Start the cluster analysis in a worker process (beside the other analyses)."""
        c = self.cfg["clusters"]
        key = c["indicator"]
        if key not in self.keys:
            raise self.cfg.error(
                "clusters.indicator",
                f"{key!r} steht nicht unter 'indicators'",
                "eine der berechneten Kennzahlen wählen",
            )
        v = self.values[key].dropna()
        sub = self.gdf.loc[v.index, ["geometry"]].assign(wert=v)
        args = (sub, c["permutations"], c["seed"], c["alpha"], c["correction"])
        self._cluster_future = None
        if self.pool is not None:
            try:
                self._cluster_future = self.pool.submit(_cluster_job, *args)
                return
            except Exception:  # no working pool: run inline later
                self._cluster_future = None
        self._cluster_args = args

    def open_pool(self) -> None:
        """Worker processes for the LISA permutations and the figures (2 cores: 3 workers)."""
        self.pool = None
        if not self.cfg.get("_parallel", True) or (os.cpu_count() or 1) < 2:
            return
        import concurrent.futures as cf
        import multiprocessing as mp

        # "fork": workers inherit the loaded modules and do not re-run the caller's script
        # (as "spawn" would without a __main__ guard); they only compute and draw
        method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # fork with BLAS threads
                self.pool = cf.ProcessPoolExecutor(
                    max_workers=3, mp_context=mp.get_context(method)
                )
        except (OSError, RuntimeError, ValueError):
            self.pool = None

    def close_pool(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def analyse_clusters(self) -> None:
        if getattr(self, "_cluster_future", None) is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                self.moran, self.lisa, msgs = self._cluster_future.result()
        elif hasattr(self, "_cluster_args"):
            self.moran, self.lisa, msgs = _cluster_job(*self._cluster_args)
        else:
            raise _Skip(self.errors.get("clusters_start", "nicht gestartet"))
        self.messages += msgs
        c = self.cfg["clusters"]
        n = len(self.lisa)
        if c["correction"] == "fdr" and (c["permutations"] + 1) * c["alpha"] < n:
            self.messages.append(
                self.L(
                    f"Mit {c['permutations']} Permutationen ist das kleinste mögliche p = "
                    f"1/{c['permutations'] + 1}; bei "
                    f"{n} Tests und FDR-Korrektur reicht das kaum für Signifikanz. Empfehlung: "
                    "mindestens "
                    f"{int(np.ceil(n / c['alpha']))} Permutationen (clusters.permutations).",
                    f"{c['permutations']} permutations are too few for {n} FDR-corrected tests.",
                )
            )
        self.lisa_full = self.lisa.reindex(self.gdf.index)
        self.lisa_codes = self.lisa_full["cluster"].astype(object)

    def analyse_segregation(self) -> None:

        s = self.cfg["segregation"]
        if s["level"] == "block":
            if self.blocks_loader is None:
                raise _Skip(
                    self.L(
                        "Für die Segregation auf Blockebene fehlt 'data.blocks'.",
                        "Block-level segregation needs 'data.blocks'.",
                    )
                )
            df = self.blocks_loader()
        else:
            df = self.gdf
        groups = list(s["groups"])
        total = s["total"]
        missing = [g for g in [*groups, total] if g not in df.columns]
        if missing:
            raise self.cfg.error(
                "segregation.groups", f"Spalten {missing} fehlen in den Daten", "Gruppen prüfen"
            )
        rows = []
        for g in groups:
            row = {"gruppe": self.count_label(g)}
            for name, fn in (
                ("D", seg.dissimilarity),
                ("Gini", seg.gini),
                ("Isolation", seg.isolation),
                ("Entropie H", seg.entropy),
            ):
                row[name] = float(fn(df, g, total).statistic)
            row["D (Planungsräume)"] = float(seg.dissimilarity(self.gdf, g, total).statistic)
            row["Anteil %"] = 100 * df[g].sum() / df[total].sum()
            rows.append(row)
        self.seg_table = pd.DataFrame(rows).set_index("gruppe")
        others = [c for c in ("deutsche",) if c in df.columns]
        mg_groups = [*others, *groups]
        self.seg_multi = {
            "D_multi": float(seg.multigroup_dissimilarity(df, mg_groups).statistic),
            "H_multi": float(seg.information_theory(df, mg_groups).statistic),
        }
        self.seg_frame = df
        self.seg_groups = groups
        self.seg_total = total
        self.seg_unit = s["level"]
        lq = seg.location_quotients(self.gdf, [*others, *groups]) if others else None
        self.seg_lq = lq

    def analyse_typology(self) -> None:

        t = self.cfg["typology"]
        cols = list(t["indicators"] or self.keys)
        for i, k in enumerate(cols):
            if k not in self.keys:
                raise self.cfg.error(
                    f"typology.indicators[{i}]",
                    f"{k!r} steht nicht unter 'indicators'",
                    "die Kennzahl unter 'indicators' aufnehmen",
                )
        df = self.values[cols].dropna()
        labels = {k: self.label(k) for k in cols}
        self.typ = typology(
            df,
            cols,
            method=t["method"],
            n_clusters=t["k"],
            rng=t["seed"],
            n_bootstrap=20,
            labels=labels,
            language=self.lang,
        )
        self.typ_cols = cols

    def analyse_validation(self) -> None:

        if not self.cfg["validation"]["enabled"]:
            raise _Skip(
                self.L("In der Konfiguration abgeschaltet.", "Switched off in the configuration.")
            )
        data = self.panel if self.panel is not None else self.gdf
        data = pd.DataFrame(data.drop(columns="geometry", errors="ignore"))
        d = self.cfg["data"]
        rules: tuple = ()
        if d["source"] == "musterstadt":
            rules = musterstadt_rules()
            hierarchy = [c for c in LEVELS.values() if c in data.columns]
        else:
            hierarchy = [c for c in [d["district_column"]] if c and c in data.columns]
        self.validation = validate(
            data,
            self.keys,
            rules=rules,
            geometry=self.gdf.geometry,
            hierarchy=hierarchy or None,
            year=d["year_column"],
            population=d["population"],
            min_population=self.cfg["index"]["min_population"],
        )

    # -------------------------------------------------------------- tables
    def publish(
        self,
        name: str,
        df: pd.DataFrame,
        caption: str,
        *,
        count_columns: tuple = (),
        hidden: pd.DataFrame | None = None,
        root: str = "",
    ) -> list[tuple[str, str]]:
        """Register a table for CSV/Excel export; return the download links."""
        out = df.copy()
        if hidden is not None:
            for c in hidden.columns:
                if c in out.columns:
                    out[c] = (
                        out[c]
                        .astype(object)
                        .where(~hidden[c].reindex(out.index).fillna(False), None)
                    )
        if not self.cfg["disclosure"]["publish_small_counts"] and count_columns:
            check_disclosure(out, count_columns, self.cfg["disclosure"]["min_count"], name=name)
        self.frames[name] = (out, caption)
        self.tables[name] = {
            "caption": caption,
            "csv": f"tabellen/{name}.csv",
            "count_columns": list(count_columns),
            "rows": len(out),
        }
        return [
            ("CSV", f"{root}tabellen/{name}.csv"),
            ("Excel", f"{root}tabellen/sozialbericht_tabellen.xlsx"),
        ]

    def table_block(
        self,
        name: str,
        df: pd.DataFrame,
        export_caption: str,
        caption: str,
        *,
        count_columns: tuple = (),
        hidden: pd.DataFrame | None = None,
        **table_kw: Any,
    ) -> H.Block:
        """Publish a table (CSV and Excel, disclosure-checked) and return its HTML block."""
        links = self.publish(name, df, export_caption, count_columns=count_columns, hidden=hidden)
        return H.table(
            df,
            caption,
            language=self.lang,
            hidden=hidden,
            count_columns=count_columns,
            downloads=links,
            **table_kw,
        )

    def write_tables(self) -> None:
        folder = self.out / "tabellen"
        for name, (df, _cap) in self.frames.items():
            df.to_csv(
                folder / f"{name}.csv",
                sep=";",
                decimal="," if self.lang == "de" else ".",
                encoding="utf-8-sig",
                na_rep=".",
            )
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            self.messages.append(
                self.L(
                    "Excel-Export übersprungen: openpyxl ist nicht installiert.",
                    "Excel export skipped: openpyxl is not installed.",
                )
            )
        else:
            with pd.ExcelWriter(folder / "sozialbericht_tabellen.xlsx", engine="openpyxl") as xw:
                for name, (df, cap) in self.frames.items():
                    sheet = name[:31]
                    df.to_excel(xw, sheet_name=sheet, startrow=1)
                    xw.sheets[sheet].cell(row=1, column=1, value=cap)
        (folder / "tabellen.json").write_text(
            json.dumps(self.tables, ensure_ascii=False, indent=1), encoding="utf-8"
        )

    # --------------------------------------------------------------- pages
    def add_page(self, key: str, fn: Callable[[], Page]) -> None:
        href, de, en = _NAV[key]
        try:
            if key in self.errors:  # its analysis failed: the page says why
                raise _Skip(self.errors[key])
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                page = fn()
            self.note_warnings(key, caught)
            notes = self.chapter_warnings.get(key, [])
            if notes:
                page.blocks.append(
                    H.heading(2, self.L("Hinweise zu diesem Kapitel", "Notes on this chapter"))
                )
                page.blocks.append(H.bullets(notes[:12]))
        except Exception as exc:
            if key in ("overview",):
                raise
            reason = str(exc) if isinstance(exc, _Skip) else f"{type(exc).__name__}: {exc}"
            self.errors[key] = reason
            self.say(f"  Kapitel übersprungen: {reason}")
            if self.cfg.get("_debug"):
                traceback.print_exc()
            page = Page(key, href, self.L(de, en), [self.skipped_block(key)])
        if key in self.errors:
            self.skipped[key] = self.errors[key]
        self.pages[key] = page
        self.all_pages.append(page)

    def pages_in_order(self) -> list[Page]:
        return [self.pages[k] for k in self.cfg["chapters"] if k in self.pages]

    def render(self) -> Path:
        import jinja2

        env = jinja2.Environment(
            loader=jinja2.PackageLoader("sozplan.report", "templates"),
            autoescape=jinja2.select_autoescape(["html", "j2"]),
        )
        tpl = env.get_template("page.html.j2")
        nav = [
            {"slug": k, "href": _NAV[k][0], "title": self.nav_title(k)}
            for k in self.cfg["chapters"]
            if k in self.pages
        ]
        footer = self.L(
            f"{self.cfg['title']} · Datenquelle: {self.source_label} · Kleine Fallzahlen sind "
            "geheim gehalten (Zeichen „.“).",
            f"{self.cfg['title']} · Data: {self.source_label} · Small counts are suppressed "
            "(sign '.').",
        )
        common = {
            "lang": self.lang,
            "version": __version__,
            "report_title": self.cfg["title"],
            "nav": nav,
            "t": _TEXT[self.lang],
            "footer": footer,
            "created": self.created,
            "spec_version": str(self.cfg["index"]["version"]),
            "spec_hash": getattr(self, "spec_hash", "–"),
        }

        def write(page: Page, path: Path, root: str) -> None:
            from markupsafe import Markup

            blocks = [H.Block(Markup(b.html), b.kind, b.meta) for b in page.blocks]
            view = Page(page.slug, page.href, page.title, blocks, page.lead)
            path.write_text(tpl.render(page=view, root=root, **common), encoding="utf-8")

        for page in self.all_pages:
            root = "../" if "/" in page.href else ""
            write(page, self.out / page.href, root)
        for page in getattr(self, "profile_pages", []):
            write(page, self.out / page.href, "../")
        return self.out / "index.html"

    # ------------------------------------------------------------ chapters
    def page_overview(self) -> Page:

        L = self.L
        pop = self.cfg["data"]["population"]
        b: list[H.Block] = []
        total_pop = int(self.gdf[pop].sum())
        kf = [
            (fmt(total_pop, 0, self.lang), L("Einwohnerinnen und Einwohner", "residents")),
            (
                str(len(self.gdf)),
                L("Planungsräume", "planning areas")
                if self.cfg["data"]["level"] == "planning_area"
                else L("Gebiete", "areas"),
            ),
        ]
        if self.districts is not None:
            kf.append((str(len(self.districts)), L("Bezirke", "districts")))
        first = self.keys[0]
        overall = self.city_rates.value.iloc[0][first]
        kf.append(
            (
                f"{fmt(overall, 1, self.lang)} {self.unit(first)}",
                f"{self.label(first)} ({self.year})",
            )
        )
        b.append(H.keyfigures(kf))
        b.append(
            H.para(
                L(
                    f"Dieser Bericht beschreibt die soziale Lage in {len(self.gdf)} Gebieten für "
                    f"das Jahr {self.year}: "
                    f"{len(self.keys)} Kennzahlen mit Karten und Tabellen, einen Sozialindex mit "
                    "Status und Dynamik, "
                    "räumliche Häufungen, Segregation, Gebietstypen, die Prüfung der Daten und "
                    "einen Steckbrief für "
                    "jedes Gebiet. Alle Zahlen sind aus Zählungen berechnet; Anteile werden nie "
                    "gemittelt.",
                    f"This report describes the social situation of {len(self.gdf)} areas in "
                    f"{self.year}.",
                )
            )
        )
        b.append(H.heading(2, L("Auf einen Blick", "At a glance")))
        items = []
        if hasattr(self, "sd") and "index" not in self.errors:
            sd = self.sd
            counts = sd.status_class.value_counts(sort=False)
            items.append(
                L("Status-Index: ", "Status index: ")
                + ", ".join(f"{k} {v}" for k, v in counts.items())
                + L(" Gebiete.", " areas.")
            )
            if sd.dynamics_class is not None:
                worst = sd.status_class.index[
                    (sd.status_class.astype(object) == sd.settings["status_labels"][-1])
                    & (sd.dynamics_class.astype(object) == sd.settings["dynamics_labels"][-1])
                ]
                if len(worst):
                    items.append(
                        L(
                            "Besonderer Handlungsbedarf (Status sehr niedrig, Dynamik negativ): ",
                            "Highest priority (status very low, dynamics negative): ",
                        )
                        + ", ".join(
                            f'<a href="{self.profile_href(i)}">{H.esc(self.area_name(i))}</a>'
                            for i in worst[:12]
                        )
                    )
        if hasattr(self, "lisa_codes") and "clusters" not in self.errors:
            hh = self.lisa_codes.index[self.lisa_codes == "HH"]
            items.append(
                L(
                    f"{len(hh)} Gebiete bilden Hot Spots der Kennzahl "
                    f"{self.label(self.cfg['clusters']['indicator'])} (hoch-hoch, "
                    "FDR-korrigiert).",
                    f"{len(hh)} areas form hot spots.",
                )
            )
        if hasattr(self, "seg_table") and "segregation" not in self.errors:
            top = self.seg_table["D"].idxmax()
            items.append(
                L(
                    f"Am stärksten segregiert: {top} (Dissimilaritätsindex D = "
                    f"{fmt(self.seg_table.at[top, 'D'], 2, self.lang)}).",
                    f"Most segregated: {top} (D = {self.seg_table.at[top, 'D']:.2f}).",
                )
            )
        if items:
            b.append(H.bullets(items, raw=True))
        if "index" in self.pages and getattr(self, "sd_figure", None) is not None:
            b.append(self.sd_figure)
        b.append(H.heading(2, L("Inhalt", "Contents")))
        desc = {
            "data_method": L(
                "Datenquelle, Kennzahlen, Index, Verfahren und Geheimhaltung", "data, methods"
            ),
            "indicators": L("Karten und Tabellen der Kennzahlen", "maps and tables"),
            "index": L("Status, Dynamik und Übergänge zwischen den Jahren", "status and dynamics"),
            "clusters": L("Hot Spots und Cold Spots (LISA)", "hot and cold spots"),
            "segregation": L(
                "Ungleiche Verteilung von Bevölkerungsgruppen", "segregation indices"
            ),
            "typology": L("Gebiete mit ähnlichem Profil", "area types"),
            "validation": L("Vollständigkeit, Plausibilität, kleine Fallzahlen", "data checks"),
            "profiles": L("Ein Steckbrief je Gebiet", "one profile per area"),
        }
        lis = []
        for k in self.cfg["chapters"]:
            if k == "overview":
                continue
            state = L(" – übersprungen", " – skipped") if k in self.errors else ""
            lis.append(
                f'<a href="{_NAV[k][0]}">{H.esc(self.nav_title(k))}</a>: '
                f"{H.esc(desc.get(k, ''))}{state}"
            )
        b.append(H.bullets(lis, raw=True))
        skipped = {k: v for k, v in self.errors.items() if k in self.cfg["chapters"]}
        if skipped:
            b.append(
                H.note(
                    "; ".join(f"{self.nav_title(k)}: {v}" for k, v in skipped.items()),
                    "skipped",
                    title=L("Übersprungene Kapitel:", "Skipped chapters:"),
                )
            )
        return Page("overview", "index.html", self.cfg["title"], b, lead=self.cfg["subtitle"])

    def page_data_method(self) -> Page:

        L = self.L
        d = self.cfg["data"]
        b = [H.heading(2, L("Daten", "Data"))]
        b.append(
            H.para(
                L(
                    f"Datenquelle: {self.source_label}. Ebene: {len(self.gdf)} Gebiete "
                    f"({d['level']}), Berichtsjahr "
                    f"{self.year}, Zeitreihe {self.years[0]}–{self.years[-1]}. Stichtag jeweils "
                    "31.12.",
                    f"Source: {self.source_label}; {len(self.gdf)} areas; year {self.year}.",
                )
            )
        )
        rows = []
        for k in self.keys:
            s = self.specs[k]
            rows.append(
                {
                    L("Kennzahl", "Indicator"): self.label(k),
                    L("Einheit", "Unit"): s.unit,
                    L("Zähler", "Numerator"): " + ".join(s.numerator),
                    L("Nenner", "Denominator"): " ".join(s.denominator).replace(" -", " − "),
                    L("Definition", "Definition"): s.definition,
                }
            )
        tab = pd.DataFrame(rows, index=pd.Index(self.keys, name=L("Schlüssel", "key")))
        b.append(
            self.table_block(
                "kennzahlen_definitionen",
                tab,
                L("Definitionen der Kennzahlen", "Definitions"),
                L("Tabelle: Kennzahlen und ihre Definitionen", "Table: indicators"),
            )
        )
        b.append(H.heading(2, L("Sozialindex", "Social index")))
        ic = self.cfg["index"]
        b.append(
            H.para(
                L(
                    f"Index „{ic['name']}“, Version {ic['version']}, Prüfsumme der Spezifikation "
                    f"{getattr(self, 'spec_hash', '–')} (SHA-256 der Indexeinstellungen und "
                    "Kennzahldefinitionen, erste 12 "
                    "Zeichen; gleiche Prüfsumme heißt gleiche Methode). Verfahren wie im "
                    "Monitoring Soziale "
                    "Stadtentwicklung Berlin: Statusindikatoren "
                    f"({', '.join(self.label(k) for k in ic['status'])}) werden über die "
                    "bewerteten Gebiete z-standardisiert, "
                    "summiert und erneut standardisiert; Klassen an den Grenzen "
                    f"{', '.join(fmt(c, 1, self.lang) for c in ic['status_cuts'])} (hoch, "
                    "mittel, niedrig, sehr niedrig). "
                    f"Die Dynamik nutzt die Veränderung derselben Kennzahlen über {ic['window']} "
                    "Jahre in Prozentpunkten "
                    f"(Grenzen {', '.join(fmt(c, 1, self.lang) for c in ic['dynamics_cuts'])}). "
                    "Gebiete mit weniger als "
                    f"{fmt(ic['min_population'], 0, self.lang)} Einwohnern werden nicht bewertet.",
                    f"Index '{ic['name']}', version {ic['version']}, hash "
                    f"{getattr(self, 'spec_hash', '–')}.",
                )
            )
        )
        b.append(H.heading(2, L("Karten", "Maps")))
        m = self.cfg["maps"]
        b.append(
            H.para(
                L(
                    f"Kennzahlkarten: {m['k']} Klassen ({m['scheme']}, berechnet mit "
                    "mapclassify); je Klasse steht die Zahl "
                    "der Gebiete in der Legende. Schraffierte Gebiete haben keinen Wert (zu "
                    "wenige Einwohner, fehlende Daten "
                    "oder geheim gehaltene Fallzahlen). Farben aus "
                    "farbfehlsichtigkeitstauglichen ColorBrewer-Paletten.",
                    "Maps: classes by mapclassify; hatched areas have no value.",
                )
            )
        )
        b.append(H.heading(2, L("Räumliche Cluster", "Spatial clusters")))
        c = self.cfg["clusters"]
        b.append(
            H.para(
                L(
                    "Globales und lokales Moran's I (Anselin 1995, "
                    "doi:10.1111/j.1538-4632.1995.tb00338.x) mit Queen-"
                    f"Nachbarschaft, {c['permutations']} bedingten Permutationen (Startwert "
                    f"{c['seed']}), Signifikanzniveau "
                    f"{fmt(c['alpha'], 2, self.lang)} nach Korrektur für multiples Testen "
                    f"({c['correction']}, "
                    "Benjamini & Hochberg 1995). Inseln ohne Nachbarn werden mit dem nächsten "
                    "Gebiet verbunden.",
                    "Global and local Moran's I with permutation inference.",
                )
            )
        )
        b.append(H.heading(2, L("Geheimhaltung", "Disclosure control")))
        dcfg = self.cfg["disclosure"]
        if self.suppression is None:
            b.append(
                H.note(
                    L(
                        "Die Konfiguration erlaubt die Veröffentlichung kleiner Fallzahlen "
                        "(disclosure.publish_small_counts: "
                        "true). Dieser Bericht ist nicht zur Veröffentlichung bestimmt.",
                        "Small counts are published (configuration); not for publication.",
                    ),
                    "warning",
                )
            )
        else:
            res = self.suppression
            audit_txt = ""
            if self.audit is not None and len(self.audit):
                w = self.audit["width"].min()
                audit_txt = L(
                    f" Prüfung durch lineare Optimierung: keine der {len(self.audit)} gesperrten "
                    "Zellen lässt sich aus "
                    "den veröffentlichten Summen genau berechnen (kleinster Spielraum "
                    f"{fmt(w, 0, self.lang)})."
                    if not self.audit["disclosed"].any()
                    else f" Achtung: {int(self.audit['disclosed'].sum())} gesperrte Zellen sind "
                    "aus Summen berechenbar.",
                    f" LP audit: {int(self.audit['disclosed'].sum())} hidden cells recoverable.",
                )
            b.append(
                H.para(
                    L(
                        f"Fallzahlen von 1 bis {dcfg['min_count'] - 1} werden nicht "
                        "veröffentlicht (primäre Sperrung, "
                        f"{res.n_primary} Zellen). Damit sie nicht aus Zeilen-, Bezirks- oder "
                        "Stadtsummen zurückgerechnet "
                        f"werden können, sind weitere {res.n_secondary} Zellen gesperrt "
                        "(sekundäre Sperrung: in jeder Summe "
                        "mindestens zwei gesperrte Zellen mit zusammen mindestens "
                        f"{dcfg['min_count']} Fällen). Gesperrte "
                        "Zellen tragen das Zeichen „.“ (DIN 55301, „geheim“). Anteile, die aus "
                        "gesperrten Zahlen berechnet "
                        "würden, sind ebenfalls gesperrt, auch in den Karten." + audit_txt,
                        f"Counts from 1 to {dcfg['min_count'] - 1} are suppressed "
                        f"({res.n_primary} primary, "
                        f"{res.n_secondary} secondary cells)." + audit_txt,
                    )
                )
            )
        if self.messages:
            b.append(H.heading(2, L("Hinweise zur Datenqualität", "Data-quality notes")))
            b.append(H.bullets(self.messages[:15]))
        return Page("data_method", _NAV["data_method"][0], self.nav_title("data_method"), b)

    def page_indicators(self) -> Page:

        L = self.L
        b: list[H.Block] = []
        m = self.cfg["maps"]
        dcol = self.cfg["data"]["district_column"]
        outl = self.districts
        gdf = self.gdf.join(self.public_values.add_suffix("_wert"))
        b.append(
            H.para(
                L(
                    "Jede Karte zeigt eine Kennzahl je Gebiet in Klassen mit etwa gleich vielen "
                    "Gebieten. Die Tabelle am "
                    "Ende enthält alle Werte; die Zählungen stehen in der Tabelle „Bevölkerung "
                    "und Fallzahlen“.",
                    "Each map shows one indicator by area.",
                )
            )
        )
        toc = [f'<a href="#k-{k}">{H.esc(self.label(k))}</a>' for k in self.keys]
        b.append(H.bullets(toc, raw=True))
        for k in self.keys:
            col = f"{k}_wert"
            b.append(H.heading(2, self.label(k), anchor=f"k-{k}"))
            spec = self.specs[k]
            b.append(H.para(spec.definition))
            cmap = "YlOrRd" if spec.direction == 1 else "YlGnBu"
            disp = self.draw(
                choropleth,
                gdf,
                col,
                scheme=m["scheme"],
                n_classes=m["k"],
                label=self.label(k),
                unit=spec.unit,
                cmap=cmap,
                outlines=outl,
                outline_labels="name" if outl is not None else None,
                source=self.src_note,
                title=f"{self.label(k)} {self.year}",
                language=self.lang,
            )
            b.append(
                self.figure(
                    f"karte_{k}",
                    disp,
                    L(
                        f"{self.label(k)} ({spec.unit}) je Gebiet {self.year}. Stadtwert: "
                        f"{H.esc(self._fmt(self.city_rates.value.iloc[0][k]))} {spec.unit}.",
                        f"{self.label(k)} by area, {self.year}.",
                    ),
                )
            )
            v = self.public_values[k].dropna().sort_values(ascending=False)
            top = pd.DataFrame(
                {
                    L("Gebiet", "Area"): [self.area_name(i) for i in v.index[:5]],
                    f"{self.label(k)} ({spec.unit})": v.iloc[:5].to_numpy(),
                },
                index=pd.Index(v.index[:5], name="ID"),
            )
            b.append(
                H.table(
                    top,
                    L(
                        f"Die fünf Gebiete mit den höchsten Werten: {self.label(k)}",
                        f"Top five areas: {self.label(k)}",
                    ),
                    language=self.lang,
                    links={i: self.profile_href(i) for i in top.index},
                )
            )
        if self.panel_rates is not None and len(self.years) >= 2:
            k = self.keys[0]
            show_years = sorted({self.years[0], self.years[len(self.years) // 2], self.years[-1]})
            pv = self.panel_rates.value[k].where(~self.panel_rates.status[k].isin(_HIDE_STATUS))
            geo = self.gdf[["geometry"]]
            wide = geo.assign(
                **{str(y): pv.xs(y, level=-1).reindex(geo.index).to_numpy() for y in show_years}
            )
            disp = self.draw(
                small_multiples,
                wide,
                {str(y): str(y) for y in show_years},
                n_classes=m["k"],
                label=self.label(k),
                unit=self.unit(k),
                outlines=outl,
                source=self.src_note,
                language=self.lang,
            )
            b.append(H.heading(2, L(f"Entwicklung: {self.label(k)}", f"Change: {self.label(k)}")))
            b.append(
                self.figure(
                    f"zeitreihe_{k}",
                    disp,
                    L(
                        f"{self.label(k)} in den Jahren {', '.join(map(str, show_years))} mit "
                        "gleichen Klassengrenzen.",
                        "Same classes in every year.",
                    ),
                )
            )
        b.append(H.heading(2, L("Tabelle aller Kennzahlen", "Table of all indicators")))
        tab = pd.DataFrame(
            {L("Gebiet", "Area"): [self.area_name(i) for i in self.gdf.index]},
            index=self.gdf.index,
        )
        if dcol in self.gdf.columns:
            tab[L("Bezirk", "District")] = self.gdf[dcol].astype(str)
        for k in self.keys:
            tab[f"{self.label(k)} ({self.unit(k)})"] = self.values[k]
        hidden = pd.DataFrame(
            {f"{self.label(k)} ({self.unit(k)})": self.hidden_values[k] for k in self.keys}
        )
        tab.index.name = "ID"
        b.append(
            self.table_block(
                "kennzahlen",
                tab,
                L(f"Kennzahlen je Gebiet {self.year}", "Indicators by area"),
                L(
                    f"Tabelle: Kennzahlen je Gebiet {self.year} („–“: zu wenige Einwohner oder "
                    "kein "
                    "Wert; „.“: geheim)",
                    "Table: indicators by area",
                ),
                hidden=hidden,
                links={i: self.profile_href(i) for i in tab.index},
            )
        )
        b.append(H.heading(2, L("Bevölkerung und Fallzahlen", "Population and counts")))
        counts = self.published_counts.copy()
        counts.index.name = "ID"
        counts.columns = [self.count_label(c) for c in counts.columns]
        hidden_named = self.hidden.copy()
        hidden_named.columns = counts.columns
        b.append(
            self.table_block(
                "fallzahlen",
                counts,
                L(f"Bevölkerung und Fallzahlen je Gebiet {self.year}", "Counts by area"),
                L(
                    f"Tabelle: Bevölkerung und Fallzahlen je Gebiet {self.year} („.“: geheim)",
                    "Table: counts by area ('.': suppressed)",
                ),
                count_columns=tuple(counts.columns),
                hidden=hidden_named,
                decimals=0,
                links={i: self.profile_href(i) for i in counts.index},
            )
        )
        return Page("indicators", _NAV["indicators"][0], self.nav_title("indicators"), b)

    def _pfmt(self, p: float) -> str:
        """Format a p-value: "< 0,001" below 0.001, else "= 0,012"."""
        return "< " + self._fmt(0.001, 3) if p < 0.001 else "= " + self._fmt(p, 3)

    def _fmt(self, x: float, d: int = 1) -> str:

        return format_number(x, d, self.lang)

    def page_index(self) -> Page:

        L = self.L
        sd = self.sd
        b: list[H.Block] = []
        b.append(
            H.para(
                L(
                    "Der Status-Index fasst die soziale Lage zusammen (hoch = günstig, sehr "
                    "niedrig = ungünstig); der "
                    "Dynamik-Index ihre Veränderung. Beide zusammen ergeben die "
                    "Status-Dynamik-Matrix mit 4 × 3 Feldern.",
                    "Status index and dynamics index form a 4 x 3 matrix.",
                )
            )
        )
        self.sd_figure = None
        if sd.dynamics_class is not None:
            disp = self.draw(
                status_dynamics_map,
                self.gdf,
                sd,
                outlines=self.districts,
                outline_labels="name" if self.districts is not None else None,
                source=self.src_note,
                title=L(f"Status und Dynamik {self.year}", f"Status and dynamics {self.year}"),
                language=self.lang,
            )
            fig = self.figure(
                "status_dynamik",
                disp,
                L(
                    "Status-Dynamik-Matrix je Gebiet. Farbe: Status; Helligkeit und Muster: "
                    "Dynamik (Punkte positiv, "
                    "Schraffur negativ). Die Legende zeigt die Zahl der Gebiete je Feld.",
                    "Status/dynamics matrix by area.",
                ),
            )
            self.sd_figure = fig
            b.append(H.heading(2, L("Status-Dynamik-Matrix", "Status/dynamics matrix")))
            b.append(fig)
            mat = sd.matrix()
            mat.index = mat.index.astype(str)
            mat.columns = [str(c) for c in mat.columns]
            mat.index.name = L("Status", "Status")
            b.append(
                self.table_block(
                    "status_dynamik_matrix",
                    mat,
                    L("Gebiete je Feld der Matrix", "Areas per cell"),
                    L(
                        "Tabelle: Zahl der Gebiete je Status- und Dynamikklasse",
                        "Table: areas per status and dynamics class",
                    ),
                    decimals=0,
                )
            )
        b.append(H.heading(2, L("Status-Index", "Status index")))
        g = self.gdf.assign(status_index=sd.status_index)
        disp = self.draw(
            choropleth,
            g,
            "status_index",
            scheme="manual",
            cuts=list(self.cfg["index"]["status_cuts"]),
            diverging=True,
            label=L("Status-Index (z-Wert)", "status index (z)"),
            decimals=1,
            outlines=self.districts,
            source=self.src_note,
            language=self.lang,
            cmap="RdBu_r",
        )
        b.append(
            self.figure(
                "status_index",
                disp,
                L(
                    "Status-Index je Gebiet; Klassengrenzen wie die Statusklassen. Rot: "
                    "ungünstiger als der Durchschnitt.",
                    "Status index by area.",
                ),
            )
        )
        if self.monitoring is not None and len(self.monitoring.years) >= 2:
            y0, y1 = self.monitoring.years[0], self.monitoring.years[-1]
            tab = self.monitoring.transitions(y0, y1)
            disp = self.draw(
                transition_chart,
                tab,
                before=L(f"Statusklasse {y0}", f"status {y0}"),
                after=L(f"Statusklasse {y1}", f"status {y1}"),
                language=self.lang,
            )
            b.append(H.heading(2, L(f"Übergänge {y0}–{y1}", f"Transitions {y0}–{y1}")))
            b.append(
                self.figure(
                    "uebergaenge",
                    disp,
                    L(
                        f"Wie viele Gebiete zwischen {y0} und {y1} in eine andere Statusklasse "
                        "wechselten (umrandet: "
                        "gleiche Klasse).",
                        "Class transitions.",
                    ),
                )
            )
            tab2 = tab.copy()
            tab2.index = tab2.index.astype(str)
            tab2.columns = [str(c) for c in tab2.columns]
            self.publish(
                "uebergaenge_status",
                tab2,
                L(f"Statusklassen {y0} (Zeilen) und {y1} (Spalten)", "Transitions"),
            )
        res = sd.to_frame()
        keep = [
            c
            for c in (
                "status_index",
                "status_class",
                "dynamics_index",
                "dynamics_class",
                "matrix_code",
                "reason",
            )
            if c in res.columns
        ]
        tab = res[keep].copy()
        tab.insert(0, L("Gebiet", "Area"), [self.area_name(i) for i in tab.index])
        for c in ("status_class", "dynamics_class", "reason", "matrix_code"):
            if c in tab.columns:
                tab[c] = tab[c].astype(object).where(tab[c].notna(), "–").astype(str)
        tab = tab.rename(
            columns={
                "status_index": L("Status-Index", "status index"),
                "status_class": L("Statusklasse", "status class"),
                "dynamics_index": L("Dynamik-Index", "dynamics index"),
                "dynamics_class": L("Dynamikklasse", "dynamics class"),
                "matrix_code": L("Matrix", "matrix"),
                "reason": L("nicht bewertet, weil", "not rated because"),
            }
        )
        tab.index.name = "ID"
        tab = tab.sort_values(
            L("Status-Index", "status index"), ascending=False, na_position="last"
        )
        b.append(H.heading(2, L("Tabelle", "Table")))
        b.append(
            self.table_block(
                "sozialindex",
                tab,
                L(f"Sozialindex je Gebiet {self.year}", "Social index"),
                L(
                    f"Tabelle: Status- und Dynamik-Index je Gebiet {self.year}, nach Status-Index "
                    "absteigend",
                    "Table: index by area",
                ),
                decimals=2,
                links={i: self.profile_href(i) for i in tab.index},
            )
        )
        return Page("index", _NAV["index"][0], self.nav_title("index"), b)

    def page_clusters(self) -> Page:

        L = self.L
        key = self.cfg["clusters"]["indicator"]
        b: list[H.Block] = [
            H.para(
                L(
                    "Gibt es Häufungen hoher oder niedriger Werte der Kennzahl "
                    f"{self.label(key)}? Moran's I misst, wie "
                    "sehr benachbarte Gebiete einander ähneln (0: keine Ähnlichkeit); die lokale "
                    "Variante zeigt, wo.",
                    f"Clusters of {self.label(key)}.",
                )
            )
        ]
        mi = self.moran
        disp = self.draw(moran_scatter, mi, label=self.label(key), language=self.lang)
        b.append(H.heading(2, L("Globale Autokorrelation", "Global autocorrelation")))
        b.append(
            H.para(
                L(
                    f"Moran's I = {self._fmt(mi.statistic, 3)}, Pseudo-p "
                    f"{self._pfmt(mi.p_value)} "
                    f"({self.cfg['clusters']['permutations']} Permutationen).",
                    f"Moran's I = {mi.statistic:.3f}, p = {mi.p_value:.3f}.",
                )
            )
        )
        b.append(
            self.figure(
                "moran_streudiagramm",
                disp,
                L(
                    "Moran-Streudiagramm: Wert eines Gebiets (z-Wert) "
                    "gegen den Mittelwert seiner Nachbarn.",
                    "Moran scatter plot.",
                ),
            )
        )
        b.append(H.heading(2, L("Lokale Cluster", "Local clusters")))
        g = self.gdf
        disp = self.draw(
            lisa_map,
            g,
            pd.DataFrame({"cluster": self.lisa_codes}).assign(**{}),
            label=self.label(key),
            outlines=self.districts,
            outline_labels="name" if self.districts is not None else None,
            source=self.src_note,
            language=self.lang,
        )
        b.append(
            self.figure(
                "lisa",
                disp,
                L(
                    "Lokale Cluster (LISA). Hot Spot: hoher Wert, umgeben von hohen Werten; Cold "
                    "Spot: niedrig bei "
                    "niedrigen Nachbarn; Ausreißer gepunktet. Schraffiert: ohne Wert.",
                    "LISA cluster map.",
                ),
            )
        )
        lab = self.lisa_full
        sig = lab[lab["cluster"].isin(["HH", "LL", "HL", "LH"])]
        tab = pd.DataFrame(
            {
                L("Gebiet", "Area"): [self.area_name(i) for i in sig.index],
                L("Cluster", "Cluster"): sig["cluster_de" if self.lang == "de" else "cluster_en"]
                .astype(str)
                .to_numpy(),
                "I": sig["statistic"].to_numpy(),
                L("q-Wert", "q-value"): sig["q_value"].to_numpy(),
            },
            index=pd.Index(sig.index, name="ID"),
        ).sort_values(L("Cluster", "Cluster"))
        b.append(
            self.table_block(
                "lisa_cluster",
                tab,
                L("Signifikante lokale Cluster", "Significant local clusters"),
                L("Tabelle: Gebiete in signifikanten Clustern", "Table: significant clusters"),
                decimals={"I": 2, L("q-Wert", "q-value"): 3},
                links={i: self.profile_href(i) for i in tab.index},
            )
        )
        return Page("clusters", _NAV["clusters"][0], self.nav_title("clusters"), b)

    def page_segregation(self) -> Page:

        L = self.L
        unit_word = {
            "block": L("Baublöcke", "blocks"),
            "planning_area": L("Planungsräume", "planning areas"),
        }.get(self.seg_unit, self.seg_unit)
        b: list[H.Block] = [
            H.para(
                L(
                    "Wie ungleich wohnen Bevölkerungsgruppen über die Stadt verteilt? Berechnet "
                    f"auf Ebene der {unit_word}. "
                    "Der Dissimilaritätsindex D (Duncan & Duncan 1955, doi:10.2307/2088328) ist "
                    "der Anteil einer Gruppe, "
                    "der umziehen müsste, damit sie überall gleich stark vertreten wäre. Auf "
                    "gröberen Ebenen fällt D "
                    "kleiner aus (MAUP); darum steht der Wert für Planungsräume daneben.",
                    "How unevenly are groups distributed? D is the share that would have to move.",
                )
            )
        ]
        tab = self.seg_table.copy()
        tab.index.name = L("Gruppe", "Group")
        b.append(
            self.table_block(
                "segregation",
                tab,
                L("Segregationsindizes", "Segregation indices"),
                L(
                    "Tabelle: Segregation je Gruppe gegenüber der übrigen Bevölkerung "
                    f"({unit_word})",
                    "Table: segregation indices",
                ),
                decimals=dict.fromkeys(tab.columns, 3) | {"Anteil %": 1},
            )
        )
        b.append(
            H.para(
                L(
                    "Alle Gruppen zugleich: mehrgruppen-Dissimilarität "
                    f"{self._fmt(self.seg_multi['D_multi'], 3)}, "
                    f"Theils Informationsindex H {self._fmt(self.seg_multi['H_multi'], 3)}.",
                    f"Multigroup D {self.seg_multi['D_multi']:.3f}, H "
                    f"{self.seg_multi['H_multi']:.3f}.",
                )
            )
        )
        disp = self.draw(
            segregation_curve,
            self.seg_frame,
            self.seg_groups[:4],
            self.seg_total,
            language=self.lang,
            labels={g: self.count_label(g) for g in self.seg_groups},
        )
        b.append(H.heading(2, L("Segregationskurven", "Segregation curves")))
        b.append(
            self.figure(
                "segregationskurve",
                disp,
                L(
                    "Segregationskurven: je weiter unter der Diagonale, desto ungleicher "
                    "verteilt.",
                    "Segregation curves.",
                ),
            )
        )
        if self.seg_lq is not None:
            top_col = self.seg_groups[int(np.argmax(self.seg_table["D"].to_numpy()))]
            top = self.count_label(top_col)
            lq = self.seg_lq[top_col] if top_col in self.seg_lq.columns else None
            if lq is not None:
                g = self.gdf.assign(
                    lq=lq.where(self.gdf[self.seg_total] >= self.cfg["index"]["min_population"])
                )
                disp = self.draw(
                    choropleth,
                    g,
                    "lq",
                    scheme="manual",
                    cuts=[0.5, 0.8, 1.25, 2.0],
                    diverging=True,
                    center=1.0,
                    label=L(f"Lokationsquotient {top}", f"location quotient {top}"),
                    decimals=2,
                    outlines=self.districts,
                    source=self.src_note,
                    language=self.lang,
                )
                b.append(H.heading(2, L(f"Wo lebt die Gruppe {top}?", f"Where does {top} live?")))
                b.append(
                    self.figure(
                        "lokationsquotient",
                        disp,
                        L(
                            "Lokationsquotient: Anteil im Gebiet geteilt durch den Anteil in der "
                            "Stadt (1 = wie in der "
                            "Stadt). Gebiete unter der Mindestgröße sind schraffiert.",
                            "Location quotient.",
                        ),
                    )
                )
        return Page("segregation", _NAV["segregation"][0], self.nav_title("segregation"), b)

    def page_typology(self) -> Page:

        L = self.L
        t = self.typ
        b: list[H.Block] = [
            H.para(
                L(
                    f"Gebiete mit ähnlichem Profil aus {len(self.typ_cols)} Kennzahlen, gebildet "
                    "mit einer Clusteranalyse "
                    f"({t.method}, {t.n_clusters} Typen) auf z-standardisierten Werten. Die Stabilität "
                    "gibt an, wie oft ein Typ beim "
                    "Ziehen von Stichproben wiedergefunden wird (Jaccard, Hennig 2007; ab 0,75 "
                    "stabil).",
                    f"Areas with similar profiles ({t.method}, {t.n_clusters} types).",
                )
            )
        ]
        labels = t.labels.reindex(self.gdf.index)
        names = {c: f"Typ {c}" for c in pd.unique(t.labels.dropna())}
        desc = t.descriptions.to_dict() if hasattr(t, "descriptions") else {}
        g = self.gdf.assign(typ=labels)
        order = sorted(pd.unique(t.labels.dropna()), key=str)
        disp = self.draw(
            category_map,
            g,
            "typ",
            order=order,
            labels={c: f"{names[c]}" for c in order},
            label=L("Gebietstyp", "area type"),
            outlines=self.districts,
            source=self.src_note,
            language=self.lang,
        )
        b.append(
            self.figure(
                "typen_karte",
                disp,
                L("Gebietstypen; jeder Typ hat Farbe und Muster.", "Area types."),
            )
        )
        zp = t.z_profiles.copy()
        zp.index = [names.get(i, str(i)) for i in zp.index]
        sizes = t.labels.value_counts()
        disp = self.draw(
            profile_heatmap,
            zp,
            labels={k: self.label(k) for k in self.typ_cols if k in self.specs},
            counts={names[c]: int(sizes.get(c, 0)) for c in order},
            language=self.lang,
        )
        b.append(
            self.figure(
                "typen_profile",
                disp,
                L(
                    "Profile der Typen: mittlere z-Werte (0 = Stadtdurchschnitt; rot über, blau "
                    "unter dem Durchschnitt).",
                    "Type profiles.",
                ),
            )
        )
        rows = []
        stab = getattr(t, "stability", None)
        for c in order:
            row = {
                L("Typ", "Type"): names[c],
                L("Gebiete", "Areas"): int(sizes.get(c, 0)),
                L("Beschreibung", "Description"): str(desc.get(c, "")),
            }
            if stab is not None and c in stab.index:
                val = stab.loc[c]
                row[L("Stabilität", "Stability")] = float(
                    val.iloc[0] if hasattr(val, "iloc") else val
                )
            rows.append(row)
        tab = pd.DataFrame(rows).set_index(L("Typ", "Type"))
        b.append(
            self.table_block(
                "gebietstypen",
                tab,
                L("Gebietstypen", "Area types"),
                L("Tabelle: Gebietstypen mit Beschreibung und Stabilität", "Table: area types"),
                decimals=2,
            )
        )
        self.type_names = {i: names.get(v, "–") for i, v in labels.items() if pd.notna(v)}
        return Page("typology", _NAV["typology"][0], self.nav_title("typology"), b)

    def page_validation(self) -> Page:
        L = self.L
        v = self.validation
        b: list[H.Block] = [
            H.para(
                L(
                    "Bevor Kennzahlen veröffentlicht werden, prüft sozplan Vollständigkeit, "
                    "Plausibilität, kleine Fallzahlen, "
                    "Verteilungen, Redundanz und Zuverlässigkeit. Fehler müssen vor der "
                    "Auswertung behoben werden; Warnungen "
                    "und Hinweise sind beim Lesen zu beachten.",
                    "Data validation findings.",
                )
            )
        ]
        kind = "info" if v.ok and not v.nothing_checked else "warning"
        b.append(
            H.note(
                "<br>".join(H.esc(line) for line in v.summary(language=self.lang).splitlines()),
                kind,
                raw=True,
            )
        )
        counts = v.counts()
        if len(counts):
            counts = counts.copy()
            if self.lang == "de":
                counts.index = [f"{CHECKS[a]} / {RULES[r][1]}" for a, r in counts.index]
                counts.columns = [
                    {"error": "Fehler", "warning": "Warnung", "info": "Hinweis"}[c]
                    for c in counts.columns
                ]
            else:
                counts.index = [f"{CHECKS_EN[a]} / {RULES_EN[r]}" for a, r in counts.index]
            counts.index.name = L("Prüfung / Regel", "check / rule")
            b.append(
                self.table_block(
                    "datenpruefung",
                    counts,
                    L("Befunde der Datenprüfung", "Validation findings"),
                    L("Tabelle: Befunde je Prüfung, Regel und Schwere", "Table: findings"),
                    decimals=0,
                )
            )
        f = v.findings
        areas = (
            f.dropna(subset=["area"])
            .groupby("rule", observed=True)["area"]
            .apply(
                lambda s: (
                    ", ".join(sorted(set(map(str, s)))[:15]) + (" …" if s.nunique() > 15 else "")
                )
            )
        )
        if len(areas):
            tab = areas.to_frame(L("betroffene Gebiete", "areas")).astype(str)
            tab.index = [
                RULES[str(r)][1] if self.lang == "de" else RULES_EN[str(r)] for r in tab.index
            ]
            tab.index.name = L("Regel", "rule")
            b.append(
                H.table(
                    tab,
                    L(
                        "Tabelle: betroffene Gebiete je Regel (ohne Werte, wegen Geheimhaltung)",
                        "Table: areas per rule",
                    ),
                    language=self.lang,
                )
            )
        return Page("validation", _NAV["validation"][0], self.nav_title("validation"), b)

    def page_profiles(self) -> Page:

        L = self.L
        dcol = self.cfg["data"]["district_column"]
        locator = H.SvgLocator(self.gdf, self.districts) if self.districts is not None else None
        sd = getattr(self, "sd", None) if "index" not in self.errors else None
        pages = []
        pop = self.cfg["data"]["population"]
        by_district: dict[str, list] = {}
        for ident in self.gdf.index:
            name = self.area_name(ident)
            dist = str(self.gdf.at[ident, dcol]) if dcol in self.gdf.columns else None
            dname = (
                str(self.districts.at[dist, "name"])
                if self.districts is not None and dist in self.districts.index
                else dist
            )
            by_district.setdefault(dname or "–", []).append(ident)
            blocks: list[H.Block] = []
            p_pop = self.published_counts.at[ident, pop]
            kf = [
                (
                    fmt(float(p_pop), 0, self.lang) if pd.notna(p_pop) else ".",
                    L("Einwohner", "residents"),
                )
            ]
            if sd is not None:
                kf.append(
                    (str(sd.status_class.get(ident, "–")), L("Statusklasse", "status class"))
                )
                if sd.dynamics_class is not None:
                    kf.append(
                        (
                            str(sd.dynamics_class.get(ident, "–")),
                            L("Dynamikklasse", "dynamics class"),
                        )
                    )
            if hasattr(self, "lisa_codes") and "clusters" not in self.errors:
                code = self.lisa_codes.get(ident)
                names = CLUSTER_LABELS_DE if self.lang == "de" else CLUSTER_LABELS_EN
                no_value = L("ohne Wert", "no value")
                lab = names.get(code, code) if isinstance(code, str) else no_value
                kf.append((lab, L("Lokaler Cluster", "local cluster")))
            if getattr(self, "type_names", None):
                kf.append((self.type_names.get(ident, "–"), L("Gebietstyp", "area type")))
            blocks.append(H.keyfigures(kf))
            reason = sd.reason.get(ident) if sd is not None else None
            if reason is not None and pd.notna(reason):
                blocks.append(
                    H.note(
                        L(f"Nicht im Sozialindex bewertet: {reason}.", f"Not rated: {reason}."),
                        "warning",
                    )
                )
            rows = []
            for k in self.keys:
                area_v = self.values.at[ident, k]
                dv = (
                    self.district_rates.value.at[dist, k]
                    if self.district_rates is not None and dist in self.district_rates.value.index
                    else np.nan
                )
                cv = self.city_rates.value.iloc[0][k]
                rows.append(
                    {
                        "label": self.label(k),
                        "values": [area_v, dv, cv],
                        "unit": self.unit(k),
                        "hidden": [bool(self.hidden_values.at[ident, k]), False, False],
                    }
                )
            cols = [
                name,
                L(f"Bezirk {dname}", f"district {dname}") if dname else "–",
                L("Stadt", "city"),
            ]
            table_block = H.bar_table(
                rows,
                L(
                    f"Kennzahlen {self.year}: {name} im Vergleich",
                    f"Indicators {self.year}: {name} compared",
                ),
                cols,
                language=self.lang,
            )
            side = ""
            if locator is not None:
                where_text = L(f"Lage von {name} im Stadtgebiet", f"Location of {name}")
                legend_text = L(
                    "Lage im Stadtgebiet (orange), Bezirksgrenzen grau.", "Location (orange)."
                )
                side = (
                    f"<div>{locator.svg(ident, where_text)}"
                    f'<p class="table-more">{H.esc(legend_text)}</p></div>'
                )
            blocks.append(
                H.Block(f'<div class="two-col"><div>{table_block.html}</div>{side}</div>', "table")
            )
            counts = self.published_counts.loc[[ident]].T
            counts.columns = [L("Anzahl", "count")]
            hid = self.hidden.loc[[ident]].T
            hid.columns = counts.columns
            counts.index = [self.count_label(c) for c in counts.index]
            hid.index = counts.index
            counts.index.name = L("Merkmal", "variable")
            blocks.append(H.heading(2, L("Fallzahlen", "Counts")))
            blocks.append(
                H.table(
                    counts,
                    L(
                        f"Tabelle: Bevölkerung und Fallzahlen {self.year} („.“: geheim)",
                        "Table: counts",
                    ),
                    language=self.lang,
                    hidden=hid,
                    count_columns=tuple(counts.columns),
                    decimals=0,
                )
            )
            blocks.append(
                H.para(
                    f'<a href="index.html">{H.esc(L("Alle Steckbriefe", "All profiles"))}</a> · '
                    f'<a href="../kennzahlen.html">{H.esc(L("Kennzahlen", "Indicators"))}</a>',
                    raw=True,
                )
            )
            title = L(f"Steckbrief {name}", f"Profile {name}")
            lead = L(
                f"Planungsraum {ident}" + (f", Bezirk {dname}" if dname else ""), f"Area {ident}"
            )
            pages.append(
                Page(f"steckbrief-{ident}", f"steckbriefe/{ident}.html", title, blocks, lead)
            )
        self.profile_pages = pages
        b: list[H.Block] = [
            H.para(
                L(
                    "Ein Steckbrief je Gebiet: Kennzahlen im Vergleich zu Bezirk und Stadt, "
                    "Klassen des Sozialindex, Lage und Fallzahlen.",
                    "One profile per area.",
                )
            )
        ]
        for dname, ids in sorted(by_district.items()):
            b.append(H.heading(2, L(f"Bezirk {dname}", f"District {dname}")))
            items = [
                f'<a href="{ident}.html">{H.esc(self.area_name(ident))}</a> ({H.esc(ident)})'
                for ident in ids
            ]
            b.append(
                H.Block(
                    '<ul class="area-list">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
                )
            )
        return Page("profiles", _NAV["profiles"][0], self.nav_title("profiles"), b)


__all__ += ["CHAPTERS"]
