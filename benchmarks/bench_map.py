"""Exact MAP (:func:`bayesreg.find_map`) against scikit-learn's solver for the same problem.

For each problem size and penalty this script measures, in **one** Python process:

* **first call**: ``RegressionData.from_xy`` + ``penalty_to_prior`` + ``find_map`` with the
  compiled-function cache of :mod:`bayesreg.inference.map` emptied first, so the PyMC model is built and the
  PyTensor functions are compiled (PyTensor's on-disk C-module cache is whatever the machine has;
  pass ``--fresh-compiledir`` to start from an empty one). The time spent in ``build_model`` and
  in compiling the PyTensor functions is reported alongside;
* **steady state**: the median over ``k`` repeats of the same call with the compiled function
  cached, building a *new* ``RegressionData`` each time, so the :math:`O(np^2)` pass forming the
  sufficient statistics (Gaussian) is included: that is the honest cost of a fit;
* **scikit-learn**: the median over ``k`` repeats of ``fit`` with scikit-learn's default
  tolerances (repeats are interleaved with bayesreg's, so both see the same machine load);
* the **ratio** bayesreg steady state / scikit-learn, and the **maximum relative coefficient
  difference** ``max_j |w_bayesreg - w_sklearn| / max_j |w_sklearn|``. bayesreg certifies a
  relative KKT residual far below 1e-8; scikit-learn stops at its default ``tol=1e-4``, so
  differences of order 1e-4 (more for saga, which may stop at ``max_iter``) are expected.

Problems (``n x p``; ``442x10`` is the bundled diabetes data, other sizes synthetic, seed fixed):

=========  =============================================  ======================================
name       scikit-learn                                   bayesreg convention
=========  =============================================  ======================================
lasso      ``Lasso(alpha)``, alpha from the lasso path     ``"sklearn.Lasso"`` (Laplace prior)
           so that about half the coefficients are 0
ridge      ``Ridge(alpha=1.0)`` (solver "auto")            ``"sklearn.Ridge"`` (Gaussian prior)
enet       ``ElasticNet(2 * alpha_lasso, l1_ratio=0.5)``   ``"sklearn.ElasticNet"``
logit_l1   ``LogisticRegression(C, l1_ratio=1,             ``"sklearn.LogisticRegression"``
           solver="saga")``, C from the null-model score   (Laplace prior, Bernoulli likelihood)
logit_l2   ``LogisticRegression(C=1.0)`` (lbfgs)           ``"sklearn.LogisticRegression"``
poisson    ``PoissonRegressor(alpha=1e-3)`` (lbfgs)        ``"sklearn.PoissonRegressor"``
                                                          (Gaussian prior, Poisson likelihood)
=========  =============================================  ======================================

The Poisson problem runs at its own sizes (``--poisson-sizes``, default the issue's 10000x100 and
100000x100): synthetic ``X`` iid N(0, 1)/sqrt(p)·2, ``p // 10`` non-zero coefficients, intercept 0.5,
y ~ Poisson(exp(eta)).

Gaussian problems: synthetic ``X`` iid N(0, 1), ``p // 10`` non-zero true coefficients
(+-U(0.5, 2)), intercept 1, noise sd 1; diabetes on its raw scale. Logistic problems: synthetic
``X`` iid N(0, 1), ``p // 10`` non-zero true coefficients scaled so the linear predictor has
sd 2, intercept -0.5; at 442x10 the diabetes features z-scored (saga needs features on one scale)
and ``y = 1[progression > median]``. The noise scale of the Gaussian likelihood is fixed at 1; the
MAP does not depend on it once the penalty is mapped with the same ``noise_sigma``.

BLAS threads are controlled with threadpoolctl. Each ``--threads`` configuration is one of

* ``default``: no limits (every OpenBLAS pool and OpenMP at their defaults);
* ``numpy1``: numpy's and scipy's OpenBLAS pools limited to 1 thread (``libscipy_openblas``),
  PyTensor's system OpenBLAS (``libopenblas``) left at its default;
* ``all1``: every BLAS and OpenMP pool limited to 1 thread.

scikit-learn is timed under the same limits as bayesreg. The first call is measured once, under
the first configuration.

**Matched accuracy (L2 logistic, Poisson).** bayesreg certifies a relative KKT residual <= 1e-12;
``LogisticRegression`` stops at ``tol=1e-4``, 2e-4 away (relative) from the optimum. For
``logit_l2`` the script therefore also times scikit-learn at ``tol=1e-10`` with ``lbfgs`` and
``newton-cholesky`` (first configuration) and reports how far each lands from bayesreg's MAP; the
same for ``poisson`` with ``PoissonRegressor(tol=1e-10)``.

Examples
--------
Full run (several minutes; ~2 GB of memory at 100000x500)::

    python benchmarks/bench_map.py

Smoke run::

    python benchmarks/bench_map.py --quick

Only two sizes, and a cProfile of one steady-state bayesreg fit per problem::

    python benchmarks/bench_map.py --sizes 442x10,10000x100 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_SIZES = "442x10,10000x100,100000x500"
QUICK_SIZES = "442x10,2000x50"
PROBLEMS = ("lasso", "ridge", "enet", "logit_l1", "logit_l2", "poisson")
POISSON_SIZES = "10000x100,100000x100"
QUICK_POISSON_SIZES = "2000x50"
THREAD_CONFIGS = ("default", "numpy1", "all1")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help=f"smoke run: sizes {QUICK_SIZES}, 2 repeats, threads 'default' only")
    ap.add_argument("--sizes", default=None,
                    help=f"comma-separated NxP list (default {DEFAULT_SIZES}; 442x10 = diabetes)")
    ap.add_argument("--problems", default=",".join(PROBLEMS),
                    help=f"comma-separated subset of {', '.join(PROBLEMS)}")
    ap.add_argument("--threads", default=None,
                    help=f"comma-separated thread configurations from {', '.join(THREAD_CONFIGS)} "
                         "(default: all three; --quick: default)")
    ap.add_argument("--repeats", type=int, default=None,
                    help="repeats per timing (default 7 / 5 / 3 for n < 5000 / n < 50000 / larger)")
    ap.add_argument("--poisson-sizes", default=None,
                    help=f"NxP list of the poisson problem (default {POISSON_SIZES}; --quick: {QUICK_POISSON_SIZES})")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profile", action="store_true",
                    help="cProfile one steady-state bayesreg fit per problem (first configuration)")
    ap.add_argument("--profile-top", type=int, default=25)
    ap.add_argument("--fresh-compiledir", action="store_true",
                    help="point PyTensor at an empty compile directory (truly cold first call)")
    args = ap.parse_args(argv)
    if args.sizes is None:
        args.sizes = QUICK_SIZES if args.quick else DEFAULT_SIZES
    if args.threads is None:
        args.threads = "default" if args.quick else ",".join(THREAD_CONFIGS)
    if args.quick and args.repeats is None:
        args.repeats = 2
    args.size_list = [tuple(int(v) for v in s.lower().split("x")) for s in args.sizes.split(",") if s]
    if args.poisson_sizes is None:
        args.poisson_sizes = QUICK_POISSON_SIZES if args.quick else POISSON_SIZES
    args.poisson_size_list = [tuple(int(v) for v in s.lower().split("x"))
                              for s in args.poisson_sizes.split(",") if s]
    args.problem_list = [s for s in args.problems.split(",") if s]
    args.thread_list = [s for s in args.threads.split(",") if s]
    for name in args.problem_list:
        if name not in PROBLEMS:
            ap.error(f"unknown problem {name!r}; choose from {', '.join(PROBLEMS)}")
    for name in args.thread_list:
        if name not in THREAD_CONFIGS:
            ap.error(f"unknown thread configuration {name!r}; choose from {', '.join(THREAD_CONFIGS)}")
    return args


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None and ARGS.fresh_compiledir:
    _flags = os.environ.get("PYTENSOR_FLAGS", "")
    _dir = tempfile.mkdtemp(prefix="bayesreg-bench-compiledir-")
    os.environ["PYTENSOR_FLAGS"] = f"{_flags},base_compiledir={_dir}" if _flags else f"base_compiledir={_dir}"

import numpy as np  # noqa: E402
from _synthetic import sparse_gaussian  # noqa: E402  (benchmarks/ helper)

import bayesreg  # noqa: E402  (first: links PyTensor to a real BLAS)
import bayesreg.inference.smooth_part as brmap  # noqa: E402
from bayesreg import find_map, penalty_to_prior  # noqa: E402
from bayesreg.model.data import RegressionData  # noqa: E402
from bayesreg.model.glm_likelihoods import Poisson  # noqa: E402
from bayesreg.model.likelihoods import GaussianLikelihood, LogisticLikelihood  # noqa: E402


# --------------------------------------------------------------------------- data
def gaussian_data(n: int, p: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Diabetes (raw scale) at 442x10, otherwise a synthetic sparse linear model."""
    if (n, p) == (442, 10):
        from bayesreg.datasets import load_dataset

        ds = load_dataset("diabetes")
        return ds.X.to_numpy(dtype=float), ds.y.to_numpy(dtype=float), "diabetes (raw)"
    X, y = sparse_gaussian(n, p, seed)
    return X, y, "synthetic"


