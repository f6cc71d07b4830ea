r"""The rounding-error model used by the certified error bounds.

A sum of :math:`k` floating-point terms computed with unit roundoff :math:`u` errs by at most
:math:`\gamma_k \sum|\text{terms}|`. The worst case is :math:`\gamma_k = ku/(1 - ku)`; blocked BLAS
sums and the randomness of rounding make the error grow like :math:`\sqrt k\,u` in practice
(Higham & Mary, *A new approach to probabilistic rounding error analysis*, SIAM J. Sci. Comput.
41, 2019), and the worst case would make every bound on large data meaningless (:math:`n = 10^6`
rows: :math:`10^{-10}`). bayesreg uses :math:`\gamma_k = c\sqrt{k}\,u + u` with the generous constant
:math:`c = 8` (the probabilistic bound with :math:`\lambda = 8` fails with probability below
:math:`2e^{-32}` per sum).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ROUNDING_FACTOR", "U64", "UEXT", "EXTENDED", "rounding_gamma", "GradientFloor"]

ROUNDING_FACTOR = 8.0
U64 = float(np.finfo(np.float64).eps) / 2
#: Extended precision for residuals that must be more accurate than double (x86-64: 64-bit mantissa).
EXTENDED = np.longdouble
UEXT = float(np.finfo(EXTENDED).eps) / 2


def rounding_gamma(k: int, u: float = U64) -> float:
    """Relative error bound of a sum of ``k`` terms in unit roundoff ``u`` (module docstring)."""
    return ROUNDING_FACTOR * np.sqrt(max(k, 1)) * u + u


@dataclass(frozen=True)
class GradientFloor:
    r"""Bound on the rounding error of a computed gradient :math:`\nabla f = \tilde X^\top(s \circ \psi(\eta))`.

    ``direct`` (per coordinate) covers the sum over rows and the residual :math:`\psi`; the
    rounding :math:`\delta\eta` of the linear predictors enters as
    :math:`\tilde X^\top(s \circ \phi''(\eta) \circ \delta\eta)`, of size at most ``via_eta`` per
    coordinate and at most ``eta_norm`` :math:`\ge \|(s\phi'')^{1/2}\circ\delta\eta\|_2` in the
    curvature's norm (which the error bound divides by :math:`\sqrt\mu` instead of :math:`\mu`).
    """

    direct: np.ndarray
    via_eta: np.ndarray
    eta_norm: float

    @property
    def total(self) -> np.ndarray:
        """Per-coordinate bound on the whole rounding error."""
        return self.direct + self.via_eta
