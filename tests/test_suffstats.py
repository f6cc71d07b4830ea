"""Mergeable sufficient statistics: exact against a long-double reference, also with means ~1e8.

The reference (:func:`reference_stats`) is the corrected two-pass algorithm in ``np.longdouble``
(64-bit mantissa on x86) around a mean from exactly rounded sums (``math.fsum``): it is accurate to
~1e-18 relative on these data, far below the tolerances. The textbook alternatives are shown to fail
on the same data: merging raw sums (sum x x' - W xbar xbar') loses every digit, and Chan–Golub–LeVeque
with the means rounded to doubles loses ~6 digits.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

import bayesreg as br
from bayesreg.model.suffstats import SufficientStats, tree_merge

LD = np.longdouble


def reference_stats(X: np.ndarray, y: np.ndarray, v: np.ndarray | None = None) -> dict:
    """Long-double corrected two-pass statistics (mean from exact sums)."""
    n, p = X.shape
    v = np.ones(n) if v is None else v
    W = math.fsum(v)
    if np.all(v == 1):  # exactly rounded sums
        mx = np.array([math.fsum(X[:, j]) for j in range(p)], dtype=LD) / LD(W)
        my = LD(math.fsum(y)) / LD(W)
    else:  # long-double sums of long-double products
        mx = (X.astype(LD) * v.astype(LD)[:, None]).sum(axis=0) / LD(W)
        my = (y.astype(LD) * v.astype(LD)).sum() / LD(W)
    xc = X.astype(LD) - mx
    yc = y.astype(LD) - my
    vl = v.astype(LD)
    sx = vl @ xc
    sy = vl @ yc
    xtx = (xc * vl[:, None]).T @ xc - np.outer(sx, sx) / LD(W)
    xty = (xc * vl[:, None]).T @ yc - sx * sy / LD(W)
    yty = (vl * yc) @ yc - sy * sy / LD(W)
    return {"W": W, "mean_x": mx + sx / LD(W), "mean_y": my + sy / LD(W), "xtx": xtx, "xty": xty, "yty": yty}


def rel_err(a, ref) -> float:
    ref = np.asarray(ref, dtype=LD)
    return float(np.max(np.abs(np.asarray(a, dtype=LD) - ref)) / np.max(np.abs(ref)))


def naive_merge(chunks) -> tuple[np.ndarray, np.ndarray, float]:
    """The textbook one-pass form: raw sums merged, centred at the end (loses precision)."""
    W = 0.0
    s1 = s2 = sy = sxy = syy = 0.0
    for X, y in chunks:
        W += X.shape[0]
        s1 = s1 + X.sum(axis=0)
        sy = sy + y.sum()
        s2 = s2 + X.T @ X
        sxy = sxy + X.T @ y
        syy = syy + y @ y
    return s2 - np.outer(s1, s1) / W, sxy - s1 * sy / W, syy - sy * sy / W


@pytest.fixture(scope="module")
def big_mean_data():
    rng = np.random.default_rng(20261122)
    n, p = 20_000, 4
    X = 1e8 + rng.standard_normal((n, p)) * np.array([1.0, 0.5, 2.0, 1.0])
    X[:, 3] = -1e8 + rng.standard_normal(n)
    y = 3e8 + X[:, :3] @ np.array([1.0, -2.0, 0.5]) - 1.5e8 + rng.standard_normal(n)
    return X, y


def chunks_of(X, y, sizes):
    out, start = [], 0
    for s in sizes:
        out.append((X[start:start + s], y[start:start + s]))
        start += s
    assert start == X.shape[0]
    return out


def test_from_arrays_matches_long_double_reference_with_means_1e8(big_mean_data):
    X, y = big_mean_data
    st = SufficientStats.from_arrays(X, y)
    ref = reference_stats(X, y)
    assert st.n == X.shape[0] and st.weight_sum == X.shape[0]
    assert rel_err(st.xtx, ref["xtx"]) < 1e-14
    assert rel_err(st.xty, ref["xty"]) < 1e-14
    assert rel_err(st.yty, ref["yty"]) < 1e-14
    assert rel_err(st.mean_x + st.mean_x_lo.astype(LD), ref["mean_x"]) < 1e-17


@pytest.mark.parametrize("sizes", [[7000, 13000], [1] * 10 + [19_990], [997] * 20 + [60]])
def test_chan_golub_leveque_merge_keeps_precision_where_naive_merge_does_not(big_mean_data, sizes):
    X, y = big_mean_data
    ref = reference_stats(X, y)
    chunks = chunks_of(X, y, sizes)
    merged = SufficientStats.from_chunks(chunks)
    assert rel_err(merged.xtx, ref["xtx"]) < 1e-13
    assert rel_err(merged.xty, ref["xty"]) < 1e-13
    assert rel_err(merged.yty, ref["yty"]) < 1e-13
    assert rel_err(merged.mean_x, ref["mean_x"]) < 1e-16
    # the same check fails for the textbook merge of raw sums: every digit is lost
    xtx, xty, yty = naive_merge(chunks)
    assert rel_err(xtx, ref["xtx"]) > 1e-3 and rel_err(yty, ref["yty"]) > 1e-3


def test_double_double_means_are_what_keeps_the_last_digits(big_mean_data):
    """Chan–Golub–LeVeque with the means rounded to doubles: the difference of two means ~1e8 carries an
    error of ~1 ulp (1.5e-8), which enters xtx through (W_A W_B / W) d d'. Keeping the rounding (mean_x_lo)
    removes it; dropping it makes the same check fail."""
    X, y = big_mean_data
    ref = reference_stats(X, y)
    blocks = [SufficientStats.from_arrays(a, b) for a, b in chunks_of(X, y, [997] * 20 + [60])]
    rounded = [replace(b, mean_x_lo=np.zeros(4), mean_y_lo=0.0) for b in blocks]
    good, bad = tree_merge(blocks), tree_merge(rounded)
    assert rel_err(good.xtx, ref["xtx"]) < 1e-13
    assert rel_err(bad.xtx, ref["xtx"]) > 1e-11


def test_merge_algebra(big_mean_data):
    X, y = big_mean_data
    X = X - 1e8  # moderate means: compare to double precision
    a, b, c = (SufficientStats.from_arrays(X[s], y[s]) for s in (slice(0, 5000), slice(5000, 12000),
                                                                 slice(12000, None)))
    whole = SufficientStats.from_arrays(X, y)
    for combo in (a.merge(b).merge(c), a.merge(b.merge(c)), c.merge(a).merge(b), tree_merge([a, b, c])):
        np.testing.assert_allclose(combo.xtx, whole.xtx, rtol=1e-13, atol=0)
        np.testing.assert_allclose(combo.xty, whole.xty, rtol=1e-13, atol=1e-13 * np.abs(whole.xty).max())
        assert combo.yty == pytest.approx(whole.yty, rel=1e-13)
        assert combo.n == whole.n
    empty = SufficientStats.empty(4)
    assert empty.merge(a).xtx is not None and np.array_equal(empty.merge(a).xtx, a.xtx)
    assert a.merge(empty).n == a.n


def test_weights_are_replicated_rows_and_zero_weight_chunks_count_rows():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 3)) + 5
    y = rng.normal(size=50)
    v = rng.integers(0, 4, 50).astype(float)
    weighted = SufficientStats.from_arrays(X, y, v)
    rep = np.repeat(np.arange(50), v.astype(int))
    replicated = SufficientStats.from_arrays(X[rep], y[rep])
    np.testing.assert_allclose(weighted.xtx, replicated.xtx, rtol=1e-12)
    np.testing.assert_allclose(weighted.xty, replicated.xty, rtol=1e-12)
    assert weighted.yty == pytest.approx(replicated.yty, rel=1e-12)
    assert weighted.weight_sum == replicated.n and weighted.n == 50
    zero = SufficientStats.from_chunks([(X[:10], y[:10], np.zeros(10)), (X[10:], y[10:], v[10:])])
    tail = SufficientStats.from_arrays(X[10:], y[10:], v[10:])
    assert zero.n == 50 and zero.weight_sum == tail.weight_sum
    np.testing.assert_allclose(zero.xtx, tail.xtx, rtol=1e-14)


def test_weighted_stats_match_long_double_reference():
    rng = np.random.default_rng(2)
    X = 1e6 + rng.normal(size=(3000, 3))
    y = rng.normal(size=3000) + 1e5
    v = rng.uniform(0, 3, 3000)
    ref = reference_stats(X, y, v)
    merged = SufficientStats.from_chunks((X[i:i + 333], y[i:i + 333], v[i:i + 333]) for i in range(0, 3000, 333))
    assert rel_err(merged.xtx, ref["xtx"]) < 1e-13
    assert rel_err(merged.xty, ref["xty"]) < 1e-13
    assert rel_err(merged.yty, ref["yty"]) < 1e-13


def test_statistics_give_the_exact_residual_sum_of_squares():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 5)) * 3 + 2
    y = rng.normal(size=200)
    v = rng.uniform(0.5, 2, 200)
    st = SufficientStats.from_arrays(X, y, v)
    w, c = rng.normal(size=5), 0.7
    direct = float(v @ (y - c - X @ w) ** 2)
    via = (st.yty - 2 * w @ st.xty + w @ st.xtx @ w + st.weight_sum * (st.mean_y - st.mean_x @ w - c) ** 2)
    assert via == pytest.approx(direct, rel=1e-12)
    gram, xty, yty = st.quadratic_form(fit_intercept=False)  # raw moments without an intercept
    np.testing.assert_allclose(gram, (X * v[:, None]).T @ X, rtol=1e-12)
    np.testing.assert_allclose(xty, (X * v[:, None]).T @ y, rtol=1e-12)
    assert yty == pytest.approx(float(v @ y**2), rel=1e-12)


def test_scales_and_constant_columns():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(100, 3)) * [1.0, 2.0, 3.0]
    X[:, 2] = 0.1  # constant (not exactly representable)
    y = rng.normal(size=100)
    v = rng.uniform(0.1, 1, 100)
    st = SufficientStats.from_chunks([(X[:37], y[:37], v[:37]), (X[37:], y[37:], v[37:])])
    m = np.average(X, axis=0, weights=v)
    np.testing.assert_allclose(st.std_x[:2], np.sqrt(np.average((X - m) ** 2, axis=0, weights=v))[:2], rtol=1e-12)
    assert st.std_y == pytest.approx(np.sqrt(np.average((y - np.average(y, weights=v)) ** 2, weights=v)), rel=1e-12)
    assert st.constant_features.tolist() == [False, False, True]


def test_names_flow_from_dataframes_and_must_agree():
    import pandas as pd

    rng = np.random.default_rng(5)
    df = pd.DataFrame(rng.normal(size=(20, 2)), columns=["age", "bmi"])
    a = SufficientStats.from_arrays(df, rng.normal(size=20))
    assert a.feature_names == ("age", "bmi")
    b = SufficientStats.from_arrays(df.rename(columns={"bmi": "bp"}), rng.normal(size=20))
    with pytest.raises(ValueError, match="different feature names"):
        a.merge(b)
    with pytest.raises(ValueError, match="3 features"):
        a.merge(SufficientStats.from_arrays(rng.normal(size=(5, 3)), rng.normal(size=5)))
    assert br.SufficientStats is SufficientStats


@pytest.mark.parametrize(("call", "match"), [
    (lambda: SufficientStats.from_chunks([]), "at least one block"),
    (lambda: SufficientStats.from_chunks([np.ones((3, 2))]), r"must yield \(X, y\)"),
    (lambda: SufficientStats.from_arrays(np.array([[1.0, np.nan]]), [1.0]), "X must be finite"),
    (lambda: SufficientStats.from_arrays(np.ones((3, 2)), [1.0, 2.0]), "inconsistent numbers of samples"),
    (lambda: SufficientStats.from_arrays(np.ones((3, 2)), np.ones(3), -np.ones(3)), "non-negative"),
    (lambda: SufficientStats(3, 3.0, np.zeros(2), 0.0, np.zeros((3, 3)), np.zeros(2), 0.0), "shapes"),
    (lambda: SufficientStats.from_arrays(np.ones((3, 2)), np.ones(3)).merge("x"), "another SufficientStats"),
])
def test_bad_input_names_the_problem(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def drifting(big_mean_data, weighted: bool, seed: int):
    """Rows of ``big_mean_data`` plus a trend, so that chunk means drift by ~1e3 sd around 1e8; with
    ``weighted``, uniform(0, 2) weights and two whole 256-row chunks (1 and 2) of zero weight."""
    X, y = big_mean_data
    n = X.shape[0]
    trend = np.linspace(0.0, 1e3, n)
    v = None
    if weighted:
        v = np.random.default_rng(seed).uniform(0.0, 2.0, n)
        v[256:768] = 0.0  # chunks 1 and 2: no weight at all
    return X + trend[:, None], y - 2.0 * trend, v


@pytest.mark.parametrize("weighted", [False, True])
def test_many_chunks_in_one_block_keep_the_precision_with_drifting_means_1e8(big_mean_data, monkeypatch, weighted):
    """``centred_gram`` with ~80 chunks of 256 rows (one accumulated ``dsyrk``, the pooled within- and
    between-chunk corrections): rows sorted by a trend, so the chunk means drift by ~1e3 sd around 1e8,
    and (weighted) two whole chunks of zero weight."""
    from bayesreg.model import gram

    monkeypatch.setattr(gram, "CHUNK_ELEMENTS", 1000)  # rows_per_chunk -> 256
    Xd, yd, v = drifting(big_mean_data, weighted, seed=5)
    n = Xd.shape[0]
    st = SufficientStats.from_arrays(Xd, yd, v)
    ref = reference_stats(Xd, yd, v)
    assert gram.rows_per_chunk(Xd.shape[1] + 1) == 256 and st.n == n
    assert st.weight_sum == pytest.approx(ref["W"], rel=1e-15)
    assert rel_err(st.xtx, ref["xtx"]) < 1e-13
    assert rel_err(st.xty, ref["xty"]) < 1e-13
    assert rel_err(st.yty, ref["yty"]) < 1e-13
    assert rel_err(st.mean_x + st.mean_x_lo.astype(LD), ref["mean_x"]) < 1e-16
    assert rel_err(st.mean_y + LD(st.mean_y_lo), ref["mean_y"]) < 1e-16
    # the check can fail: the one-pass form on the same rows (raw products, centred at the end) loses every digit
    xtx, _, yty = naive_merge([(Xd, yd)])
    assert rel_err(xtx, ref["xtx"]) > 1e-4 and rel_err(yty, ref["yty"]) > 1e-7  # vs < 1e-13 above


@pytest.mark.parametrize("weighted", [False, True])
def test_columns_shifted_as_copied_match_the_reference_with_drifting_means_1e8(big_mean_data, monkeypatch,
                                                                                tmp_path, weighted):
    """The streaming path (``centred_gram_columns``: each column chunk shifted while it is copied, one
    accumulated ``dsyrk`` on the shifted rows) against the long-double reference and ``from_arrays``:
    ~80 chunks of 256 rows whose means drift by ~1e3 sd around 1e8, weights with two zero-weight
    chunks; directly on the columns and from a Parquet file (``from_files``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from bayesreg.model import gram

    monkeypatch.setattr(gram, "CHUNK_ELEMENTS", 1000)  # rows_per_chunk -> 256 (p + 1 = 5 columns)
    Xd, yd, v = drifting(big_mean_data, weighted, seed=6)
    n = Xd.shape[0]
    ref = reference_stats(Xd, yd, v)
    W, mean, lo, C = gram.centred_gram_columns([*Xd.T, yd], v)
    got = SufficientStats._from_gram(n, (W, mean, lo, C), None)
    cols = {f"x{j}": Xd[:, j] for j in range(4)} | {"y": yd} | ({"w": v} if weighted else {})
    pq.write_table(pa.table(cols), tmp_path / "d.parquet", row_group_size=7000)
    streamed = SufficientStats.from_files(str(tmp_path / "d.parquet"), "y", "w" if weighted else None,
                                          batch_rows=3000)
    in_memory = SufficientStats.from_arrays(Xd, yd, v)
    for st in (got, streamed):
        assert st.n == n and st.weight_sum == pytest.approx(ref["W"], rel=1e-15)
        assert rel_err(st.xtx, ref["xtx"]) < 1e-13
        assert rel_err(st.xty, ref["xty"]) < 1e-13
        assert rel_err(st.yty, ref["yty"]) < 1e-13
        assert rel_err(st.mean_x + st.mean_x_lo.astype(LD), ref["mean_x"]) < 1e-16
        assert rel_err(st.mean_y + LD(st.mean_y_lo), ref["mean_y"]) < 1e-16
        assert rel_err(st.xtx, in_memory.xtx) < 1e-14 and rel_err(st.xty, in_memory.xty) < 1e-14
    # the check can fail: the rows shifted by a point 1 sd off their mean, its residual sums left out
    bad = gram.GramAccumulator(5)
    shift = np.r_[Xd.mean(axis=0), yd.mean()] + 1.0
    bad.add(np.column_stack([Xd, yd]) - shift, shift, float(n), np.zeros(5))
    assert rel_err(bad.result()[3][:4, :4], ref["xtx"]) > 1e-6


def test_columns_with_a_missing_value_in_zero_weight_rows_are_still_an_error(tmp_path):
    """Zero-weight rows add nothing, but a NaN in them is a bad file (a NaN makes the chunk's sum NaN)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from bayesreg.model import gram

    rng = np.random.default_rng(3)
    X = rng.normal(size=(600, 2))
    v = np.zeros(600)
    X[17, 1] = np.nan
    with pytest.raises(gram.NonFiniteColumnError) as info:
        gram.centred_gram_columns([X[:, 0], X[:, 1], X[:, 0]], v)
    assert info.value.column == 1
    w = np.r_[np.zeros(300), np.ones(300)]
    pq.write_table(pa.table({"a": X[:, 0], "b": X[:, 1], "y": X[:, 0], "w": w}), tmp_path / "d.parquet")
    with pytest.raises(ValueError, match=r"column 'b' has 1 missing .* first at row 17"):
        SufficientStats.from_files(str(tmp_path / "d.parquet"), "y", "w")
