"""Numerical machinery of the MAP solver: the Newton curvature and the BLAS thread limit.

The Bernoulli Hessian used for the Newton direction is accumulated in single precision; these
tests pin its accuracy against a double-precision Hessian written out in NumPy, show that an
ill-conditioned problem switches to double precision and still reaches the exact optimum of the
independent reference solver, and check the BLAS thread limits are applied and restored.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from bayesreg.inference.blas import SMALL_PROBLEM_SIZE, serial_blas
from bayesreg.inference.curvature import Curvature
from bayesreg.inference.map import find_map
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import LogisticLikelihood
from bayesreg.model.priors import Gaussian, Laplace
from bayesreg.reference.penalized import reference_solve


def _logistic_problem(n: int, p: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    eta = 0.3 + X @ rng.normal(0.0, 0.5, p)
    return X, (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(float)


def _exact_hessian(X, theta, sw=None):
    """X_a^T diag(w mu (1 - mu)) X_a with X_a = [X, 1], in double precision."""
    mu = 1.0 / (1.0 + np.exp(-(X @ theta[:-1] + theta[-1])))
    d = mu * (1.0 - mu) * (1.0 if sw is None else sw)
    Xa = np.column_stack([X, np.ones(X.shape[0])])
    return Xa.T @ (Xa * d[:, None])


@pytest.mark.parametrize("weighted", [False, True])
def test_single_precision_hessian_is_accurate(weighted):
    X, y = _logistic_problem(20_000, 30)  # more rows than one chunk
    rng = np.random.default_rng(1)
    sw = rng.uniform(0.5, 2.0, X.shape[0]) if weighted else None
    data = RegressionData.from_xy(X, y, sample_weight=sw, binary=True)
    theta = rng.normal(0.0, 0.3, 31)
    curv = Curvature(data, LogisticLikelihood(), None)
    curv.rows = data.n_samples
    exact = _exact_hessian(X, theta, sw)
    work = np.arange(31)
    H = curv.hessian(theta, work)
    assert H.dtype == np.float64
    assert np.max(np.abs(H - exact)) <= 1e-6 * np.max(np.abs(exact))
    assert np.array_equal(H, H.T)
    # a working set (columns 3, 7, 20 and the intercept) is the matching block
    block = np.array([3, 7, 20, 30])
    Hb = curv.hessian(theta, block)
    assert np.max(np.abs(Hb - exact[np.ix_(block, block)])) <= 1e-6 * np.max(np.abs(exact))


def test_subsampled_hessian_estimates_the_full_one():
    X, y = _logistic_problem(40_000, 10)
    data = RegressionData.from_xy(X, y, binary=True)
    curv = Curvature(data, LogisticLikelihood(), None)
    assert curv.rows == curv.MIN_ROWS < data.n_samples
    theta = np.zeros(11)
    H = curv.hessian(theta, np.arange(11))
    exact = _exact_hessian(X, theta)
    # an evenly spaced quarter of iid rows, rescaled: within a few standard errors of the full sum
    assert np.max(np.abs(H - exact)) <= 0.05 * np.max(np.abs(exact))
    assert curv.cache is None  # far from the optimum nothing is reused


def _ill_conditioned(n=20_000, seed=3):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 5))
    X = np.column_stack([z, z[:, :3] + 1e-4 * rng.standard_normal((n, 3))])  # near-collinear pairs
    eta = z @ rng.standard_normal(5)
    return X, (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(float)


@pytest.mark.parametrize("prior", [Gaussian(1e3), Laplace(1e2)], ids=["gaussian", "laplace"])
def test_ill_conditioned_logistic_reaches_the_reference_optimum(prior, monkeypatch):
    X, y = _ill_conditioned()
    dtypes = []
    original = Curvature.hessian

    def spy(self, theta, work):
        dtypes.append(np.dtype(self.dtype).name)
        return original(self, theta, work)

    monkeypatch.setattr(Curvature, "hessian", spy)
    data = RegressionData.from_xy(X, y, binary=True)
    fit = find_map(data, prior, LogisticLikelihood())
    assert fit.certificate.passed and fit.certificate.relative_residual <= 1e-11
    l1, l2 = prior.penalty_weights(X.shape[1])
    ref = reference_solve(X, y, l1, l2, likelihood="logistic")
    assert ref.converged
    assert fit.objective <= ref.objective + 1e-10 * abs(ref.objective)
    scale = np.max(np.abs(ref.coef))
    assert np.max(np.abs(fit.coef - ref.coef)) <= 1e-7 * scale  # measured 2.6e-8: kappa(H) ~ 1e8
    assert np.array_equal(fit.coef == 0, ref.coef == 0)
    if isinstance(prior, Gaussian):  # the single-precision steps stalled: double precision took over
        assert dtypes[0] == "float32" and dtypes[-1] == "float64"


def _blas_threads() -> dict[str, int]:
    return {pool["filepath"]: pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


@pytest.mark.parametrize("small", [True, False], ids=["small-problem", "large-problem"])
def test_serial_blas_limits_pools_and_restores(small):
    X, y = _logistic_problem(500, 5)
    find_map(RegressionData.from_xy(X, y, binary=True), Gaussian(1.0), LogisticLikelihood())  # loads BLAS
    before = _blas_threads()
    bundled = {path for path in before if Path(path).parent.name.endswith(".libs")}
    limited = set(before) if small else bundled  # small: every pool; large: numpy's and scipy's own
    size = SMALL_PROBLEM_SIZE if small else SMALL_PROBLEM_SIZE + 1
    with threadpool_limits(limits=2, user_api="blas"):  # a caller's setting, whatever the machine
        outer = _blas_threads()
        with serial_blas(size) as parallel:
            inside = _blas_threads()
            assert all(inside[path] == 1 for path in limited)
            assert all(inside[path] == outer[path] for path in inside if path not in limited)  # PyTensor's
            with parallel():
                assert _blas_threads() == outer
            assert _blas_threads() == inside
        assert _blas_threads() == outer
    assert _blas_threads() == before
