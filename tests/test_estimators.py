"""The user-facing estimators: ``BayesianRegression`` and the presets, against the scikit-learn contract.

* ``sklearn.utils.estimator_checks`` (scikit-learn 1.9) on ``BayesianRegression`` (MAP, Gaussian
  and logistic likelihoods) and on the presets: every check passes, nothing is listed as an
  expected failure.
* ``get_params`` / ``set_params`` / ``clone`` round trips; ``fit`` returns ``self``; DataFrame
  column names become ``feature_names_in_`` and the ``feature`` coordinate of the posterior.
* Integer sample weights equal duplicated rows (MAP); ``standardize=True`` is glmnet's penalty.
* Each preset's MAP equals scikit-learn's own estimator (Lasso, Ridge, ElasticNet,
  LogisticRegression) to 1e-6 relative on the bundled data sets.
* Shapes of predict / score / predict_proba; clear errors for bad parameters and unfitted use.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

import bayesreg as br
from bayesreg.datasets import load_dataset

RTOL = 1e-6  # coefficients, relative to max |coef|
CD = {"tol": 1e-14, "max_iter": 1_000_000}
TINY_NUTS = {"draws": 50, "tune": 50, "chains": 1, "random_seed": 1, "progressbar": False}
# tiny chains are for shapes and names, not inference: their low-ESS warnings are expected
tiny_nuts = pytest.mark.filterwarnings("ignore::bayesreg.ConvergenceWarning")


@functools.cache
def data(name: str) -> tuple[pd.DataFrame, pd.Series]:
    d = load_dataset(name)
    return d.X, d.y


def rel_err(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


# ----------------------------------------------------------------------------- estimator checks
CHECKED = [
    br.BayesianRegression(),                         # MAP, Gaussian likelihood, Gaussian(1) prior
    br.BayesianRegression(likelihood="logistic"),
    br.LassoBayes(),
    br.RidgeBayes(),
    br.ElasticNetBayes(),
    br.LogisticBayes(),
    br.GlmnetBayes(),
]

# check name -> reason, per estimator; empty: every applicable check passes.
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {}


def expected_failed_checks(estimator) -> dict[str, str]:
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(CHECKED, expected_failed_checks=expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # checks fit tiny data sets; nothing to report
        check(estimator)


@pytest.mark.parametrize(("est", "kind"), [
    (br.BayesianRegression(), "regressor"),
    (br.BayesianRegression(likelihood="logistic"), "classifier"),
    (br.LassoBayes(), "regressor"),
    (br.RidgeBayes(), "regressor"),
    (br.ElasticNetBayes(), "regressor"),
    (br.LogisticBayes(), "classifier"),
    (br.GlmnetBayes(), "regressor"),
    (br.GlmnetBayes(family="binomial"), "classifier"),
])
def test_estimator_type_follows_the_likelihood(est, kind):
    assert is_regressor(est) == (kind == "regressor")
    assert is_classifier(est) == (kind == "classifier")
    assert est._estimator_type == kind
    assert est.__sklearn_tags__().input_tags.sparse is False


def test_works_without_scikit_learn():
    """scikit-learn is optional: the fallback base class, NotFittedError and the fit still work."""
    code = textwrap.dedent("""
        import sys
        sys.modules["sklearn"] = None  # any import of scikit-learn fails
        import numpy as np
        import bayesreg as br
        from bayesreg.estimators.regression import NotFittedError

        X = np.random.default_rng(0).normal(size=(30, 3)); y = X @ [1.0, 0.0, -2.0] + 0.5
        est = br.LassoBayes(alpha=0.1)
        assert est.set_params(alpha=0.2) is est and est.get_params()["alpha"] == 0.2
        try:
            est.predict(X)
        except NotFittedError as exc:
            assert isinstance(exc, ValueError) and isinstance(exc, AttributeError)
        else:
            raise AssertionError("no NotFittedError")
        assert est.fit(X, y) is est and est.coef_.shape == (3,)
        try:
            est.set_params(nope=1)
        except ValueError:
            pass
        else:
            raise AssertionError("set_params accepted an unknown parameter")
        assert "sklearn" not in {m.split(".")[0] for m in sys.modules if sys.modules[m] is not None}
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# ----------------------------------------------------------------------------- parameters
ALL_ESTIMATORS = [
    br.BayesianRegression(prior=br.Laplace(0.5), noise_sigma=2.0, fit_intercept=False, standardize=True),
    br.LassoBayes(alpha=0.3, method="nuts", sampler_kwargs={"draws": 10}),
    br.RidgeBayes(alpha=2.0, noise_sigma=None),
    br.ElasticNetBayes(alpha=0.1, l1_ratio=0.3),
    br.LogisticBayes(C=0.5, l1_ratio=1.0),
    br.GlmnetBayes(lambda_=0.1, alpha=0.5, family="binomial", standardize=False),
]


