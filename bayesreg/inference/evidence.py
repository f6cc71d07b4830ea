r"""Exact type-II maximum likelihood for the Gaussian prior (the evidence of ridge regression).

Model: :math:`y_i = c + x_i^T w + \varepsilon_i`, :math:`\varepsilon_i \sim N(0, 1/\alpha)` (noise
precision :math:`\alpha`), the weighted likelihood :math:`\prod_i p(y_i \mid w, c)^{s_i}` of bayesreg (sample
weights :math:`s_i`, default 1: frequency weights), :math:`w \sim N(0, \lambda^{-1} I_p)`
(prior precision :math:`\lambda`, i.e. ``Gaussian(sigma=1/sqrt(lam))``) and a flat prior on the intercept
:math:`c`. Integrating :math:`w` and :math:`c` out gives the **log evidence**

.. math::

    \log Z(\alpha, \lambda) = \tfrac{n_e}{2}\log\frac{\alpha}{2\pi} + \tfrac{p}{2}\log\lambda
    - \tfrac{\alpha}{2}\|\tilde y - \tilde X m\|^2 - \tfrac{\lambda}{2}\|m\|^2 - \tfrac12\log|A|
    - \tfrac12\log\textstyle\sum_i s_i,

with :math:`A = \lambda I + \alpha \tilde X^T\tilde X`, :math:`m = \alpha A^{-1}\tilde X^T\tilde y` (the
posterior mean = the MAP), :math:`\tilde X, \tilde y` the weighted-centred data times
:math:`\sqrt{s_i}`, :math:`n_e = \sum_i s_i - 1` (the flat intercept absorbs one degree of freedom;
without an intercept: no centring, :math:`n_e = \sum_i s_i` and no :math:`\log\sum s_i` term).

**One decomposition.** With the eigenvalues :math:`s_k > 0` (rank :math:`q`) of
:math:`\tilde X^T\tilde X`, :math:`z = V^T\tilde X^T\tilde y`, :math:`\omega_k = z_k^2/s_k` and the
least-squares residual :math:`R_0`, everything depends on :math:`\alpha` and the ratio
:math:`r = \lambda/\alpha` (the ``alpha`` of ``sklearn.linear_model.Ridge``) through :math:`O(q)` sums:
:math:`E(r) = \|\tilde y - \tilde X m\|^2 + r\|m\|^2 = R_0 + \sum_k \omega_k r/(r + s_k)`,

.. math::

    \log Z = \tfrac{n_e}{2}\log\frac{\alpha}{2\pi} - \tfrac{\alpha}{2}E(r) + \tfrac{q}{2}\log r
    - \tfrac12\sum_k\log(r + s_k) + \text{const}.

**The objective.** ``hyperprior=None`` maximises :math:`\log Z` (plain type-II ML).
``hyperprior="sklearn"`` maximises the log posterior of :math:`(\log\alpha, \log\lambda)` under
scikit-learn BayesianRidge's priors :math:`\alpha \sim \Gamma(a_1, a_2)`, :math:`\lambda \sim
\Gamma(l_1, l_2)` (shape, rate; all 1e-6) with BayesianRidge's count :math:`n_e = \sum_i s_i` (``n``
without weights: it treats the centred rows as that many observations, without the intercept's minus 1).
Since the Gamma density of :math:`\alpha` in :math:`\log\alpha` is :math:`\propto \alpha^{a_1} e^{-a_2\alpha}`,
this is

.. math::

    F(\alpha, \lambda) = \log Z + a_1\log\alpha - a_2\alpha + l_1\log\lambda - l_2\lambda
    \quad (+\ \text{const}),

whose stationarity conditions are exactly BayesianRidge's updates
:math:`\lambda = (\gamma + 2l_1)/(\|m\|^2 + 2l_2)`, :math:`\alpha = (n - \gamma + 2a_1)/(\|\tilde y -
\tilde X m\|^2 + 2a_2)`, :math:`\gamma = \sum_k \alpha s_k/(\lambda + \alpha s_k)`.

**Exact 2-D optimisation.** For fixed :math:`r`, :math:`F` is maximised by :math:`\alpha^*(r) = N/B(r)`
with :math:`N = n_e/2 + a_1 + l_1`, :math:`B(r) = E(r)/2 + a_2 + l_2 r`, leaving the 1-D profile
:math:`P(u)`, :math:`u = \log r`, with derivative

.. math::

    P'(u) = \tfrac{q}{2} + l_1 - \tfrac12\sum_k\frac{r}{r + s_k} - N\frac{r B'(r)}{B(r)}, \qquad
    B'(r) = \tfrac12\sum_k\frac{\omega_k s_k}{(r + s_k)^2} + l_2.

:math:`P'` is scanned on a log grid spanning the spectrum; every sign change + → − brackets a local
maximum, solved to machine precision by Brent's method, and the highest is kept. The **certificate** is
the gradient of :math:`F` in :math:`(\log\alpha, \log\lambda)` at the optimum,

.. math::

    \partial_{\log\alpha}F = \tfrac{n_e - \gamma}{2} - \tfrac{\alpha}{2}\|\tilde y - \tilde X m\|^2
    + a_1 - a_2\alpha, \qquad
    \partial_{\log\lambda}F = \tfrac{\gamma}{2} - \tfrac{\lambda}{2}\|m\|^2 + l_1 - l_2\lambda,

computed independently of the profile, relative to :math:`n_e/2 + q/2`, and the sign of
:math:`P''` (a maximum, not a saddle).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

__all__ = ["SKLEARN_HYPERPRIOR", "EvidenceCertificate", "Spectrum", "GaussianEvidenceFit", "gaussian_spectrum",
           "fit_gaussian_evidence", "log_evidence", "evidence_gradient", "spectrum_from_moments"]

#: BayesianRidge's Gamma priors (shape, rate) on the noise precision alpha and the weight precision lambda
SKLEARN_HYPERPRIOR = {"alpha_1": 1e-6, "alpha_2": 1e-6, "lambda_1": 1e-6, "lambda_2": 1e-6}
_NO_HYPERPRIOR = {"alpha_1": 0.0, "alpha_2": 0.0, "lambda_1": 0.0, "lambda_2": 0.0}

#: the optimum passes when every gradient component is below this, relative to n_e/2 + q/2
DEFAULT_EVIDENCE_TOL = 1e-8


@dataclass(frozen=True)
class Spectrum:
    """The data of the Gaussian evidence after one eigen/SVD decomposition.

    Attributes
    ----------
    s : ndarray (q,)
        Positive eigenvalues of :math:`\\tilde X^T \\tilde X`.
    z : ndarray (q,)
        :math:`V^T \\tilde X^T \\tilde y` on those eigenvectors.
    V : ndarray (p, q)
        The eigenvectors.
    r0 : float
        Least-squares residual :math:`R_0 = \\|\\tilde y - \\tilde X b\\|^2`, :math:`b` the minimum-norm fit.
    n_e : float
        Effective number of observations in :math:`\\log Z`.
    p : int
        Number of features.
    const : float
        :math:`-\\tfrac12\\log\\sum s_i` with an intercept, else 0.
    x_offset, y_offset : ndarray (p,), float
        The (weighted) column means subtracted (zeros without an intercept).
    """

    s: NDArray[np.float64]
    z: NDArray[np.float64]
    V: NDArray[np.float64]
    r0: float
    n_e: float
    p: int
    const: float
    x_offset: NDArray[np.float64]
    y_offset: float

    @property
    def rank(self) -> int:
        return int(self.s.size)

    @property
    def omega(self) -> NDArray[np.float64]:
        return self.z**2 / self.s


def gaussian_spectrum(X: NDArray, y: NDArray, sample_weight: NDArray | None, *, fit_intercept: bool,
                      sklearn_count: bool = False) -> Spectrum:
    """Centre and weight the data and decompose it once (eigh of the Gram matrix when n >= p, else a
    thin SVD of the rows); ``sklearn_count`` uses BayesianRidge's :math:`n_e = \\sum_i s_i` instead of
    the exact :math:`\\sum_i s_i - 1` of a model with an intercept."""
    n, p = X.shape
    sw = np.ones(n) if sample_weight is None else sample_weight
    if fit_intercept:
        x_off = np.average(X, axis=0, weights=sw)
        y_off = float(np.average(y, weights=sw))
    else:
        x_off, y_off = np.zeros(p), 0.0
    root = np.sqrt(sw)
    Xt = X - x_off
    if sample_weight is not None:
        Xt *= root[:, None]
    yt = (y - y_off) * root
    if n >= p:
        gram = Xt.T @ Xt
        evals, V = np.linalg.eigh(gram)
        keep = evals > max(evals[-1], 0.0) * max(n, p) * np.finfo(float).eps
        s, V = evals[keep], V[:, keep]
        z = V.T @ (Xt.T @ yt)
        resid = yt - Xt @ (V @ (z / s))
    else:
        U, sv, Vt = np.linalg.svd(Xt, full_matrices=False)
        keep = sv > (sv[0] if sv.size else 0.0) * np.sqrt(max(n, p) * np.finfo(float).eps)
        s, V = sv[keep] ** 2, Vt[keep].T
        uy = U[:, keep].T @ yt
        z = sv[keep] * uy
        resid = yt - U[:, keep] @ uy
    total = float(np.sum(sw))
    n_e = total if sklearn_count else total - (1.0 if fit_intercept else 0.0)
    const = -0.5 * np.log(total) if fit_intercept else 0.0
    return Spectrum(s=s, z=z, V=V, r0=float(resid @ resid), n_e=n_e, p=p, const=const,
                    x_offset=np.asarray(x_off, dtype=float), y_offset=y_off)


def spectrum_from_moments(gram: NDArray, xty: NDArray, yty: float, weight_sum: float, *, n_rows: int,
                          fit_intercept: bool, x_offset: NDArray, y_offset: float,
                          sklearn_count: bool = False) -> Spectrum:
    r""":func:`gaussian_spectrum` from the weighted, centred moments alone (no rows).

    With :math:`G = \tilde X^\top\tilde X` (``gram``), :math:`\tilde X^\top\tilde y` (``xty``) and
    :math:`\tilde y^\top\tilde y` (``yty``): the eigendecomposition :math:`G = V\,\mathrm{diag}(s)\,V^\top`
    (the same eigenvalue cut as :func:`gaussian_spectrum`), :math:`z = V^\top\tilde X^\top\tilde y`, and the
    least-squares residual :math:`R_0 = \|\tilde y - \tilde X V\,\mathrm{diag}(1/s)\,z\|^2 =
    \tilde y^\top\tilde y - \sum_k z_k^2/s_k` (expand the square and use :math:`V^\top G V =
    \mathrm{diag}(s)`; clipped at 0 against rounding). ``n_rows`` enters only the eigenvalue cut.
    """
    p = gram.shape[0]
    evals, V = np.linalg.eigh(gram)
    keep = evals > max(evals[-1] if p else 0.0, 0.0) * max(n_rows, p) * np.finfo(float).eps
    s, V = evals[keep], V[:, keep]
    z = V.T @ xty
    r0 = max(float(yty) - float(z @ (z / s)), 0.0)
    n_e = weight_sum if sklearn_count else weight_sum - (1.0 if fit_intercept else 0.0)
    const = -0.5 * np.log(weight_sum) if fit_intercept else 0.0
    return Spectrum(s=s, z=z, V=V, r0=r0, n_e=n_e, p=p, const=const, x_offset=np.asarray(x_offset, dtype=float),
                    y_offset=float(y_offset))


def _terms(spec: Spectrum, alpha: float, lam: float) -> tuple[float, float, float, float]:
    """``(rmse, |m|^2, gamma, log|A|)`` at (alpha, lambda)."""
    r = lam / alpha
    s, om = spec.s, spec.omega
    shrink = r / (r + s)
    rmse = spec.r0 + float(np.sum(om * shrink**2))
    m2 = float(np.sum(om * s / (r + s) ** 2))
    gamma = float(np.sum(s / (r + s)))
    logdet = float(np.sum(np.log(lam + alpha * s))) + (spec.p - spec.rank) * np.log(lam)
    return rmse, m2, gamma, logdet


def log_evidence(spec: Spectrum, alpha: float, lam: float) -> float:
    """:math:`\\log Z(\\alpha, \\lambda)` of the module docstring (exact, constants included)."""
    rmse, m2, _, logdet = _terms(spec, alpha, lam)
    return (0.5 * spec.n_e * np.log(alpha / (2 * np.pi)) + 0.5 * spec.p * np.log(lam) - 0.5 * alpha * rmse
            - 0.5 * lam * m2 - 0.5 * logdet + spec.const)


def evidence_gradient(spec: Spectrum, alpha: float, lam: float, hyper: dict[str, float]) -> NDArray[np.float64]:
    """:math:`(\\partial_{\\log\\alpha}F, \\partial_{\\log\\lambda}F)` (module docstring), from the full
    two-parameter objective, not from the profile."""
    rmse, m2, gamma, _ = _terms(spec, alpha, lam)
    g_a = 0.5 * (spec.n_e - gamma) - 0.5 * alpha * rmse + hyper["alpha_1"] - hyper["alpha_2"] * alpha
    g_l = 0.5 * gamma - 0.5 * lam * m2 + hyper["lambda_1"] - hyper["lambda_2"] * lam
    return np.array([g_a, g_l])


@dataclass(frozen=True)
class EvidenceCertificate:
    """Optimality certificate of an empirical-Bayes optimum.

    Attributes
    ----------
    gradient : ndarray (2,) or (p + 1,)
        Gradient of the maximised objective in the log hyperparameters
        (:math:`\\log\\alpha`, then :math:`\\log\\lambda` or :math:`\\log\\lambda_j`).
    relative_gradient : float
        ``max|gradient| / scale``; 0 at the optimum up to rounding.
    scale : float
        :math:`n_e/2 + q/2`, the size of the terms that cancel at the optimum.
    curvature : float
        Second derivative of the profile along :math:`\\log r` (negative: a strict maximum); NaN
        where it is not computed.
    tol : float
        Pass threshold on ``relative_gradient``.
    """

    gradient: NDArray[np.float64]
    relative_gradient: float
    scale: float
    curvature: float
    tol: float = DEFAULT_EVIDENCE_TOL

    @property
    def passed(self) -> bool:
        """The gradient vanishes to ``tol`` and the point is not a minimum of the profile."""
        return bool(self.relative_gradient <= self.tol and not self.curvature > 0)

    def __str__(self) -> str:
        verdict = "stationary maximum" if self.passed else "NOT an optimum"
        return (f"evidence gradient {np.max(np.abs(self.gradient)):.3g} (relative {self.relative_gradient:.3g}, "
                f"tol {self.tol:.0e}), curvature {self.curvature:.3g}: {verdict}")


def certify_evidence(spec: Spectrum, alpha: float, lam: float, hyper: dict[str, float], *,
                     tol: float = DEFAULT_EVIDENCE_TOL) -> EvidenceCertificate:
    """Certificate of :math:`(\\alpha, \\lambda)`: the gradient of :math:`F` and the profile's curvature."""
    g = evidence_gradient(spec, alpha, lam, hyper)
    scale = 0.5 * (spec.n_e + spec.rank)
    u, h = np.log(lam / alpha), 1e-4
    curv = (_profile_slope(u + h, spec, hyper) - _profile_slope(u - h, spec, hyper)) / (2 * h)
    return EvidenceCertificate(gradient=g, relative_gradient=float(np.max(np.abs(g)) / scale), scale=scale,
                               curvature=float(curv), tol=tol)


