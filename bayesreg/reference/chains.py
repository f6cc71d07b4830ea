"""Building blocks shared by the Gibbs samplers (:mod:`.gibbs_linear`, :mod:`.gibbs_logistic`).

The chain runner (independent chains from spawned seeds, concatenated chain-major), the Gaussian
draw from a precision matrix that every sampler's coefficient block uses, the ``(X, y)`` check
and the ``Seed`` / ``Draws`` type aliases. NumPy/SciPy only, like the samplers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg

__all__ = ["Draws", "Seed"]

Seed = int | np.random.SeedSequence | None
Draws = dict[str, NDArray[np.float64]]


def _run_chains(step: Callable[[np.random.Generator], Callable[[], dict]], *, draws: int,
                burn: int, seed: Seed, chains: int) -> Draws:
    if draws < 1 or burn < 0 or chains < 1:
        raise ValueError("need draws >= 1, burn >= 0, chains >= 1")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    out: dict[str, list] = {}
    for child in ss.spawn(chains):
        advance = step(np.random.default_rng(child))
        for _ in range(burn):
            advance()
        rows = [advance() for _ in range(draws)]
        for k in rows[0]:
            out.setdefault(k, []).append(np.array([r[k] for r in rows], dtype=float))
    return {k: np.concatenate(v, axis=0) for k, v in out.items()}


def _mvn_from_precision(rng: np.random.Generator, prec: NDArray, rhs: NDArray,
                        scale: float = 1.0) -> NDArray:
    """Draw N(prec^{-1} rhs, scale^2 prec^{-1}) with one Cholesky factor ``prec = L L^T``."""
    chol = np.linalg.cholesky(prec)
    mean = linalg.cho_solve((chol, True), rhs, check_finite=False)
    noise = linalg.solve_triangular(chol.T, rng.standard_normal(rhs.shape[0]), lower=False,
                                    check_finite=False)
    return mean + scale * noise


def _design(X: ArrayLike, y: ArrayLike) -> tuple[NDArray, NDArray]:
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError("X must be (n, p) and y must be (n,)")
    return X, y
