"""Formula input: ``BayesianRegression.from_formula`` and ``bayesreg fit --formula``.

References: the design matrix formulaic itself builds, and, independently, a dummy-coded design
built by hand with NumPy (and the closed-form Gaussian-prior MAP on it); scikit-learn's Lasso and
LogisticRegression on the hand-built design for the presets.
"""

from __future__ import annotations

import json
import pickle
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bayesreg as br
from bayesreg.cli import main

formulaic = pytest.importorskip("formulaic")


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    r = np.random.default_rng(3)
    n = 90
    d = pd.DataFrame({"x1": r.normal(size=n), "x2": r.normal(2.0, 3.0, size=n),
                      "g": r.choice(["a", "b", "c"], n), "h": r.choice(["u", "v"], n)})
    d["y"] = (0.5 + 2.0 * d.x1 - 0.3 * d.x2 + 1.5 * (d.g == "b") - 1.0 * (d.g == "c")
              + 0.4 * r.normal(size=n))
    d["lab"] = np.where(d.x1 + (d.g == "b") + 0.8 * r.normal(size=n) > 0.3, "yes", "no")
    d["y01"] = (d["lab"] == "yes").astype(int)
    d["w"] = r.uniform(0.5, 2.0, size=n)
    return d


def hand_design(d: pd.DataFrame, *, full: bool = False) -> np.ndarray:
    """x1, x2 and the dummies of g, coded by hand: reference level a (or every level, ``full``)."""
    levels = ["a", "b", "c"] if full else ["b", "c"]
    return np.column_stack([d.x1, d.x2] + [(d.g == lv).to_numpy(float) for lv in levels])


NEW = pd.DataFrame({"x1": [0.3, -1.0, 2.0], "x2": [1.0, 0.0, -2.0], "g": ["c", "a", "c"]})


# ----------------------------------------------------------------------------- the fit is the design's fit
def test_formula_fit_equals_fit_on_formulaics_own_design(df):
    est = br.BayesianRegression.from_formula("y ~ x1 + x2 + C(g)", data=df, prior=br.Laplace(0.2)).fit()
    mm = formulaic.model_matrix("y ~ x1 + x2 + C(g)", df)
    X = mm.rhs.drop(columns="Intercept")
    ref = br.BayesianRegression(prior=br.Laplace(0.2)).fit(X, df["y"])
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=0, atol=1e-12)
    assert est.intercept_ == pytest.approx(ref.intercept_, abs=1e-12)
    assert list(est.feature_names_in_) == list(X.columns) == ["x1", "x2", "C(g)[T.b]", "C(g)[T.c]"]
    assert est.certificate_.passed


def test_formula_fit_equals_hand_dummy_coding_and_the_closed_form(df):
    s = 0.7  # Gaussian prior: the MAP is ridge with a flat intercept, (Xc'Xc + I/s^2) w = Xc'yc (noise 1)
    est = br.BayesianRegression.from_formula("y ~ x1 + x2 + C(g)", data=df, prior=br.Gaussian(s)).fit()
    X = hand_design(df)
    hand = br.BayesianRegression(prior=br.Gaussian(s)).fit(X, df["y"].to_numpy())
    np.testing.assert_allclose(est.coef_, hand.coef_, rtol=0, atol=1e-12)
    assert est.intercept_ == pytest.approx(hand.intercept_, abs=1e-12)
    Xc, yc = X - X.mean(axis=0), df["y"].to_numpy() - df["y"].mean()
    w = np.linalg.solve(Xc.T @ Xc + np.eye(X.shape[1]) / s**2, Xc.T @ yc)
    np.testing.assert_allclose(est.coef_, w, rtol=1e-10, atol=1e-12)
    assert est.intercept_ == pytest.approx(df["y"].mean() - X.mean(axis=0) @ w, abs=1e-10)