def _alpha_star(spec: Spectrum, r: float, hyper: dict[str, float]) -> float:
    N = 0.5 * spec.n_e + hyper["alpha_1"] + hyper["lambda_1"]
    E = spec.r0 + float(np.sum(spec.omega * r / (r + spec.s)))
    return N / (0.5 * E + hyper["alpha_2"] + hyper["lambda_2"] * r)


def _profile(spec: Spectrum, u: float, hyper: dict[str, float]) -> float:
    r = np.exp(u)
    alpha = _alpha_star(spec, r, hyper)
    lam = r * alpha
    return (log_evidence(spec, alpha, lam) + hyper["alpha_1"] * np.log(alpha) - hyper["alpha_2"] * alpha
            + hyper["lambda_1"] * np.log(lam) - hyper["lambda_2"] * lam)


def _profile_slope(u: float, spec: Spectrum, hyper: dict[str, float]) -> float:
    r = np.exp(u)
    s, om = spec.s, spec.omega
    N = 0.5 * spec.n_e + hyper["alpha_1"] + hyper["lambda_1"]
    E = spec.r0 + float(np.sum(om * r / (r + s)))
    B = 0.5 * E + hyper["alpha_2"] + hyper["lambda_2"] * r
    dB = 0.5 * float(np.sum(om * s / (r + s) ** 2)) + hyper["lambda_2"]
    return 0.5 * spec.rank + hyper["lambda_1"] - 0.5 * float(np.sum(r / (r + s))) - N * r * dB / B


