"""Targets and milestones: attainment per target and year, timeline of measures."""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.text import german
from sozplan.checks import check_frame, fail, format_values, is_whole
from sozplan.errors import DataQualityWarning
from sozplan.planning._common import html_block, resolve_id_column
from sozplan.planning._model import validate_measures, validate_targets
from sozplan.plotting import FigureDisplay

__all__ = [
    "STATUS_LABELS_DE",
    "Attainment",
    "Timeline",
    "target_attainment",
    "timeline",
]

#: German labels of the attainment statuses.
STATUS_LABELS_DE: dict[str, str] = {
    "baseline": "Ausgangswert",
    "on_track": "im Plan",
    "at_risk": "gefährdet",
    "achieved": "erreicht",
    "missed": "verfehlt",
    "no_data": "keine Daten",
}
_COLOURS = {
    "baseline": "0.4",
    "on_track": "#1a9850",
    "at_risk": "#fdae61",
    "achieved": "#006837",
    "missed": "#d73027",
    "no_data": "0.8",
}


def _observed_long(
    observed: pd.DataFrame, id_column: str, where: str, indicators: set
) -> pd.DataFrame:
    """Observed values as a tidy table (indikator, area, jahr, wert), numeric and finite."""
    check_frame(observed, arg="observed", where=where)
    if {"indikator", id_column, "jahr", "wert"} <= set(observed.columns):
        out = observed[["indikator", id_column, "jahr", "wert"]].copy()
        numbers = pd.to_numeric(out["wert"], errors="coerce")
        text = out["wert"].notna() & numbers.isna()
        if text.any():
            raise fail(
                where,
                f"`observed.wert` holds text that is no number: "
                f"{format_values(out.loc[text, 'wert'])}",
                "convert it to numbers first (sozplan.io.read_statistik reads German "
                "decimal commas and the signs of secret values)",
            )
    elif isinstance(observed.index, pd.MultiIndex) and observed.index.nlevels == 2:
        text_cols = [
            c
            for c in observed.columns
            if c in indicators and not pd.api.types.is_numeric_dtype(observed[c])
        ]
        if text_cols:
            raise fail(
                where,
                f"the indicator column(s) {format_values(text_cols)} of `observed` are not "
                "numeric",
                "convert them to numbers first, e.g. with pd.to_numeric",
            )
        wide = observed.select_dtypes("number")
        wide.index = wide.index.set_names([id_column, "jahr"])
        wide.columns.name = "indikator"
        out = wide.stack()
        out = out.rename("wert").reset_index()
    else:
        raise fail(
            where,
            "`observed` is neither a tidy table (indikator, area, jahr, wert) nor indexed by "
            "(area, jahr) with one column per indicator",
            "pass e.g. rates(panel, [...]).value (indexed by area and year) or a tidy table",
        )
    out[id_column] = out[id_column].astype(str)
    out["jahr"] = pd.to_numeric(out["jahr"]).astype(int)
    out["wert"] = pd.to_numeric(out["wert"], errors="coerce").astype(float)
    inf = np.isinf(out["wert"].to_numpy())
    if inf.any():
        at = out.loc[inf, "indikator"].astype(str) + " " + out.loc[inf, id_column]
        raise fail(
            where,
            f"`observed` has {int(inf.sum())} infinite value(s), at "
            f"{format_values(at + ' ' + out.loc[inf, 'jahr'].astype(str))}",
            "an infinite value usually comes from a division by zero upstream; correct it or "
            "set it to NaN (the year then counts as without data)",
        )
    dup = out.duplicated(["indikator", id_column, "jahr"])
    if dup.any():
        raise fail(
            where,
            f"`observed` has {int(dup.sum())} duplicate (indicator, area, year) rows",
            "give one value per indicator, area and year",
        )
    return out


