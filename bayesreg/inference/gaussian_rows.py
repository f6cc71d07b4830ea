r"""The Gaussian MAP restricted to a set of coordinates, solved on the rows of :math:`X`.

With the intercept eliminated by (weighted) centring and the noise variance multiplied out, the
negative log-posterior of the Gaussian likelihood is, on a set :math:`S` of coordinates with signs
:math:`s_S` fixed on its L1 part (all other weights 0),

.. math::

    \sigma^2 F = \tfrac12\|z - Z_S w_S\|^2 + \tfrac12 w_S^\top D_S w_S + b_S^\top w_S + \text{const},
    \qquad Z = W^{1/2}(X - \mathbf 1\bar x^\top),\; z = W^{1/2}(y - \bar y),\;
    D = 2\sigma^2\operatorname{diag}(\ell_2),\; b = \sigma^2\ell_1 \circ s,

whose minimiser solves :math:`A w_S = Z_S^\top z - b_S` with :math:`A = Z_S^\top Z_S + D_S`.
Forming :math:`Z^\top Z` squares the condition number; this module works with :math:`Z_S` itself
(the route for ill-conditioned problems and for :math:`p > n`):

* a thin SVD of the scaled matrix :math:`Z_S D_S^{-1/2}` when every :math:`D_j > 0`
  (:math:`A = D^{1/2}(V(\Sigma^2 + I)V^\top + I - VV^\top)D^{1/2}`; with :math:`p > n` this is the
  :math:`n \times n` problem), or of the augmented matrix :math:`K = [Z_S; D_S^{1/2}]`
  (:math:`A = K^\top K`) when some :math:`D_j = 0` (lasso, flat coefficients);
* residuals :math:`r = Z_S w_S - z` and gradients :math:`Z_S^\top r + D_S w_S + b_S` in extended
  precision (``numpy.longdouble``; 64-bit mantissa on x86-64), with their rounding bounded, for
  iterative refinement and for the error bound of :mod:`bayesreg.inference.gaussian_bound`.
"""

from __future__ import annotations

import numpy as np

from bayesreg.model.rounding import EXTENDED, U64, UEXT, rounding_gamma

__all__ = ["RowsProblem", "RestrictedSolver", "rounding_gamma", "U64"]


