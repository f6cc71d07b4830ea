r"""Univariate slice sampling (Neal 2003, Ann. Statist. 31:705-767), vectorised over independent coordinates.

:func:`slice_update` performs one slice-sampling update, with stepping out and shrinkage, of every
coordinate of ``x`` at once. It is exact (it leaves the target invariant) when the coordinates are
*conditionally independent* under the target, i.e. ``logp(x)[j]`` depends on ``x[j]`` only: the
Gibbs updates of local scales given the coefficients are of that form. A scalar update is the case
of one coordinate. For a coordinate with current value :math:`x_0` and log density :math:`\ell`:

1. the slice level :math:`\log u = \ell(x_0) - E`, :math:`E \sim \text{Exp}(1)`;
2. an interval of width :math:`w` placed uniformly around :math:`x_0`, stepped out by :math:`w`
   at each end (at most ``max_steps`` steps in all, split at random as in Neal's Fig. 3) while the
   end is above the slice;
3. uniform proposals in the interval, shrinking it towards :math:`x_0` after each rejection, until
   a proposal lies above the slice.

NumPy only: a reference, independent of the PyMC models it checks.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = ["slice_update"]


def slice_update(logp: Callable[[NDArray], NDArray], x: NDArray, rng: np.random.Generator, *,
                 width: float | NDArray = 1.0, max_steps: int = 64, max_shrink: int = 200) -> NDArray:
    """One slice-sampling update of each (conditionally independent) coordinate of ``x``.

    Parameters
    ----------
    logp : callable
        ``logp(x) -> ndarray`` of the same shape as ``x``: the log density of each coordinate given
        the others (up to a constant per coordinate); ``-inf`` outside the support.
    x : ndarray
        Current state (any shape); must have a finite ``logp``.
    rng : numpy.random.Generator
    width : float or ndarray
        Initial interval width :math:`w` (per coordinate or common).
    max_steps : int
        Maximum number of stepping-out steps :math:`m`.
    max_shrink : int
        Safety bound on the shrinkage loop (an exhausted bound raises: the log density is then not
        finite at ``x``).

    Returns
    -------
    ndarray
        The new state, same shape as ``x``.
    """
    x0 = np.array(x, dtype=float)
    shape = x0.shape
    x0 = x0.ravel()
    w = np.broadcast_to(np.asarray(width, dtype=float), shape).ravel()

    def f(z: NDArray) -> NDArray:
        return np.asarray(logp(z.reshape(shape)), dtype=float).ravel()

    level = f(x0) - rng.standard_exponential(x0.size)
    if not np.all(np.isfinite(level)):
        raise ValueError("slice_update: log density is not finite at the current state")
    left = x0 - w * rng.random(x0.size)
    right = left + w
    n_left = np.floor(max_steps * rng.random(x0.size)).astype(int)
    n_right = max_steps - 1 - n_left
    for ends, steps, sign in ((left, n_left, -1.0), (right, n_right, 1.0)):
        todo = steps > 0
        while todo.any():
            z = x0.copy()
            z[todo] = ends[todo]
            above = todo & (f(z) > level)
            ends[above] += sign * w[above]
            steps[above] -= 1
            todo = above & (steps > 0)
    out = x0.copy()
    todo = np.ones(x0.size, dtype=bool)
    for _ in range(max_shrink):
        z = x0.copy()
        z[todo] = left[todo] + rng.random(int(todo.sum())) * (right[todo] - left[todo])
        ok = todo & (f(z) > level)
        out[ok] = z[ok]
        bad = todo & ~ok
        smaller = bad & (z < x0)
        left[smaller] = z[smaller]
        larger = bad & (z >= x0)
        right[larger] = z[larger]
        todo = bad
        if not todo.any():
            return out.reshape(shape)
    raise RuntimeError("slice_update: shrinkage did not terminate (is the log density finite at x?)")
