r"""The benchmark posteriors written as a user of each tool writes them (for ``bench_peers.py``).

Three posteriors, each with a flat intercept :math:`c` and :math:`\eta = c + Xw`:

* ``gauss_laplace``: :math:`y_i \sim N(\eta_i, \sigma^2)`, :math:`\sigma = 1` known,
  :math:`w_j \sim \text{Laplace}(0, b)`, :math:`b = 1/\sqrt 2` (prior variance 1);
* ``logit_gauss``: :math:`y_i \sim \text{Bernoulli}(\text{expit}\,\eta_i)`, :math:`w_j \sim N(0, s^2)`,
  :math:`s = 1`;
* ``logit_rhs``: the same likelihood, the regularized horseshoe as in rstanarm's ``hs()``
  (Piironen & Vehtari 2017): :math:`w_j = z_j \tilde\lambda_j \tau`, :math:`z_j \sim N(0, 1)`,
  :math:`\lambda_j \sim t^+_{\nu_l}(0, 1)`, :math:`\tau \sim t^+_{\nu_g}(0, \tau_0)`,
  :math:`c^2 = s_\text{slab}^2 c_\text{aux}`, :math:`c_\text{aux} \sim \text{InvGamma}(\nu_s/2, \nu_s/2)`,
  :math:`\tilde\lambda_j^2 = c^2\lambda_j^2 / (c^2 + \tau^2\lambda_j^2)`.

The peers get the model over all rows (no sufficient statistics): Stan with its GLM functions
(``normal_id_glm``, ``bernoulli_logit_glm``: analytic gradients, what the Stan User's Guide
recommends), NumPyro with ``Normal(loc=c + X @ w)`` / ``Bernoulli(logits=...)`` in JAX's default
single precision (``--numpyro-x64`` runs it in double precision like every other tool), PyMC's plain model
(``pm.Normal(..., observed=y)``), nutpie on that PyMC model with its default (numba) backend.
bayesreg runs through its public estimator with its defaults (``sampler="auto"``).

Each ``run_*`` returns a dict: ``compile_s`` (model build + compilation; JAX compiles lazily inside
the sampler: for bayesreg's ``nutpie-jax`` backend the seconds JAX reports for tracing, lowering and
compiling (``jax.monitoring`` events) are moved from sampling to compile; NumPyro (the peer, and
bayesreg's ``jax`` and ``numpyro`` backends) compiles the whole chain, pmapped over the chains, and
that compile event includes the run, so its compile time is that of a 2 + 2 iteration run of the
same model and shapes, its sampling time the rest of the real run; both warm, after a first run that
absorbs the process's first use of PyMC, JAX and NumPyro),
``sample_s``, ``total_s`` (wall time of everything, compile included), ``coef`` (chain, draw, p),
``intercept`` (chain, draw), ``divergences``, ``steps`` (mean leapfrog steps per draw) and
``backend``. ``settings["progress"](phase)``, when given, is told each phase reached (what a run
stopped by the time limit reports).
"""

from __future__ import annotations

import importlib.util
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Problem", "TOOLS", "run_tool"]


@dataclass(frozen=True)
class Problem:
    """One benchmark posterior on synthetic data of size (n, p)."""

    key: str  # gauss_laplace | logit_gauss | logit_rhs
    n: int
    p: int
    params: dict[str, float] = field(default_factory=dict)

    @property
    def likelihood(self) -> str:
        return "gaussian" if self.key.startswith("gauss") else "logistic"

    @property
    def label(self) -> str:
        return {"gauss_laplace": "Gaussian + Laplace", "logit_gauss": "logistic + Gaussian",
                "logit_rhs": "logistic + reg. horseshoe"}[self.key]


def _quiet(phase: str) -> None:
    """The default ``settings["progress"]``: ``bench_peers`` passes one that records the phase reached."""


# --------------------------------------------------------------------------- JAX compile time
def jax_compile_timer(enabled: bool = True) -> list[float]:
    """A one-element list that accumulates the seconds JAX spends tracing, lowering and compiling."""
    total = [0.0]
    if not enabled or importlib.util.find_spec("jax") is None:
        return total
    import jax.monitoring

    def listener(event: str, duration: float, **_: Any) -> None:
        if event.startswith("/jax/core/compile/"):
            total[0] += duration

    jax.monitoring.register_event_duration_secs_listener(listener)
    return total


