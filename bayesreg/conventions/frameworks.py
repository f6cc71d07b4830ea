r"""Weight decay and weight regularisers as PyTorch and Keras write them.

Every rule here acts on the **mean** training loss :math:`\bar\ell(w) = \frac1n\sum_i \ell_i(w)`
(PyTorch's default ``reduction="mean"``, Keras's ``"sum_over_batch_size"``); ``loss`` says what
:math:`\ell_i` is:

* ``loss="mse"`` (the default: the frameworks' regression loss): the squared error (``MSELoss``,
  ``MeanSquaredError``: no ½), so :math:`\bar\ell = \frac1n\|r\|^2 =
  \frac{2\sigma_n^2}{n}(-\log L)`: multiply by :math:`k = n/(2\sigma_n^2)`. Its penalty in the
  units of the summed squared error (``sklearn.Ridge``'s alpha) is :math:`2\sigma_n^2\ell_2`;
* ``loss="nll"``: the per-sample negative log-likelihood — the (binary) cross-entropy
  (``BCEWithLogitsLoss``, ``BinaryCrossentropy``) for the logistic likelihood — so
  :math:`n\bar\ell = -\log L`: multiply by :math:`k = n`. (The ``weight_decay`` convention, written
  for the textbook "mean loss", defaults to this one; both agree for the same ``loss``.)

A training rule whose fixed points are the stationary points of :math:`\bar\ell(w) +
\frac{\kappa}{2}\|w\|^2` is therefore the MAP of the Gaussian prior with
:math:`\ell_2 = k\kappa/2` (:math:`\sigma^2 = 1/(k\kappa)`), whatever the learning rate, batch
size or momentum, as long as the iteration converges (with minibatches: a decaying step or
iterate averaging). The bias is not decayed (put it in a parameter group with
``weight_decay=0``; Keras regularises only the ``kernel`` by default): the intercept has a flat
prior. Decayed biases would be a Gaussian prior on the intercept, not this model.

The rules (documented update or objective → effective coupled decay :math:`\kappa`):

* ``torch.SGD`` (wd, momentum μ, dampening τ, nesterov): :math:`g \leftarrow \nabla\bar\ell +
  \text{wd}\,w`; :math:`b \leftarrow \mu b + (1-\tau)g`; :math:`w \leftarrow w - \gamma b` (Nesterov:
  :math:`\gamma(g + \mu b)`) → :math:`\kappa = \text{wd}`;
* ``torch.Adam`` (coupled ``weight_decay``): the same :math:`g`, Adam's step
  :math:`\gamma\hat m/(\sqrt{\hat v}+\epsilon)` → :math:`\kappa = \text{wd}` (full-batch fixed point);
* ``keras.l2`` (l2): loss :math:`\bar\ell + l_2\sum_j w_j^2` → :math:`\kappa = 2l_2`;
  ``keras.l1`` (l1): loss :math:`\bar\ell + l_1\sum_j|w_j|` → Laplace, :math:`\ell_1 = k\,l_1`;
  ``keras.l1_l2``: both;
* ``keras.SGD`` (wd, momentum μ): :math:`w \leftarrow w - \gamma\,\text{wd}\,w`, then
  :math:`m \leftarrow \mu m - \gamma g`, :math:`w \leftarrow w + m` → :math:`\kappa = (1-\mu)\,\text{wd}`;
* ``decoupled_weight_decay`` (wd, lr γ, momentum μ, lr_scaled): lr-scaled as Keras →
  :math:`(1-\mu)\,\text{wd}`; unscaled (Loshchilov & Hutter's SGDW, :math:`w \leftarrow w - \text{wd}\,w
  - m`) → :math:`(1-\mu)\,\text{wd}/\gamma`.

**Refused: AdamW and Adam with decoupled weight decay** (:data:`REFUSED`). Their decay
:math:`\gamma\,\text{wd}\,w` bypasses Adam's per-coordinate step
:math:`\gamma\hat m/(\sqrt{\hat v}+\epsilon)`. At a full-batch fixed point :math:`\hat m = g`,
:math:`\sqrt{\hat v} = |g|`, so :math:`g_j/(|g_j| + \epsilon) = -\text{wd}\,w_j`: the implied
coupled decay :math:`\text{wd}(|g_j|+\epsilon)` differs per coordinate and depends on the gradient
at the solution and on :math:`\epsilon`, not on a fixed prior; as :math:`\epsilon \to 0` every
coordinate with :math:`g_j \neq 0` sits at :math:`|w_j| = 1/\text{wd}`. Full-batch AdamW converges to
a KKT point of :math:`\min\bar\ell(w)` subject to :math:`\|w\|_\infty \le 1/\text{wd}` (Xie & Li 2024,
"Implicit Bias of AdamW: ℓ∞-Norm Constrained Optimization"): a box constraint, not a Gaussian prior.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np

from bayesreg._validation import check_positive_float, describe
from bayesreg.conventions._base import Context, Convention, PenaltyWeights, common_value

__all__ = [
    "torch_sgd_to_weights", "torch_sgd_from_weights", "torch_adam_to_weights", "torch_adam_from_weights",
    "keras_l2_to_weights", "keras_l2_from_weights", "keras_l1_to_weights", "keras_l1_from_weights",
    "keras_l1_l2_to_weights", "keras_l1_l2_from_weights", "keras_sgd_to_weights", "keras_sgd_from_weights",
    "decoupled_to_weights", "decoupled_from_weights", "loss_factor", "REFUSED", "INVERSE_OPTIONS",
    "CONVENTIONS",
]

LOSSES = ("mse", "nll")

_ADAMW_REASON = (
    "decoupled weight decay with Adam has no prior equivalent: the decay lr·wd·w bypasses Adam's "
    "per-coordinate step lr·m̂/(√v̂ + ε), so at a full-batch fixed point g_j/(|g_j| + ε) = −wd·w_j: the "
    "implied coupled decay wd·(|g_j| + ε) differs per coordinate and depends on the gradient at the "
    "solution and on ε, not on a fixed Gaussian prior; full-batch AdamW converges to a KKT point of "
    "min mean loss subject to ‖w‖∞ ≤ 1/wd (Xie & Li 2024), a box constraint. Use SGD with weight_decay "
    "(torch.SGD), Adam with coupled weight_decay (torch.Adam), or a loss penalty (keras.l2) instead."
)

#: optimizers with no prior equivalent, and why (``get_convention`` refuses them with this reason)
REFUSED: dict[str, str] = {
    "torch.AdamW": "torch.optim.AdamW: " + _ADAMW_REASON,
    "keras.AdamW": "keras.optimizers.AdamW: " + _ADAMW_REASON,
    "keras.Adam": ("keras.optimizers.Adam(weight_decay=...): Keras applies weight_decay decoupled "
                   "(w ← w − lr·wd·w, as AdamW); " + _ADAMW_REASON),
}


def loss_factor(ctx: Context, loss: str) -> float:
    r""":math:`k` with :math:`k\,\bar\ell = -\log L`: :math:`n` (``"nll"``), :math:`n/(2\sigma_n^2)` (``"mse"``)."""
    if loss not in LOSSES:
        raise ValueError(f"The 'loss' parameter of {ctx.convention!r} must be one of "
                         f"{', '.join(map(repr, LOSSES))}; got {loss!r}.")
    n = ctx.need_n()
    return n if loss == "nll" else n / (2.0 * ctx.noise_sigma**2)


def _fraction_below_one(name: str, owner: str, value: Any, why: str) -> float:
    """A float in [0, 1) (momentum, dampening)."""
    if isinstance(value, bool) or not isinstance(value, (Real, np.number)):
        raise TypeError(f"The {name!r} parameter of {owner} must be a real number in [0, 1); "
                        f"got {describe(value)}.")
    v = float(value)
    if not (0.0 <= v < 1.0):
        raise ValueError(f"The {name!r} parameter of {owner} must be in [0, 1) ({why}); got {v!r}.")
    return v


def _check_bool(name: str, owner: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"The {name!r} parameter of {owner} must be True or False; got {value!r}.")
    return bool(value)


def _nonnegative(ctx: Context, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (Real, np.number)):
        raise TypeError(f"The {name!r} parameter of {ctx.convention} must be a real number >= 0; "
                        f"got {describe(value)}.")
    v = float(value)
    if not (np.isfinite(v) and v >= 0):
        raise ValueError(f"The {name!r} parameter of {ctx.convention} must be a finite number >= 0 "
                         f"(a penalty cannot be negative); got {v!r}.")
    return v


def _wd(ctx: Context, wd: Any, name: str = "wd") -> float:
    return check_positive_float(name, ctx.convention, wd)


def _l2_inverse(ctx: Context, w: PenaltyWeights, loss: str, factor: float, what: str) -> float:
    """``kappa`` from ``l2 = k * factor * kappa`` (a pure, common L2 penalty)."""
    if np.any(np.asarray(w.l1) != 0):
        raise ValueError(f"{ctx.convention} is an L2 penalty (weight decay); this prior has an L1 part.")
    l2 = common_value(w.l2, what, ctx.convention)
    return l2 / (loss_factor(ctx, loss) * factor)


def _non_default(**options: tuple[Any, Any]) -> dict[str, Any]:
    return {k: v for k, (v, default) in options.items() if v != default}


# --------------------------------------------------------------------------- PyTorch


def torch_sgd_to_weights(ctx: Context, *, wd: float, momentum: float = 0.0, dampening: float = 0.0,
                         nesterov: bool = False, loss: str = "mse") -> PenaltyWeights:
    r"""``torch.optim.SGD(lr, momentum, dampening, weight_decay=wd, nesterov)`` on the mean loss.

    PyTorch's documented step: :math:`g_t = \nabla\bar\ell(w_{t-1}) + \text{wd}\,w_{t-1}`;
    with momentum :math:`b_t = \mu b_{t-1} + (1-\tau)g_t` (:math:`b_1 = g_1`), :math:`g_t = b_t`
    (Nesterov: :math:`g_t + \mu b_t`); :math:`w_t = w_{t-1} - \gamma g_t`. At a fixed point
    :math:`b = (1-\tau)g/(1-\mu)` and the step vanishes iff :math:`g = 0`, i.e.
    :math:`\nabla\bar\ell + \text{wd}\,w = 0`: the stationarity of :math:`\bar\ell +
    \frac{\text{wd}}{2}\|w\|^2` (coupled weight decay is an L2 penalty; momentum, dampening and
    :math:`\gamma` do not move the fixed point). Multiplying by :math:`k` (module docstring):
    :math:`\ell_2 = k\,\text{wd}/2`, i.e. :math:`n\,\text{wd}/2` for the mean NLL / cross-entropy
    (Gaussian :math:`\sigma^2 = 1/(n\,\text{wd})`) and :math:`n\,\text{wd}/(4\sigma_n^2)` for
    ``MSELoss`` (= ``sklearn.Ridge(alpha=n·wd/2)``). Same as ``weight_decay`` with the same ``loss``.
    """
    kappa = _wd(ctx, wd)
    mu = _fraction_below_one("momentum", ctx.convention, momentum, "momentum 1 never forgets a gradient")
    tau = _fraction_below_one("dampening", ctx.convention, dampening,
                              "dampening 1 stops gradients entering the momentum buffer")
    if _check_bool("nesterov", ctx.convention, nesterov) and (mu == 0 or tau != 0):
        raise ValueError("torch.SGD: Nesterov momentum requires a momentum > 0 and zero dampening "
                         f"(as PyTorch checks); got momentum={mu!r}, dampening={tau!r}.")
    return PenaltyWeights.of(0.0, loss_factor(ctx, loss) * kappa / 2.0)


def torch_sgd_from_weights(ctx: Context, w: PenaltyWeights, loss: str = "mse", momentum: float = 0.0,
                           dampening: float = 0.0, nesterov: bool = False) -> dict[str, Any]:
    r"""Inverse of :func:`torch_sgd_to_weights`: :math:`\text{wd} = 2\ell_2/k` (momentum does not enter)."""
    out = {"wd": _l2_inverse(ctx, w, loss, 0.5, "weight_decay")}
    return {**out, **_non_default(momentum=(momentum, 0.0), dampening=(dampening, 0.0),
                                  nesterov=(nesterov, False), loss=(loss, "mse"))}


def torch_adam_to_weights(ctx: Context, *, wd: float, decoupled_weight_decay: bool = False,
                          loss: str = "mse") -> PenaltyWeights:
    r"""``torch.optim.Adam(weight_decay=wd)`` (coupled, the default) on the mean loss, full batch.

    Adam adds :math:`\text{wd}\,w` to the gradient like SGD, then steps
    :math:`\gamma\hat m_t/(\sqrt{\hat v_t} + \epsilon)`. A fixed point of the full-batch iteration has
    :math:`\hat m = g` and a zero step, so :math:`g = \nabla\bar\ell + \text{wd}\,w = 0`: the same
    :math:`\ell_2 = k\,\text{wd}/2` as :func:`torch_sgd_to_weights` (if Adam converges, e.g. with a
    decaying learning rate). ``decoupled_weight_decay=True`` is AdamW: refused (:data:`REFUSED`).
    """
    if _check_bool("decoupled_weight_decay", ctx.convention, decoupled_weight_decay):
        raise ValueError("torch.Adam(decoupled_weight_decay=True): " + _ADAMW_REASON)
    return PenaltyWeights.of(0.0, loss_factor(ctx, loss) * _wd(ctx, wd) / 2.0)


def torch_adam_from_weights(ctx: Context, w: PenaltyWeights, loss: str = "mse") -> dict[str, Any]:
    """Inverse of :func:`torch_adam_to_weights` (coupled weight decay)."""
    return {"wd": _l2_inverse(ctx, w, loss, 0.5, "weight_decay"), **_non_default(loss=(loss, "mse"))}


# --------------------------------------------------------------------------- Keras regularizers


def keras_l2_to_weights(ctx: Context, *, l2: float, loss: str = "mse") -> PenaltyWeights:
    r"""``kernel_regularizer=keras.regularizers.l2(l2)`` with a mean loss (``sum_over_batch_size``).

    Keras documents the penalty as ``l2 * reduce_sum(square(x))`` (no ½) and adds it to the mean
    loss of every batch: the objective is :math:`\bar\ell + l_2\sum_j w_j^2`. Multiplying by
    :math:`k`: :math:`\ell_2 = k\,l_2`, i.e. :math:`n l_2` for the mean cross-entropy (Gaussian
    :math:`\sigma^2 = 1/(2nl_2)`) and :math:`n l_2/(2\sigma_n^2)` for ``MeanSquaredError``
    (= ``sklearn.Ridge(alpha=n·l2)``). Twice the ℓ₂ of PyTorch's ``weight_decay`` with the same
    number: the gradient of :math:`l_2 w^2` is :math:`2l_2w`.
    """
    return PenaltyWeights.of(0.0, loss_factor(ctx, loss) * check_positive_float("l2", ctx.convention, l2))


def keras_l2_from_weights(ctx: Context, w: PenaltyWeights, loss: str = "mse") -> dict[str, Any]:
    """Inverse of :func:`keras_l2_to_weights`: :math:`l_2 = \\ell_2/k`."""
    return {"l2": _l2_inverse(ctx, w, loss, 1.0, "l2"), **_non_default(loss=(loss, "mse"))}


def keras_l1_to_weights(ctx: Context, *, l1: float, loss: str = "mse") -> PenaltyWeights:
    r"""``kernel_regularizer=keras.regularizers.l1(l1)``: objective :math:`\bar\ell + l_1\sum_j|w_j|`.

    Keras's penalty is ``l1 * reduce_sum(abs(x))``. Multiplying by :math:`k`: :math:`\ell_1 = k\,l_1`,
    a Laplace prior with :math:`b = 1/(n l_1)` (cross-entropy) or :math:`b = 2\sigma_n^2/(n l_1)`
    (``MeanSquaredError``; = ``sklearn.Lasso(alpha=l1/2)``). (Gradient training with this loss
    only hovers around the MAP's zeros; see :mod:`bayesreg.reference.training`.)
    """
    return PenaltyWeights.of(loss_factor(ctx, loss) * check_positive_float("l1", ctx.convention, l1), 0.0)


def keras_l1_from_weights(ctx: Context, w: PenaltyWeights, loss: str = "mse") -> dict[str, Any]:
    """Inverse of :func:`keras_l1_to_weights`: :math:`l_1 = \\ell_1/k`."""
    if np.any(np.asarray(w.l2) != 0):
        raise ValueError("keras.l1 has no L2 part; use 'keras.l1_l2' for this prior.")
    return {"l1": common_value(w.l1, "l1", ctx.convention) / loss_factor(ctx, loss),
            **_non_default(loss=(loss, "mse"))}


def keras_l1_l2_to_weights(ctx: Context, *, l1: float = 0.0, l2: float = 0.0,
                           loss: str = "mse") -> PenaltyWeights:
    r"""``keras.regularizers.l1_l2(l1, l2)``: :math:`\bar\ell + l_1\sum|w_j| + l_2\sum w_j^2`.

    :math:`\ell_1 = k\,l_1`, :math:`\ell_2 = k\,l_2` (an elastic-net prior); Keras's defaults are 0,
    and at least one must be positive.
    """
    a = [_nonnegative(ctx, name, v) for name, v in (("l1", l1), ("l2", l2))]
    if a == [0.0, 0.0]:
        raise ValueError("keras.l1_l2 needs l1 > 0 or l2 > 0 (both are 0: no penalty, a flat prior).")
    k = loss_factor(ctx, loss)
    return PenaltyWeights.of(k * a[0], k * a[1])


def keras_l1_l2_from_weights(ctx: Context, w: PenaltyWeights, loss: str = "mse") -> dict[str, Any]:
    """Inverse of :func:`keras_l1_l2_to_weights`."""
    k = loss_factor(ctx, loss)
    return {"l1": common_value(w.l1, "l1", ctx.convention) / k,
            "l2": common_value(w.l2, "l2", ctx.convention) / k, **_non_default(loss=(loss, "mse"))}


# --------------------------------------------------------------------------- decoupled weight decay


def _decoupled_kappa(ctx: Context, wd: Any, momentum: Any, lr: Any, lr_scaled: Any) -> float:
    r"""Effective coupled decay :math:`\kappa` of decoupled weight decay with SGD(+momentum)."""
    w = _wd(ctx, wd)
    mu = _fraction_below_one("momentum", ctx.convention, momentum, "momentum 1 never forgets a gradient")
    if _check_bool("lr_scaled", ctx.convention, lr_scaled):
        if lr is not None:
            check_positive_float("lr", ctx.convention, lr)  # accepted, does not enter
        return (1.0 - mu) * w
    if lr is None:
        raise ValueError(f"{ctx.convention} with lr_scaled=False (Loshchilov & Hutter's SGDW, decay wd·w "
                         "per step) needs the learning rate: its prior is that of coupled decay wd/lr; "
                         "pass lr=<learning rate>.")
    return (1.0 - mu) * w / check_positive_float("lr", ctx.convention, lr)


def decoupled_to_weights(ctx: Context, *, wd: float, lr: float | None = None, momentum: float = 0.0,
                         lr_scaled: bool = True, loss: str = "mse") -> PenaltyWeights:
    r"""Decoupled weight decay with SGD: the decay is applied to the weights, not added to the gradient.

    ``lr_scaled=True`` (Keras's ``weight_decay`` on every optimizer, PyTorch's AdamW convention):
    :math:`w \leftarrow w - \gamma\,\text{wd}\,w` then the SGD step; ``lr_scaled=False``
    (Loshchilov & Hutter 2019, SGDW, schedule multiplier 1): :math:`w \leftarrow w - \text{wd}\,w`.
    With momentum :math:`\mu` the gradient step is :math:`m \leftarrow \mu m + \gamma g`,
    :math:`w \leftarrow w - m` (Keras stores :math:`-m`; PyTorch's :math:`b` is :math:`m/\gamma`:
    the same fixed point). At a fixed point :math:`m = \gamma g/(1-\mu)` and the decay must cancel
    it: :math:`\gamma\,\text{wd}\,w = -\gamma g/(1-\mu)` (scaled) or
    :math:`\text{wd}\,w = -\gamma g/(1-\mu)` (unscaled), i.e. :math:`\nabla\bar\ell + \kappa w = 0`
    with :math:`\kappa = (1-\mu)\,\text{wd}` or :math:`(1-\mu)\,\text{wd}/\gamma` — Loshchilov &
    Hutter's :math:`\lambda' = \lambda/\alpha` without momentum. So :math:`\ell_2 = k\kappa/2`.
    Without momentum, lr-scaled decoupled decay *is* coupled decay.
    """
    return PenaltyWeights.of(0.0, loss_factor(ctx, loss) * _decoupled_kappa(ctx, wd, momentum, lr, lr_scaled)
                             / 2.0)


def decoupled_from_weights(ctx: Context, w: PenaltyWeights, lr: float | None = None, momentum: float = 0.0,
                           lr_scaled: bool = True, loss: str = "mse") -> dict[str, Any]:
    r"""Inverse of :func:`decoupled_to_weights`: :math:`\text{wd} = \kappa/(1-\mu)` (times lr if unscaled)."""
    unit = _decoupled_kappa(ctx, 1.0, momentum, lr, lr_scaled)  # kappa per unit wd
    out = {"wd": _l2_inverse(ctx, w, loss, 0.5 * unit, "weight_decay")}
    if lr is not None:
        out["lr"] = lr
    return {**out, **_non_default(momentum=(momentum, 0.0), lr_scaled=(lr_scaled, True), loss=(loss, "mse"))}


def keras_sgd_to_weights(ctx: Context, *, wd: float, momentum: float = 0.0, nesterov: bool = False,
                         loss: str = "mse") -> PenaltyWeights:
    r"""``keras.optimizers.SGD(learning_rate, momentum, nesterov, weight_decay=wd)`` on the mean loss.

    Keras 3 applies ``weight_decay`` decoupled and lr-scaled to every optimizer,
    ``variable - variable * wd * lr``, before the SGD step ``m = momentum*m - lr*g;
    w = w + m`` (Nesterov: ``w = w + momentum*m - lr*g``): :func:`decoupled_to_weights` with
    ``lr_scaled=True``, :math:`\ell_2 = k(1-\mu)\,\text{wd}/2`.
    """
    _check_bool("nesterov", ctx.convention, nesterov)
    return decoupled_to_weights(ctx, wd=wd, momentum=momentum, lr_scaled=True, loss=loss)


def keras_sgd_from_weights(ctx: Context, w: PenaltyWeights, momentum: float = 0.0, nesterov: bool = False,
                           loss: str = "mse") -> dict[str, Any]:
    """Inverse of :func:`keras_sgd_to_weights`."""
    out = decoupled_from_weights(ctx, w, momentum=momentum, loss=loss)
    return {**out, **_non_default(nesterov=(nesterov, False))}


#: options of the inverse direction (they select the variant, not the strength)
INVERSE_OPTIONS = {
    "torch.SGD": ("loss", "momentum", "dampening", "nesterov"),
    "torch.Adam": ("loss",),
    "keras.l2": ("loss",), "keras.l1": ("loss",), "keras.l1_l2": ("loss",),
    "keras.SGD": ("momentum", "nesterov", "loss"),
    "decoupled_weight_decay": ("lr", "momentum", "lr_scaled", "loss"),
}

CONVENTIONS = (
    Convention("torch.SGD", ("wd", "momentum", "dampening", "nesterov", "loss"), torch_sgd_to_weights,
               torch_sgd_from_weights, "torch.optim.SGD(weight_decay=wd): g = ∇ mean loss + wd·w",
               defaults={"loss": "mse"}),
    Convention("torch.Adam", ("wd", "decoupled_weight_decay", "loss"), torch_adam_to_weights,
               torch_adam_from_weights, "torch.optim.Adam(weight_decay=wd), coupled: g = ∇ mean loss + wd·w",
               defaults={"loss": "mse"}),
    Convention("keras.l2", ("l2", "loss"), keras_l2_to_weights, keras_l2_from_weights,
               "mean loss + l2·Σw²   (kernel_regularizer=l2(l2))", defaults={"loss": "mse"}),
    Convention("keras.l1", ("l1", "loss"), keras_l1_to_weights, keras_l1_from_weights,
               "mean loss + l1·Σ|w|   (kernel_regularizer=l1(l1))", defaults={"loss": "mse"}),
    Convention("keras.l1_l2", ("l1", "l2", "loss"), keras_l1_l2_to_weights, keras_l1_l2_from_weights,
               "mean loss + l1·Σ|w| + l2·Σw²", defaults={"loss": "mse"}),
    Convention("keras.SGD", ("wd", "momentum", "nesterov", "loss"), keras_sgd_to_weights,
               keras_sgd_from_weights, "keras.optimizers.SGD(weight_decay=wd): w ← w − lr·wd·w, decoupled",
               defaults={"loss": "mse"}),
    Convention("decoupled_weight_decay", ("wd", "lr", "momentum", "lr_scaled", "loss"), decoupled_to_weights,
               decoupled_from_weights, "SGD with w ← w − lr·wd·w (lr_scaled) or w ← w − wd·w (SGDW)",
               defaults={"loss": "mse"}),
)