def test_interaction_and_names_follow_formulaic(df):
    est = br.BayesianRegression.from_formula("y ~ x1 * C(g)", data=df).fit()
    names = ["x1", "C(g)[T.b]", "C(g)[T.c]", "x1:C(g)[T.b]", "x1:C(g)[T.c]"]
    assert list(est.feature_names_in_) == names and est.n_features_in_ == 5
    X = np.column_stack([df.x1, df.g == "b", df.g == "c", df.x1 * (df.g == "b"), df.x1 * (df.g == "c")])
    hand = br.BayesianRegression().fit(X.astype(float), df["y"].to_numpy())
    np.testing.assert_allclose(est.coef_, hand.coef_, rtol=0, atol=1e-12)


def test_presets_by_inheritance_equal_sklearn_on_the_hand_design(df):
    from sklearn.linear_model import Lasso, LogisticRegression

    est = br.LassoBayes.from_formula("y ~ x1 + x2 + C(g)", df, alpha=0.05).fit()
    assert isinstance(est, br.LassoBayes) and est.get_params()["alpha"] == 0.05
    sk = Lasso(alpha=0.05, tol=1e-12, max_iter=100_000).fit(hand_design(df), df["y"])
    np.testing.assert_allclose(est.coef_, sk.coef_, rtol=1e-6, atol=1e-8)
    assert est.intercept_ == pytest.approx(sk.intercept_, rel=1e-6)
    lg = br.LogisticBayes.from_formula("lab ~ x1 + x2 + C(g)", df, C=0.5).fit()
    sk = LogisticRegression(C=0.5, tol=1e-12, max_iter=10_000).fit(hand_design(df), df["lab"])
    np.testing.assert_allclose(lg.coef_, sk.coef_[0], rtol=1e-5, atol=1e-7)
    glm = br.GlmnetBayes.from_formula("y ~ x1 + C(g)", df, lambda_=0.05).fit()
    assert list(glm.feature_names_in_) == ["x1", "C(g)[T.b]", "C(g)[T.c]"] and glm.certificate_.passed


