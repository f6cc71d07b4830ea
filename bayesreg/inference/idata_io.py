"""Saving and loading InferenceData: atomic NetCDF writes, the model specification in attributes.

Every error names the file: :func:`check_output_path` refuses an output path that cannot be
written (before any sampling, in the command line), and :func:`load_idata` turns the raw HDF5 /
NetCDF errors of a corrupt, truncated or non-NetCDF file into one message with the file name.
"""

from __future__ import annotations

import os
from typing import Any

from bayesreg.inference.diagnostics import import_arviz

__all__ = ["save_idata", "load_idata", "check_output_path"]


def check_output_path(path: str | os.PathLike[str], name: str = "path") -> str:
    """Check that a file can be written at ``path``; return it as a string.

    The path must not be an existing directory (nor end with a separator), and its folder must
    exist, be a directory and be writable. Raises ``IsADirectoryError``, ``FileNotFoundError``,
    ``NotADirectoryError`` or ``PermissionError`` (all ``OSError``), each naming ``name`` and the
    path; ``TypeError`` when ``path`` is not a path. Nothing is created.
    """
    try:
        p = os.fspath(path)
    except TypeError:
        raise TypeError(f"{name} must be a file path (str or os.PathLike); got {type(path).__name__}.") from None
    if not isinstance(p, str) or p == "":
        raise ValueError(f"{name} must be a non-empty file path; got {p!r}.")
    if os.path.isdir(p) or p.endswith(os.sep):
        raise IsADirectoryError(f"{name} {p!r} is a directory; give a file name inside it, e.g. "
                                f"{os.path.join(p, 'posterior.nc')!r}.")
    folder = os.path.dirname(os.path.abspath(p))
    if not os.path.exists(folder):
        raise FileNotFoundError(f"{name} {p!r}: the directory {folder!r} does not exist; create it first.")
    if not os.path.isdir(folder):
        raise NotADirectoryError(f"{name} {p!r}: {folder!r} is not a directory.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"{name} {p!r}: the directory {folder!r} is not writable.")
    return p


def save_idata(idata: Any, path: str | os.PathLike[str]) -> None:
    """Write InferenceData to NetCDF atomically (temporary file in the same folder, then rename).

    The model specification (prior, likelihood, noise, intercept, sampler, form) travels in
    ``idata.attrs`` and is stored as NetCDF global attributes; :func:`load_idata` restores it, with
    every group (``posterior``, ``log_likelihood``, ``observed_data``, ``constant_data``,
    ``posterior_predictive``, ``sample_stats``). The path is checked first
    (:func:`check_output_path`); any error names ``path``, never the temporary file.
    """
    import tempfile

    path = check_output_path(path)
    directory = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(suffix=".nc.tmp", dir=directory)
        os.close(fd)
        idata.to_netcdf(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; a saved result follows the umask
        os.replace(tmp, path)
    except OSError as exc:
        raise OSError(f"Could not write InferenceData to {path!r}: {exc}") from exc
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def load_idata(path: str | os.PathLike[str]) -> Any:
    """Read InferenceData written by :func:`save_idata` (all groups and attributes).

    Raises ``FileNotFoundError`` / ``IsADirectoryError`` / ``PermissionError`` naming the file, and
    ``ValueError`` naming the file when it is not a NetCDF/HDF5 file, is truncated or corrupt, or holds
    no InferenceData groups.
    """
    p = os.fspath(path)
    if not os.path.exists(p):
        raise FileNotFoundError(f"InferenceData file not found: {p!r}.")
    if os.path.isdir(p):
        raise IsADirectoryError(f"{p!r} is a directory, not an InferenceData NetCDF file.")
    if not os.access(p, os.R_OK):
        raise PermissionError(f"InferenceData file {p!r} is not readable (permission denied).")
    try:
        idata = import_arviz().from_netcdf(p)
        idata.load()  # read into memory so the file can be replaced or deleted afterwards
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as exc:
        raise ValueError(f"Cannot read InferenceData from {p!r}: not a NetCDF file, or truncated or corrupt "
                         f"({type(exc).__name__}: {exc}).") from None
    if not idata.groups():
        raise ValueError(f"{p!r} is a NetCDF file without InferenceData groups (posterior, ...): not written by "
                         "bayesreg.save_idata or ArviZ.")
    return idata
