"""Dask on a real (loopback) cluster: 2 worker processes, Parquet shards in a temp dir.

In-memory and distributed results are equal: statistics to 1e-13, the Gaussian MAP to 1e-10, the
logistic MAP (distributed proximal Newton, certified) to 1e-8 of the in-memory MAP, and so is a
Poisson MAP (the solver is likelihood-generic; the Poisson likelihood is the test's); a worker killed
in the middle of a pass (Dask recomputes its tasks elsewhere) leaves the statistics unchanged to
rounding, 1e-14 relative (not always bit for bit: a recomputed partition can round differently in the
last bit, e.g. NumPy's vectorised sums depend on memory alignment; 3e-15 was seen once). The cluster
is started once for the module and closed at the end.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import warnings

import numpy as np
import pandas as pd
import pytest

import bayesreg as br

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

N, P, SHARDS = 24_000, 6, 8
FEATURES = [f"f{j}" for j in range(P)]


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    rng = np.random.default_rng(2026)
    X = rng.normal(size=(N, P)) * np.linspace(0.5, 2.0, P) + np.array([0, 1e3, -2, 0, 5, 0])
    w = np.array([0.8, -0.002, 0.5, 0.0, 0.3, -0.6])
    eta = 0.3 + (X - X.mean(axis=0)) @ w
    df = pd.DataFrame(X, columns=FEATURES)
    df["y"] = 2.0 + X @ w + rng.normal(size=N)
    df["b"] = (rng.uniform(size=N) < 1 / (1 + np.exp(-eta))).astype(float)
    df["v"] = rng.uniform(0.2, 2.0, N)
    df["c"] = rng.poisson(np.exp(0.5 + 0.5 * eta)).astype(float)  # counts (the Poisson test)
    directory = tmp_path_factory.mktemp("shards")
    for i, part in enumerate(np.array_split(np.arange(N), SHARDS)):
        df.iloc[part].to_parquet(directory / f"part-{i:03d}.parquet", index=False)
    return str(directory / "*.parquet"), df


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, memory_limit="1GiB", silence_logs=50)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_statistics_on_the_cluster_equal_in_memory(shards, client):
    pattern, df = shards
    ref = br.SufficientStats.from_arrays(df[FEATURES], df["y"], df["v"])
    frame = dd.read_parquet(pattern)
    assert frame.npartitions == SHARDS
    st = br.SufficientStats.from_dask(frame, "y", weights="v", features=FEATURES)
    import dask.array as da

    arr = br.SufficientStats.from_dask(da.from_array(df[FEATURES].to_numpy(), chunks=(5000, 3)),
                                       y=df["y"].to_numpy(), weights=df["v"].to_numpy())
    for got in (st, arr):
        np.testing.assert_allclose(got.xtx, ref.xtx, rtol=1e-13)
        np.testing.assert_allclose(got.xty, ref.xty, rtol=1e-13)
        assert got.yty == pytest.approx(ref.yty, rel=1e-13)
        np.testing.assert_allclose(got.mean_x, ref.mean_x, rtol=1e-15, atol=1e-14)
        assert got.n == N and got.weight_sum == pytest.approx(ref.weight_sum, rel=1e-14)
    assert st.feature_names == tuple(FEATURES)
    assert len(client.scheduler_info()["workers"]) == 2


def test_gaussian_fit_dask_equals_fit(shards, client):
    pattern, df = shards
    memory = br.GlmnetBayes(lambda_=0.05, alpha=0.5).fit(df[FEATURES], df["y"], sample_weight=df["v"])
    est = br.GlmnetBayes(lambda_=0.05, alpha=0.5).fit_dask(dd.read_parquet(pattern), "y", sample_weight="v",
                                                           features=FEATURES)
    assert est.certificate_.passed
    np.testing.assert_allclose(est.coef_, memory.coef_, rtol=0, atol=1e-10 * np.abs(memory.coef_).max())


@pytest.mark.parametrize(("prior", "weighted"), [(br.Gaussian(0.5), False), (br.Laplace(0.02), True),
                                                 (br.ElasticNet(30.0, 2.0), True)])
def test_logistic_map_on_the_cluster_equals_in_memory_map(shards, client, prior, weighted):
    pattern, df = shards
    v = df["v"] if weighted else None
    memory = br.BayesianRegression(prior=prior, likelihood="logistic").fit(df[FEATURES], df["b"], sample_weight=v)
    rows = br.DaskRows.from_dask(dd.read_parquet(pattern), "b", weights="v" if weighted else None,
                                 features=FEATURES)
    est = br.BayesianRegression(prior=prior, likelihood="logistic").fit_dask(rows)
    assert est.certificate_.passed and est.certificate_.relative_residual < 1e-10
    scale = np.abs(memory.coef_).max()
    np.testing.assert_allclose(est.coef_, memory.coef_, rtol=0, atol=1e-8 * scale)
    # the intercept carries x̄'Δw (f1 has mean 1e3): compare it on the scale of the linear predictor
    x_bar = np.abs(df[FEATURES].to_numpy().mean(axis=0))
    assert est.intercept_ == pytest.approx(memory.intercept_, abs=1e-8 * (abs(memory.intercept_) + x_bar.sum() * scale))
    assert np.array_equal(est.coef_ == 0, memory.coef_ == 0)
    assert est.n_passes_ == rows.passes - 1  # one validation pass, then the solver's
    assert est.n_passes_ <= 3 * est.n_iter_ + 6  # + the error bound's passes (magnitudes, Hessians)
    assert list(est.classes_) == [0, 1]


@pytest.mark.parametrize("prior", [br.Gaussian(0.5), br.Laplace(0.001)])
def test_poisson_map_on_the_cluster_equals_in_memory_rows(shards, client, prior):
    """Likelihood-generic: the test's Poisson (log link) on the workers = on in-memory blocks, certified."""
    from test_distributed_poisson import PoissonLogLink

    from bayesreg.inference.distributed import find_map_rows
    from bayesreg.model.rows import ArrayRows

    pattern, df = shards
    rows = br.DaskRows.from_dask(dd.read_parquet(pattern), "c", weights="v", features=FEATURES)
    got = find_map_rows(rows, prior, PoissonLogLink())
    ref = find_map_rows(ArrayRows(df[FEATURES].to_numpy(), df["c"].to_numpy(), df["v"].to_numpy()), prior,
                        PoissonLogLink())
    assert got.certificate.passed and got.certificate.relative_residual < 1e-10
    scale = np.abs(ref.coef).max()
    np.testing.assert_allclose(got.coef, ref.coef, rtol=0, atol=1e-8 * scale)
    assert np.array_equal(got.coef == 0, ref.coef == 0)
    x_bar = np.abs(df[FEATURES].to_numpy().mean(axis=0))
    assert got.intercept == pytest.approx(ref.intercept, abs=1e-8 * (abs(ref.intercept) + x_bar.sum() * scale))


