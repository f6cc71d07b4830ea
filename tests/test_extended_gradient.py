"""The logistic certificate's second look: the gradient in extended precision (bayesreg.inference.extended_gradient).

A column of mean 1e3 makes the double-precision gradient's rounding floor, (gamma_n + 4u) sum_i s_i|x_ij|,
large enough that the certified bound of an accurate logistic MAP fails its 1e-6 tolerance (bayesreg
0.x reported "NOT certified" on such data, in memory). Checked here:

* the long-double gradient agrees with a 40-digit reference (``decimal``) within its stated floor, and the
  double-precision gradient within its own (larger) floor;
* on the 1e3-mean data the double-precision bound fails, the extended one certifies the MAP, and the bound
  holds against an optimum polished by Newton steps with a 30-digit gradient;
* a perturbed point still fails: the second look certifies accuracy, not any point;
* likelihoods it does not cover say so.
"""

from __future__ import annotations

import decimal
import warnings

import numpy as np
import pytest

import bayesreg as br
from bayesreg.inference.certificate import certify
from bayesreg.inference.curvature import Curvature
from bayesreg.inference.extended_gradient import extended_gradient, supports_extended_gradient
from bayesreg.inference.local_bound import local_error_bound
from bayesreg.inference.map import certify_point
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import LogisticLikelihood


def big_mean_data(n: int = 24_000, seed: int = 2026):
    """The rows of tests/test_dask.py: column f1 has mean 1e3 and a weight of -0.002."""
    rng = np.random.default_rng(seed)
    p = 6
    X = rng.normal(size=(n, p)) * np.linspace(0.5, 2.0, p) + np.array([0, 1e3, -2, 0, 5, 0])
    w = np.array([0.8, -0.002, 0.5, 0.0, 0.3, -0.6])
    eta = 0.3 + (X - X.mean(axis=0)) @ w
    rng.normal(size=n)  # (test_dask's Gaussian target)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
    return X, y, rng.uniform(0.2, 2.0, n)


def mp_gradient(X, y, s, theta, digits: int = 40) -> tuple[np.ndarray, list]:
    """X~'(s (expit(eta) - y)) with every operation in ``digits`` decimal digits (``decimal``: floats
    convert exactly). Returns the gradient rounded to double and the exact-ish values."""
    with decimal.localcontext() as ctx:
        ctx.prec = digits
        D = decimal.Decimal
        w = [D(float(t)) for t in theta[:-1]]
        c = D(float(theta[-1]))
        g = [D(0)] * theta.size
        one = D(1)
        for i in range(X.shape[0]):
            xi = [D(float(v)) for v in X[i]]
            eta = sum((a * b for a, b in zip(xi, w, strict=True)), c)
            r = (one / (one + (-eta).exp()) - D(float(y[i]))) * D(float(s[i]))
            for j in range(len(xi)):
                g[j] += xi[j] * r
            g[-1] += r
        return np.array([float(v) for v in g]), g


def _err(g: np.ndarray, ref: list) -> np.ndarray:
    return np.array([abs(float(decimal.Decimal(float(a)) - b)) for a, b in zip(g, ref, strict=True)])


def test_extended_and_double_gradients_are_within_their_floors_of_a_40_digit_reference():
    X, y, s = big_mean_data(n=1500)
    data = RegressionData.from_xy(X, y, sample_weight=s)
    lik = LogisticLikelihood()
    theta = np.array([0.74, -0.0065, 0.48, 0.008, 0.31, -0.58, 6.2])
    _, ref = mp_gradient(X, y, s, theta)
    g_ext, floor_ext = extended_gradient(data, lik, theta)
    err_ext = _err(g_ext, ref)
    assert np.all(err_ext <= floor_ext.total), (err_ext, floor_ext.total)
    # the double-precision gradient the solver reads, and its floor: ~2000 times larger
    from bayesreg.inference.smooth_part import smooth_gradient

    g_dbl, _ = smooth_gradient(data, br.Gaussian(1.0), lik, theta)
    floor_dbl = lik.gradient_floor(data, theta)
    err_dbl = _err(g_dbl, ref)
    assert np.all(err_dbl <= floor_dbl.total)
    assert np.all(floor_dbl.total > 500 * floor_ext.total)


