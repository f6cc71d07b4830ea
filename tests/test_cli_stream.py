"""``bayesreg fit --data 'shards/*.parquet' --target y``: streamed files give the in-memory fit."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from bayesreg.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    rng = np.random.default_rng(77)
    n = 6000
    X = rng.normal(size=(n, 4)) * [1.0, 2.0, 0.5, 1.0] + [0.0, 3.0, 0.0, -1.0]
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    df["y"] = 1.0 + X @ [1.0, 0.0, -2.0, 0.5] + rng.normal(size=n)
    df["event"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X[:, 0] - 0.5 * X[:, 2])))).astype(float)
    df["w"] = rng.uniform(0.5, 1.5, n)
    d = tmp_path_factory.mktemp("cli_shards")
    for i, part in enumerate(np.array_split(np.arange(n), 3)):
        df.iloc[part].to_parquet(d / f"s{i}.parquet", index=False)
    csv = d / "all.csv"
    df.to_csv(csv, index=False)
    df[["a", "b", "c", "d", "y", "w"]].to_csv(d / "gaussian.csv", index=False)
    return str(d / "*.parquet"), str(csv)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("extra", [
    ["--alpha", "0.05", "--weights", "w"],
    ["--convention", "glmnet", "--lambda", "0.1", "--alpha", "0.5", "--weights", "w"],
], ids=["lasso", "glmnet-weighted"])
def test_streamed_parquet_fit_equals_in_memory_csv_fit(capsys, files, monkeypatch, extra):
    pattern, csv = files
    monkeypatch.setenv("BAYESREG_PROGRESS", "1")
    common = ["--target", "y", "--json", *extra]
    code, out, err = run(capsys, "fit", "--data", pattern, "--features", "a,b,c,d", "--batch-rows", "500", *common)
    assert code == 0, err
    streamed = json.loads(out)
    assert "100.0%  6,000/6,000 rows" in err and "file 3/3" in err  # the progress bar over the chunks
    code, out, err = run(capsys, "fit", "--data", csv.replace("all.csv", "gaussian.csv"), *common)
    assert code == 0, err
    memory = json.loads(out)
    assert streamed["feature"] == ["a", "b", "c", "d", "intercept"] == memory["feature"]
    np.testing.assert_allclose(streamed["MAP"], memory["MAP"], rtol=1e-10, atol=1e-10)
    assert streamed["rows"] == 6000 and "optimal" in streamed["certificate"]


def test_stream_flag_on_a_single_csv(capsys, files):
    pattern, csv = files
    code, out, err = run(capsys, "fit", "--data", csv, "--stream", "--target", "y", "--features", "a,b,c,d",
                         "--alpha", "0.05", "--quiet")
    assert code == 0, err
    assert "6,000 rows" in out and "certificate" in out and err == ""


def test_logistic_files_go_through_dask(capsys, files):
    pytest.importorskip("dask.dataframe")
    import bayesreg as br

    pattern, csv = files
    code, out, err = run(capsys, "fit", "--data", pattern, "--features", "a,b,c,d", "--target", "event",
                         "--likelihood", "logistic", "--C", "0.5", "--json")
    assert code == 0, err
    df = pd.read_csv(csv)
    memory = br.LogisticBayes(C=0.5).fit(df[["a", "b", "c", "d"]], df["event"])
    streamed = json.loads(out)
    np.testing.assert_allclose(streamed["MAP"][:4], memory.coef_, rtol=0, atol=1e-8 * np.abs(memory.coef_).max())
    assert "optimal" in streamed["certificate"]


def test_scheduler_option_uses_the_cluster(capsys, files):
    distributed = pytest.importorskip("distributed")
    pattern, csv = files
    with distributed.LocalCluster(n_workers=1, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        code, out, err = run(capsys, "fit", "--data", pattern, "--target", "y", "--features", "a,b,c,d",
                             "--alpha", "0.05", "--json", "--scheduler", cluster.scheduler_address)
    assert code == 0, err
    assert "statistics pass on the Dask cluster" in err
    code, local, _ = run(capsys, "fit", "--data", pattern, "--target", "y", "--features", "a,b,c,d",
                         "--alpha", "0.05", "--json", "--quiet")
    np.testing.assert_allclose(json.loads(out)["MAP"], json.loads(local)["MAP"], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("argv", "fragment"), [
    (["--data", "/nonexistent/*.parquet", "--target", "y", "--alpha", "1"], "matched no file"),
    (["--data", "{pattern}", "--alpha", "1"], "--target COLUMN is required"),
    (["--data", "{pattern}", "--target", "nope", "--alpha", "1"], "not found"),
    (["--data", "{pattern}", "--target", "y", "--alpha", "1", "--scheduler", "tcp://127.0.0.1:9"],
     "cannot reach the Dask scheduler"),
])
def test_streaming_user_errors(capsys, files, argv, fragment):
    pattern, _ = files
    argv = [a.replace("{pattern}", pattern) for a in argv]
    code, out, err = run(capsys, "fit", *argv)
    assert code == 2 and fragment in err and "Traceback" not in err, err


def test_laplace_method_in_memory(capsys):
    code, out, err = run(capsys, "fit", "--data", "binary_synthetic", "--C", "1", "--method", "laplace",
                         "--draws", "250", "--chains", "2", "--seed", "1", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["pareto_k"] < 0.7 and result["problem"] == ""
    assert set(result["summary"]) == {"MAP", "mean", "sd", "3.0%", "97.0%"}
