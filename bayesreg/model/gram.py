r"""The centred Gram matrix of a block of rows: one accumulated ``dsyrk``, pooled chunk corrections.

For rows :math:`z_i = (x_i, y_i) \in \mathbb R^{p+1}` with weights :math:`v_i \ge 0`, split into
chunks :math:`b` of rows (``rows_per_chunk``: a few MB, so the centred copy is still in cache when
BLAS reads it), with chunk weight :math:`W_b`, chunk shift :math:`m_b` (the chunk's mean as
computed in floating point), centred rows :math:`u_i = z_i - m_b` and residual sums
:math:`s_b = \sum_{i \in b} v_i u_i` (rounding: :math:`s_b \approx 0`), the exact identity

.. math::

    \sum_i v_i (z_i - \bar z)(z_i - \bar z)^\top
      = \underbrace{\sum_b \sum_{i \in b} v_i u_i u_i^\top}_{\text{one accumulated syrk}}
        - \sum_b \frac{s_b s_b^\top}{W_b} + \sum_b W_b e_b e_b^\top,
    \qquad e_b = \mu_b - \bar z,\; \mu_b = m_b + s_b / W_b,

holds (within-chunk scatter about the exact chunk mean :math:`\mu_b`, plus between-chunk scatter).
The first term is accumulated by BLAS ``dsyrk`` with :math:`\beta = 1` into one lower triangle
(:math:`n(p+1)^2` flops, no per-chunk :math:`p \times p` temporaries); the two corrections are
products of :math:`(p+1) \times n_b` matrices. Every quantity that is added is centred, so means of
:math:`10^8` keep their precision (the corrected two-pass algorithm within a chunk, Chan, Golub &
LeVeque 1983; the between-chunk term about the global mean is the two-pass formula on the chunk
means). The global mean is kept as a double-double :math:`\bar z = r + \Delta` with
:math:`r = m_0` (the first chunk's shift), :math:`\delta_b = (m_b - r) + s_b/W_b` (the difference of
close means is exact: Sterbenz) and :math:`\Delta = \sum_b W_b\delta_b / W`, :math:`e_b = \delta_b - \Delta`.

:func:`centred_gram` takes the rows as an array (each chunk centred into a cache-sized copy);
:func:`centred_gram_columns` takes them as columns (Parquet/Arrow) and forms :math:`u_i = z_i - m_b`
while it copies them into the chunk buffer, so files are read once. Both feed
:class:`GramAccumulator`, which holds the terms of the identity.

**Threads.** A small problem (:math:`n p \le` ``SERIAL_GRAM_SIZE``) runs its ``dsyrk`` on one BLAS
thread: its whole Gram takes milliseconds, and a two-thread call on a shared machine waits for
OpenBLAS's descheduled second worker (measured: 10000 x 100 took 116 ms with the default pools
under load 9, against ~5 ms on one thread; ``docs/performance_notes.md``). Larger problems keep
the caller's thread count.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from scipy.linalg import blas

__all__ = ["centred_gram", "centred_gram_columns", "GramAccumulator", "NonFiniteColumnError", "rows_per_chunk",
           "SERIAL_GRAM_SIZE"]

#: elements (rows x columns) of one centred chunk: 2^20 doubles = 8 MB, within the L3 cache
CHUNK_ELEMENTS = 1 << 20
#: ``n * p`` up to which the Gram runs on one BLAS thread (the MAP solver's own threshold,
#: ``bayesreg.inference.blas.SMALL_PROBLEM_SIZE``)
SERIAL_GRAM_SIZE = 10_000_000
#: below this ``n * p`` OpenBLAS runs a ``syrk`` on one thread by itself: setting the pools costs more
TINY_GRAM_SIZE = 1 << 16
_CONTROLLER: list[Any] = []


def rows_per_chunk(n_columns: int) -> int:
    """Rows of one chunk of ``n_columns`` doubles (``CHUNK_ELEMENTS`` in all, at least 256 rows)."""
    return max(256, CHUNK_ELEMENTS // max(int(n_columns), 1))


@contextlib.contextmanager
def _one_blas_thread(serial: bool) -> Iterator[None]:
    """Limit the BLAS pools to one thread for the duration, then restore their counts.

    The pools are found once (threadpoolctl) and set directly: ``ThreadpoolController.limit``
    re-reads every library's version and configuration on each call (~1 ms, a tenth of a small fit).
    """
    if not serial:
        yield
        return
    if not _CONTROLLER:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER.extend(lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas")
    saved = [(lib, lib.num_threads) for lib in _CONTROLLER]
    for lib, count in saved:
        if count != 1:
            lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, count in saved:
            if count != 1:
                lib.set_num_threads(count)


def _chunk_bounds(n: int, k: int) -> list[tuple[int, int]]:
    """``n`` rows split evenly into chunks of at most ``rows_per_chunk(k)`` rows (no small tail chunk)."""
    if n <= 0:
        return []
    count = -(-n // rows_per_chunk(k))
    size = -(-n // count)
    return [(lo, min(lo + size, n)) for lo in range(0, n, size)]


class GramAccumulator:
    r"""The identity of the module docstring, term by term: shifted chunks in, centred Gram out.

    :meth:`add` takes a chunk already shifted and weighted, :math:`\sqrt{v_i}\,(z_i - m_b)` as the
    rows of ``Z``, with its shift :math:`m_b`, weight :math:`W_b` and residual sum :math:`s_b`; its
    product is accumulated by one ``dsyrk`` (:math:`\beta = 1`) into a lower triangle. :meth:`result`
    applies the pooled within- and between-chunk corrections.
    """

    def __init__(self, k: int) -> None:
        self.k = int(k)
        self._C = np.zeros((self.k, self.k), order="F")
        self._shifts: list[np.ndarray] = []
        self._sums: list[np.ndarray] = []
        self._weights: list[float] = []

    def add(self, Z: np.ndarray, shift: np.ndarray, weight: float, resid_sum: np.ndarray) -> None:
        """Add a chunk: ``Z`` (rows x k, C- or Fortran-ordered) of rows :math:`\\sqrt{v_i}(z_i - m_b)`."""
        if weight <= 0.0:  # only zero weights: nothing to add
            return
        if not (Z.flags.f_contiguous or Z.flags.c_contiguous):
            Z = np.asfortranarray(Z)
        if Z.flags.f_contiguous:  # Z^T Z
            self._C = blas.dsyrk(1.0, Z, beta=1.0, c=self._C, trans=1, lower=1, overwrite_c=1)
        else:  # Z C-ordered: Z^T is Fortran-ordered (no copy), and A A^T with A = Z^T is Z^T Z
            self._C = blas.dsyrk(1.0, Z.T, beta=1.0, c=self._C, trans=0, lower=1, overwrite_c=1)
        self._shifts.append(np.array(shift, dtype=float))
        self._sums.append(np.array(resid_sum, dtype=float))
        self._weights.append(float(weight))

    def result(self) -> tuple:
        """``(W, mean, mean_lo, C)`` as :func:`centred_gram` returns them."""
        k = self.k
        if not self._weights:
            return 0.0, np.zeros(k), np.zeros(k), np.zeros((k, k))
        shifts, sums, weights = np.array(self._shifts), np.array(self._sums), np.array(self._weights)
        W = float(np.sum(weights))
        ref = shifts[0]
        delta = (shifts - ref) + sums / weights[:, None]
        delta_mean = (weights @ delta) / W
        e = delta - delta_mean
        C = np.tril(self._C)
        C = C + np.tril(C, -1).T
        root = np.sqrt(weights)[:, None]
        within = sums / root
        between = e * root
        if within.shape[0] > 1:  # one chunk: the between term is 0 and the within term a rank-1 update
            with _one_blas_thread(True):
                C -= within.T @ within
                C += between.T @ between
        else:
            C -= np.outer(within[0], within[0])
        mean, mean_lo = _two_sum(ref, delta_mean)
        return W, mean, mean_lo, 0.5 * (C + C.T)


def centred_gram(X: np.ndarray, y: np.ndarray, v: np.ndarray | None) -> tuple:
    r"""Weighted means and centred cross-products of ``[X, y]`` (module docstring).

    Parameters
    ----------
    X : ndarray (n, p), float64
    y : ndarray (n,), float64
    v : ndarray (n,) of weights >= 0, or None (all 1)

    Returns
    -------
    tuple
        ``(W, mean, mean_lo, C)``: :math:`W = \sum v_i`; the mean of ``[X, y]`` as a double-double
        (``mean + mean_lo``, each of length :math:`p+1`); and :math:`C` (:math:`(p+1) \times (p+1)`,
        symmetric), the centred :math:`\sum_i v_i (z_i - \bar z)(z_i - \bar z)^\top`. With
        :math:`W = 0` the means and :math:`C` are zeros.
    """
    n, p = X.shape
    k = p + 1
    acc = GramAccumulator(k)
    bounds = _chunk_bounds(n, k)
    buf = np.empty((bounds[0][1] if bounds else 0, k))
    m = np.empty(k)
    with _one_blas_thread(TINY_GRAM_SIZE < n * p <= SERIAL_GRAM_SIZE):
        for lo, hi in bounds:
            Xb, yb = X[lo:hi], y[lo:hi]
            vb = None if v is None else v[lo:hi]
            Wb = float(hi - lo) if vb is None else float(np.sum(vb))
            if Wb <= 0.0:
                continue
            Z = buf[: hi - lo]
            m[:p] = (Xb.sum(axis=0) if vb is None else vb @ Xb) / Wb
            m[p] = (yb.sum() if vb is None else vb @ yb) / Wb
            np.subtract(Xb, m[:p], out=Z[:, :p])
            np.subtract(yb, m[p], out=Z[:, p])
            if vb is None:
                s = Z.sum(axis=0)
            else:
                s = vb @ Z
                Z *= np.sqrt(vb)[:, None]
            acc.add(Z, m, Wb, s)
    return acc.result()


def centred_gram_columns(columns: Sequence[np.ndarray], v: np.ndarray | None) -> tuple:
    r""":func:`centred_gram` of rows given as columns (z's coordinates, e.g. Parquet columns), shifted as copied.

    The chunk's shift is applied while each column is copied into the chunk's Fortran-ordered
    buffer, so the rows are read once: per column :math:`j` of chunk :math:`b`,
    :math:`t_j = \sum_{i \in b} v_i z_{ij}` (a finite :math:`t_j` also certifies that every entry
    of the column chunk is finite: a NaN or :math:`\pm\infty` makes the sum non-finite, weight 0 or
    not), :math:`m_{bj} = t_j / W_b` and ``Z[:, j] =`` :math:`\sqrt{v_i}\,(z_{ij} - m_{bj})`. Then
    :math:`s_b = \sum_{i \in b} \sqrt{v_i}\,Z_{ij} = \sum_{i\in b} v_i (z_{ij} - m_{bj})` (a column
    sum of the shifted rows, in cache) and one ``dsyrk`` on ``Z`` give every term of the module's
    identity: it is the same identity, with :math:`u_i = z_i - m_b` formed during the copy instead
    of in a second centred copy.

    Parameters
    ----------
    columns : sequence of ndarray (n,), float64
        The :math:`k` coordinates of the rows (features then target).
    v : ndarray (n,) of weights >= 0, or None (all 1)

    Returns
    -------
    tuple
        ``(W, mean, mean_lo, C)`` as :func:`centred_gram`.

    Raises
    ------
    NonFiniteColumnError
        When a column holds a non-finite value (or its sum overflows): ``.column`` is its index, for
        the caller to name it and its rows.
    """
    k = len(columns)
    n = columns[0].shape[0] if k else 0
    acc = GramAccumulator(k)
    bounds = _chunk_bounds(n, k)
    flat = np.empty((bounds[0][1] if bounds else 0) * k)  # Fortran-ordered chunks are views of its start
    m = np.empty(k)
    with _one_blas_thread(TINY_GRAM_SIZE < n * k <= SERIAL_GRAM_SIZE):
        for lo, hi in bounds:
            vb = None if v is None else v[lo:hi]
            Wb = float(hi - lo) if vb is None else float(np.sum(vb))
            if Wb <= 0.0:  # only zero weights: nothing to add, but the columns must still be finite
                _check_finite([vb @ col[lo:hi] for col in columns])
                continue
            root = None if vb is None else np.sqrt(vb)
            Z = flat[: (hi - lo) * k].reshape((hi - lo, k), order="F")
            for j, col in enumerate(columns):  # one read of the column chunk: its sum, then the shifted copy
                c = col[lo:hi]
                m[j] = (c.sum() if vb is None else vb @ c) / Wb
                zj = Z[:, j]
                np.subtract(c, m[j], out=zj)
                if root is not None:
                    zj *= root
            _check_finite(m)
            acc.add(Z, m, Wb, Z.sum(axis=0) if root is None else root @ Z)
    return acc.result()


class NonFiniteColumnError(ValueError):
    """A column of :func:`centred_gram_columns` holds a non-finite value; ``column`` is its index."""

    def __init__(self, column: int) -> None:
        super().__init__(f"column {column} holds a missing or non-finite value (or its sum overflows)")
        self.column = column


def _check_finite(values: Any) -> None:
    finite = np.isfinite(np.asarray(values, dtype=float))
    if not finite.all():
        raise NonFiniteColumnError(int(np.flatnonzero(~finite)[0]))


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(s, e)`` with ``s = fl(a + b)`` and ``s + e = a + b`` exactly (Knuth's TwoSum)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)
