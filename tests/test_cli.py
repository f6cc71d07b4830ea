"""The ``bayesreg`` command line: in-process through ``bayesreg.cli.main`` and as a real process.

Exit codes: 0 success / every case equivalent, 1 some case not equivalent, 2 a user error (one
line ``bayesreg <cmd>: error: ...`` on stderr, no traceback; argparse's own usage errors also
exit with 2).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import bayesreg as br
import bayesreg.verify
from bayesreg.cli import ALL_CASES, main
from bayesreg.datasets import list_datasets, load_dataset

REPORT_KEYS = {"data", "convention", "penalty_params", "prior", "likelihood", "max_abs_diff",
               "max_rel_diff", "objective_gap", "kkt_residual", "reference_kkt_residual",
               "same_zero_pattern", "n_zeros", "passed", "map_coef", "reference_coef"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def fit_json(out: str) -> dict:
    """The JSON of ``fit --json``: the whole of stdout must parse."""
    return json.loads(out)


def assert_user_error(code: int, err: str, command: str, *fragments: str) -> None:
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"bayesreg {command}: error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, err)


# ----------------------------------------------------------------------------- verify
def test_verify_all_quiet(capsys):
    """The README's main job (``make demo``: ``verify --all --details``), quiet."""
    code, out, err = run(capsys, "verify", "--all", "--quiet", "--details")
    assert code == 0, out
    assert f"{len(ALL_CASES)}/{len(ALL_CASES)} equivalent" in out
    assert out.count("PASS") == len(ALL_CASES) and "FAIL" not in out
    assert err == ""
    # the multinomial cases list their (K, p) weights and K intercepts as feature[class] (a TypeError before)
    assert "  alcohol[0] " in out and "  alcohol[2] " in out and "  intercept[2] " in out


def test_verify_one_convention(capsys):
    code, out, err = run(capsys, "verify", "--convention", "sklearn.Lasso", "--alpha", "0.5", "--data", "diabetes")
    assert code == 0
    assert "1/1 equivalent" in out
    row = next(line for line in out.splitlines() if line.startswith("sklearn.Lasso"))
    assert "diabetes" in row and "alpha=0.5" in row and "Laplace b=0.004525" in row and row.endswith("PASS")
    assert err == ""


def test_verify_details_lists_features(capsys):
    code, out, _ = run(capsys, "verify", "--convention", "sklearn.Ridge", "--alpha", "1", "--details")
    assert code == 0
    for name in load_dataset("diabetes").X.columns:
        assert f"  {name} " in out
    assert "penalised opt" in out and "intercept" in out


def test_verify_json(capsys):
    code, out, _ = run(capsys, "verify", "--convention", "sklearn.Lasso", "--alpha", "0.5", "--data", "diabetes",
                       "--json", "--reference", "sklearn")
    assert code == 0
    (report,) = json.loads(out)
    assert REPORT_KEYS <= report.keys()
    assert report["passed"] is True
    assert report["data"] == "diabetes" and report["convention"] == "sklearn.Lasso"
    assert report["penalty_params"] == {"alpha": 0.5}
    assert report["reference"] == "sklearn"
    assert report["max_abs_diff"] < 1e-6 and report["objective_gap"] < 1e-6 and report["kkt_residual"] < 1e-8
    assert len(report["map_coef"]) == 10


def test_verify_not_equivalent_exits_1(capsys, monkeypatch):
    real = bayesreg.verify.verify_map

    def failing(*args, **kwargs):
        report = real(*args, **kwargs)
        return dataclasses.replace(report, max_rel_diff=1.0, max_abs_diff=1.0)

    monkeypatch.setattr(bayesreg.verify, "verify_map", failing)
    code, out, _ = run(capsys, "verify", "--convention", "sklearn.Lasso", "--alpha", "1")
    assert code == 1
    assert "0/1 equivalent" in out and "FAIL" in out
    code, out, _ = run(capsys, "verify", "--convention", "sklearn.Lasso", "--alpha", "1", "--json")
    assert code == 1
    assert json.loads(out)[0]["passed"] is False


