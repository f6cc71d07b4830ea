r"""Exact homotopy (parametric active-set) solver of the L1-penalised quadratic.

Solves

.. math::

    \min_x\; \tfrac12 x^\top Q x + q^\top x + \sum_j \ell_{1,j}|x_j|, \qquad Q \succeq 0,

exactly, by following the solution path of the family of problems with linear term
:math:`q(t) = q_0 + t\,(q - q_0)`, :math:`t \in [0, 1]` (the homotopy of Osborne, Presnell &
Turlach 2000, here in the linear term rather than in the penalty). The start :math:`q_0` is chosen so
that a given point :math:`x_0` (a warm start, or 0) is *exactly* optimal for it:

* on the active set :math:`A` (the non-zeros of :math:`x_0` and the coordinates with
  :math:`\ell_{1,j} = 0`), :math:`q_{0,A} = -(Qx_0)_A - \ell_{1,A} \circ s_A`, :math:`s = \operatorname{sign}(x_0)`;
* off it, the gradient of the target problem :math:`g = Qx_0 + q` is shrunk into the KKT
  interval: :math:`(Qx_0 + q_0)_j = \theta g_j` with :math:`\theta = \min(1, \min_j \ell_{1,j}/|g_j|)`.
  From :math:`x_0 = 0` this is the classical homotopy in the penalty level (from
  :math:`\lambda_{\max}` down), in which coordinates enter one at a time; choosing the nearest point
  of the interval instead would put every violating coordinate on its boundary at :math:`t = 0`.

Between events the KKT conditions are linear in :math:`t`:
:math:`Q_{AA}x_A(t) = -(q_A(t) + \ell_{1,A} \circ s_A)`, :math:`x_{A^c} = 0`, and the gradient off the
active set :math:`c(t) = Q_{\cdot A}x_A(t) + q(t)` is affine. An *event* is an active coordinate
reaching 0 (it leaves) or an inactive one reaching :math:`|c_j| = \ell_{1,j}` (it enters with sign
:math:`-\operatorname{sign}(c_j)`). Each step is one solve with the Cholesky factor of
:math:`Q_{AA}` (updated by one row when a coordinate enters, refactored when one leaves), so the cost
does not depend on the condition number of :math:`Q` the way coordinate descent's does; zeros are
exact zeros. At :math:`t = 1` the point is the exact minimiser (up to the rounding of the solves).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import lapack

__all__ = ["HomotopyResult", "l1_homotopy"]

_DEPENDENT = 1e-13  # a column whose pivot falls below this fraction of its diagonal is dependent
_TINY_STEP = 1e-12  # steps this short after an event are the event's own degenerate echo


@dataclass(frozen=True)
class HomotopyResult:
    """The end point of the path, the number of events and whether ``t = 1`` was reached."""

    x: np.ndarray
    events: int
    completed: bool


class _ActiveFactor:
    """Cholesky factor of :math:`Q_{AA}` for an ordered active set, with one-row updates."""

    def __init__(self, Q: np.ndarray, order: list[int]) -> None:
        self.Q = Q
        self.order = list(order)
        self.L = np.zeros((0, 0))
        if self.order:
            self.L = np.linalg.cholesky(Q[np.ix_(self.order, self.order)])  # raises if not PD
        # the columns Q[:, order], kept in order (gradients cost O(m k), not O(m^2))
        self._cols = np.empty((Q.shape[0], max(8, 2 * len(self.order))), order="F")
        self._cols[:, :len(self.order)] = Q[:, self.order]

    @property
    def columns(self) -> np.ndarray:
        r""":math:`Q_{\cdot A}` in the factor's order."""
        return self._cols[:, :len(self.order)]

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """:math:`Q_{AA}^{-1}` rhs (one or more columns)."""
        if not self.order:
            return np.zeros(rhs.shape)
        # LAPACK directly (this runs once per event): L^T is the upper factor, Fortran-ordered as is
        x, info = lapack.dpotrs(self.L.T, rhs, lower=0)
        if info != 0:  # pragma: no cover - dpotrs only fails on invalid arguments
            raise np.linalg.LinAlgError(f"dpotrs failed (info={info})")
        return x

    def add(self, j: int) -> bool:
        """Append coordinate ``j``; ``False`` (nothing changed) if its column is numerically dependent."""
        k = len(self.order)
        qjj = float(self.Q[j, j])
        if k:
            row, info = lapack.dtrtrs(self.L.T, self.Q[self.order, j], lower=0, trans=1)  # L row = Q_Aj
            pivot = qjj - float(row @ row) if info == 0 else -1.0
        else:
            row, pivot = np.zeros(0), qjj
        if not pivot > _DEPENDENT * max(qjj, np.finfo(float).tiny):
            return False
        L = np.zeros((k + 1, k + 1))
        L[:k, :k] = self.L
        L[k, :k] = row
        L[k, k] = np.sqrt(pivot)
        self.L = L
        if k == self._cols.shape[1]:
            grown = np.empty((self._cols.shape[0], 2 * k), order="F")
            grown[:, :k] = self._cols
            self._cols = grown
        self._cols[:, k] = self.Q[:, j]
        self.order.append(j)
        return True

    def remove(self, j: int) -> None:
        """Drop coordinate ``j``: the rows above it keep their factor; the trailing block
        :math:`L_{22}'` solves :math:`L_{22}'L_{22}'^\top = L_{22}L_{22}^\top + \\ell\\ell^\top`
        (:math:`\\ell` the removed column below the diagonal)."""
        i = self.order.index(j)
        k = len(self.order)
        self._cols[:, i:k - 1] = self._cols[:, i + 1:k]
        self.order.pop(i)
        L = np.delete(np.delete(self.L, i, axis=0), i, axis=1)
        if i < L.shape[0]:
            col = self.L[i + 1:, i]
            trail = self.L[i + 1:, i + 1:]
            L[i:, i:] = np.linalg.cholesky(trail @ trail.T + np.outer(col, col))
        self.L = L


