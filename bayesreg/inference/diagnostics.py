"""Convergence diagnostics and summaries of NUTS draws: the package's one door to ArviZ.

:func:`check_diagnostics` warns, naming the problem and the fix, when R-hat > 1.01, bulk or tail
ESS < 400, or any transition diverged. :func:`summarize` and :func:`hdi` are what the estimators
and plots use instead of importing ArviZ themselves (``docs/architecture.md``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

__all__ = ["ConvergenceWarning", "check_diagnostics", "summarize", "hdi", "import_arviz", "RHAT_MAX", "ESS_MIN"]

RHAT_MAX = 1.01
ESS_MIN = 400


class ConvergenceWarning(UserWarning):
    """The sampler's diagnostics indicate the draws may not represent the posterior."""


def import_arviz() -> Any:
    """``arviz``, imported without its refactor announcement (a FutureWarning)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*ArviZ is undergoing a major refactor.*")
        import arviz as az
    return az


def check_diagnostics(idata: Any, var_names: tuple[str, ...] = ("coef", "intercept", "sigma"),
                      *, warn: bool = True, divergence_hint: str | None = None) -> list[str]:
    """Problems found in R-hat, bulk/tail ESS and divergences; each also raised as a warning.

    ``divergence_hint`` replaces the generic advice on divergences (the model knows a better one).
    """
    az = import_arviz()
    names = [v for v in var_names if v in idata.posterior]
    problems: list[str] = []
    n_chains = idata.posterior.sizes["chain"]
    if n_chains > 1:
        rhat = az.rhat(idata, var_names=names)
        worst = max(float(rhat[v].max()) for v in names)
        if worst > RHAT_MAX:
            problems.append(f"R-hat up to {worst:.3f} (> {RHAT_MAX}): chains disagree; "
                            "increase tune/draws or check the model.")
    for method in ("bulk", "tail"):
        ess = az.ess(idata, var_names=names, method=method)
        low = min(float(ess[v].min()) for v in names)
        if low < ESS_MIN:
            problems.append(f"{method} ESS as low as {low:.0f} (< {ESS_MIN}): increase draws or chains.")
    div = int(idata.sample_stats["diverging"].sum()) if "diverging" in idata.sample_stats else 0
    if div:
        total = int(idata.sample_stats["diverging"].size)
        hint = divergence_hint or ("raise target_accept (e.g. 0.95-0.99) or use parameterization='mixture' "
                                   "for Laplace priors")
        problems.append(f"{div} divergent transition(s) ({div / total:.2%} of {total} draws): the posterior "
                        f"may be biased where they occur; {hint}.")
    if warn:
        for msg in problems:
            warnings.warn(msg, ConvergenceWarning, stacklevel=2)
    return problems


def summarize(idata: Any, var_names: list[str], hdi_prob: float = 0.94, round_to: int = 4) -> Any:
    """ArviZ summary table (mean, sd, HDI, MCSE, bulk/tail ESS, R-hat) of ``var_names``."""
    return import_arviz().summary(idata, var_names=var_names, hdi_prob=hdi_prob, round_to=round_to)


def hdi(idata: Any, var_name: str, hdi_prob: float = 0.94) -> np.ndarray:
    """Highest-density interval of ``var_name`` per coordinate: array of shape (..., 2)."""
    return np.asarray(import_arviz().hdi(idata, var_names=[var_name], hdi_prob=hdi_prob)[var_name].values)
