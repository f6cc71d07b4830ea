r"""Dropout on the inputs as a prior: exact for the Gaussian likelihood, approximate for GLMs.

Dropout multiplies every input :math:`x_{ij}` of a training step by an independent mask
:math:`\delta_{ij} \sim \text{Bernoulli}(p)`, :math:`p` = ``keep_prob`` = 1 − ``rate``; the
intercept is not masked. *Inverted* dropout (PyTorch ``nn.Dropout(rate)``, Keras
``Dropout(rate)``; the default here) trains on :math:`\tilde x_{ij} = \delta_{ij}x_{ij}/p` and
predicts with :math:`x` itself; *standard* dropout (Srivastava et al. 2014) trains on
:math:`\delta_{ij}x_{ij}` and multiplies the weights by :math:`p` at test time.

**Gaussian likelihood, inverted scaling (exact).** Training minimises the expected loss over the
masks. Since :math:`E[\tilde x_{ij}] = x_{ij}` and :math:`\operatorname{Var}(\tilde x_{ij}) =
\frac{1-p}{p}x_{ij}^2`, independently over :math:`j`,

.. math::

    E_\delta\,\|y - c - \tilde X w\|^2 = \|y - c - Xw\|^2
        + \frac{1-p}{p}\sum_j s_j w_j^2, \qquad s_j = \sum_i x_{ij}^2

(:math:`s_j` *uncentred*: the masked value is 0, not the column mean). Dividing by
:math:`2\sigma_n^2` gives the sum form with :math:`\ell_{2,j} = \frac{(1-p)\,s_j}{2p\,\sigma_n^2}`:
the per-feature Gaussian prior

.. math::  w_j \sim N\!\Big(0,\; \frac{\sigma_n^2\,p}{(1-p)\,s_j}\Big).

The mean loss (``MSELoss``) has the same minimiser, so ``n`` does not enter; with observation
weights :math:`v_i`, :math:`s_j = \sum_i v_i x_{ij}^2`.

**Standard scaling (Srivastava et al. 2014, §9.1).** With :math:`\tilde x_{ij} = \delta_{ij}x_{ij}`
and trained weights :math:`u`, :math:`E\|y - c - \tilde X u\|^2 = \|y - c - pXu\|^2 +
p(1-p)\sum_j s_j u_j^2`. The network predicts with the test-time weights :math:`w = pu`; in
them the objective is :math:`\|y - c - Xw\|^2 + \frac{1-p}{p}\sum_j s_j w_j^2`, the *same* as
above. So the prior on the deployed weights :math:`w` is the same per-feature Gaussian; the weights
stored during training are :math:`u = w/p` (:func:`dropout_trained_coef`), whose own prior, with
the likelihood :math:`y \sim N(c + pXu, \sigma_n^2)`, is :math:`u_j \sim N(0,
\sigma_n^2/(p(1-p)s_j))`.

**Centring changes the prior.** :math:`s_j` is the uncentred sum of squares of the columns the
dropout layer *sees*. Dropout on centred columns :math:`x_j - \bar x_j` (a different noise: the
masked value is then the mean) gives :math:`s_j = \sum_i (x_{ij} - \bar x_j)^2 \le \sum_i
x_{ij}^2`, a wider prior and a different MAP. Pass the X that the network is trained on.

**Logistic regression and other GLMs (approximate; Wager, Wang & Liang 2013).** For a GLM with
log-partition :math:`A` the expected loss is :math:`-\log L(w, c) + R(w)` with
:math:`R(w) = \sum_i E[A(c + \tilde x_i^\top w)] - A(c + x_i^\top w)`. The second-order
expansion of :math:`A` around :math:`\eta_i = c + x_i^\top w` gives

.. math::

    R(w) \approx \frac{1-p}{2p}\sum_j w_j^2 \sum_i A''(\eta_i)\,x_{ij}^2 ,

a per-feature Gaussian prior with :math:`\ell_{2,j} = \frac{1-p}{2p}\sum_i v_i A''(\hat\eta_i)x_{ij}^2`
**evaluated at a fit** (:math:`A'' = \pi(1-\pi)` for the logistic likelihood; ``coef`` and
``intercept`` give the point). It is data- and fit-dependent and approximate:
:class:`bayesreg.DropoutBayes` finds the self-consistent fit (the MAP of the prior evaluated at
itself), and the error against real dropout training is measured in the tests and in notebook 08.
For the Gaussian likelihood :math:`A'' = 1/\sigma_n^2` and the formula is the exact one above.

**The inverse direction** needs the data: the prior is per-feature, :math:`\ell_{2,j} \propto s_j`,
so ``keep_prob`` is recoverable only from X (and only when the prior is proportional to
:math:`s_j`); there is no data-free inverse.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
from scipy.special import expit

from bayesreg._validation import check_sample_weight, describe
from bayesreg.conventions._base import Context, Convention, PenaltyWeights

__all__ = ["dropout_to_weights", "dropout_from_weights", "dropout_curvature_scales",
           "dropout_trained_coef", "check_keep_prob", "SCALINGS", "FAMILIES", "CONVENTIONS"]

SCALINGS = ("inverted", "standard")
FAMILIES = ("gaussian", "binomial")
_NAME = "dropout"


def check_keep_prob(keep_prob: Any = None, rate: Any = None, owner: str = _NAME) -> float:
    """The keep probability p in (0, 1] from exactly one of ``keep_prob`` and ``rate`` = 1 − p."""
    if (keep_prob is None) == (rate is None):
        raise TypeError(f"{owner} needs exactly one of keep_prob (the probability of keeping an input, "
                        f"in (0, 1]) or rate (= 1 - keep_prob, in [0, 1)); got keep_prob={keep_prob!r}, "
                        f"rate={rate!r}.")
    name, value = ("keep_prob", keep_prob) if keep_prob is not None else ("rate", rate)
    if isinstance(value, bool) or not isinstance(value, (Real, np.number)):
        raise TypeError(f"The {name!r} parameter of {owner} must be a real number; got {describe(value)}.")
    v = float(value)
    p = v if name == "keep_prob" else 1.0 - v
    if not (0.0 < p <= 1.0) or np.isnan(v):
        expected = "in (0, 1] (the probability of keeping an input)" if name == "keep_prob" else \
            "in [0, 1) (the probability of dropping an input)"
        raise ValueError(f"The {name!r} parameter of {owner} must be {expected}; got {v!r}.")
    return p


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"The {name!r} parameter of {_NAME!r} must be one of "
                         f"{', '.join(map(repr, choices))}; got {value!r}.")
    return value


def dropout_curvature_scales(ctx: Context, *, family: str = "gaussian", coef: Any = None,
                             intercept: float = 0.0, weights: Any = None) -> np.ndarray:
    r"""The per-feature data scales :math:`S_j = \sum_i v_i A''(\eta_i)\,x_{ij}^2`.

    Gaussian: :math:`A'' = 1/\sigma_n^2`, so :math:`S_j = s_j/\sigma_n^2` with the uncentred
    :math:`s_j = \sum_i v_i x_{ij}^2` (no fit needed). Binomial: :math:`A''(\eta_i) =
    \pi_i(1 - \pi_i)` at :math:`\eta = c + Xw` for the given ``coef`` :math:`w` and ``intercept``
    :math:`c`. ``weights`` are observation weights :math:`v_i` (default 1).
    """
    _check_choice("family", family, FAMILIES)
    X = ctx.need_X("for its per-feature prior scales s_j = Σ_i x_ij² (dropout's prior depends on the "
                   "data the dropout layer sees)")
    v = np.ones(X.shape[0]) if weights is None else check_sample_weight(weights, X.shape[0], name="weights")
    if family == "gaussian":
        if coef is not None:
            raise ValueError("coef is used only with family='binomial' (the Gaussian dropout prior is exact "
                             "and does not depend on the fit).")
        return (v @ (X * X)) / ctx.noise_sigma**2
    if coef is None:
        raise ValueError("dropout with family='binomial' is Wager et al.'s quadratic approximation, "
                         "evaluated at a fit: pass coef (and intercept), or let br.DropoutBayes find the "
                         "self-consistent fit.")
    w = np.asarray(coef, dtype=float)
    if w.shape != (X.shape[1],) or not np.all(np.isfinite(w)):
        raise ValueError(f"coef must be a finite array of shape ({X.shape[1]},) to match X; "
                         f"got {describe(coef)}.")
    c = float(intercept)
    if not np.isfinite(c):
        raise ValueError(f"intercept must be finite; got {intercept!r}.")
    pi = expit(c + X @ w)
    return (v * pi * (1.0 - pi)) @ (X * X)


def dropout_to_weights(ctx: Context, *, keep_prob: float | None = None, rate: float | None = None,
                       scaling: str = "inverted", family: str = "gaussian", coef: Any = None,
                       intercept: float = 0.0, weights: Any = None) -> PenaltyWeights:
    r"""Dropout (``keep_prob`` p or ``rate`` 1 − p) on the inputs → per-feature Gaussian prior.

    The dropout objective is the expected training loss over the masks (module docstring):
    Gaussian, :math:`E_\delta\|y - c - \tilde Xw\|^2 = \|y - c - Xw\|^2 + \frac{1-p}{p}\sum_j
    s_j w_j^2`; dividing by :math:`2\sigma_n^2` gives the sum form with

    .. math:: \ell_{2,j} = \frac{1-p}{2p}\,S_j, \qquad S_j = \sum_i v_i A''(\eta_i)\,x_{ij}^2

    (:func:`dropout_curvature_scales`; :math:`S_j = s_j/\sigma_n^2` for the Gaussian likelihood,
    exact: prior variance :math:`\sigma_n^2 p/((1-p)s_j)`). ``scaling="standard"`` gives the same
    prior on the deployed weights :math:`p u` (module docstring). ``family="binomial"``: Wager,
    Wang & Liang's quadratic approximation at (``coef``, ``intercept``), approximate.
    ``keep_prob=1`` (no dropout) gives zero penalty, a flat prior.
    """
    p = check_keep_prob(keep_prob, rate)
    _check_choice("scaling", scaling, SCALINGS)
    S = dropout_curvature_scales(ctx, family=family, coef=coef, intercept=intercept, weights=weights)
    return PenaltyWeights.of(np.zeros_like(S), (1.0 - p) / (2.0 * p) * S)


def dropout_from_weights(ctx: Context, w: PenaltyWeights, scaling: str = "inverted",
                         family: str = "gaussian", coef: Any = None, intercept: float = 0.0,
                         weights: Any = None) -> dict[str, Any]:
    r"""Inverse of :func:`dropout_to_weights`; needs X (the prior is per-feature).

    From :math:`\ell_{2,j} = \frac{1-p}{2p}S_j`: :math:`r = 2\ell_{2,j}/S_j` must be the same for
    every feature (else no dropout rate gives this prior) and :math:`p = 1/(1 + r)`.
    """
    _check_choice("scaling", scaling, SCALINGS)
    if np.any(np.asarray(w.l1) != 0):
        raise ValueError("dropout is a Gaussian (L2) prior; this prior has an L1 part.")
    if ctx.X is None:
        raise ValueError("The inverse of 'dropout' needs the data: its prior is per-feature, "
                         "ℓ₂_j ∝ s_j = Σ_i x_ij², so keep_prob is recoverable only from X; pass X=<design>.")
    S = dropout_curvature_scales(ctx, family=family, coef=coef, intercept=intercept, weights=weights)
    l2 = np.broadcast_to(np.asarray(w.l2, float), S.shape)
    live = S > 0
    if not np.any(live):
        raise ValueError("X has only zero columns: dropout does not penalise them.")
    r = 2.0 * l2[live] / S[live]
    if not np.allclose(r, r[0], rtol=1e-10, atol=0.0):
        raise ValueError("the prior's L2 scales are not proportional to the columns' sums of squares "
                         "s_j = Σ_i x_ij² of X; no dropout rate gives this prior.")
    out: dict[str, Any] = {"keep_prob": 1.0 / (1.0 + float(r[0]))}
    if scaling != "inverted":
        out["scaling"] = scaling
    if family != "gaussian":
        out["family"] = family
    if weights is not None:  # as glmnet's inverse: the weights are part of the mapping (they weight s_j)
        out["weights"] = np.asarray(weights, dtype=float)
    return out


def dropout_trained_coef(coef: Any, *, keep_prob: float | None = None, rate: float | None = None,
                         scaling: str = "inverted") -> np.ndarray:
    r"""The weights a dropout network stores during training, from the deployed ones (the MAP).

    Inverted dropout trains and predicts with the same weights :math:`w`; standard dropout trains
    :math:`u` and predicts with :math:`pu`, so :math:`u = w/p`.
    """
    p = check_keep_prob(keep_prob, rate, owner="dropout_trained_coef")
    _check_choice("scaling", scaling, SCALINGS)
    w = np.asarray(coef, dtype=float)
    return w / p if scaling == "standard" else w.copy()


CONVENTIONS = (
    Convention(_NAME, ("keep_prob", "rate", "scaling", "family", "coef", "intercept", "weights"),
               dropout_to_weights, dropout_from_weights,
               "E over masks of the loss with inputs x·δ/p, δ ~ Bernoulli(keep_prob)",
               defaults={"scaling": "inverted", "family": "gaussian"}, needs_data=True),
)
