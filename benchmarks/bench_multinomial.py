"""Exact multinomial MAP against scikit-learn's multinomial ``LogisticRegression``.

In **one** Python process, for each size ``n x p`` with ``K`` classes (default ``10000x50`` and
``50000x50``, K = 5):

* **bayesreg steady state**: the median over ``--repeats`` of ``RegressionData.from_xy`` +
  ``penalty_to_prior`` + ``find_map`` (the first call, which compiles the PyMC gradient, is reported too);
* **scikit-learn** at matched accuracy: L2 (``C=1``) with ``solver="newton-cg"`` and ``"lbfgs"`` at
  ``tol=1e-10``; L1 (``C=0.05``, ``l1_ratio=1``) with ``solver="saga"`` at ``tol=1e-8``;
* the **ratio** scikit-learn / bayesreg (> 1: bayesreg faster), the maximum relative coefficient
  difference ``max |W_bayesreg - W_sklearn| / max |W_sklearn|``, identical zeros (L1), and bayesreg's
  certificate.

Data: ``X`` iid N(0, 1), class scores from a (K, p) matrix with ``p // 5`` non-zero columns
(N(0, 1) entries), classes drawn from the softmax, seed 0. The load average is printed at the start and
the end: on a shared machine the ratios are indicative only.

Examples
--------
::

    python benchmarks/bench_multinomial.py            # 10000x50 and 50000x50, K = 5 (minutes)
    python benchmarks/bench_multinomial.py --quick    # 2000x20, K = 3 (seconds)
"""

from __future__ import annotations

import argparse
import os
import warnings

import numpy as np
from _timing import first_and_median, timed

import bayesreg as br
from bayesreg.inference.map import find_map
from bayesreg.model.data import RegressionData

CASES = {"l2": {"C": 1.0, "l1_ratio": 0.0}, "l1": {"C": 0.05, "l1_ratio": 1.0}}


def make_data(n: int, p: int, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    W = np.zeros((k, p))
    W[:, : max(1, p // 5)] = rng.standard_normal((k, max(1, p // 5)))
    eta = X @ W.T
    prob = np.exp(eta - eta.max(1, keepdims=True))
    prob /= prob.sum(1, keepdims=True)
    y = (rng.random((n, 1)) > np.cumsum(prob, axis=1)).sum(1)
    return X, np.minimum(y, k - 1)


def fit_bayesreg(X: np.ndarray, y: np.ndarray, params: dict):
    data = RegressionData.from_xy(X, y.astype(float))
    prior = br.penalty_to_prior("sklearn.LogisticRegression", **params)
    return find_map(data, prior, br.Multinomial())


def fit_sklearn(X: np.ndarray, y: np.ndarray, params: dict, solver: str):
    from sklearn.linear_model import LogisticRegression

    tol = 1e-8 if solver == "saga" else 1e-10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: the coefficient difference reports the accuracy
        return LogisticRegression(**params, solver=solver, tol=tol, max_iter=100_000).fit(X, y)


def run(sizes: list[tuple[int, int, int]], repeats: int) -> list[dict]:
    rows = []
    for n, p, k in sizes:
        X, y = make_data(n, p, k)
        for case, params in CASES.items():
            first, ours, res = first_and_median(fit_bayesreg, X, y, params, repeats=repeats)
            for solver in (("newton-cg", "lbfgs") if case == "l2" else ("saga",)):
                t_sk, sk = timed(fit_sklearn, X, y, params, solver)
                row = {"size": f"{n}x{p} K={k}", "case": case, "solver": solver, "bayesreg_s": ours,
                       "bayesreg_first_s": first, "sklearn_s": t_sk, "ratio": t_sk / ours,
                       "max_rel_diff": float(np.max(np.abs(res.coef - sk.coef_)) / np.max(np.abs(sk.coef_))),
                       "same_zeros": bool(np.array_equal(res.coef == 0, sk.coef_ == 0)),
                       "zeros": int(np.sum(res.coef == 0)), "certified": res.certificate.passed,
                       "newton_iterations": res.n_iter}
                rows.append(row)
                print(f"{row['size']:>16} {case} vs {solver:<9}  bayesreg {ours:7.3f} s (first {first:.2f} s, "
                      f"{res.n_iter} Newton it.)  sklearn {t_sk:7.3f} s  ratio {row['ratio']:6.2f}x  "
                      f"max rel diff {row['max_rel_diff']:.1e}  same zeros {row['same_zeros']} ({row['zeros']})  "
                      f"certified {row['certified']}", flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small size (2000x20, K = 3)")
    parser.add_argument("--repeats", type=int, default=3, help="bayesreg repeats (median)")
    args = parser.parse_args(argv)
    sizes = [(2000, 20, 3)] if args.quick else [(10000, 50, 5), (50000, 50, 5)]
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    run(sizes, args.repeats)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
