"""The numba implementation of the marginal log-likelihood op (nutpie's path) against the NumPy one.

:meth:`MarginalGaussian.value_and_grad` (NumPy/LAPACK, PyMC's path; itself checked against the
n-dimensional integral and PyTensor's autodiff in ``tests/test_shrinkage_model.py``) is the reference:
value and gradient agree to 1e-12 relative, in both forms, with and without an intercept and flat
columns, and every point the NumPy path rejects (``nan``) is rejected by the compiled one.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from bayesreg.model.data import RegressionData
from bayesreg.model.marginal import MarginalGaussian, _op_class
from bayesreg.model.marginal_numba import _invert_pd, gram_value_and_grad, register_numba, rows_value_and_grad

CASES = [  # n, p, flat columns, intercept, weights: k <= m (gram) and k > m (rows) both built in each form
    (30, 5, [], True, False),
    (30, 5, [1], True, True),
    (8, 20, [], True, False),
    (8, 20, [3], False, True),
    (12, 6, [0, 2], False, False),
]


def _marginal(n, p, flat, intercept, weights, form, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) + 0.5
    y = 1.0 + X[:, 0] - X[:, -1] + rng.normal(size=n)
    w = rng.uniform(0.5, 2.0, n) if weights else None
    data = RegressionData.from_xy(X, y, sample_weight=w, fit_intercept=intercept)
    keep, flat = np.setdiff1d(np.arange(p), flat), np.asarray(flat, dtype=int)
    return MarginalGaussian.from_data(data, keep, flat, form=form)


def _compiled(mg, s, sigma):
    if mg.form == "gram":
        return gram_value_and_grad(s, sigma, np.ascontiguousarray(mg.gram), mg.xty, mg.yty, mg.dof, mg.const)
    return rows_value_and_grad(s, sigma, np.ascontiguousarray(mg.Xt), np.ascontiguousarray(mg.yt), mg.dof, mg.const)


def _assert_same(got, expected, s, sigma, dof, rtol=1e-12):
    """Relative 1e-12; d/dsigma is a difference of terms of size d/sigma, the quadratic form (<= 2|l|/sigma
    up to the constants) and |s . dl/ds|/sigma (the chain rule through u = s/sigma), so its tolerance is
    relative to their size."""
    value, g_scale, g_sigma = expected
    assert got[0] == pytest.approx(value, rel=rtol)
    np.testing.assert_allclose(got[1], g_scale, rtol=rtol, atol=rtol * np.abs(g_scale).max())
    terms = (dof + 2 * abs(value) + np.abs(s * g_scale).sum()) / sigma
    assert got[2] == pytest.approx(g_sigma, rel=rtol, abs=rtol * terms)


@pytest.mark.parametrize("form", ["gram", "rows"])
@pytest.mark.parametrize(("n", "p", "flat", "intercept", "weights"), CASES)
def test_compiled_value_and_gradient_equal_the_numpy_op(n, p, flat, intercept, weights, form):
    mg = _marginal(n, p, flat, intercept, weights, form, seed=n + p)
    rng = np.random.default_rng(p)
    for s, sigma in [(rng.uniform(0.01, 3.0, mg.keep.size), 0.8), (np.exp(rng.normal(0, 3, mg.keep.size)), 2.5),
                     (np.full(mg.keep.size, 1e-8), 0.3)]:
        _assert_same(_compiled(mg, s, sigma), mg.value_and_grad(s, sigma), s, sigma, mg.dof)


@pytest.mark.parametrize("form", ["gram", "rows"])
def test_compiled_rejects_what_the_numpy_op_rejects(form):
    """Non-finite or non-positive sigma, non-finite or overflowing scales: nan for all three outputs."""
    mg = _marginal(10, 4, [], True, False, form, seed=5)
    ones = np.ones(4)
    for s, sigma in [(ones, np.inf), (ones, np.nan), (ones, 0.0), (ones, -1.0), (np.r_[np.nan, 1, 1, 1], 1.0),
                     (np.r_[np.inf, 1, 1, 1], 1.0), (np.r_[1e300, 1, 1, 1], 1.0), (ones * 1e200, 1e-200)]:
        expected = mg.value_and_grad(s, sigma)
        got = _compiled(mg, s, sigma)
        assert np.isnan(expected[0]) and np.isnan(got[0]) and np.isnan(got[2]) and np.all(np.isnan(got[1])), (s, sigma)
    assert np.isfinite(_compiled(mg, np.full(4, 1e-300), 1.0)[0])


def test_inverse_reports_a_matrix_that_is_not_positive_definite():
    """The check CAN fail: dpotrf's info > 0 is reported, and a positive-definite inverse is exact."""
    A = np.array([[1.0, 2.0], [2.0, 1.0]])  # eigenvalues 3, -1
    assert _invert_pd(A.copy())[0] is False
    rng = np.random.default_rng(0)
    B = rng.normal(size=(6, 4))
    A = B.T @ B + np.eye(4)
    inv = A.copy()
    ok, half_logdet = _invert_pd(inv)
    assert ok and half_logdet == pytest.approx(0.5 * np.linalg.slogdet(A)[1], rel=1e-13)
    np.testing.assert_allclose(inv, np.linalg.inv(A), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("form", ["gram", "rows"])
def test_pytensor_numba_mode_compiles_the_op_natively(form):
    """Registered with PyTensor's numba backend: no object-mode fallback; value and both gradients as the
    C backend (which runs the NumPy ``perform``)."""
    register_numba()
    mg = _marginal(14, 6, [2], True, True, form, seed=11)
    s, sigma = pt.dvector("s"), pt.dscalar("sigma")
    out = _op_class()(mg)(s, sigma, *mg.target_statistics().values())[0]
    outputs = [out, *pytensor.grad(out, [s, sigma])]
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*object mode.*")
        f_numba = pytensor.function([s, sigma], outputs, mode="NUMBA")
    f_c = pytensor.function([s, sigma], outputs)
    sv = np.random.default_rng(3).uniform(0.05, 2.0, mg.keep.size)
    got, expected = f_numba(sv, 0.9), f_c(sv, 0.9)
    _assert_same(got, expected, sv, 0.9, mg.dof)
    assert np.isnan(f_numba(sv, -1.0)[0])
