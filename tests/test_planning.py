"""Tests of sozplan.planning: data model, allocation, cost indicators, targeting, targets, DiD."""

from __future__ import annotations

import warnings
from itertools import product as _product

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog as _linprog

from sozplan.datasets import (
    load_costs,
    load_financing,
    load_measures,
    load_musterstadt,
    load_truth,
)
from sozplan.errors import DataQualityWarning, InputError, MethodWarning
from sozplan.planning import (
    Allocation,
    Matching,
    allocate,
    budget_execution,
    bundle_funding,
    compare_allocations,
    concentration_index,
    cost_indicators,
    cost_per_target,
    cost_summary,
    difference_in_differences,
    financing_plan,
    measure_areas,
    planning_data,
    prioritize,
    target_attainment,
    targeting,
    timeline,
    validate_cost_plan,
    validate_costs,
    validate_funding,
    validate_measures,
    validate_programmes,
    validate_targets,
)


@pytest.fixture(scope="module")
def areas():
    return load_musterstadt("planning_area", year=2024)


@pytest.fixture(scope="module")
def panel():
    return load_musterstadt("planning_area", year="all")


@pytest.fixture(scope="module")
def measures():
    return load_measures()


@pytest.fixture(scope="module")
def costs():
    return load_costs()


def _targets(**over):
    base = {
        "ziel": ["Z1"],
        "indikator": ["sgb2_quote"],
        "planungsraum": ["01"],
        "basiswert": [25.0],
        "basisjahr": [2021],
        "zielwert": [21.0],
        "zieljahr": [2025],
        "art": ["sozial"],
    }
    base.update(over)
    return pd.DataFrame(base)


# --------------------------------------------------------------------------------------
# data model
# --------------------------------------------------------------------------------------
class TestDataModel:
    def test_musterstadt_is_valid(self, areas, measures, costs):
        plan = planning_data(areas, measures, costs)
        assert len(plan.measures) == len(measures)
        assert plan.costs["gesamt"].sum() == pytest.approx(
            costs[["eigenmittel", "foerdermittel", "drittmittel"]].to_numpy().sum()
        )
        assert "<strong>PlanningData" in plan._repr_html_()
        assert "PlanningData" in repr(plan)
        frame = plan.to_frame()
        assert frame["gesamt"].sum() == pytest.approx(plan.costs["gesamt"].sum())
        assert ((frame["foerderquote"] >= 0) & (frame["foerderquote"] <= 100)).all()

    def test_inputs_not_mutated(self, measures, costs):
        m0, c0 = measures.copy(), costs.copy()
        validate_measures(measures)
        validate_costs(costs, measures=measures, id_column="planungsraum")
        pd.testing.assert_frame_equal(measures, m0)
        pd.testing.assert_frame_equal(costs, c0)

    def test_measure_areas_long(self, measures):
        long = measure_areas(measures, id_column="planungsraum")
        n = sum(len(g.split()) for g in measures["gebiete"])
        assert len(long) == n
        assert list(long.columns[:2]) == ["massnahme", "planungsraum"]

    def test_gebiete_as_list(self):
        m = pd.DataFrame(
            {"beginn": [2022], "ende": [2024], "gebiete": [["01", "02"]]},
            index=pd.Index(["M1"], name="massnahme"),
        )
        assert validate_measures(m)["gebiete"].iloc[0] == ("01", "02")

    def test_measure_errors_listed_together(self):
        m = pd.DataFrame(
            {
                "massnahme": ["M1", "M1", "M3"],
                "beginn": [2022, 2024, 2020.5],
                "ende": [2025, 2023, 2022],
                "gebiete": ["01 99", "02", ""],
            }
        )
        with pytest.raises(InputError) as exc:
            validate_measures(m, areas=["01", "02"])
        msg = str(exc.value)
        for part in (
            "more than once",
            "end before they start",
            "not a whole year",
            "without areas",
            "'99'",
        ):
            assert part in msg

    def test_measure_missing_column(self):
        with pytest.raises(InputError, match="lacks the column"):
            validate_measures(pd.DataFrame({"beginn": [2020]}, index=["M1"]))

    def test_negative_costs(self, costs):
        bad = costs.copy()
        bad.loc[3, "eigenmittel"] = -100.0
        with pytest.raises(InputError, match="negative cost"):
            validate_costs(bad, id_column="planungsraum")

    def test_costs_outside_run_time_and_area(self, measures, costs):
        bad = costs.copy()
        m01 = bad.index[bad["massnahme"] == "M01"][0]
        bad.loc[m01, "jahr"] = int(measures.loc["M01", "beginn"]) - 1
        other = bad.index[bad["massnahme"] == "M02"][0]
        bad.loc[other, "planungsraum"] = "999999"
        with pytest.raises(InputError) as exc:
            validate_costs(
                bad,
                measures=measures,
                areas=load_musterstadt("planning_area"),
                id_column="planungsraum",
            )
        msg = str(exc.value)
        assert "outside the measure's run time" in msg
        assert "does not serve" in msg
        assert "unknown area" in msg

    def test_costs_unknown_measure_duplicates_nan(self, measures, costs):
        bad = pd.concat([costs, costs.iloc[[0]]], ignore_index=True)
        bad.loc[1, "massnahme"] = "M99"
        bad.loc[2, "drittmittel"] = np.nan
        with pytest.raises(InputError) as exc:
            validate_costs(bad, measures=measures, id_column="planungsraum")
        msg = str(exc.value)
        assert "unknown measure" in msg
        assert "share a (measure, area, year)" in msg
        assert "missing cost" in msg

    def test_zero_cost_rows_warn(self):
        c = pd.DataFrame(
            {
                "massnahme": ["M1"],
                "planungsraum": ["01"],
                "jahr": [2022],
                "eigenmittel": [0.0],
                "foerdermittel": [0.0],
                "drittmittel": [0.0],
            }
        )
        with pytest.warns(DataQualityWarning, match="all zero"):
            out = validate_costs(c, id_column="planungsraum")
        assert np.isnan(out["foerderquote"].iloc[0])

    def test_targets_unknown_area(self):
        with pytest.raises(InputError, match="unknown areas: 'Z1' \\('99'\\)"):
            validate_targets(_targets(planungsraum=["99"]), areas=["01"], id_column="planungsraum")

    def test_targets_city_wide_ok(self):
        out = validate_targets(
            _targets(planungsraum=["gesamt"]), areas=["01"], id_column="planungsraum"
        )
        assert out["richtung"].tolist() == [-1]

    @pytest.mark.parametrize(
        ("over", "match"),
        [
            ({"zieljahr": [2020]}, "not after the baseline"),
            ({"art": ["sozialfinanz"]}, "'sozial' or 'finanziell'"),
            ({"richtung": [1]}, "contradicts"),
            ({"zielwert": [25.0]}, "no `richtung`"),
            ({"basiswert": [np.nan]}, "missing, infinite or not a number"),
        ],
    )
    def test_targets_bad(self, over, match):
        with pytest.raises(InputError, match=match):
            validate_targets(_targets(**over), id_column="planungsraum")

    def test_targets_unknown_measure(self, measures):
        with pytest.raises(InputError, match="unknown measures"):
            validate_targets(
                _targets(massnahme=["M99"]), measures=measures, id_column="planungsraum"
            )


# --------------------------------------------------------------------------------------
# allocation
# --------------------------------------------------------------------------------------
def _iterative_capping(u, lo, hi, total, max_iter=10_000):
    """Independent reference: the textbook iterative capping / flooring loop (continuous)."""
    x = np.zeros_like(u)
    fixed = np.zeros(len(u), dtype=bool)
    for _ in range(max_iter):
        free = ~fixed
        rest = total - x[fixed].sum()
        x[free] = rest * u[free] / u[free].sum() if u[free].sum() > 0 else 0
        over = free & (x > hi)
        under = free & (x < lo)
        if not over.any() and not under.any():
            return x
        # fix the side with the larger violation first (both converge to the same point)
        if (x[over] - hi[over]).sum() >= (lo[under] - x[under]).sum():
            x[over] = hi[over]
            fixed |= over
        else:
            x[under] = lo[under]
            fixed |= under
    raise AssertionError("no convergence")


