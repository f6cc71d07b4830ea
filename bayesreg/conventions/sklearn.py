r"""scikit-learn's conventions (as of scikit-learn 1.9).

All four multiply out to the sum form :math:`-\log L + \sum_j \ell_{1}|w_j| + \ell_{2}w_j^2`
(:mod:`bayesreg.conventions._base`) with a single penalty for every feature. ``n`` is the number
of samples, :math:`\sigma_n` the Gaussian noise scale (``noise_sigma``). Without sample weights;
scikit-learn rescales sample weights to sum to ``n`` in Lasso/ElasticNet, in which case ``n`` here
is that sum.
"""

from __future__ import annotations

from typing import Any

from bayesreg._validation import check_fraction, check_positive_float
from bayesreg.conventions._base import Context, Convention, PenaltyWeights, common_value

__all__ = [
    "lasso_to_weights", "lasso_from_weights", "ridge_to_weights", "ridge_from_weights",
    "elastic_net_to_weights", "elastic_net_from_weights",
    "logistic_to_weights", "logistic_from_weights", "CONVENTIONS",
]


def lasso_to_weights(ctx: Context, *, alpha: float) -> PenaltyWeights:
    r"""``sklearn.linear_model.Lasso(alpha)`` → sum form.

    scikit-learn minimises

    .. math:: \frac{1}{2n}\|y - c - Xw\|^2 + \alpha\|w\|_1 .

    Multiplying by :math:`n/\sigma_n^2` gives
    :math:`\frac{1}{2\sigma_n^2}\|y - c - Xw\|^2 + \frac{n\alpha}{\sigma_n^2}\|w\|_1`, i.e.
    :math:`\ell_1 = n\alpha/\sigma_n^2`: a Laplace prior with :math:`b = \sigma_n^2/(n\alpha)`.
    """
    a = check_positive_float("alpha", ctx.convention, alpha)
    return PenaltyWeights.of(ctx.need_n() * a / ctx.noise_sigma**2, 0.0)


def lasso_from_weights(ctx: Context, w: PenaltyWeights) -> dict[str, Any]:
    r"""Inverse of :func:`lasso_to_weights`: :math:`\alpha = \ell_1\sigma_n^2/n = \sigma_n^2/(nb)`."""
    if (w.l2 != 0).any():
        raise ValueError("sklearn.Lasso has no L2 part; use 'sklearn.ElasticNet' for this prior.")
    l1 = common_value(w.l1, "alpha", ctx.convention)
    return {"alpha": l1 * ctx.noise_sigma**2 / ctx.need_n()}


def ridge_to_weights(ctx: Context, *, alpha: float) -> PenaltyWeights:
    r"""``sklearn.linear_model.Ridge(alpha)`` → sum form.

    scikit-learn minimises (no :math:`1/n`, no :math:`1/2`)

    .. math:: \|y - c - Xw\|^2 + \alpha\|w\|_2^2 .

    Multiplying by :math:`1/(2\sigma_n^2)` gives :math:`\ell_2 = \alpha/(2\sigma_n^2)`: a Gaussian
    prior with variance :math:`\sigma^2 = 1/(2\ell_2) = \sigma_n^2/\alpha`. ``n`` is not needed.
    """
    a = check_positive_float("alpha", ctx.convention, alpha)
    return PenaltyWeights.of(0.0, a / (2.0 * ctx.noise_sigma**2))


def ridge_from_weights(ctx: Context, w: PenaltyWeights) -> dict[str, Any]:
    r"""Inverse of :func:`ridge_to_weights`: :math:`\alpha = 2\ell_2\sigma_n^2 = \sigma_n^2/\sigma^2`."""
    if (w.l1 != 0).any():
        raise ValueError("sklearn.Ridge has no L1 part; use 'sklearn.ElasticNet' for this prior.")
    l2 = common_value(w.l2, "alpha", ctx.convention)
    return {"alpha": 2.0 * l2 * ctx.noise_sigma**2}


