"""Status/dynamics monitoring: the staged z-score index of Berlin's MSS and Hamburg.

The procedure (Senatsverwaltung für Stadtentwicklung Berlin, Monitoring Soziale
Stadtentwicklung 2021; Hamburg, Sozialmonitoring Integrierte Stadtteilentwicklung):

1. rate only areas with enough residents that are not excluded as outliers;
2. z-standardise each indicator over the rated areas;
3. add (or average) the z-values per area;
4. z-standardise the sum again: the index;
5. cut the index into classes (status: hoch / mittel / niedrig / sehr niedrig;
   dynamics: positiv / stabil / negativ) and overlay both in the 4 x 3 matrix.

Every choice of the published methods is a keyword here, so other cities' variants
are a few lines (see :mod:`sozplan.presets`).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.html import frame_table
from sozplan._core.stats import weighted_mean_std
from sozplan._core.text import german
from sozplan.checks import (
    check_columns,
    check_frame,
    check_no_inf,
    check_unique_index,
    fail,
    format_values,
    is_whole,
)
from sozplan.index._classify import _check_cuts, assign_classes
from sozplan.index._common import parse_directions
from sozplan.index._monitoring_spec import (
    MonitoringSpec,
    accepts_spec,
    apply_monitor,
    apply_status_dynamics,
    default_labels,
)
from sozplan.plotting import FigureDisplay

__all__ = [
    "UNASSIGNED",
    "Monitoring",
    "StatusDynamics",
    "changes",
    "monitor",
    "status_dynamics",
    "transition_matrix",
]

#: Label of areas that are not rated (too few residents, outliers, explicit exclusion).
UNASSIGNED = "ohne Zuordnung"


# --------------------------------------------------------------------------------------
# result
# --------------------------------------------------------------------------------------
@immutable
@dataclass(frozen=True, repr=False)
class StatusDynamics:
    """Result of :func:`status_dynamics`.

    Attributes
    ----------
    status_z, dynamics_z : DataFrame
        z-values of each indicator (direction applied); NaN for unrated areas.
    status_sum, dynamics_sum : Series
        Sum (or mean) of the z-values.
    status_index, dynamics_index : Series
        The re-standardised sums (or the sums themselves if ``restandardize=False``).
    status_class, dynamics_class : Series
        Ordered categoricals; unrated areas get ``"ohne Zuordnung"``.
    matrix_code : Series
        Published MSS code of the 4 x 3 overlay, e.g. ``"2-"``, ``"1+/-"``, ``"4+"``
        (an ordered categorical: status first, then dynamics).
    matrix_number : Series
        Two-digit code (status class x 10 + dynamics code 1/3/5), e.g. 25; NA if unrated.
    matrix_label : Series
        e.g. ``"Status mittel , Dynamik negativ"`` (spelled as published).
    rated : Series of bool
    reason : Series of str
        Why an area is not rated (NA for rated areas).
    moments : DataFrame
        Mean and standard deviation used for every standardisation (rows: indicators,
        ``status_sum``, ``dynamics_sum``); pass it as ``reference=`` to standardise
        another year against this one.
    settings : dict
        All options, for the record.
    """

    status_z: pd.DataFrame
    status_sum: pd.Series
    status_index: pd.Series
    status_class: pd.Series
    dynamics_z: pd.DataFrame | None
    dynamics_sum: pd.Series | None
    dynamics_index: pd.Series | None
    dynamics_class: pd.Series | None
    matrix_code: pd.Series | None
    matrix_number: pd.Series | None
    matrix_label: pd.Series | None
    rated: pd.Series
    reason: pd.Series
    population: pd.Series | None
    moments: pd.DataFrame
    settings: dict = field(default_factory=dict)

    @property
    def n_rated(self) -> int:
        """Number of rated areas."""
        return int(self.rated.sum())

    def to_frame(self) -> pd.DataFrame:
        """One row per area: z-values, sums, indices, classes, matrix codes, reason."""
        parts: list[Any] = []
        if self.population is not None:
            parts.append(self.population.rename("population"))
        parts += [
            self.status_z.add_prefix("z_"),
            self.status_sum.rename("status_sum"),
            self.status_index.rename("status_index"),
            self.status_class.rename("status_class"),
        ]
        if self.dynamics_z is not None:
            dyn = [
                self.dynamics_sum,
                self.dynamics_index,
                self.dynamics_class,
                self.matrix_code,
                self.matrix_number,
                self.matrix_label,
            ]
            names = [
                "dynamics_sum",
                "dynamics_index",
                "dynamics_class",
                "matrix_code",
                "matrix_number",
                "matrix_label",
            ]
            parts.append(self.dynamics_z.add_prefix("z_"))
            parts += [s.rename(n) for s, n in zip(dyn, names, strict=True) if s is not None]
        parts += [self.rated.rename("rated"), self.reason.rename("reason")]
        return pd.concat(parts, axis=1)

    def matrix(self) -> pd.DataFrame:
        """Count rated areas in the status x dynamics matrix (all cells, also empty)."""
        if self.dynamics_class is None:
            raise fail(
                "StatusDynamics.matrix",
                "the result has no dynamics index",
                "pass `dynamics=` to status_dynamics",
            )
        s = self.status_class[self.rated].cat.remove_unused_categories()
        d = self.dynamics_class[self.rated].cat.remove_unused_categories()
        s = s.cat.set_categories(list(self.settings["status_labels"]))
        d = d.cat.set_categories(list(self.settings["dynamics_labels"]))
        return pd.crosstab(s.rename("Status"), d.rename("Dynamik"), dropna=False)

    def __repr__(self) -> str:
        counts = self.status_class.value_counts(sort=False)
        lines = [
            f"StatusDynamics: {self.n_rated} of {len(self.rated)} areas rated "
            f"({self.settings.get('combine')} of z-values, ddof={self.settings.get('ddof')}, "
            f"weighted={self.settings.get('weighted')})",
            "  Status:  " + ", ".join(f"{k} {v}" for k, v in counts.items()),
        ]
        if self.dynamics_class is not None:
            dc = self.dynamics_class.value_counts(sort=False)
            lines.append("  Dynamik: " + ", ".join(f"{k} {v}" for k, v in dc.items()))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        body = f"<b>StatusDynamics</b>: {self.n_rated} of {len(self.rated)} areas rated"
        if self.dynamics_class is not None:
            body += frame_table(self.matrix())
        else:
            body += frame_table(self.status_class.value_counts(sort=False).to_frame())
        return body

    def plot(self, ax=None, *, cmap: str = "Blues", language: str = "de") -> FigureDisplay:
        """Draw the status x dynamics matrix as a heat map with counts.

        Returns a :class:`sozplan.plotting.FigureDisplay` (German labels unless
        ``language="en"``).
        """
        import matplotlib.pyplot as plt

        de = german(language, "StatusDynamics.plot")
        m = self.matrix()
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 4))
        ax.imshow(m.to_numpy(), cmap=cmap)
        for (i, j), v in np.ndenumerate(m.to_numpy()):
            ax.text(
                j,
                i,
                str(v),
                ha="center",
                va="center",
                color="white" if v > m.to_numpy().max() / 2 else "black",
            )
        ax.set_xticks(range(m.shape[1]), m.columns.astype(str))
        ax.set_yticks(range(m.shape[0]), m.index.astype(str))
        ax.set_xlabel("Dynamik-Index" if de else "Dynamics index")
        ax.set_ylabel("Status-Index" if de else "Status index")
        alt = (
            "Matrix der Gebiete nach Status- und Dynamikklasse, mit Anzahl je Feld"
            if de
            else "Matrix of the areas by status and dynamics class, with counts per cell"
        )
        return FigureDisplay.from_axes(ax, "status_dynamics_matrix", alt, data={"matrix": m})


# --------------------------------------------------------------------------------------
# core
# --------------------------------------------------------------------------------------
def _exclusions(df: pd.DataFrame, exclude: Any, where: str) -> pd.Series:
    reason = pd.Series(pd.NA, index=df.index, dtype="string", name="reason")
    if exclude is None:
        return reason
    if isinstance(exclude, pd.Series):
        ex = exclude.dropna()
        if ex.dtype == bool:
            ex = ex[ex].map(lambda _: "ausgeschlossen")
        items = dict(ex.items())
    elif isinstance(exclude, Mapping):
        items = dict(exclude)
    elif isinstance(exclude, str) or not isinstance(exclude, Sequence | pd.Index | np.ndarray):
        raise fail(
            where,
            f"`exclude` is a {type(exclude).__name__}",
            "pass a list of area ids or a dict {id: reason}",
        )
    else:
        items = dict.fromkeys(exclude, "ausgeschlossen")
    unknown = [k for k in items if k not in df.index]
    if unknown:
        raise fail(
            where,
            f"`exclude` names {len(unknown)} id(s) that are not in the index of `df`: "
            f"{format_values(unknown)}",
            "use the area ids of `df` (check zero padding and dtype)",
        )
    for k, v in items.items():
        reason[k] = (
            str(v) if v is not None and v is not pd.NA and str(v) != "" else "ausgeschlossen"
        )
    return reason


def _stage(
    x: np.ndarray,
    rated: np.ndarray,
    dirs: np.ndarray,
    w: np.ndarray | None,
    *,
    ddof: float,
    combine: str,
    restandardize: bool,
    names: list,
    sum_name: str,
    reference: pd.DataFrame | None,
    where: str,
    ids: pd.Index,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    """z-standardise columns over rated rows, combine, re-standardise. Unrated rows -> NaN."""
    xr = x[rated]
    wr = None if w is None else w[rated]
    if reference is None:
        mean, sd = weighted_mean_std(xr, wr, ddof)
        const = ~(sd > 0)
        if const.any():
            bad = [names[j] for j in np.flatnonzero(const)]
            raise fail(
                where,
                f"indicator(s) {format_values(bad)} are constant over the "
                f"{int(rated.sum())} rated "
                "areas (standard deviation 0), so z-values are undefined",
                "drop the indicator or check the data (e.g. a column of zeros)",
            )
    else:
        missing = [c for c in [*names, sum_name] if c not in reference.index]
        if missing:
            raise fail(
                where,
                f"`reference` has no moments for {format_values(missing)}",
                "pass the `moments` of a result computed with the same indicators",
            )
        mean = reference.loc[names, "mean"].to_numpy(dtype=float)
        sd = reference.loc[names, "sd"].to_numpy(dtype=float)
    z = np.full(x.shape, np.nan)
    z[rated] = (xr - mean) / sd * dirs
    total = z.sum(axis=1) if combine == "sum" else z.mean(axis=1)
    smean: Any
    ssd: Any
    if restandardize:
        if reference is None:
            smean, ssd = weighted_mean_std(total[rated], wr, ddof)
            if not ssd > 0:
                ids_r = ids[rated]
                raise fail(
                    where,
                    f"the {sum_name} is constant over the rated areas ({format_values(ids_r)})",
                    "use indicators that vary between areas",
                )
        else:
            smean = float(reference.loc[sum_name, "mean"])
            ssd = float(reference.loc[sum_name, "sd"])
        index = (total - smean) / ssd
    else:
        smean, ssd = 0.0, 1.0
        index = total.copy()
    moments = pd.DataFrame(
        {
            "mean": np.append(mean, smean),
            "sd": np.append(sd, ssd),
            "direction": np.append(dirs, np.nan),
        },
        index=[*names, sum_name],
    )
    return z, total, index, moments


def _categorical(
    codes: np.ndarray, labels: Sequence[str], unassigned: str, index: pd.Index, name: str
) -> pd.Series:
    cats = [*labels, unassigned]
    codes = np.where(codes < 0, len(labels), codes)
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=cats, ordered=True), index=index, name=name
    )


def _matrix_codes(
    s_codes: np.ndarray,
    d_codes: np.ndarray,
    n_dyn: int,
    s_labels,
    d_labels,
    unassigned: str,
    language: str = "de",
):
    """MSS codes '2-', '1+/-', numbers 25 and 'Status mittel , Dynamik negativ' (categoricals)."""
    if n_dyn == 3:
        signs, dnum = ["+", "+/-", "-"], [1, 3, 5]
    else:
        signs, dnum = [str(i + 1) for i in range(n_dyn)], list(range(1, n_dyn + 1))
    n_s = len(s_labels)
    codes = [f"{i + 1}{signs[j]}" for i in range(n_s) for j in range(n_dyn)] + [unassigned]
    pattern = "Status {} , Dynamik {}" if language == "de" else "status {}, dynamics {}"
    labels = [pattern.format(s_labels[i], d_labels[j]) for i in range(n_s) for j in range(n_dyn)]
    labels.append(unassigned)
    ok = (s_codes >= 0) & (d_codes >= 0)
    cell = np.where(ok, s_codes * n_dyn + d_codes, n_s * n_dyn)
    code = pd.Categorical.from_codes(cell, categories=codes, ordered=True)
    label = pd.Categorical.from_codes(cell, categories=labels, ordered=True)
    numbers = np.array([(i + 1) * 10 + dnum[j] for i in range(n_s) for j in range(n_dyn)] + [0])
    number = pd.array(numbers[cell], dtype="Int64")
    number[~ok] = pd.NA
    return code, number, label


#: Fields of :class:`StatusDynamics` that need dynamics indicators.
_DYNAMICS_FIELDS = (
    "dynamics_z",
    "dynamics_sum",
    "dynamics_index",
    "dynamics_class",
    "matrix_code",
    "matrix_number",
    "matrix_label",
)


@accepts_spec(apply_status_dynamics)
def status_dynamics(
    df: pd.DataFrame,
    status: Sequence[Hashable] | None = None,
    dynamics: Sequence[Hashable] | None = None,
    *,
    population: Hashable | None = None,
    min_population: float | None = 300,
    exclude: Mapping[Hashable, str] | Sequence[Hashable] | pd.Series | None = None,
    directions: Mapping[Hashable, Any] | None = None,
    weighted: bool = False,
    ddof: float = 0,
    combine: str = "sum",
    restandardize: bool = True,
    status_cuts: Sequence[float] = (-1.0, 1.0, 1.5),
    dynamics_cuts: Sequence[float] = (-1.0, 1.0),
    status_labels: Sequence[str] | None = None,
    dynamics_labels: Sequence[str] | None = None,
    closed: str = "inner",
    unassigned: str | None = None,
    reference: StatusDynamics | pd.DataFrame | None = None,
    language: str = "de",
    spec: MonitoringSpec | str | None = None,
) -> StatusDynamics:
    r"""Staged status and dynamics index with classes (Berlin MSS / Hamburg method).

    For the rated areas :math:`R` and each indicator :math:`k` with direction
    :math:`d_k \in \{+1, -1\}`

    .. math::

        z_{ik} = d_k \frac{x_{ik} - \bar x_k}{s_k}, \qquad
        S_i = \sum_k z_{ik} \;(\text{or } \tfrac1K \sum_k z_{ik}), \qquad
        I_i = \frac{S_i - \bar S}{s_S},

    where :math:`\bar x_k` is the plain (or population-weighted) mean over
    :math:`R` and :math:`s_k = \sqrt{\sum_R w_i (x_{ik}-\bar x_k)^2 / (\sum_R w_i -
    \mathrm{ddof})}` (:math:`w_i = 1` unless ``weighted``). The index :math:`I_i` is
    cut at ``status_cuts``; a higher index means a *worse* social situation.

    Parameters
    ----------
    df : DataFrame
        One row per area (index = area id).
    status : list of str
        Status indicators (levels, e.g. shares in %).
    dynamics : list of str, optional
        Dynamics indicators (changes, e.g. in percentage points over 2 years).
    population : str, optional
        Column of residents: used for ``min_population`` and, if ``weighted``, as weights.
    min_population : float or None, default 300
        Areas with fewer residents are not rated (reason ``"EW unter 300"``).
    exclude : dict {id: reason}, list of ids or Series, optional
        Areas excluded before standardising (e.g. outliers), with the reason reported.
    directions : dict {column: +1 or -1}, optional
        +1 (default): a higher value means a worse situation; -1: a better one.
    weighted : bool, default False
        Population-weighted instead of plain means and standard deviations.
    ddof : float, default 0
        Delta degrees of freedom of the standard deviation (the MSS 2021 uses 0).
    combine : {"sum", "mean"}, default "sum"
        Sum or mean of the z-values (equal after re-standardisation, different without).
    restandardize : bool, default True
        z-standardise the sum again (the MSS index); if False, classify the sum itself.
    status_cuts, dynamics_cuts : sequence of float
        Inner cut points of the index; defaults: MSS (-1, +1, +1.5) and (-1, +1).
    status_labels, dynamics_labels : sequence of str, optional
        Class labels from the lowest index (best) to the highest (worst); default
        ``hoch, mittel, niedrig, sehr niedrig`` and ``positiv, stabil, negativ``
        (``high ...``, ``positive ...`` with ``language="en"``).
    closed : {"inner", "right", "left"}, default "inner"
        A value on a cut goes to the class nearer 0 (MSS: "-1 <= x <= +1" is mittel).
    unassigned : str, optional
        Class label of unrated areas (default ``"ohne Zuordnung"``, ``"not rated"``).
    reference : StatusDynamics or DataFrame, optional
        Use the means and standard deviations of another result (its ``moments``),
        e.g. a fixed base year, instead of standardising over this data.
    language : {"de", "en"}, default "de"
        Language of the default labels, of a spec's labels and of ``matrix_label``.
    spec : MonitoringSpec or str, optional
        All of the method's choices at once: a :class:`MonitoringSpec`, a preset name
        (:func:`sozplan.presets.available_presets`) or a YAML file. It sets
        ``status``, ``dynamics``, ``population``, ``min_population``, ``exclude``,
        ``directions``, ``weighted``, ``ddof``, ``combine``, the re-standardisation,
        the cuts, ``closed``, the labels and ``unassigned``; passing any of these as
        well is an error (change the spec with :meth:`MonitoringSpec.replace`). The
        spec's name, version and hash are kept in ``settings``.

    Returns
    -------
    StatusDynamics

    Raises
    ------
    InputError
        Missing values in a rated area, a constant indicator, no rated area, unknown
        ids in ``exclude``, a wrong direction spec, unsorted cuts or wrong label counts.

    References
    ----------
    Senatsverwaltung für Stadtentwicklung und Wohnen Berlin (2021): Monitoring Soziale
    Stadtentwicklung 2021, Indikatorenblätter and Methodik.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"ew": [500, 800, 200, 900, 700, 650],
    ...                    "alq": [2.0, 4.0, 9.0, 6.0, 12.0, 3.0],
    ...                    "sgb2": [5.0, 9.0, 20.0, 11.0, 25.0, 6.0]},
    ...                   index=["01", "02", "03", "04", "05", "06"])
    >>> res = status_dynamics(df, ["alq", "sgb2"], population="ew")
    >>> res.to_frame()[["status_index", "status_class", "reason"]].round(2)
        status_index    status_class        reason
    01         -0.91          mittel          <NA>
    02         -0.35          mittel          <NA>
    03           NaN  ohne Zuordnung  EW unter 300
    04          0.07          mittel          <NA>
    05          1.89    sehr niedrig          <NA>
    06         -0.70          mittel          <NA>
    """
    where = "status_dynamics"
    check_frame(df, where=where)
    check_unique_index(df, where=where)
    if status is None:
        raise fail(
            where,
            "neither `status` nor `spec` is given",
            "name the status indicators, e.g. status=['alq', 'sgb2'], or pass "
            "spec='berlin_mss_2021' (a preset) or a MonitoringSpec",
        )
    status_labels, dynamics_labels, unassigned = default_labels(
        status_labels, dynamics_labels, unassigned, language, where
    )
    status = check_columns(df, status, where=where)
    dyn = check_columns(df, dynamics, where=where) if dynamics is not None else None
    if not status:
        raise fail(where, "`status` is empty", "name at least one status indicator")
    if dyn is not None and not dyn:
        raise fail(
            where, "`dynamics` is empty", "name at least one dynamics indicator or pass None"
        )
    s_cuts, d_cuts = _check_scheme(
        combine, ddof, status_cuts, status_labels, dyn, dynamics_cuts, dynamics_labels, where
    )
    all_cols = status + (dyn or [])
    dirs_all = parse_directions(directions, list(dict.fromkeys(all_cols)), where=where)
    dmap = dict(zip(dict.fromkeys(all_cols), dirs_all, strict=True))

    reason, pop, rated = _rating(df, exclude, population, min_population, weighted, where)
    _check_rated_values(df, all_cols, rated, where)
    w = _rating_weights(pop, rated, where) if weighted else None
    ref = _reference_moments(reference, where)
    common = {
        "ddof": ddof,
        "combine": combine,
        "restandardize": restandardize,
        "reference": ref,
        "where": where,
        "ids": df.index,
    }

    def stage(cols: list, sum_name: str):
        x = df[cols].to_numpy(dtype=float, na_value=np.nan)
        dirs = np.array([dmap[c] for c in cols])
        return _stage(x, rated, dirs, w, names=cols, sum_name=sum_name, **common)

    zs, ssum, sidx, mom_s = stage(status, "status_sum")
    s_codes = assign_classes(sidx, s_cuts, closed=closed)
    ids = df.index
    settings = {
        "status": status,
        "dynamics": dyn,
        "population": population,
        "min_population": min_population,
        "weighted": weighted,
        "ddof": ddof,
        "combine": combine,
        "restandardize": restandardize,
        "status_cuts": s_cuts.tolist(),
        "status_labels": tuple(status_labels),
        "closed": closed,
        "directions": {c: int(v) for c, v in dmap.items()},
        "reference": ref is not None,
        "unassigned": unassigned,
    }
    out: dict[str, Any] = {
        "status_z": pd.DataFrame(zs, index=ids, columns=status),
        "status_sum": pd.Series(ssum, index=ids, name="status_sum"),
        "status_index": pd.Series(sidx, index=ids, name="status_index"),
        "status_class": _categorical(s_codes, status_labels, unassigned, ids, "status_class"),
        **dict.fromkeys(_DYNAMICS_FIELDS),  # filled below if there are dynamics indicators
    }
    moments = mom_s
    if dyn is not None and d_cuts is not None:
        zd, dsum, didx, mom_d = stage(dyn, "dynamics_sum")
        d_codes = assign_classes(didx, d_cuts, closed=closed)
        labels = (status_labels, dynamics_labels, unassigned)
        out.update(_dynamics_fields(zd, dsum, didx, s_codes, d_codes, dyn, ids, labels, language))
        moments = pd.concat(
            [mom_s, mom_d[~mom_d.index.isin(mom_s.index) | (mom_d.index == "dynamics_sum")]]
        )
        moments = moments[~moments.index.duplicated()]
        settings.update(
            {"dynamics_cuts": d_cuts.tolist(), "dynamics_labels": tuple(dynamics_labels)}
        )
    return StatusDynamics(
        **out,
        rated=pd.Series(rated, index=ids, name="rated"),
        reason=reason,
        population=pop,
        moments=moments,
        settings=settings,
    )


def _check_scheme(
    combine: str,
    ddof: float,
    status_cuts: Sequence[float],
    status_labels: Sequence[str],
    dyn: list | None,
    dynamics_cuts: Sequence[float],
    dynamics_labels: Sequence[str],
    where: str,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Check the combination options, cuts and labels; return the status and dynamics cuts."""
    if combine not in ("sum", "mean"):
        raise fail(where, f"`combine` is {combine!r}", "use 'sum' or 'mean'")
    if not (isinstance(ddof, int | float) and ddof >= 0):
        raise fail(where, f"`ddof` is {ddof!r}", "use 0 (divisor n, the MSS) or 1 (divisor n - 1)")
    s_cuts = _check_cuts(status_cuts, where)
    if len(status_labels) != len(s_cuts) + 1:
        raise fail(
            where,
            f"{len(status_labels)} `status_labels` for {len(s_cuts)} `status_cuts`",
            "give one label more than cuts",
        )
    d_cuts = None
    if dyn is not None:
        d_cuts = _check_cuts(dynamics_cuts, where)
        if len(dynamics_labels) != len(d_cuts) + 1:
            raise fail(
                where,
                f"{len(dynamics_labels)} `dynamics_labels` for {len(d_cuts)} `dynamics_cuts`",
                "give one label more than cuts",
            )
    return s_cuts, d_cuts


