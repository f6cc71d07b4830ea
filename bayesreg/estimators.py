r"""``BayesianRegression``: one model, two ways to fit it (exact MAP or NUTS).

Follows the scikit-learn estimator contract: ``__init__`` only stores parameters, ``fit`` returns
``self``, fitted attributes end in ``_``, ``get_params``/``set_params`` work (scikit-learn's
``BaseEstimator`` is used when scikit-learn is installed; it is not a dependency).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from bayesreg.data import RegressionData
from bayesreg.likelihoods import LIKELIHOODS, get_likelihood
from bayesreg.map import DEFAULT_TOL, find_map
from bayesreg.model import FORMS, build_model
from bayesreg.priors import Gaussian, Prior

__all__ = ["BayesianRegression", "METHODS"]

METHODS = ("map", "nuts")

try:  # pragma: no cover - depends on the environment
    from sklearn.base import BaseEstimator as _Base
except ImportError:  # pragma: no cover
    class _Base:  # minimal get_params/set_params, same semantics as scikit-learn's
        @classmethod
        def _get_param_names(cls) -> list[str]:
            sig = inspect.signature(cls.__init__)
            return sorted(p for p in sig.parameters if p != "self")

        def get_params(self, deep: bool = True) -> dict[str, Any]:
            return {k: getattr(self, k) for k in self._get_param_names()}

        def set_params(self, **params: Any) -> _Base:
            valid = self._get_param_names()
            for k, v in params.items():
                if k not in valid:
                    raise ValueError(f"Invalid parameter {k!r} for {type(self).__name__}; valid: {valid}.")
                setattr(self, k, v)
            return self


class BayesianRegression(_Base):
    r"""Bayesian linear or logistic regression with a penalty-equivalent prior.

    Model: :math:`w_j \sim` ``prior``, flat intercept, :math:`y \mid w, c \sim` ``likelihood``.

    Parameters
    ----------
    prior : Prior, default=None
        :class:`~bayesreg.Laplace`, :class:`~bayesreg.Gaussian` or :class:`~bayesreg.ElasticNet`
        (build one from a penalty with :func:`bayesreg.penalty_to_prior`). ``None`` means
        ``Gaussian(1.0)``.
    likelihood : {"gaussian", "logistic"}, default="gaussian"
    noise_sigma : float or None, default=1.0
        Gaussian noise scale; fixed for the MAP. ``None`` samples it (NUTS only) with a
        weakly-informative HalfStudentT(4, sd(y)) prior.
    fit_intercept : bool, default=True
        Unpenalised intercept (flat prior).
    method : {"map", "nuts"}, default="map"
        Exact posterior mode with an optimality certificate, or NUTS draws of the full posterior.
    form : {"auto", "rows", "suffstats"}, default="auto"
        How the Gaussian likelihood is written in PyMC (identical posterior).
    tol : float, default=1e-8
        Pass threshold of the MAP's relative KKT residual.
    draws, tune, chains : int, default=1000, 1000, 4
        NUTS settings.
    random_seed : int or None, default=None
    target_accept : float, default=0.9
    progressbar : bool, default=True
    sampler : {"auto", "pymc", "nutpie"}, default="auto"
        NUTS backend. ``"auto"``: nutpie (when installed) for the sufficient-statistics form, where
        its sampling is several times faster than PyMC's, and PyMC's NUTS for models written over
        all rows (nutpie's numba backend computes X'r slowly there); nutpie's one-off numba compile
        costs a few seconds (see docs/benchmarks.md).
    parameterization : {"auto", "centered", "mixture"}, default="auto"
        NUTS parameterization of a Laplace prior (see :func:`bayesreg.model.build_model`).
    noise_prior_scale : float or None, default=None
        Scale of the HalfStudentT(4, scale) prior on a sampled noise scale; ``None`` uses sd(y).
    standardize : bool, default=False
        Put the prior on the *standardised* coefficients :math:`\tilde w_j = w_j s_j`
        (:math:`s_j` the population sd of column j), as glmnet does. Nothing is rescaled
        silently: this is exactly a per-feature prior on the original scale
        (:math:`\ell_{1,j} s_j`, :math:`\ell_{2,j} s_j^2`; Laplace :math:`b_j = b/s_j`), so
        ``coef_``, ``idata_`` and predictions stay on the original scale; ``prior_`` shows the
        per-feature prior actually used.

    Attributes
    ----------
    coef_ : ndarray (n_features,)
        MAP (``method="map"``) or posterior mean (``"nuts"``).
    intercept_ : float
    certificate_ : Certificate
        KKT residuals of the MAP (``method="map"``).
    idata_ : arviz.InferenceData
        Posterior draws (``method="nuts"``).
    feature_names_in_ : ndarray of str
    n_features_in_ : int
    """

    def __init__(
        self,
        prior: Prior | None = None,
        likelihood: str = "gaussian",
        noise_sigma: float | None = 1.0,
        fit_intercept: bool = True,
        method: str = "map",
        form: str = "auto",
        tol: float = DEFAULT_TOL,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        random_seed: int | None = None,
        target_accept: float = 0.9,
        progressbar: bool = True,
        sampler: str = "auto",
        parameterization: str = "auto",
        noise_prior_scale: float | None = None,
        standardize: bool = False,
    ) -> None:
        self.prior = prior
        self.likelihood = likelihood
        self.noise_sigma = noise_sigma
        self.fit_intercept = fit_intercept
        self.method = method
        self.form = form
        self.tol = tol
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.random_seed = random_seed
        self.target_accept = target_accept
        self.progressbar = progressbar
        self.sampler = sampler
        self.parameterization = parameterization
        self.noise_prior_scale = noise_prior_scale
        self.standardize = standardize

    # ------------------------------------------------------------------ helpers
    def _check_params(self) -> tuple[Prior, Any]:
        if self.method not in METHODS:
            raise ValueError(f"The 'method' parameter of BayesianRegression must be one of "
                             f"{', '.join(map(repr, METHODS))}; got {self.method!r}.")
        if self.likelihood not in LIKELIHOODS:
            raise ValueError(f"The 'likelihood' parameter of BayesianRegression must be one of "
                             f"{', '.join(map(repr, LIKELIHOODS))}; got {self.likelihood!r}.")
        if self.form not in FORMS:
            raise ValueError(f"The 'form' parameter of BayesianRegression must be one of "
                             f"{', '.join(map(repr, FORMS))}; got {self.form!r}.")
        from bayesreg.hierarchical import HierarchicalPrior

        prior = Gaussian(1.0) if self.prior is None else self.prior
        if isinstance(prior, HierarchicalPrior):
            if self.method != "nuts":
                raise ValueError(f"{type(prior).__name__} has random hyperparameters and no fixed "
                                 "penalty: fit it with method='nuts'.")
        elif not isinstance(prior, Prior):
            raise TypeError(f"The 'prior' parameter of BayesianRegression must be a bayesreg prior "
                            f"(Laplace, Gaussian, ElasticNet); got {type(prior).__name__}.")
        noise = self.noise_sigma
        if noise is None and self.method == "map" and self.likelihood == "gaussian":
            raise ValueError("noise_sigma=None (sampled noise) needs method='nuts'; the MAP uses a "
                             "fixed noise scale.")
        return prior, get_likelihood(self.likelihood, noise)

    def _resolve_prior(self, prior: Any, data: RegressionData) -> Any:
        """The prior for this data (presets build it from their penalty parameters)."""
        return prior

    def _standardized(self, prior: Any, data: RegressionData) -> Any:
        if not self.standardize:
            return prior
        if not isinstance(prior, Prior):
            raise ValueError("standardize=True needs a prior with a fixed penalty (Laplace, Gaussian, "
                             f"ElasticNet); got {type(prior).__name__}.")
        from bayesreg.conventions._base import PenaltyWeights, weights_to_prior

        scale = data.X.std(axis=0)
        if np.any(scale == 0):
            raise ValueError("standardize=True: X has a constant column (sd 0).")
        l1, l2 = prior.penalty_weights(data.n_features)
        return weights_to_prior(PenaltyWeights(l1 * scale, l2 * scale**2))

    def _sampling_options(self) -> dict[str, Any]:
        return {"draws": self.draws, "tune": self.tune, "chains": self.chains,
                "random_seed": self.random_seed, "target_accept": self.target_accept,
                "progressbar": self.progressbar, "sampler": self.sampler}

    def _data(self, X: Any, y: Any, sample_weight: Any, lik: Any) -> RegressionData:
        return RegressionData.from_xy(X, y, sample_weight=sample_weight, binary=lik.binary,
                                      fit_intercept=self.fit_intercept)

    def build_model(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
        """The ``pymc.Model`` this estimator fits on (X, y); nothing is fitted."""
        prior, lik = self._check_params()
        data = self._data(X, y, sample_weight, lik)
        return build_model(data, self._resolve_prior(prior, data), lik, form=self.form).model

    # ------------------------------------------------------------------ fitting
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> BayesianRegression:
        """Fit by exact MAP or NUTS (``method``); returns ``self``."""
        prior, lik = self._check_params()
        data = self._data(X, y, sample_weight, lik)
        prior = self._standardized(self._resolve_prior(prior, data), data)
        self.prior_ = prior
        self.n_features_in_ = data.n_features
        self.feature_names_in_ = np.asarray(data.feature_names, dtype=object)
        if self.method == "map":
            result = find_map(data, prior, lik, form=self.form, tol=self.tol)
            self.coef_ = result.coef
            self.intercept_ = result.intercept
            self.certificate_ = result.certificate
            self.objective_ = result.objective
            self.n_iter_ = result.n_iter
            if not result.certificate.passed:
                import warnings

                warnings.warn(f"MAP not certified optimal: {result.certificate}", RuntimeWarning,
                              stacklevel=2)
            return self
        from bayesreg.sampling import check_diagnostics, sample_posterior

        noise_prior = None
        if self.noise_prior_scale is not None:
            from bayesreg._validation import check_positive_float
            from bayesreg.model import half_student_t_noise

            scale = check_positive_float("noise_prior_scale", "BayesianRegression", self.noise_prior_scale)
            noise_prior = half_student_t_noise(scale)
        built = build_model(data, prior, lik, form=self.form, noise_prior=noise_prior,
                            parameterization=self.parameterization)
        attrs = {"prior": repr(prior), "likelihood": lik.name,
                 "noise_sigma": "sampled" if lik.name == "gaussian" and self.noise_sigma is None
                 else str(self.noise_sigma), "fit_intercept": int(self.fit_intercept)}
        self.idata_ = sample_posterior(built, attrs=attrs, **self._sampling_options())
        post = self.idata_.posterior
        self.coef_ = post["coef"].mean(("chain", "draw")).values
        self.intercept_ = float(post["intercept"].mean()) if "intercept" in post else 0.0
        self.diagnostics_ = check_diagnostics(self.idata_)
        return self

    # ------------------------------------------------------------------ prediction
    def _check_X(self, X: Any) -> np.ndarray:
        from bayesreg._validation import check_matrix

        if not hasattr(self, "coef_"):
            raise AttributeError(f"This {type(self).__name__} instance is not fitted yet; call fit first.")
        Xa = check_matrix(X)
        if Xa.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {Xa.shape[1]} features, but {type(self).__name__} was fitted "
                             f"with {self.n_features_in_}.")
        return Xa

    def decision_function(self, X: Any) -> np.ndarray:
        r"""Linear predictor :math:`\eta = c + Xw` at the point estimate."""
        return self._check_X(X) @ self.coef_ + self.intercept_

    def predict(self, X: Any, return_interval: bool = False, prob: float = 0.9) -> Any:
        """Predictions; with ``return_interval`` (NUTS) also the ``prob`` posterior-predictive interval.

        Gaussian: the mean; logistic: the class label (use :meth:`predict_proba`). With
        ``return_interval=True`` returns ``(mean, lower, upper)`` of the posterior predictive
        distribution (Gaussian: including the noise; logistic: of the probability).
        """
        if not return_interval:
            eta = self.decision_function(X)
            return eta if self.likelihood == "gaussian" else (eta > 0).astype(float)
        draws = self.predictive_draws(X)
        lo, hi = np.quantile(draws, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
        return draws.mean(axis=0), lo, hi

    def predictive_draws(self, X: Any, random_seed: int | None = None) -> np.ndarray:
        """Posterior predictive draws (Gaussian: y incl. noise; logistic: probabilities), (S, n)."""
        if not hasattr(self, "idata_"):
            raise AttributeError("predictive draws need a posterior: fit with method='nuts'.")
        Xa = self._check_X(X)
        post = self.idata_.posterior
        coef = post["coef"].values.reshape(-1, self.n_features_in_)
        eta = coef @ Xa.T
        if "intercept" in post:
            eta += post["intercept"].values.reshape(-1, 1)
        if self.likelihood == "logistic":
            from scipy.special import expit

            return expit(eta)
        sigma = post["sigma"].values.reshape(-1, 1) if "sigma" in post else self.noise_sigma
        rng = np.random.default_rng(self.random_seed if random_seed is None else random_seed)
        return eta + sigma * rng.standard_normal(eta.shape)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``[P(y=0), P(y=1)]`` (logistic only)."""
        if self.likelihood != "logistic":
            raise AttributeError("predict_proba is only available for likelihood='logistic'.")
        from scipy.special import expit

        p1 = expit(self.decision_function(X))
        return np.column_stack([1 - p1, p1])

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """R² (Gaussian) or accuracy (logistic)."""
        y = np.asarray(y, dtype=float)
        w = np.ones_like(y) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        pred = self.predict(X)
        if self.likelihood == "logistic":
            return float(np.average(pred == y, weights=w))
        ybar = np.average(y, weights=w)
        return float(1 - np.sum(w * (y - pred) ** 2) / np.sum(w * (y - ybar) ** 2))

    def summary(self, hdi_prob: float = 0.94) -> Any:
        """ArviZ summary of the posterior: mean, sd, HDI, R-hat, bulk/tail ESS (NUTS only)."""
        if not hasattr(self, "idata_"):
            raise AttributeError("summary() needs a posterior: fit with method='nuts'.")
        from bayesreg.sampling import _arviz

        names = [v for v in ("coef", "intercept", "sigma") if v in self.idata_.posterior]
        return _arviz().summary(self.idata_, var_names=names, hdi_prob=hdi_prob)

    def prob_exceeds(self, eps: float) -> Any:
        r"""Posterior probability :math:`P(|w_j| > \varepsilon \mid y)` per feature (NUTS only)."""
        import pandas as pd

        draws = self._coef_draws()
        return pd.Series((np.abs(draws) > abs(float(eps))).mean(axis=0),
                         index=list(self.feature_names_in_), name=f"P(|w|>{abs(eps):g})")

    def compare(self, *, map_coef: Any = None, penalized_coef: Any = None, prob: float = 0.9) -> Any:
        """Side by side per feature: MAP, penalised optimum, posterior mean, median, ``prob`` interval.

        ``map_coef`` defaults to the exact MAP of the same prior (when it has a fixed penalty).
        """
        import pandas as pd

        draws = self._coef_draws()
        lo, med, hi = np.quantile(draws, [(1 - prob) / 2, 0.5, (1 + prob) / 2], axis=0)
        table = pd.DataFrame({"posterior_mean": draws.mean(axis=0), "posterior_median": med,
                              f"lower_{prob:g}": lo, f"upper_{prob:g}": hi},
                             index=list(self.feature_names_in_))
        if penalized_coef is not None:
            table.insert(0, "penalized", np.asarray(penalized_coef, dtype=float))
        if map_coef is not None:
            table.insert(0, "MAP", np.asarray(map_coef, dtype=float))
        return table

    def _coef_draws(self) -> np.ndarray:
        if not hasattr(self, "idata_"):
            raise AttributeError("this needs a posterior: fit with method='nuts'.")
        return self.idata_.posterior["coef"].values.reshape(-1, self.n_features_in_)
