r"""The data groups of InferenceData and exact posterior predictive draws.

For posterior draws :math:`(w^{(s)}, c^{(s)}, \sigma^{(s)})` the linear predictor is
:math:`\eta^{(s)}_i = c^{(s)} + x_i^\top w^{(s)}`, and one posterior predictive draw per posterior
draw and observation is, exactly,

* Gaussian: :math:`\tilde y^{(s)}_i = \eta^{(s)}_i + \sigma^{(s)} \varepsilon^{(s)}_i`,
  :math:`\varepsilon^{(s)}_i \sim N(0, 1)` (:math:`\sigma^{(s)}` the sampled noise scale, or the
  fixed ``noise_sigma``);
* logistic: :math:`\tilde y^{(s)}_i = \mathbb 1[u^{(s)}_i < \operatorname{expit}(\eta^{(s)}_i)]`,
  :math:`u^{(s)}_i \sim U(0, 1)`, i.e. Bernoulli(:math:`\operatorname{expit}\eta^{(s)}_i`).

The noise comes from ``numpy.random.default_rng(random_seed)``, drawn in one call of shape
(chain, draw, obs), so a seed reproduces the draws bit for bit. (Sample weights do not enter the
predictive distribution of one observation: a weight repeats an observation, it does not change
its distribution.)

:func:`add_data_groups` gives every NUTS fit the ``observed_data`` (``y`` as the model saw it, dim
``obs``) and ``constant_data`` (``X``, dims ``obs``, ``feature``; ``sample_weight`` when given)
groups; :func:`add_posterior_predictive` adds ``posterior_predictive`` (``y``, dims chain, draw,
obs). With the ``log_likelihood`` group of :mod:`bayesreg.inference.sampling` that is what
``arviz.plot_ppc``, ``arviz.plot_loo_pit`` and ``arviz.plot_bpv`` read.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from bayesreg.model.data import RegressionData
from bayesreg.model.quantile import AsymmetricLaplace

__all__ = ["add_data_groups", "add_posterior_predictive", "linear_predictor_draws",
           "posterior_predictive_draws", "fixed_noise_sigma"]


def linear_predictor_draws(posterior: Any, X: np.ndarray) -> np.ndarray:
    r""":math:`\eta^{(s)} = c^{(s)} + X w^{(s)}` for every draw: shape (chain, draw, n); the
    multinomial's class scores :math:`c^{(s)} + XW^{(s)\top}` (coef dims class, feature): (chain, draw, n, K)."""
    coef = posterior["coef"].values
    X = np.asarray(X, dtype=float)
    if coef.ndim == 4:
        eta = np.einsum("cdkp,np->cdnk", coef, X)
        return eta + posterior["intercept"].values[..., None, :] if "intercept" in posterior else eta
    eta = coef @ X.T
    if "intercept" in posterior:
        eta = eta + posterior["intercept"].values[..., None]
    return eta


def posterior_predictive_draws(posterior: Any, X: np.ndarray, likelihood: str, noise_sigma: float | None,
                               rng: np.random.Generator) -> np.ndarray:
    """One posterior predictive draw per posterior draw and row of ``X`` (module docstring)."""
    eta = linear_predictor_draws(posterior, X)
    if likelihood == "logistic":
        return (rng.random(eta.shape) < expit(eta)).astype(np.int64)
    if likelihood != "gaussian":
        raise ValueError(f"likelihood must be 'gaussian' or 'logistic'; got {likelihood!r}.")
    if "sigma" in posterior:
        sigma = posterior["sigma"].values[..., None]
    elif noise_sigma is not None:
        sigma = float(noise_sigma)
    else:
        raise ValueError("the Gaussian posterior predictive needs the noise scale: the posterior has no "
                         "'sigma' and no fixed noise_sigma was given.")
    return eta + sigma * rng.standard_normal(eta.shape)


def fixed_noise_sigma(idata: Any) -> float | None:
    """The fixed Gaussian noise scale recorded in ``idata.attrs`` (``None`` when sampled or logistic)."""
    value = idata.attrs.get("noise_sigma")
    try:
        return float(value)
    except (TypeError, ValueError):  # "sampled", "None" or absent
        return None


