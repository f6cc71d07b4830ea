"""The ``glmnet`` convention against glmnet's own coefficients.

Reference
---------
``tests/data/glmnet_reference.json``: coefficients and intercepts computed **in R by glmnet 4.1-6**
(``thresh=1e-26``, made by ``scripts/glmnet_reference.R``; provenance and accuracy, ~1e-11
relative, in ``docs/conventions_evidence.md``). R is never needed to run these tests.

For every case, ``(lambda, alpha, family, standardize)`` is converted with
``penalty_to_prior("glmnet", X=..., y=...)``, the exact MAP is computed with ``find_map``, and
glmnet's ``beta`` (original scale) and ``a0`` must be reproduced to 1e-6 relative, with the same
exact zeros. The fixture's ``l1_sigma1`` / ``l2_sigma1`` (derived by the R script from the
documented formulas, not output by glmnet) are also compared with the converter's weights.

Cases with observation ``weights`` go through the convention's ``weights`` parameter and a
weighted likelihood (``sample_weight``), and also through ``verify_map`` and ``GlmnetBayes``. A
``penalty.factor`` containing 0 leaves a coefficient unpenalised: a flat prior there
(``bayesreg.Unpenalized``). Weighted and penalty-factor cases are also checked with the sum-form
weights written out in this file.
"""

from __future__ import annotations

import numpy as np
import pytest
from _fixtures import GLMNET, GLMNET_MULTINOMIAL, fixture_case, fixture_data, load_fixture

from bayesreg.conventions import PenaltyWeights, get_convention, penalty_to_prior, penalty_to_weights, prior_to_penalty
from bayesreg.conventions._base import weights_to_prior
from bayesreg.datasets import load_dataset
from bayesreg.estimators.presets import GlmnetBayes
from bayesreg.inference.map import find_map
from bayesreg.model.data import RegressionData
from bayesreg.model.glm_likelihoods import Poisson
from bayesreg.model.likelihoods import GaussianLikelihood, LogisticLikelihood
from bayesreg.model.priors import ElasticNet, Gaussian, Laplace
from bayesreg.model.unpenalized import Unpenalized
from bayesreg.verify import verify_map

FIXTURE = GLMNET
RTOL = 1e-6

pytestmark = pytest.mark.skipif(
    not FIXTURE.is_file(),
    reason=f"glmnet fixture {FIXTURE.name} not found (generate it with scripts/glmnet_reference.R)",
)


def fixture() -> dict:
    return load_fixture(FIXTURE)


def data_of(name: str) -> tuple[np.ndarray, np.ndarray]:
    return fixture_data(FIXTURE, name)


def _cases() -> list:
    if not FIXTURE.is_file():
        return []
    return [pytest.param(c, id=c["id"]) for c in fixture()["cases"]]


CASES = _cases()


HAS_PENALTY_FACTOR = "penalty_factor" in get_convention("glmnet").params


def _is_plain(case) -> bool:
    """Expressible by the 'glmnet' convention: every case (a zero penalty.factor is a flat prior)."""
    return case["penalty_factor"] is None or HAS_PENALTY_FACTOR


def _lik_data(case, X, y, sample_weight):
    """The likelihood of glmnet's family and the data (with the log exposure as offset for poisson)."""
    family = case["family"]
    lik = {"binomial": LogisticLikelihood(), "poisson": Poisson()}.get(family, GaussianLikelihood(1.0))
    offset = np.array(fixture()["datasets"][case["dataset"]]["offset"]) if case.get("offset") else None
    data = RegressionData.from_xy(X, y, sample_weight=sample_weight, binary=family == "binomial", offset=offset)
    return lik, data


def _weights(case):
    return None if case["weights"] is None else np.array(case["weights"], dtype=float)


