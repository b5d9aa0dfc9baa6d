"""The result of :func:`sozplan.validation.validate`."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.text import german
from sozplan.checks import fail
from sozplan.plotting import FigureDisplay

__all__ = [
    "CHECKS",
    "CHECKS_EN",
    "COVERAGE_COLUMNS",
    "FINDING_COLUMNS",
    "RULES",
    "RULES_EN",
    "SEVERITIES",
    "ValidationReport",
]

#: Severity levels, most serious first. ``ok`` is False when any finding is an error.
SEVERITIES = ("error", "warning", "info")

#: Groups of rules (the ``check`` column of the findings), with German names.
CHECKS = {
    "completeness": "Vollständigkeit",
    "plausibility": "Plausibilität",
    "small_numbers": "Kleine Fallzahlen",
    "distribution": "Verteilung",
    "redundancy": "Redundanz",
    "reliability": "Reliabilität und Struktur",
    "stability": "Zeitliche Stabilität",
    "external": "Externe Validität",
}

#: Every rule: (check, German description).
RULES = {
    "missing_column": ("completeness", "Spalte fehlt; Kennzahl nicht berechenbar"),
    "missing_id": ("completeness", "Gebiet ohne Schlüssel"),
    "duplicate_id": ("completeness", "Gebietsschlüssel mehrfach vorhanden"),
    "nothing_checked": ("completeness", "nichts geprüft"),
    "suppressed_value": ("completeness", "Wert fehlt oder ist geheimgehalten"),
    "unreadable_value": ("completeness", "Zelle nicht lesbar"),
    "flagged_value": ("completeness", "Wert vorläufig, geschätzt oder eingeschränkt"),
    "duplicate_name": ("completeness", "Name mehrfach vergeben"),
    "missing_geometry": ("completeness", "Gebiet ohne Geometrie"),
    "geometry_without_data": ("completeness", "Geometrie ohne Daten"),
    "invalid_geometry": ("completeness", "ungültige Geometrie"),
    "negative_count": ("plausibility", "negative Fallzahl"),
    "numerator_above_denominator": ("plausibility", "Zähler größer als Nenner"),
    "parts_not_total": ("plausibility", "Teilsummen ergeben nicht die Gesamtzahl"),
    "share_out_of_range": ("plausibility", "Anteil außerhalb von 0 bis 100 %"),
    "hierarchy_total": (
        "plausibility",
        "Summe der Teilgebiete weicht vom übergeordneten Gebiet ab",
    ),
    "hierarchy_nesting": (
        "plausibility",
        "Gebiet liegt in keinem oder mehr als einem übergeordneten Gebiet",
    ),
    "jump": ("plausibility", "Sprung zwischen Jahren jenseits der robusten Schwelle"),
    "small_numbers": ("small_numbers", "Kennzahlen beruhen auf zu wenigen Fällen"),
    "skew_kurtosis": ("distribution", "Schiefe und Wölbung über der COINr-Schwelle"),
    "outlier": ("distribution", "robuster Ausreißer (Median/MAD)"),
    "constant": ("distribution", "Kennzahl ohne Streuung"),
    "high_correlation": ("redundancy", "Kennzahlenpaar mit |r| > Schwelle"),
    "high_vif": ("redundancy", "Varianzinflationsfaktor über der Schwelle"),
    "cronbach_alpha": ("reliability", "Cronbachs Alpha der Dimension"),
    "kmo": ("reliability", "Kaiser-Meyer-Olkin-Kriterium"),
    "bartlett": ("reliability", "Bartlett-Test auf Sphärizität"),
    "pca": ("reliability", "Hauptkomponentenanalyse"),
    "rank_correlation": ("stability", "Rangkorrelation zwischen Jahren"),
    "class_change": ("stability", "Anteil der Gebiete mit Klassenwechsel"),
    "external_correlation": ("external", "Korrelation mit dem Außenkriterium"),
}

#: English names of the checks (same keys as :data:`CHECKS`).
CHECKS_EN = {
    "completeness": "Completeness",
    "plausibility": "Plausibility",
    "small_numbers": "Small numbers",
    "distribution": "Distribution",
    "redundancy": "Redundancy",
    "reliability": "Reliability and structure",
    "stability": "Temporal stability",
    "external": "External validity",
}

#: English descriptions of the rules (same keys as :data:`RULES`).
RULES_EN = {
    "missing_column": "column missing; indicator not computable",
    "missing_id": "area without id",
    "duplicate_id": "area id occurs more than once",
    "nothing_checked": "nothing checked",
    "suppressed_value": "value missing or secret",
    "unreadable_value": "cell not readable",
    "flagged_value": "value provisional, estimated or limited",
    "duplicate_name": "name used by more than one area",
    "missing_geometry": "area without geometry",
    "geometry_without_data": "geometry without data",
    "invalid_geometry": "invalid geometry",
    "negative_count": "negative count",
    "numerator_above_denominator": "part larger than its whole",
    "parts_not_total": "parts do not add up to the total",
    "share_out_of_range": "share outside 0 to 100 %",
    "hierarchy_total": "sum of the areas differs from the published total",
    "hierarchy_nesting": "area lies in no or more than one parent area",
    "jump": "change between years beyond the robust threshold",
    "small_numbers": "indicators rest on too few cases",
    "skew_kurtosis": "skewness and kurtosis above the COINr threshold",
    "outlier": "robust outlier (median/MAD)",
    "constant": "indicator without variation",
    "high_correlation": "pair of indicators with |r| above the threshold",
    "high_vif": "variance inflation factor above the threshold",
    "cronbach_alpha": "Cronbach's alpha of the dimension",
    "kmo": "Kaiser-Meyer-Olkin criterion",
    "bartlett": "Bartlett's test of sphericity",
    "pca": "principal component analysis",
    "rank_correlation": "rank correlation between years",
    "class_change": "share of areas changing class",
    "external_correlation": "correlation with the external criterion",
}

#: Columns of the coverage table: what was checked and what was not, and why.
COVERAGE_COLUMNS = ("kind", "name", "name_en", "checked", "note", "note_en")

#: Columns of the findings table.
FINDING_COLUMNS = [
    "severity",
    "check",
    "rule",
    "area",
    "year",
    "indicator",
    "value",
    "message",
    "message_en",
]


def _in_language(findings: pd.DataFrame, language: str | None) -> pd.DataFrame:
    """Keep the message column of one language (named ``message``), or both for None."""
    if language is None:
        return findings
    en = _language(language)
    out = findings.drop(columns=["message", "message_en"])
    out["message"] = findings["message_en" if en else "message"].to_numpy()
    return out


def _language(language: str) -> bool:
    """Return True for English, False for German; refuse anything else."""
    if language not in ("de", "en"):
        raise fail("ValidationReport.summary", f"`language` is {language!r}", "use 'de' or 'en'")
    return language == "en"


def empty_findings() -> pd.DataFrame:
    """Return an empty findings table with the right columns and dtypes."""
    return pd.DataFrame(
        {
            "severity": pd.Categorical([], categories=SEVERITIES, ordered=True),
            "check": pd.Categorical([], categories=list(CHECKS)),
            "rule": pd.Categorical([], categories=list(RULES)),
            "area": pd.Series([], dtype="string"),
            "year": pd.Series([], dtype="Int64"),
            "indicator": pd.Series([], dtype="string"),
            "value": pd.Series([], dtype=float),
            "message": pd.Series([], dtype="string"),
            "message_en": pd.Series([], dtype="string"),
        }
    )


@immutable
@dataclass(frozen=True, repr=False)
class ValidationReport:
    """Findings and tables of :func:`~sozplan.validation.validate`.

    Attributes
    ----------
    findings : DataFrame
        One row per finding, columns ``severity`` (error, warning, info), ``check``
        (completeness, plausibility, small_numbers, distribution, redundancy,
        reliability, stability, external), ``rule`` (see :data:`RULES`), ``area`` (id
        or NA for findings about an indicator as a whole), ``year``, ``indicator``,
        ``value`` (the offending value or the statistic), ``message`` (German) and
        ``message_en`` (English).
    indicators : DataFrame
        Per indicator (and year): n, missing, small-number count, mean, median, sd,
        skewness, kurtosis, number of outliers, the COINr flag and a suggestion.
    correlation, rank_correlation : DataFrame
        Pearson and Spearman correlation matrices of the indicators (last year).
    vif : Series
        Variance inflation factors.
    reliability : DataFrame
        Cronbach's alpha per dimension (on oriented z-scores).
    kmo : float
        Overall Kaiser-Meyer-Olkin measure (NaN when not computable).
    kmo_per_indicator : Series
    bartlett : Series
        ``statistic``, ``dof``, ``p_value``.
    pca_explained, pca_loadings : DataFrame
        See :func:`~sozplan.validation.principal_components`.
    stability : DataFrame
        Per indicator and pair of years: Spearman rank correlation and share of areas
        changing quantile class.
    external : DataFrame
        Correlations with the external criterion.
    n_areas : int
        Areas checked (aggregate rows not counted).
    years : tuple
    coverage : DataFrame
        What was checked and what was not, and why: one row per indicator, rule,
        check (``hierarchy``, names, geometry), cell status, aggregate rows and unread
        columns, with columns ``kind``, ``name``, ``checked`` (bool), ``note`` (German)
        and ``note_en`` (English).
    n_aggregate_rows : int
        Rows of the table recognised as published aggregates (district or city totals):
        compared with the sums of the areas, never treated as areas.
    """

    findings: pd.DataFrame
    indicators: pd.DataFrame
    correlation: pd.DataFrame
    rank_correlation: pd.DataFrame
    vif: pd.Series
    reliability: pd.DataFrame
    kmo: float
    kmo_per_indicator: pd.Series
    bartlett: pd.Series
    pca_explained: pd.DataFrame
    pca_loadings: pd.DataFrame
    stability: pd.DataFrame
    external: pd.DataFrame
    n_areas: int
    years: tuple = field(default=())
    coverage: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(COVERAGE_COLUMNS))
    )
    n_aggregate_rows: int = 0

    @property
    def n_indicators(self) -> int:
        """Number of indicators checked."""
        if self.indicators.empty:
            return 0
        return len(self.indicators.index.get_level_values(0).unique())

    @property
    def ok(self) -> bool:
        """True when no finding has severity ``error``."""
        return not bool((self.findings["severity"] == "error").any())

    def to_frame(self, language: str | None = None) -> pd.DataFrame:
        """Return the tidy findings table (a copy).

        Parameters
        ----------
        language : {"de", "en"}, optional
            Keep one ``message`` column in this language; default: both (``message``
            German, ``message_en`` English).
        """
        return _in_language(self.findings.copy(), language)

    def select(
        self,
        rule: str | None = None,
        *,
        severity: str | None = None,
        check: str | None = None,
        language: str | None = None,
    ) -> pd.DataFrame:
        """Return the findings of one rule, severity or check.

        ``language`` (``"de"`` or ``"en"``) keeps one ``message`` column in that language.
        """
        f = self.findings
        mask = np.ones(len(f), dtype=bool)
        if rule is not None:
            mask &= (f["rule"] == rule).to_numpy()
        if severity is not None:
            mask &= (f["severity"] == severity).to_numpy()
        if check is not None:
            mask &= (f["check"] == check).to_numpy()
        return _in_language(f[mask], language)

    def counts(self) -> pd.DataFrame:
        """Count findings per check, rule and severity (non-zero rows only)."""
        f = self.findings
        if f.empty:
            return pd.DataFrame(columns=list(SEVERITIES))
        tab = pd.crosstab(
            [f["check"].astype(str), f["rule"].astype(str)], f["severity"].astype(str)
        )
        order = sorted(
            tab.index, key=lambda cr: (list(CHECKS).index(cr[0]), list(RULES).index(cr[1]))
        )
        return tab.reindex(index=order, columns=list(SEVERITIES), fill_value=0)

    @property
    def nothing_checked(self) -> bool:
        """True when the table held nothing to check (no rows, or no usable column)."""
        return bool((self.findings["rule"] == "nothing_checked").any())

    def checked(self, language: str = "de") -> pd.DataFrame:
        """Return the coverage table with the note in one language.

        Parameters
        ----------
        language : {"de", "en"}

        Returns
        -------
        DataFrame
            Columns ``kind``, ``name``, ``checked`` and ``note``.
        """
        en = _language(language)
        cov = self.coverage
        if cov.empty:
            return pd.DataFrame(columns=["kind", "name", "checked", "note"])
        out = cov[["kind", "name_en" if en else "name", "checked"]].copy()
        out.columns = ["kind", "name", "checked"]
        out["note"] = cov["note_en" if en else "note"].to_numpy()
        return out

    def summary(self, language: str = "de") -> str:
        """Return a text summary: what was checked, what was not and why, and the findings.

        Parameters
        ----------
        language : {"de", "en"}, default "de"
        """
        en = _language(language)
        f = self.findings
        n_err = int((f["severity"] == "error").sum())
        n_warn = int((f["severity"] == "warning").sum())
        n_info = int((f["severity"] == "info").sum())
        sep = "," if en else "."
        n_areas = f"{self.n_areas:,}".replace(",", sep)
        if en:
            years = f", years {', '.join(map(str, self.years))}" if self.years else ""
            head = f"Data validation: {n_areas} areas{years}, {self.n_indicators} indicators."
        else:
            years = f", Jahre {', '.join(map(str, self.years))}" if self.years else ""
            head = f"Datenprüfung: {n_areas} Gebiete{years}, {self.n_indicators} Kennzahlen."
        if self.n_aggregate_rows:
            head += (
                f" {self.n_aggregate_rows} aggregate rows (district or city totals) compared "
                "with the sums, not counted as areas."
                if en
                else f" {self.n_aggregate_rows} Summenzeilen (Bezirks- oder Stadtsummen) mit den "
                "Summen verglichen, nicht als Gebiete gezählt."
            )
        if self.nothing_checked:
            verdict = (
                "Result: nothing checked – no statement about errors possible."
                if en
                else "Ergebnis: nichts geprüft – keine Aussage über Fehler möglich."
            )
        elif n_err == 0:
            verdict = "Result: no errors." if en else "Ergebnis: keine Fehler."
        else:
            verdict = (
                f"Result: {n_err} errors – fix them before the analysis."
                if en
                else f"Ergebnis: {n_err} Fehler – vor der Auswertung beheben."
            )
        verdict += (
            f" {n_warn} warnings, {n_info} notes."
            if en
            else f" {n_warn} Warnungen, {n_info} Hinweise."
        )
        lines = [head, verdict]
        lines += self._coverage_lines(en)
        checks = CHECKS_EN if en else CHECKS
        rules = RULES_EN if en else {k: v[1] for k, v in RULES.items()}
        for check, label in checks.items():
            sub = f[f["check"] == check]
            if sub.empty:
                continue
            parts = []
            for rule, grp in sub.groupby("rule", observed=True):
                areas = grp["area"].dropna().unique()
                ids = ""
                if len(areas):
                    shown = ", ".join(map(str, areas[:5]))
                    more = (
                        (f" and {len(areas) - 5} more" if en else f" und {len(areas) - 5} weitere")
                        if len(areas) > 5
                        else ""
                    )
                    ids = f" ({'areas' if en else 'Gebiete'} {shown}{more})"
                parts.append(f"{rules[rule]}: {len(grp)}{ids}")
            lines.append(f"- {label}: " + "; ".join(parts) + ".")
        if np.isfinite(self.kmo):
            lines.append(
                f"KMO = {self.kmo:.2f}; Bartlett p = {self.bartlett.get('p_value', np.nan):.3g}."
            )
        if not self.reliability.empty:
            alphas = ", ".join(f"{d} {a:.2f}" for d, a in self.reliability["alpha"].items())
            lines.append(
                f"Cronbach's alpha per dimension: {alphas}."
                if en
                else f"Cronbachs Alpha je Dimension: {alphas}."
            )
        return "\n".join(lines)

    def _coverage_lines(self, en: bool) -> list[str]:
        cov = self.coverage
        if cov.empty:
            return []
        note = cov["note_en" if en else "note"].fillna("")
        name = cov["name_en" if en else "name"].astype(str)
        lines = []
        rules = cov[(cov["kind"] == "rule") & cov["checked"]]
        if len(rules):
            lines.append(
                ("Rules checked: " if en else "Geprüfte Regeln: ")
                + "; ".join(name[rules.index])
                + "."
            )
        other = cov[cov["kind"].isin(["check", "status", "aggregate"]) & cov["checked"]]
        if len(other):
            items = [
                f"{name[i]} – {note[i]}" if note[i] and name[i] != "-" else (note[i] or name[i])
                for i in other.index
            ]
            lines.append(
                ("Also checked: " if en else "Außerdem geprüft: ") + "; ".join(items) + "."
            )
        skipped = cov[~cov["checked"].astype(bool)]
        if len(skipped):
            items = [
                f"{n} ({t})" if n != "-" else str(t)
                for n, t in zip(name[skipped.index], note[skipped.index], strict=True)
            ]
            lines.append(("Not checked: " if en else "Nicht geprüft: ") + "; ".join(items) + ".")
        return lines

    def plot(self, ax: Any = None, *, language: str = "de") -> FigureDisplay:
        """Draw the number of findings per rule, stacked by severity (log scale).

        Parameters
        ----------
        ax : matplotlib Axes, optional
        language : {"de", "en"}, default "de"

        Returns
        -------
        sozplan.plotting.FigureDisplay
        """
        import matplotlib.pyplot as plt

        en = _language(language)
        counts = self.counts()
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.3 * max(len(counts), 3) + 1))
        if counts.empty:
            ax.set_title("Data validation: no findings" if en else "Datenprüfung: keine Befunde")
            alt = (
                "Balken: Zahl der Befunde je Regel, nach Schwere gestapelt"
                if german(language, "ValidationReport.plot")
                else "Bars: number of findings per rule, stacked by severity"
            )
            return FigureDisplay.from_axes(ax, "validation", alt)
        labels = [RULES_EN[r] if en else RULES[r][1] for _, r in counts.index]
        left = np.zeros(len(counts))
        colours = {"error": "#b42318", "warning": "#f79009", "info": "#98a2b3"}
        names = (
            {"error": "error", "warning": "warning", "info": "note"}
            if en
            else {"error": "Fehler", "warning": "Warnung", "info": "Hinweis"}
        )
        for sev in SEVERITIES:
            ax.barh(labels, counts[sev], left=left, color=colours[sev], label=names[sev])
            left = left + counts[sev].to_numpy()
        ax.set_xscale("symlog")
        ax.invert_yaxis()
        ax.set_xlabel("number of findings" if en else "Anzahl Befunde")
        ax.set_title(
            "Data validation: findings per rule" if en else "Datenprüfung: Befunde je Regel"
        )
        ax.legend(loc="best", fontsize="small")
        alt = (
            "Balken: Zahl der Befunde je Regel, nach Schwere gestapelt"
            if german(language, "ValidationReport.plot")
            else "Bars: number of findings per rule, stacked by severity"
        )
        return FigureDisplay.from_axes(ax, "validation", alt)

    def __repr__(self) -> str:
        counts = self.counts()
        head = (
            f"ValidationReport(ok={self.ok}, {len(self.findings)} findings, "
            f"{self.n_areas} areas, years={self.years or '-'})"
        )
        return head if counts.empty else head + "\n" + counts.to_string()

    def _repr_html_(self) -> str:
        status = "no errors" if self.ok else "errors found"
        colour = "#1a7f37" if self.ok else "#b42318"
        summary = "<br>".join(
            html.escape(line) for line in self.summary(language="en").splitlines()
        )
        counts = self.counts()
        top = _in_language(self.findings.sort_values("severity").head(20), "en")
        return (
            f"<div><p><strong style='color:{colour}'>Validation: {status}</strong></p>"
            f"<p>{summary}</p>"
            + (counts.to_html() if not counts.empty else "")
            + (
                f"<details><summary>First {len(top)} "
                f"findings</summary>{top.to_html(index=False)}</details>"
                if len(top)
                else ""
            )
            + "</div>"
        )
