r"""Park & Casella's Monte Carlo EM for the marginal-likelihood :math:`\lambda` of the Bayesian lasso.

Model (Park & Casella 2008, JASA 103:681-686; :class:`bayesreg.BayesianLasso`):
:math:`y = c 1 + X\beta + \varepsilon`, :math:`\varepsilon \sim N(0, \sigma^2 I)`, flat :math:`c`,
:math:`p(\sigma^2) \propto 1/\sigma^2`, :math:`\beta_j \mid \sigma \sim \text{Laplace}(0, \sigma/\lambda)`,
written as :math:`\beta_j \mid \sigma, \tau_j \sim N(0, \sigma^2\tau_j^2)`,
:math:`\tau_j^2 \sim \text{Exp}(\text{rate} = \lambda^2/2)`. The marginal likelihood
:math:`m(\lambda) = p(y \mid \lambda)` is maximised by EM with :math:`(\beta, \sigma, \tau)` missing:
the complete-data log-likelihood depends on :math:`\lambda` only through
:math:`\sum_j [\log(\lambda^2/2) - \lambda^2\tau_j^2/2]`, so the M-step is

.. math::

    \lambda^{(k+1)} = T(\lambda^{(k)}) = \sqrt{\frac{2p}{\sum_j E_{\lambda^{(k)}}[\tau_j^2 \mid y]}},

and the E-step is a Monte Carlo average over Gibbs draws, Rao-Blackwellised through
:math:`1/\tau_j^2 \mid \beta, \sigma, \lambda \sim \text{InvGaussian}(\sqrt{\lambda^2\sigma^2/\beta_j^2},
\lambda^2)`:

.. math::

    E[\tau_j^2 \mid \beta, \sigma, \lambda] = \frac{|\beta_j|}{\lambda\sigma} + \frac{1}{\lambda^2}.

:math:`\lambda^{(0)} = p\,\hat\sigma_{LS}/\sum_j|\hat\beta_{LS,j}|` (Park & Casella's start; 1 when
least squares is not defined). After ``n_iter`` EM steps the first half is discarded and
:math:`\hat\lambda` is the mean of the remaining iterates of all chains; ``lam_mcse`` is its Monte Carlo
standard error from ArviZ's ESS of those (autocorrelated) iterates. The **certificate** is one more
E-step at :math:`\hat\lambda` with fresh draws: the fixed-point residual :math:`\hat T(\hat\lambda) -
\hat\lambda` (zero at the EM fixed point, i.e. a zero score :math:`d\log m/d\lambda`) with its Monte
Carlo error; since :math:`0 \le T' < 1` for EM, :math:`|T(\hat\lambda) - \hat\lambda| \le
|\hat\lambda - \lambda^*|`, so it passes when within 4 MCSE of the two combined.

The Gibbs engine here (all chains advanced together, batched linear algebra) is written for speed;
the independent reference :func:`bayesreg.reference.gibbs_linear.gibbs_bayesian_lasso` checks it in the
tests, and NUTS (:func:`bayesreg.inference.sample_posterior`) checks the fixed point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bayesreg.inference.blas import serial_blas

__all__ = ["LassoGibbs", "McemCertificate", "McemFit", "fixed_point_map", "mcem_bayesian_lasso", "mcem_from_moments"]


class LassoGibbs:
    r"""Gibbs sampler of the Bayesian lasso at fixed :math:`\lambda`, ``chains`` chains advanced together.

    Full conditionals (intercept integrated out: centred data, :math:`n - 1` residual degrees of freedom;
    with weights :math:`s_i` the weighted likelihood :math:`\prod_i p(y_i)^{s_i}`, :math:`\sum s_i - 1`):
    :math:`\beta \mid \cdot \sim N(A^{-1}X^T y, \sigma^2 A^{-1})`, :math:`A = X^TX + D_\tau^{-1}`;
    :math:`\sigma^2 \mid \cdot \sim \text{InvGamma}((n_e + p)/2, (\|y - X\beta\|^2 + \beta^T
    D_\tau^{-1}\beta)/2)`; :math:`1/\tau_j^2 \mid \cdot \sim \text{InvGaussian}(\sqrt{\lambda^2\sigma^2
    /\beta_j^2}, \lambda^2)`.
    """

    def __init__(self, gram: NDArray, xty: NDArray, yty: float, n_e: float, *, chains: int,
                 rng: np.random.Generator) -> None:
        self.gram, self.xty, self.yty, self.n_e = gram, xty, yty, n_e
        self.p = gram.shape[0]
        self.rng = rng
        self.eta = np.ones((chains, self.p))  # 1/tau^2
        self.sigma2 = np.full(chains, max(yty / max(n_e, 1.0), np.finfo(float).tiny))
        self.beta = np.zeros((chains, self.p))

    def sweep(self, lam: NDArray) -> None:
        """One scan (beta, sigma^2, 1/tau^2) of every chain; ``lam`` is ``(chains,)`` (one value per chain)."""
        rng, p = self.rng, self.p
        A = self.gram + self.eta[:, :, None] * np.eye(p)
        L = np.linalg.cholesky(A)
        mean = np.linalg.solve(A, np.broadcast_to(self.xty, self.eta.shape)[..., None])[..., 0]
        noise = np.linalg.solve(np.swapaxes(L, 1, 2), rng.standard_normal(self.eta.shape)[..., None])[..., 0]
        beta = mean + np.sqrt(self.sigma2)[:, None] * noise
        rss = self.yty - 2 * beta @ self.xty + np.einsum("ci,ij,cj->c", beta, self.gram, beta)
        scale = 0.5 * (np.maximum(rss, 0.0) + np.sum(self.eta * beta**2, axis=1))
        self.sigma2 = scale / rng.gamma(0.5 * (self.n_e + p), size=scale.shape)
        absb = np.maximum(np.abs(beta), 1e-100 * np.sqrt(self.sigma2)[:, None])
        lam2 = np.broadcast_to(lam**2, self.sigma2.shape)[:, None]
        self.eta = rng.wald(np.sqrt(lam2 * self.sigma2[:, None]) / absb, np.broadcast_to(lam2, beta.shape))
        self.beta = beta

    def expected_tau2_sum(self, lam: NDArray) -> NDArray[np.float64]:
        r""":math:`\sum_j E[\tau_j^2 \mid \beta, \sigma, \lambda]` of every chain at the current draw."""
        sigma = np.sqrt(self.sigma2)
        return np.sum(np.abs(self.beta), axis=1) / (lam * sigma) + self.p / lam**2

    def e_step(self, lam: NDArray, draws: int) -> tuple[NDArray, NDArray, NDArray]:
        """``draws`` sweeps at ``lam`` (``(chains,)``): the Rao-Blackwellised sums ``(chains, draws)``,
        sigma draws ``(chains, draws)`` and the mean beta of each chain ``(chains, p)``."""
        sums = np.empty((self.eta.shape[0], draws))
        sig = np.empty_like(sums)
        beta_sum = np.zeros_like(self.beta)
        for d in range(draws):
            self.sweep(lam)
            sums[:, d] = self.expected_tau2_sum(lam)
            sig[:, d] = np.sqrt(self.sigma2)
            beta_sum += self.beta
        return sums, sig, beta_sum / draws


def fixed_point_map(p: int, tau2_sum_mean: NDArray | float) -> NDArray | float:
    r"""The EM update :math:`T = \sqrt{2p / \sum_j E[\tau_j^2]}`."""
    return np.sqrt(2.0 * p / tau2_sum_mean)


def _mcse(x: NDArray) -> float:
    import arviz as az

    return float(np.asarray(az.mcse(np.asarray(x, dtype=float))).ravel()[0])


@dataclass(frozen=True)
class McemCertificate:
    r"""The EM fixed-point check at :math:`\hat\lambda` (module docstring).

    Attributes
    ----------
    residual : float
        :math:`\hat T(\hat\lambda) - \hat\lambda` from fresh draws at :math:`\hat\lambda`.
    mcse : float
        Its Monte Carlo standard error combined with ``lam_mcse``:
        :math:`\sqrt{\text{mcse}(\hat T)^2 + \text{lam\_mcse}^2}`.
    tol_mcse : float
        Pass when ``|residual| <= tol_mcse * mcse`` (4).
    """

    residual: float
    mcse: float
    tol_mcse: float = 4.0

    @property
    def passed(self) -> bool:
        return bool(abs(self.residual) <= self.tol_mcse * self.mcse)

    def __str__(self) -> str:
        verdict = "EM fixed point" if self.passed else "NOT an EM fixed point"
        return (f"fixed-point residual T(lam) - lam = {self.residual:.3g} "
                f"(MCSE {self.mcse:.3g}, tol {self.tol_mcse:g} MCSE): {verdict}")


@dataclass(frozen=True)
class McemFit:
    """The Monte Carlo EM result: ``lam``, its MCSE, the trace and the posterior summaries at ``lam``."""

    lam: float
    lam_mcse: float
    trace: NDArray[np.float64]
    noise_sigma: float
    coef: NDArray[np.float64]
    intercept: float
    n_iter: int
    certificate: McemCertificate


def _start(gram: NDArray, xty: NDArray, yty: float, n_e: float) -> float:
    p = gram.shape[0]
    try:
        b = np.linalg.solve(gram, xty)
    except np.linalg.LinAlgError:
        return 1.0
    rss = yty - b @ xty
    if not (n_e > p and rss > 0 and np.all(np.isfinite(b)) and np.sum(np.abs(b)) > 0):
        return 1.0
    return float(p * np.sqrt(rss / (n_e - p)) / np.sum(np.abs(b)))


def mcem_bayesian_lasso(X: NDArray, y: NDArray, sample_weight: NDArray | None, *, fit_intercept: bool,
                        n_iter: int, draws: int, burn: int, chains: int, random_seed: object) -> McemFit:
    """Run the Monte Carlo EM of the module docstring on validated data."""
    n, p = X.shape
    sw = np.ones(n) if sample_weight is None else sample_weight
    if fit_intercept:
        x_off, y_off = np.average(X, axis=0, weights=sw), float(np.average(y, weights=sw))
    else:
        x_off, y_off = np.zeros(p), 0.0
    root = np.sqrt(sw)
    Xt, yt = (X - x_off) * root[:, None], (y - y_off) * root
    gram, xty, yty = Xt.T @ Xt, Xt.T @ yt, float(yt @ yt)
    return mcem_from_moments(gram, xty, yty, float(np.sum(sw)), fit_intercept=fit_intercept, x_offset=x_off,
                             y_offset=y_off, n_iter=n_iter, draws=draws, burn=burn, chains=chains,
                             random_seed=random_seed)


def mcem_from_moments(gram: NDArray, xty: NDArray, yty: float, weight_sum: float, *, fit_intercept: bool,
                      x_offset: NDArray, y_offset: float, n_iter: int, draws: int, burn: int, chains: int,
                      random_seed: object) -> McemFit:
    r""":func:`mcem_bayesian_lasso` from the weighted, centred moments :math:`\tilde X^\top\tilde X`,
    :math:`\tilde X^\top\tilde y`, :math:`\tilde y^\top\tilde y` (all the Gibbs sampler reads) and the means."""
    p = gram.shape[0]
    x_off, y_off = np.asarray(x_offset, dtype=float), float(y_offset)
    n_e = float(weight_sum) - (1.0 if fit_intercept else 0.0)
    rng = random_seed if isinstance(random_seed, np.random.Generator) else np.random.default_rng(random_seed)
    engine = LassoGibbs(gram, xty, yty, n_e, chains=chains, rng=rng)
    with serial_blas(chains * p * p):  # (chains, p, p) batches: threads only add spin-waiting
        return _run(engine, lam0=_start(gram, xty, yty, n_e), n_iter=n_iter, draws=draws, burn=burn,
                    x_off=x_off, y_off=y_off)


def _run(engine: LassoGibbs, *, lam0: float, n_iter: int, draws: int, burn: int, x_off: NDArray,
         y_off: float) -> McemFit:
    chains, p = engine.eta.shape
    lams = np.full(chains, lam0)
    for _ in range(burn):
        engine.sweep(lams)
    trace = np.empty((chains, n_iter + 1))
    trace[:, 0] = lams
    for k in range(n_iter):  # every chain runs its own EM sequence: independent replicates for the MCSE
        sums, _, _ = engine.e_step(lams, draws)
        lams = fixed_point_map(p, sums.mean(axis=1))
        trace[:, k + 1] = lams
    kept = trace[:, 1 + n_iter // 2:]
    lam_hat = float(kept.mean())
    lam_mcse = _mcse(kept)
    # certificate: one more E-step at lam_hat with fresh draws (after re-burning at lam_hat)
    at = np.full(chains, lam_hat)
    for _ in range(burn):
        engine.sweep(at)
    sums, sig, beta_means = engine.e_step(at, max(draws, 4) * 4)
    s_bar = float(sums.mean())
    t_hat = float(fixed_point_map(p, s_bar))
    t_mcse = t_hat / (2 * s_bar) * _mcse(sums)  # delta method: dT/dS = -T/(2S)
    cert = McemCertificate(residual=t_hat - lam_hat, mcse=float(np.hypot(t_mcse, lam_mcse)))
    coef = beta_means.mean(axis=0)
    return McemFit(lam=lam_hat, lam_mcse=lam_mcse, trace=trace, noise_sigma=float(sig.mean()), coef=coef,
                   intercept=y_off - float(x_off @ coef), n_iter=n_iter, certificate=cert)