def _params(case) -> dict:
    params = {"lambda_": float(case["lambda"]), "alpha": float(case["alpha"]), "family": case["family"],
              "standardize": bool(case["standardize"])}
    if case["penalty_factor"] is not None:
        params["penalty_factor"] = list(case["penalty_factor"])
    if case["weights"] is not None:
        params["weights"] = _weights(case)
    return params


def _assert_matches_glmnet(fit, case):
    beta = np.array(case["beta"], dtype=float)
    scale = float(np.max(np.abs(beta)))
    rel = float(np.max(np.abs(fit.coef - beta))) / scale
    assert rel <= RTOL, (case["id"], rel)
    np.testing.assert_array_equal(fit.coef == 0.0, beta == 0.0)
    assert int(np.count_nonzero(fit.coef)) == case["n_nonzero"]
    a0 = float(case["a0"])
    assert abs(fit.intercept - a0) <= RTOL * max(abs(a0), scale), (case["id"], fit.intercept, a0)
    assert fit.certificate.passed
    return rel


def test_fixture_schema():
    f = fixture()
    assert f["meta"]["glmnet_version"].startswith("4.")
    assert f["meta"]["thresh"] <= 1e-14
    assert len(f["cases"]) >= 1
    for case in f["cases"]:
        assert case["dataset"] in f["datasets"]
        assert case["family"] in ("gaussian", "binomial", "poisson")
        assert case.get("offset", False) in (False, True)
        if case.get("offset"):
            assert len(f["datasets"][case["dataset"]]["offset"]) == f["datasets"][case["dataset"]]["n"]
        assert case["intercept"] is True
        assert len(case["beta"]) == f["datasets"][case["dataset"]]["p"]


def test_fixture_diabetes_is_the_bundled_data_set():
    X, y = data_of("diabetes")
    d = load_dataset("diabetes")
    np.testing.assert_array_equal(X, d.X.to_numpy())
    np.testing.assert_array_equal(y, d.y.to_numpy())


