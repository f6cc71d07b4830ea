r"""Does the posterior have a mode? Checks before any fitting.

The penalised part of the negative log-posterior :math:`F = f + P` is coercive in the penalised
weights (:math:`\ell_1 > 0` or :math:`\ell_2 > 0`), so a direction :math:`v` along which :math:`F`
never increases must leave them at 0: it lives in the **flat** coordinates :math:`\mathcal F` (the
intercept and the weights of :class:`~bayesreg.Unpenalized` features, glmnet's
``penalty.factor = 0``). Since :math:`f` depends on the coefficients only through the linear
predictors :math:`\eta = c + Xw`, two things can go wrong there:

* **Not identified.** If the columns of the flat coordinates (the column of ones for the intercept)
  have rank below their number, :math:`F` is constant along a direction of their null space: the
  mode is not unique (more flat coefficients than data can pin down, e.g. 20 flat coefficients
  with 10 rows). Every likelihood has this check.
* **No mode.** A likelihood whose terms keep decreasing as :math:`\eta_i` runs off to
  :math:`\pm\infty` (logistic: :math:`-\log\sigma(\eta)` for :math:`y = 1`) has no minimiser when a
  direction of the flat coordinates is separating: for the logistic likelihood,
  :math:`v \ne 0` with :math:`(2y_i - 1)\,\tilde x_{i,\mathcal F}^\top v \ge 0` for every row
  (Albert & Anderson 1984; quasi-complete separation included). Then :math:`F(\theta + tv)` decreases
  for ever: the MAP does not exist and the posterior under the flat prior is improper.

Each likelihood provides the check as a hook, :meth:`bayesreg.model.likelihoods.Likelihood.check_mode_exists`
(the count likelihoods use :func:`zero_count_direction`: an unpenalised direction driving
:math:`\eta_i \to -\infty` on rows with :math:`y_i = 0` only); this module holds the
shared pieces and :func:`check_posterior_mode`, which the MAP and NUTS call before any expensive work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bayesreg.model.data import RegressionData

if TYPE_CHECKING:  # pragma: no cover
    from bayesreg.model.likelihoods import Likelihood
    from bayesreg.model.priors import Prior

__all__ = ["NoPosteriorModeError", "flat_features", "check_rank", "separating_direction", "zero_count_direction",
           "multiclass_separating_direction", "check_posterior_mode"]

_FIX = ("Give these coefficients a proper prior (leave them out of Unpenalized, or a glmnet "
        "penalty_factor > 0), or sample the posterior with NUTS under a proper prior.")


class NoPosteriorModeError(ValueError):
    """The posterior has no (unique) mode: the MAP does not exist; the message names the
    coefficients and the fix."""


def flat_features(prior: Prior, n_features: int) -> np.ndarray:
    """Indices of the weights with a flat prior (both penalty weights 0; Unpenalized's ``features``)."""
    if getattr(prior, "hierarchical", False):  # Unpenalized(global-local prior): proper on the others
        return np.asarray(prior.features, dtype=int)
    l1, l2 = prior.penalty_weights(n_features)
    return np.flatnonzero((l1 == 0.0) & (l2 == 0.0))


def _names(data: RegressionData, flat: np.ndarray, with_intercept: bool) -> str:
    shown = [repr(data.feature_names[j]) for j in flat[:8]] + (["..."] if flat.size > 8 else [])
    parts = (["the intercept"] if with_intercept else []) + ([f"feature(s) {', '.join(shown)}"] if flat.size else [])
    return " and ".join(parts)


def _flat_design(data: RegressionData, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns of the flat coordinates (ones last, for the intercept) on the rows with weight > 0."""
    rows = data.weights > 0
    cols = [data.X[:, flat][rows]] if flat.size else []
    if data.fit_intercept:
        cols.append(np.ones((int(rows.sum()), 1)))
    return (np.hstack(cols) if cols else np.zeros((int(rows.sum()), 0))), rows


def check_rank(data: RegressionData, flat: np.ndarray) -> None:
    """Refuse more flat coefficients (intercept included) than the rank of their columns."""
    k = flat.size + int(data.fit_intercept)
    if flat.size == 0:
        return  # the intercept alone: rank 1 (some row has positive weight)
    if getattr(data, "has_rows", True):
        A, _ = _flat_design(data, flat)
        s = np.linalg.svd(A, compute_uv=False) if A.size else np.zeros(0)
        tol = max(A.shape) * np.finfo(float).eps * (float(s[0]) if s.size else 0.0)
        rank, n_rows = int(np.sum(s > tol)), A.shape[0]
    else:  # statistics alone: rank of the flat block of the centred (or raw) Gram matrix, plus the intercept
        ev = np.linalg.eigvalsh(data.gram_stats.gram[np.ix_(flat, flat)])
        tol = 1e3 * flat.size * np.finfo(float).eps * max(float(ev[-1]), 0.0)
        rank, n_rows = int(np.sum(ev > tol)) + int(data.fit_intercept), data.n_samples
    if rank < k:
        raise NoPosteriorModeError(
            f"The posterior has no unique mode: {k} coefficients have a flat prior "
            f"({_names(data, flat, data.fit_intercept)}) but their columns have rank {rank} on the "
            f"{n_rows} rows with positive weight, so the likelihood is constant along "
            f"{k - rank} direction(s) of them (not identified). {_FIX}"
        )


def separating_direction(data: RegressionData, flat: np.ndarray) -> np.ndarray | None:
    r"""A direction :math:`v` of the flat coordinates with :math:`(2y_i - 1)\tilde x_{i}^\top v \ge 0`
    for every row and :math:`> 0` for some (binary ``y``), or ``None``.

    Linear program (HiGHS through :func:`scipy.optimize.linprog`) on columns scaled to unit maximum:
    maximise :math:`\sum_i m_i` subject to :math:`m = \operatorname{diag}(2y - 1)\tilde X_{\mathcal F}v \ge 0`,
    :math:`-1 \le v \le 1`. A positive optimum is a separating direction; 0 means none (given full
    column rank, checked first).
    """
    A, rows = _flat_design(data, flat)
    if A.shape[1] == 0:
        return None
    signed = A * (2.0 * data.y[rows] - 1.0)[:, None]
    if A.shape[1] == 1 and not flat.size:  # the intercept alone: separated iff one class only
        sign = np.sign(signed[:, 0])
        return np.ones(1) * sign[0] if np.all(sign == sign[0]) else None
    from scipy.optimize import linprog

    colscale = np.max(np.abs(signed), axis=0)
    colscale[colscale == 0] = 1.0
    B = signed / colscale
    res = linprog(-B.sum(axis=0), A_ub=-B, b_ub=np.zeros(B.shape[0]), bounds=[(-1.0, 1.0)] * B.shape[1],
                  method="highs")
    if res.status != 0 or res.x is None:
        return None
    v = np.asarray(res.x)
    margins = B @ v
    if -res.fun > 1e-8 * B.shape[0] and np.min(margins) >= -1e-9 * max(1.0, float(np.max(np.abs(margins)))):
        return v / colscale
    return None


def multiclass_separating_direction(data: RegressionData, flat: np.ndarray, n_classes: int) -> np.ndarray | None:
    r"""A direction :math:`D` (shape (K, q)) of the flat coordinates of the multinomial (the flat
    weights and the intercepts of all K classes) with :math:`(D\tilde x_i)_{y_i} \ge (D\tilde x_i)_k`
    for every row and class and :math:`>` for some, or ``None``.

    Along such a :math:`D` every softmax term :math:`\log\sum_k e^{\eta_{ik}} - \eta_{i,y_i}` is
    non-increasing and one decreases strictly towards its infimum: no mode (the multiclass form of
    Albert & Anderson's separation). A shift of all classes changes no difference (the K-1
    differences are what the LP sees). Linear program (HiGHS) on columns scaled to unit maximum:
    maximise :math:`\sum_{i, k \ne y_i} t_{ik}` subject to
    :math:`t_{ik} = (D\tilde x_i)_{y_i} - (D\tilde x_i)_k \ge 0` and :math:`-1 \le D \le 1`;
    a positive optimum is a separating direction (given full column rank, checked first).
    """
    A, rows = _flat_design(data, flat)
    colscale = np.max(np.abs(A), axis=0)
    colscale[colscale == 0] = 1.0
    B = A / colscale
    y = data.y[rows].astype(np.int64)
    n, q = B.shape
    T = np.zeros((n, n_classes, n_classes, q))  # row (i, k): +x_i on class y_i, -x_i on class k
    T[np.arange(n)[:, None], np.arange(n_classes)[None, :], y[:, None], :] += B[:, None, :]
    T[:, np.arange(n_classes), np.arange(n_classes), :] -= B[:, None, :]
    keep = np.ones((n, n_classes), dtype=bool)
    keep[np.arange(n), y] = False
    T = T[keep].reshape(-1, n_classes * q)
    from scipy.optimize import linprog

    res = linprog(-T.sum(axis=0), A_ub=-T, b_ub=np.zeros(T.shape[0]),
                  bounds=[(-1.0, 1.0)] * T.shape[1], method="highs")
    if res.status != 0 or res.x is None:
        return None
    v = np.asarray(res.x)
    margins = T @ v
    if -res.fun > 1e-8 * n and np.min(margins) >= -1e-9 * max(1.0, float(np.max(np.abs(margins)))):
        return v.reshape(n_classes, q) / colscale
    return None


def multiclass_separation_error(data: RegressionData, flat: np.ndarray, n_classes: int) -> None:
    """Raise :class:`NoPosteriorModeError` if :func:`multiclass_separating_direction` finds one."""
    D = multiclass_separating_direction(data, flat, n_classes)
    if D is None:
        return
    size = np.abs(D - D.mean(axis=0)).max(axis=0)  # the part that is not a class shift
    used = flat[size[:flat.size] > 1e-12 * max(float(size.max()), 1e-300)]
    raise NoPosteriorModeError(
        f"The posterior has no mode: the classes are separated by the coefficients with a flat prior "
        f"({_names(data, used, bool(data.fit_intercept and size[-1] > 0))}): along a direction of their class "
        f"weights every row's own class score grows at least as fast as every other class's, and strictly "
        f"for some, so the multinomial likelihood keeps increasing as these coefficients grow without bound "
        f"(the MAP does not exist and the posterior is improper). {_FIX}"
    )


def zero_count_direction(data: RegressionData, flat: np.ndarray) -> np.ndarray | None:
    r"""A direction :math:`v` of the flat coordinates that drives the linear predictor to
    :math:`-\infty` on some rows with :math:`y_i = 0` and leaves it unchanged where :math:`y_i > 0`
    (count likelihoods, log link), or ``None``.

    Along :math:`a = \tilde X_{\mathcal F}v` the Poisson term :math:`e^{\eta_i + ta_i} - y_i(\eta_i + ta_i)`
    is unbounded above if some :math:`a_i > 0`, grows linearly if :math:`a_i < 0` with :math:`y_i > 0`,
    and decreases strictly towards 0 (never attained) if :math:`a_i < 0` with :math:`y_i = 0`; the NB2
    terms behave the same. So the MAP fails to exist iff some :math:`v` has :math:`a \le 0`,
    :math:`a_i = 0` for :math:`y_i > 0` and :math:`a \ne 0` (given full column rank, checked first).
    Linear program (HiGHS) on columns scaled to unit maximum: maximise :math:`-\sum_{y_i = 0} a_i`
    subject to those constraints and :math:`-1 \le v \le 1`; a positive optimum is such a direction.
    """
    A, rows = _flat_design(data, flat)
    if A.shape[1] == 0:
        return None
    zero = data.y[rows] == 0
    if not np.any(zero):
        return None
    if not flat.size:  # the intercept alone: a = v on every row, so only when every count is 0
        return -np.ones(1) if np.all(zero) else None
    from scipy.optimize import linprog

    colscale = np.max(np.abs(A), axis=0)
    colscale[colscale == 0] = 1.0
    B = A / colscale
    Z, P = B[zero], B[~zero]
    res = linprog(Z.sum(axis=0), A_ub=Z, b_ub=np.zeros(Z.shape[0]),
                  A_eq=P if P.shape[0] else None, b_eq=np.zeros(P.shape[0]) if P.shape[0] else None,
                  bounds=[(-1.0, 1.0)] * B.shape[1], method="highs")
    if res.status != 0 or res.x is None:
        return None
    v = np.asarray(res.x)
    tol = 1e-9 * max(1.0, float(np.max(np.abs(Z @ v))))
    if -res.fun > 1e-8 * Z.shape[0] and np.all(Z @ v <= tol) and (P.shape[0] == 0 or np.all(np.abs(P @ v) <= tol)):
        return v / colscale
    return None


def _direction_terms(data: RegressionData, flat: np.ndarray, v: np.ndarray) -> tuple[str, str]:
    """For a direction ``v`` over the flat coordinates (intercept last): the names of the coordinates
    it moves (:func:`_names`) and the direction itself (:func:`describe_direction`)."""
    used = flat[np.abs(v[:flat.size]) > 0] if flat.size else flat
    icpt = data.fit_intercept and v[-1] != 0
    return _names(data, used, bool(icpt)), describe_direction(data, flat, v)


def zero_count_error(data: RegressionData, flat: np.ndarray, v: np.ndarray, likelihood: str) -> NoPosteriorModeError:
    """The error raised for a direction ``v`` of :func:`zero_count_direction`."""
    names, direction = _direction_terms(data, flat, v)
    return NoPosteriorModeError(
        f"The posterior has no mode: along {direction} (coefficients with a flat prior: "
        f"{names}) the linear predictor falls without bound on rows with y = 0 and "
        f"stays unchanged on every row with y > 0, so the {likelihood} likelihood keeps increasing towards "
        f"its supremum without reaching it (e.g. an intercept when every count is 0): the MAP does not exist "
        f"and the posterior is improper. {_FIX}"
    )


def describe_direction(data: RegressionData, flat: np.ndarray, v: np.ndarray) -> str:
    """``2.1*x0 - 0.3*intercept`` (largest terms first, at most 6)."""
    names = [str(data.feature_names[j]) for j in flat] + (["intercept"] if data.fit_intercept else [])
    big = np.argsort(-np.abs(v))[:6]
    return " ".join(f"{'+' if v[i] >= 0 else '-'} {abs(v[i]):.3g}*{names[i]}" for i in big if v[i] != 0).lstrip("+ ")


def separation_error(data: RegressionData, flat: np.ndarray, v: np.ndarray, likelihood: str) -> NoPosteriorModeError:
    """The error raised for a separating direction ``v`` of the flat coordinates."""
    names, direction = _direction_terms(data, flat, v)
    return NoPosteriorModeError(
        f"The posterior has no mode: the data are separated by the coefficients with a flat prior "
        f"({names}). Along {direction}, every row with "
        f"y = 1 has a non-negative and every row with y = 0 a non-positive linear predictor, so the "
        f"{likelihood} likelihood keeps increasing as these coefficients grow without bound and their flat "
        f"prior does not stop them (the MAP does not exist and the posterior is improper). {_FIX}"
    )


def check_posterior_mode(data: RegressionData, prior: Prior, likelihood: Likelihood) -> None:
    """Raise :class:`NoPosteriorModeError` unless the posterior has a unique mode to look for.

    Runs the likelihood's hook :meth:`~bayesreg.model.likelihoods.Likelihood.check_mode_exists`
    on the flat coordinates of ``prior`` (nothing to check without them: a proper prior on every
    weight and no intercept make :math:`F` coercive).
    """
    flat = flat_features(prior, data.n_features)
    if flat.size == 0 and not data.fit_intercept:
        return
    likelihood.check_mode_exists(data, flat)
