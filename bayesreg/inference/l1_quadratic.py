r"""Exact minimiser of an L1-penalised quadratic; the inner solver of the MAP.

Solves

.. math::

    \min_{x}\; \tfrac12 x^\top Q x + q^\top x + \sum_{j \in \mathcal P} \ell_{1,j}|x_j|,

where :math:`Q` is symmetric positive semi-definite and the coordinates outside
:math:`\mathcal P` (the intercept) are unpenalised. The unpenalised block is eliminated exactly
(Schur complement: for the Gaussian likelihood this is centring). Without an L1 part the minimiser
solves :math:`Qx = -q` (Cholesky); with one, the penalised block is solved by the exact homotopy of
:mod:`bayesreg.inference.l1_homotopy`, warm-started at ``x0``: a path of events, each one linear
solve with an updated Cholesky factor, whose end point satisfies the KKT conditions exactly
(signs on the support, :math:`|(Qx + q)_j| \le \ell_{1,j}` off it). Without a warm start, a few
accelerated proximal-gradient steps (:mod:`bayesreg.inference.l1_warm_start`) give the homotopy a
start with (nearly) the right support, so it needs few events or none. Zeros are exact zeros. Its cost
does not grow with the condition number of :math:`Q` (coordinate descent, used before, needed
:math:`O(\kappa)` sweeps: minutes on near-collinear designs).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import linalg

from bayesreg.inference.l1_homotopy import l1_homotopy
from bayesreg.inference.l1_warm_start import fista_warm_start

__all__ = ["solve_l1_quadratic", "IterationLimitWarning"]


#: problems with fewer coordinates start the homotopy from 0 (a few events cost less than the FISTA steps)
_WARM_START_SIZE = 24


class IterationLimitWarning(RuntimeWarning):
    """An iterative solver of bayesreg stopped at its iteration cap; the message says what it reached."""


def _penalised_block(Q: np.ndarray, q: np.ndarray, l1: np.ndarray, x0: np.ndarray,
                     max_events: int | None) -> tuple[np.ndarray, int]:
    if not np.any(l1 > 0.0):
        with warnings.catch_warnings():  # ill-conditioned is fine here: the certificate tells
            warnings.simplefilter("ignore", linalg.LinAlgWarning)
            try:  # no L1 part (Gaussian prior): one linear solve
                return linalg.solve(Q, -q, assume_a="pos"), 0
            except (linalg.LinAlgError, ValueError):
                return linalg.lstsq(Q, -q)[0], 0  # only semi-definite: a minimiser
    if q.size >= _WARM_START_SIZE and not np.any(x0):  # no warm start: FISTA steps guess the support
        x0 = fista_warm_start(Q, q, l1)
    res = l1_homotopy(Q, q, l1, x0, max_events=max_events)
    if not res.completed:
        warnings.warn(f"The L1 homotopy stopped at its cap of {res.events} events before reaching the "
                      "minimiser of the quadratic subproblem; the MAP certificate reports how far the "
                      "result is from optimal.", IterationLimitWarning, stacklevel=3)
    return res.x, res.events


def solve_l1_quadratic(
    Q: np.ndarray,
    q: np.ndarray,
    l1: np.ndarray,
    penalized: np.ndarray,
    x0: np.ndarray | None = None,
    *,
    max_events: int | None = None,
) -> tuple[np.ndarray, int]:
    """Minimise ``0.5 x'Qx + q'x + sum_{j penalised} l1_j |x_j|`` exactly.

    Parameters
    ----------
    Q : ndarray (m, m)
        Symmetric PSD matrix (any L2 penalty must already be on its diagonal).
    q : ndarray (m,)
    l1 : ndarray (m,)
        L1 weights (ignored on unpenalised coordinates).
    penalized : ndarray of bool (m,)
        False for unpenalised coordinates (eliminated exactly).
    x0 : ndarray (m,), optional
        Warm start for the penalised coordinates.
    max_events : int, optional
        Cap on the homotopy's events (default ``20 m + 100``); reaching it issues an
        :class:`IterationLimitWarning`.

    Returns
    -------
    x : ndarray (m,)
    events : int
        Homotopy events (active-set changes) used.
    """
    pen = np.asarray(penalized, dtype=bool)
    free = ~pen
    if not free.any():
        start = np.zeros(q.shape[0]) if x0 is None else x0
        return _penalised_block(Q, q, l1, start, max_events)
    Qpp = Q[np.ix_(pen, pen)]
    Qpf = Q[np.ix_(pen, free)]
    Qff = Q[np.ix_(free, free)]
    cho = linalg.cho_factor(Qff)
    Qff_inv_Qfp = linalg.cho_solve(cho, Qpf.T)
    Qff_inv_qf = linalg.cho_solve(cho, q[free])
    Q_red = Qpp - Qpf @ Qff_inv_Qfp
    Q_red = 0.5 * (Q_red + Q_red.T)
    q_red = q[pen] - Qpf @ Qff_inv_qf
    start = np.zeros(int(pen.sum())) if x0 is None else x0[pen]
    xp, events = _penalised_block(Q_red, q_red, l1[pen], start, max_events)
    x = np.empty(q.shape[0])
    x[pen] = xp
    x[free] = -(Qff_inv_qf + Qff_inv_Qfp @ xp)
    return x, events
