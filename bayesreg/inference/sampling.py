r"""Full-posterior inference: the one module that talks to PyMC's samplers and to ArviZ.

:func:`sample_posterior` runs NUTS on a model from :func:`bayesreg.model.build_model` (PyMC's own
NUTS, or nutpie when installed and requested) and returns ArviZ ``InferenceData`` with

* ``posterior``: ``coef`` (dim ``feature``), ``intercept``, ``sigma`` when the noise is sampled;
* ``log_likelihood``: per-observation log-likelihood (computed from the draws for the
  sufficient-statistics form, whose single ``Potential`` has none), so ``arviz.loo`` works;
* ``sample_stats`` with divergences, and the model specification in ``attrs``.

Diagnostics are never hidden: :func:`check_diagnostics` warns, naming the problem and the fix, when
R-hat > 1.01, bulk or tail ESS < 400, or any transition diverged.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from bayesreg.data import RegressionData
from bayesreg.likelihoods import Likelihood

__all__ = [
    "SAMPLERS",
    "choose_sampler",
    "sample_posterior",
    "add_log_likelihood",
    "check_diagnostics",
    "save_idata",
    "load_idata",
    "ConvergenceWarning",
    "RHAT_MAX",
    "ESS_MIN",
]

SAMPLERS = ("auto", "pymc", "nutpie")
RHAT_MAX = 1.01
ESS_MIN = 400


class ConvergenceWarning(UserWarning):
    """The sampler's diagnostics indicate the draws may not represent the posterior."""


def _arviz():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*ArviZ is undergoing a major refactor.*")
        import arviz as az
    return az


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
    idata.attrs.update(attrs or {})
    idata.attrs.update({"sampler": sampler, "bayesreg_form": built.form})
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
    params = {"sigma": post["sigma"].values} if "sigma" in post else {}
    ll = likelihood.pointwise_loglik(data, eta, **params)
    da = xr.DataArray(ll, dims=("chain", "draw", "obs"),
                      coords={"chain": post.chain, "draw": post.draw, "obs": np.arange(data.n_samples)})
    ds = xr.Dataset({"y": da})
    if "log_likelihood" in idata.groups():
        idata.log_likelihood = ds
    else:
        idata.add_groups({"log_likelihood": ds})


def check_diagnostics(idata: Any, var_names: tuple[str, ...] = ("coef", "intercept", "sigma"),
                      *, warn: bool = True) -> list[str]:
    """Problems found in R-hat, bulk/tail ESS and divergences; each also raised as a warning."""
    az = _arviz()
    names = [v for v in var_names if v in idata.posterior]
    problems: list[str] = []
    n_chains = idata.posterior.sizes["chain"]
    if n_chains > 1:
        rhat = az.rhat(idata, var_names=names)
        worst = max(float(rhat[v].max()) for v in names)
        if worst > RHAT_MAX:
            problems.append(f"R-hat up to {worst:.3f} (> {RHAT_MAX}): chains disagree; "
                            "increase tune/draws or check the model.")
    for method in ("bulk", "tail"):
        ess = az.ess(idata, var_names=names, method=method)
        low = min(float(ess[v].min()) for v in names)
        if low < ESS_MIN:
            problems.append(f"{method} ESS as low as {low:.0f} (< {ESS_MIN}): increase draws or chains.")
    div = int(idata.sample_stats["diverging"].sum()) if "diverging" in idata.sample_stats else 0
    if div:
        problems.append(f"{div} divergent transition(s): raise target_accept (e.g. 0.95-0.99) or use "
                        "parameterization='mixture' for Laplace priors.")
    if warn:
        for msg in problems:
            warnings.warn(msg, ConvergenceWarning, stacklevel=2)
    return problems


def save_idata(idata: Any, path: str) -> None:
    """Write InferenceData to NetCDF atomically (temporary file in the same folder, then rename).

    The model specification (prior, likelihood, noise, intercept, sampler, form) travels in
    ``idata.attrs`` and is stored as NetCDF global attributes; :func:`load_idata` restores it.
    """
    import os
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix=".nc.tmp", dir=directory)
    os.close(fd)
    try:
        idata.to_netcdf(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; a saved result follows the umask
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_idata(path: str) -> Any:
    """Read InferenceData written by :func:`save_idata` (all groups and attributes)."""
    idata = _arviz().from_netcdf(path)
    idata.load()  # read into memory so the file can be replaced or deleted afterwards
    return idata