def elastic_net_to_weights(ctx: Context, *, alpha: float, l1_ratio: float) -> PenaltyWeights:
    r"""``sklearn.linear_model.ElasticNet(alpha, l1_ratio)`` → sum form.

    scikit-learn minimises, with :math:`\rho` = ``l1_ratio``,

    .. math::
        \frac{1}{2n}\|y - c - Xw\|^2 + \alpha\rho\|w\|_1 + \frac{\alpha(1-\rho)}{2}\|w\|_2^2 .

    Multiplying by :math:`n/\sigma_n^2`:
    :math:`\ell_1 = n\alpha\rho/\sigma_n^2`, :math:`\ell_2 = n\alpha(1-\rho)/(2\sigma_n^2)`.
    """
    a = check_positive_float("alpha", ctx.convention, alpha)
    rho = check_fraction("l1_ratio", ctx.convention, l1_ratio)
    n = ctx.need_n()
    s2 = ctx.noise_sigma**2
    return PenaltyWeights.of(n * a * rho / s2, n * a * (1.0 - rho) / (2.0 * s2))


def elastic_net_from_weights(ctx: Context, w: PenaltyWeights) -> dict[str, Any]:
    r"""Inverse: :math:`\alpha = (\ell_1 + 2\ell_2)\sigma_n^2/n`, :math:`\rho = \ell_1/(\ell_1 + 2\ell_2)`."""
    l1 = common_value(w.l1, "alpha", ctx.convention)
    l2 = common_value(w.l2, "alpha", ctx.convention)
    total = l1 + 2.0 * l2
    return {"alpha": total * ctx.noise_sigma**2 / ctx.need_n(), "l1_ratio": l1 / total}


def logistic_to_weights(ctx: Context, *, C: float, l1_ratio: float = 0.0) -> PenaltyWeights:
    r"""``sklearn.linear_model.LogisticRegression(C, l1_ratio)`` → sum form.

    In scikit-learn 1.9 ``l1_ratio`` selects the penalty (0: L2, 1: L1, between: elastic net;
    ``penalty`` is deprecated) and the objective is, with :math:`\rho` = ``l1_ratio`` and the
    intercept unpenalised (solvers lbfgs/newton-cg/saga, not liblinear),

    .. math::
        C\sum_i \bigl[\log(1 + e^{\eta_i}) - y_i\eta_i\bigr]
        + \rho\|w\|_1 + \frac{1-\rho}{2}\|w\|_2^2 .

    Dividing by :math:`C`: :math:`\ell_1 = \rho/C`, :math:`\ell_2 = (1-\rho)/(2C)`; L1 is a
    Laplace prior with :math:`b = C`, L2 a Gaussian prior with :math:`\sigma^2 = C`.

    With :math:`K \ge 3` classes scikit-learn (>= 1.5, every solver but liblinear) fits the
    multinomial model in the symmetric parametrisation, :math:`W \in \mathbb R^{K\times p}`,
    :math:`c \in \mathbb R^K` (unpenalised; reported summing to zero):

    .. math::
        C\sum_i s_i\Bigl[\log\sum_k e^{\eta_{ik}} - \eta_{i,y_i}\Bigr]
        + \rho\|W\|_1 + \frac{1-\rho}{2}\|W\|_F^2, \qquad \eta_{ik} = c_k + x_i^\top w_k,

    with :math:`\|W\|_1 = \sum_{k,j}|W_{kj}|`. The penalty is the same sum over *every* entry, so
    dividing by :math:`C` gives the same per-entry :math:`\ell_1, \ell_2` (the prior on each
    :math:`W_{kj}`) for the :class:`~bayesreg.Multinomial` likelihood
    (:math:`-\log L` = the bracketed sum).
    """
    c = check_positive_float("C", ctx.convention, C)
    rho = check_fraction("l1_ratio", ctx.convention, l1_ratio)
    return PenaltyWeights.of(rho / c, (1.0 - rho) / (2.0 * c))


