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
            print(f"  {'feature':<14} {'MAP':>14} {'penalised opt':>14}")
            for name, ours, ref in _detail_rows(r):
                print(f"  {name:<14} {ours:>14.6g} {ref:>14.6g}" if ref is not None else f"  {name}")


def _detail_rows(r: Any, shown: int = 10) -> list[tuple[str, float, float | None]]:
    """``(label, MAP, reference)`` per shown coefficient, then the intercepts; a multinomial's (K, p)
    weights are labelled ``feature[class]`` (its first ``shown`` features, every class)."""
    import numpy as np

    coef, ref = np.atleast_2d(r.map_coef), np.atleast_2d(r.reference_coef)
    icpt, ref_icpt = np.atleast_1d(r.map_intercept), np.atleast_1d(r.reference_intercept)
    k, p = coef.shape
    names = list(r.feature_names) or [f"x{j}" for j in range(p)]
    tag = (lambda c: f"[{c}]") if k > 1 else (lambda c: "")
    out: list[tuple[str, float, float | None]] = []
    for j in range(min(shown, p)):
        out += [(f"{names[j]}{tag(c)}", float(coef[c, j]), float(ref[c, j])) for c in range(k)]
    if p > shown:
        out.append((f"... {p - shown} more features", 0.0, None))
    out += [(f"intercept{tag(c)}", float(icpt[c]), float(ref_icpt[c])) for c in range(icpt.size)]
    return out


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
