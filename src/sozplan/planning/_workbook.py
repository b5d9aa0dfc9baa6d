"""An Excel workbook of the financing level for the treasury (*Kämmerei*).

One sheet per view (overview, financing plan, problems, programmes, bundling, budget
execution, product groups, portfolio), with real numbers and Excel number formats (euros
with two decimals and thousands separators, shares as percentages), a frozen header row,
filters and readable column widths. Excel shows the numbers with the separators of the
reader's locale, so the same file reads as ``1.234,50 €`` in a German Excel.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from sozplan.checks import fail
from sozplan.planning._bundling import Bundling, Portfolio
from sozplan.planning._execution import TRAFFIC_LIGHT_LABELS, BudgetExecution
from sozplan.planning._financing import PROBLEM_LABELS, FinancingPlan

__all__ = ["financing_workbook"]

_EURO = '#,##0.00 "€"'
_SHARE = "0.0 %"
_PLAIN = "0.000"

# column key -> (German label, English label, number format or None)
_COLUMNS: dict[str, tuple[str, str, str | None]] = {
    "massnahme": ("Maßnahme", "Measure", None),
    "jahr": ("Jahr", "Year", "0"),
    "programm": ("Förderprogramm", "Funding programme", None),
    "kostenart": ("Kostenart", "Cost type", None),
    "kosten": ("Kosten", "Costs", _EURO),
    "land": ("Land", "Land (state)", _EURO),
    "bund": ("Bund", "Federal", _EURO),
    "eu": ("EU", "EU", _EURO),
    "dritte": ("Dritte", "Third parties", _EURO),
    "foerderung": ("Förderung", "Funding", _EURO),
    "eigenanteil": ("Eigenanteil", "Own share", _EURO),
    "eigenanteil_quote": ("Eigenanteilsquote", "Own-share rate", _SHARE),
    "veranschlagt": ("Veranschlagt", "Budgeted", _EURO),
    "luecke": ("Deckungslücke", "Gap", _EURO),
    "betrag": ("Betrag", "Amount", _EURO),
    "hoechstbetrag": ("Höchstbetrag", "Ceiling", _EURO),
    "problem_label": ("Problem", "Problem", None),
    "text": ("Erläuterung", "Explanation", None),
    "regel": ("Regel", "Rule", None),
    "soll": ("Soll", "Planned", _EURO),
    "gebunden": ("Gebunden", "Committed", _EURO),
    "gezahlt": ("Gezahlt", "Paid", _EURO),
    "bindungsquote": ("Bindungsquote", "Commitment rate", _SHARE),
    "abflussquote": ("Abflussquote", "Payment rate", _SHARE),
    "prognose": ("Prognose Jahresende", "Year-end forecast", _EURO),
    "abweichung": ("Abweichung", "Deviation", _EURO),
    "abweichung_quote": ("Abweichung (Anteil am Soll)", "Deviation (share of planned)", _SHARE),
    "ampel_label": ("Ampel", "Traffic light", None),
    "produktgruppe": ("Produktgruppe", "Product group", None),
    "bedarf_norm": ("Bedarf (0-1)", "Need (0-1)", _PLAIN),
    "wirkung_norm": ("Wirkung (0-1)", "Effect (0-1)", _PLAIN),
    "nutzen": ("Nutzen", "Benefit", _PLAIN),
    "gewaehlt_label": ("Ausgewählt", "Chosen", None),
    "anteil_gewaehlt": (
        "Anteil der Gewichtungen mit Auswahl",
        "Share of weightings chosen",
        _SHARE,
    ),
}

_SHEETS = {
    "overview": ("Übersicht", "Overview"),
    "plan": ("Finanzierungsplan", "Financing plan"),
    "problems": ("Probleme", "Problems"),
    "programmes": ("Förderprogramme", "Programmes"),
    "bundling": ("Bündelung", "Bundling"),
    "own_share": ("Eigenanteil je Jahr", "Own share per year"),
    "binding": ("Bindende Regeln", "Binding rules"),
    "execution": ("Soll-Ist", "Planned vs actual"),
    "products": ("Produktgruppen", "Product groups"),
    "portfolio": ("Portfolio", "Portfolio"),
}

_LIGHT_FILL = {"gruen": "C6EFCE", "gelb": "FFEB9C", "rot": "FFC7CE"}


def _label(key: Any, language: str) -> str:
    entry = _COLUMNS.get(str(key))
    if entry is None:
        return str(key)
    return entry[0] if language == "de" else entry[1]


def _views(
    plan: FinancingPlan | None,
    bundling: Bundling | None,
    execution: BudgetExecution | None,
    portfolio: Portfolio | None,
    language: str,
) -> dict[str, pd.DataFrame]:
    """Return the tables of the workbook, keyed by sheet, with display columns added."""
    views: dict[str, pd.DataFrame] = {}
    if plan is not None:
        views["plan"] = plan.table.reset_index()
        probs = plan.problems.copy()
        probs["problem_label"] = [PROBLEM_LABELS[k][language] for k in probs["problem"]]
        cols = ["problem_label", "massnahme", "programm", "jahr", "kostenart", "betrag"]
        views["problems"] = probs[cols + (["text"] if language == "de" else [])]
        views["programmes"] = plan.by_programme.reset_index()
    if bundling is not None:
        views["bundling"] = bundling.funding.drop(columns="cent", errors="ignore")
        views["own_share"] = bundling.own_share.reset_index()
        binding = bundling.binding.copy()
        if language != "de":
            binding = binding.drop(columns="text", errors="ignore")
        views["binding"] = binding
    if execution is not None:
        ex = execution.table.reset_index()
        ex["ampel_label"] = [TRAFFIC_LIGHT_LABELS[k][language] for k in ex.pop("ampel")]
        views["execution"] = ex
        if execution.by_product is not None:
            views["products"] = execution.by_product.reset_index()
    if portfolio is not None:
        pf = portfolio.table.reset_index()
        yes, no = ("ja", "nein") if language == "de" else ("yes", "no")
        pf["gewaehlt_label"] = [yes if v else no for v in pf.pop("gewaehlt")]
        views["portfolio"] = pf
    return views


def _overview(
    plan: FinancingPlan | None,
    bundling: Bundling | None,
    execution: BudgetExecution | None,
    portfolio: Portfolio | None,
    language: str,
    title: str,
    source: str | None,
) -> list[tuple[str, Any, str | None]]:
    de = language == "de"
    rows: list[tuple[str, Any, str | None]] = [
        (title, None, None),
        (("Erstellt am" if de else "Created on"), _dt.date.today().isoformat(), None),
    ]
    if source:
        rows.append((("Quelle" if de else "Source"), source, None))
    if plan is not None:
        t = plan.totals()
        for key in ("kosten", "foerderung", "eigenanteil", "veranschlagt", "luecke"):
            rows.append((_label(key, language), float(t[key]), _EURO))
        rows.append((("Probleme" if de else "Problems"), len(plan.problems), "0"))
        for kind, n in plan.problems["problem"].value_counts().items():
            rows.append(("  " + PROBLEM_LABELS[str(kind)][language], int(n), "0"))
        for reason in plan.not_checked:
            rows.append((("Nicht geprüft" if de else "Not checked"), reason, None))
    if bundling is not None:
        rows.append(
            (
                ("Kleinster Eigenanteil (Bündelung)" if de else "Smallest own share (bundling)"),
                bundling.own_share_total,
                _EURO,
            )
        )
        rows.append((("Lösungsstatus" if de else "Solver status"), bundling.status, None))
    if execution is not None:
        rows.append(
            (
                ("Regel der Ampel" if de else "Traffic-light rule"),
                execution.rule if de else execution.rule_en,
                None,
            )
        )
    if portfolio is not None:
        rows.append(("Budget", portfolio.budget, _EURO))
        rows.append(
            (("Kosten der Auswahl" if de else "Cost of the choice"), portfolio.cost, _EURO)
        )
        rows.append(
            (("Gewählte Maßnahmen" if de else "Measures chosen"), len(portfolio.chosen), "0")
        )
    return rows


def _write_sheet(ws: Any, table: pd.DataFrame, language: str) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE4EE")
    for j, col in enumerate(table.columns, start=1):
        cell = ws.cell(row=1, column=j, value=_label(col, language))
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(table.itertuples(index=False), start=2):
        for j, value in enumerate(row, start=1):
            if value is None or (isinstance(value, float) and pd.isna(value)):
                value = None
            elif hasattr(value, "item"):
                value = value.item()
            ws.cell(row=i, column=j, value=value)
    for j, col in enumerate(table.columns, start=1):
        fmt = _COLUMNS.get(str(col), (None, None, None))[2]
        letter = get_column_letter(j)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt
        width = max([len(_label(col, language))] + [len(str(v)) for v in table[col].head(200)])
        ws.column_dimensions[letter].width = min(max(10, width + 2), 60)
    if "ampel_label" in table.columns:
        j = list(table.columns).index("ampel_label") + 1
        keys = {v[language]: k for k, v in TRAFFIC_LIGHT_LABELS.items()}
        for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            key = keys.get(cell.value)
            if key:
                cell.fill = PatternFill("solid", fgColor=_LIGHT_FILL[key])
    ws.freeze_panes = "A2"
    if len(table):
        ws.auto_filter.ref = ws.dimensions


def financing_workbook(
    path: str | Path,
    *,
    plan: FinancingPlan | None = None,
    bundling: Bundling | None = None,
    execution: BudgetExecution | None = None,
    portfolio: Portfolio | None = None,
    language: str = "de",
    title: str | None = None,
    source: str | None = None,
) -> Path:
    """Write the financing level as an Excel workbook a treasury can read.

    One sheet per view: an overview (totals, problems by kind, what was not checked, the
    solver status and the traffic-light rule), the financing plan per measure and year,
    the problems found, the funding per programme and year, the bundled funding with the
    own share per measure-year and the binding rules, planned against actual spending
    with traffic lights (coloured and written out), the sums per product group and the
    portfolio. Amounts are real numbers with the format ``#,##0.00 "€"``, shares with
    ``0.0 %``; each sheet has a frozen header row and a filter.

    Parameters
    ----------
    path : str or Path
        Where to write; must end in ``.xlsx``.
    plan, bundling, execution, portfolio : results, optional
        Results of :func:`financing_plan`, :func:`bundle_funding`,
        :func:`budget_execution` and the portfolio choice; at least one.
    language : {"de", "en"}, default "de"
        Language of sheet names, headers and labels.
    title : str, optional
        First line of the overview (default "Finanzierung" / "Financing").
    source : str, optional
        Where the figures come from (printed in the overview).

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sozplan.datasets import load_financing
    >>> from sozplan.planning import financing_plan
    >>> fin = load_financing()
    >>> plan = financing_plan(fin.cost_plan, fin.programmes, fin.funding,
    ...                       own_funds=fin.own_funds, measures=fin.measures)
    >>> out = financing_workbook(pathlib.Path(tempfile.mkdtemp()) / "finanzen.xlsx", plan=plan)
    >>> import openpyxl
    >>> openpyxl.load_workbook(out).sheetnames
    ['Übersicht', 'Finanzierungsplan', 'Probleme', 'Förderprogramme']
    """
    where = "financing_workbook"
    if language not in ("de", "en"):
        raise fail(where, f"`language` is {language!r}", 'pass "de" or "en"')
    results: Mapping[str, tuple[Any, type]] = {
        "plan": (plan, FinancingPlan),
        "bundling": (bundling, Bundling),
        "execution": (execution, BudgetExecution),
        "portfolio": (portfolio, Portfolio),
    }
    for arg, (value, kind) in results.items():
        if value is not None and not isinstance(value, kind):
            raise fail(
                where,
                f"`{arg}` is a {type(value).__name__}, not a {kind.__name__}",
                f"pass the result of the sozplan.planning function that returns {kind.__name__}",
            )
    if all(v is None for v, _ in results.values()):
        raise fail(where, "no result was given", "pass at least one of plan=, bundling=, "
                   "execution= or portfolio=")  # fmt: skip
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise fail(where, f"`path` ends in {path.suffix!r}", "give a file name ending in .xlsx")
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise fail(where, "openpyxl is not installed", "pip install openpyxl") from None
    wb = Workbook()
    ws = wb.active
    ws.title = _SHEETS["overview"][0 if language == "de" else 1]
    title = title or ("Finanzierung" if language == "de" else "Financing")
    for i, (label, value, fmt) in enumerate(
        _overview(plan, bundling, execution, portfolio, language, title, source), start=1
    ):
        ws.cell(row=i, column=1, value=label)
        cell = ws.cell(row=i, column=2, value=value)
        if fmt:
            cell.number_format = fmt
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 42
    ws.column_dimensions["B"].width = 60
    for key, table in _views(plan, bundling, execution, portfolio, language).items():
        sheet = wb.create_sheet(_SHEETS[key][0 if language == "de" else 1])
        _write_sheet(sheet, table, language)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
