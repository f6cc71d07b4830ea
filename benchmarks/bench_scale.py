"""Data beyond memory: the three benchmarks of issue 14, ratios measured in one run.

1. **Statistics pass** (``--only stats``): n x p Gaussian data in Parquet shards (``--compression``,
   ``--encoding``; one row group of ``--shard-rows`` rows per file) on a 2-worker ``LocalCluster``
   (loopback, 1 thread each): ``SufficientStats.from_files(..., dask=True)`` (one task per file, pyarrow
   batches) and ``SufficientStats.from_dask(dd.read_parquet(...))`` (the DataFrame path), against the in-memory
   NumPy ``X.T @ X`` on the same data held in one array (best of 1 and 2 BLAS threads, best of
   ``--repeats``). Peak memory per worker: ``ru_maxrss`` of each worker process after the passes (its
   imports included). Then the MAP (``LassoBayes``) and NUTS (2 chains x 1000, nutpie) from the statistics.
   Target: pass <= 1.5x the XtX time, <= 1 GB per worker.
2. **Logistic MAP via Dask** (``--only logistic``): the same X with a Bernoulli target; rows persisted on
   the 2 workers (``DaskRows``), the certified MAP by distributed proximal Newton (``fit_dask``) against
   scikit-learn ``LogisticRegression(lbfgs)`` at its default ``tol`` on the data in memory, with the
   same prior (``C``). Target: <= 2x.
3. **Moonshot** (``--only moonshot``): a 1000-feature Bayesian lasso (Park & Casella, ``br.BayesianLasso``)
   on 10^6 rows: statistics pass from Parquet shards + NUTS (nutpie, 2 chains x 1000 draws after 1000
   tuning steps) in the sufficient-statistics form; wall time of everything after the files exist,
   max R-hat. Beside it, the plain PyMC model (the likelihood over all rows) extrapolated: the time of
   its log-density gradient at ``--plain-rows`` rows, scaled linearly to n, times the number of
   gradients the NUTS run used, divided by the 2 chains running in parallel. Target: <= 90 s, R-hat <= 1.01.

``--compression none --encoding plain`` writes the shards as float columns are cheapest to read
(no codec, no dictionary: random doubles compress by nothing); the default is pyarrow's (snappy,
dictionary pages). Data are generated chunk by chunk into ``--scratch`` (never committed; the full run needs ~17 GB of
disk and ~9 GB of RAM for the in-memory references) and deleted at the end unless ``--keep``.

Examples
--------
Smoke run (about a minute)::

    python benchmarks/bench_scale.py --quick

Full run (10^7 x 100 and 10^6 x 1000; tens of minutes, mostly writing the data)::

    python benchmarks/bench_scale.py --scratch /var/tmp/bench_scale
"""

from __future__ import annotations

import argparse
import gc
import glob
import os
import resource
import shutil
import tempfile
import time
import warnings
from typing import Any

import numpy as np

