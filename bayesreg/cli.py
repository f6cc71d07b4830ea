"""Command-line interface: a thin shell over the library.

``bayesreg verify``   MAP ≡ penalised optimum, per convention (``--all``: every convention on
                      the bundled data; exit code 1 when any case is not equivalent)
``bayesreg convert``  penalty ↔ prior between conventions
``bayesreg fit``      MAP or NUTS on a CSV or bundled data set; ``--output`` writes NetCDF
``bayesreg datasets`` the bundled data sets
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import numpy as np

from bayesreg._verify_cases import ALL_CASES  # the main job's cases (re-exported)

__all__ = ["main", "ALL_CASES"]

def _float_list(text: str) -> list[float]:
    """``"0,1,1"`` -> ``[0.0, 1.0, 1.0]`` (glmnet's penalty.factor)."""
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


PENALTY_FLAGS = [  # (flag, python keyword, type)
    ("--alpha", "alpha", float), ("--l1-ratio", "l1_ratio", float), ("--C", "C", float),
    ("--lambda", "lambda_", float), ("--lam", "lam", float), ("--penalty", "penalty", str),
    ("--wd", "wd", float), ("--L1-wt", "L1_wt", float), ("--family", "family", str),
    ("--model", "model", str), ("--loss", "loss", str), ("--penalty-factor", "penalty_factor", _float_list),
]


class UserError(Exception):
    """A problem with the user's input: printed without a traceback, exit code 2."""


def _add_penalty_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("penalty parameters (named after the Python keywords)")
    for flag, dest, typ in PENALTY_FLAGS:
        g.add_argument(flag, dest=dest, type=typ, default=None)
    g.add_argument("--standardize", dest="standardize", action=argparse.BooleanOptionalAction,
                   default=None, help="glmnet's standardize (default: True)")


def _penalty_params(args: argparse.Namespace) -> dict[str, Any]:
    keys = [dest for _, dest, _ in PENALTY_FLAGS] + ["standardize"]
    return {k: getattr(args, k) for k in keys if getattr(args, k, None) is not None}


def _load(data: str, target: str | None):
    from bayesreg.datasets import list_datasets, load_csv, load_dataset

    if data in list_datasets():
        return load_dataset(data)
    if not os.path.exists(data):
        raise UserError(f"--data {data!r} is neither a bundled data set ({', '.join(list_datasets())}) "
                        "nor an existing CSV file.")
    if target is None:
        raise UserError("--target COLUMN is required with a CSV file.")
    try:
        return load_csv(data, target)
    except (ValueError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from None


def _progress(i: int, total: int, label: str, quiet: bool) -> None:
    if not quiet and sys.stderr.isatty() or (not quiet and os.environ.get("BAYESREG_PROGRESS")):
        sys.stderr.write(f"\r[{i}/{total}] {label:<60}")
        sys.stderr.flush()


def _fmt_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, np.ndarray) and v.ndim == 1 and v.size > 3:  # observation weights
        return f"<{v.size} values>"
    return str(v)


def _fmt_params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_fmt_value(v)}" for k, v in params.items())


def _json_default(v: Any) -> Any:
    return v.tolist() if isinstance(v, np.ndarray) else str(v)


def _print_report_table(rows: list[Any], details: bool) -> None:
    head = (f"{'convention':<27} {'data':<17} {'penalty':<34} {'mapped prior':<34} "
            f"{'max|diff|':>9} {'obj gap':>8} {'KKT MAP':>8} {'KKT ref':>8} {'zeros':>6} {'same0':>5}  ok")
    print(head)
    print("-" * len(head))
    for data_name, r in rows:
        shown = {k: v for k, v in r.penalty_params.items() if k != "weights"}  # in the data column
        print(f"{r.convention:<27} {data_name:<17} {_fmt_params(shown):<34.34} "
              f"{r.prior_scales():<34.34} {r.max_abs_diff:>9.1e} {r.objective_gap:>8.1e} "
              f"{r.kkt_residual:>8.1e} {r.reference_kkt_residual:>8.1e} {r.n_zeros:>6d} "
              f"{'yes' if r.same_zero_pattern else 'NO':>5}  {'PASS' if r.passed else 'FAIL'}")
    if details:
        for data_name, r in rows:
            print(f"\n{r.convention} on {data_name} ({_fmt_params(r.penalty_params)}): "
                  f"{r.prior_scales()}")
            print(f"  {'feature':<10} {'MAP':>14} {'penalised opt':>14}")
            shown = range(min(10, r.map_coef.size))
            for j in shown:
                print(f"  {r.feature_names[j]:<10} {r.map_coef[j]:>14.6g} {r.reference_coef[j]:>14.6g}")
            if r.map_coef.size > 10:
                print(f"  ... {r.map_coef.size - 10} more features")
            print(f"  {'intercept':<10} {r.map_intercept:>14.6g} {r.reference_intercept:>14.6g}")


