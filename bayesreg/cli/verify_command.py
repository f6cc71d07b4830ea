"""``bayesreg verify``: MAP of the mapped prior versus the penalised optimum, per convention."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from bayesreg.cli.options import (
    UserError,
    add_common,
    add_encoding,
    add_penalty_flags,
    check_noise_sigma,
    fmt_params,
    json_default,
    load_data,
    penalty_params,
    progress,
    split_weights,
)
from bayesreg.verify import ALL_CASES

__all__ = ["register", "run"]


def _print_report_table(rows: list[Any], details: bool) -> None:
    head = (f"{'convention':<27} {'data':<17} {'penalty':<34} {'mapped prior':<34} "
            f"{'max|diff|':>9} {'obj gap':>8} {'KKT MAP':>8} {'KKT ref':>8} {'zeros':>6} {'same0':>5} {'uniq':>4}  ok")
    print(head)
    print("-" * len(head))
    for data_name, r in rows:
        shown = {k: v for k, v in r.penalty_params.items() if k != "weights"}  # in the data column
        print(f"{r.convention:<27} {data_name:<17} {fmt_params(shown):<34.34} "
              f"{r.prior_scales():<34.34} {r.max_abs_diff:>9.1e} {r.objective_gap:>8.1e} "
              f"{r.kkt_residual:>8.1e} {r.reference_kkt_residual:>8.1e} {r.n_zeros:>6d} "
              f"{'yes' if r.same_zero_pattern else 'NO':>5} {'yes' if r.unique else 'no':>4}  "
              f"{'PASS' if r.passed else 'FAIL'}")
    if details:
        for data_name, r in rows:
            print(f"\n{r.convention} on {data_name} ({fmt_params(r.penalty_params)}): "
                  f"{r.prior_scales()}")
            print(f"  {'feature':<10} {'MAP':>14} {'penalised opt':>14}")
            shown = range(min(10, r.map_coef.size))
            for j in shown:
                print(f"  {r.feature_names[j]:<10} {r.map_coef[j]:>14.6g} {r.reference_coef[j]:>14.6g}")
            if r.map_coef.size > 10:
                print(f"  ... {r.map_coef.size - 10} more features")
            print(f"  {'intercept':<10} {r.map_intercept:>14.6g} {r.reference_intercept:>14.6g}")


def run(args: argparse.Namespace) -> int:
    from bayesreg.verify import verify_map

    check_noise_sigma(args.noise_sigma)
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
        cases = [(args.convention, args.data, penalty_params(args), opts)]
    rows = []
    for i, (conv, data_name, params, opts) in enumerate(cases, 1):
        progress(i, len(cases), f"{conv} on {data_name}", args.quiet)
        ds, weights = split_weights(load_data(data_name, args.target, args.encoding), args.weights)
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
        print(json.dumps([{"data": d, **r.to_dict()} for d, r in rows], indent=2, default=json_default))
    else:
        _print_report_table(rows, details=args.details)
        n_ok = sum(r.passed for _, r in rows)
        print(f"\n{n_ok}/{len(rows)} equivalent: MAP of the mapped prior = penalised optimum "
              f"(coefficients to rtol {rows[0][1].rtol:g}, identical zeros, certified KKT and error bound).")
        for data_name, r in rows:
            if not r.unique:
                print(f"{r.convention} on {data_name}: the optimum is not unique (uniq = no): MAP and reference "
                      f"differ by {r.max_rel_diff:.1e} (relative) with equal objectives (gap {r.objective_gap:.1e}) "
                      "and both certified optimal.")
    return 0 if all(r.passed for _, r in rows) else 1


def register(sub: argparse._SubParsersAction) -> None:
    """Add this command's parser to the ``bayesreg`` subcommands."""
    v = sub.add_parser("verify", help="MAP of the mapped prior vs the penalised optimum")
    v.add_argument("--all", action="store_true", help="every convention on the bundled data")
    v.add_argument("--convention")
    v.add_argument("--data", default="diabetes", help="bundled data set name or CSV path")
    v.add_argument("--target", help="target column of a CSV")
    v.add_argument("--likelihood", choices=["gaussian", "logistic", "poisson", "negative_binomial", "student_t",
                                                  "asymmetric_laplace"])
    v.add_argument("--noise-sigma", type=float, default=None)
    v.add_argument("--reference", choices=["bayesreg", "sklearn"], default="bayesreg")
    v.add_argument("--details", action="store_true", help="also print MAP and optimum per feature")
    v.add_argument("--weights", help="CSV column of observation weights (sample_weight; glmnet's weights)")
    add_encoding(v)
    add_common(v)
    add_penalty_flags(v)
    v.set_defaults(func=run)
