r"""The certified error bound :math:`\|\theta - \theta^*\|_2` of a MAP whose rows stay on the workers.

The in-memory MAP of a smooth convex GLM carries the local-curvature bound of
:mod:`bayesreg.inference.local_bound`: with the residual bound :math:`\|u\|` of the KKT conditions,
the self-concordance constant :math:`M` of the likelihood, :math:`R = \max_i\|(x_i, 1)\|` and the
Hessian :math:`H_S` of :math:`f` on the support :math:`S` at a point,
:math:`\|\theta - \theta^*\| \le \|u\|/\mu(r)` with :math:`\mu(r) = e^{-MR(\|\theta-\theta_k\| + r)}
\lambda_{\min}(H_S + 2\operatorname{diag}\ell_2)` (and strict KKT margins off :math:`S`). Everything
it reads besides :math:`\theta` and the exact gradient is a sum or a maximum over rows, so here it comes
from map-reduce passes over the blocks (:meth:`bayesreg.model.rows.RowSource.map_reduce`):

* one pass for the **magnitudes** :math:`A_j = \sum_i v_i|x_{ij}|` and :math:`\max_i\|x_i\|_2` (the
  rounding floor of the gradient and the Lipschitz constants of the zero coordinates);
* one pass per support set asked for, for the **Hessian on the support at** :math:`\theta` (every row,
  :func:`bayesreg.inference.distributed.glm_pass`; float32 products of 4096-row chunks summed in double,
  with the rounding allowance of :mod:`~bayesreg.inference.local_bound`, and in double precision,
  relative rounding :math:`\gamma_n`, when that leaves no certified curvature); the function is the same
  :func:`~bayesreg.inference.local_bound.local_error_bound` as in memory, so the bound is the in-memory one
  up to the rounding of the sums.

The gradient's rounding floor is the likelihood's :meth:`~bayesreg.model.likelihoods.Likelihood.gradient_floor`
read through those magnitudes (the logistic floor needs nothing else). A likelihood whose floor needs the
rows themselves (Poisson: :math:`\sum_i v_i|x_{ij}|e^{\eta_i}`) gets no bound here (the KKT residual
certifies it, as before); this is stated in the certificate as "not computed". So is a point where the
local curvature cannot be shown to contain the optimum: with a column mean of ~1e3 the row norms
:math:`R` make :math:`e^{-MR r}` collapse, and the distributed certificate keeps the KKT residual's verdict
rather than fail a point the residual certifies. In memory such points get the bound in column-scaled
coordinates (:mod:`~bayesreg.inference.local_bound`) and, when the double-precision gradient's rounding is
what fails it, with the gradient in long double (:mod:`~bayesreg.inference.extended_gradient`); neither is
done over row blocks yet (the column-scaled pass alone turned points the KKT residual certifies into
"NOT certified": the distributed solver stops at a KKT residual the bound cannot absorb).
"""

from __future__ import annotations

import numpy as np

from bayesreg.inference.curvature import bordered_hessian
from bayesreg.inference.error_bound import NO_BOUND, ErrorBound
from bayesreg.inference.local_bound import SINGLE_PRECISION_GAMMA, local_error_bound
from bayesreg.model.likelihoods import Likelihood
from bayesreg.model.rounding import rounding_gamma
from bayesreg.model.rows import RowSource

__all__ = ["rows_error_bound", "magnitude_pass"]


def magnitude_pass(X: np.ndarray, y: np.ndarray, v: np.ndarray | None) -> tuple[np.ndarray, float]:
    r"""One block's :math:`(\sum_i v_i|x_{ij}|,\ \max_i\|x_i\|_2)`."""
    absx = np.abs(X)
    col = absx.sum(axis=0) if v is None else v @ absx
    row_max = float(np.sqrt(np.max(np.einsum("ij,ij->i", X, X)))) if X.shape[0] else 0.0
    return col, row_max


def _combine_magnitudes(*parts: tuple) -> tuple:
    return sum((p[0] for p in parts[1:]), start=parts[0][0].copy()), max(p[1] for p in parts)


class _RowsView:
    """What :meth:`Likelihood.gradient_floor` and :func:`local_error_bound` read of the data, without rows."""

    has_rows = False

    def __init__(self, rows: RowSource, fit_intercept: bool) -> None:
        summary = rows.summary()
        self.n_samples, self.weight_sum = summary.n_samples, summary.weight_sum
        self.n_features = rows.n_features
        self.fit_intercept = bool(fit_intercept)
        col, row_max = rows.map_reduce(magnitude_pass, combine=_combine_magnitudes)
        self.magnitudes = (np.asarray(col, dtype=float), float(row_max))


def rows_error_bound(rows: RowSource, likelihood: Likelihood, l1: np.ndarray, l2: np.ndarray, theta: np.ndarray,
                     grad: np.ndarray, *, fit_intercept: bool) -> tuple[ErrorBound, int]:
    """The bound of the module docstring at ``theta`` (``grad``: the exact full-data gradient of ``f``);
    ``l1``, ``l2`` with 0 for the intercept. Returns ``(bound, passes over the rows)``."""
    from bayesreg.inference.distributed import glm_pass

    if not likelihood.convex:
        return ErrorBound(None, 0.0, 0.0, not_strongly_convex=True,
                          reason="non-convex likelihood: a certified stationary point, possibly a local mode"), 0
    view = _RowsView(rows, fit_intercept)
    passes = 1
    try:
        likelihood.gradient_floor(view, theta)
    except (AttributeError, NotImplementedError):  # the floor reads the rows (e.g. Poisson): KKT residual only
        return NO_BOUND, passes
    p = rows.n_features

    def hessian_at(S: np.ndarray, double: bool) -> tuple[np.ndarray, np.ndarray, float]:
        r"""Every row's Hessian on ``S`` at ``theta``: float32 products of 4096-row chunks summed in double
        (rounding ``SINGLE_PRECISION_GAMMA``; local_error_bound asks again in double if that leaves no
        curvature), or all in double (:math:`\gamma_n`)."""
        nonlocal passes
        cols = S[S < p]
        with_icpt = bool(np.any(S == p))
        gamma = rounding_gamma(view.n_samples) if double else SINGLE_PRECISION_GAMMA
        _, _, H, hc, hcc = rows.map_reduce(glm_pass, theta, likelihood, fit_intercept, cols, with_icpt, 1,
                                           not double, None)
        passes += 1
        return bordered_hessian(H, hc, hcc, with_icpt), np.asarray(theta, dtype=float), gamma

    bound = local_error_bound(view, likelihood, l1, l2, np.asarray(theta, dtype=float), grad, hessian_at)
    if bound.value is None and not bound.not_strongly_convex:  # no bound obtained: the KKT residual decides
        return NO_BOUND, passes
    return bound, passes
