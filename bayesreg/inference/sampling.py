r"""Full-posterior inference: the one module that calls PyMC's samplers.

:func:`sample_posterior` runs NUTS on a model from :func:`bayesreg.model.build_model` with one of
the backends of :mod:`bayesreg.inference.backends` (PyMC's own NUTS, nutpie with numba or JAX,
NumPyro; ``"auto"`` picks by the measured rule there) and returns ArviZ ``InferenceData`` with

* ``posterior``: ``coef`` (dim ``feature``), ``intercept``, ``sigma`` when the noise is sampled;
* ``log_likelihood``: per-observation log-likelihood (computed from the draws for the
  sufficient-statistics form, whose single ``Potential`` has none), so ``arviz.loo`` works;
* ``observed_data`` (``y``) and ``constant_data`` (``X``, ``sample_weight``), see
  :mod:`bayesreg.inference.predictive`, which also adds ``posterior_predictive`` on request;
* ``sample_stats`` with divergences, and the model specification in ``attrs`` (``likelihood``,
  ``noise_sigma``: the fixed value or ``"sampled"``, ``prior``, ``sampler``, ...);
* neither ``log_likelihood`` nor the data groups when the model was built from the statistics alone
  (no rows: ``BayesianRegression.fit_stats``).

Diagnostics (:mod:`bayesreg.inference.diagnostics`) and NetCDF input/output
(:mod:`bayesreg.inference.idata_io`) are the other two modules that touch ArviZ.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np

from bayesreg.inference.backends import NUTPIE_MIN_FEATURES, SAMPLERS, Backend, choose_sampler, require_backend
from bayesreg.inference.predictive import add_data_groups, linear_predictor_draws
from bayesreg.model.data import RegressionData
from bayesreg.model.global_local import is_global_local
from bayesreg.model.likelihoods import Likelihood
from bayesreg.model.unpenalized import shrunk_prior

__all__ = ["SAMPLERS", "NUTPIE_MIN_FEATURES", "choose_sampler", "sample_posterior", "add_log_likelihood"]


def sample_posterior(
    built: Any,
    *,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    cores: int | None = None,
    random_seed: int | None = None,
    target_accept: float | None = None,
    progressbar: bool = True,
    sampler: str = "pymc",
    attrs: dict[str, Any] | None = None,
) -> Any:
    """Run NUTS and return ``arviz.InferenceData`` (see the module docstring).

    ``sampler`` is ``"auto"`` or a backend of :data:`bayesreg.inference.backends.BACKENDS`
    (``"pymc"``, ``"nutpie"``, ``"nutpie-jax"``, ``"numpyro"``, ``"jax"``, ``"jax-float64"``); a backend
    that is not installed is an ``ImportError`` naming the extra to install. ``idata.attrs["sampler"]``
    records the backend that ran. ``target_accept=None`` takes :func:`default_target_accept`; the
    value used is ``idata.attrs["target_accept"]``. nutpie adapts a low-rank mass matrix for
    global-local priors (:func:`nutpie_kwargs`; ``idata.attrs["mass_matrix"]``).
    """
    if not isinstance(sampler, str) or sampler not in SAMPLERS:
        raise ValueError(f"The 'sampler' parameter must be one of {', '.join(map(repr, SAMPLERS))}; "
                         f"got {sampler!r}.")
    marginal = getattr(built, "marginal", None) is not None
    if sampler == "auto":
        from bayesreg.inference.jax_nuts import unsupported_reason

        sampler = choose_sampler(built.form, built.data.n_features, built.data.n_samples,
                                 own_jax=unsupported_reason(built) is None,
                                 marginal=built.marginal.form if marginal else None,
                                 random_scales=has_random_scales(built))
    backend = require_backend(sampler)
    extra_kwargs = nutpie_kwargs(backend, is_global_local(built.prior))
    if target_accept is None:
        target_accept = default_target_accept(built)
    if marginal and backend.name == "nutpie":  # the op's numba implementation, not object mode
        from bayesreg.model.marginal_numba import register_numba

        register_numba()
    if marginal and backend.extra == "jax":
        raise ValueError(f"The 'sampler' parameter is {sampler!r}, but this model integrates the coefficients out "
                         "(parameterization='marginal', a global-local prior): its log-density is an op "
                         "that JAX cannot trace. Use sampler='auto', 'pymc' or 'nutpie', or "
                         "parameterization='noncentered'.")
    for name, value in (("draws", draws), ("tune", tune), ("chains", chains)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < (name != "tune"):
            raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    if not backend.nuts_sampler:  # bayesreg's own JAX log-density ("jax", "jax-float64")
        from bayesreg.inference.jax_nuts import sample_jax_nuts

        idata = sample_jax_nuts(built, draws=int(draws), tune=int(tune), chains=int(chains),
                                random_seed=random_seed, target_accept=target_accept, progressbar=progressbar,
                                **backend.sampler_kwargs)
    else:
        idata = _pymc_sample(built, backend, draws=int(draws), tune=int(tune), chains=int(chains), cores=cores,
                             random_seed=random_seed, target_accept=target_accept, progressbar=progressbar,
                             extra_kwargs=extra_kwargs)
    if getattr(built, "marginal", None) is not None:  # coefficients integrated out: draw them exactly
        from bayesreg.inference.marginal_draws import add_marginal_draws

        add_marginal_draws(idata, built, random_seed)
    if getattr(built.data, "has_rows", True):  # statistics alone (fit_stats) have no rows
        add_log_likelihood(idata, built.data, built.likelihood)
        add_data_groups(idata, built.data)
    idata.attrs.update(attrs or {})
    idata.attrs.update({"sampler": sampler, "bayesreg_form": built.form, "target_accept": float(target_accept)})
    if backend.nuts_sampler == "nutpie":
        idata.attrs["mass_matrix"] = "low_rank" if extra_kwargs else "diagonal"
    lik = built.likelihood  # what add_posterior_predictive reads (the estimators write the same)
    idata.attrs.setdefault("likelihood", lik.name)
    if getattr(lik, "name", None) == "gaussian":
        idata.attrs.setdefault("noise_sigma", "sampled" if lik.noise_sigma is None else repr(float(lik.noise_sigma)))
    return idata


def _chain_blas(n_cores: int) -> Any:
    """BLAS pools at one thread while chains run in parallel (the chains already use the cores).

    Two chains, each calling a 2-thread OpenBLAS on a 2-core machine, oversubscribe it: measured
    here, NUTS on a small model that factorises a matrix per gradient (a global-local prior with
    the coefficients integrated out, diabetes) took 278 s instead of 12 s.
    """
    import contextlib

    if n_cores < 2:
        return contextlib.nullcontext()
    from bayesreg.inference.blas import refresh_thread_pools, serial_blas

    refresh_thread_pools()  # see the BLAS libraries loaded since the last look (PyTensor's compiled code)
    return serial_blas(0)


def default_target_accept(built: Any) -> float:
    r"""NUTS's target acceptance rate when the user gives none: 0.9, or 0.99 for the regularized
    horseshoe with its coefficients integrated out in the rows form (more shrunk coefficients than
    residual rows, :math:`p > n`).

    ``benchmarks/bench_shrinkage.py`` at n = 100, p = 1000 (2 x (500 + 500), PyMC, one seed each):
    the regularized horseshoe diverged on 6.5% of its transitions at 0.9 (min bulk ESS 112, 1.18
    per second) and on none at 0.99 (219, 1.25 per second), so there the smaller step costs nothing;
    the horseshoe, horseshoe+ and R2D2 had no divergences at 0.9, and the horseshoe at 0.99 took
    3.6 times as long for fewer effective draws (``docs/benchmarks.md`` section 7). rstanarm also
    raises ``adapt_delta`` to 0.99 for ``hs()``, its regularized horseshoe. In the k x k form
    (:math:`p \le n`) 0.9 gave no divergences for any prior.
    """
    from bayesreg.model.horseshoe import RegularizedHorseshoe

    marginal = getattr(built, "marginal", None)
    slab = isinstance(shrunk_prior(built.prior), RegularizedHorseshoe)
    return 0.99 if slab and marginal is not None and marginal.form == "rows" else 0.9


def has_random_scales(built: Any) -> bool:
    """Whether the prior samples its own scales (Bayesian lasso, horseshoe family, R2D2)."""
    from bayesreg.model.hierarchical import HierarchicalPrior

    return isinstance(shrunk_prior(built.prior), HierarchicalPrior)


def nutpie_kwargs(backend: Backend, global_local: bool) -> dict[str, Any]:
    r"""nutpie's low-rank mass matrix for global–local priors; ``{}`` otherwise.

    Under a global–local prior the data pin the products :math:`\tau\lambda_j` of the strong
    coefficients, so the posterior of :math:`(\log\tau, \log\lambda)` has a ridge along
    :math:`\log\tau + \log\lambda_j = \text{const}` that a diagonal mass matrix cannot follow.
    nutpie's ``low_rank_modified_mass_matrix`` adds the few directions of largest and smallest
    posterior variance (estimated from draws and gradients) to its diagonal adaptation. Measured on
    the horseshoe at 10 000 x 100 (``docs/benchmarks.md`` section 7), same compiled model, two seeds:
    bulk ESS of :math:`\log\tau` 824-1030 of 2000 draws with the diagonal matrix, 1642-2392 with the
    low-rank one, at the same cost per draw (14 leapfrog steps). Not for the Bayesian lasso: on the
    10^6 x 1000 moonshot (``benchmarks/bench_scale.py``, same machine, one run each) NUTS took 23.6 s
    with it for min bulk ESS 1853 and R-hat 1.011, against 17.1 s, 1954 and 1.010 with the diagonal
    matrix (its per-step cost grows with the 1000 scales).
    """
    if backend.nuts_sampler != "nutpie" or not global_local:
        return {}
    return {"low_rank_modified_mass_matrix": True}


def _pymc_sample(built: Any, backend: Backend, *, draws: int, tune: int, chains: int, cores: int | None,
                 random_seed: int | None, target_accept: float, progressbar: bool,
                 extra_kwargs: dict[str, Any] | None = None) -> Any:
    """``pymc.sample`` with the backend's ``nuts_sampler`` (PyMC, nutpie, NumPyro)."""
    import pymc as pm

    n_cores = cores if cores is not None else _default_cores(backend.name, chains)
    with built.model, _chain_blas(n_cores):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*ArviZ is undergoing a major refactor.*")
            # NumPyro on one CPU device runs the chains one after the other (and says so)
            warnings.filterwarnings("ignore", message=".*There are not enough devices to run parallel chains.*")
            idata = pm.sample(
                draws=draws,
                tune=tune,
                chains=chains,
                cores=n_cores,
                random_seed=random_seed,
                target_accept=target_accept,
                progressbar=progressbar,
                nuts_sampler=backend.nuts_sampler,
                nuts_sampler_kwargs={**backend.sampler_kwargs, **(extra_kwargs or {})},
                compute_convergence_checks=False,
                return_inferencedata=True,
                # nutpie never computes a log-likelihood group (and warns that idata_kwargs are ignored)
                idata_kwargs=None if backend.nuts_sampler == "nutpie" else {"log_likelihood": False},
            )
    if backend.nuts_sampler == "nutpie":  # nutpie also stores the unconstrained values (tau_log__, ...)
        unconstrained = {v.name for v in built.model.value_vars} - {v.name for v in built.model.free_RVs}
        idata.posterior = idata.posterior.drop_vars(sorted(unconstrained & set(idata.posterior.data_vars)))
    return idata