def _split_weights(ds: Any, column: str | None) -> tuple[Any, Any]:
    """Take the observation-weights column out of the features: ``(dataset, weights or None)``."""
    if column is None:
        return ds, None
    if column not in ds.X.columns:
        raise UserError(f"--weights column {column!r} not found; feature columns: {list(map(str, ds.X.columns))}.")
    from dataclasses import replace

    return replace(ds, X=ds.X.drop(columns=column)), ds.X[column].to_numpy(dtype=float)


def cmd_verify(args: argparse.Namespace) -> int:
    from bayesreg.verify import verify_map

    if args.all:
        if args.weights:
            raise UserError("--weights applies to one --convention on your data, not to --all.")
        cases = ALL_CASES
    else:
        if not args.convention:
            raise UserError("give --convention NAME with its penalty flags, or --all.")
        opts: dict[str, Any] = {}
        if args.likelihood:
            opts["likelihood"] = args.likelihood
        cases = [(args.convention, args.data, _penalty_params(args), opts)]
    rows = []
    for i, (conv, data_name, params, opts) in enumerate(cases, 1):
        _progress(i, len(cases), f"{conv} on {data_name}", args.quiet)
        ds, weights = _split_weights(_load(data_name, args.target), args.weights)
        opts = {"noise_sigma": args.noise_sigma, **opts} if args.noise_sigma is not None else opts
        try:
            report = verify_map(ds.X, ds.y, conv, reference=args.reference, sample_weight=weights,
                                **opts, **params)
        except (ValueError, TypeError) as exc:
            raise UserError(f"{conv}: {exc}") from None
        rows.append((data_name if weights is None else f"{data_name} (w)", report))
    if not args.quiet and (sys.stderr.isatty() or os.environ.get("BAYESREG_PROGRESS")):
        sys.stderr.write("\n")
    if args.json:
        print(json.dumps([{"data": d, **r.to_dict()} for d, r in rows], indent=2, default=_json_default))
    else:
        _print_report_table(rows, details=args.details)
        n_ok = sum(r.passed for _, r in rows)
        print(f"\n{n_ok}/{len(rows)} equivalent: MAP of the mapped prior = penalised optimum "
              f"(coefficients to rtol {rows[0][1].rtol:g}, identical zeros, certified KKT).")
    return 0 if all(r.passed for _, r in rows) else 1


