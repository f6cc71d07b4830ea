"""How honest is "within 4 MCSE"? Calibrate the quantile MCSE on targets whose quantiles are known.

The statistical tests accept a NUTS quantile when it lies within 4 Monte Carlo standard errors of an
exact value (or of a reference sampler's, with the two MCSEs combined). That is honest only if
``z = (estimate - truth) / mcse`` is close to standard normal. This script draws ``--reps``
independent nutpie runs (2 chains x 1000 draws after 1000 tuning steps, one compiled model) of a
target with known means and quantiles, computes ``z`` for the mean with
:func:`bayesreg.reference.mcse_mean` and for each quantile with
:func:`bayesreg.reference.mcse_quantile` at each ``window_sd``, and prints the sd of ``z`` and
how often ``|z|`` exceeds 3 and 4 (a standard normal: 0.27% and 0.006%).

The target: a 4-dimensional Gaussian with AR(1) correlation 0.9 (coordinates 0 and 3 reported),
a Laplace(0, 1) and a LogNormal(0, 1), sampled jointly.

Examples
--------
::

    python scripts/calibrate_mcse.py --reps 1000      # ~3 min
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy import stats

import bayesreg  # noqa: F401  (links PyTensor to a real BLAS)
from bayesreg.reference import mcse_mean, mcse_quantile

QUANTILES = np.array([0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975])


def main(argv: list[str] | None = None) -> int:
    import nutpie
    import pymc as pm

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--windows", type=float, nargs="+", default=[1.0, 3.0])
    ap.add_argument("--seed", type=int, default=20261130)
    args = ap.parse_args(argv)

    with pm.Model() as model:
        cov = 0.9 ** np.abs(np.subtract.outer(np.arange(4), np.arange(4)))
        pm.MvNormal("g", mu=np.zeros(4), cov=cov)
        pm.Laplace("l", 0.0, 1.0)
        pm.LogNormal("ln", 0.0, 1.0)
    compiled = nutpie.compile_pymc_model(model)
    truth = {"normal[0]": stats.norm.ppf(QUANTILES), "normal[3]": stats.norm.ppf(QUANTILES),
             "laplace": stats.laplace.ppf(QUANTILES), "lognormal": stats.lognorm.ppf(QUANTILES, 1.0)}
    means = {"normal[0]": 0.0, "normal[3]": 0.0, "laplace": 0.0, "lognormal": float(np.exp(0.5))}
    z = {name: np.empty((args.reps, QUANTILES.size, len(args.windows))) for name in truth}
    z_mean = {name: np.empty(args.reps) for name in truth}
    for r in range(args.reps):
        post = nutpie.sample(compiled, chains=2, draws=1000, tune=1000, seed=args.seed + r,
                             progress_bar=False).posterior
        draws = {"normal[0]": post["g"].values[:, :, 0], "normal[3]": post["g"].values[:, :, 3],
                 "laplace": post["l"].values, "lognormal": post["ln"].values}
        for name, x in draws.items():
            z_mean[name][r] = (x.mean() - means[name]) / mcse_mean(x)
            est = np.quantile(x, QUANTILES)
            for i, q in enumerate(QUANTILES):
                for w, window in enumerate(args.windows):
                    z[name][r, i, w] = (est[i] - truth[name][i]) / mcse_quantile(x, q, window_sd=window)
    print(f"{args.reps} runs of nutpie, 2 x (1000 + 1000); quantiles {QUANTILES.tolist()}")
    for name in truth:
        zm = z_mean[name]
        print(f"{name:10s} mean     sd(z) {zm.std():.2f}  P(|z|>3) {(np.abs(zm) > 3).mean():.3f}"
              f"  P(|z|>4) {(np.abs(zm) > 4).mean():.3f}")
        for w, window in enumerate(args.windows):
            zz = z[name][:, :, w]
            print(f"{name:10s} window {window:g} sd(z) {np.round(zz.std(axis=0), 2)}"
                  f"  P(|z|>3) {np.round((np.abs(zz) > 3).mean(axis=0), 3)}"
                  f"  P(|z|>4) {np.round((np.abs(zz) > 4).mean(axis=0), 3)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
