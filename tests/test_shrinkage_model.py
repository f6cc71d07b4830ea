"""Global-local priors and noise priors as model objects: validation, formulas, PyMC form, marginal likelihood.

No sampling here (see ``test_shrinkage_posterior.py``): every check is exact (to rounding) or against
independent draws with Monte Carlo tolerances of 4 standard errors.
"""

from __future__ import annotations

import warnings

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest
from scipy import stats

import bayesreg as br
from bayesreg.model.build import build_model
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import get_likelihood
from bayesreg.model.marginal import MarginalGaussian, _op_class
from bayesreg.reference import mcse_quantile

K = 4.0
PRIORS = {
    "horseshoe": br.Horseshoe(0.8),
    "horseshoe_plus": br.HorseshoePlus(0.8),
    "regularized_horseshoe": br.RegularizedHorseshoe(0.3, df_local=3.0, df_global=2.0, scale_slab=1.5, df_slab=5.0),
    "r2d2": br.R2D2(mean_r2=0.3, prec_r2=3.0, cons_d2=0.7),
}


def _data(n=20, p=4, seed=0, weights=False, intercept=True):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) + 0.5
    y = X @ np.r_[1.5, np.zeros(p - 1)] + rng.normal(size=n)
    w = rng.uniform(0.5, 2.0, n) if weights else None
    return RegressionData.from_xy(X, y, sample_weight=w, fit_intercept=intercept)


