r"""statsmodels' ``fit_regularized`` conventions (statsmodels 0.14/0.15).

* ``model="OLS"``: ``OLS(y, X).fit_regularized(method="elastic_net", alpha, L1_wt)`` minimises

  .. math:: \frac{1}{2n}\|y - X\beta\|^2 + \alpha\Bigl[(1 - w)\tfrac12\|\beta\|_2^2 + w\|\beta\|_1\Bigr],
      \quad w = \texttt{L1\_wt};

  times :math:`n/\sigma_n^2`: :math:`\ell_1 = n\alpha w/\sigma_n^2`,
  :math:`\ell_2 = n\alpha(1-w)/(2\sigma_n^2)`.
* ``model="GLM"`` (``GLM(y, X, family=Binomial()).fit_regularized(alpha, L1_wt)``, and the same for
  ``family=Poisson()``, log link; pass ``likelihood="poisson"`` to ``verify_map``):
  :math:`-\frac1n\log L + \alpha[(1-w)\frac12\|\beta\|^2 + w\|\beta\|_1]`; times :math:`n`:
  :math:`\ell_1 = n\alpha w`, :math:`\ell_2 = n\alpha(1-w)/2`.
* ``model="Logit"`` (``Logit(y, X).fit_regularized(method="l1", alpha)``): pure L1 on the
  *summed* log-likelihood, :math:`-\log L + \alpha\|\beta\|_1`: :math:`\ell_1 = \alpha`.

Trap (GLM): with ``L1_wt=0`` statsmodels' elastic-net path stops early (measured: 3e-6 relative on
a Poisson ridge at ``cnvrg_tol=1e-14``); ``L1_wt > 0`` reaches the exact optimum (1e-15).

statsmodels has no separate intercept: the constant is a column of ``exog`` and is penalised unless
``alpha`` is a vector with 0 in the constant's position. bayesreg's intercept is unpenalised, so
pass that vector (e.g. ``alpha=[0, a, a, ...]`` with ``sm.add_constant``); the scalar returned by
:func:`statsmodels_from_weights` is the value for the non-constant columns.
"""

from __future__ import annotations

from typing import Any

from bayesreg._validation import check_fraction, check_positive_float
from bayesreg.conventions._base import Context, Convention, PenaltyWeights, common_value

__all__ = ["statsmodels_to_weights", "statsmodels_from_weights", "CONVENTIONS"]

MODELS = ("OLS", "GLM", "Logit")


def _factor(ctx: Context, model: str) -> float:
    if model not in MODELS:
        raise ValueError(f"The 'model' parameter of 'statsmodels' must be one of "
                         f"{', '.join(map(repr, MODELS))}; got {model!r}.")
    if model == "OLS":
        return ctx.need_n() / ctx.noise_sigma**2
    if model == "GLM":
        return ctx.need_n()
    return 1.0


def statsmodels_to_weights(ctx: Context, *, alpha: float, L1_wt: float = 1.0,
                           model: str = "OLS") -> PenaltyWeights:
    r"""statsmodels ``fit_regularized(alpha, L1_wt)`` → sum form (see the module docstring).

    :math:`\ell_1 = k\alpha w`, :math:`\ell_2 = k\alpha(1-w)/2` with :math:`k = n/\sigma_n^2`
    (OLS), :math:`n` (GLM binomial) or 1 (Logit, where ``L1_wt`` must be 1).
    """
    a = check_positive_float("alpha", "statsmodels", alpha)
    w = check_fraction("L1_wt", "statsmodels", L1_wt)
    k = _factor(ctx, model)
    if model == "Logit" and w != 1.0:
        raise ValueError("statsmodels Logit.fit_regularized is pure L1: L1_wt must be 1; "
                         f"got {w!r} (use model='GLM' for an elastic net).")
    return PenaltyWeights.of(k * a * w, k * a * (1.0 - w) / 2.0)


def statsmodels_from_weights(ctx: Context, w: PenaltyWeights, model: str = "OLS") -> dict[str, Any]:
    r"""Inverse: :math:`\alpha = (\ell_1 + 2\ell_2)/k`, ``L1_wt`` :math:`= \ell_1/(\ell_1 + 2\ell_2)`."""
    k = _factor(ctx, model)
    l1 = common_value(w.l1, "alpha", "statsmodels")
    l2 = common_value(w.l2, "alpha", "statsmodels")
    if model == "Logit" and l2 != 0:
        raise ValueError("statsmodels Logit.fit_regularized is pure L1; this prior has an L2 part.")
    total = l1 + 2.0 * l2
    return {"alpha": total / k, "L1_wt": l1 / total, "model": model}


CONVENTIONS = (
    Convention("statsmodels", ("alpha", "L1_wt", "model"), statsmodels_to_weights,
               statsmodels_from_weights,
               "OLS: RSS/(2n) + alpha·[(1−L1_wt)/2·||b||² + L1_wt·||b||₁]; Logit: −loglik + alpha·||b||₁",
               ("gaussian", "logistic", "poisson"), defaults={"L1_wt": 1.0, "model": "OLS"}),
)
