"""Prediction at the point estimate, mixed into :class:`bayesreg.BayesianRegression`.

:class:`PredictionMixin` holds scikit-learn's prediction API: ``predict`` (with an optional
posterior-predictive interval), ``predict_proba`` and ``decision_function`` (logistic likelihood
only, so ``hasattr`` is False otherwise, as for scikit-learn's regressors) and ``score``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bayesreg.estimators.sklearn_compat import NotFittedError, check_design, check_feature_names, column_target

__all__ = ["PredictionMixin"]


class PredictionMixin:
    """Predictions from the fitted ``coef_`` and ``intercept_``.

    The host class provides the fitted attributes ``coef_``, ``intercept_``, ``n_features_in_``
    and (logistic likelihood) ``classes_``, the parameter ``likelihood`` and the method
    ``predictive_draws`` (:class:`~bayesreg.estimators.posterior_analysis.PosteriorAnalysisMixin`), as
    :class:`~bayesreg.BayesianRegression` does.
    """

    def _check_X(self, X: Any) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet; call fit first.")
        check_feature_names(self, X)
        Xa = check_design(X)
        if Xa.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {Xa.shape[1]} features, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input.")
        return Xa

    def _linear_predictor(self, X: Any, offset: Any = None) -> np.ndarray:
        Xa = self._check_X(X)
        coef = np.asarray(self.coef_)
        eta = Xa @ (coef.T if coef.ndim == 2 else coef) + self.intercept_  # multinomial: (n, K) scores
        if offset is not None:
            from bayesreg.model.data import check_offset

            eta = eta + check_offset(offset, Xa.shape[0], "predict")
        return eta

    def _lik_name(self) -> str:
        """The fitted likelihood's name (a logistic fit on K >= 3 classes is multinomial), else the parameter's."""
        fitted = getattr(self, "likelihood_", None)
        return fitted.name if fitted is not None else getattr(self.likelihood, "name", self.likelihood)

    def _classifier(self) -> bool:
        return self._lik_name() in ("logistic", "multinomial")

    @property
    def decision_function(self) -> Any:
        r"""Linear predictor (log-odds of ``classes_[1]``) :math:`\eta = c + Xw` at the point estimate;
        multinomial: the class scores :math:`c + XW^\top`, shape (n, K).

        Classifiers only, as in scikit-learn, whose regressors have no
        ``decision_function``; for the Gaussian likelihood :meth:`predict` returns :math:`\eta`.
        """
        if not self._classifier():
            raise AttributeError("decision_function is only available for likelihood='logistic'; "
                                 "predict returns the linear predictor for likelihood='gaussian'.")
        return self._linear_predictor

    def predict(self, X: Any, return_interval: bool = False, prob: float = 0.9, offset: Any = None) -> Any:
        r"""Predictions; with ``return_interval`` (NUTS) also the ``prob`` posterior-predictive interval.

        Gaussian and Student-t: the location :math:`\eta`; asymmetric Laplace: the fitted
        ``quantile`` of y, :math:`\eta`; Poisson and negative binomial: the mean
        :math:`e^{\eta}` (``offset``: the log exposure of the new rows); logistic: the class label
        (use :meth:`predict_proba`). With
        ``return_interval=True`` returns ``(mean, lower, upper)`` of the posterior predictive
        distribution (Gaussian: including the noise; logistic: of the probability).

        For the logistic likelihood the posterior of a probability near 0 or 1 is very skewed, so
        its mean can lie outside the central interval; use the median (``predictive_draws``) if a
        point inside the interval is wanted.
        """
        if offset is not None and self._lik_name() not in ("poisson", "negative_binomial"):
            raise ValueError("The 'offset' parameter of predict is only supported for the count likelihoods "
                             f"('poisson', 'negative_binomial'); got likelihood {self._lik_name()!r}.")
        if not return_interval:
            eta = self._linear_predictor(X, offset)
            if self._lik_name() == "logistic":
                return self.classes_[(eta > 0).astype(int)]
            if self._lik_name() == "multinomial":
                return self.classes_[np.argmax(eta, axis=1)]
            if self._lik_name() in ("poisson", "negative_binomial"):
                return np.exp(eta)
            return eta
        from bayesreg._validation import check_open_fraction

        check_open_fraction("prob", "predict", prob, what="the probability of the central interval")
        draws = self.predictive_draws(X, offset=offset)
        lo, hi = np.quantile(draws, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
        return draws.mean(axis=0), lo, hi

    @property
    def predict_proba(self) -> Any:
        """Class probabilities ``[P(classes_[0]), P(classes_[1])]``, shape (n, 2) (logistic); the
        softmax of the K class scores, shape (n, K), columns in ``classes_`` order (multinomial).

        Only present for ``likelihood="logistic"`` (``hasattr(est, "predict_proba")`` is False
        otherwise, as for scikit-learn's regressors).
        """
        if not self._classifier():
            raise AttributeError("predict_proba is only available for likelihood='logistic' or 'multinomial'.")
        return self._predict_proba

    def _predict_proba(self, X: Any) -> np.ndarray:
        from scipy.special import expit, softmax

        eta = self._linear_predictor(X)
        if eta.ndim == 2:  # multinomial: softmax of the K class scores, columns in classes_ order
            return softmax(eta, axis=1)
        p1 = expit(eta)
        return np.column_stack([1 - p1, p1])

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy (logistic) or R² of the predicted mean (other likelihoods)."""
        from bayesreg._validation import check_sample_weight

        pred = self.predict(X)
        y = column_target(y, type(self).__name__)
        w = check_sample_weight(sample_weight, y.shape[0])
        if self._classifier():
            return float(np.average(pred == y, weights=w))
        y = y.astype(float)
        w = np.ones_like(y) if w is None else w
        ybar = np.average(y, weights=w)
        return float(1 - np.sum(w * (y - pred) ** 2) / np.sum(w * (y - ybar) ** 2))
