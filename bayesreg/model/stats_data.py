"""A data set known only through its sufficient statistics: what ``BayesianRegression.fit_stats`` fits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesreg.model.suffstats import SufficientStats

__all__ = ["StatsData", "GramStats", "gram_stats"]


@dataclass(frozen=True, eq=False)
class GramStats:
    r"""The Gaussian log-likelihood's quadratic form as the exact MAP and its bound read it.

    With an intercept (``centered``): :math:`G = \sum_i v_i (x_i - \bar x)(x_i - \bar x)^\top`,
    :math:`X^\top y = \sum_i v_i (x_i - \bar x)(y_i - \bar y)`, :math:`y^\top y = \sum_i v_i (y_i - \bar y)^2`
    and the weighted means; without one, the raw moments and zero means. ``weight_sum`` is :math:`W`.
    """

    gram: np.ndarray
    xty: np.ndarray
    yty: float
    xbar: np.ndarray
    ybar: float
    weight_sum: float
    centered: bool


def gram_stats(stats: SufficientStats, fit_intercept: bool) -> GramStats:
    """:class:`GramStats` of ``stats`` (:meth:`SufficientStats.quadratic_form` and the means)."""
    gram, xty, yty = stats.quadratic_form(fit_intercept)
    if fit_intercept:
        xbar, ybar = stats.mean_x, stats.mean_y
    else:
        xbar, ybar = np.zeros(stats.n_features), 0.0
    return GramStats(gram, xty, float(yty), xbar, float(ybar), stats.weight_sum, bool(fit_intercept))


@dataclass(frozen=True, eq=False)
class StatsData:
    """A data set known only through its :class:`SufficientStats` (no rows): what the
    sufficient-statistics model (:func:`bayesreg.model.build_model`, ``form="suffstats"``) and the
    MAP read, with the same interface as :class:`bayesreg.model.data.RegressionData` where it overlaps.
    """

    suffstats: SufficientStats
    feature_names: tuple[str, ...]
    fit_intercept: bool
    has_rows = False
    sample_weight = None
    offset = None  # a statistics-only data set has no per-row offset

    @classmethod
    def from_stats(cls, stats: SufficientStats, *, fit_intercept: bool = True) -> StatsData:
        if not isinstance(stats, SufficientStats):
            raise TypeError(f"The 'stats' parameter must be a bayesreg.SufficientStats; got {type(stats).__name__}.")
        if stats.weight_sum <= 0:
            raise ValueError(f"The 'stats' parameter describes rows of zero total weight (n={stats.n}); "
                             "the likelihood would be empty.")
        names = stats.feature_names or tuple(f"x{j}" for j in range(stats.n_features))
        return cls(stats, tuple(names), bool(fit_intercept))

    @property
    def gram_stats(self) -> GramStats:
        """The quadratic form of the likelihood (:class:`GramStats`)."""
        return gram_stats(self.suffstats, self.fit_intercept)

    @property
    def n_samples(self) -> int:
        return self.suffstats.n

    @property
    def n_features(self) -> int:
        return self.suffstats.n_features

    @property
    def weight_sum(self) -> float:
        return self.suffstats.weight_sum

    @property
    def n_weighted_rows(self) -> int:
        """The statistics' row count ``n`` (they do not record which rows had zero weight: an upper bound on
        the rows with a positive weight). Only the choice of a global-local prior's parameterization reads it."""
        return self.suffstats.n

    @property
    def y_scale(self) -> float:
        r"""Population sd of y (the default noise prior's scale), as the rows give it: unweighted.

        Unit weights: :math:`\sqrt{\texttt{yty}/n}` (equal to ``np.std(y)`` to rounding). Other weights are
        refused: the statistics hold only the weighted sd. (They cannot tell unit weights from unequal
        weights summing to exactly ``n``; those are taken as unit weights.)
        """
        st = self.suffstats
        if st.weight_sum != st.n:
            raise ValueError(f"The default noise prior's scale is the unweighted sd of y, which weighted sufficient "
                             f"statistics (weight_sum={st.weight_sum:g}, n={st.n}) do not hold: give the noise "
                             "prior's scale explicitly, e.g. noise_prior=br.noise.HalfStudentT(4, scale), or a "
                             "fixed noise_sigma.")
        return st.std_y

    def column_scale(self) -> np.ndarray:
        """Weighted population sd of each column; a constant column is an error."""
        const = self.suffstats.constant_features
        if np.any(const):
            raise ValueError(f"standardize=True: X has a constant column (sd 0): column(s) "
                             f"{[self.feature_names[j] for j in np.flatnonzero(const)][:5]}.")
        return self.suffstats.std_x

    def template(self) -> StatsData:
        """A data set of the same structure to build a template model from (itself: it is small)."""
        return self
