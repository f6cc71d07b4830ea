r"""The textbook forms users arrive with (the seed articles in the project's history).

Notation: :math:`L = -\log L(y\mid w, c)` is the negative log-likelihood (for the logistic
likelihood, the summed cross-entropy; for the Gaussian, :math:`\|y - c - Xw\|^2/(2\sigma_n^2)`
up to a constant), ``m`` = ``n`` the number of samples, and the regulariser is

.. math::

    R(w) = \begin{cases} \|w\|_1 = \sum_j |w_j| & \texttt{penalty="l1"} \\
    \sum_j w_j^2 & \texttt{penalty="l2"} \\
    \rho\|w\|_1 + (1 - \rho)\sum_j w_j^2 & \texttt{penalty="elasticnet"}, \rho=\texttt{l1_ratio}
    \end{cases}

Several articles write :math:`\|w\|_2` for :math:`\sum_j w_j^2`; bayesreg always means the sum of
squares (the squared norm). The intercept is never penalised. The MAP reading of the "sum" form,
:math:`1/b = \lambda` for L1 and :math:`1/\sigma^2 = 2\lambda` for L2, is exactly the one the seed
article on the MAP interpretation derives.
"""

from __future__ import annotations

from typing import Any

from bayesreg._validation import check_fraction, check_positive_float
from bayesreg.conventions._base import Context, Convention, PenaltyWeights, common_value

__all__ = [
    "sum_to_weights", "sum_from_weights", "mean_to_weights", "mean_from_weights",
    "mse_to_weights", "mse_from_weights", "mean_half_to_weights", "mean_half_from_weights",
    "weight_decay_to_weights", "weight_decay_from_weights", "CONVENTIONS",
]

PENALTIES = ("l1", "l2", "elasticnet")


def _split(ctx: Context, lam: float, penalty: str, l1_ratio: float | None) -> tuple[float, float]:
    """``lam * R(w)`` as (coefficient of ||w||_1, coefficient of sum w^2)."""
    lam = check_positive_float("lam", ctx.convention, lam)
    if penalty not in PENALTIES:
        raise ValueError(
            f"The 'penalty' parameter of {ctx.convention!r} must be one of "
            f"{', '.join(map(repr, PENALTIES))}; got {penalty!r}."
        )
    if penalty == "elasticnet":
        if l1_ratio is None:
            raise ValueError(f"penalty='elasticnet' of {ctx.convention!r} needs l1_ratio.")
        rho = check_fraction("l1_ratio", ctx.convention, l1_ratio)
        return lam * rho, lam * (1.0 - rho)
    if l1_ratio is not None:
        raise ValueError(f"l1_ratio is only used with penalty='elasticnet'; got penalty={penalty!r}.")
    return (lam, 0.0) if penalty == "l1" else (0.0, lam)


def _merge(ctx: Context, w: PenaltyWeights, factor: float) -> dict[str, Any]:
    """Inverse of ``_split`` after dividing the weights by ``factor``."""
    a = common_value(w.l1, "lam", ctx.convention) / factor
    b = common_value(w.l2, "lam", ctx.convention) / factor
    if b == 0:
        return {"lam": a, "penalty": "l1"}
    if a == 0:
        return {"lam": b, "penalty": "l2"}
    return {"lam": a + b, "penalty": "elasticnet", "l1_ratio": a / (a + b)}


def sum_to_weights(ctx: Context, *, lam: float, penalty: str = "l1",
                   l1_ratio: float | None = None) -> PenaltyWeights:
    r"""``"sum"``: :math:`L(w) + \lambda R(w)` (negative log-likelihood plus penalty).

    This *is* the sum form: :math:`\ell_1 = \lambda` (Laplace :math:`b = 1/\lambda`) for L1,
    :math:`\ell_2 = \lambda` (Gaussian :math:`\sigma^2 = 1/(2\lambda)`) for L2; elastic net
    :math:`\ell_1 = \lambda\rho`, :math:`\ell_2 = \lambda(1-\rho)`.
    """
    return PenaltyWeights.of(*_split(ctx, lam, penalty, l1_ratio))


