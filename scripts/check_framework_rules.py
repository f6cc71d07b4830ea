#!/usr/bin/env python
"""One-off evidence: bayesreg's NumPy re-implementations of the frameworks' update rules equal the real ones.

Needs PyTorch and Keras 3, which are NOT bayesreg dependencies; run it in a separate environment:

    python -m venv /tmp/fw && /tmp/fw/bin/pip install torch==2.13.0 keras numpy
    /tmp/fw/bin/python scripts/check_framework_rules.py

It loads ``bayesreg/reference/optimizers.py`` by path (nothing else from bayesreg) and compares, step for
step, ``TorchSGD`` / ``TorchAdam`` with ``torch.optim.SGD`` / ``Adam`` / ``AdamW`` and ``KerasSGD`` with
``keras.optimizers.SGD(weight_decay=...)`` (torch backend, float64); then trains a one-layer model with
``MSELoss`` + ``SGD(weight_decay=wd)`` and with Keras ``kernel_regularizer=l2(lam)`` full batch to
convergence and compares with the closed-form ridge ``Ridge(alpha=n*wd/2)`` / ``Ridge(alpha=n*lam)``;
and checks that ``nn.Dropout(p)`` keeps inputs scaled by ``1/(1 - p)``. The output is recorded in
``docs/conventions_evidence.md``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "torch")
ROOT = Path(__file__).resolve().parents[1]


def _load_optimizers():
    spec = importlib.util.spec_from_file_location("br_optimizers", ROOT / "bayesreg" / "reference" / "optimizers.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["br_optimizers"] = module
    spec.loader.exec_module(module)
    return module


def _ridge(X: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    """argmin ||y - c - Xw||^2 + alpha ||w||^2 (intercept unpenalised), as (w..., c)."""
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    w = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ yc)
    return np.append(w, y.mean() - X.mean(axis=0) @ w)


def main() -> int:
    import keras
    import torch

    keras.config.set_floatx("float64")
    torch.set_default_dtype(torch.float64)
    opt = _load_optimizers()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4))
    yb = (rng.random(50) < 0.5).astype(float)
    Z = np.column_stack([X, np.ones(50)])
    mask = np.array([True] * 4 + [False])           # decay the weights, not the bias

    def grad(th):
        return Z.T @ (1 / (1 + np.exp(-Z @ th)) - yb) / 50

    def run_np(o, steps=50):
        th = np.zeros(5)
        for _ in range(steps):
            th = o.step(th, grad(th))
        return th

    def run_torch(cls, steps=50, weight_decay=0.0, **kw):
        w, b = torch.zeros(4, requires_grad=True), torch.zeros(1, requires_grad=True)
        o = cls([{"params": [w], "weight_decay": weight_decay}, {"params": [b], "weight_decay": 0.0}], **kw)
        Xt, yt = torch.tensor(X), torch.tensor(yb)
        for _ in range(steps):
            o.zero_grad()
            torch.nn.functional.binary_cross_entropy_with_logits(Xt @ w + b, yt).backward()
            o.step()
        return np.append(w.detach().numpy(), b.detach().numpy())

    def run_keras(steps=50, **kw):
        w, b = keras.Variable(np.zeros(4)), keras.Variable(np.zeros(1))
        o = keras.optimizers.SGD(**kw)
        o.exclude_from_weight_decay(var_list=[b])
        for _ in range(steps):
            g = grad(np.append(w.numpy(), b.numpy()))
            o.apply_gradients([(keras.ops.convert_to_tensor(g[:4]), w), (keras.ops.convert_to_tensor(g[4:]), b)])
        return np.append(w.numpy(), b.numpy())

    print(f"torch {torch.__version__}, keras {keras.__version__} ({keras.backend.backend()}), float64, 50 steps")
    checks = [
        ("torch.optim.SGD(lr=.3, weight_decay=.05)", run_torch(torch.optim.SGD, lr=0.3, weight_decay=0.05),
         opt.TorchSGD(lr=0.3, weight_decay=0.05, decay=mask)),
        ("  + momentum=.8, dampening=.3", run_torch(torch.optim.SGD, lr=0.3, weight_decay=0.05, momentum=0.8,
                                                    dampening=0.3),
         opt.TorchSGD(lr=0.3, weight_decay=0.05, momentum=0.8, dampening=0.3, decay=mask)),
        ("  + momentum=.9, nesterov", run_torch(torch.optim.SGD, lr=0.3, weight_decay=0.05, momentum=0.9,
                                                nesterov=True),
         opt.TorchSGD(lr=0.3, weight_decay=0.05, momentum=0.9, nesterov=True, decay=mask)),
        ("torch.optim.Adam(lr=.05, weight_decay=.05)", run_torch(torch.optim.Adam, lr=0.05, weight_decay=0.05),
         opt.TorchAdam(lr=0.05, weight_decay=0.05, decay=mask)),
        ("torch.optim.AdamW(lr=.05, weight_decay=.05)", run_torch(torch.optim.AdamW, lr=0.05, weight_decay=0.05),
         opt.TorchAdam(lr=0.05, weight_decay=0.05, decoupled=True, decay=mask)),
    ]
    for kw in (dict(momentum=0.0), dict(momentum=0.9), dict(momentum=0.9, nesterov=True)):
        checks.append((f"keras.optimizers.SGD(lr=.3, weight_decay=.05, {kw})",
                       run_keras(learning_rate=0.3, weight_decay=0.05, **kw),
                       opt.KerasSGD(lr=0.3, weight_decay=0.05, decay=mask, **kw)))
    worst = 0.0
    for name, ref, o in checks:
        diff = float(np.max(np.abs(run_np(o) - ref)))
        worst = max(worst, diff)
        print(f"  {name:<62} max|NumPy - framework| = {diff:.1e}")

    # trained to convergence (full batch, MSE): the fixed points are the ridge solutions of the mapping
    y = 1.0 + X @ np.array([1.0, -0.5, 0.25, 0.0]) + rng.normal(size=50)
    n, wd, lam = 50, 0.1, 0.05
    lin = torch.nn.Linear(4, 1)
    o = torch.optim.SGD([{"params": [lin.weight], "weight_decay": wd}, {"params": [lin.bias], "weight_decay": 0}],
                        lr=0.1, momentum=0.9)
    Xt, yt = torch.tensor(X), torch.tensor(y)[:, None]
    for _ in range(3000):
        o.zero_grad()
        torch.nn.MSELoss()(lin(Xt), yt).backward()
        o.step()
    got = np.append(lin.weight.detach().numpy().ravel(), lin.bias.detach().numpy())
    d1 = float(np.max(np.abs(got - _ridge(X, y, n * wd / 2))))
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, kernel_regularizer=keras.regularizers.l2(lam))])
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss="mean_squared_error")
    model.fit(X, y, batch_size=n, epochs=3000, verbose=0, shuffle=False)
    kernel, bias = model.layers[0].get_weights()
    d2 = float(np.max(np.abs(np.append(kernel.ravel(), bias) - _ridge(X, y, n * lam))))
    print(f"  torch MSELoss + SGD(weight_decay={wd}) trained = Ridge(alpha=n*wd/2): max|diff| = {d1:.1e}")
    print(f"  keras MSE + kernel_regularizer=l2({lam}) trained = Ridge(alpha=n*lam): max|diff| = {d2:.1e}")
    drop = torch.nn.Dropout(p=0.2).train()(torch.ones(100_000))
    values = sorted({float(v) for v in np.round(drop.numpy(), 12)})
    print(f"  torch.nn.Dropout(p=0.2) in training mode outputs {values} (1/(1 - 0.2) = {1 / 0.8})")
    ok = worst < 1e-12 and d1 < 1e-6 and d2 < 1e-6 and values == [0.0, 1.25]  # trained: to convergence
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
