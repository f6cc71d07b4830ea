"""Tests of ``bayesreg.model.priors`` against independent references.

References
----------
* ``logpdf`` of Laplace / Gaussian: ``scipy.stats.laplace`` / ``scipy.stats.norm`` (summed over
  features), for scalar and per-feature scales.
* The elastic-net normalising constant :math:`Z = \\int e^{-\\ell_1|w| - \\ell_2 w^2}dw`:
  ``scipy.integrate.quad`` of the unnormalised density (not the erfcx closed form).
* The PyMC log-density of every prior: ``model.compile_logp()`` of a one-variable model built with
  ``prior.to_pymc`` must equal ``prior.logpdf`` (and therefore the scipy references).
* ``prox``: brute-force ``scipy.optimize.minimize_scalar`` of
  :math:`\\frac{1}{2t}(w - v)^2 + \\ell_1|w| + \\ell_2 w^2`, coordinate by coordinate.
* ``subgradient_distance``: the closed-form lasso / elastic-net solution of an orthonormal design
  (:math:`w = \\mathrm{soft}(X^\\top y, \\ell_1)/(1 + 2\\ell_2)`), derived by hand in the test.
* ``ElasticNet.sample``: Kolmogorov-Smirnov test against the CDF obtained by numerically
  integrating the unnormalised density (fixed seeds, so the p-values are deterministic).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from bayesreg.model.priors import ElasticNet, Gaussian, Laplace, elastic_net_log_normalizer

W = np.array([0.0, 0.3, -1.7, 4.2, -0.01])
P = W.size
B_VEC = (0.5, 1.0, 2.0, 0.1, 7.0)
S_VEC = (0.2, 1.0, 3.0, 0.05, 10.0)
L1_VEC = (0.5, 2.0, 0.01, 50.0, 1.0)
L2_VEC = (1.0, 0.01, 50.0, 0.3, 2.0)

EXTREME_PAIRS = [
    (1.0, 1.0),
    (0.1, 10.0),
    (10.0, 0.1),
    (50.0, 0.01),
    (0.01, 50.0),
    (1e3, 1e-3),
    (1e-3, 1e3),
    (1e-6, 1e-6),
    (3.0, 1e-8),
]


@pytest.fixture(scope="module")
def pm():
    """PyMC, imported after ``bayesreg`` (which points PyTensor at the system BLAS first)."""
    import pymc

    return pymc


def quad_log_z(l1: float, l2: float) -> float:
    """log of the integral of exp(-l1|w| - l2 w^2) over the real line (symmetric: 2 x half)."""
    half, err = integrate.quad(lambda w: np.exp(-l1 * w - l2 * w * w), 0.0, np.inf,
                               epsabs=0.0, epsrel=1e-13, limit=500)
    assert err <= 1e-11 * half
    return float(np.log(2.0 * half))


def elastic_net_reference_logpdf(w: np.ndarray, l1, l2) -> float:
    l1 = np.broadcast_to(np.asarray(l1, float), w.shape)
    l2 = np.broadcast_to(np.asarray(l2, float), w.shape)
    log_z = np.array([quad_log_z(a, b) for a, b in zip(l1, l2, strict=True)])
    return float(np.sum(-l1 * np.abs(w) - l2 * w**2 - log_z))


# ----------------------------------------------------------------------------- logpdf
@pytest.mark.parametrize("b", [0.37, B_VEC])
def test_laplace_logpdf_matches_scipy(b):
    expected = float(np.sum(stats.laplace(loc=0.0, scale=np.asarray(b)).logpdf(W)))
    assert Laplace(b).logpdf(W) == pytest.approx(expected, rel=1e-13, abs=1e-13)


@pytest.mark.parametrize("sigma", [0.37, S_VEC])
def test_gaussian_logpdf_matches_scipy(sigma):
    expected = float(np.sum(stats.norm(loc=0.0, scale=np.asarray(sigma)).logpdf(W)))
    assert Gaussian(sigma).logpdf(W) == pytest.approx(expected, rel=1e-13, abs=1e-13)


@pytest.mark.parametrize(("l1", "l2"), [(0.8, 1.3), (L1_VEC, L2_VEC), (0.8, L2_VEC), (L1_VEC, 1.3)])
def test_elastic_net_logpdf_matches_quadrature(l1, l2):
    expected = elastic_net_reference_logpdf(W, l1, l2)
    assert ElasticNet(l1, l2).logpdf(W) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_penalty_weights_follow_the_contract():
    """Laplace(b): l1 = 1/b; Gaussian(sigma): l2 = 1/(2 sigma^2); ElasticNet: itself."""
    l1, l2 = Laplace(B_VEC).penalty_weights(P)
    np.testing.assert_allclose(l1, 1.0 / np.array(B_VEC), rtol=1e-15)
    np.testing.assert_array_equal(l2, 0.0)
    l1, l2 = Gaussian(S_VEC).penalty_weights(P)
    np.testing.assert_array_equal(l1, 0.0)
    np.testing.assert_allclose(l2, 0.5 / np.array(S_VEC) ** 2, rtol=1e-15)
    l1, l2 = ElasticNet(0.8, L2_VEC).penalty_weights(P)
    np.testing.assert_array_equal(l1, np.full(P, 0.8))
    np.testing.assert_array_equal(l2, np.array(L2_VEC))


# ----------------------------------------------------------------------------- normaliser
@pytest.mark.parametrize(("l1", "l2"), EXTREME_PAIRS)
def test_elastic_net_log_normalizer_matches_quadrature(l1, l2):
    assert float(elastic_net_log_normalizer(l1, l2)) == pytest.approx(quad_log_z(l1, l2), rel=1e-12,
                                                                         abs=1e-12)


def test_elastic_net_log_normalizer_limits():
    """l2 -> 0 tends to the Laplace constant log(2/l1); l1 -> 0 to the Gaussian log(sqrt(pi/l2))."""
    assert float(elastic_net_log_normalizer(2.0, 1e-12)) == pytest.approx(np.log(2.0 / 2.0), abs=1e-9)
    assert float(elastic_net_log_normalizer(1e-12, 3.0)) == pytest.approx(0.5 * np.log(np.pi / 3.0),
                                                                           abs=1e-9)


def test_elastic_net_log_normalizer_is_vectorised():
    l1, l2 = np.array([p[0] for p in EXTREME_PAIRS]), np.array([p[1] for p in EXTREME_PAIRS])
    expected = np.array([quad_log_z(a, b) for a, b in EXTREME_PAIRS])
    np.testing.assert_allclose(elastic_net_log_normalizer(l1, l2), expected, rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------- PyMC logp
PRIORS = {
    "laplace": Laplace(0.37),
    "laplace_vec": Laplace(B_VEC),
    "gaussian": Gaussian(0.37),
    "gaussian_vec": Gaussian(S_VEC),
    "elastic_net": ElasticNet(0.8, 1.3),
    "elastic_net_vec": ElasticNet(L1_VEC, L2_VEC),
    "elastic_net_extreme": ElasticNet((50.0, 0.01, 1e3, 1e-3, 1.0), (0.01, 50.0, 1e-3, 1e3, 1.0)),
}


@pytest.mark.parametrize("name", PRIORS)
def test_pymc_logp_equals_logpdf(pm, name):
    prior = PRIORS[name]
    with pm.Model(coords={"feature": [f"x{j}" for j in range(P)]}) as model:
        prior.to_pymc("coef", dims="feature", n_features=P)
    logp = model.compile_logp()
    for w in (W, np.zeros(P), -3.0 * W[::-1]):
        assert float(logp({"coef": w})) == pytest.approx(prior.logpdf(w), rel=1e-12, abs=1e-12)


def test_pymc_logp_equals_scipy_for_laplace_and_gaussian(pm):
    """Closes the loop: PyMC == scipy directly (not only through ``logpdf``)."""
    with pm.Model(coords={"feature": [f"x{j}" for j in range(P)]}) as model:
        Laplace(B_VEC).to_pymc("a", n_features=P)
        Gaussian(S_VEC).to_pymc("g", n_features=P)
    value = float(model.compile_logp()({"a": W, "g": W}))
    expected = (np.sum(stats.laplace(scale=np.array(B_VEC)).logpdf(W))
                + np.sum(stats.norm(scale=np.array(S_VEC)).logpdf(W)))
    assert value == pytest.approx(expected, rel=1e-13)


def test_to_pymc_rejects_wrong_number_of_features(pm):
    with pm.Model(coords={"feature": ["a", "b"]}), pytest.raises(ValueError, match="'b' parameter of Laplace"):
        Laplace(B_VEC).to_pymc("coef", n_features=2)


# ----------------------------------------------------------------------------- prox
def brute_force_prox(v: float, t: float, l1: float, l2: float) -> float:
    def h(w):
        return (w - v) ** 2 / (2.0 * t) + l1 * abs(w) + l2 * w * w

    bound = abs(v) + 1.0
    res = optimize.minimize_scalar(h, bounds=(-bound, bound), method="bounded",
                                   options={"xatol": 1e-13, "maxiter": 10_000})
    best = float(res.x)
    return 0.0 if h(0.0) <= h(best) else best


PROX_V = np.array([-5.0, -0.75, -0.2, 0.0, 0.05, 0.4, 0.9, 3.3, 12.0])


@pytest.mark.parametrize(("prior", "step"), [
    (Laplace(2.0), 0.7),
    (Laplace(0.25), 0.05),
    (Gaussian(0.6), 1.3),
    (ElasticNet(1.5, 0.4), 0.5),
    (ElasticNet(0.1, 20.0), 0.2),
])
def test_prox_matches_brute_force(prior, step):
    out = prior.prox(PROX_V, step)
    l1, l2 = prior.penalty_weights(PROX_V.size)
    for j, v in enumerate(PROX_V):
        ref = brute_force_prox(v, step, l1[j], l2[j])
        assert out[j] == pytest.approx(ref, abs=1e-7)
        # the reference is never better than the closed form
        h = lambda w, v=v, j=j: (w - v) ** 2 / (2 * step) + l1[j] * abs(w) + l2[j] * w * w  # noqa: E731
        assert h(out[j]) <= h(ref) + 1e-14 * (1 + abs(h(ref)))
    # exact zeros inside the dead zone |v| <= t l1
    dead = np.abs(PROX_V) <= step * l1
    assert np.all(out[dead] == 0.0)
    assert np.all(out[~dead & (l1 > 0)] != 0.0)


def test_prox_per_feature_scales():
    prior = ElasticNet(L1_VEC, L2_VEC)
    v = np.array([0.3, -5.0, 2.0, 100.0, -0.2])
    out = prior.prox(v, 0.3)
    for j in range(P):
        assert out[j] == pytest.approx(brute_force_prox(v[j], 0.3, L1_VEC[j], L2_VEC[j]), abs=1e-7)


# ----------------------------------------------------------------------------- subgradient
def _orthonormal_problem(seed: int = 0, n: int = 30, p: int = 6):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, p)))
    y = Q @ np.array([3.0, -2.0, 0.4, -0.1, 0.0, 1.2]) + 0.05 * rng.standard_normal(n)
    return Q, y


@pytest.mark.parametrize("prior", [Laplace(1.0 / 0.5), ElasticNet(0.5, 0.3), Gaussian(0.8)])
def test_subgradient_distance_zero_at_known_solution(prior):
    """With X'X = I the minimiser of 1/2||y - Xw||^2 + P(w) is soft(X'y, l1) / (1 + 2 l2)."""
    X, y = _orthonormal_problem()
    l1, l2 = prior.penalty_weights(X.shape[1])
    z = X.T @ y
    w = np.sign(z) * np.maximum(np.abs(z) - l1, 0.0) / (1.0 + 2.0 * l2)
    if prior.kind != "gaussian":
        assert np.any(w == 0.0) and np.any(w != 0.0)  # both branches are exercised
    grad = X.T @ (X @ w - y)
    dist = prior.subgradient_distance(w, grad)
    assert dist.shape == w.shape
    assert np.max(dist) <= 1e-14

    # perturbing a non-zero coordinate, or moving a zero one off zero, breaks optimality
    j_on = int(np.flatnonzero(w)[0])
    w2 = w.copy()
    w2[j_on] *= 1.0 + 1e-3
    d2 = prior.subgradient_distance(w2, X.T @ (X @ w2 - y))
    assert d2[j_on] > 1e-4
    if np.any(w == 0.0):
        j_off = int(np.flatnonzero(w == 0.0)[0])
        w3 = w.copy()
        w3[j_off] = 1e-6
        d3 = prior.subgradient_distance(w3, X.T @ (X @ w3 - y))
        assert d3[j_off] > 1e-3


def test_subgradient_distance_at_zero_is_excess_over_l1():
    prior = Laplace(0.5)  # l1 = 2
    w = np.zeros(4)
    g = np.array([-3.0, -2.0, 1.0, 2.5])
    np.testing.assert_allclose(prior.subgradient_distance(w, g), [1.0, 0.0, 0.0, 0.5], rtol=0, atol=1e-15)


def test_prox_point_satisfies_subgradient_condition():
    """w = prox_{tP}(v) is optimal for (1/2t)||w - v||^2 + P(w): gradient (w - v)/t."""
    prior = ElasticNet(L1_VEC, L2_VEC)
    v = np.array([0.3, -5.0, 2.0, 100.0, -0.2])
    w = prior.prox(v, 0.3)
    assert np.max(prior.subgradient_distance(w, (w - v) / 0.3)) <= 1e-12


# ----------------------------------------------------------------------------- sampling
def _elastic_net_cdf(l1: float, l2: float):
    """Exact CDF by quadrature of the unnormalised density, accumulated over sorted points."""
    def dens(w):
        return np.exp(-l1 * abs(w) - l2 * w * w)

    z = 2.0 * integrate.quad(dens, 0.0, np.inf, epsabs=0.0, epsrel=1e-12, limit=500)[0]

    def cdf(x):
        x = np.asarray(x, dtype=float)
        order = np.argsort(x)
        out = np.empty_like(x)
        acc, last = 0.0, -np.inf
        for k in order:
            acc += integrate.quad(dens, last, x[k], epsabs=1e-14, epsrel=1e-12, limit=200)[0] if last > -np.inf \
                else integrate.quad(dens, -np.inf, x[k], epsabs=1e-14, epsrel=1e-12, limit=200)[0]
            last = x[k]
            out[k] = acc / z
        return np.clip(out, 0.0, 1.0)

    return cdf


@pytest.mark.parametrize(("l1", "l2", "seed"), [
    (1.0, 1.0, 1), (50.0, 0.01, 2), (0.01, 50.0, 3), (4.0, 0.25, 4),
])
def test_elastic_net_sample_ks(l1, l2, seed):
    draws = ElasticNet(l1, l2).sample(1, 2000, np.random.default_rng(seed))[:, 0]
    assert draws.shape == (2000,)
    res = stats.kstest(draws, _elastic_net_cdf(l1, l2))
    assert res.pvalue > 0.01, res
    # symmetric about 0, no mass at 0
    assert np.all(draws != 0.0)


def test_elastic_net_sample_per_feature_columns():
    prior = ElasticNet((0.5, 20.0), (2.0, 0.05))
    draws = prior.sample(2, 2000, np.random.default_rng(11))
    assert draws.shape == (2000, 2)
    for j, (l1, l2) in enumerate(zip(prior.l1, prior.l2, strict=True)):
        assert stats.kstest(draws[:, j], _elastic_net_cdf(l1, l2)).pvalue > 0.01


def test_elastic_net_pymc_draws_ks(pm):
    """The PyMC CustomDist's random() is the same exact sampler."""
    with pm.Model(coords={"feature": ["a", "b"]}) as model:
        ElasticNet((1.0, 0.2), (0.5, 3.0)).to_pymc("coef", n_features=2)
    draws = pm.draw(model["coef"], draws=1500, random_seed=5)
    assert draws.shape == (1500, 2)
    assert stats.kstest(draws[:, 0], _elastic_net_cdf(1.0, 0.5)).pvalue > 0.01
    assert stats.kstest(draws[:, 1], _elastic_net_cdf(0.2, 3.0)).pvalue > 0.01


