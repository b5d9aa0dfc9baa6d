"""The whole index pipeline from a serialisable spec: :func:`composite_index`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable, thaw
from sozplan._core.html import escape, frame_table
from sozplan._core.stats import weighted_mean_std
from sozplan._core.text import german
from sozplan.checks import check_columns, check_frame, check_unique_index, fail, format_values
from sozplan.index._aggregate import AGGREGATIONS, aggregate
from sozplan.index._classify import Classification, classify
from sozplan.index._common import content_hash, parse_directions
from sozplan.index._transform import (
    IMPUTATIONS,
    STANDARDIZATIONS,
    OutlierTreatment,
    impute,
    standardize,
)
from sozplan.index._weights import check_weights, pca_weights, weights_for_importance
from sozplan.plotting import FigureDisplay

__all__ = ["SPEC_FORMAT", "IndexResult", "IndexSpec", "composite_index"]

#: Version of the spec format understood by this module.
SPEC_FORMAT = "sozplan.index/1"

_TOP_KEYS = {
    "format",
    "name",
    "version",
    "description",
    "indicators",
    "population",
    "treatment",
    "imputation",
    "standardization",
    "weighting",
    "aggregation",
    "restandardize",
    "classes",
}
_IND_KEYS = {"column", "direction", "weight", "label"}


def _check_keys(d: Mapping, allowed: set, what: str) -> None:
    unknown = sorted(set(d) - allowed)
    if unknown:
        raise fail(
            "IndexSpec",
            f"{what} has unknown key(s) {format_values(unknown)}",
            f"use only {format_values(sorted(allowed), 20)}",
        )


@immutable
@dataclass(frozen=True, repr=False)
class IndexSpec:
    """A serialisable description of a composite index.

    Build it from a dict, YAML or JSON (:meth:`from_dict`, :meth:`from_yaml`,
    :meth:`from_json`); :attr:`hash` is a content hash (SHA-256 of the canonical JSON,
    first 12 hex digits) that reports print, so a published index can be traced to
    its exact settings.

    The keys of a spec: ``name``, ``version`` (of *your* index, e.g. ``"2024.1"``), ``description``;
    ``indicators``: list of ``{column, direction (+1/-1), weight, label}``;
    ``population`` (column for weighted normalisation, optional);
    ``treatment``: ``None`` or ``{winmax, skew_threshold, kurtosis_threshold, log_fallback}``;
    ``imputation``: ``{method: mean|median|group_mean|group_median|none, by}``;
    ``standardization``: ``{method: zscore|minmax|goalposts|rank|percentile|distance, ddof,
    weighted, goalposts, reference, scale}``;
    ``weighting``: ``{method: manual|equal|pca|importance, target}``;
    ``aggregation``: ``{method: sum|mean|geometric|harmonic|generalised|copeland, p}``;
    ``restandardize``: bool; ``classes``: ``None`` or ``{scheme, cuts, n_classes, labels, closed}``.

    Examples
    --------
    >>> spec = IndexSpec.from_yaml('''
    ... name: Sozialindex
    ... version: "1"
    ... indicators:
    ...   - {column: alq, direction: 1}
    ...   - {column: sgb2, direction: 1}
    ... aggregation: {method: sum}
    ... restandardize: true
    ... classes: {scheme: sd, cuts: [-1, 1, 1.5], labels: [hoch, mittel, niedrig, sehr niedrig]}
    ... ''')
    >>> spec.columns, len(spec.hash)
    (['alq', 'sgb2'], 12)
    """

    indicators: tuple
    name: str = "Index"
    version: str = "1"
    description: str = ""
    population: str | None = None
    treatment: dict | None = None
    imputation: dict = field(default_factory=lambda: {"method": "none"})
    standardization: dict = field(default_factory=lambda: {"method": "zscore", "ddof": 0})
    weighting: dict = field(default_factory=lambda: {"method": "manual"})
    aggregation: dict = field(default_factory=lambda: {"method": "mean"})
    restandardize: bool = False
    classes: dict | None = None

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_dict(cls, d: IndexSpec | Mapping[str, Any]) -> IndexSpec:
        """Build and validate a spec from a plain dict."""
        if isinstance(d, IndexSpec):
            return d
        if not isinstance(d, Mapping):
            raise fail(
                "IndexSpec", f"the spec is a {type(d).__name__}", "pass a dict, YAML or JSON text"
            )
        _check_keys(d, _TOP_KEYS, "the spec")
        fmt = d.get("format", SPEC_FORMAT)
        if fmt != SPEC_FORMAT:
            raise fail(
                "IndexSpec",
                f"spec format {fmt!r} is not understood",
                f"use format: {SPEC_FORMAT!r}",
            )
        raw = d.get("indicators")
        if not raw:
            raise fail(
                "IndexSpec", "`indicators` is missing or empty", "list at least one {column: ...}"
            )
        inds = []
        for item in raw:
            if isinstance(item, str):
                item = {"column": item}
            if not isinstance(item, Mapping) or "column" not in item:
                raise fail(
                    "IndexSpec",
                    f"indicator entry {item!r} has no 'column'",
                    "write {column: name, ...}",
                )
            _check_keys(item, _IND_KEYS, f"indicator {item.get('column')!r}")
            inds.append(
                {
                    "column": item["column"],
                    "direction": item.get("direction", 1),
                    "weight": float(item.get("weight", 1.0)),
                    "label": item.get("label", item["column"]),
                }
            )
        cols = [i["column"] for i in inds]
        if len(set(cols)) != len(cols):
            raise fail(
                "IndexSpec",
                f"indicator(s) {format_values([c for c in cols if cols.count(c) > 1])} are "
                "listed twice",
                "list each indicator once",
            )
        dirs = parse_directions(
            {i["column"]: i["direction"] for i in inds}, cols, where="IndexSpec"
        )
        for i, dd in zip(inds, dirs, strict=True):
            i["direction"] = int(dd)
        check_weights([i["weight"] for i in inds], cols, where="IndexSpec")
        kw: dict[str, Any] = {"indicators": tuple(inds)}
        for key in ("name", "version", "description", "population"):
            if key in d and d[key] is not None:
                kw[key] = str(d[key])
        kw["treatment"] = None if not d.get("treatment") else dict(d["treatment"])
        kw["imputation"] = dict(d.get("imputation") or {"method": "none"})
        kw["standardization"] = dict(d.get("standardization") or {"method": "zscore", "ddof": 0})
        kw["weighting"] = dict(d.get("weighting") or {"method": "manual"})
        kw["aggregation"] = dict(d.get("aggregation") or {"method": "mean"})
        kw["restandardize"] = bool(d.get("restandardize", False))
        kw["classes"] = None if not d.get("classes") else dict(d["classes"])
        spec = cls(**kw)
        spec._validate()
        return spec

    @classmethod
    def from_yaml(cls, text: str | Path) -> IndexSpec:
        """Build a spec from YAML text or a ``.yaml`` file."""
        import yaml

        if isinstance(text, Path) or (
            isinstance(text, str) and "\n" not in text and text.endswith((".yaml", ".yml"))
        ):
            text = Path(text).read_text(encoding="utf-8")
        return cls.from_dict(yaml.safe_load(text))

    @classmethod
    def from_json(cls, text: str | Path) -> IndexSpec:
        """Build a spec from JSON text or a ``.json`` file."""
        if isinstance(text, Path) or (isinstance(text, str) and text.endswith(".json")):
            text = Path(text).read_text(encoding="utf-8")
        return cls.from_dict(json.loads(text))

    def _validate(self) -> None:
        m = self.standardization.get("method", "zscore")
        if m not in STANDARDIZATIONS:
            raise fail(
                "IndexSpec",
                f"standardization method {m!r}",
                f"use one of {format_values(STANDARDIZATIONS)}",
            )
        m = self.imputation.get("method", "none")
        if m not in IMPUTATIONS:
            raise fail(
                "IndexSpec", f"imputation method {m!r}", f"use one of {format_values(IMPUTATIONS)}"
            )
        m = self.aggregation.get("method", "mean")
        if m not in AGGREGATIONS:
            raise fail(
                "IndexSpec",
                f"aggregation method {m!r}",
                f"use one of {format_values(AGGREGATIONS)}",
            )
        m = self.weighting.get("method", "manual")
        if m not in ("manual", "equal", "pca", "importance"):
            raise fail(
                "IndexSpec",
                f"weighting method {m!r}",
                "use 'manual', 'equal', 'pca' or 'importance'",
            )
        if self.standardization.get("weighted") and not self.population:
            raise fail(
                "IndexSpec",
                "standardization.weighted is true but no `population` column is named",
                "add population: <column of residents>",
            )

    # ---------------------------------------------------------------- serialisation
    def to_dict(self) -> dict:
        """Plain dict (JSON/YAML-ready) including the format tag."""
        return thaw(
            {
                "format": SPEC_FORMAT,
                "name": self.name,
                "version": self.version,
                "description": self.description,
                "indicators": self.indicators,
                "population": self.population,
                "treatment": self.treatment,
                "imputation": self.imputation,
                "standardization": self.standardization,
                "weighting": self.weighting,
                "aggregation": self.aggregation,
                "restandardize": self.restandardize,
                "classes": self.classes,
            }
        )

    def to_json(self, path: str | Path | None = None) -> str:
        """JSON text (written to ``path`` if given)."""
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=_jsonable)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def to_yaml(self, path: str | Path | None = None) -> str:
        """YAML text (written to ``path`` if given)."""
        import yaml

        text = yaml.safe_dump(json.loads(self.to_json()), allow_unicode=True, sort_keys=False)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @property
    def hash(self) -> str:
        """Content hash: first 12 hex digits of SHA-256 of the canonical JSON."""
        return content_hash(self.to_dict(), default=_jsonable)

    @property
    def columns(self) -> list:
        """Indicator columns in order."""
        return [i["column"] for i in self.indicators]

    @property
    def directions(self) -> dict:
        """Direction per indicator."""
        return {i["column"]: i["direction"] for i in self.indicators}

    def replace(self, **changes: Any) -> IndexSpec:
        """Return a copy with top-level keys replaced (validated again)."""
        d = self.to_dict()
        d.update(changes)
        return IndexSpec.from_dict(d)

    def __repr__(self) -> str:
        return (
            f"IndexSpec({self.name!r}, version={self.version!r}, hash={self.hash}, "
            f"{len(self.indicators)} indicators, "
            f"standardization={self.standardization.get('method')}, "
            f"aggregation={self.aggregation.get('method')})"
        )


def _jsonable(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray | tuple):
        return list(o)
    raise TypeError(f"not serialisable: {type(o).__name__}")


@immutable
@dataclass(frozen=True, repr=False)
class IndexResult:
    """Result of :func:`composite_index`, keeping every intermediate table.

    Attributes
    ----------
    spec : IndexSpec
    raw : DataFrame
        The indicator columns as given.
    treated : DataFrame
        After outlier treatment (equal to ``raw`` if none).
    treatment : DataFrame or None
        Per indicator: skew, kurtosis, points winsorised, log transform.
    imputed : DataFrame
    standardized : DataFrame
        Normalised indicators, all pointing the same way (higher = worse).
    weights : Series
        Weights used (sum 1).
    aggregated : Series
        The aggregate before re-standardisation.
    index : Series
        The final index.
    classification : Classification or None
    """

    spec: IndexSpec
    raw: pd.DataFrame
    treated: pd.DataFrame
    treatment: pd.DataFrame | None
    imputed: pd.DataFrame
    standardized: pd.DataFrame
    weights: pd.Series
    aggregated: pd.Series
    index: pd.Series
    classification: Classification | None

    @property
    def classes(self) -> pd.Series | None:
        """Class labels (None without ``classes`` in the spec)."""
        return None if self.classification is None else self.classification.classes

    @property
    def rank(self) -> pd.Series:
        """Rank 1 = highest index (most disadvantaged); ties share the mean rank."""
        return self.index.rank(ascending=False, method="average").rename("rank")

    def to_frame(self) -> pd.DataFrame:
        """One row per area: normalised indicators, aggregate, index, rank, class."""
        parts = [
            self.standardized.add_prefix("n_"),
            self.aggregated.rename("aggregated"),
            self.index.rename("index"),
            self.rank,
        ]
        if self.classification is not None:
            parts.append(self.classification.classes.rename("class"))
        return pd.concat(parts, axis=1)

    def __repr__(self) -> str:
        s = self.spec
        lines = [
            f"IndexResult {s.name!r} version {s.version} (spec hash {s.hash}), "
            f"{len(self.index)} areas",
            f"  {s.standardization.get('method')} -> {s.aggregation.get('method')}"
            f"{' -> re-standardised' if s.restandardize else ''}",
            "  weights: " + ", ".join(f"{k} {v:.3f}" for k, v in self.weights.items()),
        ]
        if self.classification is not None:
            lines.append(
                "  classes: "
                + ", ".join(f"{k} {v}" for k, v in self.classification.counts.items())
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        s = self.spec
        head = (
            f"<b>IndexResult</b> {escape(s.name)} version {escape(s.version)} "
            f"(spec hash <code>{s.hash}</code>), {len(self.index)} areas"
        )
        return head + frame_table(self.weights.to_frame())

    def plot(self, ax=None, *, top: int = 20, language: str = "de") -> FigureDisplay:
        """Contributions of the indicators (weight x normalised value) for the ``top`` areas.

        Returns a :class:`sozplan.plotting.FigureDisplay` (German labels unless
        ``language="en"``).
        """
        import matplotlib.pyplot as plt

        de = german(language, "CompositeIndex.plot")
        contrib = self.standardized.mul(self.weights, axis=1)
        order = self.index.sort_values(ascending=False).index[:top]
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.3 * len(order) + 1))
        contrib.loc[order[::-1]].plot.barh(stacked=True, ax=ax, width=0.8)
        ax.set_xlabel(
            "Beitrag zum Index (Gewicht x normierter Wert)"
            if de
            else "Contribution to the index (weight x normalised value)"
        )
        ax.set_ylabel("")
        title = (
            f"{self.spec.name}: die {len(order)} höchsten Werte"
            if de
            else f"{self.spec.name}: the {len(order)} highest values"
        )
        ax.set_title(title)
        alt = (
            f"Gestapelte Balken: Beiträge der Indikatoren zum {self.spec.name} der "
            f"{len(order)} Gebiete mit den höchsten Werten"
            if de
            else f"Stacked bars: contributions of the indicators to {self.spec.name} for the "
            f"{len(order)} areas with the highest values"
        )
        return FigureDisplay.from_axes(
            ax, "composite_index", alt, data={"contributions": contrib.loc[order]}
        )


def composite_index(df: pd.DataFrame, spec: IndexSpec | Mapping[str, Any] | str) -> IndexResult:
    """Build a composite index from a spec: treat, impute, normalise, weight, aggregate, classify.

    Parameters
    ----------
    df : DataFrame
        One row per area, with the indicator columns of the spec.
    spec : IndexSpec, dict, or YAML/JSON text or path

    Returns
    -------
    IndexResult

    Raises
    ------
    InputError
        Missing columns, missing values without imputation, a constant indicator,
        a wrong direction, non-positive values for geometric/harmonic means.

    References
    ----------
    OECD/JRC (2008): Handbook on Constructing Composite Indicators. Methodology and
    User Guide, doi:10.1787/9789264043466-en.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"alq": [2.0, 4.0, 6.0, 12.0, 3.0],
    ...                    "abi": [60.0, 40.0, 30.0, 10.0, 50.0]},
    ...                   index=["01", "02", "03", "04", "05"])
    >>> spec = {"name": "Demo",
    ...         "indicators": [{"column": "alq"}, {"column": "abi", "direction": -1}],
    ...         "aggregation": {"method": "sum"}, "restandardize": True,
    ...         "classes": {"scheme": "sd", "cuts": [-1, 1, 1.5],
    ...                     "labels": ["hoch", "mittel", "niedrig", "sehr niedrig"]}}
    >>> res = composite_index(df, spec)
    >>> res.index.round(2).tolist()
    [-1.13, -0.26, 0.32, 1.76, -0.69]
    >>> res.classes.tolist()
    ['hoch', 'mittel', 'mittel', 'sehr niedrig', 'mittel']
    """
    where = "composite_index"
    if isinstance(spec, str | Path):
        s = str(spec)
        spec = (
            IndexSpec.from_json(spec)
            if s.strip().startswith("{") or s.endswith(".json")
            else IndexSpec.from_yaml(spec)
        )
    spec = IndexSpec.from_dict(spec)
    check_frame(df, where=where)
    check_unique_index(df, where=where)
    cols = check_columns(df, spec.columns, where=where)
    raw = df[cols].astype(float)
    values = raw.to_numpy()
    nan = np.isnan(values)
    imp_method = spec.imputation.get("method", "none")
    _check_index_values(df, raw, cols, imp_method, where)
    # 1 outlier treatment (on observed values; missing values stay missing)
    treated, treatment = raw, None
    if spec.treatment:
        ot_kw = {k: v for k, v in spec.treatment.items() if k != "method"}
        ot = OutlierTreatment(**ot_kw)
        obs = ~nan.any(axis=1)
        ot.fit(raw[obs])
        treated = raw.copy()
        filled = raw.fillna(raw.mean())
        out = ot.transform(filled)
        treated[:] = np.where(nan, np.nan, out)
        treatment = ot.report()
    # 2 imputation
    by = spec.imputation.get("by")
    imputed = impute(
        pd.concat([treated, df[[by]]], axis=1) if by else treated, cols, imp_method, by=by
    )
    # 3 normalisation
    norm_kw = {k: v for k, v in spec.standardization.items() if k not in ("method", "weighted")}
    population = spec.population if spec.standardization.get("weighted") else None
    frame = pd.concat([imputed, df[[population]]], axis=1) if population else imputed
    normalised = standardize(
        frame,
        cols,
        spec.standardization.get("method", "zscore"),
        directions=spec.directions,
        population=population,
        **norm_kw,
    )
    # 4 weights
    weights = _index_weights(spec, normalised, cols, where)
    # 5 aggregation
    agg = spec.aggregation.get("method", "mean")
    aggregated = aggregate(
        normalised,
        cols,
        weights if agg != "sum" else weights * len(cols),
        method=agg,
        p=spec.aggregation.get("p"),
        name="aggregated",
    )
    index = aggregated
    if spec.restandardize:
        # same moments as the normalisation: population-weighted if it was
        pw = df[population].to_numpy(dtype=float) if population else None
        mean, sd = weighted_mean_std(
            aggregated.to_numpy(), pw, spec.standardization.get("ddof", 0)
        )
        if not sd > 0:
            raise fail(
                where,
                "the aggregate is constant, it cannot be re-standardised",
                "check the indicators",
            )
        index = (aggregated - mean) / sd
    index = index.rename("index")
    # 6 classes
    classification = None
    if spec.classes:
        ckw = dict(spec.classes)
        scheme = ckw.pop("scheme", "sd")
        classification = classify(index, scheme, **ckw)
    return IndexResult(
        spec=spec,
        raw=raw,
        treated=treated,
        treatment=treatment,
        imputed=imputed,
        standardized=normalised,
        weights=weights,
        aggregated=aggregated,
        index=index,
        classification=classification,
    )


def _check_index_values(
    df: pd.DataFrame, raw: pd.DataFrame, cols: list, imp_method: str, where: str
) -> None:
    """Raise on infinite values, on missing values without imputation and on constant columns."""
    values = raw.to_numpy()
    inf = np.isinf(values)
    if inf.any():
        raise fail(
            where,
            f"infinite values at {format_values(df.index[inf.any(axis=1)])}",
            "check the rates (division by zero?)",
        )
    nan = np.isnan(values)
    if nan.any() and imp_method == "none":
        bad_cols = [c for c, b in zip(cols, nan.any(axis=0), strict=True) if b]
        raise fail(
            where,
            f"{int(nan.any(axis=1).sum())} area(s) have missing values in "
            f"{format_values(bad_cols)}: "
            f"{format_values(df.index[nan.any(axis=1)])}",
            "set imputation: {method: mean|median|group_mean, by: ...} in the spec "
            "or drop these areas",
        )
    const = [c for c in cols if raw[c].nunique(dropna=True) <= 1]
    if const:
        raise fail(
            where,
            f"indicator(s) {format_values(const)} are constant over all areas",
            "drop them from the spec; a constant indicator carries no information "
            "about differences",
        )


def _index_weights(spec: IndexSpec, normalised: pd.DataFrame, cols: list, where: str) -> Any:
    """Return the indicator weights of the spec: manual, equal, PCA or for a target importance."""
    wm = spec.weighting.get("method", "manual")
    if wm == "equal":
        return check_weights(None, cols, where=where)
    elif wm == "pca":
        return pca_weights(normalised, cols).weights
    elif wm == "importance":
        return weights_for_importance(normalised, cols, spec.weighting.get("target")).weights
    else:
        return check_weights([i["weight"] for i in spec.indicators], cols, where=where)
