"""``bayesreg fit --formula "y ~ x1 + C(g)"``: the data frame and the design the formula makes of it.

The CSV is read as it is (text columns kept for ``C(g)``) with
:func:`bayesreg.datasets.load_table`; a bundled data set is its features plus its response column
(``diabetes``: ``y``, ``breast_cancer``: ``target``). The design matrix comes from
:func:`bayesreg.formula_design`, the same function ``BayesianRegression.from_formula`` fits with,
so the penalty -> prior mapping (n; glmnet's X and y) and the plug-in noise scale see exactly the
columns that are fitted.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from bayesreg.cli.options import UserError

__all__ = ["load_frame", "formula_dataset"]


def load_frame(data: str) -> Any:
    """A bundled data set (features and response) or a CSV file as a pandas DataFrame."""
    import os

    from bayesreg.datasets import list_datasets, load_dataset, load_table

    if data in list_datasets():
        ds = load_dataset(data)
        return ds.X.assign(**{str(ds.y.name): ds.y})
    if not os.path.exists(data):
        raise UserError(f"--data {data!r} is neither a bundled data set ({', '.join(list_datasets())}) "
                        "nor an existing CSV file.")
    try:
        return load_table(data)
    except (OSError, ValueError) as exc:
        raise UserError(str(exc)) from None


def formula_dataset(formula: str, data: str, weights: str | None) -> tuple[Any, Any, np.ndarray | None]:
    """``(frame, dataset, weights)``: the frame to fit the formula on, its design as a dataset, weights.

    The dataset has ``X`` (the formula's design, named columns, no intercept column), ``y`` (a
    two-label response encoded 0/1, the second sorted label being 1 as in the estimators) and
    ``task`` (``"classification"`` for 0/1 or two text labels).
    """
    import bayesreg as br

    frame = load_frame(data)
    w = None
    if weights is not None:
        if weights not in frame.columns:
            raise UserError(f"--weights column {weights!r} not found; columns: {list(map(str, frame.columns))}.")
        w = frame[weights].to_numpy(dtype=float)
    try:
        design = br.formula_design(formula, frame)
    except (ImportError, ValueError, TypeError) as exc:
        raise UserError(f"--formula: {exc}") from None
    y = design.y
    labels = np.unique(y.astype(str)) if y.dtype.kind not in "biuf" else np.unique(y)
    binary = labels.size == 2 and (y.dtype.kind not in "biuf" or set(labels.tolist()) == {0, 1})
    if binary:
        y = (y.astype(str) == labels[1]).astype(float) if y.dtype.kind not in "biuf" else (y == 1).astype(float)
    task = "classification" if binary else "regression"
    return frame, SimpleNamespace(X=design.X, y=y, task=task), w
