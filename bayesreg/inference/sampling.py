r"""Full-posterior inference: the one module that calls PyMC's samplers.

:func:`sample_posterior` runs NUTS on a model from :func:`bayesreg.model.build_model` (PyMC's own
NUTS, or nutpie when installed and requested) and returns ArviZ ``InferenceData`` with

* ``posterior``: ``coef`` (dim ``feature``), ``intercept``, ``sigma`` when the noise is sampled;
* ``log_likelihood``: per-observation log-likelihood (computed from the draws for the
  sufficient-statistics form, whose single ``Potential`` has none), so ``arviz.loo`` works;
* ``observed_data`` (``y``) and ``constant_data`` (``X``, ``sample_weight``), see
  :mod:`bayesreg.inference.predictive`, which also adds ``posterior_predictive`` on request;
* ``sample_stats`` with divergences, and the model specification in ``attrs`` (``likelihood``,
  ``noise_sigma``: the fixed value or ``"sampled"``, ``prior``, ``sampler``, ...).

Diagnostics (:mod:`bayesreg.inference.diagnostics`) and NetCDF input/output
(:mod:`bayesreg.inference.idata_io`) are the other two modules that touch ArviZ.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from bayesreg.inference.predictive import add_data_groups
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import Likelihood

__all__ = ["SAMPLERS", "NUTPIE_MIN_FEATURES", "choose_sampler", "sample_posterior", "add_log_likelihood"]

SAMPLERS = ("auto", "pymc", "nutpie")


def sample_posterior(
    built: Any,
    *,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    cores: int | None = None,
    random_seed: int | None = None,
    target_accept: float = 0.9,
    progressbar: bool = True,
    sampler: str = "pymc",
    attrs: dict[str, Any] | None = None,
) -> Any:
    """Run NUTS and return ``arviz.InferenceData`` (see the module docstring)."""
    import pymc as pm

    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {', '.join(map(repr, SAMPLERS))}; got {sampler!r}.")
    if sampler == "auto":
        sampler = choose_sampler(built.form, built.data.n_features)
    if sampler == "nutpie":
        try:
            import nutpie  # noqa: F401
        except ImportError:
            raise ImportError("sampler='nutpie' needs the optional extra: pip install 'bayesreg[nutpie]'") from None
    for name, value in (("draws", draws), ("tune", tune), ("chains", chains)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < (name != "tune"):
            raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    with built.model:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*ArviZ is undergoing a major refactor.*")
            idata = pm.sample(
                draws=int(draws),
                tune=int(tune),
                chains=int(chains),
                cores=cores if cores is not None else min(int(chains), 2),
                random_seed=random_seed,
                target_accept=target_accept,
                progressbar=progressbar,
                nuts_sampler=sampler,
                compute_convergence_checks=False,
                return_inferencedata=True,
                idata_kwargs={"log_likelihood": False},
            )
    add_log_likelihood(idata, built.data, built.likelihood)
    add_data_groups(idata, built.data)
    idata.attrs.update(attrs or {})
    idata.attrs.update({"sampler": sampler, "bayesreg_form": built.form})
    lik = built.likelihood  # what add_posterior_predictive reads (the estimators write the same)
    idata.attrs.setdefault("likelihood", lik.name)
    if getattr(lik, "name", None) == "gaussian":
        idata.attrs.setdefault("noise_sigma", "sampled" if lik.noise_sigma is None else repr(float(lik.noise_sigma)))
    return idata


NUTPIE_MIN_FEATURES = 50


def choose_sampler(form: str, n_features: int) -> str:
    """nutpie for larger sufficient-statistics models when installed, else PyMC's NUTS.

    Measured here (docs/benchmarks.md): nutpie samples the O(p^2)-per-gradient sufficient-statistics
    model several times faster than PyMC's NUTS, but a model written over all n rows far slower (its
    numba backend computes X'r slowly), and its numba compile costs ~5-15 s once: at p = 10
    (diabetes, 2 x 1000 draws) PyMC takes 5 s in all and nutpie 19 s. So nutpie is chosen for the
    sufficient-statistics form from ``NUTPIE_MIN_FEATURES`` features on.
    """
    if form != "suffstats" or n_features < NUTPIE_MIN_FEATURES:
        return "pymc"
    try:
        import nutpie  # noqa: F401
    except ImportError:
        return "pymc"
    return "nutpie"


def add_log_likelihood(idata: Any, data: RegressionData, likelihood: Likelihood) -> None:
    """Add the per-observation log-likelihood group (dims chain, draw, obs)."""
    import xarray as xr

    post = idata.posterior
    coef = post["coef"].values  # (chain, draw, p)
    eta = coef @ data.X.T
    if "intercept" in post:
        eta = eta + post["intercept"].values[..., None]
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