def _rating(
    df: pd.DataFrame,
    exclude: Any,
    population: Hashable | None,
    min_population: float | None,
    weighted: bool,
    where: str,
) -> tuple[pd.Series, pd.Series | None, np.ndarray]:
    """Reason why each area is not rated (NaN: rated), the residents and the rated mask."""
    reason = _exclusions(df, exclude, where)
    pop = None
    if population is not None:
        check_columns(df, [population], where=where)
        pop = df[population].astype(float)
        popv = pop.to_numpy(dtype=float, na_value=np.nan)
        if np.any(popv < 0):
            raise fail(
                where,
                f"column {population!r} has negative values at "
                f"{format_values(df.index[popv < 0])}",
                "residents cannot be negative; correct the data",
            )
        free = reason.isna().to_numpy()
        nan_pop = free & np.isnan(popv)
        reason[nan_pop] = "Einwohnerzahl fehlt"
        if min_population is not None:
            low = free & ~nan_pop & (popv < min_population)
            reason[low] = f"EW unter {min_population:g}"
    elif weighted:
        raise fail(
            where,
            "`weighted=True` needs population weights",
            "pass population='<column of residents>'",
        )
    rated = reason.isna().to_numpy()
    if not rated.any():
        counts = reason.value_counts()
        raise fail(
            where,
            f"all {len(df)} areas are excluded "
            f"({', '.join(f'{k}: {v}' for k, v in counts.items())})",
            "lower `min_population`, shorten `exclude` or check the population column",
        )
    if rated.sum() < 3:
        raise fail(
            where,
            f"only {int(rated.sum())} area(s) are rated",
            "standardising needs at least 3 rated areas",
        )
    return reason, pop, rated