def logistic_from_weights(ctx: Context, w: PenaltyWeights) -> dict[str, Any]:
    r"""Inverse: :math:`C = 1/(\ell_1 + 2\ell_2)`, :math:`\rho = \ell_1/(\ell_1 + 2\ell_2)`."""
    l1 = common_value(w.l1, "C", ctx.convention)
    l2 = common_value(w.l2, "C", ctx.convention)
    total = l1 + 2.0 * l2
    return {"C": 1.0 / total, "l1_ratio": l1 / total}


def poisson_to_weights(ctx: Context, *, alpha: float) -> PenaltyWeights:
    r"""``sklearn.linear_model.PoissonRegressor(alpha)`` → sum form.

    scikit-learn minimises (intercept unpenalised; sample weights normalised to sum to 1, so
    :math:`n` below is :math:`\sum_i s_i`, the row count without weights)

    .. math::
        \frac{1}{2n}\sum_i s_i\,d(y_i, \mu_i) + \frac{\alpha}{2}\|w\|_2^2, \qquad
        d(y, \mu) = 2\bigl[y\log(y/\mu) - y + \mu\bigr], \quad \mu_i = e^{\eta_i}.

    Since :math:`\tfrac12 d(y_i, \mu_i) = \mu_i - y_i\eta_i + (y_i\log y_i - y_i)`, the first term
    is :math:`\frac1n(-\log L) + \text{const}` for the Poisson likelihood. Times :math:`n`:
    :math:`-\log L + \frac{n\alpha}{2}\|w\|^2`, so :math:`\ell_1 = 0`, :math:`\ell_2 = n\alpha/2`:
    a Gaussian prior with :math:`\sigma^2 = 1/(n\alpha)`.
    """
    a = check_positive_float("alpha", ctx.convention, alpha)
    return PenaltyWeights.of(0.0, ctx.need_n() * a / 2.0)


def poisson_from_weights(ctx: Context, w: PenaltyWeights) -> dict[str, Any]:
    r"""Inverse: :math:`\alpha = 2\ell_2/n` (an L2 prior only; scikit-learn's GLMs have no L1)."""
    l1 = common_value(w.l1, "alpha", ctx.convention)
    if l1 != 0.0:
        raise ValueError("sklearn.PoissonRegressor has only an L2 penalty (a Gaussian prior); the prior has an "
                         "L1 part. Use 'glmnet' with family='poisson' or 'statsmodels' (model='GLM').")
    return {"alpha": 2.0 * common_value(w.l2, "alpha", ctx.convention) / ctx.need_n()}


CONVENTIONS = (
    Convention("sklearn.Lasso", ("alpha",), lasso_to_weights, lasso_from_weights,
               "(1/(2n))||y - Xw||² + alpha·||w||₁", ("gaussian",)),
    Convention("sklearn.Ridge", ("alpha",), ridge_to_weights, ridge_from_weights,
               "||y - Xw||² + alpha·||w||²", ("gaussian",)),
    Convention("sklearn.ElasticNet", ("alpha", "l1_ratio"), elastic_net_to_weights,
               elastic_net_from_weights,
               "(1/(2n))||y - Xw||² + alpha·l1_ratio·||w||₁ + alpha·(1 - l1_ratio)/2·||w||²",
               ("gaussian",)),
    Convention("sklearn.LogisticRegression", ("C", "l1_ratio"), logistic_to_weights,
               logistic_from_weights,
               "C·Σ logloss + l1_ratio·||w||₁ + (1 - l1_ratio)/2·||w||² (K > 2 classes: multinomial, every "
               "entry of W)", ("logistic", "multinomial"),
               {"l1_ratio": 0.0}),
    Convention("sklearn.PoissonRegressor", ("alpha",), poisson_to_weights, poisson_from_weights,
               "(1/(2n))·Σ Poisson deviance + alpha/2·||w||²", ("poisson",)),
)
