"""The bad-input corpus: one table of wrong inputs through the API and the command line.

Each row is a call (a Python callable, or a ``bayesreg`` command line), what it must raise (the
exception type, or the exit code of the CLI) and a fragment the message must contain — the name of
the parameter, flag or file at fault. The CLI must answer with exactly one line
``bayesreg <command>: error: ...`` on stderr and no traceback (argparse's own usage errors, marked
``usage=True``, print their usage line too).

Every case runs with the expensive entry points replaced by a tripwire (``find_map``,
``sample_posterior``, ``pymc.sample``, ``pymc.Model``, the empirical-Bayes solvers): a case that
reaches them before failing raises ``ExpensiveWorkStarted`` and fails the test. So the table also
shows that validation comes before any model is built or sampled (reproducers 5-10 of issue 16
included), and the whole corpus runs in seconds.
"""

from __future__ import annotations

import copy
import importlib
import shlex
from collections.abc import Callable
from dataclasses import dataclass

import arviz as az
import numpy as np
import pandas as pd
import pymc
import pytest
from scipy import sparse

import bayesreg as br
from bayesreg.cli import main
from bayesreg.datasets import load_csv, load_dataset
from bayesreg.model.likelihoods import GaussianLikelihood, get_likelihood
from bayesreg.model.priors import ElasticNet, Gaussian, Laplace


@dataclass(frozen=True)
class Case:
    id: str
    call: Callable[[], object] | str  # a Python call, or the argv of ``bayesreg`` (placeholders {file})
    expect: type[BaseException] | int  # the exception type, or the CLI's exit code
    says: str                          # a fragment of the message that names what is wrong
    usage: bool = False                # argparse usage error (usage line + message)


def api(id: str, call: Callable[[], object], expect: type[BaseException], says: str) -> Case:
    return Case(id, call, expect, says)


def cli(id: str, argv: str, says: str, *, code: int = 2, usage: bool = False) -> Case:
    return Case(f"cli: {id}", argv, code, says, usage)


# ----------------------------------------------------------------------------- data of the corpus
RNG = np.random.default_rng(0)
X = pd.DataFrame(RNG.standard_normal((20, 3)), columns=["a", "b", "c"])
Xa = X.to_numpy()
Y = Xa @ np.array([1.0, -1.0, 0.5]) + 0.1 * RNG.standard_normal(20)
YB = (Y > 0).astype(int)
FILES: dict[str, str] = {}    # written by the `files` fixture: name -> path
FITTED: dict[str, object] = {}  # built by the `fitted` fixture before the tripwire is armed


def put(arr, index, value):
    out = np.array(arr, dtype=float, copy=True)
    out[index] = value
    return out


def fit(est=None, X=Xa, y=Y, **kw):
    return lambda: (est if est is not None else br.BayesianRegression()).fit(X, y, **kw)


BR = br.BayesianRegression
FIT = "fit --data diabetes --alpha 1"
NUTS = "fit --data diabetes --alpha 1 --method nuts --draws 10 --tune 10 --chains 1 --quiet"

