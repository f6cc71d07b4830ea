r"""Plots that make the prior ↔ penalty correspondence visible: prior densities and their penalties,
regularisation paths (MAP versus an independent penalised solver, with the prior scale on a second
axis), posterior forests, prior-versus-posterior panels and penalty-only gradient dynamics.

Every function accepts existing Axes (``ax``/``axes``) and returns the Axes it drew on (one panel)
or the Figure (several panels).

This module is the public entry point; the plots are written by family in private modules and
re-exported here:

* :mod:`bayesreg._plots_penalty`: :func:`plot_prior_penalty`, :func:`plot_shrinkage_dynamics`
  (no data needed);
* :mod:`bayesreg._plots_path`: :func:`plot_regularization_path`;
* :mod:`bayesreg._plots_posterior`: :func:`plot_posterior_forest`, :func:`plot_prior_vs_posterior`
  (estimators fitted with ``method="nuts"``).
"""

from __future__ import annotations

# the private helpers (_coord_logpdf, _default_priors, _scale_of, _posterior_coef) are re-exported
# so that they stay importable from bayesreg.plots
from bayesreg._plots_path import _scale_of, plot_regularization_path  # noqa: F401
from bayesreg._plots_penalty import (  # noqa: F401
    _coord_logpdf,
    _default_priors,
    plot_prior_penalty,
    plot_shrinkage_dynamics,
)
from bayesreg._plots_posterior import _posterior_coef, plot_posterior_forest, plot_prior_vs_posterior  # noqa: F401

__all__ = ["plot_prior_penalty", "plot_regularization_path", "plot_posterior_forest",
           "plot_prior_vs_posterior", "plot_shrinkage_dynamics"]
