r"""``empirical_bayes``: let the data choose the prior scale (type-II maximum likelihood).

Two models, one result type (:class:`EmpiricalBayesResult`):

* ``prior="gaussian"``: :math:`w \sim N(0, \lambda^{-1} I)`, noise precision :math:`\alpha`; the exact
  evidence :math:`\log Z(\alpha, \lambda)` from one eigen/SVD decomposition, maximised exactly
  (:mod:`bayesreg.inference.evidence`). ``hyperprior="sklearn"`` maximises instead the log posterior of
  :math:`(\log\alpha, \log\lambda)` under BayesianRidge's Gamma(1e-6, 1e-6) priors, which is
  scikit-learn's ``BayesianRidge`` fixed point. ``ard=True`` gives every feature its own precision
  :math:`\lambda_j` (:mod:`bayesreg.inference.ard`; ``ARDRegression``'s model).
* ``prior="bayesian_lasso"``: Park & Casella's :math:`\beta_j \mid \sigma \sim \text{Laplace}(0,
  \sigma/\lambda)`; :math:`\lambda` by Monte Carlo EM (:mod:`bayesreg.inference.mcem`) with its Monte
  Carlo standard error.

The chosen prior is a prior like any other: :meth:`EmpiricalBayesResult.to_penalty` maps it to any
convention (``"sklearn.Ridge"`` gives ``alpha`` = :math:`\lambda/\alpha`, the precision ratio).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bayesreg._validation import (
    check_bool,
    check_count,
    check_matrix,
    check_random_seed,
    check_sample_weight,
    check_target,
    describe,
)
from bayesreg.inference.ard import ArdProblem, fit_ard, fit_ard_problem
from bayesreg.inference.evidence import (
    _NO_HYPERPRIOR,
    SKLEARN_HYPERPRIOR,
    EvidenceCertificate,
    Spectrum,
    _profile,
    fit_gaussian_evidence,
    gaussian_spectrum,
    log_evidence,
    spectrum_from_moments,
)
from bayesreg.inference.mcem import McemCertificate, mcem_bayesian_lasso, mcem_from_moments
from bayesreg.model import BayesianLasso, Gaussian, Laplace, Prior
from bayesreg.model.stats_data import gram_stats
from bayesreg.model.suffstats import SufficientStats

__all__ = ["EmpiricalBayesResult", "empirical_bayes", "EB_PRIORS", "EB_HYPERPRIORS"]

#: the priors whose scale empirical_bayes can choose
EB_PRIORS = ("gaussian", "bayesian_lasso")
#: the hyperpriors of the Gaussian prior's precisions
EB_HYPERPRIORS = (None, "sklearn")

_OWNER = "empirical_bayes"


@dataclass(frozen=True)
class EmpiricalBayesResult:
    r"""The prior chosen by the data, with its certificate.

    Attributes
    ----------
    prior : Gaussian or BayesianLasso
        The fitted prior: ``Gaussian(sigma=1/sqrt(lambda_))`` (per-feature sigmas with ``ard=True``),
        or ``BayesianLasso(lam=lam)`` (Park & Casella's hierarchical prior, for NUTS).
    noise_sigma : float
        Noise sd: :math:`1/\sqrt{\alpha}` at the optimum (Gaussian), the posterior mean of
        :math:`\sigma` at :math:`\hat\lambda` (Bayesian lasso).
    log_evidence : float or None
        :math:`\log Z` at the optimum (Gaussian; the exact marginal likelihood with a flat intercept,
        ``inference/evidence.py``); ``None`` for the Bayesian lasso.
    n_iter : int
        Profile evaluations (Gaussian), MacKay + L-BFGS + Newton steps (ARD), or EM iterations (Bayesian lasso).
    certificate : EvidenceCertificate or McemCertificate
        Gradient of the maximised objective in the log hyperparameters, or the EM fixed-point residual
        with its Monte Carlo error. ``certificate.passed``.
    lam, lam_mcse : float or None
        Park & Casella's :math:`\hat\lambda` and its Monte Carlo standard error (Bayesian lasso only).
    coef_, intercept_ : ndarray (p,), float
        Posterior mean of the weights (= the MAP for the Gaussian prior) and of the intercept.
    alpha_, lambda_ : float or None, float or ndarray or None
        Noise precision and weight precision(s), scikit-learn's names (Gaussian prior only).
    trace : ndarray (chains, n_iter + 1) or None
        The EM iterates of :math:`\lambda` (Bayesian lasso).
    n : float
        :math:`\sum_i s_i` (the number of rows without weights), used by conventions that average.
    """

    prior: Any
    noise_sigma: float
    log_evidence: float | None
    n_iter: int
    certificate: EvidenceCertificate | McemCertificate
    coef_: NDArray[np.float64]
    intercept_: float
    n: float
    lam: float | None = None
    lam_mcse: float | None = None
    alpha_: float | None = None
    lambda_: float | NDArray[np.float64] | None = None
    trace: NDArray[np.float64] | None = None
    hyperprior: str | None = None
    details: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def penalty_prior(self) -> Prior:
        r"""The fixed prior of the penalty: the Gaussian itself, or for the Bayesian lasso the
        conditional prior :math:`\text{Laplace}(b = \hat\sigma/\hat\lambda)` at ``noise_sigma``."""
        if isinstance(self.prior, BayesianLasso):
            assert self.lam is not None
            return Laplace(b=self.noise_sigma / self.lam)
        return self.prior

    def log_evidence_profile(self, ridge_alpha: ArrayLike) -> NDArray[np.float64]:
        r"""The maximised objective along the ratio :math:`r = \lambda/\alpha` (``sklearn.Ridge``'s ``alpha``).

        For each :math:`r`: :math:`\max_\alpha F(\alpha, r\alpha)`, in closed form
        (``inference/evidence.py``); with ``hyperprior=None`` this is the log evidence profiled over the
        noise precision, whose maximum is ``log_evidence`` at ``r = lambda_/alpha_``. Gaussian prior with
        one precision only.
        """
        spec, hyper = self.details.get("spectrum"), self.details.get("hyper")
        if spec is None or hyper is None:
            raise ValueError("log_evidence_profile is defined for prior='gaussian' with one precision "
                             "(not ard=True, not the Bayesian lasso).")
        r = np.asarray(ridge_alpha, dtype=float)
        if r.ndim > 1 or not np.all(np.isfinite(r)) or np.any(r <= 0):
            raise ValueError(f"The 'ridge_alpha' parameter of log_evidence_profile must be a positive, finite "
                             f"number or 1-D array; got {describe(ridge_alpha)}.")
        out = np.array([_profile(spec, float(np.log(v)), hyper) for v in np.atleast_1d(r)])
        return out if r.ndim else out[:1]

    def to_penalty(self, convention: str, **options: Any) -> dict[str, Any]:
        r"""The chosen prior in ``convention``'s parameters (:func:`bayesreg.prior_to_penalty`).

        ``noise_sigma`` and ``n`` default to this result's (a squared-error convention needs the noise
        scale; averaging conventions need :math:`n`). E.g. ``to_penalty("sklearn.Ridge")`` gives
        ``{"alpha": lambda_ / alpha_}``: Ridge with that alpha returns ``coef_``.
        """
        from bayesreg.conventions import prior_to_penalty

        options.setdefault("noise_sigma", self.noise_sigma)
        if options.get("X") is None:
            options.setdefault("n", self.n)
        return prior_to_penalty(self.penalty_prior, convention, **options)


def _check_prior(prior: object) -> str:
    if isinstance(prior, str) and prior in EB_PRIORS:
        return prior
    why = ""
    name = prior if isinstance(prior, str) else type(prior).__name__
    if isinstance(prior, (str, Prior)) or hasattr(prior, "kind"):
        kind = prior if isinstance(prior, str) else getattr(prior, "kind", "")
        if kind in ("laplace", "Laplace"):
            why = (" Empirical Bayes for a fixed-noise Laplace prior has no closed-form evidence; use "
                   "'bayesian_lasso' (Park & Casella's Laplace prior scaled by the noise, lambda by Monte Carlo EM).")
        elif kind in ("elastic_net", "unpenalized", "hierarchical"):
            why = (f" Empirical Bayes is not defined for {name}: "
                   + ("its scale already has a hyperprior (sample it with NUTS)." if kind == "hierarchical"
                      else "it has no single scale whose evidence is available."))
    raise ValueError(f"The 'prior' parameter of {_OWNER} must be one of {', '.join(map(repr, EB_PRIORS))}; "
                     f"got {describe(prior)}.{why}")


def _data(X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None) -> tuple[NDArray, NDArray, NDArray | None]:
    Xa = check_matrix(X)
    ya = check_target(y, Xa.shape[0], binary=False)
    sw = check_sample_weight(sample_weight, Xa.shape[0])
    if Xa.shape[0] < 2 or (sw is not None and np.count_nonzero(sw) < 2):
        raise ValueError(f"{_OWNER} needs at least 2 rows (with positive weight) to estimate a noise and a prior "
                         f"scale; got X with {Xa.shape[0]} row(s)"
                         + (f" and {np.count_nonzero(sw)} positive weight(s)." if sw is not None else "."))
    return Xa, ya, sw


def empirical_bayes(X: ArrayLike | SufficientStats, y: ArrayLike | None = None, prior: str = "gaussian", *,
                    hyperprior: str | None = None,
                    fit_intercept: bool = True, sample_weight: ArrayLike | None = None, ard: bool = False,
                    random_seed: object = None, n_iter: int = 60, draws: int = 200, burn: int = 200,
                    chains: int = 4) -> EmpiricalBayesResult:
    r"""Choose the prior scale by type-II maximum likelihood (module docstring).

    Parameters
    ----------
    X : array-like (n, p) or SufficientStats
        Gaussian-likelihood data (finite; at least 2 rows), or their sufficient statistics
        (:class:`bayesreg.SufficientStats`, e.g. from Parquet shards; then ``y`` and ``sample_weight``
        are not given: the weights are in the statistics). Every quantity of both models is a function
        of :math:`\tilde X^\top\tilde X`, :math:`\tilde X^\top\tilde y`, :math:`\tilde y^\top\tilde y`,
        :math:`\sum_i s_i` and the means (the evidence's least-squares residual is
        :math:`\tilde y^\top\tilde y - \sum_k z_k^2/s_k`, :func:`~bayesreg.inference.evidence.spectrum_from_moments`),
        so the result equals the fit on the rows to rounding.
    y : array-like (n,)
        The target (with an array ``X``).
    prior : {"gaussian", "bayesian_lasso"}
        Whose scale to choose.
    hyperprior : {None, "sklearn"}
        Gaussian prior only: ``None`` maximises the evidence; ``"sklearn"`` puts BayesianRidge's
        Gamma(1e-6, 1e-6) priors on both precisions and reproduces it.
    fit_intercept : bool
        Flat-prior intercept (integrated out of the evidence).
    ard : bool
        Gaussian prior only: one precision :math:`\\lambda_j` per feature (automatic relevance
        determination, :mod:`bayesreg.inference.ard`; ``hyperprior="sklearn"`` reproduces ARDRegression
        where its pruning at ``threshold_lambda`` does not act).
    sample_weight : array-like (n,) or None
        Frequency weights (bayesreg's weighted likelihood :math:`\prod_i p(y_i)^{s_i}`).
    random_seed : int, Generator or None
        Bayesian lasso: the seed of the Gibbs chains.
    n_iter, draws, burn, chains : int
        Bayesian lasso: EM iterations (the first half discarded), Gibbs draws per E-step, warm-up
        sweeps, independent EM chains (at least 2, for the MCSE).

    Returns
    -------
    EmpiricalBayesResult
    """
    kind = _check_prior(prior)
    fit_intercept = check_bool("fit_intercept", _OWNER, fit_intercept)
    ard = check_bool("ard", _OWNER, ard)
    if not (hyperprior is None or (isinstance(hyperprior, str) and hyperprior in EB_HYPERPRIORS)):
        raise ValueError(f"The 'hyperprior' parameter of {_OWNER} must be None (type-II maximum likelihood) or "
                         f"'sklearn' (BayesianRidge's Gamma(1e-6, 1e-6) priors); got {describe(hyperprior)}.")
    if isinstance(X, SufficientStats):
        return _from_stats(X, y, sample_weight, kind, hyperprior=hyperprior, fit_intercept=fit_intercept, ard=ard,
                           random_seed=random_seed, n_iter=n_iter, draws=draws, burn=burn, chains=chains)
    if y is None:
        raise ValueError(f"The 'y' parameter of {_OWNER} is required with an array X (it may be omitted only "
                         "when X is a bayesreg.SufficientStats); got None.")
    Xa, ya, sw = _data(X, y, sample_weight)
    n_total = float(Xa.shape[0] if sw is None else np.sum(sw))
    if kind == "bayesian_lasso":
        options = _mcem_options(hyperprior, ard, random_seed, n_iter, draws, burn, chains)
        fit = mcem_bayesian_lasso(Xa, ya, sw, fit_intercept=fit_intercept, **options)
        return _lasso_result(fit, n_total)
    hyper = SKLEARN_HYPERPRIOR if hyperprior == "sklearn" else _NO_HYPERPRIOR
    if ard:
        a = fit_ard(Xa, ya, sw, fit_intercept=fit_intercept, hyper=hyper, sklearn_count=hyperprior == "sklearn")
        return _ard_result(a, n_total, hyperprior)
    spec = gaussian_spectrum(Xa, ya, sw, fit_intercept=fit_intercept, sklearn_count=hyperprior == "sklearn")
    return _gaussian_result(spec, n_total, fit_intercept, hyperprior)


def _mcem_options(hyperprior: str | None, ard: bool, random_seed: object, n_iter: int, draws: int, burn: int,
                  chains: int) -> dict[str, Any]:
    if hyperprior is not None or ard:
        raise ValueError(f"The 'hyperprior' and 'ard' parameters of {_OWNER} apply to prior='gaussian' only; "
                         f"got hyperprior={hyperprior!r}, ard={ard!r} with prior='bayesian_lasso'.")
    check_random_seed("random_seed", _OWNER, random_seed)
    return {"n_iter": check_count("n_iter", _OWNER, n_iter, minimum=2),
            "draws": check_count("draws", _OWNER, draws, minimum=4),
            "burn": check_count("burn", _OWNER, burn, minimum=0),
            "chains": check_count("chains", _OWNER, chains, minimum=2), "random_seed": random_seed}


def _from_stats(stats: SufficientStats, y: object, sample_weight: object, kind: str, *, hyperprior: str | None,
                fit_intercept: bool, ard: bool, random_seed: object, n_iter: int, draws: int, burn: int,
                chains: int) -> EmpiricalBayesResult:
    """:func:`empirical_bayes` from sufficient statistics (same models, the moments instead of the rows)."""
    if y is not None or sample_weight is not None:
        raise ValueError(f"The 'y' and 'sample_weight' parameters of {_OWNER} must be None when X is a "
                         f"bayesreg.SufficientStats (the statistics hold them); got y={describe(y)}, "
                         f"sample_weight={describe(sample_weight)}.")
    if stats.n < 2 or stats.weight_sum <= 0:
        raise ValueError(f"{_OWNER} needs at least 2 rows (with positive weight) to estimate a noise and a prior "
                         f"scale; got statistics of {stats.n} row(s) of total weight {stats.weight_sum:g}.")
    g = gram_stats(stats, fit_intercept)
    total = float(stats.weight_sum)
    moments = {"fit_intercept": fit_intercept, "x_offset": g.xbar, "y_offset": g.ybar}
    if kind == "bayesian_lasso":
        options = _mcem_options(hyperprior, ard, random_seed, n_iter, draws, burn, chains)
        return _lasso_result(mcem_from_moments(g.gram, g.xty, g.yty, total, **moments, **options), total)
    hyper = SKLEARN_HYPERPRIOR if hyperprior == "sklearn" else _NO_HYPERPRIOR
    sklearn_count = hyperprior == "sklearn"
    if ard:
        prob = ArdProblem.from_moments(g.gram, g.xty, g.yty, total, **moments, hyper=hyper,
                                       sklearn_count=sklearn_count)
        a = fit_ard_problem(prob, total, fit_intercept)
        if not a["certificate"].passed:  # e.g. precisions diverging more slowly than on the rows: say so
            big = np.argsort(a["lam"])[::-1][:3].tolist()
            raise ValueError(f"The ARD evidence from the statistics did not reach a certified maximum "
                             f"({a['certificate']}); the largest prior precisions (features {big}) may diverge "
                             "(the evidence prefers those weights at 0). Drop those features, or use "
                             "hyperprior='sklearn', whose Gamma priors keep every precision finite.")
        return _ard_result(a, total, hyperprior)
    spec = spectrum_from_moments(g.gram, g.xty, g.yty, total, n_rows=stats.n, **moments,
                                 sklearn_count=sklearn_count)
    return _gaussian_result(spec, total, fit_intercept, hyperprior)


def _lasso_result(fit: Any, n_total: float) -> EmpiricalBayesResult:
    return EmpiricalBayesResult(prior=BayesianLasso(lam=fit.lam), noise_sigma=fit.noise_sigma,
                                log_evidence=None, n_iter=fit.n_iter, certificate=fit.certificate,
                                coef_=fit.coef, intercept_=fit.intercept, n=n_total, lam=fit.lam,
                                lam_mcse=fit.lam_mcse, trace=fit.trace)


def _ard_result(a: dict[str, Any], n_total: float, hyperprior: str | None) -> EmpiricalBayesResult:
    lam = np.asarray(a["lam"])
    return EmpiricalBayesResult(prior=Gaussian(sigma=tuple(1.0 / np.sqrt(lam))),
                                noise_sigma=1.0 / np.sqrt(a["alpha"]), log_evidence=a["log_evidence"],
                                n_iter=a["n_iter"], certificate=a["certificate"], coef_=a["coef"],
                                intercept_=a["intercept"], n=n_total, alpha_=a["alpha"], lambda_=lam,
                                hyperprior=hyperprior, details={"objective": a["objective"]})


def _gaussian_result(spec: Spectrum, n_total: float, fit_intercept: bool,
                     hyperprior: str | None) -> EmpiricalBayesResult:
    hyper = SKLEARN_HYPERPRIOR if hyperprior == "sklearn" else _NO_HYPERPRIOR
    g = fit_gaussian_evidence(spec, hyper)
    # the exact marginal likelihood (BayesianRidge's count n_e = sum s_i is part of its objective only)
    exact = replace(spec, n_e=n_total - (1.0 if fit_intercept else 0.0))
    return EmpiricalBayesResult(prior=Gaussian(sigma=1.0 / np.sqrt(g.lam)), noise_sigma=1.0 / np.sqrt(g.alpha),
                                log_evidence=float(log_evidence(exact, g.alpha, g.lam)), n_iter=g.n_iter,
                                certificate=g.certificate,
                                coef_=g.coef, intercept_=g.intercept, n=n_total, alpha_=g.alpha, lambda_=g.lam,
                                hyperprior=hyperprior,
                                details={"objective": g.objective, "spectrum": spec, "hyper": hyper})
