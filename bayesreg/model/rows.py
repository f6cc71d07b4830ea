r"""Rows that stay where they are: the map-reduce interface the GLM fits at scale are written against.

A :class:`RowSource` holds rows :math:`(X_k, y_k, v_k)` in blocks and evaluates

.. math::

    \operatorname{combine}_k\; f(X_k, y_k, v_k, \ldots)

(by default the sum of tuples of floats and arrays) in one pass over the blocks. The solvers of
:mod:`bayesreg.inference.distributed` and :mod:`bayesreg.inference.laplace_psis` use nothing else,
so the same code runs on

* :class:`ArrayRows`: in-memory arrays, blocks processed in order (the reference), and
* :class:`bayesreg.model.dask_data.DaskRows`: blocks persisted on Dask workers, each pass one task per
  block and a tree reduction, on any Dask scheduler.

A pass is deterministic given the blocks (fixed reduction tree), so re-running a lost task on
another worker (Dask's retry) gives the same result.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bayesreg._validation import check_matrix, check_sample_weight
from bayesreg.model.suffstats import SufficientStats

__all__ = ["RowSource", "ArrayRows", "RowSummary", "sum_tuples", "block_summary", "block_stats", "merge_stats",
           "tree_reduce"]


def sum_tuples(*parts: tuple) -> tuple:
    """Element-wise sum of tuples of floats / arrays (the default ``combine``)."""
    first = parts[0]
    return tuple(sum((p[i] for p in parts[1:]), start=np.copy(first[i]) if isinstance(first[i], np.ndarray)
                     else first[i]) for i in range(len(first)))


def merge_stats(*parts: SufficientStats) -> SufficientStats:
    """``combine`` for :class:`SufficientStats` (Chan–Golub–LeVeque merges, left to right)."""
    acc = parts[0]
    for s in parts[1:]:
        acc = acc.merge(s)
    return acc


def tree_reduce(items: Sequence[Any], combine: Callable[..., Any], split_every: int = 8) -> Any:
    """Combine ``items`` in a balanced tree of fan-in ``split_every`` (fixed order: deterministic)."""
    level = list(items)
    if not level:
        raise ValueError("nothing to reduce: the data have no blocks of rows.")
    while len(level) > 1:
        level = [combine(*level[i:i + split_every]) if len(level[i:i + split_every]) > 1 else level[i]
                 for i in range(0, len(level), split_every)]
    return level[0]


def block_summary(X: np.ndarray, y: np.ndarray, v: np.ndarray | None) -> tuple:
    """``(n, W, non-finite X, non-finite y, y not in {0,1}, negative weights, sum v x)`` of one block."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n = X.shape[0]
    W = float(n if v is None else np.sum(v))
    bad_x = int(np.count_nonzero(~np.isfinite(X)))
    bad_y = int(np.count_nonzero(~np.isfinite(y)))
    nonbinary = int(np.count_nonzero((y != 0) & (y != 1)))
    neg = 0 if v is None else int(np.count_nonzero(~(np.asarray(v) >= 0)))
    with np.errstate(invalid="ignore", over="ignore"):
        sx = X.sum(axis=0) if v is None else np.asarray(v, dtype=float) @ X
    return (n, W, bad_x, bad_y, nonbinary, neg, sx)


def block_stats(X: np.ndarray, y: np.ndarray, v: np.ndarray | None) -> SufficientStats:
    """:class:`SufficientStats` of one (validated) block; zero rows give the empty statistics."""
    X = np.asarray(X, dtype=float)
    if X.shape[0] == 0:
        return SufficientStats.empty(X.shape[1])
    return SufficientStats._unchecked(X, np.asarray(y, dtype=float), None if v is None else np.asarray(v, float),
                                      None)


@dataclass(frozen=True)
class RowSummary:
    """What one validation pass learns about the rows."""

    n_samples: int
    weight_sum: float
    binary: bool
    mean_x: np.ndarray  # weighted column means (the Hessians' centring shift)


