r"""Validated regression data and the Gaussian sufficient statistics.

For weights :math:`s_i` (default 1), :math:`S = \sum_i s_i`, weighted means
:math:`\bar x = \sum_i s_i x_i / S`, :math:`\bar y = \sum_i s_i y_i / S`, the residual sum of
squares of a linear predictor :math:`c + x^\top w` decomposes exactly as

.. math::

    \sum_i s_i (y_i - c - x_i^\top w)^2
      = \underbrace{\tilde y^\top S \tilde y}_{\texttt{yty}}
        - 2 w^\top \underbrace{\tilde X^\top S \tilde y}_{\texttt{xty}}
        + w^\top \underbrace{\tilde X^\top S \tilde X}_{\texttt{gram}} w
        + S\,(\bar y - \bar x^\top w - c)^2,

with :math:`\tilde X = X - \mathbf 1\bar x^\top`, :math:`\tilde y = y - \bar y`. The centred form
avoids the cancellation of :math:`X^\top X - S\bar x\bar x^\top` when features have large means.
Without an intercept the raw (uncentred) moments are used and the last term is absent.
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

__all__ = ["RegressionData", "SufficientStats"]

_CHUNK_ROWS = 8192


@dataclass(frozen=True, eq=False)
class SufficientStats:
    """Gaussian sufficient statistics (centred when ``centered``); see the module docstring."""

    gram: np.ndarray
    xty: np.ndarray
    yty: float
    xbar: np.ndarray
    ybar: float
    weight_sum: float
    centered: bool


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

    def linear_predictor(self, coef: np.ndarray, intercept: float) -> np.ndarray:
        r""":math:`\eta = o + c + X w` (:math:`o` the offset, 0 when none)."""
        eta = self.X @ coef + intercept
        return eta if self.offset is None else eta + self.offset

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
        """Sufficient statistics, accumulated in row chunks (one O(n p^2) pass)."""
        X, y, sw = self.X, self.y, self.sample_weight
        n, p = X.shape
        S = self.weight_sum
        if self.fit_intercept:
            xbar = (sw @ X if sw is not None else X.sum(axis=0)) / S
            ybar = float((sw @ y if sw is not None else y.sum()) / S)
        else:
            xbar, ybar = np.zeros(p), 0.0
        gram = np.zeros((p, p))
        xty = np.zeros(p)
        yty = 0.0
        for start in range(0, n, _CHUNK_ROWS):
            stop = min(start + _CHUNK_ROWS, n)
            xc = X[start:stop] - xbar if self.fit_intercept else X[start:stop]
            yc = y[start:stop] - ybar
            if sw is not None:
                root = np.sqrt(sw[start:stop])
                xc = xc * root[:, None]
                yc = yc * root
            gram += xc.T @ xc
            xty += xc.T @ yc
            yty += float(yc @ yc)
        gram = 0.5 * (gram + gram.T)
        return SufficientStats(gram, xty, yty, xbar, ybar, S, self.fit_intercept)


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
