r"""NUTS on bayesreg's own JAX log-density, the whole chain compiled by XLA (``sampler="jax"``).

For a model written over all rows with a fixed-penalty prior (:class:`~bayesreg.model.priors.Prior`:
Laplace, Gaussian, ElasticNet, Unpenalized) and the logistic likelihood, the negative log-posterior
of :math:`\theta = (c, w)` is

.. math::

    U(c, w) = \sum_i s_i\,[\log(1 + e^{\eta_i}) - y_i\eta_i]
              + \sum_j \ell_{1,j}|w_j| + \ell_{2,j} w_j^2 + \sum_j \log Z_j,
    \qquad \eta = c + Xw,

(flat intercept, sample weights :math:`s_i`, :math:`(\ell_1, \ell_2)` and :math:`\log Z_j` from the
prior), exactly the log-density of the PyMC model of :func:`bayesreg.model.build_model`
(``tests/test_backends.py`` checks the two agree at random points). It is written directly in JAX
and sampled with NumPyro's NUTS (``potential_fn``; Stan's windowed diagonal adaptation), so warm-up
and sampling are one XLA program: no call from the sampler back into Python per gradient, which is
what the PyTensor-based backends pay (PyMC's C backend, nutpie's callbacks, and PyMC's own JAX
graph, which keeps the data as embedded constants).

**Precision.** The two passes over the data per gradient, :math:`Xw` and :math:`X^\top r`, run in
single precision (``X`` stored as float32); everything else, the log-density sum included, in
double precision. The rounding of :math:`\eta` (relative 1e-7) perturbs :math:`U` by far less than
its Monte Carlo error: the sampled density is :math:`e^{-U(\theta)(1 + O(10^{-7}))}`, and the
posterior checks against the Pólya-Gamma Gibbs sampler (``tests/test_posterior.py``) hold within 4
MCSE. ``precision="float64"`` keeps the data in double precision.

**Chains in parallel.** XLA sees the CPU as one device unless told otherwise; when JAX has not
started its CPU backend yet, :func:`sample_jax_nuts` asks for one host device per core
(``--xla_force_host_platform_device_count``, what ``numpyro.set_host_device_count`` does, unless
``XLA_FLAGS`` already sets it), and the chains then run in parallel (``pmap``). Otherwise they run
vectorised, one XLA loop advancing all chains.

**Speed.** Opt-in (``"auto"`` does not pick it): at (10 000, 100), logistic + Gaussian prior,
``benchmarks/bench_peers.py`` measured 158.9 minimum bulk ESS/s (nutpie-jax 146.4 in a run at the
same load, 2-4) but NumPyro's plain float32 model 716.0 in the same run: the float64 sampler state
(``jax_enable_x64``) and the float64 log-density sum are the suspects (docs/benchmarks.md, section 5).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import numpy as np

__all__ = ["unsupported_reason", "make_potential", "sample_jax_nuts"]

PRECISIONS = ("float32", "float64")


def unsupported_reason(built: Any) -> str | None:
    """Why ``sampler="jax"`` cannot run this model (``None`` when it can)."""
    from bayesreg.model.likelihoods import LogisticLikelihood
    from bayesreg.model.priors import Prior

    if not isinstance(built.likelihood, LogisticLikelihood):
        return (f"it samples the logistic likelihood (got {built.likelihood.name!r}; the Gaussian one "
                "is fastest on its sufficient statistics with 'auto')")
    if not isinstance(built.prior, Prior):
        return f"it takes priors with a fixed penalty (got {type(built.prior).__name__}, which has random scales)"
    if "coef_z" in built.model.named_vars:
        return "it samples the weights directly (got parameterization='mixture')"
    return None


def _ask_for_host_devices() -> None:
    """One XLA CPU device per core, if JAX's backend has not started and ``XLA_FLAGS`` does not say."""
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_force_host_platform_device_count" in flags:
        return
    if "jax" in sys.modules:
        try:
            from jax._src import xla_bridge

            if xla_bridge.backends_are_initialized():
                return
        except (ImportError, AttributeError):  # a JAX without this (private) check: leave it alone
            return
    os.environ["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={os.cpu_count() or 1}".strip()


def _chain_method(chains: int) -> str:
    import jax

    return "parallel" if chains > 1 and jax.local_device_count() >= chains else "vectorized"


def make_potential(built: Any, precision: str = "float32") -> tuple[Any, int]:
    r"""``(U, dim)``: the JAX function :math:`U(\theta)` of the module docstring, :math:`\theta = (c, w)`
    (no :math:`c` without an intercept)."""
    import jax

    jax.config.update("jax_enable_x64", True)  # as PyTensor's JAX backend does: float64 stays float64
    import jax.numpy as jnp

    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}; got {precision!r}.")
    data, prior = built.data, built.prior
    p = data.n_features
    l1, l2 = (jnp.asarray(v, dtype=jnp.float64) for v in prior.penalty_weights(p))
    log_z = float(np.sum(prior.log_normalizer(p)))
    data_dtype = jnp.float32 if precision == "float32" else jnp.float64
    X = jnp.asarray(data.X, dtype=data_dtype)
    y = jnp.asarray(data.y, dtype=jnp.float64)
    s = jnp.asarray(data.weights, dtype=jnp.float64)
    off = 1 if data.fit_intercept else 0

    def potential(theta: Any) -> Any:
        w = theta[off:]
        eta = (X @ w.astype(data_dtype)).astype(jnp.float64)
        if off:
            eta = eta + theta[0]
        nll = jnp.sum(s * (jnp.logaddexp(0.0, eta) - y * eta))
        return nll + jnp.sum(l1 * jnp.abs(w) + l2 * w**2) + log_z

    return potential, p + off


