"""Synthetic data shared by the benchmarks."""

from __future__ import annotations

import numpy as np

__all__ = ["sparse_gaussian", "sparse_logistic"]


def sparse_gaussian(n: int, p: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """iid N(0, 1) design, p/10 non-zero weights of size 0.5-2 with random signs, intercept 1,
    N(0, 1) noise: ``(X, y)``."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    k = max(1, p // 10)
    w = np.zeros(p)
    idx = rng.choice(p, k, replace=False)
    w[idx] = rng.uniform(0.5, 2.0, k) * rng.choice([-1.0, 1.0], k)
    return X, 1.0 + X @ w + rng.standard_normal(n)


def sparse_logistic(n: int, p: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """iid N(0, 1) design, p/10 non-zero weights of size (0.5-2)/sqrt(p/10) with random signs
    (linear predictor sd ~ 1.3), intercept 0.5, Bernoulli(expit) labels in {0, 1}: ``(X, y)``."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    k = max(1, p // 10)
    w = np.zeros(p)
    idx = rng.choice(p, k, replace=False)
    w[idx] = rng.uniform(0.5, 2.0, k) * rng.choice([-1.0, 1.0], k) / np.sqrt(k)
    eta = 0.5 + X @ w
    return X, (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
