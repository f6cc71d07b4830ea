"""``bayesreg fit``: MAP or NUTS on a bundled data set or a CSV file; ``--output`` writes NetCDF.

The prior is the penalty's (``--convention``, ``--alpha``, ...) or a global–local shrinkage prior
(``--prior horseshoe|horseshoe_plus|regularized_horseshoe|r2d2``, NUTS; :mod:`.shrinkage_options`).
Files beyond memory (a glob, Parquet, ``--stream``, ``--scheduler``) go to :mod:`bayesreg.cli.stream_fit`.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np

from bayesreg.cli.formula_data import formula_dataset
from bayesreg.cli.options import (
    UserError,
    add_common,
    add_encoding,
    add_penalty_flags,
    check_flag,
    check_noise_sigma,
    check_output,
    load_data,
    penalty_params,
    resolve_convention,
    split_weights,
)
from bayesreg.cli.shrinkage_options import add_shrinkage_flags, check_shrinkage_args, noise_prior, shrinkage_prior
from bayesreg.cli.stream_fit import run_stream, wants_streaming

__all__ = ["register", "run", "write_netcdf_atomic"]


def check_args(args: argparse.Namespace) -> None:
    """Every flag that can be checked without the data, before any fitting or sampling."""
    check_noise_sigma(args.noise_sigma)
    check_flag("--hdi-prob", args.hdi_prob, 0 < args.hdi_prob < 1, "in (0, 1) (the probability mass of the HDI)")
    check_flag("--draws", args.draws, args.draws >= 1, "an integer >= 1")
    check_flag("--tune", args.tune, args.tune >= 0, "an integer >= 0")
    check_flag("--chains", args.chains, args.chains >= 1, "an integer >= 1")
    check_flag("--seed", args.seed, args.seed is None or args.seed >= 0, "an integer >= 0")
    if args.output and args.method == "map":
        raise UserError("--output writes posterior draws: use it with --method nuts or laplace.")
    if args.posterior_predictive and not args.output:
        raise UserError("--posterior-predictive adds draws to the --output file: give --output FILE.nc.")
    check_output(args.output)


def run(args: argparse.Namespace) -> int:
    import bayesreg as br
    from bayesreg.verify import describe_prior

    args.method = args.method or ("nuts" if args.prior else "map")
    check_args(args)
    check_shrinkage_args(args, penalty_params(args))
    if args.formula is not None and args.target is not None:
        raise UserError("--formula and --target are exclusive: the formula's left-hand side is the target.")
    if wants_streaming(args):  # globs, Parquet, --stream, --scheduler: never all rows in memory
        if args.formula is not None:
            raise UserError("--formula reads the data in memory; streamed data (--data globs, Parquet, --stream, "
                            "--scheduler) take --target (and --features).")
        return _run_stream(args)
    if args.formula is not None:
        frame, ds, weights = formula_dataset(args.formula, args.data, args.weights)
    else:
        ds, weights = split_weights(load_data(args.data, args.target, args.encoding), args.weights)
    likelihood = args.likelihood or {"classification": "logistic", "count": "poisson",
                                      "multiclass": "multinomial"}.get(ds.task, "gaussian")
    if args.prior is not None:
        return _run_shrinkage(args, ds, weights, likelihood, frame if args.formula is not None else None)
    from bayesreg.conventions import get_convention

    convention = resolve_convention(args.convention, likelihood, f" (data task: {ds.task})")
    params = penalty_params(args)
    try:
        scale = 1.0 if args.noise_sigma is None else args.noise_sigma  # noise scale of the penalty -> prior mapping
        if args.noise_sigma is None and likelihood == "gaussian" and args.method == "nuts":
            # a plug-in: the MAP does not change
            scale = br.estimate_noise_sigma(ds.X, ds.y, convention, sample_weight=weights, **params)
            print(f"noise_sigma not given: plug-in {scale:.4g} (residual sd of the penalised fit; "
                  "br.estimate_noise_sigma)", file=sys.stderr if args.json else sys.stdout)
        noise = None if args.sample_noise else scale
        reads_data = get_convention(convention).needs_data  # glmnet, dropout: the mapping reads X and y
        if weights is not None and reads_data:
            params["weights"] = weights  # they also weight glmnet's standardisation, dropout's s_j
        n = len(ds.y) if weights is None or reads_data else float(np.sum(weights))  # as verify_map
        prior = br.penalty_to_prior(convention, n=None if reads_data else n, noise_sigma=scale,
                                    X=ds.X if reads_data else None, y=ds.y if reads_data else None, **params)
        settings = dict(prior=prior, likelihood=likelihood, noise_sigma=noise, method=args.method,
                        draws=args.draws, tune=args.tune, chains=args.chains, random_seed=args.seed,
                        progressbar=not args.quiet, noise_prior=noise_prior(args.noise_prior))
        if args.target_accept is not None:
            settings["target_accept"] = args.target_accept
        est = _fit(args, settings, ds, weights, frame if args.formula is not None else None)
    except (ValueError, TypeError) as exc:
        raise UserError(str(exc)) from None
    if not args.json:
        print(f"{likelihood} likelihood, prior {describe_prior(prior)}, method={args.method}")
    return _report(args, est)


def _fit(args: argparse.Namespace, settings: dict[str, Any], ds: Any, weights: Any, frame: Any) -> Any:
    import bayesreg as br

    if frame is not None:  # the formula's intercept and encoding, on the CSV's columns
        est = br.BayesianRegression.from_formula(args.formula, data=frame, **settings)
        return est.fit(sample_weight=weights)
    return br.BayesianRegression(**settings).fit(ds.X, ds.y, sample_weight=weights)


def _run_shrinkage(args: argparse.Namespace, ds: Any, weights: Any, likelihood: str, frame: Any) -> int:
    """``--prior``: a global-local prior fitted by NUTS (no penalty, no convention)."""
    prior = shrinkage_prior(args, ds.X, ds.y, likelihood)
    settings = dict(prior=prior, likelihood=likelihood, noise_sigma=args.noise_sigma, method="nuts",
                    draws=args.draws, tune=args.tune, chains=args.chains, random_seed=args.seed,
                    progressbar=not args.quiet, noise_prior=noise_prior(args.noise_prior),
                    parameterization=args.parameterization, standardize=bool(args.standardize))
    if args.target_accept is not None:
        settings["target_accept"] = args.target_accept
    try:
        est = _fit(args, settings, ds, weights, frame)
    except (ValueError, TypeError) as exc:
        raise UserError(str(exc)) from None
    if not args.json:
        noise = ("" if likelihood != "gaussian" else f", noise_sigma={args.noise_sigma:g}" if args.noise_sigma
                 else f", sampled noise scale ({args.noise_prior or 'half_student_t'})")
        print(f"{likelihood} likelihood, prior {est.prior_!r}{noise}, method=nuts")
        print(f"effective number of non-zero coefficients m_eff = {est.effective_nonzeros():.2f} "
              f"(posterior mean; {est.n_features_in_} features)")
    return _report(args, est)


def _report(args: argparse.Namespace, est: Any) -> int:
    if est.method == "map" and np.ndim(est.coef_) == 2:  # multinomial: one column per class
        names = list(est.feature_names_in_) + (["intercept"] if est.fit_intercept else [])
        values = np.column_stack([est.coef_, est.intercept_]) if est.fit_intercept else est.coef_
        if args.json:
            print(json.dumps({"feature": names, "class": [str(c) for c in est.classes_],
                              "MAP": values.tolist(), "certificate": str(est.certificate_)}))
        else:
            print("  " + " " * 14 + "".join(f" {str(c)[:12]:>12}" for c in est.classes_))
            for j, f in enumerate(names):
                print(f"  {f[:14]:<14}" + "".join(f" {v:>12.6g}" for v in values[:, j]))
            print(f"certificate: {est.certificate_}")
    elif est.method == "map":
        intercept = ["intercept"] if est.fit_intercept else []
        table = {"feature": list(est.feature_names_in_) + intercept,
                 "MAP": list(est.coef_) + [est.intercept_] * len(intercept)}
        if args.json:
            print(json.dumps({**table, "certificate": str(est.certificate_)}))
        else:
            for f, v in zip(table["feature"], table["MAP"], strict=True):
                print(f"  {f:<14} {v:>12.6g}")
            print(f"certificate: {est.certificate_}")
    elif args.method == "nuts":
        summary = est.summary(hdi_prob=args.hdi_prob)
        print(summary.to_json() if args.json else summary.to_string())
    else:  # method laplace: weighted summary, or refused as a posterior (Pareto k-hat)
        reliable = est.laplace_.reliable
        table = est.laplace_.summary(prob=args.hdi_prob) if reliable else None
        if args.json:
            print(json.dumps({"pareto_k": est.pareto_k_, "problem": est.laplace_.problem(),
                              "summary": json.loads(table.to_json()) if reliable else None}))
        else:
            print(table.to_string() if reliable else est.laplace_.problem())
            print(f"Pareto k-hat {est.pareto_k_:.3f}")
    if args.output:
        if args.posterior_predictive:
            est.sample_posterior_predictive()
        write_netcdf_atomic(est.idata_, args.output)
        print(f"wrote {args.output}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _run_stream(args: argparse.Namespace) -> int:
    """Convention and likelihood defaults for file data, then :func:`bayesreg.cli.stream_fit.run_stream`."""
    likelihood = args.likelihood or "gaussian"
    convention = resolve_convention(args.convention, likelihood)
    if args.output and args.method == "map":
        raise UserError("--output writes posterior draws: use it with --method nuts or laplace.")
    return run_stream(args, convention, likelihood)


def write_netcdf_atomic(idata: Any, path: str) -> None:
    """Write InferenceData to ``path`` atomically (see :func:`bayesreg.save_idata`)."""
    import bayesreg as br

    br.save_idata(idata, path)


def register(sub: argparse._SubParsersAction) -> None:
    """Add this command's parser to the ``bayesreg`` subcommands."""
    f = sub.add_parser("fit", help="fit by MAP or NUTS and print coefficients")
    f.add_argument("--data", required=True,
                   help="a bundled data set, a CSV file, or files beyond memory: a glob such as "
                        "'shards/*.parquet' (quote it) or Parquet files, streamed in batches")
    f.add_argument("--target")
    f.add_argument("--stream", action="store_true",
                   help="stream --data in batches (sufficient statistics) even for a single CSV file")
    f.add_argument("--scheduler", default=None,
                   help="address of a Dask scheduler (tcp://host:port): compute on that cluster")
    f.add_argument("--batch-rows", type=int, default=None, help="rows per streamed batch (default ~32 MB)")
    f.add_argument("--features", default=None,
                   help="comma-separated feature columns of --data files (default: all but target and weights)")
    f.add_argument("--formula", help='e.g. "y ~ x1 + C(g)" (instead of --target; needs formulaic: '
                                     "pip install 'bayesreg[formula]')")
    f.add_argument("--weights", help="column of observation weights (sample_weight)")
    f.add_argument("--convention", default=None,
                   help="default: sklearn.Lasso (regression) or sklearn.LogisticRegression (0/1 target)")
    f.add_argument("--likelihood", choices=["gaussian", "logistic", "poisson", "negative_binomial", "student_t"])
    f.add_argument("--method", choices=["map", "nuts", "laplace"], default=None,
                   help="default: map, or nuts with --prior; laplace: Laplace approximation at the MAP "
                        "corrected by PSIS (GLMs; reports Pareto k-hat)")
    f.add_argument("--noise-sigma", type=float, default=None,
                   help="Gaussian noise scale (default: 1 for the MAP, where it cancels; for NUTS a "
                        "plug-in from the penalised fit's residuals)")
    f.add_argument("--sample-noise", action="store_true",
                   help="sample the noise scale (NUTS); the prior mapping uses the plug-in")
    f.add_argument("--draws", type=int, default=1000)
    f.add_argument("--tune", type=int, default=1000)
    f.add_argument("--chains", type=int, default=4)
    f.add_argument("--seed", type=int, default=None)
    f.add_argument("--hdi-prob", type=float, default=0.94)
    f.add_argument("--output", help="NetCDF file for the InferenceData (written atomically; checked before "
                   "sampling)")
    f.add_argument("--posterior-predictive", action="store_true",
                   help="also write the posterior_predictive group (one draw of y per posterior draw and row)")
    add_encoding(f)
    add_common(f)
    add_penalty_flags(f)
    add_shrinkage_flags(f)
    f.set_defaults(func=run)
