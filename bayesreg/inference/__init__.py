"""Inference: two ways to fit the same model, and the only code that runs PyMC's samplers or ArviZ.

* :mod:`~bayesreg.inference.map`: the exact MAP by proximal Newton, with
  :mod:`~bayesreg.inference.smooth_part` (f and its gradient compiled from the PyMC model),
  :mod:`~bayesreg.inference.curvature` (Newton Hessians), :mod:`~bayesreg.inference.l1_quadratic`
  (the exact L1-penalised quadratic subproblem), :mod:`~bayesreg.inference.gaussian_map` (the
  Gaussian MAP solved directly) and :mod:`~bayesreg.inference.certificate` (the KKT residual and
  the certified error bound of :mod:`~bayesreg.inference.error_bound`);
* :mod:`~bayesreg.inference.sampling`: NUTS through PyMC, nutpie or NumPyro (the backends and the
  rule of ``sampler="auto"`` in :mod:`~bayesreg.inference.backends`; bayesreg's own JAX logistic
  log-density in :mod:`~bayesreg.inference.jax_nuts`), returning InferenceData;
  :mod:`~bayesreg.inference.predictive` (its data groups and exact posterior predictive draws),
  :mod:`~bayesreg.inference.diagnostics` and :mod:`~bayesreg.inference.idata_io` are the other
  ArviZ-facing modules;
* :mod:`~bayesreg.inference.distributed`: the certified MAP of a GLM whose rows stay on Dask workers
  (proximal Newton, one pass per iteration); :mod:`~bayesreg.inference.laplace_psis`: its posterior,
  the Laplace approximation corrected by Pareto-smoothed importance sampling;
* :mod:`~bayesreg.inference.noise_scale`: the plug-in noise scale of a penalised fit;
* :mod:`~bayesreg.inference.empirical_bayes`: the prior scale chosen by the data, with
  :mod:`~bayesreg.inference.evidence` (exact Gaussian evidence) and :mod:`~bayesreg.inference.mcem`
  (Park & Casella's Monte Carlo EM for the Bayesian lasso);
* :mod:`~bayesreg.inference.blas`: PyTensor's BLAS and BLAS thread pools.

``bayesreg/__init__.py`` imports :mod:`~bayesreg.inference.blas` before anything imports
PyTensor, so nothing imported here may import PyTensor or PyMC at module level.
"""

from bayesreg.inference.certificate import DEFAULT_BOUND_TOL, DEFAULT_TOL, Certificate, certify
from bayesreg.inference.diagnostics import ConvergenceWarning, check_diagnostics
from bayesreg.inference.distributed import RowsMapResult, find_map_rows
from bayesreg.inference.empirical_bayes import EmpiricalBayesResult, empirical_bayes
from bayesreg.inference.idata_io import check_output_path, load_idata, save_idata
from bayesreg.inference.l1_quadratic import IterationLimitWarning
from bayesreg.inference.laplace_psis import LaplacePSIS, UnreliableApproximationError, laplace_psis
from bayesreg.inference.map import MapResult, certify_point, find_map
from bayesreg.inference.noise_scale import estimate_noise_sigma
from bayesreg.inference.predictive import add_posterior_predictive
from bayesreg.inference.sampling import sample_posterior

__all__ = [
    "find_map",
    "MapResult",
    "Certificate",
    "certify",
    "certify_point",
    "DEFAULT_TOL",
    "DEFAULT_BOUND_TOL",
    "IterationLimitWarning",
    "sample_posterior",
    "check_diagnostics",
    "ConvergenceWarning",
    "save_idata",
    "load_idata",
    "check_output_path",
    "add_posterior_predictive",
    "estimate_noise_sigma",
    "empirical_bayes",
    "EmpiricalBayesResult",
    "find_map_rows",
    "RowsMapResult",
    "laplace_psis",
    "LaplacePSIS",
    "UnreliableApproximationError",
]
