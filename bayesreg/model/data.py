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
from bayesreg.model.stats_data import GramStats, gram_stats
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
    #: Known offset :math:`o_i` of the linear predictor (count likelihoods: log exposure), or None.
    offset: np.ndarray | None = None

    @classmethod
    def from_xy(
        cls,
        X: object,
        y: object,
        *,
        sample_weight: object = None,
        binary: bool = False,
        fit_intercept: bool = True,
        offset: object = None,
    ) -> RegressionData:
        Xa = check_matrix(X)
        ya = check_target(y, Xa.shape[0], binary=binary)
        sw = check_sample_weight(sample_weight, Xa.shape[0])
        names = tuple(feature_names_of(X, Xa.shape[1]))
        _check_squares_finite(Xa, ya, sw, names)
        return cls(Xa, ya, sw, names, bool(fit_intercept), check_offset(offset, Xa.shape[0]))

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

    @property
    def n_weighted_rows(self) -> int:
        """Rows with a positive weight (the rows the likelihood sees)."""
        return int(self.n_samples if self.sample_weight is None else np.count_nonzero(self.sample_weight > 0))

    def linear_predictor(self, coef: np.ndarray, intercept: float) -> np.ndarray:
        r""":math:`\eta = o + c + X w` (:math:`o` the offset, 0 when none)."""
        eta = self.X @ coef + intercept
        return eta if self.offset is None else eta + self.offset

    has_rows = True

    @cached_property
    def magnitudes(self) -> tuple[np.ndarray, float]:
        r"""Weighted column sums of absolute values :math:`\sum_i s_i|x_{ij}|` and the largest row
        norm :math:`\max_i \|x_i\|_2` (one pass in row chunks; rounding-error bounds use them)."""
        sw = self.sample_weight
        col = np.zeros(self.n_features)
        row_max = 0.0
        rows = max(16, min(1024, (1 << 17) // max(self.n_features, 1)))  # ~1 MB blocks stay in cache
        buf = np.empty((rows, self.n_features))
        for start in range(0, self.n_samples, rows):
            stop = min(start + rows, self.n_samples)
            block = np.abs(self.X[start:stop], out=buf[: stop - start])
            col += (sw[start:stop] @ block) if sw is not None else block.sum(axis=0)
            row_max = max(row_max, float(np.max(np.einsum("ij,ij->i", block, block))))
        return col, float(np.sqrt(row_max))

    @cached_property
    def suffstats(self) -> SufficientStats:
        """Sufficient statistics (centred; one O(n p^2) pass in row chunks; see ``model/suffstats.py``)."""
        n, W, mx, my, xtx, xty, yty, _, lo_x, lo_y = _block_stats(self.X, self.y, self.sample_weight)
        return SufficientStats(n, W, mx, my, xtx, xty, yty, self.feature_names, lo_x, lo_y)

    @cached_property
    def gram_stats(self) -> GramStats:
        """The likelihood's quadratic form: centred with an intercept, raw moments without."""
        return gram_stats(self.suffstats, self.fit_intercept)

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
        off = None if self.offset is None else self.offset[:2]
        return RegressionData(self.X[:2], self.y[:2], sw, self.feature_names, self.fit_intercept, off)


def check_offset(offset: object, n_samples: int, owner: str = "fit") -> np.ndarray | None:
    """A finite float vector of length ``n_samples`` (or ``None``), else a ``ValueError`` naming ``offset``."""
    if offset is None:
        return None
    try:
        arr = np.asarray(offset, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"The 'offset' parameter of {owner} must be a numeric vector (e.g. the log exposure); "
                         f"got {type(offset).__name__}.") from None
    if arr.ndim != 1 or arr.shape[0] != n_samples:
        raise ValueError(f"The 'offset' parameter of {owner} must be a vector of length {n_samples} (one value "
                         f"per row of X); got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"The 'offset' parameter of {owner} must be finite (log exposure: exposures must be > 0); "
                         f"got {int(np.sum(~np.isfinite(arr)))} non-finite value(s).")
    return arr


def _check_squares_finite(X: np.ndarray, y: np.ndarray, sw: np.ndarray | None, names: tuple[str, ...]) -> None:
    r"""Refuse data whose (weighted) sums of squares overflow float64, naming the column.

    Finite entries can still be too large to fit: :math:`\sum_i s_i x_{ij}^2` (the diagonal of
    :math:`X^\top S X`, which bounds every other entry by Cauchy-Schwarz) or :math:`\sum_i s_i y_i^2`
    overflowing to inf would make the Gaussian sufficient statistics, the Newton Hessian and the
    certificate inf/NaN deep inside the solver. One O(np) pass, before any model is built.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if sw is None:
            x_sq, y_sq = np.einsum("ij,ij->j", X, X), float(y @ y)
        else:
            x_sq, y_sq = np.einsum("i,ij,ij->j", sw, X, X), float(sw @ (y * y))
    bad = np.flatnonzero(~np.isfinite(x_sq))
    if bad.size:
        j = int(bad[0])
        big = float(np.max(np.abs(X[:, j])))
        more = f" (and {bad.size - 1} more column(s))" if bad.size > 1 else ""
        raise ValueError(
            f"X column {j} ({names[j]!r}){more} is too large: the (weighted) sum of its squares overflows "
            f"float64 (largest |value| {big:.3g} over {X.shape[0]} rows), so X'X cannot be formed; "
            f"rescale the column (e.g. divide it by {10 ** np.floor(np.log10(big)):.0e})."
        )
    if not np.isfinite(y_sq):
        big = float(np.max(np.abs(y)))
        raise ValueError(
            f"y is too large: the (weighted) sum of its squares overflows float64 (largest |value| "
            f"{big:.3g} over {y.shape[0]} rows); rescale it (e.g. divide it by "
            f"{10 ** np.floor(np.log10(big)):.0e})."
        )