@dataclass(frozen=True)
class GaussianEvidenceFit:
    """The optimum: precisions, posterior mean, objective values and certificate."""

    alpha: float
    lam: float
    coef: NDArray[np.float64]
    intercept: float
    log_evidence: float
    objective: float
    n_iter: int
    certificate: EvidenceCertificate


def fit_gaussian_evidence(spec: Spectrum, hyper: dict[str, float], *, grid_size: int = 241) -> GaussianEvidenceFit:
    """Maximise :math:`F` (module docstring): grid scan of :math:`P'(u)`, Brent on each bracket.

    Raises
    ------
    ValueError
        When the data carry no signal to fit (zero rank or zero residual-free variance) or the
        maximum lies at :math:`r \\to 0` or :math:`r \\to \\infty` (no finite optimum).
    """
    if spec.rank == 0:
        raise ValueError("Empirical Bayes needs at least one non-constant feature: the centred design matrix X "
                         "is zero (every column constant), so the evidence does not depend on the prior scale.")
    if spec.n_e <= 0:
        raise ValueError("Empirical Bayes needs at least 2 observations with a positive weight "
                         f"(one more than the intercept absorbs); got {spec.n_e + 1:g}.")
    smax, smin = float(spec.s.max()), float(spec.s.min())
    us = np.linspace(np.log(smin) - 16 * np.log(10), np.log(smax) + 12 * np.log(10), grid_size)
    slopes = np.array([_profile_slope(u, spec, hyper) for u in us])
    n_iter = grid_size
    candidates: list[float] = []
    for k in np.flatnonzero((slopes[:-1] > 0) & (slopes[1:] <= 0)):
        if slopes[k + 1] == 0:
            candidates.append(float(us[k + 1]))
            continue
        root, info = brentq(_profile_slope, us[k], us[k + 1], args=(spec, hyper), xtol=1e-14, rtol=1e-15,
                            full_output=True)
        n_iter += info.function_calls
        candidates.append(float(root))
    if not candidates:
        top = _profile(spec, float(us[-1]), hyper) >= _profile(spec, float(us[0]), hyper)
        where = "r -> infinity (all coefficients 0: the data show no linear signal)" if top else \
            "r -> 0 (no shrinkage and vanishing noise: least squares fits the data (almost) exactly)"
        raise ValueError(f"The evidence has no finite maximum in the prior precision: it increases towards {where}. "
                         "Empirical Bayes is not defined for these data; choose the penalty another way.")
    u = max(candidates, key=lambda c: _profile(spec, c, hyper))
    r = float(np.exp(u))
    alpha = _alpha_star(spec, r, hyper)
    lam = r * alpha
    coef = spec.V @ (spec.z / (r + spec.s))
    intercept = spec.y_offset - float(spec.x_offset @ coef)
    return GaussianEvidenceFit(alpha=alpha, lam=lam, coef=coef, intercept=intercept,
                               log_evidence=float(log_evidence(spec, alpha, lam)),
                               objective=float(_profile(spec, u, hyper)), n_iter=n_iter,
                               certificate=certify_evidence(spec, alpha, lam, hyper))
