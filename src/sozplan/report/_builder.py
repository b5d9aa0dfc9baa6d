"""Build the social report: load -> compute -> protect -> analyse -> render -> write.

The builder knows no chapter: it reads the registry (:mod:`sozplan.report.chapters`),
runs every chapter's ``analyse`` on the immutable :class:`ReportData`, then its
``render``, and writes the pages through one Jinja template. A chapter that cannot run
gets a page saying why; the report still builds.
"""

from __future__ import annotations

import datetime as _dt
import shutil
import time
import traceback
import warnings
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from sozplan import __version__
from sozplan.errors import SozplanWarning
from sozplan.report import _html as H
from sozplan.report._config import ConfigError, ReportConfig, load_config
from sozplan.report._export import write_tables
from sozplan.report._render import Deferred, RenderContext, Sinks
from sozplan.report._reportdata import ReportData, build_data
from sozplan.report._text import Texts
from sozplan.report.chapters import REGISTRY, ChapterSkipped, Page

__all__ = ["Page", "Sozialbericht"]


class Sozialbericht:
    """A social report (*Sozialbericht*) built from a YAML configuration.

    Parameters
    ----------
    config : ReportConfig, dict, path or YAML text, optional
        See :func:`load_config`; default the shipped Musterstadt configuration.

    Attributes
    ----------
    config : ReportConfig
    data : ReportData or None
        After :meth:`build`: what the chapters read.
    results : dict
        After :meth:`build`: chapter -> result of its ``analyse``.
    pages : list of Page
        After :meth:`build`: the chapter pages.
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
    'planungsraum'
    """

    def __init__(self, config: ReportConfig | Mapping | str | Path | None = None):
        self.config = config if isinstance(config, ReportConfig) else load_config(config)
        self.data: ReportData | None = None
        self.results: dict[str, Any] = {}
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
            Called with a message at every step (the CLI prints them).

        Returns
        -------
        Path
            ``out/index.html``.
        """
        import matplotlib

        matplotlib.use("Agg", force=False)
        out = Path(out)
        say = progress or (lambda _m: None)
        _prepare_folder(out)
        sinks = Sinks(out, self.config["language"], parallel=self.config.get("_parallel", True))
        try:
            return self._build(out, sinks, say)
        finally:
            sinks.close()

    def _build(self, out: Path, sinks: Sinks, say: Callable[[str], None]) -> Path:
        cfg = self.config
        t = Texts(cfg["language"])
        self.results, self.skipped, self.timings = {}, {}, {}
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            data = build_data(cfg, say=say)
        self.data = data
        self.timings["data"] = time.perf_counter() - t0
        notes: dict[str, list[str]] = {"data_method": _sozplan_warnings(caught)}
        chapters = list(cfg["chapters"])
        for name in chapters:  # configuration errors that need the data (file, line, key)
            check = getattr(REGISTRY[name], "check_data", None)
            if check is not None:
                check(data, cfg)
        errors: dict[str, str] = {}
        deferred: dict[str, tuple[Deferred, Any]] = {}
        for name in chapters:
            mod = REGISTRY[name]
            t0 = time.perf_counter()
            say(t("build.analyse", chapter=t(f"{name}.title")))
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    result = mod.analyse(data, _section(cfg, mod))
                notes.setdefault(name, []).extend(_sozplan_warnings(caught))
                if isinstance(result, Deferred):
                    deferred[name] = (result, sinks.submit(result.func, *result.args))
                else:
                    self.results[name] = result
            except ConfigError:
                raise
            except Exception as exc:  # a failing analysis must not stop the report
                errors[name] = _reason(exc, t)
                say(t("build.skipped", reason=errors[name]))
                if cfg.get("_debug"):
                    traceback.print_exc()
            self.timings[f"analyse {name}"] = time.perf_counter() - t0
        for name, (job, future) in deferred.items():
            t0 = time.perf_counter()
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    outcome = future.result() if future is not None else job.func(*job.args)
                    self.results[name] = job.finish(outcome)
                notes.setdefault(name, []).extend(_sozplan_warnings(caught))
            except Exception as exc:
                errors[name] = _reason(exc, t)
            self.timings[f"analyse {name} (worker)"] = time.perf_counter() - t0
        nav = {name: REGISTRY[name].FILE for name in chapters}
        pages: list[Page] = []
        for name in chapters:
            mod = REGISTRY[name]
            t0 = time.perf_counter()
            root = "../" if "/" in mod.FILE else ""
            ctx = RenderContext(
                data=data,
                config=_section(cfg, mod),
                report=cfg,
                results={k: v for k, v in self.results.items() if k != name},
                sinks=sinks,
                nav=nav,
                root=root,
                errors=errors,
            )
            page = None
            if name not in errors:
                say(t("build.render", chapter=t(f"{name}.title")))
                try:
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always")
                        page = mod.render(self.results[name], ctx)
                    notes.setdefault(name, []).extend(_sozplan_warnings(caught))
                except Exception as exc:
                    errors[name] = _reason(exc, t)
                    say(t("build.skipped", reason=errors[name]))
                    if cfg.get("_debug"):
                        traceback.print_exc()
            if page is None:
                page = Page(
                    name,
                    mod.FILE,
                    t(f"{name}.title"),
                    [
                        H.note(
                            t("build.skipped_page", reason=errors[name]),
                            "skipped",
                            title=t("common.note"),
                        )
                    ],
                )
            library = [n for n in dict.fromkeys(notes.get(name, [])) if n not in ctx.notes]
            if ctx.notes or library:
                page.blocks.append(H.heading(2, t("common.chapter_notes")))
                if ctx.notes:
                    page.blocks.append(H.bullets(list(dict.fromkeys(ctx.notes))[:15]))
                if library:  # sozplan's own warnings are English: marked as such
                    page.blocks.append(H.para(t("common.library_notes")))
                    lang = None if cfg["language"] == "en" else "en"
                    page.blocks.append(H.bullets(library[:15], lang=lang))
            pages.append(page)
            self.timings[f"render {name}"] = time.perf_counter() - t0
        self.skipped = {k: v for k, v in errors.items() if k in chapters}
        say(t("build.figures", n=sinks.n_figures))
        t0 = time.perf_counter()
        sinks.resolve_figures(t)
        self.timings["figures (waiting for workers)"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        write_tables(sinks, language=cfg["language"], attribution=data.attribution)
        self.tables = dict(sinks.tables)
        self.timings["tables (CSV, Excel)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        index = _write_pages(cfg, data, pages, nav, out)
        self.timings["pages (HTML)"] = time.perf_counter() - t0
        self.pages = pages
        n_pages = sum(1 + len(p.subpages) for p in pages)
        say(t("build.done", pages=n_pages, figures=sinks.n_figures, tables=len(sinks.tables)))
        return index


def _section(cfg: Mapping, mod: Any) -> dict:
    """Return the chapter's configuration section (empty for a chapter without settings)."""
    return dict(cfg.get(mod.NAME, {})) if mod.SCHEMA else {}


