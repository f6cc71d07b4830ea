"""Execute every notebook in ``notebooks/`` in quick mode (``BAYESREG_QUICK=1``).

Each notebook checks its own claims with ``assert`` cells, so running it is the test. The notebook
is copied to a temporary directory first and executed there; the committed file is never touched.
nbclient, nbformat and ipykernel are test extras (``pip install -e '.[test]'``); without them these
tests skip with that reason.
"""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = ["01_map_equals_penalty.ipynb", "02_posterior_uncertainty.ipynb",
            "03_sparsity_and_shrinkage.ipynb", "04_logistic.ipynb", "05_shrinkage_priors.ipynb",
            "06_glms.ipynb", "07_choosing_lambda.ipynb",
            "08_training_tricks_as_priors.ipynb"]
CELL_TIMEOUT = 900  # seconds


def _missing_runtime() -> list[str]:
    missing = []
    for module in ("nbclient", "nbformat", "ipykernel"):
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    return missing


def test_notebooks_present() -> None:
    assert [p.name for p in NOTEBOOKS] == EXPECTED


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_quick_mode(notebook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = _missing_runtime()
    if missing:
        pytest.skip(f"executing notebooks needs {', '.join(missing)} (test extras: pip install -e '.[test]')")
    import nbformat
    from nbclient import NotebookClient

    copy = tmp_path / notebook.name
    shutil.copyfile(notebook, copy)
    nb = nbformat.read(copy, as_version=4)
    monkeypatch.setenv("BAYESREG_QUICK", "1")  # inherited by the kernel process
    monkeypatch.setenv("BAYESREG_REPO", str(notebook.parent.parent))  # for the repository's test data
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError (with the failing cell and traceback) on any error
    errors = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, errors
    printed = "".join(o.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                      for o in cell.get("outputs", []))
    assert "QUICK=True" in printed, "the notebook did not run in quick mode"
