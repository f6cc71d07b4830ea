r"""The multinomial (softmax) likelihood over :math:`K \ge 3` classes, symmetric parametrisation.

Weights :math:`W \in \mathbb R^{K\times p}` (the prior on **every** entry) and intercepts
:math:`c \in \mathbb R^K` give class scores :math:`\eta_{ik} = c_k + x_i^\top w_k` and

.. math::

    -\log L = \sum_i s_i\Bigl[\log\sum_{k=1}^K e^{\eta_{ik}} - \eta_{i,y_i}\Bigr],
    \qquad y_i \in \{0, \dots, K-1\},

the parametrisation of scikit-learn's multinomial ``LogisticRegression`` and of glmnet's
``family="multinomial"`` (no reference class). The likelihood is unchanged by adding one constant
to every :math:`c_k` (or one vector to every :math:`w_k`): the weights are identified by their
prior, the unpenalised intercepts only up to a common constant. bayesreg resolves it as
scikit-learn (and glmnet) report it: **the intercepts sum to zero**. In PyMC they are a flat prior on
that plane (``pm.Flat`` with PyMC's ``ZeroSumTransform``: :math:`K-1` free coordinates, no Jacobian);
the MAP is the mode of :math:`F + \tfrac12(\sum_k c_k)^2`, whose unique minimiser is the centred
mode of :math:`F` (the added term and its gradient vanish there), so its Newton steps and error
bound use the curvature of that function.

A feature :math:`j` with a **flat prior** (:class:`~bayesreg.Unpenalized`, glmnet's
``penalty.factor = 0``) is treated the same way, as glmnet reports it: its :math:`K` weights sum to
zero, :math:`\sum_k w_{kj} = 0` (``ZeroSumTransform`` over the classes in PyMC; the MAP minimises
:math:`F + \tfrac12(\sum_k c_k)^2 + \tfrac12\sum_{j\ \mathrm{flat}}(\sum_k w_{kj})^2`). Such a
mode exists iff the flat columns and the ones have full column rank and no direction of them
separates the classes (:meth:`Multinomial.check_mode_exists`).

The parameter vector of the MAP solver is :math:`\theta = (\operatorname{vec}(W), c)`, row-major:
:math:`W_{kj}` at index :math:`kp + j`, :math:`c_k` at :math:`Kp + k`. The Hessian of :math:`f` is
:math:`\sum_i s_i\,(\operatorname{diag}(\pi_i) - \pi_i\pi_i^\top) \otimes \tilde x_i\tilde x_i^\top`
(:math:`\pi_i = \operatorname{softmax}(\eta_i)`, :math:`\tilde x_i = (x_i, 1)`). Its curvature along a
direction changes by at most :math:`e^{\pm 2\max_k|\Delta\eta_{ik}|}` (a weighted variance under
:math:`\pi`, whose entries change by at most that factor), and :math:`|\Delta\eta_{ik}| \le
\|\tilde x_i\|\,\|\Delta\theta\|_2`: self-concordance constant :math:`M = 2` for the local error bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy.special import logsumexp, softmax

from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import Likelihood
from bayesreg.model.rounding import U64, GradientFloor, rounding_gamma

__all__ = ["Multinomial", "check_class_codes"]


def check_class_codes(y: np.ndarray, n_classes: int | None, owner: str = "Multinomial",
                      names: tuple | None = None) -> int:
    r"""Validate class codes :math:`y_i \in \{0, \dots, K-1\}` and return :math:`K`.

    Every class must be observed at least twice (a class seen once or never leaves its intercept
    without a finite mode, and nothing to learn from); fewer than 3 classes is the logistic case.
    """
    y = np.asarray(y, dtype=float)
    bad = np.flatnonzero(~np.isfinite(y) | (y < 0) | (y != np.round(y)))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"The 'y' parameter of {owner} must hold class codes 0, ..., K-1; got {float(y[i])!r} "
                         f"at row {i}" + (f" (and {bad.size - 1} more)" if bad.size > 1 else "") + ".")
    k = int(y.max()) + 1 if y.size else 0
    if n_classes is not None:
        if k > n_classes:
            raise ValueError(f"The 'y' parameter of {owner} must hold class codes below n_classes={n_classes}; "
                             f"got the code {k - 1}.")
        k = n_classes
    if k < 3:
        raise ValueError(f"The 'y' parameter of {owner} must have at least 3 classes; got {k}. "
                         "For two classes use the logistic likelihood (likelihood='logistic').")
    counts = np.bincount(y.astype(np.int64), minlength=k)
    rare = np.flatnonzero(counts < 2)
    if rare.size:
        j = int(rare[0])
        label = names[j] if names is not None and j < len(names) else j
        raise ValueError(f"The 'y' parameter of {owner} must contain every class at least twice; class {label!r} "
                         f"is seen {int(counts[j])} time(s)" + (f" ({rare.size} such classes)" if rare.size > 1
                                                              else "") + ".")
    return k


@dataclass(frozen=True)
class Multinomial(Likelihood):
    r"""Softmax likelihood over ``n_classes`` :math:`K \ge 3` classes (module docstring).

    Parameters
    ----------
    n_classes : int or None, default=None
        :math:`K`; ``None``: taken from the class codes of the data (``max(y) + 1``) when fitted.
    class_names : tuple or None, default=None
        Labels of the classes (the ``class`` coordinate of the PyMC model); default ``0..K-1``.
    flat_features : tuple of int, default=()
        Features whose weights have a flat prior: their class shift gets the term
        :math:`\tfrac12(\sum_k w_{kj})^2` in :meth:`hessian_block` (module docstring). Set from the
        prior by the MAP (:meth:`with_flat_features`); not a modelling choice.
    """

    n_classes: int | None = None
    class_names: tuple | None = None
    flat_features: tuple = ()
    name: ClassVar[str] = "multinomial"
    binary: ClassVar[bool] = False
    self_concordance: ClassVar[float] = 2.0

    def __post_init__(self) -> None:
        if self.n_classes is not None:
            if isinstance(self.n_classes, bool) or not isinstance(self.n_classes, (int, np.integer)) \
                    or self.n_classes < 3:
                raise ValueError(f"The 'n_classes' parameter of Multinomial must be an integer >= 3; got "
                                 f"{self.n_classes!r} (two classes: use the logistic likelihood).")
            object.__setattr__(self, "n_classes", int(self.n_classes))
        if self.class_names is not None:
            object.__setattr__(self, "class_names", tuple(self.class_names))
            if self.n_classes is not None and len(self.class_names) != self.n_classes:
                raise ValueError(f"The 'class_names' parameter of Multinomial must have n_classes={self.n_classes} "
                                 f"entries; got {len(self.class_names)}.")
        flat = tuple(self.flat_features)
        if any(isinstance(j, bool) or not isinstance(j, (int, np.integer)) or j < 0 for j in flat):
            raise ValueError(f"The 'flat_features' parameter of Multinomial must hold feature indices >= 0; "
                             f"got {self.flat_features!r}.")
        object.__setattr__(self, "flat_features", tuple(sorted({int(j) for j in flat})))

    def with_flat_features(self, flat: Any) -> Multinomial:
        """This likelihood with ``flat_features`` set to ``flat`` (the prior's flat features)."""
        return Multinomial(self.n_classes, self.class_names, tuple(int(j) for j in np.ravel(flat)))

    # ----- structure ------------------------------------------------------------------------
    @property
    def n_outputs(self) -> int:
        if self.n_classes is None:
            raise ValueError("The 'n_classes' parameter of Multinomial is not set: resolve the likelihood on "
                             "the data first (Multinomial.resolve(data)).")
        return self.n_classes

    def resolve(self, data: RegressionData) -> Multinomial:
        """This likelihood with ``n_classes`` set from the data's class codes (validated; once set,
        returned as it is: ``check_y`` validates data against it)."""
        if self.n_classes is not None:
            return self
        return Multinomial(check_class_codes(data.y, None, names=self.class_names), self.class_names,
                           self.flat_features)

    def check_y(self, y: np.ndarray) -> None:
        check_class_codes(y, self.n_classes, names=self.class_names)

    def onehot(self, y: np.ndarray) -> np.ndarray:
        """The (n, K) indicator matrix of the class codes."""
        out = np.zeros((np.shape(y)[0], self.n_outputs))
        out[np.arange(out.shape[0]), np.asarray(y, dtype=np.int64)] = 1.0
        return out

    def scores(self, data: RegressionData, coef: np.ndarray, intercept: Any) -> np.ndarray:
        r""":math:`\eta = XW^\top + c`, shape (n, K)."""
        return data.X @ np.asarray(coef).T + np.asarray(intercept)

    # ----- NumPy densities --------------------------------------------------------------------
    def nll(self, data: RegressionData, coef: np.ndarray, intercept: Any) -> float:
        eta = self.scores(data, coef, intercept)
        picked = eta[np.arange(data.n_samples), data.y.astype(np.int64)]
        return float(data.weights @ (logsumexp(eta, axis=1) - picked))

    def pointwise_loglik(self, data: RegressionData, eta: np.ndarray, **params: Any) -> np.ndarray:
        r""":math:`s_i \log\operatorname{softmax}(\eta_i)_{y_i}` for ``eta`` of shape (..., n, K)."""
        logp = eta - logsumexp(eta, axis=-1, keepdims=True)
        picked = np.take_along_axis(logp, np.broadcast_to(data.y.astype(np.int64)[:, None],
                                                          logp.shape[:-1] + (1,)), axis=-1)[..., 0]
        return data.weights * picked

    def mean(self, eta: np.ndarray) -> np.ndarray:
        """The class probabilities ``softmax(eta)`` along the last axis."""
        return softmax(eta, axis=-1)

    def predictive_draws(self, eta: np.ndarray, rng: np.random.Generator, **params: Any) -> np.ndarray:
        """One class code per row of scores (..., n, K): inverse-CDF draws from the softmax."""
        cdf = np.cumsum(softmax(eta, axis=-1), axis=-1)
        u = rng.random(eta.shape[:-1] + (1,))
        return np.minimum((u > cdf).sum(axis=-1), eta.shape[-1] - 1).astype(float)

    # ----- curvature, rounding, existence ---------------------------------------------------------
    def hessian_block(self, data: RegressionData, theta: np.ndarray, work: np.ndarray) -> np.ndarray:
        r"""The Hessian of :math:`f + \tfrac12(\sum_k c_k)^2 + \tfrac12\sum_{j\ \mathrm{flat}}(\sum_k w_{kj})^2`
        on the coordinates ``work`` (float64).

        :math:`\sum_i s_i (\operatorname{diag}\pi_i - \pi_i\pi_i^\top)\otimes\tilde x_i\tilde x_i^\top`
        plus :math:`\mathbf 1\mathbf 1^\top` on the intercepts and on each flat feature's K weights
        (module docstring)."""
        K, p = self.n_outputs, data.n_features
        W = theta[:K * p].reshape(K, p)
        c = theta[K * p:K * p + K] if data.fit_intercept else np.zeros(K)
        P = softmax(data.X @ W.T + c, axis=1)
        Xt = np.column_stack([data.X, np.ones(data.n_samples)]) if data.fit_intercept else data.X
        q = Xt.shape[1]
        s = data.weights
        full = np.empty((K, q, K, q))
        for k in range(K):
            for m in range(k, K):
                d = s * ((P[:, k] if k == m else 0.0) - P[:, k] * P[:, m])
                full[k, :, m, :] = blk = (Xt * d[:, None]).T @ Xt
                if m != k:
                    full[m, :, k, :] = blk.T
        # reorder from (class, feature+1) blocks to theta = (vec W, c)
        idx = (np.arange(K)[:, None] * q + np.arange(p)[None, :]).ravel()
        if data.fit_intercept:
            idx = np.concatenate([idx, np.arange(K) * q + p])
        H = full.reshape(K * q, K * q)[np.ix_(idx, idx)]
        if data.fit_intercept:
            H[K * p:, K * p:] += 1.0
        for j in self.flat_features:
            H[j:K * p:p, j:K * p:p] += 1.0
        return H[np.ix_(work, work)]

    def max_curvature(self) -> float:
        r""":math:`\|\nabla_\eta\pi_{k}\|_2 \le \sqrt2/4`: the Lipschitz factor of a gradient coordinate."""
        return np.sqrt(2.0) / 4.0

    def gradient_floor(self, data: RegressionData, theta: np.ndarray) -> GradientFloor:
        r"""Rounding of :math:`\partial f/\partial w_{kj} = \sum_i s_i x_{ij}(\pi_{ik} - [y_i = k])`:
        each term is at most 1 in size, so the sum errs by :math:`(\gamma_n + 8u)A_j`
        (:math:`A_j = \sum_i s_i|x_{ij}|`, the softmax a few more units); the scores err by
        :math:`e_\eta = \gamma_{p+1}(\max_i\|x_i\|\max_k\|w_k\| + \max_k|c_k|)` each, moving
        :math:`\pi_{ik}` by at most :math:`\sqrt{K}e_\eta\sqrt2/4`; in the curvature norm that part
        is at most :math:`e_\eta\sqrt{K\sum_i s_i/2}`."""
        K, p = self.n_outputs, data.n_features
        W = theta[:K * p].reshape(K, p)
        c = theta[K * p:] if data.fit_intercept else np.zeros(1)
        col_abs, row_max = data.magnitudes
        col = np.tile(col_abs, K)
        if data.fit_intercept:
            col = np.append(col, np.full(K, data.weight_sum))
        e_eta = rounding_gamma(p + 1) * (row_max * float(np.max(np.linalg.norm(W, axis=1)))
                                         + float(np.max(np.abs(c))))
        return GradientFloor((rounding_gamma(data.n_samples) + 8 * U64) * col,
                             np.sqrt(K) * self.max_curvature() * e_eta * col,
                             e_eta * float(np.sqrt(0.5 * K * data.weight_sum)))

    def check_mode_exists(self, data: RegressionData, flat: np.ndarray) -> None:
        """Every class is observed (``check_y``), so the intercepts alone have a mode; with flat
        weights, refuse flat columns (with the ones) not of full rank and flat directions that
        separate the classes (:func:`~bayesreg.model.identifiability.multiclass_separating_direction`)."""
        if not flat.size:
            return
        from bayesreg.model.identifiability import check_rank, multiclass_separation_error

        check_rank(data, flat)
        if getattr(data, "has_rows", True):
            multiclass_separation_error(data, flat, self.n_outputs)

    # ----- PyMC ------------------------------------------------------------------------------
    def data_values(self, data: RegressionData, form: str) -> dict[str, Any]:
        values: dict[str, Any] = {"X": data.X, "y_onehot": self.onehot(data.y)}
        if data.sample_weight is not None:
            values["sample_weight"] = data.sample_weight
        return values

    def add_to_model(self, d: dict[str, Any], eta: Any, coef: Any, intercept: Any,
                     form: str, sigma: Any = None) -> Any:
        r"""``pm.Potential("loglik", sum_i s_i sum_k Y_ik log_softmax(eta_i)_k)`` over the rows."""
        import pymc as pm
        import pytensor.tensor as pt

        logp = (d["y_onehot"] * pt.special.log_softmax(eta, axis=1)).sum(axis=1)
        if "sample_weight" in d:
            logp = d["sample_weight"] * logp
        return pm.Potential("loglik", pt.sum(logp))

    def add_intercept(self, fit_intercept: bool) -> Any:
        """Flat intercepts on the plane :math:`\\sum_k c_k = 0` (``ZeroSumTransform``), dim ``class``."""
        import pymc as pm
        from pymc.distributions.transforms import ZeroSumTransform

        if not fit_intercept:
            return 0.0
        return pm.Flat("intercept", dims="class", transform=ZeroSumTransform([-1]))

    def coords(self) -> dict[str, Any]:
        names = self.class_names if self.class_names is not None else tuple(range(self.n_outputs))
        return {"class": list(names)}
