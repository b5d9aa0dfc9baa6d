"""Tests of sozplan.checks helpers that error messages rest on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sozplan.checks import format_values


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["a", "b", "c", "d", "e", "f", "g"], "'a', 'b', 'c', 'd', 'e' and 2 more"),
        (
            pd.Index([f"{i:04d}" for i in range(1000)]),
            "'0000', '0001', '0002', '0003', '0004' and 995 more",
        ),
        (pd.Series([7, 8, 9], index=[30, 20, 10]), "7, 8, 9"),  # positional, not by label
        (np.array([1.5, 2.0]), "1.5, 2.0"),
        ((i for i in range(9)), "0, 1, 2, 3, 4 and 4 more"),
        ({"x": 1, "y": 2}, "'x', 'y'"),
        (range(3), "0, 1, 2"),
    ],
)
def test_format_values_shows_the_first_values_and_counts_the_rest(values, expected):
    assert format_values(values) == expected