class RowSource(ABC):
    """Rows in blocks with a one-pass map-reduce (module docstring)."""

    feature_names: tuple[str, ...]
    has_weights: bool

    @abstractmethod
    def map_reduce(self, fn: Callable[..., Any], *args: Any, combine: Callable[..., Any] = sum_tuples) -> Any:
        """``combine`` over blocks of ``fn(X_k, y_k, v_k, *args)``, in one pass."""

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    def summary(self) -> RowSummary:
        """Row count, weight sum and whether y is binary; raises if X, y or the weights are invalid."""
        cached = getattr(self, "_summary", None)
        if cached is not None:
            return cached
        n, W, bad_x, bad_y, nonbinary, neg, sx = self.map_reduce(block_summary)
        if bad_x or bad_y:
            raise ValueError(f"X and y must be finite; got {bad_x} non-finite value(s) in X and {bad_y} in y.")
        if neg:
            raise ValueError(f"sample_weight must be finite and non-negative; got {neg} invalid weight(s).")
        if n == 0 or W <= 0:
            raise ValueError(f"the rows are empty or have zero total weight (n={n}, weight sum {W:g}).")
        out = RowSummary(int(n), float(W), nonbinary == 0, np.asarray(sx, dtype=float) / W)
        self._summary = out
        return out

    @property
    def n_samples(self) -> int:
        return self.summary().n_samples

    @property
    def weight_sum(self) -> float:
        return self.summary().weight_sum

    def stats(self) -> SufficientStats:
        """Gaussian :class:`SufficientStats` of the rows (cached; one O(n p^2) pass)."""
        cached = getattr(self, "_stats", None)
        if cached is None:
            cached = self.map_reduce(block_stats, combine=merge_stats)
            cached = SufficientStats(cached.n, cached.weight_sum, cached.mean_x, cached.mean_y, cached.xtx,
                                     cached.xty, cached.yty, self.feature_names, cached.mean_x_lo,
                                     cached.mean_y_lo)
            self._stats = cached
        return cached


class ArrayRows(RowSource):
    """In-memory rows in blocks of ``block_rows`` (the reference :class:`RowSource`)."""

    def __init__(self, X: Any, y: Any, sample_weight: Any = None, *, feature_names: Sequence[str] | None = None,
                 block_rows: int = 65536) -> None:
        from bayesreg._validation import feature_names_of

        self.X = check_matrix(X)
        self.y = np.asarray(y, dtype=float).ravel()
        if self.y.shape != (self.X.shape[0],):
            raise ValueError(f"X and y have inconsistent numbers of samples: X has {self.X.shape[0]} rows, "
                             f"y has {self.y.shape[0]}.")
        self.v = check_sample_weight(sample_weight, self.X.shape[0])
        self.has_weights = self.v is not None
        self.feature_names = tuple(feature_names or feature_names_of(X, self.X.shape[1]))
        self.block_rows = int(block_rows)

    def blocks(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        n, b = self.X.shape[0], self.block_rows
        return [(self.X[i:i + b], self.y[i:i + b], None if self.v is None else self.v[i:i + b])
                for i in range(0, n, b)]

    def map_reduce(self, fn: Callable[..., Any], *args: Any, combine: Callable[..., Any] = sum_tuples) -> Any:
        return tree_reduce([fn(X, y, v, *args) for X, y, v in self.blocks()], combine)


class RowsData:
    """The estimator's view of a :class:`RowSource` (as :class:`~bayesreg.model.stats_data.StatsData` is of
    statistics): size, names, weights and, lazily, the statistics glmnet's scaling needs."""

    has_rows = False  # no in-memory X
    sample_weight = None

    def __init__(self, rows: RowSource, fit_intercept: bool) -> None:
        self.rows = rows
        self.fit_intercept = bool(fit_intercept)
        self.feature_names = tuple(rows.feature_names)

    @property
    def n_samples(self) -> int:
        return self.rows.n_samples

    @property
    def n_features(self) -> int:
        return self.rows.n_features

    @property
    def weight_sum(self) -> float:
        return self.rows.weight_sum

    @property
    def suffstats(self) -> SufficientStats:
        return self.rows.stats()

    def column_scale(self) -> np.ndarray:
        from bayesreg.model.stats_data import StatsData

        return StatsData.from_stats(self.suffstats, fit_intercept=self.fit_intercept).column_scale()
