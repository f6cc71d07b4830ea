"""Timing helpers shared by the benchmarks (wall clock, ``time.perf_counter``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["timed", "first_and_median"]


def timed(fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    """``(seconds, fn(*args))``: one call, timed."""
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def first_and_median(fn: Callable[..., Any], *args: Any, repeats: int) -> tuple[float, float, Any]:
    """``(first call's seconds, median over repeats calls, the first call's result)``: the first call
    includes one-off costs (compilation, caches), the median is the steady state."""
    first, out = timed(fn, *args)
    times = [first] + [timed(fn, *args)[0] for _ in range(repeats - 1)]
    return first, float(np.median(times)), out