def _unobserved_targets(
    tg: pd.DataFrame, obs: pd.DataFrame, id_column: str, where: str
) -> list[str]:
    """Refuse observations without any target's indicator; warn of targets never observed."""
    seen = obs.loc[obs["wert"].notna(), ["indikator", id_column]].drop_duplicates()
    unknown_ind = sorted(set(tg["indikator"]) - set(seen["indikator"]))
    if len(unknown_ind) == tg["indikator"].nunique():
        raise fail(
            where,
            f"`observed` has no values of the targets' indicator(s) {format_values(unknown_ind)}",
            "pass the observed values: one column per indicator indexed by (area, jahr), or a "
            "tidy table with indikator, area, jahr, wert",
        )
    notes = []
    if unknown_ind:
        notes.append(f"no observed values for the indicator(s) {format_values(unknown_ind)}")
    pairs = pd.MultiIndex.from_frame(seen)
    known = tg["indikator"].isin(seen["indikator"])
    blind = known & ~pd.MultiIndex.from_arrays([tg["indikator"], tg[id_column]]).isin(pairs)
    if blind.any():
        notes.append(f"no observed values for the target(s) {format_values(tg.index[blind])}")
    for note in notes:
        warnings.warn(DataQualityWarning(f"{where}: {note}"), stacklevel=3)
    return notes