def _check_rated_values(df: pd.DataFrame, all_cols: list, rated: np.ndarray, where: str) -> None:
    """Raise if a rated area has a missing or infinite indicator value."""
    x_all = df[all_cols].to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(x_all) & rated[:, None]
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        cols = [all_cols[j] for j in np.flatnonzero(bad.any(axis=0))]
        raise fail(
            where,
            f"{len(rows)} rated area(s) have missing or infinite values in {format_values(cols)}: "
            f"{format_values(df.index[rows])}",
            "impute them or exclude these areas with a reason, e.g. exclude={id: 'Daten fehlen'}",
        )


def _reference_moments(reference: Any, where: str) -> pd.DataFrame | None:
    """Return the moments of a reference result (or table) to standardize against."""
    ref = reference.moments if isinstance(reference, StatusDynamics) else reference
    if ref is not None and not isinstance(ref, pd.DataFrame):
        raise fail(
            where,
            f"`reference` is a {type(reference).__name__}",
            "pass a StatusDynamics result or its `moments` table",
        )
    return ref


def _rating_weights(pop: pd.Series | None, rated: np.ndarray, where: str) -> np.ndarray:
    """Return the population weights of ``weighted=True``, positive for every rated area."""
    assert pop is not None  # checked by _rating
    w = pop.to_numpy(dtype=float, na_value=np.nan)
    if np.any(w[rated] <= 0):
        raise fail(
            where,
            "population weights of rated areas must be positive",
            "check the population column",
        )
    return w


