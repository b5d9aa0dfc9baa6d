"""Distance-decay functions: weights of a travel cost, vectorised over numpy arrays."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sozplan._core.frozen import immutable
from sozplan.checks import fail

__all__ = ["Decay", "exponential", "gaussian", "power", "step", "uniform"]


@immutable
@dataclass(frozen=True)
class Decay:
    """A distance-decay function :math:`f(d)`, applied to arrays of travel costs.

    Build one with :func:`uniform`, :func:`step`, :func:`gaussian`, :func:`exponential`
    or :func:`power`, or wrap any vectorised callable (``Decay("mine", fn)``).

    Attributes
    ----------
    name : str
        A readable description, shown in results (e.g. ``"step(10: 1, 20: 0.68)"``).
    function : callable
        Maps an array of costs to an array of non-negative weights of the same shape.
    """

    name: str
    function: Callable[[np.ndarray], np.ndarray]

    def __call__(self, cost: np.ndarray | float) -> np.ndarray:
        """Return the weights of ``cost``."""
        out = np.asarray(self.function(np.asarray(cost, dtype=float)), dtype=float)
        return out

    def __repr__(self) -> str:
        return f"Decay({self.name})"


def uniform() -> Decay:
    """Weight 1 for every cost (the catchment of the classic 2SFCA is set by ``max_cost``).

    Examples
    --------
    >>> uniform()([0.0, 5.0, 100.0]).tolist()
    [1.0, 1.0, 1.0]
    """
    return Decay("uniform", lambda d: np.ones_like(d))


def step(steps: Mapping[float, float]) -> Decay:
    r"""Step function: weight ``w_k`` for costs up to and including threshold ``d_k``.

    The enhanced 2SFCA of Luo & Qi (2009) uses ``{10: 1.0, 20: 0.68, 30: 0.22}``
    (minutes; weights of a Gaussian with :math:`\\beta = 100` at the zone mid-points).
    Costs above the largest threshold weigh 0. The same rule as ``access.weights.step_fn``.

    Parameters
    ----------
    steps : mapping
        ``{threshold: weight}``; thresholds positive, weights non-negative.

    Examples
    --------
    >>> f = step({10: 1.0, 20: 0.68, 30: 0.22})
    >>> f([0, 10, 10.5, 20, 30, 31]).tolist()
    [1.0, 1.0, 0.68, 0.68, 0.22, 0.0]
    """
    if not isinstance(steps, Mapping) or not steps:
        raise fail("step", "`steps` is not a non-empty mapping", "pass {threshold: weight, ...}")
    items = sorted((float(k), float(v)) for k, v in steps.items())
    cuts = np.array([k for k, _ in items])
    weights = np.array([v for _, v in items] + [0.0])
    if (weights < 0).any() or not np.isfinite(cuts).all():
        raise fail("step", "`steps` has negative weights or infinite thresholds", "fix them")

    def fn(d: np.ndarray) -> np.ndarray:
        return weights[np.searchsorted(cuts, d, side="left")]

    text = ", ".join(f"{k:g}: {v:g}" for k, v in items)
    return Decay(f"step({text})", fn)


def gaussian(scale: float) -> Decay:
    r"""Gaussian decay :math:`f(d) = \exp(-d^2 / (2\sigma^2))` with :math:`\sigma` = ``scale``.

    The same function as ``access.weights.gaussian(sigma)``.

    Examples
    --------
    >>> round(float(gaussian(10)(10)), 6)
    0.606531
    """
    scale = _positive(scale, "gaussian", "scale")
    return Decay(f"gaussian({scale:g})", lambda d: np.exp(-d * d / (2.0 * scale**2)))


def exponential(rate: float) -> Decay:
    r"""Exponential decay :math:`f(d) = \exp(-\beta d)` with :math:`\beta` = ``rate``.

    Examples
    --------
    >>> round(float(exponential(0.1)(10)), 6)
    0.367879
    """
    rate = _positive(rate, "exponential", "rate")
    return Decay(f"exponential({rate:g})", lambda d: np.exp(-rate * d))


def power(exponent: float, *, scale: float = 1.0, min_cost: float = 0.0) -> Decay:
    r"""Power (gravity) decay :math:`f(d) = (\max(d, d_{min}) / s)^{-\beta}`.

    Hansen's (1959) gravity potential uses this with ``exponent`` :math:`\beta` (often 1
    or 2). ``min_cost`` keeps the weight finite at zero cost. Equals
    ``access.weights.gravity(scale, -exponent, min_dist=min_cost)``.

    Examples
    --------
    >>> power(2, min_cost=1)([0.5, 2.0]).tolist()
    [1.0, 0.25]
    """
    exponent = _positive(exponent, "power", "exponent")
    scale = _positive(scale, "power", "scale")
    if not np.isfinite(min_cost) or min_cost < 0:
        raise fail("power", f"`min_cost` is {min_cost!r}", "pass a non-negative number")

    def fn(d: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.power(np.maximum(d, min_cost) / scale, -exponent)

    return Decay(f"power({exponent:g}, scale={scale:g}, min_cost={min_cost:g})", fn)


def _positive(value: Any, where: str, arg: str) -> float:
    """Return ``value`` as a finite positive float, else raise naming it (no bools, no text)."""
    number = float("nan")
    if isinstance(value, int | float | np.number) and not isinstance(value, bool | np.bool_):
        number = float(value)
    if not np.isfinite(number) or number <= 0:
        raise fail(where, f"`{arg}` is {value!r}, not a positive number", "pass a positive number")
    return number


def as_decay(decay: Decay | Callable | None, where: str) -> Decay:
    """Return a :class:`Decay` (``None`` means :func:`uniform`)."""
    if decay is None:
        return uniform()
    if isinstance(decay, Decay):
        return decay
    if callable(decay):
        return Decay(getattr(decay, "__name__", "custom"), decay)
    raise fail(
        where,
        f"`decay` is {type(decay).__name__}",
        "pass a Decay from sozplan.services (step, gaussian, power, ...) or a function",
    )
