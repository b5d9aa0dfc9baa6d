"""Bundling funding programmes and choosing a portfolio of measures (mixed-integer programmes).

Both problems are solved exactly with HiGHS through :func:`scipy.optimize.milp`, in whole
cents, so that the amounts balance to the cent and the binding rules can be named.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from sozplan.checks import check_frame, fail, format_values
from sozplan.planning._common import html_block
from sozplan.planning._financing import (
    _euros,
    _fields,
    validate_cost_plan,
    validate_programmes,
)

__all__ = ["Bundling", "Portfolio", "bundle_funding", "prioritise"]


@dataclass(frozen=True)
class Bundling:
    """The cheapest combination of funding programmes; see :func:`bundle_funding`.

    Attributes
    ----------
    funding : DataFrame
        The optimal funding, one row per measure, programme, year and cost type with
        ``betrag`` (euros) and ``cent``; the same layout as the ``funding`` argument of
        :func:`financing_plan`, so that the result can be checked there.
    own_share : DataFrame
        Per measure and year: ``kosten``, ``foerderung``, ``eigenanteil`` (euros).
    binding : DataFrame
        The rules that limit the result (zero slack): ``regel`` (``foerdersatz``,
        ``kosten``, ``hoechstbetrag``, ``eigenanteil``), ``massnahme``, ``programm``,
        ``jahr``, ``kostenart`` and ``text``.
    own_share_total : float
        The minimised own share of the municipality, euros.
    status : str
        The solver's message.
    """

    funding: pd.DataFrame
    own_share: pd.DataFrame
    binding: pd.DataFrame
    own_share_total: float
    status: str

    def to_frame(self) -> pd.DataFrame:
        """Return the optimal funding (a copy of :attr:`funding`)."""
        return self.funding.copy()

    def __repr__(self) -> str:
        k = self.own_share["kosten"].sum()
        return (
            f"Bundling: costs {k:,.2f} €, funding {k - self.own_share_total:,.2f} €, "
            f"own share {self.own_share_total:,.2f} € (minimum; {self.status})\n"
            f"  {len(self.funding)} funding lines, {len(self.binding)} binding rules: "
            + ", ".join(f"{r} {n}" for r, n in self.binding["regel"].value_counts().items())
        )

    def _repr_html_(self) -> str:
        return html_block(
            f"Förderbündelung: Eigenanteil {self.own_share_total:,.2f} € (Minimum)",
            self.own_share,
            [f"{len(self.binding)} bindende Regeln", self.status],
        )


def _fail_empty(where: str, arg: str) -> None:
    raise fail(where, f"`{arg}` is empty", f"pass at least one row in `{arg}`")


def bundle_funding(
    cost_plan: pd.DataFrame,
    programmes: pd.DataFrame,
    *,
    measures: pd.DataFrame | None = None,
    time_limit: float = 60.0,
) -> Bundling:
    r"""Combine funding programmes so that the municipality's own share is smallest.

    With costs :math:`C_k` (cents) per cell :math:`k = (m, y, c)` (measure, year, cost
    type) and :math:`x_{kp} \in \mathbb{Z}_{\ge 0}` the cents programme :math:`p` pays,
    the mixed-integer programme is

    .. math::

        \max \sum_{k,p} x_{kp} \quad\text{s.t.}\quad
        x_{kp} \le \lfloor r_p C_k \rfloor\,u_{mp}, \qquad
        \sum_p x_{kp} \le C_k, \qquad
        \sum_{m} \sum_{c} x_{(m,y,c)p} \le H_{py},

        \sum_{c,q} x_{(m,y,c)q} + \lceil s_p C_{my} \rceil\, u_{mp} \le C_{my},

    with :math:`x_{kp}` defined only where :math:`p` may fund :math:`k` (running period,
    cost types, fields of action), :math:`r_p` the funding rate, :math:`H_{py}` the yearly
    ceiling, :math:`s_p` the required own share and :math:`u_{mp} \in \{0, 1\}` whether
    :math:`p` funds measure :math:`m` at all. The second row forbids double funding of the
    same costs; the last says that a programme requiring an own share :math:`s_p` may only
    be used where the municipality carries at least that share of the measure-year. The
    own share is :math:`\sum_k C_k - \sum x`.

    Parameters
    ----------
    cost_plan : DataFrame
        Costs per measure, year and cost type (see :func:`validate_cost_plan`).
    programmes : DataFrame
        The programmes (see :func:`validate_programmes`).
    measures : DataFrame, optional
        Measures with ``handlungsfeld`` (for programmes limited to some fields).
    time_limit : float, default 60
        Seconds the solver may take; if it stops early, ``status`` says so and the
        result is the best found (feasible, not proven optimal).

    Returns
    -------
    Bundling

    References
    ----------
    Huangfu, Q., & Hall, J. A. J. (2018). Parallelizing the dual revised simplex method.
    *Mathematical Programming Computation*, 10, 119-142. doi:10.1007/s12532-017-0130-5

    Examples
    --------
    >>> import pandas as pd
    >>> prog = pd.DataFrame({"programm": ["Land", "ESF"], "ebene": ["land", "eu"],
    ...                      "foerdersatz": [0.5, 0.6], "eigenanteil": [0.0, 0.4],
    ...                      "beginn": 2024, "ende": 2024})
    >>> costs = pd.DataFrame({"massnahme": "M1", "jahr": 2024,
    ...                       "kostenart": ["personal", "sach"], "betrag": [1000.0, 500.0]})
    >>> b = bundle_funding(costs, prog)
    >>> b.own_share_total
    600.0
    >>> b.own_share["eigenanteil"].tolist()  # 40 % of 1,500 €: ESF's own-share rule binds
    [600.0]

    The own share is unique; how the funding is split between programmes may not be (here
    ESF alone, or ESF and the Land programme together, give the same own share).
    """
    where = "bundle_funding"
    progs = validate_programmes(programmes)
    costs = validate_cost_plan(cost_plan, measures=measures)
    if costs.empty:
        _fail_empty(where, "cost_plan")
    if not (isinstance(time_limit, int | float) and time_limit > 0):
        raise fail(where, f"`time_limit` is {time_limit!r}", "pass a positive number of seconds")
    fields = _fields(measures)
    costs = costs[costs["cent"] > 0].reset_index(drop=True)
    n_cells = len(costs)
    # eligible (cell, programme) pairs, vectorised over programmes
    rows, cols = [], []
    year = costs["jahr"].to_numpy()
    kind = costs["kostenart"].to_numpy()
    field = np.array([fields.get(m) for m in costs["massnahme"]], dtype=object)
    for j, (_, pr) in enumerate(progs.iterrows()):
        ok = (year >= pr["beginn"]) & (year <= pr["ende"])
        if pr["kostenarten"]:
            ok &= np.isin(kind, list(pr["kostenarten"]))
        if pr["handlungsfelder"]:
            ok &= np.array([f is None or f in pr["handlungsfelder"] for f in field])
        idx = np.flatnonzero(ok & (pr["foerdersatz"] > 0))
        rows.append(idx)
        cols.append(np.full(len(idx), j))
    cell = np.concatenate(rows) if rows else np.zeros(0, int)
    prog = np.concatenate(cols) if cols else np.zeros(0, int)
    cost_c = costs["cent"].to_numpy()
    rate = progs["foerdersatz"].to_numpy()
    ub = np.floor(rate[prog] * cost_c[cell] + 1e-6)
    keep = ub > 0
    cell, prog, ub = cell[keep], prog[keep], ub[keep]
    n_x = len(cell)
    # measure-year groups and binary "programme used by measure"
    my_codes, my_index = pd.factorize(pd.MultiIndex.from_arrays([costs["massnahme"], year]))
    m_codes, _ = pd.factorize(costs["massnahme"])
    mp = pd.factorize(pd.MultiIndex.from_arrays([m_codes[cell], prog]))
    mp_codes, mp_index = mp
    share = progs["eigenanteil"].to_numpy()
    needs_u = share[mp_index.get_level_values(1)] > 0
    u_of_x = np.where(needs_u[mp_codes], mp_codes, -1)
    u_ids = np.flatnonzero(needs_u)
    u_pos = np.full(len(mp_index), -1)
    u_pos[u_ids] = np.arange(len(u_ids))
    n_u = len(u_ids)
    n = n_x + n_u
    blocks: list[sp.csr_matrix] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    names: list[tuple] = []
    # (1) no double funding: sum over programmes <= cell costs
    a = sp.csr_matrix((np.ones(n_x), (cell, np.arange(n_x))), shape=(n_cells, n))
    blocks.append(a)
    lo.append(np.full(n_cells, -np.inf))
    hi.append(cost_c.astype(float))
    names += [("kosten", i) for i in range(n_cells)]
    # (2) x <= ub * u for programmes that require an own share
    with_u = np.flatnonzero(u_of_x >= 0)
    if len(with_u):
        r = np.arange(len(with_u))
        data = np.concatenate([np.ones(len(with_u)), -ub[with_u]])
        rr = np.concatenate([r, r])
        cc = np.concatenate([with_u, n_x + u_pos[u_of_x[with_u]]])
        blocks.append(sp.csr_matrix((data, (rr, cc)), shape=(len(with_u), n)))
        lo.append(np.full(len(with_u), -np.inf))
        hi.append(np.zeros(len(with_u)))
        names += [("link", int(i)) for i in with_u]
    # (3) yearly ceilings per programme
    cap = progs["hoechstbetrag"].to_numpy()
    py_codes, py_index = pd.factorize(pd.MultiIndex.from_arrays([prog, year[cell]]))
    capped = np.isfinite(cap[py_index.get_level_values(0)]) if n_x else np.zeros(0, bool)
    if capped.any():
        ids = np.flatnonzero(capped)
        pos = np.full(len(py_index), -1)
        pos[ids] = np.arange(len(ids))
        sel = pos[py_codes] >= 0
        blocks.append(
            sp.csr_matrix(
                (np.ones(sel.sum()), (pos[py_codes][sel], np.flatnonzero(sel))),
                shape=(len(ids), n),
            )
        )
        lo.append(np.full(len(ids), -np.inf))
        hi.append(np.rint(cap[py_index.get_level_values(0)[ids]] * 100))
        names += [
            (
                "hoechstbetrag",
                (
                    progs.index[py_index.get_level_values(0)[i]],
                    int(py_index.get_level_values(1)[i]),
                ),
            )
            for i in ids
        ]
    # (4) required own share per measure-year and programme used there
    cost_my = np.bincount(my_codes, weights=cost_c, minlength=len(my_index))
    if n_u:
        # pairs (measure-year g, binary v) where programme of v may fund some cell of g
        g_of_x = my_codes[cell]
        pairs = pd.unique(pd.MultiIndex.from_arrays([g_of_x[with_u], u_pos[u_of_x[with_u]]]))
        g_ids = np.array([g for g, _ in pairs], dtype=int)
        v_ids = np.array([v for _, v in pairs], dtype=int)
        # each row: all x of measure-year g + ceil(s_p C_g) u_v <= C_g
        x_by_g = pd.Series(np.arange(n_x)).groupby(g_of_x).apply(np.asarray)
        rr, cc, dd = [], [], []
        need = np.ceil(share[mp_index.get_level_values(1)[u_ids[v_ids]]] * cost_my[g_ids] - 1e-6)
        for r, (g, v) in enumerate(zip(g_ids, v_ids, strict=True)):
            xs = x_by_g[g]
            rr.append(np.full(len(xs) + 1, r))
            cc.append(np.append(xs, n_x + v))
            dd.append(np.append(np.ones(len(xs)), need[r]))
        blocks.append(
            sp.csr_matrix(
                (np.concatenate(dd), (np.concatenate(rr), np.concatenate(cc))),
                shape=(len(g_ids), n),
            )
        )
        lo.append(np.full(len(g_ids), -np.inf))
        hi.append(cost_my[g_ids].astype(float))
        names += [("eigenanteil", (int(g), int(v))) for g, v in zip(g_ids, v_ids, strict=True)]
    c = np.concatenate([-np.ones(n_x), np.zeros(n_u)])
    a_all = sp.vstack(blocks, format="csr")
    res = milp(
        c,
        constraints=LinearConstraint(a_all, np.concatenate(lo), np.concatenate(hi)),
        integrality=np.ones(n),
        bounds=Bounds(np.zeros(n), np.concatenate([ub, np.ones(n_u)])),
        options={"time_limit": float(time_limit), "mip_rel_gap": 0.0},
    )
    if res.x is None:
        raise fail(where, f"the solver found no solution ({res.message})", "check the rules")
    x = np.rint(res.x[:n_x]).astype(np.int64)
    fund = costs.iloc[cell][["massnahme", "jahr", "kostenart"]].reset_index(drop=True)
    fund.insert(1, "programm", progs.index.to_numpy()[prog])
    fund["cent"] = x
    fund = fund[fund["cent"] > 0].sort_values(["massnahme", "jahr", "kostenart", "programm"])
    fund["betrag"] = _euros(fund["cent"])
    fund = fund[["massnahme", "programm", "jahr", "kostenart", "betrag", "cent"]].reset_index(
        drop=True
    )
    funded_my = np.bincount(my_codes[cell], weights=x, minlength=len(my_index)).astype(np.int64)
    own = pd.DataFrame(
        {
            "kosten": _euros(cost_my.astype(np.int64)),
            "foerderung": _euros(funded_my),
            "eigenanteil": _euros(cost_my.astype(np.int64) - funded_my),
        },
        index=pd.MultiIndex.from_tuples(list(my_index), names=["massnahme", "jahr"]),
    ).sort_index()
    slack = np.concatenate(hi) - a_all @ np.concatenate([x, np.rint(res.x[n_x:])])
    binding = _binding(names, slack, costs, progs, cell, prog, my_index, mp_index, u_ids, ub, x)
    total_own = int(cost_c.sum() - x.sum())
    status = "optimal" if res.status == 0 else f"not proven optimal: {res.message}"
    return Bundling(fund, own, binding, total_own / 100.0, status)


def _binding(names, slack, costs, progs, cell, prog, my_index, mp_index, u_ids, ub, x):
    """List the rules with zero slack, in words."""
    out = []
    pid = progs.index.to_numpy()
    for (rule, ref), s in zip(names, slack, strict=True):
        if s > 0.5 or rule == "link":
            continue
        if rule == "kosten":
            r = costs.iloc[ref]
            out.append(
                (
                    "kosten",
                    r.massnahme,
                    None,
                    r.jahr,
                    r.kostenart,
                    f"{r.massnahme} {r.jahr}: {r.kostenart}kosten voll gefördert",
                )
            )
        elif rule == "hoechstbetrag":
            p, y = ref
            out.append(("hoechstbetrag", None, p, y, None, f"{p} {y}: Höchstbetrag ausgeschöpft"))
        elif rule == "eigenanteil":
            g, v = ref
            m, y = my_index[g]
            p = pid[mp_index.get_level_values(1)[u_ids[v]]]
            if x[(prog == mp_index.get_level_values(1)[u_ids[v]])].sum() == 0:
                continue
            out.append(
                (
                    "eigenanteil",
                    m,
                    p,
                    y,
                    None,
                    f"{m} {y}: Eigenanteil genau so hoch, wie {p} fordert",
                )
            )
    at_rate = np.flatnonzero((x >= ub) & (x > 0))
    for i in at_rate:
        r = costs.iloc[cell[i]]
        out.append(
            (
                "foerdersatz",
                r.massnahme,
                pid[prog[i]],
                r.jahr,
                r.kostenart,
                f"{pid[prog[i]]} zahlt den vollen Fördersatz für {r.massnahme} {r.jahr}",
            )
        )
    return pd.DataFrame(
        out, columns=["regel", "massnahme", "programm", "jahr", "kostenart", "text"]
    )


@dataclass(frozen=True)
class Portfolio:
    """The chosen measures under a budget; see :func:`prioritise`.

    Attributes
    ----------
    table : DataFrame
        One row per candidate: the normalised criteria, ``nutzen`` (weighted benefit),
        ``kosten`` and ``gewaehlt`` (chosen).
    chosen : tuple
        Ids of the chosen measures.
    benefit : float
        Total weighted benefit of the choice.
    cost : float
        Its total cost (euros).
    budget : float
    weights : Mapping
        The weights used.
    sensitivity : DataFrame or None
        Per candidate, the share of weight settings (on a grid around ``weights``) under
        which it is chosen; see ``sensitivity_steps``.
    """

    table: pd.DataFrame
    chosen: tuple
    benefit: float
    cost: float
    budget: float
    weights: tuple[tuple[str, float], ...]
    sensitivity: pd.DataFrame | None

    def to_frame(self) -> pd.DataFrame:
        """Return the candidates with their scores and the choice."""
        return self.table.copy()

    def __repr__(self) -> str:
        w = ", ".join(f"{k} {v:g}" for k, v in self.weights)
        return (
            f"Portfolio: {len(self.chosen)} of {len(self.table)} measures, cost "
            f"{self.cost:,.2f} € of {self.budget:,.2f} €, benefit {self.benefit:.4f} "
            f"(weights {w})\n  chosen: {', '.join(map(str, self.chosen))}"
        )

    def _repr_html_(self) -> str:
        return html_block(
            f"Portfolio: {len(self.chosen)} von {len(self.table)} Maßnahmen, "
            f"{self.cost:,.2f} € von {self.budget:,.2f} €",
            self.table,
        )


def _minmax(v: np.ndarray) -> np.ndarray:
    lo, hi = np.nanmin(v), np.nanmax(v)
    return np.zeros_like(v) if hi == lo else (v - lo) / (hi - lo)


def _knapsack(benefit, cost_c, budget_c, draws, caps, must, exclude):
    n = len(benefit)
    cons = [LinearConstraint(cost_c[None, :], -np.inf, budget_c)]
    if draws is not None:
        cons.append(LinearConstraint(draws, -np.inf, caps))
    lb = must.astype(float)
    ubd = (~exclude).astype(float)
    res = milp(
        -benefit,
        constraints=cons,
        integrality=np.ones(n),
        bounds=Bounds(lb, ubd),
        options={"mip_rel_gap": 0.0},
    )
    if res.x is None:
        return None
    return np.rint(res.x).astype(bool)


def prioritise(
    candidates: pd.DataFrame,
    budget: float,
    *,
    need: Hashable,
    effect: Hashable,
    cost: Hashable,
    weights: dict[str, float] | None = None,
    draws: pd.DataFrame | None = None,
    ceilings: pd.Series | None = None,
    must: Sequence[Hashable] = (),
    exclude: Sequence[Hashable] = (),
    sensitivity_steps: int = 5,
) -> Portfolio:
    r"""Choose the measures with the largest weighted benefit that fit the budget.

    Need (e.g. the mean social index of a measure's areas) and expected effect are scaled
    to [0, 1] over the candidates (min-max), the benefit is
    :math:`b_m = w_N \tilde N_m + w_E \tilde E_m` and the portfolio solves the 0-1
    knapsack

    .. math::

        \max_{z \in \{0,1\}^n} \sum_m b_m z_m \quad\text{s.t.}\quad
        \sum_m K_m z_m \le B, \qquad \sum_m D_{mp} z_m \le H_p\ \forall p,

    with :math:`K_m` the cost to the budget (e.g. the own share after
    :func:`bundle_funding`), :math:`D_{mp}` what measure :math:`m` draws from programme
    :math:`p` and :math:`H_p` its ceiling, exactly (HiGHS branch and bound, zero gap).
    The sensitivity repeats the choice for the need weight moved over a grid of
    ``sensitivity_steps`` values between 0 and 1 (the effect weight is one minus it) and
    reports how often each measure is chosen.

    Parameters
    ----------
    candidates : DataFrame
        One row per candidate measure (ids as index).
    budget : float
        Money available (euros), >= 0.
    need, effect, cost : column names
        Need (higher = more need), expected effect (higher = better), cost (euros, >= 0).
    weights : dict, optional
        ``{"need": w_N, "effect": w_E}``, non-negative, not both zero; default 1/2 each.
    draws : DataFrame, optional
        Money each candidate draws per programme (candidates x programmes, euros).
    ceilings : Series, optional
        The programmes' ceilings (euros), required with ``draws``.
    must, exclude : sequence of ids
        Measures that must be chosen (e.g. legal duties) or must not be.
    sensitivity_steps : int, default 5
        Grid points of the weight sensitivity (0 turns it off).

    Returns
    -------
    Portfolio

    References
    ----------
    Kellerer, H., Pferschy, U., & Pisinger, D. (2004). *Knapsack Problems*. Springer.
    doi:10.1007/978-3-540-24777-7

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"bedarf": [0.9, 0.5, 0.1], "wirkung": [0.5, 0.9, 0.2],
    ...                   "kosten": [60_000, 50_000, 10_000]}, index=["M1", "M2", "M3"])
    >>> p = prioritise(c, 100_000, need="bedarf", effect="wirkung", cost="kosten")
    >>> p.chosen  # M2 alone (benefit 0.75) beats M1 + M3 (0.71 + 0.00)
    ('M2',)
    """
    where = "prioritise"
    check_frame(candidates, arg="candidates", where=where)
    if candidates.empty:
        _fail_empty(where, "candidates")
    for arg, col in (("need", need), ("effect", effect), ("cost", cost)):
        if col not in candidates.columns:
            raise fail(
                where,
                f"`{arg}` names the column {col!r}, which `candidates` lacks",
                f"pass one of {format_values(list(candidates.columns))}",
            )
    vals = {}
    for arg, col in (("need", need), ("effect", effect), ("cost", cost)):
        v = pd.to_numeric(candidates[col], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(v).all():
            bad = candidates.index[~np.isfinite(v)]
            raise fail(
                where,
                f"`{arg}` ({col!r}) is missing or not finite for {format_values(bad)}",
                "give every candidate a value, or leave it out of `candidates`",
            )
        vals[arg] = v
    if (vals["cost"] < 0).any():
        raise fail(where, "`cost` has negative values", "costs are euros >= 0")
    if not (np.isfinite(budget) and budget >= 0):
        raise fail(where, f"`budget` is {budget!r}", "pass the money available, euros >= 0")
    w = {"need": 0.5, "effect": 0.5} if weights is None else dict(weights)
    if set(w) != {"need", "effect"} or any(not np.isfinite(v) or v < 0 for v in w.values()):
        raise fail(
            where,
            f"`weights` is {weights!r}",
            'pass {"need": w1, "effect": w2} with non-negative numbers',
        )
    if w["need"] + w["effect"] == 0:
        raise fail(where, "both weights are zero", "give at least one weight > 0")
    if not (isinstance(sensitivity_steps, int | np.integer) and sensitivity_steps >= 0):
        raise fail(
            where, f"`sensitivity_steps` is {sensitivity_steps!r}", "pass a whole number >= 0"
        )
    ids = candidates.index
    for arg, sel in (("must", must), ("exclude", exclude)):
        unknown = pd.Index(list(sel)).difference(ids)
        if len(unknown):
            raise fail(
                where, f"`{arg}` names unknown candidates {format_values(unknown)}", "fix the ids"
            )
    must_b = ids.isin(list(must))
    excl_b = ids.isin(list(exclude))
    if (must_b & excl_b).any():
        raise fail(where, "a candidate is both in `must` and in `exclude`", "choose one")
    draw_m, caps = None, None
    if draws is not None:
        if ceilings is None:
            raise fail(where, "`draws` given without `ceilings`", "pass the ceilings too")
        missing = ids.difference(draws.index)
        if len(missing):
            raise fail(where, f"`draws` lacks the candidates {format_values(missing)}", "add rows")
        unknown = draws.columns.difference(ceilings.index)
        if len(unknown):
            raise fail(
                where, f"`ceilings` lacks the programmes {format_values(unknown)}", "add them"
            )
        draw_m = draws.reindex(ids).to_numpy(dtype=float).T
        caps = ceilings.reindex(draws.columns).to_numpy(dtype=float)
    n_need, n_eff = _minmax(vals["need"]), _minmax(vals["effect"])
    cost_c = np.rint(vals["cost"] * 100)
    budget_c = float(np.rint(budget * 100))

    def solve(wn: float, we: float) -> np.ndarray | None:
        return _knapsack(wn * n_need + we * n_eff, cost_c, budget_c, draw_m, caps, must_b, excl_b)

    z = solve(w["need"], w["effect"])
    if z is None:
        raise fail(
            where,
            "no portfolio meets the budget and the ceilings with the measures in `must`",
            "raise the budget or shorten `must`",
        )
    benefit = w["need"] * n_need + w["effect"] * n_eff
    table = pd.DataFrame(
        {
            "bedarf_norm": n_need,
            "wirkung_norm": n_eff,
            "nutzen": benefit,
            "kosten": vals["cost"],
            "gewaehlt": z,
        },
        index=ids,
    )
    sens = None
    if sensitivity_steps:
        grid = np.linspace(0.0, 1.0, int(sensitivity_steps))
        picks = np.array([solve(g, 1 - g) for g in grid])
        sens = pd.DataFrame(picks.T, index=ids, columns=[f"w_need={g:.2f}" for g in grid])
        table["anteil_gewaehlt"] = sens.mean(axis=1)
    return Portfolio(
        table,
        tuple(ids[z]),
        float(benefit[z].sum()),
        float(vals["cost"][z].sum()),
        float(budget),
        tuple(sorted(w.items())),
        sens,
    )
