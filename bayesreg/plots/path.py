"""Regularisation paths: MAP versus an independent penalised solver (re-exported by :mod:`bayesreg.plots`).

:func:`plot_regularization_path` maps a convention's penalty to its prior along a grid of
strengths, computes the exact MAP (:func:`bayesreg.find_map`) and the optimum of
:func:`bayesreg.reference.penalized.reference_solve`, and draws both, with the exact prior scale on a
secondary axis when all features share one.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["plot_regularization_path"]


def _scale_of(l1: np.ndarray, l2: np.ndarray) -> tuple[float | None, str]:
    """The prior scale of common penalty weights: Laplace b, Gaussian σ², or 1/ℓ₁ of an elastic net."""
    if np.ptp(l1) > 1e-12 * np.max(l1) or np.ptp(l2) > 1e-12 * np.max(l2):
        return None, ""  # per-feature scales: no single prior-scale axis
    if np.all(l2 == 0):
        return 1.0 / l1[0], "Laplace prior scale b = 1/ℓ₁"
    if np.all(l1 == 0):
        return 0.5 / l2[0], "Gaussian prior variance σ² = 1/(2ℓ₂)"
    return 1.0 / l1[0], "elastic-net prior: Laplace-part scale 1/ℓ₁"


def plot_regularization_path(X: Any, y: Any = None, convention: str = "sklearn.Lasso", param: str = "alpha",
                             values: Sequence[float] | None = None, likelihood: str | None = None,
                             ax: Any = None, *, noise_sigma: float = 1.0, fit_intercept: bool = True,
                             n_values: int = 40, **fixed_params: Any) -> Any:
    """MAP coefficients over a penalty grid (lines) and an independent penalised solver (markers).

    ``X`` may also be a :class:`bayesreg.RegularizationPath` (from :func:`bayesreg.regularization_path`):
    its certified coefficients are drawn over its own grid, with the prior scale of each point on a
    secondary axis (the other arguments but ``ax`` are then not used).

    For every value of ``param`` the penalty of ``convention`` is mapped to its prior
    (:func:`bayesreg.penalty_to_prior`) and the exact MAP is computed (:func:`bayesreg.find_map`);
    the same sum-form weights (:func:`bayesreg.penalty_to_weights`) are passed to
    :func:`bayesreg.reference.penalized.reference_solve`, which shares no code with the MAP solver.

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

    from bayesreg.inference.path import RegularizationPath

    if isinstance(X, RegularizationPath):
        return _plot_path_object(X, ax)
    if y is None:
        raise TypeError("plot_regularization_path needs y with a design matrix X (or a RegularizationPath as X).")
    from bayesreg.conventions import penalty_to_prior, penalty_to_weights
    from bayesreg.inference.map import find_map
    from bayesreg.model.data import RegressionData
    from bayesreg.model.likelihoods import get_likelihood
    from bayesreg.reference.penalized import reference_solve
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


def _plot_path_object(path: Any, ax: Any = None) -> Any:
    """Draw a :class:`bayesreg.RegularizationPath`: coefficients over the grid (log scale), and the
    prior scale (Laplace b, else Gaussian τ) of every point on a secondary axis when it is one
    number per point. Returns the Axes with ``bayesreg_path`` (the path object)."""
    import matplotlib.pyplot as plt

    order = np.argsort(path.grid)
    grid, coef = path.grid[order], path.coef_[order]
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 5.5), layout="constrained")
    cmap = plt.get_cmap("tab10" if coef.shape[1] <= 10 else "tab20")
    for j, name in enumerate(path.feature_names):
        ax.plot(grid, coef[:, j], color=cmap(j % cmap.N), lw=1.8, label=str(name))
    ax.axhline(0.0, color="0.6", lw=0.8, zorder=0)
    if grid.size > 1:
        ax.set_xscale("log")
        ax.set_xlim(grid[0], grid[-1])
    ax.set(xlabel=f"{path.convention} penalty  {path.param}  (log scale)", ylabel="coefficient")
    status = "every point certified" if path.passed else "NOT every point certified"
    ax.set_title(f"{path.convention} regularization path: exact MAP ({status})", pad=8)
    if coef.shape[1] <= 20:
        ax.legend(title="feature", fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    for scales, label in ((path.prior_b[order], "Laplace prior scale b"),
                          (path.prior_tau[order], "Gaussian prior scale τ")):
        common = np.all(scales == scales[:, :1], axis=1) & np.isfinite(scales[:, 0])
        if grid.size > 1 and np.all(common):
            s0 = scales[:, 0]
            # every convention's scale is a power law of its strength: log s = a + k log v
            k, a = np.polyfit(np.log(grid), np.log(s0), 1)
            if np.allclose(np.exp(a + k * np.log(grid)), s0, rtol=1e-9):
                def forward(v: np.ndarray, a: float = a, k: float = k) -> np.ndarray:
                    with np.errstate(all="ignore"):
                        return np.exp(a + k * np.log(np.asarray(v, dtype=float)))

                def inverse(sv: np.ndarray, a: float = a, k: float = k) -> np.ndarray:
                    with np.errstate(all="ignore"):
                        return np.exp((np.log(np.asarray(sv, dtype=float)) - a) / k)

                sec = ax.secondary_xaxis("top", functions=(forward, inverse))
                sec.set_xlabel(f"{label}   (noise σ = {path.noise_sigma:.3g})")
                ax.bayesreg_secondary_axis = sec
                ax.bayesreg_prior_scale = (forward, inverse)
            break
    ax.bayesreg_path = path
    return ax