class TestAllocate:
    def test_hand_example(self):
        df = pd.DataFrame({"bedarf": [1.0, 2.0, 7.0]}, index=["a", "b", "c"])
        res = allocate(df, "bedarf", 1000, cap=500)
        # by hand: c capped at 500, the other 500 split 1:2 -> 166.666.. / 333.333..
        assert res.amount.tolist() == [166.67, 333.33, 500.0]
        assert res.to_frame()["capped"].tolist() == [False, False, True]

    def test_largest_remainder_ties(self):
        df = pd.DataFrame({"n": [1.0, 1.0, 1.0]}, index=["x", "y", "z"])
        res = allocate(df, "n", 1.00)
        # Hamilton: 33.33.. cents each, the one extra cent goes to the first in order
        assert res.to_frame()["amount_cents"].tolist() == [34, 33, 33]

    def test_largest_remainder_textbook(self):
        # Hamilton apportionment: quotas 42.3, 31.2, 26.5 (per mille) -> 42, 31, 27
        df = pd.DataFrame({"n": [423.0, 312.0, 265.0]}, index=list("abc"))
        res = allocate(df, "n", 1.00)
        assert res.to_frame()["amount_cents"].tolist() == [42, 31, 27]

    def test_musterstadt_exact_floors_caps(self, areas):
        pa = areas[areas["einwohner"] > 0]
        res = allocate(
            pa, "sgb2_leistungsberechtigte", 2_500_000.37, base_share=0.25, floor=4_000, cap=40_000
        )
        tab = res.to_frame()
        assert int(tab["amount_cents"].sum()) == 250_000_037
        assert round(tab["amount"].sum(), 2) == 2_500_000.37
        assert (tab["amount"] >= 4_000).all()
        assert (tab["amount"] <= 40_000).all()
        assert res.n_floored > 0
        assert res.n_capped > 0
        assert tab.index.equals(pa.index)
        # free areas keep the proportions of the rule
        free = ~(tab["floored"] | tab["capped"])
        ratio = tab.loc[free, "amount"] / tab.loc[free, "unconstrained"]
        assert ratio.max() - ratio.min() < 1e-3

    def test_matches_iterative_capping(self, areas):
        pa = areas[areas["einwohner"] > 0]
        rng = np.random.default_rng(3)
        floor = pd.Series(rng.uniform(0, 4_000, len(pa)).round(2), index=pa.index)
        cap = floor + pd.Series(rng.uniform(5_000, 30_000, len(pa)).round(2), index=pa.index)
        res = allocate(
            pa, "sgb2_leistungsberechtigte", 2_000_000, floor=floor, cap=cap, base_share=0.1
        )
        tab = res.to_frame()
        ref = _iterative_capping(
            tab["unconstrained"].to_numpy(), floor.to_numpy(), cap.to_numpy(), 2_000_000.0
        )
        np.testing.assert_allclose(tab["amount"].to_numpy(), ref, atol=0.011)

    def test_population_base(self):
        df = pd.DataFrame({"ew": [100, 300], "q": [10.0, 10.0]}, index=["a", "b"])
        res = allocate(df, "q", 1000, base_share=1.0, population="ew")
        assert res.amount.tolist() == [250.0, 750.0]
        res = allocate(df.assign(q=[30.0, 10.0]), "q", 1000, population="ew")
        # need x residents: 3000 vs 3000
        assert res.amount.tolist() == [500.0, 500.0]
        assert res.to_frame()["per_resident"].tolist() == [5.0, 500 / 300]

    def test_series_aligned_by_index(self):
        df = pd.DataFrame({"x": [0, 0, 0]}, index=["a", "b", "c"])
        need = pd.Series([3.0, 1.0, 1.0], index=["c", "a", "b"])
        res = allocate(df, need, 500)
        assert res.amount.tolist() == [100.0, 100.0, 300.0]

    def test_zero_need_areas_get_floor_or_nothing(self):
        df = pd.DataFrame({"n": [0.0, 1.0, 3.0]}, index=list("abc"))
        res = allocate(df, "n", 100, floor=10)
        assert res.amount.tolist() == [10.0, 22.5, 67.5]
        res2 = allocate(df, "n", 100)
        assert res2.amount.iloc[0] == 0
        assert any("get nothing" in n for n in res2.notes)

    def test_result_object(self, areas):
        res = allocate(areas, "sgb2_leistungsberechtigte", 100_000, floor=100)
        assert isinstance(res, Allocation)
        assert "Allocation of 100,000.00 EUR" in repr(res)
        assert "<table" in res._repr_html_()
        import dataclasses

        with pytest.raises(dataclasses.FrozenInstanceError):
            res.budget = 1

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"budget": 100, "floor": 50}, "below the sum of the floors"),
            ({"budget": 1000, "floor": 20, "cap": 10}, "`cap` is below `floor`"),
            ({"budget": 1000, "cap": 100}, "exceeds what the areas can take"),
            ({"budget": 100.001}, "whole number of cents"),
            ({"budget": -5}, "`budget` is -5"),
            ({"budget": 100, "base_share": 1.5}, "`base_share` is 1.5"),
            ({"budget": 100, "floor": -1}, "`floor` is negative"),
        ],
    )
    def test_bad_input(self, kwargs, match):
        df = pd.DataFrame({"n": [1.0, 2.0, 3.0]}, index=list("abc"))
        with pytest.raises(InputError, match=match):
            allocate(df, "n", **kwargs)

    def test_negative_need(self):
        df = pd.DataFrame({"idx": [-0.5, 0.2, 1.3]}, index=list("abc"))
        with pytest.raises(InputError, match=r"`need` is negative for 'a'.*shift a z-score"):
            allocate(df, "idx", 100)

    def test_nan_need_and_unknown_column(self):
        df = pd.DataFrame({"n": [1.0, np.nan]}, index=list("ab"))
        with pytest.raises(InputError, match="missing or infinite"):
            allocate(df, "n", 100)
        with pytest.raises(InputError, match="did you mean 'n'"):
            allocate(df, "nn", 100)
        with pytest.raises(InputError, match="is 0 in every area"):
            allocate(pd.DataFrame({"n": [0.0, 0.0]}), "n", 100)

    def test_need_as_series_is_aligned_by_id_through_the_core_resolver(self):
        """A Series is aligned by id (not position); gaps and duplicate ids are refused."""
        df = pd.DataFrame({"n": [1.0, 3.0]}, index=list("ab"))
        by_column = allocate(df, "n", 100).to_frame()
        by_series = allocate(df, pd.Series({"b": 3.0, "a": 1.0, "z": 9.0}), 100).to_frame()
        pd.testing.assert_frame_equal(by_column, by_series, check_names=False)
        with pytest.raises(
            InputError,
            match=r"^allocate: `need` \(a Series\) has no value for the area\(s\) 'b'.*Fix: "
            r"pass a Series with the values of `need` for every area",
        ):
            allocate(df, pd.Series({"a": 1.0}), 100)
        with pytest.raises(InputError, match=r"^allocate: .*duplicate"):
            allocate(df, pd.Series([1.0, 2.0, 3.0], index=["a", "b", "b"]), 100)

    def test_compare_allocations(self, areas):
        pa = areas[areas["einwohner"] > 0].copy()
        pa["quote"] = pa["sgb2_leistungsberechtigte"] / pa["einwohner"] * 100
        cmp = compare_allocations(
            pa,
            {
                "nur Einwohner": {"base_share": 1.0},
                "nur Bedarf": {"base_share": 0.0},
                "Sockel + Bedarf, gedeckelt": {"base_share": 0.3, "floor": 1_000, "cap": 25_000},
            },
            need="quote",
            budget=1_500_000,
            population="einwohner",
        )
        assert (cmp.amounts.sum().round(2) == 1_500_000).all()
        s = cmp.summary
        # equal per resident is not targeted; need-proportional spending has Kakwani 0
        assert s.loc["nur Einwohner", "concentration_index"] == pytest.approx(0, abs=1e-3)
        assert s.loc["nur Bedarf", "kakwani"] == pytest.approx(0, abs=1e-3)
        assert s.loc["nur Bedarf", "top_budget_share"] > s.loc["nur Einwohner", "top_budget_share"]
        long = cmp.to_frame()
        assert len(long) == 3 * len(pa)
        assert "<table" in cmp._repr_html_()

    def test_compare_bad_rule(self, areas):
        with pytest.raises(InputError, match="rule 'x'"):
            compare_allocations(areas, {"x": {"base_share": 2}}, need="einwohner", budget=10)

    def test_compare_names_itself_once_before_the_rule(self):
        df = pd.DataFrame({"q": [1.0, np.nan, 3.0]}, index=list("abc"))
        with pytest.raises(InputError) as info:
            compare_allocations(df, {"Bedarf": {}}, need="q", budget=100.0)
        message = str(info.value)
        assert message.startswith("compare_allocations: rule 'Bedarf': `need` has 1 missing")
        assert message.count("compare_allocations:") == 1
        clean = compare_allocations(df.fillna(2.0), {"Bedarf": {}}, need="q", budget=100.0)
        assert clean.amounts["Bedarf"].sum() == pytest.approx(100.0)


@st.composite
def _allocation_case(draw):
    n = draw(st.integers(1, 40))
    need = draw(st.lists(st.floats(0, 1e4, allow_nan=False), min_size=n, max_size=n))
    if sum(need) == 0:
        need[0] = 1.0
    floors = draw(st.lists(st.integers(0, 50_000), min_size=n, max_size=n))
    extra = draw(st.lists(st.one_of(st.none(), st.integers(0, 500_000)), min_size=n, max_size=n))
    caps = [np.nan if e is None else (f + e) / 100 for f, e in zip(floors, extra, strict=True)]
    floors = [f / 100 for f in floors]
    positive = [c for c, nd in zip(caps, need, strict=True) if nd > 0]
    reach_max = (
        sum((c if nd > 0 else f) for c, f, nd in zip(caps, floors, need, strict=True))
        if not any(np.isnan(positive))
        else np.inf
    )
    lo_c = round(sum(floors) * 100)
    hi_c = lo_c + 10_000_000 if not np.isfinite(reach_max) else round(reach_max * 100)
    assume(hi_c >= max(lo_c, 1))
    budget_c = draw(st.integers(max(lo_c, 1), hi_c))
    base = draw(st.sampled_from([0.0, 0.2, 1.0]))
    return need, floors, caps, budget_c, base


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_allocation_case())
def test_allocation_properties(case):
    need, floors, caps, budget_c, base = case
    df = pd.DataFrame(
        {"need": need, "floor": floors, "cap": caps}, index=[f"{i:03d}" for i in range(len(need))]
    )
    res = allocate(df, "need", budget_c / 100, floor="floor", cap="cap", base_share=base)
    tab = res.to_frame()
    cents = tab["amount_cents"].to_numpy()
    assert int(cents.sum()) == budget_c
    assert (cents >= np.round(df["floor"].to_numpy() * 100)).all()
    capped = df["cap"].notna().to_numpy()
    assert (cents[capped] <= np.round(df["cap"].to_numpy()[capped] * 100)).all()
    # each area within one cent of the exact continuous solution
    ref = (
        _iterative_capping(
            tab["unconstrained"].to_numpy() * 100,
            tab["floor"].to_numpy() * 100,
            tab["cap"].to_numpy() * 100,
            float(budget_c),
        )
        if tab["unconstrained"].sum() > 0
        else None
    )
    if ref is not None and np.isfinite(ref).all() and abs(ref.sum() - budget_c) < 1e-3:
        assert np.abs(cents - ref).max() < 1 + 1e-6


