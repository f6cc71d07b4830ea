r"""K-fold cross-validation of the MAP along a penalty grid: scikit-learn's LassoCV and cv.glmnet's rules.

For fixed folds :math:`F_1, \dots, F_K` (default: scikit-learn's ``KFold(K)`` without shuffling,
the folds of ``LassoCV(cv=K)``; or cv.glmnet's ``foldid``), the MAP path is fitted on the rows outside
each fold (:func:`bayesreg.inference.path.regularization_path`, the same grid) and scored on the
fold's rows:

.. math::

    \mathrm{MSE}_{k}(v) = \frac{1}{|F_k|}\sum_{i \in F_k} \big(y_i - \hat c_{-k}(v) - x_i^\top \hat w_{-k}(v)\big)^2 .

``mse_path`` (n_grid x K) is scikit-learn's ``LassoCV.mse_path_``; scikit-learn chooses the
minimiser of the plain mean over folds (``mean_mse``). cv.glmnet weights the folds by their sizes
:math:`N_k` and reports a standard error:

.. math::

    \mathrm{cvm}(v) = \frac{\sum_k N_k\,\mathrm{MSE}_k(v)}{\sum_k N_k}, \qquad
    \mathrm{cvsd}(v) = \sqrt{\frac{\sum_k N_k(\mathrm{MSE}_k(v) - \mathrm{cvm}(v))^2 / \sum_k N_k}{K - 1}},

``lambda.min`` the strongest penalty among the minimisers of cvm, and ``lambda.1se`` the strongest
penalty with :math:`\mathrm{cvm} \le \mathrm{cvm}(\texttt{lambda.min}) + \mathrm{cvsd}(\texttt{lambda.min})`
("strongest" by the size of the penalty weights, so that it also holds for conventions whose
parameter is an inverse strength).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bayesreg._validation import check_matrix, check_target, describe
from bayesreg.inference.path import RegularizationPath, regularization_path, split_grid

__all__ = ["CVPath", "cross_validate_path", "kfold_ids"]


@dataclass(frozen=True, eq=False)
class CVPath:
    """Cross-validated prediction error along the grid (module docstring).

    Attributes
    ----------
    param : str
    grid : ndarray (n_grid,)
    fold_ids : ndarray of int (n,)
    mse_path : ndarray (n_grid, K)
        Mean squared error of each fold (scikit-learn's ``mse_path_``).
    mean_mse : ndarray (n_grid,)
        Plain mean over the folds (scikit-learn's criterion).
    cvm, cvsd : ndarray (n_grid,)
        cv.glmnet's fold-size-weighted mean and its standard error.
    index_min, index_1se : int
        Indices into ``grid`` of cv.glmnet's ``lambda.min`` and ``lambda.1se``.
    index_sklearn : int
        Index of scikit-learn's choice (``LassoCV.alpha_``: the minimiser of ``mean_mse``).
    full_path : RegularizationPath
        The path on all rows (what the chosen value is refitted with).
    """

    param: str
    grid: np.ndarray
    fold_ids: np.ndarray
    mse_path: np.ndarray
    mean_mse: np.ndarray
    cvm: np.ndarray
    cvsd: np.ndarray
    index_min: int
    index_1se: int
    index_sklearn: int
    full_path: RegularizationPath

    @property
    def value_min(self) -> float:
        """cv.glmnet's ``lambda.min`` in the grid's convention."""
        return float(self.grid[self.index_min])

    @property
    def value_1se(self) -> float:
        """cv.glmnet's ``lambda.1se`` in the grid's convention."""
        return float(self.grid[self.index_1se])

    @property
    def value_sklearn(self) -> float:
        """scikit-learn's ``LassoCV.alpha_`` rule in the grid's convention."""
        return float(self.grid[self.index_sklearn])


def kfold_ids(n: int, k: int) -> np.ndarray:
    """Fold labels of scikit-learn's ``KFold(k)`` (no shuffling): consecutive blocks, the first
    ``n % k`` one row longer."""
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    return np.repeat(np.arange(k), sizes)


def _fold_ids(folds: Any, n: int) -> np.ndarray:
    if isinstance(folds, (int, np.integer)) and not isinstance(folds, bool):
        if not 2 <= folds <= n:
            raise ValueError(f"The 'folds' parameter of cross_validate_path must be between 2 and the number "
                             f"of rows ({n}); got {folds!r}.")
        return kfold_ids(n, int(folds))
    ids = np.asarray(folds)
    if ids.shape != (n,) or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"The 'folds' parameter of cross_validate_path must be a number of folds or one "
                         f"integer fold label per row (shape ({n},)); got {describe(folds)}.")
    if np.unique(ids).size < 2:
        raise ValueError("The 'folds' parameter of cross_validate_path must hold at least 2 distinct fold "
                         f"labels; got {describe(folds)}.")
    return np.unique(ids, return_inverse=True)[1]


def cross_validate_path(X: Any, y: Any, convention: str, *, folds: Any = 5, fit_intercept: bool = True,
                        noise_sigma: float = 1.0, **params: Any) -> CVPath:
    """K-fold cross-validation of the exact MAP along the grid (module docstring).

    Parameters
    ----------
    X, y : array-like
    convention : str
        A squared-error convention (:func:`bayesreg.regularization_path`).
    folds : int or array-like of int (n,), default=5
        Number of consecutive folds (scikit-learn's ``KFold``, as ``LassoCV(cv=folds)``), or a fold
        label per row (cv.glmnet's ``foldid``).
    fit_intercept, noise_sigma
        As in :func:`bayesreg.regularization_path`.
    **params
        The grid under the convention's parameter name, and its other parameters.

    Returns
    -------
    CVPath
    """
    split_grid(convention, params)  # the grid's errors before any fitting
    Xa = check_matrix(X)
    ya = check_target(y, Xa.shape[0], binary=False)
    n = Xa.shape[0]
    if n < 4:
        raise ValueError(f"The 'X' parameter of cross_validate_path must have at least 4 rows (two folds "
                         f"of two); got {n}.")
    ids = _fold_ids(folds, n)
    K = int(ids.max()) + 1
    full = regularization_path(X, y, convention, fit_intercept=fit_intercept, noise_sigma=noise_sigma, **params)
    mse = np.empty((full.grid.size, K))
    sizes = np.bincount(ids, minlength=K).astype(float)
    for k in range(K):
        test = ids == k
        fold = regularization_path(Xa[~test], ya[~test], convention, fit_intercept=fit_intercept,
                                   noise_sigma=noise_sigma, **params)
        pred = fold.intercept_[:, None] + fold.coef_ @ Xa[test].T
        mse[:, k] = np.mean((ya[test][None, :] - pred) ** 2, axis=1)
    mean = mse.mean(axis=1)
    cvm = mse @ sizes / sizes.sum()
    cvsd = np.sqrt(((mse - cvm[:, None]) ** 2) @ sizes / sizes.sum() / (K - 1))
    strength = np.array([float(np.sum(1.0 / b) + np.sum(0.5 / t**2))
                         for b, t in zip(full.prior_b, full.prior_tau, strict=True)])

    def strongest(mask: np.ndarray) -> int:
        idx = np.flatnonzero(mask)
        return int(idx[np.argmax(strength[idx])])

    i_min = strongest(cvm <= cvm.min())
    i_1se = strongest(cvm <= cvm[i_min] + cvsd[i_min])
    # scikit-learn: argmin of the mean over folds along its (decreasing) alphas: the strongest on ties
    i_sk = strongest(mean <= mean.min())
    return CVPath(full.param, full.grid, ids, mse, mean, cvm, cvsd, i_min, i_1se, i_sk, full)