# ----------------------------------------------------------------------------- new data: the same encoding
def test_predict_on_new_data_applies_the_fit_encoding(df):
    est = br.BayesianRegression.from_formula("y ~ x1 + x2 + C(g)", data=df, prior=br.Laplace(0.3)).fit()
    # NEW has only levels c and a, in that order: the columns still follow the fit's levels
    expected = hand_design(NEW) @ est.coef_ + est.intercept_
    np.testing.assert_allclose(est.predict(NEW), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(est.predict(NEW.iloc[[1]]), expected[[1]], rtol=0, atol=1e-12)
    # extra columns (the response, unused variables) are ignored; order of columns does not matter
    np.testing.assert_allclose(est.predict(NEW[["g", "x2", "x1"]].assign(y=0.0, z="?")), expected, atol=1e-12)
    assert est.score(df) == pytest.approx(est.score(df, df["y"]))


def test_stateful_transforms_keep_the_fit_state(df):
    est = br.BayesianRegression.from_formula("y ~ center(x1) + scale(x2) + C(g)", data=df).fit()
    m1, m2, s2 = df.x1.mean(), df.x2.mean(), df.x2.std(ddof=1)   # formulaic's scale: sd with ddof=1
    X = np.column_stack([NEW.x1 - m1, (NEW.x2 - m2) / s2, NEW.g == "b", NEW.g == "c"]).astype(float)
    # a single row would be centred to 0 if the state were re-learned
    np.testing.assert_allclose(est.predict(NEW), X @ est.coef_ + est.intercept_, rtol=0, atol=1e-12)
    np.testing.assert_allclose(est.predict(NEW.iloc[[0]]), X[[0]] @ est.coef_ + est.intercept_, atol=1e-12)


def test_unseen_level_missing_column_and_missing_values_are_named_errors(df):
    est = br.BayesianRegression.from_formula("y ~ x1 + C(g) + h", data=df).fit()
    new = NEW.assign(h="u")
    with pytest.raises(ValueError, match=r"not seen at fit.*C\(g\): 'z' \(known levels: 'a', 'b', 'c'\)"):
        est.predict(new.assign(g=["a", "z", "b"]))
    with pytest.raises(ValueError, match=r"h: 'w' \(known levels: 'u', 'v'\)"):
        est.predict(new.assign(h=["u", "w", "u"]))
    with pytest.raises(ValueError, match="not seen at fit"):
        est.score(df.assign(g="z"))
    with pytest.raises(ValueError, match="cannot be evaluated.*`h`"):
        est.predict(NEW)
    with pytest.raises(TypeError, match="X must be a pandas DataFrame with the variables of the formula"):
        est.predict(new[["x1"]].to_numpy())
    with pytest.raises(ValueError, match="null values.*does not drop rows silently"):
        est.predict(new.assign(x1=[0.0, np.nan, 1.0]))
    with pytest.raises(ValueError, match="null values.*does not drop rows silently"):
        br.BayesianRegression.from_formula("y ~ x1 + C(g)", data=df.assign(g=df.g.where(df.index != 5))).fit()


# ----------------------------------------------------------------------------- the intercept
@pytest.mark.parametrize("formula", ["y ~ x1 + x2 + C(g) - 1", "y ~ 0 + x1 + x2 + C(g)"])
def test_no_intercept_formula_is_fit_intercept_false(df, formula):
    est = br.BayesianRegression.from_formula(formula, data=df, prior=br.Gaussian(2.0))
    assert est.fit_intercept is False and est.get_params()["fit_intercept"] is False
    est.fit()
    assert est.intercept_ == 0.0
    assert list(est.feature_names_in_) == ["x1", "x2", "C(g)[a]", "C(g)[b]", "C(g)[c]"]  # full dummy coding
    hand = br.BayesianRegression(prior=br.Gaussian(2.0), fit_intercept=False).fit(hand_design(df, full=True), df.y)
    np.testing.assert_allclose(est.coef_, hand.coef_, rtol=0, atol=1e-12)


def test_the_formula_intercept_is_bayesregs_flat_one(df):
    design = br.formula_design("y ~ x1 + C(g)", df)
    assert design.fit_intercept and "Intercept" not in design.feature_names  # not a penalised column
    est = br.BayesianRegression.from_formula("y ~ x1 + C(g)", df, prior=br.Laplace(1e-3)).fit()
    assert est.fit_intercept is True and "Intercept" not in est.feature_names_in_
    with pytest.raises(ValueError, match="'fit_intercept' parameter contradicts the formula 'y ~ x1 - 1'"):
        br.BayesianRegression.from_formula("y ~ x1 - 1", df, fit_intercept=True)
    est.set_params(fit_intercept=False)
    with pytest.raises(ValueError, match="fit_intercept=False contradicts the formula"):
        est.fit()


# ----------------------------------------------------------------------------- logistic
def test_logistic_takes_two_labels_or_0_1_and_more_is_multinomial(df):
    words = br.BayesianRegression.from_formula("lab ~ x1 + C(g)", df, likelihood="logistic").fit()
    ones = br.BayesianRegression.from_formula("y01 ~ x1 + C(g)", df, likelihood="logistic").fit()
    assert list(words.classes_) == ["no", "yes"] and list(ones.classes_) == [0, 1]
    np.testing.assert_allclose(words.coef_, ones.coef_, rtol=0, atol=1e-12)
    X = hand_design(df)[:, [0, 2, 3]]
    hand = br.BayesianRegression(likelihood="logistic").fit(X, df["y01"])
    np.testing.assert_allclose(words.coef_, hand.coef_, rtol=0, atol=1e-12)
    p = words.predict_proba(NEW)
    eta = hand_design(NEW)[:, [0, 2, 3]] @ hand.coef_ + hand.intercept_
    np.testing.assert_allclose(p[:, 1], 1 / (1 + np.exp(-eta)), rtol=0, atol=1e-12)
    assert set(words.predict(NEW)) <= {"no", "yes"} and 0 <= words.score(df) <= 1
    multi = br.BayesianRegression.from_formula("g ~ x1", df, likelihood="logistic").fit()  # K = 3: multinomial
    assert multi.likelihood_.name == "multinomial" and multi.coef_.shape == (len(multi.classes_), 1)
    assert multi.predict_proba(NEW).shape == (len(NEW), len(multi.classes_))


# ----------------------------------------------------------------------------- bad formulas and calls
@pytest.mark.parametrize("formula, exc, match", [
    ("y ~ x1 +", ValueError, r"'formula' parameter could not be parsed: 'y ~ x1 \+'"),
    ("x1 + C(g)", ValueError, "needs a response on the left of '~'"),
    ("y ~ 1", ValueError, "no predictor on the right-hand side"),
    ("y ~ x1 + nope", ValueError, "cannot be evaluated.*nope"),
    (3, TypeError, "'formula' parameter must be a string"),
    ("y ~ x1 + C(g, levels=['a', 'b'])", ValueError, r"outside the levels the formula .* names: .*'c'"),
])
def test_bad_formulas(df, formula, exc, match):
    with pytest.raises(exc, match=match):
        br.BayesianRegression.from_formula(formula, df).fit()


def test_fit_calls_without_the_needed_inputs(df):
    est = br.BayesianRegression.from_formula("y ~ x1", prior=br.Laplace(1.0))   # data later
    with pytest.raises(ValueError, match=r"fit\(\) needs data for the formula"):
        est.fit()
    with pytest.raises(ValueError, match="its response is the formula's left-hand side"):
        est.fit(df, df["y"])
    assert est.fit(df).coef_.shape == (1,)                                 # fit(df): the formula on df
    with pytest.raises(ValueError, match=r"fit needs X and y, or an estimator built with .*from_formula"):
        br.BayesianRegression().fit()
    with pytest.raises(ValueError, match="requires y to be passed"):        # unchanged without a formula
        br.BayesianRegression().fit(df[["x1"]])


def test_missing_formulaic_says_how_to_install(df, monkeypatch):
    monkeypatch.setitem(sys.modules, "formulaic", None)
    with pytest.raises(ImportError, match=re.escape("pip install 'bayesreg[formula]'")):
        br.BayesianRegression.from_formula("y ~ x1", df)


# ----------------------------------------------------------------------------- scikit-learn contract
def test_get_params_clone_pickle_and_cross_validation(df):
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

    est = br.RidgeBayes.from_formula("y ~ x1 + x2 + C(g)", df, alpha=2.0)
    assert est.get_params() == br.RidgeBayes(alpha=2.0).get_params()       # the formula is not a parameter
    assert est.formula == "y ~ x1 + x2 + C(g)" and br.RidgeBayes().formula is None
    est.fit()
    twin = clone(est)
    assert twin.formula == est.formula and not hasattr(twin, "coef_")
    np.testing.assert_array_equal(twin.fit().coef_, est.coef_)
    assert repr(est) == "RidgeBayes.from_formula('y ~ x1 + x2 + C(g)', alpha=2.0)"
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.predict(NEW), est.predict(NEW))
    assert back._formula_data is None and back.formula == est.formula   # the training frame is not pickled
    folds = KFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(est, df, cv=folds)                           # no y: the formula's response
    train, test = next(folds.split(df))
    first = clone(est).fit(df.iloc[train])
    assert scores[0] == pytest.approx(first.score(df.iloc[test]), abs=1e-12)
    search = GridSearchCV(est, {"alpha": [0.5, 5.0]}, cv=folds).fit(df)
    assert search.best_estimator_.formula == est.formula
    assert list(search.best_estimator_.feature_names_in_) == list(est.feature_names_in_)


