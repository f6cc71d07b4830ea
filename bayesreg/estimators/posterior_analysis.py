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
    ``feature_names_in_``, the parameters ``likelihood`` and ``random_seed``, and the methods
    ``_check_X`` (validated design of a fitted estimator) and ``_noise_sigma`` (the fixed
    Gaussian noise scale), as :class:`~bayesreg.BayesianRegression` does. Without a posterior
    (``method="map"``) every method raises ``AttributeError``.
    """

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
        sigma = post["sigma"].values.reshape(-1, 1) if "sigma" in post else self._noise_sigma()
        rng = np.random.default_rng(self.random_seed if random_seed is None else random_seed)
        return eta + sigma * rng.standard_normal(eta.shape)

    def summary(self, hdi_prob: float = 0.94) -> Any:
        """ArviZ summary of the posterior: mean, sd, HDI, R-hat, bulk/tail ESS (NUTS only)."""
        if not hasattr(self, "idata_"):
            raise AttributeError("summary() needs a posterior: fit with method='nuts'.")
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
