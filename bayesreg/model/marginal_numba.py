r"""The integrated Gaussian log-likelihood of :mod:`bayesreg.model.marginal` compiled by numba (nutpie's path).

:class:`~bayesreg.model.marginal.MarginalGaussian` evaluates its log-likelihood and gradient in one
PyTensor op whose ``perform`` is NumPy/LAPACK (PyMC's sampler and the reference). This module gives
that op a numba implementation, registered with PyTensor's numba backend by :func:`register_numba`,
so that ``nutpie.compile_pymc_model`` compiles the marginal model natively instead of calling back
into Python (object mode) once per gradient. It computes the same quantities in the same order:

* **gram** form, :math:`M = I_k + \text{diag}(u)\,\tilde G\,\text{diag}(u)`, :math:`u = s/\sigma`,
  :math:`v = M^{-1}(u\circ\tilde b)/\sigma`, :math:`q = (u\circ\tilde b)^\top v/\sigma`:

  .. math::

      \ell = C - d\log\sigma - \tfrac12(\tilde y^\top\tilde y/\sigma^2 - q) - \tfrac12\log|M|,\quad
      g_j = \tilde b_j v_j/\sigma - v_j(\tilde G(u\circ v))_j - ((M^{-1}\circ\tilde G)u)_j,\quad
      \partial_\sigma\ell|_u = -d/\sigma + \tilde y^\top\tilde y/\sigma^3 - q/\sigma;

* **rows** form, :math:`K = I_m + BB^\top`, :math:`B = \tilde X\text{diag}(u)`,
  :math:`\alpha = K^{-1}\tilde y/\sigma`, :math:`q = \tilde y^\top\alpha/\sigma`:

  .. math::

      \ell = C - d\log\sigma - \tfrac12 q - \tfrac12\log|K|,\quad
      g_j = u_j((\tilde x_j^\top\alpha)^2 - \tilde x_j^\top K^{-1}\tilde x_j),\quad
      \partial_\sigma\ell|_u = -d/\sigma + q/\sigma;

and in both :math:`\partial\ell/\partial s = g/\sigma`, :math:`\partial\ell/\partial\sigma =
\partial_\sigma\ell|_u - u^\top g/\sigma`. The inverse and :math:`\tfrac12\log|M|` come from LAPACK's
``dpotrf``/``dpotri`` (SciPy's, called from the compiled code), as in the NumPy path; the rows form
needs only the factor (``dsyrk``, ``dpotrf``, ``dtrsm``: half the flops of the NumPy path's inverse). A matrix that
is not positive definite, a non-finite input or an overflow gives ``nan`` for all three outputs: a
point NUTS rejects, never an exception inside the sampler.

The statistics of :math:`X` (:math:`\tilde G` or :math:`\tilde X`) are constants of the op, compiled
into the function; the statistics of :math:`y` and the scales are its inputs. The compiled function
is not cached on disk (the constants belong to one data set).
"""

from __future__ import annotations

import ctypes
import functools
from typing import Any

import numba
import numpy as np
from numba.extending import get_cython_function_address

__all__ = ["gram_value_and_grad", "rows_value_and_grad", "register_numba"]

_ptr = ctypes.c_void_p
# Fortran LAPACK from SciPy: dpotrf(uplo, n, a, lda, info), dpotri(uplo, n, a, lda, info), all by pointer
_DPOTRF = ctypes.CFUNCTYPE(None, _ptr, _ptr, _ptr, _ptr, _ptr)(
    get_cython_function_address("scipy.linalg.cython_lapack", "dpotrf"))
_DPOTRI = ctypes.CFUNCTYPE(None, _ptr, _ptr, _ptr, _ptr, _ptr)(
    get_cython_function_address("scipy.linalg.cython_lapack", "dpotri"))
# BLAS: dsyrk(uplo, trans, n, k, alpha, a, lda, beta, c, ldc), dtrsm(side, uplo, transa, diag, m, n, alpha,
# a, lda, b, ldb)
_DSYRK = ctypes.CFUNCTYPE(None, *[_ptr] * 10)(get_cython_function_address("scipy.linalg.cython_blas", "dsyrk"))
_DTRSM = ctypes.CFUNCTYPE(None, *[_ptr] * 11)(get_cython_function_address("scipy.linalg.cython_blas", "dtrsm"))


