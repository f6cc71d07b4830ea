"""DataFrame column names at ``predict``: exactly scikit-learn's rules (1.9), one behaviour for MAP and NUTS.

Reference: scikit-learn itself. Its own estimator check
``check_dataframe_column_names_consistency`` runs on bayesreg's estimators (and is shown to fail when
the check is switched off), and the error / warning texts equal those of ``sklearn.linear_model.Ridge``
on the same inputs. Duplicated column names are refused at ``fit``, identically for the MAP and NUTS
(before any model is built).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.estimator_checks import check_dataframe_column_names_consistency

import bayesreg as br
import bayesreg.estimators.prediction as prediction

RNG = np.random.default_rng(3)
X = pd.DataFrame(RNG.standard_normal((30, 3)), columns=["age", "bmi", "bp"])
Y = X.to_numpy() @ np.array([1.0, 2.0, -1.0]) + RNG.standard_normal(30)


@pytest.mark.parametrize("est", [br.BayesianRegression(), br.LassoBayes(alpha=0.1),
                                 br.BayesianRegression(likelihood="logistic"), br.LogisticBayes()],
                         ids=["gaussian", "lasso", "logistic", "logistic-preset"])
def test_scikit_learns_own_column_name_check_passes(est):
    check_dataframe_column_names_consistency(type(est).__name__, est)


def test_scikit_learns_check_fails_without_ours(monkeypatch):
    monkeypatch.setattr(prediction, "check_feature_names", lambda est, X: None)
    with pytest.raises(AssertionError, match="did not raise"):
        check_dataframe_column_names_consistency("BayesianRegression", br.BayesianRegression())


def _message(fitted, X_new) -> str:
    with pytest.raises(ValueError) as info:
        fitted.predict(X_new)
    return str(info.value)


@pytest.mark.parametrize("columns", [["bp", "bmi", "age"], ["age", "bmi", "weight"], ["a", "b", "c"]],
                         ids=["reordered", "renamed-one", "renamed-all"])
def test_same_error_as_scikit_learn(columns):
    ours = br.RidgeBayes(alpha=1.0).fit(X, Y)
    theirs = Ridge(alpha=1.0).fit(X, Y)
    X_new = X.set_axis(columns, axis=1)
    assert _message(ours, X_new) == _message(theirs, X_new)
    assert _message(ours, X[["age", "bmi"]]) == _message(theirs, X[["age", "bmi"]]).replace("Ridge", "RidgeBayes")


def test_same_warnings_as_scikit_learn():
    pairs = [(br.RidgeBayes().fit(X, Y), Ridge().fit(X, Y), X.to_numpy()),                 # fitted with names
             (br.RidgeBayes().fit(X.to_numpy(), Y), Ridge().fit(X.to_numpy(), Y), X)]       # fitted without
    for ours, theirs, X_new in pairs:
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            ours.predict(X_new)
            theirs.predict(X_new)
        assert len(got) == 2 and all(issubclass(w.category, UserWarning) for w in got)
        assert str(got[0].message) == str(got[1].message).replace("Ridge", "RidgeBayes")
        assert got[0].filename == __file__  # points at the caller, not into bayesreg


def test_logistic_methods_check_names_like_scikit_learn():
    ours = br.LogisticBayes().fit(X, Y > 0)
    theirs = LogisticRegression().fit(X, Y > 0)
    X_new = X[["bp", "bmi", "age"]]
    for method in ("predict", "predict_proba", "decision_function"):
        with pytest.raises(ValueError) as a:
            getattr(ours, method)(X_new)
        with pytest.raises(ValueError) as b:
            getattr(theirs, method)(X_new)
        assert str(a.value) == str(b.value)
    with pytest.raises(ValueError, match="same order"):
        ours.score(X_new, Y > 0)


def test_non_string_column_names_are_not_checked_and_mixed_ones_refused():
    est = br.RidgeBayes().fit(pd.DataFrame(X.to_numpy()), Y)           # integer names: no names (sklearn)
    assert list(est.feature_names_in_) == ["0", "1", "2"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est.predict(pd.DataFrame(X.to_numpy()[:, ::-1]))                 # not checked, as in scikit-learn
    mixed = X.set_axis(["age", 1, "bp"], axis=1)
    with pytest.raises(TypeError, match="Feature names are only supported if all input features have string"):
        br.RidgeBayes().fit(mixed, Y)
    with pytest.raises(TypeError, match="Feature names are only supported if all input features have string"):
        Ridge().fit(mixed, Y)


@pytest.mark.parametrize("method", ["map", "nuts"])
def test_duplicated_column_names_are_refused_by_map_and_nuts(method, monkeypatch):
    import bayesreg.inference.sampling as sampling

    monkeypatch.setattr(sampling, "sample_posterior", lambda *a, **k: pytest.fail("sampled"))
    dup = X.set_axis(["age", "bmi", "age"], axis=1)
    with pytest.raises(ValueError, match=r"X has duplicated column names \['age'\]: BayesianRegression needs one"):
        br.BayesianRegression(method=method, progressbar=False).fit(dup, Y)