# --------------------------------------------------------------------------------------
# concentration index, targeting, costs
# --------------------------------------------------------------------------------------
class TestTargeting:
    def test_gini_by_hand(self):
        # Gini of (1, 2, 3, 4) = sum|xi - xj| / (2 n^2 mu) = 20 / 80 = 0.25
        assert concentration_index([1, 2, 3, 4], [1, 2, 3, 4]) == pytest.approx(0.25)

    def test_equals_curve_area(self):
        # independent formula: C = 1 - 2 * area under the concentration curve (trapezoids)
        rng = np.random.default_rng(7)
        y, r, w = rng.random(60), rng.random(60), rng.random(60) + 0.1
        o = np.argsort(r)
        lc = np.r_[0, np.cumsum((w * y)[o]) / np.sum(w * y)]
        p = np.r_[0, np.cumsum(w[o]) / w.sum()]
        assert concentration_index(y, r, w) == pytest.approx(
            1 - 2 * np.trapezoid(lc, p), abs=1e-12
        )

    def test_ties_share_rank(self):
        # all ranks tied: no ordering, index 0
        assert concentration_index([1, 5, 9], [2, 2, 2]) == pytest.approx(0.0)

    def test_bad(self):
        with pytest.raises(InputError, match="positive mean"):
            concentration_index([0, 0], [1, 2])
        with pytest.raises(InputError, match="differ in length"):
            concentration_index([1, 2], [1, 2, 3])

    def test_targeting_doc_example(self):
        df = pd.DataFrame(
            {"budget": [0.0, 100.0, 300.0, 600.0], "bedarf": [10, 20, 30, 40]}, index=list("abcd")
        )
        t = targeting(df, "budget", "bedarf", top=0.25)
        assert t.top_budget_share == pytest.approx(60.0)
        assert t.top_need_share == pytest.approx(40.0)
        assert t.kakwani == pytest.approx(t.concentration_index - t.need_concentration)
        assert "<table" in t._repr_html_()

    def test_negative_index_as_need(self):
        df = pd.DataFrame(
            {"b": [1.0, 2.0, 3.0], "z": [-1.0, 0.0, 1.0], "ew": [10, 10, 10]}, index=list("abc")
        )
        t = targeting(df, "b", "z", population="ew")
        assert t.concentration_index > 0
        assert np.isnan(t.kakwani)
        assert t.notes

    def test_empty_areas_with_money(self):
        df = pd.DataFrame({"b": [1.0, 2.0], "q": [1.0, 2.0], "ew": [0, 10]}, index=list("ab"))
        with pytest.raises(InputError, match="without residents receive money"):
            targeting(df, "b", "q", population="ew")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 1e3, allow_nan=False),
            st.integers(0, 6),
            st.floats(0.1, 1e3, allow_nan=False),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_concentration_index_equals_grouped_curve_area(rows):
    # independent formula with ties: merge tied units, then C = 1 - 2 * trapezoid area
    y, r, w = (np.array(v, dtype=float) for v in zip(*rows, strict=True))
    assume((w * y).sum() > 1e-9)
    g = pd.DataFrame({"wy": w * y, "w": w, "r": r}).groupby("r").sum().sort_index()
    lc = np.r_[0, np.cumsum(g["wy"]) / g["wy"].sum()]
    p = np.r_[0, np.cumsum(g["w"]) / g["w"].sum()]
    c = concentration_index(y, r, w)
    assert c == pytest.approx(1 - 2 * np.trapezoid(lc, p), abs=1e-9)
    assert -1 <= c <= 1


class TestCosts:
    def test_summary_totals(self, costs, measures):
        s = cost_summary(costs, "massnahme", measures=measures, id_column="planungsraum")
        assert s["gesamt"].sum() == pytest.approx(
            costs[["eigenmittel", "foerdermittel", "drittmittel"]].sum().sum()
        )
        assert s["anteil"].sum() == pytest.approx(100)

    def test_summary_change_over_years(self, costs):
        s = cost_summary(costs, "jahr", id_column="planungsraum")
        g = s["gesamt"]
        assert s["veraenderung"].iloc[1] == pytest.approx(g.iloc[1] - g.iloc[0])
        assert np.isnan(s["veraenderung"].iloc[0])

    def test_summary_by_measure_attribute(self, costs, measures):
        s = cost_summary(
            costs, ["handlungsfeld", "jahr"], measures=measures, id_column="planungsraum"
        )
        assert s.index.names == ["handlungsfeld", "jahr"]
        with pytest.raises(InputError, match="pass `measures=`"):
            cost_summary(costs, "handlungsfeld", id_column="planungsraum")

    def test_indicators_per_resident_and_need(self, costs, panel):
        ind = cost_indicators(
            costs, panel, need="sgb2_leistungsberechtigte", population="einwohner"
        )
        assert len(ind) == panel.index.get_level_values(0).nunique() * costs["jahr"].nunique()
        row = ind[ind["gesamt"] > 0].iloc[0]
        assert row["je_einwohner"] == pytest.approx(row["gesamt"] / row["einwohner"])
        assert row["je_bedarf"] == pytest.approx(row["gesamt"] / row["bedarf"])
        # development over years: previous year of the same area
        first = ind.index.get_level_values("jahr").min()
        area_rows = ind.xs(row.name[0], level="planungsraum")
        y1 = area_rows.index[1]
        assert area_rows.loc[y1, "veraenderung"] == pytest.approx(
            area_rows.loc[y1, "gesamt"] - area_rows.loc[y1 - 1, "gesamt"]
        )
        assert ind.xs(first, level="jahr")["veraenderung"].isna().all()
        # every euro is in the grid
        assert ind["gesamt"].sum() == pytest.approx(
            validate_costs(costs, id_column="planungsraum")["gesamt"].sum()
        )

    def test_indicators_per_case_and_measure(self, costs, areas):
        c = costs.assign(teilnehmende=20)
        ind = cost_indicators(
            c, areas, cases="teilnehmende", by=("massnahme",), population="einwohner"
        )
        row = ind[ind["gesamt"] > 0].iloc[0]
        assert row["je_fall"] == pytest.approx(row["gesamt"] / row["faelle"])

    def test_indicators_missing_year(self, costs, panel):
        c = costs.copy()
        c.loc[0, "jahr"] = 2019
        with pytest.raises(InputError, match="no data for the cost year"):
            cost_indicators(c, panel, population="einwohner")