@immutable
@dataclass(frozen=True, repr=False)
class Attainment:
    """Attainment of targets per year; see :func:`target_attainment`.

    Attributes
    ----------
    table : DataFrame
        One row per target and year (tidy).
    rule : str
        The classification rule in words.
    targets : DataFrame
        The validated targets.
    """

    table: pd.DataFrame
    rule: str
    targets: pd.DataFrame
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """Return the tidy table, one row per target and year.

        Columns: ``ziel``, ``jahr``, ``indikator``, area, ``art``, ``erwartet`` (linear
        path), ``beobachtet``, ``abstand`` (signed distance to the path, positive =
        ahead), ``toleranz``, ``fortschritt`` (% of the planned change achieved),
        ``status`` and ``status_de``.
        """
        return self.table.copy()

    def summary(self) -> pd.DataFrame:
        """Latest observed status of every target (one row per target)."""
        obs = self.table[self.table["status"] != "no_data"]
        last = obs.sort_values("jahr").groupby("ziel").tail(1).set_index("ziel")
        cols = [
            "indikator",
            "art",
            "basiswert",
            "zielwert",
            "zieljahr",
            "jahr",
            "beobachtet",
            "erwartet",
            "fortschritt",
            "status",
            "status_de",
        ]
        return last.reindex(self.targets.index)[[c for c in cols if c in last.columns]]

    def _title(self) -> str:
        s = self.summary()["status"].value_counts()
        counts = ", ".join(f"{k}: {int(v)}" for k, v in s.items())
        return f"Attainment of {len(self.targets)} target(s) ({counts})"

    def __repr__(self) -> str:
        return "\n".join(
            [
                self._title(),
                "rule: " + self.rule,
                self.summary().round(2).to_string(max_rows=20),
                *[f"note: {n}" for n in self.notes],
            ]
        )

    def _repr_html_(self) -> str:
        return html_block(self._title(), self.summary(), ["rule: " + self.rule, *self.notes])

    def plot(
        self, ziel: Hashable | None = None, ax: Any = None, *, language: str = "de"
    ) -> FigureDisplay:
        """Draw the planned path, tolerance band and observed values (by status) of a target.

        Without ``ziel`` and ``ax``, draw all targets in a grid (all axes in
        ``display.artists["axes"]``). Returns a :class:`sozplan.plotting.FigureDisplay`.
        """
        import matplotlib.pyplot as plt

        if ziel is None:
            if ax is not None:
                raise fail(
                    "Attainment.plot",
                    "`ax` given without `ziel`",
                    "name the target to draw on `ax`",
                )
            ids = list(self.targets.index)
            ncol = min(3, len(ids))
            nrow = int(np.ceil(len(ids) / ncol))
            fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.2 * nrow), squeeze=False)
            for a, z in zip(axes.flat, ids, strict=False):
                self.plot(z, ax=a, language=language)
            for a in axes.flat[len(ids) :]:
                a.set_visible(False)
            fig.tight_layout()
            alt = (
                "Zielpfad, Toleranzband und beobachtete Werte je Ziel"
                if german(language, "Attainment.plot")
                else "Target path, tolerance band and observed values per target"
            )
            return FigureDisplay.from_axes(axes.flat[0], "attainment", alt, artists={"axes": axes})
        if ziel not in self.targets.index:
            raise fail(
                "Attainment.plot",
                f"no target {ziel!r}",
                f"use one of {format_values(self.targets.index)}",
            )
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.5))
        de = german(language, "Attainment.plot")
        t = self.targets.loc[ziel]
        tab = self.table[self.table["ziel"] == ziel]
        y0, yT = int(t["basisjahr"]), int(t["zieljahr"])
        years = np.arange(y0, max(yT, int(tab["jahr"].max())) + 1)
        frac = np.clip((years - y0) / (yT - y0), 0, 1)
        path = t["basiswert"] + (t["zielwert"] - t["basiswert"]) * frac
        tol = tab.set_index("jahr")["toleranz"].reindex(years).ffill().bfill().to_numpy()
        d = int(t["richtung"])
        ax.plot(years, path, color="0.3", lw=1.2, label="Zielpfad" if de else "target path")
        band = np.where(years < yT, path - d * tol, path)
        ax.fill_between(years, path, band, color="0.85", label="Toleranz" if de else "tolerance")
        ax.plot(tab["jahr"], tab["beobachtet"], color="C0", lw=0.8)
        for st, grp in tab.groupby("status"):
            ax.scatter(
                grp["jahr"],
                grp["beobachtet"],
                color=_COLOURS[st],
                zorder=3,
                s=30,
                label=STATUS_LABELS_DE[st] if de else st,
            )
        ax.scatter(
            [yT],
            [t["zielwert"]],
            marker="*",
            s=120,
            color="k",
            zorder=4,
            label="Ziel" if de else "target",
        )
        name = t["name"] if "name" in t.index and isinstance(t["name"], str) else t["indikator"]
        ax.set_title(
            f"{ziel}: {name} ({t[self.targets.attrs.get('area', 'planungsraum')]})", fontsize=9
        )
        ax.set_xticks(years)
        ax.legend(fontsize="x-small")
        alt = (
            "Zielpfad, Toleranzband und beobachtete Werte je Ziel"
            if de
            else "Target path, tolerance band and observed values per target"
        )
        return FigureDisplay.from_axes(ax, "attainment", alt)


