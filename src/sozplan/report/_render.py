"""What a chapter's ``render`` works with: texts, numbers, figures, published tables.

:class:`RenderContext` gives a chapter the message catalogue in the report's language,
number formatting, figures (drawn by :mod:`sozplan.plotting` in worker processes and
collected at the end) and tables (shown in HTML and exported as CSV and Excel, checked
for disclosure). The figure and table sinks are outputs only: no chapter reads what
another chapter put there.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan.disclosure import check_disclosure
from sozplan.plotting import format_number
from sozplan.report import _html as H
from sozplan.report._text import Texts

__all__ = ["Deferred", "RenderContext"]


@immutable
@dataclass(frozen=True)
class Deferred:
    """Work an ``analyse`` hands to a worker process: ``finish(func(*args))`` is the result.

    ``func`` and ``args`` must be picklable (module-level function, plain data).
    """

    func: Callable[..., Any]
    args: tuple
    finish: Callable[[Any], Any]


@dataclass
class _Plot:
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


def _load_for_figures() -> None:
    """Import what every figure needs once here, so that forked workers inherit it.

    mapclassify (the class bounds of every choropleth) compiles numba code on import:
    2-3 s of CPU time that each worker process would otherwise pay on its first map.
    """
    import mapclassify  # noqa: F401  # heavy: compiles on import, see above
    import matplotlib.pyplot  # noqa: F401  # heavy: only a report's figures need it


def _worker_start() -> None:
    """Lower a worker's priority: the main process builds the pages, the critical path.

    On two cores the three workers (figures, permutations) otherwise take CPU time from
    the main process, which then finishes last; niced, they use what it leaves.
    """
    with contextlib.suppress(AttributeError, OSError):
        os.nice(5)


class Sinks:
    """The build's outputs shared by all chapters: the worker pool, figures and tables."""

    def __init__(self, out: Path, language: str, parallel: bool = True):
        self.out = out
        self.language = language
        self.pool: Any = None
        self.pending: list = []
        self.frames: dict[str, tuple[pd.DataFrame, str, Any]] = {}
        self.tables: dict[str, dict] = {}
        self.n_figures = 0
        if parallel and (os.cpu_count() or 1) >= 2:
            self._open_pool()

    def _open_pool(self) -> None:
        import concurrent.futures as cf
        import multiprocessing as mp

        # "fork": workers inherit the loaded modules and do not re-run the caller's script
        method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
        if method == "fork":
            _load_for_figures()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # fork with BLAS threads
                self.pool = cf.ProcessPoolExecutor(
                    max_workers=3, mp_context=mp.get_context(method), initializer=_worker_start
                )
        except (OSError, RuntimeError, ValueError):
            self.pool = None

    def submit(self, func: Callable, *args: Any) -> Any:
        """Run ``func(*args)`` in a worker (a Future), or return None to run it inline."""
        if self.pool is None:
            return None
        try:
            return self.pool.submit(func, *args)
        except Exception:  # a broken pool: the caller runs it inline
            return None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def resolve_figures(self, texts: Texts) -> None:
        """Wait for every figure; redraw in this process what failed in a worker."""
        for block, future, plot, path, caption in self.pending:
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
                    note = H.note(texts("common.figure_missing", error=_err(exc)), "skipped")
                    block.html, block.kind = note.html, "note"
                    continue
            done = H.figure(block.meta["src"], alt, caption)
            block.html = done.html
            block.meta["alt"] = alt
        self.pending = []


