r"""Build the PyMC model of a Bayesian regression; no fitting happens here.

The model is

.. math::

    w_j \sim \text{prior}, \qquad c \sim \text{Flat}, \qquad
    y_i \mid w, c \sim \text{likelihood}(\eta_i = c + x_i^\top w),

with named variables ``coef`` (dim ``feature``, named after the columns), ``intercept`` and, when
the Gaussian noise scale is sampled, ``sigma``. MAP (:mod:`bayesreg.inference.map`) and NUTS
(:mod:`bayesreg.inference.sampling`) are two ways to fit the same model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bayesreg.model.data import RegressionData
from bayesreg.model.global_local import add_global_local, is_global_local
from bayesreg.model.likelihoods import GaussianLikelihood, Likelihood
from bayesreg.model.priors import Prior

__all__ = ["BuiltModel", "build_model", "resolve_form", "FORMS"]

FORMS = ("auto", "rows", "suffstats")
PARAMETERIZATIONS = ("auto", "centered", "mixture")
DATA_DIMS = {"X": ("obs", "feature"), "y_obs": "obs", "sample_weight": "obs", "offset": "obs"}


@dataclass(frozen=True, eq=False)
class BuiltModel:
    """A PyMC model plus the handles the fitting routines need."""

    model: Any
    likelihood_term: Any
    form: str
    data: RegressionData
    prior: Prior
    likelihood: Likelihood
    #: the coefficients integrated out (global-local prior, ``parameterization="marginal"``); drawn after sampling
    marginal: Any = None


def resolve_form(likelihood: Likelihood, form: str) -> str:
    """``"auto"`` picks the sufficient-statistics form for Gaussian, rows for logistic."""
    if form not in FORMS:
        raise ValueError(f"form must be one of {', '.join(map(repr, FORMS))}; got {form!r}.")
    if form == "auto":
        return "suffstats" if isinstance(likelihood, GaussianLikelihood) else "rows"
    if form == "suffstats" and not isinstance(likelihood, GaussianLikelihood):
        raise ValueError(
            "form='suffstats' needs the Gaussian likelihood (its log-density is quadratic in the "
            f"weights); got likelihood {likelihood.name!r}. Use form='rows' or 'auto'."
        )
    return form


def default_noise_prior(data: RegressionData) -> Any:
    r"""Weakly-informative noise prior scaled to the data: :math:`\sigma \sim
    \text{HalfStudentT}(\nu = 4, \text{sd}(y))`; must be called inside a model context
    (:data:`bayesreg.model.noise.DEFAULT_NOISE_PRIOR`)."""
    from bayesreg.model.noise import DEFAULT_NOISE_PRIOR

    return DEFAULT_NOISE_PRIOR(data)


def half_student_t_noise(scale: float) -> Any:
    r"""A ``noise_prior`` callable: :math:`\sigma \sim \text{HalfStudentT}(4, \text{scale})`."""
    def make(data: RegressionData) -> Any:
        import pymc as pm

        return pm.HalfStudentT("sigma", nu=4, sigma=scale)

    return make


def build_model(
    data: RegressionData,
    prior: Prior,
    likelihood: Likelihood,
    *,
    form: str = "auto",
    noise_prior: Any = None,
    parameterization: str | None = None,
) -> BuiltModel:
    r"""Create the ``pymc.Model``.

    Parameters
    ----------
    data : RegressionData
    prior : Prior
        Prior on ``coef``.
    likelihood : Likelihood
    form : {"auto", "rows", "suffstats"}
        How the Gaussian likelihood is written: over all rows, or through the sufficient
        statistics (identical posterior, O(p^2) per gradient). ``"auto"``: suffstats for Gaussian.
    noise_prior : NoisePrior or callable, optional
        ``noise_prior(data)`` creates the ``sigma`` variable when the noise scale is sampled
        (``noise_sigma=None``): a :mod:`bayesreg.noise` prior; default :func:`default_noise_prior`.
    parameterization : {"centered", "mixture", "auto", "marginal", "noncentered"}, optional
        Global–local priors (:mod:`bayesreg.model.global_local`): ``"marginal"`` integrates the
        coefficients out of a Gaussian likelihood, ``"noncentered"`` samples them as
        ``z * coef_scale``; ``"auto"`` (the default for them) picks ``"marginal"`` for the Gaussian
        likelihood when its factorisation is small. Otherwise how a Laplace prior is written for NUTS
        (default ``"centered"``). ``"centered"``: ``pm.Laplace`` directly (the
        density has a kink at 0). ``"mixture"``: the exact normal-exponential scale mixture,
        non-centred, :math:`w_j = \\sqrt{\tau_j^2}\\,z_j`, :math:`z_j \\sim N(0, 1)`,
        :math:`\tau_j^2 \\sim \text{Exp}(1/(2b_j^2))`: smooth, at the cost of p extra latent
        variables. ``"auto"`` picks the mixture when the data identify the weights weakly
        (p >= n/2), where the posterior of many weights stays close to the kinked prior. The MAP
        always uses the centred form (the mode is defined on the weights themselves).
    """
    import pymc as pm

    form = resolve_form(likelihood, form)
    likelihood = likelihood.resolve(data)
    if data.offset is not None and not likelihood.takes_offset:
        raise ValueError(f"The 'offset' parameter is only supported for the count likelihoods (poisson, "
                         f"negative_binomial); got likelihood {likelihood.name!r}.")
    names = list(data.feature_names)
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"feature names must be unique; duplicated: {dup}.")
    coords: dict[str, Any] = {"feature": names}
    multi = likelihood.n_outputs > 1  # the multinomial: coef (class, feature), intercept (class)
    if multi:
        coords.update(likelihood.coords())
    if form == "rows":
        coords["obs"] = np.arange(data.n_samples)
    from bayesreg.model.hierarchical import HierarchicalPrior

    if multi and (is_global_local(prior) or isinstance(prior, HierarchicalPrior)):
        raise ValueError(f"The 'prior' parameter must be a fixed-penalty prior (Gaussian, Laplace, ElasticNet) "
                         f"for the multinomial likelihood; got {type(prior).__name__}.")
    with pm.Model(coords=coords) as model:
        sigma = None
        gaussian_sampled = isinstance(likelihood, GaussianLikelihood) and likelihood.noise_sigma is None
        if is_global_local(prior):
            if gaussian_sampled:
                sigma = (noise_prior or default_noise_prior)(data)
            scale_sigma = sigma if sigma is not None else getattr(likelihood, "noise_sigma", 1.0)
            coef, term, marginal = add_global_local(prior, data, likelihood, scale_sigma, parameterization)
            if marginal is not None:
                return BuiltModel(model, term, "marginal", data, prior, likelihood, marginal)
        elif isinstance(prior, HierarchicalPrior):
            if prior.samples_noise and not (isinstance(likelihood, GaussianLikelihood)
                                            and likelihood.noise_sigma is None):
                raise ValueError(f"{type(prior).__name__} puts a prior on the noise scale: use the "
                                 "Gaussian likelihood with noise_sigma=None.")
            coef, sigma = prior.add_to_model(data.n_features, dims="feature")
        elif multi:
            if parameterization not in (None, "auto", "centered"):
                raise ValueError(f"The 'parameterization' parameter must be 'centered' for the multinomial "
                                 f"likelihood; got {parameterization!r}.")
            coef = prior.to_pymc("coef", dims=("class", "feature"), n_features=data.n_features)
        elif _use_mixture(prior, data, parameterization):
            coef = _laplace_mixture(prior, data.n_features)
        else:
            coef = prior.to_pymc("coef", dims="feature", n_features=data.n_features)
        if multi:
            intercept = likelihood.add_intercept(data.fit_intercept)
        else:
            intercept = pm.Flat("intercept") if data.fit_intercept else 0.0
        if sigma is None and gaussian_sampled:
            sigma = (noise_prior or default_noise_prior)(data)
        containers = {
            name: pm.Data(name, value, dims=DATA_DIMS.get(name))
            for name, value in likelihood.data_values(data, form).items()
        }
        if multi:
            eta = intercept + containers["X"] @ coef.T
        else:
            eta = intercept + containers["X"] @ coef if form == "rows" else None
        if eta is not None and "offset" in containers:
            eta = eta + containers["offset"]
        term = likelihood.add_to_model(containers, eta, coef, intercept, form, sigma)
    return BuiltModel(model, term, form, data, prior, likelihood)


def _use_mixture(prior: Prior, data: RegressionData, parameterization: str) -> bool:
    parameterization = parameterization or "centered"
    if parameterization not in PARAMETERIZATIONS:
        raise ValueError(f"parameterization must be one of {', '.join(map(repr, PARAMETERIZATIONS))}; "
                         f"got {parameterization!r}.")
    if prior.kind != "laplace" or parameterization == "centered":
        return False
    return parameterization == "mixture" or data.n_features >= data.n_samples / 2


def _laplace_mixture(prior: Prior, n_features: int) -> Any:
    r"""Laplace(0, b) as :math:`\sqrt{\tau^2} z` with :math:`\tau^2 \sim \text{Exp}(\text{rate}=1/(2b^2))`."""
    import pymc as pm

    l1, _ = prior.penalty_weights(n_features)
    b = 1.0 / l1
    tau2 = pm.Exponential("coef_tau2", lam=1.0 / (2.0 * b**2), dims="feature")
    z = pm.Normal("coef_z", 0.0, 1.0, dims="feature")
    return pm.Deterministic("coef", pm.math.sqrt(tau2) * z, dims="feature")