# --------------------------------------------------------------------------------------
# targets and timeline
# --------------------------------------------------------------------------------------
class TestTargets:
    def _obs(self, values, start=2021):
        return pd.DataFrame(
            {"sgb2_quote": values},
            index=pd.MultiIndex.from_tuples([("01", start + i) for i in range(len(values))]),
        )

    def test_rule(self):
        # path 25 -> 21 over 2021..2025: 24, 23, 22, 21; tolerance 0.1 * 4 = 0.4
        obs = self._obs([25.0, 24.4, 23.41, 20.9, 21.2, 20.9])
        a = target_attainment(_targets(), obs, id_column="planungsraum")
        assert a.to_frame()["status"].tolist() == [
            "baseline",
            "on_track",
            "at_risk",
            "achieved",
            "missed",
            "achieved",
        ]
        assert a.summary().loc["Z1", "status_de"] == "erreicht"
        assert "linear path" in a.rule

    def test_absolute_tolerance_and_override(self):
        obs = self._obs([25.0, 24.4, 23.41])
        a = target_attainment(
            _targets(), obs, tolerance=0.5, tolerance_kind="absolute", id_column="planungsraum"
        )
        assert a.to_frame()["status"].tolist() == ["baseline", "on_track", "on_track"]
        b = target_attainment(_targets(toleranz=[0.0]), obs, id_column="planungsraum")
        assert b.to_frame()["status"].tolist() == ["baseline", "at_risk", "at_risk"]

    def test_hold_target_and_financial_tidy(self):
        t = _targets(
            indikator=["foerderquote"],
            planungsraum=["gesamt"],
            basiswert=[60.0],
            zielwert=[60.0],
            richtung=[1],
            art=["finanziell"],
        )
        obs = pd.DataFrame(
            {
                "indikator": "foerderquote",
                "planungsraum": "gesamt",
                "jahr": [2021, 2022, 2025],
                "wert": [60.0, 55.0, 61.0],
            }
        )
        a = target_attainment(t, obs, id_column="planungsraum")
        # tolerance 0.1 * |60| = 6 for a hold target; 2023/2024 without data
        assert a.to_frame()["status"].tolist() == [
            "baseline",
            "on_track",
            "no_data",
            "no_data",
            "achieved",
        ]

    def test_unknown_area_raises(self):
        with pytest.raises(InputError, match="unknown areas"):
            target_attainment(
                _targets(planungsraum=["77"]),
                self._obs([25.0]),
                areas=["01"],
                id_column="planungsraum",
            )

    def test_bad_tolerance(self):
        with pytest.raises(InputError, match="tolerance_kind"):
            target_attainment(
                _targets(), self._obs([25.0]), tolerance_kind="percent", id_column="planungsraum"
            )

    def test_observed_text_inf_and_unknown_indicators_are_refused(self):
        obs = self._obs([25.0, 24.4, 23.41])
        ok = target_attainment(_targets(), obs, id_column="planungsraum")
        assert ok.to_frame()["status"].tolist() == ["baseline", "on_track", "at_risk"]
        inf = obs.copy()
        inf.iloc[1, 0] = np.inf
        with pytest.raises(InputError, match=r"^target_attainment: `observed` has 1 infinite"):
            target_attainment(_targets(), inf, id_column="planungsraum")
        text = obs.astype(object)
        text.iloc[1, 0] = "24,4"
        with pytest.raises(InputError, match=r"indicator column\(s\) 'sgb2_quote' .* not numeric"):
            target_attainment(_targets(), text, id_column="planungsraum")
        tidy = pd.DataFrame(
            {"indikator": "sgb2_quote", "planungsraum": "01", "jahr": [2021, 2022],
             "wert": [25.0, "."]}
        )  # fmt: skip
        with pytest.raises(InputError, match=r"`observed.wert` holds text .* '\.'"):
            target_attainment(_targets(), tidy, id_column="planungsraum")
        with pytest.raises(InputError, match="no values of the targets' indicator"):
            target_attainment(
                _targets(), obs.rename(columns={"sgb2_quote": "alt"}), id_column="planungsraum"
            )

    def test_targets_without_any_observation_warn(self):
        two = _targets(ziel=["Z1", "Z2"], indikator=["sgb2_quote", "kinderarmut"],
                       planungsraum=["01", "01"], basiswert=[25.0, 30.0],
                       basisjahr=[2021, 2021], zielwert=[21.0, 25.0],
                       zieljahr=[2025, 2025], art=["sozial", "sozial"])  # fmt: skip
        obs = self._obs([25.0, 24.4])
        with pytest.warns(DataQualityWarning, match=r"^target_attainment: no observed values "
                          r"for the indicator\(s\) 'kinderarmut'"):  # fmt: skip
            a = target_attainment(two, obs, id_column="planungsraum")
        assert a.notes
        assert set(a.to_frame().query("ziel == 'Z2'")["status"]) <= {
            "baseline",
            "no_data",
        }
        other_area = _targets(planungsraum=["02"])
        with pytest.warns(DataQualityWarning, match=r"for the target\(s\) 'Z1'"):
            target_attainment(other_area, obs, id_column="planungsraum")

    def test_plot(self):
        import matplotlib

        matplotlib.use("Agg")
        a = target_attainment(_targets(), self._obs([25.0, 24.4, 23.41]), id_column="planungsraum")
        ax = a.plot("Z1")
        assert ax.get_title().startswith("Z1")
        display = a.plot()
        assert display.artists["axes"].shape == (1, 1)

    def test_timeline(self, measures):
        import matplotlib

        matplotlib.use("Agg")
        ms = pd.DataFrame(
            {"massnahme": ["M01", None], "jahr": [2023, 2024], "meilenstein": ["A", "B"]}
        )
        tl = timeline(
            measures,
            milestones=ms,
            targets=_targets(massnahme=["M01"]),
            today=2024,
            id_column="planungsraum",
        )
        ev = tl.to_frame()
        assert (ev["art"] == "massnahme").sum() == len(measures)
        assert set(ev["art"]) == {"massnahme", "meilenstein", "ziel"}
        ax = tl.plot()
        assert len(ax.get_yticklabels()) == len(measures) + 1
        with pytest.raises(InputError, match="unknown measures"):
            timeline(measures, milestones=ms.assign(massnahme=["M99", None]))


# --------------------------------------------------------------------------------------
# outcome monitoring
# --------------------------------------------------------------------------------------
def _synthetic_panel(
    n=40,
    years=range(2018, 2025),
    effect=-2.0,
    start=2022,
    n_treated=8,
    noise=0.0,
    seed=0,
    pretrend=0.0,
):
    rng = np.random.default_rng(seed)
    ids = [f"{i:03d}" for i in range(n)]
    level = rng.uniform(5, 25, n)
    treated = ids[:n_treated]
    rows = []
    for i, a in enumerate(ids):
        for t in years:
            y = level[i] + 0.3 * (t - 2018) + noise * rng.standard_normal()
            if a in treated:
                y += pretrend * (t - start)
                if t >= start:
                    y += effect
            rows.append((a, t, y, 1000))
    df = pd.DataFrame(rows, columns=["gebiet", "jahr", "y", "einwohner"]).set_index(
        ["gebiet", "jahr"]
    )
    return df, treated


class TestDiD:
    def test_exact_without_noise(self):
        df, tr = _synthetic_panel()
        res = difference_in_differences(df, "y", tr, 2022)
        assert res.effect == pytest.approx(-2.0)
        pre = res.event_study.loc[res.event_study["period"] == "pre", "estimate"]
        assert np.allclose(pre, 0)
        assert res.pretrend_p == pytest.approx(1.0)

    def test_equals_twfe_regression(self):
        # independent check: with 1:1 matching and two periods, the estimate equals the OLS
        # coefficient of D in y_it = a_i + g_t + tau D_it on the matched sample
        df, tr = _synthetic_panel(noise=1.0, seed=4)
        res = difference_in_differences(df, "y", tr, 2022, baseline=2021, evaluation=2024)
        sample = list(res.matches["treated"]) + list(res.matches["control"])
        sub = df["y"].unstack().loc[sample, [2021, 2024]]
        ys, X = [], []
        n = len(sample)
        for k, a in enumerate(sample):
            for j, t in enumerate((2021, 2024)):
                row = np.zeros(n + 2)
                row[k] = 1
                row[n] = j
                row[n + 1] = float(a in tr and t == 2024)
                X.append(row)
                ys.append(sub.loc[a, t])
        coef = np.linalg.lstsq(np.array(X), np.array(ys), rcond=None)[0]
        assert res.effect == pytest.approx(coef[-1], abs=1e-9)

    def test_coverage(self):
        # 95% intervals should cover the true effect in about 95% of replications
        # and the pre-trend test (true parallel trends) should warn in about 10% of them
        hits = warned = 0
        reps = 60
        for s in range(reps):
            df, tr = _synthetic_panel(noise=1.0, seed=100 + s, years=range(2019, 2025))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", MethodWarning)
                res = difference_in_differences(df, "y", tr, 2022)
            warned += any(issubclass(w.category, MethodWarning) for w in caught)
            hits += res.ci_low <= -2.0 <= res.ci_high
        assert 0.85 <= hits / reps <= 1.0
        assert warned / reps <= 0.25

    def test_musterstadt_effect_recovered(self, panel, measures):
        truth = load_truth()["measures"]["effect"]
        res = difference_in_differences(
            panel,
            truth["outcome"],
            measure=truth["measure"],
            measures=measures,
            population="einwohner",
        )
        assert sorted(res.treated) == sorted(truth["planning_areas"])
        assert res.start == truth["start"]
        assert res.baseline == truth["baseline_year"]
        assert res.evaluation == truth["evaluation_year"]
        assert res.ci_low <= truth["effect_pp"] <= res.ci_high
        assert res.ci_high < 0  # and the effect is detected
        assert not res.warnings
        assert res.balance.loc["outcome", "std_diff_after"] == pytest.approx(0, abs=0.1)

    def test_musterstadt_event_study_covers_truth_by_year(self, panel, measures):
        truth = load_truth()["measures"]["effect"]
        res = difference_in_differences(
            panel, "sgb2_quote", measure="M01", measures=measures, population="einwohner"
        )
        es = res.event_study
        base = truth["effect_pp_by_year"][str(truth["baseline_year"])]
        for year, eff in truth["effect_pp_by_year"].items():
            y = int(year)
            if y == truth["baseline_year"]:
                continue
            assert es.at[y, "ci_low"] <= eff - base <= es.at[y, "ci_high"], y

    def test_match_years(self, panel, measures):
        res = difference_in_differences(
            panel,
            "sgb2_quote",
            measure="M01",
            measures=measures,
            matching=Matching(match_years=[2020, 2021]),
            population="einwohner",
        )
        assert list(res.balance.index) == ["outcome_2020", "outcome_2021"]
        assert any("balanced by construction" in n for n in res.notes)
        assert res.ci_low <= -2.0 <= res.ci_high
        with pytest.raises(InputError, match="before the start"):
            difference_in_differences(
                panel,
                "sgb2_quote",
                measure="M01",
                measures=measures,
                matching={"match_years": [2022]},
                population="einwohner",
            )

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"matching": Matching(replace=True)},
            {"matching": {"n_neighbors": 2}},
            {"ci": "bootstrap", "rng": 1},
        ],
    )
    def test_musterstadt_effect_variants(self, panel, measures, kwargs):
        truth = load_truth()["measures"]["effect"]
        res = difference_in_differences(
            panel, "sgb2_quote", measure="M01", measures=measures, **kwargs
        )
        assert res.ci_low <= truth["effect_pp"] <= res.ci_high

    def test_musterstadt_pretrend_warned(self, panel, measures):
        truth = load_truth()["measures"]["pretrend"]
        with pytest.warns(MethodWarning, match="pre-trends differ"):
            res = difference_in_differences(
                panel,
                "sgb2_quote",
                truth["planning_areas"],
                truth["start"],
                measures=measures,
                measure=truth["measure"],
                population="einwohner",
            )
        assert res.warnings
        assert "pre-trends differ" in res.warnings[0]
        assert res.pretrend_p < 0.05
        # the biased estimate does not cover the true effect 0: hence the warning
        assert not (res.ci_low <= truth["true_effect_pp"] <= res.ci_high)
        assert res.pretrend_bias > 0

    def test_bootstrap_reproducible(self, panel, measures):
        a = difference_in_differences(
            panel,
            "sgb2_quote",
            measure="M01",
            measures=measures,
            ci="bootstrap",
            rng=5,
            n_bootstrap=199,
            population="einwohner",
        )
        b = difference_in_differences(
            panel,
            "sgb2_quote",
            measure="M01",
            measures=measures,
            ci="bootstrap",
            rng=5,
            n_bootstrap=199,
            population="einwohner",
        )
        assert a.ci_low == b.ci_low
        assert a.ci_high == b.ci_high

    def test_result_object(self, panel, measures):
        import matplotlib

        matplotlib.use("Agg")
        res = difference_in_differences(
            panel, "sgb2_quote", measure="M01", measures=measures, population="einwohner"
        )
        assert "Difference-in-differences of M01" in repr(res)
        assert "<table" in res._repr_html_()
        assert list(res.to_frame().index) == [2020, 2021, 2022, 2023, 2024]
        assert res.summary().loc[0, "n_treated"] == 8
        res.plot()
        res.plot(kind="trends")

    def test_caliper_unmatched_warns(self):
        df, tr = _synthetic_panel(noise=0.5)
        df.loc[(tr[0], slice(None)), "y"] += 100  # far away from every control
        with pytest.warns(MethodWarning, match="no control within the caliper"):
            res = difference_in_differences(df, "y", tr, 2022, matching=Matching(caliper=0.5))
        assert tr[0] in res.unmatched

    def test_no_pre_period_warns(self):
        df, tr = _synthetic_panel(years=range(2021, 2025))
        with pytest.warns(MethodWarning, match="no pre-period"):
            difference_in_differences(df, "y", tr, 2022)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"treated": ["999"], "start": 2022}, "not in `panel`"),
            ({"treated": None, "start": 2022}, "are needed"),
            ({"start": 2030}, "is not in the panel"),
            ({"start": 2022, "matching": {"n_neighbors": 0}}, "`matching`: `n_neighbors` is 0"),
            ({"start": 2022, "matching": {"neighbours": 2}}, "unknown key"),
            ({"start": 2022, "matching": 2}, "`matching` is a int"),
            ({"start": 2022, "ci": "hc3"}, "`ci` is 'hc3'"),
            (
                {"start": 2022, "matching": {"match_on": "status"}},
                "neither 'outcome' nor a column",
            ),
        ],
    )
    def test_bad_input(self, kwargs, match):
        df, tr = _synthetic_panel()
        kwargs = {"treated": tr, **kwargs}
        with pytest.raises(InputError, match=match):
            difference_in_differences(df, "y", **kwargs)

    def test_infinite_or_unknown_outcome_is_refused(self):
        df, tr = _synthetic_panel(n=12, n_treated=2)
        bad = df.copy()
        bad.loc[("005", 2019), "y"] = np.inf  # a control area
        with pytest.raises(InputError, match=r"^difference_in_differences: the outcome 'y' has 1 "
                           r"infinite value\(s\), at '005 2019'"):  # fmt: skip
            difference_in_differences(bad, "y", tr, 2022)
        with pytest.raises(InputError, match=r"`outcome` 'yy' is neither a column of `panel` "
                           r"nor a key of the indicator catalogue"):  # fmt: skip
            difference_in_differences(df, "yy", tr, 2022)
        assert difference_in_differences(df, "y", tr, 2022).effect == pytest.approx(-2.0)

    @pytest.mark.parametrize(
        ("change", "kwargs", "match"),
        [
            ({}, {"population": "ew"}, r"`population` names no column of `panel`: 'ew'"),
            ({"einwohner": "viele"}, {"population": "einwohner"}, r"the residents column .* not numeric"),
            ({}, {"population": "einwohner", "min_population": "300"}, r"`min_population` is '300'"),
            ({}, {"population": "einwohner", "min_population": np.nan}, r"`min_population` is nan"),
            ({}, {"start": 2022.5}, r"`start` is 2022\.5"),
            ({"s": "hoch"}, {"matching": {"match_on": ["s"]}}, r"the matching variable 's' is not numeric"),
            ({"s": np.inf}, {"matching": {"match_on": ["s"]}}, r"the matching variables are infinite"),
        ],
    )  # fmt: skip
    def test_residents_start_and_matching_variables_are_checked(self, change, kwargs, match):
        df, tr = _synthetic_panel(n=12, n_treated=2)
        kwargs = {"start": 2022, **kwargs}
        with pytest.raises(InputError, match=rf"^difference_in_differences: {match}"):
            difference_in_differences(df.assign(**change), "y", tr, **kwargs)

    def test_controls_without_residents_are_left_out_with_a_note(self):
        df, tr = _synthetic_panel(n=12, n_treated=2)
        df.loc[("005", 2021), "einwohner"] = np.nan
        res = difference_in_differences(df, "y", tr, 2022, population="einwohner")
        assert any("residents missing in 2021): '005'" in n for n in res.notes)
        assert "005" not in set(res.matches["control"])

    def test_bad_panel_and_pool(self):
        df, tr = _synthetic_panel(n=10, n_treated=6)
        with pytest.raises(InputError, match="not indexed by"):
            difference_in_differences(df.reset_index(), "y", tr, 2022)
        with pytest.raises(InputError, match="candidate control"):
            difference_in_differences(df, "y", tr, 2022)
        with pytest.raises(InputError, match="without `measures`"):
            difference_in_differences(df, "y", measure="M01")