def test_laplace_and_gaussian_samples_ks():
    rng = np.random.default_rng(7)
    lap = Laplace((0.5, 3.0)).sample(2, 2000, rng)
    gau = Gaussian((0.5, 3.0)).sample(2, 2000, rng)
    for j, s in enumerate((0.5, 3.0)):
        assert stats.kstest(lap[:, j], stats.laplace(scale=s).cdf).pvalue > 0.01
        assert stats.kstest(gau[:, j], stats.norm(scale=s).cdf).pvalue > 0.01


# ----------------------------------------------------------------------------- immutability
@pytest.mark.parametrize(("prior", "field"), [
    (Laplace(1.0), "b"), (Gaussian(1.0), "sigma"), (ElasticNet(1.0, 2.0), "l1"),
    (ElasticNet(1.0, 2.0), "l2"),
])
def test_priors_are_frozen(prior, field):
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(prior, field, 3.0)


def test_per_feature_scales_are_stored_immutably():
    b = np.array([1.0, 2.0])
    prior = Laplace(b)
    b[0] = 100.0  # mutating the caller's array must not change the prior
    assert prior.b == (1.0, 2.0)
    assert isinstance(prior.b, tuple)
    assert Laplace(2).b == 2.0 and isinstance(Laplace(2).b, float)
    assert Laplace(np.float32(0.5)) == Laplace(0.5)  # equality by value
    assert hash(Gaussian((1.0, 2.0))) == hash(Gaussian([1.0, 2.0]))