def logistic_data(n: int, p: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Diabetes (z-scored, y above the median) at 442x10, otherwise a synthetic logistic model."""
    if (n, p) == (442, 10):
        from bayesreg.datasets import load_dataset

        ds = load_dataset("diabetes")
        X = ds.X.to_numpy(dtype=float)
        X = (X - X.mean(axis=0)) / X.std(axis=0)
        y = ds.y.to_numpy(dtype=float)
        return X, (y > np.median(y)).astype(float), "diabetes (z-scored, binarised)"
    rng = np.random.default_rng(seed + 1)
    X = rng.standard_normal((n, p))
    k = max(1, p // 10)
    w = np.zeros(p)
    idx = rng.choice(p, k, replace=False)
    w[idx] = rng.standard_normal(k)
    w *= 2.0 / np.linalg.norm(w)
    eta = -0.5 + X @ w
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
    return X, y, "synthetic"


def poisson_data(n: int, p: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """A synthetic Poisson regression (log link), mean count about 2."""
    rng = np.random.default_rng(seed + 2)
    X = rng.standard_normal((n, p))
    k = max(1, p // 10)
    w = np.zeros(p)
    w[rng.choice(p, k, replace=False)] = rng.standard_normal(k)
    w *= 0.5 / np.linalg.norm(w)
    return X, rng.poisson(np.exp(0.5 + X @ w)).astype(float), "synthetic counts"


def lasso_alpha_half_zero(X: np.ndarray, y: np.ndarray) -> float:
    """The alpha on a 60-point lasso path whose solution has the closest to p/2 zeros."""
    from sklearn.linear_model import lasso_path

    n, p = X.shape
    Xc = X - X.mean(axis=0)
    yc = y - y.mean()
    gram = Xc.T @ Xc
    xy = Xc.T @ yc
    alphas = np.max(np.abs(xy)) / n * np.logspace(0, -4, 60)
    _, coefs, _ = lasso_path(Xc, yc, alphas=alphas, precompute=gram, Xy=xy)
    nnz = np.count_nonzero(coefs, axis=0)
    return float(alphas[int(np.argmin(np.abs(nnz - p / 2)))])


def logistic_c_half_zero(X: np.ndarray, y: np.ndarray) -> float:
    r"""``C = 1 / median_j |x_j^T (y - \bar y)|``: about half the features enter (heuristic).

    A coefficient of L1 logistic regression is zero iff ``C |x_j^T (y - p_hat)| <= 1`` at the
    solution; evaluated at the intercept-only model this puts roughly half of them at zero.
    """
    score = np.abs(X.T @ (y - y.mean()))
    return float(1.0 / np.median(score))


# --------------------------------------------------------------------------- problems
@dataclass
class Problem:
    name: str
    n: int
    p: int
    source: str
    X: np.ndarray
    y: np.ndarray
    convention: str
    params: dict[str, float]
    binary: bool
    likelihood: Any
    make_sklearn: Callable[[], Any]
    sklearn_label: str


def make_problems(n: int, p: int, names: list[str], seed: int) -> list[Problem]:
    from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, PoissonRegressor, Ridge

    out: list[Problem] = []
    gauss = GaussianLikelihood(1.0)
    if any(nm in names for nm in ("lasso", "ridge", "enet")):
        X, y, src = gaussian_data(n, p, seed)
        alpha = lasso_alpha_half_zero(X, y) if ("lasso" in names or "enet" in names) else 1.0
        if "lasso" in names:
            out.append(Problem("lasso", n, p, src, X, y, "sklearn.Lasso", {"alpha": alpha}, False, gauss,
                               lambda a=alpha: Lasso(alpha=a), f"Lasso(alpha={alpha:.3g})"))
        if "ridge" in names:
            out.append(Problem("ridge", n, p, src, X, y, "sklearn.Ridge", {"alpha": 1.0}, False, gauss,
                               lambda: Ridge(alpha=1.0), "Ridge(alpha=1)"))
        if "enet" in names:
            a2 = 2.0 * alpha
            out.append(Problem("enet", n, p, src, X, y, "sklearn.ElasticNet",
                               {"alpha": a2, "l1_ratio": 0.5}, False, gauss,
                               lambda a=a2: ElasticNet(alpha=a, l1_ratio=0.5),
                               f"ElasticNet(alpha={a2:.3g}, l1_ratio=0.5)"))
    if any(nm in names for nm in ("logit_l1", "logit_l2")):
        X, y, src = logistic_data(n, p, seed)
        logit = LogisticLikelihood()
        if "logit_l1" in names:
            c1 = logistic_c_half_zero(X, y)
            out.append(Problem("logit_l1", n, p, src, X, y, "sklearn.LogisticRegression",
                               {"C": c1, "l1_ratio": 1.0}, True, logit,
                               lambda c=c1: LogisticRegression(C=c, l1_ratio=1.0, solver="saga"),
                               f"LogisticRegression(C={c1:.3g}, l1_ratio=1, saga)"))
        if "logit_l2" in names:
            out.append(Problem("logit_l2", n, p, src, X, y, "sklearn.LogisticRegression",
                               {"C": 1.0, "l1_ratio": 0.0}, True, logit,
                               lambda: LogisticRegression(C=1.0), "LogisticRegression(C=1, lbfgs)"))
    if "poisson" in names:
        X, y, src = poisson_data(n, p, seed)
        out.append(Problem("poisson", n, p, src, X, y, "sklearn.PoissonRegressor", {"alpha": 1e-3}, False,
                           Poisson(), lambda: PoissonRegressor(alpha=1e-3), "PoissonRegressor(alpha=1e-3, lbfgs)"))
    return out


# --------------------------------------------------------------------------- timing
def bayesreg_fit(pb: Problem) -> Any:
    """One honest fit: validation, sufficient statistics (Gaussian), penalty mapping, MAP."""
    data = RegressionData.from_xy(pb.X, pb.y, binary=pb.binary)
    prior = penalty_to_prior(pb.convention, n=data.n_samples, **pb.params)
    return find_map(data, prior, pb.likelihood)


def sklearn_fit(pb: Problem) -> tuple[Any, int]:
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        est = pb.make_sklearn().fit(pb.X, pb.y)
    return est, sum(issubclass(w.category, ConvergenceWarning) for w in caught)


class _Timers:
    """Wrap ``build_model`` and ``_SmoothPart.__init__`` of bayesreg.inference.smooth_part to time them (in process)."""

    def __init__(self) -> None:
        self.build = 0.0
        self.compile = 0.0
        self._orig_build = brmap.build_model
        self._orig_init = brmap._SmoothPart.__init__

    def __enter__(self) -> _Timers:
        timers = self

        def build(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return timers._orig_build(*a, **k)
            finally:
                timers.build += time.perf_counter() - t

        def init(obj: Any, *a: Any, **k: Any) -> None:
            t = time.perf_counter()
            try:
                timers._orig_init(obj, *a, **k)
            finally:
                timers.compile += time.perf_counter() - t

        brmap.build_model = build
        brmap._SmoothPart.__init__ = init
        return self

    def __exit__(self, *exc: Any) -> None:
        brmap.build_model = self._orig_build
        brmap._SmoothPart.__init__ = self._orig_init


def thread_limits(config: str) -> Any:
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    if config == "default":
        return nullcontext()
    if config == "numpy1":
        return threadpool_limits(limits={"libscipy_openblas": 1})
    if config == "all1":
        return threadpool_limits(limits=1)
    raise ValueError(config)


@dataclass
class Result:
    pb: Problem
    first: float = float("nan")
    first_build: float = float("nan")
    first_compile: float = float("nan")
    steady: dict[str, float] = field(default_factory=dict)
    sklearn: dict[str, float] = field(default_factory=dict)
    rel_diff: float = float("nan")
    frac_zero_br: float = float("nan")
    frac_zero_sk: float = float("nan")
    certified: bool = False
    n_iter: int = 0
    sk_conv_warnings: int = 0
    matched: list[tuple[str, float, float]] = field(default_factory=list)  # (label, time, rel diff)


def default_repeats(n: int) -> int:
    return 7 if n < 5000 else 5 if n < 50_000 else 3


def run_problem(pb: Problem, configs: list[str], repeats: int | None, profile: bool,
                profile_top: int) -> Result:
    res = Result(pb)
    k = repeats or default_repeats(pb.n)
    for ci, config in enumerate(configs):
        with thread_limits(config):
            if ci == 0:
                brmap._CACHE.clear()
                with _Timers() as timers:
                    t = time.perf_counter()
                    fit = bayesreg_fit(pb)
                    res.first = time.perf_counter() - t
                res.first_build, res.first_compile = timers.build, timers.compile
            br_times, sk_times = [], []
            for _ in range(k):
                t = time.perf_counter()
                est, nwarn = sklearn_fit(pb)
                sk_times.append(time.perf_counter() - t)
                t = time.perf_counter()
                fit = bayesreg_fit(pb)
                br_times.append(time.perf_counter() - t)
            res.steady[config] = statistics.median(br_times)
            res.sklearn[config] = statistics.median(sk_times)
            if ci == 0:
                res.sk_conv_warnings = nwarn
                sk_coef = np.ravel(est.coef_)
                res.rel_diff = float(np.max(np.abs(fit.coef - sk_coef)) / max(np.max(np.abs(sk_coef)), 1e-300))
                res.frac_zero_br = float(np.mean(fit.coef == 0.0))
                res.frac_zero_sk = float(np.mean(sk_coef == 0.0))
                res.certified = fit.certificate.passed
                res.n_iter = fit.n_iter
                if pb.name in ("logit_l2", "poisson"):
                    res.matched = matched_accuracy(pb, fit.coef, k)
                if profile:
                    prof = cProfile.Profile()
                    prof.enable()
                    bayesreg_fit(pb)
                    prof.disable()
                    buf = io.StringIO()
                    stats = pstats.Stats(prof, stream=buf).sort_stats("cumulative")
                    stats.print_stats(profile_top)
                    print(f"\n### cProfile: {pb.name} {pb.n}x{pb.p} (threads {config}), by cumulative time\n")
                    print("```")
                    print(_trim_profile(buf.getvalue()))
                    print("```", flush=True)
        print(f"  {pb.name:9s} {pb.n}x{pb.p} [{config}] bayesreg {res.steady[config]:.4f}s  "
              f"sklearn {res.sklearn[config]:.4f}s", file=sys.stderr, flush=True)
    return res


def matched_accuracy(pb: Problem, coef: np.ndarray, k: int) -> list[tuple[str, float, float]]:
    """scikit-learn's L2 logistic (or Poisson) solvers at ``tol=1e-10``: median time and distance to ``coef``."""
    from sklearn.linear_model import LogisticRegression, PoissonRegressor

    out = []
    for solver in ("lbfgs", "newton-cholesky"):
        times = []
        for _ in range(k):
            t = time.perf_counter()
            if pb.name == "poisson":
                est = PoissonRegressor(alpha=pb.params["alpha"], tol=1e-10, solver=solver, max_iter=10_000)
            else:
                est = LogisticRegression(C=pb.params["C"], tol=1e-10, solver=solver, max_iter=10_000)
            est.fit(pb.X, pb.y)
            times.append(time.perf_counter() - t)
        diff = float(np.max(np.abs(np.ravel(est.coef_) - coef)) / np.max(np.abs(coef)))
        label = "PoissonRegressor" if pb.name == "poisson" else "LogisticRegression"
        out.append((f"{label}(tol=1e-10, solver={solver!r})", statistics.median(times), diff))
    return out


def _trim_profile(text: str) -> str:
    lines = [ln.rstrip() for ln in text.splitlines()]
    start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls")), 0)
    head = [ln for ln in lines[:start] if "function calls" in ln]
    cwd = os.getcwd() + os.sep
    site = [p for p in sys.path if p.endswith("site-packages")]
    body = []
    for ln in lines[start:]:
        for prefix in (cwd, *[s + os.sep for s in site]):
            ln = ln.replace(prefix, "")
        body.append(ln)
    return "\n".join(head + body).strip()


# --------------------------------------------------------------------------- reporting
def fmt_t(t: float) -> str:
    if t != t:
        return "-"
    return f"{t * 1e3:.1f} ms" if t < 1.0 else f"{t:.2f} s"


def environment() -> str:
    import pymc
    import pytensor
    import scipy
    import sklearn
    from threadpoolctl import threadpool_info

    from bayesreg.inference.blas import blas_status

    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    pools = ", ".join(f"{i['prefix']}={i['num_threads']}" for i in threadpool_info())
    return (f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
            f"scikit-learn {sklearn.__version__}, pymc {pymc.__version__}, pytensor {pytensor.__version__}, "
            f"bayesreg {bayesreg.__version__}; PyTensor blas__ldflags={blas_status()!r}; "
            f"thread pools (defaults): {pools}; os.cpu_count()={os.cpu_count()}; "
            f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def print_tables(results: list[Result], configs: list[str]) -> None:
    main = configs[0]
    print(f"\n### MAP fit time: bayesreg vs scikit-learn (threads: {main})\n")
    print("| problem | n x p | data | scikit-learn estimator | first call (of which build + compile) | "
          "steady state | sklearn | ratio | max rel coef diff | zeros br / sk | certified |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        pb = r.pb
        warn = f" ({r.sk_conv_warnings} ConvergenceWarning)" if r.sk_conv_warnings else ""
        ratio = r.steady[main] / r.sklearn[main]
        print(f"| {pb.name} | {pb.n} x {pb.p} | {pb.source} | {pb.sklearn_label}{warn} | "
              f"{fmt_t(r.first)} ({fmt_t(r.first_build)} + {fmt_t(r.first_compile)}) | "
              f"{fmt_t(r.steady[main])} | {fmt_t(r.sklearn[main])} | {ratio:.2f} | {r.rel_diff:.1e} | "
              f"{r.frac_zero_br:.0%} / {r.frac_zero_sk:.0%} | {'yes' if r.certified else 'NO'} |")
    matched = [r for r in results if r.matched]
    if matched:
        print(f"\n### L2 logistic and Poisson at matched accuracy (threads: {main})\n")
        print("| problem, n x p | solver | time | bayesreg / it | max rel coef diff to bayesreg's MAP |")
        print("|---|---|---|---|---|")
        for r in matched:
            print(f"| {r.pb.name} {r.pb.n} x {r.pb.p} | bayesreg `find_map` (relative KKT <= 1e-12) | "
                  f"{fmt_t(r.steady[main])} | 1.00 | 0 |")
            for label, t, diff in r.matched:
                print(f"| {r.pb.name} {r.pb.n} x {r.pb.p} | {label} | {fmt_t(t)} | {r.steady[main] / t:.2f} | "
                      f"{diff:.1e} |")
    if len(configs) > 1:
        print("\n### Steady-state time by BLAS thread configuration (bayesreg / sklearn, ratio)\n")
        print("| problem | n x p | " + " | ".join(configs) + " | fastest for bayesreg |")
        print("|---|---|" + "---|" * len(configs) + "---|")
        for r in results:
            cells = [f"{fmt_t(r.steady[c])} / {fmt_t(r.sklearn[c])} ({r.steady[c] / r.sklearn[c]:.2f})"
                     for c in configs]
            best = min(configs, key=lambda c: r.steady[c])
            print(f"| {r.pb.name} | {r.pb.n} x {r.pb.p} | " + " | ".join(cells) + f" | {best} |")


def main() -> None:
    args = ARGS if ARGS is not None else parse_args()
    print(f"# bench_map: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    print(f"\n{environment()}")
    print(f"\nthread configurations: {', '.join(args.thread_list)}; repeats: "
          f"{args.repeats or 'auto (7 / 5 / 3)'}; seed {args.seed}"
          + ("; fresh PyTensor compiledir" if args.fresh_compiledir else ""), flush=True)
    results: list[Result] = []
    t_all = time.perf_counter()
    others = [nm for nm in args.problem_list if nm != "poisson"]
    for n, p in args.size_list:
        for pb in make_problems(n, p, others, args.seed):
            results.append(run_problem(pb, args.thread_list, args.repeats, args.profile, args.profile_top))
    if "poisson" in args.problem_list:
        for n, p in args.poisson_size_list:
            for pb in make_problems(n, p, ["poisson"], args.seed):
                results.append(run_problem(pb, args.thread_list, args.repeats, args.profile, args.profile_top))
    print_tables(results, args.thread_list)
    load = os.getloadavg()
    print(f"\ntotal {time.perf_counter() - t_all:.0f} s; load average at the end "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