def _dynamics_fields(
    zd: np.ndarray,
    dsum: np.ndarray,
    didx: np.ndarray,
    s_codes: np.ndarray,
    d_codes: np.ndarray,
    dyn: list,
    ids: pd.Index,
    labels: tuple[Sequence[str], Sequence[str], str],
    language: str,
) -> dict[str, Any]:
    """Fields of the dynamics index and of the status/dynamics matrix."""
    status_labels, dynamics_labels, unassigned = labels
    code, number, label = _matrix_codes(
        s_codes,
        d_codes,
        len(dynamics_labels),
        status_labels,
        dynamics_labels,
        unassigned,
        language,
    )
    return {
        "dynamics_z": pd.DataFrame(zd, index=ids, columns=dyn),
        "dynamics_sum": pd.Series(dsum, index=ids, name="dynamics_sum"),
        "dynamics_index": pd.Series(didx, index=ids, name="dynamics_index"),
        "dynamics_class": _categorical(
            d_codes, dynamics_labels, unassigned, ids, "dynamics_class"
        ),
        "matrix_code": pd.Series(code, index=ids, name="matrix_code"),
        "matrix_number": pd.Series(number, index=ids, name="matrix_number"),
        "matrix_label": pd.Series(label, index=ids, name="matrix_label"),
    }