def cmd_convert(args: argparse.Namespace) -> int:
    from bayesreg.conventions import penalty_to_prior, prior_to_penalty
    from bayesreg.verify import describe_prior

    X = y = None
    params = _penalty_params(args)
    if args.data:
        ds, weights = _split_weights(_load(args.data, args.target), args.weights)
        X, y = ds.X, ds.y
        if weights is not None:
            if "glmnet" not in (args.from_, args.to):
                raise UserError("--weights enters only the glmnet mapping (its weighted standardisation); "
                                "other conventions take the weights' sum as --n.")
            params["weights"] = weights
    elif args.weights:
        raise UserError("--weights COLUMN needs --data.")
    try:
        prior = penalty_to_prior(args.from_, n=args.n, noise_sigma=args.noise_sigma or 1.0,
                                 X=X, y=y, **params)
        out = None
        if args.to:
            opts = {k: v for k, v in (("family", args.to_family), ("model", args.to_model),
                                      ("loss", args.to_loss)) if v}
            if args.to_standardize is not None:
                opts["standardize"] = args.to_standardize
            if args.to == "glmnet" and "weights" in params:
                opts["weights"] = params["weights"]
            if args.from_ != "glmnet":
                params.pop("weights", None)
            out = prior_to_penalty(prior, args.to, n=args.n, noise_sigma=args.noise_sigma or 1.0,
                                   X=X, y=y, **opts)
    except (ValueError, TypeError) as exc:
        raise UserError(str(exc)) from None
    if "weights" in params:
        params["weights"] = f"column {args.weights!r}"
    if out is not None and "weights" in out:
        out["weights"] = f"column {args.weights!r}"
    if args.json:
        print(json.dumps({"from": args.from_, "params": params, "prior": repr(prior),
                          "to": args.to, "to_params": out}, default=float))
    else:
        print(f"{args.from_}({_fmt_params(params)})")
        print(f"  = prior {describe_prior(prior)}")
        if out is not None:
            print(f"  = {args.to}({_fmt_params(out)})")
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    import bayesreg as br
    from bayesreg.verify import describe_prior

    ds, weights = _split_weights(_load(args.data, args.target), args.weights)
    likelihood = args.likelihood or ("logistic" if ds.task == "classification" else "gaussian")
    from bayesreg.conventions import get_convention

    convention = args.convention or ("sklearn.LogisticRegression" if likelihood == "logistic"
                                     else "sklearn.Lasso")
    try:
        allowed = get_convention(convention).likelihoods
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if likelihood not in allowed:
        raise UserError(f"convention {convention!r} is defined for the {'/'.join(allowed)} likelihood, "
                        f"but the {likelihood} likelihood is used (data task: {ds.task}); pick "
                        "another --convention or --likelihood.")
    params = _penalty_params(args)
    if args.output and args.method != "nuts":
        raise UserError("--output writes posterior draws: use it with --method nuts.")
    try:
        scale = args.noise_sigma or 1.0  # noise scale of the penalty -> prior mapping
        if args.noise_sigma is None and likelihood == "gaussian" and args.method == "nuts":
            from bayesreg.noise import estimate_noise_sigma  # a plug-in: the MAP does not change

            scale = estimate_noise_sigma(ds.X, ds.y, convention, sample_weight=weights, **params)
            print(f"noise_sigma not given: plug-in {scale:.4g} (residual sd of the penalised fit; "
                  "bayesreg.noise)", file=sys.stderr if args.json else sys.stdout)
        noise = None if args.sample_noise else scale
        if weights is not None and convention == "glmnet":
            params["weights"] = weights  # they also weight glmnet's standardisation
        glmnet = convention == "glmnet"  # the only convention that reads X and y
        n = len(ds.y) if weights is None or glmnet else float(np.sum(weights))  # as verify_map
        prior = br.penalty_to_prior(convention, n=None if glmnet else n, noise_sigma=scale,
                                    X=ds.X if glmnet else None, y=ds.y if glmnet else None, **params)
        est = br.BayesianRegression(prior=prior, likelihood=likelihood, noise_sigma=noise,
                                    method=args.method, draws=args.draws, tune=args.tune,
                                    chains=args.chains, random_seed=args.seed,
                                    progressbar=not args.quiet)
        est.fit(ds.X, ds.y, sample_weight=weights)
    except (ValueError, TypeError) as exc:
        raise UserError(str(exc)) from None
    if not args.json:
        print(f"{likelihood} likelihood, prior {describe_prior(prior)}, method={args.method}")
    if args.method == "map":
        table = {"feature": list(ds.X.columns) + ["intercept"],
                 "MAP": list(est.coef_) + [est.intercept_]}
        if args.json:
            print(json.dumps({**table, "certificate": str(est.certificate_)}))
        else:
            for f, v in zip(table["feature"], table["MAP"], strict=True):
                print(f"  {f:<14} {v:>12.6g}")
            print(f"certificate: {est.certificate_}")
    else:
        summary = est.summary(hdi_prob=args.hdi_prob)
        print(summary.to_json() if args.json else summary.to_string())
    if args.output:
        write_netcdf_atomic(est.idata_, args.output)
        print(f"wrote {args.output}", file=sys.stderr if args.json else sys.stdout)
    return 0


