r"""Independent reference solvers for the bayesreg objective (NumPy/SciPy only).

They minimize the one internal objective of ``docs/CONTRACT.md``

.. math::

    F(w, c) = \mathrm{NLL}(w, c) + \sum_j ( l1_j |w_j| + l2_j w_j^2 ),

Gaussian: :math:`\mathrm{NLL} = \frac{1}{2\sigma^2} \sum_i s_i (y_i - c - x_i^\top w)^2`;
Bernoulli-logit (:math:`y_i \in \{0, 1\}`):
:math:`\mathrm{NLL} = \sum_i s_i [\log(1 + e^{\eta_i}) - y_i \eta_i]`,
:math:`\eta_i = c + x_i^\top w`; :math:`s_i \ge 0` are sample weights and the intercept
:math:`c` is unpenalized (fixed at 0 when ``fit_intercept=False``).

The module shares no code with the package's MAP solver, so it can cross-check it. Results
are *certified*: ``converged`` is True only when a stopping criterion was met, and L1 results
pass an exact KKT check (signs on the support, ``|grad_j| <= l1_j`` off it).

This module holds the public API (:func:`reference_solve`, :func:`penalized_objective`,
:class:`ReferenceResult`) and the input validation; the algorithms themselves (ridge, coordinate
descent, Newton, L-BFGS-B with active-set polish) live in
:mod:`bayesreg.reference.penalized_algorithms`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesreg.reference.penalized_algorithms import _solve_gaussian, _solve_logistic

__all__ = ["ReferenceResult", "penalized_objective", "reference_solve"]

_LIKELIHOODS = {"gaussian": "gaussian", "bernoulli": "bernoulli", "logistic": "bernoulli"}


@dataclass(frozen=True)
class ReferenceResult:
    """Result of :func:`reference_solve`.

    Attributes
    ----------
    coef : ndarray of shape (p,)
        Minimizing weights ``w``.
    intercept : float
        Minimizing intercept ``c`` (0.0 when ``fit_intercept=False``).
    objective : float
        ``F(coef, intercept)`` as computed by :func:`penalized_objective`.
    n_iter : int
        Iterations used (sweeps, L-BFGS-B + Newton iterations, or 1 for closed form).
    converged : bool
        True when the stopping / KKT criterion was met.
    method : str
        Which algorithm produced the result.
    """

    coef: np.ndarray
    intercept: float
    objective: float
    n_iter: int
    converged: bool
    method: str


def _finite_array(name: str, value, ndim: int | None) -> np.ndarray:
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric") from exc
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def _penalty(name: str, value, p: int) -> np.ndarray:
    arr = _finite_array(name, value, None)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape != (p,)):
        raise ValueError(f"{name} must be a scalar or have shape ({p},), got shape {arr.shape}")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative")
    return np.broadcast_to(arr, (p,)).copy()


def _validate(X, y, l1, l2, likelihood, noise_sigma, sample_weight):
    if not isinstance(likelihood, str) or likelihood not in _LIKELIHOODS:
        raise ValueError(f"likelihood must be one of {sorted(_LIKELIHOODS)}, got {likelihood!r}")
    lik = _LIKELIHOODS[likelihood]
    X = _finite_array("X", X, 2)
    y = _finite_array("y", y, 1)
    n, p = X.shape
    if n == 0 or p == 0:
        raise ValueError(f"X must have at least one row and one column, got shape {X.shape}")
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},) to match X, got shape {y.shape}")
    if lik == "bernoulli" and not np.all((y == 0) | (y == 1)):
        raise ValueError("y must contain only 0 and 1 for the bernoulli likelihood")
    sigma = float(noise_sigma)
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"noise_sigma must be finite and > 0, got {noise_sigma!r}")
    s = np.ones(n) if sample_weight is None else _finite_array("sample_weight", sample_weight, 1)
    if s.shape != (n,):
        raise ValueError(f"sample_weight must have shape ({n},), got shape {s.shape}")
    if np.any(s < 0) or not np.sum(s) > 0:
        raise ValueError("sample_weight must be non-negative with a positive sum")
    return X, y, _penalty("l1", l1, p), _penalty("l2", l2, p), lik, sigma, s


def _objective(X, y, s, w, c, l1, l2, lik, sigma) -> float:
    eta = X @ w + c
    if lik == "gaussian":
        nll = 0.5 * np.sum(s * (y - eta) ** 2) / sigma**2
    else:  # log(1 + e^eta) evaluated stably
        nll = np.sum(s * (np.logaddexp(0.0, eta) - y * eta))
    return float(nll + l1 @ np.abs(w) + l2 @ (w * w))


def penalized_objective(
    X, y, coef, intercept, l1, l2, *, likelihood: str = "gaussian",
    noise_sigma: float = 1.0, sample_weight=None,
) -> float:
    r"""Evaluate the bayesreg objective ``F(w, c)``.

    .. math::

        F(w, c) = \mathrm{NLL}(w, c) + \sum_j (l1_j |w_j| + l2_j w_j^2),

    with :math:`\mathrm{NLL} = \frac{1}{2\sigma^2}\sum_i s_i (y_i - c - x_i^\top w)^2`
    (``likelihood="gaussian"``) or
    :math:`\mathrm{NLL} = \sum_i s_i [\log(1 + e^{\eta_i}) - y_i \eta_i]`,
    :math:`\eta_i = c + x_i^\top w` (``likelihood="bernoulli"``, alias ``"logistic"``).

    Parameters
    ----------
    X : array_like of shape (n, p)
        Design matrix.
    y : array_like of shape (n,)
        Response (``{0, 1}`` for the Bernoulli likelihood).
    coef : array_like of shape (p,)
        Weights ``w``.
    intercept : float
        Intercept ``c``.
    l1, l2 : float or array_like of shape (p,)
        Non-negative per-feature penalty weights (scalars are broadcast).
    likelihood : {"gaussian", "bernoulli", "logistic"}, default "gaussian"
        Likelihood; ``"logistic"`` is an alias of ``"bernoulli"``.
    noise_sigma : float, default 1.0
        Gaussian noise scale ``sigma`` (validated but unused for Bernoulli).
    sample_weight : array_like of shape (n,), optional
        Non-negative sample weights ``s_i`` (default all ones).

    Returns
    -------
    float
        ``F(coef, intercept)`` (additive constants of the NLL dropped).
    """
    X, y, l1, l2, lik, sigma, s = _validate(X, y, l1, l2, likelihood, noise_sigma, sample_weight)
    w = _finite_array("coef", coef, 1)
    if w.shape != (X.shape[1],):
        raise ValueError(f"coef must have shape ({X.shape[1]},), got shape {w.shape}")
    c = float(intercept)
    if not np.isfinite(c):
        raise ValueError("intercept contains NaN or inf")
    return _objective(X, y, s, w, c, l1, l2, lik, sigma)


def reference_solve(
    X, y, l1, l2, *, likelihood: str = "gaussian", noise_sigma: float = 1.0,
    sample_weight=None, fit_intercept: bool = True, tol: float = 1e-12,
    max_iter: int = 100_000,
) -> ReferenceResult:
    r"""Minimize the bayesreg objective with an independent reference algorithm.

    .. math::

        (\hat w, \hat c) = \arg\min_{w, c}\;
            \mathrm{NLL}(w, c) + \sum_j (l1_j |w_j| + l2_j w_j^2),

    with the NLL of :func:`penalized_objective` (``c = 0`` if ``fit_intercept=False``).

    Notes
    -----
    Algorithms:

    * Gaussian, all ``l1 == 0``: closed-form ridge on weighted-centered data,
      :math:`(X_c^\top S X_c + 2\sigma^2\,\mathrm{diag}(l2)) w = X_c^\top S y_c`,
      :math:`c = \bar y - \bar x^\top w` (weighted means).
    * Gaussian with L1: naive cyclic coordinate descent with soft-thresholding on the
      weighted-centered columns; after every sweep whose sign pattern is new, an exact
      KKT solve on the support (accepted only if the signs hold and
      :math:`|X_{c,j}^\top S r| \le \sigma^2 l1_j` off the support). Otherwise stops when
      the largest coordinate change is below ``tol * (1 + max|w|)``.
    * Bernoulli, all ``l1 == 0``: damped Newton on ``(w, c)``.
    * Bernoulli with L1: L-BFGS-B on the split form ``w = u - v``, ``u, v >= 0``, then a
      Newton polish on the support with fixed signs, certified by the off-support
      subgradient condition :math:`|\nabla_j \mathrm{NLL}| \le l1_j`.

    Parameters
    ----------
    X, y, l1, l2, likelihood, noise_sigma, sample_weight
        As in :func:`penalized_objective`.
    fit_intercept : bool, default True
        Estimate the unpenalized intercept; if False, ``c = 0`` is fixed.
    tol : float, default 1e-12
        Relative tolerance of the iterative solvers.
    max_iter : int, default 100000
        Maximum number of sweeps / iterations.

    Returns
    -------
    ReferenceResult
    """
    X, y, l1, l2, lik, sigma, s = _validate(X, y, l1, l2, likelihood, noise_sigma, sample_weight)
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be finite and > 0, got {tol!r}")
    if int(max_iter) != max_iter or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    max_iter = int(max_iter)
    if lik == "gaussian":
        w, c, n_iter, ok, method = _solve_gaussian(X, y, s, l1, l2, sigma, bool(fit_intercept),
                                                   tol, max_iter)
    else:
        w, c, n_iter, ok, method = _solve_logistic(X, y, s, l1, l2, bool(fit_intercept),
                                                   tol, max_iter)
    obj = _objective(X, y, s, w, c, l1, l2, lik, sigma)
    return ReferenceResult(coef=w, intercept=float(c), objective=obj, n_iter=int(n_iter),
                           converged=bool(ok), method=method)
