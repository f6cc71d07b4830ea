"""Bad input through the public entry points: clear errors, raised before any model is compiled.

Reference: the messages promised by ``bayesreg._validation`` ("every message names the
parameter, says what was expected and what was received"). Each bad input goes through
``RegressionData.from_xy``, ``bayesreg.verify_map`` and, where the data enter a conversion,
``bayesreg.penalty_to_prior("glmnet", X=..., y=...)``; the assertions check that the message
names the offending argument (``X``, ``y``, ``sample_weight``, ``noise_sigma``, ...) and, for
non-finite values, the row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bayesreg as br
from bayesreg.inference.map import find_map
from bayesreg.model.build import build_model, resolve_form
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import GaussianLikelihood, LogisticLikelihood, get_likelihood
from bayesreg.model.priors import Laplace

RNG = np.random.default_rng(0)
X0 = RNG.standard_normal((12, 3))
Y0 = X0 @ np.array([1.0, -2.0, 0.5]) + 0.1 * RNG.standard_normal(12)
YB = (Y0 > 0).astype(float)

ENTRY_POINTS = {
    "from_xy": lambda X, y, **kw: RegressionData.from_xy(X, y, **kw),
    "verify_map": lambda X, y, **kw: br.verify_map(X, y, "sklearn.Lasso", alpha=0.1, **kw),
    "penalty_to_prior": lambda X, y, **kw: br.penalty_to_prior("glmnet", X=X, y=y, lambda_=0.1, alpha=0.5),
}
BINARY_ENTRY_POINTS = {
    "from_xy": lambda X, y, **kw: RegressionData.from_xy(X, y, binary=True, **kw),
    "verify_map": lambda X, y, **kw: br.verify_map(X, y, "sklearn.LogisticRegression", C=1.0, **kw),
}


def _with(arr, index, value):
    out = np.array(arr, dtype=float, copy=True)
    out[index] = value
    return out


# ----------------------------------------------------------------------------- non-finite values
@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_x_names_x_and_the_row(entry, bad):
    X = _with(X0, (7, 2), bad)
    X[9, 0] = bad
    with pytest.raises(ValueError, match=rf"^X must be finite; got 2 NaN/inf value\(s\), first at row 7, column 2 "
                                         rf"\({bad!r}\)"):
        ENTRY_POINTS[entry](X, Y0)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_y_names_y_and_the_row(entry, bad):
    y = _with(Y0, 5, bad)
    with pytest.raises(ValueError, match=rf"^y must be finite; got 1 NaN/inf value\(s\), first at row 5 \({bad!r}\)"):
        ENTRY_POINTS[entry](X0, y)


def test_non_finite_in_a_dataframe_reports_the_position():
    X = pd.DataFrame(_with(X0, (4, 1), np.nan), columns=["a", "b", "c"])
    with pytest.raises(ValueError, match="first at row 4, column 1"):
        br.verify_map(X, Y0, "sklearn.Ridge", alpha=1.0)


def test_non_numeric_x_and_y():
    with pytest.raises(TypeError, match="X must be a numeric 2-D array"):
        RegressionData.from_xy([["a", "b"], ["c", "d"]], [1.0, 2.0])
    with pytest.raises(TypeError, match="y must be a numeric 1-D array"):
        RegressionData.from_xy(X0, ["a"] * 12)


# ----------------------------------------------------------------------------- shapes
@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_shape_mismatch(entry):
    with pytest.raises(ValueError, match="X and y have inconsistent numbers of samples: X has 12 rows, y has 11"):
        ENTRY_POINTS[entry](X0, Y0[:11])


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(("X", "shape"), [(X0[:, 0], r"\(12,\)"), (X0[None], r"\(1, 12, 3\)")])
def test_x_must_be_two_dimensional(entry, X, shape):
    with pytest.raises(ValueError, match=rf"X must be a 2-D array of shape \(n_samples, n_features\); "
                                         rf"got an array of shape {shape}"):
        ENTRY_POINTS[entry](X, Y0)


def test_empty_x():
    with pytest.raises(ValueError, match="X must have at least one sample and one feature"):
        RegressionData.from_xy(np.empty((12, 0)), Y0)


def test_y_must_be_one_dimensional():
    with pytest.raises(ValueError, match=r"y must be a 1-D array of shape \(n_samples,\); got shape \(12, 2\)"):
        RegressionData.from_xy(X0, np.column_stack([Y0, Y0]))
    # a column vector is accepted
    assert RegressionData.from_xy(X0, Y0[:, None]).y.shape == (12,)


# ----------------------------------------------------------------------------- binary target
@pytest.mark.parametrize("entry", BINARY_ENTRY_POINTS)
@pytest.mark.parametrize(("y", "shown"), [
    (np.arange(12) % 3, r"\{0, 1, 2\}"),
    (2 * YB - 1, r"\{-1, 1\}"),
    (YB + 0.5, r"\{0.5, 1.5\}"),
    (np.arange(12.0), r"\{0, 1, 2, 3, 4, 5, \.\.\.\}"),
])
def test_logistic_target_must_be_binary(entry, y, shown):
    msg = rf"y must contain only 0 and 1 for the logistic likelihood; got values {shown}"
    with pytest.raises(ValueError, match=msg):
        BINARY_ENTRY_POINTS[entry](X0, y)


def test_binary_target_accepts_bool_and_int():
    assert np.array_equal(RegressionData.from_xy(X0, YB.astype(bool), binary=True).y, YB)
    assert np.array_equal(RegressionData.from_xy(X0, YB.astype(int), binary=True).y, YB)


# ----------------------------------------------------------------------------- sample weights
@pytest.mark.parametrize("entry", ["from_xy", "verify_map"])
@pytest.mark.parametrize("sw", [
    _with(np.ones(12), 3, -1.0),
    _with(np.ones(12), 3, np.nan),
    _with(np.ones(12), 3, np.inf),
])
def test_bad_sample_weight(entry, sw):
    with pytest.raises(ValueError, match="sample_weight must be finite and non-negative with a positive sum"):
        ENTRY_POINTS[entry](X0, Y0, sample_weight=sw)


@pytest.mark.parametrize("entry", ["from_xy", "verify_map"])
def test_all_zero_sample_weight(entry):
    with pytest.raises(ValueError, match="sample_weight must not be all zero"):
        ENTRY_POINTS[entry](X0, Y0, sample_weight=np.zeros(12))


def test_sample_weight_shape():
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(12,\) to match X; got shape \(11,\)"):
        br.verify_map(X0, Y0, "sklearn.Lasso", alpha=0.1, sample_weight=np.ones(11))


# ----------------------------------------------------------------------------- noise scale
@pytest.mark.parametrize("sigma", [0.0, -1.0, np.nan, np.inf])
def test_noise_sigma_must_be_positive(sigma):
    with pytest.raises(ValueError, match="'noise_sigma' parameter of GaussianLikelihood must be"):
        GaussianLikelihood(sigma)
    with pytest.raises(ValueError, match="'noise_sigma' parameter of GaussianLikelihood must be"):
        get_likelihood("gaussian", sigma)
    with pytest.raises(ValueError, match="'noise_sigma' parameter"):
        br.verify_map(X0, Y0, "sklearn.Lasso", alpha=0.1, noise_sigma=sigma)
    with pytest.raises(ValueError, match="'noise_sigma' parameter of sklearn.Lasso must be"):
        br.penalty_to_prior("sklearn.Lasso", alpha=0.1, n=12, noise_sigma=sigma)


def test_noise_sigma_of_wrong_type():
    with pytest.raises(TypeError, match="'noise_sigma' parameter of GaussianLikelihood must be a positive real"):
        GaussianLikelihood("1.0")


def test_sampled_noise_scale_has_no_map():
    data = RegressionData.from_xy(X0, Y0)
    with pytest.raises(ValueError, match="noise_sigma must be a positive number for the MAP"):
        GaussianLikelihood(None).nll(data, np.zeros(3), 0.0)


# ----------------------------------------------------------------------------- names
def test_unknown_likelihood():
    with pytest.raises(ValueError, match="likelihood must be one of 'gaussian', 'logistic', 'poisson', "
                                         "'negative_binomial', 'student_t', 'multinomial'; got 'gamma'"):
        get_likelihood("gamma")
    with pytest.raises(ValueError, match=r"'sklearn.Lasso' is defined for the gaussian likelihood; "
                                         r"got likelihood='poisson'"):
        br.verify_map(X0, Y0, "sklearn.Lasso", alpha=0.1, likelihood="poisson")
    with pytest.raises(ValueError, match=r"'sklearn.Lasso' is defined for the gaussian likelihood; "
                                         r"got likelihood='logistic'"):
        br.verify_map(X0, YB, "sklearn.Lasso", alpha=0.1, likelihood="logistic")


@pytest.mark.parametrize("form", ["columns", "", None])
def test_unknown_form(form):
    data = RegressionData.from_xy(X0, Y0)
    msg = r"form must be one of 'auto', 'rows', 'suffstats'"
    with pytest.raises(ValueError, match=msg):
        resolve_form(GaussianLikelihood(1.0), form)
    with pytest.raises(ValueError, match=msg):
        find_map(data, Laplace(1.0), GaussianLikelihood(1.0), form=form)
    with pytest.raises(ValueError, match=msg):
        build_model(data, Laplace(1.0), GaussianLikelihood(1.0), form=form)


def test_suffstats_form_needs_gaussian_likelihood():
    data = RegressionData.from_xy(X0, YB, binary=True)
    with pytest.raises(ValueError, match="form='suffstats' needs the Gaussian likelihood"):
        find_map(data, Laplace(1.0), LogisticLikelihood(), form="suffstats")


def test_unknown_reference():
    with pytest.raises(ValueError, match="reference must be one of 'bayesreg', 'sklearn'; got 'glmnet'"):
        br.verify_map(X0, Y0, "sklearn.Lasso", alpha=0.1, reference="glmnet")


def test_sklearn_reference_only_for_sklearn_conventions():
    with pytest.raises(ValueError, match="reference='sklearn' is available for the sklearn"):
        br.verify_map(X0, Y0, "sum", lam=1.0, reference="sklearn")


def test_duplicate_feature_names():
    X = pd.DataFrame(X0, columns=["a", "b", "a"])
    with pytest.raises(ValueError, match=r"feature names must be unique; duplicated: \['a'\]"):
        build_model(RegressionData.from_xy(X, Y0), Laplace(1.0), GaussianLikelihood(1.0))