CASES = [
    # ---- priors and likelihoods
    api("Laplace b < 0", lambda: Laplace(-1.0), ValueError, "'b' parameter of Laplace must be > 0"),
    api("Laplace b = 0", lambda: Laplace(0.0), ValueError, "'b' parameter of Laplace"),
    api("Laplace(True): a bool is no scale", lambda: Laplace(True), TypeError, "'b' parameter of Laplace"),
    api("Laplace b str", lambda: Laplace("1"), TypeError, "'b' parameter of Laplace"),
    api("Laplace b NaN", lambda: Laplace(np.nan), ValueError, "'b' parameter of Laplace must be finite"),
    api("Laplace b 2-D", lambda: Laplace([[1.0, 2.0]]), ValueError, "'b' parameter of Laplace"),
    api("Gaussian sigma < 0", lambda: Gaussian(-2.0), ValueError, "'sigma' parameter of Gaussian"),
    api("Gaussian sigma bools", lambda: Gaussian([True, False]), TypeError, "'sigma' parameter of Gaussian"),
    api("ElasticNet l1 = 0", lambda: ElasticNet(0.0, 1.0), ValueError, "'l1' parameter of ElasticNet"),
    api("ElasticNet l2 inf", lambda: ElasticNet(1.0, np.inf), ValueError, "'l2' parameter of ElasticNet"),
    api("Unpenalized no features", lambda: br.Unpenalized(Laplace(1.0), features=[]), ValueError,
        "'features' parameter of Unpenalized"),
    api("BayesianLasso lam < 0", lambda: br.BayesianLasso(lam=-1.0), ValueError, "'lam' parameter of BayesianLasso"),
    api("HierarchicalGaussian scale < 0", lambda: br.HierarchicalGaussian(scale=-1.0), ValueError,
        "'scale' parameter of HierarchicalGaussian"),
    api("GaussianLikelihood noise 0", lambda: GaussianLikelihood(0.0), ValueError, "'noise_sigma' parameter"),
    api("unknown likelihood", lambda: get_likelihood("gamma"), ValueError, "likelihood must be one of"),
    # ---- count and robust likelihoods
    api("negative counts", lambda: br.BayesianRegression(likelihood="poisson").fit(Xa, -np.ones(20)), ValueError,
        "'y' parameter of Poisson must hold non-negative integer counts; got -1.0 at row 0"),
    api("non-integer counts", lambda: br.BayesianRegression(likelihood="negative_binomial").fit(Xa, np.full(20, 0.5)),
        ValueError, "'y' parameter of NegativeBinomial must hold non-negative integer counts"),
    api("offset of the wrong length", lambda: br.BayesianRegression(likelihood="poisson").fit(
        Xa, np.ones(20), offset=np.zeros(19)), ValueError, "'offset' parameter of fit must be a vector of length 20"),
    api("offset not finite", lambda: br.BayesianRegression(likelihood="poisson").fit(
        Xa, np.ones(20), offset=np.r_[np.nan, np.zeros(19)]), ValueError, "'offset' parameter of fit must be finite"),
    api("offset for the Gaussian likelihood", lambda: br.BayesianRegression().fit(Xa, Y, offset=np.zeros(20)),
        ValueError, "'offset' parameter of fit is only supported for the count likelihoods"),
    api("NegativeBinomial alpha <= 0", lambda: br.NegativeBinomial(alpha=-1.0), ValueError,
        "'alpha' parameter of NegativeBinomial must be > 0"),
    api("StudentT nu <= 0", lambda: br.StudentT(nu=0.0), ValueError, "'nu' parameter of StudentT must be > 0"),
    # ---- conventions
    api("unknown convention lists the known ones", lambda: br.penalty_to_prior("sklearn.lasso", alpha=1.0, n=10),
        ValueError, "known conventions: 'sklearn.Lasso', 'sklearn.Ridge'"),
    api("unknown convention (inverse)", lambda: br.prior_to_penalty(Laplace(1.0), "keras"), ValueError,
        "Unknown convention 'keras'"),
    api("negative alpha", lambda: br.penalty_to_prior("sklearn.Lasso", alpha=-1.0, n=10), ValueError,
        "'alpha' parameter of sklearn.Lasso must be > 0"),
    api("zero Ridge alpha", lambda: br.penalty_to_prior("sklearn.Ridge", alpha=0.0), ValueError, "'alpha' parameter"),
    api("C = True", lambda: br.penalty_to_prior("sklearn.LogisticRegression", C=True), TypeError, "'C' parameter"),
    api("l1_ratio > 1", lambda: br.penalty_to_prior("sklearn.ElasticNet", alpha=1.0, l1_ratio=1.5, n=10),
        ValueError, "'l1_ratio' parameter"),
    api("negative glmnet lambda", lambda: br.penalty_to_prior("glmnet", lambda_=-0.1, n=10, standardize=False),
        ValueError, "'lambda_' parameter"),
    api("glmnet family", lambda: br.penalty_to_prior("glmnet", lambda_=0.1, family="gamma", n=10,
                                                     standardize=False), ValueError, "'family' parameter"),
    api("missing n", lambda: br.penalty_to_prior("sklearn.Lasso", alpha=1.0), ValueError, "pass n="),
    api("negative n", lambda: br.penalty_to_prior("sklearn.Lasso", alpha=1.0, n=-5), ValueError, "'n' parameter"),
    api("wrong parameter name", lambda: br.penalty_to_prior("sklearn.Lasso", lam=1.0, n=10), TypeError,
        "got unexpected lam"),
    api("noise_sigma 0 in a mapping", lambda: br.penalty_to_prior("sklearn.Lasso", alpha=1.0, n=10, noise_sigma=0),
        ValueError, "'noise_sigma' parameter"),
    api("unknown penalty name", lambda: br.penalty_to_prior("sum", lam=1.0, penalty="lasso"), ValueError,
        "'penalty' parameter"),
    api("not a prior", lambda: br.prior_to_penalty({"b": 1.0}, "sklearn.Lasso", n=10), TypeError,
        "prior must be a bayesreg prior"),
    api("prior the convention cannot express", lambda: br.prior_to_penalty(Gaussian(1.0), "sklearn.Lasso", n=10),
        ValueError, "sklearn.Lasso has no L2 part"),
    # ---- data
    api("NaN in X", fit(X=put(Xa, (3, 1), np.nan)), ValueError, "X must be finite"),
    api("inf in X", fit(X=put(Xa, (0, 2), np.inf)), ValueError, "X must be finite"),
    api("NaN in y", fit(y=put(Y, 5, np.nan)), ValueError, "y must be finite"),
    api("inf in y", fit(y=put(Y, 5, -np.inf)), ValueError, "y must be finite"),
    api("negative sample_weight", fit(sample_weight=put(np.ones(20), 2, -1.0)), ValueError, "sample_weight"),
    api("NaN sample_weight", fit(sample_weight=put(np.ones(20), 2, np.nan)), ValueError, "sample_weight"),
    api("sample_weight shape", fit(sample_weight=np.ones(19)), ValueError, "sample_weight must have shape (20,)"),
    api("all-zero sample_weight", fit(sample_weight=np.zeros(20)), ValueError, "sample_weight"),
    api("X 1-D", fit(X=Xa[:, 0]), ValueError, "X must be a 2-D array"),
    api("X without rows", fit(X=Xa[:0], y=Y[:0]), ValueError, "X has 0 sample(s)"),
    api("X without columns", fit(X=Xa[:, :0]), ValueError, "X has 0 feature(s)"),
    api("X and y lengths", fit(y=Y[:-1]), ValueError, "inconsistent numbers of samples"),
    api("y None", fit(y=None), ValueError, "requires y to be passed"),
    api("X complex", fit(X=Xa + 1j), ValueError, "Complex data not supported: X"),
    api("X strings", fit(X=np.full((20, 3), "a")), TypeError, "X must be a numeric 2-D array"),
    api("X sparse", fit(X=sparse.csr_matrix(Xa)), TypeError, "Sparse input is not supported"),
    api("X so large that X'X overflows", fit(X=Xa * np.array([1.0, 1e300, 1.0])), ValueError,
        "X column 1 ('x1') is too large"),
    api("y so large that y'y overflows", fit(y=Y * 1e300), ValueError, "y is too large"),
    api("multinomial y with 2 classes", fit(BR(likelihood="multinomial"), y=np.arange(20) % 2), ValueError,
        "'y' parameter of Multinomial must have at least 3 classes; got 2. For two classes use the logistic"),
    api("multinomial class seen once", fit(BR(likelihood="logistic"), y=np.r_[np.arange(19) % 2, 2]), ValueError,
        "'y' parameter of Multinomial must contain every class at least twice; class 2 is seen 1 time"),
    api("logistic y continuous", fit(br.LogisticBayes(), y=Y), ValueError, "y has non-integer values"),
    api("logistic y not 0/1 (verify_map)", lambda: br.verify_map(Xa, Y, "sklearn.LogisticRegression", C=1.0),
        ValueError, "y must contain only 0 and 1"),
    api("one class after weights", fit(br.LogisticBayes(), y=YB, sample_weight=YB), ValueError,
        "positive sample_weight"),
    api("duplicated column names (MAP)", fit(X=X.set_axis(["a", "b", "a"], axis=1)), ValueError,
        "X has duplicated column names ['a']"),
    api("duplicated column names (NUTS)", fit(BR(method="nuts"), X=X.set_axis(["a", "b", "a"], axis=1)),
        ValueError, "X has duplicated column names ['a']"),
    api("mixed str/int column names", fit(X=X.set_axis(["a", 1, "c"], axis=1)), TypeError,
        "Feature names are only supported if all input features have string names"),
    # ---- estimator parameters (checked at the start of fit)
    api("fit_intercept='no'", fit(BR(fit_intercept="no")), TypeError, "'fit_intercept' parameter of "
        "BayesianRegression must be a bool"),
    api("fit_intercept=None (preset)", fit(br.RidgeBayes(fit_intercept=None)), TypeError,
        "'fit_intercept' parameter of RidgeBayes"),
    api("tol 0", fit(BR(tol=0.0)), ValueError, "'tol' parameter of BayesianRegression must be in (0, 1)"),
    api("tol -1", fit(BR(tol=-1)), ValueError, "'tol' parameter"),
    api("tol NaN", fit(BR(tol=np.nan)), ValueError, "'tol' parameter"),
    api("tol 1.5", fit(BR(tol=1.5)), ValueError, "'tol' parameter"),
    api("target_accept 1.5", fit(BR(method="nuts", target_accept=1.5)), ValueError, "'target_accept' parameter"),
    api("target_accept 0", fit(BR(method="nuts", target_accept=0)), ValueError, "'target_accept' parameter"),
    api("draws 0", fit(BR(method="nuts", draws=0)), ValueError, "'draws' parameter"),
    api("draws 10.5", fit(BR(method="nuts", draws=10.5)), TypeError, "'draws' parameter"),
    api("tune -1", fit(BR(method="nuts", tune=-1)), ValueError, "'tune' parameter"),
    api("chains True", fit(BR(method="nuts", chains=True)), TypeError, "'chains' parameter"),
    api("random_seed -1", fit(BR(method="nuts", random_seed=-1)), ValueError, "'random_seed' parameter"),
    api("progressbar 'yes'", fit(BR(progressbar="yes")), TypeError, "'progressbar' parameter"),
    api("sampler 'stan'", fit(BR(method="nuts", sampler="stan")), ValueError, "'sampler' parameter"),
    api("parameterization", fit(BR(parameterization="nested")), ValueError, "'parameterization' parameter"),
    api("noise_prior_scale 0", fit(BR(method="nuts", noise_sigma=None, noise_prior_scale=0.0)), ValueError,
        "'noise_prior_scale' parameter"),
    api("standardize 1", fit(BR(standardize=1)), TypeError, "'standardize' parameter"),
    api("noise_sigma 0", fit(BR(noise_sigma=0.0)), ValueError, "'noise_sigma' parameter"),
    api("noise_sigma 'fixed'", fit(BR(noise_sigma="fixed")), ValueError, "'noise_sigma' parameter"),
    api("noise_sigma 0 (preset)", fit(br.LassoBayes(noise_sigma=0.0)), ValueError, "'noise_sigma' parameter"),
    api("method 'mcmc'", fit(BR(method="mcmc")), ValueError, "'method' parameter of BayesianRegression"),
    api("likelihood 'gamma'", fit(BR(likelihood="gamma")), ValueError, "'likelihood' parameter"),
    api("form 'dense'", fit(BR(form="dense")), ValueError, "'form' parameter"),
    api("prior 'laplace'", fit(BR(prior="laplace")), TypeError, "'prior' parameter"),
    api("hierarchical prior for the MAP", fit(BR(prior=br.BayesianLasso(lam=1.0))), ValueError,
        "fit it with method='nuts'"),
    api("Lasso alpha < 0", fit(br.LassoBayes(alpha=-1.0)), ValueError, "'alpha' parameter"),
    api("ElasticNet l1_ratio 2", fit(br.ElasticNetBayes(l1_ratio=2.0)), ValueError, "'l1_ratio' parameter"),
    api("Logistic C 0", fit(br.LogisticBayes(C=0.0), y=YB), ValueError, "'C' parameter"),
    api("GlmnetBayes family", fit(br.GlmnetBayes(family="gamma")), ValueError, "'family' parameter"),
    api("glmnet penalty_factor length", fit(br.GlmnetBayes(penalty_factor=[1.0, 2.0])), ValueError,
        "penalty_factor has 2 values"),
    api("sampler_kwargs draws 0", fit(br.LassoBayes(method="nuts", sampler_kwargs={"draws": 0})), ValueError,
        "'draws' parameter of LassoBayes"),
    api("sampler_kwargs unknown key", fit(br.LassoBayes(method="nuts", sampler_kwargs={"nope": 1})), ValueError,
        "sampler_kwargs takes"),
    api("sampler_kwargs not a dict", fit(br.RidgeBayes(sampler_kwargs=[1])), TypeError,
        "'sampler_kwargs' parameter of RidgeBayes"),
    # ---- prediction and posterior analysis
    api("predict before fit", lambda: BR().predict(Xa), br.estimators.NotFittedError, "not fitted yet"),
    api("predict: reordered columns", lambda: FITTED["map"].predict(X[["c", "b", "a"]]), ValueError,
        "Feature names must be in the same order as they were in fit"),
    api("predict: renamed column", lambda: FITTED["map"].predict(X.set_axis(["a", "b", "z"], axis=1)),
        ValueError, "Feature names unseen at fit time:\n- z"),
    api("predict: missing column", lambda: FITTED["map"].predict(X[["a", "b"]]), ValueError,
        "Feature names seen at fit time, yet now missing:\n- c"),
    api("predict: wrong width", lambda: FITTED["map_array"].predict(Xa[:, :2]), ValueError,
        "X has 2 features, but RidgeBayes is expecting 3"),
    api("predict: interval of a MAP", lambda: FITTED["map"].predict(X, return_interval=True), AttributeError,
        "fit with method='nuts'"),
    api("predict: prob 1.5", lambda: FITTED["nuts"].predict(X, return_interval=True, prob=1.5), ValueError,
        "'prob' parameter of predict"),
    api("summary: hdi_prob 1.5", lambda: FITTED["nuts"].summary(hdi_prob=1.5), ValueError,
        "'hdi_prob' parameter of summary"),
    api("predictive_draws: seed -1", lambda: FITTED["nuts"].predictive_draws(X, random_seed=-1), ValueError,
        "'random_seed' parameter of predictive_draws"),
    api("score: negative sample_weight", lambda: FITTED["map"].score(X, Y, sample_weight=-np.ones(20)), ValueError,
        "sample_weight must be finite and non-negative"),
    api("posterior predictive of a MAP", lambda: FITTED["map"].sample_posterior_predictive(), AttributeError,
        "fit with method='nuts'"),
    # ---- files
    api("latin-1 CSV", lambda: load_csv(FILES["latin1"], "y"), ValueError, "latin1.csv' is not valid utf-8"),
    api("unknown encoding", lambda: load_csv(FILES["latin1"], "y", encoding="klingon"), ValueError,
        "unknown encoding 'klingon'"),
    api("CSV not found", lambda: load_csv(FILES["dir"] + "/missing.csv", "y"), FileNotFoundError, "missing.csv"),
    api("CSV is a directory", lambda: load_csv(FILES["dir"], "y"), IsADirectoryError, "is a directory"),
    api("CSV column without a name", lambda: load_csv(FILES["unnamed"], "y"), ValueError,
        "column(s) 3 (1-based) have no header name"),
    api("CSV ragged rows", lambda: load_csv(FILES["ragged"], "y"), ValueError, "ragged.csv' could not be parsed"),
    api("CSV target missing", lambda: load_csv(FILES["ragged"].replace("ragged", "latin1"), "nope",
                                               encoding="latin-1"), ValueError, "target column 'nope' not found"),
    api("NetCDF: not HDF5", lambda: br.load_idata(FILES["corrupt"]), ValueError, "corrupt.nc'"),
    api("NetCDF: truncated", lambda: br.load_idata(FILES["truncated"]), ValueError, "truncated.nc'"),
    api("NetCDF: a CSV", lambda: br.load_idata(FILES["latin1"]), ValueError, "latin1.csv'"),
    api("NetCDF: missing", lambda: br.load_idata(FILES["dir"] + "/none.nc"), FileNotFoundError, "none.nc"),
    api("NetCDF: a directory", lambda: br.load_idata(FILES["dir"]), IsADirectoryError, "is a directory"),
    api("save_idata: no such folder", lambda: br.save_idata(None, "/nonexistent/dir/post.nc"), FileNotFoundError,
        "'/nonexistent/dir' does not exist"),
    api("save_idata: a directory", lambda: br.save_idata(None, FILES["dir"]), IsADirectoryError, "is a directory"),
    api("output path not a path", lambda: br.check_output_path(123), TypeError, "path must be a file path"),
    # ---- command line (reproducers 5 and 8 of issue 16 first)
    cli("--output in a missing folder, before sampling", f"{NUTS} --output /nonexistent/dir/post.nc",
        "--output '/nonexistent/dir/post.nc': the directory '/nonexistent/dir' does not exist"),
    cli("--output is a directory", NUTS + " --output {dir}", "is a directory"),
    cli("--hdi-prob 1.5 before sampling", f"{NUTS} --hdi-prob 1.5", "--hdi-prob must be in (0, 1)"),
    cli("fit --noise-sigma 0", f"{FIT} --noise-sigma 0", "--noise-sigma must be a finite number > 0; got 0.0"),
    cli("fit --noise-sigma nan", f"{FIT} --noise-sigma nan", "--noise-sigma"),
    cli("convert --noise-sigma 0", "convert --from sklearn.Lasso --alpha 1 --n 10 --noise-sigma 0", "--noise-sigma"),
    cli("verify --noise-sigma -1", "verify --convention sklearn.Lasso --alpha 1 --noise-sigma -1", "--noise-sigma"),
    cli("--draws 0", f"{NUTS} --draws 0", "--draws must be an integer >= 1"),
    cli("--chains 0", f"{NUTS} --chains 0", "--chains"),
    cli("--tune -1", f"{NUTS} --tune -1", "--tune"),
    cli("--seed -3", f"{NUTS} --seed -3", "--seed"),
    cli("--draws abc", f"{NUTS} --draws abc", "argument --draws", usage=True),
    cli("--output without nuts", f"{FIT} --output x.nc", "--method nuts"),
    cli("--posterior-predictive without --output", f"{NUTS} --posterior-predictive", "--posterior-predictive"),
    cli("latin-1 CSV", "fit --data {latin1} --target y --alpha 1", "is not valid utf-8 text"),
    cli("unknown --encoding", "fit --data {latin1} --target y --alpha 1 --encoding klingon", "unknown encoding"),
    cli("--data is a directory", "fit --data {dir} --target y --alpha 1", "is a directory"),
    cli("--data missing", "fit --data no_such_file.csv --alpha 1", "--data 'no_such_file.csv' is neither"),
    cli("--data CSV without --target", "fit --data {ragged} --alpha 1", "--target COLUMN is required"),
    cli("--target missing", "verify --convention sklearn.Lasso --alpha 1 --data {nan} --target nope",
        "target column 'nope' not found"),
    cli("CSV with NaN", "fit --data {nan} --target y --alpha 1", "NaN or infinite values"),
    cli("CSV column without a name", "fit --data {unnamed} --target y --alpha 1", "have no header name"),
    cli("--weights column missing", "fit --data {weights} --target y --weights nope --alpha 1",
        "--weights column 'nope' not found"),
    cli("--weights negative", "fit --data {weights} --target y --weights w --alpha 1", "sample_weight"),
    cli("unknown convention", "verify --convention nope --alpha 1", "Unknown convention 'nope'; known conventions"),
    cli("negative --alpha", f"{FIT.replace('--alpha 1', '--alpha -1')}", "'alpha' parameter"),
    cli("convert negative --alpha", "convert --from sklearn.Lasso --alpha -1 --n 10", "'alpha' parameter"),
    cli("logistic convention on regression data", "fit --data diabetes --convention sklearn.LogisticRegression "
        "--C 1", "defined for the logistic/multinomial likelihood"),
    cli("logistic likelihood on a continuous y", "fit --data diabetes --likelihood logistic --C 1",
        "'y' parameter of Multinomial must contain every class at least twice; class 25.0 is seen 1 time"),
    # ---- regularization path (issue 12)
    api("path: negative grid value", lambda: br.regularization_path(Xa, Y, "sklearn.Lasso", alpha=[1.0, -0.1]),
        ValueError, "'alpha' parameter of regularization_path must hold finite values > 0"),
    api("path: NaN in the grid", lambda: br.regularization_path(Xa, Y, "sklearn.Lasso", alpha=[np.nan]),
        ValueError, "'alpha' parameter of regularization_path"),
    api("path: no grid", lambda: br.regularization_path(Xa, Y, "sklearn.Lasso", alpha=1.0), TypeError,
        "needs exactly one grid"),
    api("path: single row", lambda: br.regularization_path(Xa[:1], Y[:1], "sklearn.Lasso", alpha=[1.0]),
        ValueError, "at least 2 rows"),
    api("path: logistic convention", lambda: br.regularization_path(Xa, YB, "sklearn.LogisticRegression", C=[1.0]),
        ValueError, "needs a convention of the squared error"),
    api("loo_path: inf in the grid", lambda: br.loo_path(Xa, Y, "sklearn.Ridge", noise_sigma=1.0, alpha=[np.inf]),
        ValueError, "'alpha' parameter of regularization_path"),
    api("cross_validate_path: one fold", lambda: br.cross_validate_path(Xa, Y, "sklearn.Lasso", folds=1, alpha=[1.0]),
        ValueError, "'folds' parameter of cross_validate_path"),
    cli("path: negative --values", "path --data diabetes --convention sklearn.Lasso --values 1,-0.5",
        "'alpha' parameter of regularization_path must hold finite values > 0 (penalty strengths); got -0.5"),
    cli("path: no grid", "path --data diabetes --convention sklearn.Lasso", "--values V1,V2,... or --geomspace"),
    cli("path: --geomspace nan", "path --data diabetes --convention sklearn.Lasso --geomspace nan 1 5",
        "--geomspace START and STOP must be finite numbers > 0"),
    cli("path: --geomspace NUM 2.5", "path --data diabetes --convention sklearn.Lasso --geomspace 1 0.1 2.5",
        "--geomspace NUM must be a whole number"),
    cli("path: the grid's own flag", "path --data diabetes --convention sklearn.Lasso --alpha 1 --values 1,2",
        "--alpha is the grid here"),
    cli("path: --param unknown", "path --data diabetes --convention sklearn.Lasso --param C --values 1",
        "--param 'C' is not a parameter of sklearn.Lasso"),
    cli("path: logistic convention", "path --data diabetes --convention sklearn.LogisticRegression --values 1",
        "needs a convention of the squared error"),
]


