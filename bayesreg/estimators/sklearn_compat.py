"""scikit-learn compatibility without depending on scikit-learn.

scikit-learn's ``BaseEstimator``, ``NotFittedError`` and ``DataConversionWarning`` are used when
scikit-learn is installed (so ``check_estimator`` and ``clone`` see the real thing); otherwise
minimal stand-ins with the same semantics. Also the input checks scikit-learn's estimator checks
expect (sparse, complex, 1-D or empty X; y=None; column-vector y), binary label encoding, and
scikit-learn's check of DataFrame column names at prediction time (:func:`check_feature_names`).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

__all__ = ["BaseEstimator", "NotFittedError", "DataConversionWarning", "check_design",
           "column_target", "encode_binary", "encode_classes", "column_names", "fitted_feature_names",
           "check_feature_names"]

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
    return encode_classes(y, n_samples, multiclass=False)


def encode_classes(y: np.ndarray, n_samples: int, multiclass: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Class labels -> (codes, ``classes_``): two labels give y in {0, 1} (the second sorted label is
    class 1); with ``multiclass``, K >= 3 labels give the codes 0..K-1 of the sorted labels."""
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
    if multiclass and classes.size > 2:
        return np.searchsorted(classes, y).astype(float), classes
    if classes.size != 2:
        shown = ", ".join(map(str, classes[:6])) + (", ..." if classes.size > 6 else "")
        what = "Only binary classification is supported: the" if classes.size > 2 else "The"
        raise ValueError(f"{what} logistic likelihood needs exactly two classes in y; got {classes.size} "
                         f"class(es): {{{shown}}}.")
    return (y == classes[1]).astype(float), classes




def column_names(X: Any) -> np.ndarray | None:
    """The column names of a DataFrame when they are all strings, else ``None`` (scikit-learn's rule).

    As ``sklearn.utils.validation._get_feature_names`` (1.9): non-string names (e.g. the integers of
    a DataFrame built from an array) count as no names, and a mix of strings and other types is a
    ``TypeError``.
    """
    columns = getattr(X, "columns", None)
    if columns is None or isinstance(X, np.ndarray) or getattr(X, "ndim", 2) != 2:
        return None
    names = np.asarray(list(columns), dtype=object)
    if names.size == 0:
        return None
    types = sorted({type(v).__qualname__ for v in names})
    if len(types) > 1 and "str" in types:
        raise TypeError("Feature names are only supported if all input features have string names, but your "
                        f"input has {types} as feature name / column name types. If you want feature names to be "
                        "stored and validated, you must convert them all to strings, by using X.columns = "
                        "X.columns.astype(str) for example. Otherwise you can remove feature / column names "
                        "from your input data, or convert them all to a non-string data type.")
    return names if types == ["str"] else None


def fitted_feature_names(X: Any, n_features: int, owner: str) -> tuple[list[str], bool]:
    """``(feature names, whether they came from string column names)`` of the design at ``fit``.

    A DataFrame's columns (as strings) or ``x0, x1, ...``; duplicated names are refused, for the MAP
    and for NUTS alike: ``coef_``, ``feature_names_in_`` and the posterior's ``feature`` coordinate
    are labelled by them, and :func:`check_feature_names` could not tell two such columns apart.
    """
    from bayesreg._validation import feature_names_of

    validated = column_names(X)
    names = feature_names_of(X, n_features)
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ValueError(f"X has duplicated column names {duplicated}: {owner} needs one name per feature (they "
                         "label coef_, feature_names_in_ and the posterior's 'feature' coordinate); rename or "
                         "drop the duplicated columns.")
    return names, validated is not None


def check_feature_names(estimator: Any, X: Any) -> None:
    """Compare the columns of ``X`` with those seen at ``fit``, exactly as scikit-learn 1.9 does.

    Fitted with string column names and given a DataFrame whose columns differ (renamed, missing,
    extra or reordered): ``ValueError`` listing them. One side with names and the other without: a
    ``UserWarning`` (the values are used by position). See
    ``sklearn.utils.validation._check_feature_names``.
    """
    import warnings

    name = type(estimator).__name__
    fitted = (np.asarray(estimator.feature_names_in_, dtype=object)
              if getattr(estimator, "_fitted_with_column_names", False) else None)
    given = column_names(X)
    if fitted is None and given is None:
        return
    if fitted is None:
        warnings.warn(f"X has feature names, but {name} was fitted without feature names", UserWarning,
                      stacklevel=_user_stacklevel())
        return
    if given is None:
        warnings.warn(f"X does not have valid feature names, but {name} was fitted with feature names",
                      UserWarning, stacklevel=_user_stacklevel())
        return
    if len(fitted) == len(given) and np.all(fitted == given):
        return
    message = "The feature names should match those that were passed during fit.\n"
    unexpected = sorted(set(given) - set(fitted))
    missing = sorted(set(fitted) - set(given))

    def listed(names: list[str]) -> str:
        shown = [f"- {n}\n" for n in names[:5]]
        return "".join(shown) + ("- ...\n" if len(names) > 5 else "")

    if unexpected:
        message += "Feature names unseen at fit time:\n" + listed(unexpected)
    if missing:
        message += "Feature names seen at fit time, yet now missing:\n" + listed(missing)
    if not missing and not unexpected:
        message += "Feature names must be in the same order as they were in fit.\n"
    raise ValueError(message)


def _user_stacklevel() -> int:
    """``stacklevel`` of the first caller outside the bayesreg package (for its caller's warnings)."""
    import os
    import sys

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame, level = sys._getframe(2), 2  # the frame that will call warnings.warn is level 1
    while frame is not None and frame.f_code.co_filename.startswith(package + os.sep):
        frame, level = frame.f_back, level + 1
    return level
