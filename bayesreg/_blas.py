"""Point PyTensor at a real BLAS before it is imported.

PyTensor compiles C and wants to link a BLAS exposing the standard Fortran symbols (``dgemm_``).
A pip-only install has none it can use: the OpenBLAS inside numpy/scipy wheels is built with
prefixed symbols (``scipy_dgemm_64_``), and PyTensor's auto-detection looks for ``libcblas`` or
``gfortran`` next to OpenBLAS, which Debian's ``libopenblas-dev`` does not provide. The result is
the warning "PyTensor could not link to a BLAS installation" and slow matrix products.

The fix (docs/install.md): install a system OpenBLAS (Debian/Ubuntu: ``apt-get install
libopenblas-dev``; ``make`` does this when run as root) and link it explicitly. This module does
the second step for you, only when the user has not configured ``blas__ldflags`` themselves
(via ``PYTENSOR_FLAGS`` or a ``.pytensorrc``) and PyTensor has not been imported yet. If no system
OpenBLAS is found nothing is changed, and PyTensor's own warning stays visible.

It also holds :func:`single_threaded_blas`, which the MAP solver uses so that the two OpenBLAS
thread pools of one process (numpy's bundled one and the system one PyTensor links) do not fight
over the cores on problems too small for threads to pay off.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["configure_pytensor_blas", "blas_status", "single_threaded_blas", "SMALL_PROBLEM_SIZE"]

#: ``n * p`` up to which :func:`single_threaded_blas` limits BLAS to one thread.
SMALL_PROBLEM_SIZE = 10_000_000
_CONTROLLER: list[Any] = []


def _user_configured() -> bool:
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    if "blas__ldflags" in flags or "blas.ldflags" in flags:
        return True
    rc = os.environ.get("PYTENSORRC", str(Path.home() / ".pytensorrc"))
    return any(Path(p).is_file() and "ldflags" in Path(p).read_text() for p in rc.split(os.pathsep))


def configure_pytensor_blas() -> str | None:
    """Add ``blas__ldflags=-lopenblas`` to ``PYTENSOR_FLAGS`` when safe; return what was set."""
    if "pytensor" in sys.modules or _user_configured():
        return None
    if ctypes.util.find_library("openblas") is None:
        return None
    flag = "blas__ldflags=-lopenblas"
    current = os.environ.get("PYTENSOR_FLAGS", "")
    os.environ["PYTENSOR_FLAGS"] = f"{current},{flag}" if current else flag
    return flag


def blas_status() -> str:
    """The BLAS flags PyTensor links with ('' means PyTensor's slow NumPy fallback)."""
    import pytensor

    return pytensor.config.blas__ldflags


@contextlib.contextmanager
def single_threaded_blas(size: int) -> Iterator[None]:
    """Limit every BLAS thread pool of the process to one thread while a small problem is solved.

    A process running bayesreg holds two OpenBLAS pools (numpy/scipy's bundled library and the
    system library PyTensor's compiled code links) and often an OpenMP one. Their idle threads
    spin for a while after each call, so alternating small calls between pools on a 2-core machine
    oversubscribes it: ``docs/benchmarks.md`` measured an L2-logistic MAP at 10000 x 100 taking
    128 ms with the default pools against 16 ms with numpy's pool at one thread. For
    ``size = n * p <= SMALL_PROBLEM_SIZE`` (each matrix-vector product under ~10 ms) the pools are
    limited to one thread with threadpoolctl, as scikit-learn does internally, and restored on exit;
    larger problems keep the defaults (their ``syrk`` Hessians use the threads). The limit is
    process-wide for the duration of the call.
    """
    if size > SMALL_PROBLEM_SIZE:
        yield
        return
    if not _CONTROLLER:  # created once, after PyTensor's compiled code has loaded its BLAS
        from threadpoolctl import ThreadpoolController

        _CONTROLLER.append(ThreadpoolController())
    with _CONTROLLER[0].limit(limits=1, user_api="blas"):
        yield
