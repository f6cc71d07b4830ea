r"""``DropoutBayes``: the prior that dropout on the inputs imposes, fitted by exact MAP or NUTS.

A configuration of the core like the other presets (:mod:`bayesreg.estimators.presets`): the
prior comes from the ``dropout`` convention (:mod:`bayesreg.conventions.dropout`) at fit time,
because it needs the data.

* ``family="gaussian"`` (exact): :math:`w_j \sim N(0, \sigma_n^2 p/((1-p)s_j))`,
  :math:`s_j = \sum_i v_i x_{ij}^2`; the MAP is the minimiser of the expected dropout loss, and
  ``method="nuts"`` samples the posterior this prior implies.
* ``family="binomial"`` (approximate; Wager, Wang & Liang 2013): the quadratic approximation gives
  :math:`\ell_{2,j}(\hat w) = \frac{1-p}{2p}\sum_i v_i\hat\pi_i(1-\hat\pi_i)x_{ij}^2`, which
  depends on the fit. ``fit`` finds the self-consistent fit by fixed-point iteration,
  :math:`\hat w_{k+1} = \operatorname{MAP}(\ell_2(\hat w_k))` from :math:`\hat w_0 = 0`, until the
  coefficients change by less than ``fixed_point_tol`` (relative); ``prior_`` is the prior
  evaluated there (for NUTS: a plug-in prior, fixed at that fit).

``coef_`` are the deployed weights (those that multiply the unmasked inputs at prediction time);
``trained_coef_`` are the weights a network stores during training (``coef_ / keep_prob`` for
``scaling="standard"``, the same for ``"inverted"``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from bayesreg.conventions import penalty_to_prior
from bayesreg.conventions.dropout import check_keep_prob, dropout_trained_coef
from bayesreg.estimators.presets import _Preset
from bayesreg.model.data import RegressionData

__all__ = ["DropoutBayes"]


class DropoutBayes(_Preset):
    r"""Dropout on the inputs (``keep_prob`` p or ``rate`` = 1 − p) as its per-feature Gaussian prior.

    Parameters
    ----------
    keep_prob : float in (0, 1], optional
        Probability of keeping an input (give this or ``rate``; neither: 0.5, the default of
        ``torch.nn.Dropout``).
    rate : float in [0, 1), optional
        Probability of dropping an input, as ``torch.nn.Dropout(p=rate)`` / ``keras.layers.Dropout(rate)``.
    scaling : {"inverted", "standard"}, default="inverted"
        Inverted dropout (PyTorch, Keras) or standard dropout (Srivastava et al. 2014).
    family : {"gaussian", "binomial"}, default="gaussian"
        Gaussian: exact; binomial: Wager et al.'s quadratic approximation at the self-consistent fit.
    method : {"map", "nuts"}, default="map"
    noise_sigma : float or None, default=1.0
        Gaussian noise scale σₙ (enters the prior variance σₙ²p/((1−p)s_j)).
    fit_intercept : bool, default=True
        The intercept is never masked (flat prior).
    sampler_kwargs : dict, optional
        NUTS settings (see :mod:`bayesreg.estimators.presets`).
    max_iter : int, default=200
        Fixed-point iterations (binomial).
    fixed_point_tol : float, default=1e-10
        Relative change of the coefficients at which the fixed point is accepted (binomial).

    Attributes
    ----------
    coef_, intercept_, prior_, certificate_ (MAP), idata_ (NUTS)
        As :class:`~bayesreg.BayesianRegression`.
    trained_coef_ : ndarray
        The weights stored during training (``coef_ / keep_prob`` for standard scaling).
    n_fixed_point_iter_ : int
        Iterations of the binomial fixed point (0 for the Gaussian family).
    """

    convention = "dropout"

    def __init__(self, keep_prob: float | None = None, *, rate: float | None = None,
                 scaling: str = "inverted", family: str = "gaussian", method: str = "map",
                 noise_sigma: float | None = 1.0, fit_intercept: bool = True,
                 sampler_kwargs: dict[str, Any] | None = None, max_iter: int = 200,
                 fixed_point_tol: float = 1e-10) -> None:
        self.keep_prob = keep_prob
        self.rate = rate
        self.scaling = scaling
        self.family = family
        self.method = method
        self.noise_sigma = noise_sigma
        self.fit_intercept = fit_intercept
        self.sampler_kwargs = sampler_kwargs
        self.max_iter = max_iter
        self.fixed_point_tol = fixed_point_tol

    @property
    def likelihood(self) -> str:
        return "logistic" if self.family == "binomial" else "gaussian"

    def _rates(self) -> dict[str, Any]:
        if self.keep_prob is None and self.rate is None:
            return {"keep_prob": 0.5, "rate": None}                  # torch.nn.Dropout's default
        return {"keep_prob": self.keep_prob, "rate": self.rate}

    def _penalty_params(self) -> dict[str, Any]:
        return {**self._rates(), "scaling": self.scaling, "family": self.family}

    def _resolve_prior(self, prior: Any, data: RegressionData) -> Any:
        noise = self.noise_sigma if self.likelihood == "gaussian" and self.noise_sigma else 1.0
        params = self._penalty_params()
        if check_keep_prob(params["keep_prob"], params["rate"], owner="DropoutBayes") == 1.0:
            raise ValueError("DropoutBayes with keep_prob=1 (rate=0) drops nothing: no penalty, a flat "
                             "prior with no mode specific to dropout; fit without a penalty instead.")
        self.n_fixed_point_iter_ = 0
        if self.family != "binomial":
            return penalty_to_prior("dropout", X=data.X, noise_sigma=noise, weights=data.sample_weight,
                                    **params)
        return self._binomial_fixed_point(data, params)

    def _binomial_fixed_point(self, data: RegressionData, params: dict[str, Any]) -> Any:
        from bayesreg.inference.map import find_map
        from bayesreg.model.likelihoods import LogisticLikelihood

        coef, intercept = np.zeros(data.n_features), 0.0
        lik = LogisticLikelihood()
        for k in range(1, int(self.max_iter) + 1):
            prior = penalty_to_prior("dropout", X=data.X, weights=data.sample_weight, coef=coef,
                                     intercept=intercept, **params)
            fit = find_map(data, prior, lik)
            change = float(np.max(np.abs(fit.coef - coef))) / max(float(np.max(np.abs(fit.coef))), 1e-300)
            coef, intercept = fit.coef, fit.intercept
            if change <= self.fixed_point_tol:
                self.n_fixed_point_iter_ = k
                return penalty_to_prior("dropout", X=data.X, weights=data.sample_weight, coef=coef,
                                        intercept=intercept, **params)
        self.n_fixed_point_iter_ = int(self.max_iter)
        warnings.warn(f"DropoutBayes: the binomial fixed point did not converge in {self.max_iter} "
                      f"iterations (last relative change {change:.2e}).", RuntimeWarning, stacklevel=3)
        return prior

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> DropoutBayes:
        """Fit by exact MAP or NUTS (``method``); returns ``self``.

        ``sample_weight`` weights the likelihood and the column sums :math:`s_j = \\sum_i v_i x_{ij}^2`.
        """
        super().fit(X, y, sample_weight=sample_weight)
        self.trained_coef_ = dropout_trained_coef(self.coef_, **self._rates(), scaling=self.scaling)
        return self