# ----------------------------------------------------------------------------- convert
def test_convert_lasso_to_glmnet(capsys):
    code, out, _ = run(capsys, "convert", "--from", "sklearn.Lasso", "--alpha", "0.1", "--n", "442", "--to", "glmnet",
                       "--no-to-standardize", "--data", "diabetes")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "sklearn.Lasso(alpha=0.1)"
    assert lines[1] == "  = prior Laplace b=0.02262"  # 1 / (442 * 0.1)
    assert lines[2].startswith("  = glmnet(") and "lambda_=0.1," in lines[2] and "alpha=1," in lines[2]
    assert "standardize=False" in lines[2]


def test_convert_ridge_to_mean_half(capsys):
    code, out, _ = run(capsys, "convert", "--from", "sklearn.Ridge", "--alpha", "2", "--to", "mean_half")
    assert code == 0
    assert "Gaussian σ²=0.5" in out  # l2 = alpha / 2 = 1 = 1 / (2 sigma^2)
    assert out.splitlines()[-1] == "  = mean_half(lam=2, penalty=l2)"


def test_convert_json(capsys):
    code, out, _ = run(capsys, "convert", "--from", "sklearn.Ridge", "--alpha", "2", "--to", "mean_half", "--json")
    assert code == 0
    got = json.loads(out)
    assert got["from"] == "sklearn.Ridge" and got["params"] == {"alpha": 2.0} and got["to"] == "mean_half"
    assert got["to_params"]["lam"] == pytest.approx(2.0) and got["to_params"]["penalty"] == "l2"


# ----------------------------------------------------------------------------- datasets
def test_datasets_lists_the_bundled_sets(capsys):
    code, out, _ = run(capsys, "datasets")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()]
    assert names == list(list_datasets())
    assert "n=442" in out and "p=10" in out


def test_datasets_json(capsys):
    code, out, _ = run(capsys, "datasets", "--json")
    assert code == 0
    info = json.loads(out)
    assert list(info) == list(list_datasets())
    assert info["diabetes"]["n"] == 442 and info["diabetes"]["p"] == 10
    assert info["binary_synthetic"]["task"] == "classification"


# ----------------------------------------------------------------------------- fit
def test_fit_map_prints_coefficients_and_certificate(capsys):
    code, out, err = run(capsys, "fit", "--data", "diabetes", "--alpha", "1")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "gaussian likelihood, prior Laplace b=0.002262, method=map"
    names = [line.split()[0] for line in lines[1:-1]]
    assert names == [*load_dataset("diabetes").X.columns, "intercept"]
    assert lines[-1].startswith("certificate: KKT residual") and lines[-1].endswith(": optimal")


def test_fit_map_json_equals_the_library(capsys):
    import bayesreg as br

    code, out, _ = run(capsys, "fit", "--data", "diabetes", "--alpha", "1", "--json")
    assert code == 0
    got = fit_json(out)
    d = load_dataset("diabetes")
    est = br.LassoBayes(alpha=1.0).fit(d.X, d.y)
    assert got["feature"] == [*d.X.columns, "intercept"]
    np.testing.assert_allclose(got["MAP"], [*est.coef_, est.intercept_], rtol=1e-12)
    assert "optimal" in got["certificate"]


def test_fit_json_is_pure_json(capsys):
    code, out, _ = run(capsys, "fit", "--data", "diabetes", "--alpha", "1", "--json")
    assert code == 0
    json.loads(out)


def test_fit_logistic_dataset_picks_the_logistic_likelihood(capsys):
    code, out, _ = run(capsys, "fit", "--data", "binary_synthetic", "--convention", "sklearn.LogisticRegression",
                       "--C", "1", "--l1-ratio", "0")
    assert code == 0
    assert out.startswith("logistic likelihood, prior Gaussian σ²=1, method=map")