# --------------------------------------------------------------------------- bayesreg
def run_bayesreg(problem: Problem, X: np.ndarray, y: np.ndarray, s: dict[str, Any]) -> dict[str, Any]:
    import bayesreg as br

    kw = problem.params
    if problem.key == "gauss_laplace":
        prior, lik, noise = br.Laplace(kw["b"]), "gaussian", kw["sigma"]
    elif problem.key == "logit_gauss":
        prior, lik, noise = br.Gaussian(kw["s"]), "logistic", 1.0
    else:
        prior = br.RegularizedHorseshoe(scale_global=kw["scale_global"], df_local=kw["df_local"],
                                        df_global=kw["df_global"], scale_slab=kw["scale_slab"],
                                        df_slab=kw["df_slab"])
        lik, noise = "logistic", 1.0
    options = {} if s["target_accept"] is None else {"target_accept": s["target_accept"]}
    est = br.BayesianRegression(prior=prior, likelihood=lik, noise_sigma=noise, method="nuts", draws=s["draws"],
                                tune=s["tune"], chains=s["chains"], random_seed=s["seed"], progressbar=False,
                                sampler=s.get("sampler", "auto"), **options)
    jax_s = jax_compile_timer(not s.get("latency"))
    t = time.perf_counter()
    est.fit(X, y)
    total = time.perf_counter() - t
    s.get("progress", _quiet)(f"fitted in {total:.1f} s (compile included), timing the compile")
    idata = est.idata_
    sample_s = float(idata.posterior.attrs.get("sampling_time", np.nan)) - jax_s[0]
    if idata.attrs["sampler"] in ("jax", "numpyro") and not s.get("latency"):
        # NumPyro compiles warm-up and sampling into one XLA program inside the run (JAX's compile events
        # then include the run): as for the NumPyro peer, compile = a 2 + 2 iteration fit of the same model.
        # Both runs warm, as the peer's: the fit above was this process's first (imports, the first PyMC
        # model build, JAX's first use: 2-5 s, which total - probe would count as sampling), so the
        # probe follows it and the fit is timed again (same seed: the same draws)
        probe = br.BayesianRegression(**{**est.get_params(), "draws": 2, "tune": 2})
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            probe.fit(X, y)
        compile_s = time.perf_counter() - t
        s.get("progress", _quiet)(f"compiled in {compile_s:.1f} s, fitting again (warm)")
        t = time.perf_counter()
        est.fit(X, y)
        total = time.perf_counter() - t
        idata = est.idata_
        sample_s = total - compile_s if total > compile_s else float("nan")  # nan: below the timing noise
    return _from_idata(idata, total, sample_s, backend=idata.attrs["sampler"])


def _from_idata(idata: Any, total: float, sample_s: float, backend: str) -> dict[str, Any]:
    post, stats = idata.posterior, idata.sample_stats
    steps = next((stats[k] for k in ("n_steps", "tree_size", "n_leapfrog") if k in stats), None)
    return {"compile_s": total - sample_s, "sample_s": sample_s, "total_s": total,
            "coef": post["coef"].values, "intercept": post["intercept"].values,
            "divergences": int(stats["diverging"].sum()) if "diverging" in stats else 0,
            "steps": float(steps.mean()) if steps is not None else float("nan"), "backend": backend}


# --------------------------------------------------------------------------- PyMC (plain model) and nutpie
def pymc_plain_model(problem: Problem, X: np.ndarray, y: np.ndarray) -> Any:
    """The model as a PyMC user writes it: ``coef``, ``intercept``, ``pm.Normal``/``pm.Bernoulli`` over rows."""
    import pymc as pm

    kw = problem.params
    with pm.Model() as model:
        intercept = pm.Flat("intercept")
        if problem.key == "gauss_laplace":
            coef = pm.Laplace("coef", 0.0, kw["b"], shape=problem.p)
        elif problem.key == "logit_gauss":
            coef = pm.Normal("coef", 0.0, kw["s"], shape=problem.p)
        else:
            z = pm.Normal("z", 0.0, 1.0, shape=problem.p)
            lam = pm.HalfStudentT("lam", nu=kw["df_local"], sigma=1.0, shape=problem.p)
            tau = pm.HalfStudentT("tau", nu=kw["df_global"], sigma=kw["scale_global"])
            caux = pm.InverseGamma("caux", 0.5 * kw["df_slab"], 0.5 * kw["df_slab"])
            c2 = kw["scale_slab"] ** 2 * caux
            lam_t = pm.math.sqrt(c2 * lam**2 / (c2 + tau**2 * lam**2))
            coef = pm.Deterministic("coef", z * lam_t * tau)
        eta = intercept + pm.math.dot(X, coef)
        if problem.likelihood == "gaussian":
            pm.Normal("y", mu=eta, sigma=kw["sigma"], observed=y)
        else:
            pm.Bernoulli("y", logit_p=eta, observed=y)
    return model


