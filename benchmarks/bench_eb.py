"""Empirical Bayes for the Gaussian prior vs scikit-learn's BayesianRidge (issue 12).

``br.empirical_bayes(X, y, hyperprior="sklearn")`` maximises the same objective as BayesianRidge
(its fixed point), from one eigendecomposition of the Gram matrix and an exact 1-D search; BayesianRidge
takes an SVD of the rows and iterates MacKay's updates. For each size: the median time of both
(runs interleaved so both see the same machine load), their **ratio** (target at 100000 x 500:
bayesreg <= 2x BayesianRidge), the relative differences of ``alpha_``, ``lambda_`` and ``coef_``
(BayesianRidge at ``tol=1e-12``), and whether bayesreg's optimum is certified (gradient of the
objective in the log precisions).

Examples
--------
Full run (the target size, 3 repeats; about a minute on 2 cores)::

    python benchmarks/bench_eb.py

Smoke run (small sizes, one repeat)::

    python benchmarks/bench_eb.py --quick
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np
from sklearn.linear_model import BayesianRidge

import bayesreg as br

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _synthetic import sparse_gaussian  # noqa: E402


def _time(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def run(n: int, p: int, repeats: int) -> dict[str, float]:
    X, y = sparse_gaussian(n, p, seed=12)
    t_br, t_sk = [], []
    res = ref = None
    for _ in range(repeats):  # interleaved
        t, res = _time(lambda: br.empirical_bayes(X, y, hyperprior="sklearn"), 1)
        t_br.append(t)
        t, ref = _time(lambda: BayesianRidge(tol=1e-12, max_iter=100_000).fit(X, y), 1)
        t_sk.append(t)
    tb, ts = statistics.median(t_br), statistics.median(t_sk)
    coef_rel = float(np.max(np.abs(res.coef_ - ref.coef_)) / np.max(np.abs(ref.coef_)))
    return {"n": n, "p": p, "bayesreg_s": tb, "sklearn_s": ts, "ratio": tb / ts,
            "alpha_rel": abs(res.alpha_ / ref.alpha_ - 1), "lambda_rel": abs(res.lambda_ / ref.lambda_ - 1),
            "coef_rel": coef_rel, "certified": res.certificate.passed, "sk_iter": ref.n_iter_}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    ap.add_argument("--sizes", default=None, help="comma-separated NxP (default 1000x50,10000x200,100000x500)")
    ap.add_argument("--repeats", type=int, default=None)
    args = ap.parse_args(argv)
    sizes = args.sizes or ("1000x50,10000x100" if args.quick else "1000x50,10000x200,100000x500")
    repeats = args.repeats or (1 if args.quick else 3)
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print(f"{'size':>12} {'bayesreg s':>11} {'sklearn s':>10} {'ratio':>6} {'alpha rel':>10} {'lambda rel':>10} "
          f"{'coef rel':>9} {'cert':>5} {'sk iter':>7}")
    ok = True
    for size in sizes.split(","):
        n, p = (int(v) for v in size.lower().split("x"))
        r = run(n, p, repeats)
        ok &= bool(r["certified"]) and max(r["alpha_rel"], r["lambda_rel"], r["coef_rel"]) <= 1e-6
        print(f"{size:>12} {r['bayesreg_s']:11.3f} {r['sklearn_s']:10.3f} {r['ratio']:6.2f} {r['alpha_rel']:10.1e} "
              f"{r['lambda_rel']:10.1e} {r['coef_rel']:9.1e} {str(r['certified']):>5} {r['sk_iter']:7d}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
