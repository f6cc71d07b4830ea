"""Regenerate the data files bundled in ``bayesreg/datasets/data/``.

Usage::

    python scripts/make_datasets.py            # writes into bayesreg/datasets/data/
    python scripts/make_datasets.py --out DIR  # writes somewhere else

Everything is deterministic: the real data sets are copied from the files that
scikit-learn ships (scikit-learn is needed only to *run* this script, never at
``bayesreg`` run time), and the synthetic sets use fixed seeds with NumPy's
legacy ``RandomState``, whose streams are frozen by NEP 19 so the same numbers
come out on every NumPy version. Synthetic ``X`` and ``y`` are rounded to 6
decimals (the truth holds exactly for the rounded ``X``; rounding ``y`` adds a
perturbation of at most 5e-7, negligible beside noise sd 1). Numbers are written
with ``repr`` (shortest exact round-trip) and ``.csv.gz`` files are written with
gzip ``mtime=0`` and no file name, so reruns give identical bytes.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "bayesreg" / "datasets" / "data"
DIABETES_FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
BREAST_CANCER_FEATURES = [
    f"{stat} {feat}" if stat != "error" else f"{feat} error"
    for stat in ("mean", "error", "worst")
    for feat in (
        "radius", "texture", "perimeter", "area", "smoothness", "compactness",
        "concavity", "concave points", "symmetry", "fractal dimension",
    )
]  # fmt: skip
DECIMALS = 6
WINE_FEATURES = [  # sklearn.datasets.load_wine().feature_names
    "alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
    "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280/od315_of_diluted_wines",
    "proline",
]  # fmt: skip


def _sklearn_data_dir():
    return files("sklearn.datasets") / "data"


def _fmt(value: float) -> str:
    """Shortest string that round-trips to exactly the same float."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def frame_to_csv_text(frame: pd.DataFrame) -> str:
    """Serialise ``frame`` (numeric columns only) deterministically."""
    lines = [",".join(frame.columns)]
    lines += [",".join(_fmt(v) for v in row) for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def diabetes_frame() -> pd.DataFrame:
    """Diabetes data (Efron et al., 2004), raw scale, from scikit-learn's bundled files."""
    src = _sklearn_data_dir()
    with gzip.open(io.BytesIO((src / "diabetes_data_raw.csv.gz").read_bytes()), "rt") as fh:
        X = np.loadtxt(fh)
    with gzip.open(io.BytesIO((src / "diabetes_target.csv.gz").read_bytes()), "rt") as fh:
        y = np.loadtxt(fh)
    frame = pd.DataFrame(X, columns=DIABETES_FEATURES)
    frame["y"] = y
    return frame


def breast_cancer_frame() -> pd.DataFrame:
    """Wisconsin diagnostic breast cancer data from scikit-learn's ``breast_cancer.csv``.

    The sklearn file has a count header (``569,30,malignant,benign``) and no
    column names; values are copied as parsed floats, target 0 = malignant,
    1 = benign.
    """
    text = (_sklearn_data_dir() / "breast_cancer.csv").read_text()
    rows = text.splitlines()
    n, p = (int(v) for v in rows[0].split(",")[:2])
    values = np.array([[float(v) for v in r.split(",")] for r in rows[1 : n + 1]])
    assert values.shape == (n, p + 1)
    frame = pd.DataFrame(values[:, :p], columns=BREAST_CANCER_FEATURES)
    frame["target"] = values[:, p].astype(np.int64)
    return frame


def wine_frame() -> pd.DataFrame:
    """Wine recognition data (UCI) from scikit-learn's ``wine_data.csv``: 13 features named as in
    ``sklearn.datasets.load_wine``, ``target`` the cultivar 0/1/2 last. The sklearn file has a count
    line (``178,13,class_0,class_1,class_2``) instead of a header; values unchanged."""
    text = (_sklearn_data_dir() / "wine_data.csv").read_text()
    rows = text.splitlines()
    n, p = (int(v) for v in rows[0].split(",")[:2])
    values = np.array([[float(v) for v in r.split(",")] for r in rows[1 : n + 1]])
    assert values.shape == (n, p + 1)
    frame = pd.DataFrame(values[:, :p], columns=WINE_FEATURES)
    frame["target"] = values[:, p].astype(np.int64)
    return frame


def randhie_frame() -> pd.DataFrame:
    """RAND Health Insurance Experiment subset as bundled with statsmodels (``statsmodels.datasets.randhie``).

    Target ``mdvis`` (number of outpatient visits to a medical doctor, a count) last; the nine
    covariates in statsmodels' order. Values unchanged (statsmodels' ``randhie.csv``).
    """
    from statsmodels.datasets import randhie

    data = randhie.load_pandas().data
    cols = [c for c in data.columns if c != "mdvis"]
    return data[cols + ["mdvis"]].astype(np.float64)


def _linear_predictor(X: np.ndarray, coef: np.ndarray, intercept: float = 0.0) -> np.ndarray:
    # Explicit fixed-order sum over non-zero coefficients: no BLAS, bit-reproducible.
    eta = np.full(X.shape[0], intercept)
    for j in np.flatnonzero(coef):
        eta = eta + X[:, j] * coef[j]
    return eta


def _truth(name, columns, coef, seed, intercept, noise, notes) -> dict:
    return {
        "name": name,
        "seed": seed,
        "generator": f"scripts/make_datasets.py::generate_{name}",
        "intercept": intercept,
        "noise": noise,
        "notes": notes,
        "coef": {c: float(b) for c, b in zip(columns, coef, strict=True)},
    }


def generate_sparse_p_gt_n() -> tuple[pd.DataFrame, dict]:
    """n = 60, p = 200, X iid N(0, 1), 10 non-zero coefficients, noise sd 1, seed 20041."""
    n, p, seed = 60, 200, 20041
    rng = np.random.RandomState(seed)
    X = np.round(rng.standard_normal((n, p)), DECIMALS)
    eps = rng.standard_normal(n)
    coef = np.zeros(p)
    # 1-based positions 1, 2, 3, 5, 10, 20, 50, 100, 150, 200 (x004 is deliberately 0).
    nonzero = {0: 3.0, 1: -2.0, 2: 1.5, 4: 1.0, 9: -1.0, 19: 2.0, 49: -0.5, 99: 0.5,
               149: -1.5, 199: 1.0}  # fmt: skip
    for j, b in nonzero.items():
        coef[j] = b
    y = np.round(_linear_predictor(X, coef) + 1.0 * eps, DECIMALS)
    columns = [f"x{j + 1:03d}" for j in range(p)]
    frame = pd.DataFrame(X, columns=columns)
    frame["y"] = y
    notes = "X iid N(0,1); y = X @ coef + N(0, 1) noise; X and y rounded to 6 decimals."
    return frame, _truth("sparse_p_gt_n", columns, coef, seed, 0.0, {"sd": 1.0}, notes)


def generate_correlated() -> tuple[pd.DataFrame, dict]:
    """n = 200, p = 20, corr(x_i, x_j) = 0.9**|i - j|, sparse truth, noise sd 1, seed 20042."""
    n, p, rho, seed = 200, 20, 0.9, 20042
    rng = np.random.RandomState(seed)
    Z = rng.standard_normal((n, p))
    eps = rng.standard_normal(n)
    # Stationary AR(1) across columns gives unit variances and exactly Toeplitz rho**|i-j|
    # correlation, with elementwise arithmetic only (no Cholesky/BLAS => bit-reproducible).
    X = np.empty_like(Z)
    X[:, 0] = Z[:, 0]
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1.0 - rho**2) * Z[:, j]
    X = np.round(X, DECIMALS)
    coef = np.zeros(p)
    for j, b in {0: 2.0, 4: -1.5, 5: 1.0, 10: 1.0, 15: -0.5}.items():
        coef[j] = b
    y = np.round(_linear_predictor(X, coef) + 1.0 * eps, DECIMALS)
    columns = [f"x{j + 1:02d}" for j in range(p)]
    frame = pd.DataFrame(X, columns=columns)
    frame["y"] = y
    notes = (
        "Rows iid N(0, Sigma), Sigma[i, j] = 0.9**|i-j| (built as an AR(1) across columns); "
        "y = X @ coef + N(0, 1) noise; x05/x06 are adjacent (corr 0.9) with opposite signs; "
        "X and y rounded to 6 decimals."
    )
    truth = _truth("correlated", columns, coef, seed, 0.0, {"sd": 1.0}, notes)
    truth["correlation"] = {"type": "toeplitz", "rho": rho}
    return frame, truth