# --------------------------------------------------------------------------------------
# several years
# --------------------------------------------------------------------------------------
def _panel(panel: pd.DataFrame, year: str, where: str) -> pd.DataFrame:
    check_frame(panel, arg="panel", where=where)
    if isinstance(panel.index, pd.MultiIndex):
        if year not in panel.index.names:
            raise fail(
                where,
                f"`panel` has no index level {year!r} "
                f"(levels: {format_values(panel.index.names)})",
                "pass year='<name of the year level>'",
            )
        out = panel
    elif year in panel.columns:
        out = panel.set_index(year, append=True)
    else:
        raise fail(
            where,
            f"`panel` has neither an index level nor a column {year!r}",
            "pass a long table with one row per (area, year)",
        )
    if not out.index.is_unique:
        dup = out.index[out.index.duplicated()].unique()
        raise fail(
            where,
            f"`panel` has duplicate (area, year) rows: {format_values(dup)}",
            "keep one row per area and year",
        )
    return out


def changes(
    panel: pd.DataFrame,
    columns: Sequence[Hashable],
    *,
    window: int = 2,
    year: str = "jahr",
    prefix: str = "d_",
) -> pd.DataFrame:
    """Change of each column over ``window`` years, per area: :math:`x_{t} - x_{t-w}`.

    Parameters
    ----------
    panel : DataFrame
        Long table indexed by (area id, year) (or with a ``year`` column).
    columns : list of str
        Indicators (e.g. shares in %; the change is then in percentage points).
    window : int, default 2
        Years between the two observations (MSS: 2; Hamburg-style: 3).
    year : str, default "jahr"
    prefix : str, default ``"d_"``
        Prefix of the result columns.

    Returns
    -------
    DataFrame
        Same index as ``panel``; NaN where year ``t - window`` is not in the panel or
        either value is missing (an infinite value raises).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"q": [10.0, 11.0, 13.0]},
    ...                  index=pd.MultiIndex.from_product([["01"], [2020, 2021, 2022]],
    ...                                                   names=["id", "jahr"]))
    >>> changes(p, ["q"], window=2)["d_q"].tolist()
    [nan, nan, 3.0]
    """
    where = "changes"
    p = _panel(panel, year, where)
    cols = check_columns(p, columns, arg="panel", where=where)
    check_no_inf(p, cols, arg="panel", where=where)
    if not (is_whole(window) and window >= 1):
        raise fail(where, f"`window` is {window!r}", "pass a whole number of years, e.g. 2 or 3")
    lvl = p.index.names.index(year)
    idx = p.index.to_frame(index=False)
    idx[year] = idx[year] - window
    lagged = p[cols].reindex(pd.MultiIndex.from_frame(idx))
    out = p[cols].to_numpy(dtype=float, na_value=np.nan) - lagged.to_numpy(
        dtype=float, na_value=np.nan
    )
    del lvl
    return pd.DataFrame(out, index=p.index, columns=[f"{prefix}{c}" for c in cols])


