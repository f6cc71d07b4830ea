"""Loaders of the reference fixtures in ``tests/data`` (JSON made by the scripts in ``scripts/``), shared
by the test modules: each file is read once per session."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"
GLMNET = DATA / "glmnet_reference.json"
GLMNET_MULTINOMIAL = DATA / "glmnet_multinomial.json"


@functools.cache
def load_fixture(path: Path) -> dict:
    """The fixture at ``path`` (meta, datasets, cases)."""
    return json.loads(Path(path).read_text("utf-8"))


@functools.cache
def fixture_data(path: Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (n, p) and ``y`` (n,) of the data set ``name`` of the fixture at ``path``."""
    d = load_fixture(path)["datasets"][name]
    X, y = np.array(d["X"], dtype=float), np.array(d["y"], dtype=float)
    assert X.shape == (d["n"], d["p"]) and y.shape == (d["n"],)
    return X, y


def fixture_case(path: Path, case_id: str) -> dict:
    """The case with id ``case_id`` of the fixture at ``path``."""
    return next(c for c in load_fixture(path)["cases"] if c["id"] == case_id)
