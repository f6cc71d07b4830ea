"""The regularization path of 100 penalties at (n, p) = (100 000, 500) against scikit-learn's lasso_path.

Both run in the same process on the same data, timed interleaved (median of ``--repeats``), so they
see the same machine load:

* ``bayesreg``: :func:`bayesreg.regularization_path` (``"sklearn.Lasso"``, ``alpha`` grid), data
  validation, centring and the one Gram matrix included; every point certified (KKT residual and
  error bound);
* ``sklearn``: :func:`sklearn.linear_model.lasso_path` on the centred data (centring not timed;
  ``precompute="auto"``: it forms the Gram matrix too), at its default ``tol=1e-4`` and at
  ``tol=1e-10``.

The grid is glmnet's: 100 values from :math:`\\alpha_{\\max}` down to :math:`10^{-3}\\alpha_{\\max}`
(log-spaced). The design: correlated Gaussian columns (AR(1), rho = 0.5), 20 true non-zeros. The
target is a time ratio bayesreg / sklearn(default tol) <= 0.5. The script also prints the largest
relative difference of the coefficients to scikit-learn's tol=1e-10 path.

Examples
--------
Full run (~1 min)::

    python benchmarks/bench_path.py

Smoke run ((20 000, 200), one repeat)::

    python benchmarks/bench_path.py --quick
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np

import bayesreg as br  # first: links PyTensor to a real BLAS


def design(n: int, p: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    for j in range(1, p):  # AR(1) columns, rho = 0.5
        X[:, j] = 0.5 * X[:, j - 1] + np.sqrt(0.75) * X[:, j]
    w = np.zeros(p)
    w[rng.choice(p, 20, replace=False)] = rng.choice([-1.0, 1.0], 20) * rng.uniform(0.5, 2.0, 20)
    return X + 3.0, X @ w + 5.0 + 2.0 * rng.standard_normal(n)


def main(argv: list[str] | None = None) -> int:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import lasso_path

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="(20 000, 200), one repeat")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    n, p, reps = (20_000, 200, 1) if args.quick else (100_000, 500, args.repeats)
    X, y = design(n, p)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    alpha_max = float(np.max(np.abs(Xc.T @ yc)) / n)
    alphas = alpha_max * np.geomspace(1.0, 1e-3, 100)

    times: dict[str, list[float]] = {"bayesreg": [], "sklearn tol=1e-4": [], "sklearn tol=1e-10": []}
    out: dict[str, np.ndarray] = {}
    for _ in range(reps):
        t = time.perf_counter()
        path = br.regularization_path(X, y, "sklearn.Lasso", alpha=alphas)
        times["bayesreg"].append(time.perf_counter() - t)
        out["bayesreg"] = path.coef_
        for tol in (1e-4, 1e-10):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                t = time.perf_counter()
                _, coefs, _ = lasso_path(Xc, yc, alphas=alphas, tol=tol, max_iter=100_000)
                times[f"sklearn tol={tol:.0e}".replace("e-04", "e-4").replace("e-10", "e-10")].append(
                    time.perf_counter() - t)
            out[f"sklearn {tol:g}"] = coefs.T
    med = {k: statistics.median(v) for k, v in times.items()}
    ref = out["sklearn 1e-10"]
    rel = float(np.max(np.abs(out["bayesreg"] - ref)) / np.max(np.abs(ref)))
    rel4 = float(np.max(np.abs(out["sklearn 0.0001"] - ref)) / np.max(np.abs(ref)))
    print(f"path of {alphas.size} alphas at (n, p) = ({n}, {p}); load average {os.getloadavg()[0]:.1f}; "
          f"median of {reps}")
    for k, v in med.items():
        print(f"  {k:<20} {v:8.3f} s   ratio bayesreg / this = {med['bayesreg'] / v:.2f}")
    print(f"  certified at every alpha: {path.passed} (largest relative error bound "
          f"{max(c.relative_error_bound for c in path.certificates):.1e}); strong rule discarded "
          f"{int(path.n_screened.sum())} coordinate-points, {path.strong_rule_violations} put back by the KKT check; "
          f"{path.n_full_solves} full re-solves")
    print(f"  max |coef - sklearn(tol=1e-10)| / max|coef|: bayesreg {rel:.1e}, sklearn(tol=1e-4) {rel4:.1e}")
    target = med["bayesreg"] / med["sklearn tol=1e-4"]
    print(f"  target ratio <= 0.5 against the default tol: {'met' if target <= 0.5 else 'NOT met'} ({target:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