def _err(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class RenderContext:
    """Helpers for one chapter's ``render``: language, texts, figures, tables.

    Attributes
    ----------
    language : {"de", "en"}
    t : Texts
        ``t(key, **values)``: a sentence of the message catalogue.
    data : ReportData
    config : mapping
        The chapter's configuration section.
    report : mapping
        The whole configuration (read-only).
    results : mapping
        Results of the other chapters' analyses (read-only; for the overview).
    errors : mapping
        Chapter -> why it could not run (read-only; for the overview).
    root : str
        Prefix from the chapter's page to the report folder (``""`` or ``"../"``).
    """

    def __init__(
        self,
        *,
        data: Any,
        config: Mapping,
        report: Mapping,
        results: Mapping,
        sinks: Sinks,
        nav: Mapping[str, str],
        root: str = "",
        errors: Mapping[str, str] | None = None,
    ):
        self.data = data
        self.language = report["language"]
        self.t = Texts(self.language)
        self.config = MappingProxyType(dict(config))
        self.report = MappingProxyType(dict(report))
        self.results = MappingProxyType(dict(results))
        self.sinks = sinks
        self.nav = MappingProxyType(dict(nav))
        self.root = root
        self.errors = MappingProxyType(dict(errors or {}))
        self.notes: list[str] = []

    # ------------------------------------------------------------ numbers
    def fmt(self, x: Any, decimals: int = 1) -> str:
        """Format a number in the report's language (decimal comma in German); "–" if missing."""
        if x is None or (isinstance(x, float) and not np.isfinite(x)):
            return "–"
        return format_number(float(x), decimals, self.language)

    def pfmt(self, p: float) -> str:
        """Format a p-value: "< 0,001" below 0.001, else "= 0,012"."""
        return "< " + self.fmt(0.001, 3) if p < 0.001 else "= " + self.fmt(p, 3)

    def label(self, key: str) -> str:
        """Label of an indicator."""
        return self.data.indicator(key).label(self.language)

    def unit(self, key: str) -> str:
        """Return the unit of an indicator."""
        unit = self.data.indicator(key).unit
        return self.t(f"unit.{unit}") if self.t.has(f"unit.{unit}") else unit

    def level_word(self, plural: bool = True) -> str:
        """Return the report level's label (e.g. "Planungsräume"), from the catalogue if known."""
        key = f"level.{self.data.level}.{'pl' if plural else 'sg'}"
        if self.t.has(key):
            return self.t(key)
        return self.data.level_label if not plural else self.t("common.areas")

    def district_word(self, plural: bool = False) -> str:
        """Return the district level's label (e.g. "Bezirk")."""
        key = f"level.{self.data.district_level}.{'pl' if plural else 'sg'}"
        if self.t.has(key):
            return self.t(key)
        return self.data.district_label or ""

    def profile_href(self, ident: Any) -> str:
        """Link to the Steckbrief of an area (from this page)."""
        return f"{self.root}steckbriefe/{ident}.html"

    # ------------------------------------------------------------ figures
    def figure(self, name: str, func: Callable, *args: Any, caption: str, **kwargs: Any) -> Any:
        """Return a figure block; ``func(*args, **kwargs)`` (a sozplan.plotting function) draws it."""
        kwargs.setdefault("language", self.language)
        plot = _Plot(func, args, kwargs)
        path = self.sinks.out / "abbildungen" / f"{name}.png"
        future = self.sinks.submit(_figure_job, func, args, kwargs, path)
        block = H.Block("", "figure", {"src": f"{self.root}abbildungen/{name}.png", "name": name})
        self.sinks.pending.append((block, future, plot, path, caption))
        self.sinks.n_figures += 1
        return block

    # ------------------------------------------------------------- tables
    def publish(
        self,
        name: str,
        df: pd.DataFrame,
        caption: str,
        *,
        count_columns: tuple = (),
        hidden: pd.DataFrame | None = None,
        decimals: int | Mapping = 1,
    ) -> list[tuple[str, str]]:
        """Register a table for the CSV and Excel export; return the download links."""
        out = df.copy()
        if hidden is not None:
            for c in hidden.columns:
                if c in out.columns:
                    keep = ~hidden[c].reindex(out.index).fillna(False).astype(bool)
                    out[c] = out[c].astype(object).where(keep, None)
        if not self.report["disclosure"]["publish_small_counts"] and count_columns:
            check_disclosure(out, count_columns, self.report["disclosure"]["min_count"], name=name)
        self.sinks.frames[name] = (out, caption, decimals)
        self.sinks.tables[name] = {
            "caption": caption,
            "csv": f"tabellen/{name}.csv",
            "count_columns": [str(c) for c in count_columns],
            "rows": len(out),
        }
        return [
            ("CSV", f"{self.root}tabellen/{name}.csv"),
            ("Excel", f"{self.root}tabellen/sozialbericht_tabellen.xlsx"),
        ]

    def table(
        self,
        name: str | None,
        df: pd.DataFrame,
        caption: str,
        *,
        export_caption: str | None = None,
        count_columns: tuple = (),
        hidden: pd.DataFrame | None = None,
        decimals: int | Mapping = 1,
        **table_kw: Any,
    ) -> Any:
        """Return a table block; with a ``name`` it is also exported (CSV, Excel)."""
        links = None
        if name is not None:
            links = self.publish(
                name,
                df,
                export_caption or caption,
                count_columns=count_columns,
                hidden=hidden,
                decimals=decimals,
            )
        return H.table(
            df,
            caption,
            language=self.language,
            hidden=hidden,
            count_columns=count_columns,
            downloads=links,
            decimals=dict(decimals) if isinstance(decimals, Mapping) else decimals,
            **table_kw,
        )
