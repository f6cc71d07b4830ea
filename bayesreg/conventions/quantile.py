r"""scikit-learn's ``QuantileRegressor`` convention (as of scikit-learn 1.9).

The likelihood is the asymmetric Laplace of :mod:`bayesreg.model.quantile` (quantile :math:`q`,
scale :math:`s` = ``noise_sigma``, default 1), whose negative log-likelihood is
:math:`\frac1s\sum_i\rho_q(r_i)` plus a constant; the convention's penalty then maps to a Laplace
prior exactly as the squared-error conventions do through :math:`\sigma_n^2`, but with :math:`s`
to the first power (the pinball loss is not divided by :math:`2s^2`).
"""

from __future__ import annotations

from typing import Any

from bayesreg._validation import check_open_fraction, check_positive_float
from bayesreg.conventions._base import Context, Convention, PenaltyWeights, common_value

__all__ = ["quantile_regressor_to_weights", "quantile_regressor_from_weights", "CONVENTIONS"]


def quantile_regressor_to_weights(ctx: Context, *, alpha: float, quantile: float = 0.5) -> PenaltyWeights:
    r"""``sklearn.linear_model.QuantileRegressor(quantile=q, alpha)`` → sum form.

    scikit-learn minimises (``n`` the number of samples, or the sum of the sample weights, which
    it multiplies into :math:`\alpha`)

    .. math:: \frac{1}{n}\sum_i \rho_q(y_i - c - x_i^\top w) + \alpha\|w\|_1 .

    The asymmetric Laplace likelihood with scale :math:`s` has
    :math:`-\log L = \frac1s\sum_i\rho_q(r_i) + \text{const}`. Multiplying scikit-learn's objective
    by :math:`n/s` gives :math:`\frac1s\sum_i\rho_q(r_i) + \frac{n\alpha}{s}\|w\|_1`, so
    :math:`\ell_1 = n\alpha/s`: a Laplace prior with :math:`b = s/(n\alpha)`, with the likelihood
    ``AsymmetricLaplace(quantile=q, scale=s)``. The penalty does not depend on :math:`q`
    (``quantile`` is checked and selects the likelihood). ``alpha = 0`` (no penalty) has no
    proper prior and is refused.
    """
    a = check_positive_float("alpha", ctx.convention, alpha)
    check_open_fraction("quantile", ctx.convention, quantile, what="the quantile level q")
    return PenaltyWeights.of(ctx.need_n() * a / ctx.noise_sigma, 0.0)


def quantile_regressor_from_weights(ctx: Context, w: PenaltyWeights, *, likelihood: Any = None,
                                    quantile: float | None = None) -> dict[str, Any]:
    r"""Inverse of :func:`quantile_regressor_to_weights`: :math:`\alpha = \ell_1 s/n = s/(nb)`.

    The Laplace prior :math:`b` alone fixes :math:`\alpha` once the asymmetric Laplace scale
    :math:`s` is known; the quantile :math:`q` is the likelihood's, not the prior's. So:

    * ``likelihood=AsymmetricLaplace(q, scale=s)`` (the pair prior + likelihood of a quantile fit):
      returns ``{"quantile": q, "alpha": s/(n b), "noise_sigma": s}``, the full
      ``QuantileRegressor(quantile, alpha)`` and the scale it assumed (the likelihood's; a
      different explicit ``noise_sigma`` is refused);
    * ``quantile=q`` alone: the same with :math:`s` = ``noise_sigma`` (default 1);
    * neither: ``{"alpha": s/(n b)}`` with :math:`s` = ``noise_sigma``.

    ``penalty_to_prior("sklearn.QuantileRegressor", n=n, **result)`` gives the prior back, and
    ``penalty_to_likelihood`` with the same arguments the likelihood (the round trip).
    """
    if (w.l2 != 0).any():
        raise ValueError("sklearn.QuantileRegressor has only an L1 penalty; this prior has an L2 part.")
    l1 = common_value(w.l1, "alpha", ctx.convention)
    scale = ctx.noise_sigma
    if likelihood is not None:
        from bayesreg.model.quantile import AsymmetricLaplace

        if not isinstance(likelihood, AsymmetricLaplace):
            raise TypeError(f"The 'likelihood' parameter of {ctx.convention} must be an AsymmetricLaplace "
                            f"(quantile regression); got {type(likelihood).__name__}.")
        if quantile is not None and float(quantile) != likelihood.quantile:
            raise ValueError(f"The 'quantile' parameter of {ctx.convention} ({quantile!r}) contradicts the "
                             f"likelihood's quantile {likelihood.quantile!r}; give one of them.")
        if ctx.noise_sigma not in (1.0, likelihood.scale):
            raise ValueError(f"The 'noise_sigma' parameter of {ctx.convention} ({ctx.noise_sigma!r}) contradicts "
                             f"the likelihood's scale {likelihood.scale!r}; give one of them.")
        quantile, scale = likelihood.quantile, likelihood.scale
    if quantile is None:
        return {"alpha": l1 * scale / ctx.need_n()}
    q = check_open_fraction("quantile", ctx.convention, quantile, what="the quantile level q")
    return {"quantile": q, "alpha": l1 * scale / ctx.need_n(), "noise_sigma": scale}


def quantile_likelihood(quantile: float = 0.5, noise_sigma: float = 1.0) -> Any:
    """The likelihood the convention implies: ``AsymmetricLaplace(quantile, scale=noise_sigma)``."""
    from bayesreg.model.quantile import AsymmetricLaplace

    return AsymmetricLaplace(quantile=quantile, scale=noise_sigma)


CONVENTIONS = (
    Convention("sklearn.QuantileRegressor", ("alpha", "quantile"), quantile_regressor_to_weights,
               quantile_regressor_from_weights, "(1/n)·Σ pinball_q(y - Xw) + alpha·||w||₁",
               ("asymmetric_laplace",), {"quantile": 0.5}),
)
