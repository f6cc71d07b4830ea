r"""Dropout training written from its definition: exact expectations over masks, and SGD.

NumPy/SciPy only, sharing nothing with :mod:`bayesreg.conventions.dropout`: the per-feature
penalty :math:`\frac{1-p}{p}\sum_j s_j w_j^2` never appears here. Dropout keeps each input
:math:`x_{ij}` with probability :math:`p` (``keep_prob``) and trains on
:math:`\tilde x_{ij} = \delta_{ij}x_{ij}\,a`, :math:`\delta_{ij} \sim \text{Bernoulli}(p)`, with
:math:`a = 1/p` (``scaling="inverted"``, PyTorch/Keras) or :math:`a = 1` (``"standard"``,
Srivastava et al. 2014); the intercept is never masked. The dropout objective is the expected
training loss

.. math::

    D(w, c) = \sum_i E_{\delta_i}\,\ell\big(y_i,\; c + \tilde x_i^\top w\big),

with :math:`\ell(y, \eta) = \frac12 (y - \eta)^2` (``"gaussian"``) or
:math:`\log(1 + e^\eta) - y\eta` (``"logistic"``).

* :func:`expected_dropout_loss` evaluates :math:`D` by enumerating every mask: per row
  (:math:`2^p` masks; rows are independent) or, for tiny problems, jointly over the whole matrix
  (:math:`2^{np}` masks), each weighted by :math:`p^{|\delta|}(1-p)^{p - |\delta|}`.
* :func:`dropout_optimum` minimises :math:`D` exactly: it expands each row into its :math:`2^p`
  masked copies with weights :math:`P(\delta)` and solves the weighted least-squares or logistic
  problem (Newton). It returns the *trained* weights (for standard scaling the deployed weights
  are :math:`p` times them).
* :func:`dropout_sgd` is dropout training as the frameworks run it: minibatches, fresh masks every
  step, plain SGD, Polyak averaging of the iterates, in independent replicates so that the Monte
  Carlo error of the averaged iterate is measured (standard error across replicates).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from bayesreg.reference.polyak_sgd import ReplicateAverages, polyak_sgd

__all__ = ["all_masks", "mask_probabilities", "expected_dropout_loss", "dropout_optimum",
           "DropoutSGDResult", "dropout_sgd"]

LIKELIHOODS = ("gaussian", "logistic")
SCALINGS = ("inverted", "standard")
_MAX_JOINT = 22  # 2^22 joint masks at most


def _check(keep_prob: float, scaling: str, likelihood: str) -> float:
    p = float(keep_prob)
    if not 0.0 < p <= 1.0:
        raise ValueError(f"keep_prob must be in (0, 1]; got {keep_prob!r}.")
    if scaling not in SCALINGS:
        raise ValueError(f"scaling must be one of {SCALINGS}; got {scaling!r}.")
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"likelihood must be one of {LIKELIHOODS}; got {likelihood!r}.")
    return 1.0 / p if scaling == "inverted" else 1.0


def all_masks(p: int) -> NDArray[np.float64]:
    """Every keep/drop pattern of ``p`` inputs: a ``(2**p, p)`` array of 0/1."""
    return np.array(list(itertools.product((0.0, 1.0), repeat=p)), dtype=float).reshape(2**p, p)


def mask_probabilities(masks: ArrayLike, keep_prob: float) -> NDArray[np.float64]:
    r""":math:`P(\delta) = p^{\sum\delta}(1-p)^{\#\delta - \sum\delta}` of each mask (rows)."""
    m = np.asarray(masks, dtype=float)
    kept = m.sum(axis=-1)
    return keep_prob**kept * (1.0 - keep_prob) ** (m.shape[-1] - kept)


def _loss(y: NDArray, eta: NDArray, likelihood: str) -> NDArray:
    if likelihood == "gaussian":
        return 0.5 * (y - eta) ** 2
    return np.logaddexp(0.0, eta) - y * eta


def expected_dropout_loss(X: ArrayLike, y: ArrayLike, coef: ArrayLike, intercept: float, *,
                          keep_prob: float, scaling: str = "inverted", likelihood: str = "gaussian",
                          joint: bool = False) -> float:
    """:math:`D(w, c)` by enumerating every mask (per row, or jointly over all ``n·p`` inputs)."""
    a = _check(keep_prob, scaling, likelihood)
    X, y, w = np.asarray(X, float), np.asarray(y, float), np.asarray(coef, float)
    n, p = X.shape
    if joint:
        if n * p > _MAX_JOINT:
            raise ValueError(f"joint enumeration of 2^(n·p) masks is for tiny problems (n·p <= {_MAX_JOINT}); "
                             f"got n·p = {n * p}.")
        total = 0.0
        for flat in all_masks(n * p):
            M = flat.reshape(n, p)
            eta = intercept + (M * X * a) @ w
            total += mask_probabilities(flat, keep_prob) * float(np.sum(_loss(y, eta, likelihood)))
        return float(total)
    masks = all_masks(p)
    prob = mask_probabilities(masks, keep_prob)
    eta = intercept + (X[:, None, :] * masks[None, :, :] * a) @ w          # (n, 2^p)
    return float(np.sum(_loss(y[:, None], eta, likelihood) @ prob))


def _expanded(X: NDArray, y: NDArray, keep_prob: float, a: float) -> tuple[NDArray, NDArray, NDArray]:
    """Every row's masked copies (with an intercept column), their targets and weights."""
    masks = all_masks(X.shape[1])
    prob = mask_probabilities(masks, keep_prob)
    keep = prob > 0  # keep_prob = 1: only the all-ones mask
    masks, prob = masks[keep], prob[keep]
    Z = (X[:, None, :] * masks[None, :, :] * a).reshape(-1, X.shape[1])
    Z = np.column_stack([Z, np.ones(Z.shape[0])])
    return Z, np.repeat(y, masks.shape[0]), np.tile(prob, X.shape[0])


