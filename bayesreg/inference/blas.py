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

It also holds :func:`serial_blas`, which the MAP solver uses so that the two OpenBLAS thread pools
of one process (numpy's bundled one and the system one PyTensor links) do not fight over the cores.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["configure_pytensor_blas", "blas_status", "serial_blas", "refresh_thread_pools", "SMALL_PROBLEM_SIZE"]

#: ``n * p`` up to which :func:`serial_blas` limits *every* BLAS pool, PyTensor's included.
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


def refresh_thread_pools() -> None:
    """Forget the cached thread-pool controller (call after compiling code that may load a BLAS)."""
    _CONTROLLER.clear()


def _controller() -> Any:
    if not _CONTROLLER:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


def _wheel_bundled(filepath: str) -> bool:
    """A library vendored inside a wheel (auditwheel's ``<package>.libs`` directory)."""
    return Path(filepath).parent.name.endswith(".libs")


@contextlib.contextmanager
def serial_blas(size: int) -> Iterator[Callable[[], contextlib.AbstractContextManager[None]]]:
    """Run a solver with BLAS pools at one thread; yield a way to lift the limit for one call.

    A pip-installed process running bayesreg holds two OpenBLAS thread pools: the one vendored in
    the numpy/scipy wheels (``numpy.libs/libscipy_openblas*``) and the system library PyTensor's
    compiled code links. An idle OpenBLAS worker keeps spinning for a while after each call (up to
    2^28 cycles, ~0.1 s), so calls that alternate between pools, or follow another library's
    multi-threaded call, find a core taken and a 2-thread call waits for its descheduled half.
    Inside this context, with threadpoolctl (as scikit-learn does internally):

    * ``size = n * p <= SMALL_PROBLEM_SIZE``: every BLAS pool is limited to one thread. Such a
      problem's matrix-vector products take under ~10 ms and gain nothing from threads;
      ``docs/benchmarks.md`` measured an L2-logistic MAP at 10000 x 100 taking 100-130 ms with
      the default pools (right after a scikit-learn fit) against 14-16 ms this way;
    * larger problems: only the wheel-bundled pools (numpy's and scipy's own copies, which
      PyTensor cannot be using) are limited; PyTensor's pool keeps its threads for the
      memory-bound products of f and its gradient (100000 x 500: 40 ms with 2 threads, 59 ms
      with 1).

    The yielded callable returns a context manager that gives each limited pool back the caller's
    thread count for one compute-bound call, the ``syrk`` of a large Hessian. When numpy and
    PyTensor share one BLAS (conda) that pool is limited only for small problems. Everything is
    restored on exit; the limit is process-wide for the duration of the call.
    """
    ctl = _controller()
    # select() keeps libraries matching *any* given (key, value): filter on file paths alone
    bundled = ctl.select(filepath=[lib.filepath for lib in ctl.lib_controllers if lib.user_api == "blas"
                                   and (size <= SMALL_PROBLEM_SIZE or _wheel_bundled(lib.filepath))])
    outer = [(lib, lib.num_threads) for lib in bundled.lib_controllers]  # the caller's counts

    @contextlib.contextmanager
    def parallel() -> Iterator[None]:
        for lib, count in outer:
            lib.set_num_threads(count)
        try:
            yield
        finally:
            for lib, _ in outer:
                lib.set_num_threads(1)

    if not bundled.lib_controllers:
        yield parallel
        return
    with bundled.limit(limits=1):
        yield parallel
