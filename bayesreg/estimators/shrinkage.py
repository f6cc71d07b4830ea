r"""Global–local priors and noise priors in :class:`~bayesreg.BayesianRegression`; shrinkage factors.

:class:`ShrinkageAnalysisMixin` adds, for a NUTS fit with a global–local prior, Piironen & Vehtari's
(2017) shrinkage factors and effective number of non-zero coefficients,

.. math::

    \kappa_j = \frac{1}{1 + n\,s_j^2\,v_j/\sigma^2}, \qquad m_{\text{eff}} = \sum_j (1 - \kappa_j),

per posterior draw, with :math:`v_j` the prior variance of :math:`\beta_j` given the scales
(``coef_scale**2``), :math:`s_j^2` the (weighted, population) variance of column :math:`j`,
:math:`n` the (weighted) number of observations and :math:`\sigma` the noise scale (its draws, or the
fixed value). For uncorrelated columns :math:`\kappa_j` is exactly the fraction by which the posterior
mean shrinks the least-squares estimate given the scales (0: not shrunk, 1: shrunk to zero). For the
logistic likelihood :math:`\sigma^2` is the pseudo variance :math:`1/(\mu(1-\mu))`, :math:`\mu` the
mean of y (Piironen & Vehtari's Gaussian approximation). Unpenalised features have
:math:`\kappa_j = 0`.

The helpers below resolve ``noise_prior`` (and the deprecated ``noise_prior_scale``), put a
global–local prior on standardized coefficients, and phrase the divergence hint.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import numpy as np

from bayesreg.model.global_local import GlobalLocalPrior, is_global_local
from bayesreg.model.noise import HalfStudentT, Jeffreys, NoisePrior

__all__ = ["ShrinkageAnalysisMixin", "resolve_noise_prior", "standardized_global_local", "kappa_inputs",
           "divergence_hint"]


def resolve_noise_prior(noise_prior: Any, noise_prior_scale: Any, prior: Any) -> NoisePrior | None:
    """The noise prior to build with (``None``: the model's default, HalfStudentT(4, sd(y)))."""
    from bayesreg._validation import check_positive_float

    if noise_prior is not None and not isinstance(noise_prior, NoisePrior):
        raise TypeError("The 'noise_prior' parameter of BayesianRegression must be a prior from bayesreg.noise "
                        "(Jeffreys(), HalfStudentT(nu, scale), HalfNormal(scale), HalfCauchy(scale), "
                        f"Exponential(rate)) or None; got {type(noise_prior).__name__}.")
    if noise_prior_scale is not None:
        if noise_prior is not None:
            raise ValueError("Give either noise_prior or the deprecated noise_prior_scale, not both; got "
                             f"noise_prior={noise_prior!r} and noise_prior_scale={noise_prior_scale!r}.")
        scale = check_positive_float("noise_prior_scale", "BayesianRegression", noise_prior_scale)
        warnings.warn("noise_prior_scale is deprecated: use noise_prior=bayesreg.noise.HalfStudentT(4, "
                      f"{scale:g}) (the same prior).", DeprecationWarning, stacklevel=4)
        noise_prior = HalfStudentT(4.0, scale)
    if getattr(prior, "samples_noise", False) and noise_prior is not None and not isinstance(noise_prior, Jeffreys):
        raise ValueError(f"{type(prior).__name__} puts its own Jeffreys prior p(sigma^2) ∝ 1/sigma^2 on the noise "
                         f"scale (as published); noise_prior must be None or Jeffreys(); got {noise_prior!r}.")
    return noise_prior


def standardized_global_local(prior: Any, scale: np.ndarray) -> Any:
    """The prior on :math:`\\beta_j s_j` (``feature_scale``), inside Unpenalized if it was wrapped."""
    scale = tuple(float(v) for v in scale)
    if isinstance(prior, GlobalLocalPrior):
        return replace(prior, feature_scale=scale)
    return replace(prior, prior=replace(prior.prior, feature_scale=scale))


def kappa_inputs(data: Any, likelihood: Any) -> dict[str, Any]:
    """``n``, the column variances and (logistic) the pseudo noise scale, for :math:`\\kappa_j`."""
    if not getattr(data, "has_rows", True):  # fitted from the statistics alone (fit_stats)
        var = data.suffstats.std_x**2
    else:
        w = data.weights
        mean = np.average(data.X, axis=0, weights=w)
        var = np.average((data.X - mean) ** 2, axis=0, weights=w)
    out: dict[str, Any] = {"n": data.weight_sum, "col_var": var, "sigma": None}
    if likelihood.name == "logistic":
        mu = float(np.average(data.y, weights=data.weights))
        out["sigma"] = 1.0 / np.sqrt(mu * (1.0 - mu))
    elif getattr(likelihood, "noise_sigma", None) is not None:
        out["sigma"] = float(likelihood.noise_sigma)
    return out


def divergence_hint(prior: Any, likelihood: Any, form: str) -> str | None:
    """The concrete advice the divergence warning gives for a global–local prior."""
    if not is_global_local(prior):
        return None
    if form == "marginal":
        return ("raise target_accept (e.g. 0.99); the coefficients are already integrated out "
                "(parameterization='marginal')")
    if likelihood.name == "gaussian":
        return ("use parameterization='marginal' (the coefficients integrated out, which removes the funnel "
                "between a coefficient and its scale) or raise target_accept (e.g. 0.99)")
    return ("raise target_accept (e.g. 0.99); with a horseshoe prefer RegularizedHorseshoe (its slab bounds "
            "the scales) and a scale_global from horseshoe_scale_global(p0, ...)")


class ShrinkageAnalysisMixin:
    """Shrinkage factors and effective number of non-zeros of a global–local NUTS fit (module docstring).

    The host class provides ``idata_``, ``prior_``, ``n_features_in_``, ``feature_names_in_`` and
    ``_kappa_inputs`` (set by ``fit``), as :class:`~bayesreg.BayesianRegression` does.
    """

    def _kappa(self) -> np.ndarray:
        if not hasattr(self, "idata_") or "coef_scale" not in self.idata_.posterior:
            raise AttributeError("shrinkage factors need a NUTS fit with a global-local prior (Horseshoe, "
                                 "HorseshoePlus, RegularizedHorseshoe, R2D2).")
        post = self.idata_.posterior
        inputs = self._kappa_inputs
        scale = post["coef_scale"].values.reshape(-1, post["coef_scale"].shape[-1])
        sigma = inputs["sigma"]
        sigma = post["sigma"].values.reshape(-1, 1) if sigma is None else sigma
        prior = self.prior_
        flat = np.asarray(getattr(prior, "features", ()), dtype=int)
        keep = np.setdiff1d(np.arange(self.n_features_in_), flat)
        kappa = np.zeros((scale.shape[0], self.n_features_in_))
        kappa[:, keep] = 1.0 / (1.0 + inputs["n"] * inputs["col_var"][keep] * scale**2 / sigma**2)
        return kappa

    def shrinkage_factors(self, draws: bool = False, prob: float = 0.9) -> Any:
        r"""Shrinkage factors :math:`\kappa_j` (module docstring).

        Returns a DataFrame (one row per feature: posterior mean, median and the central ``prob``
        interval), or with ``draws=True`` the draws, shape ``(chains * draws, n_features)``.
        """
        kappa = self._kappa()
        if draws:
            return kappa
        import pandas as pd

        lo, med, hi = np.quantile(kappa, [(1 - prob) / 2, 0.5, (1 + prob) / 2], axis=0)
        return pd.DataFrame({"mean": kappa.mean(axis=0), "median": med, f"lower_{prob:g}": lo,
                             f"upper_{prob:g}": hi}, index=list(self.feature_names_in_))

    def effective_nonzeros(self, draws: bool = False) -> Any:
        r"""Effective number of non-zero coefficients :math:`m_{\text{eff}} = \sum_j (1 - \kappa_j)`.

        Its posterior mean, or with ``draws=True`` its draws, shape ``(chains * draws,)``.
        """
        m = np.sum(1.0 - self._kappa(), axis=1)
        return m if draws else float(m.mean())