def run_pymc(problem: Problem, X: np.ndarray, y: np.ndarray, s: dict[str, Any]) -> dict[str, Any]:
    import pymc as pm

    t = time.perf_counter()
    model = pymc_plain_model(problem, X, y)
    options = {} if s["target_accept"] is None else {"target_accept": s["target_accept"]}
    with model:
        idata = pm.sample(draws=s["draws"], tune=s["tune"], chains=s["chains"], random_seed=s["seed"],
                          progressbar=False, compute_convergence_checks=False, **options)
    total = time.perf_counter() - t
    return _from_idata(idata, total, float(idata.posterior.attrs["sampling_time"]), backend="pymc")


def run_nutpie(problem: Problem, X: np.ndarray, y: np.ndarray, s: dict[str, Any]) -> dict[str, Any]:
    import nutpie

    t = time.perf_counter()
    compiled = nutpie.compile_pymc_model(pymc_plain_model(problem, X, y))
    t_compiled = time.perf_counter()
    options = {} if s["target_accept"] is None else {"target_accept": s["target_accept"]}
    idata = nutpie.sample(compiled, draws=s["draws"], tune=s["tune"], chains=s["chains"], seed=s["seed"],
                          progress_bar=False, **options)
    t_end = time.perf_counter()
    return _from_idata(idata, t_end - t, t_end - t_compiled, backend="nutpie (numba)")


# --------------------------------------------------------------------------- NumPyro
def numpyro_model(problem: Problem) -> Any:
    import numpyro
    import numpyro.distributions as dist

    kw = problem.params

    def model(X, y=None):
        intercept = numpyro.sample("intercept", dist.ImproperUniform(dist.constraints.real, (), ()))
        if problem.key == "gauss_laplace":
            coef = numpyro.sample("coef", dist.Laplace(0.0, kw["b"]).expand([X.shape[1]]))
        elif problem.key == "logit_gauss":
            coef = numpyro.sample("coef", dist.Normal(0.0, kw["s"]).expand([X.shape[1]]))
        else:
            z = numpyro.sample("z", dist.Normal(0.0, 1.0).expand([X.shape[1]]))
            lam = numpyro.sample("lam", dist.HalfCauchy(1.0).expand([X.shape[1]]))  # t+ with df_local = 1
            tau = numpyro.sample("tau", dist.HalfCauchy(kw["scale_global"]))  # df_global = 1
            caux = numpyro.sample("caux", dist.InverseGamma(0.5 * kw["df_slab"], 0.5 * kw["df_slab"]))
            c2 = kw["scale_slab"] ** 2 * caux
            coef = numpyro.deterministic("coef", z * tau * (c2 * lam**2 / (c2 + tau**2 * lam**2)) ** 0.5)
        eta = intercept + X @ coef
        if problem.likelihood == "gaussian":
            numpyro.sample("y", dist.Normal(eta, kw["sigma"]), obs=y)
        else:
            numpyro.sample("y", dist.Bernoulli(logits=eta), obs=y)

    return model


def run_numpyro(problem: Problem, X: np.ndarray, y: np.ndarray, s: dict[str, Any]) -> dict[str, Any]:
    import jax
    import numpyro
    from numpyro.infer import MCMC, NUTS

    numpyro.set_host_device_count(s["chains"])  # the chains in parallel, as NumPyro's docs advise on CPU
    if s.get("numpyro_x64"):
        numpyro.enable_x64()
    if problem.key == "logit_rhs" and (problem.params["df_local"] != 1 or problem.params["df_global"] != 1):
        raise ValueError("the NumPyro horseshoe here is written for df_local = df_global = 1 (half-Cauchy)")
    model = numpyro_model(problem)
    options = {} if s["target_accept"] is None else {"target_accept_prob": s["target_accept"]}
    Xj, yj = jax.numpy.asarray(X), jax.numpy.asarray(y)
    compile_s = float("nan")
    if not s.get("latency"):
        # XLA compiles the whole chain, pmapped over the chains, inside MCMC.run (JAX's compile events then
        # include the run); a 2 + 2 iteration run of the same model and shapes measures that compile, warm
        # (after a first one that absorbs JAX's and NumPyro's first use), as the run below is
        for _ in range(2):
            t = time.perf_counter()
            probe = MCMC(NUTS(model, **options), num_warmup=2, num_samples=2, num_chains=s["chains"],
                         progress_bar=False)
            probe.run(jax.random.PRNGKey(s["seed"] + 1), Xj, yj, extra_fields=("diverging", "num_steps"))
            jax.block_until_ready(probe.get_samples())
            compile_s = time.perf_counter() - t
        s.get("progress", _quiet)(f"compiled in {compile_s:.1f} s, sampling")
    t = time.perf_counter()
    mcmc = MCMC(NUTS(model, **options), num_warmup=s["tune"], num_samples=s["draws"], num_chains=s["chains"],
                progress_bar=False)
    mcmc.run(jax.random.PRNGKey(s["seed"]), Xj, yj, extra_fields=("diverging", "num_steps"))
    # MCMC.run returns once the pmapped chains are dispatched (JAX's asynchronous dispatch): wait for the draws
    draws = jax.block_until_ready(mcmc.get_samples(group_by_chain=True))
    total = time.perf_counter() - t  # compiles again: the total is what a user waits
    extra = mcmc.get_extra_fields(group_by_chain=True)
    sample_s = total - compile_s if total - compile_s > 0 else float("nan")  # nan: below the timing noise
    return {"compile_s": compile_s, "sample_s": sample_s, "total_s": total, "coef": np.asarray(draws["coef"]),
            "intercept": np.asarray(draws["intercept"]),
            "divergences": int(np.sum(extra["diverging"])), "steps": float(np.mean(extra["num_steps"])),
            "backend": "numpyro, float64" if jax.config.jax_enable_x64 else "numpyro, float32"}


