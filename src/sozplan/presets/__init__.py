"""Presets: published social-monitoring methods as data (:class:`~sozplan.index.MonitoringSpec`).

A preset is a monitoring spec stored as a YAML file in this package; get one with
:func:`get_preset`, list them with :func:`available_presets`, add your own with
:func:`register_preset` (or a YAML file, see the documentation "Ein eigenes Preset").

- ``berlin_mss_2021`` reproduces the Monitoring Soziale Stadtentwicklung (MSS) Berlin
  2021 exactly from its published indicator table; :func:`berlin_mss_2021` runs it on
  that table as published.
- ``hamburg_style`` is a *sketch* of the Hamburg Sozialmonitoring Integrierte
  Stadtteilentwicklung (RISE): it shows how another city's choices are written down.
  It is **not** a verified replication of a published Hamburg report (its
  ``sketch`` flag is set); :func:`hamburg_style` runs it on a panel.

Examples
--------
>>> from sozplan.presets import available_presets, get_preset
>>> available_presets()[:2]
['berlin_mss_2021', 'hamburg_style']
>>> get_preset("berlin_mss_2021").status_cuts
(-1.0, 1.0, 1.5)
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import fields

import pandas as pd

from sozplan.checks import check_columns, check_frame, fail, format_values, public_functions
from sozplan.errors import DataQualityWarning
from sozplan.index import Monitoring, MonitoringSpec, StatusDynamics, monitor, status_dynamics
from sozplan.presets._registry import available_presets, get_preset, register_preset

__all__ = [
    "available_presets",
    "berlin_mss_2021",
    "get_preset",
    "hamburg_style",
    "register_preset",
]


def _plr_index(table: pd.DataFrame, where: str) -> pd.DataFrame:
    if "PLR_ID" in table.columns:
        ids = table["PLR_ID"]
    elif table.index.name == "PLR_ID":
        ids = table.index.to_series()
    else:
        raise fail(
            where,
            "`table` has no column or index 'PLR_ID'",
            "pass the MSS table as published (mss_2021_index_indikatoren.csv)",
        )
    if pd.api.types.is_numeric_dtype(ids):
        warnings.warn(
            f"{where}: PLR_ID was read as numbers, so the leading zeros were lost; they were "
            "restored by zero-padding to 8 digits. Read the file with dtype={'PLR_ID': str} "
            "to keep the ids as published.",
            DataQualityWarning,
            stacklevel=3,
        )
        ids = ids.astype("int64").astype(str).str.zfill(8)
    ids = ids.astype(str)
    bad = ids[ids.str.len() != 8]
    if len(bad):
        raise fail(
            where,
            f"PLR_ID must have 8 digits, got {format_values(bad.tolist())}",
            "read the file with dtype={'PLR_ID': str}",
        )
    if not ids.is_unique:
        raise fail(
            where,
            f"`table` has duplicate PLR_ID: {format_values(ids[ids.duplicated()].unique())}",
            "give each planning area (PLR) one row, as in the published table",
        )
    out = table.copy()
    out.index = pd.Index(ids.to_numpy(dtype=object), name="PLR_ID", dtype="str")
    if "PLR_ID" in out.columns:
        out = out.drop(columns="PLR_ID")
    return out


def berlin_mss_2021(table: pd.DataFrame, *, language: str = "de") -> StatusDynamics:
    """Replicate the Berlin Monitoring Soziale Stadtentwicklung 2021 from its published table.

    Runs the preset ``get_preset("berlin_mss_2021")`` on the table as published:
    ids from ``PLR_ID`` (zero-padded), ``-9999`` read as "no value", the reason of
    unrated areas from ``KOM``.

    Method (MSS 2021 indicator booklet): rate the planning areas (PLR) with
    ``KOM == "gültig"`` (at least 300 residents, no outlier); z-standardise the status
    indicators S1 (unemployment SGB II, %), S3 (transfer receipt, %) and S4 (child
    poverty, %) over the rated PLR with plain means and the standard deviation with
    divisor n (ddof = 0); add the z-values (status sum) and z-standardise the sum
    (status index); classes *hoch* x < -1, *mittel* -1 <= x <= +1, *niedrig*
    +1 < x <= +1.5, *sehr niedrig* x > +1.5. The dynamics index is built the same way
    from D1, D3, D4 (changes over two years, percentage points) with classes
    *positiv* x < -1, *stabil*, *negativ* x > +1. Excluded PLR are "ohne Zuordnung"
    with the published reason (``KOM``).

    Parameters
    ----------
    table : DataFrame
        ``mss_2021_index_indikatoren.csv`` as read by pandas, ideally with
        ``dtype={"PLR_ID": str}`` (numeric ids are zero-padded with a
        :class:`~sozplan.errors.DataQualityWarning`). ``-9999`` marks missing values.
    language : {"de", "en"}, default "de"
        Language of the class labels.

    Returns
    -------
    StatusDynamics
        ``to_frame()`` has one row per PLR (index ``PLR_ID``) with ``status_index``,
        ``status_class``, ``dynamics_index``, ``dynamics_class``, ``matrix_code``
        (e.g. ``"2-"``), ``matrix_number`` (e.g. 25), ``matrix_label`` and ``reason``;
        ``settings["spec_hash"]`` names the exact method.

    References
    ----------
    Senatsverwaltung für Stadtentwicklung, Bauen und Wohnen Berlin (2021): Monitoring
    Soziale Stadtentwicklung 2021 (FIS-Broker: s_IndexInd_MSS2021_homogen,
    s_Indizes_MSS2021_homogen).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"PLR_ID": ["01100101", "01100102", "01100103", "01100104", "01100105"],
    ...                   "EW": [3419, 1791, 5211, 4636, 120],
    ...                   "S1": [4.2, 1.2, 5.3, 6.2, -9999], "S3": [8.0, 3.5, 15.5, 18.0, -9999],
    ...                   "S4": [19.4, 8.3, 32.6, 39.9, -9999], "D1": [1.5, 0.2, 0.9, 1.2, -9999],
    ...                   "D3": [0.4, 0.9, -2.2, -0.7, -9999], "D4": [4.0, 4.9, -4.9, -2.7, -9999],
    ...                   "KOM": ["gültig"] * 4 + ["ungültig (EW unter 300)"]})
    >>> berlin_mss_2021(t).to_frame()[["status_class", "matrix_code", "reason"]]
                status_class     matrix_code                   reason
    PLR_ID
    01100101          mittel              2-                     <NA>
    01100102            hoch            1+/-                     <NA>
    01100103          mittel              2+                     <NA>
    01100104         niedrig            3+/-                     <NA>
    01100105  ohne Zuordnung  ohne Zuordnung  ungültig (EW unter 300)
    """
    where = "berlin_mss_2021"
    check_frame(table, arg="table", where=where)
    t = _plr_index(table, where)
    spec = get_preset("berlin_mss_2021")
    check_columns(t, list(spec.columns), arg="table", where=where, numeric=False)
    check_columns(t, [c for c in spec.columns if c != "KOM"], arg="table", where=where)
    return status_dynamics(t, spec=spec, language=language)


def hamburg_style(
    panel: pd.DataFrame,
    status: Sequence[Hashable],
    dynamics: Sequence[Hashable],
    *,
    population: Hashable,
    year: str = "jahr",
    window: int = 3,
    **options,
) -> Monitoring:
    """Run a Hamburg-style Sozialmonitoring (sketch): yearly status, dynamics over 3 years.

    What this sketch takes from the published Hamburg Sozialmonitoring Integrierte
    Stadtteilentwicklung (Behörde für Stadtentwicklung und Wohnen, yearly reports since
    2010): Statistical Areas (Statistische Gebiete) with at least 300 residents are
    rated; the status index has the classes hoch, mittel, niedrig, sehr niedrig, the
    dynamics index positiv, stabil, negativ; indicators are z-standardised against the
    city average; the dynamics index is built from changes over a three-year window.

    What it does **not** claim: the exact Hamburg indicator list of a given report
    year, whether the z-values are summed or averaged before re-standardising, the
    Hamburg cut points and the treatment of outliers have **not** been checked against
    a published Hamburg table here. The defaults of the preset ``hamburg_style``
    (mean of z-values, re-standardised, cuts -1 / +1 / +1.5 and -1 / +1) are
    placeholders to be set from the method chapter of the report you replicate, via
    ``**options`` or a copy of the preset's YAML file.

    Parameters
    ----------
    panel : DataFrame
        Long table indexed by (area id, year).
    status, dynamics : list of str
        Status indicators (levels, %) and the indicators whose 3-year change forms
        the dynamics index.
    population : str
        Residents column (areas under 300 are not rated).
    year : str, default "jahr"
    window : int, default 3
    **options
        Keys of :class:`~sozplan.index.MonitoringSpec` change the preset (e.g.
        ``combine="sum"``, ``status_cuts=[-1, 1]``); the others go to
        :func:`sozplan.index.monitor` (e.g. ``years``, ``base_year``).

    Returns
    -------
    Monitoring

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> idx = pd.MultiIndex.from_product([[f"{i:03d}" for i in range(40)], range(2019, 2024)],
    ...                                  names=["gebiet", "jahr"])
    >>> p = pd.DataFrame({"ew": rng.integers(200, 4000, len(idx)),
    ...                   "sgb2": rng.gamma(3, 3, len(idx)), "alq": rng.gamma(3, 1.5, len(idx))},
    ...                  index=idx)
    >>> m = hamburg_style(p, ["sgb2", "alq"], ["sgb2", "alq"], population="ew")
    >>> m.results[2023].dynamics_class is not None, m.results[2021].dynamics_class is None
    (True, True)
    """
    known = {f.name for f in fields(MonitoringSpec)}
    changes = {k: v for k, v in options.items() if k in known}
    rest = {k: v for k, v in options.items() if k not in known}
    spec = get_preset("hamburg_style").replace(
        status=list(status),
        dynamics=list(dynamics),
        population=population,
        window=window,
        **changes,
    )
    return monitor(panel, year=year, spec=spec, **rest)


public_functions(globals())