def sample_jax_nuts(built: Any, *, draws: int, tune: int, chains: int, random_seed: int | None,
                    target_accept: float, progressbar: bool, precision: str = "float32") -> Any:
    """Run NumPyro's NUTS on :func:`make_potential`; ``arviz.InferenceData`` with ``posterior``
    (``coef`` with dim ``feature``, ``intercept``) and ``sample_stats``."""
    import arviz as az
    import jax
    from numpyro.infer import MCMC, NUTS

    reason = unsupported_reason(built)
    if reason:
        raise ValueError(f"sampler='jax' cannot sample this model: {reason}. Use sampler='auto'.")
    _ask_for_host_devices()
    potential, dim = make_potential(built, precision)
    seed = int(np.random.default_rng(random_seed).integers(2**31))
    rng = np.random.default_rng(seed)
    init = rng.uniform(-0.1, 0.1, size=(chains, dim)) if chains > 1 else rng.uniform(-0.1, 0.1, size=dim)
    mcmc = MCMC(NUTS(potential_fn=potential, target_accept_prob=target_accept), num_warmup=tune,
                num_samples=draws, num_chains=chains, chain_method=_chain_method(chains), progress_bar=progressbar)
    t = time.perf_counter()
    mcmc.run(jax.random.PRNGKey(seed), init_params=jax.numpy.asarray(init),
             extra_fields=("diverging", "num_steps", "energy", "accept_prob", "adapt_state.step_size"))
    theta = np.asarray(mcmc.get_samples(group_by_chain=True)).reshape(chains, draws, dim)
    sampling_time = time.perf_counter() - t
    extra = {k: np.asarray(v).reshape(chains, draws) for k, v in mcmc.get_extra_fields(group_by_chain=True).items()}
    off = dim - built.data.n_features
    posterior = {"coef": theta[..., off:]}
    if off:
        posterior["intercept"] = theta[..., 0]
    stats = {"diverging": extra["diverging"].astype(bool), "n_steps": extra["num_steps"],
             "energy": extra["energy"], "acceptance_rate": extra["accept_prob"],
             "step_size": extra["adapt_state.step_size"]}
    idata = az.from_dict(posterior=posterior, sample_stats=stats,
                         coords={"feature": list(built.data.feature_names)}, dims={"coef": ["feature"]})
    idata.posterior.attrs.update(sampling_time=sampling_time, tuning_steps=tune, inference_library="numpyro",
                                 precision=precision, chain_method=mcmc.chain_method)
    return idata