# --------------------------------------------------------------------------- Stan (PyStan 3 / httpstan)
STAN_DATA = "data { int<lower=0> N; int<lower=0> P; matrix[N, P] X; "
STAN_PROGRAMS = {
    "gauss_laplace": STAN_DATA + """vector[N] y; real<lower=0> b; real<lower=0> sigma; }
parameters { real intercept; vector[P] coef; }
model {
  coef ~ double_exponential(0, b);
  y ~ normal_id_glm(X, intercept, coef, sigma);
}""",
    "logit_gauss": STAN_DATA + """array[N] int<lower=0, upper=1> y; real<lower=0> s; }
parameters { real intercept; vector[P] coef; }
model {
  coef ~ normal(0, s);
  y ~ bernoulli_logit_glm(X, intercept, coef);
}""",
    "logit_rhs": STAN_DATA + """array[N] int<lower=0, upper=1> y;
  real<lower=0> scale_global; real<lower=1> df_global; real<lower=1> df_local;
  real<lower=0> scale_slab; real<lower=0> df_slab; }
parameters { real intercept; vector[P] z; real<lower=0> tau; vector<lower=0>[P] lam; real<lower=0> caux; }
transformed parameters {
  real<lower=0> c2 = square(scale_slab) * caux;
  vector[P] coef = z .* sqrt(c2 * square(lam) ./ (c2 + square(tau) * square(lam))) * tau;
}
model {
  z ~ std_normal();
  lam ~ student_t(df_local, 0, 1);
  tau ~ student_t(df_global, 0, scale_global);
  caux ~ inv_gamma(0.5 * df_slab, 0.5 * df_slab);
  y ~ bernoulli_logit_glm(X, intercept, coef);
}""",
}


def run_stan(problem: Problem, X: np.ndarray, y: np.ndarray, s: dict[str, Any]) -> dict[str, Any]:
    import stan

    data: dict[str, Any] = {"N": problem.n, "P": problem.p, "X": X}
    data["y"] = y if problem.likelihood == "gaussian" else y.astype(int)
    data.update(problem.params)
    t = time.perf_counter()
    posterior = stan.build(STAN_PROGRAMS[problem.key], data=data, random_seed=s["seed"])
    compile_s = time.perf_counter() - t
    s.get("progress", _quiet)(f"compiled in {compile_s:.1f} s, sampling")
    options = {} if s["target_accept"] is None else {"delta": s["target_accept"]}
    t1 = time.perf_counter()
    fit = posterior.sample(num_chains=s["chains"], num_samples=s["draws"], num_warmup=s["tune"], **options)
    sample_s = time.perf_counter() - t1
    chains, draws = s["chains"], s["draws"]
    # PyStan 3 stacks draws chain-fastest: column k is draw k // chains of chain k % chains
    coef = fit["coef"].reshape(problem.p, draws, chains).transpose(2, 1, 0)
    intercept = fit["intercept"].reshape(draws, chains).T
    return {"compile_s": compile_s, "sample_s": sample_s, "total_s": compile_s + sample_s, "coef": coef,
            "intercept": intercept, "divergences": int(fit["divergent__"].sum()),
            "steps": float(fit["n_leapfrog__"].mean()), "backend": "stan"}


TOOLS = {"bayesreg": run_bayesreg, "pymc": run_pymc, "nutpie": run_nutpie, "numpyro": run_numpyro,
         "stan": run_stan}


def run_tool(tool: str, problem: Problem, X: np.ndarray, y: np.ndarray, settings: dict[str, Any]) -> dict[str, Any]:
    """Run ``tool`` (a key of :data:`TOOLS`, or ``bayesreg:<sampler>``) on the problem."""
    if tool.startswith("bayesreg:"):
        return run_bayesreg(problem, X, y, {**settings, "sampler": tool.split(":", 1)[1]})
    return TOOLS[tool](problem, X, y, settings)