@pytest.mark.filterwarnings("ignore::bayesreg.ConvergenceWarning")  # 100 draws: shapes, not inference
def test_fit_nuts_writes_netcdf(capsys, tmp_path):
    import arviz as az

    path = tmp_path / "tmp.nc"
    code, out, _ = run(capsys, "fit", "--data", "diabetes", "--alpha", "1", "--method", "nuts", "--draws", "100",
                       "--tune", "100", "--chains", "2", "--seed", "1", "--quiet", "--output", str(path),
                       "--posterior-predictive")
    assert code == 0
    d = load_dataset("diabetes")
    from bayesreg.inference.noise_scale import estimate_noise_sigma

    sigma = estimate_noise_sigma(d.X, d.y, "sklearn.Lasso", alpha=1.0)  # plug-in: b = sigma^2 / (n alpha)
    assert out.splitlines()[0].startswith(f"noise_sigma not given: plug-in {sigma:.4g} ")
    assert out.splitlines()[1] == f"gaussian likelihood, prior Laplace b={sigma**2 / len(d.y):.4g}, method=nuts"
    assert "r_hat" in out and "coef[bmi]" in out
    assert out.splitlines()[-1] == f"wrote {path}"
    idata = az.from_netcdf(path)
    post = idata.posterior
    assert post["coef"].shape == (2, 100, 10)
    assert list(post.coords["feature"].values) == list(load_dataset("diabetes").X.columns)
    assert "intercept" in post
    assert {"observed_data", "constant_data", "log_likelihood", "posterior_predictive"} <= set(idata.groups())
    assert idata.posterior_predictive["y"].shape == (2, 100, 442)
    assert [p.name for p in tmp_path.iterdir()] == ["tmp.nc"]  # no temporary file left behind


@pytest.mark.filterwarnings("ignore::bayesreg.ConvergenceWarning")
def test_fit_output_has_ordinary_file_permissions(capsys, tmp_path):
    path = tmp_path / "post.nc"
    code, _, _ = run(capsys, "fit", "--data", "diabetes", "--alpha", "1", "--method", "nuts", "--draws", "20",
                     "--tune", "20", "--chains", "1", "--seed", "1", "--quiet", "--output", str(path))
    assert code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


# ----------------------------------------------------------------------------- user CSV
@pytest.fixture
def diabetes_csv(tmp_path):
    d = load_dataset("diabetes")
    path = tmp_path / "diabetes.csv"
    d.X.assign(y=d.y).to_csv(path, index=False)
    return path


def test_fit_user_csv_equals_bundled(capsys, diabetes_csv):
    code, out, _ = run(capsys, "fit", "--data", str(diabetes_csv), "--target", "y", "--alpha", "1", "--json")
    assert code == 0
    from_csv = fit_json(out)
    _, out, _ = run(capsys, "fit", "--data", "diabetes", "--alpha", "1", "--json")
    bundled = fit_json(out)
    assert from_csv["feature"] == bundled["feature"]
    np.testing.assert_allclose(from_csv["MAP"], bundled["MAP"], rtol=1e-10)


def test_verify_user_csv(capsys, diabetes_csv):
    code, out, _ = run(capsys, "verify", "--convention", "sklearn.Lasso", "--alpha", "1", "--data", str(diabetes_csv),
                       "--target", "y")
    assert code == 0
    assert "1/1 equivalent" in out and "diabetes" in out


@pytest.fixture
def weighted_csv(tmp_path):
    d = load_dataset("diabetes")
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(d.y))
    path = tmp_path / "weighted.csv"
    d.X.assign(y=d.y, w=w).to_csv(path, index=False)
    return path, w


@pytest.mark.parametrize("penalty", [["--convention", "glmnet", "--lambda", "0.5", "--alpha", "0.5"],
                                     ["--convention", "sklearn.Lasso", "--alpha", "1"]])