def _start(Q: np.ndarray, l1: np.ndarray, x0: np.ndarray) -> tuple[np.ndarray, np.ndarray, _ActiveFactor]:
    """The warm start's signs and factor; falls back to x = 0 when its support is not PD in Q."""
    free = l1 <= 0.0
    x = x0.copy()
    for attempt in range(2):
        if attempt:
            x = np.where(free, x, 0.0)
        signs = np.where(free, 0.0, np.sign(x))
        active = np.flatnonzero(free | (x != 0.0))
        try:
            return x, signs, _ActiveFactor(Q, active.tolist())
        except np.linalg.LinAlgError:
            continue
    raise np.linalg.LinAlgError("the unpenalised block of the quadratic is not positive definite")


def _kkt_holds(Q: np.ndarray, q: np.ndarray, l1: np.ndarray, x: np.ndarray) -> bool:
    r"""Signs on the support and :math:`|(Qx + q)_j| \le \ell_{1,j}` off it, up to rounding."""
    c = Q @ x + q
    slack = 1e-9 * (l1 + np.abs(q) + np.abs(Q) @ np.abs(x))
    on = x != 0.0
    pen = l1 > 0.0
    return bool(np.all(np.abs(c[on] + l1[on] * np.sign(x[on])) <= slack[on] + 1e-6 * l1[on])
                and np.all(np.abs(c[~on & pen]) <= l1[~on & pen] + slack[~on & pen]))


def l1_homotopy(Q: np.ndarray, q: np.ndarray, l1: np.ndarray, x0: np.ndarray | None = None, *,
                max_events: int | None = None, restarts: int = 3) -> HomotopyResult:
    """Exact minimiser by the homotopy (:func:`_path`); a path whose end point fails the KKT
    check (rounding in degenerate ties) is restarted from that end point, at most ``restarts`` times."""
    res = _path(Q, q, l1, x0, max_events=max_events)
    events = res.events
    for _ in range(restarts):
        if not res.completed or _kkt_holds(Q, q, l1, res.x):
            break
        res = _path(Q, q, l1, res.x, max_events=max_events)
        events += res.events
    return HomotopyResult(res.x, events, res.completed)


