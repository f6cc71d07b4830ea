r"""The frameworks' documented update rules, step for step, in NumPy (no torch, no keras).

Each optimizer is a small object with ``step(theta, grad) -> theta`` holding its state, written
from the framework's documentation; ``grad`` is the gradient of the *mean* training loss
(without any weight decay), ``decay`` a boolean mask of the parameters that are decayed (the
weights; never the bias: PyTorch parameter groups with ``weight_decay=0``, Keras regularises only
the kernel). :func:`train` iterates one to convergence. The prior each rule corresponds to is in
:mod:`bayesreg.conventions.frameworks`; the tests run these rules and compare with the MAP.

* :class:`TorchSGD` — ``torch.optim.SGD`` (PyTorch docs, "Algorithm"):
  :math:`g_t = \nabla f(\theta_{t-1}) + \lambda\theta_{t-1}`;
  :math:`b_t = \mu b_{t-1} + (1-\tau)g_t` (:math:`b_1 = g_1`); :math:`g_t = g_t + \mu b_t`
  (Nesterov) or :math:`b_t`; :math:`\theta_t = \theta_{t-1} - \gamma g_t`.
* :class:`TorchAdam` — ``torch.optim.Adam`` (coupled :math:`\lambda\theta` added to the gradient) and
  ``torch.optim.AdamW`` (``decoupled=True``: :math:`\theta_t = \theta_{t-1} - \gamma\lambda\theta_{t-1}`
  first); :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1)g_t`, :math:`v_t = \beta_2 v_{t-1} +
  (1-\beta_2)g_t^2`, :math:`\hat m_t = m_t/(1-\beta_1^t)`, :math:`\hat v_t = v_t/(1-\beta_2^t)`,
  :math:`\theta_t = \theta_{t-1} - \gamma\hat m_t/(\sqrt{\hat v_t} + \epsilon)`.
* :class:`KerasSGD` — ``keras.optimizers.SGD`` with ``weight_decay`` (Keras 3 base optimizer:
  ``variable - variable * weight_decay * learning_rate`` before the step), then
  ``m = momentum*m - lr*g; w = w + m`` (Nesterov: ``w = w + momentum*m - lr*g``).
* :class:`SGDW` — Loshchilov & Hutter (2019), Algorithm 1 with schedule multiplier 1:
  :math:`m_t = \beta_1 m_{t-1} + \alpha g_t`, :math:`\theta_t = \theta_{t-1} - m_t - \lambda\theta_{t-1}`
  (decay not scaled by the learning rate).
* :func:`keras_regularizer_gradient` — the gradient Keras's ``l1_l2(l1, l2)`` penalty
  ``l1*sum(abs(w)) + l2*sum(square(w))`` adds: :math:`l_1\operatorname{sign}(w) + 2l_2w`
  (autodiff gives 0 for :math:`|w|` at 0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["TorchSGD", "TorchAdam", "KerasSGD", "SGDW", "keras_regularizer_gradient", "train"]


@dataclass
class TorchSGD:
    """``torch.optim.SGD(lr, momentum, dampening, weight_decay, nesterov)`` (coupled decay)."""

    lr: float
    weight_decay: float = 0.0
    momentum: float = 0.0
    dampening: float = 0.0
    nesterov: bool = False
    decay: NDArray | None = None
    _buf: NDArray | None = field(default=None, repr=False)

    def step(self, theta: NDArray, grad: NDArray) -> NDArray:
        g = grad + self.weight_decay * _masked(theta, self.decay)
        if self.momentum != 0:
            self._buf = g.copy() if self._buf is None else self.momentum * self._buf + (1 - self.dampening) * g
            g = g + self.momentum * self._buf if self.nesterov else self._buf
        return theta - self.lr * g


@dataclass
class TorchAdam:
    """``torch.optim.Adam(weight_decay)`` (coupled) or ``torch.optim.AdamW`` (``decoupled=True``)."""

    lr: float
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    decoupled: bool = False
    decay: NDArray | None = None
    _t: int = field(default=0, repr=False)
    _m: NDArray | None = field(default=None, repr=False)
    _v: NDArray | None = field(default=None, repr=False)

    def step(self, theta: NDArray, grad: NDArray) -> NDArray:
        b1, b2 = self.betas
        self._t += 1
        if self.decoupled:
            theta = theta - self.lr * self.weight_decay * _masked(theta, self.decay)
            g = grad
        else:
            g = grad + self.weight_decay * _masked(theta, self.decay)
        self._m = (1 - b1) * g if self._m is None else b1 * self._m + (1 - b1) * g
        self._v = (1 - b2) * g * g if self._v is None else b2 * self._v + (1 - b2) * g * g
        m_hat = self._m / (1 - b1**self._t)
        v_hat = self._v / (1 - b2**self._t)
        return theta - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


@dataclass
class KerasSGD:
    """``keras.optimizers.SGD(learning_rate, momentum, nesterov, weight_decay)`` (decoupled, lr-scaled)."""

    lr: float
    weight_decay: float = 0.0
    momentum: float = 0.0
    nesterov: bool = False
    decay: NDArray | None = None
    _m: NDArray | None = field(default=None, repr=False)

    def step(self, theta: NDArray, grad: NDArray) -> NDArray:
        theta = theta - _masked(theta, self.decay) * self.weight_decay * self.lr   # _apply_weight_decay
        if self.momentum == 0:
            return theta - grad * self.lr
        m = np.zeros_like(theta) if self._m is None else self._m
        self._m = m * self.momentum - grad * self.lr
        if self.nesterov:
            return theta + (self._m * self.momentum - grad * self.lr)
        return theta + self._m


@dataclass
class SGDW:
    """Loshchilov & Hutter's SGDW (Algorithm 1, schedule multiplier 1): decay not scaled by ``lr``."""

    lr: float
    weight_decay: float = 0.0
    momentum: float = 0.0
    decay: NDArray | None = None
    _m: NDArray | None = field(default=None, repr=False)

    def step(self, theta: NDArray, grad: NDArray) -> NDArray:
        m = np.zeros_like(theta) if self._m is None else self._m
        self._m = self.momentum * m + self.lr * grad
        return theta - self._m - self.weight_decay * _masked(theta, self.decay)


def keras_regularizer_gradient(w: NDArray, l1: float = 0.0, l2: float = 0.0) -> NDArray:
    """Gradient of Keras's ``l1 * sum(abs(w)) + l2 * sum(square(w))``: ``l1*sign(w) + 2*l2*w``."""
    return l1 * np.sign(w) + 2.0 * l2 * w


def _masked(theta: NDArray, decay: NDArray | None) -> NDArray:
    return theta if decay is None else np.where(decay, theta, 0.0)


def train(optimizer: object, grad: Callable[[NDArray], NDArray], theta0: NDArray, *, n_steps: int,
          tol: float | None = None) -> tuple[NDArray, int]:
    """Iterate ``optimizer.step(theta, grad(theta))``; stop early when a step moves θ by less than
    ``tol`` relative (max norm). Returns ``(theta, steps taken)``."""
    theta = np.array(theta0, dtype=float)
    for t in range(1, n_steps + 1):
        new = optimizer.step(theta, grad(theta))
        if tol is not None and np.max(np.abs(new - theta)) <= tol * max(1.0, float(np.max(np.abs(new)))):
            return new, t
        theta = new
    return theta, n_steps
