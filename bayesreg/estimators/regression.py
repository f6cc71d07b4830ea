r"""``BayesianRegression``: one model, two ways to fit it (exact MAP or NUTS).

Follows the scikit-learn estimator contract: ``__init__`` only stores parameters, ``fit`` returns
``self``, fitted attributes end in ``_``, ``get_params``/``set_params`` work (scikit-learn's
``BaseEstimator`` is used when scikit-learn is installed; it is not a dependency). With
scikit-learn installed the estimators pass ``sklearn.utils.estimator_checks``: regressor or binary
classifier tags follow ``likelihood``, unfitted use raises ``NotFittedError``, a logistic fit takes
any two class labels (``classes_``), and ``predict_proba`` / ``decision_function`` exist only
for the logistic likelihood.

This module holds the parameters, their validation and ``fit``; the class inherits prediction
(``predict``, ``predict_proba``, ``decision_function``, ``score``) from
:class:`bayesreg.estimators.prediction.PredictionMixin` and the posterior analysis of a NUTS fit
(``predictive_draws``, ``summary``, ``prob_exceeds``, ``compare``, ``coef_draws``) from
:class:`bayesreg.estimators.posterior_analysis.PosteriorAnalysisMixin`, and formula input
(``from_formula``) from :class:`bayesreg.estimators.formula.FormulaMixin`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from bayesreg.estimators.formula import FormulaMixin
from bayesreg.estimators.params import METHODS, check_estimator_params
from bayesreg.estimators.posterior_analysis import PosteriorAnalysisMixin
from bayesreg.estimators.prediction import PredictionMixin
from bayesreg.estimators.scale import ScaleMixin
from bayesreg.estimators.shrinkage import ShrinkageAnalysisMixin
from bayesreg.estimators.sklearn_compat import (
    BaseEstimator,
    NotFittedError,
    check_design,
    column_target,
    encode_classes,
    fitted_feature_names,
)
from bayesreg.inference.map import DEFAULT_TOL, find_map
from bayesreg.model.build import build_model
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import get_likelihood
from bayesreg.model.noise import DEFAULT_NOISE_PRIOR
from bayesreg.model.priors import Gaussian, Prior
from bayesreg.model.rows import ArrayRows

__all__ = ["BayesianRegression", "METHODS", "NotFittedError"]

#: likelihood names that make the estimator a classifier
CLASSIFIERS = ("logistic", "multinomial")


class BayesianRegression(FormulaMixin, PredictionMixin, PosteriorAnalysisMixin, ShrinkageAnalysisMixin,
                         ScaleMixin, BaseEstimator):
    r"""Bayesian linear or logistic regression with a penalty-equivalent prior.

    Model: :math:`w_j \sim` ``prior``, flat intercept, :math:`y \mid w, c \sim` ``likelihood``.

    Parameters
    ----------
    prior : Prior, default=None
        :class:`~bayesreg.Laplace`, :class:`~bayesreg.Gaussian` or :class:`~bayesreg.ElasticNet`
        (build one from a penalty with :func:`bayesreg.penalty_to_prior`). ``None`` means
        ``Gaussian(1.0)``. Priors with random scales (``method="nuts"`` only): the Bayesian lasso
        and the global–local shrinkage priors :class:`~bayesreg.Horseshoe`,
        :class:`~bayesreg.HorseshoePlus`, :class:`~bayesreg.RegularizedHorseshoe`,
        :class:`~bayesreg.R2D2` (``docs/shrinkage.md``).
    likelihood : str or Likelihood, default="gaussian"
        ``"gaussian"``, ``"logistic"``, ``"poisson"``, ``"negative_binomial"``, ``"student_t"``,
        ``"multinomial"``, or a likelihood object with its parameters: :class:`~bayesreg.Poisson`,
        :class:`~bayesreg.NegativeBinomial` (``alpha`` fixed: convex MAP; ``None``: sampled, NUTS),
        :class:`~bayesreg.StudentT` (``nu``, ``sigma`` fixed or sampled; its MAP is a certified
        stationary point, possibly local). Count likelihoods take an ``offset`` (log exposure) in
        ``fit`` and ``predict``; ``predict`` returns the mean :math:`e^{\eta}` for them.
        ``"multinomial"`` (:class:`~bayesreg.Multinomial`): softmax over K >= 3 class labels, weights
        (K, p) with the prior on every entry, intercepts summing to zero; ``"logistic"`` switches to
        it when ``y`` has K >= 3 labels (as scikit-learn's ``LogisticRegression`` does).
    noise_sigma : float, None or "auto", default="auto"
        Gaussian noise scale; fixed for the MAP. ``None`` samples it (NUTS only) with the
        ``noise_prior``. ``"auto"`` is ``None`` for a prior that
        puts its own prior on the noise (:class:`~bayesreg.BayesianLasso`) and 1.0 otherwise.
    fit_intercept : bool, default=True
        Unpenalised intercept (flat prior).
    method : {"map", "nuts", "laplace"}, default="map"
        Exact posterior mode with an optimality certificate, or NUTS draws of the full posterior, or
        (fixed-penalty priors) the Laplace approximation at the certified MAP corrected by
        Pareto-smoothed importance sampling, reported with its Pareto k-hat and refused as a
        posterior when k-hat > 0.7 (:mod:`bayesreg.inference.laplace_psis`; the method for GLMs on
        data that do not fit in memory, ``fit_dask``).
    form : {"auto", "rows", "suffstats"}, default="auto"
        How the Gaussian likelihood is written in PyMC (identical posterior).
    tol : float, default=1e-8
        Pass threshold of the MAP's relative KKT residual.
    draws, tune, chains : int, default=1000, 1000, 4
        NUTS settings.
    random_seed : int or None, default=None
    target_accept : float or None, default=None
        NUTS's target acceptance rate. ``None``: 0.9, or 0.99 for a :class:`RegularizedHorseshoe`
        whose coefficients are integrated out over more shrunk features than residual rows (p > n),
        where 0.9 diverged (:func:`bayesreg.inference.sampling.default_target_accept`); the value used
        is ``idata_.attrs["target_accept"]``.
    progressbar : bool, default=True
    sampler : {"auto", "pymc", "nutpie", "nutpie-jax", "numpyro", "jax", "jax-float64"}, default="auto"
        NUTS backend (:mod:`bayesreg.inference.backends`); all sample the same posterior.
        ``"auto"`` picks the fastest measured one that is installed: nutpie (numba) for the
        sufficient-statistics form from 50 features on; for models written over all rows
        (logistic) from n * p = 1e5 on (extra ``jax``), ``"jax"`` when it samples the model, else
        nutpie with JAX; PyMC's NUTS otherwise (smaller models, where the one-off numba/JAX compile
        costs more than it saves; see docs/benchmarks.md). ``"jax"`` (logistic likelihood with a
        fixed-penalty prior): NumPyro's NUTS on bayesreg's own JAX log-density, single precision
        end to end (:mod:`bayesreg.inference.jax_nuts` bounds its effect on the posterior);
        ``"jax-float64"`` the same in double precision.
    parameterization : {"auto", "centered", "mixture", "marginal", "noncentered"}, default="auto"
        NUTS parameterization (see :func:`bayesreg.model.build_model`): ``"centered"`` /
        ``"mixture"`` for a Laplace prior; ``"marginal"`` (coefficients integrated out, Gaussian
        likelihood) / ``"noncentered"`` for a global–local prior.
    noise_prior_scale : float or None, default=None
        Deprecated: ``noise_prior=bayesreg.noise.HalfStudentT(4, scale)`` is the same prior.
    standardize : bool, default=False
        Put the prior on the *standardised* coefficients :math:`\tilde w_j = w_j s_j`
        (:math:`s_j` the population sd of column j, weighted by ``sample_weight``), as glmnet
        does. Nothing is rescaled silently: this is exactly a per-feature prior on the original scale
        (:math:`\ell_{1,j} s_j`, :math:`\ell_{2,j} s_j^2`; Laplace :math:`b_j = b/s_j`), so
        ``coef_``, ``idata_`` and predictions stay on the original scale; ``prior_`` shows the
        per-feature prior actually used. For a global–local prior the prior sd of
        :math:`\beta_j` given the scales is divided by :math:`s_j` (``feature_scale``).
    noise_prior : bayesreg.noise prior or None, default=None
        Prior of a sampled Gaussian noise scale (``noise_sigma=None``): ``bayesreg.noise.Jeffreys()``,
        ``HalfStudentT(nu, scale)``, ``HalfNormal(scale)``, ``HalfCauchy(scale)``,
        ``Exponential(rate)``; ``None`` is ``HalfStudentT(4, sd(y))``. The Bayesian lasso keeps its
        own Jeffreys prior.

    Attributes
    ----------
    coef_ : ndarray (n_features,) or (n_classes, n_features)
        MAP (``method="map"``) or posterior mean (``"nuts"``); (K, p) for the multinomial.
    intercept_ : float or ndarray (n_classes,)
        The multinomial's K intercepts sum to zero.
    certificate_ : Certificate
        KKT residuals and certified error bound of the MAP (``method="map"``; docs/certificates.md).
    idata_ : arviz.InferenceData
        Posterior draws (``method="nuts"``).
    classes_ : ndarray (2,) or (n_classes,)
        The two class labels (logistic likelihood); ``classes_[1]`` is the event of the model
        (y = 1), as in scikit-learn's binary classifiers. Multinomial: the K sorted labels, the rows
        of ``coef_`` and the columns of ``predict_proba``.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame X; with :meth:`from_formula`, the coded columns
        (``C(g)[T.b]``).
    n_features_in_ : int
    model_spec_ : formulaic.ModelSpecs
        The encoding learned from the formula's data (estimators built with :meth:`from_formula`),
        applied to new data by ``predict`` and ``predictive_draws``.
    """

    def __init__(
        self,
        prior: Prior | None = None,
        likelihood: str = "gaussian",
        noise_sigma: float | None | str = "auto",
        fit_intercept: bool = True,
        method: str = "map",
        form: str = "auto",
        tol: float = DEFAULT_TOL,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        random_seed: int | None = None,
        target_accept: float | None = None,
        progressbar: bool = True,
        sampler: str = "auto",
        parameterization: str = "auto",
        noise_prior_scale: float | None = None,
        standardize: bool = False,
        noise_prior: Any = None,
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
        self.noise_prior = noise_prior

    # ------------------------------------------------------------------ scikit-learn protocol
    @property
    def _estimator_type(self) -> str:
        return "classifier" if self._likelihood_name() in CLASSIFIERS else "regressor"

    def _accepts_multiclass(self) -> bool:
        """A logistic classifier fitted on K >= 3 classes uses the multinomial likelihood (as
        scikit-learn's ``LogisticRegression`` does since 1.5); the two-class presets (glmnet's binomial
        family, dropout's) refuse more than two labels."""
        return True

    def _likelihood_name(self) -> str:
        """The likelihood's name (``likelihood`` may be a name or an object)."""
        return getattr(self.likelihood, "name", self.likelihood)

    def __sklearn_tags__(self) -> Any:
        """Regressor tags (Gaussian likelihood) or binary-classifier tags (logistic); dense input."""
        from sklearn.utils import ClassifierTags, RegressorTags

        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.target_tags.required = True
        if self._likelihood_name() in CLASSIFIERS:
            tags.estimator_type = "classifier"
            tags.classifier_tags = ClassifierTags(multi_class=self._accepts_multiclass())
            tags.regressor_tags = None
        else:
            tags.estimator_type = "regressor"
            tags.regressor_tags = RegressorTags()
            tags.classifier_tags = None
        tags.non_deterministic = self.method == "nuts" and self._random_seed() is None
        return tags

    def _random_seed(self) -> Any:
        return self.random_seed

    def __sklearn_is_fitted__(self) -> bool:
        # not scikit-learn's default (any attribute ending in "_"): GlmnetBayes has a lambda_ parameter
        return hasattr(self, "coef_")

    # ------------------------------------------------------------------ helpers
    def _check_params(self) -> tuple[Prior, Any]:
        check_estimator_params(self)
        from bayesreg.model.global_local import is_global_local
        from bayesreg.model.hierarchical import HierarchicalPrior
        from bayesreg.model.unpenalized import shrunk_prior

        prior = Gaussian(1.0) if self.prior is None else self.prior
        if is_global_local(prior):
            if self.method != "nuts":
                refusal = shrunk_prior(prior).map_refusal
                raise ValueError(f"method={self.method!r} is not available: {refusal}")
        elif isinstance(prior, HierarchicalPrior):
            if self.method != "nuts":  # "map" and "laplace" need the mode of a fixed penalty
                raise ValueError(f"{type(prior).__name__} has random hyperparameters and no fixed "
                                 "penalty: fit it with method='nuts'.")
        elif not isinstance(prior, Prior):
            raise TypeError(f"The 'prior' parameter of BayesianRegression must be a bayesreg prior "
                            f"(Laplace, Gaussian, ElasticNet); got {type(prior).__name__}.")
        noise = self._noise_sigma(prior)
        if noise is None and self.method != "nuts" and self._likelihood_name() == "gaussian":
            raise ValueError("noise_sigma=None (sampled noise) needs method='nuts'; the MAP uses a "
                             "fixed noise scale.")
        return prior, get_likelihood(self.likelihood, noise)

    def _noise_sigma(self, prior: Any = None) -> float | None:
        """``noise_sigma`` with ``"auto"`` resolved (see the class docstring)."""
        if isinstance(self.noise_sigma, str):
            if self.noise_sigma != "auto":
                raise ValueError(f"The 'noise_sigma' parameter of BayesianRegression must be a positive "
                                 f"float, None or 'auto'; got {self.noise_sigma!r}.")
            prior = self.prior if prior is None else prior
            return None if getattr(prior, "samples_noise", False) else 1.0
        return self.noise_sigma

    def _resolve_prior(self, prior: Any, data: RegressionData) -> Any:
        """The prior for this data (presets build it from their penalty parameters)."""
        return prior

    def _standardized(self, prior: Any, data: RegressionData) -> Any:
        if not self.standardize:
            return prior
        from bayesreg.model.global_local import is_global_local

        if not isinstance(prior, Prior) and not is_global_local(prior):
            raise ValueError("standardize=True needs a prior with a fixed penalty (Laplace, Gaussian, "
                             f"ElasticNet); got {type(prior).__name__}.")
        from bayesreg.conventions._base import PenaltyWeights, weights_to_prior

        scale = data.column_scale()  # weighted population sds (from the statistics without rows)
        if is_global_local(prior):
            from bayesreg.estimators.shrinkage import standardized_global_local

            return standardized_global_local(prior, scale)
        l1, l2 = prior.penalty_weights(data.n_features)
        return weights_to_prior(PenaltyWeights(l1 * scale, l2 * scale**2))

    def _sampling_options(self) -> dict[str, Any]:
        return {"draws": self.draws, "tune": self.tune, "chains": self.chains,
                "random_seed": self.random_seed, "target_accept": self.target_accept,
                "progressbar": self.progressbar, "sampler": self.sampler}

    def _data(self, X: Any, y: Any, sample_weight: Any, lik: Any, offset: Any = None) -> RegressionData:
        data, _, _, _ = self._data_and_classes(X, y, sample_weight, lik, offset)
        return data

    def _data_and_classes(self, X: Any, y: Any, sample_weight: Any, lik: Any,
                          offset: Any = None) -> tuple[RegressionData, np.ndarray | None, bool, Any]:
        """Validated data; class labels are encoded to {0, 1} or, for K >= 3 classes, to the codes
        0..K-1 (``classes`` else None), and the likelihood becomes the multinomial over them.

        The third value says whether the feature names are string column names, which ``predict``
        then checks (:func:`~bayesreg.estimators.sklearn_compat.check_feature_names`); the fourth is
        the likelihood to fit.
        """
        Xa = check_design(X)
        names, named = fitted_feature_names(X, Xa.shape[1], type(self).__name__)
        ya = column_target(y, type(self).__name__)
        classes = None
        if lik.binary or lik.name == "multinomial":
            multi = lik.name == "multinomial" or self._accepts_multiclass()
            ya, classes = encode_classes(ya, Xa.shape[0], multiclass=multi)
            if lik.name == "multinomial" or classes.size > 2:
                from bayesreg.model.multinomial import Multinomial

                lik = Multinomial(None, tuple(classes.tolist()) if classes.size > 2 else None)
        if sample_weight is not None:
            try:
                all_zero = bool(np.all(np.asarray(sample_weight, dtype=float) == 0))
            except (TypeError, ValueError):
                all_zero = False  # check_sample_weight reports it
            if all_zero:
                raise ValueError("sample_weight: all weights are zero; at least one must be positive.")
        if offset is not None and not lik.takes_offset:
            raise ValueError(f"The 'offset' parameter of fit is only supported for the count likelihoods "
                             f"('poisson', 'negative_binomial'); got likelihood {lik.name!r}.")
        lik.check_y(ya)
        data = RegressionData.from_xy(Xa, ya, sample_weight=sample_weight, fit_intercept=self.fit_intercept,
                                      offset=offset)
        if lik.binary and self.fit_intercept:
            present = np.unique(data.y[data.weights > 0])
            if present.size < 2:
                raise ValueError(f"Only one class ({classes[int(present[0])]}) has positive sample_weight; "
                                 "the logistic likelihood with an intercept needs both classes (the "
                                 "intercept's posterior has no mode otherwise).")
        if lik.name == "multinomial":
            lik = lik.resolve(data)
            missing = np.setdiff1d(np.arange(lik.n_outputs), data.y[data.weights > 0])
            if missing.size and self.fit_intercept:
                raise ValueError(f"The 'sample_weight' parameter must give every class positive weight; class "
                                 f"{classes[int(missing[0])]} has none (its intercept would have no mode).")
        return replace(data, feature_names=tuple(names)), classes, named, lik

    def build_model(self, X: Any = None, y: Any = None, sample_weight: Any = None, offset: Any = None) -> Any:
        """The ``pymc.Model`` this estimator fits on (X, y); nothing is fitted."""
        X, y = self._formula_inputs(X, y)
        prior, lik = self._check_params()
        data, _, _, lik = self._data_and_classes(X, y, sample_weight, lik, offset)
        from bayesreg.estimators.shrinkage import resolve_noise_prior

        noise_prior = resolve_noise_prior(getattr(self, "noise_prior", None), self.noise_prior_scale, prior)
        prior = self._standardized(self._resolve_prior(prior, data), data)
        return build_model(data, prior, lik, form=self.form, noise_prior=noise_prior,
                           parameterization=self.parameterization).model

    # ------------------------------------------------------------------ fitting
    def fit(self, X: Any = None, y: Any = None, sample_weight: Any = None, offset: Any = None) -> BayesianRegression:
        r"""Fit by exact MAP or NUTS (``method``); returns ``self``.

        ``offset``: a known term of the linear predictor per row (count likelihoods: the log
        exposure, :math:`\eta_i = \log t_i + c + x_i^\top w`); pass it to ``predict`` too.

        Built with :meth:`from_formula`: ``fit()`` fits the formula on its data, ``fit(df)`` on
        other data (no ``y``: the response is the formula's left-hand side).
        """
        X, y = self._formula_inputs(X, y)
        prior, lik = self._check_params()
        data, classes, named, lik = self._data_and_classes(X, y, sample_weight, lik, offset)
        if classes is not None:
            self.classes_ = classes
        return self._fit_data(data, prior, lik, named)

    def _fit_data(self, data: Any, prior: Any, lik: Any, named: bool = False) -> BayesianRegression:
        """Fit validated data: rows in memory (``fit``) or sufficient statistics (``fit_stats``)."""
        prior = self._standardized(self._resolve_prior(prior, data), data)
        self.likelihood_ = lik
        self.prior_ = prior
        self.n_features_in_ = data.n_features
        self.feature_names_in_ = np.asarray(data.feature_names, dtype=object)
        self._fitted_with_column_names = named
        if self.method in ("map", "laplace"):
            result = find_map(data, prior, lik, form=self.form, tol=self.tol)
            self._store_map(result)
            if self.method == "laplace":
                if lik.name == "multinomial":
                    raise ValueError("method='laplace' is not available for the multinomial likelihood; "
                                     "use method='map' or 'nuts'.")
                self._laplace_psis(ArrayRows(data.X, data.y, data.sample_weight,
                                             feature_names=data.feature_names), prior, lik, result)
            return self
        from bayesreg.estimators.shrinkage import divergence_hint, kappa_inputs, resolve_noise_prior
        from bayesreg.inference.diagnostics import check_diagnostics
        from bayesreg.inference.sampling import sample_posterior

        noise_prior = resolve_noise_prior(getattr(self, "noise_prior", None), self.noise_prior_scale, prior)
        if isinstance(prior, Prior):  # flat coefficients: the posterior must be proper (no separation)
            from bayesreg.model.identifiability import check_posterior_mode

            check_posterior_mode(data, prior, lik)
        built = build_model(data, prior, lik, form=self.form, noise_prior=noise_prior,
                            parameterization=self.parameterization)
        sampled = lik.name == "gaussian" and lik.noise_sigma is None
        attrs = {"prior": repr(prior), "likelihood": lik.name,
                 "noise_sigma": "sampled" if sampled else str(getattr(lik, "noise_sigma", None)),
                 "fit_intercept": int(self.fit_intercept)}
        if sampled and not getattr(prior, "samples_noise", False):
            attrs["noise_prior"] = repr(noise_prior or DEFAULT_NOISE_PRIOR)  # scale=None: sd(y)
        if hasattr(lik, "quantile"):  # the asymmetric Laplace: what the posterior predictive needs
            attrs["quantile"] = lik.quantile
        self.idata_ = sample_posterior(built, attrs=attrs, **self._sampling_options())
        post = self.idata_.posterior
        self.coef_ = post["coef"].mean(("chain", "draw")).values
        if lik.name == "multinomial":  # coef (class, feature), intercept (class)
            self.intercept_ = (post["intercept"].mean(("chain", "draw")).values if "intercept" in post
                               else np.zeros(lik.n_outputs))
        else:
            self.intercept_ = float(post["intercept"].mean()) if "intercept" in post else 0.0
        self._kappa_inputs = kappa_inputs(data, lik)
        self.diagnostics_ = check_diagnostics(self.idata_, ("coef", "intercept", "sigma", "tau"),
                                              divergence_hint=divergence_hint(prior, lik, built.form))
        return self
