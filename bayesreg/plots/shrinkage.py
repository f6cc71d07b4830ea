r"""Shrinkage profile of a global–local prior's posterior (re-exported by :mod:`bayesreg.plots`).

:func:`plot_shrinkage_factors` draws, per feature, the posterior median and central interval of
Piironen & Vehtari's shrinkage factor :math:`\kappa_j = 1/(1 + n s_j^2 v_j/\sigma^2)` (0: not shrunk,
1: shrunk to zero; :meth:`bayesreg.BayesianRegression.shrinkage_factors`), and the posterior of the
effective number of non-zero coefficients :math:`m_{\text{eff}} = \sum_j (1 - \kappa_j)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["plot_shrinkage_factors"]


def plot_shrinkage_factors(estimator: Any, prob: float = 0.9, nonzero: Sequence[int] | None = None,
                           axes: Any = None) -> Any:
    r"""Shrinkage factors :math:`\kappa_j` per feature and the posterior of :math:`m_{\text{eff}}`.

    Parameters
    ----------
    estimator : BayesianRegression
        Fitted with ``method="nuts"`` and a global–local prior (Horseshoe, HorseshoePlus,
        RegularizedHorseshoe, R2D2).
    prob : float, default=0.9
        Mass of the central interval drawn for each :math:`\kappa_j`.
    nonzero : sequence of int, optional
        Indices of the features known to matter (e.g. a simulation's true support): drawn in a
        second colour.
    axes : pair of matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    kappa = estimator.shrinkage_factors(draws=True)
    m_eff = estimator.effective_nonzeros(draws=True)
    p = kappa.shape[1]
    lo, med, hi = np.quantile(kappa, [(1 - prob) / 2, 0.5, (1 + prob) / 2], axis=0)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), width_ratios=(3, 1), layout="constrained")
    else:
        fig = axes[0].figure
    ax, ax_m = axes
    signal = np.zeros(p, dtype=bool)
    if nonzero is not None:
        signal[np.asarray(nonzero, dtype=int)] = True
    for mask, colour, label in ((~signal, "C0", "features"), (signal, "C3", "true non-zero")):
        if not mask.any() or (label == "true non-zero" and nonzero is None):
            continue
        idx = np.flatnonzero(mask)
        ax.vlines(idx, lo[idx], hi[idx], color=colour, alpha=0.5, lw=1.5)
        ax.plot(idx, med[idx], "o", color=colour, ms=3.5, label=label if nonzero is not None else None)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("feature")
    ax.set_ylabel(r"shrinkage factor $\kappa_j$")
    ax.set_title(rf"posterior median and {prob:.0%} interval of $\kappa_j$ (0: kept, 1: shrunk to 0)")
    if p <= 30:
        ax.set_xticks(np.arange(p), [str(n) for n in estimator.feature_names_in_], rotation=60, fontsize=8)
    if nonzero is not None:
        ax.legend(loc="center right", fontsize=8)
    ax_m.hist(m_eff, bins=40, color="C2", alpha=0.7)
    ax_m.axvline(m_eff.mean(), color="k", lw=1)
    ax_m.set_xlabel(r"$m_{\mathrm{eff}} = \sum_j (1-\kappa_j)$")
    ax_m.set_yticks([])
    ax_m.set_title(f"effective non-zeros: mean {m_eff.mean():.1f}")
    return fig
