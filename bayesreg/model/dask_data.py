r"""Dask collections as data: statistics by a tree reduction, and rows persisted on the workers.

Needs the optional extra ``pip install 'bayesreg[dask]'`` (dask, distributed, pyarrow); nothing else
in bayesreg imports Dask. Everything runs on the *current* Dask scheduler: the threaded scheduler by
default, or a ``distributed.Client`` (a ``LocalCluster`` or ``tcp://host:port``) when one is active,
or whatever ``compute_kwargs={"scheduler": ...}`` names.

* :func:`stats_from_dask`: one task per partition computes its :class:`SufficientStats` (corrected two
  pass), and a tree of :meth:`SufficientStats.merge` tasks (fan-in ``split_every``) combines them;
  only :math:`O(p^2)` numbers per partition travel. The tree is fixed by the partitions, so the result
  does not depend on which worker ran what: a task lost with its worker is recomputed, identically.
* :func:`stats_from_files_dask`: the same for CSV/Parquet files, one task per file streaming it with
  pyarrow (no DataFrame: the fastest and leanest statistics pass over files on a cluster).
* :class:`DaskRows`: the rows converted once to float blocks and persisted on the workers, for the
  GLM solvers that need one pass per iteration (:class:`bayesreg.model.rows.RowSource`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from bayesreg.model.rows import RowSource, block_stats, merge_stats, sum_tuples, tree_reduce
from bayesreg.model.suffstats import SufficientStats

__all__ = ["stats_from_dask", "stats_from_files_dask", "DaskRows", "dask_blocks", "require_dask"]


def require_dask() -> Any:
    """``dask``, or an ImportError with the fix."""
    try:
        import dask
    except ImportError:
        raise ImportError("this needs Dask: pip install 'bayesreg[dask]' (dask, distributed, pyarrow)") from None
    return dask


def _is_dataframe(obj: Any) -> bool:
    return hasattr(obj, "npartitions") and hasattr(obj, "columns") and hasattr(obj, "to_delayed")


def _is_array(obj: Any) -> bool:
    try:
        import dask.array as da
    except ImportError:
        return False
    return isinstance(obj, da.Array)


def _float_block(values: Any, what: str, where: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {what} is not numeric.") from None
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{where}: {what} has {int(bad.sum())} missing or non-finite value(s).")
    return arr


def frame_block(frame: Any, features: Sequence[str], target: str, weights: str | None,
                index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(X, y, v)`` float arrays of one pandas partition, validated (errors name the partition)."""
    where = f"partition {index}"
    X = _float_block(frame[list(features)].to_numpy(dtype=float, na_value=np.nan), "X (the feature columns)", where)
    y = _float_block(frame[target].to_numpy(dtype=float, na_value=np.nan), f"target {target!r}", where)
    v = None
    if weights is not None:
        v = _float_block(frame[weights].to_numpy(dtype=float, na_value=np.nan), f"weights {weights!r}", where)
        if np.any(v < 0):
            raise ValueError(f"{where}: weights {weights!r} has negative values; observation weights must be >= 0.")
    return X, y, v


