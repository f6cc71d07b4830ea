"""Formula input for the estimators: ``BayesianRegression.from_formula("y ~ x1 + C(g)", data=df)``.

:class:`FormulaMixin` is mixed into :class:`~bayesreg.BayesianRegression` (and so into every
preset). :meth:`~FormulaMixin.from_formula` builds an estimator that remembers its formula (and
the data, for a plain ``fit()``); ``fit`` learns the encoding with
:func:`bayesreg.model.formula.formula_design` and keeps it in ``model_spec_``; ``predict``,
``predict_proba``, ``decision_function``, ``predictive_draws`` and ``score`` apply the same
encoding to a new data frame (:func:`bayesreg.model.formula.apply_formula`).

The formula is not a constructor parameter (every preset would need it in its signature):
``get_params`` is unchanged, and ``sklearn.base.clone`` keeps the formula (and the data reference)
through ``__sklearn_clone__``, so cross-validation and grid search refit the same formula on each
training fold: ``cross_val_score(est, df)`` (no ``y``: the response is the formula's left-hand
side).
"""

from __future__ import annotations

from typing import Any

from bayesreg.model.formula import apply_formula, formula_design, formula_has_intercept, response_of

__all__ = ["FormulaMixin"]


class FormulaMixin:
    """``from_formula`` and the formula's encoding at fit and prediction time.

    The host class provides ``fit_intercept`` and the design-matrix methods ``_check_X`` and
    ``score`` further along the MRO, and calls :meth:`_formula_inputs` at the start of ``fit``,
    as :class:`~bayesreg.BayesianRegression` does.
    """

    _formula: str | None = None
    _formula_data: Any = None

    @classmethod
    def from_formula(cls, formula: str, data: Any = None, **params: Any) -> Any:
        """An unfitted estimator for ``formula``; ``fit()`` then fits it on ``data``.

        Parameters
        ----------
        formula : str
            Wilkinson formula (formulaic's grammar), e.g. ``"y ~ x1 + C(g)"``,
            ``"y ~ center(x1) * C(g)"``, ``"y ~ 0 + x1"``. The left-hand side is the response (for
            the logistic likelihood a column with two labels, e.g. 0/1 or ``"no"``/``"yes"``);
            the intercept is bayesreg's unpenalised one (``fit_intercept``), and ``- 1`` or
            ``0 +`` turn it off.
        data : pandas.DataFrame, optional
            The data ``fit()`` uses when called without arguments; ``fit(other_df)`` fits the
            same formula on other data.
        **params
            The estimator's parameters (``prior``, ``method``, ``alpha`` of a preset, ...).
            ``fit_intercept`` follows the formula; passing a contradicting value is an error.

        Returns
        -------
        estimator
            Unfitted, of the class it was called on (``br.LassoBayes.from_formula(...)``).

        Examples
        --------
        >>> est = br.BayesianRegression.from_formula("y ~ x1 + C(g)", data=df,
        ...                                          prior=br.Laplace(0.5)).fit()   # doctest: +SKIP
        >>> est.feature_names_in_                       # ['x1', 'C(g)[T.b]', 'C(g)[T.c]']  # doctest: +SKIP
        >>> est.predict(new_df)                         # same encoding as at fit     # doctest: +SKIP
        """
        intercept = formula_has_intercept(formula)
        if "fit_intercept" in params and params["fit_intercept"] is not intercept:
            raise ValueError(f"The 'fit_intercept' parameter contradicts the formula {formula!r}: it has "
                             f"{'an' if intercept else 'no'} intercept, but fit_intercept="
                             f"{params['fit_intercept']!r} was passed. The formula decides: leave "
                             "fit_intercept out, and write '- 1' (or '0 +') for no intercept.")
        params["fit_intercept"] = intercept
        est = cls(**params)
        est._formula = formula
        est._formula_data = data
        return est

    @property
    def formula(self) -> str | None:
        """The formula given to :meth:`from_formula` (``None`` for an estimator fitted on X, y)."""
        return self._formula

    def __sklearn_clone__(self) -> Any:
        """scikit-learn's clone (parameters, unfitted), keeping the formula and its data reference."""
        new = super().__sklearn_clone__()
        new._formula, new._formula_data = self._formula, self._formula_data
        return new

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the data given to ``from_formula`` (the fitted encoding is kept)."""
        parent = getattr(super(), "__getstate__", None)
        state = dict(parent() if parent is not None else self.__dict__)
        state.pop("_formula_data", None)
        return state

    def __repr__(self, **kwargs: Any) -> str:
        """``Preset.from_formula('y ~ x1 + C(g)', alpha=0.1)`` for an estimator with a formula."""
        text = super().__repr__(**kwargs)
        name = type(self).__name__
        if self._formula is None or not (text.startswith(f"{name}(") and text.endswith(")")):
            return text
        inner = text[len(name) + 1:-1]
        return f"{name}.from_formula({self._formula!r}{', ' + inner if inner.strip() else ''})"

    def _formula_inputs(self, X: Any, y: Any) -> tuple[Any, Any]:
        """``(X, y)`` for ``fit``: the formula's design and response when the estimator has one."""
        name = type(self).__name__
        if self._formula is None:
            if X is None:
                raise ValueError(f"{name}.fit needs X and y, or an estimator built with "
                                 f"{name}.from_formula(formula, data); got X=None.")
            return X, y
        if y is not None:
            raise ValueError(f"{name} was built from the formula {self._formula!r}: its response is the "
                             "formula's left-hand side, so fit takes a data frame and no y "
                             "(fit() uses the data given to from_formula, fit(df) other data).")
        data = self._formula_data if X is None else X
        if data is None:
            raise ValueError(f"{name}.fit() needs data for the formula {self._formula!r}: pass it to "
                             "from_formula(formula, data) or call fit(df).")
        design = formula_design(self._formula, data)
        if design.fit_intercept is not bool(self.fit_intercept):
            raise ValueError(f"fit_intercept={self.fit_intercept!r} contradicts the formula {self._formula!r}, "
                             f"which has {'an' if design.fit_intercept else 'no'} intercept: the formula "
                             "decides (write '- 1' or '0 +' for no intercept).")
        self.model_spec_ = design.model_spec
        self.formula_ = self._formula
        return design.X, design.y

    def _fitted_by_formula(self) -> bool:
        return getattr(self, "formula_", None) is not None and hasattr(self, "coef_")

    def _check_X(self, X: Any) -> Any:
        if self._fitted_by_formula():
            X = apply_formula(self.model_spec_, X, self.formula_)
        return super()._check_X(X)

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """R² (Gaussian) or accuracy (logistic); with a formula, ``y`` defaults to its left-hand side."""
        if y is None and self._fitted_by_formula():
            y = response_of(self.model_spec_, X, self.formula_)
        return super().score(X, y, sample_weight=sample_weight)