def test_comparison_plot_uses_the_common_need_of_the_summary():
    import matplotlib

    matplotlib.use("Agg")
    df = pd.DataFrame(
        {
            "ew": [1000, 2000, 1500, 500],
            "quote": [5.0, 10.0, 20.0, 30.0],
            "alt": [1.0, 9.0, 2.0, 3.0],
        },
        index=["a", "b", "c", "d"],
    )
    cmp = compare_allocations(
        df,
        {"Bedarf": {"base_share": 0.0}, "anderer Bedarf": {"need": "alt", "base_share": 0.0}},
        need="quote",
        budget=100_000,
        population="ew",
    )
    ax = cmp.plot()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    for rule, c in cmp.summary["concentration_index"].items():
        assert any(label.startswith(rule) and f"{c:+.2f}" in label for label in labels)


# --- the financing level ---------------------------------------------------------------------


def _programmes(**over):
    base = {
        "programm": ["L", "E"],
        "ebene": ["land", "eu"],
        "foerdersatz": [0.5, 0.6],
        "eigenanteil": [0.0, 0.4],
        "beginn": [2024, 2024],
        "ende": [2025, 2025],
    }
    base.update(over)
    return pd.DataFrame(base)


def _costs(amounts=(1000.0, 500.0), years=(2024,)):
    rows = [
        (m, y, k, a)
        for m in ("M1",)
        for y in years
        for k, a in zip(("personal", "sach"), amounts, strict=True)
    ]
    return pd.DataFrame(rows, columns=["massnahme", "jahr", "kostenart", "betrag"])


def test_financing_plan_hand_example():
    # 2024: costs 1,500 €, Land pays 50 % of personnel (500 €), ESF 60 % of material (300 €)
    # -> funding 800 €, own share 700 €; budgeted 600 € -> gap 100 €.
    fund = pd.DataFrame(
        {
            "massnahme": ["M1", "M1"],
            "programm": ["L", "E"],
            "jahr": [2024, 2024],
            "kostenart": ["personal", "sach"],
            "betrag": [500.0, 300.0],
        }
    )
    own = pd.DataFrame({"massnahme": ["M1"], "jahr": [2024], "betrag": [600.0]})
    plan = financing_plan(_costs(), _programmes(), fund, own_funds=own)
    row = plan.table.loc[("M1", 2024)]
    assert row[["kosten", "land", "eu", "foerderung", "eigenanteil", "luecke"]].tolist() == [
        1500.0, 500.0, 300.0, 800.0, 700.0, 100.0
    ]  # fmt: skip
    assert plan.problems["problem"].tolist() == ["own_share_unbudgeted"]
    assert "own_share_unbudgeted" in plan.checked


def test_financing_plan_finds_each_rule():
    # double funding (L 500 + E 600 > 1,000 personnel), rate exceeded (E pays 100 % of sach),
    # own share too low (E requires 40 % of 1,500 = 600 €; own share is 0 €)
    fund = pd.DataFrame(
        {
            "massnahme": "M1",
            "programm": ["L", "E", "E"],
            "jahr": 2024,
            "kostenart": ["personal", "personal", "sach"],
            "betrag": [500.0, 600.0, 500.0],
        }
    )
    plan = financing_plan(_costs(), _programmes(), fund)
    kinds = set(plan.problems["problem"])
    assert {"double_funding", "rate_exceeded", "own_share_too_low"} <= kinds
    dbl = plan.problems.set_index("problem").loc["double_funding"]
    assert dbl["betrag"] == 100.0  # 1,100 € on 1,000 € of costs
    assert plan.not_checked  # no own funds given: said, not silent


def test_financing_plan_rejects_orphan_funding():
    fund = pd.DataFrame(
        {"massnahme": ["M1"], "programm": ["L"], "jahr": [2030], "kostenart": ["personal"],
         "betrag": [1.0]}
    )  # fmt: skip
    with pytest.raises(InputError, match="financing_plan: `funding` funds 1 measure-year"):
        financing_plan(_costs(), _programmes(), fund)
    with pytest.raises(InputError, match=r"^financing_plan: `funding` is a NoneType"):
        financing_plan(_costs(), _programmes(), None)
    assert financing_plan(_costs(), _programmes(), pd.DataFrame()).table["foerderung"].sum() == 0


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"foerdersatz": [1.5, 0.6]}, "between 0 and 1"),
        ({"eigenanteil": [-0.1, 0.4]}, "between 0 and 1"),
        ({"ende": [2020, 2025]}, "ends before it starts"),
        ({"ebene": ["kommune", "eu"]}, "unknown `ebene`"),
        ({"foerdersatz": [0.5, 0.7]}, "exceed 100 %"),
        ({"programm": ["L", "L"]}, "more than once"),
    ],
)
def test_validate_programmes_bad_input(change, match):
    with pytest.raises(InputError, match=f"validate_programmes: .*{match}"):
        validate_programmes(_programmes(**change))