def sum_from_weights(ctx: Context, w: PenaltyWeights) -> dict[str, Any]:
    """Inverse of :func:`sum_to_weights`."""
    return _merge(ctx, w, 1.0)


def mean_to_weights(ctx: Context, *, lam: float, penalty: str = "l1",
                    l1_ratio: float | None = None) -> PenaltyWeights:
    r"""``"mean"``: :math:`\frac1n L(w) + \lambda R(w)` (mean loss plus penalty).

    Multiplying by :math:`n`: :math:`L + n\lambda R`, so the sum-form weights are :math:`n` times
    those of :func:`sum_to_weights` (Laplace :math:`b = 1/(n\lambda)`, Gaussian
    :math:`\sigma^2 = 1/(2n\lambda)`).
    """
    a, b = _split(ctx, lam, penalty, l1_ratio)
    n = ctx.need_n()
    return PenaltyWeights.of(n * a, n * b)


def mean_from_weights(ctx: Context, w: PenaltyWeights) -> dict[str, Any]:
    """Inverse of :func:`mean_to_weights`."""
    return _merge(ctx, w, ctx.need_n())


def mse_to_weights(ctx: Context, *, lam: float, penalty: str = "l1",
                   l1_ratio: float | None = None) -> PenaltyWeights:
    r"""``"mse"``: :math:`\frac1n\|y - c - Xw\|^2 + \lambda R(w)` (Gaussian likelihood only).

    The squared error is not the likelihood: :math:`\frac1n\|r\|^2 = \frac{2\sigma_n^2}{n} L`.
    Multiplying the objective by :math:`n/(2\sigma_n^2)`: :math:`L + \frac{n\lambda}{2\sigma_n^2}R`,
    so L1 is Laplace with :math:`b = 2\sigma_n^2/(n\lambda)` and L2 is Gaussian with
    :math:`\sigma^2 = \sigma_n^2/(n\lambda)`.
    """
    a, b = _split(ctx, lam, penalty, l1_ratio)
    k = ctx.need_n() / (2.0 * ctx.noise_sigma**2)
    return PenaltyWeights.of(k * a, k * b)


def mse_from_weights(ctx: Context, w: PenaltyWeights) -> dict[str, Any]:
    """Inverse of :func:`mse_to_weights`."""
    return _merge(ctx, w, ctx.need_n() / (2.0 * ctx.noise_sigma**2))


def mean_half_to_weights(ctx: Context, *, lam: float, penalty: str = "l2",
                         l1_ratio: float | None = None) -> PenaltyWeights:
    r"""``"mean_half"``: :math:`J = \frac1m\sum_i \mathcal L_i + \frac{\lambda}{2m}R(w)`.

    The deep-learning course form (:math:`\mathcal L_i` the per-sample negative log-likelihood,
    e.g. cross-entropy). Multiplying by :math:`m`: :math:`L + \frac{\lambda}{2}R`, so ``n`` cancels:
    L2 is Gaussian with :math:`\sigma^2 = 1/\lambda`, L1 is Laplace with :math:`b = 2/\lambda`.
    Its gradient step :math:`w \leftarrow w(1 - \alpha\lambda/m) - \alpha\,dW_{bp}` is weight decay.
    """
    a, b = _split(ctx, lam, penalty, l1_ratio)
    return PenaltyWeights.of(0.5 * a, 0.5 * b)


def mean_half_from_weights(ctx: Context, w: PenaltyWeights) -> dict[str, Any]:
    """Inverse of :func:`mean_half_to_weights`."""
    return _merge(ctx, w, 0.5)


LOSSES = ("nll", "mse")