def _path(Q: np.ndarray, q: np.ndarray, l1: np.ndarray, x0: np.ndarray | None = None, *,
          max_events: int | None = None) -> HomotopyResult:
    r"""Exact minimiser of :math:`\tfrac12 x^\top Qx + q^\top x + \sum_j \ell_{1,j}|x_j|` (module docstring).

    Parameters
    ----------
    Q : ndarray (m, m)
        Symmetric positive semi-definite; :math:`Q_{AA}` must be positive definite on the active
        sets the path visits (true when the problem has a unique minimiser in general position;
        a numerically dependent column is kept out of the active set).
    q, l1 : ndarray (m,)
        Linear term and L1 weights (0: an unpenalised coordinate, always active).
    x0 : ndarray (m,), optional
        Warm start (any point); 0 by default.
    max_events : int, optional
        Cap on the number of events (default ``20 m + 100``).

    Returns
    -------
    HomotopyResult
        ``completed`` is False when the cap was reached (``x`` is then the point at that stage).
    """
    m = q.shape[0]
    cap = 20 * m + 100 if max_events is None else max_events
    x, signs, factor = _start(Q, l1, np.zeros(m) if x0 is None else np.asarray(x0, dtype=float))
    free = l1 <= 0.0
    Qx = Q @ x
    active = np.zeros(m, dtype=bool)
    active[factor.order] = True
    q0 = np.empty(m)
    q0[active] = -Qx[active] - l1[active] * signs[active]
    off = ~active
    grad_off = Qx[off] + q[off]  # the target problem's gradient off the active set
    with np.errstate(divide="ignore"):
        ratio = np.abs(grad_off) / l1[off]
    shrink = 1.0 / max(1.0, float(np.max(ratio, initial=0.0)))
    q0[off] = shrink * grad_off - Qx[off]
    dq = q - q0
    t = 0.0
    events = 0
    just_changed = -1
    blocked = np.zeros(m, dtype=bool)  # numerically dependent columns, kept out until one leaves
    while True:
        order = np.asarray(factor.order, dtype=np.intp)
        rhs = np.column_stack([q0[order] + t * dq[order] + l1[order] * signs[order], dq[order]])
        sol = -factor.solve(rhs)
        xa, dxa = sol[:, 0], sol[:, 1]
        grad = factor.columns @ sol  # Q x(t) and its derivative: one product with two columns
        c = grad[:, 0] + q0 + t * dq
        dc = grad[:, 1] + dq
        step = 1.0 - t
        event, kind = -1, ""
        # an active coordinate reaching zero from the side of its sign
        pen = ~free[order]
        moving_in = pen & (signs[order] * dxa < 0.0)
        if np.any(moving_in):
            idx = np.flatnonzero(moving_in)
            taus = np.maximum(-xa[idx] / dxa[idx], 0.0)
            if just_changed >= 0:  # it just entered at 0: not straight out again (degenerate ties)
                taus[(order[idx] == just_changed) & (taus <= _TINY_STEP)] = np.inf
            k = int(np.argmin(taus))
            if taus[k] < step:
                step, event, kind = float(taus[k]), int(order[idx[k]]), "leave"
        # an inactive coordinate reaching the boundary |c_j| = l1_j
        inactive = ~free & ~blocked
        inactive[order] = False
        idx = np.flatnonzero(inactive & (dc != 0.0))
        if idx.size:
            target = np.where(dc[idx] > 0.0, l1[idx], -l1[idx])
            taus = np.maximum((target - c[idx]) / dc[idx], 0.0)
            if just_changed >= 0:  # it just left at this boundary: not straight back in
                taus[(idx == just_changed) & (taus <= _TINY_STEP)] = np.inf
            k = int(np.argmin(taus))
            if taus[k] < step:
                step, event, kind = float(taus[k]), int(idx[k]), "enter"
        if event < 0 or events >= cap:  # no event before t = 1: the end point is the minimiser
            x = np.zeros(m)
            x[order] = xa + step * dxa
            return HomotopyResult(x, events, event < 0)
        events += 1
        t += step
        just_changed = event
        if kind == "leave":
            factor.remove(event)
            signs[event] = 0.0
            blocked[:] = False
        else:
            sign = -np.sign(c[event] + step * dc[event])
            if factor.add(event):
                signs[event] = sign
            else:  # a dependent column stays out: its gradient moves with the active ones (ties)
                blocked[event] = True
