"""Weighted moments (one implementation for index, typology and regions)."""

from __future__ import annotations

import numpy as np

__all__ = ["weighted_mean_std"]


def weighted_mean_std(
    x: np.ndarray, w: np.ndarray | None = None, ddof: float = 0, axis: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Mean and standard deviation along ``axis``, with optional frequency weights.

    With weights :math:`w_i` the mean is :math:`\bar x = \sum w_i x_i / \sum w_i` and
    the variance :math:`\sum w_i (x_i - \bar x)^2 / (\sum w_i - \mathrm{ddof})`
    (frequency weights: integer weights give the moments of the rows repeated that
    many times). Without weights these are ``x.mean(axis)`` and ``x.std(axis, ddof)``.

    Parameters
    ----------
    x : ndarray
    w : ndarray or None
        One non-negative weight per position along ``axis``.
    ddof : float, default 0
    axis : int, default 0

    Returns
    -------
    mean, std : ndarray

    Examples
    --------
    >>> import numpy as np
    >>> m, s = weighted_mean_std(np.array([[1.0], [3.0]]), np.array([1.0, 3.0]))
    >>> float(m[0]), float(s[0] ** 2)  # mean 10/4; variance (1*1.5**2 + 3*0.5**2)/4
    (2.5, 0.75)
    """
    if w is None:
        return x.mean(axis=axis), x.std(axis=axis, ddof=ddof)
    w = np.asarray(w, dtype=float)
    shape = [1] * x.ndim
    shape[axis] = -1
    ww = w.reshape(shape)
    sw = w.sum()
    mean = (ww * x).sum(axis=axis) / sw
    dev = x - np.expand_dims(mean, axis)
    var = (ww * dev**2).sum(axis=axis) / (sw - ddof)
    return mean, np.sqrt(var)
