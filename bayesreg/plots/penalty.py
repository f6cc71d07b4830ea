r"""Data-free plots of the prior ↔ penalty correspondence (re-exported by :mod:`bayesreg.plots`).

:func:`plot_prior_penalty` draws prior densities next to their penalties
:math:`-\log p(w) + \log p(0)`; :func:`plot_shrinkage_dynamics` runs gradient steps on the penalty
alone (L1 reaches 0, L2 only decays). Also the per-coordinate prior log-density
:func:`_coord_logpdf` that the posterior plots (:mod:`bayesreg.plots.posterior`) draw as well.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from bayesreg.model.priors import ElasticNet, Gaussian, Laplace, Prior

__all__ = ["plot_prior_penalty", "plot_shrinkage_dynamics"]


def _coord_logpdf(prior: Prior, w: np.ndarray, j: int = 0, p: int = 1) -> np.ndarray:
    r"""Log-density of coordinate ``j`` (of ``p``) at each value of ``w``.

    The term :math:`-\ell_{1,j}|w| - \ell_{2,j}w^2 - \log Z_j` of :meth:`Prior.logpdf`, vectorised.
    """
    l1, l2 = prior.penalty_weights(p)
    log_z = prior.log_normalizer(p)
    w = np.asarray(w, dtype=float)
    return -(l1[j] * np.abs(w) + l2[j] * w**2) - log_z[j]


def _default_priors() -> dict[str, Prior]:
    """Laplace, Gaussian and elastic-net priors, all with variance 1."""
    from scipy import integrate

    l1, l2 = 1.0, 1.0  # elastic-net shape; w -> s*w maps (l1, l2) to (l1/s, l2/s^2)
    kernel = ElasticNet(l1, l2)
    var = 2.0 * integrate.quad(lambda w: w**2 * np.exp(_coord_logpdf(kernel, w)), 0.0, np.inf)[0]
    b = 1.0 / np.sqrt(2.0)
    return {
        f"Laplace (L1), b = {b:.3f}": Laplace(b),
        "Gaussian (L2), σ = 1": Gaussian(1.0),
        f"Elastic net, ℓ₁ = {l1 * np.sqrt(var):.3f}, ℓ₂ = {l2 * var:.3f}":
            ElasticNet(l1 * np.sqrt(var), l2 * var),
    }


def plot_prior_penalty(priors: Sequence[Prior] | Mapping[str, Prior] | None = None,
                       ax: Sequence[Any] | None = None,
                       w_range: tuple[float, float] = (-3.0, 3.0)) -> Any:
    """Prior densities (left) and their penalties :math:`-\\log p(w) + \\log p(0)` (right).

    Parameters
    ----------
    priors : sequence of Prior or mapping label → Prior, optional
        Scalar-scale priors. Default: Laplace, Gaussian and elastic net with variance 1.
    ax : pair of matplotlib Axes, optional
        Where to draw the densities and the penalties; a new figure when ``None``.
    w_range : (float, float), default=(-3, 3)
        Range of the weight axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    title = "Priors"
    if priors is None:
        priors, title = _default_priors(), "Priors, all with variance 1"
    elif not isinstance(priors, Mapping):
        priors = {repr(pr): pr for pr in priors}
    for pr in priors.values():
        if not isinstance(pr, Prior) or pr.n_features is not None:
            raise ValueError(f"plot_prior_penalty needs scalar-scale bayesreg priors; got {pr!r}.")
    if ax is None:
        _, ax = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    ax_d, ax_p = ax
    w = np.union1d(np.linspace(*w_range, 1201), [0.0])  # the kink is drawn exactly
    for label, pr in priors.items():
        logp = _coord_logpdf(pr, w)
        (line,) = ax_d.plot(w, np.exp(logp), lw=2, label=label)
        ax_p.plot(w, _coord_logpdf(pr, np.zeros(1))[0] - logp, lw=2, color=line.get_color(), label=label)
    ax_d.set(xlabel="weight w", ylabel="prior density p(w)", title=title, xlim=w_range, ylim=(0.0, None))
    ax_p.set(xlabel="weight w", ylabel="penalty  −log p(w) + log p(0)", xlim=w_range, ylim=(0.0, None),
             title="Penalties: −log prior (L1 has a kink at 0)")
    if any(pr.penalty_weights(1)[0][0] > 0 for pr in priors.values()):
        ax_p.annotate("kink at w = 0:\nexact zeros in the MAP", xy=(0.0, 0.0),
                      xytext=(0.5, 0.55), textcoords="axes fraction", ha="center",
                      arrowprops={"arrowstyle": "->", "color": "0.3"})
    for a in (ax_d, ax_p):
        a.axvline(0.0, color="0.85", lw=0.8, zorder=0)
    ax_d.legend(fontsize="small", loc="upper left")  # same colours on both panels
    return ax_d.figure


