r"""Mergeable Gaussian sufficient statistics: what a Gaussian model needs to know about the data.

For rows :math:`(x_i, y_i)` with weights :math:`v_i \ge 0` (1 by default),
:math:`W = \sum_i v_i`, :math:`\bar x = \sum_i v_i x_i / W`, :math:`\bar y = \sum_i v_i y_i / W`,

.. math::

    \texttt{xtx} = \sum_i v_i (x_i - \bar x)(x_i - \bar x)^\top, \quad
    \texttt{xty} = \sum_i v_i (x_i - \bar x)(y_i - \bar y), \quad
    \texttt{yty} = \sum_i v_i (y_i - \bar y)^2 .

The weighted residual sum of squares of any linear predictor is then exact (``model/data.py``):

.. math::

    \sum_i v_i (y_i - c - x_i^\top w)^2 = \texttt{yty} - 2 w^\top\texttt{xty} + w^\top\texttt{xtx}\,w
        + W(\bar y - \bar x^\top w - c)^2 ,

so the Gaussian posterior (MAP and NUTS) depends on the data only through
:math:`(W, \bar x, \bar y, \texttt{xtx}, \texttt{xty}, \texttt{yty})`: :math:`O(p^2)` numbers
for any number of rows.

**Computing them.** A block of rows in memory is reduced in one read by
:func:`bayesreg.model.gram.centred_gram`: cache-sized chunks, each centred at its own mean
:math:`\hat m` (the corrected two-pass algorithm: the rounding left in the mean,
:math:`s = \sum_i v_i(x_i - \hat m)`, is removed as :math:`-s s^\top/W`), their centred products
accumulated by one BLAS ``dsyrk`` with :math:`\beta = 1`, and the between-chunk scatter about the
global mean added at the end. Two sets of rows :math:`A, B`
(blocks, partitions, files) are combined by the pairwise update of Chan, Golub & LeVeque
(1979, 1983), with :math:`\delta = \bar x_B - \bar x_A`:

.. math::

    W = W_A + W_B, \quad \bar x = \bar x_A + \frac{W_B}{W}\delta, \quad
    \texttt{xtx} = \texttt{xtx}_A + \texttt{xtx}_B + \frac{W_A W_B}{W}\delta\delta^\top

(and the same for the :math:`y` terms). Only centred quantities are ever added, so means of
:math:`10^8` do not destroy precision, as the textbook one-pass
:math:`\sum v x x^\top - W\bar x\bar x^\top` does (``tests/test_suffstats.py`` shows both against
a long-double reference). Merging is associative up to rounding; :func:`tree_merge` combines many
blocks pairwise (error growth :math:`O(\log k)` for :math:`k` blocks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bayesreg._validation import check_matrix, check_sample_weight, check_target, describe, feature_names_of
from bayesreg.model.gram import centred_gram

__all__ = ["SufficientStats", "tree_merge"]

#: a column whose sd is below this many ulps of its mean is constant (``constant_features``)
_CONSTANT_ULPS = 64


def _merge_parts(a: tuple, b: tuple) -> tuple:
    """Chan–Golub–LeVeque merge of two ``(W, mean_x, lo_x, mean_y, lo_y, xtx, xty, yty)`` tuples
    (module docstring)."""
    Wa, ma, la, mya, lya, xa, ca, ya = a
    Wb, mb, lb, myb, lyb, xb, cb, yb = b
    if Wb == 0.0:
        return a
    if Wa == 0.0:
        return b
    W = Wa + Wb
    # difference of the means from their double-double forms: the leading parts subtract exactly
    # (Sterbenz) when the means are close, as they are when they are large
    dx = (mb - ma) + (lb - la)
    dy = (myb - mya) + (lyb - lya)
    f = Wa * Wb / W
    mean_x, lo_x = _two_sum(ma, la + dx * (Wb / W))
    mean_y, lo_y = _two_sum(mya, lya + dy * (Wb / W))
    xtx = xa + xb
    xtx += f * np.outer(dx, dx)
    return W, mean_x, lo_x, float(mean_y), float(lo_y), xtx, ca + cb + f * dx * dy, ya + yb + f * dy * dy


def _block_stats(X: np.ndarray, y: np.ndarray, v: np.ndarray | None) -> tuple:
    """Statistics of a block of rows in one read (:func:`bayesreg.model.gram.centred_gram`)."""
    return _gram_parts(X.shape[0], centred_gram(X, y, v))


def _gram_parts(n: int, gram: tuple) -> tuple:
    """``(n, W, mean_x, mean_y, xtx, xty, yty, None, lo_x, lo_y)`` from ``centred_gram``'s
    ``(W, mean, mean_lo, C)`` of ``[X, y]``."""
    W, mean, lo, C = gram
    p = C.shape[0] - 1
    return (n, W, mean[:p], float(mean[p]), C[:p, :p].copy(), C[:p, p].copy(), max(float(C[p, p]), 0.0), None,
            lo[:p], float(lo[p]))


def _two_sum(a: Any, b: Any) -> tuple[Any, Any]:
    """``(s, e)`` with ``s = fl(a + b)`` and ``s + e = a + b`` exactly (Knuth's TwoSum)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@dataclass(frozen=True, eq=False)
class SufficientStats:
    r"""Gaussian sufficient statistics of weighted rows; mergeable (module docstring).

    Attributes
    ----------
    n : int
        Number of rows (zero-weight rows included).
    weight_sum : float
        :math:`W = \sum_i v_i` (``n`` without weights).
    mean_x : ndarray of shape (p,)
        Weighted column means :math:`\bar x`.
    mean_y : float
        Weighted mean :math:`\bar y`.
    xtx : ndarray of shape (p, p)
        Centred :math:`\sum_i v_i (x_i - \bar x)(x_i - \bar x)^\top`.
    xty : ndarray of shape (p,)
        Centred :math:`\sum_i v_i (x_i - \bar x)(y_i - \bar y)`.
    yty : float
        Centred :math:`\sum_i v_i (y_i - \bar y)^2`.
    feature_names : tuple of str or None
        Column names, when the rows came with them (DataFrame, Parquet, CSV).

    Examples
    --------
    >>> import numpy as np, bayesreg as br
    >>> rng = np.random.default_rng(0); X = rng.normal(size=(100, 3)); y = X @ [1., 2., 3.]
    >>> a = br.SufficientStats.from_arrays(X[:40], y[:40])
    >>> b = br.SufficientStats.from_arrays(X[40:], y[40:])
    >>> bool(np.allclose(a.merge(b).xtx, br.SufficientStats.from_arrays(X, y).xtx))
    True
    """

    n: int
    weight_sum: float
    mean_x: np.ndarray
    mean_y: float
    xtx: np.ndarray
    xty: np.ndarray
    yty: float
    feature_names: tuple[str, ...] | None = field(default=None)
    #: the rounding left in ``mean_x`` / ``mean_y`` (true mean = mean + lo, a double-double), kept
    #: so that merging blocks whose means are ~1e8 loses nothing in the difference of the means
    mean_x_lo: np.ndarray | None = field(default=None, repr=False)
    mean_y_lo: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        mean_x = np.atleast_1d(np.asarray(self.mean_x, dtype=float))
        p = mean_x.shape[0]
        xtx = np.asarray(self.xtx, dtype=float)
        xty = np.asarray(self.xty, dtype=float)
        if mean_x.ndim != 1 or xtx.shape != (p, p) or xty.shape != (p,):
            raise ValueError(f"SufficientStats: mean_x, xtx and xty must have shapes (p,), (p, p), (p,); got "
                             f"{mean_x.shape}, {xtx.shape}, {xty.shape}.")
        if self.n < 0 or not np.isfinite(self.weight_sum) or self.weight_sum < 0:
            raise ValueError(f"SufficientStats: n must be >= 0 and weight_sum finite and >= 0; got n={self.n}, "
                             f"weight_sum={self.weight_sum!r}.")
        if not (np.all(np.isfinite(xtx)) and np.all(np.isfinite(xty)) and np.all(np.isfinite(mean_x))
                and np.isfinite(self.yty) and np.isfinite(self.mean_y)):
            raise ValueError("SufficientStats: the statistics must be finite (the data held NaN/inf or overflowed).")
        if self.feature_names is not None and len(self.feature_names) != p:
            raise ValueError(f"SufficientStats: feature_names has {len(self.feature_names)} names for {p} features.")
        object.__setattr__(self, "n", int(self.n))
        object.__setattr__(self, "weight_sum", float(self.weight_sum))
        object.__setattr__(self, "mean_x", mean_x)
        object.__setattr__(self, "mean_y", float(self.mean_y))
        object.__setattr__(self, "xtx", xtx)
        object.__setattr__(self, "xty", xty)
        object.__setattr__(self, "yty", float(self.yty))
        if self.feature_names is not None:
            object.__setattr__(self, "feature_names", tuple(str(f) for f in self.feature_names))
        lo = np.zeros(p) if self.mean_x_lo is None else np.asarray(self.mean_x_lo, dtype=float)
        object.__setattr__(self, "mean_x_lo", lo)
        object.__setattr__(self, "mean_y_lo", float(self.mean_y_lo))

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_arrays(cls, X: Any, y: Any, sample_weight: Any = None, *,
                    feature_names: Sequence[str] | None = None) -> SufficientStats:
        """Statistics of in-memory rows (validated: finite X and y, non-negative weights).

        Parameters
        ----------
        X : array-like of shape (n, p)
            A DataFrame's column names become ``feature_names``.
        y : array-like of shape (n,)
        sample_weight : array-like of shape (n,), optional
        feature_names : sequence of str, optional
        """
        return cls._from_block(X, y, sample_weight, feature_names, allow_zero_weight=False)

    @classmethod
    def _from_block(cls, X: Any, y: Any, sample_weight: Any, feature_names: Sequence[str] | None, *,
                    allow_zero_weight: bool) -> SufficientStats:
        Xa = check_matrix(X)
        ya = check_target(y, Xa.shape[0], binary=False)
        sw = None if sample_weight is None else np.asarray(sample_weight)
        if allow_zero_weight and sw is not None and sw.shape == (Xa.shape[0],) and np.all(sw == 0):
            v = np.zeros(Xa.shape[0])  # a block of zero-weight rows (streams may have them)
        else:
            v = check_sample_weight(sample_weight, Xa.shape[0])
        names = feature_names
        if names is None and getattr(X, "columns", None) is not None:
            names = feature_names_of(X, Xa.shape[1])
        return cls._unchecked(Xa, ya, v, names)

    @classmethod
    def _unchecked(cls, X: np.ndarray, y: np.ndarray, v: np.ndarray | None,
                   names: Sequence[str] | None) -> SufficientStats:
        """Statistics of validated float arrays (internal: streams validate as they read)."""
        return cls._from_gram(X.shape[0], centred_gram(X, y, v), names)

    @classmethod
    def _from_gram(cls, n: int, gram: tuple, names: Sequence[str] | None) -> SufficientStats:
        """Statistics of ``n`` rows from ``(W, mean, mean_lo, C)`` of ``[X, y]`` (``bayesreg.model.gram``)."""
        n, W, mx, my, xtx, xty, yty, _, lo_x, lo_y = _gram_parts(n, gram)
        return cls(n, W, mx, my, xtx, xty, yty, None if names is None else tuple(names), lo_x, lo_y)

    @classmethod
    def empty(cls, n_features: int, feature_names: Sequence[str] | None = None) -> SufficientStats:
        """The statistics of no rows (the identity of :meth:`merge`)."""
        p = int(n_features)
        return cls(0, 0.0, np.zeros(p), 0.0, np.zeros((p, p)), np.zeros(p), 0.0,
                   None if feature_names is None else tuple(feature_names))

    @classmethod
    def from_chunks(cls, chunks: Iterable[tuple], *, feature_names: Sequence[str] | None = None,
                    progress: Callable[[int, SufficientStats], None] | None = None) -> SufficientStats:
        """Statistics of a stream of row blocks ``(X, y)`` or ``(X, y, sample_weight)``.

        Each block is reduced by :meth:`from_arrays` and folded in with :meth:`merge`, so memory is
        bounded by one block plus :math:`O(p^2)`. ``progress(i, stats_so_far)`` is called after
        block ``i`` (0-based). An empty stream is an error.
        """
        total: SufficientStats | None = None
        for i, chunk in enumerate(chunks):
            if not isinstance(chunk, (tuple, list)) or len(chunk) not in (2, 3):
                raise TypeError(f"The 'chunks' parameter of SufficientStats.from_chunks must yield (X, y) or "
                                f"(X, y, sample_weight) tuples; got {describe(chunk)} at chunk {i}.")
            X, y, *v = chunk
            block = cls._from_block(X, y, v[0] if v else None, feature_names, allow_zero_weight=True)
            total = block if total is None else total.merge(block)
            if progress is not None:
                progress(i, total)
        if total is None:
            raise ValueError("The 'chunks' parameter of SufficientStats.from_chunks must yield at least one "
                             "block of rows; got an empty iterable.")
        return total

    @classmethod
    def from_files(cls, paths: Any, target: str, weights: str | None = None, *, dask: bool = False,
                   **options: Any) -> SufficientStats:
        """Statistics of CSV or Parquet files (globs), streamed with pyarrow in bounded memory.

        ``dask=False``: in this process, batch by batch (:func:`bayesreg.model.streaming.stats_from_files`;
        options ``features``, ``batch_rows``, ``progress``). ``dask=True``: one task per file on the
        current Dask scheduler, merged in a tree (:func:`bayesreg.model.dask_data.stats_from_files_dask`;
        options ``features``, ``batch_rows``, ``split_every``, ``compute_kwargs``).
        """
        if dask:
            from bayesreg.model.dask_data import stats_from_files_dask

            return stats_from_files_dask(paths, target, weights, **options)
        from bayesreg.model.streaming import stats_from_files

        return stats_from_files(paths, target, weights, **options)

    @classmethod
    def from_dask(cls, collection: Any, target: str | None = None, **options: Any) -> SufficientStats:
        """Statistics of a Dask DataFrame or Array: per-partition statistics and a tree reduction.

        See :func:`bayesreg.model.dask_data.stats_from_dask` (the options ``y``, ``weights``,
        ``split_every``, ``compute_kwargs``). Runs on the current Dask scheduler (a
        ``distributed.Client`` when one is active).
        """
        from bayesreg.model.dask_data import stats_from_dask

        return stats_from_dask(collection, target, **options)

    # ------------------------------------------------------------------ combining
    def merge(self, other: SufficientStats) -> SufficientStats:
        """The statistics of the union of both sets of rows (Chan–Golub–LeVeque; module docstring)."""
        if not isinstance(other, SufficientStats):
            raise TypeError(f"SufficientStats.merge needs another SufficientStats; got {type(other).__name__}.")
        if other.n_features != self.n_features:
            raise ValueError(f"SufficientStats.merge: the statistics have {self.n_features} and "
                             f"{other.n_features} features; they must describe the same columns.")
        names = self.feature_names or other.feature_names
        if self.feature_names and other.feature_names and self.feature_names != other.feature_names:
            raise ValueError("SufficientStats.merge: the two statistics have different feature names "
                             f"({list(self.feature_names)[:4]}... vs {list(other.feature_names)[:4]}...).")
        W, mean_x, lo_x, mean_y, lo_y, xtx, xty, yty = _merge_parts(self._parts(), other._parts())
        return SufficientStats(self.n + other.n, W, mean_x, mean_y, xtx, xty, yty, names, lo_x, lo_y)

    def _parts(self) -> tuple:
        return (self.weight_sum, self.mean_x, self.mean_x_lo, self.mean_y, self.mean_y_lo, self.xtx, self.xty,
                self.yty)

    # ------------------------------------------------------------------ derived quantities
    @property
    def n_features(self) -> int:
        return int(self.mean_x.shape[0])

    @property
    def std_x(self) -> np.ndarray:
        r"""Weighted population sd of each column, :math:`\sqrt{\texttt{xtx}_{jj}/W}` (glmnet's :math:`s_j`)."""
        return np.sqrt(np.maximum(np.diag(self.xtx), 0.0) / self._positive_weight())

    @property
    def std_y(self) -> float:
        r"""Weighted population sd of y, :math:`\sqrt{\texttt{yty}/W}` (glmnet's :math:`s_y`)."""
        return float(np.sqrt(self.yty / self._positive_weight()))

    @property
    def constant_features(self) -> np.ndarray:
        """Boolean mask of columns that are constant up to rounding (sd within a few ulps of the mean)."""
        sd = self.std_x
        return sd <= _CONSTANT_ULPS * np.finfo(float).eps * np.abs(self.mean_x)

    def quadratic_form(self, fit_intercept: bool) -> tuple[np.ndarray, np.ndarray, float]:
        r"""``(gram, xty, yty)`` of the likelihood: centred with an intercept, raw moments without.

        Without an intercept the model needs :math:`\sum v x x^\top = \texttt{xtx} + W\bar x\bar x^\top`,
        :math:`\sum v x y = \texttt{xty} + W\bar x\bar y`, :math:`\sum v y^2 = \texttt{yty} + W\bar y^2`.
        """
        if fit_intercept:
            return self.xtx, self.xty, self.yty
        W, m, my = self.weight_sum, self.mean_x, self.mean_y
        return (self.xtx + W * np.outer(m, m), self.xty + W * m * my, self.yty + W * my * my)

    def _positive_weight(self) -> float:
        if self.weight_sum <= 0:
            raise ValueError("SufficientStats: the rows have zero total weight; nothing to scale by.")
        return self.weight_sum

    def __repr__(self) -> str:
        return (f"SufficientStats(n={self.n}, weight_sum={self.weight_sum:g}, n_features={self.n_features}, "
                f"mean_y={self.mean_y:.6g}, yty={self.yty:.6g})")


def tree_merge(stats: Sequence[SufficientStats], split_every: int = 2) -> SufficientStats:
    """Merge many statistics in a balanced tree (groups of ``split_every``), in a fixed order."""
    level = list(stats)
    if not level:
        raise ValueError("tree_merge needs at least one SufficientStats; got none.")
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level), split_every):
            group = level[i:i + split_every]
            acc = group[0]
            for s in group[1:]:
                acc = acc.merge(s)
            nxt.append(acc)
        level = nxt
    return level[0]
