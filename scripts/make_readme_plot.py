"""Render the README figures into ``docs/img/`` (atomically: temp file + ``os.replace``).

* ``regularization_path.png``: the scikit-learn Lasso path on the standardised diabetes data;
  MAP of the mapped Laplace prior (lines) versus the independent penalised solver (markers),
  with the Laplace scale ``b`` on the top axis. The noise scale is the OLS residual sd.
* ``prior_penalty.png``: Laplace / Gaussian / elastic-net priors of variance 1 and their penalties.

Usage: ``python scripts/make_readme_plot.py [OUTDIR]`` (default ``docs/img``).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from bayesreg.datasets import load_dataset  # noqa: E402
from bayesreg.plots import plot_prior_penalty, plot_regularization_path  # noqa: E402

DPI = 150


def save_atomic(fig: matplotlib.figure.Figure, path: Path) -> None:
    """Write ``fig`` as PNG to ``path`` via a temporary file in the same directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".png", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fig.savefig(fh, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(outdir: str = "docs/img") -> None:
    out = Path(outdir)
    data = load_dataset("diabetes_std")
    X, y = data.X, data.y
    design = np.column_stack([np.ones(len(y)), X.to_numpy()])
    resid = y.to_numpy() - design @ np.linalg.lstsq(design, y.to_numpy(), rcond=None)[0]
    noise_sigma = float(np.sqrt(resid @ resid / (design.shape[0] - design.shape[1])))

    ax = plot_regularization_path(X, y, "sklearn.Lasso", "alpha", noise_sigma=noise_sigma, n_values=50)
    print(f"regularization path: max |MAP - reference| = {ax.bayesreg_max_diff:.2e} "
          f"(relative {ax.bayesreg_max_rel_diff:.2e})")
    save_atomic(ax.figure, out / "regularization_path.png")
    plt.close(ax.figure)

    fig = plot_prior_penalty()
    save_atomic(fig, out / "prior_penalty.png")
    plt.close(fig)
    print(f"wrote {out / 'regularization_path.png'} and {out / 'prior_penalty.png'}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