# ---------------------------------------------------------------------- shrinkage intuition
def plot_shrinkage_dynamics(w0: float = 2.0, lam: float = 0.5, lr: float = 0.1, steps: int = 60,
                            ax: Any = None) -> Any:
    """Gradient steps on the penalty alone (no data term): L1 reaches 0, L2 only decays.

    L1 (:math:`\\lambda|w|`): each step subtracts :math:`\\mathrm{lr}\\,\\lambda\\,\\mathrm{sign}(w)`,
    clipped at 0 when it would cross (the proximal step), so the weight is exactly 0 after
    :math:`\\lceil |w_0| / (\\mathrm{lr}\\,\\lambda) \\rceil` steps. L2 (:math:`\\lambda w^2`): each step
    multiplies by :math:`1 - 2\\,\\mathrm{lr}\\,\\lambda` and never reaches 0.

    Parameters
    ----------
    w0 : float, default=2.0
        Starting weight.
    lam : float, default=0.5
        Penalty strength λ (with ``lam=0.1`` the L1 weight needs 200 steps to reach 0).
    lr : float, default=0.1
        Learning rate.
    steps : int, default=60
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        With ``bayesreg_trajectories`` = ``{"l1": array, "l2": array}`` (length ``steps + 1``).
    """
    import matplotlib.pyplot as plt

    if not (lam > 0 and lr > 0) or int(steps) != steps or steps < 1:
        raise ValueError("lam and lr must be > 0 and steps a positive integer.")
    steps = int(steps)
    l1, l2 = np.full(steps + 1, float(w0)), np.full(steps + 1, float(w0))
    for t in range(steps):
        l1[t + 1] = np.sign(l1[t]) * max(abs(l1[t]) - lr * lam, 0.0)  # clipped: never crosses 0
        l2[t + 1] = l2[t] * (1.0 - 2.0 * lr * lam)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
    t = np.arange(steps + 1)
    ax.plot(t, l1, "-", color="C3", lw=2, label=f"L1: w ← w − lr·λ·sign(w), clipped at 0  (λ={lam:g})")
    ax.plot(t, l2, "-", color="C0", lw=2, label=f"L2: w ← (1 − 2·lr·λ)·w  (λ={lam:g})")
    ax.axhline(0.0, color="0.6", lw=0.8, zorder=0)
    zeros = np.flatnonzero(l1 == 0.0)
    hit = int(zeros[0]) if zeros.size else int(np.ceil(abs(w0) / (lr * lam)))
    y1, y2 = (0.45, 0.25) if w0 >= 0 else (0.55, 0.75)  # text away from the curves
    if zeros.size:
        ax.plot(hit, 0.0, "o", color="C3", ms=7, zorder=3)
        ax.annotate(f"L1: exactly 0 at step {hit}", xy=(hit, 0.0), xytext=(0.55, y1),
                    textcoords="axes fraction", color="C3", arrowprops={"arrowstyle": "->", "color": "C3"})
    else:
        ax.text(0.55, y1, f"L1 reaches 0 at step {hit}\n(beyond the plotted steps)", color="C3",
                transform=ax.transAxes)
    ax.annotate(f"L2 after {steps} steps: {l2[-1]:.2g} (never 0)", xy=(steps, l2[-1]), xytext=(0.55, y2),
                textcoords="axes fraction", color="C0", arrowprops={"arrowstyle": "->", "color": "C0"})
    ax.set(xlabel=f"gradient step (lr = {lr:g})", ylabel="weight w",
           title="Gradient descent on the penalty alone: L1 reaches zero, L2 decays geometrically")
    ax.legend(fontsize="small", loc="upper right" if w0 >= 0 else "lower right")
    ax.bayesreg_trajectories = {"l1": l1, "l2": l2}
    return ax