def weight_decay_to_weights(ctx: Context, *, wd: float, loss: str = "nll") -> PenaltyWeights:
    r"""``"weight_decay"``: gradient descent :math:`w \leftarrow w - \eta(\nabla\bar\ell(w) + \text{wd}\,w)`.

    A fixed point satisfies :math:`\nabla\bar\ell(w) + \text{wd}\,w = 0`, the stationarity
    condition of :math:`\bar\ell(w) + \frac{\text{wd}}{2}\|w\|_2^2` (independent of the learning
    rate :math:`\eta`; the intercept is not decayed). With the mean loss
    :math:`\bar\ell = L/n` (``loss="nll"``: mean cross-entropy / mean NLL) multiplying by
    :math:`n` gives :math:`\ell_2 = n\,\text{wd}/2`, a Gaussian prior with
    :math:`\sigma^2 = 1/(n\,\text{wd})`. With ``loss="mse"``
    (:math:`\bar\ell = \frac1n\|r\|^2 = \frac{2\sigma_n^2}{n}L`) multiplying by
    :math:`n/(2\sigma_n^2)` gives :math:`\ell_2 = n\,\text{wd}/(4\sigma_n^2)`, i.e.
    :math:`\sigma^2 = 2\sigma_n^2/(n\,\text{wd})`. (Coupled weight decay, as in SGD; decoupled
    AdamW decay is a different algorithm.)
    """
    w = check_positive_float("wd", ctx.convention, wd)
    n = ctx.need_n()
    return PenaltyWeights.of(0.0, n * w / 2.0 * _loss_factor(ctx, loss))


def weight_decay_from_weights(ctx: Context, w: PenaltyWeights, loss: str = "nll") -> dict[str, Any]:
    r"""Inverse of :func:`weight_decay_to_weights`: :math:`\text{wd} = 2\ell_2/n` (``loss="nll"``)."""
    if (w.l1 != 0).any():
        raise ValueError("weight decay is an L2 penalty; this prior has an L1 part.")
    l2 = common_value(w.l2, "wd", ctx.convention)
    out = {"wd": 2.0 * l2 / (ctx.need_n() * _loss_factor(ctx, loss))}
    if loss != "nll":
        out["loss"] = loss
    return out


def _loss_factor(ctx: Context, loss: str) -> float:
    if loss not in LOSSES:
        raise ValueError(f"The 'loss' parameter of 'weight_decay' must be one of "
                         f"{', '.join(map(repr, LOSSES))}; got {loss!r}.")
    return 1.0 if loss == "nll" else 1.0 / (2.0 * ctx.noise_sigma**2)


#: "sum" and "mean" are written for any negative log-likelihood L
ANY_LIKELIHOOD = ("gaussian", "logistic", "poisson", "negative_binomial", "student_t")

CONVENTIONS = (
    Convention("sum", ("lam", "penalty", "l1_ratio"), sum_to_weights, sum_from_weights,
               "L + lam·R(w)   (L = negative log-likelihood)", ANY_LIKELIHOOD, {"penalty": "l1"}),
    Convention("mean", ("lam", "penalty", "l1_ratio"), mean_to_weights, mean_from_weights,
               "L/n + lam·R(w)", ANY_LIKELIHOOD, {"penalty": "l1"}),
    Convention("mse", ("lam", "penalty", "l1_ratio"), mse_to_weights, mse_from_weights,
               "(1/n)||y - Xw||² + lam·R(w)", ("gaussian",), {"penalty": "l1"}),
    Convention("mean_half", ("lam", "penalty", "l1_ratio"), mean_half_to_weights,
               mean_half_from_weights, "(1/m)Σ L_i + lam/(2m)·R(w)", defaults={"penalty": "l2"}),
    Convention("weight_decay", ("wd", "loss"), weight_decay_to_weights, weight_decay_from_weights,
               "w ← w − lr·(∇ mean loss + wd·w)", defaults={"loss": "nll"}),
)
