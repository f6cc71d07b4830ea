r"""Global–local shrinkage priors: NUTS (bayesreg) against the exact Gibbs references, same run.

For each size ``n x p`` (default 100 x 1000 and 10 000 x 100) and each prior — ``Horseshoe()``,
``HorseshoePlus()``, ``RegularizedHorseshoe(horseshoe_scale_global(p0, p, n))`` and ``R2D2()``, all
with the Jeffreys noise prior :math:`p(\sigma^2) \propto 1/\sigma^2` (R ``bayesreg``'s) — the same
posterior is sampled

* by **NUTS**: ``BayesianRegression(method="nuts")`` with the default parameterization (Gaussian
  likelihood: the coefficients integrated out given the scales, a p x p or n x n Cholesky per
  gradient, then drawn exactly), ``target_accept=0.9``; for the horseshoe also the plain
  **non-centred** model at ``target_accept=0.99`` (the alternative the marginal form was chosen
  over);
* by the **reference sampler** of ``bayesreg.reference`` (NumPy only): Makalic & Schmidt's
  auxiliary-variable Gibbs sampler for the horseshoe and horseshoe+ (R ``bayesreg``'s algorithm,
  Bhattacharya et al.'s draw of beta when p > n), slice-within-Gibbs for the regularized horseshoe
  and R2D2.

Reported per run: wall time (NUTS: the whole ``fit``, compile and tuning included; Gibbs: the whole
call, burn-in included), the minimum bulk ESS over the coefficients and of log tau (ArviZ), min ESS
per second, the NUTS divergence rate, and the agreement of the two samplers: the largest
:math:`|\bar\beta^{NUTS}_j - \bar\beta^{Gibbs}_j| / \sqrt{\text{MCSE}_N^2 + \text{MCSE}_G^2}` over
the coefficients (a z-score; a few above 3 among 1000 are expected by chance only rarely). The ratio
column is NUTS ESS/s over the Gibbs sampler's for the same prior (target at 10 000 x 100 for the
horseshoe: >= 1). NUTS runs its chains in parallel (one per core, up to 2), the reference chains run
one after another: both are wall-clock figures on the same machine.

The reference samplers run with one BLAS thread (``--reference-blas-threads``): their products
are small (n x p x n at p > n, Bhattacharya et al.'s draw), and a multi-threaded OpenBLAS on a
shared 2-core machine spent ~50 times longer in them (measured: 84 ms against 1.5 ms for the
100 x 1000 x 100 product at load 11). NUTS already runs its parallel chains with serial BLAS.

Data: :func:`_synthetic.sparse_gaussian` (iid N(0, 1) design, p/10 non-zero coefficients of size
0.5-2, intercept 1, N(0, 1) noise); the regularized horseshoe's guess is the true ``p0 = p/10``.

Examples
--------
Full run (tens of minutes on 2 cores)::

    python benchmarks/bench_shrinkage.py

Smoke run (a minute or two)::

    python benchmarks/bench_shrinkage.py --quick

PyMC's NUTS against nutpie's (the marginal op compiled by numba) on the same data, one row each::

    python benchmarks/bench_shrinkage.py --sizes 10000x100 --priors horseshoe --sampler pymc,nutpie
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import time
import warnings
from typing import Any

import numpy as np
from _synthetic import sparse_gaussian

import bayesreg as br
from bayesreg.reference.gibbs_horseshoe import gibbs_horseshoe
from bayesreg.reference.gibbs_shrinkage import gibbs_r2d2, gibbs_regularized_horseshoe

DEFAULT_SIZES = "100x1000,10000x100"
QUICK_SIZES = "50x200,2000x20"
PRIORS = ("horseshoe", "horseshoe_plus", "regularized_horseshoe", "r2d2")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help=f"smoke run: sizes {QUICK_SIZES}, 300 draws / 300 tune per chain")
    ap.add_argument("--sizes", default=None, help=f"comma-separated NxP list (default {DEFAULT_SIZES})")
    ap.add_argument("--priors", default=",".join(PRIORS), help=f"comma-separated subset of {','.join(PRIORS)}")
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--draws", type=int, default=None, help="draws per chain, both samplers (default 1000)")
    ap.add_argument("--tune", type=int, default=None, help="NUTS tuning / Gibbs burn-in per chain (default 1000)")
    ap.add_argument("--no-noncentered", action="store_true",
                    help="skip the horseshoe's non-centred run at target_accept 0.99")
    ap.add_argument("--sampler", default="auto",
                    help="comma-separated NUTS backends for the default parameterization, each a row "
                         "(e.g. pymc,nutpie; default auto)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reference-blas-threads", type=int, default=1,
                    help="BLAS threads of the reference samplers (default 1; see the module docstring)")
    args = ap.parse_args(argv)
    default_n = 300 if args.quick else 1000
    args.draws = args.draws or default_n
    args.tune = args.tune or default_n
    args.sizes = [tuple(int(v) for v in s.split("x")) for s in (args.sizes or (QUICK_SIZES if args.quick
                                                                              else DEFAULT_SIZES)).split(",")]
    args.priors = [s.strip() for s in args.priors.split(",")]
    args.sampler = [s.strip() for s in args.sampler.split(",")]
    unknown = set(args.priors) - set(PRIORS)
    if unknown:
        ap.error(f"unknown prior(s) {sorted(unknown)}; choose from {PRIORS}")
    return args


def make_prior(name: str, n: int, p: int) -> Any:
    p0 = max(1, p // 10)
    return {"horseshoe": br.Horseshoe(), "horseshoe_plus": br.HorseshoePlus(),
            "regularized_horseshoe": br.RegularizedHorseshoe(br.horseshoe_scale_global(p0, p, n)),
            "r2d2": br.R2D2()}[name]


def run_reference(name: str, prior: Any, X: np.ndarray, y: np.ndarray, args: argparse.Namespace) -> dict:
    """The reference sampler for ``prior``; arrays reshaped to (chain, draw, ...)."""
    from threadpoolctl import threadpool_limits

    common = dict(noise_sigma=None, draws=args.draws, burn=args.tune, seed=args.seed, chains=args.chains)
    with threadpool_limits(limits=args.reference_blas_threads):  # small products: threads only cost
        if name in ("horseshoe", "horseshoe_plus"):
            out = gibbs_horseshoe(X, y, plus=name == "horseshoe_plus", scale_global=prior.scale_global, **common)
        elif name == "regularized_horseshoe":
            out = gibbs_regularized_horseshoe(X, y, scale_global=prior.scale_global, df_local=prior.df_local,
                                              df_global=prior.df_global, scale_slab=prior.scale_slab,
                                              df_slab=prior.df_slab, **common)
        else:
            out = gibbs_r2d2(X, y, mean_r2=prior.mean_r2, prec_r2=prior.prec_r2, cons_d2=prior.cons_d2, **common)
    return {k: np.asarray(v).reshape(args.chains, args.draws, *np.shape(v)[1:]) for k, v in out.items()}


def summaries(coef: np.ndarray, tau: np.ndarray) -> dict:
    """Bulk ESS (min over coef, log tau), means and MCSEs of coef; arrays (chain, draw[, p])."""
    import arviz as az

    ds = az.convert_to_dataset({"coef": coef, "log_tau": np.log(tau)})
    ess = az.ess(ds, method="bulk")
    mcse = az.mcse(ds, method="mean")
    return {"ess_coef": float(ess["coef"].min()), "ess_tau": float(ess["log_tau"]),
            "mean": coef.mean(axis=(0, 1)), "mcse": np.asarray(mcse["coef"])}


def run_nuts(prior: Any, X: np.ndarray, y: np.ndarray, args: argparse.Namespace, **kw: Any) -> tuple[dict, float]:
    est = br.BayesianRegression(prior=prior, method="nuts", noise_sigma=None, noise_prior=br.noise.Jeffreys(),
                                draws=args.draws, tune=args.tune, chains=args.chains, random_seed=args.seed,
                                progressbar=False, **kw)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # diagnostics are reported in the table
        est.fit(X, y)
    seconds = time.perf_counter() - t0
    post, stats = est.idata_.posterior, est.idata_.sample_stats
    out = summaries(post["coef"].values, post["tau"].values)
    out["div_rate"] = float(stats["diverging"].mean())
    return out, seconds


def row(label: str, s: dict, seconds: float, ref: dict | None = None) -> dict:
    r = {"sampler": label, "seconds": seconds, "ess_coef": s["ess_coef"], "ess_tau": s["ess_tau"],
         "ess_per_s": min(s["ess_coef"], s["ess_tau"]) / seconds, "div_rate": s.get("div_rate", float("nan"))}
    if ref is not None:
        z = np.abs(s["mean"] - ref["mean"]) / np.sqrt(s["mcse"] ** 2 + ref["mcse"] ** 2)
        r["max_z"] = float(z.max())
        r["ratio"] = r["ess_per_s"] / ref["ess_per_s"]
    return r


HEAD = (f"{'sampler':<34}{'seconds':>9}{'minESS coef':>12}{'ESS logtau':>11}{'minESS/s':>10}"
        f"{'div rate':>10}{'max z':>7}{'ratio':>7}")


def print_row(r: dict) -> None:
    print(f"{r['sampler']:<34}{r['seconds']:>9.1f}{r['ess_coef']:>12.0f}{r['ess_tau']:>11.0f}"
          f"{r['ess_per_s']:>10.2f}{r['div_rate']:>10.4%}"
          f"{r.get('max_z', float('nan')):>7.2f}{r.get('ratio', float('nan')):>7.2f}", flush=True)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.getLogger("pymc").setLevel(logging.ERROR)  # no per-fit sampler banners
    print(f"bench_shrinkage: {platform.node()} {os.cpu_count()} cpus, load average "
          f"{os.getloadavg()[0]:.2f}; chains={args.chains}, draws={args.draws}, tune/burn={args.tune}")
    print("ratio = NUTS min ESS/s over the reference sampler's (same prior, same data); min ESS/s uses the "
          "smaller of min coef ESS and log tau ESS\n")
    for n, p in args.sizes:
        X, y = sparse_gaussian(n, p, seed=args.seed)
        print(f"== n = {n}, p = {p} ==\n{HEAD}\n{'-' * len(HEAD)}", flush=True)
        for name in args.priors:
            prior = make_prior(name, n, p)
            t0 = time.perf_counter()
            ref_draws = run_reference(name, prior, X, y, args)
            ref_seconds = time.perf_counter() - t0
            ref = summaries(ref_draws["beta"], ref_draws["tau"])
            ref_row = row(f"{name}: reference Gibbs", ref, ref_seconds)
            ref["ess_per_s"] = ref_row["ess_per_s"]
            print_row(ref_row)
            for sampler in args.sampler:
                nuts, seconds = run_nuts(prior, X, y, args, sampler=sampler)
                label = "default" if sampler == "auto" else sampler
                print_row(row(f"{name}: NUTS ({label})", nuts, seconds, ref))
            if name == "horseshoe" and not args.no_noncentered:
                nc, seconds = run_nuts(prior, X, y, args, parameterization="noncentered", target_accept=0.99)
                print_row(row(f"{name}: NUTS non-centred, ta 0.99", nc, seconds, ref))
        print(f"(load average now {os.getloadavg()[0]:.2f})\n")


if __name__ == "__main__":
    main()