def target_attainment(
    targets: pd.DataFrame,
    observed: pd.DataFrame,
    *,
    tolerance: float = 0.1,
    tolerance_kind: str = "relative",
    id_column: str | None = None,
    areas: Any = None,
) -> Attainment:
    r"""Attainment of social and financial targets per year, against a linear target path.

    **Rule.** For a target from baseline :math:`v_0` (year :math:`y_0`) to target
    :math:`v_T` (year :math:`y_T`) with direction :math:`d` (+1: higher is better,
    -1: lower is better), the planned value in year :math:`t` is the linear path

    .. math::

        e_t = v_0 + (v_T - v_0)\,\min\!\left(1, \frac{t - y_0}{y_T - y_0}\right),

    and the observed value :math:`o_t` is classified as

    - **achieved** (*erreicht*) if :math:`d\,(o_t - v_T) \ge 0` (the target is reached,
      also before :math:`y_T`);
    - else, for :math:`t < y_T`: **on track** (*im Plan*) if
      :math:`d\,(o_t - e_t) \ge -\tau`, otherwise **at risk** (*gefährdet*);
    - else (:math:`t \ge y_T`): **missed** (*verfehlt*).

    The tolerance is :math:`\tau = \text{tolerance} \cdot |v_T - v_0|` (``"relative"``:
    a share of the planned change; for "hold the level" targets with
    :math:`v_T = v_0` a share of :math:`|v_0|`) or ``tolerance`` in the indicator's
    units (``"absolute"``); a ``toleranz`` column of ``targets`` overrides it per target.
    ``fortschritt`` is :math:`100\,(o_t - v_0)/(v_T - v_0)`, the share of the planned
    change achieved.

    Parameters
    ----------
    targets : DataFrame
        Targets (see :func:`validate_targets`).
    observed : DataFrame
        Observed values: indexed by (area, year) with one column per indicator (e.g.
        ``rates(panel, ["sgb2_quote"]).value`` plus financial indicators), or a tidy
        table with columns ``indikator``, area, ``jahr``, ``wert``. City-wide targets
        (area ``"gesamt"``) need rows for the area ``"gesamt"``. A missing value (NaN)
        or a year without a row gives that target-year the status ``no_data`` (*keine
        Daten*, ``beobachtet`` NaN); text and infinite values are refused.
    tolerance : float, default 0.1
        See the rule.
    tolerance_kind : {"relative", "absolute"}, default "relative"
    id_column : str, optional
        Column of the area ids; default: the name of the index of ``areas`` (required
        without ``areas``).
    areas : optional
        Known area ids, to validate the targets.

    Returns
    -------
    Attainment
        ``to_frame()`` per target and year (from the baseline year to the last observed
        year); ``summary()`` the latest status per target.

    Warns
    -----
    DataQualityWarning
        A target's indicator, or a target's indicator in its area, has no observed value
        in any year (listed in ``notes``). If no target's indicator is observed at all,
        an :class:`~sozplan.errors.InputError` is raised instead.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"ziel": ["Z1"], "indikator": ["sgb2_quote"], "planungsraum": ["01"],
    ...                   "basiswert": [25.0], "basisjahr": [2021], "zielwert": [21.0],
    ...                   "zieljahr": [2025], "art": ["sozial"]})
    >>> obs = pd.DataFrame({"sgb2_quote": [25.0, 24.2, 23.8, 23.7]},
    ...                    index=pd.MultiIndex.from_tuples([("01", y) for y in range(2021, 2025)]))
    >>> target_attainment(t, obs, id_column="planungsraum").to_frame()[["jahr", "erwartet", "beobachtet", "status"]]
       jahr  erwartet  beobachtet    status
    0  2021      25.0        25.0  baseline
    1  2022      24.0        24.2  on_track
    2  2023      23.0        23.8   at_risk
    3  2024      22.0        23.7   at_risk
    """
    where = "target_attainment"
    id_column = resolve_id_column(id_column, areas, where)
    if tolerance_kind not in ("relative", "absolute"):
        raise fail(
            where, f"`tolerance_kind` is {tolerance_kind!r}", "use 'relative' or 'absolute'"
        )
    if (
        not isinstance(tolerance, int | float)
        or isinstance(tolerance, bool)
        or not np.isfinite(tolerance)
        or tolerance < 0
    ):
        raise fail(where, f"`tolerance` is {tolerance!r}", "pass a non-negative number")
    tg = validate_targets(targets, areas=areas, id_column=id_column)
    tg.attrs["area"] = id_column
    obs = _observed_long(observed, id_column, where, set(tg["indikator"]))
    notes = _unobserved_targets(tg, obs, id_column, where)
    last_year = int(obs["jahr"].max())
    look = obs.set_index(["indikator", id_column, "jahr"])["wert"]
    rows = []
    for zid, t in tg.iterrows():
        y0, yT = int(t["basisjahr"]), int(t["zieljahr"])
        v0, vT, d = float(t["basiswert"]), float(t["zielwert"]), int(t["richtung"])
        change = vT - v0
        tol_t = (
            float(t["toleranz"])
            if "toleranz" in tg.columns and pd.notna(t.get("toleranz"))
            else tolerance
        )
        tol = (
            tol_t * (abs(change) if change != 0 else abs(v0))
            if tolerance_kind == "relative"
            else tol_t
        )
        for yr in range(y0, max(yT, last_year) + 1):
            if yr > last_year:
                break
            e = v0 + change * min(1.0, (yr - y0) / (yT - y0))
            o = look.get((t["indikator"], t[id_column], yr), np.nan)
            if yr == y0:
                status = "baseline"
            elif not np.isfinite(o):
                status = "no_data"
            elif d * (o - vT) >= 0:
                status = "achieved"
            elif yr < yT:
                status = "on_track" if d * (o - e) >= -tol - 1e-12 else "at_risk"
            else:
                status = "missed"
            rows.append(
                {
                    "ziel": zid,
                    "jahr": yr,
                    "indikator": t["indikator"],
                    id_column: t[id_column],
                    "art": t["art"],
                    "basiswert": v0,
                    "zielwert": vT,
                    "zieljahr": yT,
                    "erwartet": e,
                    "beobachtet": o,
                    "abstand": d * (o - e),
                    "toleranz": tol,
                    "fortschritt": (o - v0) / change * 100 if change != 0 else np.nan,
                    "status": status,
                    "status_de": STATUS_LABELS_DE[status],
                }
            )
    table = pd.DataFrame(rows)
    base_rows = table["status"] == "baseline"
    mismatch = (
        base_rows
        & table["beobachtet"].notna()
        & ~np.isclose(table["beobachtet"], table["basiswert"], rtol=1e-3, atol=1e-9)
    )
    if mismatch.any():
        notes.append(
            f"the observed value in the baseline year differs from `basiswert` for "
            f"{format_values(table.loc[mismatch, 'ziel'])}"
        )
    rule = (
        "linear path from baseline to target; achieved if the target value is reached; "
        "before the target "
        f"year on track if at most {tolerance:g} "
        + ("x the planned change" if tolerance_kind == "relative" else "(indicator units)")
        + " behind the path, else at risk; from the target year on missed if not reached"
    )
    return Attainment(table=table, rule=rule, targets=tg, notes=tuple(notes))


