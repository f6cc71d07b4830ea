"""``bayesreg path``: the certified MAP along a grid of penalties (:func:`bayesreg.regularization_path`)."""

from __future__ import annotations

import argparse
import json
import os
import tempfile

import numpy as np

from bayesreg.cli.options import (
    UserError,
    add_common,
    add_encoding,
    add_penalty_flags,
    check_noise_sigma,
    check_output,
    float_list,
    fmt_params,
    json_default,
    load_data,
    penalty_params,
)

__all__ = ["register", "run"]


def _grid(args: argparse.Namespace) -> np.ndarray:
    if (args.values is None) == (args.geomspace is None):
        raise UserError("give the grid as either --values V1,V2,... or --geomspace START STOP NUM.")
    if args.values is not None:
        return np.asarray(args.values, dtype=float)
    start, stop, num = args.geomspace
    if not (num == int(num) and num >= 1):
        raise UserError(f"--geomspace NUM must be a whole number >= 1; got {num!r}.")
    if not (np.isfinite(start) and np.isfinite(stop) and start > 0 and stop > 0):
        raise UserError(f"--geomspace START and STOP must be finite numbers > 0; got {start!r}, {stop!r}.")
    return np.geomspace(start, stop, int(num))


def _write_csv(path: str, table: dict[str, np.ndarray]) -> None:
    """Write atomically: a temporary file in the same folder, then ``os.replace``."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".bayesreg-path-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(",".join(table) + "\n")
            for row in zip(*table.values(), strict=True):
                fh.write(",".join(repr(float(v)) for v in row) + "\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _scale(a: np.ndarray) -> str:
    return f"{a[0]:12.4g}" if np.all(a == a[0]) else f"{'per-feature':>12}"


def run(args: argparse.Namespace) -> int:
    import bayesreg as br
    from bayesreg.conventions import get_convention

    check_noise_sigma(args.noise_sigma)
    check_output(args.output)
    try:
        conv = get_convention(args.convention)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    param = args.param or conv.params[0]
    if param not in conv.params:
        raise UserError(f"--param {param!r} is not a parameter of {args.convention}; its parameters: "
                        f"{', '.join(conv.params)}.")
    params = penalty_params(args)
    if param in params:
        raise UserError(f"--{param.rstrip('_').replace('_', '-')} is the grid here: give its values with "
                        "--values or --geomspace.")
    grid = _grid(args)
    ds = load_data(args.data, args.target, args.encoding)
    try:
        path = br.regularization_path(ds.X, ds.y, args.convention,
                                      noise_sigma=1.0 if args.noise_sigma is None else args.noise_sigma,
                                      fit_intercept=not args.no_intercept, **params, **{param: grid})
    except (ValueError, TypeError) as exc:
        raise UserError(str(exc)) from None
    names = [str(n) for n in path.feature_names]
    if args.output:
        table = {param: path.grid, "intercept": path.intercept_,
                 **{name: path.coef_[:, j] for j, name in enumerate(names)}}
        _write_csv(args.output, table)
    if args.json:
        print(json.dumps({"convention": args.convention, "param": param, "params": params,
                          "grid": path.grid, "intercept": path.intercept_, "coef": path.coef_,
                          "feature_names": names, "prior_b": path.prior_b, "prior_tau": path.prior_tau,
                          "relative_kkt_residual": [c.relative_residual for c in path.certificates],
                          "relative_error_bound": [c.relative_error_bound for c in path.certificates],
                          "certified": [c.passed for c in path.certificates]}, default=json_default))
        return 0
    print(f"{args.convention}({fmt_params(params)}) path over {param}: {len(path)} values, "
          f"{'all certified' if path.passed else 'NOT all certified'}")
    print(f"{param:>12} {'b (Laplace)':>12} {'tau (Gauss)':>12} {'nonzero':>8} {'KKT rel':>9} {'bound rel':>9}")
    for k in range(len(path)):
        c = path.certificates[k]
        b, tau = path.prior_b[k], path.prior_tau[k]
        bound = "-" if c.relative_error_bound is None else f"{c.relative_error_bound:.1e}"
        print(f"{path.grid[k]:12.4g} {_scale(b)} {_scale(tau)} {int(np.count_nonzero(path.coef_[k])):8d} "
              f"{c.relative_residual:9.1e} {bound:>9}")
    if args.output:
        print(f"coefficients written to {args.output}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add this command's parser to the ``bayesreg`` subcommands."""
    c = sub.add_parser("path", help="certified MAP along a grid of penalties (regularization path)")
    c.add_argument("--data", required=True, help="bundled data set name or CSV file")
    c.add_argument("--target", help="target column of a CSV file")
    c.add_argument("--convention", required=True, help="penalty convention of the squared error")
    c.add_argument("--param", help="the grid's parameter (default: the convention's first, e.g. alpha)")
    c.add_argument("--values", type=float_list, help="grid values, comma-separated")
    c.add_argument("--geomspace", type=float, nargs=3, metavar=("START", "STOP", "NUM"),
                   help="a log-spaced grid of NUM values from START to STOP")
    c.add_argument("--noise-sigma", type=float, default=None, help="noise scale of the priors (default 1)")
    c.add_argument("--no-intercept", action="store_true")
    c.add_argument("--output", help="CSV file of the path (grid, intercept, coefficients), written atomically")
    add_encoding(c)
    add_common(c)
    add_penalty_flags(c)
    c.set_defaults(func=run)
