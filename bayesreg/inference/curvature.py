"""Hessian blocks of the smooth part for the proximal Newton steps of the MAP (see the class)."""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from bayesreg.inference.local_bound import SINGLE_PRECISION_GAMMA
from bayesreg.model.data import _CHUNK_ROWS, RegressionData
from bayesreg.model.likelihoods import Likelihood
from bayesreg.model.rounding import rounding_gamma

__all__ = ["Curvature", "bordered_hessian"]


def bordered_hessian(H: np.ndarray, h_icpt: np.ndarray, h_icpt_icpt: float, with_icpt: bool) -> np.ndarray:
    r"""The float64 Hessian block on the columns and, with ``with_icpt``, the intercept last:
    :math:`\begin{pmatrix} H & h \\ h^\top & h_{cc} \end{pmatrix}` (only ``H`` without it)."""
    k = H.shape[0]
    out = np.empty((k + int(with_icpt),) * 2)
    out[:k, :k] = H
    if with_icpt:
        out[:k, k] = out[k, :k] = h_icpt
        out[k, k] = h_icpt_icpt
    return out


class Curvature:
    """Hessian blocks of the smooth part for the Newton steps.

    Gaussian: PyMC's exact (constant) Hessian. Bernoulli: :math:`X^\\top D X`, formed as a
    symmetric rank-k update of :math:`D^{1/2}X`, accumulated in **single precision** (half the
    memory traffic and twice the SIMD width of ``dsyrk``; relative error about 2e-7). For large n,
    while the iterate is far from the optimum (relative KKT residual > ``NEAR``) it is computed on a
    deterministic, evenly spaced subsample of rows scaled by :math:`n/\\text{rows}` (sub-sampled
    Newton, Roosta-Khorasani & Mahoney 2019); near the optimum the Hessian on every row is computed
    once and reused while the steps keep contracting fast (the chord method), and recomputed when
    they do not; if a full-data single-precision Hessian still fails to contract the residual by
    ``SLOW`` per step (an ill-conditioned problem, where 2e-7 relative error matters), later
    Hessians are formed in double precision. The step only needs a good direction: acceptance and
    the certificate use PyMC's exact double-precision gradient.
    """

    MIN_ROWS = 10_000
    NEAR = 1e-3
    SLOW = 0.1
    PARALLEL_FLOPS = 500_000_000  # a syrk chunk this large (~10 ms) uses the caller's BLAS threads

    def __init__(self, data: RegressionData, likelihood: Likelihood, exact: Any,
                 parallel: Any = contextlib.nullcontext) -> None:
        self.data, self.likelihood, self.exact, self.parallel = data, likelihood, exact, parallel
        self.rows = min(data.n_samples, max(self.MIN_ROWS, 20 * data.n_features))
        self.near = False
        self.dtype: type = np.float32
        self.cache: tuple[np.ndarray, np.ndarray] | None = None
        self.last_full_single = False

    def advance(self, ratio: float, residual: float) -> None:
        """Update after a step that multiplied the residual by ``ratio``."""
        self.near = residual < self.NEAR
        if self.rows < self.data.n_samples and (self.near or ratio > 0.5):
            self.rows = self.data.n_samples
        if ratio > self.SLOW:
            self.cache = None
            if self.last_full_single and self.near:
                self.dtype = np.float64

    def hessian(self, theta: np.ndarray, work: np.ndarray) -> np.ndarray:
        """Hessian block on the coordinates ``work`` (the intercept is index p), in float64."""
        if self.exact is not None:
            return self.exact(theta)[np.ix_(work, work)]
        if self.cache is not None and np.array_equal(self.cache[0], work):
            return self.cache[1]
        n = self.data.n_samples
        out = self._compute(theta, work, self.rows, self.dtype)
        self.last_full_single = self.rows >= n and self.dtype == np.float32
        self.cache = (work, out) if self.rows >= n and self.near else None
        if self.rows >= n:
            self.last_full = (np.array(theta, dtype=float), np.array(work), out, self.dtype)
        return out

    def block(self, theta: np.ndarray, S: np.ndarray, double: bool) -> tuple[np.ndarray, np.ndarray, float]:
        """The Hessian on the coordinates ``S`` for the error bound of
        :mod:`bayesreg.inference.local_bound`: ``(H_SS, theta_k, gamma)``, the last full-data Newton
        Hessian when it covers ``S`` (at its point ``theta_k``, relative rounding ``gamma``),
        otherwise (or with ``double``) one computed in double precision at ``theta``."""
        n = self.data.n_samples
        last = getattr(self, "last_full", None)
        if last is not None and not (double and last[3] == np.float32):
            pos = {int(j): i for i, j in enumerate(last[1])}
            if all(int(j) in pos for j in S):
                idx = np.array([pos[int(j)] for j in S], dtype=np.intp)
                gamma = SINGLE_PRECISION_GAMMA if last[3] == np.float32 else rounding_gamma(n)
                return last[2][np.ix_(idx, idx)], last[0], gamma
        H = self._compute(theta, S, n, np.float64)
        self.last_full = (np.array(theta, dtype=float), np.array(S), H, np.float64)
        return H, np.array(theta, dtype=float), rounding_gamma(n)

    def _compute(self, theta: np.ndarray, work: np.ndarray, n_rows: int, dtype: type) -> np.ndarray:
        data, p = self.data, self.data.n_features
        if self.likelihood.n_outputs > 1:  # the multinomial's block Hessian (all rows, double precision)
            return self.likelihood.hessian_block(data, theta, work)
        n = data.n_samples
        rows = (np.arange(n) if n_rows >= n
                else np.linspace(0, n - 1, n_rows).astype(np.intp))
        cols = work[work < p]
        k = cols.size
        scale = n / rows.size
        H = np.zeros((k, k), dtype=dtype)
        icpt = np.zeros(k)
        icpt_icpt = 0.0
        buf = np.empty((min(_CHUNK_ROWS, rows.size), k), dtype=dtype)
        weights = data.weights
        for start in range(0, rows.size, _CHUNK_ROWS):  # no n x p temporary: chunks of rows
            r = rows[start:start + _CHUNK_ROWS]
            X = data.X[r] if n_rows < n else data.X[r[0]:r[-1] + 1]
            eta = X @ theta[:p] + (theta[p] if data.fit_intercept else 0.0)
            if data.offset is not None:
                eta = eta + data.offset[r]
            root = np.sqrt(self.likelihood.curvature(eta, weights[r], data.y[r]) * scale)
            Xs = buf[:r.size]
            np.multiply(X[:, cols] if k < p else X, root[:, None], out=Xs, casting="same_kind")
            with self.parallel() if r.size * k * k >= self.PARALLEL_FLOPS else contextlib.nullcontext():
                H += Xs.T @ Xs  # symmetric rank-k update (syrk)
            if work.size > k:  # the intercept
                icpt += Xs.T @ root.astype(dtype)
                icpt_icpt += float(root @ root)
        return bordered_hessian(H, icpt, icpt_icpt, work.size > k)