def _sozplan_warnings(caught: list) -> list[str]:

    return list(
        dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, SozplanWarning))
    )


def _reason(exc: BaseException, t: Texts) -> str:
    if isinstance(exc, ChapterSkipped):
        return str(exc)
    if isinstance(exc, ImportError):
        return t("build.module_missing", error=str(exc))
    return f"{type(exc).__name__}: {exc}"


def _prepare_folder(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for sub in ("abbildungen", "tabellen", "steckbriefe", "assets"):
        p = out / sub
        if p.exists():
            shutil.rmtree(p)
        p.mkdir()
    static = resources.files("sozplan.report") / "static"
    for name in ("bericht.css", "druck.css"):
        (out / "assets" / name).write_text(
            (static / name).read_text(encoding="utf-8"), encoding="utf-8"
        )


def _write_pages(
    cfg: ReportConfig, data: ReportData, pages: list[Page], nav: Mapping[str, str], out: Path
) -> Path:
    import jinja2
    from markupsafe import Markup

    t = Texts(cfg["language"])
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sozplan.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )
    tpl = env.get_template("page.html.j2")
    items = [{"slug": p.slug, "href": nav[p.slug], "title": p.title} for p in pages]
    created = _dt.datetime.now().strftime("%d.%m.%Y" if cfg["language"] == "de" else "%Y-%m-%d")
    common = {
        "lang": cfg["language"],
        "version": __version__,
        "report_title": cfg["title"],
        "nav": items,
        "t": {
            k: t(f"page.{k}")
            for k in ("skip", "chapters", "made_with", "created", "source", "secret", "spec")
        },
        "attribution": data.attribution,
        "created": created,
        "spec_hash": data.spec.hash,
    }

    def write(page: Page, path: Path, root: str) -> None:
        blocks = [H.Block(Markup(b.html), b.kind, b.meta) for b in page.blocks]
        view = Page(page.slug, page.href, page.title, blocks, page.lead)
        path.write_text(tpl.render(page=view, root=root, **common), encoding="utf-8")

    for page in pages:
        root = "../" if "/" in page.href else ""
        write(page, out / page.href, root)
        for sub in page.subpages:
            write(sub, out / sub.href, "../" if "/" in sub.href else "")
    return out / "index.html"
