r"""Automatic relevance determination: type-II maximum likelihood with one prior precision per feature.

Model: as :mod:`bayesreg.inference.evidence` with :math:`w_j \sim N(0, 1/\lambda_j)` (scikit-learn's
``ARDRegression``). With :math:`G = \tilde X^T\tilde X`, :math:`b = \tilde X^T\tilde y`,
:math:`A = \text{diag}(\lambda) + \alpha G`, :math:`m = \alpha A^{-1}b`,
:math:`\Sigma = A^{-1}`, :math:`\gamma_j = 1 - \lambda_j\Sigma_{jj}`:

.. math::

    \log Z = \tfrac{n_e}{2}\log\frac{\alpha}{2\pi} + \tfrac12\sum_j\log\lambda_j
    - \tfrac{\alpha}{2}\|\tilde y - \tilde X m\|^2 - \tfrac12\sum_j\lambda_j m_j^2 - \tfrac12\log|A|
    - \tfrac12\log\textstyle\sum_i s_i,

maximised (``hyperprior=None``), or :math:`F = \log Z + a_1\log\alpha - a_2\alpha + \sum_j (l_1\log
\lambda_j - l_2\lambda_j)` with ARDRegression's Gamma(1e-6, 1e-6) priors and its count :math:`n_e = n`
(``hyperprior="sklearn"``), whose stationarity conditions are ARDRegression's updates
:math:`\lambda_j = (\gamma_j + 2l_1)/(m_j^2 + 2l_2)`, :math:`\alpha = (n_e - \sum_j\gamma_j + 2a_1)/
(\|\tilde y - \tilde X m\|^2 + 2a_2)`. The gradient in :math:`\theta = (\log\alpha, \log\lambda_1, \dots)`,

.. math::

    \partial_{\log\alpha}F = \tfrac{n_e - \sum_j\gamma_j}{2} - \tfrac{\alpha}{2}\|\tilde y - \tilde X m\|^2
    + a_1 - a_2\alpha, \qquad
    \partial_{\log\lambda_j}F = \tfrac{\gamma_j}{2} - \tfrac{\lambda_j m_j^2}{2} + l_1 - l_2\lambda_j,

is exact (one Cholesky factor of :math:`A`). The optimum: 20 MacKay updates as a start, L-BFGS on
:math:`-F` in :math:`\theta`, then Newton steps with the Hessian by central differences of the exact
gradient. The certificate is that gradient (relative to :math:`n_e/2 + p/2`) and the largest
eigenvalue of that Hessian (negative: a strict maximum). A precision that diverges
(:math:`\lambda_j \to \infty`: the evidence prefers :math:`w_j = 0`, which ARDRegression prunes at
``threshold_lambda``) has no finite maximum and is reported as an error naming the features.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import cho_factor, cho_solve
from scipy.optimize import minimize

from bayesreg.inference.evidence import EvidenceCertificate

__all__ = ["ArdProblem", "fit_ard", "fit_ard_problem"]

#: a precision beyond this times the largest eigenvalue of alpha G counts as diverging (w_j pruned)
_DIVERGED = 1e10


class ArdProblem:
    """The ARD objective on weighted-centred data (module docstring)."""

    def __init__(self, X: NDArray, y: NDArray, sample_weight: NDArray | None, *, fit_intercept: bool,
                 hyper: dict[str, float], sklearn_count: bool) -> None:
        n, p = X.shape
        sw = np.ones(n) if sample_weight is None else sample_weight
        if fit_intercept:
            self.x_off, self.y_off = np.average(X, axis=0, weights=sw), float(np.average(y, weights=sw))
        else:
            self.x_off, self.y_off = np.zeros(p), 0.0
        root = np.sqrt(sw)
        Xt, yt = (X - self.x_off) * root[:, None], (y - self.y_off) * root
        self.G, self.b, self.yy = Xt.T @ Xt, Xt.T @ yt, float(yt @ yt)
        self.Xt, self.yt, self.r0 = Xt, yt, 0.0
        total = float(np.sum(sw))
        self.n_e = total if sklearn_count else total - (1.0 if fit_intercept else 0.0)
        self.const = -0.5 * np.log(total) if fit_intercept else 0.0
        self.p, self.hyper = p, hyper

    @classmethod
    def from_moments(cls, gram: NDArray, xty: NDArray, yty: float, weight_sum: float, *, fit_intercept: bool,
                     x_offset: NDArray, y_offset: float, hyper: dict[str, float],
                     sklearn_count: bool) -> ArdProblem:
        r"""The same problem from the weighted, centred moments (no rows).

        With :math:`G = V\,\mathrm{diag}(s)\,V^\top` and :math:`z = V^\top\tilde X^\top\tilde y`, the
        :math:`q` pseudo-rows :math:`R = \mathrm{diag}(\sqrt s)\,V^\top`, :math:`r = z/\sqrt s` have the same
        :math:`R^\top R = G` and :math:`R^\top r = \tilde X^\top\tilde y`, and the residual sum of squares is
        :math:`\|\tilde y - \tilde X m\|^2 = R_0 + \|r - R m\|^2` with the constant
        :math:`R_0 = \tilde y^\top\tilde y - \|r\|^2` (Pythagoras: the part of :math:`\tilde y` outside
        the column space). The one cancellation is in :math:`R_0`; the :math:`m`-dependent part is a residual
        norm computed as on rows (the expanded :math:`\tilde y^\top\tilde y - 2m^\top\tilde X^\top\tilde y
        + m^\top G m` loses the digits the hyperparameter gradient needs when precisions diverge)."""
        prob = cls.__new__(cls)
        prob.x_off, prob.y_off = np.asarray(x_offset, dtype=float), float(y_offset)
        prob.G, prob.b, prob.yy = np.array(gram, dtype=float), np.asarray(xty, dtype=float), float(yty)
        evals, V = np.linalg.eigh(prob.G)
        keep = evals > max(evals[-1] if evals.size else 0.0, 0.0) * prob.G.shape[0] * np.finfo(float).eps
        root, z = np.sqrt(evals[keep]), V[:, keep].T @ prob.b
        # q pseudo-rows with the same G and X'y: Xt = diag(sqrt s) V', yt = z / sqrt s
        prob.Xt, prob.yt = root[:, None] * V[:, keep].T, z / root
        prob.r0 = max(prob.yy - float(prob.yt @ prob.yt), 0.0)
        prob.n_e = weight_sum if sklearn_count else weight_sum - (1.0 if fit_intercept else 0.0)
        prob.const = -0.5 * np.log(weight_sum) if fit_intercept else 0.0
        prob.p, prob.hyper = prob.G.shape[0], hyper
        return prob

    def _sse(self, m: NDArray) -> float:
        resid = self.yt - self.Xt @ m
        return self.r0 + float(resid @ resid)

    def parts(self, theta: NDArray) -> tuple[float, NDArray, NDArray, float, NDArray, float]:
        """``(alpha, lam, m, sse, diag(Sigma), log|A|)`` at ``theta``."""
        alpha, lam = float(np.exp(theta[0])), np.exp(theta[1:])
        A = alpha * self.G
        A[np.diag_indices_from(A)] += lam
        c = cho_factor(A, lower=True)
        m = alpha * cho_solve(c, self.b)
        sigma_diag = np.diag(cho_solve(c, np.eye(self.p)))
        logdet = 2.0 * float(np.sum(np.log(np.diag(c[0]))))
        return alpha, lam, m, self._sse(m), sigma_diag, logdet

    def objective(self, theta: NDArray) -> float:
        alpha, lam, m, sse, _, logdet = self.parts(theta)
        h = self.hyper
        log_z = self.log_evidence_at(alpha, lam, m, sse, logdet)
        return log_z + h["alpha_1"] * theta[0] - h["alpha_2"] * alpha + float(np.sum(h["lambda_1"] * theta[1:]
                                                                                    - h["lambda_2"] * lam))

    def log_evidence_at(self, alpha: float, lam: NDArray, m: NDArray, sse: float, logdet: float,
                        n_e: float | None = None) -> float:
        n_e = self.n_e if n_e is None else n_e
        return (0.5 * n_e * np.log(alpha / (2 * np.pi)) + 0.5 * float(np.sum(np.log(lam))) - 0.5 * alpha * sse
                - 0.5 * float(lam @ m**2) - 0.5 * logdet + self.const)

    def gradient(self, theta: NDArray) -> NDArray:
        alpha, lam, m, sse, sd, _ = self.parts(theta)
        h = self.hyper
        gamma = 1.0 - lam * sd
        g_a = 0.5 * (self.n_e - gamma.sum()) - 0.5 * alpha * sse + h["alpha_1"] - h["alpha_2"] * alpha
        g_l = 0.5 * gamma - 0.5 * lam * m**2 + h["lambda_1"] - h["lambda_2"] * lam
        return np.concatenate([[g_a], g_l])

    def mackay(self, theta: NDArray) -> NDArray:
        """One MacKay / ARDRegression update."""
        alpha, lam, m, sse, sd, _ = self.parts(theta)
        h = self.hyper
        gamma = 1.0 - lam * sd
        lam = (gamma + 2 * h["lambda_1"]) / (m**2 + 2 * h["lambda_2"])
        alpha = (self.n_e - gamma.sum() + 2 * h["alpha_1"]) / (sse + 2 * h["alpha_2"])
        return np.log(np.concatenate([[alpha], np.maximum(lam, np.finfo(float).tiny)]))

    def hessian(self, theta: NDArray, step: float = 1e-5) -> NDArray:
        H = np.empty((theta.size, theta.size))
        for j in range(theta.size):
            e = np.zeros(theta.size)
            e[j] = step
            H[:, j] = (self.gradient(theta + e) - self.gradient(theta - e)) / (2 * step)
        return 0.5 * (H + H.T)


def _certificate(prob: ArdProblem, theta: NDArray) -> EvidenceCertificate:
    g = prob.gradient(theta)
    scale = 0.5 * (prob.n_e + prob.p)
    curvature = float(np.max(np.linalg.eigvalsh(prob.hessian(theta))))
    return EvidenceCertificate(gradient=g, relative_gradient=float(np.max(np.abs(g)) / scale), scale=scale,
                               curvature=curvature)


def solve_ard(prob: ArdProblem) -> tuple[NDArray, int]:
    """Maximise the ARD objective; return ``(theta, iterations)``."""
    alpha0 = max(prob.n_e, 1.0) / max(prob.yy, np.finfo(float).tiny)
    theta = np.log(np.concatenate([[alpha0], np.ones(prob.p)]))
    bound = np.log(_DIVERGED * max(float(np.max(np.diag(prob.G))), 1.0) * 1e6)
    n_iter = 0
    for _ in range(20):
        theta = np.minimum(prob.mackay(theta), bound)
        n_iter += 1
    res = minimize(lambda t: -prob.objective(t), theta, jac=lambda t: -prob.gradient(t), method="L-BFGS-B",
                   bounds=[(None, None)] + [(None, bound)] * prob.p,
                   options={"maxiter": 10_000, "ftol": 0.0, "gtol": 1e-13 * (prob.n_e + prob.p)})
    theta, n_iter = res.x, n_iter + int(res.nit)
    for _ in range(8):  # Newton polish
        g = prob.gradient(theta)
        if np.max(np.abs(g)) <= 1e-13 * (prob.n_e + prob.p):
            break
        H = prob.hessian(theta)
        try:
            step = np.linalg.solve(H, -g)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)) or np.max(np.abs(step)) > 1.0:
            break
        cand = theta + step
        if np.max(np.abs(prob.gradient(cand))) >= np.max(np.abs(g)):
            break
        theta, n_iter = cand, n_iter + 1
    return theta, n_iter


def fit_ard(X: NDArray, y: NDArray, sample_weight: NDArray | None, *, fit_intercept: bool,
            hyper: dict[str, float], sklearn_count: bool) -> dict[str, object]:
    """Solve and certify; raise when a precision diverges (module docstring)."""
    prob = ArdProblem(X, y, sample_weight, fit_intercept=fit_intercept, hyper=hyper, sklearn_count=sklearn_count)
    total = float(np.sum(sample_weight) if sample_weight is not None else len(y))
    return fit_ard_problem(prob, total, fit_intercept)


def fit_ard_problem(prob: ArdProblem, weight_sum: float, fit_intercept: bool) -> dict[str, object]:
    """:func:`fit_ard` on a built problem (from rows or from moments, :meth:`ArdProblem.from_moments`)."""
    theta, n_iter = solve_ard(prob)
    alpha, lam, m, sse, _, logdet = prob.parts(theta)
    eig_max = float(np.max(np.linalg.eigvalsh(alpha * prob.G))) if prob.p else 0.0
    diverged = np.flatnonzero(lam > _DIVERGED * max(eig_max, 1.0))
    if diverged.size:
        raise ValueError(f"The ARD evidence has no finite maximum: the prior precisions of features "
                         f"{diverged.tolist()} diverge (the evidence prefers those weights at exactly 0; "
                         "ARDRegression prunes them). Drop those features, or use hyperprior='sklearn', whose "
                         "Gamma priors keep every precision finite.")
    exact_n_e = weight_sum - float(fit_intercept)
    log_z = prob.log_evidence_at(alpha, lam, m, sse, logdet, n_e=exact_n_e)  # exact, whatever the objective's count
    return {"alpha": alpha, "lam": lam, "coef": m, "intercept": prob.y_off - float(prob.x_off @ m),
            "log_evidence": float(log_z), "objective": float(prob.objective(theta)), "n_iter": n_iter,
            "certificate": _certificate(prob, theta)}