@numba.njit(cache=False)
def _invert_pd(A: np.ndarray) -> tuple[bool, float]:
    """Replace the C-ordered symmetric ``A`` by its inverse in place; ``(ok, log|A|/2)``.

    LAPACK sees the transpose of a C-ordered array, so its upper triangle ('U') is our lower one:
    ``dpotrf`` leaves there ``L`` with :math:`A = LL^\\top`, ``dpotri`` the lower half of
    :math:`A^{-1}`. ``ok`` is False when ``A`` is not positive definite.
    """
    n = A.shape[0]
    uplo = _chars("U")
    size = np.array([n], dtype=np.int32)
    info = np.zeros(1, dtype=np.int32)
    _DPOTRF(uplo.ctypes, size.ctypes, A.ctypes, size.ctypes, info.ctypes)
    if info[0] != 0:
        return False, np.nan
    half_logdet = 0.0
    for i in range(n):
        half_logdet += np.log(A[i, i])
    _DPOTRI(uplo.ctypes, size.ctypes, A.ctypes, size.ctypes, info.ctypes)
    if info[0] != 0:
        return False, np.nan
    for i in range(n):
        for j in range(i + 1, n):
            A[i, j] = A[j, i]
    return True, half_logdet


@numba.njit(cache=False)
def _finish(value: float, g: np.ndarray, dsigma: float, u: np.ndarray,
            sigma: float) -> tuple[float, np.ndarray, float]:
    """Chain rule to ``(s, sigma)``; all ``nan`` unless every output is finite."""
    g_scale = g / sigma
    g_sigma = dsigma - np.dot(u, g) / sigma
    if not (np.isfinite(value) and np.isfinite(g_sigma) and np.all(np.isfinite(g_scale))):
        return np.nan, np.full(g.size, np.nan), np.nan
    return value, g_scale, g_sigma


@numba.njit(cache=False)
def _scaled(s: np.ndarray, sigma: float) -> np.ndarray | None:
    """``u = s / sigma``, or ``None`` when ``sigma`` is not a positive number or ``u`` not finite."""
    if not (np.isfinite(sigma) and sigma > 0):
        return None
    u = s / sigma
    if not np.all(np.isfinite(u)):
        return None
    return u


@numba.njit(cache=False)
def gram_value_and_grad(s: np.ndarray, sigma: float, gram: np.ndarray, xty: np.ndarray, yty: float,
                        dof: float, const: float) -> tuple[float, np.ndarray, float]:
    """Log-likelihood and gradient in ``(s, sigma)``, gram form (``k x k`` factorisation; module docstring)."""
    k = s.size
    nan = (np.nan, np.full(k, np.nan), np.nan)
    u = _scaled(s, sigma)
    if u is None:
        return nan
    inv = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            inv[i, j] = u[i] * gram[i, j] * u[j]
        inv[i, i] += 1.0
    if not np.all(np.isfinite(inv)):
        return nan
    ok, half_logdet = _invert_pd(inv)
    if not ok:
        return nan
    ub = u * xty
    v = np.dot(inv, ub) / sigma
    ww = np.dot(ub, v) / sigma
    value = const - dof * np.log(sigma) - 0.5 * (yty / sigma**2 - ww)
    g = xty * v / sigma - v * np.dot(gram, u * v) - np.dot(inv * gram, u)
    dsigma = -dof / sigma + yty / sigma**3 - ww / sigma
    return _finish(value - half_logdet, g, dsigma, u, sigma)


@numba.njit(cache=False)
def _chars(text: str) -> np.ndarray:
    out = np.empty(len(text), dtype=np.uint8)
    for i in range(len(text)):
        out[i] = ord(text[i])
    return out


