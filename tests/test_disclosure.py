"""Tests of sozplan.disclosure: primary and secondary suppression and the LP audit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sozplan.disclosure import (
    DisclosureError,
    audit_suppression,
    check_disclosure,
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
