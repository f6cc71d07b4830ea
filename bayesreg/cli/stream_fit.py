"""``bayesreg fit --data 'shards/*.parquet' --target y``: data that need not fit in memory.

Taken by ``bayesreg fit`` when ``--data`` is a glob pattern, a Parquet file, when ``--stream`` is given
or a Dask scheduler is named (``--scheduler tcp://host:port``).

* Gaussian likelihood: one pass over the files computes the sufficient statistics
  (``br.SufficientStats.from_files``: batches of rows, a progress bar over them on stderr), or on the
  Dask cluster with ``--scheduler`` (``br.SufficientStats.from_dask``); then ``fit_stats`` (MAP or
  NUTS), with glmnet's scaling and the NUTS noise plug-in from the statistics.
* Logistic likelihood: the rows are read by Dask and persisted on its workers, then the certified
  distributed MAP (``--method map``) or the PSIS-corrected Laplace approximation (``--method laplace``).
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import time
from typing import Any

from bayesreg.cli.options import UserError, penalty_params
from bayesreg.cli.shrinkage_options import noise_prior, shrinkage_prior_for

__all__ = ["wants_streaming", "run_stream"]


def wants_streaming(args: argparse.Namespace) -> bool:
    data = str(args.data)
    return bool(getattr(args, "stream", False) or getattr(args, "scheduler", None) or glob.has_magic(data)
                or data.lower().endswith((".parquet", ".pq")))


class ChunkBar:
    """A one-line progress bar over the batches of rows on stderr (a terminal, or ``BAYESREG_PROGRESS`` set;
    silent with ``--quiet``), as the other commands' progress lines."""

    def __init__(self, quiet: bool) -> None:
        import os

        self.quiet = quiet or not (sys.stderr.isatty() or os.environ.get("BAYESREG_PROGRESS"))
        self.start = time.perf_counter()
        self.drawn = False

    def __call__(self, info: Any) -> None:
        if self.quiet:
            return
        elapsed = time.perf_counter() - self.start
        if info.total_rows:
            frac = info.rows / info.total_rows
            bar = "#" * int(30 * frac)
            text = f"[{bar:<30}] {100 * frac:5.1f}%  {info.rows:,}/{info.total_rows:,} rows"
        else:
            text = f"{info.rows:,} rows"
        text += f"  chunk {info.chunk}  file {info.file_index + 1}/{info.n_files}  {elapsed:.1f} s"
        sys.stderr.write("\r" + text)
        sys.stderr.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _client(address: str | None) -> Any:
    if address is None:
        return None
    try:
        from distributed import Client
    except ImportError:
        raise UserError("--scheduler needs Dask: pip install 'bayesreg[dask]'") from None
    try:
        return Client(address, timeout="5s")
    except (OSError, TimeoutError) as exc:
        raise UserError(f"cannot reach the Dask scheduler at {address!r}: {exc}") from None


def _dask_frame(data: str) -> Any:
    try:
        import dask.dataframe as dd
    except ImportError:
        raise UserError("this needs Dask (logistic data at scale, --scheduler): pip install 'bayesreg[dask]'") from None
    return dd.read_parquet(data) if data.lower().endswith((".parquet", ".pq")) else dd.read_csv(data)


def _features(args: argparse.Namespace) -> list[str] | None:
    return [c.strip() for c in args.features.split(",") if c.strip()] if args.features else None


def _statistics(args: argparse.Namespace, client: Any) -> Any:
    import bayesreg as br

    if client is not None:
        print(f"statistics pass on the Dask cluster at {args.scheduler} (one task per file)", file=sys.stderr)
        return br.SufficientStats.from_files(args.data, args.target, weights=args.weights, features=_features(args),
                                             batch_rows=args.batch_rows, dask=True)
    bar = ChunkBar(args.quiet)
    try:
        return br.SufficientStats.from_files(args.data, args.target, weights=args.weights, features=_features(args),
                                             batch_rows=args.batch_rows, progress=bar)
    finally:
        bar.close()


