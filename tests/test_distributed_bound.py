"""The distributed MAP carries the same certified error bound as the in-memory MAP (issue 14, item 2).

:func:`bayesreg.inference.distributed_bound.rows_error_bound` evaluates the local-curvature bound of
:mod:`bayesreg.inference.local_bound` from passes over row blocks. Checked: the bound is present and
small for logistic ridge / lasso / elastic-net MAPs on blocks; it *holds*: the distance to the in-memory
MAP (itself certified within its own bound) is at most the sum of both bounds; and a perturbed point gets
a bound that still contains the optimum but is too large to certify it (the check can fail).
"""

from __future__ import annotations

import numpy as np
import pytest

import bayesreg as br
from bayesreg.inference.certificate import certify
from bayesreg.inference.distributed import find_map_rows, glm_pass
from bayesreg.inference.distributed_bound import rows_error_bound
from bayesreg.model.likelihoods import LogisticLikelihood
from bayesreg.model.rows import ArrayRows


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(41)
    n, p = 6000, 8
    X = rng.normal(size=(n, p)) * np.linspace(0.5, 2.0, p) + np.linspace(-1.0, 3.0, p)
    w = np.zeros(p)
    w[:4] = [1.0, -0.5, 0.25, 0.8]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(0.3 + (X - X.mean(axis=0)) @ w)))).astype(float)
    return X, y, rng.uniform(0.3, 2.0, n)


PRIORS = [br.Gaussian(0.5), br.Laplace(0.01), br.ElasticNet(20.0, 1.0)]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("prior", PRIORS, ids=["ridge", "lasso", "elastic-net"])
def test_distributed_bound_holds_against_the_in_memory_map(data, prior, weighted):
    X, y, v = data
    v = v if weighted else None
    memory = br.BayesianRegression(prior=prior, likelihood="logistic").fit(X, y, sample_weight=v)
    result = find_map_rows(ArrayRows(X, y, v, block_rows=1000), prior, LogisticLikelihood())
    cert, mem = result.certificate, memory.certificate_
    assert cert.passed and cert.error_bound is not None and mem.error_bound is not None
    assert cert.relative_error_bound <= cert.bound_tol
    theta = np.append(result.coef, result.intercept)
    theta_mem = np.append(memory.coef_, memory.intercept_)
    # both bounds contain the one optimum: the two points are within the sum of the bounds
    assert np.linalg.norm(theta - theta_mem) <= cert.error_bound + mem.error_bound
    # the same bound as in memory, up to the point it is evaluated at and the curvature's point
    assert cert.error_bound <= 100 * mem.error_bound + 1e-12 * np.linalg.norm(theta_mem)


def test_the_bound_fails_to_certify_a_perturbed_point(data):
    X, y, v = data
    prior, lik = br.Laplace(0.01), LogisticLikelihood()
    rows = ArrayRows(X, y, v, block_rows=1000)
    result = find_map_rows(rows, prior, lik)
    theta = np.append(result.coef, result.intercept)
    p = X.shape[1]
    l1_w, l2_w = prior.penalty_weights(p)
    l1, l2 = np.append(l1_w, 0.0), np.append(l2_w, 0.0)
    bad = theta.copy()
    bad[theta != 0] *= 1.0 + 1e-3  # off by 1e-3 relative on the support
    _, g, _, _, _ = rows.map_reduce(glm_pass, bad, lik, True, None, False, 1, False)
    bound, passes = rows_error_bound(rows, lik, l1, l2, bad, g, fit_intercept=True)
    assert passes >= 2 and bound.value is not None
    assert np.linalg.norm(bad - theta) <= bound.value + result.certificate.error_bound  # still a valid bound
    _, g0, _, _, _ = rows.map_reduce(glm_pass, np.zeros(p + 1), lik, True, None, False, 1, False)
    cert = certify(prior, bad, g, fit_intercept=True, scale=float(np.max(np.abs(g0))), bound=bound)
    assert not cert.bound_passed and not cert.passed
    assert "NOT" in str(cert)


def test_no_bound_without_a_row_free_rounding_floor():
    """A likelihood whose gradient floor needs the rows (the test Poisson of test_distributed_poisson has
    none): the KKT residual certifies alone, and the certificate says the bound was not computed."""
    from tests.test_distributed_poisson import PoissonLogLink, poisson_data

    X, y, _ = poisson_data(3000, 5, 2)
    result = find_map_rows(ArrayRows(X, y, block_rows=1000), br.Gaussian(1.0), PoissonLogLink())
    assert result.certificate.passed and result.certificate.error_bound is None
    assert result.certificate.bound_reason == "not computed"
