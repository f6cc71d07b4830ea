"""Posterior plots of a NUTS-fitted estimator (re-exported by :mod:`bayesreg.plots`).

:func:`plot_posterior_forest` shows per-feature posterior intervals with the MAP and a penalised
estimate; :func:`plot_prior_vs_posterior` overlays each coefficient's prior density on its
posterior draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bayesreg.model.priors import Gaussian
from bayesreg.plots.penalty import _coord_logpdf

__all__ = ["plot_posterior_forest", "plot_prior_vs_posterior"]


def _posterior_coef(estimator: Any) -> tuple[np.ndarray, list[str]]:
    """Posterior draws of ``coef`` as (chains*draws, p) and the feature names."""
    if not hasattr(estimator, "idata_"):
        raise ValueError("this plot needs posterior draws: fit BayesianRegression with method='nuts'.")
    draws = np.asarray(estimator.idata_.posterior["coef"].values, dtype=float)
    draws = draws.reshape(-1, draws.shape[-1])
    names = [str(n) for n in getattr(estimator, "feature_names_in_", range(draws.shape[1]))]
    return draws, names


def plot_posterior_forest(estimator: Any, map_coef: Any = None, penalized_coef: Any = None,
                          hdi_prob: float = 0.94, ax: Any = None) -> Any:
    """Per-feature posterior median, central 50 % interval and HDI, with MAP and penalised estimates.

    Parameters
    ----------
    estimator : BayesianRegression
        Fitted with ``method="nuts"`` (uses ``estimator.idata_``).
    map_coef, penalized_coef : array-like of shape (n_features,), optional
        The MAP (e.g. ``BayesianRegression(method="map").fit(X, y).coef_``) and a penalised
        estimate (e.g. scikit-learn's ``Lasso(alpha).coef_``), drawn as distinct markers.
    hdi_prob : float, default=0.94
        Mass of the highest-density interval (:func:`arviz.hdi`).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    from bayesreg.inference.diagnostics import hdi as posterior_hdi

    draws, names = _posterior_coef(estimator)
    p = draws.shape[1]
    hdi = posterior_hdi(estimator.idata_, "coef", hdi_prob)
    q25, med, q75 = np.quantile(draws, [0.25, 0.5, 0.75], axis=0)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.45 * p + 1.8), layout="constrained")
    pos = np.arange(p)[::-1]
    ax.hlines(pos, hdi[:, 0], hdi[:, 1], color="C0", lw=1.5, label=f"{hdi_prob:.0%} HDI")
    ax.hlines(pos, q25, q75, color="C0", lw=5, label="50% interval")
    ax.plot(med, pos, "o", color="white", mec="C0", mew=1.5, ms=7, label="posterior median")
    marks = ((map_coef, {"marker": "D", "ms": 9, "mfc": "none", "mec": "C3", "mew": 1.8}, "MAP"),
             (penalized_coef, {"marker": "x", "ms": 6, "color": "k", "mew": 1.6}, "penalised estimate"))
    for coef, style, label in marks:
        if coef is not None:
            coef = np.asarray(coef, dtype=float)
            if coef.shape != (p,):
                raise ValueError(f"{label} must have shape ({p},); got {coef.shape}.")
            ax.plot(coef, pos, ls="none", label=label, zorder=3, **style)
    ax.axvline(0.0, color="0.6", lw=0.8, zorder=0)
    ax.set_yticks(pos, names)
    ax.set_ylim(-0.7, p - 0.3)
    ax.set(xlabel="coefficient", ylabel="feature", title="Posterior of the coefficients")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def plot_prior_vs_posterior(estimator: Any, features: Sequence[int | str] | None = None,
                            axes: Any = None) -> Any:
    """Per coefficient: the prior density (``estimator.prior``) versus the posterior draws.

    Parameters
    ----------
    estimator : BayesianRegression
        Fitted with ``method="nuts"``.
    features : sequence of int or str, optional
        Features to show (indices or names); default all.
    axes : sequence of matplotlib Axes, optional
        One per feature; default a new grid of panels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from scipy import stats

    draws, names = _posterior_coef(estimator)
    p = draws.shape[1]
    prior = Gaussian(1.0) if estimator.prior is None else estimator.prior
    idx = list(range(p)) if features is None else [names.index(f) if isinstance(f, str) else int(f)
                                                    for f in features]
    if axes is None:
        ncols = min(4, len(idx))
        nrows = -(-len(idx) // ncols)
        fig, grid = plt.subplots(nrows, ncols, figsize=(3.3 * ncols, 2.7 * nrows), layout="constrained",
                                 squeeze=False)
        axes = grid.ravel()
        for a in axes[len(idx):]:
            a.set_visible(False)
    axes = list(np.ravel(axes))
    if len(axes) < len(idx):
        raise ValueError(f"need {len(idx)} axes, got {len(axes)}.")
    prior_draws = prior.sample(p, 20_000, np.random.default_rng(0))
    for a, j in zip(axes, idx, strict=False):
        d = draws[:, j]
        lo, hi = np.quantile(d, [0.005, 0.995])
        plo, phi = np.quantile(prior_draws[:, j], [0.02, 0.98])
        lo, hi = min(lo, plo), max(hi, phi)
        lo, hi = lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)
        grid_w = np.union1d(np.linspace(lo, hi, 600), [0.0] if lo < 0 < hi else [])
        a.hist(d, bins=30, density=True, color="C0", alpha=0.3, label="posterior draws")
        if np.ptp(d) > 0:
            a.plot(grid_w, stats.gaussian_kde(d)(grid_w), color="C0", lw=1.8, label="posterior (KDE)")
        a.plot(grid_w, np.exp(_coord_logpdf(prior, grid_w, j, p)), color="C3", ls="--", lw=1.8,
               label="prior")
        a.set_xlim(lo, hi)
        a.set(title=names[j], xlabel="coefficient", ylabel="density")
    axes[0].legend(fontsize="x-small", loc="best")
    fig = axes[0].figure
    fig.suptitle(f"Prior vs posterior ({type(prior).__name__} prior)")
    return fig
