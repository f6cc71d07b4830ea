"""``bayesreg convert``: a penalty in one convention, its prior, and the same penalty in another."""

from __future__ import annotations

import argparse
import json

import numpy as np

from bayesreg.cli.options import (
    UserError,
    add_common,
    add_encoding,
    add_penalty_flags,
    check_noise_sigma,
    fmt_params,
    load_data,
    penalty_params,
    split_weights,
)

__all__ = ["register", "run"]


def run(args: argparse.Namespace) -> int:
    from bayesreg.conventions import get_convention, penalty_to_prior, prior_to_penalty
    from bayesreg.verify import describe_prior

    X = y = None
    params = penalty_params(args)
    check_noise_sigma(args.noise_sigma)
    noise_sigma = 1.0 if args.noise_sigma is None else args.noise_sigma
    if args.data:
        ds, weights = split_weights(load_data(args.data, args.target, args.encoding), args.weights)
        X, y = ds.X, ds.y
        if weights is not None:
            if "glmnet" not in (args.from_, args.to):
                raise UserError("--weights enters only the glmnet mapping (its weighted standardisation); "
                                "other conventions take the weights' sum as --n.")
            params["weights"] = weights
    elif args.weights:
        raise UserError("--weights COLUMN needs --data.")
    if args.from_ == "dropout" and X is None:
        raise UserError("dropout's prior is per-feature, w_j ~ N(0, σ²·p/((1−p)·s_j)) with s_j = Σ_i x_ij²: "
                        "it needs the data (--data NAME, or --data FILE.csv --target COLUMN).")
    note = None
    try:
        if args.from_ == "dropout" and params.get("family") == "binomial":  # a prior evaluated at a fit
            import bayesreg as br

            est = br.DropoutBayes(**{k: v for k, v in params.items() if k in ("keep_prob", "rate", "scaling")},
                                  family="binomial").fit(X, y)
            prior = est.prior_
            note = (f"approximate: Wager et al.'s quadratic approximation at the self-consistent fit "
                    f"({est.n_fixed_point_iter_} fixed-point iterations)")
        else:
            prior = penalty_to_prior(args.from_, n=args.n, noise_sigma=noise_sigma,
                                     X=X, y=y, **params)
        out = None
        if args.to:
            opts = {k: v for k, v in (("family", args.to_family), ("model", args.to_model),
                                      ("loss", args.to_loss)) if v}
            if args.to_standardize is not None:
                opts["standardize"] = args.to_standardize
            if args.to == "glmnet" and "weights" in params:
                opts["weights"] = params["weights"]
            if args.to_quantile is not None or args.to == "sklearn.QuantileRegressor":
                if args.to != "sklearn.QuantileRegressor":
                    raise UserError("--to-quantile is for --to sklearn.QuantileRegressor.")
                # the quantile is the likelihood's: --to-quantile, else the source's, else the default 0.5
                q = args.to_quantile if args.to_quantile is not None else params.get(
                    "quantile", get_convention(args.to).defaults["quantile"])
                opts["quantile"] = q
            if args.from_ != "glmnet":
                params.pop("weights", None)
            out = prior_to_penalty(prior, args.to, n=args.n, noise_sigma=noise_sigma,
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
        conv = get_convention(args.from_)
        shown = {**params, **({"loss": conv.defaults["loss"]} if "loss" in conv.params and "loss" not in params
                              else {})}  # which loss the factor assumes matters: show the default
        print(f"{args.from_}({fmt_params(shown)})")
        print(f"  = prior {describe_prior(prior)}" + (f"   ({note})" if note else ""))
        if X is not None and getattr(prior, "kind", "") == "gaussian" and np.ndim(prior.sigma) == 1:
            variances = np.asarray(prior.sigma, float) ** 2      # per-feature scales: show them
            print("    per feature σ²: " + ", ".join(f"{name}={v:.4g}"
                                                 for name, v in zip(X.columns, variances, strict=True)))
        if out is not None:
            scale = out.pop("noise_sigma", None) if args.to == "sklearn.QuantileRegressor" else None
            print(f"  = {args.to}({fmt_params(out)})")
            if scale is not None:
                print(f"    (assumes the likelihood AsymmetricLaplace(quantile={out['quantile']:g}, scale={scale:g}); "
                      "--noise-sigma sets the scale, which alpha is proportional to)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add this command's parser to the ``bayesreg`` subcommands."""
    c = sub.add_parser("convert", help="penalty <-> prior between conventions")
    c.add_argument("--from", dest="from_", required=True, help="source convention")
    c.add_argument("--to", help="target convention")
    c.add_argument("--to-family", help="glmnet family of the target")
    c.add_argument("--to-model", help="statsmodels model of the target")
    c.add_argument("--to-loss", help="loss of a weight_decay / torch.* / keras.* target (mse or nll)")
    c.add_argument("--to-quantile", type=float, default=None,
                   help="quantile level of a sklearn.QuantileRegressor target (default: the source's, else 0.5)")
    c.add_argument("--to-standardize", action=argparse.BooleanOptionalAction, default=None,
                   help="glmnet standardize of the target")
    c.add_argument("--n", type=float, help="number of samples")
    c.add_argument("--noise-sigma", type=float, default=None)
    c.add_argument("--data", help="data set (needed by glmnet's standardisation and dropout's s_j)")
    c.add_argument("--target")
    c.add_argument("--weights", help="column of observation weights in --data (glmnet's weights)")
    add_encoding(c)
    add_common(c)
    add_penalty_flags(c)
    c.set_defaults(func=run)
