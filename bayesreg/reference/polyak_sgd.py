r"""The minibatch SGD loop with Polyak averaging shared by the training references.

For independent replicates :math:`r = 1..R` of :math:`\theta = (w, c)`, starting at 0, each step
:math:`t` draws :math:`B` row indices uniformly with replacement, forms the batch inputs
:math:`\tilde x_{rb}` (the rows themselves, or masked ones for dropout) and the residuals
:math:`e_{rb} = \partial\ell/\partial\eta` at :math:`\eta_{rb} = c_r + \tilde x_{rb}^\top w_r`, and takes

.. math::

    w_r \leftarrow w_r - \gamma_t\Big(\frac1B\sum_b e_{rb}\tilde x_{rb} + \text{wd}\,w_r\Big), \qquad
    c_r \leftarrow c_r - \gamma_t\frac1B\sum_b e_{rb}, \qquad
    \gamma_t = \frac{\gamma}{(1 + t/t_0)^{a}} .

The iterates after ``burn`` steps are averaged (Polyak & Juditsky 1992). Used by
:func:`bayesreg.reference.training.sgd_l2` and :func:`bayesreg.reference.dropout.dropout_sgd`;
NumPy only, nothing shared with the package's solvers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = ["PolyakIterates", "ReplicateAverages", "polyak_sgd"]


class PolyakIterates(NamedTuple):
    """``averages[r]`` and ``last[r]``: replicate r's averaged and final ``(coef..., intercept)``;
    ``trace[k]`` the running averages after ``trace_steps[k]`` steps."""

    averages: NDArray[np.float64]
    last: NDArray[np.float64]
    trace_steps: NDArray[np.int64]
    trace: NDArray[np.float64]


class ReplicateAverages:
    """``mean`` and ``stderr`` (sd across replicates / sqrt(replicates)) of the per-replicate
    ``averages`` of a result class that holds them."""

    averages: NDArray[np.float64]

    @property
    def mean(self) -> NDArray[np.float64]:
        return self.averages.mean(axis=0)

    @property
    def stderr(self) -> NDArray[np.float64]:
        return self.averages.std(axis=0, ddof=1) / np.sqrt(self.averages.shape[0])


def polyak_sgd(X: NDArray[np.float64], y: NDArray[np.float64], rng: np.random.Generator, *,
               inputs: Callable[[NDArray[np.int64]], NDArray[np.float64]],
               residual: Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.float64]],
               n_steps: int, burn: int, lr: float, decay: float, decay_steps: float, batch_size: int,
               replicates: int, trace_every: int = 0, weight_decay: float = 0.0) -> PolyakIterates:
    r"""Run the loop of the module docstring.

    ``inputs(idx)`` maps the ``(R, B)`` row indices to the ``(R, B, p)`` batch inputs
    :math:`\tilde x` (it may draw from ``rng``, after the indices); ``residual(eta, y_batch)`` gives
    :math:`e = \partial\ell/\partial\eta`. ``weight_decay`` is wd (the intercept is not decayed);
    ``trace_every > 0`` records the running averages every that many steps after the burn-in.
    """
    n, p = X.shape
    R, B = int(replicates), int(batch_size)
    w, c = np.zeros((R, p)), np.zeros(R)
    sum_w, sum_c = np.zeros((R, p)), np.zeros(R)
    steps, trace = [], []
    for t in range(n_steps):
        idx = rng.integers(0, n, size=(R, B))
        Xb = inputs(idx)
        eta = c[:, None] + np.einsum("rbp,rp->rb", Xb, w)
        err = residual(eta, y[idx])
        step = lr / (1.0 + t / decay_steps) ** decay
        grad = np.einsum("rb,rbp->rp", err, Xb) / B
        if weight_decay:
            grad = grad + weight_decay * w
        w -= step * grad
        c -= step * err.mean(axis=1)
        if t >= burn:
            sum_w += w
            sum_c += c
            if trace_every and (t + 1 - burn) % trace_every == 0:
                steps.append(t + 1)
                trace.append(np.column_stack([sum_w, sum_c]) / (t + 1 - burn))
    k = n_steps - burn
    return PolyakIterates(np.column_stack([sum_w / k, sum_c / k]), np.column_stack([w, c]),
                          np.asarray(steps, dtype=np.int64),
                          np.asarray(trace) if trace else np.zeros((0, R, p + 1)))
