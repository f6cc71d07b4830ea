"""NUTS efficiency: PyMC on the plain model against bayesreg's sufficient-statistics model.

Part 1, **ESS per second**. For each ``n x p`` the same posterior (Gaussian likelihood with a
*fixed* noise scale, Gaussian or Laplace prior on the coefficients, flat intercept) is sampled

* as a **plain model**: :func:`bayesreg.model.build_model` with ``form="rows"`` (the likelihood
  written over all ``n`` rows, ``y ~ Normal(c + X w, sigma)``) and PyMC's default NUTS;
* as **bayesreg's model**: ``form="suffstats"`` (one ``Potential`` reading the Gram matrix,
  :math:`O(p^2)` per gradient), with PyMC's NUTS and with nutpie (numba backend); the better of
  the two is bayesreg's figure.

Reported: compile time (separately), sampling wall time, the minimum over the coefficients of
the bulk ESS (ArviZ), min ESS / sampling time, max R-hat, divergences, mean NUTS steps per draw
and the cost of one log-density gradient. The compile time is

* PyMC: :func:`pymc.init_nuts` (``jitter+adapt_diag``, what ``pm.sample`` runs first: it compiles
  the log-density and gradient and draws the initial points); ``pm.sample`` is then called with
  that step method and those initial points, and its wall time is the sampling time (chains run
  in forked processes, ``cores=chains``);
* nutpie: :func:`nutpie.compile_pymc_model`; the sampling time is :func:`nutpie.sample`.

Part 2, **data-size independence**: for ``p = 20`` and ``n = 1_000`` vs ``n = 1_000_000``, the
one-off :math:`O(np^2)` pass (``RegressionData.from_xy`` + sufficient statistics) is timed on its
own, then the suffstats model is sampled (median of ``--scaling-repeats`` runs per backend, new
seed each time); the ratio of sampling times is reported (target <= 1.5).

Data: at 442x10 the bundled diabetes data with features z-scored and ``y`` standardised, noise
scale fixed at the OLS residual sd; other sizes synthetic, ``X`` iid N(0, 1), ``p // 10``
non-zero true coefficients (+-U(0.5, 2)), intercept 1, noise sd 1 and noise scale fixed at 1.
Prior: Gaussian(sigma=1) (``--prior gaussian``) or Laplace(b=1/sqrt(2)), unit variance.
During sampling every BLAS pool is limited to ``--sampling-blas-threads`` (default 1: two
chains already use both cores of the benchmark machine).

Examples
--------
Full run (long: the plain model at 100000x500 takes tens of minutes)::

    python benchmarks/bench_nuts.py

Smoke run::

    python benchmarks/bench_nuts.py --quick
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from _synthetic import sparse_gaussian

import bayesreg  # noqa: F401  (first: links PyTensor to a real BLAS)
from bayesreg.model.build import build_model
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import GaussianLikelihood
from bayesreg.model.priors import Gaussian, Laplace

DEFAULT_SIZES = "442x10,10000x100,100000x500"
QUICK_SIZES = "442x10,2000x20"
LARGE = 10_000_000  # n * p at or above which --large-draws / --large-tune apply


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help=f"smoke run: sizes {QUICK_SIZES}, 200 draws / 200 tune, scaling n=1000,20000, "
                         "1 repeat")
    ap.add_argument("--sizes", default=None, help=f"comma-separated NxP list (default {DEFAULT_SIZES})")
    ap.add_argument("--prior", choices=("gaussian", "laplace"), default="gaussian")
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--draws", type=int, default=None, help="draws per chain (default 1000)")
    ap.add_argument("--tune", type=int, default=None, help="tuning steps per chain (default 1000)")
    ap.add_argument("--large-draws", type=int, default=500,
                    help=f"draws per chain when n*p >= {LARGE:.0e} (both forms; default 500)")
    ap.add_argument("--large-tune", type=int, default=500,
                    help=f"tuning steps per chain when n*p >= {LARGE:.0e} (default 500)")
    ap.add_argument("--samplers", default="pymc,nutpie",
                    help="backends for the suffstats model (comma-separated: pymc, nutpie)")
    ap.add_argument("--skip-rows-above", type=float, default=float("inf"),
                    help="skip the plain (rows) model when n*p exceeds this")
    ap.add_argument("--scaling-n", default=None, help="n values of part 2 (default 1000,1000000)")
    ap.add_argument("--scaling-p", type=int, default=20)
    ap.add_argument("--scaling-repeats", type=int, default=None, help="runs per backend in part 2 (default 3)")
    ap.add_argument("--no-scaling", action="store_true", help="skip part 2")
    ap.add_argument("--no-ess", action="store_true", help="skip part 1")
    ap.add_argument("--sampling-blas-threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    q = args.quick
    args.sizes = args.sizes or (QUICK_SIZES if q else DEFAULT_SIZES)
    args.draws = args.draws or (200 if q else 1000)
    args.tune = args.tune if args.tune is not None else (200 if q else 1000)
    if q:
        args.large_draws = min(args.large_draws, args.draws)
        args.large_tune = min(args.large_tune, args.tune)
    args.scaling_n = args.scaling_n or ("1000,20000" if q else "1000,1000000")
    args.scaling_repeats = args.scaling_repeats or (1 if q else 3)
    args.size_list = [tuple(int(v) for v in s.lower().split("x")) for s in args.sizes.split(",") if s]
    args.scaling_list = [int(float(v)) for v in args.scaling_n.split(",") if v]
    args.sampler_list = [s for s in args.samplers.split(",") if s]
    for s in args.sampler_list:
        if s not in ("pymc", "nutpie"):
            ap.error(f"unknown sampler {s!r}")
    return args


# --------------------------------------------------------------------------- data
def make_data(n: int, p: int, seed: int) -> tuple[RegressionData, float, str]:
    """(data, fixed noise scale, description)."""
    if (n, p) == (442, 10):
        from bayesreg.datasets import load_dataset

        ds = load_dataset("diabetes")
        X = ds.X.to_numpy(dtype=float)
        X = (X - X.mean(axis=0)) / X.std(axis=0)
        y = ds.y.to_numpy(dtype=float)
        y = (y - y.mean()) / y.std()
        A = np.column_stack([np.ones(n), X])
        resid = y - A @ np.linalg.lstsq(A, y, rcond=None)[0]
        sigma = float(np.sqrt(resid @ resid / (n - p - 1)))
        return RegressionData.from_xy(X, y), sigma, "diabetes (z-scored)"
    X, y = sparse_gaussian(n, p, seed)
    return RegressionData.from_xy(X, y), 1.0, "synthetic"



def make_prior(kind: str) -> Any:
    return Gaussian(1.0) if kind == "gaussian" else Laplace(1.0 / np.sqrt(2.0))


# --------------------------------------------------------------------------- sampling
@dataclass
class Run:
    label: str
    n: int
    p: int
    form: str
    sampler: str
    draws: int
    tune: int
    chains: int
    compile_s: float = float("nan")
    sample_s: float = float("nan")
    min_ess: float = float("nan")
    max_rhat: float = float("nan")
    divergences: int = 0
    mean_steps: float = float("nan")
    grad_us: float = float("nan")
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ess_per_s(self) -> float:
        return self.min_ess / self.sample_s


def _quiet_logs() -> None:
    for name in ("pymc", "pymc.sampling", "pymc.stats", "nutpie", "pytensor"):
        logging.getLogger(name).setLevel(logging.ERROR)


def blas_limit(n_threads: int) -> Any:
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=n_threads)


def gradient_cost(model: Any, repeats: int = 20) -> float:
    """Median seconds of one call of the compiled log-density gradient (PyTensor C backend)."""
    dlogp = model.compile_dlogp()
    point = model.initial_point()
    dlogp(point)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        dlogp(point)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def summarise(run: Run, idata: Any) -> Run:
    import arviz as az

    ess = az.ess(idata, var_names=["coef"], method="bulk")["coef"].values
    run.min_ess = float(np.min(ess))
    if run.chains > 1:
        run.max_rhat = float(np.max(az.rhat(idata, var_names=["coef"])["coef"].values))
    stats = idata.sample_stats
    run.divergences = int(stats["diverging"].sum()) if "diverging" in stats else 0
    steps = "n_steps" if "n_steps" in stats else None
    if steps:
        run.mean_steps = float(stats[steps].mean())
    return run


def sample_pymc(built: Any, run: Run, seed: int, blas_threads: int) -> Run:
    import pymc as pm

    model = built.model
    with model, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        initial_points, step = pm.init_nuts(init="jitter+adapt_diag", chains=run.chains, random_seed=seed,
                                            progressbar=False, target_accept=0.8)
        run.compile_s = time.perf_counter() - t
        with blas_limit(blas_threads):
            t = time.perf_counter()
            idata = pm.sample(draws=run.draws, tune=run.tune, chains=run.chains, cores=run.chains,
                              step=step, initvals=initial_points, random_seed=seed, progressbar=False,
                              compute_convergence_checks=False, return_inferencedata=True,
                              idata_kwargs={"log_likelihood": False})
            run.sample_s = time.perf_counter() - t
    return summarise(run, idata)


def sample_nutpie(built: Any, run: Run, seed: int, blas_threads: int) -> Run:
    import nutpie

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        compiled = nutpie.compile_pymc_model(built.model)
        run.compile_s = time.perf_counter() - t
        with blas_limit(blas_threads):
            t = time.perf_counter()
            idata = nutpie.sample(compiled, draws=run.draws, tune=run.tune, chains=run.chains,
                                  cores=run.chains, seed=seed, progress_bar=False, target_accept=0.8)
            run.sample_s = time.perf_counter() - t
    run.extra["compiled"] = compiled
    return summarise(run, idata)


def resample_nutpie(compiled: Any, run: Run, seed: int, blas_threads: int) -> float:
    import nutpie

    with warnings.catch_warnings(), blas_limit(blas_threads):
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        nutpie.sample(compiled, draws=run.draws, tune=run.tune, chains=run.chains, cores=run.chains,
                      seed=seed, progress_bar=False, target_accept=0.8)
        return time.perf_counter() - t


def log(msg: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------- part 1
def part_ess(args: argparse.Namespace) -> list[Run]:
    runs: list[Run] = []
    prior = make_prior(args.prior)
    for n, p in args.size_list:
        data, sigma, source = make_data(n, p, args.seed)
        lik = GaussianLikelihood(sigma)
        large = n * p >= LARGE
        draws, tune = (args.large_draws, args.large_tune) if large else (args.draws, args.tune)
        forms = [("rows", "pymc")] if n * p <= args.skip_rows_above else []
        forms += [("suffstats", s) for s in args.sampler_list]
        for form, sampler in forms:
            built = build_model(data, prior, lik, form=form)
            run = Run(source, n, p, form, sampler, draws, tune, args.chains)
            run.grad_us = gradient_cost(built.model) * 1e6
            log(f"{n}x{p} {form}/{sampler}: {args.chains} chains x ({tune} tune + {draws} draws), "
                f"gradient {run.grad_us:.0f} us ...")
            if sampler == "pymc":
                sample_pymc(built, run, args.seed, args.sampling_blas_threads)
            else:
                sample_nutpie(built, run, args.seed, args.sampling_blas_threads)
                run.extra.pop("compiled", None)
            log(f"  compile {run.compile_s:.1f} s, sampling {run.sample_s:.1f} s, min bulk ESS "
                f"{run.min_ess:.0f} -> {run.ess_per_s:.1f} ESS/s (load {os.getloadavg()[0]:.2f})")
            runs.append(run)
    return runs


def print_ess_table(runs: list[Run]) -> None:
    print("\n### Minimum bulk ESS per second over the coefficients\n")
    print("| n x p | data | model / sampler | chains x (tune + draws) | compile | sampling | min bulk ESS | "
          "ESS/s | speed-up vs plain | max R-hat | divergences | mean steps/draw | gradient |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        base = next((b for b in runs if (b.n, b.p, b.form) == (r.n, r.p, "rows")), None)
        speed = f"{r.ess_per_s / base.ess_per_s:.1f}x" if base is not None else "-"
        name = "plain (rows) / PyMC" if r.form == "rows" else f"bayesreg (suffstats) / {r.sampler}"
        print(f"| {r.n} x {r.p} | {r.label} | {name} | {r.chains} x ({r.tune} + {r.draws}) | "
              f"{r.compile_s:.1f} s | {r.sample_s:.1f} s | {r.min_ess:.0f} | {r.ess_per_s:.1f} | {speed} | "
              f"{r.max_rhat:.3f} | {r.divergences} | {r.mean_steps:.1f} | {r.grad_us:.0f} us |")
    print("\n| n x p | plain ESS/s | bayesreg best ESS/s (backend) | speed-up |")
    print("|---|---|---|---|")
    for n, p in dict.fromkeys((r.n, r.p) for r in runs):
        base = next((b for b in runs if (b.n, b.p, b.form) == (n, p, "rows")), None)
        ours = [r for r in runs if (r.n, r.p) == (n, p) and r.form == "suffstats"]
        if not ours:
            continue
        best = max(ours, key=lambda r: r.ess_per_s)
        plain = f"{base.ess_per_s:.1f}" if base else "-"
        speed = f"{best.ess_per_s / base.ess_per_s:.1f}x" if base else "-"
        print(f"| {n} x {p} | {plain} | {best.ess_per_s:.1f} ({best.sampler}) | {speed} |")


# --------------------------------------------------------------------------- part 2
def part_scaling(args: argparse.Namespace) -> list[dict[str, Any]]:
    prior = make_prior(args.prior)
    p = args.scaling_p
    rows: list[dict[str, Any]] = []
    for n in args.scaling_list:
        X, y = sparse_gaussian(n, p, args.seed)
        t = time.perf_counter()
        data = RegressionData.from_xy(X, y)
        _ = data.suffstats
        t_suff = time.perf_counter() - t
        del X, y
        built = build_model(data, prior, GaussianLikelihood(1.0), form="suffstats")
        for sampler in args.sampler_list:
            times, ess, compile_s = [], [], float("nan")
            compiled = None
            for rep in range(args.scaling_repeats):
                run = Run("synthetic", n, p, "suffstats", sampler, args.draws, args.tune, args.chains)
                seed = args.seed + 100 * rep
                if sampler == "nutpie" and compiled is not None:
                    times.append(resample_nutpie(compiled, run, seed, args.sampling_blas_threads))
                    continue
                if sampler == "pymc":
                    sample_pymc(built, run, seed, args.sampling_blas_threads)
                else:
                    sample_nutpie(built, run, seed, args.sampling_blas_threads)
                    compiled = run.extra.pop("compiled")
                if rep == 0:
                    compile_s = run.compile_s
                times.append(run.sample_s)
                ess.append(run.min_ess)
            row = {"n": n, "p": p, "sampler": sampler, "suffstats_s": t_suff, "compile_s": compile_s,
                   "sample_s": statistics.median(times), "all_s": times, "min_ess": ess[0],
                   "chains": args.chains, "draws": args.draws, "tune": args.tune}
            log(f"scaling n={n} p={p} {sampler}: one-off pass {t_suff:.2f} s, sampling "
                f"{', '.join(f'{v:.2f}' for v in times)} s (load {os.getloadavg()[0]:.2f})")
            rows.append(row)
    return rows


def print_scaling_table(rows: list[dict[str, Any]]) -> None:
    print("\n### Sampling time vs n (suffstats form, p = 20)\n")
    print("| n | backend | one-off from_xy + suffstats | compile | sampling, median (all runs) | "
          "min bulk ESS (1st run) | ratio vs smallest n |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        base = min((b for b in rows if b["sampler"] == r["sampler"]), key=lambda b: b["n"])
        runs = ", ".join(f"{v:.2f}" for v in r["all_s"])
        print(f"| {r['n']:,} | {r['sampler']} | {r['suffstats_s']:.3f} s | {r['compile_s']:.1f} s | "
              f"{r['sample_s']:.2f} s ({runs}) | {r['min_ess']:.0f} | {r['sample_s'] / base['sample_s']:.2f} |")


def environment() -> str:
    import arviz
    import nutpie
    import pymc
    import pytensor

    from bayesreg.inference.blas import blas_status

    load = os.getloadavg()
    return (f"python {platform.python_version()}, numpy {np.__version__}, pymc {pymc.__version__}, "
            f"pytensor {pytensor.__version__}, nutpie {nutpie.__version__}, arviz {arviz.__version__}; "
            f"PyTensor blas__ldflags={blas_status()!r}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def main() -> None:
    args = parse_args()
    _quiet_logs()
    print(f"# bench_nuts: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    print(f"\n{environment()}")
    print(f"\nprior {args.prior}; {args.chains} chains; draws/tune {args.draws}/{args.tune} "
          f"({args.large_draws}/{args.large_tune} when n*p >= {LARGE:.0e}); BLAS threads while sampling: "
          f"{args.sampling_blas_threads}; seed {args.seed}\n", flush=True)
    t_all = time.perf_counter()
    runs = [] if args.no_ess else part_ess(args)
    scaling = [] if args.no_scaling else part_scaling(args)
    if runs:
        print_ess_table(runs)
    if scaling:
        print_scaling_table(scaling)
    load = os.getloadavg()
    print(f"\ntotal {time.perf_counter() - t_all:.0f} s; load average at the end "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
