"""Tests of sozplan.disclosure: primary and secondary suppression and the LP audit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sozplan.disclosure import (
    DisclosureError,
    PublishedIndex,
    PublishedRate,
    audit_linear,
    audit_suppression,
    check_disclosure,
    safe_precision,
    suppress_small_counts,
)
from sozplan.errors import InputError


def test_primary_suppression_hides_small_counts_not_zeros():
    df = pd.DataFrame({"n": [0, 1, 2, 3, 50, 60]}, index=list("abcdef"))
    res = suppress_small_counts(df, 3, secondary=False)
    assert res.status["n"].tolist() == [
        "published",
        "primary",
        "primary",
        "published",
        "published",
        "published",
    ]
    assert res.table["n"].isna().tolist() == [False, True, True, False, False, False]


def test_single_hidden_cell_in_a_column_gets_a_partner():
    # the column total 1 + 10 + 12 = 23 would reveal the 1
    df = pd.DataFrame({"a": [1, 10, 12]}, index=["x", "y", "z"])
    res = suppress_small_counts(df)
    assert res.status["a"].tolist() == ["primary", "secondary", "published"]
    audit = audit_suppression(res)
    assert not audit["disclosed"].any()
    assert audit.loc[("x", "a"), "upper"] == pytest.approx(11)


def test_hidden_sum_must_reach_the_threshold():
    # two hidden cells 1 + 1 = 2 < 3 would still tell that both are small
    df = pd.DataFrame({"a": [1, 1, 40, 50]}, index=list("abcd"))
    res = suppress_small_counts(df)
    assert res.n_primary == 2
    assert res.n_secondary == 1
    assert res.status.loc["c", "a"] == "secondary"


def test_group_totals_are_protected_within_groups():
    df = pd.DataFrame(
        {"sgb12": [2, 40, 35, 0], "bezirk": ["A", "A", "B", "B"]}, index=["01", "02", "03", "04"]
    )
    res = suppress_small_counts(df, columns=["sgb12"], by="bezirk")
    # the partner is chosen inside district A (its total is published), not in B
    assert res.table["sgb12"].isna().tolist() == [True, True, False, False]
    assert not audit_suppression(res)["disclosed"].any()


def test_row_relations_are_protected():
    df = pd.DataFrame(
        {"total": [13, 50, 60], "kids": [1, 20, 25], "adults": [12, 30, 35]}, index=list("abc")
    )
    res = suppress_small_counts(df, additive={"total": ["kids", "adults"]})
    # kids=1 hidden; row a needs a second hidden cell, and the columns need partners too
    assert res.status.loc["a", "kids"] == "primary"
    assert (res.status.loc["a"] != "published").sum() >= 2
    assert not audit_suppression(res)["disclosed"].any()


def test_naive_suppression_is_disclosed_by_the_audit():
    df = pd.DataFrame({"a": [1, 10, 12]}, index=["x", "y", "z"])
    res = suppress_small_counts(df, secondary=False)
    audit = audit_suppression(res)
    assert audit["disclosed"].all()
    assert audit["lower"].iloc[0] == pytest.approx(1)


counts = st.lists(st.integers(0, 30), min_size=4, max_size=4)


@given(st.lists(counts, min_size=3, max_size=10), st.integers(2, 5))
@settings(max_examples=40, deadline=None)
def test_property_no_small_count_published_and_no_cell_recoverable(rows, m):
    df = pd.DataFrame(rows, columns=list("abcd"), index=[f"{i:02d}" for i in range(len(rows))])
    df["g"] = ["x" if i % 2 else "y" for i in range(len(df))]
    res = suppress_small_counts(df, m, columns=list("abcd"), by="g")
    shown = res.table[list("abcd")].to_numpy(dtype=float, na_value=np.nan)
    assert not ((shown > 0) & (shown < m)).any()
    if res.unprotectable:
        return
    audit = audit_suppression(res)
    primary = audit[audit["status"] == "primary"]
    assert not primary["disclosed"].any()
    # the input is not mutated
    assert df[list("abcd")].to_numpy().tolist() == [list(r) for r in rows]


def test_result_views():
    df = pd.DataFrame({"a": [1, 10, 12], "b": [5, 6, 7]}, index=["x", "y", "z"])
    res = suppress_small_counts(df)
    assert res.formatted()["a"].tolist() == [".", ".", "12"]
    long = res.to_frame()
    assert list(long.columns) == ["value", "status"]
    assert len(long) == 6
    assert "1 primary, 1 secondary" in repr(res)
    assert "<table" in res._repr_html_()


def test_check_disclosure():
    check_disclosure(pd.DataFrame({"n": [0, 3, None]}), ["n"])
    with pytest.raises(DisclosureError, match="below 3 in column 'n' at 'b'"):
        check_disclosure(pd.DataFrame({"n": [5, 2]}, index=["a", "b"]), ["n"])
    assert issubclass(DisclosureError, InputError)


def test_bad_input():
    df = pd.DataFrame({"a": [1, 10, 12]}, index=["x", "y", "z"])
    with pytest.raises(InputError, match="min_count"):
        suppress_small_counts(df, 0)
    with pytest.raises(InputError, match="negative"):
        suppress_small_counts(df.assign(a=[-1, 2, 3]))
    with pytest.raises(InputError, match="do not add up"):
        suppress_small_counts(df.assign(b=[1, 1, 1], c=[1, 1, 1]), additive={"a": ["b", "c"]})
    with pytest.raises(InputError, match="no integer column"):
        suppress_small_counts(pd.DataFrame({"x": ["a"]}))
    with pytest.raises(InputError, match=r"duplicate|unique"):
        suppress_small_counts(pd.DataFrame({"a": [1, 2]}, index=["x", "x"]))


# ---------------------------------------------------------------------------------------
# audit_linear and safe_precision: the attacker with counts, sums, rates and indices
# ---------------------------------------------------------------------------------------


def _status_case():
    """Two areas, unemployed (alo) hidden in both; a status index of two rates.

    Area a: alo 7 of 700 residents (1.000 %), sgb2 40 of 700 (5.714 %, published 5.7).
    Index = 0.5 * alo rate + 0.5 * sgb2 rate = 3.357 at a.
    """
    counts = pd.DataFrame(
        {"alo": [7, 30], "sgb2": [40, 50], "ew": [700, 900]},
        index=pd.Index(["a", "b"], name="plr"),
    )
    hidden = pd.DataFrame({"alo": [True, True]}, index=counts.index)
    rates = [
        PublishedRate("alo_q", "alo", "ew", decimals=None),
        PublishedRate("sgb2_q", "sgb2", "ew", decimals=1),
    ]
    return counts, hidden, rates


@pytest.mark.parametrize(
    ("decimals", "lower", "upper", "determined"),
    [
        # 3.357 -> [3.3565, 3.3575]; alo rate = 2 I - sgb2 rate in [0.963, 1.065] %
        # (sgb2 rate in [5.65, 5.75]); alo in 700 * [0.00963, 0.01065] = [6.74, 7.46]: 7
        (3, 7, 7, True),
        # 3.36 -> alo rate in [0.96, 1.08] %: alo in [6.72, 7.56]: 7
        (2, 7, 7, True),
        # 3.4 -> alo rate in [0.95, 1.25] %: alo in [6.65, 8.75]: 7 or 8
        (1, 7, 8, False),
        # 3 -> alo rate in [5.0 - 5.75, 7.0 - 5.65] = [-0.75, 1.35] %: alo in [0, 9.45]
        (0, 0, 9, False),
    ],
)
def test_hidden_cell_recovered_through_an_index_depends_on_its_decimals(
    decimals, lower, upper, determined
):
    counts, hidden, rates = _status_case()
    index = PublishedIndex("status", {"alo_q": 0.5, "sgb2_q": 0.5}, decimals=decimals)
    audit = audit_linear(counts, hidden, rates=rates, indices=[index], totals=False)
    row = audit.cells.loc[("a", "alo")]
    assert (row["lower"], row["upper"]) == (lower, upper)
    assert bool(row["determined"]) is determined
    assert dict(audit.relations) == {"index": 2}


def test_without_published_index_or_rate_nothing_is_learnt():
    counts, hidden, rates = _status_case()
    audit = audit_linear(counts, hidden, rates=rates, totals=False)
    assert audit.n_determined == 0
    assert np.isinf(audit.cells["upper"]).all()
    assert audit.cells["lower"].tolist() == [0, 0]


def test_classic_two_by_two_suppression_pattern():
    # rows r1..r3, columns A, B, C; row totals and column totals published.
    #        A   B   C | total
    # r1     3*  5*  9 |  17
    # r2     4*  6*  8 |  18
    # r3    10  11  12 |  33
    # hidden x11 + x12 = 8, x21 + x22 = 10, x11 + x21 = 7, x12 + x22 = 11:
    # x11 = t, x12 = 8 - t, x21 = 7 - t, x22 = 3 + t with t in [0, 7]
    counts = pd.DataFrame(
        {"A": [3, 4, 10], "B": [5, 6, 11], "C": [9, 8, 12]}, index=["r1", "r2", "r3"]
    )
    counts["total"] = counts.sum(axis=1)
    hidden = pd.DataFrame(False, index=counts.index, columns=["A", "B", "C", "total"])
    hidden.loc[["r1", "r2"], ["A", "B"]] = True
    audit = audit_linear(counts, hidden, additive={"total": ["A", "B", "C"]})
    got = audit.cells[["lower", "upper"]].astype(int)
    assert got.loc[("r1", "A")].tolist() == [0, 7]
    assert got.loc[("r1", "B")].tolist() == [1, 8]
    assert got.loc[("r2", "A")].tolist() == [0, 7]
    assert got.loc[("r2", "B")].tolist() == [3, 10]
    assert audit.n_determined == 0
    # the same with a threshold of 8 cases: every interval (width 7) is too narrow
    assert (
        audit_linear(counts, hidden, additive={"total": ["A", "B", "C"]}, threshold=8).n_determined
        == 4
    )
    # one hidden cell alone in its row is recovered by subtraction
    single = hidden.copy()
    single.loc["r2", "B"] = False
    audit = audit_linear(counts, single, additive={"total": ["A", "B", "C"]})
    assert audit.cells.loc[("r1", "B"), ["lower", "upper"]].tolist() == [5, 5]
    assert audit.n_determined == 3


def test_rate_with_hidden_denominator_is_a_linear_relation():
    # numerator and denominator hidden in area a, visible column totals tie them to b:
    # a: 3 of 40, b: 20 of 60; rate a = 7.5 % published with 1 decimal.
    # x_num + 20 = 23, x_den + 60 = 100 give both exactly: determined
    counts = pd.DataFrame({"k": [3, 20], "n": [40, 60]}, index=["a", "b"])
    hidden = pd.DataFrame({"k": [True, False], "n": [True, False]}, index=counts.index)
    rate = PublishedRate("q", "k", "n", decimals=1)
    assert audit_linear(counts, hidden, rates=[rate]).n_determined == 2
    # without totals only the ratio is known: k / n in [7.45, 7.55] %, n >= 0 free
    audit = audit_linear(counts, hidden, rates=[rate], totals=False)
    assert audit.n_determined == 0
    assert audit.cells.loc[("a", "k"), "lower"] == 0


def test_audit_of_a_suppression_matches_audit_suppression():
    df = pd.DataFrame(
        {"sgb12": [2, 40, 35, 0, 7], "ew": [300, 900, 800, 50, 400], "bezirk": list("AABBB")},
        index=["01", "02", "03", "04", "05"],
    )
    res = suppress_small_counts(df, columns=["sgb12"], by="bezirk")
    old = audit_suppression(res)
    new = audit_linear(res)
    np.testing.assert_array_equal(new.cells["lower"], np.ceil(old["lower"] - 1e-6))
    np.testing.assert_array_equal(new.cells["upper"], np.floor(old["upper"] + 1e-6))
    # publishing the rate with 2 decimals gives the hidden counts away: 2/300 = 0.67 %
    rate = PublishedRate("quote", "sgb12", "ew", decimals=2)
    assert audit_linear(res, rates=[rate]).n_determined == 2
    safe = safe_precision(res, rates=[rate])
    assert safe.safe
    assert safe.decimals["quote"] == 0
    assert "quote: 2 -> 1" in safe.steps[0]
    assert safe.rates[0].decimals == 0
    # hiding the rate where its count is hidden is the other way out
    hidden_rate = PublishedRate("quote", "sgb12", "ew", decimals=2, hidden=res.mask["sgb12"])
    assert audit_linear(res, rates=[hidden_rate]).n_determined == 0


def test_from_standardized_is_the_z_score_index():
    rates_ = pd.DataFrame({"a": [1.0, 4.0, 7.0], "b": [10.0, 2.0, 6.0]})
    mu, sd = rates_.mean(), rates_.std()
    ix = PublishedIndex.from_standardized(
        "s", mu.to_dict(), sd.to_dict(), weights={"a": 0.5, "b": -0.5}, center=0.1, scale=2.0
    )
    z = (rates_ - mu) / sd
    expected = (0.5 * z["a"] - 0.5 * z["b"] - 0.1) / 2.0
    coef = dict(ix.coefficients)
    got = ix.intercept + coef["a"] * rates_["a"] + coef["b"] * rates_["b"]
    np.testing.assert_allclose(got, expected, atol=1e-12)


def _brute_force(counts, hidden_cells, rate_specs, index_spec, col_totals):
    """Integer points consistent with everything published (inclusive rounding intervals)."""
    grids = [np.arange(col_totals[c] + 1) for _, c in hidden_cells]
    mesh = np.meshgrid(*grids, indexing="ij")
    cand = np.stack([m.ravel() for m in mesh], axis=1).astype(float)
    ok = np.ones(len(cand), bool)
    for c in {c for _, c in hidden_cells}:  # column totals
        known = sum(counts[c].iloc[i] for i in range(len(counts)) if (i, c) not in hidden_cells)
        total = known + sum(cand[:, k] for k, (_, cc) in enumerate(hidden_cells) if cc == c)
        ok &= total == col_totals[c]

    def value(i, col):
        for k, cell in enumerate(hidden_cells):
            if cell == (i, col):
                return cand[:, k]
        return np.full(len(cand), float(counts[col].iloc[i]))

    for i in range(len(counts)):
        rvals = {}
        for name, col, d in rate_specs:
            r = 100 * value(i, col) / counts["ew"].iloc[i]
            rvals[name] = r
            true = 100 * counts[col].iloc[i] / counts["ew"].iloc[i]
            if d is not None:
                p = float(f"{true:.{d}f}")
                ok &= np.abs(r - p) <= 0.5 * 10.0**-d + 1e-9
        coef, d = index_spec
        idx = sum(a * rvals[n] for n, a in coef.items())
        true = sum(a * 100 * counts[n[0]].iloc[i] / counts["ew"].iloc[i] for n, a in coef.items())
        p = float(f"{true:.{d}f}")
        ok &= np.abs(idx - p) <= 0.5 * 10.0**-d + 1e-9
    return cand[ok]


@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(1, 30)), min_size=3, max_size=4
    ),
    st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["a", "b"])), min_size=1, max_size=3),
    st.sampled_from([None, 0, 1, 2]),
    st.sampled_from([None, 0, 1, 2]),
    st.integers(0, 3),
    st.floats(-1, 1).filter(lambda v: abs(v) > 0.05),
    st.integers(1, 3),
)
@settings(max_examples=60, deadline=None)
def test_property_audit_equals_the_integer_attacker(rows, picks, da, db, di, wb, threshold):
    counts = pd.DataFrame(
        rows, columns=["a", "b", "extra"], index=[f"p{i}" for i in range(len(rows))]
    )
    counts["ew"] = counts["a"] + counts["b"] + counts["extra"]
    cells = sorted({(i % len(rows), c) for i, c in picks})
    hidden = pd.DataFrame(False, index=counts.index, columns=["a", "b"])
    for i, c in cells:
        hidden.iloc[i, hidden.columns.get_loc(c)] = True
    rates = [
        PublishedRate("a", "a", "ew", decimals=da),
        PublishedRate("b", "b", "ew", decimals=db),
    ]
    index = PublishedIndex("i", {"a": 0.8, "b": wb}, decimals=di)
    audit = audit_linear(
        counts[["a", "b", "ew"]], hidden, rates=rates, indices=[index], threshold=threshold
    )
    feasible = _brute_force(
        counts,
        cells,
        [("a", "a", da), ("b", "b", db)],
        ({"a": 0.8, "b": wb}, di),
        {"a": int(counts["a"].sum()), "b": int(counts["b"].sum())},
    )
    assert len(feasible)  # the truth is always consistent
    for k, (i, c) in enumerate(cells):
        row = audit.cells.loc[(counts.index[i], c)]
        assert row["lower"] <= row["true_value"] <= row["upper"]
        # exactly the attacker's integer interval
        assert (row["lower"], row["upper"]) == (feasible[:, k].min(), feasible[:, k].max())
        if not row["determined"]:  # a cell called safe keeps an interval of >= threshold
            assert feasible[:, k].max() - feasible[:, k].min() >= threshold


def test_linear_audit_views_and_notes():
    counts, hidden, rates = _status_case()
    index = PublishedIndex("status", {"alo_q": 0.5, "sgb2_q": 0.5}, decimals=3)
    audit = audit_linear(counts, hidden, rates=rates, indices=[index], totals=False)
    assert "2 determined" in repr(audit)
    assert "<table" in audit._repr_html_()
    assert list(audit.to_frame().columns) == [
        "true_value",
        "lower",
        "upper",
        "width",
        "determined",
    ]
    nothing = audit_linear(counts, hidden & False)
    assert nothing.n_determined == 0
    assert "nothing was checked" in nothing.notes[0]
    # a hidden denominator inside an index is a relaxation, and the result says so
    hid = pd.DataFrame({"alo": [True, True], "ew": [True, True]}, index=counts.index)
    relaxed = audit_linear(counts, hid, rates=rates, indices=[index])
    assert any("relaxation" in n for n in relaxed.notes)
    assert (relaxed.cells["lower"] <= relaxed.cells["true_value"]).all()
    res = safe_precision(counts, hidden, rates=rates, indices=[index], totals=False)
    assert "SafePrecision (safe)" in repr(res)
    assert res.to_frame().loc["status", "chosen"] == 1
    assert "<table" in res._repr_html_()


def test_safe_precision_says_when_rounding_is_not_enough():
    # 2 of 10 residents: 20 %; even whole per cent, [19.5, 20.5] %, confines x to
    # [1.95, 2.05]: no rounding protects it, so the decimals are kept and the result says so
    counts = pd.DataFrame({"k": [2, 30], "n": [10, 900]}, index=["a", "b"])
    hidden = pd.DataFrame({"k": [True, False]}, index=counts.index)
    rate = PublishedRate("q", "k", "n", decimals=1)
    res = safe_precision(counts, hidden, rates=[rate], totals=False)
    assert not res.safe
    assert res.decimals["q"] == 1
    assert res.steps == (
        "1 hidden cell(s) stay determined even with every rate and index at 0 decimal(s) "
        "(a/k); hide the rate or index values of these areas or suppress more counts",
    )
    # 2 of 900 = 0.22 %: "0.2" gives x in [1.35, 2.25] (exactly 2), "0" gives [0, 4.5]
    big = counts.assign(n=[900, 900])
    res = safe_precision(big, hidden, rates=[rate], totals=False, threshold=3)
    assert res.safe
    assert res.decimals["q"] == 0


def test_linear_audit_bad_input():
    counts, hidden, rates = _status_case()
    with pytest.raises(InputError, match="`hidden` is NoneType"):
        audit_linear(counts)
    with pytest.raises(InputError, match="not on the areas"):
        audit_linear(counts, hidden.iloc[:1])
    with pytest.raises(InputError, match="uses rate\\(s\\) 'x' not in `rates`"):
        audit_linear(counts, hidden, rates=rates, indices=[PublishedIndex("i", {"x": 1.0})])
    with pytest.raises(InputError, match="twice"):
        audit_linear(counts, hidden, rates=rates + rates)
    with pytest.raises(InputError, match="no column 'einwohner'"):
        audit_linear(counts, hidden, rates=[PublishedRate("q", "alo", "einwohner")])
    with pytest.raises(InputError, match="unknown area id"):
        audit_linear(counts, hidden, rates=[PublishedRate("q", "alo", "ew", hidden=["zz"])])
    with pytest.raises(InputError, match="`threshold`"):
        audit_linear(counts, hidden, threshold=0)
    with pytest.raises(InputError, match="negative"):
        audit_linear(counts.assign(alo=[-1, 3]), hidden)
    with pytest.raises(InputError, match="either a Suppression"):
        audit_linear(suppress_small_counts(counts, columns=["alo"]), hidden)
    with pytest.raises(InputError, match="`multiplier`"):
        PublishedRate("q", "a", "b", multiplier=0)
    with pytest.raises(InputError, match="`coefficients`"):
        PublishedIndex("i", {})
    with pytest.raises(InputError, match="`decimals`"):
        PublishedIndex("i", {"a": 1.0}, decimals=-1)
    with pytest.raises(InputError, match="not positive"):
        PublishedIndex.from_standardized("i", {"a": 1.0}, {"a": 0.0})


@pytest.mark.parametrize("combine", ["sum", "mean"])
def test_from_moments_reproduces_the_status_index(combine):
    from sozplan.index import status_dynamics

    rng = np.random.default_rng(18)
    df = pd.DataFrame(
        rng.uniform(1, 30, size=(40, 3)),
        columns=["s1", "s3", "s4"],
        index=[f"{i:03d}" for i in range(40)],
    )
    sd = status_dynamics(
        df, ["s1", "s3", "s4"], min_population=None, combine=combine, directions={"s3": -1}
    )
    ix = PublishedIndex.from_moments(
        "status", sd.moments, ["s1", "s3", "s4"], "status_sum", combine=combine
    )
    coef = dict(ix.coefficients)
    got = ix.intercept + sum(a * df[k] for k, a in coef.items())
    np.testing.assert_allclose(got, sd.status_index, atol=1e-12)


def test_missing_denominator_means_the_rate_was_not_published():
    # b's denominator is missing: its rate cannot have been published, the audit goes on;
    # a: 2 of 10 at 0 decimals (20 %) gives 2 exactly, c: 4 of 40 (10 %) gives [3.8, 4.2]: 4
    counts = pd.DataFrame({"k": [2, 30, 4], "n": [10.0, np.nan, 40.0]}, index=list("abc"))
    hidden = pd.DataFrame({"k": [True, False, True]}, index=counts.index)
    audit = audit_linear(counts, hidden, rates=[PublishedRate("q", "k", "n", decimals=0)])
    assert dict(audit.relations) == {"sum": 1, "rate": 2}
    assert audit.n_determined == 2
    with pytest.raises(InputError, match="column 'k' of `counts` has 1 missing"):
        audit_linear(counts.assign(k=[2, np.nan, 4]), hidden)
    with pytest.raises(InputError, match="non-integer"):
        audit_linear(counts.assign(k=[2, 1.5, 4]), hidden)