def generate_binary_synthetic() -> tuple[pd.DataFrame, dict]:
    """n = 300, p = 8 logistic regression, 3 zero coefficients, intercept -0.5, seed 20043."""
    n, p, seed, intercept = 300, 8, 20043, -0.5
    rng = np.random.RandomState(seed)
    X = np.round(rng.standard_normal((n, p)), DECIMALS)
    u = rng.random_sample(n)
    coef = np.array([1.5, -1.0, 0.0, 0.75, 0.0, -2.0, 0.0, 0.5])
    prob = 1.0 / (1.0 + np.exp(-_linear_predictor(X, coef, intercept)))
    columns = [f"x{j + 1}" for j in range(p)]
    frame = pd.DataFrame(X, columns=columns)
    frame["y"] = (u < prob).astype(np.int64)
    notes = (
        "X iid N(0,1) rounded to 6 decimals; "
        "y ~ Bernoulli(1 / (1 + exp(-(intercept + X @ coef))))."
    )
    return frame, _truth("binary_synthetic", columns, coef, seed, intercept, None, notes)


def build_all() -> dict[str, str]:
    """Return ``{file name: text content}`` for every bundled file."""
    out: dict[str, str] = {
        "diabetes.csv": frame_to_csv_text(diabetes_frame()),
        "breast_cancer.csv.gz": frame_to_csv_text(breast_cancer_frame()),
        "randhie.csv.gz": frame_to_csv_text(randhie_frame()),
        "wine.csv": frame_to_csv_text(wine_frame()),
    }
    for name, gen, ext in [
        ("sparse_p_gt_n", generate_sparse_p_gt_n, ".csv.gz"),
        ("correlated", generate_correlated, ".csv.gz"),
        ("binary_synthetic", generate_binary_synthetic, ".csv"),
    ]:
        frame, truth = gen()
        out[name + ext] = frame_to_csv_text(frame)
        out[name + "_truth.json"] = json.dumps(truth, indent=2) + "\n"
    return out


def write_all(out_dir: str | Path = DEFAULT_OUT) -> list[Path]:
    """Write all bundled files into ``out_dir``; return the paths written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fname, text in build_all().items():
        data = text.encode("utf-8")
        if fname.endswith(".gz"):
            data = gzip.compress(data, compresslevel=9, mtime=0)
        (out_dir / fname).write_bytes(data)
        written.append(out_dir / fname)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    for path in write_all(args.out):
        print(f"{path.stat().st_size:>9,d}  {path}")


if __name__ == "__main__":
    main()