class RowsProblem:
    """The centred, weighted rows :math:`Z, z` of a Gaussian problem (module docstring)."""

    CHUNK = 4096  # rows per extended-precision block (no n x p long-double temporary)

    def __init__(self, X: np.ndarray, y: np.ndarray, weights: np.ndarray | None, xbar: np.ndarray,
                 ybar: float, a1: np.ndarray, d: np.ndarray) -> None:
        self.X, self.y, self.root = X, y, (None if weights is None else np.sqrt(weights))
        self.xbar, self.ybar, self.a1, self.d = xbar, ybar, a1, d
        self.n = X.shape[0]

    def rows(self, start: int, stop: int, cols: np.ndarray | slice = slice(None)) -> tuple[np.ndarray, np.ndarray]:
        """Rows ``start:stop`` of :math:`Z` (columns ``cols``) and :math:`z`."""
        Z = self.X[start:stop, cols] - self.xbar[cols]
        z = self.y[start:stop] - self.ybar
        if self.root is not None:
            Z = Z * self.root[start:stop, None]
            z = z * self.root[start:stop]
        return Z, z

    def target(self) -> np.ndarray:
        """:math:`z = W^{1/2}(y - \bar y)`."""
        z = self.y - self.ybar
        return z if self.root is None else z * self.root

    def design(self, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:math:`Z_S` and :math:`z` in float64."""
        return self.rows(0, self.n, cols)

    def gradient(self, w: np.ndarray, signs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""Extended-precision :math:`g = Z^\top(Zw - z) + Dw + a_1 \circ s` and rounding bounds.

        Returns ``(g, xi, eta)``: ``g`` rounded to float64; ``xi`` (n,) bounds the rounding of the
        residual :math:`r = Zw - z` (centring included; it reaches :math:`g` as :math:`Z^\top\xi`);
        ``eta`` (p,) bounds every other rounding: the product :math:`Z^\top r`, the penalty terms
        and the final rounding of :math:`g` to float64.
        """
        nz = np.flatnonzero(w)
        wl = w[nz].astype(EXTENDED)
        g_ext = np.zeros(w.shape[0], dtype=EXTENDED)
        zt_absr = np.zeros(w.shape[0])
        xi = np.empty(self.n)
        gam_r = rounding_gamma(nz.size + 2, UEXT)
        for start in range(0, self.n, self.CHUNK):
            stop = min(start + self.CHUNK, self.n)
            Z, z = self.rows(start, stop)
            r = Z[:, nz].astype(EXTENDED) @ wl - z.astype(EXTENDED)
            g_ext += Z.astype(EXTENDED).T @ r
            absr = np.abs(np.asarray(r, dtype=float))
            zt_absr += np.abs(Z).T @ absr
            Znz = np.abs(Z[:, nz]) @ np.abs(w[nz]) + np.abs(z)
            xi[start:stop] = (gam_r + 2 * U64) * Znz  # extended sums, plus centring/weighting in float64
        g_ext += self.d * w.astype(EXTENDED) + self.a1 * signs
        g = np.asarray(g_ext, dtype=float)
        eta = (rounding_gamma(self.n + 2, UEXT) * (zt_absr + np.abs(self.d * w) + self.a1)
               + U64 * np.abs(g))
        return g, xi, eta


class _Scaled:
    r""":math:`A = D^{1/2}(Z'^\top Z' + I)D^{1/2}`, :math:`Z' = ZD^{-1/2}` (every :math:`D_j > 0`):
    a thin SVD of :math:`Z'`."""

    def __init__(self, Z: np.ndarray, d: np.ndarray) -> None:
        self.droot = np.sqrt(d)
        self.U, self.s, self.Vt = np.linalg.svd(Z / self.droot, full_matrices=False)
        full_rank = d.size <= Z.shape[0] and self.s.size > 0 and float(np.min(self.s)) > 0.0
        self.mu = float(np.min(d)) * (1.0 + (float(np.min(self.s)) ** 2 if full_rank else 0.0))
        self.inv_zt = float(np.max(self.s / (self.s**2 + 1.0), initial=0.0)) / float(np.min(self.droot))
        self.norm_z = float(self.s[0] if self.s.size else 0.0) * float(np.max(self.droot))
        keep = self.s > self.s[0] * 1e-3 if self.s.size else self.s > 0  # the row space's conditioning
        self.rel_error = 1e3 * U64 * (float(self.s[0] / np.min(self.s[keep])) if keep.any() else 1.0)

    def apply_inverse(self, v: np.ndarray) -> np.ndarray:
        v = v / self.droot
        pv = self.Vt @ v
        return (self.Vt.T @ (pv / (self.s**2 + 1.0)) + (v - self.Vt.T @ pv)) / self.droot

    def data_part(self, z: np.ndarray) -> np.ndarray:
        """:math:`A^{-1}Z^\top z` from the SVD."""
        return self.Vt.T @ (self.s * (self.U.T @ z) / (self.s**2 + 1.0)) / self.droot


class _LeastSquares:
    r""":math:`A = K^\top K`, :math:`K = [Z; D^{1/2}]` (some :math:`D_j = 0`, e.g. the lasso on its support)."""

    def __init__(self, Z: np.ndarray, d: np.ndarray) -> None:
        self.n = Z.shape[0]
        self.U, self.s, self.Vt = np.linalg.svd(np.vstack([Z, np.diag(np.sqrt(d))]), full_matrices=False)
        smin = float(np.min(self.s)) if self.s.size else 0.0
        self.mu = smin**2
        self.inv_zt = 1.0 / smin if smin > 0.0 else np.inf
        self.norm_z = float(self.s[0]) if self.s.size else 0.0
        self.rel_error = 1e3 * U64 * (float(self.s[0] / smin) ** 2 if smin > 0.0 else np.inf)

    def apply_inverse(self, v: np.ndarray) -> np.ndarray:
        return self.Vt.T @ ((self.Vt @ v) / self.s**2)

    def data_part(self, z: np.ndarray) -> np.ndarray:
        return self.Vt.T @ ((self.U[: self.n].T @ z) / self.s)


class _Projected:
    r"""Flat columns :math:`F` (:math:`D_F = 0`) projected out, the rest scaled (:math:`D_P > 0`).

    With :math:`Z_F = Q_0R_0` and :math:`\tilde Z_P = (I - Q_0Q_0^\top)Z_P`, the Schur complement of
    the flat block is :math:`\tilde Z_P^\top\tilde Z_P + D_P` (solved by :class:`_Scaled`), and
    :math:`x_F = R_0^{-1}(R_0^{-\top}v_F - Q_0^\top Z_P x_P)`: exact for a tiny ridge penalty with
    :math:`p > n`, where the augmented matrix of :class:`_LeastSquares` would be too ill-conditioned.
    """

    def __init__(self, Z: np.ndarray, d: np.ndarray) -> None:
        self.F = np.flatnonzero(d <= 0.0)
        self.P = np.flatnonzero(d > 0.0)
        self.ZP = Z[:, self.P]
        self.Q0, self.R0 = np.linalg.qr(Z[:, self.F])
        self.inner = _Scaled(self.ZP - self.Q0 @ (self.Q0.T @ self.ZP), d[self.P])
        r_sv = np.linalg.svd(self.R0, compute_uv=False)
        r0 = float(np.min(r_sv)) if r_sv.size else 0.0
        zeta = float(np.linalg.norm(self.ZP, 2))
        self.norm_z = float(np.hypot(zeta, r_sv[0] if r_sv.size else 0.0))
        if r0 <= 0.0:
            self.mu, self.inv_zt, self.rel_error = 0.0, np.inf, np.inf
            return
        a, b = 1.0 / self.inner.mu, zeta / r0
        xp = a * np.sqrt(1.0 + b * b)
        self.mu = 1.0 / float(np.hypot(xp, (1.0 / r0 + zeta * xp) / r0))
        m = self.inner.inv_zt
        self.inv_zt = float(np.hypot(m, (1.0 + zeta * m) / r0))
        self.rel_error = self.inner.rel_error + 1e3 * U64 * (float(r_sv[0]) / r0) ** 2

    def _back(self, vF: np.ndarray, xP: np.ndarray) -> np.ndarray:
        from scipy.linalg import solve_triangular

        rhs = solve_triangular(self.R0, vF, trans="T") - self.Q0.T @ (self.ZP @ xP)
        return solve_triangular(self.R0, rhs)

    def apply_inverse(self, v: np.ndarray) -> np.ndarray:
        from scipy.linalg import solve_triangular

        vF, vP = v[self.F], v[self.P]
        xP = self.inner.apply_inverse(vP - self.ZP.T @ (self.Q0 @ solve_triangular(self.R0, vF, trans="T")))
        out = np.empty_like(v)
        out[self.P], out[self.F] = xP, self._back(vF, xP)
        return out

    def data_part(self, z: np.ndarray) -> np.ndarray:
        zt = z - self.Q0 @ (self.Q0.T @ z)
        xP = self.inner.data_part(zt)
        out = np.empty(self.F.size + self.P.size)
        out[self.P] = xP
        out[self.F] = np.linalg.solve(self.R0, self.Q0.T @ z - self.Q0.T @ (self.ZP @ xP))
        return out


class RestrictedSolver:
    r"""Solves with :math:`A = Z_S^\top Z_S + D_S` through an SVD of the rows (module docstring):
    scaled when every :math:`D_j > 0`, the augmented least-squares matrix when none is, and the flat
    columns projected out when some are 0.

    Attributes
    ----------
    mu : float
        A lower bound on :math:`\lambda_{\min}(A)` (0 when :math:`A` is singular).
    inv_zt : float
        An upper bound on :math:`\|A^{-1}Z_S^\top\|_2`.
    norm_z : float
        An upper bound on :math:`\|Z_S\|_2`.
    rel_error : float
        Relative error of :meth:`apply_inverse` (from the conditioning of the SVD route).
    """

    def __init__(self, rows: RowsProblem, S: np.ndarray) -> None:
        self.S = S
        Zs, _ = rows.design(S)
        d = rows.d[S]
        if np.all(d > 0.0):
            self._impl: _Scaled | _LeastSquares | _Projected = _Scaled(Zs, d)
        elif np.all(d <= 0.0) or S.size <= rows.n // 2:
            self._impl = _LeastSquares(Zs, d)
        else:
            self._impl = _Projected(Zs, d)
        self.mu, self.inv_zt = self._impl.mu, self._impl.inv_zt
        self.norm_z, self.rel_error = self._impl.norm_z, self._impl.rel_error

    @property
    def usable(self) -> bool:
        """The factorisation represents a positive definite :math:`A` to working accuracy."""
        return bool(self.mu > 0.0 and self.rel_error < 0.5)

    def apply_inverse(self, v: np.ndarray) -> np.ndarray:
        """:math:`A^{-1}v`."""
        return self._impl.apply_inverse(v)

    def solve_data(self, z: np.ndarray, b: np.ndarray) -> np.ndarray:
        r""":math:`A^{-1}(Z_S^\top z - b)` without forming :math:`Z_S^\top z` (backward stable in :math:`Z_S`)."""
        return self._impl.data_part(z) - self.apply_inverse(b)
