"""The exact references of the global-local priors, each tested on its own (NumPy only, no PyMC).

* the univariate slice sampler against known distributions;
* the Gaussian blocks (exact coefficient draws, marginal likelihood) against closed forms;
* every sampler with the likelihood switched off (X = 0, fixed sigma): its draws must follow the
  prior, whose marginals are known exactly (half-Cauchy, half-t, inverse gamma, beta);
* every sampler with one coefficient against the posterior computed by quadrature from the prior
  as written down (the scale mixtures integrated numerically), for the Gaussian likelihood and,
  for the regularized horseshoe, the logistic one.

Tolerances: 4 Monte Carlo standard errors from the effective sample size of the draws.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize, special, stats

from bayesreg.reference import mcse_mean, mcse_quantile
from bayesreg.reference.gaussian_blocks import CentredData
from bayesreg.reference.gibbs_horseshoe import gibbs_horseshoe
from bayesreg.reference.gibbs_shrinkage import _update_phi_pairs, gibbs_r2d2, gibbs_regularized_horseshoe
from bayesreg.reference.slice import slice_update

QS = (0.05, 0.5, 0.95)
K = 4.0


def check_quantiles(draws: np.ndarray, truth_ppf, label: str, qs=QS) -> None:
    """``draws`` (chains, draws): sample quantiles within K MCSE of the true ones."""
    for q in qs:
        z = (np.quantile(draws, q) - truth_ppf(q)) / mcse_quantile(draws, q)
        assert abs(z) < K, (label, q, z)


def check_posterior(draws: np.ndarray, grid: np.ndarray, density: np.ndarray, label: str) -> None:
    """Mean and QS quantiles of ``draws`` (chains, draws) against a density tabulated on ``grid``."""
    cdf = integrate.cumulative_trapezoid(density, grid, initial=0.0)
    density, cdf = density / cdf[-1], cdf / cdf[-1]
    mean = integrate.trapezoid(grid * density, grid)
    z = (draws.mean() - mean) / mcse_mean(draws)
    assert abs(z) < K, (label, "mean", z)
    check_quantiles(draws, lambda q: np.interp(q, cdf, grid), label)


def chains_of(a: np.ndarray, chains: int) -> np.ndarray:
    return a.reshape(chains, -1, *a.shape[1:])


# ------------------------------------------------------------------------------------------- slice sampler
def test_slice_update_samples_independent_coordinates_exactly():
    """Three independent coordinates (gamma shapes 0.5, 2, 20 on the log scale) updated at once."""
    shapes = np.array([0.5, 2.0, 20.0])
    rng = np.random.default_rng(0)
    x = np.zeros(3)
    out = np.empty((5000, 3))
    for i in range(out.shape[0]):  # log density of u = log g, g ~ Gamma(k, 1): k u - e^u
        x = slice_update(lambda u: shapes * u - np.exp(u), x, rng)
        out[i] = x
    for j, k in enumerate(shapes):
        check_quantiles(out[None, :, j], lambda q, k=k: np.log(stats.gamma.ppf(q, k)), f"gamma({k})")


def test_slice_update_rejects_a_state_outside_the_support():
    with pytest.raises(ValueError, match="not finite"):
        slice_update(lambda u: np.where(u > 0, 0.0, -np.inf), np.array([-1.0]), np.random.default_rng(0))


def test_phi_pair_updates_leave_the_dirichlet_invariant():
    """With beta = 0 the pair conditional is Dirichlet(a - 1/2): marginals Beta(a - 1/2, (p - 1)(a - 1/2))."""
    rng, p, a = np.random.default_rng(1), 5, 1.2
    chains = []
    for _ in range(2):
        lp, out = np.full(p, -np.log(p)), np.empty(4000)
        for i in range(out.size):
            lp = _update_phi_pairs(rng, lp, np.zeros(p), a)
            out[i] = np.exp(lp[0])
        chains.append(out)
        assert np.isclose(np.exp(lp).sum(), 1.0)
    check_quantiles(np.array(chains), lambda q: stats.beta.ppf(q, a - 0.5, (p - 1) * (a - 0.5)), "phi_1")


# ------------------------------------------------------------------------------------------- Gaussian blocks
@pytest.mark.parametrize("n, p", [(12, 3), (6, 9)])  # Rue's Cholesky draw / Bhattacharya et al.'s
def test_coef_draw_is_the_exact_gaussian_conditional(n, p):
    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, p)) + 1.0
    y = X @ rng.normal(size=p) + rng.normal(size=n)
    v, sigma = rng.uniform(0.2, 2.0, p), 0.7
    data = CentredData(X, y, fit_intercept=True)
    prec = data.Xc.T @ data.Xc / sigma**2 + np.diag(1 / v)
    cov = np.linalg.inv(prec)
    mean = cov @ data.Xc.T @ data.yc / sigma**2
    draws = np.array([data.coef_draw(rng, v, sigma) for _ in range(8000)])
    a = np.r_[1.0, -1.0, np.zeros(p - 2)]  # a contrast: sensitive to the orientation of the factor
    for proj in (np.eye(p)[0], np.eye(p)[-1], a):
        d = draws @ proj
        assert abs(d.mean() - proj @ mean) < K * np.sqrt(proj @ cov @ proj / d.size)
        assert abs(d.var() / (proj @ cov @ proj) - 1) < K * np.sqrt(2 / d.size)


@pytest.mark.parametrize("n, p", [(12, 3), (6, 9)])
def test_log_marginal_is_the_integrated_likelihood(n, p):
    """Against log N(y | c 1, sigma^2 I + X V X') with the flat c integrated, written out in n dimensions."""
    rng = np.random.default_rng(p)
    X, y = rng.normal(size=(n, p)), rng.normal(size=n)
    data = CentredData(X, y, fit_intercept=True)

    def brute(v, sigma):
        S = sigma**2 * np.eye(n) + (X * v) @ X.T
        Si = np.linalg.inv(S)
        one = np.ones(n)
        P = Si - np.outer(Si @ one, Si @ one) / (one @ Si @ one)
        return -0.5 * np.linalg.slogdet(S)[1] - 0.5 * np.log(one @ Si @ one) - 0.5 * y @ P @ y

    pts = [(rng.uniform(0.1, 3, p), s) for s in (0.5, 1.0, 2.0)]
    ours = np.array([data.log_marginal(v, s) for v, s in pts])
    ref = np.array([brute(v, s) for v, s in pts])
    np.testing.assert_allclose(ours - ours[0], ref - ref[0], atol=1e-9)  # equal up to one constant
    # sigma^2 integrated out under p(sigma^2) ∝ 1/sigma^2 (v ∝ sigma^2): a 1-D quadrature
    v0 = rng.uniform(0.1, 3, p)
    val = [data.log_marginal_scale_free(v0 * k)[0] for k in (1.0, 2.0)]
    quad = [np.log(integrate.quad(lambda ls, k=k: np.exp(data.log_marginal(k * v0 * np.exp(2 * ls), np.exp(ls))
                                                         - ours[0]), -6, 6, limit=200)[0]) for k in (1.0, 2.0)]
    assert val[1] - val[0] == pytest.approx(quad[1] - quad[0], abs=1e-7)


# ------------------------------------------------------------------------------------------- priors (X = 0)
def _no_data(p: int, n: int = 8):
    return np.zeros((n, p)), np.random.default_rng(3).normal(size=n)


def half_cauchy_ppf(scale: float):
    return lambda q: scale * np.tan(np.pi * q / 2)


@pytest.mark.parametrize("collapsed", [False, True])
def test_horseshoe_gibbs_samples_the_prior_without_data(collapsed):
    X, y = _no_data(4)
    d = gibbs_horseshoe(X, y, scale_global=0.5, noise_sigma=2.0, collapsed=collapsed, draws=4000, burn=200,
                        seed=4, chains=2)
    check_quantiles(chains_of(d["lam"][:, 0], 2), half_cauchy_ppf(1.0), "lam")
    check_quantiles(chains_of(d["tau"], 2), half_cauchy_ppf(0.5), "tau")
    assert np.all(d["sigma"] == 2.0)


def test_horseshoe_plus_gibbs_samples_the_prior_without_data():
    X, y = _no_data(4)
    d = gibbs_horseshoe(X, y, plus=True, noise_sigma=1.0, collapsed=True, draws=4000, burn=200, seed=5, chains=2)
    check_quantiles(chains_of(d["eta"][:, 1], 2), half_cauchy_ppf(1.0), "eta")
    # lam = eta |C|: P(lam <= t) = E[(2/pi) arctan(t / eta)], eta ~ C+(0, 1)
    def cdf(t):
        return integrate.quad(lambda e: 2 / np.pi * np.arctan(t / e) * 2 / (np.pi * (1 + e * e)), 0, np.inf)[0]
    lam = chains_of(d["lam"][:, 1], 2)
    for q in QS:
        t = np.quantile(lam, q)
        width = mcse_quantile(lam, q)
        assert cdf(t - K * width) < q < cdf(t + K * width), q


def test_regularized_horseshoe_sampler_samples_the_prior_without_data():
    X, y = _no_data(4)
    s_g, nu_l, nu_g, s_s, nu_s = 0.3, 3.0, 2.0, 1.5, 4.0
    d = gibbs_regularized_horseshoe(X, y, scale_global=s_g, df_local=nu_l, df_global=nu_g, scale_slab=s_s,
                                    df_slab=nu_s, noise_sigma=2.0, draws=2000, burn=200, seed=6, chains=2)
    check_quantiles(chains_of(d["lam"][:, 0], 2), lambda q: stats.t.ppf((1 + q) / 2, nu_l), "lam")
    check_quantiles(chains_of(d["tau"], 2), lambda q: s_g * 2.0 * stats.t.ppf((1 + q) / 2, nu_g), "tau")
    check_quantiles(chains_of(d["c2"], 2), lambda q: s_s**2 * stats.invgamma.ppf(q, nu_s / 2, scale=nu_s / 2), "c2")


def test_r2d2_sampler_samples_the_prior_without_data():
    X, y = _no_data(5)
    mu, kappa, a = 0.4, 3.0, 0.7
    d = gibbs_r2d2(X, y, mean_r2=mu, prec_r2=kappa, cons_d2=a, noise_sigma=2.0, draws=2500, burn=200, seed=7,
                   chains=2)
    check_quantiles(chains_of(d["r2"], 2), lambda q: stats.beta.ppf(q, mu * kappa, (1 - mu) * kappa), "R2")
    check_quantiles(chains_of(d["phi"][:, 2], 2), lambda q: stats.beta.ppf(q, a, 4 * a), "phi_3")
    np.testing.assert_allclose(d["phi"].sum(axis=1), 1.0)
    np.testing.assert_allclose(d["tau"], 2.0 * np.sqrt(d["r2"] / (1 - d["r2"])))


# ------------------------------------------------------------------------------------------- posteriors, p = 1
def _one_feature(n: int = 6, seed: int = 11, slope: float = 0.9):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return x[:, None], 0.3 + slope * x + rng.normal(size=n)


def _log_half_cauchy_density(w: np.ndarray, scale: float) -> np.ndarray:
    """Density of log x for x ~ C+(0, scale), on the grid w."""
    return np.log(2 / np.pi) + w - np.log(scale) - np.log1p(np.exp(2 * w) / scale**2)


def _log_product_density(grid: np.ndarray, *scales: float) -> np.ndarray:
    """Density of log(x_1 x_2 ...) on ``grid`` for independent x_i ~ C+(0, scale_i): discrete convolutions
    of the C+(0, 1) log-densities, shifted by log(prod scale_i)."""
    dw = grid[1] - grid[0]
    base = np.exp(_log_half_cauchy_density(grid, 1.0))
    h = base
    for _ in scales[1:]:
        full = np.convolve(h, base) * dw  # supported on 2 grid[0] + k dw
        h = np.interp(grid, 2 * grid[0] + dw * np.arange(full.size), full)
    return np.interp(grid - np.log(np.prod(scales)), grid, h, left=0.0, right=0.0)


def _mixture_density(beta: np.ndarray, log_var: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """p(beta) = sum_k weight_k N(beta | 0, exp(log_var_k)) (weights sum to one)."""
    sd = np.exp(0.5 * log_var)
    out = np.zeros_like(beta)
    for chunk in np.array_split(np.arange(sd.size), max(1, sd.size // 500)):
        out += (weight[chunk] / sd[chunk] * np.exp(-0.5 * (beta[:, None] / sd[chunk]) ** 2)).sum(axis=1)
    return out / np.sqrt(2 * np.pi)


def _gaussian_posterior(x, y, sigma, log_var, weight):
    """The exact posterior of beta (p = 1, flat intercept, known sigma) under the prior
    sum_k weight_k N(0, exp(log_var_k)): a Gaussian mixture. Returns ``(mean, ppf)``."""
    xc, yc = x[:, 0] - x.mean(), y - y.mean()
    s2 = sigma**2 / (xc @ xc)  # the likelihood is N(bhat | beta, s2) in beta
    bhat = (xc @ yc) / (xc @ xc)
    keep = weight > 0
    v, weight = np.exp(log_var[keep]), weight[keep]
    logw = np.log(weight) + stats.norm.logpdf(bhat, 0.0, np.sqrt(v + s2))
    omega = np.exp(logw - special.logsumexp(logw))
    var_k = 1.0 / (1.0 / v + 1.0 / s2)
    mean_k, sd_k = var_k * bhat / s2, np.sqrt(var_k)

    def ppf(q):
        def f(t):
            return omega @ stats.norm.cdf((t - mean_k) / sd_k) - q
        return optimize.brentq(f, bhat - 50 * np.sqrt(s2), bhat + 50 * np.sqrt(s2), xtol=1e-12)

    return float(omega @ mean_k), ppf


def check_mixture_posterior(draws, mean, ppf, label):
    z = (draws.mean() - mean) / mcse_mean(draws)
    assert abs(z) < K, (label, "mean", z)
    check_quantiles(draws, ppf, label)


@pytest.mark.parametrize(("plus", "collapsed"), [(False, False), (False, True), (True, False)])
def test_horseshoe_gibbs_posterior_with_one_coefficient_matches_quadrature(plus, collapsed):
    """beta = sigma tau lam z with sigma = 1: prior of beta = a normal mixture over log(tau lam [eta])."""
    x, y = _one_feature()
    A = 0.7
    w = np.linspace(-25, 15, 4001)
    h = _log_product_density(w, A, 1.0, *((1.0,) if plus else ()))
    weight = h * (w[1] - w[0])
    assert weight.sum() == pytest.approx(1.0, abs=2e-3)  # the grid holds the whole prior mass
    mean, ppf = _gaussian_posterior(x, y, 1.0, 2 * w, weight / weight.sum())
    d = gibbs_horseshoe(x, y, plus=plus, scale_global=A, noise_sigma=1.0, collapsed=collapsed,
                        draws=4000 if collapsed else 8000, burn=300, seed=12 + plus + 2 * collapsed, chains=2)
    check_mixture_posterior(chains_of(d["beta"][:, 0], 2), mean, ppf, f"beta plus={plus} collapsed={collapsed}")


def _rhs_log_var_weights(s_g: float, s_s: float, nu_s: float, sigma: float):
    """Prior variance of beta = c^2 u^2 / (c^2 + u^2), u = tau lam (half-Cauchy product, scale s_g sigma),
    c^2 = s_s^2 a, a ~ IG(nu_s/2, nu_s/2): the weights of log(variance) on a fine grid."""
    w = np.linspace(-22, 12, 1361)
    hu = _log_product_density(w, s_g * sigma, 1.0) * (w[1] - w[0])
    la = np.linspace(-8, 10, 721)  # log a
    ha = stats.invgamma.pdf(np.exp(la), nu_s / 2, scale=nu_s / 2) * np.exp(la) * (la[1] - la[0])
    logc2 = np.log(s_s**2) + la
    U2, C2 = np.meshgrid(2 * w, logc2, indexing="ij")
    log_var = U2 + C2 - np.logaddexp(U2, C2)
    weight = np.outer(hu, ha)
    assert weight.sum() == pytest.approx(1.0, abs=2e-3)
    bins = np.arange(log_var.min(), log_var.max() + 0.01, 0.005)
    mass, edges = np.histogram(log_var, bins=bins, weights=weight)
    keep = mass > 0
    return 0.5 * (edges[1:] + edges[:-1])[keep], mass[keep] / mass.sum()


def test_regularized_horseshoe_sampler_posterior_with_one_coefficient_matches_quadrature():
    x, y = _one_feature(slope=2.5)  # a large effect: the slab matters
    s_g, s_s, nu_s = 0.5, 1.0, 4.0
    log_var, weight = _rhs_log_var_weights(s_g, s_s, nu_s, 1.0)
    mean, ppf = _gaussian_posterior(x, y, 1.0, log_var, weight)
    d = gibbs_regularized_horseshoe(x, y, scale_global=s_g, scale_slab=s_s, df_slab=nu_s, noise_sigma=1.0,
                                    draws=3000, burn=300, seed=21, chains=2)
    check_mixture_posterior(chains_of(d["beta"][:, 0], 2), mean, ppf, "rhs beta")


def test_r2d2_sampler_posterior_with_one_coefficient_matches_quadrature():
    """p = 1: phi = 1, beta ~ N(0, sigma^2 omega), omega ~ BetaPrime(mu kappa, (1 - mu) kappa)."""
    x, y = _one_feature(slope=0.6)
    mu, kappa = 0.3, 2.5
    lw = np.linspace(-30, 25, 5501)
    a, b = mu * kappa, (1 - mu) * kappa
    log_bp = a * lw - (a + b) * np.logaddexp(0, lw) - special.betaln(a, b)  # density of log omega
    weight = np.exp(log_bp) * (lw[1] - lw[0])
    mean, ppf = _gaussian_posterior(x, y, 1.0, lw, weight / weight.sum())
    d = gibbs_r2d2(x, y, mean_r2=mu, prec_r2=kappa, noise_sigma=1.0, draws=3000, burn=300, seed=22, chains=2)
    check_mixture_posterior(chains_of(d["beta"][:, 0], 2), mean, ppf, "r2d2 beta")


def test_regularized_horseshoe_logistic_sampler_matches_quadrature():
    """Logistic likelihood, flat intercept: the posterior of (c, beta) on a 2-D grid."""
    rng = np.random.default_rng(31)
    n = 40
    x = rng.normal(size=n)
    yb = (rng.random(n) < special.expit(-0.3 + 1.2 * x)).astype(float)
    s_g, s_s, nu_s = 0.4, 2.5, 4.0
    log_var, weight = _rhs_log_var_weights(s_g, s_s, nu_s, 1.0)
    near0 = np.geomspace(1e-12, 0.05, 300)  # the prior density has a log singularity at 0
    beta = np.unique(np.r_[np.linspace(-2.0, 5.0, 1401), -near0, near0])
    c = np.linspace(-3.0, 2.5, 1101)
    eta = c[None, :, None] + beta[:, None, None] * x[None, None, :]
    loglik = (yb * eta - np.logaddexp(0, eta)).sum(axis=-1)
    logp = loglik + np.log(_mixture_density(beta, log_var, weight))[:, None]
    P = np.exp(logp - logp.max())
    d = gibbs_regularized_horseshoe(x[:, None], yb, scale_global=s_g, scale_slab=s_s, df_slab=nu_s,
                                    likelihood="logistic", draws=3000, burn=300, seed=32, chains=2)
    check_posterior(chains_of(d["beta"][:, 0], 2), beta, integrate.trapezoid(P, c, axis=1), "logistic beta")
    check_posterior(chains_of(d["intercept"], 2), c, integrate.trapezoid(P, beta, axis=0), "logistic intercept")


def test_the_quadrature_check_can_fail():
    """The same check rejects the horseshoe posterior of a prior twice as wide (scale_global 1.4 vs 0.7)."""
    x, y = _one_feature()
    w = np.linspace(-25, 15, 4001)
    h = _log_product_density(w, 1.4, 1.0)
    mean, ppf = _gaussian_posterior(x, y, 1.0, 2 * w, h / h.sum())
    d = gibbs_horseshoe(x, y, scale_global=0.7, noise_sigma=1.0, draws=8000, burn=300, seed=12, chains=2)
    with pytest.raises(AssertionError):
        check_mixture_posterior(chains_of(d["beta"][:, 0], 2), mean, ppf, "wrong prior")
