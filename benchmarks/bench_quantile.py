"""Exact quantile-regression MAP against scikit-learn's ``QuantileRegressor(solver="highs")``.

In **one** Python process, for each size ``n x p`` (default ``10000x100`` and ``100000x100``):

* **bayesreg steady state**: the median over ``--repeats`` of ``RegressionData.from_xy`` +
  ``penalty_to_prior`` / ``penalty_to_likelihood`` + ``find_map`` (the quantile MAP compiles no
  PyMC function, so the first call costs the same; it is reported too);
* **scikit-learn**: ``QuantileRegressor(quantile, alpha, solver="highs").fit`` (the median over
  ``--sk-repeats``; at 100000x100 one fit takes minutes, so the default is one repeat there);
* the **ratio** scikit-learn / bayesreg (how many times faster bayesreg is), the **maximum relative
  coefficient difference** ``max_j |theta_bayesreg - theta_sklearn| / max_j |theta_sklearn|`` over the
  weights and the intercept, whether the zero patterns are identical, bayesreg's relative KKT residual,
  and the rows of bayesreg's final working set (Portnoy-Koenker rounds).

Data: ``X`` iid N(0, 1), ``p // 10`` non-zero true coefficients (+-U(0.5, 2)), intercept 1, noise
Student-t with 3 degrees of freedom (heavy tails: where quantile regression is used), seed 0;
``quantile=0.3``, ``alpha=0.01`` (about half of the coefficients are zero). The load average is
printed at the start and the end: on a shared machine the ratio is indicative only.

Examples
--------
::

    python benchmarks/bench_quantile.py            # 10000x100 and 100000x100 (several minutes)
    python benchmarks/bench_quantile.py --quick    # 2000x20 and 10000x50 (seconds)
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from _timing import first_and_median, timed

import bayesreg as br
from bayesreg.inference.map import find_map
from bayesreg.model.data import RegressionData

QUANTILE, ALPHA = 0.3, 0.01


def make_data(n: int, p: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    k = max(1, p // 10)
    w[:k] = rng.choice([-1.0, 1.0], k) * rng.uniform(0.5, 2.0, k)
    return X, X @ w + 1.0 + rng.standard_t(3, n)


def fit_bayesreg(X: np.ndarray, y: np.ndarray):
    data = RegressionData.from_xy(X, y)
    prior = br.penalty_to_prior("sklearn.QuantileRegressor", quantile=QUANTILE, alpha=ALPHA, n=data.n_samples)
    lik = br.penalty_to_likelihood("sklearn.QuantileRegressor", quantile=QUANTILE, alpha=ALPHA)
    return find_map(data, prior, lik)


def fit_sklearn(X: np.ndarray, y: np.ndarray):
    from sklearn.linear_model import QuantileRegressor

    return QuantileRegressor(quantile=QUANTILE, alpha=ALPHA, solver="highs").fit(X, y)


def run(sizes: list[tuple[int, int]], repeats: int, sk_repeats: int) -> list[dict]:
    rows = []
    for n, p in sizes:
        X, y = make_data(n, p)
        first, ours, res = first_and_median(fit_bayesreg, X, y, repeats=repeats)
        sk_reps = sk_repeats if n * p < 5_000_000 else 1
        sk_times, sk = [], None
        for _ in range(sk_reps):
            t, sk = timed(fit_sklearn, X, y)
            sk_times.append(t)
        theta = np.append(res.coef, res.intercept)
        ref = np.append(sk.coef_, sk.intercept_)
        row = {
            "size": f"{n}x{p}", "bayesreg_first_s": first, "bayesreg_s": ours,
            "sklearn_s": float(np.median(sk_times)), "sklearn_repeats": sk_reps,
            "max_rel_diff": float(np.max(np.abs(theta - ref)) / np.max(np.abs(ref))),
            "same_zeros": bool(np.array_equal(res.coef == 0, sk.coef_ == 0)), "zeros": int(np.sum(res.coef == 0)),
            "kkt": res.certificate.relative_residual, "certified": res.certificate.passed,
            "working_rows": res.n_events, "rounds": res.n_iter,
        }
        row["speedup"] = row["sklearn_s"] / row["bayesreg_s"]
        rows.append(row)
        print(f"{row['size']:>11}  bayesreg {row['bayesreg_s']:8.3f} s (first {first:.3f} s, "
              f"{row['rounds']} rounds, {row['working_rows']} rows)  sklearn {row['sklearn_s']:8.3f} s "
              f"(x{sk_reps})  speedup {row['speedup']:6.1f}x  max rel diff {row['max_rel_diff']:.1e}  "
              f"same zeros {row['same_zeros']} ({row['zeros']})  KKT {row['kkt']:.1e} certified "
              f"{row['certified']}", flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (2000x20, 10000x50)")
    parser.add_argument("--repeats", type=int, default=3, help="bayesreg repeats (median)")
    parser.add_argument("--sk-repeats", type=int, default=3, help="scikit-learn repeats below 5e6 cells")
    args = parser.parse_args(argv)
    sizes = [(2000, 20), (10000, 50)] if args.quick else [(10000, 100), (100000, 100)]
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    run(sizes, args.repeats, args.sk_repeats)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
