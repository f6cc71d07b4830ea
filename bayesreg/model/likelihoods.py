r"""Likelihoods: Gaussian (identity link) and Bernoulli (logit link).

Both are written for a linear predictor :math:`\eta_i = c + x_i^\top w` and optional sample
weights :math:`s_i` (a weighted likelihood :math:`\prod_i p(y_i\mid\eta_i)^{s_i}`):

* Gaussian, noise scale :math:`\sigma`:
  :math:`-\log L = \frac{1}{2\sigma^2}\sum_i s_i (y_i - \eta_i)^2 + \frac{S}{2}\log(2\pi\sigma^2)`.
* Bernoulli-logit, :math:`y_i \in \{0, 1\}`:
  :math:`-\log L = \sum_i s_i\,[\log(1 + e^{\eta_i}) - y_i \eta_i]`.

The Gaussian likelihood can be added to a PyMC model in two identical forms: over all rows
(``form="rows"``), or through the sufficient statistics of :mod:`bayesreg.model.data`
(``form="suffstats"``, :class:`bayesreg.model.suffstats.SufficientStats`), whose gradient costs
:math:`O(p^2)` instead of :math:`O(np)`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy.special import expit

from bayesreg._validation import check_positive_float
from bayesreg.model.data import RegressionData
from bayesreg.model.rounding import U64, GradientFloor, rounding_gamma

__all__ = ["Likelihood", "GaussianLikelihood", "LogisticLikelihood", "get_likelihood", "rows_data_values",
           "symmetric_quad_form"]

LIKELIHOODS = ("gaussian", "logistic", "poisson", "negative_binomial", "student_t", "multinomial")


class Likelihood(ABC):
    """A likelihood for a linear predictor; knows its PyMC form and its NumPy log-density."""

    name: ClassVar[str]
    binary: ClassVar[bool]
    #: :math:`M` with :math:`|\tfrac{d}{d\eta}\log\phi''(\eta)| \le M` for the per-row curvature
    #: :math:`\phi''` (generalised self-concordance, Bach 2010): the curvature changes by at most a
    #: factor :math:`e^{\pm M|\Delta\eta|}`. 0: constant curvature (Gaussian).
    self_concordance: ClassVar[float] = np.inf
    #: The negative log-likelihood is convex in the coefficients (the MAP is global); else the MAP
    #: is a certified stationary point only.
    convex: ClassVar[bool] = True
    #: Accepts an offset in the linear predictor (count likelihoods: the log exposure).
    takes_offset: ClassVar[bool] = False

    def check_y(self, y: np.ndarray) -> None:
        """Raise a ``ValueError`` naming ``y`` when it is outside the likelihood's support."""
        return None

    @property
    def n_outputs(self) -> int:
        r"""Linear predictors per row: 1, or :math:`K` for the multinomial (weights of shape (K, p),
        intercepts (K,); the MAP's parameter vector is :math:`(\operatorname{vec}W, c)`)."""
        return 1

    def resolve(self, data: RegressionData) -> Likelihood:
        """This likelihood with any structure taken from the data filled in (the multinomial's
        number of classes); the others return themselves."""
        return self

    def check_map(self) -> None:
        """Raise a ``ValueError`` when a parameter is sampled (``None``): the MAP needs it fixed."""
        return None

    def mean(self, eta: np.ndarray) -> np.ndarray:
        r""":math:`E[y \mid \eta]` (the prediction at a point estimate)."""
        return eta

    @abstractmethod
    def nll(self, data: RegressionData, coef: np.ndarray, intercept: float) -> float:
        """Negative log-likelihood (constants included) in NumPy."""

    @abstractmethod
    def pointwise_loglik(self, data: RegressionData, eta: np.ndarray, **params: Any) -> np.ndarray:
        """Per-observation log-likelihood for linear predictors ``eta`` (broadcast over draws)."""

    @abstractmethod
    def data_values(self, data: RegressionData, form: str) -> dict[str, Any]:
        """The data the PyMC term reads, by ``pm.Data`` name (one source for build and reuse)."""

    @abstractmethod
    def add_to_model(self, d: dict[str, Any], eta: Any, coef: Any, intercept: Any,
                     form: str, sigma: Any = None) -> Any:
        """Add the likelihood term (reading containers ``d``) to the model on the context stack."""

    def curvature(self, eta: np.ndarray, weights: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
        r"""Per-row :math:`s_i\,\partial^2(-\log L_i)/\partial\eta_i^2` (for Newton steps; ``y`` for
        likelihoods whose curvature depends on it)."""
        raise NotImplementedError

    def nll_eta(self, y: np.ndarray, eta: np.ndarray) -> np.ndarray:
        r"""Per-row :math:`-\log p(y_i \mid \eta_i)` (constants included), unweighted; ``eta`` may have a
        trailing axis of draws, shape (n, S). The row-wise form the GLM fits at scale use
        (:mod:`bayesreg.inference.distributed`); a new likelihood implements it with :meth:`eta_derivatives`."""
        raise NotImplementedError(f"the {self.name} likelihood does not provide nll_eta (needed at scale)")

    def eta_derivatives(self, y: np.ndarray, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r"""Per-row first and second derivatives of :math:`-\log p(y_i \mid \eta_i)` in :math:`\eta_i`."""
        raise NotImplementedError(f"the {self.name} likelihood does not provide eta_derivatives (needed at scale)")

    def max_curvature(self) -> float:
        r""":math:`\sup_\eta \partial^2(-\log L_i)/\partial\eta^2` per unit weight (Lipschitz
        constants of the gradient in the error bound)."""
        raise NotImplementedError

    def gradient_floor(self, data: RegressionData, theta: np.ndarray) -> GradientFloor:
        r"""Bound on the rounding error of :math:`\nabla f(\theta)` (weights, then the intercept) as
        computed in double precision from the rows (:class:`~bayesreg.model.rounding.GradientFloor`):
        the certificate's error bound may not certify below it."""
        raise NotImplementedError

    def check_mode_exists(self, data: RegressionData, flat: np.ndarray) -> None:
        r"""Raise :class:`~bayesreg.model.identifiability.NoPosteriorModeError` when the posterior has
        no unique mode along the flat coordinates ``flat`` (and the intercept): the hook of
        :mod:`bayesreg.model.identifiability`. The default refuses more flat coefficients than the
        rank of their columns (true of any likelihood of :math:`\eta = c + Xw`); likelihoods that
        can be separated add their own condition."""
        from bayesreg.model.identifiability import check_rank

        check_rank(data, flat)


_QUAD_FORM: list[Any] = []
#: features from which the Gaussian suffstats model uses :func:`symmetric_quad_form`; below, PyTensor's
#: plain form (two cheap products), which also keeps small models' draws identical to earlier versions
QUAD_FORM_MIN_FEATURES = 100


def rows_data_values(data: RegressionData) -> dict[str, Any]:
    r"""The ``pm.Data`` values of a likelihood written over the rows, one source for its build and reuse.

    Returns ``{"X": X, "y_obs": y}`` plus ``"sample_weight"`` when the data carry weights :math:`s_i`
    (the log-likelihood is then :math:`\sum_i s_i \log p(y_i \mid \eta_i)`).
    """
    values: dict[str, Any] = {"X": data.X, "y_obs": data.y}
    if data.sample_weight is not None:
        values["sample_weight"] = data.sample_weight
    return values


def symmetric_quad_form(gram: Any, coef: Any) -> Any:
    r""":math:`w^\top G w` for a symmetric :math:`G`, with the gradient :math:`2Gw` (PyTensor).

    Written plainly, PyTensor differentiates :math:`w^\top(Gw)` into :math:`Gw + G^\top w`: two
    matrix-vector products, and numba (nutpie) copies :math:`G^\top` to a contiguous array on every
    call (measured at p = 1000: 4.7 ms per gradient against 0.29 ms). This inlined ``OpFromGraph``
    states the gradient :math:`2Gw` — one product shared with the value — and stays differentiable
    (its Hessian is :math:`2G`, what the MAP's Newton step uses).
    """
    if not _QUAD_FORM:
        import pytensor.tensor as pt
        from pytensor.compile.builders import OpFromGraph

        G, w = pt.matrix("G"), pt.vector("w")

        def lop(inputs: list[Any], outputs: list[Any], output_grads: list[Any]) -> list[Any]:
            Gi, wi = inputs
            (gz,) = output_grads
            return [pt.outer(wi, wi) * gz, 2.0 * pt.dot(Gi, wi) * gz]

        _QUAD_FORM.append(OpFromGraph([G, w], [pt.dot(w, pt.dot(G, w))], lop_overrides=lop, inline=True))
    return _QUAD_FORM[0](gram, coef)


@dataclass(frozen=True)
class GaussianLikelihood(Likelihood):
    """Gaussian likelihood with noise scale ``noise_sigma`` (``None``: sampled, NUTS only)."""

    noise_sigma: float | None = 1.0
    name: ClassVar[str] = "gaussian"
    binary: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if self.noise_sigma is not None:
            object.__setattr__(
                self, "noise_sigma",
                check_positive_float("noise_sigma", "GaussianLikelihood", self.noise_sigma),
            )

    def nll(self, data: RegressionData, coef: np.ndarray, intercept: float) -> float:
        sigma = self._fixed_sigma()
        r = data.y - data.linear_predictor(coef, intercept)
        rss = float(data.weights @ r**2)
        return rss / (2 * sigma**2) + 0.5 * data.weight_sum * np.log(2 * np.pi * sigma**2)

    self_concordance: ClassVar[float] = 0.0

    def curvature(self, eta: np.ndarray, weights: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
        return weights / self._fixed_sigma() ** 2

    def nll_eta(self, y: np.ndarray, eta: np.ndarray) -> np.ndarray:
        sigma = self._fixed_sigma()
        r = (y.reshape(y.shape + (1,) * (eta.ndim - y.ndim)) - eta) / sigma
        return 0.5 * r * r + 0.5 * np.log(2 * np.pi * sigma**2)

    def eta_derivatives(self, y: np.ndarray, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s2 = self._fixed_sigma() ** 2
        return (eta - y) / s2, np.full(eta.shape, 1.0 / s2)

    def max_curvature(self) -> float:
        return 1.0 / self._fixed_sigma() ** 2

    def pointwise_loglik(self, data: RegressionData, eta: np.ndarray, **params: Any) -> np.ndarray:
        sigma = params.get("sigma", self.noise_sigma)
        sigma = np.asarray(sigma, dtype=float)[..., None] if np.ndim(sigma) else float(sigma)
        z = (data.y - eta) / sigma
        return data.weights * (-0.5 * z**2 - np.log(sigma) - 0.5 * np.log(2 * np.pi))

    def _fixed_sigma(self) -> float:
        if self.noise_sigma is None:
            raise ValueError(
                "noise_sigma must be a positive number for the MAP (a fixed noise scale); "
                "got None (a sampled noise scale is only available with method='nuts')."
            )
        return self.noise_sigma

    def data_values(self, data: RegressionData, form: str) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if self.noise_sigma is not None:
            values["noise_sigma"] = self.noise_sigma
        if form == "suffstats":
            st = data.suffstats
            gram, xty, yty = st.quadratic_form(data.fit_intercept)
            values.update(gram=gram, xty=xty, yty=yty, weight_sum=st.weight_sum)
            if data.fit_intercept:
                values.update(xbar=st.mean_x, ybar=st.mean_y)
            return values
        if form != "rows":
            raise ValueError(f"form must be 'rows' or 'suffstats'; got {form!r}.")
        values.update(X=data.X, y_obs=data.y)
        if data.sample_weight is not None:
            values["sample_weight"] = data.sample_weight
        return values

    def add_to_model(self, d: dict[str, Any], eta: Any, coef: Any, intercept: Any,
                     form: str, sigma: Any = None) -> Any:
        import pymc as pm
        import pytensor.tensor as pt

        sigma = d["noise_sigma"] if sigma is None else sigma
        if form == "suffstats":
            gram = d["gram"]
            large = gram.get_value(borrow=True).shape[0] >= QUAD_FORM_MIN_FEATURES
            wgw = symmetric_quad_form(gram, coef) if large else pt.dot(coef, pt.dot(gram, coef))
            quad = d["yty"] - 2.0 * pt.dot(coef, d["xty"]) + wgw
            if "xbar" in d:
                quad = quad + d["weight_sum"] * (d["ybar"] - pt.dot(d["xbar"], coef) - intercept) ** 2
            loglik = (-0.5 * d["weight_sum"] * pt.log(2 * np.pi * sigma**2)
                      - quad / (2.0 * sigma**2))
            return pm.Potential("loglik", loglik)
        if "sample_weight" not in d:
            return pm.Normal("y", mu=eta, sigma=sigma, observed=d["y_obs"], dims="obs")
        dist = pm.Normal.dist(mu=eta, sigma=sigma)
        return pm.Potential("loglik", pt.sum(d["sample_weight"] * pm.logp(dist, d["y_obs"])))


@dataclass(frozen=True)
class LogisticLikelihood(Likelihood):
    """Bernoulli likelihood with logit link; ``y`` must be in {0, 1}."""

    name: ClassVar[str] = "logistic"
    binary: ClassVar[bool] = True

    def nll(self, data: RegressionData, coef: np.ndarray, intercept: float) -> float:
        eta = data.linear_predictor(coef, intercept)
        return float(data.weights @ (np.logaddexp(0.0, eta) - data.y * eta))

    self_concordance: ClassVar[float] = 1.0  # |(log s(1 - s))'| = |1 - 2s| <= 1, s = expit

    def curvature(self, eta: np.ndarray, weights: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
        p = expit(eta)
        return weights * p * (1.0 - p)

    def nll_eta(self, y: np.ndarray, eta: np.ndarray) -> np.ndarray:
        yy = y.reshape(y.shape + (1,) * (eta.ndim - y.ndim))
        return np.logaddexp(0.0, eta) - yy * eta

    def eta_derivatives(self, y: np.ndarray, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = expit(eta)
        return p - y, p * (1.0 - p)

    def max_curvature(self) -> float:
        return 0.25

    def check_mode_exists(self, data: RegressionData, flat: np.ndarray) -> None:
        """Rank of the flat columns, then no separation along them (an LP, HiGHS): see
        :mod:`bayesreg.model.identifiability`."""
        from bayesreg.model.identifiability import check_rank, separating_direction, separation_error

        check_rank(data, flat)
        v = separating_direction(data, flat)
        if v is not None:
            raise separation_error(data, flat, v, "logistic")

    def gradient_floor(self, data: RegressionData, theta: np.ndarray, u: float = U64) -> GradientFloor:
        r"""Rounding of :math:`\nabla f = \tilde X^\top(s \circ (\operatorname{expit}(\eta) - y))` computed
        with unit roundoff ``u`` (double by default; :mod:`bayesreg.inference.extended_gradient` computes
        it in long double).

        :math:`\eta_i` errs by at most :math:`e_\eta = \gamma_{p+1}(\max_i\|x_i\|\,\|w\| + |c|)`,
        which moves :math:`\operatorname{expit}` by at most :math:`\phi''(\eta_i)e_\eta \le e_\eta/4`;
        the residual :math:`\operatorname{expit}(\eta) - y` carries a few more units of roundoff and the
        sum over rows :math:`\gamma_n`. Each :math:`|\cdot|` is at most 1, so coordinate :math:`j`
        errs by at most :math:`(\gamma_n + 4u)A_j` directly and :math:`e_\eta A_j/4` through
        :math:`\eta`, :math:`A_j = \sum_i s_i|x_{ij}|`; in the curvature norm the latter is at most
        :math:`e_\eta\sqrt{\sum_i s_i/4}`.
        """
        p = data.n_features
        w = theta[:p]
        c = float(theta[p]) if data.fit_intercept else 0.0
        col_abs, row_max = data.magnitudes
        if data.fit_intercept:
            col_abs = np.append(col_abs, data.weight_sum)
        e_eta = rounding_gamma(p + 1, u) * (row_max * float(np.linalg.norm(w)) + abs(c))
        return GradientFloor((rounding_gamma(data.n_samples, u) + 4 * u) * col_abs, 0.25 * e_eta * col_abs,
                             e_eta * float(np.sqrt(0.25 * data.weight_sum)))

    def pointwise_loglik(self, data: RegressionData, eta: np.ndarray, **params: Any) -> np.ndarray:
        return data.weights * (data.y * eta - np.logaddexp(0.0, eta))

    def mean(self, eta: np.ndarray) -> np.ndarray:
        return expit(eta)

    def data_values(self, data: RegressionData, form: str) -> dict[str, Any]:
        return rows_data_values(data)

    def add_to_model(self, d: dict[str, Any], eta: Any, coef: Any, intercept: Any,
                     form: str, sigma: Any = None) -> Any:
        import pymc as pm
        import pytensor.tensor as pt

        if "sample_weight" not in d:
            return pm.Bernoulli("y", logit_p=eta, observed=d["y_obs"], dims="obs")
        y = d["y_obs"]
        return pm.Potential("loglik", pt.sum(d["sample_weight"] * (y * eta - pt.softplus(eta))))


def get_likelihood(likelihood: str | Likelihood, noise_sigma: float | None = 1.0) -> Likelihood:
    """Resolve a name of :data:`LIKELIHOODS` (or pass a :class:`Likelihood` through).

    ``"negative_binomial"`` is ``NegativeBinomial(alpha=1.0)`` and ``"student_t"`` is
    ``StudentT(nu=4, sigma=noise_sigma)``; ``"multinomial"`` is ``Multinomial()`` (its number of
    classes taken from the data); pass the objects for other parameters.
    """
    if isinstance(likelihood, Likelihood):
        return likelihood
    if likelihood == "gaussian":
        return GaussianLikelihood(noise_sigma)
    if likelihood == "logistic":
        return LogisticLikelihood()
    from bayesreg.model import glm_likelihoods as glm

    if likelihood == "poisson":
        return glm.Poisson()
    if likelihood == "negative_binomial":
        return glm.NegativeBinomial()
    if likelihood == "student_t":
        return glm.StudentT(sigma=noise_sigma)
    if likelihood == "multinomial":
        from bayesreg.model.multinomial import Multinomial

        return Multinomial()
    raise ValueError(
        f"likelihood must be one of {', '.join(repr(k) for k in LIKELIHOODS)}; got {likelihood!r}."
    )