@pytest.mark.parametrize("est", ALL_ESTIMATORS, ids=lambda e: type(e).__name__)
def test_get_set_params_clone_round_trip(est):
    params = est.get_params()
    twin = clone(est)
    assert twin is not est and type(twin) is type(est)
    assert twin.get_params().keys() == params.keys()
    for k, v in params.items():
        assert twin.get_params()[k] == v, k
    assert type(est)(**params).get_params() == params
    assert twin.set_params(**params) is twin
    assert twin.set_params(fit_intercept=not params["fit_intercept"]).fit_intercept is (not params["fit_intercept"])
    assert est.get_params() == params  # the original is untouched
    with pytest.raises(ValueError, match="Invalid parameter"):
        twin.set_params(not_a_parameter=1)


def test_preset_parameters_are_the_conventions():
    assert set(br.LassoBayes().get_params()) == {"alpha", "method", "noise_sigma", "fit_intercept",
                                                 "sampler_kwargs"}
    assert set(br.ElasticNetBayes().get_params()) == {"alpha", "l1_ratio", "method", "noise_sigma",
                                                      "fit_intercept", "sampler_kwargs"}
    assert set(br.LogisticBayes().get_params()) == {"C", "l1_ratio", "method", "fit_intercept",
                                                    "sampler_kwargs"}
    assert set(br.GlmnetBayes().get_params()) == {"lambda_", "alpha", "family", "standardize", "penalty_factor",
                                                  "method", "noise_sigma", "fit_intercept", "sampler_kwargs"}


def test_clone_of_fitted_estimator_is_unfitted():
    X, y = data("diabetes")
    est = br.LassoBayes(alpha=1.0).fit(X, y)
    twin = clone(est)
    assert not hasattr(twin, "coef_")
    np.testing.assert_array_equal(twin.fit(X, y).coef_, est.coef_)


# ----------------------------------------------------------------------------- fit, names
@pytest.mark.parametrize("est", [br.BayesianRegression(prior=br.Laplace(0.01)), br.LassoBayes(alpha=1.0),
                                 br.RidgeBayes(), br.ElasticNetBayes(alpha=0.5), br.GlmnetBayes(lambda_=1.0)],
                         ids=lambda e: type(e).__name__)
def test_fit_returns_self_with_fitted_attributes(est):
    X, y = data("diabetes")
    assert est.fit(X, y) is est
    assert est.coef_.shape == (10,)
    assert isinstance(est.intercept_, float)
    assert est.n_features_in_ == 10
    assert est.certificate_.passed
    assert isinstance(est.prior_, br.Prior)


def test_dataframe_feature_names_map():
    X, y = data("diabetes")
    est = br.BayesianRegression(prior=br.Laplace(0.01)).fit(X, y)
    assert list(est.feature_names_in_) == list(X.columns)
    # the numpy array gives the same fit
    np.testing.assert_allclose(br.BayesianRegression(prior=br.Laplace(0.01)).fit(X.to_numpy(), y.to_numpy()).coef_,
                               est.coef_, rtol=1e-12, atol=0)


