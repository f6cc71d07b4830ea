"""Input validation with one message format.

Every message names the parameter, says what was expected and what was received, e.g.
``"The 'b' parameter of Laplace must be > 0 (a positive scale); got -1.0."``
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import numpy as np

__all__ = [
    "check_scale",
    "check_nonnegative",
    "check_positive_float",
    "check_fraction",
    "check_matrix",
    "check_target",
    "check_sample_weight",
    "check_bool",
    "check_open_fraction",
    "check_count",
    "check_choice",
    "check_random_seed",
    "describe",
]


def describe(value: object) -> str:
    """Short, readable description of a received value for error messages."""
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            return f"array {np.array2string(value, precision=4)}"
        return f"array of shape {value.shape}"
    if isinstance(value, (list, tuple)) and len(value) > 6:
        return f"{type(value).__name__} of length {len(value)}"
    return repr(value)


def _non_numeric_kind(value: object) -> str | None:
    """``"a boolean"`` / ``"text"`` for values ``float()`` would accept silently (True -> 1.0, "1" -> 1.0)."""
    if isinstance(value, (bool, np.bool_)):
        return "a boolean"
    if isinstance(value, (str, bytes)):
        return "text"
    try:
        kind = np.asarray(value).dtype.kind
    except (TypeError, ValueError):
        return None
    return {"b": "a boolean", "U": "text", "S": "text"}.get(kind)


def _as_float_array(name: str, owner: str, value: object) -> np.ndarray:
    kind = _non_numeric_kind(value)
    if kind is not None:
        raise TypeError(
            f"The {name!r} parameter of {owner} must be a real number or a 1-D array of real "
            f"numbers, not {kind}; got {describe(value)}."
        )
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"The {name!r} parameter of {owner} must be a real number or a 1-D array of real "
            f"numbers; got {describe(value)}."
        ) from None
    if arr.ndim > 1:
        raise ValueError(
            f"The {name!r} parameter of {owner} must be a scalar or a 1-D array (one value per "
            f"feature); got an array of shape {arr.shape}."
        )
    if arr.ndim == 1 and arr.size == 0:
        raise ValueError(f"The {name!r} parameter of {owner} must not be empty.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(
            f"The {name!r} parameter of {owner} must be finite; got {describe(value)} "
            "(contains NaN or inf)."
        )
    return arr


def _freeze(arr: np.ndarray) -> float | tuple[float, ...]:
    return float(arr) if arr.ndim == 0 else tuple(float(v) for v in arr)


def check_scale(name: str, owner: str, value: object) -> float | tuple[float, ...]:
    """Validate a strictly positive scale (scalar or one per feature); return it immutable."""
    arr = _as_float_array(name, owner, value)
    if np.any(arr <= 0):
        raise ValueError(
            f"The {name!r} parameter of {owner} must be > 0 (a positive scale); "
            f"got {describe(value)}."
        )
    return _freeze(arr)


def check_nonnegative(name: str, owner: str, value: object) -> float | tuple[float, ...]:
    """Validate a non-negative penalty weight (scalar or one per feature)."""
    arr = _as_float_array(name, owner, value)
    if np.any(arr < 0):
        raise ValueError(
            f"The {name!r} parameter of {owner} must be >= 0 (a penalty cannot be negative); "
            f"got {describe(value)}."
        )
    return _freeze(arr)


def check_positive_float(name: str, owner: str, value: object, *, allow_inf: bool = False) -> float:
    """Validate a strictly positive real scalar (a penalty strength, a noise scale, ``n``)."""
    if isinstance(value, bool) or not isinstance(value, (Real, np.number)):
        raise TypeError(
            f"The {name!r} parameter of {owner} must be a positive real number; "
            f"got {describe(value)}."
        )
    v = float(value)
    if np.isnan(v) or (np.isinf(v) and not allow_inf):
        raise ValueError(f"The {name!r} parameter of {owner} must be finite; got {v!r}.")
    if v <= 0:
        raise ValueError(f"The {name!r} parameter of {owner} must be > 0; got {v!r}.")
    return v


def check_fraction(name: str, owner: str, value: object) -> float:
    """Validate a mixing fraction in [0, 1] (``l1_ratio``, ``alpha`` of glmnet)."""
    if isinstance(value, bool) or not isinstance(value, (Real, np.number)):
        raise TypeError(
            f"The {name!r} parameter of {owner} must be a float in [0, 1]; got {describe(value)}."
        )
    v = float(value)
    if not (0.0 <= v <= 1.0):
        raise ValueError(f"The {name!r} parameter of {owner} must be in [0, 1]; got {v!r}.")
    return v


def check_matrix(X: object, name: str = "X") -> np.ndarray:
    """Validate a finite 2-D design matrix; return a float64 array."""
    try:
        arr = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a numeric 2-D array (n_samples, n_features); "
            f"got {type(X).__name__} with non-numeric entries."
        ) from None
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_features); "
            f"got an array of shape {arr.shape}."
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must have at least one sample and one feature; got {arr.shape}.")
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.sum(arr, dtype=float)  # finite sum => every entry finite; O(1) memory
    if np.isfinite(total):
        return arr
    bad = ~np.isfinite(arr)  # the sum overflowed or X holds NaN/inf: find them exactly
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(
            f"{name} must be finite; got {int(bad.sum())} NaN/inf value(s), first at "
            f"row {i}, column {j} ({float(arr[i, j])!r})."
        )
    return arr


def check_target(y: object, n_samples: int, *, binary: bool) -> np.ndarray:
    """Validate the target: finite, 1-D, ``n_samples`` long; in {0, 1} when ``binary``."""
    try:
        arr = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"y must be a numeric 1-D array; got {type(y).__name__}.") from None
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"y must be a 1-D array of shape (n_samples,); got shape {arr.shape}.")
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: X has {n_samples} rows, "
            f"y has {arr.shape[0]}."
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"y must be finite; got {int(bad.sum())} NaN/inf value(s), first at row {i} "
            f"({float(arr[i])!r})."
        )
    if binary:
        values = np.unique(arr)
        if not np.all(np.isin(values, (0.0, 1.0))):
            shown = ", ".join(f"{v:g}" for v in values[:6]) + (", ..." if values.size > 6 else "")
            raise ValueError(
                "y must contain only 0 and 1 for the logistic likelihood; "
                f"got values {{{shown}}}."
            )
    return arr


def check_sample_weight(sample_weight: object, n_samples: int, name: str = "sample_weight") -> np.ndarray | None:
    """Validate non-negative, finite sample weights with a positive sum (``None`` passes)."""
    if sample_weight is None:
        return None
    arr = np.asarray(sample_weight, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n_samples, float(arr))
    if arr.shape != (n_samples,):
        raise ValueError(
            f"{name} must have shape ({n_samples},) to match X; got shape {arr.shape}."
        )
    if np.all(np.isfinite(arr)) and np.all(arr >= 0) and arr.sum() <= 0:
        raise ValueError(f"{name} must not be all zero: the likelihood would be empty; "
                         f"got {describe(arr)}.")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(
            f"{name} must be finite and non-negative with a positive sum; "
            f"got {describe(arr)}."
        )
    return arr


def feature_names_of(X: object, n_features: int) -> list[str]:
    """Column names of a DataFrame, else ``x0, x1, ...``."""
    columns: Sequence[object] | None = getattr(X, "columns", None)
    if columns is not None:
        return [str(c) for c in columns]
    return [f"x{j}" for j in range(n_features)]


def _is_real(value: object) -> bool:
    return isinstance(value, (Real, np.number)) and not isinstance(value, (bool, np.bool_, complex, np.complexfloating))


def check_bool(name: str, owner: str, value: object) -> bool:
    """Validate a boolean flag (``True``/``False``; NumPy booleans pass): ``'no'`` or ``0`` do not."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"The {name!r} parameter of {owner} must be a bool (True or False); "
                        f"got {describe(value)}.")
    return bool(value)


