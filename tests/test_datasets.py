"""Tests for bayesreg.datasets: bundled data, provenance, reproducibility, load_csv errors."""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bayesreg.datasets import (
    Dataset,
    list_datasets,
    load_breast_cancer,
    load_csv,
    load_dataset,
    load_diabetes,
)

sklearn_datasets = pytest.importorskip("sklearn.datasets")

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["diabetes", "diabetes_std", "breast_cancer", "randhie", "wine", "wine_std", "sparse_p_gt_n", "correlated",
         "binary_synthetic"]  # fmt: skip
SHAPES = {"diabetes": (442, 10), "diabetes_std": (442, 10), "sparse_p_gt_n": (60, 200),
          "correlated": (200, 20), "breast_cancer": (569, 30), "randhie": (20190, 9),
          "binary_synthetic": (300, 8), "wine": (178, 13), "wine_std": (178, 13)}  # fmt: skip


@pytest.fixture(scope="module")
def make_datasets():
    script = ROOT / "scripts" / "make_datasets.py"
    spec = importlib.util.spec_from_file_location("make_datasets", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_list_datasets():
    listing = list_datasets()
    assert list(listing) == NAMES
    assert all(isinstance(d, str) and d and "\n" not in d for d in listing.values())


@pytest.mark.parametrize("name", NAMES)
def test_shapes_and_types(name):
    ds = load_dataset(name)
    assert isinstance(ds, Dataset) and ds.name == name
    assert ds.X.shape == SHAPES[name] and ds.y.shape == (SHAPES[name][0],)
    assert (ds.X.dtypes == np.float64).all()
    assert ds.X.index.equals(ds.y.index)
    assert np.isfinite(ds.X.to_numpy()).all() and np.isfinite(ds.y.to_numpy()).all()
    if ds.task == "classification":
        assert ds.y.dtype == np.int64 and set(ds.y.unique()) == {0, 1}
    elif ds.task == "multiclass":
        assert ds.y.dtype == np.int64 and set(ds.y.unique()) == {0, 1, 2}
    elif ds.task == "count":
        y = ds.y.to_numpy()
        assert ds.y.dtype == np.float64 and np.all(y >= 0) and np.all(y == np.round(y))
    else:
        assert ds.task == "regression" and ds.y.dtype == np.float64
    assert ds.description and ds.source


def test_unknown_name_lists_known_names():
    with pytest.raises(ValueError, match="unknown dataset 'nope'") as info:
        load_dataset("nope")
    for name in NAMES:
        assert name in str(info.value)


def test_diabetes_equals_sklearn_raw_exactly():
    ref = sklearn_datasets.load_diabetes(scaled=False, as_frame=True)
    ds = load_diabetes()
    assert list(ds.X.columns) == ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
    assert list(ds.X.columns) == list(ref.feature_names)
    np.testing.assert_array_equal(ds.X.to_numpy(), ref.data.to_numpy())  # bit-exact
    np.testing.assert_array_equal(ds.y.to_numpy(), ref.target.to_numpy())
    assert ds.y.name == "y" and ds.true_coef is None


def test_diabetes_std_matches_sklearn_scaled():
    ref = sklearn_datasets.load_diabetes(scaled=True)
    ds = load_diabetes(standardized=True)
    assert ds.name == "diabetes_std" and load_dataset("diabetes_std").name == "diabetes_std"
    np.testing.assert_allclose(ds.X.to_numpy(), ref.data, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ds.X.mean(axis=0), 0.0, atol=1e-15)
    np.testing.assert_allclose((ds.X**2).sum(axis=0), 1.0, rtol=1e-13)
    # y stays on the raw scale
    np.testing.assert_array_equal(ds.y.to_numpy(), ref.target)


def test_breast_cancer_equals_sklearn():
    ref = sklearn_datasets.load_breast_cancer(as_frame=True)
    ds = load_breast_cancer()
    assert list(ds.X.columns) == list(ref.feature_names)
    np.testing.assert_array_equal(ds.X.to_numpy(), ref.data.to_numpy())
    np.testing.assert_array_equal(ds.y.to_numpy(), ref.target.to_numpy())
    assert ds.task == "classification"
    assert (ds.y == 1).sum() == 357 and (ds.y == 0).sum() == 212  # 1 = benign
    assert list(ref.target_names) == ["malignant", "benign"]


def test_wine_equals_sklearn():
    ref = sklearn_datasets.load_wine(as_frame=True)
    ds = load_dataset("wine")
    assert list(ds.X.columns) == list(ref.feature_names)
    np.testing.assert_array_equal(ds.X.to_numpy(), ref.data.to_numpy())
    np.testing.assert_array_equal(ds.y.to_numpy(), ref.target.to_numpy())
    assert ds.task == "multiclass" and np.bincount(ds.y).tolist() == [59, 71, 48]
    std = load_dataset("wine_std")
    np.testing.assert_allclose(std.X.to_numpy(), (ref.data - ref.data.mean()) / ref.data.std(ddof=0),
                               rtol=0, atol=1e-13)


@pytest.mark.parametrize("name", ["sparse_p_gt_n", "correlated", "binary_synthetic"])
def test_synthetic_reproduce_from_generator(name, make_datasets):
    frame, truth = getattr(make_datasets, f"generate_{name}")()
    ds = load_dataset(name)
    expected_X = frame.drop(columns="y").astype(np.float64)
    pd.testing.assert_frame_equal(ds.X, expected_X, check_exact=True)
    np.testing.assert_array_equal(ds.y.to_numpy(), frame["y"].to_numpy())
    assert list(ds.true_coef.index) == list(ds.X.columns)
    np.testing.assert_array_equal(ds.true_coef.to_numpy(), list(truth["coef"].values()))
    assert ds.true_intercept == truth["intercept"]


def test_synthetic_truth_as_documented():
    sp = load_dataset("sparse_p_gt_n")
    assert (sp.true_coef != 0).sum() == 10
    np.testing.assert_array_equal(sp.true_coef.iloc[:5], [3.0, -2.0, 1.5, 0.0, 1.0])
    cor = load_dataset("correlated")
    assert (cor.true_coef != 0).sum() == 5
    # empirical lag-1 correlation close to 0.9 (n = 200)
    lag1 = [np.corrcoef(cor.X.iloc[:, j], cor.X.iloc[:, j + 1])[0, 1] for j in range(19)]
    assert abs(np.mean(lag1) - 0.9) < 0.03
    bs = load_dataset("binary_synthetic")
    assert (bs.true_coef == 0).sum() == 3 and bs.true_intercept == -0.5


def test_bundled_files_regenerate_byte_for_byte(make_datasets, tmp_path):
    shipped = files("bayesreg.datasets") / "data"
    written = make_datasets.write_all(tmp_path)
    assert len(written) == 10
    for path in written:
        new, old = path.read_bytes(), (shipped / path.name).read_bytes()
        if path.name.endswith(".gz"):
            new, old = gzip.decompress(new), gzip.decompress(old)
        assert new == old, path.name
        if path.name.endswith(".json"):
            assert json.loads(new)["name"] + "_truth.json" == path.name


# ----------------------------------------------------------------------------- load_csv


def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_load_csv_regression_and_classification(tmp_path):
    ds = load_csv(_write(tmp_path, "a,b,y\n1,2.5,0.3\n2,3.5,1.7\n3,1,2\n"), target="y")
    assert ds.task == "regression" and ds.name == "data" and ds.X.shape == (3, 2)
    assert list(ds.X.columns) == ["a", "b"] and ds.y.dtype == np.float64
    ds = load_csv(_write(tmp_path, "y,a\n0,1\n1,2\n1.0,3\n"), target="y")
    assert ds.task == "classification" and ds.y.dtype == np.int64
    assert ds.y.tolist() == [0, 1, 1]
    # {0, 1, 2} or only {1} is not binary
    assert load_csv(_write(tmp_path, "y,a\n0,1\n1,2\n2,3\n"), "y").task == "regression"
    assert load_csv(_write(tmp_path, "y,a\n1,1\n1,2\n"), "y").task == "regression"


def test_load_csv_roundtrip_bundled(tmp_path):
    ds = load_diabetes()
    path = tmp_path / "diab.csv"
    ds.X.assign(y=ds.y).to_csv(path, index=False)
    back = load_csv(path, target="y")
    # user CSVs go through pandas' parser: allow for its last-ulp rounding on pandas 2.x
    pd.testing.assert_frame_equal(back.X, ds.X, check_exact=False, rtol=1e-15, atol=0)
    pd.testing.assert_series_equal(back.y, ds.y)


def test_load_csv_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="CSV file not found.*missing.csv"):
        load_csv(tmp_path / "missing.csv", target="y")


