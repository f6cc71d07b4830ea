r"""Exact conversions between penalty conventions and priors.

Every convention is a pair of pure functions to and from the internal sum form
:math:`-\log L + \sum_j \ell_{1,j}|w_j| + \ell_{2,j}w_j^2` (see :mod:`bayesreg.conventions._base`);
their docstrings state both objectives and the derivation. This module is the registry and the
two public entry points :func:`penalty_to_prior` and :func:`prior_to_penalty`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bayesreg.conventions import dropout, frameworks, glmnet, quantile, sklearn, statsmodels, textbook
from bayesreg.conventions._base import (
    Context,
    Convention,
    PenaltyWeights,
    weights_to_prior,
)
from bayesreg.model.priors import Prior

__all__ = [
    "Convention",
    "PenaltyWeights",
    "CONVENTIONS",
    "REFUSED",
    "list_conventions",
    "get_convention",
    "penalty_to_weights",
    "penalty_to_prior",
    "prior_to_penalty",
    "penalty_to_likelihood",
]

CONVENTIONS: dict[str, Convention] = {
    c.name: c
    for module in (sklearn, glmnet, statsmodels, textbook, frameworks, dropout, quantile)
    for c in module.CONVENTIONS
}

#: training rules with no prior equivalent → the reason (``get_convention`` refuses them with it)
REFUSED: dict[str, str] = dict(frameworks.REFUSED)

# options of the inverse direction (they select the convention's variant, not its strength)
_INVERSE_OPTIONS = {"glmnet": ("family", "standardize", "weights"), "statsmodels": ("model",),
                    "sklearn.QuantileRegressor": ("likelihood", "quantile"),
                    "weight_decay": ("loss",), **frameworks.INVERSE_OPTIONS,
                    "dropout": ("scaling", "family", "coef", "intercept", "weights")}


def list_conventions() -> dict[str, str]:
    """Name → objective, for every known convention."""
    return {name: c.summary for name, c in CONVENTIONS.items()}


def get_convention(name: str) -> Convention:
    """Look a convention up by name; an unknown name lists the known ones, a refused one says why."""
    if isinstance(name, str) and name in REFUSED:
        raise ValueError(f"{name} is refused: {REFUSED[name]}")
    try:
        return CONVENTIONS[name]
    except (KeyError, TypeError):
        known = ", ".join(repr(k) for k in CONVENTIONS)
        raise ValueError(f"Unknown convention {name!r}; known conventions: {known}.") from None


def penalty_to_weights(convention: str, *, n: float | None = None, noise_sigma: float = 1.0,
                       X: Any = None, y: Any = None, stats: Any = None, **penalty_params: Any) -> PenaltyWeights:
    """Sum-form weights :math:`(\\ell_1, \\ell_2)` of a penalty given in ``convention``."""
    conv = get_convention(convention)
    unknown = sorted(set(penalty_params) - set(conv.params))
    if unknown:
        raise TypeError(
            f"Convention {convention!r} takes the parameters {', '.join(conv.params)}; "
            f"got unexpected {', '.join(unknown)}."
        )
    import inspect

    required = [name for name, par in inspect.signature(conv.to_weights).parameters.items()
                if par.kind is par.KEYWORD_ONLY and par.default is par.empty]
    missing = [name for name in required if name not in penalty_params]
    if missing:
        raise TypeError(f"Convention {convention!r} needs {', '.join(missing)} "
                        f"(its parameters: {', '.join(conv.params)}).")
    ctx = Context.create(convention, n, noise_sigma, X, y, stats)
    return conv.to_weights(ctx, **penalty_params)


def penalty_to_prior(convention: str, *, n: float | None = None, noise_sigma: float = 1.0,
                     X: Any = None, y: Any = None, stats: Any = None, **penalty_params: Any) -> Prior:
    """The prior whose MAP is the optimum of the penalised objective of ``convention``.

    Parameters
    ----------
    convention : str
        One of :func:`list_conventions` (e.g. ``"sklearn.Lasso"``, ``"glmnet"``, ``"mse"``).
    n : float, optional
        Number of samples, for conventions that average the loss (inferred from ``X``).
    noise_sigma : float
        Gaussian noise scale :math:`\\sigma_n`, for conventions written with the squared error.
    X, y : array-like, optional
        Needed by ``glmnet`` (its internal standardisation of X and scaling of y) and ``dropout``
        (its per-feature column sums of squares).
    stats : SufficientStats, optional
        Instead of ``X`` and ``y``: their sufficient statistics (:class:`bayesreg.SufficientStats`,
        weighted if the data are), from which glmnet's column sds, sd(y) and ``n`` (:math:`W`) follow;
        ``n`` defaults to ``stats.weight_sum``.
    **penalty_params
        The convention's own parameters, named as in its API (``alpha``, ``l1_ratio``, ``C``,
        ``lambda_``, ``lam``, ``penalty``, ``wd``, ``l2``, ``keep_prob``...). Names in
        :data:`REFUSED` (AdamW) raise a ``ValueError`` with the reason they have no prior.

    Examples
    --------
    >>> import bayesreg as br
    >>> br.penalty_to_prior("sklearn.Lasso", alpha=0.1, n=442)
    Laplace(b=0.02262443438914027)
    """
    weights = penalty_to_weights(convention, n=n, noise_sigma=noise_sigma, X=X, y=y, stats=stats,
                                 **penalty_params)
    return weights_to_prior(weights)


def penalty_to_likelihood(convention: str, *, noise_sigma: float = 1.0, **penalty_params: Any) -> Any:
    """The likelihood whose MAP, under :func:`penalty_to_prior`'s prior, is the optimum of ``convention``.

    ``sklearn.QuantileRegressor(quantile=q, ...)``: ``AsymmetricLaplace(quantile=q, scale=noise_sigma)``
    (``noise_sigma`` default 1; any scale gives the same MAP when the prior is mapped with it);
    the squared-error conventions: the Gaussian with ``noise_sigma``; logistic ones: the Bernoulli.
    Options that select the family (glmnet's ``family``, statsmodels' ``model``) are honoured.

    >>> import bayesreg as br
    >>> br.penalty_to_likelihood("sklearn.QuantileRegressor", quantile=0.9, alpha=0.1)
    AsymmetricLaplace(quantile=0.9, scale=1.0)
    """
    from bayesreg.model.likelihoods import get_likelihood

    conv = get_convention(convention)
    if conv.likelihoods == ("asymmetric_laplace",):
        return quantile.quantile_likelihood(penalty_params.get("quantile", 0.5), noise_sigma)
    glmnet_family = {"poisson": "poisson", "multinomial": "multinomial"}.get(penalty_params.get("family"))
    if convention == "glmnet" and glmnet_family is not None:
        return get_likelihood(glmnet_family, noise_sigma)
    binary = penalty_params.get("family") == "binomial" or penalty_params.get("model") in ("Logit", "GLM")
    return get_likelihood("logistic" if binary else conv.likelihoods[0], noise_sigma)


def prior_to_penalty(prior: Prior, convention: str, *, n: float | None = None,
                     noise_sigma: float = 1.0, X: Any = None, y: Any = None, stats: Any = None,
                     **options: Any) -> dict[str, Any]:
    """The penalty parameters of ``convention`` equivalent to ``prior`` (inverse of the above).

    ``options`` select a convention's variant: ``family``/``standardize``/``weights`` (glmnet), ``model``
    (statsmodels), ``loss`` (weight_decay and the framework rules), ``momentum``/``lr``/``lr_scaled``
    (decoupled decay), ``scaling``/``family`` (dropout, which also needs ``X``). ``stats`` replaces
    ``X``, ``y`` as in :func:`penalty_to_prior`.
    """
    conv = get_convention(convention)
    if not isinstance(prior, Prior):
        raise TypeError(f"prior must be a bayesreg prior (Laplace, Gaussian, ElasticNet); "
                        f"got {type(prior).__name__}.")
    if prior.kind == "unpenalized" and convention != "glmnet":
        raise ValueError(f"The prior leaves features {list(prior.features)} unpenalised (a flat prior); "
                         f"convention {convention!r} penalises every feature. Only 'glmnet' maps it "
                         "(penalty_factor 0).")
    allowed = _INVERSE_OPTIONS.get(convention, ())
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(f"prior_to_penalty for {convention!r} takes the options "
                        f"{', '.join(allowed) or 'none'}; got {', '.join(unknown)}.")
    ctx = Context.create(convention, n, noise_sigma, X, y, stats)
    width = ctx.X.shape[1] if ctx.X is not None else (stats.n_features if stats is not None else None)
    p = width or prior.n_features or 1
    l1, l2 = prior.penalty_weights(p)
    if width is None and prior.n_features is None:
        l1, l2 = l1[0], l2[0]
    return conv.from_weights(ctx, PenaltyWeights.of(l1, l2), **options)


def _as_float(v: Any) -> Any:
    return float(v) if np.ndim(v) == 0 else v
