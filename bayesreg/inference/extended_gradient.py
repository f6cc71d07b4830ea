r"""The logistic gradient in extended precision: the certificate's second look when double rounding is the limit.

The certified error bound of a logistic MAP (:mod:`bayesreg.inference.local_bound`) cannot go below
the rounding floor of the gradient it reads. In double precision that floor is
:math:`(\gamma_n + 4u)A_j` per coordinate, :math:`A_j = \sum_i s_i|x_{ij}|`, plus the rounding of the
linear predictors carried through :math:`\phi''`. On a column of mean :math:`10^3` with a small
weight, :math:`A_j` is :math:`10^3` times the column's spread, and the floor alone can keep an
accurate point from being certified (a bound of :math:`10^{-5}` where the point is :math:`10^{-9}`
from the optimum). The same gradient computed with the rows, weights and :math:`\theta` converted
exactly to long double (x86-64: a 64-bit mantissa, :math:`u_{\mathrm{ext}} = 2^{-64}`) and rounded
to double once has the floor

.. math::

    \text{direct}_j = (\gamma^{\mathrm{ext}}_n + 4u_{\mathrm{ext}})A_j + u|g_j|, \qquad
    \text{via}_\eta{}_j = \tfrac14 e_\eta A_j, \qquad
    e_\eta = \gamma^{\mathrm{ext}}_{p+1}(\max_i\|x_i\|\,\|w\| + |c|),

(the last term of ``direct``: the final rounding of :math:`g` to double) and, in the curvature's
norm, :math:`e_\eta\sqrt{\sum_i s_i/4}`: the derivation of
:meth:`~bayesreg.model.likelihoods.LogisticLikelihood.gradient_floor` with :math:`u` replaced by
:math:`u_{\mathrm{ext}}`, about :math:`2\cdot 10^{3}` times smaller. It costs one pass over the rows
in long double (no BLAS: ~0.1-0.5 s per :math:`10^8` multiply-adds), so it is computed only when the
double-precision certificate passes its KKT test and fails its bound.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from scipy.special import expit

from bayesreg.inference.certificate import Certificate
from bayesreg.inference.error_bound import ErrorBound
from bayesreg.inference.local_bound import HessianBlock, local_error_bound
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import Likelihood, LogisticLikelihood
from bayesreg.model.rounding import EXTENDED, U64, UEXT, GradientFloor

__all__ = ["extended_gradient", "second_look", "supports_extended_gradient"]

#: long-double elements per chunk of rows (16 bytes each: 8 MB)
_CHUNK_ELEMENTS = 1 << 19


def supports_extended_gradient(data: object, likelihood: Likelihood) -> bool:
    """Whether :func:`extended_gradient` applies: a logistic likelihood (one output) with the rows in memory."""
    return isinstance(likelihood, LogisticLikelihood) and bool(getattr(data, "has_rows", False))


def extended_gradient(data: RegressionData, likelihood: Likelihood,
                      theta: np.ndarray) -> tuple[np.ndarray, GradientFloor]:
    r""":math:`\nabla f(\theta) = \tilde X^\top(s \circ (\operatorname{expit}(\eta) - y))` computed in long double,
    rounded to double, and its rounding floor (module docstring).

    Parameters
    ----------
    data : RegressionData
        The rows (in memory).
    likelihood : LogisticLikelihood
    theta : ndarray (p,) or (p + 1,)
        :math:`(w, c)`; no intercept without ``data.fit_intercept``.

    Returns
    -------
    g : ndarray
        The gradient of the data term, rounded once to double.
    floor : GradientFloor
        The bound on ``g``'s rounding that :func:`~bayesreg.inference.local_bound.local_error_bound` reads.
    """
    if not supports_extended_gradient(data, likelihood):
        raise NotImplementedError(f"an extended-precision gradient needs a logistic likelihood with the rows in "
                                  f"memory; got {type(likelihood).__name__}")
    theta = np.asarray(theta, dtype=float)
    n, p = data.n_samples, data.n_features
    w = theta[:p].astype(EXTENDED)
    c = EXTENDED(theta[p]) if data.fit_intercept else EXTENDED(0.0)
    s = data.sample_weight
    g = np.zeros(p + int(data.fit_intercept), dtype=EXTENDED)
    rows = max(256, _CHUNK_ELEMENTS // max(p, 1))
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        X = data.X[start:stop].astype(EXTENDED)
        r = expit(X @ w + c) - data.y[start:stop].astype(EXTENDED)
        if s is not None:
            r *= s[start:stop].astype(EXTENDED)
        g[:p] += X.T @ r
        if data.fit_intercept:
            g[p] += r.sum()
    g64 = np.asarray(g, dtype=float)
    floor = likelihood.gradient_floor(data, theta, u=UEXT)  # the same derivation in long double
    return g64, replace(floor, direct=floor.direct + U64 * np.abs(g64))  # + the final rounding to double


def second_look(cert: Certificate, data: RegressionData, likelihood: Likelihood, l1: np.ndarray, l2: np.ndarray,
                theta: np.ndarray, hessian_at: HessianBlock,
                certify_with: Callable[[np.ndarray, ErrorBound], Certificate]) -> Certificate:
    """``cert``, or, when it passes its KKT test but not its bound and :func:`supports_extended_gradient`,
    the certificate ``certify_with(g, bound)`` of the gradient in extended precision if that one passes
    (its bound's reason ends in "(extended-precision gradient)")."""
    if not (cert.kkt_passed and not cert.passed and supports_extended_gradient(data, likelihood)):
        return cert
    g, floor = extended_gradient(data, likelihood, theta)
    bound = local_error_bound(data, likelihood, l1, l2, np.asarray(theta, dtype=float), g, hessian_at, floor)
    if bound.value is not None:
        bound = replace(bound, reason=bound.reason + " (extended-precision gradient)")
    retry = certify_with(g, bound)
    return retry if retry.passed else cert

