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

**Precision.** ``precision="float32"`` (``sampler="jax"``, the default) runs everything in single
precision, as NumPyro's own models do by default: the sampler's state, its adaptation, the
log-density and both passes over the data per gradient, :math:`Xw` and :math:`X^\top r`, under a
local ``jax.enable_x64(False)`` (other JAX users in the process, e.g. PyMC's JAX backend, keep
their setting). ``precision="float64"`` (``sampler="jax-float64"``) runs it all in double precision.
Why single precision is safe here: the leapfrog map stays reversible and volume-preserving whatever
the rounding of the gradient, so NUTS samples :math:`e^{-\tilde U}` exactly, :math:`\tilde U` the
float32 potential; only :math:`\delta = \tilde U - U` matters, and only through its *variation*
over the posterior (a constant cancels). If :math:`\delta` varies by at most :math:`D`, any
posterior mean moves by at most :math:`\tfrac12(e^{D} - 1)` posterior sd (write
:math:`\tilde p \propto p\,g`, :math:`g = e^{-(\delta - \bar\delta)} \in [e^{-D/2}, e^{D/2}]`; then
:math:`|E_{\tilde p} f - E_p f| = |\operatorname{Cov}_p(f, g)| / E_p g`), against a Monte Carlo
error of :math:`\mathrm{sd}/\sqrt{\mathrm{ESS}}`: negligible while :math:`D \ll 2/\sqrt{\mathrm{ESS}}`.
:func:`rounding_bound` bounds :math:`|\delta|` pointwise (worst case: it grows like
:math:`(p + \log_2 n)\,u` times the size of :math:`U`; the sum over rows is :func:`pairwise_sum`,
whose error grows with :math:`\log_2 n`, not :math:`n`); the rounding errors of random sign
actually seen are far smaller. Measured on the logistic benchmark data (p = 100, 50 points drawn
from the Laplace approximation of the posterior): :math:`D` = 0.0015 at n = 10 000 and 0.0125 at
n = 100 000 (:math:`U \approx 5.6\cdot 10^4`, whose float32 ulp alone is 0.004), i.e. a shift of at
most 0.006 sd, a quarter of the MCSE at 2000 effective draws. ``tests/test_backends.py`` checks the
bound and :math:`D` at n = 10 000; the Pólya-Gamma Gibbs check (``tests/test_posterior.py``) and the
float32-vs-float64 comparison hold within 4 MCSE.

**Chains in parallel.** XLA sees the CPU as one device unless told otherwise; when JAX has not
started its CPU backend yet, :func:`sample_jax_nuts` asks for one host device per core
(``--xla_force_host_platform_device_count``, what ``numpyro.set_host_device_count`` does, unless
``XLA_FLAGS`` already sets it), and the chains then run in parallel (``pmap``). Otherwise they run
vectorised, one XLA loop advancing all chains.

**Speed.** ``"auto"`` picks it for the models it samples from :math:`np \ge 10^5` on
(:mod:`bayesreg.inference.backends`). Its cost per gradient equals that of a user's NumPyro model
(one XLA program, the same NUTS); bayesreg's ``target_accept=0.9`` (NumPyro's default is 0.8) takes
more leapfrog steps per draw but gives more effective draws per gradient on this model family
(1.4x at (10 000, 100), no divergences at either). ``benchmarks/bench_peers.py`` at (10 000, 100),
logistic + Gaussian prior: 90.8 minimum bulk ESS/s against NumPyro's 83.6 at load 5-8 (1.09x),
0.61x at load 9-14 (docs/benchmarks.md, section 9).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import numpy as np

__all__ = ["unsupported_reason", "pairwise_sum", "rounding_bound", "make_potential", "sample_jax_nuts"]

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


def pairwise_sum(t: Any) -> Any:
    r""":math:`\sum_i t_i` of a 1-d JAX array by pairwise (cascade) summation, in ``t``'s dtype.

    Pads to the next power of two :math:`2^k` with zeros and halves :math:`k = \lceil\log_2 n\rceil`
    times; the rounding error is at most :math:`\gamma_k \sum_i |t_i|` with
    :math:`\gamma_k = k u / (1 - k u)` (Higham, *Accuracy and Stability of Numerical Algorithms*,
    section 4.2), against :math:`\gamma_{n-1}` for a left-to-right sum. The extra work is
    :math:`O(n)` additions, next to the :math:`O(np)` of the passes over :math:`X`.
    """
    import jax.numpy as jnp

    n = t.shape[0]
    size = 1 << max(0, (n - 1).bit_length())
    if size > n:
        t = jnp.concatenate([t, jnp.zeros(size - n, dtype=t.dtype)])
    while t.shape[0] > 1:
        t = t[0::2] + t[1::2]
    return t[0]


