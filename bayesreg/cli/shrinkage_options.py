"""``bayesreg fit --prior horseshoe|horseshoe_plus|regularized_horseshoe|r2d2``: the shrinkage-prior flags.

A global–local prior replaces the penalty (no ``--alpha``/``--convention``) and is fitted by NUTS.
``--p0 N`` sets the global scale from a guess of the number of non-zero coefficients
(``br.horseshoe_scale_global``: for the Gaussian likelihood with ``noise_sigma=1``, since these priors
already multiply by the noise scale; for the logistic likelihood with the pseudo noise scale
``1/sqrt(mu (1 - mu))``); ``--scale-global S`` sets it directly. The Gaussian noise scale is sampled
(``--noise-prior``, default HalfStudentT(4, sd(y))) unless ``--noise-sigma`` fixes it.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from bayesreg.cli.options import UserError, check_flag

__all__ = ["PRIORS", "NOISE_PRIORS", "add_shrinkage_flags", "check_shrinkage_args", "shrinkage_prior",
           "shrinkage_prior_for", "noise_prior"]

PRIORS = ("horseshoe", "horseshoe_plus", "regularized_horseshoe", "r2d2")
NOISE_PRIORS = ("half_student_t", "jeffreys", "half_normal", "half_cauchy", "exponential")
_HORSESHOE_FLAGS = ("df_local", "df_global", "scale_slab", "df_slab")
_R2D2_FLAGS = ("mean_r2", "prec_r2", "cons_d2")


def add_shrinkage_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("global-local shrinkage priors (NUTS; replace the penalty)")
    g.add_argument("--prior", choices=PRIORS, default=None,
                   help="horseshoe / horseshoe_plus (R bayesreg's hs / hs+), regularized_horseshoe (rstanarm's "
                        "hs()), r2d2 (brms's R2D2())")
    g.add_argument("--p0", type=float, default=None,
                   help="prior guess of the number of non-zero coefficients: scale_global = "
                        "p0/(p - p0)/sqrt(n) (Piironen & Vehtari)")
    g.add_argument("--scale-global", type=float, default=None, help="the global scale (default 1 for the "
                   "horseshoe and horseshoe+; the regularized horseshoe needs --p0 or --scale-global)")
    g.add_argument("--df-local", type=float, default=None)
    g.add_argument("--df-global", type=float, default=None)
    g.add_argument("--scale-slab", type=float, default=None, help="regularized horseshoe (default 2.5)")
    g.add_argument("--df-slab", type=float, default=None, help="regularized horseshoe (default 4)")
    g.add_argument("--mean-r2", type=float, default=None, help="R2D2 (default 0.5)")
    g.add_argument("--prec-r2", type=float, default=None, help="R2D2 (default 2)")
    g.add_argument("--cons-d2", type=float, default=None, help="R2D2 (default 0.5)")
    g.add_argument("--noise-prior", choices=NOISE_PRIORS, default=None,
                   help="prior of a sampled Gaussian noise scale (default half_student_t: HalfStudentT(4, sd(y)); "
                        "jeffreys is R bayesreg's)")
    g.add_argument("--parameterization", choices=("auto", "marginal", "noncentered"), default="auto")
    g.add_argument("--target-accept", type=float, default=None,
                   help="NUTS target acceptance (default 0.9; 0.99 for regularized_horseshoe with more "
                        "features than rows)")


def check_shrinkage_args(args: argparse.Namespace, penalty: dict[str, Any]) -> None:
    """Flags that can be checked without the data."""
    if args.target_accept is not None:
        check_flag("--target-accept", args.target_accept, 0 < args.target_accept < 1, "in (0, 1)")
    if args.prior is None:
        used = [f"--{k.replace('_', '-')}" for k in ("p0", "scale_global", *_HORSESHOE_FLAGS, *_R2D2_FLAGS)
                if getattr(args, k) is not None]
        if used:
            raise UserError(f"{', '.join(used)} set(s) a shrinkage prior: add --prior "
                            f"{{{','.join(PRIORS)}}}.")
        if args.parameterization != "auto":
            raise UserError("--parameterization marginal|noncentered applies to --prior; drop it.")
        return
    if args.method == "map":
        raise UserError(f"--prior {args.prior} has no finite posterior mode (the density is unbounded at 0): "
                        "use --method nuts (the default with --prior), or a penalty (--alpha ...) for a MAP.")
    extra = sorted(k for k in penalty if k != "standardize")
    if extra or args.convention is not None:
        flags = [f"--{k.replace('_', '-')}" for k in extra] + (["--convention"] if args.convention else [])
        raise UserError(f"--prior {args.prior} replaces the penalty: drop {', '.join(flags)}.")
    if args.sample_noise:
        raise UserError("--sample-noise is implied with --prior (the noise scale is sampled unless --noise-sigma "
                        "fixes it); drop it.")
    wrong = _R2D2_FLAGS if args.prior != "r2d2" else ("p0", "scale_global", *_HORSESHOE_FLAGS)
    if args.prior in ("horseshoe", "horseshoe_plus"):
        wrong = wrong + _HORSESHOE_FLAGS
    used = [f"--{k.replace('_', '-')}" for k in wrong if getattr(args, k) is not None]
    if used:
        raise UserError(f"{', '.join(used)} do(es) not apply to --prior {args.prior}.")
    if args.p0 is not None and args.scale_global is not None:
        raise UserError("give --p0 or --scale-global, not both.")
    if args.prior == "regularized_horseshoe" and args.p0 is None and args.scale_global is None:
        raise UserError("--prior regularized_horseshoe needs --p0 N (a guess of the number of non-zero "
                        "coefficients) or --scale-global S (rstanarm's hs() default is 0.01).")
    if args.p0 is not None:
        check_flag("--p0", args.p0, args.p0 > 0, "> 0 (a number of non-zero coefficients)")
    for key in ("scale_global", *_HORSESHOE_FLAGS, "prec_r2", "cons_d2"):
        value = getattr(args, key)
        if value is not None:
            check_flag(f"--{key.replace('_', '-')}", value, value > 0, "> 0")
    if args.mean_r2 is not None:
        check_flag("--mean-r2", args.mean_r2, 0 < args.mean_r2 < 1, "in (0, 1)")


def shrinkage_prior(args: argparse.Namespace, X: Any, y: Any, likelihood: str) -> Any:
    """The ``br`` prior object the flags describe (``args.prior`` set)."""
    n, p = np.shape(X)
    return shrinkage_prior_for(args, n, p, float(np.mean(y)) if likelihood == "logistic" else None)


def shrinkage_prior_for(args: argparse.Namespace, n: int, p: int, y_mean: float | None) -> Any:
    """:func:`shrinkage_prior` from the sizes alone (``n`` rows, ``p`` features; ``y_mean`` the mean of the
    0/1 target for the logistic likelihood, else None): what a streamed fit knows from its statistics."""
    import bayesreg as br

    if args.prior == "r2d2":
        kw = {k: getattr(args, k) for k in _R2D2_FLAGS if getattr(args, k) is not None}
        return br.R2D2(**kw)
    scale = args.scale_global
    if args.p0 is not None:
        if not args.p0 < p:
            raise UserError(f"--p0 must be below the number of features ({p}); got {args.p0:g}.")
        sigma = 1.0  # the Gaussian-likelihood priors multiply tau by the noise scale themselves
        if y_mean is not None:
            sigma = 1.0 / np.sqrt(y_mean * (1.0 - y_mean))  # Piironen & Vehtari's pseudo noise scale
        scale = br.horseshoe_scale_global(args.p0, p, n, noise_sigma=sigma)
    if args.prior == "regularized_horseshoe":
        kw = {k: getattr(args, k) for k in _HORSESHOE_FLAGS if getattr(args, k) is not None}
        return br.RegularizedHorseshoe(scale, **kw)
    cls = br.Horseshoe if args.prior == "horseshoe" else br.HorseshoePlus
    return cls() if scale is None else cls(scale)


def noise_prior(name: str | None) -> Any:
    """The ``br.noise`` prior named by ``--noise-prior`` (scales: sd(y))."""
    import bayesreg as br

    return {None: None, "half_student_t": br.noise.HalfStudentT(), "jeffreys": br.noise.Jeffreys(),
            "half_normal": br.noise.HalfNormal(), "half_cauchy": br.noise.HalfCauchy(),
            "exponential": br.noise.Exponential()}[name]