# ----------------------------------------------------------------------------- validation
BAD_SCALES = [
    (0.0, r"must be > 0"),
    (-1.0, r"must be > 0"),
    ((1.0, -2.0), r"must be > 0"),
    (float("nan"), r"must be finite"),
    (float("inf"), r"must be finite"),
    ((1.0, float("nan")), r"must be finite"),
    ([[1.0, 2.0], [3.0, 4.0]], r"must be a scalar or a 1-D array"),
    ((), r"must not be empty"),
]


@pytest.mark.parametrize(("value", "what"), BAD_SCALES)
@pytest.mark.parametrize(("cls", "param"), [(Laplace, "b"), (Gaussian, "sigma")])
def test_invalid_scales_name_the_parameter(cls, param, value, what):
    with pytest.raises(ValueError, match=rf"'{param}' parameter of {cls.__name__} {what}"):
        cls(value)


@pytest.mark.parametrize(("value", "what"), BAD_SCALES)
@pytest.mark.parametrize("param", ["l1", "l2"])
def test_invalid_elastic_net_weights_name_the_parameter(param, value, what):
    kwargs = {"l1": 1.0, "l2": 1.0, param: value}
    with pytest.raises(ValueError, match=rf"'{param}' parameter of ElasticNet {what}"):
        ElasticNet(**kwargs)