def dropout_optimum(X: ArrayLike, y: ArrayLike, *, keep_prob: float, scaling: str = "inverted",
                    likelihood: str = "gaussian", tol: float = 1e-13,
                    max_iter: int = 100) -> tuple[NDArray[np.float64], float]:
    r"""The exact minimiser ``(coef, intercept)`` of the dropout objective :math:`D`.

    Gaussian: the normal equations :math:`Z^\top\Pi Z\theta = Z^\top\Pi y` of the expanded data
    (every row times every mask, weights :math:`P(\delta)`). Logistic: Newton's method with
    step halving on the expanded weighted log-loss, to a gradient below ``tol`` relative (or a
    Newton step at round-off level).
    Returns the trained weights (standard scaling: deployed = ``keep_prob`` × these).
    Memory grows as :math:`n\,2^p`: for problems with up to ~12 features.
    """
    a = _check(keep_prob, scaling, likelihood)
    X, y = np.asarray(X, float), np.asarray(y, float)
    Z, t, pi = _expanded(X, y, keep_prob, a)
    if likelihood == "gaussian":
        theta = np.linalg.solve(Z.T @ (pi[:, None] * Z), Z.T @ (pi * t))
        return theta[:-1], float(theta[-1])
    theta = np.zeros(Z.shape[1])

    def objective(th: NDArray) -> float:
        eta = Z @ th
        return float(pi @ (np.logaddexp(0.0, eta) - t * eta))

    g0 = None
    for _ in range(max_iter):
        mu = expit(Z @ theta)
        grad = Z.T @ (pi * (mu - t))
        g0 = np.max(np.abs(grad)) if g0 is None else g0
        if np.max(np.abs(grad)) <= tol * max(g0, 1.0):
            return theta[:-1], float(theta[-1])
        H = Z.T @ ((pi * mu * (1.0 - mu))[:, None] * Z)
        step = np.linalg.solve(H, grad)
        if np.max(np.abs(step)) <= 1e-14 * max(1.0, np.max(np.abs(theta))):
            return theta[:-1], float(theta[-1])  # Newton step at round-off level: converged
        f0, s = objective(theta), 1.0
        slack = 1e-12 * abs(f0)  # near the optimum the decrease is below round-off: accept it
        while objective(theta - s * step) > f0 + slack and s > 1e-10:
            s *= 0.5
        theta = theta - s * step
    raise RuntimeError(f"Newton on the dropout objective did not converge in {max_iter} iterations.")


