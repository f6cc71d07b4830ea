"""What the commands share: penalty flags, data loading, formatting, and the user-error type."""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Any

import numpy as np

__all__ = ["UserError", "PENALTY_FLAGS", "add_penalty_flags", "penalty_params", "load_data", "progress",
           "fmt_params", "json_default", "split_weights", "add_common", "add_encoding", "check_flag",
           "check_noise_sigma", "check_output", "resolve_convention"]


def float_list(text: str) -> list[float]:
    """``"0,1,1"`` -> ``[0.0, 1.0, 1.0]`` (glmnet's penalty.factor)."""
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


PENALTY_FLAGS = [  # (flag, python keyword, type)
    ("--alpha", "alpha", float), ("--l1-ratio", "l1_ratio", float), ("--C", "C", float),
    ("--lambda", "lambda_", float), ("--lam", "lam", float), ("--penalty", "penalty", str),
    ("--wd", "wd", float), ("--L1-wt", "L1_wt", float), ("--family", "family", str),
    ("--model", "model", str), ("--loss", "loss", str), ("--penalty-factor", "penalty_factor", float_list),
    # training rules (torch.*, keras.*, decoupled_weight_decay) and dropout
    ("--keep-prob", "keep_prob", float), ("--rate", "rate", float), ("--scaling", "scaling", str),
    ("--momentum", "momentum", float), ("--dampening", "dampening", float), ("--lr", "lr", float),
    ("--l1", "l1", float), ("--l2", "l2", float),
    ("--quantile", "quantile", float),  # sklearn.QuantileRegressor
]
BOOL_FLAGS = [  # (flag, python keyword, help)
    ("--standardize", "standardize", "glmnet's standardize (default: True)"),
    ("--nesterov", "nesterov", "Nesterov momentum (torch.SGD, keras.SGD)"),
    ("--lr-scaled", "lr_scaled", "decoupled_weight_decay: decay lr·wd·w (default) or wd·w (--no-lr-scaled)"),
]


class UserError(Exception):
    """A problem with the user's input: printed without a traceback, exit code 2."""


def add_penalty_flags(p: argparse.ArgumentParser) -> None:
    # "--wd -1e-4" is a (negative) value, not an option: Python 3.13's rule, which also accepts exponents,
    # so that the parameter's own check can say what is wrong with it
    p._negative_number_matcher = re.compile(r"^-\.?\d")
    g = p.add_argument_group("penalty parameters (named after the Python keywords)")
    for flag, dest, typ in PENALTY_FLAGS:
        g.add_argument(flag, dest=dest, type=typ, default=None)
    for flag, dest, text in BOOL_FLAGS:
        g.add_argument(flag, dest=dest, action=argparse.BooleanOptionalAction, default=None, help=text)


def penalty_params(args: argparse.Namespace) -> dict[str, Any]:
    keys = [dest for _, dest, _ in PENALTY_FLAGS] + [dest for _, dest, _ in BOOL_FLAGS]
    return {k: getattr(args, k) for k in keys if getattr(args, k, None) is not None}


def load_data(data: str, target: str | None, encoding: str = "utf-8"):
    """A bundled data set by name, or a CSV file; problems become one-line :class:`UserError`s.

    Warnings of the CSV reader (a dropped index column) are printed as one line each on stderr.
    """
    import warnings

    from bayesreg.datasets import list_datasets, load_csv, load_dataset

    if data in list_datasets():
        return load_dataset(data)
    if not os.path.exists(data):
        raise UserError(f"--data {data!r} is neither a bundled data set ({', '.join(list_datasets())}) "
                        "nor an existing CSV file.")
    if target is None:
        raise UserError("--target COLUMN is required with a CSV file.")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ds = load_csv(data, target, encoding=encoding)
        except (ValueError, OSError) as exc:
            raise UserError(str(exc)) from None
    for w in caught:
        print(f"bayesreg: warning: {w.message}", file=sys.stderr)
    return ds


def check_flag(flag: str, value: Any, ok: bool, expected: str) -> None:
    """Raise a one-line :class:`UserError` naming ``flag`` unless ``ok``."""
    if not ok:
        raise UserError(f"{flag} must be {expected}; got {value!r}.")


def check_noise_sigma(value: float | None) -> None:
    """``--noise-sigma``: absent, or a finite number > 0 (0 is an error, never "use the default")."""
    if value is not None:
        check_flag("--noise-sigma", value, bool(np.isfinite(value) and value > 0), "a finite number > 0")


def resolve_convention(convention: str | None, likelihood: str, used: str = "") -> str:
    """``--convention`` (default ``sklearn.LogisticRegression`` for the logistic likelihood, else
    ``sklearn.Lasso``), checked to exist and to be defined for ``likelihood``; ``used`` adds to the
    error's "the ... likelihood is used" (e.g. the data task)."""
    from bayesreg.conventions import get_convention

    convention = convention or ("sklearn.LogisticRegression" if likelihood == "logistic" else "sklearn.Lasso")
    try:
        allowed = get_convention(convention).likelihoods
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if likelihood not in allowed:
        raise UserError(f"convention {convention!r} is defined for the {'/'.join(allowed)} likelihood, "
                        f"but the {likelihood} likelihood is used{used}; pick another --convention or "
                        "--likelihood.")
    return convention


def check_output(path: str | None) -> None:
    """``--output``: a file that can be written (folder exists and is writable; not a directory)."""
    if path is None:
        return
    import bayesreg as br

    try:
        br.check_output_path(path, "--output")
    except (OSError, ValueError, TypeError) as exc:
        raise UserError(str(exc)) from None


def progress(i: int, total: int, label: str, quiet: bool) -> None:
    if not quiet and sys.stderr.isatty() or (not quiet and os.environ.get("BAYESREG_PROGRESS")):
        sys.stderr.write(f"\r[{i}/{total}] {label:<60}")
        sys.stderr.flush()


def fmt_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, np.ndarray) and v.ndim == 1 and v.size > 3:  # observation weights
        return f"<{v.size} values>"
    return str(v)


def fmt_params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={fmt_value(v)}" for k, v in params.items())


def json_default(v: Any) -> Any:
    return v.tolist() if isinstance(v, np.ndarray) else str(v)


def split_weights(ds: Any, column: str | None) -> tuple[Any, Any]:
    """Take the observation-weights column out of the features: ``(dataset, weights or None)``."""
    if column is None:
        return ds, None
    if column not in ds.X.columns:
        raise UserError(f"--weights column {column!r} not found; feature columns: {list(map(str, ds.X.columns))}.")
    from dataclasses import replace

    return replace(ds, X=ds.X.drop(columns=column)), ds.X[column].to_numpy(dtype=float)


def add_encoding(p: argparse.ArgumentParser) -> None:
    p.add_argument("--encoding", default="utf-8", help="text encoding of a CSV --data file (default utf-8), "
                   "e.g. latin-1")


def add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.add_argument("--json", action="store_true", help="machine-readable output")
