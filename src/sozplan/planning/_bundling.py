"""Bundling funding programmes and choosing a portfolio of measures (mixed-integer programmes).

Both problems are solved exactly with HiGHS through :func:`scipy.optimize.milp`, in whole
cents, so that the amounts balance to the cent and the binding rules can be named.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse.csgraph import connected_components

from sozplan._core.frozen import immutable
from sozplan.checks import as_list, check_frame, fail, format_values, is_whole
from sozplan.planning._common import html_block
from sozplan.planning._financing import (
    _euros,
    _fields,
    validate_cost_plan,
    validate_programmes,
)

__all__ = ["Bundling", "Portfolio", "bundle_funding", "prioritize"]


@immutable
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
            f"Funding bundling: own share {self.own_share_total:,.2f} € (minimum)",
            self.own_share,
            [f"{len(self.binding)} binding rules", self.status],
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
    type), :math:`g = (m, y)` its measure-year and :math:`x_{kp} \in \mathbb{Z}_{\ge 0}`
    the cents programme :math:`p` pays, the problem is

    .. math::

        \max \sum_{k,p} x_{kp} \quad\text{s.t.}\quad
        x_{kp} \le \lfloor r_p C_k \rfloor\,[s_p \le t_g], \qquad
        \sum_p x_{kp} \le C_k, \qquad
        \sum_{k \in y} x_{kp} \le H_{py}, \qquad
        \sum_{k \in g,\,p} x_{kp} \le C_g - \lceil t_g C_g \rceil,

    with :math:`x_{kp}` defined only where :math:`p` may fund :math:`k` (running period,
    cost types, fields of action), :math:`r_p` the funding rate, :math:`H_{py}` the yearly
    ceiling, :math:`s_p` the own share the programme requires and :math:`t_g` the own-share
    rule the measure-year accepts (one of the :math:`s_p`, or 0). The second condition
    forbids double funding of the same costs; the last says that a programme requiring
    an own share :math:`s_p` may only fund a measure-year where the municipality carries at
    least that share. The own share is :math:`\sum_k C_k - \sum x`.

    Without binding ceilings the measure-years are independent and each is solved in
    closed form over its thresholds :math:`t_g`. When a ceiling binds, the thresholds are
    chosen by a mixed-integer programme (one binary per measure-year and threshold,
    HiGHS through :func:`scipy.optimize.milp`) and :math:`x` is re-solved for the chosen
    thresholds: the rows then form two laminar families (cells within measure-years;
    programme-years), the matrix is totally unimodular, and a basic solution is whole
    cents. Programmes are drawn on in the order of ``programmes`` where the optimum
    leaves a choice; the own share is unique, the split between programmes may not be.

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
    if not (_is_number(time_limit) and time_limit > 0):
        raise fail(where, f"`time_limit` is {time_limit!r}", "pass a positive number of seconds")
    fields = _fields(measures)
    costs = costs[costs["cent"] > 0].reset_index(drop=True)
    cell, prog, ub = _eligible_pairs(costs, progs, fields)
    g_codes, g_index = pd.factorize(pd.MultiIndex.from_arrays([costs["massnahme"], costs["jahr"]]))
    cost_c = costs["cent"].to_numpy(dtype=np.int64)
    cost_g = np.bincount(g_codes, weights=cost_c, minlength=len(g_index)).astype(np.int64)
    share = progs["eigenanteil"].to_numpy()
    g_of_pair = g_codes[cell]
    x = _closed_form(cell, prog, ub, cost_c, cost_g, share, g_of_pair)
    cap = np.rint(progs["hoechstbetrag"].to_numpy() * 100)
    py_codes, py_index = pd.factorize(
        pd.MultiIndex.from_arrays([prog, costs["jahr"].to_numpy()[cell]])
    )
    cap_py = cap[py_index.get_level_values(0)] if len(py_index) else np.zeros(0)
    drawn = np.bincount(py_codes, weights=x, minlength=len(py_index))
    status = "optimal (each measure-year solved exactly; no ceiling binds)"
    if (np.isfinite(cap_py) & (drawn > cap_py)).any():
        x, status = _capped(
            x,
            cell,
            prog,
            ub,
            cost_c,
            cost_g,
            share,
            g_of_pair,
            py_codes,
            cap_py,
            time_limit,
        )
    fund = costs.iloc[cell][["massnahme", "jahr", "kostenart"]].reset_index(drop=True)
    fund.insert(1, "programm", progs.index.to_numpy()[prog])
    fund["cent"] = x
    fund = fund[fund["cent"] > 0].sort_values(["massnahme", "jahr", "kostenart", "programm"])
    fund["betrag"] = _euros(fund["cent"])
    fund = fund[["massnahme", "programm", "jahr", "kostenart", "betrag", "cent"]]
    fund = fund.reset_index(drop=True)
    funded_g = np.bincount(g_codes[cell], weights=x, minlength=len(g_index)).astype(np.int64)
    own = pd.DataFrame(
        {
            "kosten": _euros(cost_g),
            "foerderung": _euros(funded_g),
            "eigenanteil": _euros(cost_g - funded_g),
        },
        index=pd.MultiIndex.from_tuples(list(g_index), names=["massnahme", "jahr"]),
    ).sort_index()
    binding = _binding(costs, progs, cell, prog, ub, x, g_codes, g_index, cost_g, funded_g,
                       py_codes, py_index, cap_py)  # fmt: skip
    total_own = int(cost_c.sum() - x.sum())
    return Bundling(fund, own, binding, total_own / 100.0, status)


def _eligible_pairs(costs, progs, fields):
    """(cell, programme) pairs where the programme may fund the cell, with their bounds."""
    rows, cols = [], []
    year = costs["jahr"].to_numpy()
    kind = costs["kostenart"].to_numpy()
    field = np.array([fields.get(m) for m in costs["massnahme"]], dtype=object)
    for j, (_, pr) in enumerate(progs.iterrows()):
        ok = (year >= pr["beginn"]) & (year <= pr["ende"]) & (pr["foerdersatz"] > 0)
        if pr["kostenarten"]:
            ok &= np.isin(kind, list(pr["kostenarten"]))
        if pr["handlungsfelder"]:
            ok &= np.array([f is None or f in pr["handlungsfelder"] for f in field], dtype=bool)
        idx = np.flatnonzero(ok)
        rows.append(idx)
        cols.append(np.full(len(idx), j))
    cell = np.concatenate(rows).astype(np.int64)
    prog = np.concatenate(cols).astype(np.int64)
    rate = progs["foerdersatz"].to_numpy()
    ub = np.floor(rate[prog] * costs["cent"].to_numpy()[cell] + 1e-6).astype(np.int64)
    keep = ub > 0
    order = np.lexsort((prog[keep], cell[keep]))  # by cell, then programme order
    return cell[keep][order], prog[keep][order], ub[keep][order]


def _group(codes: np.ndarray, n: int) -> list[np.ndarray]:
    """Positions of each code 0..n-1 (stable)."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(n)]