@immutable
@dataclass(frozen=True, repr=False)
class Timeline:
    """Measures, milestones and target years on a time axis; see :func:`timeline`.

    Attributes
    ----------
    events : DataFrame
        Tidy table, one row per measure (``art == "massnahme"``, with ``beginn`` and
        ``ende``), milestone (``"meilenstein"``) or target (``"ziel"``).
    """

    events: pd.DataFrame
    today: int | None = None

    def to_frame(self) -> pd.DataFrame:
        """Return the tidy table of events."""
        return self.events.copy()

    def _title(self) -> str:
        kinds = self.events["art"].value_counts()
        return (
            "Timeline: "
            + ", ".join(f"{int(v)} {k}" for k, v in kinds.items())
            + f" ({int(self.events['beginn'].min())}-{int(self.events['ende'].max())})"
        )

    def __repr__(self) -> str:
        return self._title() + "\n" + self.events.to_string(max_rows=20)

    def _repr_html_(self) -> str:
        return html_block(self._title(), self.events, float_format="{:g}")

    def plot(self, ax: Any = None, *, language: str = "de") -> FigureDisplay:
        """Draw a Gantt chart: measures (by field of action), milestones and target years."""
        import matplotlib.pyplot as plt
        from matplotlib.artist import Artist
        from matplotlib.patches import Patch

        de = german(language, "Timeline.plot")
        ev = self.events
        ms = ev[ev["art"] == "massnahme"]
        rows = list(ms["massnahme"])
        if ((ev["art"] != "massnahme") & ev["massnahme"].isna()).any():
            rows.append("gesamt")
        ypos = {m: i for i, m in enumerate(rows)}
        if ax is None:
            _, ax = plt.subplots(figsize=(9, 0.35 * len(rows) + 1.5))
        fields = list(dict.fromkeys(ms["handlungsfeld"].fillna("–")))
        cmap = {f: f"C{i % 10}" for i, f in enumerate(fields)}
        for _, r in ms.iterrows():
            ax.barh(
                ypos[r["massnahme"]],
                r["ende"] + 1 - r["beginn"],
                left=r["beginn"],
                height=0.6,
                color=cmap[r["handlungsfeld"] if isinstance(r["handlungsfeld"], str) else "–"],
                alpha=0.8,
            )
        mil = ev[ev["art"] == "meilenstein"]
        for _, r in mil.iterrows():
            y = ypos.get(r["massnahme"] if isinstance(r["massnahme"], str) else "gesamt")
            done = r.get("erreicht")
            face = "k" if done is True else ("white" if done is False else "0.5")
            ax.scatter(
                r["beginn"] + 0.5, y, marker="D", s=40, facecolor=face, edgecolor="k", zorder=3
            )
        zl = ev[ev["art"] == "ziel"]
        for _, r in zl.iterrows():
            y = ypos.get(r["massnahme"] if isinstance(r["massnahme"], str) else "gesamt")
            ax.scatter(r["beginn"] + 0.5, y, marker="*", s=110, color="#d73027", zorder=4)
        if self.today is not None:
            ax.axvline(self.today + 1, color="0.3", ls="--", lw=1)
        labels = [f"{m} {ms.set_index('massnahme')['label'].get(m, '')}".strip() for m in rows]
        ax.set_yticks(range(len(rows)), labels, fontsize=8)
        ax.invert_yaxis()
        lo, hi = int(ev["beginn"].min()), int(ev["ende"].max()) + 1
        ax.set_xticks(np.arange(lo, hi + 1) + 0.5, [str(y) for y in range(lo, hi + 1)], fontsize=8)
        ax.set_xlim(lo, hi + 1)
        ax.set_xticks(np.arange(lo, hi + 2), minor=True)
        ax.tick_params(axis="x", which="major", length=0)
        handles: list[Artist] = [Patch(color=cmap[f], label=f) for f in fields]
        handles += [
            plt.Line2D(
                [],
                [],
                marker="D",
                ls="",
                mfc="0.5",
                mec="k",
                label="Meilenstein" if de else "milestone",
            ),
            plt.Line2D(
                [],
                [],
                marker="*",
                ls="",
                color="#d73027",
                ms=10,
                label="Zieljahr" if de else "target year",
            ),
        ]
        ax.legend(handles=handles, fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1))
        ax.set_title(
            "Maßnahmen, Meilensteine und Ziele" if de else "Measures, milestones and targets"
        )
        ax.grid(axis="x", which="minor", color="0.85")
        alt = (
            "Gantt-Diagramm: Maßnahmen, Meilensteine und Zieljahre"
            if de
            else "Gantt chart: measures, milestones and target years"
        )
        return FigureDisplay.from_axes(ax, "timeline", alt)


