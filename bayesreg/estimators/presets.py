r"""Estimators that read like the tools users know; each a thin configuration of the core.

Each preset takes the penalty parameters of one convention, maps them to the exact prior with
:func:`bayesreg.penalty_to_prior` at fit time (when ``n``, ``X`` and ``y`` are known) and fits the
same :class:`~bayesreg.BayesianRegression` model, by exact MAP (``method="map"``: the estimate the
penalised tool returns) or by NUTS (``method="nuts"``: its full posterior).

======================  ==========================================  ==========================
preset                  penalty (convention)                        prior
======================  ==========================================  ==========================
``LassoBayes``          ``sklearn.Lasso(alpha)``                    Laplace, b = σ²/(nα)
``RidgeBayes``          ``sklearn.Ridge(alpha)``                    Gaussian, var = σ²/α
``ElasticNetBayes``     ``sklearn.ElasticNet(alpha, l1_ratio)``     elastic net
``LogisticBayes``       ``sklearn.LogisticRegression(C, l1_ratio)`` Laplace b = C / Gaussian var = C
``GlmnetBayes``         ``glmnet(lambda_, alpha, family, ...)``     per-feature elastic net
======================  ==========================================  ==========================

The names put the familiar tool first and "Bayes" last, so they do not read like scikit-learn's
``BayesianRidge`` (an empirical-Bayes ridge with a different model). NUTS settings go in
``sampler_kwargs`` (``draws``, ``tune``, ``chains``, ``random_seed``, ``target_accept``,
``progressbar``, ``sampler``).
"""

from __future__ import annotations

from typing import Any

from bayesreg.conventions import penalty_to_prior
from bayesreg.estimators.params import merged_sampler_kwargs
from bayesreg.estimators.regression import BayesianRegression
from bayesreg.model.data import RegressionData

__all__ = ["LassoBayes", "RidgeBayes", "ElasticNetBayes", "LogisticBayes", "GlmnetBayes"]


class _Preset(BayesianRegression):
    """Common behaviour: the prior comes from a convention; the rest is BayesianRegression's."""

    convention: str = ""
    prior = None
    form = "auto"
    parameterization = "auto"
    noise_prior_scale = None

    def _standardized(self, prior: Any, data: RegressionData) -> Any:
        return prior  # a convention's own scaling (glmnet's standardize) is part of its mapping

    def _accepts_multiclass(self) -> bool:
        return False  # two-class models (glmnet's binomial family, dropout's); LogisticBayes overrides

    def _penalty_params(self) -> dict[str, Any]:
        raise NotImplementedError

    def _resolve_prior(self, prior: Any, data: RegressionData) -> Any:
        noise = self._noise_sigma() if self.likelihood == "gaussian" else None
        noise = 1.0 if noise is None else noise  # a sampled noise scale: the mapping uses 1 (docstrings)
        needs_xy = self.convention == "glmnet"
        if needs_xy and getattr(self, "standardize", False) and data.n_samples < 2:
            raise ValueError(f"glmnet with standardize=True needs at least 2 samples to scale the "
                             f"features; got {data.n_samples} sample.")
        params = self._penalty_params()
        if needs_xy and not data.has_rows:  # statistics only (fit_stats, fit_dask): glmnet's scales from them
            return penalty_to_prior(self.convention, noise_sigma=noise, stats=data.suffstats, **params)
        if needs_xy and data.sample_weight is not None:  # glmnet's `weights` also weight its scaling
            params["weights"] = data.sample_weight
        return penalty_to_prior(self.convention, n=None if needs_xy else data.weight_sum, noise_sigma=noise,
                                X=data.X if needs_xy else None, y=data.y if needs_xy else None,
                                **params)

    def _sampling_options(self) -> dict[str, Any]:
        return merged_sampler_kwargs(self.sampler_kwargs, type(self).__name__)

    def _random_seed(self) -> Any:
        return (self.sampler_kwargs or {}).get("random_seed")

    @property
    def tol(self) -> float:
        from bayesreg.inference.map import DEFAULT_TOL

        return DEFAULT_TOL


class LassoBayes(_Preset):
    r"""Lasso as a Laplace prior: ``sklearn.Lasso(alpha)`` ↔ Laplace(b = σₙ²/(nα)).

    Parameters
    ----------
    alpha : float, default=1.0
        scikit-learn's Lasso penalty: :math:`\frac{1}{2n}\|y - Xw\|^2 + \alpha\|w\|_1`.
    method : {"map", "nuts"}, default="map"
    noise_sigma : float or None, default=1.0
        Noise scale σₙ (enters the mapping); ``None`` samples it (NUTS), the mapping then uses 1.
    fit_intercept : bool, default=True
    sampler_kwargs : dict, optional
        NUTS settings (module docstring).
    """

    convention = "sklearn.Lasso"
    likelihood = "gaussian"

    def __init__(self, alpha: float = 1.0, *, method: str = "map", noise_sigma: float | None = 1.0,
                 fit_intercept: bool = True, sampler_kwargs: dict[str, Any] | None = None) -> None:
        self.alpha = alpha
        self.method = method
        self.noise_sigma = noise_sigma
        self.fit_intercept = fit_intercept
        self.sampler_kwargs = sampler_kwargs

    def _penalty_params(self) -> dict[str, Any]:
        return {"alpha": self.alpha}