def _need(t: float, cost: int) -> int:
    return int(np.ceil(t * cost - 1e-9))


def _closed_form(cell, prog, ub, cost_c, cost_g, share, g_of_pair):
    """Optimal funding per measure-year when no ceiling binds (exact, in cents).

    Using a programme with own-share rule s makes every programme with a rule of at most s
    free to use as well, so the optimum of a measure-year g is the best threshold t among
    the programmes' rules (and 0): funding min(C_g - ceil(t C_g), sum over cells c of
    min(C_c, sum of the bounds of the programmes with a rule of at most t)). The money is
    then filled in cell by cell and, within a cell, in the order of the programmes.
    """
    n_g = len(cost_g)
    s_pair = share[prog]
    best_f = np.full(n_g, -1, dtype=np.int64)
    best_t = np.zeros(n_g)
    for t in np.unique(np.concatenate([[0.0], s_pair])):
        ok = s_pair <= t + 1e-12
        eff = np.zeros(n_g)
        np.maximum.at(eff, g_of_pair[ok], s_pair[ok])
        per_cell = np.bincount(cell[ok], weights=ub[ok], minlength=len(cost_c))
        avail_c = np.minimum(per_cell, cost_c)
        # cells of a measure-year: the pairs' cells, each counted once
        first = np.zeros(len(cost_c), dtype=bool)
        first[cell] = True
        g_of_cell = np.full(len(cost_c), -1)
        g_of_cell[cell] = g_of_pair
        avail = np.bincount(g_of_cell[first], weights=avail_c[first], minlength=n_g)
        need = np.ceil(eff * cost_g - 1e-9)
        f = np.minimum(cost_g - need, avail).astype(np.int64)
        better = f > best_f
        best_f[better] = f[better]
        best_t[better] = t
    sel = s_pair <= best_t[g_of_pair] + 1e-12
    u = np.where(sel, ub, 0)
    # pairs are sorted by cell, then programme: fill each cell in programme order
    before = _cumsum_within(cell, u) - u
    x1 = np.minimum(u, np.maximum(cost_c[cell] - before, 0))
    # then fill the measure-year in cell order up to its optimum
    order = np.lexsort((np.arange(len(cell)), g_of_pair))
    x1o = x1[order]
    before_g = _cumsum_within(g_of_pair[order], x1o) - x1o
    xo = np.minimum(x1o, np.maximum(best_f[g_of_pair[order]] - before_g, 0))
    x = np.empty_like(xo)
    x[order] = xo
    return x.astype(np.int64)


