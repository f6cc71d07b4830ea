r"""Likelihoods for counts (Poisson, negative binomial) and robust regression (Student-t).

All are written for a linear predictor :math:`\eta_i = o_i + c + x_i^\top w` with an optional
offset :math:`o_i` (count likelihoods: the log exposure) and sample weights :math:`s_i`:

* Poisson, log link, :math:`\mu_i = e^{\eta_i}`, :math:`y_i \in \{0, 1, 2, \dots\}`:
  :math:`-\log L = \sum_i s_i\,[e^{\eta_i} - y_i\eta_i + \log y_i!]`.
* Negative binomial NB2, log link, dispersion :math:`\alpha > 0` (variance
  :math:`\mu + \alpha\mu^2`; :math:`\alpha \to 0` is Poisson):
  :math:`-\log L = \sum_i s_i\,[(y_i + \alpha^{-1})\log(1 + \alpha e^{\eta_i}) - y_i(\eta_i + \log\alpha)
  - \log\Gamma(y_i + \alpha^{-1}) + \log\Gamma(\alpha^{-1}) + \log y_i!]`
  (``pm.NegativeBinomial(mu, alpha=1/alpha)``). With :math:`\alpha` fixed it is convex in
  :math:`\eta` (a log-sum-exp plus a linear term), so the MAP is a convex problem; ``alpha=None``
  samples it (NUTS) under a :math:`\text{HalfNormal}(1)` prior.
* Student-t, location :math:`\eta_i`, scale :math:`\sigma`, degrees of freedom :math:`\nu`:
  :math:`-\log L = \sum_i s_i\,[\tfrac{\nu+1}{2}\log(1 + r_i^2/(\nu\sigma^2)) + \log\sigma
  + \log\tfrac{\Gamma(\nu/2)\sqrt{\nu\pi}}{\Gamma((\nu+1)/2)}]`, :math:`r_i = y_i - \eta_i`.
  Not convex (:math:`\phi''(r) < 0` for :math:`r^2 > \nu\sigma^2`): its MAP is a certified
  **stationary point**, which may be local. ``nu=None`` / ``sigma=None`` sample them (NUTS) under
  :math:`\nu \sim \text{Gamma}(2, 0.1)` (Juárez & Steel 2010) and
  :math:`\sigma \sim \text{HalfStudentT}(4, \text{sd}(y))`.

The curvature per row (:math:`\phi''` of :math:`\phi_i(\eta) = -\log p(y_i\mid\eta)`) is
:math:`e^\eta` (Poisson), :math:`(y_i + \alpha^{-1})\,q(1 - q)` with
:math:`q = \operatorname{expit}(\eta + \log\alpha)` (NB2) and, as a Newton *direction* only, the
Fisher information :math:`(\nu + 1)/((\nu + 3)\sigma^2)` (Student-t). Poisson and NB2 are
self-concordant with :math:`M = 1` (:math:`|(\log\phi'')'| \le 1`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy.special import expit, gammaln

from bayesreg._validation import check_positive_float
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import Likelihood, rows_data_values
from bayesreg.model.rounding import U64, GradientFloor, rounding_gamma

__all__ = ["Poisson", "NegativeBinomial", "StudentT", "check_counts"]


def check_counts(y: np.ndarray, owner: str) -> None:
    """Refuse a target that is not made of non-negative integers (the count likelihoods)."""
    y = np.asarray(y, dtype=float)
    bad = np.flatnonzero((y < 0) | (y != np.round(y)))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"The 'y' parameter of {owner} must hold non-negative integer counts; got "
                         f"{float(y[i])!r} at row {i}" + (f" (and {bad.size - 1} more)" if bad.size > 1 else "") + ".")


def _y_factorial(data: RegressionData) -> np.ndarray:
    return gammaln(data.y + 1.0)


class _CountLikelihood(Likelihood):
    """Shared by the log-link count likelihoods: offset, y check, existence check, rounding."""

    binary: ClassVar[bool] = False
    self_concordance: ClassVar[float] = 1.0
    takes_offset: ClassVar[bool] = True

    def check_y(self, y: np.ndarray) -> None:
        check_counts(y, type(self).__name__)

    def _psi(self, eta: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r""":math:`\phi'(\eta)` and a bound on the magnitude of the terms it is computed from."""
        raise NotImplementedError

    def check_mode_exists(self, data: RegressionData, flat: np.ndarray) -> None:
        r"""Rank of the flat columns, then no direction :math:`v` of them with
        :math:`a = \tilde X_{\mathcal F}v \le 0`, :math:`a_i = 0` where :math:`y_i > 0` and
        :math:`a \ne 0`: along it :math:`\eta_i \to -\infty` on rows with :math:`y_i = 0` and every
        term keeps decreasing towards its infimum, which is not attained (e.g. an intercept with all
        :math:`y = 0`). See :func:`bayesreg.model.identifiability.zero_count_direction`."""
        from bayesreg.model.identifiability import check_rank, zero_count_direction, zero_count_error

        check_rank(data, flat)
        v = zero_count_direction(data, flat)
        if v is not None:
            raise zero_count_error(data, flat, v, self.name)

    def gradient_floor(self, data: RegressionData, theta: np.ndarray) -> GradientFloor:
        r"""Rounding of :math:`\nabla f = \tilde X^\top(s\circ\phi'(\eta))`: the sum over rows and the
        residual err by at most :math:`(\gamma_n + 4u)\sum_i s_i|x_{ij}|\,m_i` (:math:`m_i` the size
        of the terms of :math:`\phi'`), the linear predictor by :math:`e_\eta =
        \gamma_{p+1}(\max_i\|x_i\|\|w\| + |c| + \max|o|)`, which moves :math:`\phi'` by
        :math:`\phi''_i e_\eta` (to first order; :math:`e_\eta \approx 10^{-14}`)."""
        p = data.n_features
        w = theta[:p]
        c = float(theta[p]) if data.fit_intercept else 0.0
        eta = data.linear_predictor(w, c)
        _, size = self._psi(eta, data.y)
        d2 = self.curvature(eta, np.ones_like(eta), data.y)
        off = float(np.max(np.abs(data.offset))) if data.offset is not None else 0.0
        e_eta = rounding_gamma(p + 2) * (data.magnitudes[1] * float(np.linalg.norm(w)) + abs(c) + off)
        s = data.weights
        V = np.column_stack([s * size, s * d2])
        sums = np.zeros((data.n_features, 2))
        rows = max(16, min(1024, (1 << 17) // max(data.n_features, 1)))  # |X| in ~1 MB blocks, one pass
        buf = np.empty((rows, data.n_features))
        for start in range(0, data.n_samples, rows):
            stop = min(start + rows, data.n_samples)
            sums += np.abs(data.X[start:stop], out=buf[: stop - start]).T @ V[start:stop]
        direct = (rounding_gamma(data.n_samples) + 4 * U64) * sums[:, 0]
        via = e_eta * sums[:, 1]
        if data.fit_intercept:
            direct = np.append(direct, (rounding_gamma(data.n_samples) + 4 * U64) * float(s @ size))
            via = np.append(via, e_eta * float(s @ d2))
        return GradientFloor(direct, via, e_eta * float(np.sqrt(s @ d2)))

    def data_values(self, data: RegressionData, form: str) -> dict[str, Any]:
        values = rows_data_values(data)
        if data.offset is not None:
            values["offset"] = data.offset
        return values

    def mean(self, eta: np.ndarray) -> np.ndarray:
        r"""The mean :math:`E[y] = e^\eta`."""
        return np.exp(eta)


@dataclass(frozen=True)
class Poisson(_CountLikelihood):
    r"""Poisson likelihood with log link, :math:`y_i \sim \text{Poisson}(e^{\eta_i})` (module docstring)."""

    name: ClassVar[str] = "poisson"

    def nll(self, data: RegressionData, coef: np.ndarray, intercept: float) -> float:
        eta = data.linear_predictor(coef, intercept)
        return float(data.weights @ (np.exp(eta) - data.y * eta + _y_factorial(data)))

    def _psi(self, eta: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mu = np.exp(eta)
        return mu - y, mu + y

    def curvature(self, eta: np.ndarray, weights: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
        return weights * np.exp(eta)

    def max_curvature(self) -> float:
        return np.inf

    def pointwise_loglik(self, data: RegressionData, eta: np.ndarray, **params: Any) -> np.ndarray:
        return data.weights * (data.y * eta - np.exp(eta) - _y_factorial(data))

    def predictive_draws(self, eta: np.ndarray, rng: np.random.Generator, **params: Any) -> np.ndarray:
        """One Poisson draw per linear predictor."""
        return rng.poisson(np.exp(eta))

    def add_to_model(self, d: dict[str, Any], eta: Any, coef: Any, intercept: Any,
                     form: str, sigma: Any = None) -> Any:
        import pymc as pm
        import pytensor.tensor as pt

        y = d["y_obs"]
        if "sample_weight" not in d:
            return pm.Poisson("y", mu=pt.exp(eta), observed=y, dims="obs")
        return pm.Potential("loglik", pt.sum(d["sample_weight"] * (y * eta - pt.exp(eta) - pt.gammaln(y + 1.0))))


@dataclass(frozen=True)
class NegativeBinomial(_CountLikelihood):
    r"""NB2 likelihood with log link: mean :math:`\mu = e^\eta`, variance :math:`\mu + \alpha\mu^2`.

    Parameters
    ----------
    alpha : float or None, default=1.0
        Dispersion :math:`\alpha > 0` (statsmodels' ``NegativeBinomial(alpha)``; PyMC's
        ``alpha`` is :math:`1/\alpha`). ``None``: sampled with NUTS under HalfNormal(1).
    """

    alpha: float | None = 1.0
    name: ClassVar[str] = "negative_binomial"

    def __post_init__(self) -> None:
        if self.alpha is not None:
            object.__setattr__(self, "alpha", check_positive_float("alpha", "NegativeBinomial", self.alpha))

    def check_map(self) -> None:
        self._fixed_alpha()

    def _fixed_alpha(self) -> float:
        if self.alpha is None:
            raise ValueError("The 'alpha' parameter of NegativeBinomial must be a positive number for the MAP "
                             "(a fixed dispersion); got None (a sampled dispersion needs method='nuts').")
        return self.alpha

    @staticmethod
    def _terms(eta: np.ndarray, y: np.ndarray, alpha: Any) -> np.ndarray:
        r = 1.0 / alpha
        return ((y + r) * np.logaddexp(0.0, eta + np.log(alpha)) - y * (eta + np.log(alpha))
                - gammaln(y + r) + gammaln(r) + gammaln(y + 1.0))

    def nll(self, data: RegressionData, coef: np.ndarray, intercept: float) -> float:
        eta = data.linear_predictor(coef, intercept)
        return float(data.weights @ self._terms(eta, data.y, self._fixed_alpha()))

    def _psi(self, eta: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = self._fixed_alpha()
        q = expit(eta + np.log(a))
        return (y + 1.0 / a) * q - y, (y + 1.0 / a) * q + y

    def curvature(self, eta: np.ndarray, weights: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
        a = self._fixed_alpha()
        q = expit(eta + np.log(a))
        return weights * (y + 1.0 / a) * q * (1.0 - q)

    def max_curvature(self) -> float:
        return np.inf  # (y + 1/alpha)/4 grows with y

    def pointwise_loglik(self, data: RegressionData, eta: np.ndarray, **params: Any) -> np.ndarray:
        alpha = params.get("alpha", self.alpha)
        alpha = np.asarray(alpha, dtype=float)[..., None] if np.ndim(alpha) else float(alpha)
        return -data.weights * self._terms(eta, data.y, alpha)

    def predictive_draws(self, eta: np.ndarray, rng: np.random.Generator, **params: Any) -> np.ndarray:
        r"""One NB2 draw per linear predictor: Poisson(:math:`\mu\,G`), :math:`G \sim
        \text{Gamma}(1/\alpha, \text{scale}=\alpha)`."""
        alpha = params.get("alpha", self.alpha)
        alpha = np.asarray(alpha, dtype=float)[..., None] if np.ndim(alpha) else float(alpha)
        gamma = rng.gamma(1.0 / alpha, alpha, size=np.shape(eta))
        return rng.poisson(np.exp(eta) * gamma)

    def add_to_model(self, d: dict[str, Any], eta: Any, coef: Any, intercept: Any,
                     form: str, sigma: Any = None) -> Any:
        import pymc as pm
        import pytensor.tensor as pt

        alpha = pm.HalfNormal("alpha", 1.0) if self.alpha is None else self.alpha
        y = d["y_obs"]
        if "sample_weight" not in d:
            return pm.NegativeBinomial("y", mu=pt.exp(eta), alpha=1.0 / alpha, observed=y, dims="obs")
        r = 1.0 / alpha
        terms = ((y + r) * pt.softplus(eta + pt.log(alpha)) - y * (eta + pt.log(alpha))
                 - pt.gammaln(y + r) + pt.gammaln(r) + pt.gammaln(y + 1.0))
        return pm.Potential("loglik", -pt.sum(d["sample_weight"] * terms))


@dataclass(frozen=True)
class StudentT(Likelihood):
    r"""Student-t likelihood for robust regression: :math:`y_i = \eta_i + \sigma\varepsilon_i`,
    :math:`\varepsilon_i \sim t_\nu`.

    Parameters
    ----------
    nu : float or None, default=4.0
        Degrees of freedom :math:`\nu > 0`; ``None`` samples it (NUTS; Gamma(2, 0.1) prior).
    sigma : float or None, default=1.0
        Scale :math:`\sigma > 0`; ``None`` samples it (NUTS; HalfStudentT(4, sd(y)) prior).

    The MAP (``nu`` and ``sigma`` fixed) is not a convex problem: the solver returns a point whose
    KKT residual is certified (a stationary point of the posterior), which may be a **local** mode;
    no global error bound is claimed.
    """

    nu: float | None = 4.0
    sigma: float | None = 1.0
    name: ClassVar[str] = "student_t"
    binary: ClassVar[bool] = False
    convex: ClassVar[bool] = False

    def __post_init__(self) -> None:
        for field in ("nu", "sigma"):
            value = getattr(self, field)
            if value is not None:
                object.__setattr__(self, field, check_positive_float(field, "StudentT", value))

    def check_map(self) -> None:
        self._fixed()

    def _fixed(self) -> tuple[float, float]:
        if self.nu is None or self.sigma is None:
            raise ValueError("The 'nu' and 'sigma' parameters of StudentT must be positive numbers for the MAP "
                             f"(fixed); got nu={self.nu!r}, sigma={self.sigma!r} (None: sampled, method='nuts').")
        return self.nu, self.sigma

    @staticmethod
    def _logpdf(r: np.ndarray, nu: Any, sigma: Any) -> np.ndarray:
        return (gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * np.log(nu * np.pi) - np.log(sigma)
                - (nu + 1) / 2 * np.log1p((r / sigma) ** 2 / nu))

    def nll(self, data: RegressionData, coef: np.ndarray, intercept: float) -> float:
        nu, sigma = self._fixed()
        r = data.y - data.linear_predictor(coef, intercept)
        return -float(data.weights @ self._logpdf(r, nu, sigma))

    def curvature(self, eta: np.ndarray, weights: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
        """The Fisher information per row (positive: a Newton *direction*; the true curvature can be < 0)."""
        nu, sigma = self._fixed()
        return weights * (nu + 1.0) / ((nu + 3.0) * sigma**2)

    def max_curvature(self) -> float:
        nu, sigma = self._fixed()
        return (nu + 1.0) / (nu * sigma**2)

    def gradient_floor(self, data: RegressionData, theta: np.ndarray) -> GradientFloor:
        m = theta.size
        return GradientFloor(np.zeros(m), np.zeros(m), 0.0)  # no error bound is certified (non-convex)

    def pointwise_loglik(self, data: RegressionData, eta: np.ndarray, **params: Any) -> np.ndarray:
        def get(name: str) -> Any:
            v = params.get(name, getattr(self, name))
            return np.asarray(v, dtype=float)[..., None] if np.ndim(v) else float(v)

        return data.weights * self._logpdf(data.y - eta, get("nu"), get("sigma"))

    def predictive_draws(self, eta: np.ndarray, rng: np.random.Generator, **params: Any) -> np.ndarray:
        def get(name: str) -> Any:
            v = params.get(name, getattr(self, name))
            return np.asarray(v, dtype=float)[..., None] if np.ndim(v) else float(v)

        return eta + get("sigma") * rng.standard_t(get("nu"), size=np.shape(eta))

    def mean(self, eta: np.ndarray) -> np.ndarray:
        return eta

    def data_values(self, data: RegressionData, form: str) -> dict[str, Any]:
        return rows_data_values(data)

    def add_to_model(self, d: dict[str, Any], eta: Any, coef: Any, intercept: Any,
                     form: str, sigma: Any = None) -> Any:
        import pymc as pm
        import pytensor.tensor as pt

        y = d["y_obs"]
        nu = pm.Gamma("nu", alpha=2.0, beta=0.1) if self.nu is None else self.nu
        if self.sigma is None:
            scale = float(np.std(y.get_value())) or 1.0
            sig = pm.HalfStudentT("sigma", nu=4, sigma=scale)
        else:
            sig = self.sigma
        if "sample_weight" not in d:
            return pm.StudentT("y", nu=nu, mu=eta, sigma=sig, observed=y, dims="obs")
        dist = pm.StudentT.dist(nu=nu, mu=eta, sigma=sig)
        return pm.Potential("loglik", pt.sum(d["sample_weight"] * pm.logp(dist, y)))