@pytest.mark.parametrize(
    ("betrag", "match"), [(-1.0, "negative"), (np.nan, "missing"), (np.inf, "infinite")]
)
def test_validate_cost_plan_bad_amounts(betrag, match):
    with pytest.raises(InputError, match=f"validate_cost_plan: .*{match}"):
        validate_cost_plan(_costs(amounts=(betrag, 1.0)))


def test_validate_funding_unknown_measure():
    fund = pd.DataFrame(
        {"massnahme": ["MX"], "programm": ["L"], "jahr": [2024], "kostenart": ["sach"],
         "betrag": [1.0]}
    )  # fmt: skip
    with pytest.raises(InputError, match="'MX' that are not in `measures`"):
        validate_funding(fund, programmes=_programmes(), measures=["M1"])


def test_musterstadt_planted_funding_problems():
    fin = load_financing()
    truth = load_truth()["financing"]
    plan = financing_plan(
        fin.cost_plan, fin.programmes, fin.funding, own_funds=fin.own_funds,
        measures=fin.measures,
    )  # fmt: skip
    p = plan.problems
    ended = p[p.problem == "programme_ended"]
    assert set(ended.massnahme) == {truth["programme_ended"]["massnahme"]}
    assert sorted(ended.jahr) == truth["programme_ended"]["jahre"]
    assert set(ended.programm) == {truth["programme_ended"]["programm"]}
    unb = p[p.problem == "own_share_unbudgeted"]
    assert (
        truth["own_share_unbudgeted"]["massnahme"],
        truth["own_share_unbudgeted"]["jahr"],
    ) in set(zip(unb.massnahme, unb.jahr, strict=True))
    dbl = p[p.problem == "double_funding"]
    assert dbl.massnahme.tolist() == [truth["double_funding"]["massnahme"]]
    assert dbl.jahr.tolist() == [truth["double_funding"]["jahr"]]
    # the sums balance to the cent
    t = plan.table
    assert (np.rint(t.kosten * 100) == np.rint((t.foerderung + t.eigenanteil) * 100)).all()


def test_bundle_hand_example():
    # ESF (60 %, own share 40 %) + Land (50 %, no own share) on 1,000 € personnel and 500 €
    # material: with ESF the own share must be >= 600 €, so funding <= 900 €; Land alone
    # pays 750 €. Optimum: 900 € funding, own share 600 €.
    b = bundle_funding(_costs(), _programmes())
    assert b.own_share_total == 600.0
    assert (b.binding.regel == "eigenanteil").any()
    # the result is a valid funding table for the financing plan: no problems
    plan = financing_plan(_costs(), _programmes(), b.funding)
    assert plan.problems.empty


def _brute_force_own_share(costs, progs):
    """Smallest own share by enumerating the programme subsets of every measure-year.

    For each combination the remaining problem is a linear programme (scipy linprog);
    independent of bundle_funding's closed form and threshold MILP.
    """
    pr = validate_programmes(progs)
    c = validate_cost_plan(costs)
    c = c[c.cent > 0].reset_index(drop=True)
    groups = sorted(set(zip(c.massnahme, c.jahr, strict=True)))
    pids = list(pr.index)
    best = None
    for subsets in _product(*[list(_product([0, 1], repeat=len(pids))) for _ in groups]):
        var = []  # (cell, programme, ub)
        for k, r in c.iterrows():
            g = groups.index((r.massnahme, r.jahr))
            for j, p in enumerate(pids):
                row = pr.loc[p]
                in_period = subsets[g][j] and row.beginn <= r.jahr <= row.ende
                if in_period and (not row.kostenarten or r.kostenart in row.kostenarten):
                    var.append((k, j, np.floor(row.foerdersatz * r.cent + 1e-6)))
        if not var:
            funded = 0.0
        else:
            a, b = [], []
            for k in range(len(c)):
                a.append([1.0 if v[0] == k else 0.0 for v in var])
                b.append(c.cent[k])
            for g, (m, y) in enumerate(groups):
                used = [pr.iloc[j].eigenanteil for j in range(len(pids)) if subsets[g][j]]
                cg = c[(c.massnahme == m) & (c.jahr == y)].cent.sum()
                a.append(
                    [1.0 if (c.massnahme[v[0]], c.jahr[v[0]]) == (m, y) else 0.0 for v in var]
                )
                b.append(cg - np.ceil(max(used, default=0.0) * cg - 1e-9))
            for j, p in enumerate(pids):
                cap = pr.loc[p].hoechstbetrag
                if np.isfinite(cap):
                    for y in sorted(set(c.jahr)):
                        a.append([1.0 if (v[1] == j and c.jahr[v[0]] == y) else 0.0 for v in var])
                        b.append(np.rint(cap * 100))
            res = _linprog(-np.ones(len(var)), A_ub=a, b_ub=b,
                           bounds=[(0, v[2]) for v in var], method="highs")  # fmt: skip
            if res.status != 0:
                continue
            funded = -res.fun
        own = c.cent.sum() - funded
        best = own if best is None else min(best, own)
    return best


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rates=st.lists(st.sampled_from([0.3, 0.5, 0.6, 0.8]), min_size=2, max_size=2),
    shares=st.lists(st.sampled_from([0.0, 0.1, 0.2]), min_size=2, max_size=2),
    amounts=st.lists(st.integers(1, 5000), min_size=4, max_size=4),
    cap=st.one_of(st.none(), st.integers(100, 4000)),
)
def test_bundle_equals_brute_force(rates, shares, amounts, cap):
    progs = _programmes(foerdersatz=rates, eigenanteil=shares,
                        hoechstbetrag=[np.nan, np.nan if cap is None else float(cap)])  # fmt: skip
    costs = _costs(years=(2024, 2025), amounts=(1.0, 1.0))
    costs["betrag"] = [float(a) for a in amounts]
    b = bundle_funding(costs, progs)
    expected_cents = _brute_force_own_share(costs, progs)
    assert round(b.own_share_total * 100) == round(expected_cents)
    # sums exact to the cent
    assert round(b.own_share["eigenanteil"].sum() * 100) == round(b.own_share_total * 100)
    assert (b.funding["cent"] == np.rint(b.funding["betrag"] * 100)).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bundle_reductions_equal_the_whole_milp(seed):
    """The reductions (measure-years without capped money kept, independent parts solved one
    by one) give the own share of one MILP over everything (independent reference: the
    undecomposed disjunctive programme of the previous version)."""
    from sozplan.planning import _bundling as B
    from sozplan.planning._financing import validate_cost_plan, validate_programmes

    rng = np.random.default_rng(seed)
    n_p, n_m, years = 6, 25, (2024, 2025, 2026)
    progs = pd.DataFrame({
        "programm": [f"P{j}" for j in range(n_p)], "ebene": "land",
        "foerdersatz": rng.choice([0.3, 0.5, 0.6, 0.8], n_p),
        "eigenanteil": rng.choice([0.0, 0.1, 0.2], n_p), "beginn": 2024,
        "ende": rng.choice([2025, 2026], n_p),
    })  # fmt: skip
    progs["eigenanteil"] = np.minimum(progs["eigenanteil"], 1 - progs["foerdersatz"])
    costs = pd.DataFrame(
        [(f"M{m}", y, k, float(rng.integers(1_000, 50_000)))
         for m in range(n_m) for y in years for k in ("personal", "sach")],
        columns=["massnahme", "jahr", "kostenart", "betrag"],
    )  # fmt: skip
    free = bundle_funding(costs, progs)
    drawn = free.funding.groupby("programm")["betrag"].sum() / len(years)
    progs["hoechstbetrag"] = np.nan
    for p in drawn.index[::2]:
        progs.loc[progs["programm"] == p, "hoechstbetrag"] = round(0.5 * drawn[p], 2)
    b = bundle_funding(costs, progs)
    assert b.status.startswith("optimal")
    # reference: the whole problem in one MILP
    pr, co = validate_programmes(progs), validate_cost_plan(costs)
    co = co[co["cent"] > 0].reset_index(drop=True)
    cell, prog, ub = B._eligible_pairs(co, pr, {})
    g_codes, _ = pd.factorize(pd.MultiIndex.from_arrays([co["massnahme"], co["jahr"]]))
    cost_c = co["cent"].to_numpy(dtype=np.int64)
    cost_g = np.bincount(g_codes, weights=cost_c).astype(np.int64)
    py_codes, py_index = pd.factorize(
        pd.MultiIndex.from_arrays([prog, co["jahr"].to_numpy()[cell]])
    )
    cap = np.rint(pr["hoechstbetrag"].to_numpy() * 100)[py_index.get_level_values(0)]
    x, status = B._milp(cell, prog, ub, cost_c, cost_g, pr["eigenanteil"].to_numpy(),
                        g_codes[cell], py_codes, cap, 60.0)  # fmt: skip
    assert status == "optimal"
    assert round(b.own_share_total * 100) == int(cost_c.sum() - x.sum())


def test_bundle_musterstadt_respects_rules():
    fin = load_financing()
    b = bundle_funding(fin.cost_plan, fin.programmes, measures=fin.measures)
    assert b.status.startswith("optimal")
    plan = financing_plan(fin.cost_plan, fin.programmes, b.funding, measures=fin.measures)
    broken = {"double_funding", "rate_exceeded", "own_share_too_low", "ceiling_exceeded"}
    assert broken.isdisjoint(plan.problems["problem"])
    # bundling never costs more own share than the city's own funding plan
    own_plan = financing_plan(fin.cost_plan, fin.programmes, fin.funding, measures=fin.measures)
    assert b.own_share_total <= own_plan.table["eigenanteil"].sum() + 1e-9