def run_stream(args: argparse.Namespace, convention: str, likelihood: str) -> int:
    """The streaming ``fit`` (module docstring)."""
    import bayesreg as br

    if args.target is None:
        raise UserError("--target COLUMN is required with --data files.")
    out = sys.stderr if args.json else sys.stdout
    params = penalty_params(args)
    client = _client(args.scheduler)
    try:
        if args.prior is not None:  # a global-local prior, NUTS from the statistics
            if likelihood != "gaussian":
                raise UserError(f"--prior {args.prior} on streamed data needs the Gaussian likelihood (NUTS from the "
                                "sufficient statistics); NUTS on a logistic model would need every row per "
                                "leapfrog step: load data that fit in memory without streaming.")
            stats = _statistics(args, client)
            prior = shrinkage_prior_for(args, stats.n, stats.n_features, None)
            est = _shrinkage_estimator(args, prior)
            est.fit_stats(stats)
            n_rows = stats.n
        elif likelihood == "gaussian":
            stats = _statistics(args, client)
            scale = args.noise_sigma or 1.0
            if args.noise_sigma is None and args.method == "nuts":
                scale = br.estimate_noise_sigma(stats, None, convention, **params)
                print(f"noise_sigma not given: plug-in {scale:.4g} (residual sd of the penalised fit, from the "
                      "statistics)", file=out)
            glmnet = convention == "glmnet"
            prior = br.penalty_to_prior(convention, n=None if glmnet else stats.weight_sum, noise_sigma=scale,
                                        stats=stats if glmnet else None, **params)
            est = _estimator(args, prior, likelihood, None if args.sample_noise else scale)
            est.fit_stats(stats)
            n_rows = stats.n
        else:
            frame = _dask_frame(args.data)
            rows = br.DaskRows.from_dask(frame, args.target, weights=args.weights, features=_features(args))
            n_rows = rows.n_samples
            prior = br.penalty_to_prior(convention, n=rows.weight_sum, **params) if convention != "glmnet" else \
                br.penalty_to_prior(convention, stats=rows.stats(), **params)
            est = _estimator(args, prior, likelihood, None)
            est.fit_dask(rows)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from None
    finally:
        if client is not None:
            client.close()
    _report(args, est, prior, likelihood, n_rows, out)
    return 0


def _shrinkage_estimator(args: argparse.Namespace, prior: Any) -> Any:
    """The estimator of ``bayesreg fit --prior ...`` (:mod:`bayesreg.cli.fit_command`) for the statistics."""
    import bayesreg as br

    settings = dict(prior=prior, noise_sigma=args.noise_sigma, method="nuts", draws=args.draws, tune=args.tune,
                    chains=args.chains, random_seed=args.seed, progressbar=not args.quiet,
                    noise_prior=noise_prior(args.noise_prior), parameterization=args.parameterization,
                    standardize=bool(args.standardize))
    if args.target_accept is not None:
        settings["target_accept"] = args.target_accept
    return br.BayesianRegression(**settings)


def _estimator(args: argparse.Namespace, prior: Any, likelihood: str, noise: Any) -> Any:
    import bayesreg as br

    return br.BayesianRegression(prior=prior, likelihood=likelihood, noise_sigma=noise, method=args.method,
                                 draws=args.draws, tune=args.tune, chains=args.chains, random_seed=args.seed,
                                 progressbar=not args.quiet)


def _report(args: argparse.Namespace, est: Any, prior: Any, likelihood: str, n_rows: int, out: Any) -> None:
    from bayesreg.verify import describe_prior

    names = list(est.feature_names_in_) + ["intercept"]
    if not args.json:
        described = describe_prior(prior) if args.prior is None else repr(prior)
        print(f"{likelihood} likelihood, {n_rows:,} rows, prior {described}, method={args.method}")
    if args.method == "nuts":
        summary = est.summary(hdi_prob=args.hdi_prob)
        print(summary.to_json() if args.json else summary.to_string())
    elif args.method == "laplace" and est.laplace_.reliable:
        summary = est.laplace_.summary(prob=args.hdi_prob)
        if args.json:
            print(json.dumps({"summary": json.loads(summary.to_json()), "pareto_k": est.pareto_k_, "rows": n_rows}))
        else:
            print(summary.to_string())
            print(f"Pareto k-hat {est.pareto_k_:.3f} <= {est.laplace_.k_max:.2f}: the PSIS-corrected Laplace "
                  f"approximation is usable (importance ESS {est.laplace_.ess:.0f})")
    else:
        values = list(est.coef_) + [est.intercept_]
        if args.json:
            payload = {"feature": names, "MAP": values, "certificate": str(est.certificate_), "rows": n_rows}
            if args.method == "laplace":
                payload["pareto_k"] = est.pareto_k_
            print(json.dumps(payload))
        else:
            for f, v in zip(names, values, strict=True):
                print(f"  {f:<14} {v:>12.6g}")
            print(f"certificate: {est.certificate_}")
            if args.method == "laplace":
                print(est.laplace_.problem())
    if args.output:
        if not hasattr(est, "idata_"):
            raise UserError("--output: there is no posterior to write (see the Pareto k-hat above).")
        br_save(est.idata_, args.output)
        print(f"wrote {args.output}", file=out)


def br_save(idata: Any, path: str) -> None:
    import bayesreg as br

    br.save_idata(idata, path)
