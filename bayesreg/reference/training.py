r"""The seed articles' gradient-descent loops, in NumPy: training checked against the MAP.

The objective is the sum form with an unpenalised intercept, :math:`\theta = (w, c)`:

.. math::

    F(\theta) = f(\theta) + \sum_j \ell_{1,j}|w_j| + \ell_{2,j}w_j^2, \qquad
    f = \frac{1}{2\sigma_n^2}\|y - c - Xw\|^2 \;\text{or}\; \sum_i \log(1 + e^{\eta_i}) - y_i\eta_i .

* :func:`subgradient_descent` — seed 000's update :math:`w \leftarrow w - \eta(\nabla f +
  \ell_1\operatorname{sign}(w) + 2\ell_2 w)`. A coordinate whose MAP is 0 (:math:`|\partial_j f|
  < \ell_{1,j}` there) is pushed across 0 by about :math:`\eta\ell_1` every step: it hovers
  around 0 with amplitude :math:`\approx\eta\ell_1` and is (almost surely) never exactly 0.
* :func:`ista` — proximal gradient: :math:`w \leftarrow \operatorname{prox}(w - \eta\nabla_w f)`,
  :math:`\operatorname{prox}(v)_j = \operatorname{soft}(v_j, \eta\ell_{1,j})/(1 + 2\eta\ell_{2,j})`,
  :math:`\operatorname{soft}(v, t) = \operatorname{sign}(v)\max(|v| - t, 0)`: exact zeros, converges to the
  MAP for :math:`\eta \le 1/L`.
* :func:`fista` — Beck & Teboulle (2009): the same prox step at the extrapolated point
  :math:`z_k = \theta_k + \frac{t_{k-1} - 1}{t_k}(\theta_k - \theta_{k-1})`,
  :math:`t_{k+1} = (1 + \sqrt{1 + 4t_k^2})/2`; :math:`F(\theta_k) - F^* = O(1/k^2)`.
* :func:`sgd_l2` — minibatch SGD on the mean form :math:`F/n`, i.e. weight decay
  :math:`w \leftarrow w - \gamma_t(\nabla \bar f_B + \text{wd}\,w)` with :math:`\text{wd} = 2\ell_2/n`
  (an L2 penalty :math:`\lambda\sum w^2` on the mean loss is :math:`\text{wd} = 2\lambda`), with a
  decaying step :math:`\gamma_t = \gamma/(1 + t/t_0)^a` and Polyak averaging of the iterates after
  a burn-in, in independent replicates (Monte Carlo error = sd across replicates / √R).

Nothing here is shared with the package's MAP solver (``bayesreg.inference``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from bayesreg.reference.polyak_sgd import ReplicateAverages, polyak_sgd

__all__ = ["Smooth", "smooth_part", "soft_threshold", "Trace", "subgradient_descent", "ista", "fista",
           "SGDResult", "sgd_l2"]


@dataclass(frozen=True)
class Smooth:
    """The smooth part :math:`f(\\theta)`, its gradient and a Lipschitz constant of the gradient."""

    value: Callable[[NDArray], float]
    grad: Callable[[NDArray], NDArray]
    lipschitz: float
    n_features: int


def smooth_part(X: ArrayLike, y: ArrayLike, likelihood: str = "gaussian", noise_sigma: float = 1.0) -> Smooth:
    """:math:`f` of the Gaussian (fixed ``noise_sigma``) or logistic likelihood, intercept last in θ."""
    X, y = np.asarray(X, float), np.asarray(y, float)
    Z = np.column_stack([X, np.ones(X.shape[0])])
    top = float(np.linalg.eigvalsh(Z.T @ Z).max())
    if likelihood == "gaussian":
        s2 = float(noise_sigma) ** 2
        return Smooth(lambda th: 0.5 * float(np.sum((y - Z @ th) ** 2)) / s2,
                      lambda th: -(Z.T @ (y - Z @ th)) / s2, top / s2, X.shape[1])
    if likelihood == "logistic":
        def value(th: NDArray) -> float:
            eta = Z @ th
            return float(np.sum(np.logaddexp(0.0, eta) - y * eta))

        return Smooth(value, lambda th: Z.T @ (expit(Z @ th) - y), top / 4.0, X.shape[1])
    raise ValueError(f"likelihood must be 'gaussian' or 'logistic'; got {likelihood!r}.")


def soft_threshold(v: NDArray, t: ArrayLike) -> NDArray:
    """:math:`\\operatorname{sign}(v)\\max(|v| - t, 0)`, with +0.0 (not -0.0) at the zeros."""
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0) + 0.0


@dataclass(frozen=True)
class Trace:
    """The last iterate (``coef``, ``intercept``), the recorded iterates and objective values."""

    theta: NDArray[np.float64]
    history: NDArray[np.float64]
    objective: NDArray[np.float64]
    n_iter: int

    @property
    def coef(self) -> NDArray[np.float64]:
        return self.theta[:-1]

    @property
    def intercept(self) -> float:
        return float(self.theta[-1])


def _penalties(l1: ArrayLike, l2: ArrayLike, p: int) -> tuple[NDArray, NDArray]:
    a, b = np.broadcast_to(np.asarray(l1, float), (p,)), np.broadcast_to(np.asarray(l2, float), (p,))
    if np.any(a < 0) or np.any(b < 0):
        raise ValueError("penalty weights l1, l2 must be >= 0.")
    return a.copy(), b.copy()


def _objective(smooth: Smooth, l1: NDArray, l2: NDArray) -> Callable[[NDArray], float]:
    return lambda th: smooth.value(th) + float(l1 @ np.abs(th[:-1]) + l2 @ th[:-1] ** 2)


def _run(update: Callable[[NDArray, int], NDArray], theta0: NDArray, F: Callable[[NDArray], float],
         n_iter: int, record: int) -> Trace:
    theta = theta0.copy()
    hist, obj = [theta.copy()], [F(theta)]
    for k in range(1, n_iter + 1):
        theta = update(theta, k)
        if k % record == 0 or k == n_iter:
            hist.append(theta.copy())
            obj.append(F(theta))
    return Trace(theta, np.array(hist), np.array(obj), n_iter)


def subgradient_descent(smooth: Smooth, l1: ArrayLike, l2: ArrayLike = 0.0, *, step: float | None = None,
                        n_iter: int = 10_000, record: int = 1) -> Trace:
    r"""Seed 000's loop: :math:`\theta \leftarrow \theta - \eta(\nabla f + \ell_1\operatorname{sign}(w) + 2\ell_2 w)`.

    ``step`` :math:`\eta` defaults to :math:`1/L`. Records every ``record``-th iterate.
    """
    a, b = _penalties(l1, l2, smooth.n_features)
    eta = 1.0 / smooth.lipschitz if step is None else float(step)

    def update(th: NDArray, k: int) -> NDArray:
        g = smooth.grad(th)
        g[:-1] += a * np.sign(th[:-1]) + 2.0 * b * th[:-1]
        return th - eta * g

    return _run(update, np.zeros(smooth.n_features + 1), _objective(smooth, a, b), n_iter, record)


def _prox(v: NDArray, eta: float, a: NDArray, b: NDArray) -> NDArray:
    out = v.copy()
    out[:-1] = soft_threshold(v[:-1], eta * a) / (1.0 + 2.0 * eta * b)
    return out


def ista(smooth: Smooth, l1: ArrayLike, l2: ArrayLike = 0.0, *, step: float | None = None,
         n_iter: int = 10_000, record: int = 1) -> Trace:
    r"""Proximal gradient (ISTA): :math:`\theta \leftarrow \operatorname{prox}_{\eta P}(\theta - \eta\nabla f)`."""
    a, b = _penalties(l1, l2, smooth.n_features)
    eta = 1.0 / smooth.lipschitz if step is None else float(step)
    return _run(lambda th, k: _prox(th - eta * smooth.grad(th), eta, a, b),
                np.zeros(smooth.n_features + 1), _objective(smooth, a, b), n_iter, record)


def fista(smooth: Smooth, l1: ArrayLike, l2: ArrayLike = 0.0, *, step: float | None = None,
          n_iter: int = 10_000, record: int = 1) -> Trace:
    r"""FISTA (Beck & Teboulle 2009): the ISTA step at an extrapolated point (module docstring)."""
    a, b = _penalties(l1, l2, smooth.n_features)
    eta = 1.0 / smooth.lipschitz if step is None else float(step)
    state = {"prev": np.zeros(smooth.n_features + 1), "t": 1.0}

    def update(th: NDArray, k: int) -> NDArray:
        t_next = (1.0 + np.sqrt(1.0 + 4.0 * state["t"] ** 2)) / 2.0
        z = th + (state["t"] - 1.0) / t_next * (th - state["prev"])
        state["prev"], state["t"] = th, t_next
        return _prox(z - eta * smooth.grad(z), eta, a, b)

    return _run(update, np.zeros(smooth.n_features + 1), _objective(smooth, a, b), n_iter, record)


@dataclass(frozen=True)
class SGDResult(ReplicateAverages):
    """Averaged and last iterates ``(coef..., intercept)`` of independent SGD replicates.

    ``trace[k]`` are the running averages after ``trace_steps[k]`` steps (``trace_every > 0``).
    """

    averages: NDArray[np.float64]
    last: NDArray[np.float64]
    trace_steps: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    trace: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 0, 0)))


def sgd_l2(X: ArrayLike, y: ArrayLike, *, wd: float, likelihood: str = "gaussian", noise_sigma: float = 1.0,
           lr: float = 0.01, decay: float = 0.0, decay_steps: float = 1000.0, n_steps: int = 20_000,
           burn_in: int | None = None, batch_size: int = 16, replicates: int = 16, seed: int = 0,
           trace_every: int = 0) -> SGDResult:
    r"""Minibatch SGD with weight decay on the mean loss (module docstring), Polyak-averaged.

    The per-sample loss is :math:`(y_i - \eta_i)^2/(2\sigma_n^2)` or the logistic log-loss, so the
    fixed point is the MAP with :math:`\ell_2 = n\,\text{wd}/2`. Rows are drawn uniformly with
    replacement; the bias is not decayed.
    """
    X, y = np.asarray(X, float), np.asarray(y, float)
    n, p = X.shape
    if likelihood not in ("gaussian", "logistic"):
        raise ValueError(f"likelihood must be 'gaussian' or 'logistic'; got {likelihood!r}.")
    burn = n_steps // 2 if burn_in is None else int(burn_in)
    s2 = float(noise_sigma) ** 2

    def residual(eta: NDArray, yb: NDArray) -> NDArray:
        return (eta - yb) / s2 if likelihood == "gaussian" else expit(eta) - yb

    return SGDResult(*polyak_sgd(X, y, np.random.default_rng(seed), inputs=lambda idx: X[idx], residual=residual,
                                 n_steps=n_steps, burn=burn, lr=lr, decay=decay, decay_steps=decay_steps,
                                 batch_size=batch_size, replicates=replicates, trace_every=trace_every,
                                 weight_decay=wd))