import bayesreg as br  # noqa: F401  (first: links PyTensor to a real BLAS)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke run at small sizes")
    ap.add_argument("--only", default="stats,logistic,moonshot", help="comma-separated subset")
    ap.add_argument("--n", type=int, default=None, help="rows of benchmarks 1-2 (default 10^7; quick 2*10^5)")
    ap.add_argument("--p", type=int, default=100)
    ap.add_argument("--shard-rows", type=int, default=100_000)
    ap.add_argument("--moon-n", type=int, default=None, help="rows of the moonshot (default 10^6; quick 20000)")
    ap.add_argument("--moon-p", type=int, default=None, help="features of the moonshot (default 1000; quick 200)")
    ap.add_argument("--draws", type=int, default=None, help="NUTS draws and tuning steps per chain (default 1000)")
    ap.add_argument("--plain-rows", type=int, default=20_000)
    ap.add_argument("--sampler", default="nutpie", choices=("nutpie", "pymc"), help="NUTS backend")
    ap.add_argument("--sampling-blas-threads", type=int, default=1,
                    help="BLAS threads per pool while sampling (default 1: two chains already use both cores)")
    ap.add_argument("--repeats", type=int, default=None, help="timings per measurement (best kept; default 2)")
    ap.add_argument("--scratch", default=None, help="directory for the generated data (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the generated data")
    ap.add_argument("--compression", default="snappy", help="Parquet compression of the generated shards "
                    "(snappy: pyarrow's and Spark's default; none: isolates the decoding cost)")
    ap.add_argument("--encoding", default="dictionary", choices=("dictionary", "plain"),
                    help="Parquet encoding of the generated float columns (dictionary: pyarrow's default; plain: "
                    "use_dictionary=False, which random doubles decode fastest with, see docs/large_data.md)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    q = a.quick
    a.n = a.n or (200_000 if q else 10_000_000)
    a.moon_n = a.moon_n or (20_000 if q else 1_000_000)
    a.moon_p = a.moon_p or (200 if q else 1000)
    a.draws = a.draws or (200 if q else 1000)
    a.repeats = a.repeats or (1 if q else 2)
    if q:
        a.shard_rows = min(a.shard_rows, 25_000)
    a.parts = {s.strip() for s in a.only.split(",") if s.strip()}
    return a


# ----------------------------------------------------------------------------------- helpers
def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def best_of(fn: Any, repeats: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeats):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def write_shards(directory: str, n: int, p: int, shard_rows: int, seed: int, kind: str,
                 compression: str = "snappy", use_dictionary: bool = True) -> dict[str, Any]:
    """Parquet shards of iid N(0,1) features and the targets; returns the truth."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(seed)
    w = np.zeros(p)
    k = max(1, p // 20)
    idx = rng.choice(p, k, replace=False)
    w[idx] = rng.uniform(0.5, 2.0, k) * rng.choice([-1.0, 1.0], k)
    scale = 1.0 / np.sqrt(k)  # logistic signal of order 1
    for i, start in enumerate(range(0, n, shard_rows)):
        m = min(shard_rows, n - start)
        X = rng.standard_normal((m, p))
        cols = {f"x{j}": X[:, j] for j in range(p)}
        cols["y"] = 1.0 + X @ w + rng.standard_normal(m)
        if kind == "both":
            eta = 0.2 + scale * (X @ w)
            cols["b"] = (rng.uniform(size=m) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
        pq.write_table(pa.table(cols), os.path.join(directory, f"part-{i:05d}.parquet"), compression=compression,
                       use_dictionary=use_dictionary)
    return {"w": w}


def read_in_memory(directory: str, p: int, target: str) -> tuple[np.ndarray, np.ndarray]:
    """All rows in one C-ordered array (not timed)."""
    import pyarrow.parquet as pq

    files = sorted(glob.glob(os.path.join(directory, "*.parquet")))
    n = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    X = np.empty((n, p))
    y = np.empty(n)
    row = 0
    for f in files:
        t = pq.read_table(f)
        m = t.num_rows
        for j in range(p):
            X[row:row + m, j] = t.column(f"x{j}").to_numpy()
        y[row:row + m] = t.column(target).to_numpy()
        row += m
        del t
    return X, y


def cluster(memory_limit: str | int, work_stealing: bool = True) -> tuple[Any, Any]:
    """2 worker processes, 1 thread each, loopback; ``memory_limit=0``: no limit (no spilling).
    ``work_stealing=False`` for persisted rows: stealing would replicate their blocks (docs/large_data.md)."""
    import dask
    import distributed

    with dask.config.set({"distributed.scheduler.work-stealing": work_stealing}):
        c = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                     dashboard_address=None, memory_limit=memory_limit, silence_logs=50)
    return c, distributed.Client(c)


def workers_cpu(client: Any) -> float:
    """User + system CPU seconds of the worker processes so far."""
    def cpu() -> float:
        import resource as r

        u = r.getrusage(r.RUSAGE_SELF)
        return u.ru_utime + u.ru_stime

    return float(sum(client.run(cpu).values()))


def worker_peaks(client: Any) -> list[float]:
    def rss() -> float:
        import resource as r

        return r.getrusage(r.RUSAGE_SELF).ru_maxrss / 1024

    return sorted(client.run(rss).values())


def xtx_reference(X: np.ndarray, repeats: int) -> dict[str, float]:
    from threadpoolctl import threadpool_limits

    out = {}
    for threads in (1, 2):
        with threadpool_limits(threads):
            out[f"{threads} thread(s)"], _ = best_of(lambda: X.T @ X, repeats)
    return out


# ----------------------------------------------------------------------------------- benchmarks
def bench_stats(a: argparse.Namespace, directory: str, rows: list[str]) -> None:
    import dask.dataframe as dd

    pattern = os.path.join(directory, "*.parquet")
    features = [f"x{j}" for j in range(a.p)]
    print(f"\n## 1. Statistics pass: {a.n:,} x {a.p} from Parquet, 2-worker LocalCluster (load {load()})\n")
    c, client = cluster("2GiB")
    try:
        t_files, st = best_of(lambda: br.SufficientStats.from_files(pattern, "y", features=features, dask=True),
                              a.repeats)
        peaks_files = worker_peaks(client)
        t_frame, st2 = best_of(lambda: br.SufficientStats.from_dask(dd.read_parquet(pattern), "y",
                                                                    features=features), a.repeats)
        peaks_all = worker_peaks(client)
    finally:
        client.close()
        c.close()
    ref, t_arrays, st_mem = in_memory_stats(directory, a)
    agree = float(np.max(np.abs(st.xtx - st_mem.xtx)) / np.max(np.abs(st_mem.xtx)))
    t_ref = min(ref.values())
    print("| pass | time | / in-memory XtX | peak RSS per worker |")
    print("|---|---|---|---|")
    for name, t in ref.items():
        print(f"| in-memory NumPy `X.T @ X`, {name} | {t:.2f} s | {t / t_ref:.2f} | |")
    print(f"| in-memory `SufficientStats.from_arrays`, 1 thread | {t_arrays:.2f} s | {t_arrays / t_ref:.2f} | |")
    print(f"| **Parquet -> `from_files(dask=True)`** (one task per file) | {t_files:.2f} s | **{t_files / t_ref:.2f}** "
          f"| {' / '.join(f'{m:.0f} MB' for m in peaks_files)} |")
    print(f"| Parquet -> `dd.read_parquet` -> `from_dask` | {t_frame:.2f} s | {t_frame / t_ref:.2f} | "
          f"{' / '.join(f'{m:.0f} MB' for m in peaks_all)} (after both passes) |")
    print(f"\nstatistics from the cluster vs in memory: max |xtx diff| / max |xtx| = {agree:.1e}; "
          f"DataFrame path vs file path: {np.max(np.abs(st2.xtx - st.xtx)) / np.max(np.abs(st.xtx)):.1e}")
    rows.append(f"stats pass {t_files:.2f} s = {t_files / t_ref:.2f} x XtX ({t_ref:.2f} s); worker peaks "
                f"{max(peaks_files):.0f} MB")
    # MAP and NUTS from the statistics: seconds, not minutes
    t_map, est = best_of(lambda: br.LassoBayes(alpha=1e-3).fit_stats(st), 1)
    print(f"\nMAP from the statistics (LassoBayes alpha=1e-3, first call incl. compile): {t_map:.2f} s, "
          f"{est.certificate_}")
    sigma = br.estimate_noise_sigma(st, None, "sklearn.Lasso", alpha=1e-3)
    prior = br.penalty_to_prior("sklearn.Lasso", alpha=1e-3, n=st.weight_sum, noise_sigma=sigma)
    from threadpoolctl import threadpool_limits

    with warnings.catch_warnings(), threadpool_limits(a.sampling_blas_threads):
        warnings.simplefilter("ignore")
        t_nuts, post = best_of(lambda: br.BayesianRegression(prior=prior, noise_sigma=sigma, method="nuts",
                                                             draws=a.draws, tune=a.draws, chains=2, random_seed=1,
                                                             progressbar=False, sampler=a.sampler).fit_stats(st), 1)
    print(f"NUTS from the statistics ({a.sampler}, 2 x {a.draws} draws + {a.draws} tune, compile included): "
          f"{t_nuts:.1f} s; problems: {post.diagnostics_ or 'none'}")
    rows.append(f"MAP {t_map:.2f} s, NUTS {t_nuts:.1f} s from the statistics")


def in_memory_stats(directory: str, a: argparse.Namespace) -> tuple[dict[str, float], float, Any]:
    """The in-memory references: X.T @ X (1 and 2 threads) and from_arrays (1 thread) on all rows."""
    from threadpoolctl import threadpool_limits

    X, y = read_in_memory(directory, a.p, "y")
    ref = xtx_reference(X, a.repeats)
    with threadpool_limits(1):
        t_arrays, st_mem = best_of(lambda: br.SufficientStats.from_arrays(X, y), a.repeats)
    return ref, t_arrays, st_mem


def sklearn_reference(directory: str, a: argparse.Namespace, C: float) -> tuple[float, Any, float]:
    """scikit-learn's lbfgs at its default tolerance on all rows in memory."""
    from sklearn.linear_model import LogisticRegression

    X, b = read_in_memory(directory, a.p, "b")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_sk, sk = best_of(lambda: LogisticRegression(C=C, solver="lbfgs").fit(X, b), a.repeats)
    return t_sk, sk, float(np.abs(X.T @ (b - b.mean())).max())


def bench_logistic(a: argparse.Namespace, directory: str, rows: list[str]) -> None:
    import dask.dataframe as dd

    C = 1.0
    features = [f"x{j}" for j in range(a.p)]
    print(f"\n## 2. Logistic MAP: {a.n:,} x {a.p}, rows persisted on 2 workers vs scikit-learn lbfgs in memory "
          f"(load {load()})\n")
    c, client = cluster(0, work_stealing=False)  # the persisted rows (n p 8 bytes) must not be spilled
    try:
        t0 = time.perf_counter()
        data = br.DaskRows.from_dask(dd.read_parquet(os.path.join(directory, "*.parquet")), "b", features=features)
        data.summary()
        t_persist = time.perf_counter() - t0
        t_dask, est = best_of(lambda: br.LogisticBayes(C=C).fit_dask(data), a.repeats)
        peaks = worker_peaks(client)
    finally:
        client.close()
        c.close()
    t_sk, sk, grad_scale = sklearn_reference(directory, a, C)
    diff = float(np.max(np.abs(sk.coef_.ravel() - est.coef_)) / np.max(np.abs(est.coef_)))
    print("| fit | time | ratio | notes |")
    print("|---|---|---|---|")
    print(f"| scikit-learn `LogisticRegression(C={C}, lbfgs)`, default tol, in memory | {t_sk:.2f} s | 1.00 | "
          f"{sk.n_iter_[0]} iterations; max rel. coef diff to the certified MAP {diff:.1e} |")
    print(f"| **bayesreg `LogisticBayes(C={C}).fit_dask`**, rows on 2 workers | {t_dask:.2f} s | "
          f"**{t_dask / t_sk:.2f}** | {est.n_iter_} Newton steps, {est.n_passes_} passes; {est.certificate_} |")
    print(f"\nPersisting the rows (read Parquet, convert, hold on the workers; once): {t_persist:.1f} s; worker "
          f"peaks {' / '.join(f'{m:.0f} MB' for m in peaks)}; |X'(b - mean b)|_inf = {grad_scale:.3g}")
    rows.append(f"logistic MAP via Dask {t_dask:.2f} s = {t_dask / t_sk:.2f} x lbfgs ({t_sk:.2f} s)")


def bench_moonshot(a: argparse.Namespace, directory: str, rows: list[str]) -> None:
    n, p = a.moon_n, a.moon_p
    print(f"\n## 3. Moonshot: Bayesian lasso, {n:,} x {p}, NUTS 2 chains x {a.draws} (load {load()})\n")
    features = [f"x{j}" for j in range(p)]
    pattern = os.path.join(directory, "*.parquet")
    c, client = cluster("2GiB")
    try:
        cpu0 = workers_cpu(client)
        t0 = time.perf_counter()
        st = br.SufficientStats.from_files(pattern, "y", features=features, dask=True)
        t_stats = time.perf_counter() - t0
        cpu_stats = workers_cpu(client) - cpu0
        peaks = worker_peaks(client)
    finally:
        client.close()
        c.close()
    from threadpoolctl import threadpool_limits

    # BLAS at one thread while sampling: the 2 chains already use both cores (as bench_nuts.py); with the
    # default 2 threads per pool, each chain's 1000 x 1000 products fight the other chain for the cores
    with warnings.catch_warnings(), threadpool_limits(a.sampling_blas_threads):
        warnings.simplefilter("ignore")
        t1, c1 = time.perf_counter(), time.process_time()
        est = br.BayesianRegression(prior=br.BayesianLasso(), method="nuts", draws=a.draws, tune=a.draws, chains=2,
                                    random_seed=a.seed, progressbar=False, sampler=a.sampler).fit_stats(st)
        t_nuts, cpu_nuts = time.perf_counter() - t1, time.process_time() - c1
    total = t_stats + t_nuts
    from bayesreg.inference.diagnostics import import_arviz

    az = import_arviz()
    post = est.idata_.posterior
    names = [v for v in ("coef", "sigma", "lam") if v in post]
    rhat = max(float(az.rhat(est.idata_, var_names=[v])[v].max()) for v in names)
    ess = min(float(az.ess(est.idata_, var_names=[v])[v].min()) for v in names)
    stats = est.idata_.sample_stats
    steps = int(stats["n_steps"].sum()) if "n_steps" in stats else None
    warm = est.idata_.get("warmup_sample_stats")
    if warm is not None and "n_steps" in warm:
        steps = (steps or 0) + int(warm["n_steps"].sum())
    div = int(stats["diverging"].sum()) if "diverging" in stats else 0
    # the plain PyMC model: the likelihood over the rows; time its gradient at plain_rows rows
    t_grad = plain_gradient_time(pattern, features, min(a.plain_rows, n))
    per_grad = t_grad * n / min(a.plain_rows, n)
    plain = per_grad * steps / 2 if steps else float("nan")
    # CPU seconds do not grow with other processes' load; on 2 idle cores the wall time of two busy
    # workers (or two chains) is at least CPU / 2: the "idle-machine floor" column
    print("| part | wall | CPU (all threads / workers) | idle-machine floor CPU / 2 |")
    print("|---|---|---|---|")
    print(f"| statistics pass (Parquet, 2 workers, one task per file) | {t_stats:.1f} s | {cpu_stats:.1f} s | "
          f"{cpu_stats / 2:.1f} s |")
    print(f"| NUTS on the statistics (model build, {a.sampler} compile, 2 x ({a.draws} tune + {a.draws} draws)) | "
          f"{t_nuts:.1f} s | {cpu_nuts:.1f} s | {cpu_nuts / 2:.1f} s |")
    print(f"| **total** | **{total:.1f} s** | {cpu_stats + cpu_nuts:.1f} s | **{(cpu_stats + cpu_nuts) / 2:.1f} s** |")
    print(f"\nmax R-hat {rhat:.4f}, min bulk ESS {ess:.0f}, {div} divergences, {steps} gradient evaluations; "
          f"worker peaks {' / '.join(f'{m:.0f} MB' for m in peaks)}")
    print(f"plain PyMC model (likelihood over all {n:,} rows): one gradient {t_grad * 1e3:.1f} ms at "
          f"{min(a.plain_rows, n):,} rows -> {per_grad:.2f} s at {n:,}; x {steps} gradients / 2 chains = "
          f"**{plain / 3600:.1f} h** ({plain / total:.0f}x), before the {n * p * 8 / 2**30:.1f} GiB of X fit in "
          "memory at all")
    rows.append(f"moonshot {total:.1f} s wall (stats {t_stats:.1f} + NUTS {t_nuts:.1f}; CPU / 2 "
                f"{(cpu_stats + cpu_nuts) / 2:.1f} s), R-hat {rhat:.4f}; plain PyMC ~{plain / 3600:.1f} h")


def plain_gradient_time(pattern: str, features: list[str], rows: int) -> float:
    """Seconds per log-density gradient of the rows-form model at ``rows`` rows (median of 5)."""
    import pyarrow.parquet as pq

    from bayesreg.model.build import build_model
    from bayesreg.model.data import RegressionData
    from bayesreg.model.likelihoods import GaussianLikelihood
    from bayesreg.model.priors import Laplace

    f = sorted(glob.glob(pattern))[0]
    t = pq.read_table(f).slice(0, rows)
    X = np.column_stack([t.column(c).to_numpy() for c in features])
    y = t.column("y").to_numpy()
    data = RegressionData.from_xy(X, y)
    built = build_model(data, Laplace(1.0), GaussianLikelihood(1.0), form="rows")
    fn = built.model.compile_dlogp()
    point = built.model.initial_point()
    fn(point)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        fn(point)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main(argv: list[str] | None = None) -> None:
    a = parse_args(argv)
    scratch = a.scratch or tempfile.mkdtemp(prefix="bench_scale_")
    need = (a.n * (a.p + 2) * 8 * ("stats" in a.parts or "logistic" in a.parts)
            + a.moon_n * (a.moon_p + 1) * 8 * ("moonshot" in a.parts)) / 2**30
    os.makedirs(scratch, exist_ok=True)
    free = shutil.disk_usage(scratch).free / 2**30
    print(f"# bench_scale ({'quick' if a.quick else 'full'}): scratch {scratch}, ~{need:.1f} GiB of data, "
          f"{free:.0f} GiB free, load {load()}, {os.cpu_count()} CPUs; Parquet {a.compression}, {a.encoding} encoding")
    if need > 0.8 * free:
        raise SystemExit(f"not enough disk in {scratch}: need ~{need:.1f} GiB, {free:.0f} GiB free")
    rows: list[str] = []
    suffix = "" if a.encoding == "dictionary" else f"_{a.encoding}"
    try:
        if a.parts & {"stats", "logistic"}:
            d = os.path.join(scratch, f"gauss_{a.n}x{a.p}_{a.compression}{suffix}")
            t = time.perf_counter()
            if not glob.glob(os.path.join(d, "*.parquet")):
                write_shards(d, a.n, a.p, a.shard_rows, a.seed, "both", a.compression, a.encoding == "dictionary")
            print(f"data {a.n:,} x {a.p}: {time.perf_counter() - t:.0f} s to write (or reuse) {d}")
            if "stats" in a.parts:
                bench_stats(a, d, rows)
            if "logistic" in a.parts:
                bench_logistic(a, d, rows)
        if "moonshot" in a.parts:
            d = os.path.join(scratch, f"moon_{a.moon_n}x{a.moon_p}_{a.compression}{suffix}")
            t = time.perf_counter()
            if not glob.glob(os.path.join(d, "*.parquet")):
                write_shards(d, a.moon_n, a.moon_p, max(1, a.shard_rows // max(1, a.moon_p // a.p)), a.seed + 1,
                             "gaussian", a.compression, a.encoding == "dictionary")
            print(f"\ndata {a.moon_n:,} x {a.moon_p}: {time.perf_counter() - t:.0f} s to write (or reuse)")
            bench_moonshot(a, d, rows)
    finally:
        if not a.keep and not a.scratch:
            shutil.rmtree(scratch, ignore_errors=True)
        elif not a.keep:
            for sub in glob.glob(os.path.join(scratch, "gauss_*")) + glob.glob(os.path.join(scratch, "moon_*")):
                shutil.rmtree(sub, ignore_errors=True)
    print(f"\n## Summary (load {load()}, peak RSS of this process {peak_rss_mb():.0f} MB)\n")
    for r in rows:
        print(f"* {r}")


if __name__ == "__main__":
    main()