def _cumsum_within(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Cumulative sums of ``values`` restarting where ``keys`` (sorted runs) change."""
    if not len(values):
        return values.copy()
    c = np.cumsum(values)
    start = np.r_[True, keys[1:] != keys[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(len(c)), 0))
    return c - (c - values)[first]


def _capped(x, cell, prog, ub, cost_c, cost_g, share, g_of_pair, py_codes, cap_py,
            time_limit):  # fmt: skip
    """Re-solve, where a ceiling binds, only the measure-years that compete for it.

    Two reductions keep the integer programme small and exact:

    1. A measure-year whose closed-form optimum is reached without any capped programme
       (the optimum over the other programmes is as high) keeps that solution: it draws
       nothing a ceiling limits, and no solution can fund it more.
    2. The remaining measure-years interact only through the ceilings of the
       programme-years they draw on. The connected components of the graph linking each
       of them to those programme-years are independent problems (in practice one per
       year, as ceilings are yearly): a component whose closed-form optimum keeps its
       ceilings is optimal as it is, the others go to :func:`_milp` one by one.
    """
    n_g, n_py = len(cost_g), len(cap_py)
    capped = np.isfinite(cap_py)
    capped_pair = capped[py_codes]
    x_free = _closed_form(
        cell, prog, np.where(capped_pair, 0, ub), cost_c, cost_g, share, g_of_pair
    )
    f = np.bincount(g_of_pair, weights=x, minlength=n_g)
    f_free = np.bincount(g_of_pair, weights=x_free, minlength=n_g)
    open_g = f_free < f
    open_pair = open_g[g_of_pair]
    x = np.where(open_pair, x, x_free)
    drawn = np.bincount(py_codes, weights=x, minlength=n_py)
    e = capped_pair & open_pair
    graph = sp.coo_matrix(
        (np.ones(int(e.sum())), (g_of_pair[e], n_g + py_codes[e])), shape=(n_g + n_py,) * 2
    )
    _, comp = connected_components(graph, directed=False)
    over = np.flatnonzero(capped & (drawn > cap_py))
    todo = np.unique(comp[n_g + over])
    # what the measure-years outside the integer programmes already draw on each ceiling
    g_comp = comp[:n_g]
    statuses = []
    deadline = time.perf_counter() + time_limit
    for j, c in enumerate(todo):
        gs = np.flatnonzero((g_comp == c) & open_g)
        pairs = np.flatnonzero(np.isin(g_of_pair, gs))
        cells, cell_l = np.unique(cell[pairs], return_inverse=True)
        g_l = np.searchsorted(gs, g_of_pair[pairs])
        pys, py_l = np.unique(py_codes[pairs], return_inverse=True)
        rest = drawn[pys] - np.bincount(py_l, weights=x[pairs], minlength=len(pys))
        left = max((deadline - time.perf_counter()) / (len(todo) - j), 0.5)
        x[pairs], st = _milp(
            cell_l,
            prog[pairs],
            ub[pairs],
            cost_c[cells],
            cost_g[gs],
            share,
            g_l,
            py_l,
            cap_py[pys] - rest,
            left,
        )
        statuses.append(st)
    bad = [s for s in statuses if s != "optimal"]
    n = len(statuses)
    n_open = int(sum(np.isin(g_comp, todo) & open_g))
    part = (
        f"{n} independent part{'s' if n != 1 else ''} with binding ceilings "
        f"({n_open} measure-years)"
    )
    if not n:
        return x, (
            "optimal (closed form: the ceilings hold once the measure-years that reach their "
            "optimum without capped programmes do without them)"
        )
    if not bad:
        return x, f"optimal ({part} solved exactly, the rest in closed form)"
    return x, f"{bad[0]} ({len(bad)} of {part} not proven optimal)"


def _milp(cell, prog, ub, cost_c, cost_g, share, g_of_pair, py_codes, cap_py, time_limit):
    """Choose one own-share threshold per measure-year when ceilings bind (MILP).

    Disjunctive (convex-hull) formulation: a copy x^t of the funding for every threshold t
    of a measure-year, switched by its binary z_gt; the relaxation is then the convex hull
    of each measure-year's choices, which keeps the branch and bound short. Programmes
    without a ceiling are interchangeable within a cell (each cent counts the same), so
    they enter as one variable per cell and threshold with the sum of their bounds; the
    money is split among them afterwards in the order of the programmes. That leaves one
    variable per cell and threshold plus one per capped programme, whatever the number
    of programmes.
    """
    n_g = len(cost_g)
    s_pair = share[prog]
    # thresholds per measure-year: 0 and the rules of its eligible programmes
    th = pd.DataFrame({"g": np.concatenate([np.arange(n_g), g_of_pair]),
                       "t": np.concatenate([np.zeros(n_g), s_pair])}).drop_duplicates()  # fmt: skip
    th = th.sort_values(["g", "t"]).reset_index(drop=True)
    z_g, z_t = th["g"].to_numpy(), th["t"].to_numpy()
    n_z = len(z_g)
    # copies: pair i for every threshold of its g with t >= s_i
    cp = pd.DataFrame({"i": np.arange(len(cell)), "g": g_of_pair}).merge(
        th.reset_index(names="z"), on="g"
    )
    cp = cp[cp["t"].to_numpy() >= s_pair[cp["i"].to_numpy()] - 1e-12]
    pi, pz = cp["i"].to_numpy(), cp["z"].to_numpy()
    capped = np.isfinite(cap_py)[py_codes][pi]
    # variables: capped copies as they are, uncapped copies summed per cell and threshold
    agg_codes, agg_index = pd.factorize(
        pd.MultiIndex.from_arrays([cell[pi][~capped], pz[~capped]])
    )
    n_cap = int(capped.sum())
    v_cell = np.r_[cell[pi][capped], agg_index.get_level_values(0).to_numpy(dtype=np.int64)]
    v_z = np.r_[pz[capped], agg_index.get_level_values(1).to_numpy(dtype=np.int64)]
    v_ub = np.r_[ub[pi][capped], np.bincount(agg_codes, weights=ub[pi][~capped],
                                             minlength=len(agg_index))].astype(np.int64)  # fmt: skip
    v_py = np.r_[py_codes[pi][capped], np.full(len(agg_index), -1)]
    n_x = len(v_cell)
    n = n_x + n_z
    rr, cc, dd, lo, hi = [], [], [], [], []
    r0 = 0

    def add(r, c, d, low, high):
        nonlocal r0
        rr.append(np.asarray(r) + r0)
        cc.append(np.asarray(c))
        dd.append(np.asarray(d, dtype=float))
        lo.append(np.asarray(low, dtype=float))
        hi.append(np.asarray(high, dtype=float))
        r0 += len(low)

    xs = np.arange(n_x)
    # x^t_v <= ub_v z_t
    add(np.r_[xs, xs], np.r_[xs, n_x + v_z], np.r_[np.ones(n_x), -v_ub.astype(float)],
        np.full(n_x, -np.inf), np.zeros(n_x))  # fmt: skip
    # cell per threshold: sum_v x^t_cv <= C_c z_t
    ct_codes, ct_index = pd.factorize(pd.MultiIndex.from_arrays([v_cell, v_z]))
    ct_cell = ct_index.get_level_values(0).to_numpy()
    ct_z = ct_index.get_level_values(1).to_numpy()
    m = len(ct_index)
    add(np.r_[ct_codes, np.arange(m)], np.r_[xs, n_x + ct_z],
        np.r_[np.ones(n_x), -cost_c[ct_cell].astype(float)], np.full(m, -np.inf), np.zeros(m))  # fmt: skip
    # measure-year per threshold: sum x^t <= (C_g - ceil(t C_g)) z_t
    need = np.ceil(z_t * cost_g[z_g] - 1e-9)
    add(np.r_[v_z, np.arange(n_z)], np.r_[xs, n_x + np.arange(n_z)],
        np.r_[np.ones(n_x), -(cost_g[z_g] - need)], np.full(n_z, -np.inf), np.zeros(n_z))  # fmt: skip
    # one threshold per measure-year
    add(z_g, n_x + np.arange(n_z), np.ones(n_z), np.ones(n_g), np.ones(n_g))
    # ceilings per programme and year
    rows_py = np.flatnonzero(np.isfinite(cap_py))
    pos = np.full(len(cap_py), -1)
    pos[rows_py] = np.arange(len(rows_py))
    row = np.where(v_py >= 0, pos[np.maximum(v_py, 0)], -1)
    sel = row >= 0
    add(row[sel], xs[sel], np.ones(sel.sum()), np.full(len(rows_py), -np.inf), cap_py[rows_py])
    a = sp.csr_matrix(
        (np.concatenate(dd), (np.concatenate(rr), np.concatenate(cc))), shape=(r0, n)
    )
    lo_all, hi_all = np.concatenate(lo), np.concatenate(hi)
    res = milp(
        np.r_[-np.ones(n_x), np.zeros(n_z)],
        constraints=LinearConstraint(a, lo_all, hi_all),
        integrality=np.r_[np.zeros(n_x), np.ones(n_z)],
        bounds=Bounds(np.zeros(n), np.r_[v_ub.astype(float), np.ones(n_z)]),
        options={"time_limit": float(time_limit), "mip_rel_gap": 0.9 / max(cost_c.sum(), 1)},
    )
    if res.x is None:
        raise fail(
            "bundle_funding", f"the solver found no solution ({res.message})", "check the rules"
        )
    z = np.rint(res.x[n_x:])
    xv = _integral_x(a, lo_all, hi_all, v_ub, z, n_x)
    # back to pairs: capped copies directly, the sums in programme order within the cell
    xt = np.zeros(len(pi), dtype=np.int64)
    xt[capped] = xv[:n_cap]
    u_rows = np.flatnonzero(~capped)
    order = np.lexsort((pi[u_rows], agg_codes))  # by aggregate, then programme order
    u_sorted, codes_sorted = ub[pi][u_rows][order], agg_codes[order]
    before = _cumsum_within(codes_sorted, u_sorted) - u_sorted
    amount = xv[n_cap:][codes_sorted]
    xt[u_rows[order]] = np.minimum(u_sorted, np.maximum(amount - before, 0))
    x = np.bincount(pi, weights=xt, minlength=len(cell)).astype(np.int64)
    if res.status == 0:
        status = "optimal"
    else:
        # the objective is minus the funding in cents of the copies; the gap bounds how much
        # more funding (less own share) an optimum could find
        gap = res.mip_gap * abs(res.fun) if res.mip_gap is not None else np.nan
        status = f"not proven optimal: {res.message}; at most {abs(gap) / 100:,.2f} EUR from the optimum"
    return x, status


def _integral_x(a_all, lo_all, hi_all, ub, z, n_x):
    """Re-solve for x with the thresholds fixed; return whole cents.

    For fixed thresholds the rows form two laminar families (cells within measure-years;
    programme-years), so the matrix is totally unimodular and a basic solution, which the
    dual simplex returns, is integral. Should it not be, the floor is taken and cents are
    added back greedily where every row has room.
    """
    a_x = a_all[:, :n_x]
    shift = a_all[:, n_x:] @ z
    eq = np.isfinite(lo_all)
    a_ub = a_x[~eq]
    rhs = (hi_all - shift)[~eq]
    res = linprog(-np.ones(n_x), A_ub=a_ub, b_ub=rhs,
                  bounds=np.column_stack([np.zeros(n_x), ub]), method="highs-ds")  # fmt: skip
    xf = res.x if res.x is not None else np.zeros(n_x)
    x = np.rint(xf).astype(np.int64)
    if np.abs(xf - x).max(initial=0) > 1e-6 or (a_ub @ x > rhs + 0.5).any():
        x = np.floor(xf + 1e-9).astype(np.int64)
        room = rhs - a_ub @ x
        a_csc = a_ub.tocsc()
        for j in range(n_x):
            rows = a_csc.indices[a_csc.indptr[j] : a_csc.indptr[j + 1]]
            add = int(min(ub[j] - x[j], room[rows].min() if len(rows) else ub[j]))
            if add > 0:
                x[j] += add
                room[rows] -= add
    return x


def _binding(costs, progs, cell, prog, ub, x, g_codes, g_index, cost_g, funded_g,
             py_codes, py_index, cap_py):  # fmt: skip
    """List the rules that limit the result (zero slack), in words."""
    pid = progs.index.to_numpy()
    share = progs["eigenanteil"].to_numpy()
    m_c = costs["massnahme"].to_numpy()
    y_c = costs["jahr"].to_numpy()
    k_c = costs["kostenart"].to_numpy()
    parts = []
    i = np.flatnonzero((x >= ub) & (x > 0))
    parts.append(pd.DataFrame({"regel": "foerdersatz", "massnahme": m_c[cell[i]],
                               "programm": pid[prog[i]], "jahr": y_c[cell[i]],
                               "kostenart": k_c[cell[i]]}))  # fmt: skip
    per_cell = np.bincount(cell, weights=x, minlength=len(costs))
    c = np.flatnonzero((per_cell >= costs["cent"].to_numpy()) & (per_cell > 0))
    parts.append(pd.DataFrame({"regel": "kosten", "massnahme": m_c[c], "programm": None,
                               "jahr": y_c[c], "kostenart": k_c[c]}))  # fmt: skip
    used = x > 0
    t_g = np.zeros(len(g_index))
    np.maximum.at(t_g, g_codes[cell[used]], share[prog[used]])
    need = np.ceil(t_g * cost_g - 1e-9)
    g = np.flatnonzero((t_g > 0) & (funded_g >= cost_g - need))
    parts.append(pd.DataFrame({"regel": "eigenanteil",
                               "massnahme": g_index.get_level_values(0)[g],
                               "programm": None, "jahr": g_index.get_level_values(1)[g],
                               "kostenart": None}))  # fmt: skip
    drawn = np.bincount(py_codes, weights=x, minlength=len(py_index))
    k = np.flatnonzero(np.isfinite(cap_py) & (drawn >= cap_py))
    parts.append(pd.DataFrame({"regel": "hoechstbetrag", "massnahme": None,
                               "programm": pid[py_index.get_level_values(0)[k]],
                               "jahr": py_index.get_level_values(1)[k], "kostenart": None}))  # fmt: skip
    out = (
        pd.concat([q for q in parts if len(q)], ignore_index=True)
        if any(len(q) for q in parts)
        else pd.DataFrame(columns=["regel", "massnahme", "programm", "jahr", "kostenart"])
    )
    texts = {
        "foerdersatz": "{programm} zahlt den vollen Fördersatz für {massnahme} {jahr} "
        "({kostenart})",
        "kosten": "{massnahme} {jahr}: {kostenart}kosten voll gefördert",
        "eigenanteil": "{massnahme} {jahr}: Eigenanteil genau so hoch wie gefordert",
        "hoechstbetrag": "{programm} {jahr}: Höchstbetrag ausgeschöpft",
    }
    out["text"] = [texts[r.regel].format(**r._asdict()) for r in out.itertuples(index=False)]
    return out


@immutable
@dataclass(frozen=True)
class Portfolio:
    """The chosen measures under a budget; see :func:`prioritize`.

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
            f"Portfolio: {len(self.chosen)} of {len(self.table)} measures, "
            f"{self.cost:,.2f} € of {self.budget:,.2f} €",
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
    chosen = np.rint(res.x).astype(bool)
    # benefits below the solver's tolerances (about 1e-6) can be left out although they
    # fit: add each one that still fits, the largest first (never lowers the benefit)
    for m in np.argsort(-benefit, kind="stable"):
        if chosen[m] or exclude[m] or benefit[m] <= 0:
            continue
        fits = cost_c[chosen].sum() + cost_c[m] <= budget_c
        if fits and draws is not None:
            fits = bool((draws[:, chosen].sum(axis=1) + draws[:, m] <= caps).all())
        chosen[m] = fits
    return chosen


def prioritize(
    candidates: pd.DataFrame,
    budget: float,
    *,
    need: Hashable,
    effect: Hashable,
    cost: Hashable,
    weights: dict[str, float] | None = None,
    draws: pd.DataFrame | None = None,
    ceilings: pd.Series | None = None,
    must: Hashable | Sequence[Hashable] = (),
    exclude: Hashable | Sequence[Hashable] = (),
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
    must, exclude : id or sequence of ids
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
    >>> p = prioritize(c, 100_000, need="bedarf", effect="wirkung", cost="kosten")
    >>> p.chosen  # M2 alone (benefit 0.75) beats M1 + M3 (0.71 + 0.00)
    ('M2',)
    """
    where = "prioritize"
    check_frame(candidates, arg="candidates", where=where, row="candidate site")
    if candidates.empty:
        _fail_empty(where, "candidates")
    if not candidates.index.is_unique:
        dup = candidates.index[candidates.index.duplicated()].unique()
        raise fail(
            where,
            f"`candidates` has duplicate ids: {format_values(dup)}",
            "give each candidate measure one row, its id as the index",
        )
    vals = _candidate_values(candidates, need, effect, cost, where)
    if (vals["cost"] < 0).any():
        raise fail(where, "`cost` has negative values", "costs are euros >= 0")
    if not (_is_number(budget) and np.isfinite(budget) and budget >= 0):
        raise fail(where, f"`budget` is {budget!r}", "pass the money available, euros >= 0")
    w = _check_priority_weights(weights, where)
    if not (is_whole(sensitivity_steps) and sensitivity_steps >= 0):
        raise fail(
            where, f"`sensitivity_steps` is {sensitivity_steps!r}", "pass a whole number >= 0"
        )
    ids = candidates.index
    must, exclude = as_list(must), as_list(exclude)  # one id on its own, or several
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
    draw_m, caps = _draw_matrix(draws, ceilings, ids, where) if draws is not None else (None, None)
    n_need, n_eff = _minmax(vals["need"]), _minmax(vals["effect"])
    cost_c = np.rint(vals["cost"] * 100)
    budget_c = float(np.rint(budget * 100))

    solved: dict[tuple[float, float], np.ndarray | None] = {}

    def solve(wn: float, we: float) -> np.ndarray | None:
        # the same benefit up to a positive factor gives the same portfolio: solve it once
        key = (round(wn / (wn + we), 12), round(we / (wn + we), 12))
        if key not in solved:
            solved[key] = _knapsack(
                wn * n_need + we * n_eff, cost_c, budget_c, draw_m, caps, must_b, excl_b
            )
        return solved[key]

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


def _candidate_values(
    candidates: pd.DataFrame, need: Hashable, effect: Hashable, cost: Hashable, where: str
) -> dict[str, np.ndarray]:
    """Need, effect and cost of every candidate: existing columns, finite values."""
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
    return vals


def _check_priority_weights(weights: Any, where: str) -> dict[str, float]:
    """Weights of need and effect: both given, non-negative, not both zero."""
    w = {"need": 0.5, "effect": 0.5} if weights is None else weights
    if (
        not isinstance(w, Mapping)
        or set(w) != {"need", "effect"}
        or not all(_is_number(v) and np.isfinite(v) and v >= 0 for v in w.values())
    ):
        raise fail(
            where,
            f"`weights` is {weights!r}",
            'pass {"need": w1, "effect": w2} with non-negative numbers',
        )
    if w["need"] + w["effect"] == 0:
        raise fail(where, "both weights are zero", "give at least one weight > 0")
    return {k: float(v) for k, v in w.items()}


def _is_number(value: Any) -> bool:
    """Tell whether ``value`` is a real number (Python or numpy), not a bool or text."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _draw_matrix(
    draws: pd.DataFrame, ceilings: Any, ids: pd.Index, where: str
) -> tuple[np.ndarray, np.ndarray]:
    """Return the draws on each programme (programmes x candidates) and the ceilings."""
    if ceilings is None:
        raise fail(where, "`draws` given without `ceilings`", "pass the ceilings too")
    missing = ids.difference(draws.index)
    if len(missing):
        raise fail(where, f"`draws` lacks the candidates {format_values(missing)}", "add rows")
    unknown = draws.columns.difference(ceilings.index)
    if len(unknown):
        raise fail(where, f"`ceilings` lacks the programmes {format_values(unknown)}", "add them")
    draw_m = draws.reindex(ids).to_numpy(dtype=float).T
    caps = ceilings.reindex(draws.columns).to_numpy(dtype=float)
    return draw_m, caps
