r"""The multinomial posterior for :func:`~bayesreg.reference.importance.laplace_importance_sampling`
(NumPy only; written from the density, nothing shared with bayesreg's PyMC model).

Model: :math:`W_{kj} \sim N(0, s^2)` on every entry, intercepts flat on the plane
:math:`\sum_k c_k = 0`, :math:`y_i \sim \text{Categorical}(\operatorname{softmax}(c + Wx_i))`. The
plane is parametrised by :math:`a \in \mathbb R^{K-1}`: :math:`c_k = a_k` (:math:`k < K-1`),
:math:`c_{K-1} = -\sum_k a_k`, a linear map, so a flat density in :math:`a` is flat on the plane
(constant Jacobian). The importance sampler's coordinates are :math:`\theta = (\operatorname{vec}W, a)`
(row-major :math:`W`); :func:`multinomial_moments` returns the weighted means, sds and Monte Carlo
standard errors of all :math:`Kp` weights and all :math:`K` intercepts.

With ``flat`` features (no prior on their weights, glmnet's ``penalty.factor = 0``) those columns
are flat on their plane :math:`\sum_k W_{kj} = 0` the same way: :math:`\theta` omits their last-class
entry, :math:`W_{K-1,j} = -\sum_{k<K-1} W_{kj}`, and the Gaussian term runs over the other columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.special import logsumexp

from bayesreg.reference.importance import ImportanceResult

__all__ = ["multinomial_log_posterior", "multinomial_parameters", "multinomial_moments"]


def multinomial_parameters(theta: np.ndarray, n_classes: int, n_features: int,
                           flat: Sequence[int] = ()) -> tuple[np.ndarray, np.ndarray]:
    """``theta`` (k, K*p - len(flat) + K-1) -> weights (k, K, p) and sum-to-zero intercepts (k, K)."""
    K, p = n_classes, n_features
    free = np.ones((K, p), dtype=bool)
    free[K - 1, list(flat)] = False
    n_free = int(free.sum())
    W = np.zeros((theta.shape[0], K, p))
    W[:, free] = theta[:, :n_free]
    W[:, K - 1, list(flat)] = -W[:, :K - 1, list(flat)].sum(axis=1)
    a = theta[:, n_free:]
    return W, np.concatenate([a, -a.sum(axis=1, keepdims=True)], axis=1)


def multinomial_log_posterior(X: np.ndarray, y: np.ndarray, prior_sd: float, n_classes: int,
                              flat: Sequence[int] = ()) -> Callable[[np.ndarray], np.ndarray]:
    r""":math:`\log\pi(\theta) = \sum_i \log\operatorname{softmax}(\eta_i)_{y_i}
    - \sum_{k,\,j \notin \mathrm{flat}} W_{kj}^2/(2s^2)`, vectorised over rows of ``theta`` (module docstring)."""
    X = np.asarray(X, dtype=float)
    codes = np.asarray(y).astype(np.int64)
    n, p = X.shape
    rows = np.arange(n)
    proper = np.setdiff1d(np.arange(p), np.asarray(flat, dtype=int))

    def log_post(theta: np.ndarray) -> np.ndarray:
        W, c = multinomial_parameters(theta, n_classes, p, flat)
        eta = np.einsum("np,skp->snk", X, W) + c[:, None, :]
        loglik = (eta[:, rows, codes] - logsumexp(eta, axis=2)).sum(axis=1)
        return loglik - 0.5 * np.sum(W[:, :, proper].reshape(len(W), -1) ** 2, axis=1) / prior_sd**2

    return log_post


def multinomial_moments(result: ImportanceResult, n_classes: int, n_features: int,
                        flat: Sequence[int] = ()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted mean, sd and MCSE of the mean of ``(vec W, c)`` (all K intercepts), from the draws
    and self-normalised weights (delta method, as :mod:`bayesreg.reference.importance`)."""
    W, c = multinomial_parameters(result.draws, n_classes, n_features, flat)
    values = np.concatenate([W.reshape(len(W), -1), c], axis=1)
    w = result.weights
    mean = w @ values
    centred = values - mean
    return mean, np.sqrt(w @ centred**2), np.sqrt((w**2) @ centred**2)
