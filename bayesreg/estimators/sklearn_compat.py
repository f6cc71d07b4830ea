"""scikit-learn compatibility without depending on scikit-learn.

scikit-learn's ``BaseEstimator``, ``NotFittedError`` and ``DataConversionWarning`` are used when
scikit-learn is installed (so ``check_estimator`` and ``clone`` see the real thing); otherwise
minimal stand-ins with the same semantics. Also the input checks scikit-learn's estimator checks
expect (sparse, complex, 1-D or empty X; y=None; column-vector y) and binary label encoding.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

__all__ = ["BaseEstimator", "NotFittedError", "DataConversionWarning", "check_design",
           "column_target", "encode_binary"]

try:  # pragma: no cover - depends on the environment
    from sklearn.base import BaseEstimator
    from sklearn.exceptions import DataConversionWarning, NotFittedError
except ImportError:  # pragma: no cover
    class NotFittedError(ValueError, AttributeError):
        """Raised when a method needs a fitted estimator (as scikit-learn's NotFittedError)."""

    class DataConversionWarning(UserWarning):
        """Input data converted silently otherwise (as scikit-learn's DataConversionWarning)."""

    class BaseEstimator:  # minimal get_params/set_params, same semantics as scikit-learn's
        @classmethod
        def _get_param_names(cls) -> list[str]:
            sig = inspect.signature(cls.__init__)
            return sorted(p for p in sig.parameters if p != "self")

        def get_params(self, deep: bool = True) -> dict[str, Any]:
            return {k: getattr(self, k) for k in self._get_param_names()}

        def set_params(self, **params: Any) -> BaseEstimator:
            valid = self._get_param_names()
            for k, v in params.items():
                if k not in valid:
                    raise ValueError(f"Invalid parameter {k!r} for {type(self).__name__}; valid: {valid}.")
                setattr(self, k, v)
            return self


def check_design(X: Any) -> np.ndarray:
    """``X`` as a finite float64 2-D array, rejecting what ``np.asarray(X, float)`` mishandles.

    Sparse matrices are refused explicitly, complex values are refused instead of losing their
    imaginary part, numpy's message is kept for non-numeric objects, and 1-D or empty arrays get
    scikit-learn's wording; the rest is :func:`bayesreg._validation.check_matrix`.
    """
    from scipy import sparse

    from bayesreg._validation import check_matrix

    if sparse.issparse(X):
        raise TypeError(f"Sparse input is not supported (got {type(X).__name__}); pass a dense "
                        "array, e.g. X.toarray().")
    arr = np.asarray(X)
    if np.iscomplexobj(arr):
        raise ValueError(f"Complex data not supported: X has dtype {arr.dtype}.")
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"X must be a numeric 2-D array (n_samples, n_features): {exc}.") from None
    if arr.ndim != 2:
        raise ValueError(f"X must be a 2-D array of shape (n_samples, n_features); got an array of shape "
                         f"{arr.shape}. Reshape your data either using X.reshape(-1, 1) if it has a single "
                         "feature or X.reshape(1, -1) if it contains a single sample.")
    for axis, what in ((0, "sample"), (1, "feature")):
        if arr.shape[axis] == 0:
            raise ValueError(f"X has 0 {what}(s) (shape={arr.shape}) while a minimum of 1 is required.")
    return check_matrix(arr)


def column_target(y: Any, owner: str) -> np.ndarray:
    """``y`` as a 1-D array (dtype kept); a column vector is flattened with a warning."""
    if y is None:
        raise ValueError(f"{owner} requires y to be passed, but the target y is None.")
    ya = np.asarray(y)
    if ya.ndim == 2 and ya.shape[1] == 1:
        import warnings

        warnings.warn("A column-vector y was passed when a 1d array was expected; it is used as "
                      "y.ravel(). Pass y of shape (n_samples,) to silence this warning.",
                      DataConversionWarning, stacklevel=4)
        ya = ya[:, 0]
    return ya


def encode_binary(y: np.ndarray, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Two class labels -> (y in {0, 1}, ``classes_``); the second sorted label is class 1."""
    from bayesreg._validation import check_target

    if y.dtype.kind in "biufc":
        check_target(y, n_samples, binary=False)  # shape and finiteness, with bayesreg's messages
        if y.dtype.kind in "fc" and np.any(y != np.round(y)):
            raise ValueError("Unknown label type: continuous (y has non-integer values). The logistic "
                             "likelihood needs two class labels, e.g. 0 and 1.")
    elif y.ndim != 1 or y.shape[0] != n_samples:
        check_target(np.zeros(y.shape), n_samples, binary=False)  # the shape messages
    try:
        classes = np.unique(y)
    except TypeError:
        raise ValueError("Unknown label type: y mixes labels of different types (e.g. strings and "
                         "numbers).") from None
    if classes.size != 2:
        shown = ", ".join(map(str, classes[:6])) + (", ..." if classes.size > 6 else "")
        what = "Only binary classification is supported: the" if classes.size > 2 else "The"
        raise ValueError(f"{what} logistic likelihood needs exactly two classes in y; got {classes.size} "
                         f"class(es): {{{shown}}}.")
    return (y == classes[1]).astype(float), classes


