"""``bayesreg convert`` / ``verify`` for the training rules: torch.*, keras.*, decoupled decay, dropout."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bayesreg.cli import main
from bayesreg.datasets import load_dataset


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_torch_sgd_to_sklearn_ridge(capsys):
    """MSELoss (the default) with weight_decay = 1e-4 on n = 1000 rows is Ridge(alpha = n·wd/2)."""
    code, out, err = run(capsys, "convert", "--from", "torch.SGD", "--wd", "1e-4", "--n", "1000",
                         "--to", "sklearn.Ridge")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "torch.SGD(wd=0.0001, loss=mse)"
    assert lines[-1] == "  = sklearn.Ridge(alpha=0.05)"
    code, out, _ = run(capsys, "convert", "--from", "torch.SGD", "--wd", "1e-4", "--n", "1000", "--loss", "nll",
                       "--momentum", "0.9", "--json")
    assert code == 0 and json.loads(out)["prior"] == "Gaussian(sigma=3.1622776601683795)"   # σ² = 1/(n·wd)


def test_dropout_needs_the_data_and_shows_per_feature_scales(capsys):
    code, out, err = run(capsys, "convert", "--from", "dropout", "--keep-prob", "0.8", "--data", "diabetes")
    assert code == 0, err
    X = load_dataset("diabetes").X
    per = out.splitlines()[2]
    s = np.sum(X.to_numpy() ** 2, axis=0)
    for name, sj in zip(X.columns, s, strict=True):
        assert f"{name}={0.8 / (0.2 * sj):.4g}" in per                   # σ² = p/((1-p) s_j), σₙ = 1
    code, out, _ = run(capsys, "convert", "--from", "dropout", "--rate", "0.2", "--data", "diabetes_std",
                       "--to", "sklearn.Ridge")
    assert code == 0 and out.splitlines()[-1] == "  = sklearn.Ridge(alpha=0.25)"   # unit-norm columns: (1-p)/p


@pytest.mark.parametrize(("argv", "fragments"), [
    (["--from", "dropout", "--keep-prob", "0.8"], ["dropout's prior is per-feature", "needs the data", "--data"]),
    (["--from", "dropout", "--keep-prob", "1.5", "--data", "diabetes"], ["'keep_prob' parameter of dropout",
                                                                           "(0, 1]", "1.5"]),
    (["--from", "dropout", "--rate", "1", "--data", "diabetes"], ["'rate' parameter of dropout", "[0, 1)"]),
    (["--from", "torch.SGD", "--wd", "-1e-4", "--n", "1000"], ["'wd' parameter of torch.SGD must be > 0",
                                                               "-0.0001"]),
    (["--from", "torch.AdamW", "--wd", "0.01", "--n", "100"], ["torch.AdamW is refused", "no prior equivalent",
                                                               "‖w‖∞ ≤ 1/wd", "Xie & Li 2024"]),
    (["--from", "keras.Adam", "--wd", "0.01", "--n", "100"], ["keras.Adam is refused", "decoupled"]),
    (["--from", "torch.SGD", "--wd", "0.01"], ["pass n="]),
    (["--from", "sklearn.Ridge", "--alpha", "1", "--to", "dropout"], ["inverse of 'dropout' needs the data"]),
])
def test_training_user_errors(capsys, argv, fragments):
    code, _, err = run(capsys, "convert", *argv)
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def test_verify_dropout_and_keras(capsys):
    code, out, err = run(capsys, "verify", "--convention", "dropout", "--keep-prob", "0.5", "--data", "diabetes",
                         "--noise-sigma", "50")
    assert code == 0 and "1/1 equivalent" in out, out + err
    code, out, err = run(capsys, "verify", "--convention", "keras.l1", "--l1", "0.15", "--data", "diabetes_std",
                         "--noise-sigma", "50")
    assert code == 0 and "1/1 equivalent" in out, out + err
    code, _, err = run(capsys, "verify", "--convention", "keras.l2", "--l2", "0.01", "--data", "binary_synthetic",
                       "--likelihood", "logistic")
    assert code == 2 and "pass loss='nll'" in err


def test_dropout_binomial_is_evaluated_at_the_self_consistent_fit(capsys):
    code, out, err = run(capsys, "convert", "--from", "dropout", "--keep-prob", "0.8", "--family", "binomial",
                         "--data", "binary_synthetic")
    assert code == 0, err
    assert "approximate: Wager et al.'s quadratic approximation" in out.splitlines()[1]


def test_fit_with_a_data_dependent_convention(capsys):
    code, out, err = run(capsys, "fit", "--data", "diabetes", "--convention", "dropout", "--keep-prob", "0.8",
                         "--noise-sigma", "50", "--json")
    assert code == 0, err
    import bayesreg as br

    d = load_dataset("diabetes")
    est = br.DropoutBayes(keep_prob=0.8, noise_sigma=50.0).fit(d.X, d.y)
    np.testing.assert_allclose(json.loads(out)["MAP"], list(est.coef_) + [est.intercept_], rtol=1e-10)
