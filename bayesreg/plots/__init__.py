r"""Plots that make the prior ↔ penalty correspondence visible: prior densities and their penalties,
regularisation paths (MAP versus an independent penalised solver, with the prior scale on a second
axis), posterior forests, prior-versus-posterior panels and penalty-only gradient dynamics.

Every function accepts existing Axes (``ax``/``axes``) and returns the Axes it drew on (one panel)
or the Figure (several panels).

This package's namespace is the public entry point; the plots are written by family:

* :mod:`bayesreg.plots.penalty`: :func:`plot_prior_penalty`, :func:`plot_shrinkage_dynamics`
  (no data needed);
* :mod:`bayesreg.plots.path`: :func:`plot_regularization_path`;
* :mod:`bayesreg.plots.posterior`: :func:`plot_posterior_forest`, :func:`plot_prior_vs_posterior`
  (estimators fitted with ``method="nuts"``);
* :mod:`bayesreg.plots.shrinkage`: :func:`plot_shrinkage_factors` (a global–local prior's
  :math:`\kappa_j` and :math:`m_{\text{eff}}`).
"""

from __future__ import annotations

from bayesreg.plots.path import plot_regularization_path
from bayesreg.plots.penalty import plot_prior_penalty, plot_shrinkage_dynamics
from bayesreg.plots.posterior import plot_posterior_forest, plot_prior_vs_posterior
from bayesreg.plots.shrinkage import plot_shrinkage_factors

__all__ = ["plot_prior_penalty", "plot_regularization_path", "plot_posterior_forest",
           "plot_prior_vs_posterior", "plot_shrinkage_dynamics", "plot_shrinkage_factors"]