# ----------------------------------------------------------------------------- NUTS
def test_nuts_smoke_names_in_idata_summary_and_predictive_draws(df):
    est = br.BayesianRegression.from_formula(
        "y ~ x1 + C(g)", df, prior=br.Gaussian(2.0), noise_sigma=0.4, method="nuts", draws=150, tune=150,
        chains=1, random_seed=7, progressbar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit()
    names = ["x1", "C(g)[T.b]", "C(g)[T.c]"]
    assert list(est.idata_.posterior.coords["feature"].values) == names
    assert list(est.summary().index[:3]) == [f"coef[{n}]" for n in names]
    draws = est.predictive_draws(NEW)
    assert draws.shape == (150, 3)
    with pytest.raises(ValueError, match="not seen at fit"):
        est.predictive_draws(NEW.assign(g="z"))
    # Gaussian prior and fixed noise: the posterior mean is the MAP
    map_ = br.BayesianRegression.from_formula("y ~ x1 + C(g)", df, prior=br.Gaussian(2.0), noise_sigma=0.4).fit()
    sd = est.coef_draws().std(axis=0)
    assert np.all(np.abs(est.coef_ - map_.coef_) < 0.5 * sd)


# ----------------------------------------------------------------------------- command line
@pytest.fixture()
def csv(df, tmp_path) -> Path:
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return path


def test_cli_fit_formula_equals_the_library(capsys, df, csv):
    code = main(["fit", "--formula", "y ~ x1 + x2 + C(g)", "--data", str(csv), "--alpha", "0.05", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    got = json.loads(out)
    est = br.BayesianRegression.from_formula(
        "y ~ x1 + x2 + C(g)", df, prior=br.penalty_to_prior("sklearn.Lasso", alpha=0.05, n=len(df))).fit()
    assert got["feature"] == ["x1", "x2", "C(g)[T.b]", "C(g)[T.c]", "intercept"]
    np.testing.assert_allclose(got["MAP"], list(est.coef_) + [est.intercept_], rtol=0, atol=1e-12)
    code = main(["fit", "--formula", "y ~ 0 + x1 + C(g)", "--data", str(csv), "--alpha", "0.05", "--json"])
    out, _ = capsys.readouterr()
    assert code == 0 and json.loads(out)["feature"] == ["x1", "C(g)[a]", "C(g)[b]", "C(g)[c]"]  # no intercept


def test_cli_fit_formula_logistic_labels_and_weights(capsys, df, csv):
    code = main(["fit", "--formula", "lab ~ x1 + C(g)", "--data", str(csv), "--C", "0.5", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    est = br.LogisticBayes.from_formula("lab ~ x1 + C(g)", df, C=0.5).fit()
    np.testing.assert_allclose(json.loads(out)["MAP"][:3], est.coef_, rtol=0, atol=1e-10)
    code = main(["fit", "--formula", "y ~ x1 + C(g)", "--data", str(csv), "--convention", "glmnet",
                 "--lambda", "0.05", "--alpha", "0.5", "--weights", "w", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    glm = br.GlmnetBayes.from_formula("y ~ x1 + C(g)", df, lambda_=0.05, alpha=0.5).fit(sample_weight=df["w"])
    np.testing.assert_allclose(json.loads(out)["MAP"], list(glm.coef_) + [glm.intercept_], rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("argv, fragment", [
    (["--formula", "y ~ x1", "--target", "y"], "--formula and --target are exclusive"),
    (["--formula", "y ~ x1 + C(nope)"], "nope"),
    (["--formula", "y ~ x1 +"], "could not be parsed"),
    (["--formula", "y ~ x1", "--weights", "nope"], "--weights column 'nope' not found"),
])
def test_cli_fit_formula_user_errors(capsys, csv, argv, fragment):
    code = main(["fit", "--data", str(csv), "--alpha", "0.1", *argv])
    _, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err
    assert err.startswith("bayesreg fit: error: ") and len(err.strip().splitlines()) == 1 and fragment in err


def test_cli_fit_formula_bundled_data_and_missing_formulaic(capsys, monkeypatch):
    code = main(["fit", "--formula", "y ~ bmi + bp + C(sex)", "--data", "diabetes", "--alpha", "0.1", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["feature"] == ["bmi", "bp", "C(sex)[T.2.0]", "intercept"]
    monkeypatch.setitem(sys.modules, "formulaic", None)
    code = main(["fit", "--formula", "y ~ bmi", "--data", "diabetes", "--alpha", "0.1"])
    _, err = capsys.readouterr()
    assert code == 2 and "pip install 'bayesreg[formula]'" in err


# ----------------------------------------------------------------------------- the README runs
def test_readme_formula_example_runs():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    block = re.search(r"## Formulas\n.*?```python\n(.*?)```", readme, re.S)
    assert block is not None, "README has no Formulas example"
    namespace: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)  # noqa: S102
    assert namespace["est"].certificate_.passed