def rounding_bound(built: Any, theta: Any) -> float:
    r"""A bound on :math:`|\tilde U(\theta) - U(\theta)|`, the float32 potential against the exact one.

    For a single-precision :math:`\theta` (the sampler's state), with :math:`u = 2^{-24}`,
    :math:`\gamma_k = ku/(1 - ku)`, :math:`k = \lceil\log_2 n\rceil` and
    :math:`t_i = s_i[\log(1 + e^{\eta_i}) - y_i\eta_i]`:

    .. math::

        |\tilde U - U| \le \gamma_{p+2} \sum_i s_i \Big(|c| + \sum_j |x_{ij}||w_j|\Big)
            + \gamma_{k+8} \sum_i |t_i| + \gamma_{p+4} \sum_j (\ell_{1,j}|w_j| + \ell_{2,j}w_j^2)
            + \gamma_3 \Big(\Big|\sum_i t_i\Big| + \sum_j (\ell_{1,j}|w_j| + \ell_{2,j}w_j^2)
            + \Big|\sum_j \log Z_j\Big|\Big).

    The first term is the rounding of :math:`X` to float32 and of the dot products :math:`\eta_i`
    in any summation order, propagated through the loss, whose derivative
    :math:`s_i(\sigma(\eta_i) - y_i)` is at most :math:`s_i` in magnitude; the second is each
    loss term evaluated to a few ulps (an assumption on XLA's ``exp``/``log1p``, checked by
    ``tests/test_backends.py``) and summed by :func:`pairwise_sum`; the last two the penalty and the
    final additions. Computed in double precision from the data.
    """
    data, prior = built.data, built.prior
    u = 2.0**-24

    def gamma(k: int) -> float:
        return k * u / (1.0 - k * u)

    theta = np.asarray(theta, dtype=np.float64)
    off = 1 if data.fit_intercept else 0
    p, n = data.n_features, data.n_samples
    w, c = theta[off:], (theta[0] if off else 0.0)
    X, s = np.asarray(data.X, dtype=np.float64), np.asarray(data.weights, dtype=np.float64)
    eta = X @ w + c
    t = s * (np.logaddexp(0.0, eta) - data.y * eta)
    l1, l2 = prior.penalty_weights(p)
    pen = float(np.sum(l1 * np.abs(w) + l2 * w**2))
    log_z = float(np.sum(prior.log_normalizer(p)))
    k = max(1, (n - 1).bit_length())
    return float(gamma(p + 2) * s @ (abs(c) + np.abs(X) @ np.abs(w)) + gamma(k + 8) * np.sum(np.abs(t))
                 + gamma(p + 4) * pen + gamma(3) * (abs(np.sum(t)) + pen + abs(log_z)))


def make_potential(built: Any, precision: str = "float32") -> tuple[Any, int]:
    r"""``(U, dim)``: the JAX function :math:`U(\theta)` of the module docstring, :math:`\theta = (c, w)`
    (no :math:`c` without an intercept), computed in ``precision`` throughout (the data too).

    ``U`` casts :math:`\theta` to ``precision``; in single precision the sum over rows is
    :func:`pairwise_sum`. Trace and run it under ``jax.enable_x64(precision == "float64")``
    (:func:`sample_jax_nuts` does) so that the sampler's own arithmetic has the same precision.
    """
    import jax
    import jax.numpy as jnp

    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}; got {precision!r}.")
    if precision == "float64":
        jax.config.update("jax_enable_x64", True)  # as PyTensor's JAX backend does: float64 stays float64
    dtype = np.dtype(precision)
    data, prior = built.data, built.prior
    p = data.n_features
    # on the device once, in `precision`
    l1, l2 = (jnp.asarray(np.asarray(v, dtype=dtype)) for v in prior.penalty_weights(p))
    log_z = dtype.type(np.sum(prior.log_normalizer(p)))
    X, y, s = (jnp.asarray(np.asarray(v, dtype=dtype)) for v in (data.X, data.y, data.weights))
    total = pairwise_sum if dtype == np.float32 else jnp.sum
    off = 1 if data.fit_intercept else 0

    def potential(theta: Any) -> Any:
        theta = jnp.asarray(theta).astype(dtype)
        w = theta[off:]
        eta = X @ w
        if off:
            eta = eta + theta[0]
        nll = total(s * (jnp.logaddexp(0.0, eta) - y * eta))
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
    seed = int(np.random.default_rng(random_seed).integers(2**31))
    rng = np.random.default_rng(seed)
    with jax.enable_x64(precision == "float64"):  # the sampler's state and arithmetic in `precision` too
        potential, dim = make_potential(built, precision)
        init = rng.uniform(-0.1, 0.1, size=(chains, dim) if chains > 1 else dim).astype(precision)
        mcmc = MCMC(NUTS(potential_fn=potential, target_accept_prob=target_accept), num_warmup=tune,
                    num_samples=draws, num_chains=chains, chain_method=_chain_method(chains),
                    progress_bar=progressbar)
        t = time.perf_counter()
        mcmc.run(jax.random.PRNGKey(seed), init_params=jax.numpy.asarray(init),
                 extra_fields=("diverging", "num_steps", "energy", "accept_prob", "adapt_state.step_size"))
        theta = np.asarray(mcmc.get_samples(group_by_chain=True), dtype=np.float64).reshape(chains, draws, dim)
        sampling_time = time.perf_counter() - t
        extra = {k: np.asarray(v).reshape(chains, draws)
                 for k, v in mcmc.get_extra_fields(group_by_chain=True).items()}
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
