"""Posterior analysis of a NUTS fit, mixed into :class:`bayesreg.BayesianRegression`.

:class:`PosteriorAnalysisMixin` holds the methods that read the posterior draws in ``idata_``
(``method="nuts"``): coefficient draws, posterior-predictive draws, the ArviZ summary,
exceedance probabilities and the side-by-side comparison with point estimates.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["PosteriorAnalysisMixin"]


class PosteriorAnalysisMixin:
    """Methods on the posterior draws of a fitted estimator (NUTS only).

    The host class provides the fitted attributes ``idata_``, ``n_features_in_`` and
    ``feature_names_in_``, the parameter ``likelihood``, and the methods ``_random_seed`` (the
    seed of the NUTS run: ``random_seed``, or a preset's ``sampler_kwargs["random_seed"]``),
    ``_check_X`` (validated design of a fitted estimator) and ``_noise_sigma`` (the fixed
    Gaussian noise scale), as :class:`~bayesreg.BayesianRegression` does. Without a posterior
    (``method="map"``) every method raises ``AttributeError``.
    """

    def predictive_draws(self, X: Any, random_seed: Any = None, offset: Any = None) -> np.ndarray:
        """Posterior predictive draws at new rows ``X`` (NUTS only), shape (chains * draws, n).

        Gaussian: :math:`\\eta^{(s)} + \\sigma^{(s)}\\varepsilon` (y including the noise); logistic: the
        probabilities :math:`\\operatorname{expit}(\\eta^{(s)})` of ``classes_[1]``; multinomial: the class
        probabilities, shape (chains * draws, n, K). The noise is seeded
        by ``random_seed``, else by the estimator's ``random_seed`` (a preset's
        ``sampler_kwargs["random_seed"]``).
        """
        from bayesreg._validation import check_random_seed
        from bayesreg.inference.predictive import linear_predictor_draws, posterior_predictive_draws

        if not hasattr(self, "idata_"):
            raise AttributeError("predictive draws need a posterior: fit with method='nuts'.")
        check_random_seed("random_seed", "predictive_draws", random_seed)
        Xa = self._check_X(X)
        post = self.idata_.posterior
        lik = getattr(self, "likelihood_", None)
        if lik is not None and lik.name == "multinomial":  # class-probability draws, (S, n, K)
            from scipy.special import softmax

            eta = linear_predictor_draws(post, Xa)
            return softmax(eta, axis=-1).reshape(-1, Xa.shape[0], eta.shape[-1])
        if lik is not None and hasattr(lik, "predictive_draws"):  # counts, Student-t: y draws
            eta = linear_predictor_draws(post, Xa)
            if offset is not None:
                from bayesreg.model.data import check_offset

                eta = eta + check_offset(offset, Xa.shape[0], "predictive_draws")
            params = {k: post[k].values for k in ("alpha", "nu", "sigma") if k in post}
            rng = np.random.default_rng(self._random_seed() if random_seed is None else random_seed)
            return lik.predictive_draws(eta, rng, **params).reshape(-1, Xa.shape[0])
        if self.likelihood == "logistic":
            from scipy.special import expit

            return expit(linear_predictor_draws(post, Xa)).reshape(-1, Xa.shape[0])
        rng = np.random.default_rng(self._random_seed() if random_seed is None else random_seed)
        draws = posterior_predictive_draws(post, Xa, "gaussian", self._noise_sigma(), rng)
        return draws.reshape(-1, Xa.shape[0])

    def sample_posterior_predictive(self, random_seed: Any = None) -> Any:
        """Add the ``posterior_predictive`` group (``y``, dims chain, draw, obs) to ``idata_``; return it.

        One exact draw per posterior draw and training row (Gaussian: :math:`\\eta + \\sigma\\varepsilon`;
        logistic: Bernoulli(expit :math:`\\eta`); :mod:`bayesreg.inference.predictive`), seeded by
        ``random_seed``, else by the estimator's ``random_seed``. With the ``observed_data``,
        ``constant_data`` and ``log_likelihood`` groups every NUTS fit carries, ``arviz.plot_ppc``,
        ``arviz.plot_loo_pit`` and ``arviz.plot_bpv`` then work on ``idata_``. Not done by default:
        the group holds chains x draws x n values.
        """
        from bayesreg._validation import check_random_seed
        from bayesreg.inference.predictive import add_posterior_predictive

        if not hasattr(self, "idata_"):
            raise AttributeError("sample_posterior_predictive() needs a posterior: fit with method='nuts'.")
        check_random_seed("random_seed", "sample_posterior_predictive", random_seed)
        if "constant_data" not in self.idata_.groups() or "X" not in self.idata_.constant_data:
            raise ValueError("sample_posterior_predictive() draws y for the training rows, but this posterior was "
                             "fitted from sufficient statistics alone (fit_stats / fit_dask): there are no rows. "
                             "Predict new rows with predict(X), or fit(X, y) on data that fit in memory.")
        return add_posterior_predictive(self.idata_, self._random_seed() if random_seed is None else random_seed,
                                        getattr(self, "likelihood_", None))

    def summary(self, hdi_prob: float = 0.94) -> Any:
        """ArviZ summary of the posterior: mean, sd, HDI, R-hat, bulk/tail ESS (NUTS only)."""
        from bayesreg._validation import check_open_fraction

        if not hasattr(self, "idata_"):
            raise AttributeError("summary() needs a posterior: fit with method='nuts'.")
        check_open_fraction("hdi_prob", "summary", hdi_prob, what="the probability mass of the HDI")
        from bayesreg.inference.diagnostics import summarize

        names = [v for v in ("coef", "intercept", "sigma") if v in self.idata_.posterior]
        # 4 decimals, so that R-hat can be read against the 1.01 threshold
        return summarize(self.idata_, names, hdi_prob=hdi_prob, round_to=4)

    def prob_exceeds(self, eps: float) -> Any:
        r"""Posterior probability :math:`P(|w_j| > \varepsilon \mid y)` per feature (NUTS only)."""
        import pandas as pd

        draws = self.coef_draws()
        return pd.Series((np.abs(draws) > abs(float(eps))).mean(axis=0),
                         index=list(self.feature_names_in_), name=f"P(|w|>{abs(eps):g})")

    def compare(self, *, map_coef: Any = None, penalized_coef: Any = None, prob: float = 0.9) -> Any:
        """Side by side per feature: MAP, penalised optimum, posterior mean, median, ``prob`` interval.

        ``map_coef`` defaults to the exact MAP of the same prior (when it has a fixed penalty).
        """
        import pandas as pd

        from bayesreg._validation import check_open_fraction

        check_open_fraction("prob", "compare", prob, what="the probability of the central interval")
        draws = self.coef_draws()
        lo, med, hi = np.quantile(draws, [(1 - prob) / 2, 0.5, (1 + prob) / 2], axis=0)
        table = pd.DataFrame({"posterior_mean": draws.mean(axis=0), "posterior_median": med,
                              f"lower_{prob:g}": lo, f"upper_{prob:g}": hi},
                             index=list(self.feature_names_in_))
        if penalized_coef is not None:
            table.insert(0, "penalized", np.asarray(penalized_coef, dtype=float))
        if map_coef is not None:
            table.insert(0, "MAP", np.asarray(map_coef, dtype=float))
        return table

    def coef_draws(self) -> np.ndarray:
        """Posterior draws of the coefficients, chains stacked: shape ``(chains * draws, n_features)``."""
        return self._stacked_coef_draws()

    def _stacked_coef_draws(self) -> np.ndarray:
        if not hasattr(self, "idata_"):
            raise AttributeError("this needs a posterior: fit with method='nuts'.")
        return self.idata_.posterior["coef"].values.reshape(-1, self.n_features_in_)
