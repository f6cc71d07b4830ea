r"""glmnet's convention (R package glmnet 4.x), including its internal scaling of X and y.

glmnet documents the objective

.. math::

    \text{gaussian:}\quad \frac{1}{2n}\|y - c - X\beta\|^2 + \lambda P_\alpha(\beta), \qquad
    \text{binomial, poisson:}\quad -\frac1n \log L(\beta, c) + \lambda P_\alpha(\beta),

    P_\alpha(\beta) = \alpha\|\beta\|_1 + \frac{1-\alpha}{2}\|\beta\|_2^2 ,

but it is applied to internally scaled data, and the coefficients it returns are mapped back:

1. ``standardize=TRUE`` (the default) scales each column by its *population* standard deviation
   :math:`s_j = \sqrt{\frac1n\sum_i (x_{ij} - \bar x_j)^2}` and penalises the standardised
   coefficients :math:`\beta_j s_j`. On the original scale the penalty becomes
   :math:`\lambda\sum_j [\alpha s_j|\beta_j| + \frac{1-\alpha}{2}s_j^2\beta_j^2]`: per-feature
   prior scales.
2. ``family="gaussian"`` always scales y by its population standard deviation :math:`s_y` and
   solves with :math:`\lambda/s_y`. Writing :math:`\tilde\beta = \beta/s_y`, the objective
   :math:`\frac{1}{2n}\|y/s_y - X\tilde\beta\|^2 + \frac{\lambda}{s_y}P_\alpha(\tilde\beta)`
   times :math:`s_y^2` is
   :math:`\frac{1}{2n}\|y - X\beta\|^2 + \lambda[\alpha\|\beta\|_1 + \frac{1-\alpha}{2 s_y}\|\beta\|^2]`:
   the L1 part is invariant, the L2 part is divided by :math:`s_y`. This is why a glmnet ridge
   fit does not match scikit-learn's Ridge at "the same" λ.

(``family="poisson"``: log link, :math:`\eta_i = o_i + c + x_i^\top\beta` with glmnet's ``offset``
:math:`o_i`, the log exposure: fit with ``offset=`` as well; y is not scaled, as for binomial.
``family="multinomial"`` (``type.multinomial="ungrouped"``): :math:`-\frac1n\log L` of the softmax
over K classes with :math:`\beta` of shape (K, p) and
:math:`\lambda\sum_j\sum_k[\alpha s_j|\beta_{kj}| + \frac{1-\alpha}{2}s_j^2\beta_{kj}^2]`: the
binomial mapping below, per entry, the same for every class; glmnet reports centred intercepts,
see ``docs/conventions.md`` and ``tests/data/glmnet_multinomial.json``.)

Multiplying by :math:`n/\sigma_n^2` (gaussian) or :math:`n` (binomial, poisson) gives the sum form

.. math::

    \text{gaussian:}\;\ell_{1,j} = \frac{n\lambda\alpha s_j}{\sigma_n^2},\;
    \ell_{2,j} = \frac{n\lambda(1-\alpha)s_j^2}{2 s_y\sigma_n^2};\qquad
    \text{binomial, poisson, multinomial:}\;\ell_{1,j} = n\lambda\alpha s_j,\;
    \ell_{2,j} = \frac{n\lambda(1-\alpha)s_j^2}{2},

with :math:`s_j = 1` when ``standardize=FALSE``.

3. Observation ``weights`` :math:`v_i` (glmnet's ``weights=``): glmnet normalises them to sum to 1,
   so the loss is the weighted mean :math:`\frac{1}{2W}\sum_i v_i r_i^2` (or
   :math:`-\frac1W\sum_i v_i \log p_i`) with :math:`W = \sum_i v_i`, and the means and
   population sds of X and y above are the :math:`v`-weighted ones. Multiplying by
   :math:`W/\sigma_n^2` (or :math:`W`) gives the sum form with the *weighted* likelihood
   :math:`\sum_i v_i \ell_i` and the formulas above with :math:`n \to W`: fit the prior with
   ``sample_weight=weights``.

4. Without the rows: :math:`W`, :math:`s_j` and :math:`s_y` are functions of the sufficient
   statistics (:class:`bayesreg.SufficientStats`: :math:`s_j = \sqrt{\texttt{xtx}_{jj}/W}`,
   :math:`s_y = \sqrt{\texttt{yty}/W}`, weighted when the statistics were), so
   ``penalty_to_prior("glmnet", stats=stats, ...)`` maps a penalty on data that never fit in memory.

The evidence (R output at ``thresh=1e-14``, unweighted and weighted) is in
``docs/conventions_evidence.md`` and the fixture ``tests/data/glmnet_reference.json``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bayesreg._validation import check_fraction, check_nonnegative, check_positive_float, check_sample_weight
from bayesreg.conventions._base import Context, Convention, PenaltyWeights

__all__ = ["glmnet_to_weights", "glmnet_from_weights", "CONVENTIONS"]

FAMILIES = ("gaussian", "binomial", "poisson", "multinomial")


def _weighted_sd(a: np.ndarray, v: np.ndarray | None, axis: int | None = None) -> Any:
    """Population standard deviation, weighted by ``v`` (glmnet's scaling)."""
    if v is None:
        return a.std(axis=axis)
    mean = np.average(a, axis=axis, weights=v)
    return np.sqrt(np.average((a - mean) ** 2, axis=axis, weights=v))


def _scales(ctx: Context, family: str, standardize: bool, alpha: float | None, weights: object) -> tuple:
    if family not in FAMILIES:
        raise ValueError(f"The 'family' parameter of 'glmnet' must be one of "
                         f"{', '.join(map(repr, FAMILIES))}; got {family!r}.")
    if not isinstance(standardize, (bool, np.bool_)):
        raise TypeError(f"The 'standardize' parameter of 'glmnet' must be True or False; "
                        f"got {standardize!r}.")
    if ctx.stats is not None:  # the statistics carry W, the (weighted) column sds and sd(y)
        return _scales_from_stats(ctx, family, standardize, alpha, weights)
    n = ctx.need_n()
    v = None
    if weights is not None:
        rows = ctx.X.shape[0] if ctx.X is not None else int(n)
        v = check_sample_weight(weights, rows, name="weights")
        n = float(v.sum())  # the weighted mean loss times W is the weighted sum form
    if standardize:
        s = _weighted_sd(ctx.need_X("to standardize its columns (standardize=True)"), v, axis=0)
        if np.any(s == 0):
            raise ValueError("glmnet with standardize=True: X has a constant column (sd 0).")
    else:
        s = None
    s_y = 1.0
    if family == "gaussian" and (alpha is None or alpha < 1.0):
        s_y = float(_weighted_sd(ctx.need_y("for its internal scaling of y (family='gaussian', alpha < 1)"), v))
        if s_y == 0:
            raise ValueError("glmnet family='gaussian': y is constant (sd 0).")
    sigma2 = ctx.noise_sigma**2 if family == "gaussian" else 1.0
    return n, s, s_y, sigma2


def _scales_from_stats(ctx: Context, family: str, standardize: bool, alpha: float | None, weights: object) -> tuple:
    """:func:`_scales` from :class:`bayesreg.SufficientStats`: :math:`n \\to W`, weighted :math:`s_j`, :math:`s_y`."""
    st = ctx.stats
    if weights is not None:
        raise ValueError("glmnet: the statistics already carry the observation weights (build them with "
                         "sample_weight / weights=); do not pass weights= as well.")
    s = None
    if standardize:
        const = st.constant_features
        if np.any(const):
            raise ValueError("glmnet with standardize=True: X has a constant column (sd 0): column(s) "
                             f"{np.flatnonzero(const).tolist()[:5]}.")
        s = st.std_x
    s_y = 1.0
    if family == "gaussian" and (alpha is None or alpha < 1.0):
        s_y = st.std_y
        if s_y == 0:
            raise ValueError("glmnet family='gaussian': y is constant (sd 0).")
    sigma2 = ctx.noise_sigma**2 if family == "gaussian" else 1.0
    return st.weight_sum, s, s_y, sigma2


def glmnet_to_weights(ctx: Context, *, lambda_: float, alpha: float = 1.0,
                      family: str = "gaussian", standardize: bool = True,
                      penalty_factor: object = None, weights: object = None) -> PenaltyWeights:
    r"""glmnet(``lambda``, ``alpha``, ``family``, ``standardize``, ``penalty.factor``, ``weights``) → sum form.

    :math:`\ell_{1,j} = n\lambda\alpha v_j s_j/\sigma^2`,
    :math:`\ell_{2,j} = n\lambda(1-\alpha)v_j s_j^2/(2 s_y\sigma^2)` with :math:`\sigma^2 = \sigma_n^2`,
    :math:`s_y` the population sd of y for gaussian, :math:`\sigma^2 = s_y = 1` for binomial,
    :math:`s_j` the population sd of column j (1 without standardisation), and
    :math:`v_j = p\,f_j/\sum_k f_k` glmnet's rescaling of ``penalty.factor`` :math:`f` (1 by
    default; glmnet rescales the factors to sum to p). A zero factor leaves a coefficient
    unpenalised: a flat prior there (:class:`bayesreg.Unpenalized`). With observation
    ``weights`` :math:`v`, :math:`n` becomes :math:`W = \sum_i v_i` and :math:`s_j, s_y` the
    :math:`v`-weighted population sds (module docstring, point 3); the model must then be fitted
    with ``sample_weight=weights``.
    """
    lam = check_positive_float("lambda_", "glmnet", lambda_)
    a = check_fraction("alpha", "glmnet", alpha)
    n, s, s_y, sigma2 = _scales(ctx, family, standardize, a, weights)
    sj = np.ones(1) if s is None else s
    v = np.ones(1)
    if penalty_factor is not None:
        f = np.atleast_1d(np.asarray(check_nonnegative("penalty_factor", "glmnet", penalty_factor), dtype=float))
        p = ctx.X.shape[1] if ctx.X is not None else (ctx.stats.n_features if ctx.stats is not None else None)
        if p is not None and f.shape != (p,):
            raise ValueError(f"penalty_factor has {f.size} values but X has {p} columns.")
        if not np.any(f > 0):
            raise ValueError(f"The 'penalty_factor' parameter of glmnet needs at least one positive value "
                             f"(all zero leaves nothing penalised); got {f.tolist()}.")
        v = f.size * f / f.sum()  # zeros stay zero: flat priors (bayesreg.Unpenalized)
    l1 = n * lam * a * v * sj / sigma2
    l2 = n * lam * (1.0 - a) * v * sj**2 / (2.0 * s_y * sigma2)
    if l1.size == 1:
        return PenaltyWeights.of(float(l1[0]), float(l2[0]))
    return PenaltyWeights.of(l1, l2)


def glmnet_from_weights(ctx: Context, w: PenaltyWeights, family: str = "gaussian",
                        standardize: bool = True, weights: object = None) -> dict[str, Any]:
    r"""Inverse of :func:`glmnet_to_weights`.

    With :math:`u_j = \ell_{1,j}\sigma^2/(n s_j) = \lambda\alpha` and
    :math:`v_j = 2 s_y\ell_{2,j}\sigma^2/(n s_j^2) = \lambda(1-\alpha)` (both must be the same for
    every feature, else the prior is not a glmnet penalty), :math:`\lambda = u + v`,
    :math:`\alpha = u/(u + v)`; with observation ``weights``, :math:`n \to W` and weighted sds
    as in :func:`glmnet_to_weights`. Features with no penalty (a flat prior,
    :class:`bayesreg.Unpenalized`) come back as ``penalty_factor`` 0 (1 elsewhere); glmnet
    rescales the factors to sum to p, so then :math:`\lambda = (u + v)(p - k)/p` with k flat
    features.
    """
    pure_l1 = bool(np.all(np.asarray(w.l2) == 0))  # then glmnet's scaling of y does not matter
    n, s, s_y, sigma2 = _scales(ctx, family, standardize, 1.0 if pure_l1 else None, weights)
    sj = np.ones(np.shape(w.l1) or 1) if s is None else s
    u = np.broadcast_to(w.l1, sj.shape) * sigma2 / (n * sj)
    v = np.broadcast_to(w.l2, sj.shape) * 2.0 * s_y * sigma2 / (n * sj**2)
    flat = (u == 0) & (v == 0)
    factor = 1.0
    if np.any(flat) and flat.size > 1:
        factor = float(np.sum(~flat)) / flat.size  # v_j = p / (p - k) on the penalised features
        u, v = u[~flat], v[~flat]
    for arr, what in ((u, "L1"), (v, "L2")):
        if not np.allclose(arr, arr.flat[0], rtol=1e-10, atol=0.0):
            raise ValueError(
                f"the prior's {what} scales are not proportional to glmnet's column scaling "
                f"(standardize={standardize}); no single (lambda, alpha) reproduces it."
            )
    lam = float(u.flat[0] + v.flat[0])
    out = {"lambda_": lam * factor, "alpha": float(u.flat[0]) / lam, "family": family, "standardize": standardize}
    if factor != 1.0:
        out["penalty_factor"] = (~flat).astype(float)
    if weights is not None:
        out["weights"] = weights
    return out


CONVENTIONS = (
    Convention("glmnet", ("lambda_", "alpha", "family", "standardize", "penalty_factor", "weights"),
               glmnet_to_weights,
               glmnet_from_weights,
               "(1/(2n))RSS or −loglik/n, + lambda·[alpha·||b||₁ + (1−alpha)/2·||b||²] on scaled data",
               ("gaussian", "logistic", "poisson", "multinomial"),
               defaults={"alpha": 1.0, "family": "gaussian", "standardize": True}, needs_data=True),
)
