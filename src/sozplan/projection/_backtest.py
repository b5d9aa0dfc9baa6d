"""Back-testing: project from an earlier year to a later known one and measure the errors."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from sozplan._core.frozen import immutable
from sozplan._core.html import block
from sozplan.checks import fail, is_whole
from sozplan.plotting import FigureDisplay, area_profile
from sozplan.projection._bands import AgeBands, _as_bands
from sozplan.projection._common import reconcile, stocks_by_year
from sozplan.projection._hamilton_perry import hamilton_perry

__all__ = ["BacktestResult", "backtest"]

#: Readable names of the methods in charts.
METHOD_LABELS = {
    "de": {
        "hamilton_perry": "Hamilton-Perry",
        "constant_share": "konstante Anteile",
        "linear_trend": "linearer Trend",
    },
    "en": {
        "hamilton_perry": "Hamilton-Perry",
        "constant_share": "constant shares",
        "linear_trend": "linear trend",
    },
}

#: The methods :func:`backtest` compares.
BACKTEST_METHODS = ("hamilton_perry", "constant_share", "linear_trend")


@immutable
@dataclass(frozen=True, repr=False, eq=False)
class BacktestResult:
    """Errors of projections from ``launch_year`` to ``target_year`` against the known stocks.

    Attributes
    ----------
    errors : DataFrame
        One row per area, band and method: ``projected``, ``actual``, ``error``
        (projected - actual), ``ape`` (absolute percentage error, NaN where the actual is
        0), ``pe`` (signed percentage error) and ``size_class`` (area size at launch).
    summary : DataFrame
        MAPE and mean signed percentage error (bias) per band (rows) and method.
    by_size : DataFrame
        MAPE and bias per size class and band (rows) and method (columns
        ``("mape", method)``, ``("bias", method)``); class 1 holds the smallest areas.
    settings : mapping
    notes : tuple of str
    """

    errors: pd.DataFrame
    summary: pd.DataFrame
    by_size: pd.DataFrame
    settings: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    notes: tuple[str, ...] = ()

    def mape(self, band: Hashable | None = None) -> pd.Series:
        """MAPE per method, for one band or (``None``) over all area-band cells."""
        e = self.errors if band is None else self.errors[self.errors["band"] == band]
        return e.groupby("method", sort=False)["ape"].mean()

    def to_frame(self) -> pd.DataFrame:
        """Return the error table (:attr:`errors`)."""
        return self.errors.copy()

    def __repr__(self) -> str:
        s = self.settings
        head = (
            f"BacktestResult({s.get('base_year')}/{s.get('launch_year')} -> {s.get('target_year')}, "
            f"{self.errors['area'].nunique()} areas)"
        )
        mape = self.summary.xs("mape", axis=1, level=0).round(2)
        return head + "\nMAPE (%) by band and method:\n" + mape.to_string()

    def _repr_html_(self) -> str:
        return block(
            "Backtest: MAPE and bias in %",
            self.summary.round(2),
            lines=self.notes,
            max_rows=12,
            float_format="{:,.1f}",
        )

    def plot(self, *, ax: Any = None, language: str = "de") -> FigureDisplay:
        """MAPE by band for each method (grouped bars, via :func:`sozplan.plotting.area_profile`)."""
        mape = self.summary.xs("mape", axis=1, level=0)
        mape = mape.rename(columns=METHOD_LABELS.get(language, {}))
        title = "MAPE in % nach Altersgruppe" if language == "de" else "MAPE in % by age band"
        return area_profile(
            mape, units=dict.fromkeys(mape.index, "%"), ax=ax, title=title, language=language
        )


def backtest(
    df: pd.DataFrame,
    bands: AgeBands | Sequence[Hashable] | Mapping,
    *,
    base_year: int,
    launch_year: int,
    target_year: int,
    year: Hashable = "jahr",
    control: str | None = "actual",
    size_classes: int = 3,
    **options: Any,
) -> BacktestResult:
    r"""Back-test Hamilton-Perry against naive methods on known stocks.

    Projects from ``launch_year`` (with the base period from ``base_year``) to
    ``target_year``, for which the stocks are known, and compares per area and band:

    - ``hamilton_perry``: :func:`hamilton_perry` with ``options`` (e.g. ``split=``, ``step=``);
    - ``constant_share``: each area keeps its launch-year share of the city's band total;
    - ``linear_trend``: each area-band continues its straight line from ``base_year`` to
      ``launch_year`` (negative values set to 0).

    Without a control, constant shares are the launch-year stocks unchanged; with the
    control they are those stocks scaled to the city totals (the two naive "no change"
    methods coincide, so only one is reported).

    Errors: :math:`\mathrm{APE} = 100\,|\hat P - P| / P` and the signed
    :math:`\mathrm{PE} = 100\,(\hat P - P)/P` per area and band (cells with :math:`P = 0`
    are left out of the means and counted in the notes); MAPE and bias (mean PE) by band,
    and by area size class (quantiles of the launch-year total), as recommended for
    small-area evaluations (Baker, Swanson & Tayman 2021, doi:10.1007/s11113-020-09601-y;
    Wilson et al. 2021, doi:10.1007/s11113-021-09671-6).

    Parameters
    ----------
    df : DataFrame
        Stocks indexed by (area, year), one column per band; must contain ``target_year``.
    bands : AgeBands, list of columns or dict
    base_year, launch_year, target_year : int
    year : hashable, default "jahr"
    control : {"actual", None}, default "actual"
        ``"actual"``: every method is reconciled to the known city totals by band of the
        target year (a perfect city forecast; this isolates the small-area allocation
        error and is what a constant share needs anyway). ``None``: no control
        (constant shares then use the launch-year city totals: no change).
    size_classes : int, default 3
        Number of area size classes (quantiles of the launch-year total population).
    **options
        Passed to :func:`hamilton_perry`.

    Returns
    -------
    BacktestResult

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.MultiIndex.from_product([["A", "B"], [2010, 2015, 2020]], names=["gebiet", "jahr"])
    >>> df = pd.DataFrame({"0_4": [10, 12, 14, 20, 20, 21], "5_plus": [90, 95, 99, 80, 82, 85]},
    ...                   index=idx)
    >>> bt = backtest(df, ["0_4", "5_plus"], base_year=2010, launch_year=2015, target_year=2020,
    ...               mothers=(5, 50), size_classes=1)
    >>> list(bt.summary.index), list(bt.mape().index)
    (['0_4', '5_plus'], ['hamilton_perry', 'constant_share', 'linear_trend'])
    """
    where = "backtest"
    b = _as_bands(bands, where)
    if control not in ("actual", None):
        raise fail(where, f"`control` is {control!r}", "use 'actual' or None")
    if not is_whole(size_classes) or size_classes < 1:
        raise fail(where, f"`size_classes` is {size_classes!r}", "pass a positive integer")
    areas, stocks = stocks_by_year(
        df, b, sorted({base_year, launch_year, target_year}), year, where
    )
    actual = stocks[target_year]
    city_target = actual.sum(axis=0)
    (
        pd.DataFrame([city_target], index=[target_year], columns=list(b.columns))
        if control
        else None
    )
    hp_df = df[df.index.get_level_values(year) <= launch_year]
    hp = hamilton_perry(
        hp_df,
        b,
        base_year=base_year,
        launch_year=launch_year,
        target_year=target_year,
        year=year,
        **options,
    )
    hp_values = hp.population.xs(target_year, level=year).reindex(areas).to_numpy()
    if control:
        hp_values = reconcile(hp_values, city_target)
    launch = stocks[launch_year]
    city_launch = launch.sum(axis=0)
    share = np.divide(launch, city_launch, out=np.zeros_like(launch), where=city_launch > 0)
    constant_share = share * (city_target if control else city_launch)
    slope = (launch - stocks[base_year]) / (launch_year - base_year)
    linear = np.clip(launch + slope * (target_year - launch_year), 0, None)
    if control:
        linear = reconcile(linear, city_target)
    projected = {
        "hamilton_perry": hp_values,
        "constant_share": constant_share,
        "linear_trend": linear,
    }
    total_launch = launch.sum(axis=1)
    if size_classes > 1:
        size = pd.qcut(
            pd.Series(total_launch).rank(method="first"), size_classes, labels=False
        ).to_numpy()
    else:
        size = np.zeros(len(areas), dtype=int)
    rows = []
    for name, values in projected.items():
        for j, col in enumerate(b.columns):
            rows.append(
                pd.DataFrame(
                    {
                        "area": areas,
                        "band": col,
                        "method": name,
                        "projected": values[:, j],
                        "actual": actual[:, j],
                        "size_class": size + 1,
                    }
                )
            )
    errors = pd.concat(rows, ignore_index=True)
    errors["error"] = errors["projected"] - errors["actual"]
    pos = errors["actual"] > 0
    errors["pe"] = np.where(pos, 100 * errors["error"] / errors["actual"].where(pos, 1), np.nan)
    errors["ape"] = errors["pe"].abs()
    notes = list(hp.notes)
    n_zero = int((~pos).sum() // len(projected))
    if n_zero:
        notes.append(
            f"{n_zero} area-band cell(s) with 0 actual residents left out of MAPE and bias"
        )
    if control:
        notes.append(f"all methods reconciled to the known city totals by band of {target_year}")
    summary = errors.groupby(["band", "method"], sort=False).agg(
        mape=("ape", "mean"), bias=("pe", "mean")
    )
    summary = summary.unstack("method")
    summary = summary.reindex(list(b.columns))
    summary = summary.reindex(
        columns=pd.MultiIndex.from_product([["mape", "bias"], list(projected)])
    )
    by_size = (
        errors.groupby(["size_class", "band", "method"], sort=False)
        .agg(mape=("ape", "mean"), bias=("pe", "mean"))
        .unstack("method")
        .reindex(columns=pd.MultiIndex.from_product([["mape", "bias"], list(projected)]))
        .sort_index(level=0, sort_remaining=False)
    )
    settings = MappingProxyType(
        {
            "base_year": base_year,
            "launch_year": launch_year,
            "target_year": target_year,
            "control": control,
            **dict(options.items()),
        }
    )
    return BacktestResult(
        errors=errors, summary=summary, by_size=by_size, settings=settings, notes=tuple(notes)
    )