def test_weights_column_is_sample_weight(capsys, weighted_csv, penalty):
    """--weights COLUMN = the library with sample_weight (glmnet: weighted standardisation too)."""
    import bayesreg as br

    path, w = weighted_csv
    code, out, _ = run(capsys, "fit", "--data", str(path), "--target", "y", "--weights", "w", *penalty, "--json")
    assert code == 0
    cli = fit_json(out)
    assert "w" not in cli["feature"]
    d = load_dataset("diabetes")
    params = {"lambda_": 0.5, "alpha": 0.5, "weights": w} if "glmnet" in penalty else {"alpha": 1.0}
    if "glmnet" in penalty:
        prior = br.penalty_to_prior("glmnet", X=d.X, y=d.y, **params)
    else:
        prior = br.penalty_to_prior(penalty[1], n=float(w.sum()), **params)  # sklearn: n = sum of weights
    lib = br.BayesianRegression(prior=prior).fit(d.X, d.y, sample_weight=w)
    np.testing.assert_allclose(cli["MAP"], list(lib.coef_) + [lib.intercept_], rtol=1e-9)
    code, out, _ = run(capsys, "verify", "--data", str(path), "--target", "y", "--weights", "w", *penalty)
    assert code == 0 and "1/1 equivalent" in out and "(w)" in out