@pytest.fixture(scope="module")
def big_mean_fit():
    X, y, s = big_mean_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = br.BayesianRegression(prior=br.Laplace(0.02), likelihood="logistic").fit(X, y, sample_weight=s)
    return X, y, s, est


def test_the_double_floor_fails_an_accurate_map_and_the_extended_gradient_certifies_it(big_mean_fit):
    X, y, s, est = big_mean_fit
    prior, lik = br.Laplace(0.02), LogisticLikelihood()
    data = RegressionData.from_xy(X, y, sample_weight=s)
    theta = np.append(est.coef_, est.intercept_)
    cert = est.certificate_
    assert cert.passed and "extended-precision gradient" in cert.bound_reason, cert
    # the same point with the double-precision gradient and floor: KKT passes, the bound does not
    from bayesreg.inference.smooth_part import smooth_gradient

    g_dbl, scale = smooth_gradient(data, prior, lik, theta)
    l1 = np.append(prior.penalty_weights(X.shape[1])[0], 0.0)
    l2 = np.zeros_like(l1)
    curvature = Curvature(data, lik, None)
    bound = local_error_bound(data, lik, l1, l2, theta, g_dbl, lambda S, double: curvature.block(theta, S, True))
    dbl = certify(prior, theta, g_dbl, fit_intercept=True, scale=scale, bound=bound)
    assert dbl.kkt_passed and not dbl.passed
    assert dbl.relative_error_bound > 2 * cert.relative_error_bound


def test_the_extended_bound_holds_against_a_30_digit_newton_optimum(big_mean_fit):
    """Newton steps on the MAP's support with the gradient in 30 digits (the Hessian in double: it only
    steers); the zeros keep their margins in the same precision."""
    X, y, s, est = big_mean_fit
    prior = br.Laplace(0.02)
    l1 = float(prior.penalty_weights(X.shape[1])[0][0])
    theta = np.append(est.coef_, est.intercept_)
    support = np.append(est.coef_ != 0, True)
    S = np.flatnonzero(support)
    Xt = np.column_stack([X, np.ones(X.shape[0])])
    for _ in range(2):
        g_mp, g_exact = mp_gradient(X, y, s, theta, digits=30)
        pen = np.where(support[:-1], l1 * np.sign(theta[:-1]), 0.0)
        grad = g_mp + np.append(pen, 0.0)
        eta = Xt @ theta
        pi = 1 / (1 + np.exp(-eta))
        H = (Xt[:, S] * (s * pi * (1 - pi))[:, None]).T @ Xt[:, S]
        theta = theta.copy()
        theta[S] -= np.linalg.solve(H, grad[S])
    _, g_exact = mp_gradient(X, y, s, theta, digits=30)
    off = np.flatnonzero(~support[:-1])
    assert all(abs(float(g_exact[j])) < l1 for j in off)  # strict margins: theta is the optimum's support
    dist = float(np.linalg.norm(theta - np.append(est.coef_, est.intercept_)))
    assert dist <= est.certificate_.error_bound, (dist, est.certificate_.error_bound)


def test_a_perturbed_point_still_fails(big_mean_fit):
    X, y, s, est = big_mean_fit
    data = RegressionData.from_xy(X, y, sample_weight=s)
    theta = np.append(est.coef_, est.intercept_)
    bad = theta.copy()
    bad[theta != 0] *= 1.0 + 1e-7
    cert = certify_point(data, br.Laplace(0.02), LogisticLikelihood(), bad)
    assert not cert.passed and "NOT" in str(cert)


def test_only_logistic_rows_in_memory_are_covered():
    X, y, s = big_mean_data(n=200)
    data = RegressionData.from_xy(X, y)
    assert supports_extended_gradient(data, LogisticLikelihood())
    from bayesreg.model.glm_likelihoods import Poisson

    assert not supports_extended_gradient(data, Poisson())
    with pytest.raises(NotImplementedError, match="logistic likelihood with the rows in memory"):
        extended_gradient(data, Poisson(), np.zeros(7))
