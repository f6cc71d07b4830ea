"""Validation of an estimator's parameters, run at the start of ``fit`` (scikit-learn's contract).

``__init__`` only stores the parameters (``clone`` and ``set_params`` rely on that), so nothing is
checked there; :func:`check_estimator_params` checks every parameter of
:class:`~bayesreg.BayesianRegression` and of the presets before any data are read or any model is
built, with the message format of :mod:`bayesreg._validation` ("The 'tol' parameter of
BayesianRegression must be in (0, 1) ...; got 0.0."). The penalty parameters of a preset
(``alpha``, ``C``, ``lambda_``, ...) are checked by their convention when the prior is mapped, which
also happens before any fitting.
"""

from __future__ import annotations

from typing import Any

from bayesreg._validation import (
    check_bool,
    check_choice,
    check_count,
    check_open_fraction,
    check_positive_float,
    check_random_seed,
    describe,
)
from bayesreg.inference.backends import SAMPLERS, require_backend
from bayesreg.model.build import FORMS, PARAMETERIZATIONS
from bayesreg.model.global_local import PARAMETERIZATIONS as GLOBAL_LOCAL_PARAMETERIZATIONS
from bayesreg.model.likelihoods import LIKELIHOODS

__all__ = ["METHODS", "SAMPLING_OPTIONS", "check_estimator_params", "check_sampling_options"]

METHODS = ("map", "nuts", "laplace")

#: the NUTS settings and their defaults (``BayesianRegression`` parameters; a preset's ``sampler_kwargs``)
SAMPLING_OPTIONS: dict[str, Any] = {"draws": 1000, "tune": 1000, "chains": 4, "random_seed": None,
                                    "target_accept": None, "progressbar": True, "sampler": "auto"}


def check_estimator_params(est: Any) -> None:
    """Raise a clear error for the first invalid parameter of ``est`` (nothing is fitted)."""
    owner = type(est).__name__
    check_choice("method", owner, est.method, METHODS)
    from bayesreg.model.likelihoods import Likelihood

    if not isinstance(est.likelihood, Likelihood):
        check_choice("likelihood", owner, est.likelihood, LIKELIHOODS)
    check_choice("form", owner, est.form, FORMS)
    check_bool("fit_intercept", owner, est.fit_intercept)
    noise = est.noise_sigma
    if not (noise is None or (isinstance(noise, str) and noise == "auto")):
        if isinstance(noise, str):
            raise ValueError(f"The 'noise_sigma' parameter of {owner} must be a positive float, None or "
                             f"'auto'; got {noise!r}.")
        check_positive_float("noise_sigma", owner, noise)
    check_open_fraction("tol", owner, est.tol, what="the pass threshold of the relative KKT residual")
    check_choice("parameterization", owner, est.parameterization,
                 PARAMETERIZATIONS + tuple(p for p in GLOBAL_LOCAL_PARAMETERIZATIONS if p not in PARAMETERIZATIONS))
    if est.noise_prior_scale is not None:
        check_positive_float("noise_prior_scale", owner, est.noise_prior_scale)
    check_bool("standardize", owner, getattr(est, "standardize", False))
    check_sampling_options(est._sampling_options(), owner)


def check_sampling_options(options: dict[str, Any], owner: str) -> None:
    """Check the NUTS settings (``draws``, ``tune``, ``chains``, ``random_seed``, ``target_accept``, ...)."""
    check_count("draws", owner, options["draws"], minimum=1)
    check_count("tune", owner, options["tune"], minimum=0)
    check_count("chains", owner, options["chains"], minimum=1)
    check_random_seed("random_seed", owner, options["random_seed"])
    if options["target_accept"] is not None:  # None: the rule of bayesreg.inference.sampling.default_target_accept
        check_open_fraction("target_accept", owner, options["target_accept"],
                            what="the target acceptance rate of NUTS")
    check_bool("progressbar", owner, options["progressbar"])
    check_choice("sampler", owner, options["sampler"], SAMPLERS)
    if options["sampler"] != "auto":
        require_backend(options["sampler"], owner)  # installed? (an ImportError naming the extra)


def merged_sampler_kwargs(sampler_kwargs: Any, owner: str) -> dict[str, Any]:
    """A preset's ``sampler_kwargs`` over :data:`SAMPLING_OPTIONS` (unknown keys are an error)."""
    if sampler_kwargs is None:
        return dict(SAMPLING_OPTIONS)
    if not isinstance(sampler_kwargs, dict):
        raise TypeError(f"The 'sampler_kwargs' parameter of {owner} must be a dict of NUTS settings "
                        f"({', '.join(SAMPLING_OPTIONS)}) or None; got {describe(sampler_kwargs)}.")
    unknown = set(sampler_kwargs) - set(SAMPLING_OPTIONS)
    if unknown:
        raise ValueError(f"sampler_kwargs takes {', '.join(SAMPLING_OPTIONS)}; got "
                         f"{', '.join(sorted(map(str, unknown)))}.")
    return {**SAMPLING_OPTIONS, **sampler_kwargs}
