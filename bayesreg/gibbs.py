"""Exact Gibbs samplers used as independent references for the NUTS posteriors.

NumPy/SciPy only on purpose: nothing here shares code with the PyMC models it checks.
Every sampler returns ``dict[str, ndarray]`` whose leading axis is the draw axis; with
``chains=k`` the ``k`` independent chains (seeds spawned from ``seed``) are concatenated
chain-major, so ``a.reshape(k, draws, *a.shape[1:])`` recovers the per-chain layout that
:func:`effective_sample_size`, :func:`mcse_mean` and :func:`mcse_quantile` accept.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg, special, stats

__all__ = [
    "effective_sample_size",
    "gibbs_bayesian_lasso",
    "gibbs_laplace_fixed_noise",
    "gibbs_logistic_gaussian",
    "mcse_mean",
    "mcse_quantile",
    "sample_pg1",
]

Seed = int | np.random.SeedSequence | None
Draws = dict[str, NDArray[np.float64]]
_T = 0.64  # Devroye / Polson-Scott-Windle switch point of the J* density representations


def _run_chains(step: Callable[[np.random.Generator], Callable[[], dict]], *, draws: int,
                burn: int, seed: Seed, chains: int) -> Draws:
    if draws < 1 or burn < 0 or chains < 1:
        raise ValueError("need draws >= 1, burn >= 0, chains >= 1")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    out: dict[str, list] = {}
    for child in ss.spawn(chains):
        advance = step(np.random.default_rng(child))
        for _ in range(burn):
            advance()
        rows = [advance() for _ in range(draws)]
        for k in rows[0]:
            out.setdefault(k, []).append(np.array([r[k] for r in rows], dtype=float))
    return {k: np.concatenate(v, axis=0) for k, v in out.items()}


def _mvn_from_precision(rng: np.random.Generator, prec: NDArray, rhs: NDArray,
                        scale: float = 1.0) -> NDArray:
    """Draw N(prec^{-1} rhs, scale^2 prec^{-1}) with one Cholesky factor ``prec = L L^T``."""
    chol = np.linalg.cholesky(prec)
    mean = linalg.cho_solve((chol, True), rhs, check_finite=False)
    noise = linalg.solve_triangular(chol.T, rng.standard_normal(rhs.shape[0]), lower=False,
                                    check_finite=False)
    return mean + scale * noise


def _design(X: ArrayLike, y: ArrayLike) -> tuple[NDArray, NDArray]:
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError("X must be (n, p) and y must be (n,)")
    return X, y


def gibbs_laplace_fixed_noise(X: ArrayLike, y: ArrayLike, b: ArrayLike, *, noise_sigma: float,
                              fit_intercept: bool = True, draws: int, burn: int, seed: Seed,
                              chains: int = 1) -> Draws:
    r"""Gibbs sampler for linear regression with known noise and Laplace priors.

    Model: :math:`y \sim N(c 1 + X w, \sigma^2 I)` with ``sigma = noise_sigma`` fixed,
    :math:`w_j \sim \mathrm{Laplace}(0, b_j)` (density :math:`e^{-|w_j|/b_j}/(2 b_j)`) and a
    flat prior on :math:`c` (omitted when ``fit_intercept=False``).

    Scale mixture: :math:`w_j | \tau_j^2 \sim N(0, \tau_j^2)`,
    :math:`\tau_j^2 \sim \mathrm{Exp}(\text{rate}=1/(2 b_j^2))` integrates to Laplace(0, b_j).
    Full conditionals (two blocks, exact):

    * :math:`(w, c) | \tau`: ``c`` is integrated out by centring, so
      :math:`w | \tau \sim N(A^{-1} X_c^T y_c / \sigma^2, A^{-1})`,
      :math:`A = X_c^T X_c / \sigma^2 + \mathrm{diag}(1/\tau^2)` (``X_c, y_c`` column-centred), then
      :math:`c | w \sim N(\bar y - \bar x^T w, \sigma^2 / n)`; together a joint draw of
      :math:`(w, c)` from :math:`p(w, c | \tau, y)`.
    * :math:`1/\tau_j^2 | w \sim \mathrm{InvGaussian}(\text{mean} = 1/(b_j |w_j|),
      \text{shape} = 1/b_j^2)` (``Generator.wald``).

    Parameters
    ----------
    X : (n, p) array
    y : (n,) array
    b : float or (p,) array
        Laplace scales, ``b > 0``.
    noise_sigma : float
        Known noise standard deviation.
    fit_intercept : bool
        Include the flat-prior intercept ``c``.
    draws, burn : int
        Kept draws and discarded warm-up sweeps per chain.
    seed : int, SeedSequence or None
        Root seed; chain ``k`` uses ``Generator(PCG64(SeedSequence(seed).spawn(chains)[k]))``.
    chains : int
        Independent chains, concatenated chain-major along the draw axis.

    Returns
    -------
    dict
        ``"w"``: ``(chains * draws, p)``; ``"intercept"``: ``(chains * draws,)`` if fitted.
    """
    X, y = _design(X, y)
    n, p = X.shape
    bj = np.broadcast_to(np.asarray(b, dtype=float), (p,)).copy()
    if np.any(bj <= 0) or noise_sigma <= 0:
        raise ValueError("b and noise_sigma must be positive")
    s2 = float(noise_sigma) ** 2
    xbar, ybar = (X.mean(0), y.mean()) if fit_intercept else (np.zeros(p), 0.0)
    Xc, yc = X - xbar, y - ybar
    XtX, Xty = Xc.T @ Xc / s2, Xc.T @ yc / s2
    floor = 1e-100 * bj  # |w_j| == 0 has probability zero; keep the IG mean finite anyway

    def step(rng: np.random.Generator) -> Callable[[], dict]:
        eta = 1.0 / (2.0 * bj**2)  # 1/tau^2 at the prior mean of tau^2

        def advance() -> dict:
            nonlocal eta
            w = _mvn_from_precision(rng, XtX + np.diag(eta), Xty)
            row = {"w": w}
            if fit_intercept:
                row["intercept"] = ybar - xbar @ w + np.sqrt(s2 / n) * rng.standard_normal()
            eta = rng.wald(1.0 / (bj * np.maximum(np.abs(w), floor)), 1.0 / bj**2)
            return row

        return advance

    return _run_chains(step, draws=draws, burn=burn, seed=seed, chains=chains)


def gibbs_bayesian_lasso(X: ArrayLike, y: ArrayLike, *, lam: float | None = None, r: float = 1.0,
                         delta: float = 1.0, draws: int, burn: int, seed: Seed,
                         chains: int = 1) -> Draws:
    r"""Park & Casella (2008, JASA 103:681-686) Bayesian lasso Gibbs sampler.

    Model: :math:`y = \mu 1 + X\beta + \varepsilon`, :math:`\varepsilon \sim N(0, \sigma^2 I)`,
    flat :math:`\mu`, :math:`p(\sigma^2) \propto 1/\sigma^2`,
    :math:`\beta_j | \sigma^2 \sim \mathrm{Laplace}(0, \sigma/\lambda)` iid (density
    :math:`\frac{\lambda}{2\sigma} e^{-\lambda|\beta_j|/\sigma}`), written as
    :math:`\beta | \sigma^2, \tau \sim N(0, \sigma^2 D_\tau)`,
    :math:`\tau_j^2 \sim \mathrm{Exp}(\text{rate} = \lambda^2/2)`. ``lam`` fixed if given,
    else :math:`\lambda^2 \sim \mathrm{Gamma}(\text{shape}=r, \text{rate}=\delta)`.
    Integrating :math:`\mu` out leaves centred ``y~, X`` and one fewer residual degree of
    freedom, hence the :math:`(n-1)/2` below. Full conditionals, scanned in this order:

    * :math:`\beta | \cdot \sim N(A^{-1} X^T \tilde y, \sigma^2 A^{-1})`,
      :math:`A = X^T X + D_\tau^{-1}`;
    * :math:`\sigma^2 | \cdot \sim \mathrm{InvGamma}((n-1)/2 + p/2,\;
      \|\tilde y - X\beta\|^2/2 + \beta^T D_\tau^{-1}\beta/2)`;
    * :math:`1/\tau_j^2 | \cdot \sim \mathrm{InvGaussian}(\text{mean} =
      \sqrt{\lambda^2\sigma^2/\beta_j^2}, \text{shape} = \lambda^2)`;
    * :math:`\lambda^2 | \cdot \sim \mathrm{Gamma}(p + r, \text{rate} = \sum_j \tau_j^2/2 +
      \delta)` (hyperprior variant only);
    * :math:`\mu | \cdot \sim N(\bar y - \bar x^T\beta, \sigma^2/n)`, drawn at each sweep so
      the intercept is recovered on the scale of the uncentred ``X``.

    Parameters
    ----------
    X : (n, p) array
        Regressors (Park & Casella standardise them; not required here).
    y : (n,) array
    lam : float or None
        Fixed :math:`\lambda`; ``None`` puts the Gamma(r, delta) hyperprior on :math:`\lambda^2`.
    r, delta : float
        Shape and rate of that hyperprior.
    draws, burn : int
        Kept draws and discarded warm-up sweeps per chain.
    seed : int, SeedSequence or None
        Root seed; chain ``k`` uses ``Generator(PCG64(SeedSequence(seed).spawn(chains)[k]))``.
    chains : int
        Independent chains, concatenated chain-major along the draw axis.

    Returns
    -------
    dict
        ``"beta"``: ``(N, p)``; ``"sigma"`` (noise sd), ``"lam"``, ``"intercept"``: ``(N,)``,
        with ``N = chains * draws``.
    """
    X, y = _design(X, y)
    n, p = X.shape
    if (lam is not None and lam <= 0) or r <= 0 or delta <= 0:
        raise ValueError("lam, r and delta must be positive")
    xbar, ybar = X.mean(0), y.mean()
    Xc, yc = X - xbar, y - ybar
    XtX, Xty = Xc.T @ Xc, Xc.T @ yc
    shape = (n - 1) / 2 + p / 2

    def step(rng: np.random.Generator) -> Callable[[], dict]:
        lam2 = 1.0 if lam is None else float(lam) ** 2
        sigma2, eta = float(yc.var()) or 1.0, np.ones(p)

        def advance() -> dict:
            nonlocal lam2, sigma2, eta
            beta = _mvn_from_precision(rng, XtX + np.diag(eta), Xty, np.sqrt(sigma2))
            resid = yc - Xc @ beta
            sigma2 = (resid @ resid + beta @ (eta * beta)) / 2 / rng.gamma(shape)
            absb = np.maximum(np.abs(beta), 1e-100 * np.sqrt(sigma2))  # as above
            eta = rng.wald(np.sqrt(lam2 * sigma2) / absb, lam2)
            if lam is None:
                lam2 = rng.gamma(p + r) / (np.sum(1.0 / eta) / 2 + delta)
            mu = ybar - xbar @ beta + np.sqrt(sigma2 / n) * rng.standard_normal()
            return {"beta": beta, "sigma": np.sqrt(sigma2), "lam": np.sqrt(lam2),
                    "intercept": mu}

        return advance

    return _run_chains(step, draws=draws, burn=burn, seed=seed, chains=chains)


def _a_n(n: int, x: NDArray) -> NDArray:
    """n-th term of the J*(1, 0) density series (piecewise in x at _T, Devroye 2009)."""
    k = (n + 0.5) * np.pi
    with np.errstate(divide="ignore", over="ignore"):
        left = np.exp(-1.5 * (np.log(0.5 * np.pi) + np.log(x)) + np.log(k)
                      - 2.0 * (n + 0.5) ** 2 / x)
    return np.where(x > _T, k * np.exp(-0.5 * k * k * x), left)


def _trunc_ig(z: NDArray, rng: np.random.Generator) -> NDArray:
    """InverseGaussian(mean=1/z, shape=1) truncated to (0, _T), vectorised rejection."""
    out = np.empty_like(z)
    todo = np.arange(z.size)
    while todo.size:
        zz = z[todo]
        x = np.empty_like(zz)
        small = zz < 1.0 / _T  # mean > _T: 1/N^2 with |N| > 1/sqrt(_T), tilt exp(-z^2 x/2)
        m = int(small.sum())
        e1, e2 = rng.standard_exponential(m), rng.standard_exponential(m)
        tail_ok = e1 * e1 <= 2.0 * e2 / _T  # Devroye's exponential proposal for the tail
        x[small] = _T / (1.0 + _T * e1) ** 2
        ok = np.zeros(zz.size, dtype=bool)
        ok[small] = tail_ok & (rng.random(m) < np.exp(-0.5 * zz[small] ** 2 * x[small]))
        big = ~small  # mean <= _T: plain IG draws, keep those below _T
        x[big] = rng.wald(1.0 / zz[big], 1.0)
        ok[big] = x[big] < _T
        out[todo[ok]] = x[ok]
        todo = todo[~ok]
    return out


def sample_pg1(z: ArrayLike, rng: np.random.Generator) -> NDArray[np.float64]:
    r"""Exact Polya-Gamma PG(1, z) draws, elementwise over ``z``.

    Devroye's alternating-series rejection sampler as in Polson, Scott & Windle (2013, JASA
    108:1339-1349), and BayesLogit: :math:`PG(1, z) = J^*(1, |z|/2)/4`. Proposal: a mixture
    of Exp(rate :math:`K = \pi^2/8 + z^2/2`) shifted to :math:`(0.64, \infty)` and an
    InverseGaussian(1/z, 1) truncated to :math:`(0, 0.64)`, with exact mixture weights; the
    proposal is accepted by squeezing :math:`U a_0(x)` between partial sums of the
    alternating series :math:`\sum_n (-1)^n a_n(x)`. Mean :math:`\tanh(z/2)/(2z)`,
    variance :math:`(\sinh z - z) / (4 z^3 \cosh^2(z/2))` (1/4 and 1/24 at z = 0).

    Parameters
    ----------
    z : array_like
        Tilting parameters (any shape; the sign is irrelevant).
    rng : numpy.random.Generator

    Returns
    -------
    ndarray
        One draw per element of ``z``, same shape.
    """
    z = np.abs(np.asarray(z, dtype=float)) * 0.5
    shape, z = z.shape, z.ravel()
    k = np.pi**2 / 8 + 0.5 * z * z
    rt = np.sqrt(_T)
    log_p = np.log(0.5 * np.pi) - k * _T - np.log(k)  # mass of the right (exponential) piece
    log_q = np.log(2.0) + np.logaddexp(-z + special.log_ndtr((_T * z - 1) / rt),
                                       z + special.log_ndtr(-(_T * z + 1) / rt))
    prob_right = special.expit(log_p - log_q)
    out = np.empty_like(z)
    todo = np.arange(z.size)
    while todo.size:
        right = rng.random(todo.size) < prob_right[todo]
        x = np.empty(todo.size)
        x[right] = _T + rng.standard_exponential(int(right.sum())) / k[todo[right]]
        x[~right] = _trunc_ig(z[todo[~right]], rng)
        s = _a_n(0, x)
        u = rng.random(x.size) * s
        accept, open_ = np.zeros(x.size, dtype=bool), np.arange(x.size)
        n = 0
        while open_.size:
            n += 1
            s[open_] += (-1) ** n * _a_n(n, x[open_])
            if n % 2:
                hit = u[open_] <= s[open_]
                accept[open_[hit]] = True
            else:
                hit = u[open_] > s[open_]
            open_ = open_[~hit]
        out[todo[accept]] = 0.25 * x[accept]
        todo = todo[~accept]
    return out.reshape(shape)


def gibbs_logistic_gaussian(X: ArrayLike, y: ArrayLike, prior_sigma: ArrayLike, *,
                            fit_intercept: bool = True, intercept_sigma: float | None = None,
                            draws: int, burn: int, seed: Seed, chains: int = 1) -> Draws:
    r"""Polya-Gamma Gibbs sampler (Polson, Scott & Windle 2013) for Bayesian logistic regression.

    Model: :math:`y_i \sim \mathrm{Bernoulli}(\mathrm{logit}^{-1}(c + x_i^T w))`,
    :math:`w_j \sim N(0, s_j^2)` with ``s = prior_sigma`` (scalar or per feature), and
    :math:`c` flat (or :math:`N(0, \text{intercept\_sigma}^2)`). With
    :math:`\beta = (c, w)`, the design :math:`Z = [1, X]` and prior precision
    :math:`B^{-1} = \mathrm{diag}(0 \text{ or } 1/\text{intercept\_sigma}^2, 1/s^2)`:

    * :math:`\omega_i | \beta \sim PG(1, z_i^T\beta)` (:func:`sample_pg1`);
    * :math:`\beta | \omega \sim N(V Z^T\kappa, V)`, :math:`V = (Z^T\Omega Z + B^{-1})^{-1}`,
      :math:`\kappa = y - 1/2`.

    The flat-intercept posterior is proper only when the data are not separable.

    Parameters
    ----------
    X : (n, p) array
    y : (n,) array of 0/1
    prior_sigma : float or (p,) array
        Prior standard deviations of ``w``.
    fit_intercept : bool
        Include the intercept ``c``.
    intercept_sigma : float or None
        Prior sd of ``c``; ``None`` means flat.
    draws, burn : int
        Kept draws and discarded warm-up sweeps per chain.
    seed : int, SeedSequence or None
        Root seed; chain ``k`` uses ``Generator(PCG64(SeedSequence(seed).spawn(chains)[k]))``.
    chains : int
        Independent chains, concatenated chain-major along the draw axis.

    Returns
    -------
    dict
        ``"w"``: ``(chains * draws, p)``; ``"intercept"``: ``(chains * draws,)`` if fitted.
    """
    X, y = _design(X, y)
    n, p = X.shape
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y must be 0/1")
    prec = 1.0 / np.broadcast_to(np.asarray(prior_sigma, dtype=float), (p,)) ** 2
    if fit_intercept:
        X = np.column_stack([np.ones(n), X])
        prec = np.r_[0.0 if intercept_sigma is None else float(intercept_sigma) ** -2, prec]
    zk = X.T @ (y - 0.5)
    diag_prec = np.diag(prec)

    def step(rng: np.random.Generator) -> Callable[[], dict]:
        beta = np.zeros(X.shape[1])

        def advance() -> dict:
            nonlocal beta
            omega = sample_pg1(X @ beta, rng)
            beta = _mvn_from_precision(rng, X.T @ (omega[:, None] * X) + diag_prec, zk)
            return {"w": beta[1:], "intercept": beta[0]} if fit_intercept else {"w": beta}

        return advance

    return _run_chains(step, draws=draws, burn=burn, seed=seed, chains=chains)


def _chains(draws: ArrayLike) -> NDArray:
    x = np.asarray(draws, dtype=float)
    x = x[None, :] if x.ndim == 1 else x
    if x.ndim != 2 or x.shape[1] < 4:
        raise ValueError("draws must be (draws,) or (chains, draws) with >= 4 draws")
    return x


def effective_sample_size(draws: ArrayLike) -> float:
    """Effective sample size of a scalar quantity, Stan / Geyer style.

    ``draws`` is ``(draws,)`` or ``(chains, draws)``. Per-chain autocovariances by FFT are
    combined with the between-chain variance (Gelman et al., BDA3 sec. 11.5); the
    autocorrelation sum uses Geyer's initial monotone positive-pair sequence, so
    ``ESS = chains * draws / tau`` with ``tau = -1 + 2 sum_k (rho_2k + rho_2k+1)``.
    No rank normalisation (unlike ``arviz.ess``): this is the ESS relevant to the MCSE of a
    mean. Returns ``nan`` for a constant input.
    """
    x = _chains(draws)
    m, n = x.shape
    xc = x - x.mean(axis=1, keepdims=True)
    nfft = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(xc, nfft, axis=1)
    acov = np.fft.irfft(f * np.conj(f), nfft, axis=1)[:, :n] / n
    w = acov[:, 0].mean() * n / (n - 1)
    var_plus = w * (n - 1) / n + (x.mean(axis=1).var(ddof=1) if m > 1 else 0.0)
    if var_plus <= 0:
        return float("nan")
    rho = 1.0 - (w - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0
    pairs = rho[: 2 * (n // 2) : 2] + rho[1 : 2 * (n // 2) : 2]
    stop = np.flatnonzero(pairs <= 0)
    pairs = np.minimum.accumulate(pairs[: stop[0] if stop.size else pairs.size])
    tau = max(-1.0 + 2.0 * pairs.sum(), 1.0 / np.log10(m * n))
    return float(m * n / tau)


def mcse_mean(draws: ArrayLike) -> float:
    """Monte Carlo standard error of the mean: ``sd / sqrt(ESS)`` (:func:`effective_sample_size`)."""
    x = _chains(draws)
    return float(np.sqrt(x.var(ddof=1) / effective_sample_size(x)))


def mcse_quantile(draws: ArrayLike, q: float) -> float:
    """Monte Carlo standard error of the ``q`` sample quantile (Vehtari et al. 2021, sec. 4.3).

    With ``S`` the ESS of the indicator ``1{x <= xhat_q}``, the quantile's +-1 sd interval is
    read off the empirical distribution at the ``Phi(-1), Phi(1)`` points of a
    ``Beta(S q + 1, S (1 - q) + 1)``; the MCSE is half its width. Avoids a density estimate.
    """
    x = _chains(draws)
    ess = effective_sample_size((x <= np.quantile(x, q)).astype(float))
    lo, hi = stats.beta.ppf(stats.norm.cdf([-1.0, 1.0]), ess * q + 1, ess * (1 - q) + 1)
    srt = np.sort(x, axis=None)
    i = np.clip(np.ceil(np.array([lo, hi]) * srt.size).astype(int) - 1, 0, srt.size - 1)
    return float((srt[i[1]] - srt[i[0]]) / 2)
