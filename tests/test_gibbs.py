"""Validate the exact Gibbs references in bayesreg.reference against closed forms and quadrature.

Every strict check is ``|estimate - truth| < 4 * MCSE`` with the MCSE taken from the
effective sample size of the draws (``mcse_mean`` / ``mcse_quantile``), never a hand-set
tolerance. "Truth" is computed from the model's posterior density as written down
(Laplace, Gaussian, logistic likelihood), not from the scale-mixture / augmentation the
samplers use, so an error in a derived full conditional shows up as a disagreement.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize, special, stats

from bayesreg.reference import (
    effective_sample_size,
    gibbs_bayesian_lasso,
    gibbs_laplace_fixed_noise,
    gibbs_logistic_gaussian,
    mcse_mean,
    mcse_quantile,
    sample_pg1,
)

QS = (0.05, 0.5, 0.95)
N_MCSE = 4.0


def check_mc(draws: np.ndarray, mean: float, quantiles, label: str) -> list[float]:
    """Assert posterior mean and QS quantiles agree within N_MCSE; return the z-scores.

    ``draws`` is (chains, draws); ``quantiles`` are the true values at QS.
    """
    zs = [(draws.mean() - mean) / mcse_mean(draws)]
    for q, truth in zip(QS, quantiles, strict=True):
        zs.append((np.quantile(draws, q) - truth) / mcse_quantile(draws, q))
    print(f"{label}: z(mean, q05, q50, q95) = {np.round(zs, 2).tolist()}")
    assert np.all(np.abs(zs) < N_MCSE), (label, zs)
    return zs


def by_chain(a: np.ndarray, chains: int) -> np.ndarray:
    return a.reshape(chains, -1, *a.shape[1:])


def grid_marginals(logp: np.ndarray, u: np.ndarray, v: np.ndarray):
    """Trapezoid quadrature of an unnormalised 2-D log density on the grid u x v.

    Returns (weights P normalised to integrate to 1, (mean_u, q_u), (mean_v, q_v)).
    """
    P = np.exp(logp - logp.max())
    P /= integrate.trapezoid(integrate.trapezoid(P, v, axis=1), u)

    def summary(x, dens):
        cdf = integrate.cumulative_trapezoid(dens, x, initial=0.0)
        return integrate.trapezoid(x * dens, x), np.interp(QS, cdf / cdf[-1], x)

    return (P, summary(u, integrate.trapezoid(P, v, axis=1)),
            summary(v, integrate.trapezoid(P, u, axis=0)))


def grid_expect(P: np.ndarray, f: np.ndarray, u: np.ndarray, v: np.ndarray) -> float:
    return float(integrate.trapezoid(integrate.trapezoid(P * f, v, axis=1), u))


# ----------------------------------------------------------------------------- MCSE helpers
def test_ess_matches_ar1_theory_and_arviz():
    rng = np.random.default_rng(0)
    phi, m, n = 0.8, 4, 20_000
    e = rng.standard_normal((m, n))
    x = np.empty((m, n))
    x[:, 0] = e[:, 0] / np.sqrt(1 - phi**2)
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + e[:, t]
    theory = m * n * (1 - phi) / (1 + phi)
    ess = effective_sample_size(x)
    # Relative sd of an ESS estimate at tau = 9 with 80k draws is a few percent.
    assert abs(ess / theory - 1) < 0.15, (ess, theory)
    az = pytest.importorskip("arviz")
    assert abs(ess / az.ess(x, method="mean") - 1) < 0.05
    # window_sd=1 is Vehtari et al.'s +-1 sd reading, which ArviZ implements
    assert abs(mcse_quantile(x, 0.5, window_sd=1.0) / az.mcse(x, method="quantile", prob=0.5) - 1) < 0.1
    assert mcse_mean(x[0]) > 0


def test_quantile_mcse_matches_the_iid_asymptotics_in_the_tails():
    """Independent N(0, 1) draws: the MCSE of the q quantile is sqrt(q (1 - q) / N) / phi(z_q). The default
    (3-sd window) and the +-1 sd reading both find it; the default is the less noisy of the two over 200
    replications (the reason for it: scripts/calibrate_mcse.py)."""
    rng = np.random.default_rng(11)
    n = 4000
    for q in (0.025, 0.5, 0.975):
        theory = np.sqrt(q * (1 - q) / n) / stats.norm.pdf(stats.norm.ppf(q))
        ratios = np.array([[mcse_quantile(x, q, window_sd=w) / theory for w in (3.0, 1.0)]
                           for x in rng.standard_normal((200, 2, n // 2))])
        # the mean ratio of 200 replications: within 4 of its standard errors of 1 (ESS estimates have a
        # few percent of their own bias at N = 4000, hence the 0.03 floor)
        se = ratios.std(axis=0) / np.sqrt(200)
        assert np.all(np.abs(ratios.mean(axis=0) - 1) < 4 * se + 0.03), (q, ratios.mean(axis=0), se)
        assert ratios[:, 0].std() < ratios[:, 1].std(), q


def test_quantile_mcse_rejects_a_bad_window_and_survives_few_draws():
    x = np.random.default_rng(0).standard_normal(8)
    with pytest.raises(ValueError, match="window_sd must be a positive"):
        mcse_quantile(x, 0.5, window_sd=0.0)
    assert np.isfinite(mcse_quantile(x, 0.99)) and mcse_quantile(x, 0.99) > 0


# ----------------------------------------------------------------------------- Polya-Gamma
@pytest.mark.parametrize("z", [0.0, 0.3, 1.0, 2.0, 3.125, 6.0, 25.0])
def test_pg1_moments_and_cdf(z):
    rng = np.random.default_rng(int(z * 1000) + 1)
    x = sample_pg1(np.full(200_000, z), rng)
    k = np.arange(1, 200_001)
    d = (k - 0.5) ** 2 + z**2 / (4 * np.pi**2)  # PG(1,z) = sum_k g_k / (2 pi^2 d_k), g_k~Exp(1)
    if z == 0:
        mean, var = 0.25, 1 / 24
    else:
        mean = np.tanh(z / 2) / (2 * z)
        var = (np.sinh(z) - z) / (4 * z**3 * np.cosh(z / 2) ** 2)
    # closed forms agree with the series moments (mean series tail ~ 1/K added; var tail ~ K^-3)
    np.testing.assert_allclose(mean, (np.sum(1 / d) + 1 / k[-1]) / (2 * np.pi**2), rtol=1e-8)
    np.testing.assert_allclose(var, np.sum(1 / d**2) / (4 * np.pi**4), rtol=1e-5)
    n = x.size  # iid draws: MCSE of the mean is sd/sqrt(n); of the variance from the 4th moment
    assert abs(x.mean() - mean) < N_MCSE * np.sqrt(var / n)
    m4 = np.mean((x - x.mean()) ** 4)
    assert abs(x.var() - var) < N_MCSE * np.sqrt((m4 - var**2) / n)

    # CDF at 5 points: F(s) = int_0^s pdf, pdf(s) = 4 cosh(z/2) exp(-z^2 s/2) sum (-1)^n a_n(4s)
    def pdf(s):
        xx, c = 4 * s, (np.arange(200) + 0.5) * np.pi
        if xx > 0.64:
            a = c * np.exp(-c**2 * xx / 2)
        else:
            a = c * (2 / (np.pi * xx)) ** 1.5 * np.exp(-2 * (np.arange(200) + 0.5) ** 2 / xx)
        sgn = (-1.0) ** np.arange(200)
        return 4 * np.cosh(z / 2) * np.exp(-(z**2) * xx / 8) * np.sum(sgn * a)

    for q in (0.05, 0.25, 0.5, 0.75, 0.95):
        s = np.quantile(x, q)
        F = integrate.quad(pdf, 0, s, points=[0.16] if s > 0.16 else None, limit=200)[0]
        assert abs(F - q) < N_MCSE * np.sqrt(q * (1 - q) / n) + 1e-5, (q, F)


def test_pg1_vectorised_over_mixed_z():
    rng = np.random.default_rng(5)
    z = np.tile([-4.0, 0.0, 0.7, 12.0], 50_000).reshape(-1, 4)
    x = sample_pg1(z, rng)
    assert x.shape == z.shape and np.all(x > 0)
    for j, zj in enumerate(z[0]):
        mean = 0.25 if zj == 0 else np.tanh(zj / 2) / (2 * zj)
        var = 1 / 24 if zj == 0 else (np.sinh(zj) - zj) / (4 * zj**3 * np.cosh(zj / 2) ** 2)
        assert abs(x[:, j].mean() - mean) < N_MCSE * np.sqrt(var / x.shape[0])


# ----------------------------------------------------------------------------- Laplace, known noise
def _laplace_data(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return x, 0.4 + 0.5 * x + rng.normal(size=n)


def test_laplace_fixed_noise_p1_no_intercept_vs_1d_quadrature():
    x, y = _laplace_data(6, 11)
    sigma, b = 1.0, 0.3

    def logf(w):
        return -np.sum((y - x * w) ** 2) / (2 * sigma**2) - abs(w) / b

    mode = optimize.minimize_scalar(lambda w: -logf(w), bounds=(-5, 5), method="bounded").x
    lmax = logf(mode)

    def f(w):
        return np.exp(logf(w) - lmax)

    def integ(g, lo, hi):
        pts = [p for p in (0.0, mode) if lo < p < hi]
        return sum(integrate.quad(g, a, c, epsabs=0, epsrel=1e-11)[0]
                   for a, c in zip([lo, *pts], [*pts, hi], strict=True))

    Z = integ(f, -20, 20)
    mean = integ(lambda w: w * f(w), -20, 20) / Z
    qs = [optimize.brentq(lambda t, q=q: integ(f, -20, t) / Z - q, -10, 10, xtol=1e-10)
          for q in QS]
    chains = 4
    d = gibbs_laplace_fixed_noise(x[:, None], y, b, noise_sigma=sigma, fit_intercept=False,
                                  draws=6000, burn=500, seed=1, chains=chains)
    assert set(d) == {"w"} and d["w"].shape == (chains * 6000, 1)
    check_mc(by_chain(d["w"][:, 0], chains), mean, qs, "laplace p=1 w")


def test_laplace_fixed_noise_p1_intercept_vs_2d_quadrature():
    x, y = _laplace_data(5, 12)
    sigma, b = 0.8, 0.4
    w = np.linspace(-4, 6, 2001)  # contains w = 0 (the kink) as a node
    c = np.linspace(-4, 5, 1801)
    W, C = np.meshgrid(w, c, indexing="ij")
    rss = sum((yi - C - xi * W) ** 2 for xi, yi in zip(x, y, strict=True))
    logp = -rss / (2 * sigma**2) - np.abs(W) / b
    _, (mw, qw), (mc, qc) = grid_marginals(logp, w, c)
    chains = 4
    d = gibbs_laplace_fixed_noise(x[:, None], y, [b], noise_sigma=sigma, draws=6000, burn=500,
                                  seed=2, chains=chains)
    check_mc(by_chain(d["w"][:, 0], chains), mw, qw, "laplace p=1+c w")
    check_mc(by_chain(d["intercept"], chains), mc, qc, "laplace p=1+c intercept")


def _correlated_design(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) @ np.array([[1.0, 0.6, 0.0], [0.0, 0.8, 0.5], [0.0, 0.0, 1.0]])
    X += 2.0  # non-zero column means, so the intercept / centring algebra matters
    return X, 1.0 + X @ np.array([0.5, -1.0, 0.3]) + rng.normal(size=n)


def test_laplace_fixed_noise_p3_flat_limit_is_gaussian():
    """b -> infinity: w | y -> N(ols, sigma^2 (Xc^T Xc)^{-1}); checks the p > 1 matrix algebra.

    The prior's effect on the posterior is O(sd / b) = O(1e-6) sd, far below the MCSE.
    """
    X, y = _correlated_design(15, 31)
    sigma, chains = 0.7, 4
    Xc, yc = X - X.mean(0), y - y.mean()
    cov = sigma**2 * np.linalg.inv(Xc.T @ Xc)
    ols = np.linalg.solve(Xc.T @ Xc, Xc.T @ yc)
    d = gibbs_laplace_fixed_noise(X, y, 1e6, noise_sigma=sigma, draws=3000, burn=100, seed=8,
                                  chains=chains)
    # each coordinate, a contrast (sensitive to the Cholesky orientation), and the intercept
    a = np.array([1.0, 1.0, -1.0])
    xbar = X.mean(0)
    cases = [(d["w"][:, j], ols[j], cov[j, j]) for j in range(3)]
    cases += [(d["w"] @ a, a @ ols, a @ cov @ a),
              (d["intercept"], y.mean() - xbar @ ols, sigma**2 / 15 + xbar @ cov @ xbar)]
    for k, (draw, m, v) in enumerate(cases):
        check_mc(by_chain(draw, chains), m, stats.norm.ppf(QS, m, np.sqrt(v)), f"laplace flat #{k}")


# ----------------------------------------------------------------------------- Bayesian lasso
def _lasso_grid(x, y, log_prior_beta_given_sigma):
    """Posterior of (beta, v = log sigma^2) with the flat intercept integrated out."""
    n = x.size
    xc, yc = x - x.mean(), y - y.mean()
    beta = np.linspace(-4, 4, 1601)  # contains beta = 0 (the kink) as a node
    v = np.linspace(-5, 4, 1801)
    B, V = np.meshgrid(beta, v, indexing="ij")
    rss = (yc @ yc) - 2 * B * (xc @ yc) + B**2 * (xc @ xc)
    sigma = np.exp(V / 2)
    # p(sigma^2) ~ 1/sigma^2 and the Jacobian d sigma^2 = sigma^2 dv cancel
    logp = -(n - 1) / 2 * V - rss / (2 * sigma**2) + log_prior_beta_given_sigma(B, sigma)
    P, mb, mv = grid_marginals(logp, beta, v)
    return beta, v, B, sigma, P, mb, mv


def test_bayesian_lasso_fixed_lambda_p1_vs_2d_quadrature():
    x, y = _laplace_data(12, 13)
    lam = 2.0
    beta, v, B, sig, P, (mb, qb), (_, qv) = _lasso_grid(
        x, y, lambda B, s: np.log(lam / (2 * s)) - lam * np.abs(B) / s)
    msig = grid_expect(P, sig, beta, v)
    mint = y.mean() - x.mean() * mb
    chains = 4
    d = gibbs_bayesian_lasso(x[:, None], y, lam=lam, draws=6000, burn=500, seed=3,
                             chains=chains)
    assert np.all(d["lam"] == lam)
    check_mc(by_chain(d["beta"][:, 0], chains), mb, qb, "lasso fixed beta")
    check_mc(by_chain(d["sigma"], chains), msig, np.exp(np.asarray(qv) / 2), "lasso fixed sigma")
    ints = by_chain(d["intercept"], chains)
    z = (ints.mean() - mint) / mcse_mean(ints)
    print(f"lasso fixed intercept: z(mean) = {z:.2f}")
    assert abs(z) < N_MCSE


def test_bayesian_lasso_hyperprior_p1_vs_2d_quadrature():
    x, y = _laplace_data(12, 14)
    r, delta = 1.5, 2.0
    # p(beta | sigma) = g(|beta|/sigma)/sigma, g(u) = E_lambda[(lambda/2) exp(-lambda u)],
    # lambda^2 ~ Gamma(r, rate delta); h(u) = E_lambda[lambda (lambda/2) exp(-lambda u)].
    t = np.linspace(-12, 4, 4001)  # lambda = e^t, trapezoid in t (smooth, fast-decaying)
    lam = np.exp(t)
    dens = stats.gamma.pdf(lam**2, r, scale=1 / delta) * 2 * lam**2  # d lambda^2 = 2 lambda^2 dt
    u = np.linspace(0, 60, 6001)
    kern = lam / 2 * np.exp(-np.outer(u, lam)) * dens
    g = integrate.trapezoid(kern, t, axis=1)
    h = integrate.trapezoid(kern * lam, t, axis=1)
    beta, v, B, sig, P, (mb, qb), (_, qv) = _lasso_grid(
        x, y, lambda B, s: np.log(np.interp(np.abs(B) / s, u, g)) - np.log(s))
    assert (np.abs(B) / sig).max() < u[-1]
    mlam = grid_expect(P, np.interp(np.abs(B) / sig, u, h / g), beta, v)
    msig = grid_expect(P, sig, beta, v)
    chains = 4
    d = gibbs_bayesian_lasso(x[:, None], y, r=r, delta=delta, draws=8000, burn=1000, seed=4,
                             chains=chains)
    check_mc(by_chain(d["beta"][:, 0], chains), mb, qb, "lasso hyper beta")
    check_mc(by_chain(d["sigma"], chains), msig, np.exp(np.asarray(qv) / 2), "lasso hyper sigma")
    lams = by_chain(d["lam"], chains)
    z = (lams.mean() - mlam) / mcse_mean(lams)
    print(f"lasso hyper lambda: z(mean) = {z:.2f}")
    assert abs(z) < N_MCSE


def test_bayesian_lasso_p3_flat_limit_is_student_t():
    """lam -> 0 (p(beta | sigma) ~ sigma^-p): sigma^2 | y ~ InvGamma((n-1)/2, RSS/2) and
    beta | y ~ t_{n-1}(ols, RSS/(n-1) (Xc^T Xc)^{-1}); checks the p > 1 algebra and the
    (n-1)/2 + p/2 shape. The neglected factor exp(-lam |beta|/sigma) is 1 - O(1e-6).
    """
    X, y = _correlated_design(15, 32)
    n, chains = 15, 4
    Xc, yc = X - X.mean(0), y - y.mean()
    sig = np.linalg.inv(Xc.T @ Xc)
    ols = sig @ Xc.T @ yc
    rss = np.sum((yc - Xc @ ols) ** 2)
    d = gibbs_bayesian_lasso(X, y, lam=1e-6, draws=3000, burn=200, seed=9, chains=chains)
    a = np.array([1.0, 1.0, -1.0])
    for k, (draw, m, v) in enumerate(
        [(d["beta"][:, j], ols[j], sig[j, j]) for j in range(3)] + [(d["beta"] @ a, a @ ols, a @ sig @ a)]
    ):
        t = stats.t(n - 1, m, np.sqrt(rss / (n - 1) * v))
        check_mc(by_chain(draw, chains), m, t.ppf(QS), f"lasso flat beta #{k}")
    shape = (n - 1) / 2
    msig = np.sqrt(rss / 2) * np.exp(special.gammaln(shape - 0.5) - special.gammaln(shape))
    qsig = np.sqrt(stats.invgamma.ppf(QS, shape, scale=rss / 2))
    check_mc(by_chain(d["sigma"], chains), msig, qsig, "lasso flat sigma")
    ints = by_chain(d["intercept"], chains)
    z = (ints.mean() - (y.mean() - X.mean(0) @ ols)) / mcse_mean(ints)
    print(f"lasso flat intercept: z(mean) = {z:.2f}")
    assert abs(z) < N_MCSE


def test_bayesian_lasso_diabetes_loose():
    """Loose sanity on Park & Casella's example (not a strict check).

    sklearn's diabetes X has centred, unit-L2-norm columns, the standardisation of Efron
    et al. (2004) that Park & Casella use, with y unscaled; they report lambda ~ 0.237 by
    marginal maximum likelihood.
    """
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LinearRegression, lasso_path

    X, y = load_diabetes(return_X_y=True)
    d = gibbs_bayesian_lasso(X, y, lam=0.237, draws=4000, burn=500, seed=5)
    med = np.median(d["beta"], axis=0)
    ols = LinearRegression().fit(X, y).coef_
    # The lasso along its path with the same L1 norm as the posterior median
    _, path, _ = lasso_path(X - X.mean(0), y - y.mean(), alphas=2000, eps=1e-5)
    l1 = np.abs(path).sum(0)
    lasso = path[:, np.argmin(np.abs(l1 - np.abs(med).sum()))]
    print("posterior median", np.round(med, 1), "\nlasso same L1  ", np.round(lasso, 1))
    print("max |median - lasso| / max|ols|", np.max(np.abs(med - lasso)) / np.abs(ols).max())
    scale = np.abs(ols).max()
    assert np.abs(med).sum() < np.abs(ols).sum()  # shrinks
    assert np.max(np.abs(med - lasso)) < 0.08 * scale  # observed 0.03
    assert np.all(np.sign(med[[1, 2, 3, 8]]) == [-1, 1, 1, 1])  # sex, bmi, bp, s5
    assert 40 < np.median(d["sigma"]) < 70 and abs(np.mean(d["intercept"]) - y.mean()) < 10
    dh = gibbs_bayesian_lasso(X, y, draws=4000, burn=500, seed=6)
    lam_med = np.median(dh["lam"])
    print("hyperprior r=1, delta=1: median lambda", round(lam_med, 3), "max |diff| / max|ols|",
          np.max(np.abs(np.median(dh["beta"], 0) - med)) / np.abs(ols).max())
    assert 0.237 / 2 < lam_med < 0.237 * 2
    assert np.max(np.abs(np.median(dh["beta"], 0) - med)) < 0.05 * scale  # observed 0.02


# ----------------------------------------------------------------------------- logistic PG
def _logistic_data(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return x, (rng.random(n) < special.expit(0.5 + 1.2 * x)).astype(float)


@pytest.mark.parametrize("intercept_sigma", [None, 1.0])
def test_logistic_pg_p1_intercept_vs_2d_quadrature(intercept_sigma):
    x, y = _logistic_data(20, 21)
    s = 1.5
    c = np.linspace(-5, 6.5, 1151)
    w = np.linspace(-4, 9, 1301)
    C, W = np.meshgrid(c, w, indexing="ij")
    logp = -(W**2) / (2 * s**2)
    if intercept_sigma is not None:
        logp = logp - C**2 / (2 * intercept_sigma**2)
    for xi, yi in zip(x, y, strict=True):
        eta = C + xi * W
        logp = logp + yi * eta - np.logaddexp(0, eta)
    _, (mc, qc), (mw, qw) = grid_marginals(logp, c, w)
    chains = 4
    d = gibbs_logistic_gaussian(x[:, None], y, s, intercept_sigma=intercept_sigma, draws=4000,
                                burn=300, seed=7, chains=chains)
    check_mc(by_chain(d["w"][:, 0], chains), mw, qw, f"logistic w ({intercept_sigma=})")
    check_mc(by_chain(d["intercept"], chains), mc, qc, f"logistic c ({intercept_sigma=})")


def test_samplers_reproducible_and_chains_independent():
    x, y = _logistic_data(15, 22)
    a = gibbs_logistic_gaussian(x[:, None], y, 1.0, fit_intercept=False, draws=50, burn=5,
                                seed=9, chains=2)
    b = gibbs_logistic_gaussian(x[:, None], y, 1.0, fit_intercept=False, draws=50, burn=5,
                                seed=9, chains=2)
    np.testing.assert_array_equal(a["w"], b["w"])
    assert set(a) == {"w"} and a["w"].shape == (100, 1)
    assert not np.array_equal(a["w"][:50], a["w"][50:])
