"""Saving and loading InferenceData: atomic NetCDF writes, the model specification in attributes."""

from __future__ import annotations

from typing import Any

from bayesreg.inference.diagnostics import import_arviz

__all__ = ["save_idata", "load_idata"]


def save_idata(idata: Any, path: str) -> None:
    """Write InferenceData to NetCDF atomically (temporary file in the same folder, then rename).

    The model specification (prior, likelihood, noise, intercept, sampler, form) travels in
    ``idata.attrs`` and is stored as NetCDF global attributes; :func:`load_idata` restores it.
    """
    import os
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix=".nc.tmp", dir=directory)
    os.close(fd)
    try:
        idata.to_netcdf(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; a saved result follows the umask
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_idata(path: str) -> Any:
    """Read InferenceData written by :func:`save_idata` (all groups and attributes)."""
    idata = import_arviz().from_netcdf(path)
    idata.load()  # read into memory so the file can be replaced or deleted afterwards
    return idata
