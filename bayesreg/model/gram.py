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

**Threads.** A small problem (:math:`n p \le` ``SERIAL_GRAM_SIZE``) runs its ``dsyrk`` on one BLAS
thread: its whole Gram takes milliseconds, and a two-thread call on a shared machine waits for
OpenBLAS's descheduled second worker (measured: 10000 x 100 took 116 ms with the default pools
under load 9, against ~5 ms on one thread; ``docs/performance_notes.md``). Larger problems keep
the caller's thread count.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
from scipy.linalg import blas

__all__ = ["centred_gram", "rows_per_chunk", "SERIAL_GRAM_SIZE"]

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
    rows = min(n, rows_per_chunk(k))
    n_chunks = -(-n // rows) if n else 0
    C = np.zeros((k, k), order="F")
    shifts = np.zeros((n_chunks, k))
    sums = np.zeros((n_chunks, k))
    weights = np.zeros(n_chunks)
    buf = np.empty((rows, k))
    with _one_blas_thread(TINY_GRAM_SIZE < n * p <= SERIAL_GRAM_SIZE):
        for b in range(n_chunks):
            lo, hi = b * rows, min((b + 1) * rows, n)
            Xb, yb = X[lo:hi], y[lo:hi]
            vb = None if v is None else v[lo:hi]
            Wb = float(hi - lo) if vb is None else float(np.sum(vb))
            if Wb <= 0.0:  # only zero weights: nothing to add
                continue
            Z = buf[: hi - lo]
            m = shifts[b]
            m[:p] = (Xb.sum(axis=0) if vb is None else vb @ Xb) / Wb
            m[p] = (yb.sum() if vb is None else vb @ yb) / Wb
            np.subtract(Xb, m[:p], out=Z[:, :p])
            np.subtract(yb, m[p], out=Z[:, p])
            if vb is None:
                sums[b] = Z.sum(axis=0)
            else:
                sums[b] = vb @ Z
                Z *= np.sqrt(vb)[:, None]
            # Z is C-ordered, so Z.T is Fortran-ordered (no copy): A A^T with A = Z^T is Z^T Z
            C = blas.dsyrk(1.0, Z.T, beta=1.0, c=C, trans=0, lower=1, overwrite_c=1)
            weights[b] = Wb
    used = weights > 0.0
    W = float(np.sum(weights))
    if W <= 0.0:
        return 0.0, np.zeros(k), np.zeros(k), np.zeros((k, k))
    shifts, sums, weights = shifts[used], sums[used], weights[used]
    ref = shifts[0]
    delta = (shifts - ref) + sums / weights[:, None]
    delta_mean = (weights @ delta) / W
    e = delta - delta_mean
    C = np.tril(C)
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


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(s, e)`` with ``s = fl(a + b)`` and ``s + e = a + b`` exactly (Knuth's TwoSum)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)
