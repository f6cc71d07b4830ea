r"""Plots that make the prior ↔ penalty correspondence visible: prior densities and their penalties,
regularisation paths (MAP versus an independent penalised solver, with the prior scale on a second
axis), posterior forests, prior-versus-posterior panels and penalty-only gradient dynamics.

Every function accepts existing Axes (``ax``/``axes``) and returns the Axes it drew on (one panel)
or the Figure (several panels).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from bayesreg.priors import ElasticNet, Gaussian, Laplace, Prior

__all__ = ["plot_prior_penalty", "plot_regularization_path", "plot_posterior_forest",
           "plot_prior_vs_posterior", "plot_shrinkage_dynamics"]


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


# ---------------------------------------------------------------------- regularization path
def _scale_of(l1: np.ndarray, l2: np.ndarray) -> tuple[float | None, str]:
    """The prior scale of common penalty weights: Laplace b, Gaussian σ², or 1/ℓ₁ of an elastic net."""
    if np.ptp(l1) > 1e-12 * np.max(l1) or np.ptp(l2) > 1e-12 * np.max(l2):
        return None, ""  # per-feature scales: no single prior-scale axis
    if np.all(l2 == 0):
        return 1.0 / l1[0], "Laplace prior scale b = 1/ℓ₁"
    if np.all(l1 == 0):
        return 0.5 / l2[0], "Gaussian prior variance σ² = 1/(2ℓ₂)"
    return 1.0 / l1[0], "elastic-net prior: Laplace-part scale 1/ℓ₁"


def plot_regularization_path(X: Any, y: Any, convention: str = "sklearn.Lasso", param: str = "alpha",
                             values: Sequence[float] | None = None, likelihood: str | None = None,
                             ax: Any = None, *, noise_sigma: float = 1.0, fit_intercept: bool = True,
                             n_values: int = 40, **fixed_params: Any) -> Any:
    """MAP coefficients over a penalty grid (lines) and an independent penalised solver (markers).

    For every value of ``param`` the penalty of ``convention`` is mapped to its prior
    (:func:`bayesreg.penalty_to_prior`) and the exact MAP is computed (:func:`bayesreg.find_map`);
    the same sum-form weights (:func:`bayesreg.penalty_to_weights`) are passed to
    :func:`bayesreg.reference.reference_solve`, which shares no code with the MAP solver.

    Parameters
    ----------
    X, y : array-like
        Data (feature names of a DataFrame label the lines).
    convention, param : str
        Penalty convention (:func:`bayesreg.list_conventions`) and its strength parameter.
    values : sequence of float, optional
        Grid of ``param``. Default: ``n_values`` log-spaced values from just above the value that
        zeroes every L1-penalised coefficient down to 1/1000 of it (pure L2: six decades around
        the data's curvature).
    likelihood : {"gaussian", "logistic"}, optional
        Default: the one the convention implies.
    ax : matplotlib Axes, optional
    noise_sigma : float, default=1.0
        Gaussian noise scale of the model (enters the prior scale of squared-error conventions).
    fit_intercept : bool, default=True
    n_values : int, default=40
    **fixed_params
        The convention's other parameters (``l1_ratio``, ``penalty``...).

    Returns
    -------
    matplotlib.axes.Axes
        With attributes ``bayesreg_max_diff`` (max |MAP − reference| over the path),
        ``bayesreg_max_rel_diff`` (the same divided by the largest |reference coefficient| on the
        path), ``bayesreg_path`` (dict of ``values``, ``map_coef``, ``reference_coef``,
        ``prior_scale``) and, when all features share one prior scale, ``bayesreg_prior_scale``
        (the exact ``(forward, inverse)`` maps strength ↔ scale) and ``bayesreg_secondary_axis``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from bayesreg.conventions import penalty_to_prior, penalty_to_weights
    from bayesreg.data import RegressionData
    from bayesreg.likelihoods import get_likelihood
    from bayesreg.map import find_map
    from bayesreg.reference import reference_solve
    from bayesreg.verify import infer_likelihood

    lik_name = likelihood or infer_likelihood(convention, fixed_params)
    lik = get_likelihood(lik_name, noise_sigma)
    data = RegressionData.from_xy(X, y, binary=lik.binary, fit_intercept=fit_intercept)
    xy = {"X": data.X, "y": data.y} if convention == "glmnet" else {}

    ctx = {"n": data.n_samples, "noise_sigma": noise_sigma, **xy, **fixed_params}

    def weights(v: float) -> tuple[np.ndarray, np.ndarray]:
        pw = penalty_to_weights(convention, **ctx, **{param: float(v)})
        shape = (data.n_features,)
        return np.broadcast_to(pw.l1, shape).astype(float), np.broadcast_to(pw.l2, shape).astype(float)

    # every convention's weights are a power law of its strength: l(v) = l(1) * v**k
    w1, w10 = weights(1.0), weights(10.0)
    k = float(np.log10(np.sum(w10[0] + w10[1]) / np.sum(w1[0] + w1[1])))
    if not np.isfinite(k) or k == 0:
        raise ValueError(f"{param!r} does not set the penalty strength of {convention!r}.")
    if values is None:
        Xc = data.X - data.X.mean(axis=0) if fit_intercept else data.X
        yc = data.y - data.y.mean() if fit_intercept else data.y - (0.5 if lik.binary else 0.0)
        if np.any(w1[0] > 0):  # smallest strength with all-zero L1 coefficients, times 1.25
            grad0 = np.abs(Xc.T @ yc) / (noise_sigma**2 if not lik.binary else 1.0)
            top = float(np.max(grad0[w1[0] > 0] / w1[0][w1[0] > 0]))
            mult = top * np.geomspace(1.25, 1e-3, n_values)
        else:
            curv = np.mean(np.sum(Xc**2, axis=0)) * (0.25 if lik.binary else noise_sigma**-2)
            mult = curv / np.mean(w1[1]) * np.geomspace(1e3, 1e-3, n_values)
        values = mult ** (1.0 / k)
    values = np.sort(np.asarray(values, dtype=float))
    if values.ndim != 1 or values.size < 2 or np.any(values <= 0):
        raise ValueError("values must hold at least two positive penalty strengths.")

    p = data.n_features
    map_coef, ref_coef = np.empty((values.size, p)), np.empty((values.size, p))
    scales = np.full(values.size, np.nan)
    order = np.argsort(values * np.sign(k))[::-1]  # strongest penalty first: warm starts
    theta = None
    for i in order:
        l1, l2 = weights(values[i])
        scale, scale_label = _scale_of(l1, l2)
        scales[i] = np.nan if scale is None else scale
        res = find_map(data, penalty_to_prior(convention, **ctx, **{param: float(values[i])}), lik,
                       warm_start=theta)
        if not res.certificate.passed:
            warnings.warn(f"MAP at {param}={values[i]:g} not certified: {res.certificate}",
                          RuntimeWarning, stacklevel=2)
        theta = np.append(res.coef, res.intercept) if fit_intercept else res.coef
        map_coef[i] = res.coef
        ref_coef[i] = reference_solve(data.X, data.y, l1, l2, likelihood=lik_name, noise_sigma=noise_sigma,
                                      fit_intercept=fit_intercept).coef
    max_diff = float(np.max(np.abs(map_coef - ref_coef)))
    max_rel = max_diff / max(float(np.max(np.abs(ref_coef))), np.finfo(float).tiny)

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 5.5), layout="constrained")
    cmap = plt.get_cmap("tab10" if p <= 10 else "tab20")
    for j, name in enumerate(data.feature_names):
        color = cmap(j % cmap.N)
        ax.plot(values, map_coef[:, j], color=color, lw=1.8, label=name)
        ax.plot(values, ref_coef[:, j], ls="none", marker="o", ms=5, mfc="none", mec=color, mew=1.1)
    ax.axhline(0.0, color="0.6", lw=0.8, zorder=0)
    ax.set_xscale("log")
    ax.set_xlim(values[0], values[-1])
    ax.set(xlabel=f"{convention} penalty  {param}  (log scale)", ylabel="coefficient")
    ax.set_title(f"{convention} path: MAP of the mapped prior = penalised optimum", pad=8)
    feat_legend = ax.legend(title="feature", fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.add_artist(feat_legend)
    style = [Line2D([], [], color="0.2", lw=1.8, label="MAP of the mapped prior (PyMC model)"),
             Line2D([], [], color="0.2", ls="none", marker="o", mfc="none", label="independent penalised solver")]
    ax.legend(handles=style, fontsize="small", loc="lower left", bbox_to_anchor=(1.01, 0.0),
              title=f"max |MAP − reference|\n= {max_diff:.1e} (relative {max_rel:.1e})",
              title_fontsize="small")

    # secondary axis with the exact prior scale, a power law of the strength
    fwd_c = scales[0] / values[0] ** (-k) if np.isfinite(scales[0]) else np.nan
    if np.all(np.isfinite(scales)) and np.allclose(scales, fwd_c * values ** (-k), rtol=1e-9):
        def forward(v: np.ndarray) -> np.ndarray:  # strength -> prior scale
            with np.errstate(all="ignore"):
                return fwd_c * np.asarray(v, dtype=float) ** (-k)

        def inverse(s: np.ndarray) -> np.ndarray:  # prior scale -> strength
            with np.errstate(all="ignore"):
                return (np.asarray(s, dtype=float) / fwd_c) ** (-1.0 / k)

        sec = ax.secondary_xaxis("top", functions=(forward, inverse))
        sec.set_xlabel(f"{scale_label}   (noise σ = {noise_sigma:.3g})" if lik_name == "gaussian"
                       else scale_label)
        ax.bayesreg_secondary_axis = sec
        ax.bayesreg_prior_scale = (forward, inverse)
    ax.bayesreg_max_diff, ax.bayesreg_max_rel_diff = max_diff, max_rel
    ax.bayesreg_path = {"values": values, "map_coef": map_coef, "reference_coef": ref_coef, "prior_scale": scales}
    return ax


# ---------------------------------------------------------------------- posterior plots
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

    from bayesreg.sampling import _arviz

    draws, names = _posterior_coef(estimator)
    p = draws.shape[1]
    hdi = np.asarray(_arviz().hdi(estimator.idata_, var_names=["coef"], hdi_prob=hdi_prob)["coef"].values)
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
