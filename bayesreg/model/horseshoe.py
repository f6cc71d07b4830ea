r"""The horseshoe family: horseshoe, horseshoe+ and the regularized horseshoe (NUTS only).

With :math:`z_j \sim N(0, 1)`, :math:`C^+(0, s)` the half-Cauchy, :math:`t^+_\nu(0, s)` the half
Student-t and :math:`\sigma` the Gaussian noise scale (1 for the logistic likelihood):

* :class:`Horseshoe` (Carvalho, Polson & Scott 2010; R ``bayesreg``'s ``"hs"``):
  :math:`\beta_j = \sigma\tau\lambda_j z_j`, :math:`\lambda_j \sim C^+(0, 1)`,
  :math:`\tau \sim C^+(0, \texttt{scale\_global})`;
* :class:`HorseshoePlus` (Bhadra et al. 2017; ``"hs+"``): as above with
  :math:`\lambda_j \mid \eta_j \sim C^+(0, \eta_j)`, :math:`\eta_j \sim C^+(0, 1)`;
* :class:`RegularizedHorseshoe` (Piironen & Vehtari 2017; exactly rstanarm's ``hs()``):
  :math:`\beta_j = z_j\tilde\lambda_j\tau`, :math:`\lambda_j \sim t^+_{\nu_l}(0, 1)`,
  :math:`\tau = |t_{\nu_g}|\cdot\texttt{scale\_global}\cdot\sigma`,
  :math:`c^2 = \texttt{scale\_slab}^2\,c_{aux}`, :math:`c_{aux} \sim \text{InvGamma}(\nu_s/2, \nu_s/2)`,
  :math:`\tilde\lambda_j^2 = c^2\lambda_j^2/(c^2 + \tau^2\lambda_j^2)`.

The posterior holds ``tau``, ``lam`` (dim feature), ``eta`` (horseshoe+), ``c2`` (regularized),
and ``coef_scale``, the sd of :math:`\beta_j` given the scales. :func:`horseshoe_scale_global` is
Piironen & Vehtari's choice of the global scale from a guess of the number of non-zero coefficients.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np

from bayesreg._validation import check_positive_float, describe
from bayesreg.model.global_local import GlobalLocalPrior

__all__ = ["Horseshoe", "HorseshoePlus", "RegularizedHorseshoe", "horseshoe_scale_global"]

_NO_MODE = ("the horseshoe density is unbounded at beta_j = 0 (log-divergent), so the posterior has no "
            "finite mode (and the joint mode in the scales is at tau = 0)")
_ALTERNATIVE = ("fit it with method='nuts' (the full posterior; posterior medians are its point estimates), "
                "or use a Laplace prior (br.Laplace / br.LassoBayes) with method='map' for a point estimate "
                "with exact zeros")


@dataclass(frozen=True, repr=False)
class Horseshoe(GlobalLocalPrior):
    r"""Horseshoe prior :math:`\beta_j = \sigma\tau\lambda_j z_j`, :math:`\lambda_j \sim C^+(0, 1)`,
    :math:`\tau \sim C^+(0, s)`.

    Parameters
    ----------
    scale_global : float, default=1.0
        :math:`s`, the scale of the half-Cauchy on :math:`\tau`. 1.0 is R ``bayesreg``'s ``"hs"`` on
        its unit-*length* columns; with ``standardize=True`` (unit-sd columns) R's model is
        :math:`1/\sqrt n` (docs/shrinkage.md);
        :func:`horseshoe_scale_global` (with ``noise_sigma=1``: :math:`\sigma` is already a factor)
        gives Piironen & Vehtari's choice.
    """

    scale_global: float = 1.0
    map_refusal: ClassVar[str] = f"Horseshoe: {_NO_MODE}; {_ALTERNATIVE}."

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale_global", check_positive_float("scale_global", type(self).__name__,
                                                                      self.scale_global))
        self._check_base()

    def _local(self, n_features: int, dims: str) -> Any:
        import pymc as pm

        return pm.HalfCauchy("lam", beta=1.0, dims=dims)

    def add_scales(self, n_features: int, dims: str, sigma: Any) -> Any:
        import pymc as pm

        tau = pm.HalfCauchy("tau", beta=self.scale_global)
        return sigma * tau * self._local(n_features, dims)

    def _sample_local(self, n_features: int, size: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {"lam": np.abs(rng.standard_cauchy((size, n_features)))}

    def sample_scales(self, n_features: int, size: int, rng: np.random.Generator,
                      sigma: float | np.ndarray = 1.0) -> dict[str, np.ndarray]:
        out = self._sample_local(n_features, size, rng)
        out["tau"] = self.scale_global * np.abs(rng.standard_cauchy(size))
        out["coef_scale"] = np.reshape(sigma, (-1, 1)) * out["tau"][:, None] * out["lam"]
        return out


@dataclass(frozen=True, repr=False)
class HorseshoePlus(Horseshoe):
    r"""Horseshoe+ prior: the horseshoe with :math:`\lambda_j \mid \eta_j \sim C^+(0, \eta_j)`,
    :math:`\eta_j \sim C^+(0, 1)` (Bhadra, Datta, Polson & Willard 2017; R ``bayesreg``'s ``"hs+"``).

    Parameters
    ----------
    scale_global : float, default=1.0
        As for :class:`Horseshoe`.
    """

    map_refusal: ClassVar[str] = f"HorseshoePlus: {_NO_MODE}; {_ALTERNATIVE}."
    own_variables: ClassVar[tuple[str, ...]] = ("eta",)

    def _local(self, n_features: int, dims: str) -> Any:
        import pymc as pm

        eta = pm.HalfCauchy("eta", beta=1.0, dims=dims)
        return pm.HalfCauchy("lam", beta=eta, dims=dims)

    def _sample_local(self, n_features: int, size: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        eta = np.abs(rng.standard_cauchy((size, n_features)))
        return {"eta": eta, "lam": eta * np.abs(rng.standard_cauchy((size, n_features)))}


@dataclass(frozen=True, repr=False)
class RegularizedHorseshoe(GlobalLocalPrior):
    r"""Regularized horseshoe, exactly rstanarm's ``hs(df, global_df, global_scale, slab_df, slab_scale)``.

    .. math::

        \beta_j = z_j\tilde\lambda_j\tau,\quad
        \tilde\lambda_j^2 = \frac{c^2\lambda_j^2}{c^2 + \tau^2\lambda_j^2},\quad
        \lambda_j \sim t^+_{\nu_l}(0, 1),\quad \tau = |t_{\nu_g}|\, s_g\,\sigma,\quad
        c^2 = s_s^2\, c_{aux},\ c_{aux} \sim \text{InvGamma}(\nu_s/2, \nu_s/2).

    Far from zero a coefficient sees a :math:`t_{\nu_s}(0, s_s)` slab instead of the horseshoe's
    flat tails, which keeps the posterior proper under separation in logistic regression.

    Parameters
    ----------
    scale_global : float
        :math:`s_g` (rstanarm's ``global_scale``, default there 0.01); see
        :func:`horseshoe_scale_global` (``noise_sigma=1`` for the Gaussian likelihood, where
        :math:`\tau` already has the factor :math:`\sigma`).
    df_local, df_global : float, default=1.0
        :math:`\nu_l, \nu_g` (rstanarm's ``df``, ``global_df``); 1 gives half-Cauchy scales.
    scale_slab, df_slab : float, default=2.5, 4.0
        :math:`s_s, \nu_s` (rstanarm's ``slab_scale``, ``slab_df``; brms's ``horseshoe()`` uses
        ``scale_slab=2``).
    """

    scale_global: float
    df_local: float = 1.0
    df_global: float = 1.0
    scale_slab: float = 2.5
    df_slab: float = 4.0
    map_refusal: ClassVar[str] = (f"RegularizedHorseshoe: its local scales keep the horseshoe's spike, {_NO_MODE}; "
                                  f"{_ALTERNATIVE}.")
    own_variables: ClassVar[tuple[str, ...]] = ("c2",)

    def __post_init__(self) -> None:
        name = type(self).__name__
        for attr in ("scale_global", "df_local", "df_global", "scale_slab", "df_slab"):
            object.__setattr__(self, attr, check_positive_float(attr, name, getattr(self, attr)))
        self._check_base()

    def add_scales(self, n_features: int, dims: str, sigma: Any) -> Any:
        import pymc as pm
        import pytensor.tensor as pt

        lam = pm.HalfStudentT("lam", nu=self.df_local, sigma=1.0, dims=dims)
        tau_aux = pm.HalfStudentT("tau_aux", nu=self.df_global, sigma=1.0)
        c2_aux = pm.InverseGamma("c2_aux", alpha=self.df_slab / 2, beta=self.df_slab / 2)
        tau = pm.Deterministic("tau", tau_aux * self.scale_global * sigma)
        c2 = pm.Deterministic("c2", self.scale_slab**2 * c2_aux)
        lam2 = lam**2
        return tau * pt.sqrt(c2 * lam2 / (c2 + tau**2 * lam2))

    def sample_scales(self, n_features: int, size: int, rng: np.random.Generator,
                      sigma: float | np.ndarray = 1.0) -> dict[str, np.ndarray]:
        lam = np.abs(rng.standard_t(self.df_local, (size, n_features)))
        tau = np.abs(rng.standard_t(self.df_global, size)) * self.scale_global * np.reshape(sigma, -1)
        c2 = self.scale_slab**2 * (self.df_slab / 2) / rng.standard_gamma(self.df_slab / 2, size)
        lam2, t2 = lam**2, (tau**2)[:, None]
        scale = np.sqrt(t2 * c2[:, None] * lam2 / (c2[:, None] + t2 * lam2))
        return {"lam": lam, "tau": tau, "c2": c2, "coef_scale": scale}


def horseshoe_scale_global(p0: float, n_features: int, n_samples: int, noise_sigma: float = 1.0) -> float:
    r"""Piironen & Vehtari's (2017) global scale :math:`\tau_0 = \frac{p_0}{D - p_0}\frac{\sigma}{\sqrt n}`.

    Parameters
    ----------
    p0 : float
        Prior guess of the number of non-zero coefficients, :math:`0 < p_0 < D`.
    n_features : int
        :math:`D`, the number of (shrunk) coefficients.
    n_samples : int
        :math:`n`.
    noise_sigma : float, default=1.0
        :math:`\sigma`. **Keep 1.0 for** :class:`Horseshoe`, :class:`HorseshoePlus` **and**
        :class:`RegularizedHorseshoe` **with the Gaussian likelihood**: they already multiply
        :math:`\tau` by :math:`\sigma`, so their ``scale_global`` is :math:`\tau_0/\sigma`. For the
        logistic likelihood (:math:`\sigma = 1` in the prior) pass the pseudo noise scale
        :math:`1/\sqrt{\mu(1-\mu)}` (2 at :math:`\mu = 1/2`; Piironen & Vehtari 2017).

    Returns
    -------
    float
        The ``scale_global`` to use.
    """
    name = "horseshoe_scale_global"
    for arg, value in (("n_features", n_features), ("n_samples", n_samples)):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise ValueError(f"The {arg!r} parameter of {name} must be a positive integer; got {describe(value)}.")
    if isinstance(p0, bool) or not isinstance(p0, Real) or not 0 < float(p0) < n_features:
        raise ValueError(f"The 'p0' parameter of {name} must be a number of non-zero coefficients with "
                         f"0 < p0 < n_features = {n_features}; got {describe(p0)}.")
    sigma = check_positive_float("noise_sigma", name, noise_sigma)
    return float(p0) / (n_features - float(p0)) * sigma / np.sqrt(n_samples)