def write_netcdf_atomic(idata: Any, path: str) -> None:
    """Write InferenceData to ``path`` atomically (see :func:`bayesreg.sampling.save_idata`)."""
    from bayesreg.sampling import save_idata

    save_idata(idata, path)


def cmd_datasets(args: argparse.Namespace) -> int:
    from bayesreg.datasets import list_datasets, load_dataset

    info = {}
    for name, desc in list_datasets().items():
        ds = load_dataset(name)
        info[name] = {"n": int(ds.X.shape[0]), "p": int(ds.X.shape[1]), "task": ds.task,
                      "description": desc}
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        for name, d in info.items():
            print(f"{name:<18} n={d['n']:<5} p={d['p']:<4} {d['task']:<15} {d['description']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bayesreg", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    v = sub.add_parser("verify", help="MAP of the mapped prior vs the penalised optimum")
    v.add_argument("--all", action="store_true", help="every convention on the bundled data")
    v.add_argument("--convention")
    v.add_argument("--data", default="diabetes", help="bundled data set name or CSV path")
    v.add_argument("--target", help="target column of a CSV")
    v.add_argument("--likelihood", choices=["gaussian", "logistic"])
    v.add_argument("--noise-sigma", type=float, default=None)
    v.add_argument("--reference", choices=["bayesreg", "sklearn"], default="bayesreg")
    v.add_argument("--details", action="store_true", help="also print MAP and optimum per feature")
    v.add_argument("--weights", help="CSV column of observation weights (sample_weight; glmnet's weights)")
    _add_common(v)
    _add_penalty_flags(v)
    v.set_defaults(func=cmd_verify)

    c = sub.add_parser("convert", help="penalty <-> prior between conventions")
    c.add_argument("--from", dest="from_", required=True, help="source convention")
    c.add_argument("--to", help="target convention")
    c.add_argument("--to-family", help="glmnet family of the target")
    c.add_argument("--to-model", help="statsmodels model of the target")
    c.add_argument("--to-loss", help="weight_decay loss of the target (nll or mse)")
    c.add_argument("--to-standardize", action=argparse.BooleanOptionalAction, default=None,
                   help="glmnet standardize of the target")
    c.add_argument("--n", type=float, help="number of samples")
    c.add_argument("--noise-sigma", type=float, default=None)
    c.add_argument("--data", help="data set (needed by glmnet's standardisation)")
    c.add_argument("--target")
    c.add_argument("--weights", help="column of observation weights in --data (glmnet's weights)")
    _add_common(c)
    _add_penalty_flags(c)
    c.set_defaults(func=cmd_convert)

    f = sub.add_parser("fit", help="fit by MAP or NUTS and print coefficients")
    f.add_argument("--data", required=True)
    f.add_argument("--target")
    f.add_argument("--weights", help="column of observation weights (sample_weight)")
    f.add_argument("--convention", default=None,
                   help="default: sklearn.Lasso (regression) or sklearn.LogisticRegression (0/1 target)")
    f.add_argument("--likelihood", choices=["gaussian", "logistic"])
    f.add_argument("--method", choices=["map", "nuts"], default="map")
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
    f.add_argument("--output", help="NetCDF file for the InferenceData (written atomically)")
    _add_common(f)
    _add_penalty_flags(f)
    f.set_defaults(func=cmd_fit)

    d = sub.add_parser("datasets", help="list the bundled data sets")
    _add_common(d)
    d.set_defaults(func=cmd_datasets)
    return parser


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bayesreg`` console script."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help exits 0, usage errors 2
        return int(exc.code or 0)
    np.set_printoptions(precision=6)
    try:
        return int(args.func(args))
    except UserError as exc:
        print(f"bayesreg {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
