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
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from pathlib import Path

__all__ = ["configure_pytensor_blas", "blas_status"]


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