CASES += [  # empirical Bayes (issue 12): refused before any evidence, EM or sampling work
    api("empirical_bayes: one row", lambda: br.empirical_bayes(Xa[:1], Y[:1]), ValueError, "at least 2 rows"),
    api("empirical_bayes: Laplace prior", lambda: br.empirical_bayes(Xa, Y, prior="laplace"), ValueError,
        "'prior' parameter of empirical_bayes"),
    api("empirical_bayes: hierarchical prior", lambda: br.empirical_bayes(Xa, Y, prior=br.HierarchicalGaussian()),
        ValueError, "already has a hyperprior"),
    api("empirical_bayes: unknown hyperprior", lambda: br.empirical_bayes(Xa, Y, hyperprior="jeffreys"),
        ValueError, "'hyperprior' parameter of empirical_bayes"),
    api("empirical_bayes: NaN in X", lambda: br.empirical_bayes(put(Xa, (0, 0), np.nan), Y), ValueError,
        "X must be finite"),
    api("empirical_bayes: one EM chain", lambda: br.empirical_bayes(Xa, Y, prior="bayesian_lasso", chains=1),
        ValueError, "'chains' parameter of empirical_bayes"),
    api("empirical_bayes: ard with the Bayesian lasso",
        lambda: br.empirical_bayes(Xa, Y, prior="bayesian_lasso", ard=True), ValueError, "'ard' parameters"),
]