# ------------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize(("make", "message"), [
    (lambda: br.Horseshoe(scale_global=-1.0), "'scale_global' parameter of Horseshoe must be > 0"),
    (lambda: br.HorseshoePlus(scale_global="1"), "'scale_global' parameter of HorseshoePlus must be a positive"),
    (lambda: br.RegularizedHorseshoe(0.1, df_slab=0.0), "'df_slab' parameter of RegularizedHorseshoe must be > 0"),
    (lambda: br.RegularizedHorseshoe(0.1, scale_slab=np.inf), "'scale_slab' parameter of RegularizedHorseshoe must be "
                                                              "finite"),
    (lambda: br.R2D2(mean_r2=1.0), r"'mean_r2' parameter of R2D2 must be in \(0, 1\)"),
    (lambda: br.R2D2(cons_d2=-0.5), "'cons_d2' parameter of R2D2 must be > 0"),
    (lambda: br.Horseshoe(feature_scale=[1.0, 0.0]), "'feature_scale' parameter of Horseshoe"),
    (lambda: br.horseshoe_scale_global(0, 10, 100), "'p0' parameter of horseshoe_scale_global"),
    (lambda: br.horseshoe_scale_global(10, 10, 100), "0 < p0 < n_features = 10"),
    (lambda: br.horseshoe_scale_global(2, 10, 0), "'n_samples' parameter of horseshoe_scale_global"),
    (lambda: br.horseshoe_scale_global(2, 10, 50, noise_sigma=-1), "'noise_sigma' parameter"),
    (lambda: br.noise.HalfStudentT(nu=0), "'nu' parameter of HalfStudentT must be > 0"),
    (lambda: br.noise.HalfNormal(scale=-2), "'scale' parameter of HalfNormal must be > 0"),
    (lambda: br.noise.Exponential(rate=np.nan), "'rate' parameter of Exponential must be finite"),
])
def test_bad_parameters_are_named(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_regularized_horseshoe_needs_its_global_scale():
    with pytest.raises(TypeError, match="scale_global"):
        br.RegularizedHorseshoe()  # type: ignore[call-arg]


def test_horseshoe_scale_global_is_piironen_vehtari():
    assert br.horseshoe_scale_global(5, 100, 400) == pytest.approx(5 / 95 / 20)
    assert br.horseshoe_scale_global(3, 10, 100, noise_sigma=2.0) == pytest.approx(3 / 7 * 2 / 10)


def test_priors_are_frozen_hashable_and_readable():
    prior = br.RegularizedHorseshoe(0.01)
    assert repr(prior) == ("RegularizedHorseshoe(scale_global=0.01, df_local=1.0, df_global=1.0, scale_slab=2.5, "
                           "df_slab=4.0)")
    assert prior == br.RegularizedHorseshoe(0.01) and hash(prior) == hash(br.RegularizedHorseshoe(0.01))
    with pytest.raises(AttributeError):
        prior.scale_global = 1.0  # type: ignore[misc]
    assert repr(br.Horseshoe(feature_scale=[1, 2])) == "Horseshoe(scale_global=1.0, feature_scale=(1.0, 2.0))"


# ------------------------------------------------------------------------------------------- prior draws
def _quantiles_agree(a, b, label):
    for q in (0.1, 0.5, 0.9):
        tol = K * np.hypot(mcse_quantile(a, q), mcse_quantile(b, q))
        assert abs(np.quantile(a, q) - np.quantile(b, q)) < tol, (label, q)


def test_numpy_prior_draws_follow_the_published_marginals():
    rng, n = np.random.default_rng(1), 40000
    hs = br.Horseshoe(0.8).sample_scales(3, n, rng, sigma=2.0)
    for q in (0.1, 0.5, 0.9):
        assert abs(np.quantile(hs["tau"], q) - 0.8 * np.tan(np.pi * q / 2)) < K * mcse_quantile(hs["tau"], q)
        assert abs(np.quantile(hs["lam"][:, 0], q) - np.tan(np.pi * q / 2)) < K * mcse_quantile(hs["lam"][:, 0], q)
    np.testing.assert_allclose(hs["coef_scale"], 2.0 * hs["tau"][:, None] * hs["lam"])
    rhs = PRIORS["regularized_horseshoe"].sample_scales(3, n, rng, sigma=2.0)
    truth = {"lam": lambda q: stats.t.ppf((1 + q) / 2, 3.0), "tau": lambda q: 0.3 * 2.0 * stats.t.ppf((1 + q) / 2, 2.0),
             "c2": lambda q: 1.5**2 * stats.invgamma.ppf(q, 2.5, scale=2.5)}
    for name, ppf in truth.items():
        x = rhs[name] if rhs[name].ndim == 1 else rhs[name][:, 0]
        for q in (0.1, 0.5, 0.9):
            assert abs(np.quantile(x, q) - ppf(q)) < K * mcse_quantile(x, q), (name, q)
    lam2, t2, c2 = rhs["lam"] ** 2, rhs["tau"][:, None] ** 2, rhs["c2"][:, None]
    np.testing.assert_allclose(rhs["coef_scale"] ** 2, t2 * c2 * lam2 / (c2 + t2 * lam2))
    r2 = PRIORS["r2d2"].sample_scales(4, n, rng, sigma=2.0)
    for q in (0.1, 0.5, 0.9):
        assert abs(np.quantile(r2["r2"], q) - stats.beta.ppf(q, 0.9, 2.1)) < K * mcse_quantile(r2["r2"], q)
        phi = r2["phi"][:, 1]
        assert abs(np.quantile(phi, q) - stats.beta.ppf(q, 0.7, 2.1)) < K * mcse_quantile(phi, q)
    np.testing.assert_allclose(r2["coef_scale"] ** 2, 4.0 * r2["r2"][:, None] / (1 - r2["r2"][:, None]) * r2["phi"])


@pytest.mark.parametrize("name", sorted(PRIORS))
def test_pymc_form_draws_the_same_prior_as_the_formula(name):
    """Prior draws of coef_scale from the PyMC model (pm.draw) against the NumPy formula's draws."""
    prior = PRIORS[name]
    data = _data(p=3)
    built = build_model(data, prior, get_likelihood("gaussian", 2.0), parameterization="noncentered")
    model_draws = pm.draw(built.model["coef_scale"], draws=10000, random_seed=3)
    ours = prior.sample_scales(3, 10000, np.random.default_rng(4), sigma=2.0)["coef_scale"]
    for j in range(3):
        _quantiles_agree(np.log(model_draws[:, j]), np.log(ours[:, j]), f"{name} coef_scale[{j}]")


# ------------------------------------------------------------------------------------------- the PyMC log density
def _constrained(model, point):
    fn = model.compile_fn(model.unobserved_value_vars, inputs=model.value_vars, on_unused_input="ignore")
    return dict(zip([v.name for v in model.unobserved_value_vars], fn(point), strict=True))


def _manual_log_prior(name, v):
    prior = PRIORS[name]
    if name in ("horseshoe", "horseshoe_plus"):
        out = stats.halfcauchy.logpdf(v["tau"], scale=prior.scale_global)
        if name == "horseshoe":
            return out + stats.halfcauchy.logpdf(v["lam"]).sum()
        return out + stats.halfcauchy.logpdf(v["eta"]).sum() + stats.halfcauchy.logpdf(v["lam"], scale=v["eta"]).sum()
    if name == "regularized_horseshoe":
        return (np.log(2) * 4 + stats.t.logpdf(v["lam"], 3.0).sum() + stats.t.logpdf(v["tau_aux"], 2.0)
                + stats.invgamma.logpdf(v["c2_aux"], 2.5, scale=2.5))
    np.testing.assert_allclose(v["phi"], v["phi_gamma"] / v["phi_gamma"].sum())  # Dirichlet(a) as normalised gammas
    return stats.beta.logpdf(v["r2"], 0.9, 2.1) + stats.gamma.logpdf(v["phi_gamma"], 0.7).sum()


@pytest.mark.parametrize("parameterization", ["marginal", "noncentered"])
@pytest.mark.parametrize("name", sorted(PRIORS))
def test_model_log_density_is_the_formula(name, parameterization):
    """log p of the built model = scipy's log-densities of the scales + N(z) + the likelihood, at random points."""
    data = _data(p=3)
    sigma = 1.3
    built = build_model(data, PRIORS[name], get_likelihood("gaussian", sigma), parameterization=parameterization)
    model = built.model
    logp = model.compile_logp(jacobian=False)
    rng = np.random.default_rng(5)
    for _ in range(3):
        point = {k: v + rng.normal(0, 0.3, np.shape(v)) for k, v in model.initial_point().items()}
        v = _constrained(model, point)
        expected = _manual_log_prior(name, v)
        if parameterization == "marginal":
            expected += built.marginal.loglik(v["coef_scale"], sigma)
        else:
            coef = v["coef_z"] * v["coef_scale"]
            np.testing.assert_allclose(v["coef"], coef)
            resid = data.y - v["intercept"] - data.X @ coef
            expected += stats.norm.logpdf(v["coef_z"]).sum() + stats.norm.logpdf(resid, scale=sigma).sum()
        assert logp(point) == pytest.approx(expected, rel=1e-8)


def test_scales_multiply_by_the_noise_scale():
    """The horseshoe and horseshoe+ scale the coefficients by sigma, the regularized horseshoe and R2D2 their
    tau (rstanarm multiplies tau, not the slab, by sigma; brms's R2D2 tau^2 = sigma^2 R^2 / (1 - R^2))."""
    data = _data(p=3)
    rng = np.random.default_rng(6)
    for name, prior in PRIORS.items():
        models = [build_model(data, prior, get_likelihood("gaussian", sigma), parameterization="noncentered").model
                  for sigma in (1.0, 3.0)]
        point = {k: v + rng.normal(0, 0.2, np.shape(v)) for k, v in models[0].initial_point().items()}
        values = [_constrained(model, point) for model in models]
        var = "coef_scale" if name in ("horseshoe", "horseshoe_plus") else "tau"
        np.testing.assert_allclose(values[1][var], 3.0 * values[0][var], err_msg=name)
        if name == "regularized_horseshoe":
            assert values[1]["c2"] == values[0]["c2"]


# ------------------------------------------------------------------------------------------- the marginal likelihood
def _brute_marginal(X, y, keep, flat, s, sigma, intercept):
    """log of the integral over (c, beta_F) flat and beta_K ~ N(0, diag(s^2)), written in n dimensions."""
    n = len(y)
    A = np.column_stack(([np.ones(n)] if intercept else []) + [X[:, flat]]) if (intercept or len(flat)) \
        else np.zeros((n, 0))
    S = sigma**2 * np.eye(n) + (X[:, keep] * s**2) @ X[:, keep].T
    Si = np.linalg.inv(S)
    r = A.shape[1]
    if r:
        H = A.T @ Si @ A
        P = Si - Si @ A @ np.linalg.solve(H, A.T @ Si)
        ldh = np.linalg.slogdet(H)[1]
    else:
        P, ldh = Si, 0.0
    return -(n - r) / 2 * np.log(2 * np.pi) - 0.5 * np.linalg.slogdet(S)[1] - 0.5 * ldh - 0.5 * y @ P @ y


@pytest.mark.parametrize(("flat", "intercept"), [([], True), ([1], True), ([], False), ([0, 2], False)])
def test_marginal_likelihood_gram_and_rows_forms_equal_the_n_dimensional_integral(flat, intercept):
    rng = np.random.default_rng(7)
    n, p = 8, 4
    X = rng.normal(size=(n, p)) + 1.0
    y = X @ np.r_[1.0, 0.0, -1.0, 0.5] + rng.normal(size=n)
    keep, flat = np.setdiff1d(np.arange(p), flat), np.asarray(flat, dtype=int)
    data = RegressionData.from_xy(X, y, fit_intercept=intercept)
    s, sigma = rng.uniform(0.2, 3, keep.size), 0.7
    expected = _brute_marginal(X, y, keep, flat, s, sigma, intercept)
    for form in ("gram", "rows"):
        assert MarginalGaussian.from_data(data, keep, flat, form=form).loglik(s, sigma) == pytest.approx(expected,
                                                                                                      rel=1e-12)


@pytest.mark.parametrize("flat", [[], [1]])
def test_marginal_likelihood_weights_are_repeated_rows(flat):
    rng = np.random.default_rng(8)
    X, y = rng.normal(size=(8, 4)), rng.normal(size=8)
    counts = rng.integers(1, 4, 8)
    keep, flat = np.setdiff1d(np.arange(4), flat), np.asarray(flat, dtype=int)
    weighted = RegressionData.from_xy(X, y, sample_weight=counts.astype(float))
    repeated = RegressionData.from_xy(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    s = rng.uniform(0.2, 3, keep.size)
    values = [MarginalGaussian.from_data(d, keep, flat, form=f).loglik(s, 0.9) for d in (weighted, repeated)
              for f in ("gram", "rows")]
    np.testing.assert_allclose(values, values[0], rtol=1e-12)


@pytest.mark.parametrize(("n", "p", "flat"), [(30, 5, [1]), (8, 20, []), (8, 20, [3])])
def test_marginal_gradient_equals_automatic_differentiation(n, p, flat):
    """The op's analytic gradient = PyTensor's autodiff of the same formula through pt.linalg.cholesky."""
    rng = np.random.default_rng(n + p)
    X = rng.normal(size=(n, p))
    data = RegressionData.from_xy(X, X[:, 0] + rng.normal(size=n), sample_weight=rng.uniform(0.5, 2, n))
    keep, flat = np.setdiff1d(np.arange(p), flat), np.asarray(flat, dtype=int)
    for form in ("gram", "rows"):
        mg = MarginalGaussian.from_data(data, keep, flat, form=form)
        s, sg = pt.dvector("s"), pt.dscalar("sigma")
        sym = mg.symbolic_loglik(s, sg)
        op = _op_class()(mg)(s, sg, *mg.target_statistics().values())[0]
        f_sym = pytensor.function([s, sg], [sym, *pytensor.grad(sym, [s, sg])])
        f_op = pytensor.function([s, sg], [op, *pytensor.grad(op, [s, sg])])
        sv = rng.uniform(0.01, 3, keep.size)
        for a, b in zip(f_sym(sv, 0.8), f_op(sv, 0.8), strict=True):
            np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-9)
        eps = 1e-6  # and a finite difference in sigma
        fd = (mg.loglik(sv, 0.8 + eps) - mg.loglik(sv, 0.8 - eps)) / (2 * eps)
        assert mg.value_and_grad(sv, 0.8)[2] == pytest.approx(fd, rel=1e-6)


def test_marginal_likelihood_is_nan_instead_of_overflow():
    mg = MarginalGaussian.from_data(_data(p=3), np.arange(3), np.array([], dtype=int))
    assert np.isnan(mg.value_and_grad(np.array([1e300, 1.0, 1.0]), 1.0)[0])
    assert np.isnan(mg.value_and_grad(np.ones(3), np.inf)[0])
    assert np.isfinite(mg.value_and_grad(np.full(3, 1e-300), 1.0)[0])


@pytest.mark.parametrize("form", ["gram", "rows"])
def test_exact_draws_are_the_gaussian_posterior_given_the_scales(form):
    """(coef, intercept) | s, sigma, y against the closed form: design [1, X], prior precision 0 on the
    intercept and the unpenalised feature, 1/s^2 on the others."""
    rng = np.random.default_rng(9)
    n, p = 12, 4
    X = rng.normal(size=(n, p)) + 1.0
    w = rng.uniform(0.5, 2.0, n)
    y = X @ np.r_[1.0, 0.0, -1.0, 0.5] + rng.normal(size=n)
    data = RegressionData.from_xy(X, y, sample_weight=w)
    keep, flat = np.array([0, 2, 3]), np.array([1])
    mg = MarginalGaussian.from_data(data, keep, flat, form=form)
    s, sigma = np.array([0.5, 2.0, 0.1]), 0.8
    Z = np.column_stack([np.ones(n), X])
    prior_prec = np.zeros(p + 1)
    prior_prec[1 + keep] = 1 / s**2
    cov = np.linalg.inv(Z.T @ (w[:, None] * Z) / sigma**2 + np.diag(prior_prec))
    mean = cov @ Z.T @ (w * y) / sigma**2
    S = 20000
    coef, c = mg.draw(np.tile(s, (S, 1)), np.full(S, sigma), rng)
    draws = np.column_stack([c, coef])
    for proj in (*np.eye(p + 1), np.r_[0.0, 1.0, -1.0, 0.0, 0.0]):
        d = draws @ proj
        assert abs(d.mean() - proj @ mean) < K * np.sqrt(proj @ cov @ proj / S)
        assert abs(d.var() / (proj @ cov @ proj) - 1) < K * np.sqrt(2 / S)


# ------------------------------------------------------------------------------------------- building models
def test_parameterizations_and_their_variables():
    data = _data(p=3)
    gauss, logit = get_likelihood("gaussian", None), get_likelihood("logistic")
    built = build_model(data, br.HorseshoePlus(), gauss, parameterization="auto")
    assert built.form == "marginal" and {"tau", "lam", "eta", "coef_scale", "sigma"} <= set(built.model.named_vars)
    assert "coef" not in built.model.named_vars  # drawn exactly after sampling
    nc = build_model(data, br.RegularizedHorseshoe(0.1), gauss, parameterization="noncentered")
    assert {"coef", "coef_z", "tau", "lam", "c2", "intercept"} <= set(nc.model.named_vars)
    yb = RegressionData.from_xy(data.X, (data.y > data.y.mean()).astype(float), binary=True)
    assert build_model(yb, br.R2D2(), logit).form == "rows"  # auto: non-centred for the logistic likelihood
    assert {"r2", "phi", "tau", "lam", "coef"} <= set(build_model(yb, br.R2D2(), logit).model.named_vars)
    with pytest.raises(ValueError, match="integrates the coefficients out of a Gaussian likelihood"):
        build_model(yb, br.Horseshoe(), logit, parameterization="marginal")
    with pytest.raises(ValueError, match="applies to Laplace priors"):
        build_model(data, br.Horseshoe(), gauss, parameterization="mixture")


def test_unpenalized_features_stay_out_of_the_shrinkage():
    data = _data(p=4)
    prior = br.Unpenalized(br.Horseshoe(), features=[0, 2])
    for param in ("marginal", "noncentered"):
        model = build_model(data, prior, get_likelihood("gaussian", None), parameterization=param).model
        assert model.named_vars_to_dims["lam"] == ("shrunk_feature",)
        assert list(model.coords["shrunk_feature"]) == ["x1", "x3"]
    with pytest.raises(ValueError, match="Unpenalized\\(Horseshoe\\) has no fixed penalty.*unbounded at beta_j = 0"):
        prior.penalty_weights(4)
    assert prior.hierarchical and not br.Unpenalized(br.Laplace(1.0), features=[0]).hierarchical


# ------------------------------------------------------------------------------------------- the estimator
@pytest.mark.parametrize("prior", [*PRIORS.values(), br.Unpenalized(br.R2D2(), features=[0])])
def test_map_is_refused_with_the_reason_and_the_alternative(prior):
    data = _data()
    with pytest.raises(ValueError, match=r"method='map' is not available: .*no finite mode.*method='nuts'.*Laplace"):
        br.BayesianRegression(prior=prior).fit(data.X, data.y)


def test_standardize_puts_the_prior_on_standardized_coefficients():
    data = _data(n=30, p=3, weights=True)
    est = br.BayesianRegression(prior=br.Horseshoe(), method="nuts", standardize=True)
    prior = est._standardized(br.Horseshoe(), data)
    mean = np.average(data.X, axis=0, weights=data.weights)
    sd = np.sqrt(np.average((data.X - mean) ** 2, axis=0, weights=data.weights))
    np.testing.assert_allclose(prior.feature_scale, sd)
    wrapped = est._standardized(br.Unpenalized(br.R2D2(), features=[1]), data)
    np.testing.assert_allclose(wrapped.prior.feature_scale, sd)
    # the model's coefficient scale is the standardized one divided by sd_j
    plain = build_model(data, br.Horseshoe(), get_likelihood("gaussian", 1.0), parameterization="noncentered").model
    std = build_model(data, prior, get_likelihood("gaussian", 1.0), parameterization="noncentered").model
    point = plain.initial_point()
    np.testing.assert_allclose(_constrained(std, point)["coef_scale"] * sd, _constrained(plain, point)["coef_scale"])


# ------------------------------------------------------------------------------------------- noise priors
def test_noise_namespace_holds_the_priors_and_the_plug_in():
    assert {"Jeffreys", "HalfStudentT", "HalfNormal", "HalfCauchy", "Exponential",
            "estimate_noise_sigma"} <= set(dir(br.noise))
    assert br.noise.estimate_noise_sigma is br.estimate_noise_sigma
    assert br.noise.HalfStudentT() == br.model.noise.DEFAULT_NOISE_PRIOR


@pytest.mark.parametrize(("prior", "scipy_logpdf"), [
    (br.noise.HalfStudentT(3.0, 2.0), lambda s: np.log(2) + stats.t.logpdf(s, 3.0, scale=2.0)),
    (br.noise.HalfNormal(2.0), lambda s: stats.halfnorm.logpdf(s, scale=2.0)),
    (br.noise.HalfCauchy(2.0), lambda s: stats.halfcauchy.logpdf(s, scale=2.0)),
    (br.noise.Exponential(0.5), lambda s: stats.expon.logpdf(s, scale=2.0)),
    (br.noise.Jeffreys(), lambda s: -np.log(s)),
])
def test_noise_priors_in_the_model_have_their_stated_density(prior, scipy_logpdf):
    data = _data(p=2)
    model = build_model(data, br.Laplace(1.0), get_likelihood("gaussian", None), noise_prior=prior).model
    sigma_var = model["sigma"]
    for s in (0.3, 1.7, 5.0):
        if isinstance(prior, br.noise.Jeffreys):  # flat in log sigma: p(sigma) ∝ 1/sigma
            assert pm.logp(model["log_sigma"], np.log(s)).eval() == 0.0
            assert prior.logpdf(s) == pytest.approx(scipy_logpdf(s))
            continue
        logp = pm.logp(sigma_var, s).eval()
        assert logp == pytest.approx(scipy_logpdf(s)) and prior.logpdf(s) == pytest.approx(scipy_logpdf(s))


def test_default_noise_prior_scale_is_the_sd_of_y():
    data = _data(p=2)
    model = build_model(data, br.Laplace(1.0), get_likelihood("gaussian", None)).model
    s = 2.0
    assert pm.logp(model["sigma"], s).eval() == pytest.approx(np.log(2) + stats.t.logpdf(s, 4, scale=np.std(data.y)))


def test_noise_prior_scale_is_deprecated_for_the_same_prior():
    data = _data(p=2)
    est = br.BayesianRegression(prior=br.Laplace(1.0), noise_sigma=None, method="nuts", noise_prior_scale=3.0)
    with pytest.warns(DeprecationWarning, match=r"noise_prior=bayesreg.noise.HalfStudentT\(4, 3\)"):
        model = est.build_model(data.X, data.y)
    assert pm.logp(model["sigma"], 2.0).eval() == pytest.approx(np.log(2) + stats.t.logpdf(2.0, 4, scale=3.0))
    with pytest.raises(ValueError, match="either noise_prior or the deprecated noise_prior_scale"):
        br.BayesianRegression(noise_sigma=None, method="nuts", noise_prior_scale=3.0,
                              noise_prior=br.noise.HalfNormal()).build_model(data.X, data.y)


def test_bayesian_lasso_keeps_its_jeffreys_prior():
    data = _data(p=2)
    bad = br.BayesianRegression(prior=br.BayesianLasso(lam=1.0), method="nuts", noise_prior=br.noise.HalfNormal())
    with pytest.raises(ValueError, match="BayesianLasso puts its own Jeffreys prior"):
        bad.build_model(data.X, data.y)
    ok = br.BayesianRegression(prior=br.BayesianLasso(lam=1.0), method="nuts", noise_prior=br.noise.Jeffreys())
    assert "log_sigma" in ok.build_model(data.X, data.y).named_vars
    with pytest.raises(TypeError, match="'noise_prior' parameter of BayesianRegression must be a prior from "
                                        "bayesreg.noise"):
        br.BayesianRegression(noise_sigma=None, method="nuts", noise_prior=2.0).build_model(data.X, data.y)


def test_divergence_warning_names_the_rate_and_a_concrete_fix():
    from bayesreg.inference.diagnostics import check_diagnostics, import_arviz

    az = import_arviz()
    rng = np.random.default_rng(0)
    diverging = np.zeros((2, 500), dtype=bool)
    diverging[0, :3] = True
    idata = az.from_dict(posterior={"coef": rng.normal(size=(2, 500, 2))}, sample_stats={"diverging": diverging})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        problems = check_diagnostics(idata, divergence_hint="use parameterization='marginal'")
    assert any("3 divergent transition(s) (0.30% of 1000 draws)" in m and "parameterization='marginal'" in m
               for m in problems)