def test_budget_execution_rules_and_bad_input():
    ex = pd.DataFrame(
        {"massnahme": ["M1", "M2", "M3"], "jahr": 2024, "soll": [1200.0, 1000.0, 0.0],
         "gebunden": [1200.0, 700.0, 10.0], "gezahlt": [900.0, 450.0, 0.0]}
    )  # fmt: skip
    res = budget_execution(ex, month=9)
    # M1: max(1200, 900*12/9=1200) = 1200 -> 0 % green; M2: max(700, 600) = 700 -> -30 % red;
    # M3: nothing planned but 10 € committed -> red
    assert res.table["prognose"].tolist() == [1200.0, 700.0, 10.0]
    assert res.table["ampel"].tolist() == ["gruen", "rot", "rot"]
    with pytest.raises(InputError, match="budget_execution: payments exceed commitments"):
        budget_execution(ex.assign(gezahlt=[1300.0, 0.0, 0.0]))
    with pytest.raises(InputError, match="budget_execution: `month`"):
        budget_execution(ex, month=13)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"thresholds": 0.1}, r"`thresholds` is 0\.1"),
        ({"thresholds": ("a", "b")}, r"`thresholds` is \('a', 'b'\)"),
        ({"thresholds": (0.2, 0.1)}, r"`thresholds` is \(0\.2, 0\.1\)"),
        ({"measures": ["M1"]}, r"`measures` is a list"),
    ],
)
def test_budget_execution_refuses_bad_options(kwargs, match):
    ex = pd.DataFrame(
        {"massnahme": ["M1"], "jahr": 2024, "soll": [100.0], "gebunden": [90.0], "gezahlt": [80.0]}
    )
    assert budget_execution(ex, thresholds=[0.1, 0.2]).table["ampel"].tolist() == ["gruen"]
    with pytest.raises(InputError, match=rf"^budget_execution: {match}"):
        budget_execution(ex, **kwargs)


def test_budget_execution_musterstadt_by_product():
    fin = load_financing()
    res = budget_execution(fin.execution, month=9, measures=fin.measures)
    assert res.by_product is not None
    assert np.isclose(res.by_product["soll"].sum(), res.table["soll"].sum())


def test_cost_per_target():
    att = pd.DataFrame(
        {"massnahme": ["M1", "M2"], "basiswert": [20.0, 10.0], "beobachtet": [18.0, 11.0],
         "jahr": [2024, 2024], "richtung": [-1, -1]},
        index=pd.Index(["Z1", "Z2"], name="ziel"),
    )  # fmt: skip
    spent = pd.Series(
        [50_000.0, 50_000.0, 10.0],
        index=pd.MultiIndex.from_tuples([("M1", 2023), ("M1", 2024), ("M2", 2024)]),
    )
    out = cost_per_target(att, spent)
    assert out.loc["Z1", "kosten_je_einheit"] == 50_000.0  # 100,000 € for 2 points
    assert np.isnan(out.loc["Z2", "kosten_je_einheit"])  # went the wrong way
    assert out.loc["Z2", "hinweis"]


@settings(max_examples=30, deadline=None)
@given(
    need=st.lists(st.floats(0, 1), min_size=2, max_size=8),
    data=st.data(),
)
def test_prioritise_equals_brute_force(need, data):
    n = len(need)
    effect = data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
    cost = data.draw(st.lists(st.integers(1, 100), min_size=n, max_size=n))
    budget = data.draw(st.integers(0, 300))
    c = pd.DataFrame({"need": need, "effect": effect, "cost": cost},
                     index=[f"M{i}" for i in range(n)])  # fmt: skip
    p = prioritize(c, budget, need="need", effect="effect", cost="cost", sensitivity_steps=0)
    b = p.table["nutzen"].to_numpy()
    best = max(
        sum(b[i] for i in range(n) if s[i])
        for s in _product([0, 1], repeat=n)
        if sum(cost[i] for i in range(n) if s[i]) <= budget
    )
    assert p.benefit == pytest.approx(best, abs=1e-9)
    assert p.cost <= budget


def test_prioritise_ceilings_must_and_sensitivity():
    c = pd.DataFrame({"n": [1.0, 0.5, 0.0], "e": [0.0, 0.5, 1.0], "k": [10.0, 10.0, 10.0]},
                     index=["A", "B", "C"])  # fmt: skip
    draws = pd.DataFrame({"ESF": [5.0, 5.0, 0.0]}, index=["A", "B", "C"])
    p = prioritize(c, 20, need="n", effect="e", cost="k", draws=draws,
                   ceilings=pd.Series({"ESF": 5.0}), must=["B"])  # fmt: skip
    assert "B" in p.chosen  # must
    assert "A" not in p.chosen  # the ceiling allows only one of A, B
    assert p.sensitivity.shape == (3, 5)
    # one id on its own is that id, not its letters
    one = prioritize(c, 20, need="n", effect="e", cost="k", draws=draws,
                     ceilings=pd.Series({"ESF": 5.0}), must="B", exclude="C")  # fmt: skip
    assert "B" in one.chosen
    assert "C" not in one.chosen
    with pytest.raises(InputError, match=r"^prioritize: `must` names unknown candidates 'BC'"):
        prioritize(c, 20, need="n", effect="e", cost="k", must="BC")
    with pytest.raises(InputError, match="prioritize: `weights`"):
        prioritize(c, 20, need="n", effect="e", cost="k", weights={"need": -1, "effect": 1})
    with pytest.raises(InputError, match="prioritize: `need` names the column 'x'"):
        prioritize(c, 20, need="x", effect="e", cost="k")
    for bad in ("20", True, None):
        with pytest.raises(InputError, match=r"^prioritize: `budget` is "):
            prioritize(c, bad, need="n", effect="e", cost="k")
    for bad in ([1, 2], {"need": "1", "effect": 1}):
        with pytest.raises(InputError, match=r"^prioritize: `weights` is "):
            prioritize(c, 20, need="n", effect="e", cost="k", weights=bad)
    twice = c.set_axis(["A", "A", "C"])
    with pytest.raises(InputError, match=r"^prioritize: `candidates` has duplicate ids: 'A'"):
        prioritize(twice, 20, need="n", effect="e", cost="k")


# --- financing_workbook: the treasury's Excel workbook ---------------------------------------


@pytest.fixture(scope="module")
def financing_results():
    from sozplan.datasets import load_financing
    from sozplan.planning import budget_execution, bundle_funding, financing_plan

    fin = load_financing()
    plan = financing_plan(fin.cost_plan, fin.programmes, fin.funding,
                          own_funds=fin.own_funds, measures=fin.measures)  # fmt: skip
    bundling = bundle_funding(fin.cost_plan, fin.programmes, measures=fin.measures)
    execution = budget_execution(fin.execution, month=9, measures=fin.measures)
    return plan, bundling, execution


def test_financing_workbook_sheets_formats_and_exact_values(tmp_path, financing_results):
    openpyxl = pytest.importorskip("openpyxl")
    from sozplan.planning import financing_workbook

    plan, bundling, execution = financing_results
    out = financing_workbook(tmp_path / "f.xlsx", plan=plan, bundling=bundling,
                             execution=execution, source="Musterstadt (synthetisch)")  # fmt: skip
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:4] == ["Übersicht", "Finanzierungsplan", "Probleme", "Förderprogramme"]
    assert {"Bündelung", "Soll-Ist", "Bindende Regeln"} <= set(wb.sheetnames)
    ws = wb["Finanzierungsplan"]
    headers = [c.value for c in ws[1]]
    j = headers.index("Eigenanteil") + 1
    assert ws.cell(row=2, column=j).number_format == '#,##0.00 "€"'
    assert ws.freeze_panes == "A2"
    # the sum over the sheet equals the plan's total to the cent (numbers, not text)
    col = [ws.cell(row=i, column=j).value for i in range(2, ws.max_row + 1)]
    assert round(sum(col), 2) == round(float(plan.totals()["eigenanteil"]), 2)
    # every planted problem is on the problems sheet by its German label
    labels = {c.value for c in wb["Probleme"]["A"][1:]}
    assert {"Förderprogramm endet vor der Maßnahme", "Doppelförderung derselben Kosten",
            "Eigenanteil nicht im Haushalt veranschlagt"} <= labels  # fmt: skip
    lights = [c.value for c in wb["Soll-Ist"][1]]
    assert "Ampel" in lights


def test_financing_workbook_english(tmp_path, financing_results):
    openpyxl = pytest.importorskip("openpyxl")
    from sozplan.planning import financing_workbook

    plan, _, execution = financing_results
    out = financing_workbook(tmp_path / "f.xlsx", plan=plan, execution=execution, language="en")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:2] == ["Overview", "Financing plan"]
    assert "Own share" in [c.value for c in wb["Financing plan"][1]]
    assert {c.value for c in wb["Planned vs actual"]["A"][1:]}  # rows written


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "no result was given"),
        ({"plan": "x"}, "is a str, not a FinancingPlan"),
        ({"language": "fr"}, "`language` is 'fr'"),
    ],
)
def test_financing_workbook_bad_input(tmp_path, kwargs, match):
    from sozplan.planning import financing_workbook

    with pytest.raises(InputError, match=match):
        financing_workbook(tmp_path / "f.xlsx", **kwargs)