@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad_input")
    write = {
        "latin1": ("latin1.csv", "café,y\n1,2\n3,4\n".encode("latin-1")),
        "unnamed": ("unnamed.csv", b"a,b,,y\n1,2,3,4\n5,6,7,8\n"),
        "ragged": ("ragged.csv", b"a,b,y\n1,2,3\n4,5,6,7,8\n"),
        "nan": ("nan.csv", b"a,b,y\n1,2,3\n,2,3\n1,2,5\n"),
        "weights": ("weights.csv", b"a,w,y\n1,1,3\n2,-1,3\n1,1,5\n3,2,1\n"),
        "corrupt": ("corrupt.nc", b"hello"),
    }
    for key, (name, content) in write.items():
        (d / name).write_bytes(content)
        FILES[key] = str(d / name)
    good = d / "good.nc"
    az.from_dict(posterior={"coef": np.zeros((1, 5, 2))}).to_netcdf(str(good))
    (d / "truncated.nc").write_bytes(good.read_bytes()[:500])
    FILES["truncated"] = str(d / "truncated.nc")
    (d / "adir").mkdir()
    FILES["dir"] = str(d / "adir")
    return FILES


@pytest.fixture(scope="module")
def fitted():
    """MAP fits (named columns, plain array), and a copy with a small posterior standing in for a NUTS fit."""
    FITTED["map"] = br.RidgeBayes(alpha=1.0).fit(X, Y)
    FITTED["map_array"] = br.RidgeBayes(alpha=1.0).fit(Xa, Y)
    nuts = copy.deepcopy(FITTED["map"])
    draws = RNG.standard_normal((1, 20, 3))
    nuts.idata_ = az.from_dict(posterior={"coef": draws, "intercept": np.zeros((1, 20))},
                               coords={"feature": ["a", "b", "c"]}, dims={"coef": ["feature"]})
    FITTED["nuts"] = nuts
    return FITTED