@tiny_nuts
def test_dataframe_feature_names_nuts_coords():
    X, y = data("diabetes")
    est = br.BayesianRegression(prior=br.Laplace(0.01), noise_sigma=55.0, method="nuts", **TINY_NUTS).fit(X, y)
    assert list(est.feature_names_in_) == list(X.columns)
    post = est.idata_.posterior
    assert list(post.coords["feature"].values) == list(X.columns)
    assert post["coef"].shape == (1, 50, 10)
    assert est.coef_.shape == (10,)
    assert est.predict(X.iloc[:5]).shape == (5,)
    mean, lo, hi = est.predict(X.iloc[:5], return_interval=True)
    assert mean.shape == lo.shape == hi.shape == (5,) and np.all(lo < hi)
    assert list(est.prob_exceeds(1.0).index) == list(X.columns)


@tiny_nuts
def test_preset_nuts_takes_sampler_kwargs():
    X, y = data("diabetes")
    est = br.LassoBayes(alpha=1.0, noise_sigma=55.0, method="nuts", sampler_kwargs=TINY_NUTS).fit(X, y)
    assert est.idata_.posterior["coef"].shape == (1, 50, 10)
    with pytest.raises(ValueError, match="sampler_kwargs takes .*; got nope"):
        br.LassoBayes(method="nuts", sampler_kwargs={"nope": 1}).fit(X, y)


# ----------------------------------------------------------------------------- sample weights
@pytest.mark.parametrize(("make", "name"), [
    (lambda: br.BayesianRegression(prior=br.Laplace(0.005)), "diabetes"),
    (lambda: br.BayesianRegression(prior=br.Laplace(0.005), standardize=True), "diabetes"),
    (lambda: br.LassoBayes(alpha=0.5), "diabetes"),
    (lambda: br.RidgeBayes(alpha=10.0), "diabetes"),
    (lambda: br.ElasticNetBayes(alpha=0.1, l1_ratio=0.5), "diabetes"),
    (lambda: br.LogisticBayes(C=0.05, l1_ratio=1.0), "binary_synthetic"),
    (lambda: br.LogisticBayes(C=1.0), "binary_synthetic"),
], ids=["laplace", "laplace-standardize", "lasso", "ridge", "elasticnet", "logistic-l1", "logistic-l2"])
def test_integer_sample_weights_equal_duplicated_rows(make, name):
    X, y = data(name)
    sw = np.random.default_rng(0).integers(0, 4, size=len(y))
    weighted = make().fit(X, y, sample_weight=sw)
    rows = np.repeat(np.arange(len(y)), sw)
    repeated = make().fit(X.iloc[rows], y.iloc[rows])
    assert rel_err(weighted.coef_, repeated.coef_) < 1e-8
    assert np.array_equal(weighted.coef_ == 0, repeated.coef_ == 0)
    assert weighted.intercept_ == pytest.approx(repeated.intercept_, rel=1e-8, abs=1e-8)


def test_glmnet_preset_sample_weight_is_glmnet_weights():
    """Integer weights = duplicated rows (weighted standardisation included); unit weights = none."""
    X, y = data("diabetes")
    counts = np.random.default_rng(2).integers(1, 4, len(y))
    weighted = br.GlmnetBayes(lambda_=0.5, alpha=0.5).fit(X, y, sample_weight=counts)
    repeated = br.GlmnetBayes(lambda_=0.5, alpha=0.5).fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-9, atol=1e-9 * np.abs(repeated.coef_).max())
    unit = br.GlmnetBayes(lambda_=0.5, alpha=0.5).fit(X, y, sample_weight=np.ones(len(y)))
    plain = br.GlmnetBayes(lambda_=0.5, alpha=0.5).fit(X, y)
    np.testing.assert_allclose(unit.coef_, plain.coef_, rtol=1e-12, atol=1e-12 * np.abs(plain.coef_).max())