def transition_matrix(
    before: pd.Series, after: pd.Series, *, normalize: bool | str = False
) -> pd.DataFrame:
    """Cross table of classes between two reports (rows: before, columns: after).

    Areas are matched by id; areas in only one of the two are counted in a row or
    column ``"nicht vorhanden"``, so nothing is dropped.

    Parameters
    ----------
    before, after : Series
        Class labels (categoricals keep their order and empty classes).
    normalize : bool or {"index", "columns", "all"}
        As :func:`pandas.crosstab`; ``"index"`` gives transition probabilities.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.Series(["hoch", "mittel", "mittel"], index=["1", "2", "3"])
    >>> b = pd.Series(["hoch", "niedrig", "mittel"], index=["1", "2", "3"])
    >>> transition_matrix(a, b).loc["mittel", "niedrig"]
    np.int64(1)
    """
    where = "transition_matrix"
    missing = "nicht vorhanden"
    for arg, s in (("before", before), ("after", after)):
        if not isinstance(s, pd.Series):
            raise fail(
                where,
                f"`{arg}` is a {type(s).__name__}, not a pandas Series",
                "pass the classes of the areas as a Series indexed by area id",
            )
        check_unique_index(s, arg=arg, where=where)

    def cats(s: pd.Series) -> list:
        if isinstance(s.dtype, pd.CategoricalDtype):
            return list(s.cat.categories)
        try:
            return sorted(s.dropna().unique())
        except TypeError as exc:  # e.g. numbers mixed with text
            raise fail(
                where,
                f"the classes of `{s.name}` mix types that cannot be ordered ({exc})",
                "pass classes of one type (labels as text, or class numbers)",
            ) from exc

    order = list(dict.fromkeys([*cats(before), *cats(after)]))
    ids = before.index.union(after.index)
    b = before.astype(object).reindex(ids).fillna(missing)
    a = after.astype(object).reindex(ids).fillna(missing)
    if (b == missing).any() or (a == missing).any():
        order.append(missing)
    b = pd.Categorical(b, categories=order, ordered=True)
    a = pd.Categorical(a, categories=order, ordered=True)
    tab = pd.crosstab(
        pd.Series(b, name=before.name or "vorher"),
        pd.Series(a, name=after.name or "nachher"),
        dropna=False,
        normalize=normalize,
    )
    return tab