def add_data_groups(idata: Any, data: RegressionData) -> None:
    """Set ``observed_data`` (``y``) and add ``X`` (and ``sample_weight``) to ``constant_data``."""
    import xarray as xr

    obs = np.arange(data.n_samples)
    coords = {"obs": obs, "feature": list(data.feature_names)}
    observed = xr.Dataset({"y": xr.DataArray(data.y, dims=("obs",), coords={"obs": obs})})
    constant = {"X": xr.DataArray(data.X, dims=("obs", "feature"), coords=coords)}
    if data.offset is not None:
        constant["offset"] = xr.DataArray(data.offset, dims=("obs",), coords={"obs": obs})
    if data.sample_weight is not None:
        constant["sample_weight"] = xr.DataArray(data.sample_weight, dims=("obs",), coords={"obs": obs})
    if "constant_data" in idata.groups():
        merged = idata.constant_data.drop_vars([v for v in constant if v in idata.constant_data])
        constant_ds = xr.merge([merged, xr.Dataset(constant)], combine_attrs="override")
    else:
        constant_ds = xr.Dataset(constant)
    for name, ds in (("observed_data", observed), ("constant_data", constant_ds)):
        if name in idata.groups():
            setattr(idata, name, ds)
        else:
            idata.add_groups({name: ds})


def add_posterior_predictive(idata: Any, random_seed: Any = None, likelihood: Any = None) -> Any:
    """Add (or replace) the ``posterior_predictive`` group of a bayesreg NUTS fit; return ``idata``.

    Reads the posterior, ``constant_data["X"]`` and the likelihood and fixed noise scale recorded in
    ``idata.attrs`` (so it also works on InferenceData loaded from NetCDF). ``random_seed``: an
    integer, a ``numpy.random.Generator`` or ``None`` (fresh entropy). ``likelihood``: a likelihood
    object with ``predictive_draws`` (Poisson, negative binomial, Student-t; its sampled parameters are
    read from the posterior, an offset from ``constant_data``), else the one recorded in ``attrs``.
    """
    import xarray as xr

    groups = idata.groups()
    if "constant_data" not in groups or "X" not in idata.constant_data:
        raise ValueError("the InferenceData has no constant_data['X']: it was not written by a bayesreg NUTS "
                         "fit (or by a version before the data groups were added).")
    post = idata.posterior
    X = idata.constant_data["X"]
    rng = np.random.default_rng(random_seed)
    if likelihood is not None and hasattr(likelihood, "predictive_draws"):
        eta = linear_predictor_draws(post, X.values)
        if "offset" in idata.constant_data:
            eta = eta + idata.constant_data["offset"].values
        params = {k: post[k].values for k in ("alpha", "nu", "sigma") if k in post}
        draws = likelihood.predictive_draws(eta, rng, **params)
    elif idata.attrs.get("likelihood") == "asymmetric_laplace":  # fixed (quantile, scale) in attrs
        lik = AsymmetricLaplace(float(idata.attrs["quantile"]), float(idata.attrs["noise_sigma"]))
        draws = lik.predictive_draws(linear_predictor_draws(post, X.values), rng)
    else:
        likelihood = idata.attrs.get("likelihood")
        if likelihood not in ("gaussian", "logistic"):
            raise ValueError(f"idata.attrs['likelihood'] must be 'gaussian' or 'logistic' (pass the likelihood "
                             f"object for others); got {likelihood!r}.")
        draws = posterior_predictive_draws(post, X.values, likelihood, fixed_noise_sigma(idata), rng)
    y = xr.DataArray(draws, dims=("chain", "draw", "obs"),
                     coords={"chain": post.chain, "draw": post.draw, "obs": X.coords["obs"].values})
    ds = xr.Dataset({"y": y})
    if "posterior_predictive" in groups:
        idata.posterior_predictive = ds
    else:
        idata.add_groups({"posterior_predictive": ds})
    return idata