def test_financing_workbook_refuses_other_suffix(tmp_path, financing_results):
    from sozplan.planning import financing_workbook

    with pytest.raises(InputError, match=r"financing_workbook: `path` ends in '\.csv'"):
        financing_workbook(tmp_path / "f.csv", plan=financing_results[0])


# --- bad input answered by the called function (the catalogue of issue 17) -------------------


class TestBadInputOfTheDataModelAndCostTables:
    """Library fixes found by tests/test_bad_input.py: good input passes, bad input is named."""

    @staticmethod
    def measures():
        return pd.DataFrame(
            {"beginn": [2022, 2023], "ende": [2025, 2024], "gebiete": ["01 02", "03"]},
            index=pd.Index(["M1", "M2"], name="massnahme"),
        )

    @staticmethod
    def costs():
        return pd.DataFrame(
            {
                "massnahme": ["M1", "M1", "M2"],
                "planungsraum": ["01", "02", "03"],
                "jahr": [2022, 2023, 2024],
                "eigenmittel": [100.0, 200.0, 50.0],
                "foerdermittel": [0.0, 100.0, 0.0],
                "drittmittel": [0.0, 0.0, 10.0],
            }
        )

    @staticmethod
    def areas(**over):
        base = {"bedarf": [10.0, 30.0, 5.0], "einwohner": [100.0, 300.0, 50.0]}
        base.update(over)
        return pd.DataFrame(base, index=pd.Index(["01", "02", "03"], name="planungsraum"))

    @staticmethod
    def attainment(**over):
        base = {
            "massnahme": ["M1", "M2"],
            "basiswert": [20.0, 10.0],
            "beobachtet": [18.0, 9.0],
            "jahr": [2024, 2024],
            "richtung": [-1, -1],
        }
        base.update(over)
        return pd.DataFrame(base, index=pd.Index(["Z1", "Z2"], name="ziel"))

    @staticmethod
    def spending():
        return pd.Series(
            [1000.0, 500.0], index=pd.MultiIndex.from_tuples([("M1", 2024), ("M2", 2024)])
        )

    def test_infinite_years_are_not_years(self):
        # before: an infinite `beginn` became -9223372036854775808 (validate_measures) or
        # raised a raw IntCastingNaNError (validate_programmes)
        m = self.measures()
        assert validate_measures(m.assign(beginn=[2022.0, 2023.0]))["beginn"].tolist() == [
            2022,
            2023,
        ]
        with pytest.raises(InputError, match=r"^validate_measures: `beginn` is not a whole year"):
            validate_measures(m.assign(beginn=[2022.0, np.inf]))
        with pytest.raises(InputError, match=r"^validate_costs: `jahr` is not a whole year"):
            validate_costs(
                self.costs().assign(jahr=[2022, np.inf, 2024]), id_column="planungsraum"
            )
        progs = pd.DataFrame(
            {"programm": ["L"], "ebene": ["land"], "foerdersatz": [0.5], "beginn": [2021.0]}
        ).assign(ende=[2027])
        assert validate_programmes(progs).at["L", "beginn"] == 2021
        with pytest.raises(InputError, match=r"^validate_programmes: .*`beginn` is not a whole"):
            validate_programmes(progs.assign(beginn=[np.inf]))

    def test_infinite_costs_are_named_as_such(self):
        c = self.costs()
        with pytest.raises(InputError, match=r"'eigenmittel' has 1 infinite cost\(s\): 'M1/02"):
            validate_costs(c.assign(eigenmittel=[100.0, np.inf, 50.0]), id_column="planungsraum")
        with pytest.raises(InputError, match=r"'eigenmittel' has 1 missing cost\(s\): 'M1/02"):
            validate_costs(c.assign(eigenmittel=[100.0, np.nan, 50.0]), id_column="planungsraum")

    @pytest.mark.parametrize(
        ("areas", "match"),
        [
            ({"bedarf": ["10", "x", "5"]}, r"'bedarf' \(\w+\) of `areas` are not numeric"),
            ({"bedarf": [10.0, np.inf, 5.0]}, r"'bedarf' of `areas` has 1 infinite value"),
            ({"einwohner": [100.0, -3.0, 50.0]}, r"'einwohner' of `areas` has 1 negative count"),
            ({"bedarf": [10.0, 400.0, 5.0]}, r"'bedarf' exceeds 'einwohner' in 1 area\(s\): '02'"),
        ],
    )
    def test_cost_indicators_refuses_bad_denominators(self, areas, match):
        # before: text raised a raw ValueError; inf, negative residents and more persons in
        # need than residents gave silent costs per resident of 0 (inf) or NaN (negative)
        with pytest.raises(InputError, match=rf"^cost_indicators: .*{match}"):
            cost_indicators(
                self.costs(), self.areas(**areas), population="einwohner", need="bedarf"
            )

    def test_cost_indicators_refuses_duplicate_areas(self):
        areas = pd.concat([self.areas(), self.areas().iloc[[2]]])
        with pytest.raises(InputError, match=r"^cost_indicators: the index of `areas`.*'03'"):
            cost_indicators(self.costs(), areas, population="einwohner")

    def test_cost_indicators_warns_where_costs_meet_no_residents(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            clean = cost_indicators(
                self.costs(), self.areas(), population="einwohner", need="bedarf", by=()
            )
        assert np.isfinite(clean["je_einwohner"]).all()
        assert clean.loc["02", "je_einwohner"] == pytest.approx(300.0 / 300.0)
        with pytest.warns(
            DataQualityWarning,
            match=r"^cost_indicators: 1 row\(s\) with costs have 0 or missing residents: '02'",
        ):
            out = cost_indicators(
                self.costs(),
                self.areas(einwohner=[100.0, np.nan, 50.0], bedarf=[10.0, np.nan, 5.0]),
                population="einwohner",
                by=(),
            )
        assert np.isnan(out.loc["02", "je_einwohner"])
        assert out.loc["01", "je_einwohner"] == pytest.approx(1.0)

    @pytest.mark.parametrize(
        ("attainment", "spending", "match"),
        [
            ({"basiswert": ["20", "x"]}, None, r"'basiswert' \(\w+\) of `attainment` are not numeric"),
            ({"beobachtet": [18.0, np.inf]}, None, r"'beobachtet' of `attainment` has 1 infinite"),
            ({"basiswert": [20.0, np.nan]}, None, r"no `basiswert` for the observed target\(s\) 'Z2'"),
            ({"richtung": [-1, 0]}, None, r"`richtung` is not \+1 or -1 for 'Z2'"),
            ({}, [1000.0, np.nan], r"`spending` has 1 missing, non-numeric or infinite"),
            ({}, [1000.0, -5.0], r"`spending` has 1 negative amount"),
        ],
    )  # fmt: skip
    def test_cost_per_target_refuses_bad_numbers(self, attainment, spending, match):
        # before: text raised a raw ValueError, inf and NaN gave silent NaN or 0 costs per unit
        spent = self.spending()
        if spending is not None:
            spent = pd.Series(spending, index=spent.index)
        with pytest.raises(InputError, match=rf"^cost_per_target: .*{match}"):
            cost_per_target(self.attainment(**attainment), spent)

    def test_cost_per_target_one_row_per_target_and_unobserved_targets(self):
        att = self.attainment()
        with pytest.raises(InputError, match=r"^cost_per_target: `attainment` names the target"):
            cost_per_target(pd.concat([att, att.iloc[[0]]]), self.spending())
        out = cost_per_target(att.assign(beobachtet=[np.nan, 9.0]), self.spending())
        assert np.isnan(out.loc["Z1", "kosten_je_einheit"])
        assert out.loc["Z1", "hinweis"] == "noch kein beobachteter Wert"
        assert out.loc["Z2", "kosten_je_einheit"] == pytest.approx(500.0)  # 500 € for 1 point

    @pytest.mark.parametrize("year", [np.inf, 2023.5, "x", np.nan])
    def test_timeline_milestones_need_whole_years(self, year):
        ms = pd.DataFrame({"massnahme": ["M1"], "jahr": [year], "meilenstein": ["Start"]})
        with pytest.raises(InputError, match=r"^timeline: `milestones` has missing, infinite"):
            timeline(self.measures(), milestones=ms)

    def test_timeline_today_is_a_whole_year(self):
        assert timeline(self.measures(), today=np.int64(2024)).today == 2024
        for bad in ("2024", 2024.5, np.inf):
            with pytest.raises(InputError, match=r"^timeline: `today` is"):
                timeline(self.measures(), today=bad)

    def test_reference_tables_of_a_wrong_type_are_named(self):
        from sozplan.planning import validate_own_funds

        fund = pd.DataFrame(
            {"massnahme": ["M1"], "programm": ["L"], "jahr": [2024], "kostenart": ["sach"]}
        ).assign(betrag=[10.0])
        with pytest.raises(InputError, match=r"^validate_funding: `programmes` is a NoneType"):
            validate_funding(fund, programmes=None)
        own = pd.DataFrame({"massnahme": ["M1"], "jahr": [2024], "betrag": [5.0]})
        with pytest.raises(InputError, match=r"^validate_own_funds: `measures` is a int"):
            validate_own_funds(own, measures=5)
        assert validate_own_funds(own, measures=["M1"])["cent"].tolist() == [500]
        with pytest.raises(InputError, match=r"^planning_data: `areas` is None"):
            planning_data(None, self.measures(), id_column="planungsraum")

    def test_validate_targets_takes_one_indicator_key_as_a_string(self):
        t = _targets()
        assert validate_targets(t, indicators="sgb2_quote", id_column="planungsraum").shape[0] == 1
        with pytest.raises(InputError, match=r"unknown indicator\(s\) 'sgb2_quote'.*'alq'\.$"):
            validate_targets(t, indicators="alq", id_column="planungsraum")