class ExpensiveWorkStarted(BaseException):
    """Raised by the tripwire: a case reached model building, the MAP solver or the sampler."""


@pytest.fixture
def tripwire(monkeypatch):
    def refuse(*args, **kwargs):
        raise ExpensiveWorkStarted("validation must happen before any model is built, solved or sampled")

    for module, name in [("bayesreg.inference.map", "find_map"), ("bayesreg.estimators.regression", "find_map"),
                         ("bayesreg.verify", "find_map"), ("bayesreg.inference.sampling", "sample_posterior"),
                         ("bayesreg.inference.empirical_bayes", "fit_gaussian_evidence"),
                         ("bayesreg.inference.empirical_bayes", "fit_ard"),
                         ("bayesreg.inference.empirical_bayes", "mcem_bayesian_lasso")]:
        monkeypatch.setattr(importlib.import_module(module), name, refuse)
    monkeypatch.setattr(pymc, "sample", refuse)
    monkeypatch.setattr(pymc, "Model", refuse)


def test_the_corpus_is_large_and_covers_api_and_cli():
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    assert sum(isinstance(c.call, str) for c in CASES) >= 20 and sum(callable(c.call) for c in CASES) >= 60


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, files, fitted, tripwire, capsys):
    if callable(case.call):
        with pytest.raises(case.expect) as info:
            case.call()
        assert case.says in str(info.value), f"{case.says!r} not in {str(info.value)!r}"
        return
    argv = shlex.split(case.call.format(**files))
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == case.expect, (code, out, err)
    assert "Traceback" not in err
    assert case.says in err, f"{case.says!r} not in {err!r}"
    if not case.usage:
        (line,) = err.strip().splitlines()
        assert line.startswith(f"bayesreg {argv[0]}: error: ")