def test_non_numeric_scale_is_a_type_error():
    with pytest.raises(TypeError, match=r"'b' parameter of Laplace"):
        Laplace("wide")


def test_elastic_net_lengths_must_agree():
    with pytest.raises(ValueError, match=r"'l1' and 'l2' parameters of ElasticNet.*same length"):
        ElasticNet((1.0, 2.0), (1.0, 2.0, 3.0))


@pytest.mark.parametrize(("prior", "param"), [
    (Laplace((1.0, 2.0, 3.0)), "b"),
    (Gaussian((1.0, 2.0, 3.0)), "sigma"),
    (ElasticNet((1.0, 2.0, 3.0), 1.0), "l1"),
    (ElasticNet(1.0, (1.0, 2.0, 3.0)), "l2"),
])
def test_wrong_per_feature_length(prior, param):
    assert prior.n_features == 3
    for method in (prior.penalty_weights, prior.log_normalizer):
        with pytest.raises(ValueError, match=rf"'{param}' parameter of \w+ has 3 values but the model has 4"):
            method(4)
    with pytest.raises(ValueError, match=rf"'{param}' parameter"):
        prior.logpdf(np.zeros(4))


# ----------------------------------------------------------------------------- representable penalties
@pytest.mark.parametrize(("make", "param", "what"), [
    (lambda: Gaussian(1e-200), "sigma", r"1/\(2 sigma\^2\).*got 1e-200.*overflow"),
    (lambda: Gaussian(1e200), "sigma", r"got 1e\+200.*underflow"),
    (lambda: Laplace(1e-320), "b", r"1/b .*got 1e-320.*overflow"),
    (lambda: Laplace(1e301), "b", r"underflow"),
    (lambda: Laplace((1.0, 1e-310)), "b", r"value 1.*overflow"),
    (lambda: ElasticNet(1e-310, 1.0), "l1", r"underflow"),
    (lambda: ElasticNet(1.0, 1e305), "l2", r"overflow"),
    (lambda: Gaussian((1.0, 1e-160, 2.0)), "sigma", r"value 1"),
])
def test_scales_whose_penalty_weight_is_not_representable_are_refused(make, param, what):
    with pytest.raises(ValueError, match=rf"'{param}' parameter of \w+ must be in \[.*\].*{what}"):
        make()


def test_representable_extremes_are_accepted():
    assert Gaussian(1e-150).penalty_weights(1)[1][0] == pytest.approx(5e299)
    assert Laplace(1e300).penalty_weights(1)[0][0] == pytest.approx(1e-300)
    assert ElasticNet(1e-300, 1e300).l2 == 1e300


@pytest.mark.parametrize("value", [True, False, np.True_, np.array([True, False])])
@pytest.mark.parametrize(("cls", "param"), [(Laplace, "b"), (Gaussian, "sigma")])
def test_booleans_are_not_scales(cls, param, value):
    with pytest.raises(TypeError, match=rf"'{param}' parameter of {cls.__name__} .*not a boolean"):
        cls(value)


def test_elastic_net_and_unpenalized_refuse_booleans_and_bad_scales():
    import bayesreg as br

    with pytest.raises(TypeError, match=r"'l2' parameter of ElasticNet.*boolean"):
        ElasticNet(1.0, True)
    with pytest.raises(ValueError, match=r"'b' parameter of Laplace"):
        br.Unpenalized(br.Laplace(1e-320), features=[0])
