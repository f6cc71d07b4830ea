"""The distributed GLM MAP is likelihood-generic: a Poisson likelihood (log link) defined here, with
only the two row-wise hooks the fits at scale read (``nll_eta``, ``eta_derivatives``), is solved and
certified by :func:`bayesreg.inference.distributed.find_map_rows` on row blocks.

References: scikit-learn's ``PoissonRegressor`` (ridge; its objective
:math:`\\frac{1}{2W}\\sum_i v_i\\,\\mathrm{dev}_i + \\frac{\\alpha}{2}\\|w\\|^2` is :math:`\\frac1W` times
:math:`\\sum_i v_i(e^{\\eta_i} - y_i\\eta_i) + \\frac{W\\alpha}{2}\\|w\\|^2` plus a constant, i.e. a Gaussian
prior with :math:`\\ell_2 = W\\alpha/2`) at ``tol=1e-12``; for the L1 penalty, SciPy's L-BFGS-B on the
smooth split :math:`w = u - v`, :math:`u, v \\ge 0` (exact reformulation; zeros to its tolerance) and
the KKT certificate, which fails on a perturbed point. A Dask ``LocalCluster`` version is in
``tests/test_dask.py``. (A Poisson likelihood for every fit is issue 11; this one lives in the test.)
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import gammaln

import bayesreg as br
from bayesreg.inference.certificate import certify
from bayesreg.inference.distributed import find_map_rows, glm_pass
from bayesreg.model.likelihoods import Likelihood
from bayesreg.model.rows import ArrayRows


class PoissonLogLink(Likelihood):
    r""":math:`-\log p(y \mid \eta) = e^\eta - y\eta + \log y!`: only what the fits at scale read."""

    name: ClassVar[str] = "poisson"
    binary: ClassVar[bool] = False

    def nll_eta(self, y: np.ndarray, eta: np.ndarray) -> np.ndarray:
        yy = y.reshape(y.shape + (1,) * (eta.ndim - y.ndim))
        return np.exp(eta) - yy * eta + gammaln(yy + 1.0)

    def eta_derivatives(self, y: np.ndarray, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mu = np.exp(eta)
        return mu - y, mu

    def nll(self, data: Any, coef: np.ndarray, intercept: float) -> float:
        raise NotImplementedError

    def pointwise_loglik(self, data: Any, eta: np.ndarray, **params: Any) -> np.ndarray:
        raise NotImplementedError

    def data_values(self, data: Any, form: str) -> dict[str, Any]:
        raise NotImplementedError

    def add_to_model(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


def poisson_data(n: int, p: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * np.linspace(0.5, 1.5, p) + np.linspace(0.0, 3.0, p)
    w = np.zeros(p)
    w[: p // 2] = rng.normal(scale=0.3, size=p // 2)
    y = rng.poisson(np.exp(0.5 + (X - X.mean(axis=0)) @ w)).astype(float)
    return X, y, rng.uniform(0.2, 2.0, n)


@pytest.mark.parametrize("weighted", [False, True])
def test_poisson_ridge_map_on_blocks_equals_sklearn(weighted):
    from sklearn.linear_model import PoissonRegressor

    X, y, v = poisson_data(3000, 5, seed=1)
    v = v if weighted else None
    W = float(v.sum()) if weighted else float(len(y))
    alpha = 0.01
    prior = br.Gaussian(1.0 / np.sqrt(W * alpha))
    np.testing.assert_allclose(prior.penalty_weights(5)[1], W * alpha / 2, rtol=1e-14)
    res = find_map_rows(ArrayRows(X, y, v, block_rows=700), prior, PoissonLogLink())
    assert res.certificate.passed and res.certificate.relative_residual < 1e-10
    sk = PoissonRegressor(alpha=alpha, tol=1e-12, max_iter=10_000, solver="newton-cholesky").fit(X, y, sample_weight=v)
    np.testing.assert_allclose(res.coef, sk.coef_, rtol=0, atol=1e-8 * np.abs(sk.coef_).max())
    assert res.intercept == pytest.approx(sk.intercept_, abs=1e-8 * (1 + np.abs(X.mean(0)) @ np.abs(sk.coef_)))


def test_poisson_lasso_map_on_blocks_is_certified_and_equals_a_split_lbfgsb_reference():
    X, y, v = poisson_data(3000, 8, seed=2)
    prior = br.Laplace(0.005)  # l1 = 200: 5 of 8 weights exactly 0
    l1 = prior.penalty_weights(8)[0]
    lik = PoissonLogLink()
    res = find_map_rows(ArrayRows(X, y, v, block_rows=512), prior, lik)
    assert res.certificate.passed and res.certificate.relative_residual < 1e-10
    assert np.any(res.coef == 0.0) and np.any(res.coef != 0.0)  # exact zeros and non-zeros

    def objective(z: np.ndarray) -> tuple[float, np.ndarray]:  # z = (u, v, c), w = u - v
        u, vv, c = z[:8], z[8:16], z[16]
        f, g, *_ = glm_pass(X, y, v, np.append(u - vv, c), lik, True, None, False, 1, False)
        return f + l1 @ (u + vv), np.concatenate([g[:8] + l1, -g[:8] + l1, g[8:]])

    z0 = np.zeros(17)
    ref = minimize(objective, z0, jac=True, method="L-BFGS-B", bounds=[(0, None)] * 16 + [(None, None)],
                   options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 20_000, "maxcor": 30})
    w_ref = ref.x[:8] - ref.x[8:16]
    assert res.objective <= ref.fun + 1e-12 * abs(ref.fun)  # the certified MAP is at least as good
    np.testing.assert_allclose(res.coef, w_ref, rtol=0, atol=1e-5 * np.abs(w_ref).max())
    # the certificate can fail: move one zero off zero, or shift a non-zero
    _, g0, *_ = glm_pass(X, y, v, np.zeros(9), lik, True, None, False, 1, False)
    for j in (int(np.flatnonzero(res.coef == 0)[0]), int(np.flatnonzero(res.coef)[0])):
        theta = np.append(res.coef, res.intercept)
        theta[j] += 1e-4
        _, g, *_ = glm_pass(X, y, v, theta, lik, True, None, False, 1, False)
        bad = certify(prior, theta, g, fit_intercept=True, scale=float(np.max(np.abs(g0))), tol=1e-8)
        assert not bad.passed