@immutable
@dataclass(frozen=True, repr=False)
class Monitoring:
    """Result of :func:`monitor`: one :class:`StatusDynamics` per year.

    Attributes
    ----------
    results : dict {year: StatusDynamics}
    base_year : int or None
        If set, every year was standardised with the moments of this year.
    window : int
    """

    results: dict
    base_year: int | None
    window: int

    @property
    def years(self) -> list:
        """Years in the result."""
        return list(self.results)

    def classes(self, kind: str = "status") -> pd.DataFrame:
        """Class labels per area (rows) and year (columns); ``kind`` is "status" or "dynamics"."""
        cols = {}
        for y, r in self.results.items():
            c = r.status_class if kind == "status" else r.dynamics_class
            if c is not None:
                cols[y] = c
        return pd.DataFrame(cols)

    def index_values(self, kind: str = "status") -> pd.DataFrame:
        """Index values per area and year."""
        return pd.DataFrame(
            {
                y: (r.status_index if kind == "status" else r.dynamics_index)
                for y, r in self.results.items()
                if (r.status_index if kind == "status" else r.dynamics_index) is not None
            }
        )

    def transitions(
        self, start=None, end=None, *, kind: str = "status", normalize: bool | str = False
    ):
        """Transition matrix of classes between two years (default: first and last)."""
        tab = self.classes(kind)
        start = tab.columns[0] if start is None else start
        end = tab.columns[-1] if end is None else end
        for y in (start, end):
            if y not in tab.columns:
                raise fail(
                    "Monitoring.transitions",
                    f"year {y!r} has no {kind} classes",
                    f"use one of {format_values(tab.columns)}",
                )
        return transition_matrix(
            tab[start].rename(str(start)), tab[end].rename(str(end)), normalize=normalize
        )

    def transition_matrices(self, kind: str = "status", normalize: bool | str = False) -> dict:
        """Transition matrices between consecutive reports, keyed by (year, next year)."""
        ys = list(self.classes(kind).columns)
        return {
            (a, b): self.transitions(a, b, kind=kind, normalize=normalize)
            for a, b in itertools.pairwise(ys)
        }

    def to_frame(self) -> pd.DataFrame:
        """Long table: one row per (area, year) with indices, classes, codes and reasons."""
        frames = {y: r.to_frame() for y, r in self.results.items()}
        out = pd.concat(
            frames, names=["jahr", *[n or "id" for n in next(iter(frames.values())).index.names]]
        )
        return out.reorder_levels([*range(1, out.index.nlevels), 0]).sort_index()

    def __repr__(self) -> str:
        tab = self.classes("status")
        counts = tab.apply(lambda c: c.value_counts(sort=False)).T
        base = f", base year {self.base_year}" if self.base_year is not None else ""
        head = f"Monitoring({len(self.results)} years{base}, window={self.window})"
        return f"{head}\n{counts.to_string()}"

    def _repr_html_(self) -> str:
        tab = self.classes("status")
        return "<b>Monitoring</b> status classes per year" + frame_table(
            tab.apply(lambda c: c.value_counts(sort=False)).T
        )

    def plot(self, ax=None, *, kind: str = "status", language: str = "de") -> FigureDisplay:
        """Stacked bars: share of areas per class and year.

        Returns a :class:`sozplan.plotting.FigureDisplay` (German labels unless
        ``language="en"``).
        """
        import matplotlib.pyplot as plt

        de = german(language, "Monitoring.plot")
        tab = self.classes(kind)
        shares = tab.apply(lambda c: c.value_counts(sort=False, normalize=True)).T
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        shares.plot.bar(stacked=True, ax=ax, colormap="RdYlBu_r" if kind == "status" else "PiYG_r")
        ax.set_ylabel("Anteil Gebiete" if de else "Share of areas")
        ax.set_xlabel("Jahr" if de else "Year")
        if de:
            title = f"{'Status' if kind == 'status' else 'Dynamik'}-Klasse"
        else:
            title = f"{'Status' if kind == 'status' else 'Dynamics'} class"
        ax.legend(title=title, bbox_to_anchor=(1, 1))
        alt = (
            f"Gestapelte Balken: Anteil der Gebiete je {title} und Jahr"
            if de
            else f"Stacked bars: share of areas per {title.lower()} and year"
        )
        return FigureDisplay.from_axes(ax, "monitoring", alt, data={"shares": shares})


