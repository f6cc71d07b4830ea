"""Where the time of :func:`bayesreg.find_map` goes, and what candidate optimisations would save.

A companion to ``bench_map.py`` (same data generators and penalties). For each size it times,
as medians over ``--repeats`` calls under the chosen BLAS thread limits:

Gaussian likelihood (Lasso penalty)

* ``RegressionData.from_xy`` (input validation, an :math:`O(np)` pass);
* the sufficient statistics (``RegressionData.suffstats``: centred Gram matrix, row chunks);
* the rest of ``find_map`` (PyTensor calls, Hessian, coordinate descent, certificate), as the
  total minus the two items above;
* for reference, one ``X.T @ X`` on the centred matrix (numpy dispatches it to BLAS ``syrk``).

Logistic likelihood (L2 and L1 penalties)

* the whole ``find_map`` fit and its number of Newton iterations;
* one call of the compiled PyTensor ``f, grad f`` (rows form) and one NumPy ``X w + c``;
* Hessian variants :math:`X^\top D X`: (A) ``Xd = X * d[:, None]; Xd.T @ X`` (BLAS ``gemm``,
  :math:`2np^2` flops and an :math:`n \times p` temporary); (B) ``syrk`` on ``X * sqrt(d)``
  (half the flops); (C) ``syrk`` on an evenly spaced subsample of ``max(10000, 20 p)`` rows;
  (D) ``syrk`` restricted to the support of the L1 solution (a working set);
* one Hessian-vector product ``X.T @ (d * (X @ v))`` (what a Newton-CG / trust-region step needs);
* the number of L-BFGS iterations scikit-learn takes at its default tol;
* scikit-learn's L-BFGS at ``tol=1e-10`` and its own explicit-Hessian solver (``newton-cholesky``)
  at the default tol and at ``tol=1e-10``, for a like-for-like comparison.

Examples
--------
::

    python benchmarks/profile_map.py                      # 10000x100 and 100000x500, 1 BLAS thread
    python benchmarks/profile_map.py --quick
    python benchmarks/profile_map.py --sizes 100000x500 --threads default
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_map as bm  # noqa: E402  (imports bayesreg first)

from bayesreg import find_map, penalty_to_prior  # noqa: E402
from bayesreg.inference.smooth_part import smooth_part  # noqa: E402
from bayesreg.model.data import RegressionData  # noqa: E402
from bayesreg.model.likelihoods import GaussianLikelihood, LogisticLikelihood  # noqa: E402


def timeit(fn: Callable[[], object], repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def fmt(t: float) -> str:
    if t < 1e-3:
        return f"{t * 1e6:.0f} us"
    return f"{t * 1e3:.1f} ms" if t < 1.0 else f"{t:.2f} s"


def gaussian_rows(n: int, p: int, seed: int, repeats: int) -> list[tuple[str, str, str]]:
    X, y, _ = bm.gaussian_data(n, p, seed)
    alpha = bm.lasso_alpha_half_zero(X, y)
    lik = GaussianLikelihood(1.0)
    prior = penalty_to_prior("sklearn.Lasso", n=n, alpha=alpha)

    def total() -> object:
        return find_map(RegressionData.from_xy(X, y), prior, lik)

    def stats() -> object:
        d = RegressionData.from_xy(X, y)
        return d.suffstats

    t_total = timeit(total, repeats)
    t_xy = timeit(lambda: RegressionData.from_xy(X, y), repeats)
    t_stats = timeit(stats, repeats) - t_xy
    Xc = X - X.mean(axis=0)
    t_syrk = timeit(lambda: Xc.T @ Xc, repeats)
    return [
        ("lasso", "whole fit (steady state)", fmt(t_total)),
        ("lasso", "RegressionData.from_xy (validation)", f"{fmt(t_xy)} ({t_xy / t_total:.0%})"),
        ("lasso", "sufficient statistics (centred Gram, chunked)", f"{fmt(t_stats)} ({t_stats / t_total:.0%})"),
        ("lasso", "rest of find_map (PyTensor f/grad/Hessian, CD, certificate)",
         f"{fmt(max(t_total - t_xy - t_stats, 0.0))} ({max(t_total - t_xy - t_stats, 0.0) / t_total:.0%})"),
        ("lasso", "reference: one Xc.T @ Xc (syrk) on a pre-centred X", fmt(t_syrk)),
    ]


def logistic_rows(n: int, p: int, seed: int, repeats: int) -> list[tuple[str, str, str]]:
    from sklearn.linear_model import LogisticRegression

    X, y, _ = bm.logistic_data(n, p, seed)
    lik = LogisticLikelihood()
    data = RegressionData.from_xy(X, y, binary=True)
    prior2 = penalty_to_prior("sklearn.LogisticRegression", C=1.0)
    c1 = bm.logistic_c_half_zero(X, y)
    prior1 = penalty_to_prior("sklearn.LogisticRegression", C=c1, l1_ratio=1.0)
    res2 = find_map(data, prior2, lik)
    res1 = find_map(data, prior1, lik)
    t_fit2 = timeit(lambda: find_map(RegressionData.from_xy(X, y, binary=True), prior2, lik), max(1, repeats // 2))
    t_fit1 = timeit(lambda: find_map(RegressionData.from_xy(X, y, binary=True), prior1, lik), max(1, repeats // 2))
    fg, _ = smooth_part(data, prior2, lik, "rows")
    theta = np.concatenate([res2.coef, [res2.intercept]])
    t_fg = timeit(lambda: fg(theta), repeats)
    t_eta = timeit(lambda: X @ res2.coef + res2.intercept, repeats)
    eta = X @ res2.coef + res2.intercept
    prob = 1.0 / (1.0 + np.exp(-eta))
    d = prob * (1.0 - prob)

    def hess_gemm() -> object:
        Xd = X * d[:, None]
        H = Xd.T @ X
        return H, Xd.sum(axis=0)

    def hess_syrk() -> object:
        Xs = X * np.sqrt(d)[:, None]
        return Xs.T @ Xs, d @ X

    rows = min(n, max(10_000, 20 * p))
    idx = np.linspace(0, n - 1, rows).astype(np.intp)

    def hess_sub() -> object:
        Xs = X[idx] * np.sqrt(d[idx] * (n / rows))[:, None]
        return Xs.T @ Xs

    active = np.flatnonzero(res1.coef)
    Xa = np.ascontiguousarray(X[:, active])

    def hess_active() -> object:
        Xs = Xa * np.sqrt(d)[:, None]
        return Xs.T @ Xs

    v = np.ones(p)
    t_gemm = timeit(hess_gemm, repeats)
    t_syrk = timeit(hess_syrk, repeats)
    t_sub = timeit(hess_sub, repeats)
    t_act = timeit(hess_active, repeats)
    t_hv = timeit(lambda: X.T @ (d * (X @ v)), repeats)
    sk = LogisticRegression(C=1.0).fit(X, y)
    it = res2.n_iter
    ref = []
    for label, kw in (("lbfgs, tol=1e-10", {"tol": 1e-10, "max_iter": 10_000}),
                      ("newton-cholesky (explicit Hessian), default tol", {"solver": "newton-cholesky"}),
                      ("newton-cholesky, tol=1e-10", {"solver": "newton-cholesky", "tol": 1e-10})):
        est = LogisticRegression(C=1.0, **kw).fit(X, y)
        t_ref = timeit(lambda kw=kw: LogisticRegression(C=1.0, **kw).fit(X, y), max(1, repeats // 2))
        diff = np.max(np.abs(est.coef_.ravel() - res2.coef)) / np.max(np.abs(res2.coef))
        ref.append(("logit_l2", f"reference: scikit-learn {label}",
                    f"{fmt(t_ref)}, {int(np.max(est.n_iter_))} iterations, max rel coef diff vs bayesreg {diff:.0e}"))
    return [
        ("logit_l2", "whole fit (steady state, find_map as installed)", f"{fmt(t_fit2)}, {it} Newton iterations"),
        ("logit_l1", "whole fit (steady state, find_map as installed)",
         f"{fmt(t_fit1)}, {res1.n_iter} Newton iterations"),
        ("logit_l2", "PyTensor f + grad (rows form), per call",
         f"{fmt(t_fg)}; x {it + 1} = {fmt((it + 1) * t_fg)} ({(it + 1) * t_fg / t_fit2:.0%} of the L2 fit)"),
        ("logit_l2", "linear predictor X w + c in NumPy, per call", fmt(t_eta)),
        ("logit_l2", "Hessian A: Xd = X*d[:, None]; Xd.T @ X (gemm, all rows, n x p temporary)", fmt(t_gemm)),
        ("logit_l2", "Hessian B: syrk on X*sqrt(d), all rows", f"{fmt(t_syrk)} ({t_syrk / t_gemm:.2f}x of A)"),
        ("logit_l2", f"Hessian C: syrk on an evenly spaced {rows}-row subsample",
         f"{fmt(t_sub)} ({t_sub / t_gemm:.2f}x of A)"),
        ("logit_l1", f"Hessian D: syrk on the L1 support ({active.size} of {p} columns), all rows",
         f"{fmt(t_act)} ({t_act / t_gemm:.2f}x of A)"),
        ("logit_l2", "one Hessian-vector product X'(d*(Xv))", f"{fmt(t_hv)} ({t_hv / t_gemm:.3f}x of A)"),
        ("logit_l2", "scikit-learn lbfgs iterations at default tol (each ~ one f+grad, O(np))",
         f"{int(np.max(sk.n_iter_))}"),
        *ref,
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 2000x50, 2 repeats")
    ap.add_argument("--sizes", default=None, help="comma-separated NxP list (default 10000x100,100000x500)")
    ap.add_argument("--threads", default="all1", choices=bm.THREAD_CONFIGS)
    ap.add_argument("--repeats", type=int, default=None, help="default 5 (2 with --quick)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    sizes = args.sizes or ("2000x50" if args.quick else "10000x100,100000x500")
    repeats = args.repeats or (2 if args.quick else 5)
    print(f"# profile_map: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}; threads {args.threads}; "
          f"repeats {repeats}; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}\n")
    print("| n x p | problem | component | time |")
    print("|---|---|---|---|")
    with bm.thread_limits(args.threads):
        for size in sizes.split(","):
            n, p = (int(v) for v in size.lower().split("x"))
            for prob, what, val in gaussian_rows(n, p, args.seed, repeats) + logistic_rows(n, p, args.seed, repeats):
                print(f"| {n} x {p} | {prob} | {what} | {val} |", flush=True)
    print(f"\nload average at the end {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