# ----------------------------------------------------------------------------- standardize
@pytest.mark.parametrize("b", [0.002, 0.02, 1.0])
def test_standardize_equals_glmnet_lasso(b):
    """Laplace(b) on the standardised coefficients = glmnet(lambda_ = 1/(n b), alpha=1)."""
    X, y = data("diabetes")
    n = len(y)
    est = br.BayesianRegression(prior=br.Laplace(b), standardize=True).fit(X, y)
    ref = br.GlmnetBayes(lambda_=1.0 / (n * b), alpha=1.0).fit(X, y)
    np.testing.assert_allclose(est.prior_.b, ref.prior_.b, rtol=1e-12)
    np.testing.assert_allclose(est.prior_.b, b / X.std(ddof=0).to_numpy(), rtol=1e-12)
    assert rel_err(est.coef_, ref.coef_) < RTOL
    assert np.array_equal(est.coef_ == 0, ref.coef_ == 0)
    assert est.intercept_ == pytest.approx(ref.intercept_, rel=1e-6)
    if b == 0.002:
        assert 0 < np.sum(est.coef_ == 0) < 10  # a sparse solution: the zero patterns mean something


def test_standardize_needs_a_fixed_penalty_and_two_samples():
    X, y = data("diabetes")
    with pytest.raises(ValueError, match="standardize=True needs a prior with a fixed penalty"):
        br.BayesianRegression(prior=br.BayesianLasso(lam=1.0), method="nuts", standardize=True).fit(X, y)
    with pytest.raises(ValueError, match="constant column"):
        br.BayesianRegression(standardize=True).fit(X.assign(age=1.0), y)
    with pytest.raises(ValueError, match="at least 2 samples"):
        br.BayesianRegression(standardize=True).fit(X.iloc[:1], y.iloc[:1])


# ----------------------------------------------------------------------------- = scikit-learn
def _sk(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # an unconverged reference is no reference
        return est.fit(X, y)


@pytest.mark.parametrize(("ours", "theirs"), [
    (br.LassoBayes(alpha=1.0), Lasso(alpha=1.0, **CD)),
    (br.LassoBayes(alpha=0.1), Lasso(alpha=0.1, **CD)),
    (br.LassoBayes(alpha=1.0, fit_intercept=False), Lasso(alpha=1.0, fit_intercept=False, **CD)),
    (br.RidgeBayes(alpha=1.0), Ridge(alpha=1.0, solver="cholesky")),
    (br.RidgeBayes(alpha=100.0, noise_sigma=50.0), Ridge(alpha=100.0, solver="cholesky")),
    (br.ElasticNetBayes(alpha=0.5, l1_ratio=0.5), ElasticNet(alpha=0.5, l1_ratio=0.5, **CD)),
    (br.ElasticNetBayes(alpha=0.05, l1_ratio=0.9), ElasticNet(alpha=0.05, l1_ratio=0.9, **CD)),
], ids=["lasso1", "lasso0.1", "lasso-noint", "ridge1", "ridge100-sigma50", "enet0.5", "enet0.05"])
def test_gaussian_presets_equal_sklearn(ours, theirs):
    X, y = data("diabetes")
    ours.fit(X, y)
    theirs = _sk(theirs, X, y)
    assert rel_err(ours.coef_, theirs.coef_) < RTOL
    assert np.array_equal(ours.coef_ == 0, theirs.coef_ == 0)
    assert ours.intercept_ == pytest.approx(float(theirs.intercept_), rel=RTOL, abs=1e-6)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=RTOL)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y), rel=1e-6)


@pytest.mark.parametrize(("ours", "theirs"), [
    (br.LogisticBayes(C=1.0, l1_ratio=0.0),
     LogisticRegression(C=1.0, l1_ratio=0.0, solver="newton-cholesky", tol=1e-12, max_iter=10_000)),
    (br.LogisticBayes(C=0.01, l1_ratio=0.0),
     LogisticRegression(C=0.01, l1_ratio=0.0, solver="newton-cholesky", tol=1e-12, max_iter=10_000)),
    (br.LogisticBayes(C=0.05, l1_ratio=1.0),
     LogisticRegression(C=0.05, l1_ratio=1.0, solver="saga", tol=1e-12, max_iter=1_000_000)),
], ids=["l2-C1", "l2-C0.01", "l1-C0.05"])
def test_logistic_preset_equals_sklearn(ours, theirs):
    X, y = data("binary_synthetic")
    ours.fit(X, y)
    theirs = _sk(theirs, X, y)
    assert rel_err(ours.coef_, theirs.coef_.ravel()) < RTOL
    assert np.array_equal(ours.coef_ == 0, theirs.coef_.ravel() == 0)
    assert ours.intercept_ == pytest.approx(float(theirs.intercept_[0]), rel=RTOL, abs=1e-6)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.score(X, y) == theirs.score(X, y)