def test_laplace_psis_on_the_cluster_equals_in_memory_rows(shards, client):
    pattern, df = shards
    kw = {"prior": br.Gaussian(1.0), "likelihood": "logistic", "method": "laplace", "draws": 250, "chains": 2,
          "random_seed": 3}
    memory = br.BayesianRegression(**kw).fit(df[FEATURES], df["b"])
    est = br.BayesianRegression(**kw).fit_dask(dd.read_parquet(pattern), "b", features=FEATURES)
    assert est.pareto_k_ == pytest.approx(memory.pareto_k_, abs=1e-6)
    assert est.laplace_.reliable
    np.testing.assert_allclose(est.laplace_.draws, memory.laplace_.draws, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(est.coef_, memory.coef_, rtol=1e-7, atol=1e-9)


def _slow(frame: pd.DataFrame) -> pd.DataFrame:
    time.sleep(0.4)
    return frame


def test_a_worker_killed_mid_pass_gives_the_same_statistics(shards, client):
    pattern, _ = shards
    frame = dd.read_parquet(pattern).map_partitions(_slow)
    expected = br.SufficientStats.from_dask(frame, "y", weights="v", features=FEATURES)
    pids = client.run(os.getpid)
    result: dict = {}

    def run() -> None:
        try:
            result["stats"] = br.SufficientStats.from_dask(frame, "y", weights="v", features=FEATURES)
        except Exception as exc:  # surfaced by the assertion below
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.time() + 60
    victim = None
    while victim is None and time.time() < deadline:  # wait until a partition task is running on a worker
        busy = [addr for addr, keys in client.processing().items() if keys]
        victim = busy[0] if busy else None
        time.sleep(0.05)
    assert victim is not None, "no task ever started"
    os.kill(pids[victim], signal.SIGKILL)
    thread.join(timeout=120)
    assert not thread.is_alive() and "error" not in result, result.get("error")
    client.wait_for_workers(2, timeout=60)
    assert pids[victim] not in client.run(os.getpid).values()  # the worker really died (and was restarted)
    st = result["stats"]
    scale = np.sqrt(np.outer(np.diag(expected.xtx), np.diag(expected.xtx)))
    err = np.abs(st.xtx - expected.xtx) / scale
    assert err.max() <= 1e-14, err.max()  # rounding: see the module doc
    err_y = np.abs(st.xty - expected.xty) / np.sqrt(np.diag(expected.xtx) * expected.yty)
    assert err_y.max() <= 1e-14, err_y.max()
    np.testing.assert_allclose(st.mean_x, expected.mean_x, rtol=1e-14, atol=1e-14)
    assert st.yty == pytest.approx(expected.yty, rel=1e-14)
    assert (st.n, st.weight_sum) == (expected.n, pytest.approx(expected.weight_sum, rel=1e-14))


def test_nuts_on_cluster_rows_is_refused_with_the_fix(shards, client):
    pattern, _ = shards
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="method='laplace'"):
            br.BayesianRegression(likelihood="logistic", method="nuts").fit_dask(dd.read_parquet(pattern), "b",
                                                                                 features=FEATURES)
    with pytest.raises(ValueError, match="only 0 and 1"):
        br.BayesianRegression(likelihood="logistic").fit_dask(dd.read_parquet(pattern), "y", features=FEATURES)