@pytest.mark.parametrize("case", CASES)
def test_glmnet_convention_reproduces_glmnet(case):
    if not _is_plain(case):
        pytest.skip("the 'glmnet' convention has no penalty_factor")
    X, y = data_of(case["dataset"])
    params = _params(case)
    # the converter's weights equal the fixture's derived l1, l2 (sigma = 1)
    w = penalty_to_weights("glmnet", X=X, y=y, **params)
    np.testing.assert_allclose(np.broadcast_to(w.l1, (X.shape[1],)), case["l1_sigma1"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(np.broadcast_to(w.l2, (X.shape[1],)), case["l2_sigma1"], rtol=1e-12, atol=0)

    prior = penalty_to_prior("glmnet", X=X, y=y, **params)
    expected_kind = {1.0: Laplace, 0.0: Gaussian}.get(float(case["alpha"]), ElasticNet)
    if case["penalty_factor"] is not None and min(case["penalty_factor"]) == 0:  # a flat prior there
        assert isinstance(prior, Unpenalized)
        assert list(prior.features) == [j for j, f in enumerate(case["penalty_factor"]) if f == 0]
        prior_kind = prior.prior
    else:
        prior_kind = prior
    assert isinstance(prior_kind, expected_kind)
    lik, data = _lik_data(case, X, y, _weights(case))
    fit = find_map(data, prior, lik)
    _assert_matches_glmnet(fit, case)
    # and back: the prior maps to the same (lambda, alpha) under the same weights
    if case["penalty_factor"] is None:  # (general factors are not recoverable from the prior alone)
        back = prior_to_penalty(prior, "glmnet", X=X, y=y, family=case["family"],
                                standardize=bool(case["standardize"]), weights=_weights(case))
        assert back["lambda_"] == pytest.approx(float(case["lambda"]), rel=1e-12)
        assert back["alpha"] == pytest.approx(float(case["alpha"]), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("case", [c for c in CASES if c.values[0]["weights"] is not None
                                  and _is_plain(c.values[0]) and c.values[0]["family"] != "poisson"])
def test_weighted_glmnet_through_verify_map_and_the_preset(case):
    """glmnet(x, y, weights=w) equals verify_map(..., sample_weight=w) and GlmnetBayes.fit(..., w)."""
    X, y = data_of(case["dataset"])
    params = _params(case)
    w = params.pop("weights")
    report = verify_map(X, y, "glmnet", sample_weight=w, **params)
    assert report.passed, report
    beta = np.array(case["beta"], dtype=float)
    assert np.max(np.abs(report.map_coef - beta)) <= RTOL * np.max(np.abs(beta))
    same = verify_map(X, y, "glmnet", weights=w, **params)  # glmnet's own name for them
    np.testing.assert_array_equal(same.map_coef, report.map_coef)
    with pytest.raises(ValueError, match="given twice"):
        verify_map(X, y, "glmnet", sample_weight=w, weights=w, **params)
    est = GlmnetBayes(lambda_=params["lambda_"], alpha=params["alpha"], family=params["family"],
                      standardize=params["standardize"], penalty_factor=params.get("penalty_factor"),
                      **({"noise_sigma": None} if params["family"] == "binomial" else {}))
    est.fit(X, y, sample_weight=w)
    assert np.max(np.abs(est.coef_ - beta)) <= RTOL * np.max(np.abs(beta))


@pytest.mark.parametrize("case", [c for c in CASES if c.values[0]["family"] == "gaussian"
                                  and _is_plain(c.values[0]) and c.values[0]["weights"] is None
                                  and c.values[0]["lambda"] == 2])
def test_glmnet_gaussian_estimate_does_not_depend_on_noise_sigma(case):
    """l1, l2 scale with 1/sigma^2 exactly like the likelihood: same MAP for any sigma."""
    X, y = data_of(case["dataset"])
    prior = penalty_to_prior("glmnet", X=X, y=y, noise_sigma=25.0, **_params(case))
    fit = find_map(RegressionData.from_xy(X, y), prior, GaussianLikelihood(25.0))
    _assert_matches_glmnet(fit, case)


@pytest.mark.parametrize("case", [c for c in CASES if c.values[0]["weights"] is not None
                                  or c.values[0]["penalty_factor"] is not None])
def test_weighted_and_penalty_factor_cases(case):
    """glmnet with weights w_i and penalty.factor pf: (documented objective, times W / sigma^2)
    l1_j = W lam alpha vq_j s_j, l2_j = W lam (1 - alpha) vq_j s_j^2 / (2 s_y) (gaussian; no s_y
    for binomial), s_j and s_y weighted population sds, vq = pf p / sum(pf), W = sum(w)."""
    X, y = data_of(case["dataset"])
    n, p = X.shape
    w = np.ones(n) if case["weights"] is None else np.array(case["weights"], dtype=float)
    W = w.sum()
    vq = np.ones(p) if case["penalty_factor"] is None else np.array(case["penalty_factor"], float)
    vq = vq * p / vq.sum()
    if case["standardize"]:
        xbar = np.average(X, axis=0, weights=w)
        s = np.sqrt(np.average((X - xbar) ** 2, axis=0, weights=w))
    else:
        s = np.ones(p)
    np.testing.assert_allclose(s, case["x_scale"], rtol=1e-12)
    lam, a = float(case["lambda"]), float(case["alpha"])
    gaussian = case["family"] == "gaussian"
    s_y = float(np.sqrt(np.average((y - np.average(y, weights=w)) ** 2, weights=w))) if gaussian else 1.0
    l1 = W * lam * a * vq * s
    l2 = W * lam * (1 - a) * vq * s**2 / (2 * s_y)
    np.testing.assert_allclose(l1, case["l1_sigma1"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(l2, case["l2_sigma1"], rtol=1e-12, atol=0)
    prior = weights_to_prior(PenaltyWeights.of(l1, l2))  # penalty.factor 0: Unpenalized (flat) there
    lik, data = _lik_data(case, X, y, None if case["weights"] is None else w)
    _assert_matches_glmnet(find_map(data, prior, lik), case)


@pytest.mark.parametrize("case", [c for c in CASES if c.values[0]["penalty_factor"] is not None
                                  and c.values[0]["family"] != "poisson"])
def test_glmnet_preset_with_penalty_factor(case):
    X, y = data_of(case["dataset"])
    params = _params(case)
    est = GlmnetBayes(lambda_=params["lambda_"], alpha=params["alpha"], family=params["family"],
                      standardize=params["standardize"], penalty_factor=params["penalty_factor"],
                      noise_sigma=None if params["family"] == "binomial" else 1.0).fit(X, y)
    beta = np.array(case["beta"], dtype=float)
    assert np.max(np.abs(est.coef_ - beta)) <= RTOL * np.max(np.abs(beta))
    assert np.array_equal(est.coef_ == 0, beta == 0)


def test_glmnet_convention_rejects_bad_factors_and_weights():
    """An all-zero or negative penalty.factor and bad observation weights are refused by name."""
    X, y = data_of("diabetes")
    for pf in ([0.0] * X.shape[1], [-1.0] + [1.0] * (X.shape[1] - 1)):
        with pytest.raises(ValueError, match="penalty_factor"):
            penalty_to_prior("glmnet", X=X, y=y, lambda_=2.0, penalty_factor=pf)
    for bad in (np.ones(len(y) - 1), -np.ones(len(y)), np.full(len(y), np.nan), np.zeros(len(y))):
        with pytest.raises(ValueError, match="^weights"):
            penalty_to_prior("glmnet", X=X, y=y, lambda_=2.0, weights=bad)


def test_unit_glmnet_weights_change_nothing_and_scale_invariance():
    """weights = c * ones is glmnet without weights (glmnet normalises them to sum to 1)."""
    X, y = data_of("diabetes")
    plain = penalty_to_weights("glmnet", X=X, y=y, lambda_=2.0, alpha=0.5)
    for c in (1.0, 3.5):
        w = penalty_to_weights("glmnet", X=X, y=y, lambda_=2.0, alpha=0.5, weights=np.full(len(y), c))
        np.testing.assert_allclose(w.l1, c * plain.l1, rtol=1e-13)  # the likelihood is c times larger too
        np.testing.assert_allclose(w.l2, c * plain.l2, rtol=1e-13)


@pytest.mark.skipif(not HAS_PENALTY_FACTOR, reason="the 'glmnet' convention has no penalty_factor")
def test_glmnet_positive_penalty_factor_weights():
    """vq = pf p / sum(pf) multiplies both penalty parts; pf = c * ones is no penalty factor."""
    X, y = data_of("diabetes")
    p = X.shape[1]
    base = penalty_to_weights("glmnet", X=X, y=y, lambda_=2.0, alpha=0.5)
    np.testing.assert_allclose(
        penalty_to_weights("glmnet", X=X, y=y, lambda_=2.0, alpha=0.5, penalty_factor=[3.0] * p).l1,
        base.l1, rtol=1e-14)
    pf = np.linspace(0.5, 2.0, p)
    w = penalty_to_weights("glmnet", X=X, y=y, lambda_=2.0, alpha=0.5, penalty_factor=pf)
    vq = pf * p / pf.sum()
    np.testing.assert_allclose(w.l1, vq * base.l1, rtol=1e-13)
    np.testing.assert_allclose(w.l2, vq * base.l2, rtol=1e-13)


@pytest.mark.parametrize("case", [c for c in CASES if c.values[0]["family"] == "poisson"
                                  and c.values[0]["offset"]][-2:])
def test_glmnet_preset_poisson_with_offset(case):
    """GlmnetBayes(family="poisson").fit(X, y, offset=, sample_weight=) is glmnet(..., offset=, weights=)."""
    X, y = data_of(case["dataset"])
    params = _params(case)
    offset = np.array(fixture()["datasets"][case["dataset"]]["offset"])
    est = GlmnetBayes(lambda_=params["lambda_"], alpha=params["alpha"], family="poisson",
                      standardize=params["standardize"], penalty_factor=params.get("penalty_factor"))
    est.fit(X, y, sample_weight=_weights(case), offset=offset)
    beta = np.array(case["beta"], dtype=float)
    assert np.max(np.abs(est.coef_ - beta)) <= RTOL * np.max(np.abs(beta))
    assert np.array_equal(est.coef_ == 0, beta == 0)
    np.testing.assert_allclose(est.predict(X[:5], offset=offset[:5]),
                               np.exp(offset[:5] + X[:5] @ beta + case["a0"]), rtol=1e-6)


# ------------------------------------------------------------------------------------ multinomial
# tests/data/glmnet_multinomial.json: glmnet's family="multinomial" (type.multinomial="ungrouped")
# in R (scripts/glmnet_reference.R); the independent NumPy solver reproduces every case
# (tests/test_multinomial_reference.py). Here: the package's MAP under the 'glmnet' convention.
def multinomial_fixture() -> dict:
    return load_fixture(GLMNET_MULTINOMIAL)


def _multi_cases() -> list:
    return [pytest.param(c, id=c["id"]) for c in multinomial_fixture()["cases"]]


@pytest.mark.parametrize("case", _multi_cases())
def test_glmnet_multinomial_convention_reproduces_glmnet(case):
    """penalty_to_prior("glmnet", family="multinomial") + find_map == glmnet's B (K x p) and a0 (K):
    <= 1e-6 relative, the same exact zeros, the KKT conditions met and the error bound certified (on
    the unscaled wine columns at small lambda through the column-scaled coordinates)."""
    from bayesreg.conventions import penalty_to_likelihood
    from bayesreg.model.multinomial import Multinomial

    X, y = fixture_data(GLMNET_MULTINOMIAL, case["dataset"])
    params = {"lambda_": float(case["lambda"]), "alpha": float(case["alpha"]), "family": "multinomial",
              "standardize": bool(case["standardize"])}
    if case["penalty_factor"] is not None:
        params["penalty_factor"] = list(case["penalty_factor"])
    w = _weights(case)
    if w is not None:
        params["weights"] = w
    weights = penalty_to_weights("glmnet", X=X, y=y, **params)
    np.testing.assert_allclose(np.broadcast_to(weights.l1, (X.shape[1],)), case["l1_sigma1"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(np.broadcast_to(weights.l2, (X.shape[1],)), case["l2_sigma1"], rtol=1e-12, atol=0)
    prior = penalty_to_prior("glmnet", X=X, y=y, **params)
    lik = penalty_to_likelihood("glmnet", **params)
    assert isinstance(lik, Multinomial)
    data = RegressionData.from_xy(X, y, sample_weight=w, fit_intercept=bool(case["intercept"]))
    fit = find_map(data, prior, lik)
    B, a0 = np.array(case["beta"], dtype=float), np.array(case["a0"], dtype=float)
    coef = np.asarray(fit.coef, dtype=float).reshape(B.shape)
    scale = float(np.abs(B).max())
    assert float(np.abs(coef - B).max()) <= RTOL * scale, case["id"]
    np.testing.assert_array_equal(coef == 0.0, B == 0.0)
    assert float(np.abs(np.asarray(fit.intercept) - a0).max()) <= RTOL * max(scale, float(np.abs(a0).max()))
    assert fit.certificate.kkt_passed, fit.certificate
    if case["penalty_factor"] is not None and 0 in case["penalty_factor"]:
        # glmnet leaves that column unpenalised and reports it centred: so does the package
        flat = np.asarray(case["penalty_factor"]) == 0
        assert float(np.abs(coef[:, flat].sum(axis=0)).max()) <= 1e-12 * scale
    assert fit.certificate.passed, fit.certificate
    if case["penalty_factor"] is None:  # and back to glmnet's (lambda, alpha)
        back = prior_to_penalty(prior, "glmnet", X=X, y=y, family="multinomial",
                                standardize=bool(case["standardize"]), weights=w)
        assert back["lambda_"] == pytest.approx(float(case["lambda"]), rel=1e-12)
        assert back["alpha"] == pytest.approx(float(case["alpha"]), rel=1e-12, abs=1e-15)


def test_multinomial_lasso_stalls_without_the_class_shift_term(monkeypatch):
    """The check can fail: without the class-shift term of the Newton model (issue 11) the proximal
    Newton on unscaled wine (lasso, lambda = 0.01) stalls at a relative KKT residual ~8e-5 (the
    homotopy keeps the last class of a feature out of the singular active set); with it, glmnet."""
    import bayesreg.inference.map as map_module
    from bayesreg.conventions import penalty_to_likelihood
    from bayesreg.inference.l1_quadratic import IterationLimitWarning

    case = fixture_case(GLMNET_MULTINOMIAL, "multinomial_wine_a1_std0_lam0.01")
    X, y = fixture_data(GLMNET_MULTINOMIAL, case["dataset"])
    params = {"lambda_": float(case["lambda"]), "alpha": 1.0, "family": "multinomial", "standardize": False}
    prior, lik = penalty_to_prior("glmnet", X=X, y=y, **params), penalty_to_likelihood("glmnet", **params)
    data = RegressionData.from_xy(X, y)
    B = np.array(case["beta"], dtype=float)
    fit = find_map(data, prior, lik)
    assert fit.n_iter <= 30 and fit.certificate.relative_residual <= 1e-12
    assert float(np.abs(np.asarray(fit.coef) - B).max()) <= RTOL * float(np.abs(B).max())
    monkeypatch.setattr(map_module, "_SHIFT_DAMPING", 0.0)
    with pytest.warns(IterationLimitWarning, match="max_iter=20"):
        stalled = find_map(data, prior, lik, max_iter=20)
    assert not stalled.certificate.kkt_passed
    assert stalled.certificate.relative_residual > 1e-5


@pytest.mark.parametrize("case", [c for c in _multi_cases() if c.values[0]["penalty_factor"] is not None
                                  and c.values[0]["weights"] is None])
def test_glmnet_preset_multinomial_with_penalty_factor(case):
    """GlmnetBayes(family="multinomial", penalty_factor=) is glmnet(..., family="multinomial",
    penalty.factor=): B (K x p) and a0 to <= 1e-6 relative, identical zeros, the flat column centred."""
    X, y = fixture_data(GLMNET_MULTINOMIAL, case["dataset"])
    est = GlmnetBayes(lambda_=float(case["lambda"]), alpha=float(case["alpha"]), family="multinomial",
                      standardize=bool(case["standardize"]), penalty_factor=case["penalty_factor"])
    est.fit(X, y)
    B, a0 = np.array(case["beta"], dtype=float), np.array(case["a0"], dtype=float)
    assert est.coef_.shape == B.shape
    assert float(np.abs(est.coef_ - B).max()) <= RTOL * float(np.abs(B).max())
    assert float(np.abs(est.intercept_ - a0).max()) <= RTOL * float(np.abs(B).max())
    np.testing.assert_array_equal(est.coef_ == 0.0, B == 0.0)
    assert est.certificate_.kkt_passed
    flat = np.asarray(case["penalty_factor"]) == 0
    assert float(np.abs(est.coef_[:, flat].sum(axis=0)).max()) <= 1e-12 * float(np.abs(B).max())


def test_glmnet_preset_unknown_family():
    with pytest.raises(ValueError, match="'family' parameter of GlmnetBayes.*'multinomial'; got 'multinomal'"):
        GlmnetBayes(family="multinomal").fit(np.eye(4), np.arange(4.0))
