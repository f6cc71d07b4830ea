r"""Validated regression data (rows in memory).

Its Gaussian sufficient statistics (:attr:`RegressionData.suffstats`) are a
:class:`bayesreg.model.suffstats.SufficientStats`, the same object a stream of chunks, files or a
Dask collection reduces to; the model reads only those in the sufficient-statistics form, so a fit
on rows and a fit on the statistics alone (``BayesianRegression.fit_stats``) are the same
computation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from bayesreg._validation import (
    check_matrix,
    check_sample_weight,
    check_target,
    feature_names_of,
)
from bayesreg.model.suffstats import SufficientStats, _block_stats

__all__ = ["RegressionData", "SufficientStats"]

_CHUNK_ROWS = 8192  # rows per chunk of the Newton Hessians (inference/curvature.py)


@dataclass(frozen=True, eq=False)
class RegressionData:
    """Validated design matrix, target and optional sample weights.

    Build with :meth:`from_xy`; it checks finiteness, shapes and (for a binary likelihood) that
    ``y`` is in {0, 1}, and keeps the feature names of a pandas DataFrame.
    """

    X: np.ndarray
    y: np.ndarray
    sample_weight: np.ndarray | None
    feature_names: tuple[str, ...]
    fit_intercept: bool

    @classmethod
    def from_xy(
        cls,
        X: object,
        y: object,
        *,
        sample_weight: object = None,
        binary: bool = False,
        fit_intercept: bool = True,
    ) -> RegressionData:
        Xa = check_matrix(X)
        ya = check_target(y, Xa.shape[0], binary=binary)
        sw = check_sample_weight(sample_weight, Xa.shape[0])
        names = tuple(feature_names_of(X, Xa.shape[1]))
        return cls(Xa, ya, sw, names, bool(fit_intercept))

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def weights(self) -> np.ndarray:
        """Sample weights, ones when none were given."""
        return np.ones(self.n_samples) if self.sample_weight is None else self.sample_weight

    @property
    def weight_sum(self) -> float:
        return float(self.n_samples if self.sample_weight is None else self.sample_weight.sum())

    def linear_predictor(self, coef: np.ndarray, intercept: float) -> np.ndarray:
        r""":math:`\eta = c + X w`."""
        return self.X @ coef + intercept

    has_rows = True

    @cached_property
    def suffstats(self) -> SufficientStats:
        """Sufficient statistics (centred; one O(n p^2) pass in row chunks; see ``model/suffstats.py``)."""
        n, W, mx, my, xtx, xty, yty, _, lo_x, lo_y = _block_stats(self.X, self.y, self.sample_weight)
        return SufficientStats(n, W, mx, my, xtx, xty, yty, self.feature_names, lo_x, lo_y)

    @property
    def y_scale(self) -> float:
        """Population sd of y (unweighted; the default noise prior's scale)."""
        return float(np.std(self.y))

    def column_scale(self) -> np.ndarray:
        """Population sd of each column, weighted by the sample weights (glmnet's standardisation)."""
        w = self.weights
        rows = self.X[w > 0]
        if rows.shape[0] < 2:
            raise ValueError(f"standardize=True needs at least 2 samples to scale the features; got "
                             f"{rows.shape[0]} sample (with positive weight).")
        if np.any(np.ptp(rows, axis=0) == 0):
            raise ValueError("standardize=True: X has a constant column (sd 0).")
        mean = np.average(self.X, axis=0, weights=w)  # weighted as glmnet: weights = repeated rows
        return np.sqrt(np.average((self.X - mean) ** 2, axis=0, weights=w))

    def template(self) -> RegressionData:
        """A two-row data set of the same structure (a template model compiles once for all data)."""
        sw = None if self.sample_weight is None else self.sample_weight[:2]
        return RegressionData(self.X[:2], self.y[:2], sw, self.feature_names, self.fit_intercept)
