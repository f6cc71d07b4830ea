r"""A plug-in estimate of the Gaussian noise scale for a penalised fit.

For the conventions written with the squared error (scikit-learn's Lasso, Ridge and ElasticNet,
glmnet, statsmodels OLS, ``mse``, ``weight_decay`` with ``loss="mse"``) the mapped prior scales
with :math:`\sigma_n^2` exactly as the likelihood does, so the MAP — the penalised optimum — does
not depend on :math:`\sigma_n`. The full posterior does: with a fixed noise scale of 1 on data whose
residuals have sd 50 the posterior is far too concentrated and NUTS cannot explore it. The estimate
here is the residual standard deviation of the penalised fit,

.. math::

    \hat\sigma_n^2 = \frac{\sum_i s_i (y_i - \hat c - x_i^\top \hat w)^2}{\sum_i s_i - \mathrm{df}},
    \qquad \mathrm{df} = \#\{j : \hat w_j \ne 0\} + 1_{\text{intercept}},

(the number of non-zero lasso coefficients is an unbiased estimate of its degrees of freedom,
Zou, Hastie & Tibshirani 2007, Ann. Statist. 35:2173; for ridge and the elastic net it counts every
non-zero coefficient and so overstates df, making :math:`\hat\sigma_n` slightly conservative). Using
it both in the penalty → prior mapping and as the fixed noise scale keeps the MAP equal to the
penalised optimum while giving the posterior a realistic noise level: an empirical-Bayes plug-in.
For likelihood-based forms (``sum``, ``mean``, ``mean_half``) the fit uses ``noise_sigma=1``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["estimate_noise_sigma"]


def estimate_noise_sigma(X: Any, y: Any, convention: str, *, sample_weight: Any = None,
                         fit_intercept: bool = True, **penalty_params: Any) -> float:
    """Residual sd of the penalised fit of ``convention`` on (X, y) (module docstring).

    Parameters
    ----------
    X, y : array-like
        Data (Gaussian likelihood).
    convention : str
        A penalty convention (:func:`bayesreg.list_conventions`).
    sample_weight : array-like, optional
        Observation weights (for glmnet, its ``weights=``).
    fit_intercept : bool, default True
    **penalty_params
        The convention's parameters.

    Returns
    -------
    float
        :math:`\\hat\\sigma_n > 0`.

    Raises
    ------
    ValueError
        If the fit leaves no residual degrees of freedom or interpolates the data (give the noise
        scale yourself then).
    """
    from bayesreg.conventions import get_convention, penalty_to_prior
    from bayesreg.inference.map import find_map
    from bayesreg.model.data import RegressionData
    from bayesreg.model.likelihoods import GaussianLikelihood

    data = RegressionData.from_xy(X, y, sample_weight=sample_weight, fit_intercept=fit_intercept)
    reads_data = get_convention(convention).needs_data  # glmnet, dropout: read X, y (and the weights)
    if reads_data and data.sample_weight is not None:
        penalty_params = {**penalty_params, "weights": data.sample_weight}
    prior = penalty_to_prior(convention, n=None if reads_data else data.weight_sum, noise_sigma=1.0,
                             X=data.X if reads_data else None, y=data.y if reads_data else None, **penalty_params)
    fit = find_map(data, prior, GaussianLikelihood(1.0))
    resid = data.y - data.X @ fit.coef - fit.intercept
    df = int(np.count_nonzero(fit.coef)) + int(data.fit_intercept)
    dof = data.weight_sum - df
    rss = float(data.weights @ resid**2)
    if dof <= 0 or rss <= 0:
        raise ValueError(f"cannot estimate the noise scale: the penalised fit has {df} degrees of freedom "
                         f"for {data.weight_sum:g} (weighted) observations and residual sum of squares "
                         f"{rss:.3g}; give noise_sigma explicitly.")
    return float(np.sqrt(rss / dof))
