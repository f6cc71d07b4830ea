r"""Complete a posterior sampled with the coefficients integrated out: exact draws of ``coef`` and ``intercept``.

For a global–local prior with ``parameterization="marginal"`` (:mod:`bayesreg.model.marginal`) NUTS
samples only the scales (and :math:`\sigma`). Given each draw of ``coef_scale`` and ``sigma``, the
coefficients and intercept are Gaussian; one exact draw of them per posterior draw
(:meth:`bayesreg.model.marginal.MarginalGaussian.draw`) gives a draw from the joint posterior.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["add_marginal_draws"]


def add_marginal_draws(idata: Any, built: Any, random_seed: Any = None) -> None:
    """Add ``coef`` (chain, draw, feature) and ``intercept`` to ``idata.posterior`` in place."""
    import xarray as xr

    post = idata.posterior
    marginal = built.marginal
    n_chain, n_draw = post.sizes["chain"], post.sizes["draw"]
    scale = post["coef_scale"].values.reshape(n_chain * n_draw, -1)
    if "sigma" in post:
        sigma = post["sigma"].values.reshape(-1)
    else:
        sigma = np.full(scale.shape[0], float(built.likelihood.noise_sigma))
    rng = np.random.default_rng(_seed_sequence(random_seed))
    coef, intercept = marginal.draw(scale, sigma, rng)
    coords = {"chain": post.chain, "draw": post.draw, "feature": list(built.data.feature_names)}
    post["coef"] = xr.DataArray(coef.reshape(n_chain, n_draw, -1), dims=("chain", "draw", "feature"),
                                coords=coords)
    if intercept is not None:
        post["intercept"] = xr.DataArray(intercept.reshape(n_chain, n_draw), dims=("chain", "draw"),
                                         coords={"chain": post.chain, "draw": post.draw})


def _seed_sequence(random_seed: Any) -> np.random.SeedSequence | None:
    """A seed for the coefficient draws derived from the sampler's seed (``None``: fresh entropy)."""
    if isinstance(random_seed, (int, np.integer)):
        return np.random.SeedSequence([int(random_seed), _TAG])
    if isinstance(random_seed, (list, tuple)) and all(isinstance(s, (int, np.integer)) for s in random_seed):
        return np.random.SeedSequence([int(s) for s in random_seed] + [_TAG])
    return None


_TAG = 20_240_610  # separates this stream from the sampler's own use of the seed