def test_the_tripwire_catches_late_validation(tripwire):
    """Shows the corpus can fail: a fit that starts the solver before failing trips the wire."""
    with pytest.raises(ExpensiveWorkStarted):
        br.BayesianRegression().fit(Xa, Y)
    with pytest.raises(ExpensiveWorkStarted):
        main(["fit", "--data", "diabetes", "--alpha", "1"])


def test_a_csv_saved_with_its_index_drops_it_with_a_warning(tmp_path, capsys):
    d = load_dataset("diabetes")
    path = tmp_path / "indexed.csv"
    d.X.assign(y=d.y).to_csv(path)  # index=True: an unnamed first column 0, 1, 2, ...
    with pytest.warns(UserWarning, match="first column has no header name .* dropped"):
        ds = load_csv(path, "y")
    assert list(ds.X.columns) == list(d.X.columns)
    assert main(["fit", "--data", str(path), "--target", "y", "--alpha", "1", "--json"]) == 0
    out, err = capsys.readouterr()
    assert err.startswith("bayesreg: warning: CSV file") and len(err.strip().splitlines()) == 1
    assert "Unnamed" not in out


def test_every_os_error_is_one_line(monkeypatch, capsys):
    """An OSError anywhere in a command (here: reading the bundled data) is one line and exit code 2."""
    import bayesreg.datasets

    def unreadable(name):
        raise PermissionError(13, "Permission denied", f"/data/{name}.csv")

    monkeypatch.setattr(bayesreg.datasets, "load_dataset", unreadable)
    assert main(["datasets"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("bayesreg datasets: error: [Errno 13] Permission denied: '/data/")
