r"""Formula input: ``"y ~ x1 + C(g)"`` and a data frame -> a named design matrix and a response.

A Wilkinson formula is turned into a design matrix by `formulaic
<https://matthewwardrop.github.io/formulaic/>`_ (optional dependency: ``pip install
'bayesreg[formula]'``; ``docs/formulas.md`` says why formulaic rather than formulae). formulaic
learns the encoding from the data it first sees — the levels of each categorical variable, the
mean and sd of ``center(x)`` / ``scale(x)`` — and keeps it in a ``ModelSpec``;
:func:`apply_formula` re-applies that encoding to new data, so a model fitted on one frame
predicts on another with the same columns in the same order.

The formula's intercept is not a column here: formulaic's ``Intercept`` column is dropped and
reported as ``fit_intercept``, which bayesreg fits as its own unpenalised, flat-prior intercept
(a constant column would be penalised like any other). ``y ~ x - 1`` and ``y ~ 0 + x`` give
``fit_intercept=False``. Categorical variables are treatment (dummy) coded against their first
level when the model has an intercept, and fully dummy coded when it has none (the first
categorical term of ``y ~ 0 + C(g)``), as in R; the columns are named as formulaic names them
(``C(g)[T.b]``), and those names become the feature names.

Nothing is dropped or guessed silently: missing values, levels not seen when the encoding was
learned, and missing columns are errors that name the variable.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FormulaDesign", "formula_design", "apply_formula", "response_of", "formula_has_intercept",
           "INSTALL_HINT"]

INSTALL_HINT = "pip install 'bayesreg[formula]' (or: pip install formulaic)"
_INTERCEPT = "Intercept"  # formulaic's name for the constant column


def _formulaic() -> Any:
    """Import formulaic, or say how to install it."""
    try:
        import formulaic
    except ImportError:
        raise ImportError(f"Formula input needs the optional package formulaic: {INSTALL_HINT}.") from None
    return formulaic


@dataclass(frozen=True, eq=False)
class FormulaDesign:
    """A formula evaluated on a data frame: what a fit needs, and the encoding to reuse.

    Attributes
    ----------
    formula : str
        The formula as given.
    X : pandas.DataFrame
        Design matrix without the intercept column, float64, columns named by formulaic
        (``x1``, ``C(g)[T.b]``, ``center(x2)``, ``x1:C(g)[T.b]``), index of the data.
    y : numpy.ndarray
        Response: the raw column when the left-hand side is a column name (so two class labels
        such as ``"no"``/``"yes"`` stay labels), else the evaluated expression (``np.log(y)``).
    fit_intercept : bool
        Whether the formula has an intercept (``1``, implicit); ``- 1`` / ``0 +`` remove it.
    model_spec : formulaic.ModelSpecs
        formulaic's learned encoding (``.rhs`` for the predictors, ``.lhs`` for the response);
        :func:`apply_formula` applies it to new data.
    """

    formula: str
    X: pd.DataFrame
    y: np.ndarray
    fit_intercept: bool
    model_spec: Any

    @property
    def feature_names(self) -> list[str]:
        return [str(c) for c in self.X.columns]


def _parse(formula: object) -> Any:
    formulaic = _formulaic()
    if not isinstance(formula, str):
        raise TypeError(f"The 'formula' parameter must be a string such as 'y ~ x1 + C(g)'; "
                        f"got {type(formula).__name__}.")
    try:
        parsed = formulaic.Formula(formula)
    except Exception as exc:  # formulaic's syntax errors carry ANSI-coloured pointers: keep the first line
        first = re.sub(r"\x1b\[[0-9;]*m|[⧚⧛]", "", str(exc)).strip().splitlines()[0]
        raise ValueError(f"The 'formula' parameter could not be parsed: {formula!r}: {first}") from None
    if not hasattr(parsed, "lhs") or not list(parsed.lhs):
        raise ValueError(f"The 'formula' parameter needs a response on the left of '~', e.g. 'y ~ x1 + C(g)'; "
                         f"got {formula!r}.")
    if len(getattr(parsed, "rhs", [])) == 0:
        raise ValueError(f"The 'formula' parameter has an empty right-hand side; got {formula!r}.")
    return parsed


def formula_has_intercept(formula: str) -> bool:
    """Whether the right-hand side of ``formula`` has an intercept (no data needed)."""
    return any(str(term) == "1" for term in _parse(formula).rhs)


def _response_column(parsed: Any) -> str | None:
    """The column name when the left-hand side is a bare column (``y``, ```my y```), else None."""
    terms = list(parsed.lhs)
    if len(terms) != 1 or len(terms[0].factors) != 1:
        return None
    factor = terms[0].factors[0]
    return str(factor) if getattr(factor.eval_method, "value", None) == "lookup" else None


def _materialize(what: str, formula: str, call: Any) -> tuple[Any, str | None]:
    """Run a formulaic call: its errors become errors naming ``what``; also the unseen-level warning."""
    formulaic = _formulaic()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", formulaic.errors.DataMismatchWarning)
        try:
            result = call()
        except (formulaic.errors.FormulaicError, ValueError, TypeError, KeyError) as exc:
            if "null values" in str(exc):
                raise ValueError(f"{what}: {exc} bayesreg does not drop rows silently: drop or impute the "
                                 "missing values first (e.g. data.dropna()).") from None
            raise ValueError(f"{what}: the formula {formula!r} cannot be evaluated: {exc}") from None
    mismatches = [str(w.message) for w in caught if issubclass(w.category, formulaic.errors.DataMismatchWarning)]
    if mismatches:  # an error follows; pandas' warnings about the same values would only add noise
        return result, mismatches[0]
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result, None


def _categorical_levels(spec: Any) -> dict[str, list[Any]]:
    """Levels of each categorical factor learned by formulaic, by factor expression."""
    levels = {}
    for name, (kind, state) in getattr(spec, "encoder_state", {}).items():
        if getattr(kind, "value", None) == "categorical" and "categories" in state:
            levels[name] = list(state["categories"])
    return levels


def _show(value: Any) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _unseen_level_error(spec: Any, data: Any, formula: str, mismatch: str, *, at_fit: bool = False) -> ValueError:
    """Name the variable(s) with levels not seen when the encoding was learned."""
    found = []
    for name, known in _categorical_levels(spec).items():
        m = re.fullmatch(r"C\(\s*`?([^,`]+?)`?\s*(,.*)?\)|`?([^`]+?)`?", name)
        column = (m.group(1) or m.group(3)) if m else None
        try:
            values = pd.unique(pd.Series(np.asarray(data[column])).dropna())
        except (KeyError, TypeError, ValueError, IndexError):
            continue
        new = [v for v in values if v not in set(known)]
        if new:
            found.append(f"{name}: {', '.join(map(_show, new))} (known levels: {', '.join(map(_show, known))})")
    where = ("; ".join(found) if found else
             mismatch.split(". ")[0] + "; categorical terms and their known levels: "
             + "; ".join(f"{k}: {', '.join(map(_show, v))}" for k, v in _categorical_levels(spec).items()))
    if at_fit:
        return ValueError(f"data has categorical level(s) outside the levels the formula {formula!r} names: "
                          f"{where}. Add them to levels=[...] or map them to a named level.")
    return ValueError(f"X has categorical level(s) not seen at fit for the formula {formula!r}: {where}. A "
                      "coefficient exists only for levels seen at fit; map the new level to a known one or "
                      "refit with data that contains it.")


def formula_design(formula: str, data: Any) -> FormulaDesign:
    """Evaluate ``formula`` on ``data``: design matrix, response, intercept and the learned encoding.

    Parameters
    ----------
    formula : str
        Wilkinson formula with a response, e.g. ``"y ~ x1 + C(g)"``, ``"y ~ 0 + x1"``,
        ``"y ~ center(x1) * C(g)"``, ``"np.log(y) ~ x1"`` (formulaic's grammar).
    data : pandas.DataFrame or mapping of columns
        The variables named in the formula; other columns are ignored.

    Returns
    -------
    FormulaDesign

    Raises
    ------
    ImportError
        formulaic is not installed (the message says how to install it).
    ValueError
        The formula does not parse or has no response, a variable is missing, a value is missing
        (NaN/None: rows are never dropped silently), the response is not one column, or the
        right-hand side has no predictor besides the intercept.
    """
    formulaic = _formulaic()
    parsed = _parse(formula)
    if data is None:
        raise ValueError(f"The 'data' parameter is required to evaluate the formula {formula!r}: a pandas "
                         "DataFrame with the variables it names; got None.")
    matrices, mismatch = _materialize("data", formula, lambda: formulaic.model_matrix(
        parsed, data, na_action="raise", ensure_full_rank=True))
    if mismatch is not None:  # C(g, levels=[...]) that leaves out levels present in the data
        raise _unseen_level_error(matrices.model_spec.rhs, data, formula, mismatch, at_fit=True)
    rhs = matrices.rhs
    names = [str(c) for c in rhs.columns]
    has_intercept = _INTERCEPT in names and any(str(t) == "1" for t in parsed.rhs)
    keep = [j for j, c in enumerate(names) if not (has_intercept and c == _INTERCEPT)]
    if not keep:
        raise ValueError(f"The 'formula' parameter has no predictor on the right-hand side (only the intercept, "
                         f"which bayesreg fits as fit_intercept); got {formula!r}.")
    X = pd.DataFrame(np.asarray(rhs, dtype=float)[:, keep], columns=[names[j] for j in keep],
                     index=getattr(data, "index", None))
    column = _response_column(parsed)
    if column is not None:
        y = np.asarray(data[column])
    else:
        lhs = matrices.lhs
        if lhs.shape[1] != 1:
            raise ValueError(f"The left-hand side of the formula {formula!r} must give one column (the "
                             f"response); it gives {lhs.shape[1]}: {', '.join(map(str, lhs.columns))}.")
        y = np.asarray(lhs)[:, 0]
    return FormulaDesign(formula, X, y, has_intercept, matrices.model_spec)


def apply_formula(design: FormulaDesign | Any, data: Any, formula: str | None = None) -> pd.DataFrame:
    """The design matrix of new ``data`` under a learned encoding (no response needed).

    Parameters
    ----------
    design : FormulaDesign or formulaic.ModelSpecs
        The encoding learned by :func:`formula_design` (levels, ``center``/``scale`` states).
    data : pandas.DataFrame or mapping of columns
        New data with the right-hand side's variables.

    Returns
    -------
    pandas.DataFrame
        Same columns, in the same order, as ``design.X``.

    Raises
    ------
    ValueError
        A variable is missing, a value is missing, or a categorical variable has a level not
        seen when the encoding was learned (named, with the known levels).
    """
    spec = design.model_spec if isinstance(design, FormulaDesign) else design
    formula = formula or (design.formula if isinstance(design, FormulaDesign) else str(spec.rhs.formula))
    if isinstance(data, np.ndarray) or not hasattr(data, "__getitem__"):
        raise TypeError(f"X must be a pandas DataFrame with the variables of the formula {formula!r} (the "
                        f"estimator was fitted from the formula); got {type(data).__name__}.")
    rhs_spec = spec.rhs
    matrix, mismatch = _materialize("X", formula, lambda: rhs_spec.get_model_matrix(data))
    if mismatch is not None:
        raise _unseen_level_error(rhs_spec, data, formula, mismatch)
    names = [str(c) for c in matrix.columns]
    has_intercept = any(str(t) == "1" for t in rhs_spec.formula)
    keep = [j for j, c in enumerate(names) if not (has_intercept and c == _INTERCEPT)]
    return pd.DataFrame(np.asarray(matrix, dtype=float)[:, keep], columns=[names[j] for j in keep],
                        index=getattr(data, "index", None))


def response_of(design: FormulaDesign | Any, data: Any, formula: str) -> np.ndarray:
    """The response of ``data`` as the formula defines it (for ``score``)."""
    parsed = _parse(formula)
    column = _response_column(parsed)
    if column is not None:
        try:
            return np.asarray(data[column])
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"y is None and X has no response column {column!r} (the left-hand side of "
                             f"{formula!r}); pass y or include the column.") from None
    spec = design.model_spec if isinstance(design, FormulaDesign) else design
    lhs, _ = _materialize("X", formula, lambda: spec.lhs.get_model_matrix(data))
    return np.asarray(lhs)[:, 0]
