"""CSV and Parquet files streamed in bounded memory into SufficientStats; errors name file, column and rows;
the package works without the optional Dask extra."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

import bayesreg as br
from bayesreg.model.streaming import ChunkProgress


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(141)
    n = 3000
    X = rng.normal(size=(n, 4)) * [1, 2, 3, 4] + [1e4, 0, -5, 2]
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    df["y"] = 3 + X @ [0.5, -1.0, 0.0, 2.0] + rng.normal(size=n)
    df["w"] = rng.uniform(0.1, 2.0, n)
    return df


def write_shards(df, directory, fmt, k=5):
    paths = []
    for i, part in enumerate(np.array_split(np.arange(len(df)), k)):
        path = directory / f"part-{i:02d}.{fmt}"
        if fmt == "parquet":
            df.iloc[part].to_parquet(path, index=False)
        else:
            df.iloc[part].to_csv(path, index=False)
        paths.append(path)
    return paths


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_files_streamed_in_batches_equal_in_memory_statistics(frame, tmp_path, fmt):
    write_shards(frame, tmp_path, fmt)
    seen: list[ChunkProgress] = []
    st = br.SufficientStats.from_files(str(tmp_path / f"*.{fmt}"), target="y", weights="w", batch_rows=256,
                                       progress=seen.append)
    ref = br.SufficientStats.from_arrays(frame[["a", "b", "c", "d"]], frame["y"], frame["w"])
    assert st.feature_names == ("a", "b", "c", "d") and st.n == len(frame)
    np.testing.assert_allclose(st.xtx, ref.xtx, rtol=1e-13)
    np.testing.assert_allclose(st.xty, ref.xty, rtol=1e-13)
    assert st.yty == pytest.approx(ref.yty, rel=1e-13)
    np.testing.assert_allclose(st.mean_x, ref.mean_x, rtol=1e-15, atol=1e-14 * ref.std_x.max())
    assert st.weight_sum == pytest.approx(ref.weight_sum, rel=1e-15)
    assert len(seen) >= len(frame) // 256 and seen[-1].rows == len(frame)  # many small batches: bounded memory
    assert [s.rows for s in seen] == sorted(s.rows for s in seen)
    assert seen[-1].total_rows == (len(frame) if fmt == "parquet" else None)


def test_feature_selection_and_explicit_lists(frame, tmp_path):
    path = tmp_path / "one.parquet"
    frame.to_parquet(path, index=False)
    st = br.SufficientStats.from_files([path], target="y", features=["c", "a"])
    ref = br.SufficientStats.from_arrays(frame[["c", "a"]], frame["y"])
    assert st.feature_names == ("c", "a")
    np.testing.assert_allclose(st.xtx, ref.xtx, rtol=1e-13)


@pytest.mark.parametrize(("mutate", "match"), [
    (lambda df: df.assign(b=df["b"].where(df.index != 1234)), r"column 'b' has 1 missing .* first at row 1234"),
    (lambda df: df.assign(b="x"), "column 'b' is not numeric"),
    (lambda df: df.assign(w=-df["w"]), "negative values"),
    (lambda df: df.drop(columns="y"), r"column\(s\) \['y'\] not found"),
])
def test_bad_files_name_file_column_and_rows(frame, tmp_path, mutate, match):
    path = tmp_path / "bad.csv"
    mutate(frame).to_csv(path, index=False)
    with pytest.raises(ValueError, match=match):
        br.SufficientStats.from_files(str(path), target="y", weights="w" if "w" in mutate(frame) else None,
                                      batch_rows=500)


def test_unknown_paths_and_formats(tmp_path):
    with pytest.raises(FileNotFoundError, match="matched no file"):
        br.SufficientStats.from_files(str(tmp_path / "*.parquet"), target="y")
    (tmp_path / "data.json").write_text("{}")
    with pytest.raises(ValueError, match="Cannot tell the format"):
        br.SufficientStats.from_files(str(tmp_path / "data.json"), target="y")


def test_works_without_the_dask_extra(frame, tmp_path):
    """With dask and pyarrow unimportable: bayesreg imports, CSV streams via pandas, Dask asks for the extra."""
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    code = textwrap.dedent(f"""
        import sys
        for name in ("dask", "distributed", "pyarrow"):
            sys.modules[name] = None
        import numpy as np
        import bayesreg as br
        st = br.SufficientStats.from_files({str(path)!r}, target="y", batch_rows=700)
        est = br.LassoBayes(alpha=0.1).fit_stats(st)
        assert est.certificate_.passed
        try:
            br.SufficientStats.from_dask(object(), "y")
        except ImportError as exc:
            assert "bayesreg[dask]" in str(exc), exc
        else:
            raise AssertionError("from_dask without dask should fail")
        print("ok", st.n)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["ok", str(len(frame))]


@pytest.mark.parametrize("cap", [0, None], ids=["row-groups-streamed", "row-groups-read-whole"])
def test_parquet_row_groups_read_whole_or_in_batches(tmp_path, monkeypatch, cap):
    """Row groups up to ``ROW_GROUP_BYTES`` are read in one (parallel) read and sliced into batches, larger
    ones streamed in batches: the same rows, the same statistics either way."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from bayesreg.model import streaming

    if cap is not None:
        monkeypatch.setattr(streaming, "ROW_GROUP_BYTES", cap)
    rng = np.random.default_rng(8)
    X = rng.normal(size=(2500, 3)) + [0.0, 5.0, -1.0]
    y = X @ [1.0, -2.0, 0.5] + rng.normal(size=2500)
    table = pa.table({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "y": y})
    pq.write_table(table, tmp_path / "one.parquet", row_group_size=700)
    assert pq.ParquetFile(tmp_path / "one.parquet").num_row_groups == 4
    sizes = [len(c[1]) for c in streaming.iter_file_chunks(str(tmp_path / "one.parquet"), "y", batch_rows=300)]
    assert sum(sizes) == 2500 and max(sizes) <= 300
    got = br.SufficientStats.from_files(str(tmp_path / "one.parquet"), "y", batch_rows=300)
    ref = br.SufficientStats.from_arrays(X, y)
    np.testing.assert_allclose(got.xtx, ref.xtx, rtol=1e-12)
    np.testing.assert_allclose(got.xty, ref.xty, rtol=1e-12)
    np.testing.assert_allclose(got.mean_x, ref.mean_x, rtol=1e-14)