def test_convert_glmnet_with_weights_round_trips(capsys, weighted_csv):
    path, _ = weighted_csv
    code, out, _ = run(capsys, "convert", "--from", "glmnet", "--lambda", "0.5", "--alpha", "0.5", "--data",
                       str(path), "--target", "y", "--weights", "w", "--to", "glmnet", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["to_params"]["lambda_"] == pytest.approx(0.5, rel=1e-12)
    assert result["to_params"]["alpha"] == pytest.approx(0.5, rel=1e-12)


def test_glmnet_penalty_factor_flag(capsys):
    """--penalty-factor 0,1,... leaves the first feature unpenalised (a flat prior) in verify and fit."""
    pf = ",".join(["0"] + ["1"] * 9)
    code, out, _ = run(capsys, "verify", "--convention", "glmnet", "--lambda", "2", "--penalty-factor", pf)
    assert code == 0 and "1/1 equivalent" in out and "flat" in out
    code, out, _ = run(capsys, "fit", "--data", "diabetes", "--convention", "glmnet", "--lambda", "2",
                       "--penalty-factor", pf, "--json")
    assert code == 0 and fit_json(out)["MAP"][0] != 0
    code, _, err = run(capsys, "verify", "--convention", "glmnet", "--lambda", "2", "--penalty-factor", "0,x")
    assert code == 2 and "comma-separated numbers" in err


@pytest.mark.parametrize(("argv", "command", "fragments"), [
    (["verify", "--all", "--weights", "w"], "verify", ["--weights", "--all"]),
    (["verify", "--convention", "sklearn.Lasso", "--alpha", "1", "--weights", "nope"], "verify",
     ["--weights column 'nope' not found", "'w'"]),
    (["convert", "--from", "sklearn.Lasso", "--alpha", "1", "--weights", "w"], "convert", ["glmnet"]),
    (["convert", "--from", "glmnet", "--lambda", "1", "--weights", "w"], "convert", ["--weights COLUMN needs --data"]),
])
def test_weights_user_errors(capsys, weighted_csv, argv, command, fragments):
    path, _ = weighted_csv
    if argv[-1] != "--all" and "--data" not in argv and argv[:3] != ["convert", "--from", "glmnet"]:
        argv = [*argv, "--data", str(path), "--target", "y"]
    code, _, err = run(capsys, *argv)
    assert_user_error(code, err, command, *fragments)


# ----------------------------------------------------------------------------- user errors
@pytest.mark.parametrize(("argv", "command", "fragments"), [
    (["verify", "--convention", "sklearn.Lassso", "--alpha", "1"], "verify", ["Unknown convention 'sklearn.Lassso'"]),
    (["convert", "--from", "nope", "--alpha", "1", "--n", "10"], "convert", ["Unknown convention 'nope'"]),
    (["verify", "--convention", "sklearn.Lasso", "--alpha", "1", "--data", "diabetis"], "verify",
     ["--data 'diabetis' is neither a bundled data set", "diabetes"]),
    (["fit", "--data", "no_such_file.csv", "--alpha", "1"], "fit",
     ["'no_such_file.csv' is neither a bundled data set", "nor an existing CSV file"]),
    (["verify", "--convention", "sklearn.Lasso"], "verify", ["alpha"]),              # missing penalty parameter
    (["fit", "--data", "diabetes"], "fit", ["alpha"]),
    (["convert", "--from", "sklearn.Ridge", "--n", "10"], "convert", ["alpha"]),
    (["verify"], "verify", ["--convention", "--all"]),
    (["verify", "--convention", "sklearn.Lasso", "--alpha", "-1"], "verify", ["alpha", "-1"]),
    (["fit", "--data", "diabetes", "--alpha", "1", "--output", "x.nc"], "fit", ["--method nuts"]),
])
def test_user_errors_exit_2_with_one_line(capsys, argv, command, fragments):
    code, _, err = run(capsys, *argv)
    assert_user_error(code, err, command, *fragments)


def test_csv_without_target(capsys, diabetes_csv):
    code, out, err = run(capsys, "fit", "--data", str(diabetes_csv), "--alpha", "1")
    assert_user_error(code, err, "fit", "--target COLUMN is required with a CSV file")
    assert out == ""


def test_csv_target_column_missing(capsys, diabetes_csv):
    code, _, err = run(capsys, "verify", "--convention", "sklearn.Lasso", "--alpha", "1", "--data", str(diabetes_csv),
                       "--target", "progression")
    assert_user_error(code, err, "verify", "target column 'progression' not found", "available columns", "'bmi'")


def test_csv_with_non_numeric_column(capsys, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b,y\n1,x,3\n2,3,5\n4,1,2\n")
    code, _, err = run(capsys, "fit", "--data", str(path), "--target", "y", "--alpha", "1")
    assert_user_error(code, err, "fit", "'b'")


@pytest.mark.parametrize("argv", [["bogus"], ["verify", "--alpha", "abc"], ["fit"], []])
def test_argparse_errors_exit_2(capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "usage: bayesreg" in err and "Traceback" not in err


# ----------------------------------------------------------------------------- real processes
def test_module_subprocess_verify():
    proc = subprocess.run([sys.executable, "-m", "bayesreg.cli", "verify", "--convention", "sklearn.Ridge",
                           "--alpha", "1", "--data", "diabetes"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "1/1 equivalent" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_module_subprocess_user_error():
    proc = subprocess.run([sys.executable, "-m", "bayesreg.cli", "verify", "--convention", "sklearn.Ridge",
                           "--alpha", "1", "--data", "no_such_data"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "bayesreg verify: error: --data 'no_such_data'" in proc.stderr
    assert proc.stdout == ""


def test_console_script_datasets():
    exe = shutil.which("bayesreg") or shutil.which("bayesreg", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("the bayesreg console script is not installed")
    proc = subprocess.run([exe, "datasets"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert [line.split()[0] for line in proc.stdout.splitlines()] == list(list_datasets())


# ----------------------------------------------------------------------------- path
def test_path_table_json_and_csv(capsys, tmp_path):
    code, out, err = run(capsys, "path", "--data", "diabetes", "--convention", "sklearn.Lasso",
                         "--geomspace", "1", "0.01", "4")
    assert code == 0, err
    assert "4 values, all certified" in out and "b (Laplace)" in out
    target = tmp_path / "path.csv"
    code, out, err = run(capsys, "path", "--data", "diabetes", "--convention", "sklearn.ElasticNet",
                         "--l1-ratio", "0.5", "--values", "1,0.1", "--json", "--output", str(target))
    assert code == 0, err
    rep = json.loads(out)
    d = load_dataset("diabetes")
    path = br.regularization_path(d.X, d.y, "sklearn.ElasticNet", alpha=[1.0, 0.1], l1_ratio=0.5)
    np.testing.assert_allclose(rep["coef"], path.coef_, rtol=1e-12)
    assert rep["certified"] == [True, True] and rep["param"] == "alpha"
    table = np.genfromtxt(target, delimiter=",", names=True)
    np.testing.assert_allclose(table["alpha"], [1.0, 0.1])
    np.testing.assert_allclose(table["intercept"], path.intercept_, rtol=1e-12)
    assert not list(tmp_path.glob(".bayesreg-path-*"))  # the temporary file of the atomic write is gone