def test_load_csv_empty(tmp_path):
    with pytest.raises(ValueError, match="is empty"):
        load_csv(_write(tmp_path, ""), target="y")
    with pytest.raises(ValueError, match="no data rows"):
        load_csv(_write(tmp_path, "a,y\n"), target="y")


def test_load_csv_missing_target_lists_columns(tmp_path):
    path = _write(tmp_path, "age,bmi,outcome\n1,2,3\n")
    with pytest.raises(ValueError, match=re.escape("available columns: ['age', 'bmi', 'outcome']")):
        load_csv(path, target="y")


def test_load_csv_non_numeric_columns_named(tmp_path):
    path = _write(tmp_path, "age,sex,city,y\n30,1,Paris,1.5\n40,male,Rome,2.5\n")
    with pytest.raises(ValueError, match="non-numeric") as info:
        load_csv(path, target="y")
    msg = str(info.value)
    assert "'sex'" in msg and "'city'" in msg and "'age'" not in msg and "'male'" in msg


def test_load_csv_nan_and_inf_rows_named(tmp_path):
    path = _write(tmp_path, "a,b,y\n1,2,3\n,2,3\n1,inf,3\n1,2,-inf\n1,2,3\n")
    with pytest.raises(ValueError, match="NaN or infinite") as info:
        load_csv(path, target="y")
    msg = str(info.value)
    assert "column 'a' in row(s) 1" in msg
    assert "column 'b' in row(s) 2" in msg
    assert "column 'y' in row(s) 3" in msg


def test_randhie_is_statsmodels_data():
    """The bundled RAND HIE file equals statsmodels' copy (target mdvis last)."""
    sm_randhie = pytest.importorskip("statsmodels.datasets.randhie")
    ds = load_dataset("randhie")
    data = sm_randhie.load_pandas().data
    np.testing.assert_array_equal(ds.y.to_numpy(), data["mdvis"].to_numpy(dtype=float))
    np.testing.assert_array_equal(ds.X.to_numpy(), data.drop(columns="mdvis").to_numpy(dtype=float))
    assert list(ds.X.columns) == [c for c in data.columns if c != "mdvis"]