# ----------------------------------------------------------------------------- predictions
def test_regressor_prediction_shapes():
    X, y = data("diabetes")
    est = br.LassoBayes(alpha=1.0).fit(X, y)
    pred = est.predict(X)
    assert pred.shape == (442,) and pred.dtype == float
    np.testing.assert_allclose(pred, X.to_numpy() @ est.coef_ + est.intercept_, rtol=1e-12)
    assert isinstance(est.score(X, y), float) and 0.4 < est.score(X, y) < 1
    with pytest.warns(UserWarning, match="X does not have valid feature names, but LassoBayes was fitted with"):
        assert est.predict([X.iloc[0].tolist()]).shape == (1,)  # lists are accepted (as by scikit-learn)
    assert not hasattr(est, "predict_proba") and not hasattr(est, "decision_function")
    with pytest.raises(AttributeError, match="only available for likelihood='logistic'"):
        est.predict_proba(X)


def test_classifier_prediction_shapes_and_labels():
    X, y = data("binary_synthetic")
    labels = np.where(y == 1, "yes", "no")
    est = br.LogisticBayes(C=1.0).fit(X, labels)
    np.testing.assert_array_equal(est.classes_, ["no", "yes"])
    proba = est.predict_proba(X)
    assert proba.shape == (300, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    eta = est.decision_function(X)
    assert eta.shape == (300,)
    np.testing.assert_array_equal(est.predict(X), np.where(eta > 0, "yes", "no"))
    assert 0.5 < est.score(X, labels) <= 1.0
    # the labels are only names: the fit equals the 0/1 fit
    np.testing.assert_array_equal(est.coef_, br.LogisticBayes(C=1.0).fit(X, y).coef_)
    np.testing.assert_array_equal(br.LogisticBayes(C=1.0).fit(X, y).classes_, [0, 1])


@tiny_nuts
def test_nuts_classifier_predictions():
    X, y = data("binary_synthetic")
    est = br.LogisticBayes(C=1.0, method="nuts", sampler_kwargs=TINY_NUTS).fit(X, y)
    assert est.predict_proba(X).shape == (300, 2)
    assert est.predictive_draws(X).shape == (50, 300)
    mean, lo, hi = est.predict(X, return_interval=True)
    assert mean.shape == (300,) and np.all((0 <= lo) & (lo <= hi) & (hi <= 1))


# ----------------------------------------------------------------------------- errors
X0 = np.random.default_rng(0).normal(size=(20, 3))
Y0 = X0 @ np.array([1.0, 0.0, -1.0]) + 0.1
YB = (Y0 > 0).astype(int)


@pytest.mark.parametrize(("est", "exc", "match"), [
    (br.BayesianRegression(method="mcmc"), ValueError,
     r"The 'method' parameter of BayesianRegression must be one of 'map', 'nuts', 'laplace'; got 'mcmc'"),
    (br.LassoBayes(method="MAP"), ValueError, r"'method' parameter .* got 'MAP'"),
    (br.BayesianRegression(likelihood="gamma"), ValueError,
     r"The 'likelihood' parameter of BayesianRegression must be one of 'gaussian', 'logistic', 'poisson', "
     r"'negative_binomial', 'student_t', 'multinomial'; got 'gamma'"),
    (br.BayesianRegression(form="dense"), ValueError, r"The 'form' parameter .* got 'dense'"),
    (br.BayesianRegression(prior="laplace"), TypeError,
     r"The 'prior' parameter of BayesianRegression must be a bayesreg prior .*; got str"),
    (br.BayesianRegression(prior=br.Laplace(1.0), noise_sigma=None), ValueError,
     r"noise_sigma=None \(sampled noise\) needs method='nuts'"),
    (br.BayesianRegression(prior=br.BayesianLasso(lam=1.0)), ValueError,
     r"BayesianLasso has random hyperparameters .*: fit it with method='nuts'"),
    (br.BayesianRegression(noise_sigma=-1.0), ValueError, r"The 'noise_sigma' parameter .* must be > 0; got -1.0"),
    (br.LassoBayes(alpha=-1.0), ValueError, r"The 'alpha' parameter of sklearn.Lasso must be > 0; got -1.0"),
    (br.ElasticNetBayes(l1_ratio=2.0), ValueError, r"The 'l1_ratio' parameter .* must be in \[0, 1\]; got 2.0"),
])
def test_bad_parameters_raise_clear_errors_at_fit(est, exc, match):
    with pytest.raises(exc, match=match):
        est.fit(X0, Y0)
    assert not hasattr(est, "coef_")


def test_unfitted_and_mismatched_inputs():
    est = br.BayesianRegression()
    with pytest.raises(NotFittedError, match="not fitted yet"):
        est.predict(X0)
    err = pytest.raises(NotFittedError, est.predict, X0).value
    assert isinstance(err, ValueError) and isinstance(err, AttributeError)
    est.fit(X0, Y0)
    with pytest.raises(ValueError, match="X has 2 features, but BayesianRegression is expecting 3 features"):
        est.predict(X0[:, :2])
    with pytest.raises(ValueError, match="Reshape your data"):
        est.predict(X0[0])
    with pytest.raises(AttributeError, match="fit with method='nuts'"):
        est.summary()


@pytest.mark.parametrize(("X", "y", "exc", "match"), [
    (X0, np.where(np.arange(20) == 3, np.nan, Y0), ValueError,
     r"y must be finite; got 1 NaN/inf value\(s\), first at row 3"),
    (np.where(np.arange(3) == 1, np.inf, X0), Y0, ValueError, r"X must be finite"),
    (X0, Y0[:-1], ValueError, "inconsistent numbers of samples"),
    (X0, None, ValueError, "requires y to be passed"),
    (X0 + 1j, Y0, ValueError, "Complex data not supported"),
    (np.empty((20, 0)), Y0, ValueError, r"0 feature\(s\)"),
])
def test_bad_data_raise_clear_errors(X, y, exc, match):
    with pytest.raises(exc, match=match):
        br.BayesianRegression().fit(X, y)


def test_sparse_input_is_refused_explicitly():
    from scipy import sparse

    with pytest.raises(TypeError, match="Sparse input is not supported"):
        br.LassoBayes().fit(sparse.csr_matrix(X0), Y0)


def test_column_vector_y_warns_and_is_used():
    from sklearn.exceptions import DataConversionWarning

    with pytest.warns(DataConversionWarning, match="column-vector y"):
        est = br.RidgeBayes().fit(X0, Y0[:, None])
    np.testing.assert_array_equal(est.coef_, br.RidgeBayes().fit(X0, Y0).coef_)


@pytest.mark.parametrize(("y", "match"), [
    (np.arange(20) % 2 + (np.arange(20) == 0) * 2, "'y' parameter of Multinomial must contain every class at least "
                                                    "twice; class 2 is seen 1 time"),  # K = 3: the multinomial
    (np.ones(20), r"needs exactly two classes in y; got 1 class"),
    (Y0, "Unknown label type: continuous"),
])
def test_logistic_target_errors(y, match):
    with pytest.raises(ValueError, match=match):
        br.LogisticBayes().fit(X0, y)


def test_logistic_one_class_after_weights():
    with pytest.raises(ValueError, match="Only one class .* has positive sample_weight"):
        br.LogisticBayes().fit(X0, YB, sample_weight=YB)
    with pytest.raises(ValueError, match="all weights are zero"):
        br.LogisticBayes().fit(X0, YB, sample_weight=np.zeros(20))