@dataclass(frozen=True)
class DropoutSGDResult(ReplicateAverages):
    """Polyak-averaged dropout-SGD iterates of independent replicates.

    ``averages[r]`` is replicate r's average of ``(coef..., intercept)`` over the steps after the
    burn-in; ``mean`` is their mean and ``stderr`` its Monte Carlo standard error
    (sd across replicates / sqrt(replicates)). ``last`` holds each replicate's final iterate;
    ``trace[k]`` the running averages after ``trace_steps[k]`` steps (``trace_every > 0``).
    """

    averages: NDArray[np.float64]
    last: NDArray[np.float64]
    n_steps: int
    burn_in: int
    trace_steps: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    trace: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 0, 0)))

    @property
    def coef(self) -> NDArray[np.float64]:
        return self.mean[:-1]

    @property
    def intercept(self) -> float:
        return float(self.mean[-1])


def dropout_sgd(X: ArrayLike, y: ArrayLike, *, keep_prob: float, scaling: str = "inverted",
                likelihood: str = "gaussian", lr: float = 0.01, decay: float = 0.0,
                decay_steps: float = 1000.0, n_steps: int = 20_000, burn_in: int | None = None,
                batch_size: int = 16, replicates: int = 16, seed: int = 0,
                trace_every: int = 0) -> DropoutSGDResult:
    r"""Dropout training by minibatch SGD with Polyak averaging, in independent replicates.

    Each step draws ``batch_size`` rows uniformly with replacement and a fresh mask for each of
    their inputs, and takes :math:`\theta \leftarrow \theta - \gamma_t \frac1B\sum_{i\in B}
    \nabla_\theta\,\ell(y_i, c + \tilde x_i^\top w)`, :math:`\gamma_t = \gamma/(1 +
    t/t_0)^{\text{decay}}` (``decay=0``: constant step). The iterates after ``burn_in`` (default
    half of the steps) are averaged. For the Gaussian loss the gradient is affine in
    :math:`\theta` with random coefficients independent of the current iterate, so with a constant
    stable step the stationary mean of the iterates *is* the minimiser of the expected objective:
    the average converges to it with no step-size bias. For the logistic loss use ``decay`` in
    (1/2, 1) (Polyak & Juditsky).
    """
    a = _check(keep_prob, scaling, likelihood)
    X, y = np.asarray(X, float), np.asarray(y, float)
    n, p = X.shape
    burn = n_steps // 2 if burn_in is None else int(burn_in)
    if not 0 <= burn < n_steps:
        raise ValueError(f"burn_in must be in [0, n_steps); got {burn_in!r} with n_steps={n_steps}.")
    rng = np.random.default_rng(seed)

    def inputs(idx: NDArray) -> NDArray:
        return X[idx] * (rng.random((*idx.shape, p)) < keep_prob) * a  # masked inputs

    def residual(eta: NDArray, yb: NDArray) -> NDArray:
        return eta - yb if likelihood == "gaussian" else expit(eta) - yb

    it = polyak_sgd(X, y, rng, inputs=inputs, residual=residual, n_steps=n_steps, burn=burn, lr=lr, decay=decay,
                    decay_steps=decay_steps, batch_size=batch_size, replicates=replicates, trace_every=trace_every)
    return DropoutSGDResult(averages=it.averages, last=it.last, n_steps=n_steps, burn_in=burn,
                            trace_steps=it.trace_steps, trace=it.trace)