def timeline(
    measures: pd.DataFrame,
    *,
    milestones: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    today: int | None = None,
    id_column: str | None = None,
) -> Timeline:
    """Timeline of measures, milestones and target years (a Gantt chart with ``plot()``).

    Parameters
    ----------
    measures : DataFrame
        Measures (:func:`validate_measures`).
    milestones : DataFrame, optional
        Columns ``massnahme`` (a known measure, or empty for city-wide milestones),
        ``jahr``, ``meilenstein`` (label) and optionally ``erreicht`` (True/False/NA).
    targets : DataFrame, optional
        Targets (:func:`validate_targets`); their target year is shown on the row of
        their ``massnahme`` (or of the whole city).
    today : int, optional
        Year to mark with a line (e.g. the reporting year).
    id_column : str, optional
        Column of the area ids in ``targets`` (required with ``targets``).

    Returns
    -------
    Timeline

    Raises
    ------
    InputError
        For a problem of the measures or targets (see their validators), milestones of
        unknown measures or without a whole year, and a ``today`` that is not a whole year.

    Examples
    --------
    >>> from sozplan.datasets import load_measures
    >>> tl = timeline(load_measures(), today=2024)
    >>> tl.to_frame()["art"].unique().tolist()
    ['massnahme']
    """
    where = "timeline"
    if today is not None and not is_whole(today):
        raise fail(where, f"`today` is {today!r}", "pass a year as a whole number, e.g. 2024")
    m = validate_measures(measures)
    label = m["name"] if "name" in m.columns else pd.Series("", index=m.index)
    field_ = (
        m["handlungsfeld"] if "handlungsfeld" in m.columns else pd.Series(pd.NA, index=m.index)
    )
    ev = [
        pd.DataFrame(
            {
                "art": "massnahme",
                "massnahme": m.index,
                "label": label.to_numpy(),
                "handlungsfeld": field_.to_numpy(),
                "beginn": m["beginn"].to_numpy(dtype=int),
                "ende": m["ende"].to_numpy(dtype=int),
            }
        )
    ]
    if milestones is not None:
        check_frame(milestones, arg="milestones", where=where, row="milestone")
        need = [c for c in ("massnahme", "jahr", "meilenstein") if c not in milestones.columns]
        if need:
            raise fail(
                where,
                f"`milestones` lacks {format_values(need)}",
                "pass columns massnahme, jahr, meilenstein",
            )
        mm = milestones["massnahme"]
        unknown = mm.notna() & ~mm.astype(str).isin(m.index)
        if unknown.any():
            raise fail(
                where,
                f"milestones for unknown measures: {format_values(mm[unknown].unique())}",
                "use the ids of `measures` (or leave `massnahme` empty for city-wide milestones)",
            )
        yrs = pd.to_numeric(milestones["jahr"], errors="coerce").astype(float)
        bad = ~np.isfinite(yrs) | (yrs != np.round(yrs))
        if bad.any():
            raise fail(
                where,
                "`milestones` has missing, infinite, non-numeric or fractional years in row(s) "
                f"{format_values(milestones.index[bad.to_numpy()])}",
                "give every milestone a whole year, e.g. 2024",
            )
        ms_ = pd.DataFrame(
            {
                "art": "meilenstein",
                "massnahme": mm.where(mm.isna(), mm.astype(str)).to_numpy(),
                "label": milestones["meilenstein"].astype(str).to_numpy(),
                "handlungsfeld": pd.NA,
                "beginn": yrs.astype(int).to_numpy(),
                "ende": yrs.astype(int).to_numpy(),
            }
        )
        if "erreicht" in milestones.columns:
            ms_["erreicht"] = milestones["erreicht"].astype(object).to_numpy()
        ev.append(ms_)
    if targets is not None:
        tg = validate_targets(
            targets, measures=m, id_column=resolve_id_column(id_column, None, where)
        )
        mm = tg["massnahme"] if "massnahme" in tg.columns else pd.Series(pd.NA, index=tg.index)
        ev.append(
            pd.DataFrame(
                {
                    "art": "ziel",
                    "massnahme": mm.to_numpy(dtype=object),
                    "label": [
                        f"{i}: {ind}" for i, ind in zip(tg.index, tg["indikator"], strict=True)
                    ],
                    "handlungsfeld": pd.NA,
                    "beginn": tg["zieljahr"].to_numpy(dtype=int),
                    "ende": tg["zieljahr"].to_numpy(dtype=int),
                }
            )
        )
    events = pd.concat(ev, ignore_index=True)
    events["massnahme"] = (
        events["massnahme"].astype(object).where(events["massnahme"].notna(), None)
    )
    return Timeline(events=events, today=today)
