r"""The regularization path: the exact, certified MAP of a Gaussian model along a grid of penalties.

For each value :math:`v_k` of a convention's strength parameter (``alpha`` of ``sklearn.Lasso``,
``lambda_`` of ``glmnet``...) the penalty maps to its prior (:func:`bayesreg.penalty_to_prior`),
and the MAP minimises, with the intercept eliminated by centring and :math:`\sigma^2` multiplied out
(:mod:`bayesreg.inference.gaussian_map`),

.. math::

    \tfrac12 w^\top (G + D_k) w - w^\top X^\top y + \sum_j a_{kj} |w_j|, \qquad
    D_k = 2\sigma^2\operatorname{diag}(\ell_{2,k}),\; a_k = \sigma^2\ell_{1,k},

with the same centred Gram matrix :math:`G` and :math:`X^\top y` for every :math:`k`: one pass over
the data for the whole path. The points are solved from the strongest penalty to the weakest, each
warm-started at the previous one, by the exact homotopy of :mod:`bayesreg.inference.l1_homotopy`
(the MAP solver's own core) restricted to the **strong set** of the sequential strong rule
(Tibshirani et al. 2012, glmnet): coordinate :math:`j` is discarded at step :math:`k` when
:math:`w_{k-1,j} = 0` and

.. math::

    |(G w_{k-1} - X^\top y)_j| < 2a_{kj} - a_{k-1,j}.

The rule is a heuristic, so every discarded coordinate is then checked against its KKT condition
:math:`|(Gw_k - X^\top y)_j| \le a_{kj}`; violators join the strong set and the step is solved again
(``strong_rule_violations`` counts them). Zeros are exact zeros.

Every point carries the MAP's :class:`~bayesreg.inference.certificate.Certificate`: the KKT residual
from the gradient of the sufficient statistics (the same :math:`f` as the PyMC model's) and a certified
error bound, from the smallest eigenvalue of :math:`G` computed once for the path
(:func:`~bayesreg.inference.gaussian_bound.global_gram_bound`), else on the support
(:func:`~bayesreg.inference.gaussian_bound.gram_bound`); a point that is still not certified is
solved again by the full MAP solver (:func:`~bayesreg.inference.gaussian_map.solve_gaussian_map`,
rows route included; ``n_full_solves`` counts them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import linalg

from bayesreg._validation import describe
from bayesreg.conventions import get_convention, penalty_to_weights, weights_to_prior
from bayesreg.inference.blas import serial_blas
from bayesreg.inference.certificate import DEFAULT_BOUND_TOL, DEFAULT_TOL, Certificate, certify
from bayesreg.inference.gaussian_bound import global_gram_bound, gram_bound, gram_spectrum
from bayesreg.inference.gaussian_map import solve_gaussian_map
from bayesreg.inference.l1_quadratic import solve_l1_quadratic
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import GaussianLikelihood
from bayesreg.model.priors import Prior

__all__ = ["RegularizationPath", "regularization_path", "split_grid"]


@dataclass(frozen=True, eq=False)
class RegularizationPath:
    """The certified MAP at every value of a penalty grid (module docstring).

    Attributes
    ----------
    convention, param : str
        The convention and the name of its strength parameter the grid is given in.
    grid : ndarray (n_grid,)
        The grid, in the order given.
    coef_ : ndarray (n_grid, p)
    intercept_ : ndarray (n_grid,)
    priors : tuple of Prior
        The prior of each grid value (:func:`bayesreg.penalty_to_prior`).
    prior_b, prior_tau : ndarray (n_grid, p)
        Laplace scale :math:`b = 1/\\ell_1` and Gaussian scale :math:`\\tau = 1/\\sqrt{2\\ell_2}` of each
        point's prior per feature (``inf`` where the prior has no such part).
    certificates : tuple of Certificate
    n_events : ndarray of int (n_grid,)
        Homotopy events (active-set changes) per point.
    n_screened : ndarray of int (n_grid,)
        Coordinates the strong rule discarded (and the KKT check then confirmed) per point.
    strong_rule_violations : int
        Discarded coordinates that failed their KKT check and were put back.
    n_full_solves : int
        Points that the path's cheap bound could not certify and the full MAP solver re-solved.
    fixed_params : dict
        The convention's other parameters (``l1_ratio``...).
    noise_sigma : float
    feature_names : tuple of str
    """

    convention: str
    param: str
    grid: np.ndarray
    coef_: np.ndarray
    intercept_: np.ndarray
    priors: tuple[Prior, ...]
    prior_b: np.ndarray
    prior_tau: np.ndarray
    certificates: tuple[Certificate, ...]
    n_events: np.ndarray
    n_screened: np.ndarray
    strong_rule_violations: int
    n_full_solves: int
    fixed_params: dict
    noise_sigma: float
    feature_names: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """Every point is certified optimal."""
        return all(c.passed for c in self.certificates)

    def __len__(self) -> int:
        return int(self.grid.size)


def split_grid(convention: str, params: dict[str, Any]) -> tuple[str, np.ndarray, dict[str, Any]]:
    """The grid (the one parameter given as a sequence) and the fixed parameters, validated:
    a 1-D, non-empty grid of finite values > 0."""
    conv = get_convention(convention)
    seqs = [k for k, v in params.items() if np.ndim(v) >= 1]
    if len(seqs) != 1:
        got = "none" if not seqs else ", ".join(repr(k) for k in seqs)
        raise TypeError(f"regularization_path needs exactly one grid: the convention's strength parameter "
                        f"given as a sequence (e.g. {conv.params[0]}=np.geomspace(1, 1e-3, 30)); "
                        f"sequences received: {got}.")
    name = seqs[0]
    if name not in conv.params:
        raise TypeError(f"Convention {convention!r} takes the parameters {', '.join(conv.params)}; "
                        f"got the grid {name!r}.")
    raw = params[name]
    try:
        grid = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"The {name!r} parameter of regularization_path must be a sequence of numbers "
                        f"(the grid); got {describe(raw)}.") from None
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError(f"The {name!r} parameter of regularization_path must be a non-empty 1-D grid; "
                         f"got an array of shape {grid.shape}.")
    bad = ~np.isfinite(grid) | (grid <= 0.0)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"The {name!r} parameter of regularization_path must hold finite values > 0 "
                         f"(penalty strengths); got {float(grid[i])!r} at position {i} of {describe(grid)}.")
    return name, grid, {k: v for k, v in params.items() if k != name}


def _check_gaussian(convention: str) -> None:
    conv = get_convention(convention)
    if "gaussian" not in conv.likelihoods:
        raise ValueError(f"regularization_path needs a convention of the squared error (Gaussian "
                         f"likelihood); {convention!r} is written for {', '.join(conv.likelihoods)}.")


def _broadcast(pw: Any, p: int) -> tuple[np.ndarray, np.ndarray]:
    return (np.broadcast_to(np.asarray(pw.l1, float), (p,)).copy(),
            np.broadcast_to(np.asarray(pw.l2, float), (p,)).copy())


def _restricted_solve(Q: np.ndarray, xty: np.ndarray, a1: np.ndarray, S: np.ndarray,
                      w0: np.ndarray) -> tuple[np.ndarray, int]:
    """Exact minimiser on the coordinates ``S`` (the others held at 0): the homotopy, warm-started."""
    w = np.zeros(xty.size)
    if S.size == 0:
        return w, 0
    QS = Q[np.ix_(S, S)]
    if not np.any(a1[S] > 0.0):
        try:
            w[S] = linalg.cho_solve(linalg.cho_factor(QS), xty[S])
        except linalg.LinAlgError:
            w[S] = linalg.lstsq(QS, xty[S])[0]
        return w, 0
    w[S], events = solve_l1_quadratic(QS, -xty[S], a1[S], np.ones(S.size, dtype=bool), w0[S])
    return w, events


def regularization_path(X: Any, y: Any, convention: str, *, fit_intercept: bool = True,
                        sample_weight: Any = None, noise_sigma: float = 1.0, screening: bool = True,
                        tol: float = DEFAULT_TOL, bound_tol: float = DEFAULT_BOUND_TOL,
                        **params: Any) -> RegularizationPath:
    r"""Exact MAP coefficients along a grid of penalty strengths, each point certified.

    Parameters
    ----------
    X : array-like (n, p)
        At least two rows.
    y : array-like (n,)
    convention : str
        A convention of the squared error (``"sklearn.Lasso"``, ``"sklearn.ElasticNet"``,
        ``"sklearn.Ridge"``, ``"glmnet"``, ``"statsmodels"``, ``"sum"``, ``"mse"``...).
    fit_intercept : bool, default=True
        Unpenalised intercept (eliminated exactly by centring).
    sample_weight : array-like (n,), optional
    noise_sigma : float, default=1.0
        The Gaussian noise scale :math:`\sigma_n` of the model: it sets the priors' scales (e.g.
        :math:`b = \sigma_n^2/(n\alpha)` for ``sklearn.Lasso``), not the MAP.
    screening : bool, default=True
        Use the sequential strong rule (every discarded coordinate is KKT-checked).
    tol, bound_tol : float
        Pass thresholds of the certificates (:func:`bayesreg.find_map`).
    **params
        The grid under the convention's own parameter name, as a sequence of values > 0
        (``alpha=np.geomspace(1, 1e-3, 30)``), and the convention's other parameters as scalars
        (``l1_ratio=0.5``).

    Returns
    -------
    RegularizationPath
        ``coef_`` (n_grid × p) and ``intercept_`` in the grid's order, the priors, their scales and
        the certificates.

    Examples
    --------
    >>> import numpy as np, bayesreg as br
    >>> from bayesreg.datasets import load_dataset
    >>> d = load_dataset("diabetes")
    >>> path = br.regularization_path(d.X, d.y, "sklearn.Lasso", alpha=np.geomspace(10, 0.01, 20))
    >>> path.coef_.shape, path.passed
    ((20, 10), True)
    """
    from bayesreg._validation import check_positive_float

    param, grid, fixed = split_grid(convention, params)
    _check_gaussian(convention)
    noise_sigma = check_positive_float("noise_sigma", "regularization_path", noise_sigma)
    data = RegressionData.from_xy(X, y, sample_weight=sample_weight, fit_intercept=fit_intercept)
    n, p = data.n_samples, data.n_features
    if n < 2:
        raise ValueError(f"The 'X' parameter of regularization_path must have at least 2 rows (a path "
                         f"needs data to fit); got {n} row.")
    likelihood = GaussianLikelihood(noise_sigma)
    conv = get_convention(convention)
    ctx: dict[str, Any] = {"n": n, "noise_sigma": noise_sigma, **fixed}
    if conv.needs_data:
        ctx.update(X=data.X, y=data.y)
    st = data.gram_stats
    sigma2 = noise_sigma**2
    mapped = [penalty_to_weights(convention, **ctx, **{param: float(v)}) for v in grid]
    weights = [_broadcast(pw, p) for pw in mapped]
    strength = np.array([float(np.sum(l1) + np.sum(l2)) for l1, l2 in weights])
    order = np.argsort(-strength, kind="stable")  # strongest penalty first: warm starts
    # the scale of the certificate: |grad f(0)|_inf (uncentred moments: X'y = xty + S xbar ybar)
    g0_w = (st.xty + st.weight_sum * st.xbar * st.ybar) / sigma2
    scale = float(max(np.max(np.abs(g0_w), initial=0.0), abs(st.weight_sum * st.ybar / sigma2) * fit_intercept))

    with serial_blas(0):  # small dense solves from here on: one BLAS thread (bayesreg.inference.blas)
        spectrum = gram_spectrum(st) if p <= n - int(fit_intercept) else (0.0, 0.0)
        coef, intercepts, certs, events, screened, violations, full = _follow(
            data, weights, mapped, order, spectrum, scale, sigma2, screening, tol, bound_tol, likelihood)
    priors = tuple(weights_to_prior(pw) for pw in mapped)
    with np.errstate(divide="ignore"):
        b = np.array([1.0 / l1 for l1, _ in weights])
        tau = np.array([1.0 / np.sqrt(2.0 * l2) for _, l2 in weights])
    return RegularizationPath(convention, param, grid, coef, intercepts, priors, b, tau,
                              tuple(certs), events, screened, violations, full, dict(fixed),  # type: ignore[arg-type]
                              noise_sigma, data.feature_names)


def _passes(value: float | None, w: np.ndarray, c: float, bound_tol: float) -> bool:
    return value is not None and value <= bound_tol * float(np.hypot(np.linalg.norm(w), c))


def _follow(data: RegressionData, weights: list, mapped: list, order: np.ndarray, spectrum: tuple[float, float],
            scale: float, sigma2: float, screening: bool, tol: float, bound_tol: float,
            likelihood: GaussianLikelihood) -> tuple:
    """Solve and certify every point, strongest penalty first (module docstring)."""
    st, n, p, fit_intercept = data.gram_stats, data.n_samples, data.n_features, data.fit_intercept
    grid_size = len(weights)
    coef = np.zeros((grid_size, p))
    intercepts = np.zeros(grid_size)
    certs: list[Certificate | None] = [None] * grid_size
    events = np.zeros(grid_size, dtype=int)
    screened = np.zeros(grid_size, dtype=int)
    violations = full = 0
    w = np.zeros(p)
    g = -st.xty.copy()  # G w - X'y at w = 0
    a_prev: np.ndarray | None = None
    for k in order:
        l1, l2 = weights[k]
        a1, d = sigma2 * l1, 2.0 * sigma2 * l2
        Q = st.gram + np.diag(d)
        if screening and np.any(a1 > 0.0):
            if a_prev is None:  # the first point: from lambda_max, the penalty that zeroes everything
                with np.errstate(divide="ignore", invalid="ignore"):
                    top = float(np.max(np.where(a1 > 0.0, np.abs(g) / a1, 0.0)))
                a_prev = a1 * max(top, 1.0)
            keep = (w != 0.0) | (a1 <= 0.0) | (np.abs(g) >= 2.0 * a1 - a_prev)
        else:
            keep = np.ones(p, dtype=bool)
        while True:
            S = np.flatnonzero(keep)
            w, ev = _restricted_solve(Q, st.xty, a1, S, w)
            events[k] += ev
            g = st.gram @ w - st.xty
            bad = ~keep & (np.abs(g) > a1)
            if not np.any(bad):
                break
            violations += int(bad.sum())
            keep |= bad
        screened[k] = int(p - keep.sum())
        prior = weights_to_prior(mapped[k])
        c = float(st.ybar - st.xbar @ w) if fit_intercept else 0.0
        bound = global_gram_bound(st, spectrum, d, a1, w, n) if spectrum[0] > 0.0 else None
        if bound is None or not _passes(bound.value, w, c, bound_tol):
            bound = gram_bound(st, d, a1, w, n)
        if not _passes(bound.value, w, c, bound_tol):
            full += 1
            sol = solve_gaussian_map(data, prior, likelihood, bound_tol=bound_tol, warm_start=w)
            events[k] += sol.events
            w, c, bound = sol.coef.copy(), sol.intercept, sol.bound
            g = st.gram @ w - st.xty
        theta = np.append(w, c) if fit_intercept else w.copy()
        grad = g / sigma2
        if fit_intercept:  # d f / d c = -S (ybar - xbar'w - c) / sigma^2 (0 at the optimal intercept)
            grad = np.append(grad, -st.weight_sum * (st.ybar - st.xbar @ w - c) / sigma2)
        certs[k] = certify(prior, theta, grad, fit_intercept=fit_intercept, scale=scale, tol=tol,
                           bound=bound, bound_tol=bound_tol)
        coef[k], intercepts[k] = w, c
        a_prev = a1
    return coef, intercepts, certs, events, screened, violations, full