def array_block(X: Any, y: Any, v: Any, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(X, y, v)`` of one row block of Dask arrays, validated."""
    where = f"row block {index}"
    Xa = _float_block(X, "X", where)
    ya = _float_block(y, "y", where).ravel()
    if Xa.ndim != 2 or ya.shape != (Xa.shape[0],):
        raise ValueError(f"{where}: X must be 2-D and y 1-D with as many rows; got {Xa.shape} and {ya.shape}.")
    va = None
    if v is not None:
        va = _float_block(v, "sample_weight", where).ravel()
        if np.any(va < 0):
            raise ValueError(f"{where}: sample_weight has negative values; weights must be >= 0.")
    return Xa, ya, va


def dask_blocks(collection: Any, target: str | None = None, *, y: Any = None, weights: Any = None,
                features: Sequence[str] | None = None) -> tuple[list[Any], tuple[str, ...]]:
    """Delayed ``(X, y, v)`` blocks of a Dask DataFrame (``target``, ``weights`` column names) or of a
    Dask Array ``X`` with ``y`` (and ``weights``) arrays; and the feature names."""
    dask = require_dask()
    if _is_dataframe(collection):
        if target is None or y is not None:
            raise ValueError("For a Dask DataFrame give target='<column of y>' (and weights='<column>'), not y=.")
        columns = [str(c) for c in collection.columns]
        wanted = [target] + ([weights] if weights is not None else []) + list(features or [])
        missing = [c for c in wanted if c not in columns]
        if missing:
            raise ValueError(f"The Dask DataFrame has no column(s) {missing}; its columns: {columns[:20]}.")
        if weights is not None and not isinstance(weights, str):
            raise TypeError(f"For a Dask DataFrame, weights must be a column name; got {type(weights).__name__}.")
        feats = list(features) if features is not None else [c for c in columns if c not in (target, weights)]
        if not feats:
            raise ValueError(f"The Dask DataFrame has no feature columns besides target {target!r}.")
        parts = collection.to_delayed()
        blocks = [dask.delayed(frame_block, pure=True)(part, feats, target, weights, i) for i, part in enumerate(parts)]
        return blocks, tuple(feats)
    if _is_array(collection):
        import dask.array as da

        if target is not None:
            raise ValueError("For a Dask Array X give y=<array> (target= names a DataFrame column).")
        if y is None:
            raise ValueError("For a Dask Array X the target is needed: y=<dask or NumPy array of length n>.")
        if collection.ndim != 2:
            raise ValueError(f"X must be a 2-D Dask Array (n_samples, n_features); got {collection.ndim} dimension(s).")
        X = collection.rechunk({1: -1})
        rows = X.chunks[0]

        def aligned(a: Any, name: str) -> Any:
            a = a if _is_array(a) else da.from_array(np.asarray(a, dtype=float), chunks=(rows,))
            if a.shape[0] != X.shape[0]:
                raise ValueError(f"X and {name} have inconsistent numbers of samples: X has {X.shape[0]} rows, "
                                 f"{name} has {a.shape[0]}.")
            return a.rechunk((rows,) + tuple((s,) for s in a.shape[1:]))

        ys = aligned(y, "y").to_delayed().ravel()
        vs = aligned(weights, "sample_weight").to_delayed().ravel() if weights is not None else [None] * len(rows)
        xs = X.to_delayed()[:, 0]
        blocks = [dask.delayed(array_block, pure=True)(xb, yb, vb, i)
                  for i, (xb, yb, vb) in enumerate(zip(xs, ys, vs, strict=True))]
        names = tuple(features) if features is not None else tuple(f"x{j}" for j in range(X.shape[1]))
        return blocks, names
    raise TypeError(f"The 'collection' parameter must be a dask.dataframe.DataFrame or a dask.array.Array; got "
                    f"{type(collection).__name__}.")


def _apply(fn: Callable[..., Any], block: tuple, *args: Any) -> Any:
    X, y, v = block
    return fn(X, y, v, *args)


def _block_then_stats(block: tuple) -> SufficientStats:
    return block_stats(*block)


def stats_from_dask(collection: Any, target: str | None = None, *, y: Any = None, weights: Any = None,
                    features: Sequence[str] | None = None, split_every: int = 8,
                    compute_kwargs: dict[str, Any] | None = None) -> SufficientStats:
    """:class:`SufficientStats` of a Dask collection by per-partition statistics and a tree reduction.

    Parameters
    ----------
    collection : dask.dataframe.DataFrame or dask.array.Array
        A DataFrame (give ``target`` and optionally ``weights`` as column names, ``features`` to pick
        columns), or a 2-D Array X (give ``y`` and optionally ``weights`` as arrays).
    split_every : int, default 8
        Fan-in of the reduction tree.
    compute_kwargs : dict, optional
        Passed to ``dask.compute`` (e.g. ``{"scheduler": "threads"}``); default: the current scheduler.
    """
    dask = require_dask()
    if not isinstance(split_every, int) or split_every < 2:
        raise ValueError(f"The 'split_every' parameter must be an integer >= 2; got {split_every!r}.")
    blocks, names = dask_blocks(collection, target, y=y, weights=weights, features=features)
    parts = [dask.delayed(_block_then_stats, pure=True)(b) for b in blocks]
    root = tree_reduce(parts, lambda *g: dask.delayed(merge_stats, pure=True)(*g), split_every)
    (stats,) = dask.compute(root, **(compute_kwargs or {}))
    if stats.weight_sum <= 0:
        raise ValueError(f"The Dask collection has no rows of positive weight (n={stats.n}).")
    return SufficientStats(stats.n, stats.weight_sum, stats.mean_x, stats.mean_y, stats.xtx, stats.xty, stats.yty,
                           names, stats.mean_x_lo, stats.mean_y_lo)


def _file_stats(path: str, target: str, weights: str | None, features: list[str], batch_rows: int | None
                ) -> SufficientStats:
    from bayesreg.model.streaming import stats_from_files

    return stats_from_files([path], target, weights, features=features, batch_rows=batch_rows)


def stats_from_files_dask(paths: Any, target: str, weights: str | None = None, *,
                          features: Sequence[str] | None = None, batch_rows: int | None = None,
                          split_every: int = 8, compute_kwargs: dict[str, Any] | None = None) -> SufficientStats:
    """:class:`SufficientStats` of CSV/Parquet files with one Dask task per file.

    Each task streams its file in batches with pyarrow (:func:`bayesreg.model.streaming.stats_from_files`:
    bounded memory on the worker, no DataFrame), and a tree of merges combines the files' statistics.
    The workers must see the paths (a shared or local file system).
    """
    dask = require_dask()
    from bayesreg.model.streaming import _columns_of, _format_of, _select, resolve_paths

    files = resolve_paths(paths)
    names = _select(_columns_of(files[0], _format_of(files[0])), target, weights, features, files[0])
    parts = [dask.delayed(_file_stats, pure=True)(f, target, weights, names, batch_rows) for f in files]
    root = tree_reduce(parts, lambda *g: dask.delayed(merge_stats, pure=True)(*g), split_every)
    (stats,) = dask.compute(root, **(compute_kwargs or {}))
    return stats


class DaskRows(RowSource):
    """Rows of a Dask collection converted to float blocks once and persisted on the workers.

    Each :meth:`map_reduce` is one pass: a task per block (on the worker holding it) and a tree
    reduction of the small results. Build with :meth:`from_dask` or :meth:`from_files`; free the
    workers' memory with :meth:`release`.
    """

    def __init__(self, blocks: list[Any], feature_names: Sequence[str], has_weights: bool, *,
                 split_every: int = 8, compute_kwargs: dict[str, Any] | None = None) -> None:
        self.blocks = list(blocks)
        self.feature_names = tuple(feature_names)
        self.has_weights = bool(has_weights)
        self.split_every = int(split_every)
        self.compute_kwargs = dict(compute_kwargs or {})
        self.passes = 0

    @classmethod
    def from_dask(cls, collection: Any, target: str | None = None, *, y: Any = None, weights: Any = None,
                  features: Sequence[str] | None = None, persist: bool = True, split_every: int = 8,
                  compute_kwargs: dict[str, Any] | None = None) -> DaskRows:
        """Persist the rows of a Dask DataFrame (``target``/``weights`` columns) or Array (``y``/``weights``)."""
        dask = require_dask()
        blocks, names = dask_blocks(collection, target, y=y, weights=weights, features=features)
        if persist:
            blocks = list(dask.persist(*blocks))
        return cls(blocks, names, weights is not None, split_every=split_every, compute_kwargs=compute_kwargs)

    @classmethod
    def from_files(cls, paths: Any, target: str, weights: str | None = None, *,
                   features: Sequence[str] | None = None, **options: Any) -> DaskRows:
        """Read CSV/Parquet files (globs) with ``dask.dataframe`` and persist their rows."""
        require_dask()
        import dask.dataframe as dd

        from bayesreg.model.streaming import _format_of, resolve_paths

        files = resolve_paths(paths)
        fmt = _format_of(files[0])
        frame = dd.read_parquet(files) if fmt == "parquet" else dd.read_csv(files)
        return cls.from_dask(frame, target, weights=weights, features=features, **options)

    def map_reduce(self, fn: Callable[..., Any], *args: Any, combine: Callable[..., Any] = sum_tuples) -> Any:
        dask = require_dask()
        shared = [dask.delayed(a, pure=True) if isinstance(a, np.ndarray) and a.nbytes > 65536 else a for a in args]
        parts = [dask.delayed(_apply, pure=True)(fn, b, *shared) for b in self.blocks]
        root = tree_reduce(parts, lambda *g: dask.delayed(combine, pure=True)(*g), self.split_every)
        self.passes += 1
        return dask.compute(root, **self.compute_kwargs)[0]

    def release(self) -> None:
        """Drop the persisted blocks (the workers free them)."""
        self.blocks = []