@numba.njit(cache=False)
def rows_value_and_grad(s: np.ndarray, sigma: float, Xt: np.ndarray, yt: np.ndarray,
                        dof: float, const: float) -> tuple[float, np.ndarray, float]:
    r"""Log-likelihood and gradient in ``(s, sigma)``, rows form (``m x m`` factorisation; module docstring).

    Through the Cholesky factor :math:`K = LL^\top` only: :math:`W = L^{-1}[\tilde X, \tilde y]`
    (``dtrsm``), :math:`\tilde x_j^\top K^{-1}\tilde x_j = \|W_j\|^2`, :math:`\tilde y^\top K^{-1}
    \tilde y = \|w\|^2`, :math:`\tilde x_j^\top\alpha = W_j^\top w/\sigma`; with ``dsyrk`` for
    :math:`BB^\top`, :math:`2m^2k` flops instead of :math:`4m^2k` through :math:`K^{-1}`.
    """
    m, k = Xt.shape
    nan = (np.nan, np.full(k, np.nan), np.nan)
    u = _scaled(s, sigma)
    if u is None:
        return nan
    B = Xt * u  # C order (m, k): Fortran's B^T (k, m), so K = (B^T)^T B^T is syrk with trans='T'
    K = np.eye(m)
    one = np.ones(1)
    n_, k_ = np.array([m], dtype=np.int32), np.array([k], dtype=np.int32)
    up, tr = _chars("U"), _chars("T")
    _DSYRK(up.ctypes, tr.ctypes, n_.ctypes, k_.ctypes, one.ctypes, B.ctypes, k_.ctypes, one.ctypes, K.ctypes,
           n_.ctypes)  # Fortran's upper triangle = our lower one
    if not np.all(np.isfinite(K)):
        return nan
    info = np.zeros(1, dtype=np.int32)
    _DPOTRF(up.ctypes, n_.ctypes, K.ctypes, n_.ctypes, info.ctypes)  # our lower triangle: L
    if info[0] != 0:
        return nan
    half_logdet = 0.0
    for i in range(m):
        half_logdet += np.log(K[i, i])
    W = np.empty((m, k + 1))
    W[:, :k] = Xt
    W[:, k] = yt
    # Fortran sees W^T (k+1, m) and L^T (upper): W^T U^{-1} = (L^{-1} W)^T, i.e. side='R', uplo='U', 'N'
    k1 = np.array([k + 1], dtype=np.int32)
    _DTRSM(_chars("R").ctypes, up.ctypes, _chars("N").ctypes, _chars("N").ctypes, k1.ctypes, n_.ctypes,
           one.ctypes, K.ctypes, n_.ctypes, W.ctypes, k1.ctypes)
    w = W[:, k].copy()
    ww = np.dot(w, w) / sigma**2
    value = const - dof * np.log(sigma) - 0.5 * ww
    xa = np.dot(w, W)[:k] / sigma  # x_j^T alpha
    quad = np.zeros(k)
    for i in range(m):
        for j in range(k):
            quad[j] += W[i, j] * W[i, j]
    g = u * (xa**2 - quad)
    dsigma = -dof / sigma + ww / sigma
    return _finish(value - half_logdet, g, dsigma, u, sigma)


def _numba_function(op: Any, node: Any = None, **kwargs: Any) -> Any:
    """The numba function of one ``MarginalLoglikOp``: ``(scale, sigma, *stats) -> (value, dscale, dsigma)``."""
    marginal = op.marginal
    dof, const = float(marginal.dof), float(marginal.const)
    if marginal.form == "gram":
        gram = np.ascontiguousarray(marginal.gram, dtype=np.float64)

        @numba.njit(cache=False)
        def marginal_loglik_gram(scale, sigma, xty, yty):  # noqa: ANN001, ANN202
            value, g_scale, g_sigma = gram_value_and_grad(np.ascontiguousarray(scale), sigma.item(), gram,
                                                          np.ascontiguousarray(xty), yty.item(), dof, const)
            return np.asarray(value), g_scale, np.asarray(g_sigma)

        return marginal_loglik_gram
    Xt = np.ascontiguousarray(marginal.Xt, dtype=np.float64)

    @numba.njit(cache=False)
    def marginal_loglik_rows(scale, sigma, yt):  # noqa: ANN001, ANN202
        value, g_scale, g_sigma = rows_value_and_grad(np.ascontiguousarray(scale), sigma.item(), Xt,
                                                      np.ascontiguousarray(yt), dof, const)
        return np.asarray(value), g_scale, np.asarray(g_sigma)

    return marginal_loglik_rows


@functools.cache
def register_numba() -> None:
    """Register the numba implementation of ``MarginalLoglikOp`` with PyTensor's numba backend (once).

    Plain ``numba_funcify`` (no PyTensor cache key): the function closes over one data set's statistics.
    """
    from pytensor.link.numba.dispatch import numba_funcify

    from bayesreg.model.marginal import _op_class

    numba_funcify.register(_op_class())(_numba_function)
