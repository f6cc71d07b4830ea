"""A user CSV as a data frame with its columns as they are (categorical columns kept), for formulas."""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import pandas as pd

__all__ = ["load_table"]


def load_table(path: str | PathLike[str]) -> pd.DataFrame:
    """Read a CSV with a header row into a DataFrame, keeping text columns (for a formula's ``C(g)``).

    Unlike :func:`bayesreg.datasets.load_csv`, nothing is split into X and y and non-numeric
    columns are kept: a formula (``bayesreg fit --formula``) says which columns are the response,
    the numeric predictors and the categorical ones.

    Raises
    ------
    FileNotFoundError
        ``path`` is not a file.
    ValueError
        The file is empty, has no data rows, is not UTF-8 text or is not a well-formed CSV; the
        message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"CSV file not found: {str(path)!r}")
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise ValueError(f"CSV file {str(path)!r} is empty") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"CSV file {str(path)!r} is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                         "re-save it as UTF-8") from None
    except pd.errors.ParserError as exc:
        raise ValueError(f"CSV file {str(path)!r} could not be parsed: {str(exc).strip()}") from None
    if frame.shape[0] == 0:
        raise ValueError(f"CSV file {str(path)!r} has a header but no data rows")
    return frame