def _default_cores(backend: str, chains: int) -> int:
    """Processes for PyMC's own sampler: one per chain (at most 2), but none forked once JAX is loaded.

    PyMC forks a process per chain on Linux; a fork of a process in which JAX's thread pools run
    can deadlock (pymc-devs/pymc#7668), and "forkserver"/"spawn" would re-run an unguarded user
    script. So after a JAX backend has run in this process, PyMC's chains run one after the other
    in it (the other backends use threads, not processes).
    """
    if backend == "pymc" and "jax" in sys.modules:
        return 1
    return min(chains, 2)


def add_log_likelihood(idata: Any, data: RegressionData, likelihood: Likelihood) -> None:
    """Add the per-observation log-likelihood group (dims chain, draw, obs)."""
    import xarray as xr

    post = idata.posterior
    eta = linear_predictor_draws(post, data.X)  # (chain, draw, n), multinomial (chain, draw, n, K)
    if data.offset is not None:
        eta = eta + data.offset
    params = {name: post[name].values for name in ("sigma", "alpha", "nu") if name in post}
    ll = likelihood.pointwise_loglik(data, eta, **params)
    da = xr.DataArray(ll, dims=("chain", "draw", "obs"),
                      coords={"chain": post.chain, "draw": post.draw, "obs": np.arange(data.n_samples)})
    ds = xr.Dataset({"y": da})
    if "log_likelihood" in idata.groups():
        idata.log_likelihood = ds
    else:
        idata.add_groups({"log_likelihood": ds})