@accepts_spec(apply_monitor)
def monitor(
    panel: pd.DataFrame,
    status: Sequence[Hashable] | None = None,
    dynamics: Sequence[Hashable] | None = None,
    *,
    year: str = "jahr",
    years: Sequence[int] | None = None,
    window: int = 2,
    base_year: int | None = None,
    population: Hashable | None = None,
    directions: Mapping[Hashable, Any] | None = None,
    exclude: Mapping[int, Any] | None = None,
    language: str = "de",
    spec: MonitoringSpec | str | None = None,
    **options: Any,
) -> Monitoring:
    """Run the status/dynamics procedure for several years, optionally against a base year.

    Parameters
    ----------
    panel : DataFrame
        Long table indexed by (area id, year), e.g. ``load_musterstadt(..., year="all")``.
    status : list of str
        Status indicators (levels).
    dynamics : list of str, optional
        Indicators whose change over ``window`` years forms the dynamics index
        (columns ``d_<name>``, see :func:`changes`); years without ``t - window``
        get no dynamics index.
    year : str, default "jahr"
    years : list of int, optional
        Report years (default: all years of the panel).
    window : int, default 2
        Length of the dynamics window in years (MSS 2; Hamburg-style 3).
    base_year : int, optional
        Standardise every year with the means and standard deviations of this year,
        so that a trend of the index is not an artefact of re-standardising (with
        yearly re-standardisation the classes are relative, and the share of areas per
        class hardly moves even if the whole city gets poorer).
    population, directions : see :func:`status_dynamics`
    exclude : dict {year: exclusions}, optional
        Exclusions per year, each as accepted by :func:`status_dynamics`.
    language : {"de", "en"}, default "de"
        Language of the class labels (see :func:`status_dynamics`).
    spec : MonitoringSpec or str, optional
        The method's choices at once, as in :func:`status_dynamics`; here the spec's
        dynamics columns are the *levels* whose change over the spec's ``window`` is
        taken, its reason column and fixed exclusions apply in every year. Passing
        ``status``, ``dynamics``, ``window``, ``exclude`` or any knob of
        :func:`status_dynamics` as well is an error.
    **options
        Passed on to :func:`status_dynamics` (``weighted``, ``ddof``, ``combine``,
        ``min_population``, cuts, labels ...).

    Returns
    -------
    Monitoring

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> idx = pd.MultiIndex.from_product([[f"{i:02d}" for i in range(30)], range(2020, 2024)],
    ...                                  names=["id", "jahr"])
    >>> p = pd.DataFrame({"alq": rng.gamma(4, 2, len(idx)), "sgb2": rng.gamma(4, 3, len(idx))},
    ...                  index=idx)
    >>> m = monitor(p, ["alq", "sgb2"], dynamics=["alq", "sgb2"], window=2)
    >>> m.years
    [2020, 2021, 2022, 2023]
    >>> int(m.transitions(2022, 2023, kind="dynamics").to_numpy().sum())
    30
    """
    where = "monitor"
    p = _panel(panel, year, where)
    if status is None:
        raise fail(
            where,
            "neither `status` nor `spec` is given",
            "name the status indicators, or pass spec= (a preset name or a MonitoringSpec)",
        )
    options = {**options, "language": language}
    status = check_columns(p, status, arg="panel", where=where)
    all_years = sorted(p.index.get_level_values(year).unique())
    years = all_years if years is None else list(years)
    unknown = [y for y in years if y not in all_years]
    if unknown:
        raise fail(
            where,
            f"`years` {format_values(unknown)} are not in the panel",
            f"use {format_values(all_years)}",
        )
    if directions is not None:
        parse_directions(directions, [*status, *(dynamics or [])], where=where)
    dcols = None
    frame = p
    if dynamics is not None:
        ch = changes(p, dynamics, window=window, year=year)
        dcols = list(ch.columns)
        frame = p.join(ch)
        if directions is not None:
            directions = {
                **directions,
                **{f"d_{k}": v for k, v in directions.items() if k in dynamics},
            }
    id_levels = [n for n in p.index.names if n != year]
    results: dict = {}
    ref = None
    if base_year is not None:
        if base_year not in all_years:
            raise fail(
                where,
                f"`base_year` {base_year!r} is not in the panel",
                f"use one of {format_values(all_years)}",
            )
        ref = _one_year(
            frame,
            base_year,
            year,
            id_levels,
            status,
            dcols,
            population,
            directions,
            exclude,
            options,
            None,
            where,
        )
    for y in years:
        results[y] = _one_year(
            frame,
            y,
            year,
            id_levels,
            status,
            dcols,
            population,
            directions,
            exclude,
            options,
            ref,
            where,
        )
    return Monitoring(results=results, base_year=base_year, window=window)


def _one_year(
    frame, y, year, id_levels, status, dcols, population, directions, exclude, options, ref, where
):
    df = frame.xs(y, level=year)
    use_dyn = None
    if dcols is not None and df[dcols].notna().any().all():
        use_dyn = dcols
    if ref is not None and use_dyn is not None and not set(use_dyn) <= set(ref.moments.index):
        raise fail(
            where,
            "the base year has no dynamics index (its year minus the window is not in the panel)",
            "choose a later base_year or a shorter window",
        )
    ex = None if exclude is None else exclude.get(y)
    if directions is not None:  # a year without dynamics has no d_ columns
        used = {*status, *(use_dyn or [])}
        directions = {k: v for k, v in directions.items() if k in used}
    return status_dynamics(
        df,
        status,
        use_dyn,
        population=population,
        directions=directions,
        exclude=ex,
        reference=ref,
        **options,
    )
