r"""Global–local shrinkage priors: the common base, and how they enter the PyMC model.

Every prior here (:mod:`~bayesreg.model.horseshoe`, :mod:`~bayesreg.model.r2d2`) writes a
coefficient as a standard normal times a scale that its hyperparameters determine,

.. math::

    \beta_j = z_j\, s_j(\text{scales}), \qquad z_j \sim N(0, 1),

so that, given the scales, :math:`\beta_j \sim N(0, s_j^2)`: :math:`s_j^2` is the *prior variance of
:math:`\beta_j` given the scales*, stored in the posterior as ``coef_scale`` (:math:`s_j`). The scales
include the Gaussian noise scale :math:`\sigma` where the prior says so (fixed, or sampled with a
:mod:`noise prior <bayesreg.model.noise>`); :math:`\sigma = 1` for the logistic likelihood.

Two ways to put them into a model (``parameterization``):

* ``"noncentered"``: :math:`z` is a model variable and ``coef = z * coef_scale``, any likelihood;
* ``"marginal"`` (Gaussian likelihood): :math:`\beta` is integrated out analytically given the scales
  (:class:`~bayesreg.model.marginal.MarginalGaussian`), which removes the funnel between
  :math:`\beta_j` and its scale, and drawn exactly after sampling.

``standardize=True`` puts the prior on :math:`\beta_j x_{sd,j}` (``feature_scale``), and
:class:`~bayesreg.model.unpenalized.Unpenalized` leaves chosen coefficients out of the shrinkage
(flat prior). These priors have no finite mode: ``method="map"`` refuses them with ``map_refusal``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np

from bayesreg.model.hierarchical import HierarchicalPrior

__all__ = ["GlobalLocalPrior", "is_global_local", "split_prior", "add_global_local", "PARAMETERIZATIONS",
           "resolve_parameterization", "MARGINAL_MAX_DIM"]

PARAMETERIZATIONS = ("auto", "marginal", "noncentered")
#: the largest matrix (min of the shrunk features and the residual rows) "auto" factorises per gradient
MARGINAL_MAX_DIM = 400


def _check_feature_scale(value: object, owner: str) -> tuple[float, ...] | None:
    if value is None:
        return None
    arr = np.asarray(value, dtype=float)
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"The 'feature_scale' parameter of {owner} must be a 1-D array of positive, finite "
                         f"column scales; got {value!r}.")
    return tuple(float(v) for v in arr)


@dataclass(frozen=True, repr=False)
class GlobalLocalPrior(HierarchicalPrior):
    """Base of the global–local shrinkage priors (module docstring).

    ``feature_scale`` (keyword only): the prior is on :math:`\\beta_j \\cdot` ``feature_scale[j]``
    (``standardize=True`` sets the columns' standard deviations); ``None``: on :math:`\\beta_j`.
    """

    feature_scale: tuple[float, ...] | None = field(default=None, kw_only=True)
    kind: ClassVar[str] = "global_local"
    #: why ``method="map"`` is refused, and what to use instead
    map_refusal: ClassVar[str] = ""
    #: posterior variables of the prior (besides ``coef``, ``coef_scale``, ``tau``, ``lam``)
    own_variables: ClassVar[tuple[str, ...]] = ()

    def __repr__(self) -> str:
        names = [f.name for f in fields(self) if f.name != "feature_scale"]
        names += ["feature_scale"] if self.feature_scale is not None else []
        shown = [f"{name}={getattr(self, name)!r}" for name in names]
        return f"{type(self).__name__}({', '.join(shown)})"

    def _check_base(self) -> None:
        object.__setattr__(self, "feature_scale", _check_feature_scale(self.feature_scale, type(self).__name__))

    @property
    def n_features(self) -> int | None:
        return None if self.feature_scale is None else len(self.feature_scale)

    def add_scales(self, n_features: int, dims: str, sigma: Any) -> Any:
        """Create the prior's scale variables (inside a model context); return :math:`s_j`, shape (p,)."""
        raise NotImplementedError

    def sample_scales(self, n_features: int, size: int, rng: np.random.Generator,
                      sigma: float | np.ndarray = 1.0) -> dict[str, np.ndarray]:
        """Independent prior draws of the scales, with ``"coef_scale"`` of shape ``(size, p)``."""
        raise NotImplementedError

    def sample(self, n_features: int, size: int, rng: np.random.Generator,
               sigma: float | np.ndarray = 1.0) -> np.ndarray:
        """Independent prior draws of the coefficients, shape ``(size, n_features)``."""
        scale = self.sample_scales(n_features, size, rng, sigma)["coef_scale"]
        return scale * rng.standard_normal(scale.shape)

    def _scale_per_feature(self, scale: Any, keep: np.ndarray) -> Any:
        if self.feature_scale is None:
            return scale
        fs = np.asarray(self.feature_scale)
        return scale / fs[keep]


def is_global_local(prior: Any) -> bool:
    """A global–local prior, alone or inside :class:`~bayesreg.model.unpenalized.Unpenalized`."""
    from bayesreg.model.unpenalized import shrunk_prior  # unpenalized imports this module

    return isinstance(shrunk_prior(prior), GlobalLocalPrior)


def split_prior(prior: Any, n_features: int) -> tuple[GlobalLocalPrior, np.ndarray, np.ndarray]:
    """``(global-local prior, shrunk feature indices, flat feature indices)``."""
    if isinstance(prior, GlobalLocalPrior):
        base, flat = prior, np.array([], dtype=int)
    else:
        base, flat = prior.prior, np.asarray(prior.features, dtype=int)
        if flat.size and flat[-1] >= n_features:
            raise ValueError(f"Unpenalized features {flat.tolist()} include an index >= the model's "
                             f"{n_features} features.")
    keep = np.setdiff1d(np.arange(n_features), flat)
    if keep.size == 0:
        raise ValueError("Unpenalized leaves every feature unpenalised: use a flat prior only for some.")
    if base.feature_scale is not None and len(base.feature_scale) != n_features:
        raise ValueError(f"The 'feature_scale' parameter of {type(base).__name__} has {len(base.feature_scale)} "
                         f"values but the model has {n_features} features.")
    return base, keep, flat


def resolve_parameterization(parameterization: str, *, gaussian: bool, n_shrunk: int, n_rows: int) -> str:
    """``"auto"``: ``"marginal"`` for the Gaussian likelihood when the matrix factorised per gradient,
    min(shrunk features, residual rows), has at most :data:`MARGINAL_MAX_DIM` rows; else ``"noncentered"``."""
    if parameterization not in PARAMETERIZATIONS + ("centered", "mixture"):
        raise ValueError(f"parameterization must be one of {', '.join(map(repr, PARAMETERIZATIONS))} for a "
                         f"global-local prior; got {parameterization!r}.")
    if parameterization in ("centered", "mixture"):
        raise ValueError(f"parameterization={parameterization!r} applies to Laplace priors; a global-local prior "
                         f"takes {', '.join(map(repr, PARAMETERIZATIONS))}.")
    if parameterization == "marginal" and not gaussian:
        raise ValueError("parameterization='marginal' integrates the coefficients out of a Gaussian likelihood; "
                         "use 'noncentered' (or 'auto') for the logistic likelihood.")
    if parameterization == "auto":
        small = min(n_shrunk, n_rows) <= MARGINAL_MAX_DIM
        return "marginal" if gaussian and small else "noncentered"
    return parameterization


def add_global_local(prior: Any, data: Any, likelihood: Any, sigma: Any,
                     parameterization: str | None) -> tuple[Any, Any, Any]:
    """Add a global–local prior's variables to the model on the context stack.

    ``sigma`` is the scale the prior multiplies by (the noise variable, a fixed noise scale, or 1.0).
    Returns ``(coef, None, None)`` for ``"noncentered"`` (the caller adds the likelihood), or
    ``(None, likelihood term, MarginalGaussian)`` for ``"marginal"`` (coefficients integrated out).
    """
    import pymc as pm
    import pytensor.tensor as pt

    from bayesreg.model.likelihoods import GaussianLikelihood
    from bayesreg.model.marginal import MarginalGaussian

    base, keep, flat = split_prior(prior, data.n_features)
    gaussian = isinstance(likelihood, GaussianLikelihood)
    n_rows = data.n_weighted_rows - flat.size - int(data.fit_intercept)
    geometry = resolve_parameterization(parameterization or "auto", gaussian=gaussian, n_shrunk=keep.size,
                                        n_rows=n_rows)
    model = pm.modelcontext(None)
    dims = "feature"
    if flat.size:
        dims = "shrunk_feature"
        model.add_coord("shrunk_feature", [data.feature_names[j] for j in keep])
        model.add_coord("unpenalized_feature", [data.feature_names[j] for j in flat])
    scale = base._scale_per_feature(base.add_scales(keep.size, dims, sigma), keep)
    scale = pm.Deterministic("coef_scale", scale, dims=dims)
    if geometry == "marginal":
        marginal = MarginalGaussian.from_data(data, keep, flat)
        return None, marginal.add_loglik(scale, sigma), marginal
    shrunk = pm.Normal("coef_z", 0.0, 1.0, dims=dims) * scale
    if not flat.size:
        return pm.Deterministic("coef", shrunk, dims="feature"), None, None
    free = pm.Flat("coef_unpenalized", dims="unpenalized_feature")
    coef = pt.set_subtensor(pt.zeros(data.n_features)[keep], shrunk)
    coef = pt.set_subtensor(coef[flat], free)
    return pm.Deterministic("coef", coef, dims="feature"), None, None
