r"""NUTS backends: which sampler runs a model, and the rule behind ``sampler="auto"``.

Every backend samples the *same* PyMC model (the log-density :math:`\log p(w, c, \ldots \mid y)` of
:func:`bayesreg.model.build_model`); they differ in the NUTS implementation and in the code that
evaluates :math:`\log p` and its gradient:

* ``"pymc"``: PyMC's NUTS (windowed diagonal mass-matrix adaptation); log-density and gradient
  in PyTensor's C backend. No extra.
* ``"nutpie"``: nutpie's NUTS in Rust (mass matrix adapted from draws and gradients); log-density
  and gradient compiled by PyTensor's numba backend. Extra ``nutpie``.
* ``"nutpie-jax"``: nutpie's NUTS as above; log-density through PyTensor's JAX backend, gradient by
  ``jax.grad``, both compiled by XLA. Extra ``jax``.
* ``"numpyro"``: NumPyro's NUTS (Stan's windowed diagonal adaptation) through PyMC's JAX backend.
  Extra ``jax``.
* ``"jax"``: NumPyro's NUTS on bayesreg's own JAX log-density (:mod:`bayesreg.inference.jax_nuts`;
  logistic likelihood, fixed-penalty priors), warm-up and sampling compiled into one XLA program,
  in single precision end to end (sampler state, log-density, both passes over X; the bound on
  what that does to the posterior is in :mod:`~bayesreg.inference.jax_nuts`). Extra ``jax``.
* ``"jax-float64"``: the same in double precision.

The draws of every backend are draws of the same posterior; ``tests/test_posterior.py`` checks each
installed backend against the closed-form Gaussian posterior, the exact Gibbs sampler (Laplace
prior) and the Pólya-Gamma Gibbs sampler (logistic likelihood) within 4 Monte Carlo standard errors.

The rule of ``"auto"`` (:func:`choose_sampler`) follows ``benchmarks/bench_peers.py`` and
``benchmarks/bench_nuts.py`` (numbers in ``docs/benchmarks.md``):

* **sufficient-statistics model** (Gaussian likelihood; :math:`O(p^2)` per gradient): ``"nutpie"``
  from :data:`NUTPIE_MIN_FEATURES` features on, else ``"pymc"`` (numba's one-off compile of
  5-15 s is not repaid on small models);
* **coefficients integrated out** (global-local prior, Gaussian likelihood, the default
  ``parameterization="marginal"``): in the gram form (k x k factorisation, k <= m residual rows) the
  same rule, ``"nutpie"`` from :data:`NUTPIE_MIN_FEATURES` features on, else ``"pymc"``; in the rows
  form (k > m) ``"pymc"``. The log-density is one op (a Cholesky with an analytic gradient)
  with a NumPy ``perform`` (PyMC's path) and a numba implementation
  (:mod:`bayesreg.model.marginal_numba`) that nutpie compiles natively; JAX cannot trace it
  (``"nutpie-jax"``, ``"numpyro"`` and ``"jax"`` refuse it). nutpie adapts a low-rank mass matrix
  for these priors (:func:`bayesreg.inference.sampling.nutpie_kwargs`). ``benchmarks/bench_shrinkage.py
  --sizes 10000x100 --sampler nutpie,pymc`` (2026-11-30 08:31, quiet, 2 x (1000 + 1000), compile
  included): min bulk ESS/s nutpie / PyMC 93.3 / 35.0 (horseshoe), 82.9 / 28.0 (horseshoe+),
  127.0 / 33.8 (regularized horseshoe), 87.0 / 56.3 (R2D2); one gradient (k = 100, one BLAS thread)
  111 us compiled against 209 us through the NumPy op, and nutpie's NUTS runs without Python between
  gradients. At 100 x 1000 (rows form, 2 x (500 + 500)) the gradients cost the same (about 1 ms,
  BLAS bound) but nutpie mixed no better and diverged: horseshoe min bulk ESS 9 / 7 (coef / log tau)
  in 55.6 s with 10.6% divergences against PyMC's 41 / 119 in 87.9 s with none
  (docs/benchmarks.md section 7), so ``"pymc"`` there;
* **model over all rows** (logistic; every gradient is two passes :math:`X w`,
  :math:`X^\top r` over the data), from :math:`n p \ge` :data:`JAX_MIN_SIZE` on: ``"jax"`` when
  installed and the model is one it samples (logistic likelihood, fixed-penalty prior); for a prior
  with random scales (hierarchical, global-local non-centred) ``"numpyro"`` (PyMC's graph in
  JAX, NumPyro's NUTS); else ``"nutpie-jax"`` when installed, else ``"pymc"``; below that size
  ``"pymc"`` (JAX's import and compile, 2-4 s, cost more than they save). ``"jax"`` is the same
  NUTS as a user's NumPyro model at the same cost per gradient (an interleaved A/B in one process
  at (10 000, 100), equal ``target_accept``: 42.4 s vs 41.0 s for 1 x (500 + 500) iterations, 17.8
  leapfrog steps per
  draw for both), and at bayesreg's ``target_accept=0.9`` it draws more effective samples per
  gradient than NumPyro's default 0.8 (min bulk ESS 3940 in 15.0 steps per draw against 2011 in
  10.9: 1.4x); ``benchmarks/bench_peers.py`` at (10 000, 100): 90.8 min bulk ESS/s against
  NumPyro's 83.6 (load 5-8); numbers and the loaded runs where nutpie-jax led are in
  ``docs/benchmarks.md``, section 9. Logistic + regularized horseshoe at (1 000, 200), one seed
  (``bench_peers.py``, 2026-11-30): ``"numpyro"`` min bulk ESS 498 at 31.7 ESS/s (NumPyro's own
  model: 427, 34.2), ``"nutpie"`` 253 at 5.3, ``"pymc"`` 449 at 1.0, and ``"nutpie-jax"`` 26 at 0.4
  (163 divergences in 2000 draws, R-hat 1.05: its adaptation did not settle the scales); with the
  low-rank mass matrix it now adapts for global-local priors (2026-11-30 08:46, quiet) it converged
  (R-hat 1.005, min bulk ESS 839) but at 347 leapfrog steps per draw and 46 divergences: 3.8 ESS/s
  against ``"numpyro"``'s 29.8 in the same run, so ``"numpyro"`` stays.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Backend",
    "BACKENDS",
    "SAMPLERS",
    "NUTPIE_MIN_FEATURES",
    "JAX_MIN_SIZE",
    "choose_sampler",
    "installed_samplers",
    "missing_dependencies",
    "require_backend",
]


@dataclass(frozen=True)
class Backend:
    """One way to run NUTS on a PyMC model.

    Attributes
    ----------
    name : str
        The value of ``sampler=``.
    nuts_sampler : str
        ``pymc.sample``'s ``nuts_sampler``.
    modules : tuple of str
        Modules that must be importable.
    extra : str
        The optional extra that installs them (``pip install 'bayesreg[extra]'``).
    sampler_kwargs : dict
        ``pymc.sample``'s ``nuts_sampler_kwargs`` (nutpie's ``backend``/``gradient_backend``).
    """

    name: str
    nuts_sampler: str
    modules: tuple[str, ...] = ()
    extra: str = ""
    sampler_kwargs: dict[str, Any] = field(default_factory=dict)


BACKENDS: dict[str, Backend] = {
    "pymc": Backend("pymc", "pymc"),
    "nutpie": Backend("nutpie", "nutpie", ("nutpie", "numba"), "nutpie"),
    "nutpie-jax": Backend("nutpie-jax", "nutpie", ("nutpie", "jax"), "jax",
                          {"backend": "jax", "gradient_backend": "jax"}),
    "numpyro": Backend("numpyro", "numpyro", ("numpyro", "jax"), "jax"),
    # not through pymc.sample: bayesreg's own JAX log-density (bayesreg.inference.jax_nuts), in single
    # precision end to end or in double precision
    "jax": Backend("jax", "", ("numpyro", "jax"), "jax", {"precision": "float32"}),
    "jax-float64": Backend("jax-float64", "", ("numpyro", "jax"), "jax", {"precision": "float64"}),
}

#: the accepted values of ``sampler=``
SAMPLERS = ("auto", *BACKENDS)

#: ``"auto"`` uses nutpie (numba) for sufficient-statistics models from this many features on
NUTPIE_MIN_FEATURES = 50

#: ``"auto"`` uses nutpie with JAX for models over all rows from n * p = JAX_MIN_SIZE on
JAX_MIN_SIZE = 100_000


def missing_dependencies(name: str) -> list[str]:
    """The modules backend ``name`` needs that are not installed (empty when it can run)."""
    return [m for m in BACKENDS[name].modules if importlib.util.find_spec(m) is None]


def installed_samplers() -> list[str]:
    """The backends whose dependencies are installed, in the order of :data:`BACKENDS`."""
    return [name for name in BACKENDS if not missing_dependencies(name)]


def require_backend(name: str, owner: str | None = None) -> Backend:
    """The :class:`Backend` called ``name``; a clear error when unknown or not installed.

    ``owner`` (e.g. ``"BayesianRegression"``) names the estimator whose parameter it is.
    """
    where = f" of {owner}" if owner else ""
    if name not in BACKENDS:
        raise ValueError(f"The 'sampler' parameter{where} must be one of {', '.join(map(repr, SAMPLERS))}; "
                         f"got {name!r}.")
    missing = missing_dependencies(name)
    if missing:
        backend = BACKENDS[name]
        raise ImportError(f"The 'sampler' parameter{where} is {name!r}, which needs {', '.join(missing)} "
                          f"(not installed): pip install 'bayesreg[{backend.extra}]'.")
    return BACKENDS[name]


def choose_sampler(form: str, n_features: int, n_samples: int = 0, own_jax: bool = False, *,
                   marginal: str | None = None, random_scales: bool = False) -> str:
    """The backend ``sampler="auto"`` runs (the rule and its measurements: module docstring).

    Parameters
    ----------
    form : {"suffstats", "rows"}
        How the model is written (:func:`bayesreg.model.build.resolve_form`).
    n_features, n_samples : int
        p and n of the design.
    own_jax : bool, default=False
        Whether ``"jax"`` (bayesreg's own log-density) can sample the model
        (:func:`bayesreg.inference.jax_nuts.unsupported_reason` is ``None``).
    marginal : {None, "gram", "rows"}, default=None
        When the model integrates the coefficients out (a global-local prior,
        ``parameterization="marginal"``), the factorisation of its log-density
        (:attr:`bayesreg.model.marginal.MarginalGaussian.form`), one op (a Cholesky with an analytic
        gradient) that JAX cannot trace and numba compiles (:mod:`bayesreg.model.marginal_numba`):
        the gram form (k x k) follows the rule of the sufficient statistics; the rows form (m x m, more
        features than residual rows) runs ``"pymc"`` (nutpie mixed worse there: module docstring).
    random_scales : bool, default=False
        The prior has random scales (a hierarchical or global-local prior, written non-centred): over
        rows, ``"numpyro"`` (NUTS with Stan's adaptation on PyMC's JAX graph) rather than
        ``"nutpie-jax"``, whose adaptation mixed the regularized horseshoe's scales poorly (module
        docstring).
    """
    if marginal == "rows":
        return "pymc"
    if marginal == "gram" or form == "suffstats":
        if n_features >= NUTPIE_MIN_FEATURES and not missing_dependencies("nutpie"):
            return "nutpie"
        return "pymc"
    if n_samples * n_features >= JAX_MIN_SIZE:
        if own_jax and not missing_dependencies("jax"):
            return "jax"
        if random_scales and not missing_dependencies("numpyro"):
            return "numpyro"
        if not missing_dependencies("nutpie-jax"):
            return "nutpie-jax"
    return "pymc"