class RidgeBayes(LassoBayes):
    r"""Ridge as a Gaussian prior: ``sklearn.Ridge(alpha)`` ↔ Gaussian(var = σₙ²/α).

    Same parameters as :class:`LassoBayes`; ``alpha`` is Ridge's
    :math:`\|y - Xw\|^2 + \alpha\|w\|^2`.
    """

    convention = "sklearn.Ridge"


class ElasticNetBayes(_Preset):
    r"""Elastic net as its prior: ``sklearn.ElasticNet(alpha, l1_ratio)``.

    Parameters as :class:`LassoBayes`, plus ``l1_ratio`` (ρ in
    :math:`\frac{1}{2n}\|r\|^2 + \alpha\rho\|w\|_1 + \frac{\alpha(1-\rho)}{2}\|w\|^2`).
    """

    convention = "sklearn.ElasticNet"
    likelihood = "gaussian"

    def __init__(self, alpha: float = 1.0, l1_ratio: float = 0.5, *, method: str = "map",
                 noise_sigma: float | None = 1.0, fit_intercept: bool = True,
                 sampler_kwargs: dict[str, Any] | None = None) -> None:
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.method = method
        self.noise_sigma = noise_sigma
        self.fit_intercept = fit_intercept
        self.sampler_kwargs = sampler_kwargs

    def _penalty_params(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "l1_ratio": self.l1_ratio}


class LogisticBayes(_Preset):
    r"""Penalised logistic regression as its prior: ``sklearn.LogisticRegression(C, l1_ratio)``.

    ``l1_ratio=0``: Gaussian prior with variance C; ``1``: Laplace with b = C; between: elastic net.
    """

    convention = "sklearn.LogisticRegression"
    likelihood = "logistic"
    noise_sigma = None

    def _accepts_multiclass(self) -> bool:
        return True  # K >= 3 labels: the multinomial, as scikit-learn's LogisticRegression

    def __init__(self, C: float = 1.0, l1_ratio: float = 0.0, *, method: str = "map",
                 fit_intercept: bool = True, sampler_kwargs: dict[str, Any] | None = None) -> None:
        self.C = C
        self.l1_ratio = l1_ratio
        self.method = method
        self.fit_intercept = fit_intercept
        self.sampler_kwargs = sampler_kwargs

    def _penalty_params(self) -> dict[str, Any]:
        return {"C": self.C, "l1_ratio": self.l1_ratio}


class GlmnetBayes(_Preset):
    r"""glmnet's penalty as its prior, with glmnet's scaling of X and y (per-feature scales).

    Parameters
    ----------
    lambda_ : float, default=1.0
    alpha : float, default=1.0
        glmnet's mixing parameter (1: lasso, 0: ridge).
    family : {"gaussian", "binomial", "poisson", "multinomial"}, default="gaussian"
        ``"poisson"``: log link; pass glmnet's ``offset`` (the log exposure) to ``fit`` and ``predict``.
        ``"multinomial"``: K >= 3 classes (glmnet's ungrouped multinomial; ``coef_`` of shape (K, p)).
    standardize : bool, default=True
    penalty_factor : array-like of shape (n_features,), optional
        glmnet's ``penalty.factor``: relative penalty per feature, rescaled to sum to p; 0 leaves
        a feature unpenalised (a flat prior, :class:`~bayesreg.Unpenalized`).
    method, noise_sigma, fit_intercept, sampler_kwargs
        As :class:`LassoBayes`.
    """

    convention = "glmnet"

    def __init__(self, lambda_: float = 1.0, alpha: float = 1.0, family: str = "gaussian", *,
                 standardize: bool = True, penalty_factor: Any = None, method: str = "map",
                 noise_sigma: float | None = 1.0, fit_intercept: bool = True,
                 sampler_kwargs: dict[str, Any] | None = None) -> None:
        self.lambda_ = lambda_
        self.alpha = alpha
        self.family = family
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.method = method
        self.noise_sigma = noise_sigma
        self.fit_intercept = fit_intercept
        self.sampler_kwargs = sampler_kwargs

    @property
    def likelihood(self) -> str:
        families = {"gaussian": "gaussian", "binomial": "logistic", "poisson": "poisson",
                    "multinomial": "multinomial"}
        if self.family not in families:
            raise ValueError(f"The 'family' parameter of GlmnetBayes must be one of {', '.join(map(repr, families))}; "
                             f"got {self.family!r}.")
        return families[self.family]

    def _accepts_multiclass(self) -> bool:
        return self.family == "multinomial"

    def fit(self, X: Any = None, y: Any = None, sample_weight: Any = None, offset: Any = None) -> GlmnetBayes:
        """Fit by exact MAP or NUTS (``method``); returns ``self``.

        ``sample_weight`` are glmnet's observation ``weights``: they weight the likelihood and
        glmnet's standardisation of X and scaling of y (weighted means and sds), exactly as
        ``glmnet(x, y, weights=sample_weight)``; ``offset`` is glmnet's (family ``"poisson"``).
        """
        return super().fit(X, y, sample_weight=sample_weight, offset=offset)

    def _penalty_params(self) -> dict[str, Any]:
        params = {"lambda_": self.lambda_, "alpha": self.alpha, "family": self.family,
                  "standardize": self.standardize}
        if self.penalty_factor is not None:
            params["penalty_factor"] = self.penalty_factor
        return params