def check_open_fraction(name: str, owner: str, value: object, *, what: str = "a probability") -> float:
    """Validate a real number strictly inside (0, 1) (``tol``, ``target_accept``, ``hdi_prob``)."""
    if not _is_real(value):
        raise TypeError(f"The {name!r} parameter of {owner} must be a float in (0, 1) ({what}); "
                        f"got {describe(value)}.")
    v = float(value)
    if not (0.0 < v < 1.0):  # NaN fails too
        raise ValueError(f"The {name!r} parameter of {owner} must be in (0, 1) ({what}); got {v!r}.")
    return v


def check_count(name: str, owner: str, value: object, *, minimum: int = 1) -> int:
    """Validate an integer count ``>= minimum`` (``draws``, ``tune``, ``chains``); bools and floats fail."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"The {name!r} parameter of {owner} must be an integer >= {minimum}; "
                        f"got {describe(value)}.")
    if value < minimum:
        raise ValueError(f"The {name!r} parameter of {owner} must be an integer >= {minimum}; got {int(value)}.")
    return int(value)


def check_choice(name: str, owner: str, value: object, choices: Sequence[object]) -> object:
    """Validate that ``value`` is one of ``choices``; the message lists them."""
    if not any(value is c or (isinstance(value, type(c)) and value == c) for c in choices):
        raise ValueError(f"The {name!r} parameter of {owner} must be one of "
                         f"{', '.join(map(repr, choices))}; got {describe(value)}.")
    return value


def check_random_seed(name: str, owner: str, value: object) -> object:
    """Validate a seed: ``None``, a non-negative integer or a ``numpy.random.Generator``."""
    if value is None or isinstance(value, np.random.Generator):
        return value
    check_count(name, owner, value, minimum=0)
    return value
