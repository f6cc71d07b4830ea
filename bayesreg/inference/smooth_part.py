"""The smooth part of the negative log-posterior, compiled from the PyMC model itself.

:math:`f(w, c) = -\\log L(y \\mid w, c)` and :math:`\nabla f` are compiled by PyTensor from the
likelihood term of :func:`bayesreg.model.build.build_model`: nothing is re-derived by hand (the
Hessian can be too, ``with_hessian``; the Gaussian MAP no longer needs it: its weights solve a linear
system of the sufficient statistics, :mod:`bayesreg.inference.gaussian_map`). One compiled function
serves every data set of the same structure (the data are inputs), kept in a small LRU cache.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from bayesreg.inference.blas import refresh_thread_pools
from bayesreg.model.build import build_model, resolve_form
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import GaussianLikelihood, Likelihood
from bayesreg.model.priors import Prior

__all__ = ["smooth_part", "smooth_gradient"]

_CACHE: OrderedDict[tuple, _SmoothPart] = OrderedDict()
_CACHE_SIZE = 16


class _SmoothPart:
    """``f(theta)``, ``grad f(theta)`` (and the Hessian for Gaussian) compiled from PyMC.

    ``theta = (w, c)``; the model's ``pm.Data`` containers become explicit inputs, so one
    compiled function serves every data set of the same structure.
    """

    def __init__(self, built: Any, with_hessian: bool) -> None:
        import pytensor
        import pytensor.tensor as pt
        from pytensor.graph.replace import graph_replace

        model = built.model
        p = built.data.n_features
        self.p = p
        self.data_names = sorted(v.name for v in model.data_vars)
        theta = pt.vector("theta")
        k = built.likelihood.resolve(built.data).n_outputs
        if k > 1:  # multinomial: theta = (vec W, c); its term is a Potential of the variables themselves
            # (the intercepts' value lives on the sum-zero plane; f is taken over all K of them)
            replacements = {model["coef"]: theta[:k * p].reshape((k, p))}
            if built.data.fit_intercept:
                replacements[model["intercept"]] = theta[k * p:k * p + k]
        else:
            replacements = {model.rvs_to_values[model["coef"]]: theta[:p]}
            if built.data.fit_intercept:
                replacements[model.rvs_to_values[model["intercept"]]] = theta[p]
        data_inputs = []
        for name in self.data_names:
            shared = model[name]
            symbolic = shared.type()
            symbolic.name = name
            replacements[shared] = symbolic
            data_inputs.append(symbolic)
        smooth = (-built.likelihood_term if k > 1
                  else -model.logp(vars=[built.likelihood_term], jacobian=False))
        smooth = graph_replace(smooth, replacements, strict=False)
        grad = pt.grad(smooth, theta)
        self._fg = pytensor.function([theta, *data_inputs], [smooth, grad], on_unused_input="ignore")
        self._h = None
        if with_hessian:
            hess = pytensor.gradient.jacobian(grad, theta, vectorize=True)
            self._h = pytensor.function([theta, *data_inputs], hess, on_unused_input="ignore")

    def bind(self, values: dict[str, Any]) -> tuple[Any, Any]:
        args = [np.asarray(values[name], dtype=float) for name in self.data_names]

        last: list[Any] = [None, 0.0, None]  # one-entry memo: L-BFGS re-evaluates its start and end

        def fg(theta: np.ndarray) -> tuple[float, np.ndarray]:
            if last[0] is not None and np.array_equal(last[0], theta):
                return last[1], last[2].copy()
            f, g = self._fg(theta, *args)
            last[:] = [np.array(theta, dtype=float), float(f), np.asarray(g)]
            return last[1], last[2].copy()

        def hess(theta: np.ndarray) -> np.ndarray:
            return np.asarray(self._h(theta, *args))

        return fg, (hess if self._h is not None else None)


def smooth_part(data: RegressionData, prior: Prior, likelihood: Likelihood, form: str):
    """Compiled smooth part for this data set's structure, bound to its data values.

    The template model is built from a two-row stand-in of the data: the compiled function takes
    the data as inputs (shapes are symbolic), so building it never copies X into the model, and one
    compilation serves every data set with the same likelihood, form, p, intercept and weighting.
    """
    likelihood = likelihood.resolve(data)
    values = likelihood.data_values(data, form)
    # parameters a likelihood bakes into the graph (NB alpha, Student-t nu) are part of the key
    lik_key = type(likelihood).__name__ if isinstance(likelihood, GaussianLikelihood) else repr(likelihood)
    key = (lik_key, form, data.n_features, data.fit_intercept, tuple(sorted(values)))
    part = _CACHE.get(key)
    if part is None:
        built = build_model(data.template(), prior, likelihood, form=form)
        part = _SmoothPart(built, with_hessian=False)  # Gaussian MAPs are solved from the statistics
        refresh_thread_pools()  # compiled code may have loaded PyTensor's BLAS
        _CACHE[key] = part
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return part.bind(values)


def smooth_gradient(data: RegressionData, prior: Prior, likelihood: Likelihood,
                    theta: np.ndarray, form: str = "auto") -> tuple[np.ndarray, float]:
    """PyMC's gradient of the smooth part at ``theta`` and the certificate scale |grad f(0)|."""
    fg, _ = smooth_part(data, prior, likelihood, resolve_form(likelihood, form))
    _, g0 = fg(np.zeros_like(theta))
    _, g = fg(np.asarray(theta, dtype=float))
    return g, float(np.max(np.abs(g0)))
